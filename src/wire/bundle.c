/* bundle: the typed records inside a sealed bundle (proto/BUNDLE.md §4). */
#include <string.h>

#include "wire.h"

void
wire_bundle_rec_put(struct buf *out, uint8_t type, struct slice payload)
{
        buf_addc(out, type);
        buf_add_be32(out, (uint32_t)payload.len);
        buf_add(out, payload.ptr, payload.len);
}

/* The largest payload a record of this type may have; 0: unknown type. */
static size_t
rec_max(uint8_t type)
{
        switch (type) {
        case BUNDLE_REC_HEADS:
                return 16U + (size_t)BUNDLE_HEADS_MAX * BUNDLE_HEAD_BYTES;
        case BUNDLE_REC_ENTRY:
                return ENTRY_MAX;
        case BUNDLE_REC_BLOB:
                return ENTRY_MAX;
        case BUNDLE_REC_HELD:
                return 1U + REGION_MAX_LEN +
                       (size_t)BUNDLE_HEADS_MAX * BUNDLE_HEAD_BYTES;
        default:
                /* 0x80 and up: skippable extensions (BUNDLE.md §4). */
                return type >= 0x80 ? ENTRY_MAX : 0;
        }
}

int
wire_bundle_rec_next(struct slice in, struct bundle_rec *r, size_t *used)
{
        size_t len, max;

        if (in.len < BUNDLE_REC_HEADER_BYTES)
                return 0;
        r->type = in.ptr[0];
        len = be32_get(in.ptr + 1);
        max = rec_max(r->type);
        if (!max || len > max || (r->type == BUNDLE_REC_ENTRY && len == 0))
                return ERR_BUNDLE;
        if (in.len - BUNDLE_REC_HEADER_BYTES < len)
                return 0;
        r->payload = slice_make(in.ptr + BUNDLE_REC_HEADER_BYTES, len);
        *used = BUNDLE_REC_HEADER_BYTES + len;
        return 1;
}

/* n pairs of feed id and seq: ids strictly ascending, seqs >= 1. */
static int
pairs_check(const uint8_t *heads, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                const uint8_t *e = heads + i * BUNDLE_HEAD_BYTES;
                if (be64_get(e + 32) == 0 ||
                    (i && memcmp(e - BUNDLE_HEAD_BYTES, e, 32) >= 0))
                        return ERR_BUNDLE;
        }
        return 0;
}

int
wire_bundle_heads(struct slice p, struct bundle_heads *h)
{
        if (p.len < 16U || (p.len - 16U) % BUNDLE_HEAD_BYTES)
                return ERR_BUNDLE;
        memcpy(h->instance, p.ptr, 16U);
        h->heads = p.ptr + 16U;
        h->n = (p.len - 16U) / BUNDLE_HEAD_BYTES;
        return pairs_check(h->heads, h->n);
}

void
wire_bundle_held_put(struct buf *out, const char *region, const uint8_t *heads,
                     size_t n)
{
        buf_addc(out, (uint8_t)strlen(region));
        buf_adds(out, region);
        buf_add(out, heads, n * BUNDLE_HEAD_BYTES);
}

int
wire_bundle_held(struct slice p, struct bundle_held *h)
{
        size_t rlen, rest;

        if (p.len < 1U)
                return ERR_BUNDLE;
        rlen = p.ptr[0];
        if (rlen > p.len - 1U ||
            region_copy(h->region, (const char *)p.ptr + 1, rlen))
                return ERR_BUNDLE;
        rest = p.len - 1U - rlen;
        if (rest == 0 || rest % BUNDLE_HEAD_BYTES)
                return ERR_BUNDLE;
        h->heads = p.ptr + 1U + rlen;
        h->n = rest / BUNDLE_HEAD_BYTES;
        return pairs_check(h->heads, h->n);
}

/* ---- BLOB records (BUNDLE.md §4.1) -------------------------------------- */

#define BLOB_ROOT 32U
#define BLOB_CHUNK 16384U /* BLOBS.md §1 */
#define BLOB_SIZE_MAX (16U * 1024U * 1024U)
#define BLOB_LIST_HEAD (1U + BLOB_ROOT + 8U)
#define BLOB_CHUNK_HEAD (1U + BLOB_ROOT + 4U)

void
wire_bundle_blob_list_put(struct buf *out, const uint8_t *root, uint64_t size,
                          struct slice hashes)
{
        buf_addc(out, BUNDLE_BLOB_LIST);
        buf_add(out, root, BLOB_ROOT);
        buf_add_be64(out, size);
        buf_add(out, hashes.ptr, hashes.len);
}

void
wire_bundle_blob_chunk_put(struct buf *out, const uint8_t *root, uint32_t index,
                           struct slice data)
{
        buf_addc(out, BUNDLE_BLOB_CHUNK);
        buf_add(out, root, BLOB_ROOT);
        buf_add_be32(out, index);
        buf_add(out, data.ptr, data.len);
}

int
wire_bundle_blob(struct slice p, struct bundle_blob *b)
{
        if (p.len < 1U)
                return ERR_BUNDLE;
        memset(b, 0, sizeof(*b));
        b->kind = p.ptr[0];
        b->root = p.ptr + 1U;
        if (b->kind == BUNDLE_BLOB_LIST) {
                if (p.len < BLOB_LIST_HEAD)
                        return ERR_BUNDLE;
                b->size = be64_get(p.ptr + 1U + BLOB_ROOT);
                b->data =
                    slice_make(p.ptr + BLOB_LIST_HEAD, p.len - BLOB_LIST_HEAD);
                if (b->size < 1U || b->size > BLOB_SIZE_MAX ||
                    b->data.len !=
                        32U * ((b->size + BLOB_CHUNK - 1U) / BLOB_CHUNK))
                        return ERR_BUNDLE;
                return 0;
        }
        if (b->kind != BUNDLE_BLOB_CHUNK || p.len <= BLOB_CHUNK_HEAD ||
            p.len > BLOB_CHUNK_HEAD + BLOB_CHUNK)
                return ERR_BUNDLE;
        b->index = be32_get(p.ptr + 1U + BLOB_ROOT);
        b->data = slice_make(p.ptr + BLOB_CHUNK_HEAD, p.len - BLOB_CHUNK_HEAD);
        return b->index < BLOB_SIZE_MAX / BLOB_CHUNK ? 0 : ERR_BUNDLE;
}
