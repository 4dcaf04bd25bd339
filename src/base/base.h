/*
 * base: byte slices and growable buffers, error codes, logging, allocation
 * and hex. Depends on libc only; every other module may use it.
 *
 * struct slice is a borrowed view: {ptr, len}; it owns nothing and is valid
 * as long as whatever it points into.
 *
 * struct buf invariants:
 *   - data is NULL iff cap == 0 (a zeroed struct buf is a valid empty buffer);
 *   - len <= cap;
 *   - when cap > 0, data[len] is a NUL byte (so text can be printed), which is
 *     why cap counts one byte more than the largest len it can hold.
 * Growth aborts on out-of-memory (see xmalloc) and on size overflow.
 *
 * Errors: functions return 0 or a negative int. System errors are -errno;
 * simpul's own are the ERR_* values below, each with a stable id (err_id)
 * that log lines and peers carry, and a lower-case message (err_str).
 */
#ifndef SIMPUL_BASE_H
#define SIMPUL_BASE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WUR __attribute__((warn_unused_result))
#define PRINTF(a, b) __attribute__((format(printf, a, b)))
#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define container_of(p, type, member)                                          \
        ((type *)(void *)((char *)(p)-offsetof(type, member)))

/* ---- errors ---------------------------------------------------------- */

/* X(name, stable id, message). Values count down from ERR_FIRST. */
#define ERR_TABLE(X)                                                           \
        X(ERR_USAGE, "USAGE", "invalid usage")                                 \
        X(ERR_NOT_FOUND, "NOT-FOUND", "not found")                             \
        X(ERR_AMBIGUOUS, "AMBIGUOUS", "prefix matches more than one item")     \
        X(ERR_EXISTS, "EXISTS", "already exists")                              \
        X(ERR_CONFIG, "CONFIG", "invalid configuration")                       \
        X(ERR_REGION, "REGION-INVALID", "invalid region code")                 \
        X(ERR_AUDIENCE_SHAPE, "AUDIENCE-INVALID", "invalid audience")          \
        X(ERR_MALFORMED, "ENTRY-MALFORMED", "malformed entry")                 \
        X(ERR_NONCANONICAL, "ENTRY-NONCANONICAL",                              \
          "entry is not in canonical encoding")                                \
        X(ERR_VERSION, "ENTRY-VERSION", "unknown entry format version")        \
        X(ERR_TOO_BIG, "ENTRY-TOO-BIG", "entry exceeds a size limit")          \
        X(ERR_KIND, "ENTRY-KIND", "unknown kind, or kind not allowed here")    \
        X(ERR_BODY, "ENTRY-BODY", "body is not a msgpack map")                 \
        X(ERR_BODY_HASH, "ENTRY-BODY-HASH", "body does not match its hash")    \
        X(ERR_SIGNATURE, "ENTRY-BAD-SIG", "signature does not verify")         \
        X(ERR_AUTHOR_RULE, "ENTRY-AUTHOR-RULE",                                \
          "author may not write to this audience")                             \
        X(ERR_NOT_ENTITLED, "ENTRY-NOT-ENTITLED",                              \
          "this node is not in the entry's audience")                          \
        X(ERR_GAP, "ENTRY-GAP", "sequence number is not the feed head + 1")    \
        X(ERR_FORK, "FEED-FORK", "two entries for one sequence number")        \
        X(ERR_FROZEN, "FEED-FROZEN", "feed is frozen by a fork proof")         \
        X(ERR_STORE_FULL, "STORE-FULL",                                        \
          "store is full: raise store.map_size_mib in the config")             \
        X(ERR_STORE, "STORE-IO", "store failure")                              \
        X(ERR_STORE_CORRUPT, "STORE-CORRUPT", "store record is corrupt")       \
        X(ERR_KEY, "KEY-INVALID", "invalid key file")                          \
        X(ERR_BUNDLE, "BUNDLE-MALFORMED", "malformed bundle file")             \
        X(ERR_UNKNOWN_AUTHOR, "ENTRY-UNKNOWN-AUTHOR",                          \
          "author has no certificate for this region in this network")         \
        X(ERR_NOT_ISSUER, "ENTRY-NOT-ISSUER",                                  \
          "author may not issue certificates or revocations")                  \
        X(ERR_REVOKED, "NODE-REVOKED", "node is revoked")                      \
        X(ERR_CERT, "CERT-INVALID", "invalid certificate")                     \
        X(ERR_CERT_EXPIRED, "CERT-EXPIRED",                                    \
          "certificate is expired or not yet valid")                           \
        X(ERR_NETWORK, "NETWORK-MISMATCH", "peer belongs to another network")  \
        X(ERR_NOT_ENROLLED, "NODE-NOT-ENROLLED",                               \
          "this node has no certificate: run simpul enroll")                   \
        X(ERR_HANDSHAKE, "HANDSHAKE-FAILED", "handshake failed")               \
        X(ERR_PROTOCOL, "PROTO-VIOLATION", "peer broke the sync protocol")     \
        X(ERR_FRAME_TOO_BIG, "FRAME-TOO-BIG", "frame exceeds the size limit")  \
        X(ERR_DECRYPT, "FRAME-DECRYPT", "frame does not decrypt")              \
        X(ERR_TIMEOUT, "LINK-TIMEOUT", "peer stopped answering")               \
        X(ERR_PEER_ERROR, "LINK-PEER-ERROR",                                   \
          "peer reported an error and closed the link")                        \
        X(ERR_HTTP_BAD_JSON, "HTTP-BAD-JSON",                                  \
          "request body is not a JSON object")                                 \
        X(ERR_HTTP_BAD_TYPE, "HTTP-BAD-TYPE", "a field has the wrong type")    \
        X(ERR_HTTP_UNKNOWN_FIELD, "HTTP-UNKNOWN-FIELD",                        \
          "unknown field or query parameter")                                  \
        X(ERR_HTTP_MISSING_FIELD, "HTTP-MISSING-FIELD",                        \
          "a required field is missing")                                       \
        X(ERR_HTTP_BAD_VALUE, "HTTP-BAD-VALUE",                                \
          "a field or parameter has an invalid value")                         \
        X(ERR_HTTP_TOKEN, "HTTP-TOKEN",                                        \
          "missing or wrong token: send Authorization: Bearer TOKEN")          \
        X(ERR_HTTP_NOT_FOUND, "HTTP-NOT-FOUND", "no such path")                \
        X(ERR_HTTP_METHOD, "HTTP-METHOD", "method not allowed on this path")   \
        X(ERR_HTTP_LENGTH, "HTTP-LENGTH-REQUIRED",                             \
          "a request body needs a Content-Length")                             \
        X(ERR_HTTP_TOO_BIG, "HTTP-TOO-BIG", "request body is over the limit")  \
        X(ERR_HTTP_MEDIA_TYPE, "HTTP-MEDIA-TYPE",                              \
          "request body must be application/json")                             \
        X(ERR_HTTP_HOST, "HTTP-HOST", "Host header does not name this node")   \
        X(ERR_RESTORED, "STORE-RESTORED",                                      \
          "store was recreated or restored: sync before posting")              \
        X(ERR_KIM_BODY, "KIM-BODY", "item body breaks the KIM rules")          \
        X(ERR_KIM_AUDIENCE, "KIM-AUDIENCE",                                    \
          "item is not on the audience its kind needs")                        \
        X(ERR_KIM_ROLE, "KIM-ROLE",                                            \
          "author may not write this kind or step here")                       \
        X(ERR_KIM_STEP, "KIM-STEP",                                            \
          "step is not allowed from the report's current state")               \
        X(ERR_KIM_NOT_FOUND, "KIM-NOT-FOUND", "no such report or item")        \
        X(ERR_KIM_SEALED, "KIM-SEALED",                                        \
          "sealed value does not open with this node's key")                   \
        X(ERR_HTTP_ORIGIN, "HTTP-ORIGIN",                                      \
          "request from a web page of another site")                           \
        X(ERR_CERT_CONFLICT, "CERT-CONFLICT",                                  \
          "certificate conflicts with another one for the same key")           \
        X(ERR_LINK_BUSY, "LINK-BUSY",                                          \
          "too many connections in their handshake")                           \
        X(ERR_LINK_BACKLOG, "LINK-BACKLOG",                                    \
          "peer does not read what is sent to it")                             \
        X(ERR_NOT_SET_UP, "NODE-NOT-SET-UP",                                   \
          "this node is not set up yet: POST /api/setup with its setup code")  \
        X(ERR_SETUP_CODE, "SETUP-CODE-BAD", "wrong setup code")                \
        X(ERR_SETUP_RATE, "SETUP-RATE-LIMIT",                                  \
          "too many setup attempts: wait a minute")                            \
        X(ERR_SETUP_DONE, "SETUP-DONE", "this node is set up already")         \
        X(ERR_SINK_PG, "SINK-PG", "PostgreSQL is down or refused the sink")    \
        X(ERR_SINK_INSTANCE, "SINK-INSTANCE",                                  \
          "the database holds the stream of another store")                    \
        X(ERR_BLOB_NOT_ENTITLED, "BLOB-NOT-ENTITLED",                          \
          "no entry the peer may read references this blob")                   \
        X(ERR_BLOB_MISSING, "BLOB-MISSING", "blob is not whole here")          \
        X(ERR_BLOB_BAD_LIST, "BLOB-BAD-LIST",                                  \
          "blob hash list does not give its root")                             \
        X(ERR_BLOB_BAD_CHUNK, "BLOB-BAD-CHUNK",                                \
          "blob chunk does not hash to its list entry")                        \
        X(ERR_BLOB_TOO_BIG, "BLOB-TOO-BIG",                                    \
          "file is over the blob size limit")                                  \
        X(ERR_BUNDLE_NOT_FOR_ME, "BUNDLE-NOT-FOR-ME",                          \
          "bundle is sealed to another node")                                  \
        X(ERR_BUNDLE_TAMPERED, "BUNDLE-TAMPERED",                              \
          "bundle does not authenticate")                                      \
        X(ERR_BUNDLE_TRUNCATED, "BUNDLE-TRUNCATED", "bundle is cut short")     \
        X(ERR_LOGIN_BAD, "LOGIN-BAD", "wrong user name or password")           \
        X(ERR_LOGIN_RATE, "LOGIN-RATE-LIMIT",                                  \
          "too many failed logins: locked for a while")                        \
        X(ERR_LOGIN_NEEDED, "LOGIN-NEEDED",                                    \
          "log in (or give the API token) first")                              \
        X(ERR_LOGIN_ROLE, "LOGIN-ROLE", "this account's role may not do this") \
        X(ERR_LOGIN_CSRF, "LOGIN-CSRF",                                        \
          "X-CSRF-Token missing or wrong for this session")                    \
        X(ERR_USER_EXISTS, "USER-EXISTS", "an account of that name exists")    \
        X(ERR_EXPORT_NO_XLSX, "EXPORT-NO-XLSX",                                \
          "this build writes no XLSX (no libxlsxwriter): use CSV")             \
        X(ERR_WEBHOOK_LOG, "WEBHOOK-LOG",                                      \
          "webhook delivery log is another store's, locked or unwritable")     \
        X(ERR_WEBHOOK_DOWN, "WEBHOOK-DOWN",                                    \
          "a webhook endpoint is failing: events wait for it")                 \
        X(ERR_NO_QR, "NO-QR",                                                  \
          "this build draws no QR codes (no libqrencode): use the text")       \
        X(ERR_BLOB_SEALED, "BLOB-SEALED",                                      \
          "a sealed attachment does not decrypt with its key")                 \
        X(ERR_USER_LAST_ADMIN, "USER-LAST-ADMIN",                              \
          "the last admin account cannot be removed or demoted")

#define ERR_ENUM_(name, id, msg) name,
enum err_code { ERR_FIRST_ = -10000, ERR_TABLE(ERR_ENUM_) ERR_LAST_ };
#undef ERR_ENUM_

/* Message for any error code (ours or -errno). Never NULL; static storage. */
const char *err_str(int err);
/* Stable id such as "ENTRY-BAD-SIG"; "SYS-<ERRNO>" for system errors. */
const char *err_id(int err);

/* ---- allocation: out-of-memory aborts ---------------------------------- */

/*
 * Sizes malloc for a long-running process with a few threads: at most
 * MEM_ARENAS_MAX malloc arenas (glibc). Call first thing in main, before
 * any thread: glibc reads the limit when a second thread first mallocs.
 */
#define MEM_ARENAS_MAX 2
void mem_global_init(void);
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
/*
 * Overwrites the whole heap block p (from malloc, calloc or realloc; glibc:
 * malloc_usable_size bytes, more than were asked for) with zeros and
 * returns its size; NULL is 0. For blocks that held personal data, before
 * they are freed: explicit_bzero, which the compiler may not drop.
 */
size_t mem_wipe(void *p);
/* mem_wipe, then free: a free for jansson (json_set_alloc_funcs) and for
 * buffers of personal data whose size the caller does not track. */
void mem_wipe_free(void *p);
/* a + b into *out; false on overflow. */
static inline bool
size_add(size_t a, size_t b, size_t *out)
{
        return !__builtin_add_overflow(a, b, out);
}
static inline bool
size_mul(size_t a, size_t b, size_t *out)
{
        return !__builtin_mul_overflow(a, b, out);
}

/* ---- slices and buffers -------------------------------------------------- */

struct slice {
        const uint8_t *ptr;
        size_t len;
};

static inline struct slice
slice_make(const void *p, size_t n)
{
        struct slice s = {(const uint8_t *)p, n};
        return s;
}
struct slice slice_cstr(const char *s);
bool slice_eq(struct slice a, struct slice b);

struct buf {
        uint8_t *data;
        size_t len;
        size_t cap;
};

#define BUF_INIT                                                               \
        {                                                                      \
                NULL, 0, 0                                                     \
        }

void buf_init(struct buf *b);
/* Frees the storage; b is left empty and reusable. */
void buf_release(struct buf *b);
/* Overwrites the whole storage with zeros, then frees it like buf_release:
 * for plaintext personal data (opened seals), so none stays in freed heap. */
void buf_wipe_release(struct buf *b);
/* Ensures room for `extra` more bytes (plus the NUL). */
void buf_grow(struct buf *b, size_t extra);
void buf_reset(struct buf *b);
void buf_add(struct buf *b, const void *p, size_t n);
void buf_addc(struct buf *b, uint8_t c);
void buf_adds(struct buf *b, const char *s);
void buf_addf(struct buf *b, const char *fmt, ...) PRINTF(2, 3);
void buf_add_be64(struct buf *b, uint64_t v);
void buf_add_be32(struct buf *b, uint32_t v);
static inline struct slice
buf_slice(const struct buf *b)
{
        return slice_make(b->data, b->len);
}

void be64_put(uint8_t out[8], uint64_t v);
uint64_t be64_get(const uint8_t in[8]);
void be32_put(uint8_t out[4], uint32_t v);
uint32_t be32_get(const uint8_t in[4]);

/* ---- hex ----------------------------------------------------------------- */

/* Writes 2n lower-case hex digits and a NUL into out (size 2n + 1). */
void hex_encode(char *out, const uint8_t *in, size_t n);
/* Decodes exactly 2n hex digits of s into out; ERR_USAGE if not hex. */
int hex_decode(uint8_t *out, size_t n, const char *s, size_t slen) WUR;
/* Is s (length n) made of hex digits only? */
bool hex_valid(const char *s, size_t n);

/* ---- logging: one line per event, to stderr ------------------------------ */

enum log_level { LOG_ERROR = 0, LOG_WARN, LOG_INFO, LOG_DEBUG };

/* Lines below `level` are dropped. Default LOG_INFO. */
void log_set_level(enum log_level level);
int log_level_parse(const char *s, enum log_level *out) WUR;
/*
 * Emits "<UTC time> <level> <ID> <message>\n" in one write(2), so lines of
 * concurrent processes on one journal do not interleave.
 */
void log_emit(enum log_level level, const char *id, const char *fmt, ...)
    PRINTF(3, 4);

#define log_error(id, ...) log_emit(LOG_ERROR, id, __VA_ARGS__)
#define log_warn(id, ...) log_emit(LOG_WARN, id, __VA_ARGS__)
#define log_info(id, ...) log_emit(LOG_INFO, id, __VA_ARGS__)
#define log_debug(id, ...) log_emit(LOG_DEBUG, id, __VA_ARGS__)

/* Wall clock in milliseconds since the epoch (advisory, may be wrong). */
uint64_t time_now_ms(void);

#endif
