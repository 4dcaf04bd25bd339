/* hello: the universe of a link and its vectors: HELLO, HELLO_OK,
 * NEED_FULL (proto/SYNC.md §4). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sync_int.h"

/* ---- the universe and the push order ------------------------------------ */

bool
sync__in_universe(const struct sync_session *s, const struct audience *a)
{
        return sync_in_universe(s->r->region, s->peer_region, a);
}

/*
 * The push order (SYNC.md §5): by channel, then feed id, except that the
 * network root's system feed goes first: the delegated issuers' system
 * feeds, also on channel 0, hold certificates that only certificates in
 * the root's feed make valid, and a receiver refuses them
 * (ENTRY-UNKNOWN-AUTHOR) unless the root's were committed first.
 */
static bool
is_root_system(const struct sync_session *s, const struct feed_info *f)
{
        return s->r->has_network && f->channel == 0 &&
               !memcmp(f->author, s->r->network.desc.root_pk, ENTRY_KEY_BYTES);
}

static int
cmp_order(const void *a, const void *b)
{
        const struct feed_state *x = *(struct feed_state *const *)a;
        const struct feed_state *y = *(struct feed_state *const *)b;

        if (x->root_system != y->root_system)
                return x->root_system ? -1 : 1;
        if (x->info.channel != y->info.channel)
                return x->info.channel - y->info.channel;
        return memcmp(x->id, y->id, ENTRY_HASH_BYTES);
}

struct rescan_ctx {
        struct sync_session *s;
        size_t cap;
        bool added; /* feeds new to the order: sort it again */
};

static int
rescan_feed(void *ctx, const struct feed_info *f)
{
        struct rescan_ctx *rc = ctx;
        struct sync_session *s = rc->s;
        struct feed_state *fs;

        if (!sync__in_universe(s, &f->audience))
                return 0;
        fs = feedmap_put(&s->feeds, f->id);
        fs->info = *f;
        if (fs->local) {
                sync__pending(s, fs); /* its head moved */
                return 0;
        }
        fs->local = true;
        fs->root_system = is_root_system(s, f);
        if (s->order_n == rc->cap) {
                rc->cap = rc->cap ? 2 * rc->cap : 64;
                s->order = xrealloc(s->order, rc->cap * sizeof(*s->order));
        }
        fs->pos = s->order_n;
        s->order[s->order_n++] = fs;
        rc->added = true;
        return 0;
}

/*
 * Brings the push order up to the store: the first time every feed of the
 * universe, then only the feeds changed since the version scanned last
 * (store_feeds_changed: the store's change index), so a new entry costs
 * a link a seek, not a walk over every feed of a kabupaten.
 */
int
sync__rescan(struct sync_session *s, struct store_txn *t)
{
        struct rescan_ctx rc = {s, s->order_cap, false};
        uint64_t version;
        int err;

        if ((err = store_version(t, &version)))
                return err;
        if (!s->scanned_once)
                err = store_feeds(t, rescan_feed, &rc);
        else if (version != s->scanned)
                err = store_feeds_changed(t, s->scanned, rescan_feed, &rc);
        s->order_cap = rc.cap;
        if (err)
                return err;
        if (rc.added && s->order_n > 1)
                qsort(s->order, s->order_n, sizeof(*s->order), cmp_order);
        /* Trust may have changed (a certificate, a revocation): ask
         * again what this node offers of each feed; a feed held back may
         * be pending again. */
        for (size_t i = 0; i < s->order_n; i++) {
                struct feed_state *f = s->order[i];
                f->pos = i;
                if (f->capped && f->cap_seq < f->info.head_seq)
                        sync__pending(s, f);
                f->capped = false;
        }
        if (rc.added)
                s->pending_from = 0; /* the order moved */
        s->scanned = version;
        s->scanned_once = true;
        s->rescan = false;
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

void
sync__pair_put(struct buf *b, const uint8_t id[ENTRY_HASH_BYTES], uint64_t seq)
{
        buf_add(b, id, ENTRY_HASH_BYTES);
        buf_add_be64(b, seq);
}

/*
 * Fills delta with what a HELLO with this base names (SYNC.md §4) and
 * s->scratch with the (id, head) pairs of the digest; returns how many it
 * names.
 */
static size_t
hello_delta(struct sync_session *s, uint64_t base, struct sync_vec_item *delta)
{
        size_t nd = 0;

        buf_reset(&s->scratch);
        for (size_t i = 0; i < s->order_n; i++) {
                const struct feed_info *f = &s->order[i]->info;
                sync__pair_put(&s->scratch, f->id, f->head_seq);
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
        return nd;
}

static int
cmp_item(const void *a, const void *b)
{
        return memcmp(((const struct sync_vec_item *)a)->feed,
                      ((const struct sync_vec_item *)b)->feed,
                      ENTRY_HASH_BYTES);
}

/* The next part of our vector, in a frame of its own: a HELLO_PART, or
 * the HELLO with the last part. */
static void
hello_part_send(struct sync_session *s)
{
        size_t at = s->parts_out_at, n = s->parts_out_n - at;
        uint8_t instance[STORE_INSTANCE_BYTES];

        sync__cut(s);
        if (n > s->parts_out_per) {
                wire_sync_hello_part(&s->tx, s->parts_out + at,
                                     s->parts_out_per);
                s->parts_out_at += s->parts_out_per;
        } else {
                store_instance(s->r->store, instance);
                wire_sync_hello(&s->tx, instance, s->my_hello_version, 0,
                                s->parts_out_digest, s->parts_out + at, n);
                free(s->parts_out);
                s->parts_out = NULL;
                s->parts_out_n = s->parts_out_at = 0;
        }
        sync__cut(s);
}

/*
 * The full vector in parts (SYNC.md §4.2), in ascending feed id order:
 * HELLO_PARTs, then the HELLO with the last part, each once the peer
 * answered the one before. Only ever the answer to the peer's NEED_FULL.
 * Takes delta.
 */
static int
hello_parts(struct sync_session *s, const uint8_t *digest,
            struct sync_vec_item *delta, size_t nd, size_t per)
{
        size_t parts = (nd + per - 1) / per;

        if (parts > SYNC_HELLO_PARTS_MAX + 1U) {
                log_error("SYNC-TOO-MANY-FEEDS",
                          "the link's universe holds %zu feeds, more than a "
                          "HELLO in %u parts names",
                          nd, SYNC_HELLO_PARTS_MAX + 1U);
                free(delta);
                return ERR_TOO_BIG;
        }
        qsort(delta, nd, sizeof(*delta), cmp_item);
        free(s->parts_out);
        s->parts_out = delta;
        s->parts_out_n = nd;
        s->parts_out_at = 0;
        s->parts_out_per = (nd + parts - 1) / parts; /* of even size */
        memcpy(s->parts_out_digest, digest, SYNC_DIGEST_BYTES);
        hello_part_send(s);
        return 0;
}

/* The peer took our last HELLO_PART: the next part. */
int
sync__on_hello_part_ok(struct sync_session *s)
{
        if (!s->parts_out || s->parts_out_at == 0)
                return ERR_PROTOCOL;
        hello_part_send(s);
        return 0;
}

int
sync__hello(struct sync_session *s, struct buf *out)
{
        struct sync_vec_item *delta = NULL;
        struct store_txn *t;
        uint8_t instance[STORE_INSTANCE_BYTES], digest[SYNC_DIGEST_BYTES];
        size_t per = s->cfg.hello_part_items ? s->cfg.hello_part_items
                                             : SYNC_HELLO_PART_ITEMS;
        uint64_t base;
        size_t nd;
        bool parted = false;
        int err;

        if ((err = store_begin(s->r->store, false, &t)))
                return err;
        if ((err = load_peer(s, t)) || (err = sync__rescan(s, t)) ||
            (err = store_version(t, &s->my_hello_version)))
                goto out;
        /* One more than the store version, so never 0 (0 is "no base"):
         * the peer confirms it, and changes at or after it are new. */
        s->my_hello_version++;
        base = s->has_rec ? s->rec.acked : 0;
        delta = xcalloc(s->order_n + 1, sizeof(*delta));
        nd = hello_delta(s, base, delta);
        if (nd > per && !s->full_asked) {
                /* More than a frame: a probe (a base, no delta) that the
                 * peer checks against the digest alone; its NEED_FULL asks
                 * for the vector in parts (SYNC.md §4.2). */
                base = base ? base : s->my_hello_version;
                nd = 0;
        }
        parted = nd > per;
        digest_pairs(s->scratch.data, s->order_n, digest);
        log_debug("SYNC-HELLO",
                  "hello: version %llu, base %llu, %zu of %zu "
                  "feeds in the delta",
                  (unsigned long long)s->my_hello_version,
                  (unsigned long long)base, nd, s->order_n);
        store_instance(s->r->store, instance);
        if (parted) {
                err = hello_parts(s, digest, delta, nd, per);
                delta = NULL; /* taken */
        } else {
                wire_sync_hello(out, instance, s->my_hello_version, base,
                                digest, delta, nd);
        }
        s->hello_out = !err;
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
                sync__pair_put(ctx, f->id, f->known);
}

static void
forget_known(void *ctx, struct feed_state *f)
{
        (void)ctx;
        f->known = f->sent = 0;
}

/*
 * Records the peer's instance and, for the feeds this node holds, the
 * delta (SYNC.md §4): what it does not hold is never stored, so the rows
 * kept per peer are bounded by this node's own feeds. The caller commits
 * it; the HELLO_OK waits for that (sync_writes_done).
 */
static void
known_record(void *ctx, struct feed_state *f)
{
        if (f->local && f->known > 0)
                sync__known_put(ctx, f->id, f->known);
}

static void
hello_record(struct sync_session *s, const struct sync_msg *m, bool parted)
{
        s->rec.has_instance = true;
        memcpy(s->rec.instance, m->instance, STORE_INSTANCE_BYTES);
        sync__rec_changed(s);
        if (m->base == 0)
                sync__known_clear(s);
        if (parted) /* the parts' known[] of our feeds, all of them */
                feedmap_each(&s->feeds, known_record, s);
        for (size_t i = 0; i < m->delta_n && !parted; i++) {
                struct feed_state *f = feedmap_get(&s->feeds, m->delta[i].feed);
                if (f && f->local)
                        sync__known_put(s, m->delta[i].feed, m->delta[i].seq);
        }
        sync__writes(s)->hello = true;
        s->has_rec = true;
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
hello_apply(struct sync_session *s, const struct sync_msg *m, bool keep_unheld)
{
        struct store_txn *t;
        struct feed_info fi;
        int err;

        if ((err = store_begin(s->r->store, false, &t)))
                return err;
        if (s->rescan && (err = sync__rescan(s, t)))
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
                        err = sync__in_universe(s, &fi.audience) ? 0
                                                                 : ERR_PROTOCOL;
                        if (!err) /* stored since the rescan */
                                feedmap_put(&s->feeds, d->feed)->known = d->seq;
                } else if (err == ERR_NOT_FOUND) {
                        err = 0;
                        if (d->seq > 0 && keep_unheld)
                                sync__pair_put(&s->unheld, d->feed, d->seq);
                }
        }
out:
        store_abort(t);
        return err;
}

/*
 * A part of the peer's full vector (SYNC.md §4.2): feed ids strictly
 * ascending across the parts, so each pair is hashed into the digest as
 * it comes and none is kept; the feeds this node holds are applied as a
 * HELLO's.
 */
static int
parts_take(struct sync_session *s, const struct sync_msg *m)
{
        uint8_t pair[ENTRY_HASH_BYTES + 8];

        for (size_t i = 0; i < m->delta_n; i++) {
                const struct sync_vec_item *d = &m->delta[i];
                if (s->parts_any &&
                    memcmp(d->feed, s->parts_last, ENTRY_HASH_BYTES) <= 0)
                        return ERR_PROTOCOL;
                memcpy(s->parts_last, d->feed, ENTRY_HASH_BYTES);
                s->parts_any = true;
                if (d->seq == 0)
                        continue;
                memcpy(pair, d->feed, ENTRY_HASH_BYTES);
                be64_put(pair + ENTRY_HASH_BYTES, d->seq);
                hash_add(s->parts_hash, slice_make(pair, sizeof(pair)));
        }
        return hello_apply(s, m, false);
}

/* HELLO_PART: only in answer to our NEED_FULL, at most
 * SYNC_HELLO_PARTS_MAX before its HELLO, each answered HELLO_PART_OK
 * (SYNC.md §4.2). */
int
sync__on_hello_part(struct sync_session *s, const struct sync_msg *m,
                    struct buf *out)
{
        int err;

        if (!s->hello_in_expected || !s->need_full_sent ||
            s->parts_in == SYNC_HELLO_PARTS_MAX)
                return ERR_PROTOCOL;
        if (s->parts_in++ == 0) {
                feedmap_each(&s->feeds, forget_known, NULL);
                buf_reset(&s->unheld);
                s->parts_hash = hash_begin();
                s->parts_any = false;
        }
        if ((err = parts_take(s, m)))
                return err;
        wire_sync_simple(out, SYNC_HELLO_PART_OK);
        return 0;
}

/* The HELLO that ends the parts: its digest is the parts' own. */
static int
hello_parts_end(struct sync_session *s, const struct sync_msg *m)
{
        uint8_t h[ENTRY_HASH_BYTES];
        int err;

        if (m->base != 0)
                return ERR_PROTOCOL;
        if ((err = parts_take(s, m)))
                return err;
        hash_end(s->parts_hash, h);
        s->parts_hash = NULL;
        s->parts_in = 0;
        if (memcmp(h, m->digest, SYNC_DIGEST_BYTES))
                return ERR_PROTOCOL;
        hello_record(s, m, true);
        return 0;
}

/*
 * HELLO (SYNC.md §4.1): once per session, and once more only as the
 * answer to our NEED_FULL, with base 0. Anything else is PROTO-VIOLATION,
 * so each costs the receiver one pass over the universe at most twice.
 */
int
sync__on_hello(struct sync_session *s, const struct sync_msg *m,
               struct buf *out)
{
        uint8_t digest[SYNC_DIGEST_BYTES];
        struct buf pairs = BUF_INIT;
        int err;

        if (!s->hello_in_expected || (s->need_full_sent && m->base != 0))
                return ERR_PROTOCOL;
        if (s->parts_in) {
                if ((err = hello_parts_end(s, m)))
                        return err;
                goto accepted;
        }
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
        if ((err = hello_apply(s, m, true)))
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
        hello_record(s, m, false);
accepted:
        s->hello_in_expected = false;
        s->hello_in_version = m->version;
        s->wait_record = true; /* sync__hello_accept once it is durable */
        return 0;
}

void
sync__hello_accept(struct sync_session *s)
{
        feedmap_each(&s->feeds, sent_from_known, NULL);
        s->pending_from = 0;
        s->hello_accepted = true;
        s->rescan = true;
        wire_sync_uint(&s->tx, SYNC_HELLO_OK, s->hello_in_version);
}

int
sync__on_hello_ok(struct sync_session *s, const struct sync_msg *m)
{
        if (!s->hello_out || m->version != s->my_hello_version)
                return ERR_PROTOCOL;
        s->hello_out = false;
        s->rec.acked = m->version;
        s->has_rec = true;
        sync__rec_changed(s); /* written with the caller's next commit */
        return 0;
}

/* NEED_FULL answers our HELLO with a base; a full one is never refused. */
int
sync__on_need_full(struct sync_session *s, struct buf *out)
{
        if (!s->hello_out || s->hello_out_base == 0)
                return ERR_PROTOCOL;
        /* Our record of what the peer has of us is gone: start over,
         * with the whole vector, in parts if it takes more than a frame. */
        s->rec.acked = 0;
        s->has_rec = false;
        s->full_asked = true;
        return sync__hello(s, out);
}
