/* status: this node, its store, its daemon and its links. */
#include <stddef.h>
#include <string.h>

#include "cli.h"

struct status_opts {
        const char *data;
        bool json;
};

static const struct cli_opt status_opts[] = {
    CLI_OPT("data", CLI_STR, offsetof(struct status_opts, data), .arg = "DIR"),
    CLI_OPT("json", CLI_FLAG, offsetof(struct status_opts, json)),
};

/* Positional arguments are ignored, as they always were. */
static const struct cli_spec status_spec = {
    .name = "status",
    .usage =
        "usage: simpul status [--data DIR] [--json]\n\n"
        "Shows this node (region, name, key), its store (feeds, entries,\n"
        "size), whether its daemon is running, whether this machine's clock\n"
        "is unknown (it reads before this node's certificate: see\n"
        "proto/MEMBERSHIP.md 4.2), and each peer link (see simpul peers).\n"
        "Exit status 0 even when the daemon is not running.\n",
    .opts = status_opts,
    .n_opts = ARRAY_LEN(status_opts),
    .max_args = -1,
};

static int
conflict_count(void *ctx, const uint8_t node_pk[ENTRY_KEY_BYTES],
               struct slice bytes)
{
        (void)node_pk;
        (void)bytes;
        ++*(uint64_t *)ctx;
        return 0;
}

static json_t *
status_json(struct node *n, const struct store_stats *st, uint64_t conflicts,
            const struct node_daemon_seen *ds, const struct cert_clock *k,
            json_t *peers)
{
        return json_pack(
            "{s:s, s:s, s:s, s:s, s:I, s:{s:I, s:I, s:I, s:I, s:I, s:I}, "
            "s:{s:b, s:I, s:I}, s:o}",
            "region", n->config.region, "level",
            region_level_name(region_level(n->config.region)), "name",
            n->config.name, "clock", node_clock_state(k), "clock_floor_ms",
            (json_int_t)k->floor_ms, "store", "feeds", (json_int_t)st->feeds,
            "entries", (json_int_t)st->entries, "forks", (json_int_t)st->forks,
            "cert_conflicts", (json_int_t)conflicts, "used_bytes",
            (json_int_t)st->used_bytes, "map_bytes",
            (json_int_t)st->map_size_bytes, "daemon", "running", ds->running,
            "pid", (json_int_t)ds->pid, "heartbeat_ms",
            (json_int_t)ds->heartbeat_ms, "peers", peers);
}

/* The clock line, when the clock is unknown (MEMBERSHIP.md §4.2 Time). */
static void
clock_print(const struct cert_clock *k)
{
        char floor[32];

        if (cert_clock_known(k))
                return;
        cli_time_iso(floor, k->floor_ms);
        printf("\nclock:   %s: this machine's clock reads before %s; until "
               "it is set (NTP), peers' certificates are refused only if "
               "they expired before then",
               node_clock_state(k), floor);
}

int
cmd_status(int argc, char **argv)
{
        struct status_opts o = {NULL, false};
        struct cli_parsed p;
        struct store_stats st;
        struct cert_clock clock;
        struct node_daemon_seen ds;
        struct store_txn *t;
        uint64_t conflicts = 0;
        struct node n;
        int c, err;

        if (!cli_parse(&status_spec, argc, argv, &o, &p))
                return p.status;
        if (cli_open(&n, o.data, NODE_OPEN_READ_ONLY))
                return EXIT_ERROR;
        if ((err = store_begin(n.store, false, &t)) ||
            (err = store_stats(t, &st)) ||
            (err = store_cert_conflicts(t, conflict_count, &conflicts))) {
                node_close(&n);
                return cli_error("status: %s", err_str(err));
        }
        node_daemon_read(t, &ds);
        store_abort(t);
        node_clock(&n, &clock);
        if (o.json) {
                json_t *peers = json_array();
                err = cli_peers_visit(&n, peers);
                c = cli_print_json(
                    status_json(&n, &st, conflicts, &ds, &clock, peers));
        } else {
                printf("node:    %s (%s %s)\n"
                       "store:   %llu feeds, %llu entries, %llu forks, %.1f "
                       "of %.0f MiB\n"
                       "daemon:  %s",
                       n.config.name,
                       region_level_name(region_level(n.config.region)),
                       n.config.region, (unsigned long long)st.feeds,
                       (unsigned long long)st.entries,
                       (unsigned long long)st.forks,
                       (double)st.used_bytes / 1048576.0,
                       (double)st.map_size_bytes / 1048576.0,
                       ds.running ? "running" : "not running");
                if (ds.running)
                        printf(" (pid %u)", ds.pid);
                if (conflicts)
                        printf("\ncerts:   %llu node keys certified by two "
                               "issuers (CERT-CONFLICT): they may not write "
                               "until the kabupaten certifies them",
                               (unsigned long long)conflicts);
                clock_print(&clock);
                printf("\n\n");
                err = cli_peers_visit(&n, NULL);
                c = EXIT_OK;
        }
        node_close(&n);
        return err ? cli_error("status: %s", err_str(err)) : c;
}
