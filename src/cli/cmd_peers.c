/* peers: each peer this node has linked with, and how the link is doing. */
#include <stddef.h>
#include <string.h>

#include "../app/app.h"
#include "cli.h"

struct peers_opts {
        const char *data;
        bool json, feeds;
};

#define O(field) offsetof(struct peers_opts, field)
static const struct cli_opt peers_opts[] = {
    CLI_OPT("data", CLI_STR, O(data), .arg = "DIR"),
    CLI_OPT("json", CLI_FLAG, O(json)),
    CLI_OPT("feeds", CLI_FLAG, O(feeds),
            .help = "with --json: also what this node knows the peer holds,\n"
                    "\"feeds\": [{\"feed\": ID, \"seq\": N}, ...] (from the\n"
                    "peer's HELLO and its ACKs of committed entries)"),
};
#undef O

static const struct cli_spec peers_spec = {
    .name = "peers",
    .usage =
        "usage: simpul peers [--data DIR] [--json [--feeds]]\n\n"
        "Lists every peer this node has linked with: key, region, address,\n"
        "state, last successful sync (caught up), entries and bytes in and\n"
        "out, entries it still lacks (backlog) and the last failure's id.\n"
        "Written by the running daemon when a link opens, moves entries,\n"
        "catches up or closes.\n\n",
    .opts = peers_opts,
    .n_opts = ARRAY_LEN(peers_opts),
    .width = 9,
    .max_args = -1,
};

static void
age(char *out, size_t cap, uint64_t ms, uint64_t now)
{
        uint64_t s;

        if (!ms) {
                snprintf(out, cap, "never");
                return;
        }
        s = now > ms ? (now - ms) / 1000U : 0;
        if (s < 120)
                snprintf(out, cap, "%llus ago", (unsigned long long)s);
        else if (s < 7200)
                snprintf(out, cap, "%llum ago", (unsigned long long)s / 60);
        else
                snprintf(out, cap, "%lluh ago", (unsigned long long)s / 3600);
}

void
cli_peers_print(const struct app_peers *peers)
{
        uint64_t now = time_now_ms();
        char key[65], sync[24];

        printf("%-16s  %-13s  %-21s  %-12s  %-10s  %8s %8s  %10s "
               "%10s  %7s  %-10s  %s\n",
               "PEER", "REGION", "ADDRESS", "STATE", "SYNCED", "ENT-IN",
               "ENT-OUT", "BYTES-IN", "BYTES-OUT", "BACKLOG", "LAST-ERROR",
               "BULK-MONTH");
        for (size_t i = 0; i < peers->n; i++) {
                const struct peer_info *p = &peers->v[i].info;

                hex_encode(key, p->key, ENTRY_KEY_BYTES);
                age(sync, sizeof(sync), p->last_sync_ms, now);
                printf("%.16s  %-13s  %-21s  %-12s  %-10s  %8llu %8llu  %10llu "
                       "%10llu  %7llu  %-10s  %llu\n",
                       key, p->region, p->address,
                       p->connected ? "connected" : "disconnected", sync,
                       (unsigned long long)p->entries_in,
                       (unsigned long long)p->entries_out,
                       (unsigned long long)p->bytes_in,
                       (unsigned long long)p->bytes_out,
                       (unsigned long long)p->backlog,
                       p->last_error[0] ? p->last_error : "-",
                       (unsigned long long)app_peer_bulk(p));
        }
}

int
cmd_peers(int argc, char **argv)
{
        struct peers_opts o = {NULL, false, false};
        struct app_peers peers;
        struct cli_parsed p;
        struct buf out = BUF_INIT;
        char msg[APP_ERR_MAX];
        struct node n;
        int rc = EXIT_OK;

        if (!cli_parse(&peers_spec, argc, argv, &o, &p))
                return p.status;
        if (o.feeds && !o.json)
                return cli_usage_error("peers", "--feeds needs --json");
        if (cli_open(&n, o.data, NODE_OPEN_READ_ONLY))
                return EXIT_ERROR;
        if (app_peers(&n, o.feeds, &peers, msg)) {
                app_close(&n);
                return cli_error("peers: %s", msg);
        }
        app_close(&n);
        if (o.json)
                rc = cli_print_buf(&out, app_json_peers(&out, &peers, 0));
        else
                cli_peers_print(&peers);
        app_peers_release(&peers);
        return rc;
}
