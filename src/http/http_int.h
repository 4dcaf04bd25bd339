/*
 * http internals shared by the files of src/http: server.c (MHD, the
 * request's life, access, limits, errors), fields.c (checking JSON bodies
 * and query parameters), routes.c (the route table and the API), metrics.c
 * (/metrics), ui.c (the embedded web UI), token.c. Not part of the module
 * API; nothing outside src/http includes it.
 *
 * A handler runs on an MHD thread with the request fully received. It
 * returns 0 with r->status and a reply (r->out, or r->text), or an error
 * code: an ERR_HTTP_* id or any err_code of the operations, mapped to an
 * HTTP status by server.c, with r->msg (http_fail) saying what exactly.
 */
#ifndef SIMPUL_HTTP_INT_H
#define SIMPUL_HTTP_INT_H

#include <jansson.h>
#include <microhttpd.h>
#include <uv.h>

#include "http.h"

#define HTTP_SEGS_MAX 6U  /* path segments of a route */
#define HTTP_MSG_MAX 240U /* bytes of an error message */

/* A POST /api/items remembered by its Idempotency-Key (idem.c). */
#define HTTP_IDEM_MAX 256U                     /* keys remembered */
#define HTTP_IDEM_KEY_MAX 64U                  /* bytes of a key */
#define HTTP_IDEM_TTL_MS (24U * 3600U * 1000U) /* how long */
struct http_idem {
        char key[HTTP_IDEM_KEY_MAX + 1]; /* "": a free slot */
        char who[APP_USER_MAX + 2];      /* the account, or "" (token) */
        char id[2 * ENTRY_HASH_BYTES + 1];
        char kind[24];
        uint64_t at_ms;
};

struct http_server {
        struct MHD_Daemon *mhd;
        struct node *n;             /* borrowed; NULL while setting up */
        struct app_setup *setup;    /* borrowed; NULL once set up */
        struct daemon_stats *stats; /* borrowed; NULL: no daemon */
        char address[NODE_ADDR_MAX];
        uint16_t port;
        uv_mutex_t write_lock; /* one write request at a time */
        uv_mutex_t count_lock; /* guards the counters */
        uint64_t requests, refused, started_ms;
        struct app_sessions *sessions; /* NULL while setting up */
        bool own_sessions;             /* sessions freed with the server */
        bool tls;                      /* served over TLS: Secure cookies */
        struct buf tls_cert, tls_key;  /* PEM for MHD (owned, wiped) */
        /* the replies of the last POST /api/items with a key (idem.c;
         * under write_lock, as every write) */
        struct http_idem idem[HTTP_IDEM_MAX];
        size_t idem_next;
};

enum route_flags {
        ROUTE_WRITE = 1,  /* the token, a JSON body, the write lock */
        ROUTE_OPEN = 2,   /* no token from other machines: holds no data */
        ROUTE_SETUP = 4,  /* a JSON body, the write lock, no token */
        ROUTE_UPLOAD = 8, /* with ROUTE_WRITE: the body is bytes, not JSON,
                             up to [blobs] upload_max_bytes */
        ROUTE_LOGIN = 16, /* a JSON body, the write lock, no credential */
};

/* What a route needs of its caller (auth.c's table); the API token has
 * every right. */
enum http_need {
        NEED_PUBLIC,    /* anyone who can reach the node */
        NEED_LOCAL,     /* this machine, or an account */
        NEED_ANGGOTA,   /* an account: anggota or above */
        NEED_PENGELOLA, /* pengelola or admin */
        NEED_ADMIN,
};

struct http_req;
typedef int (*http_handler_fn)(struct http_req *r);

/* A header or query parameter of a request given without MHD. */
struct http_pair {
        const char *name;
        const char *value;
};

struct route {
        const char *method;
        const char *pattern; /* segments; "*" matches one (r->arg[i]) */
        http_handler_fn fn;
        unsigned flags;
};

struct http_req {
        struct http_server *s;
        struct MHD_Connection *conn;
        char method[8];
        char *path;                /* owned, no query */
        char *segs[HTTP_SEGS_MAX]; /* into a copy of path */
        size_t n_segs;
        char *seg_copy;     /* owned */
        const char *arg[2]; /* the segments "*" matched */
        const struct route *route;
        char client[NODE_ADDR_MAX];
        bool loopback;
        bool authed;     /* gave the token */
        bool redact;     /* no token: hide personal data in the reply */
        bool answered;   /* a reply was queued */
        bool setup_made; /* this request made the node (setup.c) */
        /* a session (auth.c): its cookie, what it holds, the account's
         * role now; stale: a cookie of no live session */
        bool session, stale;
        enum app_role role;
        struct app_session sess;
        char cookie[APP_SESSION_HEX + 1];
        char set_cookie[160]; /* the reply's Set-Cookie, or "" */
        uint64_t start_ms;
        struct buf body; /* allocated once for body_max bytes */
        size_t body_max; /* its Content-Length */
        json_t *in;      /* the parsed body (owned) */
        /* the reply */
        unsigned status;
        json_t *out;            /* JSON reply (owned), or */
        struct buf json;        /* JSON text (app_json_*), or */
        struct buf text;        /* a text reply (/metrics), or */
        struct slice file;      /* static bytes (the UI) */
        bool file_gzip;         /* file is gzipped (Content-Encoding) */
        const char *ctype;      /* of text or file */
        char content_range[64]; /* a 206 or 416 reply's Content-Range */
        char allow[32];         /* 405: the Allow header */
        char disposition[96];   /* a download's Content-Disposition */
        char msg[HTTP_MSG_MAX]; /* the error's message; "": err_str */
        /*
         * Without MHD (conn NULL; tests/fuzz/fuzz_http.c): the headers and
         * query parameters (borrowed), and check_only: the handler parses
         * and checks all it was sent, then stops before the store and
         * before any app_* call, answering 0 with nothing.
         */
        const struct http_pair *headers, *query;
        size_t n_headers, n_query;
        bool check_only;
        /* The reply's own Content-Security-Policy (the page, page.c), or
         * NULL: the one of the UI files. */
        const char *csp;
        char csp_buf[768]; /* the page's: up to 8 script hashes */
        bool sub;          /* a sub-request of the page: query is its own */
        bool no_gzip; /* holds a secret (the CSRF token): never compressed */
};

/* ---- server.c ------------------------------------------------------------ */

/*
 * The life of a request, in the steps on_request takes (the fuzzer takes
 * them without MHD): http_req_start when the headers are in (Host,
 * Origin, the route, the token, a body's headers and its buffer; 0: go
 * on), the body into r->body (at most r->body_max bytes), then
 * http_req_handle (a write's body parsed as JSON, the handler run);
 * http_req_error turns a nonzero result of either into the error reply
 * (r->status, r->out) and its log line. http_req_free frees r.
 */
int http_req_start(struct http_req *r) WUR;
int http_req_handle(struct http_req *r) WUR;
void http_req_error(struct http_req *r, int err);
void http_req_free(struct http_req *r);

/* Sets r->msg from fmt and returns err (for `return http_fail(...)`). */
int http_fail(struct http_req *r, int err, const char *fmt, ...) PRINTF(3, 4);
/* The value of query parameter name, or NULL (borrowed from MHD). */
const char *http_query(struct http_req *r, const char *name);
/* A request header (names ignore case), or NULL. */
const char *http_header(struct http_req *r, const char *name);
/* The HTTP status an error code answers with. */
unsigned http_status_of(int err);

/* ---- fields.c: JSON bodies and query parameters ------------------------- */

enum field_type {
        FIELD_STR,   /* string */
        FIELD_UINT,  /* integer >= 0 */
        FIELD_BOOL,  /* true or false */
        FIELD_NUM,   /* number */
        FIELD_WORDS, /* array of strings */
        FIELD_OBJ,   /* object (checked by its own table) */
        FIELD_OBJS,  /* array of objects (each checked by its own table) */
};

struct field {
        const char *name;
        enum field_type type;
};

/*
 * Checks that obj is an object whose every key is in fields[0..n) with the
 * type given there. ERR_HTTP_BAD_JSON (not an object),
 * ERR_HTTP_UNKNOWN_FIELD, ERR_HTTP_BAD_TYPE; r->msg names the field (under
 * `where`, e.g. "location.", or "").
 */
int http_fields_check(struct http_req *r, json_t *obj, const char *where,
                      const struct field *fields, size_t n) WUR;
/* A string member, or NULL when absent (types already checked). */
const char *http_str(json_t *obj, const char *name);
/* A required string member: ERR_HTTP_MISSING_FIELD if absent. */
int http_str_req(struct http_req *r, json_t *obj, const char *name,
                 const char **out) WUR;
/* A 64-hex id member into out; ERR_HTTP_MISSING_FIELD (when required),
 * ERR_HTTP_BAD_VALUE. *present says whether it was there. */
int http_id(struct http_req *r, json_t *obj, const char *name, bool required,
            uint8_t out[ENTRY_HASH_BYTES], bool *present) WUR;
/* A path argument of 64 hex digits. ERR_HTTP_BAD_VALUE. */
int http_arg_id(struct http_req *r, const char *arg,
                uint8_t out[ENTRY_HASH_BYTES]) WUR;
/* Refuses any query parameter not in names (NULL-terminated):
 * ERR_HTTP_UNKNOWN_FIELD. */
int http_query_check(struct http_req *r, const char *const *names) WUR;
/* Query parameter name as a whole number in [min, max], def if absent.
 * ERR_HTTP_BAD_VALUE. */
int http_query_uint(struct http_req *r, const char *name, uint64_t min,
                    uint64_t max, uint64_t def, uint64_t *out) WUR;
/* Query parameter name as a boolean (true/false/1/0), def if absent. */
int http_query_bool(struct http_req *r, const char *name, bool def,
                    bool *out) WUR;

/* ---- dashboard.c: GET /api/dashboard ------------------------------------ */

int http_dashboard(struct http_req *r);

/* ---- routes.c ----------------------------------------------------------- */

extern const struct route http_routes[];
/* setup.c: the routes while the node is not set up; GET /api/setup, and
 * POST /api/setup refused (SETUP-DONE) once it is. */
extern const struct route http_setup_routes[];
int http_setup_get(struct http_req *r);
int http_setup_post_done(struct http_req *r);

/* ---- auth.c: accounts, sessions, roles -------------------------------- */

/* What route rt needs (the one table of it). */
enum http_need http_access_need(const struct route *rt);
/* Reads the session cookie, if any, into r (r->session, r->role), and
 * checks X-CSRF-Token on a state-changing request made with it:
 * ERR_LOGIN_CSRF. */
int http_session_check(struct http_req *r) WUR;
/* 0 if r's caller has role (or the token); ERR_LOGIN_NEEDED,
 * ERR_LOGIN_ROLE. */
int http_role_require(struct http_req *r, enum app_role role) WUR;
int http_login(struct http_req *r);
int http_logout(struct http_req *r);
int http_me(struct http_req *r);

/* ---- items.c: the KIM items (proto/KIM.md) ----------------------------- */

int http_items_list(struct http_req *r);
int http_item_get(struct http_req *r);
int http_item_thumb(struct http_req *r);
int http_items_create(struct http_req *r);
int http_revision_create(struct http_req *r);
int http_revision_decide(struct http_req *r);
int http_step_create(struct http_req *r);
int http_response_create(struct http_req *r);
/* Appends the report figures of /metrics (per state, overdue) to out. */
int http_report_metrics(struct http_req *r, struct buf *out) WUR;

/* ---- metrics.c, ui.c -------------------------------------------------- */

int http_metrics(struct http_req *r);
/* GET /ui/NAME (and index.html for GET /): the embedded files;
 * ERR_HTTP_NOT_FOUND. */
int http_ui(struct http_req *r);
/* blobs.c */
int http_blob_get(struct http_req *r);
int http_blob_upload(struct http_req *r);
/* export.c: GET /api/export/NAME, a table as CSV or XLSX */
int http_export(struct http_req *r);
/* places.c: GET /api/places, the regions known by name */
int http_places(struct http_req *r);
/*
 * idem.c: POST /api/items with an Idempotency-Key header. http_idem_replay
 * (before posting): the reply the same key of the same caller got, into
 * r (*replayed true), or nothing; ERR_HTTP_BAD_VALUE for a malformed key.
 * http_idem_remember (after a 201): remembers r's reply for the key.
 */
int http_idem_replay(struct http_req *r, bool *replayed) WUR;
void http_idem_remember(struct http_req *r);
/* accounts.c: GET /api/accounts, admin only; and the changes, admin only */
int http_accounts(struct http_req *r);
int http_account_add(struct http_req *r);
int http_account_role(struct http_req *r);
int http_account_password(struct http_req *r);
int http_account_remove(struct http_req *r);

/* The embedded UI files (generated from src/http/ui/ by cmake/embed.cmake
 * into the build tree). */
struct http_ui_file {
        const char *name; /* "index.html" */
        const unsigned char *data;
        size_t len;
        const unsigned char *gz; /* the same, gzipped */
        size_t gz_len;
        const char *sha256; /* base64 of its SHA-256 (a CSP hash source) */
};
extern const struct http_ui_file http_ui_files[];
extern const size_t http_ui_files_n;

/* ---- gzip.c, page.c: the first screen in one round trip ----------------- */

/* Does the client take gzip (Accept-Encoding)? Every browser does; curl
 * without --compressed does not, and gets the bytes as they are. */
bool http_takes_gzip(struct http_req *r);
/*
 * Appends in[0..n) gzipped to out (empty on entry: sized once, no copy
 * left unwiped by a realloc). -ENOTSUP in a build without zlib (the
 * Raspberry Pi cross builds), where everything goes uncompressed.
 */
int http_gzip(const void *in, size_t n, struct buf *out) WUR;
/*
 * Runs GET path with the given query on r's connection, as r's client
 * would (its cookie, token, Host and Origin: the same access rules), and
 * appends the JSON reply to out. 0, or the request's error (nothing
 * appended, nothing logged: the page's script asks for it itself).
 */
int http_subrequest(struct http_req *r, const char *path,
                    const struct http_pair *query, size_t n_query,
                    struct buf *out) WUR;
/* GET /: index.html with style.css, app.js and the first screen's replies
 * in it (page.c). */
int http_ui_page(struct http_req *r);

/* ---- regions.c, enrolment.c, qr/: the setup page ------------------------ */

/* GET /api/regions?q=NAME&level=&limit=: regions by name. */
int http_regions(struct http_req *r);
/* GET / while not set up: the setup page (ui/setup.html). */
int http_setup_page(struct http_req *r);
int http_enrolment_get(struct http_req *r);
int http_enrolment_svg(struct http_req *r);
int http_enrolment_cert(struct http_req *r);
/* The Pendaftaran page at an issuer: a certificate's days by default, and
 * at most (ten years, as simpul network create's own). */
#define HTTP_ENROL_DAYS 365U
#define HTTP_ENROL_DAYS_MAX 3650U
int http_enrolment_check(struct http_req *r);
int http_enrolment_sign(struct http_req *r);
/* text as a QR code in SVG appended to out (qr/qr_svg.c, where the build
 * has libqrencode); ERR_NO_QR without it, -errno when text is too long. */
int http_qr_svg(const char *text, struct buf *out) WUR;

#endif
