/*
 * test_wire: the msgpack encodings. Inputs are written out by hand as bytes
 * (see put()), so the tests say exactly what is on the wire and do not trust
 * msgpack-c to produce the odd encodings under test.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "../../src/wire/wire.h"
#include "../../src/wire/wire_int.h" /* wire__bound: refusal before msgpack-c */
#include "testlib.h"

/* ---- helpers ------------------------------------------------------------- */

/* Fails with the first differing offset and both bytes. */
static void
expect_bytes(const char *name, struct slice got, struct slice want)
{
        size_t n = got.len < want.len ? got.len : want.len;

        for (size_t i = 0; i < n; i++)
                if (got.ptr[i] != want.ptr[i])
                        fail_msg("%s: byte %zu is 0x%02x, want 0x%02x", name, i,
                                 got.ptr[i], want.ptr[i]);
        if (got.len != want.len)
                fail_msg("%s: %zu bytes, want %zu", name, got.len, want.len);
}

/*
 * Appends bytes written as: hex pairs; 'ascii text'; {XX*N}, byte XX N
 * times. Spaces are ignored. A typo fails the test.
 */
static void
put(struct buf *b, const char *s)
{
        while (*s) {
                unsigned byte, n;
                int used = 0;
                uint8_t v;

                if (*s == ' ') {
                        s++;
                } else if (*s == '\'') {
                        const char *end = strchr(s + 1, '\'');
                        if (!end)
                                fail_msg("put: unclosed quote in %s", s);
                        buf_add(b, s + 1, (size_t)(end - s - 1));
                        s = end + 1;
                } else if (*s == '{') {
                        if (sscanf(s, "{%2x*%u}%n", &byte, &n, &used) != 2 ||
                            !used)
                                fail_msg("put: bad run at %s", s);
                        for (unsigned i = 0; i < n; i++)
                                buf_addc(b, (uint8_t)byte);
                        s += used;
                } else {
                        if (hex_decode(&v, 1, s, strnlen(s, 2) == 2 ? 2 : 1))
                                fail_msg("put: bad hex at %s", s);
                        buf_addc(b, v);
                        s += 2;
                }
        }
}

/* ---- headers: the canonical example, field by field ------------------------
 */

/*
 * An aspirasi from desa Sukanegara (36.04.12.2002) to the kabupaten, seq 2:
 * every field in the form wire_header_encode must produce.
 */
#define DESA "'36.04.12.2002'"
static const char *const canon_fields[11] = {
    "01",                         /* format version */
    "c420 {11*32}",               /* author key */
    "ad" DESA,                    /* author region */
    "93 01 ad" DESA " a5'36.04'", /* path(desa, 36.04) */
    "02",                         /* channel normal */
    "02",                         /* seq */
    "c420 {22*32}",               /* prev */
    "cf 0000018bcfe56800",        /* 1700000000000 ms */
    "03",                         /* kind aspirasi */
    "cd 012c",                    /* body length 300 */
    "c420 {33*32}",               /* body hash */
};

static struct entry_header
canon_struct(void)
{
        struct entry_header h;

        memset(&h, 0, sizeof(h));
        memset(h.author, 0x11, sizeof(h.author));
        strcpy(h.author_region, "36.04.12.2002");
        h.audience.type = AUDIENCE_PATH;
        strcpy(h.audience.origin, "36.04.12.2002");
        strcpy(h.audience.target, "36.04");
        h.channel = 2;
        h.seq = 2;
        h.has_prev = true;
        memset(h.prev, 0x22, sizeof(h.prev));
        h.timestamp_ms = 1700000000000ULL;
        h.kind = 3;
        h.body_len = 300;
        memset(h.body_hash, 0x33, sizeof(h.body_hash));
        return h;
}

/* Parts of a header: the array prefix, the 11 fields, a suffix. */
enum { PREFIX = 11, SUFFIX = 12, WHOLE = 13, PARTS = 13 };

struct edit {
        int part; /* 0..10 a field, PREFIX, SUFFIX, WHOLE; 0 with hex NULL: none
                   */
        const char *hex;
};

static void
header_bytes(struct buf *out, const struct edit *edits, size_t nedits)
{
        const char *parts[PARTS + 1] = {0};

        for (int i = 0; i < 11; i++)
                parts[i] = canon_fields[i];
        parts[PREFIX] = "9b";
        parts[SUFFIX] = "";
        for (size_t i = 0; i < nedits; i++)
                if (edits[i].hex)
                        parts[edits[i].part] = edits[i].hex;
        if (parts[WHOLE]) {
                put(out, parts[WHOLE]);
                return;
        }
        put(out, parts[PREFIX]);
        for (int i = 0; i < 11; i++)
                put(out, parts[i]);
        put(out, parts[SUFFIX]);
}

static bool
header_eq(const struct entry_header *a, const struct entry_header *b)
{
        return !memcmp(a->author, b->author, sizeof(a->author)) &&
               !strcmp(a->author_region, b->author_region) &&
               audience_eq(&a->audience, &b->audience) &&
               a->channel == b->channel && a->seq == b->seq &&
               a->has_prev == b->has_prev &&
               (!a->has_prev || !memcmp(a->prev, b->prev, sizeof(a->prev))) &&
               a->timestamp_ms == b->timestamp_ms && a->kind == b->kind &&
               a->body_len == b->body_len &&
               !memcmp(a->body_hash, b->body_hash, sizeof(a->body_hash));
}

static void
header_encoding_is_the_documented_bytes(void **state)
{
        struct entry_header h = canon_struct(), d;
        struct buf want = BUF_INIT, got = BUF_INIT;

        (void)state;
        header_bytes(&want, NULL, 0);
        wire_header_encode(&h, &got);
        expect_bytes("canonical header", buf_slice(&got), buf_slice(&want));
        expect_err("decode", wire_header_decode(buf_slice(&want), &d), 0);
        assert_true(header_eq(&h, &d));
        assert_int_equal(wire__bound(want.data, want.len, 3), want.len);
        buf_release(&want);
        buf_release(&got);
}

static void
header_round_trips(void **state)
{
        struct entry_header hs[6];
        struct buf b = BUF_INIT, again = BUF_INIT;

        (void)state;
        for (size_t i = 0; i < ARRAY_LEN(hs); i++)
                hs[i] = canon_struct();
        /* First of a feed: seq 1, no prev; tree audience. */
        hs[1].seq = 1;
        hs[1].has_prev = false;
        memset(hs[1].prev, 0, sizeof(hs[1].prev));
        memset(&hs[1].audience, 0, sizeof(hs[1].audience));
        strcpy(hs[1].audience.target, "36.04.12");
        /* The largest numbers. */
        hs[2].seq = UINT64_MAX;
        hs[2].timestamp_ms = UINT64_MAX;
        hs[2].kind = UINT32_MAX;
        hs[2].body_len = ENTRY_BODY_MAX;
        hs[2].channel = 3;
        /* The smallest. */
        hs[3].timestamp_ms = 0;
        hs[3].kind = 0;
        hs[3].body_len = 0;
        hs[3].channel = 0;
        /* Every boundary of the msgpack uint forms. */
        hs[4].seq = 127;
        hs[4].timestamp_ms = 128;
        hs[4].kind = 255;
        hs[4].body_len = 256;
        hs[5].seq = 65535;
        hs[5].timestamp_ms = 65536;
        hs[5].kind = 65536;
        hs[5].body_len = 255;
        strcpy(hs[5].author_region, "36");
        memset(&hs[5].audience, 0, sizeof(hs[5].audience));
        strcpy(hs[5].audience.target, "36");
        for (size_t i = 0; i < ARRAY_LEN(hs); i++) {
                struct entry_header d;
                char name[32];

                snprintf(name, sizeof(name), "header %zu", i);
                buf_reset(&b);
                buf_reset(&again);
                wire_header_encode(&hs[i], &b);
                assert_true(b.len <= ENTRY_HEADER_MAX);
                expect_err(name, wire_header_decode(buf_slice(&b), &d), 0);
                if (!header_eq(&hs[i], &d))
                        fail_msg("%s: decoded header differs", name);
                wire_header_encode(&d, &again);
                expect_bytes(name, buf_slice(&again), buf_slice(&b));
        }
        buf_release(&b);
        buf_release(&again);
}

static void
header_refusals(void **state)
{
        static const struct {
                const char *name;
                struct edit e[2];
                int want;
        } cases[] = {
            /* the format version */
            {"version 2", {{0, "02"}}, ERR_VERSION},
            {"version 0", {{0, "00"}}, ERR_VERSION},
            {"version 2 of another shape",
             {{WHOLE, "93 02 c0 c0"}},
             ERR_VERSION},
            {"version as uint8", {{0, "cc01"}}, ERR_NONCANONICAL},
            {"version as int8", {{0, "d001"}}, ERR_NONCANONICAL},
            {"version as uint64 over uint32",
             {{0, "cf 0000000100000001"}},
             ERR_MALFORMED},
            {"version as str", {{0, "a1'1'"}}, ERR_MALFORMED},
            {"version nil", {{0, "c0"}}, ERR_MALFORMED},
            {"version -1", {{0, "ff"}}, ERR_MALFORMED},
            /* author */
            {"author 31 bytes", {{1, "c41f {11*31}"}}, ERR_MALFORMED},
            {"author 33 bytes", {{1, "c421 {11*33}"}}, ERR_MALFORMED},
            {"author as str", {{1, "d920 {11*32}"}}, ERR_MALFORMED},
            {"author as bin16", {{1, "c50020 {11*32}"}}, ERR_NONCANONICAL},
            {"author nil", {{1, "c0"}}, ERR_MALFORMED},
            /* author region */
            {"author region as bin", {{2, "c40d" DESA}}, ERR_MALFORMED},
            {"author region as int", {{2, "24"}}, ERR_MALFORMED},
            {"author region bad code", {{2, "a4'36.4'"}}, ERR_REGION},
            {"author region empty", {{2, "a0"}}, ERR_REGION},
            {"author region 14 chars", {{2, "ae'36.04.12.20021'"}}, ERR_REGION},
            {"author region as str8", {{2, "d90d" DESA}}, ERR_NONCANONICAL},
            /* audience */
            {"audience as str", {{3, "a5'36.04'"}}, ERR_MALFORMED},
            {"audience nil", {{3, "c0"}}, ERR_MALFORMED},
            {"audience as map", {{3, "81 a1'T' a5'36.04'"}}, ERR_MALFORMED},
            {"audience empty", {{3, "90"}}, ERR_MALFORMED},
            {"audience one element", {{3, "91 00"}}, ERR_MALFORMED},
            {"audience type 2", {{3, "92 02 a5'36.04'"}}, ERR_AUDIENCE_SHAPE},
            {"audience type as str",
             {{3, "92 a1'0' a5'36.04'"}},
             ERR_AUDIENCE_SHAPE},
            {"audience tree of 3",
             {{3, "93 00 a5'36.04' a5'36.04'"}},
             ERR_AUDIENCE_SHAPE},
            {"audience path of 2",
             {{3, "92 01 a5'36.04'"}},
             ERR_AUDIENCE_SHAPE},
            {"audience target as int",
             {{3, "93 01 ad" DESA " 24"}},
             ERR_MALFORMED},
            {"audience origin as bin",
             {{3, "93 01 c40d" DESA " a5'36.04'"}},
             ERR_MALFORMED},
            {"audience target bad code", {{3, "92 00 a4'36.4'"}}, ERR_REGION},
            {"audience origin bad code",
             {{3, "93 01 a4'36.4' a5'36.04'"}},
             ERR_REGION},
            {"audience path O == T",
             {{3, "93 01 a5'36.04' a5'36.04'"}},
             ERR_AUDIENCE_SHAPE},
            {"audience path O outside T",
             {{3, "93 01 ad'36.04.13.2001' a8'36.04.12'"}},
             ERR_AUDIENCE_SHAPE},
            {"audience as array16",
             {{3, "dc0003 01 ad" DESA " a5'36.04'"}},
             ERR_NONCANONICAL},
            {"audience type as uint8",
             {{3, "93 cc01 ad" DESA " a5'36.04'"}},
             ERR_NONCANONICAL},
            {"audience nested too deep",
             {{3, "92 00 91 91 a1'x'"}},
             ERR_MALFORMED},
            /* channel */
            {"channel 4", {{4, "04"}}, ERR_MALFORMED},
            {"channel -1", {{4, "ff"}}, ERR_MALFORMED},
            {"channel as str", {{4, "a1'2'"}}, ERR_MALFORMED},
            {"channel as uint8", {{4, "cc02"}}, ERR_NONCANONICAL},
            /* seq and prev */
            {"seq 0", {{5, "00"}}, ERR_MALFORMED},
            {"seq 0 without prev", {{5, "00"}, {6, "c0"}}, ERR_MALFORMED},
            {"seq as uint64", {{5, "cf 0000000000000002"}}, ERR_NONCANONICAL},
            {"seq as uint16", {{5, "cd 0002"}}, ERR_NONCANONICAL},
            {"seq -1", {{5, "ff"}}, ERR_MALFORMED},
            {"seq as float", {{5, "cb 4000000000000000"}}, ERR_MALFORMED},
            {"seq as str", {{5, "a1'2'"}}, ERR_MALFORMED},
            {"seq 1 with a prev", {{5, "01"}}, ERR_MALFORMED},
            {"seq 2 without prev", {{6, "c0"}}, ERR_MALFORMED},
            {"prev 31 bytes", {{6, "c41f {22*31}"}}, ERR_MALFORMED},
            {"prev true", {{6, "c3"}}, ERR_MALFORMED},
            {"prev as str", {{6, "d920 {22*32}"}}, ERR_MALFORMED},
            {"prev as bin16", {{6, "c50020 {22*32}"}}, ERR_NONCANONICAL},
            /* timestamp */
            {"timestamp -1", {{7, "ff"}}, ERR_MALFORMED},
            {"timestamp as int8 -1", {{7, "d0ff"}}, ERR_MALFORMED},
            {"timestamp as float", {{7, "cb 4000000000000000"}}, ERR_MALFORMED},
            {"timestamp 0 as uint64",
             {{7, "cf 0000000000000000"}},
             ERR_NONCANONICAL},
            {"timestamp as ext", {{7, "d4 01 00"}}, ERR_MALFORMED},
            /* kind */
            {"kind as str", {{8, "a1'3'"}}, ERR_MALFORMED},
            {"kind over uint32", {{8, "cf 0000000100000000"}}, ERR_MALFORMED},
            {"kind as uint32", {{8, "ce00000003"}}, ERR_NONCANONICAL},
            {"kind -3", {{8, "fd"}}, ERR_MALFORMED},
            /* body length and hash */
            {"body length max + 1", {{9, "cd f001"}}, ERR_TOO_BIG},
            {"body length uint32 max", {{9, "ce ffffffff"}}, ERR_TOO_BIG},
            {"body length over uint32",
             {{9, "cf 0000000100000000"}},
             ERR_MALFORMED},
            {"body length as uint32", {{9, "ce 0000012c"}}, ERR_NONCANONICAL},
            {"body length -1", {{9, "ff"}}, ERR_MALFORMED},
            {"body hash 31 bytes", {{10, "c41f {33*31}"}}, ERR_MALFORMED},
            {"body hash nil", {{10, "c0"}}, ERR_MALFORMED},
            {"body hash as str", {{10, "d920 {33*32}"}}, ERR_MALFORMED},
            /* the array */
            {"empty input", {{WHOLE, ""}}, ERR_MALFORMED},
            {"not an array", {{WHOLE, "a1'x'"}}, ERR_MALFORMED},
            {"empty array", {{WHOLE, "90"}}, ERR_MALFORMED},
            {"a map", {{WHOLE, "81 01 01"}}, ERR_MALFORMED},
            {"0xc1", {{WHOLE, "c1"}}, ERR_MALFORMED},
            {"10 fields", {{PREFIX, "9a"}, {10, ""}}, ERR_MALFORMED},
            {"12 fields", {{PREFIX, "9c"}, {SUFFIX, "c0"}}, ERR_MALFORMED},
            {"count says 12, 11 follow", {{PREFIX, "9c"}}, ERR_MALFORMED},
            {"count says 10, 11 follow", {{PREFIX, "9a"}}, ERR_MALFORMED},
            {"array16", {{PREFIX, "dc000b"}}, ERR_NONCANONICAL},
            {"trailing nil", {{SUFFIX, "c0"}}, ERR_MALFORMED},
            /* accepted: other canonical headers */
            {"canonical", {{0, NULL}}, 0},
            {"seq 1 without prev", {{5, "01"}, {6, "c0"}}, 0},
            {"unknown kind is the entry's business", {{8, "cc c8"}}, 0},
            {"body length max", {{9, "cd f000"}}, 0},
            {"tree audience", {{3, "92 00 a8'36.04.12'"}}, 0},
        };
        struct buf b = BUF_INIT, re = BUF_INIT;

        (void)state;
        for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
                struct entry_header h;
                int err;

                buf_reset(&b);
                header_bytes(&b, cases[i].e, ARRAY_LEN(cases[i].e));
                err = wire_header_decode(buf_slice(&b), &h);
                expect_err(cases[i].name, err, cases[i].want);
                if (err)
                        continue;
                /* Accepted bytes are exactly what the encoder writes. */
                buf_reset(&re);
                wire_header_encode(&h, &re);
                expect_bytes(cases[i].name, buf_slice(&re), buf_slice(&b));
        }
        buf_release(&b);
        buf_release(&re);
}

static void
header_size_limit(void **state)
{
        uint8_t big[ENTRY_HEADER_MAX + 1];
        struct entry_header h;

        (void)state;
        memset(big, 0xc0, sizeof(big));
        expect_err("header max + 1",
                   wire_header_decode(slice_make(big, sizeof(big)), &h),
                   ERR_TOO_BIG);
        expect_err("header max of junk",
                   wire_header_decode(slice_make(big, ENTRY_HEADER_MAX), &h),
                   ERR_MALFORMED);
}

static void
header_truncated_anywhere(void **state)
{
        struct buf b = BUF_INIT;
        struct entry_header h;

        (void)state;
        header_bytes(&b, NULL, 0);
        for (size_t n = 0; n < b.len; n++) {
                char name[48];
                uint8_t *copy = xmalloc(n ? n : 1);

                /* An exact-size copy, so ASan sees any over-read. */
                memcpy(copy, b.data, n);
                snprintf(name, sizeof(name), "header cut at %zu", n);
                expect_err(name, wire_header_decode(slice_make(copy, n), &h),
                           ERR_MALFORMED);
                free(copy);
        }
        buf_release(&b);
}

/* ---- envelopes -------------------------------------------------------------
 */

/* [bin8 canonical header, bin8 sig, body]; each part overridable. */
static void
envelope_bytes(struct buf *out, const char *head, const char *sig,
               const char *body)
{
        struct buf h = BUF_INIT;

        header_bytes(&h, NULL, 0);
        put(out, head ? head : "93");
        buf_addc(out, 0xc4);
        buf_addc(out, (uint8_t)h.len);
        buf_add(out, h.data, h.len);
        put(out, sig ? sig : "c440 {44*64}");
        put(out, body ? body : "c404 81 a1'a' 01");
        buf_release(&h);
}

static void
envelope_round_trip(void **state)
{
        struct buf want = BUF_INIT, got = BUF_INIT, h = BUF_INIT;
        struct envelope env, d;
        uint8_t sig[ENTRY_SIG_BYTES];
        const uint8_t body[] = {0x81, 0xa1, 'a', 0x01};

        (void)state;
        header_bytes(&h, NULL, 0);
        assert_int_equal(h.len, 155); /* bin8 is right for it */
        memset(sig, 0x44, sizeof(sig));
        env.header = buf_slice(&h);
        env.sig = slice_make(sig, sizeof(sig));
        env.has_body = true;
        env.body = slice_make(body, sizeof(body));
        wire_envelope_encode(&env, &got);
        envelope_bytes(&want, NULL, NULL, NULL);
        expect_bytes("envelope", buf_slice(&got), buf_slice(&want));

        expect_err("decode", wire_envelope_decode(buf_slice(&got), &d), 0);
        assert_true(d.has_body);
        expect_bytes("header part", d.header, env.header);
        expect_bytes("sig part", d.sig, env.sig);
        expect_bytes("body part", d.body, env.body);
        /* The parts borrow from the input. */
        assert_ptr_equal(d.header.ptr, got.data + 3);
        assert_ptr_equal(d.body.ptr, got.data + got.len - sizeof(body));

        /* Pruned: nil instead of the body. */
        env.has_body = false;
        buf_reset(&got);
        buf_reset(&want);
        wire_envelope_encode(&env, &got);
        envelope_bytes(&want, NULL, NULL, "c0");
        expect_bytes("pruned envelope", buf_slice(&got), buf_slice(&want));
        expect_err("decode pruned", wire_envelope_decode(buf_slice(&got), &d),
                   0);
        assert_false(d.has_body);
        assert_int_equal(d.body.len, 0);
        buf_release(&want);
        buf_release(&got);
        buf_release(&h);
}

static void
envelope_refusals(void **state)
{
        static const struct {
                const char *name, *head, *sig, *body;
                int want;
        } cases[] = {
            {"canonical", NULL, NULL, NULL, 0},
            {"pruned", NULL, NULL, "c0", 0},
            {"empty body", NULL, NULL, "c400", 0},
            {"array16", "dc0003", NULL, NULL, ERR_NONCANONICAL},
            {"array32", "dd00000003", NULL, NULL, ERR_NONCANONICAL},
            {"sig as bin16", NULL, "c50040 {44*64}", NULL, ERR_NONCANONICAL},
            {"body as bin32", NULL, NULL, "c600000004 81 a1'a' 01",
             ERR_NONCANONICAL},
            {"sig 63 bytes", NULL, "c43f {44*63}", NULL, ERR_MALFORMED},
            {"sig 65 bytes", NULL, "c441 {44*65}", NULL, ERR_MALFORMED},
            {"sig nil", NULL, "c0", NULL, ERR_MALFORMED},
            {"sig as str", NULL, "d940 {44*64}", NULL, ERR_MALFORMED},
            {"body as str", NULL, NULL, "a4 81 a1'a' 01", ERR_MALFORMED},
            {"body as int", NULL, NULL, "01", ERR_MALFORMED},
            {"body false", NULL, NULL, "c2", ERR_MALFORMED},
            {"body as inline map", NULL, NULL, "81 a1'a' 01", ERR_MALFORMED},
            {"body as inline empty map", NULL, NULL, "80", ERR_MALFORMED},
            {"2 elements", "92", NULL, "", ERR_MALFORMED},
            {"4 elements", "94", NULL, "c404 81 a1'a' 01 c0", ERR_MALFORMED},
            {"count 4, 3 follow", "94", NULL, NULL, ERR_MALFORMED},
            {"trailing byte", NULL, NULL, "c404 81 a1'a' 01 c0", ERR_MALFORMED},
            {"body length past the end", NULL, NULL, "c405 81 a1'a' 01",
             ERR_MALFORMED},
        };
        struct buf b = BUF_INIT;

        (void)state;
        for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
                struct envelope env;
                int err;

                buf_reset(&b);
                envelope_bytes(&b, cases[i].head, cases[i].sig, cases[i].body);
                err = wire_envelope_decode(buf_slice(&b), &env);
                expect_err(cases[i].name, err, cases[i].want);
                if (err) /* nothing half-filled is left behind */
                        assert_true(env.header.ptr == NULL &&
                                    env.sig.ptr == NULL && !env.has_body);
        }
        buf_release(&b);
}

static void
envelope_hand_written_refusals(void **state)
{
        static const struct {
                const char *name, *hex;
                int want;
        } cases[] = {
            {"empty input", "", ERR_MALFORMED},
            {"nil", "c0", ERR_MALFORMED},
            {"header as bin16", "93 c50004 01020304 c440 {44*64} c0",
             ERR_NONCANONICAL},
            {"header as str", "93 a4'abcd' c440 {44*64} c0", ERR_MALFORMED},
            {"header nil", "93 c0 c440 {44*64} c0", ERR_MALFORMED},
            {"ext in envelope", "93 d40100 c440 {44*64} c0", ERR_MALFORMED},
            {"empty header is the header's problem", "93 c400 c440 {44*64} c0",
             0},
        };
        struct buf b = BUF_INIT;

        (void)state;
        for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
                struct envelope env;
                buf_reset(&b);
                put(&b, cases[i].hex);
                expect_err(cases[i].name,
                           wire_envelope_decode(buf_slice(&b), &env),
                           cases[i].want);
        }
        buf_release(&b);
}

static void
envelope_size_limits(void **state)
{
        struct buf b = BUF_INIT;
        struct envelope env;
        uint8_t *big;

        (void)state;
        /* A header bin of 257 bytes. */
        put(&b, "93 c50101 {c0*257} c440 {44*64} c0");
        expect_err("header 257 bytes",
                   wire_envelope_decode(buf_slice(&b), &env), ERR_TOO_BIG);
        buf_reset(&b);
        put(&b, "93 c50100 {c0*256} c440 {44*64} c0");
        expect_err("header 256 bytes as bin16",
                   wire_envelope_decode(buf_slice(&b), &env), 0);

        /* A body of ENTRY_BODY_MAX is fine, one more byte is not. */
        buf_reset(&b);
        put(&b, "93 c401 00 c440 {44*64} c5f000");
        buf_grow(&b, ENTRY_BODY_MAX);
        memset(b.data + b.len, 0xc0, ENTRY_BODY_MAX);
        b.len += ENTRY_BODY_MAX;
        expect_err("body max", wire_envelope_decode(buf_slice(&b), &env), 0);
        assert_int_equal(env.body.len, ENTRY_BODY_MAX);
        buf_reset(&b);
        put(&b, "93 c401 00 c440 {44*64} c5f001");
        buf_grow(&b, ENTRY_BODY_MAX + 1);
        memset(b.data + b.len, 0xc0, ENTRY_BODY_MAX + 1);
        b.len += ENTRY_BODY_MAX + 1;
        expect_err("body max + 1", wire_envelope_decode(buf_slice(&b), &env),
                   ERR_TOO_BIG);

        /* Over ENTRY_MAX is refused before a byte of it is looked at. */
        big = xcalloc(1, ENTRY_MAX + 1);
        expect_err("envelope max + 1",
                   wire_envelope_decode(slice_make(big, ENTRY_MAX + 1), &env),
                   ERR_TOO_BIG);
        expect_err("envelope max of zeros",
                   wire_envelope_decode(slice_make(big, ENTRY_MAX), &env),
                   ERR_MALFORMED);
        free(big);
        buf_release(&b);
}

static void
envelope_truncated_anywhere(void **state)
{
        struct buf b = BUF_INIT;
        size_t refused = 0;

        (void)state;
        for (int pruned = 0; pruned < 2; pruned++) {
                buf_reset(&b);
                envelope_bytes(&b, NULL, NULL, pruned ? "c0" : NULL);
                for (size_t n = 0; n < b.len; n++) {
                        struct envelope env;
                        char name[48];
                        uint8_t *copy = xmalloc(n ? n : 1);

                        /* An exact-size copy, so ASan sees any over-read. */
                        memcpy(copy, b.data, n);
                        snprintf(name, sizeof(name), "envelope cut at %zu", n);
                        expect_err(
                            name,
                            wire_envelope_decode(slice_make(copy, n), &env),
                            ERR_MALFORMED);
                        refused++;
                        free(copy);
                }
        }
        /* [bin8 header 155, bin8 sig 64, bin8 body 4 | nil] */
        assert_int_equal(refused, (1 + 2 + 155 + 2 + 64 + 2 + 4) +
                                      (1 + 2 + 155 + 2 + 64 + 1));
        buf_release(&b);
}

/* ---- containers that claim more than there is ------------------------------
 */

static void
huge_claims_refused_before_allocating(void **state)
{
        static const char *const claims[] = {
            "dd ffffffff 01",    /* array32 of 2^32 - 1 */
            "df ffffffff 01 01", /* map32 of 2^32 - 1 pairs */
            "dc ffff 01",        /* array16 of 65535 */
            "de ffff a1'a' 01",  /* map16 of 65535 pairs */
            "db ffffffff 41",    /* str32 of 4 GiB */
            "c6 ffffffff 41",    /* bin32 of 4 GiB */
            "9f 01 02",          /* fixarray of 15 */
            "8f a1'a' 01",       /* fixmap of 15 */
            "93 dd ffffffff c440 {44*64} c0",
            "81 a1'a' dd ffffffff 01",
            "81 a1'a' df 80000000 a1'b' 01",
            "dd 00000002 01", /* short by one */
        };
        struct buf b = BUF_INIT;

        (void)state;
        for (size_t i = 0; i < ARRAY_LEN(claims); i++) {
                struct envelope env;
                struct entry_header h;

                buf_reset(&b);
                put(&b, claims[i]);
                /* wire__bound refuses, so msgpack-c never sees the count. */
                if (wire__bound(b.data, b.len, WIRE_DEPTH_LIMIT) != 0)
                        fail_msg("%s: wire__bound accepted", claims[i]);
                expect_err(claims[i], wire_envelope_decode(buf_slice(&b), &env),
                           ERR_MALFORMED);
                expect_err(claims[i], wire_header_decode(buf_slice(&b), &h),
                           ERR_MALFORMED);
                expect_err(claims[i], wire_body_check(buf_slice(&b)), ERR_BODY);
        }
        /* The same shapes with their elements present are fine. */
        buf_reset(&b);
        put(&b, "dc 0003 01 02 03");
        assert_int_equal(wire__bound(b.data, b.len, 1), b.len);
        buf_reset(&b);
        put(&b, "df 00000001 a1'a' 01");
        assert_int_equal(wire__bound(b.data, b.len, 1), b.len);
        buf_release(&b);
}

/* ---- bodies
 * ------------------------------------------------------------------ */

static void
body_check_table(void **state)
{
        static const struct {
                const char *name, *hex;
                int want;
        } cases[] = {
            {"empty map", "80", 0},
            {"str to int", "81 a1'a' 01", 0},
            {"every value type",
             "88 a1'n' c0 a1'b' c3 a1'i' d0 fb a1'u' cf {ff*8} a1'f' cb "
             "3ff8000000000000 a1's' a2'hi' a1'x' c4 02 0102 a1'a' 92 01 "
             "80",
             0},
            {"map16 (bodies are hashed, not re-encoded)", "de 0001 a1'a' 01",
             0},
            {"empty input", "", ERR_BODY},
            {"array", "91 01", ERR_BODY},
            {"int", "01", ERR_BODY},
            {"str", "a1'a'", ERR_BODY},
            {"nil", "c0", ERR_BODY},
            {"trailing byte", "80 c0", ERR_BODY},
            {"two maps", "80 80", ERR_BODY},
            {"int key", "81 01 01", ERR_BODY},
            {"bin key", "81 c401'a' 01", ERR_BODY},
            {"nil key", "81 c0 01", ERR_BODY},
            {"map key", "81 80 01", ERR_BODY},
            {"int key in a nested map", "81 a1'a' 81 01 01", ERR_BODY},
            {"int key in a map in an array", "81 a1'a' 92 80 81 01 01",
             ERR_BODY},
            {"ext value", "81 a1'a' d4 01 00", ERR_BODY},
            {"0xc1 value", "81 a1'a' c1", ERR_BODY},
            {"str cut short", "81 a1'a' a3'xy'", ERR_BODY},
            {"map missing a value", "82 a1'a' 01 a1'b'", ERR_BODY},
            {"str8 key", "81 d9 01'a' 01", 0},
            {"maps in an array", "81 a1'a' 92 81 a1'b' 01 80", 0},
            {"map16 with an int key", "de 0001 01 01", ERR_BODY},
            {"int second key", "82 a1'a' 01 02 01", ERR_BODY},
            {"int key after a nested map", "82 a1'a' 81 a1'b' 01 05 01",
             ERR_BODY},
        };
        struct buf b = BUF_INIT;

        (void)state;
        for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
                buf_reset(&b);
                put(&b, cases[i].hex);
                expect_err(cases[i].name, wire_body_check(buf_slice(&b)),
                           cases[i].want);
        }
        buf_release(&b);
}

/* A body nested `depth` containers deep; innermost empty or not. */
static void
nested_body(struct buf *b, unsigned depth, bool empty_inside, bool arrays)
{
        buf_reset(b);
        for (unsigned i = 1; i < depth; i++)
                put(b, arrays && i > 1 ? "91" : "81 a1'k'");
        if (arrays && depth > 1)
                put(b, empty_inside ? "90" : "91 01");
        else
                put(b, empty_inside ? "80" : "81 a1'k' 01");
}

static void
body_depth_limit(void **state)
{
        struct buf b = BUF_INIT;

        (void)state;
        for (int arrays = 0; arrays < 2; arrays++) {
                for (int empty = 0; empty < 2; empty++) {
                        char name[64];
                        snprintf(name, sizeof(name), "%s%s depth 16",
                                 arrays ? "arrays" : "maps",
                                 empty ? ", empty inside," : "");
                        nested_body(&b, ENTRY_BODY_DEPTH_MAX, empty, arrays);
                        expect_err(name, wire_body_check(buf_slice(&b)), 0);
                        snprintf(name, sizeof(name), "%s%s depth 17",
                                 arrays ? "arrays" : "maps",
                                 empty ? ", empty inside," : "");
                        nested_body(&b, ENTRY_BODY_DEPTH_MAX + 1, empty,
                                    arrays);
                        expect_err(name, wire_body_check(buf_slice(&b)),
                                   ERR_BODY);
                }
        }
        /* Far deeper than msgpack-c's own stack: still just ERR_BODY. */
        nested_body(&b, 5000, false, true);
        expect_err("depth 5000", wire_body_check(buf_slice(&b)), ERR_BODY);
        buf_release(&b);
}

static void
body_size_limit(void **state)
{
        struct buf b = BUF_INIT;

        (void)state;
        /* {"a": bin of n}: 1 + 2 + 3 + n bytes. */
        put(&b, "81 a1'a' c5 effa"); /* 6 + 61434 */
        buf_grow(&b, ENTRY_BODY_MAX);
        memset(b.data + b.len, 0x5a, ENTRY_BODY_MAX - b.len);
        b.len = ENTRY_BODY_MAX;
        expect_err("body max", wire_body_check(buf_slice(&b)), 0);
        buf_reset(&b);
        put(&b, "81 a1'a' c5 effb");
        buf_grow(&b, ENTRY_BODY_MAX + 1);
        memset(b.data + b.len, 0x5a, ENTRY_BODY_MAX + 1 - b.len);
        b.len = ENTRY_BODY_MAX + 1;
        expect_err("body max + 1", wire_body_check(buf_slice(&b)), ERR_TOO_BIG);
        buf_release(&b);
}

struct trace {
        char text[512];
        int visits;
        int stop_at; /* return 7 from this visit (1-based); 0: never */
};

static int
record(void *ctx, const struct wire_value *v)
{
        struct trace *t = ctx;
        char item[96];
        size_t len = strlen(t->text);

        switch (v->type) {
        case WIRE_NIL:
                snprintf(item, sizeof(item), "nil");
                break;
        case WIRE_BOOL:
                snprintf(item, sizeof(item), "%s", v->b ? "true" : "false");
                break;
        case WIRE_INT:
                snprintf(item, sizeof(item), "%lld", (long long)v->i);
                break;
        case WIRE_FLOAT:
                snprintf(item, sizeof(item), "%g", v->f);
                break;
        case WIRE_STR:
                snprintf(item, sizeof(item), "\"%.*s\"", (int)v->s.len,
                         (const char *)v->s.ptr);
                break;
        case WIRE_BIN:
                snprintf(item, sizeof(item), "bin%zu", v->s.len);
                break;
        case WIRE_ARRAY:
                snprintf(item, sizeof(item), "[%u", (unsigned)v->n);
                break;
        case WIRE_MAP:
                snprintf(item, sizeof(item), "{%u", (unsigned)v->n);
                break;
        case WIRE_END:
                snprintf(item, sizeof(item), "end");
                break;
        default:
                snprintf(item, sizeof(item), "?");
                break;
        }
        snprintf(t->text + len, sizeof(t->text) - len, "%s%s", len ? " " : "",
                 item);
        return ++t->visits == t->stop_at ? 7 : 0;
}

static void
body_walk_in_document_order(void **state)
{
        struct buf b = BUF_INIT;
        struct trace t = {{0}, 0, 0};

        (void)state;
        put(&b,
            "89 a1'n' c0 a1'b' c2 a1'i' d0 fb a1'u' cf {ff*8} a1'f' ca "
            "3fc00000 a1'd' cb c004000000000000 a1's' a5'\xc3\xa9t\xc3\xa9' "
            "a1'x' c4 03 010203 a1'a' 93 01 80 91 a0");
        expect_err("walk", wire_body_walk(buf_slice(&b), record, &t), 0);
        assert_string_equal(t.text,
                            "{9 \"n\" nil \"b\" false \"i\" -5 \"u\" "
                            "9223372036854775807 \"f\" 1.5 \"d\" -2.5 \"s\" "
                            "\"\xc3\xa9t\xc3\xa9\" \"x\" bin3 \"a\" [3 1 {0 "
                            "end [1 \"\" end end end");
        /* A string's slice points into the body, not into a copy. */
        struct slice s;
        expect_err("str", wire_body_str(buf_slice(&b), "s", &s), 0);
        assert_true(s.ptr > b.data && s.ptr + s.len <= b.data + b.len);

        /* The first nonzero return stops the walk and is returned. */
        memset(&t, 0, sizeof(t));
        t.stop_at = 3;
        expect_err("stopped walk", wire_body_walk(buf_slice(&b), record, &t),
                   7);
        assert_int_equal(t.visits, 3);
        assert_string_equal(t.text, "{9 \"n\" nil");

        /* Not a body: an error and no visits. */
        memset(&t, 0, sizeof(t));
        buf_reset(&b);
        put(&b, "91 01");
        expect_err("walk an array", wire_body_walk(buf_slice(&b), record, &t),
                   ERR_BODY);
        assert_int_equal(t.visits, 0);
        buf_release(&b);
}

static void
body_build_and_lookup(void **state)
{
        static const struct body_field fields[] = {
            {"judul", "Jalan rusak", 0},
            {"prioritas", NULL, 2},
            {"besar", NULL, 300},
            {"minus", NULL, -1},
            {"isi", "", 0},
        };
        struct buf b = BUF_INIT, want = BUF_INIT;
        struct slice s;

        (void)state;
        wire_body_build(fields, ARRAY_LEN(fields), &b);
        put(&want, "85 a5'judul' ab'Jalan rusak' a9'prioritas' 02 a5'besar' "
                   "cd012c a5'minus' ff a3'isi' a0");
        expect_bytes("built body", buf_slice(&b), buf_slice(&want));
        expect_err("built body checks", wire_body_check(buf_slice(&b)), 0);

        static const struct {
                const char *key, *want; /* want NULL: ERR_NOT_FOUND */
        } lookups[] = {
            {"judul", "Jalan rusak"}, {"isi", ""},
            {"prioritas", NULL},      {"jud", NULL},
            {"judulx", NULL},         {"", NULL},
            {"missing", NULL},
        };
        for (size_t i = 0; i < ARRAY_LEN(lookups); i++) {
                memset(&s, 0, sizeof(s));
                int err = wire_body_str(buf_slice(&b), lookups[i].key, &s);
                expect_err(lookups[i].key, err,
                           lookups[i].want ? 0 : ERR_NOT_FOUND);
                if (err)
                        continue;
                assert_int_equal(s.len, strlen(lookups[i].want));
                assert_memory_equal(s.ptr, lookups[i].want, s.len);
        }
        expect_err("lookup in a non-map",
                   wire_body_str(slice_make("\x91\x01", 2), "a", &s), ERR_BODY);
        buf_release(&b);
        buf_release(&want);
}

static void
body_truncated_anywhere(void **state)
{
        struct buf b = BUF_INIT;

        (void)state;
        put(&b, "83 a1'a' 92 01 cd0102 a1'b' 81 a1'c' c3 a1'd' c4 02 0102");
        expect_err("whole", wire_body_check(buf_slice(&b)), 0);
        for (size_t n = 0; n < b.len; n++) {
                char name[48];
                uint8_t *copy = xmalloc(n ? n : 1);
                memcpy(copy, b.data, n);
                snprintf(name, sizeof(name), "body cut at %zu", n);
                expect_err(name, wire_body_check(slice_make(copy, n)),
                           ERR_BODY);
                free(copy);
        }
        buf_release(&b);
}

/* ---- feeds and bundles
 * ------------------------------------------------------- */

static void
feed_descriptor_bytes(void **state)
{
        struct entry_header h = canon_struct();
        struct buf got = BUF_INIT, want = BUF_INIT;

        (void)state;
        wire_feed_encode(h.author, h.author_region, &h.audience, 2, &got);
        put(&want, "94 c420 {11*32} ad" DESA " 93 01 ad" DESA " a5'36.04' 02");
        expect_bytes("feed descriptor", buf_slice(&got), buf_slice(&want));
        buf_release(&got);
        buf_release(&want);
}

static void
bundle_length_bounds(void **state)
{
        static const struct {
                const char *name;
                uint32_t len;
                int want;
        } cases[] = {
            {"zero", 0, ERR_BUNDLE},
            {"one", 1, 0},
            {"ENTRY_MAX", ENTRY_MAX, 0},
            {"ENTRY_MAX + 1", ENTRY_MAX + 1, ERR_BUNDLE},
            {"2^31", 0x80000000U, ERR_BUNDLE},
            {"2^32 - 1", UINT32_MAX, ERR_BUNDLE},
        };

        (void)state;
        for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
                uint8_t prefix[BUNDLE_LEN_BYTES];
                uint32_t len = 12345;
                be32_put(prefix, cases[i].len);
                expect_err(cases[i].name, wire_bundle_len(prefix, &len),
                           cases[i].want);
                if (!cases[i].want)
                        assert_int_equal(len, cases[i].len);
        }
        /* Big-endian on the wire. */
        uint32_t len;
        expect_err("00 00 01 02",
                   wire_bundle_len((const uint8_t *)"\0\0\1\2", &len), 0);
        assert_int_equal(len, 258);
        assert_int_equal(sizeof(BUNDLE_MAGIC) - 1, BUNDLE_MAGIC_BYTES);
}

/* ---- sync messages: BODY_WANT and BODY (SYNC.md §5.2) ------------------- */

/* Decodes one whole frame as exactly one message: 0, or the error. */
static int
decode_one(struct slice frame, struct sync_decoder *d, struct sync_msg *m)
{
        int rc;

        sync_decoder_frame(d, frame);
        rc = sync_decoder_next(d, m);
        if (rc != 1)
                return rc ? rc : ERR_USAGE;
        return sync_decoder_next(d, m) == 0 ? 0 : ERR_USAGE;
}

static void
body_messages_are_the_documented_bytes(void **state)
{
        struct sync_vec_item w[2];
        struct buf got = BUF_INIT, want = BUF_INIT;
        struct sync_decoder d;
        struct sync_msg m;

        (void)state;
        memset(w, 0, sizeof(w));
        memset(w[0].feed, 0xaa, ENTRY_HASH_BYTES);
        memset(w[1].feed, 0xbb, ENTRY_HASH_BYTES);
        w[0].seq = 1;
        w[1].seq = 300;
        wire_sync_body_want(&got, w, 2);
        put(&want, "92 0f 92 92 c4 20 {aa*32} 01 92 c4 20 {bb*32} cd 012c");
        expect_bytes("BODY_WANT", buf_slice(&got), buf_slice(&want));
        sync_decoder_init(&d);
        expect_err("decode BODY_WANT", decode_one(buf_slice(&got), &d, &m), 0);
        assert_int_equal(m.type, SYNC_BODY_WANT);
        assert_int_equal(m.wants_n, 2);
        assert_memory_equal(m.wants, w, sizeof(w));

        buf_reset(&got);
        buf_reset(&want);
        wire_sync_body(&got, w[1].feed, 300, true, slice_cstr("\x80"));
        put(&want, "94 10 c4 20 {bb*32} cd 012c c4 01 80");
        expect_bytes("BODY", buf_slice(&got), buf_slice(&want));
        expect_err("decode BODY", decode_one(buf_slice(&got), &d, &m), 0);
        assert_int_equal(m.type, SYNC_BODY);
        assert_memory_equal(m.feed, w[1].feed, ENTRY_HASH_BYTES);
        assert_int_equal(m.seq, 300);
        assert_true(m.has_body);
        expect_bytes("BODY body", m.body, slice_cstr("\x80"));

        buf_reset(&got);
        buf_reset(&want);
        wire_sync_body(&got, w[0].feed, 1, false, slice_make(NULL, 0));
        put(&want, "94 10 c4 20 {aa*32} 01 c0");
        expect_bytes("BODY nil", buf_slice(&got), buf_slice(&want));
        expect_err("decode BODY nil", decode_one(buf_slice(&got), &d, &m), 0);
        assert_false(m.has_body);
        sync_decoder_release(&d);
        buf_release(&got);
        buf_release(&want);
}

/* The first message's type from the first bytes, decoding nothing; where
 * the whole frame decodes, the same type as the decoder's. */
static void
frame_type_from_first_bytes(void **state)
{
        static const struct {
                const char *name, *bytes;
                enum sync_type type;
        } cases[] = {
            {"CERT_REQUEST", "91 04", SYNC_CERT_REQUEST},
            {"CERT_REQUEST, type as uint 16", "91 cd 0004", SYNC_CERT_REQUEST},
            {"CERT_REQUEST, array 16", "dc 0001 04", SYNC_CERT_REQUEST},
            {"ACK", "92 08 05", SYNC_ACK},
            {"empty frame", "", 0},
            {"empty array", "90", 0},
            {"not an array", "c0", 0},
            {"no type", "91", 0},
            {"type cut", "91 cd 00", 0},
            {"array 32 cut", "dd 0000", 0},
            {"type beyond the last", "91 7f", 0},
            {"type negative", "91 ff", 0},
        };
        struct buf b = BUF_INIT;
        struct sync_decoder d;
        struct sync_msg m;

        (void)state;
        sync_decoder_init(&d);
        for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
                buf_reset(&b);
                put(&b, cases[i].bytes);
                if (sync_frame_type(buf_slice(&b)) != cases[i].type)
                        fail_msg("%s: type %d, want %d", cases[i].name,
                                 (int)sync_frame_type(buf_slice(&b)),
                                 (int)cases[i].type);
                if (cases[i].type && (decode_one(buf_slice(&b), &d, &m) ||
                                      m.type != cases[i].type))
                        fail_msg("%s: the decoder disagrees", cases[i].name);
        }
        /* What the encoders write. */
        buf_reset(&b);
        wire_sync_cert(&b, slice_cstr("cert"), slice_make(NULL, 0));
        assert_int_equal(sync_frame_type(buf_slice(&b)), SYNC_CERT);
        buf_reset(&b);
        wire_sync_uint(&b, SYNC_ACK, 300);
        assert_int_equal(sync_frame_type(buf_slice(&b)), SYNC_ACK);
        sync_decoder_release(&d);
        buf_release(&b);
}

/* HELD (SYNC.md §5.4): region, then [feed, seq] pairs; a region that is
 * no region code, or no pairs, is refused. */
static void
held_is_the_documented_bytes(void **state)
{
        struct sync_vec_item h[1];
        struct buf got = BUF_INIT, want = BUF_INIT;
        struct sync_decoder d;
        struct sync_msg m;

        (void)state;
        memset(h, 0, sizeof(h));
        memset(h[0].feed, 0xaa, ENTRY_HASH_BYTES);
        h[0].seq = 7;
        wire_sync_held(&got, "36.04", h, 1);
        put(&want, "93 18 a5 33362e3034 91 92 c4 20 {aa*32} 07");
        expect_bytes("HELD", buf_slice(&got), buf_slice(&want));
        sync_decoder_init(&d);
        expect_err("decode HELD", decode_one(buf_slice(&got), &d, &m), 0);
        assert_int_equal(m.type, SYNC_HELD);
        assert_string_equal(m.author_region, "36.04");
        assert_int_equal(m.wants_n, 1);
        assert_memory_equal(m.wants, h, sizeof(h));

        buf_reset(&want);
        put(&want, "93 18 a3 783034 91 92 c4 20 {aa*32} 07");
        expect_err("HELD bad region", decode_one(buf_slice(&want), &d, &m),
                   ERR_PROTOCOL);
        buf_reset(&want);
        put(&want, "93 18 a5 33362e3034 90");
        expect_err("HELD no pairs", decode_one(buf_slice(&want), &d, &m),
                   ERR_PROTOCOL);
        buf_reset(&want);
        put(&want, "93 18 a5 33362e3034 91 92 c4 20 {aa*32} 00");
        expect_err("HELD seq 0", decode_one(buf_slice(&want), &d, &m),
                   ERR_PROTOCOL);
        sync_decoder_release(&d);
        buf_release(&got);
        buf_release(&want);
}

/* Sealed bundles' records (BUNDLE.md §4): framing and HEADS checks. */
static void
bundle_records_are_checked(void **state)
{
        struct bundle_heads h;
        struct bundle_rec r;
        struct buf b = BUF_INIT;
        size_t used = 0;

        (void)state;
        wire_bundle_rec_put(&b, BUNDLE_REC_ENTRY, slice_cstr("abc"));
        put(&b, "02 00");
        assert_int_equal(wire_bundle_rec_next(buf_slice(&b), &r, &used), 1);
        assert_int_equal(r.type, BUNDLE_REC_ENTRY);
        assert_int_equal(used, 8);
        expect_bytes("payload", r.payload, slice_cstr("abc"));
        /* The rest is part of a record: read more. */
        assert_int_equal(
            wire_bundle_rec_next(slice_make(b.data + used, b.len - used), &r,
                                 &used),
            0);
        buf_reset(&b);
        put(&b, "02 00000000");
        assert_int_equal(wire_bundle_rec_next(buf_slice(&b), &r, &used),
                         ERR_BUNDLE); /* an empty ENTRY */
        buf_reset(&b);
        put(&b, "02 00010001");
        assert_int_equal(wire_bundle_rec_next(buf_slice(&b), &r, &used),
                         ERR_BUNDLE); /* over ENTRY_MAX, before reading it */
        buf_reset(&b);
        put(&b, "07 00000000");
        assert_int_equal(wire_bundle_rec_next(buf_slice(&b), &r, &used),
                         ERR_BUNDLE); /* unknown and not skippable */
        buf_reset(&b);
        put(&b, "80 00000000");
        assert_int_equal(wire_bundle_rec_next(buf_slice(&b), &r, &used), 1);

        buf_reset(&b);
        put(&b, "{11*16} {aa*32} 0000000000000001 {bb*32} 0000000000000002");
        assert_int_equal(wire_bundle_heads(buf_slice(&b), &h), 0);
        assert_int_equal(h.n, 2);
        buf_reset(&b);
        put(&b, "{11*16} {bb*32} 0000000000000001 {aa*32} 0000000000000002");
        assert_int_equal(wire_bundle_heads(buf_slice(&b), &h), ERR_BUNDLE);
        buf_reset(&b);
        put(&b, "{11*16} {aa*32} 0000000000000000");
        assert_int_equal(wire_bundle_heads(buf_slice(&b), &h), ERR_BUNDLE);
        buf_reset(&b);
        put(&b, "{11*16} {aa*32} 00");
        assert_int_equal(wire_bundle_heads(buf_slice(&b), &h), ERR_BUNDLE);

        /* HELD: a region, then pairs as HEADS's. */
        {
                struct bundle_held hd;
                uint8_t pair[BUNDLE_HEAD_BYTES];
                struct buf want = BUF_INIT;

                memset(pair, 0xaa, 32);
                be64_put(pair + 32, 5);
                buf_reset(&b);
                wire_bundle_held_put(&b, "36.04", pair, 1);
                put(&want, "05 '36.04' {aa*32} 0000000000000005");
                expect_bytes("HELD record", buf_slice(&b), buf_slice(&want));
                buf_release(&want);
                assert_int_equal(wire_bundle_held(buf_slice(&b), &hd), 0);
                assert_string_equal(hd.region, "36.04");
                assert_int_equal(hd.n, 1);
                buf_reset(&b);
                put(&b, "05 '36.04'");
                assert_int_equal(wire_bundle_held(buf_slice(&b), &hd),
                                 ERR_BUNDLE); /* no pairs */
                buf_reset(&b);
                put(&b, "05 '36x04' {aa*32} 0000000000000005");
                assert_int_equal(wire_bundle_held(buf_slice(&b), &hd),
                                 ERR_BUNDLE); /* no region code */
                buf_reset(&b);
                put(&b, "09 '36.04' {aa*32} 0000000000000005");
                assert_int_equal(wire_bundle_held(buf_slice(&b), &hd),
                                 ERR_BUNDLE); /* region past the pairs */
        }
        buf_release(&b);
}

static void
body_message_refusals(void **state)
{
        static const struct {
                const char *name;
                const char *bytes;
        } cases[] = {
            {"want: no entry", "92 0f 90"},
            {"want: seq 0", "92 0f 91 92 c4 20 {aa*32} 00"},
            {"want: short feed id", "92 0f 91 92 c4 1f {aa*31} 01"},
            {"want: a third field", "92 0f 91 93 c4 20 {aa*32} 01 01"},
            {"want: not an array", "92 0f c0"},
            {"want: trailing field", "93 0f 91 92 c4 20 {aa*32} 01 c0"},
            {"body: seq 0", "94 10 c4 20 {aa*32} 00 c0"},
            {"body: str body", "94 10 c4 20 {aa*32} 01 a1 'x'"},
            {"body: missing body", "93 10 c4 20 {aa*32} 01"},
            {"body: feed id 33 bytes", "94 10 c4 21 {aa*33} 01 c0"},
            {"body: over ENTRY_BODY_MAX",
             "94 10 c4 20 {aa*32} 01 c5 f001 {80*61441}"},
        };
        struct sync_decoder d;
        struct sync_msg m;

        (void)state;
        sync_decoder_init(&d);
        for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
                struct buf b = BUF_INIT;
                put(&b, cases[i].bytes);
                expect_err(cases[i].name, decode_one(buf_slice(&b), &d, &m),
                           ERR_PROTOCOL);
                buf_release(&b);
        }
        /* One more than SYNC_BODY_WANT_MAX entries, each well-formed. */
        {
                struct buf b = BUF_INIT;
                put(&b, "92 0f dc 0011");
                for (unsigned i = 0; i < SYNC_BODY_WANT_MAX + 1; i++)
                        put(&b, "92 c4 20 {aa*32} 01");
                expect_err("want: 17 entries",
                           decode_one(buf_slice(&b), &d, &m), ERR_PROTOCOL);
                buf_release(&b);
        }
        /* The largest body decodes. */
        {
                struct buf b = BUF_INIT;
                put(&b, "94 10 c4 20 {aa*32} 01 c5 f000 {80*61440}");
                expect_err("body: ENTRY_BODY_MAX",
                           decode_one(buf_slice(&b), &d, &m), 0);
                assert_int_equal(m.body.len, ENTRY_BODY_MAX);
                buf_release(&b);
        }
        sync_decoder_release(&d);
}

/* HELLO_PART (SYNC.md §4.2): [25, delta], at least one element; its
 * answer HELLO_PART_OK: [26]. */
static void
hello_part_bytes_and_refusals(void **state)
{
        struct sync_vec_item v;
        struct buf got = BUF_INIT, want = BUF_INIT, b = BUF_INIT;
        struct sync_decoder d;
        struct sync_msg m;

        (void)state;
        memset(&v, 0, sizeof(v));
        memset(v.feed, 0xaa, ENTRY_HASH_BYTES);
        memset(v.head, 0xbb, ENTRY_HASH_BYTES);
        v.seq = 2;
        wire_sync_hello_part(&got, &v, 1);
        put(&want, "92 19 91 93 c4 20 {aa*32} 02 c4 20 {bb*32}");
        expect_bytes("HELLO_PART", buf_slice(&got), buf_slice(&want));
        sync_decoder_init(&d);
        expect_err("decode HELLO_PART", decode_one(buf_slice(&got), &d, &m), 0);
        assert_int_equal(m.type, SYNC_HELLO_PART);
        assert_int_equal(m.delta_n, 1);
        assert_memory_equal(&m.delta[0], &v, sizeof(v));
        put(&b, "92 19 90");
        expect_err("part: no element", decode_one(buf_slice(&b), &d, &m),
                   ERR_PROTOCOL);
        buf_reset(&b);
        put(&b, "93 19 91 93 c4 20 {aa*32} 02 c4 20 {bb*32} c0");
        expect_err("part: trailing field", decode_one(buf_slice(&b), &d, &m),
                   ERR_PROTOCOL);
        buf_reset(&got);
        wire_sync_simple(&got, SYNC_HELLO_PART_OK);
        buf_reset(&want);
        put(&want, "91 1a");
        expect_bytes("HELLO_PART_OK", buf_slice(&got), buf_slice(&want));
        expect_err("decode HELLO_PART_OK", decode_one(buf_slice(&got), &d, &m),
                   0);
        assert_int_equal(m.type, SYNC_HELLO_PART_OK);
        sync_decoder_release(&d);
        buf_release(&got);
        buf_release(&want);
        buf_release(&b);
}

int
main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(header_encoding_is_the_documented_bytes),
            cmocka_unit_test(header_round_trips),
            cmocka_unit_test(header_refusals),
            cmocka_unit_test(header_size_limit),
            cmocka_unit_test(header_truncated_anywhere),
            cmocka_unit_test(envelope_round_trip),
            cmocka_unit_test(envelope_refusals),
            cmocka_unit_test(envelope_hand_written_refusals),
            cmocka_unit_test(envelope_size_limits),
            cmocka_unit_test(envelope_truncated_anywhere),
            cmocka_unit_test(huge_claims_refused_before_allocating),
            cmocka_unit_test(body_check_table),
            cmocka_unit_test(body_depth_limit),
            cmocka_unit_test(body_size_limit),
            cmocka_unit_test(body_walk_in_document_order),
            cmocka_unit_test(body_build_and_lookup),
            cmocka_unit_test(body_truncated_anywhere),
            cmocka_unit_test(feed_descriptor_bytes),
            cmocka_unit_test(bundle_length_bounds),
            cmocka_unit_test(body_messages_are_the_documented_bytes),
            cmocka_unit_test(frame_type_from_first_bytes),
            cmocka_unit_test(held_is_the_documented_bytes),
            cmocka_unit_test(bundle_records_are_checked),
            cmocka_unit_test(body_message_refusals),
            cmocka_unit_test(hello_part_bytes_and_refusals),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
