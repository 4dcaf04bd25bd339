/* cert: starting a session (proto/SYNC.md §3): the handshake payloads,
 * CERT_REQUEST and CERT, and the peer's frames held until it is
 * validated. Validating a certificate is the caller's (it reads and writes
 * the store's certificates): the session hands it over and takes the
 * result. */
#include <stdio.h>
#include <string.h>

#include "sync_int.h"

int
sync_hs_payload(struct sync_session *s, struct buf *out)
{
        struct buf hello = BUF_INIT;
        bool with = false;
        int err = 0;

        /* The initiator (writing msg3) sends its HELLO now if it can. */
        if (s->has_key && s->validated) {
                if ((err = sync__hello(s, &hello)))
                        goto out;
                with = hello.len <= s->cfg.hs_hello_max;
                s->hello_sent = with;
        }
        wire_sync_hs_payload(out, s->cfg.cert_hash, with, buf_slice(&hello));
out:
        buf_release(&hello);
        return err;
}

int
sync_hs_peer(struct sync_session *s, const uint8_t key[ENTRY_KEY_BYTES],
             struct slice payload, uint8_t cert_hash[SYNC_CERT_HASH_BYTES])
{
        struct slice rest;
        int err;

        memcpy(s->peer, key, ENTRY_KEY_BYTES);
        s->has_key = true;
        if ((err = wire_sync_hs_payload_decode(payload, cert_hash, &rest)))
                return err;
        if (rest.len)
                sync__hold(s, rest);
        return 0;
}

static void
validated(struct sync_session *s, const char *region)
{
        s->validated = true;
        snprintf(s->peer_region, sizeof(s->peer_region), "%s", region);
}

void
sync_hs_valid(struct sync_session *s, const char *region)
{
        validated(s, region);
}

bool
sync_validated(const struct sync_session *s)
{
        return s->validated;
}

bool
sync_started(const struct sync_session *s)
{
        return s->started;
}

/* Validated and open: the HELLO (unless the handshake carried it), then
 * the frames held so far. */
static int
start(struct sync_session *s, const char **why)
{
        int err;

        *why = NULL;
        if (!s->hello_sent) {
                if ((err = sync__hello(s, &s->tx)))
                        return err;
                s->hello_sent = true;
                sync__out_done(s);
        }
        s->started = true;
        err = sync__resume(s, why);
        sync__out_done(s);
        return err;
}

/* CERT_REQUEST and CERT travel alone in their frames (SYNC.md §3). */
static void
send_alone(struct sync_session *s, struct buf *msg)
{
        sync__cut(s);
        buf_add(&s->tx, msg->data, msg->len);
        sync__cut(s);
}

int
sync_open(struct sync_session *s, const char **why)
{
        struct buf b = BUF_INIT;

        *why = NULL;
        s->opened = true;
        if (s->validated)
                return start(s, why);
        s->cert_requested = true;
        wire_sync_simple(&b, SYNC_CERT_REQUEST);
        send_alone(s, &b);
        buf_release(&b);
        return 0;
}

static void
send_cert(struct sync_session *s)
{
        struct buf b = BUF_INIT;

        wire_sync_cert(&b, s->cfg.cert,
                       s->cfg.issuer_cert.len ? s->cfg.issuer_cert
                                              : slice_make(NULL, 0));
        send_alone(s, &b);
        buf_release(&b);
}

/* The peer's CERT, kept for the caller to validate. */
static int
on_cert(struct sync_session *s, const struct sync_msg *m)
{
        /* Only when asked, and once. */
        if (!s->cert_requested || s->validated || s->cert_checking)
                return ERR_PROTOCOL;
        buf_reset(&s->cert_in);
        buf_add(&s->cert_in, m->cert.ptr, m->cert.len);
        s->cert_len = m->cert.len;
        if (m->issuer_cert.ptr)
                buf_add(&s->cert_in, m->issuer_cert.ptr, m->issuer_cert.len);
        s->cert_checking = true;
        s->cert_taken = false;
        return 0;
}

int
sync__cert_frame(struct sync_session *s, struct slice frame, bool *handled,
                 const char **why)
{
        struct sync_decoder dec;
        struct sync_msg m;
        enum sync_type type;
        int err = 0;

        *handled = false;
        /* Most frames carry other messages: those are decoded once, later
         * (an ENTRIES message was decoded here too, for nothing). */
        type = sync_frame_type(frame);
        if (type != SYNC_CERT && type != SYNC_CERT_REQUEST)
                return 0;
        sync_decoder_init(&dec);
        sync_decoder_frame(&dec, frame);
        if (sync_decoder_next(&dec, &m) != 1 ||
            (m.type != SYNC_CERT && m.type != SYNC_CERT_REQUEST))
                goto out;
        *handled = true;
        if (m.type == SYNC_CERT_REQUEST) {
                /* Answered once: a second one (or one after our CERT) is
                 * a peer filling our queue for nothing. */
                if (s->cert_answered)
                        err = ERR_PROTOCOL;
                else
                        send_cert(s);
                s->cert_answered = true;
        } else {
                err = on_cert(s, &m);
        }
        if (err)
                *why = err_id(err);
out:
        sync_decoder_release(&dec);
        return err;
}

bool
sync_take_cert(struct sync_session *s, struct slice *cert,
               struct slice *issuer_cert)
{
        if (!s->cert_checking || s->cert_taken)
                return false;
        s->cert_taken = true;
        *cert = slice_make(s->cert_in.data, s->cert_len);
        *issuer_cert = slice_make(s->cert_in.data + s->cert_len,
                                  s->cert_in.len - s->cert_len);
        return true;
}

int
sync_cert_done(struct sync_session *s, int result, const char *region,
               const char **why)
{
        *why = NULL;
        s->cert_checking = false;
        buf_release(&s->cert_in);
        if (result) {
                *why = err_id(result);
                return result;
        }
        validated(s, region);
        return start(s, why);
}
