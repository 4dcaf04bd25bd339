/* network: create a network at the kabupaten, or show this node's network. */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

#define DEFAULT_VALID_DAYS 3650U

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
            .min = 1, .max = CLI_VALID_DAYS_MAX),
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
create_check(const struct network_opts *o, struct node *n)
{
        if (!o->region || !o->name)
                return cli_usage_error("network", "create needs --region and "
                                                  "--name");
        if (wire_name_check(o->name, strlen(o->name)))
                return cli_usage_error("network", "--name must be one line of "
                                                  "1 to 95 bytes");
        if (strcmp(o->region, n->config.region) ||
            region_level(n->config.region) != REGION_KABUPATEN)
                return cli_error(
                    "network create: a network is created on "
                    "the kabupaten node of its region: this "
                    "node serves %s (%s), not %s",
                    n->config.region,
                    region_level_name(region_level(n->config.region)),
                    o->region);
        if (n->replica.has_network)
                return cli_error("network create: this node already belongs "
                                 "to a network (see 'simpul network show')");
        if (wire_name_check(n->config.name, strlen(n->config.name)))
                return cli_error("network create: this node's name in "
                                 "simpul.conf must be 1 to 95 bytes without "
                                 "control characters");
        return 0;
}

/* Creates network.key, or loads it when an earlier run stopped half way. */
static int
root_key(struct node *n, struct key **root)
{
        char *path = node_path(n->dir, NODE_ROOT_KEY_FILE);
        int err = key_create_file(path);

        if (!err || err == ERR_EXISTS)
                err = key_load_file(path, root);
        if (err)
                cli_error("network create: cannot create the root key '%s': %s",
                          path, err_str(err));
        free(path);
        return err;
}

/* This node's own certificate: an issuer for the whole network. */
static void
own_cert(struct node *n, const struct key *root, uint64_t days,
         struct buf *cert)
{
        struct cert_info c;

        memset(&c, 0, sizeof(c));
        memcpy(c.network_id, n->replica.network.id, ENTRY_HASH_BYTES);
        memcpy(c.node_pk, n->key->pk, ENTRY_KEY_BYTES);
        strcpy(c.region, n->config.region);
        strcpy(c.name, n->config.name);
        c.valid_from_ms = time_now_ms();
        c.valid_until_ms = c.valid_from_ms + cli_days_ms(days);
        c.flags = CERT_FLAG_ISSUER;
        cert_sign(root, &c, cert);
}

static int
create_report(const struct network_opts *o, struct node *n, struct slice cert,
              const uint8_t entry[ENTRY_HASH_BYTES])
{
        const struct network *net = &n->replica.network;
        char id[65], root[65], eid[65];
        struct cert_info c;

        if (cert_parse(cert, &c))
                return cli_error("network create: cannot read back the "
                                 "certificate");
        id_hex(id, net->id);
        id_hex(root, net->desc.root_pk);
        id_hex(eid, entry);
        if (o->json)
                return cli_print_json(
                    json_pack("{s:s, s:s, s:s, s:s, s:o, s:s}", "network_id",
                              id, "region", net->desc.region, "name",
                              net->desc.name, "root_key", root, "certificate",
                              cli_cert_json(&c, net), "entry", eid));
        printf("Network created: %s\n"
               "  id:       %s\n"
               "  region:   %s\n"
               "  root key: %s (in %s/%s: keep it safe)\n\n"
               "This node's certificate (posted as entry %.16s):\n",
               net->desc.name, id, net->desc.region, root, n->dir,
               NODE_ROOT_KEY_FILE, eid);
        cli_cert_print(stdout, &c, net);
        printf("\nNext, on each kecamatan or desa node: simpul enroll "
               "request\n");
        return EXIT_OK;
}

/* Posts this node's certificate as a sertifikat entry of the root. */
static int
post_own_cert(struct node *n, const struct key *root, struct slice cert,
              uint8_t entry[ENTRY_HASH_BYTES])
{
        struct buf body = BUF_INIT;
        struct cli_issuer is;
        int err;

        memset(&is, 0, sizeof(is));
        is.key = root;
        is.is_root = true;
        strcpy(is.region, n->replica.network.desc.region);
        is.audience.type = AUDIENCE_TREE;
        strcpy(is.audience.target, is.region);
        wire_sertifikat_encode(cert, slice_make(NULL, 0), &body);
        err = cli_post_system(n, &is, KIND_SERTIFIKAT, buf_slice(&body), entry);
        buf_release(&body);
        return err;
}

/* Makes n a member of the new network (in memory: the trust rules apply
 * to the post that follows). */
static void
network_setup(struct node *n, const struct key *root,
              const struct network_opts *o)
{
        struct network_desc d;

        memset(&d, 0, sizeof(d));
        memcpy(d.root_pk, root->pk, ENTRY_KEY_BYTES);
        strcpy(d.region, o->region);
        strcpy(d.name, o->name);
        network_init(&n->replica.network, &d);
        n->replica.has_network = true;
}

static int
network_create(const struct network_opts *o)
{
        struct node n;
        struct key *root = NULL;
        struct buf cert = BUF_INIT;
        uint8_t entry[ENTRY_HASH_BYTES];
        int rc, err;

        if (cli_open(&n, o->data, NODE_OPEN_KEY))
                return EXIT_ERROR;
        if ((rc = create_check(o, &n)))
                goto out;
        rc = EXIT_ERROR;
        if (root_key(&n, &root))
                goto out;
        network_setup(&n, root, o);
        own_cert(&n, root, o->days ? o->days : DEFAULT_VALID_DAYS, &cert);
        if ((err = post_own_cert(&n, root, buf_slice(&cert), entry)) ||
            (err = cli_member_files_write(n.dir, &n.replica.network,
                                          buf_slice(&cert),
                                          slice_make(NULL, 0)))) {
                cli_error("network create: %s", err_str(err));
                goto out;
        }
        rc = create_report(o, &n, buf_slice(&cert), entry);
out:
        key_free(root);
        buf_release(&cert);
        node_close(&n);
        return rc;
}

/* ---- show --------------------------------------------------------------- */

static json_t *
show_json(struct node *n, const struct cert_info *c, bool holds_root)
{
        const struct network *net = &n->replica.network;
        char id[65], root[65];

        id_hex(id, net->id);
        id_hex(root, net->desc.root_pk);
        return json_pack("{s:s, s:s, s:s, s:s, s:b, s:o}", "network_id", id,
                         "region", net->desc.region, "name", net->desc.name,
                         "root_key", root, "holds_root_key", holds_root,
                         "certificate",
                         c ? cli_cert_json(c, net) : json_null());
}

static void
show_text(struct node *n, const struct cert_info *c, bool holds_root)
{
        const struct network *net = &n->replica.network;
        char id[65], root[65];

        id_hex(id, net->id);
        id_hex(root, net->desc.root_pk);
        printf("network:    %s\n"
               "  id:       %s\n"
               "  region:   %s\n"
               "  root key: %s%s\n\n",
               net->desc.name, id, net->desc.region, root,
               holds_root ? " (held here)" : "");
        if (!c) {
                printf("this node has no certificate: run 'simpul enroll "
                       "request'\n");
                return;
        }
        printf("this node's certificate:\n");
        cli_cert_print(stdout, c, net);
}

/* This node's certificate from node.cert, if it is one of this network. */
static int
show_cert(struct node *n, struct cert_info *c)
{
        struct network net;
        struct buf cert = BUF_INIT, ic = BUF_INIT;
        int err = node_cert_load(n->dir, &net, &cert, &ic);

        if (!err && memcmp(net.id, n->replica.network.id, ENTRY_HASH_BYTES))
                err = ERR_NETWORK;
        if (!err)
                err = cert_verify(&n->replica.network, buf_slice(&cert),
                                  ic.len ? buf_slice(&ic) : slice_make(NULL, 0),
                                  0, c, NULL);
        buf_release(&cert);
        buf_release(&ic);
        return err;
}

static int
network_show(const struct network_opts *o)
{
        struct cert_info c;
        struct node n;
        char *keyp;
        bool holds_root;
        int err, rc;

        if (cli_open(&n, o->data, NODE_OPEN_READ_ONLY))
                return EXIT_ERROR;
        if (!n.replica.has_network) {
                node_close(&n);
                return cli_error("network show: %s: this node belongs to no "
                                 "network (run 'simpul enroll request')",
                                 err_id(ERR_NOT_ENROLLED));
        }
        keyp = node_path(n.dir, NODE_ROOT_KEY_FILE);
        holds_root = access(keyp, F_OK) == 0;
        free(keyp);
        err = show_cert(&n, &c);
        if (err && err != ERR_NOT_ENROLLED)
                fprintf(stderr,
                        "simpul: warning: this node's certificate: %s\n",
                        err_str(err));
        rc = EXIT_OK;
        if (o->json)
                rc = cli_print_json(show_json(&n, err ? NULL : &c, holds_root));
        else
                show_text(&n, err ? NULL : &c, holds_root);
        node_close(&n);
        return rc;
}

int
cmd_network(int argc, char **argv)
{
        struct network_opts o;
        struct cli_parsed p;

        memset(&o, 0, sizeof(o));
        if (argc < 2 || argv[1][0] == '-') {
                if (argc >= 2 &&
                    (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
                        cli_help(&network_spec, stdout);
                        return EXIT_OK;
                }
                return cli_usage_error("network", "expected create or show");
        }
        if (!cli_parse(&network_spec, argc - 1, argv + 1, &o, &p))
                return p.status;
        if (!strcmp(argv[1], "create"))
                return network_create(&o);
        if (!strcmp(argv[1], "show"))
                return network_show(&o);
        return cli_usage_error("network", "unknown subcommand '%s'", argv[1]);
}
