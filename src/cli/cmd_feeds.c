/* feeds: the feeds this node holds, with their heads. */
#include <getopt.h>
#include <string.h>

#include "cli.h"

static const char feeds_help[] =
    "usage: simpul feeds [--data DIR] [--json]\n\n"
    "Lists every feed this node holds: feed id, channel, author region,\n"
    "audience, head sequence number and whether a fork froze it.\n";

struct feeds_ctx {
        json_t *arr;
        size_t n;
};

static int
feeds_one(void *ctx, const struct feed_info *f)
{
        struct feeds_ctx *fc = ctx;
        char id[65], author[65], aud[40];
        const char *ch = channel_name(f->channel);
        bool frozen = f->flags & FEED_FROZEN;

        id_hex(id, f->id);
        id_hex(author, f->author);
        audience_format(&f->audience, aud);
        fc->n++;
        if (fc->arr) {
                json_array_append_new(
                    fc->arr,
                    json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:b}", "id", id,
                              "author", author, "author_region",
                              f->author_region, "audience", aud, "channel", ch,
                              "head_seq", (json_int_t)f->head_seq, "frozen",
                              frozen));
                return 0;
        }
        printf("%.16s  %-6s  %-13s  %-30s  %8llu%s\n", id, ch, f->author_region,
               aud, (unsigned long long)f->head_seq,
               frozen ? "  FROZEN (fork)" : "");
        return 0;
}

int
cmd_feeds(int argc, char **argv)
{
        static const struct option longs[] = {
            {"data", required_argument, NULL, CLI_OPT_DATA},
            {"json", no_argument, NULL, CLI_OPT_JSON},
            {"help", no_argument, NULL, CLI_OPT_HELP},
            {NULL, 0, NULL, 0},
        };
        struct feeds_ctx fc = {NULL, 0};
        const char *data = NULL;
        struct store_txn *t = NULL;
        struct node n;
        int c, rc, err;

        while ((c = getopt_long(argc, argv, "h", longs, NULL)) != -1) {
                switch (c) {
                case CLI_OPT_DATA:
                        data = optarg;
                        break;
                case CLI_OPT_JSON:
                        fc.arr = json_array();
                        break;
                case CLI_OPT_HELP:
                        fputs(feeds_help, stdout);
                        return EXIT_OK;
                default:
                        return cli_usage_error("feeds", "invalid option");
                }
        }
        if (optind < argc) {
                json_decref(fc.arr);
                return cli_usage_error("feeds", "unexpected argument '%s'",
                                       argv[optind]);
        }
        if (cli_open(&n, data, NODE_OPEN_READ_ONLY)) {
                json_decref(fc.arr);
                return EXIT_ERROR;
        }
        if (!fc.arr)
                printf("%-16s  %-6s  %-13s  %-30s  %8s\n", "FEED", "CHAN",
                       "AUTHOR", "AUDIENCE", "HEAD");
        if ((err = store_begin(n.store, false, &t)) ||
            (err = store_feeds(t, feeds_one, &fc))) {
                rc = cli_error("feeds: %s", err_str(err));
                json_decref(fc.arr);
        } else {
                rc = fc.arr ? cli_print_json(fc.arr) : EXIT_OK;
        }
        if (t)
                store_abort(t);
        node_close(&n);
        return rc;
}
