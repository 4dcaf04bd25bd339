/* show: one entry in full, by id or unique id prefix. */
#include <string.h>

#include "../app/app.h"
#include "cli.h"

static const struct cli_spec show_spec = {
    .name = "show",
    .usage =
        "usage: simpul show ID [--data DIR] [--json]\n\n"
        "Shows one entry: its header fields and its body. ID is the entry\n"
        "id or a unique prefix of at least 8 hex digits (as 'simpul list'\n"
        "prints).\n",
    .opts = cli_common_opts,
    .n_opts = ARRAY_LEN(cli_common_opts),
    .max_args = -1,
};

static void
show_field(void *ctx, const char *key, const char *value)
{
        (void)ctx;
        printf("%-10s %s\n", key, value);
}

/* delivered: ✓ kecamatan 36.04.12, – kabupaten 36.04 (a tick per level
 * that holds it, from acknowledged heads). */
static void
show_delivery(const struct app_delivery *d)
{
        if (!d->own || !d->n)
                return;
        printf("delivered: %s", d->ticks == 0   ? "not yet"
                                : d->ticks == 1 ? "\u2713"
                                                : "\u2713\u2713");
        for (size_t i = 0; i < d->n; i++)
                printf("%s%s %s %s", i ? ", " : " (",
                       d->at[i].held ? "held at" : "not at", d->at[i].level,
                       d->at[i].region);
        printf(")\n");
}

static void
show_text(const struct app_entry *ae)
{
        const struct entry *e = &ae->e;
        char id[65], feed[65], author[65], prev[65], when[32];

        hex_encode(id, e->id, ENTRY_HASH_BYTES);
        hex_encode(feed, e->feed, ENTRY_HASH_BYTES);
        hex_encode(author, e->h.author, ENTRY_KEY_BYTES);
        if (e->h.has_prev)
                hex_encode(prev, e->h.prev, ENTRY_HASH_BYTES);
        cli_time_local(when, e->h.timestamp_ms);
        printf("id:        %s\n"
               "kind:      %s\n"
               "audience:  %s\n"
               "author:    %s (%s)\n"
               "time:      %s (author's clock)\n"
               "feed:      %s seq %llu\n"
               "prev:      %s\n",
               id, ae->kind, ae->audience, author, e->h.author_region, when,
               feed, (unsigned long long)e->h.seq, e->h.has_prev ? prev : "-");
        show_delivery(&ae->delivery);
        if (!e->env.has_body)
                printf("body:      %s (pruned on the way: %u bytes, hash "
                       "kept)\n",
                       APP_BODY_MISSING_TEXT, e->h.body_len);
        else if (app_entry_fields(ae, show_field, NULL))
                printf("body:      (does not decode)\n");
}

int
cmd_show(int argc, char **argv)
{
        struct cli_common o = {NULL, false};
        struct cli_parsed p;
        struct app_entry e;
        struct buf out = BUF_INIT;
        uint8_t id[ENTRY_HASH_BYTES];
        char msg[APP_ERR_MAX];
        size_t id_len;
        struct node n;
        int rc = EXIT_OK;

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
        if (app_entry_get(&n, id, id_len, &e, msg)) {
                app_close(&n);
                return cli_error("show: '%s': %s", p.args[0], msg);
        }
        app_close(&n);
        if (o.json)
                rc = cli_print_buf(&out, app_json_entry(&out, &e, true, 0));
        else
                show_text(&e);
        app_entry_release(&e);
        return rc;
}
