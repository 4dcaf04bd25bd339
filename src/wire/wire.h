/*
 * wire: the msgpack encodings of simpul — entry headers, entry envelopes,
 * feed descriptors, bodies and the bundle file framing (proto/SPEC.md §4,
 * §7). This module is the only user of msgpack-c.
 *
 * Pure: no I/O, no clock, no crypto. Every decoder takes bytes from outside,
 * bounds them before allocating, and is fuzzed (tests/fuzz/). Decoders are
 * strict: an input is accepted only if it is the canonical encoding, i.e.
 * exactly the bytes the encoder here would produce for the decoded value, so
 * an entry has one encoding and stored bytes equal signed bytes.
 *
 * Slices returned by decoders borrow from the input and are valid as long as
 * it is.
 */
#ifndef SIMPUL_WIRE_H
#define SIMPUL_WIRE_H

#include "../base/base.h"
#include "../region/region.h"

#define ENTRY_FORMAT_VERSION 1U
#define ENTRY_KEY_BYTES 32U
#define ENTRY_HASH_BYTES 32U
#define ENTRY_SIG_BYTES 64U
#define ENTRY_HEADER_MAX 256U    /* bytes of an encoded header */
#define ENTRY_BODY_MAX 61440U    /* 60 KiB */
#define ENTRY_MAX 65536U         /* bytes of an encoded envelope */
#define ENTRY_BODY_DEPTH_MAX 16U /* nesting of maps/arrays in a body */
#define CHANNEL_COUNT 4U

/* The signed part of an entry. Field order is the msgpack array order. */
struct entry_header {
        uint8_t author[ENTRY_KEY_BYTES];
        char author_region[REGION_BUF];
        struct audience audience;
        uint8_t channel; /* 0 system, 1 urgent, 2 normal, 3 bulk */
        uint64_t seq;    /* 1, 2, ... */
        bool has_prev;   /* false iff seq == 1 */
        uint8_t prev[ENTRY_HASH_BYTES];
        uint64_t timestamp_ms; /* author's clock; advisory */
        uint32_t kind;
        uint32_t body_len;
        uint8_t body_hash[ENTRY_HASH_BYTES];
};

/* Appends the canonical header encoding to out. Asserts h is well-formed. */
void wire_header_encode(const struct entry_header *h, struct buf *out);
/*
 * Decodes header bytes. Errors: ERR_TOO_BIG (over ENTRY_HEADER_MAX),
 * ERR_MALFORMED (not the header shape), ERR_VERSION (format version other
 * than ENTRY_FORMAT_VERSION), ERR_REGION / ERR_AUDIENCE_SHAPE (bad codes),
 * ERR_NONCANONICAL (decodes, but is not the canonical encoding).
 */
int wire_header_decode(struct slice in, struct entry_header *h) WUR;

/* An envelope: [bin header, bin signature, bin body | nil]. */
struct envelope {
        struct slice header;
        struct slice sig; /* ENTRY_SIG_BYTES */
        bool has_body;    /* false: body pruned */
        struct slice body;
};

/* Appends the canonical envelope encoding to out. */
void wire_envelope_encode(const struct envelope *env, struct buf *out);
/*
 * Splits envelope bytes into its three parts (borrowing from in). Errors:
 * ERR_TOO_BIG, ERR_MALFORMED, ERR_NONCANONICAL. Does not look inside the
 * header or the body.
 */
int wire_envelope_decode(struct slice in, struct envelope *env) WUR;

/*
 * The canonical feed descriptor [author, author_region, audience, channel],
 * whose BLAKE2b-256 is the feed id. Appends to out.
 */
void wire_feed_encode(const uint8_t author[ENTRY_KEY_BYTES],
                      const char *author_region, const struct audience *a,
                      uint8_t channel, struct buf *out);

/*
 * Body check: exactly one msgpack map, no trailing bytes, nesting at most
 * ENTRY_BODY_DEPTH_MAX, map keys strings. ERR_BODY otherwise.
 */
int wire_body_check(struct slice body) WUR;

/* Building a body map of string and integer fields, in the given order. */
struct body_field {
        const char *key;
        const char *str; /* if non-NULL: a string value */
        int64_t num;     /* else: an integer value */
};
void wire_body_build(const struct body_field *fields, size_t n,
                     struct buf *out);

/* Walking a body for display (JSON output, listings). */
enum wire_value_type {
        WIRE_NIL,
        WIRE_BOOL,
        WIRE_INT,
        WIRE_FLOAT,
        WIRE_STR,
        WIRE_BIN,
        WIRE_ARRAY, /* n = element count; elements follow as values */
        WIRE_MAP,   /* n = pair count; key, value, key, value, ... follow */
        WIRE_END,   /* closes the innermost array or map */
};
struct wire_value {
        enum wire_value_type type;
        bool b;
        int64_t i; /* WIRE_INT (uint64 above INT64_MAX clamps) */
        double f;
        struct slice s; /* WIRE_STR and WIRE_BIN, borrowed */
        uint32_t n;
};
typedef int (*wire_visit_fn)(void *ctx, const struct wire_value *v);
/* Visits the body in document order; stops at the first nonzero return. */
int wire_body_walk(struct slice body, wire_visit_fn fn, void *ctx) WUR;
/* Looks up a top-level string field of a body map; ERR_NOT_FOUND. */
int wire_body_str(struct slice body, const char *key, struct slice *out) WUR;

/*
 * Bundle files (export/import): the 8-byte magic, then records, each a
 * 4-byte big-endian length and that many bytes of one envelope.
 */
#define BUNDLE_MAGIC "SIMPUL\x00\x01"
#define BUNDLE_MAGIC_BYTES 8U
#define BUNDLE_LEN_BYTES 4U
/* Checks a record length prefix: 0 and *len, or ERR_BUNDLE if over ENTRY_MAX
 * or zero. */
int wire_bundle_len(const uint8_t prefix[BUNDLE_LEN_BYTES], uint32_t *len) WUR;

#endif
