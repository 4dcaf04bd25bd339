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
                if ((err = store_blob_ref(t, b.attach[i].root,
                                          b.attach[i].size,
                                          blob_chunks(b.attach[i].size),
                                          e->feed, e->h.seq)))
                        return err;
        return 0;
}
