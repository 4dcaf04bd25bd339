/*
 * gen_vectors: writes the entry test vectors (proto/vectors/entries.json)
 * from fixed seeds, fields and timestamps, so that the file can be
 * regenerated and checked by tests/unit/test_vectors.c. Ed25519 signatures
 * are deterministic: the same inputs always give the same bytes. With
 * --seals, the sealed-value vectors (proto/vectors/seals.json) from fixed
 * content keys, nonces and ephemeral keys.
 *
 * Usage: gen_vectors OUT.json
 *        gen_vectors --seals OUT.json
 */
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/entry/entry.h"

/* ---- a hand-written msgpack body (nested, non-ASCII), shortest forms ---- */

static void
mp_head(struct buf *b, uint8_t fix, uint8_t fix_max, uint8_t m16, size_t n)
{
        if (n <= fix_max) {
                buf_addc(b, (uint8_t)(fix | n));
        } else {
                buf_addc(b, m16);
                buf_addc(b, (uint8_t)(n >> 8));
                buf_addc(b, (uint8_t)n);
        }
}

static void
mp_map(struct buf *b, size_t n)
{
        mp_head(b, 0x80, 15, 0xde, n);
}

static void
mp_array(struct buf *b, size_t n)
{
        mp_head(b, 0x90, 15, 0xdc, n);
}

static void
mp_str(struct buf *b, const char *s)
{
        size_t n = strlen(s);

        if (n < 32) {
                buf_addc(b, (uint8_t)(0xa0 | n));
        } else if (n < 256) {
                buf_addc(b, 0xd9);
                buf_addc(b, (uint8_t)n);
        } else {
                buf_addc(b, 0xda);
                buf_addc(b, (uint8_t)(n >> 8));
                buf_addc(b, (uint8_t)n);
        }
        buf_add(b, s, n);
}

/* Integers from -32 up to 2^32 - 1, in their shortest msgpack form. */
static void
mp_int(struct buf *b, int64_t v)
{
        if (v >= -32 && v < 128) {
                buf_addc(b, (uint8_t)v);
        } else if (v >= 128 && v < 256) {
                buf_addc(b, 0xcc);
                buf_addc(b, (uint8_t)v);
        } else if (v >= 256 && v < 65536) {
                buf_addc(b, 0xcd);
                buf_addc(b, (uint8_t)(v >> 8));
                buf_addc(b, (uint8_t)v);
        } else {
                buf_addc(b, 0xce);
                buf_add_be32(b, (uint32_t)v);
        }
}

static void
body_nested_utf8(struct buf *b)
{
        mp_map(b, 5);
        mp_str(b, "judul");
        mp_str(b, "Kerja bakti \u201cJumat Bersih\u201d di Sukanegara");
        mp_str(b, "isi");
        mp_str(b, "Warga bergotong royong membersihkan saluran air \u2014 "
                  "terima kasih kepada semua yang hadir! \U0001F64F");
        mp_str(b, "tag");
        mp_array(b, 2);
        mp_str(b, "gotong-royong");
        mp_str(b, "lingkungan");
        mp_str(b, "kegiatan");
        mp_map(b, 5);
        mp_str(b, "desa");
        mp_str(b, "36.04.12.2002");
        mp_str(b, "peserta");
        mp_int(b, 200);
        mp_str(b, "anggaran_rp");
        mp_int(b, 1500000);
        mp_str(b, "suhu_min_c");
        mp_int(b, -3);
        mp_str(b, "selesai");
        buf_addc(b, 0xc3); /* true */
        mp_str(b, "foto");
        buf_addc(b, 0xc0); /* nil */
}

/* ---- flat bodies, built by wire/ ------------------------------------------
 */

static void
body_posyandu(struct buf *b)
{
        static const struct body_field f[] = {
            {"judul", "Jadwal posyandu Januari", 0},
            {"isi", "Posyandu di setiap desa dibuka pukul 08.00 WIB.", 0},
        };
        wire_body_build(f, ARRAY_LEN(f), b);
}

static void
body_ralat(struct buf *b)
{
        static const struct body_field f[] = {
            {"judul", "Ralat jadwal posyandu", 0},
            {"isi", "Posyandu Desa Linduk pindah ke hari Kamis.", 0},
            {"nomor", NULL, 2},
        };
        wire_body_build(f, ARRAY_LEN(f), b);
}

static void
body_aspirasi(struct buf *b)
{
        static const struct body_field f[] = {
            {"judul", "Jalan desa rusak", 0},
            {"isi", "Jalan poros desa berlubang sepanjang 300 m.", 0},
            {"kategori", "infrastruktur", 0},
        };
        wire_body_build(f, ARRAY_LEN(f), b);
}

static void
body_peringatan(struct buf *b)
{
        static const struct body_field f[] = {
            {"judul", "Peringatan banjir rob", 0},
            {"isi", "Warga pesisir diminta waspada pasang tinggi.", 0},
            {"tingkat", NULL, 3},
        };
        wire_body_build(f, ARRAY_LEN(f), b);
}

static void
body_tanggapan(struct buf *b)
{
        static const struct body_field f[] = {
            {"isi", "Laporan diterima dan diteruskan ke DPUPR.", 0},
            {"status", "diteruskan", 0},
        };
        wire_body_build(f, ARRAY_LEN(f), b);
}

/* ---- the cases ------------------------------------------------------------
 */

struct vcase {
        const char *name;
        const char *note;
        uint8_t seed_byte; /* the seed is 32 copies of this byte */
        const char *author_region;
        const char *audience;
        const char *kind;
        uint64_t seq;
        int prev_case; /* index of the case at seq - 1, or -1 */
        uint64_t timestamp_ms;
        void (*body)(struct buf *out);
        bool pruned;
};

static const struct vcase cases[] = {
    {"informasi-seq1", "first entry of a kabupaten feed: prev is nil", 0x01,
     "36.04", "tree:36.04", "informasi", 1, -1, 1735693200000ULL, body_posyandu,
     false},
    {"informasi-seq2", "second entry of the same feed, chained to seq 1", 0x01,
     "36.04", "tree:36.04", "informasi", 2, 0, 1735693260000ULL, body_ralat,
     false},
    {"aspirasi-path", "desa Sukanegara to the kabupaten: a path audience", 0x02,
     "36.04.12.2002", "path:36.04.12.2002:36.04", "aspirasi", 1, -1,
     1735700000000ULL, body_aspirasi, false},
    {"peringatan-urgent",
     "kecamatan Pontang warns its subtree: urgent channel 1; the clock "
     "of a Pi without RTC (42 s after 1970)",
     0x03, "36.04.12", "tree:36.04.12", "peringatan", 1, -1, 42000ULL,
     body_peringatan, false},
    {"tanggapan-pruned",
     "kabupaten response on the aspirasi path, body pruned (nil)", 0x01,
     "36.04", "path:36.04.12.2002:36.04", "tanggapan", 1, -1, 1735786800000ULL,
     body_tanggapan, true},
    {"lateral-nested-utf8",
     "lateral news from a desa to its kecamatan; nested map and array, "
     "UTF-8 text, str8, uint8, uint32, negative fixint, true, nil",
     0x02, "36.04.12.2002", "tree:36.04.12", "informasi", 1, -1,
     1735794000000ULL, body_nested_utf8, false},
};

#define NCASES ARRAY_LEN(cases)

static json_t *
hex_json(const uint8_t *p, size_t n)
{
        char *text = xmalloc(2 * n + 1);
        json_t *j;

        hex_encode(text, p, n);
        j = json_string(text);
        free(text);
        return j;
}

static void
set(json_t *o, const char *key, json_t *v)
{
        if (!v || json_object_set_new(o, key, v)) {
                fprintf(stderr, "gen_vectors: cannot set %s\n", key);
                exit(1);
        }
}

/* Builds one case; ids[] holds the entry ids of the cases before it. */
static int
make_case(const struct vcase *c, uint8_t ids[][ENTRY_HASH_BYTES], json_t *out)
{
        uint8_t seed[KEY_SEED_BYTES], body_hash[ENTRY_HASH_BYTES];
        struct buf body = BUF_INIT, env = BUF_INIT, pruned = BUF_INIT;
        struct entry_header h;
        struct entry e;
        struct envelope pe;
        struct key *k;
        json_t *o = json_object();
        int err;

        memset(seed, c->seed_byte, sizeof(seed));
        k = key_from_seed(seed);
        memset(&h, 0, sizeof(h));
        if ((err = region_copy(h.author_region, c->author_region,
                               strlen(c->author_region))) ||
            (err = audience_parse(&h.audience, c->audience)) ||
            (err = kind_parse(c->kind, &h.kind)))
                goto out;
        h.seq = c->seq;
        h.has_prev = c->prev_case >= 0;
        if (h.has_prev)
                memcpy(h.prev, ids[c->prev_case], ENTRY_HASH_BYTES);
        h.timestamp_ms = c->timestamp_ms;
        c->body(&body);
        if ((err = entry_create(k, &h, buf_slice(&body), &env)) ||
            (err = entry_open(buf_slice(&env), &e)))
                goto out;
        memcpy(ids[c - cases], e.id, ENTRY_HASH_BYTES);
        hash_bytes(body_hash, buf_slice(&body));
        if (c->pruned) {
                pe = e.env;
                pe.has_body = false;
                pe.body = slice_make(NULL, 0);
                wire_envelope_encode(&pe, &pruned);
        }
        set(o, "name", json_string(c->name));
        set(o, "note", json_string(c->note));
        set(o, "seed_hex", hex_json(seed, sizeof(seed)));
        set(o, "public_key_hex", hex_json(k->pk, ENTRY_KEY_BYTES));
        set(o, "author_region", json_string(c->author_region));
        set(o, "audience", json_string(c->audience));
        set(o, "kind", json_integer(h.kind));
        set(o, "kind_name", json_string(c->kind));
        set(o, "channel", json_integer(h.channel));
        set(o, "seq", json_integer((json_int_t)h.seq));
        set(o, "prev_hex",
            h.has_prev ? hex_json(h.prev, ENTRY_HASH_BYTES) : json_null());
        set(o, "timestamp_ms", json_integer((json_int_t)h.timestamp_ms));
        set(o, "pruned", json_boolean(c->pruned));
        set(o, "body_hex", hex_json(body.data, body.len));
        set(o, "body_hash_hex", hex_json(body_hash, ENTRY_HASH_BYTES));
        set(o, "header_hex", hex_json(e.env.header.ptr, e.env.header.len));
        set(o, "signature_hex", hex_json(e.env.sig.ptr, e.env.sig.len));
        set(o, "envelope_hex",
            c->pruned ? hex_json(pruned.data, pruned.len)
                      : hex_json(env.data, env.len));
        set(o, "entry_id_hex", hex_json(e.id, ENTRY_HASH_BYTES));
        set(o, "feed_id_hex", hex_json(e.feed, ENTRY_HASH_BYTES));
        err = json_array_append(out, o);
out:
        if (err)
                fprintf(stderr, "gen_vectors: case %s: %s (%s)\n", c->name,
                        err_str(err), err_id(err));
        json_decref(o);
        key_free(k);
        buf_release(&body);
        buf_release(&env);
        buf_release(&pruned);
        return err;
}

/* ---- sealed values (proto/vectors/seals.json, KIM.md §4) -----------------
 *
 * Reports with sealed values made by seal_make_fixed: the content key,
 * nonce and each box's ephemeral X25519 secret key are fixed bytes, so the
 * file is the same every time. Each case is a whole report entry (the
 * place its seals are bound to) with one or two seals.
 */

#define SEAL_RECIPIENTS_MAX 3

struct sealcase_seal {
        const char *field;
        uint8_t key_byte, nonce_byte; /* content key, nonce: copies of it */
        uint8_t eph_byte;             /* recipient i: copies of eph_byte + i */
};

struct sealcase {
        const char *name;
        const char *note;
        uint8_t seed_byte; /* the author */
        const char *author_region;
        const char *audience;
        const char *kind;
        uint64_t seq;
        uint8_t prev_byte; /* prev: copies of it; 0 when seq is 1 */
        uint64_t timestamp_ms;
        const char *handler, *category;
        bool rahasia;
        const char *title, *text; /* sealed when rahasia */
        const char *reporter_name, *contact;
        size_t n_to;
        uint8_t to_seed[SEAL_RECIPIENTS_MAX];
        struct sealcase_seal seals[2];
        size_t n_seals;
};

static const struct sealcase sealcases[] = {
    {.name = "aspirasi-reporter",
     .note = "desa Sukanegara to the kabupaten; the reporter sealed to the "
             "kabupaten's one node",
     .seed_byte = 0x02,
     .author_region = "36.04.12.2002",
     .audience = "path:36.04.12.2002:36.04",
     .kind = "aspirasi",
     .seq = 1,
     .timestamp_ms = 1735700000000ULL,
     .handler = "36.04",
     .category = "infrastruktur",
     .title = "Jalan desa rusak",
     .text = "Jalan poros desa berlubang sepanjang 300 m.",
     .reporter_name = "Budi Santoso",
     .contact = "0812-1111-2222",
     .n_to = 1,
     .to_seed = {0x01},
     .seals = {{"reporter", 0xa1, 0xb1, 0xe1}},
     .n_seals = 1},
    {.name = "pengaduan-rahasia",
     .note = "desa Sukanegara to its kecamatan, seq 3 (prev: 32 bytes 0x77, "
             "the entry at seq 2 is not in this file); rahasia: reporter "
             "and content sealed to three nodes of the kecamatan",
     .seed_byte = 0x02,
     .author_region = "36.04.12.2002",
     .audience = "path:36.04.12.2002:36.04.12",
     .kind = "pengaduan",
     .seq = 3,
     .prev_byte = 0x77,
     .timestamp_ms = 1735786800000ULL,
     .handler = "36.04.12",
     .category = "administrasi",
     .rahasia = true,
     .title = "Pungutan liar di kantor desa",
     .text = "Rp50.000 untuk surat domisili \u2014 tanpa kuitansi.",
     .reporter_name = "Ani",
     .contact = "0813-3333-4444",
     .n_to = 3,
     .to_seed = {0x31, 0x32, 0x33},
     .seals = {{"reporter", 0xa2, 0xb2, 0xe4}, {"sealed", 0xa3, 0xb3, 0xe7}},
     .n_seals = 2},
};

static struct key *
key_of_byte(uint8_t b, uint8_t seed[KEY_SEED_BYTES])
{
        memset(seed, b, KEY_SEED_BYTES);
        return key_from_seed(seed);
}

/* The plaintext of seal ss of case c. */
static void
seal_plain(const struct sealcase *c, const struct sealcase_seal *ss,
           struct buf *out)
{
        struct kim_reporter r = {slice_cstr(c->reporter_name),
                                 slice_cstr(c->contact)};
        struct kim_body b;

        buf_reset(out);
        if (!strcmp(ss->field, SEAL_FIELD_REPORTER)) {
                wire_kim_reporter_encode(&r, out);
                return;
        }
        memset(&b, 0, sizeof(b));
        b.has_title = b.has_text = true;
        b.title = slice_cstr(c->title);
        b.text = slice_cstr(c->text);
        wire_kim_content_encode(&b, out);
}

static json_t *
recipient_json(const struct key *k, const uint8_t seed[KEY_SEED_BYTES],
               const uint8_t *eph, const uint8_t *box)
{
        uint8_t x[crypto_box_PUBLICKEYBYTES];
        json_t *o = json_object();

        if (crypto_sign_ed25519_pk_to_curve25519(x, k->pk))
                return NULL;
        set(o, "seed_hex", hex_json(seed, KEY_SEED_BYTES));
        set(o, "public_key_hex", hex_json(k->pk, ENTRY_KEY_BYTES));
        set(o, "x25519_public_key_hex", hex_json(x, sizeof(x)));
        set(o, "ephemeral_secret_hex", hex_json(eph, 32));
        set(o, "box_hex", hex_json(box, KIM_SEAL_BOX_BYTES));
        return o;
}

/* Seals ss for case c at `at` into s; its JSON into seals. */
static int
make_seal(const struct sealcase *c, const struct sealcase_seal *ss,
          const struct seal_ctx *at, struct seal *s, json_t *seals)
{
        uint8_t to[SEAL_RECIPIENTS_MAX * ENTRY_KEY_BYTES];
        uint8_t seeds[SEAL_RECIPIENTS_MAX][KEY_SEED_BYTES];
        uint8_t eph[SEAL_RECIPIENTS_MAX * 32], ck[SEAL_CONTENT_KEY_BYTES];
        uint8_t nonce[KIM_SEAL_NONCE_BYTES], ad[SEAL_AD_MAX];
        struct key *k[SEAL_RECIPIENTS_MAX] = {NULL};
        struct buf plain = BUF_INIT;
        struct kim_sealed v;
        json_t *o = json_object(), *rs = json_array();
        int err;

        for (size_t i = 0; i < c->n_to; i++) {
                k[i] = key_of_byte(c->to_seed[i], seeds[i]);
                memcpy(to + i * ENTRY_KEY_BYTES, k[i]->pk, ENTRY_KEY_BYTES);
                memset(eph + i * 32, ss->eph_byte + (int)i, 32);
        }
        memset(ck, ss->key_byte, sizeof(ck));
        memset(nonce, ss->nonce_byte, sizeof(nonce));
        seal_plain(c, ss, &plain);
        if ((err = seal_make_fixed(s, to, c->n_to, at, ss->field,
                                   buf_slice(&plain), ck, nonce, eph)))
                goto out;
        seal_view(s, &v);
        for (size_t i = 0; i < c->n_to; i++)
                if (json_array_append_new(rs, recipient_json(k[i], seeds[i],
                                                             eph + i * 32,
                                                             s->keys[i])))
                        err = ERR_KEY;
        if (err)
                goto out;
        set(o, "field", json_string(ss->field));
        set(o, "plaintext_hex", hex_json(plain.data, plain.len));
        set(o, "content_key_hex", hex_json(ck, sizeof(ck)));
        set(o, "nonce_hex", hex_json(nonce, sizeof(nonce)));
        set(o, "recipients", json_incref(rs));
        set(o, "ad_hex", hex_json(ad, seal_ad(at, ss->field, &v, ad)));
        set(o, "ct_hex", hex_json(s->ct.data, s->ct.len));
        err = json_array_append(seals, o);
out:
        json_decref(o);
        json_decref(rs);
        buf_wipe_release(&plain);
        for (size_t i = 0; i < c->n_to; i++)
                key_free(k[i]);
        return err;
}

/* The report of case c carrying seals s[0..c->n_seals). */
static void
sealcase_body(const struct sealcase *c, uint32_t kind, const struct seal *s,
              struct buf *out)
{
        struct kim_body b;

        memset(&b, 0, sizeof(b));
        b.kind = kind;
        b.has_handler = b.has_category = true;
        strcpy(b.handler, c->handler);
        b.category = slice_cstr(c->category);
        b.rahasia = c->rahasia;
        b.has_title = b.has_text = !c->rahasia;
        b.title = slice_cstr(c->title);
        b.text = slice_cstr(c->text);
        for (size_t j = 0; j < c->n_seals; j++)
                seal_view(&s[j], !strcmp(c->seals[j].field, SEAL_FIELD_SEALED)
                                     ? &b.sealed
                                     : &b.reporter);
        wire_kim_encode(&b, out);
}

static int
make_sealcase(const struct sealcase *c, json_t *out)
{
        uint8_t seed[KEY_SEED_BYTES];
        struct seal s[2];
        struct buf body = BUF_INIT, env = BUF_INIT;
        struct entry_header h;
        struct seal_ctx at;
        struct kim_body check;
        struct entry e;
        struct key *k = key_of_byte(c->seed_byte, seed);
        json_t *o = json_object(), *seals = json_array();
        int err;

        memset(s, 0, sizeof(s));
        memset(&h, 0, sizeof(h));
        if ((err = region_copy(h.author_region, c->author_region,
                               strlen(c->author_region))) ||
            (err = audience_parse(&h.audience, c->audience)) ||
            (err = kind_parse(c->kind, &h.kind)))
                goto out;
        h.seq = c->seq;
        h.has_prev = c->seq > 1;
        memset(h.prev, c->prev_byte, sizeof(h.prev));
        h.timestamp_ms = c->timestamp_ms;
        memcpy(at.author, k->pk, ENTRY_KEY_BYTES);
        feed_id_compute(at.feed, k->pk, h.author_region, &h.audience,
                        (uint8_t)kind_channel(h.kind));
        at.seq = h.seq;
        for (size_t j = 0; j < c->n_seals && !err; j++)
                err = make_seal(c, &c->seals[j], &at, &s[j], seals);
        if (err)
                goto out;
        sealcase_body(c, h.kind, s, &body);
        if ((err = wire_kim_decode(h.kind, buf_slice(&body), &check)) ||
            (err = entry_create(k, &h, buf_slice(&body), &env)) ||
            (err = entry_open(buf_slice(&env), &e)))
                goto out;
        if (memcmp(e.feed, at.feed, ENTRY_HASH_BYTES))
                abort(); /* our bug: the place is not the entry's */
        set(o, "name", json_string(c->name));
        set(o, "note", json_string(c->note));
        set(o, "seed_hex", hex_json(seed, sizeof(seed)));
        set(o, "public_key_hex", hex_json(k->pk, ENTRY_KEY_BYTES));
        set(o, "author_region", json_string(c->author_region));
        set(o, "audience", json_string(c->audience));
        set(o, "kind", json_integer(h.kind));
        set(o, "kind_name", json_string(c->kind));
        set(o, "channel", json_integer(h.channel));
        set(o, "seq", json_integer((json_int_t)h.seq));
        set(o, "prev_hex",
            h.has_prev ? hex_json(h.prev, ENTRY_HASH_BYTES) : json_null());
        set(o, "timestamp_ms", json_integer((json_int_t)h.timestamp_ms));
        set(o, "feed_id_hex", hex_json(e.feed, ENTRY_HASH_BYTES));
        set(o, "seals", json_incref(seals));
        set(o, "body_hex", hex_json(body.data, body.len));
        set(o, "envelope_hex", hex_json(env.data, env.len));
        set(o, "entry_id_hex", hex_json(e.id, ENTRY_HASH_BYTES));
        err = json_array_append(out, o);
out:
        if (err)
                fprintf(stderr, "gen_vectors: seal case %s: %s (%s)\n", c->name,
                        err_str(err), err_id(err));
        for (size_t j = 0; j < 2; j++)
                seal_release(&s[j]);
        json_decref(o);
        json_decref(seals);
        key_free(k);
        buf_release(&body);
        buf_release(&env);
        return err;
}

static int
write_json(json_t *all, const char *path)
{
        FILE *f = fopen(path, "w");
        int rc = 0;

        if (!f || json_dumpf(all, f, JSON_INDENT(2) | JSON_ENSURE_ASCII) ||
            fputc('\n', f) == EOF) {
                perror(path);
                rc = 1;
        }
        if (f && fclose(f)) {
                perror(path);
                rc = 1;
        }
        return rc;
}

int
main(int argc, char **argv)
{
        static uint8_t ids[NCASES][ENTRY_HASH_BYTES];
        bool seals = argc == 3 && !strcmp(argv[1], "--seals");
        json_t *all;
        int rc = 0;

        if (argc != 2 && !seals) {
                fprintf(stderr, "usage: gen_vectors OUT.json\n"
                                "       gen_vectors --seals OUT.json\n");
                return 2;
        }
        if (entry_lib_init()) {
                fprintf(stderr, "gen_vectors: libsodium failed to start\n");
                return 1;
        }
        all = json_array();
        for (size_t i = 0; !seals && i < NCASES; i++)
                if (make_case(&cases[i], ids, all))
                        rc = 1;
        for (size_t i = 0; seals && i < ARRAY_LEN(sealcases); i++)
                if (make_sealcase(&sealcases[i], all))
                        rc = 1;
        if (!rc)
                rc = write_json(all, argv[argc - 1]);
        json_decref(all);
        return rc;
}
