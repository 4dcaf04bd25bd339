/*
 * announce: listing informasi and peringatan from the announcements view,
 * each with its accepted revision (proto/KIM.md §6 rule 5).
 */
#include <string.h>

#include "app_int.h"

/* The accepted revision of an announcement, or null. */
static int
revision_json(struct store_txn *t, const uint8_t id[ENTRY_HASH_BYTES],
              json_t **out)
{
        struct wire_revision_view v;
        struct app_item rv;
        int err = replica_revision_view(t, id, &v);

        *out = json_null();
        if (err == ERR_KIM_NOT_FOUND)
                return 0;
        if (err || (err = app__item_load(t, v.revisi, &rv)))
                return err;
        json_decref(*out);
        *out = json_pack(
            "{s:o, s:o, s:s, s:I, s:o, s:I, s:o}", "id", app__id_json(v.revisi),
            "editor", app__id_json(v.editor), "editor_region", v.editor_region,
            "ts", (json_int_t)v.ts, "decision", app__id_json(v.decision),
            "decided_ts", (json_int_t)v.decided_ts, "decided_time",
            app__time_json(v.decided_ts));
        if (rv.kim) {
                json_object_set_new(*out, "title", app__slice_json(rv.b.title));
                json_object_set_new(*out, "text", app__slice_json(rv.b.text));
                json_object_set_new(*out, "reason",
                                    app__slice_json(rv.b.reason));
        }
        app__item_release(&rv);
        return 0;
}

static json_t *
ann_json(const struct app_item *it)
{
        const struct kim_body *b = &it->b;
        const char *kind = kind_name(it->e.h.kind);
        char aud[40];
        json_t *j, *tags = json_array();

        bool missing = app__body_missing(it);

        audience_format(&it->e.h.audience, aud);
        for (size_t i = 0; i < b->n_tags; i++)
                json_array_append_new(tags, app__slice_json(b->tags[i]));
        j = json_pack("{s:o, s:s, s:s, s:o, s:s, s:I, s:o, s:o, s:o, s:o, s:b}",
                      "id", app__id_json(it->e.id), "kind", kind ? kind : "?",
                      "audience", aud, "author", app__id_json(it->e.h.author),
                      "region", it->e.h.author_region, "ts",
                      (json_int_t)it->e.h.timestamp_ms, "time",
                      app__time_json(it->e.h.timestamp_ms), "title",
                      missing ? json_string(APP_BODY_MISSING_TEXT)
                              : app__slice_json(b->title),
                      "text",
                      missing ? json_string(APP_BODY_MISSING_TEXT)
                              : app__slice_json(b->text),
                      "tags", tags, "body_missing", missing);
        json_object_set_new(j, "category",
                            b->has_category ? app__slice_json(b->category)
                                            : json_null());
        json_object_set_new(j, "level",
                            b->level ? json_string(kim_level_name(b->level))
                                     : json_null());
        json_object_set_new(j, "until_ms",
                            b->has_until ? json_integer((json_int_t)b->until_ms)
                                         : json_null());
        return j;
}

struct ann_walk {
        struct store_txn *t;
        uint32_t kind; /* 0: both */
        size_t limit;
        json_t *arr;
        bool more;
};

static int
ann_visit(void *ctx, const uint8_t id[ENTRY_HASH_BYTES])
{
        struct ann_walk *w = ctx;
        struct app_item it;
        json_t *j, *rev;
        int err;

        if ((err = app__item_load(w->t, id, &it)))
                return err == ERR_KIM_NOT_FOUND ? ERR_STORE_CORRUPT : err;
        /* The kind before the limit: a page is short only at the end. */
        if (w->kind && it.e.h.kind != w->kind)
                goto out;
        if (json_array_size(w->arr) == w->limit) {
                w->more = true;
                err = 1; /* stop: one more exists */
                goto out;
        }
        if ((it.kim || app__body_missing(&it)) &&
            !(err = revision_json(w->t, id, &rev))) {
                j = ann_json(&it);
                json_object_set_new(j, "revision", rev);
                json_array_append_new(w->arr, j);
        }
out:
        app__item_release(&it);
        return err;
}

int
app_announcements_list(struct node *n, const struct app_ann_filter *f,
                       json_t **out, char *err_msg)
{
        struct ann_walk w;
        struct audience a;
        char aud[40];
        json_t *next;
        int err;

        memset(&w, 0, sizeof(w));
        w.limit = f->limit ? f->limit : APP_LIST_DEFAULT;
        w.kind = f->kind;
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
        w.arr = json_array();
        err = replica_announcements_scan(w.t, f->audience ? aud : NULL,
                                         f->has_after ? f->after : NULL,
                                         ann_visit, &w);
        store_abort(w.t);
        if (err < 0) {
                json_decref(w.arr);
                return app__fail(err_msg, err,
                                 err == ERR_KIM_NOT_FOUND
                                     ? "after: no such announcement here"
                                     : "%s",
                                 err_str(err));
        }
        next = w.more ? json_incref(json_object_get(
                            json_array_get(w.arr, w.limit - 1), "id"))
                      : json_null();
        *out = json_pack("{s:o, s:o}", "announcements", w.arr, "next", next);
        return 0;
}

int
app_announcement_get(struct node *n, const uint8_t *id, size_t id_len,
                     json_t **out, char *err_msg)
{
        uint8_t full[ENTRY_HASH_BYTES];
        struct store_txn *t = NULL;
        struct app_item it;
        json_t *rev = NULL;
        int err;

        memset(&it, 0, sizeof(it));
        if ((err = app__views_ready(n, err_msg)))
                return err;
        if ((err = store_begin(n->store, false, &t)))
                return app__fail(err_msg, err, "%s", err_str(err));
        if ((err = app__resolve(t, id, id_len, full, err_msg)))
                goto out;
        if ((err = app__item_load(t, full, &it)) ||
            (err = revision_json(t, full, &rev))) {
                app__fail(err_msg, err, "%s", err_str(err));
                goto out;
        }
        if ((!it.kim && !app__body_missing(&it)) ||
            !kim_kind_is_announcement(it.e.h.kind)) {
                err = app__fail(err_msg, ERR_KIM_NOT_FOUND,
                                "that entry is not an announcement");
                goto out;
        }
        *out = ann_json(&it);
        json_object_set_new(*out, "revision", rev);
        rev = NULL;
out:
        json_decref(rev);
        store_abort(t);
        app__item_release(&it);
        return err;
}
