/*
 * seal: sealed values of KIM bodies (proto/KIM.md §4). A multi-recipient
 * hybrid in the manner of age's X25519 stanzas: the plaintext under
 * XChaCha20-Poly1305 with a fresh content key, the content key in a
 * libsodium sealed box to each recipient's Ed25519 key (as X25519).
 */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "entry.h"

#define CONTENT_KEY_BYTES crypto_aead_xchacha20poly1305_ietf_KEYBYTES
#define AD_MAX 32U

_Static_assert(crypto_box_SEALBYTES + CONTENT_KEY_BYTES == KIM_SEAL_BOX_BYTES,
               "a sealed content key is 80 bytes");
_Static_assert(crypto_aead_xchacha20poly1305_ietf_NPUBBYTES ==
                   KIM_SEAL_NONCE_BYTES,
               "the nonce is 24 bytes");
_Static_assert(crypto_aead_xchacha20poly1305_ietf_ABYTES == 16U,
               "the tag is 16 bytes");

void
seal_ctx_of(const struct entry *e, struct seal_ctx *at)
{
        memcpy(at->author, e->h.author, ENTRY_KEY_BYTES);
        memcpy(at->feed, e->feed, ENTRY_HASH_BYTES);
        at->seq = e->h.seq;
}

/* ad = "simpul/kim/1/" || field; returns its length. */
static size_t
seal_ad(const char *field, uint8_t ad[AD_MAX])
{
        size_t p = strlen(SEAL_AD_PREFIX), f = strlen(field);

        if (p + f > AD_MAX)
                f = AD_MAX - p; /* field names are short; never truncates */
        memcpy(ad, SEAL_AD_PREFIX, p);
        memcpy(ad + p, field, f);
        return p + f;
}

int
seal_make(struct seal *s, const uint8_t *to, size_t n, const char *field,
          struct slice plain)
{
        uint8_t ad[AD_MAX], curve[crypto_box_PUBLICKEYBYTES];
        uint8_t *k = NULL;
        unsigned long long ctlen = 0;
        size_t adlen = seal_ad(field, ad);
        int err = 0;

        memset(s, 0, sizeof(*s));
        if (n < 1 || n > KIM_SEAL_TO_MAX || plain.len > SEAL_PLAIN_MAX)
                return ERR_USAGE;
        if (!(k = sodium_malloc(CONTENT_KEY_BYTES)))
                abort();
        crypto_aead_xchacha20poly1305_ietf_keygen(k);
        randombytes_buf(s->nonce, sizeof(s->nonce));
        for (size_t i = 0; i < n && !err; i++) {
                memcpy(s->to[i], to + i * ENTRY_KEY_BYTES, ENTRY_KEY_BYTES);
                if (crypto_sign_ed25519_pk_to_curve25519(curve, s->to[i]) ||
                    crypto_box_seal(s->keys[i], k, CONTENT_KEY_BYTES, curve))
                        err = ERR_KEY;
        }
        if (!err) {
                s->n = n;
                buf_grow(&s->ct, plain.len + 16U);
                crypto_aead_xchacha20poly1305_ietf_encrypt(
                    s->ct.data, &ctlen, plain.ptr, plain.len, ad, adlen, NULL,
                    s->nonce, k);
                s->ct.len = (size_t)ctlen;
                s->ct.data[s->ct.len] = 0;
        }
        sodium_free(k); /* wipes */
        return err;
}

void
seal_release(struct seal *s)
{
        buf_release(&s->ct);
        memset(s, 0, sizeof(*s));
}

void
seal_view(const struct seal *s, struct kim_sealed *v)
{
        memset(v, 0, sizeof(*v));
        v->n = s->n;
        for (size_t i = 0; i < s->n; i++) {
                v->to[i] = s->to[i];
                v->keys[i] = s->keys[i];
        }
        v->nonce = s->nonce;
        v->ct = buf_slice(&s->ct);
}

bool
seal_is_recipient(const struct kim_sealed *v, const uint8_t pk[ENTRY_KEY_BYTES])
{
        for (size_t i = 0; i < v->n; i++)
                if (!memcmp(v->to[i], pk, ENTRY_KEY_BYTES))
                        return true;
        return false;
}

/* Opens the content key boxed for k in v into ck (CONTENT_KEY_BYTES). */
static int
open_key(const struct key *k, const struct kim_sealed *v, uint8_t *ck)
{
        uint8_t cpk[crypto_box_PUBLICKEYBYTES];
        uint8_t *csk = sodium_malloc(crypto_box_SECRETKEYBYTES);
        int err = ERR_KIM_SEALED;

        if (!csk)
                abort();
        if (crypto_sign_ed25519_pk_to_curve25519(cpk, k->pk) ||
            crypto_sign_ed25519_sk_to_curve25519(csk, k->sk))
                goto out;
        for (size_t i = 0; i < v->n && err; i++)
                if (!memcmp(v->to[i], k->pk, ENTRY_KEY_BYTES) &&
                    !crypto_box_seal_open(ck, v->keys[i], KIM_SEAL_BOX_BYTES,
                                          cpk, csk))
                        err = 0;
out:
        sodium_free(csk); /* wipes */
        return err;
}

int
seal_open(const struct key *k, const struct kim_sealed *v, const char *field,
          struct buf *plain)
{
        uint8_t ad[AD_MAX];
        uint8_t *ck;
        unsigned long long mlen = 0;
        size_t adlen = seal_ad(field, ad);
        int err;

        buf_reset(plain);
        if (!v->n || v->ct.len < KIM_SEAL_CT_MIN)
                return ERR_KIM_SEALED;
        if (!(ck = sodium_malloc(CONTENT_KEY_BYTES)))
                abort();
        if (!(err = open_key(k, v, ck))) {
                buf_grow(plain, v->ct.len);
                if (crypto_aead_xchacha20poly1305_ietf_decrypt(
                        plain->data, &mlen, NULL, v->ct.ptr, v->ct.len, ad,
                        adlen, v->nonce, ck)) {
                        sodium_memzero(plain->data, plain->cap);
                        err = ERR_KIM_SEALED;
                } else {
                        plain->len = (size_t)mlen;
                        plain->data[plain->len] = 0;
                }
        }
        sodium_free(ck);
        return err;
}
