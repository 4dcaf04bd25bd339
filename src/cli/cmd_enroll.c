/* enroll: request, sign and accept membership certificates. */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

struct enroll_opts {
        const char *data, *arg, *out;
        uint64_t days;
        bool json, issuer;
};

#define O(field) offsetof(struct enroll_opts, field)
static const struct cli_opt enroll_opts[] = {
    CLI_OPT("valid-days", CLI_U64, O(days), .arg = "N",
            .help = "validity of the certificate, 1 to 36500 days", .min = 1,
            .max = CLI_VALID_DAYS_MAX),
    CLI_OPT("issuer", CLI_FLAG, O(issuer),
            .help = "kabupaten only, for a kecamatan node: it may then\n"
                    "certify the desa nodes of its own kecamatan"),
    CLI_OPT(NULL, CLI_STR, O(out), .short_name = 'o', .arg = "FILE",
            .help = "also write the certificate line to FILE"),
    CLI_OPT("data", CLI_STR, O(data), .arg = "DIR"),
    CLI_OPT("json", CLI_FLAG, O(json), .help = "print the result as JSON"),
};
#undef O

static const struct cli_spec enroll_spec = {
    .name = "enroll",
    .usage =
        "usage: simpul enroll request [--data DIR] [--json]\n"
        "       simpul enroll sign REQUEST --valid-days N [--issuer] [-o "
        "FILE]\n"
        "                          [--data DIR] [--json]\n"
        "       simpul enroll accept CERTIFICATE [--data DIR] [--json]\n\n"
        "A node joins its kabupaten's network in three steps:\n\n"
        "  1. on the new node:   simpul enroll request\n"
        "     prints one line, simpul-req1:...; send it to the issuer (chat,\n"
        "     SMS, e-mail, a USB stick).\n"
        "  2. at the issuer:     simpul enroll sign 'simpul-req1:...' "
        "--valid-days 365\n"
        "     the kabupaten (which holds network.key) signs any node of the\n"
        "     network; a kecamatan it certified with --issuer signs the desa\n"
        "     of its own kecamatan. Prints one line, simpul-cert1:..., and\n"
        "     posts the certificate to the issuer's system feed.\n"
        "  3. on the new node:   simpul enroll accept 'simpul-cert1:...'\n"
        "     checks the certificate and joins the network.\n\n"
        "REQUEST and CERTIFICATE are the line itself or a file holding it.\n\n",
    .opts = enroll_opts,
    .n_opts = ARRAY_LEN(enroll_opts),
    .width = 16,
    .max_args = 1, /* REQUEST or CERTIFICATE */
};

/* Says why a line could not be read: a missing file or a damaged line. */
static int
line_error(const char *cmd, const char *arg, const char *what, int err)
{
        if (err == -ENOENT)
                return cli_error("%s: '%s' is neither a %s line nor a file",
                                 cmd, arg, what);
        if (err > ERR_LAST_) /* a system error */
                return cli_error("%s: cannot read '%s': %s", cmd, arg,
                                 err_str(err));
        if (err == ERR_TOO_BIG)
                return cli_error("%s: '%s' is too long for a %s line", cmd, arg,
                                 what);
        return cli_error("%s: not a valid %s (%s): check that the whole "
                         "line was copied",
                         cmd, what, err_id(err));
}

/* ---- request --------------------------------------------------------------
 */

static int
enroll_request(const struct enroll_opts *o)
{
        struct buf bytes = BUF_INIT, line = BUF_INIT;
        struct enroll_req rq;
        struct node n;
        char pk[65];
        int rc = EXIT_ERROR;

        if (o->arg)
                return cli_usage_error("enroll", "request takes no argument");
        if (cli_open(&n, o->data, NODE_OPEN_KEY))
                return EXIT_ERROR;
        memset(&rq, 0, sizeof(rq));
        strcpy(rq.region, n.config.region);
        strcpy(rq.name, n.config.name);
        if (wire_name_check(rq.name, strlen(rq.name))) {
                cli_error("enroll request: the node name in simpul.conf must "
                          "be 1 to 95 bytes without control characters");
                goto out;
        }
        request_sign(n.key, &rq, &bytes);
        text_encode(TEXT_REQUEST_PREFIX, buf_slice(&bytes), &line);
        id_hex(pk, rq.node_pk);
        if (o->json)
                rc = cli_print_json(json_pack(
                    "{s:s, s:s, s:s, s:s}", "request", (char *)line.data,
                    "node_key", pk, "region", rq.region, "name", rq.name));
        else
                rc = (puts((char *)line.data), EXIT_OK);
out:
        buf_release(&bytes);
        buf_release(&line);
        node_close(&n);
        return rc;
}

/* ---- sign -----------------------------------------------------------------
 */

static int
sign_check(const struct enroll_opts *o, struct node *n,
           const struct cli_issuer *is, const struct enroll_req *rq)
{
        const struct network *net = &n->replica.network;
        int level = region_level(rq->region);
        bool revoked = false;

        if (!region_covers(net->desc.region, rq->region))
                return cli_error("enroll sign: the request is for %s, "
                                 "outside this network (%s)",
                                 rq->region, net->desc.region);
        if (!memcmp(rq->node_pk, net->desc.root_pk, ENTRY_KEY_BYTES))
                return cli_error("enroll sign: the request is for the "
                                 "network root key");
        if (o->issuer && !is->is_root)
                return cli_error("enroll sign: --issuer: only the kabupaten "
                                 "(holding %s) may certify issuers",
                                 NODE_ROOT_KEY_FILE);
        if (o->issuer && level != REGION_KECAMATAN)
                return cli_error("enroll sign: --issuer is for kecamatan "
                                 "nodes; %s is a %s",
                                 rq->region, region_level_name(level));
        if (!is->is_root && !cli_issuer_covers(is, rq->region))
                return cli_error("enroll sign: this node may certify nodes "
                                 "of %s only, not of %s: ask the kabupaten",
                                 is->region, rq->region);
        if (!is->is_root && !memcmp(rq->node_pk, n->key->pk, ENTRY_KEY_BYTES))
                return cli_error("enroll sign: a node cannot certify itself");
        if (replica_revoked(&n->replica, rq->node_pk, &revoked) || revoked)
                return cli_error("enroll sign: this node key is revoked: the "
                                 "node needs a new key (simpul init)");
        return 0;
}

/* The issuer's own certificate travels with what a delegated issuer signs. */
static struct slice
issuer_cert_of(const struct cli_issuer *is)
{
        return is->is_root ? slice_make(NULL, 0) : buf_slice(&is->own_cert);
}

static int
sign_make(const struct enroll_opts *o, struct node *n,
          const struct cli_issuer *is, const struct enroll_req *rq,
          struct buf *cert, struct cert_info *c)
{
        memset(c, 0, sizeof(*c));
        memcpy(c->network_id, n->replica.network.id, ENTRY_HASH_BYTES);
        memcpy(c->node_pk, rq->node_pk, ENTRY_KEY_BYTES);
        strcpy(c->region, rq->region);
        strcpy(c->name, rq->name);
        c->valid_from_ms = time_now_ms();
        c->valid_until_ms = c->valid_from_ms + cli_days_ms(o->days);
        c->flags = o->issuer ? CERT_FLAG_ISSUER : 0;
        cert_sign(is->key, c, cert);
        /* What every receiver will check. */
        return cert_verify(&n->replica.network, buf_slice(cert),
                           issuer_cert_of(is), 0, c, NULL);
}

static int
sign_output(const struct enroll_opts *o, const struct network *net,
            const struct cert_info *c, struct slice line,
            const uint8_t entry[ENTRY_HASH_BYTES])
{
        char eid[65];
        FILE *f;

        if (o->out) {
                if (!(f = fopen(o->out, "w")))
                        return cli_error("enroll sign: cannot create '%s': %s",
                                         o->out, strerror(errno));
                fprintf(f, "%s\n", (const char *)line.ptr);
                if (fclose(f))
                        return cli_error("enroll sign: cannot write '%s': %s",
                                         o->out, strerror(errno));
        }
        id_hex(eid, entry);
        if (o->json)
                return cli_print_json(json_pack(
                    "{s:s, s:s, s:o}", "certificate", (const char *)line.ptr,
                    "entry", eid, "cert", cli_cert_json(c, net)));
        puts((const char *)line.ptr);
        return EXIT_OK;
}

static int
sign_post(struct node *n, const struct cli_issuer *is, struct slice cert,
          uint8_t entry[ENTRY_HASH_BYTES])
{
        struct buf body = BUF_INIT;
        int err;

        wire_sertifikat_encode(cert, issuer_cert_of(is), &body);
        err = cli_post_system(n, is, KIND_SERTIFIKAT, buf_slice(&body), entry);
        buf_release(&body);
        if (err)
                cli_error("enroll sign: cannot post the certificate: %s",
                          err_str(err));
        return err;
}

/* Reads and checks the request (rq keeps no pointer into the line). */
static int
sign_request(const struct enroll_opts *o, struct enroll_req *rq)
{
        struct buf req = BUF_INIT;
        int err;

        if ((err = cli_read_line_arg(o->arg, TEXT_REQUEST_PREFIX, REQUEST_MAX,
                                     &req)) == 0)
                err = request_open(buf_slice(&req), rq);
        buf_release(&req);
        return err ? line_error("enroll sign", o->arg, "enrolment request", err)
                   : 0;
}

static int
enroll_sign(const struct enroll_opts *o)
{
        struct buf cert = BUF_INIT, line = BUF_INIT;
        uint8_t entry[ENTRY_HASH_BYTES];
        struct cli_issuer is;
        struct enroll_req rq;
        struct cert_info c;
        struct node n;
        int rc = EXIT_ERROR, err;

        if (!o->arg || !o->days)
                return cli_usage_error("enroll", "sign needs REQUEST and "
                                                 "--valid-days N");
        if (sign_request(o, &rq) || cli_open(&n, o->data, NODE_OPEN_KEY))
                return EXIT_ERROR;
        memset(&is, 0, sizeof(is));
        if (cli_issuer_open(&n, "enroll sign", &is) ||
            sign_check(o, &n, &is, &rq))
                goto out;
        if ((err = sign_make(o, &n, &is, &rq, &cert, &c))) {
                cli_error("enroll sign: the certificate would not verify: %s",
                          err_str(err));
                goto out;
        }
        if (sign_post(&n, &is, buf_slice(&cert), entry))
                goto out;
        cli_cert_line(&n.replica.network, buf_slice(&cert), issuer_cert_of(&is),
                      &line);
        rc = sign_output(o, &n.replica.network, &c, buf_slice(&line), entry);
out:
        cli_issuer_release(&is);
        buf_release(&cert);
        buf_release(&line);
        node_close(&n);
        return rc;
}

/* ---- accept ---------------------------------------------------------------
 */

struct accepted {
        struct buf bytes;
        struct network net;
        struct slice cert, issuer_cert;
        struct cert_info c;
};

static int
accept_load(const struct enroll_opts *o, struct accepted *a)
{
        struct slice desc;
        int err;

        if ((err = cli_read_line_arg(o->arg, TEXT_CERT_PREFIX, CERT_BUNDLE_MAX,
                                     &a->bytes)) ||
            (err = wire_cert_bundle_decode(buf_slice(&a->bytes), &desc,
                                           &a->cert, &a->issuer_cert)) ||
            (err = network_open(desc, &a->net)))
                return line_error("enroll accept", o->arg, "certificate", err);
        return 0;
}

static int
accept_check(struct node *n, struct accepted *a)
{
        char mine[65], theirs[65];
        int err;

        if (n->replica.has_network &&
            memcmp(n->replica.network.id, a->net.id, ENTRY_HASH_BYTES))
                return cli_error("enroll accept: %s: this node already "
                                 "belongs to network '%s'; refusing to move "
                                 "it to '%s' (use a new data directory)",
                                 err_id(ERR_NETWORK),
                                 n->replica.network.desc.name,
                                 a->net.desc.name);
        if ((err =
                 cert_verify(&a->net, a->cert, a->issuer_cert, 0, &a->c, NULL)))
                return cli_error("enroll accept: the certificate does not "
                                 "verify: %s (%s)",
                                 err_str(err), err_id(err));
        id_hex(mine, n->key->pk);
        id_hex(theirs, a->c.node_pk);
        if (strcmp(mine, theirs))
                return cli_error("enroll accept: the certificate is for node "
                                 "%.16s..., not this node (%.16s...)",
                                 theirs, mine);
        if (strcmp(a->c.region, n->config.region))
                return cli_error("enroll accept: the certificate is for "
                                 "region %s, but this node serves %s",
                                 a->c.region, n->config.region);
        return 0;
}

/* Stores the certificate (checking revocations) and writes the files. */
static int
accept_apply(struct node *n, struct accepted *a)
{
        int err;

        n->replica.network = a->net;
        n->replica.has_network = true;
        if ((err = replica_check_peer(&n->replica, n->key->pk, a->cert,
                                      a->issuer_cert, NULL, &a->c)))
                return cli_error("enroll accept: %s (%s)", err_str(err),
                                 err_id(err));
        if ((err = cli_member_files_write(n->dir, &a->net, a->cert,
                                          a->issuer_cert)))
                return cli_error("enroll accept: cannot write to '%s': %s",
                                 n->dir, err_str(err));
        return 0;
}

static int
accept_report(const struct enroll_opts *o, const struct accepted *a)
{
        char id[65];

        if (cert_check_time(&a->c, time_now_ms()))
                fprintf(stderr, "simpul: warning: the certificate is not "
                                "valid now by this node's clock: check the "
                                "date and time\n");
        id_hex(id, a->net.id);
        if (o->json)
                return cli_print_json(json_pack(
                    "{s:s, s:s, s:s, s:o}", "network_id", id, "network",
                    a->net.desc.name, "network_region", a->net.desc.region,
                    "certificate", cli_cert_json(&a->c, &a->net)));
        printf("Enrolled in network %s (%s, id %.16s)\n", a->net.desc.name,
               a->net.desc.region, id);
        cli_cert_print(stdout, &a->c, &a->net);
        return EXIT_OK;
}

static int
enroll_accept(const struct enroll_opts *o)
{
        struct accepted a;
        struct node n;
        int rc = EXIT_ERROR;

        if (!o->arg)
                return cli_usage_error("enroll", "accept needs CERTIFICATE");
        memset(&a, 0, sizeof(a));
        if (accept_load(o, &a)) {
                buf_release(&a.bytes);
                return EXIT_ERROR;
        }
        if (cli_open(&n, o->data, NODE_OPEN_KEY)) {
                buf_release(&a.bytes);
                return EXIT_ERROR;
        }
        if (!accept_check(&n, &a) && !accept_apply(&n, &a))
                rc = accept_report(o, &a);
        buf_release(&a.bytes);
        node_close(&n);
        return rc;
}

int
cmd_enroll(int argc, char **argv)
{
        struct enroll_opts o;
        struct cli_parsed p;

        memset(&o, 0, sizeof(o));
        if (argc < 2 || argv[1][0] == '-') {
                if (argc >= 2 &&
                    (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
                        cli_help(&enroll_spec, stdout);
                        return EXIT_OK;
                }
                return cli_usage_error("enroll",
                                       "expected request, sign or accept");
        }
        if (!cli_parse(&enroll_spec, argc - 1, argv + 1, &o, &p))
                return p.status;
        o.arg = p.n_args ? p.args[0] : NULL;
        if (!strcmp(argv[1], "request"))
                return enroll_request(&o);
        if (!strcmp(argv[1], "sign"))
                return enroll_sign(&o);
        if (!strcmp(argv[1], "accept"))
                return enroll_accept(&o);
        return cli_usage_error("enroll", "unknown subcommand '%s'", argv[1]);
}
