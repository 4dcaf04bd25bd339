/* buf: growable owned bytes and borrowed slices; see base.h invariants. */
#include "base.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct slice
slice_cstr(const char *s)
{
        return slice_make(s, strlen(s));
}

bool
slice_eq(struct slice a, struct slice b)
{
        return a.len == b.len && (a.len == 0 || !memcmp(a.ptr, b.ptr, a.len));
}

void
buf_init(struct buf *b)
{
        b->data = NULL;
        b->len = 0;
        b->cap = 0;
}

void
buf_release(struct buf *b)
{
        free(b->data);
        buf_init(b);
}

void
buf_wipe_release(struct buf *b)
{
        if (b->data)
                explicit_bzero(b->data, b->cap);
        buf_release(b);
}

void
buf_reset(struct buf *b)
{
        b->len = 0;
        if (b->cap)
                b->data[0] = 0;
}

void
buf_grow(struct buf *b, size_t extra)
{
        size_t need, cap;

        if (!size_add(b->len, extra, &need) || !size_add(need, 1, &need)) {
                fprintf(stderr, "simpul: fatal: buffer size overflow\n");
                abort();
        }
        if (need <= b->cap)
                return;
        cap = b->cap ? b->cap : 64;
        while (cap < need)
                cap = cap > SIZE_MAX / 2 ? need : cap * 2;
        b->data = xrealloc(b->data, cap);
        b->cap = cap;
}

void
buf_add(struct buf *b, const void *p, size_t n)
{
        buf_grow(b, n);
        if (n)
                memcpy(b->data + b->len, p, n);
        b->len += n;
        b->data[b->len] = 0;
}

void
buf_addc(struct buf *b, uint8_t c)
{
        buf_add(b, &c, 1);
}

void
buf_adds(struct buf *b, const char *s)
{
        buf_add(b, s, strlen(s));
}

void
buf_addf(struct buf *b, const char *fmt, ...)
{
        va_list ap;
        int n;

        va_start(ap, fmt);
        n = vsnprintf(NULL, 0, fmt, ap);
        va_end(ap);
        if (n < 0)
                return;
        buf_grow(b, (size_t)n);
        va_start(ap, fmt);
        vsnprintf((char *)b->data + b->len, (size_t)n + 1, fmt, ap);
        va_end(ap);
        b->len += (size_t)n;
}

void
be64_put(uint8_t out[8], uint64_t v)
{
        for (int i = 7; i >= 0; i--, v >>= 8)
                out[i] = (uint8_t)v;
}

uint64_t
be64_get(const uint8_t in[8])
{
        uint64_t v = 0;

        for (int i = 0; i < 8; i++)
                v = v << 8 | in[i];
        return v;
}

void
be32_put(uint8_t out[4], uint32_t v)
{
        for (int i = 3; i >= 0; i--, v >>= 8)
                out[i] = (uint8_t)v;
}

uint32_t
be32_get(const uint8_t in[4])
{
        return (uint32_t)in[0] << 24 | (uint32_t)in[1] << 16 |
               (uint32_t)in[2] << 8 | in[3];
}

void
buf_add_be64(struct buf *b, uint64_t v)
{
        uint8_t tmp[8];

        be64_put(tmp, v);
        buf_add(b, tmp, 8);
}

void
buf_add_be32(struct buf *b, uint32_t v)
{
        uint8_t tmp[4];

        be32_put(tmp, v);
        buf_add(b, tmp, 4);
}

static int
hex_digit(char c)
{
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
                return c - 'A' + 10;
        return -1;
}

void
hex_encode(char *out, const uint8_t *in, size_t n)
{
        static const char digits[] = "0123456789abcdef";

        for (size_t i = 0; i < n; i++) {
                out[2 * i] = digits[in[i] >> 4];
                out[2 * i + 1] = digits[in[i] & 15];
        }
        out[2 * n] = 0;
}

bool
hex_valid(const char *s, size_t n)
{
        for (size_t i = 0; i < n; i++)
                if (hex_digit(s[i]) < 0)
                        return false;
        return true;
}

int
hex_decode(uint8_t *out, size_t n, const char *s, size_t slen)
{
        if (slen != 2 * n || !hex_valid(s, slen))
                return ERR_USAGE;
        for (size_t i = 0; i < n; i++)
                out[i] = (uint8_t)(hex_digit(s[2 * i]) << 4 |
                                   hex_digit(s[2 * i + 1]));
        return 0;
}
