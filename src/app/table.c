/*
 * table: the rows of an export (simpul export-table, GET /api/export/...):
 * reports with their timelines and announcements, read from the views as
 * app_reports_list reads them, handed row by row to a sink so that 100k
 * reports never sit in memory at once. What may be shown follows
 * app.h: personal data only with f->personal; anonim never shows a
 * reporter; sealed content only where it opens.
 */
#include <stdlib.h>
#include <string.h>

#include "app_int.h"

/* ---- region names, from the certificates held --------------------------- */

/* ---- cells --------------------------------------------------------------- */

static struct export_cell
cell_str(const char *s)
{
        return s && *s ? export_text(slice_cstr(s)) : (struct export_cell){0};
}

static struct export_cell
cell_slice(bool has, struct slice s)
{
        return has ? export_text(s) : (struct export_cell){0};
}

static struct export_cell
cell_time(bool has, uint64_t ms)
{
        return has ? (struct export_cell){.type = EXPORT_TIME, .n = ms}
                   : (struct export_cell){0};
}

static struct export_cell
cell_int(uint64_t v)
{
        return (struct export_cell){.type = EXPORT_INT, .n = v};
}

static struct export_cell
cell_bool(bool v)
{
        return (struct export_cell){.type = EXPORT_BOOL, .n = v};
}

static struct export_cell
cell_hex(char *out, const uint8_t *p, size_t n)
{
        hex_encode(out, p, n);
        return export_text(slice_make(out, 2 * n));
}

/* ---- the walk ------------------------------------------------------------ */

static const char *const report_cols[] = {
    "id",
    "time",
    "kind",
    "state",
    "result",
    "category",
    "region",
    "desa",
    "kecamatan",
    "handler",
    "title",
    "text",
    "anonim",
    "rahasia",
    "verified_time",
    "followed_time",
    "done_time",
    "closed_time",
    "last_reply_time",
    "response",
    "overdue",
    "terlambat_verifikasi",
    "terlambat_tindak_lanjut",
    "deadline",
    "steps",
    "reporter_name",
    "reporter_contact",
    "body_missing",
};
#define REPORT_COLS ARRAY_LEN(report_cols)

static const char *const step_cols[] = {
    "report_id", "n",      "id",   "kind",   "step",
    "time",      "actor",  "mark", "method", "result",
    "verifier",  "agency", "note", "title",  "text",
};
#define STEP_COLS ARRAY_LEN(step_cols)

struct walk {
        struct node *n;
        struct store_txn *t;
        const struct app_table_filter *f;
        const struct app_table_sink *s;
        struct app_places places;
        uint64_t now_ms;
        struct app_table_stats *out;
};

/* In time range and region, of the category: the filters both share. */
static bool
common_match(const struct walk *w, uint64_t ts, const char *region,
             const struct kim_body *b, bool kim)
{
        const struct app_table_filter *f = w->f;

        if (f->until_ms && ts >= f->until_ms)
                return false;
        if (f->region && !region_covers(f->region, region))
                return false;
        if (f->category && (!kim || !b->has_category ||
                            !slice_eq(b->category, slice_cstr(f->category))))
                return false;
        return true;
}

static bool
report_match(const struct walk *w, const struct app_report *r)
{
        const struct app_table_filter *f = w->f;

        if (f->kind && r->v.kind != f->kind)
                return false;
        if (f->handler && strcmp(f->handler, r->v.handler))
                return false;
        if (f->overdue && !r->overdue)
                return false;
        return common_match(w, r->v.ts, r->v.region, &r->it.b, r->it.kim);
}

/* What a report's rows may show of its content and its timeline's text. */
static bool
content_shown(const struct walk *w, const struct app_report *r)
{
        return r->readable && (w->f->personal || !r->v.rahasia);
}

static struct slice
sealed_or(bool shown, struct slice s)
{
        return shown ? s : slice_cstr(APP_SEALED_TEXT);
}

/* One row of the steps table; *last_reply and *closed_ms follow. */
static int
step_row(struct walk *w, const struct app_report *r, size_t i, bool shown,
         const struct app_item *it, char hex[2][65])
{
        const struct wire_view_event *ev = &r->v.timeline[i];
        const struct kim_body *b = &it->b;
        const char *kind = kind_name(ev->kind);
        bool k = it->kim;
        struct export_cell c[STEP_COLS] = {
            cell_hex(hex[0], r->v.id, ENTRY_HASH_BYTES),
            cell_int(i),
            cell_hex(hex[1], ev->id, ENTRY_HASH_BYTES),
            cell_str(kind ? kind : "?"),
            cell_str(ev->step),
            cell_time(true, ev->ts),
            cell_str(ev->author_region),
            cell_str(wire_mark_name(ev->mark)),
            cell_slice(k && b->has_method, sealed_or(shown, b->method)),
            cell_str(k && b->result ? kim_result_name(b->result) : NULL),
            cell_slice(k && b->has_verifier, sealed_or(shown, b->verifier)),
            cell_slice(k && b->has_agency, sealed_or(shown, b->agency)),
            cell_slice(k && b->has_note, sealed_or(shown, b->note)),
            cell_slice(k && b->kind == KIND_TANGGAPAN && b->has_title,
                       sealed_or(shown, b->title)),
            cell_slice(k && b->kind == KIND_TANGGAPAN,
                       sealed_or(shown, b->text)),
        };
        int err = w->s->row(w->s->ctx, APP_TABLE_STEPS, c, STEP_COLS);

        w->out->rows[APP_TABLE_STEPS] += !err;
        return err;
}

/* What the report row takes from the timeline. */
struct timeline_sum {
        struct app_item reply; /* the last tanggapan held */
        bool has_reply, closed;
        uint64_t closed_ms;
};

static int
steps_write(struct walk *w, const struct app_report *r, bool shown,
            struct timeline_sum *sum)
{
        char hex[2][65];
        int err = 0;

        for (size_t i = 1; i < r->v.timeline_n && !err; i++) {
                const struct wire_view_event *ev = &r->v.timeline[i];
                struct app_item it;

                /* A view names only entries held; a gap shows empty. */
                err = app__item_load(w->t, ev->id, &it);
                if (err == ERR_KIM_NOT_FOUND)
                        memset(&it, 0, sizeof(it));
                else if (err)
                        break;
                else if (shown) /* sealed details (KIM.md §4.3) */
                        app__details_open(w->n, &it);
                err = step_row(w, r, i, shown, &it, hex);
                if (!strcmp(ev->step, kim_step_name(KIM_STEP_DITUTUP)) &&
                    ev->mark == WIRE_MARK_VALID) {
                        sum->closed = true;
                        sum->closed_ms = ev->ts;
                }
                if (ev->kind == KIND_TANGGAPAN && it.kim) {
                        app__item_release(&sum->reply);
                        sum->reply = it; /* the timeline is in time order */
                        sum->has_reply = true;
                        continue;
                }
                app__item_release(&it);
        }
        return err;
}

static int
report_row(struct walk *w, struct app_report *r, const struct timeline_sum *sum,
           bool shown)
{
        const struct wire_report_view *v = &r->v;
        const struct kim_body *b = &r->it.b;
        struct kim_reporter who = {0};
        bool who_open = false, k = r->it.kim;
        struct slice title = r->title, text;
        char id[65];
        int err;

        if (w->f->personal && !v->anonim)
                who_open =
                    app__reporter_open(w->n, &r->it, &who) == APP_REPORTER_OPEN;
        text = r->body_missing    ? slice_cstr(APP_BODY_MISSING_TEXT)
               : !r->readable     ? slice_cstr(APP_SEALED_TEXT)
               : k && b->has_text ? b->text
                                  : slice_make("", 0);
        if (!shown && !r->body_missing) {
                title = slice_cstr(APP_SEALED_TEXT);
                text = title;
        }
        struct export_cell c[REPORT_COLS] = {
            cell_hex(id, v->id, ENTRY_HASH_BYTES),
            cell_time(true, v->ts),
            cell_str(r->kind),
            cell_str(v->state),
            cell_str(v->result),
            cell_slice(k && b->has_category, b->category),
            cell_str(v->region),
            cell_str(app__place_name(&w->places, v->region, REGION_DESA)),
            cell_str(app__place_name(&w->places, v->region, REGION_KECAMATAN)),
            cell_str(v->handler),
            cell_slice(title.ptr != NULL, title),
            cell_slice(true, text),
            cell_bool(v->anonim),
            cell_bool(v->rahasia),
            cell_time(v->has_verified_ts, v->verified_ts),
            cell_time(v->has_followed_ts, v->followed_ts),
            cell_time(v->has_done_ts, v->done_ts),
            cell_time(sum->closed && !strcmp(v->state, "ditutup"),
                      sum->closed_ms),
            cell_time(v->has_last_reply_ts, v->last_reply_ts),
            cell_slice(sum->has_reply, sealed_or(shown, sum->reply.b.text)),
            cell_bool(r->overdue),
            cell_bool(r->flags.terlambat_verifikasi),
            cell_bool(r->flags.terlambat_tindak_lanjut),
            cell_time(r->flags.deadline_ms != 0, r->flags.deadline_ms),
            cell_int(v->timeline_n ? v->timeline_n - 1 : 0),
            cell_slice(who_open, who.name),
            cell_slice(who_open, who.contact),
            cell_bool(r->body_missing),
        };
        err = w->s->row(w->s->ctx, APP_TABLE_REPORTS, c, REPORT_COLS);
        w->out->rows[APP_TABLE_REPORTS] += !err;
        return err;
}

static int
report_visit(void *ctx, const uint8_t id[ENTRY_HASH_BYTES])
{
        struct walk *w = ctx;
        struct timeline_sum sum;
        struct app_report r;
        bool shown;
        int err;

        if ((err = app__report_summary(w->n, w->t, id, w->now_ms, &r)))
                return err;
        /* Newest first (replica_reports_scan): the rest are older. */
        if (w->f->since_ms && r.v.ts < w->f->since_ms) {
                app_report_release(&r);
                return 1;
        }
        if (!report_match(w, &r)) {
                app_report_release(&r);
                return 0;
        }
        memset(&sum, 0, sizeof(sum));
        shown = content_shown(w, &r);
        if (!(err = steps_write(w, &r, shown, &sum)))
                err = report_row(w, &r, &sum, shown);
        app__item_release(&sum.reply);
        app_report_release(&r);
        return err;
}

static int
filter_check(const struct app_table_filter *f, bool reports, char *err_msg)
{
        enum kim_state st;

        if (!reports && (f->status || f->overdue || f->handler))
                return app__fail(err_msg, ERR_USAGE,
                                 "status, overdue and handler filter reports "
                                 "only");

        if (f->status && kim_state_parse(f->status, &st))
                return app__fail(err_msg, ERR_USAGE, "unknown status '%s'",
                                 f->status);
        if (f->kind &&
            (reports ? !kim_kind_is_report(f->kind)
                     : f->kind != KIND_INFORMASI && f->kind != KIND_PERINGATAN))
                return app__fail(err_msg, ERR_USAGE,
                                 reports ? "kind must be aspirasi, pengaduan "
                                           "or permintaan_informasi"
                                         : "kind must be informasi or "
                                           "peringatan");
        if (f->handler && region_check(f->handler, strlen(f->handler)))
                return app__fail(err_msg, ERR_USAGE,
                                 "handler '%s' is not a region code",
                                 f->handler);
        if (f->region && region_check(f->region, strlen(f->region)))
                return app__fail(err_msg, ERR_USAGE,
                                 "region '%s' is not a region code", f->region);
        if (f->category && !wire_kim_word(slice_cstr(f->category)))
                return app__fail(err_msg, ERR_USAGE,
                                 "category '%s' is not a word (a-z, 0-9, _)",
                                 f->category);
        if (f->since_ms && f->until_ms && f->until_ms <= f->since_ms)
                return app__fail(err_msg, ERR_USAGE,
                                 "until must be after since");
        return 0;
}

/* Checks, the views, a read transaction and the names: w ready. */
static int
walk_begin(struct node *n, const struct app_table_filter *f,
           const struct app_table_sink *s, struct app_table_stats *out,
           bool reports, struct walk *w, char *err_msg)
{
        int err;

        memset(out, 0, sizeof(*out));
        memset(w, 0, sizeof(*w));
        if ((err = filter_check(f, reports, err_msg)) ||
            (err = app__views_ready(n, err_msg)))
                return err;
        w->n = n;
        w->f = f;
        w->s = s;
        w->out = out;
        w->now_ms = f->now_ms ? f->now_ms : node_now_ms(n);
        if ((err = store_begin(n->store, false, &w->t)))
                return app__fail(err_msg, err, "%s", err_str(err));
        if ((err = app__places_load(n, w->t, &w->places))) {
                store_abort(w->t);
                app_places_release(&w->places);
                return app__fail(err_msg, err, "%s", err_str(err));
        }
        return 0;
}

static int
walk_end(struct walk *w, int err, char *err_msg)
{
        store_abort(w->t);
        app_places_release(&w->places);
        if (err < 0)
                return app__fail(err_msg, err, "%s", err_str(err));
        return 0;
}

int
app_table_reports(struct node *n, const struct app_table_filter *f,
                  const struct app_table_sink *s, struct app_table_stats *out,
                  char *err_msg)
{
        struct walk w;
        int err;

        if ((err = walk_begin(n, f, s, out, true, &w, err_msg)))
                return err;
        if (!(err = s->columns(s->ctx, APP_TABLE_REPORTS, "reports",
                               report_cols, REPORT_COLS)) &&
            !(err = s->columns(s->ctx, APP_TABLE_STEPS, "steps", step_cols,
                               STEP_COLS)))
                err = replica_reports_scan(w.t, f->status, NULL, report_visit,
                                           &w);
        return walk_end(&w, err, err_msg);
}

/* ---- announcements ------------------------------------------------------- */

static const char *const ann_cols[] = {
    "id",           "time",         "kind",          "level",
    "category",     "region",       "desa",          "kecamatan",
    "audience",     "title",        "text",          "tags",
    "until",        "revised_time", "revised_title", "revised_text",
    "body_missing",
};
#define ANN_COLS ARRAY_LEN(ann_cols)

static void
tags_text(const struct kim_body *b, struct buf *out)
{
        for (size_t i = 0; i < b->n_tags; i++) {
                if (i)
                        buf_addc(out, ' ');
                buf_add(out, b->tags[i].ptr, b->tags[i].len);
        }
}

static int
ann_row(struct walk *w, const struct app_item *it, const struct app_item *rev,
        const struct wire_revision_view *rv)
{
        static const struct app_item no_rev;
        const struct app_item *r2 = rev ? rev : &no_rev;
        const struct kim_body *b = &it->b;
        const struct entry_header *h = &it->e.h;
        bool missing = app__body_missing(it), k = it->kim;
        struct slice none = slice_cstr(APP_BODY_MISSING_TEXT);
        char id[65], aud[40];
        struct buf tags = BUF_INIT;
        int err;

        audience_format(&h->audience, aud);
        if (k)
                tags_text(b, &tags);
        struct export_cell c[ANN_COLS] = {
            cell_hex(id, it->e.id, ENTRY_HASH_BYTES),
            cell_time(true, h->timestamp_ms),
            cell_str(kind_name(h->kind)),
            cell_str(k && b->level ? kim_level_name(b->level) : NULL),
            cell_slice(k && b->has_category, b->category),
            cell_str(h->author_region),
            cell_str(
                app__place_name(&w->places, h->author_region, REGION_DESA)),
            cell_str(app__place_name(&w->places, h->author_region,
                                     REGION_KECAMATAN)),
            cell_str(aud),
            cell_slice(missing || k, missing ? none : b->title),
            cell_slice(missing || k, missing ? none : b->text),
            cell_slice(tags.len, buf_slice(&tags)),
            cell_time(k && b->has_until, b->until_ms),
            cell_time(rev != NULL, rv->decided_ts),
            cell_slice(r2->kim, r2->b.title),
            cell_slice(r2->kim, r2->b.text),
            cell_bool(missing),
        };
        err = w->s->row(w->s->ctx, APP_TABLE_ANNOUNCEMENTS, c, ANN_COLS);
        w->out->rows[APP_TABLE_ANNOUNCEMENTS] += !err;
        buf_release(&tags);
        return err;
}

static int
ann_visit(void *ctx, const uint8_t id[ENTRY_HASH_BYTES])
{
        struct walk *w = ctx;
        struct app_item it, rev;
        struct wire_revision_view rv;
        bool has_rev = false;
        int err;

        memset(&rev, 0, sizeof(rev));
        memset(&rv, 0, sizeof(rv));
        if ((err = app__item_load(w->t, id, &it)))
                return err == ERR_KIM_NOT_FOUND ? ERR_STORE_CORRUPT : err;
        if (w->f->since_ms && it.e.h.timestamp_ms < w->f->since_ms) {
                err = 1; /* newest first: the rest are older */
                goto out;
        }
        if ((w->f->kind && it.e.h.kind != w->f->kind) ||
            !common_match(w, it.e.h.timestamp_ms, it.e.h.author_region, &it.b,
                          it.kim))
                goto out;
        err = replica_revision_view(w->t, id, &rv);
        if (!err)
                has_rev = !(err = app__item_load(w->t, rv.revisi, &rev));
        else if (err == ERR_KIM_NOT_FOUND)
                err = 0;
        if (!err)
                err = ann_row(w, &it, has_rev ? &rev : NULL, &rv);
out:
        app__item_release(&rev);
        app__item_release(&it);
        return err;
}

int
app_table_announcements(struct node *n, const struct app_table_filter *f,
                        const struct app_table_sink *s,
                        struct app_table_stats *out, char *err_msg)
{
        struct walk w;
        int err;

        if ((err = walk_begin(n, f, s, out, false, &w, err_msg)))
                return err;
        if (!(err = s->columns(s->ctx, APP_TABLE_ANNOUNCEMENTS, "announcements",
                               ann_cols, ANN_COLS)))
                err =
                    replica_announcements_scan(w.t, NULL, NULL, ann_visit, &w);
        return walk_end(&w, err, err_msg);
}
