/*
 * bench_webhook_marks: what recording a delivery costs (docs/WEBHOOKS.md,
 * "Where deliveries are recorded"), either way, on the same disk:
 *   store: a write transaction on the node's LMDB store (one small
 *          meta value) committed with its fsync: the daemon's writes
 *          wait for the store's one writer lock that long;
 *   log:   one line appended to the delivery log and fdatasync'ed.
 * Not a test: prints the mean and the worst per mark over N of each.
 *   bench_webhook_marks DIR [N]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../src/hook/hook_int.h"

static uint64_t
now_us(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000000U + (uint64_t)ts.tv_nsec / 1000U;
}

static void
report(const char *what, const uint64_t *us, int n)
{
        uint64_t sum = 0, max = 0;

        for (int i = 0; i < n; i++) {
                sum += us[i];
                max = us[i] > max ? us[i] : max;
        }
        printf("%-6s %d marks: mean %.0f us, worst %llu us\n", what, n,
               (double)sum / n, (unsigned long long)max);
}

int
main(int argc, char **argv)
{
        struct store_options so = {.map_size_bytes = 64U << 20};
        int n = argc > 2 ? atoi(argv[2]) : 200;
        uint64_t *us = xcalloc((size_t)n, sizeof(*us));
        char path[512], msg[256];
        uint8_t id[ENTRY_HASH_BYTES] = {0};
        struct store *s;
        struct dlog l;

        if (argc < 2 || n < 1)
                return 2;
        snprintf(path, sizeof(path), "%s/store", argv[1]);
        if (store_open(&s, path, &so))
                return 1;
        for (int i = 0; i < n; i++) {
                struct store_txn *t;
                uint8_t v[8];
                uint64_t t0 = now_us();

                be64_put(v, (uint64_t)i);
                if (store_begin(s, true, &t) ||
                    store_meta_put(t, "bench_mark", slice_make(v, 8)) ||
                    store_commit(t))
                        return 1;
                us[i] = now_us() - t0;
        }
        store_close(s);
        report("store", us, n);
        if (dlog_open(&l, argv[1], "bench", "00", msg)) {
                fprintf(stderr, "%s\n", msg);
                return 1;
        }
        for (int i = 0; i < n; i++) {
                uint64_t t0 = now_us();

                if (dlog_append(&l, (uint64_t)i + 1, "msg_0", id, 200, 1))
                        return 1;
                us[i] = now_us() - t0;
        }
        dlog_close(&l);
        report("log", us, n);
        free(us);
        return 0;
}
