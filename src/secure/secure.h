/*
 * secure: the authenticated key exchange and the encrypted stream of every
 * sync link (proto/HANDSHAKE.md). Pure: no I/O, no clock, no libuv; the
 * network layer moves the bytes and drives the state machines here.
 *
 * Handshake: Noise_XX_25519_ChaChaPoly_BLAKE2b (Noise Protocol Framework,
 * revision 34), built from libsodium primitives. The static keys are the
 * nodes' Ed25519 keys converted to X25519; the msg2 and msg3 payloads start
 * with the sender's Ed25519 public key, which must convert to the static key
 * the handshake authenticated. The prologue binds the network.
 *
 * Transport: one crypto_secretstream_xchacha20poly1305 stream per direction,
 * keyed by the first 32 bytes of each Noise Split() output. Each direction
 * starts with its 24-byte stream header, then frames: a 4-byte big-endian
 * ciphertext length and one secretstream message.
 *
 * Invariants: every secret (static, ephemeral and stream keys, chaining key,
 * cipher state) lives in sodium_malloc memory and is wiped when freed, split
 * or failed. Every length from the peer is checked against a maximum before
 * anything is allocated for it. Any failure is final: a failed handshake,
 * stream or reader returns the same error from then on, and the caller
 * closes the connection. This module must not depend on net/, node/, store/
 * or sync/.
 */
#ifndef SIMPUL_SECURE_H
#define SIMPUL_SECURE_H

#include "../base/base.h"
#include "../entry/entry.h"

#define SECURE_PROTOCOL_NAME "Noise_XX_25519_ChaChaPoly_BLAKE2b"
#define SECURE_KEY_BYTES 32U    /* X25519 and Ed25519 keys */
#define SECURE_HASH_BYTES 64U   /* handshake hash h (BLAKE2b-512) */
#define SECURE_HS_LEN_BYTES 2U  /* big-endian length before each message */
#define SECURE_HS_MSG_MAX 1024U /* bytes of one handshake message */
/* msg2 without caller payload: e, encrypted s, Ed25519 key, two tags. */
#define SECURE_HS_OVERHEAD_MAX 128U
#define SECURE_HS_PAYLOAD_MAX (SECURE_HS_MSG_MAX - SECURE_HS_OVERHEAD_MAX)
#define SECURE_STREAM_KEY_BYTES 32U    /* secretstream key */
#define SECURE_STREAM_HEADER_BYTES 24U /* secretstream header */
#define SECURE_FRAME_LEN_BYTES 4U      /* big-endian ciphertext length */
#define SECURE_FRAME_ABYTES 17U        /* secretstream tag and MAC */
#define SECURE_FRAME_MAX 1048576U      /* plaintext bytes of one frame */

/* ---- handshake ----------------------------------------------------------- */

struct secure_hs; /* opaque; one per connection attempt */
struct secure_stream;

/*
 * Starts a handshake as initiator (the dialling side) or responder. k is
 * borrowed during the call only: its keys are converted and copied. The
 * prologue is copied into the transcript (simpul passes "simpul/1" || the
 * 32-byte network id). Returns an owned handshake in *out, free with
 * secure_hs_free; *out is NULL on error. Errors: ERR_KEY if k does not
 * convert to an X25519 key pair.
 */
int secure_hs_new(struct secure_hs **out, bool initiator, const struct key *k,
                  struct slice prologue) WUR;
/* Wipes and frees hs; NULL is fine. */
void secure_hs_free(struct secure_hs *hs);

/* True when the next step is this side's secure_hs_write. */
bool secure_hs_want_write(const struct secure_hs *hs);
/* True once all three messages are written or read. */
bool secure_hs_done(const struct secure_hs *hs);

/*
 * Appends the next handshake message to out, without a length prefix.
 * payload is borrowed and sent after this node's Ed25519 key; it must be
 * empty in msg1 (initiator's first write) and at most SECURE_HS_PAYLOAD_MAX
 * bytes in msg2 and msg3. Nothing is appended on error. Errors: ERR_USAGE
 * (not this side's turn, payload too big, after done), ERR_HANDSHAKE (the
 * peer's ephemeral key gives an all-zero X25519 result, which fails hs; or
 * hs had already failed).
 */
int secure_hs_write(struct secure_hs *hs, struct slice payload,
                    struct buf *out) WUR;
/* The same, preceded by the 2-byte big-endian length (the TCP framing). */
int secure_hs_write_framed(struct secure_hs *hs, struct slice payload,
                           struct buf *out) WUR;
/*
 * Processes the peer's next handshake message (without its length prefix;
 * msg is borrowed). Appends the peer's caller payload, without its Ed25519
 * key, to payload_out. Errors: ERR_HANDSHAKE for anything wrong with msg
 * (size, decryption, key check, not the peer's turn), which fails hs and
 * leaves payload_out unchanged, or if hs had already failed; ERR_USAGE
 * after done.
 */
int secure_hs_read(struct secure_hs *hs, struct slice msg,
                   struct buf *payload_out) WUR;

/*
 * The peer's Ed25519 public key (SECURE_KEY_BYTES), once authenticated:
 * after msg2 for the initiator, after msg3 for the responder. NULL before.
 * Valid until secure_hs_free.
 */
const uint8_t *secure_hs_remote_key(const struct secure_hs *hs);
/*
 * The handshake hash h (SECURE_HASH_BYTES) for channel binding, once done;
 * NULL before. Valid until secure_hs_free.
 */
const uint8_t *secure_hs_hash(const struct secure_hs *hs);

/*
 * Once done, derives the transport keys (Noise Split()) into tx (this side's
 * sending stream) and rx (receiving), which must be empty (zeroed or
 * released), and appends tx's 24-byte stream header to out: send it before
 * any frame. Wipes the handshake's remaining secrets; call once. The
 * streams are owned by the caller, release with secure_stream_release.
 * Errors: ERR_USAGE (not done, already split, failed).
 */
int secure_hs_split(struct secure_hs *hs, struct secure_stream *tx,
                    struct secure_stream *rx, struct buf *out) WUR;

/* ---- transport ----------------------------------------------------------- */

/* One direction of the encrypted stream. A zeroed struct is empty. */
struct secure_stream {
        struct secure_stream_state *st; /* sodium_malloc'd; NULL if empty */
        bool tx;                        /* push side */
        bool started;                   /* rx: the peer's header was read */
        bool failed;                    /* rx: a frame failed; final */
};

/* Wipes and frees the stream state; s is left empty. */
void secure_stream_release(struct secure_stream *s);
/*
 * Encrypts plaintext (borrowed) as one frame and appends it to out:
 * 4-byte big-endian ciphertext length, then the ciphertext (plaintext +
 * SECURE_FRAME_ABYTES). Nothing is appended on error. Errors:
 * ERR_FRAME_TOO_BIG (over SECURE_FRAME_MAX), ERR_USAGE (not a tx stream).
 */
int secure_stream_push(struct secure_stream *tx, struct slice plaintext,
                       struct buf *out) WUR;

/*
 * Incremental reader for the bytes one peer sends: handshake messages (each
 * after a 2-byte length), then the stream header, then frames. Feed it any
 * TCP chunks; after each feed call the next function until it returns 0.
 * Held bytes are then at most one incomplete message plus the last chunk.
 * A zeroed struct is a valid empty reader.
 */
struct secure_reader {
        struct buf in; /* bytes fed; consumed up to off */
        size_t off;
        int err; /* first error; final */
};

/* Makes r an empty reader (the same as zeroing it). */
void secure_reader_init(struct secure_reader *r);
/* Frees the buffered bytes; r is left empty and reusable. */
void secure_reader_release(struct secure_reader *r);
/* Copies bytes (borrowed) into the reader. */
void secure_reader_feed(struct secure_reader *r, struct slice bytes);
/* Bytes fed and not yet consumed. */
size_t secure_reader_pending(const struct secure_reader *r);
/*
 * Next handshake message: returns 1 and sets *msg (borrowed from r, valid
 * until the next feed or release), 0 if more bytes are needed, or
 * ERR_HANDSHAKE for a length of 0 or over SECURE_HS_MSG_MAX (checked on the
 * 2 length bytes alone).
 */
int secure_reader_next_hs(struct secure_reader *r, struct slice *msg) WUR;
/*
 * Next transport frame from rx (first consuming the peer's stream header):
 * returns 1 and replaces plaintext's contents with the frame, 0 if more
 * bytes are needed, or an error: ERR_FRAME_TOO_BIG (length over
 * SECURE_FRAME_MAX + SECURE_FRAME_ABYTES, refused on the 4 length bytes
 * before any allocation), ERR_DECRYPT (length under SECURE_FRAME_ABYTES,
 * forged, altered, replayed or reordered frame, bad header, a tag other
 * than TAG_MESSAGE); both r and rx are then failed. ERR_USAGE if rx is not
 * an rx stream. rx is borrowed; plaintext is the caller's.
 */
int secure_reader_next(struct secure_reader *r, struct secure_stream *rx,
                       struct buf *plaintext) WUR;

/* ---- testing only: never in production code ------------------------------ */

/*
 * A handshake with a raw X25519 static private key (sk, copied) and no
 * Ed25519 payload rule: payloads are sent as given, in every message, and
 * secure_hs_remote_key stays NULL. For the published Noise test vectors.
 * Owned, free with secure_hs_free.
 */
int secure_hs_test_new_x25519(struct secure_hs **out, bool initiator,
                              const uint8_t sk[SECURE_KEY_BYTES],
                              struct slice prologue) WUR;
/* Fixes the ephemeral private key (copied); call before the first write. */
void secure_hs_test_set_ephemeral(struct secure_hs *hs,
                                  const uint8_t sk[SECURE_KEY_BYTES]);
/*
 * The two transport keys of Split() (initiator-to-responder first), once
 * done and before secure_hs_split. Errors: ERR_USAGE.
 */
int secure_hs_test_split_keys(const struct secure_hs *hs,
                              uint8_t i2r[SECURE_STREAM_KEY_BYTES],
                              uint8_t r2i[SECURE_STREAM_KEY_BYTES]) WUR;

#endif
