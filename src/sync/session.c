/* session: one link's sync protocol (proto/SYNC.md), see sync.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "feedmap.h"
#include "sync.h"

#define FRAME_TARGET_BYTES (64U * 1024U)
#define RX_PENDING_MAX 8U /* batches queued: a frame adds at most 4 */

struct inflight {
        uint64_t msg_no;
        size_t bytes;
        struct feed_state *f;
        uint64_t last_seq;
        uint32_t generation;
};

/* A feed the peer introduced with FEED, by its index. */
struct in_feed {
        struct feed_info desc; /* id, author, region, audience, channel */
        uint64_t last_seq;     /* last seq received or held */
        uint8_t last_id[ENTRY_HASH_BYTES];
        bool frozen;
        bool own;        /* written by this node */
        uint64_t rewind; /* the last rewind after histories differed */
};

struct rx_batch {
        struct sync_batch pub;
        struct buf data;
        size_t *offs, *lens;
        uint32_t *index; /* in_feed index per entry */
        size_t cap;
        uint64_t msg_hi; /* ENTRIES messages complete once this is durable */
};

struct sync_session {
        struct replica *r;
        uint8_t peer[ENTRY_KEY_BYTES];
        char peer_region[REGION_BUF];
        struct peer_info rec;
        bool has_rec, known_loaded;
        struct feedmap feeds;
        struct feed_state **order; /* local feeds of the universe, sorted */
        size_t order_n;
        bool rescan;
        bool hello_accepted;
        uint64_t my_hello_version;
        /* The HELLO round trips (SYNC.md §4.1): our HELLO awaits its
         * answer (and had this base); the peer's HELLO is expected (the
         * first, or the full one our NEED_FULL asked for). */
        bool hello_out, hello_in_expected, need_full_sent;
        uint64_t hello_out_base;
        /* (feed id, seq) of the peer's vector for feeds this node does not
         * hold: kept for this session's digest only, never stored. */
        struct buf unheld;
        /* pushing */
        struct feed_state **out_feeds; /* by our FEED index */
        uint32_t out_n;
        struct inflight *inflight;
        size_t if_head, if_n, if_cap;
        uint64_t msgs_out;
        size_t window;
        /* receiving */
        struct in_feed *in;
        uint32_t in_n, in_cap;
        bool feed_open; /* a FEED was received: its ENTRIES come next */
        uint64_t msgs_in, acked_in, synced_at;
        bool synced_pending;
        struct rx_batch *rx[RX_PENDING_MAX + 1];
        size_t rx_n;
        size_t rx_taken; /* rx[0 .. rx_taken) are out with the caller */
        struct sync_decoder dec;
        struct sync_stats stats;
        struct buf scratch;
        /* fork proofs (SYNC.md §5.1): walk the store's proofs again */
        bool forks_dirty;
        struct buf forks_sent; /* feed id || seq (be64) of proofs sent */
        /* bodies (SYNC.md §5.3): asked of the peer, in order, unanswered */
        struct sync_vec_item asked[SYNC_BODIES_OUT];
        size_t asked_n;
        struct sync_vec_item want_at; /* the walk of wanted bodies: last */
        bool want_started, want_done; /* seen; walked to the end */
        uint64_t want_gen;            /* replica_bodies_gen at its start */
        /* ... and asked by the peer, to answer in order */
        struct sync_vec_item to_answer[SYNC_BODIES_OUT];
        size_t to_answer_n;
};

/* ---- lifecycle ------------------------------------------------------------
 */

struct sync_session *
sync_session_new(struct replica *r, const uint8_t peer_key[ENTRY_KEY_BYTES],
                 const char *peer_region)
{
        struct sync_session *s = xcalloc(1, sizeof(*s));

        s->r = r;
        memcpy(s->peer, peer_key, ENTRY_KEY_BYTES);
        strncpy(s->peer_region, peer_region, REGION_BUF - 1);
        feedmap_init(&s->feeds);
        sync_decoder_init(&s->dec);
        s->rescan = true;
        s->forks_dirty = true;
        s->hello_in_expected = true;
        return s;
}

static void
rx_free(struct rx_batch *b)
{
        if (!b)
                return;
        buf_release(&b->data);
        free(b->offs);
        free(b->lens);
        free(b->index);
        free(b->pub.entries);
        free(b->pub.es);
        free(b->pub.results);
        free(b);
}

void
sync_session_free(struct sync_session *s)
{
        if (!s)
                return;
        for (size_t i = 0; i < s->rx_n; i++)
                rx_free(s->rx[i]);
        feedmap_release(&s->feeds);
        sync_decoder_release(&s->dec);
        buf_release(&s->scratch);
        buf_release(&s->unheld);
        buf_release(&s->forks_sent);
        free(s->order);
        free(s->out_feeds);
        free(s->inflight);
        free(s->in);
        free(s);
}

const struct sync_stats *
sync_stats(const struct sync_session *s)
{
        return &s->stats;
}

bool
sync_wants_input(const struct sync_session *s)
{
        return s->rx_n < SYNC_BATCHES_OUT + 1;
}

void
sync_changed(struct sync_session *s)
{
        s->rescan = true;
        s->forks_dirty = true;
}

/* ---- the universe and the push order ------------------------------------ */

static bool
in_universe(const struct sync_session *s, const struct audience *a)
{
        return audience_contains(a, s->r->region) &&
               audience_contains(a, s->peer_region);
}

struct rescan_ctx {
        struct sync_session *s;
        size_t n, cap;
};

static int
rescan_feed(void *ctx, const struct feed_info *f)
{
        struct rescan_ctx *rc = ctx;
        struct feed_state *fs;

        if (!in_universe(rc->s, &f->audience))
                return 0;
        fs = feedmap_put(&rc->s->feeds, f->id);
        fs->local = true;
        fs->info = *f;
        fs->capped = false; /* trust may have changed: ask again */
        if (rc->n == rc->cap) {
                rc->cap = rc->cap ? 2 * rc->cap : 64;
                rc->s->order =
                    xrealloc(rc->s->order, rc->cap * sizeof(*rc->s->order));
        }
        rc->s->order[rc->n++] = fs;
        return 0;
}

/*
 * The network root's system feed goes first (SYNC.md §5): the delegated
 * issuers' system feeds, also on channel 0, hold certificates that only
 * certificates in the root's feed make valid, and a receiver refuses them
 * (ENTRY-UNKNOWN-AUTHOR) unless the root's were committed first.
 */
static void
root_first(struct sync_session *s)
{
        const uint8_t *root = s->r->network.desc.root_pk;
        size_t k = 0;

        if (!s->r->has_network)
                return;
        for (size_t i = 0; i < s->order_n; i++) {
                struct feed_state *f = s->order[i];

                if (f->info.channel != 0 ||
                    memcmp(f->info.author, root, ENTRY_KEY_BYTES))
                        continue;
                memmove(&s->order[k + 1], &s->order[k],
                        (i - k) * sizeof(*s->order));
                s->order[k++] = f;
        }
}

/* store_feeds visits by channel, then feed id: the push order, but for
 * root_first. */
static int
rescan(struct sync_session *s, struct store_txn *t)
{
        struct rescan_ctx rc = {s, 0, 0};
        int err;

        free(s->order);
        s->order = NULL;
        s->order_n = 0;
        if ((err = store_feeds(t, rescan_feed, &rc)))
                return err;
        s->order_n = rc.n;
        s->rescan = false;
        root_first(s);
        return 0;
}

static int
known_load_one(void *ctx, const uint8_t feed[ENTRY_HASH_BYTES], uint64_t seq)
{
        struct sync_session *s = ctx;
        struct feed_state *f = feedmap_put(&s->feeds, feed);

        f->known = f->sent = seq;
        return 0;
}

/* The peer record and what we knew of its feeds, once per session. */
static int
load_peer(struct sync_session *s, struct store_txn *t)
{
        int err;

        if (s->known_loaded)
                return 0;
        err = store_peer_get(t, s->peer, &s->rec);
        if (err && err != ERR_NOT_FOUND)
                return err;
        s->has_rec = !err;
        if (!s->has_rec) {
                memset(&s->rec, 0, sizeof(s->rec));
                memcpy(s->rec.key, s->peer, ENTRY_KEY_BYTES);
        }
        memcpy(s->rec.region, s->peer_region, REGION_BUF);
        if ((err = store_peer_known_each(t, s->peer, known_load_one, s)))
                return err;
        s->known_loaded = true;
        return 0;
}

/* ---- HELLO ------------------------------------------------------------ */

static int
cmp_id(const void *a, const void *b)
{
        return memcmp(a, b, ENTRY_HASH_BYTES);
}

/* Digest of (id, seq) pairs, sorted here by id (SYNC.md §4). */
static void
digest_pairs(uint8_t *pairs, size_t n, uint8_t out[SYNC_DIGEST_BYTES])
{
        uint8_t h[ENTRY_HASH_BYTES];

        if (n > 1)
                qsort(pairs, n, ENTRY_HASH_BYTES + 8, cmp_id);
        hash_bytes(h, slice_make(pairs, n * (ENTRY_HASH_BYTES + 8)));
        memcpy(out, h, SYNC_DIGEST_BYTES);
}

static void
pair_put(struct buf *b, const uint8_t id[ENTRY_HASH_BYTES], uint64_t seq)
{
        buf_add(b, id, ENTRY_HASH_BYTES);
        buf_add_be64(b, seq);
}

int
sync_hello(struct sync_session *s, struct buf *out)
{
        struct sync_vec_item *delta = NULL;
        struct store_txn *t;
        uint8_t instance[STORE_INSTANCE_BYTES], digest[SYNC_DIGEST_BYTES];
        uint64_t base;
        size_t nd = 0;
        int err;

        if ((err = store_begin(s->r->store, false, &t)))
                return err;
        if ((err = load_peer(s, t)) || (err = rescan(s, t)) ||
            (err = store_version(t, &s->my_hello_version)))
                goto out;
        /* One more than the store version, so never 0 (0 is "no base"):
         * the peer confirms it, and changes at or after it are new. */
        s->my_hello_version++;
        base = s->has_rec ? s->rec.acked : 0;
        buf_reset(&s->scratch);
        delta = xcalloc(s->order_n + 1, sizeof(*delta));
        for (size_t i = 0; i < s->order_n; i++) {
                const struct feed_info *f = &s->order[i]->info;
                pair_put(&s->scratch, f->id, f->head_seq);
                /* Unchanged since the peer's last look, or the peer holds
                 * it at our head (it sent it, or acknowledged it): it
                 * records that as ours too (SYNC.md §4). */
                if (base &&
                    (f->changed < base || s->order[i]->known == f->head_seq))
                        continue;
                memcpy(delta[nd].feed, f->id, ENTRY_HASH_BYTES);
                memcpy(delta[nd].head, f->head_id, ENTRY_HASH_BYTES);
                delta[nd++].seq = f->head_seq;
        }
        digest_pairs(s->scratch.data, s->order_n, digest);
        log_debug("SYNC-HELLO",
                  "hello: version %llu, base %llu, %zu of %zu "
                  "feeds in the delta",
                  (unsigned long long)s->my_hello_version,
                  (unsigned long long)base, nd, s->order_n);
        store_instance(s->r->store, instance);
        wire_sync_hello(out, instance, s->my_hello_version, base, digest, delta,
                        nd);
        s->hello_out = true;
        s->hello_out_base = base;
out:
        store_abort(t);
        free(delta);
        return err;
}

static void
known_pair(void *ctx, struct feed_state *f)
{
        if (f->known > 0)
                pair_put(ctx, f->id, f->known);
}

static void
forget_known(void *ctx, struct feed_state *f)
{
        (void)ctx;
        f->known = f->sent = 0;
}

/* The daemon writes the status fields of the same record: reload it so
 * only instance and acked are ours to change. */
static int
rec_reload(struct sync_session *s, struct store_txn *t)
{
        struct peer_info cur;
        int err = store_peer_get(t, s->peer, &cur);

        if (err == ERR_NOT_FOUND)
                return 0;
        if (err)
                return err;
        cur.has_instance = s->rec.has_instance;
        memcpy(cur.instance, s->rec.instance, STORE_INSTANCE_BYTES);
        cur.acked = s->rec.acked;
        s->rec = cur;
        return 0;
}

/*
 * Records the peer's instance and, for the feeds this node holds, the
 * delta (SYNC.md §4): what it does not hold is never stored, so the rows
 * kept per peer are bounded by this node's own feeds.
 */
static int
hello_persist(struct sync_session *s, const struct sync_msg *m)
{
        struct store_txn *t;
        int err;

        if ((err = store_begin(s->r->store, true, &t)))
                return err;
        if ((err = rec_reload(s, t)))
                goto fail;
        s->rec.has_instance = true;
        memcpy(s->rec.instance, m->instance, STORE_INSTANCE_BYTES);
        if (m->base == 0 && (err = store_peer_known_clear(t, s->peer)))
                goto fail;
        for (size_t i = 0; i < m->delta_n; i++) {
                struct feed_state *f = feedmap_get(&s->feeds, m->delta[i].feed);
                if (f && f->local &&
                    (err = store_peer_known_put(t, s->peer, m->delta[i].feed,
                                                m->delta[i].seq)))
                        goto fail;
        }
        if ((err = store_peer_put(t, &s->rec)))
                goto fail;
        s->has_rec = true;
        return store_commit(t);
fail:
        store_abort(t);
        return err;
}

static void
sent_from_known(void *ctx, struct feed_state *f)
{
        (void)ctx;
        f->sent = f->known;
        if (f->diverged && f->local) {
                /* Push from where the peer's history is not ours. */
                f->known = f->sent = f->diverged - 1;
                f->prev_due = true;
                f->diverged = 0;
        }
}

/*
 * The peer's entry at d->seq, named by its id, is not the one we hold
 * there: the histories differ at or below it (SYNC.md §5.3). Once the
 * HELLO is accepted we push from that seq, naming its prev, so that the
 * peer finds where they part (a fork) instead of a bad signature.
 */
static int
diverged_check(struct sync_session *s, struct store_txn *t,
               struct feed_state *f, const struct sync_vec_item *d)
{
        struct entry e;
        int err;

        f->diverged = 0;
        if (d->seq == 0 || d->seq > f->info.head_seq)
                return 0;
        if (d->seq == f->info.head_seq) {
                if (memcmp(d->head, f->info.head_id, ENTRY_HASH_BYTES))
                        f->diverged = d->seq;
                return 0;
        }
        buf_reset(&s->scratch);
        if ((err = store_get(t, f->id, d->seq, &s->scratch)) ||
            (err = entry_parse(buf_slice(&s->scratch), &e)))
                return err;
        if (memcmp(d->head, e.id, ENTRY_HASH_BYTES))
                f->diverged = d->seq;
        return 0;
}

/*
 * Applies the delta to what the peer is known to hold. A feed this node
 * holds outside the link's universe is PROTO-VIOLATION (nothing outside
 * the universe is ever named); a feed it does not hold cannot be checked
 * and is kept for this session's digest only.
 */
static int
hello_apply(struct sync_session *s, const struct sync_msg *m)
{
        struct store_txn *t;
        struct feed_info fi;
        int err;

        if ((err = store_begin(s->r->store, false, &t)))
                return err;
        if (s->rescan && (err = rescan(s, t)))
                goto out;
        for (size_t i = 0; i < m->delta_n && !err; i++) {
                const struct sync_vec_item *d = &m->delta[i];
                struct feed_state *f = feedmap_get(&s->feeds, d->feed);

                if (f && f->local) {
                        f->known = d->seq;
                        if ((err = diverged_check(s, t, f, d)))
                                break;
                        /* The peer holds more of our own feed than we do. */
                        if (s->r->key && d->seq > f->info.head_seq &&
                            !memcmp(f->info.author, s->r->key->pk,
                                    ENTRY_KEY_BYTES))
                                s->stats.own_behind = true;
                        continue;
                }
                err = store_feed_get(t, d->feed, &fi);
                if (!err) {
                        err = in_universe(s, &fi.audience) ? 0 : ERR_PROTOCOL;
                        if (!err) /* stored since the rescan */
                                feedmap_put(&s->feeds, d->feed)->known = d->seq;
                } else if (err == ERR_NOT_FOUND) {
                        err = 0;
                        if (d->seq > 0)
                                pair_put(&s->unheld, d->feed, d->seq);
                }
        }
out:
        store_abort(t);
        return err;
}

/*
 * HELLO (SYNC.md §4.1): once per session, and once more only as the
 * answer to our NEED_FULL, with base 0. Anything else is PROTO-VIOLATION,
 * so each costs the receiver one pass over the universe at most twice.
 */
static int
on_hello(struct sync_session *s, const struct sync_msg *m, struct buf *out)
{
        uint8_t digest[SYNC_DIGEST_BYTES];
        struct buf pairs = BUF_INIT;
        int err;

        if (!s->hello_in_expected || (s->need_full_sent && m->base != 0))
                return ERR_PROTOCOL;
        if (m->base != 0 &&
            (!s->has_rec || !s->rec.has_instance ||
             memcmp(s->rec.instance, m->instance, STORE_INSTANCE_BYTES))) {
                s->need_full_sent = true;
                wire_sync_simple(out, SYNC_NEED_FULL);
                return 0;
        }
        if (m->base == 0) {
                feedmap_each(&s->feeds, forget_known, NULL);
                buf_reset(&s->unheld);
        }
        if ((err = hello_apply(s, m)))
                return err;
        feedmap_each(&s->feeds, known_pair, &pairs);
        buf_add(&pairs, s->unheld.data, s->unheld.len);
        digest_pairs(pairs.data, pairs.len / (ENTRY_HASH_BYTES + 8), digest);
        buf_release(&pairs);
        if (memcmp(digest, m->digest, SYNC_DIGEST_BYTES)) {
                /* A full vector that does not match its own digest. */
                if (m->base == 0)
                        return ERR_PROTOCOL;
                /* Our record of the peer is wrong: ask for all of it. */
                s->need_full_sent = true;
                wire_sync_simple(out, SYNC_NEED_FULL);
                return 0;
        }
        if ((err = hello_persist(s, m)))
                return err;
        feedmap_each(&s->feeds, sent_from_known, NULL);
        s->hello_accepted = true;
        s->hello_in_expected = false;
        s->rescan = true;
        wire_sync_uint(out, SYNC_HELLO_OK, m->version);
        return 0;
}

static int
on_hello_ok(struct sync_session *s, const struct sync_msg *m)
{
        struct store_txn *t;
        int err;

        if (!s->hello_out || m->version != s->my_hello_version)
                return ERR_PROTOCOL;
        s->hello_out = false;
        if ((err = store_begin(s->r->store, true, &t)))
                return err;
        if ((err = rec_reload(s, t))) {
                store_abort(t);
                return err;
        }
        s->rec.acked = m->version;
        if ((err = store_peer_put(t, &s->rec))) {
                store_abort(t);
                return err;
        }
        s->has_rec = true;
        return store_commit(t);
}

/* NEED_FULL answers our HELLO with a base; a full one is never refused. */
static int
on_need_full(struct sync_session *s, struct buf *out)
{
        if (!s->hello_out || s->hello_out_base == 0)
                return ERR_PROTOCOL;
        /* Our record of what the peer has of us is gone: start over. */
        s->rec.acked = 0;
        s->has_rec = false;
        return sync_hello(s, out);
}

/* ---- receiving entries -------------------------------------------------- */

static int
on_feed(struct sync_session *s, const struct sync_msg *m)
{
        struct feed_info held;
        struct in_feed *in;
        struct store_txn *t;
        int err;

        /* Indexes are given in order from 0, so the table grows by one. */
        if (m->index != s->in_n)
                return ERR_PROTOCOL;
        if (!audience_contains(&m->audience, s->r->region))
                return ERR_NOT_ENTITLED;
        /* The peer may only hold feeds of the link's universe. */
        if (!audience_contains(&m->audience, s->peer_region))
                return ERR_PROTOCOL;
        if (s->in_n == s->in_cap) {
                s->in_cap = s->in_cap ? 2 * s->in_cap : 16;
                s->in = xrealloc(s->in, s->in_cap * sizeof(*s->in));
        }
        in = &s->in[s->in_n];
        memset(in, 0, sizeof(*in));
        memcpy(in->desc.author, m->author, ENTRY_KEY_BYTES);
        memcpy(in->desc.author_region, m->author_region, REGION_BUF);
        in->desc.audience = m->audience;
        in->desc.channel = m->channel;
        feed_id_compute(in->desc.id, m->author, m->author_region, &m->audience,
                        m->channel);
        in->own =
            s->r->key && !memcmp(m->author, s->r->key->pk, ENTRY_KEY_BYTES);
        if ((err = store_begin(s->r->store, false, &t)))
                return err;
        if (!(err = store_feed_get(t, in->desc.id, &held))) {
                in->last_seq = held.head_seq;
                memcpy(in->last_id, held.head_id, ENTRY_HASH_BYTES);
                in->frozen = held.flags & FEED_FROZEN;
        }
        store_abort(t);
        if (err && err != ERR_NOT_FOUND)
                return err;
        s->in_n++;
        s->feed_open = true;
        return 0;
}

static struct rx_batch *
rx_filling(struct sync_session *s, size_t need)
{
        struct rx_batch *b = s->rx_n ? s->rx[s->rx_n - 1] : NULL;

        /* A batch out with the caller, or a full one, takes no more. */
        if (!b || s->rx_taken == s->rx_n ||
            b->pub.n + need > REPLICA_BATCH_MAX) {
                if (s->rx_n > RX_PENDING_MAX)
                        return NULL;
                b = xcalloc(1, sizeof(*b));
                s->rx[s->rx_n++] = b;
        }
        if (b->pub.n + need > b->cap) {
                b->cap = b->pub.n + need + 64;
                b->offs = xrealloc(b->offs, b->cap * sizeof(*b->offs));
                b->lens = xrealloc(b->lens, b->cap * sizeof(*b->lens));
                b->index = xrealloc(b->index, b->cap * sizeof(*b->index));
        }
        return b;
}

/* The id of the held entry at seq (for prev), from the store. */
static int
held_id(struct sync_session *s, const uint8_t feed[ENTRY_HASH_BYTES],
        uint64_t seq, uint8_t out[ENTRY_HASH_BYTES])
{
        struct store_txn *t;
        struct entry e;
        int err;

        buf_reset(&s->scratch);
        if ((err = store_begin(s->r->store, false, &t)))
                return err;
        err = store_get(t, feed, seq, &s->scratch);
        store_abort(t);
        if (!err && !(err = entry_parse(buf_slice(&s->scratch), &e)))
                memcpy(out, e.id, ENTRY_HASH_BYTES);
        return err;
}

/* Rebuilds one entry's envelope from its compact form (SYNC.md §5). */
static int
rebuild(const struct in_feed *in, uint64_t seq, const uint8_t *prev,
        uint64_t ts, const struct sync_compact *c, struct buf *out,
        uint8_t id[ENTRY_HASH_BYTES])
{
        struct entry_header h;
        struct envelope env;
        struct buf header = BUF_INIT;

        memset(&h, 0, sizeof(h));
        memcpy(h.author, in->desc.author, ENTRY_KEY_BYTES);
        memcpy(h.author_region, in->desc.author_region, REGION_BUF);
        h.audience = in->desc.audience;
        h.channel = in->desc.channel;
        h.seq = seq;
        h.has_prev = seq > 1;
        if (h.has_prev)
                memcpy(h.prev, prev, ENTRY_HASH_BYTES);
        h.timestamp_ms = ts;
        h.kind = c->kind;
        if (c->has_body) {
                h.body_len = (uint32_t)c->body.len;
                hash_bytes(h.body_hash, c->body);
        } else {
                h.body_len = c->body_len;
                memcpy(h.body_hash, c->body_hash, ENTRY_HASH_BYTES);
        }
        wire_header_encode(&h, &header);
        hash_bytes(id, buf_slice(&header));
        env.header = buf_slice(&header);
        env.sig = c->sig;
        env.has_body = c->has_body;
        env.body = c->body;
        wire_envelope_encode(&env, out);
        buf_release(&header);
        return 0;
}

/* Where a run must start: 0 ok (prev filled), 1 answer HEAD and drop. */
static int
run_start(struct sync_session *s, struct in_feed *in, uint64_t start,
          uint8_t prev[ENTRY_HASH_BYTES])
{
        if (in->frozen || start - 1 > in->last_seq)
                return 1;
        if (start == 1)
                return 0;
        if (start - 1 == in->last_seq) {
                memcpy(prev, in->last_id, ENTRY_HASH_BYTES);
                return 0;
        }
        /* A resend of entries held already: chain from the held one. */
        return held_id(s, in->desc.id, start - 1, prev) ? 1 : 0;
}

/*
 * The sender's history and ours differ below start (SYNC.md §5.3): the
 * prev it names is not the id we hold at start - 1. Ask it to resend from
 * further back, twice as far each time, until the runs meet where the
 * histories agree: there the first entry that differs is a fork (same seq,
 * another id), which the commit stores as a proof, freezing the feed.
 */
static void
rewind_head(struct in_feed *in, uint32_t index, uint64_t start, struct buf *out)
{
        uint64_t back = in->rewind ? 2 * in->rewind : 1;

        in->rewind = back;
        wire_sync_head(out, index, start - 1 > back ? start - 1 - back : 0, 0);
}

static int
on_entries(struct sync_session *s, const struct sync_msg *m, struct buf *out)
{
        uint8_t prev[ENTRY_HASH_BYTES], id[ENTRY_HASH_BYTES];
        struct in_feed *in;
        struct rx_batch *b;
        uint64_t ts = m->ts0;
        int rc;

        if (m->index >= s->in_n || m->entries_n == 0 ||
            m->seq > UINT64_MAX - m->entries_n || (m->has_prev && m->seq == 1))
                return ERR_PROTOCOL;
        in = &s->in[m->index];
        s->msgs_in++;
        /* A peer holds entries of our own feed that we lack. */
        if (in->own && m->seq + m->entries_n - 1 > in->last_seq)
                s->stats.own_behind = true;
        rc = run_start(s, in, m->seq, prev);
        if (rc) {
                wire_sync_head(out, m->index, in->last_seq,
                               in->frozen ? SYNC_HEAD_FROZEN : 0);
                return 0;
        }
        if (m->has_prev && memcmp(prev, m->prev, ENTRY_HASH_BYTES)) {
                rewind_head(in, m->index, m->seq, out);
                return 0;
        }
        if (!(b = rx_filling(s, m->entries_n)))
                return ERR_PROTOCOL; /* the peer ignores flow control */
        for (size_t i = 0; i < m->entries_n; i++) {
                const struct sync_compact *c = &m->entries[i];
                /* The author's clock is advisory: a delta may be negative
                 * (SYNC.md §5); the sum is taken modulo 2^64. */
                ts += (uint64_t)c->ts_delta;
                b->offs[b->pub.n] = b->data.len;
                rebuild(in, m->seq + i, prev, ts, c, &b->data, id);
                b->lens[b->pub.n] = b->data.len - b->offs[b->pub.n];
                b->index[b->pub.n++] = m->index;
                memcpy(prev, id, ENTRY_HASH_BYTES);
        }
        if (m->seq + m->entries_n - 1 > in->last_seq) {
                in->last_seq = m->seq + m->entries_n - 1;
                memcpy(in->last_id, id, ENTRY_HASH_BYTES);
        }
        b->msg_hi = s->msgs_in;
        return 0;
}

/* ---- the pending batches ------------------------------------------------ */

struct sync_batch *
sync_take_batch(struct sync_session *s, bool flush)
{
        struct rx_batch *b = s->rx_taken < s->rx_n ? s->rx[s->rx_taken] : NULL;

        /* Two out at once: one being checked while the other commits. */
        if (!b || s->rx_taken >= SYNC_BATCHES_OUT || b->pub.n == 0)
                return NULL;
        /* Wait for a full batch unless told the input paused. */
        if (!flush && s->rx_taken + 1 == s->rx_n &&
            b->pub.n < SYNC_BATCH_ENTRIES)
                return NULL;
        b->pub.entries = xcalloc(b->pub.n, sizeof(*b->pub.entries));
        b->pub.es = xcalloc(b->pub.n, sizeof(*b->pub.es));
        b->pub.results = xcalloc(b->pub.n, sizeof(*b->pub.results));
        for (size_t i = 0; i < b->pub.n; i++)
                b->pub.entries[i] =
                    slice_make(b->data.data + b->offs[i], b->lens[i]);
        s->rx_taken++;
        return &b->pub;
}

/* After a commit: what the peer holds (never echo it back), HEADs. */
static int
batch_result(struct sync_session *s, struct rx_batch *b, size_t i,
             struct buf *out, const char **why)
{
        const struct entry *e = &b->pub.es[i];
        struct in_feed *in = &s->in[b->index[i]];
        struct feed_state *f;
        int res = b->pub.results[i];

        if (!res) {
                /* The peer holds what it sent: never push it back, also for
                 * a feed this node first learns of from this peer. */
                f = feedmap_put(&s->feeds, e->feed);
                if (f->known < e->h.seq)
                        f->known = e->h.seq;
                if (f->sent < f->known)
                        f->sent = f->known;
                return 0;
        }
        if (res == ERR_FORK || res == ERR_FROZEN) {
                if (!in->frozen)
                        wire_sync_head(out, b->index[i], e->h.seq - 1,
                                       SYNC_HEAD_FROZEN);
                in->frozen = true;
                return 0;
        }
        *why = err_id(res);
        return res;
}

int
sync_batch_done(struct sync_session *s, struct sync_batch *pub, struct buf *out,
                const char **why)
{
        struct rx_batch *b = container_of(pub, struct rx_batch, pub);
        int err = 0;

        /* Batches come back in the order they were taken. */
        if (!s->rx_taken || s->rx[0] != b)
                return ERR_USAGE;
        s->rx_taken--;
        if (pub->err) {
                *why = err_id(pub->err);
                err = pub->err;
        }
        for (size_t i = 0; i < pub->n && !err; i++)
                err = batch_result(s, b, i, out, why);
        s->stats.entries_in += pub->stats.stored;
        memmove(s->rx, s->rx + 1, (s->rx_n - 1) * sizeof(*s->rx));
        s->rx_n--;
        if (!err && b->msg_hi > s->acked_in) {
                s->acked_in = b->msg_hi;
                wire_sync_uint(out, SYNC_ACK, s->acked_in);
        }
        if (s->synced_pending && s->acked_in >= s->synced_at && !s->rx_n) {
                s->synced_pending = false;
                s->stats.caught_up = true;
        }
        rx_free(b);
        return err;
}

/* Messages dropped with HEAD still count as done for ACK. */
static void
ack_if_idle(struct sync_session *s, struct buf *out)
{
        if (s->rx_n || s->msgs_in <= s->acked_in)
                return;
        s->acked_in = s->msgs_in;
        wire_sync_uint(out, SYNC_ACK, s->acked_in);
}

static void
on_synced(struct sync_session *s)
{
        if (!s->rx_n) {
                s->stats.caught_up = true;
                return;
        }
        s->synced_pending = true;
        s->synced_at = s->msgs_in;
}

/* ---- pushing ------------------------------------------------------------- */

/*
 * The peer made these durable: remember it across sessions too, so the
 * next HELLO need not list these feeds (SYNC.md §4). One transaction per
 * ACK, one put per feed.
 */
static int
on_ack(struct sync_session *s, uint64_t frames)
{
        struct store_txn *t = NULL;
        int err = 0;

        while (s->if_n > 0 && !err) {
                struct inflight *in = &s->inflight[s->if_head];
                if (in->msg_no > frames)
                        break;
                if (in->generation == in->f->generation &&
                    in->f->known < in->last_seq) {
                        in->f->known = in->last_seq;
                        if (!t && (err = store_begin(s->r->store, true, &t)))
                                break;
                        err = store_peer_known_put(t, s->peer, in->f->id,
                                                   in->last_seq);
                }
                s->window -= in->bytes;
                in->f->inflight_n--;
                s->if_head = (s->if_head + 1) % s->if_cap;
                s->if_n--;
        }
        if (!t)
                return err;
        if (err) {
                store_abort(t);
                return err;
        }
        return store_commit(t);
}

static int
on_head(struct sync_session *s, const struct sync_msg *m)
{
        struct feed_state *f;

        if (m->index >= s->out_n)
                return ERR_PROTOCOL;
        f = s->out_feeds[m->index];
        /* A HEAD answers an ENTRIES message of that feed, still in flight:
         * each resend it causes is paid for by a message of ours. */
        if (!f->inflight_n)
                return ERR_PROTOCOL;
        f->known = f->sent = m->seq;
        f->generation++;
        f->prev_due = true;
        if (m->flags & SYNC_HEAD_FROZEN)
                f->frozen_at_peer = true;
        s->stats.synced_sent = false;
        return 0;
}

static void
inflight_push(struct sync_session *s, struct feed_state *f, size_t bytes,
              uint64_t last)
{
        struct inflight *in;

        if (s->if_n == s->if_cap) {
                size_t cap = s->if_cap ? 2 * s->if_cap : 64;
                struct inflight *q = xcalloc(cap, sizeof(*q));
                for (size_t i = 0; i < s->if_n; i++)
                        q[i] = s->inflight[(s->if_head + i) % s->if_cap];
                free(s->inflight);
                s->inflight = q;
                s->if_cap = cap;
                s->if_head = 0;
        }
        in = &s->inflight[(s->if_head + s->if_n++) % s->if_cap];
        in->msg_no = ++s->msgs_out;
        in->bytes = bytes;
        in->f = f;
        in->last_seq = last;
        in->generation = f->generation;
        f->inflight_n++;
        s->window += bytes;
}

static struct feed_state *
next_pending(const struct sync_session *s)
{
        for (size_t i = 0; i < s->order_n; i++) {
                struct feed_state *f = s->order[i];
                if (!f->frozen_at_peer && f->info.head_seq > f->sent &&
                    !(f->capped && f->sent >= f->cap_seq))
                        return f;
        }
        return NULL;
}

uint64_t
sync_backlog(const struct sync_session *s)
{
        uint64_t n = 0;

        for (size_t i = 0; i < s->order_n; i++) {
                const struct feed_state *f = s->order[i];
                uint64_t top = f->capped && f->cap_seq < f->info.head_seq
                                   ? f->cap_seq
                                   : f->info.head_seq;
                if (!f->frozen_at_peer && top > f->known)
                        n += top - f->known;
        }
        return n;
}

/* Entries read for one ENTRIES message, copied out of the store. */
struct push_read {
        struct buf bytes;
        size_t offs[SYNC_ENTRIES_MAX], lens[SYNC_ENTRIES_MAX];
        size_t n;
        uint64_t last; /* the last seq to read */
};

static int
push_read_one(void *ctx, uint64_t seq, struct slice bytes)
{
        struct push_read *pr = ctx;

        if (seq > pr->last)
                return 1;
        pr->offs[pr->n] = pr->bytes.len;
        pr->lens[pr->n++] = bytes.len;
        buf_add(&pr->bytes, bytes.ptr, bytes.len);
        return pr->n == SYNC_ENTRIES_MAX ||
                       pr->bytes.len >= SYNC_MSG_TARGET_BYTES || seq == pr->last
                   ? 1
                   : 0;
}

static int
push_entries(struct sync_session *s, struct feed_state *f, struct store_txn *t,
             struct buf *out)
{
        static _Thread_local struct push_read pr;
        size_t before = out->len;
        uint64_t prev_ts = 0;
        struct entry e;
        int err;

        buf_reset(&pr.bytes);
        pr.n = 0;
        pr.last = f->cap_seq;
        err = store_feed_scan(t, f->id, f->sent + 1, push_read_one, &pr);
        if (err < 0)
                return err;
        if (pr.n == 0) /* the head moved back? rescan next time */
                return ERR_STORE_CORRUPT;
        for (size_t i = 0; i < pr.n; i++) {
                struct sync_compact c;
                if ((err = entry_parse(
                         slice_make(pr.bytes.data + pr.offs[i], pr.lens[i]),
                         &e)))
                        return err;
                if (i == 0) {
                        /* The first run of a feed in a session (and after
                         * a HEAD) names what it chains to (SYNC.md §5.3). */
                        bool named = f->prev_due && e.h.has_prev;
                        wire_sync_entries(out, f->out_index - 1, e.h.seq,
                                          e.h.timestamp_ms,
                                          named ? e.h.prev : NULL, pr.n);
                        f->prev_due = false;
                        prev_ts = e.h.timestamp_ms;
                }
                memset(&c, 0, sizeof(c));
                c.ts_delta = (int64_t)(e.h.timestamp_ms - prev_ts);
                prev_ts = e.h.timestamp_ms;
                c.kind = e.h.kind;
                c.has_body = e.env.has_body;
                c.body = e.env.body;
                c.sig = e.env.sig;
                c.body_len = e.h.body_len;
                memcpy(c.body_hash, e.h.body_hash, ENTRY_HASH_BYTES);
                wire_sync_compact(out, &c);
        }
        inflight_push(s, f, out->len - before, f->sent + pr.n);
        f->sent += pr.n;
        s->stats.entries_out += pr.n;
        s->stats.msgs_out++;
        return 0;
}

/*
 * How far this node offers f (replica_offer_limit), asked once per rescan:
 * it never pushes what it would refuse itself (a revoked author past its
 * cutoff, an author whose key is in conflict), which the peer would
 * refuse, closing the link, at every session. False: nothing to push.
 */
static int
offer_cap(struct sync_session *s, struct feed_state *f, struct store_txn *t,
          bool *any)
{
        int err;

        if (!f->capped) {
                if ((err = replica_offer_limit(s->r, t, &f->info, &f->cap_seq)))
                        return err;
                f->capped = true;
        }
        *any = f->sent < f->cap_seq;
        return 0;
}

static void
push_feed(struct sync_session *s, struct feed_state *f, struct buf *out)
{
        if (f->out_index)
                return;
        s->out_feeds =
            xrealloc(s->out_feeds, (s->out_n + 1) * sizeof(*s->out_feeds));
        s->out_feeds[s->out_n] = f;
        f->out_index = ++s->out_n;
        f->prev_due = true;
        wire_sync_feed(out, f->out_index - 1, f->info.author,
                       f->info.author_region, &f->info.audience,
                       f->info.channel);
}

static int push_forks(struct sync_session *s, struct store_txn *t,
                      struct buf *out);
static int answer_bodies(struct sync_session *s, struct store_txn *t,
                         struct buf *out, size_t start);
static int want_bodies(struct sync_session *s, struct store_txn *t,
                       struct buf *out);

int
sync_pump(struct sync_session *s, struct buf *out)
{
        struct store_txn *t;
        struct feed_state *f;
        size_t start = out->len;
        bool any;
        int err = 0;

        if (!s->hello_accepted)
                return 0;
        if ((err = store_begin(s->r->store, false, &t)))
                return err;
        if (s->rescan && (err = rescan(s, t)))
                goto out;
        if (s->forks_dirty && (err = push_forks(s, t, out)))
                goto out;
        if ((err = answer_bodies(s, t, out, start)) ||
            (err = want_bodies(s, t, out)))
                goto out;
        while (s->window < SYNC_WINDOW_BYTES &&
               out->len - start < FRAME_TARGET_BYTES) {
                if (!(f = next_pending(s))) {
                        if (!s->stats.synced_sent) {
                                wire_sync_simple(out, SYNC_SYNCED);
                                s->stats.synced_sent = true;
                        }
                        break;
                }
                if ((err = offer_cap(s, f, t, &any)))
                        break;
                if (!any)
                        continue; /* next_pending skips it now */
                push_feed(s, f, out);
                if ((err = push_entries(s, f, t, out))) {
                        s->rescan = true;
                        break;
                }
                s->stats.synced_sent = false;
        }
out:
        store_abort(t);
        return err;
}

/* ---- fork proofs (SYNC.md §5.1) ------------------------------------------ */

struct fork_push {
        struct sync_session *s;
        struct store_txn *t;
        struct buf *out;
        struct buf held;
        int err;
};

static bool
fork_was_sent(const struct sync_session *s, const uint8_t *key)
{
        for (size_t o = 0; o < s->forks_sent.len; o += ENTRY_HASH_BYTES + 8)
                if (!memcmp(s->forks_sent.data + o, key, ENTRY_HASH_BYTES + 8))
                        return true;
        return false;
}

/* One stored proof: sent once per session, if its feed is in the universe
 * and the entry it conflicts with (same seq) is held. */
static int
fork_push_one(void *ctx, const uint8_t feed[ENTRY_HASH_BYTES], uint64_t seq,
              struct slice bytes)
{
        struct fork_push *fp = ctx;
        struct feed_state *f = feedmap_get(&fp->s->feeds, feed);
        struct buf key = BUF_INIT;
        bool sent;

        if (!f || !f->local)
                return 0;
        pair_put(&key, feed, seq);
        sent = fork_was_sent(fp->s, key.data);
        if (!sent && !store_get(fp->t, feed, seq, &fp->held)) {
                wire_sync_fork_proof(fp->out, buf_slice(&fp->held), bytes);
                buf_add(&fp->s->forks_sent, key.data, key.len);
                fp->s->stats.forks_out++;
        }
        buf_release(&key);
        return 0;
}

/* Before any entries: every proof for a feed of the universe. */
static int
push_forks(struct sync_session *s, struct store_txn *t, struct buf *out)
{
        struct fork_push fp = {s, t, out, BUF_INIT, 0};
        int err = store_forks(t, fork_push_one, &fp);

        buf_release(&fp.held);
        if (!err)
                s->forks_dirty = false;
        return err;
}

/* Is this feed frozen here already? */
static int
feed_frozen(struct sync_session *s, const uint8_t feed[ENTRY_HASH_BYTES],
            bool *frozen)
{
        struct store_txn *t = NULL;
        struct feed_info fi;
        int err;

        *frozen = false;
        if ((err = store_begin(s->r->store, false, &t)))
                return err;
        err = store_feed_get(t, feed, &fi);
        store_abort(t);
        if (err == ERR_NOT_FOUND)
                return 0;
        *frozen = !err && (fi.flags & FEED_FROZEN);
        return err;
}

/* A result of storing one entry of a proof that keeps the link up. */
static bool
fork_result_ok(int res)
{
        return res == 0 || res == ERR_FORK || res == ERR_FROZEN ||
               res == ERR_GAP;
}

/*
 * FORK_PROOF: two entries of one feed of the universe at one seq with
 * different ids. Each is checked as any received entry (signature, author,
 * rules) by storing both: the second one held is a fork, which stores the
 * proof and freezes the feed. A node that lacks the feed up to seq - 1
 * keeps nothing (ERR_GAP) and learns the proof when it catches up.
 */
static int
on_fork_proof(struct sync_session *s, const struct sync_msg *m,
              const char **why)
{
        struct slice two[2] = {m->fork_a, m->fork_b};
        struct entry a, b;
        struct ingest_stats st;
        int res[2] = {0, 0}, err;
        bool frozen;

        if (entry_parse(m->fork_a, &a) || entry_parse(m->fork_b, &b) ||
            memcmp(a.feed, b.feed, ENTRY_HASH_BYTES) || a.h.seq != b.h.seq ||
            !memcmp(a.id, b.id, ENTRY_HASH_BYTES) ||
            !in_universe(s, &a.h.audience))
                return ERR_PROTOCOL;
        /* The peer holds this proof: never send it back. */
        buf_reset(&s->scratch);
        pair_put(&s->scratch, a.feed, a.h.seq);
        if (!fork_was_sent(s, s->scratch.data))
                buf_add(&s->forks_sent, s->scratch.data, s->scratch.len);
        if ((err = feed_frozen(s, a.feed, &frozen)) || frozen)
                return err; /* held already: nothing to do, nothing to log */
        if ((err = replica_ingest(s->r, two, 2, "a fork proof", res, &st)))
                return err;
        for (int i = 0; i < 2; i++)
                if (!fork_result_ok(res[i])) {
                        *why = err_id(res[i]);
                        return res[i];
                }
        if (res[0] == ERR_FORK || res[1] == ERR_FORK) {
                s->stats.forks_in++;
                s->forks_dirty = true;
        }
        return 0;
}

/* ---- bodies of pruned entries (SYNC.md §5.3) ----------------------------- */

static void
item_pop(struct sync_vec_item *q, size_t *n)
{
        memmove(q, q + 1, (*n - 1) * sizeof(*q));
        (*n)--;
}

/* Is (feed, seq) asked and unanswered already? */
static bool
asked_already(const struct sync_session *s, const uint8_t *feed, uint64_t seq)
{
        for (size_t i = 0; i < s->asked_n; i++)
                if (s->asked[i].seq == seq &&
                    !memcmp(s->asked[i].feed, feed, ENTRY_HASH_BYTES))
                        return true;
        return false;
}

/* The peer's BODY_WANTs, answered in order within the frame target: the
 * body when held, in the universe, else nil. */
static int
answer_bodies(struct sync_session *s, struct store_txn *t, struct buf *out,
              size_t start)
{
        struct envelope env;
        int err;

        while (s->to_answer_n && out->len - start < FRAME_TARGET_BYTES) {
                const struct sync_vec_item *w = &s->to_answer[0];
                struct feed_state *f = feedmap_get(&s->feeds, w->feed);
                bool has = false;

                if (f && f->local) {
                        err = store_get(t, w->feed, w->seq, &s->scratch);
                        if (err && err != ERR_NOT_FOUND)
                                return err;
                        has = !err &&
                              !wire_envelope_decode(buf_slice(&s->scratch),
                                                    &env) &&
                              env.has_body;
                }
                wire_sync_body(out, w->feed, w->seq, has,
                               has ? env.body : slice_make(NULL, 0));
                s->stats.bodies_out += has;
                item_pop(s->to_answer, &s->to_answer_n);
        }
        return 0;
}

struct want_walk {
        struct sync_session *s;
        size_t seen, n;
};

static int
want_one(void *ctx, const uint8_t feed[ENTRY_HASH_BYTES], uint64_t seq)
{
        struct want_walk *w = ctx;
        struct sync_session *s = w->s;
        struct feed_state *f;

        if (++w->seen > SYNC_WANT_SCAN_MAX)
                return 1; /* enough for one pump: on from here next time */
        memcpy(s->want_at.feed, feed, ENTRY_HASH_BYTES);
        s->want_at.seq = seq;
        s->want_started = true;
        f = feedmap_get(&s->feeds, feed);
        if (!f || !f->local || asked_already(s, feed, seq))
                return 0; /* not in this link's universe, or asked */
        memcpy(s->asked[s->asked_n].feed, feed, ENTRY_HASH_BYTES);
        s->asked[s->asked_n++].seq = seq;
        w->n++;
        return s->asked_n == SYNC_BODIES_OUT || w->n == SYNC_BODY_WANT_MAX;
}

/*
 * Asks the peer for the bodies this node wants, walking them once per
 * session, and again whenever more became wanted since the walk began
 * (replica_bodies_gen moved): the peer may hold any of them.
 */
static int
want_bodies(struct sync_session *s, struct store_txn *t, struct buf *out)
{
        struct want_walk w = {s, 0, 0};
        uint64_t gen;
        int rc;

        if (s->asked_n >= SYNC_BODIES_OUT)
                return 0;
        if ((rc = replica_bodies_gen(t, &gen)))
                return rc;
        if (s->want_done && gen == s->want_gen)
                return 0;
        if (s->want_done || !s->want_started) {
                s->want_done = s->want_started = false;
                s->want_gen = gen;
        }
        rc = replica_bodies_wanted(t, s->want_started ? s->want_at.feed : NULL,
                                   s->want_at.seq, want_one, &w);
        if (rc < 0)
                return rc;
        s->want_done = rc == 0;
        if (w.n)
                wire_sync_body_want(out, &s->asked[s->asked_n - w.n], w.n);
        return 0;
}

static int
on_body_want(struct sync_session *s, const struct sync_msg *m)
{
        if (m->wants_n > SYNC_BODIES_OUT - s->to_answer_n)
                return ERR_PROTOCOL; /* more unanswered than allowed */
        memcpy(&s->to_answer[s->to_answer_n], m->wants,
               m->wants_n * sizeof(*m->wants));
        s->to_answer_n += m->wants_n;
        return 0;
}

/*
 * The answer to the oldest body asked. A body that is not the signed one
 * refuses the peer (ENTRY-BODY-HASH, the link closes); one that the
 * author signed against the rules is logged and dropped by the replica,
 * and the link stays.
 */
static int
on_body(struct sync_session *s, const struct sync_msg *m, const char **why)
{
        char key[2 * ENTRY_KEY_BYTES + 1], source[32];
        bool filled;
        int err;

        if (!s->asked_n || s->asked[0].seq != m->seq ||
            memcmp(s->asked[0].feed, m->feed, ENTRY_HASH_BYTES))
                return ERR_PROTOCOL; /* not asked, or out of order */
        item_pop(s->asked, &s->asked_n);
        if (!m->has_body)
                return 0; /* the peer lacks it too */
        id_hex(key, s->peer);
        snprintf(source, sizeof(source), "peer %.16s", key);
        err =
            replica_fill_body(s->r, m->feed, m->seq, m->body, source, &filled);
        s->stats.bodies_in += filled;
        if (err == ERR_BODY_HASH) {
                *why = err_id(err);
                return err;
        }
        if (err == ERR_BODY || err == ERR_KIM_BODY || err == ERR_KIM_AUDIENCE ||
            err == ERR_KIM_ROLE)
                return 0; /* logged; not asked for again */
        return err;
}

/* ---- dispatch --------------------------------------------------------------
 */

static int
on_message(struct sync_session *s, const struct sync_msg *m, struct buf *out,
           const char **why)
{
        /* A FEED is followed at once by ENTRIES of that feed (SYNC.md §5):
         * a feed introduced for nothing would cost memory for nothing. */
        if (s->feed_open &&
            (m->type != SYNC_ENTRIES || m->index != s->in_n - 1))
                return ERR_PROTOCOL;
        s->feed_open = false;
        switch (m->type) {
        case SYNC_FORK_PROOF:
                return on_fork_proof(s, m, why);
        case SYNC_BODY_WANT:
                return on_body_want(s, m);
        case SYNC_BODY:
                return on_body(s, m, why);
        case SYNC_HELLO:
                return on_hello(s, m, out);
        case SYNC_HELLO_OK:
                return on_hello_ok(s, m);
        case SYNC_NEED_FULL:
                return on_need_full(s, out);
        case SYNC_FEED:
                return on_feed(s, m);
        case SYNC_ENTRIES:
                return on_entries(s, m, out);
        case SYNC_ACK:
                if (m->frames > s->msgs_out)
                        return ERR_PROTOCOL;
                return on_ack(s, m->frames);
        case SYNC_HEAD:
                return on_head(s, m);
        case SYNC_SYNCED:
                on_synced(s);
                return 0;
        case SYNC_PING:
                wire_sync_simple(out, SYNC_PONG);
                return 0;
        case SYNC_PONG:
                return 0;
        default:
                return ERR_PROTOCOL; /* CERT_* belong before the session */
        }
}

int
sync_receive(struct sync_session *s, struct slice frame, struct buf *out,
             const char **why)
{
        struct sync_msg m;
        int rc, err = 0;

        *why = NULL;
        sync_decoder_frame(&s->dec, frame);
        while ((rc = sync_decoder_next(&s->dec, &m)) == 1) {
                s->stats.msgs_in++;
                if (m.type == SYNC_ERROR) {
                        memcpy(s->stats.peer_error, m.error_id,
                               sizeof(s->stats.peer_error));
                        log_warn("LINK-PEER-ERROR",
                                 "peer closed the link after its error %s",
                                 m.error_id);
                        return ERR_PEER_ERROR; /* logged; *why stays NULL */
                }
                log_debug("SYNC-MSG", "received type %d (index %u, seq %llu)",
                          (int)m.type, m.index, (unsigned long long)m.seq);
                if ((err = on_message(s, &m, out, why)))
                        break;
        }
        if (rc < 0)
                err = rc;
        if (err) {
                if (!*why)
                        *why = err_id(err);
                return err;
        }
        ack_if_idle(s, out);
        return 0;
}
