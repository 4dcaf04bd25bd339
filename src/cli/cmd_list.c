/* list: entries, newest first, optionally filtered by kind or feed. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "../app/app.h"
#include "cli.h"

struct list_opts {
        const char *data;
        uint32_t kind; /* 0: any */
        struct cli_id feed;
        uint64_t limit;
        bool json;
};

static int
parse_kind(const char *arg, void *field)
{
        return kind_parse(arg, field);
}

#define O(field) offsetof(struct list_opts, field)
static const struct cli_opt list_opts[] = {
    CLI_OPT("kind", CLI_PARSE, O(kind), .arg = "KIND",
            .help = "only entries of this kind", .parse = parse_kind,
            .bad = "unknown --kind '%s'"),
    CLI_OPT("feed", CLI_PARSE, O(feed), .arg = "FEED",
            .help = "only entries of the feed with this id (a hex prefix\n"
                    "of at least 8 digits, see 'simpul feeds')",
            .parse = cli_parse_id_arg,
            .bad = "--feed: expected 8 to 64 hex digits, got '%s'"),
    CLI_OPT("limit", CLI_U64, O(limit), .arg = "N", .help = "at most N entries",
            .min = 1, .max = UINT64_MAX,
            .bad = "--limit: expected a positive number"),
    CLI_OPT("data", CLI_STR, O(data), .arg = "DIR"),
    CLI_OPT("json", CLI_FLAG, O(json),
            .help = "print a JSON array of entries with their bodies"),
};
#undef O

static const struct cli_spec list_spec = {
    .name = "list",
    .usage =
        "usage: simpul list [--kind KIND] [--feed FEED] [--limit N]\n"
        "                   [--data DIR] [--json]\n\n"
        "Lists stored entries, newest first (by the author's clock), one\n"
        "per line: id, local time, kind, audience, title. An entry held\n"
        "without its body (pruned on the way) reads \"" APP_BODY_MISSING_TEXT
        "\".\n\n",
    .opts = list_opts,
    .n_opts = ARRAY_LEN(list_opts),
    .width = 14,
};

struct list_item {
        uint64_t ts;
        uint8_t feed[ENTRY_HASH_BYTES];
        uint64_t seq;
        json_t *json; /* for --json */
        char *line;   /* for text output */
};

struct list_ctx {
        struct store_txn *t;
        uint32_t kind; /* 0: any */
        uint8_t feed[ENTRY_HASH_BYTES];
        size_t feed_len; /* 0: any */
        bool json;
        struct list_item *items;
        size_t n, cap;
};

static char *
list_line(const struct entry *e)
{
        struct buf b = BUF_INIT;
        char id[65], when[32], aud[40];
        struct slice title = cli_entry_title(e);
        const char *kind = kind_name(e->h.kind);

        id_hex(id, e->id);
        cli_time_local(when, e->h.timestamp_ms);
        audience_format(&e->h.audience, aud);
        buf_addf(&b, "%.12s  %s  %-10s  %-30s  %.*s", id, when,
                 kind ? kind : "?", aud, (int)title.len,
                 (const char *)title.ptr);
        return (char *)b.data;
}

static int
list_entry(void *ctx, uint64_t seq, struct slice bytes)
{
        struct list_ctx *lc = ctx;
        struct list_item *it;
        struct entry e;

        if (entry_parse(bytes, &e))
                return 0; /* 'simpul verify' reports damaged entries */
        if (lc->kind && e.h.kind != lc->kind)
                return 0;
        if (lc->n == lc->cap) {
                lc->cap = lc->cap ? 2 * lc->cap : 64;
                lc->items = xrealloc(lc->items, lc->cap * sizeof(*it));
        }
        it = &lc->items[lc->n++];
        memset(it, 0, sizeof(*it));
        it->ts = e.h.timestamp_ms;
        memcpy(it->feed, e.feed, ENTRY_HASH_BYTES);
        it->seq = seq;
        if (lc->json)
                it->json = cli_entry_json(&e, true);
        else
                it->line = list_line(&e);
        return 0;
}

static int
list_feed(void *ctx, const struct feed_info *f)
{
        struct list_ctx *lc = ctx;

        if (lc->feed_len && memcmp(f->id, lc->feed, lc->feed_len))
                return 0;
        return store_feed_scan(lc->t, f->id, 1, list_entry, lc);
}

static int
newest_first(const void *a, const void *b)
{
        const struct list_item *x = a, *y = b;
        int c;

        if (x->ts != y->ts)
                return x->ts < y->ts ? 1 : -1;
        if ((c = memcmp(x->feed, y->feed, ENTRY_HASH_BYTES)))
                return c;
        return x->seq < y->seq ? 1 : x->seq > y->seq ? -1 : 0;
}

static int
list_print(struct list_ctx *lc, size_t limit)
{
        size_t n = limit && limit < lc->n ? limit : lc->n;
        json_t *arr = lc->json ? json_array() : NULL;

        if (lc->n) /* items is NULL when nothing matched */
                qsort(lc->items, lc->n, sizeof(*lc->items), newest_first);
        for (size_t i = 0; i < n; i++) {
                if (arr) {
                        json_array_append(arr, lc->items[i].json);
                } else {
                        puts(lc->items[i].line);
                }
        }
        if (arr)
                return cli_print_json(arr);
        if (n == 0)
                fprintf(stderr, "no entries\n");
        return EXIT_OK;
}

int
cmd_list(int argc, char **argv)
{
        struct list_opts o;
        struct cli_parsed p;
        struct list_ctx lc;
        struct node n;
        int rc, err;

        memset(&o, 0, sizeof(o));
        if (!cli_parse(&list_spec, argc, argv, &o, &p))
                return p.status;
        memset(&lc, 0, sizeof(lc));
        lc.kind = o.kind;
        memcpy(lc.feed, o.feed.id, sizeof(lc.feed));
        lc.feed_len = o.feed.len;
        lc.json = o.json;
        if (cli_open(&n, o.data, NODE_OPEN_READ_ONLY))
                return EXIT_ERROR;
        if ((err = store_begin(n.store, false, &lc.t)) ||
            (err = store_feeds(lc.t, list_feed, &lc)))
                rc = cli_error("list: %s", err_str(err));
        else
                rc = list_print(&lc, o.limit);
        if (lc.t)
                store_abort(lc.t);
        for (size_t i = 0; i < lc.n; i++) {
                json_decref(lc.items[i].json);
                free(lc.items[i].line);
        }
        free(lc.items);
        node_close(&n);
        return rc;
}
