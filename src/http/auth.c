/*
 * auth: who may do what through the API (docs/API.md, "Accounts and
 * roles"), and the web app's login, logout and /api/me.
 *
 * A caller is one of: the API token (programs: every right, as before
 * accounts), a session of an account (the cookie of POST /api/login, its
 * role read from DATA/accounts on every request), or no one. What each
 * route needs is one table (access_table), looked up by access_need; a
 * route not in it needs anggota to read and admin to write, so a route
 * added without thinking of roles is closed, not open.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "http_int.h"

#define COOKIE_NAME "simpul_session"

static const struct {
        const char *method;
        const char *pattern; /* as the route table's */
        enum http_need need;
} access_table[] = {
    /* the UI's files, setup, login: nothing of the node's */
    {"GET", "/", NEED_PUBLIC},
    {"GET", "/ui/*", NEED_PUBLIC},
    {"GET", "/api/setup", NEED_PUBLIC},
    {"POST", "/api/setup", NEED_PUBLIC},
    {"POST", "/api/login", NEED_PUBLIC},
    {"GET", "/api/me", NEED_PUBLIC},
    /* with a live session, its CSRF token (http_session_check); without,
     * it only clears the cookie */
    {"POST", "/api/logout", NEED_PUBLIC},
    /* public information, readable on the LAN without login (personal
     * data hidden below pengelola) */
    {"GET", "/api/node", NEED_PUBLIC},
    {"GET", "/api/items", NEED_PUBLIC},
    {"GET", "/api/items/*", NEED_PUBLIC},
    {"GET", "/api/items/*/thumbnails/*", NEED_PUBLIC},
    /* the node's workings and attachments: this machine, or an account */
    {"GET", "/api/peers", NEED_LOCAL},
    {"GET", "/api/feeds", NEED_LOCAL},
    {"GET", "/api/blobs/*", NEED_LOCAL},
    {"GET", "/metrics", NEED_LOCAL},
    /* exports: personal data only for pengelola or the token */
    {"GET", "/api/export/*", NEED_LOCAL},
    /* the dashboard: counts and medians, no personal data */
    {"GET", "/api/dashboard", NEED_LOCAL},
    /* writes (POST /api/items asks pengelola for informasi, peringatan
     * and report steps itself: http_role_require) */
    {"POST", "/api/items", NEED_ANGGOTA},
    {"POST", "/api/blobs", NEED_ANGGOTA},
    {"POST", "/api/items/*/revisions", NEED_ANGGOTA},
    {"POST", "/api/revisions/*/decision", NEED_PENGELOLA},
    {"POST", "/api/reports/*/steps", NEED_PENGELOLA},
    {"POST", "/api/reports/*/responses", NEED_PENGELOLA},
    /* the setup page: the region list to an account (to anyone while
     * the node is not set up: server.c), enrolment to the admin */
    {"GET", "/api/regions", NEED_ANGGOTA},
    {"GET", "/api/enrolment", NEED_ADMIN},
    {"GET", "/api/enrolment/request.svg", NEED_ADMIN},
    {"POST", "/api/enrolment/certificate", NEED_ADMIN},
    {"POST", "/api/enrolment/check", NEED_ADMIN},
    {"POST", "/api/enrolment/sign", NEED_ADMIN},
    /* region names from the certificates held: public like /api/node */
    {"GET", "/api/places", NEED_PUBLIC},
    /* the accounts (names and roles, no hash): the admin's */
    {"GET", "/api/accounts", NEED_ADMIN},
    {"POST", "/api/accounts", NEED_ADMIN},
    {"POST", "/api/accounts/*/role", NEED_ADMIN},
    {"POST", "/api/accounts/*/password", NEED_ADMIN},
    {"DELETE", "/api/accounts/*", NEED_ADMIN},
};

enum http_need
http_access_need(const struct route *rt)
{
        for (size_t i = 0; i < ARRAY_LEN(access_table); i++)
                if (!strcmp(access_table[i].method, rt->method) &&
                    !strcmp(access_table[i].pattern, rt->pattern))
                        return access_table[i].need;
        return strcmp(rt->method, "GET") ? NEED_ADMIN : NEED_ANGGOTA;
}

static const char *
role_word(enum app_role role)
{
        return role == APP_ROLE_NONE ? "no one logged in" : app_role_name(role);
}

int
http_role_require(struct http_req *r, enum app_role role)
{
        if (r->authed || r->role >= role)
                return 0;
        if (r->role == APP_ROLE_NONE)
                return http_fail(r, ERR_LOGIN_NEEDED,
                                 "Silakan masuk dulu: this needs an account "
                                 "(%s) or the API token",
                                 app_role_name(role));
        return http_fail(r, ERR_LOGIN_ROLE,
                         "Peran Anda (%s) tidak boleh melakukan ini: it "
                         "needs %s",
                         role_word(r->role), app_role_name(role));
}

/* The value of cookie name in the Cookie header into out: false if absent
 * or not of out's size. */
static bool
cookie_get(struct http_req *r, const char *name, char *out, size_t size)
{
        const char *p = http_header(r, "Cookie");
        size_t n = strlen(name), len;

        while (p && *p) {
                p += strspn(p, " ;");
                len = strcspn(p, ";");
                if (len > n && p[n] == '=' && !strncmp(p, name, n)) {
                        len -= n + 1;
                        if (len + 1 != size)
                                return false;
                        memcpy(out, p + n + 1, len);
                        out[len] = 0;
                        return true;
                }
                p += len;
        }
        return false;
}

static uint64_t
mono_ms(void)
{
        return uv_hrtime() / 1000000U;
}

/* Constant-time comparison of two strings of n bytes. */
static bool
same(const char *a, const char *b, size_t n)
{
        volatile unsigned char d = 0;

        for (size_t i = 0; i < n; i++)
                d |= (unsigned char)a[i] ^ (unsigned char)b[i];
        return d == 0;
}

int
http_session_check(struct http_req *r)
{
        bool safe = !strcmp(r->method, "GET") || !strcmp(r->method, "HEAD");
        uint8_t stamp[APP_STAMP_BYTES];
        const char *csrf;
        int err;

        if (!r->s->sessions ||
            !cookie_get(r, COOKIE_NAME, r->cookie, sizeof(r->cookie)))
                return 0;
        if (app_session_find(r->s->sessions, r->cookie, mono_ms(), &r->sess)) {
                r->stale = true; /* logged out, expired, or a restart */
                return 0;
        }
        err = app_user_stamp(r->s->n->dir, r->sess.user, &r->role, stamp);
        /* The account is gone, has a new password, or was made again:
         * so is its session. */
        if (!err && !same((const char *)stamp, (const char *)r->sess.stamp,
                          APP_STAMP_BYTES))
                err = ERR_LOGIN_NEEDED;
        if (err) {
                app_session_end(r->s->sessions, r->cookie);
                r->role = APP_ROLE_NONE;
                r->stale = true;
                return 0;
        }
        r->session = true;
        /* A state-changing request with the cookie repeats the session's
         * CSRF token, which a page of another site cannot read. Login
         * needs no session, so none is asked of it. */
        if (safe || (r->route->flags & ROUTE_LOGIN))
                return 0;
        csrf = http_header(r, "X-CSRF-Token");
        if (!csrf || strlen(csrf) != APP_SESSION_HEX ||
            !same(csrf, r->sess.csrf, APP_SESSION_HEX))
                return http_fail(r, ERR_LOGIN_CSRF,
                                 "X-CSRF-Token %s: send the csrf_token of "
                                 "POST /api/login or GET /api/me",
                                 csrf ? "is wrong" : "is missing");
        return 0;
}

/* The client's address without its port, for the rate limit. */
static void
client_ip(const struct http_req *r, char out[NODE_ADDR_MAX])
{
        const char *colon = strrchr(r->client, ':');
        size_t n = colon ? (size_t)(colon - r->client) : strlen(r->client);

        memcpy(out, r->client, n);
        out[n] = 0;
}

static void
cookie_set(struct http_req *r, const char *value, uint64_t max_age_s)
{
        snprintf(r->set_cookie, sizeof(r->set_cookie),
                 COOKIE_NAME "=%s; Path=/; HttpOnly; SameSite=Strict; "
                             "Max-Age=%llu%s",
                 value, (unsigned long long)max_age_s,
                 r->s->tls ? "; Secure" : "");
}

/* The reply of login and me: who, what role, the CSRF token. */
static void
session_reply(struct http_req *r, const struct app_session *s,
              enum app_role role, uint64_t now_ms)
{
        r->no_gzip = true; /* a secret beside what the client sent (BREACH) */
        r->out = json_pack("{s:b, s:s, s:s, s:s, s:I}", "logged_in", true,
                           "user", s->user, "role", app_role_name(role),
                           "csrf_token", s->csrf, "expires_in_s",
                           (json_int_t)((s->expires_ms - now_ms) / 1000U));
}

/* POST /api/login {user, password}: a session cookie. */
int
http_login(struct http_req *r)
{
        static const struct field fields[] = {{"user", FIELD_STR},
                                              {"password", FIELD_STR}};
        const char *user, *pw;
        char ip[NODE_ADDR_MAX], cookie[APP_SESSION_HEX + 1];
        uint8_t stamp[APP_STAMP_BYTES];
        struct app_session s;
        enum app_role role;
        uint64_t now = mono_ms(), wait_ms;
        int err;

        if ((err =
                 http_fields_check(r, r->in, "", fields, ARRAY_LEN(fields))) ||
            (err = http_str_req(r, r->in, "user", &user)) ||
            (err = http_str_req(r, r->in, "password", &pw)) || r->check_only)
                return err;
        client_ip(r, ip);
        if (app_login_allowed(r->s->sessions, user, ip, now, &wait_ms))
                return http_fail(r, ERR_LOGIN_RATE,
                                 "Terlalu banyak percobaan masuk yang gagal: "
                                 "masuk dikunci sementara. Coba lagi "
                                 "dalam %llu menit.",
                                 (unsigned long long)(wait_ms + 59999U) /
                                     60000U);
        err = app_user_login(r->s->n->dir, user, pw, &role);
        if (err == ERR_LOGIN_BAD) {
                app_login_failed(r->s->sessions, user, ip, now);
                return http_fail(r, err,
                                 "Nama pengguna atau kata sandi salah.");
        }
        if (err)
                return http_fail(r, err,
                                 "the accounts cannot be read (%s): see "
                                 "the node's log",
                                 err_id(err));
        app_login_succeeded(r->s->sessions, user, ip);
        if (r->session) /* a login replaces the session it came with */
                app_session_end(r->s->sessions, r->cookie);
        if ((err = app_user_stamp(r->s->n->dir, user, &role, stamp)))
                return http_fail(r, err, "the account is gone");
        app_session_start(r->s->sessions, user, stamp, now, cookie, &s);
        cookie_set(r, cookie, APP_SESSION_TTL_MS / 1000U);
        explicit_bzero(cookie, sizeof(cookie));
        log_info("LOGIN", "http %s: '%s' logged in (%s)", r->client, s.user,
                 app_role_name(role));
        session_reply(r, &s, role, now);
        return 0;
}

/* POST /api/logout: the session ends here, whatever the browser keeps. */
int
http_logout(struct http_req *r)
{
        if (r->check_only)
                return 0;
        if (r->session)
                app_session_end(r->s->sessions, r->cookie);
        cookie_set(r, "", 0);
        r->out = json_pack("{s:b}", "logged_out", r->session);
        return 0;
}

/* GET /api/me: who this request is. Not logged in is an answer, not an
 * error: the UI asks on every load. */
int
http_me(struct http_req *r)
{
        if (r->check_only)
                return 0;
        if (r->authed)
                r->out = json_pack("{s:b, s:n, s:s, s:b}", "logged_in", false,
                                   "user", "role", "admin", "token", true);
        else if (!r->session) /* session_ended: a cookie of none live */
                r->out = json_pack("{s:b, s:n, s:n, s:b}", "logged_in", false,
                                   "user", "role", "session_ended", r->stale);
        else
                session_reply(r, &r->sess, r->role, mono_ms());
        return 0;
}
