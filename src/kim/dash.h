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

/*
 * What the dashboard reads of one report: its view's fields that the
 * figures need and its category, small and fixed-size so that a scan of
 * 100k reports reads no msgpack and no entry (the kim_dash view table,
 * written beside each report view, src/replica/views.c).
 */
struct kim_dash_rec {
        char region[REGION_BUF]; /* the author region */
        uint64_t ts;             /* the report's */
        uint8_t state, result;   /* enum kim_state, kim_result; 0: none */
        bool has_verified_ts, has_done_ts, has_first_verify, has_first_reply;
        uint64_t verified_ts, done_ts; /* as in the view */
        uint64_t first_verify_ts, first_reply_ts;
        char category[KIM_WORD_MAX + 1]; /* "": none (pruned body) */
};
/* region 16, ts 8, state 1, result 1, flags 1, four times 8, category
 * length 1 and 32 bytes (zero-padded); integers big-endian. */
#define KIM_DASH_REC_BYTES 92U

/* The record of view v with category (borrowed; not a word: none). */
void kim_dash_rec_of(const struct wire_report_view *v, struct slice category,
                     struct kim_dash_rec *out);
void kim_dash_rec_encode(const struct kim_dash_rec *r,
                         uint8_t out[KIM_DASH_REC_BYTES]);
/* ERR_MALFORMED (a size or field out of range). */
int kim_dash_rec_decode(struct slice in, struct kim_dash_rec *out) WUR;

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
 * Adds report r to d: its state (none: counted in no state but in
 * reports), its category ("": KIM_DASH_NO_CATEGORY), the flags
 * kim_view_flags gives its view at now_ms under calendar c, and its
 * durations. A duration whose event is timed before the report (authors'
 * clocks are advisory) counts as 0.
 */
void kim_dash_add(struct kim_dash *d, const struct kim_dash_rec *r,
                  const struct kim_calendar *c, uint64_t now_ms);

/*
 * The timestamp of v's first valid event of a kind: the first diverifikasi
 * step on the current path (first_verified) and the first tanggapan from
 * the handler side (first_reply), in timeline order (ts, id). False if none.
 */
bool kim_view_first_verified(const struct wire_report_view *v, uint64_t *ts);
bool kim_view_first_reply(const struct wire_report_view *v, uint64_t *ts);

/* Adds group s's counts and durations to d (a total of rows). */
void kim_dash_merge(struct kim_dash *d, const struct kim_dash *s);

/*
 * The median of v[0..n) (reordered in place): the middle value, or the
 * mean of the two middle values rounded down. False when n is 0.
 */
bool kim_dash_median(uint64_t *v, size_t n, uint64_t *out);

/* The "YYYY-MM" of a month of kim_month_of (view.h). */
void kim_month_format(int32_t month, char out[KIM_MONTH_BUF]);

#endif
