/* bodies: BODY_WANT and BODY for pruned entries (proto/SYNC.md §5.2). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sync_int.h"

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
int
sync__answer_bodies(struct sync_session *s, struct store_txn *t,
                    struct buf *out, size_t start)
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
int
sync__want_bodies(struct sync_session *s, struct store_txn *t, struct buf *out)
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

int
sync__on_body_want(struct sync_session *s, const struct sync_msg *m)
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
int
sync__on_body(struct sync_session *s, const struct sync_msg *m,
              const char **why)
{
        char key[2 * ENTRY_KEY_BYTES + 1], source[32];
        struct sync_op *op;

        (void)why;
        if (!s->asked_n || s->asked[0].seq != m->seq ||
            memcmp(s->asked[0].feed, m->feed, ENTRY_HASH_BYTES))
                return ERR_PROTOCOL; /* not asked, or out of order */
        item_pop(s->asked, &s->asked_n);
        if (!m->has_body)
                return 0; /* the peer lacks it too */
        id_hex(key, s->peer);
        snprintf(source, sizeof(source), "peer %.16s", key);
        /* Checked and stored by the caller (replica_fill_body); we wait. */
        op = sync__op_start(s, SYNC_OP_BODY, source);
        memcpy(op->feed, m->feed, ENTRY_HASH_BYTES);
        op->seq = m->seq;
        buf_add(&s->op_data, m->body.ptr, m->body.len);
        op->body = buf_slice(&s->op_data);
        return 0;
}

/* The body checked, and stored if it passed. */
int
sync__body_done(struct sync_session *s, const struct sync_op *op,
                const char **why)
{
        int err = op->err;

        s->stats.bodies_in += op->filled;
        if (err == ERR_BODY_HASH) {
                *why = err_id(err);
                return err;
        }
        if (err == ERR_BODY || err == ERR_KIM_BODY || err == ERR_KIM_AUDIENCE ||
            err == ERR_KIM_ROLE)
                return 0; /* logged; not asked for again */
        if (err)
                *why = err_id(err);
        return err;
}
