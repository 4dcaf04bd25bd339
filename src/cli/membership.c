/*
 * membership: what network, enroll and revoke share: reading text lines,
 * acting as an issuer (the network root or a delegated issuer), posting
 * system entries and describing certificates (proto/MEMBERSHIP.md).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../app/app.h"
#include "cli.h"

#define DAY_MS 86400000ULL
#define LINE_ARG_MAX (TEXT_LINE_MAX + 64U)

int
cli_read_line_arg(const char *arg, const char *prefix, size_t max,
                  struct buf *bytes)
{
        struct buf line = BUF_INIT;
        int err = 0;

        if (!strncmp(arg, prefix, strlen(prefix)))
                buf_adds(&line, arg);
        else
                err = node_line_read(arg, LINE_ARG_MAX, &line);
        if (!err)
                err = text_decode(prefix, buf_slice(&line), max, bytes);
        buf_release(&line);
        return err;
}

uint64_t
cli_days_ms(uint64_t days)
{
        return days * DAY_MS;
}

/* The bundle line [descriptor, cert, issuer_cert | nil] of a certificate. */
void
cli_cert_line(const struct network *net, struct slice cert,
              struct slice issuer_cert, struct buf *line)
{
        struct buf desc = BUF_INIT, bundle = BUF_INIT;

        wire_network_encode(&net->desc, &desc);
        wire_cert_bundle_encode(buf_slice(&desc), cert, issuer_cert, &bundle);
        text_encode(TEXT_CERT_PREFIX, buf_slice(&bundle), line);
        buf_release(&desc);
        buf_release(&bundle);
}

int
cli_member_files_write(const char *dir, const struct network *net,
                       struct slice cert, struct slice issuer_cert)
{
        struct buf desc = BUF_INIT, line = BUF_INIT;
        int err;

        cli_cert_line(net, cert, issuer_cert, &line);
        buf_addc(&line, '\n');
        err = node_file_write(dir, NODE_CERT_FILE, buf_slice(&line), 0644);
        buf_reset(&line);
        wire_network_encode(&net->desc, &desc);
        text_encode(TEXT_NETWORK_PREFIX, buf_slice(&desc), &line);
        buf_addc(&line, '\n');
        /* Last: the network file's presence makes the node a member. */
        if (!err)
                err = node_file_write(dir, NODE_NETWORK_FILE, buf_slice(&line),
                                      0644);
        buf_release(&desc);
        buf_release(&line);
        return err;
}

/* ---- acting as an issuer ---------------------------------------------------
 */

/* The network root key, if this data directory holds it. */
static int
issuer_root(struct node *n, struct cli_issuer *is, const char *cmd)
{
        char *path = node_path(n->dir, NODE_ROOT_KEY_FILE);
        int err = key_load_file(path, &is->root);

        if (err == -ENOENT) {
                err = 0;
        } else if (err) {
                cli_error("%s: cannot load the root key '%s': %s", cmd, path,
                          err_str(err));
        } else if (memcmp(is->root->pk, n->replica.network.desc.root_pk,
                          ENTRY_KEY_BYTES)) {
                cli_error("%s: '%s' is not the root key of this node's "
                          "network",
                          cmd, path);
                err = ERR_KEY;
        }
        free(path);
        return err;
}

/* This node's own certificate, which must make it a delegated issuer. */
static int
issuer_delegated(struct node *n, struct cli_issuer *is, const char *cmd)
{
        struct network net;
        struct buf ic = BUF_INIT;
        int err = node_cert_load(n->dir, &net, &is->own_cert, &ic);

        if (!err)
                err = cert_verify(&n->replica.network, buf_slice(&is->own_cert),
                                  ic.len ? buf_slice(&ic) : slice_make(NULL, 0),
                                  0, &is->own, NULL);
        buf_release(&ic);
        if (err)
                return cli_error("%s: this node's certificate (%s/%s): %s", cmd,
                                 n->dir, NODE_CERT_FILE, err_str(err));
        if (!(is->own.flags & CERT_FLAG_ISSUER) ||
            memcmp(is->own.issuer_pk, n->replica.network.desc.root_pk,
                   ENTRY_KEY_BYTES))
                return cli_error("%s: this node may not issue certificates: "
                                 "only the kabupaten (holding %s) and nodes "
                                 "it certified with --issuer may",
                                 cmd, NODE_ROOT_KEY_FILE);
        return 0;
}

/* Its system feed: tree:<network region> if it may write there, else its
 * own subtree. */
static void
issuer_audience(const struct node *n, struct cli_issuer *is)
{
        memset(&is->audience, 0, sizeof(is->audience));
        is->audience.type = AUDIENCE_TREE;
        strcpy(is->audience.target, n->replica.network.desc.region);
        if (audience_may_author(&is->audience, is->region))
                strcpy(is->audience.target, is->region);
}

int
cli_issuer_open(struct node *n, const char *cmd, struct cli_issuer *is)
{
        memset(is, 0, sizeof(*is));
        if (!n->replica.has_network)
                return cli_error("%s: this node belongs to no network: run "
                                 "'simpul network create' at the kabupaten "
                                 "or 'simpul enroll accept' here first",
                                 cmd);
        if (issuer_root(n, is, cmd))
                return EXIT_ERROR;
        if (is->root) {
                is->is_root = true;
                is->key = is->root;
                strcpy(is->region, n->replica.network.desc.region);
        } else {
                if (issuer_delegated(n, is, cmd))
                        return EXIT_ERROR;
                is->key = n->key;
                strcpy(is->region, is->own.region);
        }
        issuer_audience(n, is);
        return 0;
}

void
cli_issuer_release(struct cli_issuer *is)
{
        key_free(is->root);
        buf_release(&is->own_cert);
        memset(is, 0, sizeof(*is));
}

bool
cli_issuer_covers(const struct cli_issuer *is, const char *region)
{
        return region_covers(is->region, region);
}

int
cli_post_system(struct node *n, const struct cli_issuer *is, uint32_t kind,
                struct slice body, uint8_t id[ENTRY_HASH_BYTES])
{
        struct post p;

        memset(&p, 0, sizeof(p));
        p.audience = is->audience;
        p.kind = kind;
        p.body = body;
        return replica_post_as(&n->replica, is->key, is->region, &p, 1, id);
}

/* ---- describing certificates ----------------------------------------------
 */

json_t *
cli_cert_json(const struct cert_info *c, const struct network *net)
{
        char node[65], issuer[65], from[32], until[32];
        bool by_root =
            !memcmp(c->issuer_pk, net->desc.root_pk, ENTRY_KEY_BYTES);
        json_t *flags = json_array();

        id_hex(node, c->node_pk);
        id_hex(issuer, c->issuer_pk);
        app_time_iso(from, c->valid_from_ms);
        app_time_iso(until, c->valid_until_ms);
        if (c->flags & CERT_FLAG_ISSUER)
                json_array_append_new(flags, json_string("issuer"));
        return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:s, s:b, "
                         "s:o}",
                         "node_key", node, "region", c->region, "level",
                         region_level_name(region_level(c->region)), "name",
                         c->name, "valid_from", from, "valid_until", until,
                         "valid_from_ms", (json_int_t)c->valid_from_ms,
                         "valid_until_ms", (json_int_t)c->valid_until_ms,
                         "issuer", issuer, "issued_by_root", by_root, "flags",
                         flags);
}

void
cli_cert_print(FILE *out, const struct cert_info *c, const struct network *net)
{
        char node[65], issuer[65], from[32], until[32];
        bool by_root =
            !memcmp(c->issuer_pk, net->desc.root_pk, ENTRY_KEY_BYTES);

        id_hex(node, c->node_pk);
        id_hex(issuer, c->issuer_pk);
        app_time_iso(from, c->valid_from_ms);
        app_time_iso(until, c->valid_until_ms);
        fprintf(out,
                "  node key: %s\n"
                "  region:   %s (%s)\n"
                "  name:     %s\n"
                "  valid:    %s until %s\n"
                "  issuer:   %s (%s)\n"
                "  flags:    %s\n",
                node, c->region, region_level_name(region_level(c->region)),
                c->name, from, until, issuer,
                by_root ? "network root" : "delegated issuer",
                c->flags & CERT_FLAG_ISSUER ? "issuer (may certify nodes in "
                                              "its subtree)"
                                            : "none");
}
