/* run: the node daemon (src/node/daemon.c). */
#include <getopt.h>
#include <string.h>

#include "../http/http.h"
#include "../node/daemon.h"
#include "cli.h"

static const char run_help[] =
    "usage: simpul run [--data DIR]\n\n"
    "Runs this node: listens for child nodes on [net] listen, dials the\n"
    "parent in [net] parent (then its fallbacks), and keeps every link in\n"
    "sync: what the other side lacks is sent, new entries are pushed\n"
    "within a second. Logs one line per event on stderr. Stops cleanly on\n"
    "SIGTERM or SIGINT. The node must be enrolled in a network\n"
    "(simpul enroll).\n\n"
    "It also serves the local HTTP JSON API, /metrics and the web UI on\n"
    "[http] listen (default 127.0.0.1:7780; docs/API.md). When that\n"
    "address cannot be bound, the node runs without them (HTTP-LISTEN).\n";

int
cmd_run(int argc, char **argv)
{
        static const struct option longs[] = {
            {"data", required_argument, NULL, CLI_OPT_DATA},
            {"help", no_argument, NULL, CLI_OPT_HELP},
            {NULL, 0, NULL, 0},
        };
        const char *data = NULL;
        struct daemon_stats stats;
        struct http_server *http = NULL;
        struct node n;
        int c, err;

        while ((c = getopt_long(argc, argv, "h", longs, NULL)) != -1) {
                switch (c) {
                case CLI_OPT_DATA:
                        data = optarg;
                        break;
                case CLI_OPT_HELP:
                        fputs(run_help, stdout);
                        return EXIT_OK;
                default:
                        return cli_usage_error("run", "invalid option");
                }
        }
        if (optind < argc)
                return cli_usage_error("run", "unexpected argument '%s'",
                                       argv[optind]);
        if (cli_open(&n, data, NODE_OPEN_KEY))
                return EXIT_ERROR;
        /* http: the API runs in its own threads beside the daemon's loop;
         * a node that cannot serve it still syncs (HTTP-LISTEN logged). */
        if (daemon_stats_init(&stats)) {
                node_close(&n);
                return cli_error("run: cannot make a mutex");
        }
        if (n.config.http_listen[0] && http_start(&http, &n, &stats))
                http = NULL; /* logged: HTTP-LISTEN */
        err = daemon_run_stats(&n, &stats);
        http_stop(http);
        daemon_stats_release(&stats);
        node_close(&n);
        if (err)
                return cli_error("run: %s", err_str(err));
        return EXIT_OK;
}
