/* link: one TCP connection, its Noise XX handshake and encrypted frames. */
#include <stdlib.h>
#include <string.h>

#include "../secure/secure.h"
#include "net.h"

#define READ_CHUNK (64U * 1024U)

struct link {
        uv_tcp_t tcp;
        uv_getaddrinfo_t resolve; /* a name to dial: off the loop thread */
        uv_connect_t connect;
        uv_shutdown_t shutdown;
        uv_timer_t hs_timer;
        struct link_config cfg;
        struct buf prologue;
        struct secure_hs *hs;
        struct secure_reader reader;
        struct secure_stream tx, rx;
        struct buf frame;
        char addr[NET_ADDR_MAX];
        uint64_t bytes_in, bytes_out;
        size_t queued;
        int close_err;
        int handles; /* open uv handles; freed when 0 */
        int port;    /* to dial, once the name is resolved */
        bool initiator, connected, open, closing, paused, resolving;
        bool handles_closing; /* close_handles was called */
};

struct link_write {
        uv_write_t req;
        struct link *l;
        size_t len;
        uint8_t data[];
};

static void link_fail(struct link *l, int err);

/* ---- lifecycle ------------------------------------------------------------
 */

/* Drops one of the link's references (its handles, a pending name
 * lookup); the last one ends the link. */
static void
link_unref(struct link *l)
{
        if (--l->handles > 0)
                return;
        l->cfg.cbs->on_close(l, l->close_err);
        secure_hs_free(l->hs);
        secure_reader_release(&l->reader);
        secure_stream_release(&l->tx);
        secure_stream_release(&l->rx);
        buf_release(&l->frame);
        buf_release(&l->prologue);
        free(l);
}

static void
on_handle_closed(uv_handle_t *h)
{
        link_unref(h->data);
}

static void
close_handles(struct link *l)
{
        l->handles_closing = true;
        uv_close((uv_handle_t *)&l->hs_timer, on_handle_closed);
        uv_close((uv_handle_t *)&l->tcp, on_handle_closed);
}

static void
on_shutdown(uv_shutdown_t *req, int status)
{
        struct link *l = req->data;

        (void)status;
        if (!l->handles_closing)
                close_handles(l);
}

/* The queue did not drain in time: close anyway (the pending write and
 * shutdown requests then end with UV_ECANCELED). */
static void
on_flush_timeout(uv_timer_t *t)
{
        struct link *l = t->data;

        if (!l->handles_closing)
                close_handles(l);
}

void
link_close(struct link *l, int err)
{
        if (l->closing)
                return;
        l->closing = true;
        l->close_err = err;
        if (l->resolving) /* not started yet: ends at once, ECANCELED */
                (void)uv_cancel((uv_req_t *)&l->resolve);
        uv_timer_stop(&l->hs_timer);
        uv_read_stop((uv_stream_t *)&l->tcp);
        /* Let queued frames (an ERROR, the last ACK) reach the peer, but
         * not for ever: a black-holed link never drains its queue. */
        l->shutdown.data = l;
        if (!l->connected ||
            uv_shutdown(&l->shutdown, (uv_stream_t *)&l->tcp, on_shutdown))
                close_handles(l);
        else
                uv_timer_start(&l->hs_timer, on_flush_timeout,
                               NET_CLOSE_FLUSH_MS, 0);
}

static void
link_fail(struct link *l, int err)
{
        link_close(l, err ? err : ERR_HANDSHAKE);
}

static struct link *
link_new(uv_loop_t *loop, const struct link_config *cfg, bool initiator)
{
        struct link *l = xcalloc(1, sizeof(*l));

        l->cfg = *cfg;
        buf_add(&l->prologue, cfg->prologue.ptr, cfg->prologue.len);
        l->cfg.prologue = buf_slice(&l->prologue);
        l->initiator = initiator;
        uv_tcp_init(loop, &l->tcp);
        uv_timer_init(loop, &l->hs_timer);
        l->tcp.data = l;
        l->hs_timer.data = l;
        l->handles = 2;
        return l;
}

void *
link_data(const struct link *l)
{
        return l->cfg.data;
}

void
link_set_data(struct link *l, void *data)
{
        l->cfg.data = data;
}

const char *
link_peer_address(const struct link *l)
{
        return l->addr;
}

uint64_t
link_bytes_in(const struct link *l)
{
        return l->bytes_in;
}

uint64_t
link_bytes_out(const struct link *l)
{
        return l->bytes_out;
}

size_t
link_queued(const struct link *l)
{
        return l->queued;
}

size_t
link_rx_partial(const struct link *l)
{
        return l->open ? secure_reader_pending(&l->reader) : 0;
}

/* ---- writing ---------------------------------------------------------------
 */

static void
on_written(uv_write_t *req, int status)
{
        struct link_write *w = container_of(req, struct link_write, req);
        struct link *l = w->l;

        l->queued -= w->len;
        free(w);
        if (status < 0 && !l->closing)
                link_close(l, status);
}

static int
write_raw(struct link *l, struct slice bytes)
{
        struct link_write *w;
        uv_buf_t b;
        int rc;

        if (bytes.len > NET_QUEUE_MAX - l->queued)
                return ERR_LINK_BACKLOG;
        w = xmalloc(sizeof(*w) + bytes.len);
        w->l = l;
        w->len = bytes.len;
        memcpy(w->data, bytes.ptr, bytes.len);
        b = uv_buf_init((char *)w->data, (unsigned)bytes.len);
        rc = uv_write(&w->req, (uv_stream_t *)&l->tcp, &b, 1, on_written);
        if (rc) {
                free(w);
                return rc;
        }
        l->queued += bytes.len;
        l->bytes_out += bytes.len;
        return 0;
}

int
link_send(struct link *l, struct slice plaintext)
{
        struct buf out = BUF_INIT;
        int err;

        if (!l->open || l->closing)
                return ERR_USAGE;
        err = secure_stream_push(&l->tx, plaintext, &out);
        if (!err)
                err = write_raw(l, buf_slice(&out));
        buf_release(&out);
        return err;
}

/* ---- handshake --------------------------------------------------------- */

static int
hs_write(struct link *l, const uint8_t *peer_key)
{
        struct buf payload = BUF_INIT, out = BUF_INIT;
        int err = 0;

        /* msg1 has no payload; msg2 and msg3 carry the owner's. */
        if (!(l->initiator && !peer_key))
                err = l->cfg.cbs->hs_payload(l, peer_key, &payload);
        if (!err)
                err = secure_hs_write_framed(l->hs, buf_slice(&payload), &out);
        if (!err)
                err = write_raw(l, buf_slice(&out));
        buf_release(&payload);
        buf_release(&out);
        return err;
}

static int
hs_finish(struct link *l)
{
        struct buf header = BUF_INIT;
        int err = secure_hs_split(l->hs, &l->tx, &l->rx, &header);

        if (!err)
                err = write_raw(l, buf_slice(&header));
        buf_release(&header);
        if (err)
                return err;
        secure_hs_free(l->hs);
        l->hs = NULL;
        l->open = true;
        uv_timer_stop(&l->hs_timer);
        l->cfg.cbs->on_open(l);
        return 0;
}

static int
hs_step(struct link *l, struct slice msg)
{
        struct buf payload = BUF_INIT;
        const uint8_t *peer;
        int err = secure_hs_read(l->hs, msg, &payload);

        peer = secure_hs_remote_key(l->hs);
        /* The peer's payload comes with msg2 (to us, initiator) or msg3. */
        if (!err && peer)
                err = l->cfg.cbs->hs_peer(l, peer, buf_slice(&payload));
        buf_release(&payload);
        if (!err && secure_hs_want_write(l->hs))
                err = hs_write(l, peer);
        if (!err && secure_hs_done(l->hs))
                err = hs_finish(l);
        return err;
}

/* ---- reading ------------------------------------------------------------- */

static void
on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *b)
{
        (void)h;
        (void)suggested;
        b->base = xmalloc(READ_CHUNK);
        b->len = READ_CHUNK;
}

static int
drain(struct link *l)
{
        struct slice msg;
        int rc;

        while (!l->open && !l->closing) {
                rc = secure_reader_next_hs(&l->reader, &msg);
                if (rc <= 0)
                        return rc;
                if ((rc = hs_step(l, msg)))
                        return rc;
        }
        while (l->open && !l->closing && !l->paused) {
                rc = secure_reader_next(&l->reader, &l->rx, &l->frame);
                if (rc <= 0)
                        return rc;
                l->cfg.cbs->on_frame(l, buf_slice(&l->frame));
        }
        return 0;
}

static void
on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *b)
{
        struct link *l = s->data;
        int err = 0;

        if (n > 0) {
                l->bytes_in += (uint64_t)n;
                secure_reader_feed(&l->reader, slice_make(b->base, (size_t)n));
                err = drain(l);
        } else if (n < 0) {
                err = n == UV_EOF ? ERR_TIMEOUT : (int)n;
                if (n == UV_EOF)
                        err = l->open ? UV_EOF : ERR_HANDSHAKE;
        }
        free(b->base);
        if (err && !l->closing)
                link_fail(l, err);
}

void
link_read_pause(struct link *l, bool pause)
{
        if (l->closing || l->paused == pause)
                return;
        l->paused = pause;
        if (pause) {
                uv_read_stop((uv_stream_t *)&l->tcp);
                return;
        }
        uv_read_start((uv_stream_t *)&l->tcp, on_alloc, on_read);
        /* Frames already buffered are delivered now. */
        if (drain(l) < 0 && !l->closing)
                link_fail(l, l->reader.err);
}

static void
on_hs_timeout(uv_timer_t *t)
{
        link_fail(t->data, ERR_TIMEOUT);
}

static int
link_start(struct link *l)
{
        struct sockaddr_storage ss;
        int len = sizeof(ss), err;
        char host[48] = "?";

        l->connected = true;
        if (!uv_tcp_getpeername(&l->tcp, (struct sockaddr *)&ss, &len)) {
                int port = 0;
                if (ss.ss_family == AF_INET) {
                        struct sockaddr_in *in = (struct sockaddr_in *)&ss;
                        uv_ip4_name(in, host, sizeof(host));
                        port = ntohs(in->sin_port);
                } else if (ss.ss_family == AF_INET6) {
                        struct sockaddr_in6 *in = (struct sockaddr_in6 *)&ss;
                        uv_ip6_name(in, host, sizeof(host));
                        port = ntohs(in->sin6_port);
                }
                snprintf(l->addr, sizeof(l->addr), "%s:%d", host, port);
        }
        uv_tcp_nodelay(&l->tcp, 1);
        uv_timer_start(&l->hs_timer, on_hs_timeout, NET_HS_TIMEOUT_MS, 0);
        if ((err = secure_hs_new(&l->hs, l->initiator, l->cfg.key,
                                 l->cfg.prologue)))
                return err;
        if ((err = uv_read_start((uv_stream_t *)&l->tcp, on_alloc, on_read)))
                return err;
        return l->initiator ? hs_write(l, NULL) : 0;
}

int
link_accept(uv_stream_t *server, const struct link_config *cfg,
            struct link **out)
{
        struct link *l = link_new(server->loop, cfg, false);
        int err = uv_accept(server, (uv_stream_t *)&l->tcp);

        *out = l;
        if (!err)
                err = link_start(l);
        if (err)
                link_fail(l, err);
        return 0;
}

static void
on_connect(uv_connect_t *req, int status)
{
        struct link *l = req->data;
        int err = status;

        if (l->closing)
                return;
        if (!err)
                err = link_start(l);
        if (err)
                link_fail(l, err);
}

static void
link_connect(struct link *l, const struct sockaddr_storage *ss)
{
        int err = uv_tcp_connect(&l->connect, &l->tcp,
                                 (const struct sockaddr *)ss, on_connect);

        if (err)
                link_fail(l, err);
}

static void
on_resolved(uv_getaddrinfo_t *req, int status, struct addrinfo *res)
{
        struct link *l = req->data;
        struct sockaddr_storage ss;

        l->resolving = false;
        if (!l->closing) {
                if (status || !res) {
                        link_fail(l, status ? status : UV_EAI_NONAME);
                } else {
                        net_addr_set(&ss, net_addr_pick(res), l->port);
                        link_connect(l, &ss);
                }
        }
        uv_freeaddrinfo(res);
        link_unref(l);
}

int
link_dial(uv_loop_t *loop, const char *address, const struct link_config *cfg,
          struct link **out)
{
        struct sockaddr_storage ss;
        struct link *l;
        int err;

        char host[NET_ADDR_MAX];
        struct addrinfo hints;
        int port;

        *out = NULL;
        if ((err = net_addr_split(address, host, &port)))
                return err;
        if (port == 0)
                return ERR_CONFIG;
        l = link_new(loop, cfg, true);
        *out = l;
        snprintf(l->addr, sizeof(l->addr), "%s", address);
        l->connect.data = l;
        if (!net_addr_literal(host, port, &ss)) {
                link_connect(l, &ss);
                return 0;
        }
        /* A name: resolved in libuv's thread pool, never on the loop. */
        memset(&hints, 0, sizeof(hints));
        hints.ai_family = AF_UNSPEC;
        hints.ai_socktype = SOCK_STREAM;
        l->port = port;
        l->resolve.data = l;
        l->handles++; /* until on_resolved */
        l->resolving = true;
        if ((err = uv_getaddrinfo(loop, &l->resolve, on_resolved, host, NULL,
                                  &hints))) {
                l->handles--;
                l->resolving = false;
                link_fail(l, err);
        }
        return 0;
}
