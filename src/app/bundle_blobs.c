/*
 * bundle_blobs: the blobs a bundle's target is known to hold (BUNDLE.md
 * §5 step 4, §6 step 5). A peer record knows the entries a node holds,
 * not its blobs, so a bundle would carry again a blob the target got in
 * an earlier one when a new entry names it (the same file attached
 * twice). Two small records in the store's meta, per target key:
 *
 *   bundle-blobs-sent:KEY  root (32) || feed (32) || seq (8) of each blob
 *                          a bundle carried, with the entry it went with;
 *   bundle-blobs-held:KEY  the same records, of blobs the target
 *                          acknowledged.
 *
 * A sent blob is held once the target acknowledges its entry (the HEADS
 * of a bundle from it): it stored the blob right after that entry, from
 * the same bundle. It counts as held only while the target's HEADS still
 * cover that entry: a target whose store was made again from nothing
 * (its HEADS gone back) is sent its photos again with its entries.
 * Writing a bundle records what it sent but changes nothing of what is
 * known, so a stick lost on the way loses nothing.
 */
#include <string.h>

#include "app_int.h"

#define SENT_REC (32U + ENTRY_HASH_BYTES + 8U)
#define SENT_MAX 4096U /* records kept; the oldest go first */
#define HELD_MAX 4096U /* records kept; the oldest go first */

static void
meta_name(char *out, const char *what, const uint8_t key[ENTRY_KEY_BYTES])
{
        char hex[2 * ENTRY_KEY_BYTES + 1];

        hex_encode(hex, key, ENTRY_KEY_BYTES);
        snprintf(out, 128, "bundle-blobs-%s:%s", what, hex);
}

/* Appends recs to a meta list of rec-sized records, keeping the last
 * max of them. */
static int
list_append(struct store_txn *t, const char *name, struct slice recs,
            size_t rec, size_t max)
{
        struct buf v = BUF_INIT;
        int err = store_meta_get(t, name, &v);
        size_t drop;

        if (err && err != ERR_NOT_FOUND)
                goto out;
        buf_add(&v, recs.ptr, recs.len);
        drop = v.len / rec > max ? v.len - max * rec : 0;
        err = store_meta_put(t, name, slice_make(v.data + drop, v.len - drop));
out:
        buf_release(&v);
        return err;
}

/* Whether the target's HEADS cover rec's entry (feed, seq). */
static int
covered(struct store_txn *t, const uint8_t key[ENTRY_KEY_BYTES],
        const uint8_t *rec, bool *yes)
{
        uint64_t seq = 0;
        int err = store_peer_known(t, key, rec + 32, &seq);

        if (err == ERR_NOT_FOUND)
                err = 0, seq = 0;
        *yes = !err && seq >= be64_get(rec + 32 + ENTRY_HASH_BYTES);
        return err;
}

int
app__bundle_blobs_held(struct store_txn *t, const uint8_t key[ENTRY_KEY_BYTES],
                       struct buf *roots)
{
        struct buf held = BUF_INIT;
        char name[128];
        bool yes;
        int err;

        buf_reset(roots);
        meta_name(name, "held", key);
        if ((err = store_meta_get(t, name, &held)) == ERR_NOT_FOUND)
                err = 0;
        for (size_t off = 0; !err && off + SENT_REC <= held.len;
             off += SENT_REC)
                if (!(err = covered(t, key, held.data + off, &yes)) && yes)
                        buf_add(roots, held.data + off, 32);
        buf_release(&held);
        return err;
}

int
app__bundle_blobs_sent(struct node *n, const uint8_t key[ENTRY_KEY_BYTES],
                       struct slice recs)
{
        struct store_txn *t;
        char name[128];
        int err;

        if (!recs.len)
                return 0;
        if ((err = store_begin(n->store, true, &t)))
                return err;
        meta_name(name, "sent", key);
        if ((err = list_append(t, name, recs, SENT_REC, SENT_MAX))) {
                store_abort(t);
                return err;
        }
        return store_commit(t);
}

int
app__bundle_blobs_acked(struct store_txn *t, const uint8_t key[ENTRY_KEY_BYTES])
{
        struct buf sent = BUF_INIT, keep = BUF_INIT, held = BUF_INIT;
        char name[128];
        int err;

        meta_name(name, "sent", key);
        if ((err = store_meta_get(t, name, &sent)))
                goto out;
        for (size_t off = 0; off + SENT_REC <= sent.len; off += SENT_REC) {
                const uint8_t *r = sent.data + off;
                bool yes;
                if ((err = covered(t, key, r, &yes)))
                        goto out;
                buf_add(yes ? &held : &keep, r, SENT_REC);
        }
        if (!held.len)
                goto out;
        if ((err = store_meta_put(t, name, buf_slice(&keep))))
                goto out;
        meta_name(name, "held", key);
        err = list_append(t, name, buf_slice(&held), SENT_REC, HELD_MAX);
out:
        buf_release(&sent);
        buf_release(&keep);
        buf_release(&held);
        return err == ERR_NOT_FOUND ? 0 : err;
}
