/* post: one signed POST with libcurl (the only user of libcurl). */
#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hook_int.h"

int
post_global_init(void)
{
        return curl_global_init(CURL_GLOBAL_DEFAULT) ? -ENOMEM : 0;
}

void *
post_handle_new(void)
{
        CURL *c = curl_easy_init();

        if (!c)
                abort(); /* out of memory, as xmalloc */
        return c;
}

void
post_handle_free(void *c)
{
        curl_easy_cleanup(c);
}

/* The answer's body is not read: a receiver says all with its status. */
static size_t
discard(char *p, size_t size, size_t n, void *ctx)
{
        (void)p;
        (void)ctx;
        return size * n;
}

/* Out of memory aborts, as xmalloc does. */
static struct curl_slist *
header_add(struct curl_slist *h, const char *fmt, const char *s)
{
        char line[160];

        snprintf(line, sizeof(line), fmt, s);
        if (!(h = curl_slist_append(h, line)))
                abort();
        return h;
}

static struct curl_slist *
headers_make(const struct post_req *r)
{
        struct curl_slist *h = NULL;
        char ts[24];

        snprintf(ts, sizeof(ts), "%llu", (unsigned long long)r->ts_s);
        h = header_add(h, "%s", "Content-Type: application/json");
        h = header_add(h, "webhook-id: %s", r->id);
        h = header_add(h, "webhook-timestamp: %s", ts);
        h = header_add(h, "webhook-signature: %s", r->sig);
        h = header_add(h, "simpul-event: %s", r->type);
        /* No "Expect: 100-continue": one round trip less. */
        return header_add(h, "%s", "Expect:");
}

int
post_send(void *c, const struct post_req *r, long *status, char *why)
{
        struct curl_slist *h = headers_make(r);
        char err[CURL_ERROR_SIZE] = "";
        CURLcode rc;

        *status = 0;
        curl_easy_setopt(c, CURLOPT_URL, r->url);
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, (const char *)r->body.ptr);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
                         (curl_off_t)r->body.len);
        curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)r->timeout_ms);
        curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
        curl_easy_setopt(c, CURLOPT_USERAGENT, "simpul/" SIMPUL_VERSION);
        curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
        curl_easy_setopt(c, CURLOPT_ERRORBUFFER, err);
        rc = curl_easy_perform(c);
        if (rc == CURLE_OK)
                curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
        else
                snprintf(why, 256, "%s", err[0] ? err : curl_easy_strerror(rc));
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, NULL);
        curl_easy_setopt(c, CURLOPT_ERRORBUFFER, NULL);
        curl_slist_free_all(h);
        return 0;
}
