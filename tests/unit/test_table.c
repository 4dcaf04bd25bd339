/*
 * test_table: the rows of exports (src/app/table.c) on real nodes — a
 * desa's reports carried by hand to the kabupaten's LMDB store, steps
 * made there — read back through a sink that renders each row as CSV:
 * what personal data shows where (a reporter; never an anonim one; a
 * rahasia report's content only where it opens and only with personal),
 * the timeline rows, the filters, and a sink's error ending the walk.
 */
#include <setjmp.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../src/app/app.h"
#include "testlib.h"

#define KAB "36.04"
#define DESA "36.04.12.2002"

struct fix {
        char tmp[TEST_DIR_MAX];
        struct node desa, kab;
        uint8_t r1[ENTRY_HASH_BYTES], r2[ENTRY_HASH_BYTES],
            r3[ENTRY_HASH_BYTES];
};

/* What a sink was given: each table as CSV, and its rows. */
struct got {
        struct buf csv[2];
        size_t rows[2];
        size_t fail_at; /* nonzero: the row that fails with -EIO */
};

static int
got_columns(void *ctx, size_t table, const char *name, const char *const *cols,
            size_t n)
{
        struct got *g = ctx;
        struct export_cell c[EXPORT_COLUMNS_MAX];

        (void)name;
        assert_true(table < 2 && n <= EXPORT_COLUMNS_MAX);
        for (size_t i = 0; i < n; i++)
                c[i] = export_text(slice_cstr(cols[i]));
        export_csv_record(&g->csv[table], c, n);
        return 0;
}

static int
got_row(void *ctx, size_t table, const struct export_cell *cells, size_t n)
{
        struct got *g = ctx;

        if (g->fail_at && g->rows[0] + g->rows[1] + 1 == g->fail_at)
                return -EIO;
        export_csv_record(&g->csv[table], cells, n);
        g->rows[table]++;
        return 0;
}

static void
got_release(struct got *g)
{
        buf_release(&g->csv[0]);
        buf_release(&g->csv[1]);
        memset(g, 0, sizeof(*g));
}

/* Where s is in b, or NULL. */
static const char *
find(const struct buf *b, const char *s, size_t n)
{
        for (size_t i = 0; i + n <= b->len; i++)
                if (!memcmp(b->data + i, s, n))
                        return (const char *)b->data + i;
        return NULL;
}

static bool
has(const struct got *g, size_t table, const char *s)
{
        return find(&g->csv[table], s, strlen(s)) != NULL;
}

/* The line of table 0 that starts with report id's hex (NUL-ended copy). */
static char *
line_of(const struct got *g, const uint8_t id[ENTRY_HASH_BYTES], char *out,
        size_t cap)
{
        char hex[65];
        const char *p, *end;

        hex_encode(hex, id, ENTRY_HASH_BYTES);
        p = find(&g->csv[0], hex, 64);
        assert_non_null(p);
        end = strstr(p, "\r\n");
        assert_non_null(end);
        snprintf(out, cap, "%.*s", (int)(end - p), p);
        return out;
}

static void
node_make(const char *tmp, const char *name, const char *region, struct node *n)
{
        char dir[128], path[192], msg[512];
        struct config c;

        snprintf(dir, sizeof(dir), "%s/%s", tmp, name);
        assert_int_equal(node_mkdirs(dir), 0);
        config_defaults(&c);
        strcpy(c.region, region);
        snprintf(c.name, sizeof(c.name), "Node %s", name);
        c.map_size_mib = 16;
        c.log_level = LOG_ERROR;
        snprintf(path, sizeof(path), "%s/%s", dir, NODE_CONFIG_FILE);
        assert_int_equal(config_write_new(path, &c), 0);
        snprintf(path, sizeof(path), "%s/%s", dir, NODE_KEY_FILE);
        assert_int_equal(key_create_file(path), 0);
        if (node_open(n, dir, NODE_OPEN_KEY, msg))
                fail_msg("node_open: %s", msg);
        assert_int_equal(node_restored_set(n, false), 0);
}

static void
carry(struct node *from, struct node *to, const uint8_t id[32])
{
        struct buf bytes = BUF_INIT;
        struct store_txn *t;
        struct ingest_stats st;
        struct slice in;
        int res;

        assert_int_equal(store_begin(from->store, false, &t), 0);
        assert_int_equal(store_get_by_id(t, id, ENTRY_HASH_BYTES, &bytes), 0);
        store_abort(t);
        in = buf_slice(&bytes);
        assert_int_equal(
            replica_ingest(&to->replica, &in, 1, "test", &res, &st), 0);
        expect_err("carried", res, 0);
        buf_release(&bytes);
}

/* A report from the desa to the kabupaten, sealed to its key. */
static void
report(struct fix *f, uint32_t kind, const char *title, const char *category,
       const char *who, bool anonim, bool rahasia, uint8_t id[32])
{
        struct app_post p;
        char msg[APP_ERR_MAX];

        memset(&p, 0, sizeof(p));
        p.body.kind = kind;
        p.body.has_handler = p.body.has_title = p.body.has_text = true;
        strcpy(p.body.handler, KAB);
        p.body.title = slice_cstr(title);
        p.body.text = slice_cstr("Isi laporan, dengan koma.");
        p.body.has_category = true;
        p.body.category = slice_cstr(category);
        p.body.anonim = anonim;
        p.body.rahasia = rahasia;
        p.has_reporter = true;
        p.reporter.name = slice_cstr(who);
        p.reporter.contact = slice_cstr("0812-0000");
        p.to = f->kab.key->pk;
        p.n_to = 1;
        if (app_post(&f->desa, &p, id, msg))
                fail_msg("app_post: %s", msg);
        carry(&f->desa, &f->kab, id);
}

static int
setup(void **state)
{
        struct fix *f = xcalloc(1, sizeof(*f));
        struct app_step st;
        struct app_post p;
        char msg[APP_ERR_MAX];

        if (entry_lib_init() || test_dir_make(f->tmp, "table"))
                return -1;
        log_set_level(LOG_ERROR);
        node_make(f->tmp, "desa", DESA, &f->desa);
        node_make(f->tmp, "kab", KAB, &f->kab);
        report(f, KIND_ASPIRASI, "Jalan rusak", "jalan", "Budi", false, false,
               f->r1);
        report(f, KIND_ASPIRASI, "Lampu mati", "listrik", "Citra", true, false,
               f->r2);
        report(f, KIND_PENGADUAN, "Pungutan liar", "administrasi", "Ani", false,
               true, f->r3);
        memset(&st, 0, sizeof(st));
        st.step = "diverifikasi";
        st.method = "telepon";
        st.result = "valid";
        if (app_report_step(&f->kab, f->r1, ENTRY_HASH_BYTES, &st, NULL, msg))
                fail_msg("verify: %s", msg);
        memset(&st, 0, sizeof(st));
        st.step = "tanggapan";
        st.text = "=Segera diperbaiki";
        if (app_report_step(&f->kab, f->r1, ENTRY_HASH_BYTES, &st, NULL, msg))
                fail_msg("respond: %s", msg);
        memset(&p, 0, sizeof(p));
        p.body.kind = KIND_INFORMASI;
        p.body.has_title = p.body.has_text = true;
        p.body.title = slice_cstr("Posyandu");
        p.body.text = slice_cstr("Sabtu pagi.");
        p.has_audience = true;
        p.audience = test_audience("tree:" KAB);
        if (app_post(&f->kab, &p, NULL, msg))
                fail_msg("informasi: %s", msg);
        *state = f;
        return 0;
}

static int
teardown(void **state)
{
        struct fix *f = *state;

        node_close(&f->desa);
        node_close(&f->kab);
        test_rm_tree(f->tmp);
        free(f);
        log_set_level(LOG_INFO);
        return 0;
}

static int
reports(struct node *n, const struct app_table_filter *flt, struct got *g)
{
        struct app_table_sink s = {
            .columns = got_columns, .row = got_row, .ctx = g};
        struct app_table_stats st;
        char msg[APP_ERR_MAX];
        int err = app_table_reports(n, flt, &s, &st, msg);

        if (!err) {
                assert_int_equal(st.rows[0], g->rows[0]);
                assert_int_equal(st.rows[1], g->rows[1]);
        }
        return err;
}

static void
personal_where_it_may_show(void **state)
{
        struct fix *f = *state;
        struct app_table_filter flt = {.personal = true};
        struct got g = {0};
        char line[1024];

        assert_int_equal(reports(&f->kab, &flt, &g), 0);
        assert_int_equal(g.rows[0], 3);
        assert_true(has(&g, 0, "reporter_name,reporter_contact"));
        line_of(&g, f->r1, line, sizeof(line));
        assert_non_null(strstr(line, ",Budi,0812-0000,"));
        /* No certificate held here names the desa (no network): no
         * names; the integration test has them. */
        assert_non_null(strstr(line, ",36.04.12.2002,,,36.04,"));
        assert_non_null(strstr(line, ",diverifikasi,valid,jalan,"));
        assert_non_null(strstr(line, ",'=Segera diperbaiki,")); /* OWASP */
        line_of(&g, f->r2, line, sizeof(line));
        assert_non_null(strstr(line, ",true,false,")); /* anonim */
        assert_false(has(&g, 0, "Citra"));
        line_of(&g, f->r3, line, sizeof(line));
        assert_non_null(strstr(line, ",Pungutan liar,"));
        assert_non_null(strstr(line, ",Ani,"));
        /* The timeline: the verification and the response of r1. */
        assert_int_equal(g.rows[1], 2);
        assert_true(has(&g, 1, ",diverifikasi,"));
        assert_true(has(&g, 1, ",telepon,valid,"));
        assert_true(has(&g, 1, ",tanggapan,"));
        got_release(&g);

        /* Without personal: no reporter, the rahasia content sealed. */
        flt.personal = false;
        assert_int_equal(reports(&f->kab, &flt, &g), 0);
        assert_false(has(&g, 0, "Budi") || has(&g, 0, "Ani") ||
                     has(&g, 0, "Pungutan"));
        line_of(&g, f->r3, line, sizeof(line));
        assert_non_null(strstr(line, "," APP_SEALED_TEXT ","));
        got_release(&g);

        /* The author cannot open what it sealed to the kabupaten. */
        flt.personal = true;
        assert_int_equal(reports(&f->desa, &flt, &g), 0);
        assert_int_equal(g.rows[0], 3);
        assert_false(has(&g, 0, "Budi") || has(&g, 0, "Ani") ||
                     has(&g, 0, "Pungutan"));
        got_release(&g);
}

static void
filters(void **state)
{
        struct fix *f = *state;
        struct app_table_filter flt;
        struct got g = {0};
        struct app_table_sink s = {
            .columns = got_columns, .row = got_row, .ctx = &g};
        struct app_table_stats st;
        char msg[APP_ERR_MAX];

        memset(&flt, 0, sizeof(flt));
        flt.category = "jalan";
        assert_int_equal(reports(&f->kab, &flt, &g), 0);
        assert_int_equal(g.rows[0], 1);
        assert_int_equal(g.rows[1], 2);
        got_release(&g);
        memset(&flt, 0, sizeof(flt));
        flt.status = "diajukan";
        flt.kind = KIND_ASPIRASI;
        assert_int_equal(reports(&f->kab, &flt, &g), 0);
        assert_int_equal(g.rows[0], 1); /* r2 */
        got_release(&g);
        memset(&flt, 0, sizeof(flt));
        flt.region = "36.04.05";
        assert_int_equal(reports(&f->kab, &flt, &g), 0);
        assert_int_equal(g.rows[0], 0);
        got_release(&g);
        memset(&flt, 0, sizeof(flt));
        flt.since_ms = node_now_ms(&f->kab) + 60000;
        assert_int_equal(reports(&f->kab, &flt, &g), 0);
        assert_int_equal(g.rows[0], 0);
        got_release(&g);

        memset(&flt, 0, sizeof(flt));
        flt.status = "bogus";
        expect_err("bad status", reports(&f->kab, &flt, &g), ERR_USAGE);
        got_release(&g);
        memset(&flt, 0, sizeof(flt));
        flt.category = "Not A Word";
        expect_err("bad category", reports(&f->kab, &flt, &g), ERR_USAGE);
        got_release(&g);
        memset(&flt, 0, sizeof(flt));
        flt.kind = KIND_INFORMASI;
        expect_err("announcement kind for reports", reports(&f->kab, &flt, &g),
                   ERR_USAGE);
        got_release(&g);

        memset(&flt, 0, sizeof(flt));
        assert_int_equal(app_table_announcements(&f->kab, &flt, &s, &st, msg),
                         0);
        assert_int_equal(st.rows[0], 1);
        assert_true(has(&g, 0, ",informasi,"));
        assert_true(has(&g, 0, ",Posyandu,"));
        got_release(&g);
        flt.overdue = true;
        expect_err("overdue for announcements",
                   app_table_announcements(&f->kab, &flt, &s, &st, msg),
                   ERR_USAGE);
        got_release(&g);
}

static void
sink_error_stops(void **state)
{
        struct fix *f = *state;
        struct app_table_filter flt = {.personal = true};
        struct got g = {.fail_at = 2};

        expect_err("the sink's error", reports(&f->kab, &flt, &g), -EIO);
        assert_int_equal(g.rows[0] + g.rows[1], 1);
        got_release(&g);
}

int
main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(personal_where_it_may_show),
            cmocka_unit_test(filters),
            cmocka_unit_test(sink_error_stops),
        };
        return cmocka_run_group_tests(tests, setup, teardown);
}
