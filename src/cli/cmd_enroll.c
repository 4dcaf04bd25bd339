/* enroll: request, sign and accept membership certificates. */
#include <stddef.h>
#include <stdio.h>
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
            .max = APP_VALID_DAYS_MAX),
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

/* ---- request ------------------------------------------------------------ */

static int
enroll_request(const struct enroll_opts *o)
{
        struct app_request rq;
        struct buf out = BUF_INIT;
        char msg[APP_ERR_MAX];
        struct node n;
        int rc = EXIT_OK;

        if (o->arg)
                return cli_usage_error("enroll", "request takes no argument");
        if (cli_open(&n, o->data, NODE_OPEN_KEY))
                return EXIT_ERROR;
        if (app_enroll_request(&n, &rq, msg)) {
                app_close(&n);
                return cli_error("enroll request: %s", msg);
        }
        if (o->json)
                rc = cli_print_buf(&out, app_json_request(&out, &rq, 0));
        else
                puts((const char *)rq.line.data);
        app_request_release(&rq);
        app_close(&n);
        return rc;
}

/* ---- sign --------------------------------------------------------------- */

static int
enroll_sign(const struct enroll_opts *o)
{
        struct enroll_req rq;
        struct app_signed sg;
        struct buf out = BUF_INIT;
        char msg[APP_ERR_MAX];
        struct node n;
        int rc = EXIT_OK;

        if (!o->arg || !o->days)
                return cli_usage_error("enroll", "sign needs REQUEST and "
                                                 "--valid-days N");
        if (app_request_read(o->arg, &rq, msg))
                return cli_error("enroll sign: %s", msg);
        if (cli_open(&n, o->data, NODE_OPEN_KEY))
                return EXIT_ERROR;
        if (app_enroll_sign(&n, &rq, o->days, o->issuer, o->out, &sg, msg)) {
                app_close(&n);
                return cli_error("enroll sign: %s", msg);
        }
        app_close(&n);
        if (o->json)
                rc = cli_print_buf(&out, app_json_signed(&out, &sg, 0));
        else
                puts((const char *)sg.line.data);
        app_signed_release(&sg);
        return rc;
}

/* ---- accept ------------------------------------------------------------- */

static int
accept_report(const struct enroll_opts *o, const struct app_network *nw)
{
        struct buf out = BUF_INIT;

        if (!nw->cert_valid_now)
                fprintf(stderr, "simpul: warning: the certificate is not "
                                "valid now by this node's clock: check the "
                                "date and time\n");
        if (o->json)
                return cli_print_buf(&out, app_json_accepted(&out, nw, 0));
        printf("Enrolled in network %s (%s, id %.16s)\n", nw->net.desc.name,
               nw->net.desc.region, nw->id);
        cli_cert_print(stdout, &nw->cert);
        return EXIT_OK;
}

static int
enroll_accept(const struct enroll_opts *o)
{
        struct app_cert_line a;
        struct app_network nw;
        char msg[APP_ERR_MAX];
        struct node n;
        int rc;

        if (!o->arg)
                return cli_usage_error("enroll", "accept needs CERTIFICATE");
        if (app_cert_read(o->arg, &a, msg))
                return cli_error("enroll accept: %s", msg);
        if (cli_open(&n, o->data, NODE_OPEN_KEY)) {
                app_cert_line_release(&a);
                return EXIT_ERROR;
        }
        if (app_enroll_accept(&n, &a, &nw, msg))
                rc = cli_error("enroll accept: %s", msg);
        else
                rc = accept_report(o, &nw);
        app_cert_line_release(&a);
        app_close(&n);
        return rc;
}

int
cmd_enroll(int argc, char **argv)
{
        struct enroll_opts o;
        struct cli_parsed p;

        memset(&o, 0, sizeof(o));
        if (!cli_parse_sub(&enroll_spec, "expected request, sign or accept",
                           argc, argv, &o, &p))
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
