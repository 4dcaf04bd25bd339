/*
 * hook: the loop of simpul webhooks. Per endpoint: take the next event of
 * its kinds from the outbox, post it until it is answered 2xx (backoff
 * between attempts), log it delivered, take the next. Endpoints are served
 * in turn by this one thread; a hung one costs the others at most its
 * timeout_ms per attempt, and while its circuit is open it is tried only
 * when its backoff says.
 */
#include <errno.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "hook_int.h"

struct endpoint {
        const struct webhook_config *c; /* borrowed from the node's config */
        uint8_t *key;                   /* sodium_malloc'ed secret */
        size_t key_len;
        struct dlog log;
        void *curl;
        uint64_t scan; /* outbox rows looked at through here */
        bool has_ev;   /* ev is the head: being delivered */
        struct app_outbox_event ev;
        char id[HOOK_ID_BUF];
        unsigned failures; /* in a row, for ev (and before it) */
        uint64_t next_ms;  /* not before then */
};

struct hook {
        struct node *n;
        struct endpoint eps[NODE_WEBHOOKS_MAX];
        size_t n_eps;
        struct hook_stats *st;
        struct buf body;
};

static void
sleep_ms(uint64_t ms)
{
        struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000};

        nanosleep(&ts, NULL); /* a signal ends it: the caller looks */
}

/* The secret file: relative paths are the data directory's. */
static int
secret_load(struct hook *h, struct endpoint *e)
{
        char path[1024], text[256];
        const char *f = e->c->secret_file;
        FILE *fp;
        size_t n;
        int err;

        snprintf(path, sizeof(path), "%s%s%s", f[0] == '/' ? "" : h->n->dir,
                 f[0] == '/' ? "" : "/", f);
        if (!(fp = fopen(path, "re"))) {
                err = -errno;
                log_error("WEBHOOK-SECRET", "[webhook %s] secret_file '%s': %s",
                          e->c->name, path, err_str(err));
                return ERR_CONFIG;
        }
        n = fread(text, 1, sizeof(text) - 1, fp);
        fclose(fp);
        text[n] = 0;
        e->key = sodium_malloc(HOOK_SECRET_MAX);
        if (!e->key)
                abort();
        err = hook_secret_parse(text, e->key, &e->key_len);
        sodium_memzero(text, sizeof(text));
        if (err)
                log_error("WEBHOOK-SECRET",
                          "[webhook %s] secret_file '%s': expected whsec_ and "
                          "the base64 of 24 to 64 bytes (simpul webhooks "
                          "--new-secret FILE makes one)",
                          e->c->name, path);
        return err;
}

/* The store's instance, which binds the delivery logs to it. */
static int
instance_get(struct node *n, char *out)
{
        struct app_stream first;
        char msg[APP_ERR_MAX];
        int err;

        if ((err = app_stream_read(n, NULL, 0, 1, false, 0, &first, msg))) {
                log_error("WEBHOOK-STORE", "%s", msg);
                return err;
        }
        memcpy(out, first.instance, 2 * STORE_INSTANCE_BYTES + 1);
        app_stream_release(&first);
        return 0;
}

static int
hook_open(struct hook *h, const struct hook_options *o)
{
        char dir[1024], inst[2 * STORE_INSTANCE_BYTES + 1], msg[256];
        const struct config *c = &h->n->config;
        int err;

        if ((err = instance_get(h->n, inst)))
                return err;
        snprintf(dir, sizeof(dir), "%s/%s", h->n->dir, HOOK_DIR);
        if (mkdir(dir, 0700) && errno != EEXIST) {
                err = -errno;
                log_error("WEBHOOK-LOG", "cannot make '%s': %s", dir,
                          err_str(err));
                return err;
        }
        for (size_t i = 0; i < c->webhooks_n; i++) {
                struct endpoint *e = &h->eps[h->n_eps];

                if (o->only && strcmp(o->only, c->webhooks[i].name))
                        continue;
                memset(e, 0, sizeof(*e));
                e->c = &c->webhooks[i];
                e->log.fd = -1;
                h->n_eps++;
                if ((err = secret_load(h, e)))
                        return err;
                if ((err = dlog_open(&e->log, dir, e->c->name, inst, msg))) {
                        log_error("WEBHOOK-LOG", "%s: %s", msg, err_str(err));
                        return err;
                }
                e->scan = e->log.pos;
                e->curl = post_handle_new();
        }
        return 0;
}

static void
hook_close(struct hook *h)
{
        for (size_t i = 0; i < h->n_eps; i++) {
                dlog_close(&h->eps[i].log);
                sodium_free(h->eps[i].key);
                if (h->eps[i].curl)
                        post_handle_free(h->eps[i].curl);
        }
        buf_release(&h->body);
}

/* The next event of e's kinds, into e->ev: false when none yet. */
static int
endpoint_next(struct hook *h, struct endpoint *e, bool *found)
{
        char msg[APP_ERR_MAX];
        int err;

        *found = e->has_ev;
        if (e->has_ev)
                return 0;
        if ((err = app_outbox_next(h->n, e->scan, e->c->kinds, &e->ev, found,
                                   &e->scan, msg))) {
                log_error("WEBHOOK-STORE", "%s", msg);
                return err;
        }
        if (*found) {
                e->has_ev = true;
                hook_delivery_id(e->id, e->c->name, e->ev.id);
        }
        return 0;
}

static void
endpoint_failed(struct hook *h, struct endpoint *e, long status,
                const char *why)
{
        uint64_t wait;

        h->st->failed++;
        e->failures++;
        wait = hook_backoff_ms(e->c->backoff_min_ms, e->c->backoff_max_ms,
                               e->failures, randombytes_random());
        e->next_ms = time_now_ms() + wait;
        if (e->failures == HOOK_CIRCUIT_FAILURES)
                log_warn("WEBHOOK-CIRCUIT-OPEN",
                         "[webhook %s] %u attempts in a row failed; events "
                         "wait, tried again with backoff up to %" PRIu64
                         " ms; sync is not affected",
                         e->c->name, e->failures, e->c->backoff_max_ms);
        if (status)
                log_info("WEBHOOK-RETRY",
                         "[webhook %s] %s %s: HTTP %ld; attempt %u again in "
                         "%" PRIu64 " ms",
                         e->c->name, e->ev.type, e->id, status, e->failures + 1,
                         wait);
        else
                log_info("WEBHOOK-RETRY",
                         "[webhook %s] %s %s: %s; attempt %u again in "
                         "%" PRIu64 " ms",
                         e->c->name, e->ev.type, e->id, why, e->failures + 1,
                         wait);
}

static int
endpoint_delivered(struct hook *h, struct endpoint *e, long status,
                   unsigned attempts)
{
        int err =
            dlog_append(&e->log, e->ev.seq, e->id, e->ev.id, status, attempts);

        if (err) {
                log_error("WEBHOOK-LOG",
                          "[webhook %s] cannot log a delivery: %s", e->c->name,
                          err_str(err));
                return err;
        }
        if (e->failures >= HOOK_CIRCUIT_FAILURES)
                log_info("WEBHOOK-CIRCUIT-CLOSED",
                         "[webhook %s] delivering again after %u failed "
                         "attempts",
                         e->c->name, e->failures);
        log_debug("WEBHOOK-DELIVERED", "[webhook %s] %s %s: HTTP %ld",
                  e->c->name, e->ev.type, e->id, status);
        h->st->delivered++;
        e->failures = 0;
        e->has_ev = false;
        e->next_ms = 0;
        return 0;
}

/* One attempt at e's head event. */
static int
endpoint_attempt(struct hook *h, struct endpoint *e)
{
        char msg[APP_ERR_MAX], sig[HOOK_SIG_BUF], why[256] = "";
        uint64_t now = time_now_ms();
        struct post_req r;
        long status;
        int err;

        buf_reset(&h->body);
        err =
            app_webhook_body(h->n, &e->ev, e->c->personal, now, &h->body, msg);
        if (err == ERR_KIM_NOT_FOUND) {
                /* Entries are not deleted; should one be, its event
                 * cannot be told: logged, and passed by. */
                log_warn("WEBHOOK-SKIPPED", "[webhook %s] %s %s: %s",
                         e->c->name, e->ev.type, e->id, msg);
                return endpoint_delivered(h, e, 0, e->failures);
        }
        if (err) {
                log_error("WEBHOOK-STORE", "%s", msg);
                return err;
        }
        hook_sign(sig, e->key, e->key_len, e->id, now / 1000,
                  buf_slice(&h->body));
        r = (struct post_req){.url = e->c->url,
                              .id = e->id,
                              .type = e->ev.type,
                              .ts_s = now / 1000,
                              .sig = sig,
                              .body = buf_slice(&h->body),
                              .timeout_ms = e->c->timeout_ms};
        h->st->attempts++;
        if ((err = post_send(e->curl, &r, &status, why)))
                return err;
        if (status >= 200 && status < 300)
                return endpoint_delivered(h, e, status, e->failures + 1);
        endpoint_failed(h, e, status, why);
        return 0;
}

/*
 * One turn over the endpoints: *busy when one delivered (go on at once),
 * *waiting when one waits out a failure, *wake_ms the soonest retry.
 */
static int
hook_turn(struct hook *h, bool *busy, bool *waiting, uint64_t *wake_ms)
{
        int err = 0;

        *busy = *waiting = false;
        for (size_t i = 0; i < h->n_eps && !err; i++) {
                struct endpoint *e = &h->eps[i];
                uint64_t now = time_now_ms();
                bool found;

                if (e->has_ev && now < e->next_ms) {
                        *waiting = true;
                        if (e->next_ms < *wake_ms)
                                *wake_ms = e->next_ms;
                        continue;
                }
                if ((err = endpoint_next(h, e, &found)) || !found)
                        continue;
                if ((err = endpoint_attempt(h, e)))
                        break;
                *busy |= !e->has_ev;
                *waiting |= e->has_ev;
                if (e->has_ev && e->next_ms < *wake_ms)
                        *wake_ms = e->next_ms;
        }
        return err;
}

int
hook_run(struct node *n, const struct hook_options *o,
         volatile sig_atomic_t *stop, struct hook_stats *st)
{
        uint64_t poll = o->poll_ms ? o->poll_ms : HOOK_POLL_DEFAULT_MS;
        struct hook h = {.n = n, .st = st, .body = BUF_INIT};
        int err;

        memset(st, 0, sizeof(*st));
        if (sodium_init() < 0 || (err = post_global_init()))
                return -ENOMEM;
        if ((err = hook_open(&h, o)))
                goto out;
        if (!h.n_eps) {
                log_error("WEBHOOK-NONE",
                          "no [webhook %s] section in the "
                          "config",
                          o->only ? o->only : "NAME");
                err = ERR_CONFIG;
                goto out;
        }
        log_info("WEBHOOK-START", "delivering to %zu endpoints", h.n_eps);
        while (!*stop) {
                uint64_t wake = time_now_ms() + poll, now;
                bool busy, waiting;

                if ((err = hook_turn(&h, &busy, &waiting, &wake)))
                        break;
                if (busy)
                        continue;
                if (o->once) {
                        err = waiting ? ERR_WEBHOOK_DOWN : 0;
                        break;
                }
                now = time_now_ms();
                if (wake > now + poll)
                        wake = now + poll;
                if (wake > now)
                        sleep_ms(wake - now);
        }
out:
        hook_close(&h);
        return err;
}

int
hook_status(struct node *n, struct hook_endpoint_status *out, size_t *n_out)
{
        const struct config *c = &n->config;
        char dir[1024], msg[APP_ERR_MAX];
        int err = 0;

        *n_out = 0;
        snprintf(dir, sizeof(dir), "%s/%s", n->dir, HOOK_DIR);
        for (size_t i = 0; i < c->webhooks_n && !err; i++) {
                struct hook_endpoint_status *e = &out[i];

                memset(e, 0, sizeof(*e));
                e->c = &c->webhooks[i];
                if ((err = dlog_peek(dir, e->c->name, &e->position,
                                     e->last_time, &e->running)))
                        break;
                if ((err = app_outbox_count(n, e->position, e->c->kinds,
                                            &e->waiting, &e->outbox, msg)))
                        log_error("WEBHOOK-STORE", "%s", msg);
                *n_out = i + 1;
        }
        return err;
}
