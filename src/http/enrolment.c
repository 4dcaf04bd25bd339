/*
 * enrolment: a desa's enrolment from the admin's browser (the setup page;
 * docs/API.md "Enrolment"): GET /api/enrolment, this node's request line
 * (as simpul enroll request prints it) and whether it is enrolled; GET
 * /api/enrolment/request.svg, that line as a QR code for the kecamatan's
 * phone; POST /api/enrolment/certificate {certificate}, the line the
 * kecamatan sent back, accepted as simpul enroll accept does. The daemon
 * waiting for its enrolment then starts linking (cmd_run.c).
 */
#include <string.h>

#include "http_int.h"

static const char *const no_query[] = {NULL};

#ifdef SIMPUL_QR
#define QR_DRAWN true
#else
#define QR_DRAWN false
int
http_qr_svg(const char *text, struct buf *out)
{
        (void)text, (void)out;
        return ERR_NO_QR;
}
#endif

static int
request_of(struct http_req *r, struct app_request *rq)
{
        char msg[APP_ERR_MAX];
        int err;

        if ((err = app_enroll_request(r->s->n, rq, msg)))
                return http_fail(r, err, "%s", msg);
        return 0;
}

/* GET /api/enrolment */
int
http_enrolment_get(struct http_req *r)
{
        struct app_request rq;
        int err;

        if ((err = http_query_check(r, no_query)) || r->check_only ||
            (err = request_of(r, &rq)))
                return err;
        r->out =
            json_pack("{s:b, s:s, s:s, s:s, s:s, s:b}", "enrolled",
                      app_enrolled(r->s->n->dir), "request",
                      (const char *)rq.line.data, "node_key", rq.node_key,
                      "region", rq.region, "name", rq.name, "qr", QR_DRAWN);
        app_request_release(&rq);
        return 0;
}

/* GET /api/enrolment/request.svg */
int
http_enrolment_svg(struct http_req *r)
{
        struct app_request rq;
        int err;

        if ((err = http_query_check(r, no_query)) || r->check_only ||
            (err = request_of(r, &rq)))
                return err;
        err = http_qr_svg((const char *)rq.line.data, &r->text);
        app_request_release(&rq);
        if (err == ERR_NO_QR)
                return http_fail(r, err,
                                 "this build has no libqrencode: "
                                 "send the request as text");
        if (err)
                return http_fail(r, err,
                                 "cannot draw the request as a QR "
                                 "code: send it as text");
        r->ctype = "image/svg+xml";
        return 0;
}

/* POST /api/enrolment/certificate {certificate} */
int
http_enrolment_cert(struct http_req *r)
{
        static const struct field fields[] = {{"certificate", FIELD_STR}};
        struct app_network nw;
        char msg[APP_ERR_MAX];
        const char *cert;
        int err;

        if ((err = http_query_check(r, no_query)) ||
            (err =
                 http_fields_check(r, r->in, "", fields, ARRAY_LEN(fields))) ||
            (err = http_str_req(r, r->in, "certificate", &cert)) ||
            r->check_only)
                return err;
        if ((err = app_enrol_text(r->s->n, cert, &nw, msg)))
                return http_fail(r, err == ERR_USAGE ? ERR_HTTP_BAD_VALUE : err,
                                 "%s", msg);
        r->out =
            json_pack("{s:b, s:s, s:s, s:s, s:s, s:b}", "enrolled", true,
                      "network", nw.net.desc.name, "network_region",
                      nw.net.desc.region, "valid_until", nw.cert.valid_until,
                      "issuer", nw.cert.issuer, "valid_now", nw.cert_valid_now);
        return 0;
}
