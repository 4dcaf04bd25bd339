/* dashboard: the kabupaten's figures for a region and the regions one
 * level below it: reports by state and category, overdue counts, median
 * times to verification and to the first response, items posted per
 * month by each KIM, and the nodes not heard from (app_dashboard). */
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../app/app.h"
#include "cli.h"

struct dashboard_opts {
        const char *data, *region;
        uint64_t since_ms, until_ms, quiet_days, at_ms;
        bool json;
};

static int
parse_since(const char *arg, void *field)
{
        return app_dash_time_parse(arg, false, field);
}

static int
parse_until(const char *arg, void *field)
{
        return app_dash_time_parse(arg, true, field);
}

#define O(field) offsetof(struct dashboard_opts, field)
static const struct cli_opt dashboard_opts[] = {
    CLI_OPT("region", CLI_STR, O(region), .arg = "CODE",
            .help = "the region to sum up (default: this node's); each\n"
                    "region one level below it gets a row"),
    CLI_OPT("since", CLI_PARSE, O(since_ms), .arg = "TIME",
            .help = "only reports and items from TIME: YYYY-MM-DD or\n"
                    "YYYY-MM-DDTHH:MM in WIB, or Unix ms",
            .parse = parse_since,
            .bad = "--since: YYYY-MM-DD, YYYY-MM-DDTHH:MM or Unix ms, not "
                   "'%s'"),
    CLI_OPT("until", CLI_PARSE, O(until_ms), .arg = "TIME",
            .help = "only those before TIME (a date: to its end)",
            .parse = parse_until,
            .bad = "--until: YYYY-MM-DD, YYYY-MM-DDTHH:MM or Unix ms, not "
                   "'%s'"),
    CLI_OPT("quiet-days", CLI_U64, O(quiet_days), .arg = "N",
            .help = "a node is quiet when nothing of it is newer than N\n"
                    "days (default 7)",
            .min = 1, .max = APP_DASH_QUIET_MAX),
    CLI_OPT("at", CLI_PARSE, O(at_ms), .arg = "TIME",
            .help = "count deadlines and quiet nodes as of TIME instead\n"
                    "of now (YYYY-MM-DD or YYYY-MM-DDTHH:MM in WIB)",
            .parse = cli_parse_at_arg,
            .bad = "--at: YYYY-MM-DD or YYYY-MM-DDTHH:MM, not '%s'"),
    CLI_OPT("data", CLI_STR, O(data), .arg = "DIR"),
    CLI_OPT("json", CLI_FLAG, O(json),
            .help = "print the figures as GET /api/dashboard does"),
};
#undef O

static const struct cli_spec dashboard_spec = {
    .name = "dashboard",
    .usage = "usage: simpul dashboard [--region CODE] [--since TIME]\n"
             "                        [--until TIME] [--quiet-days N]\n"
             "                        [--at TIME] [--data DIR] [--json]\n\n"
             "Sums up the reports this node holds of a region's KIM: by\n"
             "state and category, overdue against the 3/5/10 working-day\n"
             "deadlines, the median time to verification and to the first\n"
             "response; the items each KIM posted per month; the nodes not\n"
             "heard from in N days. Every node holding the same entries\n"
             "prints the same figures.\n\n",
    .opts = dashboard_opts,
    .n_opts = ARRAY_LEN(dashboard_opts),
    .width = 18,
    .tail = "\nOverdue: V terlambat_verifikasi (not verified in 3 working\n"
            "days), T terlambat_tindak_lanjut (verified valid, no follow-up\n"
            "in 5), C siap_ditutup (selesai 10 working days ago).\n",
};

/* A duration as "3d 04:05", or "-" when there is none. */
static void
span_text(char out[32], bool has, uint64_t ms)
{
        uint64_t min = ms / 60000U;

        if (!has) {
                snprintf(out, 32, "-");
                return;
        }
        snprintf(out, 32, "%" PRIu64 "d %02u:%02u", min / 1440U,
                 (unsigned)(min / 60U % 24U), (unsigned)(min % 60U));
}

static const char *
name_of(const struct app_dash_place *p)
{
        return p->name[0] ? p->name : "-";
}

static void
totals_print(const struct app_dashboard *d)
{
        const struct app_dash_row *t = &d->total;
        char when[32], v[32], r[32];

        cli_time_local(when, d->q.now_ms);
        printf("%s %s (%s), as of %s\n", d->at.code, name_of(&d->at),
               d->at.level, when);
        printf("reports %" PRIu64 ":", t->d.reports);
        for (unsigned s = 0; s < KIM_DASH_STATES; s++)
                if (t->d.by_state[s])
                        printf(" %s %" PRIu64, app_name(APP_NAMES_STATE, s + 1),
                               t->d.by_state[s]);
        printf("\ncategories:");
        for (size_t i = 0; i < t->d.n_cats; i++)
                printf(" %s %" PRIu64, t->d.cats[i].name, t->d.cats[i].n);
        printf("\noverdue: terlambat_verifikasi %" PRIu64
               ", terlambat_tindak_lanjut %" PRIu64 ", siap_ditutup %" PRIu64
               "\n",
               t->d.terlambat_verifikasi, t->d.terlambat_tindak_lanjut,
               t->d.siap_ditutup);
        span_text(v, t->has_verify, t->verify_ms);
        span_text(r, t->has_reply, t->reply_ms);
        printf("median time to verification %s (%zu verified), to the first "
               "response %s (%zu answered)\n",
               v, t->d.n_verify, r, t->d.n_reply);
}

static void
rows_print(const struct app_dashboard *d)
{
        char v[32], r[32];

        if (!d->n_rows)
                return;
        printf("\n%-14s %-24s %7s %4s %4s %4s %12s %12s\n", "region", "name",
               "reports", "V", "T", "C", "to verify", "to response");
        for (size_t i = 0; i < d->n_rows; i++) {
                const struct app_dash_row *w = &d->rows[i];

                span_text(v, w->has_verify, w->verify_ms);
                span_text(r, w->has_reply, w->reply_ms);
                printf("%-14s %-24.24s %7" PRIu64 " %4" PRIu64 " %4" PRIu64
                       " %4" PRIu64 " %12s %12s\n",
                       w->at.code, name_of(&w->at), w->d.reports,
                       w->d.terlambat_verifikasi, w->d.terlambat_tindak_lanjut,
                       w->d.siap_ditutup, v, r);
        }
}

static void
activity_print(const struct app_dashboard *d)
{
        if (!d->n_kims)
                return;
        printf("\nitems posted per KIM and month:\n");
        for (size_t i = 0; i < d->n_kims; i++) {
                const struct app_dash_kim *k = &d->kims[i];

                printf("%-14s %-24.24s %6" PRIu64 ":", k->at.code,
                       name_of(&k->at), k->items);
                for (size_t j = 0; j < k->n_months; j++)
                        printf(" %s %" PRIu64, k->months[j].name,
                               k->months[j].items);
                printf("\n");
        }
}

static void
quiet_print(const struct app_dashboard *d)
{
        char when[32];

        printf("\nnodes not heard from in %" PRIu64 " days: %" PRIu64
               " of %zu\n",
               d->q.quiet_days, d->quiet, d->n_nodes);
        for (size_t i = 0; i < d->n_nodes; i++) {
                const struct app_dash_node *nd = &d->nodes[i];

                if (!nd->quiet)
                        continue;
                if (nd->heard)
                        cli_time_local(when, nd->last_ms);
                printf("  %-14s %-24.24s last %s\n", nd->at.code,
                       name_of(&nd->at), nd->heard ? when : "never");
        }
}

int
cmd_dashboard(int argc, char **argv)
{
        struct dashboard_opts o;
        struct app_dash_query q;
        struct app_dashboard d;
        struct cli_parsed p;
        struct buf out = BUF_INIT;
        char msg[APP_ERR_MAX];
        struct node n;
        int rc = EXIT_OK, err;

        memset(&o, 0, sizeof(o));
        if (!cli_parse(&dashboard_spec, argc, argv, &o, &p))
                return p.status;
        q = (struct app_dash_query){
            .region = o.region,
            .since_ms = o.since_ms,
            .until_ms = o.until_ms,
            .quiet_days = o.quiet_days,
            .now_ms = o.at_ms,
        };
        if (cli_open(&n, o.data, 0))
                return EXIT_ERROR;
        err = app_dashboard(&n, &q, &d, msg);
        app_close(&n);
        if (err == ERR_USAGE)
                return cli_usage_error("dashboard", "%s", msg);
        if (err)
                return cli_error("dashboard: %s (%s)", msg, err_id(err));
        if (o.json) {
                rc = cli_print_buf(&out, app_json_dashboard(&out, &d, 0));
        } else {
                totals_print(&d);
                rows_print(&d);
                activity_print(&d);
                quiet_print(&d);
        }
        app_dashboard_release(&d);
        return rc;
}
