/* reports: the reports this node holds, newest first, with their state
 * and deadline flags (proto/KIM.md §5, §6). */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "../app/app.h"
#include "../kim/view.h"
#include "cli.h"

static const char reports_help[] =
    "usage: simpul reports [--status STATE] [--overdue] [--kind KIND]\n"
    "                      [--handler CODE] [--limit N] [--after ID]\n"
    "                      [--at TIME] [--data DIR] [--json]\n\n"
    "Lists the reports (aspirasi, pengaduan, permintaan_informasi) this\n"
    "node holds, newest first: id, time, kind, state, flags, title. The\n"
    "title of a rahasia report reads " APP_SEALED_TEXT " unless this node\n"
    "is one of its recipients.\n\n"
    "  --status STATE  only reports in this state: diajukan, diverifikasi,\n"
    "                  ditunda, bukan_wewenang, diarsipkan, diteruskan,\n"
    "                  ditindaklanjuti, selesai, ditutup\n"
    "  --overdue       only reports past a deadline: not verified 3\n"
    "                  working days after they came (terlambat_verifikasi),\n"
    "                  or verified valid and not followed up in 5\n"
    "                  (terlambat_tindak_lanjut). Working days are Monday\n"
    "                  to Friday in WIB minus [kim] holidays in simpul.conf\n"
    "  --kind KIND     aspirasi, pengaduan or permintaan_informasi\n"
    "  --handler CODE  only reports to this handler region\n"
    "  --limit N       at most N reports (default 50, at most 1000)\n"
    "  --after ID      the page after the report with this id (as the\n"
    "                  last line of the page before, or \"next\" in JSON)\n"
    "  --at TIME       compute the deadline flags as of TIME instead of\n"
    "                  now: YYYY-MM-DD or YYYY-MM-DDTHH:MM in WIB (what\n"
    "                  will be overdue by Friday?)\n"
    "  --json          print {\"reports\": [...], \"next\": ID or null}\n\n"
    "Flags: V terlambat_verifikasi, T terlambat_tindak_lanjut, C\n"
    "siap_ditutup (may be closed), A anonim, R rahasia.\n";

int
cli_parse_at(const char *s, uint64_t *ms)
{
        size_t n = strlen(s);
        int32_t day;
        unsigned h, m;
        char tail;

        if (n != 10 && n != 16)
                return ERR_USAGE;
        if (kim_date_parse(s, 10, &day) || day < 0)
                return ERR_USAGE;
        h = m = 0;
        if (n == 16 &&
            (s[10] != 'T' || sscanf(s + 11, "%2u:%2u%c", &h, &m, &tail) != 2 ||
             s[13] != ':' || h > 23 || m > 59))
                return ERR_USAGE;
        *ms = (uint64_t)day * 86400000ULL + h * 3600000ULL + m * 60000ULL;
        *ms = *ms >= KIM_TZ_OFFSET_MS ? *ms - KIM_TZ_OFFSET_MS : 0;
        return 0;
}

static void
flags_text(json_t *r, char out[8])
{
        json_t *f = json_object_get(r, "flags");
        size_t k = 0;

        if (json_is_true(json_object_get(f, "terlambat_verifikasi")))
                out[k++] = 'V';
        if (json_is_true(json_object_get(f, "terlambat_tindak_lanjut")))
                out[k++] = 'T';
        if (json_is_true(json_object_get(f, "siap_ditutup")))
                out[k++] = 'C';
        if (json_is_true(json_object_get(r, "anonim")))
                out[k++] = 'A';
        if (json_is_true(json_object_get(r, "rahasia")))
                out[k++] = 'R';
        if (!k)
                out[k++] = '-';
        out[k] = 0;
}

static int
reports_print(json_t *res)
{
        json_t *arr = json_object_get(res, "reports"), *r;
        const char *next = json_string_value(json_object_get(res, "next"));
        size_t i;

        json_array_foreach(arr, i, r)
        {
                char when[32], flags[8];
                const char *title =
                    json_string_value(json_object_get(r, "title"));

                cli_time_local(when, (uint64_t)json_integer_value(
                                         json_object_get(r, "ts")));
                flags_text(r, flags);
                printf("%.16s  %s  %-20s  %-15s  %-5s  %s\n",
                       json_string_value(json_object_get(r, "id")), when,
                       json_string_value(json_object_get(r, "kind")),
                       json_string_value(json_object_get(r, "state")), flags,
                       title ? title : "");
        }
        if (!json_array_size(arr))
                fprintf(stderr, "no reports\n");
        if (next)
                fprintf(stderr, "more: simpul reports --after %s ...\n", next);
        json_decref(res);
        return EXIT_OK;
}

struct reports_opts {
        struct app_report_filter f;
        const char *data;
        bool json;
};

static int
reports_parse(int argc, char **argv, struct reports_opts *o)
{
        static const struct option longs[] = {
            {"status", required_argument, NULL, 's'},
            {"overdue", no_argument, NULL, 'o'},
            {"kind", required_argument, NULL, 'k'},
            {"handler", required_argument, NULL, 'H'},
            {"limit", required_argument, NULL, 'l'},
            {"after", required_argument, NULL, 'a'},
            {"at", required_argument, NULL, 't'},
            {"data", required_argument, NULL, CLI_OPT_DATA},
            {"json", no_argument, NULL, CLI_OPT_JSON},
            {"help", no_argument, NULL, CLI_OPT_HELP},
            {NULL, 0, NULL, 0},
        };
        size_t len;
        char *end;
        int c;

        memset(o, 0, sizeof(*o));
        while ((c = getopt_long(argc, argv, "h", longs, NULL)) != -1) {
                switch (c) {
                case 's':
                        o->f.status = optarg;
                        break;
                case 'o':
                        o->f.overdue = true;
                        break;
                case 'k':
                        if (kind_parse(optarg, &o->f.kind) ||
                            !kim_kind_is_report(o->f.kind))
                                return cli_usage_error(
                                    "reports",
                                    "--kind: aspirasi, pengaduan or "
                                    "permintaan_informasi, not '%s'",
                                    optarg);
                        break;
                case 'H':
                        o->f.handler = optarg;
                        break;
                case 'l':
                        o->f.limit = strtoul(optarg, &end, 10);
                        if (*end || !o->f.limit || o->f.limit > APP_LIST_MAX)
                                return cli_usage_error(
                                    "reports", "--limit: expected 1 to %u",
                                    APP_LIST_MAX);
                        break;
                case 'a':
                        if (cli_parse_id(optarg, o->f.after, &len) ||
                            len != ENTRY_HASH_BYTES)
                                return cli_usage_error(
                                    "reports", "--after: a whole report id "
                                               "(64 hex digits)");
                        o->f.has_after = true;
                        break;
                case 't':
                        if (cli_parse_at(optarg, &o->f.now_ms))
                                return cli_usage_error(
                                    "reports",
                                    "--at: YYYY-MM-DD or YYYY-MM-DDTHH:MM, "
                                    "not '%s'",
                                    optarg);
                        break;
                case CLI_OPT_DATA:
                        o->data = optarg;
                        break;
                case CLI_OPT_JSON:
                        o->json = true;
                        break;
                case CLI_OPT_HELP:
                        fputs(reports_help, stdout);
                        return -1;
                default:
                        return cli_usage_error("reports", "invalid option");
                }
        }
        if (optind < argc)
                return cli_usage_error("reports", "unexpected argument '%s'",
                                       argv[optind]);
        return 0;
}

int
cmd_reports(int argc, char **argv)
{
        struct reports_opts o;
        char msg[APP_ERR_MAX];
        json_t *res = NULL;
        struct node n;
        int rc, err;

        if ((rc = reports_parse(argc, argv, &o)))
                return rc < 0 ? EXIT_OK : rc;
        /* The key opens the titles of rahasia reports sealed to us. */
        if (cli_open(&n, o.data, NODE_OPEN_KEY))
                return EXIT_ERROR;
        err = app_reports_list(&n, &o.f, &res, msg);
        node_close(&n);
        if (err == ERR_USAGE)
                return cli_usage_error("reports", "%s", msg);
        if (err)
                return cli_error("reports: %s (%s)", msg, err_id(err));
        return o.json ? cli_print_json(res) : reports_print(res);
}
