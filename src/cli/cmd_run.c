/* run: the node daemon (src/node/daemon.c). */
#include <getopt.h>
#include <string.h>

#include "../node/daemon.h"
#include "cli.h"

static const char run_help[] =
    "usage: simpul run [--data DIR]\n\n"
    "Runs this node: listens for child nodes on [net] listen, dials the\n"
    "parent in [net] parent (then its fallbacks), and keeps every link in\n"
    "sync: what the other side lacks is sent, new entries are pushed\n"
    "within a second. Logs one line per event on stderr. Stops cleanly on\n"
    "SIGTERM or SIGINT. The node must be enrolled in a network\n"
    "(simpul enroll).\n";

int
cmd_run(int argc, char **argv)
{
        static const struct option longs[] = {
            {"data", required_argument, NULL, CLI_OPT_DATA},
            {"help", no_argument, NULL, CLI_OPT_HELP},
            {NULL, 0, NULL, 0},
        };
        const char *data = NULL;
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
        err = daemon_run(&n);
        node_close(&n);
        if (err)
                return cli_error("run: %s", err_str(err));
        return EXIT_OK;
}
