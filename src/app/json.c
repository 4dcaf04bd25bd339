/*
 * json: the results of app as JSON, the one place simpul --json and the
 * HTTP API (docs/API.md) get them from. Keys keep the order written here.
 * The only user of jansson in src/app.
 */
#include <assert.h>
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

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
        mem_global_init(); /* malloc's arenas */
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

        /* The data budget's count (BLOBS.md §7.1): this month's bulk. */
        if (j)
                json_object_set_new(j, "bulk_month_bytes",
                                    json_integer((json_int_t)app_peer_bulk(i)));
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

/* Whose time this node uses (node_time, SYNC.md §6.1), for the UI and
 * scripts: {source, now_ms, parent, taken_ms}. */
static json_t *
node_time_json(const struct node_time *t)
{
        json_t *o =
            json_pack("{s:s, s:I}", "source", node_time_source_name(t->source),
                      "now_ms", (json_int_t)t->now_ms);

        if (t->source == NODE_TIME_PARENT) {
                json_object_set_new(o, "parent", json_string(t->parent));
                json_object_set_new(o, "taken_ms",
                                    json_integer((json_int_t)t->taken_ms));
        }
        return o;
}

int
app_json_status(struct buf *out, const struct app_status *s,
                const struct app_peers *peers, int flags)
{
        const struct store_stats *st = &s->store;

        return dump(
            json_pack(
                "{s:s, s:s, s:s, s:s, s:I, s:o, s:{s:I, s:I, s:I, s:I, "
                "s:I, s:I, s:{s:I, s:I, s:I}}, s:{s:b, s:I, s:I}, s:o}",
                "region", s->region, "level", s->level, "name", s->name,
                "clock", s->clock_state, "clock_floor_ms",
                (json_int_t)s->clock.floor_ms, "time", node_time_json(&s->time),
                "store", "feeds", (json_int_t)st->feeds, "entries",
                (json_int_t)st->entries, "forks", (json_int_t)st->forks,
                "cert_conflicts", (json_int_t)s->cert_conflicts, "used_bytes",
                (json_int_t)st->used_bytes, "map_bytes",
                (json_int_t)st->map_size_bytes, "blobs", "count",
                (json_int_t)s->blobs.blobs, "whole", (json_int_t)s->blobs.whole,
                "bytes", (json_int_t)s->blobs.bytes, "daemon", "running",
                s->daemon.running, "pid", (json_int_t)s->daemon.pid,
                "started_ms", (json_int_t)s->daemon.started_ms, "peers",
                peers_json(peers, flags)),
            flags, out);
}

int
app_json_node(struct buf *out, const struct app_status *s,
              const char *http_address, int flags)
{
        const struct store_stats *st = &s->store;
        const struct app_daemon *d = &s->daemon;
        json_t *j = json_pack(
            "{s:s, s:s, s:s, s:s, s:s, s:b, s:s, s:I, s:o, "
            "s:{s:I, s:I, s:I, s:I, s:I}, "
            "s:{s:b, s:I, s:I, s:I, s:I, s:I}, s:{s:s}}",
            "region", s->region, "level", s->level, "name", s->name, "key",
            s->key, "version", SIMPUL_VERSION, "restored", s->restored, "clock",
            s->clock_state, "clock_floor_ms", (json_int_t)s->clock.floor_ms,
            "time", node_time_json(&s->time), "store", "feeds",
            (json_int_t)st->feeds, "entries", (json_int_t)st->entries, "forks",
            (json_int_t)st->forks, "used_bytes", (json_int_t)st->used_bytes,
            "map_bytes", (json_int_t)st->map_size_bytes, "daemon", "running",
            d->running, "pid", (json_int_t)d->pid, "started_ms",
            (json_int_t)d->started_ms, "links_open", (json_int_t)d->links_open,
            "links_opening", (json_int_t)d->links_opening, "batches_queued",
            (json_int_t)d->batches_queued, "http", "address", http_address);

        /* the web app's Jaringan page shows each link's month against it */
        if (j)
                json_object_set_new(j, "net",
                                    json_pack("{s:I}", "budget_mib",
                                              (json_int_t)s->budget_mib));
        return dump(j, flags, out);
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
app_json_created(struct buf *out, const struct app_created *c, int flags)
{
        return dump(json_pack("{s:s, s:s, s:s, s:s, s:s}", "data_dir", c->dir,
                              "region", c->region, "level", c->level, "name",
                              c->name, "node_key", c->node_key),
                    flags, out);
}

int
app_json_verify(struct buf *out, const struct app_verify *v, int flags)
{
        const struct verify_stats *st = &v->stats;
        json_t *a = json_array();

        for (size_t i = 0; i < v->n; i++)
                json_array_append_new(
                    a, json_pack("{s:o, s:I, s:s, s:s}", "feed",
                                 hex_json(v->v[i].feed, ENTRY_HASH_BYTES),
                                 "seq", (json_int_t)v->v[i].seq, "error",
                                 err_id(v->v[i].err), "what", v->v[i].what));
        return dump(json_pack("{s:b, s:I, s:I, s:I, s:o}", "ok",
                              st->problems == 0, "feeds", (json_int_t)st->feeds,
                              "entries", (json_int_t)st->entries, "problems",
                              (json_int_t)st->problems, "details", a),
                    flags, out);
}

int
app_json_views(struct buf *out, uint64_t entries, int flags)
{
        return dump(json_pack("{s:I}", "entries", (json_int_t)entries), flags,
                    out);
}

int
app_json_restored(struct buf *out, bool restored, bool cleared, int flags)
{
        return dump(
            json_pack("{s:b, s:b}", "restored", restored, "cleared", cleared),
            flags, out);
}

int
app_json_import(struct buf *out, const struct app_import *im, bool ok,
                int flags)
{
        const struct ingest_stats *s = &im->sum;

        return dump(json_pack("{s:b, s:I, s:I, s:I, s:I, s:s?}", "ok", ok,
                              "records", (json_int_t)im->records, "stored",
                              (json_int_t)s->stored, "already_held",
                              (json_int_t)s->had, "refused",
                              (json_int_t)s->refused, "first_error",
                              s->first_error ? err_id(s->first_error) : NULL),
                    flags, out);
}

/* ---- sealed bundles (BUNDLE.md) -------------------------------------------
 */

static json_t *
bundle_out_json(const struct app_bundle_out *b, const char *file)
{
        return json_pack("{s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:I}", "file",
                         file, "to", b->to.region, "name", b->to.name, "heads",
                         (json_int_t)b->heads, "feeds", (json_int_t)b->feeds,
                         "entries", (json_int_t)b->entries, "blobs",
                         (json_int_t)b->blobs, "bytes", (json_int_t)b->bytes);
}

int
app_json_bundle_out(struct buf *out, const struct app_bundle_out *b,
                    const char *file, int flags)
{
        return dump(bundle_out_json(b, file), flags, out);
}

int
app_json_bundle_in(struct buf *out, const struct app_bundle_in *in, int err,
                   const char *ret_file, const struct app_bundle_out *rb,
                   int flags)
{
        const struct ingest_stats *s = &in->sum;
        json_t *j =
            json_pack("{s:b, s:s, s:I, s:I, s:I, s:I, s:s?, s:s?}", "complete",
                      in->complete, "from", in->from.region, "records",
                      (json_int_t)in->records, "stored", (json_int_t)s->stored,
                      "already_held", (json_int_t)s->had, "refused",
                      (json_int_t)s->refused, "first_error",
                      s->first_error ? err_id(s->first_error) : NULL, "error",
                      err ? err_id(err) : NULL);

        json_object_set_new(j, "blobs", json_integer((json_int_t)in->blobs));
        json_object_set_new(j, "blobs_refused",
                            json_integer((json_int_t)in->blobs_refused));
        json_object_set_new(j, "return",
                            ret_file ? bundle_out_json(rb, ret_file)
                                     : json_null());
        return dump(j, flags, out);
}

/* ---- membership ------------------------------------------------------------
 */

static json_t *
cert_json(const struct app_cert *c)
{
        json_t *flags = json_array();

        if (c->c.flags & CERT_FLAG_ISSUER)
                json_array_append_new(flags, json_string("issuer"));
        return json_pack(
            "{s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:s, s:b, "
            "s:o}",
            "node_key", c->node_key, "region", c->c.region, "level", c->level,
            "name", c->c.name, "valid_from", c->valid_from, "valid_until",
            c->valid_until, "valid_from_ms", (json_int_t)c->c.valid_from_ms,
            "valid_until_ms", (json_int_t)c->c.valid_until_ms, "issuer",
            c->issuer, "issued_by_root", c->by_root, "flags", flags);
}

int
app_json_network(struct buf *out, const struct app_network *nw, int flags)
{
        const struct network_desc *d = &nw->net.desc;

        if (nw->entry[0]) /* network create */
                return dump(json_pack("{s:s, s:s, s:s, s:s, s:o, s:s}",
                                      "network_id", nw->id, "region", d->region,
                                      "name", d->name, "root_key", nw->root_key,
                                      "certificate", cert_json(&nw->cert),
                                      "entry", nw->entry),
                            flags, out);
        return dump(
            json_pack("{s:s, s:s, s:s, s:s, s:b, s:o}", "network_id", nw->id,
                      "region", d->region, "name", d->name, "root_key",
                      nw->root_key, "holds_root_key", nw->holds_root,
                      "certificate",
                      nw->has_cert ? cert_json(&nw->cert) : json_null()),
            flags, out);
}

int
app_json_request(struct buf *out, const struct app_request *r, int flags)
{
        return dump(json_pack("{s:s, s:s, s:s, s:s}", "request",
                              (const char *)r->line.data, "node_key",
                              r->node_key, "region", r->region, "name",
                              r->name),
                    flags, out);
}

int
app_json_signed(struct buf *out, const struct app_signed *s, int flags)
{
        return dump(json_pack("{s:s, s:s, s:o}", "certificate",
                              (const char *)s->line.data, "entry", s->entry,
                              "cert", cert_json(&s->cert)),
                    flags, out);
}

int
app_json_accepted(struct buf *out, const struct app_network *nw, int flags)
{
        return dump(json_pack("{s:s, s:s, s:s, s:o}", "network_id", nw->id,
                              "network", nw->net.desc.name, "network_region",
                              nw->net.desc.region, "certificate",
                              cert_json(&nw->cert)),
                    flags, out);
}

int
app_json_revoked(struct buf *out, const struct app_revoked *r, int flags)
{
        json_t *feeds = json_array();

        for (size_t i = 0; i < r->n_feeds; i++)
                json_array_append_new(
                    feeds,
                    json_pack("{s:o, s:I, s:o}", "feed",
                              hex_json(r->feeds[i].feed, ENTRY_HASH_BYTES),
                              "last_seq", (json_int_t)r->feeds[i].last_seq,
                              "last_id",
                              hex_json(r->feeds[i].last_id, ENTRY_HASH_BYTES)));
        return dump(json_pack("{s:s, s:o, s:s, s:s}", "node_key", r->node_key,
                              "feeds", feeds, "reason", r->reason, "entry",
                              r->entry),
                    flags, out);
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

/* Adds "delivery" to j for an entry written here (proto/SYNC.md §5.4). */
static void
delivery_add(json_t *j, const struct app_delivery *d)
{
        json_t *levels;

        if (!j || !d->own)
                return;
        levels = json_array();
        for (size_t i = 0; i < d->n; i++)
                json_array_append_new(
                    levels,
                    json_pack("{s:s, s:s, s:b}", "region", d->at[i].region,
                              "level", d->at[i].level, "held", d->at[i].held));
        json_object_set_new(
            j, "delivery",
            json_pack("{s:i, s:o}", "ticks", (int)d->ticks, "levels", levels));
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
        json_t *j = entry_json(e, with_body);

        delivery_add(j, &e->delivery);
        return dump(j, flags, out);
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

/* ---- reports and announcements ------------------------------------------- */

/* A string of a body, or "" (as app__slice_json always gave). */
static json_t *
slice_json(struct slice s)
{
        json_t *j = s.ptr ? json_stringn((const char *)s.ptr, s.len) : NULL;

        return j ? j : json_string(""); /* not UTF-8: never after decode */
}

/* A text as shown: a string, or null. */
static json_t *
shown_json(struct slice s)
{
        return s.ptr ? slice_json(s) : json_null();
}

static json_t *
time_json(uint64_t ms)
{
        time_t t = (time_t)(ms / 1000U);
        struct tm tm;
        char out[40];
        size_t n;

        /* A peer's clock may say any year: out of range is no time. */
        if (!gmtime_r(&t, &tm))
                return json_null();
        n = strftime(out, sizeof(out), "%Y-%m-%dT%H:%M:%S", &tm);
        if (!n)
                return json_null();
        snprintf(out + n, sizeof(out) - n, ".%03uZ", (unsigned)(ms % 1000U));
        return json_string(out);
}

static json_t *
opt_ts(bool has, uint64_t ts)
{
        return has ? json_integer((json_int_t)ts) : json_null();
}

static json_t *
location_json(const struct kim_location *l)
{
        json_t *j;

        if (!l->present)
                return json_null();
        j = json_object();
        if (l->has_region)
                json_object_set_new(j, "region", json_string(l->region));
        if (l->has_place)
                json_object_set_new(j, "place", slice_json(l->place));
        if (l->has_coords) {
                json_object_set_new(j, "lat", json_real(l->lat));
                json_object_set_new(j, "lon", json_real(l->lon));
        }
        return j;
}

static json_t *
tags_json(const struct kim_body *b)
{
        json_t *a = json_array();

        for (size_t i = 0; i < b->n_tags; i++)
                json_array_append_new(a, slice_json(b->tags[i]));
        return a;
}

/*
 * The attachments an item's body names (proto/BLOBS.md §2): the web app
 * shows a thumbnail where the entry carries one (GET
 * /api/items/{id}/thumbnails/{n}) and fetches the photo by its root. A
 * rahasia report's (§2.1) look the same where its content opened here
 * (the blob is served decrypted; size is the ciphertext's); elsewhere
 * they are "sealed": a root, the ciphertext's size, and nothing else.
 */
static json_t *
attachments_json(const struct kim_body *b)
{
        json_t *a = json_array();

        for (size_t i = 0; i < b->n_attach; i++) {
                const struct kim_attachment *at = &b->attach[i];
                bool sealed = b->rahasia && !at->key;

                json_array_append_new(
                    a, json_pack(
                           "{s:o, s:o, s:o, s:I, s:b, s:b}", "root",
                           hex_json(at->root, ENTRY_HASH_BYTES), "type",
                           slice_json(at->type), "name",
                           slice_json(sealed ? slice_make(NULL, 0) : at->name),
                           "size", (json_int_t)at->size, "thumb",
                           !sealed && at->thumb.len > 0, "sealed", sealed));
        }
        return a;
}

static json_t *
summary_json(const struct app_report *r)
{
        const struct wire_report_view *v = &r->v;
        const struct kim_body *b = &r->it.b;
        json_t *j = json_pack(
            "{s:o, s:s, s:s, s:s, s:s, s:I, s:o, s:s, s:o, s:b, "
            "s:b, s:o}",
            "id", hex_json(v->id, ENTRY_HASH_BYTES), "kind", r->kind, "region",
            v->region, "audience", v->audience, "handler", v->handler, "ts",
            (json_int_t)v->ts, "time", time_json(v->ts), "state", v->state,
            "result", v->result[0] ? json_string(v->result) : json_null(),
            "anonim", v->anonim, "rahasia", v->rahasia, "category",
            b->has_category ? slice_json(b->category) : json_null());

        json_object_set_new(j, "title", shown_json(r->title));
        json_object_set_new(j, "body_missing", json_boolean(r->body_missing));
        /* A clear report whose rahasia a step raised: hidden as its text
         * is (KIM.md §4.2); a sealed one's show as sealed. */
        json_object_set_new(j, "attachments",
                            r->body_missing || (!r->readable && !b->rahasia)
                                ? json_array()
                                : attachments_json(b));
        json_object_set_new(j, "flags",
                            json_pack("{s:b, s:b, s:b}", "terlambat_verifikasi",
                                      r->flags.terlambat_verifikasi,
                                      "terlambat_tindak_lanjut",
                                      r->flags.terlambat_tindak_lanjut,
                                      "siap_ditutup", r->flags.siap_ditutup));
        json_object_set_new(j, "overdue", json_boolean(r->overdue));
        json_object_set_new(
            j, "deadline_ms",
            opt_ts(r->flags.deadline_ms != 0, r->flags.deadline_ms));
        json_object_set_new(j, "last_reply_ts",
                            opt_ts(v->has_last_reply_ts, v->last_reply_ts));
        return j;
}

/* The fields of a step or tanggapan that the timeline shows; sealed
 * details (KIM.md §4.3) that do not open here: "sealed" and no details. */
static void
event_fields(json_t *j, const struct app_event *e)
{
        const struct app_item *it = &e->it;
        const struct kim_body *b = &it->b;

        if (!it->kim)
                return;
        json_object_set_new(j, "sealed", json_boolean(e->sealed));
        if (e->sealed && b->kind == KIND_TANGGAPAN)
                json_object_set_new(j, "text", json_string(APP_SEALED_TEXT));
        if (b->has_note)
                json_object_set_new(j, "note", slice_json(b->note));
        if (b->has_method)
                json_object_set_new(j, "method", slice_json(b->method));
        if (b->result)
                json_object_set_new(j, "result",
                                    json_string(kim_result_name(b->result)));
        if (b->has_verifier)
                json_object_set_new(j, "verifier", slice_json(b->verifier));
        if (b->has_agency)
                json_object_set_new(j, "agency", slice_json(b->agency));
        if (b->kind == KIND_STATUS && (b->anonim || b->rahasia)) {
                json_object_set_new(j, "anonim", json_boolean(b->anonim));
                json_object_set_new(j, "rahasia", json_boolean(b->rahasia));
        }
        if (b->kind == KIND_TANGGAPAN && !e->sealed) {
                if (b->has_title)
                        json_object_set_new(j, "title", slice_json(b->title));
                json_object_set_new(j, "text", slice_json(b->text));
        }
}

static json_t *
timeline_json(const struct app_report *r)
{
        json_t *a = json_array();

        for (size_t i = 0; i < r->v.timeline_n; i++) {
                const struct app_event *e = &r->events[i];
                json_t *j = json_pack(
                    "{s:o, s:s, s:o, s:s, s:I, s:o, s:s}", "id",
                    hex_json(e->ev->id, ENTRY_HASH_BYTES), "kind", e->kind,
                    "step",
                    e->ev->step[0] ? json_string(e->ev->step) : json_null(),
                    "author_region", e->ev->author_region, "ts",
                    (json_int_t)e->ev->ts, "time", time_json(e->ev->ts), "mark",
                    e->mark);

                if (e->held)
                        event_fields(j, e);
                json_array_append_new(a, j);
        }
        return a;
}

static json_t *
reporter_json(const struct app_report *r)
{
        if (r->reporter == APP_REPORTER_NONE)
                return json_null();
        if (r->reporter == APP_REPORTER_SEALED)
                return json_string(APP_SEALED_TEXT);
        return json_pack("{s:o, s:o}", "name", slice_json(r->who.name),
                         "contact", slice_json(r->who.contact));
}

static json_t *
detail_json(const struct app_report *r)
{
        const struct wire_report_view *v = &r->v;
        json_t *j = summary_json(r), *allowed = json_array();

        json_object_set_new(j, "author", hex_json(v->author, ENTRY_KEY_BYTES));
        json_object_set_new(j, "text", shown_json(r->text));
        json_object_set_new(j, "tags",
                            r->readable ? tags_json(&r->it.b) : json_array());
        json_object_set_new(j, "location",
                            r->readable ? location_json(&r->it.b.location)
                                        : json_null());
        json_object_set_new(j, "sealed", json_boolean(!r->readable));
        json_object_set_new(j, "reporter", reporter_json(r));
        json_object_set_new(j, "verified_ts",
                            opt_ts(v->has_verified_ts, v->verified_ts));
        json_object_set_new(j, "followed_ts",
                            opt_ts(v->has_followed_ts, v->followed_ts));
        json_object_set_new(j, "done_ts", opt_ts(v->has_done_ts, v->done_ts));
        json_object_set_new(j, "head", hex_json(v->head, ENTRY_HASH_BYTES));
        for (size_t i = 0; i < r->n_allowed; i++)
                json_array_append_new(allowed, json_string(r->allowed[i]));
        json_object_set_new(j, "allowed_steps", allowed);
        json_object_set_new(j, "timeline", timeline_json(r));
        return j;
}

/*
 * For a caller without the token (APP_JSON_REDACT): a report shows what a
 * relay sees — the reporter as APP_SEALED_TEXT, and of a rahasia report
 * the title, text, tags, location, attachments and the details of its
 * steps and answers sealed too — and says so with "redacted": true.
 */
/* A rahasia report's attachments as a relay shows them (BLOBS.md §2.1). */
static void
redact_attachments(json_t *a)
{
        size_t i;
        json_t *at;

        json_array_foreach(a, i, at)
        {
                /* A photo posted in the clear before a step raised the
                 * flag is a clear blob: its root would fetch the photo. */
                if (!json_is_true(json_object_get(at, "sealed")))
                        json_object_set_new(at, "root", json_null());
                json_object_set_new(at, "type",
                                    json_string("application/octet-stream"));
                json_object_set_new(at, "name", json_string(""));
                json_object_set_new(at, "thumb", json_false());
                json_object_set_new(at, "sealed", json_true());
        }
}

/* A rahasia report's steps and answers as a relay shows them (KIM.md
 * §4.3): their details and texts sealed, whether opened here or not. */
static void
redact_timeline(json_t *tl)
{
        static const char *const details[] = {"note", "method", "verifier",
                                              "agency", "text"};
        size_t i;
        json_t *e;

        json_array_foreach(tl, i, e)
        {
                if (!json_object_get(e, "sealed"))
                        continue; /* not an item held here */
                for (size_t k = 0; k < ARRAY_LEN(details); k++)
                        if (json_object_get(e, details[k]))
                                json_object_set_new(
                                    e, details[k],
                                    json_string(APP_SEALED_TEXT));
                json_object_del(e, "title");
                json_object_set_new(e, "sealed", json_true());
        }
}

static void
redact(json_t *j, const struct app_report *r)
{
        if (r->detail && r->reporter != APP_REPORTER_NONE)
                json_object_set_new(j, "reporter",
                                    json_string(APP_SEALED_TEXT));
        if (r->v.rahasia) {
                if (r->title.ptr)
                        json_object_set_new(j, "title",
                                            json_string(APP_SEALED_TEXT));
                redact_attachments(json_object_get(j, "attachments"));
                if (r->detail) {
                        json_object_set_new(j, "text",
                                            json_string(APP_SEALED_TEXT));
                        json_object_set_new(j, "tags", json_array());
                        json_object_set_new(j, "location", json_null());
                        json_object_set_new(j, "sealed", json_true());
                        redact_timeline(json_object_get(j, "timeline"));
                }
        }
        json_object_set_new(j, "redacted", json_true());
}

static json_t *
report_json(const struct app_report *r, int flags)
{
        json_t *j = r->detail ? detail_json(r) : summary_json(r);

        if (r->detail)
                delivery_add(j, &r->delivery);

        if (j && (flags & APP_JSON_REDACT))
                redact(j, r);
        return j;
}

int
app_json_report(struct buf *out, const struct app_report *r, int flags)
{
        return dump(report_json(r, flags), flags, out);
}

int
app_json_reports(struct buf *out, const struct app_reports *l, int flags)
{
        json_t *a = json_array();

        for (size_t i = 0; i < l->n; i++)
                json_array_append_new(a, report_json(&l->v[i], flags));
        return dump(
            json_pack("{s:o, s:o}", "reports", a, "next",
                      l->more ? hex_json(l->v[l->n - 1].v.id, ENTRY_HASH_BYTES)
                              : json_null()),
            flags, out);
}

/* The accepted revision of an announcement, or null. */
static json_t *
revision_json(const struct app_ann *a)
{
        const struct wire_revision_view *v = &a->rev;
        json_t *j;

        if (!a->has_revision)
                return json_null();
        j = json_pack("{s:o, s:o, s:s, s:I, s:o, s:I, s:o}", "id",
                      hex_json(v->revisi, ENTRY_HASH_BYTES), "editor",
                      hex_json(v->editor, ENTRY_KEY_BYTES), "editor_region",
                      v->editor_region, "ts", (json_int_t)v->ts, "decision",
                      hex_json(v->decision, ENTRY_HASH_BYTES), "decided_ts",
                      (json_int_t)v->decided_ts, "decided_time",
                      time_json(v->decided_ts));
        if (a->rev_item.kim) {
                json_object_set_new(j, "title",
                                    slice_json(a->rev_item.b.title));
                json_object_set_new(j, "text", slice_json(a->rev_item.b.text));
                json_object_set_new(j, "reason",
                                    slice_json(a->rev_item.b.reason));
        }
        return j;
}

static json_t *
ann_json(const struct app_ann *a)
{
        const struct kim_body *b = &a->it.b;
        const struct entry *e = &a->it.e;
        json_t *j;

        j = json_pack("{s:o, s:s, s:s, s:o, s:s, s:I, s:o, s:o, s:o, s:o, s:b}",
                      "id", hex_json(e->id, ENTRY_HASH_BYTES), "kind", a->kind,
                      "audience", a->audience, "author",
                      hex_json(e->h.author, ENTRY_KEY_BYTES), "region",
                      e->h.author_region, "ts", (json_int_t)e->h.timestamp_ms,
                      "time", time_json(e->h.timestamp_ms), "title",
                      a->body_missing ? json_string(APP_BODY_MISSING_TEXT)
                                      : slice_json(b->title),
                      "text",
                      a->body_missing ? json_string(APP_BODY_MISSING_TEXT)
                                      : slice_json(b->text),
                      "tags", tags_json(b), "body_missing", a->body_missing);
        json_object_set_new(j, "category",
                            b->has_category ? slice_json(b->category)
                                            : json_null());
        json_object_set_new(j, "level",
                            a->level ? json_string(a->level) : json_null());
        json_object_set_new(j, "until_ms",
                            b->has_until ? json_integer((json_int_t)b->until_ms)
                                         : json_null());
        json_object_set_new(j, "revision", revision_json(a));
        json_object_set_new(j, "attachments",
                            a->body_missing ? json_array()
                                            : attachments_json(b));
        delivery_add(j, &a->delivery);
        return j;
}

/* Every revisi of an announcement (app_announcement_get), oldest first:
 * who proposed what, when, and what its author decided. */
static json_t *
revisions_json(const struct app_ann *a)
{
        json_t *arr = json_array();

        for (size_t i = 0; i < a->n_revs; i++) {
                const struct app_rev *r = &a->revs[i];
                const struct entry *e = &r->it.e;

                json_array_append_new(
                    arr,
                    json_pack("{s:o, s:s, s:I, s:o, s:o, s:o, s:o, s:s, s:o, "
                              "s:o, s:b}",
                              "id", hex_json(e->id, ENTRY_HASH_BYTES),
                              "editor_region", e->h.author_region, "ts",
                              (json_int_t)e->h.timestamp_ms, "time",
                              time_json(e->h.timestamp_ms), "title",
                              slice_json(r->it.b.title), "text",
                              slice_json(r->it.b.text), "reason",
                              slice_json(r->it.b.reason), "state", r->state,
                              "decided_ts",
                              r->decided_ts
                                  ? json_integer((json_int_t)r->decided_ts)
                                  : json_null(),
                              "decision_reason",
                              r->reason.len ? slice_json(buf_slice(&r->reason))
                                            : json_null(),
                              "counts", r->counts));
        }
        return arr;
}

int
app_json_ann(struct buf *out, const struct app_ann *a, int flags)
{
        json_t *j = ann_json(a);

        json_object_set_new(j, "revisions", revisions_json(a));
        return dump(j, flags, out);
}

int
app_json_items(struct buf *out, const struct app_items *it, int flags)
{
        json_t *a = json_array();

        for (size_t i = 0; i < it->n; i++)
                json_array_append_new(
                    a, it->v[i].report ? report_json(it->v[i].report, flags)
                                       : ann_json(it->v[i].ann));
        return dump(
            json_pack("{s:o, s:o}", "items", a, "next",
                      it->next[0] ? json_string(it->next) : json_null()),
            flags, out);
}

/* ---- accounts ------------------------------------------------------------ */

int
app_json_accounts(struct buf *out, const struct app_accounts *a, int flags)
{
        json_t *arr = json_array();

        if (!arr)
                abort(); /* out of memory */
        for (size_t i = 0; i < a->n; i++)
                json_array_append_new(
                    arr,
                    json_pack("{s:s, s:s, s:I}", "user", a->v[i].name, "role",
                              app_role_name(a->v[i].role), "created_ms",
                              (json_int_t)a->v[i].created_ms));
        return dump(json_pack("{s:o}", "accounts", arr), flags, out);
}

/* ---- the dashboard (dashboard.c) ----------------------------------------- */

static json_t *
place_json(const struct app_dash_place *p)
{
        return json_pack("{s:s, s:s, s:o}", "code", p->code, "level",
                         p->level ? p->level : "?", "name",
                         p->name[0] ? json_string(p->name) : json_null());
}

static json_t *
dash_row_json(const struct app_dash_row *r)
{
        const struct kim_dash *d = &r->d;
        json_t *st = json_object(), *cat = json_object();

        for (unsigned s = 0; s < KIM_DASH_STATES; s++)
                json_object_set_new(st, kim_state_name((enum kim_state)(s + 1)),
                                    json_integer((json_int_t)d->by_state[s]));
        for (size_t i = 0; i < d->n_cats; i++)
                json_object_set_new(cat, d->cats[i].name,
                                    json_integer((json_int_t)d->cats[i].n));
        return json_pack(
            "{s:o, s:I, s:o, s:o, s:{s:I, s:I, s:I}, s:I, s:o, s:I, s:o}",
            "region", place_json(&r->at), "reports", (json_int_t)d->reports,
            "by_status", st, "by_category", cat, "overdue",
            "terlambat_verifikasi", (json_int_t)d->terlambat_verifikasi,
            "terlambat_tindak_lanjut", (json_int_t)d->terlambat_tindak_lanjut,
            "siap_ditutup", (json_int_t)d->siap_ditutup, "verified",
            (json_int_t)d->n_verify, "median_verify_ms",
            opt_ts(r->has_verify, r->verify_ms), "responded",
            (json_int_t)d->n_reply, "median_response_ms",
            opt_ts(r->has_reply, r->reply_ms));
}

static int
month_cmp(const void *a, const void *b)
{
        int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;

        return (x > y) - (x < y);
}

/* Every month any KIM posted in, ascending, and each KIM's counts. */
static json_t *
dash_activity_json(const struct app_dashboard *d)
{
        json_t *months = json_array(), *kims = json_array();
        int32_t *all = NULL;
        size_t n = 0, cap = 0;
        char m[KIM_MONTH_BUF];

        for (size_t i = 0; i < d->n_kims; i++) {
                const struct app_dash_kim *k = &d->kims[i];
                json_t *per = json_object();

                for (size_t j = 0; j < k->n_months; j++) {
                        kim_month_format(k->months[j].month, m);
                        json_object_set_new(
                            per, m,
                            json_integer((json_int_t)k->months[j].items));
                        all = app__grow(all, n, &cap, sizeof(*all));
                        all[n++] = k->months[j].month;
                }
                json_array_append_new(
                    kims,
                    json_pack("{s:o, s:I, s:o}", "region", place_json(&k->at),
                              "items", (json_int_t)k->items, "months", per));
        }
        if (n)
                qsort(all, n, sizeof(*all), month_cmp);
        for (size_t i = 0; i < n; i++) {
                if (i && all[i] == all[i - 1])
                        continue;
                kim_month_format(all[i], m);
                json_array_append_new(months, json_string(m));
        }
        free(all);
        return json_pack("{s:o, s:o}", "months", months, "kim", kims);
}

static json_t *
dash_nodes_json(const struct app_dashboard *d)
{
        json_t *a = json_array();

        for (size_t i = 0; i < d->n_nodes; i++) {
                const struct app_dash_node *nd = &d->nodes[i];
                uint64_t ago =
                    d->q.now_ms > nd->last_ms ? d->q.now_ms - nd->last_ms : 0;

                json_array_append_new(
                    a, json_pack(
                           "{s:o, s:o, s:b, s:o, s:o, s:o, s:b}", "key",
                           hex_json(nd->key, ENTRY_KEY_BYTES), "region",
                           place_json(&nd->at), "heard", nd->heard, "last_ms",
                           opt_ts(nd->heard, nd->last_ms), "last_time",
                           nd->heard ? time_json(nd->last_ms) : json_null(),
                           "days_since", opt_ts(nd->heard, ago / 86400000ULL),
                           "quiet", nd->quiet));
        }
        return json_pack("{s:s, s:I, s:I, s:I, s:o}", "source", "feeds",
                         "quiet_days", (json_int_t)d->q.quiet_days, "total",
                         (json_int_t)d->n_nodes, "quiet", (json_int_t)d->quiet,
                         "list", a);
}

int
app_json_dashboard(struct buf *out, const struct app_dashboard *d, int flags)
{
        json_t *rows = json_array();

        for (size_t i = 0; i < d->n_rows; i++)
                json_array_append_new(rows, dash_row_json(&d->rows[i]));
        return dump(json_pack("{s:o, s:o, s:o, s:I, s:o, s:o, s:o, s:o}",
                              "region", place_json(&d->at), "since_ms",
                              opt_ts(d->q.since_ms != 0, d->q.since_ms),
                              "until_ms",
                              opt_ts(d->q.until_ms != 0, d->q.until_ms),
                              "now_ms", (json_int_t)d->q.now_ms, "totals",
                              dash_row_json(&d->total), "breakdown", rows,
                              "kim_activity", dash_activity_json(d), "nodes",
                              dash_nodes_json(d)),
                    flags, out);
}

/* ---- places -------------------------------------------------------------- */

int
app_json_places(struct buf *out, const struct app_places *p, int flags)
{
        json_t *arr = json_array();

        if (!arr)
                abort(); /* out of memory */
        for (size_t i = 0; i < p->n; i++)
                json_array_append_new(arr, json_pack("{s:s, s:s, s:s}",
                                                     "region", p->v[i].region,
                                                     "level", p->v[i].level,
                                                     "name", p->v[i].name));
        return dump(json_pack("{s:o}", "places", arr), flags, out);
}
