/*
 * report: reading the KIM views (proto/KIM.md §6) as JSON for the CLI and
 * the HTTP API: lists of reports and announcements, one report with its
 * timeline, counts. Sealed values are opened where this node is a
 * recipient; elsewhere they read APP_SEALED_TEXT. Steps are in
 * report_step.c; what both use is in report_int.h.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "app_int.h"

/* ---- shared helpers (report_int.h) --------------------------------------- */

int
app__fail(char *err_msg, int err, const char *fmt, ...)
{
        va_list ap;

        if (err_msg) {
                va_start(ap, fmt);
                vsnprintf(err_msg, APP_ERR_MAX, fmt, ap);
                va_end(ap);
        }
        return err;
}

void
app__calendar(const struct node *n, struct kim_calendar *c)
{
        c->holidays = n->config.holidays;
        c->n = n->config.holidays_n;
}

int
app__views_ready(struct node *n, char *err_msg)
{
        bool rebuilt;
        int err = replica_views_ensure(&n->replica, &rebuilt);

        if (err)
                return app__fail(err_msg, err,
                                 "cannot bring the views up to date: %s",
                                 err_str(err));
        return 0;
}

int
app__resolve(struct store_txn *t, const uint8_t *id, size_t id_len,
             uint8_t full[ENTRY_HASH_BYTES], char *err_msg)
{
        struct buf bytes = BUF_INIT;
        struct entry e;
        int err;

        if (id_len < 4 || id_len > ENTRY_HASH_BYTES)
                return app__fail(err_msg, ERR_USAGE,
                                 "an id is 8 to 64 hex digits");
        err = store_get_by_id(t, id, id_len, &bytes);
        if (!err && !(err = entry_parse(buf_slice(&bytes), &e)))
                memcpy(full, e.id, ENTRY_HASH_BYTES);
        buf_release(&bytes);
        if (err == ERR_NOT_FOUND)
                err = ERR_KIM_NOT_FOUND;
        if (err == ERR_KIM_NOT_FOUND)
                return app__fail(err_msg, err, "no such report here");
        if (err == ERR_AMBIGUOUS)
                return app__fail(err_msg, err,
                                 "the id prefix matches more than one entry: "
                                 "give more digits");
        return err ? app__fail(err_msg, err, "%s", err_str(err)) : 0;
}

int
app__item_load(struct store_txn *t, const uint8_t id[ENTRY_HASH_BYTES],
               struct app_item *it)
{
        int err;

        memset(it, 0, sizeof(*it));
        if ((err = store_get_by_id(t, id, ENTRY_HASH_BYTES, &it->bytes)))
                return err == ERR_NOT_FOUND ? ERR_KIM_NOT_FOUND : err;
        if ((err = entry_parse(buf_slice(&it->bytes), &it->e)))
                return err;
        it->kim = it->e.env.has_body && wire_kim_kind(it->e.h.kind) &&
                  !wire_kim_decode(it->e.h.kind, it->e.env.body, &it->b);
        return 0;
}

bool
app__body_missing(const struct app_item *it)
{
        return !it->e.env.has_body;
}

void
app__item_release(struct app_item *it)
{
        buf_release(&it->bytes);
        buf_wipe_release(&it->content);
        buf_wipe_release(&it->reporter);
        memset(it, 0, sizeof(*it));
}

json_t *
app__id_json(const uint8_t id[ENTRY_HASH_BYTES])
{
        char hex[2 * ENTRY_HASH_BYTES + 1];

        id_hex(hex, id);
        return json_string(hex);
}

json_t *
app__slice_json(struct slice s)
{
        json_t *j = json_stringn((const char *)s.ptr, s.len);

        return j ? j : json_string(""); /* not UTF-8: never after decode */
}

json_t *
app__time_json(uint64_t ms)
{
        time_t t = (time_t)(ms / 1000U);
        struct tm tm;
        char out[40];
        size_t n;

        /* A peer's clock may say any year: out of range is no time. */
        if (!gmtime_r(&t, &tm))
                return json_null();
        n = strftime(out, sizeof(out), "%Y-%m-%dT%H:%M:%S", &tm);
        if (!n)
                return json_null();
        snprintf(out + n, sizeof(out) - n, ".%03uZ", (unsigned)(ms % 1000U));
        return json_string(out);
}

static json_t *
opt_ts(bool has, uint64_t ts)
{
        return has ? json_integer((json_int_t)ts) : json_null();
}

/* ---- opening sealed values ----------------------------------------------- */

/*
 * Opens the rahasia content of a report into it->b (which then borrows
 * from it->content). False if it is sealed and this node cannot open it.
 */
static bool
content_open(struct node *n, struct app_item *it)
{
        char hex[2 * ENTRY_HASH_BYTES + 1];
        struct seal_ctx at;

        if (!it->b.rahasia || !it->b.sealed.n)
                return true;
        if (!n->key || !seal_is_recipient(&it->b.sealed, n->key->pk))
                return false;
        seal_ctx_of(&it->e, &at);
        if (!seal_open(n->key, &it->b.sealed, &at, SEAL_FIELD_SEALED,
                       &it->content) &&
            !wire_kim_content_decode(buf_slice(&it->content), &it->b))
                return true;
        id_hex(hex, it->e.id);
        log_warn("KIM-SEALED",
                 "the content of report %.16s does not open "
                 "with this node's key (tampered, moved from another "
                 "entry, or a version-1 seal)",
                 hex);
        return false;
}

/* The reporter: {name, contact}, APP_SEALED_TEXT, or null. */
static json_t *
reporter_json(struct node *n, struct app_item *it)
{
        struct kim_reporter r;
        char hex[2 * ENTRY_HASH_BYTES + 1];
        struct seal_ctx at;

        if (!it->b.reporter.n)
                return json_null();
        if (!n->key || !seal_is_recipient(&it->b.reporter, n->key->pk))
                return json_string(APP_SEALED_TEXT);
        seal_ctx_of(&it->e, &at);
        if (seal_open(n->key, &it->b.reporter, &at, SEAL_FIELD_REPORTER,
                      &it->reporter) ||
            wire_kim_reporter_decode(buf_slice(&it->reporter), &r)) {
                id_hex(hex, it->e.id);
                log_warn("KIM-SEALED",
                         "the reporter of report %.16s does "
                         "not open with this node's key (tampered, moved "
                         "from another entry, or a version-1 seal)",
                         hex);
                return json_string(APP_SEALED_TEXT);
        }
        return json_pack("{s:o, s:o}", "name", app__slice_json(r.name),
                         "contact", app__slice_json(r.contact));
}

/*
 * May this reader see the content? Sealed content: when it opens. Clear
 * content of a report whose flag a step raised later: only at the handler
 * region (the recipients a sealed value would have had).
 */
static bool
content_readable(struct node *n, struct app_item *it,
                 const struct wire_report_view *v)
{
        if (it->b.rahasia)
                return content_open(n, it);
        return !v->rahasia || !strcmp(n->config.region, v->handler);
}

static json_t *
location_json(const struct kim_location *l)
{
        json_t *j;

        if (!l->present)
                return json_null();
        j = json_object();
        if (l->has_region)
                json_object_set_new(j, "region", json_string(l->region));
        if (l->has_place)
                json_object_set_new(j, "place", app__slice_json(l->place));
        if (l->has_coords) {
                json_object_set_new(j, "lat", json_real(l->lat));
                json_object_set_new(j, "lon", json_real(l->lon));
        }
        return j;
}

static json_t *
tags_json(const struct kim_body *b)
{
        json_t *a = json_array();

        for (size_t i = 0; i < b->n_tags; i++)
                json_array_append_new(a, app__slice_json(b->tags[i]));
        return a;
}

/* ---- report summaries ---------------------------------------------------- */

static json_t *
flags_json(const struct kim_flags *f)
{
        return json_pack("{s:b, s:b, s:b}", "terlambat_verifikasi",
                         f->terlambat_verifikasi, "terlambat_tindak_lanjut",
                         f->terlambat_tindak_lanjut, "siap_ditutup",
                         f->siap_ditutup);
}

bool
app__overdue(const struct kim_flags *f)
{
        return f->terlambat_verifikasi || f->terlambat_tindak_lanjut;
}

/* The summary of a report: its view and its (opened) body. */
static json_t *
summary_json(struct node *n, struct app_item *it,
             const struct wire_report_view *v, uint64_t now_ms, bool *readable)
{
        struct kim_calendar cal;
        struct kim_flags f;
        const char *kind = kind_name(v->kind);
        json_t *j;

        app__calendar(n, &cal);
        kim_view_flags(v, &cal, now_ms, &f);
        *readable = content_readable(n, it, v);
        j = json_pack(
            "{s:o, s:s, s:s, s:s, s:s, s:I, s:o, s:s, s:o, s:b, "
            "s:b, s:o}",
            "id", app__id_json(v->id), "kind", kind ? kind : "?", "region",
            v->region, "audience", v->audience, "handler", v->handler, "ts",
            (json_int_t)v->ts, "time", app__time_json(v->ts), "state", v->state,
            "result", v->result[0] ? json_string(v->result) : json_null(),
            "anonim", v->anonim, "rahasia", v->rahasia, "category",
            it->b.has_category ? app__slice_json(it->b.category) : json_null());
        json_object_set_new(j, "title",
                            app__body_missing(it)
                                ? json_string(APP_BODY_MISSING_TEXT)
                            : !*readable      ? json_string(APP_SEALED_TEXT)
                            : it->b.has_title ? app__slice_json(it->b.title)
                                              : json_null());
        json_object_set_new(j, "body_missing",
                            json_boolean(app__body_missing(it)));
        json_object_set_new(j, "flags", flags_json(&f));
        json_object_set_new(j, "overdue", json_boolean(app__overdue(&f)));
        json_object_set_new(j, "deadline_ms",
                            opt_ts(f.deadline_ms != 0, f.deadline_ms));
        json_object_set_new(j, "last_reply_ts",
                            opt_ts(v->has_last_reply_ts, v->last_reply_ts));
        return j;
}

/* ---- listing reports ----------------------------------------------------- */

struct list_walk {
        struct node *n;
        struct store_txn *t;
        const struct app_report_filter *f;
        struct kim_calendar cal;
        uint64_t now_ms;
        size_t limit;
        json_t *arr;
        bool more;
};

static bool
list_match(struct list_walk *w, const struct wire_report_view *v)
{
        struct kim_flags fl;

        if (w->f->kind && v->kind != w->f->kind)
                return false;
        if (w->f->handler && strcmp(w->f->handler, v->handler))
                return false;
        if (w->f->overdue) {
                kim_view_flags(v, &w->cal, w->now_ms, &fl);
                if (!app__overdue(&fl))
                        return false;
        }
        return true;
}

static int
list_visit(void *ctx, const uint8_t id[ENTRY_HASH_BYTES])
{
        struct list_walk *w = ctx;
        struct wire_report_view v;
        struct app_item it;
        bool readable;
        int err;

        if (json_array_size(w->arr) == w->limit) {
                w->more = true;
                return 1; /* stop: one more exists */
        }
        if ((err = replica_report_view(w->t, id, &v)))
                return err;
        if (list_match(w, &v) && !(err = app__item_load(w->t, id, &it))) {
                json_array_append_new(
                    w->arr, summary_json(w->n, &it, &v, w->now_ms, &readable));
                app__item_release(&it);
        }
        wire_report_view_release(&v);
        return err;
}

static int
filter_check(const struct app_report_filter *f, size_t *limit, char *err_msg)
{
        enum kim_state s;

        *limit = f->limit ? f->limit : APP_LIST_DEFAULT;
        if (f->limit > APP_LIST_MAX)
                return app__fail(err_msg, ERR_USAGE, "limit is at most %u",
                                 APP_LIST_MAX);
        if (f->status && kim_state_parse(f->status, &s))
                return app__fail(err_msg, ERR_USAGE,
                                 "unknown status '%s' (diajukan, "
                                 "diverifikasi, ditunda, bukan_wewenang, "
                                 "diarsipkan, diteruskan, ditindaklanjuti, "
                                 "selesai, ditutup)",
                                 f->status);
        if (f->kind && !kim_kind_is_report(f->kind))
                return app__fail(err_msg, ERR_USAGE,
                                 "kind must be aspirasi, pengaduan or "
                                 "permintaan_informasi");
        if (f->handler && region_check(f->handler, strlen(f->handler)))
                return app__fail(err_msg, ERR_USAGE,
                                 "handler '%s' is not a region code",
                                 f->handler);
        return 0;
}

int
app_reports_list(struct node *n, const struct app_report_filter *f,
                 json_t **out, char *err_msg)
{
        struct list_walk w;
        json_t *next;
        int err;

        memset(&w, 0, sizeof(w));
        if ((err = filter_check(f, &w.limit, err_msg)) ||
            (err = app__views_ready(n, err_msg)))
                return err;
        w.n = n;
        w.f = f;
        w.now_ms = f->now_ms ? f->now_ms : time_now_ms();
        app__calendar(n, &w.cal);
        if ((err = store_begin(n->store, false, &w.t)))
                return app__fail(err_msg, err, "%s", err_str(err));
        w.arr = json_array();
        err = replica_reports_scan(
            w.t, f->status, f->has_after ? f->after : NULL, list_visit, &w);
        store_abort(w.t);
        if (err < 0) {
                json_decref(w.arr);
                return app__fail(err_msg, err,
                                 err == ERR_KIM_NOT_FOUND
                                     ? "after: no such report here"
                                     : "%s",
                                 err_str(err));
        }
        /* More may follow: the last one shown is where the next page
         * starts. */
        next = w.more ? json_incref(json_object_get(
                            json_array_get(w.arr, w.limit - 1), "id"))
                      : json_null();
        *out = json_pack("{s:o, s:o}", "reports", w.arr, "next", next);
        return 0;
}

/* ---- counting ------------------------------------------------------------ */

struct count_walk {
        struct store_txn *t;
        struct kim_calendar cal;
        uint64_t now_ms, total, overdue;
        json_t *by;
};

/*
 * A report is overdue only in diajukan (its time is in the index key) or,
 * verified valid, in diverifikasi or diteruskan: only those views are read.
 */
static int
count_overdue(struct count_walk *w, const char *state, uint64_t ts,
              const uint8_t id[ENTRY_HASH_BYTES], bool *overdue)
{
        struct wire_report_view v;
        struct kim_flags f;
        int err;

        *overdue = false;
        if (!strcmp(state, kim_state_name(KIM_STATE_DIAJUKAN))) {
                *overdue =
                    w->now_ms >= kim_deadline_ms(&w->cal, ts, KIM_DAYS_VERIFY);
                return 0;
        }
        if (strcmp(state, kim_state_name(KIM_STATE_DIVERIFIKASI)) &&
            strcmp(state, kim_state_name(KIM_STATE_DITERUSKAN)))
                return 0;
        if ((err = replica_report_view(w->t, id, &v)))
                return err;
        kim_view_flags(&v, &w->cal, w->now_ms, &f);
        *overdue = app__overdue(&f);
        wire_report_view_release(&v);
        return 0;
}

static int
count_visit(void *ctx, const char *state, uint64_t ts,
            const uint8_t id[ENTRY_HASH_BYTES])
{
        struct count_walk *w = ctx;
        json_t *c = json_object_get(w->by, state);
        bool overdue;
        int err;

        if ((err = count_overdue(w, state, ts, id, &overdue)))
                return err;
        w->total++;
        w->overdue += overdue;
        json_object_set_new(w->by, state,
                            json_integer(c ? json_integer_value(c) + 1 : 1));
        return 0;
}

int
app_reports_count(struct node *n, uint64_t now_ms, json_t **out, char *err_msg)
{
        struct count_walk w;
        int err;

        memset(&w, 0, sizeof(w));
        if ((err = app__views_ready(n, err_msg)))
                return err;
        w.now_ms = now_ms ? now_ms : time_now_ms();
        app__calendar(n, &w.cal);
        w.by = json_object();
        for (int s = KIM_STATE_DIAJUKAN; s <= KIM_STATE_DITUTUP; s++)
                json_object_set_new(w.by, kim_state_name((enum kim_state)s),
                                    json_integer(0));
        if ((err = store_begin(n->store, false, &w.t))) {
                json_decref(w.by);
                return app__fail(err_msg, err, "%s", err_str(err));
        }
        err = replica_reports_states(w.t, count_visit, &w);
        store_abort(w.t);
        if (err) {
                json_decref(w.by);
                return app__fail(err_msg, err, "%s", err_str(err));
        }
        *out = json_pack("{s:I, s:I, s:o}", "total", (json_int_t)w.total,
                         "overdue", (json_int_t)w.overdue, "by_status", w.by);
        return 0;
}

/* ---- one report ---------------------------------------------------------- */

/* The fields of a step or tanggapan that the timeline shows. */
static void
event_fields(json_t *j, const struct app_item *it)
{
        const struct kim_body *b = &it->b;

        if (!it->kim)
                return;
        if (b->has_note)
                json_object_set_new(j, "note", app__slice_json(b->note));
        if (b->has_method)
                json_object_set_new(j, "method", app__slice_json(b->method));
        if (b->result)
                json_object_set_new(j, "result",
                                    json_string(kim_result_name(b->result)));
        if (b->has_verifier)
                json_object_set_new(j, "verifier",
                                    app__slice_json(b->verifier));
        if (b->has_agency)
                json_object_set_new(j, "agency", app__slice_json(b->agency));
        if (b->kind == KIND_STATUS && (b->anonim || b->rahasia)) {
                json_object_set_new(j, "anonim", json_boolean(b->anonim));
                json_object_set_new(j, "rahasia", json_boolean(b->rahasia));
        }
        if (b->kind == KIND_TANGGAPAN) {
                if (b->has_title)
                        json_object_set_new(j, "title",
                                            app__slice_json(b->title));
                json_object_set_new(j, "text", app__slice_json(b->text));
        }
}

static int
timeline_json(struct store_txn *t, const struct wire_report_view *v,
              json_t **out)
{
        json_t *a = json_array();
        int err = 0;

        for (size_t i = 0; i < v->timeline_n && !err; i++) {
                const struct wire_view_event *ev = &v->timeline[i];
                const char *kind = kind_name(ev->kind);
                struct app_item it;
                json_t *j = json_pack(
                    "{s:o, s:s, s:o, s:s, s:I, s:o, s:s}", "id",
                    app__id_json(ev->id), "kind", kind ? kind : "?", "step",
                    ev->step[0] ? json_string(ev->step) : json_null(),
                    "author_region", ev->author_region, "ts",
                    (json_int_t)ev->ts, "time", app__time_json(ev->ts), "mark",
                    wire_mark_name(ev->mark));

                if (i > 0 && !(err = app__item_load(t, ev->id, &it))) {
                        event_fields(j, &it);
                        app__item_release(&it);
                }
                json_array_append_new(a, j);
        }
        if (err) {
                json_decref(a);
                return err;
        }
        *out = a;
        return 0;
}

json_t *
app__allowed_steps(struct node *n, const struct wire_report_view *v,
                   uint64_t now_ms)
{
        struct kim_calendar cal;
        struct audience aud;
        enum kim_role role = KIM_ROLE_NONE;
        json_t *a = json_array();

        app__calendar(n, &cal);
        if (!audience_parse(&aud, v->audience))
                role = kim_role_of(&aud, n->config.region);
        for (int s = KIM_STEP_DIVERIFIKASI; s <= KIM_STEP_BUKA_KEMBALI; s++)
                if (role != KIM_ROLE_NONE &&
                    kim_step_role((enum kim_step)s) == role &&
                    !kim_view_next(v, (enum kim_step)s, &cal, now_ms, NULL))
                        json_array_append_new(
                            a, json_string(kim_step_name((enum kim_step)s)));
        if (role == KIM_ROLE_HANDLER)
                json_array_append_new(a, json_string("tanggapan"));
        return a;
}

static json_t *
detail_json(struct node *n, struct app_item *it,
            const struct wire_report_view *v, uint64_t now_ms, json_t *tl)
{
        bool readable;
        json_t *j = summary_json(n, it, v, now_ms, &readable);

        json_object_set_new(j, "author", app__id_json(v->author));
        json_object_set_new(j, "text",
                            app__body_missing(it)
                                ? json_string(APP_BODY_MISSING_TEXT)
                            : !readable      ? json_string(APP_SEALED_TEXT)
                            : it->b.has_text ? app__slice_json(it->b.text)
                                             : json_null());
        json_object_set_new(j, "tags",
                            readable ? tags_json(&it->b) : json_array());
        json_object_set_new(j, "location",
                            readable ? location_json(&it->b.location)
                                     : json_null());
        json_object_set_new(j, "sealed", json_boolean(!readable));
        json_object_set_new(j, "reporter", reporter_json(n, it));
        json_object_set_new(j, "verified_ts",
                            opt_ts(v->has_verified_ts, v->verified_ts));
        json_object_set_new(j, "followed_ts",
                            opt_ts(v->has_followed_ts, v->followed_ts));
        json_object_set_new(j, "done_ts", opt_ts(v->has_done_ts, v->done_ts));
        json_object_set_new(j, "head", app__id_json(v->head));
        /* No step on what this node has not read (KIM.md §7). */
        json_object_set_new(j, "allowed_steps",
                            app__body_missing(it)
                                ? json_array()
                                : app__allowed_steps(n, v, now_ms));
        json_object_set_new(j, "timeline", tl);
        return j;
}

int
app_report_get(struct node *n, const uint8_t *id, size_t id_len,
               uint64_t now_ms, json_t **out, char *err_msg)
{
        uint8_t full[ENTRY_HASH_BYTES];
        struct wire_report_view v;
        struct store_txn *t = NULL;
        struct app_item it;
        json_t *tl = NULL;
        int err;

        memset(&v, 0, sizeof(v));
        memset(&it, 0, sizeof(it));
        if ((err = app__views_ready(n, err_msg)))
                return err;
        if ((err = store_begin(n->store, false, &t)))
                return app__fail(err_msg, err, "%s", err_str(err));
        if ((err = app__resolve(t, id, id_len, full, err_msg)))
                goto out;
        err = replica_report_view(t, full, &v);
        if (err == ERR_KIM_NOT_FOUND) {
                app__fail(err_msg, err, "that entry is not a report");
                goto out;
        }
        if (err || (err = app__item_load(t, full, &it)) ||
            (err = timeline_json(t, &v, &tl))) {
                app__fail(err_msg, err, "%s", err_str(err));
                goto out;
        }
        if (!it.kim && !app__body_missing(&it)) {
                err = app__fail(err_msg, ERR_STORE_CORRUPT,
                                "the report's body does not decode");
                goto out;
        }
        *out = detail_json(n, &it, &v, now_ms ? now_ms : time_now_ms(), tl);
        tl = NULL;
out:
        json_decref(tl);
        store_abort(t);
        wire_report_view_release(&v);
        app__item_release(&it);
        return err;
}
