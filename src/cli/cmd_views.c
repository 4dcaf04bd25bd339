/* views: recompute the KIM views (proto/KIM.md §6) from the entries. */
#include <getopt.h>
#include <string.h>

#include "cli.h"

static const char views_help[] =
    "usage: simpul views rebuild [--data DIR] [--json]\n\n"
    "Recomputes every KIM view (reports, by status, announcements,\n"
    "revisions) from the entries held, in one transaction. Views are kept\n"
    "up to date as entries are stored, and rebuilt by themselves when a\n"
    "store made by an older version is opened for writing; run this after\n"
    "a STORE-CORRUPT line about a view record. Safe while 'simpul run'\n"
    "runs: it waits for the daemon's write and the daemon for it.\n";

int
cmd_views(int argc, char **argv)
{
        static const struct option longs[] = {
            {"data", required_argument, NULL, CLI_OPT_DATA},
            {"json", no_argument, NULL, CLI_OPT_JSON},
            {"help", no_argument, NULL, CLI_OPT_HELP},
            {NULL, 0, NULL, 0},
        };
        const char *data = NULL;
        uint64_t entries = 0;
        bool json = false;
        struct node n;
        int c, err;

        while ((c = getopt_long(argc, argv, "h", longs, NULL)) != -1) {
                switch (c) {
                case CLI_OPT_DATA:
                        data = optarg;
                        break;
                case CLI_OPT_JSON:
                        json = true;
                        break;
                case CLI_OPT_HELP:
                        fputs(views_help, stdout);
                        return EXIT_OK;
                default:
                        return cli_usage_error("views", "invalid option");
                }
        }
        if (optind + 1 != argc || strcmp(argv[optind], "rebuild"))
                return cli_usage_error("views", "expected 'rebuild'");
        if (cli_open(&n, data, 0))
                return EXIT_ERROR;
        err = replica_views_rebuild(&n.replica, &entries);
        node_close(&n);
        if (err)
                return cli_error("views rebuild: %s (%s)", err_str(err),
                                 err_id(err));
        if (json)
                return cli_print_json(
                    json_pack("{s:I}", "entries", (json_int_t)entries));
        printf("views rebuilt from %llu entries\n",
               (unsigned long long)entries);
        return EXIT_OK;
}
