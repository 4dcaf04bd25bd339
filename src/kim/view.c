/*
 * view: the report view and the revision view (proto/KIM.md §6), computed
 * from a set of entries whatever order they came in.
 *
 * The valid steps form a tree rooted at the report, walked breadth first
 * from the root: a step joins under the entry its `after` names when that
 * one is valid, and is valid itself when its audience is the report's, its
 * author's side may make it, and the lifecycle table allows it from the
 * state there. Its subtree is invalid when it is not. Steps the walk never
 * reaches hang under an `after` that is no step of this report: invalid if
 * that entry is held (a tanggapan, another report's step), else pending.
 */
#include <stdlib.h>
#include <string.h>

#include "view.h"

#define DEPTH_NONE UINT32_MAX

enum node_mark {
        NODE_UNSEEN = 0,
        NODE_VALID,
        NODE_INVALID,
        NODE_PENDING,
};

/* A step (or the report: node 0) while the tree is built. */
struct node {
        const struct kim_view_entry *in;
        enum node_mark mark;
        uint32_t depth;
        size_t parent; /* valid nodes: the node its after names */
        enum kim_state state;
        enum kim_result result;
        bool on_path; /* from the current step up to the report */
};

/* A step node under a sort key: its after, or its own id. */
struct ref {
        const uint8_t *key;
        const struct entry *e;
        size_t node;
};

struct tree {
        struct node *nodes; /* [0] the report, then the steps */
        size_t n;
        struct ref *by_after; /* steps sorted by after, then (ts, id) */
        struct ref *by_id;    /* steps sorted by id */
};

static int
id_cmp(const uint8_t *a, const uint8_t *b)
{
        return memcmp(a, b, ENTRY_HASH_BYTES);
}

/* (timestamp_ms, id) order of two entries. */
static int
ts_id_cmp(const struct entry *a, const struct entry *b)
{
        if (a->h.timestamp_ms != b->h.timestamp_ms)
                return a->h.timestamp_ms < b->h.timestamp_ms ? -1 : 1;
        return id_cmp(a->id, b->id);
}

static int
ref_cmp(const void *pa, const void *pb)
{
        const struct ref *a = pa, *b = pb;
        int c = id_cmp(a->key, b->key);

        return c ? c : ts_id_cmp(a->e, b->e);
}

/* The first ref (of n, sorted) whose key is >= key. */
static size_t
ref_lower(const struct ref *r, size_t n, const uint8_t *key)
{
        size_t lo = 0, hi = n;

        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                if (id_cmp(r[mid].key, key) < 0)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        return lo;
}

static bool
is_step_of(const struct kim_view_entry *x, const uint8_t report[32])
{
        return x->e->h.kind == KIND_STATUS && x->b->kind == KIND_STATUS &&
               x->b->has_report && !id_cmp(x->b->report, report) &&
               x->b->has_after && x->b->step != KIM_STEP_NONE;
}

static bool
is_reply_of(const struct kim_view_entry *x, const uint8_t report[32])
{
        return x->e->h.kind == KIND_TANGGAPAN && x->b->kind == KIND_TANGGAPAN &&
               x->b->has_report && !id_cmp(x->b->report, report);
}

/* Is step node c valid under its valid parent p? Sets its state. */
static bool
step_valid(const struct node *root, const struct node *p, struct node *c)
{
        const struct entry *re = root->in->e, *e = c->in->e;
        const struct kim_body *b = c->in->b;
        enum kim_state next;

        if (!audience_eq(&e->h.audience, &re->h.audience) ||
            kim_role_of(&re->h.audience, e->h.author_region) !=
                kim_step_role(b->step) ||
            kim_next_state(p->state, p->result, b->step, &next))
                return false;
        c->state = next;
        c->result = kim_next_result(p->result, b->step, b->result);
        return true;
}

/* Breadth first from the report: every node reached is valid or invalid. */
static void
tree_walk(struct tree *t)
{
        size_t *queue = xcalloc(t->n, sizeof(size_t));
        size_t head = 0, tail = 0;

        queue[tail++] = 0;
        while (head < tail) {
                struct node *p = &t->nodes[queue[head++]];
                const uint8_t *pid = p->in->e->id;

                for (size_t k = ref_lower(t->by_after, t->n - 1, pid);
                     k < t->n - 1 && !id_cmp(t->by_after[k].key, pid); k++) {
                        struct node *c = &t->nodes[t->by_after[k].node];

                        if (c->mark != NODE_UNSEEN)
                                continue;
                        c->parent = (size_t)(p - t->nodes);
                        c->mark = p->mark == NODE_VALID &&
                                          step_valid(&t->nodes[0], p, c)
                                      ? NODE_VALID
                                      : NODE_INVALID;
                        c->depth =
                            c->mark == NODE_VALID ? p->depth + 1 : DEPTH_NONE;
                        queue[tail++] = (size_t)(c - t->nodes);
                }
        }
        free(queue);
}

/* A step node by id, or 0 (the report is never a step). */
static size_t
step_by_id(const struct tree *t, const uint8_t *id)
{
        size_t k = ref_lower(t->by_id, t->n - 1, id);

        return k < t->n - 1 && !id_cmp(t->by_id[k].key, id) ? t->by_id[k].node
                                                            : 0;
}

static void
add_pending(struct buf *pending, const uint8_t *id)
{
        size_t n = pending->len / ENTRY_HASH_BYTES, lo = 0, hi = n;

        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                int c = id_cmp(pending->data + mid * ENTRY_HASH_BYTES, id);
                if (!c)
                        return;
                if (c < 0)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        buf_grow(pending, ENTRY_HASH_BYTES);
        memmove(pending->data + (lo + 1) * ENTRY_HASH_BYTES,
                pending->data + lo * ENTRY_HASH_BYTES,
                (n - lo) * ENTRY_HASH_BYTES);
        memcpy(pending->data + lo * ENTRY_HASH_BYTES, id, ENTRY_HASH_BYTES);
        pending->len += ENTRY_HASH_BYTES;
        pending->data[pending->len] = 0;
}

/*
 * The steps the walk did not reach: climb each one's after chain to the
 * first after that is no step here; that entry decides for the chain.
 * Chains are bounded by the step count (ids are hashes: no cycles, but a
 * bound costs nothing).
 */
static void
tree_orphans(struct tree *t, kim_held_fn held, void *ctx, struct buf *pending)
{
        for (size_t i = 1; i < t->n; i++) {
                size_t top = i, up, hops = 0;
                enum node_mark m;

                if (t->nodes[i].mark != NODE_UNSEEN)
                        continue;
                for (;;) {
                        up = step_by_id(t, t->nodes[top].in->b->after);
                        if (!up || t->nodes[up].mark != NODE_UNSEEN ||
                            hops == t->n)
                                break;
                        top = up;
                        hops++;
                }
                if (up) /* under a decided chain (never a valid one) */
                        m = t->nodes[up].mark == NODE_PENDING ? NODE_PENDING
                                                              : NODE_INVALID;
                else if (held && held(ctx, t->nodes[top].in->b->after))
                        m = NODE_INVALID;
                else
                        m = NODE_PENDING;
                if (!up && m == NODE_PENDING)
                        add_pending(pending, t->nodes[top].in->b->after);
                for (size_t x = i, k = 0; k <= hops; k++) {
                        t->nodes[x].mark = m;
                        x = step_by_id(t, t->nodes[x].in->b->after);
                }
        }
}

/* The current step: greatest depth, then smaller (ts, id). */
static size_t
tree_current(const struct tree *t)
{
        size_t best = 0;

        for (size_t i = 1; i < t->n; i++) {
                const struct node *c = &t->nodes[i], *b = &t->nodes[best];
                if (c->mark != NODE_VALID)
                        continue;
                if (c->depth > b->depth ||
                    (c->depth == b->depth && ts_id_cmp(c->in->e, b->in->e) < 0))
                        best = i;
        }
        return best;
}

static void
view_header(const struct kim_view_entry *r, struct wire_report_view *v)
{
        memset(v, 0, sizeof(*v));
        memcpy(v->id, r->e->id, ENTRY_HASH_BYTES);
        v->kind = r->e->h.kind;
        memcpy(v->author, r->e->h.author, ENTRY_KEY_BYTES);
        memcpy(v->region, r->e->h.author_region, REGION_BUF);
        audience_format(&r->e->h.audience, v->audience);
        memcpy(v->handler, r->b->handler, REGION_BUF);
        v->ts = r->e->h.timestamp_ms;
        v->anonim = r->b->anonim;
        v->rahasia = r->b->rahasia;
}

static void
name_copy(char out[WIRE_VIEW_NAME_BUF], const char *name)
{
        memset(out, 0, WIRE_VIEW_NAME_BUF);
        if (name)
                memcpy(out, name, strnlen(name, WIRE_VIEW_NAME_MAX));
}

/* State, result, head and the timestamps of the path to the head. */
static void
view_path(struct tree *t, size_t cur, struct wire_report_view *v)
{
        const struct node *c = &t->nodes[cur];

        name_copy(v->state, kim_state_name(c->state));
        name_copy(v->result, kim_result_name(c->result));
        memcpy(v->head, c->in->e->id, ENTRY_HASH_BYTES);
        for (size_t x = cur; x != 0; x = t->nodes[x].parent) {
                struct node *s = &t->nodes[x];
                uint64_t ts = s->in->e->h.timestamp_ms;

                s->on_path = true;
                /* The latest of each kind on the path: the first met. */
                if (s->in->b->step == KIM_STEP_DIVERIFIKASI &&
                    !v->has_verified_ts)
                        v->has_verified_ts = true, v->verified_ts = ts;
                if (s->in->b->step == KIM_STEP_DITINDAKLANJUTI &&
                    !v->has_followed_ts)
                        v->has_followed_ts = true, v->followed_ts = ts;
                if (s->in->b->step == KIM_STEP_SELESAI && !v->has_done_ts)
                        v->has_done_ts = true, v->done_ts = ts;
        }
}

static void
event_set(struct wire_view_event *ev, const struct entry *e, enum kim_step step,
          enum wire_mark mark)
{
        memset(ev, 0, sizeof(*ev));
        memcpy(ev->id, e->id, ENTRY_HASH_BYTES);
        ev->kind = e->h.kind;
        name_copy(ev->step, kim_step_name(step));
        memcpy(ev->author_region, e->h.author_region, REGION_BUF);
        ev->ts = e->h.timestamp_ms;
        ev->mark = mark;
}

static int
event_cmp(const void *pa, const void *pb)
{
        const struct wire_view_event *a = pa, *b = pb;

        if (a->ts != b->ts)
                return a->ts < b->ts ? -1 : 1;
        return id_cmp(a->id, b->id);
}

static bool
reply_valid(const struct kim_view_entry *r, const struct kim_view_entry *x)
{
        return audience_eq(&x->e->h.audience, &r->e->h.audience) &&
               kim_role_of(&r->e->h.audience, x->e->h.author_region) ==
                   KIM_ROLE_HANDLER;
}

/* The timeline (rule 3), the flags (rule 4) and the last reply. */
static void
view_timeline(const struct tree *t, const struct kim_view_entry *r,
              const struct kim_view_entry *refs, size_t n,
              struct wire_report_view *v)
{
        size_t k = 0;

        v->timeline = xcalloc(t->n + n, sizeof(*v->timeline));
        event_set(&v->timeline[k++], r->e, KIM_STEP_NONE, WIRE_MARK_VALID);
        for (size_t i = 1; i < t->n; i++) {
                const struct node *s = &t->nodes[i];
                enum wire_mark m = WIRE_MARK_INVALID;

                if (s->mark == NODE_PENDING)
                        continue;
                if (s->mark == NODE_VALID) {
                        m = s->on_path ? WIRE_MARK_VALID : WIRE_MARK_SUPERSEDED;
                        v->anonim |= s->in->b->anonim;
                        v->rahasia |= s->in->b->rahasia;
                }
                event_set(&v->timeline[k++], s->in->e, s->in->b->step, m);
        }
        for (size_t i = 0; i < n; i++) {
                bool ok;

                if (!is_reply_of(&refs[i], r->e->id))
                        continue;
                ok = reply_valid(r, &refs[i]);
                event_set(&v->timeline[k++], refs[i].e, KIM_STEP_NONE,
                          ok ? WIRE_MARK_VALID : WIRE_MARK_INVALID);
                if (ok && (!v->has_last_reply_ts ||
                           refs[i].e->h.timestamp_ms > v->last_reply_ts)) {
                        v->has_last_reply_ts = true;
                        v->last_reply_ts = refs[i].e->h.timestamp_ms;
                }
        }
        qsort(v->timeline, k, sizeof(*v->timeline), event_cmp);
        /* Peers decide how many entries name a report: the view keeps the
         * earliest events, a choice every node makes the same way. */
        v->timeline_n = k < WIRE_VIEW_TIMELINE_MAX ? k : WIRE_VIEW_TIMELINE_MAX;
}

void
kim_report_view(const struct kim_view_entry *r,
                const struct kim_view_entry *refs, size_t n, kim_held_fn held,
                void *held_ctx, struct wire_report_view *v, struct buf *pending)
{
        struct tree t;
        size_t cur;

        memset(&t, 0, sizeof(t));
        t.nodes = xcalloc(n + 1, sizeof(*t.nodes));
        t.by_after = xcalloc(n + 1, sizeof(*t.by_after));
        t.by_id = xcalloc(n + 1, sizeof(*t.by_id));
        t.nodes[0] = (struct node){
            r, NODE_VALID, 0, 0, KIM_STATE_DIAJUKAN, KIM_RESULT_NONE, false};
        t.n = 1;
        for (size_t i = 0; i < n; i++) {
                const struct kim_view_entry *x = &refs[i];

                if (!is_step_of(x, r->e->id))
                        continue;
                t.nodes[t.n] =
                    (struct node){x,    NODE_UNSEEN,    DEPTH_NONE,
                                  0,    KIM_STATE_NONE, KIM_RESULT_NONE,
                                  false};
                t.by_after[t.n - 1] = (struct ref){x->b->after, x->e, t.n};
                t.by_id[t.n - 1] = (struct ref){x->e->id, x->e, t.n};
                t.n++;
        }
        qsort(t.by_after, t.n - 1, sizeof(*t.by_after), ref_cmp);
        qsort(t.by_id, t.n - 1, sizeof(*t.by_id), ref_cmp);
        tree_walk(&t);
        tree_orphans(&t, held, held_ctx, pending);
        cur = tree_current(&t);
        view_header(r, v);
        view_path(&t, cur, v);
        view_timeline(&t, r, refs, n, v);
        free(t.nodes);
        free(t.by_after);
        free(t.by_id);
}

/* Where ev goes in v's timeline, ordered by (ts, id). */
static size_t
event_upper(const struct wire_report_view *v, const struct wire_view_event *ev)
{
        size_t lo = 0, hi = v->timeline_n;

        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                if (event_cmp(&v->timeline[mid], ev) < 0)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        return lo;
}

/*
 * With s valid under the current step h, kim_report_view would find: s the
 * only step of greatest depth (h had the greatest), so the new current
 * step, with the path to it h's path and s; s with no steps under it (the
 * caller's promise), so every other node keeps its mark; one more event;
 * the flags and the path's timestamps updated by s alone. Nothing else.
 */
bool
kim_view_extend(const struct kim_view_entry *r, const struct kim_view_entry *s,
                struct wire_report_view *v)
{
        struct node root = {
            r, NODE_VALID, 0, 0, KIM_STATE_DIAJUKAN, KIM_RESULT_NONE, false};
        struct node head = root, c;
        struct wire_view_event ev;
        size_t at;

        memset(&c, 0, sizeof(c));
        c.in = s;
        if (!is_step_of(s, r->e->id) || id_cmp(s->b->after, v->head) ||
            id_cmp(v->id, r->e->id) ||
            v->timeline_n >= WIRE_VIEW_TIMELINE_MAX ||
            kim_state_parse(v->state, &head.state) ||
            (v->result[0] && kim_result_parse(v->result, &head.result)) ||
            !step_valid(&root, &head, &c))
                return false;
        event_set(&ev, s->e, s->b->step, WIRE_MARK_VALID);
        at = event_upper(v, &ev);
        if (at < v->timeline_n && !event_cmp(&v->timeline[at], &ev))
                return false; /* s is in v already: not a new step */
        v->timeline =
            xrealloc(v->timeline, (v->timeline_n + 1) * sizeof(*v->timeline));
        memmove(&v->timeline[at + 1], &v->timeline[at],
                (v->timeline_n - at) * sizeof(*v->timeline));
        v->timeline[at] = ev;
        v->timeline_n++;
        name_copy(v->state, kim_state_name(c.state));
        name_copy(v->result, kim_result_name(c.result));
        memcpy(v->head, s->e->id, ENTRY_HASH_BYTES);
        if (s->b->step == KIM_STEP_DIVERIFIKASI)
                v->has_verified_ts = true, v->verified_ts = ev.ts;
        if (s->b->step == KIM_STEP_DITINDAKLANJUTI)
                v->has_followed_ts = true, v->followed_ts = ev.ts;
        if (s->b->step == KIM_STEP_SELESAI)
                v->has_done_ts = true, v->done_ts = ev.ts;
        v->anonim |= s->b->anonim;
        v->rahasia |= s->b->rahasia;
        return true;
}

/* ---- deadlines and the local step check ---------------------------------- */

void
kim_view_flags(const struct wire_report_view *v, const struct kim_calendar *c,
               uint64_t now_ms, struct kim_flags *out)
{
        enum kim_state s = KIM_STATE_NONE;
        enum kim_result res = KIM_RESULT_NONE;

        memset(out, 0, sizeof(*out));
        if (kim_state_parse(v->state, &s))
                return;
        if (v->result[0] && kim_result_parse(v->result, &res))
                res = KIM_RESULT_NONE;
        if (s == KIM_STATE_DIAJUKAN) {
                out->deadline_ms = kim_deadline_ms(c, v->ts, KIM_DAYS_VERIFY);
                out->terlambat_verifikasi = now_ms >= out->deadline_ms;
        } else if ((s == KIM_STATE_DIVERIFIKASI || s == KIM_STATE_DITERUSKAN) &&
                   res == KIM_RESULT_VALID && v->has_verified_ts) {
                out->deadline_ms =
                    kim_deadline_ms(c, v->verified_ts, KIM_DAYS_FOLLOW);
                out->terlambat_tindak_lanjut = now_ms >= out->deadline_ms;
        } else if (s == KIM_STATE_SELESAI && v->has_done_ts) {
                out->deadline_ms =
                    kim_deadline_ms(c, v->done_ts, KIM_DAYS_CLOSE);
                out->siap_ditutup = now_ms >= out->deadline_ms;
        }
}

int
kim_view_next(const struct wire_report_view *v, enum kim_step step,
              const struct kim_calendar *c, uint64_t now_ms,
              enum kim_state *next)
{
        enum kim_state s, to;
        enum kim_result res = KIM_RESULT_NONE;
        struct kim_flags f;

        if (kim_state_parse(v->state, &s) ||
            (v->result[0] && kim_result_parse(v->result, &res)) ||
            kim_next_state(s, res, step, &to))
                return ERR_KIM_STEP;
        if (step == KIM_STEP_DITUTUP && s == KIM_STATE_SELESAI) {
                kim_view_flags(v, c, now_ms, &f);
                if (!f.siap_ditutup)
                        return ERR_KIM_STEP;
        }
        if (next)
                *next = to;
        return 0;
}

/* ---- revision view (rule 5) ---------------------------------------------- */

/* Does decision d count for revisi rv of an announcement by author? */
static bool
decision_counts(const struct kim_view_entry *d, const struct entry *rv,
                const uint8_t author[ENTRY_KEY_BYTES])
{
        return d->e->h.kind == KIND_REVISI_KEPUTUSAN &&
               d->b->kind == KIND_REVISI_KEPUTUSAN && d->b->has_revisi &&
               !id_cmp(d->b->revisi, rv->id) &&
               !memcmp(d->e->h.author, author, ENTRY_KEY_BYTES) &&
               d->b->decision != KIM_DECISION_NONE;
}

bool
kim_revision_view(const struct entry *item, const struct kim_view_entry *revs,
                  size_t n_revs, const struct kim_view_entry *decs,
                  size_t n_decs, struct wire_revision_view *out)
{
        const struct kim_view_entry *win_rev = NULL, *win_dec = NULL;

        for (size_t i = 0; i < n_revs; i++) {
                const struct kim_view_entry *rv = &revs[i], *last = NULL;

                if (rv->e->h.kind != KIND_REVISI || !rv->b->has_item ||
                    id_cmp(rv->b->item, item->id))
                        continue;
                for (size_t j = 0; j < n_decs; j++)
                        if (decision_counts(&decs[j], rv->e, item->h.author) &&
                            (!last || ts_id_cmp(decs[j].e, last->e) > 0))
                                last = &decs[j];
                if (!last || last->b->decision != KIM_DECISION_DITERIMA)
                        continue;
                if (!win_dec || ts_id_cmp(last->e, win_dec->e) > 0) {
                        win_dec = last;
                        win_rev = rv;
                }
        }
        if (!win_dec)
                return false;
        memset(out, 0, sizeof(*out));
        memcpy(out->item, item->id, ENTRY_HASH_BYTES);
        memcpy(out->revisi, win_rev->e->id, ENTRY_HASH_BYTES);
        memcpy(out->decision, win_dec->e->id, ENTRY_HASH_BYTES);
        memcpy(out->editor, win_rev->e->h.author, ENTRY_KEY_BYTES);
        memcpy(out->editor_region, win_rev->e->h.author_region, REGION_BUF);
        out->ts = win_rev->e->h.timestamp_ms;
        out->decided_ts = win_dec->e->h.timestamp_ms;
        return true;
}
