/*
 * test_region: code shapes, the tree, audiences, and the entitlement and
 * authoring rules, checked against the real codes of Kabupaten Serang
 * (tests/data/serang-36.04.csv: kode,nama,tingkat with CRLF line ends).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "../../src/region/region.h"
#include "testlib.h"

/* ---- helpers ------------------------------------------------------------- */

#define expect_bool(name, got, want)                                           \
        do {                                                                   \
                bool g_ = (got), w_ = (want);                                  \
                if (g_ != w_)                                                  \
                        fail_msg("%s: got %s, want %s", (name),                \
                                 g_ ? "true" : "false",                        \
                                 w_ ? "true" : "false");                       \
        } while (0)

static int
check(const char *s)
{
        return region_check(s, strlen(s));
}

/* ---- the Serang codes ------------------------------------------------------
 */

#define CSV_ROWS_MAX 1024
#define CSV_PATH SIMPUL_TEST_DATA "/serang-36.04.csv"

struct row {
        char code[32]; /* raw, so a bad row reaches region_check unshortened */
        char level[16];
};

static struct row rows[CSV_ROWS_MAX];
static size_t nrows;

/* The tiny parse this file needs: first and third field, CR stripped. */
static int
csv_load(void **state)
{
        char line[256];
        FILE *f = fopen(CSV_PATH, "r");

        (void)state;
        if (!f) {
                fprintf(stderr, "cannot open %s\n", CSV_PATH);
                return -1;
        }
        nrows = 0;
        if (!fgets(line, sizeof(line), f) || strncmp(line, "kode,", 5)) {
                fclose(f);
                return -1;
        }
        while (fgets(line, sizeof(line), f) && nrows < CSV_ROWS_MAX) {
                char *c1 = strchr(line, ','),
                     *c2 = c1 ? strchr(c1 + 1, ',') : 0;
                struct row *r = &rows[nrows];

                line[strcspn(line, "\r\n")] = 0;
                if (!c1 || !c2 || (size_t)(c1 - line) >= sizeof(r->code) ||
                    strlen(c2 + 1) >= sizeof(r->level)) {
                        fprintf(stderr, "bad csv line: %s\n", line);
                        fclose(f);
                        return -1;
                }
                memcpy(r->code, line, (size_t)(c1 - line));
                r->code[c1 - line] = 0;
                strcpy(r->level, c2 + 1);
                nrows++;
        }
        fclose(f);
        return 0;
}

/* Independent of region.c: a CSV row's level by its length. */
static size_t
count_level(const char *level)
{
        size_t n = 0;

        for (size_t i = 0; i < nrows; i++)
                n += !strcmp(rows[i].level, level);
        return n;
}

static void
csv_is_what_we_think(void **state)
{
        (void)state;
        assert_int_equal(nrows, 356);
        assert_int_equal(count_level("kabupaten"), 1);
        assert_int_equal(count_level("kecamatan"), 29);
        assert_int_equal(count_level("desa"), 326);
        assert_string_equal(rows[0].code, "36.04");
}

/* ---- shapes ----------------------------------------------------------------
 */

static void
every_csv_code_is_well_formed(void **state)
{
        char out[REGION_BUF];

        (void)state;
        for (size_t i = 0; i < nrows; i++) {
                const char *c = rows[i].code;
                expect_err(c, check(c), 0);
                expect_err(c, region_copy(out, c, strlen(c)), 0);
                assert_string_equal(out, c);
                /* The level from the code agrees with the CSV's tingkat. */
                assert_string_equal(region_level_name(region_level(c)),
                                    rows[i].level);
        }
}

static void
bad_shapes_are_refused(void **state)
{
        static const struct {
                const char *name;
                const char *s;
        } cases[] = {
            {"empty", ""},
            {"one digit", "3"},
            {"three digits", "360"},
            {"short kabupaten part", "36.4"},
            {"long kabupaten part", "36.004"},
            {"trailing dot", "36.04."},
            {"leading dot", ".36.04"},
            {"double dot", "36..04"},
            {"short kecamatan part", "36.04.1"},
            {"short desa part", "36.04.12.200"},
            {"long desa part", "36.04.12.20021"},
            {"fifth part", "36.04.12.2002.1"},
            {"desa trailing dot", "36.04.12.2002."},
            {"letters", "ab.cd"},
            {"letter in desa", "36.04.12.200a"},
            {"space", "36.04 "},
            {"comma", "36,04"},
            {"dash", "36-04"},
            {"sign", "+6.04"},
            {"14 chars", "36.04.12.20020"},
            {"20 chars", "36.04.12.2002.36.04"},
            {"high byte", "36.0\xb4"},
        };
        char out[REGION_BUF] = "untouched";

        (void)state;
        for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
                expect_err(cases[i].name, check(cases[i].s), ERR_REGION);
                expect_err(cases[i].name,
                           region_copy(out, cases[i].s, strlen(cases[i].s)),
                           ERR_REGION);
        }
        /* A failed copy leaves out alone. */
        assert_string_equal(out, "untouched");
        /* The length is the caller's: a good prefix of a longer string. */
        expect_err("prefix of a longer string", region_check("36.04xx", 5), 0);
        expect_err("NUL inside the length", region_check("36\0.04", 6),
                   ERR_REGION);
        expect_err("longest good", check("36.04.12.2002"), 0);
        expect_err("provinsi", check("36"), 0);
}

static void
levels_and_parents(void **state)
{
        static const struct {
                const char *code;
                int level;
                const char *parent; /* NULL: none */
        } cases[] = {
            {"36", REGION_PROVINSI, NULL},
            {"36.04", REGION_KABUPATEN, "36"},
            {"36.04.12", REGION_KECAMATAN, "36.04"},
            {"36.04.12.2002", REGION_DESA, "36.04.12"},
        };
        char out[REGION_BUF];

        (void)state;
        for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
                const char *c = cases[i].code;
                assert_int_equal(region_level(c), cases[i].level);
                if (!cases[i].parent) {
                        expect_err(c, region_parent(c, out), ERR_NOT_FOUND);
                        continue;
                }
                expect_err(c, region_parent(c, out), 0);
                assert_string_equal(out, cases[i].parent);
        }
        assert_string_equal(region_level_name(0), "?");
        assert_string_equal(region_level_name(5), "?");
        /* Every CSV code's parent is in the CSV, except the kabupaten's. */
        for (size_t i = 1; i < nrows; i++) {
                bool found = false;
                expect_err(rows[i].code, region_parent(rows[i].code, out), 0);
                for (size_t j = 0; j < nrows && !found; j++)
                        found = !strcmp(rows[j].code, out);
                expect_bool(rows[i].code, found, true);
        }
}

static void
covers_only_at_dot_boundaries(void **state)
{
        static const struct {
                const char *anc, *code;
                bool want;
        } cases[] = {
            {"36", "36", true},
            {"36", "36.04", true},
            {"36", "36.04.12.2002", true},
            {"36.04", "36.04.12", true},
            {"36.04.12", "36.04.12.2002", true},
            {"36.04.12.2002", "36.04.12.2002", true},
            {"36.04.12", "36.04.120", false},
            {"36.04.12", "36.04.1201", false},
            {"36.04.1", "36.04.12", false},
            {"36.04.12.200", "36.04.12.2002", false},
            {"36.04.12", "36.04", false},
            {"36.04.12.2002", "36.04.12", false},
            {"36.04.12", "36.04.13.2001", false},
            {"36.04", "36.040", false},
            {"36", "37.04", false},
            {"36", "3", false},
        };

        (void)state;
        for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
                char name[160];
                snprintf(name, sizeof(name), "covers(%s, %s)", cases[i].anc,
                         cases[i].code);
                expect_bool(name, region_covers(cases[i].anc, cases[i].code),
                            cases[i].want);
        }
}

/* ---- audiences
 * --------------------------------------------------------------- */

static void
audience_round_trip(void **state)
{
        static const char *const texts[] = {
            "tree:36",
            "tree:36.04",
            "tree:36.04.12",
            "tree:36.04.12.2002",
            "path:36.04.12.2002:36.04",
            "path:36.04.12.2002:36.04.12",
            "path:36.04.12.2002:36",
            "path:36.04.12:36.04",
            "path:36.04:36",
        };
        char out[40];

        (void)state;
        for (size_t i = 0; i < ARRAY_LEN(texts); i++) {
                struct audience a = test_audience(texts[i]), b;
                audience_format(&a, out);
                assert_string_equal(out, texts[i]);
                expect_err(texts[i], audience_parse(&b, out), 0);
                expect_bool(texts[i], audience_eq(&a, &b), true);
                expect_err(texts[i], audience_check(&a), 0);
        }
        /* The longest text fits the 40 bytes with room to spare. */
        struct audience a = test_audience("path:36.04.12.2002:36.04.12");
        audience_format(&a, out);
        assert_true(strlen(out) < 40);
        assert_int_equal(a.type, AUDIENCE_PATH);
        assert_string_equal(a.origin, "36.04.12.2002");
        assert_string_equal(a.target, "36.04.12");
        a = test_audience("tree:36.04");
        assert_int_equal(a.type, AUDIENCE_TREE);
        assert_string_equal(a.origin, "");
        expect_bool("tree != path", audience_eq(&a, &(struct audience){0}),
                    false);
}

static void
audience_refusals(void **state)
{
        static const struct {
                const char *name, *text;
                int want;
        } cases[] = {
            {"empty", "", ERR_AUDIENCE_SHAPE},
            {"no type", "36.04", ERR_AUDIENCE_SHAPE},
            {"unknown type", "star:36.04", ERR_AUDIENCE_SHAPE},
            {"upper case", "TREE:36.04", ERR_AUDIENCE_SHAPE},
            {"tree empty code", "tree:", ERR_REGION},
            {"tree bad code", "tree:36.4", ERR_REGION},
            {"tree trailing space", "tree:36.04 ", ERR_REGION},
            {"tree second code", "tree:36.04:36", ERR_REGION},
            {"tree long code", "tree:36.04.12.20021", ERR_REGION},
            {"path one code", "path:36.04.12.2002", ERR_AUDIENCE_SHAPE},
            {"path bad origin", "path:36.04.12.200:36.04", ERR_REGION},
            {"path bad target", "path:36.04.12.2002:36.4", ERR_REGION},
            {"path empty origin", "path::36.04", ERR_REGION},
            {"path empty target", "path:36.04.12.2002:", ERR_REGION},
            {"path third code", "path:36.04.12.2002:36.04:36", ERR_REGION},
            {"path O == T", "path:36.04:36.04", ERR_AUDIENCE_SHAPE},
            {"path O above T", "path:36.04:36.04.12", ERR_AUDIENCE_SHAPE},
            {"path O beside T", "path:36.04.12.2002:36.04.13",
             ERR_AUDIENCE_SHAPE},
            {"path O not at a dot under T", "path:36.04.120:36.04.12",
             ERR_REGION},
            {"path O in another kabupaten", "path:36.03.12.2002:36.04",
             ERR_AUDIENCE_SHAPE},
        };

        (void)state;
        for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
                struct audience a;
                expect_err(cases[i].name, audience_parse(&a, cases[i].text),
                           cases[i].want);
        }
}

static void
audience_check_on_structs(void **state)
{
        struct audience a;

        (void)state;
        a = test_audience("tree:36.04");
        strcpy(a.origin, "36.04.12");
        expect_err("tree with an origin", audience_check(&a),
                   ERR_AUDIENCE_SHAPE);
        a = test_audience("tree:36.04");
        a.type = 2;
        expect_err("type 2", audience_check(&a), ERR_AUDIENCE_SHAPE);
        a = test_audience("tree:36.04");
        memset(a.target, '1', sizeof(a.target)); /* no NUL at all */
        expect_err("unterminated target", audience_check(&a), ERR_REGION);
        a = test_audience("path:36.04.12:36.04");
        strcpy(a.origin, "36.04.12.");
        expect_err("bad origin", audience_check(&a), ERR_REGION);
}

/* ---- entitlement over the whole CSV ----------------------------------------
 */

/* How many CSV codes does the audience contain? */
static size_t
count_entitled(const struct audience *a)
{
        size_t n = 0;

        for (size_t i = 0; i < nrows; i++)
                n += audience_contains(a, rows[i].code);
        return n;
}

static bool
has_prefix(const char *s, const char *p)
{
        return !strncmp(s, p, strlen(p));
}

static void
tree_kabupaten_entitles_everyone(void **state)
{
        struct audience a = test_audience("tree:36.04");

        (void)state;
        for (size_t i = 0; i < nrows; i++)
                expect_bool(rows[i].code, audience_contains(&a, rows[i].code),
                            true);
        assert_int_equal(count_entitled(&a), nrows);
        expect_bool("provinsi 36", audience_contains(&a, "36"), true);
        expect_bool("other kabupaten", audience_contains(&a, "36.03"), false);
        expect_bool("other provinsi", audience_contains(&a, "35"), false);
}

static void
tree_kecamatan_entitles_its_subtree_and_ancestors(void **state)
{
        size_t kecamatan = 0;

        (void)state;
        for (size_t k = 0; k < nrows; k++) {
                char text[64], prefix[REGION_BUF + 1];
                size_t ndesa = 0;
                struct audience a;

                if (strcmp(rows[k].level, "kecamatan"))
                        continue;
                kecamatan++;
                snprintf(text, sizeof(text), "tree:%.31s", rows[k].code);
                snprintf(prefix, sizeof(prefix), "%.15s.", rows[k].code);
                a = test_audience(text);
                for (size_t i = 0; i < nrows; i++) {
                        const char *c = rows[i].code;
                        bool own_desa = !strcmp(rows[i].level, "desa") &&
                                        has_prefix(c, prefix);
                        bool want = own_desa || i == k || !strcmp(c, "36.04");
                        char name[160];

                        ndesa += own_desa;
                        snprintf(name, sizeof(name), "%s contains %s", text, c);
                        expect_bool(name, audience_contains(&a, c), want);
                }
                assert_true(ndesa > 0);
                /* That kecamatan, its desa and the kabupaten; no one else. */
                assert_int_equal(count_entitled(&a), ndesa + 2);
                expect_bool(text, audience_contains(&a, "36"), true);
        }
        assert_int_equal(kecamatan, 29);
        /* Pontang: 11 desa (2005 and 2007 are gaps), so 13 in the CSV. */
        struct audience p = test_audience("tree:36.04.12");
        assert_int_equal(count_entitled(&p), 13);
}

static void
path_desa_kabupaten_entitles_the_path_only(void **state)
{
        size_t ndesa = 0;

        (void)state;
        for (size_t d = 0; d < nrows; d++) {
                char text[64], kec[REGION_BUF];
                struct audience a;

                if (strcmp(rows[d].level, "desa"))
                        continue;
                ndesa++;
                snprintf(text, sizeof(text), "path:%.31s:36.04", rows[d].code);
                a = test_audience(text);
                memcpy(kec, rows[d].code, 8); /* "36.04.KK" */
                kec[8] = 0;
                for (size_t i = 0; i < nrows; i++) {
                        const char *c = rows[i].code;
                        bool want =
                            i == d || !strcmp(c, kec) || !strcmp(c, "36.04");
                        char name[160];
                        /* Bounded as the row is (code[32]): gcc for arm
                         * sees only a pointer into rows[] and warns
                         * -Wformat-truncation otherwise. */
                        snprintf(name, sizeof(name), "%s contains %.31s", text,
                                 c);
                        expect_bool(name, audience_contains(&a, c), want);
                }
                assert_int_equal(count_entitled(&a), 3);
                /* Above T is outside the path. */
                expect_bool(text, audience_contains(&a, "36"), false);
        }
        assert_int_equal(ndesa, 326);
        /* path up to a kecamatan: the desa and the kecamatan only. */
        struct audience k = test_audience("path:36.04.12.2002:36.04.12");
        assert_int_equal(count_entitled(&k), 2);
        expect_bool("kabupaten outside path to kecamatan",
                    audience_contains(&k, "36.04"), false);
}

static void
tree_desa_entitles_the_desa_and_its_ancestors(void **state)
{
        struct audience a = test_audience("tree:36.04.12.2002");

        (void)state;
        assert_int_equal(count_entitled(&a), 3);
        expect_bool("self", audience_contains(&a, "36.04.12.2002"), true);
        expect_bool("kecamatan", audience_contains(&a, "36.04.12"), true);
        expect_bool("sibling", audience_contains(&a, "36.04.12.2001"), false);
}

/* ---- authoring
 * --------------------------------------------------------------- */

static void
authoring_table(void **state)
{
        static const struct {
                const char *name, *author, *audience;
                int want;
        } cases[] = {
            {"desa writes lateral news to its kecamatan", "36.04.12.2002",
             "tree:36.04.12", 0},
            {"desa writes tree(kabupaten)", "36.04.12.2002", "tree:36.04",
             ERR_AUTHOR_RULE},
            {"desa writes tree(provinsi)", "36.04.12.2002", "tree:36",
             ERR_AUTHOR_RULE},
            {"desa writes tree(another kecamatan)", "36.04.12.2002",
             "tree:36.04.13", ERR_AUTHOR_RULE},
            {"desa writes tree(itself)", "36.04.12.2002", "tree:36.04.12.2002",
             0},
            {"desa writes tree(sibling desa)", "36.04.12.2002",
             "tree:36.04.12.2001", ERR_AUTHOR_RULE},
            {"desa writes its aspiration path", "36.04.12.2002",
             "path:36.04.12.2002:36.04", 0},
            {"sibling desa writes another desa's path", "36.04.12.2001",
             "path:36.04.12.2002:36.04", ERR_AUTHOR_RULE},
            {"desa of another kecamatan writes the path", "36.04.13.2001",
             "path:36.04.12.2002:36.04", ERR_AUTHOR_RULE},
            {"kecamatan writes tree(its parent kabupaten)", "36.04.12",
             "tree:36.04", 0},
            {"kecamatan writes tree(itself)", "36.04.12", "tree:36.04.12", 0},
            {"kecamatan writes tree(its desa)", "36.04.12",
             "tree:36.04.12.2002", 0},
            {"kecamatan writes tree(another kecamatan)", "36.04.12",
             "tree:36.04.13", ERR_AUTHOR_RULE},
            {"kecamatan writes tree(a desa of another)", "36.04.12",
             "tree:36.04.13.2001", ERR_AUTHOR_RULE},
            {"kecamatan writes tree(provinsi)", "36.04.12", "tree:36",
             ERR_AUTHOR_RULE},
            {"kecamatan answers on its desa's path", "36.04.12",
             "path:36.04.12.2002:36.04", 0},
            {"kecamatan writes another kecamatan's path", "36.04.13",
             "path:36.04.12.2002:36.04", ERR_AUTHOR_RULE},
            {"kabupaten answers an aspiration", "36.04",
             "path:36.04.12.2002:36.04", 0},
            {"kabupaten writes tree(itself)", "36.04", "tree:36.04", 0},
            {"kabupaten writes tree(one kecamatan)", "36.04", "tree:36.04.12",
             0},
            {"kabupaten writes tree(one desa)", "36.04", "tree:36.04.12.2002",
             0},
            {"kabupaten writes tree(provinsi)", "36.04", "tree:36", 0},
            {"kabupaten writes a path ending below it", "36.04",
             "path:36.04.12.2002:36.04.12", ERR_AUTHOR_RULE},
            {"provinsi writes a path ending below it", "36",
             "path:36.04.12.2002:36.04", ERR_AUTHOR_RULE},
            {"other kabupaten writes tree(36.04)", "36.03", "tree:36.04",
             ERR_AUTHOR_RULE},
            {"malformed author, prefix of T", "36.04.1", "tree:36.04.12",
             ERR_AUTHOR_RULE},
        };

        (void)state;
        for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
                struct audience a = test_audience(cases[i].audience);
                expect_err(cases[i].name,
                           audience_may_author(&a, cases[i].author),
                           cases[i].want);
        }
}

/* Every audience an author may write contains the author (DESIGN §5). */
static void
authors_are_in_their_audiences(void **state)
{
        size_t allowed = 0;

        (void)state;
        for (size_t t = 0; t < nrows; t++) {
                char text[64];
                struct audience tree;

                snprintf(text, sizeof(text), "tree:%.31s", rows[t].code);
                tree = test_audience(text);
                for (size_t i = 0; i < nrows; i++) {
                        const char *author = rows[i].code;
                        if (audience_may_author(&tree, author))
                                continue;
                        allowed++;
                        expect_bool(author, audience_contains(&tree, author),
                                    true);
                }
                if (strcmp(rows[t].level, "desa"))
                        continue;
                snprintf(text, sizeof(text), "path:%.31s:36.04", rows[t].code);
                struct audience path = test_audience(text);
                for (size_t i = 0; i < nrows; i++) {
                        const char *author = rows[i].code;
                        expect_bool(author,
                                    audience_may_author(&path, author) == 0,
                                    audience_contains(&path, author));
                }
        }
        /*
         * Writers of tree(T) in the CSV: T's ancestors-or-self (36.04: 1,
         * each kecamatan: 2, each desa: 3) plus T's children (lateral news:
         * the 29 kecamatan for 36.04, and every desa for its kecamatan).
         */
        assert_int_equal(allowed, (1 + 29) + (29 * 2 + 326) + 326 * 3);
}

int
main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(csv_is_what_we_think),
            cmocka_unit_test(every_csv_code_is_well_formed),
            cmocka_unit_test(bad_shapes_are_refused),
            cmocka_unit_test(levels_and_parents),
            cmocka_unit_test(covers_only_at_dot_boundaries),
            cmocka_unit_test(audience_round_trip),
            cmocka_unit_test(audience_refusals),
            cmocka_unit_test(audience_check_on_structs),
            cmocka_unit_test(tree_kabupaten_entitles_everyone),
            cmocka_unit_test(tree_kecamatan_entitles_its_subtree_and_ancestors),
            cmocka_unit_test(path_desa_kabupaten_entitles_the_path_only),
            cmocka_unit_test(tree_desa_entitles_the_desa_and_its_ancestors),
            cmocka_unit_test(authoring_table),
            cmocka_unit_test(authors_are_in_their_audiences),
        };
        return cmocka_run_group_tests(tests, csv_load, NULL);
}
