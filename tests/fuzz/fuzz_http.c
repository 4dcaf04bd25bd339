/*
 * fuzz_http: libFuzzer target for what src/http makes of the bytes of a
 * request, without a socket, MHD or a store: the Host and Origin checks,
 * the route from the path, the token and the body's headers
 * (http_req_start), then the JSON body and the query parameters as each
 * route's handler parses them (http_req_handle with check_only: POST
 * /api/items of every kind, steps, responses, revisions, decisions; the
 * lists' filters and cursors; ids in paths), and the error reply.
 *
 * The input: a flags byte (bit 0: the client is on loopback; bit 1: add
 * the right "Authorization: Bearer" header; bit 2: add Content-Length
 * for the body), then "METHOD TARGET\n", header lines "Name: value\n", an
 * empty line and the body. TARGET is a path and a query string, split and
 * %-decoded here as MHD would. Besides "no crash, no sanitizer report,
 * no leak" it checks (abort() otherwise, so libFuzzer keeps the input):
 *   - a refusal is a 4xx: nothing that parsing refuses is the server's
 *     fault (no 5xx), the store never being reached;
 *   - the error reply is JSON {"error": {"code", "message"}} whose
 *     message is printable ASCII.
 *
 * (tests/fuzz/fuzz_http.py sends bad requests to a running daemon over
 * TCP; this target runs the same parsing in process, far faster.)
 *
 * Seeds: tests/fuzz/corpus/http/ (one request each). To see what each
 * input comes to: FUZZ_HTTP_VERBOSE=1 build/tests/fuzz_http -runs=0 DIR
 */
#define _GNU_SOURCE /* memmem */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/http/http_int.h"
#include "fuzz.h"

#define PAIRS_MAX 16U

static struct node node;
static struct http_server server;
static char token[APP_TOKEN_HEX + 1];
static char dir[] = "/tmp/simpul-fuzz-http-XXXXXX";

static bool verbose;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
        (void)argc;
        (void)argv;
        verbose = getenv("FUZZ_HTTP_VERBOSE") != NULL;
        log_set_level(LOG_ERROR);
        require(mkdtemp(dir) != NULL);
        require(app_token_new(dir, token) == 0);
        config_defaults(&node.config);
        strcpy(node.config.region, "36.04");
        strcpy(node.config.http_hosts, "simpul.local, 192.0.2.10");
        node.dir = dir;
        server.n = &node;
        node.config.blob_upload_max = 65536; /* POST /api/blobs bodies */
        strcpy(server.address, "127.0.0.1:7780");
        require(!uv_mutex_init(&server.write_lock) &&
                !uv_mutex_init(&server.count_lock));
        return 0;
}

/* ---- the request's parts, as MHD would hand them over --------------------
 */

struct parsed {
        char *text; /* owned: the request line and headers, NUL-split */
        struct http_pair headers[PAIRS_MAX + 2], query[PAIRS_MAX];
        size_t n_headers, n_query;
        char method[8];
        char *path;
        struct slice body;
        char length[24];
};

static int
hex_val(char c)
{
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
                return c - 'A' + 10;
        return -1;
}

/* %XX and '+' decoded in place. */
static void
unescape(char *s)
{
        char *o = s;

        for (; *s; s++) {
                if (*s == '%' && hex_val(s[1]) >= 0 && hex_val(s[2]) >= 0) {
                        *o++ = (char)(hex_val(s[1]) * 16 + hex_val(s[2]));
                        s += 2;
                } else {
                        *o++ = *s == '+' ? ' ' : *s;
                }
        }
        *o = 0;
}

static void
query_split(struct parsed *p, char *q)
{
        while (q && *q && p->n_query < PAIRS_MAX) {
                char *amp = strchr(q, '&'), *eq;
                if (amp)
                        *amp++ = 0;
                eq = strchr(q, '=');
                if (eq)
                        *eq++ = 0;
                unescape(q);
                if (eq)
                        unescape(eq);
                if (*q)
                        p->query[p->n_query++] =
                            (struct http_pair){q, eq ? eq : ""};
                q = amp;
        }
}

/* The next line of s (ends at '\n', a trailing '\r' dropped) or NULL. */
static char *
line_next(char **s)
{
        char *l = *s, *nl;

        if (!l)
                return NULL;
        nl = strchr(l, '\n');
        if (nl) {
                *nl = 0;
                *s = nl + 1;
        } else {
                *s = NULL;
        }
        if (*l && l[strlen(l) - 1] == '\r')
                l[strlen(l) - 1] = 0;
        return l;
}

static bool
parse(struct parsed *p, uint8_t flags, const uint8_t *data, size_t size)
{
        const uint8_t *end = memmem(data, size, "\n\n", 2);
        size_t head = end ? (size_t)(end - data) + 1 : size;
        char *s, *l, *sp, *q;

        memset(p, 0, sizeof(*p));
        p->text = xmalloc(head + 1);
        memcpy(p->text, data, head);
        p->text[head] = 0;
        p->body =
            end ? slice_make(end + 2, size - head - 1) : slice_make(NULL, 0);
        s = p->text;
        l = line_next(&s);
        if (!l || !(sp = strchr(l, ' ')) || sp == l || sp - l >= 8)
                return false;
        memcpy(p->method, l, (size_t)(sp - l));
        if ((q = strchr(sp + 1, '?')))
                *q++ = 0;
        p->path = sp + 1;
        if (p->path[0] != '/')
                return false; /* MHD answers those itself */
        query_split(p, q);
        while ((l = line_next(&s)) && *l && p->n_headers < PAIRS_MAX) {
                char *colon = strchr(l, ':');
                if (!colon || colon == l)
                        continue;
                *colon++ = 0;
                while (*colon == ' ' || *colon == '\t')
                        colon++;
                p->headers[p->n_headers++] = (struct http_pair){l, colon};
        }
        if (flags & 2)
                p->headers[p->n_headers++] =
                    (struct http_pair){"Authorization", NULL};
        if (flags & 4) {
                snprintf(p->length, sizeof(p->length), "%zu", p->body.len);
                p->headers[p->n_headers++] =
                    (struct http_pair){"Content-Length", p->length};
        }
        return true;
}

/* ---- the checks ----------------------------------------------------------
 */

static void
check_refusal(struct http_req *r, int err)
{
        json_t *e;
        const char *msg;
        char *text;

        http_req_error(r, err);
        require(r->status >= 400 && r->status < 500);
        e = json_object_get(r->out, "error");
        msg = json_string_value(json_object_get(e, "message"));
        require(json_string_value(json_object_get(e, "code")) && msg);
        for (const char *c = msg; *c; c++)
                require(*c >= 0x20 && *c <= 0x7e);
        text = json_dumps(r->out, JSON_COMPACT | JSON_ENSURE_ASCII);
        require(text != NULL);
        free(text);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        char auth[sizeof("Bearer ") + APP_TOKEN_HEX];
        struct http_req *r;
        struct parsed p;
        int err;

        memset(&p, 0, sizeof(p));
        if (size < 1 || !parse(&p, data[0], data + 1, size - 1)) {
                free(p.text);
                return 0;
        }
        snprintf(auth, sizeof(auth), "Bearer %s", token);
        for (size_t i = 0; i < p.n_headers; i++)
                if (!p.headers[i].value)
                        p.headers[i].value = auth;
        r = xcalloc(1, sizeof(*r));
        r->s = &server;
        r->status = 200;
        r->loopback = data[0] & 1;
        strcpy(r->client, r->loopback ? "127.0.0.1:40000" : "192.0.2.7:40000");
        memcpy(r->method, p.method, sizeof(r->method));
        r->path = xstrdup(p.path);
        r->headers = p.headers;
        r->n_headers = p.n_headers;
        r->query = p.query;
        r->n_query = p.n_query;
        r->check_only = true;
        err = http_req_start(r);
        if (!err) {
                require(r->route != NULL);
                if (r->route->flags & ROUTE_WRITE) {
                        /* MHD delivers no more than Content-Length. */
                        size_t n =
                            p.body.len < r->body_max ? p.body.len : r->body_max;
                        buf_add(&r->body, p.body.ptr, n);
                }
                err = http_req_handle(r);
        }
        if (err)
                check_refusal(r, err);
        if (verbose)
                fprintf(stderr, "fuzz_http: %s %s: %u %s %s\n", r->method,
                        r->path, r->status, err ? err_id(err) : "checked",
                        r->msg);
        http_req_free(r);
        free(p.text);
        return 0;
}
