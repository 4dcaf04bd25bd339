/* feeds: the feeds this node holds, with their heads. */
#include <stddef.h>
#include <string.h>

#include "cli.h"

struct feeds_opts {
        const char *data;
        bool json;
};

static const struct cli_opt feeds_opts[] = {
    CLI_OPT("data", CLI_STR, offsetof(struct feeds_opts, data), .arg = "DIR"),
    CLI_OPT("json", CLI_FLAG, offsetof(struct feeds_opts, json)),
};

static const struct cli_spec feeds_spec = {
    .name = "feeds",
    .usage =
        "usage: simpul feeds [--data DIR] [--json]\n\n"
        "Lists every feed this node holds: feed id, channel, author region,\n"
        "audience, head sequence number and whether a fork froze it.\n",
    .opts = feeds_opts,
    .n_opts = ARRAY_LEN(feeds_opts),
};

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
        struct feeds_opts o = {NULL, false};
        struct feeds_ctx fc = {NULL, 0};
        struct cli_parsed p;
        struct store_txn *t = NULL;
        struct node n;
        int rc, err;

        if (!cli_parse(&feeds_spec, argc, argv, &o, &p))
                return p.status;
        if (cli_open(&n, o.data, NODE_OPEN_READ_ONLY))
                return EXIT_ERROR;
        if (o.json)
                fc.arr = json_array();
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
