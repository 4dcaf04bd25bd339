/* token: show or rotate the HTTP API token (DATA/http.token). */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "../app/app.h"
#include "cli.h"

struct token_opts {
        const char *data;
        bool json;
};

static const struct cli_opt token_opts[] = {
    CLI_OPT("show", CLI_WORD, 0,
            .help =
                "print the token (default); makes one if the node has none"),
    CLI_OPT("rotate", CLI_WORD, 0,
            .help = "replace it with a new random token: the old one stops\n"
                    "working at once, also in a running node"),
    CLI_OPT("data", CLI_STR, offsetof(struct token_opts, data), .arg = "DIR"),
    CLI_OPT("json", CLI_FLAG, offsetof(struct token_opts, json),
            .help = "print {\"token\": ..., \"file\": ...}"),
};

static const struct cli_spec token_spec = {
    .name = "token",
    .usage =
        "usage: simpul token [show | rotate] [--data DIR] [--json]\n\n"
        "The token that the local HTTP API (simpul run, [http] listen) asks\n"
        "of every write, as \"Authorization: Bearer TOKEN\", and of every\n"
        "request from another machine. It is in http.token in the data\n"
        "directory (mode 0600), made by simpul init.\n\n",
    .opts = token_opts,
    .n_opts = ARRAY_LEN(token_opts),
    .width = 8,
    .max_args = 1,
};

int
cmd_token(int argc, char **argv)
{
        struct token_opts o = {NULL, false};
        struct cli_parsed p;
        struct buf out = BUF_INIT;
        char tok[APP_TOKEN_HEX + 1], msg[APP_ERR_MAX];
        const char *what = "show";
        char *path;
        int rc;

        if (!cli_parse(&token_spec, argc, argv, &o, &p))
                return p.status;
        if (p.n_args)
                what = p.args[0];
        if (strcmp(what, "show") && strcmp(what, "rotate"))
                return cli_usage_error("token",
                                       "expected show or rotate, "
                                       "got '%s'",
                                       what);
        if (app_token(o.data, !strcmp(what, "rotate"), tok, &path, msg)) {
                free(path);
                return cli_error("token: %s", msg);
        }
        if (o.json)
                rc = cli_print_buf(&out, app_json_token(&out, tok, path, 0));
        else
                rc = (printf("%s\n", tok), EXIT_OK);
        explicit_bzero(tok, sizeof(tok));
        free(path);
        return rc;
}
