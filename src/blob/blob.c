/* blob: chunk hashes, hash lists and roots (proto/BLOBS.md §1). */
#include <sodium.h>
#include <string.h>

#include "blob.h"

/* BLAKE2 personalization (16 bytes each): a chunk hash, a root and an
 * entry id (unpersonalized) are never one another. */
static const uint8_t personal_chunk[16] = "simpul-blob-chnk";
static const uint8_t personal_root[16] = "simpul-blob-root";

uint32_t
blob_chunks(uint64_t size)
{
        if (size == 0 || size > BLOB_MAX_BYTES)
                return 0;
        return (uint32_t)((size + BLOB_CHUNK_BYTES - 1) / BLOB_CHUNK_BYTES);
}

size_t
blob_chunk_len(uint64_t size, uint32_t i)
{
        uint32_t n = blob_chunks(size);

        if (i >= n)
                return 0;
        if (i + 1 < n)
                return BLOB_CHUNK_BYTES;
        return (size_t)(size - (uint64_t)i * BLOB_CHUNK_BYTES);
}

void
blob_chunk_hash(uint8_t out[BLOB_HASH_BYTES], struct slice chunk)
{
        crypto_generichash_blake2b_salt_personal(out, BLOB_HASH_BYTES,
                                                 chunk.ptr, chunk.len, NULL, 0,
                                                 NULL, personal_chunk);
}

void
blob_root(uint8_t out[BLOB_ROOT_BYTES], uint64_t size, struct slice list)
{
        crypto_generichash_blake2b_state st;
        uint8_t be[8];

        be64_put(be, size);
        crypto_generichash_blake2b_init_salt_personal(
            &st, NULL, 0, BLOB_ROOT_BYTES, NULL, personal_root);
        crypto_generichash_blake2b_update(&st, be, sizeof(be));
        if (list.len)
                crypto_generichash_blake2b_update(&st, list.ptr, list.len);
        crypto_generichash_blake2b_final(&st, out, BLOB_ROOT_BYTES);
}

int
blob_list_check(const uint8_t root[BLOB_ROOT_BYTES], uint64_t size,
                struct slice list)
{
        uint8_t got[BLOB_ROOT_BYTES];
        uint32_t n = blob_chunks(size);

        if (n == 0 || list.len != (size_t)n * BLOB_HASH_BYTES)
                return ERR_BLOB_BAD_LIST;
        blob_root(got, size, list);
        return sodium_memcmp(got, root, BLOB_ROOT_BYTES) ? ERR_BLOB_BAD_LIST
                                                         : 0;
}

int
blob_chunk_check(struct slice list, uint64_t size, uint32_t i,
                 struct slice data)
{
        uint8_t got[BLOB_HASH_BYTES];
        size_t want = blob_chunk_len(size, i);

        if (want == 0 || data.len != want ||
            list.len < ((size_t)i + 1) * BLOB_HASH_BYTES)
                return ERR_BLOB_BAD_CHUNK;
        blob_chunk_hash(got, data);
        return sodium_memcmp(got, list.ptr + (size_t)i * BLOB_HASH_BYTES,
                             BLOB_HASH_BYTES)
                   ? ERR_BLOB_BAD_CHUNK
                   : 0;
}

int
blob_make(struct slice data, struct buf *list, uint8_t root[BLOB_ROOT_BYTES])
{
        uint32_t n = blob_chunks(data.len);
        size_t start = list->len;

        if (data.len == 0)
                return ERR_USAGE;
        if (n == 0)
                return ERR_BLOB_TOO_BIG;
        for (uint32_t i = 0; i < n; i++) {
                uint8_t h[BLOB_HASH_BYTES];
                blob_chunk_hash(
                    h, slice_make(data.ptr + (size_t)i * BLOB_CHUNK_BYTES,
                                  blob_chunk_len(data.len, i)));
                buf_add(list, h, sizeof(h));
        }
        blob_root(root, data.len,
                  slice_make(list->data + start, list->len - start));
        return 0;
}
