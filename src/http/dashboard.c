/*
 * dashboard: GET /api/dashboard, the kabupaten's figures for a region and
 * the regions one level below it (app_dashboard; docs/API.md says what it
 * answers).
 */
#include <stdint.h>
#include <string.h>

#include "http_int.h"

/* since or until: Unix ms or a WIB date/time (app_dash_time_parse). */
static int
time_param(struct http_req *r, const char *name, bool until, uint64_t *ms)
{
        const char *v = http_query(r, name);

        *ms = 0;
        if (v && app_dash_time_parse(v, until, ms))
                return http_fail(r, ERR_HTTP_BAD_VALUE,
                                 "%s: Unix ms, YYYY-MM-DD or "
                                 "YYYY-MM-DDTHH:MM (WIB)",
                                 name);
        return 0;
}

static int
dash_params(struct http_req *r, struct app_dash_query *q)
{
        int err;

        memset(q, 0, sizeof(*q));
        q->region = http_query(r, "region");
        if ((err = time_param(r, "since", false, &q->since_ms)) ||
            (err = time_param(r, "until", true, &q->until_ms)) ||
            (err = http_query_uint(r, "quiet_days", 1, APP_DASH_QUIET_MAX,
                                   APP_DASH_QUIET_DAYS, &q->quiet_days)) ||
            (err = http_query_uint(r, "now_ms", 1, UINT64_MAX / 2, 0,
                                   &q->now_ms)))
                return err;
        if (q->region && region_check(q->region, strlen(q->region)))
                return http_fail(r, ERR_HTTP_BAD_VALUE,
                                 "region: a region code, not '%s'", q->region);
        return 0;
}

int
http_dashboard(struct http_req *r)
{
        static const char *const names[] = {"region",     "since",  "until",
                                            "quiet_days", "now_ms", NULL};
        char err_msg[APP_ERR_MAX] = "";
        struct app_dash_query q;
        struct app_dashboard d;
        int err;

        if ((err = http_query_check(r, names)) || (err = dash_params(r, &q)) ||
            r->check_only)
                return err;
        if ((err = app_dashboard(r->s->n, &q, &d, err_msg))) {
                if (err == ERR_USAGE)
                        err = ERR_HTTP_BAD_VALUE; /* the query's */
                return http_fail(r, err, "%s",
                                 err_msg[0] ? err_msg : err_str(err));
        }
        err = app_json_dashboard(&r->json, &d, APP_JSON_COMPACT);
        app_dashboard_release(&d);
        return err;
}
