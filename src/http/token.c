/*
 * token: the API token in DATA/http.token — HTTP_TOKEN_BYTES random bytes
 * as lower-case hex on one line, mode 0600, replaced atomically.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"

int
http_token_new(const char *dir, char out[HTTP_TOKEN_HEX + 1])
{
        uint8_t raw[HTTP_TOKEN_BYTES];
        char line[HTTP_TOKEN_HEX + 2];
        int err;

        random_bytes(raw, sizeof(raw));
        hex_encode(out, raw, sizeof(raw));
        explicit_bzero(raw, sizeof(raw));
        memcpy(line, out, HTTP_TOKEN_HEX);
        line[HTTP_TOKEN_HEX] = '\n';
        line[HTTP_TOKEN_HEX + 1] = 0;
        err = node_file_write(dir, HTTP_TOKEN_FILE,
                              slice_make(line, HTTP_TOKEN_HEX + 1), 0600);
        explicit_bzero(line, sizeof(line));
        if (err)
                explicit_bzero(out, HTTP_TOKEN_HEX + 1);
        return err;
}

int
http_token_read(const char *dir, char out[HTTP_TOKEN_HEX + 1])
{
        char *path = node_path(dir, HTTP_TOKEN_FILE);
        struct buf b = BUF_INIT;
        int err;

        err = node_line_read(path, 2 * HTTP_TOKEN_HEX, &b);
        free(path);
        if (err == -ENOENT)
                err = ERR_NOT_FOUND;
        if (!err && (b.len != HTTP_TOKEN_HEX ||
                     !hex_valid((const char *)b.data, b.len)))
                err = ERR_KEY;
        if (!err)
                memcpy(out, b.data, HTTP_TOKEN_HEX + 1);
        if (b.data)
                explicit_bzero(b.data, b.cap);
        buf_release(&b);
        return err;
}
