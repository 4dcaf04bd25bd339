/*
 * secure internals shared by noise.c (handshake) and stream.c (transport);
 * not part of the module API. Nothing outside src/secure includes it.
 */
#ifndef SIMPUL_SECURE_INT_H
#define SIMPUL_SECURE_INT_H

#include "secure.h"

/* sodium_malloc that aborts on out-of-memory, like xmalloc. Free with
 * sodium_free, which wipes. */
void *secure__smalloc(size_t n);
/* Makes the empty stream s a tx stream keyed by key (copied) and appends
 * its header to out. */
void secure__stream_init_tx(struct secure_stream *s,
                            const uint8_t key[SECURE_STREAM_KEY_BYTES],
                            struct buf *out);
/* Makes the empty stream s an rx stream keyed by key (copied); the peer's
 * header is read later by secure_reader_next. */
void secure__stream_init_rx(struct secure_stream *s,
                            const uint8_t key[SECURE_STREAM_KEY_BYTES]);

#endif
