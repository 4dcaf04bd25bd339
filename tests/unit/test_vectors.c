/*
 * test_vectors: the golden entry vectors of proto/vectors/entries.json.
 * Every case is rebuilt from its seed and fields and must give the same
 * envelope byte for byte; the ids and hashes must match; entry_open() must
 * accept the stored envelope (pruned ones too); chains must link up.
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

static json_t *vectors;

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
        return json_is_array(vectors) ? 0 : -1;
}

static int
teardown(void **state)
{
        (void)state;
        json_decref(vectors);
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

int
main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(vectors_cover_the_cases),
            cmocka_unit_test(envelopes_rebuild_byte_for_byte),
            cmocka_unit_test(ids_and_hashes_match),
            cmocka_unit_test(chains_link_up),
            cmocka_unit_test(tampered_signature_refused),
        };
        return cmocka_run_group_tests(tests, setup, teardown);
}
