/*
 * sync internals: the session's state, shared by the files of src/sync
 * (session.c, cert.c, hello.c, record.c, receive.c, push.c, forks.c,
 * bodies.c, feedmap.c).
 * Not part of the API: sync.h is.
 */
#ifndef SIMPUL_SYNC_INT_H
#define SIMPUL_SYNC_INT_H

#include "../blob/blob.h"
#include "sync.h"

#define FRAME_TARGET_BYTES (64U * 1024U)
#define RX_PENDING_MAX 8U /* batches queued: a frame adds at most 4 */

/* ---- feedmap: feed id -> per-link feed state (feedmap.c) ----------------
 *
 * Open addressing on the id's first 8 bytes (ids are BLAKE2b outputs).
 */
struct feed_state {
        uint8_t id[ENTRY_HASH_BYTES];
        bool local;            /* this node holds the feed, in the universe */
        bool root_system;      /* the network root's system feed: first */
        size_t pos;            /* when local: its index in the push order */
        struct feed_info info; /* when local: descriptor and head */
        uint64_t known;        /* the peer holds up to here */
        uint64_t sent;         /* pushed up to here (>= known) */
        uint32_t out_index;    /* FEED index sent + 1; 0: not introduced */
        uint32_t generation;   /* bumped by HEAD: older in-flight is moot */
        uint32_t inflight_n;   /* its ENTRIES messages not yet acknowledged */
        bool frozen_at_peer;   /* the peer will take no more of it */
        bool prev_due;         /* the next ENTRIES names its first prev (§5) */
        uint64_t diverged;     /* the peer's entry at this seq is not ours */
        /* What this node offers of it (replica_offer_limit), once known
         * since the last rescan: a revoked or unknown author's entries it
         * would refuse itself are never pushed. */
        bool capped;
        uint64_t cap_seq;
};

struct feedmap {
        struct feed_state **slots;
        size_t cap; /* power of two */
        size_t n;
};

void feedmap_init(struct feedmap *m);
/* Frees every state and the table. */
void feedmap_release(struct feedmap *m);
/* The state of a feed, or NULL. Borrowed: valid until feedmap_release. */
struct feed_state *feedmap_get(const struct feedmap *m,
                               const uint8_t id[ENTRY_HASH_BYTES]);
/* The state of a feed, created zeroed if missing. */
struct feed_state *feedmap_put(struct feedmap *m,
                               const uint8_t id[ENTRY_HASH_BYTES]);
/* Visits every state in table order. */
void feedmap_each(const struct feedmap *m,
                  void (*fn)(void *ctx, struct feed_state *f), void *ctx);

/* ---- the session ------------------------------------------------------- */

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
        uint8_t *ids;    /* ENTRY_HASH_BYTES per entry (pub.ids) */
        size_t cap;
        uint64_t msg_hi; /* ENTRIES messages complete once this is durable */
};

struct sync_session {
        struct sync_config cfg;
        struct replica *r; /* cfg.r */
        uint8_t peer[ENTRY_KEY_BYTES];
        char peer_region[REGION_BUF];
        /* starting (cert.c, SYNC.md §3) */
        bool has_key, validated, opened, started, hello_sent;
        bool cert_requested, cert_answered; /* one CERT_REQUEST each way */
        /* the time (session.c, SYNC.md §6.1): one request each way */
        bool time_asked, time_answered, time_got, time_taken;
        uint64_t time_in;               /* the peer's TIME */
        bool cert_checking, cert_taken; /* the peer's CERT, with caller */
        struct buf cert_in;             /* cert || issuer_cert */
        size_t cert_len;                /* of cert in cert_in */
        /* Input held back: the peer's frames before it was validated
         * (SYNC_STASH_BYTES at most), each a 4-byte length and its bytes,
         * taken from held_off. */
        struct buf held;
        size_t held_off;
        /* The peer's record to write (record.c), not yet taken. */
        struct sync_writes *writes;
        /* Waiting for the caller (sync__waiting): input is held, nothing
         * is pushed, the frame being built stays open. The peer's HELLO
         * record is being committed: its HELLO_OK waits. */
        bool wait_record;
        uint64_t hello_in_version; /* the HELLO accepted, for HELLO_OK */
        /* A fork proof or body with the caller (sync_take_op). */
        bool op_wait, op_taken;
        /* The op is a run of blob chunks the caller has not taken yet:
         * the chunks that follow it join it (process, blobs.c). */
        bool op_open;
        struct sync_op op;
        struct buf op_data; /* its bytes */
        char op_source[48];
        /* Output: the frame being built, and frames to send. */
        struct buf tx;
        struct buf *frames;
        size_t frames_head, frames_n, frames_cap;
        bool frame_lent; /* frames[frames_head - 1] is with the caller */
        struct peer_info rec;
        bool has_rec, known_loaded;
        struct feedmap feeds;
        struct feed_state **order; /* local feeds of the universe, sorted */
        size_t order_n, order_cap;
        size_t pending_from; /* no feed before it in the order is pending */
        bool rescan;
        /* The store version the order was brought up to (sync__rescan). */
        bool scanned_once;
        uint64_t scanned;
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
        /* A full vector in parts (SYNC.md §4.2). Ours: sent only when the
         * peer's NEED_FULL asked for it (full_asked), else a probe; by
         * feed id, one part at a time, the next once the peer answered
         * HELLO_PART_OK (so the link's queue holds one). */
        bool full_asked;
        struct sync_vec_item *parts_out; /* the whole vector, sorted */
        size_t parts_out_n, parts_out_at, parts_out_per;
        uint8_t parts_out_digest[SYNC_DIGEST_BYTES];
        /* The peer's, asked by our NEED_FULL: HELLO_PARTs taken, the last
         * feed id named, the digest of what they named so far (no pair is
         * kept). */
        uint32_t parts_in;
        bool parts_any;
        uint8_t parts_last[ENTRY_HASH_BYTES];
        struct hash_stream *parts_hash;
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
        /* blobs (blobs.c): made on first use */
        struct blob_link *blobs;
        /* Bulk bytes this link may still move ([net] budget_mib, set by
         * the caller with sync_bulk_limit; UINT64_MAX: no budget) */
        uint64_t bulk_left;
        uint64_t now_us; /* sync_clock */
        /* HELD (SYNC.md §5.4): what nodes above hold changed; what went
         * out: feed id || region (16) || seq (8) */
        bool held_dirty;
        struct buf held_sent;
};

/* ---- blobs (blobs.c, proto/BLOBS.md) ------------------------------------ */

#define SYNC_BLOB_ASKED_MAX 32U /* chunks asked and unanswered (§4) */
/* Chunks stored in one commit at most (a whole window: 512 KiB). */
#define SYNC_BLOB_OP_CHUNKS SYNC_BLOB_ASKED_MAX
#define SYNC_BLOB_REFUSED_MAX 64U /* roots refused by the peer, a session */
#define SYNC_BLOB_TOLD_MAX 16U    /* roots answered BLOB-MISSING, to HAVE */
#define SYNC_BLOB_WALK_MAX 256U   /* blob records looked at per pump */

/* An ask: the list (count 0) or chunks first .. first + count - 1, of
 * which `done` were answered; at_us: when it was sent (the asker's). */
struct blob_ask {
        uint8_t root[BLOB_ROOT_BYTES];
        uint32_t first, count, done;
        uint64_t at_us;
        uint64_t delivered; /* bl->delivered when it was sent */
        bool alone;         /* sent with nothing else asked: times the RTT */
};

struct blob_link {
        /* asking: one blob at a time */
        bool active;
        struct store_blob fetch; /* the blob being fetched */
        struct buf list;         /* its checked hash list, once held */
        uint8_t mark[BLOB_CHUNKS_MAX / 8]; /* chunks held or asked */
        uint32_t next;                     /* no unmarked chunk below */
        bool list_asked;
        struct blob_ask asks[SYNC_BLOB_ASKED_MAX + 1]; /* oldest first */
        size_t asks_n;
        uint32_t asked; /* chunks asked and not yet received */
        uint8_t refused[SYNC_BLOB_REFUSED_MAX][BLOB_ROOT_BYTES];
        size_t refused_n;
        uint8_t walk_at[BLOB_ROOT_BYTES]; /* the walk of wanted blobs */
        bool walk_started, walk_done;
        uint64_t walk_gen;  /* store_blobs_gen at its start */
        double rate;        /* bytes per microsecond, smoothed; 0: none */
        double rtt;         /* microseconds, smoothed; 0: none yet */
        uint64_t delivered; /* chunk bytes received on this link */
        size_t rx_partial;  /* bytes of a frame arriving (sync_rx_partial) */
        /* answering the peer's asks, in order */
        struct blob_ask serve[SYNC_BLOB_ASKED_MAX + 2];
        size_t serve_n;
        uint32_t serve_chunks; /* chunks asked and unanswered */
        uint8_t told[SYNC_BLOB_TOLD_MAX][BLOB_ROOT_BYTES];
        size_t told_n;
        bool have_check; /* the store changed: are told roots whole? */
        struct buf tmp;
};

/* What the session asks the caller to write of the peer (record.c). */
struct sync_writes {
        uint8_t peer[ENTRY_KEY_BYTES];
        char region[REGION_BUF];
        bool rec; /* the record's instance and acked: */
        bool has_instance;
        uint8_t instance[STORE_INSTANCE_BYTES];
        uint64_t acked;
        bool clear_known; /* forget known[] first (a HELLO with base 0) */
        struct buf known; /* then feed id (32) || seq (8, big-endian) */
        bool hello;       /* the peer's HELLO record: HELLO_OK waits */
        struct buf held;  /* HELD rows: feed id || region (16) || seq (8) */
        /* Roots the peer asked for and this side lacks: opened here, so
         * that this node fetches them for it (BLOBS.md §7) */
        struct buf opened;
};

/* held.c (SYNC.md §5.4) */
/* HELD messages for the child peer, when what is held above changed. */
int sync__held_push(struct sync_session *s, struct store_txn *t,
                    struct buf *out) WUR;
int sync__on_held(struct sync_session *s, const struct sync_msg *m) WUR;
/* record.c: that nodes of region hold own feed `feed` up to seq. */
void sync__held_put(struct sync_session *s,
                    const uint8_t feed[ENTRY_HASH_BYTES], const char *region,
                    uint64_t seq);

/* record.c */
/* The writes not yet taken, created if need be. */
struct sync_writes *sync__writes(struct sync_session *s);
/* s->rec's instance and acked changed. */
void sync__rec_changed(struct sync_session *s);
void sync__known_put(struct sync_session *s,
                     const uint8_t feed[ENTRY_HASH_BYTES], uint64_t seq);
void sync__known_clear(struct sync_session *s);
void sync__writes_free(struct sync_writes *w);
/* The peer asked for root, which is not whole here: open it (§7). */
void sync__blob_opened(struct sync_session *s, const uint8_t root[32]);

/* session.c */
/* Does the session wait for the caller before it reads on? */
bool sync__waiting(const struct sync_session *s);
/* Store work for the caller, which the session waits for (op_data
 * emptied, to be filled by the caller of this). */
struct sync_op *sync__op_start(struct sync_session *s, enum sync_op_kind kind,
                               const char *source);
void sync__rx_free(struct rx_batch *b);
/* Ends the frame being built (if any) and queues it to send. */
void sync__cut(struct sync_session *s);
/* Ends the frame being built if it is past SYNC_FLUSH_BYTES. */
void sync__out_done(struct sync_session *s);
/* Keeps a frame (copied) to process later, in order. */
void sync__hold(struct sync_session *s, struct slice frame);
/* Processes the frames held, once started. Errors as sync_receive's. */
int sync__resume(struct sync_session *s, const char **why) WUR;

/* cert.c: CERT_REQUEST and CERT, which travel alone in their frames.
 * *handled is set when frame is one of them. */
int sync__cert_frame(struct sync_session *s, struct slice frame, bool *handled,
                     const char **why) WUR;

/* hello.c: the universe, HELLO and its answers (SYNC.md §4) */
/* Appends this side's HELLO to out. Store errors. */
int sync__hello(struct sync_session *s, struct buf *out) WUR;
/* The peer's HELLO record is durable: HELLO_OK, and pushes may start. */
void sync__hello_accept(struct sync_session *s);
bool sync__in_universe(const struct sync_session *s, const struct audience *a);
/* Brings the push order up to the store's feeds of the universe: those
 * changed since the last scan. */
int sync__rescan(struct sync_session *s, struct store_txn *t) WUR;
void sync__pair_put(struct buf *b, const uint8_t id[ENTRY_HASH_BYTES],
                    uint64_t seq);
int sync__on_hello(struct sync_session *s, const struct sync_msg *m,
                   struct buf *out) WUR;
int sync__on_hello_part(struct sync_session *s, const struct sync_msg *m,
                        struct buf *out) WUR;
int sync__on_hello_part_ok(struct sync_session *s) WUR;
int sync__on_hello_ok(struct sync_session *s, const struct sync_msg *m) WUR;
int sync__on_need_full(struct sync_session *s, struct buf *out) WUR;

/* receive.c: FEED, ENTRIES, SYNCED and the batches (SYNC.md §5) */
int sync__on_feed(struct sync_session *s, const struct sync_msg *m) WUR;
int sync__on_entries(struct sync_session *s, const struct sync_msg *m,
                     struct buf *out) WUR;
void sync__on_synced(struct sync_session *s);
/* Messages dropped with HEAD still count as done for ACK. */
void sync__ack_if_idle(struct sync_session *s, struct buf *out);

/* push.c: ACK and HEAD from the peer */
/* f may have become pending (its head rose, or what was sent fell): the
 * next look for a feed to push starts no later than f. */
void sync__pending(struct sync_session *s, const struct feed_state *f);
int sync__on_ack(struct sync_session *s, uint64_t frames) WUR;
int sync__on_head(struct sync_session *s, const struct sync_msg *m) WUR;

/* forks.c (SYNC.md §5.1) */
int sync__push_forks(struct sync_session *s, struct store_txn *t,
                     struct buf *out) WUR;
int sync__on_fork_proof(struct sync_session *s, const struct sync_msg *m,
                        const char **why) WUR;
int sync__proof_done(struct sync_session *s, const struct sync_op *op,
                     const char **why) WUR;

/* bodies.c (SYNC.md §5.2) */
int sync__answer_bodies(struct sync_session *s, struct store_txn *t,
                        struct buf *out, size_t start) WUR;
int sync__want_bodies(struct sync_session *s, struct store_txn *t,
                      struct buf *out) WUR;
int sync__on_body_want(struct sync_session *s, const struct sync_msg *m) WUR;
int sync__on_body(struct sync_session *s, const struct sync_msg *m,
                  const char **why) WUR;
int sync__body_done(struct sync_session *s, const struct sync_op *op,
                    const char **why) WUR;

/* blobs.c (BLOBS.md) */
/* The peer's asks answered, then this side's asks, within the frame
 * target; answers only when nothing else is pending (idle), with the
 * chunks of at most one ask, which then end the frame (*chunk set:
 * BLOBS.md §6). */
int sync__blobs_pump(struct sync_session *s, struct store_txn *t,
                     struct buf *out, size_t start, bool idle, bool *chunk) WUR;
int sync__on_blob(struct sync_session *s, const struct sync_msg *m,
                  const char **why) WUR;
/* Does m join the open op (the next chunk of the same blob)? */
bool sync__blob_joins(const struct sync_session *s, const struct sync_msg *m);
int sync__blob_done(struct sync_session *s, const struct sync_op *op,
                    const char **why) WUR;
void sync__blobs_free(struct sync_session *s);
void sync__blobs_changed(struct sync_session *s);
bool sync__blobs_idle(const struct sync_session *s);

#endif
