/*
 * blob: the attachment format (proto/BLOBS.md §1): a blob of 1 to
 * BLOB_MAX_BYTES bytes is cut into BLOB_CHUNK_BYTES chunks; each chunk
 * has a personalized BLAKE2b-256 hash, the concatenation of those is
 * the hash list, and the root is the personalized BLAKE2b-256 of the
 * size and the list. Pure: no I/O, no allocation but the caller's
 * buffers. libsodium (BLAKE2b with a personalization string) is private
 * to this module and entry.
 *
 * The blob store (LMDB) is store/blobstore.h; the link messages are
 * wire.h's SYNC_BLOB_*; this header is what a bundle or an HTTP upload
 * needs to name and check a blob.
 */
#ifndef SIMPUL_BLOB_H
#define SIMPUL_BLOB_H

#include "../base/base.h"

#define BLOB_ROOT_BYTES 32U
#define BLOB_HASH_BYTES 32U
#define BLOB_CHUNK_BYTES 16384U
#define BLOB_MAX_BYTES (16U * 1024U * 1024U)
#define BLOB_CHUNKS_MAX (BLOB_MAX_BYTES / BLOB_CHUNK_BYTES) /* 1024 */
#define BLOB_LIST_MAX (BLOB_CHUNKS_MAX * BLOB_HASH_BYTES)   /* 32 KiB */

/* Chunks of a blob of size bytes (0 for a size out of 1..BLOB_MAX_BYTES). */
uint32_t blob_chunks(uint64_t size);
/* Length of chunk i of a blob of size bytes (0 if i is out of range). */
size_t blob_chunk_len(uint64_t size, uint32_t i);
/* The hash of one chunk's bytes (borrowed). */
void blob_chunk_hash(uint8_t out[BLOB_HASH_BYTES], struct slice chunk);
/* The root of a blob from its size and hash list (32 bytes a chunk). */
void blob_root(uint8_t out[BLOB_ROOT_BYTES], uint64_t size, struct slice list);
/*
 * Does list (borrowed) belong to root for a blob of size bytes? 0, or
 * ERR_BLOB_BAD_LIST (wrong length for the size, or another root).
 */
int blob_list_check(const uint8_t root[BLOB_ROOT_BYTES], uint64_t size,
                    struct slice list) WUR;
/*
 * Is data chunk i of the blob whose checked hash list is list? 0, or
 * ERR_BLOB_BAD_CHUNK (wrong length or hash).
 */
int blob_chunk_check(struct slice list, uint64_t size, uint32_t i,
                     struct slice data) WUR;
/*
 * Hashes a whole blob held in memory (borrowed): its list appended to
 * list, its root into root. ERR_BLOB_TOO_BIG beyond BLOB_MAX_BYTES,
 * ERR_USAGE for an empty one.
 */
int blob_make(struct slice data, struct buf *list,
              uint8_t root[BLOB_ROOT_BYTES]) WUR;

#endif
