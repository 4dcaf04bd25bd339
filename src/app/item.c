/*
 * item: what the files of src/app share (app_int.h): messages, the views
 * made ready, ids resolved, KIM items loaded and their sealed values opened
 * with this node's key.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app_int.h"

void *
app__grow(void *v, size_t n, size_t *cap, size_t size)
{
        size_t bytes;

        if (n < *cap)
                return v;
        *cap = *cap ? 2 * *cap : 8;
        if (!size_mul(*cap, size, &bytes))
                abort(); /* cannot happen: lists are bounded long before */
        return xrealloc(v, bytes);
}

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

bool
app__overdue(const struct kim_flags *f)
{
        return f->terlambat_verifikasi || f->terlambat_tindak_lanjut;
}

/* ---- opening sealed values ----------------------------------------------- */

/* The log line of a sealed value that does not open with this node's key. */
static void
sealed_warn(const struct app_item *it, const char *what)
{
        char hex[2 * ENTRY_HASH_BYTES + 1];

        id_hex(hex, it->e.id);
        log_warn("KIM-SEALED",
                 "the %s of entry %.16s does not open with this node's key "
                 "(tampered, moved from another entry, or a version-1 seal)",
                 what, hex);
}

/* The item's `sealed` value opened with this node's key (KIM.md §4.1)
 * and its plaintext decoded into it->b by decode; false (logged unless
 * this node is no recipient) when it does not open here. */
static bool
sealed_open(struct node *n, struct app_item *it,
            int (*decode)(struct slice, struct kim_body *), const char *what)
{
        struct seal_ctx at;

        if (!n->key || !seal_is_recipient(&it->b.sealed, n->key->pk))
                return false;
        seal_ctx_of(&it->e, &at);
        if (!seal_open(n->key, &it->b.sealed, &at, SEAL_FIELD_SEALED,
                       &it->content) &&
            !decode(buf_slice(&it->content), &it->b))
                return true;
        sealed_warn(it, what);
        return false;
}

bool
app__content_open(struct node *n, struct app_item *it)
{
        if (!it->b.rahasia || !it->b.sealed.n)
                return true;
        return sealed_open(n, it, wire_kim_content_decode, "content");
}

bool
app__details_open(struct node *n, struct app_item *it)
{
        if (!it->kim || !it->b.sealed.n ||
            (it->b.kind != KIND_STATUS && it->b.kind != KIND_TANGGAPAN))
                return true;
        return sealed_open(n, it, wire_kim_details_decode, "details");
}

enum app_reporter
app__reporter_open(struct node *n, struct app_item *it,
                   struct kim_reporter *who)
{
        struct seal_ctx at;

        if (!it->b.reporter.n)
                return APP_REPORTER_NONE;
        if (!n->key || !seal_is_recipient(&it->b.reporter, n->key->pk))
                return APP_REPORTER_SEALED;
        seal_ctx_of(&it->e, &at);
        if (seal_open(n->key, &it->b.reporter, &at, SEAL_FIELD_REPORTER,
                      &it->reporter) ||
            wire_kim_reporter_decode(buf_slice(&it->reporter), who)) {
                sealed_warn(it, "reporter");
                return APP_REPORTER_SEALED;
        }
        return APP_REPORTER_OPEN;
}
