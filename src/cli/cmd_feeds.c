/* feeds: the feeds this node holds, with their heads. */
#include <string.h>

#include "../app/app.h"
#include "cli.h"

static const struct cli_spec feeds_spec = {
    .name = "feeds",
    .usage =
        "usage: simpul feeds [--data DIR] [--json]\n\n"
        "Lists every feed this node holds: feed id, channel, author region,\n"
        "audience, head sequence number and whether a fork froze it.\n",
    .opts = cli_common_opts,
    .n_opts = ARRAY_LEN(cli_common_opts),
};

static void
feeds_print(const struct app_feeds *fs)
{
        char id[65];

        printf("%-16s  %-6s  %-13s  %-30s  %8s\n", "FEED", "CHAN", "AUTHOR",
               "AUDIENCE", "HEAD");
        for (size_t i = 0; i < fs->n; i++) {
                const struct app_feed *f = &fs->v[i];

                hex_encode(id, f->info.id, ENTRY_HASH_BYTES);
                printf("%.16s  %-6s  %-13s  %-30s  %8llu%s\n", id, f->channel,
                       f->info.author_region, f->audience,
                       (unsigned long long)f->info.head_seq,
                       f->frozen ? "  FROZEN (fork)" : "");
        }
}

int
cmd_feeds(int argc, char **argv)
{
        struct cli_common o = {NULL, false};
        struct app_feeds fs;
        struct cli_parsed p;
        struct buf out = BUF_INIT;
        char msg[APP_ERR_MAX];
        struct node n;
        int rc = EXIT_OK;

        if (!cli_parse(&feeds_spec, argc, argv, &o, &p))
                return p.status;
        if (cli_open(&n, o.data, NODE_OPEN_READ_ONLY))
                return EXIT_ERROR;
        if (app_feeds(&n, 0, &fs, msg)) {
                app_close(&n);
                return cli_error("feeds: %s", msg);
        }
        app_close(&n);
        if (o.json)
                rc = cli_print_buf(&out, app_json_feeds(&out, &fs, 0));
        else
                feeds_print(&fs);
        app_feeds_release(&fs);
        return rc;
}
