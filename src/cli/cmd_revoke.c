/* revoke: post a revocation (pencabutan) of a node's membership. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define REASON_MAX 1024U

struct revoke_opts {
        const char *data, *reason;
        uint8_t node[ENTRY_KEY_BYTES];
        bool json;
};

#define O(field) offsetof(struct revoke_opts, field)
static const struct cli_opt revoke_opts[] = {
    CLI_OPT("NODE_KEY", CLI_WORD, 0,
            .help = "the node's key, 64 hex digits (see 'simpul network\n"
                    "show' on that node, or 'simpul list --kind sertifikat')"),
    CLI_OPT("reason", CLI_STR, O(reason), .arg = "TEXT",
            .help = "why, for the operators (one line)"),
    CLI_OPT("data", CLI_STR, O(data), .arg = "DIR"),
    CLI_OPT("json", CLI_FLAG, O(json), .help = "print the result as JSON"),
};
#undef O

static const struct cli_spec revoke_spec = {
    .name = "revoke",
    .usage =
        "usage: simpul revoke NODE_KEY [--reason TEXT] [--data DIR] "
        "[--json]\n\n"
        "Revokes a node's membership for good (a stolen or retired machine).\n"
        "Run it on an issuer: the kabupaten (holding network.key) for any\n"
        "node, a kecamatan issuer for the nodes of its own kecamatan.\n\n"
        "The revocation names every feed of that node held here and the last\n"
        "entry held of each, by seq and id: those entries stay valid\n"
        "everywhere; another entry at that seq, later entries of those feeds\n"
        "and entries of its other feeds are refused (NODE-REVOKED), and the\n"
        "node is refused at every handshake: its open links close. It is\n"
        "posted to the system feed, which every node receives first.\n\n",
    .opts = revoke_opts,
    .n_opts = ARRAY_LEN(revoke_opts),
    .width = 15,
    .max_args = -1,
};

/* The node key and the reason: 0 or a usage error. */
static int
revoke_check_args(struct revoke_opts *o, const struct cli_parsed *p)
{
        if (p->n_args != 1)
                return cli_usage_error("revoke", "expected one NODE_KEY");
        if (strlen(p->args[0]) != 2 * ENTRY_KEY_BYTES ||
            hex_decode(o->node, ENTRY_KEY_BYTES, p->args[0],
                       2 * ENTRY_KEY_BYTES))
                return cli_usage_error("revoke", "NODE_KEY: expected 64 hex "
                                                 "digits");
        if (o->reason &&
            (strlen(o->reason) > REASON_MAX || strpbrk(o->reason, "\n\r")))
                return cli_usage_error("revoke", "--reason must be one line "
                                                 "of at most 1024 bytes");
        return 0;
}

/* ---- the cutoffs: every feed of the node held here, and its head (seq and
 * id: MEMBERSHIP.md §7.2) --------------------------------------------------
 */

struct cutoffs {
        const uint8_t *node;
        struct revoke_feed *feeds;
        size_t n, cap;
};

static int
cutoff_add(void *ctx, const struct feed_info *f)
{
        struct cutoffs *c = ctx;

        if (memcmp(f->author, c->node, ENTRY_KEY_BYTES))
                return 0;
        if (c->n == c->cap) {
                c->cap = c->cap ? 2 * c->cap : 8;
                c->feeds = xrealloc(c->feeds, c->cap * sizeof(*c->feeds));
        }
        memcpy(c->feeds[c->n].feed, f->id, ENTRY_HASH_BYTES);
        c->feeds[c->n].last_seq = f->head_seq;
        memcpy(c->feeds[c->n++].last_id, f->head_id, ENTRY_HASH_BYTES);
        return 0;
}

static int
feed_cmp(const void *a, const void *b)
{
        return memcmp(((const struct revoke_feed *)a)->feed,
                      ((const struct revoke_feed *)b)->feed, ENTRY_HASH_BYTES);
}

static int
cutoffs_collect(struct node *n, struct cutoffs *c)
{
        struct store_txn *t;
        int err;

        if ((err = store_begin(n->store, false, &t)))
                return err;
        err = store_feeds(t, cutoff_add, c);
        store_abort(t);
        if (!err && c->n)
                qsort(c->feeds, c->n, sizeof(*c->feeds), feed_cmp);
        return err;
}

/* ---- checks, post, report --------------------------------------------------
 */

static int
revoke_check(const struct revoke_opts *o, struct node *n,
             const struct cli_issuer *is)
{
        struct buf cert = BUF_INIT;
        struct cert_info c;
        int err;

        if (!memcmp(o->node, n->replica.network.desc.root_pk, ENTRY_KEY_BYTES))
                return cli_error("revoke: the network root key cannot be "
                                 "revoked");
        if (!memcmp(o->node, n->key->pk, ENTRY_KEY_BYTES))
                return cli_error("revoke: refusing to revoke this node's own "
                                 "key");
        if (is->is_root)
                return 0;
        err = replica_peer_cert(&n->replica, o->node, &cert);
        if (!err)
                err = cert_parse(buf_slice(&cert), &c);
        buf_release(&cert);
        if (err)
                return cli_error("revoke: no certificate of that node is held "
                                 "here: only the kabupaten can revoke it");
        if (!cli_issuer_covers(is, c.region))
                return cli_error("revoke: that node serves %s, outside %s: "
                                 "ask the kabupaten",
                                 c.region, is->region);
        return 0;
}

static int
revoke_report(const struct revoke_opts *o, const struct pencabutan *p,
              const uint8_t entry[ENTRY_HASH_BYTES])
{
        char node[65], eid[65], feed[65], last[65];
        json_t *feeds;

        id_hex(node, p->node);
        id_hex(eid, entry);
        if (!o->json) {
                printf("revoked node %s (entry %.16s): %zu feeds held here "
                       "keep their entries up to the last one held\n",
                       node, eid, p->n_feeds);
                return EXIT_OK;
        }
        feeds = json_array();
        for (size_t i = 0; i < p->n_feeds; i++) {
                id_hex(feed, p->feeds[i].feed);
                id_hex(last, p->feeds[i].last_id);
                json_array_append_new(
                    feeds,
                    json_pack("{s:s, s:I, s:s}", "feed", feed, "last_seq",
                              (json_int_t)p->feeds[i].last_seq, "last_id",
                              last));
        }
        return cli_print_json(
            json_pack("{s:s, s:o, s:s, s:s}", "node_key", node, "feeds", feeds,
                      "reason", o->reason ? o->reason : "", "entry", eid));
}

static int
revoke_post(const struct revoke_opts *o, struct node *n,
            const struct cli_issuer *is)
{
        struct cutoffs c = {o->node, NULL, 0, 0};
        uint8_t entry[ENTRY_HASH_BYTES];
        struct buf body = BUF_INIT;
        struct pencabutan p;
        int err, rc = EXIT_ERROR;

        if ((err = cutoffs_collect(n, &c))) {
                cli_error("revoke: cannot read the store: %s", err_str(err));
                goto out;
        }
        memset(&p, 0, sizeof(p));
        memcpy(p.node, o->node, ENTRY_KEY_BYTES);
        p.feeds = c.feeds;
        p.n_feeds = c.n;
        p.reason = slice_cstr(o->reason ? o->reason : "");
        wire_pencabutan_encode(&p, &body);
        err = cli_post_system(n, is, KIND_PENCABUTAN, buf_slice(&body), entry);
        if (err)
                cli_error("revoke: %s", err == ERR_TOO_BIG
                                            ? "the node has too many feeds "
                                              "for one revocation"
                                            : err_str(err));
        else
                rc = revoke_report(o, &p, entry);
out:
        free(c.feeds);
        buf_release(&body);
        return rc;
}

int
cmd_revoke(int argc, char **argv)
{
        struct revoke_opts o;
        struct cli_issuer is;
        struct cli_parsed p;
        struct node n;
        int rc;

        memset(&o, 0, sizeof(o));
        if (!cli_parse(&revoke_spec, argc, argv, &o, &p))
                return p.status;
        if ((rc = revoke_check_args(&o, &p)))
                return rc;
        if (cli_open(&n, o.data, NODE_OPEN_KEY))
                return EXIT_ERROR;
        rc = EXIT_ERROR;
        memset(&is, 0, sizeof(is));
        if (!cli_issuer_open(&n, "revoke", &is) && !revoke_check(&o, &n, &is))
                rc = revoke_post(&o, &n, &is);
        cli_issuer_release(&is);
        node_close(&n);
        return rc;
}
