/* export: write entries to a bundle file (proto/SPEC.md §7). */
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../app/app.h"
#include "cli.h"

struct export_opts {
        const char *data, *file;
        struct cli_id feed;
};

#define O(field) offsetof(struct export_opts, field)
static const struct cli_opt export_opts[] = {
    CLI_OPT("feed", CLI_PARSE, O(feed), .arg = "FEED",
            .help = "only the feed with this id (hex prefix, 8+ digits)",
            .parse = cli_parse_id_arg,
            .bad = "--feed: expected 8 to 64 hex digits"),
    CLI_OPT(NULL, CLI_STR, O(file), .short_name = 'o', .arg = "FILE",
            .help = "write to FILE instead of standard output"),
    CLI_OPT("data", CLI_STR, O(data), .arg = "DIR"),
};
#undef O

static const struct cli_spec export_spec = {
    .name = "export",
    .usage =
        "usage: simpul export [--feed FEED] [-o FILE] [--data DIR] > FILE\n\n"
        "Writes the stored entries, exactly as signed, to a bundle file:\n"
        "feeds in priority order (system, urgent, normal, bulk), each from\n"
        "seq 1 up. Carry it on a USB stick and run 'simpul import FILE' on\n"
        "the other node. With -o the file is written whole or not at all.\n\n",
    .opts = export_opts,
    .n_opts = ARRAY_LEN(export_opts),
    .width = 14,
};

int
cmd_export(int argc, char **argv)
{
        struct export_opts o;
        struct app_export ex;
        struct cli_parsed p;
        char msg[APP_ERR_MAX];
        struct node n;
        int err;

        memset(&o, 0, sizeof(o));
        if (!cli_parse(&export_spec, argc, argv, &o, &p))
                return p.status;
        if (!o.file && isatty(STDOUT_FILENO))
                return cli_usage_error("export", "refusing to write a binary "
                                                 "bundle to a terminal: use "
                                                 "-o FILE or > FILE");
        if (cli_open(&n, o.data, NODE_OPEN_READ_ONLY))
                return EXIT_ERROR;
        err = app_export(&n, o.feed.id, o.feed.len, o.file, &ex, msg);
        app_close(&n);
        if (err)
                return cli_error("export: %s", msg);
        fprintf(stderr, "exported %llu entries of %llu feeds\n",
                (unsigned long long)ex.entries, (unsigned long long)ex.feeds);
        return EXIT_OK;
}
