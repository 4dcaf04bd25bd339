/*
 * store: the replica in one LMDB environment. This is the only file that
 * includes lmdb.h: no MDB_* type, error code or map pointer leaves it.
 *
 * Keys and values; every integer is big-endian:
 *   meta     "schema"   -> u32 STORE_SCHEMA
 *            "instance" -> STORE_INSTANCE_BYTES random bytes
 *   feeds    feed id (32)                -> feed record, below
 *   entries  feed id (32) || seq (u64)   -> envelope bytes, as signed
 *   ids      entry id (32)               -> feed id (32) || seq (u64)
 *   forks    feed id (32) || seq (u64)   -> the conflicting envelope
 *   changes  changed (u64) || feed id    -> nothing (changes.c)
 *
 * Feed record, REC_BYTES = 134 bytes, fixed layout:
 *   offset  size  field
 *        0    32  author key
 *       32    16  author region, NUL-padded
 *       48     1  audience type (enum audience_type)
 *       49    16  audience target, NUL-padded
 *       65    16  audience origin, NUL-padded ("" for tree)
 *       81     1  channel
 *       82     8  head seq (u64, >= 1)
 *       90    32  head entry id
 *      122     4  flags (u32: FEED_FROZEN)
 *      126     8  changed: the store version of the last head change
 * A record of another length, or with malformed codes, is ERR_STORE_CORRUPT.
 *
 * Errors: MDB_MAP_FULL is ERR_STORE_FULL (log id STORE-FULL), corruption
 * reported by LMDB is ERR_STORE_CORRUPT, anything else ERR_STORE (log id
 * STORE-IO naming the LMDB error); store_open passes system errors as -errno.
 */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <sys/stat.h>

#include "store_int.h"

#define STORE_SCHEMA 1U
#define ID_PREFIX_MIN 4U
/* Puts between unmaps in a write transaction (store__put_done): ~25
 * entries, a few hundred pages touched, a few MiB mapped. */
#define STORE_UNMAP_PUTS 128U
/* Records walked by read transactions between unmaps (txn_free): a few
 * MiB of entries. */
#define STORE_UNMAP_WALKED 4096U

static void map_find(struct store *s);

enum feed_rec {
        REC_AUTHOR = 0,
        REC_REGION = REC_AUTHOR + ENTRY_KEY_BYTES,
        REC_AUD_TYPE = REC_REGION + REGION_BUF,
        REC_TARGET = REC_AUD_TYPE + 1,
        REC_ORIGIN = REC_TARGET + REGION_BUF,
        REC_CHANNEL = REC_ORIGIN + REGION_BUF,
        REC_HEAD_SEQ = REC_CHANNEL + 1,
        REC_HEAD_ID = REC_HEAD_SEQ + 8,
        REC_FLAGS = REC_HEAD_ID + ENTRY_HASH_BYTES,
        REC_CHANGED = REC_FLAGS + 4,
        REC_BYTES = REC_CHANGED + 8,
};
_Static_assert(REC_BYTES == 134, "feed record layout changed");

/* ---- feed records -------------------------------------------------------- */

static void
code_put(uint8_t out[REGION_BUF], const char *code)
{
        memset(out, 0, REGION_BUF);
        memcpy(out, code, strnlen(code, REGION_BUF - 1));
}

static void
feed_encode(const struct feed_info *f, uint8_t rec[REC_BYTES])
{
        memcpy(rec + REC_AUTHOR, f->author, ENTRY_KEY_BYTES);
        code_put(rec + REC_REGION, f->author_region);
        rec[REC_AUD_TYPE] = f->audience.type;
        code_put(rec + REC_TARGET, f->audience.target);
        code_put(rec + REC_ORIGIN, f->audience.origin);
        rec[REC_CHANNEL] = f->channel;
        be64_put(rec + REC_HEAD_SEQ, f->head_seq);
        memcpy(rec + REC_HEAD_ID, f->head_id, ENTRY_HASH_BYTES);
        be32_put(rec + REC_FLAGS, f->flags);
        be64_put(rec + REC_CHANGED, f->changed);
}

static bool
feed_valid(const struct feed_info *f)
{
        const char *r = f->author_region;

        return !region_check(r, strnlen(r, REGION_BUF)) &&
               !audience_check(&f->audience) && f->channel < CHANNEL_COUNT &&
               f->head_seq >= 1;
}

int
store__feed_decode(const uint8_t id[ENTRY_HASH_BYTES], const MDB_val *v,
                   struct feed_info *f)
{
        const uint8_t *rec = v->mv_data;

        memset(f, 0, sizeof(*f));
        if (v->mv_size != REC_BYTES)
                return store__corrupt("feed record has a bad length", id,
                                      ENTRY_HASH_BYTES);
        memcpy(f->id, id, ENTRY_HASH_BYTES);
        memcpy(f->author, rec + REC_AUTHOR, ENTRY_KEY_BYTES);
        memcpy(f->author_region, rec + REC_REGION, REGION_BUF);
        f->audience.type = rec[REC_AUD_TYPE];
        memcpy(f->audience.target, rec + REC_TARGET, REGION_BUF);
        memcpy(f->audience.origin, rec + REC_ORIGIN, REGION_BUF);
        f->channel = rec[REC_CHANNEL];
        f->head_seq = be64_get(rec + REC_HEAD_SEQ);
        memcpy(f->head_id, rec + REC_HEAD_ID, ENTRY_HASH_BYTES);
        f->flags = be32_get(rec + REC_FLAGS);
        f->changed = be64_get(rec + REC_CHANGED);
        return feed_valid(f) ? 0
                             : store__corrupt("feed record is malformed", id,
                                              ENTRY_HASH_BYTES);
}

/*
 * The store version counts the write transactions that changed a feed head
 * (proto/SYNC.md §4). The first head change of a transaction bumps it.
 */
static int
txn_version(struct store_txn *t, uint64_t *out)
{
        uint8_t v[8];
        int err;

        if (!t->bumped) {
                if ((err = store_version(t, &t->version)))
                        return err;
                t->version++;
                be64_put(v, t->version);
                if ((err = store__db_put(t, DB_META, "version", 7,
                                         slice_make(v, 8), 0)) ||
                    (err = store__changes_mark(t, t->version)))
                        return err;
                t->bumped = true;
        }
        *out = t->version;
        return 0;
}

int
store_version(struct store_txn *t, uint64_t *out)
{
        MDB_val v;
        int err;

        if (t->bumped) {
                *out = t->version;
                return 0;
        }
        err = store__db_get(t, DB_META, "version", 7, &v);
        if (err == ERR_NOT_FOUND) {
                *out = 0;
                return 0;
        }
        if (err)
                return err;
        if (v.mv_size != 8)
                return store__corrupt("store version is malformed", NULL, 0);
        *out = be64_get(v.mv_data);
        return 0;
}

/* The record and its key in the change index (changes.c) move together. */
static int
feed_put(struct store_txn *t, struct feed_info *f)
{
        uint64_t was = f->changed; /* 0: a new feed */
        uint8_t rec[REC_BYTES];
        int err;

        if ((err = txn_version(t, &f->changed)))
                return err;
        feed_encode(f, rec);
        if ((err = store__db_put(t, DB_FEEDS, f->id, ENTRY_HASH_BYTES,
                                 slice_make(rec, sizeof(rec)), 0)))
                return err;
        return store__changes_move(t, f->id, was, f->changed);
}

/* ---- open and close ------------------------------------------------------ */

/*
 * LMDB's file format depends on the word size: a store made by a 32-bit
 * build (armhf) does not open in a 64-bit one, nor the other way round.
 * Its first page starts with a page header (a pgno_t, size_t wide, and
 * 8 bytes) and then the meta page's magic, so the magic sits at byte 12 in
 * a 32-bit build's file and at byte 16 in a 64-bit build's. Returns the
 * other word size in bits if the file at dir is such a store, else 0.
 */
#define LMDB_MAGIC 0xBEEFC0DEU

static unsigned
store_other_word_bits(const char *dir)
{
        unsigned char head[20];
        struct buf path = BUF_INIT;
        uint32_t at12, at16;
        ssize_t n = -1;
        int fd;

        buf_addf(&path, "%s/data.mdb", dir);
        fd = open((const char *)path.data, O_RDONLY | O_CLOEXEC);
        buf_release(&path);
        if (fd >= 0) {
                n = pread(fd, head, sizeof(head), 0);
                close(fd);
        }
        if (n != (ssize_t)sizeof(head))
                return 0;
        memcpy(&at12, head + 12, 4);
        memcpy(&at16, head + 16, 4);
        if (sizeof(size_t) == 8 && at12 == LMDB_MAGIC)
                return 32;
        if (sizeof(size_t) == 4 && at16 == LMDB_MAGIC)
                return 64;
        return 0;
}

/* Opening failed with rc: says why, with the remedy where there is one. */
static int
env_open_err(MDB_env *env, const char *dir, size_t map_bytes, int rc)
{
        unsigned other;

        if (rc == ENOMEM) {
                log_error("STORE-IO",
                          "cannot open store \"%s\": no room for its %zu MiB "
                          "map in this process's address space; lower "
                          "map_size_mib in [store] of simpul.conf%s",
                          dir, map_bytes >> MIB_SHIFT,
                          sizeof(void *) < 8 ? " (a 32-bit build has 3-4 GiB "
                                               "for everything)"
                                             : "");
                return -ENOMEM;
        }
        if (rc > 0) {
                log_error("STORE-IO", "cannot open store \"%s\": %s", dir,
                          mdb_strerror(rc));
                return -rc;
        }
        other = rc == MDB_INVALID || rc == MDB_VERSION_MISMATCH
                    ? store_other_word_bits(dir)
                    : 0;
        if (other) {
                log_error("STORE-WORD-SIZE",
                          "cannot open store \"%s\": it was made by a %u-bit "
                          "build of simpul and this one is %u-bit (LMDB files "
                          "depend on the word size); open it with a %u-bit "
                          "build, or move its entries with simpul export and "
                          "simpul import",
                          dir, other, (unsigned)sizeof(size_t) * 8U, other);
                return ERR_STORE;
        }
        return store__lmdb_err(env, rc, "open environment");
}

static int
env_open(struct store *s, const char *dir, size_t map_bytes)
{
        unsigned flags = MDB_NOTLS | (s->read_only ? MDB_RDONLY : 0U);
        int rc, dead;

        if ((rc = mdb_env_create(&s->env)))
                return store__lmdb_err(NULL, rc, "create environment");
        if ((rc = mdb_env_set_maxdbs(s->env, DB_COUNT)) ||
            (rc = mdb_env_set_mapsize(s->env, map_bytes)))
                return store__lmdb_err(s->env, rc, "configure environment");
        rc = mdb_env_open(s->env, dir, flags, 0600);
        if (rc)
                return env_open_err(s->env, dir, map_bytes, rc);
        /* Free reader slots left by crashed processes (power cuts). */
        if (mdb_reader_check(s->env, &dead) == 0 && dead > 0)
                log_info("STORE-READERS", "cleared %d stale readers", dead);
        return 0;
}

static int
meta_create(struct store_txn *t)
{
        uint8_t schema[4];
        int err;

        random_bytes(t->s->instance, STORE_INSTANCE_BYTES);
        be32_put(schema, STORE_SCHEMA);
        err = store__db_put(t, DB_META, "instance", 8,
                            slice_make(t->s->instance, STORE_INSTANCE_BYTES),
                            MDB_NOOVERWRITE);
        if (err == ERR_EXISTS)
                return store__corrupt("store has an instance but no schema",
                                      NULL, 0);
        if (err)
                return err;
        return store__db_put(t, DB_META, "schema", 6, slice_make(schema, 4), 0);
}

static int
meta_load(struct store_txn *t)
{
        MDB_val v;
        int err = store__db_get(t, DB_META, "schema", 6, &v);

        if (err == ERR_NOT_FOUND)
                return t->write ? meta_create(t) : -ENOENT;
        if (err)
                return err;
        if (v.mv_size != 4 || be32_get(v.mv_data) != STORE_SCHEMA) {
                log_error("STORE-CORRUPT", "unknown store schema (%u)",
                          v.mv_size == 4 ? be32_get(v.mv_data) : 0U);
                return ERR_STORE_CORRUPT;
        }
        err = store__db_get(t, DB_META, "instance", 8, &v);
        if (err == ERR_NOT_FOUND || (!err && v.mv_size != STORE_INSTANCE_BYTES))
                return store__corrupt(
                    "store instance id is missing or malformed", NULL, 0);
        if (!err)
                memcpy(t->s->instance, v.mv_data, STORE_INSTANCE_BYTES);
        return err;
}

static int
dbs_open(struct store_txn *t)
{
        unsigned flags = t->write ? MDB_CREATE : 0U;
        int rc, err;

        for (size_t i = 0; i < DB_COUNT; i++) {
                rc =
                    mdb_dbi_open(t->txn, store__db_names[i], flags, &t->dbi[i]);
                if (rc == MDB_NOTFOUND && i == DB_INDEX) {
                        /* A store made before the views, opened read-only:
                         * its index tables read as empty (index.c). */
                        t->s->no_index = true;
                        continue;
                }
                if (rc == MDB_NOTFOUND && i == DB_CHANGES) {
                        /* Made before the change index, opened read-only:
                         * its feeds are walked in full (changes.c). */
                        t->s->no_changes = true;
                        continue;
                }
                if (rc == MDB_NOTFOUND && i >= DB_BLOBS) {
                        /* Made before attachments, opened read-only: no
                         * blobs (blobs.c). */
                        t->s->no_blobs = true;
                        continue;
                }
                if (rc == MDB_NOTFOUND) {
                        log_error("STORE-IO", "store has no \"%s\" database",
                                  store__db_names[i]);
                        return -ENOENT;
                }
                if (rc)
                        return store__lmdb_err(t->s->env, rc,
                                               store__db_names[i]);
                t->s->dbi[i] = t->dbi[i];
        }
        if ((err = meta_load(t)))
                return err;
        return store__changes_open(t);
}

/* Opens the databases and reads (or writes) meta in the first transaction;
 * its commit makes the handles usable by every later transaction. */
static int
store_init(struct store *s)
{
        struct store_txn *t;
        int err = store_begin(s, !s->read_only, &t);

        if (err)
                return err;
        if ((err = dbs_open(t))) {
                store_abort(t);
                return err;
        }
        return store_commit(t);
}

int
store_open(struct store **out, const char *dir, const struct store_options *opt)
{
        struct store *s = xcalloc(1, sizeof(*s));
        size_t map = (size_t)STORE_DEFAULT_MAP_MIB << MIB_SHIFT;
        int err;

        atomic_init(&s->walked, 0);
        *out = NULL;
        if (opt && opt->map_size_bytes)
                map = opt->map_size_bytes;
        s->read_only = opt && opt->read_only;
        if (!s->read_only && mkdir(dir, 0700) && errno != EEXIST) {
                err = -errno;
                log_error("STORE-IO", "cannot create directory \"%s\": %s", dir,
                          strerror(-err));
                goto out;
        }
        if ((err = env_open(s, dir, map)) || (err = store_init(s)))
                goto out;
        map_find(s);
        *out = s;
        s = NULL;
out:
        store_close(s);
        return err;
}

void
store_close(struct store *s)
{
        if (!s)
                return;
        if (s->env)
                mdb_env_close(s->env);
        free(s);
}

/* The bounds of this process's mapping of a file named data.mdb that
 * holds p (Linux: /proc/self/maps). */
static bool
map_bounds(const void *p, uintptr_t *lo, uintptr_t *hi)
{
        FILE *f = fopen("/proc/self/maps", "r");
        char line[512];
        bool found = false;

        if (!f)
                return false;
        while (!found && fgets(line, sizeof(line), f)) {
                unsigned long a, b;
                size_t n = strcspn(line, "\n");

                line[n] = 0;
                if (sscanf(line, "%lx-%lx", &a, &b) == 2 && (uintptr_t)p >= a &&
                    (uintptr_t)p < b && n >= 9 &&
                    !strcmp(line + n - 9, "/data.mdb")) {
                        *lo = a;
                        *hi = b;
                        found = true;
                }
        }
        fclose(f);
        return found;
}

/*
 * Finds the map. LMDB does not tell where it mapped the file unless
 * MDB_FIXEDMAP; a value read in a read-only transaction points into the
 * map (in a write transaction it may point to a copy in the heap: never
 * ask one). Called with no transaction open (LMDB maps and remaps then).
 */
static void
map_find(struct store *s)
{
        MDB_txn *txn;
        MDB_val k = store__val_of("instance", 8), v;

        s->map_lo = s->map_hi = 0;
        if (mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn))
                return;
        if (mdb_get(txn, s->dbi[DB_META], &k, &v) ||
            !map_bounds(v.mv_data, &s->map_lo, &s->map_hi))
                s->map_lo = s->map_hi = 0;
        mdb_txn_abort(txn);
}

/* Read-only and shared: dropping the page table entries loses nothing;
 * the next read maps the page again from the kernel's page cache. */
static void
map_unmap(const struct store *s)
{
        if (s->map_hi > s->map_lo)
                (void)madvise((void *)s->map_lo, s->map_hi - s->map_lo,
                              MADV_DONTNEED);
}

void
store_trim(struct store *s)
{
        map_unmap(s);
}

void
store__put_done(struct store_txn *t)
{
        if (++t->puts >= STORE_UNMAP_PUTS) {
                t->puts = 0;
                map_unmap(t->s);
        }
}

void
store_instance(const struct store *s, uint8_t out[STORE_INSTANCE_BYTES])
{
        memcpy(out, s->instance, STORE_INSTANCE_BYTES);
}

/* ---- transactions -------------------------------------------------------- */

int
store_begin(struct store *s, bool write, struct store_txn **out)
{
        unsigned flags = write ? 0U : MDB_RDONLY;
        MDB_txn *txn = NULL;
        struct store_txn *t;
        int rc;

        *out = NULL;
        if (write && s->read_only)
                return ERR_USAGE;
        rc = mdb_txn_begin(s->env, NULL, flags, &txn);
        if (rc == MDB_MAP_RESIZED) {
                /* Another process grew the map: adopt its size, once. */
                rc = mdb_env_set_mapsize(s->env, 0);
                if (!rc)
                        map_find(s); /* LMDB mapped it again */
                if (!rc)
                        rc = mdb_txn_begin(s->env, NULL, flags, &txn);
        }
        if (rc)
                return store__lmdb_err(s->env, rc, "begin transaction");
        t = xcalloc(1, sizeof(*t));
        t->s = s;
        t->txn = txn;
        t->write = write;
        memcpy(t->dbi, s->dbi, sizeof(t->dbi));
        *out = t;
        return 0;
}

/*
 * A write transaction leaves nothing mapped: what its last puts and its
 * commit read (the free list, the meta pages) would stay in the resident
 * set of an idle node whose only writes are small notes. Reads unmap
 * every STORE_UNMAP_WALKED records walked, whichever thread walked them:
 * a kabupaten pushing its store to 29 kecamatan would map all of it.
 */
static void
txn_free(struct store_txn *t)
{
        struct store *s = t->s;

        if (t->write)
                map_unmap(s);
        else if (t->walked &&
                 atomic_fetch_add(&s->walked, t->walked) + t->walked >=
                     STORE_UNMAP_WALKED) {
                atomic_store(&s->walked, 0);
                map_unmap(s);
        }
        free(t);
}

int
store_commit(struct store_txn *t)
{
        MDB_env *env = t->s->env;
        int rc = mdb_txn_commit(t->txn); /* ends the txn even on failure */

        txn_free(t);
        return store__lmdb_err(env, rc, "commit");
}

void
store_abort(struct store_txn *t)
{
        if (!t)
                return;
        mdb_txn_abort(t->txn);
        txn_free(t);
}

/* ---- feeds and inserts --------------------------------------------------- */

int
store_feed_get(struct store_txn *t, const uint8_t feed[ENTRY_HASH_BYTES],
               struct feed_info *out)
{
        MDB_val v;
        int err = store__db_get(t, DB_FEEDS, feed, ENTRY_HASH_BYTES, &v);

        if (err) {
                memset(out, 0, sizeof(*out));
                return err;
        }
        return store__feed_decode(feed, &v, out);
}

static void
feed_from_entry(struct feed_info *f, const struct entry *e)
{
        memset(f, 0, sizeof(*f));
        memcpy(f->id, e->feed, ENTRY_HASH_BYTES);
        memcpy(f->author, e->h.author, ENTRY_KEY_BYTES);
        memcpy(f->author_region, e->h.author_region, REGION_BUF);
        f->audience = e->h.audience;
        f->channel = e->h.channel;
}

/* Stores the proof under forks[feed || seq] (keeping an earlier one) and
 * freezes the feed. */
static int
feed_fork(struct store_txn *t, struct feed_info *f, const struct entry *e)
{
        uint8_t pos[POS_BYTES];
        int err;

        store__pos_key(pos, f->id, e->h.seq);
        err = store__db_put(t, DB_FORKS, pos, POS_BYTES, e->bytes,
                            MDB_NOOVERWRITE);
        if (err && err != ERR_EXISTS)
                return err;
        f->flags |= FEED_FROZEN;
        if ((err = feed_put(t, f)))
                return err;
        return ERR_FORK;
}

/* seq <= head: 0 if this entry (by id) is held at its seq, else
 * ERR_NOT_FOUND (a different entry holds it). */
static int
entry_held(struct store_txn *t, const struct feed_info *f,
           const struct entry *e)
{
        uint8_t pos[POS_BYTES];
        MDB_val v;
        int err = store__db_get(t, DB_IDS, e->id, ENTRY_HASH_BYTES, &v);

        if (err)
                return err;
        store__pos_key(pos, f->id, e->h.seq);
        if (v.mv_size != POS_BYTES || memcmp(v.mv_data, pos, POS_BYTES))
                return store__corrupt("id index points elsewhere", e->id,
                                      ENTRY_HASH_BYTES);
        return 0;
}

/* seq == head + 1 and prev == head id (or a new feed at seq 1). */
static int
entry_append(struct store_txn *t, struct feed_info *f, const struct entry *e,
             bool *fresh)
{
        uint8_t pos[POS_BYTES];
        int err;

        store__pos_key(pos, f->id, e->h.seq);
        err = store__db_put(t, DB_ENTRIES, pos, POS_BYTES, e->bytes,
                            MDB_NOOVERWRITE);
        if (!err)
                err =
                    store__db_put(t, DB_IDS, e->id, ENTRY_HASH_BYTES,
                                  slice_make(pos, POS_BYTES), MDB_NOOVERWRITE);
        if (err == ERR_EXISTS)
                return store__corrupt("entry stored beyond the feed head", pos,
                                      POS_BYTES);
        if (err)
                return err;
        f->head_seq = e->h.seq;
        memcpy(f->head_id, e->id, ENTRY_HASH_BYTES);
        if ((err = feed_put(t, f)))
                return err;
        *fresh = true;
        return 0;
}

int
store_insert(struct store_txn *t, const struct entry *e, bool *fresh)
{
        struct feed_info f;
        int err;

        /* e comes from entry_open, which bounds its size and seq. */
        assert(t->write && e->h.seq >= 1);
        assert(e->bytes.len > 0 && e->bytes.len <= ENTRY_MAX);
        *fresh = false;
        err = store_feed_get(t, e->feed, &f);
        if (err == ERR_NOT_FOUND) {
                if (e->h.seq != 1)
                        return ERR_GAP;
                feed_from_entry(&f, e);
                return entry_append(t, &f, e, fresh);
        }
        if (err)
                return err;
        /* proto/SPEC.md §5.1: a duplicate is accepted, even when frozen. */
        if (e->h.seq <= f.head_seq &&
            (err = entry_held(t, &f, e)) != ERR_NOT_FOUND)
                return err;
        if (f.flags & FEED_FROZEN)
                return ERR_FROZEN;
        if (e->h.seq <= f.head_seq)
                return feed_fork(t, &f, e);
        if (e->h.seq - f.head_seq > 1)
                return ERR_GAP;
        if (!e->h.has_prev || memcmp(e->h.prev, f.head_id, ENTRY_HASH_BYTES))
                return feed_fork(t, &f, e);
        return entry_append(t, &f, e, fresh);
}

/*
 * A held entry's body, given back (proto/SPEC.md §4.3): the stored envelope
 * becomes e's, which differs from it only in carrying the body. Nothing
 * else changes: the id, the feed head and the ids index stay as they are.
 */
int
store_fill_body(struct store_txn *t, const struct entry *e, bool *filled)
{
        uint8_t pos[POS_BYTES];
        struct envelope held;
        MDB_val v;
        int err;

        /* e comes from entry_open, with its body. */
        assert(t->write && e->env.has_body && e->h.seq >= 1);
        assert(e->bytes.len > 0 && e->bytes.len <= ENTRY_MAX);
        *filled = false;
        store__pos_key(pos, e->feed, e->h.seq);
        if ((err = store__db_get(t, DB_IDS, e->id, ENTRY_HASH_BYTES, &v)))
                return err;
        if (v.mv_size != POS_BYTES || memcmp(v.mv_data, pos, POS_BYTES))
                return ERR_NOT_FOUND; /* held elsewhere: not this entry */
        if ((err = store__db_get(t, DB_ENTRIES, pos, POS_BYTES, &v)))
                return err == ERR_NOT_FOUND
                           ? store__corrupt("indexed entry is missing", pos,
                                            POS_BYTES)
                           : err;
        if (v.mv_size == 0 || v.mv_size > ENTRY_MAX ||
            wire_envelope_decode(store__val_slice(&v), &held))
                return store__corrupt("stored entry does not decode", pos,
                                      POS_BYTES);
        if (held.has_body)
                return 0;
        if (!slice_eq(held.header, e->env.header))
                return store__corrupt("id index points elsewhere", e->id,
                                      ENTRY_HASH_BYTES);
        if ((err = store__db_put(t, DB_ENTRIES, pos, POS_BYTES, e->bytes, 0)))
                return err;
        *filled = true;
        return 0;
}

/* ---- reads --------------------------------------------------------------- */

static int
copy_envelope(const MDB_val *v, const void *key, struct buf *out)
{
        if (v->mv_size == 0 || v->mv_size > ENTRY_MAX)
                return store__corrupt("stored entry has a bad length", key,
                                      POS_BYTES);
        buf_reset(out);
        buf_add(out, v->mv_data, v->mv_size);
        return 0;
}

int
store_get(struct store_txn *t, const uint8_t feed[ENTRY_HASH_BYTES],
          uint64_t seq, struct buf *out)
{
        uint8_t pos[POS_BYTES];
        MDB_val v;
        int err;

        store__pos_key(pos, feed, seq);
        if ((err = store__db_get(t, DB_ENTRIES, pos, POS_BYTES, &v)))
                return err;
        return copy_envelope(&v, pos, out);
}

struct id_find {
        struct slice prefix;
        uint8_t pos[POS_BYTES];
        int found; /* matching keys seen, at most 2 */
};

static int
id_step(void *ctx, const MDB_val *k, const MDB_val *v, bool *done)
{
        struct id_find *f = ctx;

        if (k->mv_size < f->prefix.len ||
            memcmp(k->mv_data, f->prefix.ptr, f->prefix.len)) {
                *done = true;
                return 0;
        }
        if (v->mv_size != POS_BYTES)
                return store__corrupt("id index value has a bad length",
                                      k->mv_data, k->mv_size);
        memcpy(f->pos, v->mv_data, POS_BYTES);
        *done = ++f->found > 1;
        return 0;
}

int
store_get_by_id(struct store_txn *t, const uint8_t *id, size_t id_len,
                struct buf *out)
{
        struct id_find f = {slice_make(id, id_len), {0}, 0};
        MDB_val start = store__val_of(id, id_len);
        int err;

        if (id_len < ID_PREFIX_MIN || id_len > ENTRY_HASH_BYTES)
                return ERR_USAGE;
        if ((err = store__db_walk(t, DB_IDS, &start, id_step, &f)))
                return err;
        if (f.found != 1)
                return f.found ? ERR_AMBIGUOUS : ERR_NOT_FOUND;
        err = store_get(t, f.pos, be64_get(f.pos + ENTRY_HASH_BYTES), out);
        return err == ERR_NOT_FOUND ? store__corrupt("indexed entry is missing",
                                                     f.pos, POS_BYTES)
                                    : err;
}

/* ---- walks --------------------------------------------------------------- */

struct scan {
        const uint8_t *feed;
        store_entry_fn fn;
        void *ctx;
};

static int
scan_step(void *ctx, const MDB_val *k, const MDB_val *v, bool *done)
{
        struct scan *sc = ctx;
        const uint8_t *key = k->mv_data;

        if (k->mv_size != POS_BYTES)
                return store__corrupt("entry key has a bad length", key,
                                      k->mv_size);
        if (memcmp(key, sc->feed, ENTRY_HASH_BYTES)) {
                *done = true;
                return 0;
        }
        return sc->fn(sc->ctx, be64_get(key + ENTRY_HASH_BYTES),
                      store__val_slice(v));
}

int
store_feed_scan(struct store_txn *t, const uint8_t feed[ENTRY_HASH_BYTES],
                uint64_t from_seq, store_entry_fn fn, void *ctx)
{
        struct scan sc = {feed, fn, ctx};
        uint8_t pos[POS_BYTES];
        MDB_val start;

        store__pos_key(pos, feed, from_seq);
        start = store__val_of(pos, POS_BYTES);
        return store__db_walk(t, DB_ENTRIES, &start, scan_step, &sc);
}

struct feed_walk {
        uint8_t channel;    /* this pass visits only this channel */
        const char *region; /* NULL: every feed */
        store_feed_fn fn;
        void *ctx;
};

static int
feed_step(void *ctx, const MDB_val *k, const MDB_val *v, bool *done)
{
        struct feed_walk *w = ctx;
        struct feed_info f;
        uint8_t channel;
        int err;

        (void)done;
        if (k->mv_size != ENTRY_HASH_BYTES || v->mv_size != REC_BYTES)
                return store__corrupt("feed record has a bad length",
                                      k->mv_data, k->mv_size);
        channel = ((const uint8_t *)v->mv_data)[REC_CHANNEL];
        if (channel >= CHANNEL_COUNT)
                return store__corrupt("feed record has a bad channel",
                                      k->mv_data, k->mv_size);
        if (channel != w->channel)
                return 0;
        if ((err = store__feed_decode(k->mv_data, v, &f)))
                return err;
        if (w->region && !audience_contains(&f.audience, w->region))
                return 0;
        return w->fn(w->ctx, &f);
}

/* One pass per channel over the feeds db (keyed by feed id): O(n), no
 * allocation, ordered by (channel, feed id). */
static int
feeds_visit(struct store_txn *t, const char *region, store_feed_fn fn,
            void *ctx)
{
        struct feed_walk w = {0, region, fn, ctx};
        int err = 0;

        for (w.channel = 0; w.channel < CHANNEL_COUNT && !err; w.channel++)
                err = store__db_walk(t, DB_FEEDS, NULL, feed_step, &w);
        return err;
}

int
store_feeds(struct store_txn *t, store_feed_fn fn, void *ctx)
{
        return feeds_visit(t, NULL, fn, ctx);
}

int
store_vector(struct store_txn *t, const char *region, store_feed_fn fn,
             void *ctx)
{
        assert(region);
        return feeds_visit(t, region, fn, ctx);
}

struct fork_walk {
        store_fork_fn fn;
        void *ctx;
};

static int
fork_step(void *ctx, const MDB_val *k, const MDB_val *v, bool *done)
{
        struct fork_walk *w = ctx;
        const uint8_t *key = k->mv_data;

        (void)done;
        if (k->mv_size != POS_BYTES)
                return store__corrupt("fork key has a bad length", key,
                                      k->mv_size);
        return w->fn(w->ctx, key, be64_get(key + ENTRY_HASH_BYTES),
                     store__val_slice(v));
}

int
store_forks(struct store_txn *t, store_fork_fn fn, void *ctx)
{
        struct fork_walk w = {fn, ctx};

        return store__db_walk(t, DB_FORKS, NULL, fork_step, &w);
}

int
store_stats(struct store_txn *t, struct store_stats *out)
{
        static const enum store_db dbs[] = {DB_FEEDS, DB_ENTRIES, DB_FORKS};
        uint64_t *const counts[] = {&out->feeds, &out->entries, &out->forks};
        MDB_env *env = t->s->env;
        MDB_envinfo info;
        MDB_stat st;
        int rc;

        memset(out, 0, sizeof(*out));
        for (size_t i = 0; i < ARRAY_LEN(dbs); i++) {
                if ((rc = mdb_stat(t->txn, t->dbi[dbs[i]], &st)))
                        return store__lmdb_err(env, rc,
                                               store__db_names[dbs[i]]);
                *counts[i] = st.ms_entries;
        }
        if ((rc = mdb_env_info(env, &info)) || (rc = mdb_env_stat(env, &st)))
                return store__lmdb_err(env, rc, "stat");
        out->map_size_bytes = info.me_mapsize;
        out->used_bytes = ((uint64_t)info.me_last_pgno + 1U) * st.ms_psize;
        return 0;
}
