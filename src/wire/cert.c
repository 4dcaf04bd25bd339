/*
 * cert: canonical msgpack of network descriptors, certificates, enrolment
 * requests, certificate bundles and the bodies of the system kinds
 * sertifikat and pencabutan (proto/MEMBERSHIP.md §3-§6). Every decoder
 * bounds its input before msgpack-c allocates (wire__unpack) and answers
 * ERR_CERT for anything but the exact shape.
 */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "wire_int.h"

#define DESC_FIELDS 4U
#define CERT_FIELDS 9U
#define REQUEST_FIELDS 4U
#define REVOKE_FEED_FIELDS 3U /* [feed, last_seq, last_id] */

int
wire_name_check(const char *s, size_t n)
{
        if (n == 0 || n > CERT_NAME_MAX)
                return ERR_CERT;
        for (size_t i = 0; i < n; i++)
                if ((uint8_t)s[i] < 0x20 || (uint8_t)s[i] == 0x7f)
                        return ERR_CERT;
        return 0;
}

/* ---- field decoding -------------------------------------------------------
 */

static bool
get_name(const msgpack_object *o, char out[CERT_NAME_BUF])
{
        if (o->type != MSGPACK_OBJECT_STR ||
            wire_name_check(o->via.str.ptr, o->via.str.size))
                return false;
        memcpy(out, o->via.str.ptr, o->via.str.size);
        out[o->via.str.size] = 0;
        return true;
}

/*
 * Unpacks a flat array of `count` fields whose first is the format version
 * 1; *f points at the fields until u is destroyed.
 */
static int
unpack_fields(struct slice in, size_t max, uint32_t count, msgpack_unpacked *u,
              const msgpack_object **f)
{
        uint64_t version;

        if (in.len > max || wire__unpack(in, 1, u))
                return ERR_CERT;
        if (u->data.type != MSGPACK_OBJECT_ARRAY ||
            u->data.via.array.size != count)
                return ERR_CERT;
        *f = u->data.via.array.ptr;
        if (!wire__get_uint(&(*f)[0], UINT32_MAX, &version) ||
            version != MEMBER_FORMAT_VERSION)
                return ERR_CERT;
        return 0;
}

/* Canonical iff re-encoding gives the same bytes; releases re. */
static int
same_bytes(struct slice in, struct buf *re)
{
        int err = wire__same_bytes(in, re) ? 0 : ERR_CERT;

        buf_release(re);
        return err;
}

/* ---- network descriptors ------------------------------------------------- */

void
wire_network_encode(const struct network_desc *d, struct buf *out)
{
        msgpack_packer pk;

        assert(!region_check(d->region, strnlen(d->region, REGION_BUF)));
        assert(!wire_name_check(d->name, strnlen(d->name, CERT_NAME_BUF)));
        wire__packer_init(&pk, out);
        msgpack_pack_array(&pk, DESC_FIELDS);
        msgpack_pack_uint32(&pk, MEMBER_FORMAT_VERSION);
        wire__pack_bin(&pk, d->root_pk, ENTRY_KEY_BYTES);
        wire__pack_str(&pk, d->region);
        wire__pack_str(&pk, d->name);
}

int
wire_network_decode(struct slice in, struct network_desc *d)
{
        struct buf re = BUF_INIT;
        const msgpack_object *f;
        msgpack_unpacked u;
        int err;

        memset(d, 0, sizeof(*d));
        msgpack_unpacked_init(&u);
        err = unpack_fields(in, NETWORK_DESC_MAX, DESC_FIELDS, &u, &f);
        if (!err &&
            !(wire__get_bin(&f[1], d->root_pk, ENTRY_KEY_BYTES) &&
              !wire__get_region(&f[2], d->region) && get_name(&f[3], d->name)))
                err = ERR_CERT;
        msgpack_unpacked_destroy(&u);
        if (!err) {
                wire_network_encode(d, &re);
                err = same_bytes(in, &re);
        }
        if (err)
                memset(d, 0, sizeof(*d));
        return err;
}

/* ---- certificate bodies -------------------------------------------------- */

void
wire_cert_body_encode(const struct cert_info *c, struct buf *out)
{
        msgpack_packer pk;

        assert(!region_check(c->region, strnlen(c->region, REGION_BUF)));
        assert(!wire_name_check(c->name, strnlen(c->name, CERT_NAME_BUF)));
        assert(c->valid_from_ms < c->valid_until_ms);
        assert(!(c->flags & ~CERT_FLAGS_KNOWN));
        wire__packer_init(&pk, out);
        msgpack_pack_array(&pk, CERT_FIELDS);
        msgpack_pack_uint32(&pk, MEMBER_FORMAT_VERSION);
        wire__pack_bin(&pk, c->network_id, ENTRY_HASH_BYTES);
        wire__pack_bin(&pk, c->node_pk, ENTRY_KEY_BYTES);
        wire__pack_str(&pk, c->region);
        wire__pack_str(&pk, c->name);
        msgpack_pack_uint64(&pk, c->valid_from_ms);
        msgpack_pack_uint64(&pk, c->valid_until_ms);
        msgpack_pack_uint32(&pk, c->flags);
        wire__pack_bin(&pk, c->issuer_pk, ENTRY_KEY_BYTES);
}

static bool
cert_fields(const msgpack_object *f, struct cert_info *c)
{
        uint64_t flags;

        if (!wire__get_bin(&f[1], c->network_id, ENTRY_HASH_BYTES) ||
            !wire__get_bin(&f[2], c->node_pk, ENTRY_KEY_BYTES) ||
            wire__get_region(&f[3], c->region) || !get_name(&f[4], c->name))
                return false;
        if (!wire__get_uint(&f[5], UINT64_MAX, &c->valid_from_ms) ||
            !wire__get_uint(&f[6], UINT64_MAX, &c->valid_until_ms) ||
            c->valid_from_ms >= c->valid_until_ms)
                return false;
        if (!wire__get_uint(&f[7], CERT_FLAGS_KNOWN, &flags))
                return false;
        c->flags = (uint32_t)flags;
        return wire__get_bin(&f[8], c->issuer_pk, ENTRY_KEY_BYTES);
}

int
wire_cert_body_decode(struct slice in, struct cert_info *c)
{
        struct buf re = BUF_INIT;
        const msgpack_object *f;
        msgpack_unpacked u;
        int err;

        memset(c, 0, sizeof(*c));
        msgpack_unpacked_init(&u);
        err = unpack_fields(in, CERT_BODY_MAX, CERT_FIELDS, &u, &f);
        if (!err && !cert_fields(f, c))
                err = ERR_CERT;
        msgpack_unpacked_destroy(&u);
        if (!err) {
                wire_cert_body_encode(c, &re);
                err = same_bytes(in, &re);
        }
        if (err)
                memset(c, 0, sizeof(*c));
        return err;
}

/* ---- enrolment requests -------------------------------------------------- */

void
wire_request_body_encode(const struct enroll_req *rq, struct buf *out)
{
        msgpack_packer pk;

        assert(!region_check(rq->region, strnlen(rq->region, REGION_BUF)));
        assert(!wire_name_check(rq->name, strnlen(rq->name, CERT_NAME_BUF)));
        wire__packer_init(&pk, out);
        msgpack_pack_array(&pk, REQUEST_FIELDS);
        msgpack_pack_uint32(&pk, MEMBER_FORMAT_VERSION);
        wire__pack_bin(&pk, rq->node_pk, ENTRY_KEY_BYTES);
        wire__pack_str(&pk, rq->region);
        wire__pack_str(&pk, rq->name);
}

int
wire_request_body_decode(struct slice in, struct enroll_req *rq)
{
        struct buf re = BUF_INIT;
        const msgpack_object *f;
        msgpack_unpacked u;
        int err;

        memset(rq, 0, sizeof(*rq));
        msgpack_unpacked_init(&u);
        err = unpack_fields(in, REQUEST_MAX, REQUEST_FIELDS, &u, &f);
        if (!err && !(wire__get_bin(&f[1], rq->node_pk, ENTRY_KEY_BYTES) &&
                      !wire__get_region(&f[2], rq->region) &&
                      get_name(&f[3], rq->name)))
                err = ERR_CERT;
        msgpack_unpacked_destroy(&u);
        if (!err) {
                wire_request_body_encode(rq, &re);
                err = same_bytes(in, &re);
        }
        if (err)
                memset(rq, 0, sizeof(*rq));
        return err;
}

/* ---- signed objects [bin body, bin64 sig] ---------------------------------
 */

void
wire_signed_encode(struct slice body, const uint8_t sig[ENTRY_SIG_BYTES],
                   struct buf *out)
{
        msgpack_packer pk;

        wire__packer_init(&pk, out);
        msgpack_pack_array(&pk, 2);
        wire__pack_bin(&pk, body.ptr, body.len);
        wire__pack_bin(&pk, sig, ENTRY_SIG_BYTES);
}

int
wire_signed_decode(struct slice in, size_t max, struct slice *body,
                   struct slice *sig)
{
        const msgpack_object *f;
        msgpack_unpacked u;
        int err = ERR_CERT;

        *body = *sig = slice_make(NULL, 0);
        msgpack_unpacked_init(&u);
        if (in.len > max || wire__unpack(in, 1, &u) ||
            u.data.type != MSGPACK_OBJECT_ARRAY || u.data.via.array.size != 2)
                goto out;
        f = u.data.via.array.ptr;
        if (!wire__get_bin_slice(&f[0], max, body) ||
            !wire__get_bin_slice(&f[1], ENTRY_SIG_BYTES, sig) ||
            sig->len != ENTRY_SIG_BYTES)
                goto out;
        /* Two bins: canonical iff each length header is the shortest. */
        if (1 + wire__bin_head_len(body->len) + body->len + 2 +
                ENTRY_SIG_BYTES ==
            in.len)
                err = 0;
out:
        msgpack_unpacked_destroy(&u);
        if (err)
                *body = *sig = slice_make(NULL, 0);
        return err;
}

/* ---- certificate bundles --------------------------------------------------
 */

void
wire_cert_bundle_encode(struct slice desc, struct slice cert,
                        struct slice issuer_cert, struct buf *out)
{
        msgpack_packer pk;

        wire__packer_init(&pk, out);
        msgpack_pack_array(&pk, 3);
        wire__pack_bin(&pk, desc.ptr, desc.len);
        wire__pack_bin(&pk, cert.ptr, cert.len);
        wire__pack_bin_or_nil(&pk, issuer_cert);
}

/* The bundle's parts; issuer_cert is nil or a bin. */
static bool
bundle_parts(const msgpack_object *f, struct slice *desc, struct slice *cert,
             struct slice *issuer_cert)
{
        if (!wire__get_bin_slice(&f[0], NETWORK_DESC_MAX, desc) ||
            !wire__get_bin_slice(&f[1], CERT_MAX, cert))
                return false;
        if (f[2].type == MSGPACK_OBJECT_NIL)
                return true;
        return wire__get_bin_slice(&f[2], CERT_MAX, issuer_cert);
}

int
wire_cert_bundle_decode(struct slice in, struct slice *desc, struct slice *cert,
                        struct slice *issuer_cert)
{
        msgpack_unpacked u;
        size_t canonical;
        int err = ERR_CERT;

        *desc = *cert = *issuer_cert = slice_make(NULL, 0);
        msgpack_unpacked_init(&u);
        if (in.len > CERT_BUNDLE_MAX || wire__unpack(in, 1, &u) ||
            u.data.type != MSGPACK_OBJECT_ARRAY || u.data.via.array.size != 3)
                goto out;
        if (!bundle_parts(u.data.via.array.ptr, desc, cert, issuer_cert))
                goto out;
        canonical = 1 + wire__bin_head_len(desc->len) + desc->len +
                    wire__bin_head_len(cert->len) + cert->len +
                    (issuer_cert->ptr ? wire__bin_head_len(issuer_cert->len) +
                                            issuer_cert->len
                                      : 1);
        if (canonical == in.len)
                err = 0;
out:
        msgpack_unpacked_destroy(&u);
        if (err)
                *desc = *cert = *issuer_cert = slice_make(NULL, 0);
        return err;
}

/* ---- bodies of the system kinds -------------------------------------------
 */

/* Unpacks a body that must be a map (bounded like every body). */
static int
body_map(struct slice body, msgpack_unpacked *u)
{
        if (body.len > ENTRY_BODY_MAX ||
            wire__unpack(body, ENTRY_BODY_DEPTH_MAX, u) ||
            u->data.type != MSGPACK_OBJECT_MAP)
                return ERR_CERT;
        return 0;
}

void
wire_sertifikat_encode(struct slice cert, struct slice issuer_cert,
                       struct buf *out)
{
        msgpack_packer pk;

        wire__packer_init(&pk, out);
        msgpack_pack_map(&pk, 2);
        wire__pack_str(&pk, "cert");
        wire__pack_bin(&pk, cert.ptr, cert.len);
        wire__pack_str(&pk, "issuer_cert");
        wire__pack_bin_or_nil(&pk, issuer_cert);
}

int
wire_sertifikat_decode(struct slice body, struct slice *cert,
                       struct slice *issuer_cert)
{
        const msgpack_object *c, *ic;
        msgpack_unpacked u;
        int err;

        *cert = *issuer_cert = slice_make(NULL, 0);
        msgpack_unpacked_init(&u);
        err = body_map(body, &u);
        if (!err) {
                c = wire__map_get(&u.data, "cert");
                ic = wire__map_get(&u.data, "issuer_cert");
                if (!c || !ic || !wire__get_bin_slice(c, CERT_MAX, cert) ||
                    (ic->type != MSGPACK_OBJECT_NIL &&
                     !wire__get_bin_slice(ic, CERT_MAX, issuer_cert)))
                        err = ERR_CERT;
        }
        msgpack_unpacked_destroy(&u);
        if (err)
                *cert = *issuer_cert = slice_make(NULL, 0);
        return err;
}

void
wire_pencabutan_encode(const struct pencabutan *p, struct buf *out)
{
        msgpack_packer pk;

        wire__packer_init(&pk, out);
        msgpack_pack_map(&pk, 3);
        wire__pack_str(&pk, "node");
        wire__pack_bin(&pk, p->node, ENTRY_KEY_BYTES);
        wire__pack_str(&pk, "feeds");
        msgpack_pack_array(&pk, p->n_feeds);
        for (size_t i = 0; i < p->n_feeds; i++) {
                assert(i == 0 || memcmp(p->feeds[i - 1].feed, p->feeds[i].feed,
                                        ENTRY_HASH_BYTES) < 0);
                assert(p->feeds[i].last_seq >= 1);
                msgpack_pack_array(&pk, REVOKE_FEED_FIELDS);
                wire__pack_bin(&pk, p->feeds[i].feed, ENTRY_HASH_BYTES);
                msgpack_pack_uint64(&pk, p->feeds[i].last_seq);
                wire__pack_bin(&pk, p->feeds[i].last_id, ENTRY_HASH_BYTES);
        }
        wire__pack_str(&pk, "reason");
        wire__pack_strn(&pk, p->reason.ptr, p->reason.len);
}

/* One [bin32 feed, uint last_seq >= 1, bin32 last_id]. */
static bool
revoke_feed(const msgpack_object *it, struct revoke_feed *rf)
{
        const msgpack_object *f;

        if (it->type != MSGPACK_OBJECT_ARRAY ||
            it->via.array.size != REVOKE_FEED_FIELDS)
                return false;
        f = it->via.array.ptr;
        return wire__get_bin(&f[0], rf->feed, ENTRY_HASH_BYTES) &&
               wire__get_uint(&f[1], UINT64_MAX, &rf->last_seq) &&
               rf->last_seq &&
               wire__get_bin(&f[2], rf->last_id, ENTRY_HASH_BYTES);
}

/* Feeds in strictly ascending id order, into an owned array. */
static bool
revoke_feeds(const msgpack_object *a, struct pencabutan *p)
{
        if (a->type != MSGPACK_OBJECT_ARRAY)
                return false;
        /* wire__unpack bounded the count by the bytes present. */
        p->feeds = xcalloc(a->via.array.size ? a->via.array.size : 1,
                           sizeof(*p->feeds));
        for (uint32_t i = 0; i < a->via.array.size; i++) {
                struct revoke_feed *rf = &p->feeds[i];
                if (!revoke_feed(&a->via.array.ptr[i], rf))
                        return false;
                if (i && memcmp(rf[-1].feed, rf->feed, ENTRY_HASH_BYTES) >= 0)
                        return false;
                p->n_feeds++;
        }
        return true;
}

int
wire_pencabutan_decode(struct slice body, struct pencabutan *p)
{
        const msgpack_object *node, *feeds, *reason;
        msgpack_unpacked u;
        int err;

        memset(p, 0, sizeof(*p));
        msgpack_unpacked_init(&u);
        err = body_map(body, &u);
        if (!err) {
                node = wire__map_get(&u.data, "node");
                feeds = wire__map_get(&u.data, "feeds");
                reason = wire__map_get(&u.data, "reason");
                if (!node || !feeds || !reason ||
                    !wire__get_bin(node, p->node, ENTRY_KEY_BYTES) ||
                    reason->type != MSGPACK_OBJECT_STR ||
                    !revoke_feeds(feeds, p))
                        err = ERR_CERT;
                else
                        p->reason = slice_make(reason->via.str.ptr,
                                               reason->via.str.size);
        }
        msgpack_unpacked_destroy(&u);
        if (err)
                wire_pencabutan_release(p);
        return err;
}

void
wire_pencabutan_release(struct pencabutan *p)
{
        free(p->feeds);
        memset(p, 0, sizeof(*p));
}

static int
feed_cmp(const void *key, const void *item)
{
        return memcmp(key, ((const struct revoke_feed *)item)->feed,
                      ENTRY_HASH_BYTES);
}

const struct revoke_feed *
wire_pencabutan_find(const struct pencabutan *p,
                     const uint8_t feed[ENTRY_HASH_BYTES])
{
        if (!p->n_feeds)
                return NULL;
        return bsearch(feed, p->feeds, p->n_feeds, sizeof(*p->feeds), feed_cmp);
}
