/*
 * test_regions: the region search (region/search.c) over the list the
 * build compacts into the binary (app_regions_list: the whole of
 * Indonesia from ../shared/data/wilayah.csv, or the tests' Serang list
 * without it), and over small lists given as bytes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "../../src/app/app.h"

static bool
slice_is(struct slice s, const char *want)
{
        return s.len == strlen(want) && !memcmp(s.ptr, want, s.len);
}

/* The index of code among hits[0..n), or -1. */
static int
find(const struct region_hit *hits, size_t n, const char *code)
{
        for (size_t i = 0; i < n; i++)
                if (!strcmp(hits[i].code, code))
                        return (int)i;
        return -1;
}

/* The example: typing "Sukanegara" finds 36.04.12.2002, with the
 * names that tell the seven Sukanegaras of Indonesia apart. */
static void
sukanegara(void **state)
{
        struct region_hit hits[APP_REGIONS_MAX];
        char msg[APP_ERR_MAX];
        size_t n;
        int i;

        (void)state;
        assert_int_equal(
            app_regions_search("Sukanegara", "desa", 50, hits, &n, msg), 0);
        i = find(hits, n, "36.04.12.2002");
        assert_true(i >= 0);
        assert_true(slice_is(hits[i].name, "Sukanegara"));
        assert_string_equal(hits[i].tingkat, "desa");
        assert_true(slice_is(hits[i].kecamatan, "Pontang"));
        assert_true(slice_is(hits[i].kabupaten, "Kabupaten Serang"));
        if (app_regions_list().len > 1000000) { /* the whole list */
                assert_true(slice_is(hits[i].provinsi, "Banten"));
                assert_int_equal(n, 7); /* grep -c ,Sukanegara, wilayah.csv */
        }
        for (size_t j = 0; j < n; j++)
                assert_true(slice_is(hits[j].name, "Sukanegara"));
}

/* Case, spaces and punctuation as a phone types them; names that begin
 * with the query come before names that hold it. */
static void
folding(void **state)
{
        struct region_hit hits[APP_REGIONS_MAX];
        char msg[APP_ERR_MAX];
        size_t n;

        (void)state;
        assert_int_equal(
            app_regions_search("  sukaNEGARA ", "", 50, hits, &n, msg), 0);
        assert_true(find(hits, n, "36.04.12.2002") >= 0);
        assert_int_equal(app_regions_search("KABUPATEN   serang", "kabupaten",
                                            5, hits, &n, msg),
                         0);
        assert_true(n >= 1);
        assert_string_equal(hits[0].code, "36.04");
        assert_true(hits[0].kecamatan.len == 0);
        /* "negara" is inside Sukanegara, not at its start */
        assert_int_equal(
            app_regions_search("negara", "desa", 50, hits, &n, msg), 0);
        assert_true(n > 0);
        assert_true(find(hits, n, "36.04.12.2002") >= 0 || n == 50);
        /* a level that is none, a query of nothing */
        assert_int_equal(
            app_regions_search("serang", "dusun", 5, hits, &n, msg), ERR_USAGE);
        assert_int_equal(app_regions_search(" - ", "", 5, hits, &n, msg),
                         ERR_USAGE);
}

/* At most the limit, and the cap of the API whatever is asked. */
static void
limit(void **state)
{
        struct region_hit hits[APP_REGIONS_MAX];
        char msg[APP_ERR_MAX];
        size_t n;

        (void)state;
        assert_int_equal(app_regions_search("a", "", 3, hits, &n, msg), 0);
        assert_int_equal(n, 3);
        assert_int_equal(app_regions_search("a", "", 1000, hits, &n, msg), 0);
        assert_int_equal(n, APP_REGIONS_MAX);
}

/* The pure search over bytes: accents, apostrophes, a list without its
 * provinsi, prefix matches first, a damaged line skipped. */
static void
bytes(void **state)
{
        static const char list[] = "k36.04 Kabupaten Serang\n"
                                   "c36.04.12 Pontang\n"
                                   "d2001Kalapian Baru\n"
                                   "x-garbage\n"
                                   "d2002Sukan\xc3\xa9gara\n"
                                   "l1001Regapu\xe2\x80\x99u\n"
                                   "d2003Wanayasa Sukanegara\n"
                                   "d2004Kalapian";
        struct slice s = slice_make(list, strlen(list));
        struct region_hit h[4];

        (void)state;
        assert_int_equal(region_search(s, "SUKANEGARA", REGION_DESA, h, 4), 2);
        assert_string_equal(h[0].code, "36.04.12.2002"); /* at the start */
        assert_string_equal(h[1].code, "36.04.12.2003"); /* inside */
        assert_true(slice_is(h[0].kecamatan, "Pontang"));
        assert_true(h[0].provinsi.len == 0);
        /* the exact name before a longer one that begins with it */
        assert_int_equal(region_search(s, "kalapian", 0, h, 4), 2);
        assert_string_equal(h[0].code, "36.04.12.2004");
        assert_string_equal(h[1].code, "36.04.12.2001");
        assert_int_equal(region_search(s, "regapu'u", 0, h, 4), 1);
        assert_string_equal(h[0].tingkat, "kelurahan");
        assert_int_equal(region_search(s, "regapuu", 0, h, 4), 1);
        assert_int_equal(region_search(s, "pontang", REGION_DESA, h, 4), 0);
        assert_int_equal(region_search(s, "pontang", 0, h, 4), 1);
        assert_string_equal(h[0].code, "36.04.12");
        assert_int_equal(region_search(s, "a", 0, h, 2), 2);
        assert_int_equal(region_search(s, "", 0, h, 4), 0);
}

int
main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(sukanegara),
            cmocka_unit_test(folding),
            cmocka_unit_test(limit),
            cmocka_unit_test(bytes),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
