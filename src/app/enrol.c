/*
 * enrol: enrolment from the admin's browser (the setup page, Pendaftaran):
 * the certificate line as pasted or as a file's content, accepted as
 * simpul enroll accept does (member.c).
 */
#include <string.h>

#include "app_int.h"

#define CERT_PREFIX "simpul-cert1:"

int
app_enrol_text(struct node *n, const char *text, struct app_network *out,
               char *err_msg)
{
        struct app_cert_line a;
        struct buf line = BUF_INIT;
        size_t len;
        int err;

        memset(out, 0, sizeof(*out));
        if (app_enrolled(n->dir))
                return app__fail(err_msg, ERR_EXISTS,
                                 "Node ini sudah terdaftar: this node is "
                                 "enrolled already (simpul network show)");
        text += strspn(text, " \t\r\n");
        len = strlen(text);
        while (len && strchr(" \t\r\n", text[len - 1]))
                len--;
        /* A line only: app_cert_read would read a path as a file, and
         * the browser names no file of this machine. */
        if (strncmp(text, CERT_PREFIX, strlen(CERT_PREFIX)) ||
            memchr(text, '\n', len))
                return app__fail(err_msg, ERR_USAGE,
                                 "Bukan sertifikat: a certificate is one "
                                 "line that begins with " CERT_PREFIX);
        buf_add(&line, text, len);
        buf_addc(&line, 0);
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
