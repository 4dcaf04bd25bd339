/*
 * kim_view: canonical msgpack of the view records (proto/KIM.md §6). The
 * decoders fill the struct from the msgpack objects, re-encode it and
 * compare: only the canonical bytes decode.
 */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "wire_int.h"

#define VIEW_DEPTH 4U

static const char *const report_keys[] = {
    "id",      "kind",        "author",      "region",  "audience",
    "handler", "ts",          "state",       "result",  "anonim",
    "rahasia", "verified_ts", "followed_ts", "done_ts", "last_reply_ts",
    "head",    "timeline",
};
static const char *const revision_keys[] = {
    "item", "revisi", "decision", "editor", "editor_region", "ts", "decided_ts",
};
static const char *const mark_names[] = {"valid", "superseded", "invalid"};

const char *
wire_mark_name(enum wire_mark m)
{
        return (unsigned)m < ARRAY_LEN(mark_names) ? mark_names[m] : NULL;
}

/* ---- encoding ------------------------------------------------------------ */

static void
put_opt_str(msgpack_packer *pk, const char *s)
{
        if (s[0])
                wire__pack_str(pk, s);
        else
                msgpack_pack_nil(pk);
}

static void
put_opt_ts(msgpack_packer *pk, bool has, uint64_t ts)
{
        if (has)
                msgpack_pack_uint64(pk, ts);
        else
                msgpack_pack_nil(pk);
}

static void
put_event(msgpack_packer *pk, const struct wire_view_event *e)
{
        assert(wire_mark_name(e->mark));
        msgpack_pack_array(pk, 6);
        wire__pack_bin(pk, e->id, ENTRY_HASH_BYTES);
        msgpack_pack_uint32(pk, e->kind);
        put_opt_str(pk, e->step);
        wire__pack_str(pk, e->author_region);
        msgpack_pack_uint64(pk, e->ts);
        wire__pack_str(pk, wire_mark_name(e->mark));
}

void
wire_report_view_encode(const struct wire_report_view *v, struct buf *out)
{
        msgpack_packer pk;
        size_t k = 0;

        assert(v->state[0] && v->timeline_n <= WIRE_VIEW_TIMELINE_MAX);
        wire__packer_init(&pk, out);
        msgpack_pack_map(&pk, ARRAY_LEN(report_keys));
#define KEY() wire__pack_str(&pk, report_keys[k++])
        KEY(), wire__pack_bin(&pk, v->id, ENTRY_HASH_BYTES);
        KEY(), msgpack_pack_uint32(&pk, v->kind);
        KEY(), wire__pack_bin(&pk, v->author, ENTRY_KEY_BYTES);
        KEY(), wire__pack_str(&pk, v->region);
        KEY(), wire__pack_str(&pk, v->audience);
        KEY(), wire__pack_str(&pk, v->handler);
        KEY(), msgpack_pack_uint64(&pk, v->ts);
        KEY(), wire__pack_str(&pk, v->state);
        KEY(), put_opt_str(&pk, v->result);
        KEY(), wire__pack_bool(&pk, v->anonim);
        KEY(), wire__pack_bool(&pk, v->rahasia);
        KEY(), put_opt_ts(&pk, v->has_verified_ts, v->verified_ts);
        KEY(), put_opt_ts(&pk, v->has_followed_ts, v->followed_ts);
        KEY(), put_opt_ts(&pk, v->has_done_ts, v->done_ts);
        KEY(), put_opt_ts(&pk, v->has_last_reply_ts, v->last_reply_ts);
        KEY(), wire__pack_bin(&pk, v->head, ENTRY_HASH_BYTES);
        KEY(), msgpack_pack_array(&pk, v->timeline_n);
#undef KEY
        for (size_t i = 0; i < v->timeline_n; i++)
                put_event(&pk, &v->timeline[i]);
}

void
wire_revision_view_encode(const struct wire_revision_view *v, struct buf *out)
{
        msgpack_packer pk;
        size_t k = 0;

        wire__packer_init(&pk, out);
        msgpack_pack_map(&pk, ARRAY_LEN(revision_keys));
#define KEY() wire__pack_str(&pk, revision_keys[k++])
        KEY(), wire__pack_bin(&pk, v->item, ENTRY_HASH_BYTES);
        KEY(), wire__pack_bin(&pk, v->revisi, ENTRY_HASH_BYTES);
        KEY(), wire__pack_bin(&pk, v->decision, ENTRY_HASH_BYTES);
        KEY(), wire__pack_bin(&pk, v->editor, ENTRY_KEY_BYTES);
        KEY(), wire__pack_str(&pk, v->editor_region);
        KEY(), msgpack_pack_uint64(&pk, v->ts);
        KEY(), msgpack_pack_uint64(&pk, v->decided_ts);
#undef KEY
}

/* ---- decoding ------------------------------------------------------------ */

static bool
get_u64(const msgpack_object *o, uint64_t *out)
{
        return wire__get_uint(o, UINT64_MAX, out);
}

static bool
get_u32(const msgpack_object *o, uint32_t *out)
{
        uint64_t v;

        if (!wire__get_uint(o, UINT32_MAX, &v))
                return false;
        *out = (uint32_t)v;
        return true;
}

/* A string of 1..cap-1 bytes without NUL into out; nil gives "" when
 * nil_ok. */
static bool
get_str(const msgpack_object *o, char *out, size_t cap, bool nil_ok)
{
        if (nil_ok && o->type == MSGPACK_OBJECT_NIL) {
                out[0] = 0;
                return true;
        }
        if (o->type != MSGPACK_OBJECT_STR || o->via.str.size == 0 ||
            o->via.str.size >= cap ||
            memchr(o->via.str.ptr, 0, o->via.str.size))
                return false;
        memcpy(out, o->via.str.ptr, o->via.str.size);
        out[o->via.str.size] = 0;
        return true;
}

static bool
get_opt_ts(const msgpack_object *o, bool *has, uint64_t *ts)
{
        *has = o->type != MSGPACK_OBJECT_NIL;
        *ts = 0;
        return !*has || get_u64(o, ts);
}

static bool
get_bool(const msgpack_object *o, bool *out)
{
        if (o->type != MSGPACK_OBJECT_BOOLEAN)
                return false;
        *out = o->via.boolean;
        return true;
}

/* The map's values in the order of keys, or NULL if it is not that map. */
static const msgpack_object *
map_values(const msgpack_object *o, const char *const *keys, size_t n,
           const msgpack_object **vals)
{
        if (o->type != MSGPACK_OBJECT_MAP || o->via.map.size != n)
                return NULL;
        for (size_t i = 0; i < n; i++) {
                const msgpack_object *k = &o->via.map.ptr[i].key;
                size_t klen = strlen(keys[i]);
                if (k->type != MSGPACK_OBJECT_STR || k->via.str.size != klen ||
                    memcmp(k->via.str.ptr, keys[i], klen))
                        return NULL;
                vals[i] = &o->via.map.ptr[i].val;
        }
        return o;
}

static bool
get_event(const msgpack_object *o, struct wire_view_event *e)
{
        const msgpack_object *a = o->via.array.ptr;
        char mark[WIRE_VIEW_NAME_BUF];

        if (o->type != MSGPACK_OBJECT_ARRAY || o->via.array.size != 6)
                return false;
        if (!wire__get_bin(&a[0], e->id, ENTRY_HASH_BYTES) ||
            !get_u32(&a[1], &e->kind) ||
            !get_str(&a[2], e->step, sizeof(e->step), true) ||
            !get_str(&a[3], e->author_region, REGION_BUF, false) ||
            !get_u64(&a[4], &e->ts) ||
            !get_str(&a[5], mark, sizeof(mark), false))
                return false;
        for (size_t m = 0; m < ARRAY_LEN(mark_names); m++) {
                if (!strcmp(mark, mark_names[m])) {
                        e->mark = (enum wire_mark)m;
                        return true;
                }
        }
        return false;
}

static bool
report_fields(const msgpack_object **f, struct wire_report_view *v)
{
        const msgpack_object *tl = f[16];

        if (!wire__get_bin(f[0], v->id, ENTRY_HASH_BYTES) ||
            !get_u32(f[1], &v->kind) ||
            !wire__get_bin(f[2], v->author, ENTRY_KEY_BYTES) ||
            !get_str(f[3], v->region, REGION_BUF, false) ||
            !get_str(f[4], v->audience, sizeof(v->audience), false) ||
            !get_str(f[5], v->handler, REGION_BUF, false) ||
            !get_u64(f[6], &v->ts) ||
            !get_str(f[7], v->state, sizeof(v->state), false) ||
            !get_str(f[8], v->result, sizeof(v->result), true) ||
            !get_bool(f[9], &v->anonim) || !get_bool(f[10], &v->rahasia) ||
            !get_opt_ts(f[11], &v->has_verified_ts, &v->verified_ts) ||
            !get_opt_ts(f[12], &v->has_followed_ts, &v->followed_ts) ||
            !get_opt_ts(f[13], &v->has_done_ts, &v->done_ts) ||
            !get_opt_ts(f[14], &v->has_last_reply_ts, &v->last_reply_ts) ||
            !wire__get_bin(f[15], v->head, ENTRY_HASH_BYTES) ||
            tl->type != MSGPACK_OBJECT_ARRAY ||
            tl->via.array.size > WIRE_VIEW_TIMELINE_MAX)
                return false;
        v->timeline_n = tl->via.array.size;
        v->timeline =
            xcalloc(v->timeline_n ? v->timeline_n : 1, sizeof(*v->timeline));
        for (size_t i = 0; i < v->timeline_n; i++)
                if (!get_event(&tl->via.array.ptr[i], &v->timeline[i]))
                        return false;
        return true;
}

int
wire_report_view_decode(struct slice in, struct wire_report_view *v)
{
        const msgpack_object *f[ARRAY_LEN(report_keys)];
        msgpack_unpacked u;
        struct buf re = BUF_INIT;
        int err = ERR_MALFORMED;

        memset(v, 0, sizeof(*v));
        msgpack_unpacked_init(&u);
        if (wire__unpack(in, VIEW_DEPTH, &u) ||
            !map_values(&u.data, report_keys, ARRAY_LEN(report_keys), f) ||
            !report_fields(f, v))
                goto out;
        wire_report_view_encode(v, &re);
        if (wire__same_bytes(in, &re))
                err = 0;
out:
        msgpack_unpacked_destroy(&u);
        buf_release(&re);
        if (err)
                wire_report_view_release(v);
        return err;
}

void
wire_report_view_release(struct wire_report_view *v)
{
        free(v->timeline);
        v->timeline = NULL;
        v->timeline_n = 0;
}

int
wire_revision_view_decode(struct slice in, struct wire_revision_view *v)
{
        const msgpack_object *f[ARRAY_LEN(revision_keys)];
        msgpack_unpacked u;
        struct buf re = BUF_INIT;
        int err = ERR_MALFORMED;

        memset(v, 0, sizeof(*v));
        msgpack_unpacked_init(&u);
        if (wire__unpack(in, VIEW_DEPTH, &u) ||
            !map_values(&u.data, revision_keys, ARRAY_LEN(revision_keys), f) ||
            !wire__get_bin(f[0], v->item, ENTRY_HASH_BYTES) ||
            !wire__get_bin(f[1], v->revisi, ENTRY_HASH_BYTES) ||
            !wire__get_bin(f[2], v->decision, ENTRY_HASH_BYTES) ||
            !wire__get_bin(f[3], v->editor, ENTRY_KEY_BYTES) ||
            !get_str(f[4], v->editor_region, REGION_BUF, false) ||
            !get_u64(f[5], &v->ts) || !get_u64(f[6], &v->decided_ts))
                goto out;
        wire_revision_view_encode(v, &re);
        if (wire__same_bytes(in, &re))
                err = 0;
out:
        msgpack_unpacked_destroy(&u);
        buf_release(&re);
        if (err)
                memset(v, 0, sizeof(*v));
        return err;
}
