/* import: verify and store the entries of a bundle file. */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../app/app.h"
#include "cli.h"

struct import_opts {
        const char *data;
        uint64_t threads; /* 0: one per core */
        bool json;
};

#define O(field) offsetof(struct import_opts, field)
static const struct cli_opt import_opts[] = {
    CLI_OPT("data", CLI_STR, O(data), .arg = "DIR"),
    CLI_OPT("json", CLI_FLAG, O(json)),
    CLI_OPT("threads", CLI_U64, O(threads), .arg = "N", .min = 1, .max = 64),
};
#undef O

static const struct cli_spec import_spec = {
    .name = "import",
    .usage =
        "usage: simpul import FILE [--data DIR] [--json]\n\n"
        "Reads a bundle file (from 'simpul export'; - for standard input),\n"
        "verifies every entry (signature, chain, authoring rules, that this\n"
        "node is in its audience) and stores the valid ones, committing\n"
        "every 1000 entries. Importing the same file again stores nothing\n"
        "new. Refused entries are logged with their error id; exit status\n"
        "is 1 if any entry was refused or the file is damaged.\n",
    .opts = import_opts,
    .n_opts = ARRAY_LEN(import_opts),
    .max_args = -1,
};

static int
import_report(const struct app_import *im, bool json, int rc)
{
        const struct ingest_stats *s = &im->sum;
        struct buf out = BUF_INIT;

        if (json)
                cli_print_buf(
                    &out,
                    app_json_import(&out, im, rc == EXIT_OK && !s->refused, 0));
        else
                printf("imported %llu new entries, %llu already held, "
                       "%llu refused\n",
                       (unsigned long long)s->stored,
                       (unsigned long long)s->had,
                       (unsigned long long)s->refused);
        if (rc == EXIT_OK && s->refused)
                rc = cli_error("import: %llu entries refused (first: %s); "
                               "see the log lines above",
                               (unsigned long long)s->refused,
                               err_id(s->first_error));
        return rc;
}

int
cmd_import(int argc, char **argv)
{
        struct import_opts o = {NULL, 0, false};
        struct app_import im;
        struct cli_parsed p;
        char msg[APP_ERR_MAX];
        const char *name;
        struct node n;
        FILE *f;
        int rc = EXIT_OK;

        if (!cli_parse(&import_spec, argc, argv, &o, &p))
                return p.status;
        if (p.n_args != 1)
                return cli_usage_error("import", "expected one FILE");
        name = p.args[0];
        f = strcmp(name, "-") ? fopen(name, "rb") : stdin;
        if (!f)
                return cli_error("import: cannot open '%s': %s", name,
                                 strerror(errno));
        if (cli_open(&n, o.data, 0)) {
                if (f != stdin)
                        fclose(f);
                return EXIT_ERROR;
        }
        if (app_import(&n, f, name, (unsigned)o.threads, &im, msg))
                rc = cli_error("import: %s", msg);
        if (f != stdin)
                fclose(f);
        app_close(&n);
        return import_report(&im, o.json, rc);
}
