/*
 * cli: the `simpul` command. main.c holds the dispatch table; each
 * subcommand is one cmd_<name>.c. Exit codes: 0 ok, 1 error, 2 usage.
 * Errors print "simpul: error: <what failed>: <why>" on stderr.
 * JSON output (--json) uses jansson, only here and in http/.
 */
#ifndef SIMPUL_CLI_H
#define SIMPUL_CLI_H

#include <jansson.h>
#include <stdio.h>

#include "../node/node.h"

#define EXIT_OK 0
#define EXIT_ERROR 1
#define EXIT_USAGE 2

struct cli_cmd {
        const char *name;
        int (*run)(int argc, char **argv);
        const char *summary;
};

/* The table, in main.c. */
extern const struct cli_cmd cli_cmds[];

int cmd_init(int argc, char **argv);
int cmd_post(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_show(int argc, char **argv);
int cmd_feeds(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_import(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_peers(int argc, char **argv);

/* Peer records as text rows (arr NULL) or appended to a JSON array. */
int cli_peers_visit(struct node *n, json_t *arr) WUR;
json_t *cli_peer_json(const struct peer_info *p);

int cmd_network(int argc, char **argv);
int cmd_enroll(int argc, char **argv);
int cmd_revoke(int argc, char **argv);

/* ---- membership helpers (membership.c, proto/MEMBERSHIP.md) ------------- */

#define CLI_VALID_DAYS_MAX 36500U

/*
 * Reads a text line given as the argument itself (it starts with prefix) or
 * as the path of a file holding it, and decodes it (text_decode) into bytes
 * of at most max. Errors: ERR_CERT, ERR_TOO_BIG, -errno.
 */
int cli_read_line_arg(const char *arg, const char *prefix, size_t max,
                      struct buf *bytes) WUR;
/* --valid-days N (1..CLI_VALID_DAYS_MAX): 0, or a usage error's exit code. */
int cli_parse_days(const char *cmd, const char *arg, uint64_t *days) WUR;
uint64_t cli_days_ms(uint64_t days);

/* Appends the certificate line (TEXT_CERT_PREFIX) of cert to line. */
void cli_cert_line(const struct network *net, struct slice cert,
                   struct slice issuer_cert, struct buf *line);
/* Writes node.cert (the certificate line), then the network file. -errno. */
int cli_member_files_write(const char *dir, const struct network *net,
                           struct slice cert, struct slice issuer_cert) WUR;

/* Who signs certificates and revocations on this node. */
struct cli_issuer {
        struct key *root;         /* owned: network.key, or NULL */
        const struct key *key;    /* the root key, or this node's key */
        bool is_root;             /* holds the network root key */
        char region[REGION_BUF];  /* author region of its system entries */
        struct audience audience; /* its system feed's audience */
        struct cert_info own;     /* delegated: this node's certificate */
        struct buf own_cert;      /* delegated: its bytes (owned) */
};
/* The root (network.key held) or a delegated issuer (own certificate with
 * the ISSUER flag); prints the error itself and returns EXIT_ERROR. */
int cli_issuer_open(struct node *n, const char *cmd, struct cli_issuer *is);
void cli_issuer_release(struct cli_issuer *is);
/* May this issuer certify or revoke a node of region? */
bool cli_issuer_covers(const struct cli_issuer *is, const char *region);
/* Posts a sertifikat or pencabutan entry to the issuer's system feed. */
int cli_post_system(struct node *n, const struct cli_issuer *is, uint32_t kind,
                    struct slice body, uint8_t id[ENTRY_HASH_BYTES]) WUR;
/* A certificate as JSON (new reference) or as indented text lines. */
json_t *cli_cert_json(const struct cert_info *c, const struct network *net);
void cli_cert_print(FILE *out, const struct cert_info *c,
                    const struct network *net);

/* Prints "simpul: error: <fmt>" and returns EXIT_ERROR. */
int cli_error(const char *fmt, ...) PRINTF(1, 2);
/* Prints "simpul: <cmd>: <fmt>" and a --help hint; returns EXIT_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...) PRINTF(2, 3);

/* Opens the node from --data (may be NULL); prints the error itself. */
int cli_open(struct node *n, const char *data_flag, int flags) WUR;

/* Local time "YYYY-MM-DD HH:MM" (17 bytes) and UTC ISO 8601 (25 bytes). */
void cli_time_local(char out[32], uint64_t ms);
void cli_time_iso(char out[32], uint64_t ms);

/* An entry as JSON (header fields and the body). Returns a new reference. */
json_t *cli_entry_json(const struct entry *e, bool with_body);
/* An entry's title, or "" (borrowed from the entry's bytes; length out). */
struct slice cli_entry_title(const struct entry *e);
/* Prints JSON to stdout with a newline; returns EXIT_OK. Steals j. */
int cli_print_json(json_t *j);
/* Hex of the first n bytes of an id (n <= 32). */
void cli_short_hex(char *out, const uint8_t *id, size_t n);
/* Parses a hex id or prefix (8..64 digits, even length) into id/len. */
int cli_parse_id(const char *s, uint8_t id[32], size_t *len) WUR;

/* Options every subcommand takes. */
#define CLI_OPT_DATA 1000
#define CLI_OPT_JSON 1001
#define CLI_OPT_HELP 'h'

#endif
