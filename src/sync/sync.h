/*
 * sync: the protocol of one link (proto/SYNC.md), as a state machine the
 * daemon drives. It does no network I/O, reads no clock and starts no
 * thread: it turns received frames into replies and batches to commit, and
 * produces the next frames to push. It reads the store (vectors, entries to
 * push) and writes per-peer records through replica/store on the calling
 * (loop) thread; entry checks and commits are done by the caller, off the
 * loop, between sync_take_batch() and sync_batch_done().
 *
 * Invariants:
 *   - nothing is pushed before the peer's HELLO was accepted (SYNC.md §4);
 *   - entries of a feed are pushed in ascending seq, from known + 1;
 *   - at most SYNC_WINDOW_BYTES of ENTRIES messages are unacknowledged;
 *   - ACK counts only ENTRIES messages whose entries are all durable;
 *   - at most SYNC_BATCHES_OUT batches are out with the caller, and they
 *     come back (sync_batch_done) in the order they were taken;
 *   - at most SYNC_BODIES_OUT bodies are asked for and unanswered, each
 *     direction, and answers come in the order asked (SYNC.md §5.3).
 */
#ifndef SIMPUL_SYNC_H
#define SIMPUL_SYNC_H

#include "../base/base.h"
#include "../replica/replica.h"

#define SYNC_WINDOW_BYTES (1024U * 1024U)
#define SYNC_BATCHES_OUT 2U /* one checked while the one before commits */
#define SYNC_MSG_TARGET_BYTES (32U * 1024U) /* ENTRIES message size goal */
#define SYNC_BATCH_ENTRIES 1000U
#define SYNC_BODIES_OUT 16U /* BODY_WANT entries unanswered, per direction */
#define SYNC_WANT_SCAN_MAX 1024U /* wanted bodies looked at per pump */

struct sync_session;

/* Counters for status and the closing note's figures. */
struct sync_stats {
        uint64_t entries_in, entries_out;
        uint64_t msgs_in, msgs_out;
        bool caught_up; /* received SYNCED and committed all before it */
        bool synced_sent;
        uint64_t forks_in, forks_out;   /* FORK_PROOFs that froze / sent */
        uint64_t bodies_in, bodies_out; /* bodies stored / sent (BODY) */
        char peer_error[40]; /* the id of the peer's ERROR, "" if none */
        /* The peer holds more of this node's own feeds than its store
         * does: the store went back in time (SYNC.md §5.3). */
        bool own_behind;
};

/*
 * Creates the session for a link whose peer (key, region, store instance
 * unknown yet) passed the handshake and certificate checks. Returns owned;
 * free with sync_session_free.
 */
struct sync_session *sync_session_new(struct replica *r,
                                      const uint8_t peer_key[ENTRY_KEY_BYTES],
                                      const char *peer_region);
void sync_session_free(struct sync_session *s);

/* Appends this side's HELLO (SYNC.md §4) to out. Store errors. */
int sync_hello(struct sync_session *s, struct buf *out) WUR;

/*
 * Processes one received frame (borrowed). Replies (HELLO_OK, NEED_FULL,
 * HELLO, HEAD, PONG, ...) are appended to out. Entries go into the pending
 * batch (see sync_take_batch). Errors close the link: ERR_PROTOCOL and the
 * ids of refused input; *why names the offending id for the ERROR message.
 */
int sync_receive(struct sync_session *s, struct slice frame, struct buf *out,
                 const char **why) WUR;

/*
 * The next batch of received entries to check and commit, or NULL if none
 * (or SYNC_BATCHES_OUT are out already). The caller owns nothing: the batch
 * stays valid until sync_batch_done.
 */
struct sync_batch {
        struct slice *entries;
        struct entry *es;
        int *results;
        size_t n;
        struct ingest_stats stats;
        int err; /* the commit's error */
};
struct sync_batch *sync_take_batch(struct sync_session *s, bool flush);
/*
 * Called on the loop thread after the batch was checked and committed
 * (results and stats filled). Appends ACK / HEAD replies to out. Returns
 * 0, or the error that must close the link (a refused entry's id in *why).
 */
int sync_batch_done(struct sync_session *s, struct sync_batch *b,
                    struct buf *out, const char **why) WUR;

/*
 * Appends the next frame's worth of pushes (FEED, ENTRIES, SYNCED) to out,
 * within the window. Returns 0 (out may be unchanged: nothing to send) or
 * a store error.
 */
int sync_pump(struct sync_session *s, struct buf *out) WUR;
/* The store changed (a local post, another link's commit): rescan. */
void sync_changed(struct sync_session *s);
/* False while received entries wait for commits: stop reading the socket. */
bool sync_wants_input(const struct sync_session *s);
const struct sync_stats *sync_stats(const struct sync_session *s);
/* Entries this side still has to push to the peer (status backlog). */
uint64_t sync_backlog(const struct sync_session *s);

#endif
