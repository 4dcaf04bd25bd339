/*
 * network: this node's membership files in the data directory
 * (proto/MEMBERSHIP.md §9): `network` (the network line), `node.cert` (this
 * node's certificate line) and, at the kabupaten, `network.key`; the
 * floor of the certificate clock read from them (§4.2 Time).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "node.h"

#define LINE_FILE_MAX (TEXT_LINE_MAX + 64U)

static bool
is_space(uint8_t c)
{
        return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static int
read_fd(int fd, size_t max, struct buf *out)
{
        ssize_t n;

        buf_grow(out, max + 1);
        do {
                n = read(fd, out->data + out->len, max + 1 - out->len);
                if (n < 0 && errno != EINTR)
                        return -errno;
                if (n > 0)
                        out->len += (size_t)n;
        } while (n != 0 && out->len <= max);
        out->data[out->len] = 0;
        return out->len > max ? ERR_TOO_BIG : 0;
}

int
node_line_read(const char *path, size_t max, struct buf *out)
{
        int fd, err;

        buf_reset(out);
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        err = read_fd(fd, max, out);
        close(fd);
        while (!err && out->len && is_space(out->data[out->len - 1]))
                out->data[--out->len] = 0;
        return err;
}

static int
write_all(int fd, struct slice text)
{
        while (text.len > 0) {
                ssize_t w = write(fd, text.ptr, text.len);
                if (w < 0 && errno == EINTR)
                        continue;
                if (w < 0)
                        return -errno;
                text.ptr += w;
                text.len -= (size_t)w;
        }
        return fsync(fd) ? -errno : 0;
}

int
node_file_write(const char *dir, const char *name, struct slice text, int mode)
{
        struct buf tmp = BUF_INIT;
        char *path = node_path(dir, name);
        int fd, err;

        buf_addf(&tmp, "%s.tmp", path);
        fd = open((char *)tmp.data, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
                  mode);
        if (fd < 0) {
                err = -errno;
                goto out;
        }
        err = write_all(fd, text);
        if (close(fd) && !err)
                err = -errno;
        if (!err && rename((char *)tmp.data, path))
                err = -errno;
        if (err)
                unlink((char *)tmp.data);
out:
        buf_release(&tmp);
        free(path);
        return err;
}

/* Reads a text file dir/name and decodes it: prefix || base64url. */
static int
text_file_read(const char *dir, const char *name, const char *prefix,
               size_t max, struct buf *out)
{
        struct buf line = BUF_INIT;
        char *path = node_path(dir, name);
        int err = node_line_read(path, LINE_FILE_MAX, &line);

        if (!err)
                err = text_decode(prefix, buf_slice(&line), max, out);
        buf_release(&line);
        free(path);
        return err;
}

/* ---- the certificate clock ----------------------------------------------- */

/* The floor of node_clock from dir/node.cert; CERT_CLOCK_MIN_MS when there
 * is none (or it does not decode: member_load says so). */
static uint64_t
clock_floor(const char *dir)
{
        struct buf cert = BUF_INIT, ic = BUF_INIT;
        struct network net;
        struct cert_info c;
        uint64_t floor = CERT_CLOCK_MIN_MS;

        if (!node_cert_load(dir, &net, &cert, &ic)) {
                if (!cert_parse(buf_slice(&cert), &c) &&
                    c.valid_from_ms > floor)
                        floor = c.valid_from_ms;
                if (ic.len && !cert_parse(buf_slice(&ic), &c) &&
                    c.valid_from_ms > floor)
                        floor = c.valid_from_ms;
        }
        buf_release(&cert);
        buf_release(&ic);
        return floor;
}

void
node_clock(const struct node *n, struct cert_clock *out)
{
        out->now_ms = time_now_ms();
        out->floor_ms =
            n->clock_floor_ms ? n->clock_floor_ms : CERT_CLOCK_MIN_MS;
}

const char *
node_clock_state(const struct cert_clock *k)
{
        if (cert_clock_known(k))
                return "ok";
        return k->now_ms < CERT_CLOCK_MIN_MS
                   ? "unknown (before 2024)"
                   : "unknown (before this node's certificate)";
}

int
node_network_load(struct node *n, char *err_msg)
{
        struct buf bytes = BUF_INIT;
        int err = text_file_read(n->dir, NODE_NETWORK_FILE, TEXT_NETWORK_PREFIX,
                                 NETWORK_DESC_MAX, &bytes);

        if (err == -ENOENT) {
                err = 0; /* not a member of a network: SPEC.md rules only */
        } else if (!err && !(err = network_open(buf_slice(&bytes),
                                                &n->replica.network))) {
                n->replica.has_network = true;
                n->clock_floor_ms = clock_floor(n->dir);
        } else {
                snprintf(err_msg, 512,
                         "cannot read '%s/%s': %s (restore it, or re-run "
                         "'simpul enroll accept')",
                         n->dir, NODE_NETWORK_FILE, err_str(err));
        }
        buf_release(&bytes);
        return err;
}

int
node_cert_load(const char *dir, struct network *net, struct buf *cert,
               struct buf *issuer_cert)
{
        struct buf bytes = BUF_INIT;
        struct slice desc, c, ic;
        int err = text_file_read(dir, NODE_CERT_FILE, TEXT_CERT_PREFIX,
                                 CERT_BUNDLE_MAX, &bytes);

        if (err == -ENOENT)
                err = ERR_NOT_ENROLLED;
        if (!err &&
            !(err =
                  wire_cert_bundle_decode(buf_slice(&bytes), &desc, &c, &ic)) &&
            !(err = network_open(desc, net))) {
                buf_reset(cert);
                buf_add(cert, c.ptr, c.len);
                buf_reset(issuer_cert);
                if (ic.ptr)
                        buf_add(issuer_cert, ic.ptr, ic.len);
        }
        buf_release(&bytes);
        return err;
}
