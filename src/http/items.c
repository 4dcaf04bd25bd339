/*
 * items: the KIM endpoints — creating items of every kind from JSON whose
 * fields mirror the bodies of proto/KIM.md §2, revisions and their
 * decisions, steps and responses, and the lists and details of the views.
 *
 * A JSON body is checked here for shape (known fields, JSON types, ids);
 * bounds and the KIM rules are app_post's (KIM-BODY, KIM-ROLE, ...), so
 * the API and `simpul post` refuse exactly the same things.
 */
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "http_int.h"

/* Kind bits, for the fields that belong to some kinds only. */
#define K(kind) (1U << (kind))
#define K_ANN (K(KIND_INFORMASI) | K(KIND_PERINGATAN))
#define K_REP                                                                  \
        (K(KIND_ASPIRASI) | K(KIND_PENGADUAN) | K(KIND_PERMINTAAN_INFORMASI))
#define K_ALL 0xffffffffU

struct item_field {
        struct field f;
        uint32_t kinds;
};

/* Every field of POST /api/items, and the kinds it belongs to. */
static const struct item_field item_fields[] = {
    {{"kind", FIELD_STR}, K_ALL},
    {{"to", FIELD_STR}, K_ALL},
    {{"title", FIELD_STR}, K_ANN | K_REP | K(KIND_TANGGAPAN) | K(KIND_REVISI)},
    {{"text", FIELD_STR}, K_ANN | K_REP | K(KIND_TANGGAPAN) | K(KIND_REVISI)},
    {{"category", FIELD_STR}, K_ANN | K_REP},
    {{"tags", FIELD_WORDS}, K_ANN | K_REP},
    {{"location", FIELD_OBJ}, K_ANN | K_REP},
    {{"level", FIELD_STR}, K(KIND_PERINGATAN)},
    {{"until_ms", FIELD_UINT}, K(KIND_PERINGATAN)},
    {{"handler", FIELD_STR}, K_REP},
    {{"anonim", FIELD_BOOL}, K_REP | K(KIND_STATUS)},
    {{"rahasia", FIELD_BOOL}, K_REP | K(KIND_STATUS)},
    {{"reporter", FIELD_OBJ}, K_REP},
    {{"report", FIELD_STR}, K(KIND_STATUS) | K(KIND_TANGGAPAN)},
    {{"step", FIELD_STR}, K(KIND_STATUS)},
    {{"note", FIELD_STR}, K(KIND_STATUS)},
    {{"method", FIELD_STR}, K(KIND_STATUS)},
    {{"result", FIELD_STR}, K(KIND_STATUS)},
    {{"agency", FIELD_STR}, K(KIND_STATUS)},
    {{"verifier", FIELD_STR}, K(KIND_STATUS)},
    {{"item", FIELD_STR}, K(KIND_REVISI)},
    {{"reason", FIELD_STR}, K(KIND_REVISI) | K(KIND_REVISI_KEPUTUSAN)},
    {{"revisi", FIELD_STR}, K(KIND_REVISI_KEPUTUSAN)},
    {{"decision", FIELD_STR}, K(KIND_REVISI_KEPUTUSAN)},
    {{"attachments", FIELD_OBJS}, K_ANN | K_REP | K(KIND_TANGGAPAN)},
};

static const struct field attachment_fields[] = {
    {"root", FIELD_STR},
    {"type", FIELD_STR},
    {"name", FIELD_STR},
    {"thumb", FIELD_STR},
};

/*
 * thumb: the attachment's inline thumbnail (BLOBS.md §2), base64, made by
 * the web app in the browser. Decoded into the request's body buffer at
 * *used: the body was parsed already and its base64 text is longer than
 * what it decodes to, so the bytes fit and live as long as the request.
 */
static int
thumb_parse(struct http_req *r, const char *b64, struct kim_attachment *a,
            size_t *used)
{
        size_t n = 0;

        if (sodium_base642bin(r->body.data + *used, r->body.cap - *used, b64,
                              strlen(b64), NULL, &n, NULL,
                              sodium_base64_VARIANT_ORIGINAL) ||
            n == 0 || n > KIM_THUMB_MAX)
                return http_fail(r, ERR_HTTP_BAD_VALUE,
                                 "field 'attachments[].thumb': base64 of 1 "
                                 "to %u bytes",
                                 KIM_THUMB_MAX);
        a->thumb = (struct slice){.ptr = r->body.data + *used, .len = n};
        *used += n;
        return 0;
}

/*
 * attachments: [{root, type, name, thumb}], each a blob held whole here
 * (POST /api/blobs); its size is the blob's. proto/BLOBS.md §2.
 */
static int
attachments_parse(struct http_req *r, json_t *arr, struct kim_body *b)
{
        char msg[APP_ERR_MAX];
        uint64_t size;
        size_t used = 0;
        int err;

        if (json_array_size(arr) == 0 || json_array_size(arr) > KIM_ATTACH_MAX)
                return http_fail(r, ERR_HTTP_BAD_VALUE,
                                 "field 'attachments': 1 to %u",
                                 KIM_ATTACH_MAX);
        for (size_t i = 0; i < json_array_size(arr); i++) {
                json_t *o = json_array_get(arr, i);
                struct kim_attachment *a = &b->attach[i];
                const char *type, *name, *thumb;
                bool has;
                if ((err = http_fields_check(r, o, "attachments[].",
                                             attachment_fields,
                                             ARRAY_LEN(attachment_fields))) ||
                    (err = http_id(r, o, "root", true, a->root, &has)) ||
                    (err = http_str_req(r, o, "type", &type)))
                        return err;
                name = http_str(o, "name");
                a->type = slice_cstr(type);
                a->name = slice_cstr(name ? name : "");
                if (r->check_only)
                        continue;
                if ((err = app_blob_size(r->s->n, a->root, &size, msg)))
                        return http_fail(r, err,
                                         "field 'attachments': %s (POST "
                                         "/api/blobs first)",
                                         msg);
                a->size = size;
                if ((thumb = http_str(o, "thumb")) &&
                    (err = thumb_parse(r, thumb, a, &used)))
                        return err;
        }
        b->n_attach = json_array_size(arr);
        return 0;
}

static const struct field location_fields[] = {
    {"region", FIELD_STR},
    {"place", FIELD_STR},
    {"lat", FIELD_NUM},
    {"lon", FIELD_NUM},
};

static const struct field reporter_fields[] = {
    {"name", FIELD_STR},
    {"contact", FIELD_STR},
};

static struct slice
jslice(json_t *v)
{
        return slice_make(json_string_value(v), json_string_length(v));
}

/* Sets *s and *has from the string member name, if present. */
static void
opt_str(json_t *obj, const char *name, bool *has, struct slice *s)
{
        json_t *v = json_object_get(obj, name);

        if (v) {
                *has = true;
                *s = jslice(v);
        }
}

static int
region_field(struct http_req *r, json_t *obj, const char *name,
             char out[REGION_BUF], bool *has)
{
        json_t *v = json_object_get(obj, name);

        *has = v != NULL;
        if (v && region_copy(out, json_string_value(v), json_string_length(v)))
                return http_fail(r, ERR_HTTP_BAD_VALUE,
                                 "field '%s' is not a region code such as "
                                 "36.04.12.2002",
                                 name);
        return 0;
}

/* A field that is one of the names of set (0: absent). */
static int
enum_field(struct http_req *r, json_t *obj, const char *name,
           enum app_names set, uint32_t *out)
{
        const char *s = http_str(obj, name);

        *out = 0;
        if (!s)
                return 0;
        if (app_name_parse(set, s, out))
                return http_fail(r, ERR_HTTP_BAD_VALUE,
                                 "field '%s': '%.40s' is not one of its names",
                                 name, s);
        return 0;
}

static int
location_parse(struct http_req *r, json_t *obj, struct kim_location *loc)
{
        json_t *lat, *lon;
        int err;

        if ((err = http_fields_check(r, obj, "location.", location_fields,
                                     ARRAY_LEN(location_fields))))
                return err;
        loc->present = true;
        if ((err =
                 region_field(r, obj, "region", loc->region, &loc->has_region)))
                return err;
        opt_str(obj, "place", &loc->has_place, &loc->place);
        lat = json_object_get(obj, "lat");
        lon = json_object_get(obj, "lon");
        if (!lat != !lon)
                return http_fail(r, ERR_HTTP_MISSING_FIELD,
                                 "location: lat and lon come together");
        if (lat) {
                loc->has_coords = true;
                loc->lat = json_number_value(lat);
                loc->lon = json_number_value(lon);
        }
        return 0;
}

static int
tags_parse(struct http_req *r, json_t *arr, struct kim_body *b)
{
        size_t i;

        if (json_array_size(arr) > KIM_TAGS_MAX)
                return http_fail(r, ERR_HTTP_BAD_VALUE,
                                 "field 'tags': at most %u tags", KIM_TAGS_MAX);
        b->has_tags = true;
        for (i = 0; i < json_array_size(arr); i++)
                b->tags[i] = jslice(json_array_get(arr, i));
        b->n_tags = json_array_size(arr);
        return 0;
}

/* The clear fields shared by announcements, reports, responses and
 * revisions. */
static int
text_fields(struct http_req *r, json_t *in, struct kim_body *b)
{
        json_t *v;
        int err;

        opt_str(in, "title", &b->has_title, &b->title);
        opt_str(in, "text", &b->has_text, &b->text);
        opt_str(in, "category", &b->has_category, &b->category);
        if ((v = json_object_get(in, "tags")) && (err = tags_parse(r, v, b)))
                return err;
        if ((v = json_object_get(in, "location")) &&
            (err = location_parse(r, v, &b->location)))
                return err;
        return 0;
}

static int
id_field(struct http_req *r, json_t *in, const char *name, bool *has,
         uint8_t out[ENTRY_HASH_BYTES])
{
        return http_id(r, in, name, false, out, has);
}

/* The status fields (also used by POST /api/reports/ID/steps). */
static int
step_fields(struct http_req *r, json_t *in, struct kim_body *b)
{
        uint32_t v;
        int err;

        if ((err = enum_field(r, in, "step", APP_NAMES_STEP, &v)))
                return err;
        b->step = (enum kim_step)v;
        if ((err = enum_field(r, in, "result", APP_NAMES_RESULT, &v)))
                return err;
        b->result = (enum kim_result)v;
        opt_str(in, "note", &b->has_note, &b->note);
        opt_str(in, "method", &b->has_method, &b->method);
        opt_str(in, "agency", &b->has_agency, &b->agency);
        opt_str(in, "verifier", &b->has_verifier, &b->verifier);
        b->anonim = json_is_true(json_object_get(in, "anonim"));
        b->rahasia = json_is_true(json_object_get(in, "rahasia"));
        return 0;
}

static int
reporter_parse(struct http_req *r, json_t *obj, struct app_post *p)
{
        int err;

        if ((err = http_fields_check(r, obj, "reporter.", reporter_fields,
                                     ARRAY_LEN(reporter_fields))))
                return err;
        p->has_reporter = true;
        p->reporter.name = jslice(json_object_get(obj, "name"));
        p->reporter.contact = jslice(json_object_get(obj, "contact"));
        if (!p->reporter.name.ptr)
                p->reporter.name = slice_make("", 0);
        if (!p->reporter.contact.ptr)
                p->reporter.contact = slice_make("", 0);
        return 0;
}

/* Checks every member of in against item_fields and the kind. */
static int
item_fields_check(struct http_req *r, json_t *in, uint32_t kind)
{
        struct field fs[ARRAY_LEN(item_fields)];
        const char *key;
        json_t *v;
        size_t i;
        int err;

        for (i = 0; i < ARRAY_LEN(item_fields); i++)
                fs[i] = item_fields[i].f;
        if ((err = http_fields_check(r, in, "", fs, ARRAY_LEN(fs))))
                return err;
        json_object_foreach(in, key, v)
        {
                for (i = 0; strcmp(item_fields[i].f.name, key); i++)
                        ;
                if (!(item_fields[i].kinds & K(kind)))
                        return http_fail(r, ERR_HTTP_UNKNOWN_FIELD,
                                         "field '%s' does not belong to kind "
                                         "%s",
                                         key, app_name(APP_NAMES_KIND, kind));
        }
        return 0;
}

/* The JSON of POST /api/items into p (borrowing from in). */
static int
item_parse(struct http_req *r, json_t *in, struct app_post *p)
{
        struct kim_body *b = &p->body;
        const char *kind, *to;
        uint32_t k, lv;
        json_t *v;
        int err;

        memset(p, 0, sizeof(*p));
        if (!json_is_string(json_object_get(in, "kind")))
                return json_object_get(in, "kind")
                           ? http_fail(r, ERR_HTTP_BAD_TYPE,
                                       "field 'kind' must be a string")
                           : http_fail(r, ERR_HTTP_MISSING_FIELD,
                                       "field 'kind' is required");
        kind = http_str(in, "kind");
        if (app_name_parse(APP_NAMES_KIM_KIND, kind, &k))
                return http_fail(r, ERR_HTTP_BAD_VALUE,
                                 "field 'kind': '%.40s' is not a KIM kind",
                                 kind);
        if ((err = item_fields_check(r, in, k)))
                return err;
        b->kind = k;
        if ((to = http_str(in, "to"))) {
                if (audience_parse(&p->audience, to))
                        return http_fail(r, ERR_HTTP_BAD_VALUE,
                                         "field 'to': '%.60s' is not tree:CODE "
                                         "or path:FROM:TO",
                                         to);
                p->has_audience = true;
        }
        if ((err = text_fields(r, in, b)) ||
            (err =
                 region_field(r, in, "handler", b->handler, &b->has_handler)) ||
            (err = enum_field(r, in, "level", APP_NAMES_LEVEL, &lv)))
                return err;
        b->level = (enum kim_level)lv;
        if ((v = json_object_get(in, "until_ms"))) {
                b->has_until = true;
                b->until_ms = (uint64_t)json_integer_value(v);
        }
        if ((v = json_object_get(in, "reporter")) &&
            (err = reporter_parse(r, v, p)))
                return err;
        if ((v = json_object_get(in, "attachments")) &&
            (err = attachments_parse(r, v, b)))
                return err;
        if ((err = id_field(r, in, "report", &b->has_report, b->report)) ||
            (err = id_field(r, in, "item", &b->has_item, b->item)) ||
            (err = id_field(r, in, "revisi", &b->has_revisi, b->revisi)) ||
            (err = enum_field(r, in, "decision", APP_NAMES_DECISION, &lv)))
                return err;
        b->decision = (enum kim_decision)lv;
        opt_str(in, "reason", &b->has_reason, &b->reason);
        if (k == KIND_STATUS)
                return step_fields(r, in, b);
        b->anonim = json_is_true(json_object_get(in, "anonim"));
        b->rahasia = json_is_true(json_object_get(in, "rahasia"));
        return 0;
}

static int item_step(struct http_req *r, const struct app_post *p);

/* Posts p; 201 with the new item's id and kind. */
static int
post_reply(struct http_req *r, const struct app_post *p)
{
        uint8_t id[ENTRY_HASH_BYTES];
        char hex[2 * ENTRY_HASH_BYTES + 1], err_msg[APP_ERR_MAX] = "";
        int err;

        if (r->check_only)
                return 0;
        if ((err = app_post(r->s->n, p, id, err_msg)))
                return http_fail(r, err, "%s",
                                 err_msg[0] ? err_msg : err_str(err));
        hex_encode(hex, id, ENTRY_HASH_BYTES);
        r->status = 201;
        r->out = json_pack("{s:s, s:s}", "id", hex, "kind",
                           app_name(APP_NAMES_KIND, p->body.kind));
        return 0;
}

/* POST /api/items */
int
http_items_create(struct http_req *r)
{
        struct app_post p;
        bool replayed;
        int err;

        /* Sent again (idem.c): the first one's reply, before anything of
         * the body is checked: a rahasia report's clear photos, named in
         * it, were dropped once the first one was sealed. The caller is
         * the same one whose first request passed the checks below. */
        if ((err = http_idem_replay(r, &replayed)) || replayed)
                return err;
        if ((err = item_parse(r, r->in, &p)))
                return err;
        /* Publishing to an audience and handling reports: pengelola. */
        if ((p.body.kind == KIND_INFORMASI || p.body.kind == KIND_PERINGATAN ||
             p.body.kind == KIND_STATUS || p.body.kind == KIND_TANGGAPAN) &&
            (err = http_role_require(r, APP_ROLE_PENGELOLA)))
                return err;
        if (p.body.kind == KIND_STATUS || p.body.kind == KIND_TANGGAPAN)
                err = item_step(r, &p);
        else
                err = post_reply(r, &p);
        if (!err && !r->check_only)
                http_idem_remember(r);
        return err;
}

static const struct field revision_fields[] = {
    {"title", FIELD_STR},
    {"text", FIELD_STR},
    {"reason", FIELD_STR},
};

/* POST /api/items/ID/revisions: a revisi of announcement ID. */
int
http_revision_create(struct http_req *r)
{
        struct app_post p;
        struct kim_body *b = &p.body;
        int err;

        memset(&p, 0, sizeof(p));
        if ((err = http_arg_id(r, r->arg[0], b->item)) ||
            (err = http_fields_check(r, r->in, "", revision_fields,
                                     ARRAY_LEN(revision_fields))))
                return err;
        b->kind = KIND_REVISI;
        b->has_item = true;
        opt_str(r->in, "title", &b->has_title, &b->title);
        opt_str(r->in, "text", &b->has_text, &b->text);
        opt_str(r->in, "reason", &b->has_reason, &b->reason);
        return post_reply(r, &p);
}

static const struct field decision_fields[] = {
    {"decision", FIELD_STR},
    {"reason", FIELD_STR},
};

/* POST /api/revisions/ID/decision: diterima or ditolak. */
int
http_revision_decide(struct http_req *r)
{
        struct app_post p;
        struct kim_body *b = &p.body;
        uint32_t v;
        int err;

        memset(&p, 0, sizeof(p));
        if ((err = http_arg_id(r, r->arg[0], b->revisi)) ||
            (err = http_fields_check(r, r->in, "", decision_fields,
                                     ARRAY_LEN(decision_fields))) ||
            (err = enum_field(r, r->in, "decision", APP_NAMES_DECISION, &v)))
                return err;
        if (!v)
                return http_fail(r, ERR_HTTP_MISSING_FIELD,
                                 "field 'decision' is required (diterima or "
                                 "ditolak)");
        b->kind = KIND_REVISI_KEPUTUSAN;
        b->has_revisi = true;
        b->decision = (enum kim_decision)v;
        opt_str(r->in, "reason", &b->has_reason, &b->reason);
        return post_reply(r, &p);
}

/* ---- steps and responses: app_report_step checks the lifecycle ---------- */

static const struct field step_body_fields[] = {
    {"step", FIELD_STR},    {"note", FIELD_STR},     {"method", FIELD_STR},
    {"result", FIELD_STR},  {"agency", FIELD_STR},   {"verifier", FIELD_STR},
    {"anonim", FIELD_BOOL}, {"rahasia", FIELD_BOOL},
};

static void
step_from_json(json_t *in, struct app_step *st)
{
        memset(st, 0, sizeof(*st));
        st->step = http_str(in, "step");
        st->note = http_str(in, "note");
        st->method = http_str(in, "method");
        st->result = http_str(in, "result");
        st->verifier = http_str(in, "verifier");
        st->agency = http_str(in, "agency");
        st->title = http_str(in, "title");
        st->text = http_str(in, "text");
        st->anonim = json_is_true(json_object_get(in, "anonim"));
        st->rahasia = json_is_true(json_object_get(in, "rahasia"));
}

/* Makes the step (or tanggapan) st on report id; 201 with its id. */
static int
step_reply(struct http_req *r, const uint8_t *id, size_t id_len,
           const struct app_step *st)
{
        uint8_t out[ENTRY_HASH_BYTES];
        char hex[2 * ENTRY_HASH_BYTES + 1], err_msg[APP_ERR_MAX] = "";
        bool answer = !strcmp(st->step, "tanggapan");
        int err;

        if (r->check_only)
                return 0;
        if ((err = app_report_step(r->s->n, id, id_len, st, out, err_msg)))
                return http_fail(r, err, "%s",
                                 err_msg[0] ? err_msg : err_str(err));
        hex_encode(hex, out, ENTRY_HASH_BYTES);
        r->status = 201;
        r->out = json_pack("{s:s, s:s, s:s?}", "id", hex, "kind",
                           answer ? "tanggapan" : "status", "step",
                           answer ? NULL : st->step);
        return 0;
}

/* A report id in the path: 8 to 64 hex digits (a unique prefix). */
static int
arg_prefix(struct http_req *r, uint8_t id[ENTRY_HASH_BYTES], size_t *len)
{
        const char *a = r->arg[0];
        size_t n = strlen(a);

        if (n < 8 || n > 2 * ENTRY_HASH_BYTES || n % 2 ||
            hex_decode(id, n / 2, a, n))
                return http_fail(r, ERR_HTTP_BAD_VALUE,
                                 "'%.80s' is not an id (8 to 64 hex digits)",
                                 a);
        *len = n / 2;
        return 0;
}

/* POST /api/reports/ID/steps */
int
http_step_create(struct http_req *r)
{
        struct app_step st;
        uint8_t id[ENTRY_HASH_BYTES];
        size_t len = 0;
        int err;

        if ((err = arg_prefix(r, id, &len)) ||
            (err = http_fields_check(r, r->in, "", step_body_fields,
                                     ARRAY_LEN(step_body_fields))))
                return err;
        step_from_json(r->in, &st);
        if (!st.step)
                return http_fail(r, ERR_HTTP_MISSING_FIELD,
                                 "field 'step' is required");
        if (!strcmp(st.step, "tanggapan"))
                return http_fail(r, ERR_HTTP_BAD_VALUE,
                                 "a response goes to POST "
                                 "/api/reports/ID/responses");
        return step_reply(r, id, len, &st);
}

static const struct field response_fields[] = {
    {"title", FIELD_STR},
    {"text", FIELD_STR},
};

/* POST /api/reports/ID/responses: a tanggapan to report ID. */
int
http_response_create(struct http_req *r)
{
        struct app_step st;
        uint8_t id[ENTRY_HASH_BYTES];
        size_t len = 0;
        int err;

        if ((err = arg_prefix(r, id, &len)) ||
            (err = http_fields_check(r, r->in, "", response_fields,
                                     ARRAY_LEN(response_fields))))
                return err;
        step_from_json(r->in, &st);
        if (!st.text)
                return http_fail(r, ERR_HTTP_MISSING_FIELD,
                                 "field 'text' is required");
        st.step = "tanggapan";
        return step_reply(r, id, len, &st);
}

/* POST /api/items of kind status or tanggapan: the same as the two above,
 * so that the lifecycle is checked whichever way a step comes in. */
static int
item_step(struct http_req *r, const struct app_post *p)
{
        struct app_step st;

        step_from_json(r->in, &st);
        if (!p->body.has_report)
                return http_fail(r, ERR_HTTP_MISSING_FIELD,
                                 "field 'report' is required");
        if (p->body.kind == KIND_TANGGAPAN)
                st.step = "tanggapan";
        else if (!st.step)
                return http_fail(r, ERR_HTTP_MISSING_FIELD,
                                 "field 'step' is required");
        else if (!strcmp(st.step, "tanggapan"))
                return http_fail(r, ERR_HTTP_BAD_VALUE,
                                 "field 'step': tanggapan is a kind");
        return step_reply(r, p->body.report, ENTRY_HASH_BYTES, &st);
}

/* ---- lists --------------------------------------------------------------- */

/* The filters, each checked on its own; *kind: a report or announcement
 * kind (*report: a report kind), or 0. */
static int
list_filters(struct http_req *r, struct app_items_query *q, uint32_t *kind,
             bool *report)
{
        const char *k = http_query(r, "kind"), *status, *aud, *handler;
        struct audience a;
        uint64_t limit;
        uint32_t stt;
        int err;

        q->rf.status = status = http_query(r, "status");
        q->af.audience = aud = http_query(r, "audience");
        q->rf.handler = handler = http_query(r, "handler");
        if ((err = http_query_bool(r, "overdue", false, &q->rf.overdue)) ||
            (err = http_query_uint(r, "limit", 1, APP_LIST_MAX,
                                   APP_LIST_DEFAULT, &limit)))
                return err;
        q->limit = limit;
        if (k && app_name_parse(APP_NAMES_ITEM_KIND, k, kind))
                return http_fail(r, ERR_HTTP_BAD_VALUE,
                                 "query parameter 'kind': '%.40s' is not a "
                                 "report or announcement kind",
                                 k);
        *report = k && !app_name_parse(APP_NAMES_REPORT_KIND, k, kind);
        if (status && app_name_parse(APP_NAMES_STATE, status, &stt))
                return http_fail(r, ERR_HTTP_BAD_VALUE,
                                 "query parameter 'status': '%.40s' is not a "
                                 "state",
                                 status);
        if (aud && audience_parse(&a, aud))
                return http_fail(r, ERR_HTTP_BAD_VALUE,
                                 "query parameter 'audience': '%.60s' is not "
                                 "tree:CODE or path:FROM:TO",
                                 aud);
        if (handler && region_check(handler, strlen(handler)))
                return http_fail(r, ERR_HTTP_BAD_VALUE,
                                 "query parameter 'handler' is not a region");
        return 0;
}

/* The query: which list the filters ask for, and where it resumes. */
static int
list_params(struct http_req *r, struct app_items_query *q)
{
        const char *after = http_query(r, "after");
        uint32_t k = 0;
        bool rep_kind = false;
        int err;

        memset(q, 0, sizeof(*q));
        if ((err = list_filters(r, q, &k, &rep_kind)))
                return err;
        if (rep_kind || q->rf.status || q->rf.overdue || q->rf.handler) {
                if ((k && !rep_kind) || q->af.audience)
                        return http_fail(r, ERR_HTTP_BAD_VALUE,
                                         "status, overdue and handler filter "
                                         "reports; audience announcements: "
                                         "not both");
                q->mode = APP_ITEMS_REPORTS;
                q->rf.kind = k;
        } else if (k || q->af.audience) {
                q->mode = APP_ITEMS_ANNOUNCEMENTS;
                q->af.kind = k;
        }
        if (after && app_items_after(q, after))
                return http_fail(r, ERR_HTTP_BAD_VALUE,
                                 "query parameter 'after' is not a 'next' "
                                 "value of this list");
        return 0;
}

/* GET /api/items?kind=&status=&overdue=&audience=&handler=&limit=&after= */
int
http_items_list(struct http_req *r)
{
        static const char *const names[] = {"kind",     "status",  "overdue",
                                            "audience", "handler", "limit",
                                            "after",    NULL};
        char err_msg[APP_ERR_MAX] = "";
        struct app_items_query q;
        struct app_items items;
        int err;

        if ((err = http_query_check(r, names)) || (err = list_params(r, &q)) ||
            r->check_only)
                return err;
        if ((err = app_items_list(r->s->n, &q, &items, err_msg))) {
                if (err == ERR_USAGE || err == ERR_KIM_NOT_FOUND)
                        err = ERR_HTTP_BAD_VALUE; /* the query's */
                return http_fail(r, err, "%s",
                                 err_msg[0] ? err_msg : err_str(err));
        }
        err = app_json_items(&r->json, &items,
                             APP_JSON_COMPACT |
                                 (r->redact ? APP_JSON_REDACT : 0));
        app_items_release(&items);
        return err;
}

/* ---- one item -------------------------------------------------------- */

/* GET /api/items/ID: a report with its timeline, or an announcement. */
int
http_item_get(struct http_req *r)
{
        static const char *const no_query[] = {NULL};
        char err_msg[APP_ERR_MAX] = "";
        uint8_t id[ENTRY_HASH_BYTES];
        struct app_report rep;
        struct app_ann ann;
        size_t len = 0;
        int err;

        if ((err = http_query_check(r, no_query)) ||
            (err = arg_prefix(r, id, &len)) || r->check_only)
                return err;
        err = app_report_get(r->s->n, id, len, 0, &rep, err_msg);
        if (!err) {
                err = app_json_report(&r->json, &rep,
                                      APP_JSON_COMPACT |
                                          (r->redact ? APP_JSON_REDACT : 0));
                app_report_release(&rep);
                return err;
        }
        if (err == ERR_KIM_NOT_FOUND) {
                err_msg[0] = 0;
                err = app_announcement_get(r->s->n, id, len, &ann, err_msg);
        }
        if (!err) {
                err = app_json_ann(&r->json, &ann, APP_JSON_COMPACT);
                app_ann_release(&ann);
                return err;
        }
        if (err == ERR_USAGE)
                err = ERR_HTTP_BAD_VALUE;
        return http_fail(r, err, "%s", err_msg[0] ? err_msg : err_str(err));
}

/* ---- GET /api/items/{id}/thumbnails/{n} ---------------------------------- */

/* The thumbnail's own format, from its first bytes: the body names the
 * blob's media type, not the thumbnail's (proto/BLOBS.md §2). */
static const char *
thumb_type(struct slice t)
{
        if (t.len >= 3 && !memcmp(t.ptr, "\xff\xd8\xff", 3))
                return "image/jpeg";
        if (t.len >= 8 && !memcmp(t.ptr, "\x89PNG\r\n\x1a\n", 8))
                return "image/png";
        if (t.len >= 6 &&
            (!memcmp(t.ptr, "GIF87a", 6) || !memcmp(t.ptr, "GIF89a", 6)))
                return "image/gif";
        if (t.len >= 12 && !memcmp(t.ptr, "RIFF", 4) &&
            !memcmp(t.ptr + 8, "WEBP", 4))
                return "image/webp";
        return "application/octet-stream";
}

/* Attachment n's thumbnail of it into r->text: ERR_NOT_FOUND if none. */
static int
thumb_put(struct http_req *r, const struct app_item *it, unsigned n)
{
        struct slice t;

        if (!it->kim || n >= it->b.n_attach || !it->b.attach[n].thumb.len)
                return http_fail(r, ERR_NOT_FOUND,
                                 "the item has no thumbnail %u", n);
        t = it->b.attach[n].thumb;
        buf_add(&r->text, t.ptr, t.len);
        r->ctype = thumb_type(t);
        r->status = 200;
        return 0;
}

/*
 * The inline thumbnail of an item's attachment n (0..4), as the item is
 * shown: a report only when its content is readable here (a rahasia
 * report's thumbnails are in its sealed content, BLOBS.md §2.1; a body
 * not held has none).
 */
int
http_item_thumb(struct http_req *r)
{
        static const char *const no_query[] = {NULL};
        char err_msg[APP_ERR_MAX] = "";
        uint8_t id[ENTRY_HASH_BYTES];
        struct app_report rep;
        struct app_ann ann;
        const char *a = r->arg[1];
        size_t len = 0;
        int err;

        if ((err = http_query_check(r, no_query)) ||
            (err = arg_prefix(r, id, &len)))
                return err;
        if (a[0] < '0' || a[0] >= '0' + (int)KIM_ATTACH_MAX || a[1])
                return http_fail(r, ERR_HTTP_BAD_VALUE,
                                 "'%.80s' is not an attachment number (0 "
                                 "to %u)",
                                 a, KIM_ATTACH_MAX - 1);
        if (r->check_only)
                return 0;
        err = app_report_get(r->s->n, id, len, 0, &rep, err_msg);
        if (!err) {
                /* a rahasia report's only to a caller shown its content */
                err = rep.readable && !rep.body_missing &&
                              !(r->redact && rep.v.rahasia)
                          ? thumb_put(r, &rep.it, (unsigned)(a[0] - '0'))
                          : http_fail(r, ERR_NOT_FOUND,
                                      "the report's content is not "
                                      "readable here");
                app_report_release(&rep);
                return err;
        }
        if (err == ERR_KIM_NOT_FOUND) {
                err_msg[0] = 0;
                err = app_announcement_get(r->s->n, id, len, &ann, err_msg);
        }
        if (!err) {
                err = thumb_put(r, &ann.it, (unsigned)(a[0] - '0'));
                app_ann_release(&ann);
                return err;
        }
        if (err == ERR_USAGE)
                err = ERR_HTTP_BAD_VALUE;
        return http_fail(r, err, "%s", err_msg[0] ? err_msg : err_str(err));
}

/* ---- /metrics: reports per state -------------------------------------- */

int
http_report_metrics(struct http_req *r, struct buf *out)
{
        char err_msg[APP_ERR_MAX] = "";
        struct app_report_counts c;
        int err;

        if ((err = app_reports_count(r->s->n, 0, &c, err_msg)))
                return http_fail(r, err, "%s",
                                 err_msg[0] ? err_msg : err_str(err));
        buf_adds(out, "# HELP simpul_reports Reports held, by current state.\n"
                      "# TYPE simpul_reports gauge\n");
        for (size_t i = 0; i < c.n; i++)
                buf_addf(out, "simpul_reports{status=\"%s\"} %llu\n",
                         c.by_state[i].state,
                         (unsigned long long)c.by_state[i].reports);
        buf_addf(out,
                 "# HELP simpul_reports_overdue Reports past a deadline "
                 "(terlambat_verifikasi or terlambat_tindak_lanjut).\n"
                 "# TYPE simpul_reports_overdue gauge\n"
                 "simpul_reports_overdue %llu\n",
                 (unsigned long long)c.overdue);
        return 0;
}
