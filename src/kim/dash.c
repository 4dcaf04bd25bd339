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

/* Counts one report of category name (its own slot, kept sorted). */
static void
cat_count(struct kim_dash *d, struct slice name)
{
        char key[KIM_WORD_MAX + 1];
        size_t lo = 0, hi = d->n_cats, len = name.len;

        if (!len || len > KIM_WORD_MAX) {
                name = slice_cstr(KIM_DASH_NO_CATEGORY);
                len = name.len;
        }
        memcpy(key, name.ptr, len);
        key[len] = 0;
        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                int c = strcmp(d->cats[mid].name, key);

                if (!c) {
                        d->cats[mid].n++;
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
        memcpy(d->cats[lo].name, key, len + 1);
        d->cats[lo].n = 1;
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
kim_dash_add(struct kim_dash *d, const struct wire_report_view *v,
             struct slice category, const struct kim_calendar *c,
             uint64_t now_ms)
{
        struct kim_flags f;
        enum kim_state s;
        uint64_t ts;

        d->reports++;
        if (!kim_state_parse(v->state, &s))
                d->by_state[s - 1]++;
        cat_count(d, category);
        kim_view_flags(v, c, now_ms, &f);
        d->terlambat_verifikasi += f.terlambat_verifikasi;
        d->terlambat_tindak_lanjut += f.terlambat_tindak_lanjut;
        d->siap_ditutup += f.siap_ditutup;
        if (kim_view_first_verified(v, &ts))
                d->verify_ms = push_u64(d->verify_ms, &d->n_verify,
                                        &d->cap_verify, since(v->ts, ts));
        if (kim_view_first_reply(v, &ts))
                d->reply_ms = push_u64(d->reply_ms, &d->n_reply, &d->cap_reply,
                                       since(v->ts, ts));
}

static int
u64_cmp(const void *a, const void *b)
{
        uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

        return (x > y) - (x < y);
}

bool
kim_dash_median(uint64_t *v, size_t n, uint64_t *out)
{
        uint64_t a, b;

        if (!n)
                return false;
        qsort(v, n, sizeof(*v), u64_cmp);
        if (n % 2) {
                *out = v[n / 2];
                return true;
        }
        a = v[n / 2 - 1];
        b = v[n / 2];
        *out = a + (b - a) / 2; /* no overflow: a <= b */
        return true;
}

int32_t
kim_month_of(uint64_t ms)
{
        char date[KIM_DATE_BUF];
        int y = 0, m = 0;

        kim_date_format(kim_day_of(ms), date);
        if (sscanf(date, "%4d-%2d", &y, &m) != 2)
                return 0;
        return (int32_t)((y - 1970) * 12 + (m - 1));
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
