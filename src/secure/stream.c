/*
 * stream: the transport after the handshake (proto/HANDSHAKE.md §5): one
 * libsodium crypto_secretstream_xchacha20poly1305 stream per direction,
 * framed as a 4-byte big-endian ciphertext length and one secretstream
 * message; and the incremental reader that cuts a peer's byte stream into
 * handshake messages, the stream header and frames.
 */
#include <assert.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "secure_int.h"

#define SS_ABYTES crypto_secretstream_xchacha20poly1305_ABYTES
#define TAG_MESSAGE crypto_secretstream_xchacha20poly1305_TAG_MESSAGE
#define FRAME_CT_MAX (SECURE_FRAME_MAX + SECURE_FRAME_ABYTES)

_Static_assert(SS_ABYTES == SECURE_FRAME_ABYTES, "abytes");
_Static_assert(crypto_secretstream_xchacha20poly1305_HEADERBYTES ==
                   SECURE_STREAM_HEADER_BYTES,
               "header");
_Static_assert(crypto_secretstream_xchacha20poly1305_KEYBYTES ==
                   SECURE_STREAM_KEY_BYTES,
               "key");
_Static_assert(SECURE_FRAME_MAX <=
                   crypto_secretstream_xchacha20poly1305_MESSAGEBYTES_MAX,
               "frame max");
_Static_assert(FRAME_CT_MAX <= UINT32_MAX, "length fits 4 bytes");

struct secure_stream_state {
        crypto_secretstream_xchacha20poly1305_state ss;
        uint8_t key[SECURE_STREAM_KEY_BYTES]; /* rx: until the header */
};

void *
secure__smalloc(size_t n)
{
        void *p = sodium_malloc(n);

        if (!p) {
                fprintf(stderr, "simpul: fatal: sodium_malloc failed\n");
                abort();
        }
        return p;
}

/* ---- streams ------------------------------------------------------------- */

static void
stream_alloc(struct secure_stream *s, bool tx)
{
        assert(!s->st);
        s->st = secure__smalloc(sizeof(*s->st));
        memset(s->st, 0, sizeof(*s->st));
        s->tx = tx;
        s->started = false;
        s->failed = false;
}

void
secure__stream_init_tx(struct secure_stream *s,
                       const uint8_t key[SECURE_STREAM_KEY_BYTES],
                       struct buf *out)
{
        uint8_t header[SECURE_STREAM_HEADER_BYTES];

        stream_alloc(s, true);
        crypto_secretstream_xchacha20poly1305_init_push(&s->st->ss, header,
                                                        key);
        s->started = true;
        buf_add(out, header, sizeof(header));
}

void
secure__stream_init_rx(struct secure_stream *s,
                       const uint8_t key[SECURE_STREAM_KEY_BYTES])
{
        stream_alloc(s, false);
        memcpy(s->st->key, key, SECURE_STREAM_KEY_BYTES);
}

void
secure_stream_release(struct secure_stream *s)
{
        sodium_free(s->st); /* wipes; NULL is fine */
        memset(s, 0, sizeof(*s));
}

int
secure_stream_push(struct secure_stream *tx, struct slice plaintext,
                   struct buf *out)
{
        unsigned long long clen;
        uint8_t *p;

        if (!tx->st || !tx->tx)
                return ERR_USAGE;
        if (plaintext.len > SECURE_FRAME_MAX)
                return ERR_FRAME_TOO_BIG;
        buf_grow(out, SECURE_FRAME_LEN_BYTES + plaintext.len + SS_ABYTES);
        p = out->data + out->len;
        crypto_secretstream_xchacha20poly1305_push(
            &tx->st->ss, p + SECURE_FRAME_LEN_BYTES, &clen, plaintext.ptr,
            plaintext.len, NULL, 0, TAG_MESSAGE);
        assert(clen == plaintext.len + SS_ABYTES);
        be32_put(p, (uint32_t)clen);
        out->len += SECURE_FRAME_LEN_BYTES + (size_t)clen;
        out->data[out->len] = 0;
        return 0;
}

/* ---- the reader ---------------------------------------------------------- */

void
secure_reader_init(struct secure_reader *r)
{
        buf_init(&r->in);
        r->off = 0;
        r->err = 0;
}

void
secure_reader_release(struct secure_reader *r)
{
        buf_release(&r->in);
        secure_reader_init(r);
}

size_t
secure_reader_pending(const struct secure_reader *r)
{
        return r->in.len - r->off;
}

/* Drops consumed bytes so the buffer holds only what is pending. */
static void
reader_compact(struct secure_reader *r)
{
        size_t left = secure_reader_pending(r);

        if (r->off == 0)
                return;
        if (left)
                memmove(r->in.data, r->in.data + r->off, left);
        r->in.len = left;
        r->in.data[left] = 0;
        r->off = 0;
}

void
secure_reader_feed(struct secure_reader *r, struct slice bytes)
{
        if (r->err || bytes.len == 0)
                return; /* a failed reader keeps nothing more */
        reader_compact(r);
        buf_add(&r->in, bytes.ptr, bytes.len);
}

/* Pending bytes; only valid when secure_reader_pending(r) > 0. */
static const uint8_t *
reader_at(const struct secure_reader *r)
{
        return r->in.data + r->off;
}

int
secure_reader_next_hs(struct secure_reader *r, struct slice *msg)
{
        size_t len;

        if (r->err)
                return r->err;
        if (secure_reader_pending(r) < SECURE_HS_LEN_BYTES)
                return 0;
        len = (size_t)reader_at(r)[0] << 8 | reader_at(r)[1];
        if (len == 0 || len > SECURE_HS_MSG_MAX)
                return r->err = ERR_HANDSHAKE;
        if (secure_reader_pending(r) - SECURE_HS_LEN_BYTES < len)
                return 0;
        *msg = slice_make(reader_at(r) + SECURE_HS_LEN_BYTES, len);
        r->off += SECURE_HS_LEN_BYTES + len;
        return 1;
}

static int
reader_fail(struct secure_reader *r, struct secure_stream *rx, int err)
{
        r->err = err;
        rx->failed = true;
        return err;
}

/* Consumes the peer's stream header: 1 done, 0 need more, <0 error. */
static int
read_header(struct secure_reader *r, struct secure_stream *rx)
{
        struct secure_stream_state *st = rx->st;

        if (secure_reader_pending(r) < SECURE_STREAM_HEADER_BYTES)
                return 0;
        if (crypto_secretstream_xchacha20poly1305_init_pull(
                &st->ss, reader_at(r), st->key) != 0)
                return reader_fail(r, rx, ERR_DECRYPT);
        sodium_memzero(st->key, sizeof(st->key));
        rx->started = true;
        r->off += SECURE_STREAM_HEADER_BYTES;
        return 1;
}

static int
read_frame(struct secure_reader *r, struct secure_stream *rx,
           struct buf *plaintext)
{
        unsigned long long mlen;
        unsigned char tag;
        uint32_t clen;
        int bad;

        if (secure_reader_pending(r) < SECURE_FRAME_LEN_BYTES)
                return 0;
        clen = be32_get(reader_at(r));
        if (clen > FRAME_CT_MAX)
                return reader_fail(r, rx, ERR_FRAME_TOO_BIG);
        if (clen < SS_ABYTES)
                return reader_fail(r, rx, ERR_DECRYPT);
        if (secure_reader_pending(r) - SECURE_FRAME_LEN_BYTES < clen)
                return 0;
        buf_reset(plaintext);
        buf_grow(plaintext, clen - SS_ABYTES);
        bad = crypto_secretstream_xchacha20poly1305_pull(
                  &rx->st->ss, plaintext->data, &mlen, &tag,
                  reader_at(r) + SECURE_FRAME_LEN_BYTES, clen, NULL, 0) != 0 ||
              tag != TAG_MESSAGE;
        if (bad) {
                buf_reset(plaintext);
                return reader_fail(r, rx, ERR_DECRYPT);
        }
        plaintext->len = (size_t)mlen;
        plaintext->data[plaintext->len] = 0;
        r->off += SECURE_FRAME_LEN_BYTES + clen;
        return 1;
}

int
secure_reader_next(struct secure_reader *r, struct secure_stream *rx,
                   struct buf *plaintext)
{
        int rc;

        if (r->err)
                return r->err;
        if (!rx->st || rx->tx)
                return ERR_USAGE;
        if (rx->failed)
                return reader_fail(r, rx, ERR_DECRYPT);
        if (!rx->started && (rc = read_header(r, rx)) <= 0)
                return rc;
        return read_frame(r, rx, plaintext);
}
