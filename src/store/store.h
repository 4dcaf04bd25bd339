/*
 * store: the node's replica in one LMDB environment (proto/SPEC.md §6).
 * This module is the only user of LMDB; no LMDB type, error code or pointer
 * into the map leaves it. Data handed to a visitor callback is valid only
 * during that call (inside the transaction): copy what you keep.
 *
 * Databases (named LMDB sub-databases):
 *   meta     "instance" -> 16 random bytes made at creation; "schema" -> u32
 *   feeds    feed id (32) -> feed record (author, region, audience, channel,
 *            head seq, head id, flags)
 *   entries  feed id (32) || seq (8, big-endian) -> envelope bytes, exactly
 *            as signed (pruned: without the body, until store_fill_body)
 *   ids      entry id (32) -> feed id (32) || seq (8)
 *   forks    feed id (32) || seq (8) -> the second, conflicting envelope
 *   certs    node key (32) -> the newest certificate held (MEMBERSHIP.md)
 *   revoked  node key (32) -> its (merged) pencabutan body
 *   changes  changed version (8) || feed id (32): the feeds by the store
 *            version of their last change, kept with the feed records
 *
 * Invariants: every feed holds a contiguous prefix 1..head of its entries;
 * the feed head and the entries change in the same transaction; nothing is
 * reported stored before store_commit() has returned 0.
 *
 * Durability is full (no MDB_NOSYNC): batch many inserts per transaction for
 * speed. One write transaction at a time per environment (LMDB's rule); a
 * transaction belongs to the thread that began it.
 */
#ifndef SIMPUL_STORE_H
#define SIMPUL_STORE_H

#include "../base/base.h"
#include "../entry/entry.h"

#define STORE_INSTANCE_BYTES 16U
/*
 * The map is address space reserved at open, whatever the file's size: a
 * 32-bit process (armhf) has 3-4 GiB of it in all, for every store it opens
 * and everything else, so its default is smaller and its largest map is
 * 2 GiB. Each store of a process maps its own.
 */
#if UINTPTR_MAX > 0xffffffffU
#define STORE_DEFAULT_MAP_MIB 1024U
#define STORE_MAX_MAP_MIB (1024U * 1024U) /* 1 TiB */
#else
#define STORE_DEFAULT_MAP_MIB 256U
#define STORE_MAX_MAP_MIB 2048U
#endif
#define FEED_FROZEN 0x1U /* a fork proof exists; no more entries accepted */

struct store;
struct store_txn;

struct store_options {
        size_t map_size_bytes; /* 0: STORE_DEFAULT_MAP_MIB MiB */
        bool read_only;
};

/* What the store knows about one feed. */
struct feed_info {
        uint8_t id[ENTRY_HASH_BYTES];
        uint8_t author[ENTRY_KEY_BYTES];
        char author_region[REGION_BUF];
        struct audience audience;
        uint8_t channel;
        uint64_t head_seq; /* 0: no entries yet (never stored so) */
        uint8_t head_id[ENTRY_HASH_BYTES];
        uint32_t flags;   /* FEED_FROZEN */
        uint64_t changed; /* store version of the last head change */
};

/*
 * Opens (creating if needed, unless read_only) the environment in directory
 * `dir`. Returns an owned store; close with store_close. Errors: -errno
 * (-ENOENT: read_only and no store there; -ENOMEM: no room for the map in
 * the address space, see STORE_MAX_MAP_MIB), ERR_STORE (with a log line
 * naming the LMDB error; STORE-WORD-SIZE: a store made by a build of the
 * other word size), ERR_STORE_CORRUPT (also: an unknown schema).
 */
int store_open(struct store **out, const char *dir,
               const struct store_options *opt) WUR;
void store_close(struct store *s);
/*
 * Unmaps the pages of the store file from this process (they stay in the
 * kernel's page cache): a long-running node's resident set then holds only
 * what it touched since. Safe at any time, also while other threads read.
 */
void store_trim(struct store *s);
/* The instance id, random per store creation (a restored-empty store gets a
 * new one). */
void store_instance(const struct store *s, uint8_t out[STORE_INSTANCE_BYTES]);

/* Begins a transaction; owned until store_commit or store_abort. Errors:
 * ERR_USAGE (write on a read_only store), ERR_STORE. */
int store_begin(struct store *s, bool write, struct store_txn **out) WUR;
/*
 * Commits and ends the transaction (also on failure). Errors:
 * ERR_STORE_FULL (see store.map_size_mib), ERR_STORE.
 */
int store_commit(struct store_txn *t) WUR;
/* Ends the transaction, discarding its writes. */
void store_abort(struct store_txn *t);

/*
 * The store version: how many write transactions changed a feed head
 * (proto/SYNC.md §4); a transaction sees its own bump.
 */
int store_version(struct store_txn *t, uint64_t *out) WUR;

/* Copies out one feed's record. ERR_NOT_FOUND if the store has no entry of
 * it. */
int store_feed_get(struct store_txn *t, const uint8_t feed[ENTRY_HASH_BYTES],
                   struct feed_info *out) WUR;

/*
 * Inserts a verified entry (see entry_open) at its chain position in a write
 * transaction. *fresh is set true if stored now, false if the same entry was
 * already there (idempotent). Errors:
 *   ERR_GAP     seq is beyond head + 1 (nothing stored);
 *   ERR_FORK    a different entry holds this seq, or prev is not the id of
 *               the entry at seq - 1: the proof is stored in `forks`, the
 *               feed is frozen (this write is part of the transaction);
 *   ERR_FROZEN  the feed is frozen;
 *   ERR_STORE_FULL, ERR_STORE, ERR_STORE_CORRUPT: the transaction must be
 *               aborted.
 */
int store_insert(struct store_txn *t, const struct entry *e, bool *fresh) WUR;

/*
 * Gives a held pruned entry its body back (proto/SPEC.md §4.3): e is the
 * entry with its body, verified (entry_open: body_len and body_hash match)
 * by the caller; the envelope stored at e's feed and seq, in write
 * transaction t, becomes e->bytes, the full envelope exactly as signed.
 * Ids, heads and the store version do not change. *filled is set true if
 * the held entry was pruned and now has its body, false if it had it
 * already (idempotent). Errors: ERR_NOT_FOUND (no entry with e's id held
 * at its feed and seq), ERR_STORE_CORRUPT, ERR_STORE_FULL, ERR_STORE (the
 * transaction must then be aborted).
 */
int store_fill_body(struct store_txn *t, const struct entry *e,
                    bool *filled) WUR;

/* Copies the envelope at (feed, seq) into out (replacing its contents).
 * ERR_NOT_FOUND. */
int store_get(struct store_txn *t, const uint8_t feed[ENTRY_HASH_BYTES],
              uint64_t seq, struct buf *out) WUR;
/*
 * Finds an entry by id or by a unique prefix of at least 4 bytes and copies
 * its envelope into out. ERR_NOT_FOUND, ERR_AMBIGUOUS, ERR_USAGE (id_len not
 * in 4..32).
 */
int store_get_by_id(struct store_txn *t, const uint8_t *id, size_t id_len,
                    struct buf *out) WUR;

/* Visitors: a nonzero return stops the walk and is returned. */
typedef int (*store_entry_fn)(void *ctx, uint64_t seq, struct slice bytes);
typedef int (*store_feed_fn)(void *ctx, const struct feed_info *f);

/* Entries of one feed with seq >= from_seq, in seq order. */
int store_feed_scan(struct store_txn *t, const uint8_t feed[ENTRY_HASH_BYTES],
                    uint64_t from_seq, store_entry_fn fn, void *ctx) WUR;
/*
 * The feeds whose record changed after store version `after` (changed >
 * after), in the order of their change (proto/SYNC.md §4): what a reader
 * that saw the store at version `after` has not seen. A seek in the change
 * index, then one visit per feed changed since. ERR_STORE_CORRUPT when the
 * index does not match a feed record.
 */
int store_feeds_changed(struct store_txn *t, uint64_t after, store_feed_fn fn,
                        void *ctx) WUR;
/* 0 if f (as read) has its key in the change index; ERR_NOT_FOUND if not
 * (simpul verify). */
int store_feed_indexed(struct store_txn *t, const struct feed_info *f) WUR;
/* Every feed, ordered by channel, then feed id. */
int store_feeds(struct store_txn *t, store_feed_fn fn, void *ctx) WUR;
/*
 * The version vector for a region: every feed whose audience contains
 * `region` (region/audience_contains), ordered by channel, then feed id.
 */
int store_vector(struct store_txn *t, const char *region, store_feed_fn fn,
                 void *ctx) WUR;
/* Fork proofs: fn gets the feed id, seq and the second envelope. */
typedef int (*store_fork_fn)(void *ctx, const uint8_t feed[ENTRY_HASH_BYTES],
                             uint64_t seq, struct slice bytes);
int store_forks(struct store_txn *t, store_fork_fn fn, void *ctx) WUR;

/* Counts: feeds and entries (for status). */
struct store_stats {
        uint64_t feeds;
        uint64_t entries;
        uint64_t forks;
        uint64_t map_size_bytes;
        uint64_t used_bytes;
};
int store_stats(struct store_txn *t, struct store_stats *out) WUR;

/* ---- membership: certificates and revocations (certs.c) ---------------
 *
 * certs: node key -> the certificate held for it, or a record of two
 * certificates that conflict (MEMBERSHIP.md §4.3: then none is held).
 * revoked: node key -> pencabutan body. The caller verifies what it puts
 * and decides what is held (replica/trust.c); values are copied out.
 */

/* Holds a verified certificate under its node key, replacing what was
 * there. ERR_CERT (does not decode), store errors. */
int store_cert_set(struct store_txn *t, struct slice cert) WUR;
/* Records that no certificate is held for node_pk because a and b (each
 * 1..CERT_MAX bytes, else ERR_CERT) conflict, replacing what was there. */
int store_cert_conflict_set(struct store_txn *t,
                            const uint8_t node_pk[ENTRY_KEY_BYTES],
                            struct slice a, struct slice b) WUR;
/* Copies the two certificates of node_pk's conflict record into a and b.
 * ERR_NOT_FOUND when there is none (a certificate or nothing is held). */
int store_cert_conflict_get(struct store_txn *t,
                            const uint8_t node_pk[ENTRY_KEY_BYTES],
                            struct buf *a, struct buf *b) WUR;
/* Copies the certificate held for node_pk into out (replacing its
 * contents). ERR_NOT_FOUND, also for a key in conflict. */
int store_cert_get(struct store_txn *t, const uint8_t node_pk[ENTRY_KEY_BYTES],
                   struct buf *out) WUR;
/* Stores (replacing) the revocation body of node_pk. ERR_TOO_BIG if empty
 * or over ENTRY_BODY_MAX. */
int store_revocation_put(struct store_txn *t,
                         const uint8_t node_pk[ENTRY_KEY_BYTES],
                         struct slice body) WUR;
/* Copies the revocation body of node_pk into out. ERR_NOT_FOUND. */
int store_revocation_get(struct store_txn *t,
                         const uint8_t node_pk[ENTRY_KEY_BYTES],
                         struct buf *out) WUR;
/* Visitors in node key order; bytes are valid during the call only. */
typedef int (*store_key_fn)(void *ctx, const uint8_t node_pk[ENTRY_KEY_BYTES],
                            struct slice bytes);
/* store_certs: the held certificates; store_cert_conflicts: the conflict
 * records (bytes: the record). */
int store_certs(struct store_txn *t, store_key_fn fn, void *ctx) WUR;
int store_cert_conflicts(struct store_txn *t, store_key_fn fn, void *ctx) WUR;
int store_revocations(struct store_txn *t, store_key_fn fn, void *ctx) WUR;

/* ---- peers: sync state per peer key (peers.c, proto/SYNC.md §4) ------- */

#define PEER_ERROR_ID_MAX 32U

struct peer_info {
        uint8_t key[ENTRY_KEY_BYTES];
        bool has_instance;
        uint8_t instance[STORE_INSTANCE_BYTES]; /* the peer store's */
        uint64_t acked;        /* own store version the peer confirmed */
        uint64_t last_sync_ms; /* when we last caught up with it (0: never) */
        uint64_t last_seen_ms; /* last session start */
        uint64_t entries_in, entries_out, bytes_in, bytes_out; /* totals */
        uint64_t last_error_ms;
        char last_error[PEER_ERROR_ID_MAX]; /* stable id, "" if none */
        char region[REGION_BUF];            /* from its certificate */
        char address[64];                   /* last address, for status */
        bool connected;                     /* a link is up (daemon) */
        uint64_t backlog;                   /* entries it still lacks */
        /* Bulk bytes (blob chunks, both ways) moved on the link in the
         * calendar month bulk_month (YYYYMM, WIB: store_month), for
         * [net] budget_mib (BLOBS.md §7.1). */
        uint32_t bulk_month;
        uint64_t bulk_bytes;
};

/* The calendar month (YYYYMM) of a Unix time in ms, in WIB (UTC+07:00):
 * the month of the data packages a village buys. */
uint32_t store_month(uint64_t unix_ms);
/* p's bulk bytes in month (0 if its count is of another month). */
uint64_t store_peer_bulk(const struct peer_info *p, uint32_t month);

/* Small named values in meta (flags, the last fallback check): copy in,
 * copy out.
 * ERR_NOT_FOUND if absent. */
int store_meta_get(struct store_txn *t, const char *name, struct buf *out) WUR;
int store_meta_put(struct store_txn *t, const char *name,
                   struct slice value) WUR;

/* Copies out a peer's record; ERR_NOT_FOUND if none. */
int store_peer_get(struct store_txn *t, const uint8_t key[ENTRY_KEY_BYTES],
                   struct peer_info *out) WUR;
int store_peer_put(struct store_txn *t, const struct peer_info *p) WUR;
typedef int (*store_peer_fn)(void *ctx, const struct peer_info *p);
int store_peers(struct store_txn *t, store_peer_fn fn, void *ctx) WUR;
/* What we believe a peer holds of a feed: its head seq (0 if unknown). */
int store_peer_known(struct store_txn *t, const uint8_t key[ENTRY_KEY_BYTES],
                     const uint8_t feed[ENTRY_HASH_BYTES], uint64_t *seq) WUR;
int store_peer_known_put(struct store_txn *t,
                         const uint8_t key[ENTRY_KEY_BYTES],
                         const uint8_t feed[ENTRY_HASH_BYTES],
                         uint64_t seq) WUR;
/* Forgets everything known about a peer's feeds. */
int store_peer_known_clear(struct store_txn *t,
                           const uint8_t key[ENTRY_KEY_BYTES]) WUR;
typedef int (*store_known_fn)(void *ctx, const uint8_t feed[ENTRY_HASH_BYTES],
                              uint64_t seq);
int store_peer_known_each(struct store_txn *t,
                          const uint8_t key[ENTRY_KEY_BYTES], store_known_fn fn,
                          void *ctx) WUR;

/* ---- index tables for the views (index.c, proto/KIM.md §6) -------------
 *
 * Named tables of (key -> value) in the database "index", written in the
 * caller's write transaction (so views commit with the entries they come
 * from). A table name is 1..STORE_INDEX_NAME_MAX bytes of a-z, 0-9, '_'; a
 * key 0..STORE_INDEX_KEY_MAX bytes; values any size. Keys sort bytewise.
 * Bad names or keys are ERR_USAGE (our bug, never a peer's bytes); writes
 * need a write transaction (ERR_USAGE). A store made before these tables,
 * opened read-only, reads them as empty.
 */

#define STORE_INDEX_NAME_MAX 24U
#define STORE_INDEX_KEY_MAX 448U

/* Puts (replacing) key -> value in table. Store errors. */
int store_index_put(struct store_txn *t, const char *table, struct slice key,
                    struct slice value) WUR;
/* Copies the value of key into out (replacing its contents).
 * ERR_NOT_FOUND. */
int store_index_get(struct store_txn *t, const char *table, struct slice key,
                    struct buf *out) WUR;
/* Deletes key from table; ERR_NOT_FOUND if absent. */
int store_index_del(struct store_txn *t, const char *table,
                    struct slice key) WUR;
/*
 * Visits the records of table whose keys start with prefix (empty: all),
 * in key order, descending with reverse. With a non-empty start (which
 * must begin with prefix) the walk begins just past start in the walk's
 * direction, start itself excluded: the last key of the page before.
 * key and value are valid during the call only. A nonzero return of fn
 * stops the walk and is returned.
 */
typedef int (*store_index_fn)(void *ctx, struct slice key, struct slice value);
int store_index_scan(struct store_txn *t, const char *table,
                     struct slice prefix, struct slice start, bool reverse,
                     store_index_fn fn, void *ctx) WUR;
/* Deletes every record of table (a rebuild). Store errors. */
int store_index_drop(struct store_txn *t, const char *table) WUR;

/* Attachments (proto/BLOBS.md): blobstore.h. */
#include "blobstore.h"

#endif
