/* receive: FEED and ENTRIES from the peer, the batches they make and
 * their ACKs (proto/SYNC.md §5). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sync_int.h"

/* ---- receiving entries -------------------------------------------------- */

int
sync__on_feed(struct sync_session *s, const struct sync_msg *m)
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

/* The entries a batch takes before whole messages take it past them. */
static size_t
batch_limit(const struct sync_session *s)
{
        return s->cfg.batch_max && s->cfg.batch_max < SYNC_BATCH_ENTRIES
                   ? s->cfg.batch_max
                   : SYNC_BATCH_ENTRIES;
}

static struct rx_batch *
rx_filling(struct sync_session *s, size_t need)
{
        struct rx_batch *b = s->rx_n ? s->rx[s->rx_n - 1] : NULL;
        size_t max = batch_limit(s);

        /* A batch out with the caller, or a full one, takes no more. */
        if (!b || s->rx_taken == s->rx_n ||
            b->pub.n + need > REPLICA_BATCH_MAX ||
            (b->pub.n && b->pub.n + need > max)) {
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
                b->ids = xrealloc(b->ids, b->cap * ENTRY_HASH_BYTES);
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

/* Rebuilds one entry's envelope from its compact form (SYNC.md §5);
 * header: scratch space, kept from entry to entry. */
static int
rebuild(const struct in_feed *in, uint64_t seq, const uint8_t *prev,
        uint64_t ts, const struct sync_compact *c, struct buf *header,
        struct buf *out, uint8_t id[ENTRY_HASH_BYTES])
{
        struct entry_header h;
        struct envelope env;

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
        buf_reset(header);
        wire_header_encode(&h, header);
        hash_bytes(id, buf_slice(header));
        env.header = buf_slice(header);
        env.sig = c->sig;
        env.has_body = c->has_body;
        env.body = c->body;
        wire_envelope_encode(&env, out);
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

int
sync__on_entries(struct sync_session *s, const struct sync_msg *m,
                 struct buf *out)
{
        uint8_t prev[ENTRY_HASH_BYTES], id[ENTRY_HASH_BYTES];
        struct feed_state *f;
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
                rebuild(in, m->seq + i, prev, ts, c, &s->scratch, &b->data, id);
                b->lens[b->pub.n] = b->data.len - b->offs[b->pub.n];
                memcpy(b->ids + b->pub.n * ENTRY_HASH_BYTES, id,
                       ENTRY_HASH_BYTES);
                b->index[b->pub.n++] = m->index;
                memcpy(prev, id, ENTRY_HASH_BYTES);
        }
        if (m->seq + m->entries_n - 1 > in->last_seq) {
                in->last_seq = m->seq + m->entries_n - 1;
                memcpy(in->last_id, id, ENTRY_HASH_BYTES);
        }
        /* The peer holds what it sends: never push it back. Said now, not
         * when its batch is done: a rescan between a batch's commit and
         * sync_batch_done found it in the store and pushed it back (8,905
         * of 100,000 entries, with three batches out). */
        f = feedmap_put(&s->feeds, in->desc.id);
        if (f->sent < m->seq + m->entries_n - 1)
                f->sent = m->seq + m->entries_n - 1;
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
        if (!flush && s->rx_taken + 1 == s->rx_n && b->pub.n < batch_limit(s))
                return NULL;
        b->pub.entries = xcalloc(b->pub.n, sizeof(*b->pub.entries));
        b->pub.es = xcalloc(b->pub.n, sizeof(*b->pub.es));
        b->pub.results = xcalloc(b->pub.n, sizeof(*b->pub.results));
        for (size_t i = 0; i < b->pub.n; i++)
                b->pub.entries[i] =
                    slice_make(b->data.data + b->offs[i], b->lens[i]);
        b->pub.ids = b->ids;
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
sync_batch_done(struct sync_session *s, struct sync_batch *pub,
                const char **why)
{
        struct rx_batch *b = container_of(pub, struct rx_batch, pub);
        struct buf *out = &s->tx;
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
        sync__rx_free(b);
        sync__out_done(s);
        return err;
}

/* Messages dropped with HEAD still count as done for ACK. */
void
sync__ack_if_idle(struct sync_session *s, struct buf *out)
{
        if (s->rx_n || s->msgs_in <= s->acked_in)
                return;
        s->acked_in = s->msgs_in;
        wire_sync_uint(out, SYNC_ACK, s->acked_in);
}

void
sync__on_synced(struct sync_session *s)
{
        if (!s->rx_n) {
                s->stats.caught_up = true;
                return;
        }
        s->synced_pending = true;
        s->synced_at = s->msgs_in;
}
