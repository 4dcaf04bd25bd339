/*
 * noise: the Noise_XX_25519_ChaChaPoly_BLAKE2b handshake, exactly as the
 * Noise Protocol Framework revision 34 (noiseprotocol.org/noise.html)
 * defines it: §4 crypto functions, §5 processing rules, §7.5 pattern XX,
 * §8 protocol names, §12 the 25519, ChaChaPoly and BLAKE2b functions.
 * Section numbers below are that document's. libsodium provides X25519
 * (RFC 7748), ChaCha20-Poly1305 IETF (RFC 8439) and BLAKE2b (RFC 7693);
 * HMAC (RFC 2104) and HKDF are built here as §4.3 says.
 */
#include <assert.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "secure_int.h"

#define DHLEN 32U
#define HASHLEN 64U
#define BLOCKLEN 128U
#define CIPHER_KEY_BYTES 32U
#define TAGLEN 16U
#define NONCE_BYTES 12U
#define MSG_COUNT 3U

_Static_assert(sizeof(SECURE_PROTOCOL_NAME) - 1 <= HASHLEN, "name fits h");
_Static_assert(crypto_aead_chacha20poly1305_ietf_ABYTES == TAGLEN, "tag");
_Static_assert(crypto_aead_chacha20poly1305_ietf_NPUBBYTES == NONCE_BYTES,
               "nonce");
_Static_assert(crypto_aead_chacha20poly1305_ietf_KEYBYTES == CIPHER_KEY_BYTES,
               "key");
_Static_assert(crypto_generichash_blake2b_BYTES_MAX == HASHLEN, "hash");
_Static_assert(crypto_scalarmult_BYTES == DHLEN, "dh");
_Static_assert(SECURE_STREAM_KEY_BYTES <= HASHLEN, "split key");
_Static_assert(SECURE_HS_OVERHEAD_MAX ==
                   2 * DHLEN + 2 * TAGLEN + SECURE_KEY_BYTES,
               "msg2 overhead");

/* Every secret of one handshake, in one sodium_malloc block. */
struct noise {
        /* SymmetricState (§5.2) with its CipherState (§5.1) */
        uint8_t ck[HASHLEN];
        uint8_t h[HASHLEN];
        uint8_t k[CIPHER_KEY_BYTES];
        uint64_t n;
        bool has_k;
        /* HandshakeState (§5.3) */
        uint8_t s_sk[DHLEN], s_pk[DHLEN];
        uint8_t e_sk[DHLEN], e_pk[DHLEN];
        bool has_e;
        uint8_t rs[DHLEN], re[DHLEN];
        uint8_t ed_pk[SECURE_KEY_BYTES];     /* ours, sent in msg2/msg3 */
        uint8_t remote_ed[SECURE_KEY_BYTES]; /* the peer's, once checked */
        /* scratch */
        uint8_t t1[HASHLEN], t2[HASHLEN], dh[DHLEN];
        uint8_t pt[SECURE_HS_MSG_MAX];
};

enum hs_state { HS_RUNNING, HS_DONE, HS_SPLIT, HS_FAILED };

struct secure_hs {
        struct noise *ns;
        bool initiator;
        bool ed25519; /* simpul payload rule; false only in test vectors */
        bool remote_known;
        unsigned step; /* messages written or read, 0..MSG_COUNT */
        enum hs_state state;
};

enum token { T_END, T_E, T_S, T_EE, T_ES, T_SE };

/* §7.5 XX:  -> e  <- e, ee, s, es  -> s, se */
static const enum token xx[MSG_COUNT][5] = {
    {T_E, T_END},
    {T_E, T_EE, T_S, T_ES, T_END},
    {T_S, T_SE, T_END},
};

/* Bytes of each message besides the payload plaintext: its tokens and the
 * payload's tag. overhead() adds the Ed25519 key of the simpul rule. */
static const size_t overhead_raw[MSG_COUNT] = {DHLEN, 2 * DHLEN + 2 * TAGLEN,
                                               DHLEN + 2 * TAGLEN};

/* ---- §4: HASH, HMAC-HASH, HKDF ------------------------------------------- */

/* HASH(a || b): BLAKE2b with a 64-byte output and no key. */
static void
hash2(uint8_t out[HASHLEN], const uint8_t *a, size_t alen, const uint8_t *b,
      size_t blen)
{
        crypto_generichash_blake2b_state st;

        crypto_generichash_blake2b_init(&st, NULL, 0, HASHLEN);
        crypto_generichash_blake2b_update(&st, a, alen);
        crypto_generichash_blake2b_update(&st, b, blen);
        crypto_generichash_blake2b_final(&st, out, HASHLEN);
        sodium_memzero(&st, sizeof(st));
}

/* One HMAC pass: HASH((K ^ pad) || a || b), K zero-padded to BLOCKLEN. */
static void
hmac_pass(uint8_t out[HASHLEN], const uint8_t key[HASHLEN], uint8_t padbyte,
          const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
        crypto_generichash_blake2b_state st;
        uint8_t pad[BLOCKLEN];
        size_t i;

        memset(pad, padbyte, sizeof(pad));
        for (i = 0; i < HASHLEN; i++)
                pad[i] ^= key[i];
        crypto_generichash_blake2b_init(&st, NULL, 0, HASHLEN);
        crypto_generichash_blake2b_update(&st, pad, sizeof(pad));
        crypto_generichash_blake2b_update(&st, a, alen);
        crypto_generichash_blake2b_update(&st, b, blen);
        crypto_generichash_blake2b_final(&st, out, HASHLEN);
        sodium_memzero(&st, sizeof(st));
        sodium_memzero(pad, sizeof(pad));
}

/* HMAC-HASH(key, a || b), RFC 2104 with B = BLOCKLEN and L = HASHLEN. Every
 * key Noise passes is HASHLEN bytes. */
static void
hmac(uint8_t out[HASHLEN], const uint8_t key[HASHLEN], const uint8_t *a,
     size_t alen, const uint8_t *b, size_t blen)
{
        uint8_t inner[HASHLEN];

        hmac_pass(inner, key, 0x36, a, alen, b, blen);
        hmac_pass(out, key, 0x5c, inner, HASHLEN, NULL, 0);
        sodium_memzero(inner, sizeof(inner));
}

/* HKDF(ck, ikm, 2) of §4.3. out1 and out2 must not alias ck. */
static void
hkdf2(const uint8_t ck[HASHLEN], const uint8_t *ikm, size_t ikmlen,
      uint8_t out1[HASHLEN], uint8_t out2[HASHLEN])
{
        static const uint8_t one = 0x01, two = 0x02;
        uint8_t temp[HASHLEN];

        hmac(temp, ck, ikm, ikmlen, NULL, 0);
        hmac(out1, temp, &one, 1, NULL, 0);
        hmac(out2, temp, out1, HASHLEN, &two, 1);
        sodium_memzero(temp, sizeof(temp));
}

/* ---- §5.1, §5.2: CipherState and SymmetricState ------------------------- */

static void
initialize_symmetric(struct noise *ns)
{
        /* The name is at most HASHLEN bytes: h = name padded with zeros. */
        memset(ns->h, 0, HASHLEN);
        memcpy(ns->h, SECURE_PROTOCOL_NAME, sizeof(SECURE_PROTOCOL_NAME) - 1);
        memcpy(ns->ck, ns->h, HASHLEN);
        ns->has_k = false;
        ns->n = 0;
}

static void
mix_hash(struct noise *ns, const uint8_t *data, size_t len)
{
        hash2(ns->h, ns->h, HASHLEN, data, len);
}

static void
mix_key(struct noise *ns, const uint8_t *ikm, size_t len)
{
        hkdf2(ns->ck, ikm, len, ns->t1, ns->t2);
        memcpy(ns->ck, ns->t1, HASHLEN);
        /* HASHLEN is 64: temp_k is truncated to its first 32 bytes. */
        memcpy(ns->k, ns->t2, CIPHER_KEY_BYTES);
        ns->n = 0;
        ns->has_k = true;
        sodium_memzero(ns->t1, HASHLEN);
        sodium_memzero(ns->t2, HASHLEN);
}

/* §12.3 ChaChaPoly nonce: 32 bits of zeros, then n as 64-bit little-endian. */
static void
nonce_put(uint8_t out[NONCE_BYTES], uint64_t n)
{
        unsigned i;

        memset(out, 0, 4);
        for (i = 0; i < 8; i++)
                out[4 + i] = (uint8_t)(n >> (8 * i));
}

/* EncryptAndHash(pt), appending the ciphertext to out. */
static void
encrypt_and_hash(struct noise *ns, const uint8_t *pt, size_t len,
                 struct buf *out)
{
        uint8_t nonce[NONCE_BYTES];
        unsigned long long clen = len;
        uint8_t *ct;

        buf_grow(out, len + TAGLEN);
        ct = out->data + out->len;
        if (!ns->has_k) {
                if (len)
                        memcpy(ct, pt, len);
        } else {
                /* n = 2^64 - 1 is reserved (§5.1); a handshake uses two. */
                assert(ns->n < UINT64_MAX);
                nonce_put(nonce, ns->n++);
                crypto_aead_chacha20poly1305_ietf_encrypt(
                    ct, &clen, pt, len, ns->h, HASHLEN, NULL, nonce, ns->k);
        }
        mix_hash(ns, ct, (size_t)clen);
        out->len += (size_t)clen;
        out->data[out->len] = 0;
}

/* DecryptAndHash(ct) into pt (room for len bytes); ERR_HANDSHAKE if the
 * ciphertext does not authenticate. */
static int
decrypt_and_hash(struct noise *ns, const uint8_t *ct, size_t len, uint8_t *pt,
                 size_t *ptlen)
{
        uint8_t nonce[NONCE_BYTES];
        unsigned long long plen = len;

        if (!ns->has_k) {
                if (len)
                        memcpy(pt, ct, len);
        } else {
                assert(ns->n < UINT64_MAX);
                nonce_put(nonce, ns->n);
                if (len < TAGLEN || crypto_aead_chacha20poly1305_ietf_decrypt(
                                        pt, &plen, NULL, ct, len, ns->h,
                                        HASHLEN, nonce, ns->k) != 0)
                        return ERR_HANDSHAKE;
                ns->n++;
        }
        mix_hash(ns, ct, len);
        *ptlen = (size_t)plen;
        return 0;
}

/* ---- §5.3: HandshakeState tokens ---------------------------------------- */

/* MixKey(DH(sk, pk)); an all-zero result (small-order pk) fails. */
static int
mix_dh(struct noise *ns, const uint8_t sk[DHLEN], const uint8_t pk[DHLEN])
{
        int bad = crypto_scalarmult(ns->dh, sk, pk) != 0 ||
                  sodium_is_zero(ns->dh, DHLEN);

        if (!bad)
                mix_key(ns, ns->dh, DHLEN);
        sodium_memzero(ns->dh, DHLEN);
        return bad ? ERR_HANDSHAKE : 0;
}

static int
token_dh(struct secure_hs *hs, enum token t)
{
        struct noise *ns = hs->ns;

        switch (t) {
        case T_EE:
                return mix_dh(ns, ns->e_sk, ns->re);
        case T_ES:
                return hs->initiator ? mix_dh(ns, ns->e_sk, ns->rs)
                                     : mix_dh(ns, ns->s_sk, ns->re);
        case T_SE:
                return hs->initiator ? mix_dh(ns, ns->s_sk, ns->re)
                                     : mix_dh(ns, ns->e_sk, ns->rs);
        default:
                abort();
        }
}

static void
set_ephemeral(struct noise *ns, const uint8_t sk[DHLEN])
{
        memcpy(ns->e_sk, sk, DHLEN);
        if (crypto_scalarmult_base(ns->e_pk, ns->e_sk) != 0)
                abort(); /* a clamped scalar never gives zero */
        ns->has_e = true;
}

static void
write_e(struct noise *ns, struct buf *out)
{
        if (!ns->has_e) {
                randombytes_buf(ns->t1, DHLEN); /* GENERATE_KEYPAIR() */
                set_ephemeral(ns, ns->t1);
                sodium_memzero(ns->t1, DHLEN);
        }
        buf_add(out, ns->e_pk, DHLEN);
        mix_hash(ns, ns->e_pk, DHLEN);
}

static int
write_tokens(struct secure_hs *hs, struct buf *out)
{
        const enum token *t;
        int err;

        for (t = xx[hs->step]; *t != T_END; t++) {
                if (*t == T_E)
                        write_e(hs->ns, out);
                else if (*t == T_S)
                        encrypt_and_hash(hs->ns, hs->ns->s_pk, DHLEN, out);
                else if ((err = token_dh(hs, *t)))
                        return err;
        }
        return 0;
}

/* Reads the tokens of the current message from the front of *msg. */
static int
read_tokens(struct secure_hs *hs, struct slice *msg)
{
        struct noise *ns = hs->ns;
        const enum token *t;
        size_t n, plen;
        int err;

        for (t = xx[hs->step]; *t != T_END; t++) {
                if (*t == T_E) {
                        if (msg->len < DHLEN)
                                return ERR_HANDSHAKE;
                        memcpy(ns->re, msg->ptr, DHLEN);
                        mix_hash(ns, ns->re, DHLEN);
                        n = DHLEN;
                } else if (*t == T_S) {
                        n = DHLEN + (ns->has_k ? TAGLEN : 0);
                        if (msg->len < n ||
                            decrypt_and_hash(ns, msg->ptr, n, ns->rs, &plen))
                                return ERR_HANDSHAKE;
                } else if ((err = token_dh(hs, *t))) {
                        return err;
                } else {
                        n = 0;
                }
                msg->ptr += n;
                msg->len -= n;
        }
        return 0;
}

/* ---- the simpul payload rule -------------------------------------------- */

static size_t
overhead(const struct secure_hs *hs)
{
        bool key = hs->ed25519 && hs->step > 0;

        return overhead_raw[hs->step] + (key ? SECURE_KEY_BYTES : 0);
}

static bool
payload_fits(const struct secure_hs *hs, struct slice payload)
{
        if (!hs->ed25519)
                return payload.len <= SECURE_HS_MSG_MAX - overhead(hs);
        if (hs->step == 0)
                return payload.len == 0;
        return payload.len <= SECURE_HS_PAYLOAD_MAX;
}

static void
write_payload(struct secure_hs *hs, struct slice payload, struct buf *out)
{
        struct noise *ns = hs->ns;

        if (!hs->ed25519 || hs->step == 0) {
                encrypt_and_hash(ns, payload.ptr, payload.len, out);
                return;
        }
        memcpy(ns->pt, ns->ed_pk, SECURE_KEY_BYTES);
        if (payload.len)
                memcpy(ns->pt + SECURE_KEY_BYTES, payload.ptr, payload.len);
        encrypt_and_hash(ns, ns->pt, SECURE_KEY_BYTES + payload.len, out);
        sodium_memzero(ns->pt, SECURE_KEY_BYTES + payload.len);
}

/* The claimed Ed25519 key must be a valid point that converts to rs. */
static int
check_remote_key(struct secure_hs *hs, const uint8_t ed[SECURE_KEY_BYTES])
{
        struct noise *ns = hs->ns;
        int bad = !crypto_core_ed25519_is_valid_point(ed) ||
                  crypto_sign_ed25519_pk_to_curve25519(ns->dh, ed) != 0 ||
                  sodium_memcmp(ns->dh, ns->rs, DHLEN) != 0;

        sodium_memzero(ns->dh, DHLEN);
        if (bad)
                return ERR_HANDSHAKE;
        memcpy(ns->remote_ed, ed, SECURE_KEY_BYTES);
        hs->remote_known = true;
        return 0;
}

static int
read_payload(struct secure_hs *hs, struct slice rest, struct buf *out)
{
        struct noise *ns = hs->ns;
        size_t len;
        int err = 0;

        if (decrypt_and_hash(ns, rest.ptr, rest.len, ns->pt, &len))
                return ERR_HANDSHAKE;
        if (!hs->ed25519)
                buf_add(out, ns->pt, len);
        else if (hs->step == 0)
                err = len == 0 ? 0 : ERR_HANDSHAKE;
        else if (len < SECURE_KEY_BYTES ||
                 len - SECURE_KEY_BYTES > SECURE_HS_PAYLOAD_MAX)
                err = ERR_HANDSHAKE;
        else if (!(err = check_remote_key(hs, ns->pt)))
                buf_add(out, ns->pt + SECURE_KEY_BYTES, len - SECURE_KEY_BYTES);
        sodium_memzero(ns->pt, len);
        return err;
}

/* ---- the handshake state machine ---------------------------------------- */

static int
hs_fail(struct secure_hs *hs)
{
        sodium_memzero(hs->ns, sizeof(*hs->ns));
        hs->state = HS_FAILED;
        hs->remote_known = false;
        return ERR_HANDSHAKE;
}

static void
hs_step_done(struct secure_hs *hs)
{
        struct noise *ns = hs->ns;

        if (++hs->step < MSG_COUNT)
                return;
        hs->state = HS_DONE;
        /* Only ck (for Split) and h (channel binding) are needed now. */
        sodium_memzero(ns->k, sizeof(ns->k));
        sodium_memzero(ns->s_sk, sizeof(ns->s_sk));
        sodium_memzero(ns->e_sk, sizeof(ns->e_sk));
}

static struct secure_hs *
hs_alloc(bool initiator, struct slice prologue)
{
        struct secure_hs *hs = xcalloc(1, sizeof(*hs));

        hs->ns = secure__smalloc(sizeof(*hs->ns));
        memset(hs->ns, 0, sizeof(*hs->ns));
        hs->initiator = initiator;
        hs->state = HS_RUNNING;
        initialize_symmetric(hs->ns);
        mix_hash(hs->ns, prologue.ptr, prologue.len);
        return hs;
}

int
secure_hs_new(struct secure_hs **out, bool initiator, const struct key *k,
              struct slice prologue)
{
        struct secure_hs *hs = hs_alloc(initiator, prologue);
        struct noise *ns = hs->ns;
        int bad;

        *out = NULL;
        hs->ed25519 = true;
        memcpy(ns->ed_pk, k->pk, SECURE_KEY_BYTES);
        bad = crypto_sign_ed25519_sk_to_curve25519(ns->s_sk, k->sk) != 0 ||
              crypto_sign_ed25519_pk_to_curve25519(ns->s_pk, k->pk) != 0 ||
              crypto_scalarmult_base(ns->dh, ns->s_sk) != 0 ||
              sodium_memcmp(ns->dh, ns->s_pk, DHLEN) != 0;
        sodium_memzero(ns->dh, DHLEN);
        if (bad) {
                secure_hs_free(hs);
                return ERR_KEY;
        }
        *out = hs;
        return 0;
}

int
secure_hs_test_new_x25519(struct secure_hs **out, bool initiator,
                          const uint8_t sk[SECURE_KEY_BYTES],
                          struct slice prologue)
{
        struct secure_hs *hs = hs_alloc(initiator, prologue);

        *out = NULL;
        memcpy(hs->ns->s_sk, sk, DHLEN);
        if (crypto_scalarmult_base(hs->ns->s_pk, hs->ns->s_sk) != 0) {
                secure_hs_free(hs);
                return ERR_KEY;
        }
        *out = hs;
        return 0;
}

void
secure_hs_test_set_ephemeral(struct secure_hs *hs,
                             const uint8_t sk[SECURE_KEY_BYTES])
{
        assert(hs->state == HS_RUNNING && !hs->ns->has_e);
        set_ephemeral(hs->ns, sk);
}

void
secure_hs_free(struct secure_hs *hs)
{
        if (!hs)
                return;
        sodium_free(hs->ns); /* wipes */
        free(hs);
}

bool
secure_hs_want_write(const struct secure_hs *hs)
{
        return hs->state == HS_RUNNING && (hs->step % 2 == 0) == hs->initiator;
}

bool
secure_hs_done(const struct secure_hs *hs)
{
        return hs->state == HS_DONE || hs->state == HS_SPLIT;
}

int
secure_hs_write(struct secure_hs *hs, struct slice payload, struct buf *out)
{
        size_t start = out->len;
        int err;

        if (hs->state == HS_FAILED)
                return ERR_HANDSHAKE;
        if (!secure_hs_want_write(hs) || !payload_fits(hs, payload))
                return ERR_USAGE;
        err = write_tokens(hs, out);
        if (err) {
                out->len = start;
                if (out->cap)
                        out->data[start] = 0;
                return hs_fail(hs);
        }
        write_payload(hs, payload, out);
        assert(out->len - start == overhead(hs) + payload.len);
        hs_step_done(hs);
        return 0;
}

int
secure_hs_write_framed(struct secure_hs *hs, struct slice payload,
                       struct buf *out)
{
        size_t start = out->len, len;
        int err;

        buf_add(out, "\0\0", SECURE_HS_LEN_BYTES);
        err = secure_hs_write(hs, payload, out);
        if (err) {
                out->len = start;
                out->data[start] = 0;
                return err;
        }
        len = out->len - start - SECURE_HS_LEN_BYTES;
        assert(len <= SECURE_HS_MSG_MAX);
        out->data[start] = (uint8_t)(len >> 8);
        out->data[start + 1] = (uint8_t)len;
        return 0;
}

int
secure_hs_read(struct secure_hs *hs, struct slice msg, struct buf *payload_out)
{
        if (hs->state == HS_FAILED)
                return ERR_HANDSHAKE;
        if (hs->state != HS_RUNNING)
                return ERR_USAGE;
        if (secure_hs_want_write(hs) || msg.len > SECURE_HS_MSG_MAX ||
            msg.len < overhead(hs))
                return hs_fail(hs);
        if (read_tokens(hs, &msg) || read_payload(hs, msg, payload_out))
                return hs_fail(hs);
        hs_step_done(hs);
        return 0;
}

const uint8_t *
secure_hs_remote_key(const struct secure_hs *hs)
{
        return hs->remote_known ? hs->ns->remote_ed : NULL;
}

const uint8_t *
secure_hs_hash(const struct secure_hs *hs)
{
        return secure_hs_done(hs) ? hs->ns->h : NULL;
}

/* §5.2 Split(): t1 keys initiator-to-responder, t2 the other way. */
static void
split_keys(struct noise *ns)
{
        hkdf2(ns->ck, NULL, 0, ns->t1, ns->t2);
}

int
secure_hs_test_split_keys(const struct secure_hs *hs,
                          uint8_t i2r[SECURE_STREAM_KEY_BYTES],
                          uint8_t r2i[SECURE_STREAM_KEY_BYTES])
{
        struct noise *ns = hs->ns;

        if (hs->state != HS_DONE)
                return ERR_USAGE;
        split_keys(ns);
        memcpy(i2r, ns->t1, SECURE_STREAM_KEY_BYTES);
        memcpy(r2i, ns->t2, SECURE_STREAM_KEY_BYTES);
        sodium_memzero(ns->t1, HASHLEN);
        sodium_memzero(ns->t2, HASHLEN);
        return 0;
}

int
secure_hs_split(struct secure_hs *hs, struct secure_stream *tx,
                struct secure_stream *rx, struct buf *out)
{
        struct noise *ns = hs->ns;

        if (hs->state != HS_DONE || tx->st || rx->st)
                return ERR_USAGE;
        split_keys(ns);
        /* HASHLEN is 64: each key is the first 32 bytes of its output. */
        secure__stream_init_tx(tx, hs->initiator ? ns->t1 : ns->t2, out);
        secure__stream_init_rx(rx, hs->initiator ? ns->t2 : ns->t1);
        sodium_memzero(ns->t1, HASHLEN);
        sodium_memzero(ns->t2, HASHLEN);
        sodium_memzero(ns->ck, HASHLEN);
        hs->state = HS_SPLIT;
        return 0;
}
