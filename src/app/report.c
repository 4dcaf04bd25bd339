/*
 * report: reading the KIM report views (proto/KIM.md §6) for the CLI and
 * the HTTP API: lists of reports, one report with its timeline, counts.
 * Sealed values are opened where this node is a recipient; elsewhere they
 * read APP_SEALED_TEXT. Steps are in report_step.c, announcements in
 * announce.c.
 */
#include <stdlib.h>
#include <string.h>

#include "app_int.h"

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
                return app__content_open(n, it);
        return !v->rahasia || !strcmp(n->config.region, v->handler);
}

/* A text field as shown (see struct app_report). */
static struct slice
shown(const struct app_report *r, bool has, struct slice s)
{
        if (r->body_missing)
                return slice_cstr(APP_BODY_MISSING_TEXT);
        if (!r->readable)
                return slice_cstr(APP_SEALED_TEXT);
        if (!has)
                return slice_make(NULL, 0);
        return s.ptr ? s : slice_make("", 0);
}

/* The summary of r from its view r->v and its item r->it. */
static void
summary_fill(struct node *n, struct app_report *r, uint64_t now_ms)
{
        struct kim_calendar cal;
        const char *kind = kind_name(r->v.kind);

        app__calendar(n, &cal);
        kim_view_flags(&r->v, &cal, now_ms, &r->flags);
        r->overdue = app__overdue(&r->flags);
        r->kind = kind ? kind : "?";
        r->body_missing = app__body_missing(&r->it);
        r->readable = content_readable(n, &r->it, &r->v);
        r->title = shown(r, r->it.b.has_title, r->it.b.title);
}

void
app_report_release(struct app_report *r)
{
        for (size_t i = 0; r->events && i < r->v.timeline_n; i++)
                app__item_release(&r->events[i].it);
        free(r->events);
        wire_report_view_release(&r->v);
        app__item_release(&r->it);
        memset(r, 0, sizeof(*r));
}

int
app__report_summary(struct node *n, struct store_txn *t,
                    const uint8_t id[ENTRY_HASH_BYTES], uint64_t now_ms,
                    struct app_report *r)
{
        int err;

        memset(r, 0, sizeof(*r));
        if ((err = replica_report_view(t, id, &r->v)) ||
            (err = app__item_load(t, id, &r->it))) {
                app_report_release(r);
                return err;
        }
        summary_fill(n, r, now_ms);
        return 0;
}

/* ---- listing reports ----------------------------------------------------- */

struct list_walk {
        struct node *n;
        struct store_txn *t;
        const struct app_report_filter *f;
        struct kim_calendar cal;
        uint64_t now_ms;
        size_t limit, cap;
        struct app_reports *out;
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
        struct app_report *r;
        int err;

        if (w->out->n == w->limit) {
                w->out->more = true;
                return 1; /* stop: one more exists */
        }
        w->out->v = app__grow(w->out->v, w->out->n, &w->cap, sizeof(*r));
        r = &w->out->v[w->out->n];
        memset(r, 0, sizeof(*r));
        if ((err = replica_report_view(w->t, id, &r->v)))
                return err;
        if (!list_match(w, &r->v) || (err = app__item_load(w->t, id, &r->it))) {
                app_report_release(r);
                return err;
        }
        summary_fill(w->n, r, w->now_ms);
        w->out->n++;
        return 0;
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
                 struct app_reports *out, char *err_msg)
{
        struct list_walk w;
        int err;

        memset(out, 0, sizeof(*out));
        memset(&w, 0, sizeof(w));
        if ((err = filter_check(f, &w.limit, err_msg)) ||
            (err = app__views_ready(n, err_msg)))
                return err;
        w.n = n;
        w.f = f;
        w.out = out;
        w.now_ms = f->now_ms ? f->now_ms : node_now_ms(n);
        app__calendar(n, &w.cal);
        if ((err = store_begin(n->store, false, &w.t)))
                return app__fail(err_msg, err, "%s", err_str(err));
        err = replica_reports_scan(
            w.t, f->status, f->has_after ? f->after : NULL, list_visit, &w);
        store_abort(w.t);
        if (err < 0) {
                app_reports_release(out);
                return app__fail(err_msg, err,
                                 err == ERR_KIM_NOT_FOUND
                                     ? "after: no such report here"
                                     : "%s",
                                 err_str(err));
        }
        return 0;
}

void
app_reports_release(struct app_reports *l)
{
        for (size_t i = 0; i < l->n; i++)
                app_report_release(&l->v[i]);
        free(l->v);
        memset(l, 0, sizeof(*l));
}

/* ---- counting ------------------------------------------------------------ */

struct count_walk {
        struct store_txn *t;
        struct kim_calendar cal;
        uint64_t now_ms;
        struct app_report_counts *out;
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
        bool overdue;
        int err;

        if ((err = count_overdue(w, state, ts, id, &overdue)))
                return err;
        w->out->total++;
        w->out->overdue += overdue;
        for (size_t i = 0; i < w->out->n; i++)
                if (!strcmp(w->out->by_state[i].state, state))
                        w->out->by_state[i].reports++;
        return 0;
}

int
app_reports_count(struct node *n, uint64_t now_ms,
                  struct app_report_counts *out, char *err_msg)
{
        struct count_walk w;
        int err;

        memset(out, 0, sizeof(*out));
        memset(&w, 0, sizeof(w));
        if ((err = app__views_ready(n, err_msg)))
                return err;
        w.now_ms = now_ms ? now_ms : node_now_ms(n);
        w.out = out;
        app__calendar(n, &w.cal);
        for (int s = KIM_STATE_DIAJUKAN; s <= KIM_STATE_DITUTUP; s++)
                out->by_state[out->n++].state =
                    kim_state_name((enum kim_state)s);
        if ((err = store_begin(n->store, false, &w.t)))
                return app__fail(err_msg, err, "%s", err_str(err));
        err = replica_reports_states(w.t, count_visit, &w);
        store_abort(w.t);
        if (err)
                return app__fail(err_msg, err, "%s", err_str(err));
        return 0;
}

/* ---- one report ---------------------------------------------------------- */

/* Each event of the timeline, with the body of every step and tanggapan. */
static int
events_load(struct node *n, struct store_txn *t, struct app_report *r)
{
        int err = 0;

        r->events =
            xcalloc(r->v.timeline_n ? r->v.timeline_n : 1, sizeof(*r->events));
        for (size_t i = 0; i < r->v.timeline_n && !err; i++) {
                struct app_event *ev = &r->events[i];
                const char *kind = kind_name(r->v.timeline[i].kind);

                ev->ev = &r->v.timeline[i];
                ev->kind = kind ? kind : "?";
                ev->mark = wire_mark_name(ev->ev->mark);
                /* The first is the report itself. */
                if (i > 0 && !(err = app__item_load(t, ev->ev->id, &ev->it))) {
                        ev->held = true;
                        ev->sealed = !app__details_open(n, &ev->it);
                }
        }
        return err;
}

/* The steps this node may make on the report now. */
static void
allowed_fill(struct node *n, struct app_report *r, uint64_t now_ms)
{
        struct kim_calendar cal;
        struct audience aud;
        enum kim_role role = KIM_ROLE_NONE;

        app__calendar(n, &cal);
        if (!audience_parse(&aud, r->v.audience))
                role = kim_role_of(&aud, n->config.region);
        for (int s = KIM_STEP_DIVERIFIKASI; s <= KIM_STEP_BUKA_KEMBALI; s++)
                if (role != KIM_ROLE_NONE &&
                    kim_step_role((enum kim_step)s) == role &&
                    !kim_view_next(&r->v, (enum kim_step)s, &cal, now_ms, NULL))
                        r->allowed[r->n_allowed++] =
                            kim_step_name((enum kim_step)s);
        if (role == KIM_ROLE_HANDLER)
                r->allowed[r->n_allowed++] = "tanggapan";
}

static int
report_load(struct node *n, struct store_txn *t,
            const uint8_t id[ENTRY_HASH_BYTES], uint64_t now_ms,
            struct app_report *r, char *err_msg)
{
        int err = replica_report_view(t, id, &r->v);

        if (err == ERR_KIM_NOT_FOUND)
                return app__fail(err_msg, err, "that entry is not a report");
        if (err || (err = app__item_load(t, id, &r->it)) ||
            (err = events_load(n, t, r)))
                return app__fail(err_msg, err, "%s", err_str(err));
        if (!r->it.kim && !app__body_missing(&r->it))
                return app__fail(err_msg, ERR_STORE_CORRUPT,
                                 "the report's body does not decode");
        summary_fill(n, r, now_ms);
        r->detail = true;
        r->text = shown(r, r->it.b.has_text, r->it.b.text);
        r->reporter = app__reporter_open(n, &r->it, &r->who);
        /* No step on what this node has not read (KIM.md §7). */
        if (!r->body_missing)
                allowed_fill(n, r, now_ms);
        return 0;
}

int
app_report_get(struct node *n, const uint8_t *id, size_t id_len,
               uint64_t now_ms, struct app_report *out, char *err_msg)
{
        uint8_t full[ENTRY_HASH_BYTES];
        struct store_txn *t = NULL;
        int err;

        memset(out, 0, sizeof(*out));
        if ((err = app__views_ready(n, err_msg)))
                return err;
        if (!now_ms)
                now_ms = node_now_ms(n);
        if ((err = store_begin(n->store, false, &t)))
                return app__fail(err_msg, err, "%s", err_str(err));
        if (!(err = app__resolve(t, id, id_len, full, err_msg)))
                err = report_load(n, t, full, now_ms, out, err_msg);
        if (!err && (err = app__delivery(n, t, &out->it.e, &out->delivery)))
                app__fail(err_msg, err, "%s", err_str(err));
        store_abort(t);
        if (err)
                app_report_release(out);
        return err;
}
