/* wire: canonical msgpack encodings of headers, envelopes and feeds. */
#include <assert.h>
#include <string.h>

#include "wire_int.h"

/* ---- headers ------------------------------------------------------------- */

void
wire_header_encode(const struct entry_header *h, struct buf *out)
{
        msgpack_packer pk;

        assert(h->seq >= 1 && h->has_prev == (h->seq > 1));
        assert(h->channel < CHANNEL_COUNT);
        wire__packer_init(&pk, out);
        msgpack_pack_array(&pk, 11);
        msgpack_pack_uint32(&pk, ENTRY_FORMAT_VERSION);
        wire__pack_bin(&pk, h->author, ENTRY_KEY_BYTES);
        wire__pack_str(&pk, h->author_region);
        wire__pack_audience(&pk, &h->audience);
        msgpack_pack_uint8(&pk, h->channel);
        msgpack_pack_uint64(&pk, h->seq);
        if (h->has_prev)
                wire__pack_bin(&pk, h->prev, ENTRY_HASH_BYTES);
        else
                msgpack_pack_nil(&pk);
        msgpack_pack_uint64(&pk, h->timestamp_ms);
        msgpack_pack_uint32(&pk, h->kind);
        msgpack_pack_uint32(&pk, h->body_len);
        wire__pack_bin(&pk, h->body_hash, ENTRY_HASH_BYTES);
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
        if (!wire__get_uint(&f[0], UINT32_MAX, &v))
                return ERR_MALFORMED;
        if (v != ENTRY_FORMAT_VERSION)
                return ERR_VERSION;
        if (o->via.array.size != 11)
                return ERR_MALFORMED;
        if (!wire__get_bin(&f[1], h->author, ENTRY_KEY_BYTES))
                return ERR_MALFORMED;
        if ((err = wire__get_region(&f[2], h->author_region)))
                return err;
        if ((err = wire__get_audience(&f[3], &h->audience)))
                return err;
        if (!wire__get_uint(&f[4], CHANNEL_COUNT - 1, &v))
                return ERR_MALFORMED;
        h->channel = (uint8_t)v;
        if (!wire__get_uint(&f[5], UINT64_MAX, &h->seq) || h->seq == 0)
                return ERR_MALFORMED;
        h->has_prev = f[6].type != MSGPACK_OBJECT_NIL;
        if (h->has_prev != (h->seq > 1))
                return ERR_MALFORMED;
        if (h->has_prev && !wire__get_bin(&f[6], h->prev, ENTRY_HASH_BYTES))
                return ERR_MALFORMED;
        if (!wire__get_uint(&f[7], UINT64_MAX, &h->timestamp_ms))
                return ERR_MALFORMED;
        if (!wire__get_uint(&f[8], UINT32_MAX, &v))
                return ERR_MALFORMED;
        h->kind = (uint32_t)v;
        if (!wire__get_uint(&f[9], UINT32_MAX, &v))
                return ERR_MALFORMED;
        if (v > ENTRY_BODY_MAX)
                return ERR_TOO_BIG;
        h->body_len = (uint32_t)v;
        if (!wire__get_bin(&f[10], h->body_hash, ENTRY_HASH_BYTES))
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
        err = wire__unpack(in, 3, &u);
        if (!err)
                err = header_fields(&u.data, h);
        msgpack_unpacked_destroy(&u);
        if (err)
                return err;
        /* Canonical iff re-encoding gives the same bytes. */
        wire_header_encode(h, &re);
        err = wire__same_bytes(in, &re) ? 0 : ERR_NONCANONICAL;
        buf_release(&re);
        return err;
}

/* ---- envelopes ----------------------------------------------------------- */

void
wire_envelope_encode(const struct envelope *env, struct buf *out)
{
        msgpack_packer pk;

        wire__packer_init(&pk, out);
        msgpack_pack_array(&pk, 3);
        wire__pack_bin(&pk, env->header.ptr, env->header.len);
        wire__pack_bin(&pk, env->sig.ptr, env->sig.len);
        if (env->has_body)
                wire__pack_bin(&pk, env->body.ptr, env->body.len);
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
        if (wire__unpack(in, 1, &u))
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
            1 + wire__bin_head_len(env->header.len) + env->header.len +
            wire__bin_head_len(env->sig.len) + env->sig.len +
            (env->has_body ? wire__bin_head_len(env->body.len) + env->body.len
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

        wire__packer_init(&pk, out);
        msgpack_pack_array(&pk, 4);
        wire__pack_feed_fields(&pk, author, author_region, a, channel);
}

int
wire_bundle_len(const uint8_t prefix[BUNDLE_LEN_BYTES], uint32_t *len)
{
        *len = be32_get(prefix);
        return *len == 0 || *len > ENTRY_MAX ? ERR_BUNDLE : 0;
}
