/*
 * feedmap: feed id -> per-link feed state, open addressing on the id's
 * first 8 bytes (ids are BLAKE2b outputs). Internal to src/sync.
 */
#ifndef SIMPUL_SYNC_FEEDMAP_H
#define SIMPUL_SYNC_FEEDMAP_H

#include "../store/store.h"

struct feed_state {
        uint8_t id[ENTRY_HASH_BYTES];
        bool local;            /* this node holds the feed, in the universe */
        struct feed_info info; /* when local: descriptor and head */
        uint64_t known;        /* the peer holds up to here */
        uint64_t sent;         /* pushed up to here (>= known) */
        uint32_t out_index;    /* FEED index sent + 1; 0: not introduced */
        uint32_t generation;   /* bumped by HEAD: older in-flight is moot */
        uint32_t inflight_n;   /* its ENTRIES messages not yet acknowledged */
        bool frozen_at_peer;   /* the peer will take no more of it */
        bool prev_due;         /* the next ENTRIES names its first prev (§5) */
        uint64_t diverged;     /* the peer's entry at this seq is not ours */
        /* What this node offers of it (replica_offer_limit), once known
         * since the last rescan: a revoked or unknown author's entries it
         * would refuse itself are never pushed. */
        bool capped;
        uint64_t cap_seq;
};

struct feedmap {
        struct feed_state **slots;
        size_t cap; /* power of two */
        size_t n;
};

void feedmap_init(struct feedmap *m);
/* Frees every state and the table. */
void feedmap_release(struct feedmap *m);
/* The state of a feed, or NULL. Borrowed: valid until feedmap_release. */
struct feed_state *feedmap_get(const struct feedmap *m,
                               const uint8_t id[ENTRY_HASH_BYTES]);
/* The state of a feed, created zeroed if missing. */
struct feed_state *feedmap_put(struct feedmap *m,
                               const uint8_t id[ENTRY_HASH_BYTES]);
/* Visits every state in table order. */
void feedmap_each(const struct feedmap *m,
                  void (*fn)(void *ctx, struct feed_state *f), void *ctx);

#endif
