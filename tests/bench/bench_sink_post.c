/*
 * bench_sink_post: posts informasi at a steady rate through app_post (one
 * durable store commit each, as `simpul post` makes), for the lag figure
 * of tests/bench/bench_sink.sh. Each entry's timestamp is taken just
 * before its commit, so PostgreSQL's clock at its row minus it is the lag.
 *   bench_sink_post DATA_DIR RATE_PER_S SECONDS
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../src/app/app.h"

int
main(int argc, char **argv)
{
        struct node n;
        char msg[APP_ERR_MAX], title[64];
        struct timespec next;
        uint64_t rate, secs, total, done = 0, t0;

        if (argc != 4) {
                fprintf(stderr, "usage: bench_sink_post DIR RATE SECONDS\n");
                return 2;
        }
        rate = strtoull(argv[2], NULL, 10);
        secs = strtoull(argv[3], NULL, 10);
        total = rate * secs;
        app_global_init();
        if (app_open(&n, argv[1], NODE_OPEN_KEY, msg)) {
                fprintf(stderr, "bench_sink_post: %s\n", msg);
                return 1;
        }
        clock_gettime(CLOCK_MONOTONIC, &next);
        t0 = time_now_ms();
        for (; done < total; done++) {
                struct app_post p;

                memset(&p, 0, sizeof(p));
                snprintf(title, sizeof(title), "lag %llu",
                         (unsigned long long)done);
                p.body.kind = KIND_INFORMASI;
                p.body.has_title = p.body.has_text = true;
                p.body.title = slice_cstr(title);
                p.body.text = slice_cstr("Pengumuman untuk mengukur jeda.");
                p.has_audience = true;
                if (audience_parse(&p.audience, "tree:36.04") ||
                    app_post(&n, &p, NULL, msg)) {
                        fprintf(stderr, "bench_sink_post: %s\n", msg);
                        app_close(&n);
                        return 1;
                }
                next.tv_nsec += (long)(1000000000ULL / rate);
                while (next.tv_nsec >= 1000000000L) {
                        next.tv_nsec -= 1000000000L;
                        next.tv_sec++;
                }
                clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
        }
        printf("posted %llu in %llu ms\n", (unsigned long long)done,
               (unsigned long long)(time_now_ms() - t0));
        app_close(&n);
        return 0;
}
