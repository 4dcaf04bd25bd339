/* status: this node, its store, its daemon and its links. */
#include <string.h>

#include "../app/app.h"

#include "cli.h"

static const struct cli_spec status_spec = {
    .name = "status",
    .usage =
        "usage: simpul status [--data DIR] [--json]\n\n"
        "Shows this node (region, name, key), its store (feeds, entries,\n"
        "size), whether its daemon is running, whether this machine's clock\n"
        "is unknown (it reads before this node's certificate: see\n"
        "proto/MEMBERSHIP.md 4.2), whose time it uses while that clock is\n"
        "wrong (a parent's: proto/SYNC.md 6.1), and each peer link (see\n"
        "simpul peers).\n"
        "Exit status 0 even when the daemon is not running.\n",
    .opts = cli_common_opts,
    .n_opts = ARRAY_LEN(cli_common_opts),
    .max_args = -1,
};

/* The clock line, when the clock is unknown (MEMBERSHIP.md §4.2 Time). */
static void
clock_print(const struct app_status *st)
{
        char floor[32];

        if (st->clock_known)
                return;
        app_time_iso(floor, st->clock.floor_ms);
        printf("\nclock:   %s: this machine's clock reads before %s; until "
               "it is set (NTP), peers' certificates are refused only if "
               "they expired before then",
               st->clock_state, floor);
}

/* The time line, when this node does not use the system clock as it is
 * (proto/SYNC.md 6.1). */
static void
time_print(const struct app_status *st)
{
        char taken[32];

        if (st->time.source == NODE_TIME_SYSTEM)
                return;
        if (st->time.source == NODE_TIME_UNKNOWN) {
                printf("\ntime:    unknown: this machine's clock reads before "
                       "what this node knows has passed, and no parent has "
                       "told its time yet (it asks on linking)");
                return;
        }
        app_time_iso(taken, st->time.taken_ms);
        printf("\ntime:    from parent %s: its clock on linking (%s) plus "
               "the time since; new entries and deadlines use it until "
               "this machine's clock is set",
               st->time.parent, taken);
}

static void
status_print(const struct app_status *st, const struct app_peers *peers)
{
        const struct store_stats *s = &st->store;

        printf("node:    %s (%s %s)\n"
               "store:   %llu feeds, %llu entries, %llu forks, %.1f of %.0f "
               "MiB\n"
               "daemon:  %s",
               st->name, st->level, st->region, (unsigned long long)s->feeds,
               (unsigned long long)s->entries, (unsigned long long)s->forks,
               (double)s->used_bytes / 1048576.0,
               (double)s->map_size_bytes / 1048576.0,
               st->daemon.running ? "running" : "not running");
        if (st->daemon.running)
                printf(" (pid %u)", st->daemon.pid);
        if (st->blobs.blobs)
                printf("\nblobs:   %llu attachments (%llu whole), %.1f MiB "
                       "held",
                       (unsigned long long)st->blobs.blobs,
                       (unsigned long long)st->blobs.whole,
                       (double)st->blobs.bytes / 1048576.0);
        if (st->cert_conflicts)
                printf("\ncerts:   %llu node keys certified by two "
                       "issuers (CERT-CONFLICT): they may not write "
                       "until the kabupaten certifies them",
                       (unsigned long long)st->cert_conflicts);
        clock_print(st);
        time_print(st);
        printf("\n\n");
        cli_peers_print(peers);
}

int
cmd_status(int argc, char **argv)
{
        struct cli_common o = {NULL, false};
        struct app_status st;
        struct app_peers peers;
        struct cli_parsed p;
        struct buf out = BUF_INIT;
        char msg[APP_ERR_MAX];
        struct node n;
        int rc = EXIT_OK;

        if (!cli_parse(&status_spec, argc, argv, &o, &p))
                return p.status;
        if (cli_open(&n, o.data, NODE_OPEN_READ_ONLY))
                return EXIT_ERROR;
        if (app_status(&n, NULL, &st, &peers, msg)) {
                app_close(&n);
                return cli_error("status: %s", msg);
        }
        if (o.json)
                rc = cli_print_buf(&out, app_json_status(&out, &st, &peers, 0));
        else
                status_print(&st, &peers);
        app_peers_release(&peers);
        app_close(&n);
        return rc;
}
