/*
 * test_store: the LMDB replica on real files in a mkdtemp directory, with
 * real signed entries (entry_create, then entry_open as a receiver would).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dirent.h>
#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <lmdb.h>

#include "../../src/store/store.h"
#include "testlib.h"

#define DESA "36.04.12.2002"
#define CHAIN_MAX 128U
#define MIB ((size_t)1 << 20)

/* ---- fixture: a fresh store under /tmp ------------------------------------
 */

struct fx {
        char tmp[64];  /* mkdtemp directory, removed in teardown */
        char dir[128]; /* tmp/store, created by store_open */
        struct store *s;
};

static int
setup(void **state)
{
        struct fx *fx = xcalloc(1, sizeof(*fx));

        if (test_dir_make(fx->tmp, "store") || entry_lib_init())
                return -1;
        snprintf(fx->dir, sizeof(fx->dir), "%s/store", fx->tmp);
        if (store_open(&fx->s, fx->dir, NULL))
                return -1;
        *state = fx;
        return 0;
}

static int
teardown(void **state)
{
        struct fx *fx = *state;

        store_close(fx->s);
        test_rm_tree(fx->tmp);
        free(fx);
        return 0;
}

static struct store_txn *
begin(struct store *s, bool write)
{
        struct store_txn *t = NULL;

        assert_int_equal(store_begin(s, write, &t), 0);
        assert_non_null(t);
        return t;
}

static void
reopen(struct fx *fx, size_t map_bytes)
{
        struct store_options opt = {map_bytes, false};

        store_close(fx->s);
        fx->s = NULL;
        assert_int_equal(store_open(&fx->s, fx->dir, &opt), 0);
}

/* ---- authors and their chains ------------------------------------------- */

struct author {
        struct key *k;
        char region[REGION_BUF];
        struct audience aud;
        uint32_t kind;
        size_t text_len; /* body text length; 0: short text */
};

/* A chain of entries of one author: e[i] (seq i + 1) borrows from b[i]. */
struct chain {
        struct author a;
        size_t n;
        struct buf b[CHAIN_MAX];
        struct entry e[CHAIN_MAX];
};

static void
author_init(struct author *a, uint8_t seed, const char *region, const char *aud,
            uint32_t kind)
{
        uint8_t s[KEY_SEED_BYTES];

        memset(a, 0, sizeof(*a));
        memset(s, seed, sizeof(s));
        a->k = key_from_seed(s);
        strcpy(a->region, region);
        assert_int_equal(audience_parse(&a->aud, aud), 0);
        a->kind = kind;
}

static void
body_for(const struct author *a, uint64_t seq, const char *tag, struct buf *out)
{
        char *text = xcalloc(1, a->text_len + 64);
        struct body_field f[] = {{"teks", text, 0}, {"nomor", NULL, 0}};

        snprintf(text, 64, "kabar %s %llu", tag, (unsigned long long)seq);
        if (a->text_len)
                memset(text + strlen(text), 'x', a->text_len);
        f[1].num = (int64_t)seq;
        wire_body_build(f, ARRAY_LEN(f), out);
        free(text);
}

static void
header_for(const struct author *a, uint64_t seq, const uint8_t *prev,
           uint64_t ts, struct entry_header *h)
{
        memset(h, 0, sizeof(*h));
        strcpy(h->author_region, a->region);
        h->audience = a->aud;
        h->seq = seq;
        h->has_prev = prev != NULL;
        if (prev)
                memcpy(h->prev, prev, ENTRY_HASH_BYTES);
        h->timestamp_ms = ts;
        h->kind = a->kind;
}

/* Signs the entry at seq with prev (NULL at seq 1) into out; opens it. */
static void
make_entry_ts(const struct author *a, uint64_t seq, const uint8_t *prev,
              uint64_t ts, const char *tag, struct buf *out, struct entry *e)
{
        struct buf body = BUF_INIT;
        struct entry_header h;

        header_for(a, seq, prev, ts, &h);
        body_for(a, seq, tag, &body);
        buf_reset(out);
        assert_int_equal(entry_create(a->k, &h, buf_slice(&body), out), 0);
        assert_int_equal(entry_open(buf_slice(out), e), 0);
        buf_release(&body);
}

static void
make_entry(const struct author *a, uint64_t seq, const uint8_t *prev,
           const char *tag, struct buf *out, struct entry *e)
{
        make_entry_ts(a, seq, prev, 1700000000000ULL + seq, tag, out, e);
}

static struct chain *
chain_new(uint8_t seed, const char *region, const char *aud, uint32_t kind)
{
        struct chain *c = xcalloc(1, sizeof(*c));

        author_init(&c->a, seed, region, aud, kind);
        return c;
}

/* Makes entries n+1 .. n+count of the chain (not stored). */
static void
chain_grow(struct chain *c, size_t count)
{
        assert_true(c->n + count <= CHAIN_MAX);
        for (size_t i = 0; i < count; i++, c->n++)
                make_entry(&c->a, c->n + 1, c->n ? c->e[c->n - 1].id : NULL,
                           "ok", &c->b[c->n], &c->e[c->n]);
}

static void
chain_free(struct chain *c)
{
        for (size_t i = 0; i < CHAIN_MAX; i++)
                buf_release(&c->b[i]);
        key_free(c->a.k);
        free(c);
}

/* Inserts entries [from, to) of the chain; each must be fresh. */
static void
insert_range(struct store_txn *t, struct chain *c, size_t from, size_t to)
{
        bool fresh;

        for (size_t i = from; i < to; i++) {
                fresh = false;
                assert_int_equal(store_insert(t, &c->e[i], &fresh), 0);
                assert_true(fresh);
        }
}

/* Commits entries [0, n) in one transaction. */
static void
store_chain(struct store *s, struct chain *c)
{
        struct store_txn *t = begin(s, true);

        insert_range(t, c, 0, c->n);
        assert_int_equal(store_commit(t), 0);
}

static void
expect_entry(struct store_txn *t, const struct chain *c, uint64_t seq)
{
        struct buf got = BUF_INIT;
        const struct buf *want = &c->b[seq - 1];

        assert_int_equal(store_get(t, c->e[0].feed, seq, &got), 0);
        assert_int_equal(got.len, want->len);
        assert_memory_equal(got.data, want->data, want->len);
        buf_release(&got);
}

static void
expect_stats(struct store *s, uint64_t feeds, uint64_t entries, uint64_t forks)
{
        struct store_txn *t = begin(s, false);
        struct store_stats st;

        assert_int_equal(store_stats(t, &st), 0);
        store_abort(t);
        assert_int_equal(st.feeds, feeds);
        assert_int_equal(st.entries, entries);
        assert_int_equal(st.forks, forks);
        assert_true(st.used_bytes > 0 && st.used_bytes <= st.map_size_bytes);
}

/* ---- visitors ------------------------------------------------------------ */

struct scan_ctx {
        const struct chain *c;
        uint64_t next; /* expected seq */
        size_t seen;
        size_t stop_at; /* return 7 after this many; 0: never */
};

static int
scan_cb(void *ctx, uint64_t seq, struct slice bytes)
{
        struct scan_ctx *sc = ctx;
        const struct buf *want = &sc->c->b[seq - 1];

        assert_int_equal(seq, sc->next);
        assert_int_equal(bytes.len, want->len);
        assert_memory_equal(bytes.ptr, want->data, want->len);
        sc->next++;
        sc->seen++;
        return sc->stop_at && sc->seen == sc->stop_at ? 7 : 0;
}

struct feeds_ctx {
        size_t n;
        struct feed_info f[16];
        size_t stop_at; /* return 5 after this many; 0: never */
};

static int
feeds_cb(void *ctx, const struct feed_info *f)
{
        struct feeds_ctx *fc = ctx;

        assert_true(fc->n < ARRAY_LEN(fc->f));
        fc->f[fc->n++] = *f;
        return fc->stop_at && fc->n == fc->stop_at ? 5 : 0;
}

static bool
feeds_has(const struct feeds_ctx *fc, const uint8_t id[ENTRY_HASH_BYTES])
{
        for (size_t i = 0; i < fc->n; i++)
                if (!memcmp(fc->f[i].id, id, ENTRY_HASH_BYTES))
                        return true;
        return false;
}

/* Strictly increasing by (channel, feed id). */
static void
expect_ordered(const struct feeds_ctx *fc)
{
        for (size_t i = 1; i < fc->n; i++) {
                const struct feed_info *a = &fc->f[i - 1], *b = &fc->f[i];

                assert_true(a->channel <= b->channel);
                if (a->channel == b->channel)
                        assert_true(memcmp(a->id, b->id, ENTRY_HASH_BYTES) < 0);
        }
}

struct fork_ctx {
        size_t n;
        uint8_t feed[ENTRY_HASH_BYTES];
        uint64_t seq;
        struct buf bytes;
};

static int
fork_cb(void *ctx, const uint8_t feed[ENTRY_HASH_BYTES], uint64_t seq,
        struct slice bytes)
{
        struct fork_ctx *fc = ctx;

        fc->n++;
        memcpy(fc->feed, feed, ENTRY_HASH_BYTES);
        fc->seq = seq;
        buf_reset(&fc->bytes);
        buf_add(&fc->bytes, bytes.ptr, bytes.len);
        return 0;
}

/* Exactly one fork proof: (feed, seq) holding `want`. */
static void
expect_one_fork(struct store_txn *t, const uint8_t feed[ENTRY_HASH_BYTES],
                uint64_t seq, const struct buf *want)
{
        struct fork_ctx fc = {0};

        assert_int_equal(store_forks(t, fork_cb, &fc), 0);
        assert_int_equal(fc.n, 1);
        assert_memory_equal(fc.feed, feed, ENTRY_HASH_BYTES);
        assert_int_equal(fc.seq, seq);
        assert_int_equal(fc.bytes.len, want->len);
        assert_memory_equal(fc.bytes.data, want->data, want->len);
        buf_release(&fc.bytes);
}

static void
expect_frozen(struct store_txn *t, const uint8_t feed[ENTRY_HASH_BYTES],
              uint64_t head)
{
        struct feed_info f;

        assert_int_equal(store_feed_get(t, feed, &f), 0);
        assert_int_equal(f.flags & FEED_FROZEN, FEED_FROZEN);
        assert_int_equal(f.head_seq, head);
}

/* ---- cases --------------------------------------------------------------- */

static void
chain_of_100_round_trips(void **state)
{
        struct fx *fx = *state;
        struct chain *c = chain_new(1, DESA, "tree:36.04.12", KIND_INFORMASI);
        struct scan_ctx sc = {c, 1, 0, 0};
        struct store_txn *t;
        struct feed_info f;

        chain_grow(c, 100);
        store_chain(fx->s, c);
        t = begin(fx->s, false);
        assert_int_equal(store_feed_get(t, c->e[0].feed, &f), 0);
        assert_int_equal(f.head_seq, 100);
        assert_memory_equal(f.head_id, c->e[99].id, ENTRY_HASH_BYTES);
        assert_memory_equal(f.id, c->e[0].feed, ENTRY_HASH_BYTES);
        assert_memory_equal(f.author, c->a.k->pk, ENTRY_KEY_BYTES);
        assert_string_equal(f.author_region, DESA);
        assert_true(audience_eq(&f.audience, &c->a.aud));
        assert_int_equal(f.channel, 2);
        assert_int_equal(f.flags, 0);
        for (uint64_t seq = 1; seq <= 100; seq++)
                expect_entry(t, c, seq);
        assert_int_equal(store_feed_scan(t, f.id, 1, scan_cb, &sc), 0);
        assert_int_equal(sc.seen, 100);
        sc = (struct scan_ctx){c, 51, 0, 0};
        assert_int_equal(store_feed_scan(t, f.id, 51, scan_cb, &sc), 0);
        assert_int_equal(sc.seen, 50);
        sc = (struct scan_ctx){c, 10, 0, 3};
        assert_int_equal(store_feed_scan(t, f.id, 10, scan_cb, &sc), 7);
        assert_int_equal(sc.seen, 3);
        {
                struct buf b = BUF_INIT;

                assert_int_equal(store_get(t, f.id, 101, &b), ERR_NOT_FOUND);
                assert_int_equal(store_get(t, f.id, 0, &b), ERR_NOT_FOUND);
                buf_release(&b);
        }
        store_abort(t);
        expect_stats(fx->s, 1, 100, 0);
        chain_free(c);
}

static void
reinsert_is_idempotent(void **state)
{
        struct fx *fx = *state;
        struct chain *c = chain_new(2, DESA, "tree:36.04.12", KIND_INFORMASI);
        struct store_txn *t;
        bool fresh = true;

        chain_grow(c, 3);
        t = begin(fx->s, true);
        insert_range(t, c, 0, 1);
        assert_int_equal(store_insert(t, &c->e[0], &fresh), 0);
        assert_false(fresh); /* same transaction */
        insert_range(t, c, 1, 3);
        assert_int_equal(store_commit(t), 0);
        t = begin(fx->s, true);
        for (size_t i = 0; i < 3; i++) {
                fresh = true;
                assert_int_equal(store_insert(t, &c->e[i], &fresh), 0);
                assert_false(fresh);
        }
        assert_int_equal(store_commit(t), 0);
        expect_stats(fx->s, 1, 3, 0);
        chain_free(c);
}

/* The same entry with its body pruned: envelope bytes into out, opened
 * into p (borrowing from out). */
static void
prune(const struct entry *e, struct buf *out, struct entry *p)
{
        struct envelope env = e->env;

        env.has_body = false;
        env.body = slice_make(NULL, 0);
        buf_reset(out);
        wire_envelope_encode(&env, out);
        assert_int_equal(entry_open(buf_slice(out), p), 0);
}

static void
fill_body_of_pruned_entry(void **state)
{
        struct fx *fx = *state;
        struct chain *c = chain_new(9, DESA, "tree:36.04.12", KIND_INFORMASI);
        struct chain *o = chain_new(10, DESA, "tree:36.04.12", KIND_INFORMASI);
        struct buf pb = BUF_INIT, got = BUF_INIT;
        struct store_txn *t;
        struct feed_info before, after;
        struct entry p;
        uint64_t v0, v1;
        bool fresh, filled = true;

        chain_grow(c, 3);
        chain_grow(o, 1);
        prune(&c->e[1], &pb, &p);
        t = begin(fx->s, true);
        insert_range(t, c, 0, 1);
        assert_int_equal(store_insert(t, &p, &fresh), 0);
        assert_true(fresh);
        insert_range(t, c, 2, 3);
        assert_int_equal(store_commit(t), 0);

        t = begin(fx->s, true);
        assert_int_equal(store_feed_get(t, c->e[0].feed, &before), 0);
        assert_int_equal(store_version(t, &v0), 0);
        /* Not held (another author's entry): nothing to fill. */
        assert_int_equal(store_fill_body(t, &o->e[0], &filled), ERR_NOT_FOUND);
        assert_false(filled);
        /* Held with its body: nothing to do. */
        assert_int_equal(store_fill_body(t, &c->e[0], &filled), 0);
        assert_false(filled);
        assert_int_equal(store_fill_body(t, &c->e[1], &filled), 0);
        assert_true(filled);
        assert_int_equal(store_fill_body(t, &c->e[1], &filled), 0);
        assert_false(filled); /* idempotent */
        assert_int_equal(store_commit(t), 0);

        t = begin(fx->s, false);
        assert_int_equal(store_get(t, c->e[1].feed, 2, &got), 0);
        assert_int_equal(got.len, c->e[1].bytes.len);
        assert_memory_equal(got.data, c->e[1].bytes.ptr, got.len);
        assert_int_equal(store_get_by_id(t, c->e[1].id, ENTRY_HASH_BYTES, &got),
                         0);
        assert_int_equal(got.len, c->e[1].bytes.len);
        assert_memory_equal(got.data, c->e[1].bytes.ptr, got.len);
        assert_int_equal(store_feed_get(t, c->e[0].feed, &after), 0);
        assert_int_equal(store_version(t, &v1), 0);
        assert_int_equal(v1, v0); /* no head changed */
        assert_int_equal(after.head_seq, before.head_seq);
        assert_memory_equal(after.head_id, before.head_id, ENTRY_HASH_BYTES);
        store_abort(t);
        expect_stats(fx->s, 1, 3, 0);
        buf_release(&pb);
        buf_release(&got);
        chain_free(c);
        chain_free(o);
}

static void
gap_refused_stores_nothing(void **state)
{
        struct fx *fx = *state;
        struct chain *c = chain_new(3, DESA, "tree:36.04.12", KIND_INFORMASI);
        struct store_txn *t;
        struct feed_info f;
        struct buf b = BUF_INIT;
        bool fresh = true;

        chain_grow(c, 4);
        t = begin(fx->s, true);
        assert_int_equal(store_insert(t, &c->e[1], &fresh), ERR_GAP);
        assert_false(fresh);
        assert_int_equal(store_feed_get(t, c->e[1].feed, &f), ERR_NOT_FOUND);
        assert_int_equal(store_get_by_id(t, c->e[1].id, ENTRY_HASH_BYTES, &b),
                         ERR_NOT_FOUND);
        assert_int_equal(store_commit(t), 0);
        expect_stats(fx->s, 0, 0, 0);

        t = begin(fx->s, true);
        insert_range(t, c, 0, 2);
        assert_int_equal(store_insert(t, &c->e[3], &fresh), ERR_GAP);
        assert_int_equal(store_commit(t), 0);
        t = begin(fx->s, false);
        assert_int_equal(store_feed_get(t, c->e[0].feed, &f), 0);
        assert_int_equal(f.head_seq, 2);
        assert_int_equal(store_get(t, f.id, 4, &b), ERR_NOT_FOUND);
        store_abort(t);
        expect_stats(fx->s, 1, 2, 0);
        buf_release(&b);
        chain_free(c);
}

static void
fork_freezes_feed_and_survives_reopen(void **state)
{
        struct fx *fx = *state;
        struct chain *c = chain_new(4, DESA, "tree:36.04.12", KIND_INFORMASI);
        struct buf fork = BUF_INIT;
        struct store_txn *t;
        struct entry e;
        bool fresh = true;

        chain_grow(c, 4);
        c->n = 3; /* entry 4 is made but kept back */
        store_chain(fx->s, c);
        /* Same key, same seq 2, same prev, different body. */
        make_entry(&c->a, 2, c->e[0].id, "lain", &fork, &e);
        assert_memory_not_equal(e.id, c->e[1].id, ENTRY_HASH_BYTES);
        t = begin(fx->s, true);
        assert_int_equal(store_insert(t, &e, &fresh), ERR_FORK);
        assert_false(fresh);
        expect_frozen(t, e.feed, 3);
        expect_one_fork(t, e.feed, 2, &fork);
        assert_int_equal(store_insert(t, &c->e[3], &fresh), ERR_FROZEN);
        assert_int_equal(store_insert(t, &e, &fresh), ERR_FROZEN);
        /* SPEC §5.1: a held entry is still a duplicate, frozen or not. */
        fresh = true;
        assert_int_equal(store_insert(t, &c->e[2], &fresh), 0);
        assert_false(fresh);
        assert_int_equal(store_commit(t), 0); /* the caller commits */

        reopen(fx, 0);
        t = begin(fx->s, false);
        expect_frozen(t, e.feed, 3);
        expect_one_fork(t, e.feed, 2, &fork);
        for (uint64_t seq = 1; seq <= 3; seq++)
                expect_entry(t, c, seq); /* entry 2 is the first one */
        store_abort(t);
        expect_stats(fx->s, 1, 3, 1);
        t = begin(fx->s, true);
        assert_int_equal(store_insert(t, &c->e[3], &fresh), ERR_FROZEN);
        store_abort(t);
        buf_release(&fork);
        chain_free(c);
}

static void
prev_mismatch_is_fork(void **state)
{
        struct fx *fx = *state;
        struct chain *c = chain_new(5, DESA, "tree:36.04.12", KIND_INFORMASI);
        struct buf bad = BUF_INIT, b = BUF_INIT;
        struct store_txn *t;
        struct entry e;
        bool fresh = true;

        chain_grow(c, 2);
        store_chain(fx->s, c);
        /* seq 3 chained to entry 1 instead of entry 2. */
        make_entry(&c->a, 3, c->e[0].id, "ok", &bad, &e);
        t = begin(fx->s, true);
        assert_int_equal(store_insert(t, &e, &fresh), ERR_FORK);
        assert_false(fresh);
        assert_int_equal(store_commit(t), 0);
        t = begin(fx->s, false);
        expect_frozen(t, e.feed, 2);
        expect_one_fork(t, e.feed, 3, &bad);
        assert_int_equal(store_get(t, e.feed, 3, &b), ERR_NOT_FOUND);
        assert_int_equal(store_get_by_id(t, e.id, ENTRY_HASH_BYTES, &b),
                         ERR_NOT_FOUND);
        store_abort(t);
        buf_release(&bad);
        buf_release(&b);
        chain_free(c);
}

static void
get_by_id_and_prefix(void **state)
{
        struct fx *fx = *state;
        struct chain *c = chain_new(6, DESA, "tree:36.04.12", KIND_INFORMASI);
        uint8_t unknown[ENTRY_HASH_BYTES];
        struct buf b = BUF_INIT;
        struct store_txn *t;

        chain_grow(c, 10);
        store_chain(fx->s, c);
        t = begin(fx->s, false);
        for (size_t i = 0; i < c->n; i++) {
                for (size_t len = 4; len <= ENTRY_HASH_BYTES; len += 28) {
                        assert_int_equal(
                            store_get_by_id(t, c->e[i].id, len, &b), 0);
                        assert_int_equal(b.len, c->b[i].len);
                        assert_memory_equal(b.data, c->b[i].data, b.len);
                }
        }
        memcpy(unknown, c->e[0].id, sizeof(unknown));
        unknown[31] ^= 1;
        assert_int_equal(store_get_by_id(t, unknown, 32, &b), ERR_NOT_FOUND);
        memset(unknown, 0xff, sizeof(unknown));
        assert_int_equal(store_get_by_id(t, unknown, 4, &b), ERR_NOT_FOUND);
        memset(unknown, 0, sizeof(unknown));
        assert_int_equal(store_get_by_id(t, unknown, 4, &b), ERR_NOT_FOUND);
        assert_int_equal(store_get_by_id(t, c->e[0].id, 3, &b), ERR_USAGE);
        assert_int_equal(store_get_by_id(t, c->e[0].id, 33, &b), ERR_USAGE);
        store_abort(t);
        buf_release(&b);
        chain_free(c);
}

/* ---- an ambiguous 4-byte prefix ------------------------------------------ */

struct cand {
        uint32_t prefix;
        uint32_t ts; /* timestamp offset */
        uint8_t set; /* which author */
};

static int
cand_cmp(const void *pa, const void *pb)
{
        const struct cand *a = pa, *b = pb;

        if (a->prefix != b->prefix)
                return a->prefix < b->prefix ? -1 : 1;
        return a->set - b->set;
}

/* The id entry_create will give seq 1 of a at timestamp ts (no signing). */
static uint32_t
predict_prefix(struct entry_header *h, struct buf *hb, uint64_t ts)
{
        uint8_t id[ENTRY_HASH_BYTES];

        h->timestamp_ms = ts;
        buf_reset(hb);
        wire_header_encode(h, hb);
        hash_bytes(id, buf_slice(hb));
        return be32_get(id);
}

static void
predict_setup(const struct author *a, struct entry_header *h)
{
        struct buf body = BUF_INIT;

        header_for(a, 1, NULL, 0, h);
        body_for(a, 1, "ok", &body);
        memcpy(h->author, a->k->pk, ENTRY_KEY_BYTES);
        h->channel = (uint8_t)kind_channel(a->kind);
        h->body_len = (uint32_t)body.len;
        hash_bytes(h->body_hash, buf_slice(&body));
        buf_release(&body);
}

/*
 * Birthday search over the timestamps of seq 1 of two feeds (channels 1 and
 * 2 of one author) for ids sharing 4 bytes: about 4 expected in 2 x 2^17.
 * Deterministic (fixed keys and bodies). ts[0], ts[1] get the timestamps.
 */
static void
find_colliding_timestamps(const struct author *a, uint64_t ts[2])
{
        const uint32_t n = 1U << 17;
        struct cand *cs = xcalloc(2 * (size_t)n, sizeof(*cs));
        struct buf hb = BUF_INIT;
        struct entry_header h;
        bool found = false;

        for (uint8_t set = 0; set < 2; set++) {
                predict_setup(&a[set], &h);
                for (uint32_t i = 0; i < n; i++)
                        cs[set * n + i] = (struct cand){
                            predict_prefix(&h, &hb, 1000000 + i), i, set};
        }
        qsort(cs, 2 * (size_t)n, sizeof(*cs), cand_cmp);
        for (size_t i = 1; i < 2 * (size_t)n && !found; i++) {
                if (cs[i].prefix != cs[i - 1].prefix ||
                    cs[i].set == cs[i - 1].set)
                        continue;
                ts[cs[i - 1].set] = 1000000 + cs[i - 1].ts;
                ts[cs[i].set] = 1000000 + cs[i].ts;
                found = true;
        }
        buf_release(&hb);
        free(cs);
        assert_true(found);
}

static void
ambiguous_prefix(void **state)
{
        struct fx *fx = *state;
        const uint32_t kinds[2] = {KIND_PERINGATAN, KIND_INFORMASI};
        struct author a[2];
        struct buf b[2] = {BUF_INIT, BUF_INIT}, got = BUF_INIT;
        struct entry e[2];
        struct store_txn *t;
        uint64_t ts[2];
        size_t d = 4;
        bool fresh;

        for (size_t i = 0; i < 2; i++)
                author_init(&a[i], 7, DESA, "tree:36.04.12", kinds[i]);
        find_colliding_timestamps(a, ts);
        t = begin(fx->s, true);
        for (size_t i = 0; i < 2; i++) {
                make_entry_ts(&a[i], 1, NULL, ts[i], "ok", &b[i], &e[i]);
                assert_int_equal(store_insert(t, &e[i], &fresh), 0);
        }
        assert_int_equal(store_commit(t), 0);
        assert_memory_equal(e[0].id, e[1].id, 4);
        assert_memory_not_equal(e[0].feed, e[1].feed, ENTRY_HASH_BYTES);
        while (e[0].id[d - 1] == e[1].id[d - 1])
                d++; /* first prefix length that tells them apart */
        t = begin(fx->s, false);
        assert_int_equal(store_get_by_id(t, e[0].id, 4, &got), ERR_AMBIGUOUS);
        assert_int_equal(store_get_by_id(t, e[1].id, d - 1, &got),
                         ERR_AMBIGUOUS);
        for (size_t i = 0; i < 2; i++) {
                assert_int_equal(store_get_by_id(t, e[i].id, d, &got), 0);
                assert_int_equal(got.len, b[i].len);
                assert_memory_equal(got.data, b[i].data, got.len);
        }
        store_abort(t);
        for (size_t i = 0; i < 2; i++) {
                buf_release(&b[i]);
                key_free(a[i].k);
        }
        buf_release(&got);
}

/* ---- feeds, vectors, order ----------------------------------------------- */

struct feed_spec {
        uint8_t seed;
        const char *region;
        const char *aud;
        uint32_t kind;
};

/* Stores seq 1 of each spec's feed; ids[i] gets feed i's id. */
static void
store_feeds_of(struct store *s, const struct feed_spec *spec, size_t n,
               uint8_t (*ids)[ENTRY_HASH_BYTES])
{
        struct store_txn *t = begin(s, true);

        for (size_t i = 0; i < n; i++) {
                struct chain *c = chain_new(spec[i].seed, spec[i].region,
                                            spec[i].aud, spec[i].kind);

                chain_grow(c, 1);
                insert_range(t, c, 0, 1);
                memcpy(ids[i], c->e[0].feed, ENTRY_HASH_BYTES);
                chain_free(c);
        }
        assert_int_equal(store_commit(t), 0);
}

/* Feeds in the vector of `region`, as a bit per spec index. */
static unsigned
vector_mask(struct store *s, const char *region,
            uint8_t (*ids)[ENTRY_HASH_BYTES], size_t n)
{
        struct store_txn *t = begin(s, false);
        struct feeds_ctx fc = {0};
        unsigned mask = 0;

        assert_int_equal(store_vector(t, region, feeds_cb, &fc), 0);
        store_abort(t);
        expect_ordered(&fc);
        for (size_t i = 0; i < n; i++)
                if (feeds_has(&fc, ids[i]))
                        mask |= 1U << i;
        assert_int_equal(__builtin_popcount(mask), fc.n);
        return mask;
}

static void
vector_filters_by_region(void **state)
{
        static const struct feed_spec spec[] = {
            {10, DESA, "tree:36.04.12", KIND_INFORMASI},            /* 1 */
            {11, "36.04", "tree:36.04", KIND_INFORMASI},            /* 2 */
            {10, DESA, "path:" DESA ":36.04", KIND_ASPIRASI},       /* 4 */
            {12, "36.04.05.2001", "tree:36.04.05", KIND_INFORMASI}, /* 8 */
        };
        struct fx *fx = *state;
        uint8_t ids[ARRAY_LEN(spec)][ENTRY_HASH_BYTES];
        const size_t n = ARRAY_LEN(spec);

        store_feeds_of(fx->s, spec, n, ids);
        /* A desa of the same kecamatan: the lateral news and the kabupaten's
         * feed, not the other desa's aspirations. */
        assert_int_equal(vector_mask(fx->s, "36.04.12.2003", ids, n), 0x3);
        assert_int_equal(vector_mask(fx->s, DESA, ids, n), 0x7);
        /* A desa of another kecamatan does not see kecamatan 12's news. */
        assert_int_equal(vector_mask(fx->s, "36.04.05.2001", ids, n), 0xa);
        assert_int_equal(vector_mask(fx->s, "36.04.05.2002", ids, n), 0xa);
        assert_int_equal(vector_mask(fx->s, "36.04.12", ids, n), 0x7);
        assert_int_equal(vector_mask(fx->s, "36.04", ids, n), 0xf);
        assert_int_equal(vector_mask(fx->s, "36.03.01.2001", ids, n), 0x0);
}

static void
feeds_ordered_by_channel(void **state)
{
        static const struct feed_spec spec[] = {
            {20, DESA, "tree:36.04.12", KIND_LAMPIRAN},
            {21, DESA, "tree:36.04.12", KIND_LAMPIRAN},
            {22, DESA, "tree:36.04.12", KIND_INFORMASI},
            {23, DESA, "tree:36.04.12", KIND_INFORMASI},
            {24, DESA, "tree:36.04.12", KIND_PERINGATAN},
            {25, DESA, "tree:36.04.12", KIND_PERINGATAN},
            {26, DESA, "tree:36.04.12", KIND_SERTIFIKAT},
            {27, DESA, "tree:36.04.12", KIND_SERTIFIKAT},
        };
        struct fx *fx = *state;
        uint8_t ids[ARRAY_LEN(spec)][ENTRY_HASH_BYTES];
        struct feeds_ctx fc = {0};
        struct store_txn *t;

        store_feeds_of(fx->s, spec, ARRAY_LEN(spec), ids);
        t = begin(fx->s, false);
        assert_int_equal(store_feeds(t, feeds_cb, &fc), 0);
        assert_int_equal(fc.n, ARRAY_LEN(spec));
        expect_ordered(&fc);
        for (size_t i = 0; i < fc.n; i++) {
                assert_int_equal(fc.f[i].channel, i / 2);
                assert_true(feeds_has(&fc, ids[i]));
        }
        fc = (struct feeds_ctx){.stop_at = 3};
        assert_int_equal(store_feeds(t, feeds_cb, &fc), 5);
        assert_int_equal(fc.n, 3);
        store_abort(t);
}

/* ---- instance, read-only, abort, map full -------------------------------- */

static void
instance_stable_and_unique(void **state)
{
        struct fx *fx = *state;
        uint8_t a[STORE_INSTANCE_BYTES], b[STORE_INSTANCE_BYTES];
        uint8_t zero[STORE_INSTANCE_BYTES] = {0};
        struct store *other = NULL;
        char dir[160];

        store_instance(fx->s, a);
        assert_memory_not_equal(a, zero, sizeof(a));
        reopen(fx, 0);
        store_instance(fx->s, b);
        assert_memory_equal(a, b, sizeof(a));
        snprintf(dir, sizeof(dir), "%s/other", fx->tmp);
        assert_int_equal(store_open(&other, dir, NULL), 0);
        store_instance(other, b);
        assert_memory_not_equal(a, b, sizeof(a));
        store_close(other);
}

static void
read_only_open(void **state)
{
        struct fx *fx = *state;
        struct store_options ro = {0, true};
        struct chain *c = chain_new(30, DESA, "tree:36.04.12", KIND_INFORMASI);
        struct store *s = NULL;
        struct store_txn *t = NULL;
        char dir[160];

        chain_grow(c, 2);
        store_chain(fx->s, c);
        store_close(fx->s);
        fx->s = NULL;
        assert_int_equal(store_open(&fx->s, fx->dir, &ro), 0);
        assert_int_equal(store_begin(fx->s, true, &t), ERR_USAGE);
        assert_null(t);
        t = begin(fx->s, false);
        expect_entry(t, c, 2);
        store_abort(t);
        snprintf(dir, sizeof(dir), "%s/missing", fx->tmp);
        assert_int_equal(store_open(&s, dir, &ro), -ENOENT);
        assert_null(s);
        chain_free(c);
}

/*
 * A store made by a build of the other word size (LMDB's format depends on
 * it: armhf against arm64 or amd64) is a store failure that says so
 * (STORE-WORD-SIZE), not corruption. Its first page as the other build
 * writes it: the meta magic after a page header whose page number is a
 * size_t.
 */
static void
other_word_size_is_not_corrupt(void **state)
{
        struct fx *fx = *state;
        struct store_options ro = {0, true};
        static uint8_t page[8192];
        const uint32_t magic = 0xBEEFC0DEU;
        struct store *s = NULL;
        char dir[160], path[200];
        FILE *f;

        snprintf(dir, sizeof(dir), "%s/other-word-size", fx->tmp);
        assert_int_equal(mkdir(dir, 0700), 0);
        snprintf(path, sizeof(path), "%s/data.mdb", dir);
        memcpy(page + (sizeof(size_t) == 8 ? 12 : 16), &magic, 4);
        f = fopen(path, "wb");
        assert_non_null(f);
        assert_int_equal(fwrite(page, 1, sizeof(page), f), sizeof(page));
        assert_int_equal(fclose(f), 0);
        assert_int_equal(store_open(&s, dir, &ro), ERR_STORE);
        assert_int_equal(store_open(&s, dir, NULL), ERR_STORE);
        assert_null(s);
        /* The same page with our own offset is not a store of ours. */
        memset(page, 0, sizeof(page));
        memcpy(page + (sizeof(size_t) == 8 ? 16 : 12), &magic, 4);
        f = fopen(path, "wb");
        assert_non_null(f);
        assert_int_equal(fwrite(page, 1, sizeof(page), f), sizeof(page));
        assert_int_equal(fclose(f), 0);
        assert_int_equal(store_open(&s, dir, &ro), ERR_STORE_CORRUPT);
}

static void
abort_leaves_nothing(void **state)
{
        struct fx *fx = *state;
        struct chain *c = chain_new(31, DESA, "tree:36.04.12", KIND_INFORMASI);
        struct buf b = BUF_INIT;
        struct store_txn *t;
        struct feed_info f;

        chain_grow(c, 5);
        t = begin(fx->s, true);
        insert_range(t, c, 0, 5);
        store_abort(t);
        t = begin(fx->s, false);
        assert_int_equal(store_feed_get(t, c->e[0].feed, &f), ERR_NOT_FOUND);
        assert_int_equal(store_get_by_id(t, c->e[2].id, 4, &b), ERR_NOT_FOUND);
        assert_int_equal(store_get(t, c->e[0].feed, 1, &b), ERR_NOT_FOUND);
        store_abort(t);
        expect_stats(fx->s, 0, 0, 0);
        store_chain(fx->s, c); /* every entry fresh again */
        expect_stats(fx->s, 1, 5, 0);
        buf_release(&b);
        chain_free(c);
}

/* Resident kB of this process's map of the fixture's data.mdb (from
 * /proc/self/smaps), -1 if it is not mapped. */
static long
map_rss_kb(const struct fx *fx)
{
        char want[160], line[512];
        FILE *f = fopen("/proc/self/smaps", "r");
        bool in = false;
        long kb = -1, v;
        unsigned long lo, hi;

        assert_non_null(f);
        snprintf(want, sizeof(want), "%s/data.mdb\n", fx->dir);
        while (fgets(line, sizeof(line), f)) {
                size_t n = strlen(line), w = strlen(want);
                if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2)
                        in = n >= w && !strcmp(line + n - w, want);
                else if (in && sscanf(line, "Rss: %ld kB", &v) == 1)
                        kb = (kb < 0 ? 0 : kb) + v;
        }
        fclose(f);
        return kb;
}

/*
 * The store file's pages are the kernel's page cache, not the node's: a
 * write transaction unmaps what it mapped (its commit reads pages all over
 * the file), and store_trim unmaps what reads mapped (README, memory).
 */
static void
commits_leave_nothing_mapped(void **state)
{
        struct fx *fx = *state;
        struct chain *c[8],
            *one = chain_new(50, DESA, "tree:36.04.12", KIND_INFORMASI);
        struct buf b = BUF_INIT;
        struct store_txn *t;

        for (size_t i = 0; i < ARRAY_LEN(c); i++) {
                c[i] = chain_new((uint8_t)(40 + i), DESA, "tree:36.04.12",
                                 KIND_INFORMASI);
                chain_grow(c[i], CHAIN_MAX);
                store_chain(fx->s, c[i]);
        }
        assert_int_equal(map_rss_kb(fx), 0);
        t = begin(fx->s, false);
        for (size_t i = 0; i < ARRAY_LEN(c); i++)
                for (size_t j = 0; j < CHAIN_MAX; j++)
                        assert_int_equal(
                            store_get(t, c[i]->e[j].feed, j + 1, &b), 0);
        store_abort(t);
        assert_true(map_rss_kb(fx) > 0); /* reads map the pages they read */
        store_trim(fx->s);
        assert_int_equal(map_rss_kb(fx), 0);
        chain_grow(one, 1);
        store_chain(fx->s, one);
        assert_int_equal(map_rss_kb(fx), 0);
        for (size_t i = 0; i < ARRAY_LEN(c); i++)
                chain_free(c[i]);
        chain_free(one);
        buf_release(&b);
}

/* Inserts two entries per transaction until the 1 MiB map is full. Returns
 * how many entries were committed. */
static size_t
fill_until_full(struct store *s, struct chain *c)
{
        size_t committed = 0;
        int err = 0;

        while (!err) {
                struct store_txn *t = begin(s, true);
                bool fresh;

                chain_grow(c, 2);
                for (size_t i = committed; i < c->n && !err; i++)
                        err = store_insert(t, &c->e[i], &fresh);
                if (err) {
                        store_abort(t);
                } else if (!(err = store_commit(t))) {
                        committed = c->n;
                }
        }
        assert_int_equal(err, ERR_STORE_FULL);
        c->n = committed; /* forget what did not commit */
        return committed;
}

static void
map_full_then_grow(void **state)
{
        struct fx *fx = *state;
        struct chain *c = chain_new(40, DESA, "tree:36.04.12", KIND_INFORMASI);
        struct store_txn *t;
        struct feed_info f;
        size_t committed;

        c->a.text_len = 40000; /* ~40 KB entries: ~25 fit in 1 MiB */
        reopen(fx, 1 * MIB);
        committed = fill_until_full(fx->s, c);
        assert_true(committed >= 2 && committed < 40);
        t = begin(fx->s, false);
        assert_int_equal(store_feed_get(t, c->e[0].feed, &f), 0);
        assert_int_equal(f.head_seq, committed);
        for (uint64_t seq = 1; seq <= committed; seq++)
                expect_entry(t, c, seq);
        store_abort(t);
        expect_stats(fx->s, 1, committed, 0);

        reopen(fx, 8 * MIB);
        chain_grow(c, 20);
        t = begin(fx->s, true);
        insert_range(t, c, committed, c->n);
        assert_int_equal(store_commit(t), 0);
        t = begin(fx->s, false);
        assert_int_equal(store_feed_get(t, c->e[0].feed, &f), 0);
        assert_int_equal(f.head_seq, committed + 20);
        for (uint64_t seq = 1; seq <= c->n; seq++)
                expect_entry(t, c, seq);
        {
                struct store_stats st;

                assert_int_equal(store_stats(t, &st), 0);
                assert_int_equal(st.map_size_bytes, 8 * MIB);
                assert_int_equal(st.entries, committed + 20);
        }
        store_abort(t);
        chain_free(c);
}

/* ---- the change index (changes.c, SYNC.md §4) ---------------------------- */

struct seen {
        size_t n;
        uint8_t id[4][ENTRY_HASH_BYTES];
        uint64_t changed[4];
};

static int
seen_feed(void *ctx, const struct feed_info *f)
{
        struct seen *sn = ctx;

        assert_true(sn->n < 4);
        memcpy(sn->id[sn->n], f->id, ENTRY_HASH_BYTES);
        sn->changed[sn->n++] = f->changed;
        return 0;
}

static struct seen
changed_since(struct store *s, uint64_t after)
{
        struct store_txn *t = begin(s, false);
        struct seen sn = {0};

        assert_int_equal(store_feeds_changed(t, after, seen_feed, &sn), 0);
        store_abort(t);
        return sn;
}

/* Raw LMDB, as a build without the index leaves a store: `fn` edits it. */
static void
raw_edit(const char *dir, void (*fn)(MDB_txn *txn, void *ctx), void *ctx)
{
        MDB_env *env;
        MDB_txn *txn;

        assert_int_equal(mdb_env_create(&env), 0);
        assert_int_equal(mdb_env_set_maxdbs(env, 32), 0);
        assert_int_equal(mdb_env_set_mapsize(env, 64 * MIB), 0);
        assert_int_equal(mdb_env_open(env, dir, 0, 0600), 0);
        assert_int_equal(mdb_txn_begin(env, NULL, 0, &txn), 0);
        fn(txn, ctx);
        assert_int_equal(mdb_txn_commit(txn), 0);
        mdb_env_close(env);
}

/* A store made before the index: no "changes", no meta "changes_at". */
static void
raw_unindex(MDB_txn *txn, void *ctx)
{
        MDB_dbi meta, changes;
        MDB_val k = {10, (void *)"changes_at"};

        (void)ctx;
        assert_int_equal(mdb_dbi_open(txn, "changes", 0, &changes), 0);
        assert_int_equal(mdb_drop(txn, changes, 1), 0);
        assert_int_equal(mdb_dbi_open(txn, "meta", 0, &meta), 0);
        assert_int_equal(mdb_del(txn, meta, &k, NULL), 0);
}

/* What a build without the index does to a feed: its record and the
 * store version move, the index stays behind. */
static void
raw_old_write(MDB_txn *txn, void *ctx)
{
        const uint8_t *feed = ctx;
        MDB_dbi meta, feeds;
        MDB_val k = {ENTRY_HASH_BYTES, (void *)feed}, v, vk = {7, "version"};
        uint8_t rec[134], ver[8] = {0, 0, 0, 0, 0, 0, 0, 9};

        assert_int_equal(mdb_dbi_open(txn, "feeds", 0, &feeds), 0);
        assert_int_equal(mdb_get(txn, feeds, &k, &v), 0);
        assert_int_equal(v.mv_size, sizeof(rec));
        memcpy(rec, v.mv_data, sizeof(rec));
        memcpy(rec + 126, ver, 8); /* changed: 9 */
        v.mv_data = rec;
        assert_int_equal(mdb_put(txn, feeds, &k, &v, 0), 0);
        assert_int_equal(mdb_dbi_open(txn, "meta", 0, &meta), 0);
        v.mv_size = 8;
        v.mv_data = ver;
        assert_int_equal(mdb_put(txn, meta, &vk, &v, 0), 0);
}

/*
 * A reader that saw the store at version v visits only the feeds changed
 * since; the index of a store made (or written) by an older build is
 * rebuilt when it is opened for writing, and a read-only open walks the
 * feeds instead.
 */
static void
change_index_since_and_rebuilt(void **state)
{
        struct fx *fx = *state;
        struct store_options ro = {0, true};
        struct chain *a = chain_new(40, DESA, "tree:36.04.12", KIND_INFORMASI);
        struct chain *b = chain_new(41, DESA, "tree:36.04.12", KIND_INFORMASI);
        struct store_txn *t;
        struct seen sn;

        chain_grow(a, 3);
        chain_grow(b, 2);
        store_chain(fx->s, b); /* version 1: b */
        t = begin(fx->s, true);
        insert_range(t, a, 0, 2); /* version 2: a */
        assert_int_equal(store_commit(t), 0);
        t = begin(fx->s, true);
        insert_range(t, a, 2, 3); /* version 3: a again */
        assert_int_equal(store_commit(t), 0);

        sn = changed_since(fx->s, 0);
        assert_int_equal(sn.n, 2);
        assert_memory_equal(sn.id[0], b->e[0].feed, ENTRY_HASH_BYTES);
        assert_int_equal(sn.changed[0], 1);
        assert_memory_equal(sn.id[1], a->e[0].feed, ENTRY_HASH_BYTES);
        assert_int_equal(sn.changed[1], 3);
        sn = changed_since(fx->s, 1);
        assert_int_equal(sn.n, 1);
        assert_memory_equal(sn.id[0], a->e[0].feed, ENTRY_HASH_BYTES);
        assert_int_equal(changed_since(fx->s, 3).n, 0);

        /* Made before the index: read-only walks, a writer rebuilds. */
        store_close(fx->s);
        fx->s = NULL;
        raw_edit(fx->dir, raw_unindex, NULL);
        assert_int_equal(store_open(&fx->s, fx->dir, &ro), 0);
        sn = changed_since(fx->s, 1);
        assert_int_equal(sn.n, 1);
        assert_int_equal(sn.changed[0], 3);
        reopen(fx, 0);
        assert_int_equal(changed_since(fx->s, 0).n, 2);
        sn = changed_since(fx->s, 2);
        assert_int_equal(sn.n, 1);
        assert_memory_equal(sn.id[0], a->e[0].feed, ENTRY_HASH_BYTES);

        /* Written by an older build since: the index was behind, and is
         * rebuilt at the next open for writing. */
        store_close(fx->s);
        fx->s = NULL;
        raw_edit(fx->dir, raw_old_write, b->e[0].feed);
        reopen(fx, 0);
        sn = changed_since(fx->s, 3);
        assert_int_equal(sn.n, 1);
        assert_memory_equal(sn.id[0], b->e[0].feed, ENTRY_HASH_BYTES);
        assert_int_equal(sn.changed[0], 9);
        assert_int_equal(changed_since(fx->s, 0).n, 2);
        chain_free(a);
        chain_free(b);
}

/* The data budget's count (BLOBS.md §7.1) in the peer record, and the
 * calendar month it is of, in WIB. */
static void
peer_bulk_month(void **state)
{
        struct fx *fx = *state;
        const uint64_t dec1_wib = 1796058000000ULL; /* 2026-11-30T17:00Z */
        struct store_txn *t;
        struct peer_info p, got;

        assert_int_equal(store_month(dec1_wib), 202612);
        assert_int_equal(store_month(dec1_wib - 1), 202611);
        memset(&p, 0, sizeof(p));
        memset(p.key, 3, sizeof(p.key));
        p.bulk_month = 202612;
        p.bulk_bytes = 5000000;
        p.bytes_in = 7;
        assert_int_equal(store_begin(fx->s, true, &t), 0);
        assert_int_equal(store_peer_put(t, &p), 0);
        assert_int_equal(store_commit(t), 0);
        assert_int_equal(store_begin(fx->s, false, &t), 0);
        assert_int_equal(store_peer_get(t, p.key, &got), 0);
        store_abort(t);
        assert_int_equal(got.bulk_month, 202612);
        assert_int_equal(got.bulk_bytes, 5000000);
        assert_int_equal(got.bytes_in, 7);
        assert_int_equal(store_peer_bulk(&got, 202612), 5000000);
        assert_int_equal(store_peer_bulk(&got, 202701), 0); /* a new month */
}

#define CASE(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int
main(void)
{
        const struct CMUnitTest tests[] = {
            CASE(chain_of_100_round_trips),
            CASE(peer_bulk_month),
            CASE(reinsert_is_idempotent),
            CASE(fill_body_of_pruned_entry),
            CASE(gap_refused_stores_nothing),
            CASE(fork_freezes_feed_and_survives_reopen),
            CASE(prev_mismatch_is_fork),
            CASE(get_by_id_and_prefix),
            CASE(ambiguous_prefix),
            CASE(vector_filters_by_region),
            CASE(feeds_ordered_by_channel),
            CASE(instance_stable_and_unique),
            CASE(read_only_open),
            CASE(other_word_size_is_not_corrupt),
            CASE(abort_leaves_nothing),
            CASE(commits_leave_nothing_mapped),
            CASE(map_full_then_grow),
            CASE(change_index_since_and_rebuilt),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
