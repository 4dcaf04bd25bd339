/*
 * wake: how a commit made outside the daemon's loop reaches it, and how
 * `simpul status` tells that a daemon runs, without the daemon writing
 * anything while idle (an SD card dies of small writes, and a village Pi
 * on battery should sleep between events).
 *
 * Waking. The daemon polls nothing: it sleeps until a link, a deadline or
 * a wake-up needs it. A commit by another process (simpul post, report,
 * import, revoke, restored --clear) sends one empty datagram to the
 * daemon's Unix socket, NODE_WAKE_FILE in the data directory, which the
 * daemon binds for its life. A datagram socket rather than a FIFO: a send
 * to a socket nobody binds fails at once (ENOENT, ECONNREFUSED) instead of
 * blocking or filling a pipe nobody reads; a full receive queue (EAGAIN)
 * means wake-ups are already pending, and one is as good as many; it
 * sits under the data directory's mode (0700), so only who may write the
 * store may wake its daemon; and a wake-up carries nothing to trust: the
 * daemon only reads its store again. A wake-up lost because no daemon
 * runs loses nothing: a daemon reads its store when it starts. A commit
 * by another thread of the daemon's own process (the HTTP API) wakes its
 * loop with uv_async_send instead (node_wake_register).
 *
 * Running. The daemon holds a write lock on NODE_PID_FILE for its life:
 * an open file description lock (F_OFD_SETLK), which the kernel drops
 * with the process, kill -9 and power loss included, and which no other
 * open of the file in the same process releases (a POSIX lock would go at
 * the first close of any descriptor of the file, as the HTTP API's status
 * makes one). `simpul status` tests it (F_OFD_GETLK) without taking it, so
 * it can never keep a daemon from starting. The file's text (pid, start)
 * is written once at the start; the lock, not the text, says "running".
 */
#define _GNU_SOURCE /* F_OFD_SETLK, F_OFD_GETLK (Linux 3.15) */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "daemon.h"

/* ---- the socket's address ----------------------------------------------- */

/*
 * dir/NODE_WAKE_FILE as a socket address. A path too long for sun_path
 * (108 bytes) goes through the directory opened in *dirfd (close it after
 * the bind or send; -1 when not needed): Linux resolves
 * /proc/self/fd/N/name like the directory itself. -errno.
 */
static int
wake_addr(const char *dir, struct sockaddr_un *sun, int *dirfd)
{
        int n;

        memset(sun, 0, sizeof(*sun));
        sun->sun_family = AF_UNIX;
        *dirfd = -1;
        n = snprintf(sun->sun_path, sizeof(sun->sun_path), "%s/%s", dir,
                     NODE_WAKE_FILE);
        if (n >= 0 && (size_t)n < sizeof(sun->sun_path))
                return 0;
        if ((*dirfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
                return -errno;
        snprintf(sun->sun_path, sizeof(sun->sun_path), "/proc/self/fd/%d/%s",
                 *dirfd, NODE_WAKE_FILE);
        return 0;
}

/* ---- a commit made here wakes the daemon -------------------------------- */

/* The daemon of this process, if one runs: a process runs one at most. */
static uv_once_t wake_once = UV_ONCE_INIT;
static uv_mutex_t wake_lock;
static const struct node *wake_node; /* guarded by wake_lock */
static uv_async_t *wake_async;       /* guarded by wake_lock */

static void
wake_init(void)
{
        if (uv_mutex_init(&wake_lock))
                abort();
}

void
node_wake_register(const struct node *n, uv_async_t *async)
{
        uv_once(&wake_once, wake_init);
        uv_mutex_lock(&wake_lock);
        wake_node = async ? n : NULL;
        wake_async = async;
        uv_mutex_unlock(&wake_lock);
}

/* Wakes the daemon of this process, if it runs n. */
static bool
wake_here(const struct node *n)
{
        bool done = false;

        uv_once(&wake_once, wake_init);
        uv_mutex_lock(&wake_lock);
        if (wake_async && wake_node == n) {
                uv_async_send(wake_async);
                done = true;
        }
        uv_mutex_unlock(&wake_lock);
        return done;
}

void
node_changed(const struct node *n)
{
        struct sockaddr_un sun;
        int fd, dirfd;

        if (wake_here(n))
                return;
        if (wake_addr(n->dir, &sun, &dirfd))
                return;
        fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        /* No daemon (ENOENT, ECONNREFUSED) or wake-ups already pending
         * (EAGAIN): nothing to do; a daemon reads the store at its start. */
        if (fd >= 0) {
                if (sendto(fd, "", 0, 0, (struct sockaddr *)&sun, sizeof(sun)) <
                        0 &&
                    errno != ENOENT && errno != ECONNREFUSED && errno != EAGAIN)
                        log_debug("NODE-WAKE", "cannot wake the daemon: %s",
                                  strerror(errno));
                close(fd);
        }
        if (dirfd >= 0)
                close(dirfd);
}

int
node_wake_bind(const char *dir, int *out)
{
        struct sockaddr_un sun;
        int fd = -1, dirfd = -1, err;

        *out = -1;
        if ((err = wake_addr(dir, &sun, &dirfd)))
                return err;
        fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0) {
                err = -errno;
                goto out;
        }
        /* Left by a daemon that died: ours now (the caller holds the pid
         * file's lock, so no other daemon binds it). */
        unlink(sun.sun_path);
        if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
                err = -errno;
                close(fd);
                goto out;
        }
        *out = fd;
out:
        if (dirfd >= 0)
                close(dirfd);
        return err;
}

/* ---- the daemon's lock -------------------------------------------------- */

/* "pid started_ms\n" of the file open at fd; zeroes if unreadable. */
static void
pid_read(int fd, uint32_t *pid, uint64_t *started_ms)
{
        char text[64];
        ssize_t n = pread(fd, text, sizeof(text) - 1, 0);
        unsigned long long s = 0;
        unsigned p = 0;

        *pid = 0;
        *started_ms = 0;
        if (n <= 0)
                return;
        text[n] = '\0';
        if (sscanf(text, "%u %llu", &p, &s) == 2) {
                *pid = p;
                *started_ms = s;
        }
}

static struct flock
whole_file(short type)
{
        struct flock fl;

        memset(&fl, 0, sizeof(fl)); /* l_pid must be 0 for OFD locks */
        fl.l_type = type;
        fl.l_whence = SEEK_SET;
        return fl;
}

int
node_daemon_lock(const char *dir, int *out, uint32_t *holder)
{
        char *path = node_path(dir, NODE_PID_FILE);
        struct flock fl = whole_file(F_WRLCK);
        char text[64];
        uint64_t started;
        int fd, err = 0, n;

        *out = -1;
        *holder = 0;
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
        free(path);
        if (fd < 0)
                return -errno;
        if (fcntl(fd, F_OFD_SETLK, &fl) < 0) {
                err = errno == EAGAIN || errno == EACCES ? ERR_EXISTS : -errno;
                if (err == ERR_EXISTS)
                        pid_read(fd, holder, &started);
                close(fd);
                return err;
        }
        /* Written once, to the page cache: no fsync, the lock is what
         * counts and it does not outlive the process anyway. */
        n = snprintf(text, sizeof(text), "%u %" PRIu64 "\n", (unsigned)getpid(),
                     time_now_ms());
        if (ftruncate(fd, 0) < 0 || pwrite(fd, text, (size_t)n, 0) != n)
                log_warn("NODE-PID", "cannot write '%s/%s': %s", dir,
                         NODE_PID_FILE, strerror(errno));
        *out = fd;
        return 0;
}

void
node_daemon_read(const char *dir, struct node_daemon_seen *out)
{
        char *path = node_path(dir, NODE_PID_FILE);
        struct flock fl = whole_file(F_RDLCK);
        int fd = open(path, O_RDONLY | O_CLOEXEC);

        free(path);
        memset(out, 0, sizeof(*out));
        if (fd < 0)
                return; /* never ran here, or not readable by this user */
        if (fcntl(fd, F_OFD_GETLK, &fl) == 0 && fl.l_type != F_UNLCK) {
                out->running = true;
                pid_read(fd, &out->pid, &out->started_ms);
        }
        close(fd);
}
