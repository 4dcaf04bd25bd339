/*
 * test_replica: posting, ingesting and re-verifying on real LMDB stores in a
 * mkdtemp directory, with real signed entries. The node under test serves
 * the desa 36.04.12.2002; remote authors are its neighbours.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dirent.h>
#include <pthread.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../src/replica/replica.h"
#include "testlib.h"

#define DESA "36.04.12.2002"      /* the node under test */
#define NEIGHBOUR "36.04.12.2001" /* a sibling desa */
#define KEC "36.04.12"
#define CHAIN_MAX 128U
#define BIG_BATCH 500U

/* ---- fixture: two fresh stores under /tmp, one node key ------------------
 */

struct fx {
        char tmp[64]; /* mkdtemp directory, removed in teardown */
        struct key *key;
        struct store *s[2];
        struct replica r[2]; /* r[i] over s[i], DESA, key */
};

static int
open_store(const char *tmp, const char *name, struct store **out)
{
        char dir[128];

        snprintf(dir, sizeof(dir), "%s/%s", tmp, name);
        return store_open(out, dir, NULL);
}

static void
replica_init(struct replica *r, struct store *s, const struct key *k)
{
        memset(r, 0, sizeof(*r));
        r->store = s;
        r->key = k;
        strcpy(r->region, DESA);
}

static int
setup(void **state)
{
        struct fx *fx = xcalloc(1, sizeof(*fx));

        if (test_dir_make(fx->tmp, "replica") || entry_lib_init())
                return -1;
        fx->key = test_key(1);
        if (open_store(fx->tmp, "a", &fx->s[0]) ||
            open_store(fx->tmp, "b", &fx->s[1]))
                return -1;
        for (size_t i = 0; i < 2; i++)
                replica_init(&fx->r[i], fx->s[i], fx->key);
        *state = fx;
        return 0;
}

static int
teardown(void **state)
{
        struct fx *fx = *state;

        for (size_t i = 0; i < 2; i++)
                store_close(fx->s[i]);
        key_free(fx->key);
        test_rm_tree(fx->tmp);
        free(fx);
        log_set_level(LOG_INFO);
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
expect_stats(struct store *s, uint64_t feeds, uint64_t entries, uint64_t forks)
{
        struct store_txn *t = begin(s, false);
        struct store_stats st;

        assert_int_equal(store_stats(t, &st), 0);
        store_abort(t);
        assert_int_equal(st.feeds, feeds);
        assert_int_equal(st.entries, entries);
        assert_int_equal(st.forks, forks);
}

static void
expect_ingest_stats(const struct ingest_stats *st, uint64_t stored,
                    uint64_t had, uint64_t refused, int first_error)
{
        assert_int_equal(st->stored, stored);
        assert_int_equal(st->had, had);
        assert_int_equal(st->refused, refused);
        assert_int_equal(st->first_error, first_error);
}

static void
expect_same_ingest_stats(const struct ingest_stats *a,
                         const struct ingest_stats *b)
{
        expect_ingest_stats(a, b->stored, b->had, b->refused, b->first_error);
}

/* Per-entry results, printed by index and error id when they differ. */
static void
expect_results(const int *got, const int *want, size_t n)
{
        for (size_t i = 0; i < n; i++)
                if (got[i] != want[i])
                        fail_msg("result %zu: got %d (%s), want %d (%s)", i,
                                 got[i], got[i] ? err_id(got[i]) : "ok",
                                 want[i], want[i] ? err_id(want[i]) : "ok");
}

static void
expect_feed(struct store *s, const uint8_t feed[ENTRY_HASH_BYTES],
            uint64_t head_seq, const uint8_t head_id[ENTRY_HASH_BYTES],
            uint32_t flags)
{
        struct store_txn *t = begin(s, false);
        struct feed_info f;

        assert_int_equal(store_feed_get(t, feed, &f), 0);
        store_abort(t);
        assert_int_equal(f.head_seq, head_seq);
        assert_memory_equal(f.head_id, head_id, ENTRY_HASH_BYTES);
        assert_int_equal(f.flags, flags);
}

static void
expect_no_feed(struct store *s, const uint8_t feed[ENTRY_HASH_BYTES])
{
        struct store_txn *t = begin(s, false);
        struct feed_info f;

        assert_int_equal(store_feed_get(t, feed, &f), ERR_NOT_FOUND);
        store_abort(t);
}

/* Fetches the entry with this id and opens it as a receiver would. */
static void
fetch_by_id(struct store *s, const uint8_t id[ENTRY_HASH_BYTES],
            struct buf *out, struct entry *e)
{
        struct store_txn *t = begin(s, false);

        assert_int_equal(store_get_by_id(t, id, ENTRY_HASH_BYTES, out), 0);
        store_abort(t);
        assert_int_equal(entry_open(buf_slice(out), e), 0);
        assert_memory_equal(e->id, id, ENTRY_HASH_BYTES);
}

/* ---- remote authors and their chains ------------------------------------ */

struct author {
        struct key *k;
        char region[REGION_BUF];
        struct audience aud;
        uint32_t kind;
};

/* A chain of entries of one author: e[i] (seq i + 1) borrows from b[i]. */
struct chain {
        struct author a;
        size_t n;
        struct buf b[CHAIN_MAX];
        struct entry e[CHAIN_MAX];
};

static void
body_make(const char *tag, uint64_t seq, struct buf *out)
{
        char text[64];
        /* Valid for every kind used here (proto/KIM.md §2): level for a
         * peringatan, handler and category for an aspirasi to 36.04. */
        struct body_field f[] = {
            {"title", "Kabar", 0},   {"text", text, 0},
            {"nomor", NULL, 0},      {"level", "waspada", 0},
            {"handler", "36.04", 0}, {"category", "lainnya", 0},
        };

        snprintf(text, sizeof(text), "kabar %s %llu", tag,
                 (unsigned long long)seq);
        f[2].num = (int64_t)seq;
        buf_reset(out);
        wire_body_build(f, ARRAY_LEN(f), out);
}

/* Signs the entry at seq with prev (NULL at seq 1) into out; opens it. */
static void
make_entry(const struct author *a, uint64_t seq, const uint8_t *prev,
           const char *tag, struct buf *out, struct entry *e)
{
        struct buf body = BUF_INIT;
        struct entry_header h;

        memset(&h, 0, sizeof(h));
        strcpy(h.author_region, a->region);
        h.audience = a->aud;
        h.seq = seq;
        h.has_prev = prev != NULL;
        if (prev)
                memcpy(h.prev, prev, ENTRY_HASH_BYTES);
        h.timestamp_ms = 1700000000000ULL + seq;
        h.kind = a->kind;
        body_make(tag, seq, &body);
        buf_reset(out);
        assert_int_equal(entry_create(a->k, &h, buf_slice(&body), out), 0);
        assert_int_equal(entry_open(buf_slice(out), e), 0);
        buf_release(&body);
}

static struct chain *
chain_new(uint8_t seed, const char *region, const char *aud, size_t n)
{
        struct chain *c = xcalloc(1, sizeof(*c));
        uint8_t s[KEY_SEED_BYTES];

        memset(s, seed, sizeof(s));
        c->a.k = key_from_seed(s);
        strcpy(c->a.region, region);
        assert_int_equal(audience_parse(&c->a.aud, aud), 0);
        c->a.kind = KIND_INFORMASI;
        assert_true(n <= CHAIN_MAX);
        for (; c->n < n; c->n++)
                make_entry(&c->a, c->n + 1, c->n ? c->e[c->n - 1].id : NULL,
                           "ok", &c->b[c->n], &c->e[c->n]);
        return c;
}

/* A chain of the node's own key (as if restored from a peer). */
static struct chain *
own_chain_new(const struct key *k, const char *aud, size_t n)
{
        struct chain *c = chain_new(0, DESA, aud, 0);

        key_free(c->a.k);
        c->a.k = (struct key *)k; /* borrowed: see own_chain_free */
        for (; c->n < n; c->n++)
                make_entry(&c->a, c->n + 1, c->n ? c->e[c->n - 1].id : NULL,
                           "ok", &c->b[c->n], &c->e[c->n]);
        return c;
}

static void
chain_release(struct chain *c)
{
        for (size_t i = 0; i < CHAIN_MAX; i++)
                buf_release(&c->b[i]);
        free(c);
}

static void
chain_free(struct chain *c)
{
        key_free(c->a.k);
        chain_release(c);
}

static void
own_chain_free(struct chain *c)
{
        chain_release(c);
}

/* A copy of `in` with one byte of its signature flipped. */
static void
flip_sig(const struct buf *in, struct buf *out)
{
        struct envelope env;
        size_t off;

        assert_int_equal(wire_envelope_decode(buf_slice(in), &env), 0);
        off = (size_t)(env.sig.ptr - in->data) + 7;
        buf_reset(out);
        buf_add(out, in->data, in->len);
        out->data[off] ^= 0x40;
}

/* ---- batches -------------------------------------------------------------
 */

struct batch {
        size_t n;
        struct slice s[REPLICA_BATCH_MAX + 1];
        int want[REPLICA_BATCH_MAX + 1];
        int got[REPLICA_BATCH_MAX + 1];
};

static void
batch_add(struct batch *b, const struct buf *bytes, int want)
{
        assert_true(b->n < ARRAY_LEN(b->s));
        b->s[b->n] = buf_slice(bytes);
        b->want[b->n] = want;
        b->got[b->n] = 12345; /* must be overwritten */
        b->n++;
}

static int
ingest(struct replica *r, struct batch *b, struct ingest_stats *st)
{
        for (size_t i = 0; i < b->n; i++)
                b->got[i] = 12345;
        memset(st, 0x5a, sizeof(*st)); /* must be overwritten */
        return replica_ingest(r, b->s, b->n, "test", b->got, st);
}

/* ---- verify -------------------------------------------------------------- */

struct problems {
        size_t n;
        struct verify_problem first;
};

static void
on_problem(void *ctx, const struct verify_problem *p)
{
        struct problems *ps = ctx;

        if (!ps->n)
                ps->first = *p;
        ps->n++;
        print_message("verify problem: seq %llu %s: %s\n",
                      (unsigned long long)p->seq, err_id(p->err), p->what);
}

static void
expect_verify(struct replica *r, uint64_t feeds, uint64_t entries)
{
        struct problems ps = {0};
        struct verify_stats vs;

        memset(&vs, 0x5a, sizeof(vs));
        assert_int_equal(replica_verify(r, on_problem, &ps, &vs), 0);
        assert_int_equal(vs.problems, 0);
        assert_int_equal(ps.n, 0);
        assert_int_equal(vs.feeds, feeds);
        assert_int_equal(vs.entries, entries);
}

/* ---- posting ------------------------------------------------------------- */

static struct post
post_make(const char *aud, uint32_t kind, const struct buf *body, uint64_t ts)
{
        struct post p;

        memset(&p, 0, sizeof(p));
        assert_int_equal(audience_parse(&p.audience, aud), 0);
        p.kind = kind;
        p.body = buf_slice(body);
        p.timestamp_ms = ts;
        return p;
}

/* The posted entry with this id: signed by the node, in its region. */
static void
expect_posted(struct fx *fx, const uint8_t id[ENTRY_HASH_BYTES],
              const struct post *p, uint64_t seq, const uint8_t *prev)
{
        struct buf bytes = BUF_INIT;
        struct entry e;

        fetch_by_id(fx->s[0], id, &bytes, &e);
        assert_memory_equal(e.h.author, fx->key->pk, ENTRY_KEY_BYTES);
        assert_string_equal(e.h.author_region, DESA);
        assert_true(audience_eq(&e.h.audience, &p->audience));
        assert_int_equal(e.h.kind, p->kind);
        assert_int_equal(e.h.channel, kind_channel(p->kind));
        assert_int_equal(e.h.seq, seq);
        assert_int_equal(e.h.has_prev, prev != NULL);
        if (prev)
                assert_memory_equal(e.h.prev, prev, ENTRY_HASH_BYTES);
        if (p->timestamp_ms)
                assert_int_equal(e.h.timestamp_ms, p->timestamp_ms);
        assert_true(e.env.has_body);
        assert_int_equal(e.env.body.len, p->body.len);
        assert_memory_equal(e.env.body.ptr, p->body.ptr, p->body.len);
        buf_release(&bytes);
}

static void
post_chains_across_calls_and_feeds(void **state)
{
        struct fx *fx = *state;
        struct buf body[4] = {BUF_INIT, BUF_INIT, BUF_INIT, BUF_INIT};
        struct post p[4];
        uint8_t ids[4][ENTRY_HASH_BYTES], more[2][ENTRY_HASH_BYTES];
        uint64_t before, after;
        struct buf bytes = BUF_INIT;
        struct entry e;

        for (size_t i = 0; i < 4; i++)
                body_make("pos", i, &body[i]);
        /* Three feeds; the first twice in one call. */
        p[0] = post_make("tree:" KEC, KIND_INFORMASI, &body[0], 0);
        p[1] = post_make("tree:" KEC, KIND_PERINGATAN, &body[1], 0);
        p[2] = post_make("tree:" DESA, KIND_INFORMASI, &body[2], 1234);
        p[3] = post_make("tree:" KEC, KIND_INFORMASI, &body[3], 0);
        before = time_now_ms();
        assert_int_equal(replica_post(&fx->r[0], p, 4, &ids[0][0]), 0);
        after = time_now_ms();
        expect_posted(fx, ids[0], &p[0], 1, NULL);
        expect_posted(fx, ids[1], &p[1], 1, NULL);
        expect_posted(fx, ids[2], &p[2], 1, NULL);
        expect_posted(fx, ids[3], &p[3], 2, ids[0]);
        fetch_by_id(fx->s[0], ids[0], &bytes, &e);
        assert_in_range(e.h.timestamp_ms, before, after);
        expect_stats(fx->s[0], 3, 4, 0);

        /* The next call continues each feed from its head. */
        p[0] = post_make("tree:" KEC, KIND_INFORMASI, &body[0], 99);
        p[1] = post_make("tree:" KEC, KIND_PERINGATAN, &body[1], 99);
        assert_int_equal(replica_post(&fx->r[0], p, 2, &more[0][0]), 0);
        expect_posted(fx, more[0], &p[0], 3, ids[3]);
        expect_posted(fx, more[1], &p[1], 2, ids[1]);
        expect_feed(fx->s[0], e.feed, 3, more[0], 0);
        /* ids may be NULL. */
        assert_int_equal(replica_post(&fx->r[0], p, 1, NULL), 0);
        expect_stats(fx->s[0], 3, 7, 0);
        expect_verify(&fx->r[0], 3, 7);

        buf_release(&bytes);
        for (size_t i = 0; i < 4; i++)
                buf_release(&body[i]);
}

/* A refused post anywhere in a call stores nothing of that call. */
static void
expect_post_refused(struct fx *fx, const struct post *p, size_t n, int want)
{
        struct store_txn *t = begin(fx->s[0], false);
        struct store_stats before, after;

        assert_int_equal(store_stats(t, &before), 0);
        store_abort(t);
        assert_int_equal(replica_post(&fx->r[0], p, n, NULL), want);
        t = begin(fx->s[0], false);
        assert_int_equal(store_stats(t, &after), 0);
        store_abort(t);
        assert_int_equal(after.feeds, before.feeds);
        assert_int_equal(after.entries, before.entries);
}

static void
post_refusals_store_nothing(void **state)
{
        struct fx *fx = *state;
        struct buf body = BUF_INIT, array = BUF_INIT, big = BUF_INIT;
        struct buf trail = BUF_INIT;
        const uint8_t not_map[] = {0x92, 0x01, 0x02};
        struct post ok[2], p[3];
        uint8_t ids[2][ENTRY_HASH_BYTES], id3[ENTRY_HASH_BYTES];
        char *text = xcalloc(1, ENTRY_BODY_MAX + 1);
        struct body_field f = {"teks", text, 0};

        body_make("x", 1, &body);
        buf_add(&array, not_map, sizeof(not_map));
        memset(text, 'x', ENTRY_BODY_MAX);
        wire_body_build(&f, 1, &big);
        ok[0] = post_make("tree:" KEC, KIND_INFORMASI, &body, 0);
        ok[1] = post_make("path:" DESA ":36.04", KIND_ASPIRASI, &body, 0);
        assert_int_equal(replica_post(&fx->r[0], ok, 2, &ids[0][0]), 0);
        expect_stats(fx->s[0], 2, 2, 0);

        /* The author rule: 36.04 is neither below the desa nor its parent;
         * a sibling desa is not either. The valid posts before it in the
         * same call are rolled back, the new feed too. */
        p[0] = ok[0];
        p[1] = post_make("tree:" DESA, KIND_PERINGATAN, &body, 0);
        p[2] = post_make("tree:36.04", KIND_INFORMASI, &body, 0);
        expect_post_refused(fx, p, 3, ERR_AUTHOR_RULE);
        p[2] = post_make("tree:" NEIGHBOUR, KIND_INFORMASI, &body, 0);
        expect_post_refused(fx, p, 3, ERR_AUTHOR_RULE);
        p[2] = post_make("path:" NEIGHBOUR ":" KEC, KIND_INFORMASI, &body, 0);
        expect_post_refused(fx, p, 3, ERR_AUTHOR_RULE);
        /* Unknown kinds: past the table, in a hole of it, zero. */
        p[2] = post_make("tree:" KEC, 99, &body, 0);
        expect_post_refused(fx, p, 3, ERR_KIND);
        p[2] = post_make("tree:" KEC, 10, &body, 0);
        expect_post_refused(fx, p, 3, ERR_KIND);
        p[2] = post_make("tree:" KEC, 0, &body, 0);
        expect_post_refused(fx, p, 3, ERR_KIND);
        /* Bodies: an array, nothing, a map with trailing bytes, too big. */
        p[2] = post_make("tree:" KEC, KIND_INFORMASI, &array, 0);
        expect_post_refused(fx, p, 3, ERR_BODY);
        p[2].body = slice_make(NULL, 0);
        expect_post_refused(fx, p, 3, ERR_BODY);
        buf_add(&trail, body.data, body.len);
        buf_addc(&trail, 0x01);
        p[2] = post_make("tree:" KEC, KIND_INFORMASI, &trail, 0);
        expect_post_refused(fx, p, 3, ERR_BODY);
        p[2] = post_make("tree:" KEC, KIND_INFORMASI, &big, 0);
        expect_post_refused(fx, p, 3, ERR_TOO_BIG);
        /* The refusal first: the rest is not stored either. */
        expect_post_refused(fx, &p[2], 1, ERR_TOO_BIG);

        /* The feeds did not move: the next post chains to the first one. */
        assert_int_equal(replica_post(&fx->r[0], ok, 1, id3), 0);
        expect_posted(fx, id3, &ok[0], 2, ids[0]);
        expect_stats(fx->s[0], 2, 3, 0);
        expect_verify(&fx->r[0], 2, 3);

        {
                struct replica ro = fx->r[0];

                ro.key = NULL; /* read-only use */
                assert_int_equal(replica_post(&ro, ok, 1, NULL), ERR_USAGE);
        }
        free(text);
        buf_release(&body);
        buf_release(&array);
        buf_release(&big);
        buf_release(&trail);
}

/* A fork of the node's own feed (a restored store, say) freezes it. */
static void
post_to_frozen_feed(void **state)
{
        struct fx *fx = *state;
        struct chain *c = own_chain_new(fx->key, "tree:" KEC, 2);
        struct buf body = BUF_INIT, fork = BUF_INIT;
        struct ingest_stats st;
        struct post p;
        struct entry e;
        int res[3];
        struct slice in[3];

        make_entry(&c->a, 2, c->e[0].id, "lain", &fork, &e);
        in[0] = buf_slice(&c->b[0]);
        in[1] = buf_slice(&c->b[1]);
        in[2] = buf_slice(&fork);
        assert_int_equal(replica_ingest(&fx->r[0], in, 3, "test", res, &st), 0);
        assert_int_equal(res[0], 0);
        assert_int_equal(res[1], 0);
        assert_int_equal(res[2], ERR_FORK);
        body_make("x", 1, &body);
        p = post_make("tree:" KEC, KIND_INFORMASI, &body, 0);
        assert_int_equal(replica_post(&fx->r[0], &p, 1, NULL), ERR_FROZEN);
        expect_feed(fx->s[0], e.feed, 2, c->e[1].id, FEED_FROZEN);
        /* Other feeds of the node are not frozen. */
        p = post_make("tree:" KEC, KIND_PERINGATAN, &body, 0);
        assert_int_equal(replica_post(&fx->r[0], &p, 1, NULL), 0);
        expect_stats(fx->s[0], 2, 3, 1);
        buf_release(&body);
        buf_release(&fork);
        own_chain_free(c);
}

/* body_at: records the places it is given; fails when told to. */
struct places {
        struct seal_ctx at[4];
        size_t n;
        int fail_at; /* fail the call with this index + 1; 0: never */
        struct buf body;
};

static int
body_at_record(void *arg, const struct seal_ctx *at, struct slice *body)
{
        struct places *pl = arg;

        pl->at[pl->n++] = *at;
        if ((int)pl->n == pl->fail_at)
                return ERR_KIM_SEALED;
        *body = buf_slice(&pl->body);
        return 0;
}

/*
 * A body bound to its place (sealed values, KIM.md §4): body_at gets the
 * author, feed and seq the entry takes, inside the transaction that
 * appends it (a second post of the same feed in the call sees the
 * first); its error stores nothing of the call.
 */
static void
post_body_at_its_place(void **state)
{
        struct fx *fx = *state;
        struct places pl;
        struct buf bytes = BUF_INIT, unused = BUF_INIT;
        struct post p[2];
        struct entry e;
        uint8_t ids[2][ENTRY_HASH_BYTES];

        memset(&pl, 0, sizeof(pl));
        body_make("at", 1, &pl.body);
        body_make("unused", 1, &unused);
        for (size_t i = 0; i < 2; i++) {
                p[i] = post_make("tree:" KEC, KIND_INFORMASI, &unused, 0);
                p[i].body_at = body_at_record;
                p[i].arg = &pl;
        }
        pl.fail_at = 2;
        expect_post_refused(fx, p, 2, ERR_KIM_SEALED);
        assert_int_equal(pl.n, 2);
        assert_int_equal(pl.at[0].seq, 1);
        assert_int_equal(pl.at[1].seq, 2);
        pl.n = 0;
        pl.fail_at = 0;
        assert_int_equal(replica_post(&fx->r[0], p, 2, &ids[0][0]), 0);
        assert_int_equal(pl.n, 2);
        for (size_t i = 0; i < 2; i++) {
                fetch_by_id(fx->s[0], ids[i], &bytes, &e);
                assert_int_equal(e.h.seq, i + 1);
                assert_int_equal(pl.at[i].seq, e.h.seq);
                assert_memory_equal(pl.at[i].author, e.h.author,
                                    ENTRY_KEY_BYTES);
                assert_memory_equal(pl.at[i].feed, e.feed, ENTRY_HASH_BYTES);
                /* The body is body_at's, not p.body. */
                assert_int_equal(e.env.body.len, pl.body.len);
                assert_memory_equal(e.env.body.ptr, pl.body.data, pl.body.len);
        }
        expect_stats(fx->s[0], 1, 2, 0);
        buf_release(&pl.body);
        buf_release(&unused);
        buf_release(&bytes);
}

/* ---- ingesting ----------------------------------------------------------- */

/*
 * The mixed batch: authors A, B, C of the neighbouring desa write to the
 * kecamatan (the node is entitled); N writes to its own desa (the node is
 * not). A1 is held before the batch.
 */
struct mixed {
        struct chain *a, *b, *c, *n;
        struct buf bad_sig, fork;
        struct entry fork_e;
        struct batch *batch;
};

static struct mixed *
mixed_new(void)
{
        struct mixed *m = xcalloc(1, sizeof(*m));
        struct batch *b = xcalloc(1, sizeof(*b));

        m->a = chain_new(11, NEIGHBOUR, "tree:" KEC, 3);
        m->b = chain_new(12, NEIGHBOUR, "tree:" KEC, 4);
        m->c = chain_new(13, NEIGHBOUR, "tree:" KEC, 3);
        m->n = chain_new(14, NEIGHBOUR, "tree:" NEIGHBOUR, 1);
        flip_sig(&m->a->b[1], &m->bad_sig);
        make_entry(&m->c->a, 2, m->c->e[0].id, "lain", &m->fork, &m->fork_e);
        batch_add(b, &m->a->b[0], 0);                /* held: had */
        batch_add(b, &m->bad_sig, ERR_SIGNATURE);    /* A2, flipped */
        batch_add(b, &m->a->b[1], 0);                /* A2 */
        batch_add(b, &m->n->b[0], ERR_NOT_ENTITLED); /* N1 */
        batch_add(b, &m->b->b[0], 0);                /* B1 */
        batch_add(b, &m->b->b[3], ERR_GAP);          /* B4: B3 never sent */
        batch_add(b, &m->b->b[1], 0);                /* B2 */
        batch_add(b, &m->a->b[1], 0);                /* A2 again: had */
        batch_add(b, &m->c->b[0], 0);                /* C1 */
        batch_add(b, &m->c->b[1], 0);                /* C2 */
        batch_add(b, &m->fork, ERR_FORK);            /* C2', same prev */
        batch_add(b, &m->c->b[2], ERR_FROZEN);       /* C3 */
        batch_add(b, &m->a->b[2], 0);                /* A3 */
        m->batch = b;
        return m;
}

static void
mixed_free(struct mixed *m)
{
        chain_free(m->a);
        chain_free(m->b);
        chain_free(m->c);
        chain_free(m->n);
        buf_release(&m->bad_sig);
        buf_release(&m->fork);
        free(m->batch);
        free(m);
}

static void
hold_a1(struct replica *r, struct mixed *m)
{
        struct ingest_stats st;
        struct slice a1 = buf_slice(&m->a->b[0]);

        assert_int_equal(replica_ingest(r, &a1, 1, "test", NULL, &st), 0);
        expect_ingest_stats(&st, 1, 0, 0, 0);
}

struct fork_seen {
        size_t n;
        uint64_t seq;
        uint8_t feed[ENTRY_HASH_BYTES];
        struct buf bytes;
};

static int
on_fork(void *ctx, const uint8_t feed[ENTRY_HASH_BYTES], uint64_t seq,
        struct slice bytes)
{
        struct fork_seen *fs = ctx;

        fs->n++;
        fs->seq = seq;
        memcpy(fs->feed, feed, ENTRY_HASH_BYTES);
        buf_reset(&fs->bytes);
        buf_add(&fs->bytes, bytes.ptr, bytes.len);
        return 0;
}

/* The store after the mixed batch, whichever way it went in. */
static void
expect_mixed_store(struct store *s, struct replica *r, const struct mixed *m)
{
        struct fork_seen fs = {0};
        struct store_txn *t;

        expect_stats(s, 3, 7, 1);
        expect_feed(s, m->a->e[0].feed, 3, m->a->e[2].id, 0);
        expect_feed(s, m->b->e[0].feed, 2, m->b->e[1].id, 0);
        expect_feed(s, m->c->e[0].feed, 2, m->c->e[1].id, FEED_FROZEN);
        expect_no_feed(s, m->n->e[0].feed);
        t = begin(s, false);
        assert_int_equal(store_forks(t, on_fork, &fs), 0);
        store_abort(t);
        assert_int_equal(fs.n, 1);
        assert_memory_equal(fs.feed, m->c->e[0].feed, ENTRY_HASH_BYTES);
        assert_int_equal(fs.seq, 2);
        assert_int_equal(fs.bytes.len, m->fork.len);
        assert_memory_equal(fs.bytes.data, m->fork.data, m->fork.len);
        buf_release(&fs.bytes);
        /* A fork proof is not a broken chain. */
        expect_verify(r, 3, 7);
}

static void
ingest_mixed_batch(void **state)
{
        struct fx *fx = *state;
        struct mixed *m = mixed_new();
        struct batch *b = m->batch;
        struct ingest_stats st;

        hold_a1(&fx->r[0], m);
        assert_int_equal(ingest(&fx->r[0], b, &st), 0);
        expect_results(b->got, b->want, b->n);
        expect_ingest_stats(&st, 6, 2, 5, ERR_SIGNATURE);
        expect_mixed_store(fx->s[0], &fx->r[0], m);
        mixed_free(m);
}

static void
ingest_twice_is_idempotent(void **state)
{
        struct fx *fx = *state;
        struct mixed *m = mixed_new();
        struct batch *b = m->batch;
        struct ingest_stats st;

        hold_a1(&fx->r[0], m);
        assert_int_equal(ingest(&fx->r[0], b, &st), 0);
        expect_ingest_stats(&st, 6, 2, 5, ERR_SIGNATURE);
        /* Everything stored is now had; the fork meets a frozen feed. */
        for (size_t i = 0; i < b->n; i++)
                if (b->want[i] == ERR_FORK)
                        b->want[i] = ERR_FROZEN;
        for (int round = 0; round < 2; round++) {
                assert_int_equal(ingest(&fx->r[0], b, &st), 0);
                expect_results(b->got, b->want, b->n);
                expect_ingest_stats(&st, 0, 8, 5, ERR_SIGNATURE);
                expect_mixed_store(fx->s[0], &fx->r[0], m);
        }
        mixed_free(m);
}

static void
ingest_without_results_or_stats(void **state)
{
        struct fx *fx = *state;
        struct mixed *m = mixed_new();
        struct batch *b = m->batch;
        struct ingest_stats st;

        hold_a1(&fx->r[0], m);
        assert_int_equal(
            replica_ingest(&fx->r[0], b->s, b->n, "test", NULL, NULL), 0);
        expect_mixed_store(fx->s[0], &fx->r[0], m);
        /* An empty batch commits nothing and counts nothing. */
        memset(&st, 0x5a, sizeof(st));
        assert_int_equal(
            replica_ingest(&fx->r[0], b->s, 0, "test", b->got, &st), 0);
        expect_ingest_stats(&st, 0, 0, 0, 0);
        expect_stats(fx->s[0], 3, 7, 1);
        mixed_free(m);
}

static void
ingest_garbage_bytes(void **state)
{
        struct fx *fx = *state;
        struct chain *a = chain_new(15, NEIGHBOUR, "tree:" KEC, 1);
        const uint8_t junk[] = {0xc1, 0x00, 0xff};
        struct buf cut = BUF_INIT, empty = BUF_INIT, zero = BUF_INIT;
        struct batch *b = xcalloc(1, sizeof(*b));
        struct ingest_stats st;

        buf_add(&cut, a->b[0].data, a->b[0].len - 1);
        buf_add(&zero, junk, sizeof(junk));
        batch_add(b, &cut, ERR_MALFORMED);
        batch_add(b, &empty, ERR_MALFORMED);
        batch_add(b, &a->b[0], 0);
        batch_add(b, &zero, ERR_MALFORMED);
        assert_int_equal(ingest(&fx->r[0], b, &st), 0);
        /* Only the kind of refusal is pinned down here: any error will do
         * for undecodable bytes, but the valid entry must get through. */
        for (size_t i = 0; i < b->n; i++)
                if ((b->got[i] == 0) != (b->want[i] == 0))
                        fail_msg("result %zu: got %d (%s), want %s", i,
                                 b->got[i], err_id(b->got[i]),
                                 b->want[i] ? "an error" : "ok");
        assert_int_equal(st.stored, 1);
        assert_int_equal(st.refused, 3);
        assert_int_not_equal(st.first_error, 0);
        assert_int_equal(st.first_error, b->got[0]);
        expect_stats(fx->s[0], 1, 1, 0);
        buf_release(&cut);
        buf_release(&empty);
        buf_release(&zero);
        free(b);
        chain_free(a);
}

static void
ingest_batch_limit(void **state)
{
        struct fx *fx = *state;
        struct chain *a = chain_new(16, NEIGHBOUR, "tree:" KEC, 1);
        struct batch *b = xcalloc(1, sizeof(*b));
        struct ingest_stats st;

        for (size_t i = 0; i < REPLICA_BATCH_MAX + 1; i++)
                batch_add(b, &a->b[0], 0);
        assert_int_equal(
            replica_ingest(&fx->r[0], b->s, b->n, "test", b->got, &st),
            ERR_USAGE);
        expect_stats(fx->s[0], 0, 0, 0);
        /* Exactly the maximum is one batch: one stored, the rest had. */
        b->n = REPLICA_BATCH_MAX;
        assert_int_equal(ingest(&fx->r[0], b, &st), 0);
        expect_results(b->got, b->want, b->n);
        expect_ingest_stats(&st, 1, REPLICA_BATCH_MAX - 1, 0, 0);
        expect_stats(fx->s[0], 1, 1, 0);
        free(b);
        chain_free(a);
}

/*
 * 500 entries: five entitled chains of 96, interleaved; before every tenth
 * round a copy with a flipped signature; every tenth round an entry of a
 * feed the node is not entitled to.
 */
struct big {
        struct chain *c[5];
        struct chain *n;
        struct buf bad[10];
        struct batch *batch;
};

static struct big *
big_new(void)
{
        struct big *g = xcalloc(1, sizeof(*g));
        struct batch *b = xcalloc(1, sizeof(*b));
        size_t bad = 0, ne = 0;

        for (size_t k = 0; k < 5; k++)
                g->c[k] =
                    chain_new((uint8_t)(21 + k), NEIGHBOUR, "tree:" KEC, 96);
        g->n = chain_new(26, NEIGHBOUR, "tree:" NEIGHBOUR, 10);
        for (size_t j = 0; j < 96; j++) {
                for (size_t k = 0; k < 5; k++) {
                        if (j % 10 == 3 && k == j % 5) {
                                flip_sig(&g->c[k]->b[j], &g->bad[bad]);
                                batch_add(b, &g->bad[bad++], ERR_SIGNATURE);
                        }
                        batch_add(b, &g->c[k]->b[j], 0);
                }
                if (j % 10 == 5)
                        batch_add(b, &g->n->b[ne++], ERR_NOT_ENTITLED);
        }
        assert_int_equal(b->n, BIG_BATCH);
        assert_int_equal(bad, 10);
        assert_int_equal(ne, 10);
        g->batch = b;
        return g;
}

static void
big_free(struct big *g)
{
        for (size_t k = 0; k < 5; k++)
                chain_free(g->c[k]);
        chain_free(g->n);
        for (size_t i = 0; i < 10; i++)
                buf_release(&g->bad[i]);
        free(g->batch);
        free(g);
}

static void
expect_big_store(struct store *s, struct replica *r, const struct big *g)
{
        expect_stats(s, 5, 480, 0);
        for (size_t k = 0; k < 5; k++)
                expect_feed(s, g->c[k]->e[0].feed, 96, g->c[k]->e[95].id, 0);
        expect_verify(r, 5, 480);
}

static void
ingest_threads_agree(void **state)
{
        struct fx *fx = *state;
        static const unsigned threads[] = {1, 4, 3, 8, 0};
        struct big *g = big_new();
        struct batch *b = g->batch;
        int base[BIG_BATCH];
        struct ingest_stats st, st1;

        for (size_t i = 0; i < ARRAY_LEN(threads); i++) {
                char name[16];
                struct store *s;
                struct replica r;

                snprintf(name, sizeof(name), "t%zu", i);
                assert_int_equal(open_store(fx->tmp, name, &s), 0);
                replica_init(&r, s, NULL);
                r.threads = threads[i];
                assert_int_equal(ingest(&r, b, &st), 0);
                expect_results(b->got, b->want, b->n);
                if (i == 0) {
                        memcpy(base, b->got, sizeof(base));
                        st1 = st;
                        expect_ingest_stats(&st, 480, 0, 20, ERR_SIGNATURE);
                }
                expect_results(b->got, base, b->n);
                expect_same_ingest_stats(&st, &st1);
                expect_big_store(s, &r, g);
                store_close(s);
        }
        big_free(g);
}

/* replica_check on another thread, as a caller overlapping batches would. */
struct check_job {
        const struct replica *r;
        const struct batch *b;
        struct entry *es;
        int *res;
};

static void *
check_job_run(void *arg)
{
        struct check_job *j = arg;

        replica_check(j->r, j->b->s, j->b->n, j->es, j->res);
        return NULL;
}

static void
check_then_commit_equals_ingest(void **state)
{
        struct fx *fx = *state;
        struct mixed *m = mixed_new();
        struct big *g = big_new();
        struct batch *bs[2] = {m->batch, g->batch};
        int res[BIG_BATCH];

        hold_a1(&fx->r[0], m);
        hold_a1(&fx->r[1], m);
        for (size_t i = 0; i < 2; i++) {
                struct batch *b = bs[i];
                struct entry *es = xcalloc(b->n, sizeof(*es));
                struct check_job job = {&fx->r[1], b, es, res};
                struct ingest_stats st0, st1;
                pthread_t tid;

                fx->r[1].threads = 4;
                assert_int_equal(ingest(&fx->r[0], b, &st0), 0);
                expect_results(b->got, b->want, b->n);
                for (size_t k = 0; k < b->n; k++)
                        res[k] = 12345;
                assert_int_equal(
                    pthread_create(&tid, NULL, check_job_run, &job), 0);
                assert_int_equal(pthread_join(tid, NULL), 0);
                memset(&st1, 0x5a, sizeof(st1));
                assert_int_equal(replica_commit(&fx->r[1], b->s, es, res, b->n,
                                                "test", &st1),
                                 0);
                expect_results(res, b->got, b->n);
                expect_same_ingest_stats(&st1, &st0);
                free(es);
        }
        expect_stats(fx->s[0], 8, 487, 1);
        expect_stats(fx->s[1], 8, 487, 1);
        expect_verify(&fx->r[0], 8, 487);
        expect_verify(&fx->r[1], 8, 487);
        big_free(g);
        mixed_free(m);
}

/* ---- verifying ----------------------------------------------------------- */

static void
verify_counts_exactly(void **state)
{
        struct fx *fx = *state;
        struct chain *a = chain_new(17, NEIGHBOUR, "tree:" KEC, 40);
        struct chain *b = chain_new(18, "36.04.12", "tree:" DESA, 2);
        struct buf body = BUF_INIT;
        struct batch *bt = xcalloc(1, sizeof(*bt));
        struct ingest_stats st;
        struct post p[3];

        expect_verify(&fx->r[0], 0, 0);
        body_make("v", 1, &body);
        p[0] = post_make("tree:" KEC, KIND_INFORMASI, &body, 0);
        p[1] = post_make("tree:" KEC, KIND_INFORMASI, &body, 0);
        p[2] = post_make("tree:" DESA, KIND_LAMPIRAN, &body, 0);
        assert_int_equal(replica_post(&fx->r[0], p, 3, NULL), 0);
        expect_verify(&fx->r[0], 2, 3);
        for (size_t i = 0; i < a->n; i++)
                batch_add(bt, &a->b[i], 0);
        for (size_t i = 0; i < b->n; i++)
                batch_add(bt, &b->b[i], 0);
        assert_int_equal(ingest(&fx->r[0], bt, &st), 0);
        expect_results(bt->got, bt->want, bt->n);
        expect_ingest_stats(&st, 42, 0, 0, 0);
        expect_verify(&fx->r[0], 4, 45);
        /* A read-only replica (no key) verifies too. */
        {
                struct replica ro = fx->r[0];

                ro.key = NULL;
                expect_verify(&ro, 4, 45);
        }
        free(bt);
        buf_release(&body);
        chain_free(a);
        chain_free(b);
}

#define CASE(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int
main(void)
{
        const struct CMUnitTest tests[] = {
            CASE(post_chains_across_calls_and_feeds),
            CASE(post_refusals_store_nothing),
            CASE(post_to_frozen_feed),
            CASE(post_body_at_its_place),
            CASE(ingest_mixed_batch),
            CASE(ingest_twice_is_idempotent),
            CASE(ingest_without_results_or_stats),
            CASE(ingest_garbage_bytes),
            CASE(ingest_batch_limit),
            CASE(ingest_threads_agree),
            CASE(check_then_commit_equals_ingest),
            CASE(verify_counts_exactly),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
