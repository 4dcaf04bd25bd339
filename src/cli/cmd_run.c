/* run: the node daemon (src/node/daemon.c). */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "../http/http.h"
#include "../node/daemon.h"
#include "cli.h"

struct run_opts {
        const char *data;
};

static const struct cli_opt run_opts[] = {
    CLI_OPT("data", CLI_STR, offsetof(struct run_opts, data), .arg = "DIR"),
};

static const struct cli_spec run_spec = {
    .name = "run",
    .usage =
        "usage: simpul run [--data DIR]\n\n"
        "Runs this node: listens for child nodes on [net] listen, dials the\n"
        "parent in [net] parent (then its fallbacks), and keeps every link in\n"
        "sync: what the other side lacks is sent, new entries are pushed\n"
        "within a second. Logs one line per event on stderr. Stops cleanly on\n"
        "SIGTERM or SIGINT.\n\n"
        "First boot: on a data directory that holds no node, it serves only\n"
        "the setup API (GET/POST /api/setup; docs/API.md) on\n"
        "$SIMPUL_SETUP_LISTEN (default " HTTP_SETUP_LISTEN_DEFAULT
        "), with the\n"
        "one-time setup code it logs (SETUP-CODE), then runs the node it\n"
        "made. A node of no network yet serves its HTTP API and links once\n"
        "it is enrolled (simpul enroll), without a restart.\n\n"
        "It also serves the local HTTP JSON API, /metrics and the web UI on\n"
        "[http] listen (default 127.0.0.1:7780; docs/API.md). When that\n"
        "address cannot be bound, the node runs without them (HTTP-LISTEN).\n",
    .opts = run_opts,
    .n_opts = ARRAY_LEN(run_opts),
};

static bool
setup_done(void *setup)
{
        return app_setup_done(setup);
}

static bool
enrolled(void *dir)
{
        return app_enrolled(dir);
}

/*
 * First boot: no node in the data directory yet. Serves the setup API
 * only, until it has made the node: 0, or 1 when stopped first, or -1
 * (said) when it cannot serve it. The node is then run in this process:
 * nothing in it needs a fresh one, and a restart would cost the phone
 * its page for RestartSec.
 */
static int
run_setup(const char *data)
{
        const char *listen = getenv(HTTP_SETUP_LISTEN_ENV);
        struct http_server *http = NULL;
        struct app_setup setup;
        char msg[APP_ERR_MAX];
        int rc = -1;

        if (!listen || !listen[0])
                listen = HTTP_SETUP_LISTEN_DEFAULT;
        if (app_setup_begin(&setup, data, listen, msg))
                cli_error("run: %s", msg);
        else if (http_setup_start(&http, &setup))
                cli_error("run: cannot serve the setup API on %s (%s)", listen,
                          HTTP_SETUP_LISTEN_ENV);
        else if ((rc = daemon_wait(setup_done, &setup, 100)) < 0)
                cli_error("run: %s", err_str(rc));
        http_stop(http);
        app_setup_release(&setup);
        return rc < 0 ? -1 : rc;
}

/*
 * Opens the node and its HTTP API; a node of no network yet (set up a
 * moment ago, say) serves the API and waits, reopened once its network
 * and certificate files appear: 0 enrolled and open, 1 stopped, -1 said.
 */
static int
run_open(struct node *n, const char *data, struct daemon_stats *stats,
         struct app_sessions *sessions, struct http_server **http)
{
        int rc;

        for (;;) {
                if (cli_open(n, data, NODE_OPEN_KEY))
                        return -1;
                if (n->config.http_listen[0] &&
                    http_start(http, n, stats, sessions))
                        *http = NULL; /* logged: HTTP-LISTEN */
                if (app_enrolled(n->dir))
                        return 0;
                log_warn("NODE-NOT-ENROLLED",
                         "this node belongs to no network yet: its HTTP API "
                         "serves, and it links once enrolled (simpul enroll "
                         "request, sign, accept; network create on the "
                         "kabupaten)");
                rc = daemon_wait(enrolled, n->dir, 1000);
                http_stop(*http);
                *http = NULL;
                app_close(n);
                if (rc)
                        return rc < 0 ? -1 : 1;
                log_info("NODE-ENROLLED", "enrolled: starting the node");
        }
}

int
cmd_run(int argc, char **argv)
{
        struct run_opts o = {NULL};
        struct cli_parsed p;
        struct daemon_stats stats;
        struct http_server *http = NULL;
        struct app_sessions *sessions;
        struct node n;
        int err, rc;

        if (!cli_parse(&run_spec, argc, argv, &o, &p))
                return p.status;
        if (app_setup_needed(o.data) && (rc = run_setup(o.data)))
                return rc < 0 ? EXIT_ERROR : EXIT_OK;
        /* http: the API runs in its own threads beside the daemon's loop;
         * a node that cannot serve it still syncs (HTTP-LISTEN logged).
         * Its sessions outlive a restart of the server (once enrolled):
         * the admin who pasted the certificate stays logged in. */
        if (daemon_stats_init(&stats))
                return cli_error("run: cannot make a mutex");
        sessions = app_sessions_new();
        if ((rc = run_open(&n, o.data, &stats, sessions, &http))) {
                app_sessions_free(sessions);
                daemon_stats_release(&stats);
                return rc < 0 ? EXIT_ERROR : EXIT_OK;
        }
        err = daemon_run_stats(&n, &stats);
        http_stop(http);
        app_sessions_free(sessions);
        daemon_stats_release(&stats);
        app_close(&n);
        if (err)
                return cli_error("run: %s", err_str(err));
        return EXIT_OK;
}
