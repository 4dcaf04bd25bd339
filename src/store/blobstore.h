/*
 * blobstore: attachments in the node's LMDB store (proto/BLOBS.md §2, §5),
 * part of the store module (store.h includes it). The blob format (chunk
 * size, hashes, roots) is blob/blob.h; this header only keeps bytes, and
 * checks nothing: callers store only lists and chunks they checked
 * (blob_list_check, blob_chunk_check).
 *
 * Databases:
 *   blobs       root (32) -> record: size (u64), chunks (u32), held (u32),
 *               flags (u32: STORE_BLOB_LIST, the hash list is held;
 *               STORE_BLOB_OPENED, wanted by someone here)
 *   blob_lists  root (32) -> hash list (32 bytes a chunk)
 *   chunks      root (32) || index (u32) -> the chunk's bytes
 *   blob_refs   root (32) || feed id (32) || seq (u64) -> "" : an entry
 *               held with its body references the root
 *   meta        "blobs_gen" -> u64, bumped when a blob becomes wanted
 *
 * Invariants: a chunk row is present only if it was checked, and its
 * record's `held` counts the chunk rows, changed in the same
 * transaction; a record exists for every root that has a chunk, a list
 * or a reference. A blob is *whole* when held == chunks; *wanted* while
 * not whole. Everything is in the caller's transaction: a crash leaves
 * a chunk absent or whole.
 *
 * Errors: store errors (ERR_STORE, ERR_STORE_FULL, ERR_STORE_CORRUPT for
 * a record of another shape); ERR_NOT_FOUND where said.
 */
#ifndef SIMPUL_STORE_BLOBSTORE_H
#define SIMPUL_STORE_BLOBSTORE_H

#include "../base/base.h"

#define STORE_BLOB_LIST 0x1U
/* Someone opened it here (simpul blob get, GET /api/blobs/{root}): it is
 * fetched whatever the fetch policy ([blobs] fetch, BLOBS.md §7). */
#define STORE_BLOB_OPENED 0x2U

struct store_txn;

struct store_blob {
        uint8_t root[32];
        uint64_t size;
        uint32_t chunks; /* ceil(size / chunk size) */
        uint32_t held;   /* chunk rows stored */
        uint32_t flags;  /* STORE_BLOB_LIST, STORE_BLOB_OPENED */
};

/* The record of root into *out; ERR_NOT_FOUND if none. */
int store_blob_get(struct store_txn *t, const uint8_t root[32],
                   struct store_blob *out) WUR;
/*
 * Records that the entry (feed, seq) references root, of size bytes in
 * chunks chunks; creates the blob's record (wanted) if it had none, and
 * then bumps blobs_gen. Idempotent.
 */
int store_blob_ref(struct store_txn *t, const uint8_t root[32], uint64_t size,
                   uint32_t chunks, const uint8_t feed[32], uint64_t seq) WUR;
/* Visits the references of root: fn returns nonzero to stop (returned
 * if negative). */
typedef int (*store_blob_ref_fn)(void *ctx, const uint8_t feed[32],
                                 uint64_t seq);
int store_blob_refs(struct store_txn *t, const uint8_t root[32],
                    store_blob_ref_fn fn, void *ctx) WUR;
/*
 * Marks root opened (STORE_BLOB_OPENED), so that it is fetched whatever
 * the fetch policy, durably (a restart keeps asking); bumps blobs_gen if
 * it is not whole. ERR_NOT_FOUND: no record (no entry references it).
 */
int store_blob_open(struct store_txn *t, const uint8_t root[32]) WUR;
/* Stores the (checked) hash list of root; creates the record if none. */
int store_blob_put_list(struct store_txn *t, const uint8_t root[32],
                        uint64_t size, uint32_t chunks, struct slice list) WUR;
/* Copies root's hash list into out (reset first); ERR_NOT_FOUND. */
int store_blob_get_list(struct store_txn *t, const uint8_t root[32],
                        struct buf *out) WUR;
/*
 * Stores a checked chunk i of root (its record must exist): a chunk held
 * already changes nothing. *whole: the blob is whole now.
 */
int store_blob_put_chunk(struct store_txn *t, const uint8_t root[32],
                         uint32_t i, struct slice data, bool *whole) WUR;
/* Copies chunk i into out (reset first); ERR_NOT_FOUND. */
int store_blob_get_chunk(struct store_txn *t, const uint8_t root[32],
                         uint32_t i, struct buf *out) WUR;
/* Sets bit i of held (chunks / 8 rounded up bytes, zeroed by the caller)
 * for every chunk of root stored. */
int store_blob_held(struct store_txn *t, const uint8_t root[32], uint8_t *held,
                    uint32_t chunks) WUR;
/* Visits the blob records from the first root after `after` (NULL: the
 * first) in root order; fn returns nonzero to stop (returned if
 * negative, else the walk returns 1). */
typedef int (*store_blob_fn)(void *ctx, const struct store_blob *b);
int store_blobs(struct store_txn *t, const uint8_t *after, store_blob_fn fn,
                void *ctx) WUR;
/* The wanted-blobs generation (0 if never bumped). */
int store_blobs_gen(struct store_txn *t, uint64_t *gen) WUR;
/*
 * Deletes root's record, list and chunks if no entry references it:
 * *freed_bytes the chunk bytes deleted (0: referenced, or no such blob).
 */
int store_blob_collect(struct store_txn *t, const uint8_t root[32],
                       uint64_t *freed_bytes) WUR;

struct store_blob_stats {
        uint64_t blobs, whole, chunks, bytes; /* bytes: of chunks held */
};
int store_blob_stats(struct store_txn *t, struct store_blob_stats *out) WUR;

#endif
