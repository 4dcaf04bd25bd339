/* network: create a network at the kabupaten, or show this node's network. */
#include <stddef.h>
#include <string.h>

#include "cli.h"

struct network_opts {
        const char *region, *name, *data;
        uint64_t days;
        bool json;
};

#define O(field) offsetof(struct network_opts, field)
static const struct cli_opt network_opts[] = {
    CLI_OPT("region", CLI_STR, O(region), .arg = "CODE",
            .help = "the kabupaten code, e.g. 36.04 (this node's region)"),
    CLI_OPT("name", CLI_STR, O(name), .arg = "NAME",
            .help = "the network's name, e.g. \"KIM Kabupaten Serang\""),
    CLI_OPT("valid-days", CLI_U64, O(days), .arg = "N",
            .help = "validity of this node's certificate (default 3650)",
            .min = 1, .max = APP_VALID_DAYS_MAX),
    CLI_OPT("data", CLI_STR, O(data), .arg = "DIR"),
    CLI_OPT("json", CLI_FLAG, O(json), .help = "print the result as JSON"),
};
#undef O

static const struct cli_spec network_spec = {
    .name = "network",
    .usage =
        "usage: simpul network create --region CODE --name NAME\n"
        "                             [--valid-days N] [--data DIR] [--json]\n"
        "       simpul network show [--data DIR] [--json]\n\n"
        "A network is one kabupaten's deployment: its root key signs the\n"
        "membership certificates of every node, and only certified nodes'\n"
        "entries are accepted.\n\n"
        "create  run once, on the kabupaten node whose region is CODE: makes\n"
        "        the root key (network.key, mode 0600: keep it safe, it can\n"
        "        certify any node), writes the network file, certifies this\n"
        "        node as an issuer and posts that certificate to the system\n"
        "        feed. Then enrol the other nodes: simpul enroll --help.\n"
        "show    the network this node belongs to and its certificate.\n\n",
    .opts = network_opts,
    .n_opts = ARRAY_LEN(network_opts),
    .width = 16,
};

/* ---- create ------------------------------------------------------------- */

static int
create_report(const struct network_opts *o, const struct node *n,
              const struct app_network *nw)
{
        struct buf out = BUF_INIT;

        if (o->json)
                return cli_print_buf(&out, app_json_network(&out, nw, 0));
        printf("Network created: %s\n"
               "  id:       %s\n"
               "  region:   %s\n"
               "  root key: %s (in %s/%s: keep it safe)\n\n"
               "This node's certificate (posted as entry %.16s):\n",
               nw->net.desc.name, nw->id, nw->net.desc.region, nw->root_key,
               n->dir, NODE_ROOT_KEY_FILE, nw->entry);
        cli_cert_print(stdout, &nw->cert);
        printf("\nNext, on each kecamatan or desa node: simpul enroll "
               "request\n");
        return EXIT_OK;
}

static int
network_create(const struct network_opts *o)
{
        struct app_network nw;
        char msg[APP_ERR_MAX];
        struct node n;
        int rc, err;

        if (cli_open(&n, o->data, NODE_OPEN_KEY))
                return EXIT_ERROR;
        err = app_network_create(&n, o->region, o->name, o->days, &nw, msg);
        if (err == ERR_USAGE)
                rc = cli_usage_error("network", "%s", msg);
        else if (err)
                rc = cli_error("network create: %s", msg);
        else
                rc = create_report(o, &n, &nw);
        app_close(&n);
        return rc;
}

/* ---- show --------------------------------------------------------------- */

static void
show_text(const struct app_network *nw)
{
        printf("network:    %s\n"
               "  id:       %s\n"
               "  region:   %s\n"
               "  root key: %s%s\n\n",
               nw->net.desc.name, nw->id, nw->net.desc.region, nw->root_key,
               nw->holds_root ? " (held here)" : "");
        if (!nw->has_cert) {
                printf("this node has no certificate: run 'simpul enroll "
                       "request'\n");
                return;
        }
        printf("this node's certificate:\n");
        cli_cert_print(stdout, &nw->cert);
}

static int
network_show(const struct network_opts *o)
{
        struct app_network nw;
        struct buf out = BUF_INIT;
        char msg[APP_ERR_MAX];
        struct node n;
        int rc = EXIT_OK;

        if (cli_open(&n, o->data, NODE_OPEN_READ_ONLY))
                return EXIT_ERROR;
        if (app_network_show(&n, &nw, msg)) {
                app_close(&n);
                return cli_error("network show: %s", msg);
        }
        app_close(&n);
        if (nw.cert_err && nw.cert_err != ERR_NOT_ENROLLED)
                fprintf(stderr,
                        "simpul: warning: this node's certificate: %s\n",
                        err_str(nw.cert_err));
        if (o->json)
                rc = cli_print_buf(&out, app_json_network(&out, &nw, 0));
        else
                show_text(&nw);
        return rc;
}

int
cmd_network(int argc, char **argv)
{
        struct network_opts o;
        struct cli_parsed p;

        memset(&o, 0, sizeof(o));
        if (!cli_parse_sub(&network_spec, "expected create or show", argc, argv,
                           &o, &p))
                return p.status;
        if (!strcmp(argv[1], "create"))
                return network_create(&o);
        if (!strcmp(argv[1], "show"))
                return network_show(&o);
        return cli_usage_error("network", "unknown subcommand '%s'", argv[1]);
}
