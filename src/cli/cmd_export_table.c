/*
 * export-table: reports (with their timelines) or announcements as CSV or
 * XLSX for a spreadsheet (app_table_*, written by the export module). Not
 * `simpul export`, which writes signed entries to a bundle.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "../export/export.h"
#include "cli.h"

struct export_table_opts {
        const char *data, *format, *out, *steps, *status, *handler, *category,
            *region;
        uint32_t kind;
        uint64_t since_ms, until_ms, at_ms;
        bool overdue, no_personal;
};

static int
parse_item_kind(const char *arg, void *field)
{
        return app_name_parse(APP_NAMES_ITEM_KIND, arg, field);
}

#define O(field) offsetof(struct export_table_opts, field)
static const struct cli_opt export_table_opts[] = {
    CLI_OPT("format", CLI_STR, O(format), .required = true, .arg = "FMT",
            .help = "csv or xlsx"),
    CLI_OPT(NULL, CLI_STR, O(out), .short_name = 'o', .required = true,
            .arg = "FILE", .help = "the file to write (whole or not at all)"),
    CLI_OPT("steps", CLI_STR, O(steps), .arg = "FILE",
            .help = "reports as CSV: the timelines' file (default FILE\n"
                    "with -steps before .csv); XLSX has them as a sheet"),
    CLI_OPT("status", CLI_STR, O(status), .arg = "STATE",
            .help = "reports in this state only (as simpul reports)"),
    CLI_OPT("overdue", CLI_FLAG, O(overdue),
            .help = "reports past a deadline only"),
    CLI_OPT("kind", CLI_PARSE, O(kind), .arg = "KIND",
            .help = "aspirasi, pengaduan, permintaan_informasi;\n"
                    "informasi or peringatan",
            .parse = parse_item_kind,
            .bad = "--kind: a report or announcement kind, not '%s'"),
    CLI_OPT("handler", CLI_STR, O(handler), .arg = "CODE",
            .help = "reports to this handler region only"),
    CLI_OPT("category", CLI_STR, O(category), .arg = "WORD",
            .help = "of this category only (jalan, air_bersih, ...)"),
    CLI_OPT("region", CLI_STR, O(region), .arg = "CODE",
            .help = "written in this region or below it (a kecamatan\n"
                    "code: all its desa)"),
    CLI_OPT("since", CLI_PARSE, O(since_ms), .arg = "TIME",
            .help = "made at or after TIME: YYYY-MM-DD[THH:MM] in WIB",
            .parse = cli_parse_at_arg,
            .bad = "--since: YYYY-MM-DD or YYYY-MM-DDTHH:MM, not '%s'"),
    CLI_OPT("until", CLI_PARSE, O(until_ms), .arg = "TIME",
            .help = "made before TIME (--until 2027-01-01: up to the\n"
                    "end of 2026)",
            .parse = cli_parse_at_arg,
            .bad = "--until: YYYY-MM-DD or YYYY-MM-DDTHH:MM, not '%s'"),
    CLI_OPT("at", CLI_PARSE, O(at_ms), .arg = "TIME",
            .help = "the deadline flags as of TIME instead of now",
            .parse = cli_parse_at_arg,
            .bad = "--at: YYYY-MM-DD or YYYY-MM-DDTHH:MM, not '%s'"),
    CLI_OPT("no-personal", CLI_FLAG, O(no_personal),
            .help = "leave out reporters' names and contacts and the\n"
                    "content of rahasia reports (a file to share)"),
    CLI_OPT("data", CLI_STR, O(data), .arg = "DIR"),
};
#undef O

static const struct cli_spec export_table_spec = {
    .name = "export-table",
    .usage =
        "usage: simpul export-table reports|announcements --format csv|xlsx\n"
        "                           -o FILE [--steps FILE] [FILTERS]\n"
        "                           [--no-personal] [--data DIR]\n\n"
        "Writes the reports this node holds, with their timelines, or its\n"
        "informasi and peringatan, for a spreadsheet: CSV (RFC 4180, UTF-8\n"
        "with a BOM so that Excel reads Indonesian text, CRLF line ends)\n"
        "or XLSX (a sheet of reports and a sheet of steps). Times are in\n"
        "WIB. Reporters' names and contacts are shown (this node's operator\n"
        "may see them) unless --no-personal; an anonim report never shows\n"
        "its reporter, and a rahasia report's content reads " APP_SEALED_TEXT
        "\nunless this node is one of its recipients.\n\n",
    .opts = export_table_opts,
    .n_opts = ARRAY_LEN(export_table_opts),
    .width = 18,
    .max_args = 1,
    .missing = "--format and -o FILE are required",
    .tail =
        "\nA CSV text cell that begins with =, +, -, @, a tab or a CR gets a\n"
        "single quote before it, so that a spreadsheet never runs it as\n"
        "a formula (OWASP, CSV injection). XLSX needs libxlsxwriter: a\n"
        "build without it (the Raspberry Pi packages) says EXPORT-NO-XLSX."
        "\nExample: simpul export-table reports --format xlsx -o "
        "laporan.xlsx\n",
};

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

/* FILE with "-steps" before its .csv (or at its end): owned. */
static char *
steps_path(const char *file)
{
        size_t len = strlen(file), stem = len;
        char *p;

        if (len > 4 && !strcmp(file + len - 4, ".csv"))
                stem = len - 4;
        p = xmalloc(len + 11);
        memcpy(p, file, stem);
        strcpy(p + stem, "-steps");
        strcpy(p + stem + 6, file + stem);
        if (stem == len)
                strcat(p, ".csv");
        return p;
}

static void
filter_fill(const struct export_table_opts *o, struct app_table_filter *f)
{
        memset(f, 0, sizeof(*f));
        f->status = o->status;
        f->overdue = o->overdue;
        f->kind = o->kind;
        f->handler = o->handler;
        f->category = o->category;
        f->region = o->region;
        f->since_ms = o->since_ms;
        f->until_ms = o->until_ms;
        f->now_ms = o->at_ms;
        f->personal = !o->no_personal;
}

/* Writes the table(s) of what to w, and says what it wrote. */
static int
export_run(const struct export_table_opts *o, bool reports,
           enum export_format fmt, const char *const *paths)
{
        struct app_table_sink sink = {.columns = sink_columns, .row = sink_row};
        struct export_writer *w;
        struct app_table_filter f;
        struct app_table_stats st;
        char msg[APP_ERR_MAX];
        struct node n;
        int err;

        filter_fill(o, &f);
        /* The key opens what is sealed to this node. */
        if (cli_open(&n, o->data, NODE_OPEN_KEY))
                return EXIT_ERROR;
        if ((err = export_open(fmt, paths, reports ? 2 : 1, &w))) {
                app_close(&n);
                return cli_error("export-table: %s: %s (%s)", paths[0],
                                 err_str(err), err_id(err));
        }
        sink.ctx = w;
        err = reports ? app_table_reports(&n, &f, &sink, &st, msg)
                      : app_table_announcements(&n, &f, &sink, &st, msg);
        app_close(&n);
        if (err) {
                export_abort(w);
                if (err == ERR_USAGE)
                        return cli_usage_error("export-table", "%s", msg);
                return cli_error("export-table: %s (%s)", msg, err_id(err));
        }
        if ((err = export_close(w)))
                return cli_error("export-table: %s: %s (%s)", paths[0],
                                 err_str(err), err_id(err));
        if (reports && fmt == EXPORT_CSV)
                printf("%llu reports to %s, %llu steps to %s\n",
                       (unsigned long long)st.rows[0], paths[0],
                       (unsigned long long)st.rows[1], paths[1]);
        else
                printf("%llu %s%s to %s\n", (unsigned long long)st.rows[0],
                       reports ? "reports" : "announcements",
                       reports ? (st.rows[1] ? " with their steps" : "") : "",
                       paths[0]);
        return EXIT_OK;
}

int
cmd_export_table(int argc, char **argv)
{
        struct export_table_opts o;
        enum export_format fmt;
        struct cli_parsed p;
        const char *paths[2];
        char *steps = NULL;
        bool reports;
        int rc;

        memset(&o, 0, sizeof(o));
        if (!cli_parse(&export_table_spec, argc, argv, &o, &p))
                return p.status;
        if (p.n_args != 1 || (strcmp(p.args[0], "reports") &&
                              strcmp(p.args[0], "announcements")))
                return cli_usage_error("export-table",
                                       "what to export: reports or "
                                       "announcements");
        reports = !strcmp(p.args[0], "reports");
        if (export_format_parse(o.format, &fmt))
                return cli_usage_error("export-table",
                                       "--format: csv or xlsx, not '%s'",
                                       o.format);
        if (o.steps && (!reports || fmt != EXPORT_CSV))
                return cli_usage_error("export-table",
                                       "--steps: for reports as CSV only");
        paths[0] = o.out;
        paths[1] = NULL;
        if (reports && fmt == EXPORT_CSV)
                paths[1] = o.steps ? o.steps : (steps = steps_path(o.out));
        rc = export_run(&o, reports, fmt, paths);
        free(steps);
        return rc;
}
