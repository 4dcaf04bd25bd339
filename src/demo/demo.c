/*
 * demo: the subcommand — its options, the demo directory, the seven nodes
 * built, started and stopped, the items played (demo.h).
 */
#include <assert.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "demo.h"

struct demo_opts {
        const char *dir;
        bool keep, json, ui;
        uint64_t ui_port;
};

#define O(field) offsetof(struct demo_opts, field)
static const struct cli_opt demo_opts[] = {
    CLI_OPT("dir", CLI_STR, O(dir), .arg = "DIR",
            .help = "where the nodes live: absent or empty (default\n"
                    "$SIMPUL_DEMO_DIR, else a new /tmp/simpul-demo.XXXXXX);\n"
                    "each node's log is DIR/<node>.log"),
    CLI_OPT("keep", CLI_FLAG, O(keep),
            .help = "leave the daemons running, and say how to stop them"),
    CLI_OPT("json", CLI_FLAG, O(json),
            .help = "print the final matrix as JSON on stdout (the progress\n"
                    "goes to stderr)"),
    CLI_OPT("ui", CLI_FLAG, O(ui),
            .help = "serve every node's web app on 127.0.0.1, ports 7781\n"
                    "(the kabupaten) to 7787, each with an admin account\n"
                    "whose password is printed; implies --keep"),
    CLI_OPT("ui-port", CLI_U64, O(ui_port), .arg = "PORT",
            .help = "with --ui: the first port (default 7781)", .min = 1024,
            .max = 65535 - DEMO_NODES),
};
#undef O

static const struct cli_spec demo_spec = {
    .name = "demo",
    .usage =
        "usage: simpul demo [--dir DIR] [--keep] [--json] [--ui [--ui-port "
        "PORT]]\n\n"
        "Builds a network of seven nodes of Kabupaten Serang on this machine\n"
        "and shows entries travelling through it: the kabupaten (36.04), the\n"
        "kecamatan Pontang (36.04.12) and Kramatwatu (36.04.05), two desa in\n"
        "each. Every step runs this binary as an operator would: init, "
        "network\n"
        "create, enroll request/sign/accept, then one 'simpul run' daemon per\n"
        "node, linked over 127.0.0.1. Sample items in Bahasa Indonesia are\n"
        "posted; after each, a table shows which nodes hold it and when it\n"
        "arrived. Ends with each node's entries and 'simpul verify', then\n"
        "stops the daemons (SIGTERM).\n\n",
    .opts = demo_opts,
    .n_opts = ARRAY_LEN(demo_opts),
    .width = 11,
    .tail = "\nThe times are when 'simpul list' first showed the item at a "
            "node; the\n"
            "demo asks every node about every 0.1 s.\n\n"
            "Exit status 1 when an item does not reach exactly its audience "
            "within\n"
            "10 s, a store does not verify or a daemon fails.\n",
};

#define NETWORK_NAME "KIM Kabupaten Serang"
#define VALID_DAYS "365"
#define LINKS_TIMEOUT_MS 30000U
#define LISTEN_TIMEOUT_MS 10000U
#define STOP_TIMEOUT_MS 10000U

/* Real regions (tests/data/serang-36.04.csv). Desa dial their
 * kecamatan, and the kabupaten while it is down. */
const struct demo_node_def demo_nodes[DEMO_NODES] = {
    [DEMO_KAB] = {"kab-serang", "36.04", "Diskominfo Kabupaten Serang",
                  DEMO_NONE, false, DEMO_NONE, DEMO_NONE},
    [DEMO_PONTANG] = {"kec-pontang", "36.04.12", "KIM Kecamatan Pontang",
                      DEMO_KAB, true, DEMO_KAB, DEMO_NONE},
    [DEMO_SUKANEGARA] = {"desa-sukanegara", "36.04.12.2002",
                         "KIM Desa Sukanegara", DEMO_PONTANG, false,
                         DEMO_PONTANG, DEMO_KAB},
    [DEMO_LINDUK] = {"desa-linduk", "36.04.12.2003", "KIM Desa Linduk",
                     DEMO_PONTANG, false, DEMO_PONTANG, DEMO_KAB},
    [DEMO_KRAMATWATU] = {"kec-kramatwatu", "36.04.05",
                         "KIM Kecamatan Kramatwatu", DEMO_KAB, true, DEMO_KAB,
                         DEMO_NONE},
    [DEMO_KRAMATWATU_DESA] = {"desa-kramatwatu", "36.04.05.2001",
                              "KIM Desa Kramatwatu", DEMO_KAB, false,
                              DEMO_KRAMATWATU, DEMO_KAB},
    [DEMO_MARGASANA] = {"desa-margasana", "36.04.05.2002", "KIM Desa Margasana",
                        DEMO_KRAMATWATU, false, DEMO_KRAMATWATU, DEMO_KAB},
};

volatile sig_atomic_t demo_signalled;

static void
on_signal(int sig)
{
        demo_signalled = sig;
}

/* ---- the demo directory ---------------------------------------------------
 */

static bool
dir_empty(const char *path)
{
        DIR *dir = opendir(path);
        struct dirent *de;
        bool empty = true;

        if (!dir)
                return false;
        while (empty && (de = readdir(dir)))
                empty = !strcmp(de->d_name, ".") || !strcmp(de->d_name, "..");
        closedir(dir);
        return empty;
}

/* The demo directory, made or checked empty; owned absolute path. */
static char *
demo_dir_make(const char *want)
{
        char tmpl[] = "/tmp/simpul-demo.XXXXXX", *abs;
        int err;

        if (!want || !want[0]) {
                if (!mkdtemp(tmpl)) {
                        cli_error("demo: cannot make a directory in /tmp: %s",
                                  strerror(errno));
                        return NULL;
                }
                want = tmpl;
        } else if ((err = node_mkdirs(want)) && err != -EEXIST) {
                cli_error("demo: cannot make '%s': %s", want, err_str(err));
                return NULL;
        } else if (!dir_empty(want)) {
                cli_error("demo: '%s' is not an empty directory: remove it "
                          "or give another --dir",
                          want);
                return NULL;
        }
        if (!(abs = realpath(want, NULL)))
                cli_error("demo: '%s': %s", want, strerror(errno));
        return abs;
}

static int
demo_open(struct demo *d, const char *dir)
{
        struct sigaction sa;
        ssize_t n = readlink("/proc/self/exe", d->exe, sizeof(d->exe) - 1);

        if (n <= 0)
                return cli_error("demo: cannot find this program "
                                 "(/proc/self/exe): %s",
                                 strerror(errno));
        d->exe[n] = 0;
        if (!(d->dir = demo_dir_make(dir)))
                return EXIT_ERROR;
        d->setup_log = node_path(d->dir, "setup.log");
        for (int i = 0; i < DEMO_NODES; i++) {
                d->node[i].data = node_path(d->dir, demo_nodes[i].dir);
                d->node[i].log = xmalloc(strlen(d->node[i].data) + 5);
                sprintf(d->node[i].log, "%s.log", d->node[i].data);
        }
        memset(&sa, 0, sizeof(sa));
        sa.sa_handler = on_signal; /* no SA_RESTART: waits end early */
        sigaction(SIGINT, &sa, NULL);
        sigaction(SIGTERM, &sa, NULL);
        sa.sa_handler = SIG_IGN;
        sigaction(SIGPIPE, &sa, NULL);
        return EXIT_OK;
}

static void
demo_release(struct demo *d)
{
        for (int i = 0; i < DEMO_NODES; i++) {
                free(d->node[i].data);
                free(d->node[i].log);
        }
        free(d->setup_log);
        free(d->dir);
}

/* ---- running this binary --------------------------------------------------
 */

static off_t
file_size(const char *path)
{
        struct stat st;

        return stat(path, &st) ? 0 : st.st_size;
}

/* Says which step failed and what it wrote on stderr since `from`. */
static int
step_failed(struct demo *d, char *const argv[], int status, off_t from)
{
        struct buf text = BUF_INIT;

        if (demo_signalled)
                return cli_error("demo: interrupted");
        fprintf(stderr, "simpul: error: demo: 'simpul");
        for (int i = 1; argv[i]; i++)
                fprintf(stderr, " %s", argv[i]);
        fprintf(stderr, "' failed (exit status %d)", status);
        if (!demo_file_read(d->setup_log, &text) && (size_t)from < text.len)
                fprintf(stderr, ":\n%s", (char *)text.data + from);
        fprintf(stderr, "\n");
        buf_release(&text);
        return EXIT_ERROR;
}

int
demo_simpul(struct demo *d, struct buf *out, ...)
{
        char *argv[DEMO_ARGS_MAX + 2];
        const char *arg;
        struct buf ignored = BUF_INIT;
        off_t from = file_size(d->setup_log);
        int argc = 0, status = 0, err;
        va_list ap;

        argv[argc++] = d->exe;
        va_start(ap, out);
        while (argc <= DEMO_ARGS_MAX && (arg = va_arg(ap, const char *)))
                argv[argc++] = (char *)arg;
        va_end(ap);
        assert(argc <= DEMO_ARGS_MAX);
        argv[argc] = NULL;
        if (out)
                buf_reset(out);
        err = d->in
                  ? demo_run_in(argv, d->in, d->setup_log, out ? out : &ignored,
                                &status)
                  : demo_run(argv, d->setup_log, out ? out : &ignored, &status);
        buf_release(&ignored);
        if (err)
                return cli_error("demo: cannot run %s: %s", d->exe,
                                 err_str(err));
        if (status)
                return step_failed(d, argv, status, from);
        while (out && out->len && strchr(" \r\n", out->data[out->len - 1]))
                out->data[--out->len] = 0;
        return EXIT_OK;
}

/* ---- building the network -------------------------------------------------
 */

/* Kabupaten and kecamatan accept links; a desa (behind NAT) only dials. */
static bool
demo_listens(int i)
{
        return region_level(demo_nodes[i].region) != REGION_DESA;
}

/* enroll request at the node, sign at its issuer, accept at the node. */
static int
node_enroll(struct demo *d, int i)
{
        const struct demo_node_def *def = &demo_nodes[i];
        struct buf req = BUF_INIT, cert = BUF_INIT;
        int rc;

        if ((rc = demo_simpul(d, &req, "enroll", "request", "--data",
                              d->node[i].data, NULL)))
                goto out;
        /* Without --issuer, the NULL before the last ends the arguments. */
        rc = demo_simpul(d, &cert, "enroll", "sign", "--data",
                         d->node[def->issuer].data, (char *)req.data,
                         "--valid-days", VALID_DAYS,
                         def->delegated ? "--issuer" : NULL, NULL);
        if (!rc)
                rc = demo_simpul(d, NULL, "enroll", "accept", "--data",
                                 d->node[i].data, (char *)cert.data, NULL);
out:
        buf_release(&req);
        buf_release(&cert);
        return rc;
}

/* Short timers, so that the demo's links come up and recover quickly;
 * with --ui, its web app on its port. */
static int
node_configure(struct demo *d, int i)
{
        const struct demo_kv kv[] = {
            {"net", "listen", demo_listens(i) ? "127.0.0.1:0" : ""},
            {"net", "keepalive_s", "2"},
            {"net", "timeout_s", "6"},
            {"net", "backoff_min_ms", "100"},
            {"net", "backoff_max_ms", "1000"},
            {"net", "retry_primary_s", "2"},
            /* Seven nodes on one machine: no HTTP API, no port clash,
             * unless asked for (--ui). */
            {"http", "listen", d->node[i].ui},
        };
        int err = demo_conf_set(d->node[i].data, kv, ARRAY_LEN(kv));

        if (err)
                return cli_error("demo: cannot edit %s/%s: %s", d->node[i].data,
                                 NODE_CONFIG_FILE, err_str(err));
        return EXIT_OK;
}

/* --ui: a password of 60 random bits, in DIR/<node>.password (0600). */
static int
password_make(struct demo *d, int i, const char *path)
{
        static const char sym[] = "abcdefghijkmnpqrstuvwxyz23456789";
        char *pw = d->node[i].password;
        unsigned char raw[12];
        FILE *f = fopen("/dev/urandom", "rb");
        bool got = f && fread(raw, 1, sizeof(raw), f) == sizeof(raw);
        int fd;

        if (f)
                fclose(f);
        if (!got)
                return cli_error("demo: cannot read /dev/urandom");
        for (size_t k = 0; k < sizeof(raw); k++)
                pw[k] = sym[raw[k] & 31U];
        pw[sizeof(raw)] = 0;
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (fd < 0 || dprintf(fd, "%s\n", pw) < 0) {
                if (fd >= 0)
                        close(fd);
                return cli_error("demo: cannot write %s", path);
        }
        close(fd);
        return EXIT_OK;
}

/* --ui: the node's web app address, and an admin account for it. */
static int
node_ui(struct demo *d, int i)
{
        struct demo_node *n = &d->node[i];
        char path[PATH_MAX];
        int rc;

        snprintf(n->ui, sizeof(n->ui), "127.0.0.1:%u",
                 (unsigned)(d->ui_port + (uint64_t)i));
        snprintf(path, sizeof(path), "%s.password", n->data);
        if ((rc = password_make(d, i, path)))
                return rc;
        d->in = path;
        rc = demo_simpul(d, NULL, "user", "add", DEMO_UI_USER, "--role",
                         "admin", "--password-stdin", "--data", n->data, NULL);
        d->in = NULL;
        return rc;
}

static int
node_create(struct demo *d, int i)
{
        const struct demo_node_def *def = &demo_nodes[i];
        char *data = d->node[i].data;
        int rc;

        if ((rc = demo_simpul(d, NULL, "init", "--data", data, "--region",
                              def->region, "--name", def->name, NULL)))
                return rc;
        if (def->issuer == DEMO_NONE)
                rc = demo_simpul(d, NULL, "network", "create", "--data", data,
                                 "--region", def->region, "--name",
                                 NETWORK_NAME, NULL);
        else
                rc = node_enroll(d, i);
        if (!rc && d->ui)
                rc = node_ui(d, i);
        return rc ? rc : node_configure(d, i);
}

static int
demo_build(struct demo *d)
{
        int rc;

        demo_heading(d, "Seven nodes: simpul init, then network create or "
                        "enroll request | sign | accept");
        for (int i = 0; i < DEMO_NODES; i++) {
                if ((rc = node_create(d, i)))
                        return rc;
                demo_show_node(d, i);
        }
        return EXIT_OK;
}

/* ---- the daemons ----------------------------------------------------------
 */

static int
daemon_died(struct demo *d, int i, int status)
{
        d->node[i].running = false;
        return cli_error("demo: the daemon of %s ended (exit status %d): see "
                         "%s",
                         demo_nodes[i].dir, status, d->node[i].log);
}

/* Waits for "listening on ADDR" and writes ADDR (its real port) back. */
static int
node_listen_wait(struct demo *d, int i)
{
        uint64_t until = demo_now_ms() + LISTEN_TIMEOUT_MS;
        struct demo_node *n = &d->node[i];
        struct demo_kv kv = {"net", "listen", n->addr};
        int status;

        while (
            !demo_log_word(n->log, "listening on ", n->addr, sizeof(n->addr))) {
                if (demo_signalled)
                        return cli_error("demo: interrupted");
                if (demo_exited(n->pid, &status))
                        return daemon_died(d, i, status);
                if (demo_now_ms() > until)
                        return cli_error("demo: %s is not listening after "
                                         "%u s: see %s",
                                         demo_nodes[i].dir,
                                         LISTEN_TIMEOUT_MS / 1000U, n->log);
                demo_sleep_ms(DEMO_POLL_MS);
        }
        /* A restarted node keeps its port, so its children find it. */
        if (demo_conf_set(n->data, &kv, 1))
                return cli_error("demo: cannot edit %s/%s", n->data,
                                 NODE_CONFIG_FILE);
        return EXIT_OK;
}

/* --ui: waits for the node's web app on its port (in use: say so). */
static int
node_ui_wait(struct demo *d, int i)
{
        uint64_t until = demo_now_ms() + LISTEN_TIMEOUT_MS;
        struct demo_node *n = &d->node[i];
        int status;

        while (!demo_log_has(n->log, "HTTP API on", n->ui)) {
                if (demo_signalled)
                        return cli_error("demo: interrupted");
                if (demo_exited(n->pid, &status))
                        return daemon_died(d, i, status);
                if (demo_log_has(n->log, "HTTP-LISTEN", "without the HTTP") ||
                    demo_now_ms() > until)
                        return cli_error("demo: the web app of %s does not "
                                         "serve on %s (a port in use? try "
                                         "--ui-port): see %s",
                                         demo_nodes[i].dir, n->ui, n->log);
                demo_sleep_ms(DEMO_POLL_MS);
        }
        return EXIT_OK;
}

static int
node_start(struct demo *d, int i)
{
        const struct demo_node_def *def = &demo_nodes[i];
        struct demo_node *n = &d->node[i];
        char parents[2 * NODE_ADDR_MAX + 2] = "";
        struct demo_kv kv = {"net", "parent", parents};
        char *argv[] = {d->exe, "run", "--data", n->data, NULL};
        int err;

        if (def->parent != DEMO_NONE)
                snprintf(parents, sizeof(parents), "%s%s%s",
                         d->node[def->parent].addr,
                         def->fallback != DEMO_NONE ? ", " : "",
                         def->fallback != DEMO_NONE
                             ? d->node[def->fallback].addr
                             : "");
        if ((err = demo_conf_set(n->data, &kv, 1)))
                return cli_error("demo: cannot edit %s/%s: %s", n->data,
                                 NODE_CONFIG_FILE, err_str(err));
        if ((err = demo_spawn(argv, n->log, d->keep, &n->pid)))
                return cli_error("demo: cannot start %s: %s", d->exe,
                                 err_str(err));
        n->running = true;
        if (demo_listens(i) && (err = node_listen_wait(d, i)))
                return err;
        return n->ui[0] ? node_ui_wait(d, i) : EXIT_OK;
}

/* Are the links of every child node to its parent open and caught up? */
static bool
links_up(struct demo *d)
{
        for (int i = 0; i < DEMO_NODES; i++)
                if (demo_nodes[i].parent != DEMO_NONE &&
                    (!demo_log_has(d->node[i].log, "LINK-OPEN", "to parent") ||
                     !demo_log_has(d->node[i].log, "SYNC-CAUGHT-UP", NULL)))
                        return false;
        return true;
}

static int
links_wait(struct demo *d)
{
        uint64_t start = demo_now_ms();

        while (!links_up(d)) {
                if (demo_signalled)
                        return cli_error("demo: interrupted");
                if (demo_daemons_check(d))
                        return EXIT_ERROR;
                if (demo_now_ms() - start > LINKS_TIMEOUT_MS)
                        return cli_error("demo: the links are not up after "
                                         "%u s: see the logs in %s",
                                         LINKS_TIMEOUT_MS / 1000U, d->dir);
                demo_sleep_ms(DEMO_POLL_MS);
        }
        fprintf(d->out, "  %d links up and caught up after %.1f s\n",
                DEMO_NODES - 1, (double)(demo_now_ms() - start) / 1000.0);
        return EXIT_OK;
}

/* Parents before children: the kabupaten, the kecamatan, then the desa. */
static int
demo_start(struct demo *d)
{
        int rc;

        demo_heading(d, "Seven daemons: simpul run, linked over 127.0.0.1");
        for (int level = REGION_KABUPATEN; level <= REGION_DESA; level++)
                for (int i = 0; i < DEMO_NODES; i++) {
                        if (region_level(demo_nodes[i].region) != level)
                                continue;
                        if ((rc = node_start(d, i)))
                                return rc;
                        demo_show_daemon(d, i);
                }
        return links_wait(d);
}

int
demo_daemons_check(struct demo *d)
{
        int status;

        for (int i = 0; i < DEMO_NODES; i++)
                if (d->node[i].running && demo_exited(d->node[i].pid, &status))
                        return daemon_died(d, i, status);
        return 0;
}

static void
demo_stop_all(struct demo *d)
{
        int stopped = 0, failed = 0, status;

        for (int i = 0; i < DEMO_NODES; i++) {
                if (!d->node[i].running)
                        continue;
                status = demo_stop(d->node[i].pid, STOP_TIMEOUT_MS);
                d->node[i].running = false;
                if (status == 0) {
                        stopped++;
                        continue;
                }
                failed++;
                cli_error("demo: the daemon of %s ended with status %d: see %s",
                          demo_nodes[i].dir, status, d->node[i].log);
        }
        if (stopped || failed)
                fprintf(d->out, "  %d daemons stopped cleanly", stopped);
        if (failed)
                fprintf(d->out, ", %d did not (see above)", failed);
        if (stopped || failed)
                fputc('\n', d->out);
        if (failed)
                d->failed = true;
}

/* ---- the demo -------------------------------------------------------------
 */

static int
demo_play(struct demo *d)
{
        int rc;

        demo_intro(d);
        if ((rc = demo_build(d)) || (rc = demo_start(d)))
                return rc;
        for (int k = 0; k < DEMO_ITEMS; k++)
                if ((rc = demo_item(d, k)))
                        return rc;
        demo_summary(d);
        return EXIT_OK;
}

/* Kept running with --keep, unless interrupted or one has ended. */
static bool
demo_keeps(struct demo *d)
{
        bool any = false;

        if (!d->keep || demo_signalled || demo_daemons_check(d))
                return false;
        for (int i = 0; i < DEMO_NODES; i++)
                any |= d->node[i].running;
        return any;
}

int
demo_main(int argc, char **argv)
{
        struct demo_opts o = {.dir = getenv("SIMPUL_DEMO_DIR")};
        struct cli_parsed p;
        struct demo d;
        int rc;

        if (!cli_parse(&demo_spec, argc, argv, &o, &p))
                return p.status;
        memset(&d, 0, sizeof(d));
        d.ui = o.ui;
        d.ui_port = o.ui_port ? o.ui_port : DEMO_UI_PORT;
        d.keep = o.keep || o.ui; /* the web apps outlive the demo */
        d.json = o.json;
        d.out = d.json ? stderr : stdout;
        setvbuf(d.out, NULL, _IOLBF, 0);
        d.tty = isatty(fileno(d.out)) && getenv("TERM") &&
                strcmp(getenv("TERM"), "dumb");
        d.colour = d.tty && !getenv("NO_COLOR");
        if ((rc = demo_open(&d, o.dir)))
                return rc;
        rc = demo_play(&d);
        if (demo_keeps(&d)) {
                demo_keep_note(&d);
                if (d.ui)
                        demo_ui_note(&d);
        } else {
                demo_heading(&d, "Stopping the daemons (SIGTERM)");
                demo_stop_all(&d);
                demo_data_note(&d);
        }
        if (d.json && d.posted == DEMO_ITEMS)
                demo_json(&d);
        if (!rc && d.failed)
                rc = EXIT_ERROR;
        demo_release(&d);
        return rc;
}
