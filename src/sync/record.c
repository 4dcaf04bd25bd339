/* record: what this node keeps of a peer in its store (proto/SYNC.md §4:
 * its instance, acked, and known[feed]), as data the session hands to the
 * caller: the caller writes it in its next write transaction, off the
 * loop, and says when it is durable. */
#include <stdlib.h>
#include <string.h>

#include "sync_int.h"

#define KNOWN_ITEM_BYTES (ENTRY_HASH_BYTES + 8U)
#define HELD_ITEM_BYTES (ENTRY_HASH_BYTES + REGION_BUF + 8U)

struct sync_writes *
sync__writes(struct sync_session *s)
{
        struct sync_writes *w = s->writes;

        if (!w) {
                w = s->writes = xcalloc(1, sizeof(*w));
                memcpy(w->peer, s->peer, ENTRY_KEY_BYTES);
                memcpy(w->region, s->peer_region, REGION_BUF);
        }
        return w;
}

void
sync__rec_changed(struct sync_session *s)
{
        struct sync_writes *w = sync__writes(s);

        w->rec = true;
        w->has_instance = s->rec.has_instance;
        memcpy(w->instance, s->rec.instance, STORE_INSTANCE_BYTES);
        w->acked = s->rec.acked;
}

void
sync__known_put(struct sync_session *s, const uint8_t feed[ENTRY_HASH_BYTES],
                uint64_t seq)
{
        struct sync_writes *w = sync__writes(s);
        uint8_t *last = w->known.len
                            ? w->known.data + w->known.len - KNOWN_ITEM_BYTES
                            : NULL;

        /* Successive ACKs of one feed's messages: the last one counts. */
        if (last && !memcmp(last, feed, ENTRY_HASH_BYTES)) {
                be64_put(last + ENTRY_HASH_BYTES, seq);
                return;
        }
        buf_add(&w->known, feed, ENTRY_HASH_BYTES);
        buf_add_be64(&w->known, seq);
}

void
sync__known_clear(struct sync_session *s)
{
        struct sync_writes *w = sync__writes(s);

        buf_reset(&w->known); /* what the clear erases anyway */
        w->clear_known = true;
}

void
sync__held_put(struct sync_session *s, const uint8_t feed[ENTRY_HASH_BYTES],
               const char *region, uint64_t seq)
{
        struct sync_writes *w = sync__writes(s);
        uint8_t r[REGION_BUF] = {0};

        memcpy(r, region, strlen(region));
        buf_add(&w->held, feed, ENTRY_HASH_BYTES);
        buf_add(&w->held, r, REGION_BUF);
        buf_add_be64(&w->held, seq);
}

void
sync__blob_opened(struct sync_session *s, const uint8_t root[32])
{
        buf_add(&sync__writes(s)->opened, root, BLOB_ROOT_BYTES);
}

bool
sync_writes_open(const struct sync_writes *w)
{
        return w->opened.len != 0;
}

void
sync__writes_free(struct sync_writes *w)
{
        if (!w)
                return;
        buf_release(&w->opened);
        buf_release(&w->known);
        buf_release(&w->held);
        free(w);
}

struct sync_writes *
sync_take_writes(struct sync_session *s)
{
        struct sync_writes *w = s->writes;

        s->writes = NULL;
        return w;
}

/* The peer's record, created with its key and region if it has none. */
static int
put_rec(const struct sync_writes *w, struct store_txn *t)
{
        struct peer_info p;
        int err = store_peer_get(t, w->peer, &p);

        if (err == ERR_NOT_FOUND) {
                memset(&p, 0, sizeof(p));
                memcpy(p.key, w->peer, ENTRY_KEY_BYTES);
                memcpy(p.region, w->region, REGION_BUF);
        } else if (err) {
                return err;
        }
        /* Only these are the session's: the daemon writes the rest. */
        p.has_instance = w->has_instance;
        memcpy(p.instance, w->instance, STORE_INSTANCE_BYTES);
        p.acked = w->acked;
        return store_peer_put(t, &p);
}

int
sync_writes_apply(const struct sync_writes *w, struct store_txn *t)
{
        int err;

        if (w->rec && (err = put_rec(w, t)))
                return err;
        if (w->clear_known && (err = store_peer_known_clear(t, w->peer)))
                return err;
        for (size_t o = 0; o < w->known.len; o += KNOWN_ITEM_BYTES) {
                const uint8_t *k = w->known.data + o;
                if ((err = store_peer_known_put(
                         t, w->peer, k, be64_get(k + ENTRY_HASH_BYTES))))
                        return err;
        }
        for (size_t o = 0; o < w->held.len; o += HELD_ITEM_BYTES) {
                const uint8_t *h = w->held.data + o;
                const uint8_t *seq = h + ENTRY_HASH_BYTES + REGION_BUF;
                size_t rlen =
                    strnlen((const char *)h + ENTRY_HASH_BYTES, REGION_BUF);
                if ((err =
                         store_index_put(t, SYNC_HELD_TABLE,
                                         slice_make(h, ENTRY_HASH_BYTES + rlen),
                                         slice_make(seq, 8))))
                        return err;
        }
        for (size_t o = 0; o < w->opened.len; o += BLOB_ROOT_BYTES) {
                err = store_blob_open(t, w->opened.data + o);
                if (err && err != ERR_NOT_FOUND) /* collected meanwhile */
                        return err;
        }
        return 0;
}

int
sync_writes_done(struct sync_session *s, struct sync_writes *w, int result,
                 const char **why)
{
        bool hello = w->hello;
        int err;

        *why = NULL;
        sync__writes_free(w);
        if (result) {
                *why = err_id(result);
                return result;
        }
        if (!hello)
                return 0;
        /* The record is durable: answer the HELLO, then read on. */
        s->wait_record = false;
        sync__hello_accept(s);
        err = sync__resume(s, why);
        sync__out_done(s);
        return err;
}
