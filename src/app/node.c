/*
 * node: opening a node, and what an operator asks of it first: its status
 * (simpul status, GET /api/node), its peers and its feeds.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../node/daemon.h"
#include "app_int.h"

int
app_open(struct node *n, const char *data_flag, int flags, char *err_msg)
{
        char msg[512];
        char *dir = node_data_dir(data_flag);
        int err = node_open(n, dir, flags, msg);

        if (err)
                app__fail(err_msg, err, "%s", msg);
        free(dir);
        return err;
}

void
app_close(struct node *n)
{
        node_close(n);
}

/* ---- status ----------------------------------------------------------------
 */

static int
conflict_count(void *ctx, const uint8_t node_pk[ENTRY_KEY_BYTES],
               struct slice bytes)
{
        (void)node_pk;
        (void)bytes;
        ++*(uint64_t *)ctx;
        return 0;
}

/* The daemon's lock, and the live figures of this process. */
static void
daemon_of(const struct node *n, struct daemon_stats *live, struct app_daemon *d)
{
        struct node_daemon_seen seen;
        struct daemon_figures f = {0};

        node_daemon_read(n->dir, &seen);
        if (live)
                daemon_stats_get(live, &f);
        memset(d, 0, sizeof(*d));
        d->live = f.running;
        d->running = f.running || seen.running;
        d->pid = f.running ? (uint32_t)getpid() : seen.pid;
        d->started_ms = f.running ? f.started_ms : seen.started_ms;
        d->links_open = f.links_open;
        d->links_opening = f.links_opening;
        d->batches_queued = f.batches_queued;
}

static int peers_read(struct store_txn *t, struct app_peers *out);

int
app_status(struct node *n, struct daemon_stats *live, struct app_status *out,
           struct app_peers *peers, char *err_msg)
{
        struct store_txn *t;
        int err;

        memset(out, 0, sizeof(*out));
        if (peers)
                memset(peers, 0, sizeof(*peers)); /* without what they hold */
        out->region = n->config.region;
        out->budget_mib = n->config.budget_mib;
        out->name = n->config.name;
        out->level = region_level_name(region_level(n->config.region));
        if (n->key)
                id_hex(out->key, n->key->pk);
        if ((err = store_begin(n->store, false, &t)))
                return app__fail(err_msg, err, "%s", err_str(err));
        if ((err = store_stats(t, &out->store)) ||
            (err = store_cert_conflicts(t, conflict_count,
                                        &out->cert_conflicts)) ||
            (err = node_restored_read(t, &out->restored)) ||
            (err = store_blob_stats(t, &out->blobs)) ||
            (peers && (err = peers_read(t, peers)))) {
                store_abort(t);
                return app__fail(err_msg, err, "%s", err_str(err));
        }
        store_abort(t);
        daemon_of(n, live, &out->daemon);
        node_clock(n, &out->clock);
        out->clock_state = node_clock_state(&out->clock);
        out->clock_known = cert_clock_known(&out->clock);
        node_time(n, &out->time);
        return 0;
}

#define TLS_FILE_MAX (64U * 1024U)

/* A PEM file of [http] into out, NUL-terminated. */
static int
tls_file(const struct node *n, const char *name, const char *key,
         struct buf *out, char *err_msg)
{
        char *path = name[0] == '/' ? xstrdup(name) : node_path(n->dir, name);
        int err = node_line_read(path, TLS_FILE_MAX, out);

        if (!err)
                buf_add(out, "\n", 2); /* PEM's last newline, and a NUL */
        else
                app__fail(err_msg, err, "[http] %s '%s': %s", key, path,
                          err_str(err));
        free(path);
        return err;
}

int
app_http_tls(const struct node *n, struct buf *cert, struct buf *key,
             char *err_msg)
{
        const char *c = n->config.http_tls_cert, *k = n->config.http_tls_key;
        int err;

        buf_init(cert);
        buf_init(key);
        if (!c[0] && !k[0])
                return 0;
        if (!c[0] || !k[0])
                return app__fail(err_msg, ERR_CONFIG,
                                 "[http] tls_cert and tls_key go together");
        if ((err = tls_file(n, c, "tls_cert", cert, err_msg)) ||
            (err = tls_file(n, k, "tls_key", key, err_msg))) {
                buf_wipe_release(cert);
                buf_wipe_release(key);
        }
        return err;
}

int
app_http_listen(const struct node *n, struct sockaddr_storage *out)
{
        const char *listen = n->config.http_listen;

        /* auto: the LAN once someone can log in to manage the node. */
        if (!strcmp(listen, "auto"))
                listen = app_admin_exists(n->dir) ? NODE_HTTP_LISTEN_LAN
                                                  : NODE_HTTP_LISTEN_LOCAL;
        return net_addr_parse(listen, out);
}

int
app_addr_parse(const char *text, struct sockaddr_storage *out)
{
        return net_addr_parse(text, out);
}

/* ---- peers ------------------------------------------------------------------
 */

struct peers_walk {
        struct store_txn *t;
        struct app_peers *out;
        size_t cap;
};

static int
known_add(void *ctx, const uint8_t feed[ENTRY_HASH_BYTES], uint64_t seq)
{
        struct app_peer *p = ctx;

        p->known = xrealloc(p->known, (p->n_known + 1) * sizeof(*p->known));
        memcpy(p->known[p->n_known].feed, feed, ENTRY_HASH_BYTES);
        p->known[p->n_known++].seq = seq;
        return 0;
}

static int
peer_add(void *ctx, const struct peer_info *info)
{
        struct peers_walk *w = ctx;
        struct app_peer *p;

        w->out->v = app__grow(w->out->v, w->out->n, &w->cap, sizeof(*p));
        p = &w->out->v[w->out->n++];
        memset(p, 0, sizeof(*p));
        p->info = *info;
        if (!w->out->with_known)
                return 0;
        return store_peer_known_each(w->t, info->key, known_add, p);
}

/* The peers in t into out (whose with_known is set). */
static int
peers_read(struct store_txn *t, struct app_peers *out)
{
        struct peers_walk w = {t, out, 0};
        bool with_known = out->with_known;
        int err;

        memset(out, 0, sizeof(*out));
        out->with_known = with_known;
        if ((err = store_peers(t, peer_add, &w)))
                app_peers_release(out);
        return err;
}

int
app_peers(struct node *n, bool with_known, struct app_peers *out, char *err_msg)
{
        struct store_txn *t;
        int err;

        memset(out, 0, sizeof(*out));
        out->with_known = with_known;
        if ((err = store_begin(n->store, false, &t)))
                return app__fail(err_msg, err, "%s", err_str(err));
        err = peers_read(t, out);
        store_abort(t);
        return err ? app__fail(err_msg, err, "%s", err_str(err)) : 0;
}

void
app_peers_release(struct app_peers *p)
{
        for (size_t i = 0; i < p->n; i++)
                free(p->v[i].known);
        free(p->v);
        memset(p, 0, sizeof(*p));
}

uint64_t
app_peer_bulk(const struct peer_info *p)
{
        return store_peer_bulk(p, store_month(time_now_ms()));
}

/* ---- feeds ------------------------------------------------------------------
 */

struct feeds_walk {
        struct store_txn *t;
        struct app_feeds *out;
        size_t cap;
        bool frozen_only;
};

static struct app_feed *
feed_find(struct app_feeds *fs, const uint8_t id[ENTRY_HASH_BYTES])
{
        for (size_t i = 0; i < fs->n; i++)
                if (!memcmp(fs->v[i].info.id, id, ENTRY_HASH_BYTES))
                        return &fs->v[i];
        return NULL;
}

static struct app_feed *
feed_push(struct feeds_walk *w, const struct feed_info *info)
{
        struct app_feed *f;

        w->out->v = app__grow(w->out->v, w->out->n, &w->cap, sizeof(*f));
        f = &w->out->v[w->out->n++];
        memset(f, 0, sizeof(*f));
        f->info = *info;
        f->channel = channel_name(info->channel);
        audience_format(&info->audience, f->audience);
        f->frozen = info->flags & FEED_FROZEN;
        return f;
}

static int
feed_visit(void *ctx, const struct feed_info *info)
{
        struct feeds_walk *w = ctx;

        if (!w->frozen_only || (info->flags & FEED_FROZEN))
                feed_push(w, info);
        return 0;
}

/*
 * Fork proofs come ordered by feed, then seq: each feed's first is its
 * fork_seq. Without a walk of every feed, the frozen ones are added here
 * in that order.
 */
static int
fork_visit(void *ctx, const uint8_t feed[ENTRY_HASH_BYTES], uint64_t seq,
           struct slice bytes)
{
        struct feeds_walk *w = ctx;
        struct feed_info info;
        struct app_feed *f = feed_find(w->out, feed);
        int err;

        (void)bytes;
        if (!f && w->frozen_only) {
                err = store_feed_get(w->t, feed, &info);
                if (err == ERR_NOT_FOUND)
                        return 0;
                if (err)
                        return err;
                if (!(info.flags & FEED_FROZEN))
                        return 0;
                f = feed_push(w, &info);
        }
        if (f && !f->has_fork) {
                f->has_fork = true;
                f->fork_seq = seq;
        }
        return 0;
}

int
app_feeds(struct node *n, int flags, struct app_feeds *out, char *err_msg)
{
        struct feeds_walk w = {NULL, out, 0, flags & APP_FEEDS_FROZEN};
        int err;

        memset(out, 0, sizeof(*out));
        out->forks = flags & (APP_FEEDS_FORKS | APP_FEEDS_FROZEN);
        if ((err = store_begin(n->store, false, &w.t)))
                return app__fail(err_msg, err, "%s", err_str(err));
        if (!w.frozen_only)
                err = store_feeds(w.t, feed_visit, &w);
        if (!err && out->forks)
                err = store_forks(w.t, fork_visit, &w);
        store_abort(w.t);
        if (err) {
                app_feeds_release(out);
                return app__fail(err_msg, err, "%s", err_str(err));
        }
        return 0;
}

void
app_feeds_release(struct app_feeds *f)
{
        free(f->v);
        memset(f, 0, sizeof(*f));
}

/* ---- verify, views, restored ----------------------------------------------
 */

static void
problem_add(void *ctx, const struct verify_problem *p)
{
        struct app_verify *v = ctx;

        v->v = xrealloc(v->v, (v->n + 1) * sizeof(*v->v));
        v->v[v->n++] = *p; /* what: a static string */
}

int
app_verify(struct node *n, struct app_verify *out, char *err_msg)
{
        int err;

        memset(out, 0, sizeof(*out));
        if ((err =
                 replica_verify(&n->replica, problem_add, out, &out->stats))) {
                app_verify_release(out);
                return app__fail(err_msg, err, "%s", err_str(err));
        }
        return 0;
}

void
app_verify_release(struct app_verify *v)
{
        free(v->v);
        memset(v, 0, sizeof(*v));
}

int
app_views_rebuild(struct node *n, uint64_t *entries, char *err_msg)
{
        int err = replica_views_rebuild(&n->replica, entries);

        return err ? app__fail(err_msg, err, "%s", err_str(err)) : 0;
}

int
app_restored(struct node *n, bool clear, bool *was, char *err_msg)
{
        int err;

        *was = n->restored;
        if (clear && *was && (err = node_restored_set(n, false)))
                return app__fail(err_msg, err, "%s", err_str(err));
        if (clear && *was) /* the daemon allows posting now */
                node_changed(n);
        return 0;
}
