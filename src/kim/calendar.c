/*
 * calendar: working days and the deadlines of a report (proto/KIM.md §5).
 * Days are counted in Western Indonesia Time (UTC+07:00) as day numbers
 * since 1970-01-01; a working day is Monday to Friday and not a holiday.
 * Pure: no clock; the caller passes the time.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "view.h"

#define DAY_MS 86400000ULL
#define YEAR_MIN 1970
#define YEAR_MAX 9999

/* Days from 1970-01-01 to y-m-d, proleptic Gregorian (H. Hinnant's
 * days_from_civil). */
static int32_t
days_from_civil(int y, unsigned m, unsigned d)
{
        int era, yoe, doy, doe;

        y -= m <= 2;
        era = (y >= 0 ? y : y - 399) / 400;
        yoe = y - era * 400;
        doy = (int)((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1);
        doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        return era * 146097 + doe - 719468;
}

static void
civil_from_days(int32_t z, int *y, unsigned *m, unsigned *d)
{
        int era, doe, yoe, doy, mp;

        z += 719468;
        era = (z >= 0 ? z : z - 146096) / 146097;
        doe = z - era * 146097;
        yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
        doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        mp = (5 * doy + 2) / 153;
        *d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
        *m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
        *y = yoe + era * 400 + (*m <= 2);
}

static unsigned
month_days(int y, unsigned m)
{
        static const unsigned days[12] = {31, 28, 31, 30, 31, 30,
                                          31, 31, 30, 31, 30, 31};
        bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

        return m == 2 && leap ? 29 : days[m - 1];
}

static int
digits(const char *s, size_t n, unsigned *out)
{
        unsigned v = 0;

        for (size_t i = 0; i < n; i++) {
                if (s[i] < '0' || s[i] > '9')
                        return ERR_USAGE;
                v = v * 10 + (unsigned)(s[i] - '0');
        }
        *out = v;
        return 0;
}

int
kim_date_parse(const char *s, size_t len, int32_t *day)
{
        unsigned y, m, d;

        if (len != 10 || s[4] != '-' || s[7] != '-' || digits(s, 4, &y) ||
            digits(s + 5, 2, &m) || digits(s + 8, 2, &d))
                return ERR_USAGE;
        if (y < YEAR_MIN || y > YEAR_MAX || m < 1 || m > 12 || d < 1 ||
            d > month_days((int)y, m))
                return ERR_USAGE;
        *day = days_from_civil((int)y, m, d);
        return 0;
}

void
kim_date_format(int32_t day, char out[KIM_DATE_BUF])
{
        unsigned m, d;
        int y;

        civil_from_days(day, &y, &m, &d);
        /* Bounded for the compiler: m is 1..12, d 1..31, y 4 digits. */
        snprintf(out, KIM_DATE_BUF, "%04d-%02u-%02u",
                 (y % 10000 + 10000) % 10000, m % 100U, d % 100U);
}

static int
day_cmp(const void *a, const void *b)
{
        int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;

        return (x > y) - (x < y);
}

int
kim_holidays_parse(const char *text, int32_t *out, size_t max, size_t *n)
{
        const char *p = text;
        size_t k = *n;

        while (*p) {
                size_t len;
                int32_t day;

                while (*p == ' ' || *p == ',' || *p == '\t')
                        p++;
                len = strcspn(p, ", \t");
                if (!len)
                        break;
                if (kim_date_parse(p, len, &day))
                        return ERR_USAGE;
                if (k == max)
                        return ERR_TOO_BIG;
                out[k++] = day;
                p += len;
        }
        qsort(out, k, sizeof(*out), day_cmp);
        *n = 0;
        for (size_t i = 0; i < k; i++) /* drop repeats */
                if (!*n || out[*n - 1] != out[i])
                        out[(*n)++] = out[i];
        return 0;
}

int32_t
kim_day_of(uint64_t ms)
{
        return (int32_t)((ms + KIM_TZ_OFFSET_MS) / DAY_MS);
}

int32_t
kim_month_of(uint64_t ms)
{
        unsigned m, d;
        int y;

        civil_from_days(kim_day_of(ms), &y, &m, &d);
        return (int32_t)((y - 1970) * 12 + (int)m - 1);
}

bool
kim_working_day(const struct kim_calendar *c, int32_t day)
{
        /* 1970-01-01 was a Thursday: (day + 4) % 7 is 0 on a Sunday. */
        int wd = (int)(((day % 7) + 7 + 4) % 7);

        if (wd == 0 || wd == 6)
                return false;
        return !(c && c->n &&
                 bsearch(&day, c->holidays, c->n, sizeof(int32_t), day_cmp));
}

uint64_t
kim_deadline_ms(const struct kim_calendar *c, uint64_t event_ms, unsigned days)
{
        int32_t d = kim_day_of(event_ms);

        for (unsigned counted = 0; counted < days;)
                if (kim_working_day(c, ++d))
                        counted++;
        /* The end of day d (24:00 WIB) in UTC milliseconds. */
        return (uint64_t)(d + 1) * DAY_MS - KIM_TZ_OFFSET_MS;
}
