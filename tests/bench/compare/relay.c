/*
 * relay: a byte-counting TCP relay for the benchmarks (compare/run.sh,
 * bench_sync.sh). It listens on 127.0.0.1 (a free port, written to
 * PORT_FILE); for every connection it accepts (the reader, or child) it
 * opens one to TARGET (the writer, or parent) and copies bytes both ways,
 * counting what it delivers: c2p (child to parent) and p2c (parent to
 * child). These are the TCP payload bytes each end put on its socket, as
 * the other end received them, whatever the program (simpul, Hypercore,
 * PouchDB's HTTP): the wire, not a program's own counters. c2p_sent and
 * p2c_sent count what the relay took from each sender; they exceed the
 * delivered counts only after a cut.
 *
 * Any number of connections, one after another or at once (HTTP clients
 * open several); totals cover all of them, and the first CONN_LINES of
 * them get a line each. Times are wall-clock ms (CLOCK_REALTIME), as in
 * the daemons' log lines and JavaScript's Date.now(): first_open_ms is
 * when the first connection was accepted (the reader's connect).
 *
 * With --cut-p2c N the first connection is cut (both sockets closed) right
 * after exactly N bytes reached the child, as if the link dropped; later
 * connections are relayed whole.
 *
 * STATS_FILE is rewritten (atomically) at most every 20 ms while bytes
 * move and on every connect and close: "name value" lines. SIGTERM writes
 * it and exits.
 *
 *   relay TARGET_HOST:PORT PORT_FILE STATS_FILE [--cut-p2c N]
 *
 * A buffer is reset as soon as it is drained, so a reader that stops
 * (a full buffer) is polled again once the writer side took it all.
 *
 * Not a test. Built by the benchmark scripts with the system C compiler.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define LIVE_MAX 256 /* connections open at once */
#define CONN_LINES 16
#define BUF_BYTES (256U * 1024U)
#define STATS_EVERY_MS 20U

struct dir {
        unsigned char *buf;
        size_t off, len; /* pending bytes buf[off..len); 0, 0 when empty */
        bool eof, shut;  /* read EOF seen; shutdown(to, SHUT_WR) done */
        uint64_t bytes;  /* delivered */
        uint64_t taken;  /* read from the sender (>= bytes) */
};

struct pair {
        int id;
        int fd[2];       /* 0 child, 1 parent */
        struct dir d[2]; /* 0 c2p: fd[0] -> fd[1]; 1 p2c: fd[1] -> fd[0] */
        bool cut;
        uint64_t open_ms;
};

struct conn_line {
        uint64_t c2p, p2c, open_ms, close_ms;
        bool cut, closed;
};

static struct pair *live[LIVE_MAX];
static int nlive, nconns;
static struct conn_line lines[CONN_LINES];
/* Counters of closed pairs; live pairs are added when writing stats. */
static uint64_t done_c2p, done_p2c, done_c2p_taken, done_p2c_taken;
static uint64_t first_open_ms, first_ms, last_ms, cut_at, cut_ms, cut_p2c;
static volatile sig_atomic_t stop;
static const char *stats_path;
static struct sockaddr_in target;

static uint64_t
now_ms(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_REALTIME, &ts);
        return (uint64_t)ts.tv_sec * 1000U + (uint64_t)ts.tv_nsec / 1000000U;
}

static void
on_term(int sig)
{
        (void)sig;
        stop = 1;
}

static void
line_update(const struct pair *p, bool closed)
{
        struct conn_line *l;

        if (p->id >= CONN_LINES)
                return;
        l = &lines[p->id];
        l->c2p = p->d[0].bytes;
        l->p2c = p->d[1].bytes;
        l->open_ms = p->open_ms;
        l->cut = p->cut;
        if (closed && !l->closed) {
                l->closed = true;
                l->close_ms = now_ms();
        }
}

static void
write_stats(void)
{
        char tmp[4096];
        uint64_t c2p = done_c2p, p2c = done_p2c;
        uint64_t c2p_t = done_c2p_taken, p2c_t = done_p2c_taken;
        FILE *f;

        snprintf(tmp, sizeof(tmp), "%s.tmp", stats_path);
        if (!(f = fopen(tmp, "w")))
                return;
        for (int i = 0; i < nlive; i++) {
                c2p += live[i]->d[0].bytes;
                p2c += live[i]->d[1].bytes;
                c2p_t += live[i]->d[0].taken;
                p2c_t += live[i]->d[1].taken;
                line_update(live[i], false);
        }
        for (int i = 0; i < nconns && i < CONN_LINES; i++)
                fprintf(f,
                        "conn%d c2p=%llu p2c=%llu open_ms=%llu close_ms=%llu "
                        "cut=%d\n",
                        i, (unsigned long long)lines[i].c2p,
                        (unsigned long long)lines[i].p2c,
                        (unsigned long long)lines[i].open_ms,
                        (unsigned long long)lines[i].close_ms, lines[i].cut);
        fprintf(f,
                "conns %d\nopen %d\nc2p %llu\np2c %llu\ntotal %llu\n"
                "c2p_sent %llu\np2c_sent %llu\ntotal_sent %llu\n"
                "first_open_ms %llu\nfirst_ms %llu\nlast_ms %llu\n"
                "cut_at %llu\ncut_ms %llu\nnow_ms %llu\n",
                nconns, nlive, (unsigned long long)c2p, (unsigned long long)p2c,
                (unsigned long long)(c2p + p2c), (unsigned long long)c2p_t,
                (unsigned long long)p2c_t, (unsigned long long)(c2p_t + p2c_t),
                (unsigned long long)first_open_ms, (unsigned long long)first_ms,
                (unsigned long long)last_ms, (unsigned long long)cut_at,
                (unsigned long long)cut_ms, (unsigned long long)now_ms());
        fclose(f);
        rename(tmp, stats_path);
}

static void
set_opts(int fd)
{
        int one = 1;

        fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

static void
pair_free(int i)
{
        struct pair *p = live[i];

        close(p->fd[0]);
        close(p->fd[1]);
        done_c2p += p->d[0].bytes;
        done_p2c += p->d[1].bytes;
        done_c2p_taken += p->d[0].taken;
        done_p2c_taken += p->d[1].taken;
        line_update(p, true);
        free(p->d[0].buf);
        free(p->d[1].buf);
        free(p);
        live[i] = live[--nlive];
}

static void
pair_new(int child)
{
        struct pair *p;
        int fd;

        if (nlive == LIVE_MAX) {
                close(child);
                return;
        }
        fd = socket(AF_INET, SOCK_STREAM, 0);
        /* A blocking connect on loopback: immediate. */
        if (fd < 0 || connect(fd, (struct sockaddr *)&target, sizeof(target))) {
                if (fd >= 0)
                        close(fd);
                close(child);
                return;
        }
        if (!(p = calloc(1, sizeof(*p))) ||
            !(p->d[0].buf = malloc(BUF_BYTES)) ||
            !(p->d[1].buf = malloc(BUF_BYTES)))
                abort();
        p->id = nconns++;
        p->fd[0] = child;
        p->fd[1] = fd;
        set_opts(child);
        set_opts(fd);
        p->open_ms = now_ms();
        if (!first_open_ms)
                first_open_ms = p->open_ms;
        live[nlive++] = p;
        line_update(p, false);
}

/* Reads what fits from the sender of direction k; -1: close the pair. */
static int
dir_read(struct pair *p, int k)
{
        struct dir *d = &p->d[k];
        ssize_t n;

        if (d->eof || d->len == BUF_BYTES)
                return 0;
        n = read(p->fd[k], d->buf + d->len, BUF_BYTES - d->len);
        if (n > 0) {
                d->len += (size_t)n;
                d->taken += (uint64_t)n;
        } else if (n == 0) {
                d->eof = true;
        } else if (errno != EAGAIN && errno != EINTR) {
                return -1;
        }
        return 0;
}

/* Writes what is pending in direction k; -1: close the pair. */
static int
dir_write(struct pair *p, int k)
{
        struct dir *d = &p->d[k];
        size_t want = d->len - d->off;
        bool cutting = false;
        ssize_t n = 0;

        if (k == 1 && cut_p2c && p->id == 0 && d->bytes + want >= cut_p2c) {
                want = (size_t)(cut_p2c - d->bytes);
                cutting = true;
        }
        if (want) {
                n = write(p->fd[1 - k], d->buf + d->off, want);
                if (n < 0 && errno != EAGAIN && errno != EINTR)
                        return -1;
        }
        if (n > 0) {
                uint64_t t = now_ms();
                d->off += (size_t)n;
                d->bytes += (uint64_t)n;
                if (!first_ms)
                        first_ms = t;
                last_ms = t;
        }
        if (cutting && d->bytes == cut_p2c) {
                p->cut = true;
                cut_at = d->bytes;
                cut_ms = now_ms();
                return -1;
        }
        if (d->off == d->len)
                d->off = d->len = 0; /* drained: room to read again */
        if (d->eof && !d->len && !d->shut) {
                shutdown(p->fd[1 - k], SHUT_WR);
                d->shut = true;
        }
        return 0;
}

/* Moves what it can; -1 when the pair is finished or failed. */
static int
pair_step(struct pair *p, const short revents[2])
{
        for (int k = 0; k < 2; k++)
                if ((revents[k] & (POLLIN | POLLHUP | POLLERR)) &&
                    dir_read(p, k) < 0)
                        return -1;
        for (int k = 0; k < 2; k++)
                if (dir_write(p, k) < 0)
                        return -1;
        if ((revents[0] | revents[1]) & POLLERR)
                return -1;
        return p->d[0].shut && p->d[1].shut ? -1 : 0;
}

static int
parse_target(const char *text)
{
        char host[64];
        const char *colon = strrchr(text, ':');

        if (!colon || (size_t)(colon - text) >= sizeof(host))
                return -1;
        memcpy(host, text, (size_t)(colon - text));
        host[colon - text] = 0;
        memset(&target, 0, sizeof(target));
        target.sin_family = AF_INET;
        target.sin_port = htons((uint16_t)atoi(colon + 1));
        return inet_pton(AF_INET, host, &target.sin_addr) == 1 ? 0 : -1;
}

static int
listen_loopback(const char *port_file)
{
        struct sockaddr_in a;
        socklen_t alen = sizeof(a);
        int lfd, one = 1;
        FILE *f;

        lfd = socket(AF_INET, SOCK_STREAM, 0);
        setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        memset(&a, 0, sizeof(a));
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (lfd < 0 || bind(lfd, (struct sockaddr *)&a, sizeof(a)) ||
            listen(lfd, 64) || getsockname(lfd, (struct sockaddr *)&a, &alen)) {
                perror("relay: listen");
                return -1;
        }
        fcntl(lfd, F_SETFL, fcntl(lfd, F_GETFL) | O_NONBLOCK);
        write_stats();
        if (!(f = fopen(port_file, "w")))
                return -1;
        fprintf(f, "%d\n", ntohs(a.sin_port));
        fclose(f);
        return lfd;
}

static void
serve(int lfd)
{
        static struct pollfd pf[1 + 2 * LIVE_MAX];
        uint64_t last_write = 0;
        bool dirty = true;

        while (!stop) {
                int n = 1, rc, c;

                pf[0] = (struct pollfd){lfd, POLLIN, 0};
                for (int i = 0; i < nlive; i++)
                        for (int s = 0; s < 2; s++) {
                                struct dir *rd = &live[i]->d[s];
                                struct dir *wr = &live[i]->d[1 - s];
                                short ev = 0;
                                if (!rd->eof && rd->len < BUF_BYTES)
                                        ev |= POLLIN;
                                if (wr->len > wr->off)
                                        ev |= POLLOUT;
                                pf[n++] =
                                    (struct pollfd){live[i]->fd[s], ev, 0};
                        }
                rc = poll(pf, (nfds_t)n, dirty ? (int)STATS_EVERY_MS : 200);
                if (rc < 0 && errno != EINTR)
                        break;
                /* Pairs first (indexes match pf), from the last: freeing
                 * moves the last live pair into the freed slot. */
                for (int i = nlive - 1; rc > 0 && i >= 0; i--) {
                        short ev[2] = {pf[1 + 2 * i].revents,
                                       pf[2 + 2 * i].revents};
                        if (!ev[0] && !ev[1])
                                continue;
                        dirty = true;
                        if (pair_step(live[i], ev) < 0)
                                pair_free(i);
                }
                if (rc > 0 && (pf[0].revents & POLLIN))
                        while ((c = accept(lfd, NULL, NULL)) >= 0) {
                                pair_new(c);
                                dirty = true;
                        }
                if (dirty && now_ms() - last_write >= STATS_EVERY_MS) {
                        write_stats();
                        last_write = now_ms();
                        dirty = false;
                }
        }
}

int
main(int argc, char **argv)
{
        int lfd;

        if (argc != 4 && !(argc == 6 && !strcmp(argv[4], "--cut-p2c"))) {
                fprintf(stderr, "usage: relay HOST:PORT PORT_FILE STATS_FILE "
                                "[--cut-p2c N]\n");
                return 2;
        }
        stats_path = argv[3];
        if (argc == 6)
                cut_p2c = strtoull(argv[5], NULL, 10);
        if (parse_target(argv[1])) {
                fprintf(stderr, "relay: bad target '%s'\n", argv[1]);
                return 2;
        }
        signal(SIGPIPE, SIG_IGN);
        signal(SIGTERM, on_term);
        signal(SIGINT, on_term);
        if ((lfd = listen_loopback(argv[2])) < 0)
                return 1;
        serve(lfd);
        while (nlive)
                pair_free(nlive - 1);
        close(lfd);
        write_stats();
        return 0;
}
