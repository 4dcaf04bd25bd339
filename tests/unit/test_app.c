/*
 * test_app: the operations of src/app on real nodes — keys, LMDB stores
 * and config files in a mkdtemp directory, entries carried between them by
 * hand: posting every kind (app_post), sealing to the handler's nodes
 * through a relay, reports held without their body, report steps, the
 * views read back as structs (app_report_get, app_reports_list), the
 * counts of /metrics, and posts from two threads at once.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pthread.h>

#include <cmocka.h>

#include "../../src/app/app.h"
#include "testlib.h"

#define KAB "36.04"
#define KEC "36.04.12"
#define DESA "36.04.12.2002"

struct nodes {
        char tmp[64];
        struct node desa, kec, kab;
};

static void
node_make(const char *tmp, const char *name, const char *region, struct node *n)
{
        char dir[128], path[192], msg[512];
        struct config c;

        snprintf(dir, sizeof(dir), "%s/%s", tmp, name);
        assert_int_equal(node_mkdirs(dir), 0);
        config_defaults(&c);
        strcpy(c.region, region);
        strcpy(c.name, name);
        c.map_size_mib = 16;
        c.log_level = LOG_ERROR;
        snprintf(path, sizeof(path), "%s/%s", dir, NODE_CONFIG_FILE);
        assert_int_equal(config_write_new(path, &c), 0);
        snprintf(path, sizeof(path), "%s/%s", dir, NODE_KEY_FILE);
        assert_int_equal(key_create_file(path), 0);
        if (node_open(n, dir, NODE_OPEN_KEY, msg))
                fail_msg("node_open: %s", msg);
        /* A new key with a new store, as simpul init makes them. */
        assert_int_equal(node_restored_set(n, false), 0);
}

static int
nodes_setup(void **state)
{
        struct nodes *ns = xcalloc(1, sizeof(*ns));

        if (test_dir_make(ns->tmp, "kim-nodes"))
                return -1;
        log_set_level(LOG_ERROR);
        node_make(ns->tmp, "desa", DESA, &ns->desa);
        node_make(ns->tmp, "kec", KEC, &ns->kec);
        node_make(ns->tmp, "kab", KAB, &ns->kab);
        *state = ns;
        return 0;
}

static int
nodes_teardown(void **state)
{
        struct nodes *ns = *state;

        node_close(&ns->desa);
        node_close(&ns->kec);
        node_close(&ns->kab);
        test_rm_tree(ns->tmp);
        free(ns);
        log_set_level(LOG_INFO);
        return 0;
}

/* Copies the entry id from n's store into `to`'s (a sync, by hand). */
static void
carry(struct node *from, struct node *to, const uint8_t id[32],
      struct buf *bytes)
{
        struct store_txn *t;
        struct ingest_stats st;
        int res;

        assert_int_equal(store_begin(from->store, false, &t), 0);
        assert_int_equal(store_get_by_id(t, id, ENTRY_HASH_BYTES, bytes), 0);
        store_abort(t);
        {
                struct slice in = buf_slice(bytes);
                assert_int_equal(
                    replica_ingest(&to->replica, &in, 1, "test", &res, &st), 0);
        }
        expect_err("carried", res, 0);
}

static bool
contains(struct slice hay, const char *needle)
{
        size_t n = strlen(needle);

        for (size_t i = 0; i + n <= hay.len; i++)
                if (!memcmp(hay.ptr + i, needle, n))
                        return true;
        return false;
}

static void
rahasia_through_a_relay(void **state)
{
        struct nodes *ns = *state;
        const char *secret = "Kepala dusun meminta pungutan liar 50 ribu.";
        struct app_post p;
        struct buf bytes = BUF_INIT, plain = BUF_INIT;
        struct entry e;
        struct kim_body b, content;
        struct kim_reporter r;
        struct seal_ctx at;
        uint8_t id[ENTRY_HASH_BYTES];
        char msg[APP_ERR_MAX];

        memset(&p, 0, sizeof(p));
        p.body.kind = KIND_PENGADUAN;
        p.body.has_handler = true;
        strcpy(p.body.handler, KAB);
        p.body.has_title = true;
        p.body.title = slice_cstr("Pungutan liar");
        p.body.has_text = true;
        p.body.text = slice_cstr(secret);
        p.body.rahasia = true;
        p.has_reporter = true;
        p.reporter.name = slice_cstr("Siti");
        p.reporter.contact = slice_cstr("0812-1111-2222");
        /* No network: no certificates to find recipients in. */
        expect_err("nobody to seal to", app_post(&ns->desa, &p, id, msg),
                   ERR_KIM_SEALED);
        assert_non_null(strstr(msg, KAB));
        p.to = ns->kab.key->pk;
        p.n_to = 1;
        if (app_post(&ns->desa, &p, id, msg))
                fail_msg("app_post: %s", msg);

        /* The relay stores and forwards it; it holds ciphertext only. */
        carry(&ns->desa, &ns->kec, id, &bytes);
        assert_int_equal(entry_open(buf_slice(&bytes), &e), 0);
        assert_false(contains(buf_slice(&bytes), secret));
        assert_false(contains(buf_slice(&bytes), "Siti"));
        assert_false(contains(buf_slice(&bytes), "Pungutan"));
        assert_int_equal(kim_check_entry(&e, &b), 0);
        seal_ctx_of(&e, &at);
        assert_true(b.rahasia && !b.has_title && !b.has_text);
        assert_string_equal(b.handler, KAB);
        assert_string_equal(e.h.audience.origin, DESA);
        assert_string_equal(e.h.audience.target, KAB);
        expect_err(
            "relay reads content",
            seal_open(ns->kec.key, &b.sealed, &at, SEAL_FIELD_SEALED, &plain),
            ERR_KIM_SEALED);
        expect_err("relay reads reporter",
                   seal_open(ns->kec.key, &b.reporter, &at, SEAL_FIELD_REPORTER,
                             &plain),
                   ERR_KIM_SEALED);
        expect_err(
            "author reads content",
            seal_open(ns->desa.key, &b.sealed, &at, SEAL_FIELD_SEALED, &plain),
            ERR_KIM_SEALED);

        /* The handler reads both. */
        carry(&ns->kec, &ns->kab, id, &bytes);
        assert_int_equal(entry_open(buf_slice(&bytes), &e), 0);
        assert_int_equal(kim_check_entry(&e, &b), 0);
        seal_ctx_of(&e, &at);
        assert_int_equal(
            seal_open(ns->kab.key, &b.sealed, &at, SEAL_FIELD_SEALED, &plain),
            0);
        memset(&content, 0, sizeof(content));
        assert_int_equal(wire_kim_content_decode(buf_slice(&plain), &content),
                         0);
        assert_true(slice_eq(content.text, slice_cstr(secret)));
        assert_true(slice_eq(content.title, slice_cstr("Pungutan liar")));
        assert_int_equal(seal_open(ns->kab.key, &b.reporter, &at,
                                   SEAL_FIELD_REPORTER, &plain),
                         0);
        assert_int_equal(wire_kim_reporter_decode(buf_slice(&plain), &r), 0);
        assert_true(slice_eq(r.name, slice_cstr("Siti")));
        assert_true(slice_eq(r.contact, slice_cstr("0812-1111-2222")));
        buf_release(&bytes);
        buf_release(&plain);
}

/*
 * A report relayed pruned (proto/KIM.md §7): the handler lists it as
 * "isi belum diterima", may make no step on it, and once its body is
 * given back reads it and verifies it.
 */
static void
pruned_report_until_its_body_comes(void **state)
{
        struct nodes *ns = *state;
        struct app_post p;
        struct app_step st;
        struct app_report_filter f;
        struct buf bytes = BUF_INIT, pruned = BUF_INIT;
        struct ingest_stats is;
        struct entry e;
        struct envelope env;
        struct slice in;
        struct app_report r;
        struct app_reports l;
        uint8_t id[ENTRY_HASH_BYTES];
        char msg[APP_ERR_MAX];
        bool filled;
        int res;

        memset(&p, 0, sizeof(p));
        p.body.kind = KIND_ASPIRASI;
        p.body.has_handler = p.body.has_title = p.body.has_text = true;
        strcpy(p.body.handler, KAB);
        p.body.title = slice_cstr("Jembatan putus");
        p.body.text = slice_cstr("Sejak banjir Senin.");
        if (app_post(&ns->desa, &p, id, msg))
                fail_msg("app_post: %s", msg);
        carry(&ns->desa, &ns->kec, id, &bytes);
        assert_int_equal(entry_open(buf_slice(&bytes), &e), 0);
        env = e.env;
        env.has_body = false;
        wire_envelope_encode(&env, &pruned);
        in = buf_slice(&pruned);
        assert_int_equal(
            replica_ingest(&ns->kab.replica, &in, 1, "test", &res, &is), 0);
        expect_err("pruned stored", res, 0);

        assert_int_equal(
            app_report_get(&ns->kab, id, ENTRY_HASH_BYTES, 0, &r, msg), 0);
        assert_true(r.body_missing);
        assert_true(slice_eq(r.title, slice_cstr(APP_BODY_MISSING_TEXT)));
        assert_true(slice_eq(r.text, slice_cstr(APP_BODY_MISSING_TEXT)));
        assert_string_equal(r.v.state, "diajukan");
        assert_string_equal(r.v.handler, KAB);
        assert_int_equal(r.n_allowed, 0);
        app_report_release(&r);
        memset(&f, 0, sizeof(f));
        assert_int_equal(app_reports_list(&ns->kab, &f, &l, msg), 0);
        assert_int_equal(l.n, 1);
        assert_true(l.v[0].body_missing);
        app_reports_release(&l);
        memset(&st, 0, sizeof(st));
        st.step = "diverifikasi";
        st.method = "telepon";
        st.result = "valid";
        expect_err(
            "a step on what was not read",
            app_report_step(&ns->kab, id, ENTRY_HASH_BYTES, &st, NULL, msg),
            ERR_KIM_STEP);
        assert_non_null(strstr(msg, APP_BODY_MISSING_TEXT));

        assert_int_equal(replica_fill_body(&ns->kab.replica, e.feed, e.h.seq,
                                           e.env.body, "test", &filled),
                         0);
        assert_true(filled);
        assert_int_equal(
            app_report_get(&ns->kab, id, ENTRY_HASH_BYTES, 0, &r, msg), 0);
        assert_false(r.body_missing);
        assert_true(slice_eq(r.title, slice_cstr("Jembatan putus")));
        app_report_release(&r);
        if (app_report_step(&ns->kab, id, ENTRY_HASH_BYTES, &st, NULL, msg))
                fail_msg("app_report_step: %s", msg);
        buf_release(&bytes);
        buf_release(&pruned);
}

static void
post_every_kind(void **state)
{
        struct nodes *ns = *state;
        struct app_post p;
        struct buf bytes = BUF_INIT;
        struct entry e;
        struct kim_body b;
        uint8_t report[32], step[32], ann[32], rev[32], id[32], other[32];
        char msg[APP_ERR_MAX], aud[40];

        /* A report with defaults: handler from --to, category lainnya. */
        memset(&p, 0, sizeof(p));
        p.body.kind = KIND_ASPIRASI;
        p.has_audience = true;
        assert_int_equal(audience_parse(&p.audience, "path:" DESA ":" KEC), 0);
        p.body.has_title = p.body.has_text = true;
        p.body.title = slice_cstr("Lampu jalan mati");
        p.body.text = slice_cstr("Sudah seminggu.");
        if (app_post(&ns->desa, &p, report, msg))
                fail_msg("aspirasi: %s", msg);
        carry(&ns->desa, &ns->kec, report, &bytes);
        assert_int_equal(entry_open(buf_slice(&bytes), &e), 0);
        assert_int_equal(kim_check_entry(&e, &b), 0);
        assert_string_equal(b.handler, KEC);
        assert_true(slice_eq(b.category, slice_cstr("lainnya")));
        /* Without an audience: path(own region, handler). */
        p.has_audience = false;
        strcpy(p.body.handler, KAB);
        p.body.has_handler = true;
        assert_int_equal(app_post(&ns->desa, &p, other, msg), 0);
        /* A report to a tree: KIM-AUDIENCE, nothing stored. */
        p.has_audience = true;
        assert_int_equal(audience_parse(&p.audience, "tree:" KEC), 0);
        expect_err("report to a tree", app_post(&ns->desa, &p, id, msg),
                   ERR_KIM_AUDIENCE);

        /* A step at the kecamatan: its audience and after from the
         * report. */
        memset(&p, 0, sizeof(p));
        p.body.kind = KIND_STATUS;
        p.body.has_report = true;
        memcpy(p.body.report, report, 32);
        p.body.step = KIM_STEP_DIVERIFIKASI;
        p.body.result = KIM_RESULT_VALID;
        p.body.has_method = true;
        p.body.method = slice_cstr("survei lapangan");
        if (app_post(&ns->kec, &p, step, msg))
                fail_msg("status: %s", msg);
        carry(&ns->kec, &ns->desa, step, &bytes);
        assert_int_equal(entry_open(buf_slice(&bytes), &e), 0);
        assert_int_equal(kim_check_entry(&e, &b), 0);
        audience_format(&e.h.audience, aud);
        assert_string_equal(aud, "path:" DESA ":" KEC);
        assert_memory_equal(b.after, report, 32);
        /* The village may not verify; it may add information. */
        expect_err("village verifies", app_post(&ns->desa, &p, id, msg),
                   ERR_KIM_ROLE);
        p.body.step = KIM_STEP_TAMBAH_INFORMASI;
        p.body.has_after = true;
        memcpy(p.body.after, step, 32);
        assert_int_equal(app_post(&ns->desa, &p, id, msg), 0);
        /* after: a held entry that is not a step of this report. */
        memcpy(p.body.after, other, 32); /* the report to the kabupaten */
        expect_err("after another report", app_post(&ns->desa, &p, id, msg),
                   ERR_KIM_NOT_FOUND);
        memcpy(p.body.after, step, 32);
        /* A step naming what is not held. */
        p.body.after[0] ^= 1;
        expect_err("after not held", app_post(&ns->desa, &p, id, msg),
                   ERR_KIM_NOT_FOUND);
        p.body.has_after = false;
        p.body.report[0] ^= 1;
        expect_err("report not held", app_post(&ns->desa, &p, id, msg),
                   ERR_KIM_NOT_FOUND);

        /* tanggapan by the kecamatan. */
        memset(&p, 0, sizeof(p));
        p.body.kind = KIND_TANGGAPAN;
        p.body.has_report = true;
        memcpy(p.body.report, report, 32);
        p.body.has_text = true;
        p.body.text = slice_cstr("Sudah diperbaiki.");
        assert_int_equal(app_post(&ns->kec, &p, id, msg), 0);
        p.body.text = slice_cstr("");
        expect_err("empty tanggapan", app_post(&ns->kec, &p, id, msg),
                   ERR_KIM_BODY);
        /* Not on the report's audience, though the kecamatan may write
         * there. */
        p.body.text = slice_cstr("Sudah.");
        p.has_audience = true;
        assert_int_equal(audience_parse(&p.audience, "path:" DESA ":" KAB), 0);
        expect_err("tanggapan off its report's audience",
                   app_post(&ns->kec, &p, id, msg), ERR_KIM_AUDIENCE);

        /* An announcement needs an audience; revisi and its decision. */
        memset(&p, 0, sizeof(p));
        p.body.kind = KIND_INFORMASI;
        p.body.has_title = p.body.has_text = true;
        p.body.title = slice_cstr("Kerja bakti");
        p.body.text = slice_cstr("Minggu pagi.");
        expect_err("no audience", app_post(&ns->desa, &p, id, msg), ERR_USAGE);
        /* A recreated store posts nothing until it has caught up. */
        p.has_audience = true;
        assert_int_equal(audience_parse(&p.audience, "tree:" KEC), 0);
        assert_int_equal(node_restored_set(&ns->desa, true), 0);
        expect_err("restored", app_post(&ns->desa, &p, id, msg), ERR_RESTORED);
        assert_int_equal(node_restored_set(&ns->desa, false), 0);
        p.has_audience = true;
        assert_int_equal(audience_parse(&p.audience, "tree:" KEC), 0);
        assert_int_equal(app_post(&ns->desa, &p, ann, msg), 0);
        memset(&p, 0, sizeof(p));
        p.body.kind = KIND_STATUS;
        p.body.has_report = true;
        memcpy(p.body.report, ann, 32);
        p.body.step = KIM_STEP_SELESAI;
        expect_err("a step of an announcement",
                   app_post(&ns->desa, &p, id, msg), ERR_KIM_NOT_FOUND);
        carry(&ns->desa, &ns->kab, ann, &bytes);
        memset(&p, 0, sizeof(p));
        p.body.kind = KIND_REVISI;
        p.body.has_item = true;
        memcpy(p.body.item, ann, 32);
        p.body.has_title = p.body.has_text = p.body.has_reason = true;
        p.body.title = slice_cstr("Kerja bakti (ralat)");
        p.body.text = slice_cstr("Minggu pukul 07.00.");
        p.body.reason = slice_cstr("jam");
        if (app_post(&ns->kab, &p, rev, msg))
                fail_msg("revisi: %s", msg);
        carry(&ns->kab, &ns->desa, rev, &bytes);
        assert_int_equal(entry_open(buf_slice(&bytes), &e), 0);
        audience_format(&e.h.audience, aud);
        assert_string_equal(aud, "tree:" KEC);
        memset(&p, 0, sizeof(p));
        p.body.kind = KIND_REVISI_KEPUTUSAN;
        p.body.has_revisi = true;
        memcpy(p.body.revisi, rev, 32);
        p.body.decision = KIM_DECISION_DITERIMA;
        assert_int_equal(app_post(&ns->desa, &p, id, msg), 0);
        memcpy(p.body.revisi, ann, 32);
        expect_err("a decision on a non-revisi",
                   app_post(&ns->desa, &p, id, msg), ERR_KIM_NOT_FOUND);
        p.body.kind = 16;
        expect_err("lampiran", app_post(&ns->desa, &p, id, msg), ERR_USAGE);
        buf_release(&bytes);
}

/* Recipients: valid, unrevoked certificates of the handler region. */
static void
recipients_from_certs(void **state)
{
        struct nodes *ns = *state;
        struct key *root = test_key(0x51), *h1 = test_key(0x52),
                   *h2 = test_key(0x53), *old = test_key(0x54),
                   *gone = test_key(0x55), *other = test_key(0x56);
        struct {
                struct key *k;
                const char *region;
                uint64_t until;
        } certs[] = {
            {h1, KAB, 0},    {h2, KAB, 0}, {old, KAB, 1000}, /* expired */
            {gone, KAB, 0},                                  /* revoked below */
            {other, KEC, 0}, /* another region */
        };
        uint8_t to[KIM_SEAL_TO_MAX * ENTRY_KEY_BYTES];
        size_t n = 0;
        uint64_t now = time_now_ms();
        struct store_txn *t;
        struct buf cert = BUF_INIT;

        assert_int_equal(store_begin(ns->desa.store, true, &t), 0);
        for (size_t i = 0; i < ARRAY_LEN(certs); i++) {
                struct cert_info c;
                memset(&c, 0, sizeof(c));
                memcpy(c.node_pk, certs[i].k->pk, ENTRY_KEY_BYTES);
                strcpy(c.region, certs[i].region);
                strcpy(c.name, "KIM uji");
                c.valid_from_ms = certs[i].until ? 1 : now - 1000;
                c.valid_until_ms =
                    certs[i].until ? certs[i].until : now + 86400000ULL;
                buf_reset(&cert);
                cert_sign(root, &c, &cert);
                assert_int_equal(store_cert_set(t, buf_slice(&cert)), 0);
        }
        assert_int_equal(store_revocation_put(t, gone->pk, slice_cstr("\x80")),
                         0);
        assert_int_equal(store_commit(t), 0);
        assert_int_equal(app_recipients(&ns->desa, KAB, now, to, &n), 0);
        assert_int_equal(n, 2);
        {
                bool saw1 = false, saw2 = false;
                for (size_t i = 0; i < n; i++) {
                        saw1 |= !memcmp(to + i * 32, h1->pk, 32);
                        saw2 |= !memcmp(to + i * 32, h2->pk, 32);
                }
                assert_true(saw1 && saw2);
        }
        assert_int_equal(app_recipients(&ns->desa, KEC, now, to, &n), 0);
        assert_int_equal(n, 1);
        assert_memory_equal(to, other->pk, 32);
        assert_int_equal(app_recipients(&ns->desa, DESA, now, to, &n), 0);
        assert_int_equal(n, 0);
        /* A report sealed to what the certificates say: both open it. */
        {
                struct app_post p;
                struct buf bytes = BUF_INIT, plain = BUF_INIT;
                struct entry e;
                struct kim_body b;
                struct seal_ctx at;
                uint8_t id[32];
                char msg[APP_ERR_MAX];
                memset(&p, 0, sizeof(p));
                p.body.kind = KIND_ASPIRASI;
                p.body.has_handler = true;
                strcpy(p.body.handler, KAB);
                p.body.has_title = p.body.has_text = true;
                p.body.title = slice_cstr("Air bersih");
                p.body.text = slice_cstr("Sumur kering.");
                p.has_reporter = true;
                p.reporter.name = slice_cstr("Rudi");
                if (app_post(&ns->desa, &p, id, msg))
                        fail_msg("app_post: %s", msg);
                assert_int_equal(store_begin(ns->desa.store, false, &t), 0);
                assert_int_equal(store_get_by_id(t, id, 32, &bytes), 0);
                store_abort(t);
                assert_int_equal(entry_open(buf_slice(&bytes), &e), 0);
                assert_int_equal(kim_check_entry(&e, &b), 0);
                seal_ctx_of(&e, &at);
                assert_int_equal(b.reporter.n, 2);
                assert_true(b.has_title); /* not rahasia: clear */
                assert_int_equal(seal_open(h1, &b.reporter, &at,
                                           SEAL_FIELD_REPORTER, &plain),
                                 0);
                assert_int_equal(seal_open(h2, &b.reporter, &at,
                                           SEAL_FIELD_REPORTER, &plain),
                                 0);
                expect_err("revoked",
                           seal_open(gone, &b.reporter, &at,
                                     SEAL_FIELD_REPORTER, &plain),
                           ERR_KIM_SEALED);
                buf_release(&bytes);
                buf_release(&plain);
        }
        buf_release(&cert);
        key_free(root);
        key_free(h1);
        key_free(h2);
        key_free(old);
        key_free(gone);
        key_free(other);
}

/*
 * A sealed value copied into another report (issue 9 item 9): another
 * author's report, or another report of the same author. The handler
 * must not open it there (KIM-SEALED: shown sealed), while the victim's
 * own report still opens.
 */
static void
post_copy(struct node *n, const char *aud, const struct kim_body *victim,
          uint8_t id[32])
{
        struct kim_body b;
        struct buf body = BUF_INIT;
        struct post post;

        memset(&b, 0, sizeof(b));
        b.kind = KIND_PENGADUAN;
        b.has_handler = true;
        strcpy(b.handler, KAB);
        b.has_category = true;
        b.category = slice_cstr("lainnya");
        b.rahasia = true;
        b.reporter = victim->reporter;
        b.sealed = victim->sealed;
        wire_kim_encode(&b, &body);
        memset(&post, 0, sizeof(post));
        assert_int_equal(audience_parse(&post.audience, aud), 0);
        post.kind = KIND_PENGADUAN;
        post.body = buf_slice(&body);
        assert_int_equal(replica_post(&n->replica, &post, 1, id), 0);
        buf_release(&body);
}

/* The handler's view of report id: its reporter and title. */
static void
shown(struct node *n, const uint8_t id[32], const char *name, const char *title)
{
        struct app_report r;
        char msg[APP_ERR_MAX];

        if (app_report_get(n, id, 32, 0, &r, msg))
                fail_msg("app_report_get: %s", msg);
        if (r.reporter == APP_REPORTER_OPEN)
                assert_true(slice_eq(r.who.name, slice_cstr(name)));
        else
                assert_string_equal(APP_SEALED_TEXT, name);
        assert_true(slice_eq(r.title, slice_cstr(title)));
        app_report_release(&r);
}

static void
moved_seals_do_not_open(void **state)
{
        struct nodes *ns = *state;
        struct app_post p;
        struct buf bytes = BUF_INIT, copy = BUF_INIT;
        struct entry e;
        struct kim_body b;
        uint8_t id[32], theirs[32], again[32];
        char msg[APP_ERR_MAX];

        memset(&p, 0, sizeof(p));
        p.body.kind = KIND_PENGADUAN;
        p.body.has_handler = true;
        strcpy(p.body.handler, KAB);
        p.body.has_title = p.body.has_text = true;
        p.body.title = slice_cstr("Pungutan liar");
        p.body.text = slice_cstr("Di kantor desa.");
        p.body.rahasia = true;
        p.has_reporter = true;
        p.reporter.name = slice_cstr("Siti");
        p.to = ns->kab.key->pk;
        p.n_to = 1;
        if (app_post(&ns->desa, &p, id, msg))
                fail_msg("app_post: %s", msg);
        carry(&ns->desa, &ns->kec, id, &bytes);
        carry(&ns->kec, &ns->kab, id, &bytes);
        shown(&ns->kab, id, "Siti", "Pungutan liar");

        /* The relay copies both sealed values into a report of its own. */
        assert_int_equal(entry_open(buf_slice(&bytes), &e), 0);
        assert_int_equal(kim_check_entry(&e, &b), 0);
        post_copy(&ns->kec, "path:" KEC ":" KAB, &b, theirs);
        carry(&ns->kec, &ns->kab, theirs, &copy);
        shown(&ns->kab, theirs, APP_SEALED_TEXT, APP_SEALED_TEXT);
        /* The same author's next report on the same feed. */
        post_copy(&ns->desa, "path:" DESA ":" KAB, &b, again);
        carry(&ns->desa, &ns->kab, again, &copy);
        shown(&ns->kab, again, APP_SEALED_TEXT, APP_SEALED_TEXT);
        /* The original still opens. */
        shown(&ns->kab, id, "Siti", "Pungutan liar");
        buf_release(&bytes);
        buf_release(&copy);
}

/* A desa's aspirasi to the kabupaten at ts, carried to the kabupaten. */
static void
report_at(struct nodes *ns, uint64_t ts, uint8_t id[ENTRY_HASH_BYTES])
{
        struct buf bytes = BUF_INIT;
        struct app_post p;
        char msg[APP_ERR_MAX];

        memset(&p, 0, sizeof(p));
        p.body.kind = KIND_ASPIRASI;
        p.body.has_handler = p.body.has_title = p.body.has_text = true;
        strcpy(p.body.handler, KAB);
        p.body.title = slice_cstr("Drainase tersumbat");
        p.body.text = slice_cstr("Air menggenang.");
        p.timestamp_ms = ts;
        if (app_post(&ns->desa, &p, id, msg))
                fail_msg("app_post: %s", msg);
        carry(&ns->desa, &ns->kab, id, &bytes);
        buf_release(&bytes);
}

/*
 * The counts of /metrics (read from the by-status view, with only the
 * views of verified reports decoded) agree with the flags of the list:
 * late to verify, late to follow up, on time.
 */
static void
report_counts_agree_with_the_list(void **state)
{
        struct nodes *ns = *state;
        uint64_t now = time_now_ms(), day = 86400000ULL;
        uint8_t late_verify[32], late_follow[32], on_time[32];
        struct app_report_filter f;
        struct app_step st;
        struct app_report_counts c;
        struct app_reports l;
        char msg[APP_ERR_MAX];

        report_at(ns, now - 30 * day, late_verify);
        report_at(ns, now - 30 * day, late_follow);
        report_at(ns, now, on_time);
        memset(&st, 0, sizeof(st));
        st.step = "diverifikasi";
        st.method = "kunjungan";
        st.result = "valid";
        st.now_ms = now - 20 * day;
        if (app_report_step(&ns->kab, late_follow, 32, &st, NULL, msg))
                fail_msg("app_report_step: %s", msg);

        assert_int_equal(app_reports_count(&ns->kab, now, &c, msg), 0);
        assert_int_equal(c.total, 3);
        assert_int_equal(c.overdue, 2);
        assert_string_equal(c.by_state[0].state, "diajukan");
        assert_int_equal(c.by_state[0].reports, 2);
        assert_string_equal(c.by_state[1].state, "diverifikasi");
        assert_int_equal(c.by_state[1].reports, 1);
        memset(&f, 0, sizeof(f));
        f.overdue = true;
        f.now_ms = now;
        assert_int_equal(app_reports_list(&ns->kab, &f, &l, msg), 0);
        assert_int_equal(l.n, 2);
        app_reports_release(&l);
}

/*
 * Reports sealed and posted from two threads at once on one feed (as the
 * HTTP API's threads and a CLI process may): each is sealed inside the
 * transaction that gives it its seq, so no other post can take that seq
 * in between, and each opens at the place it got.
 */
#define CONC_THREADS 2
#define CONC_POSTS 12

struct conc {
        struct node *n;
        const uint8_t *to;
        const char *name;
        uint8_t ids[CONC_POSTS][ENTRY_HASH_BYTES];
        int err;
        char msg[APP_ERR_MAX];
};

static void *
conc_run(void *arg)
{
        struct conc *c = arg;
        struct app_post p;

        memset(&p, 0, sizeof(p));
        p.body.kind = KIND_ASPIRASI;
        p.body.has_handler = true;
        strcpy(p.body.handler, KAB);
        p.body.has_title = p.body.has_text = true;
        p.body.title = slice_cstr("Air bersih");
        p.body.text = slice_cstr("Sumur kering.");
        p.has_reporter = true;
        p.reporter.name = slice_cstr(c->name);
        p.to = c->to;
        p.n_to = 1;
        for (size_t i = 0; i < CONC_POSTS && !c->err; i++)
                c->err = app_post(c->n, &p, c->ids[i], c->msg);
        return NULL;
}

static void
concurrent_posts_reseal(void **state)
{
        struct nodes *ns = *state;
        struct conc c[CONC_THREADS];
        pthread_t th[CONC_THREADS];
        const char *names[CONC_THREADS] = {"Ani", "Budi"};
        struct buf bytes = BUF_INIT, plain = BUF_INIT;
        bool seen[CONC_THREADS * CONC_POSTS + 1];
        struct store_txn *t;
        struct kim_reporter r;
        struct seal_ctx at;
        struct kim_body b;
        struct entry e;

        memset(seen, 0, sizeof(seen));
        for (size_t i = 0; i < CONC_THREADS; i++) {
                memset(&c[i], 0, sizeof(c[i]));
                c[i].n = &ns->desa;
                c[i].to = ns->kab.key->pk;
                c[i].name = names[i];
                assert_int_equal(pthread_create(&th[i], NULL, conc_run, &c[i]),
                                 0);
        }
        for (size_t i = 0; i < CONC_THREADS; i++) {
                assert_int_equal(pthread_join(th[i], NULL), 0);
                if (c[i].err)
                        fail_msg("thread %zu: %s", i, c[i].msg);
        }
        for (size_t i = 0; i < CONC_THREADS; i++)
                for (size_t j = 0; j < CONC_POSTS; j++) {
                        assert_int_equal(store_begin(ns->desa.store, false, &t),
                                         0);
                        assert_int_equal(
                            store_get_by_id(t, c[i].ids[j], 32, &bytes), 0);
                        store_abort(t);
                        assert_int_equal(entry_open(buf_slice(&bytes), &e), 0);
                        assert_int_equal(kim_check_entry(&e, &b), 0);
                        assert_in_range(e.h.seq, 1, CONC_THREADS * CONC_POSTS);
                        assert_false(seen[e.h.seq]);
                        seen[e.h.seq] = true;
                        seal_ctx_of(&e, &at);
                        assert_int_equal(seal_open(ns->kab.key, &b.reporter,
                                                   &at, SEAL_FIELD_REPORTER,
                                                   &plain),
                                         0);
                        assert_int_equal(
                            wire_kim_reporter_decode(buf_slice(&plain), &r), 0);
                        assert_true(slice_eq(r.name, slice_cstr(names[i])));
                }
        buf_release(&bytes);
        buf_release(&plain);
}

int
main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test_setup_teardown(rahasia_through_a_relay,
                                            nodes_setup, nodes_teardown),
            cmocka_unit_test_setup_teardown(post_every_kind, nodes_setup,
                                            nodes_teardown),
            cmocka_unit_test_setup_teardown(pruned_report_until_its_body_comes,
                                            nodes_setup, nodes_teardown),
            cmocka_unit_test_setup_teardown(recipients_from_certs, nodes_setup,
                                            nodes_teardown),
            cmocka_unit_test_setup_teardown(moved_seals_do_not_open,
                                            nodes_setup, nodes_teardown),
            cmocka_unit_test_setup_teardown(concurrent_posts_reseal,
                                            nodes_setup, nodes_teardown),
            cmocka_unit_test_setup_teardown(report_counts_agree_with_the_list,
                                            nodes_setup, nodes_teardown),
        };

        if (entry_lib_init())
                return 1;
        return cmocka_run_group_tests(tests, NULL, NULL);
}
