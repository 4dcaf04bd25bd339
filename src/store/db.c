/* lmdb: error mapping and the small LMDB helpers every store file uses. */
#include <stdatomic.h>
#include <string.h>
#include <time.h>

#include "store_int.h"

/* A full store is reported at most this often (each failed write would
 * otherwise log it again: a daemon retries, a peer's status writes). */
#define FULL_LOG_EVERY_MS 60000U

const char *const store__db_names[DB_COUNT] = {
    "meta",    "feeds",   "entries",    "ids",        "forks",
    "certs",   "revoked", "peers",      "peer_feeds", "index",
    "changes", "blobs",   "blob_lists", "chunks",     "blob_refs",
};

/* ---- errors and small helpers ------------------------------------------- */

/* Is this the first full store in FULL_LOG_EVERY_MS (any thread)? */
static bool
full_log_due(void)
{
        static _Atomic uint64_t next_ms; /* 0: never logged */
        struct timespec ts;
        uint64_t now, next;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        now = (uint64_t)ts.tv_sec * 1000U + (uint64_t)ts.tv_nsec / 1000000U;
        next = atomic_load(&next_ms);
        if (next && now < next)
                return false;
        return atomic_compare_exchange_strong(&next_ms, &next,
                                              now + FULL_LOG_EVERY_MS);
}

int
store__lmdb_err(MDB_env *env, int rc, const char *what)
{
        MDB_envinfo info;

        switch (rc) {
        case 0:
                return 0;
        case MDB_NOTFOUND:
                return ERR_NOT_FOUND;
        case MDB_MAP_FULL:
                if (!full_log_due())
                        return ERR_STORE_FULL;
                if (!env || mdb_env_info(env, &info))
                        info.me_mapsize = 0;
                log_error("STORE-FULL",
                          "store is full (map %zu MiB): new entries are "
                          "refused, what is stored stays readable; raise "
                          "map_size_mib in [store] of simpul.conf, then "
                          "restart simpul run",
                          info.me_mapsize >> MIB_SHIFT);
                return ERR_STORE_FULL;
        case MDB_CORRUPTED:
        case MDB_PAGE_NOTFOUND:
        case MDB_INVALID:
        case MDB_VERSION_MISMATCH:
                log_error("STORE-CORRUPT", "%s: %s", what, mdb_strerror(rc));
                return ERR_STORE_CORRUPT;
        default:
                log_error("STORE-IO", "%s: %s", what, mdb_strerror(rc));
                return ERR_STORE;
        }
}

/* A record of ours that does not have the shape we write; the log line
 * names up to 8 bytes of its key. */
int
store__corrupt(const char *what, const void *key, size_t key_len)
{
        char hex[2 * 8 + 1];

        hex_encode(hex, key, key_len < 8 ? key_len : 8);
        if (key_len)
                log_error("STORE-CORRUPT", "%s (key %s)", what, hex);
        else
                log_error("STORE-CORRUPT", "%s", what);
        return ERR_STORE_CORRUPT;
}

MDB_val
store__val_of(const void *p, size_t n)
{
        MDB_val v = {n, (void *)(uintptr_t)p};

        return v;
}

struct slice
store__val_slice(const MDB_val *v)
{
        return slice_make(v->mv_data, v->mv_size);
}

void
store__pos_key(uint8_t out[POS_BYTES], const uint8_t feed[ENTRY_HASH_BYTES],
               uint64_t seq)
{
        memcpy(out, feed, ENTRY_HASH_BYTES);
        be64_put(out + ENTRY_HASH_BYTES, seq);
}

int
store__db_get(struct store_txn *t, enum store_db db, const void *key,
              size_t klen, MDB_val *out)
{
        MDB_val k = store__val_of(key, klen);

        return store__lmdb_err(t->s->env, mdb_get(t->txn, t->dbi[db], &k, out),
                               store__db_names[db]);
}

int
store__db_put(struct store_txn *t, enum store_db db, const void *key,
              size_t klen, struct slice val, unsigned flags)
{
        MDB_val k = store__val_of(key, klen),
                v = store__val_of(val.ptr, val.len);
        int rc = mdb_put(t->txn, t->dbi[db], &k, &v, flags);

        store__put_done(t);
        return rc == MDB_KEYEXIST
                   ? ERR_EXISTS
                   : store__lmdb_err(t->s->env, rc, store__db_names[db]);
}

int
store__db_walk(struct store_txn *t, enum store_db db, const MDB_val *start,
               store__walk_fn step, void *ctx)
{
        MDB_cursor *c = NULL;
        MDB_val k = start ? *start : store__val_of(NULL, 0), v;
        bool done = false;
        int rc, err = 0;

        rc = mdb_cursor_open(t->txn, t->dbi[db], &c);
        if (rc)
                return store__lmdb_err(t->s->env, rc, store__db_names[db]);
        rc = mdb_cursor_get(c, &k, &v, start ? MDB_SET_RANGE : MDB_FIRST);
        while (!rc && !done && !err) {
                t->walked++;
                err = step(ctx, &k, &v, &done);
                if (!err && !done)
                        rc = mdb_cursor_get(c, &k, &v, MDB_NEXT);
        }
        if (!err && rc && rc != MDB_NOTFOUND)
                err = store__lmdb_err(t->s->env, rc, store__db_names[db]);
        mdb_cursor_close(c);
        return err;
}

int
store__db_del(struct store_txn *t, enum store_db db, const void *key,
              size_t klen)
{
        MDB_val k = store__val_of(key, klen);

        return store__lmdb_err(t->s->env, mdb_del(t->txn, t->dbi[db], &k, NULL),
                               store__db_names[db]);
}
