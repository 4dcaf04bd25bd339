/*
 * bench_views: the cost of keeping a report's view (src/replica/views.c)
 * as its steps arrive one batch at a time, as a live sync delivers them.
 * A report to the kabupaten, then STEPS steps by its handler in one feed
 * (diverifikasi, then ditindaklanjuti after ditindaklanjuti), each stored
 * by its own replica_ingest into a real LMDB store. Prints, per block of
 * steps, the mean time of storing one step: flat if adding a step costs
 * O(1) or O(log steps), rising if it costs O(steps). Not a test.
 *
 *   bench_views DIR [STEPS]   (default 2000; DIR must not exist)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../src/replica/replica.h"

#define KAB "36.04"
#define DESA "36.04.12.2002"
#define TO_KAB "path:36.04.12.2002:36.04"
#define T0 1767000000000ULL
#define BLOCKS 8U

static double
now_s(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* One feed of one author: signs b as the next entry of it into out. */
struct feed {
        struct key *k;
        const char *region;
        uint64_t seq;
        uint8_t head[ENTRY_HASH_BYTES];
};

static void
sign(struct feed *f, const struct kim_body *b, uint64_t ts, struct buf *out,
     uint8_t id[ENTRY_HASH_BYTES])
{
        struct entry_header h;
        struct buf body = BUF_INIT;
        struct entry e;

        memset(&h, 0, sizeof(h));
        strcpy(h.author_region, f->region);
        if (audience_parse(&h.audience, TO_KAB))
                abort();
        h.kind = b->kind;
        h.timestamp_ms = ts;
        h.seq = ++f->seq;
        h.has_prev = f->seq > 1;
        memcpy(h.prev, f->head, ENTRY_HASH_BYTES);
        wire_kim_encode(b, &body);
        buf_reset(out);
        if (entry_create(f->k, &h, buf_slice(&body), out) ||
            entry_open(buf_slice(out), &e))
                abort();
        memcpy(f->head, e.id, ENTRY_HASH_BYTES);
        memcpy(id, e.id, ENTRY_HASH_BYTES);
        buf_release(&body);
}

static struct key *
key_of(uint32_t n)
{
        uint8_t seed[KEY_SEED_BYTES];

        memset(seed, 0, sizeof(seed));
        be32_put(seed, n);
        return key_from_seed(seed);
}

static void
store_one(struct replica *r, const struct buf *bytes)
{
        struct slice in = buf_slice(bytes);
        struct ingest_stats st;
        int res;

        if (replica_ingest(r, &in, 1, "bench", &res, &st) || res ||
            st.stored != 1) {
                fprintf(stderr, "bench_views: not stored: %s\n", err_id(res));
                exit(1);
        }
}

int
main(int argc, char **argv)
{
        struct feed desa = {NULL, DESA, 0, {0}}, kab = {NULL, KAB, 0, {0}};
        uint8_t report[ENTRY_HASH_BYTES], after[ENTRY_HASH_BYTES];
        size_t steps = argc > 2 ? strtoul(argv[2], NULL, 10) : 2000;
        size_t block = steps / BLOCKS ? steps / BLOCKS : 1;
        struct buf bytes = BUF_INIT;
        struct replica r;
        struct kim_body b;
        double t0 = 0, total = 0;

        if (argc < 2 || entry_lib_init())
                return 2;
        log_set_level(LOG_WARN);
        desa.k = key_of(1);
        kab.k = key_of(2);
        memset(&r, 0, sizeof(r));
        r.threads = 1;
        strcpy(r.region, KAB);
        if (store_open(&r.store, argv[1], NULL)) {
                fprintf(stderr, "bench_views: cannot open a store in %s\n",
                        argv[1]);
                return 1;
        }
        memset(&b, 0, sizeof(b));
        b.kind = KIND_ASPIRASI;
        b.has_handler = b.has_title = b.has_text = b.has_category = true;
        strcpy(b.handler, KAB);
        b.title = slice_cstr("Jalan desa berlubang");
        b.text = slice_cstr("Jalan desa berlubang sejak Januari.");
        b.category = slice_cstr("infrastruktur");
        sign(&desa, &b, T0, &bytes, report);
        store_one(&r, &bytes);
        memcpy(after, report, ENTRY_HASH_BYTES);
        printf("# steps  mean_ms_per_step (over the block ending there)\n");
        for (size_t i = 0; i < steps; i++) {
                memset(&b, 0, sizeof(b));
                b.kind = KIND_STATUS;
                b.has_report = b.has_after = true;
                memcpy(b.report, report, ENTRY_HASH_BYTES);
                memcpy(b.after, after, ENTRY_HASH_BYTES);
                b.step = KIM_STEP_DITINDAKLANJUTI;
                if (i == 0) {
                        b.step = KIM_STEP_DIVERIFIKASI;
                        b.result = KIM_RESULT_VALID;
                        b.has_method = b.has_verifier = true;
                        b.method = slice_cstr("kunjungan lapangan");
                        b.verifier = slice_cstr("Siti Aminah");
                }
                sign(&kab, &b, T0 + 1000 * (i + 1), &bytes, after);
                if (i % block == 0)
                        t0 = now_s();
                store_one(&r, &bytes);
                if (i % block == block - 1 || i == steps - 1) {
                        double dt = now_s() - t0;
                        total += dt;
                        printf("views_step_ms_at_%zu %.3f\n", i + 1,
                               1000.0 * dt / (double)(i % block + 1));
                }
        }
        printf("views_steps %zu\nviews_total_s %.2f\n", steps, total);
        store_close(r.store);
        key_free(desa.k);
        key_free(kab.k);
        buf_release(&bytes);
        return 0;
}
