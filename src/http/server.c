/*
 * server: libmicrohttpd in threads of its own (see http.h), and the life
 * of one request: route, access, body limits, the handler, the reply and
 * its one log line.
 *
 * MHD calls on_request at least twice for a request with a body: once
 * when the headers are in (route, Host, token, Content-Type and
 * Content-Length are checked then, and a refusal is queued at once, so a
 * refused body is never read), once per chunk of the body, and once at the
 * end (the handler runs then). A request without a body is answered at
 * the first call.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "http_int.h"

#define LISTEN_BACKLOG 32
#define LOG_PATH_MAX 96U

/* ---- errors ------------------------------------------------------------- */

static const struct {
        int err;
        unsigned status;
} statuses[] = {
    {ERR_HTTP_BAD_JSON, 400},
    {ERR_HTTP_BAD_TYPE, 400},
    {ERR_HTTP_UNKNOWN_FIELD, 400},
    {ERR_HTTP_MISSING_FIELD, 400},
    {ERR_HTTP_BAD_VALUE, 400},
    {ERR_USAGE, 400},
    {ERR_REGION, 400},
    {ERR_AUDIENCE_SHAPE, 400},
    {ERR_KIND, 400},
    {ERR_BODY, 400},
    {ERR_TOO_BIG, 400},
    {ERR_AMBIGUOUS, 400},
    {ERR_KIM_BODY, 400},
    {ERR_KIM_AUDIENCE, 400},
    {ERR_KEY, 400},
    {ERR_HTTP_TOKEN, 401},
    {ERR_AUTHOR_RULE, 403},
    {ERR_KIM_ROLE, 403},
    {ERR_HTTP_ORIGIN, 403},
    {ERR_NOT_ENROLLED, 403},
    {ERR_REVOKED, 403},
    {ERR_NOT_ISSUER, 403},
    {ERR_CERT, 403},
    {ERR_CERT_EXPIRED, 403},
    {ERR_UNKNOWN_AUTHOR, 403},
    {ERR_NOT_FOUND, 404},
    {ERR_KIM_NOT_FOUND, 404},
    {ERR_HTTP_NOT_FOUND, 404},
    {ERR_HTTP_METHOD, 405},
    {ERR_KIM_STEP, 409},
    {ERR_KIM_SEALED, 409},
    {ERR_FROZEN, 409},
    {ERR_FORK, 409},
    {ERR_HTTP_LENGTH, 411},
    {ERR_HTTP_TOO_BIG, 413},
    {ERR_BLOB_MISSING, 404},
    {ERR_BLOB_SEALED, 422}, /* the author's ciphertext does not open */
    {ERR_HTTP_MEDIA_TYPE, 415},
    {ERR_HTTP_HOST, 421},
    {ERR_RESTORED, 503},
    {ERR_STORE_FULL, 507},
    {ERR_NOT_SET_UP, 503},
    {ERR_SETUP_CODE, 403},
    {ERR_SETUP_RATE, 429},
    {ERR_SETUP_DONE, 409},
    {ERR_LOGIN_BAD, 401},
    {ERR_LOGIN_NEEDED, 401},
    {ERR_LOGIN_RATE, 429},
    {ERR_LOGIN_ROLE, 403},
    {ERR_LOGIN_CSRF, 403},
    {ERR_EXPORT_NO_XLSX, 501},
    {ERR_NO_QR, 501},
    {ERR_EXISTS, 409},
    {ERR_NETWORK, 403},
    {ERR_USER_EXISTS, 409},
    {ERR_USER_LAST_ADMIN, 409},
};

unsigned
http_status_of(int err)
{
        for (size_t i = 0; i < ARRAY_LEN(statuses); i++)
                if (statuses[i].err == err)
                        return statuses[i].status;
        return 500; /* store failures, and anything not foreseen */
}

int
http_fail(struct http_req *r, int err, const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(r->msg, sizeof(r->msg), fmt, ap);
        va_end(ap);
        /* Messages quote what the client sent: printable ASCII only, so a
         * log line stays one line and the JSON reply valid UTF-8. */
        for (char *p = r->msg; *p; p++)
                if (*p < 0x20 || *p > 0x7e)
                        *p = '?';
        return err;
}

const char *
http_query(struct http_req *r, const char *name)
{
        if (!r->conn || r->sub) {
                for (size_t i = 0; i < r->n_query; i++)
                        if (!strcmp(r->query[i].name, name))
                                return r->query[i].value;
                return NULL;
        }
        return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND,
                                           name);
}

static const char *
header(struct http_req *r, const char *name)
{
        if (!r->conn) { /* header names ignore case, as MHD's lookup does */
                for (size_t i = 0; i < r->n_headers; i++)
                        if (!strcasecmp(r->headers[i].name, name))
                                return r->headers[i].value;
                return NULL;
        }
        return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

const char *
http_header(struct http_req *r, const char *name)
{
        return header(r, name);
}

/* ---- the request's state ------------------------------------------------- */

static void
client_of(struct http_req *r)
{
        const union MHD_ConnectionInfo *ci = MHD_get_connection_info(
            r->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
        const struct sockaddr *sa = ci ? ci->client_addr : NULL;
        char host[INET6_ADDRSTRLEN] = "?";

        r->loopback = false;
        if (sa && sa->sa_family == AF_INET) {
                const struct sockaddr_in *in = (const void *)sa;
                inet_ntop(AF_INET, &in->sin_addr, host, sizeof(host));
                r->loopback = (ntohl(in->sin_addr.s_addr) >> 24) == 127;
                snprintf(r->client, sizeof(r->client), "%s:%u", host,
                         ntohs(in->sin_port));
        } else if (sa && sa->sa_family == AF_INET6) {
                const struct sockaddr_in6 *in6 = (const void *)sa;
                inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof(host));
                r->loopback = IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr) ||
                              (IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr) &&
                               in6->sin6_addr.s6_addr[12] == 127);
                snprintf(r->client, sizeof(r->client), "[%s]:%u", host,
                         ntohs(in6->sin6_port));
        } else {
                snprintf(r->client, sizeof(r->client), "?");
        }
}

static struct http_req *
req_new(struct http_server *s, struct MHD_Connection *conn, const char *url,
        const char *method)
{
        struct http_req *r = xcalloc(1, sizeof(*r));

        r->s = s;
        r->conn = conn;
        r->start_ms = time_now_ms();
        r->status = 200;
        snprintf(r->method, sizeof(r->method), "%s", method);
        r->path = xstrdup(url);
        client_of(r);
        return r;
}

void
http_req_free(struct http_req *r)
{
        free(r->path);
        free(r->seg_copy);
        buf_wipe_release(&r->body); /* a reporter, rahasia text */
        buf_wipe_release(&r->text); /* an export holds personal data */
        buf_wipe_release(&r->json);
        json_decref(r->in);
        json_decref(r->out);
        free(r);
}

/* The path for a log line: printable ASCII, cut at LOG_PATH_MAX. */
static void
log_path(const char *p, char out[LOG_PATH_MAX + 4])
{
        size_t i;

        for (i = 0; p[i] && i < LOG_PATH_MAX; i++)
                out[i] = (p[i] > 0x20 && p[i] < 0x7f) ? p[i] : '?';
        if (p[i])
                out[i++] = '.', out[i++] = '.';
        out[i] = 0;
}

/* ---- routing -------------------------------------------------------------
 */

static void
split(struct http_req *r)
{
        char *p;

        r->seg_copy = xstrdup(r->path);
        p = r->seg_copy;
        r->n_segs = 0;
        if (*p == '/')
                p++;
        if (!*p)
                return; /* "/" */
        for (;;) {
                if (r->n_segs == HTTP_SEGS_MAX) {
                        r->n_segs = HTTP_SEGS_MAX + 1; /* matches nothing */
                        return;
                }
                r->segs[r->n_segs++] = p;
                p = strchr(p, '/');
                if (!p)
                        return;
                *p++ = 0;
        }
}

/* Does the route's pattern match r's segments? Fills r->arg. */
static bool
pattern_match(struct http_req *r, const char *pattern)
{
        const char *p = pattern + 1;
        size_t i = 0, n_arg = 0;

        if (!*p)
                return r->n_segs == 0;
        while (*p) {
                size_t len = strcspn(p, "/");
                if (i >= r->n_segs)
                        return false;
                if (len == 1 && *p == '*') {
                        if (!r->segs[i][0] || n_arg == ARRAY_LEN(r->arg))
                                return false;
                        r->arg[n_arg++] = r->segs[i];
                } else if (strlen(r->segs[i]) != len ||
                           memcmp(r->segs[i], p, len)) {
                        return false;
                }
                i++;
                p += len;
                if (*p == '/')
                        p++;
        }
        return i == r->n_segs;
}

static int
route_find(struct http_req *r)
{
        const char *m = strcmp(r->method, "HEAD") ? r->method : "GET";
        bool known = false;
        size_t used = 0;

        split(r);
        for (const struct route *rt = r->s->setup ? http_setup_routes
                                                  : http_routes;
             rt->method; rt++) {
                if (!pattern_match(r, rt->pattern))
                        continue;
                if (!strcmp(rt->method, m)) {
                        r->route = rt;
                        return 0;
                }
                known = true;
                used +=
                    (size_t)snprintf(r->allow + used, sizeof(r->allow) - used,
                                     "%s%s", used ? ", " : "", rt->method);
                if (used >= sizeof(r->allow))
                        used = sizeof(r->allow) - 1;
        }
        if (known)
                return http_fail(r, ERR_HTTP_METHOD,
                                 "%s is not allowed on this path, only %s",
                                 r->method, r->allow);
        if (r->s->setup) /* no node yet: nothing else to serve */
                return http_fail(r, ERR_NOT_SET_UP,
                                 "this node is not set up yet: GET or POST "
                                 "/api/setup");
        return ERR_HTTP_NOT_FOUND;
}

/* ---- access -------------------------------------------------------------- */

/* Does name (n bytes, brackets stripped) name a loopback host? */
static bool
name_loopback(const char *h, size_t n)
{
        return (n == 9 && !strncasecmp(h, "localhost", 9)) ||
               (n == 3 && !strncmp(h, "::1", 3)) ||
               (n >= 7 && !strncmp(h, "127.", 4) &&
                strspn(h, "0123456789.") == n);
}

/* Is name the address this connection came in on (an IP literal)? */
static bool
name_local(struct http_req *r, const char *h, size_t n)
{
        const union MHD_ConnectionInfo *ci;
        struct sockaddr_storage ss;
        socklen_t len = sizeof(ss);
        char host[INET6_ADDRSTRLEN] = "";
        const char *p = host;

        if (!r->conn) /* no socket: no address */
                return false;
        ci =
            MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_CONNECTION_FD);
        if (!ci || getsockname(ci->connect_fd, (struct sockaddr *)&ss, &len))
                return false;
        if (ss.ss_family == AF_INET)
                inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, host,
                          sizeof(host));
        else if (ss.ss_family == AF_INET6)
                inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr,
                          host, sizeof(host));
        if (!strncmp(p, "::ffff:", 7) && strchr(p, '.'))
                p += 7; /* a v4 client on a v6 socket */
        return host[0] && strlen(p) == n && !strncasecmp(p, h, n);
}

/* Is name one of [http] hosts? */
static bool
name_listed(struct http_req *r, const char *h, size_t n)
{
        const char *p = r->s->n ? r->s->n->config.http_hosts : "";
        size_t len;

        for (;;) {
                p += strspn(p, ", \t");
                if (!*p)
                        return false;
                len = strcspn(p, ", \t");
                if (len == n && !strncasecmp(p, h, n))
                        return true;
                p += len;
        }
}

/*
 * The Host header must name this node, whatever address it listens on: a
 * loopback name, the address the client connected to, or a name of
 * [http] hosts. A DNS-rebinding page names its own host. A request
 * without Host (HTTP/1.0: no browser sends one) passes.
 */
static bool
host_ok(struct http_req *r)
{
        const char *h = header(r, MHD_HTTP_HEADER_HOST);
        size_t n;

        if (!h)
                return true;
        if (h[0] == '[') {
                h++;
                n = strcspn(h, "]");
                if (h[n] != ']' || (h[n + 1] && h[n + 1] != ':'))
                        return false;
        } else {
                n = strcspn(h, ":");
        }
        if (!n)
                return false;
        return name_loopback(h, n) || name_local(r, h, n) ||
               name_listed(r, h, n);
}

/*
 * A browser names the page that sent a request in Origin. Only this
 * node's own pages (Origin = the scheme and the Host reached) may send
 * requests: any other origin is refused, so no page of another site can
 * write, and no CORS preflight is ever answered with a permission.
 */
static bool
origin_ok(struct http_req *r)
{
        const char *o = header(r, "Origin");
        const char *h = header(r, MHD_HTTP_HEADER_HOST);

        if (!o)
                return true;
        if (!h)
                return false;
        if (!strncasecmp(o, "http://", 7))
                o += 7;
        else if (!strncasecmp(o, "https://", 8))
                o += 8;
        else
                return false; /* "null" and the like */
        return !strcasecmp(o, h);
}

/* Compares in time independent of where the strings differ. */
static bool
same_secret(const char *a, const char *b, size_t n)
{
        volatile unsigned char d = 0;

        for (size_t i = 0; i < n; i++)
                d |= (unsigned char)a[i] ^ (unsigned char)b[i];
        return d == 0;
}

static int
token_check(struct http_req *r)
{
        const char *h = header(r, MHD_HTTP_HEADER_AUTHORIZATION);
        char want[APP_TOKEN_HEX + 1];
        int err;

        if (!h)
                return http_fail(r, ERR_HTTP_TOKEN,
                                 "no Authorization header: give the API "
                                 "token, or log in (POST /api/login)");
        if (strncasecmp(h, "Bearer ", 7))
                return http_fail(r, ERR_HTTP_TOKEN,
                                 "Authorization is not a Bearer token");
        h += 7;
        while (*h == ' ')
                h++;
        if ((err = app_token_read(r->s->n->dir, want)))
                return http_fail(r, ERR_HTTP_TOKEN,
                                 "this node's token cannot be read (%s): run "
                                 "simpul token rotate",
                                 err_id(err));
        if (strlen(h) != APP_TOKEN_HEX || !same_secret(h, want, APP_TOKEN_HEX))
                return http_fail(r, ERR_HTTP_TOKEN, "wrong token");
        return 0;
}

/* A JSON body announced by its length, within the limit. */
static int
body_check(struct http_req *r)
{
        const char *ct = header(r, MHD_HTTP_HEADER_CONTENT_TYPE);
        const char *cl = header(r, MHD_HTTP_HEADER_CONTENT_LENGTH);
        const char *te = header(r, MHD_HTTP_HEADER_TRANSFER_ENCODING);
        unsigned long long n;
        char *end;

        bool upload = r->route->flags & ROUTE_UPLOAD;
        uint64_t max = upload ? app_upload_max(r->s->n) : HTTP_BODY_MAX;

        /* A DELETE names what it removes in its path: a body is optional
         * (http_req_handle reads none as {}). */
        if (!strcmp(r->method, "DELETE") && !ct && !te &&
            (!cl || !strcmp(cl, "0")))
                return 0;

        /* An upload is the file's bytes, of any type but JSON. */
        if (!upload && (!ct || strncasecmp(ct, "application/json", 16) ||
                        (ct[16] && ct[16] != ';' && ct[16] != ' ')))
                return http_fail(r, ERR_HTTP_MEDIA_TYPE,
                                 "Content-Type must be application/json");
        if (te || !cl)
                return ERR_HTTP_LENGTH;
        errno = 0;
        n = strtoull(cl, &end, 10);
        if (errno || *end || end == cl || cl[0] == '-')
                return ERR_HTTP_LENGTH;
        if (n > max)
                return http_fail(r, ERR_HTTP_TOO_BIG,
                                 "body of %llu bytes is over the limit of "
                                 "%llu",
                                 n, (unsigned long long)max);
        /* The whole body in one block: growing it would free copies of
         * personal data unwiped (realloc). */
        r->body_max = (size_t)n;
        buf_grow(&r->body, r->body_max);
        return 0;
}

/*
 * Who is asking, and may they (auth.c's table says what each route
 * needs): a caller with the token has every right (r->authed); a wrong
 * token is refused wherever it is sent. Else a session cookie gives its
 * account's role (and a state-changing request with it must carry the
 * session's CSRF token). Personal data is shown to the token and to
 * pengelola and admin only (r->redact). Someone without either gets what
 * is public, and on this machine the node's workings (NEED_LOCAL).
 */
static int
access_check(struct http_req *r)
{
        bool open = r->route->flags & ROUTE_OPEN;
        enum http_need need;
        int err;

        /* No node, no token: the setup code is the credential; and the
         * routes while setting up hold nothing of a node (setup.c). */
        if (r->route->flags & ROUTE_SETUP || r->s->setup)
                return 0;
        if (header(r, MHD_HTTP_HEADER_AUTHORIZATION) && !open) {
                if ((err = token_check(r)))
                        return err;
                r->authed = true;
                return 0;
        }
        if ((err = http_session_check(r)))
                return err;
        r->redact = r->role < APP_ROLE_PENGELOLA;
        need = http_access_need(r->route);
        if (need == NEED_PUBLIC || (need == NEED_LOCAL && r->loopback))
                return 0;
        if (r->role == APP_ROLE_NONE && !r->stale)
                return token_check(r); /* as before accounts: HTTP-TOKEN */
        if (need == NEED_ADMIN)
                return http_role_require(r, APP_ROLE_ADMIN);
        if (need == NEED_PENGELOLA)
                return http_role_require(r, APP_ROLE_PENGELOLA);
        return http_role_require(r, APP_ROLE_ANGGOTA);
}

int
http_req_start(struct http_req *r)
{
        int err;

        if (!host_ok(r))
                return http_fail(r, ERR_HTTP_HOST,
                                 "Host must name this node (localhost, the "
                                 "address connected to, or a name of [http] "
                                 "hosts)");
        if (!origin_ok(r))
                return http_fail(r, ERR_HTTP_ORIGIN,
                                 "requests from pages of another site are "
                                 "refused (Origin is not this node)");
        if ((err = route_find(r)) || (err = access_check(r)))
                return err;
        if (r->route->flags & (ROUTE_WRITE | ROUTE_SETUP | ROUTE_LOGIN))
                return body_check(r);
        return 0;
}

/* ---- replies ------------------------------------------------------------- */

void
http_req_error(struct http_req *r, int err)
{
        char path[LOG_PATH_MAX + 4];

        r->status = http_status_of(err);
        if (!r->msg[0])
                snprintf(r->msg, sizeof(r->msg), "%s", err_str(err));
        json_decref(r->out);
        buf_wipe_release(&r->json);
        r->out = json_pack("{s:{s:s, s:s}}", "error", "code", err_id(err),
                           "message", r->msg);
        if (!r->out) /* cannot happen: r->msg is ASCII (http_fail) */
                r->out = json_pack("{s:{s:s, s:s}}", "error", "code",
                                   err_id(err), "message", err_str(err));
        r->file = slice_make(NULL, 0);
        r->text.len = 0;
        log_path(r->path, path);
        log_warn(err_id(err), "http %s %s %s: %u %s", r->client, r->method,
                 path, r->status, r->msg);
        uv_mutex_lock(&r->s->count_lock);
        r->s->refused++;
        uv_mutex_unlock(&r->s->count_lock);
}

/* Replies this long or longer are gzipped for a client that takes it;
 * shorter ones gain less than the gzip header costs. */
#define HTTP_GZIP_MIN 1024U

/*
 * A JSON reply (text, NUL-terminated; taken over) gzipped for a client
 * that takes it, as the bytes MHD sends; *gz says whether it was. Both
 * copies are wiped when freed: a reply may hold personal data.
 */
static struct MHD_Response *
json_response(struct http_req *r, char *s, bool *gz)
{
        struct MHD_Response *resp;
        struct buf z = BUF_INIT;
        size_t n = strlen(s);

        *gz = false;
        if (n >= HTTP_GZIP_MIN && !r->no_gzip && http_takes_gzip(r) &&
            !http_gzip(s, n, &z)) {
                mem_wipe_free(s);
                s = (char *)z.data;
                n = z.len;
                *gz = true;
        }
        resp = MHD_create_response_from_buffer_with_free_callback(
            n, s, mem_wipe_free);
        if (!resp)
                abort(); /* out of memory */
        return resp;
}

static struct MHD_Response *
response_make(struct http_req *r)
{
        struct MHD_Response *resp;
        bool gz = r->file_gzip;
        /* JSON, the UI files and the page come gzipped or not */
        bool varies = r->out || r->json.data || r->file.ptr || r->csp;
        char *s;

        if (r->out || r->json.data) {
                if (r->out) {
                        s = json_dumps(r->out,
                                       JSON_COMPACT | JSON_ENSURE_ASCII);
                        if (!s)
                                abort(); /* out of memory */
                } else { /* MHD frees it (wiped) when it is sent */
                        s = (char *)r->json.data;
                        buf_init(&r->json);
                }
                resp = json_response(r, s, &gz);
                r->ctype = "application/json; charset=utf-8";
        } else if (r->file.ptr) {
                resp = MHD_create_response_from_buffer(
                    r->file.len, (void *)r->file.ptr, MHD_RESPMEM_PERSISTENT);
        } else if (r->text.data) {
                /* MHD frees it (wiped: an export holds personal data). */
                s = (char *)r->text.data;
                resp = MHD_create_response_from_buffer_with_free_callback(
                    r->text.len, s, mem_wipe_free);
                buf_init(&r->text);
        } else {
                resp = MHD_create_response_from_buffer(0, (void *)"",
                                                       MHD_RESPMEM_PERSISTENT);
        }
        if (!resp)
                abort(); /* out of memory */
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
                                r->ctype ? r->ctype : "text/plain");
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL,
                                "no-store");
        MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
        MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
        MHD_add_response_header(resp, "X-Frame-Options", "DENY");
        if (varies) /* a cache must not give one client's form to another */
                MHD_add_response_header(resp, "Vary", "Accept-Encoding");
        if (gz)
                MHD_add_response_header(resp, "Content-Encoding", "gzip");
        if (r->file.ptr || r->csp)
                MHD_add_response_header(
                    resp, "Content-Security-Policy",
                    r->csp ? r->csp
                           : "default-src 'self'; img-src 'self' blob:; "
                             "frame-ancestors 'none'");
        if (r->content_range[0]) {
                MHD_add_response_header(resp, "Content-Range",
                                        r->content_range);
                MHD_add_response_header(resp, "Accept-Ranges", "bytes");
        }
        if (r->disposition[0])
                MHD_add_response_header(resp, "Content-Disposition",
                                        r->disposition);
        if (r->status == 405 && r->allow[0])
                MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, r->allow);
        if (r->status == 401)
                MHD_add_response_header(resp, MHD_HTTP_HEADER_WWW_AUTHENTICATE,
                                        "Bearer");
        if (r->set_cookie[0])
                MHD_add_response_header(resp, MHD_HTTP_HEADER_SET_COOKIE,
                                        r->set_cookie);
        return resp;
}

/* Queues the reply (an error when err): the request's last word. */
static enum MHD_Result
reply(struct http_req *r, int err)
{
        struct MHD_Response *resp;
        enum MHD_Result ret;
        char path[LOG_PATH_MAX + 4];

        if (err)
                http_req_error(r, err);
        else if (!r->out && !r->json.data && !r->file.ptr && !r->text.len &&
                 r->status == 200)
                r->out = json_object(); /* a handler with nothing to say */
        resp = response_make(r);
        ret = MHD_queue_response(r->conn, r->status, resp);
        MHD_destroy_response(resp);
        r->answered = true;
        if (!err) {
                log_path(r->path, path);
                log_debug("HTTP-REQUEST", "http %s %s %s: %u in %llu ms",
                          r->client, r->method, path, r->status,
                          (unsigned long long)(time_now_ms() - r->start_ms));
        }
        return ret;
}

int
http_req_handle(struct http_req *r)
{
        json_error_t je;
        int err;

        if (r->route->flags & ROUTE_UPLOAD) {
                uv_mutex_lock(&r->s->write_lock);
                err = r->route->fn(r);
                uv_mutex_unlock(&r->s->write_lock);
                return err;
        }
        if (r->route->flags & (ROUTE_WRITE | ROUTE_SETUP | ROUTE_LOGIN)) {
                r->in =
                    !r->body.len && !strcmp(r->method, "DELETE")
                        ? json_object()
                        : json_loadb((const char *)r->body.data, r->body.len,
                                     JSON_REJECT_DUPLICATES, &je);
                if (!r->in)
                        return http_fail(r, ERR_HTTP_BAD_JSON,
                                         "body is not JSON: %s at byte %d",
                                         je.text, je.position);
                if (!json_is_object(r->in))
                        return http_fail(r, ERR_HTTP_BAD_JSON,
                                         "body must be a JSON object");
                uv_mutex_lock(&r->s->write_lock);
                err = r->route->fn(r);
                uv_mutex_unlock(&r->s->write_lock);
                return err;
        }
        return r->route->fn(r);
}

int
http_subrequest(struct http_req *r, const char *path,
                const struct http_pair *query, size_t n_query, struct buf *out)
{
        struct http_req *sub = xcalloc(1, sizeof(*sub));
        char *s = NULL;
        int err;

        sub->s = r->s;
        sub->conn = r->conn; /* its headers: the same client, same rights */
        sub->headers = r->headers;
        sub->n_headers = r->n_headers;
        sub->query = query;
        sub->n_query = n_query;
        sub->sub = true;
        sub->check_only = r->check_only;
        sub->start_ms = r->start_ms;
        sub->status = 200;
        sub->loopback = r->loopback;
        memcpy(sub->client, r->client, sizeof(sub->client));
        snprintf(sub->method, sizeof(sub->method), "GET");
        sub->path = xstrdup(path);
        if ((err = http_req_start(sub)) || (err = http_req_handle(sub)))
                goto out;
        if (sub->status != 200) {
                err = ERR_HTTP_NOT_FOUND;
        } else if (sub->out) {
                if (!(s = json_dumps(sub->out,
                                     JSON_COMPACT | JSON_ENSURE_ASCII)))
                        abort(); /* out of memory */
                buf_adds(out, s);
                mem_wipe_free(s);
        } else if (sub->json.data) {
                buf_add(out, sub->json.data,
                        strnlen((const char *)sub->json.data, sub->json.len));
        } else {
                err = ERR_HTTP_NOT_FOUND; /* not a JSON reply */
        }
out:
        http_req_free(sub);
        return err;
}

static enum MHD_Result
on_request(void *cls, struct MHD_Connection *conn, const char *url,
           const char *method, const char *version, const char *upload,
           size_t *upload_size, void **con_cls)
{
        struct http_server *s = cls;
        struct http_req *r = *con_cls;
        int err;

        (void)version;
        if (!r) {
                r = req_new(s, conn, url, method);
                *con_cls = r;
                uv_mutex_lock(&s->count_lock);
                s->requests++;
                uv_mutex_unlock(&s->count_lock);
                if ((err = http_req_start(r)))
                        return reply(r, err); /* the body is never read */
                /* Answered at the next call, the request whole: a reply
                 * queued at this first call makes MHD close the connection
                 * after it, and every request would cost a village link
                 * one more round trip (a new TCP connection). */
                return MHD_YES;
        }
        if (r->answered) {
                *upload_size = 0;
                return MHD_YES;
        }
        if (*upload_size &&
            !(r->route->flags & (ROUTE_WRITE | ROUTE_SETUP | ROUTE_LOGIN))) {
                *upload_size = 0; /* a read takes no body: dropped */
                return MHD_YES;
        }
        if (*upload_size) {
                /* MHD keeps to the Content-Length checked above. */
                if (*upload_size > r->body_max - r->body.len)
                        return MHD_NO;
                buf_add(&r->body, upload, *upload_size);
                /* MHD's read buffer is reused, not wiped: wipe what was
                 * copied out of it. */
                explicit_bzero((char *)upload, *upload_size);
                *upload_size = 0;
                return MHD_YES;
        }
        return reply(r, http_req_handle(r));
}

static void
on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
             enum MHD_RequestTerminationCode toe)
{
        struct http_req *r = *con_cls;
        char path[LOG_PATH_MAX + 4];

        (void)conn;
        if (!r)
                return;
        /* The node is made and its reply is out (or its client gone):
         * run may stop this server and serve the node. */
        if (r->setup_made)
                app_setup_finish(((struct http_server *)cls)->setup);
        if (!r->answered || toe != MHD_REQUEST_TERMINATED_COMPLETED_OK) {
                log_path(r->path, path);
                log_debug("HTTP-ABORTED", "http %s %s %s: ended early (%d)",
                          r->client, r->method, path, (int)toe);
        }
        http_req_free(r);
        *con_cls = NULL;
}

static void
on_mhd_log(void *cls, const char *fmt, va_list ap)
{
        char line[256];
        size_t n;

        (void)cls;
        vsnprintf(line, sizeof(line), fmt, ap);
        n = strlen(line);
        while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
                line[--n] = 0;
        log_debug("HTTP-MHD", "%s", line);
}

/* ---- start and stop -------------------------------------------------------
 */

/* Binds and listens; the socket goes to MHD, which closes it at stop. */
static int
listen_socket(struct http_server *s, const struct sockaddr_storage *ss,
              int *out)
{
        socklen_t len = ss->ss_family == AF_INET6 ? sizeof(struct sockaddr_in6)
                                                  : sizeof(struct sockaddr_in);
        struct sockaddr_storage bound;
        char host[INET6_ADDRSTRLEN];
        int fd, one = 1, err;

        fd = socket(ss->ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
                    0);
        if (fd < 0)
                return -errno;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        if (bind(fd, (const struct sockaddr *)ss, len) ||
            listen(fd, LISTEN_BACKLOG)) {
                err = -errno;
                close(fd);
                return err;
        }
        len = sizeof(bound);
        if (getsockname(fd, (struct sockaddr *)&bound, &len)) {
                err = -errno;
                close(fd);
                return err;
        }
        if (bound.ss_family == AF_INET6) {
                const struct sockaddr_in6 *in6 = (const void *)&bound;
                inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof(host));
                s->port = ntohs(in6->sin6_port);
                snprintf(s->address, sizeof(s->address), "[%s]:%u", host,
                         s->port);
        } else {
                const struct sockaddr_in *in = (const void *)&bound;
                inet_ntop(AF_INET, &in->sin_addr, host, sizeof(host));
                s->port = ntohs(in->sin_port);
                snprintf(s->address, sizeof(s->address), "%s:%u", host,
                         s->port);
        }
        *out = fd;
        return 0;
}

static int
token_ensure(struct node *n)
{
        char tok[APP_TOKEN_HEX + 1];
        int err = app_token_read(n->dir, tok);

        if (err == ERR_NOT_FOUND) {
                if ((err = app_token_new(n->dir, tok)))
                        return err;
                log_info("HTTP-TOKEN", "made a new API token in %s/%s", n->dir,
                         APP_TOKEN_FILE);
        }
        explicit_bzero(tok, sizeof(tok));
        return err;
}

/* Binds what ss names and starts MHD on it for s (allocated by the
 * caller, freed here on failure). what is the configuration's name for
 * the address, for the log. */
static void
server_free(struct http_server *s)
{
        if (s->own_sessions)
                app_sessions_free(s->sessions);
        buf_wipe_release(&s->tls_cert);
        buf_wipe_release(&s->tls_key);
        free(s);
}

static int
serve(struct http_server **out, struct http_server *s,
      const struct sockaddr_storage *ss, const char *what, unsigned per_addr)
{
        unsigned flags = MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_ERROR_LOG;
        /* HTTPS: libmicrohttpd's GnuTLS, the PEM from [http] tls_*. */
        struct MHD_OptionItem tls[] = {
            {MHD_OPTION_HTTPS_MEM_CERT, 0, s->tls_cert.data},
            {MHD_OPTION_HTTPS_MEM_KEY, 0, s->tls_key.data},
            {MHD_OPTION_END, 0, NULL},
        };
        int fd = -1, err;

        s->started_ms = time_now_ms();
        if ((err = listen_socket(s, ss, &fd))) {
                log_warn("HTTP-LISTEN",
                         "cannot listen on %s: %s: running without the HTTP "
                         "API",
                         what, err_str(err));
                server_free(s);
                return err;
        }
        if (uv_mutex_init(&s->write_lock) || uv_mutex_init(&s->count_lock))
                abort();     /* cannot happen on Linux */
        json_object_seed(0); /* before the threads: jansson's hash seed */
        /* JSON in and out holds personal data: jansson wipes what it frees
         * (main has done so for the whole process already). */
        json_set_alloc_funcs(malloc, mem_wipe_free);
        if (ss->ss_family == AF_INET6)
                flags |= MHD_USE_IPv6;
        if (s->tls)
                flags |= MHD_USE_TLS;
        s->mhd = MHD_start_daemon(
            flags, 0, NULL, NULL, on_request, s, MHD_OPTION_EXTERNAL_LOGGER,
            on_mhd_log, s, MHD_OPTION_LISTEN_SOCKET, fd,
            MHD_OPTION_THREAD_POOL_SIZE, (unsigned)HTTP_THREADS,
            MHD_OPTION_CONNECTION_LIMIT, (unsigned)HTTP_CONNECTIONS_MAX,
            MHD_OPTION_PER_IP_CONNECTION_LIMIT, per_addr,
            MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)HTTP_IDLE_TIMEOUT_S,
            MHD_OPTION_NOTIFY_COMPLETED, on_completed, s, MHD_OPTION_ARRAY,
            s->tls ? tls : tls + 2, MHD_OPTION_END);
        if (!s->mhd) {
                log_warn("HTTP-LISTEN",
                         "cannot start the HTTP server on %s: running "
                         "without the HTTP API",
                         s->address);
                close(fd);
                uv_mutex_destroy(&s->write_lock);
                uv_mutex_destroy(&s->count_lock);
                server_free(s);
                return -EIO;
        }
        log_info("HTTP-LISTEN", "HTTP %s on %s://%s/",
                 s->setup ? "setup API" : "API", s->tls ? "https" : "http",
                 s->address);
        *out = s;
        return 0;
}

int
http_start(struct http_server **out, struct node *n, struct daemon_stats *stats,
           struct app_sessions *sessions)
{
        struct sockaddr_storage ss;
        char msg[APP_ERR_MAX];
        struct http_server *s;
        int err;

        *out = NULL;
        if ((err = app_http_listen(n, &ss))) {
                log_warn("HTTP-LISTEN",
                         "[http] listen '%s' is not host:port: running "
                         "without the HTTP API",
                         n->config.http_listen);
                return err;
        }
        if ((err = token_ensure(n))) {
                log_warn("HTTP-TOKEN",
                         "cannot make %s/%s: %s: running without the HTTP "
                         "API",
                         n->dir, APP_TOKEN_FILE, err_str(err));
                return err;
        }
        s = xcalloc(1, sizeof(*s));
        if ((err = app_http_tls(n, &s->tls_cert, &s->tls_key, msg))) {
                log_warn("HTTP-TLS", "%s: running without the HTTP API", msg);
                free(s);
                return err;
        }
        s->tls = s->tls_cert.len > 0;
        s->n = n;
        s->stats = stats;
        s->own_sessions = !sessions;
        s->sessions = sessions ? sessions : app_sessions_new();
        return serve(out, s, &ss, n->config.http_listen,
                     (unsigned)n->config.http_per_addr);
}

int
http_setup_start(struct http_server **out, struct app_setup *setup)
{
        struct sockaddr_storage ss;
        struct http_server *s;
        int err;

        *out = NULL;
        if ((err = app_addr_parse(setup->listen, &ss))) {
                log_error("HTTP-LISTEN",
                          "setup address '%s' is not host:port (%s)",
                          setup->listen, HTTP_SETUP_LISTEN_ENV);
                return err;
        }
        s = xcalloc(1, sizeof(*s));
        s->setup = setup;
        return serve(out, s, &ss, setup->listen, NODE_HTTP_PER_ADDR);
}

void
http_stop(struct http_server *s)
{
        if (!s)
                return;
        MHD_stop_daemon(s->mhd);
        uv_mutex_destroy(&s->write_lock);
        uv_mutex_destroy(&s->count_lock);
        log_info("HTTP-STOP", "http server on %s stopped", s->address);
        server_free(s);
}

const char *
http_address(const struct http_server *s)
{
        return s->address;
}
