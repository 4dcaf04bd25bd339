/*
 * fakeclock: an LD_PRELOAD library that sets a process's wall clock, for
 * tests of what a node does when its clock is wrong (a Raspberry Pi
 * booting in 1970). Debian has faketime; this is the little of it the
 * tests need, built with them.
 *
 *   LD_PRELOAD=libfakeclock.so SIMPUL_FAKE_NOW_MS=86400000 simpul run ...
 *
 * CLOCK_REALTIME (clock_gettime, gettimeofday, time) starts at
 * SIMPUL_FAKE_NOW_MS when the process starts and runs at the real rate;
 * the monotonic clocks (libuv's timers) are untouched. Without the
 * variable nothing changes. Not part of simpul.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/time.h>
#include <time.h>

typedef int (*clock_gettime_fn)(clockid_t, struct timespec *);

static clock_gettime_fn real_clock_gettime;
static int64_t offset_ns; /* fake minus real; 0: not faking */

static int64_t
ns_of(const struct timespec *ts)
{
        return (int64_t)ts->tv_sec * 1000000000LL + ts->tv_nsec;
}

__attribute__((constructor)) static void
fakeclock_init(void)
{
        const char *v = getenv("SIMPUL_FAKE_NOW_MS");
        struct timespec ts;

        /* ISO C has no cast from an object to a function pointer. */
        *(void **)&real_clock_gettime = dlsym(RTLD_NEXT, "clock_gettime");
        if (!v || !*v || !real_clock_gettime ||
            real_clock_gettime(CLOCK_REALTIME, &ts))
                return;
        offset_ns = strtoll(v, NULL, 10) * 1000000LL - ns_of(&ts);
}

int
clock_gettime(clockid_t id, struct timespec *ts)
{
        int64_t ns;
        int rc;

        if (!real_clock_gettime)
                fakeclock_init();
        rc = real_clock_gettime(id, ts);
        if (rc || !offset_ns ||
            (id != CLOCK_REALTIME && id != CLOCK_REALTIME_COARSE))
                return rc;
        ns = ns_of(ts) + offset_ns;
        ts->tv_sec = (time_t)(ns / 1000000000LL);
        ts->tv_nsec = (long)(ns % 1000000000LL);
        return 0;
}

int
gettimeofday(struct timeval *restrict tv, void *restrict tz)
{
        struct timespec ts;

        (void)tz;
        if (clock_gettime(CLOCK_REALTIME, &ts))
                return -1;
        tv->tv_sec = ts.tv_sec;
        tv->tv_usec = ts.tv_nsec / 1000;
        return 0;
}

time_t
time(time_t *out)
{
        struct timespec ts;

        if (clock_gettime(CLOCK_REALTIME, &ts))
                return (time_t)-1;
        if (out)
                *out = ts.tv_sec;
        return ts.tv_sec;
}
