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
