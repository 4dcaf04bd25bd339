/*
 * cert: signing and verifying membership certificates and enrolment
 * requests, the certificate chain of a network, and the one-line text forms
 * for operators (proto/MEMBERSHIP.md). Bytes are made and split by wire/.
 */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "entry.h"

#define B64_VARIANT sodium_base64_VARIANT_URLSAFE_NO_PADDING

/* Domain separation: each signed message is its context || body bytes. */
static const char cert_context[] = "simpul cert v1";
static const char request_context[] = "simpul enroll request v1";
#define SIGNED_BODY_MAX                                                        \
        (CERT_BODY_MAX > REQUEST_MAX ? CERT_BODY_MAX : REQUEST_MAX)
#define SIGNED_MSG_MAX (sizeof(request_context) - 1 + SIGNED_BODY_MAX)

/* ---- signing and checking [body, sig] -------------------------------------
 */

static size_t
signed_message(uint8_t msg[SIGNED_MSG_MAX], const char *context,
               struct slice body)
{
        size_t n = strlen(context);

        if (body.len > SIGNED_BODY_MAX)
                abort(); /* our bug: the decoders bound every body */
        memcpy(msg, context, n);
        memcpy(msg + n, body.ptr, body.len);
        return n + body.len;
}

/* Signs body under context and appends [body, sig] to out. */
static void
sign_body(const struct key *k, const char *context, struct slice body,
          struct buf *out)
{
        uint8_t msg[SIGNED_MSG_MAX];
        uint8_t sig[ENTRY_SIG_BYTES];

        crypto_sign_detached(sig, NULL, msg, signed_message(msg, context, body),
                             k->sk);
        wire_signed_encode(body, sig, out);
}

static int
verify_body(const char *context, struct slice body, struct slice sig,
            const uint8_t pk[ENTRY_KEY_BYTES])
{
        uint8_t msg[SIGNED_MSG_MAX];
        size_t n = signed_message(msg, context, body);

        return crypto_sign_verify_detached(sig.ptr, msg, n, pk) ? ERR_CERT : 0;
}

/* ---- networks ------------------------------------------------------------ */

void
network_init(struct network *n, const struct network_desc *d)
{
        struct buf bytes = BUF_INIT;

        n->desc = *d;
        wire_network_encode(d, &bytes);
        hash_bytes(n->id, buf_slice(&bytes));
        buf_release(&bytes);
}

int
network_open(struct slice bytes, struct network *n)
{
        int err;

        memset(n, 0, sizeof(*n));
        if ((err = wire_network_decode(bytes, &n->desc)))
                return err;
        /* Canonical: the bytes are the encoding, so their hash is the id. */
        hash_bytes(n->id, bytes);
        return 0;
}

/* ---- certificates -------------------------------------------------------- */

void
cert_sign(const struct key *issuer, struct cert_info *c, struct buf *out)
{
        struct buf body = BUF_INIT;

        memcpy(c->issuer_pk, issuer->pk, ENTRY_KEY_BYTES);
        wire_cert_body_encode(c, &body);
        sign_body(issuer, cert_context, buf_slice(&body), out);
        buf_release(&body);
}

int
cert_open(struct slice bytes, struct cert_info *c)
{
        struct slice body, sig;
        int err;

        memset(c, 0, sizeof(*c));
        if ((err = wire_signed_decode(bytes, CERT_MAX, &body, &sig)) ||
            (err = wire_cert_body_decode(body, c)) ||
            (err = verify_body(cert_context, body, sig, c->issuer_pk)))
                memset(c, 0, sizeof(*c));
        return err;
}

int
cert_parse(struct slice bytes, struct cert_info *c)
{
        struct slice body, sig;
        int err;

        memset(c, 0, sizeof(*c));
        if ((err = wire_signed_decode(bytes, CERT_MAX, &body, &sig)))
                return err;
        return wire_cert_body_decode(body, c);
}

int
cert_check_time(const struct cert_info *c, uint64_t now_ms)
{
        return now_ms < c->valid_from_ms || now_ms >= c->valid_until_ms
                   ? ERR_CERT_EXPIRED
                   : 0;
}

bool
cert_clock_known(const struct cert_clock *k)
{
        return k->now_ms >= k->floor_ms;
}

int
cert_check_clock(const struct cert_info *c, const struct cert_clock *k)
{
        if (cert_clock_known(k))
                return cert_check_time(c, k->now_ms);
        return k->floor_ms < c->valid_until_ms ? 0 : ERR_CERT_EXPIRED;
}

/* Network and region rules every certificate of the chain obeys. */
static int
cert_in_network(const struct network *net, const struct cert_info *c)
{
        if (memcmp(c->network_id, net->id, ENTRY_HASH_BYTES))
                return ERR_NETWORK;
        if (!memcmp(c->node_pk, net->desc.root_pk, ENTRY_KEY_BYTES) ||
            !region_covers(net->desc.region, c->region))
                return ERR_CERT;
        return 0;
}

/* A delegated issuer's own certificate, checked against the subject's. */
static int
issuer_ok(const struct network *net, const struct cert_info *c,
          struct slice issuer_cert, struct cert_info *ic)
{
        int err;

        /* Depth 1: what a delegated issuer certifies cannot issue. */
        if (c->flags != 0 || !issuer_cert.ptr)
                return ERR_CERT;
        if ((err = cert_open(issuer_cert, ic)) ||
            (err = cert_in_network(net, ic)))
                return err;
        if (memcmp(ic->node_pk, c->issuer_pk, ENTRY_KEY_BYTES) ||
            memcmp(ic->issuer_pk, net->desc.root_pk, ENTRY_KEY_BYTES) ||
            !(ic->flags & CERT_FLAG_ISSUER) ||
            !region_covers(ic->region, c->region))
                return ERR_CERT;
        return 0;
}

static int
chain_check(const struct network *net, struct slice cert,
            struct slice issuer_cert, struct cert_info *c, struct cert_info *ic)
{
        int err;

        if ((err = cert_open(cert, c)) || (err = cert_in_network(net, c)))
                return err;
        if (!memcmp(c->issuer_pk, net->desc.root_pk, ENTRY_KEY_BYTES))
                return issuer_cert.ptr ? ERR_CERT : 0;
        return issuer_ok(net, c, issuer_cert, ic);
}

int
cert_verify(const struct network *net, struct slice cert,
            struct slice issuer_cert, uint64_t now_ms, struct cert_info *c,
            struct cert_info *ic)
{
        struct cert_info issuer;
        int err;

        memset(&issuer, 0, sizeof(issuer));
        err = chain_check(net, cert, issuer_cert, c, &issuer);
        if (!err && now_ms) {
                err = cert_check_time(c, now_ms);
                if (!err && issuer_cert.ptr)
                        err = cert_check_time(&issuer, now_ms);
        }
        if (err)
                memset(c, 0, sizeof(*c));
        if (ic)
                *ic = issuer;
        return err;
}

/* ---- enrolment requests -------------------------------------------------- */

void
request_sign(const struct key *k, struct enroll_req *rq, struct buf *out)
{
        struct buf body = BUF_INIT;

        memcpy(rq->node_pk, k->pk, ENTRY_KEY_BYTES);
        wire_request_body_encode(rq, &body);
        sign_body(k, request_context, buf_slice(&body), out);
        buf_release(&body);
}

int
request_open(struct slice bytes, struct enroll_req *rq)
{
        struct slice body, sig;
        int err;

        memset(rq, 0, sizeof(*rq));
        if ((err = wire_signed_decode(bytes, REQUEST_MAX, &body, &sig)) ||
            (err = wire_request_body_decode(body, rq)) ||
            (err = verify_body(request_context, body, sig, rq->node_pk)))
                memset(rq, 0, sizeof(*rq));
        return err;
}

/* ---- text forms ---------------------------------------------------------- */

void
text_encode(const char *prefix, struct slice bytes, struct buf *out)
{
        size_t n = sodium_base64_encoded_len(bytes.len, B64_VARIANT);

        buf_adds(out, prefix);
        buf_grow(out, n);
        sodium_bin2base64((char *)out->data + out->len, n, bytes.ptr, bytes.len,
                          B64_VARIANT);
        out->len += n - 1; /* the encoder's NUL stays as buf's */
}

int
text_decode(const char *prefix, struct slice text, size_t max, struct buf *out)
{
        size_t plen = strlen(prefix), n = 0;

        buf_reset(out);
        if (text.len < plen || text.len - plen > TEXT_LINE_MAX ||
            memcmp(text.ptr, prefix, plen))
                return ERR_CERT;
        buf_grow(out, max);
        /* No ignored characters, no end pointer: all of it must decode,
         * and libsodium refuses non-zero padding bits. */
        if (sodium_base642bin(out->data, max, (const char *)text.ptr + plen,
                              text.len - plen, NULL, &n, NULL, B64_VARIANT))
                return ERR_CERT;
        out->len = n;
        out->data[n] = 0;
        return 0;
}
