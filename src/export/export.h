/*
 * export: tables written as files a spreadsheet opens — CSV (RFC 4180,
 * UTF-8 with a byte order mark so that Excel reads Indonesian text, CRLF
 * line ends, one file per table) and XLSX (libxlsxwriter, one sheet per
 * table). What the rows hold is app's business (app_table_*); this module
 * only writes cells.
 *
 * CSV injection (OWASP): a text cell that begins with =, +, -, @, a tab or
 * a carriage return would be read by a spreadsheet as a formula; such a
 * cell is written with a single quote (') before it. Numbers and times
 * are never text, so they are not touched.
 *
 * Files are written whole or not at all: to FILE.tmp, renamed at
 * export_close. csv.c is pure (stdio only); xlsx.c is the only file that
 * sees libxlsxwriter, and is built only where it is found (the Raspberry
 * Pi cross builds have none): there XLSX is ERR_EXPORT_NO_XLSX.
 *
 * Must not depend on: anything but base.
 */
#ifndef SIMPUL_EXPORT_H
#define SIMPUL_EXPORT_H

#include <stdio.h>

#include "../base/base.h"

#define EXPORT_TABLES_MAX 4U
#define EXPORT_COLUMNS_MAX 64U
/* Times are written in WIB (UTC+07:00), the time of the offices. */
#define EXPORT_TZ_OFFSET_MS 25200000ULL

enum export_format {
        EXPORT_CSV = 1,
        EXPORT_XLSX = 2,
};

enum export_type {
        EXPORT_EMPTY = 0, /* nothing (NULL in a database's terms) */
        EXPORT_TEXT,      /* text: UTF-8 bytes */
        EXPORT_INT,       /* a whole number: n */
        EXPORT_TIME,      /* an instant: n Unix ms, shown in WIB */
        EXPORT_BOOL,      /* n 0 or 1 */
};

/* One cell; text is borrowed for the call that takes it. */
struct export_cell {
        enum export_type type;
        struct slice text;
        uint64_t n;
};

static inline struct export_cell
export_text(struct slice s)
{
        struct export_cell c = {.type = EXPORT_TEXT, .text = s};
        return c;
}

/* True when the build writes XLSX (libxlsxwriter was found). */
bool export_has_xlsx(void);
/* "csv" or "xlsx" to a format. ERR_USAGE. */
int export_format_parse(const char *name, enum export_format *out) WUR;

struct export_writer;

/*
 * A writer of n tables (1..EXPORT_TABLES_MAX) in fmt. CSV: table i goes
 * to paths[i] (NULL: table i is not written; its rows are dropped). XLSX:
 * every table is a sheet of the one workbook paths[0]. Nothing appears at
 * a path before export_close. Errors: ERR_EXPORT_NO_XLSX, ERR_USAGE (no
 * path at all; XLSX: no paths[0]), -errno (the temporary file). *out is NULL on
 * error; else free it with export_close or export_abort.
 */
int export_open(enum export_format fmt, const char *const *paths, size_t n,
                struct export_writer **out) WUR;
/*
 * Names table i (a sheet's name: at most 31 bytes) and writes its header
 * row of n column names (borrowed for the call), before any row of it.
 * Errors: -errno, ERR_TOO_BIG (n over EXPORT_COLUMNS_MAX).
 */
int export_columns(struct export_writer *w, size_t table, const char *name,
                   const char *const *cols, size_t n) WUR;
/* Appends one row of n cells (borrowed for the call) to table i. Rows of
 * different tables may come in any order. Errors: -errno, ERR_TOO_BIG (an
 * XLSX sheet's 1048576 rows). */
int export_row(struct export_writer *w, size_t table,
               const struct export_cell *cells, size_t n) WUR;
/* Finishes every file and renames it into place, then frees w. -errno
 * (nothing renamed: the temporary files are removed). */
int export_close(struct export_writer *w) WUR;
/* Removes the temporary files and frees w (NULL: nothing). */
void export_abort(struct export_writer *w);

/* ---- csv.c: the pure part, for tests ------------------------------------ */

/* Appends one CSV field (RFC 4180 quoting, a quote before a text cell
 * that begins a formula) to out; times as "YYYY-MM-DD HH:MM:SS" in WIB. */
void export_csv_field(struct buf *out, const struct export_cell *c);
/* A CSV record of n cells with its CRLF. */
void export_csv_record(struct buf *out, const struct export_cell *cells,
                       size_t n);
/* Does a text cell of s need the quote before it (begins =, +, -, @, a
 * tab or a carriage return)? */
bool export_formula_like(struct slice s);
/* ms as "YYYY-MM-DD HH:MM:SS" in WIB (20 bytes with the NUL). */
void export_time_wib(char out[24], uint64_t ms);

#endif
