/* token: show or rotate the HTTP API token (DATA/http.token). */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../http/http.h"
#include "cli.h"

static const char token_help[] =
    "usage: simpul token [show | rotate] [--data DIR] [--json]\n\n"
    "The token that the local HTTP API (simpul run, [http] listen) asks\n"
    "of every write, as \"Authorization: Bearer TOKEN\", and of every\n"
    "request from another machine. It is in http.token in the data\n"
    "directory (mode 0600), made by simpul init.\n\n"
    "  show    print the token (default); makes one if the node has none\n"
    "  rotate  replace it with a new random token: the old one stops\n"
    "          working at once, also in a running node\n"
    "  --json  print {\"token\": ..., \"file\": ...}\n";

int
cmd_token(int argc, char **argv)
{
        static const struct option longs[] = {
            {"data", required_argument, NULL, CLI_OPT_DATA},
            {"json", no_argument, NULL, CLI_OPT_JSON},
            {"help", no_argument, NULL, CLI_OPT_HELP},
            {NULL, 0, NULL, 0},
        };
        char tok[HTTP_TOKEN_HEX + 1];
        const char *data = NULL, *what = "show";
        bool json = false;
        char *dir, *path;
        int c, err;

        while ((c = getopt_long(argc, argv, "h", longs, NULL)) != -1) {
                switch (c) {
                case CLI_OPT_DATA:
                        data = optarg;
                        break;
                case CLI_OPT_JSON:
                        json = true;
                        break;
                case CLI_OPT_HELP:
                        fputs(token_help, stdout);
                        return EXIT_OK;
                default:
                        return cli_usage_error("token", "invalid option");
                }
        }
        if (optind < argc)
                what = argv[optind++];
        if (optind < argc)
                return cli_usage_error("token", "unexpected argument '%s'",
                                       argv[optind]);
        if (strcmp(what, "show") && strcmp(what, "rotate"))
                return cli_usage_error("token",
                                       "expected show or rotate, "
                                       "got '%s'",
                                       what);
        /* The token lives beside the config; the store is not opened. */
        dir = node_data_dir(data);
        path = node_path(dir, NODE_CONFIG_FILE);
        if (access(path, F_OK)) {
                c = cli_error("token: no node in '%s': run 'simpul init "
                              "--region CODE --name NAME' first, or pass "
                              "--data DIR",
                              dir);
                free(path);
                free(dir);
                return c;
        }
        free(path);
        err = http_token_read(dir, tok);
        if (!strcmp(what, "rotate") || err == ERR_NOT_FOUND)
                err = http_token_new(dir, tok);
        path = node_path(dir, HTTP_TOKEN_FILE);
        free(dir);
        if (err) {
                c = cli_error("token: cannot %s '%s': %s",
                              strcmp(what, "rotate") ? "read" : "write", path,
                              err_str(err));
                free(path);
                return c;
        }
        if (json)
                c = cli_print_json(
                    json_pack("{s:s, s:s}", "token", tok, "file", path));
        else
                c = (printf("%s\n", tok), EXIT_OK);
        explicit_bzero(tok, sizeof(tok));
        free(path);
        return c;
}
