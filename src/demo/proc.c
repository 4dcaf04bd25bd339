/* proc: child processes, config edits and log reading for simpul demo. */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "demo.h"

#define CONF_KV_MAX 16U

uint64_t
demo_now_ms(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000U + (uint64_t)ts.tv_nsec / 1000000U;
}

void
demo_sleep_ms(unsigned ms)
{
        struct timespec ts = {(time_t)(ms / 1000U),
                              (long)(ms % 1000U) * 1000000L};

        nanosleep(&ts, NULL);
}

/* ---- child processes ------------------------------------------------------
 */

/* In the child, between fork and exec: async-signal-safe calls only. */
static void
child_exec(char *const argv[], int in_fd, int out_fd, int err_fd, bool detach)
{
        struct sigaction sa;
        int null_fd = in_fd >= 0 ? in_fd : open("/dev/null", O_RDONLY);

        memset(&sa, 0, sizeof(sa));
        sa.sa_handler = SIG_DFL;
        sigaction(SIGPIPE, &sa, NULL);
        if (null_fd < 0 || dup2(null_fd, STDIN_FILENO) < 0 ||
            dup2(out_fd, STDOUT_FILENO) < 0 || dup2(err_fd, STDERR_FILENO) < 0)
                _exit(127);
        if (detach)
                setsid();
        execv(argv[0], argv);
        _exit(127);
}

static int
status_of(int wstatus)
{
        if (WIFEXITED(wstatus))
                return WEXITSTATUS(wstatus);
        return WIFSIGNALED(wstatus) ? 128 + WTERMSIG(wstatus) : 255;
}

static int
wait_child(pid_t pid, int *status)
{
        int ws;

        while (waitpid(pid, &ws, 0) < 0)
                if (errno != EINTR)
                        return -errno;
        *status = status_of(ws);
        return 0;
}

static int
read_all(int fd, struct buf *out)
{
        char chunk[4096];
        ssize_t n;

        for (;;) {
                n = read(fd, chunk, sizeof(chunk));
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        return n < 0 ? -errno : 0;
                buf_add(out, chunk, (size_t)n);
        }
}

static int
open_append(const char *path)
{
        return open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
}

/* demo_child_start with standard input from in_fd (-1: /dev/null). */
static int
child_start(char *const argv[], int in_fd, const char *errlog,
            struct demo_child *c)
{
        int pipe_fd[2] = {-1, -1}, err_fd = open_append(errlog), err = 0;

        c->pid = 0;
        c->fd = -1;
        if (err_fd < 0 || pipe(pipe_fd) || (c->pid = fork()) < 0) {
                err = -errno;
                c->pid = 0;
                goto out;
        }
        if (c->pid == 0)
                child_exec(argv, in_fd, pipe_fd[1], err_fd, false);
        c->fd = pipe_fd[0];
        pipe_fd[0] = -1;
out:
        for (int i = 0; i < 2; i++)
                if (pipe_fd[i] >= 0)
                        close(pipe_fd[i]);
        if (err_fd >= 0)
                close(err_fd);
        return err;
}

int
demo_child_start(char *const argv[], const char *errlog, struct demo_child *c)
{
        return child_start(argv, -1, errlog, c);
}

int
demo_child_finish(struct demo_child *c, struct buf *out, int *status)
{
        int err = read_all(c->fd, out);

        close(c->fd);
        c->fd = -1;
        if (wait_child(c->pid, status) && !err)
                err = -ECHILD;
        c->pid = 0;
        return err;
}

int
demo_run(char *const argv[], const char *errlog, struct buf *out, int *status)
{
        struct demo_child c;
        int err = demo_child_start(argv, errlog, &c);

        return err ? err : demo_child_finish(&c, out, status);
}

int
demo_run_in(char *const argv[], const char *in, const char *errlog,
            struct buf *out, int *status)
{
        struct demo_child c;
        int in_fd = open(in, O_RDONLY | O_CLOEXEC), err;

        if (in_fd < 0)
                return -errno;
        err = child_start(argv, in_fd, errlog, &c);
        close(in_fd);
        return err ? err : demo_child_finish(&c, out, status);
}

int
demo_spawn(char *const argv[], const char *log, bool detach, pid_t *pid)
{
        int fd = open_append(log), err = 0;

        if (fd < 0)
                return -errno;
        if ((*pid = fork()) < 0)
                err = -errno;
        else if (*pid == 0)
                child_exec(argv, -1, fd, fd, detach);
        close(fd);
        return err;
}

bool
demo_exited(pid_t pid, int *status)
{
        int ws;

        if (waitpid(pid, &ws, WNOHANG) != pid)
                return false;
        *status = status_of(ws);
        return true;
}

int
demo_stop(pid_t pid, unsigned timeout_ms)
{
        uint64_t until = demo_now_ms() + timeout_ms;
        int status = -1;

        kill(pid, SIGTERM);
        while (!demo_exited(pid, &status)) {
                if (demo_now_ms() > until) {
                        kill(pid, SIGKILL);
                        if (wait_child(pid, &status))
                                return -1;
                        return status;
                }
                demo_sleep_ms(20);
        }
        return status;
}

/* ---- log files ------------------------------------------------------------
 */

int
demo_file_read(const char *path, struct buf *out)
{
        int fd = open(path, O_RDONLY | O_CLOEXEC), err;

        buf_reset(out);
        if (fd < 0)
                return -errno;
        err = read_all(fd, out);
        close(fd);
        return err;
}

/* Calls visit for each line of the file; stops when visit returns true. */
static bool
log_lines(const char *path, bool (*visit)(void *, char *), void *ctx)
{
        struct buf text = BUF_INIT;
        bool found = false;
        char *save = NULL, *line;

        if (demo_file_read(path, &text) || !text.len)
                goto out;
        for (line = strtok_r((char *)text.data, "\n", &save); line && !found;
             line = strtok_r(NULL, "\n", &save))
                found = visit(ctx, line);
out:
        buf_release(&text);
        return found;
}

struct log_find {
        const char *a, *b;
        char *word;
        size_t n;
};

static bool
find_both(void *ctx, char *line)
{
        struct log_find *f = ctx;

        return strstr(line, f->a) && (!f->b || strstr(line, f->b));
}

static bool
find_word(void *ctx, char *line)
{
        struct log_find *f = ctx;
        char *p = strstr(line, f->a);
        size_t len;

        if (!p)
                return false;
        p += strlen(f->a);
        len = strcspn(p, " \t\r");
        if (!len || len >= f->n)
                return false;
        memcpy(f->word, p, len);
        f->word[len] = 0;
        return true;
}

bool
demo_log_has(const char *path, const char *a, const char *b)
{
        struct log_find f = {a, b, NULL, 0};

        return log_lines(path, find_both, &f);
}

bool
demo_log_word(const char *path, const char *needle, char *word, size_t n)
{
        struct log_find f = {needle, NULL, word, n};

        return log_lines(path, find_word, &f);
}

/* ---- config edits ---------------------------------------------------------
 */

struct conf_edit {
        const struct demo_kv *kv;
        size_t n;
        bool done[CONF_KV_MAX];
        char section[64]; /* the section of the lines being copied */
        struct buf out;
};

static void
conf_add(struct conf_edit *e, size_t i)
{
        const struct demo_kv *kv = &e->kv[i];

        buf_addf(&e->out, "%s =%s%s\n", kv->key, kv->value[0] ? " " : "",
                 kv->value);
        e->done[i] = true;
}

static void
conf_add_pending(struct conf_edit *e, const char *section)
{
        for (size_t i = 0; i < e->n; i++)
                if (!e->done[i] && !strcmp(e->kv[i].section, section))
                        conf_add(e, i);
}

/* "[name]" (spaces around allowed): copies name into e->section. */
static bool
conf_header(struct conf_edit *e, const char *line)
{
        const char *p = line + strspn(line, " \t"), *end;

        if (*p != '[' || !(end = strchr(p, ']')) ||
            (size_t)(end - p - 1) >= sizeof(e->section))
                return false;
        memcpy(e->section, p + 1, (size_t)(end - p - 1));
        e->section[end - p - 1] = 0;
        return true;
}

/* The index of the kv this "key = value" line sets, or -1. */
static int
conf_match(const struct conf_edit *e, const char *line)
{
        const char *p = line + strspn(line, " \t");
        size_t len = strcspn(p, " \t=");

        if (p[len + strspn(p + len, " \t")] != '=')
                return -1;
        for (size_t i = 0; i < e->n; i++)
                if (!strcmp(e->kv[i].section, e->section) &&
                    strlen(e->kv[i].key) == len &&
                    !memcmp(e->kv[i].key, p, len))
                        return (int)i;
        return -1;
}

static void
conf_line(struct conf_edit *e, const char *line)
{
        int i;

        if (!line[0] || line[strspn(line, " \t")] == '[') {
                /* A blank line or a header: the keys still due above it. */
                conf_add_pending(e, e->section);
                conf_header(e, line);
                buf_addf(&e->out, "%s\n", line);
                return;
        }
        if ((i = conf_match(e, line)) < 0) {
                buf_addf(&e->out, "%s\n", line);
                return;
        }
        if (!e->done[i])
                conf_add(e, (size_t)i);
}

int
demo_conf_set(const char *dir, const struct demo_kv *kv, size_t n)
{
        struct conf_edit e = {kv, n, {false}, "", BUF_INIT};
        struct buf text = BUF_INIT;
        char *path = node_path(dir, NODE_CONFIG_FILE), *save = NULL, *line;
        int err;

        assert(n <= CONF_KV_MAX);
        if ((err = demo_file_read(path, &text)))
                goto out;
        if (!text.len || text.data[text.len - 1] != '\n')
                buf_addc(&text, '\n');
        /* Line by line, keeping empty lines (strtok_r would drop them). */
        for (line = (char *)text.data; (save = strchr(line, '\n'));
             line = save + 1) {
                *save = 0;
                conf_line(&e, line);
        }
        conf_add_pending(&e, e.section);
        for (size_t i = 0; i < n; i++)
                if (!e.done[i]) {
                        buf_addf(&e.out, "\n[%s]\n", kv[i].section);
                        conf_add_pending(&e, kv[i].section);
                }
        err = node_file_write(dir, NODE_CONFIG_FILE, buf_slice(&e.out), 0644);
out:
        buf_release(&text);
        buf_release(&e.out);
        free(path);
        return err;
}
