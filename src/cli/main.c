/*
 * main: the program — the dispatch table of `simpul` subcommands. With
 * cmd_run.c it is built into the executable, not into the cli library:
 * the program composes the cli, the demo, the daemon and the HTTP API.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../demo/demo.h"

const struct cli_cmd cli_cmds[] = {
    {"init", cmd_init, "create this node's key, config and store"},
    {"post", cmd_post, "write a signed entry to one of this node's feeds"},
    {"list", cmd_list, "list entries, newest first"},
    {"show", cmd_show, "show one entry in full"},
    {"feeds", cmd_feeds, "list the feeds this node holds"},
    {"verify", cmd_verify, "re-check every stored entry and chain"},
    {"export", cmd_export, "write entries to a bundle file"},
    {"import", cmd_import, "verify and store entries from a bundle file"},
    {"bundle", cmd_bundle, "sealed bundles for one node, by USB stick"},
    {"run", cmd_run, "run the node: keep its links in sync"},
    {"status", cmd_status, "this node, its store, daemon and links"},
    {"peers", cmd_peers, "each peer link: state, last sync, traffic"},
    {"network", cmd_network, "create or show this node's network"},
    {"enroll", cmd_enroll, "request, sign or accept a membership certificate"},
    {"revoke", cmd_revoke, "revoke a node's membership (issuers only)"},
    {"demo", demo_main, "a live network of 7 nodes on this machine"},
    {"reports", cmd_reports, "list reports with their state and deadlines"},
    {"report", cmd_report, "show a report's timeline, or make a step on it"},
    {"views", cmd_views, "rebuild the KIM views from the entries"},
    {"token", cmd_token, "show or rotate the HTTP API token"},
    {"restored", cmd_restored, "show or clear the restored-store state"},
    {"sink", cmd_sink, "stream entries and reports into PostgreSQL"},
    {"blob", cmd_blob, "write an attachment out: blob get ROOT -o FILE"},
    {"blobs", cmd_blobs, "list attachments: whole, partial, wanted"},
    {"gc", cmd_gc, "delete attachments no entry references"},
    {"user", cmd_user, "web app accounts: add, list, passwd, remove"},
    {"export-table", cmd_export_table,
     "reports or announcements as CSV or XLSX"},
    {"webhooks", cmd_webhooks, "post events to the config's webhooks"},
    {"dashboard", cmd_dashboard, "a region's reports and KIM activity"},
    {NULL, NULL, NULL},
};

static void
usage(FILE *out)
{
        fprintf(out, "usage: simpul [--data DIR] <command> [options]\n"
                     "       simpul <command> --help\n"
                     "       simpul --version\n\n"
                     "simpul keeps a signed, replicated change log for a KIM "
                     "node (desa,\nkecamatan or kabupaten).\n\ncommands:\n");
        for (const struct cli_cmd *c = cli_cmds; c->name; c++)
                fprintf(out, "  %-8s %s\n", c->name, c->summary);
        fprintf(out,
                "\nThe data directory is --data DIR, else $SIMPUL_DATA, else "
                "~/.local/share/simpul\n(or /var/lib/simpul for a service "
                "node).\nExit status: 0 ok, 1 error, 2 usage error.\n");
}

int
main(int argc, char **argv)
{
        const char *data = NULL;
        int i = 1;

        app_global_init(); /* before any thread */
        /* Global options before the command; --data is also per command. */
        for (; i < argc && argv[i][0] == '-'; i++) {
                if (!strcmp(argv[i], "--version")) {
                        printf("simpul %s\n", SIMPUL_VERSION);
                        return EXIT_OK;
                }
                if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
                        usage(stdout);
                        return EXIT_OK;
                }
                if (!strcmp(argv[i], "--data") && i + 1 < argc) {
                        data = argv[++i];
                        continue;
                }
                if (!strncmp(argv[i], "--data=", 7)) {
                        data = argv[i] + 7;
                        continue;
                }
                fprintf(stderr, "simpul: unknown option '%s'\n", argv[i]);
                usage(stderr);
                return EXIT_USAGE;
        }
        if (i >= argc) {
                usage(stderr);
                return EXIT_USAGE;
        }
        if (!strcmp(argv[i], "help")) {
                usage(stdout);
                return EXIT_OK;
        }
        if (data)
                setenv("SIMPUL_DATA", data, 1);
        for (const struct cli_cmd *c = cli_cmds; c->name; c++)
                if (!strcmp(argv[i], c->name))
                        return c->run(argc - i, argv + i);
        fprintf(stderr, "simpul: unknown command '%s'\n", argv[i]);
        usage(stderr);
        return EXIT_USAGE;
}
