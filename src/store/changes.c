/*
 * changes: the feeds by change version (proto/SYNC.md §4). Each feed
 * record holds `changed`, the store version of its last change; the
 * database "changes" holds one key per feed, changed (u64, big-endian) ||
 * feed id (32), with an empty value, moved in the transaction that writes
 * the record (store.c's feed_put). A sync session remembers the version
 * it scanned up to and visits only the feeds changed since
 * (store_feeds_changed): a new entry costs each link a seek, not a walk
 * over every feed of a kabupaten.
 *
 * meta "changes_at" -> u64 is the store version the index matches,
 * written with every bump of "version". A store made before the index
 * (no "changes_at"), or written since by a build without it ("version"
 * moved on alone), has it rebuilt from the feed records when it is opened
 * for writing, in the opening transaction: a crash during the rebuild
 * leaves the store as it was, and the next open rebuilds again. Opened
 * read-only, such a store is walked in full instead: correct, slower.
 */
#include <string.h>

#include "store_int.h"

#define CHANGES_AT "changes_at"

static void
change_key(uint8_t out[CHANGE_KEY_BYTES], uint64_t v,
           const uint8_t feed[ENTRY_HASH_BYTES])
{
        be64_put(out, v);
        memcpy(out + 8, feed, ENTRY_HASH_BYTES);
}

int
store__changes_move(struct store_txn *t, const uint8_t feed[ENTRY_HASH_BYTES],
                    uint64_t from, uint64_t to)
{
        uint8_t k[CHANGE_KEY_BYTES];
        int err;

        if (from == to && from)
                return 0;
        if (from) {
                change_key(k, from, feed);
                err = store__db_del(t, DB_CHANGES, k, sizeof(k));
                if (err && err != ERR_NOT_FOUND)
                        return err;
        }
        change_key(k, to, feed);
        return store__db_put(t, DB_CHANGES, k, sizeof(k), slice_make(k, 0), 0);
}

int
store__changes_mark(struct store_txn *t, uint64_t v)
{
        uint8_t b[8];

        be64_put(b, v);
        return store__db_put(t, DB_META, CHANGES_AT, strlen(CHANGES_AT),
                             slice_make(b, 8), 0);
}

/* Does the index match the store version? */
static int
changes_current(struct store_txn *t, bool *current)
{
        uint64_t version;
        MDB_val v;
        int err;

        *current = false;
        if ((err = store_version(t, &version)))
                return err;
        err = store__db_get(t, DB_META, CHANGES_AT, strlen(CHANGES_AT), &v);
        if (err == ERR_NOT_FOUND)
                return 0;
        if (err)
                return err;
        *current = v.mv_size == 8 && be64_get(v.mv_data) == version;
        return 0;
}

/* A record of the feeds table, its key checked. */
static int
feed_record(const MDB_val *k, const MDB_val *v, struct feed_info *f)
{
        if (k->mv_size != ENTRY_HASH_BYTES)
                return store__corrupt("feed key has a bad length", k->mv_data,
                                      k->mv_size);
        return store__feed_decode(k->mv_data, v, f);
}

struct rebuild {
        struct store_txn *t;
        uint64_t n;
};

static int
rebuild_step(void *ctx, const MDB_val *k, const MDB_val *v, bool *done)
{
        struct rebuild *rb = ctx;
        struct feed_info f;
        int err;

        (void)done;
        if ((err = feed_record(k, v, &f)))
                return err;
        rb->n++;
        return store__changes_move(rb->t, f.id, 0, f.changed);
}

int
store__changes_open(struct store_txn *t)
{
        struct rebuild rb = {t, 0};
        uint64_t version;
        bool current;
        int rc, err;

        if (t->s->no_changes)
                return 0;
        if ((err = changes_current(t, &current)))
                return err;
        if (current)
                return 0;
        if (!t->write) {
                t->s->no_changes = true; /* walk the feeds instead */
                return 0;
        }
        if ((rc = mdb_drop(t->txn, t->dbi[DB_CHANGES], 0)))
                return store__lmdb_err(t->s->env, rc, "changes");
        if ((err = store__db_walk(t, DB_FEEDS, NULL, rebuild_step, &rb)) ||
            (err = store_version(t, &version)) ||
            (err = store__changes_mark(t, version)))
                return err;
        if (rb.n)
                log_info("STORE-MIGRATE",
                         "indexed %llu feeds by change version (a store "
                         "made or written by an older simpul)",
                         (unsigned long long)rb.n);
        return 0;
}

struct changed_walk {
        struct store_txn *t;
        uint64_t after;
        store_feed_fn fn;
        void *ctx;
};

static int
changed_step(void *ctx, const MDB_val *k, const MDB_val *v, bool *done)
{
        struct changed_walk *w = ctx;
        const uint8_t *key = k->mv_data;
        struct feed_info f;
        MDB_val rec;
        int err;

        (void)v;
        (void)done;
        if (k->mv_size != CHANGE_KEY_BYTES)
                return store__corrupt("change key has a bad length", key,
                                      k->mv_size);
        err = store__db_get(w->t, DB_FEEDS, key + 8, ENTRY_HASH_BYTES, &rec);
        if (err == ERR_NOT_FOUND)
                return store__corrupt("change index names a missing feed",
                                      key + 8, ENTRY_HASH_BYTES);
        if (err || (err = store__feed_decode(key + 8, &rec, &f)))
                return err;
        if (f.changed != be64_get(key))
                return store__corrupt("change index is behind a feed", key + 8,
                                      ENTRY_HASH_BYTES);
        return w->fn(w->ctx, &f);
}

static int
feeds_step(void *ctx, const MDB_val *k, const MDB_val *v, bool *done)
{
        struct changed_walk *w = ctx;
        struct feed_info f;
        int err;

        (void)done;
        if ((err = feed_record(k, v, &f)))
                return err;
        return f.changed > w->after ? w->fn(w->ctx, &f) : 0;
}

int
store_feeds_changed(struct store_txn *t, uint64_t after, store_feed_fn fn,
                    void *ctx)
{
        struct changed_walk w = {t, after, fn, ctx};
        uint8_t k[CHANGE_KEY_BYTES];
        MDB_val start;

        if (t->s->no_changes)
                return store__db_walk(t, DB_FEEDS, NULL, feeds_step, &w);
        if (after == UINT64_MAX)
                return 0;
        memset(k, 0, sizeof(k));
        be64_put(k, after + 1);
        start = store__val_of(k, sizeof(k));
        return store__db_walk(t, DB_CHANGES, &start, changed_step, &w);
}

int
store_feed_indexed(struct store_txn *t, const struct feed_info *f)
{
        uint8_t k[CHANGE_KEY_BYTES];
        MDB_val v;

        if (t->s->no_changes)
                return 0;
        change_key(k, f->changed, f->id);
        return store__db_get(t, DB_CHANGES, k, sizeof(k), &v);
}
