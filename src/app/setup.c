/*
 * setup: a node's first boot without a terminal. `simpul run` on a data
 * directory that holds no node serves only the setup API (src/http); the
 * operator gives the one-time setup code from the log with the region
 * and name, and the node is made exactly as `simpul init` makes it.
 *
 * The code is APP_SETUP_CODE_CHARS symbols of a 32-symbol alphabet
 * without look-alikes (60 random bits), kept in DATA/setup.code (mode
 * 0600) so that a restart before the setup keeps the code the operator
 * already read; it is compared in constant time, good once, and tried at
 * most APP_SETUP_TRIES per minute, whoever asks.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "app_int.h"

#define SETUP_FILE "setup.code"
#define SETUP_WINDOW_MS 60000U

/* Crockford's base32: no I, L, O or U to mistake for 1, 0 or V. */
static const char alphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/* Does dir hold none of a node's files, or all that init writes first
 * (complete: the key and the config)? */
static bool
node_files(const char *dir, bool complete)
{
        char *conf = node_path(dir, NODE_CONFIG_FILE);
        char *keyp = node_path(dir, NODE_KEY_FILE);
        bool has_conf = access(conf, F_OK) == 0 || errno != ENOENT;
        bool has_key = access(keyp, F_OK) == 0 || errno != ENOENT;

        free(conf);
        free(keyp);
        return complete ? has_conf && has_key : has_conf || has_key;
}

bool
app_setup_needed(const char *data_flag)
{
        char *dir = node_data_dir(data_flag);
        struct stat st;
        /* Only a directory that exists (systemd's StateDirectory makes
         * /var/lib/simpul): a mistyped --data is an error, not a new node. */
        bool needed =
            !stat(dir, &st) && S_ISDIR(st.st_mode) && !node_files(dir, false);

        free(dir);
        return needed;
}

/* The code as typed (any case, with dashes or spaces) in canonical form:
 * false when it cannot be a code at all. */
static bool
code_canonical(const char *in, char out[APP_SETUP_CODE_CHARS + 1])
{
        size_t n = 0;

        for (; *in; in++) {
                char c = *in;

                if (c == '-' || c == ' ')
                        continue;
                if (c >= 'a' && c <= 'z')
                        c = (char)(c - 'a' + 'A');
                if (n == APP_SETUP_CODE_CHARS || !strchr(alphabet, c) || !c)
                        return false;
                out[n++] = c;
        }
        out[n] = 0;
        return n == APP_SETUP_CODE_CHARS;
}

static void
code_new(char out[APP_SETUP_CODE_CHARS + 1])
{
        uint8_t raw[APP_SETUP_CODE_CHARS];

        random_bytes(raw, sizeof(raw));
        for (size_t i = 0; i < APP_SETUP_CODE_CHARS; i++)
                out[i] = alphabet[raw[i] & 31U]; /* 32 divides 256: uniform */
        out[APP_SETUP_CODE_CHARS] = 0;
        explicit_bzero(raw, sizeof(raw));
}

/* The code of an earlier start, if its file holds one. */
static bool
code_load(const char *dir, char out[APP_SETUP_CODE_CHARS + 1])
{
        char *path = node_path(dir, SETUP_FILE);
        struct buf b = BUF_INIT;
        bool ok = false;

        if (!node_line_read(path, 64, &b)) {
                buf_addc(&b, 0);
                ok = code_canonical((const char *)b.data, out);
                explicit_bzero(b.data, b.cap);
        }
        buf_release(&b);
        free(path);
        return ok;
}

/* XXXX-XXXX-XXXX, as the log shows it. */
static void
code_show(const char *code, char out[APP_SETUP_CODE_CHARS + 3])
{
        size_t j = 0;

        for (size_t i = 0; i < APP_SETUP_CODE_CHARS; i++) {
                if (i && i % 4 == 0)
                        out[j++] = '-';
                out[j++] = code[i];
        }
        out[j] = 0;
}

int
app_setup_begin(struct app_setup *s, const char *data_flag, const char *listen,
                char *err_msg)
{
        char shown[APP_SETUP_CODE_CHARS + 3], line[APP_SETUP_CODE_CHARS + 2];
        int err;

        memset(s, 0, sizeof(*s));
        s->dir = node_data_dir(data_flag);
        snprintf(s->listen, sizeof(s->listen), "%s", listen);
        if ((err = node_mkdirs(s->dir)))
                return app__fail(err_msg, err, "cannot make '%s': %s", s->dir,
                                 err_str(err));
        if (!code_load(s->dir, s->code)) {
                code_new(s->code);
                memcpy(line, s->code, APP_SETUP_CODE_CHARS);
                line[APP_SETUP_CODE_CHARS] = '\n';
                err = node_file_write(
                    s->dir, SETUP_FILE,
                    slice_make(line, APP_SETUP_CODE_CHARS + 1), 0600);
                explicit_bzero(line, sizeof(line));
                if (err)
                        return app__fail(err_msg, err,
                                         "cannot write '%s/%s': %s", s->dir,
                                         SETUP_FILE, err_str(err));
        }
        code_show(s->code, shown);
        log_warn("NODE-NOT-SET-UP",
                 "'%s' holds no node yet: set it up from a browser or phone "
                 "at http://%s/ (POST /api/setup) with the setup code, the "
                 "region code and the node's name",
                 s->dir, listen);
        log_info("SETUP-CODE", "setup code: %s (good once; also in %s/%s)",
                 shown, s->dir, SETUP_FILE);
        explicit_bzero(shown, sizeof(shown));
        return 0;
}

void
app_setup_release(struct app_setup *s)
{
        char *path;

        /* Made by simpul init beside the setup API: the code is void. */
        if (s->dir && !s->used && node_files(s->dir, true)) {
                path = node_path(s->dir, SETUP_FILE);
                unlink(path);
                free(path);
        }
        free(s->dir);
        explicit_bzero(s, sizeof(*s));
}

/* Counts an attempt in the current minute; false when over the limit. */
static bool
attempt_allowed(struct app_setup *s, uint64_t mono_ms)
{
        if (!s->window_ms || mono_ms - s->window_ms >= SETUP_WINDOW_MS) {
                s->window_ms = mono_ms ? mono_ms : 1;
                s->tries = 0;
        }
        return ++s->tries <= APP_SETUP_TRIES;
}

static bool
code_matches(const struct app_setup *s, const char *given)
{
        char c[APP_SETUP_CODE_CHARS + 1] = {0};
        volatile unsigned char d = 0;
        bool shape = code_canonical(given, c);

        /* The length is no secret; the symbols are compared in time
         * independent of where they differ. */
        for (size_t i = 0; i < APP_SETUP_CODE_CHARS; i++)
                d |= (unsigned char)(c[i] ^ s->code[i]);
        explicit_bzero(c, sizeof(c));
        return shape && d == 0;
}

/* The first admin account of a node just made, into out->admin. */
static void
admin_add(const char *dir, const char *admin, const char *password,
          struct app_created *out)
{
        char msg[APP_ERR_MAX];

        if (app_user_add(dir, admin, APP_ROLE_ADMIN, password, msg)) {
                log_warn("SETUP-ADMIN",
                         "the node is made, but not its admin account: %s: "
                         "simpul user add NAME --role admin",
                         msg);
                return;
        }
        out->admin = admin;
        log_info("SETUP-ADMIN", "admin account '%s' made", admin);
}

int
app_setup_try(struct app_setup *s, const char *code, const char *region,
              const char *name, const char *admin, const char *password,
              uint64_t mono_ms, struct app_created *out, char *err_msg)
{
        /* Set up on the usual address, the node keeps the default (auto:
         * the LAN once it has an admin); on another, that one. */
        struct app_init in = {
            s->dir, region, name, STORE_DEFAULT_MAP_MIB,
            strcmp(s->listen, NODE_HTTP_LISTEN_LOCAL) ? s->listen : NULL};
        char *path;
        int err;

        memset(out, 0, sizeof(*out));
        if (s->used)
                return app__fail(err_msg, ERR_SETUP_DONE,
                                 "this node is set up already");
        if (!attempt_allowed(s, mono_ms))
                return app__fail(err_msg, ERR_SETUP_RATE,
                                 "more than %u setup attempts this minute: "
                                 "wait, then try again",
                                 APP_SETUP_TRIES);
        if (!code_matches(s, code))
                return app__fail(err_msg, ERR_SETUP_CODE,
                                 "wrong setup code (attempt %u of %u this "
                                 "minute): it is in the log, journalctl -u "
                                 "simpul",
                                 s->tries, APP_SETUP_TRIES);
        if (region_check(region, strlen(region)))
                return app__fail(err_msg, ERR_REGION,
                                 "region '%.40s' is not a region code such "
                                 "as 36.04.12.2002",
                                 region);
        if (!name[0] || strlen(name) >= NODE_NAME_MAX ||
            strpbrk(name, "\n\r;#"))
                return app__fail(err_msg, ERR_CONFIG,
                                 "name must be one line of 1 to 95 bytes "
                                 "without ; or #");
        if (admin && (err = app__account_check(admin, password, err_msg)))
                return err;
        __atomic_store_n(&s->making, true, __ATOMIC_RELEASE);
        if ((err = app_init(&in, out, err_msg))) {
                __atomic_store_n(&s->making, false, __ATOMIC_RELEASE);
                return err;
        }
        /* Good once: the node exists now, and so does its own secret
         * (http.token); the code is of no more use. */
        s->used = true;
        path = node_path(s->dir, SETUP_FILE);
        if (unlink(path) && errno != ENOENT)
                log_warn("SETUP-CODE", "cannot remove '%s': %s", path,
                         strerror(errno));
        free(path);
        log_info("NODE-SET-UP", "node %s (%s) made in %s by the setup API",
                 name, region, s->dir);
        if (admin) /* made: a failure here leaves simpul user add to do */
                admin_add(s->dir, admin, password, out);
        return 0;
}

void
app_setup_finish(struct app_setup *s)
{
        __atomic_store_n(&s->done, true, __ATOMIC_RELEASE);
}

bool
app_setup_done(struct app_setup *s)
{
        if (__atomic_load_n(&s->done, __ATOMIC_ACQUIRE))
                return true;
        /* Or an operator ran simpul init in a terminal meanwhile (not
         * the API's own attempt, whose reply is not out yet). */
        if (!__atomic_load_n(&s->making, __ATOMIC_ACQUIRE) &&
            node_files(s->dir, true)) {
                log_info("NODE-SET-UP",
                         "a node was made in '%s' (simpul "
                         "init): running it",
                         s->dir);
                return true;
        }
        return false;
}

bool
app_enrolled(const char *dir)
{
        char *cert = node_path(dir, NODE_CERT_FILE);
        char *net = node_path(dir, NODE_NETWORK_FILE);
        bool yes = !access(cert, F_OK) && !access(net, F_OK);

        free(cert);
        free(net);
        return yes;
}
