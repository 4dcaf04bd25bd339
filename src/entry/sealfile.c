/*
 * sealfile: an attachment of a rahasia report encrypted before it becomes
 * a blob (proto/BLOBS.md §2.1). Nothing here is new cryptography: the
 * file is one libsodium crypto_secretstream_xchacha20poly1305 stream
 * under a fresh random key, its messages of SEALFILE_MSG_BYTES of
 * plaintext, the last tagged FINAL so a cut stream does not open. The key
 * travels in the report's sealed content, which binds it to the entry.
 */
#include <sodium.h>
#include <string.h>

#include "entry.h"

#define SS_ABYTES crypto_secretstream_xchacha20poly1305_ABYTES
#define SS_TAG_FINAL crypto_secretstream_xchacha20poly1305_TAG_FINAL

_Static_assert(crypto_secretstream_xchacha20poly1305_KEYBYTES ==
                   SEALFILE_KEY_BYTES,
               "a file key is 32 bytes");
_Static_assert(crypto_secretstream_xchacha20poly1305_HEADERBYTES ==
                   SEALFILE_HEADER_BYTES,
               "the stream header is 24 bytes");
_Static_assert(SS_ABYTES == SEALFILE_ABYTES, "a message adds 17 bytes");

/* Messages of a plaintext of len bytes: at least one (the FINAL one). */
static uint64_t
msgs_of(uint64_t len)
{
        return len ? (len + SEALFILE_MSG_BYTES - 1) / SEALFILE_MSG_BYTES : 1;
}

uint64_t
sealfile_ct_size(uint64_t plain_len)
{
        return SEALFILE_HEADER_BYTES + plain_len +
               msgs_of(plain_len) * SS_ABYTES;
}

void
sealfile_seal(struct slice plain, uint8_t key[SEALFILE_KEY_BYTES],
              struct buf *ct)
{
        static const uint8_t none[1]; /* an empty file: no NULL + 0 */
        crypto_secretstream_xchacha20poly1305_state st;
        const uint8_t *p = plain.len ? plain.ptr : none;
        uint64_t n = msgs_of(plain.len);
        size_t off = 0, start;

        crypto_secretstream_xchacha20poly1305_keygen(key);
        buf_reset(ct);
        start = ct->len;
        buf_grow(ct, (size_t)sealfile_ct_size(plain.len));
        crypto_secretstream_xchacha20poly1305_init_push(&st, ct->data + start,
                                                        key);
        ct->len = start + SEALFILE_HEADER_BYTES;
        for (uint64_t i = 0; i < n; i++) {
                size_t m = plain.len - off < SEALFILE_MSG_BYTES
                               ? plain.len - off
                               : SEALFILE_MSG_BYTES;
                unsigned long long clen;
                crypto_secretstream_xchacha20poly1305_push(
                    &st, ct->data + ct->len, &clen, p + off, m, NULL, 0,
                    i + 1 == n ? SS_TAG_FINAL : 0);
                ct->len += (size_t)clen;
                off += m;
        }
        sodium_memzero(&st, sizeof(st));
}

int
sealfile_open(const uint8_t key[SEALFILE_KEY_BYTES], struct slice ct,
              struct buf *plain)
{
        crypto_secretstream_xchacha20poly1305_state st;
        const size_t whole = SEALFILE_MSG_BYTES + SS_ABYTES;
        size_t off = SEALFILE_HEADER_BYTES;
        bool final = false;
        int err = ERR_BLOB_SEALED;

        buf_reset(plain);
        if (ct.len < SEALFILE_HEADER_BYTES + SS_ABYTES ||
            crypto_secretstream_xchacha20poly1305_init_pull(&st, ct.ptr, key))
                return ERR_BLOB_SEALED;
        buf_grow(plain, ct.len);
        while (off < ct.len && !final) {
                size_t m = ct.len - off < whole ? ct.len - off : whole;
                unsigned long long plen;
                unsigned char tag;
                if (m < SS_ABYTES || crypto_secretstream_xchacha20poly1305_pull(
                                         &st, plain->data + plain->len, &plen,
                                         &tag, ct.ptr + off, m, NULL, 0))
                        goto out;
                plain->len += (size_t)plen;
                off += m;
                final = tag == SS_TAG_FINAL;
                /* Every message but the last is whole, the last FINAL. */
                if (final != (off == ct.len) || (tag != 0 && !final))
                        goto out;
        }
        err = final ? 0 : ERR_BLOB_SEALED;
out:
        sodium_memzero(&st, sizeof(st));
        if (err) {
                sodium_memzero(plain->data, plain->len);
                buf_reset(plain);
        }
        return err;
}
