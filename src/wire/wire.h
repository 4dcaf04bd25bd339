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

/*
 * Kinds (proto/SPEC.md §4.4): X(enum name, value, name, channel). The
 * channel is fixed per kind. Names and channels are looked up in entry/
 * (kind_parse, kind_channel).
 */
#define KIND_TABLE(X)                                                          \
        X(KIND_INFORMASI, 1, "informasi", 2)                                   \
        X(KIND_PERINGATAN, 2, "peringatan", 1)                                 \
        X(KIND_ASPIRASI, 3, "aspirasi", 2)                                     \
        X(KIND_PENGADUAN, 4, "pengaduan", 2)                                   \
        X(KIND_PERMINTAAN_INFORMASI, 5, "permintaan_informasi", 2)             \
        X(KIND_TANGGAPAN, 6, "tanggapan", 2)                                   \
        X(KIND_STATUS, 7, "status", 2)                                         \
        X(KIND_REVISI, 8, "revisi", 2)                                         \
        X(KIND_REVISI_KEPUTUSAN, 9, "revisi_keputusan", 2)                     \
        X(KIND_LAMPIRAN, 16, "lampiran", 3)                                    \
        X(KIND_SERTIFIKAT, 32, "sertifikat", 0)                                \
        X(KIND_PENCABUTAN, 33, "pencabutan", 0)

#define KIND_ENUM_(name, num, text, channel) name = num,
enum entry_kind { KIND_TABLE(KIND_ENUM_) };
#undef KIND_ENUM_

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

/*
 * Sealed bundles (proto/BUNDLE.md): after the magic and the sealed
 * stream's header, the plaintext is a stream of typed records, each
 * type (1) || length (4, big-endian) || payload. Pure: no crypto here.
 */
#define BUNDLE2_MAGIC "SIMPUL\x00\x02"
#define BUNDLE_REC_HEADER_BYTES 5U
#define BUNDLE_CHUNK_LEN_BYTES 4U
#define BUNDLE_HEADS_MAX 65536U /* feeds in one HEADS record */
#define BUNDLE_HEAD_BYTES 40U   /* feed id (32) || seq (8) */
enum bundle_rec_type {
        BUNDLE_REC_HEADS = 1, /* the sender's vector over the universe */
        BUNDLE_REC_ENTRY = 2, /* one envelope, as signed (SPEC.md §4) */
        BUNDLE_REC_BLOB = 3,  /* a blob's hash list or one chunk (BLOBS.md) */
        BUNDLE_REC_HELD = 4,  /* what nodes above hold (SYNC.md §5.4) */
};
struct bundle_rec {
        uint8_t type;
        struct slice payload; /* borrows the input */
};
/* Appends one record. */
void wire_bundle_rec_put(struct buf *out, uint8_t type, struct slice payload);
/*
 * Takes the next whole record off the front of in (untrusted): 1 and
 * *used bytes, 0 if in holds only part of one (read more), or ERR_BUNDLE
 * (a length out of its type's bounds, a type below 0x80 not known).
 */
int wire_bundle_rec_next(struct slice in, struct bundle_rec *r,
                         size_t *used) WUR;
/* A HEADS payload: instance (16) || n * (feed id || seq), ids ascending. */
struct bundle_heads {
        uint8_t instance[16];
        const uint8_t *heads; /* n * BUNDLE_HEAD_BYTES, borrowed */
        size_t n;
};
/* Checks a HEADS payload: length, ids strictly ascending, every seq >= 1.
 * ERR_BUNDLE. */
int wire_bundle_heads(struct slice payload, struct bundle_heads *h) WUR;
/* A HELD payload: region length (1) || region || n * (feed id || seq):
 * nodes of region hold these feeds of the recipient up to seq. */
struct bundle_held {
        char region[REGION_BUF];
        const uint8_t *heads; /* n * BUNDLE_HEAD_BYTES, borrowed */
        size_t n;
};
/* Appends a HELD payload (heads: n pairs). */
void wire_bundle_held_put(struct buf *out, const char *region,
                          const uint8_t *heads, size_t n);
/* Checks a HELD payload: a region code, 1 to BUNDLE_HEADS_MAX pairs, ids
 * strictly ascending, every seq >= 1. ERR_BUNDLE. */
int wire_bundle_held(struct slice payload, struct bundle_held *h) WUR;

/*
 * A BLOB payload (BUNDLE.md §4.1): kind (1), root (32), then for
 * BUNDLE_BLOB_LIST size (8) and the hash list (32 bytes a chunk, the
 * length the size gives), for BUNDLE_BLOB_CHUNK index (4) and the
 * chunk's data (1 .. 16,384 bytes). Checks only the shape: whether the
 * list gives the root, and the chunk its hash, is blob/'s to say.
 */
#define BUNDLE_BLOB_LIST 0
#define BUNDLE_BLOB_CHUNK 1
struct bundle_blob {
        uint8_t kind;
        const uint8_t *root; /* 32, borrowed */
        uint64_t size;       /* LIST */
        uint32_t index;      /* CHUNK */
        struct slice data;   /* LIST: the hash list; CHUNK: the chunk */
};
void wire_bundle_blob_list_put(struct buf *out, const uint8_t *root,
                               uint64_t size, struct slice hashes);
void wire_bundle_blob_chunk_put(struct buf *out, const uint8_t *root,
                                uint32_t index, struct slice data);
/* Checks a BLOB payload's shape: ERR_BUNDLE. */
int wire_bundle_blob(struct slice payload, struct bundle_blob *b) WUR;

/* ---- membership (proto/MEMBERSHIP.md) -------------------------------------
 *
 * Network descriptors, certificates, enrolment requests, certificate
 * bundles and the bodies of the system kinds. Decoders are strict: the
 * input must be the canonical encoding of the value it decodes to (bodies
 * of the system kinds excepted, SPEC.md §4.5); every failure is ERR_CERT.
 * Signatures are made and checked in entry/ (cert.c).
 */

#define MEMBER_FORMAT_VERSION 1U
#define CERT_NAME_MAX 95U     /* bytes of a display name */
#define CERT_NAME_BUF 96U     /* CERT_NAME_MAX + NUL */
#define NETWORK_DESC_MAX 256U /* bytes of an encoded network descriptor */
#define CERT_BODY_MAX 256U    /* bytes of an encoded certificate body */
#define CERT_MAX 512U         /* bytes of a certificate [body, sig] */
#define REQUEST_MAX 512U      /* bytes of an enrolment request */
#define CERT_BUNDLE_MAX 2048U /* bytes of a certificate bundle */
#define CERT_FLAG_ISSUER 0x1U /* may certify nodes in its region's subtree */
#define CERT_FLAGS_KNOWN CERT_FLAG_ISSUER

/* [1, bin32 root_pk, str region, str name]; its BLAKE2b-256 is the id. */
struct network_desc {
        uint8_t root_pk[ENTRY_KEY_BYTES];
        char region[REGION_BUF];
        char name[CERT_NAME_BUF];
};

/* A certificate body: [1, network_id, node_pk, region, name, valid_from_ms,
 * valid_until_ms, flags, issuer_pk]. */
struct cert_info {
        uint8_t network_id[ENTRY_HASH_BYTES];
        uint8_t node_pk[ENTRY_KEY_BYTES];
        char region[REGION_BUF];
        char name[CERT_NAME_BUF];
        uint64_t valid_from_ms;  /* valid from this instant ... */
        uint64_t valid_until_ms; /* ... up to, not including, this one */
        uint32_t flags;          /* CERT_FLAG_* */
        uint8_t issuer_pk[ENTRY_KEY_BYTES];
};

/* An enrolment request body: [1, node_pk, region, name]. */
struct enroll_req {
        uint8_t node_pk[ENTRY_KEY_BYTES];
        char region[REGION_BUF];
        char name[CERT_NAME_BUF];
};

/* 0 if s[0..n) is a display name: 1..CERT_NAME_MAX bytes, no control
 * character (0x00-0x1f, 0x7f); else ERR_CERT. */
int wire_name_check(const char *s, size_t n) WUR;

/* Encoders append the canonical encoding; they assert well-formed input. */
void wire_network_encode(const struct network_desc *d, struct buf *out);
void wire_cert_body_encode(const struct cert_info *c, struct buf *out);
void wire_request_body_encode(const struct enroll_req *rq, struct buf *out);
/* Decoders of the same; ERR_CERT for anything but a canonical encoding. */
int wire_network_decode(struct slice in, struct network_desc *d) WUR;
int wire_cert_body_decode(struct slice in, struct cert_info *c) WUR;
int wire_request_body_decode(struct slice in, struct enroll_req *rq) WUR;

/* A signed object, certificate or request: [bin body, bin64 sig]. */
void wire_signed_encode(struct slice body, const uint8_t sig[ENTRY_SIG_BYTES],
                        struct buf *out);
/* Splits one (borrowing from in); ERR_CERT if over max bytes, not that
 * shape, or not canonical. */
int wire_signed_decode(struct slice in, size_t max, struct slice *body,
                       struct slice *sig) WUR;

/*
 * A certificate bundle [bin network_descriptor, bin cert, bin issuer_cert |
 * nil]. issuer_cert.ptr NULL encodes nil and is what the decoder gives for
 * nil. Slices borrow from in. ERR_CERT.
 */
void wire_cert_bundle_encode(struct slice desc, struct slice cert,
                             struct slice issuer_cert, struct buf *out);
int wire_cert_bundle_decode(struct slice in, struct slice *desc,
                            struct slice *cert, struct slice *issuer_cert) WUR;

/* The body of a sertifikat entry: {"cert": bin, "issuer_cert": bin | nil}. */
void wire_sertifikat_encode(struct slice cert, struct slice issuer_cert,
                            struct buf *out);
/* Slices borrow from body (issuer_cert.ptr NULL for nil). ERR_CERT. */
int wire_sertifikat_decode(struct slice body, struct slice *cert,
                           struct slice *issuer_cert) WUR;

/* One feed of a revoked node and its cutoff: the last entry that stays
 * valid, by seq (>= 1) and id. */
struct revoke_feed {
        uint8_t feed[ENTRY_HASH_BYTES];
        uint64_t last_seq;
        uint8_t last_id[ENTRY_HASH_BYTES];
};

/* The body of a pencabutan entry: {"node": bin32, "feeds": [[bin32 feed,
 * uint last_seq, bin32 last_id], ...] in ascending feed id order, "reason":
 * str} (proto/MEMBERSHIP.md §7.2). */
struct pencabutan {
        uint8_t node[ENTRY_KEY_BYTES];
        struct revoke_feed *feeds; /* decoder: owned, see release */
        size_t n_feeds;
        struct slice reason; /* decoder: borrows from the body */
};

/* Asserts the feeds ascend strictly and every last_seq is >= 1. */
void wire_pencabutan_encode(const struct pencabutan *p, struct buf *out);
/* Fills p (p->feeds owned: free with wire_pencabutan_release; nothing to
 * free on error). ERR_CERT: not that shape, feeds not ascending, or a
 * last_seq of 0. */
int wire_pencabutan_decode(struct slice body, struct pencabutan *p) WUR;
void wire_pencabutan_release(struct pencabutan *p);
/* The cutoff of a feed (borrows from p), or NULL when the feed is not
 * listed (cutoff 0: none of its entries stays valid). */
const struct revoke_feed *
wire_pencabutan_find(const struct pencabutan *p,
                     const uint8_t feed[ENTRY_HASH_BYTES]);

/* ---- KIM bodies (proto/KIM.md §2, §4) -------------------------------------
 *
 * The bodies of kinds 1-9 (informasi ... revisi_keputusan), the sealed
 * values inside them and the plaintexts that get sealed. Bodies are not
 * canonical (SPEC.md §4.5): decoders check shape, types and bounds only,
 * ignore keys they do not know and take the first occurrence of a repeated
 * key. Every failure is ERR_KIM_BODY. Decoded slices and pointers borrow
 * from the input bytes. Encoders write what they are given, in the order of
 * the KIM.md tables, shortest forms, and check nothing: decode the result
 * to check it (app_post and replica_post do).
 */

#define KIM_TITLE_MAX 200U     /* bytes of a title (at least 1) */
#define KIM_TEXT_MAX 16000U    /* bytes of a text */
#define KIM_WORD_MAX 32U       /* a word: 1..32 of a-z 0-9 _ */
#define KIM_NOTE_MAX 2000U     /* bytes of a note */
#define KIM_TAGS_MAX 8U        /* words in tags */
#define KIM_PLACE_MAX 200U     /* location.place, method, agency */
#define KIM_NAME_MAX 100U      /* verifier, reporter name */
#define KIM_CONTACT_MAX 100U   /* reporter contact */
#define KIM_REASON_MAX 1000U   /* revisi reason */
#define KIM_SEAL_TO_MAX 16U    /* recipients of a sealed value */
#define KIM_SEAL_BOX_BYTES 80U /* a content key sealed to one recipient */
#define KIM_SEAL_NONCE_BYTES 24U
#define KIM_SEAL_CT_MIN 17U
#define KIM_SEAL_CT_MAX 17408U /* bytes of ct (plaintext + 16) */
#define KIM_ATTACH_MAX 5U      /* attachments of one item (BLOBS.md §2) */
#define KIM_ATTACH_TYPE_MAX 100U
#define KIM_ATTACH_NAME_MAX 200U
#define KIM_THUMB_MAX 8192U /* bytes of an inline thumbnail */
#define KIM_ATTACH_SIZE_MAX (16U * 1024U * 1024U) /* BLOB_MAX_BYTES */
#define KIM_FILE_KEY_BYTES 32U /* a sealed attachment's key (BLOBS.md §2.1) */
#define KIM_SEALED_TYPE "application/octet-stream" /* its clear type */

/*
 * The KIM vocabularies (KIM.md §2, §3), the one table of each: the words
 * bodies and view records carry, and the enums of kim/. X(enum name,
 * value, name). Value 0 of each enum means "absent". A report's states are
 * not written in bodies, but the views store them by name.
 */
#define KIM_STATE_TABLE(X)                                                     \
        X(KIM_STATE_DIAJUKAN, 1, "diajukan")                                   \
        X(KIM_STATE_DIVERIFIKASI, 2, "diverifikasi")                           \
        X(KIM_STATE_DITUNDA, 3, "ditunda")                                     \
        X(KIM_STATE_BUKAN_WEWENANG, 4, "bukan_wewenang")                       \
        X(KIM_STATE_DIARSIPKAN, 5, "diarsipkan")                               \
        X(KIM_STATE_DITERUSKAN, 6, "diteruskan")                               \
        X(KIM_STATE_DITINDAKLANJUTI, 7, "ditindaklanjuti")                     \
        X(KIM_STATE_SELESAI, 8, "selesai")                                     \
        X(KIM_STATE_DITUTUP, 9, "ditutup")
#define KIM_STEP_TABLE(X)                                                      \
        X(KIM_STEP_DIVERIFIKASI, 1, "diverifikasi")                            \
        X(KIM_STEP_DITUNDA, 2, "ditunda")                                      \
        X(KIM_STEP_BUKAN_WEWENANG, 3, "bukan_wewenang")                        \
        X(KIM_STEP_DIARSIPKAN, 4, "diarsipkan")                                \
        X(KIM_STEP_DITERUSKAN, 5, "diteruskan")                                \
        X(KIM_STEP_DITINDAKLANJUTI, 6, "ditindaklanjuti")                      \
        X(KIM_STEP_SELESAI, 7, "selesai")                                      \
        X(KIM_STEP_DITUTUP, 8, "ditutup")                                      \
        X(KIM_STEP_TAMBAH_INFORMASI, 9, "tambah_informasi")                    \
        X(KIM_STEP_KONFIRMASI, 10, "konfirmasi")                               \
        X(KIM_STEP_BUKA_KEMBALI, 11, "buka_kembali")
#define KIM_RESULT_TABLE(X)                                                    \
        X(KIM_RESULT_VALID, 1, "valid")                                        \
        X(KIM_RESULT_TIDAK_VALID, 2, "tidak_valid")                            \
        X(KIM_RESULT_HOAKS, 3, "hoaks")                                        \
        X(KIM_RESULT_PERLU_INFORMASI, 4, "perlu_informasi_tambahan")
#define KIM_LEVEL_TABLE(X)                                                     \
        X(KIM_LEVEL_WASPADA, 1, "waspada")                                     \
        X(KIM_LEVEL_SIAGA, 2, "siaga")                                         \
        X(KIM_LEVEL_AWAS, 3, "awas")
#define KIM_DECISION_TABLE(X)                                                  \
        X(KIM_DECISION_DITERIMA, 1, "diterima")                                \
        X(KIM_DECISION_DITOLAK, 2, "ditolak")

#define KIM_ENUM_(name, num, text) name = num,
enum kim_state { KIM_STATE_NONE = 0, KIM_STATE_TABLE(KIM_ENUM_) };
enum kim_step { KIM_STEP_NONE = 0, KIM_STEP_TABLE(KIM_ENUM_) };
enum kim_result { KIM_RESULT_NONE = 0, KIM_RESULT_TABLE(KIM_ENUM_) };
enum kim_level { KIM_LEVEL_NONE = 0, KIM_LEVEL_TABLE(KIM_ENUM_) };
enum kim_decision { KIM_DECISION_NONE = 0, KIM_DECISION_TABLE(KIM_ENUM_) };
#undef KIM_ENUM_

/* The tables above, for wire_kim_name and wire_kim_value. */
enum kim_vocab {
        KIM_VOCAB_STATE,
        KIM_VOCAB_STEP,
        KIM_VOCAB_RESULT,
        KIM_VOCAB_LEVEL,
        KIM_VOCAB_DECISION,
};
/* The name of value v in vocabulary t; NULL for 0 or an unknown value. */
const char *wire_kim_name(enum kim_vocab t, int v);
/* The value named s in vocabulary t; 0 if s names none. */
int wire_kim_value(enum kim_vocab t, struct slice s);

/* A sealed value (KIM.md §4); n == 0: absent. Pointers borrow. */
struct kim_sealed {
        uint64_t version; /* `v`: 1 when absent; written when over 1 */
        size_t n;         /* recipients, 1..16 */
        const uint8_t *to[KIM_SEAL_TO_MAX];   /* ENTRY_KEY_BYTES each */
        const uint8_t *keys[KIM_SEAL_TO_MAX]; /* KIM_SEAL_BOX_BYTES each */
        const uint8_t *nonce;                 /* KIM_SEAL_NONCE_BYTES */
        struct slice ct;
};

/* location: every part optional; lat and lon together. */
struct kim_location {
        bool present;
        bool has_region;
        char region[REGION_BUF];
        bool has_place;
        struct slice place;
        bool has_coords;
        double lat, lon;
};

/* One attachment (proto/BLOBS.md §2). Slices borrow from the body. */
struct kim_attachment {
        uint8_t root[ENTRY_HASH_BYTES];
        uint64_t size;      /* 1..KIM_ATTACH_SIZE_MAX */
        struct slice type;  /* media type: type/subtype */
        struct slice name;  /* may be empty */
        struct slice thumb; /* empty: none (image/ only) */
        /* A rahasia report's attachment (BLOBS.md §2.1): the file key of
         * KIM_FILE_KEY_BYTES from the opened sealed content, which also
         * gave type, name and thumb; NULL while the content is not open. */
        const uint8_t *key;
};

/*
 * A decoded KIM body: the union of the fields of every kind; the decoder
 * sets those of `kind` and zeroes the rest. has_* tell present from absent
 * (a present string may be empty where the type allows it).
 */
struct kim_body {
        uint32_t kind;
        /* announcements, reports, tanggapan, revisi */
        bool has_title, has_text;
        struct slice title, text;
        bool has_category;
        struct slice category;
        bool has_tags; /* present (possibly empty) */
        size_t n_tags;
        struct slice tags[KIM_TAGS_MAX];
        struct kim_location location;
        /* peringatan */
        enum kim_level level;
        bool has_until;
        uint64_t until_ms;
        /* reports */
        bool has_handler;
        char handler[REGION_BUF];
        bool anonim, rahasia;       /* reports: the flags; status: raises */
        struct kim_sealed reporter; /* n == 0: absent */
        struct kim_sealed sealed;   /* the rahasia content; a status's or
                                       tanggapan's sealed details */
        /* status, tanggapan */
        bool has_report;
        uint8_t report[ENTRY_HASH_BYTES];
        bool has_after;
        uint8_t after[ENTRY_HASH_BYTES];
        enum kim_step step;
        bool has_note, has_method, has_agency, has_verifier;
        struct slice note, method, agency, verifier;
        enum kim_result result;
        /* revisi: item, title, text, reason; revisi_keputusan: revisi,
         * decision, reason (a note) */
        bool has_item;
        uint8_t item[ENTRY_HASH_BYTES];
        bool has_revisi;
        uint8_t revisi[ENTRY_HASH_BYTES];
        enum kim_decision decision;
        bool has_reason;
        struct slice reason;
        /* kinds 1..6: attachments (BLOBS.md §2) */
        size_t n_attach;
        struct kim_attachment attach[KIM_ATTACH_MAX];
};

/* The reporter plaintext {name, contact}. */
struct kim_reporter {
        struct slice name;    /* 1..KIM_NAME_MAX bytes */
        struct slice contact; /* 0..KIM_CONTACT_MAX bytes */
};

/* Is kind one of 1..9, the kinds with a KIM body? */
bool wire_kim_kind(uint32_t kind);
/*
 * Decodes and checks the body of an entry of `kind` (1..9) against
 * KIM.md §2: required fields, types, bounds, UTF-8, the words and names,
 * the rahasia rule (title, text, location, tags absent from the clear map
 * and sealed present). Does not check audiences or roles (kim_check).
 * out borrows from body. ERR_KIM_BODY; ERR_KIND if kind is not 1..9.
 */
int wire_kim_decode(uint32_t kind, struct slice body, struct kim_body *out) WUR;
/* Appends the body map of b->kind with the fields of b that are set. */
void wire_kim_encode(const struct kim_body *b, struct buf *out);
/* The sealed content of a rahasia report: {title, text, location, tags,
 * files} from b; files (BLOBS.md §2.1) from b->attach, whose keys must be
 * set. */
void wire_kim_content_encode(const struct kim_body *b, struct buf *out);
/* Decodes sealed content into the title, text, location and tags of out
 * (the other fields untouched); title and text required. Its `files` go
 * into out->attach[i].key, type, name and thumb: one for each of the
 * out->n_attach clear attachments, in their order (absent iff none).
 * ERR_KIM_BODY; out->attach is then untouched. */
int wire_kim_content_decode(struct slice in, struct kim_body *out) WUR;
/* The sealed details of a step or tanggapan on a rahasia report (KIM.md
 * §4.3): {note, method, agency, verifier} of a status, {text, title} of a
 * tanggapan, from b. */
void wire_kim_details_encode(const struct kim_body *b, struct buf *out);
/* Decodes sealed details into out (of out->kind and out->step, with the
 * rules of its clear fields: a diverifikasi needs its method, a
 * tanggapan its text); out's other fields untouched. ERR_KIM_BODY. */
int wire_kim_details_decode(struct slice in, struct kim_body *out) WUR;
void wire_kim_reporter_encode(const struct kim_reporter *r, struct buf *out);
/* ERR_KIM_BODY. r borrows from in. */
int wire_kim_reporter_decode(struct slice in, struct kim_reporter *r) WUR;
/* Is s a word (1..32 of a-z, 0-9, _)? Category and tags. */
bool wire_kim_word(struct slice s);

/* ---- KIM view records (kim_view.c, proto/KIM.md §6) -----------------------
 *
 * The records the views keep in the store, as canonical msgpack maps with
 * the keys in the order of KIM.md §6 and shortest forms, so nodes that hold
 * the same entries hold byte-identical records. Names (states, steps,
 * results) are words of at most WIRE_VIEW_NAME_MAX bytes; an absent value
 * is nil. Decoders are strict (exactly what the encoder writes, else
 * ERR_MALFORMED): the records are our own, a mismatch is corruption.
 */

#define WIRE_VIEW_NAME_MAX 31U
#define WIRE_VIEW_NAME_BUF 32U
#define WIRE_VIEW_AUDIENCE_BUF 40U
#define WIRE_VIEW_TIMELINE_MAX 65536U /* events in one report's timeline */

/* How an event of a timeline counts (KIM.md §6 rules 1-3). */
enum wire_mark {
        WIRE_MARK_VALID = 0,
        WIRE_MARK_SUPERSEDED = 1,
        WIRE_MARK_INVALID = 2,
};
/* "valid", "superseded", "invalid". */
const char *wire_mark_name(enum wire_mark m);

/* [id, kind, step or nil, author_region, ts, mark] */
struct wire_view_event {
        uint8_t id[ENTRY_HASH_BYTES];
        uint32_t kind;
        char step[WIRE_VIEW_NAME_BUF]; /* "": nil (the report, a tanggapan) */
        char author_region[REGION_BUF];
        uint64_t ts;
        enum wire_mark mark;
};

/* A report view record. Timestamps with has_* false encode as nil. */
struct wire_report_view {
        uint8_t id[ENTRY_HASH_BYTES];
        uint32_t kind;
        uint8_t author[ENTRY_KEY_BYTES];
        char region[REGION_BUF];               /* author_region */
        char audience[WIRE_VIEW_AUDIENCE_BUF]; /* "path:O:T" */
        char handler[REGION_BUF];
        uint64_t ts;
        char state[WIRE_VIEW_NAME_BUF];
        char result[WIRE_VIEW_NAME_BUF]; /* "": nil */
        bool anonim, rahasia;
        bool has_verified_ts, has_followed_ts, has_done_ts, has_last_reply_ts;
        uint64_t verified_ts, followed_ts, done_ts, last_reply_ts;
        uint8_t head[ENTRY_HASH_BYTES];
        struct wire_view_event *timeline; /* decoder: owned, see release */
        size_t timeline_n;
};

/* Appends the canonical record. Asserts names and codes fit. */
void wire_report_view_encode(const struct wire_report_view *v, struct buf *out);
/* Fills v (v->timeline owned: free with wire_report_view_release; nothing
 * to free on error). ERR_MALFORMED. */
int wire_report_view_decode(struct slice in, struct wire_report_view *v) WUR;
void wire_report_view_release(struct wire_report_view *v);

/* The accepted revision of an announcement (KIM.md §6 rule 5):
 * {item, revisi, decision, editor, editor_region, ts, decided_ts}. */
struct wire_revision_view {
        uint8_t item[ENTRY_HASH_BYTES];
        uint8_t revisi[ENTRY_HASH_BYTES];
        uint8_t decision[ENTRY_HASH_BYTES];
        uint8_t editor[ENTRY_KEY_BYTES]; /* the revisi's author */
        char editor_region[REGION_BUF];
        uint64_t ts;         /* the revisi's timestamp_ms */
        uint64_t decided_ts; /* the decision's */
};
void wire_revision_view_encode(const struct wire_revision_view *v,
                               struct buf *out);
/* ERR_MALFORMED. */
int wire_revision_view_decode(struct slice in,
                              struct wire_revision_view *v) WUR;

/* ---- sync messages (proto/SYNC.md §2) ------------------------------------ */

#define SYNC_INSTANCE_BYTES 16U
#define SYNC_DIGEST_BYTES 8U
#define SYNC_CERT_HASH_BYTES 8U
#define SYNC_DELTA_MAX 65536U
#define SYNC_HELLO_PARTS_MAX 63U /* HELLO_PARTs before one HELLO (§4.2) */
#define SYNC_ENTRIES_MAX 4096U
#define SYNC_FEED_INDEX_MAX 65535U
#define SYNC_HEAD_FROZEN 1U
#define SYNC_BODY_WANT_MAX 16U /* entries named by one BODY_WANT */

enum sync_type {
        SYNC_HELLO = 1,
        SYNC_HELLO_OK = 2,
        SYNC_NEED_FULL = 3,
        SYNC_CERT_REQUEST = 4,
        SYNC_CERT = 5,
        SYNC_FEED = 6,
        SYNC_ENTRIES = 7,
        SYNC_ACK = 8,
        SYNC_HEAD = 9,
        SYNC_SYNCED = 10,
        SYNC_PING = 11,
        SYNC_PONG = 12,
        SYNC_ERROR = 13,
        SYNC_FORK_PROOF = 14, /* SYNC.md §5.1 */
        SYNC_BODY_WANT = 15,  /* SYNC.md §5.2 */
        SYNC_BODY = 16,
        SYNC_TIME_REQUEST = 17, /* SYNC.md §6.1 */
        SYNC_TIME = 18,
        SYNC_BLOB_WANT = 19, /* BLOBS.md §4 */
        SYNC_BLOB_LIST = 20,
        SYNC_BLOB_CHUNK = 21,
        SYNC_BLOB_NONE = 22,
        SYNC_BLOB_HAVE = 23,
        SYNC_HELD = 24,       /* SYNC.md §5.4 */
        SYNC_HELLO_PART = 25, /* SYNC.md §4.2 */
        SYNC_HELLO_PART_OK = 26,
};
#define SYNC_TYPE_LAST SYNC_HELLO_PART_OK
#define SYNC_BLOB_RUN_MAX 32U /* chunks one BLOB_WANT asks for */

struct sync_vec_item {
        uint8_t feed[ENTRY_HASH_BYTES];
        uint64_t seq;
        uint8_t head[ENTRY_HASH_BYTES]; /* the id of the entry at seq */
};

/* An entry without what the receiver derives (SYNC.md §5). */
struct sync_compact {
        int64_t ts_delta;
        uint32_t kind;
        bool has_body;
        struct slice body;
        struct slice sig;
        uint32_t body_len;                   /* pruned only */
        uint8_t body_hash[ENTRY_HASH_BYTES]; /* pruned only */
};

/*
 * One decoded message. Slices borrow from the frame; delta and entries are
 * owned by the decoder and valid until its next call.
 */
struct sync_msg {
        enum sync_type type;
        uint8_t instance[SYNC_INSTANCE_BYTES]; /* HELLO */
        uint64_t version;                      /* HELLO, HELLO_OK */
        uint64_t base;                         /* HELLO */
        uint8_t digest[SYNC_DIGEST_BYTES];     /* HELLO */
        struct sync_vec_item *delta;           /* HELLO, HELLO_PART */
        size_t delta_n;
        struct slice cert, issuer_cert;  /* CERT; issuer_cert.ptr NULL if nil */
        uint32_t index;                  /* FEED, ENTRIES, HEAD */
        uint8_t author[ENTRY_KEY_BYTES]; /* FEED */
        char author_region[REGION_BUF];
        struct audience audience;
        uint8_t channel;
        uint64_t seq;  /* ENTRIES: start seq; HEAD: head */
        uint64_t ts0;  /* ENTRIES */
        bool has_prev; /* ENTRIES: prev of the first one */
        uint8_t prev[ENTRY_HASH_BYTES];
        struct sync_compact *entries; /* ENTRIES */
        size_t entries_n;
        uint64_t frames;             /* ACK */
        uint32_t flags;              /* HEAD */
        char error_id[40];           /* ERROR: 1..39 of A-Z, 0-9, '-' */
        struct slice fork_a, fork_b; /* FORK_PROOF: two envelopes */
        /* BODY_WANT, HELD: 1..SYNC_BODY_WANT_MAX (feed id, seq); HELD's
         * region in author_region */
        const struct sync_vec_item *wants;
        size_t wants_n;
        uint8_t feed[ENTRY_HASH_BYTES]; /* BODY, with seq */
        bool has_body;                  /* BODY: false for nil (not held) */
        struct slice body;              /* BODY: at most ENTRY_BODY_MAX */
        uint64_t time_ms;               /* TIME: the sender's clock, 0: none */
        /* BLOB_*: the blob's root; WANT: first and count (0: the list);
         * LIST: size and hashes (data); CHUNK: index (first) and data;
         * NONE: error_id. Bounds of BLOBS.md §4 are checked. */
        uint8_t root[ENTRY_HASH_BYTES];
        uint32_t blob_first, blob_count;
        uint64_t blob_size;
        struct slice blob_data;
};

/* Reads the messages of one frame, in order. */
struct sync_decoder {
        struct slice frame;
        size_t off;
        struct sync_vec_item *delta;
        size_t delta_cap;
        struct sync_compact *entries;
        size_t entries_cap;
        struct sync_vec_item wants[SYNC_BODY_WANT_MAX];
};

void sync_decoder_init(struct sync_decoder *d);
void sync_decoder_release(struct sync_decoder *d);
/* Starts on a frame (borrowed until the last sync_decoder_next). */
void sync_decoder_frame(struct sync_decoder *d, struct slice frame);
/*
 * Decodes the next message: 1 and *m, 0 at the end of the frame, or
 * ERR_PROTOCOL (the frame is bad from here on). Every count is bounded by
 * the bytes present and by the SYNC_*_MAX limits before allocation.
 */
int sync_decoder_next(struct sync_decoder *d, struct sync_msg *m) WUR;
/*
 * The type of a frame's first message from its first bytes alone, or 0 if
 * they do not start a message: a look that decodes nothing (an ENTRIES
 * message is decoded once, by sync_decoder_next).
 */
enum sync_type sync_frame_type(struct slice frame);

/* Encoders append one message to out. */
void wire_sync_hello(struct buf *out, const uint8_t *instance, uint64_t version,
                     uint64_t base, const uint8_t *digest,
                     const struct sync_vec_item *delta, size_t n);
/* HELLO_PART: part of a full vector, before its HELLO (SYNC.md §4.2). */
void wire_sync_hello_part(struct buf *out, const struct sync_vec_item *delta,
                          size_t n);
void wire_sync_simple(struct buf *out, enum sync_type type); /* no fields */
void wire_sync_uint(struct buf *out, enum sync_type type, uint64_t v);
void wire_sync_cert(struct buf *out, struct slice cert,
                    struct slice issuer_cert);
void wire_sync_feed(struct buf *out, uint32_t index,
                    const uint8_t author[ENTRY_KEY_BYTES],
                    const char *author_region, const struct audience *a,
                    uint8_t channel);
/* ENTRIES header for n compact entries; then n wire_sync_compact calls.
 * prev (NULL: absent) is the id the first entry chains to (SYNC.md §5). */
void wire_sync_entries(struct buf *out, uint32_t index, uint64_t start_seq,
                       uint64_t ts0, const uint8_t *prev, size_t n);
void wire_sync_compact(struct buf *out, const struct sync_compact *c);
void wire_sync_head(struct buf *out, uint32_t index, uint64_t seq,
                    uint32_t flags);
void wire_sync_error(struct buf *out, const char *id);
/* HELD: nodes of region hold these feeds up to seq (1..16 items). */
void wire_sync_held(struct buf *out, const char *region,
                    const struct sync_vec_item *h, size_t n);
/* FORK_PROOF: the held entry and the conflicting one (borrowed). */
void wire_sync_fork_proof(struct buf *out, struct slice a, struct slice b);
/* BODY_WANT naming w[0..n), 1 <= n <= SYNC_BODY_WANT_MAX (asserted). */
void wire_sync_body_want(struct buf *out, const struct sync_vec_item *w,
                         size_t n);
/* BODY: the body of the entry at (feed, seq), or nil when has_body is
 * false (the sender does not hold it). body is borrowed. */
void wire_sync_body(struct buf *out, const uint8_t feed[ENTRY_HASH_BYTES],
                    uint64_t seq, bool has_body, struct slice body);

/* BLOB_WANT root, first, count: count 0 asks for the hash list. */
void wire_sync_blob_want(struct buf *out, const uint8_t *root, uint32_t first,
                         uint32_t count);
/* BLOB_LIST root, size, hashes (borrowed). */
void wire_sync_blob_list(struct buf *out, const uint8_t *root, uint64_t size,
                         struct slice hashes);
/* BLOB_CHUNK root, index, data (borrowed). */
void wire_sync_blob_chunk(struct buf *out, const uint8_t *root, uint32_t index,
                          struct slice data);
/* BLOB_NONE root, id (a stable error id). */
void wire_sync_blob_none(struct buf *out, const uint8_t *root, const char *id);
/* BLOB_HAVE root. */
void wire_sync_blob_have(struct buf *out, const uint8_t *root);

/* The handshake payload tails (SYNC.md §3). hello may be empty. */
void wire_sync_hs_payload(struct buf *out, const uint8_t *cert_hash,
                          bool with_hello, struct slice hello);
/* Decodes one; *hello is the HELLO message bytes or an empty slice. */
int wire_sync_hs_payload_decode(struct slice in, uint8_t *cert_hash,
                                struct slice *hello) WUR;

#endif
