/*
 * test_kim: the KIM bodies, rules, lifecycle and sealing of proto/KIM.md,
 * with real keys, real signed entries and a real LMDB store in a mkdtemp
 * directory (the operations of src/app on real nodes: test_app.c). Bodies
 * are written with msgpack-c directly (not with the encoder under test),
 * from a valid base per kind with one field dropped, replaced or added.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <math.h>

#include <cmocka.h>
#include <msgpack.h>

#include "../../src/kim/view.h"
#include "../../src/replica/replica.h"
#include "testlib.h"

#define KAB "36.04"
#define KEC "36.04.12"
#define DESA "36.04.12.2002"
#define DESA2 "36.04.12.2001" /* a sibling of DESA */
#define KEC2 "36.04.05"

/* ---- bodies written by hand ---------------------------------------------- */

enum vt {
        V_STR,   /* s, n bytes */
        V_BIN,   /* s, n bytes */
        V_BOOL,  /* b */
        V_UINT,  /* u */
        V_NEG,   /* -1 */
        V_F64,   /* f */
        V_F32,   /* f */
        V_NIL,   /* nil */
        V_WORDS, /* an array of n words "w" */
        V_BINS,  /* an array of n bin of u bytes */
        V_MAP,   /* sub[0..n) */
        V_ARR,   /* the values of sub[0..n) */
};

struct fld;
struct val {
        enum vt t;
        const char *s;
        size_t n;
        uint64_t u;
        double f;
        bool b;
        const struct fld *sub;
};
struct fld {
        const char *key;
        struct val v;
};

/* Filler: strings of 'a' and bins of 0x11 of any length used here. */
#define FILL_MAX 20000U
static char fill_a[FILL_MAX];
static char fill_b[FILL_MAX];

/* Brace forms for file-scope tables; the plain forms are values. */
#define S_(lit)                                                                \
        {                                                                      \
                V_STR, (lit), sizeof(lit) - 1, 0, 0, 0, NULL                   \
        }
#define SN_(len)                                                               \
        {                                                                      \
                V_STR, fill_a, (len), 0, 0, 0, NULL                            \
        }
#define BN_(len)                                                               \
        {                                                                      \
                V_BIN, fill_b, (len), 0, 0, 0, NULL                            \
        }
#define BOOLV_(v)                                                              \
        {                                                                      \
                V_BOOL, NULL, 0, 0, 0, (v), NULL                               \
        }
#define U_(v)                                                                  \
        {                                                                      \
                V_UINT, NULL, 0, (v), 0, 0, NULL                               \
        }
#define F64_(v)                                                                \
        {                                                                      \
                V_F64, NULL, 0, 0, (v), 0, NULL                                \
        }
#define WORDS_(k)                                                              \
        {                                                                      \
                V_WORDS, NULL, (k), 0, 0, 0, NULL                              \
        }
#define BINS_(k, len)                                                          \
        {                                                                      \
                V_BINS, NULL, (k), (len), 0, 0, NULL                           \
        }
#define MAP_(a)                                                                \
        {                                                                      \
                V_MAP, NULL, ARRAY_LEN(a), 0, 0, 0, (a)                        \
        }
#define S(lit) ((struct val)S_(lit))
#define SN(len) ((struct val)SN_(len))
#define BN(len) ((struct val)BN_(len))
#define BOOLV(v) ((struct val)BOOLV_(v))
#define U(v) ((struct val)U_(v))
#define NEG ((struct val){V_NEG, NULL, 0, 0, 0, 0, NULL})
#define F64(v) ((struct val)F64_(v))
#define F32(v) ((struct val){V_F32, NULL, 0, 0, (v), 0, NULL})
#define NIL ((struct val){V_NIL, NULL, 0, 0, 0, 0, NULL})
#define WORDS(k) ((struct val)WORDS_(k))
#define BINS(k, len) ((struct val)BINS_(k, len))
#define MAP(a) ((struct val)MAP_(a))
#define MAPN(a, k) ((struct val){V_MAP, NULL, (k), 0, 0, 0, (a)})
#define ARR(a) ((struct val){V_ARR, NULL, ARRAY_LEN(a), 0, 0, 0, (a)})

static int
pack_out(void *data, const char *p, size_t n)
{
        buf_add(data, p, n);
        return 0;
}

static void pack_map(msgpack_packer *pk, const struct fld *f, size_t n);

static void
pack_val(msgpack_packer *pk, const struct val *v)
{
        switch (v->t) {
        case V_STR:
                msgpack_pack_str(pk, v->n);
                msgpack_pack_str_body(pk, v->s, v->n);
                break;
        case V_BIN:
                msgpack_pack_bin(pk, v->n);
                msgpack_pack_bin_body(pk, v->s, v->n);
                break;
        case V_BOOL:
                if (v->b)
                        msgpack_pack_true(pk);
                else
                        msgpack_pack_false(pk);
                break;
        case V_UINT:
                msgpack_pack_uint64(pk, v->u);
                break;
        case V_NEG:
                msgpack_pack_int8(pk, -1);
                break;
        case V_F64:
                msgpack_pack_double(pk, v->f);
                break;
        case V_F32:
                msgpack_pack_float(pk, (float)v->f);
                break;
        case V_NIL:
                msgpack_pack_nil(pk);
                break;
        case V_WORDS:
                msgpack_pack_array(pk, v->n);
                for (size_t i = 0; i < v->n; i++) {
                        msgpack_pack_str(pk, 1);
                        msgpack_pack_str_body(pk, "w", 1);
                }
                break;
        case V_BINS:
                msgpack_pack_array(pk, v->n);
                for (size_t i = 0; i < v->n; i++) {
                        msgpack_pack_bin(pk, v->u);
                        msgpack_pack_bin_body(pk, fill_b, v->u);
                }
                break;
        case V_MAP:
                pack_map(pk, v->sub, v->n);
                break;
        case V_ARR:
                msgpack_pack_array(pk, v->n);
                for (size_t i = 0; i < v->n; i++)
                        pack_val(pk, &v->sub[i].v);
                break;
        }
}

static void
pack_map(msgpack_packer *pk, const struct fld *f, size_t n)
{
        msgpack_pack_map(pk, n);
        for (size_t i = 0; i < n; i++) {
                msgpack_pack_str(pk, strlen(f[i].key));
                msgpack_pack_str_body(pk, f[i].key, strlen(f[i].key));
                pack_val(pk, &f[i].v);
        }
}

/*
 * Writes base[0..n) into out without the field `drop` (may be NULL) and
 * with `set` (may be NULL) replacing the field of its key, or appended.
 */
static void
body_write(const struct fld *base, size_t n, const char *drop,
           const struct fld *set, struct buf *out)
{
        struct fld f[32];
        size_t k = 0;
        bool placed = false;

        assert_true(n < ARRAY_LEN(f));
        for (size_t i = 0; i < n; i++) {
                if (drop && !strcmp(base[i].key, drop))
                        continue;
                if (set && !strcmp(base[i].key, set->key)) {
                        f[k++] = *set;
                        placed = true;
                        continue;
                }
                f[k++] = base[i];
        }
        if (set && !placed)
                f[k++] = *set;
        {
                msgpack_packer pk;
                buf_reset(out);
                msgpack_packer_init(&pk, out, pack_out);
                pack_map(&pk, f, k);
        }
}

/* ---- valid bases of each kind -------------------------------------------- */

static const struct fld loc_full[] = {
    {"region", S_(DESA)},
    {"place", S_("RT 03, dekat masjid")},
    {"lat", F64_(-6.05)},
    {"lon", F64_(106.25)},
};
static const struct fld sealed_ok[] = {
    {"to", BINS_(2, 32)},
    {"keys", BINS_(2, 80)},
    {"nonce", BN_(24)},
    {"ct", BN_(40)},
};

static const struct fld base_informasi[] = {
    {"title", S_("Posyandu Sabtu")}, {"text", S_("Pukul 08.00 di balai desa.")},
    {"category", S_("kesehatan")},   {"tags", WORDS_(2)},
    {"location", MAP_(loc_full)},    {"until_ms", U_(1790000000000ULL)},
};
static const struct fld base_peringatan[] = {
    {"title", S_("Banjir rob")},        {"text", S_("Warga pesisir waspada.")},
    {"category", S_("bencana")},        {"tags", WORDS_(1)},
    {"location", MAP_(loc_full)},       {"level", S_("siaga")},
    {"until_ms", U_(1790000000000ULL)},
};
static const struct fld base_report[] = {
    {"handler", S_(KAB)},          {"title", S_("Jalan rusak")},
    {"text", S_("Berlubang.")},    {"category", S_("infrastruktur")},
    {"tags", WORDS_(3)},           {"location", MAP_(loc_full)},
    {"anonim", BOOLV_(true)},      {"rahasia", BOOLV_(false)},
    {"reporter", MAP_(sealed_ok)},
};
static const struct fld base_rahasia[] = {
    {"handler", S_(KAB)},          {"category", S_("keamanan")},
    {"anonim", BOOLV_(false)},     {"rahasia", BOOLV_(true)},
    {"reporter", MAP_(sealed_ok)}, {"sealed", MAP_(sealed_ok)},
};
static const struct fld base_tanggapan[] = {
    {"report", BN_(32)},
    {"text", S_("Sudah diteruskan ke DPUPR.")},
    {"title", S_("Tanggapan")},
};
static const struct fld base_verify[] = {
    {"report", BN_(32)},          {"after", BN_(32)},
    {"step", S_("diverifikasi")}, {"note", S_("dicek")},
    {"method", S_("survei")},     {"result", S_("valid")},
    {"verifier", S_("Ani")},      {"anonim", BOOLV_(true)},
    {"rahasia", BOOLV_(false)},
};
static const struct fld base_forward[] = {
    {"report", BN_(32)},
    {"after", BN_(32)},
    {"step", S_("diteruskan")},
    {"agency", S_("DPUPR Kabupaten Serang")},
};
static const struct fld base_selesai[] = {
    {"report", BN_(32)},
    {"after", BN_(32)},
    {"step", S_("selesai")},
};
static const struct fld base_revisi[] = {
    {"item", BN_(32)},
    {"title", S_("Posyandu Sabtu (ralat)")},
    {"text", S_("Pukul 09.00.")},
    {"reason", S_("jam salah")},
};
static const struct fld base_keputusan[] = {
    {"revisi", BN_(32)},
    {"decision", S_("diterima")},
    {"reason", S_("terima kasih")},
};

/* The field classes: which wrong types and bounds each gets. */
enum cls {
        C_TITLE,
        C_TEXT,
        C_TEXT1, /* tanggapan: at least one byte */
        C_WORD,
        C_TAGS,
        C_LOC,
        C_CODE,
        C_BOOL,
        C_SEALED,
        C_ID,
        C_UINT,
        C_NAME, /* a vocabulary name */
        C_NOTE,
        C_STR200,
        C_STR100,
        C_REASON,
};

struct field_rule {
        const char *key;
        enum cls cls;
        bool required;
};

struct kind_case {
        const char *name;
        uint32_t kind;
        const struct fld *base;
        size_t n;
        struct field_rule rules[12];
};

#define BASE(a) (a), ARRAY_LEN(a)
static const struct kind_case kinds[] = {
    {"informasi",
     KIND_INFORMASI,
     BASE(base_informasi),
     {{"title", C_TITLE, true},
      {"text", C_TEXT, true},
      {"category", C_WORD, false},
      {"tags", C_TAGS, false},
      {"location", C_LOC, false},
      {"until_ms", C_UINT, false},
      {"level", C_NAME, false}}},
    {"peringatan",
     KIND_PERINGATAN,
     BASE(base_peringatan),
     {{"title", C_TITLE, true},
      {"text", C_TEXT, true},
      {"category", C_WORD, false},
      {"tags", C_TAGS, false},
      {"location", C_LOC, false},
      {"level", C_NAME, true},
      {"until_ms", C_UINT, false}}},
    {"aspirasi",
     KIND_ASPIRASI,
     BASE(base_report),
     {{"handler", C_CODE, true},
      {"title", C_TITLE, true},
      {"text", C_TEXT, true},
      {"category", C_WORD, true},
      {"tags", C_TAGS, false},
      {"location", C_LOC, false},
      {"anonim", C_BOOL, false},
      {"rahasia", C_BOOL, false},
      {"reporter", C_SEALED, false}}},
    {"pengaduan",
     KIND_PENGADUAN,
     BASE(base_report),
     {{"handler", C_CODE, true},
      {"title", C_TITLE, true},
      {"text", C_TEXT, true},
      {"category", C_WORD, true}}},
    {"permintaan_informasi",
     KIND_PERMINTAAN_INFORMASI,
     BASE(base_report),
     {{"handler", C_CODE, true},
      {"title", C_TITLE, true},
      {"text", C_TEXT, true},
      {"category", C_WORD, true}}},
    {"pengaduan rahasia",
     KIND_PENGADUAN,
     BASE(base_rahasia),
     {{"handler", C_CODE, true},
      {"category", C_WORD, true},
      {"anonim", C_BOOL, false},
      {"reporter", C_SEALED, false},
      {"sealed", C_SEALED, true}}},
    {"tanggapan",
     KIND_TANGGAPAN,
     BASE(base_tanggapan),
     {{"report", C_ID, true},
      {"text", C_TEXT1, true},
      {"title", C_TITLE, false}}},
    {"status diverifikasi",
     KIND_STATUS,
     BASE(base_verify),
     {{"report", C_ID, true},
      {"after", C_ID, true},
      {"step", C_NAME, true},
      {"note", C_NOTE, false},
      {"method", C_STR200, true},
      {"result", C_NAME, true},
      {"verifier", C_STR100, false},
      {"anonim", C_BOOL, false},
      {"rahasia", C_BOOL, false}}},
    {"status diteruskan",
     KIND_STATUS,
     BASE(base_forward),
     {{"report", C_ID, true},
      {"after", C_ID, true},
      {"step", C_NAME, true},
      {"agency", C_STR200, true}}},
    {"status selesai",
     KIND_STATUS,
     BASE(base_selesai),
     {{"report", C_ID, true}, {"after", C_ID, true}, {"step", C_NAME, true}}},
    {"revisi",
     KIND_REVISI,
     BASE(base_revisi),
     {{"item", C_ID, true},
      {"title", C_TITLE, true},
      {"text", C_TEXT, true},
      {"reason", C_REASON, true}}},
    {"revisi_keputusan",
     KIND_REVISI_KEPUTUSAN,
     BASE(base_keputusan),
     {{"revisi", C_ID, true},
      {"decision", C_NAME, true},
      {"reason", C_NOTE, false}}},
};

static int
decode_with(const struct kind_case *kc, const char *drop, const struct fld *set,
            struct kim_body *b)
{
        struct buf body = BUF_INIT;
        struct kim_body local;
        int err;

        body_write(kc->base, kc->n, drop, set, &body);
        err = wire_kim_decode(kc->kind, buf_slice(&body), b ? b : &local);
        buf_release(&body);
        return err;
}

static void
expect_set(const struct kind_case *kc, const char *key, struct val v, int want,
           const char *what)
{
        struct fld f = {key, v};
        char name[160];

        snprintf(name, sizeof(name), "%s: %s %s", kc->name, key, what);
        expect_err(name, decode_with(kc, NULL, &f, NULL), want);
}

static void
bases_decode(void **state)
{
        struct kim_body b;

        (void)state;
        for (size_t i = 0; i < ARRAY_LEN(kinds); i++)
                expect_err(kinds[i].name,
                           decode_with(&kinds[i], NULL, NULL, &b), 0);
        /* What the decoder read, for one of each shape. */
        assert_int_equal(decode_with(&kinds[2], NULL, NULL, &b), 0);
        assert_true(b.has_handler && !strcmp(b.handler, KAB));
        assert_true(b.has_title && b.title.len == strlen("Jalan rusak"));
        assert_true(b.anonim && !b.rahasia);
        assert_int_equal(b.n_tags, 3);
        assert_true(b.location.present && b.location.has_coords);
        assert_true(fabs(b.location.lat + 6.05) < 1e-12);
        assert_int_equal(b.reporter.n, 2);
        assert_int_equal(b.reporter.ct.len, 40);
        assert_int_equal(b.sealed.n, 0);
        assert_int_equal(decode_with(&kinds[7], NULL, NULL, &b), 0);
        assert_int_equal(b.step, KIM_STEP_DIVERIFIKASI);
        assert_int_equal(b.result, KIM_RESULT_VALID);
        assert_true(b.has_report && b.has_after && b.anonim && !b.rahasia);
        assert_int_equal(decode_with(&kinds[11], NULL, NULL, &b), 0);
        assert_int_equal(b.decision, KIM_DECISION_DITERIMA);
        assert_int_equal(decode_with(&kinds[1], NULL, NULL, &b), 0);
        assert_int_equal(b.level, KIM_LEVEL_SIAGA);
        assert_true(b.has_until && b.until_ms == 1790000000000ULL);
}

/* Each required field missing: KIM-BODY; each optional one: fine. */
static void
required_fields(void **state)
{
        (void)state;
        for (size_t i = 0; i < ARRAY_LEN(kinds); i++) {
                const struct kind_case *kc = &kinds[i];
                for (size_t j = 0; j < ARRAY_LEN(kc->rules); j++) {
                        const struct field_rule *r = &kc->rules[j];
                        char name[128];
                        if (!r->key)
                                break;
                        snprintf(name, sizeof(name), "%s without %s", kc->name,
                                 r->key);
                        expect_err(name, decode_with(kc, r->key, NULL, NULL),
                                   r->required ? ERR_KIM_BODY : 0);
                }
        }
}

/* Each field of each kind with each wrong type: KIM-BODY. */
static void
wrong_types(void **state)
{
        const struct fld empty[1] = {{"x", NIL}};
        const struct val strish[] = {U(1),     BN(3),    NIL, BOOLV(true),
                                     WORDS(1), F64(1.0), NEG};
        const struct val boolish[] = {S("true"), U(1), NIL, BN(1)};
        const struct val idish[] = {S("0123456789abcdef0123456789abcdef"),
                                    BN(31),
                                    BN(33),
                                    U(1),
                                    NIL,
                                    SN(64)};
        const struct val uintish[] = {S("1"), NEG, F64(1.0), BOOLV(true), NIL};
        const struct val mapish[] = {S("x"), WORDS(1), U(1), NIL, BN(4)};
        const struct val tagsish[] = {S("w"), U(1), MAPN(empty, 0), NIL};

        (void)state;
        for (size_t i = 0; i < ARRAY_LEN(kinds); i++) {
                const struct kind_case *kc = &kinds[i];
                for (size_t j = 0; j < ARRAY_LEN(kc->rules) && kc->rules[j].key;
                     j++) {
                        const struct field_rule *r = &kc->rules[j];
                        const struct val *w;
                        size_t n;
                        switch (r->cls) {
                        case C_BOOL:
                                w = boolish, n = ARRAY_LEN(boolish);
                                break;
                        case C_ID:
                                w = idish, n = ARRAY_LEN(idish);
                                break;
                        case C_UINT:
                                w = uintish, n = ARRAY_LEN(uintish);
                                break;
                        case C_LOC:
                        case C_SEALED:
                                w = mapish, n = ARRAY_LEN(mapish);
                                break;
                        case C_TAGS:
                                w = tagsish, n = ARRAY_LEN(tagsish);
                                break;
                        default:
                                w = strish, n = ARRAY_LEN(strish);
                                break;
                        }
                        for (size_t k = 0; k < n; k++) {
                                char what[32];
                                snprintf(what, sizeof(what), "wrong type %zu",
                                         k);
                                expect_set(kc, r->key, w[k], ERR_KIM_BODY,
                                           what);
                        }
                }
        }
}

/* Each bound, one inside and one outside. */
static void
string_bounds(void **state)
{
        const struct kind_case *info = &kinds[0], *rep = &kinds[2];
        const struct kind_case *tgp = &kinds[6], *ver = &kinds[7];
        const struct kind_case *fwd = &kinds[8], *rev = &kinds[10];
        const struct kind_case *kep = &kinds[11];

        (void)state;
        expect_set(info, "title", SN(0), ERR_KIM_BODY, "0");
        expect_set(info, "title", SN(1), 0, "1");
        expect_set(info, "title", SN(200), 0, "200");
        expect_set(info, "title", SN(201), ERR_KIM_BODY, "201");
        expect_set(rep, "title", SN(201), ERR_KIM_BODY, "201");
        expect_set(tgp, "title", SN(201), ERR_KIM_BODY, "201");
        expect_set(rev, "title", SN(201), ERR_KIM_BODY, "201");
        expect_set(info, "title", S("dua\nbaris"), ERR_KIM_BODY, "newline");
        expect_set(info, "title", S("tab\there"), ERR_KIM_BODY, "tab");
        expect_set(info, "title", S("x\x1f"), ERR_KIM_BODY, "0x1f");
        expect_set(info, "title", S("ok \x7f del"), 0, "0x7f");
        expect_set(info, "text", SN(0), 0, "0");
        expect_set(info, "text", SN(16000), 0, "16000");
        expect_set(info, "text", SN(16001), ERR_KIM_BODY, "16001");
        expect_set(info, "text", S("dua\nbaris\tok"), 0, "controls");
        expect_set(rep, "text", SN(16001), ERR_KIM_BODY, "16001");
        expect_set(rev, "text", SN(16001), ERR_KIM_BODY, "16001");
        expect_set(tgp, "text", SN(0), ERR_KIM_BODY, "0");
        expect_set(tgp, "text", SN(1), 0, "1");
        expect_set(tgp, "text", SN(16000), 0, "16000");
        expect_set(tgp, "text", SN(16001), ERR_KIM_BODY, "16001");
        /* words: category and tags */
        expect_set(info, "category", SN(32), 0, "32");
        expect_set(info, "category", SN(33), ERR_KIM_BODY, "33");
        expect_set(info, "category", SN(0), ERR_KIM_BODY, "0");
        expect_set(info, "category", S("Kesehatan"), ERR_KIM_BODY, "upper");
        expect_set(info, "category", S("ke-sehatan"), ERR_KIM_BODY, "dash");
        expect_set(info, "category", S("ke sehatan"), ERR_KIM_BODY, "space");
        expect_set(info, "category", S("air_bersih_2"), 0, "_ and digit");
        expect_set(rep, "category", S("gosip"), 0, "not in the list");
        expect_set(rep, "category", SN(33), ERR_KIM_BODY, "33");
        expect_set(info, "tags", WORDS(0), 0, "0");
        expect_set(info, "tags", WORDS(8), 0, "8");
        expect_set(info, "tags", WORDS(9), ERR_KIM_BODY, "9");
        expect_set(rep, "tags", WORDS(9), ERR_KIM_BODY, "9");
        {
                const struct fld upper[] = {{"", S("ok")}, {"", S("Banjir")}};
                const struct fld num[] = {{"", S("ok")}, {"", U(1)}};
                const struct fld long_tag[] = {{"", SN(33)}};
                const struct fld empty_tag[] = {{"", S("")}};
                const struct fld fine[] = {{"", SN(32)}, {"", S("rt_03")}};
                expect_set(info, "tags", ARR(upper), ERR_KIM_BODY, "upper");
                expect_set(info, "tags", ARR(num), ERR_KIM_BODY, "number");
                expect_set(info, "tags", ARR(long_tag), ERR_KIM_BODY, "33");
                expect_set(info, "tags", ARR(empty_tag), ERR_KIM_BODY, "0");
                expect_set(info, "tags", ARR(fine), 0, "32 and _");
        }
        /* status strings */
        expect_set(ver, "note", SN(0), 0, "0");
        expect_set(ver, "note", SN(2000), 0, "2000");
        expect_set(ver, "note", SN(2001), ERR_KIM_BODY, "2001");
        expect_set(ver, "method", SN(0), ERR_KIM_BODY, "0");
        expect_set(ver, "method", SN(1), 0, "1");
        expect_set(ver, "method", SN(200), 0, "200");
        expect_set(ver, "method", SN(201), ERR_KIM_BODY, "201");
        expect_set(fwd, "agency", SN(0), ERR_KIM_BODY, "0");
        expect_set(fwd, "agency", SN(200), 0, "200");
        expect_set(fwd, "agency", SN(201), ERR_KIM_BODY, "201");
        expect_set(ver, "verifier", SN(0), ERR_KIM_BODY, "0");
        expect_set(ver, "verifier", SN(100), 0, "100");
        expect_set(ver, "verifier", SN(101), ERR_KIM_BODY, "101");
        /* revisi reason 1..1000; keputusan reason is a note 0..2000 */
        expect_set(rev, "reason", SN(0), ERR_KIM_BODY, "0");
        expect_set(rev, "reason", SN(1000), 0, "1000");
        expect_set(rev, "reason", SN(1001), ERR_KIM_BODY, "1001");
        expect_set(kep, "reason", SN(0), 0, "0");
        expect_set(kep, "reason", SN(2000), 0, "2000");
        expect_set(kep, "reason", SN(2001), ERR_KIM_BODY, "2001");
        /* codes */
        expect_set(rep, "handler", S(KEC), 0, "kecamatan");
        expect_set(rep, "handler", S("36.4"), ERR_KIM_BODY, "36.4");
        expect_set(rep, "handler", S(""), ERR_KIM_BODY, "empty");
        expect_set(rep, "handler", S("36.04.12.20021"), ERR_KIM_BODY, "long");
        expect_set(rep, "handler", S("36.04."), ERR_KIM_BODY, "trailing dot");
}

/* Vocabularies: every name accepted, anything else refused. */
static void
names(void **state)
{
        const struct kind_case *info = &kinds[0], *warn = &kinds[1];
        const struct kind_case *ver = &kinds[7], *sel = &kinds[9];
        const struct kind_case *kep = &kinds[11];
        static const char *const step_names[] = {
            "diverifikasi", "ditunda",     "bukan_wewenang",
            "diarsipkan",   "diteruskan",  "ditindaklanjuti",
            "selesai",      "ditutup",     "tambah_informasi",
            "konfirmasi",   "buka_kembali"};
        struct kim_body b;

        (void)state;
        expect_set(warn, "level", S("waspada"), 0, "waspada");
        expect_set(warn, "level", S("awas"), 0, "awas");
        expect_set(warn, "level", S("bahaya"), ERR_KIM_BODY, "bahaya");
        expect_set(warn, "level", S("Siaga"), ERR_KIM_BODY, "Siaga");
        expect_set(info, "level", S("bahaya"), ERR_KIM_BODY, "on informasi");
        expect_set(ver, "result", S("tidak_valid"), 0, "tidak_valid");
        expect_set(ver, "result", S("hoaks"), 0, "hoaks");
        expect_set(ver, "result", S("perlu_informasi_tambahan"), 0, "perlu");
        expect_set(ver, "result", S("benar"), ERR_KIM_BODY, "benar");
        expect_set(kep, "decision", S("ditolak"), 0, "ditolak");
        expect_set(kep, "decision", S("mungkin"), ERR_KIM_BODY, "mungkin");
        expect_set(sel, "step", S("dihapus"), ERR_KIM_BODY, "dihapus");
        expect_set(sel, "step", S("diajukan"), ERR_KIM_BODY, "a state");
        for (size_t i = 0; i < ARRAY_LEN(step_names); i++) {
                struct fld f = {"step",
                                {V_STR, step_names[i], strlen(step_names[i]), 0,
                                 0, 0, NULL}};
                int want = !strcmp(step_names[i], "diverifikasi") ||
                                   !strcmp(step_names[i], "diteruskan")
                               ? ERR_KIM_BODY /* needs method/agency */
                               : 0;
                expect_err(step_names[i], decode_with(sel, NULL, &f, &b), want);
                if (!want)
                        assert_string_equal(kim_step_name(b.step),
                                            step_names[i]);
        }
}

/* Strings must be UTF-8: overlong, surrogate, too large, truncated. */
static void
utf8(void **state)
{
        const struct kind_case *info = &kinds[0], *ver = &kinds[7];

        (void)state;
        expect_set(info, "title", S("Rp 5\xe2\x82\xac \xf0\x9f\x99\x8f"), 0,
                   "euro and emoji");
        expect_set(info, "title", S("\xc3\x28"), ERR_KIM_BODY, "bad cont");
        expect_set(info, "title", S("\xc0\xaf"), ERR_KIM_BODY, "overlong 2");
        expect_set(info, "title", S("\xe0\x80\xaf"), ERR_KIM_BODY,
                   "overlong 3");
        expect_set(info, "title", S("\xed\xa0\x80"), ERR_KIM_BODY, "surrogate");
        expect_set(info, "title", S("\xf4\x90\x80\x80"), ERR_KIM_BODY,
                   "past U+10FFFF");
        expect_set(info, "title", S("ab\xe2\x82"), ERR_KIM_BODY, "truncated");
        expect_set(info, "title", S("\xff"), ERR_KIM_BODY, "0xff");
        expect_set(info, "text", S("\x80"), ERR_KIM_BODY, "lone cont");
        expect_set(ver, "note", S("\xc3"), ERR_KIM_BODY, "note");
        expect_set(ver, "method", S("\xc3"), ERR_KIM_BODY, "method");
}

static void
location(void **state)
{
        const struct kind_case *info = &kinds[0];
        const struct fld empty[1] = {{"x", NIL}};
        const struct fld only_lat[] = {{"lat", F64(1.0)}};
        const struct fld only_lon[] = {{"lon", F64(1.0)}};
        const struct fld place0[] = {{"place", S("")}};
        const struct fld place200[] = {{"place", SN(200)}};
        const struct fld place201[] = {{"place", SN(201)}};
        const struct fld bad_region[] = {{"region", S("36.4")}};
        const struct fld region_kab[] = {{"region", S(KAB)}};
        const struct fld edges[] = {{"lat", F64(-90.0)}, {"lon", F64(180.0)}};
        const struct fld edges2[] = {{"lat", F64(90.0)}, {"lon", F64(-180.0)}};
        const struct fld f32[] = {{"lat", F32(-6.5)}, {"lon", F32(106.5)}};
        const struct fld lat_hi[] = {{"lat", F64(90.000001)},
                                     {"lon", F64(0.0)}};
        const struct fld lat_lo[] = {{"lat", F64(-90.000001)},
                                     {"lon", F64(0.0)}};
        const struct fld lon_hi[] = {{"lat", F64(0.0)},
                                     {"lon", F64(180.000001)}};
        const struct fld lon_lo[] = {{"lat", F64(0.0)},
                                     {"lon", F64(-180.000001)}};
        const struct fld lat_int[] = {{"lat", U(1)}, {"lon", F64(0.0)}};
        const struct fld lat_str[] = {{"lat", S("1.0")}, {"lon", F64(0.0)}};
        const struct fld extra[] = {{"alt", U(7)}, {"place", S("x")}};
        struct kim_body b;
        struct fld f;

        (void)state;
        expect_set(info, "location", MAPN(empty, 0), 0, "empty");
        expect_set(info, "location", MAP(extra), 0, "unknown key ignored");
        expect_set(info, "location", MAP(region_kab), 0, "region only");
        expect_set(info, "location", MAP(only_lat), ERR_KIM_BODY, "lat only");
        expect_set(info, "location", MAP(only_lon), ERR_KIM_BODY, "lon only");
        expect_set(info, "location", MAP(place0), ERR_KIM_BODY, "place 0");
        expect_set(info, "location", MAP(place200), 0, "place 200");
        expect_set(info, "location", MAP(place201), ERR_KIM_BODY, "place 201");
        expect_set(info, "location", MAP(bad_region), ERR_KIM_BODY,
                   "bad region");
        expect_set(info, "location", MAP(edges), 0, "-90, 180");
        expect_set(info, "location", MAP(edges2), 0, "90, -180");
        expect_set(info, "location", MAP(lat_hi), ERR_KIM_BODY, "lat > 90");
        expect_set(info, "location", MAP(lat_lo), ERR_KIM_BODY, "lat < -90");
        expect_set(info, "location", MAP(lon_hi), ERR_KIM_BODY, "lon > 180");
        expect_set(info, "location", MAP(lon_lo), ERR_KIM_BODY, "lon < -180");
        expect_set(info, "location", MAP(lat_int), ERR_KIM_BODY, "lat int");
        expect_set(info, "location", MAP(lat_str), ERR_KIM_BODY, "lat str");
        {
                struct fld nan[] = {{"lat", F64(0.0)}, {"lon", F64(0.0)}};
                nan[0].v.f = NAN;
                expect_set(info, "location", MAP(nan), ERR_KIM_BODY, "NaN");
        }
        f = (struct fld){"location", MAP(f32)};
        assert_int_equal(decode_with(info, NULL, &f, &b), 0);
        assert_true(b.location.has_coords);
        assert_true(fabs(b.location.lat + 6.5) < 1e-6);
}

/* The shape of a sealed value (§4). */
static void
sealed_shape(void **state)
{
        const struct kind_case *rep = &kinds[2];
        const struct {
                const char *what;
                struct fld f[4];
                int want;
        } cases[] = {
            {"1 recipient",
             {{"to", BINS(1, 32)},
              {"keys", BINS(1, 80)},
              {"nonce", BN(24)},
              {"ct", BN(17)}},
             0},
            {"16 recipients, ct 17408",
             {{"to", BINS(16, 32)},
              {"keys", BINS(16, 80)},
              {"nonce", BN(24)},
              {"ct", BN(17408)}},
             0},
            {"0 recipients",
             {{"to", BINS(0, 32)},
              {"keys", BINS(0, 80)},
              {"nonce", BN(24)},
              {"ct", BN(17)}},
             ERR_KIM_BODY},
            {"17 recipients",
             {{"to", BINS(17, 32)},
              {"keys", BINS(17, 80)},
              {"nonce", BN(24)},
              {"ct", BN(17)}},
             ERR_KIM_BODY},
            {"keys fewer than to",
             {{"to", BINS(2, 32)},
              {"keys", BINS(1, 80)},
              {"nonce", BN(24)},
              {"ct", BN(17)}},
             ERR_KIM_BODY},
            {"to 31 bytes",
             {{"to", BINS(1, 31)},
              {"keys", BINS(1, 80)},
              {"nonce", BN(24)},
              {"ct", BN(17)}},
             ERR_KIM_BODY},
            {"to 33 bytes",
             {{"to", BINS(1, 33)},
              {"keys", BINS(1, 80)},
              {"nonce", BN(24)},
              {"ct", BN(17)}},
             ERR_KIM_BODY},
            {"key 79 bytes",
             {{"to", BINS(1, 32)},
              {"keys", BINS(1, 79)},
              {"nonce", BN(24)},
              {"ct", BN(17)}},
             ERR_KIM_BODY},
            {"key 81 bytes",
             {{"to", BINS(1, 32)},
              {"keys", BINS(1, 81)},
              {"nonce", BN(24)},
              {"ct", BN(17)}},
             ERR_KIM_BODY},
            {"nonce 23",
             {{"to", BINS(1, 32)},
              {"keys", BINS(1, 80)},
              {"nonce", BN(23)},
              {"ct", BN(17)}},
             ERR_KIM_BODY},
            {"nonce 25",
             {{"to", BINS(1, 32)},
              {"keys", BINS(1, 80)},
              {"nonce", BN(25)},
              {"ct", BN(17)}},
             ERR_KIM_BODY},
            {"ct 16",
             {{"to", BINS(1, 32)},
              {"keys", BINS(1, 80)},
              {"nonce", BN(24)},
              {"ct", BN(16)}},
             ERR_KIM_BODY},
            {"ct 17409",
             {{"to", BINS(1, 32)},
              {"keys", BINS(1, 80)},
              {"nonce", BN(24)},
              {"ct", BN(17409)}},
             ERR_KIM_BODY},
            {"ct a str",
             {{"to", BINS(1, 32)},
              {"keys", BINS(1, 80)},
              {"nonce", BN(24)},
              {"ct", SN(17)}},
             ERR_KIM_BODY},
            {"to a bin",
             {{"to", BN(32)},
              {"keys", BINS(1, 80)},
              {"nonce", BN(24)},
              {"ct", BN(17)}},
             ERR_KIM_BODY},
        };
        static const char *const parts[] = {"to", "keys", "nonce", "ct"};

        (void)state;
        for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
                expect_set(rep, "reporter", MAPN(cases[i].f, 4), cases[i].want,
                           cases[i].what);
                /* The same shape rules for the rahasia content. */
                expect_set(&kinds[5], "sealed", MAPN(cases[i].f, 4),
                           cases[i].want, cases[i].what);
        }
        /* `v`: absent is version 1; any version from 1 up is carried. */
        {
                struct fld vf[5] = {{"v", U(2)}};
                struct kim_body b;
                struct fld f;
                const struct {
                        struct val v;
                        int want;
                        uint64_t version;
                } vs[] = {{U(2), 0, 2},           {U(1), 0, 1},
                          {U(7), 0, 7},           {U(0), ERR_KIM_BODY, 0},
                          {NEG, ERR_KIM_BODY, 0}, {S("2"), ERR_KIM_BODY, 0}};
                memcpy(vf + 1, sealed_ok, sizeof(sealed_ok));
                f = (struct fld){"reporter", MAP(sealed_ok)};
                assert_int_equal(decode_with(rep, NULL, &f, &b), 0);
                assert_int_equal(b.reporter.version, 1);
                for (size_t i = 0; i < ARRAY_LEN(vs); i++) {
                        vf[0].v = vs[i].v;
                        f = (struct fld){"reporter", MAP(vf)};
                        expect_err("v", decode_with(rep, NULL, &f, &b),
                                   vs[i].want);
                        if (!vs[i].want)
                                assert_int_equal(b.reporter.version,
                                                 vs[i].version);
                }
        }
        /* Each part missing. */
        for (size_t i = 0; i < ARRAY_LEN(parts); i++) {
                struct fld part[3];
                size_t k = 0;
                for (size_t j = 0; j < 4; j++)
                        if (strcmp(sealed_ok[j].key, parts[i]))
                                part[k++] = sealed_ok[j];
                expect_set(rep, "reporter", MAPN(part, 3), ERR_KIM_BODY,
                           parts[i]);
        }
}

/* rahasia: nothing readable in the clear; sealed iff rahasia. */
static void
rahasia_rules(void **state)
{
        const struct kind_case *rah = &kinds[5], *rep = &kinds[2];
        struct kim_body b;

        (void)state;
        assert_int_equal(decode_with(rah, NULL, NULL, &b), 0);
        assert_true(b.rahasia && b.sealed.n == 2 && !b.has_title);
        expect_set(rah, "title", S("Jalan rusak"), ERR_KIM_BODY, "clear title");
        expect_set(rah, "text", S("x"), ERR_KIM_BODY, "clear text");
        expect_set(rah, "text", S(""), ERR_KIM_BODY, "empty clear text");
        expect_set(rah, "location", MAP(loc_full), ERR_KIM_BODY,
                   "clear location");
        expect_set(rah, "tags", WORDS(1), ERR_KIM_BODY, "clear tags");
        expect_set(rah, "rahasia", BOOLV(false), ERR_KIM_BODY,
                   "sealed without rahasia");
        expect_set(rep, "sealed", MAP(sealed_ok), ERR_KIM_BODY,
                   "sealed without rahasia");
        expect_set(rep, "rahasia", BOOLV(true), ERR_KIM_BODY,
                   "rahasia without sealed and with a clear title");
}

/* A rahasia report's attachments (BLOBS.md §2.1): the clear map names
 * ciphertexts only (root, size, application/octet-stream); name, thumb or
 * any other type there is KIM-BODY. */
static void
rahasia_attachments(void **state)
{
        const struct kind_case *rah = &kinds[5], *rep = &kinds[2];
        const struct fld sealed[] = {{"root", BN(32)},
                                     {"size", U(300347)},
                                     {"type", S(KIM_SEALED_TYPE)}};
        const struct fld named[] = {{"root", BN(32)},
                                    {"size", U(300347)},
                                    {"type", S(KIM_SEALED_TYPE)},
                                    {"name", S("kuitansi.jpg")}};
        const struct fld jpeg[] = {
            {"root", BN(32)}, {"size", U(300347)}, {"type", S("image/jpeg")}};
        const struct fld thumbed[] = {{"root", BN(32)},
                                      {"size", U(300347)},
                                      {"type", S("image/jpeg")},
                                      {"thumb", BN(100)}};
        const struct fld one[] = {{"", MAP(sealed)}};
        const struct fld two[] = {{"", MAP(sealed)}, {"", MAP(sealed)}};
        const struct fld one_named[] = {{"", MAP(named)}};
        const struct fld one_jpeg[] = {{"", MAP(jpeg)}};
        const struct fld one_thumbed[] = {{"", MAP(thumbed)}};
        const struct fld mixed[] = {{"", MAP(sealed)}, {"", MAP(jpeg)}};
        const struct fld att = {"attachments", ARR(two)};
        struct kim_body b;

        (void)state;
        expect_set(rah, "attachments", ARR(one), 0, "a ciphertext");
        assert_int_equal(decode_with(rah, NULL, &att, &b), 0);
        assert_int_equal(b.n_attach, 2);
        assert_int_equal(b.attach[1].size, 300347);
        assert_null(b.attach[0].key);
        expect_set(rah, "attachments", ARR(one_named), ERR_KIM_BODY,
                   "a name in the clear");
        expect_set(rah, "attachments", ARR(one_jpeg), ERR_KIM_BODY,
                   "a real type in the clear");
        expect_set(rah, "attachments", ARR(one_thumbed), ERR_KIM_BODY,
                   "a thumbnail in the clear");
        expect_set(rah, "attachments", ARR(mixed), ERR_KIM_BODY,
                   "one clear among sealed");
        /* A report in the clear names its attachments as ever. */
        expect_set(rep, "attachments", ARR(one_thumbed), 0, "clear report");
}

/* The sealed content's files: one per clear attachment, in order. */
static void
content_files(void **state)
{
        const struct fld file[] = {
            {"key", BN(32)}, {"type", S("image/jpeg")}, {"name", S("a.jpg")}};
        const struct fld file_thumb[] = {
            {"key", BN(32)}, {"type", S("image/jpeg")}, {"thumb", BN(900)}};
        const struct fld short_key[] = {{"key", BN(31)},
                                        {"type", S("image/jpeg")}};
        const struct fld no_key[] = {{"type", S("image/jpeg")}};
        const struct fld pdf_thumb[] = {
            {"key", BN(32)}, {"type", S("application/pdf")}, {"thumb", BN(10)}};
        const struct fld one[] = {{"", MAP(file)}};
        const struct fld two[] = {{"", MAP(file)}, {"", MAP(file_thumb)}};
        const struct fld bad_key[] = {{"", MAP(short_key)}};
        const struct fld keyless[] = {{"", MAP(no_key)}};
        const struct fld bad_thumb[] = {{"", MAP(pdf_thumb)}};
        const struct fld base[] = {{"title", S("Pungli")}, {"text", S("x")}};
        const struct {
                const char *what;
                struct val files; /* NIL: absent */
                size_t n_attach;
                int want;
        } cases[] = {
            {"one for one", ARR(one), 1, 0},
            {"two for two", ARR(two), 2, 0},
            {"none for none", NIL, 0, 0},
            {"fewer files than attachments", ARR(one), 2, ERR_KIM_BODY},
            {"more files than attachments", ARR(two), 1, ERR_KIM_BODY},
            {"files without attachments", ARR(one), 0, ERR_KIM_BODY},
            {"attachments without files", NIL, 1, ERR_KIM_BODY},
            {"a key of 31 bytes", ARR(bad_key), 1, ERR_KIM_BODY},
            {"no key", ARR(keyless), 1, ERR_KIM_BODY},
            {"a thumbnail of a pdf", ARR(bad_thumb), 1, ERR_KIM_BODY},
        };
        struct buf body = BUF_INIT;

        (void)state;
        for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
                struct fld f = {"files", cases[i].files};
                struct kim_body b;
                memset(&b, 0, sizeof(b));
                b.n_attach = cases[i].n_attach;
                body_write(base, ARRAY_LEN(base), NULL,
                           cases[i].files.t == V_NIL ? NULL : &f, &body);
                expect_err(cases[i].what,
                           wire_kim_content_decode(buf_slice(&body), &b),
                           cases[i].want);
                if (!cases[i].want && b.n_attach) {
                        assert_non_null(b.attach[0].key);
                        assert_int_equal(b.attach[0].type.len, 10);
                        assert_int_equal(b.attach[0].name.len, 5);
                }
                if (cases[i].want)
                        assert_null(b.attach[0].key); /* untouched */
        }
        buf_release(&body);
}

/* Steps and tanggapan on a rahasia report (KIM.md §4.3): their details
 * sealed and out of the clear map; step and result stay clear. */
static void
sealed_details(void **state)
{
        const struct fld verify[] = {{"report", BN(32)},
                                     {"after", BN(32)},
                                     {"step", S("diverifikasi")},
                                     {"result", S("valid")},
                                     {"sealed", MAP(sealed_ok)}};
        const struct fld reply[] = {{"report", BN(32)},
                                    {"sealed", MAP(sealed_ok)}};
        const struct fld one[] = {{"", MAP(sealed_ok)}};
        const struct fld clear[] = {
            {"note", S("dicek")},     {"method", S("survei")},
            {"agency", S("DPUPR")},   {"verifier", S("Ani")},
            {"text", S("Sudah.")},    {"title", S("Tanggapan")},
            {"attachments", ARR(one)}};
        const struct fld d_verify[] = {{"method", S("survei")},
                                       {"verifier", S("Ani")}};
        const struct fld d_note[] = {{"note", S("dicek")}};
        const struct fld d_reply[] = {{"text", S("Sudah.")}};
        const struct fld d_empty[] = {{"text", S("")}};
        struct buf body = BUF_INIT;
        struct kim_body b;

        (void)state;
        body_write(verify, ARRAY_LEN(verify), NULL, NULL, &body);
        expect_err("sealed diverifikasi",
                   wire_kim_decode(KIND_STATUS, buf_slice(&body), &b), 0);
        assert_true(b.sealed.n == 2 && !b.has_method &&
                    b.result == KIM_RESULT_VALID);
        body_write(verify, ARRAY_LEN(verify), "result", NULL, &body);
        expect_err("sealed diverifikasi without its result",
                   wire_kim_decode(KIND_STATUS, buf_slice(&body), &b),
                   ERR_KIM_BODY);
        body_write(reply, ARRAY_LEN(reply), NULL, NULL, &body);
        expect_err("sealed tanggapan",
                   wire_kim_decode(KIND_TANGGAPAN, buf_slice(&body), &b), 0);
        assert_true(b.sealed.n == 2 && !b.has_text);
        for (size_t i = 0; i < ARRAY_LEN(clear); i++) {
                body_write(verify, ARRAY_LEN(verify), NULL, &clear[i], &body);
                if (i < 4)
                        expect_err(
                            clear[i].key,
                            wire_kim_decode(KIND_STATUS, buf_slice(&body), &b),
                            ERR_KIM_BODY);
                body_write(reply, ARRAY_LEN(reply), NULL, &clear[i], &body);
                if (i >= 4)
                        expect_err(clear[i].key,
                                   wire_kim_decode(KIND_TANGGAPAN,
                                                   buf_slice(&body), &b),
                                   ERR_KIM_BODY);
        }
        /* The sealed plaintexts, with the rules of the clear fields. */
        memset(&b, 0, sizeof(b));
        b.kind = KIND_STATUS;
        b.step = KIM_STEP_DIVERIFIKASI;
        body_write(d_verify, ARRAY_LEN(d_verify), NULL, NULL, &body);
        expect_err("details of a diverifikasi",
                   wire_kim_details_decode(buf_slice(&body), &b), 0);
        assert_true(b.has_method && b.has_verifier && !b.has_note);
        body_write(d_note, ARRAY_LEN(d_note), NULL, NULL, &body);
        expect_err("a diverifikasi's details without method",
                   wire_kim_details_decode(buf_slice(&body), &b), ERR_KIM_BODY);
        b.step = KIM_STEP_SELESAI;
        expect_err("a note alone",
                   wire_kim_details_decode(buf_slice(&body), &b), 0);
        memset(&b, 0, sizeof(b));
        b.kind = KIND_TANGGAPAN;
        body_write(d_reply, ARRAY_LEN(d_reply), NULL, NULL, &body);
        expect_err("details of a tanggapan",
                   wire_kim_details_decode(buf_slice(&body), &b), 0);
        assert_true(b.has_text && b.text.len == 6);
        body_write(d_empty, ARRAY_LEN(d_empty), NULL, NULL, &body);
        expect_err("an empty answer",
                   wire_kim_details_decode(buf_slice(&body), &b), ERR_KIM_BODY);
        buf_release(&body);
}

/* A sealed file (BLOBS.md §2.1) decrypts to its plaintext, whatever its
 * size around the message boundaries. */
static void
sealfile_round_trip(void **state)
{
        const size_t sizes[] = {0, 1, 16383, 16384, 16385, 40000, 300000};
        uint8_t key[SEALFILE_KEY_BYTES], key2[SEALFILE_KEY_BYTES];
        struct buf plain = BUF_INIT, ct = BUF_INIT, got = BUF_INIT;

        (void)state;
        for (size_t i = 0; i < ARRAY_LEN(sizes); i++) {
                buf_reset(&plain);
                for (size_t j = 0; j < sizes[i]; j++)
                        buf_addc(&plain, (uint8_t)(j % 251));
                sealfile_seal(buf_slice(&plain), key, &ct);
                assert_int_equal(ct.len, sealfile_ct_size(sizes[i]));
                expect_err("opens", sealfile_open(key, buf_slice(&ct), &got),
                           0);
                assert_int_equal(got.len, sizes[i]);
                assert_memory_equal(got.data, plain.data, sizes[i]);
                /* A fresh key each time: the same file seals differently. */
                sealfile_seal(buf_slice(&plain), key2, &got);
                assert_memory_not_equal(key, key2, sizeof(key));
        }
        assert_int_equal(sealfile_ct_size(300000), 300347);
        buf_release(&plain);
        buf_release(&ct);
        buf_release(&got);
}

/* A tampered, cut, extended or reordered sealed file, or a wrong key:
 * BLOB-SEALED, and nothing of it comes out. */
static void
sealfile_tampering(void **state)
{
        const size_t whole = SEALFILE_MSG_BYTES + SEALFILE_ABYTES;
        const size_t at[] = {0, 23, 24, 100, 24 + whole, 24 + 2 * whole + 5};
        uint8_t key[SEALFILE_KEY_BYTES], other[SEALFILE_KEY_BYTES];
        struct buf plain = BUF_INIT, ct = BUF_INIT, bad = BUF_INIT,
                   got = BUF_INIT;

        (void)state;
        for (size_t j = 0; j < 40000; j++)
                buf_addc(&plain, (uint8_t)(j % 251));
        sealfile_seal(buf_slice(&plain), key, &ct); /* 3 messages */
        for (size_t i = 0; i < ARRAY_LEN(at); i++) {
                buf_reset(&bad);
                buf_add(&bad, ct.data, ct.len);
                bad.data[at[i]] ^= 0x01;
                expect_err("a flipped byte",
                           sealfile_open(key, buf_slice(&bad), &got),
                           ERR_BLOB_SEALED);
                assert_int_equal(got.len, 0);
        }
        expect_err(
            "the last message cut off",
            sealfile_open(key, slice_make(ct.data, 24 + 2 * whole), &got),
            ERR_BLOB_SEALED);
        expect_err("one byte short",
                   sealfile_open(key, slice_make(ct.data, ct.len - 1), &got),
                   ERR_BLOB_SEALED);
        expect_err("the header only",
                   sealfile_open(key, slice_make(ct.data, 24), &got),
                   ERR_BLOB_SEALED);
        buf_reset(&bad);
        buf_add(&bad, ct.data, ct.len);
        buf_add(&bad, ct.data + 24, 40);
        expect_err("bytes after the final message",
                   sealfile_open(key, buf_slice(&bad), &got), ERR_BLOB_SEALED);
        buf_reset(&bad); /* messages 0 and 1 swapped */
        buf_add(&bad, ct.data, 24);
        buf_add(&bad, ct.data + 24 + whole, whole);
        buf_add(&bad, ct.data + 24, whole);
        buf_add(&bad, ct.data + 24 + 2 * whole, ct.len - 24 - 2 * whole);
        expect_err("messages reordered",
                   sealfile_open(key, buf_slice(&bad), &got), ERR_BLOB_SEALED);
        sealfile_seal(buf_slice(&plain), other, &bad);
        expect_err("another file's key",
                   sealfile_open(other, buf_slice(&ct), &got), ERR_BLOB_SEALED);
        assert_int_equal(got.len, 0);
        buf_release(&plain);
        buf_release(&ct);
        buf_release(&bad);
        buf_release(&got);
}

/* Unknown keys ignored; a repeated key takes its first occurrence; bodies
 * that are not maps. */
static void
keys_and_shapes(void **state)
{
        const struct kind_case *info = &kinds[0];
        const struct fld first_ok[] = {
            {"title", S("ok")}, {"text", S("")}, {"title", U(5)}};
        const struct fld first_bad[] = {
            {"title", U(5)}, {"text", S("")}, {"title", S("ok")}};
        const struct fld future[] = {{"title", S("ok")},
                                     {"text", S("")},
                                     {"prioritas", U(9)},
                                     {"lampiran", BINS(2, 40)}};
        struct buf body = BUF_INIT;
        struct kim_body b;
        const uint8_t array[] = {0x91, 0x01};
        const uint8_t map_int_key[] = {0x81, 0x01, 0x01};

        (void)state;
        expect_set(info, "prioritas", U(9), 0, "unknown key");
        body_write(first_ok, ARRAY_LEN(first_ok), NULL, NULL, &body);
        expect_err("first title valid",
                   wire_kim_decode(KIND_INFORMASI, buf_slice(&body), &b), 0);
        assert_int_equal(b.title.len, 2);
        body_write(first_bad, ARRAY_LEN(first_bad), NULL, NULL, &body);
        expect_err("first title invalid",
                   wire_kim_decode(KIND_INFORMASI, buf_slice(&body), &b),
                   ERR_KIM_BODY);
        body_write(future, ARRAY_LEN(future), NULL, NULL, &body);
        expect_err("future keys",
                   wire_kim_decode(KIND_INFORMASI, buf_slice(&body), &b), 0);
        expect_err("array",
                   wire_kim_decode(KIND_INFORMASI,
                                   slice_make(array, sizeof(array)), &b),
                   ERR_KIM_BODY);
        expect_err("empty",
                   wire_kim_decode(KIND_INFORMASI, slice_make(NULL, 0), &b),
                   ERR_KIM_BODY);
        expect_err("int key, no fields",
                   wire_kim_decode(KIND_INFORMASI,
                                   slice_make(map_int_key, sizeof(map_int_key)),
                                   &b),
                   ERR_KIM_BODY);
        body_write(first_ok, ARRAY_LEN(first_ok), NULL, NULL, &body);
        buf_addc(&body, 0xc0);
        expect_err("trailing byte",
                   wire_kim_decode(KIND_INFORMASI, buf_slice(&body), &b),
                   ERR_KIM_BODY);
        expect_err("kind 16",
                   wire_kim_decode(KIND_LAMPIRAN, buf_slice(&body), &b),
                   ERR_KIND);
        expect_err("kind 0", wire_kim_decode(0, buf_slice(&body), &b),
                   ERR_KIND);
        buf_release(&body);
}

/* What wire_kim_encode writes decodes to the same values. */
static void
encode_round_trip(void **state)
{
        struct buf in = BUF_INIT, out = BUF_INIT, again = BUF_INIT;

        (void)state;
        for (size_t i = 0; i < ARRAY_LEN(kinds); i++) {
                struct kim_body a, b;
                /* a borrows from in, b from out. */
                body_write(kinds[i].base, kinds[i].n, NULL, NULL, &in);
                assert_int_equal(
                    wire_kim_decode(kinds[i].kind, buf_slice(&in), &a), 0);
                buf_reset(&out);
                wire_kim_encode(&a, &out);
                expect_err(kinds[i].name,
                           wire_kim_decode(kinds[i].kind, buf_slice(&out), &b),
                           0);
                buf_reset(&again);
                wire_kim_encode(&b, &again);
                assert_int_equal(out.len, again.len);
                assert_memory_equal(out.data, again.data, out.len);
                assert_int_equal(a.n_tags, b.n_tags);
                assert_int_equal(a.step, b.step);
                assert_int_equal(a.reporter.n, b.reporter.n);
                assert_int_equal(a.sealed.n, b.sealed.n);
                assert_true(slice_eq(a.title, b.title));
                assert_true(slice_eq(a.text, b.text));
        }
        {
                struct kim_reporter r = {slice_cstr("Budi"),
                                         slice_cstr("0812")},
                                    r2;
                buf_reset(&out);
                wire_kim_reporter_encode(&r, &out);
                assert_int_equal(wire_kim_reporter_decode(buf_slice(&out), &r2),
                                 0);
                assert_true(slice_eq(r.name, r2.name));
                assert_true(slice_eq(r.contact, r2.contact));
                r.name = slice_make("", 0);
                buf_reset(&out);
                wire_kim_reporter_encode(&r, &out);
                expect_err("reporter without name",
                           wire_kim_reporter_decode(buf_slice(&out), &r2),
                           ERR_KIM_BODY);
                r.name = slice_make(fill_a, 101);
                buf_reset(&out);
                wire_kim_reporter_encode(&r, &out);
                expect_err("reporter name 101",
                           wire_kim_reporter_decode(buf_slice(&out), &r2),
                           ERR_KIM_BODY);
                r.name = slice_make(fill_a, 100);
                r.contact = slice_make(fill_a, 101);
                buf_reset(&out);
                wire_kim_reporter_encode(&r, &out);
                expect_err("reporter contact 101",
                           wire_kim_reporter_decode(buf_slice(&out), &r2),
                           ERR_KIM_BODY);
        }
        buf_release(&in);
        buf_release(&out);
        buf_release(&again);
}

/* ---- audiences and roles (§2.2, §3) -------------------------------------- */

static void
header_for(struct entry_header *h, uint32_t kind, const char *author,
           const char *aud)
{
        memset(h, 0, sizeof(*h));
        h->kind = kind;
        strcpy(h->author_region, author);
        assert_int_equal(audience_parse(&h->audience, aud), 0);
}

static int
check_as(uint32_t kind, const char *author, const char *aud,
         const struct kim_body *b)
{
        struct entry_header h;

        header_for(&h, kind, author, aud);
        return kim_check_header(&h, b);
}

static void
report_audience(void **state)
{
        static const uint32_t reports[] = {KIND_ASPIRASI, KIND_PENGADUAN,
                                           KIND_PERMINTAAN_INFORMASI};
        struct kim_body b;

        (void)state;
        memset(&b, 0, sizeof(b));
        b.has_handler = true;
        for (size_t i = 0; i < ARRAY_LEN(reports); i++) {
                uint32_t k = reports[i];
                b.kind = k;
                strcpy(b.handler, KAB);
                expect_err("desa to kab",
                           check_as(k, DESA, "path:" DESA ":" KAB, &b), 0);
                expect_err("kec to kab",
                           check_as(k, KEC, "path:" KEC ":" KAB, &b), 0);
                expect_err("handler not the target",
                           check_as(k, DESA, "path:" DESA ":" KEC, &b),
                           ERR_KIM_AUDIENCE);
                expect_err("tree", check_as(k, DESA, "tree:" KEC, &b),
                           ERR_KIM_AUDIENCE);
                expect_err("origin not the author",
                           check_as(k, KEC, "path:" DESA ":" KAB, &b),
                           ERR_KIM_AUDIENCE);
                strcpy(b.handler, KEC);
                expect_err("desa to kec",
                           check_as(k, DESA, "path:" DESA ":" KEC, &b), 0);
                expect_err("handler below the target",
                           check_as(k, DESA, "path:" DESA ":" KAB, &b),
                           ERR_KIM_AUDIENCE);
        }
}

static void
step_roles(void **state)
{
        static const struct {
                const char *author;
                enum kim_role role;
        } authors[] = {
            /* KEC is a relay on path(DESA, KAB): it relays, never acts. */
            {DESA, KIM_ROLE_VILLAGE}, {KEC, KIM_ROLE_NONE},
            {KAB, KIM_ROLE_HANDLER},  {DESA2, KIM_ROLE_NONE},
            {KEC2, KIM_ROLE_NONE},
        };
        static const enum kim_step village[] = {KIM_STEP_TAMBAH_INFORMASI,
                                                KIM_STEP_KONFIRMASI,
                                                KIM_STEP_BUKA_KEMBALI};
        const char *aud = "path:" DESA ":" KAB;
        struct audience a;
        struct kim_body b;

        (void)state;
        assert_int_equal(audience_parse(&a, aud), 0);
        memset(&b, 0, sizeof(b));
        b.kind = KIND_STATUS;
        for (size_t i = 0; i < ARRAY_LEN(authors); i++)
                assert_int_equal(kim_role_of(&a, authors[i].author),
                                 authors[i].role);
        assert_int_equal(audience_parse(&a, "tree:" KAB), 0);
        assert_int_equal(kim_role_of(&a, KAB), KIM_ROLE_NONE);
        for (int s = KIM_STEP_DIVERIFIKASI; s <= KIM_STEP_BUKA_KEMBALI; s++) {
                enum kim_role need = KIM_ROLE_HANDLER;
                for (size_t j = 0; j < ARRAY_LEN(village); j++)
                        if ((int)village[j] == s)
                                need = KIM_ROLE_VILLAGE;
                assert_int_equal(kim_step_role((enum kim_step)s), need);
                b.step = (enum kim_step)s;
                for (size_t i = 0; i < ARRAY_LEN(authors); i++) {
                        char name[96];
                        snprintf(name, sizeof(name), "%s by %s",
                                 kim_step_name(b.step), authors[i].author);
                        expect_err(
                            name,
                            check_as(KIND_STATUS, authors[i].author, aud, &b),
                            authors[i].role == need ? 0 : ERR_KIM_ROLE);
                }
                expect_err("step on a tree",
                           check_as(KIND_STATUS, KAB, "tree:" KAB, &b),
                           ERR_KIM_AUDIENCE);
        }
        assert_int_equal(kim_step_role(KIM_STEP_NONE), KIM_ROLE_NONE);
        assert_int_equal(kim_step_role((enum kim_step)12), KIM_ROLE_NONE);
}

static void
other_kind_roles(void **state)
{
        struct kim_body b;

        (void)state;
        memset(&b, 0, sizeof(b));
        b.kind = KIND_TANGGAPAN;
        expect_err("tanggapan by kab",
                   check_as(KIND_TANGGAPAN, KAB, "path:" DESA ":" KAB, &b), 0);
        expect_err("tanggapan by kec (a relay)",
                   check_as(KIND_TANGGAPAN, KEC, "path:" DESA ":" KAB, &b),
                   ERR_KIM_ROLE);
        expect_err("tanggapan by the village",
                   check_as(KIND_TANGGAPAN, DESA, "path:" DESA ":" KAB, &b),
                   ERR_KIM_ROLE);
        expect_err("tanggapan off the path",
                   check_as(KIND_TANGGAPAN, DESA2, "path:" DESA ":" KAB, &b),
                   ERR_KIM_ROLE);
        expect_err("tanggapan on a tree",
                   check_as(KIND_TANGGAPAN, KAB, "tree:" KAB, &b),
                   ERR_KIM_AUDIENCE);
        b.kind = KIND_REVISI;
        expect_err("revisi by kab", check_as(KIND_REVISI, KAB, "tree:" KEC, &b),
                   0);
        expect_err("revisi by kec", check_as(KIND_REVISI, KEC, "tree:" KEC, &b),
                   ERR_KIM_ROLE);
        expect_err("revisi by desa",
                   check_as(KIND_REVISI, DESA, "tree:" KEC, &b), ERR_KIM_ROLE);
        b.kind = KIND_REVISI_KEPUTUSAN;
        expect_err("keputusan by desa",
                   check_as(KIND_REVISI_KEPUTUSAN, DESA, "tree:" KEC, &b), 0);
        b.kind = KIND_INFORMASI;
        expect_err("informasi on a path",
                   check_as(KIND_INFORMASI, DESA, "path:" DESA ":" KAB, &b), 0);
        b.kind = KIND_PERINGATAN;
        expect_err("peringatan by desa",
                   check_as(KIND_PERINGATAN, DESA, "tree:" DESA, &b), 0);
        b.kind = KIND_LAMPIRAN;
        expect_err("lampiran", check_as(KIND_LAMPIRAN, DESA, "tree:" DESA, &b),
                   0);
}

/* ---- the lifecycle table (§3), written out from the spec ----------------- */

/* res: "*" any result, "valid", "nv" any but valid. */
static const struct {
        const char *from, *res, *step, *to;
} allowed[] = {
    {"diajukan", "*", "diverifikasi", "diverifikasi"},
    {"ditunda", "*", "diverifikasi", "diverifikasi"},
    {"diajukan", "*", "ditunda", "ditunda"},
    {"diverifikasi", "nv", "ditunda", "ditunda"},
    {"diajukan", "*", "bukan_wewenang", "bukan_wewenang"},
    {"ditunda", "*", "bukan_wewenang", "bukan_wewenang"},
    {"diajukan", "*", "diarsipkan", "diarsipkan"},
    {"ditunda", "*", "diarsipkan", "diarsipkan"},
    {"diverifikasi", "nv", "diarsipkan", "diarsipkan"},
    {"bukan_wewenang", "*", "diarsipkan", "diarsipkan"},
    {"diverifikasi", "valid", "diteruskan", "diteruskan"},
    {"diverifikasi", "valid", "ditindaklanjuti", "ditindaklanjuti"},
    {"diteruskan", "*", "ditindaklanjuti", "ditindaklanjuti"},
    {"ditindaklanjuti", "*", "ditindaklanjuti", "ditindaklanjuti"},
    {"ditindaklanjuti", "*", "selesai", "selesai"},
    {"selesai", "*", "ditutup", "ditutup"},
    {"bukan_wewenang", "*", "ditutup", "ditutup"},
    {"diarsipkan", "*", "ditutup", "ditutup"},
    {"diajukan", "*", "tambah_informasi", "diajukan"},
    {"diverifikasi", "*", "tambah_informasi", "diverifikasi"},
    {"ditunda", "*", "tambah_informasi", "diajukan"},
    {"bukan_wewenang", "*", "tambah_informasi", "bukan_wewenang"},
    {"diarsipkan", "*", "tambah_informasi", "diarsipkan"},
    {"diteruskan", "*", "tambah_informasi", "diteruskan"},
    {"ditindaklanjuti", "*", "tambah_informasi", "ditindaklanjuti"},
    {"selesai", "*", "tambah_informasi", "selesai"},
    {"selesai", "*", "konfirmasi", "ditutup"},
    {"selesai", "*", "buka_kembali", "ditindaklanjuti"},
    {"ditutup", "*", "buka_kembali", "ditindaklanjuti"},
};

static const char *
expected_next(const char *from, enum kim_result res, const char *step)
{
        for (size_t i = 0; i < ARRAY_LEN(allowed); i++) {
                bool r = !strcmp(allowed[i].res, "*") ||
                         (!strcmp(allowed[i].res, "valid")
                              ? res == KIM_RESULT_VALID
                              : res != KIM_RESULT_VALID);
                if (!strcmp(allowed[i].from, from) &&
                    !strcmp(allowed[i].step, step) && r)
                        return allowed[i].to;
        }
        return NULL;
}

static void
transition_table(void **state)
{
        size_t allowed_n = 0, refused_n = 0;

        (void)state;
        /* Every (state, result, step), the invalid values around them too. */
        for (int s = 0; s <= 10; s++) {
                for (int r = 0; r <= 4; r++) {
                        for (int st = 0; st <= 12; st++) {
                                const char *from =
                                    kim_state_name((enum kim_state)s);
                                const char *step =
                                    kim_step_name((enum kim_step)st);
                                const char *want =
                                    from && step
                                        ? expected_next(
                                              from, (enum kim_result)r, step)
                                        : NULL;
                                enum kim_state next;
                                int err = kim_next_state(
                                    (enum kim_state)s, (enum kim_result)r,
                                    (enum kim_step)st, &next);
                                char name[96];
                                snprintf(name, sizeof(name), "%s(%d) %s",
                                         from ? from : "?", r,
                                         step ? step : "?");
                                if (!want) {
                                        expect_err(name, err, ERR_KIM_STEP);
                                        refused_n++;
                                        continue;
                                }
                                expect_err(name, err, 0);
                                if (strcmp(kim_state_name(next), want))
                                        fail_msg("%s: got %s, want %s", name,
                                                 kim_state_name(next), want);
                                allowed_n++;
                        }
                }
        }
        /* 29 rows; the 5 results multiply the rows that take any result,
         * "valid" rows hold once, "nv" rows 4 times. */
        assert_int_equal(allowed_n, 25 * 5 + 2 * 1 + 2 * 4);
        assert_int_equal(allowed_n + refused_n, 11 * 5 * 13);
        /* No follow-up before a valid verification. */
        {
                enum kim_state next;
                expect_err("forward unverified",
                           kim_next_state(KIM_STATE_DIAJUKAN, KIM_RESULT_NONE,
                                          KIM_STEP_DITERUSKAN, &next),
                           ERR_KIM_STEP);
                expect_err("follow up a hoax",
                           kim_next_state(KIM_STATE_DIVERIFIKASI,
                                          KIM_RESULT_HOAKS,
                                          KIM_STEP_DITINDAKLANJUTI, &next),
                           ERR_KIM_STEP);
        }
        assert_int_equal(kim_next_result(KIM_RESULT_VALID,
                                         KIM_STEP_DIVERIFIKASI,
                                         KIM_RESULT_HOAKS),
                         KIM_RESULT_HOAKS);
        assert_int_equal(kim_next_result(KIM_RESULT_VALID, KIM_STEP_SELESAI,
                                         KIM_RESULT_NONE),
                         KIM_RESULT_VALID);
}

static void
vocabulary_names(void **state)
{
        enum kim_state s;
        enum kim_step st;
        enum kim_result r;
        enum kim_level l;
        enum kim_decision d;

        (void)state;
        assert_int_equal(kim_state_parse("ditindaklanjuti", &s), 0);
        assert_int_equal(s, KIM_STATE_DITINDAKLANJUTI);
        assert_string_equal(kim_state_name(KIM_STATE_DIAJUKAN), "diajukan");
        assert_null(kim_state_name(KIM_STATE_NONE));
        assert_int_equal(kim_state_parse("tambah_informasi", &s), ERR_USAGE);
        assert_int_equal(kim_step_parse("buka_kembali", &st), 0);
        assert_int_equal(st, KIM_STEP_BUKA_KEMBALI);
        assert_int_equal(kim_step_parse("diajukan", &st), ERR_USAGE);
        assert_int_equal(kim_result_parse("perlu_informasi_tambahan", &r), 0);
        assert_int_equal(r, KIM_RESULT_PERLU_INFORMASI);
        assert_int_equal(kim_level_parse("awas", &l), 0);
        assert_int_equal(l, KIM_LEVEL_AWAS);
        assert_int_equal(kim_decision_parse("ditolak", &d), 0);
        assert_int_equal(d, KIM_DECISION_DITOLAK);
        assert_int_equal(kim_decision_parse(NULL, &d), ERR_USAGE);
        assert_true(kim_kind_is_report(KIND_PERMINTAAN_INFORMASI));
        assert_false(kim_kind_is_report(KIND_TANGGAPAN));
        assert_true(kim_kind_is_announcement(KIND_PERINGATAN));
        assert_false(kim_kind_is_announcement(KIND_REVISI));
}

/* ---- sealing (§4), with real keys ------------------------------------------
 */

/* A place for sealed values: author, feed and seq from three numbers. */
static struct seal_ctx
place(uint8_t author, uint8_t feed, uint64_t seq)
{
        struct seal_ctx at;

        memset(at.author, author, sizeof(at.author));
        memset(at.feed, feed, sizeof(at.feed));
        at.seq = seq;
        return at;
}

static void
seal_round_trips(void **state)
{
        struct key *k[4] = {test_key(0x21), test_key(0x22), test_key(0x23),
                            test_key(0x24)};
        uint8_t to[3 * ENTRY_KEY_BYTES];
        const char *msg = "Nama: Budi; telepon 0812-0000-1111";
        const struct seal_ctx at = place(0x61, 0x62, 3);
        struct seal s;
        struct kim_sealed v;
        struct buf plain = BUF_INIT;

        (void)state;
        for (size_t i = 0; i < 3; i++)
                memcpy(to + i * ENTRY_KEY_BYTES, k[i]->pk, ENTRY_KEY_BYTES);
        /* One recipient. */
        assert_int_equal(
            seal_make(&s, to, 1, &at, SEAL_FIELD_REPORTER, slice_cstr(msg)), 0);
        seal_view(&s, &v);
        assert_int_equal(v.n, 1);
        assert_int_equal(v.ct.len, strlen(msg) + 16);
        assert_true(seal_is_recipient(&v, k[0]->pk));
        assert_false(seal_is_recipient(&v, k[1]->pk));
        assert_int_equal(seal_open(k[0], &v, &at, SEAL_FIELD_REPORTER, &plain),
                         0);
        assert_int_equal(plain.len, strlen(msg));
        assert_memory_equal(plain.data, msg, plain.len);
        expect_err("non-recipient",
                   seal_open(k[1], &v, &at, SEAL_FIELD_REPORTER, &plain),
                   ERR_KIM_SEALED);
        assert_int_equal(plain.len, 0);
        seal_release(&s);
        /* Three recipients: each opens; the fourth does not. */
        assert_int_equal(
            seal_make(&s, to, 3, &at, SEAL_FIELD_SEALED, slice_cstr(msg)), 0);
        seal_view(&s, &v);
        for (size_t i = 0; i < 3; i++) {
                assert_int_equal(
                    seal_open(k[i], &v, &at, SEAL_FIELD_SEALED, &plain), 0);
                assert_memory_equal(plain.data, msg, strlen(msg));
        }
        expect_err("fourth",
                   seal_open(k[3], &v, &at, SEAL_FIELD_SEALED, &plain),
                   ERR_KIM_SEALED);
        /* Moved to the other field: the additional data differs. */
        expect_err("moved",
                   seal_open(k[0], &v, &at, SEAL_FIELD_REPORTER, &plain),
                   ERR_KIM_SEALED);
        /* 0 or 17 recipients; a plaintext over the bound. */
        seal_release(&s);
        assert_int_equal(
            seal_make(&s, to, 0, &at, SEAL_FIELD_SEALED, slice_cstr(msg)),
            ERR_USAGE);
        seal_release(&s);
        {
                uint8_t many[17 * ENTRY_KEY_BYTES];
                for (size_t i = 0; i < 17; i++)
                        memcpy(many + i * ENTRY_KEY_BYTES, k[0]->pk,
                               ENTRY_KEY_BYTES);
                assert_int_equal(seal_make(&s, many, 17, &at, SEAL_FIELD_SEALED,
                                           slice_cstr(msg)),
                                 ERR_USAGE);
                seal_release(&s);
                assert_int_equal(
                    seal_make(&s, many, 16, &at, SEAL_FIELD_SEALED,
                              slice_make(fill_a, SEAL_PLAIN_MAX + 1)),
                    ERR_USAGE);
                seal_release(&s);
                assert_int_equal(seal_make(&s, many, 16, &at, SEAL_FIELD_SEALED,
                                           slice_make(fill_a, SEAL_PLAIN_MAX)),
                                 0);
                assert_int_equal(s.ct.len, KIM_SEAL_CT_MAX);
                seal_release(&s);
        }
        {
                /* A point of small order: not a usable key. */
                uint8_t bad[ENTRY_KEY_BYTES];
                memset(bad, 0, sizeof(bad));
                expect_err("bad key",
                           seal_make(&s, bad, 1, &at, SEAL_FIELD_SEALED,
                                     slice_cstr(msg)),
                           ERR_KEY);
                seal_release(&s);
        }
        buf_release(&plain);
        for (size_t i = 0; i < 4; i++)
                key_free(k[i]);
}

static void
seal_tampering(void **state)
{
        struct key *a = test_key(0x31), *b = test_key(0x32);
        uint8_t to[2 * ENTRY_KEY_BYTES], ct[64], keys[KIM_SEAL_BOX_BYTES];
        uint8_t nonce[KIM_SEAL_NONCE_BYTES];
        const char *msg = "rahasia: laporan pungutan liar";
        const struct seal_ctx at = place(0x61, 0x62, 3);
        struct seal s;
        struct kim_sealed v, t;
        struct buf plain = BUF_INIT;

        (void)state;
        memcpy(to, a->pk, ENTRY_KEY_BYTES);
        memcpy(to + ENTRY_KEY_BYTES, b->pk, ENTRY_KEY_BYTES);
        assert_int_equal(
            seal_make(&s, to, 2, &at, SEAL_FIELD_SEALED, slice_cstr(msg)), 0);
        seal_view(&s, &v);
        /* Every byte of ct flipped in turn: never opens. */
        for (size_t i = 0; i < v.ct.len; i++) {
                t = v;
                memcpy(ct, v.ct.ptr, v.ct.len);
                ct[i] ^= 0x01;
                t.ct = slice_make(ct, v.ct.len);
                expect_err("ct flipped",
                           seal_open(a, &t, &at, SEAL_FIELD_SEALED, &plain),
                           ERR_KIM_SEALED);
        }
        t = v;
        t.ct.len--;
        expect_err("ct short", seal_open(a, &t, &at, SEAL_FIELD_SEALED, &plain),
                   ERR_KIM_SEALED);
        t = v;
        memcpy(nonce, v.nonce, sizeof(nonce));
        nonce[3] ^= 0x80;
        t.nonce = nonce;
        expect_err("nonce", seal_open(a, &t, &at, SEAL_FIELD_SEALED, &plain),
                   ERR_KIM_SEALED);
        /* a's sealed key tampered: a fails, b still opens. */
        t = v;
        memcpy(keys, v.keys[0], sizeof(keys));
        keys[40] ^= 0x01;
        t.keys[0] = keys;
        expect_err("a's key box",
                   seal_open(a, &t, &at, SEAL_FIELD_SEALED, &plain),
                   ERR_KIM_SEALED);
        expect_err("b unaffected",
                   seal_open(b, &t, &at, SEAL_FIELD_SEALED, &plain), 0);
        /* b's box listed under a's key: a cannot open b's box. */
        t = v;
        t.keys[0] = v.keys[1];
        expect_err("swapped boxes",
                   seal_open(a, &t, &at, SEAL_FIELD_SEALED, &plain),
                   ERR_KIM_SEALED);
        buf_release(&plain);
        seal_release(&s);
        key_free(a);
        key_free(b);
}

/* Opens t with each of k[0..n) at `at`; each must give want. */
static void
expect_opens(const char *what, struct key **k, size_t n,
             const struct kim_sealed *t, const struct seal_ctx *at,
             const char *field, int want)
{
        struct buf plain = BUF_INIT;
        char name[96];

        for (size_t i = 0; i < n; i++) {
                snprintf(name, sizeof(name), "%s, recipient %zu", what, i);
                expect_err(name, seal_open(k[i], t, at, field, &plain), want);
        }
        buf_release(&plain);
}

/*
 * Issue 9 item 9: the additional data binds a sealed value to its field,
 * the author, feed and seq of the entry carrying it, and its recipient
 * list as written. Moved anywhere else, no recipient opens it.
 */
static void
seal_bound_to_its_place(void **state)
{
        struct key *k[4] = {test_key(0x25), test_key(0x26), test_key(0x27),
                            test_key(0x28)};
        const struct seal_ctx at = place(0x61, 0x62, 5);
        const char *msg = "{name: Siti}";
        uint8_t to[3 * ENTRY_KEY_BYTES], ad[SEAL_AD_MAX];
        struct seal_ctx moved;
        struct seal s;
        struct kim_sealed v, t;
        size_t adlen;

        (void)state;
        for (size_t i = 0; i < 3; i++)
                memcpy(to + i * ENTRY_KEY_BYTES, k[i]->pk, ENTRY_KEY_BYTES);
        assert_int_equal(
            seal_make(&s, to, 3, &at, SEAL_FIELD_REPORTER, slice_cstr(msg)), 0);
        seal_view(&s, &v);
        assert_int_equal(v.version, SEAL_VERSION);
        expect_opens("in place", k, 3, &v, &at, SEAL_FIELD_REPORTER, 0);

        /* Another report of the same feed: the seq before and after. */
        moved = at;
        moved.seq = 4;
        expect_opens("seq 4", k, 3, &v, &moved, SEAL_FIELD_REPORTER,
                     ERR_KIM_SEALED);
        moved.seq = 6;
        expect_opens("seq 6", k, 3, &v, &moved, SEAL_FIELD_REPORTER,
                     ERR_KIM_SEALED);
        moved.seq = 5 | (1ULL << 32); /* all 8 bytes count */
        expect_opens("seq high", k, 3, &v, &moved, SEAL_FIELD_REPORTER,
                     ERR_KIM_SEALED);
        /* Another feed of the same author, another author's report. */
        moved = at;
        moved.feed[31] ^= 1;
        expect_opens("feed", k, 3, &v, &moved, SEAL_FIELD_REPORTER,
                     ERR_KIM_SEALED);
        moved = at;
        memcpy(moved.author, k[3]->pk, ENTRY_KEY_BYTES);
        expect_opens("author", k, 3, &v, &moved, SEAL_FIELD_REPORTER,
                     ERR_KIM_SEALED);
        expect_opens("field", k, 3, &v, &at, SEAL_FIELD_SEALED, ERR_KIM_SEALED);

        /* The recipient list: one dropped (the last, the first). */
        t = v;
        t.n = 2;
        expect_opens("last dropped", k, 2, &t, &at, SEAL_FIELD_REPORTER,
                     ERR_KIM_SEALED);
        t = v;
        t.n = 2;
        t.to[0] = v.to[2];
        t.keys[0] = v.keys[2];
        expect_opens("first dropped", k + 1, 2, &t, &at, SEAL_FIELD_REPORTER,
                     ERR_KIM_SEALED);
        /* One added (with a box of its own, a copy: it cannot matter). */
        t = v;
        t.n = 4;
        t.to[3] = k[3]->pk;
        t.keys[3] = v.keys[0];
        expect_opens("added", k, 3, &t, &at, SEAL_FIELD_REPORTER,
                     ERR_KIM_SEALED);
        /* Reordered, each box still beside its key. */
        t = v;
        t.to[0] = v.to[1];
        t.keys[0] = v.keys[1];
        t.to[1] = v.to[0];
        t.keys[1] = v.keys[0];
        expect_opens("reordered", k, 3, &t, &at, SEAL_FIELD_REPORTER,
                     ERR_KIM_SEALED);

        /* Version 1 (no `v`, the old additional data) and unknown ones
         * are not opened. */
        t = v;
        t.version = 1;
        expect_opens("version 1", k, 3, &t, &at, SEAL_FIELD_REPORTER,
                     ERR_KIM_SEALED);
        t.version = 3;
        expect_opens("version 3", k, 3, &t, &at, SEAL_FIELD_REPORTER,
                     ERR_KIM_SEALED);

        /* The bytes: prefix, field, author, feed, seq, n, keys. */
        adlen = seal_ad(&at, SEAL_FIELD_REPORTER, &v, ad);
        assert_int_equal(adlen, 13 + 1 + 8 + 32 + 32 + 8 + 1 + 3 * 32);
        assert_memory_equal(ad, "simpul/kim/2/\x08reporter", 22);
        assert_memory_equal(ad + 22, at.author, 32);
        assert_memory_equal(ad + 54, at.feed, 32);
        assert_memory_equal(ad + 86, "\0\0\0\0\0\0\0\x05\x03", 9);
        for (size_t i = 0; i < 3; i++)
                assert_memory_equal(ad + 95 + i * 32, k[i]->pk, 32);
        seal_release(&s);
        for (size_t i = 0; i < 4; i++)
                key_free(k[i]);
}

/* ---- the receipt path: replica_check and replica_post -------------------- */

struct fx {
        char tmp[64];
        struct key *desa, *kec, *kab, *desa2;
        struct store *s;
        struct replica r; /* the kecamatan relay */
};

static int
setup(void **state)
{
        struct fx *fx = xcalloc(1, sizeof(*fx));
        char dir[128];

        if (test_dir_make(fx->tmp, "kim"))
                return -1;
        fx->desa = test_key(0x41);
        fx->kec = test_key(0x42);
        fx->kab = test_key(0x43);
        fx->desa2 = test_key(0x44);
        snprintf(dir, sizeof(dir), "%s/relay", fx->tmp);
        if (store_open(&fx->s, dir, NULL))
                return -1;
        fx->r.store = fx->s;
        fx->r.key = fx->kec;
        strcpy(fx->r.region, KEC);
        log_set_level(LOG_ERROR); /* refusals are expected here */
        *state = fx;
        return 0;
}

static int
teardown(void **state)
{
        struct fx *fx = *state;

        store_close(fx->s);
        key_free(fx->desa);
        key_free(fx->kec);
        key_free(fx->kab);
        key_free(fx->desa2);
        test_rm_tree(fx->tmp);
        free(fx);
        log_set_level(LOG_INFO);
        return 0;
}

/* A signed seq-1 entry of kind by k at region on aud with this body. */
static void
signed_entry(const struct key *k, const char *region, const char *aud,
             uint32_t kind, struct slice body, struct buf *out)
{
        struct entry_header h;

        header_for(&h, kind, region, aud);
        h.seq = 1;
        h.timestamp_ms = 1790000000000ULL;
        buf_reset(out);
        assert_int_equal(entry_create(k, &h, body, out), 0);
}

static void
receipt_refusals(void **state)
{
        struct fx *fx = *state;
        const char *path = "path:" DESA ":" KAB;
        const struct fld no_text[] = {{"title", S("x")}};
        const struct fld info_ok[] = {{"title", S("x")}, {"text", S("y")}};
        const struct fld rep_tree[] = {{"handler", S(KEC)},
                                       {"title", S("x")},
                                       {"text", S("y")},
                                       {"category", S("lainnya")}};
        const struct fld rep_kec_handler[] = {{"handler", S(KEC)},
                                              {"title", S("x")},
                                              {"text", S("y")},
                                              {"category", S("lainnya")}};
        const struct fld rep_ok[] = {{"handler", S(KAB)},
                                     {"title", S("x")},
                                     {"text", S("y")},
                                     {"category", S("lainnya")}};
        const struct fld step_konf[] = {
            {"report", BN(32)}, {"after", BN(32)}, {"step", S("konfirmasi")}};
        const struct fld step_tunda[] = {
            {"report", BN(32)}, {"after", BN(32)}, {"step", S("ditunda")}};
        const struct fld tgp[] = {{"report", BN(32)}, {"text", S("ok")}};
        const struct {
                const char *what;
                const struct key **k;
                const char *region, *aud;
                uint32_t kind;
                const struct fld *f;
                size_t n;
                int want;
        } cases[] = {
            {"informasi without text", (const struct key **)&fx->kab, KAB,
             "tree:" KEC, KIND_INFORMASI, BASE(no_text), ERR_KIM_BODY},
            {"informasi", (const struct key **)&fx->kab, KAB, "tree:" KEC,
             KIND_INFORMASI, BASE(info_ok), 0},
            {"peringatan without level", (const struct key **)&fx->kab, KAB,
             "tree:" KEC, KIND_PERINGATAN, BASE(info_ok), ERR_KIM_BODY},
            {"report on a tree", (const struct key **)&fx->kec, KEC,
             "tree:" KEC, KIND_ASPIRASI, BASE(rep_tree), ERR_KIM_AUDIENCE},
            {"report past its handler", (const struct key **)&fx->desa, DESA,
             path, KIND_PENGADUAN, BASE(rep_kec_handler), ERR_KIM_AUDIENCE},
            {"report", (const struct key **)&fx->desa, DESA, path,
             KIND_PENGADUAN, BASE(rep_ok), 0},
            {"konfirmasi by the kabupaten", (const struct key **)&fx->kab, KAB,
             path, KIND_STATUS, BASE(step_konf), ERR_KIM_ROLE},
            {"ditunda by the village", (const struct key **)&fx->desa, DESA,
             path, KIND_STATUS, BASE(step_tunda), ERR_KIM_ROLE},
            /* A relay on the path relays: it takes no handler step
             * (issue 9 item 8; accepted on a60c7b1). */
            {"ditunda by the kecamatan", (const struct key **)&fx->kec, KEC,
             path, KIND_STATUS, BASE(step_tunda), ERR_KIM_ROLE},
            {"tanggapan by the village", (const struct key **)&fx->desa, DESA,
             path, KIND_TANGGAPAN, BASE(tgp), ERR_KIM_ROLE},
            {"tanggapan by the kabupaten", (const struct key **)&fx->kab, KAB,
             path, KIND_TANGGAPAN, BASE(tgp), 0},
            {"revisi by the kecamatan", (const struct key **)&fx->kec, KEC,
             "tree:" KEC, KIND_REVISI, BASE(base_revisi), ERR_KIM_ROLE},
            {"revisi by the kabupaten", (const struct key **)&fx->kab, KAB,
             "tree:" KAB, KIND_REVISI, BASE(base_revisi), 0},
        };
        enum { N = ARRAY_LEN(cases) };
        struct buf bytes[N], body = BUF_INIT;
        struct slice in[N];
        struct entry es[N];
        int res[N];
        struct ingest_stats st;
        size_t ok = 0;

        for (size_t i = 0; i < N; i++) {
                buf_init(&bytes[i]);
                body_write(cases[i].f, cases[i].n, NULL, NULL, &body);
                signed_entry(*cases[i].k, cases[i].region, cases[i].aud,
                             cases[i].kind, buf_slice(&body), &bytes[i]);
                in[i] = buf_slice(&bytes[i]);
                /* Every one is a valid entry under SPEC.md part 1. */
                assert_int_equal(entry_open(in[i], &es[i]), 0);
                ok += cases[i].want == 0;
        }
        replica_check(&fx->r, in, N, es, res);
        for (size_t i = 0; i < N; i++)
                expect_err(cases[i].what, res[i], cases[i].want);
        /* And through replica_ingest: refused, nothing of them stored. */
        assert_int_equal(replica_ingest(&fx->r, in, N, "test", res, &st), 0);
        for (size_t i = 0; i < N; i++)
                expect_err(cases[i].what, res[i], cases[i].want);
        assert_int_equal(st.stored, ok);
        assert_int_equal(st.refused, N - ok);
        assert_int_equal(st.first_error, ERR_KIM_BODY);
        {
                struct store_txn *t;
                struct store_stats ss;
                assert_int_equal(store_begin(fx->s, false, &t), 0);
                assert_int_equal(store_stats(t, &ss), 0);
                store_abort(t);
                assert_int_equal(ss.entries, ok);
        }
        /* A pruned entry with a bad body: its body is not there to check. */
        {
                struct envelope env;
                struct buf pruned = BUF_INIT;
                struct entry e;
                assert_int_equal(wire_envelope_decode(in[0], &env), 0);
                env.has_body = false;
                wire_envelope_encode(&env, &pruned);
                assert_int_equal(entry_open(buf_slice(&pruned), &e), 0);
                expect_err("pruned", kim_check_entry(&e, NULL), 0);
                buf_release(&pruned);
        }
        for (size_t i = 0; i < N; i++)
                buf_release(&bytes[i]);
        buf_release(&body);
}

/* The node's own posts get the same checks: nothing stored on refusal. */
static void
post_refusals(void **state)
{
        struct fx *fx = *state;
        const struct fld tgp[] = {{"report", BN(32)}, {"text", S("ok")}};
        struct buf body = BUF_INIT;
        struct post p;
        struct store_txn *t;
        struct store_stats ss;

        memset(&p, 0, sizeof(p));
        body_write(base_informasi, 1, NULL, NULL, &body); /* title only */
        assert_int_equal(audience_parse(&p.audience, "tree:" KEC), 0);
        p.kind = KIND_INFORMASI;
        p.body = buf_slice(&body);
        expect_err("no text", replica_post(&fx->r, &p, 1, NULL), ERR_KIM_BODY);
        body_write(base_report, ARRAY_LEN(base_report), NULL, NULL, &body);
        p.kind = KIND_ASPIRASI;
        p.body = buf_slice(&body);
        expect_err("kec report on a tree", replica_post(&fx->r, &p, 1, NULL),
                   ERR_KIM_AUDIENCE);
        body_write(tgp, ARRAY_LEN(tgp), NULL, NULL, &body);
        p.kind = KIND_TANGGAPAN;
        p.body = buf_slice(&body);
        assert_int_equal(audience_parse(&p.audience, "path:" KEC ":" KAB), 0);
        expect_err("tanggapan by the origin", replica_post(&fx->r, &p, 1, NULL),
                   ERR_KIM_ROLE);
        assert_int_equal(store_begin(fx->s, false, &t), 0);
        assert_int_equal(store_stats(t, &ss), 0);
        store_abort(t);
        assert_int_equal(ss.entries, 0);
        assert_int_equal(ss.feeds, 0);
        buf_release(&body);
}

int
main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(bases_decode),
            cmocka_unit_test(required_fields),
            cmocka_unit_test(wrong_types),
            cmocka_unit_test(string_bounds),
            cmocka_unit_test(names),
            cmocka_unit_test(utf8),
            cmocka_unit_test(location),
            cmocka_unit_test(sealed_shape),
            cmocka_unit_test(rahasia_rules),
            cmocka_unit_test(rahasia_attachments),
            cmocka_unit_test(content_files),
            cmocka_unit_test(sealed_details),
            cmocka_unit_test(sealfile_round_trip),
            cmocka_unit_test(sealfile_tampering),
            cmocka_unit_test(keys_and_shapes),
            cmocka_unit_test(encode_round_trip),
            cmocka_unit_test(report_audience),
            cmocka_unit_test(step_roles),
            cmocka_unit_test(other_kind_roles),
            cmocka_unit_test(transition_table),
            cmocka_unit_test(vocabulary_names),
            cmocka_unit_test(seal_round_trips),
            cmocka_unit_test(seal_tampering),
            cmocka_unit_test(seal_bound_to_its_place),
            cmocka_unit_test_setup_teardown(receipt_refusals, setup, teardown),
            cmocka_unit_test_setup_teardown(post_refusals, setup, teardown),
        };

        memset(fill_a, 'a', sizeof(fill_a));
        memset(fill_b, 0x11, sizeof(fill_b));
        if (entry_lib_init())
                return 1;
        return cmocka_run_group_tests(tests, NULL, NULL);
}
