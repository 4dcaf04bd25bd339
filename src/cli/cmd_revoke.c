/* revoke: post a revocation (pencabutan) of a node's membership. */
#include <stddef.h>
#include <string.h>

#include "cli.h"

struct revoke_opts {
        const char *data, *reason;
        uint8_t node[ENTRY_KEY_BYTES];
        bool json;
};

#define O(field) offsetof(struct revoke_opts, field)
static const struct cli_opt revoke_opts[] = {
    CLI_OPT("NODE_KEY", CLI_WORD, 0,
            .help = "the node's key, 64 hex digits (see 'simpul network\n"
                    "show' on that node, or 'simpul list --kind sertifikat')"),
    CLI_OPT("reason", CLI_STR, O(reason), .arg = "TEXT",
            .help = "why, for the operators (one line)"),
    CLI_OPT("data", CLI_STR, O(data), .arg = "DIR"),
    CLI_OPT("json", CLI_FLAG, O(json), .help = "print the result as JSON"),
};
#undef O

static const struct cli_spec revoke_spec = {
    .name = "revoke",
    .usage =
        "usage: simpul revoke NODE_KEY [--reason TEXT] [--data DIR] "
        "[--json]\n\n"
        "Revokes a node's membership for good (a stolen or retired machine).\n"
        "Run it on an issuer: the kabupaten (holding network.key) for any\n"
        "node, a kecamatan issuer for the nodes of its own kecamatan.\n\n"
        "The revocation names every feed of that node held here and the last\n"
        "entry held of each, by seq and id: those entries stay valid\n"
        "everywhere; another entry at that seq, later entries of those feeds\n"
        "and entries of its other feeds are refused (NODE-REVOKED), and the\n"
        "node is refused at every handshake: its open links close. It is\n"
        "posted to the system feed, which every node receives first.\n\n",
    .opts = revoke_opts,
    .n_opts = ARRAY_LEN(revoke_opts),
    .width = 15,
    .max_args = -1,
};

/* The node key and the reason: 0 or a usage error. */
static int
revoke_check_args(struct revoke_opts *o, const struct cli_parsed *p)
{
        if (p->n_args != 1)
                return cli_usage_error("revoke", "expected one NODE_KEY");
        if (strlen(p->args[0]) != 2 * ENTRY_KEY_BYTES ||
            hex_decode(o->node, ENTRY_KEY_BYTES, p->args[0],
                       2 * ENTRY_KEY_BYTES))
                return cli_usage_error("revoke", "NODE_KEY: expected 64 hex "
                                                 "digits");
        if (o->reason &&
            (strlen(o->reason) > APP_REASON_MAX || strpbrk(o->reason, "\n\r")))
                return cli_usage_error("revoke", "--reason must be one line "
                                                 "of at most 1024 bytes");
        return 0;
}

int
cmd_revoke(int argc, char **argv)
{
        struct revoke_opts o;
        struct app_revoked rv;
        struct cli_parsed p;
        struct buf out = BUF_INIT;
        char msg[APP_ERR_MAX];
        struct node n;
        int rc;

        memset(&o, 0, sizeof(o));
        if (!cli_parse(&revoke_spec, argc, argv, &o, &p))
                return p.status;
        if ((rc = revoke_check_args(&o, &p)))
                return rc;
        if (cli_open(&n, o.data, NODE_OPEN_KEY))
                return EXIT_ERROR;
        if (app_revoke(&n, o.node, o.reason, &rv, msg)) {
                app_close(&n);
                return cli_error("revoke: %s", msg);
        }
        app_close(&n);
        if (o.json)
                rc = cli_print_buf(&out, app_json_revoked(&out, &rv, 0));
        else
                rc = (printf("revoked node %s (entry %.16s): %zu feeds held "
                             "here keep their entries up to the last one "
                             "held\n",
                             rv.node_key, rv.entry, rv.n_feeds),
                      EXIT_OK);
        app_revoked_release(&rv);
        return rc;
}
