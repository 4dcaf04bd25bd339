/*
 * xlsx: tables as sheets of one workbook, with libxlsxwriter (the only
 * file that sees it). constant_memory mode: each row goes to a
 * temporary file as soon as the next one starts, so 100k reports take
 * the memory of one row per sheet, not of the workbook. Text is never a
 * formula in XLSX (worksheet_write_string), so it gets no quote; times
 * are Excel dates in WIB with a date format.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <xlsxwriter.h>

#include "export_int.h"

#define XLSX_ROWS_MAX 1048576U /* of a sheet */
#define XLSX_TEXT_MAX 32767U   /* characters of a cell */

struct export_xlsx {
        lxw_workbook *wb;
        lxw_worksheet *sheet[EXPORT_TABLES_MAX];
        lxw_format *time_fmt, *head_fmt;
        uint32_t rows[EXPORT_TABLES_MAX];
        char *tmpdir; /* for libxlsxwriter's temporary files (owned) */
};

int
export__xlsx_open(struct export_writer *w)
{
        lxw_workbook_options opt = {.constant_memory = LXW_TRUE};
        struct export_xlsx *x = xcalloc(1, sizeof(*x));
        char *slash;

        /* Its temporary files (rows with personal data) beside the file,
         * not in /tmp: on the disk the caller chose for them. */
        x->tmpdir = xstrdup(w->tmps[0]);
        slash = strrchr(x->tmpdir, '/');
        if (!slash)
                strcpy(x->tmpdir, "."); /* "r.xlsx" is longer than "." */
        else
                slash[slash == x->tmpdir] = 0; /* "/r.xlsx": "/" */
        opt.tmpdir = x->tmpdir;
        w->xlsx = x;
        if (!(x->wb = workbook_new_opt(w->tmps[0], &opt)))
                return -EIO;
        x->time_fmt = workbook_add_format(x->wb);
        format_set_num_format(x->time_fmt, "yyyy-mm-dd hh:mm:ss");
        x->head_fmt = workbook_add_format(x->wb);
        format_set_bold(x->head_fmt);
        return 0;
}

int
export__xlsx_columns(struct export_writer *w, size_t table, const char *name,
                     const char *const *cols, size_t n)
{
        struct export_xlsx *x = w->xlsx;
        lxw_worksheet *s = workbook_add_worksheet(x->wb, name);

        if (!s)
                return -EINVAL;
        x->sheet[table] = s;
        for (size_t i = 0; i < n; i++)
                if (worksheet_write_string(s, 0, (lxw_col_t)i, cols[i],
                                           x->head_fmt))
                        return -EIO;
        worksheet_freeze_panes(s, 1, 0);
        x->rows[table] = 1;
        return 0;
}

/* An Excel date: days since 1899-12-30, here in WIB. */
static double
excel_time(uint64_t ms)
{
        return (double)(ms + EXPORT_TZ_OFFSET_MS) / 86400000.0 + 25569.0;
}

static lxw_error
text_write(lxw_worksheet *s, lxw_row_t row, lxw_col_t col, struct slice t)
{
        char small[256], *p = small;
        size_t len = t.len < XLSX_TEXT_MAX ? t.len : XLSX_TEXT_MAX;
        lxw_error e;

        /* Cut at a character's start: bytes >= characters, so it fits. */
        while (len < t.len && len > 0 && (t.ptr[len] & 0xC0) == 0x80)
                len--;
        if (len >= sizeof(small))
                p = xmalloc(len + 1);
        memcpy(p, t.ptr, len);
        p[len] = 0;
        e = worksheet_write_string(s, row, col, p, NULL);
        if (p != small)
                mem_wipe_free(p);
        else
                explicit_bzero(small, len);
        return e;
}

static lxw_error
cell_write(struct export_xlsx *x, lxw_worksheet *s, lxw_row_t row,
           lxw_col_t col, const struct export_cell *c)
{
        switch (c->type) {
        case EXPORT_EMPTY:
                return LXW_NO_ERROR;
        case EXPORT_TEXT:
                return c->text.len ? text_write(s, row, col, c->text)
                                   : LXW_NO_ERROR;
        case EXPORT_INT:
                return worksheet_write_number(s, row, col, (double)c->n, NULL);
        case EXPORT_TIME:
                return worksheet_write_number(s, row, col, excel_time(c->n),
                                              x->time_fmt);
        case EXPORT_BOOL:
                return worksheet_write_boolean(s, row, col, c->n != 0, NULL);
        }
        return LXW_NO_ERROR;
}

int
export__xlsx_row(struct export_writer *w, size_t table,
                 const struct export_cell *cells, size_t n)
{
        struct export_xlsx *x = w->xlsx;
        lxw_worksheet *s = x->sheet[table];

        if (!s)
                return -EINVAL; /* export_columns first */
        if (x->rows[table] >= XLSX_ROWS_MAX)
                return ERR_TOO_BIG;
        for (size_t i = 0; i < n; i++)
                if (cell_write(x, s, x->rows[table], (lxw_col_t)i, &cells[i]))
                        return -EIO;
        x->rows[table]++;
        return 0;
}

int
export__xlsx_close(struct export_writer *w)
{
        struct export_xlsx *x = w->xlsx;
        lxw_error e = workbook_close(x->wb);

        free(x->tmpdir);
        free(x);
        w->xlsx = NULL;
        return e ? -EIO : 0;
}
