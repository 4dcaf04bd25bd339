/*
 * cli: the `simpul` command. main.c holds the dispatch table; each
 * subcommand is one cmd_<name>.c. Exit codes: 0 ok, 1 error, 2 usage.
 * Errors print "simpul: error: <what failed>: <why>" on stderr.
 * JSON output (--json) uses jansson, only here and in http/.
 */
#ifndef SIMPUL_CLI_H
#define SIMPUL_CLI_H

#include <jansson.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <sys/types.h>

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
int cmd_demo(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_reports(int argc, char **argv);
int cmd_views(int argc, char **argv);
/* --at TIME of report and reports (app_wib_parse) for a CLI_PARSE option
 * (field: uint64_t). */
int cli_parse_at_arg(const char *arg, void *field);
int cmd_token(int argc, char **argv);
int cmd_restored(int argc, char **argv);

/* A certificate as indented text lines (network show, enroll accept). */
void cli_cert_print(FILE *out, const struct app_cert *c);

/* ---- demo helpers (demo_proc.c): child processes, config, logs ---------- */

/* Milliseconds of the monotonic clock. */
uint64_t demo_now_ms(void);
/* Sleeps ms milliseconds, less when a signal arrives. */
void demo_sleep_ms(unsigned ms);
/*
 * Runs argv (argv[0] the program's path, NULL-terminated) to its end with
 * standard input /dev/null, standard output appended to out and standard
 * error appended to the file errlog. *status: its exit status, or 128 +
 * the signal that ended it. Returns 0, or -errno when it could not run.
 */
int demo_run(char *const argv[], const char *errlog, struct buf *out,
             int *status) WUR;
/* demo_run in two halves, so that several children run at once. */
struct demo_child {
        pid_t pid;
        int fd; /* the read end of its standard output */
};
int demo_child_start(char *const argv[], const char *errlog,
                     struct demo_child *c) WUR;
/* Reads its output to the end and reaps it (after a successful start). */
int demo_child_finish(struct demo_child *c, struct buf *out, int *status) WUR;
/*
 * Starts argv in the background, standard output and error appended to
 * the file log; with detach in a session of its own, so that it outlives
 * this process and its terminal. Reap it with demo_exited or demo_stop.
 */
int demo_spawn(char *const argv[], const char *log, bool detach,
               pid_t *pid) WUR;
/* Has the child pid ended? Then it is reaped and *status set (as above). */
bool demo_exited(pid_t pid, int *status);
/* SIGTERM, up to timeout_ms for the child to end, then SIGKILL. Returns
 * its status (as above), or -1 if it could not be reaped. */
int demo_stop(pid_t pid, unsigned timeout_ms);
/* Reads the whole file at path into out (replaced). -errno. */
int demo_file_read(const char *path, struct buf *out) WUR;
/* Does a line of the file at path hold a (and b, unless NULL)? */
bool demo_log_has(const char *path, const char *a, const char *b);
/* Copies the word after the first needle in the file into word (size n). */
bool demo_log_word(const char *path, const char *needle, char *word, size_t n);

struct demo_kv {
        const char *section, *key, *value;
};
/*
 * Sets n (at most 16) keys in dir/simpul.conf: a key's line in its section
 * is replaced, a missing key is added at the end of its section (or in a
 * new section); every other line stays as it was. -errno.
 */
int demo_conf_set(const char *dir, const struct demo_kv *kv, size_t n) WUR;

/* ---- simpul demo (cmd_demo.c: the network; demo_show.c: the items) ----- */

enum demo_node_id {
        DEMO_KAB,
        DEMO_PONTANG,
        DEMO_SUKANEGARA,
        DEMO_LINDUK,
        DEMO_KRAMATWATU,
        DEMO_KRAMATWATU_DESA,
        DEMO_MARGASANA,
        DEMO_NODES
};
#define DEMO_NONE (-1)
#define DEMO_ITEMS 5
#define DEMO_POLL_MS 50U
#define DEMO_ARGS_MAX 14

struct demo_node_def {
        const char *dir, *region, *name; /* dir: its name under the demo dir */
        int issuer;           /* the node that certifies it; DEMO_NONE: root */
        bool delegated;       /* certified with --issuer */
        int parent, fallback; /* the nodes it dials; DEMO_NONE: none */
};
/* The seven nodes, parents before children (cmd_demo.c). */
extern const struct demo_node_def demo_nodes[DEMO_NODES];

struct demo_node {
        char *data, *log;         /* DIR/<dir> and DIR/<dir>.log (owned) */
        pid_t pid;                /* its daemon, once started */
        bool running;             /* started, and not yet seen to end */
        char addr[NODE_ADDR_MAX]; /* where it listens; "" if it does not */
        long long entries;        /* from simpul verify */
        bool verified;
};

struct demo_item {
        char id[65];               /* the entry id, from simpul post */
        uint64_t posted_ms;        /* demo_now_ms() when it was posted */
        int64_t ms[DEMO_NODES];    /* arrival after posted_ms; -1: not held */
        bool expected[DEMO_NODES]; /* the nodes of its audience */
};

struct demo {
        char exe[PATH_MAX];    /* this program, run for every step */
        char *dir, *setup_log; /* owned */
        bool keep, json, tty, colour;
        bool failed; /* an item missed its audience, or a store or daemon */
        FILE *out;   /* progress: stdout, or stderr with --json */
        int posted;  /* items posted so far */
        struct demo_node node[DEMO_NODES];
        struct demo_item item[DEMO_ITEMS];
};

/* The signal (SIGINT, SIGTERM) that asks the demo to stop, or 0. */
extern volatile sig_atomic_t demo_signalled;

/* Runs this program with the arguments that follow out, up to a NULL (at
 * most DEMO_ARGS_MAX); its stdout into out (replaced, trailing white space
 * dropped) unless out is NULL. Prints what failed; EXIT_OK or EXIT_ERROR. */
int demo_simpul(struct demo *d, struct buf *out, ...);
/* Has a daemon ended? Says which and returns EXIT_ERROR; else 0. */
int demo_daemons_check(struct demo *d);

/* What the demo prints (demo_show.c). */
void demo_heading(struct demo *d, const char *title);
void demo_intro(struct demo *d);
void demo_show_node(struct demo *d, int i);
void demo_show_daemon(struct demo *d, int i);
/* Posts item k and shows it spreading until it settles or times out. */
int demo_item(struct demo *d, int k);
/* The final matrix, simpul verify on each node; sets d->failed. */
void demo_summary(struct demo *d);
/* The final matrix as JSON on stdout. */
void demo_json(struct demo *d);
void demo_keep_note(struct demo *d);
void demo_data_note(struct demo *d);

/* Prints "simpul: error: <fmt>" and returns EXIT_ERROR. */
int cli_error(const char *fmt, ...) PRINTF(1, 2);
/* Prints "simpul: <cmd>: <fmt>" and a --help hint; returns EXIT_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...) PRINTF(2, 3);

/* Opens the node from --data (may be NULL); prints the error itself. */
int cli_open(struct node *n, const char *data_flag, int flags) WUR;

/* Local time "YYYY-MM-DD HH:MM" (17 bytes). */
void cli_time_local(char out[32], uint64_t ms);

/* Prints JSON to stdout with a newline; returns EXIT_OK. Steals j. */
int cli_print_json(json_t *j);
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
/* The help spec describes. */
void cli_help(const struct cli_spec *spec, FILE *out);

#endif
