/*
 * bench_poll: watches a running node's store from outside, every 5 ms, for
 * bench_sync.sh. One process for a whole run, so a poll costs one LMDB read
 * transaction instead of starting `simpul status` (tens of ms on a busy
 * machine). Reads commands on stdin, answers one line each:
 *
 *   count            -> ENTRIES             entries held now
 *   more BASE        -> MS ENTRIES          waits until entries > BASE
 *   head FEED_HEX N  -> MS HEAD             waits until that feed's head >= N
 *
 * MS is the wall-clock time (ms since the epoch, as the daemons' log lines)
 * of the first poll that saw it. A wait gives up after 600 s ("timeout").
 *
 *   bench_poll STORE_DIR          (the node's data directory + /store)
 *
 * Not a test. Built by bench_sync.sh against the build's static libraries.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../src/store/store.h"

#define POLL_NS 5000000L
#define GIVE_UP_MS 600000U

static uint64_t
wall_ms(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_REALTIME, &ts);
        return (uint64_t)ts.tv_sec * 1000U + (uint64_t)ts.tv_nsec / 1000000U;
}

static void
nap(void)
{
        struct timespec ts = {0, POLL_NS};

        nanosleep(&ts, NULL);
}

/* Entries held, or the feed's head when feed is given; -1 on error. */
static long long
probe(struct store *s, const uint8_t *feed)
{
        struct store_txn *t;
        struct store_stats st;
        struct feed_info fi;
        long long v = -1;
        int err;

        if (store_begin(s, false, &t))
                return -1;
        if (feed) {
                err = store_feed_get(t, feed, &fi);
                v = !err                   ? (long long)fi.head_seq
                    : err == ERR_NOT_FOUND ? 0
                                           : -1;
        } else if (!store_stats(t, &st)) {
                v = (long long)st.entries;
        }
        store_abort(t);
        return v;
}

int
main(int argc, char **argv)
{
        struct store_options opt = {0, true};
        struct store *s;
        char line[256], hex[80];
        uint8_t feed[ENTRY_HASH_BYTES];
        long long base, v;
        uint64_t t0;

        if (argc != 2) {
                fprintf(stderr, "usage: bench_poll STORE_DIR\n");
                return 2;
        }
        if (store_open(&s, argv[1], &opt)) {
                fprintf(stderr, "bench_poll: cannot open %s\n", argv[1]);
                return 1;
        }
        setvbuf(stdout, NULL, _IOLBF, 0);
        while (fgets(line, sizeof(line), stdin)) {
                const uint8_t *f = NULL;

                if (!strncmp(line, "count", 5)) {
                        printf("%lld\n", probe(s, NULL));
                        continue;
                }
                if (sscanf(line, "more %lld", &base) == 1) {
                        base += 1;
                } else if (sscanf(line, "head %79s %lld", hex, &base) == 2 &&
                           !hex_decode(feed, sizeof(feed), hex, strlen(hex))) {
                        f = feed;
                } else {
                        printf("error\n");
                        continue;
                }
                t0 = wall_ms();
                while ((v = probe(s, f)) < base && wall_ms() - t0 < GIVE_UP_MS)
                        nap();
                if (v < base)
                        printf("timeout\n");
                else
                        printf("%llu %lld\n", (unsigned long long)wall_ms(), v);
        }
        store_close(s);
        return 0;
}
