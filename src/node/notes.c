/*
 * notes: what the daemon itself writes in the store, as data for the
 * next commit of the pipeline (never a write transaction on the loop
 * thread): a peer's status for `simpul peers`, flags in meta. Nothing
 * here is written while the node is idle: a peer's status when its link
 * opens, catches up, moves entries or closes (conn_tick), a flag when it
 * changes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon_int.h"

#define RESTORED_META "restored" /* 1: posting waits (node_restored_set) */

/* ---- a peer's status (the session writes the rest of its record) ------ */

static void
peer_counters(struct conn *c, struct note *p)
{
        const struct sync_stats *st = sync_stats(c->s);

        if (c->link) {
                uint64_t in = link_bytes_in(c->link);
                uint64_t out = link_bytes_out(c->link);
                p->bytes_in += in - c->rep_bytes_in;
                p->bytes_out += out - c->rep_bytes_out;
                c->rep_bytes_in = in;
                c->rep_bytes_out = out;
        }
        p->bulk_month = c->bulk_month;
        p->bulk = st->bulk_in + st->bulk_out - c->rep_bulk;
        c->rep_bulk = st->bulk_in + st->bulk_out;
        p->entries_in += st->entries_in - c->rep_in;
        p->entries_out += st->entries_out - c->rep_out;
        c->rep_in = st->entries_in;
        c->rep_out = st->entries_out;
}

/* Another open link of the same peer (one replacing this one)? */
static bool
key_open_elsewhere(const struct conn *c)
{
        for (const struct conn *o = c->d->conns; o; o = o->next)
                if (o != c && o->link && o->opened && o->has_key &&
                    !memcmp(o->key, c->key, ENTRY_KEY_BYTES))
                        return true;
        return false;
}

static struct note *
note_add(struct daemon *d, int kind)
{
        struct note *nt = xcalloc(1, sizeof(*nt));

        nt->kind = kind;
        *d->notes_tail = nt;
        d->notes_tail = &nt->next;
        return nt;
}

void
note_meta(struct daemon *d, const char *name, const uint8_t *v, size_t len)
{
        struct note *nt = note_add(d, NOTE_META);

        nt->name = name;
        memcpy(nt->value, v, len);
        nt->len = len;
}

/* The link's state in its peer's record, with the next commit. */
void
note_peer(struct conn *c, bool connected, int err)
{
        struct note *nt;

        if (!c->has_key)
                return;
        nt = note_add(c->d, NOTE_PEER);
        memcpy(nt->key, c->key, ENTRY_KEY_BYTES);
        nt->at_ms = time_now_ms();
        peer_counters(c, nt);
        /* A replaced link: the record belongs to the new one. */
        nt->counters_only = !connected && key_open_elsewhere(c);
        memcpy(nt->region, c->peer.region, REGION_BUF);
        snprintf(nt->address, sizeof(nt->address), "%s", c->address);
        nt->connected = connected;
        nt->backlog = sync_backlog(c->s);
        nt->synced = c->caught_up;
        if (err) {
                /* The peer's own reason, when it gave one. */
                const char *id =
                    err == ERR_PEER_ERROR && sync_stats(c->s)->peer_error[0]
                        ? sync_stats(c->s)->peer_error
                        : err_id(err);
                snprintf(nt->error, sizeof(nt->error), "%.31s", id);
        }
}

/* In the committing thread: read-modify-write of the record. */
static int
peer_note_apply(const struct note *nt, struct store_txn *t)
{
        struct peer_info p;

        if (store_peer_get(t, nt->key, &p)) {
                memset(&p, 0, sizeof(p));
                memcpy(p.key, nt->key, ENTRY_KEY_BYTES);
        }
        if (!nt->counters_only) {
                memcpy(p.region, nt->region, REGION_BUF);
                snprintf(p.address, sizeof(p.address), "%s", nt->address);
                if (nt->connected && !p.connected)
                        p.last_seen_ms = nt->at_ms;
                p.connected = nt->connected;
                p.backlog = nt->backlog;
                if (nt->synced)
                        p.last_sync_ms = nt->at_ms;
                if (nt->error[0]) {
                        p.last_error_ms = nt->at_ms;
                        memcpy(p.last_error, nt->error, sizeof(p.last_error));
                }
        }
        p.bytes_in += nt->bytes_in;
        p.bytes_out += nt->bytes_out;
        p.entries_in += nt->entries_in;
        p.entries_out += nt->entries_out;
        if (nt->bulk_month && nt->bulk_month != p.bulk_month) {
                p.bulk_month = nt->bulk_month; /* a new month counts anew */
                p.bulk_bytes = 0;
        }
        p.bulk_bytes += nt->bulk;
        return store_peer_put(t, &p);
}

int
note_apply(const struct note *nt, struct store_txn *t)
{
        if (nt->kind == NOTE_PEER)
                return peer_note_apply(nt, t);
        return store_meta_put(t, nt->name, slice_make(nt->value, nt->len));
}

/* The notes committed (result 0) or not: one line for a failure (the
 * store logs STORE-FULL itself). */
void
notes_done(struct daemon *d, struct note *nt, int result)
{
        struct note *next;

        for (; nt; nt = next) {
                bool restored = nt->name && !strcmp(nt->name, RESTORED_META);
                next = nt->next;
                if (restored)
                        d->restored_writes--;
                if (restored && !nt->value[0]) {
                        d->restored_clearing = false;
                        if (!result) {
                                d->n->restored = false;
                                log_info("STORE-RESTORED",
                                         "caught up with %s: posting is "
                                         "allowed again",
                                         d->restored_by);
                        }
                }
                if (result && result != ERR_STORE_FULL)
                        log_warn("STORE-IO", "cannot record %s",
                                 nt->kind == NOTE_PEER ? "the state of a peer"
                                 : restored            ? "the restored flag"
                                                       : "the fallback check");
                free(nt);
        }
}

/* The store's restored flag (node_restored_set), with the next commit;
 * clearing it takes effect once durable (notes_done). */
void
note_restored(struct daemon *d, bool restored)
{
        uint8_t v = restored ? 1 : 0;

        note_meta(d, RESTORED_META, &v, 1);
        d->restored_writes++;
        d->restored_clearing |= !restored;
}
