/*
 * test_accounts: the web app's accounts (app/accounts.c) on a real file in
 * a mkdtemp directory, its sessions and login rate limit (app/session.c)
 * on a clock the test moves, and [http] listen = auto (app_http_listen).
 */
#include "testlib.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sodium.h>
#include <sys/stat.h>

#include "../../src/app/app.h"

#define T0 1000000U /* a monotonic clock's now, in ms */

static void
read_file(const char *dir, const char *name, char *out, size_t size)
{
        char path[160];
        FILE *f;
        size_t n;

        snprintf(path, sizeof(path), "%s/%s", dir, name);
        f = fopen(path, "r");
        assert_non_null(f);
        n = fread(out, 1, size - 1, f);
        out[n] = 0;
        fclose(f);
}

static void
write_file(const char *dir, const char *name, const char *text)
{
        char path[160];
        FILE *f;

        snprintf(path, sizeof(path), "%s/%s", dir, name);
        f = fopen(path, "w");
        assert_non_null(f);
        fputs(text, f);
        fclose(f);
}

/* ---- accounts ---------------------------------------------------------------
 */

static void
add_list_login_remove(void **state)
{
        char dir[TEST_DIR_MAX], msg[APP_ERR_MAX], path[160];
        struct app_accounts a;
        enum app_role role = APP_ROLE_NONE;
        struct stat st;

        (void)state;
        test_dir_make(dir, "accounts");
        expect_err("no file: no admin", app_admin_exists(dir) ? 1 : 0, 0);
        expect_err("add siti",
                   app_user_add(dir, "siti", APP_ROLE_PENGELOLA,
                                "kata-sandi-siti", msg),
                   0);
        expect_err(
            "add budi",
            app_user_add(dir, "budi", APP_ROLE_ANGGOTA, "kata-sandi-budi", msg),
            0);
        expect_err(
            "siti again",
            app_user_add(dir, "siti", APP_ROLE_ADMIN, "kata-sandi-lain", msg),
            ERR_USER_EXISTS);
        expect_err("a short password",
                   app_user_add(dir, "ani", APP_ROLE_ANGGOTA, "pendek", msg),
                   ERR_USAGE);
        expect_err(
            "a name with a space",
            app_user_add(dir, "ani z", APP_ROLE_ANGGOTA, "kata-sandi-ani", msg),
            ERR_USAGE);
        expect_err(
            "a name starting with '-'",
            app_user_add(dir, "-ani", APP_ROLE_ANGGOTA, "kata-sandi-ani", msg),
            ERR_USAGE);
        expect_err(
            "upper case",
            app_user_add(dir, "Ani", APP_ROLE_ANGGOTA, "kata-sandi-ani", msg),
            ERR_USAGE);
        snprintf(path, sizeof(path), "%s/%s", dir, APP_ACCOUNTS_FILE);
        assert_int_equal(stat(path, &st), 0);
        assert_int_equal(st.st_mode & 0777, 0600);

        expect_err("list", app_user_list(dir, &a, msg), 0);
        assert_int_equal(a.n, 2);
        assert_string_equal(a.v[0].name, "siti");
        assert_int_equal(a.v[0].role, APP_ROLE_PENGELOLA);
        assert_string_equal(a.v[1].name, "budi");
        app_accounts_release(&a);

        expect_err("login siti",
                   app_user_login(dir, "siti", "kata-sandi-siti", &role), 0);
        assert_int_equal(role, APP_ROLE_PENGELOLA);
        expect_err("wrong password",
                   app_user_login(dir, "siti", "kata-sandi-budi", &role),
                   ERR_LOGIN_BAD);
        expect_err("no such account",
                   app_user_login(dir, "tono", "kata-sandi-siti", &role),
                   ERR_LOGIN_BAD);
        expect_err("no admin yet", app_admin_exists(dir) ? 1 : 0, 0);

        expect_err("passwd", app_user_passwd(dir, "siti", "sandi-baru-1", msg),
                   0);
        expect_err("the old password",
                   app_user_login(dir, "siti", "kata-sandi-siti", &role),
                   ERR_LOGIN_BAD);
        expect_err("the new password",
                   app_user_login(dir, "siti", "sandi-baru-1", &role), 0);
        expect_err("passwd of no one",
                   app_user_passwd(dir, "tono", "sandi-baru-1", msg),
                   ERR_NOT_FOUND);

        expect_err("remove budi", app_user_remove(dir, "budi", msg), 0);
        expect_err("budi's role", app_user_role(dir, "budi", &role),
                   ERR_NOT_FOUND);
        expect_err("budi cannot log in",
                   app_user_login(dir, "budi", "kata-sandi-budi", &role),
                   ERR_LOGIN_BAD);
        expect_err("remove budi again", app_user_remove(dir, "budi", msg),
                   ERR_NOT_FOUND);
        expect_err(
            "add an admin",
            app_user_add(dir, "admin", APP_ROLE_ADMIN, "kata-sandi-adm", msg),
            0);
        expect_err("an admin now", app_admin_exists(dir) ? 1 : 0, 1);
        expect_err("the last admin stays", app_user_remove(dir, "admin", msg),
                   ERR_USER_LAST_ADMIN);
        expect_err("... and keeps the role",
                   app_user_role_set(dir, "admin", APP_ROLE_PENGELOLA, msg),
                   ERR_USER_LAST_ADMIN);
        expect_err("... an admin may stay admin",
                   app_user_role_set(dir, "admin", APP_ROLE_ADMIN, msg), 0);
        expect_err("still an admin", app_admin_exists(dir) ? 1 : 0, 1);
        expect_err("a role for no one",
                   app_user_role_set(dir, "nobody", APP_ROLE_ADMIN, msg),
                   ERR_NOT_FOUND);
        expect_err(
            "a second admin",
            app_user_add(dir, "admin2", APP_ROLE_ADMIN, "kata-sandi-adm", msg),
            0);
        expect_err("a pengelola made admin",
                   app_user_role_set(dir, "admin2", APP_ROLE_PENGELOLA, msg),
                   0);
        expect_err("... is pengelola", app_user_role(dir, "admin2", &role), 0);
        assert_int_equal(role, APP_ROLE_PENGELOLA);
        expect_err("and admin again",
                   app_user_role_set(dir, "admin2", APP_ROLE_ADMIN, msg), 0);
        expect_err("now the first may go", app_user_remove(dir, "admin", msg),
                   0);
        test_rm_tree(dir);
}

/* A hash made with other parameters is replaced at the next login. */
static void
stale_hash_rehashed(void **state)
{
        char dir[TEST_DIR_MAX], hash[crypto_pwhash_STRBYTES], text[1024];
        enum app_role role;

        (void)state;
        assert_true(sodium_init() >= 0);
        test_dir_make(dir, "rehash");
        assert_int_equal(crypto_pwhash_str(hash, "kata-sandi-lama", 15, 3,
                                           8U * 1024U * 1024U),
                         0);
        snprintf(text, sizeof(text), "lama anggota 1 %s\n", hash);
        write_file(dir, APP_ACCOUNTS_FILE, text);
        expect_err("login with the old hash",
                   app_user_login(dir, "lama", "kata-sandi-lama", &role), 0);
        read_file(dir, APP_ACCOUNTS_FILE, text, sizeof(text));
        assert_non_null(
            strstr(text, "lama anggota 1 $argon2id$v=19$m=65536,t=2,p=1$"));
        assert_null(strstr(text, hash));
        expect_err("login with the new hash",
                   app_user_login(dir, "lama", "kata-sandi-lama", &role), 0);
        test_rm_tree(dir);
}

static void
damaged_file_refused(void **state)
{
        char dir[TEST_DIR_MAX], msg[APP_ERR_MAX];
        enum app_role role;

        (void)state;
        test_dir_make(dir, "damaged");
        write_file(dir, APP_ACCOUNTS_FILE, "# a comment\nsiti raja 1 $x\n");
        expect_err("an unknown role", app_user_role(dir, "siti", &role),
                   ERR_CONFIG);
        expect_err(
            "add refuses to write over it",
            app_user_add(dir, "budi", APP_ROLE_ANGGOTA, "kata-sandi-budi", msg),
            ERR_CONFIG);
        assert_non_null(strstr(msg, "line 2 is damaged"));
        test_rm_tree(dir);
}

/* ---- sessions
 * ----------------------------------------------------------------- */

static void
session_life(void **state)
{
        struct app_sessions *s = app_sessions_new();
        char cookie[APP_SESSION_HEX + 1], other[APP_SESSION_HEX + 1];
        struct app_session a, b, got;

        (void)state;
        app_session_start(s, "siti", NULL, T0, cookie, &a);
        app_session_start(s, "siti", NULL, T0, other, &b);
        assert_int_equal(strlen(cookie), APP_SESSION_HEX);
        assert_int_equal(strlen(a.csrf), APP_SESSION_HEX);
        assert_string_not_equal(cookie, other);
        assert_string_not_equal(a.csrf, b.csrf);
        assert_string_not_equal(cookie, a.csrf);
        expect_err("found", app_session_find(s, cookie, T0 + 1, &got), 0);
        assert_string_equal(got.user, "siti");
        assert_string_equal(got.csrf, a.csrf);
        cookie[0] = cookie[0] == 'a' ? 'b' : 'a';
        expect_err("one hex digit off", app_session_find(s, cookie, T0, &got),
                   ERR_LOGIN_NEEDED);
        expect_err("a short cookie", app_session_find(s, "abcd", T0, &got),
                   ERR_LOGIN_NEEDED);
        app_session_end(s, other);
        expect_err("ended", app_session_find(s, other, T0, &got),
                   ERR_LOGIN_NEEDED);
        app_session_start(s, "budi", NULL, T0, cookie, &a);
        expect_err(
            "just before expiry",
            app_session_find(s, cookie, T0 + APP_SESSION_TTL_MS - 1, &got), 0);
        expect_err("expired",
                   app_session_find(s, cookie, T0 + APP_SESSION_TTL_MS, &got),
                   ERR_LOGIN_NEEDED);
        app_sessions_free(s);
}

/* A full table drops its oldest session, not the newest. */
static void
sessions_bounded(void **state)
{
        struct app_sessions *s = app_sessions_new();
        char first[APP_SESSION_HEX + 1], c[APP_SESSION_HEX + 1];
        struct app_session a;

        (void)state;
        app_session_start(s, "u0", NULL, T0, first, &a);
        for (unsigned i = 1; i <= APP_SESSIONS_MAX; i++)
                app_session_start(s, "u", NULL, T0 + i, c, &a);
        expect_err("the oldest went", app_session_find(s, first, T0 + 999, &a),
                   ERR_LOGIN_NEEDED);
        expect_err("the newest stays", app_session_find(s, c, T0 + 999, &a), 0);
        app_sessions_free(s);
}

/* ---- the login rate limit
 * ------------------------------------------------------- */

static void
rate_limit_per_account(void **state)
{
        struct app_sessions *s = app_sessions_new();
        uint64_t wait = 0, now = T0;

        (void)state;
        for (unsigned i = 0; i < APP_LOGIN_FAILS_USER; i++) {
                expect_err("allowed before the limit",
                           app_login_allowed(s, "siti", "10.0.0.9", now, &wait),
                           0);
                app_login_failed(s, "siti", "10.0.0.9", now);
                now += 1000;
        }
        expect_err("locked",
                   app_login_allowed(s, "siti", "10.0.0.7", now, &wait),
                   ERR_LOGIN_RATE);
        assert_int_equal(wait, APP_LOGIN_LOCK_MS - 1000);
        expect_err("another account from that address",
                   app_login_allowed(s, "budi", "10.0.0.9", now, &wait), 0);
        now += APP_LOGIN_LOCK_MS;
        expect_err("after the lock",
                   app_login_allowed(s, "siti", "10.0.0.9", now, &wait), 0);
        app_login_failed(s, "siti", "10.0.0.9", now);
        expect_err("one failure after a lock does not lock again",
                   app_login_allowed(s, "siti", "10.0.0.9", now, &wait), 0);
        for (unsigned i = 1; i < APP_LOGIN_FAILS_USER - 1; i++)
                app_login_failed(s, "siti", "10.0.0.9", now);
        app_login_succeeded(s, "siti", "10.0.0.9");
        app_login_failed(s, "siti", "10.0.0.9", now);
        expect_err("a success clears the count",
                   app_login_allowed(s, "siti", "10.0.0.9", now, &wait), 0);
        app_sessions_free(s);
}

static void
rate_limit_per_address(void **state)
{
        struct app_sessions *s = app_sessions_new();
        char user[16];
        uint64_t wait = 0;

        (void)state;
        for (unsigned i = 0; i < APP_LOGIN_FAILS_ADDR; i++) {
                snprintf(user, sizeof(user), "u%u", i);
                app_login_failed(s, user, "10.0.0.9", T0);
        }
        expect_err("the address is locked for every account",
                   app_login_allowed(s, "new", "10.0.0.9", T0, &wait),
                   ERR_LOGIN_RATE);
        expect_err("another address is not",
                   app_login_allowed(s, "new", "10.0.0.8", T0, &wait), 0);
        app_sessions_free(s);
}

/* ---- [http] listen = auto
 * ------------------------------------------------------ */

static void
listen_auto(void **state)
{
        char dir[TEST_DIR_MAX], msg[APP_ERR_MAX], host[INET_ADDRSTRLEN];
        struct sockaddr_storage ss;
        struct node n = {0};

        (void)state;
        test_dir_make(dir, "listen");
        config_defaults(&n.config);
        n.dir = dir;
        assert_string_equal(n.config.http_listen, "auto");
        expect_err("no accounts", app_http_listen(&n, &ss), 0);
        inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, host,
                  sizeof(host));
        assert_string_equal(host, "127.0.0.1");
        assert_int_equal(ntohs(((struct sockaddr_in *)&ss)->sin_port), 7780);
        expect_err(
            "an anggota",
            app_user_add(dir, "budi", APP_ROLE_ANGGOTA, "kata-sandi-budi", msg),
            0);
        expect_err("still loopback", app_http_listen(&n, &ss), 0);
        inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, host,
                  sizeof(host));
        assert_string_equal(host, "127.0.0.1");
        expect_err(
            "an admin",
            app_user_add(dir, "admin", APP_ROLE_ADMIN, "kata-sandi-adm", msg),
            0);
        expect_err("the LAN", app_http_listen(&n, &ss), 0);
        inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, host,
                  sizeof(host));
        assert_string_equal(host, "0.0.0.0");
        strcpy(n.config.http_listen, "127.0.0.1:9999");
        expect_err("an address set stays", app_http_listen(&n, &ss), 0);
        assert_int_equal(ntohs(((struct sockaddr_in *)&ss)->sin_port), 9999);
        test_rm_tree(dir);
}

int
main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(add_list_login_remove),
            cmocka_unit_test(stale_hash_rehashed),
            cmocka_unit_test(damaged_file_refused),
            cmocka_unit_test(session_life),
            cmocka_unit_test(sessions_bounded),
            cmocka_unit_test(rate_limit_per_account),
            cmocka_unit_test(rate_limit_per_address),
            cmocka_unit_test(listen_auto),
        };

        assert_int_equal(entry_lib_init(), 0);
        return cmocka_run_group_tests(tests, NULL, NULL);
}
