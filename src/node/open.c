/* open: opening a node's key, store and replica from its data directory. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "node.h"

static bool
store_missing(const char *dir)
{
        char *p = node_path(dir, "data.mdb");
        bool missing = access(p, F_OK) != 0;

        free(p);
        return missing;
}

int
node_restored_read(struct store_txn *t, bool *restored)
{
        struct buf v = BUF_INIT;
        int err = store_meta_get(t, "restored", &v);

        *restored = !err && v.len == 1 && v.data[0] == 1;
        buf_release(&v);
        return err == ERR_NOT_FOUND ? 0 : err;
}

int
node_restored_load(struct node *n)
{
        struct store_txn *t;
        int err;

        if ((err = store_begin(n->store, false, &t)))
                return err;
        err = node_restored_read(t, &n->restored);
        store_abort(t);
        return err;
}

int
node_restored_set(struct node *n, bool restored)
{
        uint8_t v = restored ? 1 : 0;
        struct store_txn *t;
        int err;

        if ((err = store_begin(n->store, true, &t)))
                return err;
        if ((err = store_meta_put(t, "restored", slice_make(&v, 1)))) {
                store_abort(t);
                return err;
        }
        if ((err = store_commit(t)))
                return err;
        n->restored = restored;
        return 0;
}

int
node_open(struct node *n, const char *dir, int flags, char *err_msg)
{
        struct store_options so = {0, false};
        char cfg_err[256];
        char *path = node_path(dir, NODE_CONFIG_FILE);
        bool fresh;
        int err;

        memset(n, 0, sizeof(*n));
        n->dir = xstrdup(dir);
        if (access(path, F_OK) != 0) {
                snprintf(err_msg, 512,
                         "no node in '%s': run 'simpul init --region CODE "
                         "--name NAME' first, or pass --data DIR",
                         dir);
                err = ERR_NOT_FOUND;
                goto out;
        }
        if ((err = config_load(&n->config, path, cfg_err))) {
                snprintf(err_msg, 512, "config: %s", cfg_err);
                goto out;
        }
        log_set_level(n->config.log_level);
        free(path);
        path = NULL;
        if (flags & NODE_OPEN_KEY) {
                path = node_path(dir, NODE_KEY_FILE);
                if ((err = entry_lib_init()) ||
                    (err = key_load_file(path, &n->key))) {
                        snprintf(err_msg, 512, "cannot load key '%s': %s", path,
                                 err_str(err));
                        goto out;
                }
                free(path);
                path = NULL;
        } else if ((err = entry_lib_init())) {
                snprintf(err_msg, 512, "cannot start libsodium");
                goto out;
        }
        path = node_path(dir, NODE_STORE_DIR);
        so.map_size_bytes = (size_t)n->config.map_size_mib << 20;
        so.read_only = (flags & NODE_OPEN_READ_ONLY) != 0;
        fresh = !so.read_only && store_missing(path);
        if ((err = store_open(&n->store, path, &so))) {
                snprintf(err_msg, 512, "cannot open store '%s': %s", path,
                         err_str(err));
                goto out;
        }
        /* init makes the store with the key; made later, it was lost. */
        if ((err =
                 fresh ? node_restored_set(n, true) : node_restored_load(n))) {
                snprintf(err_msg, 512, "cannot read the store: %s",
                         err_str(err));
                goto out;
        }
        if (fresh)
                log_warn("STORE-RESTORED",
                         "the store of %s was recreated: posting is refused "
                         "until it has caught up with every parent",
                         n->dir);
        n->replica.store = n->store;
        n->replica.key = n->key;
        memcpy(n->replica.region, n->config.region, REGION_BUF);
        n->replica.outbox_kinds = config_webhook_kinds(&n->config);
        err = node_network_load(n, err_msg);
out:
        free(path);
        if (err)
                node_close(n);
        return err;
}

void
node_close(struct node *n)
{
        if (n->store)
                store_close(n->store);
        key_free(n->key);
        free(n->dir);
        memset(n, 0, sizeof(*n));
}
