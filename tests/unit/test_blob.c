/*
 * test_blob: the attachment format (proto/BLOBS.md §1) against vectors
 * computed apart from libsodium (Python's hashlib.blake2b with person=),
 * the checks of lists and chunks, and the blob store (blobstore.h) on a
 * real LMDB store: references, chunks held, whole, collection.
 */
#include "testlib.h"

#include "../../src/blob/blob.h"
#include "../../src/store/store.h"
#include "../../src/wire/wire.h"

/* i mod 251, n bytes: the vectors' rule. */
static uint8_t *
pattern(size_t n)
{
        uint8_t *p = xmalloc(n);

        for (size_t i = 0; i < n; i++)
                p[i] = (uint8_t)(i % 251);
        return p;
}

static void
expect_hex(const char *name, const uint8_t *got, const char *want)
{
        char hex[65];

        hex_encode(hex, got, 32);
        if (strcmp(hex, want))
                fail_msg("%s: got %s, want %s", name, hex, want);
}

static void
vectors(void **state)
{
        static const struct {
                size_t size;
                const char *chunk[3];
                const char *root;
        } v[] = {
            {1,
             {"e0ac87334d2d7c9feeef739392a9c1d784eed0ac435faf9a0bcd23ee463f600"
              "7"},
             "6324a24ebde1add3ea47797551fc50393fbfaca9af7af18bf3c42cb55bb64a6"
             "8"},
            {16384,
             {"98d54661589d33503846563532009a5d9d49ed9dc77011e8ececcf735b60c83"
              "1"},
             "26a5882d575f9086a9b56359b6fb327a6d12c129fe448f0a53a4f66a821f3eb"
             "2"},
            {40000,
             {"98d54661589d33503846563532009a5d9d49ed9dc77011e8ececcf735b60c83"
              "1",
              "319e557582d423be83effc22844fbd1e6aa9827451dc9dd9082e835f61401df"
              "8",
              "accb6fac92247fdd29e13fb1aef3758673780eac2257ee9c82754c51592f438"
              "a"},
             "7a13b9736e9278adbce3914ac84129761af5d50fdba5f29fca4c75d1b0b93a0"
             "a"},
        };

        (void)state;
        for (size_t k = 0; k < ARRAY_LEN(v); k++) {
                uint8_t *data = pattern(v[k].size), root[32];
                struct buf list = BUF_INIT;
                uint32_t n = blob_chunks(v[k].size);

                assert_int_equal(
                    blob_make(slice_make(data, v[k].size), &list, root), 0);
                assert_int_equal(list.len, (size_t)n * 32U);
                for (uint32_t i = 0; i < n; i++)
                        expect_hex("chunk hash", list.data + 32U * i,
                                   v[k].chunk[i]);
                expect_hex("root", root, v[k].root);
                expect_err("list",
                           blob_list_check(root, v[k].size, buf_slice(&list)),
                           0);
                for (uint32_t i = 0; i < n; i++)
                        expect_err(
                            "chunk",
                            blob_chunk_check(
                                buf_slice(&list), v[k].size, i,
                                slice_make(data + 16384U * i,
                                           blob_chunk_len(v[k].size, i))),
                            0);
                buf_release(&list);
                free(data);
        }
}

static void
chunk_counts(void **state)
{
        (void)state;
        assert_int_equal(blob_chunks(0), 0);
        assert_int_equal(blob_chunks(1), 1);
        assert_int_equal(blob_chunks(16384), 1);
        assert_int_equal(blob_chunks(16385), 2);
        assert_int_equal(blob_chunks(BLOB_MAX_BYTES), 1024);
        assert_int_equal(blob_chunks(BLOB_MAX_BYTES + 1ULL), 0);
        assert_int_equal(blob_chunk_len(16385, 0), 16384);
        assert_int_equal(blob_chunk_len(16385, 1), 1);
        assert_int_equal(blob_chunk_len(16385, 2), 0);
}

/* Whatever is changed, the list or the chunk no longer checks. */
static void
forgeries_refused(void **state)
{
        uint8_t *data = pattern(40000), root[32];
        struct buf list = BUF_INIT;

        (void)state;
        assert_int_equal(blob_make(slice_make(data, 40000), &list, root), 0);
        expect_err("other size", blob_list_check(root, 39999, buf_slice(&list)),
                   ERR_BLOB_BAD_LIST);
        expect_err(
            "short list",
            blob_list_check(root, 40000, slice_make(list.data, list.len - 32)),
            ERR_BLOB_BAD_LIST);
        list.data[40] ^= 1;
        expect_err("changed list",
                   blob_list_check(root, 40000, buf_slice(&list)),
                   ERR_BLOB_BAD_LIST);
        list.data[40] ^= 1;
        data[16384 + 7] ^= 0x80;
        expect_err("changed chunk",
                   blob_chunk_check(buf_slice(&list), 40000, 1,
                                    slice_make(data + 16384, 16384)),
                   ERR_BLOB_BAD_CHUNK);
        expect_err("chunk in another place",
                   blob_chunk_check(buf_slice(&list), 40000, 1,
                                    slice_make(data, 16384)),
                   ERR_BLOB_BAD_CHUNK);
        expect_err("short chunk",
                   blob_chunk_check(buf_slice(&list), 40000, 2,
                                    slice_make(data + 32768, 100)),
                   ERR_BLOB_BAD_CHUNK);
        expect_err(
            "no such chunk",
            blob_chunk_check(buf_slice(&list), 40000, 3, slice_make(data, 1)),
            ERR_BLOB_BAD_CHUNK);
        expect_err(
            "too big",
            blob_make(slice_make(data, BLOB_MAX_BYTES + 1ULL), &list, root),
            ERR_BLOB_TOO_BIG);
        buf_release(&list);
        free(data);
}

/* ---- attachments in item bodies (BLOBS.md §2) ------------------------------
 */

static struct kim_body
news(size_t n_attach)
{
        struct kim_body b;

        memset(&b, 0, sizeof(b));
        b.kind = KIND_INFORMASI;
        b.has_title = b.has_text = true;
        b.title = slice_cstr("Jalan desa rusak");
        b.text = slice_cstr("Foto terlampir.");
        for (size_t i = 0; i < n_attach; i++) {
                struct kim_attachment *a = &b.attach[i];
                memset(a->root, (int)i + 1, sizeof(a->root));
                a->size = 2000000;
                a->type = slice_cstr("image/jpeg");
                a->name = slice_cstr("jalan.jpg");
                a->thumb = slice_cstr("\xff\xd8 thumb");
        }
        b.n_attach = n_attach;
        return b;
}

/* Encodes b and decodes the result: the decoder's verdict. */
static int
roundtrip(const struct kim_body *b, struct kim_body *out, struct buf *enc)
{
        buf_reset(enc);
        wire_kim_encode(b, enc);
        return wire_kim_decode(b->kind, buf_slice(enc), out);
}

/* The first attachment map of enc (of a body with one), and where the
 * array's header is. */
static struct slice
first_map(const struct buf *enc, size_t *head)
{
        static const char key[] = "\xab"
                                  "attachments";
        size_t i = 0;

        while (i + sizeof(key) - 1 < enc->len &&
               memcmp(enc->data + i, key, sizeof(key) - 1))
                i++;
        assert_true(i + sizeof(key) - 1 < enc->len);
        *head = i + sizeof(key) - 1;
        return slice_make(enc->data + *head + 1, 0);
}

/* KIM_ATTACH_MAX + 1 maps: the encoder cannot write them, so a map is
 * spliced into an encoded body of KIM_ATTACH_MAX. */
static void
too_many_attachments(void)
{
        struct buf one = BUF_INIT, none = BUF_INIT, max = BUF_INIT;
        struct kim_body b = news(1), got;
        size_t h1, hm, len;
        struct slice m;

        memset(b.attach[0].root, 0x77, 32);
        wire_kim_encode(&b, &one);
        b = news(0);
        wire_kim_encode(&b, &none);
        b = news(KIM_ATTACH_MAX);
        wire_kim_encode(&b, &max);
        m = first_map(&one, &h1);
        /* the key, its array header and the map are what one adds */
        len = one.len - none.len - 13;
        first_map(&max, &hm);
        assert_int_equal(max.data[hm], 0x90 | KIM_ATTACH_MAX);
        max.data[hm]++;
        {
                struct buf six = BUF_INIT;
                buf_add(&six, max.data, hm + 1);
                buf_add(&six, m.ptr, len);
                buf_add(&six, max.data + hm + 1, max.len - hm - 1);
                expect_err(
                    "six attachments",
                    wire_kim_decode(KIND_INFORMASI, buf_slice(&six), &got),
                    ERR_KIM_BODY);
                /* and the splice itself is sound: back to five */
                six.data[hm]--;
                memmove(six.data + hm + 1, six.data + hm + 1 + len,
                        six.len - hm - 1 - len);
                six.len -= len;
                expect_err(
                    "five again",
                    wire_kim_decode(KIND_INFORMASI, buf_slice(&six), &got), 0);
                buf_release(&six);
        }
        buf_release(&one);
        buf_release(&none);
        buf_release(&max);
}

/*
 * BLOBS.md §2: five attachments of the largest each field allows (an
 * 8 KiB thumbnail, a 100-byte type, a 200-byte name) take under 43 KiB,
 * which leaves a body of 60 KiB (ENTRY_BODY_MAX) room for a title of 200
 * and a text of 16,000 bytes beside them.
 */
static void
largest_attachments(void)
{
        static uint8_t thumb[KIM_THUMB_MAX];
        char type[KIM_ATTACH_TYPE_MAX + 1], name[KIM_ATTACH_NAME_MAX + 1];
        char title[KIM_TITLE_MAX + 1];
        static char text[KIM_TEXT_MAX + 1];
        struct buf enc = BUF_INIT, bare = BUF_INIT;
        struct kim_body b = news(KIM_ATTACH_MAX), got;

        memset(thumb, 0xab, sizeof(thumb));
        memcpy(type, "image/", 6);
        memset(type + 6, 'x', sizeof(type) - 7);
        type[sizeof(type) - 1] = 0;
        memset(name, 'n', sizeof(name) - 1);
        name[sizeof(name) - 1] = 0;
        memset(title, 't', sizeof(title) - 1);
        title[sizeof(title) - 1] = 0;
        memset(text, 'x', sizeof(text) - 1);
        text[sizeof(text) - 1] = 0;
        b.title = slice_cstr(title);
        b.text = slice_cstr(text);
        for (size_t i = 0; i < KIM_ATTACH_MAX; i++) {
                b.attach[i].size = BLOB_MAX_BYTES;
                b.attach[i].type = slice_cstr(type);
                b.attach[i].name = slice_cstr(name);
                b.attach[i].thumb = slice_make(thumb, sizeof(thumb));
        }
        expect_err("five of the largest", roundtrip(&b, &got, &enc), 0);
        b.n_attach = 0;
        wire_kim_encode(&b, &bare);
        assert_true(enc.len - bare.len < 43U * 1024U);
        assert_true(enc.len <= ENTRY_BODY_MAX);
        buf_release(&enc);
        buf_release(&bare);
}

static void
attachments_in_bodies(void **state)
{
        struct buf enc = BUF_INIT;
        struct kim_body b, got;

        (void)state;
        b = news(2);
        expect_err("two attachments", roundtrip(&b, &got, &enc), 0);
        assert_int_equal(got.n_attach, 2);
        assert_memory_equal(got.attach[1].root, b.attach[1].root, 32);
        assert_int_equal(got.attach[1].size, 2000000);
        assert_true(slice_eq(got.attach[0].thumb, b.attach[0].thumb));
        assert_true(slice_eq(got.attach[0].type, b.attach[0].type));

        b = news(KIM_ATTACH_MAX);
        expect_err("five", roundtrip(&b, &got, &enc), 0);
        assert_int_equal(got.n_attach, 5);
        too_many_attachments();
        largest_attachments();
        b = news(1);
        b.attach[0].size = 0;
        expect_err("size 0", roundtrip(&b, &got, &enc), ERR_KIM_BODY);
        b.attach[0].size = BLOB_MAX_BYTES + 1ULL;
        expect_err("over 16 MiB", roundtrip(&b, &got, &enc), ERR_KIM_BODY);
        b = news(1);
        b.attach[0].type = slice_cstr("IMAGE/JPEG");
        expect_err("upper case type", roundtrip(&b, &got, &enc), ERR_KIM_BODY);
        b.attach[0].type = slice_cstr("jpeg");
        expect_err("no subtype", roundtrip(&b, &got, &enc), ERR_KIM_BODY);
        b.attach[0].type = slice_cstr("application/pdf");
        expect_err("thumbnail of a pdf", roundtrip(&b, &got, &enc),
                   ERR_KIM_BODY);
        b.attach[0].thumb = slice_make(NULL, 0);
        expect_err("a pdf", roundtrip(&b, &got, &enc), 0);
        b.attach[0].name = slice_cstr("a\nb.pdf");
        expect_err("control in the name", roundtrip(&b, &got, &enc),
                   ERR_KIM_BODY);

        /* A report's photo, in the clear and rahasia. */
        b = news(1);
        b.kind = KIND_ASPIRASI;
        b.has_handler = true;
        strcpy(b.handler, "36.04");
        b.has_category = true;
        b.category = slice_cstr("infrastruktur");
        expect_err("a report's photo", roundtrip(&b, &got, &enc), 0);
        b.rahasia = true;
        b.has_title = b.has_text = false;
        b.sealed.n = 1;
        {
                static const uint8_t to[32], box[KIM_SEAL_BOX_BYTES],
                    nonce[KIM_SEAL_NONCE_BYTES], ct[KIM_SEAL_CT_MIN];
                b.sealed.version = 1;
                b.sealed.to[0] = to;
                b.sealed.keys[0] = box;
                b.sealed.nonce = nonce;
                b.sealed.ct = slice_make(ct, sizeof(ct));
        }
        /* Its clear map names the ciphertext only (BLOBS.md §2.1): the
         * encoder drops name, thumb and type, the decoder wants them so. */
        expect_err("a rahasia report's photo", roundtrip(&b, &got, &enc), 0);
        assert_int_equal(got.n_attach, 1);
        assert_true(slice_eq(got.attach[0].type, slice_cstr(KIM_SEALED_TYPE)));
        assert_int_equal(got.attach[0].name.len, 0);
        assert_int_equal(got.attach[0].thumb.len, 0);
        assert_null(got.attach[0].key);
        b.n_attach = 0;
        expect_err("a rahasia report without", roundtrip(&b, &got, &enc), 0);
        buf_release(&enc);
}

/* ---- the store ---------------------------------------------------------- */

static struct store_txn *
begin(struct store *s, bool write)
{
        struct store_txn *t = NULL;

        assert_int_equal(store_begin(s, write, &t), 0);
        return t;
}

static void
store_resumes_and_collects(void **state)
{
        char tmp[TEST_DIR_MAX], dir[128];
        uint8_t *data = pattern(40000), root[32], feed[32], held[1] = {0};
        struct buf list = BUF_INIT, got = BUF_INIT;
        struct store_blob_stats st;
        struct store_blob b;
        struct store *s;
        struct store_txn *t;
        uint64_t gen, freed;
        bool whole;

        (void)state;
        assert_int_equal(test_dir_make(tmp, "blob"), 0);
        snprintf(dir, sizeof(dir), "%s/store", tmp);
        assert_int_equal(store_open(&s, dir, NULL), 0);
        assert_int_equal(blob_make(slice_make(data, 40000), &list, root), 0);
        memset(feed, 7, sizeof(feed));

        /* A reference makes the blob wanted, once. */
        t = begin(s, true);
        assert_int_equal(store_blob_ref(t, root, 40000, 3, feed, 5), 0);
        assert_int_equal(store_blob_ref(t, root, 40000, 3, feed, 5), 0);
        assert_int_equal(store_blobs_gen(t, &gen), 0);
        assert_int_equal(gen, 1);
        assert_int_equal(
            store_blob_put_list(t, root, 40000, 3, buf_slice(&list)), 0);
        assert_int_equal(
            store_blob_put_chunk(
                t, root, 2, slice_make(data + 32768, 40000 - 32768), &whole),
            0);
        assert_false(whole);
        /* Opened (BLOBS.md §7): flagged, and the links walk again. */
        assert_int_equal(store_blob_open(t, root), 0);
        assert_int_equal(store_blobs_gen(t, &gen), 0);
        assert_int_equal(gen, 2);
        assert_int_equal(store_blob_open(t, root), 0); /* once */
        assert_int_equal(store_blobs_gen(t, &gen), 0);
        assert_int_equal(gen, 2);
        assert_int_equal(store_blob_open(t, feed), ERR_NOT_FOUND);
        assert_int_equal(store_commit(t), 0);

        /* Closed and opened again (a restart): what is held is held. */
        store_close(s);
        assert_int_equal(store_open(&s, dir, NULL), 0);
        t = begin(s, true);
        assert_int_equal(store_blob_get(t, root, &b), 0);
        assert_int_equal(b.held, 1);
        assert_int_equal(b.flags, STORE_BLOB_LIST | STORE_BLOB_OPENED);
        assert_int_equal(store_blob_held(t, root, held, 3), 0);
        assert_int_equal(held[0], 0x4);
        for (uint32_t i = 0; i < 2; i++) {
                assert_int_equal(
                    store_blob_put_chunk(t, root, i,
                                         slice_make(data + 16384U * i, 16384),
                                         &whole),
                    0);
                /* A chunk stored twice counts once. */
                assert_int_equal(
                    store_blob_put_chunk(t, root, i,
                                         slice_make(data + 16384U * i, 16384),
                                         &whole),
                    0);
        }
        assert_true(whole);
        assert_int_equal(store_blob_get_chunk(t, root, 1, &got), 0);
        assert_memory_equal(got.data, data + 16384, 16384);
        assert_int_equal(store_blob_stats(t, &st), 0);
        assert_int_equal(st.blobs, 1);
        assert_int_equal(st.whole, 1);
        assert_int_equal(st.bytes, 40000);
        /* Referenced: not collected. */
        assert_int_equal(store_blob_collect(t, root, &freed), 0);
        assert_int_equal(freed, 0);
        assert_int_equal(store_commit(t), 0);

        /* A blob no entry references is collected, chunks and all. */
        root[0] ^= 1;
        t = begin(s, true);
        assert_int_equal(
            store_blob_put_list(t, root, 40000, 3, buf_slice(&list)), 0);
        assert_int_equal(
            store_blob_put_chunk(t, root, 0, slice_make(data, 16384), &whole),
            0);
        assert_int_equal(store_blob_collect(t, root, &freed), 0);
        assert_int_equal(freed, 16384);
        expect_err("collected", store_blob_get(t, root, &b), ERR_NOT_FOUND);
        expect_err("its chunk", store_blob_get_chunk(t, root, 0, &got),
                   ERR_NOT_FOUND);
        assert_int_equal(store_commit(t), 0);

        buf_release(&list);
        buf_release(&got);
        free(data);
        store_close(s);
        test_rm_tree(tmp);
}

int
main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(vectors),
            cmocka_unit_test(chunk_counts),
            cmocka_unit_test(forgeries_refused),
            cmocka_unit_test(attachments_in_bodies),
            cmocka_unit_test(store_resumes_and_collects),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
