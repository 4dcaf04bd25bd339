/* list: entries, newest first, optionally filtered by kind or feed. */
#include <stddef.h>
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
        return app_name_parse(APP_NAMES_KIND, arg, field);
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

static void
list_print(const struct app_entries *l)
{
        char id[65], when[32];

        for (size_t i = 0; i < l->n; i++) {
                const struct app_entry *e = &l->v[i];

                hex_encode(id, e->e.id, ENTRY_HASH_BYTES);
                cli_time_local(when, e->e.h.timestamp_ms);
                printf("%.12s  %s  %-10s  %-30s  %.*s\n", id, when, e->kind,
                       e->audience, (int)e->title.len,
                       (const char *)e->title.ptr);
        }
        if (l->n == 0)
                fprintf(stderr, "no entries\n");
}

int
cmd_list(int argc, char **argv)
{
        struct list_opts o;
        struct app_entry_filter f;
        struct app_entries l;
        struct cli_parsed p;
        struct buf out = BUF_INIT;
        char msg[APP_ERR_MAX];
        struct node n;
        int rc = EXIT_OK;

        memset(&o, 0, sizeof(o));
        if (!cli_parse(&list_spec, argc, argv, &o, &p))
                return p.status;
        memset(&f, 0, sizeof(f));
        f.kind = o.kind;
        memcpy(f.feed, o.feed.id, sizeof(f.feed));
        f.feed_len = o.feed.len;
        f.limit = (size_t)o.limit;
        if (cli_open(&n, o.data, NODE_OPEN_READ_ONLY))
                return EXIT_ERROR;
        if (app_entries_list(&n, &f, &l, msg)) {
                app_close(&n);
                return cli_error("list: %s", msg);
        }
        app_close(&n);
        if (o.json)
                rc = cli_print_buf(&out, app_json_entries(&out, &l, 0));
        else
                list_print(&l);
        app_entries_release(&l);
        return rc;
}
