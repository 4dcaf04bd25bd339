/*
 * dlog: an endpoint's delivery log (hook_int.h). Why a file of its own and
 * not a mark in the store: LMDB has one writer at a time, the daemon; a
 * mark per delivery would take the store's write lock and fsync the store
 * (its meta page and every page the mark touched) between the daemon's
 * sync commits. An append and an fdatasync of a small file cost neither
 * (docs/WEBHOOKS.md, "Where deliveries are recorded").
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hook_int.h"

#define HEADER "# simpul webhooks delivery log; store "
#define TAIL_MAX 4096

static int
write_all(int fd, const char *s, size_t n)
{
        while (n) {
                ssize_t w = write(fd, s, n);

                if (w < 0 && errno == EINTR)
                        continue;
                if (w < 0)
                        return -errno;
                s += w;
                n -= (size_t)w;
        }
        return 0;
}

/* The header of a new log, synced with its directory entry. */
static int
header_write(int fd, const char *dir, const char *instance)
{
        char line[128];
        int n = snprintf(line, sizeof(line), HEADER "%s\n", instance);
        int dfd, err;

        if ((err = write_all(fd, line, (size_t)n)) || fdatasync(fd))
                return err ? err : -errno;
        if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
                return -errno;
        err = fsync(dfd) ? -errno : 0;
        close(dfd);
        return err;
}

static int
header_check(int fd, const char *instance, char *err_msg, const char *path)
{
        char line[128];
        size_t want = strlen(HEADER) + strlen(instance);
        ssize_t r = pread(fd, line, sizeof(line) - 1, 0);

        if (r < 0)
                return -errno;
        line[r] = 0;
        if ((size_t)r > want && !strncmp(line, HEADER, strlen(HEADER)) &&
            !strncmp(line + strlen(HEADER), instance, strlen(instance)) &&
            line[want] == '\n')
                return 0;
        snprintf(err_msg, 256,
                 "'%.120s' is the delivery log of another store (recreated?): "
                 "move it away to deliver this store's outbox from its start",
                 path);
        return ERR_WEBHOOK_LOG;
}

/* The last whole line's seq; a torn tail (no newline) is cut off. */
static int
tail_read(int fd, off_t size, uint64_t *pos)
{
        char buf[TAIL_MAX + 1], *end, *line;
        off_t from = size > TAIL_MAX ? size - TAIL_MAX : 0;
        ssize_t r = pread(fd, buf, (size_t)(size - from), from);

        if (r < 0)
                return -errno;
        buf[r] = 0;
        end = strrchr(buf, '\n');
        if (!end)
                return ERR_WEBHOOK_LOG; /* a line over 4 KiB: not ours */
        if (end + 1 != buf + r && ftruncate(fd, from + (end + 1 - buf)))
                return -errno;
        *end = 0;
        line = strrchr(buf, '\n');
        line = line ? line + 1 : buf;
        *pos = 0;
        if (line[0] != '#' && sscanf(line, "%" SCNu64, pos) != 1)
                return ERR_WEBHOOK_LOG;
        return 0;
}

int
dlog_open(struct dlog *l, const char *dir, const char *name,
          const char *instance, char *err_msg)
{
        char path[512];
        struct stat st;
        int err;

        l->pos = 0;
        snprintf(path, sizeof(path), "%s/%s.log", dir, name);
        snprintf(err_msg, 256, "'%.200s': cannot open", path);
        if ((l->fd =
                 open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0600)) < 0)
                return -errno;
        if (flock(l->fd, LOCK_EX | LOCK_NB)) {
                err = errno == EWOULDBLOCK ? ERR_WEBHOOK_LOG : -errno;
                snprintf(err_msg, 256,
                         "'%.160s' is locked: another simpul webhooks delivers "
                         "this node's events",
                         path);
                goto fail;
        }
        if (fstat(l->fd, &st)) {
                err = -errno;
                goto fail;
        }
        err = st.st_size == 0 ? header_write(l->fd, dir, instance)
                              : header_check(l->fd, instance, err_msg, path);
        if (!err && st.st_size && (err = tail_read(l->fd, st.st_size, &l->pos)))
                snprintf(err_msg, 256, "'%.200s': not a delivery log", path);
        if (!err)
                return 0;
fail:
        close(l->fd);
        l->fd = -1;
        return err;
}

int
dlog_append(struct dlog *l, uint64_t seq, const char *id,
            const uint8_t entry[ENTRY_HASH_BYTES], long status,
            unsigned attempts)
{
        char line[256], hex[2 * ENTRY_HASH_BYTES + 1], iso[32];
        int n, err;

        hex_encode(hex, entry, ENTRY_HASH_BYTES);
        app_time_iso(iso, time_now_ms());
        n = snprintf(line, sizeof(line), "%" PRIu64 " %s %s %s %ld %u\n", seq,
                     id, hex, iso, status, attempts);
        if ((err = write_all(l->fd, line, (size_t)n)))
                return err;
        if (fdatasync(l->fd))
                return -errno;
        l->pos = seq;
        return 0;
}

void
dlog_close(struct dlog *l)
{
        if (l->fd >= 0)
                close(l->fd);
        l->fd = -1;
}

int
dlog_peek(const char *dir, const char *name, uint64_t *pos, char last[32],
          bool *running)
{
        char path[512], buf[TAIL_MAX + 1], *end, *line;
        struct stat st;
        off_t from;
        ssize_t r;
        int fd, err = 0;

        *pos = 0;
        last[0] = 0;
        *running = false;
        snprintf(path, sizeof(path), "%s/%s.log", dir, name);
        if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
                return errno == ENOENT ? 0 : -errno;
        if (flock(fd, LOCK_SH | LOCK_NB))
                *running = errno == EWOULDBLOCK;
        if (fstat(fd, &st)) {
                err = -errno;
                goto out;
        }
        from = st.st_size > TAIL_MAX ? st.st_size - TAIL_MAX : 0;
        if ((r = pread(fd, buf, (size_t)(st.st_size - from), from)) < 0) {
                err = -errno;
                goto out;
        }
        buf[r] = 0;
        if (!(end = strrchr(buf, '\n')))
                goto out;
        *end = 0;
        line = strrchr(buf, '\n');
        line = line ? line + 1 : buf;
        if (line[0] != '#' &&
            sscanf(line, "%" SCNu64 " %*s %*s %31s", pos, last) < 1)
                *pos = 0;
out:
        close(fd);
        return err;
}
