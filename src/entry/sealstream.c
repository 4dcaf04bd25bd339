/*
 * sealstream: a stream of bytes sealed to one node key and signed by
 * another, for bundles (proto/BUNDLE.md §3). Nothing here is new
 * cryptography: the file key travels in libsodium's crypto_box_seal (as
 * seal.c does for sealed values), the contents in libsodium's
 * crypto_secretstream_xchacha20poly1305, and the header is signed with
 * Ed25519 so the recipient knows who sealed it (a sealed box alone is
 * anonymous). The shape is NNCP's encrypted packet and age's file format.
 */
#include <assert.h>
#include <sodium.h>
#include <string.h>

#include "entry.h"

#define FILE_KEY_BYTES crypto_secretstream_xchacha20poly1305_KEYBYTES
#define SS_HEADER_BYTES crypto_secretstream_xchacha20poly1305_HEADERBYTES
#define BOX_OFF 64U
#define SS_OFF (BOX_OFF + SEALSTREAM_BOX_BYTES)
#define SIG_OFF SEALSTREAM_SIGNED_BYTES
#define MAGIC_BYTES 8U

_Static_assert(crypto_box_SEALBYTES + FILE_KEY_BYTES == SEALSTREAM_BOX_BYTES,
               "a sealed file key is 80 bytes");
_Static_assert(SS_OFF + SS_HEADER_BYTES == SEALSTREAM_SIGNED_BYTES,
               "the signed part is 168 bytes");
_Static_assert(SIG_OFF + crypto_sign_BYTES == SEALSTREAM_HEADER_BYTES,
               "the header is 232 bytes");
_Static_assert(crypto_secretstream_xchacha20poly1305_ABYTES ==
                   SEALSTREAM_ABYTES,
               "a chunk adds 17 bytes");

struct sealstream {
        crypto_secretstream_xchacha20poly1305_state st;
        bool done; /* the final chunk went by */
};

static struct sealstream *
state_new(void)
{
        struct sealstream *s = sodium_malloc(sizeof(*s));

        if (!s)
                abort();
        memset(s, 0, sizeof(*s));
        return s;
}

void
sealstream_free(struct sealstream *s)
{
        if (s)
                sodium_free(s); /* wipes */
}

/* What the header's signature covers: the magic, then the 168 bytes. */
static void
signed_msg(uint8_t out[MAGIC_BYTES + SEALSTREAM_SIGNED_BYTES],
           const uint8_t magic[MAGIC_BYTES], const uint8_t *hdr)
{
        memcpy(out, magic, MAGIC_BYTES);
        memcpy(out + MAGIC_BYTES, hdr, SEALSTREAM_SIGNED_BYTES);
}

int
sealstream_seal(const struct key *from, const uint8_t to[ENTRY_KEY_BYTES],
                const uint8_t magic[8], uint8_t hdr[SEALSTREAM_HEADER_BYTES],
                struct sealstream **out)
{
        uint8_t curve[crypto_box_PUBLICKEYBYTES];
        uint8_t msg[MAGIC_BYTES + SEALSTREAM_SIGNED_BYTES];
        uint8_t *k = sodium_malloc(FILE_KEY_BYTES);
        struct sealstream *s;
        int err = 0;

        assert(from->sk);
        if (!k)
                abort();
        *out = NULL;
        memcpy(hdr + SEALSTREAM_TO_OFF, to, ENTRY_KEY_BYTES);
        memcpy(hdr + SEALSTREAM_FROM_OFF, from->pk, ENTRY_KEY_BYTES);
        crypto_secretstream_xchacha20poly1305_keygen(k);
        if (crypto_sign_ed25519_pk_to_curve25519(curve, to) ||
            crypto_box_seal(hdr + BOX_OFF, k, FILE_KEY_BYTES, curve)) {
                err = ERR_KEY;
                goto out;
        }
        s = state_new();
        crypto_secretstream_xchacha20poly1305_init_push(&s->st, hdr + SS_OFF,
                                                        k);
        signed_msg(msg, magic, hdr);
        crypto_sign_detached(hdr + SIG_OFF, NULL, msg, sizeof(msg), from->sk);
        *out = s;
out:
        sodium_free(k);
        return err;
}

void
sealstream_push(struct sealstream *s, struct slice plain, bool final,
                struct buf *out)
{
        unsigned long long clen = 0;

        assert(plain.len <= SEALSTREAM_CHUNK_MAX && !s->done);
        buf_grow(out, plain.len + SEALSTREAM_ABYTES);
        crypto_secretstream_xchacha20poly1305_push(
            &s->st, out->data + out->len, &clen, plain.ptr, plain.len, NULL, 0,
            final ? crypto_secretstream_xchacha20poly1305_TAG_FINAL : 0);
        out->len += (size_t)clen;
        out->data[out->len] = 0;
        s->done = final;
}

/* The file key out of the box, with my Ed25519 key as X25519. */
static int
box_open(const struct key *me, const uint8_t *box, uint8_t *k)
{
        uint8_t cpk[crypto_box_PUBLICKEYBYTES];
        uint8_t *csk = sodium_malloc(crypto_box_SECRETKEYBYTES);
        int err = 0;

        if (!csk)
                abort();
        if (crypto_sign_ed25519_pk_to_curve25519(cpk, me->pk) ||
            crypto_sign_ed25519_sk_to_curve25519(csk, me->sk))
                err = ERR_KEY;
        else if (crypto_box_seal_open(k, box, SEALSTREAM_BOX_BYTES, cpk, csk))
                err = ERR_BUNDLE_TAMPERED;
        sodium_free(csk);
        return err;
}

int
sealstream_open(const struct key *me, const uint8_t magic[8],
                const uint8_t hdr[SEALSTREAM_HEADER_BYTES],
                uint8_t from[ENTRY_KEY_BYTES], struct sealstream **out)
{
        uint8_t msg[MAGIC_BYTES + SEALSTREAM_SIGNED_BYTES];
        uint8_t *k = NULL;
        struct sealstream *s = NULL;
        int err;

        assert(me->sk);
        *out = NULL;
        if (sodium_memcmp(hdr + SEALSTREAM_TO_OFF, me->pk, ENTRY_KEY_BYTES))
                return ERR_BUNDLE_NOT_FOR_ME;
        signed_msg(msg, magic, hdr);
        if (crypto_sign_verify_detached(hdr + SIG_OFF, msg, sizeof(msg),
                                        hdr + SEALSTREAM_FROM_OFF))
                return ERR_BUNDLE_TAMPERED;
        if (!(k = sodium_malloc(FILE_KEY_BYTES)))
                abort();
        if ((err = box_open(me, hdr + BOX_OFF, k)))
                goto out;
        s = state_new();
        if (crypto_secretstream_xchacha20poly1305_init_pull(&s->st,
                                                            hdr + SS_OFF, k)) {
                err = ERR_BUNDLE_TAMPERED;
                goto out;
        }
        memcpy(from, hdr + SEALSTREAM_FROM_OFF, ENTRY_KEY_BYTES);
        *out = s;
        s = NULL;
out:
        sealstream_free(s);
        sodium_free(k);
        return err;
}

int
sealstream_pull(struct sealstream *s, struct slice ct, struct buf *plain,
                bool *final)
{
        unsigned long long mlen = 0;
        unsigned char tag = 0;

        *final = false;
        if (s->done || ct.len < SEALSTREAM_ABYTES ||
            ct.len > SEALSTREAM_CHUNK_MAX + SEALSTREAM_ABYTES)
                return ERR_BUNDLE_TAMPERED;
        buf_grow(plain, ct.len);
        if (crypto_secretstream_xchacha20poly1305_pull(
                &s->st, plain->data + plain->len, &mlen, &tag, ct.ptr, ct.len,
                NULL, 0))
                return ERR_BUNDLE_TAMPERED;
        if (tag != 0 && tag != crypto_secretstream_xchacha20poly1305_TAG_FINAL)
                return ERR_BUNDLE_TAMPERED; /* we only write these two */
        plain->len += (size_t)mlen;
        plain->data[plain->len] = 0;
        s->done = *final =
            tag == crypto_secretstream_xchacha20poly1305_TAG_FINAL;
        return 0;
}
