/*
 * blobs: GET /api/blobs/{root}, an attachment's bytes (proto/BLOBS.md),
 * whole or one byte range (RFC 9110 §14: Range: bytes=A-B, A-, -N), so
 * a phone on the village Wi-Fi resumes a photo it was cut off from.
 */
#include <stdlib.h>
#include <string.h>

#include "http_int.h"

/* One range of "bytes=A-B", "bytes=A-" or "bytes=-N" against size:
 * 0 and [*off, *off + *len), 1 unsatisfiable, -1 not one we read (the
 * whole blob is sent, as RFC 9110 allows for a Range it ignores). */
static int
range_parse(const char *h, uint64_t size, uint64_t *off, uint64_t *len)
{
        unsigned long long a = 0, b = 0;
        char *end;
        bool has_a, has_b;

        if (strncmp(h, "bytes=", 6) || strchr(h, ','))
                return -1;
        h += 6;
        has_a = *h >= '0' && *h <= '9';
        if (has_a)
                a = strtoull(h, &end, 10);
        else
                end = (char *)h;
        if (*end != '-')
                return -1;
        h = end + 1;
        has_b = *h >= '0' && *h <= '9';
        if (has_b)
                b = strtoull(h, &end, 10);
        if ((has_b && *end) || (!has_a && !has_b) || (has_a && has_b && b < a))
                return -1;
        if (!has_a) { /* the last b bytes */
                if (b == 0)
                        return 1;
                *off = b >= size ? 0 : size - b;
                *len = size - *off;
                return 0;
        }
        if (a >= size)
                return 1;
        *off = a;
        *len = (!has_b || b >= size ? size - 1 : b) - a + 1;
        return 0;
}

/*
 * A blob referenced here but not whole: opened, so that the daemon asks
 * its peers for it whatever [blobs] fetch says (BLOBS.md §7); 202
 * {"status": "menunggu", "held", "chunks", "size"} until it is whole.
 */
static int
blob_wait(struct http_req *r, const uint8_t root[32])
{
        char msg[APP_ERR_MAX];
        struct store_blob b;
        int err;

        if ((err = app_blob_open(r->s->n, root, &b, msg)))
                return http_fail(r, err, "%s", msg);
        r->status = 202; /* whole meanwhile too: the client asks again */
        buf_reset(&r->text);
        r->out = json_pack("{s:s, s:I, s:I, s:I}", "status", "menunggu", "held",
                           (json_int_t)b.held, "chunks", (json_int_t)b.chunks,
                           "size", (json_int_t)b.size);
        return 0;
}

int
http_blob_get(struct http_req *r)
{
        static const char *const no_query[] = {NULL};
        const char *range = http_header(r, "Range");
        uint8_t root[32];
        char msg[APP_ERR_MAX];
        uint64_t size, off = 0, len = UINT64_MAX;
        int err, rc = -1;

        if ((err = http_query_check(r, no_query)))
                return err;
        if (app_root_parse(r->arg[0], root))
                return http_fail(r, ERR_HTTP_BAD_VALUE,
                                 "'%.80s' is not a blob root of 64 hex "
                                 "digits",
                                 r->arg[0]);
        if (r->check_only)
                return 0;
        /* The size first: a range is read against it. */
        /* A sealed attachment decrypted only for a caller shown the
         * report's content (pengelola, the token): others get what a
         * relay holds, the ciphertext. */
        err = app_blob_read_as(r->s->n, root, !r->redact, 0, 0, &r->text, &size,
                               msg);
        if (err == ERR_BLOB_MISSING)
                return blob_wait(r, root);
        if (err)
                return http_fail(r, err, "%s", msg);
        if (range && (rc = range_parse(range, size, &off, &len)) == 1) {
                snprintf(r->content_range, sizeof(r->content_range),
                         "bytes */%llu", (unsigned long long)size);
                r->status = 416;
                r->ctype = "text/plain";
                buf_adds(&r->text, "range not satisfiable\n");
                return 0;
        }
        if ((err = app_blob_read_as(r->s->n, root, !r->redact, off, len,
                                    &r->text, &size, msg)))
                return http_fail(r, err, "%s", msg);
        r->ctype = "application/octet-stream";
        r->status = 200;
        if (rc == 0) {
                r->status = 206;
                snprintf(r->content_range, sizeof(r->content_range),
                         "bytes %llu-%llu/%llu", (unsigned long long)off,
                         (unsigned long long)(off + r->text.len - 1),
                         (unsigned long long)size);
        }
        return 0;
}

/*
 * POST /api/blobs: the request body (a file, at most [blobs]
 * upload_max_bytes) stored as a blob; 201 {"root", "size"}. The root then
 * goes into an item's attachments (POST /api/items); a blob no item names
 * is collected by simpul gc.
 */
int
http_blob_upload(struct http_req *r)
{
        static const char *const no_query[] = {NULL};
        char msg[APP_ERR_MAX], hex[65];
        uint8_t root[32];
        int err;

        if ((err = http_query_check(r, no_query)))
                return err;
        if (r->body.len == 0)
                return http_fail(r, ERR_HTTP_BAD_VALUE, "the body is empty");
        if (r->check_only)
                return 0;
        if ((err = app_blob_put(r->s->n, buf_slice(&r->body), root, msg)))
                return http_fail(r, err, "%s", msg);
        hex_encode(hex, root, 32);
        r->status = 201;
        r->out = json_pack("{s:s, s:I}", "root", hex, "size",
                           (json_int_t)r->body.len);
        return 0;
}
