/*
 * offer: what this node offers a peer (proto/SYNC.md §5), for those that
 * push without a link: a bundle for a node on a USB stick
 * (proto/BUNDLE.md §5) offers exactly what a session with it would.
 */
#include <stdlib.h>
#include <string.h>

#include "sync_int.h"

bool
sync_in_universe(const char *own_region, const char *peer_region,
                 const struct audience *a)
{
        return audience_contains(a, own_region) &&
               audience_contains(a, peer_region);
}

struct offer_ctx {
        const struct replica *r;
        const char *peer_region;
        struct feed_info *v;
        size_t n, cap;
};

static int
offer_collect(void *ctx, const struct feed_info *f)
{
        struct offer_ctx *oc = ctx;

        if (!sync_in_universe(oc->r->region, oc->peer_region, &f->audience))
                return 0;
        if (oc->n == oc->cap) {
                oc->cap = oc->cap ? 2 * oc->cap : 64;
                oc->v = xrealloc(oc->v, oc->cap * sizeof(*oc->v));
        }
        oc->v[oc->n++] = *f;
        return 0;
}

/* The push order of a session (hello.c's root_first): the network root's
 * system feed before every other. */
static void
offer_root_first(const struct replica *r, struct feed_info *v, size_t n)
{
        size_t k = 0;

        if (!r->has_network)
                return;
        for (size_t i = 0; i < n; i++) {
                struct feed_info f = v[i];

                if (f.channel != 0 ||
                    memcmp(f.author, r->network.desc.root_pk, ENTRY_KEY_BYTES))
                        continue;
                memmove(&v[k + 1], &v[k], (i - k) * sizeof(*v));
                v[k++] = f;
        }
}

int
sync_offer_scan(const struct replica *r, struct store_txn *t,
                const char *peer_region, sync_offer_fn fn, void *ctx)
{
        struct offer_ctx oc = {r, peer_region, NULL, 0, 0};
        int err;

        if ((err = store_feeds(t, offer_collect, &oc)))
                goto out;
        offer_root_first(r, oc.v, oc.n);
        for (size_t i = 0; i < oc.n && !err; i++) {
                uint64_t max = 0;

                if (!(err = replica_offer_limit(r, t, &oc.v[i], &max)))
                        err = fn(ctx, &oc.v[i], max);
        }
out:
        free(oc.v);
        return err;
}
