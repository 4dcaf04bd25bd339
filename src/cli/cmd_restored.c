/* restored: show or clear the "store restored" state (proto/SYNC.md §5.3). */
#include <getopt.h>

#include "cli.h"

static const char restored_help[] =
    "usage: simpul restored [--data DIR] [--clear] [--json]\n\n"
    "A store that was recreated empty, or restored from an older copy (a\n"
    "peer holds entries of this node's own feeds that it lacks), may not\n"
    "post: a post now would reuse sequence numbers its peers already hold,\n"
    "and freeze this node's feeds everywhere as a fork. The daemon allows\n"
    "posting again once it has caught up with every configured parent.\n\n"
    "  --clear  allow posting now: only when every parent is known to\n"
    "           hold nothing newer of this node (they are gone for good,\n"
    "           say); the daemon notices within a second\n";

int
cmd_restored(int argc, char **argv)
{
        static const struct option longs[] = {
            {"data", required_argument, NULL, CLI_OPT_DATA},
            {"clear", no_argument, NULL, 'c'},
            {"json", no_argument, NULL, CLI_OPT_JSON},
            {"help", no_argument, NULL, CLI_OPT_HELP},
            {NULL, 0, NULL, 0},
        };
        const char *data = NULL;
        bool json = false, clear = false, was;
        struct node n;
        int c, err = 0;

        while ((c = getopt_long(argc, argv, "h", longs, NULL)) != -1) {
                switch (c) {
                case CLI_OPT_DATA:
                        data = optarg;
                        break;
                case 'c':
                        clear = true;
                        break;
                case CLI_OPT_JSON:
                        json = true;
                        break;
                case CLI_OPT_HELP:
                        fputs(restored_help, stdout);
                        return EXIT_OK;
                default:
                        return cli_usage_error("restored", "invalid option");
                }
        }
        if (optind < argc)
                return cli_usage_error("restored", "unexpected argument '%s'",
                                       argv[optind]);
        if (cli_open(&n, data, clear ? 0 : NODE_OPEN_READ_ONLY))
                return EXIT_ERROR;
        was = n.restored;
        if (clear && was)
                err = node_restored_set(&n, false);
        node_close(&n);
        if (err)
                return cli_error("restored: %s", err_str(err));
        if (json)
                return cli_print_json(json_pack("{s:b, s:b}", "restored",
                                                was && !clear, "cleared",
                                                was && clear));
        if (!was)
                printf("not restored: posting is allowed\n");
        else if (clear)
                printf("cleared: posting is allowed again\n");
        else
                printf("restored: posting is off until every parent has been "
                       "heard from (simpul restored --clear)\n");
        return EXIT_OK;
}
