/*
 * demo: `simpul demo` — a KIM network of Kabupaten Serang on this machine.
 * Every step runs this same binary as a child process, as an operator
 * would (init, network create, enroll, run, post, list, verify); seven
 * `simpul run` daemons link over 127.0.0.1 and sample items are watched
 * as they propagate. demo.c builds and runs the network, proc.c runs the
 * children and edits their config, show.c prints what happens.
 *
 * Depends on the cli module for its option table and error messages, and
 * on nothing of the node it drives but the binary: it talks to the nodes
 * only through their commands' output.
 */
#ifndef SIMPUL_DEMO_H
#define SIMPUL_DEMO_H

#include <limits.h>
#include <signal.h>
#include <sys/types.h>

#include "../cli/cli.h"

/* simpul demo: the subcommand (main.c's table). Exit codes as cli.h. */
int demo_main(int argc, char **argv);

/* ---- children, config, logs (proc.c) ------------------------------------ */

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
/* demo_run with standard input from the file in. */
int demo_run_in(char *const argv[], const char *in, const char *errlog,
                struct buf *out, int *status) WUR;
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

/* ---- the network (demo.c) and what it shows (show.c) ----------------- */

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
#define DEMO_UI_PORT 7781U /* --ui: the kabupaten's; the others' follow */
#define DEMO_UI_USER "admin"

struct demo_node_def {
        const char *dir, *region, *name; /* dir: its name under the demo dir */
        int issuer;           /* the node that certifies it; DEMO_NONE: root */
        bool delegated;       /* certified with --issuer */
        int parent, fallback; /* the nodes it dials; DEMO_NONE: none */
};
/* The seven nodes, parents before children (demo.c). */
extern const struct demo_node_def demo_nodes[DEMO_NODES];

struct demo_node {
        char *data, *log;         /* DIR/<dir> and DIR/<dir>.log (owned) */
        pid_t pid;                /* its daemon, once started */
        bool running;             /* started, and not yet seen to end */
        char addr[NODE_ADDR_MAX]; /* where it listens; "" if it does not */
        long long entries;        /* from simpul verify */
        bool verified;
        /* --ui: its web app's address, and the admin account's password */
        char ui[NODE_ADDR_MAX];
        char password[24];
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
        bool ui;          /* --ui: every node's web app, an admin each */
        uint64_t ui_port; /* the first node's; the others' follow */
        const char *in;   /* standard input of the next step, or NULL */
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

/* What the demo prints (show.c). */
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
/* --ui: every node's web app address and admin account. */
void demo_ui_note(struct demo *d);
void demo_data_note(struct demo *d);

#endif
