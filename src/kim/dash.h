/*
 * kim dashboard figures (dash.c): what the kabupaten's dashboard counts
 * over report views (proto/KIM.md §5, §6), as pure functions so that the
 * figures are a function of the views, the holidays and a given `now`
 * alone, never of the order the reports are added in nor of the clock.
 * Part of the kim module, in a header of its own beside kim.h and view.h.
 *
 * A group (struct kim_dash) is one region's reports: counts by state and by
 * category, the deadline flags of kim_view_flags at now (the same overdue
 * logic as simpul reports --overdue), and the durations from each report
 * to its first valid diverifikasi and to its first valid tanggapan, whose
 * medians kim_dash_median gives. Months are WIB calendar months.
 */
#ifndef SIMPUL_KIM_DASH_H
#define SIMPUL_KIM_DASH_H

#include "view.h"

#define KIM_DASH_STATES 9U /* KIM_STATE_DIAJUKAN..KIM_STATE_DITUTUP */
#define KIM_MONTH_BUF 8U   /* "YYYY-MM" + NUL */
/* The category of a report held without its body (pruned, KIM.md §7):
 * never a word, so it cannot collide with one. */
#define KIM_DASH_NO_CATEGORY "?"

struct kim_dash_count {
        char name[KIM_WORD_MAX + 1];
        uint64_t n;
};

struct kim_dash {
        uint64_t reports;
        uint64_t by_state[KIM_DASH_STATES]; /* [state - 1] */
        struct kim_dash_count *cats;        /* owned; ascending by name */
        size_t n_cats, cap_cats;
        uint64_t terlambat_verifikasi, terlambat_tindak_lanjut, siap_ditutup;
        uint64_t *verify_ms; /* owned: report -> first valid diverifikasi */
        size_t n_verify, cap_verify;
        uint64_t *reply_ms; /* owned: report -> first valid tanggapan */
        size_t n_reply, cap_reply;
};

void kim_dash_init(struct kim_dash *d);
void kim_dash_release(struct kim_dash *d);

/*
 * Adds report view v to d: its state (a view of an unknown state counts in
 * no state but in reports), its category (borrowed; len 0:
 * KIM_DASH_NO_CATEGORY), its flags at now_ms under calendar c, and its
 * durations. A duration whose event is timed before the report (authors'
 * clocks are advisory) counts as 0.
 */
void kim_dash_add(struct kim_dash *d, const struct wire_report_view *v,
                  struct slice category, const struct kim_calendar *c,
                  uint64_t now_ms);

/*
 * The timestamp of v's first valid event of a kind: the first diverifikasi
 * step on the current path (first_verified) and the first tanggapan from
 * the handler side (first_reply), in timeline order (ts, id). False if none.
 */
bool kim_view_first_verified(const struct wire_report_view *v, uint64_t *ts);
bool kim_view_first_reply(const struct wire_report_view *v, uint64_t *ts);

/*
 * The median of v[0..n) (sorted in place, ascending): the middle value, or
 * the mean of the two middle values rounded down. False when n is 0.
 */
bool kim_dash_median(uint64_t *v, size_t n, uint64_t *out);

/* The WIB calendar month of an instant, as months since 1970-01 (0), and
 * its "YYYY-MM". */
int32_t kim_month_of(uint64_t ms);
void kim_month_format(int32_t month, char out[KIM_MONTH_BUF]);

#endif
