/*
 * The web app's accounts, for the Anggota page (admin only; auth.c's
 * table): GET /api/accounts lists them (name, role, created, never a
 * hash); POST /api/accounts adds one, POST /api/accounts/NAME/role and
 * .../password change one, DELETE /api/accounts/NAME removes one. The
 * rules are `simpul user`'s (app_user_*): the same name and password
 * checks, and the last admin is neither removed nor demoted. A session
 * of an account removed or changed holds its new role (or none) at its
 * next request: auth.c reads the role on every one.
 *
 * The messages are in Bahasa Indonesia: the page shows them next to the
 * field they are about.
 */
#include <string.h>

#include "http_int.h"

int
http_accounts(struct http_req *r)
{
        static const char *const no_query[] = {NULL};
        struct app_accounts a;
        char msg[APP_ERR_MAX];
        int err;

        if ((err = http_query_check(r, no_query)) || r->check_only)
                return err;
        if ((err = app_user_list(r->s->n->dir, &a, msg)))
                return http_fail(r, err, "%s", msg);
        err = app_json_accounts(&r->json, &a, APP_JSON_COMPACT);
        app_accounts_release(&a);
        return err;
}

/* The "role" member: ERR_HTTP_MISSING_FIELD, ERR_HTTP_BAD_VALUE. */
static int
role_field(struct http_req *r, enum app_role *out)
{
        const char *s;
        int err = http_str_req(r, r->in, "role", &s);

        if (!err && app_role_parse(s, out))
                err = http_fail(r, ERR_HTTP_BAD_VALUE,
                                "Peran harus anggota, pengelola atau admin "
                                "(role)");
        return err;
}

/*
 * The node's refusal in the page's words (the app's are English, for
 * the CLI); the field it is about is named in brackets, which the page
 * reads to put it beside the field.
 */
static int
account_fail(struct http_req *r, int err, const char *name, const char *msg)
{
        switch (err) {
        case ERR_USER_EXISTS:
                return http_fail(r, err,
                                 "Sudah ada akun bernama '%.40s' (user)", name);
        case ERR_NOT_FOUND:
                return http_fail(r, err,
                                 "Tidak ada akun bernama '%.40s' (user)", name);
        case ERR_USER_LAST_ADMIN:
                return http_fail(r, err,
                                 "'%.40s' adalah admin terakhir: tambahkan "
                                 "admin lain dulu (role)",
                                 name);
        case ERR_TOO_BIG:
                return http_fail(r, err,
                                 "Node ini sudah punya %u akun: hapus satu "
                                 "dulu (user)",
                                 APP_USERS_MAX);
        case ERR_USAGE:
                if (!strncmp(msg, "a password", 10)) /* password_check's */
                        return http_fail(r, err,
                                         "Kata sandi harus %u sampai %u "
                                         "byte (password)",
                                         APP_PASSWORD_MIN, APP_PASSWORD_MAX);
                return http_fail(r, err,
                                 "Nama pengguna harus 1 sampai %u huruf "
                                 "a-z, angka, '.', '_' atau '-', diawali "
                                 "huruf atau angka (user)",
                                 APP_USER_MAX);
        default:
                return http_fail(r, err, "%s", msg);
        }
}

static void
account_logged(struct http_req *r, const char *what, const char *name)
{
        log_info("USER-CHANGE", "http %s: %s '%s' (by '%s')", r->client, what,
                 name, r->authed ? "the API token" : r->sess.user);
}

/* POST /api/accounts {user, role, password}. */
int
http_account_add(struct http_req *r)
{
        static const struct field fields[] = {
            {"user", FIELD_STR}, {"role", FIELD_STR}, {"password", FIELD_STR}};
        const char *user, *pw;
        enum app_role role;
        char msg[APP_ERR_MAX];
        int err;

        if ((err =
                 http_fields_check(r, r->in, "", fields, ARRAY_LEN(fields))) ||
            (err = http_str_req(r, r->in, "user", &user)) ||
            (err = role_field(r, &role)) ||
            (err = http_str_req(r, r->in, "password", &pw)) || r->check_only)
                return err;
        if ((err = app_user_add(r->s->n->dir, user, role, pw, msg)))
                return account_fail(r, err, user, msg);
        account_logged(r, "added the account", user);
        r->status = 201;
        r->out =
            json_pack("{s:s, s:s}", "user", user, "role", app_role_name(role));
        return 0;
}

/* POST /api/accounts/NAME/role {role}. */
int
http_account_role(struct http_req *r)
{
        static const struct field fields[] = {{"role", FIELD_STR}};
        const char *user = r->arg[0];
        enum app_role role;
        char msg[APP_ERR_MAX];
        int err;

        if ((err =
                 http_fields_check(r, r->in, "", fields, ARRAY_LEN(fields))) ||
            (err = role_field(r, &role)) || r->check_only)
                return err;
        if ((err = app_user_role_set(r->s->n->dir, user, role, msg)))
                return account_fail(r, err, user, msg);
        account_logged(r, "changed the role of", user);
        r->out =
            json_pack("{s:s, s:s}", "user", user, "role", app_role_name(role));
        return 0;
}

/* POST /api/accounts/NAME/password {password}. */
int
http_account_password(struct http_req *r)
{
        static const struct field fields[] = {{"password", FIELD_STR}};
        const char *user = r->arg[0], *pw;
        char msg[APP_ERR_MAX];
        int err;

        if ((err =
                 http_fields_check(r, r->in, "", fields, ARRAY_LEN(fields))) ||
            (err = http_str_req(r, r->in, "password", &pw)) || r->check_only)
                return err;
        if ((err = app_user_passwd(r->s->n->dir, user, pw, msg)))
                return account_fail(r, err, user, msg);
        account_logged(r, "set a new password for", user);
        r->out = json_pack("{s:s, s:b}", "user", user, "password_set", true);
        return 0;
}

/* DELETE /api/accounts/NAME (no body, or {}). */
int
http_account_remove(struct http_req *r)
{
        const char *user = r->arg[0];
        char msg[APP_ERR_MAX];
        int err;

        if ((err = http_fields_check(r, r->in, "", NULL, 0)) || r->check_only)
                return err;
        if ((err = app_user_remove(r->s->n->dir, user, msg)))
                return account_fail(r, err, user, msg);
        account_logged(r, "removed the account", user);
        r->out = json_pack("{s:s, s:b}", "user", user, "removed", true);
        return 0;
}
