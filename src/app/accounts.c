/*
 * accounts: the web app's local accounts in DATA/accounts (app.h says the
 * rules). A file, not the LMDB store: the accounts are this node's alone
 * (never replicated, never in a bundle), a few hundred bytes each, read
 * before the store is opened (the daemon's default [http] listen depends
 * on them) and written by `simpul user` while the daemon runs. The whole
 * file is replaced at once (node_file_write: temporary file, fsync,
 * rename), so a kill -9 at any moment leaves the old file or the new one;
 * writers take an exclusive lock on DATA/accounts.lock around their
 * read-modify-write, so two never lose each other's change.
 *
 * The file, one account a line, '#' lines ignored:
 *     NAME ROLE CREATED_MS ARGON2ID-HASH-STRING
 */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "app_int.h"

#define ACCOUNTS_LOCK "accounts.lock"
#define ACCOUNTS_FILE_MAX ((size_t)APP_USERS_MAX * 256U)
#define ACCOUNTS_HEAD                                                          \
        "# simpul accounts (simpul user): NAME ROLE CREATED_MS HASH\n"         \
        "# The hashes are Argon2id (docs/ACCOUNTS.md). Mode 0600.\n"

struct acct {
        struct app_account a;
        char hash[PWHASH_STR_BYTES];
};
struct accts {
        struct acct *v; /* owned */
        size_t n, cap;
};

static const char *const role_names[] = {"", "anggota", "pengelola", "admin"};

const char *
app_role_name(enum app_role r)
{
        return (unsigned)r < ARRAY_LEN(role_names) ? role_names[r] : "";
}

int
app_role_parse(const char *s, enum app_role *out)
{
        for (size_t i = 1; i < ARRAY_LEN(role_names); i++)
                if (!strcmp(s, role_names[i])) {
                        *out = (enum app_role)i;
                        return 0;
                }
        return ERR_USAGE;
}

int
app_node_dir(const char *data_flag, char **dir, char *err_msg)
{
        char *conf;
        int err = 0;

        *dir = node_data_dir(data_flag);
        conf = node_path(*dir, NODE_CONFIG_FILE);
        if (access(conf, F_OK)) {
                err = app__fail(err_msg, ERR_NOT_FOUND,
                                "no node in '%s': run 'simpul init --region "
                                "CODE --name NAME' first, or pass --data DIR",
                                *dir);
                free(*dir);
                *dir = NULL;
        }
        free(conf);
        return err;
}

static int
name_check(const char *name, char *err_msg)
{
        size_t n = strlen(name);

        if (n == 0 || n > APP_USER_MAX ||
            strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789._-") != n ||
            strchr("._-", name[0]))
                return app__fail(err_msg, ERR_USAGE,
                                 "user name '%.40s' must be 1 to %u of a-z, "
                                 "0-9, '.', '_' and '-', starting with a "
                                 "letter or digit",
                                 name, APP_USER_MAX);
        return 0;
}

static int
password_check(const char *pw, char *err_msg)
{
        size_t n = strlen(pw);

        if (n < APP_PASSWORD_MIN || n > APP_PASSWORD_MAX)
                return app__fail(err_msg, ERR_USAGE,
                                 "a password must be %u to %u bytes long",
                                 APP_PASSWORD_MIN, APP_PASSWORD_MAX);
        return 0;
}

int
app__account_check(const char *name, const char *password, char *err_msg)
{
        int err = name_check(name, err_msg);

        return err ? err : password_check(password, err_msg);
}

static void
accts_release(struct accts *l)
{
        if (l->v)
                explicit_bzero(l->v, l->cap * sizeof(*l->v));
        free(l->v);
        memset(l, 0, sizeof(*l));
}

/* One line into a (NUL-terminated, changed in place): false if damaged. */
static bool
line_parse(char *line, struct acct *a)
{
        char *name = strtok(line, " "), *role = strtok(NULL, " ");
        char *created = strtok(NULL, " "), *hash = strtok(NULL, " ");
        char *end;

        if (!hash || strtok(NULL, " ") || name_check(name, NULL) ||
            app_role_parse(role, &a->a.role) ||
            strlen(hash) >= PWHASH_STR_BYTES)
                return false;
        errno = 0;
        a->a.created_ms = strtoull(created, &end, 10);
        if (errno || *end || end == created)
                return false;
        strcpy(a->a.name, name);
        strcpy(a->hash, hash);
        return true;
}

/* Reads dir's accounts into l (empty when there is no file). */
static int
accts_read(const char *dir, struct accts *l, char *err_msg)
{
        char *path = node_path(dir, APP_ACCOUNTS_FILE);
        struct buf b = BUF_INIT;
        char *p, *nl;
        size_t no = 0;
        int err;

        memset(l, 0, sizeof(*l));
        err = node_line_read(path, ACCOUNTS_FILE_MAX, &b);
        if (err == -ENOENT) {
                err = 0;
                goto out;
        }
        if (err) {
                app__fail(err_msg, err, "cannot read '%s': %s", path,
                          err_str(err));
                goto out;
        }
        buf_add(&b, "\n", 2); /* the last line's end, and a NUL */
        for (p = (char *)b.data; *p; p = nl + 1) {
                nl = strchr(p, '\n');
                *nl = 0;
                no++;
                if (*p == '#' || !*p)
                        continue;
                l->v = app__grow(l->v, l->n, &l->cap, sizeof(*l->v));
                if (!line_parse(p, &l->v[l->n])) {
                        err = app__fail(err_msg, ERR_CONFIG,
                                        "'%s' line %zu is damaged: mend or "
                                        "remove it",
                                        path, no);
                        goto out;
                }
                l->n++;
        }
out:
        if (err)
                accts_release(l);
        if (b.data)
                explicit_bzero(b.data, b.cap);
        buf_release(&b);
        free(path);
        return err;
}

static int
accts_write(const char *dir, const struct accts *l, char *err_msg)
{
        struct buf b = BUF_INIT;
        int err;

        buf_addf(&b, "%s", ACCOUNTS_HEAD);
        for (size_t i = 0; i < l->n; i++)
                buf_addf(&b, "%s %s %llu %s\n", l->v[i].a.name,
                         app_role_name(l->v[i].a.role),
                         (unsigned long long)l->v[i].a.created_ms,
                         l->v[i].hash);
        err = node_file_write(dir, APP_ACCOUNTS_FILE, buf_slice(&b), 0600);
        if (err)
                app__fail(err_msg, err, "cannot write '%s/%s': %s", dir,
                          APP_ACCOUNTS_FILE, err_str(err));
        buf_wipe_release(&b);
        return err;
}

static struct acct *
accts_find(struct accts *l, const char *name)
{
        for (size_t i = 0; i < l->n; i++)
                if (!strcmp(l->v[i].a.name, name))
                        return &l->v[i];
        return NULL;
}

/* The writers' lock: an fd to close (which unlocks), or -errno. */
static int
lock_take(const char *dir, char *err_msg)
{
        char *path = node_path(dir, ACCOUNTS_LOCK);
        int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600), err;

        if (fd < 0 || flock(fd, LOCK_EX)) {
                err = -errno;
                if (fd >= 0)
                        close(fd);
                fd = app__fail(err_msg, err, "cannot lock '%s': %s", path,
                               err_str(err));
        }
        free(path);
        return fd;
}

enum change { CHANGE_ADD, CHANGE_PASSWD, CHANGE_REMOVE, CHANGE_ROLE };

static size_t
admins(const struct accts *l)
{
        size_t n = 0;

        for (size_t i = 0; i < l->n; i++)
                n += l->v[i].a.role == APP_ROLE_ADMIN;
        return n;
}

/* Reads, changes and writes the file under the lock. hash: the new
 * password's (add, passwd). */
static int
accts_change(const char *dir, enum change what, const char *name,
             enum app_role role, const char *hash, char *err_msg)
{
        struct accts l;
        struct acct *a;
        int fd = lock_take(dir, err_msg), err;

        if (fd < 0)
                return fd;
        if ((err = accts_read(dir, &l, err_msg)))
                goto out;
        a = accts_find(&l, name);
        if (what == CHANGE_ADD && a) {
                err = app__fail(err_msg, ERR_USER_EXISTS,
                                "there is an account '%s' already", name);
        } else if (what != CHANGE_ADD && !a) {
                err = app__fail(err_msg, ERR_NOT_FOUND,
                                "no account '%s' (simpul user list)", name);
        } else if (what == CHANGE_ADD && l.n >= APP_USERS_MAX) {
                err = app__fail(err_msg, ERR_TOO_BIG,
                                "this node has %u accounts: remove one first",
                                APP_USERS_MAX);
        } else if (what == CHANGE_ADD) {
                l.v = app__grow(l.v, l.n, &l.cap, sizeof(*l.v));
                a = &l.v[l.n++];
                memset(a, 0, sizeof(*a));
                strcpy(a->a.name, name);
                a->a.role = role;
                a->a.created_ms = time_now_ms();
                strcpy(a->hash, hash);
        } else if (what == CHANGE_PASSWD) {
                strcpy(a->hash, hash);
        } else if (a->a.role == APP_ROLE_ADMIN && admins(&l) == 1 &&
                   (what == CHANGE_REMOVE || role != APP_ROLE_ADMIN)) {
                /* Nobody could manage the node from the browser again. */
                err = app__fail(err_msg, ERR_USER_LAST_ADMIN,
                                "'%s' is the last admin: add another admin "
                                "first (simpul user add NAME --role admin)",
                                name);
        } else if (what == CHANGE_ROLE) {
                a->a.role = role;
        } else {
                memmove(a, a + 1, (size_t)(l.v + l.n - a - 1) * sizeof(*a));
                l.n--;
        }
        if (!err)
                err = accts_write(dir, &l, err_msg);
        accts_release(&l);
out:
        close(fd);
        return err;
}

/* The hash of a new password into hash. */
static int
hash_new(const char *password, char hash[PWHASH_STR_BYTES], char *err_msg)
{
        int err = password_check(password, err_msg);

        if (!err && (err = pwhash_make(hash, password, strlen(password))))
                app__fail(err_msg, err,
                          "cannot hash the password: %s (it needs 64 MiB)",
                          err_str(err));
        return err;
}

int
app_user_add(const char *dir, const char *name, enum app_role role,
             const char *password, char *err_msg)
{
        char hash[PWHASH_STR_BYTES];
        int err;

        assert(role >= APP_ROLE_ANGGOTA && role <= APP_ROLE_ADMIN);
        if ((err = name_check(name, err_msg)) ||
            (err = hash_new(password, hash, err_msg)))
                return err;
        err = accts_change(dir, CHANGE_ADD, name, role, hash, err_msg);
        explicit_bzero(hash, sizeof(hash));
        return err;
}

int
app_user_passwd(const char *dir, const char *name, const char *password,
                char *err_msg)
{
        char hash[PWHASH_STR_BYTES];
        int err;

        if ((err = name_check(name, err_msg)) ||
            (err = hash_new(password, hash, err_msg)))
                return err;
        err = accts_change(dir, CHANGE_PASSWD, name, APP_ROLE_NONE, hash,
                           err_msg);
        explicit_bzero(hash, sizeof(hash));
        return err;
}

int
app_user_remove(const char *dir, const char *name, char *err_msg)
{
        int err = name_check(name, err_msg);

        return err ? err
                   : accts_change(dir, CHANGE_REMOVE, name, APP_ROLE_NONE, NULL,
                                  err_msg);
}

int
app_user_role_set(const char *dir, const char *name, enum app_role role,
                  char *err_msg)
{
        int err = name_check(name, err_msg);

        assert(role >= APP_ROLE_ANGGOTA && role <= APP_ROLE_ADMIN);
        return err ? err
                   : accts_change(dir, CHANGE_ROLE, name, role, NULL, err_msg);
}

int
app_user_list(const char *dir, struct app_accounts *out, char *err_msg)
{
        struct accts l;
        int err = accts_read(dir, &l, err_msg);

        memset(out, 0, sizeof(*out));
        if (err)
                return err;
        out->v = xcalloc(l.n ? l.n : 1, sizeof(*out->v));
        for (size_t i = 0; i < l.n; i++)
                out->v[i] = l.v[i].a;
        out->n = l.n;
        accts_release(&l);
        return 0;
}

void
app_accounts_release(struct app_accounts *a)
{
        free(a->v);
        memset(a, 0, sizeof(*a));
}

int
app_user_role(const char *dir, const char *name, enum app_role *out)
{
        struct accts l;
        struct acct *a;
        int err = accts_read(dir, &l, NULL);

        if (err)
                return err;
        a = accts_find(&l, name);
        if (a)
                *out = a->a.role;
        accts_release(&l);
        return a ? 0 : ERR_NOT_FOUND;
}

bool
app_admin_exists(const char *dir)
{
        struct accts l;
        bool found = false;

        if (accts_read(dir, &l, NULL))
                return false;
        for (size_t i = 0; i < l.n && !found; i++)
                found = l.v[i].a.role == APP_ROLE_ADMIN;
        accts_release(&l);
        return found;
}

/* A hash of no one's password, made once, checked against when there is
 * no such account: a wrong name takes as long as a wrong password. */
static char dummy_hash[PWHASH_STR_BYTES];
static int dummy_err;

static void
dummy_make(void)
{
        dummy_err = pwhash_make(dummy_hash, "-", 1);
}

/* Rehashes name's password if its hash is still old (under the lock). */
static void
rehash(const char *dir, const char *name, const char *old, const char *password)
{
        char hash[PWHASH_STR_BYTES];
        struct accts l;
        struct acct *a;
        int fd, err;

        if (pwhash_make(hash, password, strlen(password)))
                return; /* next time */
        if ((fd = lock_take(dir, NULL)) < 0)
                goto out;
        err = accts_read(dir, &l, NULL);
        a = err ? NULL : accts_find(&l, name);
        if (a && !strcmp(a->hash, old)) { /* unchanged meanwhile */
                strcpy(a->hash, hash);
                if (!accts_write(dir, &l, NULL))
                        log_info("USER-REHASH",
                                 "rehashed the password of '%s' with the "
                                 "current parameters",
                                 name);
        }
        if (!err)
                accts_release(&l);
        close(fd);
out:
        explicit_bzero(hash, sizeof(hash));
}

int
app_user_stamp(const char *dir, const char *name, enum app_role *role,
               uint8_t stamp[APP_STAMP_BYTES])
{
        uint8_t h[ENTRY_HASH_BYTES];
        struct buf b = BUF_INIT;
        struct accts l;
        struct acct *a;
        int err = accts_read(dir, &l, NULL);

        if (err)
                return err;
        if ((a = accts_find(&l, name))) {
                *role = a->a.role;
                buf_addf(&b, "%s %llu %s", a->a.name,
                         (unsigned long long)a->a.created_ms, a->hash);
                hash_bytes(h, buf_slice(&b));
                memcpy(stamp, h, APP_STAMP_BYTES);
                buf_wipe_release(&b);
        }
        accts_release(&l);
        return a ? 0 : ERR_NOT_FOUND;
}

int
app_user_login(const char *dir, const char *name, const char *password,
               enum app_role *role)
{
        static pthread_once_t once = PTHREAD_ONCE_INIT;
        struct accts l;
        struct acct *a = NULL;
        bool good;
        int err = accts_read(dir, &l, NULL);

        if (err)
                return err;
        if (!name_check(name, NULL))
                a = accts_find(&l, name);
        if (strlen(password) > APP_PASSWORD_MAX) {
                good = false;
        } else if (a) {
                good = pwhash_check(a->hash, password, strlen(password));
        } else {
                pthread_once(&once, dummy_make);
                good = !dummy_err &&
                       pwhash_check(dummy_hash, password, strlen(password)) &&
                       false;
        }
        if (good) {
                *role = a->a.role;
                if (pwhash_stale(a->hash))
                        rehash(dir, name, a->hash, password);
        }
        accts_release(&l);
        return good ? 0 : ERR_LOGIN_BAD;
}
