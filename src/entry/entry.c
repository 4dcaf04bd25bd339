/* entry: hashing, signing and verifying entries (proto/SPEC.md §4-§5). */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "entry.h"

/* Domain separation: the signed message is this context || header bytes. */
static const char sig_context[] = "simpul entry v1";
#define SIG_CONTEXT_BYTES (sizeof(sig_context) - 1)

void
hash_bytes(uint8_t out[ENTRY_HASH_BYTES], struct slice in)
{
        crypto_generichash_blake2b(out, ENTRY_HASH_BYTES, in.ptr, in.len, NULL,
                                   0);
}

/* libsodium's state wants 64-byte alignment: kept in its own block. */
struct hash_stream {
        crypto_generichash_blake2b_state st;
};

struct hash_stream *
hash_begin(void)
{
        size_t n = (sizeof(struct hash_stream) + 63U) & ~(size_t)63U;
        struct hash_stream *h = aligned_alloc(64, n);

        if (!h)
                abort();
        crypto_generichash_blake2b_init(&h->st, NULL, 0, ENTRY_HASH_BYTES);
        return h;
}

void
hash_add(struct hash_stream *h, struct slice in)
{
        crypto_generichash_blake2b_update(&h->st, in.ptr, in.len);
}

void
hash_end(struct hash_stream *h, uint8_t out[ENTRY_HASH_BYTES])
{
        crypto_generichash_blake2b_final(&h->st, out, ENTRY_HASH_BYTES);
        free(h);
}

void
hash_free(struct hash_stream *h)
{
        free(h);
}

void
feed_id_compute(uint8_t out[ENTRY_HASH_BYTES],
                const uint8_t author[ENTRY_KEY_BYTES],
                const char *author_region, const struct audience *a,
                uint8_t channel)
{
        struct buf desc = BUF_INIT;

        wire_feed_encode(author, author_region, a, channel, &desc);
        hash_bytes(out, buf_slice(&desc));
        buf_release(&desc);
}

void
random_bytes(uint8_t *out, size_t n)
{
        randombytes_buf(out, n);
}

void
id_hex(char out[2 * ENTRY_HASH_BYTES + 1], const uint8_t id[32])
{
        hex_encode(out, id, ENTRY_HASH_BYTES);
}

static size_t
sig_message(uint8_t *msg, struct slice header)
{
        memcpy(msg, sig_context, SIG_CONTEXT_BYTES);
        memcpy(msg + SIG_CONTEXT_BYTES, header.ptr, header.len);
        return SIG_CONTEXT_BYTES + header.len;
}

/* The checks a header must pass on its own, shared by create and open. */
static int
header_rules(const struct entry_header *h)
{
        int channel = kind_channel(h->kind);

        if (channel < 0 || channel != h->channel)
                return ERR_KIND;
        return audience_may_author(&h->audience, h->author_region);
}

int
entry_create(const struct key *k, struct entry_header *h, struct slice body,
             struct buf *out)
{
        uint8_t msg[SIG_CONTEXT_BYTES + ENTRY_HEADER_MAX];
        uint8_t sig[ENTRY_SIG_BYTES];
        struct buf header = BUF_INIT;
        struct envelope env;
        int channel, err;

        channel = kind_channel(h->kind);
        if (channel < 0)
                return ERR_KIND;
        h->channel = (uint8_t)channel;
        if (body.len > ENTRY_BODY_MAX)
                return ERR_TOO_BIG;
        /* A receiver's header decode refuses a malformed author region. */
        if (region_check(h->author_region,
                         strnlen(h->author_region, REGION_BUF)))
                return ERR_REGION;
        if ((err = audience_check(&h->audience)) || (err = header_rules(h)) ||
            (err = wire_body_check(body)))
                return err;
        memcpy(h->author, k->pk, ENTRY_KEY_BYTES);
        h->body_len = (uint32_t)body.len;
        hash_bytes(h->body_hash, body);
        wire_header_encode(h, &header);
        if (header.len > ENTRY_HEADER_MAX) {
                buf_release(&header);
                return ERR_TOO_BIG;
        }
        crypto_sign_detached(sig, NULL, msg,
                             sig_message(msg, buf_slice(&header)), k->sk);
        env.header = buf_slice(&header);
        env.sig = slice_make(sig, sizeof(sig));
        env.has_body = true;
        env.body = body;
        wire_envelope_encode(&env, out);
        buf_release(&header);
        return 0;
}

/* Has a (decoded) the feed descriptor of h? */
static bool
same_feed(const struct entry *a, const struct entry_header *h)
{
        return a->h.seq && a->h.channel == h->channel &&
               !memcmp(a->h.author, h->author, ENTRY_KEY_BYTES) &&
               !strcmp(a->h.author_region, h->author_region) &&
               audience_eq(&a->h.audience, &h->audience);
}

/* prev (may be NULL): an entry decoded before, whose feed id e may share.
 * id (may be NULL): the id of these bytes, known already. */
static int
entry_decode(struct slice bytes, const struct entry *prev, const uint8_t *id,
             struct entry *e)
{
        int err;

        memset(e, 0, sizeof(*e));
        if (bytes.len > ENTRY_MAX)
                return ERR_TOO_BIG;
        if ((err = wire_envelope_decode(bytes, &e->env)) ||
            (err = wire_header_decode(e->env.header, &e->h)))
                return err;
        e->bytes = bytes;
        if (id)
                memcpy(e->id, id, ENTRY_HASH_BYTES);
        else
                hash_bytes(e->id, e->env.header);
        if (prev && same_feed(prev, &e->h))
                memcpy(e->feed, prev->feed, ENTRY_HASH_BYTES);
        else
                feed_id_compute(e->feed, e->h.author, e->h.author_region,
                                &e->h.audience, e->h.channel);
        return 0;
}

int
entry_parse(struct slice bytes, struct entry *e)
{
        return entry_decode(bytes, NULL, NULL, e);
}

int
entry_open(struct slice bytes, struct entry *e)
{
        return entry_open_next(bytes, NULL, e);
}

/* built: id is the id of bytes this process encoded, with the hash of
 * the body it holds (entry_open_built). */
static int
open_checked(struct slice bytes, const struct entry *prev, const uint8_t *id,
             struct entry *e)
{
        uint8_t msg[SIG_CONTEXT_BYTES + ENTRY_HEADER_MAX];
        uint8_t hash[ENTRY_HASH_BYTES];
        int err;

        if ((err = entry_decode(bytes, prev, id, e)) ||
            (err = header_rules(&e->h)))
                goto fail;
        if (e->env.has_body) {
                err = ERR_BODY_HASH;
                if (e->env.body.len != e->h.body_len)
                        goto fail;
                if (!id) {
                        hash_bytes(hash, e->env.body);
                        if (sodium_memcmp(hash, e->h.body_hash, sizeof(hash)))
                                goto fail;
                }
                if ((err = wire_body_check(e->env.body)))
                        goto fail;
        }
        if (crypto_sign_verify_detached(e->env.sig.ptr, msg,
                                        sig_message(msg, e->env.header),
                                        e->h.author)) {
                err = ERR_SIGNATURE;
                goto fail;
        }
        return 0;
fail:
        memset(e, 0, sizeof(*e));
        return err;
}

int
entry_open_next(struct slice bytes, const struct entry *prev, struct entry *e)
{
        return open_checked(bytes, prev, NULL, e);
}

int
entry_open_built(struct slice bytes, const uint8_t id[ENTRY_HASH_BYTES],
                 const struct entry *prev, struct entry *e)
{
        return open_checked(bytes, prev, id, e);
}
