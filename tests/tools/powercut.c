/*
 * powercut: an LD_PRELOAD library that cuts a process's power at a chosen
 * moment of its store's writes and loses the disk's write cache: every
 * write to the store file since the last fsync or fdatasync of it is
 * undone (all of them, or each 4 KiB page of them at random), then the
 * process is killed with SIGKILL. What an fsync'd or O_DSYNC write put on
 * disk stays. Not part of simpul; for tests/integration/test_power_loss.sh.
 *
 *   LD_PRELOAD=libpowercut.so POWERCUT_AT=7 simpul run ...
 *
 * The store file is the first file opened whose name ends in
 * POWERCUT_FILE (default "/data.mdb"); its events are the write calls on
 * it (write, writev, pwrite, pwritev) and its syncs (fsync, fdatasync),
 * counted from 1 in the order they happen.
 *
 *   POWERCUT_AT=N       cut just before event N (0 or unset: never)
 *   POWERCUT_TRIGGER=F  cut just before the first event once file F exists
 *   POWERCUT_PAGES=1    lose each unsynced 4 KiB page with probability 1/2
 *                       (a cache that wrote some of them), not all of them
 *   POWERCUT_SEED=N     the seed for POWERCUT_PAGES
 *   POWERCUT_LIE=1      self-test: a disk that ignores fsync and O_DSYNC,
 *                       so the cut loses everything written since the open
 *   POWERCUT_LOG=F      appends one line per cut ("cut ...") and, at a
 *                       normal exit, "exit events=N"
 *
 * Undoing a write needs what it overwrote: before each write the library
 * reads the bytes it will replace (through its own descriptors, so an
 * O_WRONLY descriptor is no obstacle). The unsynced writes are undone
 * newest first, so a page ends as some prefix of its writes left it, as
 * on a disk whose cache wrote in order per page; the file is cut back to
 * its synced length unless a kept page lies beyond. Calls on the store
 * file are serialised by one mutex, held from the undo to the SIGKILL, so
 * no other thread writes in between. LMDB's write path (without
 * MDB_WRITEMAP: writes through descriptors, the meta page through an
 * O_DSYNC one) is all this covers; msync is not intercepted.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

#define MAX_FD 4096
#define PAGE 4096U

/* One write not yet made durable: where, and what it overwrote. */
struct undo {
        off_t off;
        size_t len;
        size_t old_len; /* bytes that existed before (a short read past EOF) */
        unsigned char *old;
};

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static unsigned char watched[MAX_FD]; /* 1: store fd, 2: store fd, O_DSYNC */
static dev_t w_dev;
static ino_t w_ino;
static int have_file; /* the store file is known (dev, ino) */
static int rfd = -1;  /* our own descriptors of it */
static int wfd = -1;
static off_t synced_size;
static struct undo *log_;
static size_t log_n, log_cap;
static unsigned long long events, cut_at;
static int opt_pages, opt_lie;
static unsigned rng;
static const char *opt_file = "/data.mdb", *opt_trigger, *opt_log;

static int (*real_open)(const char *, int, ...);
static int (*real_openat)(int, const char *, int, ...);
static int (*real_close)(int);
static ssize_t (*real_write)(int, const void *, size_t);
static ssize_t (*real_writev)(int, const struct iovec *, int);
static ssize_t (*real_pwrite)(int, const void *, size_t, off_t);
static ssize_t (*real_pwritev)(int, const struct iovec *, int, off_t);
static int (*real_fsync)(int);
static int (*real_fdatasync)(int);

#define RESOLVE(name) (*(void **)&real_##name = dlsym(RTLD_NEXT, #name))

__attribute__((constructor)) static void
powercut_init(void)
{
        const char *v;

        if (real_open)
                return;
        RESOLVE(open);
        RESOLVE(openat);
        RESOLVE(close);
        RESOLVE(write);
        RESOLVE(writev);
        RESOLVE(pwrite);
        RESOLVE(pwritev);
        RESOLVE(fsync);
        RESOLVE(fdatasync);
        if ((v = getenv("POWERCUT_AT")))
                cut_at = strtoull(v, NULL, 10);
        if ((v = getenv("POWERCUT_FILE")) && *v)
                opt_file = v;
        if ((v = getenv("POWERCUT_TRIGGER")) && *v)
                opt_trigger = v;
        if ((v = getenv("POWERCUT_LOG")) && *v)
                opt_log = v;
        opt_pages = (v = getenv("POWERCUT_PAGES")) && *v == '1';
        opt_lie = (v = getenv("POWERCUT_LIE")) && *v == '1';
        rng = (v = getenv("POWERCUT_SEED")) ? (unsigned)strtoul(v, NULL, 10)
                                            : (unsigned)getpid();
}

static void
say(const char *fmt, ...)
{
        char line[256];
        va_list ap;
        int fd, n;

        if (!opt_log)
                return;
        va_start(ap, fmt);
        n = vsnprintf(line, sizeof(line), fmt, ap);
        va_end(ap);
        fd =
            real_open(opt_log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
        if (fd < 0)
                return;
        if (n > 0)
                (void)real_write(fd, line,
                                 (size_t)n < sizeof(line) ? (size_t)n
                                                          : sizeof(line) - 1);
        real_close(fd);
}

__attribute__((destructor)) static void
powercut_exit(void)
{
        if (have_file)
                say("exit events=%llu\n", events);
}

static int
ends_with(const char *s, const char *suffix)
{
        size_t a = strlen(s), b = strlen(suffix);

        return a >= b && !strcmp(s + a - b, suffix);
}

/* A descriptor just opened on path: is it the store file? */
static void
maybe_watch(int fd, const char *path, int flags)
{
        struct stat st;

        if (fd < 0 || fd >= MAX_FD || !ends_with(path, opt_file) ||
            fstat(fd, &st))
                return;
        pthread_mutex_lock(&mu);
        if (!have_file) {
                rfd = real_open(path, O_RDONLY | O_CLOEXEC);
                wfd = real_open(path, O_WRONLY | O_CLOEXEC);
                if (rfd >= 0 && wfd >= 0) {
                        have_file = 1;
                        w_dev = st.st_dev;
                        w_ino = st.st_ino;
                        synced_size = st.st_size;
                }
        }
        if (have_file && st.st_dev == w_dev && st.st_ino == w_ino)
                watched[fd] = (flags & O_DSYNC) ? 2 : 1;
        pthread_mutex_unlock(&mu);
}

static unsigned
next_rand(void)
{
        rng = rng * 1103515245U + 12345U;
        return rng >> 16;
}

/* The cut: undo what the cache loses, then die. Called with mu held. */
static void
cut(const char *why)
{
        unsigned long long lost = 0, kept = 0;
        off_t end = synced_size;
        static const unsigned char zeros[PAGE];

        for (size_t i = log_n; i-- > 0;) {
                struct undo *u = &log_[i];
                for (size_t at = 0; at < u->len; at += PAGE) {
                        size_t n = u->len - at < PAGE ? u->len - at : PAGE;
                        if (opt_pages && next_rand() % 2) {
                                kept += n;
                                if (u->off + (off_t)(at + n) > end)
                                        end = u->off + (off_t)(at + n);
                                continue;
                        }
                        lost += n;
                        for (size_t k = 0; k < n;) {
                                size_t j = at + k;
                                const void *src =
                                    j < u->old_len ? u->old + j : zeros;
                                size_t m =
                                    j < u->old_len ? u->old_len - j : PAGE;
                                if (m > n - k)
                                        m = n - k;
                                if (real_pwrite(wfd, src, m,
                                                u->off + (off_t)j) <= 0)
                                        break;
                                k += m;
                        }
                }
        }
        if (ftruncate(wfd, end) == 0)
                real_fsync(wfd);
        say("cut event=%llu before=%s unsynced_writes=%zu lost_bytes=%llu "
            "kept_bytes=%llu mode=%s\n",
            events, why, log_n, lost, kept,
            opt_lie     ? "lie"
            : opt_pages ? "pages"
                        : "all");
        kill(getpid(), SIGKILL);
        for (;;)
                pause();
}

/*
 * One event on the store file, before the call: counted, maybe the cut.
 * Returns with mu held; the caller unlocks after the call.
 */
static void
event(const char *what)
{
        pthread_mutex_lock(&mu);
        events++;
        if (cut_at && events == cut_at)
                cut(what);
        if (opt_trigger && access(opt_trigger, F_OK) == 0)
                cut(what);
}

/* Remembers what [off, off + len) holds before a write there. */
static void
remember(off_t off, size_t len)
{
        struct undo *u;
        struct stat st;
        ssize_t got;

        if (!len)
                return;
        /* The first write the cache holds: the file is on disk as it is
         * now, also what another process (a daemon beside simpul post)
         * wrote and synced since our open; LMDB's writer lock keeps it
         * from writing again before our commit ends. */
        if (log_n == 0 && fstat(rfd, &st) == 0)
                synced_size = st.st_size;
        if (log_n == log_cap) {
                log_cap = log_cap ? 2 * log_cap : 64;
                log_ = realloc(log_, log_cap * sizeof(*log_));
                if (!log_)
                        abort();
        }
        u = &log_[log_n++];
        u->off = off;
        u->len = len;
        u->old = malloc(len);
        if (!u->old)
                abort();
        got = pread(rfd, u->old, len, off);
        u->old_len = got > 0 ? (size_t)got : 0;
}

/* After a successful sync of the store file: the cache is on disk. */
static void
synced(void)
{
        struct stat st;

        if (opt_lie)
                return;
        for (size_t i = 0; i < log_n; i++)
                free(log_[i].old);
        log_n = 0;
        if (fstat(rfd, &st) == 0)
                synced_size = st.st_size;
}

static int
is_watched(int fd)
{
        return fd >= 0 && fd < MAX_FD && watched[fd];
}

/* A write of len bytes at off (-1: the descriptor's offset) on fd. */
static void
before_write(int fd, off_t off, size_t len)
{
        event("write");
        if (off < 0)
                off = lseek(fd, 0, SEEK_CUR);
        /* O_DSYNC: on disk when the call returns (unless the disk lies). */
        if (watched[fd] == 1 || opt_lie)
                remember(off, len);
}

static size_t
iov_len(const struct iovec *iov, int n)
{
        size_t len = 0;

        for (int i = 0; i < n; i++)
                len += iov[i].iov_len;
        return len;
}

/* ---- the intercepted calls ----------------------------------------------- */

static int
open_common(int dirfd, const char *path, int flags, mode_t mode, int at)
{
        int fd;

        if (!real_open)
                powercut_init();
        fd = at ? real_openat(dirfd, path, flags, mode)
                : real_open(path, flags, mode);
        maybe_watch(fd, path, flags);
        return fd;
}

static mode_t
mode_arg(int flags, va_list ap)
{
        return (flags & (O_CREAT | O_TMPFILE)) ? (mode_t)va_arg(ap, int) : 0;
}

/* open, open64, openat, openat64: the mode is there only with O_CREAT
 * or O_TMPFILE, so it is read from the variadic part only then. */
#define OPEN_WRAPPER(name, params, dirfd, at)                                  \
        int name params                                                        \
        {                                                                      \
                va_list ap;                                                    \
                mode_t mode;                                                   \
                                                                               \
                va_start(ap, flags);                                           \
                mode = mode_arg(flags, ap);                                    \
                va_end(ap);                                                    \
                return open_common(dirfd, path, flags, mode, at);              \
        }

OPEN_WRAPPER(open, (const char *path, int flags, ...), AT_FDCWD, 0)
OPEN_WRAPPER(open64, (const char *path, int flags, ...), AT_FDCWD, 0)
OPEN_WRAPPER(openat, (int dirfd, const char *path, int flags, ...), dirfd, 1)
OPEN_WRAPPER(openat64, (int dirfd, const char *path, int flags, ...), dirfd, 1)

int
close(int fd)
{
        if (!real_close)
                powercut_init();
        if (is_watched(fd)) {
                pthread_mutex_lock(&mu);
                watched[fd] = 0;
                pthread_mutex_unlock(&mu);
        }
        return real_close(fd);
}

/*
 * The writes: unwatched files go straight through; a watched one counts
 * as an event (which may cut the power) and is remembered until synced,
 * with the lock held across the real call (before_write takes it).
 */
#define WRITE_WRAPPER(name, params, args, off, len)                            \
        ssize_t name params                                                    \
        {                                                                      \
                ssize_t rc;                                                    \
                                                                               \
                if (!real_##name)                                              \
                        powercut_init();                                       \
                if (!is_watched(fd))                                           \
                        return real_##name args;                               \
                before_write(fd, off, len);                                    \
                rc = real_##name args;                                         \
                pthread_mutex_unlock(&mu);                                     \
                return rc;                                                     \
        }

WRITE_WRAPPER(write, (int fd, const void *p, size_t n), (fd, p, n), -1, n)
WRITE_WRAPPER(writev, (int fd, const struct iovec *iov, int n), (fd, iov, n),
              -1, iov_len(iov, n))
WRITE_WRAPPER(pwrite, (int fd, const void *p, size_t n, off_t off),
              (fd, p, n, off), off, n)
WRITE_WRAPPER(pwritev, (int fd, const struct iovec *iov, int n, off_t off),
              (fd, iov, n, off), off, iov_len(iov, n))

ssize_t
pwrite64(int fd, const void *p, size_t n, off_t off)
{
        return pwrite(fd, p, n, off);
}

static int
sync_common(int fd, int (*real)(int))
{
        int rc;

        if (!is_watched(fd))
                return real(fd);
        event("sync");
        rc = real(fd);
        if (rc == 0)
                synced();
        pthread_mutex_unlock(&mu);
        return rc;
}

int
fsync(int fd)
{
        if (!real_fsync)
                powercut_init();
        return sync_common(fd, real_fsync);
}

int
fdatasync(int fd)
{
        if (!real_fdatasync)
                powercut_init();
        return sync_common(fd, real_fdatasync);
}
