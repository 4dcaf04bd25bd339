/*
 * token: the HTTP API's token in DATA/http.token — APP_TOKEN_BYTES random
 * bytes as lower-case hex on one line, mode 0600, replaced atomically.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app_int.h"

int
app_token_new(const char *dir, char out[APP_TOKEN_HEX + 1])
{
        uint8_t raw[APP_TOKEN_BYTES];
        char line[APP_TOKEN_HEX + 2];
        int err;

        random_bytes(raw, sizeof(raw));
        hex_encode(out, raw, sizeof(raw));
        explicit_bzero(raw, sizeof(raw));
        memcpy(line, out, APP_TOKEN_HEX);
        line[APP_TOKEN_HEX] = '\n';
        line[APP_TOKEN_HEX + 1] = 0;
        err = node_file_write(dir, APP_TOKEN_FILE,
                              slice_make(line, APP_TOKEN_HEX + 1), 0600);
        explicit_bzero(line, sizeof(line));
        if (err)
                explicit_bzero(out, APP_TOKEN_HEX + 1);
        return err;
}

int
app_token_read(const char *dir, char out[APP_TOKEN_HEX + 1])
{
        char *path = node_path(dir, APP_TOKEN_FILE);
        struct buf b = BUF_INIT;
        int err;

        err = node_line_read(path, 2 * APP_TOKEN_HEX, &b);
        free(path);
        if (err == -ENOENT)
                err = ERR_NOT_FOUND;
        if (!err &&
            (b.len != APP_TOKEN_HEX || !hex_valid((const char *)b.data, b.len)))
                err = ERR_KEY;
        if (!err)
                memcpy(out, b.data, APP_TOKEN_HEX + 1);
        if (b.data)
                explicit_bzero(b.data, b.cap);
        buf_release(&b);
        return err;
}

int
app_token(const char *data_flag, bool rotate, char tok[APP_TOKEN_HEX + 1],
          char **path, char *err_msg)
{
        /* The token lives beside the config; the store is not opened. */
        char *dir = node_data_dir(data_flag);
        char *conf = node_path(dir, NODE_CONFIG_FILE);
        int err = 0;

        *path = NULL;
        if (access(conf, F_OK)) {
                err = app__fail(err_msg, ERR_NOT_FOUND,
                                "no node in '%s': run 'simpul init --region "
                                "CODE --name NAME' first, or pass --data DIR",
                                dir);
                goto out;
        }
        err = app_token_read(dir, tok);
        if (rotate || err == ERR_NOT_FOUND)
                err = app_token_new(dir, tok);
        *path = node_path(dir, APP_TOKEN_FILE);
        if (err)
                app__fail(err_msg, err, "cannot %s '%s': %s",
                          rotate ? "write" : "read", *path, err_str(err));
out:
        free(conf);
        free(dir);
        return err;
}
