/*
 * enrol: enrolment from the admin's browser (the setup page, Pendaftaran):
 * the certificate line as pasted or as a file's content, accepted as
 * simpul enroll accept does (member.c); at an issuer, a request line as
 * pasted or scanned, read and signed as simpul enroll sign does.
 */
#include <string.h>

#include "app_int.h"

#define CERT_PREFIX "simpul-cert1:"

/*
 * The one line of text, spaces and line breaks around it dropped, into
 * line (NUL-terminated). A line only: app_cert_read and app_request_read
 * would read a path as a file, and the browser names no file of this
 * machine. ERR_USAGE: not one line that begins with prefix.
 */
static int
line_of(const char *text, const char *prefix, struct buf *line)
{
        size_t len;

        text += strspn(text, " \t\r\n");
        len = strlen(text);
        while (len && strchr(" \t\r\n", text[len - 1]))
                len--;
        if (strncmp(text, prefix, strlen(prefix)) || memchr(text, '\n', len))
                return ERR_USAGE;
        buf_add(line, text, len);
        buf_addc(line, 0);
        return 0;
}

int
app_enrol_text(struct node *n, const char *text, struct app_network *out,
               char *err_msg)
{
        struct app_cert_line a;
        struct buf line = BUF_INIT;
        int err;

        memset(out, 0, sizeof(*out));
        if (app_enrolled(n->dir))
                return app__fail(err_msg, ERR_EXISTS,
                                 "Node ini sudah terdaftar: this node is "
                                 "enrolled already (simpul network show)");
        if (line_of(text, CERT_PREFIX, &line))
                return app__fail(err_msg, ERR_USAGE,
                                 "Bukan sertifikat: a certificate is one "
                                 "line that begins with " CERT_PREFIX);
        err = app_cert_read((const char *)line.data, &a, err_msg);
        buf_release(&line);
        if (err)
                return err;
        err = app_enroll_accept(n, &a, out, err_msg);
        app_cert_line_release(&a);
        if (!err)
                log_info("NODE-ENROLLED",
                         "certificate accepted from the web app: network %s",
                         out->net.desc.name);
        return err;
}

int
app_enrol_request_text(const char *text, struct enroll_req *rq,
                       char node_key[2 * ENTRY_KEY_BYTES + 1], char *err_msg)
{
        struct buf line = BUF_INIT;
        int err;

        memset(rq, 0, sizeof(*rq));
        if (line_of(text, TEXT_REQUEST_PREFIX, &line))
                return app__fail(
                    err_msg, ERR_USAGE,
                    "Bukan permintaan pendaftaran: a request is "
                    "one line that begins with " TEXT_REQUEST_PREFIX);
        err = app_request_read((const char *)line.data, rq, err_msg);
        buf_release(&line);
        if (!err)
                id_hex(node_key, rq->node_pk);
        return err;
}

int
app_enrol_sign_text(struct node *n, const char *text, uint64_t days,
                    bool issuer, struct app_signed *out, char *err_msg)
{
        char key[2 * ENTRY_KEY_BYTES + 1];
        struct enroll_req rq;
        int err;

        memset(out, 0, sizeof(*out));
        if ((err = app_enrol_request_text(text, &rq, key, err_msg)) ||
            (err = app_enroll_sign(n, &rq, days, issuer, NULL, out, err_msg)))
                return err;
        log_info("NODE-CERTIFIED",
                 "%s (%s) certified from the web app for %llu days%s",
                 rq.region, rq.name, (unsigned long long)days,
                 issuer ? " as an issuer" : "");
        return 0;
}
