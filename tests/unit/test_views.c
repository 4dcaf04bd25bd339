/*
 * test_views: the KIM views of proto/KIM.md §5-§6 on real signed entries in
 * real LMDB stores (mkdtemp directories), delivered through replica_ingest
 * as a sync or a bundle would; the calendar; the store's index tables.
 *
 * The node under test serves the kecamatan 36.04.12: it holds reports of
 * its desa to the kabupaten (path:36.04.12.2002:36.04), steps on the
 * shorter path to itself, and the kabupaten's announcements (tree:36.04).
 * Most entries are signed by keys of their own (no network: any key may
 * write for its region), so each is a feed of its own and may arrive in
 * any order; the announcement's author signs its decisions in one feed,
 * whose order every delivery keeps.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dirent.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../src/kim/view.h"
#include "../../src/replica/replica.h"
#include "testlib.h"

#define KAB "36.04"
#define KEC "36.04.12"
#define DESA "36.04.12.2002"
#define TO_KAB "path:36.04.12.2002:36.04"
#define TO_KEC "path:36.04.12.2002:36.04.12"
#define TREE "tree:36.04"
#define WORLD_MAX 600U
#define FEEDS_MAX 600U
#define PERMUTATIONS 60U
#define T0 1767000000000ULL /* 2025-12-29, a Monday, 09:20 UTC */
#define HOUR 3600000ULL
#define DAY 86400000ULL

/* ---- entries: a world of signed entries, built once ---------------------- */

struct built {
        struct buf bytes;
        uint8_t id[ENTRY_HASH_BYTES];
        uint8_t feed[ENTRY_HASH_BYTES];
        uint64_t seq;
};

struct feed_head {
        uint8_t feed[ENTRY_HASH_BYTES];
        uint64_t seq;
        uint8_t head[ENTRY_HASH_BYTES];
};

struct world {
        struct built e[WORLD_MAX];
        size_t n;
        struct feed_head feeds[FEEDS_MAX];
        size_t n_feeds;
        struct key *keys[WORLD_MAX];
        size_t n_keys;
};

/* A key of its own for each call (seeded by a counter). */
static struct key *
fresh_key(struct world *w)
{
        uint8_t seed[KEY_SEED_BYTES];

        assert_true(w->n_keys < WORLD_MAX);
        memset(seed, 0, sizeof(seed));
        be32_put(seed, (uint32_t)w->n_keys + 1000U);
        w->keys[w->n_keys] = key_from_seed(seed);
        return w->keys[w->n_keys++];
}

static struct feed_head *
feed_of(struct world *w, const uint8_t feed[ENTRY_HASH_BYTES])
{
        for (size_t i = 0; i < w->n_feeds; i++)
                if (!memcmp(w->feeds[i].feed, feed, ENTRY_HASH_BYTES))
                        return &w->feeds[i];
        assert_true(w->n_feeds < FEEDS_MAX);
        memset(&w->feeds[w->n_feeds], 0, sizeof(w->feeds[0]));
        memcpy(w->feeds[w->n_feeds].feed, feed, ENTRY_HASH_BYTES);
        return &w->feeds[w->n_feeds++];
}

/* Signs body b as (k, region) to audience at ts; returns its index. */
static size_t
make(struct world *w, const struct key *k, const char *region,
     const char *audience, const struct kim_body *b, uint64_t ts)
{
        struct entry_header h;
        struct buf body = BUF_INIT;
        struct built *out = &w->e[w->n];
        struct feed_head *f;
        struct entry e;
        uint8_t feed[ENTRY_HASH_BYTES];
        int channel = kind_channel(b->kind);

        assert_true(w->n < WORLD_MAX && channel > 0);
        memset(&h, 0, sizeof(h));
        strcpy(h.author_region, region);
        assert_int_equal(audience_parse(&h.audience, audience), 0);
        h.kind = b->kind;
        h.timestamp_ms = ts;
        feed_id_compute(feed, k->pk, region, &h.audience, (uint8_t)channel);
        f = feed_of(w, feed);
        h.seq = f->seq + 1;
        h.has_prev = f->seq > 0;
        memcpy(h.prev, f->head, ENTRY_HASH_BYTES);
        wire_kim_encode(b, &body);
        buf_init(&out->bytes);
        assert_int_equal(entry_create(k, &h, buf_slice(&body), &out->bytes), 0);
        assert_int_equal(entry_open(buf_slice(&out->bytes), &e), 0);
        assert_int_equal(kim_check_entry(&e, NULL), 0);
        memcpy(out->id, e.id, ENTRY_HASH_BYTES);
        memcpy(out->feed, feed, ENTRY_HASH_BYTES);
        out->seq = h.seq;
        f->seq = h.seq;
        memcpy(f->head, e.id, ENTRY_HASH_BYTES);
        buf_release(&body);
        return w->n++;
}

static void
world_free(struct world *w)
{
        for (size_t i = 0; i < w->n; i++)
                buf_release(&w->e[i].bytes);
        for (size_t i = 0; i < w->n_keys; i++)
                key_free(w->keys[i]);
        free(w);
}

static const uint8_t *
id_of(struct world *w, size_t i)
{
        return w->e[i].id;
}

/* ---- bodies -------------------------------------------------------------- */

static struct kim_body
report_body(uint32_t kind, const char *title)
{
        struct kim_body b;

        memset(&b, 0, sizeof(b));
        b.kind = kind;
        b.has_handler = true;
        strcpy(b.handler, KAB);
        b.has_title = b.has_text = b.has_category = true;
        b.title = slice_cstr(title);
        b.text = slice_cstr("Jalan desa berlubang sejak Januari.");
        b.category = slice_cstr("infrastruktur");
        return b;
}

static struct kim_body
step_body(const uint8_t *report, const uint8_t *after, enum kim_step step,
          enum kim_result result)
{
        struct kim_body b;

        memset(&b, 0, sizeof(b));
        b.kind = KIND_STATUS;
        b.has_report = b.has_after = true;
        memcpy(b.report, report, ENTRY_HASH_BYTES);
        memcpy(b.after, after, ENTRY_HASH_BYTES);
        b.step = step;
        if (step == KIM_STEP_DIVERIFIKASI) {
                b.result = result;
                b.has_method = b.has_verifier = true;
                b.method = slice_cstr("kunjungan lapangan");
                b.verifier = slice_cstr("Siti Aminah");
        }
        if (step == KIM_STEP_DITERUSKAN) {
                b.has_agency = true;
                b.agency = slice_cstr("Dinas PUPR Kabupaten Serang");
        }
        return b;
}

static struct kim_body
reply_body(const uint8_t *report, const char *text)
{
        struct kim_body b;

        memset(&b, 0, sizeof(b));
        b.kind = KIND_TANGGAPAN;
        b.has_report = b.has_text = true;
        memcpy(b.report, report, ENTRY_HASH_BYTES);
        b.text = slice_cstr(text);
        return b;
}

static struct kim_body
info_body(const char *title)
{
        struct kim_body b;

        memset(&b, 0, sizeof(b));
        b.kind = KIND_INFORMASI;
        b.has_title = b.has_text = true;
        b.title = slice_cstr(title);
        b.text = slice_cstr("Posyandu Sabtu pukul 08.00.");
        return b;
}

static struct kim_body
revisi_body(const uint8_t *item, const char *title)
{
        struct kim_body b;

        memset(&b, 0, sizeof(b));
        b.kind = KIND_REVISI;
        b.has_item = b.has_title = b.has_text = b.has_reason = true;
        memcpy(b.item, item, ENTRY_HASH_BYTES);
        b.title = slice_cstr(title);
        b.text = slice_cstr("Posyandu Sabtu pukul 08.00 di balai desa.");
        b.reason = slice_cstr("ejaan");
        return b;
}

static struct kim_body
decision_body(const uint8_t *revisi, enum kim_decision d)
{
        struct kim_body b;

        memset(&b, 0, sizeof(b));
        b.kind = KIND_REVISI_KEPUTUSAN;
        b.has_revisi = true;
        memcpy(b.revisi, revisi, ENTRY_HASH_BYTES);
        b.decision = d;
        return b;
}

/* ---- stores ------------------------------------------------------------- */

struct fx {
        char tmp[64];
        int stores;
};

static int
setup(void **state)
{
        struct fx *fx = xcalloc(1, sizeof(*fx));

        if (test_dir_make(fx->tmp, "views") || entry_lib_init())
                return -1;
        log_set_level(LOG_WARN);
        *state = fx;
        return 0;
}

static int
teardown(void **state)
{
        struct fx *fx = *state;

        test_rm_tree(fx->tmp);
        free(fx);
        log_set_level(LOG_INFO);
        return 0;
}

/* A fresh store under the fixture and a replica of KEC over it. */
static struct store *
store_new(struct fx *fx, struct replica *r)
{
        struct store *s = NULL;
        char dir[128];

        snprintf(dir, sizeof(dir), "%s/s%d", fx->tmp, fx->stores++);
        assert_int_equal(store_open(&s, dir, NULL), 0);
        memset(r, 0, sizeof(*r));
        r->store = s;
        r->threads = 1;
        strcpy(r->region, KEC);
        return s;
}

/* Ingests w's entries order[0..n) in batches of the given sizes (cycled);
 * every one must be stored. */
static void
deliver(struct replica *r, struct world *w, const size_t *order, size_t n,
        const size_t *batches, size_t n_batches)
{
        struct slice in[WORLD_MAX];
        int res[WORLD_MAX];
        struct ingest_stats st;
        size_t i = 0, b = 0;

        while (i < n) {
                size_t k = batches ? batches[b++ % n_batches] : n;
                if (k > n - i)
                        k = n - i;
                for (size_t j = 0; j < k; j++)
                        in[j] = buf_slice(&w->e[order[i + j]].bytes);
                assert_int_equal(replica_ingest(r, in, k, "test", res, &st), 0);
                for (size_t j = 0; j < k; j++)
                        if (res[j])
                                fail_msg("entry %zu refused: %s", order[i + j],
                                         err_id(res[j]));
                assert_int_equal(st.stored, k);
                i += k;
        }
}

static void
deliver_all(struct replica *r, struct world *w, const size_t *skip,
            size_t n_skip)
{
        size_t order[WORLD_MAX], n = 0;

        for (size_t i = 0; i < w->n; i++) {
                bool skipped = false;
                for (size_t j = 0; j < n_skip; j++)
                        skipped |= skip[j] == i;
                if (!skipped)
                        order[n++] = i;
        }
        deliver(r, w, order, n, NULL, 0);
}

static int
dump_visit(void *ctx, struct slice key, struct slice value)
{
        struct buf *out = ctx;

        buf_add_be32(out, (uint32_t)key.len);
        buf_add(out, key.ptr, key.len);
        buf_add_be32(out, (uint32_t)value.len);
        buf_add(out, value.ptr, value.len);
        return 0;
}

/* Every view table of s, key and value bytes, in order. */
static void
dump(struct store *s, struct buf *out)
{
        struct store_txn *t = NULL;

        buf_reset(out);
        assert_int_equal(store_begin(s, false, &t), 0);
        assert_int_equal(replica_views_dump(t, dump_visit, out), 0);
        store_abort(t);
}

static void
view_get(struct store *s, const uint8_t *id, struct wire_report_view *v)
{
        struct store_txn *t = NULL;

        assert_int_equal(store_begin(s, false, &t), 0);
        assert_int_equal(replica_report_view(t, id, v), 0);
        store_abort(t);
}

static const struct wire_view_event *
event_of(const struct wire_report_view *v, const uint8_t *id)
{
        for (size_t i = 0; i < v->timeline_n; i++)
                if (!memcmp(v->timeline[i].id, id, ENTRY_HASH_BYTES))
                        return &v->timeline[i];
        return NULL;
}

static void
expect_mark(const struct wire_report_view *v, const uint8_t *id,
            enum wire_mark m, const char *what)
{
        const struct wire_view_event *ev = event_of(v, id);

        if (!ev)
                fail_msg("%s: not in the timeline", what);
        if (ev->mark != m)
                fail_msg("%s: marked %s, want %s", what,
                         wire_mark_name(ev->mark), wire_mark_name(m));
}

/* ---- the scenario of the permutation test -------------------------------- */

enum {
        S_A,
        S_R,
        S_R2,
        S_S1,
        S_S2,
        S_S3,
        S_S4,
        S_S5,
        S_S6,
        S_BAD,
        S_BAD2,
        S_T1,
        S_T2,
        S_ON_REPLY,
        S_WRONG_AUD,
        S_GHOST,
        S_PEND,
        S_RV1,
        S_RV2,
        S_D1,
        S_D2,
        S_D3,
        S_D4,
        S_COUNT
};

struct scenario {
        struct world *w;
        size_t at[S_COUNT]; /* world index of each named entry */
};

static size_t
step_at(struct scenario *sc, const struct key *k, const char *region,
        const char *aud, size_t report, size_t after, enum kim_step step,
        enum kim_result res, uint64_t ts, bool anonim, bool rahasia)
{
        struct kim_body b = step_body(id_of(sc->w, sc->at[report]),
                                      id_of(sc->w, sc->at[after]), step, res);

        b.anonim = anonim;
        b.rahasia = rahasia;
        return make(sc->w, k, region, aud, &b, ts);
}

/*
 * A report R to the kabupaten with a valid branch by two handlers (the
 * kabupaten and the kecamatan) running to konfirmasi, a concurrent
 * conflicting ditunda, a follow-up before verification and a step under
 * it, a step after a tanggapan, a step on the wrong path, two responses,
 * a step pending on one never delivered (S_GHOST), flag raises; a second
 * report left diajukan; an announcement with two revisions and decisions.
 */
static void
scenario_build(struct scenario *sc)
{
        struct world *w = sc->w = xcalloc(1, sizeof(*w));
        struct key *b1 = fresh_key(w), *d = fresh_key(w);
        struct kim_body b;

        b = info_body("Jadwal posyandu");
        sc->at[S_A] = make(w, b1, KAB, TREE, &b, T0 + 100);
        b = report_body(KIND_ASPIRASI, "Jalan rusak");
        sc->at[S_R] = make(w, d, DESA, TO_KAB, &b, T0 + 1000);
        b = report_body(KIND_PENGADUAN, "Lampu jalan mati");
        sc->at[S_R2] = make(w, fresh_key(w), DESA, TO_KAB, &b, T0 + 1100);
        sc->at[S_S1] = step_at(sc, fresh_key(w), KAB, TO_KAB, S_R, S_R,
                               KIM_STEP_DIVERIFIKASI, KIM_RESULT_VALID,
                               T0 + 3000, false, false);
        sc->at[S_S2] = step_at(sc, fresh_key(w), KAB, TO_KAB, S_R, S_R,
                               KIM_STEP_DITUNDA, 0, T0 + 2500, true, false);
        sc->at[S_S3] = step_at(sc, fresh_key(w), KAB, TO_KAB, S_R, S_S1,
                               KIM_STEP_DITERUSKAN, 0, T0 + 3500, false, true);
        sc->at[S_S4] =
            step_at(sc, fresh_key(w), KAB, TO_KAB, S_R, S_S3,
                    KIM_STEP_DITINDAKLANJUTI, 0, T0 + 5000, false, false);
        sc->at[S_S5] = step_at(sc, fresh_key(w), KAB, TO_KAB, S_R, S_S4,
                               KIM_STEP_SELESAI, 0, T0 + 6000, false, false);
        sc->at[S_S6] = step_at(sc, d, DESA, TO_KAB, S_R, S_S5,
                               KIM_STEP_KONFIRMASI, 0, T0 + 7000, false, false);
        sc->at[S_BAD] =
            step_at(sc, fresh_key(w), KAB, TO_KAB, S_R, S_R,
                    KIM_STEP_DITINDAKLANJUTI, 0, T0 + 2000, true, true);
        sc->at[S_BAD2] = step_at(sc, fresh_key(w), KAB, TO_KAB, S_R, S_BAD,
                                 KIM_STEP_SELESAI, 0, T0 + 2100, false, false);
        b = reply_body(id_of(w, sc->at[S_R]), "Sudah kami terima.");
        sc->at[S_T1] = make(w, fresh_key(w), KAB, TO_KAB, &b, T0 + 4000);
        b = reply_body(id_of(w, sc->at[S_R]), "Camat sudah meninjau.");
        sc->at[S_T2] = make(w, fresh_key(w), KAB, TO_KAB, &b, T0 + 4500);
        sc->at[S_ON_REPLY] =
            step_at(sc, fresh_key(w), KAB, TO_KAB, S_R, S_T1, KIM_STEP_SELESAI,
                    0, T0 + 4600, false, false);
        sc->at[S_WRONG_AUD] =
            step_at(sc, fresh_key(w), KEC, TO_KEC, S_R, S_S4, KIM_STEP_SELESAI,
                    0, T0 + 6500, false, false);
        sc->at[S_GHOST] = step_at(sc, fresh_key(w), KAB, TO_KAB, S_R, S_R,
                                  KIM_STEP_DITUNDA, 0, T0 + 2600, false, false);
        sc->at[S_PEND] = step_at(sc, fresh_key(w), KAB, TO_KAB, S_R, S_GHOST,
                                 KIM_STEP_DIVERIFIKASI, KIM_RESULT_HOAKS,
                                 T0 + 2700, false, false);
        {
                struct key *b2 = fresh_key(w);
                b = revisi_body(id_of(w, sc->at[S_A]), "Jadwal posyandu (1)");
                sc->at[S_RV1] = make(w, b2, KAB, TREE, &b, T0 + 150);
                b = revisi_body(id_of(w, sc->at[S_A]), "Jadwal posyandu (2)");
                sc->at[S_RV2] = make(w, b2, KAB, TREE, &b, T0 + 160);
                b = decision_body(id_of(w, sc->at[S_RV1]),
                                  KIM_DECISION_DITERIMA);
                sc->at[S_D1] = make(w, b1, KAB, TREE, &b, T0 + 200);
                b = decision_body(id_of(w, sc->at[S_RV2]),
                                  KIM_DECISION_DITERIMA);
                sc->at[S_D2] = make(w, b1, KAB, TREE, &b, T0 + 300);
                b = decision_body(id_of(w, sc->at[S_RV2]),
                                  KIM_DECISION_DITOLAK);
                sc->at[S_D3] = make(w, b1, KAB, TREE, &b, T0 + 400);
                /* Not the announcement's author: does not count. */
                b = decision_body(id_of(w, sc->at[S_RV2]),
                                  KIM_DECISION_DITERIMA);
                sc->at[S_D4] = make(w, b2, KAB, TREE, &b, T0 + 500);
        }
}

static const uint8_t *
sid(struct scenario *sc, int name)
{
        return id_of(sc->w, sc->at[name]);
}

/* What the scenario's views must say, checked on one store. */
static void
scenario_expect(struct scenario *sc, struct store *s)
{
        struct wire_report_view v;
        struct wire_revision_view rv;
        struct store_txn *t = NULL;
        const struct built *e = sc->w->e;

        view_get(s, sid(sc, S_R), &v);
        assert_string_equal(v.state, "ditutup");
        assert_string_equal(v.result, "valid");
        assert_memory_equal(v.head, sid(sc, S_S6), ENTRY_HASH_BYTES);
        assert_true(v.anonim);  /* raised by the superseded ditunda */
        assert_true(v.rahasia); /* raised by diteruskan */
        assert_true(v.has_verified_ts && v.verified_ts == T0 + 3000);
        assert_true(v.has_followed_ts && v.followed_ts == T0 + 5000);
        assert_true(v.has_done_ts && v.done_ts == T0 + 6000);
        assert_true(v.has_last_reply_ts && v.last_reply_ts == T0 + 4500);
        expect_mark(&v, sid(sc, S_R), WIRE_MARK_VALID, "report");
        expect_mark(&v, sid(sc, S_S1), WIRE_MARK_VALID, "diverifikasi");
        expect_mark(&v, sid(sc, S_S2), WIRE_MARK_SUPERSEDED, "ditunda");
        expect_mark(&v, sid(sc, S_S3), WIRE_MARK_VALID, "diteruskan");
        expect_mark(&v, sid(sc, S_S4), WIRE_MARK_VALID, "ditindaklanjuti");
        expect_mark(&v, sid(sc, S_S5), WIRE_MARK_VALID, "selesai");
        expect_mark(&v, sid(sc, S_S6), WIRE_MARK_VALID, "konfirmasi");
        expect_mark(&v, sid(sc, S_BAD), WIRE_MARK_INVALID,
                    "follow-up before verification");
        expect_mark(&v, sid(sc, S_BAD2), WIRE_MARK_INVALID,
                    "a step under an invalid one");
        expect_mark(&v, sid(sc, S_ON_REPLY), WIRE_MARK_INVALID,
                    "a step after a tanggapan");
        expect_mark(&v, sid(sc, S_WRONG_AUD), WIRE_MARK_INVALID,
                    "a step on another path");
        expect_mark(&v, sid(sc, S_T1), WIRE_MARK_VALID, "tanggapan 1");
        expect_mark(&v, sid(sc, S_T2), WIRE_MARK_VALID, "tanggapan 2");
        assert_null(event_of(&v, sid(sc, S_PEND))); /* pending: not shown */
        assert_int_equal(v.timeline_n, 13);
        for (size_t i = 1; i < v.timeline_n; i++) /* (ts, id) order */
                assert_true(v.timeline[i - 1].ts < v.timeline[i].ts ||
                            (v.timeline[i - 1].ts == v.timeline[i].ts &&
                             memcmp(v.timeline[i - 1].id, v.timeline[i].id,
                                    ENTRY_HASH_BYTES) < 0));
        wire_report_view_release(&v);
        view_get(s, sid(sc, S_R2), &v);
        assert_string_equal(v.state, "diajukan");
        assert_memory_equal(v.head, sid(sc, S_R2), ENTRY_HASH_BYTES);
        assert_int_equal(v.timeline_n, 1);
        wire_report_view_release(&v);
        assert_int_equal(store_begin(s, false, &t), 0);
        assert_int_equal(replica_revision_view(t, sid(sc, S_A), &rv), 0);
        store_abort(t);
        assert_memory_equal(rv.revisi, e[sc->at[S_RV1]].id, ENTRY_HASH_BYTES);
        assert_memory_equal(rv.decision, e[sc->at[S_D1]].id, ENTRY_HASH_BYTES);
        assert_int_equal(rv.decided_ts, T0 + 200);
}

/* A random order of w's entries but S_GHOST, keeping each feed's order:
 * shuffle, then give each feed's positions to its entries in seq order. */
static size_t
random_order(struct scenario *sc, uint64_t *rng, size_t *order)
{
        struct world *w = sc->w;
        size_t n = 0;

        for (size_t i = 0; i < w->n; i++)
                if (i != sc->at[S_GHOST])
                        order[n++] = i;
        for (size_t i = n; i > 1; i--) {
                size_t j;
                *rng ^= *rng << 13, *rng ^= *rng >> 7, *rng ^= *rng << 17;
                j = (size_t)(*rng % i);
                size_t tmp = order[i - 1];
                order[i - 1] = order[j];
                order[j] = tmp;
        }
        for (size_t f = 0; f < w->n_feeds; f++) {
                uint64_t next = 1;
                for (size_t p = 0; p < n; p++) {
                        if (memcmp(w->e[order[p]].feed, w->feeds[f].feed,
                                   ENTRY_HASH_BYTES))
                                continue;
                        /* the entry of this feed with seq `next` */
                        for (size_t i = 0; i < w->n; i++)
                                if (!memcmp(w->e[i].feed, w->feeds[f].feed,
                                            ENTRY_HASH_BYTES) &&
                                    w->e[i].seq == next)
                                        order[p] = i;
                        next++;
                }
        }
        return n;
}

static void
permutations_give_identical_views(void **state)
{
        struct fx *fx = *state;
        struct scenario sc;
        struct buf ref = BUF_INIT, got = BUF_INIT;
        size_t order[WORLD_MAX], n;
        uint64_t rng = 0x9e3779b97f4a7c15ULL;
        static const size_t batches[] = {1, 3, 1, 7, 2, 40};
        struct replica r;
        struct store *s;

        scenario_build(&sc);
        s = store_new(fx, &r);
        deliver_all(&r, sc.w, &sc.at[S_GHOST], 1);
        scenario_expect(&sc, s);
        dump(s, &ref);
        assert_true(ref.len > 1000);
        store_close(s);
        for (unsigned p = 0; p < PERMUTATIONS; p++) {
                n = random_order(&sc, &rng, order);
                s = store_new(fx, &r);
                /* Odd runs one entry per batch, even ones mixed batches. */
                deliver(&r, sc.w, order, n, p % 2 ? NULL : batches,
                        p % 2 ? 0 : ARRAY_LEN(batches));
                dump(s, &got);
                if (!slice_eq(buf_slice(&ref), buf_slice(&got)))
                        fail_msg("permutation %u: the view tables differ "
                                 "(%zu bytes, want %zu)",
                                 p, got.len, ref.len);
                if (p < 3)
                        scenario_expect(&sc, s);
                store_close(s);
        }
        buf_release(&ref);
        buf_release(&got);
        world_free(sc.w);
}

/* One by one, newest first: every step before what it follows (the one
 * feed of several entries keeps its own order, at the end). */
static void
reverse_one_by_one(void **state)
{
        struct fx *fx = *state;
        struct scenario sc;
        struct buf ref = BUF_INIT, got = BUF_INIT;
        size_t order[WORLD_MAX], n = 0, ones[] = {1};
        struct replica r;
        struct store *s;

        scenario_build(&sc);
        s = store_new(fx, &r);
        deliver_all(&r, sc.w, &sc.at[S_GHOST], 1);
        dump(s, &ref);
        store_close(s);
        for (size_t i = sc.w->n; i-- > 0;)
                if (i != sc.at[S_GHOST] && sc.w->e[i].seq == 1)
                        order[n++] = i;
        for (size_t i = 0; i < sc.w->n; i++)
                if (sc.w->e[i].seq > 1)
                        order[n++] = i;
        s = store_new(fx, &r);
        deliver(&r, sc.w, order, n, ones, 1);
        dump(s, &got);
        assert_true(slice_eq(buf_slice(&ref), buf_slice(&got)));
        scenario_expect(&sc, s);
        store_close(s);
        buf_release(&ref);
        buf_release(&got);
        world_free(sc.w);
}

/*
 * A report that grows a step at a time, as a live link delivers it: each
 * new step under the current one extends the stored view
 * (kim_view_extend) instead of recomputing it. Between them: a side branch
 * it supersedes, a forbidden step, a tanggapan, flags raised mid-way, and
 * timestamps out of chain order (events land inside the timeline). The
 * tables must be those of one batch and of a rebuild from scratch.
 */
/* Delivers order[from..to) of w one entry per batch, then checks that the
 * view tables are those a rebuild from scratch gives. */
static void
deliver_and_rebuild(struct replica *r, struct world *w, const size_t *order,
                    size_t from, size_t to)
{
        struct buf got = BUF_INIT, want = BUF_INIT;
        size_t ones[] = {1};

        deliver(r, w, order + from, to - from, ones, 1);
        dump(r->store, &got);
        assert_int_equal(replica_views_rebuild(r, NULL), 0);
        dump(r->store, &want);
        if (!slice_eq(buf_slice(&got), buf_slice(&want)))
                fail_msg("entries %zu to %zu one by one: %zu bytes of "
                         "tables, a rebuild %zu",
                         from, to, got.len, want.len);
        buf_release(&got);
        buf_release(&want);
}

/*
 * A report that grows a step at a time, as a live link delivers it: each
 * new step under the current one extends the stored view
 * (kim_view_extend) instead of recomputing it. Between them: a side branch
 * it supersedes, a forbidden step, a tanggapan (those recompute), flags
 * raised, timestamps out of chain order (events land inside the
 * timeline). After each half the tables must be those of a rebuild from
 * scratch, and in the end those of one batch.
 */
static void
long_report_step_by_step(void **state)
{
        enum { STEPS = 250 };
        struct fx *fx = *state;
        struct world *w = xcalloc(1, sizeof(*w));
        struct key *d = fresh_key(w), *k = fresh_key(w);
        struct buf one = BUF_INIT, all = BUF_INIT;
        struct wire_report_view v;
        size_t order[WORLD_MAX], r, head, n;
        struct replica rep;
        struct kim_body b;
        struct store *s;

        b = report_body(KIND_ASPIRASI, "Jalan rusak");
        r = head = make(w, d, DESA, TO_KAB, &b, T0);
        for (size_t i = 0; i < STEPS; i++) {
                uint64_t ts = T0 + 1000 * (i % 7) + i;
                enum kim_step st =
                    i ? KIM_STEP_DITINDAKLANJUTI : KIM_STEP_DIVERIFIKASI;
                size_t at;

                b = step_body(id_of(w, r), id_of(w, head), st,
                              KIM_RESULT_VALID);
                b.anonim = i == 230;
                b.rahasia = i == 70 || i == 240;
                at = make(w, k, KAB, TO_KAB, &b, ts);
                if (i == 60 || i == 190) { /* a side branch, superseded */
                        b = step_body(id_of(w, r), id_of(w, r),
                                      KIM_STEP_DITUNDA, 0);
                        make(w, fresh_key(w), KAB, TO_KAB, &b, T0 + i);
                }
                if (i == 120) { /* not allowed after ditindaklanjuti */
                        b = step_body(id_of(w, r), id_of(w, at),
                                      KIM_STEP_DIVERIFIKASI, KIM_RESULT_VALID);
                        make(w, fresh_key(w), KAB, TO_KAB, &b, ts + 1);
                }
                if (i == 200) {
                        b = reply_body(id_of(w, r), "Sedang dikerjakan.");
                        make(w, fresh_key(w), KAB, TO_KAB, &b, ts + 2);
                }
                head = at;
        }
        b = step_body(id_of(w, r), id_of(w, head), KIM_STEP_SELESAI, 0);
        head = make(w, k, KAB, TO_KAB, &b, T0 + 9000);
        for (n = 0; n < w->n; n++)
                order[n] = n;

        s = store_new(fx, &rep);
        deliver_and_rebuild(&rep, w, order, 0, 90);
        deliver_and_rebuild(&rep, w, order, 90, n);
        dump(s, &one);
        view_get(s, id_of(w, r), &v);
        assert_memory_equal(v.head, id_of(w, head), ENTRY_HASH_BYTES);
        assert_string_equal(v.state, "selesai");
        assert_true(v.anonim && v.rahasia && v.has_done_ts);
        assert_int_equal(v.timeline_n, w->n);
        wire_report_view_release(&v);
        store_close(s);
        s = store_new(fx, &rep);
        deliver(&rep, w, order, n, NULL, 0);
        dump(s, &all);
        store_close(s);
        assert_true(slice_eq(buf_slice(&one), buf_slice(&all)));
        buf_release(&one);
        buf_release(&all);
        world_free(w);
}

/* The forbidden steps change nothing but the timeline: the same state,
 * head, result, flags and counters as without them. */
static void
forbidden_steps_change_nothing(void **state)
{
        struct fx *fx = *state;
        struct scenario sc;
        struct wire_report_view with, without;
        struct replica r;
        struct store *s1, *s2;

        scenario_build(&sc);
        s1 = store_new(fx, &r);
        deliver_all(&r, sc.w, &sc.at[S_GHOST], 1);
        view_get(s1, sid(&sc, S_R), &with);
        {
                size_t skip[] = {sc.at[S_GHOST], sc.at[S_BAD], sc.at[S_BAD2],
                                 sc.at[S_ON_REPLY], sc.at[S_WRONG_AUD]};
                s2 = store_new(fx, &r);
                deliver_all(&r, sc.w, skip, ARRAY_LEN(skip));
        }
        view_get(s2, sid(&sc, S_R), &without);
        assert_string_equal(with.state, without.state);
        assert_string_equal(with.result, without.result);
        assert_memory_equal(with.head, without.head, ENTRY_HASH_BYTES);
        /* S_BAD raised both flags, but it is invalid: the flags come from
         * the valid steps alone, which raise both too. */
        assert_int_equal(with.anonim, without.anonim);
        assert_int_equal(with.rahasia, without.rahasia);
        assert_int_equal(with.verified_ts, without.verified_ts);
        assert_int_equal(with.done_ts, without.done_ts);
        assert_int_equal(with.timeline_n, without.timeline_n + 4);
        wire_report_view_release(&with);
        wire_report_view_release(&without);
        store_close(s1);
        store_close(s2);
        world_free(sc.w);
}

/* The pending step shows once what it follows arrives; its wait ends. */
static void
pending_step_resolves(void **state)
{
        struct fx *fx = *state;
        struct scenario sc;
        struct wire_report_view v;
        struct buf before = BUF_INIT, after = BUF_INIT, all = BUF_INIT;
        struct replica r, r2;
        struct store *s, *s2;
        size_t ghost;

        scenario_build(&sc);
        ghost = sc.at[S_GHOST];
        s = store_new(fx, &r);
        deliver_all(&r, sc.w, &ghost, 1);
        dump(s, &before);
        deliver(&r, sc.w, &ghost, 1, NULL, 0);
        dump(s, &after);
        assert_false(slice_eq(buf_slice(&before), buf_slice(&after)));
        view_get(s, sid(&sc, S_R), &v);
        expect_mark(&v, sid(&sc, S_GHOST), WIRE_MARK_SUPERSEDED, "ghost");
        expect_mark(&v, sid(&sc, S_PEND), WIRE_MARK_SUPERSEDED, "pending");
        assert_int_equal(v.timeline_n, 15);
        wire_report_view_release(&v);
        /* The same as a store that had everything in one batch. */
        s2 = store_new(fx, &r2);
        deliver_all(&r2, sc.w, NULL, 0);
        dump(s2, &all);
        assert_true(slice_eq(buf_slice(&after), buf_slice(&all)));
        /* And a rebuild from the entries gives the same tables. */
        assert_int_equal(replica_views_rebuild(&r2, NULL), 0);
        dump(s2, &before);
        assert_true(slice_eq(buf_slice(&before), buf_slice(&all)));
        store_close(s);
        store_close(s2);
        buf_release(&before);
        buf_release(&after);
        buf_release(&all);
        world_free(sc.w);
}

/* ---- rule 1: every (state, step) pair through the views ----------------- */

struct state_path {
        const char *state;
        enum kim_step steps[5]; /* ends with 0 */
        enum kim_result result; /* of the diverifikasi among them */
};

static const struct state_path paths[] = {
    {"diajukan", {0}, 0},
    {"diverifikasi", {KIM_STEP_DIVERIFIKASI}, KIM_RESULT_VALID},
    {"diverifikasi", {KIM_STEP_DIVERIFIKASI}, KIM_RESULT_TIDAK_VALID},
    {"ditunda", {KIM_STEP_DITUNDA}, 0},
    {"bukan_wewenang", {KIM_STEP_BUKAN_WEWENANG}, 0},
    {"diarsipkan", {KIM_STEP_DIARSIPKAN}, 0},
    {"diteruskan",
     {KIM_STEP_DIVERIFIKASI, KIM_STEP_DITERUSKAN},
     KIM_RESULT_VALID},
    {"ditindaklanjuti",
     {KIM_STEP_DIVERIFIKASI, KIM_STEP_DITINDAKLANJUTI},
     KIM_RESULT_VALID},
    {"selesai",
     {KIM_STEP_DIVERIFIKASI, KIM_STEP_DITINDAKLANJUTI, KIM_STEP_SELESAI},
     KIM_RESULT_VALID},
    {"ditutup",
     {KIM_STEP_DIVERIFIKASI, KIM_STEP_DITINDAKLANJUTI, KIM_STEP_SELESAI,
      KIM_STEP_DITUTUP},
     KIM_RESULT_VALID},
};

/*
 * KIM.md §3, written out again here: from which states (by index in
 * paths) each step is allowed, and the state after it ("" = unchanged).
 */
static const struct {
        enum kim_step step;
        const char *from; /* one char per paths[] row: 'y' allowed */
        const char *to;
} table[] = {
    /*                          aj dv dx td bw da dt tl se tu */
    {KIM_STEP_DIVERIFIKASI, "y..y......", "diverifikasi"},
    {KIM_STEP_DITUNDA, "y.y.......", "ditunda"},
    {KIM_STEP_BUKAN_WEWENANG, "y..y......", "bukan_wewenang"},
    {KIM_STEP_DIARSIPKAN, "y.yyy.....", "diarsipkan"},
    {KIM_STEP_DITERUSKAN, ".y........", "diteruskan"},
    {KIM_STEP_DITINDAKLANJUTI, ".y....yy..", "ditindaklanjuti"},
    {KIM_STEP_SELESAI, ".......y..", "selesai"},
    {KIM_STEP_DITUTUP, "....yy..y.", "ditutup"},
    {KIM_STEP_TAMBAH_INFORMASI, "yyyyyyyyy.", ""},
    {KIM_STEP_KONFIRMASI, "........y.", "ditutup"},
    {KIM_STEP_BUKA_KEMBALI, "........yy", "ditindaklanjuti"},
};

static void
every_state_and_step(void **state)
{
        struct fx *fx = *state;
        struct world *w = xcalloc(1, sizeof(*w));
        size_t report[ARRAY_LEN(paths)][ARRAY_LEN(table)];
        size_t last[ARRAY_LEN(paths)][ARRAY_LEN(table)];
        size_t before[ARRAY_LEN(paths)][ARRAY_LEN(table)];
        struct wire_report_view v;
        struct replica r;
        struct store *s;
        char title[64];

        for (size_t p = 0; p < ARRAY_LEN(paths); p++) {
                for (size_t k = 0; k < ARRAY_LEN(table); k++) {
                        struct kim_body b;
                        size_t prev;
                        uint64_t ts = T0;

                        snprintf(title, sizeof(title), "laporan %zu/%zu", p, k);
                        b = report_body(KIND_ASPIRASI, title);
                        prev = report[p][k] =
                            make(w, fresh_key(w), DESA, TO_KAB, &b, ts);
                        for (size_t i = 0; paths[p].steps[i]; i++) {
                                b = step_body(id_of(w, report[p][k]),
                                              id_of(w, prev), paths[p].steps[i],
                                              paths[p].result);
                                prev = make(w, fresh_key(w), KAB, TO_KAB, &b,
                                            ts += HOUR);
                        }
                        before[p][k] = prev;
                        b = step_body(id_of(w, report[p][k]), id_of(w, prev),
                                      table[k].step, KIM_RESULT_VALID);
                        last[p][k] = make(w, fresh_key(w),
                                          kim_step_role(table[k].step) ==
                                                  KIM_ROLE_VILLAGE
                                              ? DESA
                                              : KAB,
                                          TO_KAB, &b, ts + HOUR);
                }
        }
        s = store_new(fx, &r);
        deliver_all(&r, w, NULL, 0);
        for (size_t p = 0; p < ARRAY_LEN(paths); p++) {
                for (size_t k = 0; k < ARRAY_LEN(table); k++) {
                        bool allowed = table[k].from[p] == 'y';
                        const char *want = !allowed || !table[k].to[0]
                                               ? paths[p].state
                                               : table[k].to;

                        /* tambah_informasi: unchanged, but from ditunda
                         * back to diajukan. */
                        if (allowed && !table[k].to[0] &&
                            !strcmp(paths[p].state, "ditunda"))
                                want = "diajukan";
                        view_get(s, id_of(w, report[p][k]), &v);
                        if (strcmp(v.state, want))
                                fail_msg("%s from %s: state %s, want %s",
                                         kim_step_name(table[k].step),
                                         paths[p].state, v.state, want);
                        expect_mark(&v, id_of(w, last[p][k]),
                                    allowed ? WIRE_MARK_VALID
                                            : WIRE_MARK_INVALID,
                                    kim_step_name(table[k].step));
                        /* A refused step changes nothing: the head stays
                         * where the path ended. */
                        if (memcmp(
                                v.head,
                                id_of(w, allowed ? last[p][k] : before[p][k]),
                                ENTRY_HASH_BYTES))
                                fail_msg("%s from %s: the head moved wrong",
                                         kim_step_name(table[k].step),
                                         paths[p].state);
                        wire_report_view_release(&v);
                }
        }
        store_close(s);
        world_free(w);
}

/* ---- rules 2-4 ----------------------------------------------------------- */

/* Two conflicting steps at one depth: the smaller timestamp wins, and at
 * equal timestamps the smaller id. */
static void
current_step_ties(void **state)
{
        struct fx *fx = *state;
        struct world *w = xcalloc(1, sizeof(*w));
        struct wire_report_view v;
        struct kim_body b;
        struct replica r;
        struct store *s;
        size_t rep, a, c, rep2, x, y;
        const uint8_t *lo;

        b = report_body(KIND_ASPIRASI, "satu");
        rep = make(w, fresh_key(w), DESA, TO_KAB, &b, T0);
        b = step_body(id_of(w, rep), id_of(w, rep), KIM_STEP_BUKAN_WEWENANG, 0);
        a = make(w, fresh_key(w), KAB, TO_KAB, &b, T0 + 20);
        b = step_body(id_of(w, rep), id_of(w, rep), KIM_STEP_DIVERIFIKASI,
                      KIM_RESULT_VALID);
        c = make(w, fresh_key(w), KAB, TO_KAB, &b, T0 + 10);
        b = report_body(KIND_PERMINTAAN_INFORMASI, "dua");
        rep2 = make(w, fresh_key(w), DESA, TO_KAB, &b, T0);
        b = step_body(id_of(w, rep2), id_of(w, rep2), KIM_STEP_DITUNDA, 0);
        x = make(w, fresh_key(w), KAB, TO_KAB, &b, T0 + 5);
        b = step_body(id_of(w, rep2), id_of(w, rep2), KIM_STEP_DIARSIPKAN, 0);
        y = make(w, fresh_key(w), KAB, TO_KAB, &b, T0 + 5);
        s = store_new(fx, &r);
        deliver_all(&r, w, NULL, 0);
        view_get(s, id_of(w, rep), &v);
        assert_memory_equal(v.head, id_of(w, c), ENTRY_HASH_BYTES);
        assert_string_equal(v.state, "diverifikasi");
        expect_mark(&v, id_of(w, a), WIRE_MARK_SUPERSEDED, "later one");
        /* The timeline is in (ts, id) order: c (T0+10) before a. */
        assert_memory_equal(v.timeline[1].id, id_of(w, c), ENTRY_HASH_BYTES);
        wire_report_view_release(&v);
        view_get(s, id_of(w, rep2), &v);
        lo = memcmp(id_of(w, x), id_of(w, y), ENTRY_HASH_BYTES) < 0
                 ? id_of(w, x)
                 : id_of(w, y);
        assert_memory_equal(v.head, lo, ENTRY_HASH_BYTES);
        assert_string_equal(v.state,
                            lo == id_of(w, x) ? "ditunda" : "diarsipkan");
        assert_memory_equal(v.timeline[1].id, lo, ENTRY_HASH_BYTES);
        wire_report_view_release(&v);
        store_close(s);
        world_free(w);
}

/* Flags: OR of the report and its valid steps; an invalid step's raise
 * counts for nothing; a false never lowers. */
static void
flags_only_rise(void **state)
{
        struct fx *fx = *state;
        struct world *w = xcalloc(1, sizeof(*w));
        struct wire_report_view v;
        struct kim_body b;
        struct replica r;
        struct store *s;
        size_t rep, bad, rep2, up;

        b = report_body(KIND_ASPIRASI, "flags");
        rep = make(w, fresh_key(w), DESA, TO_KAB, &b, T0);
        b = step_body(id_of(w, rep), id_of(w, rep), KIM_STEP_SELESAI, 0);
        b.anonim = b.rahasia = true;
        bad = make(w, fresh_key(w), KAB, TO_KAB, &b, T0 + 1);
        b = report_body(KIND_ASPIRASI, "flags 2");
        b.anonim = true;
        rep2 = make(w, fresh_key(w), DESA, TO_KAB, &b, T0);
        b = step_body(id_of(w, rep2), id_of(w, rep2), KIM_STEP_DITUNDA, 0);
        b.rahasia = true;
        up = make(w, fresh_key(w), KAB, TO_KAB, &b, T0 + 1);
        b = step_body(id_of(w, rep2), id_of(w, up), KIM_STEP_DIVERIFIKASI,
                      KIM_RESULT_VALID);
        make(w, fresh_key(w), KAB, TO_KAB, &b, T0 + 2); /* false: no change */
        s = store_new(fx, &r);
        deliver_all(&r, w, NULL, 0);
        view_get(s, id_of(w, rep), &v);
        expect_mark(&v, id_of(w, bad), WIRE_MARK_INVALID, "selesai first");
        assert_false(v.anonim);
        assert_false(v.rahasia);
        wire_report_view_release(&v);
        view_get(s, id_of(w, rep2), &v);
        assert_true(v.anonim);
        assert_true(v.rahasia);
        assert_string_equal(v.state, "diverifikasi");
        wire_report_view_release(&v);
        store_close(s);
        world_free(w);
}

/* Rule 5 alone, decisions arriving before their revisi. */
static void
revision_rules(void **state)
{
        struct fx *fx = *state;
        struct world *w = xcalloc(1, sizeof(*w));
        struct wire_revision_view rv;
        struct store_txn *t = NULL;
        struct key *author = fresh_key(w), *editor = fresh_key(w);
        struct kim_body b;
        struct replica r;
        struct store *s;
        size_t item, r1, order[8], n = 0;

        b = info_body("Pengumuman");
        item = make(w, author, KAB, TREE, &b, T0);
        b = revisi_body(id_of(w, item), "Pengumuman (suntingan)");
        r1 = make(w, editor, KAB, TREE, &b, T0 + 10);
        b = decision_body(id_of(w, r1), KIM_DECISION_DITERIMA);
        make(w, author, KAB, TREE, &b, T0 + 20);
        /* Decisions first (their feed needs the item first), revisi last. */
        order[n++] = 0, order[n++] = 2, order[n++] = 1;
        s = store_new(fx, &r);
        deliver(&r, w, order, 1, NULL, 0);
        deliver(&r, w, order + 1, 1, NULL, 0);
        assert_int_equal(store_begin(s, false, &t), 0);
        assert_int_equal(replica_revision_view(t, id_of(w, item), &rv),
                         ERR_KIM_NOT_FOUND);
        store_abort(t);
        deliver(&r, w, order + 2, 1, NULL, 0);
        assert_int_equal(store_begin(s, false, &t), 0);
        assert_int_equal(replica_revision_view(t, id_of(w, item), &rv), 0);
        store_abort(t);
        assert_memory_equal(rv.revisi, id_of(w, r1), ENTRY_HASH_BYTES);
        assert_memory_equal(rv.editor, editor->pk, ENTRY_KEY_BYTES);
        /* A later ditolak by the author withdraws it. */
        b = decision_body(id_of(w, r1), KIM_DECISION_DITOLAK);
        order[0] = make(w, author, KAB, TREE, &b, T0 + 30);
        deliver(&r, w, order, 1, NULL, 0);
        assert_int_equal(store_begin(s, false, &t), 0);
        assert_int_equal(replica_revision_view(t, id_of(w, item), &rv),
                         ERR_KIM_NOT_FOUND);
        store_abort(t);
        store_close(s);
        world_free(w);
}

static int
collect_ids(void *ctx, const uint8_t id[ENTRY_HASH_BYTES])
{
        buf_add(ctx, id, ENTRY_HASH_BYTES);
        return 0;
}

/* ids holds exactly a, then b (b may be NULL). */
static void
expect_ids(const struct buf *ids, const uint8_t *a, const uint8_t *b)
{
        assert_int_equal(ids->len, (a ? 32U : 0U) + (b ? 32U : 0U));
        if (a)
                assert_memory_equal(ids->data, a, ENTRY_HASH_BYTES);
        if (b)
                assert_memory_equal(ids->data + 32, b, ENTRY_HASH_BYTES);
}

/* The by-status, time and announcement indexes list newest first, page
 * after an id, and follow a report as its state moves. */
static void
indexes_list(void **state)
{
        struct fx *fx = *state;
        struct scenario sc;
        struct replica r;
        struct store *s;
        struct store_txn *t = NULL;
        struct buf ids = BUF_INIT;
        size_t upto = 0;

        scenario_build(&sc);
        s = store_new(fx, &r);
        /* First the reports alone: both diajukan. */
        deliver(&r, sc.w, &sc.at[S_R], 1, NULL, 0);
        deliver(&r, sc.w, &sc.at[S_R2], 1, NULL, 0);
        assert_int_equal(store_begin(s, false, &t), 0);
        assert_int_equal(
            replica_reports_scan(t, "diajukan", NULL, collect_ids, &ids), 0);
        expect_ids(&ids, sid(&sc, S_R2), sid(&sc, S_R));
        store_abort(t);
        deliver(&r, sc.w, &sc.at[S_S1], 1, NULL, 0);
        assert_int_equal(store_begin(s, false, &t), 0);
        buf_reset(&ids);
        assert_int_equal(
            replica_reports_scan(t, "diajukan", NULL, collect_ids, &ids), 0);
        expect_ids(&ids, sid(&sc, S_R2), NULL);
        buf_reset(&ids);
        assert_int_equal(
            replica_reports_scan(t, "diverifikasi", NULL, collect_ids, &ids),
            0);
        expect_ids(&ids, sid(&sc, S_R), NULL);
        store_abort(t);
        /* Then everything else. */
        for (size_t i = 0; i < sc.w->n; i++)
                if (i != sc.at[S_R] && i != sc.at[S_R2] && i != sc.at[S_S1] &&
                    i != sc.at[S_GHOST])
                        deliver(&r, sc.w, &i, 1, NULL, 0), upto++;
        assert_int_equal(upto, sc.w->n - 4);
        assert_int_equal(store_begin(s, false, &t), 0);
        buf_reset(&ids);
        assert_int_equal(
            replica_reports_scan(t, "diverifikasi", NULL, collect_ids, &ids),
            0);
        expect_ids(&ids, NULL, NULL);
        buf_reset(&ids);
        assert_int_equal(
            replica_reports_scan(t, "ditutup", NULL, collect_ids, &ids), 0);
        expect_ids(&ids, sid(&sc, S_R), NULL);
        buf_reset(&ids);
        assert_int_equal(replica_reports_scan(t, NULL, NULL, collect_ids, &ids),
                         0);
        expect_ids(&ids, sid(&sc, S_R2), sid(&sc, S_R));
        buf_reset(&ids);
        assert_int_equal(
            replica_reports_scan(t, NULL, sid(&sc, S_R2), collect_ids, &ids),
            0);
        expect_ids(&ids, sid(&sc, S_R), NULL);
        assert_int_equal(
            replica_reports_scan(t, NULL, sid(&sc, S_S1), collect_ids, &ids),
            ERR_KIM_NOT_FOUND);
        buf_reset(&ids);
        assert_int_equal(
            replica_announcements_scan(t, TREE, NULL, collect_ids, &ids), 0);
        expect_ids(&ids, sid(&sc, S_A), NULL);
        buf_reset(&ids);
        assert_int_equal(
            replica_announcements_scan(t, TO_KAB, NULL, collect_ids, &ids), 0);
        expect_ids(&ids, NULL, NULL);
        assert_int_equal(replica_announcements_scan(t, NULL, sid(&sc, S_A),
                                                    collect_ids, &ids),
                         0);
        expect_ids(&ids, NULL, NULL);
        store_abort(t);
        buf_release(&ids);
        store_close(s);
        world_free(sc.w);
}

/* ---- calendar ------------------------------------------------------------ */

static uint64_t
wib(const char *date, unsigned hour, unsigned min)
{
        int32_t d;

        assert_int_equal(kim_date_parse(date, strlen(date), &d), 0);
        return (uint64_t)d * DAY + hour * HOUR + min * 60000ULL -
               KIM_TZ_OFFSET_MS;
}

static void
calendar_dates(void **state)
{
        int32_t d, hs[4];
        size_t n = 0;
        char out[KIM_DATE_BUF];

        (void)state;
        assert_int_equal(kim_date_parse("1970-01-01", 10, &d), 0);
        assert_int_equal(d, 0);
        assert_int_equal(kim_date_parse("2024-02-29", 10, &d), 0);
        kim_date_format(d, out);
        assert_string_equal(out, "2024-02-29");
        assert_int_equal(kim_date_parse("2026-02-29", 10, &d), ERR_USAGE);
        assert_int_equal(kim_date_parse("2026-13-01", 10, &d), ERR_USAGE);
        assert_int_equal(kim_date_parse("2026-1-01", 9, &d), ERR_USAGE);
        assert_int_equal(kim_date_parse("2026/01/01", 10, &d), ERR_USAGE);
        assert_int_equal(
            kim_holidays_parse("2026-12-31, 2026-12-25,2026-12-31", hs, 4, &n),
            0);
        assert_int_equal(n, 2);
        assert_true(hs[0] < hs[1]);
        /* A second line adds to the first (inih's continuation lines). */
        assert_int_equal(kim_holidays_parse("2026-12-24 2026-12-25", hs, 4, &n),
                         0);
        assert_int_equal(n, 3);
        assert_int_equal(kim_date_parse("2026-12-24", 10, &d), 0);
        assert_int_equal(hs[0], d);
        n = 0;
        assert_int_equal(kim_holidays_parse("", hs, 4, &n), 0);
        assert_int_equal(n, 0);
        assert_int_equal(kim_holidays_parse("2026-12-32", hs, 4, &n),
                         ERR_USAGE);
        n = 0;
        assert_int_equal(kim_holidays_parse("2026-01-01 2026-01-02 2026-01-05 "
                                            "2026-01-06 2026-01-07",
                                            hs, 4, &n),
                         ERR_TOO_BIG);
}

static void
calendar_working_days(void **state)
{
        int32_t hol;
        struct kim_calendar cal = {&hol, 1};

        (void)state;
        /* 2026-01-05 is a Monday. 23:59 WIB is still Monday; 17:00 UTC is
         * Tuesday 00:00 WIB. */
        assert_int_equal(kim_day_of(wib("2026-01-05", 23, 59)),
                         kim_day_of(wib("2026-01-05", 0, 0)));
        assert_int_equal(kim_day_of(wib("2026-01-06", 0, 0)),
                         kim_day_of(wib("2026-01-05", 0, 0)) + 1);
        assert_true(kim_working_day(NULL, kim_day_of(wib("2026-01-05", 9, 0))));
        assert_true(kim_working_day(NULL, kim_day_of(wib("2026-01-09", 9, 0))));
        assert_false(
            kim_working_day(NULL, kim_day_of(wib("2026-01-10", 9, 0))));
        assert_false(
            kim_working_day(NULL, kim_day_of(wib("2026-01-11", 9, 0))));
        assert_int_equal(kim_date_parse("2026-01-07", 10, &hol), 0);
        assert_false(kim_working_day(&cal, hol));
        /* Friday 10:00: day 0; Mon, Tue, Wed; the end of Wednesday. */
        assert_int_equal(kim_deadline_ms(NULL, wib("2026-01-09", 10, 0), 3),
                         wib("2026-01-15", 0, 0));
        /* Saturday counts as day 0 too: Mon, Tue, Wed. */
        assert_int_equal(kim_deadline_ms(NULL, wib("2026-01-10", 23, 0), 3),
                         wib("2026-01-15", 0, 0));
        /* A holiday on Wednesday pushes it to Thursday. */
        assert_int_equal(kim_deadline_ms(&cal, wib("2026-01-02", 10, 0), 3),
                         wib("2026-01-09", 0, 0));
        /* 10 working days from Monday: two weeks later, Monday's end. */
        assert_int_equal(kim_deadline_ms(NULL, wib("2026-01-05", 8, 0), 10),
                         wib("2026-01-20", 0, 0));
}

static void
view_at(struct wire_report_view *v, const char *state, const char *result,
        uint64_t ts)
{
        memset(v, 0, sizeof(*v));
        strcpy(v->state, state);
        strcpy(v->result, result);
        v->ts = ts;
}

static void
deadline_flags(void **state)
{
        struct wire_report_view v;
        struct kim_flags f;
        int32_t hol;
        struct kim_calendar cal = {&hol, 1};
        uint64_t fri = wib("2026-01-09", 10, 0);

        (void)state;
        assert_int_equal(kim_date_parse("2026-01-13", 10, &hol), 0);
        /* Reported Friday: late from Thursday 00:00 WIB (with the
         * Tuesday holiday, from Friday 00:00). */
        view_at(&v, "diajukan", "", fri);
        kim_view_flags(&v, NULL, wib("2026-01-14", 23, 59), &f);
        assert_false(f.terlambat_verifikasi);
        kim_view_flags(&v, NULL, wib("2026-01-15", 0, 0), &f);
        assert_true(f.terlambat_verifikasi);
        assert_int_equal(f.deadline_ms, wib("2026-01-15", 0, 0));
        kim_view_flags(&v, &cal, wib("2026-01-15", 12, 0), &f);
        assert_false(f.terlambat_verifikasi);
        kim_view_flags(&v, &cal, wib("2026-01-16", 0, 0), &f);
        assert_true(f.terlambat_verifikasi);
        /* Verified valid Friday: 5 working days, while diverifikasi or
         * diteruskan. */
        view_at(&v, "diteruskan", "valid", fri - DAY);
        v.has_verified_ts = true;
        v.verified_ts = fri;
        kim_view_flags(&v, NULL, wib("2026-01-16", 23, 0), &f);
        assert_false(f.terlambat_tindak_lanjut);
        assert_false(f.terlambat_verifikasi);
        kim_view_flags(&v, NULL, wib("2026-01-17", 0, 0), &f);
        assert_true(f.terlambat_tindak_lanjut);
        strcpy(v.state, "ditindaklanjuti");
        kim_view_flags(&v, NULL, wib("2026-02-17", 0, 0), &f);
        assert_false(f.terlambat_tindak_lanjut);
        assert_int_equal(f.deadline_ms, 0);
        view_at(&v, "diverifikasi", "tidak_valid", fri);
        v.has_verified_ts = true;
        v.verified_ts = fri;
        kim_view_flags(&v, NULL, wib("2026-03-01", 0, 0), &f);
        assert_false(f.terlambat_tindak_lanjut);
        /* selesai: siap_ditutup after 10 working days; closing before
         * that is refused locally. */
        view_at(&v, "selesai", "valid", fri);
        v.has_done_ts = true;
        v.done_ts = wib("2026-01-05", 8, 0);
        kim_view_flags(&v, NULL, wib("2026-01-19", 23, 59), &f);
        assert_false(f.siap_ditutup);
        assert_int_equal(kim_view_next(&v, KIM_STEP_DITUTUP, NULL,
                                       wib("2026-01-19", 23, 59), NULL),
                         ERR_KIM_STEP);
        kim_view_flags(&v, NULL, wib("2026-01-20", 0, 0), &f);
        assert_true(f.siap_ditutup);
        assert_int_equal(kim_view_next(&v, KIM_STEP_DITUTUP, NULL,
                                       wib("2026-01-20", 0, 0), NULL),
                         0);
        /* konfirmasi by the village needs no wait. */
        assert_int_equal(kim_view_next(&v, KIM_STEP_KONFIRMASI, NULL,
                                       wib("2026-01-05", 9, 0), NULL),
                         0);
        assert_int_equal(kim_view_next(&v, KIM_STEP_DITERUSKAN, NULL,
                                       wib("2026-01-20", 0, 0), NULL),
                         ERR_KIM_STEP);
}

/* ---- store index tables -------------------------------------------------- */

static int
collect_keys(void *ctx, struct slice key, struct slice value)
{
        struct buf *out = ctx;

        buf_add(out, key.ptr, key.len);
        buf_addc(out, '=');
        buf_add(out, value.ptr, value.len);
        buf_addc(out, ';');
        return 0;
}

static void
index_tables(void **state)
{
        struct fx *fx = *state;
        struct replica r;
        struct store *s = store_new(fx, &r);
        struct store_txn *t = NULL;
        struct buf got = BUF_INIT;
        static const char *const keys[] = {"b1", "a1", "a2", "c", "a3"};

        assert_int_equal(store_begin(s, true, &t), 0);
        for (size_t i = 0; i < ARRAY_LEN(keys); i++)
                assert_int_equal(store_index_put(t, "t", slice_cstr(keys[i]),
                                                 slice_cstr("v")),
                                 0);
        assert_int_equal(
            store_index_put(t, "tt", slice_cstr("a0"), slice_cstr("w")), 0);
        assert_int_equal(
            store_index_put(t, "Bad", slice_cstr("x"), slice_cstr("")),
            ERR_USAGE);
        assert_int_equal(store_commit(t), 0);
        assert_int_equal(store_begin(s, false, &t), 0);
        assert_int_equal(
            store_index_put(t, "t", slice_cstr("z"), slice_cstr("")),
            ERR_USAGE);
        assert_int_equal(store_index_get(t, "t", slice_cstr("a2"), &got), 0);
        assert_int_equal(got.len, 1);
        assert_int_equal(store_index_get(t, "t", slice_cstr("zz"), &got),
                         ERR_NOT_FOUND);
        buf_reset(&got);
        assert_int_equal(store_index_scan(t, "t", slice_cstr(""),
                                          slice_cstr(""), false, collect_keys,
                                          &got),
                         0);
        assert_string_equal((char *)got.data, "a1=v;a2=v;a3=v;b1=v;c=v;");
        buf_reset(&got);
        assert_int_equal(store_index_scan(t, "t", slice_cstr("a"),
                                          slice_cstr(""), true, collect_keys,
                                          &got),
                         0);
        assert_string_equal((char *)got.data, "a3=v;a2=v;a1=v;");
        buf_reset(&got);
        assert_int_equal(store_index_scan(t, "t", slice_cstr("a"),
                                          slice_cstr("a2"), true, collect_keys,
                                          &got),
                         0);
        assert_string_equal((char *)got.data, "a1=v;");
        buf_reset(&got);
        assert_int_equal(store_index_scan(t, "t", slice_cstr(""),
                                          slice_cstr("a25"), false,
                                          collect_keys, &got),
                         0);
        assert_string_equal((char *)got.data, "a3=v;b1=v;c=v;");
        buf_reset(&got);
        assert_int_equal(store_index_scan(t, "t", slice_cstr(""),
                                          slice_cstr("b"), true, collect_keys,
                                          &got),
                         0);
        assert_string_equal((char *)got.data, "a3=v;a2=v;a1=v;");
        buf_reset(&got);
        /* The last table in the database, reversed: "tt" follows "t". */
        assert_int_equal(store_index_scan(t, "tt", slice_cstr(""),
                                          slice_cstr(""), true, collect_keys,
                                          &got),
                         0);
        assert_string_equal((char *)got.data, "a0=w;");
        store_abort(t);
        assert_int_equal(store_begin(s, true, &t), 0);
        assert_int_equal(store_index_del(t, "t", slice_cstr("c")), 0);
        assert_int_equal(store_index_del(t, "t", slice_cstr("c")),
                         ERR_NOT_FOUND);
        assert_int_equal(store_index_drop(t, "t"), 0);
        buf_reset(&got);
        assert_int_equal(store_index_scan(t, "t", slice_cstr(""),
                                          slice_cstr(""), false, collect_keys,
                                          &got),
                         0);
        assert_int_equal(got.len, 0);
        assert_int_equal(store_index_get(t, "tt", slice_cstr("a0"), &got), 0);
        assert_int_equal(store_commit(t), 0);
        buf_release(&got);
        store_close(s);
}

/* ---- bodies pruned on the way (SYNC.md §5.2, KIM.md §7) ------------------ */

/* Fails with both values, as ids, unless got == want. */
#define expect_err_id(name, got, want)                                         \
        do {                                                                   \
                int g_ = (got), w_ = (want);                                   \
                if (g_ != w_)                                                  \
                        fail_msg("%s: got %s, want %s", (name),                \
                                 g_ ? err_id(g_) : "0",                        \
                                 w_ ? err_id(w_) : "0");                       \
        } while (0)

static void
verify_fail(void *ctx, const struct verify_problem *p)
{
        (void)ctx;
        fail_msg("verify: seq %llu: %s (%s)", (unsigned long long)p->seq,
                 p->what, err_id(p->err));
}

/* w's entry i without its body, into out. */
static void
pruned_of(const struct world *w, size_t i, struct buf *out)
{
        struct envelope env;

        buf_reset(out);
        assert_int_equal(wire_envelope_decode(buf_slice(&w->e[i].bytes), &env),
                         0);
        env.has_body = false;
        env.body = slice_make(NULL, 0);
        wire_envelope_encode(&env, out);
}

/* The body of w's entry i (borrowed). */
static struct slice
body_of(const struct world *w, size_t i)
{
        struct envelope env;

        assert_int_equal(wire_envelope_decode(buf_slice(&w->e[i].bytes), &env),
                         0);
        return env.body;
}

static int
collect_wanted(void *ctx, const uint8_t feed[ENTRY_HASH_BYTES], uint64_t seq)
{
        struct buf *out = ctx;

        buf_add(out, feed, ENTRY_HASH_BYTES);
        buf_add_be64(out, seq);
        return 0;
}

/* The (feed, seq) pairs whose body s wants, in order, and its counter. */
static void
wanted(struct store *s, struct buf *out, uint64_t *gen)
{
        struct store_txn *t = NULL;

        buf_reset(out);
        assert_int_equal(store_begin(s, false, &t), 0);
        assert_int_equal(replica_bodies_wanted(t, NULL, 0, collect_wanted, out),
                         0);
        assert_int_equal(replica_bodies_gen(t, gen), 0);
        store_abort(t);
}

static void
ingest_one(struct replica *r, struct slice bytes, int want)
{
        struct ingest_stats st;
        int res = -1;

        assert_int_equal(replica_ingest(r, &bytes, 1, "test", &res, &st), 0);
        expect_err_id("ingest", res, want);
}

static void
expect_fill(struct replica *r, const struct world *w, size_t i,
            struct slice body, int want, bool want_filled)
{
        bool filled = !want_filled;

        expect_err_id("fill",
                      replica_fill_body(r, w->e[i].feed, w->e[i].seq, body,
                                        "test", &filled),
                      want);
        assert_int_equal(filled, want_filled);
}

/*
 * A report and its diverifikasi arrive pruned: the report is listed from
 * its header, the steps after the pruned one wait, both bodies are
 * wanted. A forged body changes nothing; the right ones (one answered,
 * one in a full copy of the entry) give the views of a store that got
 * every body, and the store verifies.
 */
static void
pruned_bodies_fill_in_place(void **state)
{
        struct fx *fx = *state;
        struct scenario sc;
        struct wire_report_view v;
        struct replica r, r2;
        struct store *s, *s2;
        struct buf pr = BUF_INIT, ps1 = BUF_INIT, want = BUF_INIT;
        struct buf before = BUF_INIT, after = BUF_INIT, all = BUF_INIT;
        struct buf forged = BUF_INIT;
        struct verify_stats vs;
        size_t skip[3], r_at, s1_at;
        uint64_t gen0, gen1, gen2;

        scenario_build(&sc);
        r_at = sc.at[S_R];
        s1_at = sc.at[S_S1];
        skip[0] = sc.at[S_GHOST];
        skip[1] = r_at;
        skip[2] = s1_at;
        s = store_new(fx, &r);
        wanted(s, &want, &gen0);
        pruned_of(sc.w, r_at, &pr);
        pruned_of(sc.w, s1_at, &ps1);
        ingest_one(&r, buf_slice(&pr), 0);
        ingest_one(&r, buf_slice(&ps1), 0);
        deliver_all(&r, sc.w, skip, 3);

        wanted(s, &want, &gen1);
        assert_true(gen1 > gen0);
        assert_int_equal(want.len, 2 * (ENTRY_HASH_BYTES + 8));
        view_get(s, sid(&sc, S_R), &v);
        assert_string_equal(v.handler, KAB);
        assert_string_equal(v.state, "ditunda"); /* S1 and all after wait */
        assert_null(event_of(&v, sid(&sc, S_S1)));
        assert_null(event_of(&v, sid(&sc, S_S4)));
        wire_report_view_release(&v);

        /* Not the signed body: nothing changes. */
        dump(s, &before);
        buf_add(&forged, body_of(sc.w, r_at).ptr, body_of(sc.w, r_at).len);
        forged.data[forged.len - 1] ^= 0x01;
        expect_fill(&r, sc.w, r_at, buf_slice(&forged), ERR_BODY_HASH, false);
        buf_addc(&forged, 0xc0);
        expect_fill(&r, sc.w, r_at, buf_slice(&forged), ERR_BODY_HASH, false);
        dump(s, &after);
        assert_true(slice_eq(buf_slice(&before), buf_slice(&after)));

        /* The report's body, answered; the step's, in a full copy. */
        expect_fill(&r, sc.w, r_at, body_of(sc.w, r_at), 0, true);
        expect_fill(&r, sc.w, r_at, body_of(sc.w, r_at), 0, false);
        ingest_one(&r, buf_slice(&sc.w->e[s1_at].bytes), 0);
        wanted(s, &want, &gen2);
        assert_int_equal(want.len, 0);
        assert_int_equal(gen2, gen1);
        scenario_expect(&sc, s);

        s2 = store_new(fx, &r2);
        deliver_all(&r2, sc.w, skip, 1);
        dump(s, &after);
        dump(s2, &all);
        assert_true(slice_eq(buf_slice(&after), buf_slice(&all)));
        assert_int_equal(replica_verify(&r, verify_fail, NULL, &vs), 0);
        assert_int_equal(vs.problems, 0);
        store_close(s);
        store_close(s2);
        buf_release(&pr);
        buf_release(&ps1);
        buf_release(&want);
        buf_release(&before);
        buf_release(&after);
        buf_release(&all);
        buf_release(&forged);
        world_free(sc.w);
}

/*
 * A report whose author signed a body that breaks the KIM rules, relayed
 * pruned: stored and listed from its header; its body, once it comes, is
 * refused (KIM-BODY), not stored and not wanted again.
 */
static void
pruned_body_breaking_the_rules(void **state)
{
        struct fx *fx = *state;
        struct world *w = xcalloc(1, sizeof(*w));
        const struct body_field f[] = {{"title", "Tanpa penanggung jawab", 0}};
        struct entry_header h;
        struct wire_report_view v;
        struct store_txn *t = NULL;
        struct replica r;
        struct store *st;
        struct buf body = BUF_INIT, pr = BUF_INIT, want = BUF_INIT,
                   held = BUF_INIT;
        struct entry e;
        uint64_t gen;

        memset(&h, 0, sizeof(h));
        strcpy(h.author_region, DESA);
        assert_int_equal(audience_parse(&h.audience, TO_KAB), 0);
        h.kind = KIND_ASPIRASI;
        h.seq = 1;
        h.timestamp_ms = T0;
        wire_body_build(f, ARRAY_LEN(f), &body);
        buf_init(&w->e[0].bytes);
        assert_int_equal(
            entry_create(fresh_key(w), &h, buf_slice(&body), &w->e[0].bytes),
            0);
        assert_int_equal(entry_open(buf_slice(&w->e[0].bytes), &e), 0);
        assert_int_equal(kim_check_entry(&e, NULL), ERR_KIM_BODY);
        memcpy(w->e[0].id, e.id, ENTRY_HASH_BYTES);
        memcpy(w->e[0].feed, e.feed, ENTRY_HASH_BYTES);
        w->e[0].seq = 1;
        w->n = 1;

        st = store_new(fx, &r);
        ingest_one(&r, buf_slice(&w->e[0].bytes), ERR_KIM_BODY);
        pruned_of(w, 0, &pr);
        ingest_one(&r, buf_slice(&pr), 0);
        view_get(st, w->e[0].id, &v);
        assert_string_equal(v.state, "diajukan");
        wire_report_view_release(&v);
        wanted(st, &want, &gen);
        assert_int_equal(want.len, ENTRY_HASH_BYTES + 8);

        expect_fill(&r, w, 0, body_of(w, 0), ERR_KIM_BODY, false);
        wanted(st, &want, &gen);
        assert_int_equal(want.len, 0);
        assert_int_equal(store_begin(st, false, &t), 0);
        assert_int_equal(store_get(t, e.feed, 1, &held), 0);
        store_abort(t);
        assert_true(slice_eq(buf_slice(&held), buf_slice(&pr)));
        store_close(st);
        buf_release(&body);
        buf_release(&pr);
        buf_release(&want);
        buf_release(&held);
        world_free(w);
}

/* A view record decodes back to itself; a changed byte does not. */
static void
view_record_round_trip(void **state)
{
        struct wire_report_view v, back;
        struct wire_view_event ev[2];
        struct buf a = BUF_INIT, b = BUF_INIT;

        (void)state;
        memset(&v, 0, sizeof(v));
        memset(ev, 0, sizeof(ev));
        memset(v.id, 7, sizeof(v.id));
        v.kind = KIND_PENGADUAN;
        strcpy(v.region, DESA);
        strcpy(v.audience, TO_KAB);
        strcpy(v.handler, KAB);
        v.ts = T0;
        strcpy(v.state, "diverifikasi");
        strcpy(v.result, "valid");
        v.rahasia = true;
        v.has_verified_ts = true;
        v.verified_ts = T0 + 1;
        ev[1].kind = KIND_STATUS;
        strcpy(ev[1].step, "diverifikasi");
        strcpy(ev[0].author_region, DESA);
        strcpy(ev[1].author_region, KAB);
        ev[1].mark = WIRE_MARK_SUPERSEDED;
        v.timeline = ev;
        v.timeline_n = 2;
        wire_report_view_encode(&v, &a);
        assert_int_equal(wire_report_view_decode(buf_slice(&a), &back), 0);
        wire_report_view_encode(&back, &b);
        assert_true(slice_eq(buf_slice(&a), buf_slice(&b)));
        assert_string_equal(back.result, "valid");
        assert_false(back.has_done_ts);
        assert_int_equal(back.timeline[1].mark, WIRE_MARK_SUPERSEDED);
        wire_report_view_release(&back);
        for (size_t i = 0; i < a.len; i++) {
                a.data[i] ^= 0x01;
                if (!wire_report_view_decode(buf_slice(&a), &back)) {
                        /* a flip inside a string or an id: still a record,
                         * but never the same bytes */
                        buf_reset(&b);
                        wire_report_view_encode(&back, &b);
                        assert_true(slice_eq(buf_slice(&a), buf_slice(&b)));
                        wire_report_view_release(&back);
                }
                a.data[i] ^= 0x01;
        }
        buf_release(&a);
        buf_release(&b);
}

int
main(void)
{
#define CASE(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
        const struct CMUnitTest tests[] = {
            CASE(permutations_give_identical_views),
            CASE(reverse_one_by_one),
            CASE(long_report_step_by_step),
            CASE(forbidden_steps_change_nothing),
            CASE(pending_step_resolves),
            CASE(every_state_and_step),
            CASE(current_step_ties),
            CASE(flags_only_rise),
            CASE(revision_rules),
            CASE(indexes_list),
            CASE(index_tables),
            CASE(pruned_bodies_fill_in_place),
            CASE(pruned_body_breaking_the_rules),
            cmocka_unit_test(calendar_dates),
            cmocka_unit_test(calendar_working_days),
            cmocka_unit_test(deadline_flags),
            cmocka_unit_test(view_record_round_trip),
        };
#undef CASE
        return cmocka_run_group_tests(tests, NULL, NULL);
}
