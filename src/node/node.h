/*
 * node: a node's data directory, its config file and opening its parts
 * (key, store, replica). The only user of inih; later also the daemon loop.
 *
 * Data directory layout:
 *   simpul.conf   the config file (INI, every key documented in it)
 *   node.key      the Ed25519 key, mode 0600 (apart from the store)
 *   store/        the LMDB environment
 *
 * Which directory: --data DIR if given, else $SIMPUL_DATA, else the user's
 * $XDG_DATA_HOME/simpul (default ~/.local/share/simpul) if it exists, else
 * /var/lib/simpul if it holds a config (a service's node), else the user's.
 */
#ifndef SIMPUL_NODE_H
#define SIMPUL_NODE_H

#include "../base/base.h"
#include "../replica/replica.h"

#define NODE_CONFIG_FILE "simpul.conf"
#define NODE_KEY_FILE "node.key"
#define NODE_STORE_DIR "store"
#define NODE_NAME_MAX 96U
#define NODE_SERVICE_DIR "/var/lib/simpul"

struct config {
        char region[REGION_BUF];  /* [node] region */
        char name[NODE_NAME_MAX]; /* [node] name */
        uint64_t map_size_mib;    /* [store] map_size_mib */
        enum log_level log_level; /* [log] level */
};

/* Defaults for every key (region and name empty). */
void config_defaults(struct config *c);
/*
 * Reads and checks a config file. Unknown sections or keys, bad values and
 * a missing region are errors (ERR_CONFIG), described in err_msg (size
 * 256) naming the section, key and value.
 */
int config_load(struct config *c, const char *path, char *err_msg) WUR;
/*
 * Writes a new config file documenting every key, for region and name;
 * refuses to overwrite (ERR_EXISTS); -errno on I/O failure.
 */
int config_write_new(const char *path, const struct config *c) WUR;

/* Resolves the data directory (see above) into an owned string. */
char *node_data_dir(const char *flag);
/* dir/name as an owned string. */
char *node_path(const char *dir, const char *name);
/* mkdir -p with mode 0700 for the last component; -errno. */
int node_mkdirs(const char *dir) WUR;

/* An opened node: config, key (if loaded), store and replica over them. */
struct node {
        char *dir;
        struct config config;
        struct key *key;
        struct store *store;
        struct replica replica;
};

enum node_open_flags {
        NODE_OPEN_KEY = 1,       /* load the key (needed to post) */
        NODE_OPEN_READ_ONLY = 2, /* open the store read-only */
};

/*
 * Opens the node in dir. On failure, err_msg (size 512) says what failed
 * and how to fix it ("run simpul init"), and *n is left closed.
 */
int node_open(struct node *n, const char *dir, int flags, char *err_msg) WUR;
void node_close(struct node *n);

#endif
