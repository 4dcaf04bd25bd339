/* views: recompute the KIM views (proto/KIM.md §6) from the entries. */
#include <string.h>

#include "../app/app.h"
#include "cli.h"

static const struct cli_spec views_spec = {
    .name = "views",
    .usage =
        "usage: simpul views rebuild [--data DIR] [--json]\n\n"
        "Recomputes every KIM view (reports, by status, announcements,\n"
        "revisions) from the entries held, in one transaction. Views are kept\n"
        "up to date as entries are stored, and rebuilt by themselves when a\n"
        "store made by an older version is opened for writing; run this after\n"
        "a STORE-CORRUPT line about a view record. Safe while 'simpul run'\n"
        "runs: it waits for the daemon's write and the daemon for it.\n",
    .opts = cli_common_opts,
    .n_opts = ARRAY_LEN(cli_common_opts),
    .max_args = -1,
};

int
cmd_views(int argc, char **argv)
{
        struct cli_common o = {NULL, false};
        struct cli_parsed p;
        uint64_t entries = 0;
        struct buf out = BUF_INIT;
        char msg[APP_ERR_MAX];
        struct node n;
        int err;

        if (!cli_parse(&views_spec, argc, argv, &o, &p))
                return p.status;
        if (p.n_args != 1 || strcmp(p.args[0], "rebuild"))
                return cli_usage_error("views", "expected 'rebuild'");
        if (cli_open(&n, o.data, 0))
                return EXIT_ERROR;
        err = app_views_rebuild(&n, &entries, msg);
        app_close(&n);
        if (err)
                return cli_error("views rebuild: %s (%s)", msg, err_id(err));
        if (o.json)
                return cli_print_buf(&out, app_json_views(&out, entries, 0));
        printf("views rebuilt from %llu entries\n",
               (unsigned long long)entries);
        return EXIT_OK;
}
