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
        memset(a, 0, sizeof(*a));
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
        if ((err = app__delivery(n, t, &out->it.e, &out->delivery)))
                app__fail(err_msg, err, "%s", err_str(err));
out:
        store_abort(t);
        if (err)
                app_ann_release(out);
        return err;
}
