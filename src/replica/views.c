/*
 * views: the KIM views of proto/KIM.md §6, kept in the store's index
 * tables and updated in the same write transaction that stores entries.
 *
 * Tables (store_index_*), every integer big-endian:
 *   kim_refs       target id (32) || entry id (32) -> ""   an entry naming
 *                  target: a status or tanggapan its report, a revisi its
 *                  item, a revisi_keputusan its revisi (also while the
 *                  target is not held: it is picked up when it arrives)
 *   kim_reports    report id (32) -> report view record (wire)
 *   kim_status     state || 0x00 || ts (8) || report id (32) -> ""
 *   kim_time       ts (8) || report id (32) -> ""           every report
 *   kim_ann        audience || 0x00 || ts (8) || id (32) -> kind (1 byte)
 *   kim_ann_time   ts (8) || id (32) -> kind (1 byte)  every announcement
 *   kim_revisions  announcement id (32) -> revision view record (wire)
 *   kim_dash       report id (32) -> what the dashboard reads of the
 *                  report (kim_dash_rec_encode: its view's state, times,
 *                  first verification and reply, and its category), put
 *                  with every report view record
 *   kim_dash_ann   ts (8) || id (32) -> author region (16, zero-padded)
 *                  every announcement, for the dashboard's activity
 *   kim_waits      after id (32) || report id (32) -> ""    a step of the
 *                  report is pending until that entry arrives (or, held
 *                  pruned, its body)
 *   kim_bodies     feed id (32) || seq (8) -> ""   a held entry of a KIM
 *                  kind whose body is missing (pruned): it is wanted from
 *                  the peers (proto/SYNC.md §5.2)
 * and in meta "views_schema" -> u32 VIEWS_SCHEMA, "bodies_gen" -> u64
 * bumped whenever a key is added to kim_bodies. Not a view (not rebuilt):
 *   kim_bodies_bad feed id (32) || seq (8) -> stable error id   a body
 *                  received for it broke the rules (KIM.md §7): not wanted
 *                  again
 *
 * A pruned report or announcement is listed from its header (KIM.md §7):
 * a report as if its body named its audience's target as the handler and
 * raised no flag, until the body comes and the view is recomputed.
 *
 * Every record is a function of the set of entries held: a report's view
 * is recomputed from the report and every entry naming it whenever one of
 * them is stored (and when an entry a pending step waits for arrives), an
 * announcement's revision likewise. So the tables are byte-identical on
 * nodes holding the same entries, whatever order they came in. A batch
 * collects the reports and announcements it touched and recomputes each
 * once, at its end.
 *
 * Recomputing loads and decodes every entry naming the report: a report
 * that grows a step at a time would cost O(steps^2) in all. The common case
 * takes a shortcut with the same result (kim_view_extend): a report
 * touched by the batch only through one new step, which no step waited
 * for, whose `after` is the current step and which is valid there, gets
 * its stored record extended by that step.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "../kim/dash.h"
#include "../kim/view.h"
#include "replica_int.h"

#define VIEWS_SCHEMA 3U /* 2: pruned items, kim_bodies; 3: kim_dash */
#define T_REFS "kim_refs"
#define T_REPORTS "kim_reports"
#define T_STATUS "kim_status"
#define T_TIME "kim_time"
#define T_ANN "kim_ann"
#define T_ANN_TIME "kim_ann_time"
#define T_REVISIONS "kim_revisions"
#define T_DASH "kim_dash"
#define T_DASH_ANN "kim_dash_ann"
#define T_WAITS "kim_waits"
#define T_BODIES "kim_bodies"
#define T_BODIES_BAD "kim_bodies_bad"
#define META_BODIES_GEN "bodies_gen"
#define BODY_KEY_BYTES (ENTRY_HASH_BYTES + 8U)
#define ID_BYTES ENTRY_HASH_BYTES
#define PAIR_BYTES (2U * ENTRY_HASH_BYTES)

static const char *const view_tables[] = {
    T_REFS,      T_REPORTS, T_STATUS, T_TIME, T_ANN,      T_ANN_TIME,
    T_REVISIONS, T_WAITS,   T_BODIES, T_DASH, T_DASH_ANN,
};

/* An entry loaded from the store with its KIM body. */
struct loaded {
        struct buf bytes; /* e and b borrow from it */
        struct entry e;
        struct kim_body b;
        bool kim; /* parsed, has a body, and it decodes as its KIM kind */
};

/*
 * The entries a batch just stored with their bodies, by id: the views read
 * them there instead of copying them out of the store and parsing them
 * again. A pruned one is left out (a full copy later in the batch may have
 * given the store its body), and so are the entries the batch did not
 * store: for those, the store's copy is the one.
 */
struct batch_index {
        const struct entry *es; /* the batch (borrowed) ... */
        const uint8_t *apply;   /* ... and what of it was stored */
        size_t es_n;
        bool built;                 /* by_id made (on the first lookup) */
        const struct entry **by_id; /* sorted by id */
        size_t n;
};

/* What to redo at the end of a batch. */
struct dirty {
        struct buf reports;     /* ids (32 bytes each): recompute */
        struct buf steps;       /* report id || step id: extend, or recompute */
        struct buf items;       /* announcement ids (32 bytes each) */
        struct batch_index *bi; /* NULL: read every entry from t */
        bool checked; /* the entries passed kim_check_entry on their way */
};

static void
loaded_release(struct loaded *l)
{
        buf_release(&l->bytes);
        memset(l, 0, sizeof(*l));
}

static int
entry_ptr_cmp(const void *a, const void *b)
{
        return memcmp((*(const struct entry *const *)a)->id,
                      (*(const struct entry *const *)b)->id, ID_BYTES);
}

static int
id_entry_cmp(const void *key, const void *item)
{
        return memcmp(key, (*(const struct entry *const *)item)->id, ID_BYTES);
}

/* The index of es[i] where apply[i] (apply NULL: all) and es[i] has its
 * body, made when first asked (a batch of announcements never asks).
 * Release with batch_index_release. */
static void
batch_index_init(struct batch_index *bi, const struct entry *es,
                 const uint8_t *apply, size_t n)
{
        memset(bi, 0, sizeof(*bi));
        bi->es = es;
        bi->apply = apply;
        bi->es_n = n;
}

static void
batch_index_build(struct batch_index *bi)
{
        bi->built = true;
        bi->by_id = xcalloc(bi->es_n ? bi->es_n : 1, sizeof(*bi->by_id));
        for (size_t i = 0; i < bi->es_n; i++)
                if ((!bi->apply || bi->apply[i]) && bi->es[i].env.has_body)
                        bi->by_id[bi->n++] = &bi->es[i];
        if (bi->n > 1)
                qsort(bi->by_id, bi->n, sizeof(*bi->by_id), entry_ptr_cmp);
}

static void
batch_index_release(struct batch_index *bi)
{
        free(bi->by_id);
        memset(bi, 0, sizeof(*bi));
}

/* The entry of the batch with this id, or NULL. */
static const struct entry *
batch_find(struct batch_index *bi, const uint8_t id[ID_BYTES])
{
        const struct entry *const *hit;

        if (!bi)
                return NULL;
        if (!bi->built)
                batch_index_build(bi);
        if (!bi->n)
                return NULL;
        hit = bsearch(id, bi->by_id, bi->n, sizeof(*bi->by_id), id_entry_cmp);
        return hit ? *hit : NULL;
}

/* A stored entry (from the batch bi, may be NULL, if there), or
 * ERR_NOT_FOUND. Entries whose body does not decode (pruned, or stored
 * before the KIM rules) load with kim false. */
static int
load(struct store_txn *t, struct batch_index *bi, const uint8_t id[ID_BYTES],
     struct loaded *l)
{
        const struct entry *in = batch_find(bi, id);
        int err;

        memset(l, 0, sizeof(*l));
        if (in) {
                l->e = *in; /* borrows the batch's bytes */
        } else if ((err = store_get_by_id(t, id, ID_BYTES, &l->bytes))) {
                return err;
        } else if (entry_parse(buf_slice(&l->bytes), &l->e)) {
                /* replica_verify reports it; the views pass it by. */
                memset(&l->e, 0, sizeof(l->e));
                return 0;
        }
        l->kim = l->e.env.has_body && wire_kim_kind(l->e.h.kind) &&
                 !wire_kim_decode(l->e.h.kind, l->e.env.body, &l->b);
        return 0;
}

static void
pair_key(uint8_t out[PAIR_BYTES], const uint8_t *a, const uint8_t *b)
{
        memcpy(out, a, ID_BYTES);
        memcpy(out + ID_BYTES, b, ID_BYTES);
}

/* ---- the ids naming a target --------------------------------------------- */

static int
collect_id(void *ctx, struct slice key, struct slice value)
{
        struct buf *ids = ctx;

        (void)value;
        if (key.len != PAIR_BYTES)
                return ERR_STORE_CORRUPT;
        buf_add(ids, key.ptr + ID_BYTES, ID_BYTES);
        return 0;
}

/* The second halves of the keys of table starting with target. */
static int
ids_after(struct store_txn *t, const char *table, const uint8_t *target,
          struct buf *ids)
{
        buf_reset(ids);
        return store_index_scan(t, table, slice_make(target, ID_BYTES),
                                slice_make(NULL, 0), false, collect_id, ids);
}

/* Loads the entries of ids (32 bytes each) into *out (owned, *n of them;
 * release each). Ids not held are skipped. */
static int
load_all(struct store_txn *t, struct batch_index *bi, const struct buf *ids,
         struct loaded **out, size_t *n)
{
        size_t k = ids->len / ID_BYTES;
        struct loaded *ls = xcalloc(k ? k : 1, sizeof(*ls));
        int err = 0;

        *n = 0;
        for (size_t i = 0; i < k && !err; i++) {
                err = load(t, bi, ids->data + i * ID_BYTES, &ls[*n]);
                if (!err)
                        (*n)++;
                else if (err == ERR_NOT_FOUND)
                        err = 0;
        }
        *out = ls;
        return err;
}

static void
free_all(struct loaded *ls, size_t n)
{
        for (size_t i = 0; i < n; i++)
                loaded_release(&ls[i]);
        free(ls);
}

/* ---- report views -------------------------------------------------------- */

/* What held_in_store looks in. */
struct held_ctx {
        struct store_txn *t;
        struct batch_index *bi;
};

static bool
held_in_store(void *ctx, const uint8_t id[ID_BYTES])
{
        const struct held_ctx *h = ctx;
        struct buf tmp = BUF_INIT;
        struct entry e;
        bool held;
        int err;

        if (batch_find(h->bi, id))
                return true; /* stored by the batch, with its body */
        err = store_get_by_id(h->t, id, ID_BYTES, &tmp);
        /* A store error reads as held: the step shows invalid rather
         * than waiting; the transaction fails on its next write anyway. */
        held = err != ERR_NOT_FOUND;
        /* Held without its body, a KIM entry says nothing yet (whose step
         * it is): wait for the body as for an entry not held. */
        if (!err && !entry_parse(buf_slice(&tmp), &e) && !e.env.has_body &&
            wire_kim_kind(e.h.kind))
                held = false;
        buf_release(&tmp);
        return held;
}

/*
 * A report held pruned: listed from its header as if its body named the
 * audience's target as the handler and raised no flag (KIM.md §7). Only
 * for a path from its author's region, as a valid report's is.
 */
static bool
report_stand_in(struct loaded *l)
{
        const struct audience *a = &l->e.h.audience;

        if (l->kim || l->e.env.has_body || !l->e.h.seq ||
            !kim_kind_is_report(l->e.h.kind) || a->type != AUDIENCE_PATH ||
            strcmp(a->origin, l->e.h.author_region))
                return false;
        memset(&l->b, 0, sizeof(l->b));
        l->b.kind = l->e.h.kind;
        l->b.has_handler = true;
        memcpy(l->b.handler, a->target, REGION_BUF);
        return true;
}

/* kim_status key: state || 0x00 || ts || id. Returns its length. */
static size_t
status_key(uint8_t *out, const char *state, const struct wire_report_view *v)
{
        size_t n = strlen(state);

        memcpy(out, state, n);
        out[n] = 0;
        be64_put(out + n + 1, v->ts);
        memcpy(out + n + 9, v->id, ID_BYTES);
        return n + 9 + ID_BYTES;
}

/* Moves report v's status key from old_state (NULL: none yet) to v's
 * state, and puts its time key. */
static int
status_move(struct store_txn *t, const char *old_state,
            const struct wire_report_view *v)
{
        uint8_t key[WIRE_VIEW_NAME_BUF + 9 + ID_BYTES], tk[8 + ID_BYTES];
        int err;

        if (old_state) {
                err = store_index_del(
                    t, T_STATUS,
                    slice_make(key, status_key(key, old_state, v)));
                if (err && err != ERR_NOT_FOUND)
                        return err;
        }
        be64_put(tk, v->ts);
        memcpy(tk + 8, v->id, ID_BYTES);
        if ((err = store_index_put(
                 t, T_STATUS, slice_make(key, status_key(key, v->state, v)),
                 slice_make(NULL, 0))))
                return err;
        return store_index_put(t, T_TIME, slice_make(tk, sizeof(tk)),
                               slice_make(NULL, 0));
}

/* Replaces the status and time index keys of the old record by v's. */
static int
report_index(struct store_txn *t, const struct buf *old_rec,
             const struct wire_report_view *v)
{
        struct wire_report_view old;
        int err;

        if (old_rec->len && wire_report_view_decode(buf_slice(old_rec), &old)) {
                /* Its status key cannot be found to replace: say so and
                 * carry on (a rebuild recomputes every table). */
                char hex[2 * ID_BYTES + 1];

                id_hex(hex, v->id);
                log_error("STORE-CORRUPT",
                          "view record of report %.16s is malformed: run "
                          "simpul views rebuild",
                          hex);
                return status_move(t, NULL, v);
        }
        if (!old_rec->len)
                return status_move(t, NULL, v);
        err = status_move(t, old.state, v);
        wire_report_view_release(&old);
        return err;
}

static int
waits_put(struct store_txn *t, const uint8_t *report, const struct buf *ids)
{
        uint8_t key[PAIR_BYTES];
        int err = 0;

        for (size_t i = 0; i + ID_BYTES <= ids->len && !err; i += ID_BYTES) {
                pair_key(key, ids->data + i, report);
                err = store_index_put(t, T_WAITS, slice_make(key, PAIR_BYTES),
                                      slice_make(NULL, 0));
        }
        return err;
}

/*
 * The dashboard's record of report r with view v (kim_dash). Put even when
 * the view record did not change: a pruned report's body may bring its
 * category without changing its view.
 */
static int
dash_put(struct store_txn *t, const struct loaded *r,
         const struct wire_report_view *v)
{
        uint8_t rec[KIM_DASH_REC_BYTES];
        struct kim_dash_rec d;

        kim_dash_rec_of(v,
                        r->kim && r->b.has_category ? r->b.category
                                                    : slice_make(NULL, 0),
                        &d);
        kim_dash_rec_encode(&d, rec);
        return store_index_put(t, T_DASH, slice_make(r->e.id, ID_BYTES),
                               slice_make(rec, sizeof(rec)));
}

/* Stores the view record of r computed from the loaded refs. */
static int
report_store(struct store_txn *t, struct batch_index *bi,
             const struct loaded *r, const struct loaded *refs, size_t n)
{
        struct held_ctx held = {t, bi};
        struct kim_view_entry rin = {&r->e, &r->b};
        struct kim_view_entry *in = xcalloc(n ? n : 1, sizeof(*in));
        struct wire_report_view v;
        struct buf rec = BUF_INIT, old = BUF_INIT, pending = BUF_INIT;
        size_t k = 0;
        int err;

        for (size_t i = 0; i < n; i++)
                if (refs[i].kim)
                        in[k++] =
                            (struct kim_view_entry){&refs[i].e, &refs[i].b};
        kim_report_view(&rin, in, k, held_in_store, &held, &v, &pending);
        wire_report_view_encode(&v, &rec);
        err =
            store_index_get(t, T_REPORTS, slice_make(r->e.id, ID_BYTES), &old);
        if (err == ERR_NOT_FOUND) {
                buf_reset(&old);
                err = 0;
        }
        if (!err && !slice_eq(buf_slice(&old), buf_slice(&rec)) &&
            !(err = store_index_put(t, T_REPORTS, slice_make(r->e.id, ID_BYTES),
                                    buf_slice(&rec))))
                err = report_index(t, &old, &v);
        if (!err)
                err = dash_put(t, r, &v);
        if (!err)
                err = waits_put(t, r->e.id, &pending);
        wire_report_view_release(&v);
        buf_release(&rec);
        buf_release(&old);
        buf_release(&pending);
        free(in);
        return err;
}

/* Recomputes the view of the report with this id, if it is held. */
static int
report_recompute(struct store_txn *t, struct batch_index *bi,
                 const uint8_t id[ID_BYTES])
{
        struct loaded r, *refs = NULL;
        struct buf ids = BUF_INIT;
        size_t n = 0;
        int err = load(t, bi, id, &r);

        if (err)
                return err == ERR_NOT_FOUND ? 0 : err;
        if (((r.kim && kim_kind_is_report(r.e.h.kind)) ||
             report_stand_in(&r)) &&
            !(err = ids_after(t, T_REFS, id, &ids)) &&
            !(err = load_all(t, bi, &ids, &refs, &n)))
                err = report_store(t, bi, &r, refs, n);
        free_all(refs, n);
        buf_release(&ids);
        loaded_release(&r);
        return err;
}

/*
 * The view of report id after step (both ids) when that step is all the
 * batch brought to it: the stored record extended when kim_view_extend
 * can, else recomputed.
 */
static int
report_extend(struct store_txn *t, struct batch_index *bi, const uint8_t *id,
              const uint8_t *step)
{
        struct loaded r, s;
        struct wire_report_view v;
        char state[WIRE_VIEW_NAME_BUF];
        struct buf old = BUF_INIT, rec = BUF_INIT;
        bool done = false;
        int err = store_index_get(t, T_REPORTS, slice_make(id, ID_BYTES), &old);

        memset(&v, 0, sizeof(v));
        memset(&r, 0, sizeof(r));
        memset(&s, 0, sizeof(s));
        if (err == ERR_NOT_FOUND ||
            (!err && wire_report_view_decode(buf_slice(&old), &v))) {
                err = 0; /* nothing to extend (or corrupt): recompute */
                goto out;
        }
        if (err || (err = load(t, bi, id, &r)) || (err = load(t, bi, step, &s)))
                goto out;
        memcpy(state, v.state, sizeof(state));
        if (r.kim && s.kim &&
            kim_view_extend(&(struct kim_view_entry){&r.e, &r.b},
                            &(struct kim_view_entry){&s.e, &s.b}, &v)) {
                wire_report_view_encode(&v, &rec);
                if (!(err = store_index_put(t, T_REPORTS,
                                            slice_make(id, ID_BYTES),
                                            buf_slice(&rec))) &&
                    !(err = status_move(t, state, &v)))
                        err = dash_put(t, &r, &v);
                done = true;
        }
out:
        wire_report_view_release(&v);
        loaded_release(&r);
        loaded_release(&s);
        buf_release(&old);
        buf_release(&rec);
        if (err == ERR_NOT_FOUND)
                err = 0; /* the report is not held: no view */
        return err || done ? err : report_recompute(t, bi, id);
}

/* ---- revision views ------------------------------------------------------ */

/* Loads the revisi naming item, then every decision naming one of them. */
static int
revision_inputs(struct store_txn *t, struct batch_index *bi,
                const uint8_t *item, struct loaded **revs, size_t *n_revs,
                struct loaded **decs, size_t *n_decs)
{
        struct buf ids = BUF_INIT, dids = BUF_INIT;
        int err;

        *decs = NULL;
        *n_decs = 0;
        if ((err = ids_after(t, T_REFS, item, &ids)) ||
            (err = load_all(t, bi, &ids, revs, n_revs)))
                goto out;
        buf_reset(&ids);
        for (size_t i = 0; i < *n_revs && !err; i++) {
                if ((*revs)[i].e.h.kind != KIND_REVISI)
                        continue;
                if (!(err = ids_after(t, T_REFS, (*revs)[i].e.id, &dids)))
                        buf_add(&ids, dids.data, dids.len);
        }
        if (!err)
                err = load_all(t, bi, &ids, decs, n_decs);
out:
        buf_release(&ids);
        buf_release(&dids);
        return err;
}

static struct kim_view_entry *
view_entries(const struct loaded *ls, size_t n, size_t *k)
{
        struct kim_view_entry *in = xcalloc(n ? n : 1, sizeof(*in));

        *k = 0;
        for (size_t i = 0; i < n; i++)
                if (ls[i].kim)
                        in[(*k)++] =
                            (struct kim_view_entry){&ls[i].e, &ls[i].b};
        return in;
}

static int
revision_store(struct store_txn *t, struct batch_index *bi,
               const struct loaded *item)
{
        struct loaded *revs = NULL, *decs = NULL;
        struct kim_view_entry *rin = NULL, *din = NULL;
        size_t n_revs = 0, n_decs = 0, kr = 0, kd = 0;
        struct wire_revision_view v;
        struct buf rec = BUF_INIT;
        struct slice key = slice_make(item->e.id, ID_BYTES);
        int err;

        if ((err = revision_inputs(t, bi, item->e.id, &revs, &n_revs, &decs,
                                   &n_decs)))
                goto out;
        rin = view_entries(revs, n_revs, &kr);
        din = view_entries(decs, n_decs, &kd);
        if (kim_revision_view(&item->e, rin, kr, din, kd, &v)) {
                wire_revision_view_encode(&v, &rec);
                err = store_index_put(t, T_REVISIONS, key, buf_slice(&rec));
        } else {
                err = store_index_del(t, T_REVISIONS, key);
                if (err == ERR_NOT_FOUND)
                        err = 0;
        }
out:
        free(rin);
        free(din);
        free_all(revs, n_revs);
        free_all(decs, n_decs);
        buf_release(&rec);
        return err;
}

static int
revision_recompute(struct store_txn *t, struct batch_index *bi,
                   const uint8_t id[ID_BYTES])
{
        struct loaded item;
        struct buf ids = BUF_INIT;
        int err = ids_after(t, T_REFS, id, &ids);
        bool none = !ids.len;

        buf_release(&ids);
        /* Nothing names it: no revision, and no record to remove (one
         * exists only with a revisi naming it). The common case. */
        if (err || none)
                return err;
        if ((err = load(t, bi, id, &item)))
                return err == ERR_NOT_FOUND ? 0 : err;
        if (item.kim && kim_kind_is_announcement(item.e.h.kind))
                err = revision_store(t, bi, &item);
        loaded_release(&item);
        return err;
}

/* ---- one stored entry ---------------------------------------------------- */

static int
ref_put(struct store_txn *t, const uint8_t *target, const uint8_t *id)
{
        uint8_t key[PAIR_BYTES];

        pair_key(key, target, id);
        return store_index_put(t, T_REFS, slice_make(key, PAIR_BYTES),
                               slice_make(NULL, 0));
}

static int
ann_put(struct store_txn *t, const struct entry *e)
{
        char aud[WIRE_VIEW_AUDIENCE_BUF];
        uint8_t key[WIRE_VIEW_AUDIENCE_BUF + 9 + ID_BYTES];
        uint8_t kind = (uint8_t)e->h.kind;
        char region[REGION_BUF];
        size_t n;
        int err;

        audience_format(&e->h.audience, aud);
        n = strlen(aud);
        memcpy(key, aud, n);
        key[n] = 0;
        be64_put(key + n + 1, e->h.timestamp_ms);
        memcpy(key + n + 9, e->id, ID_BYTES);
        if ((err = store_index_put(t, T_ANN, slice_make(key, n + 9 + ID_BYTES),
                                   slice_make(&kind, 1))))
                return err;
        if ((err = store_index_put(t, T_ANN_TIME,
                                   slice_make(key + n + 1, 8 + ID_BYTES),
                                   slice_make(&kind, 1))))
                return err;
        memset(region, 0, sizeof(region));
        memcpy(region, e->h.author_region, strlen(e->h.author_region));
        return store_index_put(t, T_DASH_ANN,
                               slice_make(key + n + 1, 8 + ID_BYTES),
                               slice_make(region, sizeof(region)));
}

/* The revisi a decision names: its item is the announcement to redo. */
static int
decision_item(struct store_txn *t, const struct kim_body *b, struct dirty *d)
{
        struct loaded rv;
        int err = load(t, d->bi, b->revisi, &rv);

        if (err)
                return err == ERR_NOT_FOUND ? 0 : err;
        if (rv.kim && rv.e.h.kind == KIND_REVISI)
                buf_add(&d->items, rv.b.item, ID_BYTES);
        loaded_release(&rv);
        return 0;
}

/* The reports with a step waiting for e: redo them, forget the wait. */
static int
waits_release(struct store_txn *t, const struct entry *e, struct dirty *d)
{
        struct buf ids = BUF_INIT;
        uint8_t key[PAIR_BYTES];
        int err = ids_after(t, T_WAITS, e->id, &ids);

        for (size_t i = 0; !err && i < ids.len; i += ID_BYTES) {
                buf_add(&d->reports, ids.data + i, ID_BYTES);
                pair_key(key, e->id, ids.data + i);
                err = store_index_del(t, T_WAITS, slice_make(key, PAIR_BYTES));
        }
        buf_release(&ids);
        return err;
}

static void
body_key(uint8_t out[BODY_KEY_BYTES], const uint8_t feed[ENTRY_HASH_BYTES],
         uint64_t seq)
{
        memcpy(out, feed, ENTRY_HASH_BYTES);
        be64_put(out + ENTRY_HASH_BYTES, seq);
}

/* Its body is wanted: kim_bodies, and a new bodies_gen. */
static int
body_want(struct store_txn *t, const struct entry *e)
{
        uint8_t key[BODY_KEY_BYTES], gen[8];
        uint64_t g;
        int err;

        body_key(key, e->feed, e->h.seq);
        if ((err = store_index_put(t, T_BODIES, slice_make(key, sizeof(key)),
                                   slice_make(NULL, 0))) ||
            (err = replica_bodies_gen(t, &g)))
                return err;
        be64_put(gen, g + 1);
        return store_meta_put(t, META_BODIES_GEN, slice_make(gen, 8));
}

/* A pruned entry of a KIM kind: its body is wanted; a report or an
 * announcement is listed from its header until it comes. */
static int
pruned_index(struct store_txn *t, const struct entry *e, struct dirty *d)
{
        int err;

        if (!wire_kim_kind(e->h.kind))
                return 0;
        if ((err = body_want(t, e)))
                return err;
        if (kim_kind_is_announcement(e->h.kind))
                return ann_put(t, e);
        if (kim_kind_is_report(e->h.kind))
                buf_add(&d->reports, e->id, ID_BYTES);
        return 0;
}

/* The index records of one stored entry; what to recompute goes to d. */
static int
entry_index(struct store_txn *t, const struct entry *e, struct dirty *d)
{
        struct kim_body b;
        int err;

        if ((err = waits_release(t, e, d)) || (err = replica__blob_refs(t, e)))
                return err;
        if (!e->env.has_body)
                return pruned_index(t, e, d);
        if (!wire_kim_kind(e->h.kind))
                return 0;
        /* An announcement or a report is indexed from its header; its body
         * is decoded here only to pass by one that does not decode, which
         * a checked entry's does. */
        if ((!d->checked || (!kim_kind_is_announcement(e->h.kind) &&
                             !kim_kind_is_report(e->h.kind))) &&
            wire_kim_decode(e->h.kind, e->env.body, &b))
                return 0;
        switch (e->h.kind) {
        case KIND_INFORMASI:
        case KIND_PERINGATAN:
                buf_add(&d->items, e->id, ID_BYTES);
                return ann_put(t, e);
        case KIND_STATUS:
                buf_add(&d->steps, b.report, ID_BYTES);
                buf_add(&d->steps, e->id, ID_BYTES);
                return ref_put(t, b.report, e->id);
        case KIND_TANGGAPAN:
                buf_add(&d->reports, b.report, ID_BYTES);
                return ref_put(t, b.report, e->id);
        case KIND_REVISI:
                buf_add(&d->items, b.item, ID_BYTES);
                return ref_put(t, b.item, e->id);
        case KIND_REVISI_KEPUTUSAN:
                if ((err = ref_put(t, b.revisi, e->id)))
                        return err;
                return decision_item(t, &b, d);
        default: /* the reports */
                buf_add(&d->reports, e->id, ID_BYTES);
                return 0;
        }
}

static int
id_cmp(const void *a, const void *b)
{
        return memcmp(a, b, ID_BYTES);
}

static int
pair_cmp(const void *a, const void *b)
{
        return memcmp(a, b, PAIR_BYTES);
}

/* Sorts and drops repeats of records of size bytes; returns the count. */
static size_t
ids_unique(struct buf *ids, size_t size, int (*cmp)(const void *, const void *))
{
        size_t n = ids->len / size, k = 0;

        if (!n)
                return 0; /* data may be NULL */
        qsort(ids->data, n, size, cmp);
        for (size_t i = 0; i < n; i++)
                if (!k || memcmp(ids->data + (k - 1) * size,
                                 ids->data + i * size, size))
                        memmove(ids->data + k++ * size, ids->data + i * size,
                                size);
        ids->len = k * size;
        return k;
}

static bool
ids_has(const struct buf *ids, size_t n, const uint8_t *id)
{
        return n && bsearch(id, ids->data, n, ID_BYTES, id_cmp);
}

/* The reports the batch gave steps: each extended by its one new step,
 * or recomputed when it got several (or is recomputed anyway). */
static int
steps_flush(struct store_txn *t, struct dirty *d, size_t nr)
{
        size_t ns = ids_unique(&d->steps, PAIR_BYTES, pair_cmp);
        const uint8_t *p = d->steps.data;
        int err = 0;

        for (size_t i = 0, j; i < ns && !err; i = j) {
                const uint8_t *rep = p + i * PAIR_BYTES;
                for (j = i + 1;
                     j < ns && !memcmp(p + j * PAIR_BYTES, rep, ID_BYTES); j++)
                        ;
                if (ids_has(&d->reports, nr, rep))
                        continue;
                err = j - i == 1 ? report_extend(t, d->bi, rep, rep + ID_BYTES)
                                 : report_recompute(t, d->bi, rep);
        }
        return err;
}

static void
dirty_release(struct dirty *d)
{
        buf_release(&d->reports);
        buf_release(&d->steps);
        buf_release(&d->items);
}

static int
dirty_flush(struct store_txn *t, struct dirty *d)
{
        size_t nr = ids_unique(&d->reports, ID_BYTES, id_cmp);
        size_t ni = ids_unique(&d->items, ID_BYTES, id_cmp);
        int err = 0;

        for (size_t i = 0; i < nr && !err; i++)
                err =
                    report_recompute(t, d->bi, d->reports.data + i * ID_BYTES);
        if (!err)
                err = steps_flush(t, d, nr);
        for (size_t i = 0; i < ni && !err; i++)
                err =
                    revision_recompute(t, d->bi, d->items.data + i * ID_BYTES);
        dirty_release(d);
        return err;
}

/* ---- schema, rebuild, the hook ------------------------------------------- */

static int
schema_get(struct store_txn *t, uint32_t *out)
{
        struct buf v = BUF_INIT;
        int err = store_meta_get(t, "views_schema", &v);

        *out = 0;
        if (!err && v.len == 4)
                *out = be32_get(v.data);
        buf_release(&v);
        return err == ERR_NOT_FOUND ? 0 : err;
}

struct rebuild {
        struct store_txn *t;
        struct dirty d;
        uint64_t entries;
};

static int
rebuild_entry(void *ctx, uint64_t seq, struct slice bytes)
{
        struct rebuild *rb = ctx;
        struct entry e;

        (void)seq;
        if (entry_parse(bytes, &e))
                return 0; /* replica_verify reports it */
        rb->entries++;
        return entry_index(rb->t, &e, &rb->d);
}

static int
rebuild_feed(void *ctx, const struct feed_info *f)
{
        struct rebuild *rb = ctx;

        return store_feed_scan(rb->t, f->id, 1, rebuild_entry, rb);
}

/* quiet: the automatic rebuild of a store whose only entries are the
 * batch being stored (a new store's first write) logs at debug level. */
static int
rebuild_in(struct store_txn *t, uint64_t *entries, uint64_t quiet)
{
        struct rebuild rb;
        uint8_t schema[4];
        int err = 0;

        memset(&rb, 0, sizeof(rb));
        rb.t = t;
        for (size_t i = 0; i < ARRAY_LEN(view_tables) && !err; i++)
                err = store_index_drop(t, view_tables[i]);
        if (!err)
                err = store_feeds(t, rebuild_feed, &rb);
        if (!err)
                err = dirty_flush(t, &rb.d);
        dirty_release(&rb.d);
        be32_put(schema, VIEWS_SCHEMA);
        if (!err)
                err = store_meta_put(t, "views_schema", slice_make(schema, 4));
        if (!err) {
                log_emit(
                    rb.entries > quiet ? LOG_INFO : LOG_DEBUG, "VIEWS-REBUILT",
                    "views recomputed from %" PRIu64 " entries", rb.entries);
                if (entries)
                        *entries = rb.entries;
        }
        return err;
}

int
replica__views_update(struct store_txn *t, const struct entry *es,
                      const uint8_t *apply, size_t n)
{
        struct batch_index bi;
        struct dirty d;
        uint32_t schema;
        int err;

        if ((err = schema_get(t, &schema)))
                return err;
        /* Missing or outdated: recompute everything, this batch included. */
        if (schema != VIEWS_SCHEMA)
                return rebuild_in(t, NULL, n);
        batch_index_init(&bi, es, apply, n);
        memset(&d, 0, sizeof(d));
        d.bi = &bi;
        d.checked = true;
        for (size_t i = 0; i < n && !err; i++)
                if (!apply || apply[i])
                        err = entry_index(t, &es[i], &d);
        if (!err)
                err = dirty_flush(t, &d);
        dirty_release(&d);
        batch_index_release(&bi);
        return err;
}

/* ---- bodies of pruned entries (proto/SYNC.md §5.2) ----------------------- */

int
replica__body_wanted(struct store_txn *t, const struct entry *e, bool *wanted)
{
        uint8_t key[BODY_KEY_BYTES];
        struct buf v = BUF_INIT;
        int err;

        body_key(key, e->feed, e->h.seq);
        err = store_index_get(t, T_BODIES, slice_make(key, sizeof(key)), &v);
        buf_release(&v);
        *wanted = !err;
        return err == ERR_NOT_FOUND ? 0 : err;
}

int
replica__body_filled(struct store_txn *t, const struct entry *e,
                     uint32_t outbox_kinds)
{
        uint8_t key[BODY_KEY_BYTES];
        int err;

        body_key(key, e->feed, e->h.seq);
        err = store_index_del(t, T_BODIES, slice_make(key, sizeof(key)));
        if (err && err != ERR_NOT_FOUND)
                return err;
        if ((err = replica__views_update(t, e, NULL, 1)))
                return err;
        return replica__outbox_add(t, e, NULL, 1, outbox_kinds);
}

int
replica__body_refused(struct store_txn *t, const uint8_t feed[ID_BYTES],
                      uint64_t seq, int why)
{
        uint8_t key[BODY_KEY_BYTES];

        body_key(key, feed, seq);
        return store_index_put(t, T_BODIES_BAD, slice_make(key, sizeof(key)),
                               slice_cstr(err_id(why)));
}

int
replica_bodies_gen(struct store_txn *t, uint64_t *gen)
{
        struct buf v = BUF_INIT;
        int err = store_meta_get(t, META_BODIES_GEN, &v);

        *gen = !err && v.len == 8 ? be64_get(v.data) : 0;
        buf_release(&v);
        return err == ERR_NOT_FOUND ? 0 : err;
}

struct wanted_walk {
        struct store_txn *t;
        replica_body_fn fn;
        void *ctx;
        struct buf tmp;
};

static int
wanted_visit(void *ctx, struct slice key, struct slice value)
{
        struct wanted_walk *w = ctx;
        int err;

        (void)value;
        if (key.len != BODY_KEY_BYTES)
                return ERR_STORE_CORRUPT;
        err = store_index_get(w->t, T_BODIES_BAD, key, &w->tmp);
        if (!err)
                return 0; /* refused once: not wanted again */
        if (err != ERR_NOT_FOUND)
                return err;
        return w->fn(w->ctx, key.ptr, be64_get(key.ptr + ENTRY_HASH_BYTES));
}

int
replica_bodies_wanted(struct store_txn *t, const uint8_t *after_feed,
                      uint64_t after_seq, replica_body_fn fn, void *ctx)
{
        struct wanted_walk w = {t, fn, ctx, BUF_INIT};
        uint8_t start[BODY_KEY_BYTES];
        int err;

        if (after_feed)
                body_key(start, after_feed, after_seq);
        err =
            store_index_scan(t, T_BODIES, slice_make(NULL, 0),
                             slice_make(start, after_feed ? sizeof(start) : 0),
                             false, wanted_visit, &w);
        buf_release(&w.tmp);
        return err;
}

int
replica_views_rebuild(struct replica *r, uint64_t *entries)
{
        struct store_txn *t;
        int err;

        if ((err = store_begin(r->store, true, &t)))
                return err;
        if ((err = rebuild_in(t, entries, 0))) {
                store_abort(t);
                return err;
        }
        return store_commit(t);
}

int
replica_views_ensure(struct replica *r, bool *rebuilt)
{
        struct store_txn *t;
        uint32_t schema;
        int err;

        *rebuilt = false;
        if ((err = store_begin(r->store, false, &t)))
                return err;
        err = schema_get(t, &schema);
        store_abort(t);
        if (err || schema == VIEWS_SCHEMA)
                return err;
        if ((err = replica_views_rebuild(r, NULL)))
                return err;
        *rebuilt = true;
        return 0;
}

/* ---- reading ------------------------------------------------------------- */

int
replica_report_view(struct store_txn *t, const uint8_t id[ID_BYTES],
                    struct wire_report_view *v)
{
        struct buf rec = BUF_INIT;
        int err = store_index_get(t, T_REPORTS, slice_make(id, ID_BYTES), &rec);

        memset(v, 0, sizeof(*v));
        if (err == ERR_NOT_FOUND)
                err = ERR_KIM_NOT_FOUND;
        if (!err && wire_report_view_decode(buf_slice(&rec), v)) {
                char hex[2 * ID_BYTES + 1];

                id_hex(hex, id);
                log_error("STORE-CORRUPT",
                          "view record of report %.16s is malformed: run "
                          "simpul views rebuild",
                          hex);
                err = ERR_STORE_CORRUPT;
        }
        buf_release(&rec);
        return err;
}

int
replica_revision_view(struct store_txn *t, const uint8_t id[ID_BYTES],
                      struct wire_revision_view *v)
{
        struct buf rec = BUF_INIT;
        int err =
            store_index_get(t, T_REVISIONS, slice_make(id, ID_BYTES), &rec);

        memset(v, 0, sizeof(*v));
        if (err == ERR_NOT_FOUND)
                err = ERR_KIM_NOT_FOUND;
        if (!err && wire_revision_view_decode(buf_slice(&rec), v))
                err = ERR_STORE_CORRUPT;
        buf_release(&rec);
        return err;
}

struct id_walk {
        replica_id_fn fn;
        void *ctx;
};

/* Keys end with ts (8) || id (32): hand over the id. */
static int
id_visit(void *ctx, struct slice key, struct slice value)
{
        struct id_walk *w = ctx;

        (void)value;
        if (key.len < 8 + ID_BYTES)
                return ERR_STORE_CORRUPT;
        return w->fn(w->ctx, key.ptr + key.len - ID_BYTES);
}

/* prefix || ts || id into key; returns its length. */
static size_t
time_key(uint8_t *key, const char *prefix, uint64_t ts, const uint8_t *id)
{
        size_t n = 0;

        if (prefix) {
                n = strlen(prefix);
                memcpy(key, prefix, n);
                key[n++] = 0;
        }
        be64_put(key + n, ts);
        memcpy(key + n + 8, id, ID_BYTES);
        return n + 8 + ID_BYTES;
}

int
replica_reports_scan(struct store_txn *t, const char *state,
                     const uint8_t *after, replica_id_fn fn, void *ctx)
{
        uint8_t pre[WIRE_VIEW_NAME_BUF + 1];
        uint8_t start[WIRE_VIEW_NAME_BUF + 9 + ID_BYTES];
        struct id_walk w = {fn, ctx};
        struct wire_report_view v;
        size_t pn = 0, sn = 0;
        int err;

        if (state) {
                pn = strlen(state);
                if (pn == 0 || pn > WIRE_VIEW_NAME_MAX)
                        return ERR_USAGE;
                memcpy(pre, state, pn);
                pre[pn++] = 0;
        }
        if (after) {
                if ((err = replica_report_view(t, after, &v)))
                        return err;
                sn = time_key(start, state, v.ts, v.id);
                wire_report_view_release(&v);
        }
        return store_index_scan(t, state ? T_STATUS : T_TIME,
                                slice_make(pre, pn), slice_make(start, sn),
                                true, id_visit, &w);
}

struct state_walk {
        replica_state_fn fn;
        void *ctx;
};

/* kim_status keys: state || 0x00 || ts (8) || id (32). */
static int
state_visit(void *ctx, struct slice key, struct slice value)
{
        struct state_walk *w = ctx;
        char state[WIRE_VIEW_NAME_BUF];
        size_t n;

        (void)value;
        if (key.len < 1 + 8 + ID_BYTES)
                return ERR_STORE_CORRUPT;
        n = key.len - 8 - ID_BYTES - 1;
        if (n == 0 || n > WIRE_VIEW_NAME_MAX || key.ptr[n] != 0 ||
            memchr(key.ptr, 0, n))
                return ERR_STORE_CORRUPT;
        memcpy(state, key.ptr, n);
        state[n] = 0;
        return w->fn(w->ctx, state, be64_get(key.ptr + n + 1), key.ptr + n + 9);
}

int
replica_reports_states(struct store_txn *t, replica_state_fn fn, void *ctx)
{
        struct state_walk w = {fn, ctx};

        return store_index_scan(t, T_STATUS, slice_make(NULL, 0),
                                slice_make(NULL, 0), false, state_visit, &w);
}

/* replica_dash_scan: each record decoded for the visitor. */
struct dash_walk {
        replica_dash_fn fn;
        void *ctx;
};

static int
dash_visit(void *ctx, struct slice key, struct slice value)
{
        struct dash_walk *w = ctx;
        struct kim_dash_rec r;

        if (key.len != ID_BYTES || kim_dash_rec_decode(value, &r))
                return ERR_STORE_CORRUPT;
        return w->fn(w->ctx, key.ptr, &r);
}

int
replica_dash_scan(struct store_txn *t, replica_dash_fn fn, void *ctx)
{
        struct dash_walk w = {fn, ctx};

        return store_index_scan(t, T_DASH, slice_make(NULL, 0),
                                slice_make(NULL, 0), false, dash_visit, &w);
}

/* replica_dash_ann_scan: each record's region and time. */
struct dash_ann_walk {
        replica_dash_ann_fn fn;
        void *ctx;
};

static int
dash_ann_visit(void *ctx, struct slice key, struct slice value)
{
        struct dash_ann_walk *w = ctx;
        char region[REGION_BUF];

        if (key.len != 8 + ID_BYTES || value.len != REGION_BUF ||
            value.ptr[REGION_BUF - 1])
                return ERR_STORE_CORRUPT;
        memcpy(region, value.ptr, REGION_BUF);
        return w->fn(w->ctx, region, be64_get(key.ptr));
}

int
replica_dash_ann_scan(struct store_txn *t, replica_dash_ann_fn fn, void *ctx)
{
        struct dash_ann_walk w = {fn, ctx};

        return store_index_scan(t, T_DASH_ANN, slice_make(NULL, 0),
                                slice_make(NULL, 0), false, dash_ann_visit, &w);
}

int
replica_announcements_scan(struct store_txn *t, const char *audience,
                           const uint8_t *after, replica_id_fn fn, void *ctx)
{
        uint8_t pre[WIRE_VIEW_AUDIENCE_BUF + 1];
        uint8_t start[WIRE_VIEW_AUDIENCE_BUF + 9 + ID_BYTES];
        struct id_walk w = {fn, ctx};
        struct loaded l;
        size_t pn = 0, sn = 0;
        int err;

        if (audience) {
                pn = strlen(audience);
                if (pn == 0 || pn >= WIRE_VIEW_AUDIENCE_BUF)
                        return ERR_USAGE;
                memcpy(pre, audience, pn);
                pre[pn++] = 0;
        }
        if (after) {
                err = load(t, NULL, after, &l);
                if (!err && !(l.kim && kim_kind_is_announcement(l.e.h.kind)))
                        err = ERR_KIM_NOT_FOUND;
                if (!err)
                        sn = time_key(start, audience, l.e.h.timestamp_ms,
                                      l.e.id);
                loaded_release(&l);
                if (err)
                        return err == ERR_NOT_FOUND ? ERR_KIM_NOT_FOUND : err;
        }
        return store_index_scan(t, audience ? T_ANN : T_ANN_TIME,
                                slice_make(pre, pn), slice_make(start, sn),
                                true, id_visit, &w);
}

/* Every record of every view table, in table then key order (tests). */
int
replica_views_dump(struct store_txn *t, store_index_fn fn, void *ctx)
{
        int err = 0;

        for (size_t i = 0; i < ARRAY_LEN(view_tables) && !err; i++)
                err = store_index_scan(t, view_tables[i], slice_make(NULL, 0),
                                       slice_make(NULL, 0), false, fn, ctx);
        return err;
}

/* ---- the entries naming one ---------------------------------------------- */

struct ref_walk {
        replica_id_fn fn;
        void *ctx;
};

static int
ref_visit(void *ctx, struct slice key, struct slice value)
{
        struct ref_walk *w = ctx;

        (void)value;
        if (key.len != PAIR_BYTES)
                return ERR_STORE_CORRUPT;
        return w->fn(w->ctx, key.ptr + ID_BYTES);
}

int
replica_refs_scan(struct store_txn *t, const uint8_t id[ID_BYTES],
                  replica_id_fn fn, void *ctx)
{
        struct ref_walk w = {.fn = fn, .ctx = ctx};

        return store_index_scan(t, T_REFS, slice_make(id, ID_BYTES),
                                slice_make(NULL, 0), false, ref_visit, &w);
}
