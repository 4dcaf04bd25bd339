/*
 * gzip: compressing replies for clients that say they take it. The UI
 * files are gzipped at build time (cmake/embed.cmake); what is made per
 * request (JSON replies, the page of page.c) is compressed here with
 * zlib, where the build has it: a village link of a few hundred kbit/s
 * carries a JSON list in a fifth of the bytes. Without zlib (the
 * Raspberry Pi cross builds lack zlib1g-dev) replies go as they are.
 */
#include <assert.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#ifdef SIMPUL_ZLIB
#include <zlib.h>
#endif

#include "http_int.h"

bool
http_takes_gzip(struct http_req *r)
{
        const char *ae = http_header(r, "Accept-Encoding");

        return ae && strstr(ae, "gzip") && !strstr(ae, "gzip;q=0");
}

#ifdef SIMPUL_ZLIB
int
http_gzip(const void *in, size_t n, struct buf *out)
{
        z_stream z = {0};
        int ret;

        assert(out->len == 0);
        if (n > UINT_MAX / 2)
                return -EFBIG; /* no reply is near; zlib counts in uInt */
        /* 15 + 16: a gzip header and trailer around the deflate stream;
         * level 6, zlib's default: level 9 gains a few per cent of the
         * bytes for twice the time on a Raspberry Pi. */
        if (deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) !=
            Z_OK)
                abort(); /* out of memory */
        /* The bound holds every output, so one deflate finishes it and
         * the buffer never grows (realloc would leave a copy unwiped). */
        buf_grow(out, deflateBound(&z, (uLong)n));
        z.next_in = (Bytef *)(uintptr_t)in;
        z.avail_in = (uInt)n;
        z.next_out = out->data;
        z.avail_out = (uInt)(out->cap - out->len);
        ret = deflate(&z, Z_FINISH);
        assert(ret == Z_STREAM_END);
        out->len = z.total_out;
        deflateEnd(&z);
        return 0;
}
#else
int
http_gzip(const void *in, size_t n, struct buf *out)
{
        (void)in, (void)n, (void)out;
        return -ENOTSUP;
}
#endif
