/*
 * gen_corpus_entry: writes the seed corpus of fuzz_entry, a few valid
 * envelopes made from fixed seeds (Ed25519 is deterministic, so the files
 * come out the same every time). test_entry checks that they still open.
 *
 * Usage: gen_corpus_entry DIR   (normally tests/fuzz/corpus/entry)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/entry/entry.h"

static int
write_file(const char *dir, const char *name, const struct buf *b)
{
        char path[4096];
        FILE *f;

        snprintf(path, sizeof(path), "%s/%s", dir, name);
        f = fopen(path, "wb");
        if (!f || fwrite(b->data, 1, b->len, f) != b->len || fclose(f)) {
                fprintf(stderr, "gen_corpus_entry: cannot write %s\n", path);
                return 1;
        }
        return 0;
}

static void
make(const struct key *k, const char *author, const char *audience,
     uint32_t kind, uint64_t seq, const struct buf *body, struct buf *out)
{
        struct entry_header h;

        memset(&h, 0, sizeof(h));
        strcpy(h.author_region, author);
        if (audience_parse(&h.audience, audience))
                abort();
        h.seq = seq;
        h.has_prev = seq > 1;
        memset(h.prev, 0x5c, sizeof(h.prev));
        h.timestamp_ms = 1700000000000ULL + seq;
        h.kind = kind;
        if (entry_create(k, &h, buf_slice(body), out))
                abort();
}

int
main(int argc, char **argv)
{
        static const struct body_field aspirasi[] = {
            {"judul", "Jalan desa rusak", 0},
            {"isi", "Jalan di RT 02 berlubang sejak Januari.", 0},
            {"prioritas", NULL, 2},
        };
        static const struct body_field informasi[] = {
            {"judul", "Jadwal posyandu", 0},
            {"tanggal", NULL, 20240115},
        };
        uint8_t seed[KEY_SEED_BYTES];
        struct buf body = BUF_INIT, out = BUF_INIT;
        struct key *desa, *kab;
        struct entry e;
        int err = 0;

        if (argc != 2) {
                fprintf(stderr, "usage: gen_corpus_entry DIR\n");
                return 2;
        }
        if (entry_lib_init())
                return 1;
        memset(seed, 0x01, sizeof(seed));
        desa = key_from_seed(seed);
        memset(seed, 0x02, sizeof(seed));
        kab = key_from_seed(seed);

        /* 1: an aspirasi from a desa to the kabupaten, first of its feed. */
        wire_body_build(aspirasi, 3, &body);
        make(desa, "36.04.12.2002", "path:36.04.12.2002:36.04", KIND_ASPIRASI,
             1, &body, &out);
        err |= write_file(argv[1], "aspirasi-seq1", &out);

        /* 2: the same entry with its body pruned. */
        if (entry_open(buf_slice(&out), &e))
                abort();
        e.env.has_body = false;
        struct buf pruned = BUF_INIT;
        wire_envelope_encode(&e.env, &pruned);
        err |= write_file(argv[1], "aspirasi-pruned", &pruned);
        buf_release(&pruned);

        /* 3: kabupaten news to everyone, seq 2 (with a prev hash). */
        buf_reset(&body);
        buf_reset(&out);
        wire_body_build(informasi, 2, &body);
        make(kab, "36.04", "tree:36.04", KIND_INFORMASI, 2, &body, &out);
        err |= write_file(argv[1], "informasi-seq2", &out);

        /* 4: a lampiran with nested values of every msgpack type. */
        buf_reset(&body);
        buf_reset(&out);
        buf_add(&body,
                "\x84\xa4nama\xa8"
                "foto.jpg\xa4"
                "data\xc4\x04\xff\xd8\xff\xe0"
                "\xa4meta\x82\xa1w\xcd\x02\x80\xa1h\xcb\x40\x8e\x00\x00\x00\x00"
                "\x00\x00\xa4tags\x93\xc0\xc3\xd0\xfb",
                58);
        if (wire_body_check(buf_slice(&body)))
                abort();
        make(kab, "36.04", "tree:36.04.12", KIND_LAMPIRAN, 3, &body, &out);
        err |= write_file(argv[1], "lampiran-nested", &out);

        buf_release(&body);
        buf_release(&out);
        key_free(desa);
        key_free(kab);
        return err;
}
