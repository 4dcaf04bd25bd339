/*
 * store internals shared by the files of src/store (store.c: feeds and
 * entries; changes.c: feeds by change version; certs.c: certificates and
 * revocations; peers.c: sync state).
 * Not part of the module API; nothing outside src/store includes it.
 */
#ifndef SIMPUL_STORE_INT_H
#define SIMPUL_STORE_INT_H

#include <lmdb.h>
#include <stdatomic.h>

#include "store.h"

#define MIB_SHIFT 20U
#define POS_BYTES (ENTRY_HASH_BYTES + 8U) /* feed id || seq */

enum store_db {
        DB_META,
        DB_FEEDS,
        DB_ENTRIES,
        DB_IDS,
        DB_FORKS,
        DB_CERTS,      /* certs.c */
        DB_REVOKED,    /* certs.c */
        DB_PEERS,      /* peers.c */
        DB_PEER_FEEDS, /* peers.c */
        DB_INDEX,      /* index.c: the views' named tables */
        DB_CHANGES,    /* changes.c: feeds by change version */
        DB_BLOBS,      /* blobs.c: root -> blob record */
        DB_BLOB_LISTS, /* blobs.c: root -> hash list */
        DB_CHUNKS,     /* blobs.c: root || u32 index -> chunk */
        DB_BLOB_REFS,  /* blobs.c: root || feed id || seq -> "" */
        DB_COUNT
};
extern const char *const store__db_names[DB_COUNT];

struct store {
        MDB_env *env;
        MDB_dbi dbi[DB_COUNT];
        uint8_t instance[STORE_INSTANCE_BYTES];
        bool read_only;
        bool no_index;   /* read-only and no "index" database yet */
        bool no_changes; /* read-only and no "changes" database yet */
        bool no_blobs;   /* read-only and no blob databases yet */
        /* Where LMDB mapped data.mdb (map_find), {0, 0}: unknown. It moves
         * only when the map is resized, which LMDB allows only while no
         * transaction of this process is open. */
        uintptr_t map_lo, map_hi;
        /* Records walked by read transactions since the map was last
         * unmapped (txn_free), any thread. */
        atomic_uint walked;
};

struct store_txn {
        struct store *s;
        MDB_txn *txn;
        MDB_dbi dbi[DB_COUNT];
        bool write;
        bool bumped;      /* the store version was bumped in this txn */
        uint64_t version; /* its value then */
        unsigned puts;   /* since the map was last unmapped (store__put_done) */
        unsigned walked; /* records store__db_walk visited */
};

int store__lmdb_err(MDB_env *env, int rc, const char *what);
int store__corrupt(const char *what, const void *key, size_t key_len);
MDB_val store__val_of(const void *p, size_t n);
struct slice store__val_slice(const MDB_val *v);
void store__pos_key(uint8_t out[POS_BYTES],
                    const uint8_t feed[ENTRY_HASH_BYTES], uint64_t seq);
int store__db_get(struct store_txn *t, enum store_db db, const void *key,
                  size_t klen, MDB_val *out);
/* ERR_EXISTS when flags has MDB_NOOVERWRITE and the key is there. */
int store__db_put(struct store_txn *t, enum store_db db, const void *key,
                  size_t klen, struct slice val, unsigned flags);
/* Deletes a key; ERR_NOT_FOUND if absent. */
int store__db_del(struct store_txn *t, enum store_db db, const void *key,
                  size_t klen);
/* changes.c: the index of feeds by change version. */
#define CHANGE_KEY_BYTES (8U + ENTRY_HASH_BYTES) /* changed || feed id */
/* Moves feed's key in the index from version `from` (0: none) to `to`. */
int store__changes_move(struct store_txn *t,
                        const uint8_t feed[ENTRY_HASH_BYTES], uint64_t from,
                        uint64_t to);
/* Records that the index matches the store version v (in v's txn). */
int store__changes_mark(struct store_txn *t, uint64_t v);
/* In the opening write transaction: rebuilds the index if a store made
 * before it, or written by a build without it, left it behind. */
int store__changes_open(struct store_txn *t);
/* Decodes a feed record (store.c). */
int store__feed_decode(const uint8_t id[ENTRY_HASH_BYTES], const MDB_val *v,
                       struct feed_info *f);

/*
 * Walks db in key order from the first key >= *start (or from the first
 * key). step sets *done to end the walk early; a nonzero step result stops
 * the walk and is returned.
 */
typedef int (*store__walk_fn)(void *ctx, const MDB_val *k, const MDB_val *v,
                              bool *done);
/*
 * A write transaction's puts read pages all over the file (the id index
 * and the views' time indexes take random keys), and each read fault maps
 * up to 16 neighbouring cached pages (fault-around): a commit of a few
 * thousand entries would map the whole file. Every STORE_UNMAP_PUTS puts,
 * the map's pages are unmapped (store_trim), so a commit maps at most
 * what that many puts touch.
 */
void store__put_done(struct store_txn *t);
int store__db_walk(struct store_txn *t, enum store_db db, const MDB_val *start,
                   store__walk_fn step, void *ctx);

#endif
