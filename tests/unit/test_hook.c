/*
 * test_hook: the pure parts of the webhooks (the delivery id, the
 * Standard Webhooks signature against the specification's own example,
 * the secret's form, the backoff) and the outbox written with the entries
 * (a real node and store): rows only for the configured kinds, none at
 * all without webhooks, and the JSON body of an event.
 */
#include <fcntl.h>

#include "../../src/hook/hook_int.h"
#include "testlib.h"

static void
delivery_id_is_stable(void **state)
{
        uint8_t a[ENTRY_HASH_BYTES], b[ENTRY_HASH_BYTES];
        char x[HOOK_ID_BUF], y[HOOK_ID_BUF];

        (void)state;
        memset(a, 1, sizeof(a));
        memset(b, 1, sizeof(b));
        b[31] = 2;
        hook_delivery_id(x, "lapor", a);
        hook_delivery_id(y, "lapor", a);
        assert_string_equal(x, y);
        assert_int_equal(strlen(x), 36);
        assert_memory_equal(x, "msg_", 4);
        assert_true(hex_valid(x + 4, 32));
        hook_delivery_id(y, "sms", a);
        assert_string_not_equal(x, y);
        hook_delivery_id(y, "lapor", b);
        assert_string_not_equal(x, y);
}

/* The example of the Standard Webhooks specification (and of its
 * libraries' tests): secret, id, timestamp, payload, signature. */
static void
signature_matches_the_standard(void **state)
{
        const char *body = "{\"test\": 2432232314}";
        uint8_t key[HOOK_SECRET_MAX];
        char sig[HOOK_SIG_BUF];
        size_t len;

        (void)state;
        expect_err("parse",
                   hook_secret_parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\n",
                                     key, &len),
                   0);
        assert_int_equal(len, 24);
        hook_sign(sig, key, len, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330,
                  slice_cstr(body));
        assert_string_equal(sig,
                            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
        /* One byte of the body changed: another signature. */
        hook_sign(sig, key, len, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330,
                  slice_cstr("{\"test\": 2432232315}"));
        assert_string_not_equal(
            sig, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
}

static void
secrets(void **state)
{
        static const struct {
                const char *name, *text;
                int err;
        } cases[] = {
            {"spec example", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", 0},
            {"blanks around", "  whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw \n", 0},
            {"no prefix", "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", ERR_CONFIG},
            {"too short (18 bytes)", "whsec_MfKQ9r8GKYqrTwjUPD8I", ERR_CONFIG},
            {"not base64", "whsec_MfKQ9r8GKYqrTwjU!D8ILPZIo2LaLaSw",
             ERR_CONFIG},
            {"two words", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw x",
             ERR_CONFIG},
            {"empty", "", ERR_CONFIG},
        };
        uint8_t key[HOOK_SECRET_MAX];
        char fresh[64];
        size_t len;

        (void)state;
        for (size_t i = 0; i < ARRAY_LEN(cases); i++)
                expect_err(cases[i].name,
                           hook_secret_parse(cases[i].text, key, &len),
                           cases[i].err);
        hook_secret_new(fresh);
        expect_err("a new secret", hook_secret_parse(fresh, key, &len), 0);
        assert_int_equal(len, 32);
}

static void
backoff(void **state)
{
        (void)state;
        /* rnd 0: the half; rnd max: the whole delay. */
        assert_int_equal(hook_backoff_ms(1000, 60000, 1, 0), 500);
        assert_int_equal(hook_backoff_ms(1000, 60000, 1, UINT32_MAX), 1000);
        assert_int_equal(hook_backoff_ms(1000, 60000, 2, UINT32_MAX), 2000);
        assert_int_equal(hook_backoff_ms(1000, 60000, 4, UINT32_MAX), 8000);
        assert_int_equal(hook_backoff_ms(1000, 60000, 4, 0), 4000);
        /* capped */
        assert_int_equal(hook_backoff_ms(1000, 60000, 7, UINT32_MAX), 60000);
        assert_int_equal(hook_backoff_ms(1000, 60000, 1000, UINT32_MAX), 60000);
        assert_int_equal(hook_backoff_ms(1000, 60000, 1000, 0), 30000);
        /* in between */
        for (uint32_t r = 1; r < 64; r++) {
                uint64_t d = hook_backoff_ms(100, 400, 3, r * 67108864U);

                assert_in_range(d, 200, 400);
        }
}

/* ---- the delivery log ------------------------------------------------- */

static void
delivery_log(void **state)
{
        uint8_t id[ENTRY_HASH_BYTES] = {7};
        char dir[TEST_DIR_MAX], path[TEST_DIR_MAX + 16], msg[256], last[32];
        struct dlog l, l2;
        uint64_t pos;
        bool running;
        int fd;

        (void)state;
        assert_int_equal(test_dir_make(dir, "dlog"), 0);
        snprintf(path, sizeof(path), "%s/a.log", dir);
        expect_err("new", dlog_open(&l, dir, "a", "abcd", msg), 0);
        assert_int_equal(l.pos, 0);
        /* One deliverer at a time. */
        expect_err("locked", dlog_open(&l2, dir, "a", "abcd", msg),
                   ERR_WEBHOOK_LOG);
        expect_err("peek", dlog_peek(dir, "a", &pos, last, &running), 0);
        assert_true(running);
        expect_err("append 1", dlog_append(&l, 1, "msg_1", id, 200, 1), 0);
        expect_err("append 5", dlog_append(&l, 5, "msg_5", id, 204, 3), 0);
        dlog_close(&l);
        expect_err("peek", dlog_peek(dir, "a", &pos, last, &running), 0);
        assert_false(running);
        assert_int_equal(pos, 5);
        assert_memory_equal(last, "20", 2);
        /* A line cut short by a crash: dropped, its event sent again. */
        fd = open(path, O_WRONLY | O_APPEND);
        assert_true(fd >= 0);
        assert_int_equal(write(fd, "6 msg_", 6), 6);
        close(fd);
        expect_err("reopen", dlog_open(&l, dir, "a", "abcd", msg), 0);
        assert_int_equal(l.pos, 5);
        expect_err("append 6", dlog_append(&l, 6, "msg_6", id, 200, 1), 0);
        dlog_close(&l);
        expect_err("reopen", dlog_open(&l, dir, "a", "abcd", msg), 0);
        assert_int_equal(l.pos, 6);
        dlog_close(&l);
        /* Another store's log. */
        expect_err("another store", dlog_open(&l, dir, "a", "abce", msg),
                   ERR_WEBHOOK_LOG);
        expect_err("another store's prefix",
                   dlog_open(&l, dir, "a", "abc", msg), ERR_WEBHOOK_LOG);
        test_rm_tree(dir);
}

/* ---- [webhook NAME] in the config ------------------------------------- */

static int
config_text(const char *text, struct config *c, char *msg)
{
        char dir[TEST_DIR_MAX], path[TEST_DIR_MAX + 16];
        FILE *f;
        int err;

        assert_int_equal(test_dir_make(dir, "hookconf"), 0);
        snprintf(path, sizeof(path), "%s/simpul.conf", dir);
        assert_non_null(f = fopen(path, "w"));
        fprintf(f, "[node]\nregion = 36.04\n%s", text);
        fclose(f);
        err = config_load(c, path, msg);
        test_rm_tree(dir);
        return err;
}

static void
config_sections(void **state)
{
        static const struct {
                const char *name, *text;
                int err;
                uint32_t kinds; /* the union, when it loads */
        } cases[] = {
            {"none", "", 0, 0},
            {"defaults: report, step, peringatan",
             "[webhook a]\nurl = http://x/\nsecret_file = s\n", 0,
             1U << 2 | 1U << 3 | 1U << 4 | 1U << 5 | 1U << 7},
            {"two endpoints",
             "[webhook a]\nurl = https://x/\nsecret_file = s\nevents = "
             "informasi\n[webhook b-2]\nurl = http://y/\nsecret_file = s\n"
             "events = tanggapan, step\n",
             0, 1U << 1 | 1U << 6 | 1U << 7},
            {"no url", "[webhook a]\nsecret_file = s\n", ERR_CONFIG, 0},
            {"no secret", "[webhook a]\nurl = http://x/\n", ERR_CONFIG, 0},
            {"not http", "[webhook a]\nurl = ftp://x/\nsecret_file = s\n",
             ERR_CONFIG, 0},
            {"unknown event",
             "[webhook a]\nurl = http://x/\nsecret_file = s\nevents = "
             "report, revisi\n",
             ERR_CONFIG, 0},
            {"bad name", "[webhook A!]\nurl = http://x/\nsecret_file = s\n",
             ERR_CONFIG, 0},
            {"unknown key",
             "[webhook a]\nurl = http://x/\nsecret_file = s\nretries = 3\n",
             ERR_CONFIG, 0},
            {"backoff the wrong way round",
             "[webhook a]\nurl = http://x/\nsecret_file = s\n"
             "backoff_min_ms = 500\nbackoff_max_ms = 100\n",
             ERR_CONFIG, 0},
        };
        struct config c;
        char msg[256];

        (void)state;
        for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
                expect_err(cases[i].name, config_text(cases[i].text, &c, msg),
                           cases[i].err);
                if (!cases[i].err && config_webhook_kinds(&c) != cases[i].kinds)
                        fail_msg("%s: kinds %#x, want %#x", cases[i].name,
                                 config_webhook_kinds(&c), cases[i].kinds);
        }
}

/* ---- the outbox, on a real node ----------------------------------------- */

struct fixture {
        char tmp[TEST_DIR_MAX];
        struct node n;
};

static int
node_setup(void **state)
{
        struct fixture *f = xcalloc(1, sizeof(*f));
        char dir[128], path[192], msg[512];
        struct config c;

        if (test_dir_make(f->tmp, "hook"))
                return -1;
        log_set_level(LOG_ERROR);
        snprintf(dir, sizeof(dir), "%s/kab", f->tmp);
        assert_int_equal(node_mkdirs(dir), 0);
        config_defaults(&c);
        strcpy(c.region, "36.04");
        strcpy(c.name, "kab");
        c.map_size_mib = 16;
        snprintf(path, sizeof(path), "%s/%s", dir, NODE_CONFIG_FILE);
        assert_int_equal(config_write_new(path, &c), 0);
        snprintf(path, sizeof(path), "%s/%s", dir, NODE_KEY_FILE);
        assert_int_equal(key_create_file(path), 0);
        if (node_open(&f->n, dir, NODE_OPEN_KEY, msg))
                fail_msg("node_open: %s", msg);
        assert_int_equal(node_restored_set(&f->n, false), 0);
        *state = f;
        return 0;
}

static int
node_teardown(void **state)
{
        struct fixture *f = *state;

        node_close(&f->n);
        test_rm_tree(f->tmp);
        free(f);
        log_set_level(LOG_INFO);
        return 0;
}

static void
announce(struct node *n, uint32_t kind, const char *title, uint8_t *id)
{
        struct app_post p;
        char msg[APP_ERR_MAX];

        memset(&p, 0, sizeof(p));
        p.body.kind = kind;
        p.body.has_title = p.body.has_text = true;
        p.body.title = slice_cstr(title);
        p.body.text = slice_cstr("Teks.");
        if (kind == KIND_PERINGATAN)
                p.body.level = KIM_LEVEL_SIAGA;
        p.has_audience = true;
        assert_int_equal(audience_parse(&p.audience, "tree:36.04"), 0);
        if (app_post(n, &p, id, msg))
                fail_msg("app_post: %s", msg);
}

static uint64_t
outbox_last(struct node *n)
{
        struct store_txn *t;
        uint64_t seq;

        assert_int_equal(store_begin(n->store, false, &t), 0);
        assert_int_equal(replica_outbox_last(t, &seq), 0);
        store_abort(t);
        return seq;
}

static bool
contains(const struct buf *b, const char *s)
{
        size_t n = strlen(s);

        for (size_t i = 0; i + n <= b->len; i++)
                if (!memcmp(b->data + i, s, n))
                        return true;
        return false;
}

static void
outbox_only_when_configured(void **state)
{
        struct fixture *f = *state;
        uint8_t a[ENTRY_HASH_BYTES], b[ENTRY_HASH_BYTES], c[ENTRY_HASH_BYTES];
        struct app_outbox_event ev;
        char msg[APP_ERR_MAX], hex[65];
        struct buf body = BUF_INIT;
        uint64_t scanned;
        bool found;

        /* No webhooks: no row, whatever is posted. */
        assert_int_equal(f->n.replica.outbox_kinds, 0);
        announce(&f->n, KIND_PERINGATAN, "Banjir", a);
        assert_int_equal(outbox_last(&f->n), 0);
        /* Peringatan only: the informasi raises nothing. */
        f->n.replica.outbox_kinds = 1U << KIND_PERINGATAN;
        announce(&f->n, KIND_INFORMASI, "Posyandu", b);
        announce(&f->n, KIND_PERINGATAN, "Longsor", c);
        assert_int_equal(outbox_last(&f->n), 1);
        assert_int_equal(app_outbox_next(&f->n, 0, 1U << KIND_PERINGATAN, &ev,
                                         &found, &scanned, msg),
                         0);
        assert_true(found);
        assert_int_equal(ev.seq, 1);
        assert_int_equal(scanned, 1);
        assert_memory_equal(ev.id, c, ENTRY_HASH_BYTES);
        assert_string_equal(ev.type, "peringatan");
        /* Past it: nothing; of other kinds: looked at, not found. */
        assert_int_equal(
            app_outbox_next(&f->n, 1, ~0U, &ev, &found, &scanned, msg), 0);
        assert_false(found);
        assert_int_equal(app_outbox_next(&f->n, 0, 1U << KIND_INFORMASI, &ev,
                                         &found, &scanned, msg),
                         0);
        assert_false(found);
        assert_int_equal(scanned, 1);
        /* The body: the announcement as the API shows it. */
        assert_int_equal(
            app_outbox_next(&f->n, 0, ~0U, &ev, &found, &scanned, msg), 0);
        assert_int_equal(
            app_webhook_body(&f->n, &ev, false, 1614265330000ULL, &body, msg),
            0);
        hex_encode(hex, c, ENTRY_HASH_BYTES);
        assert_true(contains(&body,
                             "{\"type\":\"peringatan\",\"timestamp\":"
                             "\"2021-02-25T15:02:10.000Z\",\"entry\":\""));
        assert_true(contains(&body, hex));
        assert_true(contains(&body, "\"title\":\"Longsor\""));
        assert_int_equal(body.data[body.len - 1], '}');
        buf_release(&body);
}

int
main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(delivery_id_is_stable),
            cmocka_unit_test(signature_matches_the_standard),
            cmocka_unit_test(secrets),
            cmocka_unit_test(backoff),
            cmocka_unit_test(config_sections),
            cmocka_unit_test(delivery_log),
            cmocka_unit_test_setup_teardown(outbox_only_when_configured,
                                            node_setup, node_teardown),
        };

        if (entry_lib_init())
                return 1;
        return cmocka_run_group_tests(tests, NULL, NULL);
}
