/*
 * test_sync: the sync protocol (proto/SYNC.md) between two sessions over
 * real LMDB stores in a mkdtemp directory, without sockets. The test plays
 * the daemon: it carries handshake payloads and frames from one side to
 * the other and does the store work a session hands over (batches, the
 * peer's record, fork proofs, bodies, certificates) at once, on this
 * thread. Each case compares the frames both sides sent with a golden
 * transcript: one line per frame, "C>" from the child (a kecamatan), "P>"
 * from the parent (its kabupaten), its messages by type and key fields; a
 * handshake payload reads "hs". Scripted frames (a peer breaking a rule)
 * are written with src/wire's encoders.
 */
#include "testlib.h"

#include "../../src/sync/sync.h"

#define KAB "36.04"
#define KEC "36.04.12"
#define NEIGHBOUR "36.04.12.2001" /* the authors' desa */
#define CHAIN_MAX 8U
#define ROUNDS_MAX 64

/* ---- entries: an author's chain, forks of it ---------------------------- */

struct chain {
        struct key *k;
        struct audience aud;
        size_t n;
        struct buf b[CHAIN_MAX]; /* envelope of seq i + 1 */
        struct entry e[CHAIN_MAX];
};

static void
body_make(const char *tag, uint64_t seq, struct buf *out)
{
        char text[64];
        struct body_field f[] = {{"title", "Kabar", 0}, {"text", text, 0}};

        snprintf(text, sizeof(text), "kabar %s %llu", tag,
                 (unsigned long long)seq);
        buf_reset(out);
        wire_body_build(f, ARRAY_LEN(f), out);
}

/* Appends seq n + 1 to c, signed by its author; tag tells histories
 * apart. */
static void chain_add_body(struct chain *c, const char *tag,
                           const struct buf *given);

static void
chain_add(struct chain *c, const char *tag)
{
        chain_add_body(c, tag, NULL);
}

/* chain_add with a body of the caller's (given), or the tag's. */
static void
chain_add_body(struct chain *c, const char *tag, const struct buf *given)
{
        struct buf body = BUF_INIT;
        struct entry_header h;
        size_t i = c->n;

        assert_true(i < CHAIN_MAX);
        memset(&h, 0, sizeof(h));
        strcpy(h.author_region, NEIGHBOUR);
        h.audience = c->aud;
        h.seq = i + 1;
        h.has_prev = i > 0;
        if (i)
                memcpy(h.prev, c->e[i - 1].id, ENTRY_HASH_BYTES);
        h.timestamp_ms = 1700000000000ULL + i;
        h.kind = KIND_INFORMASI;
        if (given)
                buf_add(&body, given->data, given->len);
        else
                body_make(tag, i + 1, &body);
        assert_int_equal(entry_create(c->k, &h, buf_slice(&body), &c->b[i]), 0);
        assert_int_equal(entry_open(buf_slice(&c->b[i]), &c->e[i]), 0);
        c->n++;
        buf_release(&body);
}

/* n entries of an author of NEIGHBOUR (key seed `seed`) for aud. */
static struct chain *
chain_new(uint8_t seed, const char *aud, size_t n, const char *tag)
{
        struct chain *c = xcalloc(1, sizeof(*c));
        uint8_t s[KEY_SEED_BYTES];

        memset(s, seed, sizeof(s));
        c->k = key_from_seed(s);
        assert_int_equal(audience_parse(&c->aud, aud), 0);
        while (c->n < n)
                chain_add(c, tag);
        return c;
}

/* Another history of a's author (its key borrowed: chain_release), the
 * same as a up to seq `same`. */
static struct chain *
chain_fork(const struct chain *a, size_t same, size_t n, const char *tag)
{
        struct chain *c = xcalloc(1, sizeof(*c));

        c->k = a->k;
        c->aud = a->aud;
        for (; c->n < same; c->n++) {
                struct buf *b = &c->b[c->n];
                buf_add(b, a->b[c->n].data, a->b[c->n].len);
                assert_int_equal(entry_open(buf_slice(b), &c->e[c->n]), 0);
        }
        while (c->n < n)
                chain_add(c, tag);
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
        key_free(c->k);
        chain_release(c);
}

/* ---- one side of the link: a node's store and its session -------------- */

struct side {
        char name; /* 'C' (the kecamatan, dials) or 'P' (its kabupaten) */
        char dir[128];
        const char *region;
        struct key *key; /* the node's */
        struct store *st;
        struct replica r;
        char cert[32]; /* stands for its certificate: sessions do not look */
        struct sync_config cfg;
        struct sync_session *s;
        bool knows_peer;      /* holds the peer's certificate (its hash) */
        int cert_answer;      /* the caller's verdict on a CERT: 0 or refusal */
        int blob_commits;     /* replica_blob_put calls: one a BLOB op */
        bool hold_writes;     /* the peer's record stays with the "caller" */
        uint64_t time_ms;     /* what it answers a TIME_REQUEST with */
        size_t batch_max;     /* its sync_config's */
        size_t batch_largest; /* entries of the largest batch it took */
        /* Between a batch's commit and sync_batch_done, the store changed
         * and the session pumps (the daemon's loop may, meanwhile). */
        bool pump_before_done;
        bool closed;
        int err; /* what closed it */
        char why[40];
        struct side *peer;
};

struct fx {
        char tmp[TEST_DIR_MAX];
        size_t part_items; /* of the next sessions' HELLOs (0: default) */
        struct side c, p;
        struct buf tr; /* the transcript */
};

static struct fx *the_fx; /* for the log lines of carry() */

static void
side_open(struct fx *fx, struct side *x, const char *sub)
{
        snprintf(x->dir, sizeof(x->dir), "%s/%s", fx->tmp, sub);
        assert_int_equal(store_open(&x->st, x->dir, NULL), 0);
        memset(&x->r, 0, sizeof(x->r));
        x->r.store = x->st;
        x->r.key = x->key;
        strcpy(x->r.region, x->region);
}

/* A new session on each side, as after a new TCP connection. */
static uint64_t
side_time(void *arg)
{
        return ((struct side *)arg)->time_ms;
}

static void
sessions_new(struct fx *fx)
{
        struct side *xs[2] = {&fx->c, &fx->p};

        for (int i = 0; i < 2; i++) {
                struct side *x = xs[i];
                uint8_t h[ENTRY_HASH_BYTES];

                sync_session_free(x->s);
                hash_bytes(h, slice_make(x->cert, sizeof(x->cert)));
                x->cfg =
                    (struct sync_config){&x->r,
                                         slice_make(x->cert, sizeof(x->cert)),
                                         slice_make(NULL, 0),
                                         {0},
                                         4096,
                                         side_time,
                                         x,
                                         16777216,
                                         SYNC_FETCH_ALL,
                                         0,
                                         x->batch_max,
                                         fx->part_items};
                memcpy(x->cfg.cert_hash, h, SYNC_CERT_HASH_BYTES);
                x->s = sync_session_new(&x->cfg);
                x->closed = false;
                x->err = 0;
                x->why[0] = 0;
        }
        buf_reset(&fx->tr);
}

static void
side_init(struct side *x, char name, const char *region, uint8_t seed)
{
        uint8_t s[KEY_SEED_BYTES];

        memset(s, seed, sizeof(s));
        x->name = name;
        x->region = region;
        x->key = key_from_seed(s);
        snprintf(x->cert, sizeof(x->cert), "certificate of %c", name);
        x->knows_peer = true;
}

static int
setup(void **state)
{
        struct fx *fx = xcalloc(1, sizeof(*fx));

        if (test_dir_make(fx->tmp, "sync") || entry_lib_init())
                return -1;
        log_set_level(LOG_ERROR); /* refusals are the point here */
        side_init(&fx->c, 'C', KEC, 1);
        side_init(&fx->p, 'P', KAB, 2);
        fx->c.peer = &fx->p;
        fx->p.peer = &fx->c;
        side_open(fx, &fx->c, "c");
        side_open(fx, &fx->p, "p");
        sessions_new(fx);
        the_fx = fx;
        *state = fx;
        return 0;
}

static int
teardown(void **state)
{
        struct fx *fx = *state;
        struct side *xs[2] = {&fx->c, &fx->p};

        for (int i = 0; i < 2; i++) {
                sync_session_free(xs[i]->s);
                store_close(xs[i]->st);
                key_free(xs[i]->key);
        }
        buf_release(&fx->tr);
        test_rm_tree(fx->tmp);
        free(fx);
        log_set_level(LOG_INFO);
        return 0;
}

/* Entries [from, to) of c into a side's store, as a bundle import
 * would; each must get result `want`. */
static void
give(struct side *x, struct chain *c, size_t from, size_t to, int want)
{
        struct slice in[CHAIN_MAX];
        int res[CHAIN_MAX];
        struct ingest_stats st;

        for (size_t i = from; i < to; i++)
                in[i - from] = buf_slice(&c->b[i]);
        assert_int_equal(replica_ingest(&x->r, in, to - from, "test", res, &st),
                         0);
        for (size_t i = 0; i < to - from; i++)
                if (res[i] != want)
                        fail_msg("entry %zu: %s, want %s", from + i,
                                 err_id(res[i]), want ? err_id(want) : "ok");
}

/* ---- the transcript: what each frame holds ------------------------------ */

static void
describe(struct buf *out, const struct sync_msg *m)
{
        static const char *const names[] = {
            "?",          "HELLO",        "HELLO_OK",
            "NEED_FULL",  "CERT_REQUEST", "CERT",
            "FEED",       "ENTRIES",      "ACK",
            "HEAD",       "SYNCED",       "PING",
            "PONG",       "ERROR",        "FORK_PROOF",
            "BODY_WANT",  "BODY",         "TIME_REQUEST",
            "TIME",       "BLOB_WANT",    "BLOB_LIST",
            "BLOB_CHUNK", "BLOB_NONE",    "BLOB_HAVE",
            "HELD",       "HELLO_PART",   "HELLO_PART_OK"};

        _Static_assert(sizeof(names) / sizeof(names[0]) == SYNC_TYPE_LAST + 1,
                       "a name for every message type");
        buf_adds(out, names[m->type]);
        switch (m->type) {
        case SYNC_HELLO:
                buf_addf(out, " v=%llu base=%llu delta=%zu",
                         (unsigned long long)m->version,
                         (unsigned long long)m->base, m->delta_n);
                break;
        case SYNC_HELLO_PART:
                buf_addf(out, " delta=%zu", m->delta_n);
                break;
        case SYNC_HELLO_OK:
                buf_addf(out, " v=%llu", (unsigned long long)m->version);
                break;
        case SYNC_FEED:
                buf_addf(out, " %u", m->index);
                break;
        case SYNC_ENTRIES:
                buf_addf(out, " %u seq=%llu n=%zu%s", m->index,
                         (unsigned long long)m->seq, m->entries_n,
                         m->has_prev ? " prev" : "");
                break;
        case SYNC_ACK:
                buf_addf(out, " %llu", (unsigned long long)m->frames);
                break;
        case SYNC_HEAD:
                buf_addf(out, " %u seq=%llu%s", m->index,
                         (unsigned long long)m->seq,
                         m->flags & SYNC_HEAD_FROZEN ? " frozen" : "");
                break;
        case SYNC_ERROR:
                buf_addf(out, " %s", m->error_id);
                break;
        case SYNC_FORK_PROOF: {
                struct entry a;
                assert_int_equal(entry_parse(m->fork_a, &a), 0);
                buf_addf(out, " seq=%llu", (unsigned long long)a.h.seq);
                break;
        }
        case SYNC_BODY_WANT:
                buf_addf(out, " n=%zu", m->wants_n);
                break;
        case SYNC_BODY:
                buf_addf(out, " seq=%llu%s", (unsigned long long)m->seq,
                         m->has_body ? "" : " nil");
                break;
        case SYNC_BLOB_WANT:
                buf_addf(out, " %u+%u", m->blob_first, m->blob_count);
                break;
        case SYNC_BLOB_LIST:
                buf_addf(out, " n=%zu", m->blob_data.len / 32);
                break;
        case SYNC_BLOB_CHUNK:
                buf_addf(out, " %u", m->blob_first);
                break;
        case SYNC_BLOB_NONE:
                buf_addf(out, " %s", m->error_id);
                break;
        default:
                break;
        }
}

/* One line: "C> HELLO v=1 base=0 delta=1 | SYNCED". */
static void
log_frame(struct fx *fx, char from, const char *what, struct slice frame)
{
        struct sync_decoder dec;
        struct sync_msg m;
        int rc, n = 0;

        buf_addf(&fx->tr, "%c>%s", from, what);
        sync_decoder_init(&dec);
        sync_decoder_frame(&dec, frame);
        while ((rc = sync_decoder_next(&dec, &m)) == 1) {
                buf_adds(&fx->tr, n++ ? " | " : " ");
                describe(&fx->tr, &m);
        }
        assert_int_equal(rc, 0);
        sync_decoder_release(&dec);
        buf_adds(&fx->tr, "\n");
}

static void
expect_transcript(struct fx *fx, const char *want)
{
        buf_addc(&fx->tr, 0);
        if (strcmp((const char *)fx->tr.data, want))
                fail_msg("transcript:\n%s\nwant:\n%s", (char *)fx->tr.data,
                         want);
        fx->tr.len--;
}

/* ---- the daemon's part --------------------------------------------------- */

/* The link closes after an error: ERROR id to the peer first, as the
 * daemon's conn_fail does (never after the peer's own ERROR). *whyp is
 * read here, after the call that set it. */
static void
side_fail(struct side *x, int err, const char *const *whyp)
{
        const char *why = whyp ? *whyp : NULL;

        if (!err || x->closed)
                return;
        x->closed = true;
        x->err = err;
        snprintf(x->why, sizeof(x->why), "%s", why ? why : err_id(err));
        if (why && err != ERR_PEER_ERROR)
                sync_send_error(x->s, why);
}

/* After each event, as the daemon: pushes, then the frame ends. */
static void
after(struct side *x)
{
        bool pushed = true;
        int err;

        while (!x->closed && pushed) {
                err = sync_pump(x->s, &pushed);
                side_fail(x, err, NULL);
        }
        sync_flush(x->s);
}

static int
apply_writes(void *ctx, struct store_txn *t)
{
        return ctx ? sync_writes_apply(ctx, t) : 0;
}

/* The peer's record alone, in a transaction of its own. */
static bool
do_writes(struct side *x)
{
        struct sync_writes *w;
        struct store_txn *t;
        const char *why = NULL;
        int err;

        if (x->hold_writes || !(w = sync_take_writes(x->s)))
                return false;
        assert_int_equal(store_begin(x->st, true, &t), 0);
        assert_int_equal(sync_writes_apply(w, t), 0);
        err = store_commit(t);
        side_fail(x, sync_writes_done(x->s, w, err, &why), &why);
        after(x);
        return true;
}

/* A received batch, checked and committed with the peer's record. */
static bool
do_batch(struct side *x)
{
        struct sync_batch *b = sync_take_batch(x->s, true);
        struct sync_writes *w;
        struct replica_also also = {apply_writes, NULL};
        const char *why = NULL;
        int err;

        if (!b)
                return false;
        if (b->n > x->batch_largest)
                x->batch_largest = b->n;
        w = x->hold_writes ? NULL : sync_take_writes(x->s);
        also.ctx = w;
        /* As the daemon does: in parts, with the ids the session computed
         * as it rebuilt each envelope (the hash of its header). */
        assert_true(b->n <= SYNC_BATCH_ENTRIES);
        for (size_t i = 0; i < b->n; i++) {
                struct entry e;
                assert_int_equal(entry_parse(b->entries[i], &e), 0);
                assert_memory_equal(b->ids + i * ENTRY_HASH_BYTES, e.id,
                                    ENTRY_HASH_BYTES);
        }
        replica_check_part(&x->r, b->entries, b->ids, b->n / 2, b->es,
                           b->results);
        replica_check_part(
            &x->r, b->entries + b->n / 2, b->ids + b->n / 2 * ENTRY_HASH_BYTES,
            b->n - b->n / 2, b->es + b->n / 2, b->results + b->n / 2);
        err = b->err =
            replica_commit_from(&x->r, x->peer->key->pk, b->entries, b->es,
                                b->results, b->n, "test", &also, &b->stats);
        if (x->pump_before_done) {
                sync_changed(x->s);
                after(x);
        }
        side_fail(x, sync_batch_done(x->s, b, &why), &why); /* frees b */
        if (w)
                side_fail(x, sync_writes_done(x->s, w, err, &why), &why);
        sync_changed(x->s); /* as every commit tells every session */
        after(x);
        return true;
}

static bool
do_op(struct side *x)
{
        struct sync_op *op = sync_take_op(x->s);
        struct ingest_stats st;
        const char *why = NULL;

        if (!op)
                return false;
        if (op->kind == SYNC_OP_PROOF)
                op->err = replica_ingest(&x->r, op->entries, 2, op->source,
                                         op->results, &st);
        else if (op->kind == SYNC_OP_BLOB && ++x->blob_commits)
                op->err =
                    replica_blob_put(&x->r, op->root, op->blob_size, op->index,
                                     op->count, op->body, &op->whole);
        else
                op->err = replica_fill_body(&x->r, op->feed, op->seq, op->body,
                                            op->source, &op->filled);
        side_fail(x, sync_op_done(x->s, op, &why), &why);
        sync_changed(x->s);
        after(x);
        return true;
}

static bool
do_cert(struct side *x)
{
        struct slice cert, issuer;
        const char *why = NULL;

        if (!sync_take_cert(x->s, &cert, &issuer))
                return false;
        assert_int_equal(cert.len, sizeof(x->peer->cert));
        assert_memory_equal(cert.ptr, x->peer->cert, cert.len);
        assert_int_equal(issuer.len, 0);
        side_fail(x,
                  sync_cert_done(x->s, x->cert_answer, x->peer->region, &why),
                  &why);
        after(x);
        return true;
}

/* Store work done, one piece at a time, each an event of its own. */
static void
work(struct side *x)
{
        while (!x->closed &&
               (do_cert(x) || do_op(x) || do_batch(x) || do_writes(x)))
                ;
}

static void
receive(struct side *x, struct slice frame)
{
        const char *why = NULL;

        if (x->closed)
                return;
        side_fail(x, sync_receive(x->s, frame, &why), &why);
        after(x);
}

/* Carries every frame `from` has to `to`; their number. */
static size_t
carry(struct side *from, struct side *to)
{
        struct slice f;
        size_t n = 0;

        if (!from->closed)
                work(from);
        while (sync_next_frame(from->s, &f)) {
                log_frame(the_fx, from->name, "", f);
                receive(to, f);
                n++;
        }
        return n;
}

/* Both ways until nothing moves. */
static void
exchange(struct fx *fx)
{
        for (int i = 0; i < ROUNDS_MAX; i++) {
                size_t moved = carry(&fx->c, &fx->p);
                moved += carry(&fx->p, &fx->c);
                if (!moved)
                        return;
        }
        fail_msg("still talking after %d rounds", ROUNDS_MAX);
}

static void
hs_payload(struct side *x, struct buf *out)
{
        struct slice hello;
        uint8_t hash[SYNC_CERT_HASH_BYTES];

        buf_reset(out);
        assert_int_equal(sync_hs_payload(x->s, out), 0);
        assert_int_equal(
            wire_sync_hs_payload_decode(buf_slice(out), hash, &hello), 0);
        assert_memory_equal(hash, x->cfg.cert_hash, SYNC_CERT_HASH_BYTES);
        log_frame(the_fx, x->name, " hs", hello);
}

static void
hs_peer(struct side *x, struct slice payload)
{
        uint8_t hash[SYNC_CERT_HASH_BYTES];

        assert_int_equal(sync_hs_peer(x->s, x->peer->key->pk, payload, hash),
                         0);
        assert_memory_equal(hash, x->peer->cfg.cert_hash, SYNC_CERT_HASH_BYTES);
        if (x->knows_peer)
                sync_hs_valid(x->s, x->peer->region);
}

/* The Noise handshake's payloads (the child dials), then both open. */
static void
handshake(struct fx *fx)
{
        struct buf p = BUF_INIT;
        const char *why = NULL;

        hs_payload(&fx->p, &p); /* message 2 */
        hs_peer(&fx->c, buf_slice(&p));
        hs_payload(&fx->c, &p); /* message 3 */
        hs_peer(&fx->p, buf_slice(&p));
        side_fail(&fx->c, sync_open(fx->c.s, &why), &why);
        after(&fx->c);
        side_fail(&fx->p, sync_open(fx->p.s, &why), &why);
        after(&fx->p);
        buf_release(&p);
}

static void
link_up(struct fx *fx)
{
        sessions_new(fx);
        handshake(fx);
        exchange(fx);
}

/* ---- what the stores hold ----------------------------------------------- */

static uint64_t
head_of(struct side *x, const uint8_t feed[ENTRY_HASH_BYTES], uint32_t *flags)
{
        struct store_txn *t;
        struct feed_info f;
        int err;

        assert_int_equal(store_begin(x->st, false, &t), 0);
        err = store_feed_get(t, feed, &f);
        store_abort(t);
        if (err == ERR_NOT_FOUND)
                return 0;
        assert_int_equal(err, 0);
        if (flags)
                *flags = f.flags;
        return f.head_seq;
}

/* What x's store says its peer holds of feed. */
static uint64_t
known_of(struct side *x, const uint8_t feed[ENTRY_HASH_BYTES])
{
        struct store_txn *t;
        uint64_t seq;

        assert_int_equal(store_begin(x->st, false, &t), 0);
        assert_int_equal(store_peer_known(t, x->peer->key->pk, feed, &seq), 0);
        store_abort(t);
        return seq;
}

static void
record_of(struct side *x, struct peer_info *p)
{
        struct store_txn *t;

        assert_int_equal(store_begin(x->st, false, &t), 0);
        assert_int_equal(store_peer_get(t, x->peer->key->pk, p), 0);
        store_abort(t);
}

static void
expect_closed(struct side *x, const char *why)
{
        if (!x->closed)
                fail_msg("%c: open, want closed with %s", x->name, why);
        if (strcmp(x->why, why))
                fail_msg("%c: closed with %s, want %s", x->name, x->why, why);
}

/* What x keeps of HELD: nodes of region hold feed up to (0: nothing). */
static uint64_t
held_of(struct side *x, const uint8_t feed[ENTRY_HASH_BYTES],
        const char *region)
{
        uint8_t key[ENTRY_HASH_BYTES + REGION_BUF];
        struct buf v = BUF_INIT;
        struct store_txn *t;
        uint64_t seq = 0;
        int err;

        memcpy(key, feed, ENTRY_HASH_BYTES);
        memcpy(key + ENTRY_HASH_BYTES, region, strlen(region));
        assert_int_equal(store_begin(x->st, false, &t), 0);
        err = store_index_get(
            t, SYNC_HELD_TABLE,
            slice_make(key, ENTRY_HASH_BYTES + strlen(region)), &v);
        store_abort(t);
        if (err != ERR_NOT_FOUND) {
                assert_int_equal(err, 0);
                assert_int_equal(v.len, 8);
                seq = be64_get(v.data);
        }
        buf_release(&v);
        return seq;
}

/* x's record of a node of region "36" above it, holding feed up to seq. */
static void
above_holds(struct side *x, const uint8_t feed[ENTRY_HASH_BYTES], uint64_t seq)
{
        struct peer_info up;
        struct store_txn *t;

        memset(&up, 0, sizeof(up));
        memset(up.key, 0x36, ENTRY_KEY_BYTES);
        strcpy(up.region, "36");
        assert_int_equal(store_begin(x->st, true, &t), 0);
        assert_int_equal(store_peer_put(t, &up), 0);
        assert_int_equal(store_peer_known_put(t, up.key, feed, seq), 0);
        assert_int_equal(store_commit(t), 0);
}

/* ---- HELD (SYNC.md §5.4) ----------------------------------------------------
 */

/*
 * The parent passes on what a node above it acknowledged of the child's
 * own feeds, at the session's start and when it changes; nothing of other
 * feeds. A HELD naming a region not above the sender is PROTO-VIOLATION.
 */
static void
held(void **state)
{
        struct fx *fx = *state;
        struct chain *own = chain_new(1, "tree:" KEC, 2, "own"); /* C's key */
        struct chain *other = chain_new(11, "tree:" KEC, 1, "o");
        struct sync_vec_item h;
        struct buf b = BUF_INIT;
        struct slice f;

        give(&fx->c, own, 0, 2, 0);
        give(&fx->p, own, 0, 2, 0);
        give(&fx->p, other, 0, 1, 0);
        give(&fx->c, other, 0, 1, 0);
        above_holds(&fx->p, own->e[0].feed, 1);
        above_holds(&fx->p, other->e[0].feed, 1);
        link_up(fx);
        assert_int_equal(held_of(&fx->c, own->e[0].feed, "36"), 1);
        assert_int_equal(held_of(&fx->c, other->e[0].feed, "36"), 0);
        assert_int_equal(held_of(&fx->p, own->e[0].feed, "36"), 0);

        above_holds(&fx->p, own->e[0].feed, 2); /* its ACK, say */
        sync_held_changed(fx->p.s);
        after(&fx->p);
        exchange(fx);
        assert_int_equal(held_of(&fx->c, own->e[0].feed, "36"), 2);

        fx->p.closed = true; /* P scripted from here */
        while (sync_next_frame(fx->p.s, &f))
                ;
        carry(&fx->c, &fx->p);
        memset(&h, 0, sizeof(h));
        memcpy(h.feed, own->e[0].feed, ENTRY_HASH_BYTES);
        h.seq = 2;
        wire_sync_held(&b, KAB, &h, 1); /* the sender's own region */
        receive(&fx->c, buf_slice(&b));
        expect_closed(&fx->c, "PROTO-VIOLATION");
        buf_release(&b);
        chain_free(own);
        chain_free(other);
}

/* ---- HELLO, HELLO_OK, NEED_FULL (SYNC.md §4) ----------------------------- */

/*
 * The parent holds a feed of three entries for the kecamatan: the child
 * gets it in one session, and both stores record what the other holds.
 */
/* ---- TIME_REQUEST, TIME (SYNC.md §6.1) ---------------------------------- */

/* A child asks its parent's time once; the parent answers at once with
 * what its caller says; a second answer is not taken. */
static void
time_from_parent(void **state)
{
        struct fx *fx = *state;
        uint64_t ms = 0;

        fx->p.time_ms = 1765000000000ULL;
        link_up(fx);
        assert_false(sync_take_time(fx->c.s, &ms));
        buf_reset(&fx->tr);
        sync_time_ask(fx->c.s);
        sync_time_ask(fx->c.s); /* once per link */
        exchange(fx);
        assert_false(fx->c.closed || fx->p.closed);
        assert_true(sync_take_time(fx->c.s, &ms));
        assert_int_equal(ms, 1765000000000ULL);
        assert_false(sync_take_time(fx->c.s, &ms));
        expect_transcript(fx, "C> TIME_REQUEST\n"
                              "P> TIME\n");
}

/* A parent never takes a time from below: its TIME_REQUEST to a child
 * is PROTO-VIOLATION; so is a TIME nobody asked for. */
static void
time_violations(void **state)
{
        struct fx *fx = *state;
        struct buf b = BUF_INIT;

        fx->c.time_ms = 1765000000000ULL;
        link_up(fx);
        sync_time_ask(fx->p.s);
        exchange(fx);
        expect_closed(&fx->c, "PROTO-VIOLATION");

        link_up(fx);
        wire_sync_uint(&b, SYNC_TIME, 1765000000000ULL);
        receive(&fx->c, buf_slice(&b));
        expect_closed(&fx->c, "PROTO-VIOLATION");
        buf_release(&b);
}

static void
first_sync(void **state)
{
        struct fx *fx = *state;
        struct chain *a = chain_new(11, "tree:" KEC, 3, "a");
        struct peer_info rec;
        uint32_t flags = 0;

        give(&fx->p, a, 0, 3, 0);
        link_up(fx);
        expect_transcript(fx, "P> hs\n"
                              "C> hs HELLO v=1 base=0 delta=0\n"
                              "P> HELLO v=2 base=0 delta=1 | HELLO_OK v=1 | "
                              "FEED 0 | ENTRIES 0 seq=1 n=3 | SYNCED\n"
                              "C> HELLO_OK v=2 | SYNCED\n"
                              "C> ACK 1\n");
        assert_int_equal(head_of(&fx->c, a->e[0].feed, &flags), 3);
        assert_int_equal(flags, 0);
        /* Recorded: the sender in the batch's commit, the ACK after. */
        assert_int_equal(known_of(&fx->c, a->e[0].feed), 3);
        assert_int_equal(known_of(&fx->p, a->e[0].feed), 3);
        /* acked: the peer's HELLO_OK of this side's HELLO. */
        record_of(&fx->p, &rec);
        assert_true(rec.has_instance);
        assert_int_equal(rec.acked, 2);
        record_of(&fx->c, &rec);
        assert_true(rec.has_instance);
        assert_int_equal(rec.acked, 1);
        assert_true(sync_stats(fx->c.s)->caught_up);
        assert_true(sync_stats(fx->p.s)->caught_up);
        assert_int_equal(sync_stats(fx->c.s)->entries_in, 3);
        chain_free(a);
}

/*
 * A village node takes its entries in small batches (sync_config's
 * batch_max): five feeds of three entries, five ENTRIES messages, come in
 * batches of at most four entries; a message is never split.
 */
static void
batch_max(void **state)
{
        struct fx *fx = *state;
        struct chain *a[5];

        for (size_t i = 0; i < 5; i++) {
                a[i] = chain_new((uint8_t)(20 + i), "tree:" KEC, 3, "b");
                give(&fx->p, a[i], 0, 3, 0);
        }
        fx->c.batch_max = 4;
        link_up(fx);
        for (size_t i = 0; i < 5; i++) {
                assert_int_equal(head_of(&fx->c, a[i]->e[0].feed, NULL), 3);
                chain_free(a[i]);
        }
        /* Without the cap, the frame's 15 entries are one batch. */
        assert_int_equal(fx->c.batch_largest, 3);
}

/*
 * The entries a batch committed are in the store before the session hears
 * that the batch is done: a push meanwhile sends nothing back to the peer
 * that sent them (it did: 8,905 of 100,000 entries in bench_sync).
 */
static void
no_echo_before_batch_done(void **state)
{
        struct fx *fx = *state;
        struct chain *a = chain_new(11, "tree:" KEC, 3, "a");

        give(&fx->p, a, 0, 3, 0);
        fx->c.pump_before_done = true;
        link_up(fx);
        expect_transcript(fx, "P> hs\n"
                              "C> hs HELLO v=1 base=0 delta=0\n"
                              "P> HELLO v=2 base=0 delta=1 | HELLO_OK v=1 | "
                              "FEED 0 | ENTRIES 0 seq=1 n=3 | SYNCED\n"
                              "C> HELLO_OK v=2 | SYNCED\n"
                              "C> ACK 1\n");
        assert_int_equal(sync_stats(fx->c.s)->entries_out, 0);
        chain_free(a);
}

/* Nothing changed since: each HELLO names no feed (SYNC.md §7). */
static void
noop_session(void **state)
{
        struct fx *fx = *state;
        struct chain *a = chain_new(11, "tree:" KEC, 3, "a");

        give(&fx->p, a, 0, 3, 0);
        link_up(fx);
        link_up(fx);
        expect_transcript(
            fx, "P> hs\n"
                "C> hs HELLO v=2 base=1 delta=0\n"
                "P> HELLO v=2 base=2 delta=0 | HELLO_OK v=2 | SYNCED\n"
                "C> HELLO_OK v=2 | SYNCED\n");
        chain_free(a);
}

/*
 * The child lost its store (a new one, another instance): the parent's
 * HELLO with a base is answered NEED_FULL, and its full HELLO accepted;
 * the child gets everything again.
 */
static void
need_full(void **state)
{
        struct fx *fx = *state;
        struct chain *a = chain_new(11, "tree:" KEC, 2, "a");

        give(&fx->p, a, 0, 2, 0);
        link_up(fx);
        store_close(fx->c.st);
        side_open(fx, &fx->c, "c2");
        link_up(fx);
        expect_transcript(fx, "P> hs\n"
                              "C> hs HELLO v=1 base=0 delta=0\n"
                              "P> HELLO v=2 base=2 delta=0 | HELLO_OK v=1 | "
                              "FEED 0 | ENTRIES 0 seq=1 n=2 | SYNCED\n"
                              "C> NEED_FULL\n"
                              "C> ACK 1\n"
                              "P> HELLO v=2 base=0 delta=1\n"
                              "C> HELLO_OK v=2 | SYNCED\n");
        assert_int_equal(head_of(&fx->c, a->e[0].feed, NULL), 2);
        chain_free(a);
}

/*
 * "ACK only after commit", for the record too (SYNC.md §4 step 3): the
 * HELLO_OK waits until the peer's record is durable; meanwhile the
 * session sends nothing, not even its HELLO's frame, and reads nothing.
 */
static void
hello_ok_waits_for_record(void **state)
{
        struct fx *fx = *state;
        struct slice f;

        fx->p.hold_writes = true;
        sessions_new(fx);
        handshake(fx);
        carry(&fx->c, &fx->p); /* nothing: C's HELLO went with the hs */
        carry(&fx->p, &fx->c);
        expect_transcript(fx, "P> hs\n"
                              "C> hs HELLO v=1 base=0 delta=0\n");
        assert_false(sync_wants_input(fx->p.s));
        assert_false(sync_next_frame(fx->p.s, &f));
        fx->p.hold_writes = false;
        exchange(fx);
        expect_transcript(fx, "P> hs\n"
                              "C> hs HELLO v=1 base=0 delta=0\n"
                              "P> HELLO v=1 base=0 delta=0 | HELLO_OK v=1 | "
                              "SYNCED\n"
                              "C> HELLO_OK v=1 | SYNCED\n");
}

/*
 * A vector of more feeds than one HELLO names (here 2, SYNC_HELLO_PART_ITEMS
 * in a node) goes in parts (SYNC.md §4.2): the parent first sends a probe
 * (a base, no delta), which the new child answers NEED_FULL, then the
 * whole vector by feed id, each part a frame and the next once the child
 * answered HELLO_PART_OK; the child takes it (and,
 * its own HELLO accepted, gets every feed meanwhile). The next session
 * needs no parts.
 */
static void
hello_in_parts(void **state)
{
        struct fx *fx = *state;
        struct chain *a[5];

        for (size_t i = 0; i < ARRAY_LEN(a); i++) {
                a[i] = chain_new((uint8_t)(20 + i), "tree:" KEC, 1, "a");
                give(&fx->p, a[i], 0, 1, 0);
        }
        fx->part_items = 2;
        link_up(fx);
        expect_transcript(fx, "P> hs\n"
                              "C> hs HELLO v=1 base=0 delta=0\n"
                              "P> HELLO v=6 base=6 delta=0 | HELLO_OK v=1 | "
                              "FEED 0 | ENTRIES 0 seq=1 n=1 | FEED 1 | "
                              "ENTRIES 1 seq=1 n=1 | FEED 2 | ENTRIES 2 seq=1 "
                              "n=1 | FEED 3 | ENTRIES 3 seq=1 n=1 | FEED 4 | "
                              "ENTRIES 4 seq=1 n=1 | SYNCED\n"
                              "C> NEED_FULL\n"
                              "C> ACK 5\n"
                              "P> HELLO_PART delta=2\n"
                              "C> HELLO_PART_OK\n"
                              "P> HELLO_PART delta=2\n"
                              "C> HELLO_PART_OK\n"
                              "P> HELLO v=6 base=0 delta=1\n"
                              "C> HELLO_OK v=6 | SYNCED\n");
        for (size_t i = 0; i < ARRAY_LEN(a); i++) {
                assert_int_equal(head_of(&fx->c, a[i]->e[0].feed, NULL), 1);
                assert_int_equal(known_of(&fx->p, a[i]->e[0].feed), 1);
        }
        link_up(fx);
        expect_transcript(
            fx, "P> hs\n"
                "C> hs HELLO v=2 base=1 delta=0\n"
                "P> HELLO v=6 base=6 delta=0 | HELLO_OK v=2 | SYNCED\n"
                "C> HELLO_OK v=6 | SYNCED\n");
        for (size_t i = 0; i < ARRAY_LEN(a); i++)
                chain_free(a[i]);
}

/* ---- what a HELLO may do (SYNC.md §4.1) -----------------------------------
 */

enum hello_case {
        SECOND_HELLO,
        NEED_FULL_UNASKED,
        HELLO_OK_UNASKED,
        FULL_DIGEST_WRONG,
        BASE_AFTER_NEED_FULL,
        DELTA_OUT_OF_UNIVERSE,
        PART_UNASKED, /* SYNC.md §4.2 */
        PART_OUT_OF_ORDER,
        PART_OK_UNASKED,
        PARTS_TOO_MANY,
        PARTS_DIGEST_WRONG,
};

/* Feeds no side holds, by id: 0x01.., 0x02.., in ascending order. */
static void
part_items(struct sync_vec_item *d, size_t n, uint8_t first)
{
        memset(d, 0, n * sizeof(*d));
        for (size_t i = 0; i < n; i++) {
                d[i].feed[0] = (uint8_t)(first + i);
                d[i].seq = 1;
        }
}

static void
hello_frame(struct buf *b, uint64_t base, const struct sync_vec_item *d,
            size_t n, bool digest_right)
{
        uint8_t inst[STORE_INSTANCE_BYTES], dig[SYNC_DIGEST_BYTES],
            h[ENTRY_HASH_BYTES];
        struct buf pairs = BUF_INIT;

        memset(inst, 7, sizeof(inst));
        for (size_t i = 0; i < n; i++) {
                buf_add(&pairs, d[i].feed, ENTRY_HASH_BYTES);
                buf_add_be64(&pairs, d[i].seq);
        }
        hash_bytes(h, buf_slice(&pairs));
        memcpy(dig, h, sizeof(dig));
        if (!digest_right)
                dig[0] ^= 1;
        buf_reset(b);
        wire_sync_hello(b, inst, 5, base, dig, d, n);
        buf_release(&pairs);
}

static void
hello_violation(struct fx *fx, enum hello_case k)
{
        struct chain *g = chain_new(12, "path:" NEIGHBOUR ":" KEC, 1, "g");
        struct sync_vec_item d, pd[3];
        struct buf b = BUF_INIT;
        struct slice f;
        const char *want = "C> ERROR PROTO-VIOLATION\n";
        struct buf wb = BUF_INIT; /* the parts' cases: their answers */

        give(&fx->c, g, 0, 1, 0); /* not for the kabupaten: not the link's */
        memset(&d, 0, sizeof(d));
        memcpy(d.feed, g->e[0].feed, ENTRY_HASH_BYTES);
        memcpy(d.head, g->e[0].id, ENTRY_HASH_BYTES);
        d.seq = 1;
        sessions_new(fx);
        handshake(fx);
        if (k == SECOND_HELLO || k == NEED_FULL_UNASKED ||
            k == HELLO_OK_UNASKED)
                exchange(fx); /* both HELLOs answered */
        fx->p.closed = true;  /* P scripted from here */
        while (sync_next_frame(fx->p.s, &f))
                ;
        carry(&fx->c, &fx->p);
        buf_reset(&fx->tr);
        switch (k) {
        case SECOND_HELLO: /* one per session */
                hello_frame(&b, 0, NULL, 0, true);
                break;
        case NEED_FULL_UNASKED: /* our HELLO was answered */
                wire_sync_simple(&b, SYNC_NEED_FULL);
                break;
        case HELLO_OK_UNASKED:
                wire_sync_uint(&b, SYNC_HELLO_OK, 1);
                break;
        case FULL_DIGEST_WRONG: /* a full vector, not its own digest */
                hello_frame(&b, 0, NULL, 0, false);
                break;
        case BASE_AFTER_NEED_FULL: /* the answer to NEED_FULL has base 0 */
                hello_frame(&b, 3, NULL, 0, true);
                receive(&fx->c, buf_slice(&b));
                want = "C> NEED_FULL\nC> ERROR PROTO-VIOLATION\n";
                break;
        case DELTA_OUT_OF_UNIVERSE: /* a held feed not for the kabupaten */
                hello_frame(&b, 0, &d, 1, true);
                break;
        case PART_UNASKED: /* only after our NEED_FULL */
                part_items(pd, 1, 1);
                wire_sync_hello_part(&b, pd, 1);
                break;
        case PART_OK_UNASKED: /* no part of ours is out */
                wire_sync_simple(&b, SYNC_HELLO_PART_OK);
                break;
        default: /* the parts after our NEED_FULL, breaking a rule */
                hello_frame(&b, 3, NULL, 0, true);
                receive(&fx->c, buf_slice(&b));
                buf_adds(&wb, "C> NEED_FULL\nC> HELLO_PART_OK");
                buf_reset(&b);
                part_items(pd, 3, 1);
                if (k == PART_OUT_OF_ORDER) { /* ids ascend across parts */
                        wire_sync_hello_part(&b, pd + 1, 2);
                        wire_sync_hello_part(&b, pd, 1);
                } else if (k == PARTS_TOO_MANY) {
                        for (uint8_t i = 0; i <= SYNC_HELLO_PARTS_MAX; i++) {
                                part_items(pd, 1, (uint8_t)(i + 1));
                                wire_sync_hello_part(&b, pd, 1);
                                if (i && i < SYNC_HELLO_PARTS_MAX)
                                        buf_adds(&wb, " | HELLO_PART_OK");
                        }
                } else { /* a digest of the last part only, not all */
                        struct buf h = BUF_INIT;
                        wire_sync_hello_part(&b, pd, 2);
                        hello_frame(&h, 0, pd + 2, 1, true);
                        buf_add(&b, h.data, h.len);
                        buf_release(&h);
                }
                break;
        }
        receive(&fx->c, buf_slice(&b));
        carry(&fx->c, &fx->p);
        expect_closed(&fx->c, "PROTO-VIOLATION");
        if (wb.len) {
                buf_adds(&wb, " | ERROR PROTO-VIOLATION\n");
                buf_addc(&wb, 0);
                want = (const char *)wb.data;
        }
        expect_transcript(fx, want);
        buf_release(&wb);
        buf_release(&b);
        chain_free(g);
}

static void
hello_violations(void **state)
{
        static const enum hello_case cases[] = {
            SECOND_HELLO,      NEED_FULL_UNASKED,    HELLO_OK_UNASKED,
            FULL_DIGEST_WRONG, BASE_AFTER_NEED_FULL, DELTA_OUT_OF_UNIVERSE,
            PART_UNASKED,      PART_OUT_OF_ORDER,    PART_OK_UNASKED,
            PARTS_TOO_MANY,    PARTS_DIGEST_WRONG};

        for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
                struct fx *fx = *state;
                print_message("case %zu\n", i);
                hello_violation(fx, cases[i]);
                /* A fresh pair of stores for the next case. */
                teardown(state);
                assert_int_equal(setup(state), 0);
        }
}

/* ---- ENTRIES and HEAD (SYNC.md §5, §5.3) --------------------------------- */

/*
 * After a sync, the parent (scripted) sends entries beyond the child's
 * head: dropped, answered HEAD with the head, and still acknowledged. A
 * FEED not followed by its ENTRIES is PROTO-VIOLATION.
 */
static void
head_gap(void **state)
{
        struct fx *fx = *state;
        struct chain *a = chain_new(11, "tree:" KEC, 3, "a");
        struct sync_compact cp;
        struct buf b = BUF_INIT;
        uint8_t sig[ENTRY_SIG_BYTES] = {0};

        give(&fx->p, a, 0, 3, 0);
        link_up(fx);
        buf_reset(&fx->tr);
        memset(&cp, 0, sizeof(cp));
        cp.kind = KIND_INFORMASI;
        cp.has_body = true;
        cp.body = slice_make("x", 1);
        cp.sig = slice_make(sig, sizeof(sig));
        wire_sync_entries(&b, 0, 10, 1700000000000ULL, NULL, 1);
        wire_sync_compact(&b, &cp);
        receive(&fx->c, buf_slice(&b));
        fx->p.closed = true; /* its session never sent that */
        carry(&fx->c, &fx->p);
        expect_transcript(fx, "C> HEAD 0 seq=3 | ACK 2\n");
        buf_reset(&b);
        wire_sync_feed(&b, 1, a->k->pk, NEIGHBOUR, &a->aud, 2);
        wire_sync_simple(&b, SYNC_PING);
        receive(&fx->c, buf_slice(&b));
        carry(&fx->c, &fx->p);
        expect_closed(&fx->c, "PROTO-VIOLATION");
        expect_transcript(fx, "C> HEAD 0 seq=3 | ACK 2\n"
                              "C> ERROR PROTO-VIOLATION\n");
        buf_release(&b);
        chain_free(a);
}

/*
 * Histories that differ (SYNC.md §5.3): the parent holds a1 a2 a3 a4 of
 * an author, the child a1 b2 b3 (a store restored, say). The parent sees
 * the child's head id at seq 3 is not its own and pushes from there
 * naming prev; the child's id at 2 is not that prev: HEAD back to 1; the
 * resend from 2 meets b2: a fork, the feed frozen (HEAD frozen), and the
 * child spreads the proof, which freezes the parent's feed too. Every
 * link stays up.
 */
static void
histories_differ(void **state)
{
        struct fx *fx = *state;
        struct chain *a = chain_new(11, "tree:" KEC, 4, "a");
        struct chain *b = chain_fork(a, 1, 3, "b");
        uint32_t flags = 0;

        give(&fx->p, a, 0, 4, 0);
        give(&fx->c, b, 0, 3, 0);
        link_up(fx);
        expect_transcript(fx,
                          "P> hs\n"
                          "C> hs HELLO v=2 base=0 delta=1\n"
                          "P> HELLO v=2 base=0 delta=1 | HELLO_OK v=2 | FEED 0 "
                          "| ENTRIES 0 seq=3 n=2 prev | SYNCED\n"
                          "C> HELLO_OK v=2 | HEAD 0 seq=1 | ACK 1 | SYNCED\n"
                          "P> ENTRIES 0 seq=2 n=3 prev | SYNCED\n"
                          "C> HEAD 0 seq=1 frozen | ACK 2 | FORK_PROOF seq=2\n"
                          "P> SYNCED\n");
        assert_false(fx->c.closed || fx->p.closed);
        assert_int_equal(head_of(&fx->c, a->e[0].feed, &flags), 3);
        assert_int_equal(flags, FEED_FROZEN);
        assert_int_equal(head_of(&fx->p, a->e[0].feed, &flags), 4);
        assert_int_equal(flags, FEED_FROZEN);
        assert_int_equal(sync_stats(fx->p.s)->forks_in, 1);
        chain_release(b);
        chain_free(a);
}

/* ---- fork proofs (SYNC.md §5.1) ------------------------------------------ */

/*
 * The parent holds a proof (a2, b2) for a feed the child holds up to 1:
 * the proof comes first, the child stores it and freezes the feed, so the
 * ENTRIES that follow are answered HEAD frozen.
 */
static void
fork_proof(void **state)
{
        struct fx *fx = *state;
        struct chain *a = chain_new(11, "tree:" KEC, 2, "a");
        struct chain *b = chain_fork(a, 1, 2, "b");
        uint32_t flags = 0;

        give(&fx->p, a, 0, 2, 0);
        give(&fx->p, b, 1, 2, ERR_FORK); /* the proof is stored */
        give(&fx->c, a, 0, 1, 0);
        link_up(fx);
        expect_transcript(
            fx, "P> hs\n"
                "C> hs HELLO v=2 base=0 delta=1\n"
                "P> HELLO v=3 base=0 delta=1 | HELLO_OK v=2 | FORK_PROOF seq=2 "
                "| FEED 0 | ENTRIES 0 seq=2 n=1 prev | SYNCED\n"
                "C> HELLO_OK v=3 | HEAD 0 seq=2 frozen | ACK 1 | SYNCED\n"
                "P> SYNCED\n");
        assert_int_equal(sync_stats(fx->c.s)->forks_in, 1);
        assert_int_equal(head_of(&fx->c, a->e[0].feed, &flags), 2);
        assert_int_equal(flags, FEED_FROZEN);
        chain_release(b);
        chain_free(a);
}

/* ---- bodies of pruned entries (SYNC.md §5.2) ------------------------------
 */

/* The child holds an entry pruned (a relay passed it so), the parent
 * whole: the child asks for the body and fills it. */
static void
bodies(void **state)
{
        struct fx *fx = *state;
        struct chain *a = chain_new(11, "tree:" KEC, 1, "a");
        struct buf pruned = BUF_INIT, held = BUF_INIT;
        struct envelope env = a->e[0].env;
        struct slice in;
        struct store_txn *t;
        struct ingest_stats st;
        int res;

        env.has_body = false;
        wire_envelope_encode(&env, &pruned);
        in = buf_slice(&pruned);
        assert_int_equal(replica_ingest(&fx->c.r, &in, 1, "relay", &res, &st),
                         0);
        assert_int_equal(res, 0);
        give(&fx->p, a, 0, 1, 0);
        link_up(fx);
        expect_transcript(fx, "P> hs\n"
                              "C> hs HELLO v=2 base=0 delta=1\n"
                              "P> HELLO v=2 base=0 delta=1 | HELLO_OK v=2 | "
                              "SYNCED\n"
                              "C> HELLO_OK v=2 | BODY_WANT n=1 | SYNCED\n"
                              "P> BODY seq=1\n");
        assert_int_equal(sync_stats(fx->c.s)->bodies_in, 1);
        assert_int_equal(sync_stats(fx->p.s)->bodies_out, 1);
        assert_int_equal(store_begin(fx->c.st, false, &t), 0);
        assert_int_equal(store_get(t, a->e[0].feed, 1, &held), 0);
        store_abort(t);
        assert_int_equal(held.len, a->b[0].len);
        assert_memory_equal(held.data, a->b[0].data, held.len);
        buf_release(&pruned);
        buf_release(&held);
        chain_free(a);
}

/* ---- attachments (BLOBS.md) ---------------------------------------------- */

/* The fetch policy (BLOBS.md §7): which wanted blobs a link asks for
 * unasked, by [blobs] fetch, the link's direction, size and opening. */
static void
blob_policy(void **state)
{
        struct sync_config c;
        const uint64_t big = 2000000, small = 100000;

        (void)state;
        memset(&c, 0, sizeof(c));
        c.blob_fetch_max = 16777216;
        c.blob_auto_max = 256 * 1024;
        c.blob_fetch = SYNC_FETCH_ALL; /* a kabupaten: everything */
        assert_true(sync_blob_fetches(&c, big, false, false));
        assert_true(sync_blob_fetches(&c, big, false, true));
        c.blob_fetch = SYNC_FETCH_UP; /* a kecamatan: from below */
        assert_true(sync_blob_fetches(&c, big, false, true));
        assert_false(sync_blob_fetches(&c, big, false, false));
        assert_true(sync_blob_fetches(&c, small, false, false));
        assert_true(sync_blob_fetches(&c, big, true, false));
        c.blob_fetch = SYNC_FETCH_ON_DEMAND; /* a desa: opened or small */
        assert_false(sync_blob_fetches(&c, big, false, true));
        assert_false(sync_blob_fetches(&c, big, false, false));
        assert_true(sync_blob_fetches(&c, 256 * 1024, false, false));
        assert_false(sync_blob_fetches(&c, 256 * 1024 + 1, false, false));
        assert_true(sync_blob_fetches(&c, big, true, false));
        c.blob_auto_max = 0;
        assert_false(sync_blob_fetches(&c, 1, false, false));
        /* fetch_max_bytes bounds everything, opened or not. */
        c.blob_fetch_max = big - 1;
        assert_false(sync_blob_fetches(&c, big, true, true));
        c.blob_fetch = SYNC_FETCH_ALL;
        assert_false(sync_blob_fetches(&c, big, false, true));
}

/* An entry naming a 40,000-byte blob (3 chunks), held by P with the blob
 * and by C without: C asks for the list, then the chunks, after the
 * entries; it holds the blob whole, byte for byte. A root no entry of
 * the link names is refused, and the link stays. */
static void
blobs(void **state)
{
        struct fx *fx = *state;
        struct chain *a = chain_new(11, "tree:" KEC, 0, "a");
        struct buf body = BUF_INIT, got = BUF_INIT;
        uint8_t data[40000], root[32], other[32];
        struct kim_body b;
        struct store_blob sb;
        struct store_txn *t;

        for (size_t i = 0; i < sizeof(data); i++)
                data[i] = (uint8_t)(i * 7);
        assert_int_equal(
            replica_blob_add(&fx->p.r, slice_make(data, sizeof(data)), root),
            0);
        memset(&b, 0, sizeof(b));
        b.kind = KIND_INFORMASI;
        b.has_title = b.has_text = true;
        b.title = slice_cstr("Jalan rusak");
        b.text = slice_cstr("Foto terlampir.");
        memcpy(b.attach[0].root, root, 32);
        b.attach[0].size = sizeof(data);
        b.attach[0].type = slice_cstr("image/jpeg");
        b.n_attach = 1;
        wire_kim_encode(&b, &body);
        chain_add_body(a, "a", &body);
        give(&fx->p, a, 0, 1, 0);
        link_up(fx);
        /* Entries first; then the list, then chunks within the window (1
         * before the link's rate and round trip are measured: this clock
         * stands still), the chunks of each ask ending their frame. */
        expect_transcript(fx, "P> hs\n"
                              "C> hs HELLO v=1 base=0 delta=0\n"
                              "P> HELLO v=2 base=0 delta=1 | HELLO_OK v=1 | "
                              "FEED 0 | ENTRIES 0 seq=1 n=1 | SYNCED\n"
                              "C> HELLO_OK v=2 | SYNCED\n"
                              "C> ACK 1 | BLOB_WANT 0+0\n"
                              "P> BLOB_LIST n=3\n"
                              "C> BLOB_WANT 0+1\n"
                              "P> BLOB_CHUNK 0\n"
                              "C> BLOB_WANT 1+1\n"
                              "P> BLOB_CHUNK 1\n"
                              "C> BLOB_WANT 2+1\n"
                              "P> BLOB_CHUNK 2\n");
        assert_int_equal(store_begin(fx->c.st, false, &t), 0);
        assert_int_equal(store_blob_get(t, root, &sb), 0);
        assert_int_equal(sb.held, 3);
        for (uint32_t i = 0; i < 3; i++) {
                assert_int_equal(store_blob_get_chunk(t, root, i, &got), 0);
                assert_memory_equal(got.data, data + 16384U * i, got.len);
        }
        store_abort(t);
        assert_int_equal(sync_stats(fx->c.s)->chunks_in, 3);
        assert_int_equal(sync_stats(fx->c.s)->blobs_in, 1);
        /* The list, then each chunk. */
        assert_int_equal(fx->c.blob_commits, 4);
        assert_int_equal(sync_stats(fx->p.s)->chunks_out, 3);

        /* Asked for a root no entry of the link's universe names. */
        buf_reset(&fx->tr);
        memset(other, 0x5a, sizeof(other));
        buf_reset(&body);
        wire_sync_blob_want(&body, other, 0, 0);
        receive(&fx->p, buf_slice(&body));
        {
                struct slice f;
                assert_true(sync_next_frame(fx->p.s, &f));
                log_frame(fx, 'P', "", f);
                expect_transcript(fx, "P> BLOB_NONE BLOB-NOT-ENTITLED\n");
                assert_false(fx->p.closed);
                /* C asked for no such thing: an answer it did not ask for
                 * is a violation. */
                receive(&fx->c, f);
                expect_closed(&fx->c, "PROTO-VIOLATION");
        }
        /* The bound is on chunks asked and unanswered (32): asks answered
         * one after another never reach it; 33 at once do. */
        for (int i = 0; i < 20; i++) {
                struct slice f;
                buf_reset(&body);
                wire_sync_blob_want(&body, root, 0, 2);
                receive(&fx->p, buf_slice(&body));
                while (sync_next_frame(fx->p.s, &f))
                        ;
                assert_false(fx->p.closed);
        }
        buf_reset(&body);
        wire_sync_blob_want(&body, root, 0, 32);
        wire_sync_blob_want(&body, root, 0, 1);
        receive(&fx->p, buf_slice(&body));
        expect_closed(&fx->p, "PROTO-VIOLATION");
        buf_release(&body);
        buf_release(&got);
        chain_free(a);
}

/* Carries one frame of `from` (if any) to `to`, whose clock reads t_us,
 * then the store work it causes there; true if one went. */
static bool
carry_one(struct side *from, struct side *to, uint64_t t_us)
{
        struct slice f;

        work(from);
        if (!sync_next_frame(from->s, &f))
                return false;
        log_frame(the_fx, from->name, "", f);
        sync_clock(to->s, t_us);
        receive(to, f);
        work(to);
        return true;
}

/* A 64 kbit/s link (8,000 bytes/s) with a 0.2-0.3 s round trip: C asks
 * one chunk at a time (the window: rate × (RTT + 0.25 s), 4.4 KB), and
 * the next while the one before is still arriving, once what is left of
 * it is under the window (BLOBS.md §6); each chunk its own frame. */
static void
blob_window_thin(void **state)
{
        struct fx *fx = *state;
        struct chain *a = chain_new(11, "tree:" KEC, 0, "a");
        struct buf body = BUF_INIT;
        static uint8_t data[5 * 16384];
        uint8_t root[32];
        struct kim_body b;

        for (size_t i = 0; i < sizeof(data); i++)
                data[i] = (uint8_t)(i * 13);
        assert_int_equal(
            replica_blob_add(&fx->p.r, slice_make(data, sizeof(data)), root),
            0);
        memset(&b, 0, sizeof(b));
        b.kind = KIND_INFORMASI;
        b.has_title = b.has_text = true;
        b.title = slice_cstr("Jembatan");
        b.text = slice_cstr("Foto terlampir.");
        memcpy(b.attach[0].root, root, 32);
        b.attach[0].size = sizeof(data);
        b.attach[0].type = slice_cstr("image/jpeg");
        b.n_attach = 1;
        wire_kim_encode(&b, &body);
        chain_add_body(a, "a", &body);
        link_up(fx);
        give(&fx->p, a, 0, 1, 0);
        sync_changed(fx->p.s);
        after(&fx->p);
        /* The entry; C's ACK and its ask for the list. */
        assert_true(carry_one(&fx->p, &fx->c, 0));
        assert_true(carry_one(&fx->c, &fx->p, 0));
        buf_reset(&fx->tr);
        /* The list comes 0.3 s after its ask (sent alone): the RTT. C asks
         * chunk 0, the rate unknown: one chunk. */
        assert_true(carry_one(&fx->p, &fx->c, 300000));
        assert_true(carry_one(&fx->c, &fx->p, 300000));
        /* Its first bytes after 0.2 s: an RTT of 0.2875 s, smoothed. */
        sync_clock(fx->c.s, 500000);
        assert_false(sync_rx_partial(fx->c.s, 400));
        /* Whole 2.05 s later: 8,000 bytes/s. Then one chunk asked. */
        assert_true(carry_one(&fx->p, &fx->c, 2350000));
        assert_true(carry_one(&fx->c, &fx->p, 2350000));
        /* Chunk 1 arriving: 8 KB left is too much for the window ... */
        sync_clock(fx->c.s, 3400000);
        assert_false(sync_rx_partial(fx->c.s, 8192));
        /* ... 2.4 KB left (0.3 s of the link) is not: chunk 2 is asked
         * before chunk 1 is whole, so the link does not run dry. */
        sync_clock(fx->c.s, 4100000);
        assert_true(sync_rx_partial(fx->c.s, 14000));
        after(&fx->c);
        assert_true(carry_one(&fx->c, &fx->p, 4100000));
        assert_true(carry_one(&fx->p, &fx->c, 4400000));  /* chunk 1 */
        assert_false(carry_one(&fx->c, &fx->p, 4400000)); /* no more asked */
        assert_true(carry_one(&fx->p, &fx->c, 6450000));  /* chunk 2 */
        expect_transcript(fx, "P> BLOB_LIST n=5\n"
                              "C> BLOB_WANT 0+1\n"
                              "P> BLOB_CHUNK 0\n"
                              "C> BLOB_WANT 1+1\n"
                              "C> BLOB_WANT 2+1\n"
                              "P> BLOB_CHUNK 1\n"
                              "P> BLOB_CHUNK 2\n");
        /* Chunk 3 was asked at once (nothing left in flight); the rest
         * follows, one chunk at a time. */
        exchange(fx);
        assert_int_equal(sync_stats(fx->c.s)->blobs_in, 1);
        assert_int_equal(sync_stats(fx->p.s)->chunks_out, 5);
        buf_release(&body);
        chain_free(a);
}

/* An informasi of chain c naming a 3-chunk blob that side x holds. */
static void
blob_item(struct side *x, struct chain *c, uint8_t fill, const char *tag)
{
        static uint8_t data[3 * 16384];
        struct buf body = BUF_INIT;
        struct kim_body b;
        uint8_t root[32];

        memset(data, fill, sizeof(data));
        assert_int_equal(
            replica_blob_add(&x->r, slice_make(data, sizeof(data)), root), 0);
        memset(&b, 0, sizeof(b));
        b.kind = KIND_INFORMASI;
        b.has_title = b.has_text = true;
        b.title = slice_cstr("Foto");
        b.text = slice_cstr("Terlampir.");
        memcpy(b.attach[0].root, root, 32);
        b.attach[0].size = sizeof(data);
        b.attach[0].type = slice_cstr("image/jpeg");
        b.n_attach = 1;
        wire_kim_encode(&b, &body);
        chain_add_body(c, tag, &body);
        give(x, c, 0, 1, 0);
        buf_release(&body);
}

/* Both sides fetch a blob from the other: a side's own asks go ahead of
 * the chunks it serves, never behind them in a frame (on a thin link
 * they would wait a chunk's time there, and the round trip that sizes
 * the window would count it). */
static void
blob_asks_first(void **state)
{
        struct fx *fx = *state;
        struct chain *a = chain_new(11, "tree:" KEC, 0, "a");
        struct chain *d = chain_new(12, "tree:" KEC, 0, "d");
        const char *line, *end;
        size_t both = 0;

        blob_item(&fx->p, a, 0x11, "a");
        blob_item(&fx->c, d, 0x22, "d");
        buf_reset(&fx->tr);
        link_up(fx);
        exchange(fx);
        assert_int_equal(sync_stats(fx->c.s)->blobs_in, 1);
        assert_int_equal(sync_stats(fx->p.s)->blobs_in, 1);
        buf_addc(&fx->tr, 0);
        for (line = (const char *)fx->tr.data; *line; line = end + 1) {
                const char *w, *k;
                if (!(end = strchr(line, '\n')))
                        break;
                w = strstr(line, "BLOB_WANT");
                k = strstr(line, "BLOB_CHUNK");
                if (w && k && w < end && k < end) {
                        both++;
                        assert_true(w < k);
                }
        }
        assert_true(both > 0); /* the case arose */
        chain_free(a);
        chain_free(d);
}

/* ---- certificates (SYNC.md §3) --------------------------------------------
 */

/* Neither holds the other's certificate: each asks, each answers once,
 * alone in its frame; the HELLOs follow validation. */
static void
cert_exchange(void **state)
{
        struct fx *fx = *state;

        fx->c.knows_peer = fx->p.knows_peer = false;
        link_up(fx);
        expect_transcript(
            fx, "P> hs\n"
                "C> hs\n"
                "C> CERT_REQUEST\n"
                "P> CERT_REQUEST\n"
                "P> CERT\n"
                "C> CERT\n"
                "C> HELLO v=1 base=0 delta=0\n"
                "P> HELLO v=1 base=0 delta=0 | HELLO_OK v=1 | SYNCED\n"
                "C> HELLO_OK v=1 | SYNCED\n");
        assert_true(sync_started(fx->c.s) && sync_started(fx->p.s));
}

enum cert_case { CERT_TWICE, CERT_UNASKED, STASH_FULL, CERT_REFUSED };

static void
cert_violation(struct fx *fx, enum cert_case k)
{
        struct buf b = BUF_INIT;
        struct slice f;

        fx->c.knows_peer = k == CERT_UNASKED;
        fx->p.knows_peer = true;
        fx->c.cert_answer = k == CERT_REFUSED ? ERR_CERT : 0;
        sessions_new(fx);
        handshake(fx);
        fx->p.closed = true; /* P scripted from here */
        while (sync_next_frame(fx->p.s, &f))
                ;
        buf_reset(&fx->tr);
        if (k == CERT_TWICE) {
                wire_sync_simple(&b, SYNC_CERT_REQUEST);
                receive(&fx->c, buf_slice(&b));
                receive(&fx->c, buf_slice(&b));
        } else if (k == STASH_FULL) {
                buf_grow(&b, 600 * 1024);
                b.len = 600 * 1024; /* held unread until validated */
                memset(b.data, 0, b.len);
                receive(&fx->c, buf_slice(&b));
                receive(&fx->c, buf_slice(&b));
        } else {
                wire_sync_cert(&b, slice_make(fx->p.cert, sizeof(fx->p.cert)),
                               slice_make(NULL, 0));
                receive(&fx->c, buf_slice(&b));
        }
        carry(&fx->c, &fx->p);
        expect_closed(&fx->c,
                      k == CERT_REFUSED ? "CERT-INVALID" : "PROTO-VIOLATION");
        expect_transcript(fx, k == CERT_TWICE     ? "C> CERT_REQUEST\n"
                                                    "C> CERT\n"
                                                    "C> ERROR PROTO-VIOLATION\n"
                              : k == CERT_UNASKED ? "C> ERROR PROTO-VIOLATION\n"
                              : k == STASH_FULL   ? "C> CERT_REQUEST\n"
                                                    "C> ERROR PROTO-VIOLATION\n"
                                                  : "C> CERT_REQUEST\n"
                                                    "C> ERROR CERT-INVALID\n");
        buf_release(&b);
}

static void
cert_violations(void **state)
{
        static const enum cert_case cases[] = {CERT_TWICE, CERT_UNASKED,
                                               STASH_FULL, CERT_REFUSED};

        for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
                print_message("case %zu\n", i);
                cert_violation(*state, cases[i]);
                teardown(state);
                assert_int_equal(setup(state), 0);
        }
}

int
main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test_setup_teardown(held, setup, teardown),
            cmocka_unit_test_setup_teardown(first_sync, setup, teardown),
            cmocka_unit_test_setup_teardown(batch_max, setup, teardown),
            cmocka_unit_test_setup_teardown(no_echo_before_batch_done, setup,
                                            teardown),
            cmocka_unit_test_setup_teardown(noop_session, setup, teardown),
            cmocka_unit_test_setup_teardown(need_full, setup, teardown),
            cmocka_unit_test_setup_teardown(hello_ok_waits_for_record, setup,
                                            teardown),
            cmocka_unit_test_setup_teardown(hello_in_parts, setup, teardown),
            cmocka_unit_test_setup_teardown(hello_violations, setup, teardown),
            cmocka_unit_test_setup_teardown(head_gap, setup, teardown),
            cmocka_unit_test_setup_teardown(histories_differ, setup, teardown),
            cmocka_unit_test_setup_teardown(fork_proof, setup, teardown),
            cmocka_unit_test_setup_teardown(bodies, setup, teardown),
            cmocka_unit_test_setup_teardown(time_from_parent, setup, teardown),
            cmocka_unit_test_setup_teardown(time_violations, setup, teardown),
            cmocka_unit_test(blob_policy),
            cmocka_unit_test_setup_teardown(blobs, setup, teardown),
            cmocka_unit_test_setup_teardown(blob_window_thin, setup, teardown),
            cmocka_unit_test_setup_teardown(blob_asks_first, setup, teardown),
            cmocka_unit_test_setup_teardown(cert_exchange, setup, teardown),
            cmocka_unit_test_setup_teardown(cert_violations, setup, teardown),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
