/* daemon: `simpul run`, the node's loop: start, tick, stop (see
 * daemon.h, daemon_int.h). */
#include <stdio.h>
#include <signal.h>
#include <stdlib.h>
#ifdef __GLIBC__
#include <malloc.h> /* malloc_trim */
#endif
#include <string.h>
#include <unistd.h>

#include "../secure/secure.h"
#include "daemon_int.h"

#define PROLOGUE "simpul/1"
#define HEARTBEAT_EVERY_MS 5000U
#define TRIM_EVERY_MS 250U /* store_trim at most this often */

/* ---- http: live figures for other threads (daemon.h) ------------------ */
int
daemon_stats_init(struct daemon_stats *s)
{
        memset(s, 0, sizeof(*s));
        return uv_mutex_init(&s->lock);
}

void
daemon_stats_release(struct daemon_stats *s)
{
        uv_mutex_destroy(&s->lock);
}

void
daemon_stats_get(struct daemon_stats *s, struct daemon_figures *out)
{
        uv_mutex_lock(&s->lock);
        *out = s->f;
        uv_mutex_unlock(&s->lock);
}

static void
stats_publish(struct daemon *d, bool running)
{
        struct daemon_figures f = {0};
        struct job *j;

        if (!d->stats)
                return;
        f.running = running;
        f.updated_ms = time_now_ms();
        for (struct conn *c = d->conns; c; c = c->next)
                if (c->link && sync_started(c->s))
                        f.links_open++;
                else if (c->link || c->dialer)
                        f.links_opening++;
        for (j = d->ready; j; j = j->next)
                f.batches_queued += j->kind == JOB_BATCH;
        for (j = d->checking; j; j = j->next)
                f.batches_queued++;
        f.batches_queued += d->committing && d->committing->kind == JOB_BATCH;
        f.store_version = d->version;
        uv_mutex_lock(&d->stats->lock);
        f.started_ms =
            d->stats->f.started_ms ? d->stats->f.started_ms : f.updated_ms;
        d->stats->f = f;
        uv_mutex_unlock(&d->stats->lock);
}

static void
on_tick(uv_timer_t *t)
{
        struct daemon *d = t->data;
        uint64_t now = uv_now(&d->loop), v = d->version;
        struct store_txn *txn;
        struct conn *c, *next;

        if (d->dialing)
                dialer_fallback_dial(&d->dialer, now);
        for (c = d->conns; c; c = next) {
                next = c->next;
                conn_tick(c, now);
        }
        if (d->dialing) {
                dialer_probe(&d->dialer, now);
                dialer_restored_check(&d->dialer, now);
        }
        /* Entries posted by another process (simpul post) show up here. */
        if (!store_begin(d->n->store, false, &txn)) {
                if (store_version(txn, &v))
                        v = d->version;
                store_abort(txn);
        }
        if (v != d->version) {
                d->version = v;
                daemon_revoked_close(d);
                daemon_changed(d);
        }
        /* simpul restored --clear, from another process. */
        if (d->n->restored && !d->restored_writes &&
            !node_restored_load(d->n) && !d->n->restored)
                log_info("STORE-RESTORED",
                         "cleared by the operator: posting is allowed");
        /* The store's pages touched by commits and reads are page cache,
         * not ours to hold, and the batches' memory is free again: give
         * both back a few times a second while entries move (a village
         * Pi has little RAM). */
        if (d->trimmed_version != v && now - d->trim_ms >= TRIM_EVERY_MS) {
                store_trim(d->n->store);
#ifdef __GLIBC__
                malloc_trim(0);
#endif
                d->trimmed_version = v;
                d->trim_ms = now;
        }
        if (now - d->heartbeat_ms >= HEARTBEAT_EVERY_MS) {
                d->heartbeat_ms = now;
                note_heartbeat(d);
        }
        pipeline_next(d);
        stats_publish(d, true); /* http */
}

static void
on_closed_quietly(uv_handle_t *h)
{
        (void)h;
}

static void
daemon_stop(struct daemon *d)
{
        if (d->stopping)
                return;
        d->stopping = true;
        log_info("NODE-STOP", "stopping: closing links, finishing commits");
        if (d->listening)
                uv_close((uv_handle_t *)&d->server, on_closed_quietly);
        if (d->dialing)
                uv_close((uv_handle_t *)&d->dialer.timer, on_closed_quietly);
        uv_close((uv_handle_t *)&d->tick, on_closed_quietly);
        uv_close((uv_handle_t *)&d->sigterm, on_closed_quietly);
        uv_close((uv_handle_t *)&d->sigint, on_closed_quietly);
        for (struct conn *c = d->conns; c; c = c->next)
                if (c->link)
                        link_close(c->link, 0);
}

static void
on_signal(uv_signal_t *s, int signum)
{
        (void)signum;
        daemon_stop(s->data);
}

/* The address really bound (a configured port 0 picks a free one). */
static const char *
bound_address(struct daemon *d)
{
        static char text[NET_ADDR_MAX];
        struct sockaddr_storage ss;
        int len = sizeof(ss);
        char host[48];

        if (uv_tcp_getsockname(&d->server, (struct sockaddr *)&ss, &len))
                return d->n->config.listen;
        if (ss.ss_family == AF_INET6) {
                uv_ip6_name((struct sockaddr_in6 *)&ss, host, sizeof(host));
                snprintf(text, sizeof(text), "[%s]:%d", host,
                         ntohs(((struct sockaddr_in6 *)&ss)->sin6_port));
        } else {
                uv_ip4_name((struct sockaddr_in *)&ss, host, sizeof(host));
                snprintf(text, sizeof(text), "%s:%d", host,
                         ntohs(((struct sockaddr_in *)&ss)->sin_port));
        }
        return text;
}

static int
daemon_listen(struct daemon *d)
{
        int err;

        if (!d->n->config.listen[0])
                return 0;
        d->server.data = d;
        err = net_listen(&d->loop, &d->server, d->n->config.listen,
                         links_on_connection);
        if (err) {
                log_error("NODE-LISTEN", "cannot listen on %s: %s",
                          d->n->config.listen, err_str(err));
                return err;
        }
        d->listening = true;
        log_info("NODE-LISTEN", "listening on %s", bound_address(d));
        return 0;
}

static int
daemon_init(struct daemon *d, struct node *n)
{
        uint8_t network[ENTRY_HASH_BYTES], h[ENTRY_HASH_BYTES];
        int err;

        memset(d, 0, sizeof(*d));
        d->n = n;
        d->ready_tail = &d->ready;
        d->checking_tail = &d->checking;
        d->notes_tail = &d->notes;
        d->parts_max = pipeline_parts(n);
        if ((err = member_load(n, network, &d->cert, &d->issuer_cert)))
                return err;
        hash_bytes(h, buf_slice(&d->cert));
        d->scfg = (struct sync_config){&n->replica,
                                       buf_slice(&d->cert),
                                       buf_slice(&d->issuer_cert),
                                       {0},
                                       SECURE_HS_PAYLOAD_MAX - 16};
        memcpy(d->scfg.cert_hash, h, SYNC_CERT_HASH_BYTES);
        buf_adds(&d->prologue, PROLOGUE);
        buf_add(&d->prologue, network, sizeof(network));
        d->lcfg = (struct link_config){n->key, buf_slice(&d->prologue),
                                       &links_cbs, NULL};
        if ((err = uv_loop_init(&d->loop)))
                return err;
        uv_timer_init(&d->loop, &d->tick);
        d->tick.data = d;
        uv_signal_init(&d->loop, &d->sigterm);
        uv_signal_init(&d->loop, &d->sigint);
        d->sigterm.data = d->sigint.data = d;
        uv_signal_start(&d->sigterm, on_signal, SIGTERM);
        uv_signal_start(&d->sigint, on_signal, SIGINT);
        return 0;
}

int
daemon_run(struct node *n)
{
        return daemon_run_stats(n, NULL);
}

int
daemon_run_stats(struct node *n, struct daemon_stats *stats)
{
        struct daemon *d = xcalloc(1, sizeof(*d));
        int err;

        signal(SIGPIPE, SIG_IGN);
        srandom((unsigned)(time_now_ms() ^ (uint64_t)getpid()));
        if ((err = daemon_init(d, n))) {
                free(d);
                return err;
        }
        if ((err = daemon_listen(d))) {
                daemon_stop(d);
        } else {
                log_info("NODE-START", "node %s (%s) running", n->config.name,
                         n->config.region);
                dialer_start(d);
                uv_timer_start(&d->tick, on_tick, DAEMON_TICK_MS,
                               DAEMON_TICK_MS);
        }
        d->stats = stats; /* http: set after daemon_init cleared d */
        uv_run(&d->loop, UV_RUN_DEFAULT);
        stats_publish(d, false);
        if (uv_loop_close(&d->loop))
                log_warn("NODE-STOP", "loop closed with handles open");
        else if (!err)
                log_info("NODE-STOP", "stopped cleanly");
        buf_release(&d->prologue);
        buf_release(&d->cert);
        buf_release(&d->issuer_cert);
        while (d->notes) { /* written by none, after the stop */
                struct note *nt = d->notes;
                d->notes = nt->next;
                free(nt);
        }
        free(d->orphans);
        free(d);
        return err;
}
