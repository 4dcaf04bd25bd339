/* test_export: the CSV writer's quoting (RFC 4180), the quote before a
 * formula (OWASP CSV injection), times in WIB, and whole files. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../src/export/export.h"

/* The CSV field of text s. */
static void
field_is(const char *s, const char *want)
{
        struct export_cell c = export_text(slice_cstr(s));
        struct buf b = BUF_INIT;

        export_csv_field(&b, &c);
        buf_addc(&b, 0);
        if (strcmp((const char *)b.data, want))
                fail_msg("field of [%s]: got [%s], want [%s]", s,
                         (const char *)b.data, want);
        buf_release(&b);
}

static void
csv_quoting(void **state)
{
        static const struct {
                const char *in, *want;
        } cases[] = {
            {"plain", "plain"},
            {"", ""},
            {"a,b", "\"a,b\""},
            {"say \"hi\"", "\"say \"\"hi\"\"\""},
            {"\"", "\"\"\"\""},
            {"two\nlines", "\"two\nlines\""},
            {"cr\r\nlf", "\"cr\r\nlf\""},
            {"tab\tinside", "tab\tinside"},
            {"Désa Sukamaju — jalan", "Désa Sukamaju — jalan"},
            /* formulas: a single quote first (OWASP) */
            {"=1+1", "'=1+1"},
            {"+62 812", "'+62 812"},
            {"-5", "'-5"},
            {"@SUM(A1)", "'@SUM(A1)"},
            {"\tlead tab", "'\tlead tab"},
            {"\rlead cr", "\"'\rlead cr\""},
            {"=HYPERLINK(\"http://x\",\"a,b\")",
             "\"'=HYPERLINK(\"\"http://x\"\",\"\"a,b\"\")\""},
            /* not at the start: no quote */
            {"1+1=2", "1+1=2"},
            {"a-b@c", "a-b@c"},
        };

        (void)state;
        for (size_t i = 0; i < ARRAY_LEN(cases); i++)
                field_is(cases[i].in, cases[i].want);
}

static void
csv_cells(void **state)
{
        struct export_cell cells[] = {
            {.type = EXPORT_INT, .n = 42},
            {.type = EXPORT_EMPTY},
            /* 2026-01-01T00:00:00Z is 07:00 in WIB */
            {.type = EXPORT_TIME, .n = 1767225600000ULL},
            {.type = EXPORT_BOOL, .n = 1},
            {.type = EXPORT_BOOL, .n = 0},
            export_text(slice_cstr("-x")),
        };
        struct buf b = BUF_INIT;

        (void)state;
        export_csv_record(&b, cells, ARRAY_LEN(cells));
        buf_addc(&b, 0);
        assert_string_equal((const char *)b.data,
                            "42,,2026-01-01 07:00:00,true,false,'-x\r\n");
        buf_release(&b);
        assert_false(export_formula_like(slice_make("", 0)));
        assert_true(export_formula_like(slice_cstr("=")));
}

static char *
slurp(const char *path, size_t *len)
{
        FILE *f = fopen(path, "rb");
        char *p = xmalloc(4096);

        assert_non_null(f);
        *len = fread(p, 1, 4095, f);
        p[*len] = 0;
        fclose(f);
        return p;
}

static void
csv_files_whole(void **state)
{
        char dir[] = "/tmp/simpul-test.export.XXXXXX", a[64], b[64], t[80];
        const char *paths[2] = {a, b};
        const char *cols[] = {"id", "title"};
        struct export_cell row[] = {export_text(slice_cstr("1")),
                                    export_text(slice_cstr("Kabar, desa"))};
        struct export_writer *w;
        enum export_format fmt;
        size_t len;
        char *got;

        (void)state;
        assert_non_null(mkdtemp(dir));
        snprintf(a, sizeof(a), "%s/a.csv", dir);
        snprintf(b, sizeof(b), "%s/b.csv", dir);
        assert_int_equal(export_format_parse("csv", &fmt), 0);
        assert_int_equal(export_format_parse("pdf", &fmt), ERR_USAGE);
        assert_int_equal(export_open(EXPORT_CSV, paths, 2, &w), 0);
        assert_int_equal(export_columns(w, 0, "a", cols, 2), 0);
        assert_int_equal(export_columns(w, 1, "b", cols, 1), 0);
        assert_int_equal(export_row(w, 0, row, 2), 0);
        /* Nothing at the path before close. */
        assert_int_equal(access(a, F_OK), -1);
        assert_int_equal(export_close(w), 0);
        got = slurp(a, &len);
        assert_string_equal(got,
                            "\xEF\xBB\xBFid,title\r\n1,\"Kabar, desa\"\r\n");
        free(got);
        got = slurp(b, &len);
        assert_string_equal(got, "\xEF\xBB\xBFid\r\n");
        free(got);
        /* An abort leaves nothing. */
        unlink(a);
        assert_int_equal(export_open(EXPORT_CSV, paths, 1, &w), 0);
        assert_int_equal(export_columns(w, 0, "a", cols, 2), 0);
        export_abort(w);
        snprintf(t, sizeof(t), "%s.tmp", a);
        assert_int_equal(access(a, F_OK), -1);
        assert_int_equal(access(t, F_OK), -1);
        if (!export_has_xlsx())
                assert_int_equal(export_open(EXPORT_XLSX, paths, 1, &w),
                                 ERR_EXPORT_NO_XLSX);
        unlink(b);
        rmdir(dir);
}

int
main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(csv_quoting),
            cmocka_unit_test(csv_cells),
            cmocka_unit_test(csv_files_whole),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
