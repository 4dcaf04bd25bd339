/*
 * csv: RFC 4180 records. A field is quoted when it holds a comma, a
 * quote, a CR or an LF (a quote doubled inside); a text field that a
 * spreadsheet would take for a formula gets a single quote before it
 * (OWASP, CSV injection). Pure: into a buf.
 */
#include <string.h>
#include <time.h>

#include "export.h"

bool
export_formula_like(struct slice s)
{
        if (!s.len)
                return false;
        return strchr("=+-@\t\r", s.ptr[0]) != NULL && s.ptr[0] != 0;
}

void
export_time_wib(char out[24], uint64_t ms)
{
        time_t t = (time_t)((ms + EXPORT_TZ_OFFSET_MS) / 1000U);
        struct tm tm;

        gmtime_r(&t, &tm);
        if (!strftime(out, 24, "%Y-%m-%d %H:%M:%S", &tm))
                out[0] = 0;
}

static bool
needs_quotes(struct slice s)
{
        for (size_t i = 0; i < s.len; i++)
                if (s.ptr[i] == ',' || s.ptr[i] == '"' || s.ptr[i] == '\r' ||
                    s.ptr[i] == '\n')
                        return true;
        return false;
}

static void
text_field(struct buf *out, struct slice s)
{
        bool quote = needs_quotes(s);
        size_t from = 0;

        if (quote)
                buf_addc(out, '"');
        if (export_formula_like(s))
                buf_addc(out, '\'');
        for (size_t i = 0; quote && i < s.len; i++)
                if (s.ptr[i] == '"') {
                        buf_add(out, s.ptr + from, i + 1 - from);
                        buf_addc(out, '"'); /* doubled */
                        from = i + 1;
                }
        buf_add(out, s.ptr + from, s.len - from);
        if (quote)
                buf_addc(out, '"');
}

void
export_csv_field(struct buf *out, const struct export_cell *c)
{
        char t[24];

        switch (c->type) {
        case EXPORT_EMPTY:
                break;
        case EXPORT_TEXT:
                text_field(out, c->text);
                break;
        case EXPORT_INT:
                buf_addf(out, "%llu", (unsigned long long)c->n);
                break;
        case EXPORT_TIME:
                export_time_wib(t, c->n);
                buf_adds(out, t);
                break;
        case EXPORT_BOOL:
                buf_adds(out, c->n ? "true" : "false");
                break;
        }
}

void
export_csv_record(struct buf *out, const struct export_cell *cells, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                if (i)
                        buf_addc(out, ',');
                export_csv_field(out, &cells[i]);
        }
        buf_add(out, "\r\n", 2);
}
