/*
 * announce: listing informasi and peringatan from the announcements view,
 * each with its accepted revision (proto/KIM.md §6 rule 5).
 */
#include <stdlib.h>
#include <string.h>

#include "app_int.h"

/* The accepted revision of announcement id, if there is one. */
static int
revision_load(struct store_txn *t, const uint8_t id[ENTRY_HASH_BYTES],
              struct app_ann *a)
{
        int err = replica_revision_view(t, id, &a->rev);

        if (err == ERR_KIM_NOT_FOUND)
                return 0;
        if (err || (err = app__item_load(t, a->rev.revisi, &a->rev_item)))
                return err;
        a->has_revision = true;
        return 0;
}

/* The names of a loaded announcement. */
static void
ann_fill(struct app_ann *a)
{
        const char *kind = kind_name(a->it.e.h.kind);

        a->kind = kind ? kind : "?";
        a->level = a->it.b.level ? kim_level_name(a->it.b.level) : NULL;
        audience_format(&a->it.e.h.audience, a->audience);
        a->body_missing = app__body_missing(&a->it);
}

void
app_ann_release(struct app_ann *a)
{
        app__item_release(&a->it);
        app__item_release(&a->rev_item);
        for (size_t i = 0; i < a->n_revs; i++) {
                app__item_release(&a->revs[i].it);
                buf_release(&a->revs[i].reason);
        }
        free(a->revs);
        memset(a, 0, sizeof(*a));
}

/* ---- every revisi of one announcement, for its detail ------------------- */

struct rev_walk {
        struct store_txn *t;
        struct app_ann *a;
        struct app_rev *r; /* the revisi whose decisions are walked */
        uint64_t best_ts;
        uint8_t best_id[ENTRY_HASH_BYTES];
        size_t cap;
};

/* A decision naming w->r: the author's of greatest (ts, id) holds. */
static int
decision_visit(void *ctx, const uint8_t id[ENTRY_HASH_BYTES])
{
        struct rev_walk *w = ctx;
        struct app_item d;
        int err;

        memset(&d, 0, sizeof(d));
        if ((err = app__item_load(w->t, id, &d)))
                return err == ERR_KIM_NOT_FOUND ? 0 : err;
        if (d.kim && d.e.h.kind == KIND_REVISI_KEPUTUSAN &&
            !memcmp(d.e.h.author, w->a->it.e.h.author, ENTRY_KEY_BYTES) &&
            (d.e.h.timestamp_ms > w->best_ts ||
             (d.e.h.timestamp_ms == w->best_ts &&
              memcmp(id, w->best_id, ENTRY_HASH_BYTES) > 0))) {
                w->best_ts = d.e.h.timestamp_ms;
                memcpy(w->best_id, id, ENTRY_HASH_BYTES);
                w->r->state = kim_decision_name(d.b.decision);
                w->r->decided_ts = d.e.h.timestamp_ms;
                buf_reset(&w->r->reason);
                if (d.b.has_reason)
                        buf_add(&w->r->reason, d.b.reason.ptr, d.b.reason.len);
        }
        app__item_release(&d);
        return 0;
}

/* An entry naming the announcement: a revisi, with its decision. */
static int
revisi_visit(void *ctx, const uint8_t id[ENTRY_HASH_BYTES])
{
        struct rev_walk *w = ctx;
        struct app_rev r;
        int err;

        memset(&r, 0, sizeof(r));
        if ((err = app__item_load(w->t, id, &r.it)))
                return err == ERR_KIM_NOT_FOUND ? 0 : err;
        if (!r.it.kim || r.it.e.h.kind != KIND_REVISI) {
                app__item_release(&r.it);
                return 0;
        }
        r.state = "diusulkan";
        r.counts = w->a->has_revision &&
                   !memcmp(w->a->rev.revisi, id, ENTRY_HASH_BYTES);
        w->r = &r;
        w->best_ts = 0;
        memset(w->best_id, 0, sizeof(w->best_id));
        if ((err = replica_refs_scan(w->t, id, decision_visit, w))) {
                app__item_release(&r.it);
                buf_release(&r.reason);
                return err;
        }
        w->a->revs = app__grow(w->a->revs, w->a->n_revs, &w->cap, sizeof(r));
        w->a->revs[w->a->n_revs++] = r;
        return 0;
}

static int
rev_older(const void *x, const void *y)
{
        const struct app_rev *a = x, *b = y;

        if (a->it.e.h.timestamp_ms != b->it.e.h.timestamp_ms)
                return a->it.e.h.timestamp_ms < b->it.e.h.timestamp_ms ? -1 : 1;
        return memcmp(a->it.e.id, b->it.e.id, ENTRY_HASH_BYTES);
}

static int
revisions_load(struct store_txn *t, struct app_ann *a)
{
        struct rev_walk w = {.t = t, .a = a};
        int err = replica_refs_scan(t, a->it.e.id, revisi_visit, &w);

        if (!err && a->n_revs > 1)
                qsort(a->revs, a->n_revs, sizeof(*a->revs), rev_older);
        return err;
}

struct ann_walk {
        struct store_txn *t;
        uint32_t kind; /* 0: both */
        size_t limit, cap;
        struct app_anns *out;
};

static int
ann_visit(void *ctx, const uint8_t id[ENTRY_HASH_BYTES])
{
        struct ann_walk *w = ctx;
        struct app_ann a;
        int err;

        memset(&a, 0, sizeof(a));
        if ((err = app__item_load(w->t, id, &a.it)))
                return err == ERR_KIM_NOT_FOUND ? ERR_STORE_CORRUPT : err;
        /* The kind before the limit: a page is short only at the end. */
        if (w->kind && a.it.e.h.kind != w->kind)
                goto out;
        if (w->out->n == w->limit) {
                w->out->more = true;
                err = 1; /* stop: one more exists */
                goto out;
        }
        if (!(a.it.kim || app__body_missing(&a.it)) ||
            (err = revision_load(w->t, id, &a)))
                goto out;
        ann_fill(&a);
        w->out->v = app__grow(w->out->v, w->out->n, &w->cap, sizeof(a));
        w->out->v[w->out->n++] = a;
        return 0;
out:
        app_ann_release(&a);
        return err;
}

int
app_announcements_list(struct node *n, const struct app_ann_filter *f,
                       struct app_anns *out, char *err_msg)
{
        struct ann_walk w;
        struct audience a;
        char aud[40];
        int err;

        memset(out, 0, sizeof(*out));
        memset(&w, 0, sizeof(w));
        w.limit = f->limit ? f->limit : APP_LIST_DEFAULT;
        w.kind = f->kind;
        w.out = out;
        if (f->limit > APP_LIST_MAX)
                return app__fail(err_msg, ERR_USAGE, "limit is at most %u",
                                 APP_LIST_MAX);
        if (f->kind && !kim_kind_is_announcement(f->kind))
                return app__fail(err_msg, ERR_USAGE,
                                 "kind must be informasi or peringatan");
        if (f->audience && audience_parse(&a, f->audience))
                return app__fail(err_msg, ERR_USAGE,
                                 "'%s' is not an audience (tree:CODE or "
                                 "path:FROM:TO)",
                                 f->audience);
        if (f->audience)
                audience_format(&a, aud);
        if ((err = app__views_ready(n, err_msg)))
                return err;
        if ((err = store_begin(n->store, false, &w.t)))
                return app__fail(err_msg, err, "%s", err_str(err));
        err = replica_announcements_scan(w.t, f->audience ? aud : NULL,
                                         f->has_after ? f->after : NULL,
                                         ann_visit, &w);
        store_abort(w.t);
        if (err < 0) {
                app_anns_release(out);
                return app__fail(err_msg, err,
                                 err == ERR_KIM_NOT_FOUND
                                     ? "after: no such announcement here"
                                     : "%s",
                                 err_str(err));
        }
        return 0;
}

void
app_anns_release(struct app_anns *l)
{
        for (size_t i = 0; i < l->n; i++)
                app_ann_release(&l->v[i]);
        free(l->v);
        memset(l, 0, sizeof(*l));
}

int
app_announcement_get(struct node *n, const uint8_t *id, size_t id_len,
                     struct app_ann *out, char *err_msg)
{
        uint8_t full[ENTRY_HASH_BYTES];
        struct store_txn *t = NULL;
        int err;

        memset(out, 0, sizeof(*out));
        if ((err = app__views_ready(n, err_msg)))
                return err;
        if ((err = store_begin(n->store, false, &t)))
                return app__fail(err_msg, err, "%s", err_str(err));
        if ((err = app__resolve(t, id, id_len, full, err_msg)))
                goto out;
        if ((err = app__item_load(t, full, &out->it)) ||
            (err = revision_load(t, full, out))) {
                app__fail(err_msg, err, "%s", err_str(err));
                goto out;
        }
        if ((!out->it.kim && !app__body_missing(&out->it)) ||
            !kim_kind_is_announcement(out->it.e.h.kind)) {
                err = app__fail(err_msg, ERR_KIM_NOT_FOUND,
                                "that entry is not an announcement");
                goto out;
        }
        ann_fill(out);
        if ((err = revisions_load(t, out)) ||
            (err = app__delivery(n, t, &out->it.e, &out->delivery)))
                app__fail(err_msg, err, "%s", err_str(err));
out:
        store_abort(t);
        if (err)
                app_ann_release(out);
        return err;
}
