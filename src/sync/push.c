/* push: what this side sends of its feeds, within the window; ACK and
 * HEAD from the peer (proto/SYNC.md §5). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sync_int.h"

/* ---- pushing ------------------------------------------------------------- */

/*
 * The peer made these durable: remember it across sessions too, so the
 * next HELLO need not list these feeds (SYNC.md §4), with the caller's
 * next commit.
 */
int
sync__on_ack(struct sync_session *s, uint64_t frames)
{
        while (s->if_n > 0) {
                struct inflight *in = &s->inflight[s->if_head];
                if (in->msg_no > frames)
                        break;
                if (in->generation == in->f->generation &&
                    in->f->known < in->last_seq) {
                        in->f->known = in->last_seq;
                        sync__known_put(s, in->f->id, in->last_seq);
                }
                s->window -= in->bytes;
                in->f->inflight_n--;
                s->if_head = (s->if_head + 1) % s->if_cap;
                s->if_n--;
        }
        return 0;
}

int
sync__on_head(struct sync_session *s, const struct sync_msg *m)
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
        sync__pending(s, f);
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

void
sync__pending(struct sync_session *s, const struct feed_state *f)
{
        if (f->local && f->pos < s->pending_from)
                s->pending_from = f->pos;
}

/*
 * The first feed in push order with something to push. The feeds before
 * pending_from have nothing (each change that gives one something lowers
 * it: sync__pending), so a new entry costs a link a look at the feeds
 * from its own, not at every feed of a kabupaten's universe.
 */
static struct feed_state *
next_pending(struct sync_session *s)
{
        for (size_t i = s->pending_from; i < s->order_n; i++) {
                struct feed_state *f = s->order[i];
                if (!f->frozen_at_peer && f->info.head_seq > f->sent &&
                    !(f->capped && f->sent >= f->cap_seq)) {
                        s->pending_from = i;
                        return f;
                }
        }
        s->pending_from = s->order_n;
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

/*
 * Nothing to send that needs the store: no rescan asked (sync_changed
 * follows every commit), no fork proof, no body to answer or to ask for,
 * no feed with entries to push, no HELD to pass on, SYNCED sent, no blob
 * work. An idle link's keepalives then read nothing: even a read
 * transaction writes its reader slot in lock.mdb, a page the kernel writes
 * back to the SD card.
 */
static bool
pump_idle(struct sync_session *s)
{
        return !s->rescan && !s->forks_dirty && !s->held_dirty &&
               !s->to_answer_n && s->want_done && s->stats.synced_sent &&
               !next_pending(s) && sync__blobs_idle(s);
}

int
sync_pump(struct sync_session *s, bool *more)
{
        struct buf *out = &s->tx;
        struct store_txn *t;
        struct feed_state *f;
        size_t start = out->len;
        bool any, chunk = false;
        int err = 0;

        *more = false;
        if (!s->hello_accepted || sync__waiting(s) || pump_idle(s))
                return 0;
        if ((err = store_begin(s->r->store, false, &t)))
                return err;
        if (s->rescan && (err = sync__rescan(s, t)))
                goto out;
        if (s->forks_dirty && (err = sync__push_forks(s, t, out)))
                goto out;
        if ((err = sync__held_push(s, t, out)))
                goto out;
        if ((err = sync__answer_bodies(s, t, out, start)) ||
            (err = sync__want_bodies(s, t, out)))
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
        /* Attachments are bulk: answered only when no entry waits, and
         * interleaved with entries at chunk boundaries (BLOBS.md §6). */
        if (!err)
                err = sync__blobs_pump(s, t, out, start, !next_pending(s),
                                       &chunk);
out:
        store_abort(t);
        *more = out->len > start;
        if (chunk)
                sync__cut(s); /* a chunk ends its frame (BLOBS.md §6) */
        else
                sync__out_done(s);
        return err;
}
