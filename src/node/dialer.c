/*
 * dialer: keeping a link to a parent: dialling with backoff and
 * fallbacks, probing the first parent while on a fallback, checking a
 * fallback now and then (SYNC.md §8), and hearing every parent while the
 * store is marked restored (SYNC.md §5.3).
 */
#include <stdio.h>
#include <string.h>

#include "daemon_int.h"

#define FALLBACK_META "fallback_check" /* wall-clock ms of the last check */

static void dialer_dial(struct dialer *dl);

static void
dial_to(struct dialer *dl, size_t parent, struct conn **slot)
{
        struct daemon *d = dl->d;
        const char *address = d->n->config.parents[parent];
        struct link_config cfg = d->lcfg;
        struct conn *c = conn_new(d, dl);
        int err;

        c->parent = (int)parent;
        snprintf(c->address, sizeof(c->address), "%s", address);
        *slot = c;
        cfg.data = c;
        /* c->link is set at once: a stop must close a link that is still
         * connecting or in its handshake (a black hole answers nothing). */
        if ((err = link_dial(&d->loop, address, &cfg, &c->link))) {
                log_error("CONFIG", "cannot dial '%s': %s", address,
                          err_str(err));
                conn_unlink(c);
                conn_free(c);
                *slot = NULL;
        }
}

static void
on_dial_timer(uv_timer_t *t)
{
        dialer_dial(t->data);
}

static void
dialer_dial(struct dialer *dl)
{
        if (dl->d->stopping || dl->conn)
                return;
        dial_to(dl, dl->index, &dl->conn);
        if (!dl->conn) /* unusable address: wait, then the next one */
                uv_timer_start(&dl->timer, on_dial_timer, backoff_next(&dl->bo),
                               0);
}

/* Closed for a refusal, by either side (not a cut, a timeout, a stop)? */
static bool
refusal(int err)
{
        return err > ERR_FIRST_ && err < ERR_LAST_ && err != ERR_TIMEOUT &&
               err != ERR_STORE_FULL;
}

void
dialer_closed(struct dialer *dl, struct conn *c, int err)
{
        const struct config *cfg = &dl->d->n->config;
        size_t n = cfg->parents_n;

        if (c == dl->probe) {
                dl->probe = NULL;
                /* A revoked parent stays revoked: its address is tried
                 * again only as often as a fallback is checked (a new
                 * machine, with a new key, may answer there). */
                if (err == ERR_REVOKED &&
                    cfg->check_fallback_s > cfg->retry_primary_s)
                        dl->probe_at_ms = uv_now(&dl->d->loop) +
                                          cfg->check_fallback_s * 1000U;
                return;
        }
        if (c == dl->fallback) {
                dl->fallback = NULL;
                return;
        }
        if (c == dl->check) {
                dl->check = NULL;
                return;
        }
        if (c != dl->conn)
                return;
        dl->conn = NULL;
        if (dl->d->stopping || c->replaced)
                return;
        if (dl->fallback && dl->fallback->opened && !dl->fallback->failed) {
                /* A fallback check is up (it may have brought the
                 * revocation that closed this link): it stays, as the
                 * link to that fallback. */
                dl->conn = dl->fallback;
                dl->conn->fallback_check = false;
                dl->index = dl->fallback_index;
                dl->fallback = NULL;
                return;
        }
        /* Only a link that did some good and was not refused (by either
         * side) resets the re-dial delay: a peer that refuses this node,
         * or that it refuses, is not dialled again at once. */
        if (c->opened && !refusal(err) &&
            (c->caught_up || sync_stats(c->s)->entries_in ||
             sync_stats(c->s)->entries_out))
                backoff_reset(&dl->bo);
        if (c->opened) {
                /* A link that worked: try the parent again soon. */
                dl->index = 0;
        } else if (++dl->index < n) {
                dialer_dial(dl); /* next fallback right away */
                return;
        } else {
                dl->index = 0;
        }
        uv_timer_start(&dl->timer, on_dial_timer, backoff_next(&dl->bo), 0);
}

/*
 * While the store is marked restored, posting waits for every parent
 * (restored_heard), but the dialer links to one at a time: dial each of
 * the others, one after another, beside it, until heard (SYNC.md §5.3).
 */
uint64_t
dialer_restored_check(struct dialer *dl, uint64_t now)
{
        struct daemon *d = dl->d;
        size_t n = d->n->config.parents_n;

        if (!d->n->restored || dl->check)
                return UINT64_MAX;
        if (now < dl->check_at_ms)
                return dl->check_at_ms;
        for (size_t i = 0; i < n; i++) {
                bool linked = false;
                if (d->parents_heard & (1U << i))
                        continue;
                for (struct conn *c = d->conns; c; c = c->next)
                        linked |= c->parent == (int)i && c->link != NULL;
                if (linked)
                        continue;
                /* A parent that is down is tried again as the primary
                 * is: every retry_primary_s. */
                dl->check_at_ms = now + d->n->config.retry_primary_s * 1000U;
                dial_to(dl, i, &dl->check);
                return dl->check ? UINT64_MAX : dl->check_at_ms;
        }
        return UINT64_MAX; /* heard them all, or linked to the rest */
}

/* While on a fallback, try the parent every retry_primary_s. */
uint64_t
dialer_probe(struct dialer *dl, uint64_t now)
{
        struct config *cfg = &dl->d->n->config;

        if (!dl->conn || !dl->conn->opened || dl->index == 0 || dl->probe)
                return UINT64_MAX;
        if (now < dl->probe_at_ms)
                return dl->probe_at_ms;
        dl->probe_at_ms = now + cfg->retry_primary_s * 1000U;
        dial_to(dl, 0, &dl->probe);
        return dl->probe ? UINT64_MAX : dl->probe_at_ms;
}

/* ---- fallback checks (SYNC.md §8) ----------------------------------- */

#define FALLBACK_META "fallback_check" /* wall-clock ms of the last check */
static void
fallback_record(struct daemon *d, uint64_t wall_ms)
{
        uint8_t v[8];

        be64_put(v, wall_ms);
        note_meta(d, FALLBACK_META, v, sizeof(v));
}

/*
 * The first check comes check_fallback_s after the last one, which the
 * store keeps: a Pi that restarts more often than that still checks.
 */
static void
fallback_schedule(struct dialer *dl)
{
        struct daemon *d = dl->d;
        uint64_t every = d->n->config.check_fallback_s * 1000U;
        uint64_t now = time_now_ms(), last = now, wait = every;
        struct buf v = BUF_INIT;
        struct store_txn *t;
        bool held = false;

        if (!store_begin(d->n->store, false, &t)) {
                held = !store_meta_get(t, FALLBACK_META, &v) && v.len == 8;
                store_abort(t);
        }
        if (held)
                last = be64_get(v.data);
        else
                fallback_record(d, now);
        if (last <= now) /* else the clock went back: wait one period */
                wait = now - last >= every ? 0 : every - (now - last);
        dl->fallback_at_ms = uv_now(&d->loop) + wait;
        buf_release(&v);
}

/*
 * While linked to the parent, a short session with a fallback (the next
 * one each time) every check_fallback_s: a parent that withholds entries,
 * above all the revocation of its own key, cannot keep them from this
 * node. The session ends once both sides are synced (conn_tick).
 */
uint64_t
dialer_fallback_dial(struct dialer *dl, uint64_t now)
{
        struct config *cfg = &dl->d->n->config;

        if (cfg->parents_n < 2 || !cfg->check_fallback_s || dl->index ||
            !dl->conn || !dl->conn->opened || dl->fallback)
                return UINT64_MAX;
        if (now < dl->fallback_at_ms)
                return dl->fallback_at_ms;
        dl->fallback_at_ms = now + cfg->check_fallback_s * 1000U;
        dl->fallback_index = dl->fallback_index % (cfg->parents_n - 1) + 1;
        fallback_record(dl->d, time_now_ms());
        dial_to(dl, dl->fallback_index, &dl->fallback);
        if (dl->fallback)
                dl->fallback->fallback_check = true;
        return dl->fallback ? UINT64_MAX : dl->fallback_at_ms;
}

/* A check is done once both sides sent SYNCED and hold what the other
 * pushed: nothing was withheld, or now it is here. (c->caught_up waits for
 * a commit; a check that brings nothing has none.) */
bool
dialer_fallback_done(const struct conn *c)
{
        const struct sync_stats *st = sync_stats(c->s);

        return c->fallback_check && sync_started(c->s) && !c->full &&
               !c->jobs && st->caught_up && st->synced_sent &&
               !sync_backlog(c->s);
}

void
dialer_start(struct daemon *d)
{
        struct dialer *dl = &d->dialer;

        if (!d->n->config.parents_n)
                return;
        dl->d = d;
        dl->bo.min_ms = d->n->config.backoff_min_ms;
        dl->bo.max_ms = d->n->config.backoff_max_ms;
        uv_timer_init(&d->loop, &dl->timer);
        dl->timer.data = dl;
        d->dialing = true;
        if (d->n->config.parents_n > 1 && d->n->config.check_fallback_s)
                fallback_schedule(dl);
        dialer_dial(dl);
}
