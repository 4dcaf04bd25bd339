/*
 * node: a node's data directory, its config file and opening its parts
 * (key, store, replica). The only user of inih; later also the daemon loop.
 *
 * Data directory layout:
 *   simpul.conf   the config file (INI, every key documented in it)
 *   node.key      the Ed25519 key, mode 0600 (apart from the store)
 *   store/        the LMDB environment
 *   network       the network line, once this node belongs to a network
 *   node.cert     this node's certificate line (simpul enroll accept)
 *   network.key   the network root key, mode 0600 (the kabupaten only)
 *   daemon.pid    locked by the running daemon; its pid and start (wake.c)
 *   daemon.sock   the running daemon's wake-up socket (wake.c)
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
#define NODE_NETWORK_FILE "network"
#define NODE_CERT_FILE "node.cert"
#define NODE_ROOT_KEY_FILE "network.key"
#define NODE_PID_FILE "daemon.pid"
#define NODE_WAKE_FILE "daemon.sock"
#define NODE_NAME_MAX 96U
#define NODE_SERVICE_DIR "/var/lib/simpul"
#define NODE_ADDR_MAX 64U
#define NODE_HOSTS_MAX 256U /* bytes of [http] hosts */
#define NODE_PARENTS_MAX 4U
/* [http] listen default: auto is NODE_HTTP_LISTEN_LAN once the node has
 * an admin account of the web app (app_admin_exists), else
 * NODE_HTTP_LISTEN_LOCAL (app_http_listen). */
#define NODE_HTTP_LISTEN "auto"
#define NODE_HTTP_LISTEN_LOCAL "127.0.0.1:7780"
#define NODE_HTTP_LISTEN_LAN "0.0.0.0:7780"
/* Open HTTP connections at most: kept alive, ~6 a phone at a meeting. */
#define NODE_HTTP_CONNECTIONS 256U
#define NODE_HTTP_PER_ADDR 16U /* [http] connections_per_address default */
#define NODE_TLS_PATH_MAX 256U /* bytes of [http] tls_cert, tls_key */
#define NODE_BLOB_AUTO_MAX (256U * 1024U) /* [blobs] auto_fetch_max_bytes */
#define NODE_HOLIDAYS_MAX 256U            /* dates in [kim] holidays */

#define NODE_DSN_MAX 200U    /* bytes of [sink] postgres (inih's line limit) */
#define NODE_WEBHOOKS_MAX 8U /* [webhook NAME] sections */
#define NODE_WEBHOOK_NAME_MAX 32U /* bytes of NAME, with its NUL */
#define NODE_WEBHOOK_URL_MAX 200U /* bytes of url (inih's line limit) */

/*
 * A [webhook NAME] section (docs/WEBHOOKS.md): where simpul webhooks
 * posts the events of `events`, signed with the secret in secret_file.
 */
struct webhook_config {
        char name[NODE_WEBHOOK_NAME_MAX]; /* a-z, 0-9, '-', '_' */
        char url[NODE_WEBHOOK_URL_MAX];   /* http:// or https:// */
        /* relative: to the data directory */
        char secret_file[NODE_WEBHOOK_URL_MAX];
        uint32_t kinds;          /* events, as entry kinds: bit k, kind k */
        bool personal;           /* personal data too (else redacted) */
        uint64_t timeout_ms;     /* one attempt, connection included */
        uint64_t backoff_min_ms; /* the first retry's delay ... */
        uint64_t backoff_max_ms; /* ... doubling up to this */
};

struct config {
        char region[REGION_BUF];    /* [node] region */
        char name[NODE_NAME_MAX];   /* [node] name */
        uint64_t map_size_mib;      /* [store] map_size_mib */
        enum log_level log_level;   /* [log] level */
        char listen[NODE_ADDR_MAX]; /* [net] listen */
        char parents[NODE_PARENTS_MAX][NODE_ADDR_MAX]; /* [net] parent */
        size_t parents_n;
        uint64_t keepalive_s;     /* [net] keepalive_s */
        uint64_t timeout_s;       /* [net] timeout_s */
        uint64_t backoff_min_ms;  /* [net] backoff_min_ms */
        uint64_t backoff_max_ms;  /* [net] backoff_max_ms */
        uint64_t retry_primary_s; /* [net] retry_primary_s */
        /* [net] check_fallback_s; 0: never (proto/SYNC.md §8) */
        uint64_t check_fallback_s;
        /* [net] budget_mib: bulk MiB (blob chunks, both ways) per link and
         * calendar month; 0: no budget (BLOBS.md §7.1) */
        uint64_t budget_mib;
        /* [http] listen; "": no HTTP API */
        char http_listen[NODE_ADDR_MAX];
        /* [http] hosts: more names the Host header may give, separated by
         * commas or spaces ("" : none) */
        char http_hosts[NODE_HOSTS_MAX];
        /* [http] connections_per_address: HTTP connections one client
         * address may hold, 1..NODE_HTTP_CONNECTIONS */
        uint64_t http_per_addr;
        /* [http] tls_cert, tls_key: PEM files (relative to the data
         * directory, or absolute); both "": plain HTTP */
        char http_tls_cert[NODE_TLS_PATH_MAX];
        char http_tls_key[NODE_TLS_PATH_MAX];
        /* [kim] holidays: day numbers (days since 1970-01-01, WIB),
         * ascending, for the deadlines of proto/KIM.md §5. */
        int32_t holidays[NODE_HOLIDAYS_MAX];
        size_t holidays_n;
        /* [sink] postgres: the libpq connection string of simpul sink
         * ("": none); [sink] unseal: sealed values this node opens go to
         * PostgreSQL too (docs/SINK.md) */
        char sink_postgres[NODE_DSN_MAX];
        bool sink_unseal;
        /* [blobs] fetch_max_bytes: attachments fetched up to this size
         * (proto/BLOBS.md §7); 0: none */
        uint64_t blob_fetch_max;
        /* [blobs] fetch: enum sync_fetch, or -1 (empty: by the region's
         * level, node_blob_fetch); auto_fetch_max_bytes: fetched unasked
         * under up and on-demand (BLOBS.md §7) */
        int blob_fetch;
        uint64_t blob_auto_max;
        /* [blobs] upload_max_bytes: the largest HTTP upload (POST
         * /api/blobs), 1..16 MiB */
        uint64_t blob_upload_max;
        /* [webhook NAME] sections (webhook.c, docs/WEBHOOKS.md) */
        struct webhook_config webhooks[NODE_WEBHOOKS_MAX];
        size_t webhooks_n;
};

/*
 * A [webhook NAME] key (webhook.c): section is "webhook NAME". ERR_CONFIG
 * with *why. config_webhooks_check: every section has its url and
 * secret_file (ERR_CONFIG, err_msg of 256 bytes says which).
 * config_webhook_kinds: the union of their events, for
 * replica.outbox_kinds. config_webhook_events: the event names of kinds
 * into out (size bytes), comma-separated.
 */
int config_webhook_set(struct config *c, const char *section, const char *key,
                       const char *value, const char **why) WUR;
int config_webhooks_check(const struct config *c, char *err_msg) WUR;
uint32_t config_webhook_kinds(const struct config *c);
void config_webhook_events(uint32_t kinds, char *out, size_t size);

/* Defaults for every key (region and name empty). */
void config_defaults(struct config *c);
/*
 * Reads and checks a config file. Unknown keys (in any section), bad
 * values and a missing region are errors (ERR_CONFIG), described in
 * err_msg (size 256) naming the section, key and value. A section header
 * with no keys under it is not seen by the INI parser and so ignored.
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
        bool restored; /* store recreated: no posting until caught up */
        uint64_t clock_floor_ms; /* node_clock's floor, set by node_open */
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
/*
 * Marks (or clears) the store as recreated after a loss: a node whose store
 * is new but whose key is not must learn its own feeds' heads from a peer
 * before it writes (proto/SYNC.md §5.3), or it would fork its own feeds.
 */
int node_restored_set(struct node *n, bool restored) WUR;
/* Reads n->restored from the store again (another process may have
 * cleared it: simpul restored --clear). Store errors. */
int node_restored_load(struct node *n) WUR;
/* Is the store marked recreated, as read in t? For readers on other
 * threads than the daemon's loop, which may clear it (never n->restored).
 * Store errors. */
int node_restored_read(struct store_txn *t, bool *restored) WUR;

/* Whether a daemon (`simpul run`) runs on this data directory: it holds
 * the lock of NODE_PID_FILE for its life (wake.c), which the kernel drops
 * when it dies, however. */
struct node_daemon_seen {
        bool running;
        uint32_t pid;        /* 0 when not running */
        uint64_t started_ms; /* wall clock; 0 when not running */
};
/* Tests the lock of dir's NODE_PID_FILE, without taking it; not running
 * when it cannot be read. */
void node_daemon_read(const char *dir, struct node_daemon_seen *out);
/*
 * Something was committed to n's store outside the daemon's loop (a post,
 * an import, a revocation, the restored flag): wakes the daemon running on
 * it, in this process or another, so its links push it now. Does nothing
 * when no daemon runs (one reads the store when it starts). Any thread.
 */
void node_changed(const struct node *n);

/* ---- membership files (network.c, proto/MEMBERSHIP.md §9) ---------------- */

/*
 * Loads n->dir/network into n->replica (has_network, network); leaves them
 * unset when the file is absent. On failure err_msg (size 512) says what.
 * Errors: ERR_CERT (not a network line), -errno. Called by node_open.
 */
int node_network_load(struct node *n, char *err_msg) WUR;
/*
 * Reads this node's certificate line (dir/node.cert): the network it names,
 * the certificate and the issuer's certificate (left empty when issued by
 * the root) into cert and issuer_cert (owned by the caller, replaced).
 * Verifies nothing. Errors: ERR_NOT_ENROLLED (no such file), ERR_CERT,
 * -errno.
 */
int node_cert_load(const char *dir, struct network *net, struct buf *cert,
                   struct buf *issuer_cert) WUR;
/*
 * This node's clock for certificate periods (MEMBERSHIP.md §4.2 Time): the
 * wall clock, and the floor node_open read: the latest of
 * CERT_CLOCK_MIN_MS and the valid_from of this node's certificate and of
 * its issuer's (node.cert), both signed after the network was created.
 */
void node_clock(const struct node *n, struct cert_clock *out);
/* "ok", "unknown (before 2024)" or "unknown (before this node's
 * certificate)", for simpul status and /api/node. */
const char *node_clock_state(const struct cert_clock *k);
/* ---- this node's time (clock.c, proto/SYNC.md §6.1) -------------------- */

enum node_time_source {
        NODE_TIME_SYSTEM,  /* the system clock, which reads past the floor */
        NODE_TIME_PARENT,  /* a parent's, told on linking, plus time since */
        NODE_TIME_UNKNOWN, /* the system clock, before the floor: wrong */
};
struct node_time {
        uint64_t now_ms;    /* the time to use: entries, deadlines */
        uint64_t system_ms; /* what the system clock reads */
        uint64_t floor_ms;  /* what has passed: node_clock's floor, and the
                             * newest timestamp this node wrote */
        enum node_time_source source;
        char parent[REGION_BUF]; /* NODE_TIME_PARENT: the parent's region */
        uint64_t taken_ms;       /* ... and its time when it told it */
};
/* This node's time now: the system clock while it reads at least the
 * floor, else a parent's of this boot (node_time_take) that does. */
void node_time(const struct node *n, struct node_time *out);
/* node_time's now_ms. */
uint64_t node_now_ms(const struct node *n);
/* "system", "parent" or "unknown". */
const char *node_time_source_name(enum node_time_source s);
/* Keeps a parent's time parent_ms (as of now) and its region for every
 * process of this boot (DATA/clock). -errno. */
int node_time_take(const struct node *n, uint64_t parent_ms,
                   const char *region) WUR;

/* Replaces dir/name with text atomically (temporary file, fsync, rename),
 * created with mode. -errno. */
int node_file_write(const char *dir, const char *name, struct slice text,
                    int mode) WUR;
/* Reads a file of at most max bytes into out (replaced), dropping trailing
 * white space. Errors: ERR_TOO_BIG, -errno. */
int node_line_read(const char *path, size_t max, struct buf *out) WUR;

#endif
