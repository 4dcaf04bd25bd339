/*
 * export: the writer — its files (each written to FILE.tmp and renamed
 * when whole), and the dispatch to csv.c or xlsx.c.
 */
#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "export_int.h"

/* A UTF-8 byte order mark: Excel reads the file as UTF-8 only with it. */
static const char bom[] = "\xEF\xBB\xBF";

bool
export_has_xlsx(void)
{
#ifdef SIMPUL_XLSX
        return true;
#else
        return false;
#endif
}

int
export_format_parse(const char *name, enum export_format *out)
{
        if (!strcmp(name, "csv"))
                *out = EXPORT_CSV;
        else if (!strcmp(name, "xlsx"))
                *out = EXPORT_XLSX;
        else
                return ERR_USAGE;
        return 0;
}

static void
writer_free(struct export_writer *w)
{
        for (size_t i = 0; i < EXPORT_TABLES_MAX; i++) {
                free(w->paths[i]);
                free(w->tmps[i]);
        }
        buf_wipe_release(&w->line);
        free(w);
}

void
export_abort(struct export_writer *w)
{
        if (!w)
                return;
#ifdef SIMPUL_XLSX
        if (w->xlsx && export__xlsx_close(w))
                log_debug("EXPORT-ABORT", "workbook not finished");
#endif
        for (size_t i = 0; i < w->n; i++) {
                if (w->csv[i])
                        fclose(w->csv[i]);
                if (w->tmps[i])
                        unlink(w->tmps[i]);
        }
        writer_free(w);
}

static int
csv_open(struct export_writer *w)
{
        for (size_t i = 0; i < w->n; i++) {
                if (!w->tmps[i])
                        continue;
                if (!(w->csv[i] = fopen(w->tmps[i], "wb")))
                        return -errno;
                if (fwrite(bom, 1, 3, w->csv[i]) != 3)
                        return -EIO;
        }
        return 0;
}

/* XLSX: the workbook's path; CSV: at least one table's. */
static bool
paths_given(enum export_format fmt, const char *const *paths, size_t n)
{
        for (size_t i = 0; i < (fmt == EXPORT_XLSX ? 1 : n); i++)
                if (paths[i])
                        return true;
        return false;
}

int
export_open(enum export_format fmt, const char *const *paths, size_t n,
            struct export_writer **out)
{
        struct export_writer *w;
        int err;

        *out = NULL;
        if (fmt == EXPORT_XLSX && !export_has_xlsx())
                return ERR_EXPORT_NO_XLSX;
        if (!n || n > EXPORT_TABLES_MAX || !paths_given(fmt, paths, n))
                return ERR_USAGE;
        w = xcalloc(1, sizeof(*w));
        w->fmt = fmt;
        w->n = n;
        for (size_t i = 0; i < n; i++) {
                size_t len;

                if (!paths[i] || (fmt == EXPORT_XLSX && i > 0))
                        continue;
                len = strlen(paths[i]);
                w->paths[i] = xstrdup(paths[i]);
                w->tmps[i] = xmalloc(len + 5);
                memcpy(w->tmps[i], paths[i], len);
                memcpy(w->tmps[i] + len, ".tmp", 5);
        }
#ifdef SIMPUL_XLSX
        err = fmt == EXPORT_XLSX ? export__xlsx_open(w) : csv_open(w);
#else
        err = csv_open(w);
#endif
        if (err) {
                export_abort(w);
                return err;
        }
        *out = w;
        return 0;
}

int
export_columns(struct export_writer *w, size_t table, const char *name,
               const char *const *cols, size_t n)
{
        struct export_cell cells[EXPORT_COLUMNS_MAX];

        assert(table < w->n);
        if (n > EXPORT_COLUMNS_MAX)
                return ERR_TOO_BIG;
        w->n_cols[table] = n;
#ifdef SIMPUL_XLSX
        if (w->fmt == EXPORT_XLSX)
                return export__xlsx_columns(w, table, name, cols, n);
#endif
        (void)name;
        for (size_t i = 0; i < n; i++)
                cells[i] = export_text(slice_cstr(cols[i]));
        return export_row(w, table, cells, n);
}

int
export_row(struct export_writer *w, size_t table,
           const struct export_cell *cells, size_t n)
{
        FILE *f;

        assert(table < w->n);
#ifdef SIMPUL_XLSX
        if (w->fmt == EXPORT_XLSX)
                return export__xlsx_row(w, table, cells, n);
#endif
        if (!(f = w->csv[table]))
                return 0; /* a table not asked for */
        buf_reset(&w->line);
        export_csv_record(&w->line, cells, n);
        if (fwrite(w->line.data, 1, w->line.len, f) != w->line.len)
                return -errno ? -errno : -EIO;
        return 0;
}

/* Flushes and closes every file; the first error. */
static int
files_close(struct export_writer *w)
{
        int err = 0;

#ifdef SIMPUL_XLSX
        if (w->xlsx)
                err = export__xlsx_close(w);
#endif
        for (size_t i = 0; i < w->n; i++) {
                if (!w->csv[i])
                        continue;
                if ((fflush(w->csv[i]) || fsync(fileno(w->csv[i]))) && !err)
                        err = -errno;
                if (fclose(w->csv[i]) && !err)
                        err = -errno;
                w->csv[i] = NULL;
        }
        return err;
}

int
export_close(struct export_writer *w)
{
        int err = files_close(w);

        for (size_t i = 0; i < w->n && !err; i++)
                if (w->tmps[i] && rename(w->tmps[i], w->paths[i]))
                        err = -errno;
        if (err) {
                export_abort(w);
                return err;
        }
        writer_free(w);
        return 0;
}
