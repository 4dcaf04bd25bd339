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
};

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

/* An enum field by its name table's parse function. */
static int
enum_field(struct http_req *r, json_t *obj, const char *name,
           int (*parse)(struct http_req *, const char *, int *), int *out)
{
        const char *s = http_str(obj, name);

        *out = 0;
        if (!s)
                return 0;
        if (parse(r, s, out))
                return http_fail(r, ERR_HTTP_BAD_VALUE,
                                 "field '%s': '%.40s' is not one of its names",
                                 name, s);
        return 0;
}

static int
p_level(struct http_req *r, const char *s, int *out)
{
        enum kim_level v;
        int err = kim_level_parse(s, &v);

        (void)r;
        *out = (int)v;
        return err;
}

static int
p_step(struct http_req *r, const char *s, int *out)
{
        enum kim_step v;
        int err = kim_step_parse(s, &v);

        (void)r;
        *out = (int)v;
        return err;
}

static int
p_result(struct http_req *r, const char *s, int *out)
{
        enum kim_result v;
        int err = kim_result_parse(s, &v);

        (void)r;
        *out = (int)v;
        return err;
}

static int
p_decision(struct http_req *r, const char *s, int *out)
{
        enum kim_decision v;
        int err = kim_decision_parse(s, &v);

        (void)r;
        *out = (int)v;
        return err;
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
        int v, err;

        if ((err = enum_field(r, in, "step", p_step, &v)))
                return err;
        b->step = (enum kim_step)v;
        if ((err = enum_field(r, in, "result", p_result, &v)))
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
                                         key, kind_name(kind));
        }
        return 0;
}

/* The JSON of POST /api/items into p (borrowing from in). */
static int
item_parse(struct http_req *r, json_t *in, struct app_post *p)
{
        struct kim_body *b = &p->body;
        const char *kind, *to;
        uint32_t k;
        json_t *v;
        int lv, err;

        memset(p, 0, sizeof(*p));
        if (!json_is_string(json_object_get(in, "kind")))
                return json_object_get(in, "kind")
                           ? http_fail(r, ERR_HTTP_BAD_TYPE,
                                       "field 'kind' must be a string")
                           : http_fail(r, ERR_HTTP_MISSING_FIELD,
                                       "field 'kind' is required");
        kind = http_str(in, "kind");
        if (kind_parse(kind, &k) || !wire_kim_kind(k))
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
            (err = enum_field(r, in, "level", p_level, &lv)))
                return err;
        b->level = (enum kim_level)lv;
        if ((v = json_object_get(in, "until_ms"))) {
                b->has_until = true;
                b->until_ms = (uint64_t)json_integer_value(v);
        }
        if ((v = json_object_get(in, "reporter")) &&
            (err = reporter_parse(r, v, p)))
                return err;
        if ((err = id_field(r, in, "report", &b->has_report, b->report)) ||
            (err = id_field(r, in, "item", &b->has_item, b->item)) ||
            (err = id_field(r, in, "revisi", &b->has_revisi, b->revisi)) ||
            (err = enum_field(r, in, "decision", p_decision, &lv)))
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
        id_hex(hex, id);
        r->status = 201;
        r->out =
            json_pack("{s:s, s:s}", "id", hex, "kind", kind_name(p->body.kind));
        return 0;
}

/* POST /api/items */
int
http_items_create(struct http_req *r)
{
        struct app_post p;
        int err;

        if ((err = item_parse(r, r->in, &p)))
                return err;
        if (p.body.kind == KIND_STATUS || p.body.kind == KIND_TANGGAPAN)
                return item_step(r, &p);
        return post_reply(r, &p);
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
        int v, err;

        memset(&p, 0, sizeof(p));
        if ((err = http_arg_id(r, r->arg[0], b->revisi)) ||
            (err = http_fields_check(r, r->in, "", decision_fields,
                                     ARRAY_LEN(decision_fields))) ||
            (err = enum_field(r, r->in, "decision", p_decision, &v)))
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
        id_hex(hex, out);
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

static void redact_report(json_t *j);

/* ---- lists --------------------------------------------------------------- */

/*
 * The `after` cursor is opaque to clients: "r" + id (reports), "a" + id
 * (announcements) or "m" R "." A for the merged list, where R and A are
 * "" (from the start), an id (after it) or "x" (that list is done).
 */
enum list_mode { LIST_MERGED, LIST_REPORTS, LIST_ANNOUNCEMENTS };

#define CURSOR_DONE "x"

struct list_req {
        enum list_mode mode;
        struct app_report_filter rf;
        struct app_ann_filter af;
        char rcur[2 * ENTRY_HASH_BYTES + 1], acur[2 * ENTRY_HASH_BYTES + 1];
        size_t limit;
};

/* One part of a cursor: "", "x" or 64 hex digits into out/has. */
static bool
cursor_part(const char *s, size_t n, char out[2 * ENTRY_HASH_BYTES + 1])
{
        if (n && !(n == 1 && *s == 'x') &&
            !(n == 2 * ENTRY_HASH_BYTES && hex_valid(s, n)))
                return false;
        memcpy(out, s, n);
        out[n] = 0;
        return true;
}

static int
cursor_parse(struct http_req *r, struct list_req *lr)
{
        const char *c = http_query(r, "after");
        const char *dot;
        bool ok;

        if (!c)
                return 0;
        if (lr->mode == LIST_MERGED) {
                dot = strchr(c, '.');
                ok = c[0] == 'm' && dot &&
                     cursor_part(c + 1, (size_t)(dot - c - 1), lr->rcur) &&
                     cursor_part(dot + 1, strlen(dot + 1), lr->acur);
        } else {
                ok =
                    c[0] == (lr->mode == LIST_REPORTS ? 'r' : 'a') &&
                    strlen(c + 1) == 2 * ENTRY_HASH_BYTES &&
                    cursor_part(c + 1, strlen(c + 1),
                                lr->mode == LIST_REPORTS ? lr->rcur : lr->acur);
        }
        if (!ok)
                return http_fail(r, ERR_HTTP_BAD_VALUE,
                                 "query parameter 'after' is not a 'next' "
                                 "value of this list");
        return 0;
}

static int
list_params(struct http_req *r, struct list_req *lr)
{
        const char *kind = http_query(r, "kind"), *status, *aud, *handler;
        struct audience a;
        enum kim_state stt;
        uint64_t limit;
        uint32_t k = 0;
        int err;

        memset(lr, 0, sizeof(*lr));
        status = http_query(r, "status");
        aud = http_query(r, "audience");
        handler = http_query(r, "handler");
        if ((err = http_query_bool(r, "overdue", false, &lr->rf.overdue)) ||
            (err = http_query_uint(r, "limit", 1, APP_LIST_MAX,
                                   APP_LIST_DEFAULT, &limit)))
                return err;
        if (kind && (kind_parse(kind, &k) ||
                     !(kim_kind_is_report(k) || kim_kind_is_announcement(k))))
                return http_fail(r, ERR_HTTP_BAD_VALUE,
                                 "query parameter 'kind': '%.40s' is not a "
                                 "report or announcement kind",
                                 kind);
        if (status && kim_state_parse(status, &stt))
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
        lr->limit = limit;
        lr->rf = (struct app_report_filter){
            status, lr->rf.overdue, 0, handler, limit, false, {0}, 0};
        lr->af = (struct app_ann_filter){aud, 0, limit, false, {0}};
        if ((k && kim_kind_is_report(k)) || status || lr->rf.overdue ||
            handler) {
                if ((k && kim_kind_is_announcement(k)) || aud)
                        return http_fail(r, ERR_HTTP_BAD_VALUE,
                                         "status, overdue and handler filter "
                                         "reports; audience announcements: "
                                         "not both");
                lr->mode = LIST_REPORTS;
                lr->rf.kind = k;
        } else if (k || aud) {
                lr->mode = LIST_ANNOUNCEMENTS;
                lr->af.kind = k;
        }
        return cursor_parse(r, lr);
}

/* Runs one list from cursor cur ("" or an id); *out owned. */
static int
list_one(struct http_req *r, struct list_req *lr, bool reports, const char *cur,
         json_t **out)
{
        char err_msg[APP_ERR_MAX] = "";
        int err;

        if (reports) {
                lr->rf.has_after = cur[0] != 0;
                if (cur[0] && hex_decode(lr->rf.after, ENTRY_HASH_BYTES, cur,
                                         strlen(cur)))
                        return ERR_HTTP_BAD_VALUE;
                err = app_reports_list(r->s->n, &lr->rf, out, err_msg);
        } else {
                lr->af.has_after = cur[0] != 0;
                if (cur[0] && hex_decode(lr->af.after, ENTRY_HASH_BYTES, cur,
                                         strlen(cur)))
                        return ERR_HTTP_BAD_VALUE;
                err = app_announcements_list(r->s->n, &lr->af, out, err_msg);
        }
        if (err == ERR_USAGE || err == ERR_KIM_NOT_FOUND)
                err = ERR_HTTP_BAD_VALUE; /* a filter or cursor: the query's */
        return err ? http_fail(r, err, "%s",
                               err_msg[0] ? err_msg : err_str(err))
                   : 0;
}

static json_t *
items_of(json_t *page, bool reports)
{
        return json_object_get(page, reports ? "reports" : "announcements");
}

/* Newer first: by ts, then id (as the views order each list). */
static bool
newer(json_t *a, json_t *b)
{
        json_int_t ta = json_integer_value(json_object_get(a, "ts"));
        json_int_t tb = json_integer_value(json_object_get(b, "ts"));
        const char *ia = http_str(a, "id"), *ib = http_str(b, "id");

        if (ta != tb)
                return ta > tb;
        return ia && ib && strcmp(ia, ib) > 0;
}

/* The cursor of one list after taking `taken` of page's items. */
static void
cursor_next(char cur[2 * ENTRY_HASH_BYTES + 1], json_t *page, size_t taken,
            bool reports)
{
        json_t *arr = items_of(page, reports);
        const char *next = http_str(page, "next");

        if (!strcmp(cur, CURSOR_DONE))
                return;
        if (taken == json_array_size(arr) && !next)
                snprintf(cur, 2 * ENTRY_HASH_BYTES + 1, CURSOR_DONE);
        else if (taken)
                snprintf(cur, 2 * ENTRY_HASH_BYTES + 1, "%s",
                         http_str(json_array_get(arr, taken - 1), "id"));
}

/* Both lists, merged newest first. */
static int
list_merged(struct http_req *r, struct list_req *lr, json_t *items,
            json_t **next)
{
        json_t *rp = NULL, *ap = NULL, *ra, *aa;
        size_t i = 0, j = 0;
        int err = 0;

        if (strcmp(lr->rcur, CURSOR_DONE))
                err = list_one(r, lr, true, lr->rcur, &rp);
        if (!err && strcmp(lr->acur, CURSOR_DONE))
                err = list_one(r, lr, false, lr->acur, &ap);
        if (err)
                goto out;
        ra = items_of(rp, true);
        aa = items_of(ap, false);
        while (json_array_size(items) < lr->limit &&
               (i < json_array_size(ra) || j < json_array_size(aa))) {
                json_t *x = json_array_get(ra, i), *y = json_array_get(aa, j);
                if (x && (!y || newer(x, y)))
                        json_array_append(items, x), i++;
                else
                        json_array_append(items, y), j++;
        }
        if (rp)
                cursor_next(lr->rcur, rp, i, true);
        if (ap)
                cursor_next(lr->acur, ap, j, false);
        if (strcmp(lr->rcur, CURSOR_DONE) || strcmp(lr->acur, CURSOR_DONE))
                *next = json_sprintf("m%s.%s", lr->rcur, lr->acur);
out:
        json_decref(rp);
        json_decref(ap);
        return err;
}

/* GET /api/items?kind=&status=&overdue=&audience=&handler=&limit=&after= */
int
http_items_list(struct http_req *r)
{
        static const char *const names[] = {"kind",     "status",  "overdue",
                                            "audience", "handler", "limit",
                                            "after",    NULL};
        struct list_req lr;
        json_t *page = NULL, *items = json_array(), *next = NULL, *it;
        bool reports;
        size_t i;
        int err;

        if ((err = http_query_check(r, names)) || (err = list_params(r, &lr)) ||
            r->check_only)
                goto out;
        if (lr.mode == LIST_MERGED) {
                err = list_merged(r, &lr, items, &next);
                goto out;
        }
        reports = lr.mode == LIST_REPORTS;
        if ((err =
                 list_one(r, &lr, reports, reports ? lr.rcur : lr.acur, &page)))
                goto out;
        json_array_extend(items, items_of(page, reports));
        if (http_str(page, "next"))
                next = json_sprintf("%c%s", reports ? 'r' : 'a',
                                    http_str(page, "next"));
out:
        json_decref(page);
        if (err) {
                json_decref(items);
                json_decref(next);
                return err;
        }
        if (r->redact)
                json_array_foreach(items, i, it) redact_report(it);
        r->out = json_pack("{s:o, s:o}", "items", items, "next",
                           next ? next : json_null());
        return 0;
}

/* ---- personal data ------------------------------------------------------ */

/*
 * For a caller without the token (r->redact): a report shows what a relay
 * sees — the reporter as APP_SEALED_TEXT, and of a rahasia report the
 * title, text, tags and location sealed too — and says so with
 * "redacted": true. Announcements are public.
 */
static void
redact_report(json_t *j)
{
        json_t *rep = json_object_get(j, "reporter");

        if (!json_is_object(j) || !json_object_get(j, "state"))
                return; /* not a report */
        if (rep && !json_is_null(rep))
                json_object_set_new(j, "reporter",
                                    json_string(APP_SEALED_TEXT));
        if (json_is_true(json_object_get(j, "rahasia"))) {
                if (json_string_value(json_object_get(j, "title")))
                        json_object_set_new(j, "title",
                                            json_string(APP_SEALED_TEXT));
                if (json_object_get(j, "text"))
                        json_object_set_new(j, "text",
                                            json_string(APP_SEALED_TEXT));
                if (json_object_get(j, "tags"))
                        json_object_set_new(j, "tags", json_array());
                if (json_object_get(j, "location"))
                        json_object_set_new(j, "location", json_null());
                if (json_object_get(j, "sealed"))
                        json_object_set_new(j, "sealed", json_true());
        }
        json_object_set_new(j, "redacted", json_true());
}

/* ---- one item -------------------------------------------------------- */

/* GET /api/items/ID: a report with its timeline, or an announcement. */
int
http_item_get(struct http_req *r)
{
        static const char *const no_query[] = {NULL};
        char err_msg[APP_ERR_MAX] = "";
        uint8_t id[ENTRY_HASH_BYTES];
        size_t len = 0;
        int err;

        if ((err = http_query_check(r, no_query)) ||
            (err = arg_prefix(r, id, &len)) || r->check_only)
                return err;
        err = app_report_get(r->s->n, id, len, 0, &r->out, err_msg);
        if (err == ERR_KIM_NOT_FOUND) {
                err_msg[0] = 0;
                err = app_announcement_get(r->s->n, id, len, &r->out, err_msg);
        }
        if (err == ERR_USAGE)
                err = ERR_HTTP_BAD_VALUE;
        if (!err && r->redact)
                redact_report(r->out);
        return err ? http_fail(r, err, "%s",
                               err_msg[0] ? err_msg : err_str(err))
                   : 0;
}

/* ---- /metrics: reports per state -------------------------------------- */

int
http_report_metrics(struct http_req *r, struct buf *out)
{
        char err_msg[APP_ERR_MAX] = "";
        json_t *c, *v;
        const char *state;
        int err;

        if ((err = app_reports_count(r->s->n, 0, &c, err_msg)))
                return http_fail(r, err, "%s",
                                 err_msg[0] ? err_msg : err_str(err));
        buf_adds(out, "# HELP simpul_reports Reports held, by current state.\n"
                      "# TYPE simpul_reports gauge\n");
        json_object_foreach(json_object_get(c, "by_status"), state, v)
        {
                buf_addf(out, "simpul_reports{status=\"%s\"} %lld\n", state,
                         (long long)json_integer_value(v));
        }
        buf_addf(out,
                 "# HELP simpul_reports_overdue Reports past a deadline "
                 "(terlambat_verifikasi or terlambat_tindak_lanjut).\n"
                 "# TYPE simpul_reports_overdue gauge\n"
                 "simpul_reports_overdue %lld\n",
                 (long long)json_integer_value(json_object_get(c, "overdue")));
        json_decref(c);
        return 0;
}
