/*
 * held: what the nodes above hold of a child's own feeds (proto/SYNC.md
 * §5.4). A relay passes on to each child, for the child's own feeds,
 * the heads its own parents acknowledged (their known records), so that
 * a desa sees its report at the kabupaten (✓✓) and not only at its
 * kecamatan (✓). Only acknowledged heads are passed on: they say what is
 * durable there.
 */
#include <string.h>

#include "sync_int.h"

#define SENT_ITEM_BYTES (ENTRY_HASH_BYTES + REGION_BUF + 8U)
#define UP_MAX 8U /* peers above a node that it passes on for */

/* Is `up` strictly above `region` in the tree? */
static bool
above(const char *up, const char *region)
{
        return region_covers(up, region) && strcmp(up, region) != 0;
}

bool
sync_is_uplink(const struct sync_session *s)
{
        return s->validated && above(s->peer_region, s->r->region);
}

void
sync_held_changed(struct sync_session *s)
{
        s->held_dirty = true;
}

/* The record of what was passed on: true if (feed, region) went out with
 * seq already, else records seq. */
static bool
sent_same(struct sync_session *s, const uint8_t *feed, const char *region,
          uint64_t seq)
{
        uint8_t key[ENTRY_HASH_BYTES + REGION_BUF] = {0};

        memcpy(key, feed, ENTRY_HASH_BYTES);
        memcpy(key + ENTRY_HASH_BYTES, region, strlen(region));
        for (size_t o = 0; o < s->held_sent.len; o += SENT_ITEM_BYTES) {
                uint8_t *it = s->held_sent.data + o;
                if (memcmp(it, key, sizeof(key)))
                        continue;
                if (be64_get(it + sizeof(key)) == seq)
                        return true;
                be64_put(it + sizeof(key), seq);
                return false;
        }
        buf_add(&s->held_sent, key, sizeof(key));
        buf_add_be64(&s->held_sent, seq);
        return false;
}

struct ups {
        struct peer_info v[UP_MAX];
        size_t n;
        const char *region;
};

static int
up_visit(void *ctx, const struct peer_info *p)
{
        struct ups *u = ctx;

        if (above(p->region, u->region) && u->n < UP_MAX)
                u->v[u->n++] = *p;
        return 0;
}

/* HELD messages for what one peer above holds of the child's feeds. */
static int
held_for(struct sync_session *s, struct store_txn *t,
         const struct peer_info *up, struct buf *out)
{
        struct sync_vec_item items[SYNC_BODY_WANT_MAX];
        size_t n = 0;
        int err;

        for (size_t i = 0; i < s->order_n; i++) {
                const struct feed_state *f = s->order[i];
                uint64_t seq = 0;

                if (memcmp(f->info.author, s->peer, ENTRY_KEY_BYTES))
                        continue;
                if ((err = store_peer_known(t, up->key, f->id, &seq)))
                        return err;
                if (seq == 0 || sent_same(s, f->id, up->region, seq))
                        continue;
                memcpy(items[n].feed, f->id, ENTRY_HASH_BYTES);
                items[n++].seq = seq;
                if (n == SYNC_BODY_WANT_MAX) {
                        wire_sync_held(out, up->region, items, n);
                        n = 0;
                }
        }
        if (n)
                wire_sync_held(out, up->region, items, n);
        return 0;
}

int
sync__held_push(struct sync_session *s, struct store_txn *t, struct buf *out)
{
        struct ups u;
        int err;

        /* Only to nodes below this one, for what nodes above it hold (and
         * never dirty towards others: an idle link's pump reads nothing). */
        if (!s->held_dirty)
                return 0;
        s->held_dirty = false;
        if (!above(s->r->region, s->peer_region))
                return 0;
        u.n = 0;
        u.region = s->r->region;
        if ((err = store_peers(t, up_visit, &u)))
                return err;
        for (size_t i = 0; i < u.n; i++)
                if ((err = held_for(s, t, &u.v[i], out)))
                        return err;
        return 0;
}

/*
 * HELD from a peer above this node, naming a region above the peer: kept
 * for this node's own feeds (the rest is none of its business, and is
 * not stored).
 */
int
sync__on_held(struct sync_session *s, const struct sync_msg *m)
{
        struct store_txn *t;
        struct feed_info f;
        int err = 0;

        if (!above(s->peer_region, s->r->region) ||
            !above(m->author_region, s->peer_region))
                return ERR_PROTOCOL;
        if (!s->r->key)
                return 0;
        /* The store, not the session's feeds: a HELD may come before this
         * side scanned its own. */
        if ((err = store_begin(s->r->store, false, &t)))
                return err;
        for (size_t i = 0; i < m->wants_n && !err; i++) {
                err = store_feed_get(t, m->wants[i].feed, &f);
                if (err == ERR_NOT_FOUND) {
                        err = 0;
                        continue;
                }
                if (!err && !memcmp(f.author, s->r->key->pk, ENTRY_KEY_BYTES))
                        sync__held_put(s, f.id, m->author_region,
                                       m->wants[i].seq);
        }
        store_abort(t);
        return err;
}
