/* reports: the reports this node holds, newest first, with their state
 * and deadline flags (proto/KIM.md §5, §6). */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "../app/app.h"
#include "cli.h"

struct reports_opts {
        const char *data, *status, *handler;
        uint32_t kind;
        uint64_t limit, at_ms;
        struct cli_id after;
        bool overdue, json;
};

static int
parse_report_kind(const char *arg, void *field)
{
        return app_name_parse(APP_NAMES_REPORT_KIND, arg, field);
}

static int
parse_whole_id(const char *arg, void *field)
{
        struct cli_id *id = field;

        return cli_parse_id(arg, id->id, &id->len) ||
               id->len != ENTRY_HASH_BYTES;
}

#define O(field) offsetof(struct reports_opts, field)
static const struct cli_opt reports_opts[] = {
    CLI_OPT("status", CLI_STR, O(status), .arg = "STATE",
            .help = "only reports in this state: diajukan, diverifikasi,\n"
                    "ditunda, bukan_wewenang, diarsipkan, diteruskan,\n"
                    "ditindaklanjuti, selesai, ditutup"),
    CLI_OPT("overdue", CLI_FLAG, O(overdue),
            .help = "only reports past a deadline: not verified 3\n"
                    "working days after they came (terlambat_verifikasi),\n"
                    "or verified valid and not followed up in 5\n"
                    "(terlambat_tindak_lanjut). Working days are Monday\n"
                    "to Friday in WIB minus [kim] holidays in simpul.conf"),
    CLI_OPT(
        "kind", CLI_PARSE, O(kind), .arg = "KIND",
        .help = "aspirasi, pengaduan or permintaan_informasi",
        .parse = parse_report_kind,
        .bad = "--kind: aspirasi, pengaduan or permintaan_informasi, not '%s'"),
    CLI_OPT("handler", CLI_STR, O(handler), .arg = "CODE",
            .help = "only reports to this handler region"),
    CLI_OPT("limit", CLI_U64, O(limit), .arg = "N",
            .help = "at most N reports (default 50, at most 1000)", .min = 1,
            .max = APP_LIST_MAX),
    CLI_OPT("after", CLI_PARSE, O(after), .arg = "ID",
            .help = "the page after the report with this id (as the\n"
                    "last line of the page before, or \"next\" in JSON)",
            .parse = parse_whole_id,
            .bad = "--after: a whole report id (64 hex digits)"),
    CLI_OPT("at", CLI_PARSE, O(at_ms), .arg = "TIME",
            .help = "compute the deadline flags as of TIME instead of\n"
                    "now: YYYY-MM-DD or YYYY-MM-DDTHH:MM in WIB (what\n"
                    "will be overdue by Friday?)",
            .parse = cli_parse_at_arg,
            .bad = "--at: YYYY-MM-DD or YYYY-MM-DDTHH:MM, not '%s'"),
    CLI_OPT("data", CLI_STR, O(data), .arg = "DIR"),
    CLI_OPT("json", CLI_FLAG, O(json),
            .help = "print {\"reports\": [...], \"next\": ID or null}"),
};
#undef O

static const struct cli_spec reports_spec = {
    .name = "reports",
    .usage =
        "usage: simpul reports [--status STATE] [--overdue] [--kind KIND]\n"
        "                      [--handler CODE] [--limit N] [--after ID]\n"
        "                      [--at TIME] [--data DIR] [--json]\n\n"
        "Lists the reports (aspirasi, pengaduan, permintaan_informasi) this\n"
        "node holds, newest first: id, time, kind, state, flags, title. The\n"
        "title of a rahasia report reads " APP_SEALED_TEXT " unless this node\n"
        "is one of its recipients.\n\n",
    .opts = reports_opts,
    .n_opts = ARRAY_LEN(reports_opts),
    .width = 16,
    .tail = "\nFlags: V terlambat_verifikasi, T terlambat_tindak_lanjut, C\n"
            "siap_ditutup (may be closed), A anonim, R rahasia.\n",
};

int
cli_parse_at_arg(const char *arg, void *field)
{
        return app_wib_parse(arg, field);
}

static void
flags_text(const struct app_report *r, char out[8])
{
        size_t k = 0;

        if (r->flags.terlambat_verifikasi)
                out[k++] = 'V';
        if (r->flags.terlambat_tindak_lanjut)
                out[k++] = 'T';
        if (r->flags.siap_ditutup)
                out[k++] = 'C';
        if (r->v.anonim)
                out[k++] = 'A';
        if (r->v.rahasia)
                out[k++] = 'R';
        if (!k)
                out[k++] = '-';
        out[k] = 0;
}

static void
reports_print(const struct app_reports *l)
{
        char when[32], flags[8], id[65];

        for (size_t i = 0; i < l->n; i++) {
                const struct app_report *r = &l->v[i];

                hex_encode(id, r->v.id, ENTRY_HASH_BYTES);
                cli_time_local(when, r->v.ts);
                flags_text(r, flags);
                printf("%.16s  %s  %-20s  %-15s  %-5s  %.*s\n", id, when,
                       r->kind, r->v.state, flags, (int)r->title.len,
                       r->title.ptr ? (const char *)r->title.ptr : "");
        }
        if (!l->n)
                fprintf(stderr, "no reports\n");
        if (l->more) {
                hex_encode(id, l->v[l->n - 1].v.id, ENTRY_HASH_BYTES);
                fprintf(stderr, "more: simpul reports --after %s ...\n", id);
        }
}

int
cmd_reports(int argc, char **argv)
{
        struct reports_opts o;
        struct app_report_filter f;
        struct cli_parsed p;
        struct app_reports res;
        struct buf out = BUF_INIT;
        char msg[APP_ERR_MAX];
        struct node n;
        int rc = EXIT_OK, err;

        memset(&o, 0, sizeof(o));
        if (!cli_parse(&reports_spec, argc, argv, &o, &p))
                return p.status;
        memset(&f, 0, sizeof(f));
        f.status = o.status;
        f.overdue = o.overdue;
        f.kind = o.kind;
        f.handler = o.handler;
        f.limit = (size_t)o.limit;
        f.has_after = o.after.len != 0;
        memcpy(f.after, o.after.id, sizeof(f.after));
        f.now_ms = o.at_ms;
        /* The key opens the titles of rahasia reports sealed to us. */
        if (cli_open(&n, o.data, NODE_OPEN_KEY))
                return EXIT_ERROR;
        err = app_reports_list(&n, &f, &res, msg);
        app_close(&n);
        if (err == ERR_USAGE)
                return cli_usage_error("reports", "%s", msg);
        if (err)
                return cli_error("reports: %s (%s)", msg, err_id(err));
        if (o.json)
                rc = cli_print_buf(&out, app_json_reports(&out, &res, 0));
        else
                reports_print(&res);
        app_reports_release(&res);
        return rc;
}
