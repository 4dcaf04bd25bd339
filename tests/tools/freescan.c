/*
 * freescan: an LD_PRELOAD library that looks into every heap block a
 * process frees (free, and the old block of a realloc that moves) for a
 * marker string, for tests that personal data does not stay behind in
 * freed memory (docs/API.md: request bodies and JSON are wiped).
 *
 *   LD_PRELOAD=libfreescan.so SIMPUL_FREESCAN=Siti-Marker simpul run ...
 *
 * Each freed block that still holds the marker gets one line on stderr,
 * "freescan: MARKER in a freed block of N bytes", with a backtrace; at
 * exit "freescan: M blocks scanned, K held the marker". Without the
 * variable nothing is scanned. glibc malloc only: under AddressSanitizer
 * (its own allocator) nothing reaches this free, and the exit line says
 * 0 blocks scanned. Not part of simpul.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <execinfo.h>
#include <malloc.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef void (*free_fn)(void *);

static free_fn real_free;
static const char *marker;
static size_t marker_len;
static atomic_ulong scanned, held;
static _Thread_local int busy; /* backtrace may allocate: no recursion */

__attribute__((constructor)) static void
freescan_init(void)
{
        const char *m = getenv("SIMPUL_FREESCAN");

        /* ISO C has no cast from an object to a function pointer. */
        *(void **)&real_free = dlsym(RTLD_NEXT, "free");
        if (m && *m) {
                marker = m;
                marker_len = strlen(m);
        }
}

__attribute__((destructor)) static void
freescan_report(void)
{
        char line[128];
        int n;

        if (!marker)
                return;
        n = snprintf(line, sizeof(line),
                     "freescan: %lu blocks scanned, %lu held the marker\n",
                     (unsigned long)atomic_load(&scanned),
                     (unsigned long)atomic_load(&held));
        if (write(STDERR_FILENO, line, (size_t)n) < 0)
                return;
}

static void
scan(void *p)
{
        size_t n;
        void *frames[24];
        char line[128];
        int k;

        if (!marker || !p || busy)
                return;
        busy = 1;
        n = malloc_usable_size(p);
        atomic_fetch_add(&scanned, 1);
        if (memmem(p, n, marker, marker_len)) {
                atomic_fetch_add(&held, 1);
                k = snprintf(line, sizeof(line),
                             "freescan: %s in a freed block of %zu bytes\n",
                             marker, n);
                if (write(STDERR_FILENO, line, (size_t)k) >= 0) {
                        k = backtrace(frames, 24);
                        backtrace_symbols_fd(frames, k, STDERR_FILENO);
                }
        }
        busy = 0;
}

void
free(void *p)
{
        if (!real_free)
                freescan_init();
        scan(p);
        real_free(p);
}

/* A realloc that moves frees the old block inside malloc, out of sight:
 * move always, through free. */
void *
realloc(void *p, size_t n)
{
        void *q;
        size_t old;

        if (!p)
                return malloc(n);
        if (!n) {
                free(p);
                return NULL;
        }
        q = malloc(n);
        if (!q)
                return NULL;
        old = malloc_usable_size(p);
        memcpy(q, p, old < n ? old : n);
        free(p);
        return q;
}
