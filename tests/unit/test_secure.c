/*
 * test_secure: the Noise XX handshake and the secretstream transport
 * (proto/HANDSHAKE.md). Published Noise vectors (raw X25519 statics and
 * fixed ephemerals) are checked byte for byte; then real Ed25519 node keys:
 * full handshakes, network (prologue) mismatch, every flipped, cut or
 * extended handshake byte, false key claims, transport tampering, limits,
 * and the incremental reader fed one byte at a time. The simpul vector
 * proto/vectors/handshake.json is rebuilt from its inputs; run with
 * SIMPUL_WRITE_HANDSHAKE_VECTOR=<path> to rewrite it (HANDSHAKE.md §8).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/secure/secure.h"
#include "testlib.h"

#define VECTOR_FILE SIMPUL_PROTO_DIR "/vectors/handshake.json"
#define NETWORK_PROLOGUE "simpul/1"
#define NETWORK_ID_BYTES 32U

/* ---- helpers ------------------------------------------------------------- */

static void
hex_to_buf(const char *hex, struct buf *out)
{
        size_t n = strlen(hex);

        assert_int_equal(n % 2, 0);
        buf_reset(out);
        buf_grow(out, n / 2);
        assert_int_equal(hex_decode(out->data, n / 2, hex, n), 0);
        out->len = n / 2;
}

static void
hex_to(uint8_t *out, size_t n, const char *hex)
{
        assert_int_equal(strlen(hex), 2 * n);
        assert_int_equal(hex_decode(out, n, hex, 2 * n), 0);
}

/* Fails with both values in hex unless got equals the hex string want. */
static void
expect_hex(const char *name, const uint8_t *got, size_t n, const char *want)
{
        char *text = xmalloc(2 * n + 1);

        hex_encode(text, got, n);
        if (strcmp(text, want) != 0)
                fail_msg("%s:\n got  %s\n want %s", name, text, want);
        free(text);
}

static struct slice
sl(const char *s)
{
        return slice_cstr(s);
}

static struct key *key_a, *key_b, *key_c;
static uint8_t prologue_1[sizeof(NETWORK_PROLOGUE) - 1 + NETWORK_ID_BYTES];
static uint8_t prologue_2[sizeof(prologue_1)];

static void
make_prologue(uint8_t *out, uint8_t id_byte)
{
        memcpy(out, NETWORK_PROLOGUE, sizeof(NETWORK_PROLOGUE) - 1);
        memset(out + sizeof(NETWORK_PROLOGUE) - 1, id_byte, NETWORK_ID_BYTES);
}

static int
setup(void **state)
{
        (void)state;
        if (entry_lib_init())
                return -1;
        key_a = test_key(0xa1);
        key_b = test_key(0xb2);
        key_c = test_key(0xc3);
        make_prologue(prologue_1, 0x11);
        make_prologue(prologue_2, 0x22);
        return 0;
}

static int
teardown(void **state)
{
        (void)state;
        key_free(key_a);
        key_free(key_b);
        key_free(key_c);
        return 0;
}

/* ---- a handshake between two instances ----------------------------------- */

struct pair {
        struct secure_hs *hs[2]; /* [0] initiator, [1] responder */
        struct buf msg[3];       /* each message as sent */
        struct buf got[3];       /* each payload as received */
        struct secure_stream tx[2], rx[2];
        struct buf wire[2]; /* split output: each side's stream header */
};

/* Fixed ephemerals make every message reproducible (flip tests). */
static const uint8_t eph_i[32] = {1, 2, 3, 4, 5, 6, 7, 8};
static const uint8_t eph_r[32] = {9, 10, 11, 12, 13, 14, 15, 16};

static void
pair_new(struct pair *p, const struct key *ki, const struct key *kr,
         struct slice pro_i, struct slice pro_r, bool fixed)
{
        memset(p, 0, sizeof(*p));
        assert_int_equal(secure_hs_new(&p->hs[0], true, ki, pro_i), 0);
        assert_int_equal(secure_hs_new(&p->hs[1], false, kr, pro_r), 0);
        if (fixed) {
                secure_hs_test_set_ephemeral(p->hs[0], eph_i);
                secure_hs_test_set_ephemeral(p->hs[1], eph_r);
        }
}

static void
pair_free(struct pair *p)
{
        unsigned i;

        for (i = 0; i < 2; i++) {
                secure_hs_free(p->hs[i]);
                secure_stream_release(&p->tx[i]);
                secure_stream_release(&p->rx[i]);
                buf_release(&p->wire[i]);
        }
        for (i = 0; i < 3; i++) {
                buf_release(&p->msg[i]);
                buf_release(&p->got[i]);
        }
}

/* Message i (0..2): sender writes it, then the receiver reads it. Returns
 * the receiver's result; the writer must succeed. */
static int
pair_step(struct pair *p, unsigned i, struct slice payload)
{
        struct secure_hs *from = p->hs[i % 2], *to = p->hs[1 - i % 2];

        assert_true(secure_hs_want_write(from));
        assert_false(secure_hs_want_write(to));
        expect_err("write", secure_hs_write(from, payload, &p->msg[i]), 0);
        return secure_hs_read(to, buf_slice(&p->msg[i]), &p->got[i]);
}

static const char *const payloads[3] = {"", "responder cert", "initiator cert"};

static void
pair_run(struct pair *p)
{
        unsigned i;

        for (i = 0; i < 3; i++)
                expect_err("read", pair_step(p, i, sl(payloads[i])), 0);
        assert_true(secure_hs_done(p->hs[0]) && secure_hs_done(p->hs[1]));
}

static void
pair_split(struct pair *p)
{
        unsigned i;

        for (i = 0; i < 2; i++)
                expect_err("split",
                           secure_hs_split(p->hs[i], &p->tx[i], &p->rx[i],
                                           &p->wire[i]),
                           0);
}

/* Encrypts one frame from side `from` and reads it back through r, the
 * reader of the other side (already fed that side's stream header). */
static void
expect_round_trip(struct pair *p, unsigned from, struct slice pt,
                  struct secure_reader *r, struct buf *got)
{
        struct buf out = BUF_INIT;

        expect_err("push", secure_stream_push(&p->tx[from], pt, &out), 0);
        assert_int_equal(out.len,
                         SECURE_FRAME_LEN_BYTES + pt.len + SECURE_FRAME_ABYTES);
        secure_reader_feed(r, buf_slice(&out));
        expect_err("next", secure_reader_next(r, &p->rx[1 - from], got), 1);
        assert_true(slice_eq(buf_slice(got), pt));
        expect_err("drained", secure_reader_next(r, &p->rx[1 - from], got), 0);
        buf_release(&out);
}

/* ---- (a) published Noise test vectors ------------------------------------ */

struct noise_vector {
        const char *source;
        const char *prologue, *init_static, *init_ephemeral;
        const char *resp_static, *resp_ephemeral, *handshake_hash;
        struct {
                const char *payload, *ciphertext;
        } msg[6];
};

/*
 * Noise_XX_25519_ChaChaPoly_BLAKE2b, copied verbatim. Both share keys and
 * payloads and differ in the prologue, so msg2 onwards differ.
 */
static const struct noise_vector noise_vectors[] = {
    {"cacophony vectors/cacophony.txt (haskell-cryptography/cacophony), "
     "as in mcginty/snow tests/vectors/cacophony.txt (blob b8a271ed)",
     "4a6f686e2047616c74",
     "e61ef9919cde45dd5f82166404bd08e38bceb5dfdfded0a34c8df7ed542214d1",
     "893e28b9dc6ca8d611ab664754b8ceb7bac5117349a4439a6b0569da977c464a",
     "4a3acbfdb163dec651dfa3194dece676d437029c62a408b4c5ea9114246e4893",
     "bbdb4cdbd309f1a1f2e1456967fe288cadd6f712d65dc7b7793d5e63da6b375b",
     "8cf47d7b3cb5804c0109d48e8bcdbee2cbb65687d8ea2c92994ca361fb86151a"
     "d93627b98936cbb32de56e8abb21def3925011ac3e35db9cbeea73ab9a4392c2",
     {{"4c756477696720766f6e204d69736573",
       "ca35def5ae56cec33dc2036731ab14896bc4c75dbb07a61f879f8e3afa4c7944"
       "4c756477696720766f6e204d69736573"},
      {"4d757272617920526f746862617264",
       "95ebc60d2b1fa672c1f46a8aa265ef51bfe38e7ccb39ec5be34069f144808843"
       "0505b6745ce64a5f33f0e8e3b83f11ce8802bca507f4f2d8b564dbe277e19661"
       "16e132faa2dfd70b8b077b9f94b913df5056ae1319469b824a98d54bbaa82c32"
       "5595587064f978c4b6d104f7596e6f"},
      {"462e20412e20486179656b",
       "99579e1c1ee15e422a57ddd6b16d37087b17558e8369c18991b4b2ca3a824abf"
       "904cdcf5458b5431a75af034ca9e9b982de039eaaf156775e2d580cd4e5ebae8"
       "9c3f8cb2594b556d8a8169"},
      {"4361726c204d656e676572",
       "fc56eea290b3f3a21aac0c70cd5787b5ee99be37d2f4d751329b55"},
      {"4a65616e2d426170746973746520536179",
       "bb31c9da10d5639a4cdb88a12f5c61de41bbc7df09bf75d94f8184fe4157f5c68f"},
      {"457567656e2042f6686d20766f6e2042617765726b",
       "f6199cadb152fb27f82be0a0891ec76a33598ae92a46cab2fb5a8ed5bf48b7f2"
       "67f8370af7"}}},
    {"noise-c tests/vector/noise-c-basic.txt (rweather/noise-c, "
     "blob 936094f0)",
     "50726f6c6f677565313233",
     "e61ef9919cde45dd5f82166404bd08e38bceb5dfdfded0a34c8df7ed542214d1",
     "893e28b9dc6ca8d611ab664754b8ceb7bac5117349a4439a6b0569da977c464a",
     "4a3acbfdb163dec651dfa3194dece676d437029c62a408b4c5ea9114246e4893",
     "bbdb4cdbd309f1a1f2e1456967fe288cadd6f712d65dc7b7793d5e63da6b375b",
     "7f6b8a1de1faf8b5e153ded74c950d09c5caf62a8e2eeb73277671d4e65ef9ca"
     "2421a748a4af050284fa6f3eb40bb77f4ace99b7f3ea01db2953233a546a72d2",
     {{"4c756477696720766f6e204d69736573",
       "ca35def5ae56cec33dc2036731ab14896bc4c75dbb07a61f879f8e3afa4c7944"
       "4c756477696720766f6e204d69736573"},
      {"4d757272617920526f746862617264",
       "95ebc60d2b1fa672c1f46a8aa265ef51bfe38e7ccb39ec5be34069f144808843"
       "0505b6745ce64a5f33f0e8e3b83f11ce8802bca507f4f2d8b564dbe277e19661"
       "57671ea3b8853f41ae9fb01b5198b7355056ae1319469b824a98d54bbaa82c26"
       "4bbb329d7b104cdeeda568b40a097c"},
      {"462e20412e20486179656b",
       "99579e1c1ee15e422a57ddd6b16d37087b17558e8369c18991b4b2ca3a824abf"
       "55433b8625300437ffbe733f1c6cf40b2de039eaaf156775e2d58021e5d46b9c"
       "b99b280c73026b50f27736"},
      {"4361726c204d656e676572",
       "fc56eea290b3f3a21aac0c70cd5787b5ee99be37d2f4d751329b55"},
      {"4a65616e2d426170746973746520536179",
       "bb31c9da10d5639a4cdb88a12f5c61de41bbc7df09bf75d94f8184fe4157f5c68f"},
      {"457567656e2042f6686d20766f6e2042617765726b",
       "f6199cadb152fb27f82be0a0891ec76a33598ae92a46cab2fb5a8ed5bf48b7f2"
       "67f8370af7"}}},
};

/* Noise §5.1 ENCRYPT(k, n, ad = empty, pt) for a transport message, written
 * here independently of the module: nonce = 4 zero bytes || LE64(n). */
static void
noise_transport_encrypt(const uint8_t k[32], uint64_t n, struct slice pt,
                        struct buf *out)
{
        uint8_t nonce[12] = {0};
        unsigned long long clen;
        unsigned i;

        for (i = 0; i < 8; i++)
                nonce[4 + i] = (uint8_t)(n >> (8 * i));
        buf_reset(out);
        buf_grow(out, pt.len + 16);
        crypto_aead_chacha20poly1305_ietf_encrypt(
            out->data, &clen, pt.ptr, pt.len, NULL, 0, NULL, nonce, k);
        out->len = (size_t)clen;
}

static void
run_noise_vector(const struct noise_vector *v)
{
        struct secure_hs *hs[2];
        struct buf pro = BUF_INIT, pt = BUF_INIT, msg = BUF_INIT;
        struct buf got = BUF_INIT;
        uint8_t sk[32], keys[2][2][32];
        uint64_t n[2] = {0, 0};
        unsigned i, from;

        hex_to_buf(v->prologue, &pro);
        hex_to(sk, 32, v->init_static);
        assert_int_equal(
            secure_hs_test_new_x25519(&hs[0], true, sk, buf_slice(&pro)), 0);
        hex_to(sk, 32, v->resp_static);
        assert_int_equal(
            secure_hs_test_new_x25519(&hs[1], false, sk, buf_slice(&pro)), 0);
        hex_to(sk, 32, v->init_ephemeral);
        secure_hs_test_set_ephemeral(hs[0], sk);
        hex_to(sk, 32, v->resp_ephemeral);
        secure_hs_test_set_ephemeral(hs[1], sk);
        for (i = 0; i < 3; i++) {
                from = i % 2;
                hex_to_buf(v->msg[i].payload, &pt);
                buf_reset(&msg);
                buf_reset(&got);
                expect_err(v->source,
                           secure_hs_write(hs[from], buf_slice(&pt), &msg), 0);
                expect_hex(v->source, msg.data, msg.len, v->msg[i].ciphertext);
                expect_err(v->source,
                           secure_hs_read(hs[1 - from], buf_slice(&msg), &got),
                           0);
                assert_true(slice_eq(buf_slice(&got), buf_slice(&pt)));
        }
        for (i = 0; i < 2; i++) {
                assert_true(secure_hs_done(hs[i]));
                expect_hex(v->source, secure_hs_hash(hs[i]), SECURE_HASH_BYTES,
                           v->handshake_hash);
                assert_null(secure_hs_remote_key(hs[i]));
                assert_int_equal(
                    secure_hs_test_split_keys(hs[i], keys[i][0], keys[i][1]),
                    0);
        }
        assert_memory_equal(keys[0], keys[1], sizeof(keys[0]));
        /* Transport messages alternate, responder first: Split()'s second
         * key carries responder-to-initiator. */
        for (i = 3; i < 6; i++) {
                from = i % 2;
                hex_to_buf(v->msg[i].payload, &pt);
                noise_transport_encrypt(keys[0][from], n[from]++,
                                        buf_slice(&pt), &msg);
                expect_hex(v->source, msg.data, msg.len, v->msg[i].ciphertext);
        }
        secure_hs_free(hs[0]);
        secure_hs_free(hs[1]);
        buf_release(&pro);
        buf_release(&pt);
        buf_release(&msg);
        buf_release(&got);
}

static void
noise_published_vectors(void **state)
{
        size_t i;

        (void)state;
        for (i = 0; i < ARRAY_LEN(noise_vectors); i++)
                run_noise_vector(&noise_vectors[i]);
}

/* ---- (b) a full simpul handshake and transport -------------------------- */

static void
handshake_full(void **state)
{
        struct pair p;
        uint8_t k0[2][32], k1[2][32];
        unsigned i;

        (void)state;
        pair_new(&p, key_a, key_b, slice_make(prologue_1, sizeof(prologue_1)),
                 slice_make(prologue_1, sizeof(prologue_1)), false);
        assert_null(secure_hs_remote_key(p.hs[0]));
        assert_null(secure_hs_hash(p.hs[0]));
        expect_err("msg1", pair_step(&p, 0, sl("")), 0);
        assert_null(secure_hs_remote_key(p.hs[1])); /* not yet authenticated */
        expect_err("msg2", pair_step(&p, 1, sl(payloads[1])), 0);
        assert_memory_equal(secure_hs_remote_key(p.hs[0]), key_b->pk, 32);
        assert_false(secure_hs_done(p.hs[0]));
        expect_err("msg3", pair_step(&p, 2, sl(payloads[2])), 0);
        assert_memory_equal(secure_hs_remote_key(p.hs[1]), key_a->pk, 32);
        /* Sizes: 32, 128 and 96 bytes plus the caller payload. */
        assert_int_equal(p.msg[0].len, 32);
        assert_int_equal(p.msg[1].len, 128 + strlen(payloads[1]));
        assert_int_equal(p.msg[2].len, 96 + strlen(payloads[2]));
        for (i = 0; i < 3; i++)
                assert_true(slice_eq(buf_slice(&p.got[i]), sl(payloads[i])));
        assert_memory_equal(secure_hs_hash(p.hs[0]), secure_hs_hash(p.hs[1]),
                            SECURE_HASH_BYTES);
        assert_int_equal(secure_hs_test_split_keys(p.hs[0], k0[0], k0[1]), 0);
        assert_int_equal(secure_hs_test_split_keys(p.hs[1], k1[0], k1[1]), 0);
        assert_memory_equal(k0, k1, sizeof(k0));
        assert_memory_not_equal(k0[0], k0[1], 32);
        pair_split(&p);
        assert_int_equal(p.wire[0].len, SECURE_STREAM_HEADER_BYTES);
        assert_int_equal(p.wire[1].len, SECURE_STREAM_HEADER_BYTES);
        /* After split: the hash and the remote key stay, no second split. */
        assert_non_null(secure_hs_hash(p.hs[0]));
        assert_memory_equal(secure_hs_remote_key(p.hs[0]), key_b->pk, 32);
        expect_err("split twice",
                   secure_hs_split(p.hs[0], &p.tx[0], &p.rx[0], &p.wire[0]),
                   ERR_USAGE);
        expect_err("write after", secure_hs_write(p.hs[0], sl(""), &p.msg[0]),
                   ERR_USAGE);
        pair_free(&p);
}

static void
transport_round_trips(void **state)
{
        struct secure_reader r[2];
        struct buf got = BUF_INIT, big = BUF_INIT, out = BUF_INIT;
        struct pair p;
        char text[64];
        unsigned i, side;

        (void)state;
        pair_new(&p, key_a, key_b, slice_make(prologue_1, sizeof(prologue_1)),
                 slice_make(prologue_1, sizeof(prologue_1)), false);
        pair_run(&p);
        pair_split(&p);
        for (side = 0; side < 2; side++) {
                secure_reader_init(&r[side]); /* r[side] reads from side */
                secure_reader_feed(&r[side], buf_slice(&p.wire[side]));
        }
        for (i = 0; i < 1000; i++) {
                side = i % 3 == 0;
                snprintf(text, sizeof(text), "frame %u from %u", i, side);
                expect_round_trip(&p, side, sl(text), &r[side], &got);
        }
        expect_round_trip(&p, 0, sl(""), &r[0], &got); /* empty frame */
        buf_grow(&big, SECURE_FRAME_MAX);
        randombytes_buf(big.data, SECURE_FRAME_MAX);
        big.len = SECURE_FRAME_MAX;
        expect_round_trip(&p, 1, buf_slice(&big), &r[1], &got);
        expect_round_trip(&p, 0, buf_slice(&big), &r[0], &got);
        big.len = SECURE_FRAME_MAX + 1;
        expect_err("over max",
                   secure_stream_push(&p.tx[0], buf_slice(&big), &out),
                   ERR_FRAME_TOO_BIG);
        assert_int_equal(out.len, 0);
        expect_err("push on rx", secure_stream_push(&p.rx[0], sl("x"), &out),
                   ERR_USAGE);
        expect_err("next on tx", secure_reader_next(&r[0], &p.tx[0], &got),
                   ERR_USAGE);
        for (side = 0; side < 2; side++)
                secure_reader_release(&r[side]);
        buf_release(&got);
        buf_release(&big);
        buf_release(&out);
        pair_free(&p);
}

/* ---- (c) networks: different prologues ----------------------------------- */

static void
expect_failed(const char *name, struct secure_hs *hs)
{
        struct buf b = BUF_INIT;
        struct secure_stream tx = {0}, rx = {0};

        expect_err(name, secure_hs_read(hs, sl("x"), &b), ERR_HANDSHAKE);
        expect_err(name, secure_hs_write(hs, sl(""), &b), ERR_HANDSHAKE);
        expect_err(name, secure_hs_split(hs, &tx, &rx, &b), ERR_USAGE);
        assert_null(secure_hs_remote_key(hs));
        assert_null(secure_hs_hash(hs));
        assert_false(secure_hs_done(hs));
        assert_false(secure_hs_want_write(hs));
        assert_int_equal(b.len, 0);
        buf_release(&b);
}

static void
network_mismatch(void **state)
{
        struct slice p1 = slice_make(prologue_1, sizeof(prologue_1));
        struct slice p2 = slice_make(prologue_2, sizeof(prologue_2));
        struct pair p, q;
        unsigned fixed;

        (void)state;
        for (fixed = 0; fixed < 2; fixed++) {
                pair_new(&p, key_a, key_b, p1, p2, fixed);
                /* msg1 carries no authentication: the responder accepts it. */
                expect_err("msg1", pair_step(&p, 0, sl("")), 0);
                /* msg2 is the first that authenticates: the initiator fails. */
                expect_err("msg2", pair_step(&p, 1, sl(payloads[1])),
                           ERR_HANDSHAKE);
                assert_int_equal(p.got[1].len, 0);
                expect_failed("initiator", p.hs[0]);
                pair_free(&p);
        }
        /* A msg3 from a handshake on another network fails the responder
         * (same keys and ephemerals, so only the prologue differs). */
        pair_new(&p, key_a, key_b, p1, p1, true);
        pair_run(&p);
        pair_new(&q, key_a, key_b, p2, p2, true);
        expect_err("q msg1", pair_step(&q, 0, sl("")), 0);
        expect_err("q msg2",
                   secure_hs_write(q.hs[1], sl(payloads[1]), &q.msg[1]), 0);
        expect_err("msg3 of the other network",
                   secure_hs_read(q.hs[1], buf_slice(&p.msg[2]), &q.got[2]),
                   ERR_HANDSHAKE);
        expect_failed("responder", q.hs[1]);
        pair_free(&q);
        pair_free(&p);
}

/* ---- (d) every handshake byte flipped, cut or extended ------------------- */

/* Reference messages of the fixed-ephemeral handshake. */
static void
reference_messages(struct buf msg[3])
{
        struct pair p;
        unsigned i;

        pair_new(&p, key_a, key_b, slice_make(prologue_1, sizeof(prologue_1)),
                 slice_make(prologue_1, sizeof(prologue_1)), true);
        pair_run(&p);
        for (i = 0; i < 3; i++) {
                buf_init(&msg[i]);
                buf_add(&msg[i], p.msg[i].data, p.msg[i].len);
        }
        pair_free(&p);
}

/*
 * Runs the fixed handshake, delivering `bad` instead of message k. Message 1
 * is not authenticated, so its damage shows at the latest when the
 * initiator reads msg2. Never succeeds, never crashes.
 */
static void
expect_damaged(unsigned k, struct slice bad, const char *what, size_t at)
{
        struct pair p;
        struct secure_hs *to;
        char name[96];
        int err;
        unsigned i;

        snprintf(name, sizeof(name), "msg%u %s at %zu", k + 1, what, at);
        pair_new(&p, key_a, key_b, slice_make(prologue_1, sizeof(prologue_1)),
                 slice_make(prologue_1, sizeof(prologue_1)), true);
        for (i = 0; i < k; i++)
                expect_err(name, pair_step(&p, i, sl(payloads[i])), 0);
        to = p.hs[1 - k % 2];
        expect_err(name,
                   secure_hs_write(p.hs[k % 2], sl(payloads[k]), &p.msg[k]), 0);
        err = secure_hs_read(to, bad, &p.got[k]);
        if (k == 0 && err == 0) {
                err = secure_hs_write(p.hs[1], sl(payloads[1]), &p.msg[1]);
                if (err == 0)
                        err = secure_hs_read(p.hs[0], buf_slice(&p.msg[1]),
                                             &p.got[1]);
                to = err && !p.msg[1].len ? p.hs[1] : p.hs[0];
        }
        expect_err(name, err, ERR_HANDSHAKE);
        expect_failed(name, to);
        pair_free(&p);
}

static void
handshake_every_byte_flipped(void **state)
{
        static const uint8_t masks[] = {0x01, 0x80, 0xff};
        struct buf msg[3], bad = BUF_INIT;
        size_t at, m;
        unsigned k;

        (void)state;
        reference_messages(msg);
        for (k = 0; k < 3; k++)
                for (at = 0; at < msg[k].len; at++)
                        for (m = 0; m < ARRAY_LEN(masks); m++) {
                                buf_reset(&bad);
                                buf_add(&bad, msg[k].data, msg[k].len);
                                bad.data[at] ^= masks[m];
                                expect_damaged(k, buf_slice(&bad), "flip", at);
                        }
        for (k = 0; k < 3; k++)
                buf_release(&msg[k]);
        buf_release(&bad);
}

static void
handshake_cut_or_extended(void **state)
{
        struct buf msg[3], bad = BUF_INIT;
        size_t len;
        unsigned k;

        (void)state;
        reference_messages(msg);
        for (k = 0; k < 3; k++) {
                for (len = 0; len < msg[k].len; len++)
                        expect_damaged(k, slice_make(msg[k].data, len), "cut",
                                       len);
                buf_reset(&bad);
                buf_add(&bad, msg[k].data, msg[k].len);
                buf_addc(&bad, 0);
                expect_damaged(k, buf_slice(&bad), "extended", msg[k].len);
        }
        for (k = 0; k < 3; k++)
                buf_release(&msg[k]);
        buf_release(&bad);
}

/* ---- (e) the claimed Ed25519 key must be the static key ------------------ */

/* Raw X25519 form of a node key, as the Ed25519 side converts it. */
static struct secure_hs *
raw_hs(bool initiator, const struct key *k)
{
        struct secure_hs *hs;
        uint8_t x[32];

        assert_int_equal(crypto_sign_ed25519_sk_to_curve25519(x, k->sk), 0);
        assert_int_equal(
            secure_hs_test_new_x25519(
                &hs, initiator, x, slice_make(prologue_1, sizeof(prologue_1))),
            0);
        sodium_memzero(x, sizeof(x));
        return hs;
}

/* The responder (raw, key_b's static) claims `claim` in msg2. */
static int
claim_in_msg2(const uint8_t claim[32], size_t claim_len)
{
        struct secure_hs *i, *r = raw_hs(false, key_b);
        struct buf m = BUF_INIT, got = BUF_INIT, pl = BUF_INIT;
        int err;

        assert_int_equal(
            secure_hs_new(&i, true, key_a,
                          slice_make(prologue_1, sizeof(prologue_1))),
            0);
        assert_int_equal(secure_hs_write(i, sl(""), &m), 0);
        assert_int_equal(secure_hs_read(r, buf_slice(&m), &got), 0);
        buf_reset(&m);
        buf_add(&pl, claim, claim_len);
        buf_adds(&pl, "payload");
        assert_int_equal(secure_hs_write(r, buf_slice(&pl), &m), 0);
        err = secure_hs_read(i, buf_slice(&m), &got);
        if (err)
                expect_failed("claim msg2", i);
        else
                assert_memory_equal(secure_hs_remote_key(i), claim, 32);
        secure_hs_free(i);
        secure_hs_free(r);
        buf_release(&m);
        buf_release(&got);
        buf_release(&pl);
        return err;
}

/* The initiator (raw, key_a's static) claims `claim` in msg3, followed by
 * `extra` caller payload bytes. */
static int
claim_in_msg3(const uint8_t claim[32], size_t extra)
{
        struct secure_hs *i = raw_hs(true, key_a), *r;
        struct buf m = BUF_INIT, got = BUF_INIT, pl = BUF_INIT;
        int err;

        assert_int_equal(
            secure_hs_new(&r, false, key_b,
                          slice_make(prologue_1, sizeof(prologue_1))),
            0);
        assert_int_equal(secure_hs_write(i, sl(""), &m), 0);
        assert_int_equal(secure_hs_read(r, buf_slice(&m), &got), 0);
        buf_reset(&m);
        assert_int_equal(secure_hs_write(r, sl(""), &m), 0);
        assert_int_equal(secure_hs_read(i, buf_slice(&m), &got), 0);
        /* The raw side sees the responder's Ed25519 key in front. */
        assert_int_equal(got.len, 32);
        assert_memory_equal(got.data, key_b->pk, 32);
        buf_reset(&m);
        buf_add(&pl, claim, 32);
        while (extra--)
                buf_addc(&pl, 'x');
        assert_int_equal(secure_hs_write(i, buf_slice(&pl), &m), 0);
        buf_reset(&got);
        err = secure_hs_read(r, buf_slice(&m), &got);
        if (err)
                expect_failed("claim msg3", r);
        else
                assert_memory_equal(secure_hs_remote_key(r), claim, 32);
        secure_hs_free(i);
        secure_hs_free(r);
        buf_release(&m);
        buf_release(&got);
        buf_release(&pl);
        return err;
}

static void
claimed_key_must_match(void **state)
{
        uint8_t zero[32] = {0}, identity[32] = {1}, noncanon[32], neg[32];

        (void)state;
        /* -B: the sign of x, which X25519 drops (HANDSHAKE.md §3.5). */
        memcpy(neg, key_b->pk, 32);
        neg[31] ^= 0x80;
        /* y = p (2^255 - 19): a non-canonical encoding of y = 0. */
        memset(noncanon, 0xff, 32);
        noncanon[0] = 0xed;
        noncanon[31] = 0x7f;
        /* The honest claims pass: raw and Ed25519 sides interoperate. */
        expect_err("msg2 honest", claim_in_msg2(key_b->pk, 32), 0);
        expect_err("msg3 honest", claim_in_msg3(key_a->pk, 0), 0);
        expect_err("msg2 other key", claim_in_msg2(key_c->pk, 32),
                   ERR_HANDSHAKE);
        expect_err("msg2 initiator's key", claim_in_msg2(key_a->pk, 32),
                   ERR_HANDSHAKE);
        expect_err("msg2 zero", claim_in_msg2(zero, 32), ERR_HANDSHAKE);
        expect_err("msg2 identity", claim_in_msg2(identity, 32), ERR_HANDSHAKE);
        expect_err("msg2 non-canonical", claim_in_msg2(noncanon, 32),
                   ERR_HANDSHAKE);
        expect_err("msg2 short", claim_in_msg2(key_b->pk, 0), ERR_HANDSHAKE);
        expect_err("msg3 other key", claim_in_msg3(key_c->pk, 0),
                   ERR_HANDSHAKE);
        expect_err("msg3 responder's key", claim_in_msg3(key_b->pk, 0),
                   ERR_HANDSHAKE);
        expect_err("msg3 zero", claim_in_msg3(zero, 0), ERR_HANDSHAKE);
        expect_err("msg3 identity", claim_in_msg3(identity, 0), ERR_HANDSHAKE);
        /* The caller payload after the key is at most SECURE_HS_PAYLOAD_MAX
         * on the receiving side too. */
        expect_err("msg3 payload max",
                   claim_in_msg3(key_a->pk, SECURE_HS_PAYLOAD_MAX), 0);
        expect_err("msg3 payload over max",
                   claim_in_msg3(key_a->pk, SECURE_HS_PAYLOAD_MAX + 1),
                   ERR_HANDSHAKE);
        /* Documented: -B converts to B's X25519 key and is accepted. */
        expect_err("msg2 negated", claim_in_msg2(neg, 32), 0);
}

/* ---- handshake rules and misuse ------------------------------------------ */

static void
handshake_key_and_turns(void **state)
{
        struct slice p1 = slice_make(prologue_1, sizeof(prologue_1));
        struct buf m = BUF_INIT, got = BUF_INIT;
        struct secure_hs *i, *r;
        struct secure_stream tx = {0}, rx = {0};
        struct key bad_key;

        (void)state;
        /* A key whose public half does not belong to its secret half. */
        bad_key.sk = key_a->sk;
        memcpy(bad_key.pk, key_b->pk, 32);
        expect_err("mismatched key", secure_hs_new(&i, true, &bad_key, p1),
                   ERR_KEY);
        assert_null(i);

        assert_int_equal(secure_hs_new(&i, true, key_a, p1), 0);
        assert_int_equal(secure_hs_new(&r, false, key_b, p1), 0);
        expect_err("responder first", secure_hs_write(r, sl(""), &m),
                   ERR_USAGE);
        expect_err("msg1 payload", secure_hs_write(i, sl("x"), &m), ERR_USAGE);
        assert_int_equal(m.len, 0);
        expect_err("msg1", secure_hs_write(i, sl(""), &m), 0);
        expect_err("write twice", secure_hs_write(i, sl(""), &m), ERR_USAGE);
        expect_err("split early", secure_hs_split(i, &tx, &rx, &m), ERR_USAGE);
        assert_int_equal(secure_hs_read(r, buf_slice(&m), &got), 0);
        expect_err("read out of turn", secure_hs_read(r, buf_slice(&m), &got),
                   ERR_HANDSHAKE);
        expect_failed("out of turn", r);
        secure_hs_free(i);
        secure_hs_free(r);
        buf_release(&m);
        buf_release(&got);
}

/* SECURE_HS_PAYLOAD_MAX fills msg2 to SECURE_HS_MSG_MAX; one more byte is
 * refused; a message over SECURE_HS_MSG_MAX is refused unread. */
static void
handshake_size_limits(void **state)
{
        struct slice p1 = slice_make(prologue_1, sizeof(prologue_1));
        struct buf m = BUF_INIT, got = BUF_INIT, big = BUF_INIT;
        struct secure_hs *i, *r;

        (void)state;
        assert_int_equal(secure_hs_new(&i, true, key_a, p1), 0);
        assert_int_equal(secure_hs_new(&r, false, key_b, p1), 0);
        assert_int_equal(secure_hs_write(i, sl(""), &m), 0);
        assert_int_equal(secure_hs_read(r, buf_slice(&m), &got), 0);
        buf_grow(&big, SECURE_HS_PAYLOAD_MAX + 1);
        memset(big.data, 'p', SECURE_HS_PAYLOAD_MAX + 1);
        big.len = SECURE_HS_PAYLOAD_MAX + 1;
        buf_reset(&m);
        expect_err("payload over max", secure_hs_write(r, buf_slice(&big), &m),
                   ERR_USAGE);
        assert_int_equal(m.len, 0);
        big.len = SECURE_HS_PAYLOAD_MAX;
        expect_err("payload max", secure_hs_write(r, buf_slice(&big), &m), 0);
        assert_int_equal(m.len, SECURE_HS_MSG_MAX);
        expect_err("read max", secure_hs_read(i, buf_slice(&m), &got), 0);
        assert_int_equal(got.len, SECURE_HS_PAYLOAD_MAX);
        secure_hs_free(i);
        secure_hs_free(r);

        assert_int_equal(secure_hs_new(&r, false, key_b, p1), 0);
        buf_reset(&m);
        buf_grow(&m, SECURE_HS_MSG_MAX + 1);
        memset(m.data, 9, SECURE_HS_MSG_MAX + 1);
        m.len = SECURE_HS_MSG_MAX + 1;
        expect_err("over max", secure_hs_read(r, buf_slice(&m), &got),
                   ERR_HANDSHAKE);
        expect_failed("over max", r);
        secure_hs_free(r);
        buf_release(&m);
        buf_release(&got);
        buf_release(&big);
}

/* A small-order ephemeral in msg1: the responder reads it (msg1 is not
 * authenticated), its ee DH gives zero, so its write fails and appends
 * nothing. The points are X25519's small-order u-coordinates. */
static void
handshake_small_order_ephemeral(void **state)
{
        static const char *const points[] = {
            "0000000000000000000000000000000000000000000000000000000000000000",
            "0100000000000000000000000000000000000000000000000000000000000000",
            "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
            "5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157",
            "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
        };
        struct slice p1 = slice_make(prologue_1, sizeof(prologue_1));
        struct buf m = BUF_INIT, got = BUF_INIT;
        struct secure_hs *r;
        uint8_t e[32];
        size_t k;

        (void)state;
        for (k = 0; k < ARRAY_LEN(points); k++) {
                hex_to(e, 32, points[k]);
                assert_int_equal(secure_hs_new(&r, false, key_b, p1), 0);
                assert_int_equal(secure_hs_read(r, slice_make(e, 32), &got), 0);
                buf_reset(&m);
                expect_err(points[k], secure_hs_write(r, sl(""), &m),
                           ERR_HANDSHAKE);
                assert_int_equal(m.len, 0);
                expect_failed(points[k], r);
                secure_hs_free(r);
        }
        buf_release(&m);
        buf_release(&got);
}

/* ---- (f) transport tampering and limits ---------------------------------- */

/* A split pair; frames[i] are pushed by the initiator in order. */
static void
frames_make(struct pair *p, struct buf frames[3])
{
        static const char *const text[3] = {"satu", "dua", "tiga"};
        unsigned i;

        pair_new(p, key_a, key_b, slice_make(prologue_1, sizeof(prologue_1)),
                 slice_make(prologue_1, sizeof(prologue_1)), false);
        pair_run(p);
        pair_split(p);
        for (i = 0; i < 3; i++) {
                buf_init(&frames[i]);
                assert_int_equal(
                    secure_stream_push(&p->tx[0], sl(text[i]), &frames[i]), 0);
        }
}

static void
frames_free(struct pair *p, struct buf frames[3])
{
        unsigned i;

        for (i = 0; i < 3; i++)
                buf_release(&frames[i]);
        pair_free(p);
}

/* Feeds header and the given frames in order to the responder; returns the
 * result of reading the last one (after the earlier ones succeed). */
static int
deliver(struct pair *p, const struct slice *seq, size_t n, struct buf *got)
{
        struct secure_reader r;
        size_t i;
        int rc = 0;

        secure_reader_init(&r);
        secure_reader_feed(&r, buf_slice(&p->wire[0]));
        for (i = 0; i < n; i++) {
                secure_reader_feed(&r, seq[i]);
                rc = secure_reader_next(&r, &p->rx[1], got);
                if (i + 1 < n)
                        expect_err("earlier frame", rc, 1);
        }
        if (rc < 0) { /* failure is final for reader and stream */
                expect_err("sticky", secure_reader_next(&r, &p->rx[1], got),
                           rc);
                assert_true(p->rx[1].failed);
                secure_reader_release(&r);
                expect_err("stream failed",
                           secure_reader_next(&r, &p->rx[1], got), ERR_DECRYPT);
        }
        secure_reader_release(&r);
        return rc;
}

static void
transport_tampering(void **state)
{
        struct buf f[3], bad = BUF_INIT, got = BUF_INIT;
        struct slice seq[3];
        struct pair p;
        size_t at, len;
        int rc;

        (void)state;
        /* Every byte of the second frame flipped: a flipped length byte
         * may also leave the reader waiting or hit the limit, but the frame
         * never comes out. */
        len = SECURE_FRAME_LEN_BYTES + 3 + SECURE_FRAME_ABYTES;
        for (at = 0; at < len; at++) {
                frames_make(&p, f);
                assert_int_equal(f[1].len, len);
                buf_reset(&bad);
                buf_add(&bad, f[1].data, f[1].len);
                bad.data[at] ^= 0x01;
                seq[0] = buf_slice(&f[0]);
                seq[1] = buf_slice(&bad);
                rc = deliver(&p, seq, 2, &got);
                if (at >= SECURE_FRAME_LEN_BYTES)
                        expect_err("flipped ciphertext", rc, ERR_DECRYPT);
                else if (rc != 0 && rc != ERR_DECRYPT &&
                         rc != ERR_FRAME_TOO_BIG)
                        fail_msg("flipped length byte %zu: got %d", at, rc);
                frames_free(&p, f);
        }
        /* Replay, reorder, a dropped frame, a damaged stream header. */
        frames_make(&p, f);
        seq[0] = buf_slice(&f[0]);
        seq[1] = buf_slice(&f[0]);
        expect_err("replayed", deliver(&p, seq, 2, &got), ERR_DECRYPT);
        frames_free(&p, f);
        frames_make(&p, f);
        seq[0] = buf_slice(&f[1]);
        expect_err("reordered", deliver(&p, seq, 1, &got), ERR_DECRYPT);
        frames_free(&p, f);
        frames_make(&p, f);
        seq[0] = buf_slice(&f[0]);
        seq[1] = buf_slice(&f[2]);
        expect_err("dropped", deliver(&p, seq, 2, &got), ERR_DECRYPT);
        frames_free(&p, f);
        frames_make(&p, f);
        p.wire[0].data[5] ^= 0x10;
        seq[0] = buf_slice(&f[0]);
        expect_err("bad header", deliver(&p, seq, 1, &got), ERR_DECRYPT);
        frames_free(&p, f);
        /* Untouched, all three arrive in order. */
        frames_make(&p, f);
        seq[0] = buf_slice(&f[0]);
        seq[1] = buf_slice(&f[1]);
        seq[2] = buf_slice(&f[2]);
        expect_err("in order", deliver(&p, seq, 3, &got), 1);
        assert_string_equal((const char *)got.data, "tiga");
        frames_free(&p, f);
        buf_release(&bad);
        buf_release(&got);
}

/* A frame with a tag other than TAG_MESSAGE, made with the real key. */
static void
transport_other_tag(void **state)
{
        crypto_secretstream_xchacha20poly1305_state ss;
        uint8_t k[2][32], hdr[SECURE_STREAM_HEADER_BYTES];
        struct buf wire = BUF_INIT, got = BUF_INIT;
        struct secure_reader r;
        unsigned long long clen;
        uint8_t ct[4 + 5 + SECURE_FRAME_ABYTES];
        struct pair p;

        (void)state;
        pair_new(&p, key_a, key_b, slice_make(prologue_1, sizeof(prologue_1)),
                 slice_make(prologue_1, sizeof(prologue_1)), false);
        pair_run(&p);
        assert_int_equal(secure_hs_test_split_keys(p.hs[1], k[0], k[1]), 0);
        pair_split(&p);
        crypto_secretstream_xchacha20poly1305_init_push(&ss, hdr, k[0]);
        buf_add(&wire, hdr, sizeof(hdr));
        crypto_secretstream_xchacha20poly1305_push(
            &ss, ct + 4, &clen, (const uint8_t *)"final", 5, NULL, 0,
            crypto_secretstream_xchacha20poly1305_TAG_FINAL);
        be32_put(ct, (uint32_t)clen);
        buf_add(&wire, ct, sizeof(ct));
        secure_reader_init(&r);
        secure_reader_feed(&r, buf_slice(&wire));
        expect_err("TAG_FINAL", secure_reader_next(&r, &p.rx[1], &got),
                   ERR_DECRYPT);
        assert_int_equal(got.len, 0);
        secure_reader_release(&r);
        sodium_memzero(k, sizeof(k));
        buf_release(&wire);
        buf_release(&got);
        pair_free(&p);
}

/* Length prefixes out of range fail on the 4 length bytes, unallocated. */
static void
transport_length_limits(void **state)
{
        static const struct {
                uint32_t len;
                int want;
        } cases[] = {
            {SECURE_FRAME_MAX + SECURE_FRAME_ABYTES + 1, ERR_FRAME_TOO_BIG},
            {0xffffffffU, ERR_FRAME_TOO_BIG},
            {0x80000000U, ERR_FRAME_TOO_BIG},
            {SECURE_FRAME_ABYTES - 1, ERR_DECRYPT},
            {0, ERR_DECRYPT},
            {SECURE_FRAME_MAX + SECURE_FRAME_ABYTES, 0}, /* waits for more */
        };
        struct buf got = BUF_INIT;
        struct secure_reader r;
        uint8_t prefix[SECURE_FRAME_LEN_BYTES];
        struct pair p;
        size_t i;

        (void)state;
        for (i = 0; i < ARRAY_LEN(cases); i++) {
                pair_new(&p, key_a, key_b,
                         slice_make(prologue_1, sizeof(prologue_1)),
                         slice_make(prologue_1, sizeof(prologue_1)), false);
                pair_run(&p);
                pair_split(&p);
                secure_reader_init(&r);
                secure_reader_feed(&r, buf_slice(&p.wire[0]));
                be32_put(prefix, cases[i].len);
                secure_reader_feed(&r, slice_make(prefix, sizeof(prefix)));
                expect_err("length prefix",
                           secure_reader_next(&r, &p.rx[1], &got),
                           cases[i].want);
                assert_int_equal(got.cap, 0); /* nothing allocated */
                assert_true(r.in.cap < 128);
                if (cases[i].want) /* a failed reader keeps nothing more */
                        secure_reader_feed(&r, slice_make(prologue_1, 40));
                assert_true(r.in.cap < 128);
                secure_reader_release(&r);
                pair_free(&p);
        }
        buf_release(&got);
}

static void
reader_handshake_limits(void **state)
{
        static const struct {
                uint8_t len[2];
                int want;
        } cases[] = {
            {{0, 0}, ERR_HANDSHAKE},
            {{0x04, 0x01}, ERR_HANDSHAKE}, /* 1025 */
            {{0xff, 0xff}, ERR_HANDSHAKE},
            {{0x04, 0x00}, 0}, /* 1024: waits for the bytes */
            {{0x00, 0x01}, 0},
        };
        struct secure_reader r;
        struct slice msg;
        size_t i;

        (void)state;
        for (i = 0; i < ARRAY_LEN(cases); i++) {
                secure_reader_init(&r);
                expect_err("empty", secure_reader_next_hs(&r, &msg), 0);
                secure_reader_feed(&r, slice_make(cases[i].len, 1));
                expect_err("one byte", secure_reader_next_hs(&r, &msg), 0);
                secure_reader_feed(&r, slice_make(cases[i].len + 1, 1));
                expect_err("hs length", secure_reader_next_hs(&r, &msg),
                           cases[i].want);
                if (cases[i].want)
                        expect_err("sticky", secure_reader_next_hs(&r, &msg),
                                   cases[i].want);
                secure_reader_release(&r);
        }
        /* Two messages in one chunk, then a partial third. */
        secure_reader_init(&r);
        secure_reader_feed(&r, slice_make("\0\1a\0\2bc\0\3d", 10));
        expect_err("first", secure_reader_next_hs(&r, &msg), 1);
        assert_true(slice_eq(msg, sl("a")));
        expect_err("second", secure_reader_next_hs(&r, &msg), 1);
        assert_true(slice_eq(msg, sl("bc")));
        expect_err("partial", secure_reader_next_hs(&r, &msg), 0);
        assert_int_equal(secure_reader_pending(&r), 3);
        secure_reader_feed(&r, sl("ef"));
        expect_err("third", secure_reader_next_hs(&r, &msg), 1);
        assert_true(slice_eq(msg, sl("def")));
        assert_int_equal(secure_reader_pending(&r), 0);
        secure_reader_release(&r);
}

/* ---- (g) a whole link through the readers, in any chunking -------------- */

#define LINK_FRAMES 5U
#define LINK_BIG 70000U

/* One end of a simulated link, driven as the network layer would. */
struct end {
        struct secure_hs *hs;
        struct secure_reader r;
        struct secure_stream tx, rx;
        struct buf out;   /* everything this end sent */
        size_t delivered; /* bytes of out fed to the other end */
        unsigned writes;
        struct buf payload[2];
        struct buf frames[LINK_FRAMES];
        unsigned nframes;
        bool split;
};

static void
link_frame(unsigned i, unsigned side, struct buf *out)
{
        unsigned k;

        buf_reset(out);
        if (i == 1)
                return; /* an empty frame */
        if (i == 3) {
                for (k = 0; k < LINK_BIG; k++)
                        buf_addc(out, (uint8_t)(k * 7 + side));
                return;
        }
        buf_addf(out, "frame %u of side %u", i, side);
}

/* Does all the end can do with the bytes it has. */
static void
end_run(struct end *e, unsigned side)
{
        static const char *const sent[2][2] = {{"", "cert i"}, {"cert r", ""}};
        struct buf pt = BUF_INIT;
        struct slice msg;
        unsigned i;
        int rc;

        while (!secure_hs_done(e->hs)) {
                if (secure_hs_want_write(e->hs)) {
                        expect_err(
                            "write",
                            secure_hs_write_framed(
                                e->hs, sl(sent[side][e->writes++]), &e->out),
                            0);
                        continue;
                }
                rc = secure_reader_next_hs(&e->r, &msg);
                if (rc == 0)
                        return;
                expect_err("next_hs", rc, 1);
                expect_err(
                    "read",
                    secure_hs_read(e->hs, msg, &e->payload[e->writes > 0]), 0);
        }
        if (!e->split) {
                expect_err("split",
                           secure_hs_split(e->hs, &e->tx, &e->rx, &e->out), 0);
                e->split = true;
                for (i = 0; i < LINK_FRAMES; i++) {
                        link_frame(i, side, &pt);
                        expect_err(
                            "push",
                            secure_stream_push(&e->tx, buf_slice(&pt), &e->out),
                            0);
                }
        }
        while ((rc = secure_reader_next(&e->r, &e->rx, &pt)) == 1) {
                assert_true(e->nframes < LINK_FRAMES);
                buf_add(&e->frames[e->nframes++], pt.data, pt.len);
        }
        expect_err("next", rc, 0);
        buf_release(&pt);
}

/* Moves up to `chunk` bytes from one end to the other; false if none. */
static bool
link_pump(struct end *from, struct end *to, size_t chunk)
{
        size_t n = from->out.len - from->delivered;

        if (n > chunk)
                n = chunk;
        if (n == 0)
                return false;
        secure_reader_feed(&to->r,
                           slice_make(from->out.data + from->delivered, n));
        from->delivered += n;
        return true;
}

static void
link_check(struct end e[2])
{
        struct buf want = BUF_INIT;
        unsigned side, i;

        assert_memory_equal(secure_hs_remote_key(e[0].hs), key_b->pk, 32);
        assert_memory_equal(secure_hs_remote_key(e[1].hs), key_a->pk, 32);
        assert_true(slice_eq(buf_slice(&e[0].payload[1]), sl("cert r")));
        assert_true(slice_eq(buf_slice(&e[1].payload[1]), sl("cert i")));
        for (side = 0; side < 2; side++) {
                assert_int_equal(e[side].nframes, LINK_FRAMES);
                for (i = 0; i < LINK_FRAMES; i++) {
                        link_frame(i, 1 - side, &want);
                        assert_true(slice_eq(buf_slice(&e[side].frames[i]),
                                             buf_slice(&want)));
                }
                assert_int_equal(secure_reader_pending(&e[side].r), 0);
        }
        buf_release(&want);
}

static void
link_free(struct end e[2])
{
        unsigned side, i;

        for (side = 0; side < 2; side++) {
                secure_hs_free(e[side].hs);
                secure_reader_release(&e[side].r);
                secure_stream_release(&e[side].tx);
                secure_stream_release(&e[side].rx);
                buf_release(&e[side].out);
                for (i = 0; i < 2; i++)
                        buf_release(&e[side].payload[i]);
                for (i = 0; i < LINK_FRAMES; i++)
                        buf_release(&e[side].frames[i]);
        }
}

/*
 * Both ends' whole byte streams (framed handshake messages, stream header,
 * frames; msg3 and the first frames pipelined in one write) cross the link
 * one byte at a time, in 7-byte chunks, 4 KiB chunks and all at once:
 * every chunking gives the same payloads and frames.
 */
static void
reader_any_chunking(void **state)
{
        static const size_t chunks[] = {1, 7, 4096, SIZE_MAX};
        struct slice p1 = slice_make(prologue_1, sizeof(prologue_1));
        struct end e[2];
        size_t k;
        bool moved;

        (void)state;
        for (k = 0; k < ARRAY_LEN(chunks); k++) {
                memset(e, 0, sizeof(e));
                assert_int_equal(secure_hs_new(&e[0].hs, true, key_a, p1), 0);
                assert_int_equal(secure_hs_new(&e[1].hs, false, key_b, p1), 0);
                do {
                        end_run(&e[0], 0);
                        end_run(&e[1], 1);
                        moved = link_pump(&e[0], &e[1], chunks[k]);
                        moved |= link_pump(&e[1], &e[0], chunks[k]);
                } while (moved);
                link_check(e);
                link_free(e);
        }
}

/* ---- the simpul vector: proto/vectors/handshake.json --------------------- */

/* Inputs used when (re)writing the vector file. */
#define VEC_NOTE                                                               \
        "simpul handshake (HANDSHAKE.md): fixed Ed25519 seeds and X25519 "     \
        "ephemeral keys; prologue = \\\"simpul/1\\\" || network id "           \
        "00 01 .. 1f; caller payloads are arbitrary bytes"

static const char *const vec_fields[] = {
    "prologue_hex",
    "init_seed_hex",
    "resp_seed_hex",
    "init_ephemeral_sk_hex",
    "resp_ephemeral_sk_hex",
    "msg1_payload_hex",
    "msg2_payload_hex",
    "msg3_payload_hex",
    "init_ed25519_pk_hex",
    "init_x25519_pk_hex",
    "init_ephemeral_pk_hex",
    "resp_ed25519_pk_hex",
    "resp_x25519_pk_hex",
    "resp_ephemeral_pk_hex",
    "msg1_hex",
    "msg2_hex",
    "msg3_hex",
    "handshake_hash_hex",
    "split_key_i2r_hex",
    "split_key_r2i_hex",
};
#define VEC_INPUTS 8U
#define VEC_FIELDS ARRAY_LEN(vec_fields)

struct vec {
        struct buf f[VEC_FIELDS]; /* bytes of each field, vec_fields order */
};

static void
vec_free(struct vec *v)
{
        size_t i;

        for (i = 0; i < VEC_FIELDS; i++)
                buf_release(&v->f[i]);
}

static void
vec_default_inputs(struct vec *v)
{
        unsigned i;

        buf_adds(&v->f[0], NETWORK_PROLOGUE);
        for (i = 0; i < NETWORK_ID_BYTES; i++)
                buf_addc(&v->f[0], (uint8_t)i);
        for (i = 0; i < 32; i++) {
                buf_addc(&v->f[1], 0x01);
                buf_addc(&v->f[2], 0x02);
                buf_addc(&v->f[3], (uint8_t)(0x20 + i));
                buf_addc(&v->f[4], (uint8_t)(0x40 + i));
        }
        buf_adds(&v->f[6], "responder payload");
        buf_adds(&v->f[7], "initiator payload");
}

static void
add_x25519(struct buf *out, const uint8_t ed[32])
{
        uint8_t x[32];

        assert_int_equal(crypto_sign_ed25519_pk_to_curve25519(x, ed), 0);
        buf_add(out, x, 32);
}

static void
add_base(struct buf *out, const uint8_t sk[32])
{
        uint8_t pk[32];

        assert_int_equal(crypto_scalarmult_base(pk, sk), 0);
        buf_add(out, pk, 32);
}

/* Runs the handshake of the inputs f[0..VEC_INPUTS) into the rest. */
static void
vec_compute(struct vec *v)
{
        struct key *k[2];
        struct secure_hs *hs[2];
        struct buf got = BUF_INIT;
        uint8_t keys[2][32];
        unsigned i, from;

        for (i = 0; i < 2; i++) {
                assert_int_equal(v->f[1 + i].len, KEY_SEED_BYTES);
                assert_int_equal(v->f[3 + i].len, 32);
                k[i] = key_from_seed(v->f[1 + i].data);
                assert_int_equal(
                    secure_hs_new(&hs[i], i == 0, k[i], buf_slice(&v->f[0])),
                    0);
                secure_hs_test_set_ephemeral(hs[i], v->f[3 + i].data);
                buf_add(&v->f[8 + 3 * i], k[i]->pk, 32);
                add_x25519(&v->f[9 + 3 * i], k[i]->pk);
                add_base(&v->f[10 + 3 * i], v->f[3 + i].data);
        }
        for (i = 0; i < 3; i++) {
                from = i % 2;
                buf_reset(&got);
                expect_err("vector write",
                           secure_hs_write(hs[from], buf_slice(&v->f[5 + i]),
                                           &v->f[14 + i]),
                           0);
                expect_err("vector read",
                           secure_hs_read(hs[1 - from],
                                          buf_slice(&v->f[14 + i]), &got),
                           0);
                assert_true(slice_eq(buf_slice(&got), buf_slice(&v->f[5 + i])));
        }
        buf_add(&v->f[17], secure_hs_hash(hs[0]), SECURE_HASH_BYTES);
        assert_int_equal(secure_hs_test_split_keys(hs[0], keys[0], keys[1]), 0);
        buf_add(&v->f[18], keys[0], 32);
        buf_add(&v->f[19], keys[1], 32);
        for (i = 0; i < 2; i++) {
                secure_hs_free(hs[i]);
                key_free(k[i]);
        }
        buf_release(&got);
}

static void
vec_write(const struct vec *v, const char *path)
{
        FILE *f = fopen(path, "w");
        char *hex;
        size_t i;

        assert_non_null(f);
        fprintf(f, "{\n  \"name\": \"simpul-xx-fixed-keys\",\n");
        fprintf(f, "  \"note\": \"%s\",\n", VEC_NOTE);
        fprintf(f, "  \"protocol_name\": \"%s\",\n", SECURE_PROTOCOL_NAME);
        for (i = 0; i < VEC_FIELDS; i++) {
                hex = xmalloc(2 * v->f[i].len + 1);
                hex_encode(hex, v->f[i].data, v->f[i].len);
                fprintf(f, "  \"%s\": \"%s\"%s\n", vec_fields[i], hex,
                        i + 1 < VEC_FIELDS ? "," : "");
                free(hex);
        }
        fprintf(f, "}\n");
        assert_int_equal(fclose(f), 0);
}

static char *
slurp(const char *path)
{
        struct buf b = BUF_INIT;
        char chunk[4096];
        size_t n;
        FILE *f = fopen(path, "r");

        if (!f)
                fail_msg("cannot open %s", path);
        while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
                buf_add(&b, chunk, n);
        fclose(f);
        return (char *)b.data;
}

/* The string value of "key" in flat JSON text; fails if absent. */
static const char *
json_field(const char *text, const char *key, size_t *len)
{
        char pat[64];
        const char *p, *end;

        snprintf(pat, sizeof(pat), "\"%s\"", key);
        p = strstr(text, pat);
        if (!p)
                fail_msg("handshake.json: field %s missing", key);
        p += strlen(pat);
        while (*p == ' ' || *p == ':')
                p++;
        if (*p != '"')
                fail_msg("handshake.json: field %s is not a string", key);
        end = strchr(++p, '"');
        assert_non_null(end);
        *len = (size_t)(end - p);
        return p;
}

static void
simpul_vector(void **state)
{
        const char *path = getenv("SIMPUL_WRITE_HANDSHAKE_VECTOR");
        struct vec v, want;
        const char *s;
        char *text;
        size_t i, len;

        (void)state;
        memset(&v, 0, sizeof(v));
        memset(&want, 0, sizeof(want));
        if (path) {
                vec_default_inputs(&v);
                vec_compute(&v);
                vec_write(&v, path);
                vec_free(&v);
        }
        text = slurp(VECTOR_FILE);
        s = json_field(text, "protocol_name", &len);
        assert_true(slice_eq(slice_make(s, len), sl(SECURE_PROTOCOL_NAME)));
        for (i = 0; i < VEC_FIELDS; i++) {
                s = json_field(text, vec_fields[i], &len);
                assert_int_equal(len % 2, 0);
                buf_grow(&want.f[i], len / 2);
                assert_int_equal(hex_decode(want.f[i].data, len / 2, s, len),
                                 0);
                want.f[i].len = len / 2;
                if (i < VEC_INPUTS)
                        buf_add(&v.f[i], want.f[i].data, want.f[i].len);
        }
        vec_compute(&v);
        for (i = VEC_INPUTS; i < VEC_FIELDS; i++) {
                char *hex = xmalloc(2 * want.f[i].len + 1);

                hex_encode(hex, want.f[i].data, want.f[i].len);
                expect_hex(vec_fields[i], v.f[i].data, v.f[i].len, hex);
                free(hex);
        }
        /* Sizes of HANDSHAKE.md §3.4 plus the caller payloads. */
        assert_int_equal(v.f[14].len, 32);
        assert_int_equal(v.f[15].len, 128 + v.f[6].len);
        assert_int_equal(v.f[16].len, 96 + v.f[7].len);
        vec_free(&v);
        vec_free(&want);
        free(text);
}

int
main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(noise_published_vectors),
            cmocka_unit_test(handshake_full),
            cmocka_unit_test(transport_round_trips),
            cmocka_unit_test(network_mismatch),
            cmocka_unit_test(handshake_every_byte_flipped),
            cmocka_unit_test(handshake_cut_or_extended),
            cmocka_unit_test(claimed_key_must_match),
            cmocka_unit_test(handshake_key_and_turns),
            cmocka_unit_test(handshake_size_limits),
            cmocka_unit_test(handshake_small_order_ephemeral),
            cmocka_unit_test(transport_tampering),
            cmocka_unit_test(transport_other_tag),
            cmocka_unit_test(transport_length_limits),
            cmocka_unit_test(reader_handshake_limits),
            cmocka_unit_test(reader_any_chunking),
            cmocka_unit_test(simpul_vector),
        };
        return cmocka_run_group_tests(tests, setup, teardown);
}
