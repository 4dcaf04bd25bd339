/*
 * bench_verify: the Ed25519 verify ceiling over the entries of a bundle,
 * on THREADS threads at once (each a contiguous share, one pass, as the
 * sync receiver splits a batch): crypto_sign_verify_detached alone, over
 * the very messages the entries sign ("simpul entry v1" || header). Not a
 * test; tests/bench/bench_sync.sh runs it on the bundle it syncs.
 *
 *   bench_verify BUNDLE [THREADS]
 *
 * Prints "name value unit" lines. verify_per_cpu_s (verifications per
 * CPU-second of the threads) hardly depends on the machine's load;
 * verify_ceiling_per_s is that times the cores used (at most the cores
 * online): what those cores would verify with nothing else to do.
 */
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../../src/entry/entry.h"

#define THREADS_MAX 16
static const char context[] = "simpul entry v1"; /* proto/SPEC.md §5 */
#define CONTEXT_BYTES (sizeof(context) - 1)

struct job {
        const struct entry *es;
        size_t from, to;
        double cpu_s;
        size_t bad;
};

static double
clock_s(clockid_t id)
{
        struct timespec ts;

        clock_gettime(id, &ts);
        return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *
run(void *arg)
{
        struct job *j = arg;
        uint8_t msg[CONTEXT_BYTES + ENTRY_HEADER_MAX];
        double t0 = clock_s(CLOCK_THREAD_CPUTIME_ID);

        memcpy(msg, context, CONTEXT_BYTES);
        for (size_t i = j->from; i < j->to; i++) {
                const struct entry *e = &j->es[i];

                memcpy(msg + CONTEXT_BYTES, e->env.header.ptr,
                       e->env.header.len);
                j->bad += crypto_sign_verify_detached(e->env.sig.ptr, msg,
                                                      CONTEXT_BYTES +
                                                          e->env.header.len,
                                                      e->h.author) != 0;
        }
        j->cpu_s = clock_s(CLOCK_THREAD_CPUTIME_ID) - t0;
        return NULL;
}

/* The bundle's entries, parsed (not verified): their bytes stay in *data. */
static size_t
load_bundle(const char *path, uint8_t **data, struct entry **es)
{
        FILE *f = fopen(path, "rb");
        size_t cap = 0, n = 0, len = 0, off = BUNDLE_MAGIC_BYTES;
        uint32_t elen;

        if (!f)
                return 0;
        *data = NULL;
        for (;;) {
                *data = xrealloc(*data, len + (1 << 20));
                size_t got = fread(*data + len, 1, 1 << 20, f);
                len += got;
                if (got < (1 << 20))
                        break;
        }
        fclose(f);
        if (len < off || memcmp(*data, BUNDLE_MAGIC, BUNDLE_MAGIC_BYTES))
                return 0;
        *es = NULL;
        while (off + BUNDLE_LEN_BYTES <= len &&
               !wire_bundle_len(*data + off, &elen) &&
               off + BUNDLE_LEN_BYTES + elen <= len) {
                off += BUNDLE_LEN_BYTES;
                if (n == cap) {
                        cap = cap ? 2 * cap : 1024;
                        *es = xrealloc(*es, cap * sizeof(**es));
                }
                if (entry_parse(slice_make(*data + off, elen), &(*es)[n]))
                        return 0;
                n++;
                off += elen;
        }
        return n;
}

int
main(int argc, char **argv)
{
        struct job jobs[THREADS_MAX];
        pthread_t tids[THREADS_MAX];
        long cpus = sysconf(_SC_NPROCESSORS_ONLN);
        int t = argc > 2 ? atoi(argv[2]) : (int)cpus;
        uint8_t *data;
        struct entry *es;
        double t0, wall, cpu = 0;
        size_t n, bad = 0;
        double loadavg[1] = {0};

        if (argc < 2 || t < 1 || t > THREADS_MAX || entry_lib_init())
                return 2;
        if (!(n = load_bundle(argv[1], &data, &es))) {
                fprintf(stderr, "bench_verify: %s: no entries\n", argv[1]);
                return 1;
        }
        getloadavg(loadavg, 1);
        t0 = clock_s(CLOCK_MONOTONIC);
        for (int i = 0; i < t; i++) {
                jobs[i] = (struct job){es, n * (size_t)i / (size_t)t,
                                       n * (size_t)(i + 1) / (size_t)t, 0, 0};
                if (pthread_create(&tids[i], NULL, run, &jobs[i]))
                        return 1;
        }
        for (int i = 0; i < t; i++) {
                pthread_join(tids[i], NULL);
                cpu += jobs[i].cpu_s;
                bad += jobs[i].bad;
        }
        wall = clock_s(CLOCK_MONOTONIC) - t0;
        if (bad) {
                fprintf(stderr, "bench_verify: %zu signatures failed\n", bad);
                return 1;
        }
        printf("verify_entries %zu\n", n);
        printf("verify_threads %d (of %ld cores)\n", t, cpus);
        printf("verify_load_avg %.2f (1-minute, before)\n", loadavg[0]);
        printf("verify_wall_per_s %.0f verifications/s\n", (double)n / wall);
        printf("verify_per_cpu_s %.0f verifications per CPU-s\n",
               (double)n / cpu);
        printf("verify_ceiling_per_s %.0f verifications/s (%d free cores)\n",
               (double)n / cpu * (t < cpus ? t : (double)cpus),
               t < cpus ? t : (int)cpus);
        free(es);
        free(data);
        return 0;
}
