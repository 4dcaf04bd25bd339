/* wire: canonical msgpack encodings of headers, envelopes and feeds. */
#include "wire.h"

#include <assert.h>
#include <msgpack.h>
#include <string.h>

#include "wire_int.h"

/* ---- packing into a struct buf ----------------------------------------- */

static int
pack_write(void *data, const char *p, size_t n)
{
        buf_add(data, p, n);
        return 0;
}

void
wire_packer_init(msgpack_packer *pk, struct buf *out)
{
        msgpack_packer_init(pk, out, pack_write);
}

static void
pack_bin(msgpack_packer *pk, const void *p, size_t n)
{
        msgpack_pack_bin(pk, n);
        msgpack_pack_bin_body(pk, p, n);
}

static void
pack_str(msgpack_packer *pk, const char *s)
{
        size_t n = strlen(s);

        msgpack_pack_str(pk, n);
        msgpack_pack_str_body(pk, s, n);
}

static void
pack_audience(msgpack_packer *pk, const struct audience *a)
{
        if (a->type == AUDIENCE_PATH) {
                msgpack_pack_array(pk, 3);
                msgpack_pack_uint8(pk, AUDIENCE_PATH);
                pack_str(pk, a->origin);
                pack_str(pk, a->target);
        } else {
                msgpack_pack_array(pk, 2);
                msgpack_pack_uint8(pk, AUDIENCE_TREE);
                pack_str(pk, a->target);
        }
}

/* ---- bounding untrusted bytes before msgpack-c sees them ---------------- */

/*
 * msgpack-c allocates a container's element array from the count in its
 * header before it reads the elements. wire_bound() walks the encoding
 * without allocating and refuses any container that claims more elements
 * than there are bytes left (every element takes at least one byte), any
 * nesting deeper than max_depth, and any ext type (simpul uses none).
 * Returns the encoded length of the first object, or 0 if malformed.
 */
static size_t
be_n(const uint8_t *p, size_t n)
{
        size_t v = 0;

        for (size_t i = 0; i < n; i++)
                v = v << 8 | p[i];
        return v;
}

size_t
wire_bound(const uint8_t *p, size_t len, unsigned max_depth)
{
        size_t pending[WIRE_DEPTH_LIMIT + 1]; /* items left per level */
        unsigned depth = 0;
        size_t off = 0;

        if (max_depth > WIRE_DEPTH_LIMIT)
                max_depth = WIRE_DEPTH_LIMIT;
        pending[0] = 1;
        while (pending[depth] > 0 || depth > 0) {
                size_t skip = 0, items = 0, lenbytes = 0;
                uint8_t t;

                if (pending[depth] == 0) {
                        depth--;
                        continue;
                }
                pending[depth]--;
                if (off >= len)
                        return 0;
                t = p[off++];
                if (t <= 0x7f || t >= 0xe0 || t == 0xc0 || t == 0xc2 ||
                    t == 0xc3)
                        skip = 0; /* fixint, nil, bools */
                else if (t >= 0xa0 && t <= 0xbf)
                        skip = t & 0x1f; /* fixstr */
                else if (t >= 0x90 && t <= 0x9f)
                        items = t & 0x0f; /* fixarray */
                else if (t >= 0x80 && t <= 0x8f)
                        items = 2U * (t & 0x0f); /* fixmap */
                else
                        switch (t) {
                        case 0xc4:
                        case 0xd9:
                                lenbytes = 1;
                                break;
                        case 0xc5:
                        case 0xda:
                                lenbytes = 2;
                                break;
                        case 0xc6:
                        case 0xdb:
                                lenbytes = 4;
                                break;
                        case 0xca:
                                skip = 4;
                                break;
                        case 0xcb:
                                skip = 8;
                                break;
                        case 0xcc:
                        case 0xd0:
                                skip = 1;
                                break;
                        case 0xcd:
                        case 0xd1:
                                skip = 2;
                                break;
                        case 0xce:
                        case 0xd2:
                                skip = 4;
                                break;
                        case 0xcf:
                        case 0xd3:
                                skip = 8;
                                break;
                        case 0xdc:
                        case 0xde:
                                lenbytes = 2;
                                break;
                        case 0xdd:
                        case 0xdf:
                                lenbytes = 4;
                                break;
                        default:
                                return 0; /* ext types and 0xc1 */
                        }
                if (lenbytes) {
                        if (len - off < lenbytes)
                                return 0;
                        size_t n = be_n(p + off, lenbytes);
                        off += lenbytes;
                        if (t == 0xdc || t == 0xdd)
                                items = n;
                        else if (t == 0xde || t == 0xdf) {
                                if (n > (len - off) / 2)
                                        return 0;
                                items = 2 * n;
                        } else
                                skip = n;
                }
                if (skip > len - off)
                        return 0;
                off += skip;
                /* An empty container nests as deep as a full one. */
                if ((t >= 0x80 && t <= 0x9f) || (t >= 0xdc && t <= 0xdf)) {
                        if (items > len - off || depth + 1 > max_depth)
                                return 0;
                        if (items)
                                pending[++depth] = items;
                }
        }
        return off;
}

/* Unpacks exactly one bounded object spanning all of `in`. */
int
wire_unpack(struct slice in, unsigned max_depth, msgpack_unpacked *out)
{
        size_t off = 0;

        if (in.len == 0 || wire_bound(in.ptr, in.len, max_depth) != in.len)
                return ERR_MALFORMED;
        if (msgpack_unpack_next(out, (const char *)in.ptr, in.len, &off) !=
                MSGPACK_UNPACK_SUCCESS ||
            off != in.len)
                return ERR_MALFORMED;
        return 0;
}

/* ---- headers ------------------------------------------------------------- */

void
wire_header_encode(const struct entry_header *h, struct buf *out)
{
        msgpack_packer pk;

        assert(h->seq >= 1 && h->has_prev == (h->seq > 1));
        assert(h->channel < CHANNEL_COUNT);
        wire_packer_init(&pk, out);
        msgpack_pack_array(&pk, 11);
        msgpack_pack_uint32(&pk, ENTRY_FORMAT_VERSION);
        pack_bin(&pk, h->author, ENTRY_KEY_BYTES);
        pack_str(&pk, h->author_region);
        pack_audience(&pk, &h->audience);
        msgpack_pack_uint8(&pk, h->channel);
        msgpack_pack_uint64(&pk, h->seq);
        if (h->has_prev)
                pack_bin(&pk, h->prev, ENTRY_HASH_BYTES);
        else
                msgpack_pack_nil(&pk);
        msgpack_pack_uint64(&pk, h->timestamp_ms);
        msgpack_pack_uint32(&pk, h->kind);
        msgpack_pack_uint32(&pk, h->body_len);
        pack_bin(&pk, h->body_hash, ENTRY_HASH_BYTES);
}

static bool
obj_uint(const msgpack_object *o, uint64_t max, uint64_t *out)
{
        if (o->type != MSGPACK_OBJECT_POSITIVE_INTEGER || o->via.u64 > max)
                return false;
        *out = o->via.u64;
        return true;
}

static bool
obj_bin(const msgpack_object *o, uint8_t *out, size_t n)
{
        if (o->type != MSGPACK_OBJECT_BIN || o->via.bin.size != n)
                return false;
        memcpy(out, o->via.bin.ptr, n);
        return true;
}

static int
obj_region(const msgpack_object *o, char out[REGION_BUF])
{
        if (o->type != MSGPACK_OBJECT_STR)
                return ERR_MALFORMED;
        return region_copy(out, o->via.str.ptr, o->via.str.size);
}

static int
obj_audience(const msgpack_object *o, struct audience *a)
{
        const msgpack_object *it;
        uint64_t type;
        int err;

        memset(a, 0, sizeof(*a));
        if (o->type != MSGPACK_OBJECT_ARRAY || o->via.array.size < 2)
                return ERR_MALFORMED;
        it = o->via.array.ptr;
        if (!obj_uint(&it[0], AUDIENCE_PATH, &type))
                return ERR_AUDIENCE_SHAPE;
        a->type = (uint8_t)type;
        if (o->via.array.size != (type == AUDIENCE_PATH ? 3U : 2U))
                return ERR_AUDIENCE_SHAPE;
        if (type == AUDIENCE_PATH) {
                if ((err = obj_region(&it[1], a->origin)))
                        return err;
                it++;
        }
        if ((err = obj_region(&it[1], a->target)))
                return err;
        return audience_check(a);
}

static int
header_fields(const msgpack_object *o, struct entry_header *h)
{
        const msgpack_object *f;
        uint64_t v;
        int err;

        if (o->type != MSGPACK_OBJECT_ARRAY || o->via.array.size < 1)
                return ERR_MALFORMED;
        f = o->via.array.ptr;
        if (!obj_uint(&f[0], UINT32_MAX, &v))
                return ERR_MALFORMED;
        if (v != ENTRY_FORMAT_VERSION)
                return ERR_VERSION;
        if (o->via.array.size != 11)
                return ERR_MALFORMED;
        if (!obj_bin(&f[1], h->author, ENTRY_KEY_BYTES))
                return ERR_MALFORMED;
        if ((err = obj_region(&f[2], h->author_region)))
                return err;
        if ((err = obj_audience(&f[3], &h->audience)))
                return err;
        if (!obj_uint(&f[4], CHANNEL_COUNT - 1, &v))
                return ERR_MALFORMED;
        h->channel = (uint8_t)v;
        if (!obj_uint(&f[5], UINT64_MAX, &h->seq) || h->seq == 0)
                return ERR_MALFORMED;
        h->has_prev = f[6].type != MSGPACK_OBJECT_NIL;
        if (h->has_prev != (h->seq > 1))
                return ERR_MALFORMED;
        if (h->has_prev && !obj_bin(&f[6], h->prev, ENTRY_HASH_BYTES))
                return ERR_MALFORMED;
        if (!obj_uint(&f[7], UINT64_MAX, &h->timestamp_ms))
                return ERR_MALFORMED;
        if (!obj_uint(&f[8], UINT32_MAX, &v))
                return ERR_MALFORMED;
        h->kind = (uint32_t)v;
        if (!obj_uint(&f[9], UINT32_MAX, &v))
                return ERR_MALFORMED;
        if (v > ENTRY_BODY_MAX)
                return ERR_TOO_BIG;
        h->body_len = (uint32_t)v;
        if (!obj_bin(&f[10], h->body_hash, ENTRY_HASH_BYTES))
                return ERR_MALFORMED;
        return 0;
}

int
wire_header_decode(struct slice in, struct entry_header *h)
{
        msgpack_unpacked u;
        struct buf re = BUF_INIT;
        int err;

        memset(h, 0, sizeof(*h));
        if (in.len > ENTRY_HEADER_MAX)
                return ERR_TOO_BIG;
        msgpack_unpacked_init(&u);
        err = wire_unpack(in, 3, &u);
        if (!err)
                err = header_fields(&u.data, h);
        msgpack_unpacked_destroy(&u);
        if (err)
                return err;
        /* Canonical iff re-encoding gives the same bytes. */
        wire_header_encode(h, &re);
        err = re.len == in.len && !memcmp(re.data, in.ptr, in.len)
                  ? 0
                  : ERR_NONCANONICAL;
        buf_release(&re);
        return err;
}

/* ---- envelopes ----------------------------------------------------------- */

static size_t
bin_header_bytes(size_t n)
{
        return n <= 0xff ? 2 : n <= 0xffff ? 3 : 5;
}

void
wire_envelope_encode(const struct envelope *env, struct buf *out)
{
        msgpack_packer pk;

        wire_packer_init(&pk, out);
        msgpack_pack_array(&pk, 3);
        pack_bin(&pk, env->header.ptr, env->header.len);
        pack_bin(&pk, env->sig.ptr, env->sig.len);
        if (env->has_body)
                pack_bin(&pk, env->body.ptr, env->body.len);
        else
                msgpack_pack_nil(&pk);
}

int
wire_envelope_decode(struct slice in, struct envelope *env)
{
        msgpack_unpacked u;
        const msgpack_object *f;
        size_t canonical;
        int err = ERR_MALFORMED;

        memset(env, 0, sizeof(*env));
        if (in.len > ENTRY_MAX)
                return ERR_TOO_BIG;
        msgpack_unpacked_init(&u);
        if (wire_unpack(in, 1, &u))
                goto out;
        if (u.data.type != MSGPACK_OBJECT_ARRAY || u.data.via.array.size != 3)
                goto out;
        f = u.data.via.array.ptr;
        if (f[0].type != MSGPACK_OBJECT_BIN || f[1].type != MSGPACK_OBJECT_BIN)
                goto out;
        if (f[2].type != MSGPACK_OBJECT_BIN && f[2].type != MSGPACK_OBJECT_NIL)
                goto out;
        if (f[1].via.bin.size != ENTRY_SIG_BYTES)
                goto out;
        if (f[0].via.bin.size > ENTRY_HEADER_MAX)
                goto too_big;
        env->header = slice_make(f[0].via.bin.ptr, f[0].via.bin.size);
        env->sig = slice_make(f[1].via.bin.ptr, f[1].via.bin.size);
        env->has_body = f[2].type == MSGPACK_OBJECT_BIN;
        if (env->has_body) {
                if (f[2].via.bin.size > ENTRY_BODY_MAX)
                        goto too_big;
                env->body = slice_make(f[2].via.bin.ptr, f[2].via.bin.size);
        }
        /*
         * Each part is a bin (or nil), so the canonical encoding is the
         * shortest: any longer total means a non-minimal length header.
         */
        canonical =
            1 + bin_header_bytes(env->header.len) + env->header.len +
            bin_header_bytes(env->sig.len) + env->sig.len +
            (env->has_body ? bin_header_bytes(env->body.len) + env->body.len
                           : 1);
        err = canonical == in.len ? 0 : ERR_NONCANONICAL;
        goto out;
too_big:
        err = ERR_TOO_BIG;
out:
        msgpack_unpacked_destroy(&u);
        if (err)
                memset(env, 0, sizeof(*env));
        return err;
}

/* ---- feeds and bundles --------------------------------------------------- */

void
wire_feed_encode(const uint8_t author[ENTRY_KEY_BYTES],
                 const char *author_region, const struct audience *a,
                 uint8_t channel, struct buf *out)
{
        msgpack_packer pk;

        wire_packer_init(&pk, out);
        msgpack_pack_array(&pk, 4);
        pack_bin(&pk, author, ENTRY_KEY_BYTES);
        pack_str(&pk, author_region);
        pack_audience(&pk, a);
        msgpack_pack_uint8(&pk, channel);
}

int
wire_bundle_len(const uint8_t prefix[BUNDLE_LEN_BYTES], uint32_t *len)
{
        *len = be32_get(prefix);
        return *len == 0 || *len > ENTRY_MAX ? ERR_BUNDLE : 0;
}
