/*
 * bench_core: Ed25519 verifications per second on this machine (one core),
 * and the local append rate of replica_post into a real, durable LMDB store.
 * Prints "name value unit" lines for bench.sh. Not a test.
 *
 *   bench_core DIR [ENTRIES]
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../src/replica/replica.h"

static double
now_s(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * Ed25519 verifications per second on one core, over `distinct` different
 * keys and messages: with one repeated message the branch predictor learns
 * the variable-time code and the figure flatters (../shared/bench used 64
 * messages of one key); import verifies a different entry every time.
 */
static double
verify_rate(int distinct)
{
        enum { MSG = 200 };
        unsigned char(*pk)[32] = xmalloc((size_t)distinct * 32);
        unsigned char(*sig)[64] = xmalloc((size_t)distinct * 64);
        unsigned char(*msg)[MSG] = xmalloc((size_t)distinct * MSG);
        unsigned char sk[64];
        double t0, dt;
        long n = 0;

        for (int i = 0; i < distinct; i++) {
                crypto_sign_keypair(pk[i], sk);
                randombytes_buf(msg[i], MSG);
                crypto_sign_detached(sig[i], NULL, msg[i], MSG, sk);
        }
        t0 = now_s();
        do {
                for (int i = 0; i < 256; i++, n++) {
                        int k = (int)(n % distinct);
                        if (crypto_sign_verify_detached(sig[k], msg[k], MSG,
                                                        pk[k]))
                                abort();
                }
        } while ((dt = now_s() - t0) < 2.0);
        free(pk);
        free(sig);
        free(msg);
        return (double)n / dt;
}

static double
append_rate(struct replica *r, size_t total, size_t batch, struct buf *body)
{
        struct post *posts = xcalloc(batch, sizeof(*posts));
        double t0 = now_s();
        size_t done = 0;

        for (size_t i = 0; i < batch; i++) {
                if (audience_parse(&posts[i].audience, "tree:36.04.12"))
                        abort();
                posts[i].kind = KIND_INFORMASI;
                posts[i].body = buf_slice(body);
        }
        while (done < total) {
                if (replica_post(r, posts, batch, NULL)) {
                        fprintf(stderr, "bench_core: post failed\n");
                        abort();
                }
                done += batch;
        }
        free(posts);
        return (double)done / (now_s() - t0);
}

int
main(int argc, char **argv)
{
        struct store_options so = {(size_t)4096 << 20, false};
        struct store *st;
        struct replica r;
        struct buf body = BUF_INIT;
        uint8_t seed[KEY_SEED_BYTES] = {7};
        size_t total = argc > 2 ? strtoul(argv[2], NULL, 10) : 100000;
        struct body_field f[2] = {{"title", "Kabar desa", 0},
                                  {"text", NULL, 0}};
        char text[281];

        if (argc < 2 || entry_lib_init())
                return 2;
        memset(text, 'a', sizeof(text) - 1);
        text[sizeof(text) - 1] = 0;
        f[1].str = text;
        wire_body_build(f, 2, &body);
        printf("ed25519_verify_per_s %.0f\n", verify_rate(4096));
        printf("ed25519_verify_one_msg_per_s %.0f\n", verify_rate(1));
        if (store_open(&st, argv[1], &so))
                return 1;
        r.store = st;
        r.key = key_from_seed(seed);
        strcpy(r.region, "36.04.12.2002");
        printf("body_bytes %zu\n", body.len);
        printf("append_batch1000_per_s %.0f\n",
               append_rate(&r, total, 1000, &body));
        printf("append_single_per_s %.0f\n", append_rate(&r, 300, 1, &body));
        key_free((struct key *)r.key);
        store_close(st);
        buf_release(&body);
        return 0;
}
