/*
 * kim views and deadlines (proto/KIM.md §5, §6): the report view computed
 * from a report and the entries that name it, the accepted revision of an
 * announcement, and working-day deadlines. Part of the kim module, in a
 * header of its own beside kim.h (the rules, written alongside): this
 * file's functions are in view.c and calendar.c.
 *
 * Pure: no I/O, no clock. A view is a function of the set of entries it is
 * given, never of their order: callers may pass them in any order and get
 * the same record, byte for byte once encoded (wire_report_view_encode).
 * Deadline flags depend on the clock and the holiday list, so they are
 * computed when a view is read (kim_view_flags), never stored.
 */
#ifndef SIMPUL_KIM_VIEW_H
#define SIMPUL_KIM_VIEW_H

#include "kim.h"

/* ---- calendar (calendar.c) ------------------------------------------------
 */

#define KIM_TZ_OFFSET_MS 25200000ULL /* WIB, UTC+07:00 */
#define KIM_DATE_BUF 11U             /* "YYYY-MM-DD" + NUL */
#define KIM_HOLIDAYS_MAX 256U        /* dates in [kim] holidays */
#define KIM_DAYS_VERIFY 3U           /* diajukan -> terlambat_verifikasi */
#define KIM_DAYS_FOLLOW 5U /* valid diverifikasi -> terlambat_tindak_lanjut */
#define KIM_DAYS_CLOSE 10U /* selesai -> siap_ditutup */

/* Holidays as day numbers (days since 1970-01-01 in WIB), ascending, no
 * repeats; borrowed. n == 0: none. */
struct kim_calendar {
        const int32_t *holidays;
        size_t n;
};

/* "YYYY-MM-DD" (exactly len 10, a real date, years 1970..9999) to a day
 * number. ERR_USAGE. */
int kim_date_parse(const char *s, size_t len, int32_t *day) WUR;
void kim_date_format(int32_t day, char out[KIM_DATE_BUF]);
/*
 * Parses a list of dates separated by commas and/or blanks ("2026-12-25,
 * 2026-12-31") and adds them to the *n dates already in out[0..max):
 * *n becomes the count, out sorted, repeats dropped. ERR_USAGE (a bad
 * date), ERR_TOO_BIG (more than max); out and *n are then unspecified.
 */
int kim_holidays_parse(const char *text, int32_t *out, size_t max,
                       size_t *n) WUR;
/* The WIB day of an instant (Unix ms). */
int32_t kim_day_of(uint64_t ms);
/* The WIB calendar month of an instant, as months since 1970-01 (0). */
int32_t kim_month_of(uint64_t ms);
/* Monday to Friday and not in c's holidays (c may be NULL). */
bool kim_working_day(const struct kim_calendar *c, int32_t day);
/*
 * The deadline N working days after an event: the event's WIB day is day
 * 0; the result is the end (24:00 WIB) of the N-th working day after it,
 * in Unix ms. A report is late at and after that instant.
 */
uint64_t kim_deadline_ms(const struct kim_calendar *c, uint64_t event_ms,
                         unsigned days);

/* ---- report view (view.c, KIM.md §6 rules 1-4) --------------------------- */

/* An entry with its decoded KIM body; both borrowed. */
struct kim_view_entry {
        const struct entry *e;
        const struct kim_body *b;
};

/*
 * Is the entry with this id held by the node (in any feed)? Steps whose
 * `after` is held but does not belong to the report are invalid; those
 * whose `after` is not held are pending.
 */
typedef bool (*kim_held_fn)(void *ctx, const uint8_t id[ENTRY_HASH_BYTES]);

/*
 * Computes the view record of report r (a report kind) from refs[0..n):
 * the entries that name it (status and tanggapan with report = r's id;
 * other entries are ignored), in any order, each id at most once.
 * Pending steps (their `after` chain ends at an entry not held) are left
 * out; the ids they wait for are appended to pending (32 bytes each,
 * ascending, no repeats) so the caller can recompute when one arrives.
 * v is overwritten; v->timeline is owned (wire_report_view_release).
 */
void kim_report_view(const struct kim_view_entry *r,
                     const struct kim_view_entry *refs, size_t n,
                     kim_held_fn held, void *held_ctx,
                     struct wire_report_view *v, struct buf *pending);

/*
 * Adds one step to a report's view without recomputing it: when s is a
 * valid step of report r whose `after` is v's current step (v->head), v
 * (the view kim_report_view gave for r and some set of entries) becomes,
 * in place, the view of that set and s, and true is returned (v->timeline
 * is reallocated). Otherwise, or when the timeline is full, false and v
 * untouched: recompute with kim_report_view. The caller promises that no
 * entry of the set names s as its `after` (no step of the report was
 * pending on s). Costs one copy of the timeline, not a recomputation.
 */
bool kim_view_extend(const struct kim_view_entry *r,
                     const struct kim_view_entry *s,
                     struct wire_report_view *v);

/* What a report's deadlines say at now_ms (KIM.md §5). */
struct kim_flags {
        bool terlambat_verifikasi;
        bool terlambat_tindak_lanjut;
        bool siap_ditutup;
        uint64_t deadline_ms; /* the current state's deadline; 0: none */
};
void kim_view_flags(const struct wire_report_view *v,
                    const struct kim_calendar *c, uint64_t now_ms,
                    struct kim_flags *out);

/*
 * May this node make `step` now, after what view v says (KIM.md §3, the
 * local check)? The state and result of v, the lifecycle table, and for
 * ditutup from selesai the 10 working days (c, now_ms). *next (may be
 * NULL) gets the state after it. ERR_KIM_STEP.
 */
int kim_view_next(const struct wire_report_view *v, enum kim_step step,
                  const struct kim_calendar *c, uint64_t now_ms,
                  enum kim_state *next) WUR;

/* ---- revision view (view.c, KIM.md §6 rule 5) ---------------------------- */

/*
 * The revision of announcement `item` that counts, from the revisi naming
 * it and the revisi_keputusan naming those (any order; other entries
 * ignored): a decision counts only when its author key is the
 * announcement's; per revisi its greatest (timestamp_ms, id) decision
 * holds; of the revisi whose holding decision is diterima, the one of the
 * greatest decision wins. Returns false (out untouched) if none counts.
 */
bool kim_revision_view(const struct entry *item,
                       const struct kim_view_entry *revs, size_t n_revs,
                       const struct kim_view_entry *decs, size_t n_decs,
                       struct wire_revision_view *out);

#endif
