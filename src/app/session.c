/*
 * session: the web UI's sessions and the login rate limit (app.h), in
 * memory under one mutex, each table bounded (the oldest entry goes).
 *
 * A session's cookie is APP_SESSION_BYTES from the CSPRNG as hex; only its
 * BLAKE2b hash is kept, so a dump of this process's memory does not give
 * a live cookie. The rate limit counts failures in a row per account and
 * per client address: the account's counter stops a guesser spread over
 * many addresses, the address's one a guesser trying many accounts.
 */
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "app_int.h"

#define FAILS_MAX 512U /* counters kept, accounts and addresses together */
#define FAIL_KEY_MAX 64U

struct sess {
        uint8_t hash[ENTRY_HASH_BYTES]; /* of the cookie; zero: free */
        struct app_session s;
        uint64_t started_ms;
};

struct fails {
        char key[FAIL_KEY_MAX]; /* "u:NAME" or "a:ADDRESS"; "": free */
        unsigned n;             /* failures in a row */
        uint64_t last_ms;
};

struct app_sessions {
        uv_mutex_t lock;
        struct sess v[APP_SESSIONS_MAX];
        struct fails f[FAILS_MAX];
};

struct app_sessions *
app_sessions_new(void)
{
        struct app_sessions *s = xcalloc(1, sizeof(*s));

        if (uv_mutex_init(&s->lock))
                abort(); /* cannot happen on Linux */
        return s;
}

void
app_sessions_free(struct app_sessions *s)
{
        if (!s)
                return;
        uv_mutex_destroy(&s->lock);
        explicit_bzero(s, sizeof(*s));
        free(s);
}

static void
cookie_hash(const char *cookie, uint8_t out[ENTRY_HASH_BYTES])
{
        hash_bytes(out, slice_make(cookie, strlen(cookie)));
}

static bool
slot_free(const struct sess *x)
{
        static const uint8_t zero[ENTRY_HASH_BYTES];

        return !memcmp(x->hash, zero, sizeof(zero));
}

void
app_session_start(struct app_sessions *s, const char *user,
                  const uint8_t *stamp, uint64_t now_ms,
                  char cookie[APP_SESSION_HEX + 1], struct app_session *out)
{
        uint8_t raw[APP_SESSION_BYTES];
        struct sess *x = NULL;

        random_bytes(raw, sizeof(raw));
        hex_encode(cookie, raw, sizeof(raw));
        random_bytes(raw, sizeof(raw));
        uv_mutex_lock(&s->lock);
        /* A free or expired slot, else the oldest session's. */
        for (size_t i = 0; i < APP_SESSIONS_MAX; i++) {
                struct sess *y = &s->v[i];
                if (slot_free(y) || y->s.expires_ms <= now_ms) {
                        x = y;
                        break;
                }
                if (!x || y->started_ms < x->started_ms)
                        x = y;
        }
        memset(x, 0, sizeof(*x));
        cookie_hash(cookie, x->hash);
        snprintf(x->s.user, sizeof(x->s.user), "%s", user);
        if (stamp)
                memcpy(x->s.stamp, stamp, APP_STAMP_BYTES);
        hex_encode(x->s.csrf, raw, sizeof(raw));
        x->s.expires_ms = now_ms + APP_SESSION_TTL_MS;
        x->started_ms = now_ms;
        *out = x->s;
        uv_mutex_unlock(&s->lock);
        explicit_bzero(raw, sizeof(raw));
}

/* The slot of cookie, or NULL (under the lock). */
static struct sess *
sess_find(struct app_sessions *s, const char *cookie)
{
        uint8_t h[ENTRY_HASH_BYTES];

        if (strlen(cookie) != APP_SESSION_HEX)
                return NULL;
        cookie_hash(cookie, h);
        for (size_t i = 0; i < APP_SESSIONS_MAX; i++)
                if (!memcmp(s->v[i].hash, h, sizeof(h)))
                        return &s->v[i];
        return NULL;
}

int
app_session_find(struct app_sessions *s, const char *cookie, uint64_t now_ms,
                 struct app_session *out)
{
        struct sess *x;
        int err = ERR_LOGIN_NEEDED;

        uv_mutex_lock(&s->lock);
        x = sess_find(s, cookie);
        if (x && x->s.expires_ms > now_ms) {
                *out = x->s;
                err = 0;
        } else if (x) {
                memset(x, 0, sizeof(*x)); /* expired */
        }
        uv_mutex_unlock(&s->lock);
        return err;
}

void
app_session_end(struct app_sessions *s, const char *cookie)
{
        struct sess *x;

        uv_mutex_lock(&s->lock);
        if ((x = sess_find(s, cookie)))
                explicit_bzero(x, sizeof(*x));
        uv_mutex_unlock(&s->lock);
}

/* ---- the login rate limit ------------------------------------------------ */

/* The counter of key (under the lock); with make, a new one (replacing the
 * one idle longest) when there is none. */
static struct fails *
fails_of(struct app_sessions *s, const char *key, bool make, uint64_t now_ms)
{
        struct fails *old = NULL;

        for (size_t i = 0; i < FAILS_MAX; i++) {
                struct fails *f = &s->f[i];
                if (!strcmp(f->key, key))
                        return f;
                if (!old || !f->key[0] ||
                    (old->key[0] && f->last_ms < old->last_ms))
                        old = f;
        }
        if (!make)
                return NULL;
        memset(old, 0, sizeof(*old));
        snprintf(old->key, sizeof(old->key), "%s", key);
        old->last_ms = now_ms;
        return old;
}

static void
key_make(char out[FAIL_KEY_MAX], char kind, const char *what)
{
        snprintf(out, FAIL_KEY_MAX, "%c:%s", kind, what);
}

/* How long key is still locked at now_ms (0: not). */
static uint64_t
locked_for(struct app_sessions *s, const char *key, unsigned max,
           uint64_t now_ms)
{
        struct fails *f = fails_of(s, key, false, now_ms);

        if (!f || f->n < max || f->last_ms + APP_LOGIN_LOCK_MS <= now_ms)
                return 0;
        return f->last_ms + APP_LOGIN_LOCK_MS - now_ms;
}

int
app_login_allowed(struct app_sessions *s, const char *user, const char *addr,
                  uint64_t now_ms, uint64_t *wait_ms)
{
        char ku[FAIL_KEY_MAX], ka[FAIL_KEY_MAX];
        uint64_t wu, wa;

        key_make(ku, 'u', user);
        key_make(ka, 'a', addr);
        uv_mutex_lock(&s->lock);
        wu = locked_for(s, ku, APP_LOGIN_FAILS_USER, now_ms);
        wa = locked_for(s, ka, APP_LOGIN_FAILS_ADDR, now_ms);
        uv_mutex_unlock(&s->lock);
        *wait_ms = wu > wa ? wu : wa;
        return *wait_ms ? ERR_LOGIN_RATE : 0;
}

void
app_login_failed(struct app_sessions *s, const char *user, const char *addr,
                 uint64_t now_ms)
{
        char keys[2][FAIL_KEY_MAX];

        key_make(keys[0], 'u', user);
        key_make(keys[1], 'a', addr);
        uv_mutex_lock(&s->lock);
        for (size_t i = 0; i < 2; i++) {
                struct fails *f = fails_of(s, keys[i], true, now_ms);
                /* A lock served its time: counting starts again. */
                if (f->last_ms + APP_LOGIN_LOCK_MS <= now_ms)
                        f->n = 0;
                f->n++;
                f->last_ms = now_ms;
        }
        uv_mutex_unlock(&s->lock);
}

void
app_login_succeeded(struct app_sessions *s, const char *user, const char *addr)
{
        char keys[2][FAIL_KEY_MAX];

        key_make(keys[0], 'u', user);
        key_make(keys[1], 'a', addr);
        uv_mutex_lock(&s->lock);
        for (size_t i = 0; i < 2; i++) {
                struct fails *f = fails_of(s, keys[i], false, 0);
                if (f)
                        memset(f, 0, sizeof(*f));
        }
        uv_mutex_unlock(&s->lock);
}
