/*
 * export internals: the writer shared by export.c (files, dispatch),
 * csv.c and xlsx.c. Not part of the module API.
 */
#ifndef SIMPUL_EXPORT_INT_H
#define SIMPUL_EXPORT_INT_H

#include "export.h"

struct export_xlsx; /* xlsx.c */

struct export_writer {
        enum export_format fmt;
        size_t n;                         /* tables */
        char *paths[EXPORT_TABLES_MAX];   /* where each file goes (owned) */
        char *tmps[EXPORT_TABLES_MAX];    /* written here first (owned) */
        FILE *csv[EXPORT_TABLES_MAX];     /* CSV: NULL for a dropped table */
        size_t n_cols[EXPORT_TABLES_MAX]; /* of each table's header */
        struct buf line;                  /* CSV: the record being made */
        struct export_xlsx *xlsx;         /* XLSX: the workbook */
};

#ifdef SIMPUL_XLSX
/* The workbook at w->tmps[0]. ERR_STORE-free: -EIO when it cannot be made. */
int export__xlsx_open(struct export_writer *w) WUR;
int export__xlsx_columns(struct export_writer *w, size_t table,
                         const char *name, const char *const *cols,
                         size_t n) WUR;
int export__xlsx_row(struct export_writer *w, size_t table,
                     const struct export_cell *cells, size_t n) WUR;
/* Writes the file (libxlsxwriter zips it now) and frees the workbook. */
int export__xlsx_close(struct export_writer *w) WUR;
#endif

#endif
