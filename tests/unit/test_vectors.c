/*
 * test_vectors: the golden entry vectors of proto/vectors/entries.json.
 * Every case is rebuilt from its seed and fields and must give the same
 * envelope byte for byte; the ids and hashes must match; entry_open() must
 * accept the stored envelope (pruned ones too); chains must link up.
 * And the sealed values of proto/vectors/seals.json (KIM.md §4): rebuilt
 * byte for byte from fixed keys and nonces, opened by each recipient at
 * the place its report's envelope gives, and not opened anywhere else.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "../../src/entry/entry.h"

#define VECTORS SIMPUL_PROTO_DIR "/vectors/entries.json"
#define SEALS SIMPUL_PROTO_DIR "/vectors/seals.json"

static json_t *vectors, *seals;

static const char *
field_str(json_t *c, const char *key)
{
        const char *s = json_string_value(json_object_get(c, key));

        if (!s)
                fail_msg("field %s missing or not a string", key);
        return s;
}

static json_int_t
field_int(json_t *c, const char *key)
{
        json_t *v = json_object_get(c, key);

        if (!json_is_integer(v))
                fail_msg("field %s missing or not an integer", key);
        return json_integer_value(v);
}

/* Decodes a hex field into out (replacing its contents). */
static void
field_hex(json_t *c, const char *key, struct buf *out)
{
        const char *s = field_str(c, key);
        size_t n = strlen(s);

        assert_int_equal(n % 2, 0);
        buf_reset(out);
        buf_grow(out, n / 2);
        assert_int_equal(hex_decode(out->data, n / 2, s, n), 0);
        out->len = n / 2;
}

/* Checks that bytes, as hex, equal the string field `key`. */
static void
expect_hex(json_t *c, const char *key, const uint8_t *p, size_t n)
{
        char *text = xmalloc(2 * n + 1);

        hex_encode(text, p, n);
        assert_string_equal(text, field_str(c, key));
        free(text);
}

static int
setup(void **state)
{
        json_error_t jerr;

        (void)state;
        if (entry_lib_init())
                return -1;
        vectors = json_load_file(VECTORS, 0, &jerr);
        if (!vectors) {
                print_error("%s:%d: %s\n", VECTORS, jerr.line, jerr.text);
                return -1;
        }
        seals = json_load_file(SEALS, 0, &jerr);
        if (!seals) {
                print_error("%s:%d: %s\n", SEALS, jerr.line, jerr.text);
                return -1;
        }
        return json_is_array(vectors) && json_is_array(seals) ? 0 : -1;
}

static int
teardown(void **state)
{
        (void)state;
        json_decref(vectors);
        json_decref(seals);
        return 0;
}

static void
vectors_cover_the_cases(void **state)
{
        bool pruned = false, chained = false, path = false, urgent = false;
        size_t i;
        json_t *c;

        (void)state;
        assert_true(json_array_size(vectors) >= 6);
        for (i = 0; (c = json_array_get(vectors, i)); i++) {
                pruned |= json_is_true(json_object_get(c, "pruned"));
                chained |= field_int(c, "seq") > 1;
                path |= !strncmp(field_str(c, "audience"), "path:", 5);
                urgent |= field_int(c, "channel") == 1;
        }
        assert_true(pruned && chained && path && urgent);
}

/* Rebuilds one case from its inputs; returns the envelope it should have. */
static void
rebuild(json_t *c, struct buf *out)
{
        struct buf seed = BUF_INIT, prev = BUF_INIT, body = BUF_INIT;
        const char *region = field_str(c, "author_region");
        struct entry_header h;
        struct envelope pe;
        struct entry e;
        struct key *k;

        field_hex(c, "seed_hex", &seed);
        assert_int_equal(seed.len, KEY_SEED_BYTES);
        k = key_from_seed(seed.data);
        expect_hex(c, "public_key_hex", k->pk, ENTRY_KEY_BYTES);

        memset(&h, 0, sizeof(h));
        assert_int_equal(region_copy(h.author_region, region, strlen(region)),
                         0);
        assert_int_equal(audience_parse(&h.audience, field_str(c, "audience")),
                         0);
        assert_int_equal(kind_parse(field_str(c, "kind_name"), &h.kind), 0);
        assert_int_equal(h.kind, field_int(c, "kind"));
        h.seq = (uint64_t)field_int(c, "seq");
        h.has_prev = !json_is_null(json_object_get(c, "prev_hex"));
        if (h.has_prev) {
                field_hex(c, "prev_hex", &prev);
                assert_int_equal(prev.len, ENTRY_HASH_BYTES);
                memcpy(h.prev, prev.data, ENTRY_HASH_BYTES);
        }
        h.timestamp_ms = (uint64_t)field_int(c, "timestamp_ms");
        field_hex(c, "body_hex", &body);

        buf_reset(out);
        assert_int_equal(entry_create(k, &h, buf_slice(&body), out), 0);
        assert_int_equal(h.channel, field_int(c, "channel"));
        if (json_is_true(json_object_get(c, "pruned"))) {
                assert_int_equal(entry_open(buf_slice(out), &e), 0);
                pe = e.env;
                pe.has_body = false;
                pe.body = slice_make(NULL, 0);
                buf_reset(&body);
                wire_envelope_encode(&pe, &body);
                buf_reset(out);
                buf_add(out, body.data, body.len);
        }
        key_free(k);
        buf_release(&seed);
        buf_release(&prev);
        buf_release(&body);
}

static void
envelopes_rebuild_byte_for_byte(void **state)
{
        struct buf built = BUF_INIT;
        size_t i;
        json_t *c;

        (void)state;
        for (i = 0; (c = json_array_get(vectors, i)); i++) {
                print_message("case %s\n", field_str(c, "name"));
                rebuild(c, &built);
                expect_hex(c, "envelope_hex", built.data, built.len);
        }
        buf_release(&built);
}

static void
ids_and_hashes_match(void **state)
{
        struct buf env = BUF_INIT, body = BUF_INIT;
        uint8_t hash[ENTRY_HASH_BYTES];
        struct audience a;
        struct entry e;
        size_t i;
        json_t *c;

        (void)state;
        for (i = 0; (c = json_array_get(vectors, i)); i++) {
                print_message("case %s\n", field_str(c, "name"));
                field_hex(c, "envelope_hex", &env);
                field_hex(c, "body_hex", &body);
                hash_bytes(hash, buf_slice(&body));
                expect_hex(c, "body_hash_hex", hash, sizeof(hash));

                assert_int_equal(entry_open(buf_slice(&env), &e), 0);
                assert_int_equal(e.env.has_body,
                                 !json_is_true(json_object_get(c, "pruned")));
                if (e.env.has_body)
                        expect_hex(c, "body_hex", e.env.body.ptr,
                                   e.env.body.len);
                expect_hex(c, "header_hex", e.env.header.ptr, e.env.header.len);
                expect_hex(c, "signature_hex", e.env.sig.ptr, e.env.sig.len);
                expect_hex(c, "body_hash_hex", e.h.body_hash, ENTRY_HASH_BYTES);
                expect_hex(c, "public_key_hex", e.h.author, ENTRY_KEY_BYTES);
                assert_int_equal(e.h.body_len, body.len);

                hash_bytes(hash, e.env.header);
                expect_hex(c, "entry_id_hex", hash, sizeof(hash));
                expect_hex(c, "entry_id_hex", e.id, ENTRY_HASH_BYTES);

                assert_int_equal(audience_parse(&a, field_str(c, "audience")),
                                 0);
                feed_id_compute(hash, e.h.author, field_str(c, "author_region"),
                                &a, (uint8_t)field_int(c, "channel"));
                expect_hex(c, "feed_id_hex", hash, sizeof(hash));
                expect_hex(c, "feed_id_hex", e.feed, ENTRY_HASH_BYTES);
        }
        buf_release(&env);
        buf_release(&body);
}

/* Every prev_hex is the entry id of the same feed's entry at seq - 1. */
static void
chains_link_up(void **state)
{
        size_t i, j;
        json_t *c, *d;

        (void)state;
        for (i = 0; (c = json_array_get(vectors, i)); i++) {
                bool found = false;

                if (json_is_null(json_object_get(c, "prev_hex")))
                        continue;
                for (j = 0; (d = json_array_get(vectors, j)); j++) {
                        if (strcmp(field_str(c, "feed_id_hex"),
                                   field_str(d, "feed_id_hex")) ||
                            field_int(d, "seq") != field_int(c, "seq") - 1)
                                continue;
                        assert_string_equal(field_str(c, "prev_hex"),
                                            field_str(d, "entry_id_hex"));
                        found = true;
                }
                assert_true(found);
        }
}

/* The vectors are signed: any changed signature byte must be refused. */
static void
tampered_signature_refused(void **state)
{
        struct buf env = BUF_INIT;
        struct entry e;
        size_t i;
        json_t *c;

        (void)state;
        for (i = 0; (c = json_array_get(vectors, i)); i++) {
                field_hex(c, "envelope_hex", &env);
                assert_int_equal(entry_open(buf_slice(&env), &e), 0);
                /* e.env.sig points into env: flip one bit of S. */
                env.data[e.env.sig.ptr - env.data + 40] ^= 0x01;
                assert_int_equal(entry_open(buf_slice(&env), &e),
                                 ERR_SIGNATURE);
        }
        buf_release(&env);
}

/* ---- sealed values: proto/vectors/seals.json (KIM.md §4) ---------------- */

static const char *
seal_field(json_t *v)
{
        const char *f = field_str(v, "field");

        if (strcmp(f, SEAL_FIELD_REPORTER) && strcmp(f, SEAL_FIELD_SEALED))
                fail_msg("field %s is not a sealed field", f);
        return f;
}

/* The place of case c's seals, from its inputs. */
static void
seal_place(json_t *c, struct seal_ctx *at)
{
        struct buf seed = BUF_INIT;
        struct audience a;
        struct key *k;

        field_hex(c, "seed_hex", &seed);
        k = key_from_seed(seed.data);
        expect_hex(c, "public_key_hex", k->pk, ENTRY_KEY_BYTES);
        memcpy(at->author, k->pk, ENTRY_KEY_BYTES);
        assert_int_equal(audience_parse(&a, field_str(c, "audience")), 0);
        feed_id_compute(at->feed, k->pk, field_str(c, "author_region"), &a,
                        (uint8_t)field_int(c, "channel"));
        expect_hex(c, "feed_id_hex", at->feed, ENTRY_HASH_BYTES);
        at->seq = (uint64_t)field_int(c, "seq");
        key_free(k);
        buf_release(&seed);
}

/* Recipient i of seal v: its key (owned), to and ephemeral secret. */
static struct key *
seal_recipient(json_t *v, size_t i, uint8_t *to, uint8_t *eph)
{
        json_t *r = json_array_get(json_object_get(v, "recipients"), i);
        struct buf b = BUF_INIT;
        struct key *k;

        assert_non_null(r);
        field_hex(r, "seed_hex", &b);
        k = key_from_seed(b.data);
        expect_hex(r, "public_key_hex", k->pk, ENTRY_KEY_BYTES);
        memcpy(to + i * ENTRY_KEY_BYTES, k->pk, ENTRY_KEY_BYTES);
        field_hex(r, "ephemeral_secret_hex", &b);
        assert_int_equal(b.len, 32);
        memcpy(eph + i * 32, b.data, 32);
        buf_release(&b);
        return k;
}

/* Rebuilds seal v at `at` from its inputs into s; keys[] get its
 * recipients (owned). */
static size_t
seal_rebuild(json_t *v, const struct seal_ctx *at, struct seal *s,
             struct key *keys[KIM_SEAL_TO_MAX])
{
        size_t n = json_array_size(json_object_get(v, "recipients"));
        uint8_t to[KIM_SEAL_TO_MAX * ENTRY_KEY_BYTES],
            eph[KIM_SEAL_TO_MAX * 32];
        uint8_t ad[SEAL_AD_MAX];
        struct buf ck = BUF_INIT, nonce = BUF_INIT, plain = BUF_INIT;
        struct kim_sealed view;

        assert_in_range(n, 1, KIM_SEAL_TO_MAX);
        for (size_t i = 0; i < n; i++)
                keys[i] = seal_recipient(v, i, to, eph);
        field_hex(v, "content_key_hex", &ck);
        field_hex(v, "nonce_hex", &nonce);
        field_hex(v, "plaintext_hex", &plain);
        assert_int_equal(ck.len, SEAL_CONTENT_KEY_BYTES);
        assert_int_equal(nonce.len, KIM_SEAL_NONCE_BYTES);
        assert_int_equal(seal_make_fixed(s, to, n, at, seal_field(v),
                                         buf_slice(&plain), ck.data, nonce.data,
                                         eph),
                         0);
        seal_view(s, &view);
        expect_hex(v, "ad_hex", ad, seal_ad(at, seal_field(v), &view, ad));
        expect_hex(v, "ct_hex", s->ct.data, s->ct.len);
        for (size_t i = 0; i < n; i++)
                expect_hex(json_array_get(json_object_get(v, "recipients"), i),
                           "box_hex", s->keys[i], KIM_SEAL_BOX_BYTES);
        buf_release(&ck);
        buf_release(&nonce);
        buf_release(&plain);
        return n;
}

/* Are the sealed values a and b the same bytes? */
static bool
sealed_eq(const struct kim_sealed *a, const struct kim_sealed *b)
{
        if (a->version != b->version || a->n != b->n ||
            memcmp(a->nonce, b->nonce, KIM_SEAL_NONCE_BYTES) ||
            !slice_eq(a->ct, b->ct))
                return false;
        for (size_t i = 0; i < a->n; i++)
                if (memcmp(a->to[i], b->to[i], ENTRY_KEY_BYTES) ||
                    memcmp(a->keys[i], b->keys[i], KIM_SEAL_BOX_BYTES))
                        return false;
        return true;
}

static void
seals_cover_the_cases(void **state)
{
        bool reporter = false, content = false, many = false, later = false;
        json_t *c, *v;

        (void)state;
        assert_true(json_array_size(seals) >= 2);
        for (size_t i = 0; (c = json_array_get(seals, i)); i++) {
                later |= field_int(c, "seq") > 1;
                for (size_t j = 0;
                     (v = json_array_get(json_object_get(c, "seals"), j));
                     j++) {
                        reporter |= !strcmp(seal_field(v), "reporter");
                        content |= !strcmp(seal_field(v), "sealed");
                        many |= json_array_size(
                                    json_object_get(v, "recipients")) > 1;
                }
        }
        assert_true(reporter && content && many && later);
}

/*
 * Every seal rebuilt byte for byte from its inputs (content key, nonce,
 * ephemeral keys, and its place from the report's header fields); the
 * body carries exactly those seals; the report's envelope rebuilt.
 */
static void
seals_rebuild_byte_for_byte(void **state)
{
        struct buf env = BUF_INIT, built = BUF_INIT;
        struct key *keys[KIM_SEAL_TO_MAX];
        struct seal_ctx at;
        struct kim_body b;
        struct entry e;
        json_t *c, *v;

        (void)state;
        for (size_t i = 0; (c = json_array_get(seals, i)); i++) {
                print_message("case %s\n", field_str(c, "name"));
                seal_place(c, &at);
                rebuild(c, &built);
                expect_hex(c, "envelope_hex", built.data, built.len);
                field_hex(c, "envelope_hex", &env);
                assert_int_equal(entry_open(buf_slice(&env), &e), 0);
                expect_hex(c, "entry_id_hex", e.id, ENTRY_HASH_BYTES);
                assert_int_equal(wire_kim_decode(e.h.kind, e.env.body, &b), 0);
                for (size_t j = 0;
                     (v = json_array_get(json_object_get(c, "seals"), j));
                     j++) {
                        struct seal s;
                        struct kim_sealed mine;
                        size_t n = seal_rebuild(v, &at, &s, keys);
                        seal_view(&s, &mine);
                        assert_true(
                            sealed_eq(&mine, !strcmp(seal_field(v), "sealed")
                                                 ? &b.sealed
                                                 : &b.reporter));
                        seal_release(&s);
                        for (size_t k = 0; k < n; k++)
                                key_free(keys[k]);
                }
        }
        buf_release(&env);
        buf_release(&built);
}

/* Opens v (as held in body b) at `at` with keys[0..n): want each. */
static void
opens(const struct kim_sealed *v, const struct seal_ctx *at, const char *field,
      struct key **keys, size_t n, int want, struct slice plain)
{
        struct buf out = BUF_INIT;

        for (size_t i = 0; i < n; i++) {
                assert_int_equal(seal_open(keys[i], v, at, field, &out), want);
                if (!want)
                        assert_true(slice_eq(buf_slice(&out), plain));
        }
        buf_release(&out);
}

/*
 * Each recipient opens each seal at the place read from the envelope
 * (seal_ctx_of); moved anywhere else, or with its recipient list
 * changed, or read as version 1, it does not open (KIM-SEALED).
 */
static void
seals_open_only_in_place(void **state)
{
        struct buf env = BUF_INIT, plain = BUF_INIT;
        uint8_t to[KIM_SEAL_TO_MAX * ENTRY_KEY_BYTES],
            eph[KIM_SEAL_TO_MAX * 32];
        struct key *keys[KIM_SEAL_TO_MAX];
        struct seal_ctx at, moved;
        struct kim_body b;
        struct entry e;
        json_t *c, *v;

        (void)state;
        for (size_t i = 0; (c = json_array_get(seals, i)); i++) {
                field_hex(c, "envelope_hex", &env);
                assert_int_equal(entry_open(buf_slice(&env), &e), 0);
                assert_int_equal(wire_kim_decode(e.h.kind, e.env.body, &b), 0);
                seal_ctx_of(&e, &at);
                for (size_t j = 0;
                     (v = json_array_get(json_object_get(c, "seals"), j));
                     j++) {
                        const char *f = seal_field(v);
                        const char *other =
                            strcmp(f, "sealed") ? "sealed" : "reporter";
                        struct kim_sealed t, *held = strcmp(f, "sealed")
                                                         ? &b.reporter
                                                         : &b.sealed;
                        size_t n =
                            json_array_size(json_object_get(v, "recipients"));
                        for (size_t k = 0; k < n; k++)
                                keys[k] = seal_recipient(v, k, to, eph);
                        field_hex(v, "plaintext_hex", &plain);
                        opens(held, &at, f, keys, n, 0, buf_slice(&plain));
                        moved = at;
                        moved.seq++;
                        opens(held, &moved, f, keys, n, ERR_KIM_SEALED,
                              buf_slice(&plain));
                        moved.seq -= 2;
                        opens(held, &moved, f, keys, n, ERR_KIM_SEALED,
                              buf_slice(&plain));
                        moved = at;
                        moved.feed[0] ^= 1;
                        opens(held, &moved, f, keys, n, ERR_KIM_SEALED,
                              buf_slice(&plain));
                        moved = at;
                        memcpy(moved.author, keys[0]->pk, ENTRY_KEY_BYTES);
                        opens(held, &moved, f, keys, n, ERR_KIM_SEALED,
                              buf_slice(&plain));
                        opens(held, &at, other, keys, n, ERR_KIM_SEALED,
                              buf_slice(&plain));
                        t = *held;
                        t.version = 1;
                        opens(&t, &at, f, keys, n, ERR_KIM_SEALED,
                              buf_slice(&plain));
                        if (n > 1) {
                                t = *held;
                                t.n--;
                                opens(&t, &at, f, keys, n - 1, ERR_KIM_SEALED,
                                      buf_slice(&plain));
                                t = *held;
                                t.to[0] = held->to[1];
                                t.keys[0] = held->keys[1];
                                t.to[1] = held->to[0];
                                t.keys[1] = held->keys[0];
                                opens(&t, &at, f, keys, 2, ERR_KIM_SEALED,
                                      buf_slice(&plain));
                        }
                        for (size_t k = 0; k < n; k++)
                                key_free(keys[k]);
                }
        }
        buf_release(&env);
        buf_release(&plain);
}

int
main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(vectors_cover_the_cases),
            cmocka_unit_test(envelopes_rebuild_byte_for_byte),
            cmocka_unit_test(ids_and_hashes_match),
            cmocka_unit_test(chains_link_up),
            cmocka_unit_test(tampered_signature_refused),
            cmocka_unit_test(seals_cover_the_cases),
            cmocka_unit_test(seals_rebuild_byte_for_byte),
            cmocka_unit_test(seals_open_only_in_place),
        };
        return cmocka_run_group_tests(tests, setup, teardown);
}
