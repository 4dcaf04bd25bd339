/*
 * seal: sealed values of KIM bodies (proto/KIM.md §4). A multi-recipient
 * hybrid in the manner of age's X25519 stanzas: the plaintext under
 * XChaCha20-Poly1305 with a fresh content key and additional data that
 * binds it to its place (field, author, feed, seq, recipients), the
 * content key in a libsodium sealed box to each recipient's Ed25519 key
 * (as X25519).
 */
#include <assert.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "entry.h"

#define CONTENT_KEY_BYTES crypto_aead_xchacha20poly1305_ietf_KEYBYTES
#define AD_PREFIX_BYTES (sizeof(SEAL_AD_PREFIX) - 1)

_Static_assert(crypto_box_SEALBYTES + CONTENT_KEY_BYTES == KIM_SEAL_BOX_BYTES,
               "a sealed content key is 80 bytes");
_Static_assert(CONTENT_KEY_BYTES == SEAL_CONTENT_KEY_BYTES,
               "the content key is 32 bytes");
_Static_assert(crypto_aead_xchacha20poly1305_ietf_NPUBBYTES ==
                   KIM_SEAL_NONCE_BYTES,
               "the nonce is 24 bytes");
_Static_assert(crypto_aead_xchacha20poly1305_ietf_ABYTES == 16U,
               "the tag is 16 bytes");
_Static_assert(crypto_scalarmult_SCALARBYTES == 32U,
               "an ephemeral X25519 secret key is 32 bytes");

void
seal_ctx_of(const struct entry *e, struct seal_ctx *at)
{
        memcpy(at->author, e->h.author, ENTRY_KEY_BYTES);
        memcpy(at->feed, e->feed, ENTRY_HASH_BYTES);
        at->seq = e->h.seq;
}

size_t
seal_ad(const struct seal_ctx *at, const char *field,
        const struct kim_sealed *v, uint8_t ad[SEAL_AD_MAX])
{
        size_t f = strlen(field), p = 0;

        assert(f >= 1 && f <= SEAL_FIELD_MAX && v->n <= KIM_SEAL_TO_MAX);
        memcpy(ad, SEAL_AD_PREFIX, AD_PREFIX_BYTES);
        p += AD_PREFIX_BYTES;
        ad[p++] = (uint8_t)f;
        memcpy(ad + p, field, f);
        p += f;
        memcpy(ad + p, at->author, ENTRY_KEY_BYTES);
        p += ENTRY_KEY_BYTES;
        memcpy(ad + p, at->feed, ENTRY_HASH_BYTES);
        p += ENTRY_HASH_BYTES;
        be64_put(ad + p, at->seq);
        p += 8U;
        ad[p++] = (uint8_t)v->n;
        for (size_t i = 0; i < v->n; i++, p += ENTRY_KEY_BYTES)
                memcpy(ad + p, v->to[i], ENTRY_KEY_BYTES);
        return p;
}

/*
 * crypto_box_seal(k) to X25519 key rpk with the ephemeral secret key esk
 * given (libsodium's construction: epk = X25519(esk, base), nonce =
 * BLAKE2b-192(epk || rpk), out = epk || crypto_box_easy(k, nonce, rpk,
 * esk)). Test vectors only.
 */
static int
box_fixed(uint8_t out[KIM_SEAL_BOX_BYTES], const uint8_t *k,
          const uint8_t rpk[crypto_box_PUBLICKEYBYTES], const uint8_t *esk)
{
        uint8_t nonce[crypto_box_NONCEBYTES];
        crypto_generichash_state st;

        if (crypto_scalarmult_base(out, esk))
                return ERR_KEY;
        crypto_generichash_init(&st, NULL, 0, sizeof(nonce));
        crypto_generichash_update(&st, out, crypto_box_PUBLICKEYBYTES);
        crypto_generichash_update(&st, rpk, crypto_box_PUBLICKEYBYTES);
        crypto_generichash_final(&st, nonce, sizeof(nonce));
        if (crypto_box_easy(out + crypto_box_PUBLICKEYBYTES, k,
                            CONTENT_KEY_BYTES, nonce, rpk, esk))
                return ERR_KEY;
        return 0;
}

/* Fills s (zeroed by the caller) with content key k and s->nonce set;
 * eph_sk NULL: each box with a fresh ephemeral key. */
static int
seal_fill(struct seal *s, const uint8_t *to, size_t n,
          const struct seal_ctx *at, const char *field, struct slice plain,
          const uint8_t *k, const uint8_t *eph_sk)
{
        uint8_t ad[SEAL_AD_MAX], curve[crypto_box_PUBLICKEYBYTES];
        unsigned long long ctlen = 0;
        struct kim_sealed v;
        size_t adlen;

        for (size_t i = 0; i < n; i++) {
                memcpy(s->to[i], to + i * ENTRY_KEY_BYTES, ENTRY_KEY_BYTES);
                if (crypto_sign_ed25519_pk_to_curve25519(curve, s->to[i]))
                        return ERR_KEY;
                if (eph_sk ? box_fixed(s->keys[i], k, curve, eph_sk + i * 32U)
                           : crypto_box_seal(s->keys[i], k, CONTENT_KEY_BYTES,
                                             curve))
                        return ERR_KEY;
        }
        s->n = n;
        seal_view(s, &v);
        adlen = seal_ad(at, field, &v, ad);
        buf_grow(&s->ct, plain.len + 16U);
        crypto_aead_xchacha20poly1305_ietf_encrypt(s->ct.data, &ctlen,
                                                   plain.ptr, plain.len, ad,
                                                   adlen, NULL, s->nonce, k);
        s->ct.len = (size_t)ctlen;
        s->ct.data[s->ct.len] = 0;
        return 0;
}

int
seal_make(struct seal *s, const uint8_t *to, size_t n,
          const struct seal_ctx *at, const char *field, struct slice plain)
{
        uint8_t *k;
        int err;

        memset(s, 0, sizeof(*s));
        if (n < 1 || n > KIM_SEAL_TO_MAX || plain.len > SEAL_PLAIN_MAX)
                return ERR_USAGE;
        if (!(k = sodium_malloc(CONTENT_KEY_BYTES)))
                abort();
        crypto_aead_xchacha20poly1305_ietf_keygen(k);
        randombytes_buf(s->nonce, sizeof(s->nonce));
        err = seal_fill(s, to, n, at, field, plain, k, NULL);
        sodium_free(k); /* wipes */
        if (err)
                s->n = 0;
        return err;
}

int
seal_make_fixed(struct seal *s, const uint8_t *to, size_t n,
                const struct seal_ctx *at, const char *field,
                struct slice plain, const uint8_t *content_key,
                const uint8_t nonce[KIM_SEAL_NONCE_BYTES],
                const uint8_t *eph_sk)
{
        int err;

        memset(s, 0, sizeof(*s));
        if (n < 1 || n > KIM_SEAL_TO_MAX || plain.len > SEAL_PLAIN_MAX)
                return ERR_USAGE;
        memcpy(s->nonce, nonce, KIM_SEAL_NONCE_BYTES);
        if ((err = seal_fill(s, to, n, at, field, plain, content_key, eph_sk)))
                s->n = 0;
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
        v->version = SEAL_VERSION;
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
seal_open(const struct key *k, const struct kim_sealed *v,
          const struct seal_ctx *at, const char *field, struct buf *plain)
{
        uint8_t ad[SEAL_AD_MAX];
        uint8_t *ck;
        unsigned long long mlen = 0;
        size_t adlen;
        int err;

        buf_reset(plain);
        if (v->version != SEAL_VERSION || !v->n || v->n > KIM_SEAL_TO_MAX ||
            v->ct.len < KIM_SEAL_CT_MIN)
                return ERR_KIM_SEALED;
        adlen = seal_ad(at, field, v, ad);
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
