/*
 * test_node: the config file, the data directory and opening a node, on
 * real files in a mkdtemp directory. The environment variables that choose
 * the data directory are saved and restored around every case.
 * /var/lib/simpul (the service directory) is never created or touched: the
 * cases that would reach it are skipped when it holds a config.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dirent.h>
#include <errno.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../src/node/daemon.h"
#include "../../src/node/node.h"
#include "testlib.h"

#define DESA "36.04.12.2002"

static const char *const env_names[] = {"SIMPUL_DATA", "XDG_DATA_HOME", "HOME"};

struct fx {
        char tmp[64]; /* mkdtemp directory, removed in teardown */
        char path[128];
        char *env[ARRAY_LEN(env_names)]; /* saved; NULL: was unset */
};

static int
setup(void **state)
{
        struct fx *fx = xcalloc(1, sizeof(*fx));

        if (test_dir_make(fx->tmp, "node"))
                return -1;
        snprintf(fx->path, sizeof(fx->path), "%s/simpul.conf", fx->tmp);
        for (size_t i = 0; i < ARRAY_LEN(env_names); i++) {
                const char *v = getenv(env_names[i]);

                fx->env[i] = v ? xstrdup(v) : NULL;
        }
        *state = fx;
        return 0;
}

static int
teardown(void **state)
{
        struct fx *fx = *state;

        for (size_t i = 0; i < ARRAY_LEN(env_names); i++) {
                if (fx->env[i])
                        setenv(env_names[i], fx->env[i], 1);
                else
                        unsetenv(env_names[i]);
                free(fx->env[i]);
        }
        test_rm_tree(fx->tmp);
        free(fx);
        log_set_level(LOG_INFO);
        return 0;
}

static void
write_file(const char *path, const char *text)
{
        FILE *f = fopen(path, "w");

        assert_non_null(f);
        assert_int_equal(fputs(text, f) >= 0, 1);
        assert_int_equal(fclose(f), 0);
}

static void
expect_contains(const char *hay, const char *needle)
{
        if (!strstr(hay, needle))
                fail_msg("'%s' does not contain '%s'", hay, needle);
}

/* tmp/rel as a path. */
static void
under(const struct fx *fx, const char *rel, char out[256])
{
        snprintf(out, 256, "%s/%s", fx->tmp, rel);
}

static void
expect_dir_mode(const char *path, mode_t mode)
{
        struct stat st;

        if (stat(path, &st) != 0)
                fail_msg("stat '%s': %s", path, strerror(errno));
        assert_int_equal(S_ISDIR(st.st_mode), 1);
        if ((st.st_mode & 07777) != mode)
                fail_msg("'%s': mode %04o, want %04o", path,
                         (unsigned)(st.st_mode & 07777), (unsigned)mode);
}

/* ---- config_load --------------------------------------------------------- */

static void
expect_same_config(const struct config *got, const struct config *want)
{
        assert_string_equal(got->region, want->region);
        assert_string_equal(got->name, want->name);
        assert_int_equal(got->map_size_mib, want->map_size_mib);
        assert_int_equal(got->log_level, want->log_level);
        assert_int_equal(got->check_fallback_s, want->check_fallback_s);
        assert_string_equal(got->sink_postgres, want->sink_postgres);
        assert_int_equal(got->sink_unseal, want->sink_unseal);
        assert_int_equal(got->blob_fetch_max, want->blob_fetch_max);
        assert_int_equal(got->blob_upload_max, want->blob_upload_max);
        assert_int_equal(got->blob_fetch, want->blob_fetch);
        assert_int_equal(got->blob_auto_max, want->blob_auto_max);
}

static void
write_then_load(struct fx *fx, const struct config *c)
{
        struct config got;
        char msg[256];

        unlink(fx->path);
        assert_int_equal(config_write_new(fx->path, c), 0);
        memset(&got, 0x5a, sizeof(got));
        assert_int_equal(config_load(&got, fx->path, msg), 0);
        assert_string_equal(msg, "");
        expect_same_config(&got, c);
}

static void
config_round_trips(void **state)
{
        struct fx *fx = *state;
        static const enum log_level levels[] = {LOG_ERROR, LOG_WARN, LOG_INFO,
                                                LOG_DEBUG};
        struct config c;

        config_defaults(&c);
        assert_int_equal(c.blob_fetch, -1); /* by level */
        assert_int_equal(c.blob_auto_max, 256 * 1024);
        assert_int_equal(c.map_size_mib, STORE_DEFAULT_MAP_MIB);
        assert_int_equal(c.log_level, LOG_INFO);
        assert_string_equal(c.region, "");
        strcpy(c.region, DESA);
        strcpy(c.name, "KIM Sukanegara");
        write_then_load(fx, &c);
        c.check_fallback_s = 0;
        write_then_load(fx, &c);
        c.check_fallback_s = 7 * 86400;
        write_then_load(fx, &c);
        for (size_t i = 0; i < ARRAY_LEN(levels); i++) {
                c.log_level = levels[i];
                c.map_size_mib = i == 0   ? 1
                                 : i == 1 ? STORE_MAX_MAP_MIB
                                          : 7 * i;
                write_then_load(fx, &c);
        }
        /* Each level of region; the longest name the CLI allows. */
        strcpy(c.region, "36");
        memset(c.name, 'n', NODE_NAME_MAX - 1);
        c.name[NODE_NAME_MAX - 1] = 0;
        write_then_load(fx, &c);
        strcpy(c.region, "36.04");
        strcpy(c.name, "Kominfo \"Lebak\" no.1 = utama");
        write_then_load(fx, &c);
        strcpy(c.region, "36.04.12");
        strcpy(c.name, "KIM Kecamatan Lebak / Banten (2024)");
        write_then_load(fx, &c);
}

/*
 * A name with " ;" in it (the CLI accepts it) comes back cut at the ';':
 * inih takes it as an inline comment, so config_write_new refuses it.
 */
static void
config_refuses_semicolon_name(void **state)
{
        struct fx *fx = *state;
        struct config c;

        config_defaults(&c);
        strcpy(c.region, DESA);
        strcpy(c.name, "KIM Sukanegara ; Banten");
        /* inih would read " ;" as a comment: such names are refused. */
        assert_int_equal(config_write_new(fx->path, &c), ERR_CONFIG);
}

struct bad_config {
        const char *name;
        const char *text;
        const char *mentions[3]; /* what err_msg must name */
};

#define NODE_REGION "[node]\nregion = " DESA "\n"

static const struct bad_config bad_configs[] = {
    {"unknown key", NODE_REGION "colour = red\n", {"[node]", "colour", "red"}},
    {"unknown key in [store]",
     NODE_REGION "[store]\nmap_size = 5\n",
     {"[store]", "map_size", "5"}},
    {"unknown section", NODE_REGION "[nodes]\nname = x\n", {"[nodes]", "name"}},
    {"key before any section", "region = " DESA "\n", {"region", DESA}},
    {"section in another case", "[Node]\nregion = " DESA "\n", {"[Node]"}},
    {"bad region", "[node]\nregion = 36.4\n", {"[node]", "region", "36.4"}},
    {"region too deep",
     "[node]\nregion = 36.04.12.2002.1\n",
     {"region", "36.04.12.2002.1"}},
    {"empty region", "[node]\nregion =\n", {"region"}},
    {"map_size_mib 0",
     NODE_REGION "[store]\nmap_size_mib = 0\n",
     {"[store]", "map_size_mib", "'0'"}},
    {"map_size_mib -1",
     NODE_REGION "[store]\nmap_size_mib = -1\n",
     {"map_size_mib", "-1"}},
    {"map_size_mib 2000000",
     NODE_REGION "[store]\nmap_size_mib = 2000000\n",
     {"map_size_mib", "2000000"}},
    {"map_size_mib one over",
     NODE_REGION "[store]\nmap_size_mib = 1048577\n",
     {"map_size_mib", "1048577"}},
    {"map_size_mib 12abc",
     NODE_REGION "[store]\nmap_size_mib = 12abc\n",
     {"map_size_mib", "12abc"}},
    {"map_size_mib 2^64",
     NODE_REGION "[store]\nmap_size_mib = 18446744073709551616\n",
     {"map_size_mib"}},
    {"map_size_mib empty",
     NODE_REGION "[store]\nmap_size_mib =\n",
     {"map_size_mib"}},
    {"check_fallback_s over a week",
     NODE_REGION "[net]\ncheck_fallback_s = 604801\n",
     {"[net]", "check_fallback_s"}},
    {"blob upload_max_bytes 0",
     NODE_REGION "[blobs]\nupload_max_bytes = 0\n",
     {"[blobs]", "upload_max_bytes"}},
    {"blob fetch not a mode",
     NODE_REGION "[blobs]\nfetch = sometimes\n",
     {"[blobs]", "fetch", "sometimes"}},
    {"blob auto_fetch_max_bytes over 16 MiB",
     NODE_REGION "[blobs]\nauto_fetch_max_bytes = 16777217\n",
     {"[blobs]", "auto_fetch_max_bytes"}},
    {"blob fetch_max_bytes over 16 MiB",
     NODE_REGION "[blobs]\nfetch_max_bytes = 16777217\n",
     {"[blobs]", "fetch_max_bytes"}},
    {"log level loud",
     NODE_REGION "[log]\nlevel = loud\n",
     {"[log]", "level", "loud"}},
    {"log level in upper case",
     NODE_REGION "[log]\nlevel = DEBUG\n",
     {"level", "DEBUG"}},
    {"name too long",
     NODE_REGION "name = "
                 "nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn"
                 "nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn\n",
     {"[node]", "name"}},
    {"missing region", "[node]\nname = x\n[log]\nlevel = warn\n", {"region"}},
    {"sink unseal not a bool",
     NODE_REGION "[sink]\nunseal = yes\n",
     {"[sink]", "unseal", "true or false"}},
    {"empty file", "", {"region"}},
    {"not an INI line", NODE_REGION "just words\n", {"line 3"}},
};

static void
config_refusals(void **state)
{
        struct fx *fx = *state;

        for (size_t i = 0; i < ARRAY_LEN(bad_configs); i++) {
                const struct bad_config *b = &bad_configs[i];
                struct config c;
                char msg[256];
                int err;

                print_message("case: %s\n", b->name);
                write_file(fx->path, b->text);
                memset(msg, 0, sizeof(msg));
                err = config_load(&c, fx->path, msg);
                if (err != ERR_CONFIG)
                        fail_msg("%s: got %d (%s), want ERR_CONFIG", b->name,
                                 err, err_str(err));
                for (size_t k = 0; k < 3 && b->mentions[k]; k++)
                        expect_contains(msg, b->mentions[k]);
        }
}

/* [sink] postgres and unseal (docs/SINK.md). */
static void
config_sink_keys(void **state)
{
        struct fx *fx = *state;
        struct config c;
        char msg[256];

        write_file(fx->path,
                   NODE_REGION "[sink]\n"
                               "postgres = host=/run/postgresql dbname=simpul\n"
                               "unseal = true\n");
        assert_int_equal(config_load(&c, fx->path, msg), 0);
        assert_string_equal(c.sink_postgres,
                            "host=/run/postgresql dbname=simpul");
        assert_true(c.sink_unseal);
        write_file(fx->path, NODE_REGION "[sink]\nunseal = false\n");
        assert_int_equal(config_load(&c, fx->path, msg), 0);
        assert_string_equal(c.sink_postgres, "");
        assert_false(c.sink_unseal);
}

/*
 * The largest map is what the word size allows: 1 TiB on 64-bit, 2 GiB on
 * 32-bit, where 4096 MiB used to wrap to 0 and so to the default.
 */
static void
config_map_fits_the_address_space(void **state)
{
        struct fx *fx = *state;
        struct config c;
        char text[128], msg[256];

        snprintf(text, sizeof(text), NODE_REGION "[store]\nmap_size_mib = %u\n",
                 STORE_MAX_MAP_MIB);
        write_file(fx->path, text);
        assert_int_equal(config_load(&c, fx->path, msg), 0);
        assert_int_equal(c.map_size_mib, STORE_MAX_MAP_MIB);
        snprintf(text, sizeof(text), NODE_REGION "[store]\nmap_size_mib = %u\n",
                 STORE_MAX_MAP_MIB + 1U);
        write_file(fx->path, text);
        assert_int_equal(config_load(&c, fx->path, msg), ERR_CONFIG);
        expect_contains(msg, "map_size_mib");
        write_file(fx->path, NODE_REGION "[store]\nmap_size_mib = 4096\n");
        if (sizeof(size_t) < 8) {
                assert_int_equal(config_load(&c, fx->path, msg), ERR_CONFIG);
                expect_contains(msg, "32-bit");
        } else {
                assert_int_equal(config_load(&c, fx->path, msg), 0);
                assert_int_equal(c.map_size_mib, 4096);
        }
}

/* An unknown section with no keys is invisible to inih (node.h says so);
 * one with a key is refused. */
static void
config_ignores_empty_unknown_section(void **state)
{
        struct fx *fx = *state;
        struct config c;
        char msg[256];

        /* inih never reports a section without keys: documented as
         * ignored (node.h); a key under it is refused. */
        write_file(fx->path, NODE_REGION "[nodes]\n");
        assert_int_equal(config_load(&c, fx->path, msg), 0);
        write_file(fx->path, NODE_REGION "[nodes]\nx = 1\n");
        assert_int_equal(config_load(&c, fx->path, msg), ERR_CONFIG);
        expect_contains(msg, "nodes");
}

static void
config_accepts_bounds_and_defaults(void **state)
{
        struct fx *fx = *state;
        struct config c;
        char msg[256];

        /* Only the region is required; the rest keeps its default. */
        write_file(fx->path, "; a comment\n# another\n" NODE_REGION);
        assert_int_equal(config_load(&c, fx->path, msg), 0);
        assert_string_equal(c.region, DESA);
        assert_string_equal(c.name, "");
        assert_int_equal(c.map_size_mib, STORE_DEFAULT_MAP_MIB);
        assert_int_equal(c.log_level, LOG_INFO);
        assert_int_equal(c.check_fallback_s, 6 * 3600);
        write_file(fx->path, NODE_REGION "[net]\ncheck_fallback_s = 0\n");
        assert_int_equal(config_load(&c, fx->path, msg), 0);
        assert_int_equal(c.check_fallback_s, 0);
        write_file(fx->path, NODE_REGION "[store]\nmap_size_mib = 1\n"
                                         "[log]\nlevel = error\n");
        assert_int_equal(config_load(&c, fx->path, msg), 0);
        assert_int_equal(c.map_size_mib, 1);
        assert_int_equal(c.log_level, LOG_ERROR);
        /* Sections may come in any order and repeat. */
        write_file(fx->path, "[log]\nlevel = warn\n[node]\nname = a\n"
                             "[store]\nmap_size_mib = 64\n" NODE_REGION);
        assert_int_equal(config_load(&c, fx->path, msg), 0);
        assert_string_equal(c.region, DESA);
        assert_string_equal(c.name, "a");
        assert_int_equal(c.map_size_mib, 64);
        assert_int_equal(c.log_level, LOG_WARN);
}

static void
config_missing_file(void **state)
{
        struct fx *fx = *state;
        struct config c;
        char msg[256];

        assert_int_equal(config_load(&c, fx->path, msg), -ENOENT);
        expect_contains(msg, fx->path);
}

static void
config_write_refuses_overwrite(void **state)
{
        struct fx *fx = *state;
        struct config c, got;
        char msg[256], other[256];

        config_defaults(&c);
        strcpy(c.region, DESA);
        strcpy(c.name, "pertama");
        assert_int_equal(config_write_new(fx->path, &c), 0);
        strcpy(c.region, "36.04");
        strcpy(c.name, "kedua");
        assert_int_equal(config_write_new(fx->path, &c), ERR_EXISTS);
        assert_int_equal(config_load(&got, fx->path, msg), 0);
        assert_string_equal(got.region, DESA);
        assert_string_equal(got.name, "pertama");
        /* Not even over a file that is not a config. */
        under(fx, "other", other);
        write_file(other, "x");
        assert_int_equal(config_write_new(other, &c), ERR_EXISTS);
        under(fx, "no/such/dir/simpul.conf", other);
        assert_int_equal(config_write_new(other, &c), -ENOENT);
}

/* ---- the data directory ------------------------------------------------- */

static bool
service_has_config(void)
{
        return access(NODE_SERVICE_DIR "/" NODE_CONFIG_FILE, R_OK) == 0;
}

static void
expect_data_dir(const char *flag, const char *want)
{
        char *got = node_data_dir(flag);

        assert_non_null(got);
        assert_string_equal(got, want);
        free(got);
}

static void
data_dir_precedence(void **state)
{
        struct fx *fx = *state;
        char xdg[256], xdg_simpul[256], home[256], home_simpul[256];

        under(fx, "xdg", xdg);
        under(fx, "xdg/simpul", xdg_simpul);
        under(fx, "home", home);
        under(fx, "home/.local/share/simpul", home_simpul);
        assert_int_equal(node_mkdirs(xdg_simpul), 0);
        assert_int_equal(node_mkdirs(home_simpul), 0);
        setenv("SIMPUL_DATA", "/from/env", 1);
        setenv("XDG_DATA_HOME", xdg, 1);
        setenv("HOME", home, 1);

        expect_data_dir("/from/flag", "/from/flag");
        expect_data_dir("relative/flag", "relative/flag");
        expect_data_dir(NULL, "/from/env");
        expect_data_dir("", "/from/env"); /* an empty flag is no flag */
        setenv("SIMPUL_DATA", "", 1);     /* an empty variable, no variable */
        expect_data_dir(NULL, xdg_simpul);
        unsetenv("SIMPUL_DATA");
        expect_data_dir(NULL, xdg_simpul);
        /* XDG_DATA_HOME must be absolute (XDG spec); else ~/.local/share. */
        setenv("XDG_DATA_HOME", "relative/xdg", 1);
        expect_data_dir(NULL, home_simpul);
        setenv("XDG_DATA_HOME", "", 1);
        expect_data_dir(NULL, home_simpul);
        unsetenv("XDG_DATA_HOME");
        expect_data_dir(NULL, home_simpul);
        /* The flag beats everything. */
        setenv("SIMPUL_DATA", "/from/env", 1);
        expect_data_dir("/from/flag", "/from/flag");
}

/* No user directory yet: the user's directory anyway, unless the service
 * directory holds a config (then that one: not tested, see the top). */
static void
data_dir_user_default_when_missing(void **state)
{
        struct fx *fx = *state;
        char xdg[256], want[256];

        if (service_has_config())
                skip();
        unsetenv("SIMPUL_DATA");
        under(fx, "xdg-missing", xdg);
        setenv("XDG_DATA_HOME", xdg, 1);
        under(fx, "xdg-missing/simpul", want);
        expect_data_dir(NULL, want);
        unsetenv("XDG_DATA_HOME");
        setenv("HOME", fx->tmp, 1);
        under(fx, ".local/share/simpul", want);
        expect_data_dir(NULL, want);
        /* A file where the directory would be is not a directory. */
        under(fx, ".local/share", xdg);
        assert_int_equal(node_mkdirs(xdg), 0);
        write_file(want, "not a directory");
        expect_data_dir(NULL, want);
        /* No HOME at all: relative to the working directory. */
        unsetenv("HOME");
        expect_data_dir(NULL, "./.local/share/simpul");
}

static void
mkdirs_nested(void **state)
{
        struct fx *fx = *state;
        char path[256], mid[256];
        mode_t old = umask(022);

        under(fx, "a/b/c/data", path);
        assert_int_equal(node_mkdirs(path), 0);
        expect_dir_mode(path, 0700);
        under(fx, "a/b", mid);
        expect_dir_mode(mid, 0755);
        /* Again: nothing to do, nothing changed. */
        assert_int_equal(node_mkdirs(path), 0);
        expect_dir_mode(path, 0700);
        /* Doubled slashes are harmless. */
        under(fx, "x//y", path);
        assert_int_equal(node_mkdirs(path), 0);
        expect_dir_mode(path, 0700);
        /* A file in the way of a parent. */
        under(fx, "file", path);
        write_file(path, "x");
        under(fx, "file/sub", path);
        assert_int_equal(node_mkdirs(path), -ENOTDIR);
        under(fx, "file/sub/deeper", path);
        assert_int_equal(node_mkdirs(path), -ENOTDIR);
        umask(old);
}

/* With a trailing slash (--data /srv/node/) the last directory is still
 * the one made 0700. */
static void
mkdirs_trailing_slash_0700(void **state)
{
        struct fx *fx = *state;
        char path[256];
        mode_t old = umask(022);

        under(fx, "t/data/", path);
        assert_int_equal(node_mkdirs(path), 0);
        umask(old);
        expect_dir_mode(path, 0700);
}

/* A file where the last directory should be is an error, as for mkdir -p. */
static void
mkdirs_refuses_file_as_last(void **state)
{
        struct fx *fx = *state;
        char path[256];

        under(fx, "plain", path);
        write_file(path, "x");
        assert_int_equal(node_mkdirs(path), -ENOTDIR);
}

/* ---- node_open ---------------------------------------------------------- */

static void
expect_closed(const struct node *n)
{
        assert_null(n->dir);
        assert_null(n->key);
        assert_null(n->store);
}

static void
open_without_config(void **state)
{
        struct fx *fx = *state;
        char msg[512], missing[256];
        struct node n;

        memset(msg, 0, sizeof(msg));
        assert_int_equal(node_open(&n, fx->tmp, 0, msg), ERR_NOT_FOUND);
        expect_contains(msg, "simpul init");
        expect_contains(msg, fx->tmp);
        expect_closed(&n);
        /* A directory that does not exist either. */
        under(fx, "nowhere", missing);
        memset(msg, 0, sizeof(msg));
        assert_int_equal(node_open(&n, missing, NODE_OPEN_KEY, msg),
                         ERR_NOT_FOUND);
        expect_contains(msg, "simpul init");
        expect_closed(&n);
}

static void
open_bad_config(void **state)
{
        struct fx *fx = *state;
        char msg[512];
        struct node n;

        write_file(fx->path, NODE_REGION "[store]\nmap_size_mib = 0\n");
        assert_int_equal(node_open(&n, fx->tmp, 0, msg), ERR_CONFIG);
        expect_contains(msg, "config");
        expect_contains(msg, "map_size_mib");
        expect_closed(&n);
}

static void
write_node_config(const struct fx *fx, const char *region)
{
        struct config c;

        config_defaults(&c);
        strcpy(c.region, region);
        strcpy(c.name, "uji");
        c.map_size_mib = 16;
        assert_int_equal(config_write_new(fx->path, &c), 0);
}

static void
open_needs_key_and_store(void **state)
{
        struct fx *fx = *state;
        char msg[512];
        struct node n;

        write_node_config(fx, DESA);
        /* No key file. */
        assert_int_equal(node_open(&n, fx->tmp, NODE_OPEN_KEY, msg), -ENOENT);
        expect_contains(msg, "key");
        expect_contains(msg, NODE_KEY_FILE);
        expect_closed(&n);
        /* Read-only and no store yet. */
        assert_int_equal(node_open(&n, fx->tmp, NODE_OPEN_READ_ONLY, msg),
                         -ENOENT);
        expect_contains(msg, "store");
        expect_closed(&n);
}

static void
on_problem(void *ctx, const struct verify_problem *p)
{
        (void)ctx;
        fail_msg("verify problem: seq %llu %s: %s", (unsigned long long)p->seq,
                 err_id(p->err), p->what);
}

static void
open_and_post(void **state)
{
        struct fx *fx = *state;
        char msg[512], key[256];
        struct buf body = BUF_INIT;
        /* A valid informasi body (proto/KIM.md §2.1). */
        struct body_field f[] = {{"title", "halo", 0}, {"text", "", 0}};
        struct verify_stats vs;
        struct node n;
        struct post p;

        write_node_config(fx, DESA);
        under(fx, NODE_KEY_FILE, key);
        assert_int_equal(entry_lib_init(), 0);
        assert_int_equal(key_create_file(key), 0);

        /* Without the key: a read-only replica. */
        memset(msg, 0, sizeof(msg));
        assert_int_equal(node_open(&n, fx->tmp, 0, msg), 0);
        assert_string_equal(msg, "");
        assert_string_equal(n.dir, fx->tmp);
        assert_string_equal(n.config.region, DESA);
        assert_string_equal(n.config.name, "uji");
        assert_int_equal(n.config.map_size_mib, 16);
        assert_null(n.key);
        assert_non_null(n.store);
        assert_ptr_equal(n.replica.store, n.store);
        assert_null(n.replica.key);
        assert_string_equal(n.replica.region, DESA);
        node_close(&n);
        expect_closed(&n);

        /* With it: posts. */
        assert_int_equal(node_open(&n, fx->tmp, NODE_OPEN_KEY, msg), 0);
        assert_non_null(n.key);
        assert_ptr_equal(n.replica.key, n.key);
        wire_body_build(f, 2, &body);
        memset(&p, 0, sizeof(p));
        assert_int_equal(audience_parse(&p.audience, "tree:36.04.12"), 0);
        p.kind = KIND_INFORMASI;
        p.body = buf_slice(&body);
        assert_int_equal(replica_post(&n.replica, &p, 1, NULL), 0);
        node_close(&n);

        /* Read-only now that the store exists: what was posted is there. */
        assert_int_equal(node_open(&n, fx->tmp, NODE_OPEN_READ_ONLY, msg), 0);
        assert_int_equal(replica_verify(&n.replica, on_problem, NULL, &vs), 0);
        assert_int_equal(vs.feeds, 1);
        assert_int_equal(vs.entries, 1);
        assert_int_equal(vs.problems, 0);
        assert_int_equal(replica_post(&n.replica, &p, 1, NULL), ERR_USAGE);
        node_close(&n);
        buf_release(&body);
}

/* The daemon's lock says it runs, to any open of the file, even one of
 * the same process (an OFD lock: the HTTP API's status opens it beside the
 * daemon); a second daemon is refused with the first one's pid; closing
 * (as the kernel does at kill -9) says it no longer runs. */
static void
daemon_lock_says_running(void **state)
{
        struct fx *fx = *state;
        struct node_daemon_seen seen;
        uint32_t holder = 7;
        int fd, fd2;

        node_daemon_read(fx->tmp, &seen);
        assert_false(seen.running); /* never ran: no file */
        assert_int_equal(node_daemon_lock(fx->tmp, &fd, &holder), 0);
        assert_true(fd >= 0);
        node_daemon_read(fx->tmp, &seen);
        assert_true(seen.running);
        assert_int_equal(seen.pid, (uint32_t)getpid());
        assert_true(seen.started_ms > 0);
        expect_err("second daemon", node_daemon_lock(fx->tmp, &fd2, &holder),
                   ERR_EXISTS);
        assert_int_equal(fd2, -1);
        assert_int_equal(holder, (uint32_t)getpid());
        node_daemon_read(fx->tmp, &seen); /* that open closed: still held */
        assert_true(seen.running);
        close(fd);
        node_daemon_read(fx->tmp, &seen);
        assert_false(seen.running);
        assert_int_equal(seen.pid, 0);
        assert_int_equal(node_daemon_lock(fx->tmp, &fd, &holder), 0);
        close(fd);
}

/* How many datagrams wait on fd (drained). */
static int
datagrams(int fd)
{
        char b;
        int n = 0;

        while (recv(fd, &b, 1, 0) >= 0)
                n++;
        assert_int_equal(errno, EAGAIN);
        return n;
}

/* node_changed wakes the daemon's socket, also in a directory whose path
 * is too long for a socket address, and does nothing (quietly) when no
 * daemon binds it; a second bind replaces a socket left behind. */
static void
wake_reaches_the_socket(void **state)
{
        struct fx *fx = *state;
        struct node n;
        char deep[256];
        int fd, fd2;

        memset(&n, 0, sizeof(n));
        n.dir = fx->tmp;
        node_changed(&n); /* no daemon: nothing, no error */
        assert_int_equal(node_wake_bind(fx->tmp, &fd), 0);
        node_changed(&n);
        node_changed(&n);
        assert_int_equal(datagrams(fd), 2);
        assert_int_equal(node_wake_bind(fx->tmp, &fd2), 0); /* left behind */
        close(fd);
        node_changed(&n);
        assert_int_equal(datagrams(fd2), 1);
        close(fd2);
        node_changed(&n); /* a stale socket file: ECONNREFUSED, quietly */

        snprintf(deep, sizeof(deep), "%s/%0100d/%s", fx->tmp, 0, "node");
        assert_int_equal(node_mkdirs(deep), 0);
        assert_true(strlen(deep) + sizeof("/" NODE_WAKE_FILE) > 108);
        n.dir = deep;
        assert_int_equal(node_wake_bind(deep, &fd), 0);
        node_changed(&n);
        assert_int_equal(datagrams(fd), 1);
        close(fd);
}

#define CASE(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int
main(void)
{
        const struct CMUnitTest tests[] = {
            CASE(config_round_trips),
            CASE(config_refuses_semicolon_name),
            CASE(config_refusals),
            CASE(config_ignores_empty_unknown_section),
            CASE(config_map_fits_the_address_space),
            CASE(config_sink_keys),
            CASE(config_accepts_bounds_and_defaults),
            CASE(config_missing_file),
            CASE(config_write_refuses_overwrite),
            CASE(data_dir_precedence),
            CASE(data_dir_user_default_when_missing),
            CASE(mkdirs_nested),
            CASE(mkdirs_trailing_slash_0700),
            CASE(mkdirs_refuses_file_as_last),
            CASE(open_without_config),
            CASE(open_bad_config),
            CASE(open_needs_key_and_store),
            CASE(open_and_post),
            CASE(daemon_lock_says_running),
            CASE(wake_reaches_the_socket),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
