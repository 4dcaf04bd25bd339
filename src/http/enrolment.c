/*
 * enrolment: a desa's enrolment from the admin's browser (the setup page;
 * docs/API.md "Enrolment"): GET /api/enrolment, this node's request line
 * (as simpul enroll request prints it) and whether it is enrolled; GET
 * /api/enrolment/request.svg, that line as a QR code for the kecamatan's
 * phone; POST /api/enrolment/certificate {certificate}, the line the
 * kecamatan sent back, accepted as simpul enroll accept does. The daemon
 * waiting for its enrolment then starts linking (cmd_run.c).
 *
 * At an issuer (a kecamatan, the kabupaten), the Pendaftaran page: POST
 * /api/enrolment/check {request}, who a pasted or scanned request is for;
 * POST /api/enrolment/sign {request, valid_days, issuer}, the certificate
 * signed as simpul enroll sign does, its line and its QR code to give back.
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

/* Once enrolled: the network, this node's certificate and whether it may
 * certify others (an issuer: the kabupaten, a kecamatan it made one). */
static void
network_add(struct http_req *r, json_t *o)
{
        struct app_network nw;
        char msg[APP_ERR_MAX];
        bool issuer;

        if (app_network_show(r->s->n, &nw, msg))
                return; /* not in a network yet */
        issuer = nw.holds_root ||
                 (nw.has_cert && (nw.cert.c.flags & CERT_FLAG_ISSUER));
        json_object_set_new(o, "network", json_string(nw.net.desc.name));
        json_object_set_new(o, "network_region",
                            json_string(nw.net.desc.region));
        json_object_set_new(o, "valid_until",
                            nw.has_cert ? json_string(nw.cert.valid_until)
                                        : json_null());
        json_object_set_new(o, "issuer", json_boolean(issuer));
        json_object_set_new(o, "root", json_boolean(nw.holds_root));
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
        if (r->out)
                network_add(r, r->out);
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

/* A request that is not one whole line, or is damaged (a bad signature,
 * cut short), is a bad value of the field; other errors are the node's. */
static int
pasted_err(int err)
{
        return err == ERR_USAGE || err == ERR_CERT || err == ERR_TOO_BIG
                   ? ERR_HTTP_BAD_VALUE
                   : err;
}

/* POST /api/enrolment/check {request} */
int
http_enrolment_check(struct http_req *r)
{
        static const struct field fields[] = {{"request", FIELD_STR}};
        struct enroll_req rq;
        char msg[APP_ERR_MAX], key[2 * ENTRY_KEY_BYTES + 1];
        const char *text;
        int err;

        if ((err = http_query_check(r, no_query)) ||
            (err =
                 http_fields_check(r, r->in, "", fields, ARRAY_LEN(fields))) ||
            (err = http_str_req(r, r->in, "request", &text)) || r->check_only)
                return err;
        if ((err = app_enrol_request_text(text, &rq, key, msg)))
                return http_fail(r, pasted_err(err), "%s", msg);
        r->out = json_pack("{s:s, s:s, s:s, s:s}", "region", rq.region, "level",
                           region_level_name(region_level(rq.region)), "name",
                           rq.name, "node_key", key);
        return 0;
}

/* POST /api/enrolment/sign {request, valid_days, issuer} */
int
http_enrolment_sign(struct http_req *r)
{
        static const struct field fields[] = {{"request", FIELD_STR},
                                              {"valid_days", FIELD_UINT},
                                              {"issuer", FIELD_BOOL}};
        struct app_signed sg;
        struct buf svg = BUF_INIT;
        char msg[APP_ERR_MAX];
        const char *text;
        json_t *days = NULL;
        uint64_t d = HTTP_ENROL_DAYS;
        int err;

        if ((err = http_query_check(r, no_query)) ||
            (err =
                 http_fields_check(r, r->in, "", fields, ARRAY_LEN(fields))) ||
            (err = http_str_req(r, r->in, "request", &text)))
                return err;
        if ((days = json_object_get(r->in, "valid_days")))
                d = (uint64_t)json_integer_value(days);
        if (d < 1 || d > HTTP_ENROL_DAYS_MAX)
                return http_fail(r, ERR_HTTP_BAD_VALUE,
                                 "valid_days must be 1 to %u",
                                 HTTP_ENROL_DAYS_MAX);
        if (r->check_only)
                return 0;
        if ((err = app_enrol_sign_text(
                 r->s->n, text, d,
                 json_is_true(json_object_get(r->in, "issuer")), &sg, msg)))
                return http_fail(r, pasted_err(err), "%s", msg);
        /* Its QR code too, when this build draws one: the desa's phone
         * scans the certificate from the issuer's screen. */
        r->out = json_pack("{s:s, s:s, s:s, s:s, s:s, s:b, s:s}", "certificate",
                           (const char *)sg.line.data, "entry", sg.entry,
                           "region", sg.cert.c.region, "name", sg.cert.c.name,
                           "valid_until", sg.cert.valid_until, "issuer",
                           (sg.cert.c.flags & CERT_FLAG_ISSUER) != 0,
                           "node_key", sg.cert.node_key);
        if (r->out && !http_qr_svg((const char *)sg.line.data, &svg))
                json_object_set_new(
                    r->out, "qr_svg",
                    json_stringn((const char *)svg.data, svg.len));
        buf_release(&svg);
        app_signed_release(&sg);
        return 0;
}
