/* feedmap: feed id -> per-link feed state (see sync_int.h). */
#include <stdlib.h>
#include <string.h>

#include "sync_int.h"

void
feedmap_init(struct feedmap *m)
{
        memset(m, 0, sizeof(*m));
}

void
feedmap_release(struct feedmap *m)
{
        for (size_t i = 0; i < m->cap; i++)
                free(m->slots[i]);
        free(m->slots);
        feedmap_init(m);
}

static size_t
slot_of(const struct feedmap *m, const uint8_t id[ENTRY_HASH_BYTES])
{
        uint64_t h;

        memcpy(&h, id, sizeof(h));
        return (size_t)h & (m->cap - 1);
}

struct feed_state *
feedmap_get(const struct feedmap *m, const uint8_t id[ENTRY_HASH_BYTES])
{
        if (!m->cap)
                return NULL;
        for (size_t i = slot_of(m, id);; i = (i + 1) & (m->cap - 1)) {
                struct feed_state *f = m->slots[i];
                if (!f)
                        return NULL;
                if (!memcmp(f->id, id, ENTRY_HASH_BYTES))
                        return f;
        }
}

static void
feedmap_grow(struct feedmap *m)
{
        struct feedmap bigger;

        bigger.cap = m->cap ? m->cap * 2 : 64;
        bigger.n = m->n;
        bigger.slots = xcalloc(bigger.cap, sizeof(*bigger.slots));
        for (size_t i = 0; i < m->cap; i++) {
                struct feed_state *f = m->slots[i];
                size_t j;
                if (!f)
                        continue;
                for (j = slot_of(&bigger, f->id); bigger.slots[j];
                     j = (j + 1) & (bigger.cap - 1))
                        ;
                bigger.slots[j] = f;
        }
        free(m->slots);
        *m = bigger;
}

struct feed_state *
feedmap_put(struct feedmap *m, const uint8_t id[ENTRY_HASH_BYTES])
{
        struct feed_state *f = feedmap_get(m, id);
        size_t i;

        if (f)
                return f;
        if (2 * (m->n + 1) > m->cap)
                feedmap_grow(m);
        for (i = slot_of(m, id); m->slots[i]; i = (i + 1) & (m->cap - 1))
                ;
        f = xcalloc(1, sizeof(*f));
        memcpy(f->id, id, ENTRY_HASH_BYTES);
        m->slots[i] = f;
        m->n++;
        return f;
}

void
feedmap_each(const struct feedmap *m,
             void (*fn)(void *ctx, struct feed_state *f), void *ctx)
{
        for (size_t i = 0; i < m->cap; i++)
                if (m->slots[i])
                        fn(ctx, m->slots[i]);
}
