/*
 * kim: the msgpack bodies of the KIM kinds (proto/KIM.md §2), their sealed
 * values (§4) and the plaintexts that get sealed. Decoders check shape,
 * types and bounds; anything else is ERR_KIM_BODY.
 */
#include <assert.h>
#include <string.h>

#include "wire_int.h"

/* ---- vocabularies ------------------------------------------------------ */

struct name_row {
        int value;
        const char *name;
};

#define NAME_ROW_(name, num, text) {num, text},
static const struct name_row states[] = {KIM_STATE_TABLE(NAME_ROW_)};
static const struct name_row steps[] = {KIM_STEP_TABLE(NAME_ROW_)};
static const struct name_row results[] = {KIM_RESULT_TABLE(NAME_ROW_)};
static const struct name_row levels[] = {KIM_LEVEL_TABLE(NAME_ROW_)};
static const struct name_row decisions[] = {KIM_DECISION_TABLE(NAME_ROW_)};
#undef NAME_ROW_

static const struct {
        const struct name_row *rows;
        size_t n;
} vocabs[] = {
    [KIM_VOCAB_STATE] = {states, ARRAY_LEN(states)},
    [KIM_VOCAB_STEP] = {steps, ARRAY_LEN(steps)},
    [KIM_VOCAB_RESULT] = {results, ARRAY_LEN(results)},
    [KIM_VOCAB_LEVEL] = {levels, ARRAY_LEN(levels)},
    [KIM_VOCAB_DECISION] = {decisions, ARRAY_LEN(decisions)},
};

const char *
wire_kim_name(enum kim_vocab t, int v)
{
        assert((size_t)t < ARRAY_LEN(vocabs));
        for (size_t i = 0; i < vocabs[t].n; i++)
                if (vocabs[t].rows[i].value == v)
                        return vocabs[t].rows[i].name;
        return NULL;
}

int
wire_kim_value(enum kim_vocab t, struct slice s)
{
        assert((size_t)t < ARRAY_LEN(vocabs));
        for (size_t i = 0; i < vocabs[t].n; i++) {
                const char *name = vocabs[t].rows[i].name;
                if (strlen(name) == s.len && !memcmp(name, s.ptr, s.len))
                        return vocabs[t].rows[i].value;
        }
        return 0;
}

bool
wire_kim_kind(uint32_t kind)
{
        return kind >= KIND_INFORMASI && kind <= KIND_REVISI_KEPUTUSAN;
}

/* ---- value checks ------------------------------------------------------ */

/* Is s valid UTF-8 (no overlong forms, surrogates or code points past
 * U+10FFFF)? */
static bool
utf8_valid(struct slice s)
{
        const uint8_t *p = s.ptr, *end = s.ptr + s.len;

        while (p < end) {
                uint8_t c = *p++;
                size_t more;
                uint32_t cp, min;

                if (c < 0x80)
                        continue;
                if (c >= 0xc2 && c <= 0xdf)
                        more = 1, cp = c & 0x1f, min = 0x80;
                else if (c >= 0xe0 && c <= 0xef)
                        more = 2, cp = c & 0x0f, min = 0x800;
                else if (c >= 0xf0 && c <= 0xf4)
                        more = 3, cp = c & 0x07, min = 0x10000;
                else
                        return false;
                if ((size_t)(end - p) < more)
                        return false;
                for (size_t i = 0; i < more; i++) {
                        if ((p[i] & 0xc0) != 0x80)
                                return false;
                        cp = cp << 6 | (p[i] & 0x3f);
                }
                p += more;
                if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
                        return false;
        }
        return true;
}

bool
wire_kim_word(struct slice s)
{
        if (s.len < 1 || s.len > KIM_WORD_MAX)
                return false;
        for (size_t i = 0; i < s.len; i++) {
                uint8_t c = s.ptr[i];
                if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                      c == '_'))
                        return false;
        }
        return true;
}

static bool
no_controls(struct slice s)
{
        for (size_t i = 0; i < s.len; i++)
                if (s.ptr[i] < 0x20)
                        return false;
        return true;
}

/* ---- reading a map ----------------------------------------------------- */

/* A string field of min..max bytes of UTF-8. *has says whether present;
 * req: absent is an error. */
static int
get_str(const msgpack_object *map, const char *key, bool req, size_t min,
        size_t max, bool *has, struct slice *out)
{
        const msgpack_object *v = wire__map_get(map, key);

        *has = v != NULL;
        if (!v)
                return req ? ERR_KIM_BODY : 0;
        if (v->type != MSGPACK_OBJECT_STR)
                return ERR_KIM_BODY;
        *out = slice_make(v->via.str.ptr, v->via.str.size);
        if (out->len < min || out->len > max || !utf8_valid(*out))
                return ERR_KIM_BODY;
        return 0;
}

static int
get_title(const msgpack_object *map, bool req, bool *has, struct slice *out)
{
        int err = get_str(map, "title", req, 1, KIM_TITLE_MAX, has, out);

        if (!err && *has && !no_controls(*out))
                return ERR_KIM_BODY;
        return err;
}

static int
get_word(const msgpack_object *map, const char *key, bool req, bool *has,
         struct slice *out)
{
        int err = get_str(map, key, req, 1, KIM_WORD_MAX, has, out);

        if (!err && *has && !wire_kim_word(*out))
                return ERR_KIM_BODY;
        return err;
}

/* A name of vocabulary t; *out 0 if absent. */
static int
get_name(const msgpack_object *map, const char *key, bool req, enum kim_vocab t,
         int *out)
{
        struct slice s;
        bool has;
        int err = get_str(map, key, req, 1, KIM_WORD_MAX, &has, &s);

        *out = 0;
        if (err || !has)
                return err;
        return (*out = wire_kim_value(t, s)) ? 0 : ERR_KIM_BODY;
}

static int
get_code(const msgpack_object *map, const char *key, bool req, bool *has,
         char out[REGION_BUF])
{
        struct slice s;
        int err = get_str(map, key, req, 1, REGION_MAX_LEN, has, &s);

        if (err || !*has)
                return err;
        return region_copy(out, (const char *)s.ptr, s.len) ? ERR_KIM_BODY : 0;
}

static int
get_bin(const msgpack_object *v, size_t len, const uint8_t **out)
{
        if (v->type != MSGPACK_OBJECT_BIN || v->via.bin.size != len)
                return ERR_KIM_BODY;
        *out = (const uint8_t *)v->via.bin.ptr;
        return 0;
}

static int
get_id(const msgpack_object *map, const char *key, bool req, bool *has,
       uint8_t out[ENTRY_HASH_BYTES])
{
        const msgpack_object *v = wire__map_get(map, key);
        const uint8_t *p;

        *has = v != NULL;
        if (!v)
                return req ? ERR_KIM_BODY : 0;
        if (get_bin(v, ENTRY_HASH_BYTES, &p))
                return ERR_KIM_BODY;
        memcpy(out, p, ENTRY_HASH_BYTES);
        return 0;
}

static int
get_bool(const msgpack_object *map, const char *key, bool *out)
{
        const msgpack_object *v = wire__map_get(map, key);

        *out = false;
        if (!v)
                return 0;
        if (v->type != MSGPACK_OBJECT_BOOLEAN)
                return ERR_KIM_BODY;
        *out = v->via.boolean;
        return 0;
}

static int
get_uint(const msgpack_object *map, const char *key, bool *has, uint64_t *out)
{
        const msgpack_object *v = wire__map_get(map, key);

        *has = v != NULL;
        if (!v)
                return 0;
        if (v->type != MSGPACK_OBJECT_POSITIVE_INTEGER)
                return ERR_KIM_BODY;
        *out = v->via.u64;
        return 0;
}

static int
get_float(const msgpack_object *v, double lo, double hi, double *out)
{
        if (v->type != MSGPACK_OBJECT_FLOAT32 &&
            v->type != MSGPACK_OBJECT_FLOAT64)
                return ERR_KIM_BODY;
        *out = v->via.f64;
        /* NaN fails both comparisons. */
        return *out >= lo && *out <= hi ? 0 : ERR_KIM_BODY;
}

static int
get_tags(const msgpack_object *map, struct kim_body *b)
{
        const msgpack_object *v = wire__map_get(map, "tags");

        b->has_tags = v != NULL;
        b->n_tags = 0;
        if (!v)
                return 0;
        if (v->type != MSGPACK_OBJECT_ARRAY || v->via.array.size > KIM_TAGS_MAX)
                return ERR_KIM_BODY;
        for (uint32_t i = 0; i < v->via.array.size; i++) {
                const msgpack_object *t = &v->via.array.ptr[i];
                struct slice s;
                if (t->type != MSGPACK_OBJECT_STR)
                        return ERR_KIM_BODY;
                s = slice_make(t->via.str.ptr, t->via.str.size);
                if (!wire_kim_word(s))
                        return ERR_KIM_BODY;
                b->tags[b->n_tags++] = s;
        }
        return 0;
}

static int
get_location(const msgpack_object *map, struct kim_location *l)
{
        const msgpack_object *v = wire__map_get(map, "location"), *lat, *lon;
        int err;

        memset(l, 0, sizeof(*l));
        if (!v)
                return 0;
        if (v->type != MSGPACK_OBJECT_MAP)
                return ERR_KIM_BODY;
        l->present = true;
        if ((err = get_code(v, "region", false, &l->has_region, l->region)) ||
            (err = get_str(v, "place", false, 1, KIM_PLACE_MAX, &l->has_place,
                           &l->place)))
                return err;
        lat = wire__map_get(v, "lat");
        lon = wire__map_get(v, "lon");
        if (!lat != !lon)
                return ERR_KIM_BODY;
        if (!lat)
                return 0;
        l->has_coords = true;
        if (get_float(lat, -90.0, 90.0, &l->lat) ||
            get_float(lon, -180.0, 180.0, &l->lon))
                return ERR_KIM_BODY;
        return 0;
}

static int
get_sealed(const msgpack_object *map, const char *key, struct kim_sealed *s)
{
        const msgpack_object *v = wire__map_get(map, key), *to, *keys, *nonce,
                             *ct;
        bool has_version;

        memset(s, 0, sizeof(*s));
        if (!v)
                return 0;
        if (v->type != MSGPACK_OBJECT_MAP)
                return ERR_KIM_BODY;
        /* Any version >= 1 is carried; only a recipient cares (seal_open). */
        if (get_uint(v, "v", &has_version, &s->version) ||
            (has_version && s->version < 1))
                return ERR_KIM_BODY;
        if (!has_version)
                s->version = 1;
        to = wire__map_get(v, "to");
        keys = wire__map_get(v, "keys");
        nonce = wire__map_get(v, "nonce");
        ct = wire__map_get(v, "ct");
        if (!to || !keys || !nonce || !ct || to->type != MSGPACK_OBJECT_ARRAY ||
            keys->type != MSGPACK_OBJECT_ARRAY || to->via.array.size < 1 ||
            to->via.array.size > KIM_SEAL_TO_MAX ||
            keys->via.array.size != to->via.array.size)
                return ERR_KIM_BODY;
        for (uint32_t i = 0; i < to->via.array.size; i++)
                if (get_bin(&to->via.array.ptr[i], ENTRY_KEY_BYTES,
                            &s->to[i]) ||
                    get_bin(&keys->via.array.ptr[i], KIM_SEAL_BOX_BYTES,
                            &s->keys[i]))
                        return ERR_KIM_BODY;
        if (get_bin(nonce, KIM_SEAL_NONCE_BYTES, &s->nonce) ||
            ct->type != MSGPACK_OBJECT_BIN ||
            ct->via.bin.size < KIM_SEAL_CT_MIN ||
            ct->via.bin.size > KIM_SEAL_CT_MAX)
                return ERR_KIM_BODY;
        s->ct = slice_make(ct->via.bin.ptr, ct->via.bin.size);
        s->n = to->via.array.size;
        return 0;
}

/* A media type: type/subtype of a-z 0-9 . + - (BLOBS.md §2). */
static bool
media_type_ok(struct slice s)
{
        size_t slash = 0;

        if (s.len < 3 || s.len > KIM_ATTACH_TYPE_MAX)
                return false;
        for (size_t i = 0; i < s.len; i++) {
                char c = (char)s.ptr[i];
                if (c == '/') {
                        if (slash || i == 0 || i + 1 == s.len)
                                return false;
                        slash = i;
                } else if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                             c == '.' || c == '+' || c == '-')) {
                        return false;
                }
        }
        return slash != 0;
}

/* type, name, thumb of an attachment, or of a sealed one's file
 * (BLOBS.md §2, §2.1): a thumbnail for image types only. */
static int
get_file_meta(const msgpack_object *m, struct slice *type, struct slice *name,
              struct slice *thumb)
{
        const msgpack_object *v;
        bool has;

        *name = *thumb = slice_make(NULL, 0);
        if (get_str(m, "type", true, 3, KIM_ATTACH_TYPE_MAX, &has, type) ||
            !media_type_ok(*type) ||
            get_str(m, "name", false, 0, KIM_ATTACH_NAME_MAX, &has, name) ||
            (has && !no_controls(*name)))
                return ERR_KIM_BODY;
        if (!(v = wire__map_get(m, "thumb")))
                return 0;
        if (!wire__get_bin_slice(v, KIM_THUMB_MAX, thumb) || thumb->len == 0 ||
            type->len < 6 || memcmp(type->ptr, "image/", 6))
                return ERR_KIM_BODY;
        return 0;
}

/* The clear map's attachment of a rahasia report names only its
 * ciphertext: root, size and the type KIM_SEALED_TYPE (BLOBS.md §2.1). */
static bool
sealed_clear_ok(const msgpack_object *m, const struct kim_attachment *a)
{
        return a->type.len == strlen(KIM_SEALED_TYPE) &&
               !memcmp(a->type.ptr, KIM_SEALED_TYPE, a->type.len) &&
               !wire__map_get(m, "name") && !wire__map_get(m, "thumb");
}

static int
get_attachment(const msgpack_object *m, bool rahasia, struct kim_attachment *a)
{
        bool has;
        int err;

        memset(a, 0, sizeof(*a));
        if (m->type != MSGPACK_OBJECT_MAP ||
            (err = get_id(m, "root", true, &has, a->root)) ||
            (err = get_uint(m, "size", &has, &a->size)))
                return ERR_KIM_BODY;
        if (!has || a->size == 0 || a->size > KIM_ATTACH_SIZE_MAX ||
            get_file_meta(m, &a->type, &a->name, &a->thumb) ||
            (rahasia && !sealed_clear_ok(m, a)))
                return ERR_KIM_BODY;
        return 0;
}

/* attachments: an array of 1..KIM_ATTACH_MAX maps; on a rahasia report
 * they name ciphertexts only, whose keys and names are sealed. */
static int
get_attachments(const msgpack_object *map, struct kim_body *b)
{
        const msgpack_object *v = wire__map_get(map, "attachments");
        int err;

        b->n_attach = 0;
        if (!v)
                return 0;
        if (v->type != MSGPACK_OBJECT_ARRAY || v->via.array.size == 0 ||
            v->via.array.size > KIM_ATTACH_MAX)
                return ERR_KIM_BODY;
        for (uint32_t i = 0; i < v->via.array.size; i++) {
                if ((err = get_attachment(&v->via.array.ptr[i], b->rahasia,
                                          &b->attach[b->n_attach])))
                        return err;
                b->n_attach++;
        }
        return 0;
}

/* The sealed content's files (BLOBS.md §2.1): one {key, type, name?,
 * thumb?} per clear attachment, in order; all or nothing into out. */
static int
get_files(const msgpack_object *map, struct kim_body *out)
{
        const msgpack_object *v = wire__map_get(map, "files");
        struct kim_attachment f[KIM_ATTACH_MAX];

        if (!v)
                return out->n_attach ? ERR_KIM_BODY : 0;
        if (v->type != MSGPACK_OBJECT_ARRAY ||
            v->via.array.size != out->n_attach)
                return ERR_KIM_BODY;
        for (uint32_t i = 0; i < v->via.array.size; i++) {
                const msgpack_object *m = &v->via.array.ptr[i], *k;
                if (m->type != MSGPACK_OBJECT_MAP ||
                    !(k = wire__map_get(m, "key")) ||
                    get_bin(k, KIM_FILE_KEY_BYTES, &f[i].key) ||
                    get_file_meta(m, &f[i].type, &f[i].name, &f[i].thumb))
                        return ERR_KIM_BODY;
        }
        for (uint32_t i = 0; i < v->via.array.size; i++) {
                out->attach[i].key = f[i].key;
                out->attach[i].type = f[i].type;
                out->attach[i].name = f[i].name;
                out->attach[i].thumb = f[i].thumb;
        }
        return 0;
}

/* ---- bodies of each kind ----------------------------------------------- */

static int
decode_announcement(const msgpack_object *m, struct kim_body *b)
{
        int level, err;

        if ((err = get_title(m, true, &b->has_title, &b->title)) ||
            (err = get_str(m, "text", true, 0, KIM_TEXT_MAX, &b->has_text,
                           &b->text)) ||
            (err = get_word(m, "category", false, &b->has_category,
                            &b->category)) ||
            (err = get_tags(m, b)) || (err = get_location(m, &b->location)) ||
            (err = get_name(m, "level", b->kind == KIND_PERINGATAN,
                            KIM_VOCAB_LEVEL, &level)) ||
            (err = get_uint(m, "until_ms", &b->has_until, &b->until_ms)) ||
            (err = get_attachments(m, b)))
                return err;
        b->level = (enum kim_level)level;
        return 0;
}

static int
decode_report(const msgpack_object *m, struct kim_body *b)
{
        int err;

        if ((err = get_code(m, "handler", true, &b->has_handler, b->handler)) ||
            (err = get_word(m, "category", true, &b->has_category,
                            &b->category)) ||
            (err = get_bool(m, "anonim", &b->anonim)) ||
            (err = get_bool(m, "rahasia", &b->rahasia)) ||
            (err = get_sealed(m, "reporter", &b->reporter)) ||
            (err = get_sealed(m, "sealed", &b->sealed)))
                return err;
        if (b->rahasia) {
                /* A relay sees kind, handler, category, flags, and the
                 * count and sizes of the sealed attachments only. */
                if (wire__map_get(m, "title") || wire__map_get(m, "text") ||
                    wire__map_get(m, "location") || wire__map_get(m, "tags") ||
                    !b->sealed.n)
                        return ERR_KIM_BODY;
                return get_attachments(m, b);
        }
        if (b->sealed.n)
                return ERR_KIM_BODY;
        if ((err = get_title(m, true, &b->has_title, &b->title)) ||
            (err = get_str(m, "text", true, 0, KIM_TEXT_MAX, &b->has_text,
                           &b->text)) ||
            (err = get_tags(m, b)) || (err = get_location(m, &b->location)) ||
            (err = get_attachments(m, b)))
                return err;
        return 0;
}

/*
 * The details of a step (note, method, agency, verifier) or a tanggapan
 * (text, title) of b->kind (and b->step): in its clear map, or in the
 * sealed details of one on a rahasia report (KIM.md §4.3).
 */
static int
get_details(const msgpack_object *m, struct kim_body *b)
{
        int err;

        if (b->kind == KIND_TANGGAPAN) {
                if ((err = get_str(m, "text", true, 1, KIM_TEXT_MAX,
                                   &b->has_text, &b->text)) ||
                    (err = get_title(m, false, &b->has_title, &b->title)))
                        return err;
                return 0;
        }
        if ((err = get_str(m, "note", false, 0, KIM_NOTE_MAX, &b->has_note,
                           &b->note)) ||
            (err = get_str(m, "method", b->step == KIM_STEP_DIVERIFIKASI, 1,
                           KIM_PLACE_MAX, &b->has_method, &b->method)) ||
            (err = get_str(m, "agency", b->step == KIM_STEP_DITERUSKAN, 1,
                           KIM_PLACE_MAX, &b->has_agency, &b->agency)) ||
            (err = get_str(m, "verifier", false, 1, KIM_NAME_MAX,
                           &b->has_verifier, &b->verifier)))
                return err;
        return 0;
}

static int
decode_status(const msgpack_object *m, struct kim_body *b)
{
        bool verify;
        int step, result, err;

        if ((err = get_id(m, "report", true, &b->has_report, b->report)) ||
            (err = get_id(m, "after", true, &b->has_after, b->after)) ||
            (err = get_name(m, "step", true, KIM_VOCAB_STEP, &step)) ||
            (err = get_sealed(m, "sealed", &b->sealed)))
                return err;
        b->step = (enum kim_step)step;
        verify = b->step == KIM_STEP_DIVERIFIKASI;
        if ((err = get_name(m, "result", verify, KIM_VOCAB_RESULT, &result)) ||
            (err = get_bool(m, "anonim", &b->anonim)) ||
            (err = get_bool(m, "rahasia", &b->rahasia)))
                return err;
        b->result = (enum kim_result)result;
        if (b->sealed.n) /* the details of a rahasia report's step */
                return wire__map_get(m, "note") || wire__map_get(m, "method") ||
                               wire__map_get(m, "agency") ||
                               wire__map_get(m, "verifier")
                           ? ERR_KIM_BODY
                           : 0;
        return get_details(m, b);
}

static int
decode_tanggapan(const msgpack_object *m, struct kim_body *b)
{
        int err;

        if ((err = get_id(m, "report", true, &b->has_report, b->report)) ||
            (err = get_sealed(m, "sealed", &b->sealed)))
                return err;
        if (b->sealed.n) /* the answer to a rahasia report */
                return wire__map_get(m, "text") || wire__map_get(m, "title") ||
                               wire__map_get(m, "attachments")
                           ? ERR_KIM_BODY
                           : 0;
        if ((err = get_details(m, b)) || (err = get_attachments(m, b)))
                return err;
        return 0;
}

static int
decode_revisi(const msgpack_object *m, struct kim_body *b)
{
        int err;

        if ((err = get_id(m, "item", true, &b->has_item, b->item)) ||
            (err = get_title(m, true, &b->has_title, &b->title)) ||
            (err = get_str(m, "text", true, 0, KIM_TEXT_MAX, &b->has_text,
                           &b->text)) ||
            (err = get_str(m, "reason", true, 1, KIM_REASON_MAX, &b->has_reason,
                           &b->reason)))
                return err;
        return 0;
}

static int
decode_keputusan(const msgpack_object *m, struct kim_body *b)
{
        int decision, err;

        if ((err = get_id(m, "revisi", true, &b->has_revisi, b->revisi)) ||
            (err = get_name(m, "decision", true, KIM_VOCAB_DECISION,
                            &decision)) ||
            (err = get_str(m, "reason", false, 0, KIM_NOTE_MAX, &b->has_reason,
                           &b->reason)))
                return err;
        b->decision = (enum kim_decision)decision;
        return 0;
}

/* Unpacks a map of at most ENTRY_BODY_MAX bytes into u. */
static int
unpack_map(struct slice in, msgpack_unpacked *u)
{
        if (in.len > ENTRY_BODY_MAX ||
            wire__unpack(in, ENTRY_BODY_DEPTH_MAX, u) ||
            u->data.type != MSGPACK_OBJECT_MAP)
                return ERR_KIM_BODY;
        return 0;
}

int
wire_kim_decode(uint32_t kind, struct slice body, struct kim_body *out)
{
        msgpack_unpacked u;
        int err;

        memset(out, 0, sizeof(*out));
        out->kind = kind;
        if (!wire_kim_kind(kind))
                return ERR_KIND;
        msgpack_unpacked_init(&u);
        if ((err = unpack_map(body, &u)))
                goto out;
        switch (kind) {
        case KIND_INFORMASI:
        case KIND_PERINGATAN:
                err = decode_announcement(&u.data, out);
                break;
        case KIND_ASPIRASI:
        case KIND_PENGADUAN:
        case KIND_PERMINTAAN_INFORMASI:
                err = decode_report(&u.data, out);
                break;
        case KIND_TANGGAPAN:
                err = decode_tanggapan(&u.data, out);
                break;
        case KIND_STATUS:
                err = decode_status(&u.data, out);
                break;
        case KIND_REVISI:
                err = decode_revisi(&u.data, out);
                break;
        default:
                err = decode_keputusan(&u.data, out);
                break;
        }
out:
        msgpack_unpacked_destroy(&u);
        if (err) {
                memset(out, 0, sizeof(*out));
                out->kind = kind;
        }
        return err;
}

int
wire_kim_content_decode(struct slice in, struct kim_body *out)
{
        msgpack_unpacked u;
        int err;

        msgpack_unpacked_init(&u);
        if (!(err = unpack_map(in, &u)) &&
            !(err = get_title(&u.data, true, &out->has_title, &out->title)) &&
            !(err = get_str(&u.data, "text", true, 0, KIM_TEXT_MAX,
                            &out->has_text, &out->text)) &&
            !(err = get_location(&u.data, &out->location)) &&
            !(err = get_tags(&u.data, out)))
                err = get_files(&u.data, out);
        msgpack_unpacked_destroy(&u);
        return err;
}

int
wire_kim_details_decode(struct slice in, struct kim_body *out)
{
        msgpack_unpacked u;
        struct kim_body d;
        int err;

        if (out->kind != KIND_STATUS && out->kind != KIND_TANGGAPAN)
                return ERR_KIM_BODY;
        memset(&d, 0, sizeof(d));
        d.kind = out->kind;
        d.step = out->step;
        msgpack_unpacked_init(&u);
        if (!(err = unpack_map(in, &u)))
                err = get_details(&u.data, &d);
        msgpack_unpacked_destroy(&u);
        if (err)
                return err;
        out->has_text = d.has_text;
        out->text = d.text;
        out->has_title = d.has_title;
        out->title = d.title;
        out->has_note = d.has_note;
        out->note = d.note;
        out->has_method = d.has_method;
        out->method = d.method;
        out->has_agency = d.has_agency;
        out->agency = d.agency;
        out->has_verifier = d.has_verifier;
        out->verifier = d.verifier;
        return 0;
}

int
wire_kim_reporter_decode(struct slice in, struct kim_reporter *r)
{
        msgpack_unpacked u;
        bool has;
        int err;

        memset(r, 0, sizeof(*r));
        msgpack_unpacked_init(&u);
        if (!(err = unpack_map(in, &u)) &&
            !(err = get_str(&u.data, "name", true, 1, KIM_NAME_MAX, &has,
                            &r->name)))
                err = get_str(&u.data, "contact", false, 0, KIM_CONTACT_MAX,
                              &has, &r->contact);
        msgpack_unpacked_destroy(&u);
        if (err)
                memset(r, 0, sizeof(*r));
        return err;
}

/* ---- encoding ---------------------------------------------------------- */

/* Collects key/value pairs, then packs them as one map. */
#define ENC_MAX 16U
enum enc_type {
        ENC_STR,
        ENC_BIN,
        ENC_BOOL,
        ENC_UINT,
        ENC_TAGS,
        ENC_LOC,
        ENC_SEALED,
        ENC_ATTACH,
        ENC_ATTACH_CLEAR, /* a rahasia report's: ciphertexts only */
        ENC_FILES         /* in its sealed content: keys and names */
};
struct enc_item {
        const char *key;
        enum enc_type type;
        struct slice s;
        bool b;
        uint64_t u;
        const void *p;
};
struct enc {
        struct enc_item it[ENC_MAX];
        size_t n;
};

static struct enc_item *
enc_add(struct enc *e, const char *key, enum enc_type type)
{
        struct enc_item *it = &e->it[e->n++];

        memset(it, 0, sizeof(*it));
        it->key = key;
        it->type = type;
        return it;
}

static void
enc_str(struct enc *e, const char *key, bool has, struct slice s)
{
        if (has)
                enc_add(e, key, ENC_STR)->s = s;
}

static void
enc_cstr(struct enc *e, const char *key, const char *s)
{
        if (s)
                enc_add(e, key, ENC_STR)->s = slice_cstr(s);
}

static void
enc_id(struct enc *e, const char *key, bool has, const uint8_t *id)
{
        if (has)
                enc_add(e, key, ENC_BIN)->s = slice_make(id, ENTRY_HASH_BYTES);
}

static void
enc_true(struct enc *e, const char *key, bool v)
{
        if (v)
                enc_add(e, key, ENC_BOOL)->b = true;
}

static void
pack_location(msgpack_packer *pk, const struct kim_location *l)
{
        size_t n = l->has_region + l->has_place + 2U * l->has_coords;

        msgpack_pack_map(pk, n);
        if (l->has_region) {
                wire__pack_str(pk, "region");
                wire__pack_str(pk, l->region);
        }
        if (l->has_place) {
                wire__pack_str(pk, "place");
                wire__pack_strn(pk, l->place.ptr, l->place.len);
        }
        if (l->has_coords) {
                wire__pack_str(pk, "lat");
                msgpack_pack_double(pk, l->lat);
                wire__pack_str(pk, "lon");
                msgpack_pack_double(pk, l->lon);
        }
}

static void
pack_sealed(msgpack_packer *pk, const struct kim_sealed *s)
{
        msgpack_pack_map(pk, s->version > 1 ? 5 : 4);
        if (s->version > 1) {
                wire__pack_str(pk, "v");
                msgpack_pack_uint64(pk, s->version);
        }
        wire__pack_str(pk, "to");
        msgpack_pack_array(pk, s->n);
        for (size_t i = 0; i < s->n; i++)
                wire__pack_bin(pk, s->to[i], ENTRY_KEY_BYTES);
        wire__pack_str(pk, "keys");
        msgpack_pack_array(pk, s->n);
        for (size_t i = 0; i < s->n; i++)
                wire__pack_bin(pk, s->keys[i], KIM_SEAL_BOX_BYTES);
        wire__pack_str(pk, "nonce");
        wire__pack_bin(pk, s->nonce, KIM_SEAL_NONCE_BYTES);
        wire__pack_str(pk, "ct");
        wire__pack_bin(pk, s->ct.ptr, s->ct.len);
}

/* A rahasia report's clear attachments: root, size, KIM_SEALED_TYPE. */
static void
pack_attachments_clear(msgpack_packer *pk, const struct kim_body *b)
{
        msgpack_pack_array(pk, b->n_attach);
        for (size_t i = 0; i < b->n_attach; i++) {
                msgpack_pack_map(pk, 3);
                wire__pack_str(pk, "root");
                wire__pack_bin(pk, b->attach[i].root, ENTRY_HASH_BYTES);
                wire__pack_str(pk, "size");
                msgpack_pack_uint64(pk, b->attach[i].size);
                wire__pack_str(pk, "type");
                wire__pack_str(pk, KIM_SEALED_TYPE);
        }
}

/* Its sealed content's files: key, type, name, thumb of each. */
static void
pack_files(msgpack_packer *pk, const struct kim_body *b)
{
        msgpack_pack_array(pk, b->n_attach);
        for (size_t i = 0; i < b->n_attach; i++) {
                const struct kim_attachment *a = &b->attach[i];
                msgpack_pack_map(pk,
                                 2U + (a->name.len > 0) + (a->thumb.len > 0));
                wire__pack_str(pk, "key");
                assert(a->key); /* the author sealed the file (post.c) */
                wire__pack_bin(pk, a->key, KIM_FILE_KEY_BYTES);
                wire__pack_str(pk, "type");
                wire__pack_strn(pk, a->type.ptr, a->type.len);
                if (a->name.len) {
                        wire__pack_str(pk, "name");
                        wire__pack_strn(pk, a->name.ptr, a->name.len);
                }
                if (a->thumb.len) {
                        wire__pack_str(pk, "thumb");
                        wire__pack_bin(pk, a->thumb.ptr, a->thumb.len);
                }
        }
}

static void
pack_attachments(msgpack_packer *pk, const struct kim_body *b)
{
        msgpack_pack_array(pk, b->n_attach);
        for (size_t i = 0; i < b->n_attach; i++) {
                const struct kim_attachment *a = &b->attach[i];
                msgpack_pack_map(pk,
                                 3U + (a->name.len > 0) + (a->thumb.len > 0));
                wire__pack_str(pk, "root");
                wire__pack_bin(pk, a->root, ENTRY_HASH_BYTES);
                wire__pack_str(pk, "size");
                msgpack_pack_uint64(pk, a->size);
                wire__pack_str(pk, "type");
                wire__pack_strn(pk, a->type.ptr, a->type.len);
                if (a->name.len) {
                        wire__pack_str(pk, "name");
                        wire__pack_strn(pk, a->name.ptr, a->name.len);
                }
                if (a->thumb.len) {
                        wire__pack_str(pk, "thumb");
                        wire__pack_bin(pk, a->thumb.ptr, a->thumb.len);
                }
        }
}

static void
enc_pack(const struct enc *e, struct buf *out)
{
        msgpack_packer pk;

        wire__packer_init(&pk, out);
        msgpack_pack_map(&pk, e->n);
        for (size_t i = 0; i < e->n; i++) {
                const struct enc_item *it = &e->it[i];
                const struct kim_body *b = it->p;
                wire__pack_str(&pk, it->key);
                switch (it->type) {
                case ENC_STR:
                        wire__pack_strn(&pk, it->s.ptr, it->s.len);
                        break;
                case ENC_BIN:
                        wire__pack_bin(&pk, it->s.ptr, it->s.len);
                        break;
                case ENC_BOOL:
                        wire__pack_bool(&pk, it->b);
                        break;
                case ENC_UINT:
                        msgpack_pack_uint64(&pk, it->u);
                        break;
                case ENC_TAGS:
                        msgpack_pack_array(&pk, b->n_tags);
                        for (size_t j = 0; j < b->n_tags; j++)
                                wire__pack_strn(&pk, b->tags[j].ptr,
                                                b->tags[j].len);
                        break;
                case ENC_LOC:
                        pack_location(&pk, it->p);
                        break;
                case ENC_SEALED:
                        pack_sealed(&pk, it->p);
                        break;
                case ENC_ATTACH:
                        pack_attachments(&pk, b);
                        break;
                case ENC_ATTACH_CLEAR:
                        pack_attachments_clear(&pk, b);
                        break;
                case ENC_FILES:
                        pack_files(&pk, b);
                        break;
                }
        }
}

/* title, text, category, tags, location, attachments: the shared fields.
 * A rahasia report's attachments are ENC_ATTACH_CLEAR in its clear map and
 * ENC_FILES (key "files") in its sealed content. */
static void
enc_content(struct enc *e, const struct kim_body *b, bool category,
            enum enc_type attach)
{
        enc_str(e, "title", b->has_title, b->title);
        enc_str(e, "text", b->has_text, b->text);
        if (category)
                enc_str(e, "category", b->has_category, b->category);
        if (b->has_tags)
                enc_add(e, "tags", ENC_TAGS)->p = b;
        if (b->location.present)
                enc_add(e, "location", ENC_LOC)->p = &b->location;
        if (b->n_attach)
                enc_add(e, attach == ENC_FILES ? "files" : "attachments",
                        attach)
                    ->p = b;
}

static void
enc_report(struct enc *e, const struct kim_body *b)
{
        if (b->has_handler)
                enc_add(e, "handler", ENC_STR)->s = slice_cstr(b->handler);
        enc_content(e, b, true, b->rahasia ? ENC_ATTACH_CLEAR : ENC_ATTACH);
        enc_true(e, "anonim", b->anonim);
        enc_true(e, "rahasia", b->rahasia);
        if (b->reporter.n)
                enc_add(e, "reporter", ENC_SEALED)->p = &b->reporter;
        if (b->sealed.n)
                enc_add(e, "sealed", ENC_SEALED)->p = &b->sealed;
}

static void
enc_status(struct enc *e, const struct kim_body *b)
{
        enc_id(e, "report", b->has_report, b->report);
        enc_id(e, "after", b->has_after, b->after);
        enc_cstr(e, "step", wire_kim_name(KIM_VOCAB_STEP, (int)b->step));
        enc_str(e, "note", b->has_note, b->note);
        enc_str(e, "method", b->has_method, b->method);
        enc_cstr(e, "result", wire_kim_name(KIM_VOCAB_RESULT, (int)b->result));
        enc_str(e, "agency", b->has_agency, b->agency);
        enc_str(e, "verifier", b->has_verifier, b->verifier);
        enc_true(e, "anonim", b->anonim);
        enc_true(e, "rahasia", b->rahasia);
        if (b->sealed.n)
                enc_add(e, "sealed", ENC_SEALED)->p = &b->sealed;
}

void
wire_kim_encode(const struct kim_body *b, struct buf *out)
{
        struct enc e;

        e.n = 0;
        switch (b->kind) {
        case KIND_INFORMASI:
        case KIND_PERINGATAN:
                enc_content(&e, b, true, ENC_ATTACH);
                enc_cstr(&e, "level",
                         wire_kim_name(KIM_VOCAB_LEVEL, (int)b->level));
                if (b->has_until)
                        enc_add(&e, "until_ms", ENC_UINT)->u = b->until_ms;
                break;
        case KIND_ASPIRASI:
        case KIND_PENGADUAN:
        case KIND_PERMINTAAN_INFORMASI:
                enc_report(&e, b);
                break;
        case KIND_TANGGAPAN:
                enc_id(&e, "report", b->has_report, b->report);
                enc_str(&e, "text", b->has_text, b->text);
                enc_str(&e, "title", b->has_title, b->title);
                if (b->n_attach)
                        enc_add(&e, "attachments", ENC_ATTACH)->p = b;
                if (b->sealed.n)
                        enc_add(&e, "sealed", ENC_SEALED)->p = &b->sealed;
                break;
        case KIND_STATUS:
                enc_status(&e, b);
                break;
        case KIND_REVISI:
                enc_id(&e, "item", b->has_item, b->item);
                enc_str(&e, "title", b->has_title, b->title);
                enc_str(&e, "text", b->has_text, b->text);
                enc_str(&e, "reason", b->has_reason, b->reason);
                break;
        case KIND_REVISI_KEPUTUSAN:
                enc_id(&e, "revisi", b->has_revisi, b->revisi);
                enc_cstr(&e, "decision",
                         wire_kim_name(KIM_VOCAB_DECISION, (int)b->decision));
                enc_str(&e, "reason", b->has_reason, b->reason);
                break;
        default:
                break;
        }
        enc_pack(&e, out);
}

void
wire_kim_content_encode(const struct kim_body *b, struct buf *out)
{
        struct enc e;

        e.n = 0;
        enc_content(&e, b, false, ENC_FILES);
        enc_pack(&e, out);
}

void
wire_kim_details_encode(const struct kim_body *b, struct buf *out)
{
        struct enc e;

        e.n = 0;
        if (b->kind == KIND_TANGGAPAN) {
                enc_str(&e, "text", b->has_text, b->text);
                enc_str(&e, "title", b->has_title, b->title);
        } else {
                enc_str(&e, "note", b->has_note, b->note);
                enc_str(&e, "method", b->has_method, b->method);
                enc_str(&e, "agency", b->has_agency, b->agency);
                enc_str(&e, "verifier", b->has_verifier, b->verifier);
        }
        enc_pack(&e, out);
}

void
wire_kim_reporter_encode(const struct kim_reporter *r, struct buf *out)
{
        struct enc e;

        e.n = 0;
        enc_str(&e, "name", true, r->name);
        enc_str(&e, "contact", true, r->contact);
        enc_pack(&e, out);
}
