/*
 * fuzz_bundle: libFuzzer target for sealed bundles (proto/BUNDLE.md):
 * the record stream decoder (wire_bundle_rec_next, wire_bundle_heads) on
 * the input as plaintext, and the sealed stream (sealstream.c) around it.
 * Besides "no crash, no sanitizer report" it checks, for any input
 * (abort() otherwise, so libFuzzer keeps the input):
 *   - a record taken is within the input and its type's bounds, and an
 *     accepted HEADS (HELD: with a region code) has ascending ids and
 *     seqs of at least 1; an accepted BLOB is a list of the length its
 *     size gives, or a chunk of 1 to 16,384 bytes of index below 1,024;
 *   - the input sealed in chunks (sizes from its first byte) opens with
 *     the recipient's key to exactly the input, final on the last chunk;
 *   - with one bit changed anywhere in the sealed file (header or a
 *     chunk), opening or a chunk fails: nothing changed is ever accepted;
 *   - another key gets BUNDLE-NOT-FOR-ME.
 *
 * Seeds: tests/fuzz/corpus/bundle/ (record streams).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/entry/entry.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct key *alice, *bob, *eve;

static void
require(bool ok)
{
        if (!ok)
                abort();
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
        uint8_t seed[KEY_SEED_BYTES];

        (void)argc;
        (void)argv;
        require(entry_lib_init() == 0);
        log_set_level(LOG_ERROR);
        memset(seed, 1, sizeof(seed));
        alice = key_from_seed(seed);
        memset(seed, 2, sizeof(seed));
        bob = key_from_seed(seed);
        memset(seed, 3, sizeof(seed));
        eve = key_from_seed(seed);
        return 0;
}

static void
records(const uint8_t *data, size_t size)
{
        struct slice in = slice_make(data, size);
        struct bundle_heads h;
        struct bundle_held hd;
        struct bundle_blob bb;
        struct bundle_rec r;
        size_t used;
        int rc;

        while ((rc = wire_bundle_rec_next(in, &r, &used)) == 1) {
                require(used <= in.len && used == 5 + r.payload.len);
                require(r.payload.ptr == in.ptr + 5);
                if (r.type == BUNDLE_REC_ENTRY)
                        require(r.payload.len >= 1 &&
                                r.payload.len <= ENTRY_MAX);
                if (r.type == BUNDLE_REC_HEADS &&
                    !wire_bundle_heads(r.payload, &h)) {
                        require(16 + h.n * BUNDLE_HEAD_BYTES == r.payload.len);
                        for (size_t i = 0; i < h.n; i++) {
                                const uint8_t *e = h.heads + i * 40;
                                require(be64_get(e + 32) >= 1);
                                require(!i || memcmp(e - 40, e, 32) < 0);
                        }
                }
                if (r.type == BUNDLE_REC_BLOB &&
                    !wire_bundle_blob(r.payload, &bb)) {
                        const uint8_t *end = r.payload.ptr + r.payload.len;
                        require(bb.root == r.payload.ptr + 1);
                        require(bb.data.ptr + bb.data.len == end);
                        if (bb.kind == BUNDLE_BLOB_LIST)
                                require(bb.size >= 1 && bb.size <= 16777216 &&
                                        bb.data.len ==
                                            32 * ((bb.size + 16383) / 16384));
                        else
                                require(bb.kind == BUNDLE_BLOB_CHUNK &&
                                        bb.data.len >= 1 &&
                                        bb.data.len <= 16384 &&
                                        bb.index < 1024);
                }
                if (r.type == BUNDLE_REC_HELD &&
                    !wire_bundle_held(r.payload, &hd)) {
                        require(!region_check(hd.region, strlen(hd.region)));
                        require(hd.n >= 1 && hd.heads + hd.n * 40 ==
                                                 r.payload.ptr + r.payload.len);
                        for (size_t i = 0; i < hd.n; i++)
                                require(be64_get(hd.heads + i * 40 + 32) >= 1);
                }
                in.ptr += used;
                in.len -= used;
        }
        require(rc == 0 || rc == ERR_BUNDLE);
}

/* Seals data in chunks of `chunk` bytes: the header, then len || ct. */
static void
seal(const uint8_t *data, size_t size, size_t chunk, struct buf *file)
{
        uint8_t hdr[SEALSTREAM_HEADER_BYTES], len[4];
        struct sealstream *ss = NULL;
        struct buf ct = BUF_INIT;
        size_t off = 0;

        require(sealstream_seal(alice, bob->pk, (const uint8_t *)BUNDLE2_MAGIC,
                                hdr, &ss) == 0);
        buf_add(file, hdr, sizeof(hdr));
        do {
                size_t n = size - off < chunk ? size - off : chunk;
                buf_reset(&ct);
                sealstream_push(ss, slice_make(data + off, n), off + n == size,
                                &ct);
                be32_put(len, (uint32_t)ct.len);
                buf_add(file, len, 4);
                buf_add(file, ct.data, ct.len);
                off += n;
        } while (off < size);
        sealstream_free(ss);
        buf_release(&ct);
}

/* Opens file with bob's key: 0 and the plaintext, or the first error. */
static int
open_all(const struct buf *file, struct buf *plain)
{
        uint8_t from[ENTRY_KEY_BYTES];
        struct sealstream *ss = NULL;
        size_t off = SEALSTREAM_HEADER_BYTES;
        bool final = false;
        int err;

        if ((err = sealstream_open(bob, (const uint8_t *)BUNDLE2_MAGIC,
                                   file->data, from, &ss)))
                return err;
        require(!memcmp(from, alice->pk, ENTRY_KEY_BYTES));
        while (!err && off + 4 <= file->len) {
                size_t n = be32_get(file->data + off);
                if (n > file->len - off - 4) {
                        err = ERR_BUNDLE_TRUNCATED;
                        break;
                }
                err = sealstream_pull(ss, slice_make(file->data + off + 4, n),
                                      plain, &final);
                off += 4 + n;
        }
        if (!err && (!final || off != file->len))
                err = ERR_BUNDLE_TRUNCATED;
        sealstream_free(ss);
        return err;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct buf file = BUF_INIT, plain = BUF_INIT;
        uint8_t from[ENTRY_KEY_BYTES];
        struct sealstream *ss = NULL;
        size_t chunk, bit;

        records(data, size);
        if (size > 4 * SEALSTREAM_CHUNK_MAX)
                return 0;
        chunk = size ? 1 + (size_t)data[0] * 257 : 1;
        seal(data, size, chunk, &file);
        require(open_all(&file, &plain) == 0);
        require(plain.len == size &&
                (!size || !memcmp(plain.data, data, size)));
        require(sealstream_open(eve, (const uint8_t *)BUNDLE2_MAGIC, file.data,
                                from, &ss) == ERR_BUNDLE_NOT_FOR_ME);
        /* One bit changed, past the recipient key (which is not secret and
         * says only whom it is for): never accepted. */
        bit = (size ? data[size - 1] * 131 + size : 7) % (file.len * 8 - 256);
        file.data[32 + bit / 8] ^= (uint8_t)(1U << (bit % 8));
        buf_reset(&plain);
        require(open_all(&file, &plain) != 0);
        buf_release(&file);
        buf_release(&plain);
        return 0;
}
