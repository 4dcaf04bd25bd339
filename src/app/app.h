/*
 * app: what an operator does with a node — open or create it, post items,
 * step reports, list entries, feeds, peers, reports and announcements, its
 * status — shared by the CLI and the HTTP API, the only layer they call.
 * Results are C structs owned by the caller, each released with its
 * _release function; json.c renders them as JSON for simpul --json and
 * the API alike (jansson is private to it).
 *
 * Must not depend on: cli, http.
 */
#ifndef SIMPUL_APP_H
#define SIMPUL_APP_H

#include <stdio.h>
#include <sys/socket.h>

#include "../kim/dash.h"
#include "../kim/view.h"
#include "../blob/blob.h"
#include "../node/node.h"
#include "../export/export.h"
#include "../region/search.h"

#define APP_ERR_MAX 512U /* bytes of an err_msg buffer */

struct daemon_stats; /* node/daemon.h: the live figures of `simpul run` */

/* ---- the node (node.c) --------------------------------------------------- */

/*
 * Once, before any thread: JSON of this process (which holds personal
 * data) is wiped when freed.
 */
void app_global_init(void);
/*
 * Opens the node of the data directory --data DIR (data_flag, may be NULL:
 * $SIMPUL_DATA, ...; see node_data_dir) with node_open's flags. On error
 * err_msg (APP_ERR_MAX) says what failed and how to fix it, and n is left
 * closed. Close with app_close.
 */
int app_open(struct node *n, const char *data_flag, int flags,
             char *err_msg) WUR;
void app_close(struct node *n);

/* What the daemon of `simpul run` is doing. */
struct app_daemon {
        bool running;        /* live, or another process holds its lock */
        uint32_t pid;        /* of the daemon: this process when live */
        uint64_t started_ms; /* wall clock; 0 when not running */
        /* live figures, when this process runs it (else zero) */
        bool live;
        uint64_t links_open, links_opening, batches_queued;
};

/* How far a peer is known to hold a feed (its HELLO, its ACKs). */
struct app_peer_feed {
        uint8_t feed[ENTRY_HASH_BYTES];
        uint64_t seq;
};
/* A peer's record (written by the daemon), and what it is known to hold. */
struct app_peer {
        struct peer_info info;
        struct app_peer_feed *known; /* owned */
        size_t n_known;
};
struct app_peers {
        struct app_peer *v; /* owned; release with app_peers_release */
        size_t n;
        bool with_known; /* known was asked for (simpul peers --feeds) */
};
/* Every peer record, with what each holds when with_known. Store errors. */
int app_peers(struct node *n, bool with_known, struct app_peers *out,
              char *err_msg) WUR;
void app_peers_release(struct app_peers *p);
/* The bytes of attachments' chunks moved on p's link this calendar month
 * (WIB), both ways: what [net] budget_mib counts (BLOBS.md §7.1). */
uint64_t app_peer_bulk(const struct peer_info *p);

/* This node, its store and its daemon: simpul status and GET /api/node. */
struct app_status {
        const char *region, *name, *level; /* borrowed from the node */
        char key[2 * ENTRY_KEY_BYTES + 1]; /* "" when the key is not loaded */
        struct store_stats store;
        uint64_t cert_conflicts; /* node keys certified by two issuers */
        bool restored;           /* posting is off (node_restored_set) */
        struct cert_clock clock; /* node_clock */
        const char *clock_state; /* node_clock_state */
        bool clock_known;
        struct node_time time; /* node_time: whose time entries get */
        struct app_daemon daemon;
        struct store_blob_stats blobs; /* attachments held (BLOBS.md) */
        uint64_t budget_mib; /* [net] budget_mib per link and month; 0: none */
};
/*
 * Fills out for n, with the daemon's live figures from live (may be NULL:
 * not running in this process), and peers (may be NULL: app_peers without
 * what they hold) from the same read transaction, so the two agree. Store
 * errors.
 */
int app_status(struct node *n, struct daemon_stats *live,
               struct app_status *out, struct app_peers *peers,
               char *err_msg) WUR;
/* The address [http] listen names, resolved (a name synchronously, at
 * startup). ERR_CONFIG. */
int app_http_listen(const struct node *n, struct sockaddr_storage *out) WUR;
/*
 * [http] tls_cert and tls_key read into cert and key (NUL-terminated PEM,
 * owned: the caller wipes and releases them); both unset: 0 and both
 * empty. ERR_CONFIG (one without the other), ERR_TOO_BIG, -errno;
 * err_msg says which file.
 */
int app_http_tls(const struct node *n, struct buf *cert, struct buf *key,
                 char *err_msg) WUR;
/* A host:port address as [http] listen takes it. ERR_CONFIG. */
int app_addr_parse(const char *text, struct sockaddr_storage *out) WUR;

/* A feed held. */
struct app_feed {
        struct feed_info info;
        const char *channel; /* its name: system, urgent, normal, bulk */
        char audience[WIRE_VIEW_AUDIENCE_BUF];
        bool frozen;
        bool has_fork;     /* with APP_FEEDS_FORKS: a fork proof is held */
        uint64_t fork_seq; /* the seq of its first fork proof */
};
struct app_feeds {
        struct app_feed *v; /* owned; release with app_feeds_release */
        size_t n;
        bool forks; /* APP_FEEDS_FORKS: fork_seq known */
};
enum app_feeds_flags {
        APP_FEEDS_FORKS = 1,  /* find each frozen feed's fork_seq */
        APP_FEEDS_FROZEN = 2, /* only the frozen feeds (from the fork
                                 proofs, without a walk of every feed) */
};
/* The feeds held, in the store's order (priority). Store errors. */
int app_feeds(struct node *n, int flags, struct app_feeds *out,
              char *err_msg) WUR;
void app_feeds_release(struct app_feeds *f);

/* ---- creating a node (init.c) ------------------------------------------- */

struct app_init {
        const char *data;          /* --data DIR, or NULL */
        const char *region, *name; /* checked by the caller */
        uint64_t map_mib;          /* [store] map_size_mib */
        const char *http_listen;   /* [http] listen; NULL: the default */
};
struct app_created {
        char *dir;                 /* the data directory (owned) */
        const char *region, *name; /* borrowed from the app_init */
        const char *level;
        char node_key[2 * ENTRY_KEY_BYTES + 1];
        const char *admin; /* setup: the admin account made (borrowed from
                              the caller), or NULL */
};
/*
 * simpul init: a new node key (mode 0600), a config file that documents
 * every key, the HTTP API token and an empty store in the data directory,
 * which must hold no node yet (ERR_EXISTS). Errors: ERR_EXISTS, -errno,
 * store errors; err_msg names the file.
 */
int app_init(const struct app_init *in, struct app_created *out,
             char *err_msg) WUR;
void app_created_release(struct app_created *c);

/* ---- first boot: the setup API's side of it (setup.c) ------------------- */

#define APP_SETUP_CODE_CHARS 12U /* of 32 symbols: 60 random bits */
#define APP_SETUP_TRIES 10U      /* setup attempts a minute, from anyone */

/*
 * The state of a node being set up. Tried only under the HTTP server's
 * write lock; done is read by any thread (app_setup_done).
 */
struct app_setup {
        char *dir;                           /* the data directory (owned) */
        char listen[NODE_ADDR_MAX];          /* where the setup API listens */
        char code[APP_SETUP_CODE_CHARS + 1]; /* canonical, wiped at release */
        uint64_t window_ms;                  /* start of the current minute */
        unsigned tries;                      /* attempts in it */
        bool used;                           /* the node was made */
        bool done;                           /* ... and the reply went out */
        bool making; /* an attempt is making it: the node is the API's */
};
/* True when the data directory (--data, else as node_data_dir) exists and
 * holds no node at all: neither a config nor a key. */
bool app_setup_needed(const char *data_flag);
/*
 * Makes the data directory, reads the setup code of an earlier start or
 * makes one (DATA/setup.code, mode 0600), and logs it with what to do
 * (NODE-NOT-SET-UP, SETUP-CODE). listen (borrowed) is where the setup API
 * listens; the node made keeps it as its [http] listen. Release s with
 * app_setup_release, also on failure. -errno; err_msg says which file.
 */
int app_setup_begin(struct app_setup *s, const char *data_flag,
                    const char *listen, char *err_msg) WUR;
void app_setup_release(struct app_setup *s);
/*
 * One setup attempt at mono_ms (a monotonic clock): the code as typed
 * (case, dashes and spaces ignored), then the node made as app_init makes
 * it, and the code file removed. With admin (may be NULL) and password,
 * also the first admin account of the web app (app_user_add; its name
 * and password are checked before the node is made: ERR_USAGE); made
 * with the default [http] listen, the node then serves the LAN. Errors:
 * ERR_SETUP_DONE (made already), ERR_SETUP_RATE (over APP_SETUP_TRIES this
 * minute), ERR_SETUP_CODE, ERR_REGION, ERR_CONFIG (the name), app_init's;
 * err_msg says what.
 */
int app_setup_try(struct app_setup *s, const char *code, const char *region,
                  const char *name, const char *admin, const char *password,
                  uint64_t mono_ms, struct app_created *out, char *err_msg) WUR;
/* The reply to the successful attempt is out: the caller may go on. */
void app_setup_finish(struct app_setup *s);
/* That reply is out, or a node was made in the directory otherwise
 * (simpul init in a terminal, logged): run it. Any thread. */
bool app_setup_done(struct app_setup *s);
/* The node in dir has its network and certificate files (simpul enroll
 * accept, or network create): the daemon can link. */
bool app_enrolled(const char *dir);

/* ---- the store as a whole (node.c, bundle.c) ---------------------------- */

/* What simpul verify found. */
struct app_verify {
        struct verify_stats stats;
        struct verify_problem *v; /* owned; release with app_verify_release */
        size_t n;
};
/* Re-checks every entry and chain (replica_verify). Store errors. */
int app_verify(struct node *n, struct app_verify *out, char *err_msg) WUR;
void app_verify_release(struct app_verify *v);
/* Recomputes the KIM views (replica_views_rebuild); *entries read. */
int app_views_rebuild(struct node *n, uint64_t *entries, char *err_msg) WUR;
/*
 * Whether the store is marked restored (*was, from node_open), and with
 * clear, allows posting again (n opened writable). Store errors.
 */
int app_restored(struct node *n, bool clear, bool *was, char *err_msg) WUR;

struct app_export {
        uint64_t feeds, entries;
};
/*
 * Writes the entries held, exactly as signed, to a bundle: to file (whole
 * or not at all: a temporary file renamed), or to standard output (file
 * NULL); only the feeds whose id starts with feed[0..feed_len). -errno,
 * store errors.
 */
int app_export(struct node *n, const uint8_t *feed, size_t feed_len,
               const char *file, struct app_export *out, char *err_msg) WUR;
struct app_import {
        struct ingest_stats sum;
        uint64_t records; /* read from the file */
};
/*
 * Verifies and stores the entries of the bundle read from f (named name
 * in messages), every batch checked on `threads` cores (0: all) while the
 * one before commits. out says how far it came, also on error: what was
 * read before a damaged record is stored. Errors: ERR_BUNDLE (not a
 * bundle, a damaged or truncated record), -errno, store errors.
 */
int app_import(struct node *n, FILE *f, const char *name, unsigned threads,
               struct app_import *out, char *err_msg) WUR;

/* ---- sealed bundles for one node (bundle_seal.c, proto/BUNDLE.md) ---- */

/* A node a bundle is for, or from: by its certificate held. */
struct app_bundle_node {
        uint8_t key[ENTRY_KEY_BYTES];
        char region[REGION_BUF];
        char name[CERT_NAME_BUF];
};
/*
 * Finds the node spec names: a region code, or a node key (8 to 64 hex
 * digits, a prefix), among the certificates held. Errors: ERR_USAGE
 * (neither, or this node), ERR_NOT_FOUND, ERR_AMBIGUOUS, store errors.
 */
int app_bundle_node(struct node *n, const char *spec,
                    struct app_bundle_node *out, char *err_msg) WUR;
/* The file name of a bundle from n to `to`: to-REGION-from-REGION.bundle. */
void app_bundle_name(char *out, size_t cap, const struct node *n,
                     const struct app_bundle_node *to);

struct app_bundle_out {
        struct app_bundle_node to;
        uint64_t heads;   /* feeds in its HEADS */
        uint64_t feeds;   /* feeds with entries in it */
        uint64_t entries; /* entries in it */
        uint64_t blobs;   /* whole blobs in it (BUNDLE.md §5 step 4) */
        uint64_t bytes;   /* of the file */
};
/*
 * Writes the bundle for node `to` (n opened with its key) to file, whole
 * or not at all (a temporary file renamed): what a sync session with it
 * would push from what it is known to hold, sealed to its key. -errno,
 * ERR_KEY, ERR_TOO_BIG, store errors.
 */
int app_bundle_for(struct node *n, const struct app_bundle_node *to,
                   const char *file, struct app_bundle_out *out,
                   char *err_msg) WUR;

struct app_bundle_in {
        uint8_t to[ENTRY_KEY_BYTES]; /* whom the file is sealed to */
        struct app_bundle_node from; /* region and name: once certified */
        struct ingest_stats sum;
        uint64_t records, skipped; /* read; of kinds not known here */
        uint64_t heads;            /* of the sender's, recorded */
        uint64_t blobs;            /* made whole here from BLOB records */
        uint64_t blobs_refused;    /* BLOB-BAD-LIST, BLOB-BAD-CHUNK: none
                                      of such a blob stored */
        bool complete;             /* read to its final chunk */
        int sender_err; /* complete, but the sender is not certified here
                           (ERR_NOT_FOUND) or revoked: HEADS not recorded,
                           no return bundle */
};
/*
 * Opens the bundle file with n's key and commits its entries as a sync
 * session does, then records what the sender holds. out says how far it
 * came, also on error: the entries of the chunks authenticated before a
 * damage stay committed (each is signed). Errors, each with one log line:
 * ERR_BUNDLE_NOT_FOR_ME (nothing read), ERR_BUNDLE_TAMPERED,
 * ERR_BUNDLE_TRUNCATED, ERR_BUNDLE (not a sealed bundle, or a bad
 * record), -errno, store errors.
 */
int app_bundle_import(struct node *n, const char *file,
                      struct app_bundle_in *out, char *err_msg) WUR;

/* ---- membership (member.c, proto/MEMBERSHIP.md) ------------------------- */

#define APP_VALID_DAYS_MAX 36500U /* of a certificate */
#define APP_REASON_MAX 1024U      /* bytes of a revocation's reason */

/* A certificate as simpul shows it. */
struct app_cert {
        struct cert_info c;
        bool by_root;      /* issued by the network root */
        const char *level; /* of its region */
        char node_key[2 * ENTRY_KEY_BYTES + 1], issuer[2 * ENTRY_KEY_BYTES + 1];
        char valid_from[32], valid_until[32]; /* UTC ISO 8601 */
};

/* A network, with this node's certificate in it. */
struct app_network {
        struct network net;
        char id[2 * ENTRY_HASH_BYTES + 1];
        char root_key[2 * ENTRY_KEY_BYTES + 1];
        bool holds_root; /* network.key is in this data directory */
        bool has_cert;   /* cert: this node's, verified */
        struct app_cert cert;
        int cert_err;        /* show: why not has_cert (ERR_NOT_ENROLLED...) */
        bool cert_valid_now; /* accept: by this node's clock */
        char entry[2 * ENTRY_HASH_BYTES + 1]; /* create: the sertifikat */
};

/*
 * simpul network create, on the kabupaten node of region (n opened with
 * its key): makes the root key (network.key, or loads it when an earlier
 * run stopped half way), writes the network file, certifies this node as
 * an issuer for days (0: 3650) and posts that certificate to the system
 * feed. Errors: ERR_USAGE (region or name missing, a name that is not one
 * line of 1..95 bytes), ERR_NETWORK (not the kabupaten node of region),
 * ERR_EXISTS (already in a network), ERR_CONFIG, -errno, replica_post's.
 */
int app_network_create(struct node *n, const char *region, const char *name,
                       uint64_t days, struct app_network *out,
                       char *err_msg) WUR;
/* simpul network show. ERR_NOT_ENROLLED (no network). */
int app_network_show(struct node *n, struct app_network *out,
                     char *err_msg) WUR;

/* simpul enroll request: the request line, signed with the node's key. */
struct app_request {
        struct buf line; /* "simpul-req1:..." (owned) */
        char node_key[2 * ENTRY_KEY_BYTES + 1];
        const char *region, *name; /* borrowed from the node */
};
int app_enroll_request(struct node *n, struct app_request *out,
                       char *err_msg) WUR;
void app_request_release(struct app_request *r);

/*
 * A request given as its line or as a file holding it, decoded and its
 * signature checked (no node needed). Errors: -ENOENT (neither), -errno,
 * ERR_TOO_BIG, ERR_CERT and the like (a damaged line).
 */
int app_request_read(const char *arg, struct enroll_req *rq, char *err_msg) WUR;
/* simpul enroll sign: the certificate line and the posted sertifikat. */
struct app_signed {
        struct buf line; /* "simpul-cert1:..." (owned) */
        char entry[2 * ENTRY_HASH_BYTES + 1];
        struct app_cert cert;
};
/*
 * Certifies the node of rq for days, as an issuer (kabupaten only, for a
 * kecamatan) when issuer; posts the certificate to this issuer's system
 * feed; writes its line to file too unless NULL. Errors: ERR_NOT_ENROLLED,
 * ERR_NOT_ISSUER, ERR_NETWORK, ERR_KEY, ERR_REVOKED, ERR_CERT, -errno.
 */
int app_enroll_sign(struct node *n, const struct enroll_req *rq, uint64_t days,
                    bool issuer, const char *file, struct app_signed *out,
                    char *err_msg) WUR;
void app_signed_release(struct app_signed *s);

/* A certificate line read (app_cert_read); the slices borrow bytes. */
struct app_cert_line {
        struct buf bytes;
        struct network net;
        struct slice cert, issuer_cert;
};
/* A certificate given as its line or a file holding it (as
 * app_request_read). */
int app_cert_read(const char *arg, struct app_cert_line *a, char *err_msg) WUR;
void app_cert_line_release(struct app_cert_line *a);
/*
 * simpul enroll accept: checks the certificate against this node (n opened
 * with its key), stores it and joins its network. Errors: ERR_NETWORK
 * (another network), ERR_CERT, ERR_CERT_EXPIRED, ERR_REVOKED, -errno.
 */
int app_enroll_accept(struct node *n, struct app_cert_line *a,
                      struct app_network *out, char *err_msg) WUR;

/* simpul revoke: what was posted. */
struct app_revoked {
        char node_key[2 * ENTRY_KEY_BYTES + 1];
        char entry[2 * ENTRY_HASH_BYTES + 1];
        struct revoke_feed *feeds; /* owned: each feed and its cutoff */
        size_t n_feeds;
        const char *reason; /* borrowed */
};
/*
 * Revokes the node key (MEMBERSHIP.md §7) as this node's issuer: every
 * feed of it held here, cut at its head. reason: one line of at most
 * APP_REASON_MAX bytes (the caller checks), or NULL. Errors:
 * ERR_NOT_ENROLLED, ERR_NOT_ISSUER, ERR_KEY, ERR_TOO_BIG, store errors.
 */
int app_revoke(struct node *n, const uint8_t key[ENTRY_KEY_BYTES],
               const char *reason, struct app_revoked *out, char *err_msg) WUR;
void app_revoked_release(struct app_revoked *r);

/* ---- names (names.c): what an operator types --------------------------- */

enum app_names {
        APP_NAMES_KIND,        /* any entry kind (informasi ... pencabutan) */
        APP_NAMES_KIM_KIND,    /* a KIM kind, 1..9 */
        APP_NAMES_REPORT_KIND, /* aspirasi, pengaduan, permintaan_informasi */
        APP_NAMES_ITEM_KIND,   /* a report or an announcement kind */
        APP_NAMES_LEVEL,       /* enum kim_level */
        APP_NAMES_STEP,        /* enum kim_step */
        APP_NAMES_RESULT,      /* enum kim_result */
        APP_NAMES_DECISION,    /* enum kim_decision */
        APP_NAMES_STATE,       /* enum kim_state */
};
/* The number of name in set (KIND_*, or the enum's value). ERR_USAGE. */
int app_name_parse(enum app_names set, const char *name, uint32_t *out) WUR;
/* The name of value in set (static), or NULL when it has none. */
const char *app_name(enum app_names set, uint32_t value);
/* A time as YYYY-MM-DD or YYYY-MM-DDTHH:MM in WIB (UTC+07:00), to Unix
 * ms. ERR_USAGE. */
int app_wib_parse(const char *s, uint64_t *ms) WUR;
/* ms as UTC ISO 8601 with milliseconds, "2026-01-31T07:00:00.000Z". */
void app_time_iso(char out[32], uint64_t ms);

/* ---- entries (entries.c) --------------------------------------------------
 */

/* An entry held, as simpul list and show read it. */
/*
 * Delivery ticks of an entry written here (proto/SYNC.md §5.4): which
 * levels above this node hold it, nearest first, from acknowledged heads
 * only: ticks = the highest of them that holds it, 1 for the parent's
 * level (✓: at the kecamatan), 2 for the one above (✓✓: the kabupaten).
 */
#define APP_DELIVERY_LEVELS 3U
struct app_delivery_level {
        char region[REGION_BUF];
        const char *level; /* "kecamatan", ... */
        bool held;
};
struct app_delivery {
        bool own; /* written here; else no ticks (n 0) */
        unsigned ticks;
        size_t n;
        struct app_delivery_level at[APP_DELIVERY_LEVELS];
};

struct app_entry {
        struct buf bytes;             /* the entry as stored (owned) */
        struct app_delivery delivery; /* app_entry_get only */
        struct entry e;               /* borrows bytes */
        const char *kind;             /* its name, "?" when unknown */
        char audience[WIRE_VIEW_AUDIENCE_BUF];
        /* the body's title, "", or APP_BODY_MISSING_TEXT for an entry held
         * without its body (borrows bytes) */
        struct slice title;
};
void app_entry_release(struct app_entry *e);
/* The entry with this id or unique prefix (4..32 bytes). ERR_NOT_FOUND,
 * ERR_AMBIGUOUS, ERR_MALFORMED and store errors (err_msg: err_str). */
int app_entry_get(struct node *n, const uint8_t *id, size_t len,
                  struct app_entry *out, char *err_msg) WUR;
/* The whole id of the entry with this id or unique prefix (a whole id is
 * not looked up). Errors as app_entry_get. */
int app_entry_resolve(struct node *n, const uint8_t *id, size_t len,
                      uint8_t full[ENTRY_HASH_BYTES]) WUR;

struct app_entry_filter {
        uint32_t kind; /* 0: any */
        uint8_t feed[ENTRY_HASH_BYTES];
        size_t feed_len; /* a feed id prefix; 0: any */
        size_t limit;    /* 0: all */
};
struct app_entries {
        struct app_entry *v; /* owned; release with app_entries_release */
        size_t n;
};
/* The entries held that pass f, newest first by the author's clock (then
 * feed id, then newest seq), at most f->limit. Store errors. */
int app_entries_list(struct node *n, const struct app_entry_filter *f,
                     struct app_entries *out, char *err_msg) WUR;
void app_entries_release(struct app_entries *l);

/* ---- the HTTP API's token (token.c) ---------------------------------------
 */

#define APP_TOKEN_FILE "http.token"
#define APP_TOKEN_BYTES 32U /* random bytes; the file holds them in hex */
#define APP_TOKEN_HEX (2U * APP_TOKEN_BYTES)

/*
 * Writes a new random token to dir/http.token (mode 0600, atomically:
 * a rotation never leaves a half-written file) and copies it into out.
 * -errno.
 */
int app_token_new(const char *dir, char out[APP_TOKEN_HEX + 1]) WUR;
/* Reads dir/http.token into out. ERR_NOT_FOUND (no file), ERR_KEY (not
 * APP_TOKEN_HEX hex digits), -errno. */
int app_token_read(const char *dir, char out[APP_TOKEN_HEX + 1]) WUR;
/*
 * simpul token: the token of the node in --data DIR (data_flag, may be
 * NULL), made when it has none, or a new one when rotate. *path gets the
 * token file's path (owned, free it; set on success and on a read or
 * write error). Errors: ERR_NOT_FOUND (no node there), -errno.
 */
int app_token(const char *data_flag, bool rotate, char tok[APP_TOKEN_HEX + 1],
              char **path, char *err_msg) WUR;

/* ---- posting items (post.c, proto/KIM.md §2, §4) ------------------------- */

/* One item to post, of any KIM kind (1..9). Everything is borrowed. */
struct app_post {
        /*
         * body.kind and the clear fields of the body. For a rahasia report
         * give title, text, location and tags here: app_post seals them
         * into `sealed` and leaves them out of the clear map. Leave
         * body.reporter and body.sealed empty: app_post makes them.
         */
        struct kim_body body;
        /*
         * false: derived. A report: path(this node's region, handler); a
         * status or tanggapan: its report's audience; a revisi: its
         * item's; a revisi_keputusan: its revisi's. informasi and
         * peringatan need one (ERR_USAGE).
         */
        bool has_audience;
        struct audience audience;
        /* The reporter of a report, sealed to the recipients. */
        bool has_reporter;
        struct kim_reporter reporter;
        /*
         * Recipients of sealed values (1..KIM_SEAL_TO_MAX Ed25519 keys);
         * n_to 0: the node keys of every valid, unrevoked certificate this
         * node holds for the handler region (KIM.md §4).
         */
        const uint8_t *to; /* n_to * ENTRY_KEY_BYTES */
        size_t n_to;
        uint64_t timestamp_ms; /* 0: now */
};

/*
 * Builds, seals, checks and appends one item to this node's feed for its
 * kind and audience (replica_post), filling defaults first:
 *   - a report: handler from the audience's target when absent, category
 *     "lainnya" when absent;
 *   - a status: after = the report when absent.
 * A status, tanggapan, revisi or revisi_keputusan must name an entry this
 * node holds, of the right kind (a report; an announcement; a revisi); a
 * status or tanggapan given an audience must give its report's
 * (ERR_KIM_AUDIENCE otherwise), and a status's after must be the report
 * or a step of it held here (ERR_KIM_NOT_FOUND otherwise).
 * A report's sealed values are bound to the place it takes in its feed
 * (author, feed, seq; KIM.md §4), so they are sealed inside the write
 * transaction that appends it (replica_post's body_at).
 * It does not check the lifecycle order of a status (KIM-STEP): callers
 * that make steps check the current state first (app report functions).
 * n is an open node with its key (NODE_OPEN_KEY). id (32 bytes, may be
 * NULL) gets the entry id. On error err_msg (APP_ERR_MAX bytes, may be
 * NULL) says what and why in one line, and nothing is stored. Errors:
 * ERR_USAGE (no audience for an announcement; kind not 1..9),
 * ERR_KIM_BODY, ERR_KIM_AUDIENCE, ERR_KIM_ROLE, ERR_KIM_NOT_FOUND (the
 * named report or item is not held), ERR_KIM_SEALED (no recipient to seal
 * to), ERR_KEY (a recipient key is not a valid key), ERR_RESTORED, and
 * replica_post's errors (ERR_AUTHOR_RULE, ERR_TOO_BIG, ERR_NOT_ENROLLED,
 * ERR_FROZEN, store errors).
 */
int app_post(struct node *n, const struct app_post *p, uint8_t *id,
             char *err_msg) WUR;

/*
 * The recipients for handler region `handler`: into to, the node keys of every
 * valid (at now_ms, or not expired before the node's clock floor when now_ms
 * is before it: node_clock), unrevoked certificate held, in key order, at
 * most KIM_SEAL_TO_MAX. *n_out may be 0. Store errors.
 */
int app_recipients(struct node *n, const char *handler, uint64_t now_ms,
                   uint8_t to[KIM_SEAL_TO_MAX * ENTRY_KEY_BYTES],
                   size_t *n_out) WUR;

/* ---- reports and announcements (report.c, announce.c, items.c,
 * proto/KIM.md §3, §5, §6) ------------------------------------------------
 *
 * Reading the views and making steps, for the CLI (simpul report, simpul
 * reports) and the HTTP API. Results are structs owned by the caller,
 * released with their _release function (which wipes what was opened);
 * nothing is set on error. Each function takes an open node; reading
 * brings the views up to date first when their schema is missing or
 * outdated (replica_views_ensure), which needs a writable store. Sealed
 * values are opened with the node's key when it was loaded (NODE_OPEN_KEY)
 * and this node is a recipient, and shown as APP_SEALED_TEXT otherwise.
 * Deadline flags are computed at now_ms (0: the clock) with the holidays of
 * the node's config. err_msg (APP_ERR_MAX bytes, may be NULL) gets one line
 * on error. Common errors: ERR_KIM_NOT_FOUND (no such report), ERR_AMBIGUOUS
 * (an id prefix matching more than one entry), ERR_USAGE (a bad filter or id
 * length), store errors.
 */

#define APP_SEALED_TEXT "[disegel]"
/*
 * An item held without its body (pruned on the way, proto/KIM.md §7): its
 * title and text read APP_BODY_MISSING_TEXT ("content not yet received")
 * and its JSON has "body_missing": true (false for every other item).
 */
#define APP_BODY_MISSING_TEXT "isi belum diterima"
#define APP_LIST_DEFAULT 50U
#define APP_LIST_MAX 1000U

/* A stored KIM item with its body; b borrows from bytes, or from content
 * once a rahasia report's content is opened. */
struct app_item {
        struct buf bytes;
        struct entry e;
        struct kim_body b;
        bool kim;                     /* the body decodes as its KIM kind */
        struct buf content, reporter; /* opened plaintexts (wiped) */
};

/* One event of a report's timeline. */
struct app_event {
        const struct wire_view_event *ev; /* in the report's v.timeline */
        const char *kind, *mark;          /* names */
        bool held;   /* it (the step or tanggapan) was loaded */
        bool sealed; /* its details are sealed, not to this node (§4.3) */
        struct app_item it;
};

enum app_reporter {
        APP_REPORTER_NONE,   /* the report names no reporter */
        APP_REPORTER_SEALED, /* sealed to other nodes (or does not open) */
        APP_REPORTER_OPEN,   /* who: opened with this node's key */
};

/* A report: its view, its body and what this node may see of them. */
struct app_report {
        struct wire_report_view v; /* v.timeline owned */
        struct app_item it;        /* the report entry, opened */
        const char *kind;          /* its name */
        struct kim_flags flags;    /* at the time asked */
        bool overdue;              /* terlambat_verifikasi or _tindak_lanjut */
        bool body_missing;         /* held without its body */
        bool readable; /* title, text, tags, location shown (not sealed) */
        /* As shown: the body's, APP_SEALED_TEXT or APP_BODY_MISSING_TEXT;
         * ptr NULL: the report has none. text only in a detail. */
        struct slice title, text;
        /* app_report_get only */
        bool detail;
        struct app_delivery delivery;
        enum app_reporter reporter;
        struct kim_reporter who;  /* APP_REPORTER_OPEN; borrows it */
        struct app_event *events; /* v.timeline_n (owned) */
        /* the steps this node may make now (names), then "tanggapan" */
        const char *allowed[16];
        size_t n_allowed;
};
void app_report_release(struct app_report *r);

/* Filters of app_reports_list; a zeroed struct lists everything. */
struct app_report_filter {
        const char *status;  /* a state name (KIM.md §3), or NULL: any */
        bool overdue;        /* only terlambat_verifikasi/_tindak_lanjut */
        uint32_t kind;       /* a report kind (3, 4, 5), or 0: any */
        const char *handler; /* a handler region code, or NULL: any */
        size_t limit;        /* 0: APP_LIST_DEFAULT; at most APP_LIST_MAX */
        bool has_after;      /* paging: continue after this report */
        uint8_t after[ENTRY_HASH_BYTES];
        uint64_t now_ms; /* the clock for the deadline flags; 0: now */
};

struct app_reports {
        struct app_report *v; /* owned; release with app_reports_release */
        size_t n;
        bool more; /* more may follow v[n - 1]: the next page's after */
};
void app_reports_release(struct app_reports *l);

/*
 * Lists reports newest first (report time, then id), filtered: summaries
 * (no detail). Errors: ERR_USAGE (unknown status or kind, bad handler
 * code, limit over APP_LIST_MAX), ERR_KIM_NOT_FOUND (after names no
 * report).
 */
int app_reports_list(struct node *n, const struct app_report_filter *f,
                     struct app_reports *out, char *err_msg) WUR;

/*
 * One report (id or a unique prefix of 4..32 bytes) in full (held without
 * its body: the summary, APP_BODY_MISSING_TEXT, no allowed step): the
 * reporter, the steps this node may make now, and the revision-free
 * timeline in (ts, id) order with each step's and tanggapan's body.
 */
int app_report_get(struct node *n, const uint8_t *id, size_t id_len,
                   uint64_t now_ms, struct app_report *out, char *err_msg) WUR;

/* A step or response to make; strings borrowed, NULL: absent. */
struct app_step {
        /* A step name (KIM.md §3: diverifikasi, ditunda, ...), or
         * "tanggapan" for a response. */
        const char *step;
        const char *note;     /* any step */
        const char *method;   /* diverifikasi: required */
        const char *result;   /* diverifikasi: valid, tidak_valid, hoaks,
                                 perlu_informasi_tambahan */
        const char *verifier; /* diverifikasi */
        const char *agency;   /* diteruskan: required */
        const char *title;    /* tanggapan */
        const char *text;     /* tanggapan: required */
        bool anonim, rahasia; /* raise the report's flags */
        uint64_t now_ms;      /* the entry's time and the clock; 0: now */
};

/*
 * Makes a step on a report (id or unique prefix) after its current step
 * (the view's head), or posts a tanggapan to it, through app_post. Checks
 * first, as KIM.md §3 asks of a node creating a step: this node's side
 * (ERR_KIM_ROLE), the report's body held (ERR_KIM_STEP: no step on a
 * report whose content has not arrived), the step allowed from the
 * current state, and for ditutup after selesai the 10 working days
 * (ERR_KIM_STEP). out_id (may
 * be NULL) gets the new entry's id. Errors: ERR_USAGE (unknown step or
 * result), ERR_KIM_ROLE, ERR_KIM_STEP, ERR_KIM_NOT_FOUND, and app_post's.
 */
int app_report_step(struct node *n, const uint8_t *id, size_t id_len,
                    const struct app_step *s, uint8_t *out_id,
                    char *err_msg) WUR;

/* Reports per state and overdue, for /metrics. */
struct app_report_counts {
        uint64_t total, overdue;
        size_t n; /* states, in lifecycle order (KIM.md §3) */
        struct {
                const char *state;
                uint64_t reports;
        } by_state[16];
};
/*
 * Counts from the by-status view: only the views of reports that can be
 * late to follow up (verified valid) are read. Store errors.
 */
int app_reports_count(struct node *n, uint64_t now_ms,
                      struct app_report_counts *out, char *err_msg) WUR;

/* A revisi of an announcement, as its author decided it (KIM.md §6 rule
 * 5): the holding decision of the announcement's author, if any. */
struct app_rev {
        struct app_item it;  /* the revisi */
        const char *state;   /* "diusulkan", "diterima" or "ditolak" */
        uint64_t decided_ts; /* the holding decision's time, or 0 */
        struct buf reason;   /* its reason (may be empty) */
        bool counts;         /* the revision shown (has_revision's) */
};

/* An informasi or peringatan, with its accepted revision. */
struct app_ann {
        struct app_item it;
        struct app_delivery delivery;
        const char *kind;  /* its name */
        const char *level; /* a peringatan's level name, or NULL */
        char audience[WIRE_VIEW_AUDIENCE_BUF];
        bool body_missing;
        bool has_revision; /* an accepted revision (KIM.md §6 rule 5) */
        struct wire_revision_view rev;
        struct app_item rev_item; /* the revisi */
        /* app_announcement_get only: every revisi held, oldest first */
        struct app_rev *revs;
        size_t n_revs;
};
void app_ann_release(struct app_ann *a);

/* Filters of app_announcements_list; zeroed: everything. */
struct app_ann_filter {
        const char *audience; /* "tree:36.04" or "path:O:T", or NULL: any */
        uint32_t kind;  /* KIND_INFORMASI or KIND_PERINGATAN, or 0: both */
        size_t limit;   /* 0: APP_LIST_DEFAULT; at most APP_LIST_MAX */
        bool has_after; /* paging: continue after this announcement */
        uint8_t after[ENTRY_HASH_BYTES];
};

struct app_anns {
        struct app_ann *v; /* owned; release with app_anns_release */
        size_t n;
        bool more; /* more may follow v[n - 1] */
};
void app_anns_release(struct app_anns *l);

/*
 * Lists informasi and peringatan newest first; one held without its body
 * reads APP_BODY_MISSING_TEXT. The text shown is the original's; an
 * accepted revision rides beside it. A page holds `limit` announcements
 * of the kind asked for whenever that many follow. Errors: ERR_USAGE (bad
 * audience, kind, limit), ERR_KIM_NOT_FOUND (after names no
 * announcement).
 */
int app_announcements_list(struct node *n, const struct app_ann_filter *f,
                           struct app_anns *out, char *err_msg) WUR;
/* One informasi or peringatan (id or a unique prefix of 4..32 bytes), as
 * an element of app_announcements_list, with every revisi held (revs).
 * ERR_KIM_NOT_FOUND when it is not an announcement held. */
int app_announcement_get(struct node *n, const uint8_t *id, size_t id_len,
                         struct app_ann *out, char *err_msg) WUR;

/* ---- the API's list of items (items.c): reports and announcements ------ */

enum app_items_mode {
        APP_ITEMS_MERGED,        /* both, merged newest first */
        APP_ITEMS_REPORTS,       /* rf filters them */
        APP_ITEMS_ANNOUNCEMENTS, /* af filters them */
};

/* One page's query. The cursors are where each list resumes: "" from the
 * start, APP_ITEMS_DONE when that list is done, or an id in hex. */
#define APP_ITEMS_DONE "x"
struct app_items_query {
        enum app_items_mode mode;
        struct app_report_filter rf;
        struct app_ann_filter af;
        size_t limit; /* 1..APP_LIST_MAX */
        char rcur[2 * ENTRY_HASH_BYTES + 1], acur[2 * ENTRY_HASH_BYTES + 1];
};
/*
 * Reads a "next" value of a page of the same mode (opaque to clients: "r"
 * + id, "a" + id, or "m" R "." A) into q's cursors. ERR_USAGE when it is
 * none. Pure: no store.
 */
int app_items_after(struct app_items_query *q, const char *after) WUR;

/* One item of a page: a report or an announcement (borrowed from its
 * page). */
struct app_listed {
        const struct app_report *report;
        const struct app_ann *ann;
};
struct app_items {
        struct app_reports reports; /* what was read of each list */
        struct app_anns anns;
        struct app_listed *v; /* the page (owned) */
        size_t n;
        char next[4 + 4 * ENTRY_HASH_BYTES]; /* "" at the end */
};
/* The page of q, and its next. Errors of the two lists. */
int app_items_list(struct node *n, const struct app_items_query *q,
                   struct app_items *out, char *err_msg) WUR;
void app_items_release(struct app_items *it);

/* ---- JSON (json.c): every result as simpul --json and the API show it -----
 *
 * Each app_json_* appends its result to out as JSON text; the CLI and the
 * API print what they get. Errors: -ENOMEM (out of JSON, or a string that
 * is not UTF-8: never after the checks on receipt).
 */
enum app_json_flags {
        APP_JSON_COMPACT = 1, /* one line, ASCII (the API); else indented */
        APP_JSON_REDACT = 2,  /* personal data hidden (the API, no token) */
};
/* simpul status --json: the node, its store, daemon and peers. */
int app_json_status(struct buf *out, const struct app_status *s,
                    const struct app_peers *peers, int flags) WUR;
/* GET /api/node: the node, its store, its daemon; the API's address. */
int app_json_node(struct buf *out, const struct app_status *s,
                  const char *http_address, int flags) WUR;
/* simpul bundle for --json: one bundle written to file. */
int app_json_bundle_out(struct buf *out, const struct app_bundle_out *b,
                        const char *file, int flags) WUR;
/* simpul bundle import --json: how far it came (err: its error, or 0),
 * and the return bundle written to ret_file (NULL: none). */
int app_json_bundle_in(struct buf *out, const struct app_bundle_in *in, int err,
                       const char *ret_file, const struct app_bundle_out *rb,
                       int flags) WUR;
/* simpul peers --json, GET /api/peers (APP_JSON_REDACT: no addresses). */
int app_json_peers(struct buf *out, const struct app_peers *p, int flags) WUR;
/* simpul feeds --json, GET /api/feeds (with fork_seq when f->forks). */
int app_json_feeds(struct buf *out, const struct app_feeds *f, int flags) WUR;
/* An entry: its header fields, body_missing, and its body (null when held
 * without it, or unless with_body) as JSON (byte strings as {"hex": ...}). */
int app_json_entry(struct buf *out, const struct app_entry *e, bool with_body,
                   int flags) WUR;
/* simpul list --json: an array of entries with their bodies. */
int app_json_entries(struct buf *out, const struct app_entries *l,
                     int flags) WUR;
/*
 * The fields of e's body, in order, to fn: each key with its value, a
 * string as it is, anything else as compact JSON. ERR_BODY when the body
 * does not decode, ERR_NOT_FOUND when it is not held.
 */
int app_entry_fields(const struct app_entry *e,
                     void (*fn)(void *ctx, const char *key, const char *value),
                     void *ctx) WUR;
/* simpul init --json. */
int app_json_created(struct buf *out, const struct app_created *c,
                     int flags) WUR;
/* simpul verify --json: ok, counts and the problems found. */
int app_json_verify(struct buf *out, const struct app_verify *v, int flags) WUR;
/* simpul views rebuild --json: {entries}. */
int app_json_views(struct buf *out, uint64_t entries, int flags) WUR;
/* simpul restored --json: {restored, cleared}. */
int app_json_restored(struct buf *out, bool restored, bool cleared,
                      int flags) WUR;
/* simpul import --json: ok (no error and nothing refused) and the counts. */
int app_json_import(struct buf *out, const struct app_import *im, bool ok,
                    int flags) WUR;
/* simpul network show --json (with "entry" after network create). */
int app_json_network(struct buf *out, const struct app_network *nw,
                     int flags) WUR;
/* simpul enroll request --json. */
int app_json_request(struct buf *out, const struct app_request *r,
                     int flags) WUR;
/* simpul enroll sign --json. */
int app_json_signed(struct buf *out, const struct app_signed *s, int flags) WUR;
/* simpul enroll accept --json. */
int app_json_accepted(struct buf *out, const struct app_network *nw,
                      int flags) WUR;
/* simpul revoke --json. */
int app_json_revoked(struct buf *out, const struct app_revoked *r,
                     int flags) WUR;
/* simpul token --json: {token, file}. */
int app_json_token(struct buf *out, const char *token, const char *file,
                   int flags) WUR;

/* ---- JSON of reports and announcements (json.c) ---------------------------
 *
 * A report: id, kind, region, audience, handler, ts, time, state, result,
 * anonim, rahasia, category, title, body_missing, flags {terlambat_
 * verifikasi, terlambat_tindak_lanjut, siap_ditutup}, overdue,
 * deadline_ms, last_reply_ts; in detail also author, text, tags,
 * location, sealed, reporter ({name, contact}, APP_SEALED_TEXT, or null),
 * verified_ts, followed_ts, done_ts, head, allowed_steps, timeline [{id,
 * kind, step, author_region, ts, time, mark, and the step's fields: note,
 * method, result, agency, verifier, anonim, rahasia; a tanggapan's title
 * and text}]. With APP_JSON_REDACT a report shows what a relay sees (the
 * reporter sealed, and of a rahasia report the title, text, tags and
 * location) and says "redacted": true.
 * An announcement: id, kind, audience, author, region, ts, time, title,
 * text, tags, body_missing, category, level, until_ms, revision (null or
 * {id, editor, editor_region, ts, decision, decided_ts, decided_time,
 * title, text, reason}).
 */
int app_json_report(struct buf *out, const struct app_report *r, int flags) WUR;
/* {"reports": [...], "next": id or null} */
int app_json_reports(struct buf *out, const struct app_reports *l,
                     int flags) WUR;
int app_json_ann(struct buf *out, const struct app_ann *a, int flags) WUR;
/* {"items": [...], "next": ... or null} */
int app_json_items(struct buf *out, const struct app_items *it, int flags) WUR;

/* ---- streaming the log out (stream.c): what simpul sink reads ------------
 *
 * A reader outside the node (simpul sink, docs/SINK.md) keeps its own
 * position: per feed, the last seq it has taken. app_stream_read hands it
 * the entries past that position, feed by feed in seq order, with the
 * current summary of every report they touch, all read in one store read
 * transaction (a consistent snapshot, held only while the batch is read).
 * Sealed values: opened only with unseal, when this node was opened with
 * its key and is a recipient; a rahasia report's content stays hidden
 * without unseal even where it travels in the clear (raised later, KIM.md
 * §4); the reporter of an anonim report is never given.
 */

/* How far a reader has a feed. */
struct app_stream_pos {
        uint8_t feed[ENTRY_HASH_BYTES];
        uint64_t seq;
};

/* One entry as it goes out. Slices borrow from it (ptr NULL: absent, or
 * hidden); names are static. */
struct app_stream_entry {
        struct app_item it;
        const char *kind; /* its name, "?" unknown */
        char audience[WIRE_VIEW_AUDIENCE_BUF];
        bool body_missing;
        /* an announcement's or tanggapan's (a report's: in its summary) */
        struct slice title, text, category;
        const char *level; /* peringatan */
        bool has_report;   /* status, tanggapan */
        uint8_t report[ENTRY_HASH_BYTES];
        const char *step, *result; /* status */
        struct slice note, method, agency, verifier;
        /* sertifikat: the certificate it carries (decoded) */
        bool has_cert;
        struct cert_info cert;
};

/* A report touched by the batch, as it stands at the end of it. */
struct app_stream_report {
        struct app_report r;      /* the summary (app_reports_list's) */
        bool sealed;              /* content hidden here */
        struct slice title, text; /* ptr NULL: hidden or absent */
        bool has_reporter;        /* unseal, opened, and not anonim */
        struct kim_reporter who;  /* borrows r.it */
        uint64_t late_ms;         /* overdue from then; 0: cannot be */
};

struct app_stream {
        struct app_stream_entry *v; /* owned; release with
                                       app_stream_release */
        size_t n;
        struct app_stream_report *reports;
        size_t n_reports;
        /* the position after this batch, for every feed it advanced */
        struct app_stream_pos *pos;
        size_t n_pos;
        uint64_t version; /* the store version read */
        bool more;        /* stopped at max: more entries follow */
        char instance[2 * STORE_INSTANCE_BYTES + 1]; /* the store's, hex */
};

/*
 * Reads up to max entries past pos (n_pos positions, sorted by feed id
 * bytewise; a feed not in it is read from seq 1), and the reports they
 * touch, at now_ms (0: now) for the deadlines. Store errors.
 */
int app_stream_read(struct node *n, const struct app_stream_pos *pos,
                    size_t n_pos, size_t max, bool unseal, uint64_t now_ms,
                    struct app_stream *out, char *err_msg) WUR;
void app_stream_release(struct app_stream *s);
/* The store version (store_version): unchanged, nothing new was stored. */
int app_store_version(struct node *n, uint64_t *out) WUR;
/* ---- attachments (blobs.c, proto/BLOBS.md) -------------------------------
 *
 * A file attached to a post is stored as a blob first, then named in the
 * item's body (kim_body.attach); the daemon fetches the blobs of the
 * entries a node holds from its peers.
 */

#define APP_FILE_MAX BLOB_MAX_BYTES

/* An attachment ready for app_post: a.type, a.name and a.thumb borrow
 * from the rest of this struct. */
struct app_attach {
        struct kim_attachment a;
        char type[KIM_ATTACH_TYPE_MAX + 1];
        char name[KIM_ATTACH_NAME_MAX + 1];
        struct buf thumb;
};
/*
 * Reads the file at path (at most BLOB_MAX_BYTES) and stores it as a
 * blob; out names it (root, size, type: `type`, or from the file name's
 * extension, else application/octet-stream; name: the file's base name)
 * with the thumbnail read from thumb_path (NULL: none; image types only,
 * at most KIM_THUMB_MAX bytes). A blob stored for a post that then fails
 * is collected by app_gc. Errors: ERR_BLOB_TOO_BIG, ERR_KIM_BODY (a bad
 * type or thumbnail), -errno, store errors; err_msg says which.
 */
int app_attach_file(struct node *n, const char *path, const char *type,
                    const char *thumb_path, struct app_attach *out,
                    char *err_msg) WUR;
void app_attach_release(struct app_attach *at);

/* A blob of the store: `refs` entries held reference it. */
struct app_blob {
        struct store_blob b;
        uint64_t refs;
};
struct app_blobs {
        struct app_blob *v; /* owned; free with app_blobs_release */
        size_t n;
};
/* Every blob record (wanted, partial or whole), in root order. */
int app_blobs(struct node *n, struct app_blobs *out, char *err_msg) WUR;
void app_blobs_release(struct app_blobs *b);
/*
 * Writes blob root (whole) to the file at path, through a temporary file
 * renamed into place (a reader never sees part of it). ERR_NOT_FOUND (no
 * such blob), ERR_BLOB_MISSING (not whole yet: *held of chunks),
 * -errno; err_msg says which.
 */
int app_blob_get(struct node *n, const uint8_t root[32], const char *path,
                 char *err_msg) WUR;
/*
 * Someone opens blob root here: marks it wanted whatever [blobs] fetch
 * says (durably: a restart keeps asking) and wakes the daemon, which asks
 * its peers for it (BLOBS.md §7). out: its record (whole or not yet).
 * ERR_NOT_FOUND: no entry here references it.
 */
int app_blob_open(struct node *n, const uint8_t root[32],
                  struct store_blob *out, char *err_msg) WUR;
/*
 * Bytes off .. off + len - 1 of blob root (whole here; clipped to its
 * size) into out (reset first); *size its size. For HTTP Range requests.
 * ERR_NOT_FOUND, ERR_BLOB_MISSING (not whole), store errors.
 */
int app_blob_read(struct node *n, const uint8_t root[32], uint64_t off,
                  uint64_t len, struct buf *out, uint64_t *size,
                  char *err_msg) WUR;
/* app_blob_read, a sealed attachment (BLOBS.md §2.1) decrypted only when
 * decrypt (a reader of the report's content); else as stored. */
int app_blob_read_as(struct node *n, const uint8_t root[32], bool decrypt,
                     uint64_t off, uint64_t len, struct buf *out,
                     uint64_t *size, char *err_msg) WUR;
/* Stores data (borrowed) as a blob (HTTP upload): root. ERR_BLOB_TOO_BIG
 * beyond BLOB_MAX_BYTES, store errors. */
int app_blob_put(struct node *n, struct slice data, uint8_t root[32],
                 char *err_msg) WUR;
/* The size of blob root, held whole here: ERR_NOT_FOUND, ERR_BLOB_MISSING. */
int app_blob_size(struct node *n, const uint8_t root[32], uint64_t *size,
                  char *err_msg) WUR;
/* [blobs] upload_max_bytes: the largest HTTP upload. */
uint64_t app_upload_max(const struct node *n);
/* Collects the blobs no entry references (simpul gc). */
int app_gc(struct node *n, uint64_t *blobs, uint64_t *bytes, char *err_msg) WUR;
/*
 * What this node can read of blob root (BLOBS.md §2.1): APP_BLOB_CLEAR, an
 * ordinary blob (or none held references it); APP_BLOB_OPEN, a rahasia
 * report's sealed attachment whose report opens here: key, type and name
 * from its sealed content (app_blob_get and app_blob_read then give the
 * file decrypted); APP_BLOB_SEALED, one no report held opens here (they
 * give the ciphertext).
 */
enum app_blob_seal { APP_BLOB_CLEAR, APP_BLOB_OPEN, APP_BLOB_SEALED };
struct app_blob_file {
        enum app_blob_seal seal;
        uint8_t key[KIM_FILE_KEY_BYTES]; /* APP_BLOB_OPEN; wiped by release */
        char type[KIM_ATTACH_TYPE_MAX + 1];
        char name[KIM_ATTACH_NAME_MAX + 1];
        uint64_t clear_refs; /* entries that name it in the clear */
};
/* Store errors; release f after, also on error. */
int app_blob_file(struct node *n, const uint8_t root[32],
                  struct app_blob_file *f, char *err_msg) WUR;
void app_blob_file_release(struct app_blob_file *f);
/* A root of 64 hex digits into root: 0 or ERR_USAGE. */
int app_root_parse(const char *s, uint8_t root[32]) WUR;

/* ---- accounts of the web app (accounts.c, session.c) -------------------- */

/*
 * Local accounts of this node for the web UI (docs/ACCOUNTS.md): DATA/
 * accounts, mode 0600, one line per account (name, role, created, the
 * Argon2id hash string), replaced atomically (temporary file, fsync,
 * rename) under a lock on DATA/accounts.lock, so that simpul user and the
 * daemon may both write it and a kill -9 leaves the old or the new file.
 * Read on every check: an account removed, or its role changed, holds at
 * once in a running node. Not replicated: each node has its own.
 */
#define APP_ACCOUNTS_FILE "accounts"
#define APP_USER_MAX 32U      /* bytes of a user name */
#define APP_USERS_MAX 1000U   /* accounts of one node */
#define APP_PASSWORD_MIN 8U   /* bytes of a password */
#define APP_PASSWORD_MAX 256U /* bytes of a password */

/* Roles, each with the rights of those before it. */
enum app_role {
        APP_ROLE_NONE = 0,      /* not logged in */
        APP_ROLE_ANGGOTA = 1,   /* post and read */
        APP_ROLE_PENGELOLA = 2, /* handle reports, publish, approve */
        APP_ROLE_ADMIN = 3,     /* accounts, enrolment, network settings */
};
/* "anggota", "pengelola", "admin" ("" for none). */
const char *app_role_name(enum app_role r);
/* The role named s: ERR_USAGE. */
int app_role_parse(const char *s, enum app_role *out) WUR;

#define APP_STAMP_BYTES 16U /* an account's stamp (app_user_stamp) */
struct app_account {
        char name[APP_USER_MAX + 1];
        enum app_role role;
        uint64_t created_ms;
};
struct app_accounts {
        struct app_account *v; /* owned; release with app_accounts_release */
        size_t n;
};
/*
 * The data directory of --data (NULL: $SIMPUL_DATA, ...), which must hold
 * a node (ERR_NOT_FOUND, err_msg says so). Returns 0 and *dir owned
 * (free), or the error and *dir NULL.
 */
int app_node_dir(const char *data_flag, char **dir, char *err_msg) WUR;
/*
 * simpul user add: account name (1..APP_USER_MAX of a-z 0-9 . _ -,
 * starting with a letter or digit) with role and password (APP_PASSWORD_MIN
 * .. APP_PASSWORD_MAX bytes), in dir. ERR_USAGE (name, password),
 * ERR_USER_EXISTS, ERR_TOO_BIG (APP_USERS_MAX), ERR_CONFIG (the file is
 * damaged), -errno; err_msg says what.
 */
int app_user_add(const char *dir, const char *name, enum app_role role,
                 const char *password, char *err_msg) WUR;
/* A new password for name: ERR_NOT_FOUND, and as app_user_add. */
int app_user_passwd(const char *dir, const char *name, const char *password,
                    char *err_msg) WUR;
/* Removes name: ERR_NOT_FOUND, ERR_USER_LAST_ADMIN, ERR_CONFIG, -errno. */
int app_user_remove(const char *dir, const char *name, char *err_msg) WUR;
/* A new role for name: ERR_NOT_FOUND; ERR_USER_LAST_ADMIN when name is
 * the last admin and role is not admin. */
int app_user_role_set(const char *dir, const char *name, enum app_role role,
                      char *err_msg) WUR;
/* Every account, in the file's order (by creation). */
int app_user_list(const char *dir, struct app_accounts *out, char *err_msg) WUR;
void app_accounts_release(struct app_accounts *a);
/* The role of name now: ERR_NOT_FOUND, ERR_CONFIG, -errno. */
int app_user_role(const char *dir, const char *name, enum app_role *out) WUR;
/*
 * The account's role and its stamp: a hash of its password hash and when
 * it was made, so a session started before a new password, or before
 * the account was removed and made again (by the API or `simpul user`,
 * from any process), no longer matches it. ERR_NOT_FOUND: no such user.
 */
int app_user_stamp(const char *dir, const char *name, enum app_role *role,
                   uint8_t stamp[APP_STAMP_BYTES]) WUR;
/* Does dir hold an admin account? (False when it cannot be read.) */
bool app_admin_exists(const char *dir);
/*
 * A login: is password name's? Rehashes it when it was hashed with other
 * parameters. ERR_LOGIN_BAD (no such account or the wrong password: the
 * same time either way), ERR_CONFIG, -errno. Takes about 64 MiB and a
 * fraction of a second (Argon2id): one at a time, the caller's lock.
 */
int app_user_login(const char *dir, const char *name, const char *password,
                   enum app_role *role) WUR;

/*
 * Sessions of the web UI and the login rate limit, in memory (a restart
 * logs everyone out), safe from any thread. A session is a random cookie
 * of APP_SESSION_BYTES, kept only as its BLAKE2b hash, with a random CSRF
 * token that every state-changing request made with the cookie must
 * repeat in X-CSRF-Token.
 */
#define APP_SESSION_BYTES 32U
#define APP_SESSION_HEX (2U * APP_SESSION_BYTES)
#define APP_SESSION_TTL_MS (12U * 3600U * 1000U) /* from login */
#define APP_SESSIONS_MAX 256U                    /* the oldest goes when full */
#define APP_LOGIN_FAILS_USER 5U  /* failures in a row that lock an account */
#define APP_LOGIN_FAILS_ADDR 20U /* ... a client address */
#define APP_LOGIN_LOCK_MS (15U * 60U * 1000U) /* for this long */

struct app_session {
        char user[APP_USER_MAX + 1];
        uint8_t stamp[APP_STAMP_BYTES]; /* the account's at login */
        char csrf[APP_SESSION_HEX + 1];
        uint64_t expires_ms; /* on the caller's monotonic clock */
};
struct app_sessions;
/* Returns owned, free with app_sessions_free (NULL: no-op). */
struct app_sessions *app_sessions_new(void);
void app_sessions_free(struct app_sessions *s);
/* A new session for user (its account's stamp, APP_STAMP_BYTES, or NULL)
 * at now_ms: its cookie value into cookie, and what it holds into out. */
void app_session_start(struct app_sessions *s, const char *user,
                       const uint8_t *stamp, uint64_t now_ms,
                       char cookie[APP_SESSION_HEX + 1],
                       struct app_session *out);
/* The live session of cookie: 0, or ERR_LOGIN_NEEDED (none, expired or
 * ended). */
int app_session_find(struct app_sessions *s, const char *cookie,
                     uint64_t now_ms, struct app_session *out) WUR;
/* Ends the session of cookie (logout); none is a no-op. */
void app_session_end(struct app_sessions *s, const char *cookie);
/*
 * May user log in from addr (an IP address) at now_ms? 0, or
 * ERR_LOGIN_RATE with *wait_ms until it may: after APP_LOGIN_FAILS_USER
 * failures in a row for user, or APP_LOGIN_FAILS_ADDR from addr, for
 * APP_LOGIN_LOCK_MS from the last one.
 */
int app_login_allowed(struct app_sessions *s, const char *user,
                      const char *addr, uint64_t now_ms, uint64_t *wait_ms) WUR;
/* A login of user from addr failed (counts) or succeeded (clears). */
void app_login_failed(struct app_sessions *s, const char *user,
                      const char *addr, uint64_t now_ms);
void app_login_succeeded(struct app_sessions *s, const char *user,
                         const char *addr);
/* simpul user list --json: {accounts: [{user, role, created_ms}]}. */
int app_json_accounts(struct buf *out, const struct app_accounts *a,
                      int flags) WUR;
/* ---- tables for exports (table.c): reports, their steps, announcements ---
 *
 * The rows of simpul export-table and GET /api/export/...: app builds them
 * from the views (as app_reports_list reads them) and hands each to a
 * sink; the export module writes them as CSV or XLSX. Every report that
 * passes the filter, newest first, in one read transaction.
 *
 * Personal data (the reporter's name and contact, and the content of a
 * rahasia report) only with f->personal, and even then: an anonim report
 * never shows a reporter, and sealed content only where this node opens
 * it (APP_SEALED_TEXT otherwise).
 */
#define APP_TABLE_REPORTS 0U       /* table 0 of app_table_reports */
#define APP_TABLE_STEPS 1U         /* table 1: each report's timeline */
#define APP_TABLE_ANNOUNCEMENTS 0U /* the table of app_table_announcements */

/* Where the rows go; names and cells are borrowed for the call. Nonzero
 * from either stops the walk with that error. */
struct app_table_sink {
        int (*columns)(void *ctx, size_t table, const char *name,
                       const char *const *cols, size_t n);
        int (*row)(void *ctx, size_t table, const struct export_cell *cells,
                   size_t n);
        void *ctx;
};

/* A zeroed filter passes everything. */
struct app_table_filter {
        const char *status;   /* reports: a state name, or NULL */
        bool overdue;         /* reports: only terlambat_* */
        uint32_t kind;        /* a report kind, or informasi/peringatan; 0 */
        const char *handler;  /* reports: a handler region code, or NULL */
        const char *category; /* a category word, or NULL */
        const char *region;   /* the author's region within this code */
        uint64_t since_ms;    /* the item's time at or after; 0: any */
        uint64_t until_ms;    /* ... and before; 0: any */
        uint64_t now_ms;      /* the clock for the deadline flags; 0: now */
        bool personal;        /* reporters and rahasia content (see above) */
};

struct app_table_stats {
        uint64_t rows[2]; /* written to each table */
};

/*
 * Table 0: one row per report (id, times of each step, state, result,
 * category, region code and the names of its desa and kecamatan, handler,
 * title, text, the last response, the deadline flags, the reporter);
 * table 1: one row per event of each report's timeline after the report
 * itself (step, time, actor region, method, result, verifier, agency,
 * note, a response's text). Errors: ERR_USAGE (a bad filter), errors of
 * the sink, store errors.
 */
int app_table_reports(struct node *n, const struct app_table_filter *f,
                      const struct app_table_sink *s,
                      struct app_table_stats *out, char *err_msg) WUR;
/* One table: the informasi and peringatan, newest first, each with its
 * accepted revision. Filters: kind, category, region, since, until. */
int app_table_announcements(struct node *n, const struct app_table_filter *f,
                            const struct app_table_sink *s,
                            struct app_table_stats *out, char *err_msg) WUR;
/* ---- webhooks (webhook.c, docs/WEBHOOKS.md) -----------------------------
 *
 * The outbox the store keeps while webhooks are configured (one row per
 * event, written with its entry) and the JSON body of an event, for simpul
 * webhooks: it reads through these, delivers, and keeps its own position.
 */

/* One event of the outbox. */
struct app_outbox_event {
        uint64_t seq;                 /* its place in the outbox, from 1 */
        uint8_t id[ENTRY_HASH_BYTES]; /* the entry that raised it */
        uint32_t kind;                /* the entry's */
        /* report.created, report.step, report.tanggapan, peringatan or
         * informasi (static) */
        const char *type;
};

/*
 * The first event after seq `after` whose kind's bit is set in kinds:
 * *found, into ev. *scanned: the last seq looked at (found or not, at
 * most a few thousand rows a call), from where the next call may go on.
 * Store errors.
 */
int app_outbox_next(struct node *n, uint64_t after, uint32_t kinds,
                    struct app_outbox_event *ev, bool *found, uint64_t *scanned,
                    char *err_msg) WUR;
/* The event names of kinds (a [webhook NAME] events' value), comma-
 * separated, into out (size bytes). */
void app_webhook_events(uint32_t kinds, char *out, size_t size);
/* How many events after `after` have a kind in kinds (*count), and the
 * outbox's last seq (*last). Store errors. */
int app_outbox_count(struct node *n, uint64_t after, uint32_t kinds,
                     uint64_t *count, uint64_t *last, char *err_msg) WUR;
/*
 * The body of ev as it is posted (docs/WEBHOOKS.md): {"type", "timestamp"
 * (now_ms, ISO 8601), "entry", "data"} where data is the report (for a
 * step or tanggapan: the report it belongs to, as it stands now) or the
 * announcement, as the API shows it in detail, redacted unless personal.
 * Appended to out, compact. Errors: ERR_KIM_NOT_FOUND (the entry or its
 * report is not held), store errors.
 */
int app_webhook_body(struct node *n, const struct app_outbox_event *ev,
                     bool personal, uint64_t now_ms, struct buf *out,
                     char *err_msg) WUR;
/* ---- the kabupaten's dashboard (dashboard.c, dashboard_json.c) ----------
 *
 * Figures for one region and each region one level below it, computed in
 * one read transaction from the report views, the announcements, the
 * feeds and the certificates held: identical on nodes that hold the same
 * entries, given the same now_ms and holidays (docs/API.md, GET
 * /api/dashboard). Names are the display names of the membership
 * certificates held for each region (the node ships no name list).
 */
#define APP_DASH_QUIET_DAYS 7U   /* default quiet_days */
#define APP_DASH_QUIET_MAX 3650U /* quiet_days at most */

struct app_dash_query {
        const char *region; /* a region code; NULL: this node's region */
        /* reports and items timed in [since_ms, until_ms); 0: open */
        uint64_t since_ms, until_ms;
        uint64_t quiet_days; /* 0: APP_DASH_QUIET_DAYS */
        uint64_t now_ms;     /* for the deadlines and quiet; 0: the clock */
};
/* A region with its level's name and its name ("" when no certificate
 * held names it). */
struct app_dash_place {
        char code[REGION_BUF];
        const char *level;
        char name[CERT_NAME_BUF];
};
/* The reports of one region and its subtree. */
struct app_dash_row {
        struct app_dash_place at;
        struct kim_dash d; /* durations sorted once medians are taken */
        bool has_verify, has_reply;
        uint64_t verify_ms, reply_ms; /* medians */
};
struct app_dash_month {
        int32_t month;            /* kim_month_of */
        char name[KIM_MONTH_BUF]; /* "YYYY-MM" */
        uint64_t items;
};
/* One KIM (a region that posted): items it posted by month. */
struct app_dash_kim {
        struct app_dash_place at;
        struct app_dash_month *months; /* owned, ascending */
        size_t n_months, cap_months;
        uint64_t items;
};
/* A node of the region's subtree: the last entry time of its feeds held. */
struct app_dash_node {
        uint8_t key[ENTRY_KEY_BYTES];
        struct app_dash_place at;
        bool heard; /* a feed of it is held */
        uint64_t last_ms;
        bool quiet; /* not heard, or nothing for quiet_days before now */
};
struct app_dashboard {
        struct app_dash_query q; /* resolved: region, quiet_days, now_ms */
        char region[REGION_BUF];
        struct app_dash_place at;
        struct app_dash_row total;
        struct app_dash_row *rows; /* owned: one level below, by code; a
                                      row of `region` itself for what it
                                      authored */
        size_t n_rows, cap_rows;
        struct app_dash_kim *kims; /* owned, by code */
        size_t n_kims, cap_kims;
        struct app_dash_node *nodes; /* owned, by code then key */
        size_t n_nodes, cap_nodes;
        uint64_t quiet;
};
/*
 * The dashboard for q (any region code: the figures are what this node
 * holds of it). Errors: ERR_USAGE (a region that is not a code; since not
 * before until; quiet_days out of range), store errors; err_msg says
 * which. out is released on error.
 */
int app_dashboard(struct node *n, const struct app_dash_query *q,
                  struct app_dashboard *out, char *err_msg) WUR;
void app_dashboard_release(struct app_dashboard *d);
/* A since or until: Unix ms (digits), or YYYY-MM-DD[THH:MM] in WIB; a
 * date alone as `until` means the end of that day. ERR_USAGE. */
int app_dash_time_parse(const char *s, bool until, uint64_t *ms) WUR;
/* GET /api/dashboard, simpul dashboard --json (docs/API.md). */
int app_json_dashboard(struct buf *out, const struct app_dashboard *d,
                       int flags) WUR;

/* ---- setup page: regions by name, enrolment from the browser ------------ */

#define APP_REGIONS_MAX 50U /* hits of one search */
/*
 * The Kemendagri list (inside the binary: cmake/wilayah.cmake) searched
 * by name as region_search does; level "" (any), "provinsi", "kabupaten",
 * "kecamatan" or "desa". Up to max (<= APP_REGIONS_MAX) hits into hits,
 * their count into *n. ERR_USAGE: another level, or an empty query.
 */
int app_regions_search(const char *query, const char *level, size_t max,
                       struct region_hit *hits, size_t *n, char *err_msg) WUR;
/* The list's bytes (for its size, and for tests). */
struct slice app_regions_list(void);
/*
 * simpul enroll accept for the admin's browser: text is the certificate
 * line (pasted, or a file's content; spaces and line breaks around it
 * ignored), never a path. ERR_EXISTS: this node is enrolled already;
 * ERR_USAGE: not a simpul-cert1 line; else app_enroll_accept's.
 */
int app_enrol_text(struct node *n, const char *text, struct app_network *out,
                   char *err_msg) WUR;
/*
 * A request line pasted or scanned in the issuer's browser (never a path),
 * decoded and its signature checked, its node key in hex. ERR_USAGE: not
 * a simpul-req1 line; else app_request_read's.
 */
int app_enrol_request_text(const char *text, struct enroll_req *rq,
                           char node_key[2 * ENTRY_KEY_BYTES + 1],
                           char *err_msg) WUR;
/* simpul enroll sign for the issuer's browser: app_enrol_request_text,
 * then app_enroll_sign (no file), logged (NODE-CERTIFIED). */
int app_enrol_sign_text(struct node *n, const char *text, uint64_t days,
                        bool issuer, struct app_signed *out, char *err_msg) WUR;

/* ---- places (places.c): regions known by name ------------------------- */

/* A region with the name its newest held certificate gives it. */
struct app_place {
        char region[REGION_BUF];
        char name[CERT_NAME_BUF];
        const char *level; /* desa, kecamatan, kabupaten, ... (static) */
        uint64_t from_ms;  /* of the certificate naming it */
};
struct app_places {
        struct app_place *v; /* owned, ordered by region code */
        size_t n, cap;
};
/* Every region a held certificate names, and this node's (its config's
 * name until it is enrolled). Store errors. */
int app_places(struct node *n, struct app_places *out, char *err_msg) WUR;
void app_places_release(struct app_places *p);
/* {"places": [{"region", "level", "name"}, ...]} (GET /api/places). */
int app_json_places(struct buf *out, const struct app_places *p, int flags);

#endif
