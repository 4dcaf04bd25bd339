/*
 * routes: the route table, and the node and peer endpoints (the items are
 * in items.c, /metrics in metrics.c, the UI in ui.c). docs/API.md says
 * what each answers.
 */
#include <string.h>
#include <unistd.h>

#include "http_int.h"

static const char *const no_query[] = {NULL};

static json_t *
daemon_json(struct http_server *s, struct store_txn *t)
{
        struct daemon_figures f = {0};
        struct node_daemon_seen seen;

        node_daemon_read(t, &seen);
        if (s->stats)
                daemon_stats_get(s->stats, &f);
        return json_pack(
            "{s:b, s:I, s:I, s:I, s:I, s:I, s:I}", "running",
            f.running || seen.running, "pid",
            (json_int_t)(f.running ? (uint32_t)getpid() : seen.pid),
            "heartbeat_ms", (json_int_t)seen.heartbeat_ms, "started_ms",
            (json_int_t)f.started_ms, "links_open", (json_int_t)f.links_open,
            "links_opening", (json_int_t)f.links_opening, "batches_queued",
            (json_int_t)f.batches_queued);
}

/* GET /api/node: this node, its store and its daemon (as simpul status). */
static int
h_node(struct http_req *r)
{
        struct node *n = r->s->n;
        struct cert_clock clock;
        struct store_stats st;
        struct store_txn *t;
        char key[2 * ENTRY_KEY_BYTES + 1];
        bool restored;
        int err;

        if ((err = http_query_check(r, no_query)) || r->check_only)
                return err;
        if ((err = store_begin(n->store, false, &t)))
                return err;
        if ((err = store_stats(t, &st)) ||
            (err = node_restored_read(t, &restored))) {
                store_abort(t);
                return err;
        }
        id_hex(key, n->key->pk);
        node_clock(n, &clock);
        r->out = json_pack(
            "{s:s, s:s, s:s, s:s, s:s, s:b, s:s, s:I, "
            "s:{s:I, s:I, s:I, s:I, s:I}, s:o, s:{s:s}}",
            "region", n->config.region, "level",
            region_level_name(region_level(n->config.region)), "name",
            n->config.name, "key", key, "version", SIMPUL_VERSION, "restored",
            restored, "clock", node_clock_state(&clock), "clock_floor_ms",
            (json_int_t)clock.floor_ms, "store", "feeds", (json_int_t)st.feeds,
            "entries", (json_int_t)st.entries, "forks", (json_int_t)st.forks,
            "used_bytes", (json_int_t)st.used_bytes, "map_bytes",
            (json_int_t)st.map_size_bytes, "daemon", daemon_json(r->s, t),
            "http", "address", r->s->address);
        store_abort(t);
        return 0;
}

/* The fields of simpul peers --json. */
static json_t *
peer_json(const struct peer_info *p)
{
        char key[2 * ENTRY_KEY_BYTES + 1];

        id_hex(key, p->key);
        return json_pack(
            "{s:s, s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, "
            "s:s?, s:I}",
            "key", key, "region", p->region, "address", p->address, "state",
            p->connected ? "connected" : "disconnected", "last_seen_ms",
            (json_int_t)p->last_seen_ms, "last_sync_ms",
            (json_int_t)p->last_sync_ms, "entries_in",
            (json_int_t)p->entries_in, "entries_out",
            (json_int_t)p->entries_out, "bytes_in", (json_int_t)p->bytes_in,
            "bytes_out", (json_int_t)p->bytes_out, "backlog",
            (json_int_t)p->backlog, "last_error_ms",
            (json_int_t)p->last_error_ms, "last_error",
            p->last_error[0] ? p->last_error : NULL, "acked_version",
            (json_int_t)p->acked);
}

struct peers_walk {
        json_t *arr;
        bool redact; /* no token: no addresses */
};

static int
peer_add(void *ctx, const struct peer_info *p)
{
        struct peers_walk *w = ctx;
        json_t *j = peer_json(p);

        if (w->redact)
                json_object_set_new(j, "address", json_null());
        return json_array_append_new(w->arr, j) ? ERR_STORE : 0;
}

/* GET /api/peers: every peer this node has linked with. */
static int
h_peers(struct http_req *r)
{
        struct store_txn *t;
        int err;

        if ((err = http_query_check(r, no_query)) || r->check_only)
                return err;
        if ((err = store_begin(r->s->n->store, false, &t)))
                return err;
        r->out = json_array();
        err = store_peers(t, peer_add, &(struct peers_walk){r->out, r->redact});
        store_abort(t);
        return err;
}

/* ---- feeds --------------------------------------------------------------- */

struct feeds_walk {
        struct store_txn *t;
        json_t *arr;
        json_t *forks; /* feed id (hex) -> the seq of its first fork proof */
        bool frozen;   /* only the frozen feeds */
};

/* One feed as simpul feeds --json, with fork_seq when it is frozen. */
static int
feed_add(void *ctx, const struct feed_info *f)
{
        struct feeds_walk *w = ctx;
        char id[2 * ENTRY_HASH_BYTES + 1], author[2 * ENTRY_KEY_BYTES + 1];
        char aud[WIRE_VIEW_AUDIENCE_BUF];
        bool frozen = f->flags & FEED_FROZEN;
        json_t *j;

        if (w->frozen && !frozen)
                return 0;
        id_hex(id, f->id);
        id_hex(author, f->author);
        audience_format(&f->audience, aud);
        j = json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:b, s:O?}", "id", id,
                      "author", author, "author_region", f->author_region,
                      "audience", aud, "channel", channel_name(f->channel),
                      "head_seq", (json_int_t)f->head_seq, "frozen", frozen,
                      "fork_seq", json_object_get(w->forks, id));
        return !j || json_array_append_new(w->arr, j) ? ERR_STORE : 0;
}

/* Fork proofs come ordered by feed, then seq: keep each feed's first. */
static int
fork_add(void *ctx, const uint8_t feed[ENTRY_HASH_BYTES], uint64_t seq,
         struct slice bytes)
{
        struct feeds_walk *w = ctx;
        char id[2 * ENTRY_HASH_BYTES + 1];
        struct feed_info f;
        int err;

        (void)bytes;
        id_hex(id, feed);
        if (json_object_get(w->forks, id))
                return 0;
        if (json_object_set_new(w->forks, id, json_integer((json_int_t)seq)))
                return ERR_STORE;
        if (!w->frozen)
                return 0;
        err = store_feed_get(w->t, feed, &f);
        return err == ERR_NOT_FOUND ? 0 : err ? err : feed_add(w, &f);
}

/*
 * GET /api/feeds: every feed held, as simpul feeds --json, each frozen one
 * with the seq of its fork proof; ?frozen=true only the frozen ones (from
 * the fork proofs: no walk over every feed).
 */
static int
h_feeds(struct http_req *r)
{
        static const char *const names[] = {"frozen", NULL};
        struct feeds_walk w = {NULL, NULL, NULL, false};
        int err;

        if ((err = http_query_check(r, names)) ||
            (err = http_query_bool(r, "frozen", false, &w.frozen)) ||
            r->check_only)
                return err;
        if ((err = store_begin(r->s->n->store, false, &w.t)))
                return err;
        w.arr = r->out = json_array();
        w.forks = json_object();
        err = store_forks(w.t, fork_add, &w);
        if (!err && !w.frozen)
                err = store_feeds(w.t, feed_add, &w);
        store_abort(w.t);
        json_decref(w.forks);
        return err;
}

const struct route http_routes[] = {
    {"GET", "/api/node", h_node, 0},
    {"GET", "/api/peers", h_peers, 0},
    {"GET", "/api/feeds", h_feeds, 0},
    {"GET", "/api/items", http_items_list, 0},
    {"POST", "/api/items", http_items_create, ROUTE_WRITE},
    {"GET", "/api/items/*", http_item_get, 0},
    {"POST", "/api/items/*/revisions", http_revision_create, ROUTE_WRITE},
    {"POST", "/api/revisions/*/decision", http_revision_decide, ROUTE_WRITE},
    {"POST", "/api/reports/*/steps", http_step_create, ROUTE_WRITE},
    {"POST", "/api/reports/*/responses", http_response_create, ROUTE_WRITE},
    {"GET", "/metrics", http_metrics, 0},
    {"GET", "/", http_ui, ROUTE_OPEN},
    {"GET", "/ui/*", http_ui, ROUTE_OPEN},
    {NULL, NULL, NULL, 0},
};
