/*
 * clock: this node's time for what it writes and decides (SYNC.md §6.1).
 * A Raspberry Pi has no real-time clock: it boots in 1970, or at the
 * last time fake-hwclock saved. While the system clock reads before an
 * instant the node knows has passed (its floor: 2024, its certificate's
 * start, the newest timestamp it wrote), the node uses the time its
 * parent told it on linking plus the time since by CLOCK_BOOTTIME, kept
 * in DATA/clock for every process of this boot (simpul post writes too).
 * A sane system clock is always used as it is.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "node.h"

#define CLOCK_FILE "clock"
#define CLOCK_MAGIC "simpul-clock1"
#define OWN_TS_META "own_ts" /* replica.c: the newest own timestamp */
#define BOOT_ID_PATH "/proc/sys/kernel/random/boot_id"
#define BOOT_ID_MAX 40U

/* Milliseconds since boot, suspend included: one clock for every
 * process of this boot, which no wall-clock change moves. */
static uint64_t
boot_ms(void)
{
        struct timespec ts;

        if (clock_gettime(CLOCK_BOOTTIME, &ts))
                clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000U + (uint64_t)ts.tv_nsec / 1000000U;
}

/* This boot's id ("" when the kernel does not say). */
static void
boot_id(char out[BOOT_ID_MAX])
{
        FILE *f = fopen(BOOT_ID_PATH, "re");

        out[0] = 0;
        if (!f)
                return;
        if (!fgets(out, BOOT_ID_MAX, f))
                out[0] = 0;
        out[strcspn(out, "\n")] = 0;
        fclose(f);
}

/* The newest timestamp this node wrote (0: none), as its store has it. */
static uint64_t
own_ts(const struct node *n)
{
        struct store_txn *t;
        struct buf v = BUF_INIT;
        uint64_t ts = 0;

        if (!n->store || store_begin(n->store, false, &t))
                return 0;
        if (!store_meta_get(t, OWN_TS_META, &v) && v.len == 8)
                ts = be64_get(v.data);
        store_abort(t);
        buf_release(&v);
        return ts;
}

/* The parent's time from DATA/clock, if it was taken in this boot. */
static bool
parent_load(const struct node *n, struct node_time *out)
{
        char *path = node_path(n->dir, CLOCK_FILE);
        char id[BOOT_ID_MAX], file_id[BOOT_ID_MAX], region[REGION_BUF];
        unsigned long long at_ms, at_boot;
        uint64_t now_boot = boot_ms();
        FILE *f = fopen(path, "re");
        bool ok = false;

        free(path);
        if (!f)
                return false;
        boot_id(id);
        if (fscanf(f, CLOCK_MAGIC " %llu %llu %39s %15s", &at_ms, &at_boot,
                   file_id, region) == 4 &&
            !strcmp(file_id, id[0] ? id : "-") && at_boot <= now_boot &&
            !region_check(region, strlen(region))) {
                out->now_ms = at_ms + (now_boot - at_boot);
                out->taken_ms = at_ms;
                memcpy(out->parent, region, REGION_BUF);
                ok = true;
        }
        fclose(f);
        return ok;
}

void
node_time(const struct node *n, struct node_time *out)
{
        uint64_t own;

        memset(out, 0, sizeof(*out));
        out->system_ms = out->now_ms = time_now_ms();
        out->floor_ms =
            n->clock_floor_ms ? n->clock_floor_ms : CERT_CLOCK_MIN_MS;
        own = own_ts(n);
        if (own > out->floor_ms)
                out->floor_ms = own;
        if (out->system_ms >= out->floor_ms) {
                out->source = NODE_TIME_SYSTEM;
                return;
        }
        /* A parent's time before the floor is no better than ours. */
        if (parent_load(n, out) && out->now_ms >= out->floor_ms) {
                out->source = NODE_TIME_PARENT;
                return;
        }
        memset(out->parent, 0, sizeof(out->parent));
        out->taken_ms = 0;
        out->now_ms = out->system_ms;
        out->source = NODE_TIME_UNKNOWN;
}

uint64_t
node_now_ms(const struct node *n)
{
        struct node_time t;

        node_time(n, &t);
        return t.now_ms;
}

const char *
node_time_source_name(enum node_time_source s)
{
        switch (s) {
        case NODE_TIME_SYSTEM:
                return "system";
        case NODE_TIME_PARENT:
                return "parent";
        default:
                return "unknown";
        }
}

int
node_time_take(const struct node *n, uint64_t parent_ms, const char *region)
{
        char id[BOOT_ID_MAX], line[160], *path, *tmp;
        int fd, len, err = 0;

        boot_id(id);
        len = snprintf(line, sizeof(line), CLOCK_MAGIC " %llu %llu %s %s\n",
                       (unsigned long long)parent_ms,
                       (unsigned long long)boot_ms(), id[0] ? id : "-", region);
        path = node_path(n->dir, CLOCK_FILE);
        tmp = node_path(n->dir, CLOCK_FILE ".tmp");
        /* No fsync: the file is good for this boot only, which a power
         * cut ends anyway. */
        errno = 0;
        fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (fd < 0 || write(fd, line, (size_t)len) != len || rename(tmp, path))
                err = errno ? -errno : -EIO;
        if (fd >= 0)
                close(fd);
        if (err)
                unlink(tmp);
        free(path);
        free(tmp);
        return err;
}
