/*
 * member: membership as an operator runs it (proto/MEMBERSHIP.md) —
 * creating the network at the kabupaten, enrolment requests, signing and
 * accepting certificates, revoking a node; acting as an issuer (the network
 * root or a delegated issuer) and posting system entries.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app_int.h"

#define DAY_MS 86400000ULL
#define LINE_ARG_MAX (TEXT_LINE_MAX + 64U)
#define DEFAULT_VALID_DAYS 3650U

/* ---- lines and files ------------------------------------------------------
 */

/*
 * Reads a text line given as the argument itself (it starts with prefix) or
 * as the path of a file holding it, and decodes it (text_decode) into bytes
 * of at most max. Errors: ERR_CERT, ERR_TOO_BIG, -errno.
 */
static int
line_arg_read(const char *arg, const char *prefix, size_t max,
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

/* Says why a line could not be read: a missing file or a damaged line. */
static int
line_fail(char *err_msg, const char *arg, const char *what, int err)
{
        if (err == -ENOENT)
                return app__fail(err_msg, err,
                                 "'%s' is neither a %s line nor a file", arg,
                                 what);
        if (err > ERR_LAST_) /* a system error */
                return app__fail(err_msg, err, "cannot read '%s': %s", arg,
                                 err_str(err));
        if (err == ERR_TOO_BIG)
                return app__fail(err_msg, err, "'%s' is too long for a %s line",
                                 arg, what);
        return app__fail(err_msg, err,
                         "not a valid %s (%s): check that the whole line was "
                         "copied",
                         what, err_id(err));
}

/* The bundle line [descriptor, cert, issuer_cert | nil] of a certificate. */
static void
cert_line(const struct network *net, struct slice cert,
          struct slice issuer_cert, struct buf *line)
{
        struct buf desc = BUF_INIT, bundle = BUF_INIT;

        wire_network_encode(&net->desc, &desc);
        wire_cert_bundle_encode(buf_slice(&desc), cert, issuer_cert, &bundle);
        text_encode(TEXT_CERT_PREFIX, buf_slice(&bundle), line);
        buf_release(&desc);
        buf_release(&bundle);
}

/* Writes node.cert (the certificate line), then the network file. -errno. */
static int
member_files_write(const char *dir, const struct network *net,
                   struct slice cert, struct slice issuer_cert)
{
        struct buf desc = BUF_INIT, line = BUF_INIT;
        int err;

        cert_line(net, cert, issuer_cert, &line);
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

/* A certificate as simpul shows it. */
static void
cert_of(const struct cert_info *c, const struct network *net,
        struct app_cert *out)
{
        memset(out, 0, sizeof(*out));
        out->c = *c;
        out->by_root =
            !memcmp(c->issuer_pk, net->desc.root_pk, ENTRY_KEY_BYTES);
        out->level = region_level_name(region_level(c->region));
        id_hex(out->node_key, c->node_pk);
        id_hex(out->issuer, c->issuer_pk);
        app_time_iso(out->valid_from, c->valid_from_ms);
        app_time_iso(out->valid_until, c->valid_until_ms);
}

static void
network_of(const struct network *net, struct app_network *out)
{
        out->net = *net;
        id_hex(out->id, net->id);
        id_hex(out->root_key, net->desc.root_pk);
}

/* ---- acting as an issuer ---------------------------------------------------
 */

/* Who signs certificates and revocations on this node. */
struct issuer {
        struct key *root;         /* owned: network.key, or NULL */
        const struct key *key;    /* the root key, or this node's key */
        bool is_root;             /* holds the network root key */
        char region[REGION_BUF];  /* author region of its system entries */
        struct audience audience; /* its system feed's audience */
        struct cert_info own;     /* delegated: this node's certificate */
        struct buf own_cert;      /* delegated: its bytes (owned) */
};

/* The network root key, if this data directory holds it. */
static int
issuer_root(struct node *n, struct issuer *is, char *err_msg)
{
        char *path = node_path(n->dir, NODE_ROOT_KEY_FILE);
        int err = key_load_file(path, &is->root);

        if (err == -ENOENT) {
                err = 0;
        } else if (err) {
                app__fail(err_msg, err, "cannot load the root key '%s': %s",
                          path, err_str(err));
        } else if (memcmp(is->root->pk, n->replica.network.desc.root_pk,
                          ENTRY_KEY_BYTES)) {
                err = app__fail(err_msg, ERR_KEY,
                                "'%s' is not the root key of this node's "
                                "network",
                                path);
        }
        free(path);
        return err;
}

/* This node's own certificate, which must make it a delegated issuer. */
static int
issuer_delegated(struct node *n, struct issuer *is, char *err_msg)
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
                return app__fail(err_msg, err,
                                 "this node's certificate (%s/%s): %s", n->dir,
                                 NODE_CERT_FILE, err_str(err));
        if (!(is->own.flags & CERT_FLAG_ISSUER) ||
            memcmp(is->own.issuer_pk, n->replica.network.desc.root_pk,
                   ENTRY_KEY_BYTES))
                return app__fail(err_msg, ERR_NOT_ISSUER,
                                 "this node may not issue certificates: only "
                                 "the kabupaten (holding %s) and nodes it "
                                 "certified with --issuer may",
                                 NODE_ROOT_KEY_FILE);
        return 0;
}

/* Its system feed: tree:<network region> if it may write there, else its
 * own subtree. */
static void
issuer_audience(const struct node *n, struct issuer *is)
{
        memset(&is->audience, 0, sizeof(is->audience));
        is->audience.type = AUDIENCE_TREE;
        strcpy(is->audience.target, n->replica.network.desc.region);
        if (audience_may_author(&is->audience, is->region))
                strcpy(is->audience.target, is->region);
}

static void
issuer_release(struct issuer *is)
{
        key_free(is->root);
        buf_release(&is->own_cert);
        memset(is, 0, sizeof(*is));
}

/* The root (network.key held) or a delegated issuer (own certificate with
 * the ISSUER flag). */
static int
issuer_open(struct node *n, struct issuer *is, char *err_msg)
{
        int err;

        memset(is, 0, sizeof(*is));
        if (!n->replica.has_network)
                return app__fail(err_msg, ERR_NOT_ENROLLED,
                                 "this node belongs to no network: run "
                                 "'simpul network create' at the kabupaten "
                                 "or 'simpul enroll accept' here first");
        if ((err = issuer_root(n, is, err_msg)))
                return err;
        if (is->root) {
                is->is_root = true;
                is->key = is->root;
                strcpy(is->region, n->replica.network.desc.region);
        } else {
                if ((err = issuer_delegated(n, is, err_msg)))
                        return err;
                is->key = n->key;
                strcpy(is->region, is->own.region);
        }
        issuer_audience(n, is);
        return 0;
}

/* The issuer's own certificate travels with what a delegated issuer signs. */
static struct slice
issuer_cert_of(const struct issuer *is)
{
        return is->is_root ? slice_make(NULL, 0) : buf_slice(&is->own_cert);
}

/* Posts a sertifikat or pencabutan entry to the issuer's system feed. */
static int
post_system(struct node *n, const struct issuer *is, uint32_t kind,
            struct slice body, uint8_t id[ENTRY_HASH_BYTES])
{
        struct post p;
        int err;

        memset(&p, 0, sizeof(p));
        p.audience = is->audience;
        p.kind = kind;
        p.body = body;
        if ((err =
                 replica_post_as(&n->replica, is->key, is->region, &p, 1, id)))
                return err;
        node_changed(n); /* the daemon pushes it now (wake.c) */
        return 0;
}

/* ---- network create and show ------------------------------------------------
 */

static int
create_check(struct node *n, const char *region, const char *name,
             char *err_msg)
{
        if (!region || !name)
                return app__fail(err_msg, ERR_USAGE,
                                 "create needs --region and --name");
        if (wire_name_check(name, strlen(name)))
                return app__fail(err_msg, ERR_USAGE,
                                 "--name must be one line of 1 to 95 bytes");
        if (strcmp(region, n->config.region) ||
            region_level(n->config.region) != REGION_KABUPATEN)
                return app__fail(
                    err_msg, ERR_NETWORK,
                    "a network is created on the kabupaten node of its "
                    "region: this node serves %s (%s), not %s",
                    n->config.region,
                    region_level_name(region_level(n->config.region)), region);
        if (n->replica.has_network)
                return app__fail(err_msg, ERR_EXISTS,
                                 "this node already belongs to a network (see "
                                 "'simpul network show')");
        if (wire_name_check(n->config.name, strlen(n->config.name)))
                return app__fail(err_msg, ERR_CONFIG,
                                 "this node's name in simpul.conf must be 1 "
                                 "to 95 bytes without control characters");
        return 0;
}

/* Creates network.key, or loads it when an earlier run stopped half way. */
static int
root_key(struct node *n, struct key **root, char *err_msg)
{
        char *path = node_path(n->dir, NODE_ROOT_KEY_FILE);
        int err = key_create_file(path);

        if (!err || err == ERR_EXISTS)
                err = key_load_file(path, root);
        if (err)
                app__fail(err_msg, err, "cannot create the root key '%s': %s",
                          path, err_str(err));
        free(path);
        return err;
}

/* This node's own certificate: an issuer for the whole network. */
static void
own_cert(struct node *n, const struct key *root, uint64_t days,
         struct buf *cert)
{
        struct cert_info c;

        memset(&c, 0, sizeof(c));
        memcpy(c.network_id, n->replica.network.id, ENTRY_HASH_BYTES);
        memcpy(c.node_pk, n->key->pk, ENTRY_KEY_BYTES);
        strcpy(c.region, n->config.region);
        strcpy(c.name, n->config.name);
        c.valid_from_ms = time_now_ms();
        c.valid_until_ms = c.valid_from_ms + days * DAY_MS;
        c.flags = CERT_FLAG_ISSUER;
        cert_sign(root, &c, cert);
}

/* Posts this node's certificate as a sertifikat entry of the root. */
static int
post_own_cert(struct node *n, const struct key *root, struct slice cert,
              uint8_t entry[ENTRY_HASH_BYTES])
{
        struct buf body = BUF_INIT;
        struct issuer is;
        int err;

        memset(&is, 0, sizeof(is));
        is.key = root;
        is.is_root = true;
        strcpy(is.region, n->replica.network.desc.region);
        is.audience.type = AUDIENCE_TREE;
        strcpy(is.audience.target, is.region);
        wire_sertifikat_encode(cert, slice_make(NULL, 0), &body);
        err = post_system(n, &is, KIND_SERTIFIKAT, buf_slice(&body), entry);
        buf_release(&body);
        return err;
}

/* Makes n a member of the new network (in memory: the trust rules apply
 * to the post that follows). */
static void
network_setup(struct node *n, const struct key *root, const char *region,
              const char *name)
{
        struct network_desc d;

        memset(&d, 0, sizeof(d));
        memcpy(d.root_pk, root->pk, ENTRY_KEY_BYTES);
        strcpy(d.region, region);
        strcpy(d.name, name);
        network_init(&n->replica.network, &d);
        n->replica.has_network = true;
}

/* What network create made: the network and this node's certificate. */
static int
created_report(struct node *n, struct slice cert,
               const uint8_t entry[ENTRY_HASH_BYTES], struct app_network *out,
               char *err_msg)
{
        struct cert_info c;

        if (cert_parse(cert, &c))
                return app__fail(err_msg, ERR_CERT,
                                 "cannot read back the certificate");
        network_of(&n->replica.network, out);
        out->holds_root = true;
        out->has_cert = true;
        cert_of(&c, &n->replica.network, &out->cert);
        id_hex(out->entry, entry);
        return 0;
}

int
app_network_create(struct node *n, const char *region, const char *name,
                   uint64_t days, struct app_network *out, char *err_msg)
{
        struct key *root = NULL;
        struct buf cert = BUF_INIT;
        uint8_t entry[ENTRY_HASH_BYTES];
        int err;

        memset(out, 0, sizeof(*out));
        if ((err = create_check(n, region, name, err_msg)) ||
            (err = root_key(n, &root, err_msg)))
                goto out;
        network_setup(n, root, region, name);
        own_cert(n, root, days ? days : DEFAULT_VALID_DAYS, &cert);
        if ((err = post_own_cert(n, root, buf_slice(&cert), entry)) ||
            (err = member_files_write(n->dir, &n->replica.network,
                                      buf_slice(&cert), slice_make(NULL, 0)))) {
                app__fail(err_msg, err, "%s", err_str(err));
                goto out;
        }
        err = created_report(n, buf_slice(&cert), entry, out, err_msg);
out:
        key_free(root);
        buf_release(&cert);
        return err;
}

/* This node's certificate from node.cert, if it is one of this network. */
static int
own_cert_load(struct node *n, struct cert_info *c)
{
        struct network net;
        struct buf cert = BUF_INIT, ic = BUF_INIT;
        int err = node_cert_load(n->dir, &net, &cert, &ic);

        if (!err && memcmp(net.id, n->replica.network.id, ENTRY_HASH_BYTES))
                err = ERR_NETWORK;
        if (!err)
                err = cert_verify(&n->replica.network, buf_slice(&cert),
                                  ic.len ? buf_slice(&ic) : slice_make(NULL, 0),
                                  0, c, NULL);
        buf_release(&cert);
        buf_release(&ic);
        return err;
}

int
app_network_show(struct node *n, struct app_network *out, char *err_msg)
{
        struct cert_info c;
        char *keyp;

        memset(out, 0, sizeof(*out));
        if (!n->replica.has_network)
                return app__fail(err_msg, ERR_NOT_ENROLLED,
                                 "%s: this node belongs to no network (run "
                                 "'simpul enroll request')",
                                 err_id(ERR_NOT_ENROLLED));
        network_of(&n->replica.network, out);
        keyp = node_path(n->dir, NODE_ROOT_KEY_FILE);
        out->holds_root = access(keyp, F_OK) == 0;
        free(keyp);
        out->cert_err = own_cert_load(n, &c);
        if ((out->has_cert = !out->cert_err))
                cert_of(&c, &n->replica.network, &out->cert);
        return 0;
}

/* ---- enroll request --------------------------------------------------------
 */

int
app_enroll_request(struct node *n, struct app_request *out, char *err_msg)
{
        struct buf bytes = BUF_INIT;
        struct enroll_req rq;

        memset(out, 0, sizeof(*out));
        memset(&rq, 0, sizeof(rq));
        strcpy(rq.region, n->config.region);
        strcpy(rq.name, n->config.name);
        if (wire_name_check(rq.name, strlen(rq.name)))
                return app__fail(err_msg, ERR_CONFIG,
                                 "the node name in simpul.conf must be 1 to 95 "
                                 "bytes without control characters");
        request_sign(n->key, &rq, &bytes);
        text_encode(TEXT_REQUEST_PREFIX, buf_slice(&bytes), &out->line);
        buf_release(&bytes);
        id_hex(out->node_key, rq.node_pk);
        out->region = n->config.region;
        out->name = n->config.name;
        return 0;
}

void
app_request_release(struct app_request *r)
{
        buf_release(&r->line);
}

/* ---- enroll sign -----------------------------------------------------------
 */

int
app_request_read(const char *arg, struct enroll_req *rq, char *err_msg)
{
        struct buf req = BUF_INIT;
        int err;

        if ((err = line_arg_read(arg, TEXT_REQUEST_PREFIX, REQUEST_MAX,
                                 &req)) == 0)
                err = request_open(buf_slice(&req), rq);
        buf_release(&req);
        return err ? line_fail(err_msg, arg, "enrolment request", err) : 0;
}

static int
sign_check(struct node *n, const struct issuer *is, const struct enroll_req *rq,
           bool issuer, char *err_msg)
{
        const struct network *net = &n->replica.network;
        int level = region_level(rq->region);
        bool revoked = false;

        if (!region_covers(net->desc.region, rq->region))
                return app__fail(err_msg, ERR_NETWORK,
                                 "the request is for %s, outside this network "
                                 "(%s)",
                                 rq->region, net->desc.region);
        if (!memcmp(rq->node_pk, net->desc.root_pk, ENTRY_KEY_BYTES))
                return app__fail(err_msg, ERR_KEY,
                                 "the request is for the network root key");
        if (issuer && !is->is_root)
                return app__fail(err_msg, ERR_NOT_ISSUER,
                                 "--issuer: only the kabupaten (holding %s) "
                                 "may certify issuers",
                                 NODE_ROOT_KEY_FILE);
        if (issuer && level != REGION_KECAMATAN)
                return app__fail(err_msg, ERR_NOT_ISSUER,
                                 "--issuer is for kecamatan nodes; %s is a %s",
                                 rq->region, region_level_name(level));
        if (!is->is_root && !region_covers(is->region, rq->region))
                return app__fail(err_msg, ERR_NOT_ISSUER,
                                 "this node may certify nodes of %s only, not "
                                 "of %s: ask the kabupaten",
                                 is->region, rq->region);
        if (!is->is_root && !memcmp(rq->node_pk, n->key->pk, ENTRY_KEY_BYTES))
                return app__fail(err_msg, ERR_NOT_ISSUER,
                                 "a node cannot certify itself");
        if (replica_revoked(&n->replica, rq->node_pk, &revoked) || revoked)
                return app__fail(err_msg, ERR_REVOKED,
                                 "this node key is revoked: the node needs a "
                                 "new key (simpul init)");
        return 0;
}

static int
sign_make(struct node *n, const struct issuer *is, const struct enroll_req *rq,
          uint64_t days, bool issuer, struct buf *cert, struct cert_info *c)
{
        memset(c, 0, sizeof(*c));
        memcpy(c->network_id, n->replica.network.id, ENTRY_HASH_BYTES);
        memcpy(c->node_pk, rq->node_pk, ENTRY_KEY_BYTES);
        strcpy(c->region, rq->region);
        strcpy(c->name, rq->name);
        c->valid_from_ms = time_now_ms();
        c->valid_until_ms = c->valid_from_ms + days * DAY_MS;
        c->flags = issuer ? CERT_FLAG_ISSUER : 0;
        cert_sign(is->key, c, cert);
        /* What every receiver will check. */
        return cert_verify(&n->replica.network, buf_slice(cert),
                           issuer_cert_of(is), 0, c, NULL);
}

static int
sign_post(struct node *n, const struct issuer *is, struct slice cert,
          uint8_t entry[ENTRY_HASH_BYTES], char *err_msg)
{
        struct buf body = BUF_INIT;
        int err;

        wire_sertifikat_encode(cert, issuer_cert_of(is), &body);
        err = post_system(n, is, KIND_SERTIFIKAT, buf_slice(&body), entry);
        buf_release(&body);
        if (err)
                app__fail(err_msg, err, "cannot post the certificate: %s",
                          err_str(err));
        return err;
}

/* Also writes the certificate line to a file (-o FILE). */
static int
line_file_write(const char *file, const struct buf *line, char *err_msg)
{
        FILE *f = fopen(file, "w");

        if (!f)
                return app__fail(err_msg, -errno, "cannot create '%s': %s",
                                 file, strerror(errno));
        fprintf(f, "%s\n", (const char *)line->data);
        if (fclose(f))
                return app__fail(err_msg, -errno, "cannot write '%s': %s", file,
                                 strerror(errno));
        return 0;
}

int
app_enroll_sign(struct node *n, const struct enroll_req *rq, uint64_t days,
                bool issuer, const char *file, struct app_signed *out,
                char *err_msg)
{
        struct buf cert = BUF_INIT;
        uint8_t entry[ENTRY_HASH_BYTES];
        struct cert_info c;
        struct issuer is;
        int err;

        memset(out, 0, sizeof(*out));
        if ((err = issuer_open(n, &is, err_msg)) ||
            (err = sign_check(n, &is, rq, issuer, err_msg)))
                goto out;
        if ((err = sign_make(n, &is, rq, days, issuer, &cert, &c))) {
                app__fail(err_msg, err, "the certificate would not verify: %s",
                          err_str(err));
                goto out;
        }
        if ((err = sign_post(n, &is, buf_slice(&cert), entry, err_msg)))
                goto out;
        cert_line(&n->replica.network, buf_slice(&cert), issuer_cert_of(&is),
                  &out->line);
        id_hex(out->entry, entry);
        cert_of(&c, &n->replica.network, &out->cert);
        if (file)
                err = line_file_write(file, &out->line, err_msg);
out:
        if (err)
                app_signed_release(out);
        issuer_release(&is);
        buf_release(&cert);
        return err;
}

void
app_signed_release(struct app_signed *s)
{
        buf_release(&s->line);
}

/* ---- enroll accept ---------------------------------------------------------
 */

int
app_cert_read(const char *arg, struct app_cert_line *a, char *err_msg)
{
        struct slice desc;
        int err;

        memset(a, 0, sizeof(*a));
        if ((err = line_arg_read(arg, TEXT_CERT_PREFIX, CERT_BUNDLE_MAX,
                                 &a->bytes)) ||
            (err = wire_cert_bundle_decode(buf_slice(&a->bytes), &desc,
                                           &a->cert, &a->issuer_cert)) ||
            (err = network_open(desc, &a->net))) {
                app_cert_line_release(a);
                return line_fail(err_msg, arg, "certificate", err);
        }
        return 0;
}

void
app_cert_line_release(struct app_cert_line *a)
{
        buf_release(&a->bytes);
        memset(a, 0, sizeof(*a));
}

static int
accept_check(struct node *n, struct app_cert_line *a, struct cert_info *c,
             char *err_msg)
{
        char mine[65], theirs[65];
        int err;

        if (n->replica.has_network &&
            memcmp(n->replica.network.id, a->net.id, ENTRY_HASH_BYTES))
                return app__fail(err_msg, ERR_NETWORK,
                                 "%s: this node already belongs to network "
                                 "'%s'; refusing to move it to '%s' (use a new "
                                 "data directory)",
                                 err_id(ERR_NETWORK),
                                 n->replica.network.desc.name,
                                 a->net.desc.name);
        if ((err = cert_verify(&a->net, a->cert, a->issuer_cert, 0, c, NULL)))
                return app__fail(err_msg, err,
                                 "the certificate does not verify: %s (%s)",
                                 err_str(err), err_id(err));
        id_hex(mine, n->key->pk);
        id_hex(theirs, c->node_pk);
        if (strcmp(mine, theirs))
                return app__fail(err_msg, ERR_CERT,
                                 "the certificate is for node %.16s..., not "
                                 "this node (%.16s...)",
                                 theirs, mine);
        if (strcmp(c->region, n->config.region))
                return app__fail(err_msg, ERR_CERT,
                                 "the certificate is for region %s, but this "
                                 "node serves %s",
                                 c->region, n->config.region);
        return 0;
}

int
app_enroll_accept(struct node *n, struct app_cert_line *a,
                  struct app_network *out, char *err_msg)
{
        struct cert_info c;
        int err;

        memset(out, 0, sizeof(*out));
        if ((err = accept_check(n, a, &c, err_msg)))
                return err;
        /* Stores the certificate (checking revocations), writes the files. */
        n->replica.network = a->net;
        n->replica.has_network = true;
        if ((err = replica_check_peer(&n->replica, n->key->pk, a->cert,
                                      a->issuer_cert, NULL, &c)))
                return app__fail(err_msg, err, "%s (%s)", err_str(err),
                                 err_id(err));
        if ((err =
                 member_files_write(n->dir, &a->net, a->cert, a->issuer_cert)))
                return app__fail(err_msg, err, "cannot write to '%s': %s",
                                 n->dir, err_str(err));
        network_of(&a->net, out);
        out->has_cert = true;
        cert_of(&c, &a->net, &out->cert);
        out->cert_valid_now = !cert_check_time(&c, time_now_ms());
        return 0;
}

/* ---- revoke ---------------------------------------------------------------
 *
 * The cutoffs: every feed of the node held here, and its head (seq and id:
 * MEMBERSHIP.md §7.2).
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
        c->feeds = app__grow(c->feeds, c->n, &c->cap, sizeof(*c->feeds));
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

static int
revoke_check(struct node *n, const struct issuer *is,
             const uint8_t key[ENTRY_KEY_BYTES], char *err_msg)
{
        struct buf cert = BUF_INIT;
        struct cert_info c;
        int err;

        if (!memcmp(key, n->replica.network.desc.root_pk, ENTRY_KEY_BYTES))
                return app__fail(err_msg, ERR_KEY,
                                 "the network root key cannot be revoked");
        if (!memcmp(key, n->key->pk, ENTRY_KEY_BYTES))
                return app__fail(err_msg, ERR_KEY,
                                 "refusing to revoke this node's own key");
        if (is->is_root)
                return 0;
        err = replica_peer_cert(&n->replica, key, &cert);
        if (!err)
                err = cert_parse(buf_slice(&cert), &c);
        buf_release(&cert);
        if (err)
                return app__fail(err_msg, ERR_NOT_ISSUER,
                                 "no certificate of that node is held here: "
                                 "only the kabupaten can revoke it");
        if (!region_covers(is->region, c.region))
                return app__fail(err_msg, ERR_NOT_ISSUER,
                                 "that node serves %s, outside %s: ask the "
                                 "kabupaten",
                                 c.region, is->region);
        return 0;
}

static int
revoke_post(struct node *n, const struct issuer *is,
            const uint8_t key[ENTRY_KEY_BYTES], const char *reason,
            struct app_revoked *out, char *err_msg)
{
        struct cutoffs c = {key, NULL, 0, 0};
        uint8_t entry[ENTRY_HASH_BYTES];
        struct buf body = BUF_INIT;
        struct pencabutan p;
        int err;

        if ((err = cutoffs_collect(n, &c))) {
                free(c.feeds);
                return app__fail(err_msg, err, "cannot read the store: %s",
                                 err_str(err));
        }
        memset(&p, 0, sizeof(p));
        memcpy(p.node, key, ENTRY_KEY_BYTES);
        p.feeds = c.feeds;
        p.n_feeds = c.n;
        p.reason = slice_cstr(reason ? reason : "");
        wire_pencabutan_encode(&p, &body);
        err = post_system(n, is, KIND_PENCABUTAN, buf_slice(&body), entry);
        buf_release(&body);
        if (err) {
                free(c.feeds);
                return app__fail(err_msg, err, "%s",
                                 err == ERR_TOO_BIG
                                     ? "the node has too many feeds for one "
                                       "revocation"
                                     : err_str(err));
        }
        id_hex(out->node_key, key);
        id_hex(out->entry, entry);
        out->feeds = c.feeds;
        out->n_feeds = c.n;
        out->reason = reason ? reason : "";
        return 0;
}

int
app_revoke(struct node *n, const uint8_t key[ENTRY_KEY_BYTES],
           const char *reason, struct app_revoked *out, char *err_msg)
{
        struct issuer is;
        int err;

        memset(out, 0, sizeof(*out));
        if (!(err = issuer_open(n, &is, err_msg)) &&
            !(err = revoke_check(n, &is, key, err_msg)))
                err = revoke_post(n, &is, key, reason, out, err_msg);
        issuer_release(&is);
        return err;
}

void
app_revoked_release(struct app_revoked *r)
{
        free(r->feeds);
        memset(r, 0, sizeof(*r));
}
