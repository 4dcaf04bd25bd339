/*
 * bench_relay: a byte-counting TCP relay for bench_sync.sh. It listens on
 * 127.0.0.1 (a free port, written to PORT_FILE), and for every connection
 * it accepts (the child) opens one to TARGET (the parent) and copies bytes
 * both ways, counting what it delivers in each direction: c2p (child to
 * parent) and p2c (parent to child). These are the TCP payload bytes each
 * end put on its socket, as the peer received them: the wire, not the
 * daemons' own counters. c2p_sent and p2c_sent count what the relay took
 * from each sender; they exceed the delivered counts only after a cut
 * (bytes a sender wrote that never arrived).
 *
 * With --cut-p2c N the first connection is cut (both sockets closed) right
 * after exactly N bytes reached the child, as if the link dropped; later
 * connections (the child redialling) are relayed whole.
 *
 * STATS_FILE is rewritten (atomically) at most every 20 ms while bytes move
 * and on every connect and close: "name value" lines, times in wall-clock
 * ms (comparable with the daemons' log lines). SIGTERM writes it and exits.
 *
 *   bench_relay TARGET_HOST:PORT PORT_FILE STATS_FILE [--cut-p2c N]
 *
 * Not a test. Built by bench_sync.sh with the system C compiler.
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

#define MAX_CONNS 64
#define BUF_BYTES (256 * 1024)

struct dir {
        int from, to; /* indexes into the pair's fds */
        unsigned char *buf;
        size_t off, len; /* pending bytes buf[off..len) */
        bool eof, shut;  /* read EOF seen; shutdown(to) done */
        uint64_t bytes;  /* delivered */
        uint64_t read;   /* taken from the sender (>= bytes) */
        uint64_t first_ms, last_ms;
};

struct pair {
        int fd[2];       /* 0 child, 1 parent */
        struct dir d[2]; /* 0 c2p, 1 p2c */
        bool open, cut;
        uint64_t open_ms, close_ms;
};

static struct pair pairs[MAX_CONNS];
static int npairs;
static volatile sig_atomic_t stop;
static const char *stats_path;
static uint64_t cut_p2c; /* 0: never */
static uint64_t cut_ms, cut_at;
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
write_stats(void)
{
        char tmp[4096];
        uint64_t c2p = 0, p2c = 0, first = 0, last = 0, c2p_r = 0, p2c_r = 0;
        int open = 0;
        FILE *f;

        snprintf(tmp, sizeof(tmp), "%s.tmp", stats_path);
        if (!(f = fopen(tmp, "w")))
                return;
        for (int i = 0; i < npairs; i++) {
                struct pair *p = &pairs[i];
                c2p += p->d[0].bytes;
                p2c += p->d[1].bytes;
                c2p_r += p->d[0].read;
                p2c_r += p->d[1].read;
                for (int k = 0; k < 2; k++) {
                        if (p->d[k].first_ms &&
                            (!first || p->d[k].first_ms < first))
                                first = p->d[k].first_ms;
                        if (p->d[k].last_ms > last)
                                last = p->d[k].last_ms;
                }
                open += p->open;
                fprintf(f,
                        "conn%d c2p=%llu p2c=%llu open_ms=%llu close_ms=%llu "
                        "cut=%d\n",
                        i, (unsigned long long)p->d[0].bytes,
                        (unsigned long long)p->d[1].bytes,
                        (unsigned long long)p->open_ms,
                        (unsigned long long)p->close_ms, p->cut);
        }
        fprintf(f,
                "conns %d\nopen %d\nc2p %llu\np2c %llu\ntotal %llu\n"
                "c2p_sent %llu\np2c_sent %llu\ntotal_sent %llu\n"
                "first_ms %llu\nlast_ms %llu\ncut_at %llu\ncut_ms %llu\n"
                "now_ms %llu\n",
                npairs, open, (unsigned long long)c2p, (unsigned long long)p2c,
                (unsigned long long)(c2p + p2c), (unsigned long long)c2p_r,
                (unsigned long long)p2c_r, (unsigned long long)(c2p_r + p2c_r),
                (unsigned long long)first, (unsigned long long)last,
                (unsigned long long)cut_at, (unsigned long long)cut_ms,
                (unsigned long long)now_ms());
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
pair_close(struct pair *p)
{
        if (!p->open)
                return;
        close(p->fd[0]);
        close(p->fd[1]);
        free(p->d[0].buf);
        free(p->d[1].buf);
        p->d[0].buf = p->d[1].buf = NULL;
        p->open = false;
        p->close_ms = now_ms();
}

static void
pair_new(int child)
{
        struct pair *p;
        int fd;

        if (npairs == MAX_CONNS) {
                close(child);
                return;
        }
        fd = socket(AF_INET, SOCK_STREAM, 0);
        /* Blocking connect on loopback: immediate. */
        if (fd < 0 || connect(fd, (struct sockaddr *)&target, sizeof(target))) {
                if (fd >= 0)
                        close(fd);
                close(child);
                return;
        }
        p = &pairs[npairs++];
        memset(p, 0, sizeof(*p));
        p->fd[0] = child;
        p->fd[1] = fd;
        set_opts(child);
        set_opts(fd);
        for (int k = 0; k < 2; k++) {
                p->d[k].from = k;
                p->d[k].to = 1 - k;
                p->d[k].buf = malloc(BUF_BYTES);
        }
        p->open = true;
        p->open_ms = now_ms();
}

/* Moves what it can in one direction; -1 when the pair must close. */
static int
pump_dir(struct pair *p, int k, bool readable, bool writable)
{
        struct dir *d = &p->d[k];
        ssize_t n;

        if (readable && !d->eof && d->len < BUF_BYTES) {
                if (d->off == d->len)
                        d->off = d->len = 0;
                n = read(p->fd[d->from], d->buf + d->len, BUF_BYTES - d->len);
                if (n > 0) {
                        d->len += (size_t)n;
                        d->read += (uint64_t)n;
                } else if (n == 0)
                        d->eof = true;
                else if (errno != EAGAIN && errno != EINTR)
                        return -1;
        }
        if ((writable || d->len > d->off) && d->len > d->off) {
                size_t want = d->len - d->off;
                bool cutting = false;
                if (k == 1 && cut_p2c && p == &pairs[0] &&
                    d->bytes + want >= cut_p2c) {
                        want = (size_t)(cut_p2c - d->bytes);
                        cutting = true;
                }
                n = want ? write(p->fd[d->to], d->buf + d->off, want) : 0;
                if (n > 0) {
                        uint64_t t = now_ms();
                        d->off += (size_t)n;
                        d->bytes += (uint64_t)n;
                        if (!d->first_ms)
                                d->first_ms = t;
                        d->last_ms = t;
                } else if (n < 0 && errno != EAGAIN && errno != EINTR) {
                        return -1;
                }
                if (cutting && d->bytes == cut_p2c) {
                        p->cut = true;
                        cut_at = d->bytes;
                        cut_ms = now_ms();
                        return -1;
                }
        }
        if (d->eof && d->off == d->len && !d->shut) {
                shutdown(p->fd[d->to], SHUT_WR);
                d->shut = true;
        }
        return 0;
}

int
main(int argc, char **argv)
{
        struct sockaddr_in a;
        socklen_t alen = sizeof(a);
        char host[64];
        const char *colon;
        int lfd, one = 1;
        uint64_t last_write = 0;
        bool dirty = true;
        FILE *f;

        if (argc != 4 && !(argc == 6 && !strcmp(argv[4], "--cut-p2c"))) {
                fprintf(stderr, "usage: bench_relay HOST:PORT PORT_FILE "
                                "STATS_FILE [--cut-p2c N]\n");
                return 2;
        }
        stats_path = argv[3];
        if (argc == 6)
                cut_p2c = strtoull(argv[5], NULL, 10);
        colon = strrchr(argv[1], ':');
        if (!colon || (size_t)(colon - argv[1]) >= sizeof(host))
                return 2;
        memcpy(host, argv[1], (size_t)(colon - argv[1]));
        host[colon - argv[1]] = 0;
        memset(&target, 0, sizeof(target));
        target.sin_family = AF_INET;
        target.sin_port = htons((uint16_t)atoi(colon + 1));
        if (inet_pton(AF_INET, host, &target.sin_addr) != 1)
                return 2;

        signal(SIGPIPE, SIG_IGN);
        signal(SIGTERM, on_term);
        signal(SIGINT, on_term);
        lfd = socket(AF_INET, SOCK_STREAM, 0);
        setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        memset(&a, 0, sizeof(a));
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (bind(lfd, (struct sockaddr *)&a, sizeof(a)) || listen(lfd, 16) ||
            getsockname(lfd, (struct sockaddr *)&a, &alen)) {
                perror("bench_relay: listen");
                return 1;
        }
        fcntl(lfd, F_SETFL, fcntl(lfd, F_GETFL) | O_NONBLOCK);
        write_stats();
        if (!(f = fopen(argv[2], "w")))
                return 1;
        fprintf(f, "%d\n", ntohs(a.sin_port));
        fclose(f);

        while (!stop) {
                struct pollfd pf[1 + 2 * MAX_CONNS];
                int map[1 + 2 * MAX_CONNS], n = 0, rc;

                pf[n].fd = lfd;
                pf[n].events = POLLIN;
                map[n++] = -1;
                for (int i = 0; i < npairs; i++) {
                        struct pair *p = &pairs[i];
                        if (!p->open)
                                continue;
                        for (int s = 0; s < 2; s++) {
                                /* s reads for dir s, writes for dir 1-s */
                                struct dir *rd = &p->d[s], *wr = &p->d[1 - s];
                                pf[n].fd = p->fd[s];
                                pf[n].events = 0;
                                if (!rd->eof && rd->len < BUF_BYTES)
                                        pf[n].events |= POLLIN;
                                if (wr->len > wr->off)
                                        pf[n].events |= POLLOUT;
                                map[n++] = i * 2 + s;
                        }
                }
                rc = poll(pf, (nfds_t)n, 20);
                if (rc < 0 && errno != EINTR)
                        break;
                if (rc > 0 && (pf[0].revents & POLLIN)) {
                        int c;
                        while ((c = accept(lfd, NULL, NULL)) >= 0) {
                                pair_new(c);
                                dirty = true;
                        }
                }
                for (int j = 1; rc > 0 && j < n; j++) {
                        struct pair *p = &pairs[map[j] / 2];
                        int s = map[j] % 2;
                        short ev = pf[j].revents;
                        if (!p->open || !ev)
                                continue;
                        /* readable side s feeds dir s; writable feeds 1-s */
                        if (pump_dir(p, s, ev & (POLLIN | POLLHUP | POLLERR),
                                     false) < 0 ||
                            pump_dir(p, 1 - s, false, ev & POLLOUT) < 0) {
                                pair_close(p);
                                dirty = true;
                                continue;
                        }
                        dirty = true;
                        if (p->d[0].shut && p->d[1].shut) {
                                pair_close(p);
                        }
                }
                if (dirty && now_ms() - last_write >= 20) {
                        write_stats();
                        last_write = now_ms();
                        dirty = false;
                }
        }
        for (int i = 0; i < npairs; i++)
                pair_close(&pairs[i]);
        write_stats();
        return 0;
}
