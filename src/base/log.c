/* log: one line per event with a level and a stable id, to stderr. */
#include "base.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static enum log_level log_threshold = LOG_INFO;
static const char *const log_names[] = {"error", "warn", "info", "debug"};

void
log_set_level(enum log_level level)
{
        log_threshold = level;
}

int
log_level_parse(const char *s, enum log_level *out)
{
        for (size_t i = 0; i < ARRAY_LEN(log_names); i++) {
                if (!strcmp(s, log_names[i])) {
                        *out = (enum log_level)i;
                        return 0;
                }
        }
        return ERR_CONFIG;
}

void
log_emit(enum log_level level, const char *id, const char *fmt, ...)
{
        char line[1024];
        struct timespec ts;
        struct tm tm;
        va_list ap;
        int n, m;

        if (level > log_threshold)
                return;
        clock_gettime(CLOCK_REALTIME, &ts);
        gmtime_r(&ts.tv_sec, &tm);
        n = snprintf(
            line, sizeof(line), "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %s %s ",
            tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
            tm.tm_sec, ts.tv_nsec / 1000000L, log_names[level], id);
        va_start(ap, fmt);
        m = vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
        va_end(ap);
        if (m < 0)
                m = 0;
        n += m;
        if ((size_t)n > sizeof(line) - 2)
                n = (int)sizeof(line) - 2;
        line[n++] = '\n';
        /* One write so concurrent writers do not interleave within a line. */
        if (write(STDERR_FILENO, line, (size_t)n) < 0)
                return;
}

uint64_t
time_now_ms(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_REALTIME, &ts);
        return (uint64_t)ts.tv_sec * 1000U + (uint64_t)ts.tv_nsec / 1000000U;
}
