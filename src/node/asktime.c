/*
 * asktime: a node whose clock cannot be right (node_time: before its
 * floor) asks the parent it dialled for the time (TIME_REQUEST, SYNC.md
 * §6.1) and keeps the answer, half the round trip added, for every
 * process of this boot (node_time_take). Only a parent is asked: the
 * peer of a dialled link whose region is above this node's. A node whose
 * clock is sane never asks, and so never takes a peer's time.
 */
#include <string.h>

#include "daemon_int.h"

static bool
told_no(const struct daemon *d, const uint8_t key[ENTRY_KEY_BYTES])
{
        for (size_t i = 0; i < d->no_time_n; i++)
                if (!memcmp(d->no_time[i], key, ENTRY_KEY_BYTES))
                        return true;
        return false;
}

/* Whether to ask this link's peer, once the session started. */
static bool
should_ask(struct conn *c)
{
        const char *own = c->d->n->config.region;
        struct node_time t;

        if (!c->dialer || !strcmp(c->peer.region, own) ||
            !region_covers(c->peer.region, own) || told_no(c->d, c->key))
                return false;
        node_time(c->d->n, &t);
        return t.source != NODE_TIME_SYSTEM;
}

static void
take(struct conn *c, uint64_t ms)
{
        uint64_t rtt = uv_now(&c->d->loop) - c->time_asked_ms;
        struct node_time t;
        char k[17];
        int err;

        daemon_key_short(k, c->key);
        if (!ms || rtt > DAEMON_TIME_RTT_MAX) {
                log_info("CLOCK-PARENT",
                         "parent %s (%s) %s: this node keeps its own clock", k,
                         c->peer.region,
                         ms ? "answered too slowly" : "knows no time either");
                return;
        }
        node_time(c->d->n, &t);
        ms += rtt / 2; /* it answered about half the round trip ago */
        if (ms < t.floor_ms) {
                log_warn("CLOCK-PARENT",
                         "parent %s (%s) tells a time before what this node "
                         "knows has passed: not taken",
                         k, c->peer.region);
                return;
        }
        if ((err = node_time_take(c->d->n, ms, c->peer.region))) {
                log_warn("CLOCK-PARENT", "cannot keep the parent's time: %s",
                         err_str(err));
                return;
        }
        log_info("CLOCK-PARENT",
                 "this machine's clock reads before what this node knows has "
                 "passed: new entries and deadlines use the time of parent "
                 "%s (%s), within %llu ms, until the clock is set",
                 k, c->peer.region, (unsigned long long)(rtt / 2 + 1));
}

void
conn_time(struct conn *c)
{
        uint64_t ms;

        if (sync_take_time(c->s, &ms)) {
                take(c, ms);
                return;
        }
        if (c->time_checked || !sync_started(c->s))
                return;
        c->time_checked = true;
        if (!should_ask(c))
                return;
        c->time_asked_ms = uv_now(&c->d->loop);
        sync_time_ask(c->s);
}

void
conn_time_closed(struct conn *c, int err)
{
        struct daemon *d = c->d;
        uint64_t ms;

        if (err != ERR_PEER_ERROR || !sync_time_asked(c->s) ||
            sync_take_time(c->s, &ms) ||
            strcmp(sync_stats(c->s)->peer_error, err_id(ERR_PROTOCOL)) ||
            told_no(d, c->key))
                return;
        if (d->no_time_n == DAEMON_NO_TIME_MAX)
                d->no_time_n--; /* forget the oldest */
        memmove(d->no_time[1], d->no_time[0],
                d->no_time_n * sizeof(d->no_time[0]));
        memcpy(d->no_time[0], c->key, ENTRY_KEY_BYTES);
        d->no_time_n++;
        log_info("CLOCK-PARENT",
                 "parent %s does not know TIME_REQUEST (an older simpul): "
                 "not asked again while this node runs",
                 c->peer.region);
}
