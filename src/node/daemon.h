/*
 * daemon: `simpul run` — the node's libuv loop: it listens for child
 * links, dials its parent (with fallbacks and backoff), runs one sync
 * session per link, pushes new entries within a second, keeps links
 * alive and stops cleanly on SIGTERM/SIGINT. The loop thread reads the
 * store and never writes it: received batches, the sessions' peer
 * records, the daemon's own records and peers' certificates are written
 * off the loop, one commit at a time (LMDB has one writer).
 *
 * Names: a *peer* is a remote node (by key), a *link* one connection with
 * it, the *session* (src/sync) the protocol state of a link, a *conn* the
 * daemon's record of a link, a *dialer* what keeps a link to a parent
 * (daemon_int.h says more).
 *
 * Internal to src/node (cmd_run.c calls daemon_run).
 */
#ifndef SIMPUL_DAEMON_H
#define SIMPUL_DAEMON_H

#include <uv.h>

#include "../net/net.h"
#include "../sync/sync.h"
#include "node.h"

#define DAEMON_QUEUE_HIGH (1024U * 1024U) /* stop pumping above this */
#define DAEMON_HS_MAX 64U     /* accepted connections in their handshake */
#define DAEMON_HS_PER_ADDR 8U /* ... from one address */

struct daemon;

/* What the daemon knows of a peer once its certificate checked out. */
struct member_peer {
        char region[REGION_BUF];
        char name[NODE_NAME_MAX];
        uint8_t issuer[ENTRY_KEY_BYTES];     /* its certificate's issuer */
        uint8_t cert_hash[ENTRY_HASH_BYTES]; /* of the certificate taken */
};

/*
 * Membership, bound to src/replica's certificate functions (member.c):
 * the network id for the handshake prologue, this node's certificate,
 * whether a peer's certificate with this hash is held and valid, and
 * checking (and storing) a certificate a peer presented.
 */
int member_load(struct node *n, uint8_t network_id[ENTRY_HASH_BYTES],
                struct buf *cert, struct buf *issuer_cert) WUR;
int member_known(struct node *n, const uint8_t key[ENTRY_KEY_BYTES],
                 const uint8_t *cert_hash, struct member_peer *out) WUR;
/* The clock for certificate periods (MEMBERSHIP.md §4.2 Time), logging
 * when it turns unknown or known again: on the loop thread only. */
void member_clock(struct node *n, struct cert_clock *clock);
/* Checks the certificate a peer presented against clock (borrowed) and
 * stores it, in its own write transaction: for the committing thread
 * (the loop thread writes nothing). Errors of replica_check_peer. */
int member_accept(struct node *n, const uint8_t key[ENTRY_KEY_BYTES],
                  struct slice cert, struct slice issuer_cert,
                  const struct cert_clock *clock, struct member_peer *out) WUR;
/*
 * Whether a peer taken earlier still stands, against the store now: the
 * key and its certificate's issuer not revoked (MEMBERSHIP.md §7.2, §8.3
 * step 4). ERR_REVOKED, store errors.
 */
int member_standing(struct node *n, const uint8_t key[ENTRY_KEY_BYTES],
                    const struct member_peer *peer) WUR;

/*
 * Runs the node until SIGTERM/SIGINT (or daemon_stop). n must be open with
 * its key. Returns 0 after a clean stop, or the error that prevented the
 * start (already logged).
 */
int daemon_run(struct node *n) WUR;

/*
 * Waits until ready(arg) is true, asked every every_ms on a loop of its
 * own, or until SIGTERM/SIGINT: simpul run before its node can run (not
 * set up, not enrolled) while the HTTP API serves. Returns 0 when ready,
 * 1 when stopped by the signal, -errno when no loop could be made.
 */
int daemon_wait(bool (*ready)(void *arg), void *arg, unsigned every_ms) WUR;

/* ---- waking the daemon, and its lock (wake.c) ---------------------------
 *
 * node_changed (node.h) wakes the daemon: through async when it runs in
 * this process (registered for its loop's life; NULL unregisters), else
 * through the datagram socket the daemon binds with node_wake_bind.
 */
void node_wake_register(const struct node *n, uv_async_t *async);
/* Binds dir/NODE_WAKE_FILE (replacing one left by a dead daemon: hold the
 * lock first) into *fd, non-blocking. -errno. */
int node_wake_bind(const char *dir, int *fd) WUR;
/* Takes the lock of dir/NODE_PID_FILE for the life of this process (or
 * until *fd is closed) and writes the pid in it. ERR_EXISTS when another
 * daemon holds it (*holder: its pid, 0 if unknown), -errno. */
int node_daemon_lock(const char *dir, int *fd, uint32_t *holder) WUR;

/* ---- live figures for other threads (the HTTP API's /metrics) ----------
 *
 * The loop thread owns the daemon; after its events (at most every 50 ms)
 * it copies a few figures into a struct daemon_stats under its lock, and
 * any thread may copy them out.
 * Everything else a reader wants (entries, peers, bytes) is in the store.
 */

struct daemon_figures {
        bool running;            /* the loop is up (false before, after) */
        uint64_t started_ms;     /* wall clock when it started */
        uint64_t updated_ms;     /* wall clock of the last copy */
        uint64_t links_open;     /* links in a sync session */
        uint64_t links_opening;  /* dialling, handshake, certificates */
        uint64_t batches_queued; /* received batches not yet committed */
        uint64_t store_version;  /* the store version the loop last saw */
};

struct daemon_stats {
        uv_mutex_t lock;
        struct daemon_figures f; /* guarded by lock */
};

/* -errno (uv_mutex_init). Release with daemon_stats_release. */
int daemon_stats_init(struct daemon_stats *s) WUR;
void daemon_stats_release(struct daemon_stats *s);
/* Copies the figures out under the lock; any thread. */
void daemon_stats_get(struct daemon_stats *s, struct daemon_figures *out);
/* daemon_run publishing into stats (borrowed for the run; may be NULL). */
int daemon_run_stats(struct node *n, struct daemon_stats *stats) WUR;

#endif
