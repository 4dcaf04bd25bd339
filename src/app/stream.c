/*
 * stream: the log handed out in batches past a reader's position, with
 * the summaries of the reports each batch touches (app.h, "streaming the
 * log out"). simpul sink writes what it gets here into PostgreSQL; the
 * position it keeps there, per feed, is what makes it exactly once.
 */
#include <stdlib.h>
#include <string.h>

#include "app_int.h"

struct stream_walk {
        struct store_txn *t;
        const struct app_stream_pos *pos;
        size_t n_pos, max, cap, pos_cap;
        struct app_stream *out;
        int err;
};

static int
pos_cmp(const void *a, const void *b)
{
        return memcmp(a, b, ENTRY_HASH_BYTES);
}

/* The reader's seq of feed (0: none yet). */
static uint64_t
pos_of(const struct stream_walk *w, const uint8_t feed[ENTRY_HASH_BYTES])
{
        const struct app_stream_pos *p;

        if (!w->n_pos)
                return 0; /* pos may be NULL: bsearch must not see it */
        p = bsearch(feed, w->pos, w->n_pos, sizeof(*w->pos), pos_cmp);
        return p ? p->seq : 0;
}

/* One entry of the scan: copied out of the transaction and decoded. */
static int
entry_visit(void *ctx, uint64_t seq, struct slice bytes)
{
        struct stream_walk *w = ctx;
        struct app_stream *o = w->out;
        struct app_stream_entry *se;
        struct app_stream_pos *p;

        if (o->n == w->max) {
                o->more = true;
                return 1;
        }
        o->v = app__grow(o->v, o->n, &w->cap, sizeof(*o->v));
        se = &o->v[o->n];
        memset(se, 0, sizeof(*se));
        buf_add(&se->it.bytes, bytes.ptr, bytes.len);
        if ((w->err = entry_parse(buf_slice(&se->it.bytes), &se->it.e))) {
                app__item_release(&se->it);
                return 1;
        }
        se->it.kim =
            se->it.e.env.has_body && wire_kim_kind(se->it.e.h.kind) &&
            !wire_kim_decode(se->it.e.h.kind, se->it.e.env.body, &se->it.b);
        o->n++;
        p = &o->pos[o->n_pos - 1];
        p->seq = seq;
        return 0;
}

static int
feed_visit(void *ctx, const struct feed_info *f)
{
        struct stream_walk *w = ctx;
        struct app_stream *o = w->out;
        uint64_t from = pos_of(w, f->id);
        int err;

        if (f->head_seq <= from)
                return 0;
        if (o->n == w->max) {
                o->more = true;
                return 1;
        }
        o->pos = app__grow(o->pos, o->n_pos, &w->pos_cap, sizeof(*o->pos));
        memcpy(o->pos[o->n_pos].feed, f->id, ENTRY_HASH_BYTES);
        o->pos[o->n_pos++].seq = from;
        err = store_feed_scan(w->t, f->id, from + 1, entry_visit, w);
        if (w->err)
                return w->err;
        if (err < 0)
                return err;
        return o->more ? 1 : 0;
}

static struct slice
opt(bool has, struct slice s)
{
        if (!has)
                return slice_make(NULL, 0);
        return s.ptr ? s : slice_make("", 0);
}

/* The columns of one entry from its decoded body. */
static void
entry_fill(struct app_stream_entry *se)
{
        const struct kim_body *b = &se->it.b;
        const char *kind = kind_name(se->it.e.h.kind);
        struct slice cert, issuer;

        se->kind = kind ? kind : "?";
        audience_format(&se->it.e.h.audience, se->audience);
        se->body_missing = !se->it.e.env.has_body;
        if (se->it.e.h.kind == KIND_SERTIFIKAT && se->it.e.env.has_body &&
            !wire_sertifikat_decode(se->it.e.env.body, &cert, &issuer) &&
            !cert_parse(cert, &se->cert))
                se->has_cert = true;
        if (!se->it.kim)
                return;
        se->category = opt(b->has_category, b->category);
        if (kim_kind_is_report(b->kind))
                return; /* title and text: the report's summary says */
        se->title = opt(b->has_title, b->title);
        se->text = opt(b->has_text, b->text);
        if (b->kind == KIND_PERINGATAN)
                se->level = app_name(APP_NAMES_LEVEL, b->level);
        se->has_report = b->has_report;
        memcpy(se->report, b->report, ENTRY_HASH_BYTES);
        if (b->kind != KIND_STATUS)
                return;
        se->step = app_name(APP_NAMES_STEP, b->step);
        if (b->step == KIM_STEP_DIVERIFIKASI)
                se->result = app_name(APP_NAMES_RESULT, b->result);
        se->note = opt(b->has_note, b->note);
        se->method = opt(b->has_method, b->method);
        se->agency = opt(b->has_agency, b->agency);
        se->verifier = opt(b->has_verifier, b->verifier);
}

/* What goes out of a report: hidden unless readable and unseal allows. */
static void
report_fill(struct node *n, struct app_stream_report *sr, bool unseal,
            uint64_t now_ms)
{
        struct app_report *r = &sr->r;
        struct kim_calendar cal;
        struct kim_flags late;
        bool readable = r->readable && (unseal || !r->v.rahasia);

        sr->sealed = r->v.rahasia && !readable;
        if (readable && !r->body_missing) {
                sr->title = opt(r->it.b.has_title, r->it.b.title);
                sr->text = opt(r->it.b.has_text, r->it.b.text);
        }
        if (unseal && !r->v.anonim && !r->body_missing)
                sr->has_reporter = app__reporter_open(n, &r->it, &sr->who) ==
                                   APP_REPORTER_OPEN;
        /* The deadline of the state it is in counts only where being past
         * it makes the report overdue (not siap_ditutup's). */
        app__calendar(n, &cal);
        if (r->flags.deadline_ms) {
                kim_view_flags(&r->v, &cal,
                               now_ms > r->flags.deadline_ms
                                   ? now_ms
                                   : r->flags.deadline_ms,
                               &late);
                if (app__overdue(&late))
                        sr->late_ms = r->flags.deadline_ms;
        }
}

/* The ids of the reports the batch touches, sorted, each once. */
static size_t
touched(const struct app_stream *o, uint8_t (*ids)[ENTRY_HASH_BYTES])
{
        size_t k = 0, u = 0;

        for (size_t i = 0; i < o->n; i++) {
                const struct app_stream_entry *se = &o->v[i];

                if (se->it.kim && kim_kind_is_report(se->it.b.kind))
                        memcpy(ids[k++], se->it.e.id, ENTRY_HASH_BYTES);
                else if (se->has_report)
                        memcpy(ids[k++], se->report, ENTRY_HASH_BYTES);
        }
        qsort(ids, k, ENTRY_HASH_BYTES, pos_cmp);
        for (size_t i = 0; i < k; i++)
                if (!u || memcmp(ids[u - 1], ids[i], ENTRY_HASH_BYTES))
                        memmove(ids[u++], ids[i], ENTRY_HASH_BYTES);
        return u;
}

static int
reports_read(struct node *n, struct store_txn *t, bool unseal, uint64_t now_ms,
             struct app_stream *o)
{
        uint8_t(*ids)[ENTRY_HASH_BYTES] =
            xcalloc(o->n ? o->n : 1, ENTRY_HASH_BYTES);
        size_t k = touched(o, ids);
        int err = 0;

        o->reports = xcalloc(k ? k : 1, sizeof(*o->reports));
        for (size_t i = 0; i < k && !err; i++) {
                struct app_stream_report *sr = &o->reports[o->n_reports];

                err = app__report_summary(n, t, ids[i], now_ms, &sr->r);
                if (err == ERR_KIM_NOT_FOUND) {
                        /* Not held yet (it is in a feed read later): its
                         * own batch brings it, with these steps. */
                        err = 0;
                        continue;
                }
                if (!err) {
                        report_fill(n, sr, unseal, now_ms);
                        o->n_reports++;
                }
        }
        free(ids);
        return err;
}

int
app_stream_read(struct node *n, const struct app_stream_pos *pos, size_t n_pos,
                size_t max, bool unseal, uint64_t now_ms,
                struct app_stream *out, char *err_msg)
{
        struct stream_walk w;
        uint8_t inst[STORE_INSTANCE_BYTES];
        int err;

        memset(out, 0, sizeof(*out));
        memset(&w, 0, sizeof(w));
        if (!max)
                return app__fail(err_msg, ERR_USAGE, "a batch of 0 entries");
        if ((err = app__views_ready(n, err_msg)))
                return err;
        w.pos = pos;
        w.n_pos = n_pos;
        w.max = max;
        w.out = out;
        now_ms = now_ms ? now_ms : time_now_ms();
        store_instance(n->store, inst);
        hex_encode(out->instance, inst, sizeof(inst));
        if ((err = store_begin(n->store, false, &w.t)))
                return app__fail(err_msg, err, "%s", err_str(err));
        err = store_version(w.t, &out->version);
        if (!err && (err = store_feeds(w.t, feed_visit, &w)) > 0)
                err = 0;
        for (size_t i = 0; !err && i < out->n; i++) {
                if (unseal) /* a step's sealed details (KIM.md §4.3) */
                        app__details_open(n, &out->v[i].it);
                entry_fill(&out->v[i]);
        }
        if (!err)
                err = reports_read(n, w.t, unseal, now_ms, out);
        store_abort(w.t);
        if (err) {
                app_stream_release(out);
                return app__fail(err_msg, err, "cannot read the store: %s",
                                 err_str(err));
        }
        /* A feed whose first entry did not fit advanced nothing. */
        while (out->n_pos && out->pos[out->n_pos - 1].seq ==
                                 pos_of(&w, out->pos[out->n_pos - 1].feed))
                out->n_pos--;
        return 0;
}

void
app_stream_release(struct app_stream *s)
{
        for (size_t i = 0; i < s->n; i++)
                app__item_release(&s->v[i].it);
        for (size_t i = 0; i < s->n_reports; i++)
                app_report_release(&s->reports[i].r);
        free(s->v);
        free(s->reports);
        free(s->pos);
        memset(s, 0, sizeof(*s));
}

int
app_store_version(struct node *n, uint64_t *out)
{
        struct store_txn *t;
        int err;

        if ((err = store_begin(n->store, false, &t)))
                return err;
        err = store_version(t, out);
        store_abort(t);
        return err;
}
