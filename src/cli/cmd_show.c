/* show: one entry in full, by id or unique id prefix. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "../app/app.h"
#include "cli.h"

struct show_opts {
        const char *data;
        bool json;
};

static const struct cli_opt show_opts[] = {
    CLI_OPT("data", CLI_STR, offsetof(struct show_opts, data), .arg = "DIR"),
    CLI_OPT("json", CLI_FLAG, offsetof(struct show_opts, json)),
};

static const struct cli_spec show_spec = {
    .name = "show",
    .usage =
        "usage: simpul show ID [--data DIR] [--json]\n\n"
        "Shows one entry: its header fields and its body. ID is the entry\n"
        "id or a unique prefix of at least 8 hex digits (as 'simpul list'\n"
        "prints).\n",
    .opts = show_opts,
    .n_opts = ARRAY_LEN(show_opts),
    .max_args = -1,
};

static void
show_text(const struct entry *e)
{
        char id[65], feed[65], author[65], prev[65], when[32], aud[40];
        json_t *j = cli_entry_json(e, true);
        json_t *body = json_object_get(j, "body");
        const char *key;
        json_t *v;

        id_hex(id, e->id);
        id_hex(feed, e->feed);
        id_hex(author, e->h.author);
        if (e->h.has_prev)
                id_hex(prev, e->h.prev);
        cli_time_local(when, e->h.timestamp_ms);
        audience_format(&e->h.audience, aud);
        printf("id:        %s\n"
               "kind:      %s\n"
               "audience:  %s\n"
               "author:    %s (%s)\n"
               "time:      %s (author's clock)\n"
               "feed:      %s seq %llu\n"
               "prev:      %s\n",
               id, kind_name(e->h.kind) ? kind_name(e->h.kind) : "?", aud,
               author, e->h.author_region, when, feed,
               (unsigned long long)e->h.seq, e->h.has_prev ? prev : "-");
        if (!e->env.has_body) {
                printf("body:      %s (pruned on the way: %u bytes, hash "
                       "kept)\n",
                       APP_BODY_MISSING_TEXT, e->h.body_len);
        } else if (!json_is_object(body)) {
                printf("body:      (does not decode)\n");
        } else {
                json_object_foreach(body, key, v)
                {
                        char *s =
                            json_is_string(v)
                                ? NULL
                                : json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
                        printf("%-10s %s\n", key, s ? s : json_string_value(v));
                        free(s);
                }
        }
        json_decref(j);
}

int
cmd_show(int argc, char **argv)
{
        struct show_opts o = {NULL, false};
        struct cli_parsed p;
        struct store_txn *t = NULL;
        struct buf bytes = BUF_INIT;
        uint8_t id[ENTRY_HASH_BYTES];
        size_t id_len;
        struct entry e;
        struct node n;
        int rc = EXIT_ERROR, err;

        if (!cli_parse(&show_spec, argc, argv, &o, &p))
                return p.status;
        if (p.n_args != 1)
                return cli_usage_error("show", "expected one entry ID");
        if (cli_parse_id(p.args[0], id, &id_len))
                return cli_usage_error("show",
                                       "'%s' is not an entry id (8 to 64 "
                                       "hex digits, even length)",
                                       p.args[0]);
        if (cli_open(&n, o.data, NODE_OPEN_READ_ONLY))
                return EXIT_ERROR;
        if ((err = store_begin(n.store, false, &t)) ||
            (err = store_get_by_id(t, id, id_len, &bytes)) ||
            (err = entry_parse(buf_slice(&bytes), &e))) {
                cli_error("show: '%s': %s", p.args[0], err_str(err));
                goto out;
        }
        if (o.json) {
                rc = cli_print_json(cli_entry_json(&e, true));
        } else {
                show_text(&e);
                rc = EXIT_OK;
        }
out:
        if (t)
                store_abort(t);
        buf_release(&bytes);
        node_close(&n);
        return rc;
}
