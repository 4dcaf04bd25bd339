/*
 * test_entry: creating, opening and tampering with entries, key files, and
 * the kind table. Rule-breaking entries that entry_create refuses to make
 * are sealed here by hand (seal()): the same header encoding and Ed25519
 * signature over "simpul entry v1" || header, so entry_open sees an entry
 * that is consistently signed and must still refuse it for the rule.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../src/entry/entry.h"
#include "testlib.h"

/* ---- helpers ------------------------------------------------------------- */

#define SIG_CONTEXT "simpul entry v1"
#define TIMESTAMP_MS 1700000000000ULL
#define DESA "36.04.12.2002"
#define DESA_SIBLING "36.04.12.2001"
#define KECAMATAN "36.04.12"
#define KABUPATEN "36.04"

static struct key *key_a, *key_b;

static int
setup(void **state)
{
        (void)state;
        if (entry_lib_init())
                return -1;
        key_a = test_key(0xa1);
        key_b = test_key(0xb2);
        return 0;
}

static int
teardown(void **state)
{
        (void)state;
        key_free(key_a);
        key_free(key_b);
        return 0;
}

/* A header as a caller of entry_create fills it: seq 1 unless changed. */
static struct entry_header
header(const char *author_region, const char *audience, uint32_t kind)
{
        struct entry_header h;

        memset(&h, 0, sizeof(h));
        strcpy(h.author_region, author_region);
        h.audience = test_audience(audience);
        h.seq = 1;
        h.timestamp_ms = TIMESTAMP_MS;
        h.kind = kind;
        return h;
}

/* {"judul": "Jalan rusak", "prioritas": 2} */
static void
body_default(struct buf *b)
{
        static const struct body_field f[] = {
            {"judul", "Jalan rusak", 0},
            {"prioritas", NULL, 2},
        };

        wire_body_build(f, ARRAY_LEN(f), b);
}

static void
create_ok(const struct key *k, struct entry_header *h, struct slice body,
          struct buf *out)
{
        char b[32];
        int err = entry_create(k, h, body, out);

        if (err)
                fail_msg("entry_create: %s", test_err_id(err, b));
}

/*
 * Seals an entry without any rule checks: fills author (from k), body_len
 * and body_hash from the body, keeps every other field of h as given
 * (channel included), signs with `signer` (over the context if asked).
 */
static void
seal(const struct key *k, const struct key *signer, struct entry_header *h,
     struct slice body, bool context, struct buf *out)
{
        struct buf hdr = BUF_INIT, msg = BUF_INIT;
        uint8_t sig[ENTRY_SIG_BYTES];
        struct envelope env;

        memcpy(h->author, k->pk, ENTRY_KEY_BYTES);
        h->body_len = (uint32_t)body.len;
        hash_bytes(h->body_hash, body);
        wire_header_encode(h, &hdr);
        if (context)
                buf_adds(&msg, SIG_CONTEXT);
        buf_add(&msg, hdr.data, hdr.len);
        crypto_sign_detached(sig, NULL, msg.data, msg.len, signer->sk);
        env.header = buf_slice(&hdr);
        env.sig = slice_make(sig, sizeof(sig));
        env.has_body = true;
        env.body = body;
        wire_envelope_encode(&env, out);
        buf_release(&hdr);
        buf_release(&msg);
}

/* ---- create and open -------------------------------------------------------
 */

static void
create_open_round_trip(void **state)
{
        struct entry_header h =
            header(DESA, "path:" DESA ":36.04", KIND_ASPIRASI);
        struct buf body = BUF_INIT, out = BUF_INIT, again = BUF_INIT;
        struct buf hdr = BUF_INIT;
        uint8_t hash[ENTRY_HASH_BYTES], feed[ENTRY_HASH_BYTES];
        struct entry e, p;

        (void)state;
        body_default(&body);
        h.channel = 3; /* entry_create sets it from the kind */
        create_ok(key_a, &h, buf_slice(&body), &out);
        assert_int_equal(h.channel, 2);
        assert_memory_equal(h.author, key_a->pk, ENTRY_KEY_BYTES);
        assert_int_equal(h.body_len, body.len);
        hash_bytes(hash, buf_slice(&body));
        assert_memory_equal(h.body_hash, hash, ENTRY_HASH_BYTES);
        assert_true(out.len <= ENTRY_MAX);

        expect_err("open", entry_open(buf_slice(&out), &e), 0);
        assert_ptr_equal(e.bytes.ptr, out.data);
        assert_int_equal(e.bytes.len, out.len);
        assert_memory_equal(e.h.author, key_a->pk, ENTRY_KEY_BYTES);
        assert_string_equal(e.h.author_region, DESA);
        assert_true(audience_eq(&e.h.audience, &h.audience));
        assert_int_equal(e.h.channel, 2);
        assert_int_equal(e.h.seq, 1);
        assert_false(e.h.has_prev);
        assert_true(e.h.timestamp_ms == TIMESTAMP_MS);
        assert_int_equal(e.h.kind, KIND_ASPIRASI);
        assert_int_equal(e.h.body_len, body.len);
        assert_memory_equal(e.h.body_hash, hash, ENTRY_HASH_BYTES);
        assert_true(e.env.has_body);
        assert_int_equal(e.env.body.len, body.len);
        assert_memory_equal(e.env.body.ptr, body.data, body.len);
        /* id = BLAKE2b-256(header bytes); feed = hash of the descriptor. */
        wire_header_encode(&h, &hdr);
        hash_bytes(hash, buf_slice(&hdr));
        assert_memory_equal(e.id, hash, ENTRY_HASH_BYTES);
        feed_id_compute(feed, key_a->pk, DESA, &h.audience, 2);
        assert_memory_equal(e.feed, feed, ENTRY_HASH_BYTES);

        /* entry_parse agrees. */
        expect_err("parse", entry_parse(buf_slice(&out), &p), 0);
        assert_memory_equal(p.id, e.id, ENTRY_HASH_BYTES);
        assert_memory_equal(p.feed, e.feed, ENTRY_HASH_BYTES);

        /* Ed25519 is deterministic: the same entry, the same bytes. */
        create_ok(key_a, &h, buf_slice(&body), &again);
        assert_int_equal(again.len, out.len);
        assert_memory_equal(again.data, out.data, out.len);

        /* The next entry of the feed chains to this one. */
        struct entry_header h2 = h;
        struct entry e2;
        h2.seq = 2;
        h2.has_prev = true;
        memcpy(h2.prev, e.id, ENTRY_HASH_BYTES);
        buf_reset(&again);
        create_ok(key_a, &h2, buf_slice(&body), &again);
        expect_err("open seq 2", entry_open(buf_slice(&again), &e2), 0);
        assert_true(e2.h.seq == 2 && e2.h.has_prev);
        assert_memory_equal(e2.h.prev, e.id, ENTRY_HASH_BYTES);
        assert_memory_equal(e2.feed, e.feed, ENTRY_HASH_BYTES);
        assert_memory_not_equal(e2.id, e.id, ENTRY_HASH_BYTES);

        /* My seal() makes exactly what entry_create makes. */
        struct buf sealed = BUF_INIT;
        seal(key_a, key_a, &h, buf_slice(&body), true, &sealed);
        assert_int_equal(sealed.len, out.len);
        assert_memory_equal(sealed.data, out.data, out.len);

        buf_release(&body);
        buf_release(&out);
        buf_release(&again);
        buf_release(&hdr);
        buf_release(&sealed);
}

/* entry_open_next takes prev's feed id only for prev's feed descriptor;
 * each case differs from the one before in the one way it names. */
static void
open_next_feed_ids(void **state)
{
        static const struct {
                const char *name, *region, *audience;
                struct key *const *k;
                uint32_t kind;
                bool shared;
        } cases[] = {
            {"same feed", DESA, "path:" DESA ":36.04", &key_a, KIND_ASPIRASI,
             true},
            {"another author", DESA, "path:" DESA ":36.04", &key_b,
             KIND_ASPIRASI, false},
            {"another audience", DESA, "path:" DESA ":" KECAMATAN, &key_b,
             KIND_ASPIRASI, false},
            {"another audience type", DESA, "tree:" KECAMATAN, &key_b,
             KIND_INFORMASI, false},
            {"another author region", DESA_SIBLING, "tree:" KECAMATAN, &key_b,
             KIND_INFORMASI, false},
            {"another channel", DESA_SIBLING, "tree:" KECAMATAN, &key_b,
             KIND_PERINGATAN, false},
            {"same feed again", DESA_SIBLING, "tree:" KECAMATAN, &key_b,
             KIND_PERINGATAN, true},
        };
        struct entry_header h0 =
            header(DESA, "path:" DESA ":36.04", KIND_ASPIRASI);
        struct buf body = BUF_INIT, bufs[2] = {BUF_INIT, BUF_INIT};
        uint8_t feed[ENTRY_HASH_BYTES];
        struct entry es[2], dead;

        (void)state;
        body_default(&body);
        create_ok(key_a, &h0, buf_slice(&body), &bufs[0]);
        expect_err("open first", entry_open(buf_slice(&bufs[0]), &es[0]), 0);
        for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
                struct entry_header h =
                    header(cases[i].region, cases[i].audience, cases[i].kind);
                struct entry *prev = &es[i % 2], *e = &es[(i + 1) % 2];
                struct buf *b = &bufs[(i + 1) % 2];

                buf_reset(b);
                create_ok(*cases[i].k, &h, buf_slice(&body), b);
                expect_err(cases[i].name,
                           entry_open_next(buf_slice(b), prev, e), 0);
                feed_id_compute(feed, (*cases[i].k)->pk, cases[i].region,
                                &h.audience, h.channel);
                if (memcmp(e->feed, feed, ENTRY_HASH_BYTES))
                        fail_msg("%s: feed id is not its descriptor's",
                                 cases[i].name);
                if (cases[i].shared !=
                    !memcmp(e->feed, prev->feed, ENTRY_HASH_BYTES))
                        fail_msg("%s: feed id shared or not", cases[i].name);
        }
        /* A failed open (seq 0) lends nothing, even with the descriptor. */
        dead = es[1];
        dead.h.seq = 0;
        memset(dead.feed, 0xee, ENTRY_HASH_BYTES);
        expect_err("after a failed one",
                   entry_open_next(buf_slice(&bufs[1]), &dead, &es[0]), 0);
        assert_memory_equal(es[0].feed, es[1].feed, ENTRY_HASH_BYTES);
        buf_release(&body);
        buf_release(&bufs[0]);
        buf_release(&bufs[1]);
}

static void
create_refusals(void **state)
{
        static const struct {
                const char *name, *author, *audience;
                uint32_t kind;
                const char *body; /* NULL: the default body */
                size_t body_len;
                int want;
        } cases[] = {
            {"aspirasi on its path", DESA, "path:" DESA ":36.04", KIND_ASPIRASI,
             NULL, 0, 0},
            {"lateral news to the kecamatan", DESA, "tree:" KECAMATAN,
             KIND_INFORMASI, NULL, 0, 0},
            {"kecamatan to its parent", KECAMATAN, "tree:" KABUPATEN,
             KIND_INFORMASI, NULL, 0, 0},
            {"kabupaten answers", KABUPATEN, "path:" DESA ":36.04",
             KIND_TANGGAPAN, NULL, 0, 0},
            {"peringatan to everyone", KABUPATEN, "tree:" KABUPATEN,
             KIND_PERINGATAN, NULL, 0, 0},
            {"empty map body", DESA, "tree:" DESA, KIND_STATUS, "\x80", 1, 0},
            {"unknown kind 99", DESA, "tree:" DESA, 99, NULL, 0, ERR_KIND},
            {"kind 0", DESA, "tree:" DESA, 0, NULL, 0, ERR_KIND},
            {"kind 10 (a gap)", DESA, "tree:" DESA, 10, NULL, 0, ERR_KIND},
            {"desa writes tree(kabupaten)", DESA, "tree:" KABUPATEN,
             KIND_INFORMASI, NULL, 0, ERR_AUTHOR_RULE},
            {"desa writes tree(another kecamatan)", DESA, "tree:36.04.13",
             KIND_INFORMASI, NULL, 0, ERR_AUTHOR_RULE},
            {"sibling writes another desa's path", DESA_SIBLING,
             "path:" DESA ":36.04", KIND_ASPIRASI, NULL, 0, ERR_AUTHOR_RULE},
            {"malformed author region", "36.04.x", "tree:" KABUPATEN,
             KIND_INFORMASI, NULL, 0, ERR_REGION},
            {"empty author region", "", "tree:" KABUPATEN, KIND_INFORMASI, NULL,
             0, ERR_REGION},
            {"body an array", DESA, "tree:" DESA, KIND_STATUS, "\x91\x01", 2,
             ERR_BODY},
            {"body empty", DESA, "tree:" DESA, KIND_STATUS, "", 0, ERR_BODY},
            {"body with trailing bytes", DESA, "tree:" DESA, KIND_STATUS,
             "\x80\xc0", 2, ERR_BODY},
            {"body with an int key", DESA, "tree:" DESA, KIND_STATUS,
             "\x81\x01\x01", 3, ERR_BODY},
        };
        struct buf body = BUF_INIT, out = BUF_INIT;

        (void)state;
        body_default(&body);
        for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
                struct entry_header h =
                    header(DESA, cases[i].audience, cases[i].kind);
                struct slice b =
                    cases[i].body ? slice_make(cases[i].body, cases[i].body_len)
                                  : buf_slice(&body);
                struct entry e;
                int err;

                strcpy(h.author_region, cases[i].author);
                buf_reset(&out);
                err = entry_create(key_a, &h, b, &out);
                expect_err(cases[i].name, err, cases[i].want);
                if (err) {
                        /* Nothing is written on a refusal. */
                        assert_int_equal(out.len, 0);
                        continue;
                }
                expect_err(cases[i].name, entry_open(buf_slice(&out), &e), 0);
        }

        /* Audiences that are not well-formed, set in the struct. */
        struct entry_header h = header(DESA, "tree:" DESA, KIND_STATUS);
        strcpy(h.audience.target, "36.4");
        expect_err("bad audience code",
                   entry_create(key_a, &h, buf_slice(&body), &out), ERR_REGION);
        h = header(DESA, "path:" DESA ":36.04", KIND_ASPIRASI);
        strcpy(h.audience.target, DESA);
        expect_err("path O == T",
                   entry_create(key_a, &h, buf_slice(&body), &out),
                   ERR_AUDIENCE_SHAPE);
        buf_release(&body);
        buf_release(&out);
}

static void
body_size_limits(void **state)
{
        struct buf body = BUF_INIT, out = BUF_INIT;
        struct entry_header h;
        struct entry e;

        (void)state;
        /* {"a": bin}, exactly ENTRY_BODY_MAX bytes: 6 + 61434. */
        buf_addc(&body, 0x81);
        buf_add(&body,
                "\xa1"
                "a\xc5\xef\xfa",
                5);
        buf_grow(&body, ENTRY_BODY_MAX);
        memset(body.data + body.len, 0x5a, ENTRY_BODY_MAX - body.len);
        body.len = ENTRY_BODY_MAX;
        h = header(KABUPATEN, "tree:" KABUPATEN, KIND_LAMPIRAN);
        create_ok(key_a, &h, buf_slice(&body), &out);
        assert_true(out.len <= ENTRY_MAX);
        expect_err("open body max", entry_open(buf_slice(&out), &e), 0);
        assert_int_equal(e.h.channel, 3);

        /* One byte more. */
        buf_reset(&body);
        buf_addc(&body, 0x81);
        buf_add(&body,
                "\xa1"
                "a\xc5\xef\xfb",
                5);
        buf_grow(&body, ENTRY_BODY_MAX + 1);
        memset(body.data + body.len, 0x5a, ENTRY_BODY_MAX + 1 - body.len);
        body.len = ENTRY_BODY_MAX + 1;
        buf_reset(&out);
        h = header(KABUPATEN, "tree:" KABUPATEN, KIND_LAMPIRAN);
        expect_err("create body max + 1",
                   entry_create(key_a, &h, buf_slice(&body), &out),
                   ERR_TOO_BIG);
        h = header(KABUPATEN, "tree:" KABUPATEN, KIND_LAMPIRAN);
        h.channel = 3;
        seal(key_a, key_a, &h, buf_slice(&body), true, &out);
        expect_err("open body max + 1", entry_open(buf_slice(&out), &e),
                   ERR_TOO_BIG);

        /* Bytes past ENTRY_MAX are refused before they are parsed. */
        buf_reset(&out);
        buf_grow(&out, ENTRY_MAX + 1);
        memset(out.data, 0x93, ENTRY_MAX + 1);
        out.len = ENTRY_MAX + 1;
        expect_err("envelope max + 1", entry_open(buf_slice(&out), &e),
                   ERR_TOO_BIG);
        expect_err("parse envelope max + 1", entry_parse(buf_slice(&out), &e),
                   ERR_TOO_BIG);
        buf_release(&body);
        buf_release(&out);
}

/* ---- consistently signed entries that break a rule -------------------------
 */

static void
sealed_rule_breakers_refused(void **state)
{
        enum { SIGNER, NOCTX, BODYLEN, HASH };
        static const struct {
                const char *name;
                const char *author, *audience;
                uint32_t kind;
                int channel; /* -1: the kind's own */
                int tweak;   /* what else goes wrong; -1: nothing */
                const char *body;
                size_t body_len;
                int want;
        } cases[] = {
            {"sealed like entry_create", DESA, "path:" DESA ":36.04",
             KIND_ASPIRASI, -1, -1, NULL, 0, 0},
            {"unknown kind 99", DESA, "tree:" DESA, 99, 2, -1, NULL, 0,
             ERR_KIND},
            {"kind 0", DESA, "tree:" DESA, 0, 0, -1, NULL, 0, ERR_KIND},
            {"informasi on the urgent channel", KABUPATEN, "tree:" KABUPATEN,
             KIND_INFORMASI, 1, -1, NULL, 0, ERR_KIND},
            {"peringatan on the normal channel", KABUPATEN, "tree:" KABUPATEN,
             KIND_PERINGATAN, 2, -1, NULL, 0, ERR_KIND},
            {"sertifikat off the system channel", KABUPATEN, "tree:" KABUPATEN,
             KIND_SERTIFIKAT, 2, -1, NULL, 0, ERR_KIND},
            {"lampiran on the system channel", KABUPATEN, "tree:" KABUPATEN,
             KIND_LAMPIRAN, 0, -1, NULL, 0, ERR_KIND},
            {"desa writes tree(kabupaten)", DESA, "tree:" KABUPATEN,
             KIND_INFORMASI, -1, -1, NULL, 0, ERR_AUTHOR_RULE},
            {"desa writes tree(another kecamatan)", DESA, "tree:36.04.13",
             KIND_INFORMASI, -1, -1, NULL, 0, ERR_AUTHOR_RULE},
            {"sibling writes another desa's path", DESA_SIBLING,
             "path:" DESA ":36.04", KIND_ASPIRASI, -1, -1, NULL, 0,
             ERR_AUTHOR_RULE},
            {"kecamatan writes tree(provinsi)", KECAMATAN, "tree:36",
             KIND_INFORMASI, -1, -1, NULL, 0, ERR_AUTHOR_RULE},
            {"malformed author region", "36.04.x", "tree:" KABUPATEN,
             KIND_INFORMASI, -1, -1, NULL, 0, ERR_REGION},
            {"body an array", DESA, "tree:" DESA, KIND_STATUS, -1, -1,
             "\x91\x01", 2, ERR_BODY},
            {"body with trailing bytes", DESA, "tree:" DESA, KIND_STATUS, -1,
             -1, "\x80\xc0", 2, ERR_BODY},
            {"body empty", DESA, "tree:" DESA, KIND_STATUS, -1, -1, "", 0,
             ERR_BODY},
            {"body length off by one", DESA, "tree:" DESA, KIND_STATUS, -1,
             BODYLEN, NULL, 0, ERR_BODY_HASH},
            {"body hash of another body", DESA, "tree:" DESA, KIND_STATUS, -1,
             HASH, NULL, 0, ERR_BODY_HASH},
            {"signed by another key", DESA, "tree:" DESA, KIND_STATUS, -1,
             SIGNER, NULL, 0, ERR_SIGNATURE},
            {"signed without the context", DESA, "tree:" DESA, KIND_STATUS, -1,
             NOCTX, NULL, 0, ERR_SIGNATURE},
        };
        struct buf body = BUF_INIT, out = BUF_INIT;

        (void)state;
        body_default(&body);
        for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
                struct entry_header h;
                struct slice b =
                    cases[i].body ? slice_make(cases[i].body, cases[i].body_len)
                                  : buf_slice(&body);
                struct buf hdr = BUF_INIT;
                uint8_t sig[ENTRY_SIG_BYTES];
                struct envelope env;
                struct entry e;
                int tweak = cases[i].tweak;

                memset(&h, 0, sizeof(h));
                strcpy(h.author_region, cases[i].author);
                h.audience = test_audience(cases[i].audience);
                h.seq = 1;
                h.timestamp_ms = TIMESTAMP_MS;
                h.kind = cases[i].kind;
                h.channel = (uint8_t)(cases[i].channel >= 0
                                          ? cases[i].channel
                                          : kind_channel(cases[i].kind));
                buf_reset(&out);
                if (tweak == BODYLEN || tweak == HASH) {
                        /* Re-seal by hand with a header that lies. */
                        memcpy(h.author, key_a->pk, ENTRY_KEY_BYTES);
                        h.body_len = (uint32_t)b.len + (tweak == BODYLEN);
                        hash_bytes(h.body_hash, b);
                        if (tweak == HASH)
                                hash_bytes(h.body_hash, slice_make("\x80", 1));
                        wire_header_encode(&h, &hdr);
                        struct buf msg = BUF_INIT;
                        buf_adds(&msg, SIG_CONTEXT);
                        buf_add(&msg, hdr.data, hdr.len);
                        crypto_sign_detached(sig, NULL, msg.data, msg.len,
                                             key_a->sk);
                        buf_release(&msg);
                        env.header = buf_slice(&hdr);
                        env.sig = slice_make(sig, sizeof(sig));
                        env.has_body = true;
                        env.body = b;
                        wire_envelope_encode(&env, &out);
                } else {
                        seal(key_a, tweak == SIGNER ? key_b : key_a, &h, b,
                             tweak != NOCTX, &out);
                }
                expect_err(cases[i].name, entry_open(buf_slice(&out), &e),
                           cases[i].want);
                if (cases[i].want)
                        assert_null(e.bytes.ptr); /* nothing half-opened */
                buf_release(&hdr);
        }
        buf_release(&body);
        buf_release(&out);
}

/* ---- tampering with a valid envelope ---------------------------------------
 */

struct span {
        size_t off, len;
};

static struct span
span_of(struct slice part, const struct buf *whole)
{
        struct span s = {(size_t)(part.ptr - whole->data), part.len};
        return s;
}

static bool
in_span(size_t byte, struct span s)
{
        return byte >= s.off && byte < s.off + s.len;
}

/* Flips every bit of env one at a time; each flip must be refused. */
static void
flip_every_bit(const char *name, const struct buf *env)
{
        struct entry e;
        struct span sig, body;
        size_t refused = 0, by_sig = 0, by_hash = 0, other = 0;
        uint8_t *copy = xmalloc(env->len);

        expect_err(name, entry_open(buf_slice(env), &e), 0);
        sig = span_of(e.env.sig, env);
        body = span_of(e.env.body, env);
        for (size_t bit = 0; bit < 8 * env->len; bit++) {
                size_t byte = bit / 8;
                char what[96];
                int err;

                memcpy(copy, env->data, env->len);
                copy[byte] ^= (uint8_t)(1U << (bit % 8));
                snprintf(what, sizeof(what), "%s: bit %zu of byte %zu", name,
                         bit % 8, byte);
                err = entry_open(slice_make(copy, env->len), &e);
                if (err == 0)
                        fail_msg("%s was accepted", what);
                refused++;
                if (in_span(byte, sig)) {
                        expect_err(what, err, ERR_SIGNATURE);
                        by_sig++;
                        /* entry_parse does not verify: it still decodes. */
                        expect_err(what,
                                   entry_parse(slice_make(copy, env->len), &e),
                                   0);
                } else if (in_span(byte, body)) {
                        expect_err(what, err, ERR_BODY_HASH);
                        by_hash++;
                } else {
                        other++;
                }
        }
        assert_int_equal(refused, 8 * env->len);
        assert_int_equal(by_sig, 8 * ENTRY_SIG_BYTES);
        assert_int_equal(by_hash, 8 * body.len);
        print_message("%s: %zu of %zu flipped bits refused (%zu signature, "
                      "%zu body hash, %zu other)\n",
                      name, refused, 8 * env->len, by_sig, by_hash, other);
        free(copy);
}

static void
every_bit_flip_refused(void **state)
{
        struct buf body = BUF_INIT, out = BUF_INIT, pruned = BUF_INIT;
        struct entry_header h =
            header(DESA, "path:" DESA ":36.04", KIND_ASPIRASI);
        struct entry e;

        (void)state;
        body_default(&body);
        h.seq = 7;
        h.has_prev = true;
        memset(h.prev, 0x5c, sizeof(h.prev));
        create_ok(key_a, &h, buf_slice(&body), &out);
        flip_every_bit("aspirasi seq 7", &out);

        /* The same entry with its body pruned. */
        expect_err("open", entry_open(buf_slice(&out), &e), 0);
        e.env.has_body = false;
        wire_envelope_encode(&e.env, &pruned);
        flip_every_bit("pruned aspirasi", &pruned);

        buf_reset(&out);
        h = header(KABUPATEN, "tree:" KABUPATEN, KIND_PERINGATAN);
        create_ok(key_b, &h, buf_slice(&body), &out);
        flip_every_bit("peringatan seq 1", &out);
        buf_release(&body);
        buf_release(&out);
        buf_release(&pruned);
}

static void
specific_tampering(void **state)
{
        struct buf body = BUF_INIT, other = BUF_INIT, out = BUF_INIT;
        struct buf out2 = BUF_INIT, mixed = BUF_INIT;
        struct entry_header h = header(DESA, "tree:" KECAMATAN, KIND_INFORMASI);
        struct entry e, e2;
        struct envelope env;
        uint8_t *copy;

        (void)state;
        body_default(&body);
        create_ok(key_a, &h, buf_slice(&body), &out);
        expect_err("open", entry_open(buf_slice(&out), &e), 0);

        /* One signature bit. */
        copy = xmalloc(out.len);
        memcpy(copy, out.data, out.len);
        copy[e.env.sig.ptr - out.data + 10] ^= 0x04;
        expect_err("signature bit", entry_open(slice_make(copy, out.len), &e2),
                   ERR_SIGNATURE);
        /* One body bit. */
        memcpy(copy, out.data, out.len);
        copy[e.env.body.ptr - out.data + 3] ^= 0x01;
        expect_err("body bit", entry_open(slice_make(copy, out.len), &e2),
                   ERR_BODY_HASH);
        free(copy);

        /* Another body of the same length in this envelope. */
        static const struct body_field f[] = {
            {"judul", "Jalan bagus", 0},
            {"prioritas", NULL, 2},
        };
        wire_body_build(f, ARRAY_LEN(f), &other);
        assert_int_equal(other.len, body.len);
        env = e.env;
        env.body = buf_slice(&other);
        wire_envelope_encode(&env, &mixed);
        expect_err("swapped body", entry_open(buf_slice(&mixed), &e2),
                   ERR_BODY_HASH);

        /* The signature of another entry of the same author. */
        h = header(DESA, "tree:" KECAMATAN, KIND_INFORMASI);
        h.timestamp_ms++;
        create_ok(key_a, &h, buf_slice(&body), &out2);
        expect_err("open 2", entry_open(buf_slice(&out2), &e2), 0);
        env = e.env;
        env.sig = e2.env.sig;
        buf_reset(&mixed);
        wire_envelope_encode(&env, &mixed);
        expect_err("another entry's signature",
                   entry_open(buf_slice(&mixed), &e2), ERR_SIGNATURE);

        /* Truncated anywhere: an error, never a crash. */
        for (size_t n = 0; n < out.len; n++) {
                char what[48];
                copy = xmalloc(n ? n : 1);
                memcpy(copy, out.data, n);
                snprintf(what, sizeof(what), "cut at %zu", n);
                expect_err(what, entry_open(slice_make(copy, n), &e2),
                           ERR_MALFORMED);
                expect_err(what, entry_parse(slice_make(copy, n), &e2),
                           ERR_MALFORMED);
                free(copy);
        }
        /* A trailing byte. */
        buf_reset(&mixed);
        buf_add(&mixed, out.data, out.len);
        buf_addc(&mixed, 0xc0);
        expect_err("trailing byte", entry_open(buf_slice(&mixed), &e2),
                   ERR_MALFORMED);

        buf_release(&body);
        buf_release(&other);
        buf_release(&out);
        buf_release(&out2);
        buf_release(&mixed);
}

/* entry_open_built takes the id it is given (the sync receiver hashed the
 * header it encoded) and checks everything else, the signature first. */
static void
open_built_checks_the_rest(void **state)
{
        struct buf body = BUF_INIT, out = BUF_INIT, bad = BUF_INIT;
        struct entry_header h = header(DESA, "tree:" KECAMATAN, KIND_INFORMASI);
        struct entry e, b;
        uint8_t *copy;

        (void)state;
        body_default(&body);
        create_ok(key_a, &h, buf_slice(&body), &out);
        expect_err("open", entry_open(buf_slice(&out), &e), 0);
        expect_err("built", entry_open_built(buf_slice(&out), e.id, NULL, &b),
                   0);
        assert_memory_equal(b.id, e.id, ENTRY_HASH_BYTES);
        assert_memory_equal(b.feed, e.feed, ENTRY_HASH_BYTES);
        expect_err("built, next of its feed",
                   entry_open_built(buf_slice(&out), e.id, &e, &b), 0);
        assert_memory_equal(b.feed, e.feed, ENTRY_HASH_BYTES);

        /* One signature bit: refused as from entry_open. */
        copy = xmalloc(out.len);
        memcpy(copy, out.data, out.len);
        copy[e.env.sig.ptr - out.data + 10] ^= 0x04;
        expect_err("signature bit",
                   entry_open_built(slice_make(copy, out.len), e.id, NULL, &b),
                   ERR_SIGNATURE);
        free(copy);
        /* Another body, shorter than the header says: refused, although
         * its hash is not computed again. */
        e.env.body.len--;
        wire_envelope_encode(&e.env, &bad);
        expect_err("body length",
                   entry_open_built(buf_slice(&bad), e.id, NULL, &b),
                   ERR_BODY_HASH);
        buf_release(&body);
        buf_release(&out);
        buf_release(&bad);
}

static void
pruned_body_still_opens(void **state)
{
        struct buf body = BUF_INIT, out = BUF_INIT, pruned = BUF_INIT;
        struct entry_header h =
            header(KABUPATEN, "path:" DESA ":36.04", KIND_TANGGAPAN);
        struct entry e, p;
        struct envelope env;

        (void)state;
        body_default(&body);
        create_ok(key_a, &h, buf_slice(&body), &out);
        expect_err("open", entry_open(buf_slice(&out), &e), 0);
        env = e.env;
        env.has_body = false;
        wire_envelope_encode(&env, &pruned);
        assert_true(pruned.len < out.len);
        expect_err("open pruned", entry_open(buf_slice(&pruned), &p), 0);
        assert_false(p.env.has_body);
        assert_int_equal(p.env.body.len, 0);
        /* The same entry: same id, feed and signed body length and hash. */
        assert_memory_equal(p.id, e.id, ENTRY_HASH_BYTES);
        assert_memory_equal(p.feed, e.feed, ENTRY_HASH_BYTES);
        assert_int_equal(p.h.body_len, body.len);
        assert_memory_equal(p.h.body_hash, e.h.body_hash, ENTRY_HASH_BYTES);
        expect_err("parse pruned", entry_parse(buf_slice(&pruned), &p), 0);
        assert_memory_equal(p.id, e.id, ENTRY_HASH_BYTES);
        buf_release(&body);
        buf_release(&out);
        buf_release(&pruned);
}

/* ---- key files -------------------------------------------------------------
 */

static void
write_file(const char *path, const char *text)
{
        FILE *f = fopen(path, "w");

        assert_non_null(f);
        assert_int_equal(fputs(text, f) >= 0, 1);
        assert_int_equal(fclose(f), 0);
}

static void
key_files(void **state)
{
        char dir[TEST_DIR_MAX];
        char path[128], other[128], text[512];
        struct key *k = NULL, *k2 = NULL;
        struct stat st;

        (void)state;
        assert_int_equal(test_dir_make(dir, "entry"), 0);
        snprintf(path, sizeof(path), "%s/node.key", dir);
        snprintf(other, sizeof(other), "%s/other.key", dir);

        expect_err("create", key_create_file(path), 0);
        assert_int_equal(stat(path, &st), 0);
        assert_int_equal(st.st_mode & 07777, 0600);
        expect_err("create again", key_create_file(path), ERR_EXISTS);
        expect_err("create in a missing dir",
                   key_create_file("/nonexistent-simpul/dir/node.key"),
                   -ENOENT);

        expect_err("load", key_load_file(path, &k), 0);
        assert_non_null(k);
        expect_err("load again", key_load_file(path, &k2), 0);
        assert_memory_equal(k->pk, k2->pk, ENTRY_KEY_BYTES);
        key_free(k2);
        k2 = NULL;
        /* The refused overwrite left the key as it was. */
        expect_err("create other", key_create_file(other), 0);
        expect_err("load other", key_load_file(other, &k2), 0);
        assert_memory_not_equal(k->pk, k2->pk, ENTRY_KEY_BYTES);
        key_free(k2);
        k2 = NULL;

        /* A loaded key signs entries that open. */
        struct buf body = BUF_INIT, out = BUF_INIT;
        struct entry_header h = header(DESA, "tree:" DESA, KIND_STATUS);
        struct entry e;
        body_default(&body);
        create_ok(k, &h, buf_slice(&body), &out);
        expect_err("open", entry_open(buf_slice(&out), &e), 0);
        assert_memory_equal(e.h.author, k->pk, ENTRY_KEY_BYTES);
        buf_release(&body);
        buf_release(&out);
        key_free(k);
        k = NULL;

        /* A file written by hand with a known seed gives that seed's key. */
        uint8_t seed[KEY_SEED_BYTES];
        char hex[2 * KEY_SEED_BYTES + 1];
        memset(seed, 0xa1, sizeof(seed));
        hex_encode(hex, seed, sizeof(seed));
        snprintf(text, sizeof(text), "# a comment\nsimpul-key-v1 ed25519 %s\n",
                 hex);
        write_file(other, text);
        expect_err("load hand-written", key_load_file(other, &k), 0);
        assert_memory_equal(k->pk, key_a->pk, ENTRY_KEY_BYTES);
        key_free(k);
        k = NULL;

        static const struct {
                const char *name, *text;
        } garbage[] = {
            {"empty", ""},
            {"text", "hello, world\n"},
            {"no tag", "# simpul node key\n"},
            {"tag without seed", "simpul-key-v1 ed25519 \n"},
            {"short seed", "simpul-key-v1 ed25519 a1a1a1a1\n"},
            {"non-hex seed", "simpul-key-v1 ed25519 "
                             "zz11111111111111111111111111111111111111111"
                             "111111111111111111111\n"},
            {"tag not at a line start",
             "x simpul-key-v1 ed25519 "
             "1111111111111111111111111111111111111111111111111111111111"
             "111111\n"},
            {"other key type",
             "simpul-key-v1 x25519 "
             "1111111111111111111111111111111111111111111111111111111111"
             "111111\n"},
        };
        for (size_t i = 0; i < ARRAY_LEN(garbage); i++) {
                write_file(other, garbage[i].text);
                k = (struct key *)1;
                expect_err(garbage[i].name, key_load_file(other, &k), ERR_KEY);
                assert_null(k);
        }
        /* Binary junk. */
        int fd = open(other, O_WRONLY | O_TRUNC);
        uint8_t junk[700];
        assert_true(fd >= 0);
        for (size_t i = 0; i < sizeof(junk); i++)
                junk[i] = (uint8_t)(i * 37 + 11);
        assert_int_equal(write(fd, junk, sizeof(junk)), sizeof(junk));
        close(fd);
        expect_err("binary junk", key_load_file(other, &k), ERR_KEY);
        assert_null(k);
        expect_err("missing file", key_load_file("/nonexistent-simpul", &k),
                   -ENOENT);

        assert_int_equal(unlink(path), 0);
        assert_int_equal(unlink(other), 0);
        assert_int_equal(rmdir(dir), 0);
}

/* ---- kinds -----------------------------------------------------------------
 */

static void
kind_table(void **state)
{
        static const struct {
                const char *name;
                uint32_t kind;
                int channel;
        } rows[] = {
            {"informasi", 1, 2},
            {"peringatan", 2, 1},
            {"aspirasi", 3, 2},
            {"pengaduan", 4, 2},
            {"permintaan_informasi", 5, 2},
            {"tanggapan", 6, 2},
            {"status", 7, 2},
            {"revisi", 8, 2},
            {"revisi_keputusan", 9, 2},
            {"lampiran", 16, 3},
            {"sertifikat", 32, 0},
            {"pencabutan", 33, 0},
        };

        (void)state;
        for (size_t i = 0; i < ARRAY_LEN(rows); i++) {
                uint32_t k = 0;
                expect_err(rows[i].name, kind_parse(rows[i].name, &k), 0);
                assert_int_equal(k, rows[i].kind);
                assert_string_equal(kind_name(rows[i].kind), rows[i].name);
                assert_int_equal(kind_channel(rows[i].kind), rows[i].channel);
                assert_true(strlen(rows[i].name) <= KIND_NAME_MAX);
                assert_true(rows[i].channel < (int)CHANNEL_COUNT);
        }
        static const char *const bad_names[] = {
            "", "Informasi", "informasi ", "info", "lampiran\n", "0", "1",
        };
        for (size_t i = 0; i < ARRAY_LEN(bad_names); i++) {
                uint32_t k = 12345;
                expect_err(bad_names[i], kind_parse(bad_names[i], &k),
                           ERR_KIND);
                assert_int_equal(k, 12345);
        }
        static const uint32_t bad_kinds[] = {0, 10, 15, 17, 31, 34, UINT32_MAX};
        for (size_t i = 0; i < ARRAY_LEN(bad_kinds); i++) {
                assert_null(kind_name(bad_kinds[i]));
                assert_int_equal(kind_channel(bad_kinds[i]), -1);
        }
}

struct seen {
        uint32_t kinds[64];
        size_t n;
};

static void
see(void *ctx, uint32_t kind, const char *name)
{
        struct seen *s = ctx;

        assert_string_equal(kind_name(kind), name);
        assert_true(s->n < ARRAY_LEN(s->kinds));
        s->kinds[s->n++] = kind;
}

static void
kind_each_visits_every_kind_once(void **state)
{
        struct seen s = {{0}, 0};

        (void)state;
        kind_each(see, &s);
        assert_int_equal(s.n, 12);
        for (size_t i = 0; i < s.n; i++)
                for (size_t j = i + 1; j < s.n; j++)
                        assert_int_not_equal(s.kinds[i], s.kinds[j]);
}

/* ---- the fuzz seed corpus must be valid entries -----------------------------
 */

#define CORPUS_DIR SIMPUL_TEST_DATA "/../fuzz/corpus/entry"

static void
fuzz_seeds_open(void **state)
{
        DIR *d = opendir(CORPUS_DIR);
        struct dirent *de;
        size_t n = 0;

        (void)state;
        if (!d)
                fail_msg("cannot open %s", CORPUS_DIR);
        while ((de = readdir(d))) {
                char path[512];
                uint8_t data[ENTRY_MAX + 1];
                struct entry e;
                ssize_t len;
                int fd;

                if (de->d_name[0] == '.')
                        continue;
                snprintf(path, sizeof(path), "%s/%s", CORPUS_DIR, de->d_name);
                fd = open(path, O_RDONLY);
                assert_true(fd >= 0);
                len = read(fd, data, sizeof(data));
                close(fd);
                assert_true(len > 0 && len <= (ssize_t)ENTRY_MAX);
                expect_err(de->d_name,
                           entry_open(slice_make(data, (size_t)len), &e), 0);
                n++;
        }
        closedir(d);
        assert_true(n >= 3);
}

int
main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(create_open_round_trip),
            cmocka_unit_test(open_next_feed_ids),
            cmocka_unit_test(create_refusals),
            cmocka_unit_test(body_size_limits),
            cmocka_unit_test(sealed_rule_breakers_refused),
            cmocka_unit_test(every_bit_flip_refused),
            cmocka_unit_test(specific_tampering),
            cmocka_unit_test(open_built_checks_the_rest),
            cmocka_unit_test(pruned_body_still_opens),
            cmocka_unit_test(key_files),
            cmocka_unit_test(kind_table),
            cmocka_unit_test(kind_each_visits_every_kind_once),
            cmocka_unit_test(fuzz_seeds_open),
        };
        return cmocka_run_group_tests(tests, setup, teardown);
}
