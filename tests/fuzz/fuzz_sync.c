/*
 * fuzz_sync: libFuzzer target for what a sync peer sends before and after
 * the handshake. The input is tried as:
 *   - a frame's plaintext, through sync_decoder_next until it ends or
 *     refuses;
 *   - a handshake payload tail, through wire_sync_hs_payload_decode, its
 *     messages then through the decoder like a frame;
 *   - raw bytes from a socket, through secure_reader_next_hs, fed whole and
 *     fed in two chunks split where the first byte says.
 * Besides "no crash, no sanitizer report" it checks what must hold for any
 * input (abort() otherwise, so libFuzzer keeps the input):
 *   - every slice a decoder returns lies inside the input; counts respect
 *     SYNC_DELTA_MAX, SYNC_ENTRIES_MAX, SYNC_BODY_WANT_MAX (BODY_WANT,
 *     HELD) and the bytes
 *     present; a FEED's audience is well-formed;
 *   - a decoded message, encoded again with the wire_sync_* encoders,
 *     decodes to the same message (one message, nothing after it);
 *   - the handshake reader gives the same messages however the bytes are
 *     chunked, each 1..SECURE_HS_MSG_MAX bytes, and consumes no more than
 *     it was fed.
 *
 * Seeds: tests/fuzz/corpus/sync/. To rewrite them (valid frames, payloads
 * and handshake framing made with the encoders here):
 *   FUZZ_SYNC_WRITE_SEEDS=tests/fuzz/corpus/sync build/tests/fuzz_sync
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/secure/secure.h"
#include "fuzz.h"

static bool
inside(struct slice s, struct slice in)
{
        if (s.len == 0)
                return true;
        return s.ptr >= in.ptr && s.len <= in.len &&
               (size_t)(s.ptr - in.ptr) <= in.len - s.len;
}

/* ---- re-encoding ----------------------------------------------------------
 */

static void
encode(const struct sync_msg *m, struct buf *out)
{
        switch (m->type) {
        case SYNC_HELLO:
                wire_sync_hello(out, m->instance, m->version, m->base,
                                m->digest, m->delta, m->delta_n);
                break;
        case SYNC_HELLO_PART:
                wire_sync_hello_part(out, m->delta, m->delta_n);
                break;
        case SYNC_HELLO_OK:
                wire_sync_uint(out, m->type, m->version);
                break;
        case SYNC_TIME:
                wire_sync_uint(out, m->type, m->time_ms);
                break;
        case SYNC_ACK:
                wire_sync_uint(out, m->type, m->frames);
                break;
        case SYNC_CERT:
                wire_sync_cert(out, m->cert, m->issuer_cert);
                break;
        case SYNC_FEED:
                wire_sync_feed(out, m->index, m->author, m->author_region,
                               &m->audience, m->channel);
                break;
        case SYNC_ENTRIES:
                wire_sync_entries(out, m->index, m->seq, m->ts0,
                                  m->has_prev ? m->prev : NULL, m->entries_n);
                for (size_t i = 0; i < m->entries_n; i++)
                        wire_sync_compact(out, &m->entries[i]);
                break;
        case SYNC_HEAD:
                wire_sync_head(out, m->index, m->seq, m->flags);
                break;
        case SYNC_ERROR:
                wire_sync_error(out, m->error_id);
                break;
        case SYNC_FORK_PROOF:
                wire_sync_fork_proof(out, m->fork_a, m->fork_b);
                break;
        case SYNC_BODY_WANT:
                wire_sync_body_want(out, m->wants, m->wants_n);
                break;
        case SYNC_BODY:
                wire_sync_body(out, m->feed, m->seq, m->has_body, m->body);
                break;
        case SYNC_BLOB_WANT:
                wire_sync_blob_want(out, m->root, m->blob_first, m->blob_count);
                break;
        case SYNC_BLOB_LIST:
                wire_sync_blob_list(out, m->root, m->blob_size, m->blob_data);
                break;
        case SYNC_BLOB_CHUNK:
                wire_sync_blob_chunk(out, m->root, m->blob_first, m->blob_data);
                break;
        case SYNC_BLOB_NONE:
                wire_sync_blob_none(out, m->root, m->error_id);
                break;
        case SYNC_BLOB_HAVE:
                wire_sync_blob_have(out, m->root);
                break;
        case SYNC_HELD:
                wire_sync_held(out, m->author_region, m->wants, m->wants_n);
                break;
        default:
                wire_sync_simple(out, m->type);
                break;
        }
}

static bool
slice_same(struct slice a, struct slice b)
{
        return (a.ptr == NULL) == (b.ptr == NULL) && slice_eq(a, b);
}

static bool
compact_same(const struct sync_compact *a, const struct sync_compact *b)
{
        if (a->ts_delta != b->ts_delta || a->kind != b->kind ||
            a->has_body != b->has_body || !slice_eq(a->sig, b->sig))
                return false;
        if (a->has_body)
                return slice_eq(a->body, b->body);
        return a->body_len == b->body_len &&
               !memcmp(a->body_hash, b->body_hash, ENTRY_HASH_BYTES);
}

/* The (feed, seq) pairs of BODY_WANT and HELD. */
static bool
pairs_eq(const struct sync_msg *a, const struct sync_msg *b)
{
        if (a->wants_n != b->wants_n)
                return false;
        for (size_t i = 0; i < a->wants_n; i++)
                if (memcmp(&a->wants[i], &b->wants[i], sizeof(a->wants[i])))
                        return false;
        return true;
}

static bool
same(const struct sync_msg *a, const struct sync_msg *b)
{
        if (a->type != b->type)
                return false;
        switch (a->type) {
        case SYNC_HELLO:
                if (memcmp(a->instance, b->instance, SYNC_INSTANCE_BYTES) ||
                    a->version != b->version || a->base != b->base ||
                    memcmp(a->digest, b->digest, SYNC_DIGEST_BYTES) ||
                    a->delta_n != b->delta_n)
                        return false;
                for (size_t i = 0; i < a->delta_n; i++)
                        if (memcmp(&a->delta[i], &b->delta[i],
                                   sizeof(a->delta[i])))
                                return false;
                return true;
        case SYNC_HELLO_PART:
                if (a->delta_n != b->delta_n)
                        return false;
                for (size_t i = 0; i < a->delta_n; i++)
                        if (memcmp(&a->delta[i], &b->delta[i],
                                   sizeof(a->delta[i])))
                                return false;
                return true;
        case SYNC_HELLO_OK:
                return a->version == b->version;
        case SYNC_TIME:
                return a->time_ms == b->time_ms;
        case SYNC_ACK:
                return a->frames == b->frames;
        case SYNC_CERT:
                return slice_eq(a->cert, b->cert) &&
                       slice_same(a->issuer_cert, b->issuer_cert);
        case SYNC_FEED:
                return a->index == b->index &&
                       !memcmp(a->author, b->author, ENTRY_KEY_BYTES) &&
                       !strcmp(a->author_region, b->author_region) &&
                       audience_eq(&a->audience, &b->audience) &&
                       a->channel == b->channel;
        case SYNC_ENTRIES:
                if (a->index != b->index || a->seq != b->seq ||
                    a->ts0 != b->ts0 || a->entries_n != b->entries_n)
                        return false;
                for (size_t i = 0; i < a->entries_n; i++)
                        if (!compact_same(&a->entries[i], &b->entries[i]))
                                return false;
                return true;
        case SYNC_HEAD:
                return a->index == b->index && a->seq == b->seq &&
                       a->flags == b->flags;
        case SYNC_ERROR:
                return !strcmp(a->error_id, b->error_id);
        case SYNC_FORK_PROOF:
                return slice_eq(a->fork_a, b->fork_a) &&
                       slice_eq(a->fork_b, b->fork_b);
        case SYNC_HELD:
                return !strcmp(a->author_region, b->author_region) &&
                       pairs_eq(a, b);
        case SYNC_BODY_WANT:
                return pairs_eq(a, b);
        case SYNC_BODY:
                return !memcmp(a->feed, b->feed, ENTRY_HASH_BYTES) &&
                       a->seq == b->seq && a->has_body == b->has_body &&
                       (!a->has_body || slice_eq(a->body, b->body));
        case SYNC_BLOB_WANT:
        case SYNC_BLOB_LIST:
        case SYNC_BLOB_CHUNK:
        case SYNC_BLOB_NONE:
        case SYNC_BLOB_HAVE:
                return !memcmp(a->root, b->root, ENTRY_HASH_BYTES) &&
                       a->blob_first == b->blob_first &&
                       a->blob_count == b->blob_count &&
                       a->blob_size == b->blob_size &&
                       slice_eq(a->blob_data, b->blob_data) &&
                       !strcmp(a->error_id, b->error_id);
        default:
                return true;
        }
}

/* ---- one decoded message ------------------------------------------------- */

static void
check_bounds(const struct sync_msg *m, struct slice frame)
{
        require(m->type >= SYNC_HELLO && m->type <= SYNC_TYPE_LAST);
        require(m->delta_n <= SYNC_DELTA_MAX);
        require(m->entries_n <= SYNC_ENTRIES_MAX);
        /* Each element takes at least one byte of the frame. */
        require(m->delta_n <= frame.len && m->entries_n <= frame.len);
        require(inside(m->cert, frame) && inside(m->issuer_cert, frame));
        for (size_t i = 0; i < m->entries_n; i++) {
                const struct sync_compact *c = &m->entries[i];
                require(c->sig.len == ENTRY_SIG_BYTES && inside(c->sig, frame));
                require(!c->has_body || (inside(c->body, frame) &&
                                         c->body.len <= ENTRY_BODY_MAX));
                require(c->has_body || c->body_len <= ENTRY_BODY_MAX);
        }
        if (m->type == SYNC_FEED) {
                require(m->channel < CHANNEL_COUNT);
                require(m->index <= SYNC_FEED_INDEX_MAX);
                require(
                    !region_check(m->author_region, strlen(m->author_region)));
                require(!audience_check(&m->audience));
        }
        if (m->type == SYNC_ENTRIES)
                require(m->seq >= 1 && m->index <= SYNC_FEED_INDEX_MAX);
        require(inside(m->fork_a, frame) && inside(m->fork_b, frame));
        require(m->fork_a.len <= ENTRY_MAX && m->fork_b.len <= ENTRY_MAX);
        if (m->type == SYNC_HELD)
                require(
                    !region_check(m->author_region, strlen(m->author_region)));
        if (m->type == SYNC_BODY_WANT || m->type == SYNC_HELD) {
                require(m->wants_n >= 1 && m->wants_n <= SYNC_BODY_WANT_MAX);
                for (size_t i = 0; i < m->wants_n; i++)
                        require(m->wants[i].seq >= 1);
        } else {
                require(m->wants_n == 0);
        }
        if (m->type == SYNC_BODY)
                require(m->seq >= 1);
        if (m->type == SYNC_HELLO_PART)
                require(m->delta_n >= 1);
        require(!m->has_body ||
                (inside(m->body, frame) && m->body.len <= ENTRY_BODY_MAX));
        require(memchr(m->error_id, 0, sizeof(m->error_id)) != NULL);
        /* Blobs (proto/BLOBS.md §4): runs, lists and chunks in bounds. */
        require(inside(m->blob_data, frame));
        if (m->type == SYNC_BLOB_WANT)
                require(m->blob_count <= SYNC_BLOB_RUN_MAX &&
                        m->blob_first + m->blob_count <= 1024U);
        if (m->type == SYNC_BLOB_LIST)
                require(m->blob_data.len >= 32 && m->blob_data.len % 32 == 0 &&
                        m->blob_data.len <= 32768U);
        if (m->type == SYNC_BLOB_CHUNK)
                require(m->blob_data.len >= 1 && m->blob_data.len <= 16384U &&
                        m->blob_first < 1024U);
        if (m->type == SYNC_BLOB_NONE)
                require(m->error_id[0] != 0);
}

static void
check_roundtrip(const struct sync_msg *m)
{
        struct sync_decoder d;
        struct sync_msg again;
        struct buf enc = BUF_INIT;

        encode(m, &enc);
        sync_decoder_init(&d);
        sync_decoder_frame(&d, buf_slice(&enc));
        require(sync_decoder_next(&d, &again) == 1);
        /* An ERROR id is a C string: the encoder keeps it up to an
         * embedded NUL, and same() compares it as one. */
        require(same(m, &again));
        require(sync_decoder_next(&d, &again) == 0);
        sync_decoder_release(&d);
        buf_release(&enc);
}

/* Decodes a whole frame, checking every message up to the end or the
 * first refusal. */
static void
decode_frame(struct slice frame)
{
        struct sync_decoder d;
        struct sync_msg m;
        size_t n = 0;
        int rc;

        sync_decoder_init(&d);
        sync_decoder_frame(&d, frame);
        while ((rc = sync_decoder_next(&d, &m)) == 1) {
                n++;
                require(n <= frame.len); /* a message takes >= 2 bytes */
                check_bounds(&m, frame);
                check_roundtrip(&m);
        }
        require(rc == 0 || rc == ERR_PROTOCOL);
        /* A refused frame stays refused: nothing more comes out of it. */
        require(sync_decoder_next(&d, &m) == 0);
        sync_decoder_release(&d);
}

/* ---- the handshake reader ------------------------------------------------ */

struct hs_msgs {
        size_t n;
        size_t lens[64];
        uint8_t hash[64][ENTRY_HASH_BYTES];
        int end; /* the last return: 0 (more needed) or an error */
};

static void
hs_drain(struct secure_reader *r, struct hs_msgs *out)
{
        struct slice msg;
        int rc;

        while ((rc = secure_reader_next_hs(r, &msg)) == 1) {
                require(msg.len >= 1 && msg.len <= SECURE_HS_MSG_MAX);
                require(inside(msg, buf_slice(&r->in)));
                if (out->n < ARRAY_LEN(out->lens)) {
                        out->lens[out->n] = msg.len;
                        hash_bytes(out->hash[out->n], msg);
                }
                out->n++;
        }
        require(rc == 0 || rc == ERR_HANDSHAKE);
        out->end = rc;
}

static void
check_hs_reader(struct slice in)
{
        struct secure_reader whole, split;
        struct hs_msgs a, b;
        size_t cut = in.len ? in.ptr[0] % (in.len + 1) : 0;

        memset(&a, 0, sizeof(a));
        memset(&b, 0, sizeof(b));
        secure_reader_init(&whole);
        secure_reader_feed(&whole, in);
        hs_drain(&whole, &a);
        require(secure_reader_pending(&whole) <= in.len);

        secure_reader_init(&split);
        secure_reader_feed(&split, slice_make(in.ptr, cut));
        hs_drain(&split, &b);
        if (b.end == 0) {
                secure_reader_feed(&split,
                                   slice_make(in.ptr + cut, in.len - cut));
                hs_drain(&split, &b);
        }
        require(a.n == b.n && a.end == b.end);
        for (size_t i = 0; i < a.n && i < ARRAY_LEN(a.lens); i++)
                require(a.lens[i] == b.lens[i] &&
                        !memcmp(a.hash[i], b.hash[i], ENTRY_HASH_BYTES));
        if (a.end == 0)
                require(secure_reader_pending(&whole) ==
                        secure_reader_pending(&split));
        secure_reader_release(&whole);
        secure_reader_release(&split);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct slice in = slice_make(data, size);
        uint8_t cert_hash[SYNC_CERT_HASH_BYTES];
        struct slice tail;

        decode_frame(in);
        if (!wire_sync_hs_payload_decode(in, cert_hash, &tail)) {
                require(size >= 2 + SYNC_CERT_HASH_BYTES);
                require(!memcmp(cert_hash, data + 2, SYNC_CERT_HASH_BYTES));
                require(inside(tail, in) &&
                        tail.len == size - 2 - SYNC_CERT_HASH_BYTES);
                decode_frame(tail);
        }
        check_hs_reader(in);
        return 0;
}

/* ---- seeds ---------------------------------------------------------------
 */

static void
seed_write(const char *dir, const char *name, const struct buf *b)
{
        char path[512];
        FILE *f;

        snprintf(path, sizeof(path), "%s/%s", dir, name);
        f = fopen(path, "wb");
        require(f && fwrite(b->data, 1, b->len, f) == b->len && !fclose(f));
}

static void
fill(uint8_t *p, size_t n, uint8_t v)
{
        for (size_t i = 0; i < n; i++)
                p[i] = (uint8_t)(v + i);
}

/* A FEED and an ENTRIES message of two entries with bodies and one
 * pruned, then SYNCED: what a sender pushes. */
static void
seed_entries(struct buf *b)
{
        static const uint8_t body[] = {0x81, 0xa5, 't',  'i', 't',
                                       'l',  'e',  0xa2, 'h', 'i'};
        uint8_t author[ENTRY_KEY_BYTES], sig[ENTRY_SIG_BYTES];
        struct sync_compact c;
        struct audience a;

        fill(author, sizeof(author), 1);
        fill(sig, sizeof(sig), 7);
        require(!audience_parse(&a, "path:36.04.12.2002:36.04"));
        wire_sync_feed(b, 0, author, "36.04.12.2002", &a, 2);
        wire_sync_entries(b, 0, 1, 1735693200000ULL, NULL, 3);
        memset(&c, 0, sizeof(c));
        c.kind = 3;
        c.has_body = true;
        c.body = slice_make(body, sizeof(body));
        c.sig = slice_make(sig, sizeof(sig));
        wire_sync_compact(b, &c);
        c.ts_delta = -5000;
        wire_sync_compact(b, &c);
        c.ts_delta = 70000;
        c.has_body = false;
        c.body_len = sizeof(body);
        fill(c.body_hash, sizeof(c.body_hash), 9);
        wire_sync_compact(b, &c);
        wire_sync_simple(b, SYNC_SYNCED);
}

static void
seeds_write(const char *dir)
{
        uint8_t inst[SYNC_INSTANCE_BYTES], dig[SYNC_DIGEST_BYTES];
        uint8_t hash[SYNC_CERT_HASH_BYTES], cert[200], msg[160];
        struct sync_vec_item delta[2];
        struct buf b = BUF_INIT, hello = BUF_INIT;
        struct audience tree;

        fill(inst, sizeof(inst), 0x10);
        fill(dig, sizeof(dig), 0x20);
        fill(hash, sizeof(hash), 0x30);
        fill(cert, sizeof(cert), 0x40);
        fill(delta[0].feed, ENTRY_HASH_BYTES, 0x50);
        fill(delta[1].feed, ENTRY_HASH_BYTES, 0x70);
        fill(delta[0].head, ENTRY_HASH_BYTES, 0x58);
        fill(delta[1].head, ENTRY_HASH_BYTES, 0x78);
        delta[0].seq = 3;
        delta[1].seq = 70000;
        require(!audience_parse(&tree, "tree:36.04"));

        wire_sync_hello(&b, inst, 0, 0, dig, NULL, 0);
        seed_write(dir, "hello-empty", &b);
        buf_reset(&b);
        wire_sync_hello(&hello, inst, 42, 17, dig, delta, 2);
        wire_sync_uint(&b, SYNC_HELLO_OK, 9);
        buf_add(&b, hello.data, hello.len);
        seed_write(dir, "hello-delta", &b);
        buf_reset(&b);
        wire_sync_hs_payload(&b, hash, true, buf_slice(&hello));
        seed_write(dir, "hs-payload-hello", &b);
        buf_reset(&b);
        wire_sync_hs_payload(&b, hash, false, slice_make(NULL, 0));
        seed_write(dir, "hs-payload-bare", &b);
        buf_reset(&b);
        wire_sync_cert(&b, slice_make(cert, 120), slice_make(cert + 120, 80));
        seed_write(dir, "cert", &b);
        buf_reset(&b);
        seed_entries(&b);
        seed_write(dir, "feed-entries", &b);
        buf_reset(&b);
        wire_sync_simple(&b, SYNC_CERT_REQUEST);
        wire_sync_simple(&b, SYNC_NEED_FULL);
        wire_sync_uint(&b, SYNC_ACK, 300);
        wire_sync_head(&b, 2, 5, SYNC_HEAD_FROZEN);
        wire_sync_simple(&b, SYNC_PING);
        wire_sync_simple(&b, SYNC_PONG);
        wire_sync_feed(&b, 1, cert, "36.04.05", &tree, 1);
        wire_sync_error(&b, "ENTRY-BAD-SIG");
        seed_write(dir, "small", &b);
        buf_reset(&b);
        /* Bodies (SYNC.md §5.2): two wanted, one answered, one not held. */
        wire_sync_body_want(&b, delta, 2);
        wire_sync_body(&b, delta[0].feed, delta[0].seq, true,
                       slice_make(cert, 40));
        wire_sync_body(&b, delta[1].feed, delta[1].seq, false,
                       slice_make(NULL, 0));
        seed_write(dir, "bodies", &b);
        buf_reset(&b);
        /* What the kabupaten holds of two feeds (SYNC.md §5.4). */
        wire_sync_held(&b, "36.04", delta, 2);
        seed_write(dir, "held", &b);
        buf_reset(&b);
        wire_sync_fork_proof(&b, slice_make(cert, 100),
                             slice_make(cert + 100, 100));
        seed_write(dir, "fork-proof", &b);
        buf_reset(&b);
        /* Blobs (BLOBS.md §4): a list asked and sent, a run of chunks,
         * a refusal and a have. */
        wire_sync_blob_want(&b, cert, 0, 0);
        wire_sync_blob_list(&b, cert, 40000, slice_make(cert, 96));
        wire_sync_blob_want(&b, cert, 1, 2);
        wire_sync_blob_chunk(&b, cert, 1, slice_make(cert, 200));
        wire_sync_blob_none(&b, cert, "BLOB-NOT-ENTITLED");
        wire_sync_blob_have(&b, cert);
        seed_write(dir, "blobs", &b);
        buf_reset(&b);
        /* Handshake framing: msg1 (32 bytes), then a msg2-sized message. */
        fill(msg, sizeof(msg), 0x60);
        buf_addc(&b, 0);
        buf_addc(&b, 32);
        buf_add(&b, msg, 32);
        buf_addc(&b, 0);
        buf_addc(&b, 138);
        buf_add(&b, msg, 138);
        seed_write(dir, "hs-messages", &b);
        buf_release(&b);
        buf_release(&hello);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
        const char *seeds = getenv("FUZZ_SYNC_WRITE_SEEDS");

        (void)argc;
        (void)argv;
        require(entry_lib_init() == 0);
        log_set_level(LOG_ERROR);
        if (seeds) {
                seeds_write(seeds);
                exit(0);
        }
        return 0;
}
