/*
 * gen_entries: writes a bundle file of random, validly signed entries from
 * several authors across Kabupaten Serang, every one of them entitled to a
 * reader at --reader (default the kabupaten 36.04). For the export/import
 * round-trip test and the import benchmark. Deterministic from --seed.
 *
 *   gen_entries --out FILE --count N [--authors A] [--body-bytes B]
 *               [--seed S] [--reader CODE] [--one-feed] [--reports]
 *   gen_entries --out FILE --count N --key NODE_KEY --region CODE
 *               --audience AUD [--kind K] [--start-seq S --prev HEX]
 * --reports: N reports only (aspirasi, pengaduan, permintaan_informasi
 * on path audiences, from the authors that may write one), for
 * tests/bench/bench_export.sh.
 * The second form writes one feed of a real node's key (an enrolled
 * author), from seq 1 unless told where its feed stands.
 *
 *   gen_entries --out FILE --feeds N --key NODE_KEY --region CODE
 *               --regions CSV [--body-bytes B]
 * The third writes one entry (seq 1) in each of N feeds of that key: one
 * per audience tree:X it may write (X a code of CSV's first column) and
 * per tree kind's channel, in CSV order. For tests/bench/bench_scale.sh.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/entry/entry.h"

#define MAX_AUTHORS 64U
#define MAX_FEEDS 1024U

static const char *const regions[] = {
    "36.04",         "36.04.05",      "36.04.12",      "36.04.13",
    "36.04.05.2001", "36.04.05.2002", "36.04.12.2001", "36.04.12.2002",
    "36.04.12.2003", "36.04.13.2001",
};

/* Valid KIM items (proto/KIM.md §2): announcements on tree audiences,
 * reports from their author up a path to its handler. */
static const uint32_t tree_kinds[] = {KIND_INFORMASI, KIND_PERINGATAN};
static const uint32_t path_kinds[] = {KIND_ASPIRASI, KIND_PENGADUAN,
                                      KIND_PERMINTAAN_INFORMASI};

struct feed_head {
        uint8_t id[ENTRY_HASH_BYTES];
        uint64_t seq;
        uint8_t head[ENTRY_HASH_BYTES];
};

static uint64_t rng_state;

static uint64_t
rng(void)
{
        /* splitmix64: deterministic test data, not cryptography. */
        uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        return z ^ (z >> 31);
}

/* An audience the author may write and the reader is entitled to. */
static int
pick_audience(const char *author, const char *reader, struct audience *a)
{
        char parent[REGION_BUF];

        for (int tries = 0; tries < 64; tries++) {
                const char *t = regions[rng() % ARRAY_LEN(regions)];
                memset(a, 0, sizeof(*a));
                if (rng() % 3 == 0 && strcmp(author, t) &&
                    region_covers(t, author)) {
                        a->type = AUDIENCE_PATH;
                        strcpy(a->origin, author);
                } else {
                        a->type = AUDIENCE_TREE;
                }
                strcpy(a->target, t);
                if (audience_check(a) || audience_may_author(a, author) ||
                    !audience_contains(a, reader))
                        continue;
                return 0;
        }
        /* Lateral news to the parent is always writable by a non-root. */
        memset(a, 0, sizeof(*a));
        a->type = AUDIENCE_TREE;
        if (region_parent(author, parent))
                strcpy(parent, author);
        strcpy(a->target, parent);
        return audience_contains(a, reader) ? 0 : -1;
}

/* pick_audience, and with reports_only a path audience (ERR: none). */
static int
pick_report_audience(const char *author, const char *reader, bool reports_only,
                     struct audience *a)
{
        for (int tries = 0; tries < 64; tries++) {
                if (pick_audience(author, reader, a))
                        return -1;
                if (!reports_only || a->type == AUDIENCE_PATH)
                        return 0;
        }
        return -1;
}

static struct feed_head *
feed_find(struct feed_head *feeds, size_t *n, const uint8_t id[32])
{
        for (size_t i = 0; i < *n; i++)
                if (!memcmp(feeds[i].id, id, ENTRY_HASH_BYTES))
                        return &feeds[i];
        if (*n == MAX_FEEDS)
                return NULL;
        memset(&feeds[*n], 0, sizeof(feeds[0]));
        memcpy(feeds[*n].id, id, ENTRY_HASH_BYTES);
        return &feeds[(*n)++];
}

/*
 * A KIM body of kind for audience a: title and a text of `bytes` random
 * words, and what the kind needs (a level; a handler and category). The
 * text is shortened by what those add, so every body has the size of the
 * {title, text} one.
 */
static void
make_body(uint32_t kind, const struct audience *a, size_t bytes,
          struct buf *out)
{
        static const char words[] = "warga desa kecamatan informasi jalan "
                                    "banjir posyandu sekolah air bersih ";
        char title[48], *text = xmalloc(bytes + 1);
        struct body_field f[4];
        size_t n = 2, plain;

        snprintf(title, sizeof(title), "Kabar %llu",
                 (unsigned long long)(rng() % 100000));
        for (size_t i = 0; i < bytes; i++)
                text[i] = words[(rng() >> 7) % (sizeof(words) - 1)];
        text[bytes] = 0;
        f[0] = (struct body_field){"title", title, 0};
        f[1] = (struct body_field){"text", text, 0};
        if (kind == KIND_PERINGATAN) {
                f[n++] = (struct body_field){"level", "waspada", 0};
        } else if (kind != KIND_INFORMASI) {
                f[n++] = (struct body_field){"handler", a->target, 0};
                f[n++] = (struct body_field){"category", "lainnya", 0};
        }
        buf_reset(out);
        wire_body_build(f, 2, out);
        plain = out->len;
        buf_reset(out);
        wire_body_build(f, n, out);
        if (out->len > plain && out->len - plain < bytes) {
                text[bytes - (out->len - plain)] = 0;
                buf_reset(out);
                wire_body_build(f, n, out);
        }
        free(text);
}

/* The codes of a region list (CSV, code in the first column, a header
 * line); returns how many, at most max. */
static size_t
regions_load(const char *path, char (*codes)[REGION_BUF], size_t max)
{
        char line[256];
        size_t n = 0;
        FILE *f = fopen(path, "r");

        if (!f)
                return 0;
        while (n < max && fgets(line, sizeof(line), f)) {
                size_t len = strcspn(line, ",\r\n");
                if (len == 0 || len >= REGION_BUF || line[0] < '0' ||
                    line[0] > '9')
                        continue; /* the header */
                memcpy(codes[n], line, len);
                codes[n++][len] = 0;
        }
        fclose(f);
        return n;
}

/* The third form: one entry in each of nfeeds feeds of key (see above). */
static int
many_feeds(const struct key *key, const char *region, const char *csv,
           unsigned long nfeeds, unsigned long body_bytes, FILE *out)
{
        static char codes[4096][REGION_BUF];
        struct buf body = BUF_INIT, bytes = BUF_INIT;
        size_t n = regions_load(csv, codes, ARRAY_LEN(codes));
        unsigned long written = 0;

        for (size_t i = 0; i < n && written < nfeeds; i++) {
                for (size_t k = 0;
                     k < ARRAY_LEN(tree_kinds) && written < nfeeds; k++) {
                        struct entry_header h;
                        uint8_t len[4];

                        memset(&h, 0, sizeof(h));
                        strcpy(h.author_region, region);
                        h.audience.type = AUDIENCE_TREE;
                        strcpy(h.audience.target, codes[i]);
                        if (audience_check(&h.audience) ||
                            audience_may_author(&h.audience, region))
                                break;
                        h.kind = tree_kinds[k];
                        h.seq = 1;
                        h.timestamp_ms = 1790000000000ULL + written;
                        make_body(h.kind, &h.audience, body_bytes, &body);
                        buf_reset(&bytes);
                        if (entry_create(key, &h, buf_slice(&body), &bytes))
                                return 1;
                        be32_put(len, (uint32_t)bytes.len);
                        fwrite(len, 1, 4, out);
                        fwrite(bytes.data, 1, bytes.len, out);
                        written++;
                }
        }
        buf_release(&body);
        buf_release(&bytes);
        if (written < nfeeds) {
                fprintf(stderr, "gen_entries: %s may write only %lu feeds\n",
                        region, written);
                return 1;
        }
        fprintf(stderr, "gen_entries: %lu feeds of one entry\n", written);
        return 0;
}

int
main(int argc, char **argv)
{
        static struct feed_head feeds[MAX_FEEDS];
        static const struct option longs[] = {
            {"out", required_argument, NULL, 'o'},
            {"count", required_argument, NULL, 'n'},
            {"authors", required_argument, NULL, 'a'},
            {"body-bytes", required_argument, NULL, 'b'},
            {"seed", required_argument, NULL, 's'},
            {"reader", required_argument, NULL, 'r'},
            {"one-feed", no_argument, NULL, '1'},
            {"key", required_argument, NULL, 'K'},
            {"region", required_argument, NULL, 'R'},
            {"audience", required_argument, NULL, 'A'},
            {"feeds", required_argument, NULL, 'F'},
            {"regions", required_argument, NULL, 'G'},
            {"reports", no_argument, NULL, 'P'},
            {NULL, 0, NULL, 0},
        };
        const char *out_path = NULL, *reader = "36.04";
        const char *key_file = NULL, *key_region = NULL, *aud_text = NULL;
        const char *regions_csv = NULL;
        unsigned long nfeeds_arg = 0;
        struct audience fixed_aud;
        unsigned long count = 1000, nauthors = 8, body_bytes = 260;
        bool one_feed = false, reports_only = false;
        struct key *keys[MAX_AUTHORS];
        struct buf body = BUF_INIT, bytes = BUF_INIT;
        size_t nfeeds = 0, written = 0;
        FILE *out;
        int c;

        rng_state = 1;
        while ((c = getopt_long(argc, argv, "", longs, NULL)) != -1) {
                switch (c) {
                case 'o':
                        out_path = optarg;
                        break;
                case 'n':
                        count = strtoul(optarg, NULL, 10);
                        break;
                case 'a':
                        nauthors = strtoul(optarg, NULL, 10);
                        break;
                case 'b':
                        body_bytes = strtoul(optarg, NULL, 10);
                        break;
                case 's':
                        rng_state = strtoull(optarg, NULL, 10);
                        break;
                case 'r':
                        reader = optarg;
                        break;
                case '1':
                        one_feed = true;
                        break;
                case 'K':
                        key_file = optarg;
                        break;
                case 'R':
                        key_region = optarg;
                        break;
                case 'A':
                        aud_text = optarg;
                        break;
                case 'F':
                        nfeeds_arg = strtoul(optarg, NULL, 10);
                        break;
                case 'G':
                        regions_csv = optarg;
                        break;
                case 'P':
                        reports_only = true;
                        break;
                default:
                        return 2;
                }
        }
        if (!out_path || nauthors < 1 || nauthors > MAX_AUTHORS ||
            body_bytes > KIM_TEXT_MAX || entry_lib_init()) {
                fprintf(stderr, "gen_entries: bad arguments\n");
                return 2;
        }
        if (nfeeds_arg) {
                int rc;
                if (!key_file || !key_region || !regions_csv ||
                    key_load_file(key_file, &keys[0]) ||
                    !(out = fopen(out_path, "wb"))) {
                        fprintf(stderr, "gen_entries: --feeds needs --key, "
                                        "--region, --regions\n");
                        return 2;
                }
                fwrite(BUNDLE_MAGIC, 1, BUNDLE_MAGIC_BYTES, out);
                rc = many_feeds(keys[0], key_region, regions_csv, nfeeds_arg,
                                body_bytes, out);
                key_free(keys[0]);
                return fclose(out) ? 1 : rc;
        }
        if (key_file) {
                if (!key_region || !aud_text ||
                    audience_parse(&fixed_aud, aud_text) ||
                    key_load_file(key_file, &keys[0])) {
                        fprintf(stderr, "gen_entries: bad --key/--region/"
                                        "--audience\n");
                        return 2;
                }
                nauthors = 1;
                one_feed = true;
        }
        for (unsigned long i = key_file ? 1 : 0; i < nauthors; i++) {
                uint8_t seed[KEY_SEED_BYTES];
                for (size_t j = 0; j < sizeof(seed); j++)
                        seed[j] = (uint8_t)rng();
                keys[i] = key_from_seed(seed);
        }
        if (!(out = fopen(out_path, "wb")))
                return 1;
        fwrite(BUNDLE_MAGIC, 1, BUNDLE_MAGIC_BYTES, out);
        for (unsigned long i = 0;
             reports_only ? written < count && i < 64 * count : i < count;
             i++) {
                size_t ai = one_feed ? 0 : rng() % nauthors;
                const char *region = key_region ? key_region
                                     : one_feed
                                         ? "36.04.12.2002"
                                         : regions[ai % ARRAY_LEN(regions)];
                struct entry_header h;
                struct feed_head *fh;
                uint8_t fid[ENTRY_HASH_BYTES], len[4];

                memset(&h, 0, sizeof(h));
                strcpy(h.author_region, region);
                if (key_file) {
                        h.kind = KIND_INFORMASI;
                        h.audience = fixed_aud;
                } else if (one_feed) {
                        h.kind = KIND_ASPIRASI;
                        if (audience_parse(&h.audience,
                                           "path:36.04.12.2002:36.04"))
                                abort();
                } else {
                        if (pick_report_audience(region, reader, reports_only,
                                                 &h.audience))
                                continue;
                        h.kind =
                            h.audience.type == AUDIENCE_PATH
                                ? path_kinds[rng() % ARRAY_LEN(path_kinds)]
                                : tree_kinds[rng() % ARRAY_LEN(tree_kinds)];
                }
                feed_id_compute(fid, keys[ai]->pk, region, &h.audience,
                                (uint8_t)kind_channel(h.kind));
                if (!(fh = feed_find(feeds, &nfeeds, fid)))
                        continue;
                h.seq = fh->seq + 1;
                h.has_prev = h.seq > 1;
                memcpy(h.prev, fh->head, ENTRY_HASH_BYTES);
                h.timestamp_ms = 1790000000000ULL + i * 1000U;
                make_body(h.kind, &h.audience, body_bytes, &body);
                buf_reset(&bytes);
                if (entry_create(keys[ai], &h, buf_slice(&body), &bytes)) {
                        fprintf(stderr, "gen_entries: entry_create failed\n");
                        return 1;
                }
                {
                        struct entry e;
                        if (entry_parse(buf_slice(&bytes), &e))
                                return 1;
                        memcpy(fh->head, e.id, ENTRY_HASH_BYTES);
                }
                fh->seq = h.seq;
                be32_put(len, (uint32_t)bytes.len);
                fwrite(len, 1, 4, out);
                fwrite(bytes.data, 1, bytes.len, out);
                written++;
        }
        if (fclose(out))
                return 1;
        fprintf(stderr, "gen_entries: %zu entries in %zu feeds -> %s\n",
                written, nfeeds, out_path);
        for (unsigned long i = 0; i < nauthors; i++)
                key_free(keys[i]);
        buf_release(&body);
        buf_release(&bytes);
        return 0;
}
