/*
 * names: the words and times an operator types — kinds, levels, steps,
 * results, decisions, states (proto/SPEC.md, KIM.md) — read the same way
 * for simpul's options and the API's fields.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "app_int.h"

/* KIND_* of a kind's name, if it is one of set's kinds. */
static int
kind_in(enum app_names set, const char *name, uint32_t *out)
{
        uint32_t k;

        if (kind_parse(name, &k) ||
            (set == APP_NAMES_KIM_KIND && !wire_kim_kind(k)) ||
            (set == APP_NAMES_REPORT_KIND && !kim_kind_is_report(k)) ||
            (set == APP_NAMES_ITEM_KIND && !kim_kind_is_report(k) &&
             !kim_kind_is_announcement(k)))
                return ERR_USAGE;
        *out = k;
        return 0;
}

int
app_name_parse(enum app_names set, const char *name, uint32_t *out)
{
        enum kim_level level;
        enum kim_step step;
        enum kim_result result;
        enum kim_decision decision;
        enum kim_state state;

        switch (set) {
        case APP_NAMES_KIND:
        case APP_NAMES_KIM_KIND:
        case APP_NAMES_REPORT_KIND:
        case APP_NAMES_ITEM_KIND:
                return kind_in(set, name, out);
        case APP_NAMES_LEVEL:
                return kim_level_parse(name, &level) ? ERR_USAGE
                                                     : (*out = level, 0);
        case APP_NAMES_STEP:
                return kim_step_parse(name, &step) ? ERR_USAGE
                                                   : (*out = step, 0);
        case APP_NAMES_RESULT:
                return kim_result_parse(name, &result) ? ERR_USAGE
                                                       : (*out = result, 0);
        case APP_NAMES_DECISION:
                return kim_decision_parse(name, &decision)
                           ? ERR_USAGE
                           : (*out = decision, 0);
        case APP_NAMES_STATE:
                return kim_state_parse(name, &state) ? ERR_USAGE
                                                     : (*out = state, 0);
        }
        return ERR_USAGE;
}

const char *
app_name(enum app_names set, uint32_t v)
{
        switch (set) {
        case APP_NAMES_KIND:
        case APP_NAMES_KIM_KIND:
        case APP_NAMES_REPORT_KIND:
        case APP_NAMES_ITEM_KIND:
                return kind_name(v);
        case APP_NAMES_LEVEL:
                return v ? kim_level_name((enum kim_level)v) : NULL;
        case APP_NAMES_STEP:
                return v ? kim_step_name((enum kim_step)v) : NULL;
        case APP_NAMES_RESULT:
                return v ? kim_result_name((enum kim_result)v) : NULL;
        case APP_NAMES_DECISION:
                return v ? kim_decision_name((enum kim_decision)v) : NULL;
        case APP_NAMES_STATE:
                return v ? kim_state_name((enum kim_state)v) : NULL;
        }
        return NULL;
}

int
app_wib_parse(const char *s, uint64_t *ms)
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

void
app_time_iso(char out[32], uint64_t ms)
{
        time_t t = (time_t)(ms / 1000U);
        struct tm tm;
        size_t n;

        gmtime_r(&t, &tm);
        n = strftime(out, 32, "%Y-%m-%dT%H:%M:%S", &tm);
        snprintf(out + n, 32 - n, ".%03uZ", (unsigned)(ms % 1000U));
}
