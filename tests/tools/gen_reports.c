/*
 * gen_reports: writes a bundle of KIM reports with their lifecycle, for
 * the dashboard benchmark (tests/bench/bench_dashboard.sh): --count
 * reports from --desa village keys (synthetic desa codes in 29 kecamatan
 * of 36.04) to the kabupaten 36.04, spread over a year (from 2025-12-01
 * WIB), each of an aspirasi/pengaduan/permintaan_informasi kind and one of
 * the eleven categories of KIM.md §2; the kabupaten's key (36.04) verifies
 * about 60% of them hours to days later (valid or not), follows up and
 * finishes some of the valid ones, and answers about 40% with a
 * tanggapan. With --announcements M, M informasi as well, from random desa
 * to their kecamatan (lateral news, which the kabupaten holds), spread
 * over the same year. Every entry validly signed, each feed's chain in
 * order. Deterministic from --seed. A tool of its own beside gen_entries.
 *
 *   gen_reports --out FILE --count N [--announcements M] [--desa D]
 *               [--seed S]
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/entry/entry.h"

#define MAX_DESA 1024U
#define KEC_N 29U
#define START_MS 1764522000000ULL /* 2025-12-01 00:00 WIB */
#define YEAR_MS (365ULL * 86400000ULL)
#define H_MS 3600000ULL

static const char *const categories[] = {
    "infrastruktur", "kesehatan",    "pendidikan", "sosial",
    "ekonomi",       "pertanian",    "lingkungan", "bencana",
    "keamanan",      "administrasi", "lainnya",
};
static const uint32_t report_kinds[] = {KIND_ASPIRASI, KIND_PENGADUAN,
                                        KIND_PERMINTAAN_INFORMASI};

static uint64_t rng_state = 1;

static uint64_t
rng(void)
{
        /* splitmix64: deterministic test data, not cryptography. */
        uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        return z ^ (z >> 31);
}

/* One feed: a desa's reports, or the kabupaten's steps and answers on
 * that desa's path (every kind here travels on one channel). */
struct feed {
        uint64_t seq;
        uint8_t head[ENTRY_HASH_BYTES];
};

struct desa {
        char code[REGION_BUF];
        struct audience path; /* path(desa, 36.04) */
        struct audience news; /* tree(its kecamatan) */
        struct key *key;
        struct feed reports, answers, lateral;
};

struct gen {
        FILE *out;
        struct key *kab;
        struct buf body, bytes;
        uint64_t written;
};

static struct key *
key_make(void)
{
        uint8_t seed[KEY_SEED_BYTES];

        for (size_t j = 0; j < sizeof(seed); j++)
                seed[j] = (uint8_t)rng();
        return key_from_seed(seed);
}

/* Signs body b as the next entry of feed f and writes it; id gets its id. */
static int
put(struct gen *g, const struct key *k, const char *region,
    const struct audience *a, struct feed *f, const struct kim_body *b,
    uint64_t ts, uint8_t id[ENTRY_HASH_BYTES])
{
        struct entry_header h;
        struct entry e;
        uint8_t len[4];

        memset(&h, 0, sizeof(h));
        snprintf(h.author_region, sizeof(h.author_region), "%s", region);
        h.audience = *a;
        h.kind = b->kind;
        h.seq = f->seq + 1;
        h.has_prev = h.seq > 1;
        memcpy(h.prev, f->head, ENTRY_HASH_BYTES);
        h.timestamp_ms = ts;
        buf_reset(&g->body);
        wire_kim_encode(b, &g->body);
        buf_reset(&g->bytes);
        if (entry_create(k, &h, buf_slice(&g->body), &g->bytes) ||
            entry_parse(buf_slice(&g->bytes), &e)) {
                fprintf(stderr, "gen_reports: entry_create failed\n");
                return 1;
        }
        memcpy(f->head, e.id, ENTRY_HASH_BYTES);
        memcpy(id, e.id, ENTRY_HASH_BYTES);
        f->seq = h.seq;
        be32_put(len, (uint32_t)g->bytes.len);
        fwrite(len, 1, 4, g->out);
        fwrite(g->bytes.data, 1, g->bytes.len, g->out);
        g->written++;
        return 0;
}

static int
step(struct gen *g, struct desa *d, const uint8_t report[32], uint8_t after[32],
     enum kim_step s, enum kim_result result, uint64_t ts)
{
        struct kim_body b;

        memset(&b, 0, sizeof(b));
        b.kind = KIND_STATUS;
        b.has_report = b.has_after = true;
        memcpy(b.report, report, ENTRY_HASH_BYTES);
        memcpy(b.after, after, ENTRY_HASH_BYTES);
        b.step = s;
        if (s == KIM_STEP_DIVERIFIKASI) {
                b.has_method = true;
                b.method = slice_cstr("telepon");
                b.result = result;
        }
        return put(g, g->kab, "36.04", &d->path, &d->answers, &b, ts, after);
}

/* One report and what the kabupaten does with it. */
static int
report(struct gen *g, struct desa *d, uint64_t ts)
{
        uint8_t id[ENTRY_HASH_BYTES], head[ENTRY_HASH_BYTES], reply[32];
        uint64_t r = rng();
        struct kim_body b;

        memset(&b, 0, sizeof(b));
        b.kind = report_kinds[r % ARRAY_LEN(report_kinds)];
        b.has_title = b.has_text = b.has_category = b.has_handler = true;
        b.title = slice_cstr("Jalan desa rusak di dekat sekolah");
        b.text = slice_cstr("Lubang besar di jalan menuju SD, mohon segera "
                            "diperbaiki sebelum musim hujan.");
        b.category = slice_cstr(categories[(r >> 8) % ARRAY_LEN(categories)]);
        snprintf(b.handler, sizeof(b.handler), "36.04");
        if (put(g, d->key, d->code, &d->path, &d->reports, &b, ts, id))
                return 1;
        memcpy(head, id, sizeof(head));
        if ((r >> 16) % 10 < 4) { /* a tanggapan */
                memset(&b, 0, sizeof(b));
                b.kind = KIND_TANGGAPAN;
                b.has_report = b.has_text = true;
                memcpy(b.report, id, sizeof(b.report));
                b.text =
                    slice_cstr("Terima kasih, laporan sedang kami periksa.");
                if (put(g, g->kab, "36.04", &d->path, &d->answers, &b,
                        ts + ((r >> 24) % 96 + 1) * H_MS, reply))
                        return 1;
        }
        if ((r >> 32) % 10 >= 6)
                return 0; /* not verified */
        ts += ((r >> 40) % 120 + 1) * H_MS;
        if ((r >> 48) % 10 >= 8)
                return step(g, d, id, head, KIM_STEP_DIVERIFIKASI,
                            KIM_RESULT_TIDAK_VALID, ts);
        if (step(g, d, id, head, KIM_STEP_DIVERIFIKASI, KIM_RESULT_VALID, ts))
                return 1;
        if ((r >> 52) % 2)
                return 0;
        if (step(g, d, id, head, KIM_STEP_DITINDAKLANJUTI, KIM_RESULT_NONE,
                 ts + 48 * H_MS))
                return 1;
        if ((r >> 56) % 2)
                return 0;
        return step(g, d, id, head, KIM_STEP_SELESAI, KIM_RESULT_NONE,
                    ts + 240 * H_MS);
}

/* One informasi from d to its kecamatan. */
static int
news(struct gen *g, struct desa *d, uint64_t ts)
{
        uint8_t id[ENTRY_HASH_BYTES];
        struct kim_body b;

        memset(&b, 0, sizeof(b));
        b.kind = KIND_INFORMASI;
        b.has_title = b.has_text = true;
        b.title = slice_cstr("Kerja bakti hari Minggu");
        b.text = slice_cstr("Warga diundang kerja bakti membersihkan saluran "
                            "air, Minggu pukul 07.00.");
        return put(g, d->key, d->code, &d->news, &d->lateral, &b, ts, id);
}

int
main(int argc, char **argv)
{
        static struct desa desa[MAX_DESA];
        static const struct option longs[] = {
            {"out", required_argument, NULL, 'o'},
            {"count", required_argument, NULL, 'n'},
            {"desa", required_argument, NULL, 'd'},
            {"seed", required_argument, NULL, 's'},
            {"announcements", required_argument, NULL, 'a'},
            {NULL, 0, NULL, 0},
        };
        const char *out_path = NULL;
        unsigned long count = 1000, ndesa = 326, nann = 0;
        struct gen g = {.body = BUF_INIT, .bytes = BUF_INIT};
        int c, rc = 0;

        while ((c = getopt_long(argc, argv, "", longs, NULL)) != -1) {
                switch (c) {
                case 'o':
                        out_path = optarg;
                        break;
                case 'n':
                        count = strtoul(optarg, NULL, 10);
                        break;
                case 'd':
                        ndesa = strtoul(optarg, NULL, 10);
                        break;
                case 's':
                        rng_state = strtoull(optarg, NULL, 10);
                        break;
                case 'a':
                        nann = strtoul(optarg, NULL, 10);
                        break;
                default:
                        return 2;
                }
        }
        if (!out_path || !count || !ndesa || ndesa > MAX_DESA ||
            entry_lib_init()) {
                fprintf(stderr, "gen_reports: bad arguments\n");
                return 2;
        }
        g.kab = key_make();
        for (unsigned long i = 0; i < ndesa; i++) {
                struct desa *d = &desa[i];

                snprintf(d->code, sizeof(d->code), "36.04.%02lu.%04lu",
                         10 + i % KEC_N, 2001 + i / KEC_N);
                d->path.type = AUDIENCE_PATH;
                memcpy(d->path.origin, d->code, sizeof(d->code));
                snprintf(d->path.target, sizeof(d->path.target), "36.04");
                d->news.type = AUDIENCE_TREE;
                memcpy(d->news.target, d->code, 8); /* "36.04.NN" */
                if (audience_check(&d->path) || audience_check(&d->news))
                        abort();
                d->key = key_make();
        }
        if (!(g.out = fopen(out_path, "wb")))
                return 1;
        fwrite(BUNDLE_MAGIC, 1, BUNDLE_MAGIC_BYTES, g.out);
        for (unsigned long i = 0; i < count && !rc; i++)
                rc = report(&g, &desa[rng() % ndesa],
                            START_MS + i * (YEAR_MS / count));
        for (unsigned long i = 0; i < nann && !rc; i++)
                rc = news(&g, &desa[rng() % ndesa],
                          START_MS + i * (YEAR_MS / nann));
        if (fclose(g.out))
                rc = 1;
        fprintf(stderr,
                "gen_reports: %lu reports, %lu announcements, %llu "
                "entries -> %s\n",
                count, nann, (unsigned long long)g.written, out_path);
        for (unsigned long i = 0; i < ndesa; i++)
                key_free(desa[i].key);
        key_free(g.kab);
        buf_release(&g.body);
        buf_release(&g.bytes);
        return rc;
}
