/*
 * links: the callbacks of net's links (handshake payloads, open, frames,
 * close) and accepting connections, with the bounds on links not yet
 * validated (SYNC.md §3).
 */
#include <stdio.h>
#include <string.h>

#include "daemon_int.h"

static int
cb_hs_payload(struct link *l, const uint8_t *peer_key, struct buf *out)
{
        struct conn *c = link_data(l);

        (void)peer_key;
        c->link = l; /* the first callback of an accepted link */
        return sync_hs_payload(c->s, out);
}

static int
cb_hs_peer(struct link *l, const uint8_t *peer_key, struct slice payload)
{
        struct conn *c = link_data(l);
        uint8_t hash[SYNC_CERT_HASH_BYTES];
        int err;

        c->link = l; /* the first callback of a dialled link */
        memcpy(c->key, peer_key, ENTRY_KEY_BYTES);
        c->has_key = true;
        snprintf(c->address, sizeof(c->address), "%s", link_peer_address(l));
        if (!memcmp(peer_key, c->d->n->key->pk, ENTRY_KEY_BYTES))
                return ERR_HANDSHAKE; /* a node dialling itself */
        if ((err = sync_hs_peer(c->s, peer_key, payload, hash)))
                return err;
        err = member_known(c->d->n, peer_key, hash, &c->peer);
        if (!err)
                sync_hs_valid(c->s, c->peer.region);
        return err == ERR_NOT_FOUND ? 0 : err;
}

/*
 * One link per peer key (SYNC.md §3): a new link from a key replaces the
 * one open before it (a reconnect after a half-dead link, or a peer that
 * opens many). A dialled link that is replaced is dialled again later.
 */
static void
replace_older(struct conn *c)
{
        char k[17];

        if (!c->has_key)
                return;
        for (struct conn *o = c->d->conns; o; o = o->next) {
                if (o == c || !o->link || !o->has_key ||
                    memcmp(o->key, c->key, ENTRY_KEY_BYTES))
                        continue;
                log_info("LINK-REPLACED",
                         "link %s peer %s: replaced by a new link from %s",
                         o->address, daemon_key_short(k, o->key), c->address);
                o->failed = true; /* this is its one line */
                link_close(o->link, 0);
        }
}

static void
cb_open(struct link *l)
{
        struct conn *c = link_data(l);
        struct dialer *dl = c->dialer;
        const char *why = NULL;
        int err;

        c->opened = true;
        c->opened_ms = c->last_rx_ms = c->last_tx_ms = uv_now(&c->d->loop);
        /* A probe that reached the parent replaces the fallback link. */
        if (dl && dl->probe == c) {
                dl->probe = NULL;
                if (dl->conn && dl->conn->link) {
                        dl->conn->replaced = true;
                        link_close(dl->conn->link, 0);
                }
                dl->conn = c;
                dl->index = 0;
        }
        replace_older(c);
        if (sync_validated(c->s))
                conn_log_open(c);
        /* Starts, or asks for the peer's certificate (CERT_REQUEST). */
        err = sync_open(c->s, &why);
        conn_after(c, err, why);
}

static void
cb_frame(struct link *l, struct slice frame)
{
        struct conn *c = link_data(l);

        c->last_rx_ms = uv_now(&c->d->loop);
        log_debug("LINK-FRAME", "link %s: frame of %zu bytes", c->address,
                  frame.len);
        conn_deliver(c, frame);
}

static void
cb_close(struct link *l, int err)
{
        struct conn *c = link_data(l);
        struct daemon *d = c->d;
        char k[17] = "-";

        if (c->has_key)
                daemon_key_short(k, c->key);
        if (!c->address[0])
                snprintf(c->address, sizeof(c->address), "%s",
                         link_peer_address(l));
        if (err && err != UV_EOF && !c->failed && !c->d->stopping)
                /* Refused at the link level (a bad frame, a timeout, a
                 * failed handshake): one line under the refusal's id. */
                log_warn(err_id(err), "link %s peer %s %s: %s",
                         c->address[0] ? c->address : "?", k,
                         c->opened ? "closed" : "failed", err_str(err));
        else if (c->opened)
                log_info("LINK-CLOSED", "link %s peer %s closed: %s",
                         c->address, k,
                         err == UV_EOF ? "by the peer"
                         : err         ? err_id(err)
                                       : "ok");
        if (c->opened || c->has_key)
                note_peer(c, false, err == UV_EOF ? 0 : err);
        c->link = NULL; /* freed by net after this returns */
        conn_unlink(c);
        pipeline_orphan(c);
        if (c->dialer)
                dialer_closed(c->dialer, c, err);
        if (!c->jobs)
                conn_free(c);
        pipeline_next(d);
}

/*
 * Connections still in their handshake (Noise, then the certificate) have
 * proven nothing: at most
 * DAEMON_HS_MAX of them, and DAEMON_HS_PER_ADDR from one address (SYNC.md
 * §3), so a peer that opens many and never finishes cannot hold the slots
 * of the others for longer than the handshake timeout.
 */
static bool
handshakes_over(struct daemon *d, const struct conn *c)
{
        const char *addr = link_peer_address(c->link);
        size_t host = strcspn(addr, ":"), all = 0, same = 0;

        if (strchr(addr + host + 1, ':')) /* IPv6: "[a:b::c]:port" */
                host = (size_t)(strrchr(addr, ':') - addr);
        for (const struct conn *o = d->conns; o; o = o->next) {
                const char *oa;
                if (o->dialer || !o->link || sync_validated(o->s))
                        continue;
                all++;
                oa = link_peer_address(o->link);
                if (!strncmp(oa, addr, host) && oa[host] == ':')
                        same++;
        }
        return all > DAEMON_HS_MAX || same > DAEMON_HS_PER_ADDR;
}

/* One line a second at most: a flood of connections is one event. */
static void
refuse_busy(struct daemon *d, struct conn *c)
{
        uint64_t now = uv_now(&d->loop);

        d->busy_refused++;
        if (now - d->busy_logged_ms >= 1000U || !d->busy_logged_ms) {
                log_warn("LINK-BUSY",
                         "refused a connection from %s: %s (%llu refused "
                         "since the last line)",
                         link_peer_address(c->link), err_str(ERR_LINK_BUSY),
                         (unsigned long long)d->busy_refused);
                d->busy_logged_ms = now;
                d->busy_refused = 0;
        }
        c->failed = true;
        link_close(c->link, ERR_LINK_BUSY);
}

void
links_on_connection(uv_stream_t *server, int status)
{
        struct daemon *d = server->data;
        struct link_config cfg = d->lcfg;
        struct conn *c;

        if (status < 0 || d->stopping)
                return;
        c = conn_new(d, NULL);
        cfg.data = c;
        if (link_accept(server, &cfg, &c->link)) {
                log_warn("LINK-FAILED", "cannot accept a connection");
                return;
        }
        if (c->link && handshakes_over(d, c))
                refuse_busy(d, c);
}

const struct link_cbs links_cbs = {cb_hs_payload, cb_hs_peer, cb_open, cb_frame,
                                   cb_close};
