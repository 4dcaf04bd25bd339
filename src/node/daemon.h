/*
 * daemon: `simpul run` — the node's libuv loop: it listens for child
 * links, dials its parent (with fallbacks and backoff), runs one sync
 * session per link, commits received batches off the loop (one at a time:
 * LMDB has one writer), pushes new entries within a second, keeps links
 * alive and stops cleanly on SIGTERM/SIGINT.
 *
 * Internal to src/node (cmd_run.c calls daemon_run).
 */
#ifndef SIMPUL_DAEMON_H
#define SIMPUL_DAEMON_H

#include <uv.h>

#include "../net/net.h"
#include "../sync/sync.h"
#include "node.h"

#define DAEMON_TICK_MS 50U /* notices a post by another process */
#define DAEMON_QUEUE_HIGH (1024U * 1024U) /* stop pumping above this */

struct daemon;

/* What the daemon knows of a peer once its certificate checked out. */
struct member_peer {
        char region[REGION_BUF];
        char name[NODE_NAME_MAX];
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
int member_accept(struct node *n, const uint8_t key[ENTRY_KEY_BYTES],
                  struct slice cert, struct slice issuer_cert,
                  struct member_peer *out) WUR;

/*
 * Runs the node until SIGTERM/SIGINT (or daemon_stop). n must be open with
 * its key. Returns 0 after a clean stop, or the error that prevented the
 * start (already logged).
 */
int daemon_run(struct node *n) WUR;

#endif
