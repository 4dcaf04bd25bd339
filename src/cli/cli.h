/*
 * cli: the `simpul` command. main.c holds the dispatch table; each
 * subcommand is one cmd_<name>.c whose options are one declarative table
 * (struct cli_spec) parsed by cli_parse (opt.c). Exit codes: 0 ok, 1
 * error, 2 usage. Errors print "simpul: error: <what failed>: <why>" on
 * stderr; --json prints what app_json_* renders.
 *
 * The commands call only app (and base, and region for its codes): the
 * build checks it (cmake/layers.cmake). main.c and cmd_run.c make the
 * program around this library: the table with the demo, and `simpul run`,
 * which starts the daemon and the HTTP API beside it.
 */
#ifndef SIMPUL_CLI_H
#define SIMPUL_CLI_H

#include <signal.h>
#include <stdio.h>

#include "../app/app.h"

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
int cmd_bundle(int argc, char **argv);
int cmd_import(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_peers(int argc, char **argv);

/* The table of simpul peers (and of simpul status). */
struct app_peers;
void cli_peers_print(const struct app_peers *peers);

int cmd_network(int argc, char **argv);
int cmd_enroll(int argc, char **argv);
int cmd_revoke(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_reports(int argc, char **argv);
int cmd_views(int argc, char **argv);
/* --at TIME of report and reports (app_wib_parse) for a CLI_PARSE option
 * (field: uint64_t). */
int cli_parse_at_arg(const char *arg, void *field);
int cmd_token(int argc, char **argv);
int cmd_restored(int argc, char **argv);
int cmd_sink(int argc, char **argv);
int cmd_blob(int argc, char **argv);
int cmd_blobs(int argc, char **argv);
int cmd_gc(int argc, char **argv);
int cmd_user(int argc, char **argv);
int cmd_export_table(int argc, char **argv);
int cmd_webhooks(int argc, char **argv);
int cmd_dashboard(int argc, char **argv);

/* A certificate as indented text lines (network show, enroll accept). */
void cli_cert_print(FILE *out, const struct app_cert *c);

/* Prints "simpul: error: <fmt>" and returns EXIT_ERROR. */
int cli_error(const char *fmt, ...) PRINTF(1, 2);
/* Prints "simpul: <cmd>: <fmt>" and a --help hint; returns EXIT_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...) PRINTF(2, 3);

/* Opens the node from --data (may be NULL); prints the error itself. */
int cli_open(struct node *n, const char *data_flag, int flags) WUR;

/* Local time "YYYY-MM-DD HH:MM" (17 bytes). */
void cli_time_local(char out[32], uint64_t ms);

/* Prints out (JSON from app_json_*, which returned err) with a newline,
 * then wipes it: EXIT_OK, or EXIT_ERROR when err says it could not be
 * made. */
int cli_print_buf(struct buf *out, int err);
/* Parses a hex id or prefix (8..64 digits, even length) into id/len. */
int cli_parse_id(const char *s, uint8_t id[32], size_t *len) WUR;
/* An id or prefix as an option's value (cli_parse_id_arg: CLI_PARSE). */
struct cli_id {
        uint8_t id[32];
        size_t len; /* 0: not given */
};
int cli_parse_id_arg(const char *arg, void *field);

/* ---- options (opt.c): one declarative table per command ---------------- */

enum cli_type {
        CLI_FLAG,  /* --name: sets a bool */
        CLI_STR,   /* --name ARG: the argument, borrowed from argv */
        CLI_U64,   /* --name N: a whole number in [min, max] (uint64_t) */
        CLI_PARSE, /* --name ARG: parse(ARG, field) must return 0 */
        CLI_WORD,  /* not an option: a positional word, for the help */
};

/* One option: where its value goes, and its line in the help. */
struct cli_opt {
        const char *name; /* without "--"; NULL: only the short form */
        char short_name;  /* -o, or 0 */
        enum cli_type type;
        size_t off;        /* of its field in the command's options struct */
        bool required;     /* absent: the spec's `missing` usage error */
        const char *arg;   /* the argument's name in the help: "DIR" */
        const char *help;  /* its help ('\n' between lines); NULL: not listed */
        uint64_t min, max; /* CLI_U64 */
        /* CLI_PARSE: 0, or nonzero to refuse the argument */
        int (*parse)(const char *arg, void *field);
        /*
         * The usage error when the argument is refused, a printf format
         * given the argument; NULL: CLI_U64 says "--NAME: expected MIN to
         * MAX, got 'ARG'", and a CLI_PARSE function has printed its own
         * and returned EXIT_USAGE.
         */
        const char *bad;
};

/* A table entry: --NAME of TYPE stored at FIELD (an offsetof), then
 * designated fields (.arg, .help, ...): CLI_OPT(name, type, field, ...). */
#define CLI_OPT(name_, type_, ...)                                             \
        {                                                                      \
                .name = (name_), .type = (type_), .off = __VA_ARGS__           \
        }

/* A command's options, and its --help: usage, the options' lines, tail. */
struct cli_spec {
        const char *name;  /* in usage errors: "simpul NAME: ..." */
        const char *usage; /* the help's text above the options */
        const struct cli_opt *opts;
        size_t n_opts;       /* at most 64 */
        int width;           /* of the options' column in the help */
        int max_args;        /* positional arguments allowed; -1: any */
        const char *missing; /* the usage error for a required option */
        const char *tail;    /* the help's text below the options, or NULL */
        void (*help)(FILE *out); /* writes the whole help instead */
};

/* --data DIR and --json: all the options of a command that reads the node
 * and may print JSON. */
struct cli_common {
        const char *data;
        bool json;
};
extern const struct cli_opt cli_common_opts[2];

struct cli_parsed {
        int status;  /* when cli_parse returns false: the exit status */
        char **args; /* the positional arguments, args[0..n_args) */
        int n_args;
        uint64_t given; /* bit i: spec->opts[i] was given */
};

/*
 * Parses argv[1..argc) (argv[0] names the command) by spec into opts,
 * whose fields the caller has zeroed or set to their defaults: options
 * first-to-last, each stored or refused as soon as it is read, --help
 * (-h) written from the table; then too many positional arguments, then
 * a missing required option. True: run the command. False: p->status is
 * EXIT_OK (the help was printed) or EXIT_USAGE (a usage error was).
 */
bool cli_parse(const struct cli_spec *spec, int argc, char **argv, void *opts,
               struct cli_parsed *p);
/*
 * cli_parse for a command whose first argument names a subcommand
 * (network create, enroll sign): argv[1] is the subcommand; when it is
 * absent or an option, --help (-h) prints the help and anything else is
 * the usage error `expected`. Then cli_parse of argv[1..argc) (positional
 * arguments after the subcommand).
 */
bool cli_parse_sub(const struct cli_spec *spec, const char *expected, int argc,
                   char **argv, void *opts, struct cli_parsed *p);
/* The help spec describes. */
void cli_help(const struct cli_spec *spec, FILE *out);

/*
 * For a process that loops until told to stop (sink, webhooks): SIGINT and
 * SIGTERM set the flag returned (without SA_RESTART, so sleeps end early),
 * SIGPIPE is ignored.
 */
volatile sig_atomic_t *cli_stop_on_signals(void);

#endif
