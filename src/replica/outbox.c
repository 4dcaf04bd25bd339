/*
 * outbox: the events the webhooks deliver (docs/WEBHOOKS.md), written in
 * the write transaction that stores the entry causing them, so an event
 * exists exactly when its entry does: a crash before the commit loses
 * both, after it keeps both.
 *
 * Table (store_index_*):
 *   outbox  seq (8, big-endian, from 1) -> entry id (32) || kind (1)
 * seq grows by one per event in commit order; a reader (simpul webhooks)
 * keeps its own position in it. Rows are written only for the kinds of
 * replica.outbox_kinds: a node without webhooks writes none.
 */
#include <string.h>

#include "replica_int.h"

#define T_OUTBOX "outbox"
#define ROW_BYTES (ENTRY_HASH_BYTES + 1U)

static int
last_seq(void *ctx, struct slice key, struct slice value)
{
        (void)value;
        if (key.len == 8)
                *(uint64_t *)ctx = be64_get(key.ptr);
        return 1; /* the first of a reverse walk is the last */
}

/* The outbox's last seq in t (0: empty). Store errors. */
static int
outbox_last(struct store_txn *t, uint64_t *seq)
{
        int err;

        *seq = 0;
        err = store_index_scan(t, T_OUTBOX, slice_make("", 0),
                               slice_make("", 0), true, last_seq, seq);
        return err == 1 ? 0 : err;
}

static bool
wanted(const struct entry *e, uint32_t kinds)
{
        return e->h.kind < 32 && (kinds >> e->h.kind & 1U) && e->env.has_body;
}

int
replica__outbox_add(struct store_txn *t, const struct entry *es,
                    const uint8_t *apply, size_t n, uint32_t kinds)
{
        uint8_t key[8], row[ROW_BYTES];
        uint64_t seq = 0;
        bool known = false;
        int err;

        for (size_t i = 0; i < n && kinds; i++) {
                if ((apply && !apply[i]) || !wanted(&es[i], kinds))
                        continue;
                if (!known && (err = outbox_last(t, &seq)))
                        return err;
                known = true;
                be64_put(key, ++seq);
                memcpy(row, es[i].id, ENTRY_HASH_BYTES);
                row[ENTRY_HASH_BYTES] = (uint8_t)es[i].h.kind;
                if ((err = store_index_put(t, T_OUTBOX,
                                           slice_make(key, sizeof(key)),
                                           slice_make(row, sizeof(row)))))
                        return err;
        }
        return 0;
}

struct outbox_walk {
        replica_outbox_fn fn;
        void *ctx;
};

static int
outbox_visit(void *ctx, struct slice key, struct slice value)
{
        struct outbox_walk *w = ctx;
        struct replica_event ev;

        if (key.len != 8 || value.len != ROW_BYTES)
                return ERR_STORE_CORRUPT;
        ev.seq = be64_get(key.ptr);
        memcpy(ev.id, value.ptr, ENTRY_HASH_BYTES);
        ev.kind = value.ptr[ENTRY_HASH_BYTES];
        return w->fn(w->ctx, &ev);
}

int
replica_outbox_scan(struct store_txn *t, uint64_t after, replica_outbox_fn fn,
                    void *ctx)
{
        struct outbox_walk w = {.fn = fn, .ctx = ctx};
        uint8_t start[8];

        be64_put(start, after);
        return store_index_scan(t, T_OUTBOX, slice_make("", 0),
                                slice_make(start, after ? 8 : 0), false,
                                outbox_visit, &w);
}

int
replica_outbox_last(struct store_txn *t, uint64_t *seq)
{
        return outbox_last(t, seq);
}
