/*
 * export: GET /api/export/{reports,steps,announcements}.{csv,xlsx} — the
 * tables of simpul export-table as a download (Content-Disposition:
 * attachment), filtered by the same query parameters. Personal data
 * (reporters, rahasia content) only to a caller with the token: without
 * it (r->redact) the rows are those of `--no-personal`.
 *
 * The file is written where the node keeps its data (a private
 * directory made for the request, removed before the reply goes out),
 * then read into the reply.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../export/export.h"
#include "http_int.h"

#define EXPORT_REPLY_MAX (1ULL << 31) /* bytes read back into a reply */

/* dir/name (owned). */
static char *
path_join(const char *dir, const char *name)
{
        size_t len = strlen(dir) + strlen(name) + 2;
        char *p = xmalloc(len);

        snprintf(p, len, "%s/%s", dir, name);
        return p;
}

static int
sink_columns(void *ctx, size_t table, const char *name, const char *const *cols,
             size_t n)
{
        return export_columns(ctx, table, name, cols, n);
}

static int
sink_row(void *ctx, size_t table, const struct export_cell *cells, size_t n)
{
        return export_row(ctx, table, cells, n);
}

/* What the path names. */
struct export_what {
        bool reports; /* else announcements */
        bool steps;   /* the reports' steps (CSV only) */
        enum export_format fmt;
        const char *file; /* the download's name */
};

static int
what_parse(struct http_req *r, const char *arg, struct export_what *w)
{
        static const struct {
                const char *name;
                bool reports, steps;
                enum export_format fmt;
        } names[] = {
            {"reports.csv", true, false, EXPORT_CSV},
            {"reports.xlsx", true, false, EXPORT_XLSX},
            {"steps.csv", true, true, EXPORT_CSV},
            {"announcements.csv", false, false, EXPORT_CSV},
            {"announcements.xlsx", false, false, EXPORT_XLSX},
        };

        for (size_t i = 0; i < ARRAY_LEN(names); i++)
                if (!strcmp(arg, names[i].name)) {
                        w->reports = names[i].reports;
                        w->steps = names[i].steps;
                        w->fmt = names[i].fmt;
                        w->file = names[i].name;
                        return 0;
                }
        return http_fail(r, ERR_HTTP_NOT_FOUND,
                         "exports are reports.csv, reports.xlsx, steps.csv, "
                         "announcements.csv and announcements.xlsx");
}

static int
time_param(struct http_req *r, const char *name, uint64_t *out)
{
        const char *v = http_query(r, name);

        *out = 0;
        if (v && app_wib_parse(v, out))
                return http_fail(r, ERR_HTTP_BAD_VALUE,
                                 "query parameter '%s' must be YYYY-MM-DD or "
                                 "YYYY-MM-DDTHH:MM (WIB)",
                                 name);
        return 0;
}

static int
filter_params(struct http_req *r, struct app_table_filter *f)
{
        const char *k = http_query(r, "kind");
        int err;

        memset(f, 0, sizeof(*f));
        if (k && app_name_parse(APP_NAMES_ITEM_KIND, k, &f->kind))
                return http_fail(r, ERR_HTTP_BAD_VALUE,
                                 "kind must be a report or announcement kind");
        f->status = http_query(r, "status");
        f->handler = http_query(r, "handler");
        f->category = http_query(r, "category");
        f->region = http_query(r, "region");
        if ((err = http_query_bool(r, "overdue", false, &f->overdue)) ||
            (err = time_param(r, "since", &f->since_ms)) ||
            (err = time_param(r, "until", &f->until_ms)) ||
            (err = time_param(r, "at", &f->now_ms)))
                return err;
        f->personal = !r->redact;
        return 0;
}

/* Reads the file at path into r->text. -errno, ERR_TOO_BIG. */
static int
file_read(struct http_req *r, const char *path)
{
        struct stat st;
        ssize_t got;
        int fd = open(path, O_RDONLY | O_CLOEXEC), err = 0;

        if (fd < 0)
                return -errno;
        if (fstat(fd, &st)) {
                err = -errno;
                goto out;
        }
        if ((uint64_t)st.st_size > EXPORT_REPLY_MAX) {
                err = ERR_TOO_BIG;
                goto out;
        }
        buf_reset(&r->text);
        buf_grow(&r->text, (size_t)st.st_size);
        while (r->text.len < (size_t)st.st_size) {
                got = read(fd, r->text.data + r->text.len,
                           (size_t)st.st_size - r->text.len);
                if (got <= 0) {
                        err = got < 0 ? -errno : -EIO;
                        break;
                }
                r->text.len += (size_t)got;
        }
out:
        close(fd);
        return err;
}

/* Writes the table(s) to dir/file. */
static int
export_write(struct http_req *r, const struct export_what *w,
             const struct app_table_filter *f, const char *path)
{
        struct app_table_sink sink = {.columns = sink_columns, .row = sink_row};
        const char *paths[2] = {w->steps ? NULL : path, w->steps ? path : NULL};
        struct export_writer *x;
        struct app_table_stats st;
        char msg[APP_ERR_MAX] = "";
        int err;

        if ((err = export_open(w->fmt, paths, w->reports ? 2 : 1, &x)))
                return http_fail(r, err, "%s", err_str(err));
        sink.ctx = x;
        err = w->reports ? app_table_reports(r->s->n, f, &sink, &st, msg)
                         : app_table_announcements(r->s->n, f, &sink, &st, msg);
        if (err) {
                export_abort(x);
                if (err == ERR_USAGE)
                        err = ERR_HTTP_BAD_VALUE; /* the query's */
                return http_fail(r, err, "%s", msg[0] ? msg : err_str(err));
        }
        if ((err = export_close(x)))
                return http_fail(r, err, "%s", err_str(err));
        return file_read(r, path);
}

/* GET /api/export/NAME?kind=&status=&overdue=&handler=&category=&region=
 * &since=&until=&at= */
int
http_export(struct http_req *r)
{
        static const char *const names[] = {
            "kind",   "status", "overdue", "handler", "category",
            "region", "since",  "until",   "at",      NULL};
        struct export_what w;
        struct app_table_filter f;
        char *dir = NULL, *path = NULL;
        int err;

        memset(&w, 0, sizeof(w));
        if ((err = what_parse(r, r->arg[0], &w)) ||
            (err = http_query_check(r, names)) ||
            (err = filter_params(r, &f)) || r->check_only)
                return err;
        if (w.fmt == EXPORT_XLSX && !export_has_xlsx())
                return http_fail(r, ERR_EXPORT_NO_XLSX, "%s",
                                 err_str(ERR_EXPORT_NO_XLSX));
        /* A private directory beside the store: personal data stays on
         * the node's disk, readable by the node's user only. */
        dir = path_join(r->s->n->dir, "export.XXXXXX");
        if (!mkdtemp(dir)) {
                err = http_fail(r, -errno, "%s", strerror(errno));
                free(dir);
                return err;
        }
        path = path_join(dir, w.file);
        err = export_write(r, &w, &f, path);
        unlink(path);
        rmdir(dir);
        free(path);
        free(dir);
        if (err)
                return err;
        r->ctype = w.fmt == EXPORT_CSV ? "text/csv; charset=utf-8"
                                       : "application/vnd.openxmlformats-"
                                         "officedocument.spreadsheetml.sheet";
        snprintf(r->disposition, sizeof(r->disposition),
                 "attachment; filename=\"%s\"", w.file);
        r->status = 200;
        return 0;
}
