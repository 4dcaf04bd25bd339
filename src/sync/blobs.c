/*
 * blobs: attachments on the link (proto/BLOBS.md §3-§7). This side asks
 * the peer for the blobs it wants, one blob at a time, within a window
 * sized to the link's measured rate, and checks each list and chunk
 * before it hands it to the caller to store; it answers the peer's asks,
 * in order, only for blobs an entry of the link's universe references,
 * and only when nothing else waits to be pushed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sync_int.h"

/* The window holds what the link carries in a round trip and this
 * margin: enough that the next chunk's ask reaches the sender before it
 * runs dry, and no more queued there ahead of an urgent entry (§6). */
#define MARGIN_US 250000.0

static struct blob_link *
bl_get(struct sync_session *s)
{
        if (!s->blobs)
                s->blobs = xcalloc(1, sizeof(*s->blobs));
        return s->blobs;
}

void
sync_bulk_limit(struct sync_session *s, uint64_t left)
{
        s->bulk_left = left;
}

static void
bulk_moved(struct sync_session *s, size_t bytes)
{
        if (s->bulk_left != UINT64_MAX)
                s->bulk_left = bytes < s->bulk_left ? s->bulk_left - bytes : 0;
}

void
sync__blobs_free(struct sync_session *s)
{
        if (!s->blobs)
                return;
        buf_release(&s->blobs->list);
        buf_release(&s->blobs->tmp);
        free(s->blobs);
        s->blobs = NULL;
}

void
sync_clock(struct sync_session *s, uint64_t now_us)
{
        s->now_us = now_us;
}

/* ---- entitlement (§3) -----------------------------------------------------
 */

struct ent_walk {
        const struct sync_session *s;
        bool ok;
};

static int
ent_ref(void *ctx, const uint8_t feed[32], uint64_t seq)
{
        struct ent_walk *w = ctx;
        struct feed_state *f = feedmap_get(&w->s->feeds, feed);

        (void)seq;
        if (f && f->local) {
                w->ok = true;
                return 1;
        }
        return 0;
}

/* Does an entry of a feed of the link's universe reference root? */
static int
entitled(struct sync_session *s, struct store_txn *t, const uint8_t *root,
         bool *ok)
{
        struct ent_walk w = {s, false};
        int err = store_blob_refs(t, root, ent_ref, &w);

        *ok = w.ok;
        return err < 0 ? err : 0;
}

/* ---- answering the peer's asks ------------------------------------------- */

static bool
told_already(const struct blob_link *bl, const uint8_t *root)
{
        for (size_t i = 0; i < bl->told_n; i++)
                if (!memcmp(bl->told[i], root, BLOB_ROOT_BYTES))
                        return true;
        return false;
}

static void
serve_pop(struct blob_link *bl)
{
        struct blob_ask *a = &bl->serve[0];

        bl->serve_chunks -= a->count - a->done;
        memmove(bl->serve, bl->serve + 1,
                (bl->serve_n - 1) * sizeof(*bl->serve));
        bl->serve_n--;
}

/* BLOB_NONE in place of the oldest ask; a BLOB-MISSING root is told
 * BLOB_HAVE later (§4). */
static void
serve_none(struct sync_session *s, struct blob_link *bl, struct buf *out,
           int why)
{
        const uint8_t *root = bl->serve[0].root;

        if (why == ERR_BLOB_NOT_ENTITLED) {
                char hex[2 * BLOB_ROOT_BYTES + 1], k[2 * ENTRY_KEY_BYTES + 1];
                hex_encode(hex, root, BLOB_ROOT_BYTES);
                id_hex(k, s->peer);
                log_info("BLOB-NOT-ENTITLED",
                         "peer %.16s asked for blob %.16s: refused", k, hex);
        } else if (!told_already(bl, root) && bl->told_n < SYNC_BLOB_TOLD_MAX) {
                memcpy(bl->told[bl->told_n++], root, BLOB_ROOT_BYTES);
        }
        wire_sync_blob_none(out, root, err_id(why));
        serve_pop(bl);
}

/* Answers as much of the oldest ask as fits: 0, or a store error. */
static int
serve_one(struct sync_session *s, struct blob_link *bl, struct store_txn *t,
          struct buf *out, size_t start)
{
        struct blob_ask *a = &bl->serve[0];
        struct store_blob b;
        bool ok;
        int err;

        if (a->done == 0) { /* checked once per ask, before any answer */
                if ((err = entitled(s, t, a->root, &ok)))
                        return err;
                if (!ok) {
                        serve_none(s, bl, out, ERR_BLOB_NOT_ENTITLED);
                        return 0;
                }
                err = store_blob_get(t, a->root, &b);
                if (err && err != ERR_NOT_FOUND)
                        return err;
                if (err || b.held != b.chunks ||
                    (a->count && a->first + a->count > b.chunks)) {
                        /* A relay fetches what is asked of it from below
                         * or beside, whatever its own policy (§7). */
                        if (!err && b.held != b.chunks &&
                            !(b.flags & STORE_BLOB_OPENED) &&
                            !told_already(bl, a->root))
                                sync__blob_opened(s, a->root);
                        serve_none(s, bl, out, ERR_BLOB_MISSING);
                        return 0;
                }
                if (a->count == 0) {
                        if ((err = store_blob_get_list(t, a->root, &bl->tmp)))
                                return err == ERR_NOT_FOUND ? ERR_STORE_CORRUPT
                                                            : err;
                        wire_sync_blob_list(out, a->root, b.size,
                                            buf_slice(&bl->tmp));
                        serve_pop(bl);
                        return 0;
                }
        }
        while (a->done < a->count && out->len - start < FRAME_TARGET_BYTES &&
               s->bulk_left) {
                uint32_t i = a->first + a->done;
                if ((err = store_blob_get_chunk(t, a->root, i, &bl->tmp)))
                        return err == ERR_NOT_FOUND ? ERR_STORE_CORRUPT : err;
                wire_sync_blob_chunk(out, a->root, i, buf_slice(&bl->tmp));
                a->done++;
                bl->serve_chunks--;
                s->stats.chunks_out++;
                s->stats.bulk_out += bl->tmp.len;
                bulk_moved(s, bl->tmp.len);
        }
        if (a->done == a->count)
                serve_pop(bl);
        return 0;
}

/* BLOB_HAVE for roots told BLOB-MISSING that are whole now. */
static int
tell_have(struct blob_link *bl, struct store_txn *t, struct buf *out)
{
        struct store_blob b;
        int err;

        bl->have_check = false;
        for (size_t i = 0; i < bl->told_n;) {
                err = store_blob_get(t, bl->told[i], &b);
                if (err && err != ERR_NOT_FOUND)
                        return err;
                if (err || b.held != b.chunks) {
                        i++;
                        continue;
                }
                wire_sync_blob_have(out, bl->told[i]);
                memmove(bl->told[i], bl->told[i + 1],
                        (bl->told_n - i - 1) * BLOB_ROOT_BYTES);
                bl->told_n--;
        }
        return 0;
}

/* ---- asking ---------------------------------------------------------------
 */

static bool
refused(const struct blob_link *bl, const uint8_t *root)
{
        for (size_t i = 0; i < bl->refused_n; i++)
                if (!memcmp(bl->refused[i], root, BLOB_ROOT_BYTES))
                        return true;
        return false;
}

/* Chunk bytes asked and not yet here, less those of a frame arriving
 * now (sync_rx_partial). */
static double
in_flight(const struct blob_link *bl)
{
        double b = (double)bl->asked * BLOB_CHUNK_BYTES;

        return b > (double)bl->rx_partial ? b - (double)bl->rx_partial : 0.0;
}

/* May one more chunk be asked? Always one; before the link's rate and
 * round trip are measured, no more; then while the bytes in flight are
 * under rate × (RTT + margin), up to SYNC_BLOB_ASKED_MAX chunks (§6). */
static bool
window_open(const struct blob_link *bl)
{
        if (bl->asked == 0)
                return true;
        if (!bl->rate || !bl->rtt || bl->asked >= SYNC_BLOB_ASKED_MAX)
                return false;
        return in_flight(bl) < bl->rate * (bl->rtt + MARGIN_US);
}

bool
sync_blob_fetches(const struct sync_config *cfg, uint64_t size, bool opened,
                  bool peer_below)
{
        if (size > cfg->blob_fetch_max)
                return false;
        if (opened || cfg->blob_fetch == SYNC_FETCH_ALL ||
            size <= cfg->blob_auto_max)
                return true;
        return cfg->blob_fetch == SYNC_FETCH_UP && peer_below;
}

/* Is the link's peer strictly below this node (a child, or further)? */
static bool
peer_below(const struct sync_session *s)
{
        return s->validated && region_covers(s->r->region, s->peer_region) &&
               strcmp(s->r->region, s->peer_region) != 0;
}

struct pick {
        struct sync_session *s;
        struct store_txn *t;
        size_t seen;
        bool found;
        int err;
};

static int
pick_one(void *ctx, const struct store_blob *b)
{
        struct pick *p = ctx;
        struct blob_link *bl = p->s->blobs;
        bool ok;

        if (++p->seen > SYNC_BLOB_WALK_MAX)
                return 1; /* enough for one pump: on from here next time */
        memcpy(bl->walk_at, b->root, BLOB_ROOT_BYTES);
        bl->walk_started = true;
        if (b->held == b->chunks || refused(bl, b->root) ||
            !sync_blob_fetches(&p->s->cfg, b->size,
                               b->flags & STORE_BLOB_OPENED, peer_below(p->s)))
                return 0;
        if ((p->err = entitled(p->s, p->t, b->root, &ok)))
                return p->err;
        if (!ok)
                return 0; /* no entry of this link's universe names it */
        bl->fetch = *b;
        p->found = true;
        return 1;
}

/* Starts fetching blob bl->fetch: what the store holds of it. */
static int
fetch_start(struct blob_link *bl, struct store_txn *t)
{
        int err;

        bl->active = true;
        bl->list_asked = false;
        bl->next = 0;
        memset(bl->mark, 0, sizeof(bl->mark));
        buf_reset(&bl->list);
        if (bl->fetch.flags & STORE_BLOB_LIST) {
                if ((err = store_blob_get_list(t, bl->fetch.root, &bl->list)))
                        return err;
                if (blob_list_check(bl->fetch.root, bl->fetch.size,
                                    buf_slice(&bl->list)))
                        return ERR_STORE_CORRUPT;
        }
        return store_blob_held(t, bl->fetch.root, bl->mark, bl->fetch.chunks);
}

/* The next wanted blob this peer may have, from the walk's cursor. */
static int
fetch_next(struct sync_session *s, struct blob_link *bl, struct store_txn *t)
{
        struct pick p = {s, t, 0, false, 0};
        uint64_t gen;
        int rc;

        if (s->cfg.blob_fetch_max == 0 ||
            bl->refused_n == SYNC_BLOB_REFUSED_MAX)
                return 0;
        if ((rc = store_blobs_gen(t, &gen)))
                return rc;
        if (bl->walk_done && gen == bl->walk_gen)
                return 0;
        if (bl->walk_done || !bl->walk_started) {
                bl->walk_done = bl->walk_started = false;
                bl->walk_gen = gen;
        }
        rc =
            store_blobs(t, bl->walk_started ? bl->walk_at : NULL, pick_one, &p);
        if (rc < 0)
                return rc;
        if (p.err)
                return p.err;
        bl->walk_done = rc == 0;
        return p.found ? fetch_start(bl, t) : 0;
}

static void
ask(struct sync_session *s, struct blob_link *bl, struct buf *out,
    uint32_t first, uint32_t count)
{
        struct blob_ask *a = &bl->asks[bl->asks_n++];

        memcpy(a->root, bl->fetch.root, BLOB_ROOT_BYTES);
        a->first = first;
        a->count = count;
        a->done = 0;
        a->at_us = s->now_us;
        a->delivered = bl->delivered;
        a->alone = bl->asks_n == 1; /* nothing ahead of it on the link */
        bl->asked += count;
        wire_sync_blob_want(out, a->root, first, count);
}

/* Asks for the list, or for the chunks not held nor asked while the
 * window is open, in runs of consecutive chunks. */
static void
ask_more(struct sync_session *s, struct blob_link *bl, struct buf *out)
{
        uint32_t room, first, n;

        if (!bl->list.len) {
                if (!bl->list_asked) {
                        bl->list_asked = true;
                        ask(s, bl, out, 0, 0);
                }
                return;
        }
        room = SYNC_BLOB_ASKED_MAX;
        /* The budget (§7.1): no more chunks asked than it has left for. */
        if (s->bulk_left != UINT64_MAX) {
                uint64_t fit =
                    (s->bulk_left + BLOB_CHUNK_BYTES - 1) / BLOB_CHUNK_BYTES;
                if (fit < room)
                        room = (uint32_t)fit;
        }
        while (bl->asked < room && bl->asks_n < SYNC_BLOB_ASKED_MAX &&
               window_open(bl)) {
                while (bl->next < bl->fetch.chunks &&
                       (bl->mark[bl->next / 8] & (1U << (bl->next % 8))))
                        bl->next++;
                if (bl->next == bl->fetch.chunks)
                        return;
                first = bl->next;
                n = 0;
                do { /* counted as asked at once: window_open sees it */
                        bl->mark[(first + n) / 8] |=
                            (uint8_t)(1U << ((first + n) % 8));
                        n++;
                        bl->asked++;
                } while (
                    bl->asked < room && first + n < bl->fetch.chunks &&
                    !(bl->mark[(first + n) / 8] & (1U << ((first + n) % 8))) &&
                    window_open(bl));
                bl->asked -= n; /* ask() counts the run */
                ask(s, bl, out, first, n);
        }
}

int
sync__blobs_pump(struct sync_session *s, struct store_txn *t, struct buf *out,
                 size_t start, bool idle, bool *chunk)
{
        struct blob_link *bl = bl_get(s);
        uint64_t sent = s->stats.chunks_out;
        int err;

        *chunk = false;
        if (bl->have_check && (err = tell_have(bl, t, out)))
                return err;
        /* This side's asks first: behind the chunks it serves they would
         * wait a chunk's time on a thin link, and their round trip, which
         * sizes the window, would count it. */
        if (!bl->active && !bl->asks_n && (err = fetch_next(s, bl, t)))
                return err;
        if (bl->active)
                ask_more(s, bl, out);
        /* Bulk: answers only when nothing else waits (§6); lists and
         * refusals, then the chunks of at most one ask, which end the
         * frame: a cut loses the frame it falls in, so at most the chunks
         * of one ask, which the asker sizes to the link (one on a thin
         * link). */
        while (idle && bl->serve_n && out->len - start < FRAME_TARGET_BYTES &&
               s->bulk_left && s->stats.chunks_out == sent)
                if ((err = serve_one(s, bl, t, out, start)))
                        return err;
        *chunk = s->stats.chunks_out != sent;
        return 0;
}

/* ---- the peer's messages ------------------------------------------------ */

static int
on_want(struct blob_link *bl, const struct sync_msg *m)
{
        struct blob_ask *a;
        size_t lists = 0;

        for (size_t i = 0; i < bl->serve_n; i++)
                lists += bl->serve[i].count == 0;
        if ((m->blob_count == 0 && lists) ||
            bl->serve_chunks + m->blob_count > SYNC_BLOB_ASKED_MAX)
                return ERR_PROTOCOL; /* more than the bounds of §4 */
        a = &bl->serve[bl->serve_n++];
        memcpy(a->root, m->root, BLOB_ROOT_BYTES);
        a->first = m->blob_first;
        a->count = m->blob_count;
        a->done = 0;
        bl->serve_chunks += m->blob_count;
        return 0;
}

static void
ask_pop(struct blob_link *bl)
{
        memmove(bl->asks, bl->asks + 1, (bl->asks_n - 1) * sizeof(*bl->asks));
        bl->asks_n--;
}

/* The fetch ends (whole, refused, or bad): the walk goes on. */
static void
fetch_end(struct blob_link *bl)
{
        bl->active = false;
        buf_reset(&bl->list);
}

/*
 * The round trip, from an ask sent with nothing else asked (the first of
 * a session, or after a pause): the time until the first bytes of its
 * answer arrive (sync_rx_partial), or until the whole answer is here less
 * its bytes at the rate known. Smoothed as TCP's SRTT (RFC 6298), each
 * sample weighing 1/8. Taken once per ask.
 */
static void
rtt_sample(const struct sync_session *s, struct blob_link *bl,
           struct blob_ask *a, size_t bytes)
{
        double sample;

        if (!a->alone || s->now_us <= a->at_us)
                return;
        a->alone = false;
        sample = (double)(s->now_us - a->at_us);
        if (bytes && bl->rate)
                sample -= (double)bytes / bl->rate;
        if (sample < 1.0)
                sample = 1.0;
        bl->rtt = bl->rtt ? 0.875 * bl->rtt + 0.125 * sample : sample;
        log_debug("BLOB-RTT",
                  "round trip %.0f ms, smoothed %.0f ms; rate %.0f "
                  "bytes/s",
                  sample / 1000.0, bl->rtt / 1000.0, bl->rate * 1e6);
}

/*
 * The link's delivery rate, as BBR samples it: the bytes received since
 * this chunk was asked, over the time since (at least a round trip, so a
 * burst of chunks read at once does not look like a fast link).
 */
static void
rate_sample(struct sync_session *s, struct blob_link *bl, struct blob_ask *a,
            size_t bytes)
{
        double sample;

        rtt_sample(s, bl, a, bytes);
        bl->rx_partial = 0; /* that frame is here */
        bl->delivered += bytes;
        if (s->now_us <= a->at_us)
                return;
        sample = (double)(bl->delivered - a->delivered) /
                 (double)(s->now_us - a->at_us);
        bl->rate = bl->rate ? 0.75 * bl->rate + 0.25 * sample : sample;
}

static int
on_list(struct sync_session *s, struct blob_link *bl, const struct sync_msg *m,
        const char **why)
{
        struct sync_op *op;
        int err;

        if (!bl->asks_n || bl->asks[0].count != 0 ||
            memcmp(bl->asks[0].root, m->root, BLOB_ROOT_BYTES))
                return ERR_PROTOCOL;
        rtt_sample(s, bl, &bl->asks[0], m->blob_data.len);
        bl->rx_partial = 0;
        ask_pop(bl);
        if ((err = blob_list_check(m->root, m->blob_size, m->blob_data)) ||
            m->blob_size != bl->fetch.size) {
                *why = err_id(ERR_BLOB_BAD_LIST);
                return ERR_BLOB_BAD_LIST;
        }
        buf_reset(&bl->list);
        buf_add(&bl->list, m->blob_data.ptr, m->blob_data.len);
        op = sync__op_start(s, SYNC_OP_BLOB, "peer");
        memcpy(op->root, m->root, BLOB_ROOT_BYTES);
        op->blob_size = m->blob_size;
        op->index = -1;
        buf_add(&s->op_data, m->blob_data.ptr, m->blob_data.len);
        op->body = buf_slice(&s->op_data);
        return 0;
}

static int
on_chunk(struct sync_session *s, struct blob_link *bl, const struct sync_msg *m,
         const char **why)
{
        struct blob_ask *a = &bl->asks[0];
        struct sync_op *op;

        if (!bl->asks_n || a->count == 0 ||
            memcmp(a->root, m->root, BLOB_ROOT_BYTES) ||
            m->blob_first != a->first + a->done)
                return ERR_PROTOCOL; /* not asked, or out of order */
        s->stats.bulk_in += m->blob_data.len;
        bulk_moved(s, m->blob_data.len);
        if (!bl->active || memcmp(bl->fetch.root, m->root, BLOB_ROOT_BYTES)) {
                /* The blob became whole through another link meanwhile:
                 * an answer to an ask still out, kept nowhere. */
                bl->asked--;
                if (++a->done == a->count)
                        ask_pop(bl);
                return 0;
        }
        /* Checked before anything of it is kept (§5). */
        if (blob_chunk_check(buf_slice(&bl->list), bl->fetch.size,
                             m->blob_first, m->blob_data)) {
                *why = err_id(ERR_BLOB_BAD_CHUNK);
                return ERR_BLOB_BAD_CHUNK;
        }
        rate_sample(s, bl, a, m->blob_data.len);
        bl->asked--;
        if (++a->done == a->count)
                ask_pop(bl);
        if (s->op_open) { /* sync__blob_joins said so */
                op = &s->op;
        } else {
                op = sync__op_start(s, SYNC_OP_BLOB, "peer");
                memcpy(op->root, m->root, BLOB_ROOT_BYTES);
                op->blob_size = bl->fetch.size;
                op->index = (int32_t)m->blob_first;
        }
        op->count++;
        buf_add(&s->op_data, m->blob_data.ptr, m->blob_data.len);
        op->body = buf_slice(&s->op_data);
        /* The next chunks, already here, go into the same commit. */
        s->op_open = op->count < SYNC_BLOB_OP_CHUNKS;
        return 0;
}

bool
sync__blob_joins(const struct sync_session *s, const struct sync_msg *m)
{
        const struct sync_op *op = &s->op;

        return m->type == SYNC_BLOB_CHUNK && op->kind == SYNC_OP_BLOB &&
               op->index >= 0 && !memcmp(op->root, m->root, BLOB_ROOT_BYTES) &&
               m->blob_first == (uint32_t)op->index + op->count;
}

/* BLOB_NONE in place of the oldest ask: that peer will not give it now. */
static int
on_none(struct blob_link *bl, const struct sync_msg *m)
{
        struct blob_ask *a = &bl->asks[0];

        if (!bl->asks_n || memcmp(a->root, m->root, BLOB_ROOT_BYTES) || a->done)
                return ERR_PROTOCOL;
        if (a->count) {
                /* Not received: unmark them for a later fetch. */
                for (uint32_t i = a->first; i < a->first + a->count; i++)
                        bl->mark[i / 8] &= (uint8_t) ~(1U << (i % 8));
                bl->asked -= a->count;
                if (a->first < bl->next)
                        bl->next = a->first;
        }
        ask_pop(bl);
        if (!refused(bl, m->root) && bl->refused_n < SYNC_BLOB_REFUSED_MAX)
                memcpy(bl->refused[bl->refused_n++], m->root, BLOB_ROOT_BYTES);
        if (bl->active && !memcmp(bl->fetch.root, m->root, BLOB_ROOT_BYTES))
                fetch_end(bl);
        return 0;
}

/* BLOB_HAVE: a root the peer refused as missing is whole there now. */
static int
on_have(struct blob_link *bl, const struct sync_msg *m)
{
        for (size_t i = 0; i < bl->refused_n; i++) {
                if (memcmp(bl->refused[i], m->root, BLOB_ROOT_BYTES))
                        continue;
                memmove(bl->refused[i], bl->refused[i + 1],
                        (bl->refused_n - i - 1) * BLOB_ROOT_BYTES);
                bl->refused_n--;
                bl->walk_done = bl->walk_started = false; /* walk again */
                return 0;
        }
        return ERR_PROTOCOL;
}

int
sync__on_blob(struct sync_session *s, const struct sync_msg *m,
              const char **why)
{
        struct blob_link *bl = bl_get(s);

        switch (m->type) {
        case SYNC_BLOB_WANT:
                return on_want(bl, m);
        case SYNC_BLOB_LIST:
                return on_list(s, bl, m, why);
        case SYNC_BLOB_CHUNK:
                return on_chunk(s, bl, m, why);
        case SYNC_BLOB_NONE:
                return on_none(bl, m);
        default:
                return on_have(bl, m);
        }
}

/* The list or chunk is stored (or the store failed). */
int
sync__blob_done(struct sync_session *s, const struct sync_op *op,
                const char **why)
{
        struct blob_link *bl = bl_get(s);

        if (op->err) {
                *why = err_id(op->err);
                return op->err;
        }
        if (op->index >= 0)
                s->stats.chunks_in += op->count;
        if (op->whole) {
                s->stats.blobs_in++;
                if (bl->active &&
                    !memcmp(bl->fetch.root, op->root, BLOB_ROOT_BYTES)) {
                        fetch_end(bl);
                        /* Asks of it still out are answered, and ignored
                         * as chunks held (the store keeps one copy). */
                }
        }
        return 0;
}

/* sync_changed: blobs told missing may be whole now. */
/* Nothing for sync__blobs_pump to do but read the store: no list or chunk
 * to answer, no blob being fetched, the walk of wanted blobs done (a
 * commit that could add one asks for a rescan, which pumps), no HAVE to
 * check. Lets an idle link's keepalive read nothing (push.c). */
bool
sync__blobs_idle(const struct sync_session *s)
{
        const struct blob_link *bl = s->blobs;
        bool fetching = s->cfg.blob_fetch_max != 0;

        if (!bl)
                return !fetching;
        if (fetching && bl->refused_n < SYNC_BLOB_REFUSED_MAX &&
            (!bl->walk_done || bl->active || bl->asks_n))
                return false;
        return !bl->have_check && !bl->serve_n;
}

void
sync__blobs_changed(struct sync_session *s)
{
        if (s->blobs && s->blobs->told_n)
                s->blobs->have_check = true;
}

/* Frames take long to arrive on a thin link: the bytes of the one
 * arriving tell how close the chunks asked are to done, so the next ask
 * goes out a round trip before the link would run dry (§6); the first of
 * them time the round trip. */
bool
sync_rx_partial(struct sync_session *s, size_t bytes)
{
        struct blob_link *bl = s->blobs;

        if (!bl || !bl->asks_n)
                return false;
        if (bytes > BLOB_CHUNK_BYTES)
                bytes = BLOB_CHUNK_BYTES;
        if (bytes && bl->asks[0].alone)
                rtt_sample(s, bl, &bl->asks[0], 0);
        bl->rx_partial = bytes;
        /* Cheap: true only if ask_more would ask (a chunk left to ask). */
        return bl->active && bl->list.len && bl->next < bl->fetch.chunks &&
               bl->asked < SYNC_BLOB_ASKED_MAX && window_open(bl);
}
