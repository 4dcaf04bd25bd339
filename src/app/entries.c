/*
 * entries: the entries held, as simpul list and simpul show read them:
 * newest first (by the author's clock), by kind or feed, one by id.
 */
#include <stdlib.h>
#include <string.h>

#include "app_int.h"

/* Fills the names of e once its bytes are parsed. */
static void
entry_names(struct app_entry *e)
{
        const char *kind = kind_name(e->e.h.kind);

        e->kind = kind ? kind : "?";
        audience_format(&e->e.h.audience, e->audience);
        if (!e->e.env.has_body)
                e->title = slice_cstr(APP_BODY_MISSING_TEXT);
        else if (wire_body_str(e->e.env.body, "title", &e->title) ||
                 !e->title.ptr)
                e->title = slice_make("", 0);
}

/* Loads the entry with this id (or unique prefix) in t into e. */
static int
entry_load(struct store_txn *t, const uint8_t *id, size_t len,
           struct app_entry *e)
{
        int err;

        memset(e, 0, sizeof(*e));
        if ((err = store_get_by_id(t, id, len, &e->bytes)) ||
            (err = entry_parse(buf_slice(&e->bytes), &e->e))) {
                app_entry_release(e);
                return err;
        }
        entry_names(e);
        return 0;
}

void
app_entry_release(struct app_entry *e)
{
        buf_release(&e->bytes);
        memset(e, 0, sizeof(*e));
}

int
app_entry_get(struct node *n, const uint8_t *id, size_t len,
              struct app_entry *out, char *err_msg)
{
        struct store_txn *t;
        int err;

        memset(out, 0, sizeof(*out));
        if ((err = store_begin(n->store, false, &t)))
                return app__fail(err_msg, err, "%s", err_str(err));
        if (!(err = entry_load(t, id, len, out)) &&
            (err = app__delivery(n, t, &out->e, &out->delivery)))
                app_entry_release(out);
        store_abort(t);
        return err ? app__fail(err_msg, err, "%s", err_str(err)) : 0;
}

int
app_entry_resolve(struct node *n, const uint8_t *id, size_t len,
                  uint8_t full[ENTRY_HASH_BYTES])
{
        struct app_entry e;
        int err;

        if (len == ENTRY_HASH_BYTES) {
                memcpy(full, id, ENTRY_HASH_BYTES);
                return 0;
        }
        if ((err = app_entry_get(n, id, len, &e, NULL)))
                return err;
        memcpy(full, e.e.id, ENTRY_HASH_BYTES);
        app_entry_release(&e);
        return 0;
}

/* ---- the list: every entry's place first, then the page's entries -------- */

struct listed {
        uint64_t ts;
        uint8_t feed[ENTRY_HASH_BYTES];
        uint64_t seq;
        uint8_t id[ENTRY_HASH_BYTES];
};

struct list_walk {
        struct store_txn *t;
        const struct app_entry_filter *f;
        struct listed *v;
        size_t n, cap;
};

static int
list_entry(void *ctx, uint64_t seq, struct slice bytes)
{
        struct list_walk *w = ctx;
        struct listed *l;
        struct entry e;

        if (entry_parse(bytes, &e))
                return 0; /* 'simpul verify' reports damaged entries */
        if (w->f->kind && e.h.kind != w->f->kind)
                return 0;
        w->v = app__grow(w->v, w->n, &w->cap, sizeof(*l));
        l = &w->v[w->n++];
        l->ts = e.h.timestamp_ms;
        memcpy(l->feed, e.feed, ENTRY_HASH_BYTES);
        l->seq = seq;
        memcpy(l->id, e.id, ENTRY_HASH_BYTES);
        return 0;
}

static int
list_feed(void *ctx, const struct feed_info *f)
{
        struct list_walk *w = ctx;

        if (w->f->feed_len && memcmp(f->id, w->f->feed, w->f->feed_len))
                return 0;
        return store_feed_scan(w->t, f->id, 1, list_entry, w);
}

/* Newest first by the author's clock, then by feed and seq. */
static int
newest_first(const void *a, const void *b)
{
        const struct listed *x = a, *y = b;
        int c;

        if (x->ts != y->ts)
                return x->ts < y->ts ? 1 : -1;
        if ((c = memcmp(x->feed, y->feed, ENTRY_HASH_BYTES)))
                return c;
        return x->seq < y->seq ? 1 : x->seq > y->seq ? -1 : 0;
}

static int
list_load(struct list_walk *w, struct app_entries *out)
{
        size_t n = w->f->limit && w->f->limit < w->n ? w->f->limit : w->n;
        int err = 0;

        if (w->n) /* v is NULL when nothing matched */
                qsort(w->v, w->n, sizeof(*w->v), newest_first);
        out->v = xcalloc(n ? n : 1, sizeof(*out->v));
        for (; out->n < n && !err; out->n++)
                err = entry_load(w->t, w->v[out->n].id, ENTRY_HASH_BYTES,
                                 &out->v[out->n]);
        return err;
}

int
app_entries_list(struct node *n, const struct app_entry_filter *f,
                 struct app_entries *out, char *err_msg)
{
        struct list_walk w = {NULL, f, NULL, 0, 0};
        int err;

        memset(out, 0, sizeof(*out));
        if ((err = store_begin(n->store, false, &w.t)))
                return app__fail(err_msg, err, "%s", err_str(err));
        if (!(err = store_feeds(w.t, list_feed, &w)))
                err = list_load(&w, out);
        store_abort(w.t);
        free(w.v);
        if (err) {
                app_entries_release(out);
                return app__fail(err_msg, err, "%s", err_str(err));
        }
        return 0;
}

void
app_entries_release(struct app_entries *l)
{
        for (size_t i = 0; i < l->n; i++)
                app_entry_release(&l->v[i]);
        free(l->v);
        memset(l, 0, sizeof(*l));
}
