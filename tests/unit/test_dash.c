/*
 * test_dash: the dashboard's pure figures (src/kim/dash.c): medians,
 * WIB month buckets, the working-day deadlines counted per group (the
 * same kim_view_flags as simpul reports --overdue), the first valid
 * verification and response, categories, and that the order reports are
 * added in changes nothing. Views are built by hand: a view is what
 * kim_report_view gives, and the aggregation reads nothing else.
 */
#include "testlib.h"

#include "../../src/kim/dash.h"

#define H 3600000ULL
#define WIB 25200000ULL /* UTC+07:00 */

/* Unix ms of a WIB date and time, via the calendar's own date parser. */
static uint64_t
wib(const char *date, unsigned hh, unsigned mm)
{
        int32_t day;

        assert_int_equal(kim_date_parse(date, 10, &day), 0);
        return (uint64_t)day * 86400000ULL + hh * H + mm * 60000ULL - WIB;
}

/* A view of state `state` (result "" or a result) reported at ts, with a
 * timeline of the report and n events. */
struct tv {
        struct wire_report_view v;
        struct wire_view_event ev[8];
};

static void
tv_make(struct tv *t, const char *state, const char *result, uint64_t ts)
{
        memset(t, 0, sizeof(*t));
        snprintf(t->v.state, sizeof(t->v.state), "%s", state);
        snprintf(t->v.result, sizeof(t->v.result), "%s", result);
        snprintf(t->v.region, sizeof(t->v.region), "36.04.12.2002");
        t->v.ts = ts;
        t->v.kind = KIND_ASPIRASI;
        t->ev[0].kind = KIND_ASPIRASI;
        t->ev[0].ts = ts;
        t->v.timeline = t->ev;
        t->v.timeline_n = 1;
}

/* Appends an event: a step (kind status) or, step NULL, a tanggapan. */
static void
tv_event(struct tv *t, const char *step, uint64_t ts, enum wire_mark mark)
{
        struct wire_view_event *e = &t->ev[t->v.timeline_n++];

        e->kind = step ? KIND_STATUS : KIND_TANGGAPAN;
        snprintf(e->step, sizeof(e->step), "%s", step ? step : "");
        e->ts = ts;
        e->mark = mark;
        e->id[0] = (uint8_t)t->v.timeline_n;
}

static void
medians(void **state)
{
        static const struct {
                const char *name;
                uint64_t v[5];
                size_t n;
                bool has;
                uint64_t want;
        } cases[] = {
            {"none", {0}, 0, false, 0},
            {"one", {7}, 1, true, 7},
            {"odd, unsorted", {30, 10, 20}, 3, true, 20},
            {"even: the mean of the middle two", {10, 40, 20, 30}, 4, true, 25},
            {"even: rounded down", {1, 2}, 2, true, 1},
            {"no overflow",
             {UINT64_MAX, UINT64_MAX - 2},
             2,
             true,
             UINT64_MAX - 1},
            {"repeats", {5, 5, 5, 9, 1}, 5, true, 5},
        };
        (void)state;
        for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
                uint64_t v[5], got = 0;
                bool has;

                memcpy(v, cases[i].v, sizeof(v));
                has = kim_dash_median(v, cases[i].n, &got);
                if (has != cases[i].has || (has && got != cases[i].want))
                        fail_msg("%s: got %d %llu, want %d %llu", cases[i].name,
                                 has, (unsigned long long)got, cases[i].has,
                                 (unsigned long long)cases[i].want);
        }
}

static int
u64_cmp(const void *a, const void *b)
{
        uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

        return (x > y) - (x < y);
}

/* The median by selection equals the one of a sorted copy, for every size
 * up to 300, with many repeats and with few. */
static void
medians_random(void **state)
{
        static uint64_t v[300], sorted[300];
        uint64_t x = 12345, got = 0, want;

        (void)state;
        for (size_t n = 1; n <= ARRAY_LEN(v); n++) {
                for (unsigned mod = 3; mod <= 1000003; mod += 1000000) {
                        for (size_t i = 0; i < n; i++) {
                                x = x * 6364136223846793005ULL +
                                    1442695040888963407ULL;
                                v[i] = (x >> 33) % mod;
                        }
                        memcpy(sorted, v, n * sizeof(*v));
                        qsort(sorted, n, sizeof(*v), u64_cmp);
                        want =
                            n % 2 ? sorted[n / 2]
                                  : sorted[n / 2 - 1] +
                                        (sorted[n / 2] - sorted[n / 2 - 1]) / 2;
                        assert_true(kim_dash_median(v, n, &got));
                        if (got != want)
                                fail_msg("n %zu mod %u: got %llu, want %llu", n,
                                         mod, (unsigned long long)got,
                                         (unsigned long long)want);
                }
        }
}

static void
months(void **state)
{
        static const struct {
                const char *date;
                unsigned hh, mm;
                int sub_ms; /* 1: one ms before */
                const char *want;
        } cases[] = {
            {"2026-11-01", 0, 0, 0, "2026-11"}, /* WIB midnight */
            {"2026-11-01", 0, 0, 1, "2026-10"}, /* a ms before it */
            {"2027-01-01", 0, 0, 0, "2027-01"},
            {"2027-01-01", 0, 0, 1, "2026-12"},
            {"2024-02-29", 23, 59, 0, "2024-02"},
            {"1970-01-01", 7, 0, 0, "1970-01"},
        };
        char out[KIM_MONTH_BUF];

        (void)state;
        for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
                uint64_t ms = wib(cases[i].date, cases[i].hh, cases[i].mm) -
                              (uint64_t)cases[i].sub_ms;

                kim_month_format(kim_month_of(ms), out);
                if (strcmp(out, cases[i].want))
                        fail_msg("%s %02u:%02u -%dms: got %s, want %s",
                                 cases[i].date, cases[i].hh, cases[i].mm,
                                 cases[i].sub_ms, out, cases[i].want);
        }
        /* 2026-11 in UTC: 17:00 on the 31st of October is already November
         * in WIB. */
        assert_int_equal(kim_month_of(wib("2026-11-01", 0, 0)),
                         (2026 - 1970) * 12 + 10);
}

/* Adds view v with category cat to d as the dashboard does: its record
 * through the bytes the kim_dash table stores. */
static void
add_view(struct kim_dash *d, const struct wire_report_view *v, const char *cat,
         const struct kim_calendar *c, uint64_t now)
{
        uint8_t bytes[KIM_DASH_REC_BYTES];
        struct kim_dash_rec r, back;

        kim_dash_rec_of(v, slice_cstr(cat), &r);
        kim_dash_rec_encode(&r, bytes);
        assert_int_equal(
            kim_dash_rec_decode(slice_make(bytes, sizeof(bytes)), &back), 0);
        assert_memory_equal(&r, &back, sizeof(r));
        kim_dash_add(d, &back, c, now);
}

/* One report's flags as counted by a group at now. */
static void
expect_flags(const char *name, const struct wire_report_view *v,
             const struct kim_calendar *c, uint64_t now, unsigned want_v,
             unsigned want_t, unsigned want_c)
{
        struct kim_dash d;

        kim_dash_init(&d);
        add_view(&d, v, "sosial", c, now);
        if (d.terlambat_verifikasi != want_v ||
            d.terlambat_tindak_lanjut != want_t || d.siap_ditutup != want_c)
                fail_msg("%s: got V%llu T%llu C%llu, want V%u T%u C%u", name,
                         (unsigned long long)d.terlambat_verifikasi,
                         (unsigned long long)d.terlambat_tindak_lanjut,
                         (unsigned long long)d.siap_ditutup, want_v, want_t,
                         want_c);
        kim_dash_release(&d);
}

static void
working_day_deadlines(void **state)
{
        int32_t hol[1];
        struct kim_calendar none = {NULL, 0}, monday_off = {hol, 1};
        struct tv t;

        (void)state;
        assert_int_equal(kim_date_parse("2026-11-23", 10, &hol[0]), 0);
        /* Reported Friday 11-20: day 0; Mon 23, Tue 24, Wed 25 -> late at
         * Thursday 00:00 WIB. With Monday a holiday, a day later. */
        tv_make(&t, "diajukan", "", wib("2026-11-20", 10, 0));
        expect_flags("diajukan, Wed 23:59", &t.v, &none,
                     wib("2026-11-25", 23, 59), 0, 0, 0);
        expect_flags("diajukan, Thu 00:00", &t.v, &none,
                     wib("2026-11-26", 0, 0), 1, 0, 0);
        expect_flags("diajukan, holiday, Thu 00:00", &t.v, &monday_off,
                     wib("2026-11-26", 0, 0), 0, 0, 0);
        expect_flags("diajukan, holiday, Fri 00:00", &t.v, &monday_off,
                     wib("2026-11-27", 0, 0), 1, 0, 0);
        /* Verified valid Wednesday 11-11: 5 working days end Wed 11-18. */
        tv_make(&t, "diverifikasi", "valid", wib("2026-11-09", 8, 0));
        t.v.has_verified_ts = true;
        t.v.verified_ts = wib("2026-11-11", 14, 0);
        expect_flags("valid, Wed 18 23:59", &t.v, &none,
                     wib("2026-11-18", 23, 59), 0, 0, 0);
        expect_flags("valid, Thu 19 00:00", &t.v, &none,
                     wib("2026-11-19", 0, 0), 0, 1, 0);
        snprintf(t.v.state, sizeof(t.v.state), "diteruskan");
        expect_flags("diteruskan counts too", &t.v, &none,
                     wib("2026-11-19", 0, 0), 0, 1, 0);
        snprintf(t.v.state, sizeof(t.v.state), "diverifikasi");
        snprintf(t.v.result, sizeof(t.v.result), "tidak_valid");
        expect_flags("tidak_valid: no follow-up deadline", &t.v, &none,
                     wib("2027-01-01", 0, 0), 0, 0, 0);
        /* selesai Friday 11-06: 10 working days end Friday 11-20. */
        tv_make(&t, "selesai", "valid", wib("2026-11-02", 9, 0));
        t.v.has_done_ts = true;
        t.v.done_ts = wib("2026-11-06", 9, 0);
        expect_flags("selesai, Fri 20 23:59", &t.v, &none,
                     wib("2026-11-20", 23, 59), 0, 0, 0);
        expect_flags("selesai, Sat 21 00:00", &t.v, &none,
                     wib("2026-11-21", 0, 0), 0, 0, 1);
        tv_make(&t, "ditutup", "valid", wib("2026-01-02", 9, 0));
        expect_flags("ditutup: nothing", &t.v, &none, wib("2027-01-01", 0, 0),
                     0, 0, 0);
}

static void
first_events(void **state)
{
        uint64_t r = wib("2026-11-02", 9, 0), ts = 0;
        struct tv t;

        (void)state;
        tv_make(&t, "diverifikasi", "valid", r);
        assert_false(kim_view_first_verified(&t.v, &ts));
        assert_false(kim_view_first_reply(&t.v, &ts));
        /* A superseded verification and an invalid tanggapan do not count;
         * the valid ones after them do, the first of each. */
        tv_event(&t, "diverifikasi", r + 1 * H, WIRE_MARK_SUPERSEDED);
        tv_event(&t, NULL, r + 2 * H, WIRE_MARK_INVALID);
        tv_event(&t, "diverifikasi", r + 3 * H, WIRE_MARK_VALID);
        tv_event(&t, NULL, r + 4 * H, WIRE_MARK_VALID);
        tv_event(&t, NULL, r + 5 * H, WIRE_MARK_VALID);
        tv_event(&t, "ditindaklanjuti", r + 6 * H, WIRE_MARK_VALID);
        assert_true(kim_view_first_verified(&t.v, &ts));
        assert_int_equal(ts, r + 3 * H);
        assert_true(kim_view_first_reply(&t.v, &ts));
        assert_int_equal(ts, r + 4 * H);
}

static void
group_counts(void **state)
{
        struct kim_calendar none = {NULL, 0};
        uint64_t r = wib("2026-11-02", 9, 0), now = wib("2026-11-03", 0, 0);
        static const char *const cats[] = {"sosial", "", "kesehatan", "sosial"};
        struct kim_dash a, b;
        struct tv t[4];

        (void)state;
        tv_make(&t[0], "diajukan", "", r);
        tv_make(&t[1], "diverifikasi", "valid", r);
        tv_event(&t[1], "diverifikasi", r + 10 * H, WIRE_MARK_VALID);
        tv_make(&t[2], "diverifikasi", "valid", r + 2 * H);
        tv_event(&t[2], NULL, r + 1 * H, WIRE_MARK_VALID); /* before it */
        tv_event(&t[2], "diverifikasi", r + 6 * H, WIRE_MARK_VALID);
        tv_make(&t[3], "no_such_state", "", r);
        kim_dash_init(&a);
        kim_dash_init(&b);
        for (size_t i = 0; i < 4; i++) {
                add_view(&a, &t[i].v, cats[i], &none, now);
                add_view(&b, &t[3 - i].v, cats[3 - i], &none, now);
        }
        assert_int_equal(a.reports, 4);
        assert_int_equal(a.by_state[KIM_STATE_DIAJUKAN - 1], 1);
        assert_int_equal(a.by_state[KIM_STATE_DIVERIFIKASI - 1], 2);
        /* Sorted by name; the pruned report's category is "?". */
        assert_int_equal(a.n_cats, 3);
        assert_string_equal(a.cats[0].name, KIM_DASH_NO_CATEGORY);
        assert_string_equal(a.cats[1].name, "kesehatan");
        assert_string_equal(a.cats[2].name, "sosial");
        assert_int_equal(a.cats[2].n, 2);
        /* Durations 10 h and 4 h; the response timed before its report is
         * 0. */
        uint64_t ma = 0, mb = 0;
        assert_true(kim_dash_median(a.verify_ms, a.n_verify, &ma));
        assert_int_equal(ma, 7 * H);
        assert_true(kim_dash_median(a.reply_ms, a.n_reply, &ma));
        assert_int_equal(ma, 0);
        /* The other order: the same group. */
        assert_int_equal(a.n_cats, b.n_cats);
        for (size_t i = 0; i < a.n_cats; i++) {
                assert_string_equal(a.cats[i].name, b.cats[i].name);
                assert_int_equal(a.cats[i].n, b.cats[i].n);
        }
        assert_memory_equal(a.by_state, b.by_state, sizeof(a.by_state));
        assert_true(kim_dash_median(b.verify_ms, b.n_verify, &mb));
        assert_int_equal(mb, 7 * H);
        assert_int_equal(a.terlambat_verifikasi, b.terlambat_verifikasi);
        kim_dash_release(&a);
        kim_dash_release(&b);
}

static void
record_bytes(void **state)
{
        uint8_t bytes[KIM_DASH_REC_BYTES];
        struct kim_dash_rec r;
        struct tv t;

        (void)state;
        tv_make(&t, "selesai", "valid", 1000);
        kim_dash_rec_of(&t.v, slice_cstr("not a word!"), &r);
        assert_string_equal(r.category, ""); /* counted as "?" */
        kim_dash_rec_of(&t.v, slice_cstr("infrastruktur"), &r);
        assert_int_equal(r.state, KIM_STATE_SELESAI);
        assert_int_equal(r.result, KIM_RESULT_VALID);
        kim_dash_rec_encode(&r, bytes);
        expect_err("short", kim_dash_rec_decode(slice_make(bytes, 91), &r),
                   ERR_MALFORMED);
        bytes[24] = 10; /* no such state */
        expect_err("state", kim_dash_rec_decode(slice_make(bytes, 92), &r),
                   ERR_MALFORMED);
        bytes[24] = KIM_STATE_SELESAI;
        bytes[59] = 33; /* a category longer than a word */
        expect_err("category", kim_dash_rec_decode(slice_make(bytes, 92), &r),
                   ERR_MALFORMED);
}

int
main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(medians),
            cmocka_unit_test(medians_random),
            cmocka_unit_test(months),
            cmocka_unit_test(working_day_deadlines),
            cmocka_unit_test(first_events),
            cmocka_unit_test(group_counts),
            cmocka_unit_test(record_bytes),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
