/*
 * peers: what a node remembers of each peer between sessions
 * (proto/SYNC.md §4).
 *
 *   peers       peer key (32) -> peer record, below
 *   peer_feeds  peer key (32) || feed id (32) -> u64 seq the peer holds
 *
 * Peer record, PEER_REC_BYTES, every integer big-endian:
 *   0   1  flags (bit 1: instance known)
 *   1  16  instance
 *  17   8  acked
 *  25   8  last_sync_ms      33 8 last_seen_ms
 *  41   8  entries_in        49 8 entries_out
 *  57   8  bytes_in          65 8 bytes_out
 *  73   8  last_error_ms     81 32 last_error (NUL-padded)
 * 113  16  region (NUL-padded)  129 64 address (NUL-padded)
 * 193   1  connected         194 8 backlog
 * 202   4  bulk_month        206 8 bulk_bytes
 * A record of 202 bytes (before the data budget) reads as bulk 0.
 */
#include <string.h>
#include <time.h>

#include "store_int.h"

#define PEER_REC_BYTES 214U
#define PEER_REC_OLD_BYTES 202U
#define PF_KEY_BYTES (ENTRY_KEY_BYTES + ENTRY_HASH_BYTES)

static void
text_put(uint8_t *out, const char *s, size_t cap)
{
        size_t n = strnlen(s, cap - 1);

        memset(out, 0, cap);
        memcpy(out, s, n);
}

static void
text_get(char *out, const uint8_t *in, size_t cap)
{
        memcpy(out, in, cap);
        out[cap - 1] = 0;
}

static void
peer_encode(const struct peer_info *p, uint8_t r[PEER_REC_BYTES])
{
        const uint64_t nums[] = {
            p->acked,       p->last_sync_ms, p->last_seen_ms, p->entries_in,
            p->entries_out, p->bytes_in,     p->bytes_out,    p->last_error_ms};

        r[0] = p->has_instance ? 1 : 0;
        memcpy(r + 1, p->instance, STORE_INSTANCE_BYTES);
        for (size_t i = 0; i < ARRAY_LEN(nums); i++)
                be64_put(r + 17 + 8 * i, nums[i]);
        text_put(r + 81, p->last_error, PEER_ERROR_ID_MAX);
        text_put(r + 113, p->region, REGION_BUF);
        text_put(r + 129, p->address, sizeof(p->address));
        r[193] = p->connected ? 1 : 0;
        be64_put(r + 194, p->backlog);
        be32_put(r + 202, p->bulk_month);
        be64_put(r + 206, p->bulk_bytes);
}

static int
peer_decode(const uint8_t key[ENTRY_KEY_BYTES], const MDB_val *v,
            struct peer_info *p)
{
        const uint8_t *r = v->mv_data;
        uint64_t *const nums[] = {&p->acked,        &p->last_sync_ms,
                                  &p->last_seen_ms, &p->entries_in,
                                  &p->entries_out,  &p->bytes_in,
                                  &p->bytes_out,    &p->last_error_ms};

        if (v->mv_size != PEER_REC_BYTES && v->mv_size != PEER_REC_OLD_BYTES)
                return store__corrupt("peer record has a bad length", key,
                                      ENTRY_KEY_BYTES);
        memset(p, 0, sizeof(*p));
        memcpy(p->key, key, ENTRY_KEY_BYTES);
        p->has_instance = r[0] & 1;
        memcpy(p->instance, r + 1, STORE_INSTANCE_BYTES);
        for (size_t i = 0; i < ARRAY_LEN(nums); i++)
                *nums[i] = be64_get(r + 17 + 8 * i);
        text_get(p->last_error, r + 81, PEER_ERROR_ID_MAX);
        text_get(p->region, r + 113, REGION_BUF);
        text_get(p->address, r + 129, sizeof(p->address));
        p->connected = r[193] & 1;
        p->backlog = be64_get(r + 194);
        if (v->mv_size == PEER_REC_BYTES) {
                p->bulk_month = be32_get(r + 202);
                p->bulk_bytes = be64_get(r + 206);
        }
        return 0;
}

uint32_t
store_month(uint64_t unix_ms)
{
        time_t t = (time_t)(unix_ms / 1000U + 7U * 3600U); /* WIB */
        struct tm tm;

        gmtime_r(&t, &tm);
        return (uint32_t)(tm.tm_year + 1900) * 100U + (uint32_t)tm.tm_mon + 1U;
}

uint64_t
store_peer_bulk(const struct peer_info *p, uint32_t month)
{
        return p->bulk_month == month ? p->bulk_bytes : 0;
}

int
store_peer_get(struct store_txn *t, const uint8_t key[ENTRY_KEY_BYTES],
               struct peer_info *out)
{
        MDB_val v;
        int err = store__db_get(t, DB_PEERS, key, ENTRY_KEY_BYTES, &v);

        return err ? err : peer_decode(key, &v, out);
}

int
store_peer_put(struct store_txn *t, const struct peer_info *p)
{
        uint8_t rec[PEER_REC_BYTES];

        peer_encode(p, rec);
        return store__db_put(t, DB_PEERS, p->key, ENTRY_KEY_BYTES,
                             slice_make(rec, sizeof(rec)), 0);
}

struct peer_walk {
        store_peer_fn fn;
        void *ctx;
};

static int
peer_step(void *ctx, const MDB_val *k, const MDB_val *v, bool *done)
{
        struct peer_walk *w = ctx;
        struct peer_info p;
        int err;

        (void)done;
        if (k->mv_size != ENTRY_KEY_BYTES)
                return store__corrupt("peer key has a bad length", NULL, 0);
        if ((err = peer_decode(k->mv_data, v, &p)))
                return err;
        return w->fn(w->ctx, &p);
}

int
store_peers(struct store_txn *t, store_peer_fn fn, void *ctx)
{
        struct peer_walk w = {fn, ctx};

        return store__db_walk(t, DB_PEERS, NULL, peer_step, &w);
}

static void
pf_key(uint8_t out[PF_KEY_BYTES], const uint8_t key[ENTRY_KEY_BYTES],
       const uint8_t feed[ENTRY_HASH_BYTES])
{
        memcpy(out, key, ENTRY_KEY_BYTES);
        memcpy(out + ENTRY_KEY_BYTES, feed, ENTRY_HASH_BYTES);
}

int
store_peer_known(struct store_txn *t, const uint8_t key[ENTRY_KEY_BYTES],
                 const uint8_t feed[ENTRY_HASH_BYTES], uint64_t *seq)
{
        uint8_t k[PF_KEY_BYTES];
        MDB_val v;
        int err;

        pf_key(k, key, feed);
        err = store__db_get(t, DB_PEER_FEEDS, k, sizeof(k), &v);
        *seq = 0;
        if (err == ERR_NOT_FOUND)
                return 0;
        if (err)
                return err;
        if (v.mv_size != 8)
                return store__corrupt("peer feed record is malformed", k, 8);
        *seq = be64_get(v.mv_data);
        return 0;
}

int
store_peer_known_put(struct store_txn *t, const uint8_t key[ENTRY_KEY_BYTES],
                     const uint8_t feed[ENTRY_HASH_BYTES], uint64_t seq)
{
        uint8_t k[PF_KEY_BYTES], v[8];

        pf_key(k, key, feed);
        be64_put(v, seq);
        return store__db_put(t, DB_PEER_FEEDS, k, sizeof(k), slice_make(v, 8),
                             0);
}

struct known_walk {
        const uint8_t *key;
        store_known_fn fn;
        void *ctx;
        struct store_txn *t;
        bool clear;
};

static int
known_step(void *ctx, const MDB_val *k, const MDB_val *v, bool *done)
{
        struct known_walk *w = ctx;
        const uint8_t *kk = k->mv_data;

        if (k->mv_size != PF_KEY_BYTES || memcmp(kk, w->key, ENTRY_KEY_BYTES)) {
                *done = true;
                return 0;
        }
        if (v->mv_size != 8)
                return store__corrupt("peer feed record is malformed", kk, 8);
        return w->fn(w->ctx, kk + ENTRY_KEY_BYTES, be64_get(v->mv_data));
}

int
store_peer_known_each(struct store_txn *t, const uint8_t key[ENTRY_KEY_BYTES],
                      store_known_fn fn, void *ctx)
{
        struct known_walk w = {key, fn, ctx, t, false};
        MDB_val start = store__val_of(key, ENTRY_KEY_BYTES);

        return store__db_walk(t, DB_PEER_FEEDS, &start, known_step, &w);
}

struct clear_ctx {
        struct store_txn *t;
        const uint8_t *key;
};

/* Deleting under a cursor walk is not safe; delete one key per lookup. */
static int
first_known(void *ctx, const uint8_t feed[ENTRY_HASH_BYTES], uint64_t seq)
{
        uint8_t *out = ctx;

        (void)seq;
        memcpy(out, feed, ENTRY_HASH_BYTES);
        out[ENTRY_HASH_BYTES] = 1;
        return 1; /* stop after the first */
}

int
store_peer_known_clear(struct store_txn *t, const uint8_t key[ENTRY_KEY_BYTES])
{
        uint8_t feed[ENTRY_HASH_BYTES + 1], k[PF_KEY_BYTES];
        int err;

        for (;;) {
                feed[ENTRY_HASH_BYTES] = 0;
                err = store_peer_known_each(t, key, first_known, feed);
                if (err < 0)
                        return err;
                if (!feed[ENTRY_HASH_BYTES])
                        return 0;
                pf_key(k, key, feed);
                if ((err = store__db_del(t, DB_PEER_FEEDS, k, sizeof(k))))
                        return err;
        }
}

int
store_meta_get(struct store_txn *t, const char *name, struct buf *out)
{
        MDB_val v;
        int err = store__db_get(t, DB_META, name, strlen(name), &v);

        if (err)
                return err;
        buf_reset(out);
        buf_add(out, v.mv_data, v.mv_size);
        return 0;
}

int
store_meta_put(struct store_txn *t, const char *name, struct slice value)
{
        return store__db_put(t, DB_META, name, strlen(name), value, 0);
}
