/* session: one link's sync protocol (proto/SYNC.md), see sync.h:
 * lifecycle and the dispatch of received messages. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sync_int.h"

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

void
sync__rx_free(struct rx_batch *b)
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
                sync__rx_free(s->rx[i]);
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
        case SYNC_HELLO:
                return sync__on_hello(s, m, out);
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
        sync__ack_if_idle(s, out);
        return 0;
}
