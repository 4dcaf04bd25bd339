/*
 * entry: node keys, hashing, signing and verification of entries
 * (proto/SPEC.md §4–§5). This module (with its key files) and src/secure
 * (the link handshake and frames, a separate concern) are the only users
 * of libsodium. Entry bytes are made and split by wire/; here they are
 * hashed, signed and checked.
 *
 * An opened entry (struct entry) borrows its bytes: its slices are valid as
 * long as the bytes passed to entry_open().
 *
 * Secrets live in sodium_malloc'd memory, are wiped on free and never
 * printed.
 */
#ifndef SIMPUL_ENTRY_H
#define SIMPUL_ENTRY_H

#include "../base/base.h"
#include "../wire/wire.h"

#define KEY_SEED_BYTES 32U
#define KIND_NAME_MAX 24U

/* Kinds: KIND_TABLE and enum entry_kind are wire.h's (DESIGN §8). */
/* Kind by name; ERR_KIND if unknown. */
int kind_parse(const char *name, uint32_t *out) WUR;
/* Name of a kind, or NULL if unknown. */
const char *kind_name(uint32_t kind);
/* Channel of a kind; -1 if unknown. */
int kind_channel(uint32_t kind);
/* "system", "urgent", "normal", "bulk" (channels 0-3), else "?". */
const char *channel_name(unsigned channel);
/* Visit every kind (for --help listings). */
void kind_each(void (*fn)(void *ctx, uint32_t kind, const char *name),
               void *ctx);

/* ---- keys -----------------------------------------------------------------
 */

struct key {
        uint8_t pk[ENTRY_KEY_BYTES];
        uint8_t *sk; /* crypto_sign_SECRETKEYBYTES, sodium_malloc'd */
};

/* Must be called once before anything else here; ERR_KEY if libsodium
 * cannot start. */
int entry_lib_init(void) WUR;
/*
 * Creates a new key file at path with mode 0600, refusing to overwrite
 * (ERR_EXISTS). Returns -errno on I/O failure.
 */
int key_create_file(const char *path) WUR;
/* Loads a key file; returns owned key, free with key_free. ERR_KEY if the
 * file is not a simpul key; -errno on I/O failure. */
int key_load_file(const char *path, struct key **out) WUR;
/* Derives a key from a 32-byte seed (test vectors, benches). Owned. */
struct key *key_from_seed(const uint8_t seed[KEY_SEED_BYTES]);
void key_free(struct key *k);

/* ---- hashing ------------------------------------------------------------- */

/* BLAKE2b-256 of bytes. */
void hash_bytes(uint8_t out[ENTRY_HASH_BYTES], struct slice in);
/* BLAKE2b-256 of bytes given in pieces: hash_begin, hash_add for each,
 * then hash_end (which frees the state) gives hash_bytes of their
 * concatenation. hash_free drops a state without a result (NULL: no-op). */
struct hash_stream;
struct hash_stream *hash_begin(void);
void hash_add(struct hash_stream *h, struct slice in);
void hash_end(struct hash_stream *h, uint8_t out[ENTRY_HASH_BYTES]);
void hash_free(struct hash_stream *h);
/* The feed id: BLAKE2b-256 of the canonical feed descriptor. */
void feed_id_compute(uint8_t out[ENTRY_HASH_BYTES],
                     const uint8_t author[ENTRY_KEY_BYTES],
                     const char *author_region, const struct audience *a,
                     uint8_t channel);
/* Random bytes from the OS CSPRNG. */
void random_bytes(uint8_t *out, size_t n);

/* ---- passwords (pwhash.c) ------------------------------------------------ */

#define PWHASH_STR_BYTES 128U /* a hash string with its NUL */
/* Hashes password pw (len bytes) with Argon2id and a random salt into out
 * (NUL-terminated ASCII). -ENOMEM when its 64 MiB cannot be had. */
int pwhash_make(char out[PWHASH_STR_BYTES], const char *pw, size_t len) WUR;
/* Is pw the password of hash string str? Takes about as long as
 * pwhash_make. */
bool pwhash_check(const char *str, const char *pw, size_t len) WUR;
/* Was str made with other parameters than pwhash_make's (rehash it)? */
bool pwhash_stale(const char *str) WUR;

/* ---- entries ------------------------------------------------------------- */

struct entry {
        struct entry_header h;
        uint8_t id[ENTRY_HASH_BYTES];   /* BLAKE2b-256(header bytes) */
        uint8_t feed[ENTRY_HASH_BYTES]; /* feed id */
        struct slice bytes;             /* the whole envelope */
        struct envelope env;
};

/*
 * Creates, signs and encodes an entry: fills h->author, h->channel (from the
 * kind), h->body_len and h->body_hash; the caller sets author_region,
 * audience, seq, prev, timestamp_ms and kind. Appends envelope bytes to out.
 * Errors: ERR_TOO_BIG, ERR_BODY, ERR_KIND, ERR_REGION and ERR_AUDIENCE_SHAPE
 * (bad codes), ERR_AUTHOR_RULE (the same checks a receiver makes); nothing is
 * appended on error.
 */
int entry_create(const struct key *k, struct entry_header *h, struct slice body,
                 struct buf *out) WUR;

/*
 * Opens untrusted entry bytes and verifies everything that needs no other
 * entry: envelope and header decode (canonical), format version, size
 * limits, kind known and on its channel, audience well-formed and writable
 * by the author's region, body a msgpack map matching its length and hash,
 * and the Ed25519 signature. Chain position (seq, prev) and entitlement are
 * checked by the caller against the store. e borrows from bytes.
 * Errors: the ERR_* codes named above, ERR_SIGNATURE, ERR_BODY_HASH.
 */
int entry_open(struct slice bytes, struct entry *e) WUR;
/*
 * entry_open for the next entry of a batch: prev (borrowed, may be NULL)
 * is one opened or parsed before; when e has its feed descriptor, e takes
 * prev's feed id instead of encoding and hashing the descriptor again (the
 * entries of one feed usually come in a run). Same errors.
 */
int entry_open_next(struct slice bytes, const struct entry *prev,
                    struct entry *e) WUR;
/*
 * entry_open_next for bytes this process encoded itself (the sync receiver
 * rebuilds envelopes from their compact form, SYNC.md §5): id is the hash
 * it computed of the header it encoded, whose body hash it computed from
 * the very body it put in the envelope. Neither is hashed again; every
 * other check, the signature first of all, is made. Same errors.
 */
int entry_open_built(struct slice bytes, const uint8_t id[ENTRY_HASH_BYTES],
                     const struct entry *prev, struct entry *e) WUR;
/*
 * Opens stored, already verified bytes: decodes and computes ids but skips
 * the signature and body hash (listings). Same decode errors.
 */
int entry_parse(struct slice bytes, struct entry *e) WUR;

/* ---- membership: networks, certificates, requests (MEMBERSHIP.md) -------- */

#define TEXT_LINE_MAX 4096U /* base64url characters after the prefix */
#define TEXT_REQUEST_PREFIX "simpul-req1:"
#define TEXT_CERT_PREFIX "simpul-cert1:"
#define TEXT_NETWORK_PREFIX "simpul-network1:"

/* A network: its descriptor and id (BLAKE2b-256 of the descriptor). */
struct network {
        struct network_desc desc;
        uint8_t id[ENTRY_HASH_BYTES];
};

/* Sets n from a well-formed descriptor, computing the id. */
void network_init(struct network *n, const struct network_desc *d);
/* Decodes descriptor bytes and computes the id. ERR_CERT. */
int network_open(struct slice bytes, struct network *n) WUR;

/*
 * Signs the certificate body c with the issuer's key (c->issuer_pk is set
 * from it) and appends the certificate [body, sig] to out. Asserts c is
 * well-formed (region, name, valid_from < valid_until, known flags).
 */
void cert_sign(const struct key *issuer, struct cert_info *c, struct buf *out);
/*
 * Decodes a certificate and checks its signature by its own issuer_pk;
 * nothing about the network or the chain. ERR_CERT.
 */
int cert_open(struct slice bytes, struct cert_info *c) WUR;
/* Decodes stored, already verified certificate bytes without checking the
 * signature. ERR_CERT. */
int cert_parse(struct slice bytes, struct cert_info *c) WUR;
/* 0 if valid_from_ms <= now_ms < valid_until_ms, else ERR_CERT_EXPIRED. */
int cert_check_time(const struct cert_info *c, uint64_t now_ms) WUR;

/*
 * A node's clock as certificate periods see it (MEMBERSHIP.md §4.2 Time):
 * its reading, and its floor, an instant known to be past: 2024-01-01
 * (CERT_CLOCK_MIN_MS), or later the valid_from of the node's own
 * certificates, which were signed after the network was created. A
 * reading before the floor is wrong (a Raspberry Pi without RTC booting in
 * 1970 until NTP answers): the clock is **unknown**.
 */
#define CERT_CLOCK_MIN_MS 1704067200000ULL /* 2024-01-01T00:00:00Z */
struct cert_clock {
        uint64_t now_ms;
        uint64_t floor_ms;
};
/* Is k's reading at or after its floor? */
bool cert_clock_known(const struct cert_clock *k);
/*
 * c's validity period against k: with a known clock valid_from <= now <
 * valid_until; with an unknown one what holds whatever the true time (at
 * or after the floor) is: floor < valid_until, so a certificate expired
 * before the floor never passes, while valid_from (and an expiry after
 * the floor) cannot be judged and is not. ERR_CERT_EXPIRED.
 */
int cert_check_clock(const struct cert_info *c, const struct cert_clock *k) WUR;
/*
 * Verifies a certificate of network net (MEMBERSHIP.md §4): signature;
 * network id (ERR_NETWORK); subject not the root key and inside the
 * network's region; issued by the root with no issuer_cert, or by a
 * delegated issuer whose issuer_cert (root-issued, ISSUER flag, region
 * covering the subject's) comes with it, and then with flags 0 (depth 1).
 * With now_ms != 0 both certificates must be valid at now_ms
 * (ERR_CERT_EXPIRED); with 0 time is not checked. issuer_cert.ptr is NULL
 * when there is none. Fills c; ic (may be NULL) gets the issuer's
 * certificate, or zeroes. Errors: ERR_CERT, ERR_NETWORK, ERR_CERT_EXPIRED.
 */
int cert_verify(const struct network *net, struct slice cert,
                struct slice issuer_cert, uint64_t now_ms, struct cert_info *c,
                struct cert_info *ic) WUR;

/* Signs an enrolment request as k (rq->node_pk is set from it); appends
 * [body, sig] to out. */
void request_sign(const struct key *k, struct enroll_req *rq, struct buf *out);
/* Decodes a request and checks it is signed by its own node key. ERR_CERT. */
int request_open(struct slice bytes, struct enroll_req *rq) WUR;

/* Appends prefix || base64url (RFC 4648 §5, no padding) of bytes to out. */
void text_encode(const char *prefix, struct slice bytes, struct buf *out);
/*
 * Decodes text that is exactly prefix || base64url of at most max bytes
 * (no whitespace, no padding, zero pad bits) into out (replacing it).
 * ERR_CERT.
 */
int text_decode(const char *prefix, struct slice text, size_t max,
                struct buf *out) WUR;

/* ---- sealing (seal.c, proto/KIM.md §4) ------------------------------------
 *
 * A sealed value carries a plaintext readable only by its recipients' node
 * keys: XChaCha20-Poly1305 under a fresh content key, and the content key
 * in a libsodium sealed box to each recipient's Ed25519 key converted to
 * X25519. The additional data (seal_ad) binds the value to where it sits:
 * the body field, the author, feed and sequence number of the entry that
 * carries it, and its recipient list as written; moved anywhere else it
 * does not open. Content keys and converted secret keys live in
 * sodium_malloc'd memory and are wiped.
 */

#define SEAL_VERSION 2U /* the sealed map's `v`; absent means 1 */
#define SEAL_AD_PREFIX "simpul/kim/2/"
#define SEAL_FIELD_REPORTER "reporter"
#define SEAL_FIELD_SEALED "sealed"
#define SEAL_FIELD_MAX 32U /* bytes of a field name */
#define SEAL_CONTENT_KEY_BYTES 32U
/* Largest additional data: prefix, field, author, feed, seq, recipients. */
#define SEAL_AD_MAX                                                            \
        (sizeof(SEAL_AD_PREFIX) - 1 + 1 + SEAL_FIELD_MAX + ENTRY_KEY_BYTES +   \
         ENTRY_HASH_BYTES + 8U + 1U + KIM_SEAL_TO_MAX * ENTRY_KEY_BYTES)
/* Largest plaintext: KIM_SEAL_CT_MAX minus the 16-byte tag. */
#define SEAL_PLAIN_MAX (KIM_SEAL_CT_MAX - 16U)

/*
 * Where a sealed value sits: the entry that carries it. The author knows
 * all three before signing; the feed head decides seq, so replica_post
 * gives them to a post's body_at inside its write transaction.
 */
struct seal_ctx {
        uint8_t author[ENTRY_KEY_BYTES]; /* header `author` */
        uint8_t feed[ENTRY_HASH_BYTES];  /* the feed id (SPEC.md §4.6) */
        uint64_t seq;                    /* header `seq` */
};

/* The context of the sealed values in the body of e. */
void seal_ctx_of(const struct entry *e, struct seal_ctx *at);

/* A sealed value made here; owns its bytes. */
struct seal {
        size_t n;
        uint8_t to[KIM_SEAL_TO_MAX][ENTRY_KEY_BYTES];
        uint8_t keys[KIM_SEAL_TO_MAX][KIM_SEAL_BOX_BYTES];
        uint8_t nonce[KIM_SEAL_NONCE_BYTES];
        struct buf ct;
};

/*
 * The additional data of a sealed value with recipients v->to[0..v->n) in
 * the body field `field` of the entry at (KIM.md §4): SEAL_AD_PREFIX, the
 * field's length (one byte) and name, author, feed, seq (8 bytes, big
 * endian), the number of recipients (one byte) and each recipient key in
 * order. Writes it to ad and returns its length. Asserts field is 1 to
 * SEAL_FIELD_MAX bytes and v->n at most KIM_SEAL_TO_MAX.
 */
size_t seal_ad(const struct seal_ctx *at, const char *field,
               const struct kim_sealed *v, uint8_t ad[SEAL_AD_MAX]);
/*
 * Seals plain to the n Ed25519 node keys at to (n * ENTRY_KEY_BYTES) for the
 * body field `field` (SEAL_FIELD_REPORTER or SEAL_FIELD_SEALED) of the
 * entry at (borrowed). s is initialised here and owns the result (free with
 * seal_release, also on error). Errors: ERR_USAGE (n not 1..KIM_SEAL_TO_MAX,
 * plain over SEAL_PLAIN_MAX), ERR_KEY (a recipient key that is not a valid
 * Ed25519 public key).
 */
int seal_make(struct seal *s, const uint8_t *to, size_t n,
              const struct seal_ctx *at, const char *field,
              struct slice plain) WUR;
/*
 * seal_make for test vectors only: the content key (SEAL_CONTENT_KEY_BYTES),
 * the nonce and each box's ephemeral X25519 secret key (n * 32 bytes, in
 * recipient order) are given instead of drawn at random. The boxes are the
 * bytes crypto_box_seal makes with that ephemeral key. Reusing any of these
 * inputs breaks the seal: never for real data. Same errors.
 */
int seal_make_fixed(struct seal *s, const uint8_t *to, size_t n,
                    const struct seal_ctx *at, const char *field,
                    struct slice plain, const uint8_t *content_key,
                    const uint8_t nonce[KIM_SEAL_NONCE_BYTES],
                    const uint8_t *eph_sk) WUR;
void seal_release(struct seal *s);
/* Points v at s's parts, to put into a kim_body; valid while s is. */
void seal_view(const struct seal *s, struct kim_sealed *v);
/* Is pk one of v's recipients? */
bool seal_is_recipient(const struct kim_sealed *v,
                       const uint8_t pk[ENTRY_KEY_BYTES]);
/*
 * Opens v, found in body field `field` of the entry at (seal_ctx_of of the
 * entry held), with node key k: plain (replaced) gets the plaintext.
 * ERR_KIM_SEALED if v is not of SEAL_VERSION (a version-1 value: refused),
 * k is not a recipient, its box does not open, or ct does not decrypt with
 * this additional data (tampered, or moved from another field, entry,
 * author or feed, or its recipient list changed). Nothing is left in plain
 * on error.
 */
int seal_open(const struct key *k, const struct kim_sealed *v,
              const struct seal_ctx *at, const char *field,
              struct buf *plain) WUR;

/* ---- sealed streams (sealstream.c, proto/BUNDLE.md §3) ---------------------
 *
 * A byte stream readable only by one node key, and known to come from
 * another, for bundles on a USB stick: a fresh file key in a libsodium
 * sealed box to the recipient's Ed25519 key converted to X25519 (as
 * seal.c), the contents in crypto_secretstream_xchacha20poly1305 chunks
 * under that key, the last one tagged final, and a header naming both
 * keys signed by the sender's Ed25519 key (NNCP's signed packet header,
 * age's X25519 recipient and STREAM payload). Keys and stream state live
 * in sodium_malloc'd memory and are wiped on free.
 *
 * Header (SEALSTREAM_HEADER_BYTES): to (32) || from (32) || box (80) ||
 * stream header (24) || signature (64) by `from` over magic || the 168
 * bytes before it. Each chunk: SEALSTREAM_ABYTES more than its plaintext,
 * at most SEALSTREAM_CHUNK_MAX of which.
 */

#define SEALSTREAM_TO_OFF 0U
#define SEALSTREAM_FROM_OFF 32U
#define SEALSTREAM_BOX_BYTES 80U     /* crypto_box_SEALBYTES + key */
#define SEALSTREAM_SIGNED_BYTES 168U /* to, from, box, stream header */
#define SEALSTREAM_HEADER_BYTES 232U
#define SEALSTREAM_ABYTES 17U /* per chunk: tag byte + Poly1305 */
#define SEALSTREAM_CHUNK_MAX 65536U

struct sealstream;

/*
 * Starts a stream from key `from` (borrowed for the call) to the node key
 * `to`, domain-separated by magic (8 bytes, signed with the header): fills
 * hdr and returns owned state (sealstream_free). ERR_KEY (to is no valid
 * Ed25519 key).
 */
int sealstream_seal(const struct key *from, const uint8_t to[ENTRY_KEY_BYTES],
                    const uint8_t magic[8],
                    uint8_t hdr[SEALSTREAM_HEADER_BYTES],
                    struct sealstream **out) WUR;
/* Appends the chunk of plain (at most SEALSTREAM_CHUNK_MAX bytes) to out;
 * final: the last chunk of the stream. */
void sealstream_push(struct sealstream *s, struct slice plain, bool final,
                     struct buf *out);
/*
 * Opens the stream whose header is hdr (untrusted) with key me: the
 * sender's key into from. ERR_BUNDLE_NOT_FOR_ME (not sealed to me.pk),
 * ERR_BUNDLE_TAMPERED (the signature does not verify, or the box does not
 * open). Returns owned state (sealstream_free).
 */
int sealstream_open(const struct key *me, const uint8_t magic[8],
                    const uint8_t hdr[SEALSTREAM_HEADER_BYTES],
                    uint8_t from[ENTRY_KEY_BYTES], struct sealstream **out) WUR;
/*
 * Decrypts the next chunk ct (untrusted, SEALSTREAM_ABYTES to
 * SEALSTREAM_CHUNK_MAX + SEALSTREAM_ABYTES bytes) and appends its
 * plaintext to plain; *final says it was the last. ERR_BUNDLE_TAMPERED
 * (forged, altered, reordered or after the final chunk: nothing appended).
 */
int sealstream_pull(struct sealstream *s, struct slice ct, struct buf *plain,
                    bool *final) WUR;
void sealstream_free(struct sealstream *s);

/* ---- sealed files (sealfile.c, proto/BLOBS.md §2.1) -----------------------
 *
 * An attachment of a rahasia report is encrypted before it becomes a blob:
 * SEALFILE_HEADER_BYTES of libsodium crypto_secretstream_xchacha20poly1305
 * header, then messages of SEALFILE_MSG_BYTES of plaintext (the last
 * shorter, possibly empty) of SEALFILE_ABYTES more each, the last tagged
 * FINAL. A fresh random key per file; it travels in the report's sealed
 * content (KIM.md §2.2), never next to the blob.
 */
#define SEALFILE_KEY_BYTES 32U
#define SEALFILE_HEADER_BYTES 24U
#define SEALFILE_MSG_BYTES 16384U
#define SEALFILE_ABYTES 17U

/* The size of the sealed form of a plaintext of plain_len bytes. */
uint64_t sealfile_ct_size(uint64_t plain_len);
/* Encrypts plain under a fresh random key (into key) into ct (reset
 * first). The caller wipes key when done. */
void sealfile_seal(struct slice plain, uint8_t key[SEALFILE_KEY_BYTES],
                   struct buf *ct);
/*
 * Decrypts ct (untrusted) with key into plain (reset first).
 * ERR_BLOB_SEALED: a wrong key, a forged, altered, reordered, cut or
 * extended stream; plain is then empty.
 */
int sealfile_open(const uint8_t key[SEALFILE_KEY_BYTES], struct slice ct,
                  struct buf *plain) WUR;

/* Formats 64 hex digits of an id or key into out (65 bytes). */
void id_hex(char out[2 * ENTRY_HASH_BYTES + 1], const uint8_t id[32]);

#endif
