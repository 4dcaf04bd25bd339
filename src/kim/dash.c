/*
 * dash: the dashboard's figures over report views (dash.h). Pure: every
 * figure is a function of the views added, the calendar and now_ms; the
 * category list is kept sorted so that two nodes adding the same views in
 * another order hold the same group.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dash.h"

void
kim_dash_init(struct kim_dash *d)
{
        memset(d, 0, sizeof(*d));
}

void
kim_dash_release(struct kim_dash *d)
{
        free(d->cats);
        free(d->verify_ms);
        free(d->reply_ms);
        memset(d, 0, sizeof(*d));
}

/* v (capacity *cap elements of size bytes), its capacity doubled (from
 * first when 0). Overflow aborts, as out of memory does. */
static void *
grow(void *v, size_t *cap, size_t first, size_t size)
{
        size_t n = *cap ? *cap : first / 2;

        if (n > SIZE_MAX / 2 / size)
                abort();
        *cap = 2 * n;
        return xrealloc(v, *cap * size);
}

/* Appends x to v (n elements, capacity *cap), doubling as needed. */
static uint64_t *
push_u64(uint64_t *v, size_t *n, size_t *cap, uint64_t x)
{
        if (*n == *cap)
                v = grow(v, cap, 16, sizeof(*v));
        v[(*n)++] = x;
        return v;
}

/* Counts n reports of category name (its own slot, kept sorted). */
static void
cat_count(struct kim_dash *d, const char *name, uint64_t n)
{
        size_t lo = 0, hi = d->n_cats;

        if (!name[0])
                name = KIM_DASH_NO_CATEGORY;
        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                int c = strcmp(d->cats[mid].name, name);

                if (!c) {
                        d->cats[mid].n += n;
                        return;
                }
                if (c < 0)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        if (d->n_cats == d->cap_cats)
                d->cats = grow(d->cats, &d->cap_cats, 8, sizeof(*d->cats));
        memmove(&d->cats[lo + 1], &d->cats[lo],
                (d->n_cats - lo) * sizeof(*d->cats));
        snprintf(d->cats[lo].name, sizeof(d->cats[lo].name), "%s", name);
        d->cats[lo].n = n;
        d->n_cats++;
}

/* The first event of v's timeline (ordered by ts, id) that is valid and,
 * for a step, of step name `step`; for a tanggapan (step NULL), of kind
 * KIND_TANGGAPAN. The report itself (event 0) is never one. */
static bool
first_event(const struct wire_report_view *v, const char *step, uint64_t *ts)
{
        for (size_t i = 1; i < v->timeline_n; i++) {
                const struct wire_view_event *ev = &v->timeline[i];

                if (ev->mark != WIRE_MARK_VALID)
                        continue;
                if (step ? (ev->kind == KIND_STATUS && !strcmp(ev->step, step))
                         : ev->kind == KIND_TANGGAPAN) {
                        *ts = ev->ts;
                        return true;
                }
        }
        return false;
}

bool
kim_view_first_verified(const struct wire_report_view *v, uint64_t *ts)
{
        return first_event(v, kim_step_name(KIM_STEP_DIVERIFIKASI), ts);
}

bool
kim_view_first_reply(const struct wire_report_view *v, uint64_t *ts)
{
        return first_event(v, NULL, ts);
}

static uint64_t
since(uint64_t from, uint64_t to)
{
        return to > from ? to - from : 0;
}

void
kim_dash_rec_of(const struct wire_report_view *v, struct slice category,
                struct kim_dash_rec *out)
{
        enum kim_state s = KIM_STATE_NONE;
        enum kim_result res = KIM_RESULT_NONE;

        memset(out, 0, sizeof(*out));
        memcpy(out->region, v->region, sizeof(out->region));
        out->region[REGION_BUF - 1] = 0;
        out->ts = v->ts;
        if (!kim_state_parse(v->state, &s))
                out->state = (uint8_t)s;
        if (v->result[0] && !kim_result_parse(v->result, &res))
                out->result = (uint8_t)res;
        out->has_verified_ts = v->has_verified_ts;
        out->verified_ts = v->verified_ts;
        out->has_done_ts = v->has_done_ts;
        out->done_ts = v->done_ts;
        out->has_first_verify =
            kim_view_first_verified(v, &out->first_verify_ts);
        out->has_first_reply = kim_view_first_reply(v, &out->first_reply_ts);
        if (category.len && category.len <= KIM_WORD_MAX &&
            wire_kim_word(category))
                memcpy(out->category, category.ptr, category.len);
}

enum {
        F_VERIFIED = 1,
        F_DONE = 2,
        F_FIRST_VERIFY = 4,
        F_FIRST_REPLY = 8,
};

void
kim_dash_rec_encode(const struct kim_dash_rec *r,
                    uint8_t out[KIM_DASH_REC_BYTES])
{
        size_t cat = strlen(r->category);

        memset(out, 0, KIM_DASH_REC_BYTES);
        memcpy(out, r->region, strnlen(r->region, REGION_BUF - 1));
        be64_put(out + 16, r->ts);
        out[24] = r->state;
        out[25] = r->result;
        out[26] = (uint8_t)((r->has_verified_ts ? F_VERIFIED : 0) |
                            (r->has_done_ts ? F_DONE : 0) |
                            (r->has_first_verify ? F_FIRST_VERIFY : 0) |
                            (r->has_first_reply ? F_FIRST_REPLY : 0));
        be64_put(out + 27, r->verified_ts);
        be64_put(out + 35, r->done_ts);
        be64_put(out + 43, r->first_verify_ts);
        be64_put(out + 51, r->first_reply_ts);
        out[59] = (uint8_t)cat;
        memcpy(out + 60, r->category, cat);
}

int
kim_dash_rec_decode(struct slice in, struct kim_dash_rec *out)
{
        const uint8_t *p = in.ptr;

        memset(out, 0, sizeof(*out));
        if (in.len != KIM_DASH_REC_BYTES || p[15] || p[59] > KIM_WORD_MAX ||
            p[24] > KIM_DASH_STATES || p[26] > 15)
                return ERR_MALFORMED;
        memcpy(out->region, p, 16);
        out->ts = be64_get(p + 16);
        out->state = p[24];
        out->result = p[25];
        out->has_verified_ts = p[26] & F_VERIFIED;
        out->has_done_ts = p[26] & F_DONE;
        out->has_first_verify = p[26] & F_FIRST_VERIFY;
        out->has_first_reply = p[26] & F_FIRST_REPLY;
        out->verified_ts = be64_get(p + 27);
        out->done_ts = be64_get(p + 35);
        out->first_verify_ts = be64_get(p + 43);
        out->first_reply_ts = be64_get(p + 51);
        memcpy(out->category, p + 60, p[59]);
        return 0;
}

void
kim_dash_add(struct kim_dash *d, const struct kim_dash_rec *r,
             const struct kim_calendar *c, uint64_t now_ms)
{
        struct wire_report_view v;
        const char *state = kim_state_name((enum kim_state)r->state);
        const char *result = kim_result_name((enum kim_result)r->result);
        struct kim_flags f;

        d->reports++;
        if (state)
                d->by_state[r->state - 1]++;
        cat_count(d, r->category, 1);
        /* The deadlines read only these fields of a view (the names are
         * shorter than its buffers). */
        memset(&v, 0, sizeof(v));
        if (state)
                memcpy(v.state, state, strlen(state) + 1);
        if (result)
                memcpy(v.result, result, strlen(result) + 1);
        v.ts = r->ts;
        v.has_verified_ts = r->has_verified_ts;
        v.verified_ts = r->verified_ts;
        v.has_done_ts = r->has_done_ts;
        v.done_ts = r->done_ts;
        kim_view_flags(&v, c, now_ms, &f);
        d->terlambat_verifikasi += f.terlambat_verifikasi;
        d->terlambat_tindak_lanjut += f.terlambat_tindak_lanjut;
        d->siap_ditutup += f.siap_ditutup;
        if (r->has_first_verify)
                d->verify_ms =
                    push_u64(d->verify_ms, &d->n_verify, &d->cap_verify,
                             since(r->ts, r->first_verify_ts));
        if (r->has_first_reply)
                d->reply_ms = push_u64(d->reply_ms, &d->n_reply, &d->cap_reply,
                                       since(r->ts, r->first_reply_ts));
}

void
kim_dash_merge(struct kim_dash *d, const struct kim_dash *s)
{
        d->reports += s->reports;
        for (size_t i = 0; i < KIM_DASH_STATES; i++)
                d->by_state[i] += s->by_state[i];
        for (size_t i = 0; i < s->n_cats; i++)
                cat_count(d, s->cats[i].name, s->cats[i].n);
        d->terlambat_verifikasi += s->terlambat_verifikasi;
        d->terlambat_tindak_lanjut += s->terlambat_tindak_lanjut;
        d->siap_ditutup += s->siap_ditutup;
        for (size_t i = 0; i < s->n_verify; i++)
                d->verify_ms = push_u64(d->verify_ms, &d->n_verify,
                                        &d->cap_verify, s->verify_ms[i]);
        for (size_t i = 0; i < s->n_reply; i++)
                d->reply_ms = push_u64(d->reply_ms, &d->n_reply, &d->cap_reply,
                                       s->reply_ms[i]);
}

static void
swap(uint64_t *a, uint64_t *b)
{
        uint64_t t = *a;

        *a = *b;
        *b = t;
}

/* Reorders v[0..n) so that v[k] is the k-th smallest, the ones before it
 * no greater and the ones after no smaller (quickselect, Hoare's
 * partition around the middle element): linear on average where a sort
 * of 100k durations is not. */
static void
select_kth(uint64_t *v, size_t n, size_t k)
{
        size_t lo = 0, hi = n - 1;

        while (lo < hi) {
                uint64_t p = v[lo + (hi - lo) / 2];
                size_t i = lo, j = hi;

                while (i <= j) {
                        while (v[i] < p)
                                i++;
                        while (v[j] > p)
                                j--;
                        if (i <= j) {
                                swap(&v[i], &v[j]);
                                i++;
                                if (j == 0)
                                        break;
                                j--;
                        }
                }
                if (k <= j)
                        hi = j;
                else if (k >= i)
                        lo = i;
                else
                        return;
        }
}

bool
kim_dash_median(uint64_t *v, size_t n, uint64_t *out)
{
        uint64_t a, b;

        if (!n)
                return false;
        select_kth(v, n, n / 2);
        b = v[n / 2];
        if (n % 2) {
                *out = b;
                return true;
        }
        /* The lower middle: the greatest of those before v[n / 2]. */
        a = v[0];
        for (size_t i = 1; i < n / 2; i++)
                if (v[i] > a)
                        a = v[i];
        *out = a + (b - a) / 2; /* no overflow: a <= b */
        return true;
}

void
kim_month_format(int32_t month, char out[KIM_MONTH_BUF])
{
        int32_t y = 1970 + (month < 0 ? 0 : month) / 12;
        unsigned m = (unsigned)((month < 0 ? 0 : month) % 12) + 1U;

        /* Bounded for the compiler: y 4 digits, m 1..12. */
        snprintf(out, KIM_MONTH_BUF, "%04u-%02u", (unsigned)(y % 10000),
                 m % 100U);
}
