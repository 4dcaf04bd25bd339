/*
 * daemon internals, shared by the files of the daemon (daemon.c: the
 * loop; links.c: net's callbacks; conn.c: one link's state; pipeline.c:
 * store work off the loop; notes.c: what the daemon writes; dialer.c:
 * links to parents). Not part of the API: daemon.h is.
 *
 * Names (see also sync.h): a *peer* is a remote node, by its key; a
 * *link* is one connection with a peer, from dial or accept to close,
 * whose bytes net's struct link carries; the *session* (src/sync) is the
 * protocol state of one link; a *conn* is the daemon's record of one
 * link: its net link, its session, its dialer, its jobs in the pipeline.
 * A conn lives from dial or accept until the link closed and the last of
 * its jobs came back. A *dialer* keeps a link to a parent.
 *
 * Threads: everything here runs on the loop thread, but the pipeline's
 * run functions (pipeline.c), which touch only their job and the store.
 * The loop thread reads the store and never writes it: every write goes
 * through the pipeline.
 */
#ifndef SIMPUL_DAEMON_INT_H
#define SIMPUL_DAEMON_INT_H

#include "daemon.h"

struct dialer;

struct conn {
        struct daemon *d;
        struct link *link; /* NULL once closed */
        struct dialer *dialer;
        struct sync_session *s; /* from conn_new to conn_free */
        uint8_t key[ENTRY_KEY_BYTES];
        bool has_key, opened, replaced, caught_up;
        bool failed;         /* the refusal was logged by conn_fail */
        uint64_t forks_seen; /* the session's forks_in when last looked */
        int parent; /* index in [net] parent of a dialled link, else -1 */
        /* A commit of this session hit STORE-FULL: see conn_full. */
        bool full;
        uint64_t full_retry_ms;
        struct member_peer peer;
        bool fallback_check;    /* closed once synced (SYNC.md §8) */
        bool time_checked;      /* whether to ask its time was decided */
        uint64_t time_asked_ms; /* loop time of the TIME_REQUEST */
        bool began_restored;    /* the store was marked restored at its start */
        int jobs; /* its work in the pipeline; freed at 0 once closed */
        uint64_t opened_ms, last_rx_ms, last_tx_ms, status_ms;
        uint64_t rx_bytes_seen; /* link_bytes_in at the last conn_tick */
        uint64_t rep_bytes_in, rep_bytes_out, rep_in, rep_out; /* recorded */
        /* The data budget (BLOBS.md §7.1): the month counted, its bulk
         * bytes on this peer's link (the record's, then this session's),
         * the session's bulk bytes counted in and recorded, and whether
         * LINK-BUDGET was logged. */
        uint32_t bulk_month;
        uint64_t bulk_used, bulk_seen, rep_bulk;
        bool budget_logged;
        char address[NET_ADDR_MAX];
        struct conn *next;
};

struct dialer {
        struct daemon *d;
        size_t index;
        struct backoff bo;
        uv_timer_t timer;
        struct conn *fallback; /* a fallback check (SYNC.md §8) */
        uint64_t fallback_at_ms;
        size_t fallback_index; /* the fallback checked last */
        struct conn *conn, *probe;
        uint64_t probe_at_ms;
        /* While the store is marked restored: a link to a parent not yet
         * heard from, beside the one in use (dialer_restored_check). */
        struct conn *check;
        uint64_t check_at_ms;
};

/*
 * What the daemon itself writes, as data for the next commit (notes.c):
 * a peer's status for `simpul peers` (the session writes the rest of the
 * record), or a meta value (the last fallback check, the restored
 * flag).
 */
struct note {
        enum { NOTE_PEER, NOTE_META } kind;
        /* NOTE_PEER */
        uint8_t key[ENTRY_KEY_BYTES];
        bool counters_only; /* a replaced link: the record is the new one's */
        char region[REGION_BUF];
        char address[NET_ADDR_MAX];
        bool connected, synced;
        uint64_t backlog, at_ms;
        char error[PEER_ERROR_ID_MAX];                         /* "" if none */
        uint64_t bytes_in, bytes_out, entries_in, entries_out; /* to add */
        uint32_t bulk_month; /* the bulk bytes to add are of this month */
        uint64_t bulk;
        /* NOTE_META */
        const char *name; /* static */
        uint8_t value[12];
        size_t len;
        struct note *next;
};

/* A session's writes of its peer's record, in a commit. */
struct job_write {
        struct conn *c;
        struct sync_writes *w;
};

/*
 * Work for the pipeline, one commit at a time: a received batch (checked
 * first), writes alone, a session's store work (a fork proof, a body), or
 * a peer's certificate to check and store. A batch, or writes alone,
 * commits the writes taken when its commit starts: the sessions' peer
 * records and the daemon's notes.
 */
struct job {
        enum { JOB_BATCH, JOB_WRITES, JOB_OP, JOB_CERT } kind;
        struct conn *c;       /* JOB_BATCH, JOB_OP, JOB_CERT: whose */
        struct sync_batch *b; /* JOB_BATCH */
        struct sync_op *op;   /* JOB_OP */
        bool skip; /* its conn is full: finish as STORE-FULL, store nothing */
        /* JOB_BATCH while checked: entries handed to parts, parts out */
        size_t check_next;
        unsigned parts_out;
        struct job_write *writes;
        size_t writes_n;
        struct note *notes;
        int writes_err; /* the commit's result for the writes and notes */
        /* JOB_CERT: a peer's certificate to check and store */
        struct slice cert, issuer_cert;
        struct cert_clock clock;
        struct member_peer peer;
        int cert_err;
        struct job *next;
};

#define DAEMON_NO_TIME_MAX 8U      /* parents remembered as not telling */
#define DAEMON_TIME_RTT_MAX 10000U /* ms: a slower answer is not taken */

/*
 * A part of a batch being checked: one work item on libuv's pool. At most
 * parts_max (one per core) run at once, so the cores verify all the time
 * and a thread of the pool stays free for the commit.
 */
#define PIPELINE_PARTS_MAX 8U /* replica_check_threads' limit */
#define PIPELINE_PART 128U    /* entries: ~6 ms of verifying at most */
#define PIPELINE_PART_MIN 16U
struct check_part {
        uv_work_t work;
        struct daemon *d;
        struct job *j; /* NULL: free */
        size_t from, n;
};

struct daemon {
        uv_loop_t loop;
        struct node *n;
        struct buf prologue, cert, issuer_cert;
        struct sync_config scfg; /* for every session */
        uv_tcp_t server;
        bool listening, dialing, stopping;
        struct dialer dialer;
        /* Wake-ups (wake.c): the HTTP API's, other processes' on the
         * datagram socket wake_fd (-1: none); the next deadline; what is
         * due, after the events of each turn (daemon_due). */
        uv_async_t async;
        uv_poll_t wake;
        int wake_fd;
        uv_timer_t timer;
        uv_prepare_t prepare;
        uv_signal_t sigterm, sigint;
        struct conn *conns; /* open ones; a closed conn waits for its jobs */
        /* The pipeline (pipeline.c): batches checked in parts on libuv's
         * pool (taken in this order), one job committing, jobs ready to
         * commit in order. */
        uv_work_t commit_work;
        struct job *committing;
        struct job *checking, **checking_tail;
        struct check_part parts[PIPELINE_PARTS_MAX];
        unsigned parts_out, parts_max;
        struct job *ready, **ready_tail;
        /* While the pipeline has work: since when (uv_hrtime ns), how long
         * every part was out (the cores all verifying), entries checked. */
        bool busy, parts_full;
        uint64_t busy_ns, mark_ns, full_ns, busy_entries;
        /* For the next commit: the writes of links closed since the last
         * one started, and the daemon's notes. */
        struct job_write *orphans;
        size_t orphans_n;
        struct note *notes, **notes_tail;
        /* The restored flag's writes not yet committed; a clear among
         * them, and whom it was caught up with (for its log line). */
        int restored_writes;
        bool restored_clearing;
        char restored_by[NET_ADDR_MAX + 24];
        uint64_t version;   /* the store's, at the last wake-up */
        uint64_t blobs_gen; /* store_blobs_gen, likewise (a blob opened) */
        uint64_t commits;   /* made by the pipeline */
        uint64_t trimmed_commits, trim_ms; /* store_trim: at commits, when */
        uint64_t stats_ms;        /* http: when the figures were last copied */
        uint64_t poll_at_ms;      /* without wake_fd: the next store_check */
        uint64_t full_holdoff_ms; /* the next conn_full hold-off; 0: none yet */
        uint64_t busy_logged_ms, busy_refused; /* LINK-BUSY, see refuse_busy */
        /* While the store is marked restored: the parents caught up with
         * since this daemon started (bit i: [net] parent i). */
        uint32_t parents_heard;
        struct link_config lcfg;
        struct daemon_stats *stats; /* http: figures published (or NULL) */
        /* Parents that refused TIME_REQUEST (an older simpul): not asked
         * again while this daemon runs (asktime.c). */
        uint8_t no_time[DAEMON_NO_TIME_MAX][ENTRY_KEY_BYTES];
        size_t no_time_n;
};

/* ---- asktime.c: a parent's time for a node without one (SYNC.md §6.1) -- */

/* After each event of a started session: asks a dialled parent for its
 * time while this node's clock cannot be right, and takes the answer. */
void conn_time(struct conn *c);
/* The link closed with the peer's err: a parent too old to know
 * TIME_REQUEST is not asked again. */
void conn_time_closed(struct conn *c, int err);

/* The first 8 bytes of a key in hex, for log lines. */
static inline char *
daemon_key_short(char out[17], const uint8_t *key)
{
        hex_encode(out, key, 8);
        return out;
}

/* ---- conn.c: one link's state ------------------------------------------ */

struct conn *conn_new(struct daemon *d, struct dialer *dl);
/* Off d->conns (a closed conn, or one moved to the back). */
void conn_unlink(struct conn *c);
/* Once closed and its last job came back. */
void conn_free(struct conn *c);
/* Sends the frames its session ended; conn_flush ends the one being
 * built first (the end of an event). */
void conn_tx(struct conn *c);
void conn_flush(struct conn *c);
/* Refuses the peer: one log line with why's (or err's) id, ERROR why to
 * the peer when why is set, then the link closes. */
void conn_fail(struct conn *c, int err, const char *why);
/* The same for a refusal logged already (the replica's, the peer's). */
void conn_close_logged(struct conn *c, int err, const char *why);
/* The store is full: the link reads no more of this session (SYNC.md §5). */
void conn_full(struct conn *c);
/* After its session handled an event (err, why: what it returned): frames
 * out, its error, its work to the pipeline, pushes. */
void conn_after(struct conn *c, int err, const char *why);
/* A frame from the link, to its session. */
void conn_deliver(struct conn *c, struct slice frame);
/* LINK-OPEN and the peer's status: its session starts. */
void conn_log_open(struct conn *c);
/* The session caught up: SYNC-CAUGHT-UP, the restored flag's parents. */
void conn_caught_up(struct conn *c);
/* Reads the link again when its session wants input. */
void conn_read_resume(struct conn *c);
/* Liveness and keepalive, the status, a full store's retry, a fallback
 * check's end: after every turn of the loop. Returns its next deadline
 * (loop ms), UINT64_MAX if none. */
uint64_t conn_tick(struct conn *c, uint64_t now);
/* The store changed: every session rescans and pushes. */
/* The earlier of two deadlines (UINT64_MAX: none). */
static inline uint64_t
min_ms(uint64_t a, uint64_t b)
{
        return a < b ? a : b;
}

void daemon_changed(struct daemon *d);
/* What a parent holds changed: each link passes it on (SYNC.md §5.4). */
void daemon_held_changed(struct daemon *d);
/* A revocation stored: the links of peers no longer standing close. */
void daemon_revoked_close(struct daemon *d);

/* ---- notes.c: what the daemon writes, for the next commit -------------- */

/* The link's state in its peer's record (`simpul peers`). */
void note_peer(struct conn *c, bool connected, int err);
/* A meta value (name static; len <= 12). */
void note_meta(struct daemon *d, const char *name, const uint8_t *v,
               size_t len);
/* The store's restored flag; clearing it takes effect once durable. */
void note_restored(struct daemon *d, bool restored);
/* In the committing thread, in its write transaction. Store errors. */
int note_apply(const struct note *nt, struct store_txn *t);
/* On the loop thread: the notes committed (result 0) or not; frees them. */
void notes_done(struct daemon *d, struct note *nt, int result);

/* ---- pipeline.c: store work off the loop ------------------------------- */

/* Starts what can start: the next commit, the next check. */
void pipeline_next(struct daemon *d);
/* How many parts of batches may be checked at once (sizes libuv's pool). */
unsigned pipeline_parts(struct node *n);
/* The session's fork proof or body, if it has one, to the commits. */
void pipeline_op(struct conn *c);
/* The peer's certificate, if the session has one to check, likewise. */
void pipeline_cert(struct conn *c);
/* A closed link's last writes go with the next commit. */
void pipeline_orphan(struct conn *c);

/* ---- dialer.c: links to parents ----------------------------------------- */

void dialer_start(struct daemon *d);
/* One of its links closed (err: why). */
void dialer_closed(struct dialer *dl, struct conn *c, int err);
/* After every turn of the loop: probe the first parent, check a fallback,
 * hear every parent while the store is restored. Each returns the next
 * deadline it waits for (loop ms), UINT64_MAX if none. */
uint64_t dialer_probe(struct dialer *dl, uint64_t now);
uint64_t dialer_fallback_dial(struct dialer *dl, uint64_t now);
uint64_t dialer_restored_check(struct dialer *dl, uint64_t now);
/* Is c a fallback check that is done (SYNC.md §8)? */
bool dialer_fallback_done(const struct conn *c);

/* ---- links.c: net's callbacks ------------------------------------------- */

extern const struct link_cbs links_cbs;
/* A connection to the listening socket. */
void links_on_connection(uv_stream_t *server, int status);

#endif
