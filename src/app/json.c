/*
 * json: the results of app as JSON, the one place simpul --json and the
 * HTTP API (docs/API.md) get them from. Keys keep the order written here.
 * The only user of jansson in src/app.
 */
#include <assert.h>
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "app_int.h"

/* Appends j (stolen) to out as text. */
static int
dump(json_t *j, int flags, struct buf *out)
{
        size_t f = flags & APP_JSON_COMPACT
                       ? JSON_COMPACT | JSON_ENSURE_ASCII
                       : JSON_INDENT(2) | JSON_PRESERVE_ORDER;
        char *s = j ? json_dumps(j, f) : NULL;

        json_decref(j);
        if (!s)
                return -ENOMEM;
        buf_adds(out, s);
        mem_wipe_free(s); /* jansson's allocator (app_global_init) */
        return 0;
}

void
app_global_init(void)
{
        /* JSON carries personal data (reporters, rahasia content, opened
         * by report show and served by the HTTP API): jansson wipes every
         * block before freeing it. Before any thread. */
        json_set_alloc_funcs(malloc, mem_wipe_free);
}

static json_t *
hex_json(const uint8_t *id, size_t n)
{
        char hex[2 * ENTRY_HASH_BYTES + 1];

        assert(n <= ENTRY_HASH_BYTES);
        hex_encode(hex, id, n);
        return json_string(hex);
}

/* ---- status, peers, feeds ------------------------------------------------ */

static json_t *
peer_json(const struct app_peer *p, bool with_known, int flags)
{
        const struct peer_info *i = &p->info;
        json_t *j = json_pack(
            "{s:o, s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, "
            "s:s?, s:I}",
            "key", hex_json(i->key, ENTRY_KEY_BYTES), "region", i->region,
            "address", i->address, "state",
            i->connected ? "connected" : "disconnected", "last_seen_ms",
            (json_int_t)i->last_seen_ms, "last_sync_ms",
            (json_int_t)i->last_sync_ms, "entries_in",
            (json_int_t)i->entries_in, "entries_out",
            (json_int_t)i->entries_out, "bytes_in", (json_int_t)i->bytes_in,
            "bytes_out", (json_int_t)i->bytes_out, "backlog",
            (json_int_t)i->backlog, "last_error_ms",
            (json_int_t)i->last_error_ms, "last_error",
            i->last_error[0] ? i->last_error : NULL, "acked_version",
            (json_int_t)i->acked);
        json_t *known;

        if (j && (flags & APP_JSON_REDACT))
                json_object_set_new(j, "address", json_null());
        if (!j || !with_known)
                return j;
        known = json_array();
        for (size_t k = 0; k < p->n_known; k++)
                json_array_append_new(
                    known,
                    json_pack("{s:o, s:I}", "feed",
                              hex_json(p->known[k].feed, ENTRY_HASH_BYTES),
                              "seq", (json_int_t)p->known[k].seq));
        json_object_set_new(j, "feeds", known);
        return j;
}

static json_t *
peers_json(const struct app_peers *p, int flags)
{
        json_t *a = json_array();

        for (size_t i = 0; i < p->n; i++)
                json_array_append_new(
                    a, peer_json(&p->v[i], p->with_known, flags));
        return a;
}

int
app_json_peers(struct buf *out, const struct app_peers *p, int flags)
{
        return dump(peers_json(p, flags), flags, out);
}

int
app_json_status(struct buf *out, const struct app_status *s,
                const struct app_peers *peers, int flags)
{
        const struct store_stats *st = &s->store;

        return dump(
            json_pack("{s:s, s:s, s:s, s:s, s:I, s:{s:I, s:I, s:I, s:I, s:I, "
                      "s:I}, s:{s:b, s:I, s:I}, s:o}",
                      "region", s->region, "level", s->level, "name", s->name,
                      "clock", s->clock_state, "clock_floor_ms",
                      (json_int_t)s->clock.floor_ms, "store", "feeds",
                      (json_int_t)st->feeds, "entries", (json_int_t)st->entries,
                      "forks", (json_int_t)st->forks, "cert_conflicts",
                      (json_int_t)s->cert_conflicts, "used_bytes",
                      (json_int_t)st->used_bytes, "map_bytes",
                      (json_int_t)st->map_size_bytes, "daemon", "running",
                      s->daemon.running, "pid", (json_int_t)s->daemon.pid,
                      "heartbeat_ms", (json_int_t)s->daemon.heartbeat_ms,
                      "peers", peers_json(peers, flags)),
            flags, out);
}

int
app_json_node(struct buf *out, const struct app_status *s,
              const char *http_address, int flags)
{
        const struct store_stats *st = &s->store;
        const struct app_daemon *d = &s->daemon;

        return dump(json_pack("{s:s, s:s, s:s, s:s, s:s, s:b, s:s, s:I, "
                              "s:{s:I, s:I, s:I, s:I, s:I}, "
                              "s:{s:b, s:I, s:I, s:I, s:I, s:I, s:I}, s:{s:s}}",
                              "region", s->region, "level", s->level, "name",
                              s->name, "key", s->key, "version", SIMPUL_VERSION,
                              "restored", s->restored, "clock", s->clock_state,
                              "clock_floor_ms", (json_int_t)s->clock.floor_ms,
                              "store", "feeds", (json_int_t)st->feeds,
                              "entries", (json_int_t)st->entries, "forks",
                              (json_int_t)st->forks, "used_bytes",
                              (json_int_t)st->used_bytes, "map_bytes",
                              (json_int_t)st->map_size_bytes, "daemon",
                              "running", d->running, "pid", (json_int_t)d->pid,
                              "heartbeat_ms", (json_int_t)d->heartbeat_ms,
                              "started_ms", (json_int_t)d->started_ms,
                              "links_open", (json_int_t)d->links_open,
                              "links_opening", (json_int_t)d->links_opening,
                              "batches_queued", (json_int_t)d->batches_queued,
                              "http", "address", http_address),
                    flags, out);
}

int
app_json_feeds(struct buf *out, const struct app_feeds *fs, int flags)
{
        json_t *a = json_array(), *j;

        for (size_t i = 0; i < fs->n; i++) {
                const struct app_feed *f = &fs->v[i];

                j = json_pack("{s:o, s:o, s:s, s:s, s:s, s:I, s:b}", "id",
                              hex_json(f->info.id, ENTRY_HASH_BYTES), "author",
                              hex_json(f->info.author, ENTRY_KEY_BYTES),
                              "author_region", f->info.author_region,
                              "audience", f->audience, "channel", f->channel,
                              "head_seq", (json_int_t)f->info.head_seq,
                              "frozen", f->frozen);
                if (j && fs->forks)
                        json_object_set_new(
                            j, "fork_seq",
                            f->has_fork ? json_integer((json_int_t)f->fork_seq)
                                        : json_null());
                json_array_append_new(a, j);
        }
        return dump(a, flags, out);
}

int
app_json_token(struct buf *out, const char *token, const char *file, int flags)
{
        return dump(json_pack("{s:s, s:s}", "token", token, "file", file),
                    flags, out);
}

/* ---- entries ----------------------------------------------------------------
 * A body to JSON: a stack of open containers fed by wire_body_walk.
 */

#define JSON_STACK 20

struct to_json {
        json_t *stack[JSON_STACK];
        json_t *pending_key; /* a map key waiting for its value */
        int depth;
        json_t *root;
};

static int
json_put(struct to_json *tj, json_t *v)
{
        json_t *top;

        if (tj->depth == 0) {
                tj->root = v;
                return 0;
        }
        top = tj->stack[tj->depth - 1];
        if (json_is_array(top))
                return json_array_append_new(top, v);
        if (!tj->pending_key) {
                /* Keys are strings (wire_body_check); hold it. */
                tj->pending_key = v;
                return 0;
        }
        json_object_set_new(top, json_string_value(tj->pending_key), v);
        json_decref(tj->pending_key);
        tj->pending_key = NULL;
        return 0;
}

static json_t *
json_bytes(const struct wire_value *v)
{
        json_t *s;
        char *hex;

        if (v->type == WIRE_STR) {
                s = json_stringn((const char *)v->s.ptr, v->s.len);
                if (s)
                        return s;
                /* Not UTF-8: show it as hex rather than fail. */
        }
        hex = xmalloc(2 * v->s.len + 1);
        hex_encode(hex, v->s.ptr, v->s.len);
        s = json_pack("{s:s}", "hex", hex);
        free(hex);
        return s;
}

static int
to_json_visit(void *ctx, const struct wire_value *v)
{
        struct to_json *tj = ctx;
        json_t *c;

        switch (v->type) {
        case WIRE_NIL:
                return json_put(tj, json_null());
        case WIRE_BOOL:
                return json_put(tj, json_boolean(v->b));
        case WIRE_INT:
                return json_put(tj, json_integer(v->i));
        case WIRE_FLOAT:
                return json_put(tj, json_real(v->f));
        case WIRE_STR:
        case WIRE_BIN:
                return json_put(tj, json_bytes(v));
        case WIRE_ARRAY:
        case WIRE_MAP:
                if (tj->depth >= JSON_STACK)
                        return ERR_BODY;
                c = v->type == WIRE_ARRAY ? json_array() : json_object();
                json_incref(c);
                if (json_put(tj, c)) {
                        json_decref(c);
                        return ERR_BODY;
                }
                tj->stack[tj->depth++] = c;
                return 0;
        case WIRE_END:
                json_decref(tj->stack[--tj->depth]);
                return 0;
        }
        return ERR_BODY;
}

/* The body as JSON, or null when it does not decode. */
static json_t *
body_json(struct slice body)
{
        struct to_json tj;

        memset(&tj, 0, sizeof(tj));
        if (wire_body_walk(body, to_json_visit, &tj)) {
                while (tj.depth > 0)
                        json_decref(tj.stack[--tj.depth]);
                json_decref(tj.pending_key);
                json_decref(tj.root);
                return json_null();
        }
        return tj.root;
}

static json_t *
entry_json(const struct app_entry *ae, bool with_body)
{
        const struct entry *e = &ae->e;
        char iso[32];
        json_t *j;

        app_time_iso(iso, e->h.timestamp_ms);
        j = json_pack(
            "{s:o, s:o, s:I, s:s, s:s, s:o, s:s, s:i, s:I, s:s}", "id",
            hex_json(e->id, ENTRY_HASH_BYTES), "feed",
            hex_json(e->feed, ENTRY_HASH_BYTES), "seq", (json_int_t)e->h.seq,
            "kind", ae->kind, "audience", ae->audience, "author",
            hex_json(e->h.author, ENTRY_KEY_BYTES), "author_region",
            e->h.author_region, "channel", (int)e->h.channel, "timestamp_ms",
            (json_int_t)e->h.timestamp_ms, "time", iso);
        json_object_set_new(j, "prev",
                            e->h.has_prev
                                ? hex_json(e->h.prev, ENTRY_HASH_BYTES)
                                : json_null());
        json_object_set_new(j, "body_bytes", json_integer(e->h.body_len));
        json_object_set_new(j, "body_missing", json_boolean(!e->env.has_body));
        if (with_body)
                json_object_set_new(j, "body",
                                    e->env.has_body ? body_json(e->env.body)
                                                    : json_null());
        return j;
}

int
app_json_entry(struct buf *out, const struct app_entry *e, bool with_body,
               int flags)
{
        return dump(entry_json(e, with_body), flags, out);
}

int
app_json_entries(struct buf *out, const struct app_entries *l, int flags)
{
        json_t *a = json_array();

        for (size_t i = 0; i < l->n; i++)
                json_array_append_new(a, entry_json(&l->v[i], true));
        return dump(a, flags, out);
}

int
app_entry_fields(const struct app_entry *e,
                 void (*fn)(void *ctx, const char *key, const char *value),
                 void *ctx)
{
        json_t *body, *v;
        const char *key;
        char *s;

        if (!e->e.env.has_body)
                return ERR_NOT_FOUND;
        body = body_json(e->e.env.body);
        if (!json_is_object(body)) {
                json_decref(body);
                return ERR_BODY;
        }
        json_object_foreach(body, key, v)
        {
                s = json_is_string(v)
                        ? NULL
                        : json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
                fn(ctx, key, s ? s : json_string_value(v));
                mem_wipe_free(s);
        }
        json_decref(body);
        return 0;
}
