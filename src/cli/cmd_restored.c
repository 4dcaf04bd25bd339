/* restored: show or clear the "store restored" state (proto/SYNC.md §5.3). */
#include <stddef.h>

#include "../app/app.h"
#include "cli.h"

struct restored_opts {
        const char *data;
        bool clear, json;
};

#define O(field) offsetof(struct restored_opts, field)
static const struct cli_opt restored_opts[] = {
    CLI_OPT("data", CLI_STR, O(data), .arg = "DIR"),
    CLI_OPT("clear", CLI_FLAG, O(clear),
            .help = "allow posting now: only when every parent is known to\n"
                    "hold nothing newer of this node (they are gone for good,\n"
                    "say); the daemon notices within a second"),
    CLI_OPT("json", CLI_FLAG, O(json)),
};
#undef O

static const struct cli_spec restored_spec = {
    .name = "restored",
    .usage =
        "usage: simpul restored [--data DIR] [--clear] [--json]\n\n"
        "A store that was recreated empty, or restored from an older copy (a\n"
        "peer holds entries of this node's own feeds that it lacks), may not\n"
        "post: a post now would reuse sequence numbers its peers already "
        "hold,\n"
        "and freeze this node's feeds everywhere as a fork. The daemon allows\n"
        "posting again once it has caught up with every configured parent.\n\n",
    .opts = restored_opts,
    .n_opts = ARRAY_LEN(restored_opts),
    .width = 9,
};

int
cmd_restored(int argc, char **argv)
{
        struct restored_opts o = {NULL, false, false};
        struct cli_parsed p;
        struct buf out = BUF_INIT;
        char msg[APP_ERR_MAX];
        struct node n;
        bool was;
        int err;

        if (!cli_parse(&restored_spec, argc, argv, &o, &p))
                return p.status;
        if (cli_open(&n, o.data, o.clear ? 0 : NODE_OPEN_READ_ONLY))
                return EXIT_ERROR;
        err = app_restored(&n, o.clear, &was, msg);
        app_close(&n);
        if (err)
                return cli_error("restored: %s", msg);
        if (o.json)
                return cli_print_buf(&out,
                                     app_json_restored(&out, was && !o.clear,
                                                       was && o.clear, 0));
        if (!was)
                printf("not restored: posting is allowed\n");
        else if (o.clear)
                printf("cleared: posting is allowed again\n");
        else
                printf("restored: posting is off until every parent has been "
                       "heard from (simpul restored --clear)\n");
        return EXIT_OK;
}
