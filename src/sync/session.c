/* session: one link's sync protocol (proto/SYNC.md), see sync.h: its
 * lifecycle, its frames in and out, and the dispatch of messages. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sync_int.h"

/* ---- lifecycle ----------------------------------------------------------- */

struct sync_session *
sync_session_new(const struct sync_config *cfg)
{
        struct sync_session *s = xcalloc(1, sizeof(*s));

        s->cfg = *cfg;
        s->r = cfg->r;
        feedmap_init(&s->feeds);
        sync_decoder_init(&s->dec);
        s->rescan = true;
        s->forks_dirty = true;
        s->held_dirty = true; /* pass on what is held above, once */
        s->hello_in_expected = true;
        s->bulk_left = UINT64_MAX;
        return s;
}

void
sync__rx_free(struct rx_batch *b)
{
        if (!b)
                return;
        buf_release(&b->data);
        free(b->offs);
        free(b->lens);
        free(b->index);
        free(b->ids);
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
                sync__rx_free(s->rx[i]);
        for (size_t i = 0; i < s->frames_cap; i++)
                buf_release(&s->frames[i]);
        feedmap_release(&s->feeds);
        sync_decoder_release(&s->dec);
        sync__blobs_free(s);
        buf_release(&s->scratch);
        buf_release(&s->unheld);
        buf_release(&s->held_sent);
        hash_free(s->parts_hash);
        free(s->parts_out);
        buf_release(&s->forks_sent);
        buf_release(&s->cert_in);
        buf_release(&s->held);
        buf_release(&s->tx);
        buf_release(&s->op_data);
        sync__writes_free(s->writes);
        free(s->frames);
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
sync__waiting(const struct sync_session *s)
{
        return s->wait_record || s->op_wait;
}

/* ---- store work the session waits for ------------------------------------ */

struct sync_op *
sync__op_start(struct sync_session *s, enum sync_op_kind kind,
               const char *source)
{
        struct sync_op *op = &s->op;

        memset(op, 0, sizeof(*op));
        op->kind = kind;
        snprintf(s->op_source, sizeof(s->op_source), "%s", source);
        op->source = s->op_source;
        buf_reset(&s->op_data);
        s->op_wait = true;
        s->op_taken = false;
        s->op_open = false;
        return op;
}

struct sync_op *
sync_take_op(struct sync_session *s)
{
        if (!s->op_wait || s->op_taken)
                return NULL;
        s->op_taken = true;
        s->op_open = false;
        return &s->op;
}

int
sync_op_done(struct sync_session *s, struct sync_op *op, const char **why)
{
        int err;

        *why = NULL;
        s->op_wait = false;
        err = op->kind == SYNC_OP_PROOF  ? sync__proof_done(s, op, why)
              : op->kind == SYNC_OP_BLOB ? sync__blob_done(s, op, why)
                                         : sync__body_done(s, op, why);
        buf_reset(&s->op_data);
        if (!err)
                err = sync__resume(s, why);
        sync__out_done(s);
        return err;
}

bool
sync_wants_input(const struct sync_session *s)
{
        return s->rx_n < SYNC_BATCHES_OUT + 1 && !s->cert_checking &&
               !sync__waiting(s);
}

void
sync_changed(struct sync_session *s)
{
        s->rescan = true;
        s->forks_dirty = true;
        sync__blobs_changed(s);
}

/* ---- frames out ------------------------------------------------------------
 *
 * A ring of frames (struct buf each, kept for reuse): the one being built
 * is s->tx, swapped in when it ends.
 */

void
sync__cut(struct sync_session *s)
{
        struct buf *slot, spare;

        if (!s->tx.len)
                return;
        if (s->frames_n == s->frames_cap) {
                size_t cap = s->frames_cap ? 2 * s->frames_cap : 4;
                struct buf *q = xcalloc(cap, sizeof(*q));
                for (size_t i = 0; i < s->frames_cap; i++)
                        q[i] = s->frames[(s->frames_head + i) % s->frames_cap];
                free(s->frames);
                s->frames = q;
                s->frames_head = 0;
                s->frames_cap = cap;
        }
        slot = &s->frames[(s->frames_head + s->frames_n++) % s->frames_cap];
        spare = *slot; /* a sent frame's storage, for the next one */
        buf_reset(&spare);
        *slot = s->tx;
        s->tx = spare;
}

void
sync__out_done(struct sync_session *s)
{
        if (s->tx.len >= SYNC_FLUSH_BYTES)
                sync__cut(s);
}

/* While the session waits for the caller, the frame stays open: what
 * goes before and after the wait go out together, as if the work had
 * been synchronous (the HELLO and its HELLO_OK in one frame: SYNC.md
 * §7). */
void
sync_flush(struct sync_session *s)
{
        if (!sync__waiting(s))
                sync__cut(s);
}

bool
sync_next_frame(struct sync_session *s, struct slice *frame)
{
        struct buf *f;

        if (!s->frames_n)
                return false;
        f = &s->frames[s->frames_head];
        s->frames_head = (s->frames_head + 1) % s->frames_cap;
        s->frames_n--;
        *frame = buf_slice(f);
        return true;
}

void
sync_ping(struct sync_session *s)
{
        wire_sync_simple(&s->tx, SYNC_PING);
        sync_flush(s);
}

void
sync_send_error(struct sync_session *s, const char *id)
{
        wire_sync_error(&s->tx, id);
        sync__cut(s);
}

/* ---- frames in ---------------------------------------------------------- */

void
sync__hold(struct sync_session *s, struct slice frame)
{
        buf_add_be32(&s->held, (uint32_t)frame.len);
        buf_add(&s->held, frame.ptr, frame.len);
}

/* ---- the time (SYNC.md §6.1) --------------------------------------------- */

/* Only a child of this node's subtree may ask, once per link: a parent
 * never takes a time from below, and one request costs one answer. */
static int
on_time_request(struct sync_session *s, struct buf *out)
{
        const char *own = s->r->region;

        if (s->time_answered || !strcmp(s->peer_region, own) ||
            !region_covers(own, s->peer_region))
                return ERR_PROTOCOL;
        s->time_answered = true;
        wire_sync_uint(out, SYNC_TIME,
                       s->cfg.time_now ? s->cfg.time_now(s->cfg.time_arg) : 0);
        return 0;
}

void
sync_time_ask(struct sync_session *s)
{
        if (s->time_asked || !s->started)
                return;
        s->time_asked = true;
        wire_sync_simple(&s->tx, SYNC_TIME_REQUEST);
        sync_flush(s);
}

bool
sync_time_asked(const struct sync_session *s)
{
        return s->time_asked;
}

bool
sync_take_time(struct sync_session *s, uint64_t *ms)
{
        if (!s->time_got || s->time_taken)
                return false;
        s->time_taken = true;
        *ms = s->time_in;
        return true;
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
                return sync__on_fork_proof(s, m, why);
        case SYNC_BODY_WANT:
                return sync__on_body_want(s, m);
        case SYNC_BODY:
                return sync__on_body(s, m, why);
        case SYNC_BLOB_WANT:
        case SYNC_BLOB_LIST:
        case SYNC_BLOB_CHUNK:
        case SYNC_BLOB_NONE:
        case SYNC_BLOB_HAVE:
                return sync__on_blob(s, m, why);
        case SYNC_HELD:
                return sync__on_held(s, m);
        case SYNC_HELLO:
                return sync__on_hello(s, m, out);
        case SYNC_HELLO_PART:
                return sync__on_hello_part(s, m, out);
        case SYNC_HELLO_PART_OK:
                return sync__on_hello_part_ok(s);
        case SYNC_HELLO_OK:
                return sync__on_hello_ok(s, m);
        case SYNC_NEED_FULL:
                return sync__on_need_full(s, out);
        case SYNC_FEED:
                return sync__on_feed(s, m);
        case SYNC_ENTRIES:
                return sync__on_entries(s, m, out);
        case SYNC_ACK:
                if (m->frames > s->msgs_out)
                        return ERR_PROTOCOL;
                return sync__on_ack(s, m->frames);
        case SYNC_HEAD:
                return sync__on_head(s, m);
        case SYNC_SYNCED:
                sync__on_synced(s);
                return 0;
        case SYNC_PING:
                wire_sync_simple(out, SYNC_PONG);
                return 0;
        case SYNC_PONG:
                return 0;
        case SYNC_TIME_REQUEST:
                return on_time_request(s, out);
        case SYNC_TIME:
                if (!s->time_asked || s->time_got)
                        return ERR_PROTOCOL;
                s->time_got = true;
                s->time_in = m->time_ms;
                return 0;
        default:
                return ERR_PROTOCOL; /* CERT_* belong before the session */
        }
}

/*
 * Processes the messages of one frame from the start: 0 once done, 1 when
 * the session began to wait for the caller at s->dec.off (the rest is for
 * later), or an error. A CERT or CERT_REQUEST here (not alone in its
 * frame, or in the handshake payload) is PROTO-VIOLATION.
 */
static int
process(struct sync_session *s, struct slice frame, const char **why)
{
        struct sync_msg m;
        int rc = 0, err = 0;

        sync_decoder_frame(&s->dec, frame);
        while (!sync__waiting(s) || s->op_open) {
                size_t at = s->dec.off;

                if ((rc = sync_decoder_next(&s->dec, &m)) != 1)
                        break;
                if (s->op_open && !sync__blob_joins(s, &m)) {
                        /* The run of chunks ends: this one waits for it. */
                        s->dec.off = at;
                        s->op_open = false;
                        break;
                }
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
                if ((err = on_message(s, &m, &s->tx, why)))
                        break;
        }
        if (rc < 0)
                err = rc;
        if (err) {
                if (!*why)
                        *why = err_id(err);
                return err;
        }
        if (sync__waiting(s))
                return 1;
        sync__ack_if_idle(s, &s->tx);
        return 0;
}

int
sync__resume(struct sync_session *s, const char **why)
{
        int rc;

        while (s->started && (!sync__waiting(s) || s->op_open) &&
               s->held_off < s->held.len) {
                size_t at = s->held_off;
                uint32_t n = be32_get(s->held.data + at);

                s->held_off = at + 4 + n;
                rc = process(s, slice_make(s->held.data + at + 4, n), why);
                if (rc < 0)
                        return rc;
                if (rc == 1 && s->dec.off < n) {
                        /* The rest of it, as a held frame of its own (its
                         * length over bytes processed already). */
                        at += s->dec.off;
                        be32_put(s->held.data + at, n - (uint32_t)s->dec.off);
                        s->held_off = at;
                }
        }
        if (sync__waiting(s))
                return 0;
        if (s->held_off == s->held.len) {
                buf_reset(&s->held);
                s->held_off = 0;
        }
        sync__ack_if_idle(s, &s->tx);
        return 0;
}

int
sync_receive(struct sync_session *s, struct slice frame, const char **why)
{
        bool handled = false;
        int rc;

        *why = NULL;
        if ((rc = sync__cert_frame(s, frame, &handled, why)) || handled)
                return rc;
        if (!s->started) {
                /* Held until the peer is validated (SYNC.md §3). */
                if (s->held.len - s->held_off + frame.len > SYNC_STASH_BYTES) {
                        *why = err_id(ERR_PROTOCOL);
                        return ERR_PROTOCOL;
                }
                sync__hold(s, frame);
                return 0;
        }
        if (sync__waiting(s) || s->held_off < s->held.len) {
                sync__hold(s, frame); /* the caller read on: in order */
                return 0;
        }
        rc = process(s, frame, why);
        if (rc == 1) {
                if (s->dec.off < frame.len)
                        sync__hold(s, slice_make(frame.ptr + s->dec.off,
                                                 frame.len - s->dec.off));
                rc = 0;
        }
        sync__out_done(s);
        return rc;
}
