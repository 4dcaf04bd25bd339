/* replica: posting, ingesting and re-verifying the node's change log. */
#include "replica.h"
#include "replica_int.h"

#include "../kim/kim.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CHECK_THREADS_MAX 8U
#define CHECK_PER_THREAD_MIN 32U

/* ---- posting ------------------------------------------------------------- */

/*
 * The newest timestamp this node wrote, in meta "own_ts": a system clock
 * that reads before it is wrong (node_time, SYNC.md §6.1).
 */
static int
own_ts_raise(struct store_txn *t, uint64_t ts)
{
        struct buf v = BUF_INIT;
        uint8_t be[8];
        int err = store_meta_get(t, "own_ts", &v);

        if (err && err != ERR_NOT_FOUND) {
                buf_release(&v);
                return err;
        }
        if (!err && v.len == 8 && be64_get(v.data) >= ts) {
                buf_release(&v);
                return 0;
        }
        buf_release(&v);
        be64_put(be, ts);
        return store_meta_put(t, "own_ts", slice_make(be, sizeof(be)));
}

static int
post_one(struct replica *r, const struct key *k, const char *region,
         struct store_txn *t, struct trust_cache *tc, const struct post *p,
         struct buf *bytes, uint8_t *id_out)
{
        struct entry_header h;
        struct feed_info head;
        struct entry e;
        struct seal_ctx at;
        struct slice body = p->body;
        int channel = kind_channel(p->kind);
        bool fresh;
        int err;

        if (channel < 0)
                return ERR_KIND;
        memset(&h, 0, sizeof(h));
        memcpy(h.author_region, region, strnlen(region, REGION_BUF - 1));
        h.audience = p->audience;
        h.kind = p->kind;
        h.timestamp_ms = p->timestamp_ms ? p->timestamp_ms : time_now_ms();
        feed_id_compute(at.feed, k->pk, h.author_region, &p->audience,
                        (uint8_t)channel);
        err = store_feed_get(t, at.feed, &head);
        if (err == ERR_NOT_FOUND) {
                h.seq = 1;
        } else if (err) {
                return err;
        } else if (head.flags & FEED_FROZEN) {
                return ERR_FROZEN;
        } else {
                h.seq = head.head_seq + 1;
                h.has_prev = true;
                memcpy(h.prev, head.head_id, ENTRY_HASH_BYTES);
        }
        /* A body bound to this place (sealed values): made here, in the
         * transaction that holds the place. */
        if (p->body_at) {
                memcpy(at.author, k->pk, ENTRY_KEY_BYTES);
                at.seq = h.seq;
                if ((err = p->body_at(p->arg, &at, &body)))
                        return err;
        }
        buf_reset(bytes);
        if ((err = entry_create(k, &h, body, bytes)))
                return err;
        /* Our own fresh bytes: decoding suffices, no need to re-verify.
         * The KIM rules as a receiver checks them (KIM.md §7). */
        if ((err = entry_parse(buf_slice(bytes), &e)) ||
            (err = kim_check_entry(&e, NULL)) ||
            (err = replica__insert(r, t, tc, &e, &fresh)))
                return err;
        /* KIM views, in this transaction (views.c). */
        if (fresh &&
            ((err = replica__views_update(t, &e, NULL, 1)) ||
             (err = replica__outbox_add(t, &e, NULL, 1, r->outbox_kinds))))
                return err;
        if (!p->given_ts && (err = own_ts_raise(t, h.timestamp_ms)))
                return err;
        if (id_out)
                memcpy(id_out, e.id, ENTRY_HASH_BYTES);
        return 0;
}

static int
post_batch(struct replica *r, const struct key *k, const char *region,
           const struct post *posts, size_t n, uint8_t *ids)
{
        struct store_txn *t;
        struct trust_cache tc;
        struct buf bytes = BUF_INIT;
        int err;

        if (!k)
                return ERR_USAGE;
        if ((err = store_begin(r->store, true, &t)))
                return err;
        replica__trust_init(&tc);
        for (size_t i = 0; i < n && !err; i++)
                err = post_one(r, k, region, t, &tc, &posts[i], &bytes,
                               ids ? ids + i * ENTRY_HASH_BYTES : NULL);
        replica__trust_release(&tc);
        buf_release(&bytes);
        if (err) {
                store_abort(t);
                return err;
        }
        return store_commit(t);
}

int
replica_post(struct replica *r, const struct post *posts, size_t n,
             uint8_t *ids)
{
        int err = post_batch(r, r->key, r->region, posts, n, ids);

        /* In a network, our own key without a certificate. */
        return err == ERR_UNKNOWN_AUTHOR ? ERR_NOT_ENROLLED : err;
}

int
replica_post_as(struct replica *r, const struct key *k, const char *region,
                const struct post *posts, size_t n, uint8_t *ids)
{
        return post_batch(r, k, region, posts, n, ids);
}

/* ---- ingesting ----------------------------------------------------------- */

static void
log_refusal(const char *source, const struct entry *e, struct slice bytes,
            int err)
{
        char feed[2 * ENTRY_HASH_BYTES + 1];

        if (e->h.seq) {
                id_hex(feed, e->feed);
                log_warn(err_id(err),
                         "refused entry from %s: feed %.16s seq %" PRIu64
                         ": %s",
                         source, feed, e->h.seq, err_str(err));
        } else {
                log_warn(err_id(err), "refused entry from %s (%zu bytes): %s",
                         source, bytes.len, err_str(err));
        }
}

/* Checks that need no store: decode, signature, rules, entitlement.
 * prev (may be NULL): the entry checked before, for its feed id; id (may
 * be NULL): the id of bytes the caller built (entry_open_built). */
static int
ingest_check(const struct replica *r, struct slice bytes, const uint8_t *id,
             const struct entry *prev, struct entry *e)
{
        int err = id ? entry_open_built(bytes, id, prev, e)
                     : entry_open_next(bytes, prev, e);

        if (err) {
                /* Keep what decodes for the log line. */
                if (entry_parse(bytes, e))
                        memset(e, 0, sizeof(*e));
                return err;
        }
        /* KIM bodies, audiences and roles: after the signature, before
         * entitlement (proto/KIM.md §7). */
        if ((err = kim_check_entry(e, NULL)))
                return err;
        return audience_contains(&e->h.audience, r->region) ? 0
                                                            : ERR_NOT_ENTITLED;
}

/*
 * The checks of a batch are independent of each other (the chain is checked
 * later, in order, in the write transaction), so they run on every core.
 */
struct check_range {
        const struct replica *r;
        const struct slice *in;
        const uint8_t *ids; /* NULL, or n x ENTRY_HASH_BYTES */
        struct entry *es;
        int *res;
        size_t from, to;
};

static void *
check_range_run(void *arg)
{
        struct check_range *c = arg;

        for (size_t i = c->from; i < c->to; i++)
                c->res[i] =
                    ingest_check(c->r, c->in[i],
                                 c->ids ? c->ids + i * ENTRY_HASH_BYTES : NULL,
                                 i > c->from ? &c->es[i - 1] : NULL, &c->es[i]);
        return NULL;
}

unsigned
replica_check_threads(const struct replica *r)
{
        long cpus = sysconf(_SC_NPROCESSORS_ONLN);
        unsigned t = r->threads ? r->threads : cpus > 0 ? (unsigned)cpus : 1;

        return t > CHECK_THREADS_MAX ? CHECK_THREADS_MAX : t;
}

static size_t
check_threads(const struct replica *r, size_t n)
{
        size_t t = replica_check_threads(r);

        if (t > n / CHECK_PER_THREAD_MIN)
                t = n / CHECK_PER_THREAD_MIN;
        return t ? t : 1;
}

static void
check_all(const struct replica *r, const struct slice *in, struct entry *es,
          int *res, size_t n)
{
        struct check_range ranges[CHECK_THREADS_MAX];
        pthread_t tids[CHECK_THREADS_MAX];
        bool started[CHECK_THREADS_MAX] = {false};
        size_t t = check_threads(r, n);

        for (size_t i = 0; i < t; i++) {
                ranges[i] = (struct check_range){
                    r, in, NULL, es, res, n * i / t, n * (i + 1) / t};
                /* Range 0 runs here; a thread that cannot start, too. */
                if (i > 0)
                        started[i] = !pthread_create(
                            &tids[i], NULL, check_range_run, &ranges[i]);
        }
        check_range_run(&ranges[0]);
        for (size_t i = 1; i < t; i++) {
                if (started[i])
                        pthread_join(tids[i], NULL);
                else
                        check_range_run(&ranges[i]);
        }
}

void
replica_check(const struct replica *r, const struct slice *entries, size_t n,
              struct entry *es, int *results)
{
        check_all(r, entries, es, results, n);
}

void
replica_check_part(const struct replica *r, const struct slice *entries,
                   const uint8_t *ids, size_t n, struct entry *es, int *results)
{
        struct check_range c = {r, entries, ids, es, results, 0, n};

        check_range_run(&c);
}

/*
 * The sender holds what it sent: record it in the same transaction as the
 * entries (proto/SYNC.md §5), one put per feed of the batch.
 */
static int
record_sender(struct store_txn *t, const uint8_t *peer, const struct entry *es,
              const int *results, size_t n)
{
        uint64_t known;
        int err;

        for (size_t i = 0; i < n; i++) {
                if (results[i])
                        continue;
                if (i + 1 < n && !results[i + 1] &&
                    !memcmp(es[i + 1].feed, es[i].feed, ENTRY_HASH_BYTES))
                        continue; /* not the last of its feed's run */
                if ((err = store_peer_known(t, peer, es[i].feed, &known)))
                        return err;
                if (known < es[i].h.seq &&
                    (err = store_peer_known_put(t, peer, es[i].feed,
                                                es[i].h.seq)))
                        return err;
        }
        return 0;
}

/* A full copy of an entry held pruned gives it its body (SYNC.md §5.2);
 * it passed the same checks as any received entry. */
static int
fill_held(struct store_txn *t, const struct entry *e, uint32_t outbox_kinds)
{
        bool wanted, filled;
        int err;

        if (!e->env.has_body || !wire_kim_kind(e->h.kind))
                return 0;
        if ((err = replica__body_wanted(t, e, &wanted)) || !wanted)
                return err;
        if ((err = store_fill_body(t, e, &filled)))
                return err == ERR_NOT_FOUND ? 0 : err;
        return replica__body_filled(t, e, outbox_kinds);
}

int
replica_commit(struct replica *r, const struct slice *entries,
               const struct entry *es, int *results, size_t n,
               const char *source, struct ingest_stats *stats)
{
        return replica_commit_from(r, NULL, entries, es, results, n, source,
                                   NULL, stats);
}

int
replica_commit_from(struct replica *r, const uint8_t *peer,
                    const struct slice *entries, const struct entry *es,
                    int *results, size_t n, const char *source,
                    const struct replica_also *also, struct ingest_stats *stats)
{
        struct ingest_stats st = {0, 0, 0, 0};
        struct store_txn *t = NULL;
        struct trust_cache tc;
        /* KIM views: 1 stored now, 2 refused before the retry. */
        uint8_t *views = xcalloc(n ? n : 1, 1);
        int err;

        replica__trust_init(&tc);
        if ((err = store_begin(r->store, true, &t)))
                goto out;
        if (also && (err = also->fn(also->ctx, t))) {
                store_abort(t);
                goto out;
        }
        for (size_t i = 0; i < n; i++) {
                bool fresh = false;

                if (results[i])
                        continue;
                err = replica__insert(r, t, &tc, &es[i], &fresh);
                if (err == ERR_STORE_FULL || err == ERR_STORE ||
                    err == ERR_STORE_CORRUPT) {
                        store_abort(t);
                        goto out;
                }
                results[i] = err;
                err = 0;
                if (!results[i] && !fresh &&
                    (err = fill_held(t, &es[i], r->outbox_kinds))) {
                        store_abort(t);
                        goto out;
                }
                if (!results[i])
                        fresh ? st.stored++ : st.had++;
                views[i] = !results[i] ? fresh : 2;
        }
        if ((err = replica__retry(r, t, &tc, es, results, n, &st))) {
                store_abort(t);
                goto out;
        }
        for (size_t i = 0; i < n; i++) /* stored by the retry */
                views[i] = views[i] == 2 ? !results[i] : views[i];
        if ((err = replica__views_update(t, es, views, n)) ||
            (err = replica__outbox_add(t, es, views, n, r->outbox_kinds)) ||
            (peer && (err = record_sender(t, peer, es, results, n)))) {
                store_abort(t);
                goto out;
        }
        /* Forks write their proof, so the batch commits with refusals. */
        if ((err = store_commit(t)))
                goto out;
        for (size_t i = 0; i < n; i++) {
                if (!results[i])
                        continue;
                st.refused++;
                if (!st.first_error)
                        st.first_error = results[i];
                log_refusal(source, &es[i], entries[i], results[i]);
        }
out:
        replica__trust_release(&tc);
        free(views);
        if (err)
                memset(&st, 0, sizeof(st));
        if (stats)
                *stats = st;
        return err;
}

int
replica_ingest(struct replica *r, const struct slice *entries, size_t n,
               const char *source, int *results, struct ingest_stats *stats)
{
        struct entry *es;
        int *res;
        int err;

        if (n > REPLICA_BATCH_MAX)
                return ERR_USAGE;
        es = xcalloc(n ? n : 1, sizeof(*es));
        res = results ? results : xcalloc(n ? n : 1, sizeof(int));
        replica_check(r, entries, n, es, res);
        err = replica_commit(r, entries, es, res, n, source, stats);
        free(es);
        if (!results)
                free(res);
        return err;
}

/* ---- bodies of pruned entries (SYNC.md §5.2) ----------------------------- */

/*
 * The held entry h with body: its full envelope into full, opened into e,
 * or the error of the first check that fails (SPEC.md §5.1 check 6 and
 * the KIM checks; the signature again, as cheap as it is sure).
 */
static int
body_check(const struct entry *h, struct slice body, struct buf *full,
           struct entry *e)
{
        uint8_t hash[ENTRY_HASH_BYTES];
        struct envelope env = h->env;
        int err;

        hash_bytes(hash, body);
        if (body.len != h->h.body_len ||
            memcmp(hash, h->h.body_hash, ENTRY_HASH_BYTES))
                return ERR_BODY_HASH;
        env.has_body = true;
        env.body = body;
        wire_envelope_encode(&env, full);
        if ((err = entry_open(buf_slice(full), e)))
                return err;
        return kim_check_entry(e, NULL);
}

static void
log_body_refusal(const char *source, const uint8_t *feed, uint64_t seq, int err)
{
        char hex[2 * ENTRY_HASH_BYTES + 1];

        id_hex(hex, feed);
        log_warn(err_id(err),
                 "refused the body from %s for feed %.16s seq %" PRIu64
                 ": %s; the entry stays without it",
                 source, hex, seq, err_str(err));
}

int
replica_fill_body(struct replica *r, const uint8_t feed[ENTRY_HASH_BYTES],
                  uint64_t seq, struct slice body, const char *source,
                  bool *filled)
{
        struct buf held = BUF_INIT, full = BUF_INIT;
        struct store_txn *t = NULL;
        struct entry h, e;
        int err, bad = 0;

        *filled = false;
        if ((err = store_begin(r->store, true, &t)))
                return err;
        err = store_get(t, feed, seq, &held);
        if (err == ERR_NOT_FOUND) {
                err = 0; /* nothing held there to give it to */
                goto out;
        }
        if (err || (err = entry_parse(buf_slice(&held), &h)))
                goto out;
        if (h.env.has_body)
                goto out;
        if ((bad = body_check(&h, body, &full, &e)) == ERR_BODY_HASH) {
                err = bad;
                goto out;
        }
        err = bad ? replica__body_refused(t, feed, seq, bad)
                  : store_fill_body(t, &e, filled);
        if (!err && *filled)
                err = replica__body_filled(t, &e, r->outbox_kinds);
        if (!err) {
                err = store_commit(t);
                t = NULL;
        }
        if (!err && bad) {
                log_body_refusal(source, feed, seq, bad);
                err = bad;
        }
out:
        if (t)
                store_abort(t);
        if (err)
                *filled = false;
        buf_release(&held);
        buf_release(&full);
        return err;
}

/* ---- verifying the whole store ------------------------------------------- */

struct verify_walk {
        struct store_txn *t;
        verify_report_fn fn;
        void *ctx;
        struct verify_stats *stats;
        const struct feed_info *feed;
        uint64_t next_seq;
        uint8_t last_id[ENTRY_HASH_BYTES];
};

static void
problem(struct verify_walk *w, uint64_t seq, int err, const char *what)
{
        struct verify_problem p;

        memcpy(p.feed, w->feed->id, ENTRY_HASH_BYTES);
        p.seq = seq;
        p.err = err;
        p.what = what;
        w->stats->problems++;
        w->fn(w->ctx, &p);
}

static int
verify_entry(void *ctx, uint64_t seq, struct slice bytes)
{
        struct verify_walk *w = ctx;
        struct entry e;
        int err;

        w->stats->entries++;
        if ((err = entry_open(bytes, &e))) {
                problem(w, seq, err, "entry does not verify");
                /* Chain checks need the id; continue from what decodes. */
                if (entry_parse(bytes, &e)) {
                        w->next_seq = seq + 1;
                        return 0;
                }
        }
        if (seq != w->next_seq)
                problem(w, seq, ERR_GAP, "sequence numbers are not contiguous");
        if (e.h.seq != seq)
                problem(w, seq, ERR_STORE_CORRUPT,
                        "entry is stored under another sequence number");
        if (memcmp(e.feed, w->feed->id, ENTRY_HASH_BYTES))
                problem(w, seq, ERR_STORE_CORRUPT,
                        "entry belongs to another feed");
        if (seq > 1 &&
            (!e.h.has_prev || memcmp(e.h.prev, w->last_id, ENTRY_HASH_BYTES)))
                problem(w, seq, ERR_FORK,
                        "prev is not the id of the previous entry");
        memcpy(w->last_id, e.id, ENTRY_HASH_BYTES);
        w->next_seq = seq + 1;
        return 0;
}

static int
verify_feed(void *ctx, const struct feed_info *f)
{
        struct verify_walk *w = ctx;
        uint8_t id[ENTRY_HASH_BYTES];
        int err;

        w->stats->feeds++;
        w->feed = f;
        w->next_seq = 1;
        memset(w->last_id, 0, sizeof(w->last_id));
        feed_id_compute(id, f->author, f->author_region, &f->audience,
                        f->channel);
        if (memcmp(id, f->id, ENTRY_HASH_BYTES))
                problem(w, 0, ERR_STORE_CORRUPT,
                        "feed id is not the hash of its descriptor");
        err = store_feed_indexed(w->t, f);
        if (err == ERR_NOT_FOUND)
                problem(w, 0, ERR_STORE_CORRUPT,
                        "feed is missing from the change index");
        else if (err)
                return err;
        if ((err = store_feed_scan(w->t, f->id, 1, verify_entry, w)))
                return err;
        if (w->next_seq - 1 != f->head_seq ||
            memcmp(w->last_id, f->head_id, ENTRY_HASH_BYTES))
                problem(w, f->head_seq, ERR_STORE_CORRUPT,
                        "feed head does not match its last entry");
        return 0;
}

static int
count_feed(void *ctx, const struct feed_info *f)
{
        (void)f;
        ++*(uint64_t *)ctx;
        return 0;
}

/*
 * The change index that sync sessions read (proto/SYNC.md §4) names each
 * feed once, at its version: every feed was found in it (verify_feed), and
 * it holds no more keys than feeds, none stale.
 */
static int
verify_changes(struct verify_walk *w)
{
        static const struct feed_info none;
        uint64_t n = 0;
        int err = store_feeds_changed(w->t, 0, count_feed, &n);

        w->feed = &none;
        if (err == ERR_STORE_CORRUPT || (!err && n != w->stats->feeds)) {
                problem(w, 0, ERR_STORE_CORRUPT,
                        "change index does not match the feeds");
                err = 0;
        }
        return err;
}

int
replica_verify(struct replica *r, verify_report_fn fn, void *ctx,
               struct verify_stats *stats)
{
        struct verify_walk w;
        int err;

        memset(&w, 0, sizeof(w));
        memset(stats, 0, sizeof(*stats));
        w.fn = fn;
        w.ctx = ctx;
        w.stats = stats;
        if ((err = store_begin(r->store, false, &w.t)))
                return err;
        if (!(err = store_feeds(w.t, verify_feed, &w)))
                err = verify_changes(&w);
        store_abort(w.t);
        return err;
}
