/* mem: allocation that aborts on out-of-memory (STYLE: OOM aborts), and
 * wiping a block before it is freed. */
#include "base.h"

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void
oom(size_t n)
{
        fprintf(stderr, "simpul: fatal: out of memory allocating %zu bytes\n",
                n);
        abort();
}

void
mem_global_init(void)
{
#ifdef M_ARENA_MAX
        /* glibc gives each thread that mallocs an arena of its own, up to
         * 8 per core, and a block freed goes back to the arena it came
         * from: the daemon's threads (the loop, the thread pool's, the
         * signature checks) spread over 7 arenas, each keeping its own
         * free memory. They mostly take turns: two arenas are enough. */
        (void)mallopt(M_ARENA_MAX, MEM_ARENAS_MAX);
#endif
}

void *
xmalloc(size_t n)
{
        void *p = malloc(n ? n : 1);

        if (!p)
                oom(n);
        return p;
}

void *
xcalloc(size_t n, size_t size)
{
        void *p = calloc(n ? n : 1, size ? size : 1);

        if (!p)
                oom(n * size);
        return p;
}

void *
xrealloc(void *p, size_t n)
{
        void *q = realloc(p, n ? n : 1);

        if (!q)
                oom(n);
        return q;
}

char *
xstrdup(const char *s)
{
        size_t n = strlen(s) + 1;

        return memcpy(xmalloc(n), s, n);
}

size_t
mem_wipe(void *p)
{
        size_t n = p ? malloc_usable_size(p) : 0;

        if (n)
                explicit_bzero(p, n);
        return n;
}

void
mem_wipe_free(void *p)
{
        mem_wipe(p);
        free(p);
}
