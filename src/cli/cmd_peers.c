/* peers: each peer this node has linked with, and how the link is doing. */
#include <stddef.h>
#include <string.h>

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
        "Written by the running daemon every few seconds.\n\n",
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

json_t *
cli_peer_json(const struct peer_info *p)
{
        char key[65];

        id_hex(key, p->key);
        return json_pack(
            "{s:s, s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, "
            "s:s?, s:I}",
            "key", key, "region", p->region, "address", p->address, "state",
            p->connected ? "connected" : "disconnected", "last_seen_ms",
            (json_int_t)p->last_seen_ms, "last_sync_ms",
            (json_int_t)p->last_sync_ms, "entries_in",
            (json_int_t)p->entries_in, "entries_out",
            (json_int_t)p->entries_out, "bytes_in", (json_int_t)p->bytes_in,
            "bytes_out", (json_int_t)p->bytes_out, "backlog",
            (json_int_t)p->backlog, "last_error_ms",
            (json_int_t)p->last_error_ms, "last_error",
            p->last_error[0] ? p->last_error : NULL, "acked_version",
            (json_int_t)p->acked);
}

struct peers_ctx {
        json_t *arr;
        uint64_t now;
        size_t n;
        struct store_txn *t; /* with feeds: the visit's transaction */
        bool feeds;
};

static int
known_one(void *ctx, const uint8_t feed[ENTRY_HASH_BYTES], uint64_t seq)
{
        char id[2 * ENTRY_HASH_BYTES + 1];

        id_hex(id, feed);
        return json_array_append_new(
            ctx, json_pack("{s:s, s:I}", "feed", id, "seq", (json_int_t)seq));
}

/* The peer's JSON object, with its known feeds when asked for. */
static int
peer_json_add(struct peers_ctx *pc, const struct peer_info *p)
{
        json_t *o = cli_peer_json(p), *feeds;
        int err;

        if (!pc->feeds)
                return json_array_append_new(pc->arr, o);
        feeds = json_array();
        json_object_set_new(o, "feeds", feeds);
        if ((err = store_peer_known_each(pc->t, p->key, known_one, feeds))) {
                json_decref(o);
                return err;
        }
        return json_array_append_new(pc->arr, o);
}

static int
peers_one(void *ctx, const struct peer_info *p)
{
        struct peers_ctx *pc = ctx;
        char key[65], sync[24], err[64];

        pc->n++;
        if (pc->arr)
                return peer_json_add(pc, p);
        id_hex(key, p->key);
        age(sync, sizeof(sync), p->last_sync_ms, pc->now);
        snprintf(err, sizeof(err), "%s",
                 p->last_error[0] ? p->last_error : "-");
        printf("%.16s  %-13s  %-21s  %-12s  %-10s  %8llu %8llu  %10llu "
               "%10llu  %7llu  %s\n",
               key, p->region, p->address,
               p->connected ? "connected" : "disconnected", sync,
               (unsigned long long)p->entries_in,
               (unsigned long long)p->entries_out,
               (unsigned long long)p->bytes_in,
               (unsigned long long)p->bytes_out, (unsigned long long)p->backlog,
               err);
        return 0;
}

static int
peers_visit(struct node *n, json_t *arr, bool feeds)
{
        struct peers_ctx pc = {arr, time_now_ms(), 0, NULL, feeds && arr};
        struct store_txn *t;
        int err;

        if (!arr)
                printf("%-16s  %-13s  %-21s  %-12s  %-10s  %8s %8s  %10s "
                       "%10s  %7s  %s\n",
                       "PEER", "REGION", "ADDRESS", "STATE", "SYNCED", "ENT-IN",
                       "ENT-OUT", "BYTES-IN", "BYTES-OUT", "BACKLOG",
                       "LAST-ERROR");
        if ((err = store_begin(n->store, false, &t)))
                return err;
        pc.t = t;
        err = store_peers(t, peers_one, &pc);
        store_abort(t);
        return err;
}

int
cli_peers_visit(struct node *n, json_t *arr)
{
        return peers_visit(n, arr, false);
}

int
cmd_peers(int argc, char **argv)
{
        struct peers_opts o = {NULL, false, false};
        struct cli_parsed p;
        json_t *arr = NULL;
        struct node n;
        int err;

        if (!cli_parse(&peers_spec, argc, argv, &o, &p))
                return p.status;
        if (o.feeds && !o.json)
                return cli_usage_error("peers", "--feeds needs --json");
        if (cli_open(&n, o.data, NODE_OPEN_READ_ONLY))
                return EXIT_ERROR;
        if (o.json)
                arr = json_array();
        err = peers_visit(&n, arr, o.feeds);
        node_close(&n);
        if (err) {
                json_decref(arr);
                return cli_error("peers: %s", err_str(err));
        }
        return arr ? cli_print_json(arr) : EXIT_OK;
}
