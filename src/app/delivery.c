/*
 * delivery: which levels above this node hold one of its own entries
 * (the ticks: sent to the kecamatan ✓, at the kabupaten ✓✓), from what
 * is acknowledged only: the heads a peer of that region confirmed (its
 * peer record's known, SYNC.md §4, raised on its ACK, HELLO or return
 * bundle), or that the parent passed on from its own parent (HELD,
 * SYNC.md §5.4, kept in the index table SYNC_HELD_TABLE).
 */
#include <string.h>

#include "../sync/sync.h"
#include "app_int.h"

struct held_peer {
        struct store_txn *t;
        const struct entry *e;
        const char *region;
        bool held;
        int err;
};

static int
held_visit(void *ctx, const struct peer_info *p)
{
        struct held_peer *hp = ctx;
        uint64_t seq = 0;

        if (strcmp(p->region, hp->region))
                return 0;
        if ((hp->err = store_peer_known(hp->t, p->key, hp->e->feed, &seq)))
                return 1;
        hp->held = seq >= hp->e->h.seq;
        return hp->held ? 1 : 0;
}

/* Did the parent pass on that `region` holds e (HELD)? */
static int
held_passed(struct store_txn *t, const struct entry *e, const char *region,
            bool *held)
{
        uint8_t key[ENTRY_HASH_BYTES + REGION_BUF];
        size_t len = strlen(region);
        struct buf v = BUF_INIT;
        int err;

        memcpy(key, e->feed, ENTRY_HASH_BYTES);
        memcpy(key + ENTRY_HASH_BYTES, region, len);
        err = store_index_get(t, SYNC_HELD_TABLE,
                              slice_make(key, ENTRY_HASH_BYTES + len), &v);
        if (!err && v.len == 8)
                *held = be64_get(v.data) >= e->h.seq;
        buf_release(&v);
        return err == ERR_NOT_FOUND ? 0 : err;
}

int
app__delivery(struct node *n, struct store_txn *t, const struct entry *e,
              struct app_delivery *out)
{
        const char *top =
            n->replica.has_network ? n->replica.network.desc.region : NULL;
        char region[REGION_BUF], up[REGION_BUF];
        int err;

        memset(out, 0, sizeof(*out));
        /* Written here: by this node's key when it is loaded, else by a
         * node of this region (simpul show reads without the key). */
        out->own = n->key ? !memcmp(e->h.author, n->key->pk, ENTRY_KEY_BYTES)
                          : !strcmp(e->h.author_region, n->replica.region);
        if (!out->own)
                return 0;
        snprintf(region, sizeof(region), "%s", e->h.author_region);
        while (out->n < APP_DELIVERY_LEVELS && (!top || strcmp(region, top)) &&
               !region_parent(region, up)) {
                struct app_delivery_level *l = &out->at[out->n++];
                struct held_peer hp = {t, e, up, false, 0};

                memcpy(region, up, sizeof(region));

                snprintf(l->region, sizeof(l->region), "%s", region);
                l->level = region_level_name(region_level(region));
                if ((err = store_peers(t, held_visit, &hp)) < 0 ||
                    (err = hp.err))
                        return err;
                l->held = hp.held;
                if (!l->held && (err = held_passed(t, e, region, &l->held)))
                        return err;
                /* How far up it went: held at the kabupaten is ✓✓ even
                 * where no kecamatan node runs (a desa linked to it). */
                if (l->held)
                        out->ticks = (unsigned)out->n;
        }
        return 0;
}
