/*
 * net: TCP links over libuv, each running the Noise XX handshake and then
 * the encrypted frame stream of src/secure (proto/HANDSHAKE.md); addresses;
 * re-dial backoff with jitter. The only libuv user besides node/ and http/.
 *
 * A link belongs to the loop thread. Its owner gets callbacks:
 *   hs_payload  write the simpul part of our next handshake payload;
 *   hs_peer     the peer's payload arrived, with its authenticated key
 *               (return an error to refuse the peer: the link closes);
 *   on_open     the streams are ready: frames may be sent;
 *   on_frame    one decrypted frame (borrowed for the call);
 *   on_close    the link is gone (err 0: closed by us without error);
 *               the struct link is freed after this returns.
 * Every close path ends in exactly one on_close.
 */
#ifndef SIMPUL_NET_H
#define SIMPUL_NET_H

#include <uv.h>

#include "../base/base.h"
#include "../entry/entry.h"

#define NET_ADDR_MAX 64U
#define NET_HS_TIMEOUT_MS 15000U
#define NET_CLOSE_FLUSH_MS 5000U /* link_close: longest wait for the queue */
/* A link whose unwritten bytes would pass this is closed (LINK-BACKLOG):
 * a peer that stops reading cannot make us buffer its answers for ever.
 * The daemon pushes only while under 1 MiB queued; a frame is at most
 * 1 MiB more. */
#define NET_QUEUE_MAX (4U * 1024U * 1024U)

struct link;

struct link_cbs {
        int (*hs_payload)(struct link *l, const uint8_t *peer_key,
                          struct buf *out);
        int (*hs_peer)(struct link *l, const uint8_t *peer_key,
                       struct slice payload);
        void (*on_open)(struct link *l);
        void (*on_frame)(struct link *l, struct slice frame);
        void (*on_close)(struct link *l, int err);
};

struct link_config {
        const struct key *key; /* borrowed for the link's life */
        struct slice prologue; /* copied */
        const struct link_cbs *cbs;
        void *data; /* the owner's, see link_data */
};

/* Starts the handshake on an accepted connection (server is listening).
 * Takes the accepted handle; errors are reported through on_close. *out
 * gets the link at once (valid until its on_close), so that its owner can
 * close it before any callback. */
int link_accept(uv_stream_t *server, const struct link_config *cfg,
                struct link **out) WUR;
/* Dials host:port and runs the handshake as initiator; the result comes
 * through on_close (failure) or on_open. *out as for link_accept (NULL
 * when an error is returned). */
int link_dial(uv_loop_t *loop, const char *address,
              const struct link_config *cfg, struct link **out) WUR;

void *link_data(const struct link *l);
void link_set_data(struct link *l, void *data);
/* "ip:port" of the peer (borrowed). */
const char *link_peer_address(const struct link *l);
/* Encrypts and queues one frame (borrowed). ERR_FRAME_TOO_BIG;
 * ERR_LINK_BACKLOG when NET_QUEUE_MAX would be passed (close the link). */
int link_send(struct link *l, struct slice plaintext) WUR;
/* Bytes queued and not yet written to the socket. */
size_t link_queued(const struct link *l);
/* Bytes received of a frame not yet whole (read, not yet delivered). */
size_t link_rx_partial(const struct link *l);
/* Stop or resume reading (backpressure). */
void link_read_pause(struct link *l, bool pause);
/* Closes: queued frames are flushed first when err is 0. */
void link_close(struct link *l, int err);
/* Totals of bytes on the wire (both handshake and frames). */
uint64_t link_bytes_in(const struct link *l);
uint64_t link_bytes_out(const struct link *l);

/* Parses "host:port" (an IP literal, or a name resolved synchronously:
 * for listening at startup; link_dial resolves names off the loop).
 * ERR_CONFIG. */
int net_addr_parse(const char *text, struct sockaddr_storage *out) WUR;
/* Splits "host:port" ("[v6]:port" too) into host and port 0..65535.
 * ERR_CONFIG. */
int net_addr_split(const char *text, char host[NET_ADDR_MAX], int *port) WUR;
/* host as an IPv4 or IPv6 literal with port into out; ERR_NOT_FOUND if it
 * is a name. */
int net_addr_literal(const char *host, int port,
                     struct sockaddr_storage *out) WUR;
/* Of resolved addresses, the one to dial (IPv4 first). */
const struct addrinfo *net_addr_pick(const struct addrinfo *res);
/* A resolved address with port into out. */
void net_addr_set(struct sockaddr_storage *out, const struct addrinfo *a,
                  int port);
/* Binds and listens; on_connection gets (server, status). */
int net_listen(uv_loop_t *loop, uv_tcp_t *server, const char *address,
               uv_connection_cb on_connection) WUR;

/* Exponential backoff with full jitter: the next delay in ms. */
struct backoff {
        uint64_t min_ms, max_ms;
        unsigned attempt;
};
uint64_t backoff_next(struct backoff *b);
void backoff_reset(struct backoff *b);

#endif
