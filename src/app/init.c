/*
 * init: a new node — its data directory, Ed25519 key, documented config
 * file, HTTP API token and empty store (simpul init).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app_int.h"

/* The key, config and token files of a new node in dir. */
static int
files_make(const struct app_init *in, const char *dir, const char *keyp,
           const char *conf, struct key **k, char *err_msg)
{
        char token[APP_TOKEN_HEX + 1];
        struct config cfg;
        int err;

        if ((err = entry_lib_init()) || (err = node_mkdirs(dir)) ||
            (err = key_create_file(keyp)) || (err = key_load_file(keyp, k)))
                return app__fail(err_msg, err,
                                 "cannot create the node key '%s': %s", keyp,
                                 err_str(err));
        config_defaults(&cfg);
        strcpy(cfg.region, in->region);
        strcpy(cfg.name, in->name);
        cfg.map_size_mib = in->map_mib;
        if (in->http_listen)
                snprintf(cfg.http_listen, sizeof(cfg.http_listen), "%s",
                         in->http_listen);
        if ((err = config_write_new(conf, &cfg)))
                return app__fail(err_msg, err, "cannot write '%s': %s", conf,
                                 err_str(err));
        err = app_token_new(dir, token);
        explicit_bzero(token, sizeof(token));
        if (err)
                return app__fail(err_msg, err,
                                 "cannot write the HTTP API token in '%s': %s",
                                 dir, err_str(err));
        return 0;
}

int
app_init(const struct app_init *in, struct app_created *out, char *err_msg)
{
        struct store_options so = {0, false};
        struct store *st = NULL;
        struct key *k = NULL;
        char *dir = node_data_dir(in->data);
        char *conf = node_path(dir, NODE_CONFIG_FILE);
        char *keyp = node_path(dir, NODE_KEY_FILE);
        char *storep = node_path(dir, NODE_STORE_DIR);
        int err;

        memset(out, 0, sizeof(*out));
        if (!access(keyp, F_OK) || !access(conf, F_OK)) {
                err = app__fail(err_msg, ERR_EXISTS,
                                "'%s' already holds a node: refusing to "
                                "overwrite it (choose another --data DIR)",
                                dir);
                goto out;
        }
        if ((err = files_make(in, dir, keyp, conf, &k, err_msg)))
                goto out;
        so.map_size_bytes = (size_t)in->map_mib << 20;
        if ((err = store_open(&st, storep, &so))) {
                app__fail(err_msg, err, "cannot create the store '%s': %s",
                          storep, err_str(err));
                goto out;
        }
        out->region = in->region;
        out->name = in->name;
        out->level = region_level_name(region_level(in->region));
        id_hex(out->node_key, k->pk);
        out->dir = dir;
        dir = NULL;
out:
        if (st)
                store_close(st);
        key_free(k);
        free(dir);
        free(conf);
        free(keyp);
        free(storep);
        return err;
}

void
app_created_release(struct app_created *c)
{
        free(c->dir);
        memset(c, 0, sizeof(*c));
}
