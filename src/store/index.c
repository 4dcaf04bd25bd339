/*
 * index: named index tables for the views (proto/KIM.md §6), all in the
 * one LMDB database "index". A table is a key prefix: the record of key K
 * in table T is stored under T || 0x00 || K. Table names never hold a NUL
 * and the NUL sorts first, so every table is one contiguous key range in
 * key order, and a table "a" never overlaps a table "ab".
 *
 * Writes belong to the caller's write transaction (the one that stores
 * the entries), so views and entries commit together. A store made before
 * the views and opened read-only has no "index" database: its tables read
 * as empty (store->no_index).
 */
#include <string.h>

#include "store_int.h"

#define FULL_KEY_MAX (STORE_INDEX_NAME_MAX + 1U + STORE_INDEX_KEY_MAX)

struct ikey {
        uint8_t b[FULL_KEY_MAX];
        size_t len;   /* the whole key */
        size_t table; /* bytes of name || 0x00 */
};

static bool
name_ok(const char *table)
{
        size_t n = strlen(table);

        if (n == 0 || n > STORE_INDEX_NAME_MAX)
                return false;
        for (size_t i = 0; i < n; i++) {
                char c = table[i];
                if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                      c == '_'))
                        return false;
        }
        return true;
}

/* name || 0x00 || key into k. ERR_USAGE: a bad name or a key too long. */
static int
ikey_make(struct ikey *k, const char *table, struct slice key)
{
        size_t n;

        if (!name_ok(table) || key.len > STORE_INDEX_KEY_MAX)
                return ERR_USAGE;
        n = strlen(table);
        memcpy(k->b, table, n);
        k->b[n] = 0;
        k->table = n + 1;
        if (key.len)
                memcpy(k->b + k->table, key.ptr, key.len);
        k->len = k->table + key.len;
        return 0;
}

static bool
has_prefix(const MDB_val *v, const struct ikey *p)
{
        return v->mv_size >= p->len && !memcmp(v->mv_data, p->b, p->len);
}

int
store_index_put(struct store_txn *t, const char *table, struct slice key,
                struct slice value)
{
        struct ikey k;
        int err;

        if (!t->write || t->s->no_index)
                return ERR_USAGE;
        if ((err = ikey_make(&k, table, key)))
                return err;
        return store__db_put(t, DB_INDEX, k.b, k.len, value, 0);
}

int
store_index_get(struct store_txn *t, const char *table, struct slice key,
                struct buf *out)
{
        struct ikey k;
        MDB_val v;
        int err;

        if ((err = ikey_make(&k, table, key)))
                return err;
        if (t->s->no_index)
                return ERR_NOT_FOUND;
        if ((err = store__db_get(t, DB_INDEX, k.b, k.len, &v)))
                return err;
        buf_reset(out);
        buf_add(out, v.mv_data, v.mv_size);
        return 0;
}

int
store_index_del(struct store_txn *t, const char *table, struct slice key)
{
        struct ikey k;
        int err;

        if (!t->write || t->s->no_index)
                return ERR_USAGE;
        if ((err = ikey_make(&k, table, key)))
                return err;
        return store__db_del(t, DB_INDEX, k.b, k.len);
}

/*
 * The first position of a scan: forward, the first key >= start (or >=
 * the prefix); reverse, the last key <= start (or the last key with the
 * prefix: just before the prefix's successor).
 */
static int
scan_first(MDB_cursor *c, const struct ikey *p, const struct ikey *start,
           bool reverse, MDB_val *k, MDB_val *v)
{
        uint8_t succ[FULL_KEY_MAX];
        size_t n = p->len;
        int rc;

        if (!reverse) {
                *k = store__val_of(start->b, start->len);
                return mdb_cursor_get(c, k, v, MDB_SET_RANGE);
        }
        if (start->len > p->len) {
                *k = store__val_of(start->b, start->len);
                rc = mdb_cursor_get(c, k, v, MDB_SET_RANGE);
                if (rc == MDB_NOTFOUND)
                        return mdb_cursor_get(c, k, v, MDB_LAST);
                if (rc || (k->mv_size == start->len &&
                           !memcmp(k->mv_data, start->b, start->len)))
                        return rc;
                return mdb_cursor_get(c, k, v, MDB_PREV);
        }
        /* The successor of the prefix: drop trailing 0xff, add one. The
         * prefix holds the table's NUL, so this always ends. */
        memcpy(succ, p->b, n);
        while (n && succ[n - 1] == 0xff)
                n--;
        succ[n - 1]++;
        *k = store__val_of(succ, n);
        rc = mdb_cursor_get(c, k, v, MDB_SET_RANGE);
        if (rc == MDB_NOTFOUND)
                return mdb_cursor_get(c, k, v, MDB_LAST);
        return rc ? rc : mdb_cursor_get(c, k, v, MDB_PREV);
}

static bool
is_key(const MDB_val *k, const struct ikey *x)
{
        return k->mv_size == x->len && !memcmp(k->mv_data, x->b, x->len);
}

int
store_index_scan(struct store_txn *t, const char *table, struct slice prefix,
                 struct slice start, bool reverse, store_index_fn fn, void *ctx)
{
        struct ikey p, s;
        MDB_cursor *c = NULL;
        MDB_val k, v;
        int rc, err;

        if ((err = ikey_make(&p, table, prefix)) ||
            (err = ikey_make(&s, table, start.len ? start : prefix)))
                return err;
        if (start.len && (start.len < prefix.len ||
                          memcmp(start.ptr, prefix.ptr, prefix.len)))
                return ERR_USAGE;
        if (t->s->no_index)
                return 0;
        rc = mdb_cursor_open(t->txn, t->dbi[DB_INDEX], &c);
        if (rc)
                return store__lmdb_err(t->s->env, rc, "index");
        rc = scan_first(c, &p, &s, reverse, &k, &v);
        /* start itself is excluded: it is the last key of the page before. */
        if (!rc && start.len && is_key(&k, &s))
                rc = mdb_cursor_get(c, &k, &v, reverse ? MDB_PREV : MDB_NEXT);
        while (!rc && has_prefix(&k, &p)) {
                err = fn(ctx,
                         slice_make((const uint8_t *)k.mv_data + p.table,
                                    k.mv_size - p.table),
                         store__val_slice(&v));
                if (err)
                        break;
                rc = mdb_cursor_get(c, &k, &v, reverse ? MDB_PREV : MDB_NEXT);
        }
        if (!err && rc && rc != MDB_NOTFOUND)
                err = store__lmdb_err(t->s->env, rc, "index");
        mdb_cursor_close(c);
        return err;
}

int
store_index_drop(struct store_txn *t, const char *table)
{
        struct ikey p;
        MDB_cursor *c = NULL;
        MDB_val k, v;
        int rc, err;

        if (!t->write || t->s->no_index)
                return ERR_USAGE;
        if ((err = ikey_make(&p, table, slice_make(NULL, 0))))
                return err;
        rc = mdb_cursor_open(t->txn, t->dbi[DB_INDEX], &c);
        if (rc)
                return store__lmdb_err(t->s->env, rc, "index");
        /* Seek again after each delete: simple, and O(log n) each. */
        for (;;) {
                k = store__val_of(p.b, p.len);
                rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
                if (rc || !has_prefix(&k, &p) || (rc = mdb_cursor_del(c, 0)))
                        break;
        }
        err = rc && rc != MDB_NOTFOUND ? store__lmdb_err(t->s->env, rc, "index")
                                       : 0;
        mdb_cursor_close(c);
        return err;
}
