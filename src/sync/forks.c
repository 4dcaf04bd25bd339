/* forks: fork proofs, sent and received (proto/SYNC.md §5.1). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sync_int.h"

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
        sync__pair_put(&key, feed, seq);
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
int
sync__push_forks(struct sync_session *s, struct store_txn *t, struct buf *out)
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
int
sync__on_fork_proof(struct sync_session *s, const struct sync_msg *m,
                    const char **why)
{
        struct sync_op *op;
        struct entry a, b;
        int err;
        bool frozen;

        (void)why;

        if (entry_parse(m->fork_a, &a) || entry_parse(m->fork_b, &b) ||
            memcmp(a.feed, b.feed, ENTRY_HASH_BYTES) || a.h.seq != b.h.seq ||
            !memcmp(a.id, b.id, ENTRY_HASH_BYTES) ||
            !sync__in_universe(s, &a.h.audience))
                return ERR_PROTOCOL;
        /* The peer holds this proof: never send it back. */
        buf_reset(&s->scratch);
        sync__pair_put(&s->scratch, a.feed, a.h.seq);
        if (!fork_was_sent(s, s->scratch.data))
                buf_add(&s->forks_sent, s->scratch.data, s->scratch.len);
        if ((err = feed_frozen(s, a.feed, &frozen)) || frozen)
                return err; /* held already: nothing to do, nothing to log */
        /* Stored by the caller (replica_ingest); we wait for it. */
        op = sync__op_start(s, SYNC_OP_PROOF, "a fork proof");
        buf_add(&s->op_data, m->fork_a.ptr, m->fork_a.len);
        buf_add(&s->op_data, m->fork_b.ptr, m->fork_b.len);
        op->entries[0] = slice_make(s->op_data.data, m->fork_a.len);
        op->entries[1] =
            slice_make(s->op_data.data + m->fork_a.len, m->fork_b.len);
        return 0;
}

/* The proof stored: a refused entry closes the link, a fork spreads. */
int
sync__proof_done(struct sync_session *s, const struct sync_op *op,
                 const char **why)
{
        if (op->err) {
                *why = err_id(op->err);
                return op->err;
        }
        for (int i = 0; i < 2; i++)
                if (!fork_result_ok(op->results[i])) {
                        *why = err_id(op->results[i]);
                        return op->results[i];
                }
        if (op->results[0] == ERR_FORK || op->results[1] == ERR_FORK) {
                s->stats.forks_in++;
                s->forks_dirty = true;
        }
        return 0;
}
