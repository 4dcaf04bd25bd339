/*
 * conn: the daemon's side of one link: sending the frames its session
 * ends, refusing and closing, a full store, what follows each event of
 * the session (pipeline work, pushes), catching up, liveness (see
 * daemon_int.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon_int.h"

#define STATUS_EVERY_MS 2000U /* peer status written at most this often */

static void conn_pump(struct conn *c);
static void conn_read_pause(struct conn *c);
static void restored_found(struct conn *c);

/* Sends the frames the session ended (it decides their bounds). */
void
conn_tx(struct conn *c)
{
        struct slice f;
        int err;

        while (c->link && sync_next_frame(c->s, &f)) {
                err = link_send(c->link, f);
                c->last_tx_ms = uv_now(&c->d->loop);
                if (err) {
                        conn_fail(c, err, NULL);
                        return;
                }
        }
}

/* The messages of one event go out together, in one frame. */
void
conn_flush(struct conn *c)
{
        if (!c->link)
                return;
        sync_flush(c->s);
        conn_tx(c);
}

/* Closes after a refusal already logged elsewhere (the replica logs each
 * refused entry; the session logs a peer's ERROR): one line per refusal. */
void
conn_close_logged(struct conn *c, int err, const char *why)
{
        char k[17] = "?";

        if (!c->link || c->failed)
                return;
        if (c->has_key)
                daemon_key_short(k, c->key);
        c->failed = true;
        if (why && err != ERR_PEER_ERROR) {
                sync_send_error(c->s, why);
                conn_tx(c);
                log_info("LINK-CLOSED", "link %s peer %s: closing after %s",
                         c->address, k, why);
        }
        if (c->link)
                link_close(c->link, err);
}

void
conn_fail(struct conn *c, int err, const char *why)
{
        char k[17] = "?";

        if (!c->link || c->failed) /* closing: its one line is out */
                return;
        if (c->has_key)
                daemon_key_short(k, c->key);
        c->failed = true; /* this is the refusal's one line */
        log_warn(why ? why : err_id(err), "link %s peer %s: %s", c->address, k,
                 err_str(err));
        if (c->link && why)
                sync_send_error(c->s, why);
        conn_flush(c);
        if (c->link)
                link_close(c->link, err);
}

/*
 * The store is full (it logged STORE-FULL with the remedy): nothing more
 * of this session is stored or acknowledged, and the link stops reading,
 * so the peer's window fills and it stops sending; the link stays up for
 * what this node pushes. After a hold-off that doubles with each full
 * session, from backoff_min_ms up to backoff_max_ms, conn_tick closes it
 * with ERROR STORE-FULL and a new session retries (proto/SYNC.md §5).
 */
void
conn_full(struct conn *c)
{
        struct daemon *d = c->d;
        const struct config *cfg = &d->n->config;
        char k[17];

        if (c->full || !c->link)
                return;
        c->full = true;
        link_read_pause(c->link, true);
        d->full_holdoff_ms =
            d->full_holdoff_ms ? 2 * d->full_holdoff_ms : cfg->backoff_min_ms;
        if (d->full_holdoff_ms > cfg->backoff_max_ms)
                d->full_holdoff_ms = cfg->backoff_max_ms;
        c->full_retry_ms = uv_now(&d->loop) + d->full_holdoff_ms;
        log_info("SYNC-PAUSED",
                 "link %s peer %s: store full, storing nothing more from "
                 "this peer; retrying in %llu ms",
                 c->address, daemon_key_short(k, c->key),
                 (unsigned long long)d->full_holdoff_ms);
}

/*
 * The data budget (BLOBS.md §7.1): the session's bulk bytes counted into
 * the month's of this link, the month turned, the session told what is
 * left; one LINK-BUDGET line when it runs out. True if bulk may move
 * again after it could not (a new month).
 */
static bool
conn_budget(struct conn *c)
{
        const struct sync_stats *st = sync_stats(c->s);
        uint64_t budget = c->d->n->config.budget_mib * 1048576U;
        uint64_t moved = st->bulk_in + st->bulk_out;
        uint32_t month = store_month(time_now_ms());
        bool was_out = c->budget_logged;
        char k[17];

        c->bulk_used += moved - c->bulk_seen;
        c->bulk_seen = moved;
        if (month != c->bulk_month) {
                c->bulk_month = month;
                c->bulk_used = 0;
        }
        if (!budget || c->bulk_used < budget) {
                sync_bulk_limit(c->s,
                                budget ? budget - c->bulk_used : UINT64_MAX);
                c->budget_logged = false;
                return was_out;
        }
        sync_bulk_limit(c->s, 0);
        if (!c->budget_logged) {
                c->budget_logged = true;
                log_warn("LINK-BUDGET",
                         "link %s peer %s (%s): %llu bytes of attachments "
                         "this month, the budget of %llu MiB ([net] "
                         "budget_mib): they wait for next month; entries "
                         "still flow",
                         c->address, daemon_key_short(k, c->key),
                         c->peer.region, (unsigned long long)c->bulk_used,
                         (unsigned long long)c->d->n->config.budget_mib);
                note_peer(c, true, 0); /* the count, for simpul peers */
        }
        return false;
}

/*
 * After the session handled an event: its frames out, its refusal, the
 * work it has for the pipeline, then pushes. Messages produced while
 * handling one event go out together in one frame.
 */
void
conn_after(struct conn *c, int err, const char *why)
{
        struct daemon *d = c->d;

        if (!err)
                conn_time(c);
        conn_tx(c);
        restored_found(c);
        if (sync_stats(c->s)->forks_in != c->forks_seen) {
                c->forks_seen = sync_stats(c->s)->forks_in;
                daemon_changed(d); /* spread the proof on every link */
        }
        if (err == ERR_PEER_ERROR) {
                conn_time_closed(c, err);
                conn_close_logged(c, err, NULL);
                return;
        }
        if (err == ERR_STORE_FULL) { /* a peer record did not fit */
                conn_full(c);
                return;
        }
        if (err) {
                conn_fail(c, err, why);
                return;
        }
        pipeline_cert(c);
        pipeline_op(c);
        pipeline_next(d);
        conn_read_pause(c);
        conn_caught_up(c); /* a SYNCED with nothing to commit */
        if (sync_started(c->s))
                conn_budget(c);
        conn_pump(c);
        conn_flush(c);
}

void
conn_deliver(struct conn *c, struct slice frame)
{
        const char *why = NULL;
        int err;

        sync_clock(c->s, uv_hrtime() / 1000U);
        err = sync_receive(c->s, frame, &why);

        conn_after(c, err, why);
}

/* This month's bulk bytes on the peer's links so far, from its record (a
 * read on the loop thread; the daemon's writes go through the commits). */
static void
bulk_load(struct conn *c)
{
        struct store_txn *t;
        struct peer_info p;

        c->bulk_month = store_month(time_now_ms());
        c->bulk_used = 0;
        if (store_begin(c->d->n->store, false, &t))
                return;
        if (!store_peer_get(t, c->key, &p))
                c->bulk_used = store_peer_bulk(&p, c->bulk_month);
        store_abort(t);
        conn_budget(c);
}

/* The peer is validated and the link open: the session starts, which
 * LINK-OPEN and the peer's status say. */
void
conn_log_open(struct conn *c)
{
        char k[17];

        log_info("LINK-OPEN", "link %s peer %s (%s %s) %s", c->address,
                 daemon_key_short(k, c->key), c->peer.region, c->peer.name,
                 c->fallback_check ? "to a fallback, to check"
                 : c->dialer       ? "to parent"
                                   : "from child");
        bulk_load(c);
        note_peer(c, true, 0);
}

static void
conn_pump(struct conn *c)
{
        bool more;
        int err;

        /* A failed link is closing: nothing more goes out on it. */
        if (!sync_started(c->s) || !c->link || !c->opened || c->failed)
                return;
        sync_clock(c->s, uv_hrtime() / 1000U);
        while (c->link && link_queued(c->link) < DAEMON_QUEUE_HIGH) {
                if ((err = sync_pump(c->s, &more))) {
                        conn_fail(c, err, NULL);
                        return;
                }
                conn_tx(c);
                if (!more)
                        break;
        }
        conn_flush(c);
}

/* Received entries wait for commits: read no more of the link. */
static void
conn_read_pause(struct conn *c)
{
        if (c->link && !sync_wants_input(c->s))
                link_read_pause(c->link, true);
}

void
daemon_changed(struct daemon *d)
{
        for (struct conn *c = d->conns; c; c = c->next) {
                sync_changed(c->s);
                conn_pump(c);
        }
}

void
daemon_held_changed(struct daemon *d)
{
        for (struct conn *c = d->conns; c; c = c->next) {
                sync_held_changed(c->s);
                conn_pump(c);
        }
}

/*
 * A store marked restored (recreated empty, or found behind its own feeds
 * at a peer) allows posting again once it caught up with every configured
 * parent, each of which may hold entries of its own feeds that the others
 * lack (SYNC.md §5.3); a node without parents, with any peer. `simpul
 * restored --clear` lets the operator decide sooner.
 */
static void
restored_heard(struct conn *c)
{
        struct daemon *d = c->d;
        size_t n = d->n->config.parents_n;
        uint32_t all = n ? (uint32_t)((1ULL << n) - 1U) : 0;

        if (c->parent >= 0)
                d->parents_heard |= 1U << c->parent;
        /* A link made only to hear this parent has done its work. */
        if (c->dialer && c == c->dialer->check && c->link)
                link_close(c->link, 0);
        if (!d->n->restored || (d->parents_heard & all) != all ||
            d->restored_clearing)
                return;
        snprintf(d->restored_by, sizeof(d->restored_by), "%s%s",
                 n > 1 ? "every parent, last " : "", c->address);
        note_restored(d, false); /* logged once durable (notes_done) */
}

/* The peer holds entries of this node's own feeds that its store lacks:
 * the store went back in time (restored from an older copy). */
static void
restored_found(struct conn *c)
{
        struct daemon *d = c->d;
        char k[17];

        if (d->n->restored || !sync_stats(c->s)->own_behind)
                return;
        /* A session begun while the store was restored found it behind
         * (its HELLO), as expected; once caught up with that peer, what
         * it held is here: no news once the flag is cleared (by links to
         * every parent at once, one may clear it while another's HELLO
         * still says so). */
        if (c->began_restored && c->caught_up)
                return;
        d->n->restored = true; /* at once here; other processes read it */
        note_restored(d, true);
        d->parents_heard = 0;
        log_warn("STORE-RESTORED",
                 "peer %s holds entries of this node's own feeds that the "
                 "store lacks: it was restored from an older copy; posting "
                 "is off until every parent has been heard from (simpul "
                 "restored --clear to allow it now)",
                 daemon_key_short(k, c->key));
}

void
conn_caught_up(struct conn *c)
{
        char k[17];

        if (c->caught_up || c->full || !sync_stats(c->s)->caught_up)
                return;
        c->caught_up = true;
        restored_heard(c);
        log_info("SYNC-CAUGHT-UP",
                 "link %s peer %s: caught up (%llu entries in, %llu out)",
                 c->address, daemon_key_short(k, c->key),
                 (unsigned long long)sync_stats(c->s)->entries_in,
                 (unsigned long long)sync_stats(c->s)->entries_out);
        note_peer(c, true, 0);
}

/* Reads the link again once its session wants more. */
void
conn_read_resume(struct conn *c)
{
        if (c->link && !c->full && sync_wants_input(c->s))
                link_read_pause(c->link, false);
}

/* ---- a conn's life ------------------------------------------------------ */

struct conn *
conn_new(struct daemon *d, struct dialer *dl)
{
        struct conn *c = xcalloc(1, sizeof(*c));

        c->d = d;
        c->s = sync_session_new(&d->scfg);
        c->dialer = dl;
        c->parent = -1;
        c->began_restored = d->n->restored;
        c->next = d->conns;
        d->conns = c;
        c->last_rx_ms = c->last_tx_ms = uv_now(&d->loop);
        return c;
}

void
conn_unlink(struct conn *c)
{
        struct conn **pp = &c->d->conns;

        while (*pp && *pp != c)
                pp = &(*pp)->next;
        if (*pp)
                *pp = c->next;
}

void
conn_free(struct conn *c)
{
        sync_session_free(c->s);
        free(c);
}

/* ---- liveness, after every turn of the loop ---------------------------- */

/* Status for `simpul peers`, written when entries moved (at most every
 * STATUS_EVERY_MS while they do), not for keepalives: an idle link writes
 * nothing (an SD card dies of small writes). The bytes of keepalives are
 * counted at the next status, or when the link closes. */
static uint64_t
conn_status(struct conn *c, uint64_t now)
{
        const struct sync_stats *st = sync_stats(c->s);

        if (!sync_started(c->s) ||
            (st->entries_in == c->rep_in && st->entries_out == c->rep_out &&
             st->bulk_in + st->bulk_out == c->rep_bulk))
                return UINT64_MAX;
        if (now - c->status_ms < STATUS_EVERY_MS)
                return c->status_ms + STATUS_EVERY_MS;
        c->status_ms = now;
        note_peer(c, true, 0);
        return UINT64_MAX;
}

uint64_t
conn_tick(struct conn *c, uint64_t now)
{
        const struct config *cfg = &c->d->n->config;
        uint64_t next = UINT64_MAX;

        /* A link closing after a refusal only drains its queue. */
        if (!c->link || !c->opened || c->failed)
                return UINT64_MAX;
        if (c->full && now >= c->full_retry_ms) { /* see conn_full */
                conn_close_logged(c, ERR_STORE_FULL, err_id(ERR_STORE_FULL));
                return UINT64_MAX;
        }
        if (c->full)
                next = c->full_retry_ms;
        if (dialer_fallback_done(c)) {
                link_close(c->link, 0);
                return UINT64_MAX;
        }
        /* Any bytes count as life, not only whole frames: a 64 kbit/s
         * link takes longer than timeout_s to carry one 64 KiB frame.
         * Bytes in wake the loop, so this runs when they come. */
        if (link_bytes_in(c->link) != c->rx_bytes_seen) {
                c->rx_bytes_seen = link_bytes_in(c->link);
                c->last_rx_ms = now;
                /* Part of a chunk is here: the next ask may go now, a
                 * round trip before the link runs dry (BLOBS.md §6). */
                sync_clock(c->s, uv_hrtime() / 1000U);
                if (sync_started(c->s) &&
                    sync_rx_partial(c->s, link_rx_partial(c->link))) {
                        conn_pump(c);
                        if (!c->link || c->failed)
                                return UINT64_MAX;
                }
        }
        /* A peer that does not present a valid certificate in time (its
         * HELLO may come first, on a slow link) holds a handshake slot
         * (handshakes_over) no longer. */
        if (!sync_validated(c->s)) {
                uint64_t at =
                    c->opened_ms + NET_HS_TIMEOUT_MS + cfg->timeout_s * 1000U;
                if (now > at) {
                        conn_fail(c, ERR_TIMEOUT, NULL);
                        return UINT64_MAX;
                }
                next = min_ms(next, at + 1);
        }
        /* A full link reads nothing until its retry: no timeout. */
        if (!c->full) {
                uint64_t at = c->last_rx_ms + cfg->timeout_s * 1000U;
                if (now > at) {
                        conn_fail(c, ERR_TIMEOUT, NULL);
                        return UINT64_MAX;
                }
                next = min_ms(next, at + 1);
        }
        if (sync_started(c->s)) {
                if (now - c->last_tx_ms >= cfg->keepalive_s * 1000U) {
                        sync_ping(c->s);
                        c->last_tx_ms = now; /* out now, or with the frame
                                                held */
                        conn_tx(c);
                }
                next = min_ms(next, c->last_tx_ms + cfg->keepalive_s * 1000U);
                next = min_ms(next, conn_status(c, now));
                if (conn_budget(c)) /* a new month: bulk moves again */
                        conn_pump(c);
        }
        return next;
}

/*
 * The store changed: a revocation stored since (received on a link,
 * imported or posted by another process) closes every link of the key it
 * names, and of a peer whose certificate's issuer it names unless that
 * certificate is held (MEMBERSHIP.md §7.2): one NODE-REVOKED line a link.
 */
void
daemon_revoked_close(struct daemon *d)
{
        struct conn *c;

        for (c = d->conns; c; c = c->next)
                if (c->link && sync_validated(c->s) && !c->failed &&
                    member_standing(d->n, c->key, &c->peer) == ERR_REVOKED)
                        /* An ERROR only on an open link. */
                        conn_fail(c, ERR_REVOKED,
                                  c->opened ? err_id(ERR_REVOKED) : NULL);
}
