/* sync: the msgpack messages of a sync link (proto/SYNC.md §2). */
#include <assert.h>
#include <string.h>

#include "wire_int.h"

#define SYNC_DEPTH 3U

/* ---- encoding ------------------------------------------------------------ */

static void
pack_delta(msgpack_packer *pk, const struct sync_vec_item *delta, size_t n)
{
        msgpack_pack_array(pk, n);
        for (size_t i = 0; i < n; i++) {
                msgpack_pack_array(pk, 3);
                wire__pack_bin(pk, delta[i].feed, ENTRY_HASH_BYTES);
                msgpack_pack_uint64(pk, delta[i].seq);
                wire__pack_bin(pk, delta[i].head, ENTRY_HASH_BYTES);
        }
}

void
wire_sync_hello(struct buf *out, const uint8_t *instance, uint64_t version,
                uint64_t base, const uint8_t *digest,
                const struct sync_vec_item *delta, size_t n)
{
        msgpack_packer pk;

        wire__packer_init(&pk, out);
        msgpack_pack_array(&pk, 6);
        msgpack_pack_uint8(&pk, SYNC_HELLO);
        wire__pack_bin(&pk, instance, SYNC_INSTANCE_BYTES);
        msgpack_pack_uint64(&pk, version);
        msgpack_pack_uint64(&pk, base);
        wire__pack_bin(&pk, digest, SYNC_DIGEST_BYTES);
        pack_delta(&pk, delta, n);
}

void
wire_sync_hello_part(struct buf *out, const struct sync_vec_item *delta,
                     size_t n)
{
        msgpack_packer pk;

        wire__packer_init(&pk, out);
        msgpack_pack_array(&pk, 2);
        msgpack_pack_uint8(&pk, SYNC_HELLO_PART);
        pack_delta(&pk, delta, n);
}

void
wire_sync_simple(struct buf *out, enum sync_type type)
{
        msgpack_packer pk;

        wire__packer_init(&pk, out);
        msgpack_pack_array(&pk, 1);
        msgpack_pack_uint8(&pk, (uint8_t)type);
}

void
wire_sync_uint(struct buf *out, enum sync_type type, uint64_t v)
{
        msgpack_packer pk;

        wire__packer_init(&pk, out);
        msgpack_pack_array(&pk, 2);
        msgpack_pack_uint8(&pk, (uint8_t)type);
        msgpack_pack_uint64(&pk, v);
}

void
wire_sync_cert(struct buf *out, struct slice cert, struct slice issuer_cert)
{
        msgpack_packer pk;

        wire__packer_init(&pk, out);
        msgpack_pack_array(&pk, 3);
        msgpack_pack_uint8(&pk, SYNC_CERT);
        wire__pack_bin(&pk, cert.ptr, cert.len);
        wire__pack_bin_or_nil(&pk, issuer_cert);
}

void
wire_sync_feed(struct buf *out, uint32_t index,
               const uint8_t author[ENTRY_KEY_BYTES], const char *author_region,
               const struct audience *a, uint8_t channel)
{
        msgpack_packer pk;

        wire__packer_init(&pk, out);
        msgpack_pack_array(&pk, 6);
        msgpack_pack_uint8(&pk, SYNC_FEED);
        msgpack_pack_uint32(&pk, index);
        wire__pack_feed_fields(&pk, author, author_region, a, channel);
}

void
wire_sync_entries(struct buf *out, uint32_t index, uint64_t start_seq,
                  uint64_t ts0, const uint8_t *prev, size_t n)
{
        msgpack_packer pk;

        wire__packer_init(&pk, out);
        msgpack_pack_array(&pk, prev ? 6 : 5);
        msgpack_pack_uint8(&pk, SYNC_ENTRIES);
        msgpack_pack_uint32(&pk, index);
        msgpack_pack_uint64(&pk, start_seq);
        msgpack_pack_uint64(&pk, ts0);
        if (prev)
                wire__pack_bin(&pk, prev, ENTRY_HASH_BYTES);
        msgpack_pack_array(&pk, n);
}

void
wire_sync_compact(struct buf *out, const struct sync_compact *c)
{
        msgpack_packer pk;

        wire__packer_init(&pk, out);
        msgpack_pack_array(&pk, c->has_body ? 4 : 6);
        msgpack_pack_int64(&pk, c->ts_delta);
        msgpack_pack_uint32(&pk, c->kind);
        if (c->has_body)
                wire__pack_bin(&pk, c->body.ptr, c->body.len);
        else
                msgpack_pack_nil(&pk);
        wire__pack_bin(&pk, c->sig.ptr, c->sig.len);
        if (!c->has_body) {
                msgpack_pack_uint32(&pk, c->body_len);
                wire__pack_bin(&pk, c->body_hash, ENTRY_HASH_BYTES);
        }
}

void
wire_sync_head(struct buf *out, uint32_t index, uint64_t seq, uint32_t flags)
{
        msgpack_packer pk;

        wire__packer_init(&pk, out);
        msgpack_pack_array(&pk, 4);
        msgpack_pack_uint8(&pk, SYNC_HEAD);
        msgpack_pack_uint32(&pk, index);
        msgpack_pack_uint64(&pk, seq);
        msgpack_pack_uint32(&pk, flags);
}

void
wire_sync_error(struct buf *out, const char *id)
{
        msgpack_packer pk;

        wire__packer_init(&pk, out);
        msgpack_pack_array(&pk, 2);
        msgpack_pack_uint8(&pk, SYNC_ERROR);
        wire__pack_str(&pk, id);
}

void
wire_sync_fork_proof(struct buf *out, struct slice a, struct slice b)
{
        msgpack_packer pk;

        wire__packer_init(&pk, out);
        msgpack_pack_array(&pk, 3);
        msgpack_pack_uint8(&pk, SYNC_FORK_PROOF);
        wire__pack_bin(&pk, a.ptr, a.len);
        wire__pack_bin(&pk, b.ptr, b.len);
}

void
wire_sync_body_want(struct buf *out, const struct sync_vec_item *w, size_t n)
{
        msgpack_packer pk;

        assert(n >= 1 && n <= SYNC_BODY_WANT_MAX);
        wire__packer_init(&pk, out);
        msgpack_pack_array(&pk, 2);
        msgpack_pack_uint8(&pk, SYNC_BODY_WANT);
        msgpack_pack_array(&pk, n);
        for (size_t i = 0; i < n; i++) {
                msgpack_pack_array(&pk, 2);
                wire__pack_bin(&pk, w[i].feed, ENTRY_HASH_BYTES);
                msgpack_pack_uint64(&pk, w[i].seq);
        }
}

void
wire_sync_held(struct buf *out, const char *region,
               const struct sync_vec_item *h, size_t n)
{
        msgpack_packer pk;

        assert(n >= 1 && n <= SYNC_BODY_WANT_MAX);
        wire__packer_init(&pk, out);
        msgpack_pack_array(&pk, 3);
        msgpack_pack_uint8(&pk, SYNC_HELD);
        wire__pack_str(&pk, region);
        msgpack_pack_array(&pk, n);
        for (size_t i = 0; i < n; i++) {
                msgpack_pack_array(&pk, 2);
                wire__pack_bin(&pk, h[i].feed, ENTRY_HASH_BYTES);
                msgpack_pack_uint64(&pk, h[i].seq);
        }
}

void
wire_sync_body(struct buf *out, const uint8_t feed[ENTRY_HASH_BYTES],
               uint64_t seq, bool has_body, struct slice body)
{
        msgpack_packer pk;

        wire__packer_init(&pk, out);
        msgpack_pack_array(&pk, 4);
        msgpack_pack_uint8(&pk, SYNC_BODY);
        wire__pack_bin(&pk, feed, ENTRY_HASH_BYTES);
        msgpack_pack_uint64(&pk, seq);
        if (has_body)
                wire__pack_bin(&pk, body.ptr, body.len);
        else
                msgpack_pack_nil(&pk);
}

/* ---- blobs (BLOBS.md §4) ------------------------------------------------ */

static void
blob_head(msgpack_packer *pk, struct buf *out, enum sync_type type,
          uint32_t fields, const uint8_t *root)
{
        wire__packer_init(pk, out);
        msgpack_pack_array(pk, fields + 1);
        msgpack_pack_uint8(pk, (uint8_t)type);
        wire__pack_bin(pk, root, ENTRY_HASH_BYTES);
}

void
wire_sync_blob_want(struct buf *out, const uint8_t *root, uint32_t first,
                    uint32_t count)
{
        msgpack_packer pk;

        blob_head(&pk, out, SYNC_BLOB_WANT, 3, root);
        msgpack_pack_uint32(&pk, first);
        msgpack_pack_uint32(&pk, count);
}

void
wire_sync_blob_list(struct buf *out, const uint8_t *root, uint64_t size,
                    struct slice hashes)
{
        msgpack_packer pk;

        blob_head(&pk, out, SYNC_BLOB_LIST, 3, root);
        msgpack_pack_uint64(&pk, size);
        wire__pack_bin(&pk, hashes.ptr, hashes.len);
}

void
wire_sync_blob_chunk(struct buf *out, const uint8_t *root, uint32_t index,
                     struct slice data)
{
        msgpack_packer pk;

        blob_head(&pk, out, SYNC_BLOB_CHUNK, 3, root);
        msgpack_pack_uint32(&pk, index);
        wire__pack_bin(&pk, data.ptr, data.len);
}

void
wire_sync_blob_none(struct buf *out, const uint8_t *root, const char *id)
{
        msgpack_packer pk;

        blob_head(&pk, out, SYNC_BLOB_NONE, 2, root);
        wire__pack_str(&pk, id);
}

void
wire_sync_blob_have(struct buf *out, const uint8_t *root)
{
        msgpack_packer pk;

        blob_head(&pk, out, SYNC_BLOB_HAVE, 1, root);
}

void
wire_sync_hs_payload(struct buf *out, const uint8_t *cert_hash, bool with_hello,
                     struct slice hello)
{
        msgpack_packer pk;

        wire__packer_init(&pk, out);
        wire__pack_bin(&pk, cert_hash, SYNC_CERT_HASH_BYTES);
        if (with_hello)
                buf_add(out, hello.ptr, hello.len);
}

/* ---- decoding ------------------------------------------------------------ */

static int
dec_delta(struct sync_decoder *d, const msgpack_object *arr, struct sync_msg *m)
{
        if (arr->type != MSGPACK_OBJECT_ARRAY ||
            arr->via.array.size > SYNC_DELTA_MAX)
                return ERR_PROTOCOL;
        m->delta_n = arr->via.array.size;
        if (m->delta_n > d->delta_cap) {
                d->delta_cap = m->delta_n;
                d->delta = xrealloc(d->delta, d->delta_cap * sizeof(*d->delta));
        }
        m->delta = d->delta;
        for (size_t i = 0; i < m->delta_n; i++) {
                const msgpack_object *it = &arr->via.array.ptr[i];
                if (it->type != MSGPACK_OBJECT_ARRAY ||
                    it->via.array.size != 3 ||
                    !wire__get_bin(&it->via.array.ptr[0], m->delta[i].feed,
                                   ENTRY_HASH_BYTES) ||
                    !wire__get_uint(&it->via.array.ptr[1], UINT64_MAX,
                                    &m->delta[i].seq) ||
                    !wire__get_bin(&it->via.array.ptr[2], m->delta[i].head,
                                   ENTRY_HASH_BYTES))
                        return ERR_PROTOCOL;
        }
        return 0;
}

static int
dec_hello(struct sync_decoder *d, const msgpack_object *f, uint32_t n,
          struct sync_msg *m)
{
        if (n != 6 || !wire__get_bin(&f[1], m->instance, SYNC_INSTANCE_BYTES) ||
            !wire__get_uint(&f[2], UINT64_MAX, &m->version) ||
            !wire__get_uint(&f[3], UINT64_MAX, &m->base) ||
            !wire__get_bin(&f[4], m->digest, SYNC_DIGEST_BYTES))
                return ERR_PROTOCOL;
        return dec_delta(d, &f[5], m);
}

/* HELLO_PART: 1 to SYNC_DELTA_MAX elements. */
static int
dec_hello_part(struct sync_decoder *d, const msgpack_object *f, uint32_t n,
               struct sync_msg *m)
{
        if (n != 2 || f[1].type != MSGPACK_OBJECT_ARRAY ||
            f[1].via.array.size == 0)
                return ERR_PROTOCOL;
        return dec_delta(d, &f[1], m);
}

static int
dec_feed(const msgpack_object *f, uint32_t n, struct sync_msg *m)
{
        uint64_t v, ch;

        if (n != 6 || !wire__get_uint(&f[1], SYNC_FEED_INDEX_MAX, &v) ||
            !wire__get_bin(&f[2], m->author, ENTRY_KEY_BYTES) ||
            wire__get_region(&f[3], m->author_region) ||
            wire__get_audience(&f[4], &m->audience) ||
            !wire__get_uint(&f[5], CHANNEL_COUNT - 1, &ch))
                return ERR_PROTOCOL;
        m->index = (uint32_t)v;
        m->channel = (uint8_t)ch;
        return 0;
}

static int
dec_compact(const msgpack_object *o, struct sync_compact *c)
{
        const msgpack_object *f;
        uint32_t n = o->type == MSGPACK_OBJECT_ARRAY ? o->via.array.size : 0;
        uint64_t v;

        memset(c, 0, sizeof(*c));
        if (n != 4 && n != 6)
                return ERR_PROTOCOL;
        f = o->via.array.ptr;
        if (f[0].type == MSGPACK_OBJECT_POSITIVE_INTEGER &&
            f[0].via.u64 <= INT64_MAX)
                c->ts_delta = (int64_t)f[0].via.u64;
        else if (f[0].type == MSGPACK_OBJECT_NEGATIVE_INTEGER)
                c->ts_delta = f[0].via.i64;
        else
                return ERR_PROTOCOL;
        if (!wire__get_uint(&f[1], UINT32_MAX, &v) ||
            !wire__get_bin_slice(&f[3], ENTRY_SIG_BYTES, &c->sig) ||
            c->sig.len != ENTRY_SIG_BYTES)
                return ERR_PROTOCOL;
        c->kind = (uint32_t)v;
        c->has_body = f[2].type != MSGPACK_OBJECT_NIL;
        if (c->has_body != (n == 4))
                return ERR_PROTOCOL;
        if (c->has_body)
                return wire__get_bin_slice(&f[2], ENTRY_BODY_MAX, &c->body)
                           ? 0
                           : ERR_PROTOCOL;
        if (!wire__get_uint(&f[4], ENTRY_BODY_MAX, &v) ||
            !wire__get_bin(&f[5], c->body_hash, ENTRY_HASH_BYTES))
                return ERR_PROTOCOL;
        c->body_len = (uint32_t)v;
        return 0;
}

static int
dec_entries(struct sync_decoder *d, const msgpack_object *f, uint32_t n,
            struct sync_msg *m)
{
        const msgpack_object *arr;
        uint64_t v;

        if (n != 5 && n != 6)
                return ERR_PROTOCOL;
        arr = &f[n - 1];
        m->has_prev = n == 6;
        if (m->has_prev && !wire__get_bin(&f[4], m->prev, ENTRY_HASH_BYTES))
                return ERR_PROTOCOL;
        if (!wire__get_uint(&f[1], SYNC_FEED_INDEX_MAX, &v) ||
            !wire__get_uint(&f[2], UINT64_MAX, &m->seq) || m->seq == 0 ||
            !wire__get_uint(&f[3], UINT64_MAX, &m->ts0) ||
            arr->type != MSGPACK_OBJECT_ARRAY ||
            arr->via.array.size > SYNC_ENTRIES_MAX)
                return ERR_PROTOCOL;
        m->index = (uint32_t)v;
        m->entries_n = arr->via.array.size;
        if (m->entries_n > d->entries_cap) {
                d->entries_cap = m->entries_n;
                d->entries =
                    xrealloc(d->entries, d->entries_cap * sizeof(*d->entries));
        }
        m->entries = d->entries;
        for (size_t i = 0; i < m->entries_n; i++)
                if (dec_compact(&arr->via.array.ptr[i], &m->entries[i]))
                        return ERR_PROTOCOL;
        return 0;
}

static bool
error_id_ok(const char *s, size_t n)
{
        for (size_t i = 0; i < n; i++)
                if (!((s[i] >= 'A' && s[i] <= 'Z') ||
                      (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
                        return false;
        return true;
}

/* FORK_PROOF: two whole envelopes, each at most ENTRY_MAX bytes. */
static int
dec_fork_proof(const msgpack_object *f, uint32_t n, struct sync_msg *m)
{
        if (n != 3 || !wire__get_bin_slice(&f[1], ENTRY_MAX, &m->fork_a) ||
            !wire__get_bin_slice(&f[2], ENTRY_MAX, &m->fork_b) ||
            m->fork_a.len == 0 || m->fork_b.len == 0)
                return ERR_PROTOCOL;
        return 0;
}

/* 1..SYNC_BODY_WANT_MAX pairs [bin32 feed, uint seq >= 1] into wants. */
static int
dec_pairs(struct sync_decoder *d, const msgpack_object *arr, struct sync_msg *m)
{
        if (arr->type != MSGPACK_OBJECT_ARRAY || arr->via.array.size == 0 ||
            arr->via.array.size > SYNC_BODY_WANT_MAX)
                return ERR_PROTOCOL;
        m->wants_n = arr->via.array.size;
        m->wants = d->wants;
        for (size_t i = 0; i < m->wants_n; i++) {
                const msgpack_object *it = &arr->via.array.ptr[i];
                if (it->type != MSGPACK_OBJECT_ARRAY ||
                    it->via.array.size != 2 ||
                    !wire__get_bin(&it->via.array.ptr[0], d->wants[i].feed,
                                   ENTRY_HASH_BYTES) ||
                    !wire__get_uint(&it->via.array.ptr[1], UINT64_MAX,
                                    &d->wants[i].seq) ||
                    d->wants[i].seq == 0)
                        return ERR_PROTOCOL;
        }
        return 0;
}

/* BODY_WANT: the pairs wanted. */
static int
dec_body_want(struct sync_decoder *d, const msgpack_object *f, uint32_t n,
              struct sync_msg *m)
{
        return n == 2 ? dec_pairs(d, &f[1], m) : ERR_PROTOCOL;
}

/* HELD: str region, the pairs held there. */
static int
dec_held(struct sync_decoder *d, const msgpack_object *f, uint32_t n,
         struct sync_msg *m)
{
        if (n != 3 || wire__get_region(&f[1], m->author_region))
                return ERR_PROTOCOL;
        return dec_pairs(d, &f[2], m);
}

/* BODY: bin32 feed, uint seq >= 1, bin body (<= ENTRY_BODY_MAX) or nil. */
static int
dec_body(const msgpack_object *f, uint32_t n, struct sync_msg *m)
{
        if (n != 4 || !wire__get_bin(&f[1], m->feed, ENTRY_HASH_BYTES) ||
            !wire__get_uint(&f[2], UINT64_MAX, &m->seq) || m->seq == 0)
                return ERR_PROTOCOL;
        m->has_body = f[3].type != MSGPACK_OBJECT_NIL;
        if (m->has_body &&
            !wire__get_bin_slice(&f[3], ENTRY_BODY_MAX, &m->body))
                return ERR_PROTOCOL;
        return 0;
}

#define BLOB_CHUNK_MAX 16384U  /* BLOBS.md §1 */
#define BLOB_INDEX_MAX 1023U   /* 1,024 chunks at most */
#define BLOB_HASHES_MAX 32768U /* 32 bytes a chunk */

/* BLOB_*: bin32 root, then the fields of each type (BLOBS.md §4). */
static int
dec_blob(const msgpack_object *f, uint32_t n, struct sync_msg *m)
{
        static const uint32_t fields[] = {4, 4, 4, 3, 2}; /* WANT..HAVE */
        uint64_t a, b;

        if (n != fields[m->type - SYNC_BLOB_WANT] ||
            !wire__get_bin(&f[1], m->root, ENTRY_HASH_BYTES))
                return ERR_PROTOCOL;
        switch (m->type) {
        case SYNC_BLOB_WANT:
                if (!wire__get_uint(&f[2], BLOB_INDEX_MAX, &a) ||
                    !wire__get_uint(&f[3], SYNC_BLOB_RUN_MAX, &b) ||
                    a + b > BLOB_INDEX_MAX + 1)
                        return ERR_PROTOCOL;
                m->blob_first = (uint32_t)a;
                m->blob_count = (uint32_t)b;
                return 0;
        case SYNC_BLOB_LIST:
                if (!wire__get_uint(&f[2], UINT64_MAX, &m->blob_size) ||
                    !wire__get_bin_slice(&f[3], BLOB_HASHES_MAX,
                                         &m->blob_data) ||
                    m->blob_data.len == 0 || m->blob_data.len % 32)
                        return ERR_PROTOCOL;
                return 0;
        case SYNC_BLOB_CHUNK:
                if (!wire__get_uint(&f[2], BLOB_INDEX_MAX, &a) ||
                    !wire__get_bin_slice(&f[3], BLOB_CHUNK_MAX,
                                         &m->blob_data) ||
                    m->blob_data.len == 0)
                        return ERR_PROTOCOL;
                m->blob_first = (uint32_t)a;
                return 0;
        case SYNC_BLOB_NONE:
                if (f[2].type != MSGPACK_OBJECT_STR || f[2].via.str.size == 0 ||
                    f[2].via.str.size >= sizeof(m->error_id) ||
                    !error_id_ok(f[2].via.str.ptr, f[2].via.str.size))
                        return ERR_PROTOCOL;
                memcpy(m->error_id, f[2].via.str.ptr, f[2].via.str.size);
                m->error_id[f[2].via.str.size] = 0;
                return 0;
        default: /* SYNC_BLOB_HAVE */
                return 0;
        }
}

static int
dec_small(const msgpack_object *f, uint32_t n, struct sync_msg *m)
{
        uint64_t v;

        switch (m->type) {
        case SYNC_NEED_FULL:
        case SYNC_HELLO_PART_OK:
        case SYNC_CERT_REQUEST:
        case SYNC_SYNCED:
        case SYNC_PING:
        case SYNC_PONG:
        case SYNC_TIME_REQUEST:
                return n == 1 ? 0 : ERR_PROTOCOL;
        case SYNC_TIME:
                return n == 2 && wire__get_uint(&f[1], UINT64_MAX, &m->time_ms)
                           ? 0
                           : ERR_PROTOCOL;
        case SYNC_HELLO_OK:
                return n == 2 && wire__get_uint(&f[1], UINT64_MAX, &m->version)
                           ? 0
                           : ERR_PROTOCOL;
        case SYNC_ACK:
                return n == 2 && wire__get_uint(&f[1], UINT64_MAX, &m->frames)
                           ? 0
                           : ERR_PROTOCOL;
        case SYNC_HEAD:
                if (n != 4 || !wire__get_uint(&f[1], SYNC_FEED_INDEX_MAX, &v) ||
                    !wire__get_uint(&f[2], UINT64_MAX, &m->seq))
                        return ERR_PROTOCOL;
                m->index = (uint32_t)v;
                if (!wire__get_uint(&f[3], UINT32_MAX, &v))
                        return ERR_PROTOCOL;
                m->flags = (uint32_t)v;
                return 0;
        case SYNC_CERT:
                if (n != 3 || !wire__get_bin_slice(&f[1], ENTRY_MAX, &m->cert))
                        return ERR_PROTOCOL;
                if (f[2].type == MSGPACK_OBJECT_NIL)
                        return 0;
                return wire__get_bin_slice(&f[2], ENTRY_MAX, &m->issuer_cert)
                           ? 0
                           : ERR_PROTOCOL;
        case SYNC_ERROR:
                /* A stable id: it goes into our log, so nothing else. */
                if (n != 2 || f[1].type != MSGPACK_OBJECT_STR ||
                    f[1].via.str.size == 0 ||
                    f[1].via.str.size >= sizeof(m->error_id) ||
                    !error_id_ok(f[1].via.str.ptr, f[1].via.str.size))
                        return ERR_PROTOCOL;
                if (f[1].via.str.size) /* an empty str has no pointer */
                        memcpy(m->error_id, f[1].via.str.ptr,
                               f[1].via.str.size);
                m->error_id[f[1].via.str.size] = 0;
                return 0;
        default:
                return ERR_PROTOCOL;
        }
}

static int
dec_message(struct sync_decoder *d, const msgpack_object *o, struct sync_msg *m)
{
        const msgpack_object *f;
        uint32_t n;
        uint64_t type;

        if (o->type != MSGPACK_OBJECT_ARRAY || o->via.array.size < 1)
                return ERR_PROTOCOL;
        f = o->via.array.ptr;
        n = o->via.array.size;
        if (!wire__get_uint(&f[0], SYNC_TYPE_LAST, &type) || type == 0)
                return ERR_PROTOCOL;
        m->type = (enum sync_type)type;
        switch (m->type) {
        case SYNC_HELLO:
                return dec_hello(d, f, n, m);
        case SYNC_HELLO_PART:
                return dec_hello_part(d, f, n, m);
        case SYNC_FEED:
                return dec_feed(f, n, m);
        case SYNC_ENTRIES:
                return dec_entries(d, f, n, m);
        case SYNC_FORK_PROOF:
                return dec_fork_proof(f, n, m);
        case SYNC_BODY_WANT:
                return dec_body_want(d, f, n, m);
        case SYNC_BODY:
                return dec_body(f, n, m);
        case SYNC_BLOB_WANT:
        case SYNC_BLOB_LIST:
        case SYNC_BLOB_CHUNK:
        case SYNC_BLOB_NONE:
        case SYNC_BLOB_HAVE:
                return dec_blob(f, n, m);
        case SYNC_HELD:
                return dec_held(d, f, n, m);
        default:
                return dec_small(f, n, m);
        }
}

void
sync_decoder_init(struct sync_decoder *d)
{
        memset(d, 0, sizeof(*d));
}

void
sync_decoder_release(struct sync_decoder *d)
{
        free(d->delta);
        free(d->entries);
        sync_decoder_init(d);
}

void
sync_decoder_frame(struct sync_decoder *d, struct slice frame)
{
        d->frame = frame;
        d->off = 0;
}

int
sync_decoder_next(struct sync_decoder *d, struct sync_msg *m)
{
        msgpack_unpacked u;
        size_t len;
        int err;

        if (d->off >= d->frame.len)
                return 0;
        len = wire__bound(d->frame.ptr + d->off, d->frame.len - d->off,
                          SYNC_DEPTH);
        if (len == 0) {
                d->off = d->frame.len;
                return ERR_PROTOCOL;
        }
        memset(m, 0, sizeof(*m));
        msgpack_unpacked_init(&u);
        err = wire__unpack(slice_make(d->frame.ptr + d->off, len), SYNC_DEPTH,
                           &u);
        if (!err)
                err = dec_message(d, &u.data, m);
        msgpack_unpacked_destroy(&u);
        d->off = err ? d->frame.len : d->off + len;
        return err ? ERR_PROTOCOL : 1;
}

enum sync_type
sync_frame_type(struct slice frame)
{
        const uint8_t *p = frame.ptr, *end = frame.ptr + frame.len;
        uint64_t type = 0;
        size_t w;

        /* The array header (fixarray, array 16, array 32), not empty. */
        if (p == end)
                return 0;
        if (*p >= 0x91 && *p <= 0x9f)
                p += 1;
        else if (*p == 0xdc || *p == 0xdd)
                p += *p == 0xdc ? 3 : 5;
        else
                return 0;
        if (p >= end)
                return 0;
        /* The type: a positive fixint or a uint of any width. */
        if (*p <= 0x7f) {
                type = *p;
        } else if (*p >= 0xcc && *p <= 0xcf) {
                w = (size_t)1 << (*p - 0xcc);
                if ((size_t)(end - p) < 1 + w)
                        return 0;
                for (size_t i = 1; i <= w; i++)
                        type = type << 8 | p[i];
        }
        return type <= SYNC_TYPE_LAST ? (enum sync_type)type : 0;
}

int
wire_sync_hs_payload_decode(struct slice in, uint8_t *cert_hash,
                            struct slice *hello)
{
        const size_t head = 2 + SYNC_CERT_HASH_BYTES;

        /* bin8 of exactly 8 bytes, then the messages (maybe none). */
        if (in.len < head || in.ptr[0] != 0xc4 ||
            in.ptr[1] != SYNC_CERT_HASH_BYTES)
                return ERR_PROTOCOL;
        memcpy(cert_hash, in.ptr + 2, SYNC_CERT_HASH_BYTES);
        *hello = slice_make(in.ptr + head, in.len - head);
        return 0;
}
