/* daemon: `simpul run`, the node's loop: start, wake, deadlines, stop
 * (see daemon.h, daemon_int.h).
 *
 * The loop polls nothing: an idle node with its links open wakes for a
 * keepalive every [net] keepalive_s and writes nothing. It wakes for
 * link events, for a commit made elsewhere (wake.c: another process
 * through daemon.sock, the HTTP API's threads through d->async), and at
 * the next deadline of a link or the dialer (daemon_due), which one timer
 * holds. */
#include <stdio.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#ifdef __GLIBC__
#include <malloc.h> /* malloc_trim */
#endif
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../secure/secure.h"
#include "../store/blobstore.h"
#include "daemon_int.h"

#define PROLOGUE "simpul/1"
#define TRIM_EVERY_MS 250U    /* store_trim at most this often */
#define STATS_EVERY_MS 50U    /* http: figures copied at most this often */
#define NO_WAKE_POLL_MS 1000U /* store_check, only without daemon.sock */

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

/*
 * The store changed outside the loop (a post, an import, a revocation by
 * another process or the HTTP API; simpul restored --clear): every link
 * rescans, and pushes. Reads, at a wake-up and at the start only.
 */
static void
store_check(struct daemon *d)
{
        struct store_txn *txn;
        uint64_t v = d->version, g = d->blobs_gen;

        if (!store_begin(d->n->store, false, &txn)) {
                if (store_version(txn, &v))
                        v = d->version;
                /* A blob opened by another process (simpul blob get) moves
                 * no feed, only the wanted blobs: links look again. */
                if (store_blobs_gen(txn, &g))
                        g = d->blobs_gen;
                store_abort(txn);
        }
        if (v != d->version) {
                d->version = v;
                d->blobs_gen = g;
                daemon_revoked_close(d);
                daemon_changed(d);
        } else if (g != d->blobs_gen) {
                d->blobs_gen = g;
                daemon_changed(d);
        }
        if (d->n->restored && !d->restored_writes &&
            !node_restored_load(d->n) && !d->n->restored)
                log_info("STORE-RESTORED",
                         "cleared by the operator: posting is allowed");
}

/* A wake-up from the HTTP API's threads (node_changed). */
static void
on_async(uv_async_t *a)
{
        store_check(a->data);
}

/* Wake-ups from other processes: one read of the store for all those
 * pending (their content means nothing). */
static void
on_wake(uv_poll_t *p, int status, int events)
{
        struct daemon *d = p->data;
        char byte;

        (void)status;
        (void)events;
        while (recv(d->wake_fd, &byte, sizeof(byte), 0) >= 0)
                ;
        store_check(d);
}

/*
 * The store's pages touched by commits and reads are page cache, not ours
 * to hold, and the batches' memory is free again: give both back a few
 * times a second while entries move (a village Pi has little RAM). The
 * next deadline, UINT64_MAX when nothing is to be given back.
 */
static uint64_t
trim_due(struct daemon *d, uint64_t now)
{
        if (d->trimmed_commits == d->commits)
                return UINT64_MAX;
        if (now - d->trim_ms < TRIM_EVERY_MS)
                return d->trim_ms + TRIM_EVERY_MS;
        store_trim(d->n->store);
#ifdef __GLIBC__
        malloc_trim(0);
#endif
        d->trimmed_commits = d->commits;
        d->trim_ms = now;
        return UINT64_MAX;
}

/* The loop woke for the deadline: the prepare that follows the timers
 * in this turn (on_prepare) does what is due. */
static void
on_timer(uv_timer_t *t)
{
        (void)t;
}

/*
 * After the events of each turn of the loop (a uv_prepare handle), and at
 * the deadline timer: what is due now (keepalives, timeouts, dials,
 * retries, trims), what can start in the pipeline, the figures for http;
 * then the timer is set to the next deadline. Nothing here polls: with
 * nothing due, the loop sleeps until the next event.
 */
static void
daemon_due(struct daemon *d)
{
        uint64_t now = uv_now(&d->loop), next = UINT64_MAX;
        struct conn *c, *n;

        if (d->stopping)
                return;
        if (d->dialing)
                next = dialer_fallback_dial(&d->dialer, now);
        for (c = d->conns; c; c = n) {
                n = c->next;
                next = min_ms(next, conn_tick(c, now));
        }
        if (d->dialing) {
                next = min_ms(next, dialer_probe(&d->dialer, now));
                next = min_ms(next, dialer_restored_check(&d->dialer, now));
        }
        next = min_ms(next, trim_due(d, now));
        if (d->wake_fd < 0) { /* see wake_start */
                if (now >= d->poll_at_ms) {
                        store_check(d);
                        d->poll_at_ms = now + NO_WAKE_POLL_MS;
                }
                next = min_ms(next, d->poll_at_ms);
        }
        pipeline_next(d);
        if (d->stats && now - d->stats_ms >= STATS_EVERY_MS) {
                stats_publish(d, true); /* http */
                d->stats_ms = now;
        } else if (d->stats) {
                next = min_ms(next, d->stats_ms + STATS_EVERY_MS);
        }
        if (next == UINT64_MAX)
                uv_timer_stop(&d->timer);
        else
                uv_timer_start(&d->timer, on_timer, next > now ? next - now : 0,
                               0);
}

static void
on_prepare(uv_prepare_t *p)
{
        daemon_due(p->data);
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
        node_wake_register(d->n, NULL); /* before the handle goes */
        uv_close((uv_handle_t *)&d->async, on_closed_quietly);
        if (d->wake_fd >= 0)
                uv_close((uv_handle_t *)&d->wake, on_closed_quietly);
        uv_close((uv_handle_t *)&d->timer, on_closed_quietly);
        uv_close((uv_handle_t *)&d->prepare, on_closed_quietly);
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

/* A child's TIME_REQUEST (SYNC.md §6.1): this node's time, or 0 when it
 * knows none either. */
static uint64_t
daemon_time_now(void *arg)
{
        struct node_time t;

        node_time(arg, &t);
        return t.source == NODE_TIME_UNKNOWN ? 0 : t.now_ms;
}

/* [blobs] fetch, or by level when empty (BLOBS.md §7): a desa pays for
 * its link and fetches originals when opened; a kecamatan fetches those
 * coming up from below, for their handler; a kabupaten everything. */
static int
blob_fetch(const struct config *c)
{
        if (c->blob_fetch >= 0)
                return c->blob_fetch;
        switch (region_level(c->region)) {
        case REGION_DESA:
                return SYNC_FETCH_ON_DEMAND;
        case REGION_KECAMATAN:
                return SYNC_FETCH_UP;
        default:
                return SYNC_FETCH_ALL;
        }
}

/*
 * Other processes wake the daemon through its socket (wake.c). Without
 * one (a file system that cannot hold sockets), the daemon reads its
 * store's version every NO_WAKE_POLL_MS instead, as it did before it had
 * one: posts by other processes still go out within a second.
 */
static void
wake_start(struct daemon *d)
{
        int err = node_wake_bind(d->n->dir, &d->wake_fd);

        if (!err && !(err = uv_poll_init(&d->loop, &d->wake, d->wake_fd))) {
                d->wake.data = d;
                uv_poll_start(&d->wake, UV_READABLE, on_wake);
                return;
        }
        log_warn("NODE-WAKE",
                 "cannot bind '%s/%s': %s; reading the store every "
                 "second instead",
                 d->n->dir, NODE_WAKE_FILE, err_str(err));
        if (d->wake_fd >= 0)
                close(d->wake_fd);
        d->wake_fd = -1;
}

/*
 * SIGTERM and SIGINT held (SIG_BLOCK) or let through (SIG_UNBLOCK) on
 * this thread. Between daemon_wait's loop and the daemon's, no libuv
 * handler would see a stop: held, it stays pending and reaches the next
 * loop's handler, and is not lost between the two.
 */
static void
stop_signals(int how)
{
        sigset_t set;

        sigemptyset(&set);
        sigaddset(&set, SIGTERM);
        sigaddset(&set, SIGINT);
        pthread_sigmask(how, &set, NULL);
}

static int
daemon_init(struct daemon *d, struct node *n)
{
        uint8_t network[ENTRY_HASH_BYTES], h[ENTRY_HASH_BYTES];
        int err;

        memset(d, 0, sizeof(*d));
        d->n = n;
        d->wake_fd = -1;
        d->ready_tail = &d->ready;
        d->checking_tail = &d->checking;
        d->notes_tail = &d->notes;
        d->parts_max = pipeline_parts(n);
        if ((err = member_load(n, network, &d->cert, &d->issuer_cert)))
                return err;
        hash_bytes(h, buf_slice(&d->cert));
        d->scfg =
            (struct sync_config){.r = &n->replica,
                                 .cert = buf_slice(&d->cert),
                                 .issuer_cert = buf_slice(&d->issuer_cert),
                                 .hs_hello_max = SECURE_HS_PAYLOAD_MAX - 16,
                                 .time_now = daemon_time_now,
                                 .time_arg = n,
                                 .blob_fetch_max = n->config.blob_fetch_max,
                                 .blob_fetch = blob_fetch(&n->config),
                                 .blob_auto_max = n->config.blob_auto_max};
        memcpy(d->scfg.cert_hash, h, SYNC_CERT_HASH_BYTES);
        /* A village Pi: smaller commits, a smaller resident set (sync.h). */
        if (region_level(n->config.region) >= REGION_DESA)
                d->scfg.batch_max = SYNC_BATCH_ENTRIES;
        buf_adds(&d->prologue, PROLOGUE);
        buf_add(&d->prologue, network, sizeof(network));
        d->lcfg = (struct link_config){n->key, buf_slice(&d->prologue),
                                       &links_cbs, NULL};
        if ((err = uv_loop_init(&d->loop)))
                return err;
        uv_timer_init(&d->loop, &d->timer);
        uv_prepare_init(&d->loop, &d->prepare);
        uv_async_init(&d->loop, &d->async, on_async);
        d->timer.data = d->prepare.data = d->async.data = d;
        wake_start(d);
        uv_signal_init(&d->loop, &d->sigterm);
        uv_signal_init(&d->loop, &d->sigint);
        d->sigterm.data = d->sigint.data = d;
        uv_signal_start(&d->sigterm, on_signal, SIGTERM);
        uv_signal_start(&d->sigint, on_signal, SIGINT);
        stop_signals(SIG_UNBLOCK); /* one held since daemon_wait: now */
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
        uint32_t holder;
        int err, lock_fd;

        signal(SIGPIPE, SIG_IGN);
        srandom((unsigned)(time_now_ms() ^ (uint64_t)getpid()));
        /* One daemon per data directory; the lock says it runs (wake.c). */
        if ((err = node_daemon_lock(n->dir, &lock_fd, &holder))) {
                if (err == ERR_EXISTS)
                        log_error("NODE-RUNNING",
                                  "a daemon already runs on '%s' (pid %u)",
                                  n->dir, (unsigned)holder);
                else
                        log_error("NODE-PID", "cannot lock '%s/%s': %s", n->dir,
                                  NODE_PID_FILE, err_str(err));
                free(d);
                return err;
        }
        if ((err = daemon_init(d, n))) {
                /* what it made before it failed: no handle yet */
                buf_release(&d->prologue);
                buf_release(&d->cert);
                buf_release(&d->issuer_cert);
                close(lock_fd);
                free(d);
                return err;
        }
        if ((err = daemon_listen(d))) {
                daemon_stop(d);
        } else {
                log_info("NODE-START", "node %s (%s) running", n->config.name,
                         n->config.region);
                dialer_start(d);
                node_wake_register(n, &d->async); /* the HTTP API's */
                store_check(d); /* what was posted while none ran */
                uv_prepare_start(&d->prepare, on_prepare);
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
        if (d->wake_fd >= 0)
                close(d->wake_fd);
        free(d);
        close(lock_fd); /* the daemon no longer runs */
        return err;
}

/* ---- waiting to run (daemon.h) ------------------------------------------ */

struct waiting {
        uv_timer_t timer;
        uv_signal_t sigterm, sigint;
        bool (*ready)(void *arg);
        void *arg;
        uv_idle_t idle;   /* while ending: poll without blocking */
        uv_check_t check; /* ... then end, after that poll */
        int result;
        bool ended;
};

static void
wait_end(struct waiting *w, int result)
{
        if (w->ended)
                return;
        w->ended = true;
        w->result = result;
        uv_close((uv_handle_t *)&w->timer, on_closed_quietly);
        uv_close((uv_handle_t *)&w->sigterm, on_closed_quietly);
        uv_close((uv_handle_t *)&w->sigint, on_closed_quietly);
        uv_close((uv_handle_t *)&w->idle, on_closed_quietly);
        uv_close((uv_handle_t *)&w->check, on_closed_quietly);
}

static void
on_wait_idle(uv_idle_t *h)
{
        (void)h;
}

static void
on_wait_check(uv_check_t *h)
{
        wait_end(h->data, 0);
}

static void
on_wait_tick(uv_timer_t *t)
{
        struct waiting *w = t->data;

        if (!w->ready(w->arg))
                return;
        /* Ready. A stop from now on stays pending for the next loop's
         * handler; one libuv caught already is in its signal pipe, read
         * by this iteration's poll (made not to block), before the check
         * ends the wait. */
        stop_signals(SIG_BLOCK);
        uv_timer_stop(t);
        uv_idle_start(&w->idle, on_wait_idle);
        uv_check_start(&w->check, on_wait_check);
}

static void
on_wait_signal(uv_signal_t *s, int signum)
{
        (void)signum;
        log_info("NODE-STOP", "stopped before the node ran");
        wait_end(s->data, 1);
}

int
daemon_wait(bool (*ready)(void *arg), void *arg, unsigned every_ms)
{
        struct waiting w = {.ready = ready, .arg = arg};
        uv_loop_t loop;
        int err;

        if (ready(arg))
                return 0;
        if ((err = uv_loop_init(&loop)))
                return err;
        uv_timer_init(&loop, &w.timer);
        uv_signal_init(&loop, &w.sigterm);
        uv_signal_init(&loop, &w.sigint);
        uv_idle_init(&loop, &w.idle);
        uv_check_init(&loop, &w.check);
        w.timer.data = w.sigterm.data = w.sigint.data = &w;
        w.idle.data = w.check.data = &w;
        uv_signal_start(&w.sigterm, on_wait_signal, SIGTERM);
        uv_signal_start(&w.sigint, on_wait_signal, SIGINT);
        stop_signals(SIG_UNBLOCK);
        uv_timer_start(&w.timer, on_wait_tick, every_ms, every_ms);
        uv_run(&loop, UV_RUN_DEFAULT);
        if (uv_loop_close(&loop))
                log_warn("NODE-STOP", "wait loop closed with handles open");
        return w.result;
}
