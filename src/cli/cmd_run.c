/* run: the node daemon (src/node/daemon.c). */
#include <stddef.h>
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
        "SIGTERM or SIGINT. The node must be enrolled in a network\n"
        "(simpul enroll).\n\n"
        "It also serves the local HTTP JSON API, /metrics and the web UI on\n"
        "[http] listen (default 127.0.0.1:7780; docs/API.md). When that\n"
        "address cannot be bound, the node runs without them (HTTP-LISTEN).\n",
    .opts = run_opts,
    .n_opts = ARRAY_LEN(run_opts),
};

int
cmd_run(int argc, char **argv)
{
        struct run_opts o = {NULL};
        struct cli_parsed p;
        struct daemon_stats stats;
        struct http_server *http = NULL;
        struct node n;
        int err;

        if (!cli_parse(&run_spec, argc, argv, &o, &p))
                return p.status;
        if (cli_open(&n, o.data, NODE_OPEN_KEY))
                return EXIT_ERROR;
        /* http: the API runs in its own threads beside the daemon's loop;
         * a node that cannot serve it still syncs (HTTP-LISTEN logged). */
        if (daemon_stats_init(&stats)) {
                app_close(&n);
                return cli_error("run: cannot make a mutex");
        }
        if (n.config.http_listen[0] && http_start(&http, &n, &stats))
                http = NULL; /* logged: HTTP-LISTEN */
        err = daemon_run_stats(&n, &stats);
        http_stop(http);
        daemon_stats_release(&stats);
        app_close(&n);
        if (err)
                return cli_error("run: %s", err_str(err));
        return EXIT_OK;
}
