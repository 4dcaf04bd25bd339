/*
 * blobs: attachment records, hash lists, chunks and references
 * (blobstore.h, proto/BLOBS.md §5). Every write is in the caller's
 * transaction, so a chunk and the count of chunks held move together.
 */
#include <string.h>

#include "../blob/blob.h"
#include "store_int.h"

#define ROOT_BYTES 32U
#define REC_BYTES 20U                    /* size, chunks, held, flags */
#define CHUNK_KEY (ROOT_BYTES + 4U)      /* root || index */
#define REF_KEY (ROOT_BYTES + POS_BYTES) /* root || feed || seq */

/* A read-only store made before attachments has no blob databases. */
static bool
absent(const struct store_txn *t)
{
        return t->s->no_blobs;
}

static int
rec_decode(const uint8_t *root, const MDB_val *v, struct store_blob *out)
{
        const uint8_t *p = v->mv_data;

        if (v->mv_size != REC_BYTES)
                return store__corrupt("blob record of another size", root,
                                      ROOT_BYTES);
        memcpy(out->root, root, ROOT_BYTES);
        out->size = be64_get(p);
        out->chunks = be32_get(p + 8);
        out->held = be32_get(p + 12);
        out->flags = be32_get(p + 16);
        if (out->held > out->chunks)
                return store__corrupt("blob record holds more than it has",
                                      root, ROOT_BYTES);
        return 0;
}

static int
rec_put(struct store_txn *t, const struct store_blob *b)
{
        uint8_t v[REC_BYTES];

        be64_put(v, b->size);
        be32_put(v + 8, b->chunks);
        be32_put(v + 12, b->held);
        be32_put(v + 16, b->flags);
        return store__db_put(t, DB_BLOBS, b->root, ROOT_BYTES,
                             slice_make(v, sizeof(v)), 0);
}

int
store_blob_get(struct store_txn *t, const uint8_t root[32],
               struct store_blob *out)
{
        MDB_val v;
        int err;

        if (absent(t))
                return ERR_NOT_FOUND;
        if ((err = store__db_get(t, DB_BLOBS, root, ROOT_BYTES, &v)))
                return err;
        return rec_decode(root, &v, out);
}

int
store_blobs_gen(struct store_txn *t, uint64_t *gen)
{
        MDB_val v;
        int err = store__db_get(t, DB_META, "blobs_gen", 9, &v);

        *gen = !err && v.mv_size == 8 ? be64_get(v.mv_data) : 0;
        return err == ERR_NOT_FOUND ? 0 : err;
}

static int
gen_bump(struct store_txn *t)
{
        uint8_t v[8];
        uint64_t g;
        int err;

        if ((err = store_blobs_gen(t, &g)))
                return err;
        be64_put(v, g + 1);
        return store__db_put(t, DB_META, "blobs_gen", 9, slice_make(v, 8), 0);
}

/* The record of root, created (wanted, nothing held) if missing. */
static int
rec_ensure(struct store_txn *t, const uint8_t root[32], uint64_t size,
           uint32_t chunks, struct store_blob *b, bool *created)
{
        int err = store_blob_get(t, root, b);

        *created = false;
        if (err != ERR_NOT_FOUND)
                return err;
        memset(b, 0, sizeof(*b));
        memcpy(b->root, root, ROOT_BYTES);
        b->size = size;
        b->chunks = chunks;
        *created = true;
        return rec_put(t, b);
}

int
store_blob_ref(struct store_txn *t, const uint8_t root[32], uint64_t size,
               uint32_t chunks, const uint8_t feed[32], uint64_t seq)
{
        uint8_t key[REF_KEY];
        struct store_blob b;
        bool created;
        int err;

        if (!t->write || absent(t))
                return ERR_USAGE;
        memcpy(key, root, ROOT_BYTES);
        store__pos_key(key + ROOT_BYTES, feed, seq);
        if ((err = store__db_put(t, DB_BLOB_REFS, key, sizeof(key),
                                 slice_make(NULL, 0), 0)) ||
            (err = rec_ensure(t, root, size, chunks, &b, &created)))
                return err;
        return created ? gen_bump(t) : 0;
}

int
store_blob_open(struct store_txn *t, const uint8_t root[32])
{
        struct store_blob b;
        int err;

        if (!t->write || absent(t))
                return ERR_USAGE;
        if ((err = store_blob_get(t, root, &b)))
                return err;
        if (b.flags & STORE_BLOB_OPENED)
                return 0;
        b.flags |= STORE_BLOB_OPENED;
        if ((err = rec_put(t, &b)))
                return err;
        /* Links walk the wanted blobs again: this one may be asked now. */
        return b.held == b.chunks ? 0 : gen_bump(t);
}

/* Walks the keys of db that start with prefix. */
struct prefix_walk {
        const uint8_t *prefix;
        size_t n;
        int (*fn)(void *ctx, const MDB_val *k, const MDB_val *v);
        void *ctx;
};

static int
prefix_step(void *ctx, const MDB_val *k, const MDB_val *v, bool *done)
{
        struct prefix_walk *w = ctx;
        int rc;

        if (k->mv_size < w->n || memcmp(k->mv_data, w->prefix, w->n)) {
                *done = true;
                return 0;
        }
        rc = w->fn(w->ctx, k, v);
        if (rc > 0)
                *done = true;
        return rc < 0 ? rc : 0;
}

static int
prefix_walk(struct store_txn *t, enum store_db db, const uint8_t *prefix,
            size_t n, int (*fn)(void *, const MDB_val *, const MDB_val *),
            void *ctx)
{
        struct prefix_walk w = {prefix, n, fn, ctx};
        MDB_val start = store__val_of(prefix, n);

        return store__db_walk(t, db, &start, prefix_step, &w);
}

struct ref_walk {
        store_blob_ref_fn fn;
        void *ctx;
};

static int
ref_step(void *ctx, const MDB_val *k, const MDB_val *v)
{
        struct ref_walk *w = ctx;
        const uint8_t *p = k->mv_data;

        (void)v;
        if (k->mv_size != REF_KEY)
                return store__corrupt("blob reference of another size", p,
                                      k->mv_size);
        return w->fn(w->ctx, p + ROOT_BYTES,
                     be64_get(p + ROOT_BYTES + ENTRY_HASH_BYTES));
}

int
store_blob_refs(struct store_txn *t, const uint8_t root[32],
                store_blob_ref_fn fn, void *ctx)
{
        struct ref_walk w = {fn, ctx};

        if (absent(t))
                return 0;
        return prefix_walk(t, DB_BLOB_REFS, root, ROOT_BYTES, ref_step, &w);
}

int
store_blob_put_list(struct store_txn *t, const uint8_t root[32], uint64_t size,
                    uint32_t chunks, struct slice list)
{
        struct store_blob b;
        bool created;
        int err;

        if (!t->write || absent(t))
                return ERR_USAGE;
        if ((err = rec_ensure(t, root, size, chunks, &b, &created)))
                return err;
        if (b.size != size || b.chunks != chunks)
                return ERR_USAGE; /* the caller checked the list's root */
        if ((err = store__db_put(t, DB_BLOB_LISTS, root, ROOT_BYTES, list, 0)))
                return err;
        b.flags |= STORE_BLOB_LIST;
        return rec_put(t, &b);
}

static int
copy_out(struct store_txn *t, enum store_db db, const void *key, size_t n,
         struct buf *out)
{
        MDB_val v;
        int err;

        buf_reset(out);
        if (absent(t))
                return ERR_NOT_FOUND;
        if ((err = store__db_get(t, db, key, n, &v)))
                return err;
        buf_add(out, v.mv_data, v.mv_size);
        return 0;
}

int
store_blob_get_list(struct store_txn *t, const uint8_t root[32],
                    struct buf *out)
{
        return copy_out(t, DB_BLOB_LISTS, root, ROOT_BYTES, out);
}

static void
chunk_key(uint8_t key[CHUNK_KEY], const uint8_t root[32], uint32_t i)
{
        memcpy(key, root, ROOT_BYTES);
        be32_put(key + ROOT_BYTES, i);
}

int
store_blob_put_chunk(struct store_txn *t, const uint8_t root[32], uint32_t i,
                     struct slice data, bool *whole)
{
        uint8_t key[CHUNK_KEY];
        struct store_blob b;
        int err;

        *whole = false;
        if (!t->write || absent(t))
                return ERR_USAGE;
        if ((err = store_blob_get(t, root, &b)))
                return err == ERR_NOT_FOUND ? ERR_USAGE : err;
        if (i >= b.chunks)
                return ERR_USAGE;
        chunk_key(key, root, i);
        err = store__db_put(t, DB_CHUNKS, key, sizeof(key), data,
                            MDB_NOOVERWRITE);
        if (err == ERR_EXISTS) { /* another link brought it first */
                *whole = b.held == b.chunks;
                return 0;
        }
        if (err)
                return err;
        b.held++;
        *whole = b.held == b.chunks;
        return rec_put(t, &b);
}

int
store_blob_get_chunk(struct store_txn *t, const uint8_t root[32], uint32_t i,
                     struct buf *out)
{
        uint8_t key[CHUNK_KEY];

        chunk_key(key, root, i);
        return copy_out(t, DB_CHUNKS, key, sizeof(key), out);
}

struct held_walk {
        uint8_t *held;
        uint32_t chunks;
        uint64_t bytes, n;
};

static int
held_step(void *ctx, const MDB_val *k, const MDB_val *v)
{
        struct held_walk *w = ctx;
        uint32_t i;

        if (k->mv_size != CHUNK_KEY)
                return store__corrupt("chunk key of another size", k->mv_data,
                                      k->mv_size);
        i = be32_get((const uint8_t *)k->mv_data + ROOT_BYTES);
        if (w->held && i < w->chunks)
                w->held[i / 8] |= (uint8_t)(1U << (i % 8));
        w->bytes += v->mv_size;
        w->n++;
        return 0;
}

int
store_blob_held(struct store_txn *t, const uint8_t root[32], uint8_t *held,
                uint32_t chunks)
{
        struct held_walk w = {held, chunks, 0, 0};

        if (absent(t))
                return 0;
        return prefix_walk(t, DB_CHUNKS, root, ROOT_BYTES, held_step, &w);
}

struct blobs_walk {
        const uint8_t *after;
        store_blob_fn fn;
        void *ctx;
        int stopped;
};

static int
blobs_step(void *ctx, const MDB_val *k, const MDB_val *v, bool *done)
{
        struct blobs_walk *w = ctx;
        struct store_blob b;
        int rc;

        if (k->mv_size != ROOT_BYTES)
                return store__corrupt("blob key of another size", k->mv_data,
                                      k->mv_size);
        if (w->after && !memcmp(k->mv_data, w->after, ROOT_BYTES))
                return 0; /* start after it */
        if ((rc = rec_decode(k->mv_data, v, &b)))
                return rc;
        rc = w->fn(w->ctx, &b);
        if (rc > 0) {
                w->stopped = 1;
                *done = true;
        }
        return rc < 0 ? rc : 0;
}

int
store_blobs(struct store_txn *t, const uint8_t *after, store_blob_fn fn,
            void *ctx)
{
        struct blobs_walk w = {after, fn, ctx, 0};
        MDB_val start = store__val_of(after, ROOT_BYTES);
        int err;

        if (absent(t))
                return 0;
        err =
            store__db_walk(t, DB_BLOBS, after ? &start : NULL, blobs_step, &w);
        return err ? err : w.stopped;
}

static int
any_ref(void *ctx, const uint8_t feed[32], uint64_t seq)
{
        (void)feed;
        (void)seq;
        *(bool *)ctx = true;
        return 1;
}

struct chunk_keys {
        struct buf keys;
        uint64_t bytes;
};

static int
key_step(void *ctx, const MDB_val *k, const MDB_val *v)
{
        struct chunk_keys *c = ctx;

        buf_add(&c->keys, k->mv_data, k->mv_size);
        c->bytes += v->mv_size;
        return 0;
}

int
store_blob_collect(struct store_txn *t, const uint8_t root[32],
                   uint64_t *freed_bytes)
{
        struct chunk_keys c = {BUF_INIT, 0};
        bool referenced = false;
        int err;

        *freed_bytes = 0;
        if (!t->write || absent(t))
                return ERR_USAGE;
        if ((err = store_blob_refs(t, root, any_ref, &referenced)) < 0)
                return err;
        if (referenced)
                return 0;
        /* Keys first, deletes after: no cursor walks what it deletes. */
        err = prefix_walk(t, DB_CHUNKS, root, ROOT_BYTES, key_step, &c);
        for (size_t off = 0; !err && off < c.keys.len; off += CHUNK_KEY)
                err = store__db_del(t, DB_CHUNKS, c.keys.data + off, CHUNK_KEY);
        if (!err) {
                err = store__db_del(t, DB_BLOB_LISTS, root, ROOT_BYTES);
                if (err == ERR_NOT_FOUND)
                        err = 0;
        }
        if (!err) {
                err = store__db_del(t, DB_BLOBS, root, ROOT_BYTES);
                if (err == ERR_NOT_FOUND)
                        err = 0;
        }
        if (!err)
                *freed_bytes = c.bytes;
        buf_release(&c.keys);
        return err;
}

static int
stats_step(void *ctx, const struct store_blob *b)
{
        struct store_blob_stats *s = ctx;

        s->blobs++;
        s->whole += b->held == b->chunks;
        s->chunks += b->held;
        s->bytes += b->held == b->chunks ? b->size
                                         : (uint64_t)b->held * BLOB_CHUNK_BYTES;
        return 0;
}

int
store_blob_stats(struct store_txn *t, struct store_blob_stats *out)
{
        int rc;

        memset(out, 0, sizeof(*out));
        rc = store_blobs(t, NULL, stats_step, out);
        return rc < 0 ? rc : 0;
}
