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
