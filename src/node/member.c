/* member: the daemon's view of membership (proto/MEMBERSHIP.md), bound to
 * replica's certificate functions. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "daemon.h"

/*
 * The clock for a peer's certificate periods (MEMBERSHIP.md §4.2 Time). A
 * Raspberry Pi has no real-time clock and may boot in 1970 until NTP
 * answers: a reading before this node's clock floor is unknown, and then
 * only what holds at any time after the floor is checked. Logged once
 * each time the clock turns unknown, and when it is known again.
 */
void
member_clock(struct node *n, struct cert_clock *k)
{
        static bool unknown;
        bool now_unknown;

        node_clock(n, k);
        now_unknown = !cert_clock_known(k);
        if (now_unknown && !unknown) {
                time_t t = (time_t)(k->floor_ms / 1000U);
                char floor[32] = "?";
                struct tm tm;

                if (gmtime_r(&t, &tm))
                        strftime(floor, sizeof(floor), "%Y-%m-%dT%H:%M:%SZ",
                                 &tm);
                log_warn("CLOCK-UNKNOWN",
                         "this machine's clock reads before %s (this node's "
                         "certificate, or 2024): until it is set (NTP), a "
                         "peer's certificate is refused only if it expired "
                         "before then",
                         floor);
        } else if (!now_unknown && unknown) {
                log_info("CLOCK-UNKNOWN", "the clock is set again: "
                                          "certificate periods are checked");
        }
        unknown = now_unknown;
}

int
member_load(struct node *n, uint8_t network_id[ENTRY_HASH_BYTES],
            struct buf *cert, struct buf *issuer_cert)
{
        struct network net;
        struct cert_info ci;
        int err;

        if (!n->replica.has_network) {
                log_error("NODE-NOT-ENROLLED",
                          "this node belongs to no network: run simpul "
                          "enroll request, have it signed, then simpul "
                          "enroll accept");
                return ERR_NOT_ENROLLED;
        }
        err = node_cert_load(n->dir, &net, cert, issuer_cert);
        if (!err && memcmp(net.id, n->replica.network.id, ENTRY_HASH_BYTES))
                err = ERR_NETWORK;
        if (!err)
                err = cert_verify(&n->replica.network, buf_slice(cert),
                                  issuer_cert->len ? buf_slice(issuer_cert)
                                                   : slice_make(NULL, 0),
                                  0, &ci, NULL);
        if (!err && memcmp(ci.node_pk, n->key->pk, ENTRY_KEY_BYTES))
                err = ERR_CERT;
        if (err) {
                log_error(err_id(err), "this node's certificate: %s",
                          err_str(err));
                return err;
        }
        memcpy(network_id, n->replica.network.id, ENTRY_HASH_BYTES);
        return 0;
}

/*
 * The fast path's check of a delegated certificate's issuer: its held
 * certificate must be valid now too (MEMBERSHIP.md §4.2 Time), as on the
 * full path. ERR_CERT_EXPIRED; ERR_CERT when it is not held.
 */
static int
issuer_time(struct node *n, const struct cert_info *ci,
            const struct cert_clock *clock)
{
        struct buf cert = BUF_INIT;
        struct cert_info ic;
        int err;

        if (!memcmp(ci->issuer_pk, n->replica.network.desc.root_pk,
                    ENTRY_KEY_BYTES))
                return 0;
        err = replica_peer_cert(&n->replica, ci->issuer_pk, &cert);
        if (err == ERR_NOT_FOUND)
                err = ERR_CERT;
        if (!err && cert_parse(buf_slice(&cert), &ic))
                err = ERR_CERT;
        if (!err)
                err = cert_check_clock(&ic, clock);
        buf_release(&cert);
        return err;
}

static void
peer_fill(struct member_peer *out, const struct cert_info *ci,
          const uint8_t cert_hash[ENTRY_HASH_BYTES])
{
        memcpy(out->region, ci->region, REGION_BUF);
        snprintf(out->name, sizeof(out->name), "%s", ci->name);
        memcpy(out->issuer, ci->issuer_pk, ENTRY_KEY_BYTES);
        memcpy(out->cert_hash, cert_hash, ENTRY_HASH_BYTES);
}

int
member_known(struct node *n, const uint8_t key[ENTRY_KEY_BYTES],
             const uint8_t *cert_hash, struct member_peer *out)
{
        uint8_t h[ENTRY_HASH_BYTES];
        struct buf cert = BUF_INIT;
        struct cert_info ci;
        struct cert_clock clock;
        bool revoked = false;
        int err;

        if ((err = replica_revoked(&n->replica, key, &revoked)))
                return err;
        if (revoked)
                return ERR_REVOKED;
        if ((err = replica_peer_cert(&n->replica, key, &cert)))
                goto out;
        hash_bytes(h, buf_slice(&cert));
        /* Another certificate than the one held: ask for it. */
        if (memcmp(h, cert_hash, SYNC_CERT_HASH_BYTES) ||
            cert_parse(buf_slice(&cert), &ci)) {
                err = ERR_NOT_FOUND;
                goto out;
        }
        member_clock(n, &clock);
        if ((err = cert_check_clock(&ci, &clock)) ||
            (err = issuer_time(n, &ci, &clock)))
                goto out;
        peer_fill(out, &ci, h);
out:
        buf_release(&cert);
        return err;
}

int
member_accept(struct node *n, const uint8_t key[ENTRY_KEY_BYTES],
              struct slice cert, struct slice issuer_cert,
              const struct cert_clock *clock, struct member_peer *out)
{
        uint8_t h[ENTRY_HASH_BYTES];
        struct cert_info ci;
        int err;

        err = replica_check_peer(
            &n->replica, key, cert,
            issuer_cert.len ? issuer_cert : slice_make(NULL, 0), clock, &ci);
        if (err)
                return err;
        hash_bytes(h, cert);
        peer_fill(out, &ci, h);
        return 0;
}

int
member_standing(struct node *n, const uint8_t key[ENTRY_KEY_BYTES],
                const struct member_peer *peer)
{
        return replica_peer_standing(&n->replica, key, peer->issuer,
                                     peer->cert_hash);
}
