/*
 * blobrefs: an item's attachments are references to blobs
 * (proto/BLOBS.md §2), recorded in the transaction that stores the entry
 * with its body (or fills it), from the views' pass over the entry, so
 * a views rebuild records them again.
 */
#define _GNU_SOURCE /* memmem */
#include <string.h>

#include "../blob/blob.h"
#include "replica_int.h"

int
replica__blob_refs(struct store_txn *t, const struct entry *e)
{
        static const char key[] = "attachments";
        struct kim_body b;
        int err;

        if (!e->env.has_body || e->h.kind < KIND_INFORMASI ||
            e->h.kind > KIND_TANGGAPAN)
                return 0;
        /* Most items have none: pass by them without decoding. */
        if (!memmem(e->env.body.ptr, e->env.body.len, key, sizeof(key) - 1))
                return 0;
        if (wire_kim_decode(e->h.kind, e->env.body, &b))
                return 0; /* checked before; another kind's rules */
        for (size_t i = 0; i < b.n_attach; i++)
                if ((err = store_blob_ref(t, b.attach[i].root, b.attach[i].size,
                                          blob_chunks(b.attach[i].size),
                                          e->feed, e->h.seq)))
                        return err;
        return 0;
}

int
replica_blob_put(struct replica *r, const uint8_t root[32], uint64_t size,
                 int32_t index, uint32_t count, struct slice data, bool *whole)
{
        size_t at = 0;
        struct store_txn *t;
        struct store_blob b;
        int err;

        *whole = false;
        if ((err = store_begin(r->store, true, &t)))
                return err;
        if (index < 0) {
                err =
                    store_blob_put_list(t, root, size, blob_chunks(size), data);
                if (!err && !(err = store_blob_get(t, root, &b)))
                        *whole = b.held == b.chunks;
        } else {
                for (uint32_t i = (uint32_t)index; !err && count--; i++) {
                        size_t len = blob_chunk_len(size, i);

                        if (len == 0 || len > data.len - at) {
                                err = ERR_USAGE; /* the caller's bug */
                                break;
                        }
                        err = store_blob_put_chunk(
                            t, root, i, slice_make(data.ptr + at, len), whole);
                        at += len;
                }
        }
        if (err) {
                store_abort(t);
                return err;
        }
        return store_commit(t);
}

int
replica_blob_add(struct replica *r, struct slice data, uint8_t root[32])
{
        struct buf list = BUF_INIT;
        struct store_txn *t = NULL;
        uint32_t n = blob_chunks(data.len);
        bool whole = false;
        int err;

        if ((err = blob_make(data, &list, root)))
                goto out;
        if ((err = store_begin(r->store, true, &t)) ||
            (err = store_blob_put_list(t, root, data.len, n, buf_slice(&list))))
                goto out;
        for (uint32_t i = 0; i < n && !err; i++)
                err = store_blob_put_chunk(
                    t, root, i,
                    slice_make(data.ptr + (size_t)i * BLOB_CHUNK_BYTES,
                               blob_chunk_len(data.len, i)),
                    &whole);
        if (!err) {
                err = store_commit(t);
                t = NULL;
        }
out:
        store_abort(t);
        buf_release(&list);
        return err;
}

struct gc_walk {
        struct buf roots;
};

static int
gc_root(void *ctx, const struct store_blob *b)
{
        struct gc_walk *w = ctx;

        buf_add(&w->roots, b->root, 32);
        return 0;
}

int
replica_blobs_gc(struct replica *r, uint64_t *n, uint64_t *bytes)
{
        struct gc_walk w = {BUF_INIT};
        struct store_txn *t;
        uint64_t freed;
        int err;

        *n = *bytes = 0;
        if ((err = store_begin(r->store, true, &t)))
                return err;
        err = store_blobs(t, NULL, gc_root, &w);
        for (size_t off = 0; err >= 0 && off < w.roots.len; off += 32) {
                uint8_t root[32];
                memcpy(root, w.roots.data + off, 32);
                err = store_blob_collect(t, root, &freed);
                /* A blob with nothing held and no reference counts too. */
                if (!err && freed) {
                        (*n)++;
                        *bytes += freed;
                }
        }
        buf_release(&w.roots);
        if (err < 0) {
                store_abort(t);
                return err;
        }
        return store_commit(t);
}
