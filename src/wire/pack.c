/*
 * pack: the msgpack helpers of wire/ (wire_int.h): packing into a struct
 * buf, bounding untrusted bytes before msgpack-c allocates, and the field
 * getters the decoders share.
 */
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
wire__packer_init(msgpack_packer *pk, struct buf *out)
{
        msgpack_packer_init(pk, out, pack_write);
}

void
wire__pack_bin(msgpack_packer *pk, const void *p, size_t n)
{
        msgpack_pack_bin(pk, n);
        if (n) /* an empty slice may have no pointer */
                msgpack_pack_bin_body(pk, p, n);
}

void
wire__pack_bin_or_nil(msgpack_packer *pk, struct slice s)
{
        if (s.ptr)
                wire__pack_bin(pk, s.ptr, s.len);
        else
                msgpack_pack_nil(pk);
}

void
wire__pack_strn(msgpack_packer *pk, const void *p, size_t n)
{
        msgpack_pack_str(pk, n);
        if (n)
                msgpack_pack_str_body(pk, p, n);
}

void
wire__pack_str(msgpack_packer *pk, const char *s)
{
        wire__pack_strn(pk, s, strlen(s));
}

void
wire__pack_bool(msgpack_packer *pk, bool b)
{
        if (b)
                msgpack_pack_true(pk);
        else
                msgpack_pack_false(pk);
}

void
wire__pack_audience(msgpack_packer *pk, const struct audience *a)
{
        if (a->type == AUDIENCE_PATH) {
                msgpack_pack_array(pk, 3);
                msgpack_pack_uint8(pk, AUDIENCE_PATH);
                wire__pack_str(pk, a->origin);
        } else {
                msgpack_pack_array(pk, 2);
                msgpack_pack_uint8(pk, AUDIENCE_TREE);
        }
        wire__pack_str(pk, a->target);
}

void
wire__pack_feed_fields(msgpack_packer *pk,
                       const uint8_t author[ENTRY_KEY_BYTES],
                       const char *author_region, const struct audience *a,
                       uint8_t channel)
{
        wire__pack_bin(pk, author, ENTRY_KEY_BYTES);
        wire__pack_str(pk, author_region);
        wire__pack_audience(pk, a);
        msgpack_pack_uint8(pk, channel);
}

size_t
wire__bin_head_len(size_t n)
{
        return n <= 0xff ? 2 : n <= 0xffff ? 3 : 5;
}

/* ---- bounding untrusted bytes before msgpack-c sees them ---------------- */

/*
 * msgpack-c allocates a container's element array from the count in its
 * header before it reads the elements. wire__bound() walks the encoding
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

static bool
is_str(uint8_t t)
{
        return (t >= 0xa0 && t <= 0xbf) || (t >= 0xd9 && t <= 0xdb);
}

static bool
is_map(uint8_t t)
{
        return (t >= 0x80 && t <= 0x8f) || t == 0xde || t == 0xdf;
}

/* wire__bound; with str_keys, also 0 for a map key that is not a str. */
static size_t
bound(const uint8_t *p, size_t len, unsigned max_depth, bool str_keys)
{
        size_t pending[WIRE_DEPTH_LIMIT + 1]; /* items left per level */
        bool map[WIRE_DEPTH_LIMIT + 1];       /* the level is a map's */
        unsigned depth = 0;
        size_t off = 0;

        if (max_depth > WIRE_DEPTH_LIMIT)
                max_depth = WIRE_DEPTH_LIMIT;
        pending[0] = 1;
        map[0] = false;
        while (pending[depth] > 0 || depth > 0) {
                size_t skip = 0, items = 0, lenbytes = 0;
                bool key;
                uint8_t t;

                if (pending[depth] == 0) {
                        depth--;
                        continue;
                }
                /* A map's items alternate key, value from an even count. */
                key = map[depth] && pending[depth] % 2 == 0;
                pending[depth]--;
                if (off >= len)
                        return 0;
                t = p[off++];
                if (key && str_keys && !is_str(t))
                        return 0;
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
                        if (items) {
                                pending[++depth] = items;
                                map[depth] = is_map(t);
                        }
                }
        }
        return off;
}

size_t
wire__bound(const uint8_t *p, size_t len, unsigned max_depth)
{
        return bound(p, len, max_depth, false);
}

size_t
wire__bound_body(const uint8_t *p, size_t len)
{
        return len && is_map(p[0]) ? bound(p, len, ENTRY_BODY_DEPTH_MAX, true)
                                   : 0;
}

/* Unpacks exactly one bounded object spanning all of `in`. */
int
wire__unpack(struct slice in, unsigned max_depth, msgpack_unpacked *out)
{
        size_t off = 0;

        if (in.len == 0 || wire__bound(in.ptr, in.len, max_depth) != in.len)
                return ERR_MALFORMED;
        if (msgpack_unpack_next(out, (const char *)in.ptr, in.len, &off) !=
                MSGPACK_UNPACK_SUCCESS ||
            off != in.len)
                return ERR_MALFORMED;
        return 0;
}

bool
wire__same_bytes(struct slice in, const struct buf *re)
{
        return re->len == in.len &&
               (!in.len || !memcmp(re->data, in.ptr, in.len));
}

/* ---- field getters --------------------------------------------------------
 */

bool
wire__get_uint(const msgpack_object *o, uint64_t max, uint64_t *out)
{
        if (o->type != MSGPACK_OBJECT_POSITIVE_INTEGER || o->via.u64 > max)
                return false;
        *out = o->via.u64;
        return true;
}

bool
wire__get_bin(const msgpack_object *o, uint8_t *out, size_t n)
{
        if (o->type != MSGPACK_OBJECT_BIN || o->via.bin.size != n)
                return false;
        memcpy(out, o->via.bin.ptr, n);
        return true;
}

bool
wire__get_bin_slice(const msgpack_object *o, size_t max, struct slice *out)
{
        if (o->type != MSGPACK_OBJECT_BIN || o->via.bin.size > max)
                return false;
        *out = slice_make(o->via.bin.ptr, o->via.bin.size);
        return true;
}

int
wire__get_region(const msgpack_object *o, char out[REGION_BUF])
{
        if (o->type != MSGPACK_OBJECT_STR)
                return ERR_MALFORMED;
        return region_copy(out, o->via.str.ptr, o->via.str.size);
}

int
wire__get_audience(const msgpack_object *o, struct audience *a)
{
        const msgpack_object *it;
        uint64_t type;
        int err;

        memset(a, 0, sizeof(*a));
        if (o->type != MSGPACK_OBJECT_ARRAY || o->via.array.size < 2)
                return ERR_MALFORMED;
        it = o->via.array.ptr;
        if (!wire__get_uint(&it[0], AUDIENCE_PATH, &type))
                return ERR_AUDIENCE_SHAPE;
        a->type = (uint8_t)type;
        if (o->via.array.size != (type == AUDIENCE_PATH ? 3U : 2U))
                return ERR_AUDIENCE_SHAPE;
        if (type == AUDIENCE_PATH) {
                if ((err = wire__get_region(&it[1], a->origin)))
                        return err;
                it++;
        }
        if ((err = wire__get_region(&it[1], a->target)))
                return err;
        return audience_check(a);
}

const msgpack_object *
wire__map_get(const msgpack_object *map, const char *key)
{
        size_t klen = strlen(key);

        for (uint32_t i = 0; i < map->via.map.size; i++) {
                const msgpack_object *k = &map->via.map.ptr[i].key;
                if (k->type == MSGPACK_OBJECT_STR && k->via.str.size == klen &&
                    !memcmp(k->via.str.ptr, key, klen))
                        return &map->via.map.ptr[i].val;
        }
        return NULL;
}
