/*
 * sync: the protocol of one link (proto/SYNC.md), as a state machine the
 * daemon drives. It does no network I/O, reads no clock, starts no thread
 * and writes nothing: it turns the peer's handshake payload and frames
 * into frames to send (it decides their bounds: sync_next_frame) and into
 * store work, which the caller does off the loop and hands back: batches
 * of received entries to check and commit (sync_take_batch), the peer's
 * record to write (sync_take_writes), a fork proof or a body to store
 * (sync_take_op), the peer's certificate to validate (sync_take_cert). It
 * reads the store (vectors, entries to push, the peer's record) on the
 * calling (loop) thread.
 *
 * Names, here and in src/node: a *peer* is a remote node, known by its
 * key; its record in the store outlives links. A *link* is one
 * connection with a peer, from dial or accept to close (net's struct link
 * carries its bytes: handshake, encrypted frames). The *session* is this
 * state machine, one per link, from the handshake on. The daemon's
 * record of a link is its *conn*; a *dialer* keeps a link to a parent.
 *
 * Invariants:
 *   - nothing is pushed before the peer's HELLO was accepted (SYNC.md §4),
 *     and no HELLO is sent before the peer was validated (§3);
 *   - one CERT_REQUEST of the peer's is answered, a CERT is taken only
 *     when asked for, both travel alone in their frames, and at most
 *     SYNC_STASH_BYTES of the peer's frames are held before it is
 *     validated (§3);
 *   - a vector larger than a frame is sent only when the peer's NEED_FULL
 *     asks for it, in parts, one unanswered at a time; the peer's parts
 *     are hashed as they come, none kept (SYNC.md §4.2);
 *   - entries of a feed are pushed in ascending seq, from known + 1;
 *   - at most SYNC_WINDOW_BYTES of ENTRIES messages are unacknowledged;
 *   - ACK counts only ENTRIES messages whose entries are all durable;
 *   - at most SYNC_BATCHES_OUT batches are out with the caller, and they
 *     come back (sync_batch_done) in the order they were taken;
 *   - at most SYNC_BODIES_OUT bodies are asked for and unanswered, each
 *     direction, and answers come in the order asked (SYNC.md §5.3);
 *   - while store work that a reply waits for is with the caller (the
 *     peer's HELLO record, a fork proof, a body), the session reads
 *     nothing further, pushes nothing and ends no frame (but past
 *     SYNC_FLUSH_BYTES): it behaves as if that work were synchronous.
 */
#ifndef SIMPUL_SYNC_H
#define SIMPUL_SYNC_H

#include "../base/base.h"
#include "../replica/replica.h"

#define SYNC_WINDOW_BYTES (1024U * 1024U)
/* Batches out with the caller at once: one commits while two are checked
 * (the second keeps every core busy while the first one's last parts
 * finish). */
#define SYNC_BATCHES_OUT 3U
#define SYNC_MSG_TARGET_BYTES (32U * 1024U) /* ENTRIES message size goal */
/* A batch ends before whole ENTRIES messages take it past this: about a
 * third of the window with ~300-byte bodies, so that the ACK of one batch
 * lets the sender go on while the next ones are checked (a batch of the
 * whole window left the link idle while it was checked). */
#define SYNC_BATCH_ENTRIES 1000U
#define SYNC_BODIES_OUT 16U /* BODY_WANT entries unanswered, per direction */
#define SYNC_WANT_SCAN_MAX 1024U         /* wanted bodies looked at per pump */
#define SYNC_STASH_BYTES (1024U * 1024U) /* held before validation (§3) */
#define SYNC_FLUSH_BYTES (64U * 1024U)   /* a frame ends once past this */
/* Feeds named by one HELLO or HELLO_PART this side sends: 12,000 of at
 * most 78 bytes fit a frame (SECURE_FRAME_MAX) with room to spare. A
 * larger vector goes in parts (SYNC.md §4.2). */
#define SYNC_HELLO_PART_ITEMS 12000U

struct sync_session;

/* Counters for status and the closing note's figures. */
struct sync_stats {
        uint64_t entries_in, entries_out;
        uint64_t msgs_in, msgs_out;
        bool caught_up; /* received SYNCED and committed all before it */
        bool synced_sent;
        uint64_t forks_in, forks_out;   /* FORK_PROOFs that froze / sent */
        uint64_t bodies_in, bodies_out; /* bodies stored / sent (BODY) */
        uint64_t chunks_in, chunks_out; /* blob chunks stored / sent */
        uint64_t blobs_in;              /* blobs made whole from this link */
        /* Bytes of blob chunks received and sent: bulk, for the data
         * budget (BLOBS.md §7.1) */
        uint64_t bulk_in, bulk_out;
        char peer_error[40]; /* the id of the peer's ERROR, "" if none */
        /* The peer holds more of this node's own feeds than its store
         * does: the store went back in time (SYNC.md §5.3). */
        bool own_behind;
};

/* What a session needs of this node; borrowed for the session's life. */
struct sync_config {
        struct replica *r;
        struct slice cert;        /* this node's certificate (MEMBERSHIP.md) */
        struct slice issuer_cert; /* its issuer's; empty: the root issued it */
        uint8_t cert_hash[SYNC_CERT_HASH_BYTES]; /* of cert (SYNC.md §3) */
        size_t hs_hello_max; /* the longest HELLO a handshake payload takes */
        /* This node's time for a child's TIME_REQUEST (SYNC.md §6.1), 0
         * when it knows none; NULL: always 0. The session reads no clock
         * of its own. */
        uint64_t (*time_now)(void *arg);
        void *time_arg;
        /* Blobs fetched up to this size ([blobs] fetch_max_bytes; 0:
         * none). Asked of the peer are blobs referenced by entries of the
         * link's universe (BLOBS.md §7). */
        uint64_t blob_fetch_max;
        /* Which blobs a link fetches unasked ([blobs] fetch, BLOBS.md §7):
         * SYNC_FETCH_ALL (0) every one; SYNC_FETCH_UP those on links to a
         * peer below this node (originals travel up to the handler);
         * SYNC_FETCH_ON_DEMAND none. Under UP and ON_DEMAND a blob of at
         * most blob_auto_max bytes ([blobs] auto_fetch_max_bytes) and a
         * blob opened here (STORE_BLOB_OPENED) are fetched still. */
        int blob_fetch;
        uint64_t blob_auto_max;
        /* The most entries a batch takes, 0: SYNC_BATCH_ENTRIES (an ENTRIES
         * message is never split: one longer than this is a batch of its
         * own). Entries wait in a batch while the one before commits, so
         * a batch grows up to a window (SYNC_WINDOW_BYTES): fewer, larger
         * commits; but LMDB keeps the pages a commit dirtied as a free
         * list for good (~7 MiB for 1,000 entries in a 50,000-entry
         * store), so a village node caps it at SYNC_BATCH_ENTRIES. */
        size_t batch_max;
        size_t hello_part_items; /* 0: SYNC_HELLO_PART_ITEMS (tests: less) */
};

enum sync_fetch {
        SYNC_FETCH_ALL = 0,
        SYNC_FETCH_UP = 1,
        SYNC_FETCH_ON_DEMAND = 2,
};

/* The bulk bytes (blob chunks, received or sent) this link may move from
 * now (BLOBS.md §7.1): at 0 it asks for no chunk and answers none until
 * raised (the asks wait; entries flow). UINT64_MAX: no budget. */
void sync_bulk_limit(struct sync_session *s, uint64_t left);

/* Does a link fetch a wanted blob of `size` bytes under cfg's policy
 * (BLOBS.md §7)? `opened`: someone opened it here; `peer_below`: the
 * link's peer is below this node in the tree. Pure. */
bool sync_blob_fetches(const struct sync_config *cfg, uint64_t size,
                       bool opened, bool peer_below);

/*
 * Creates the session of a new link, before its handshake (the peer's key
 * comes with sync_hs_peer). Returns owned; free with sync_session_free.
 */
struct sync_session *sync_session_new(const struct sync_config *cfg);
void sync_session_free(struct sync_session *s);

/* ---- starting (SYNC.md §3) ------------------------------------------------
 *
 * The handshake payloads, then the certificate exchange: a peer whose
 * certificate (by its hash in the payload) the caller holds and finds
 * valid is validated at once (sync_hs_valid); else, once the link is open,
 * the session asks for it and hands the CERT to the caller to validate
 * (sync_take_cert, sync_cert_done). The session starts (sends its HELLO,
 * then takes the peer's frames held so far) once the peer is validated
 * and the link is open.
 */

/* Appends this side's handshake payload: cert_hash, and the HELLO when
 * the peer is validated already and it fits. Store errors. */
int sync_hs_payload(struct sync_session *s, struct buf *out) WUR;
/*
 * The peer's payload (borrowed) with its authenticated key: its cert_hash
 * into cert_hash, for the caller to look up; messages after it are held
 * until the peer is validated. ERR_PROTOCOL.
 */
int sync_hs_peer(struct sync_session *s, const uint8_t key[ENTRY_KEY_BYTES],
                 struct slice payload,
                 uint8_t cert_hash[SYNC_CERT_HASH_BYTES]) WUR;
/* The certificate named in the peer's payload is held and valid; region
 * is the one it certifies. */
void sync_hs_valid(struct sync_session *s, const char *region);
/*
 * The link is open: asks for the peer's certificate (CERT_REQUEST) if it
 * is not validated, else starts. Errors as sync_receive's; *why NULL for
 * this node's own (a store error).
 */
int sync_open(struct sync_session *s, const char **why) WUR;
/* The certificate the peer sent to be validated (borrowed until
 * sync_cert_done), once; false if none waits. issuer_cert may be empty. */
bool sync_take_cert(struct sync_session *s, struct slice *cert,
                    struct slice *issuer_cert);
/*
 * The result of validating it: 0 and the region it certifies (the session
 * starts), or the refusal (returned, with its id in *why). Else errors as
 * sync_open's.
 */
int sync_cert_done(struct sync_session *s, int result, const char *region,
                   const char **why) WUR;
bool sync_validated(const struct sync_session *s);
/* Validated and open: the HELLO is out, pushes may follow. */
bool sync_started(const struct sync_session *s);

/* ---- the time (SYNC.md §6.1) ---------------------------------------------
 *
 * A node whose clock cannot be right asks a parent for its time once per
 * link (sync_time_ask); the parent answers from cfg.time_now at once. A
 * TIME_REQUEST from a peer outside this node's subtree, a second one, or
 * a TIME not asked for is PROTO-VIOLATION.
 */

/* Sends TIME_REQUEST (once; the session must be started). */
void sync_time_ask(struct sync_session *s);
bool sync_time_asked(const struct sync_session *s);
/* The peer's answer, once: true and its clock in *ms (0: it knows none). */
bool sync_take_time(struct sync_session *s, uint64_t *ms);

/* ---- frames ---------------------------------------------------------------
 *
 * What the session sends goes into frames: the messages of one event
 * together (a session that finds nothing to do costs few frames), ended by
 * sync_flush, or once past SYNC_FLUSH_BYTES; CERT_REQUEST and CERT alone.
 */

/* Ends the frame being built. */
void sync_flush(struct sync_session *s);
/* The next frame to send, if any: borrowed until the next call on s. */
bool sync_next_frame(struct sync_session *s, struct slice *frame);
/* Appends PING (keepalive) and ends the frame. */
void sync_ping(struct sync_session *s);
/* Appends ERROR id (the link closes after it) and ends the frame. */
void sync_send_error(struct sync_session *s, const char *id);

/* ---- the sync ---------------------------------------------------------- */

/*
 * Processes one received frame (borrowed). Replies (HELLO_OK, NEED_FULL,
 * HELLO, HEAD, PONG, ...) go into the frames. Entries go into the pending
 * batch (see sync_take_batch). Before the peer is validated, frames are
 * held (at most SYNC_STASH_BYTES: ERR_PROTOCOL beyond). Errors close the
 * link: ERR_PROTOCOL and the ids of refused input, with *why naming the
 * offending id for the ERROR message; ERR_PEER_ERROR (the peer's ERROR,
 * logged; *why NULL); store errors.
 */
int sync_receive(struct sync_session *s, struct slice frame,
                 const char **why) WUR;

/*
 * The next batch of received entries to check and commit, or NULL if none
 * (or SYNC_BATCHES_OUT are out already). The caller owns nothing: the batch
 * stays valid until sync_batch_done.
 */
struct sync_batch {
        struct slice *entries;
        /* n x ENTRY_HASH_BYTES: each entry's id, computed as the session
         * rebuilt its envelope (for entry_open_built) */
        const uint8_t *ids;
        struct entry *es;
        int *results;
        size_t n;
        struct ingest_stats stats;
        int err; /* the commit's error */
};
struct sync_batch *sync_take_batch(struct sync_session *s, bool flush);
/*
 * Called on the loop thread after the batch was checked and committed
 * (results and stats filled). ACK and HEAD replies go into the frames.
 * Returns 0, or the error that must close the link (a refused entry's id in
 * *why).
 */
int sync_batch_done(struct sync_session *s, struct sync_batch *b,
                    const char **why) WUR;

/*
 * The peer's record (proto/SYNC.md §4: its store's instance, acked, and
 * what it holds of each feed), as data to write: the session never
 * writes the store. The caller takes it (NULL: nothing to write), writes
 * it with sync_writes_apply in its next write transaction (with a batch's
 * entries, or alone), off the loop, and hands it back with
 * sync_writes_done once that committed or failed. The HELLO_OK of an
 * accepted HELLO waits for its record: meanwhile the session reads and
 * pushes nothing. Writes taken in order are applied in that order.
 */
struct sync_writes;
/* Returns owned: hand it back with sync_writes_done. */
struct sync_writes *sync_take_writes(struct sync_session *s);
/* In write transaction t (any thread; touches only w and t). Store
 * errors: abort t. */
int sync_writes_apply(const struct sync_writes *w, struct store_txn *t) WUR;
/* Does w open blobs (a peer asked for roots not whole here)? Once they
 * are committed, the links walk their wanted blobs again. */
bool sync_writes_open(const struct sync_writes *w);
/*
 * On the loop thread: w (freed here) committed (result 0) or not (the
 * store error, returned with its id in *why: close the link). A HELLO's
 * record sends its HELLO_OK and lets the session read on: errors then as
 * sync_receive's.
 */
int sync_writes_done(struct sync_session *s, struct sync_writes *w, int result,
                     const char **why) WUR;

/*
 * Store work the session waits for before it reads on: a fork proof to
 * check and store (SYNC.md §5.1: the caller runs replica_ingest on its
 * two entries), or a body to check and fill (§5.2: replica_fill_body).
 * The caller does it off the loop, fills in the results and hands it
 * back.
 */
enum sync_op_kind { SYNC_OP_PROOF, SYNC_OP_BODY, SYNC_OP_BLOB };
struct sync_op {
        enum sync_op_kind kind;
        const char *source;             /* for log lines */
        struct slice entries[2];        /* PROOF: entry_a, entry_b */
        uint8_t feed[ENTRY_HASH_BYTES]; /* BODY: the entry it is for */
        uint64_t seq;
        struct slice body; /* BODY; BLOB: the checked list or chunk */
        /* BLOB (BLOBS.md §5): store the checked list (index -1) or the
         * `count` chunks from `index` on (body: them, one after another)
         * of the blob `root` of blob_size bytes with replica_blob_put,
         * which sets whole. Chunks that arrive while a commit runs go
         * into the next op together: one durable commit for many. */
        uint8_t root[ENTRY_HASH_BYTES];
        uint64_t blob_size;
        int32_t index;
        uint32_t count;
        /* Set by the caller: */
        int err;        /* replica_ingest's, or replica_fill_body's */
        int results[2]; /* PROOF: each entry's */
        bool filled;    /* BODY: stored now */
        bool whole;     /* BLOB: the blob is whole now */
};
/* The work waiting, once (NULL if none). Owned by the session, valid
 * until sync_op_done. */
struct sync_op *sync_take_op(struct sync_session *s);
/* On the loop thread, with op's results: the session reads on. Errors as
 * sync_receive's (a refused entry or body, with its id in *why). */
int sync_op_done(struct sync_session *s, struct sync_op *op,
                 const char **why) WUR;

/*
 * Appends the next frame's worth of pushes (FEED, ENTRIES, SYNCED, fork
 * proofs, bodies) within the window; *more says whether it did (call
 * again while the link takes more). Returns 0 or a store error.
 */
int sync_pump(struct sync_session *s, bool *more) WUR;
/* The time, in microseconds of any monotonic clock: the session reads
 * none, and measures the link's rate for its blob window with this
 * (BLOBS.md §6). Call before sync_receive and sync_pump. */
void sync_clock(struct sync_session *s, uint64_t now_us);
/* Bytes of a frame received in part so far (0 when none): the blob
 * window counts them as arrived, and times the round trip by them
 * (BLOBS.md §6). True if the window then has room for an ask: pump.
 * Call after sync_clock. */
bool sync_rx_partial(struct sync_session *s, size_t bytes);
/* The store changed (a local post, another link's commit): rescan. */
void sync_changed(struct sync_session *s);
/* False while received entries wait for commits, or the session for the
 * caller's answer: stop reading the socket. */
bool sync_wants_input(const struct sync_session *s);
const struct sync_stats *sync_stats(const struct sync_session *s);
/* ---- what nodes above hold (held.c, SYNC.md §5.4) --------------------------
 */

/* The index table (store_index_put) of HELD: own feed id || region ->
 * seq (8, big-endian) that nodes of region hold, as the parent said. */
#define SYNC_HELD_TABLE "held"
/* Is the peer above this node (its parent, or further up)? */
bool sync_is_uplink(const struct sync_session *s);
/* What a peer above holds changed (its record was written): pass it on to
 * the child at the next sync_pump. */
void sync_held_changed(struct sync_session *s);

/* ---- offering without a link (offer.c) ----------------------------------- */

/* Is a feed of audience a in the universe of a link between nodes of
 * these regions (SYNC.md §1)? */
bool sync_in_universe(const char *own_region, const char *peer_region,
                      const struct audience *a);
/* A feed offered, and the highest seq offered of it (replica_offer_limit:
 * 0 offers nothing). A nonzero return stops the scan and is returned. */
typedef int (*sync_offer_fn)(void *ctx, const struct feed_info *f,
                             uint64_t max_seq);
/*
 * Visits the feeds this node (r) would offer a peer of peer_region in a
 * session, in a session's push order (SYNC.md §5: the root's system feed,
 * then by channel and feed id), in read transaction t. Store errors.
 */
int sync_offer_scan(const struct replica *r, struct store_txn *t,
                    const char *peer_region, sync_offer_fn fn, void *ctx) WUR;

/* Entries this side still has to push to the peer (status backlog). */
uint64_t sync_backlog(const struct sync_session *s);

#endif
