/* body: entry bodies are msgpack maps; checking, building and walking them. */
#include <string.h>

#include "wire_int.h"

static bool
keys_are_strings(const msgpack_object *o)
{
        switch (o->type) {
        case MSGPACK_OBJECT_MAP:
                for (uint32_t i = 0; i < o->via.map.size; i++) {
                        const msgpack_object_kv *kv = &o->via.map.ptr[i];
                        if (kv->key.type != MSGPACK_OBJECT_STR ||
                            !keys_are_strings(&kv->val))
                                return false;
                }
                return true;
        case MSGPACK_OBJECT_ARRAY:
                for (uint32_t i = 0; i < o->via.array.size; i++)
                        if (!keys_are_strings(&o->via.array.ptr[i]))
                                return false;
                return true;
        default:
                return true;
        }
}

static int
body_unpack(struct slice body, msgpack_unpacked *u)
{
        if (body.len > ENTRY_BODY_MAX)
                return ERR_TOO_BIG;
        if (wire__unpack(body, ENTRY_BODY_DEPTH_MAX, u))
                return ERR_BODY;
        if (u->data.type != MSGPACK_OBJECT_MAP || !keys_are_strings(&u->data))
                return ERR_BODY;
        return 0;
}

/* body_unpack's checks without unpacking: no allocation, one pass. */
int
wire_body_check(struct slice body)
{
        if (body.len > ENTRY_BODY_MAX)
                return ERR_TOO_BIG;
        /* 0 is malformed, and no body is empty. */
        return body.len && wire__bound_body(body.ptr, body.len) == body.len
                   ? 0
                   : ERR_BODY;
}

void
wire_body_build(const struct body_field *fields, size_t n, struct buf *out)
{
        msgpack_packer pk;

        wire__packer_init(&pk, out);
        msgpack_pack_map(&pk, n);
        for (size_t i = 0; i < n; i++) {
                wire__pack_str(&pk, fields[i].key);
                if (fields[i].str)
                        wire__pack_str(&pk, fields[i].str);
                else
                        msgpack_pack_int64(&pk, fields[i].num);
        }
}

static int
walk(const msgpack_object *o, wire_visit_fn fn, void *ctx)
{
        struct wire_value v;
        int err;

        memset(&v, 0, sizeof(v));
        switch (o->type) {
        case MSGPACK_OBJECT_NIL:
                v.type = WIRE_NIL;
                return fn(ctx, &v);
        case MSGPACK_OBJECT_BOOLEAN:
                v.type = WIRE_BOOL;
                v.b = o->via.boolean;
                return fn(ctx, &v);
        case MSGPACK_OBJECT_POSITIVE_INTEGER:
                v.type = WIRE_INT;
                v.i = o->via.u64 > INT64_MAX ? INT64_MAX : (int64_t)o->via.u64;
                return fn(ctx, &v);
        case MSGPACK_OBJECT_NEGATIVE_INTEGER:
                v.type = WIRE_INT;
                v.i = o->via.i64;
                return fn(ctx, &v);
        case MSGPACK_OBJECT_FLOAT32:
        case MSGPACK_OBJECT_FLOAT64:
                v.type = WIRE_FLOAT;
                v.f = o->via.f64;
                return fn(ctx, &v);
        case MSGPACK_OBJECT_STR:
                v.type = WIRE_STR;
                v.s = slice_make(o->via.str.ptr, o->via.str.size);
                return fn(ctx, &v);
        case MSGPACK_OBJECT_BIN:
                v.type = WIRE_BIN;
                v.s = slice_make(o->via.bin.ptr, o->via.bin.size);
                return fn(ctx, &v);
        case MSGPACK_OBJECT_ARRAY:
                v.type = WIRE_ARRAY;
                v.n = o->via.array.size;
                if ((err = fn(ctx, &v)))
                        return err;
                for (uint32_t i = 0; i < v.n; i++)
                        if ((err = walk(&o->via.array.ptr[i], fn, ctx)))
                                return err;
                break;
        case MSGPACK_OBJECT_MAP:
                v.type = WIRE_MAP;
                v.n = o->via.map.size;
                if ((err = fn(ctx, &v)))
                        return err;
                for (uint32_t i = 0; i < v.n; i++) {
                        if ((err = walk(&o->via.map.ptr[i].key, fn, ctx)) ||
                            (err = walk(&o->via.map.ptr[i].val, fn, ctx)))
                                return err;
                }
                break;
        default:
                return ERR_BODY;
        }
        memset(&v, 0, sizeof(v));
        v.type = WIRE_END;
        return fn(ctx, &v);
}

int
wire_body_walk(struct slice body, wire_visit_fn fn, void *ctx)
{
        msgpack_unpacked u;
        int err;

        msgpack_unpacked_init(&u);
        err = body_unpack(body, &u);
        if (!err)
                err = walk(&u.data, fn, ctx);
        msgpack_unpacked_destroy(&u);
        return err;
}

int
wire_body_str(struct slice body, const char *key, struct slice *out)
{
        msgpack_unpacked u;
        size_t klen = strlen(key);
        int err;

        msgpack_unpacked_init(&u);
        err = body_unpack(body, &u);
        if (!err) {
                err = ERR_NOT_FOUND;
                for (uint32_t i = 0; i < u.data.via.map.size; i++) {
                        const msgpack_object_kv *kv = &u.data.via.map.ptr[i];
                        if (kv->key.via.str.size != klen ||
                            memcmp(kv->key.via.str.ptr, key, klen) ||
                            kv->val.type != MSGPACK_OBJECT_STR)
                                continue;
                        /* Points into body, not into the zone. */
                        *out = slice_make(kv->val.via.str.ptr,
                                          kv->val.via.str.size);
                        err = 0;
                        break;
                }
        }
        msgpack_unpacked_destroy(&u);
        return err;
}
