/*
 * evil_peer: a sync peer that misbehaves on purpose, for
 * tests/integration/test_refusals.sh. It dials a running daemon with plain
 * blocking POSIX sockets and speaks the real protocol through src/secure
 * (Noise XX, secretstream frames) and src/wire (sync messages), as the node
 * whose data directory it is given (node.key, node.cert), then breaks one
 * rule per scenario and checks that the daemon refuses it the way
 * proto/SYNC.md and proto/HANDSHAKE.md say.
 *
 *   evil_peer --connect HOST:PORT --data NODE_DIR --scenario NAME
 *             [--timeout-ms MS] [--bundle FILE] [--author DIR --store DIR]
 *
 * Scenarios (see usage() for the expected refusal of each): honest,
 * forged, broken-chain, fork, wrong-audience, oversized, garbage,
 * garbage-hs, other-network, unenrolled, unenrolled-garbage, revoked,
 * error-inject, error-empty; and with --bundle FILE holding one feed of
 * another node (simpul export --feed), a relay that prunes: pruned-relay,
 * forged-body, sends-bodies (proto/SYNC.md §5.2).
 *
 * Entries it writes have titles "<scenario>: valid N" or "<scenario>: bad
 * N", so the shell test can count what was stored. It prints what the
 * daemon did and a last line "result: open|closed error=ID|-", and exits 0
 * when that is what the scenario expects, 1 when not, 2 on a usage or
 * setup error.
 *
 * tests/integration/test_revocation.sh runs two more: revoked-live (the
 * daemon revokes this node while its link is up) and revoked-fork (a relay
 * forwards a revoked author's other entry at its cutoff).
 */
#include <errno.h>
#include <getopt.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "../../src/node/node.h"
#include "../../src/blob/blob.h"
#include "../../src/secure/secure.h"

#define PROLOGUE "simpul/1"
#define SIG_CONTEXT "simpul entry v1"
#define READ_CHUNK 65536U
#define DEFAULT_TIMEOUT_MS 10000
#define WANTS_MAX 64U         /* BODY_WANT entries remembered */
#define WATCH_INDEX_MAX 4096U /* FEED indexes watched for the bundle's feed */
#define RELAY_MAX 64U         /* entries of a relayed bundle */
/* 38 bytes: fits an ERROR id (< 40); the test looks for the FAKE id. */
#define ERROR_INJECTED "X\n2000-01-01T00:00:00.000Z warn FAKE x"

static bool verbose; /* --verbose: every message and read */

enum outcome {
        EXPECT_OPEN,  /* the link stays up: PING gets PONG */
        EXPECT_ERROR, /* ERROR id, then the daemon closes */
        EXPECT_CLOSE, /* the daemon closes; an ERROR, if any, carries id */
};

struct peer {
        int fd;
        const char *scenario;
        int timeout_ms;
        struct key *key; /* the identity presented */
        const char *connect_to;
        char region[REGION_BUF];
        struct network net;
        struct buf cert, issuer_cert;
        uint8_t cert_hash[SYNC_CERT_HASH_BYTES];
        struct secure_hs *hs;
        struct secure_reader reader;
        struct secure_stream tx, rx;
        bool open; /* streams ready */
        /* what the daemon did */
        bool eof, got_cert, got_hello, got_hello_ok, got_pong, got_head;
        bool got_synced, write_failed;
        uint64_t acked, entries_sent, frames_in;
        uint64_t entries_in, certs_in; /* ENTRIES and CERT messages */
        uint64_t echoed;               /* FEED messages naming our own key */
        uint32_t head_index, head_flags;
        uint64_t head_seq;
        char error_id[40];
        char peer_region[REGION_BUF];
        /* bodies: what the daemon asked for, and pushed of the bundle's
         * feed (--bundle scenarios) */
        struct sync_vec_item wants[WANTS_MAX];
        size_t wants_n;
        const uint8_t *watch_feed; /* the bundle's feed id, or NULL */
        bool watch_index[WATCH_INDEX_MAX];
        uint64_t watched_full, watched_pruned;
        /* attachments (proto/BLOBS.md) */
        char blob_none_id[40]; /* the BLOB_NONE received, "" if none */
        uint64_t blob_wants;   /* BLOB_WANTs received */
};

/* The blob this peer serves (--blob-file), forging the first chunk it
 * sends in blob-bad-chunk. */
static struct {
        bool on, forge;
        struct buf data, list;
        uint8_t root[32];
} serve;

/* One of our feeds as introduced with FEED. */
struct feed {
        uint32_t index;
        struct audience aud;
        uint32_t kind;
};

/* One signed entry of ours. */
struct fentry {
        uint64_t seq, ts;
        uint32_t kind;
        struct buf header, body;
        uint8_t sig[ENTRY_SIG_BYTES];
        uint8_t id[ENTRY_HASH_BYTES];
};

static void
die(const char *fmt, const char *arg)
{
        fprintf(stderr, "evil_peer: ");
        fprintf(stderr, fmt, arg);
        fputc('\n', stderr);
        exit(2);
}

static void
say(const struct peer *p, const char *what)
{
        printf("evil_peer: %s: %s\n", p->scenario, what);
        fflush(stdout);
}

static uint64_t
now_ms(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000U + (uint64_t)ts.tv_nsec / 1000000U;
}

/* ---- socket ---------------------------------------------------------------
 */

static int
tcp_connect(const char *address)
{
        char host[NODE_ADDR_MAX];
        const char *colon = strrchr(address, ':');
        struct addrinfo hints, *res = NULL;
        int fd, err;

        if (!colon || (size_t)(colon - address) >= sizeof(host))
                die("bad address '%s' (HOST:PORT)", address);
        memcpy(host, address, (size_t)(colon - address));
        host[colon - address] = 0;
        memset(&hints, 0, sizeof(hints));
        hints.ai_family = AF_UNSPEC;
        hints.ai_socktype = SOCK_STREAM;
        if ((err = getaddrinfo(host, colon + 1, &hints, &res)))
                die("cannot resolve '%s'", address);
        fd = socket(res->ai_family, SOCK_STREAM, 0);
        if (fd < 0 || connect(fd, res->ai_addr, res->ai_addrlen))
                die("cannot connect to '%s'", address);
        freeaddrinfo(res);
        return fd;
}

/* Writes everything; a daemon that already closed is not an error here
 * (the outcome check sees the close). */
static void
raw_write(struct peer *p, struct slice bytes)
{
        while (bytes.len > 0 && !p->eof && !p->write_failed) {
                ssize_t n = send(p->fd, bytes.ptr, bytes.len, MSG_NOSIGNAL);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0) {
                        printf("evil_peer: %s: write: %s\n", p->scenario,
                               strerror(errno));
                        /* The daemon closed (what it sent may still be
                         * there to read). */
                        p->write_failed = true;
                        return;
                }
                bytes.ptr += n;
                bytes.len -= (size_t)n;
        }
}

/* Reads what is there into the reader, waiting until deadline: 0, or
 * -ETIMEDOUT. A close (EOF or reset) sets p->eof. */
static int
read_more(struct peer *p, uint64_t deadline)
{
        static uint8_t chunk[READ_CHUNK];
        struct pollfd pfd = {p->fd, POLLIN, 0};
        uint64_t now = now_ms();
        ssize_t n;
        int rc;

        if (p->eof)
                return 0;
        if (now >= deadline)
                return -ETIMEDOUT;
        rc = poll(&pfd, 1, (int)(deadline - now));
        if (rc < 0)
                return errno == EINTR ? 0 : -errno;
        if (rc == 0)
                return -ETIMEDOUT;
        n = recv(p->fd, chunk, sizeof(chunk), 0);
        if (n < 0 && errno == EINTR)
                return 0;
        if (n <= 0) {
                if (n < 0 && errno != ECONNRESET)
                        printf("evil_peer: %s: read: %s\n", p->scenario,
                               strerror(errno));
                p->eof = true;
                return 0;
        }
        if (verbose)
                printf("evil_peer: %s: read %zd bytes\n", p->scenario, n);
        secure_reader_feed(&p->reader, slice_make(chunk, (size_t)n));
        return 0;
}

/* ---- handshake ------------------------------------------------------------
 */

static void
prologue_make(struct buf *out, const uint8_t network_id[ENTRY_HASH_BYTES])
{
        buf_adds(out, PROLOGUE);
        buf_add(out, network_id, ENTRY_HASH_BYTES);
}

/* The next handshake message: 1 and *msg, 0 on close, or an error. */
static int
hs_next(struct peer *p, struct slice *msg, uint64_t deadline)
{
        int rc;

        for (;;) {
                if ((rc = secure_reader_next_hs(&p->reader, msg)) != 0)
                        return rc;
                if (p->eof)
                        return 0;
                if ((rc = read_more(p, deadline)))
                        return rc;
        }
}

/*
 * Runs the handshake as initiator with prologue "simpul/1" || network_id
 * and our cert_hash as payload (no HELLO: we do not hold the daemon's
 * certificate). Returns 0 once the streams are up, ERR_HANDSHAKE if msg2
 * did not authenticate, 1 if the daemon closed, or -ETIMEDOUT.
 */
static int
handshake(struct peer *p, const uint8_t network_id[ENTRY_HASH_BYTES])
{
        uint64_t deadline = now_ms() + (uint64_t)p->timeout_ms;
        struct buf prologue = BUF_INIT, out = BUF_INIT, payload = BUF_INIT;
        uint8_t peer_hash[SYNC_CERT_HASH_BYTES];
        struct slice msg, rest;
        int rc;

        prologue_make(&prologue, network_id);
        if (secure_hs_new(&p->hs, true, p->key, buf_slice(&prologue)) ||
            secure_hs_write_framed(p->hs, slice_make(NULL, 0), &out))
                die("%s", "cannot start the handshake");
        raw_write(p, buf_slice(&out));
        rc = hs_next(p, &msg, deadline);
        if (rc != 1) {
                rc = rc == 0 ? 1 : rc;
                goto out;
        }
        if ((rc = secure_hs_read(p->hs, msg, &payload)))
                goto out;
        if (wire_sync_hs_payload_decode(buf_slice(&payload), peer_hash,
                                        &rest) ||
            rest.len)
                say(p, "daemon's msg2 payload is not a bare cert_hash");
        buf_reset(&payload);
        wire_sync_hs_payload(&payload, p->cert_hash, false,
                             slice_make(NULL, 0));
        buf_reset(&out);
        if (secure_hs_write_framed(p->hs, buf_slice(&payload), &out) ||
            !secure_hs_done(p->hs) ||
            secure_hs_split(p->hs, &p->tx, &p->rx, &out))
                die("%s", "cannot finish the handshake");
        raw_write(p, buf_slice(&out));
        p->open = true;
        rc = 0;
out:
        buf_release(&prologue);
        buf_release(&out);
        buf_release(&payload);
        return rc;
}

/* ---- frames and messages ------------------------------------------------- */

static void
send_frame(struct peer *p, struct buf *plain)
{
        struct buf out = BUF_INIT;

        if (secure_stream_push(&p->tx, buf_slice(plain), &out))
                die("%s", "cannot encrypt a frame");
        raw_write(p, buf_slice(&out));
        buf_release(&out);
        buf_reset(plain);
}

static void
send_simple(struct peer *p, enum sync_type type)
{
        struct buf b = BUF_INIT;

        wire_sync_simple(&b, type);
        send_frame(p, &b);
        buf_release(&b);
}

static void
send_cert(struct peer *p)
{
        struct buf b = BUF_INIT;

        wire_sync_cert(&b, buf_slice(&p->cert),
                       p->issuer_cert.len ? buf_slice(&p->issuer_cert)
                                          : slice_make(NULL, 0));
        send_frame(p, &b);
        buf_release(&b);
}

/* The daemon's certificate, as a real peer checks it. */
static void
on_cert(struct peer *p, const struct sync_msg *m)
{
        struct cert_info c;

        if (cert_verify(&p->net, m->cert, m->issuer_cert, 0, &c, NULL)) {
                say(p, "the daemon's certificate does not verify");
                return;
        }
        if (memcmp(c.node_pk, secure_hs_remote_key(p->hs), ENTRY_KEY_BYTES))
                say(p, "the daemon's certificate is for another key");
        memcpy(p->peer_region, c.region, REGION_BUF);
        p->got_cert = true;
}

static const char *const msg_names[] = {
    "?",          "HELLO",        "HELLO_OK",     "NEED_FULL", "CERT_REQUEST",
    "CERT",       "FEED",         "ENTRIES",      "ACK",       "HEAD",
    "SYNCED",     "PING",         "PONG",         "ERROR",     "FORK_PROOF",
    "BODY_WANT",  "BODY",         "TIME_REQUEST", "TIME",      "BLOB_WANT",
    "BLOB_LIST",  "BLOB_CHUNK",   "BLOB_NONE",    "BLOB_HAVE", "HELD",
    "HELLO_PART", "HELLO_PART_OK"};
_Static_assert(sizeof(msg_names) / sizeof(msg_names[0]) == SYNC_TYPE_LAST + 1,
               "a name for every message type");

static void
msg_print(const struct peer *p, const struct sync_msg *m)
{
        char key[2 * ENTRY_KEY_BYTES + 1], aud[40];

        printf("evil_peer: %s: <- %s", p->scenario, msg_names[m->type]);
        if (m->type == SYNC_FEED) {
                id_hex(key, m->author);
                audience_format(&m->audience, aud);
                printf(" %u author %.16s%s %s", m->index, key,
                       memcmp(m->author, p->key->pk, ENTRY_KEY_BYTES)
                           ? ""
                           : " (ours)",
                       aud);
        } else if (m->type == SYNC_ENTRIES) {
                printf(" %u from %llu, %zu entries", m->index,
                       (unsigned long long)m->seq, m->entries_n);
        } else if (m->type == SYNC_HEAD) {
                printf(" %u seq %llu flags %u", m->index,
                       (unsigned long long)m->seq, m->flags);
        } else if (m->type == SYNC_ACK) {
                printf(" %llu", (unsigned long long)m->frames);
        } else if (m->type == SYNC_ERROR) {
                printf(" %s", m->error_id);
        } else if (m->type == SYNC_BODY_WANT) {
                for (size_t i = 0; i < m->wants_n; i++) {
                        id_hex(key, m->wants[i].feed);
                        printf(" [%.16s %llu]", key,
                               (unsigned long long)m->wants[i].seq);
                }
        }
        putchar('\n');
}

/* A FEED naming the watched feed: remember its index. */
static void
watch_feed(struct peer *p, const struct sync_msg *m)
{
        uint8_t id[ENTRY_HASH_BYTES];

        if (!p->watch_feed || m->index >= WATCH_INDEX_MAX)
                return;
        feed_id_compute(id, m->author, m->author_region, &m->audience,
                        m->channel);
        p->watch_index[m->index] = !memcmp(id, p->watch_feed, ENTRY_HASH_BYTES);
}

/* ENTRIES of the watched feed: count those with and without a body. */
static void
watch_entries(struct peer *p, const struct sync_msg *m)
{
        if (!p->watch_feed || m->index >= WATCH_INDEX_MAX ||
            !p->watch_index[m->index])
                return;
        for (size_t i = 0; i < m->entries_n; i++) {
                if (m->entries[i].has_body)
                        p->watched_full++;
                else
                        p->watched_pruned++;
        }
}

static void
on_body_want(struct peer *p, const struct sync_msg *m)
{
        for (size_t i = 0; i < m->wants_n && p->wants_n < WANTS_MAX; i++)
                p->wants[p->wants_n++] = m->wants[i];
}

/* BLOB_WANT: the list, or the chunks asked (the first one forged). */
static void
on_blob_want(struct peer *p, const struct sync_msg *m, struct buf *reply)
{
        p->blob_wants++;
        if (!serve.on || memcmp(m->root, serve.root, 32)) {
                wire_sync_blob_none(reply, m->root, "BLOB-MISSING");
                return;
        }
        if (m->blob_count == 0) {
                wire_sync_blob_list(reply, serve.root, serve.data.len,
                                    buf_slice(&serve.list));
                return;
        }
        for (uint32_t i = m->blob_first; i < m->blob_first + m->blob_count;
             i++) {
                struct buf c = BUF_INIT;
                buf_add(&c, serve.data.data + (size_t)i * BLOB_CHUNK_BYTES,
                        blob_chunk_len(serve.data.len, i));
                if (serve.forge) {
                        c.data[c.len / 2] ^= 0x01; /* not its hash */
                        serve.forge = false;
                }
                wire_sync_blob_chunk(reply, serve.root, i, buf_slice(&c));
                buf_release(&c);
        }
}

static void
on_message(struct peer *p, const struct sync_msg *m, struct buf *reply)
{
        if (verbose)
                msg_print(p, m);
        switch (m->type) {
        case SYNC_BLOB_WANT:
                on_blob_want(p, m, reply);
                break;
        case SYNC_BLOB_NONE:
                snprintf(p->blob_none_id, sizeof(p->blob_none_id), "%s",
                         m->error_id);
                break;
        case SYNC_BODY_WANT:
                on_body_want(p, m);
                break;
        case SYNC_ENTRIES:
                p->entries_in++;
                watch_entries(p, m);
                break;
        case SYNC_CERT_REQUEST:
                send_cert(p); /* alone in its frame */
                break;
        case SYNC_CERT:
                p->certs_in++;
                on_cert(p, m);
                break;
        case SYNC_HELLO:
                /* We hold nothing of the daemon's: agree to whatever. */
                p->got_hello = true;
                wire_sync_uint(reply, SYNC_HELLO_OK, m->version);
                break;
        case SYNC_HELLO_OK:
                p->got_hello_ok = true;
                break;
        case SYNC_FEED:
                if (!memcmp(m->author, p->key->pk, ENTRY_KEY_BYTES))
                        p->echoed++;
                watch_feed(p, m);
                break;
        case SYNC_ACK:
                if (m->frames > p->acked)
                        p->acked = m->frames;
                break;
        case SYNC_HEAD:
                p->got_head = true;
                p->head_index = m->index;
                p->head_seq = m->seq;
                p->head_flags = m->flags;
                break;
        case SYNC_PING:
                wire_sync_simple(reply, SYNC_PONG);
                break;
        case SYNC_PONG:
                p->got_pong = true;
                break;
        case SYNC_ERROR:
                snprintf(p->error_id, sizeof(p->error_id), "%s", m->error_id);
                break;
        case SYNC_SYNCED:
                p->got_synced = true;
                break;
        default: /* NEED_FULL: not our concern */
                break;
        }
}

static void
on_frame(struct peer *p, struct slice frame)
{
        struct sync_decoder dec;
        struct buf reply = BUF_INIT;
        struct sync_msg m;
        int rc;

        p->frames_in++;
        sync_decoder_init(&dec);
        sync_decoder_frame(&dec, frame);
        while ((rc = sync_decoder_next(&dec, &m)) == 1)
                on_message(p, &m, &reply);
        if (rc < 0)
                say(p, "the daemon sent a frame that does not decode");
        sync_decoder_release(&dec);
        if (reply.len && !p->eof)
                send_frame(p, &reply);
        buf_release(&reply);
}

typedef bool (*done_fn)(const struct peer *p, uint64_t arg);

/*
 * Reads and handles frames until done(p, arg) holds (0), the daemon
 * closes (1), or the timeout passes (-ETIMEDOUT). A frame that does not
 * decrypt is reported and ends the wait (-EPROTO).
 */
static int
pump_until(struct peer *p, done_fn done, uint64_t arg)
{
        uint64_t deadline = now_ms() + (uint64_t)p->timeout_ms;
        struct buf plain = BUF_INIT;
        int rc = 0;

        while (!done(p, arg)) {
                rc = p->open ? secure_reader_next(&p->reader, &p->rx, &plain)
                             : 0;
                if (rc == 1) {
                        on_frame(p, buf_slice(&plain));
                        rc = 0;
                        continue;
                }
                if (rc < 0) {
                        say(p, "the daemon's stream does not decrypt");
                        rc = -EPROTO;
                        break;
                }
                if (p->eof) {
                        rc = 1;
                        break;
                }
                if ((rc = read_more(p, deadline)))
                        break;
        }
        buf_release(&plain);
        return done(p, arg) ? 0 : rc;
}

static bool
done_joined(const struct peer *p, uint64_t arg)
{
        (void)arg;
        return p->got_cert && p->got_hello;
}

static bool
done_hello_ok(const struct peer *p, uint64_t arg)
{
        (void)arg;
        return p->got_hello_ok;
}

static bool
done_acked(const struct peer *p, uint64_t n)
{
        return p->acked >= n;
}

static bool
done_head(const struct peer *p, uint64_t arg)
{
        (void)arg;
        return p->got_head;
}

static bool
done_pong(const struct peer *p, uint64_t arg)
{
        (void)arg;
        return p->got_pong || p->error_id[0];
}

static bool
done_wanted(const struct peer *p, uint64_t n)
{
        return p->wants_n >= n;
}

static bool
done_watched(const struct peer *p, uint64_t n)
{
        return p->watched_full + p->watched_pruned >= n;
}

static bool
done_blob_none(const struct peer *p, uint64_t arg)
{
        (void)arg;
        return p->blob_none_id[0] || p->error_id[0];
}

static bool
done_never(const struct peer *p, uint64_t arg)
{
        (void)p;
        (void)arg;
        return false;
}

/* Handles what arrives for ms milliseconds (live pushes come within 1 s). */
static void
settle(struct peer *p, int ms)
{
        int saved = p->timeout_ms;

        p->timeout_ms = ms;
        (void)pump_until(p, done_never, 0);
        p->timeout_ms = saved;
}

static void
expect_ok(struct peer *p, int rc, const char *what)
{
        char line[160];

        if (!rc)
                return;
        snprintf(line, sizeof(line), "%s: %s%s%s", what,
                 rc == 1               ? "the daemon closed the link"
                 : rc == -ETIMEDOUT    ? "timed out"
                 : rc == ERR_HANDSHAKE ? "the daemon's msg2 does not "
                                         "authenticate"
                                       : "the daemon's stream failed",
                 p->error_id[0] ? " after ERROR " : "", p->error_id);
        say(p, line);
        printf("result: %s error=%s\n", p->eof ? "closed" : "open",
               p->error_id[0] ? p->error_id : "-");
        exit(1);
}

/*
 * Runs the handshake as this node, asks for the daemon's certificate,
 * answers its CERT_REQUEST, waits for its HELLO (it validated us), sends
 * ours (an empty vector, base 0, the digest of nothing) and waits for
 * HELLO_OK. Exits 1 if the daemon does not get that far.
 */
static void
join(struct peer *p)
{
        uint8_t instance[SYNC_INSTANCE_BYTES], h[ENTRY_HASH_BYTES];
        struct buf b = BUF_INIT;

        expect_ok(p, handshake(p, p->net.id), "handshake");
        send_simple(p, SYNC_CERT_REQUEST);
        expect_ok(p, pump_until(p, done_joined, 0), "joining");
        random_bytes(instance, sizeof(instance));
        hash_bytes(h, slice_make(NULL, 0));
        wire_sync_hello(&b, instance, 0, 0, h, NULL, 0);
        send_frame(p, &b);
        buf_release(&b);
        expect_ok(p, pump_until(p, done_hello_ok, 0), "waiting for HELLO_OK");
}

/* ---- entries --------------------------------------------------------------
 */

static void
feed_init(struct feed *f, uint32_t index, const char *aud)
{
        f->index = index;
        f->kind = KIND_INFORMASI;
        if (audience_parse(&f->aud, aud))
                die("bad audience '%s'", aud);
}

/* Signs an entry of feed f, whatever the rules say (the point of this
 * tool); prev NULL for seq 1. */
static void
entry_make(struct peer *p, const struct feed *f, uint64_t seq,
           const uint8_t *prev, const char *title, struct fentry *e)
{
        const struct body_field fields[] = {{"title", title, 0},
                                            {"text", p->scenario, 0}};
        struct entry_header h;
        struct buf msg = BUF_INIT;

        memset(e, 0, sizeof(*e));
        e->seq = seq;
        e->ts = (uint64_t)time(NULL) * 1000U + seq;
        e->kind = f->kind;
        wire_body_build(fields, ARRAY_LEN(fields), &e->body);
        memset(&h, 0, sizeof(h));
        memcpy(h.author, p->key->pk, ENTRY_KEY_BYTES);
        memcpy(h.author_region, p->region, REGION_BUF);
        h.audience = f->aud;
        h.channel = (uint8_t)kind_channel(f->kind);
        h.seq = seq;
        h.has_prev = prev != NULL;
        if (prev)
                memcpy(h.prev, prev, ENTRY_HASH_BYTES);
        h.timestamp_ms = e->ts;
        h.kind = f->kind;
        h.body_len = (uint32_t)e->body.len;
        hash_bytes(h.body_hash, buf_slice(&e->body));
        wire_header_encode(&h, &e->header);
        hash_bytes(e->id, buf_slice(&e->header));
        buf_adds(&msg, SIG_CONTEXT);
        buf_add(&msg, e->header.data, e->header.len);
        crypto_sign_detached(e->sig, NULL, msg.data, msg.len, p->key->sk);
        buf_release(&msg);
}

static void
entry_release(struct fentry *e)
{
        buf_release(&e->header);
        buf_release(&e->body);
}

static void
msg_feed(struct buf *out, const struct peer *p, const struct feed *f)
{
        wire_sync_feed(out, f->index, p->key->pk, p->region, &f->aud,
                       (uint8_t)kind_channel(f->kind));
}

/* One ENTRIES message of consecutive entries es[0..n). */
static void
msg_entries(struct peer *p, struct buf *out, const struct feed *f,
            struct fentry *const *es, size_t n)
{
        uint64_t prev_ts = es[0]->ts;

        wire_sync_entries(out, f->index, es[0]->seq, es[0]->ts, NULL, n);
        for (size_t i = 0; i < n; i++) {
                struct sync_compact c;
                memset(&c, 0, sizeof(c));
                c.ts_delta = (int64_t)(es[i]->ts - prev_ts);
                prev_ts = es[i]->ts;
                c.kind = es[i]->kind;
                c.has_body = true;
                c.body = buf_slice(&es[i]->body);
                c.sig = slice_make(es[i]->sig, ENTRY_SIG_BYTES);
                wire_sync_compact(out, &c);
        }
        p->entries_sent++;
}

/* A lateral audience (tree of the parent: allowed for any author) and
 * the one above it (not allowed). */
static void
audiences(const struct peer *p, char lateral[48], char above[48])
{
        char parent[REGION_BUF], grand[REGION_BUF];

        if (region_parent(p->region, parent) || region_parent(parent, grand))
                die("node region '%s' needs a grandparent", p->region);
        snprintf(lateral, 48, "tree:%s", parent);
        snprintf(above, 48, "tree:%s", grand);
}

/* Appends a bundle (magic, then length-prefixed envelopes) to path. */
static void
bundle_write(const char *path, struct fentry *const *es, size_t n)
{
        struct buf out = BUF_INIT;
        FILE *f;

        buf_add(&out, BUNDLE_MAGIC, BUNDLE_MAGIC_BYTES);
        for (size_t i = 0; i < n; i++) {
                struct envelope env = {buf_slice(&es[i]->header),
                                       slice_make(es[i]->sig, ENTRY_SIG_BYTES),
                                       true, buf_slice(&es[i]->body)};
                struct buf one = BUF_INIT;
                wire_envelope_encode(&env, &one);
                buf_add_be32(&out, (uint32_t)one.len);
                buf_add(&out, one.data, one.len);
                buf_release(&one);
        }
        if (!(f = fopen(path, "wb")) ||
            fwrite(out.data, 1, out.len, f) != out.len || fclose(f))
                die("cannot write '%s'", path);
        buf_release(&out);
}

/* ---- outcome ----------------------------------------------------------- */

/*
 * Waits for what the scenario expects and prints the result line.
 * Returns the exit status: 0 if the daemon did as expected.
 */
static int
finish(struct peer *p, enum outcome want, const char *id)
{
        int rc;
        bool ok;

        if (want == EXPECT_OPEN && !p->eof && p->open) {
                p->got_pong = false;
                send_simple(p, SYNC_PING);
                rc = pump_until(p, done_pong, 0);
                ok = !rc && p->got_pong && !p->error_id[0] && !p->eof;
        } else {
                rc = pump_until(p, done_never, 0);
                ok = want != EXPECT_OPEN && p->eof;
                if (want == EXPECT_ERROR)
                        ok = ok && !strcmp(p->error_id, id);
                else if (p->error_id[0] && id)
                        ok = ok && !strcmp(p->error_id, id);
                if (rc == -ETIMEDOUT)
                        say(p, "the daemon did not close the link");
        }
        printf("result: %s error=%s\n", p->eof ? "closed" : "open",
               p->error_id[0] ? p->error_id : "-");
        if (!ok) {
                char line[160];
                snprintf(line, sizeof(line), "expected %s%s%s",
                         want == EXPECT_OPEN    ? "the link to stay open"
                         : want == EXPECT_ERROR ? "ERROR and a close"
                                                : "a close",
                         id ? ", id " : "", id ? id : "");
                say(p, line);
        }
        return ok ? 0 : 1;
}

/* ---- scenarios ------------------------------------------------------------
 */

static const char *bundle_path;

/* Two valid entries, acknowledged and not pushed back to us (SYNC.md §6:
 * never back to the peer it got them from); the link stays up. */
static int
sc_honest(struct peer *p)
{
        struct fentry e1, e2;
        struct fentry *es[] = {&e1, &e2};
        struct buf b = BUF_INIT;
        char lateral[48], above[48];
        struct feed f;
        int rc;

        audiences(p, lateral, above);
        feed_init(&f, 0, lateral);
        join(p);
        entry_make(p, &f, 1, NULL, "honest: valid 1", &e1);
        entry_make(p, &f, 2, e1.id, "honest: valid 2", &e2);
        msg_feed(&b, p, &f);
        msg_entries(p, &b, &f, es, 2);
        send_frame(p, &b);
        expect_ok(p, pump_until(p, done_acked, p->entries_sent),
                  "waiting for ACK");
        wire_sync_simple(&b, SYNC_SYNCED);
        send_frame(p, &b);
        settle(p, 1500);
        rc = finish(p, EXPECT_OPEN, NULL);
        if (p->echoed) {
                say(p, "the daemon pushed our own feed back to us");
                rc = 1;
        }
        entry_release(&e1);
        entry_release(&e2);
        buf_release(&b);
        return rc;
}

/* Three valid entries, then one whose signature is wrong. */
static int
sc_forged(struct peer *p)
{
        struct fentry e[4];
        struct fentry *es[] = {&e[0], &e[1], &e[2], &e[3]};
        struct buf b = BUF_INIT;
        char lateral[48], above[48];
        struct feed f;
        int rc;

        audiences(p, lateral, above);
        feed_init(&f, 0, lateral);
        join(p);
        entry_make(p, &f, 1, NULL, "forged: valid 1", &e[0]);
        entry_make(p, &f, 2, e[0].id, "forged: valid 2", &e[1]);
        entry_make(p, &f, 3, e[1].id, "forged: valid 3", &e[2]);
        entry_make(p, &f, 4, e[2].id, "forged: bad 4", &e[3]);
        e[3].sig[10] ^= 0x01;
        msg_feed(&b, p, &f);
        msg_entries(p, &b, &f, es, 2);
        send_frame(p, &b);
        expect_ok(p, pump_until(p, done_acked, p->entries_sent),
                  "waiting for ACK");
        /* The valid seq 3 and the forged seq 4 in one message. */
        msg_entries(p, &b, &f, es + 2, 2);
        send_frame(p, &b);
        rc = finish(p, EXPECT_ERROR, "ENTRY-BAD-SIG");
        for (size_t i = 0; i < 4; i++)
                entry_release(&e[i]);
        buf_release(&b);
        return rc;
}

/*
 * A run that starts beyond the daemon's head (HEAD, nothing else), then
 * seq 1, then a seq 2 the author signed on another seq 1 (prev wrong for
 * the held chain). The receiver derives prev from what it holds (SYNC.md
 * §5), so the signature cannot verify: ENTRY-BAD-SIG. With --bundle the
 * full envelopes (seq 1, the divergent seq 2) go to a bundle file, where
 * prev travels explicitly (SPEC.md §5.1 rule 5: FEED-FORK).
 */
static int
sc_broken_chain(struct peer *p)
{
        struct fentry e1, e2, b1, b2;
        struct fentry *es1[] = {&e1}, *es2[] = {&e2}, *bs2[] = {&b2};
        struct fentry *bundle[] = {&e1, &b2};
        struct buf b = BUF_INIT;
        char lateral[48], above[48];
        struct feed f;
        int rc;

        audiences(p, lateral, above);
        feed_init(&f, 0, lateral);
        entry_make(p, &f, 1, NULL, "broken-chain: valid 1", &e1);
        entry_make(p, &f, 2, e1.id, "broken-chain: gap 2", &e2);
        entry_make(p, &f, 1, NULL, "broken-chain: other 1", &b1);
        entry_make(p, &f, 2, b1.id, "broken-chain: bad 2", &b2);
        if (bundle_path)
                bundle_write(bundle_path, bundle, 2);
        join(p);
        msg_feed(&b, p, &f);
        msg_entries(p, &b, &f, es2, 1); /* start_seq 2, head 0 */
        send_frame(p, &b);
        expect_ok(p, pump_until(p, done_head, 0), "waiting for HEAD");
        if (p->head_index != 0 || p->head_seq != 0 || p->head_flags != 0 ||
            p->error_id[0]) {
                say(p, "expected HEAD 0 0 0 for a run past the head");
                return 1;
        }
        say(p, "got HEAD index 0 seq 0 for a run past the head");
        msg_entries(p, &b, &f, es1, 1);
        send_frame(p, &b);
        expect_ok(p, pump_until(p, done_acked, p->entries_sent),
                  "waiting for ACK of seq 1");
        msg_entries(p, &b, &f, bs2, 1);
        send_frame(p, &b);
        rc = finish(p, EXPECT_ERROR, "ENTRY-BAD-SIG");
        entry_release(&e1);
        entry_release(&e2);
        entry_release(&b1);
        entry_release(&b2);
        buf_release(&b);
        return rc;
}

/* Seq 1, acknowledged; another seq 1 (fork: HEAD frozen); then seq 2 on
 * the frozen feed (HEAD frozen again). The link stays. */
static int
sc_fork(struct peer *p)
{
        struct fentry a1, x1, a2;
        struct fentry *as1[] = {&a1}, *xs1[] = {&x1}, *as2[] = {&a2};
        struct buf b = BUF_INIT;
        char lateral[48], above[48];
        struct feed f;
        int rc = 1;

        audiences(p, lateral, above);
        feed_init(&f, 0, lateral);
        join(p);
        entry_make(p, &f, 1, NULL, "fork: valid 1", &a1);
        entry_make(p, &f, 1, NULL, "fork: bad 1", &x1);
        entry_make(p, &f, 2, a1.id, "fork: frozen 2", &a2);
        msg_feed(&b, p, &f);
        msg_entries(p, &b, &f, as1, 1);
        send_frame(p, &b);
        expect_ok(p, pump_until(p, done_acked, p->entries_sent),
                  "waiting for ACK of seq 1");
        msg_entries(p, &b, &f, xs1, 1);
        send_frame(p, &b);
        expect_ok(p, pump_until(p, done_head, 0), "waiting for HEAD");
        if (p->head_index != 0 || p->head_seq != 0 ||
            !(p->head_flags & SYNC_HEAD_FROZEN)) {
                say(p, "expected HEAD 0 0 frozen after the fork");
                goto out;
        }
        say(p, "got HEAD index 0 seq 0 frozen after the fork");
        p->got_head = false;
        msg_entries(p, &b, &f, as2, 1);
        send_frame(p, &b);
        expect_ok(p, pump_until(p, done_head, 0), "waiting for HEAD");
        if (!(p->head_flags & SYNC_HEAD_FROZEN)) {
                say(p, "expected HEAD frozen for seq 2 of a frozen feed");
                goto out;
        }
        say(p, "got HEAD frozen for seq 2 of the frozen feed");
        rc = finish(p, EXPECT_OPEN, NULL);
out:
        entry_release(&a1);
        entry_release(&x1);
        entry_release(&a2);
        buf_release(&b);
        return rc;
}

/* A valid lateral entry, then one to the audience above the parent,
 * which the author's region may not write. */
static int
sc_wrong_audience(struct peer *p)
{
        struct fentry v1, x1;
        struct fentry *vs[] = {&v1}, *xs[] = {&x1};
        struct buf b = BUF_INIT;
        char lateral[48], above[48];
        struct feed f0, f1;
        int rc;

        audiences(p, lateral, above);
        feed_init(&f0, 0, lateral);
        feed_init(&f1, 1, above);
        join(p);
        entry_make(p, &f0, 1, NULL, "wrong-audience: valid 1", &v1);
        entry_make(p, &f1, 1, NULL, "wrong-audience: bad 1", &x1);
        msg_feed(&b, p, &f0);
        msg_entries(p, &b, &f0, vs, 1);
        msg_feed(&b, p, &f1);
        msg_entries(p, &b, &f1, xs, 1);
        send_frame(p, &b);
        rc = finish(p, EXPECT_ERROR, "ENTRY-AUTHOR-RULE");
        entry_release(&v1);
        entry_release(&x1);
        buf_release(&b);
        return rc;
}

/* A frame length of 1 MiB + 18, and no body: refused on the length. */
static int
sc_oversized(struct peer *p)
{
        struct buf b = BUF_INIT;
        int rc;

        join(p);
        buf_add_be32(&b, SECURE_FRAME_MAX + SECURE_FRAME_ABYTES + 1);
        raw_write(p, buf_slice(&b));
        rc = finish(p, EXPECT_CLOSE, "FRAME-TOO-BIG");
        buf_release(&b);
        return rc;
}

/* A well-sized frame of random bytes after the handshake. */
static int
sc_garbage(struct peer *p)
{
        uint8_t junk[4 + 64];

        join(p);
        random_bytes(junk, sizeof(junk));
        be32_put(junk, 64);
        raw_write(p, slice_make(junk, sizeof(junk)));
        return finish(p, EXPECT_CLOSE, "FRAME-DECRYPT");
}

/* An ERROR whose id is not a stable id: text with a line break and a
 * forged log line (log injection), or nothing (an empty string). The
 * daemon ends the link; its log stays one line per event. */
static int
sc_bad_error(struct peer *p, const char *id)
{
        struct buf b = BUF_INIT;

        join(p);
        wire_sync_error(&b, id);
        send_frame(p, &b);
        buf_release(&b);
        return finish(p, EXPECT_CLOSE, NULL);
}

/* Drains the raw connection until the daemon closes; returns the number of
 * bytes it sent, or -1 on timeout. */
static long
drain_raw(struct peer *p)
{
        uint64_t deadline = now_ms() + (uint64_t)p->timeout_ms;
        size_t before;
        long got = 0;

        while (!p->eof) {
                before = secure_reader_pending(&p->reader);
                if (read_more(p, deadline))
                        return -1;
                got += (long)(secure_reader_pending(&p->reader) - before);
        }
        return got;
}

static int
closed_raw(struct peer *p, long got)
{
        printf("result: %s error=-\n", got < 0 ? "open" : "closed");
        if (got < 0) {
                say(p, "the daemon did not close the link");
                return 1;
        }
        if (got > 0) {
                say(p, "the daemon answered bytes it should have refused");
                return 1;
        }
        return 0;
}

/* Random bytes instead of the handshake's msg1: a plausible length prefix
 * (not 32), then that many random bytes. */
static int
sc_garbage_hs(struct peer *p)
{
        uint8_t junk[2 + 254];

        random_bytes(junk, sizeof(junk));
        junk[0] = 0;
        junk[1] = 254;
        raw_write(p, slice_make(junk, sizeof(junk)));
        return closed_raw(p, drain_raw(p));
}

/* The handshake bound to another network: our check of msg2 fails (as it
 * must), then we send a random msg3 to the daemon anyway. */
static int
sc_other_network(struct peer *p)
{
        uint8_t other[ENTRY_HASH_BYTES], junk[2 + 106];
        int rc;

        hash_bytes(other, slice_cstr("evil_peer: another network"));
        rc = handshake(p, other);
        if (rc != ERR_HANDSHAKE) {
                say(p, rc ? "the daemon closed before msg2"
                          : "the handshake completed across networks");
                printf("result: %s error=-\n", p->eof ? "closed" : "open");
                return 1;
        }
        say(p, "msg2 does not authenticate for another network (right)");
        random_bytes(junk, sizeof(junk));
        junk[0] = 0;
        junk[1] = 106;
        raw_write(p, slice_make(junk, sizeof(junk)));
        return closed_raw(p, drain_raw(p));
}

/* A fresh key with a self-signed certificate for the node's region. */
static int
sc_unenrolled(struct peer *p, bool garbage)
{
        uint8_t seed[KEY_SEED_BYTES], h[ENTRY_HASH_BYTES], junk[120];
        struct cert_info c;
        uint64_t now = (uint64_t)time(NULL) * 1000U;

        random_bytes(seed, sizeof(seed));
        key_free(p->key);
        p->key = key_from_seed(seed);
        buf_reset(&p->cert);
        buf_reset(&p->issuer_cert);
        if (garbage) {
                random_bytes(junk, sizeof(junk));
                buf_add(&p->cert, junk, sizeof(junk));
        } else {
                memset(&c, 0, sizeof(c));
                memcpy(c.network_id, p->net.id, ENTRY_HASH_BYTES);
                memcpy(c.node_pk, p->key->pk, ENTRY_KEY_BYTES);
                memcpy(c.region, p->region, REGION_BUF);
                snprintf(c.name, sizeof(c.name), "Penyusup");
                c.valid_from_ms = now - 3600U * 1000U;
                c.valid_until_ms = now + 30ULL * 86400U * 1000U;
                cert_sign(p->key, &c, &p->cert);
        }
        hash_bytes(h, buf_slice(&p->cert));
        memcpy(p->cert_hash, h, SYNC_CERT_HASH_BYTES);
        expect_ok(p, handshake(p, p->net.id), "handshake");
        send_simple(p, SYNC_CERT_REQUEST);
        return finish(p, EXPECT_ERROR, "CERT-INVALID");
}

/* A revoked node: refused at the handshake, before any frame. */
static int
sc_revoked(struct peer *p)
{
        int rc = handshake(p, p->net.id);

        if (rc && rc != 1) {
                say(p, "the handshake failed on our side");
                return 1;
        }
        rc = finish(p, EXPECT_CLOSE, "NODE-REVOKED");
        if (p->frames_in) {
                say(p, "the daemon sent frames to a revoked node");
                rc = 1;
        }
        return rc;
}

/* ---- bounded work per message (issue 9, item 3; SYNC.md §4.1, §5) ------ */

static const char *feed_arg; /* --feed HEX: a feed id for hello-outside */
static long count_arg = 40;  /* --count N */

/* Runs the handshake and the certificate exchange, then waits for the
 * daemon's HELLO (it validated us), without sending ours. */
static void
join_no_hello(struct peer *p)
{
        expect_ok(p, handshake(p, p->net.id), "handshake");
        send_simple(p, SYNC_CERT_REQUEST);
        expect_ok(p, pump_until(p, done_joined, 0), "joining");
}

static int
id_cmp_vec(const void *a, const void *b)
{
        return memcmp(((const struct sync_vec_item *)a)->feed,
                      ((const struct sync_vec_item *)b)->feed,
                      ENTRY_HASH_BYTES);
}

/* A HELLO with base 0 and a delta of n (feed, seq) pairs, with the digest
 * of exactly that vector: a well-formed full vector. */
static void
msg_full_hello(struct buf *out, const uint8_t *feeds, size_t n)
{
        struct sync_vec_item *delta = xcalloc(n ? n : 1, sizeof(*delta));
        uint8_t instance[SYNC_INSTANCE_BYTES], h[ENTRY_HASH_BYTES];
        struct buf pairs = BUF_INIT;

        for (size_t i = 0; i < n; i++) {
                memcpy(delta[i].feed, feeds + i * ENTRY_HASH_BYTES,
                       ENTRY_HASH_BYTES);
                delta[i].seq = 1;
                random_bytes(delta[i].head, ENTRY_HASH_BYTES);
        }
        /* The digest sorts by feed id (SYNC.md §4). */
        qsort(delta, n, sizeof(*delta), id_cmp_vec);
        for (size_t i = 0; i < n; i++) {
                buf_add(&pairs, delta[i].feed, ENTRY_HASH_BYTES);
                buf_add_be64(&pairs, delta[i].seq);
        }
        hash_bytes(h, buf_slice(&pairs));
        random_bytes(instance, sizeof(instance));
        wire_sync_hello(out, instance, 1, 0, h, delta, n);
        buf_release(&pairs);
        free(delta);
}

/* A second HELLO after the first was accepted: PROTO-VIOLATION. */
static int
sc_hello_again(struct peer *p)
{
        struct buf b = BUF_INIT;

        join(p);
        msg_full_hello(&b, NULL, 0);
        send_frame(p, &b);
        buf_release(&b);
        return finish(p, EXPECT_ERROR, "PROTO-VIOLATION");
}

/* NEED_FULL that answers nothing of ours (we accepted the daemon's HELLO
 * with HELLO_OK already): PROTO-VIOLATION. */
static int
sc_need_full(struct peer *p)
{
        join(p);
        send_simple(p, SYNC_NEED_FULL);
        return finish(p, EXPECT_ERROR, "PROTO-VIOLATION");
}

/* A HELLO naming a feed the daemon holds outside the link's universe. */
static int
sc_hello_outside(struct peer *p)
{
        uint8_t feed[ENTRY_HASH_BYTES];
        struct buf b = BUF_INIT;

        if (!feed_arg ||
            hex_decode(feed, sizeof(feed), feed_arg, strlen(feed_arg)))
                die("%s", "hello-outside needs --feed HEX (64 digits)");
        join_no_hello(p);
        msg_full_hello(&b, feed, 1);
        send_frame(p, &b);
        buf_release(&b);
        return finish(p, EXPECT_ERROR, "PROTO-VIOLATION");
}

/* A full HELLO of --count feeds the daemon does not hold (it cannot tell
 * whether they are in the universe): accepted, never stored. */
static int
sc_hello_unheld(struct peer *p)
{
        size_t n = (size_t)count_arg;
        uint8_t *feeds = xmalloc(n * ENTRY_HASH_BYTES);
        struct buf b = BUF_INIT;

        random_bytes(feeds, n * ENTRY_HASH_BYTES);
        join_no_hello(p);
        msg_full_hello(&b, feeds, n);
        send_frame(p, &b);
        buf_release(&b);
        free(feeds);
        expect_ok(p, pump_until(p, done_hello_ok, 0), "waiting for HELLO_OK");
        return finish(p, EXPECT_OPEN, NULL);
}

/* A FEED not followed by ENTRIES of it: PROTO-VIOLATION. */
static int
sc_feed_idle(struct peer *p)
{
        char lateral[48], above[48];
        struct buf b = BUF_INIT;
        struct feed f0, f1;

        audiences(p, lateral, above);
        feed_init(&f0, 0, lateral);
        feed_init(&f1, 1, lateral);
        f1.kind = KIND_PERINGATAN; /* another channel: another feed */
        join(p);
        msg_feed(&b, p, &f0);
        msg_feed(&b, p, &f1);
        send_frame(p, &b);
        buf_release(&b);
        return finish(p, EXPECT_ERROR, "PROTO-VIOLATION");
}

/* A FEED whose audience holds the daemon but not us: we cannot hold it. */
static int
sc_feed_outside(struct peer *p)
{
        struct fentry e;
        struct fentry *es[] = {&e};
        struct buf b = BUF_INIT;
        struct feed f;

        feed_init(&f, 0, "tree:36.04.07");
        join(p);
        entry_make(p, &f, 1, NULL, "feed-outside: bad 1", &e);
        msg_feed(&b, p, &f);
        msg_entries(p, &b, &f, es, 1);
        send_frame(p, &b);
        buf_release(&b);
        entry_release(&e);
        return finish(p, EXPECT_ERROR, "PROTO-VIOLATION");
}

static bool
done_synced(const struct peer *p, uint64_t arg)
{
        (void)arg;
        return p->got_synced;
}

/* HEAD for a feed with nothing of the daemon's in flight (we acknowledged
 * all it sent): it would make the daemon resend for nothing. */
static int
sc_head_unasked(struct peer *p)
{
        struct buf b = BUF_INIT;

        join(p);
        expect_ok(p, pump_until(p, done_synced, 0), "waiting for SYNCED");
        if (!p->entries_in)
                die("%s", "head-unasked: the daemon pushed nothing");
        wire_sync_uint(&b, SYNC_ACK, p->entries_in);
        send_frame(p, &b);
        settle(p, 500);
        wire_sync_head(&b, 0, 0, 0);
        send_frame(p, &b);
        buf_release(&b);
        return finish(p, EXPECT_ERROR, "PROTO-VIOLATION");
}

/* CERT_REQUEST again and again before we present our certificate: one
 * CERT back, then PROTO-VIOLATION. */
static int
sc_cert_requests(struct peer *p)
{
        struct buf b = BUF_INIT;
        int rc;

        expect_ok(p, handshake(p, p->net.id), "handshake");
        for (long i = 0; i < count_arg; i++) {
                wire_sync_simple(&b, SYNC_CERT_REQUEST);
                send_frame(p, &b);
        }
        buf_release(&b);
        rc = finish(p, EXPECT_ERROR, "PROTO-VIOLATION");
        printf("evil_peer: %s: %llu CERT answered\n", p->scenario,
               (unsigned long long)p->certs_in);
        return rc || p->certs_in != 1;
}

/* CERT twice: the second is asked for by nobody. */
static int
sc_cert_unasked(struct peer *p)
{
        expect_ok(p, handshake(p, p->net.id), "handshake");
        send_cert(p);
        send_cert(p);
        return finish(p, EXPECT_ERROR, "PROTO-VIOLATION");
}

/* Frames of PINGs, never reading the PONGs: the daemon's queue for us
 * stops at its bound and it closes (LINK-BACKLOG). */
static int
sc_no_read(struct peer *p)
{
        struct buf b = BUF_INIT;

        join(p);
        for (long f = 0; f < count_arg && !p->write_failed; f++) {
                /* A PING is 2 bytes: one frame of 1 MiB minus a margin. */
                for (size_t i = 0; i < (1024U * 1024U - 64U) / 2U; i++)
                        wire_sync_simple(&b, SYNC_PING);
                send_frame(p, &b);
        }
        buf_release(&b);
        /* Whatever it sent us is not read; only whether it closed. */
        p->eof = p->write_failed;
        for (uint64_t end = now_ms() + (uint64_t)p->timeout_ms;
             !p->eof && now_ms() < end;) {
                char c;
                ssize_t n = recv(p->fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);
                if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
                        p->eof = true;
                else
                        usleep(20000);
        }
        printf("result: %s error=-\n", p->eof ? "closed" : "open");
        return p->eof ? 0 : 1;
}

/* Opens --count TCP connections that start the handshake and never finish
 * it: the daemon keeps a few per address and closes the others at once
 * (LINK-BUSY). Counts the connections it closed within 2 s. */
static int
sc_hs_flood(struct peer *p)
{
        size_t n = (size_t)count_arg, closed = 0;
        int *fds = xcalloc(n, sizeof(*fds));
        uint8_t e[34] = {0, 32};
        char addr[80];
        uint64_t end;

        snprintf(addr, sizeof(addr), "%s", p->connect_to);
        random_bytes(e + 2, 32); /* msg1: a length and 32 bytes */
        for (size_t i = 0; i < n; i++) {
                fds[i] = tcp_connect(addr);
                (void)!send(fds[i], e, sizeof(e), MSG_NOSIGNAL);
        }
        end = now_ms() + 2000U;
        while (now_ms() < end)
                usleep(50000);
        for (size_t i = 0; i < n; i++) {
                char c;
                ssize_t r = recv(fds[i], &c, 1, MSG_DONTWAIT);
                if (r == 0 || (r < 0 && errno != EAGAIN))
                        closed++;
        }
        printf("evil_peer: %s: %zu of %zu connections closed by the "
               "daemon\n",
               p->scenario, closed, n);
        for (size_t i = 0; i < n; i++)
                close(fds[i]);
        free(fds);
        p->eof = true;
        printf("result: closed error=-\n");
        /* All but a handful per address are refused at once. */
        return closed + 16U >= n ? 0 : 1;
}

/* The same key joins twice: the first link is replaced (closed by the
 * daemon), the second stays up. */
static int
sc_dup_key(struct peer *p)
{
        struct peer q = *p;
        int rc;

        join(p);
        memset(&q.reader, 0, sizeof(q.reader));
        memset(&q.tx, 0, sizeof(q.tx));
        memset(&q.rx, 0, sizeof(q.rx));
        q.hs = NULL;
        q.open = q.eof = q.got_cert = q.got_hello = q.got_hello_ok = false;
        q.fd = tcp_connect(p->connect_to);
        secure_reader_init(&q.reader);
        join(&q);
        /* The first one is closed, without ERROR (nothing was wrong). */
        (void)pump_until(p, done_never, 0);
        printf("evil_peer: %s: first link %s\n", p->scenario,
               p->eof ? "closed" : "still open");
        rc = finish(&q, EXPECT_OPEN, NULL);
        close(q.fd);
        secure_hs_free(q.hs);
        secure_reader_release(&q.reader);
        secure_stream_release(&q.tx);
        secure_stream_release(&q.rx);
        return rc || !p->eof || p->error_id[0];
}

/* ---- a relay that prunes (SYNC.md §5.2) ---------------------------------- */

/* One feed of another node, read from --bundle (exported, full). */
struct relayed {
        struct buf file;
        struct entry e[RELAY_MAX];
        size_t n;
};

static void
relayed_read(struct relayed *r)
{
        size_t off = BUNDLE_MAGIC_BYTES;
        uint32_t len;
        FILE *f = NULL;
        uint8_t chunk[4096];
        size_t got;

        memset(r, 0, sizeof(*r));
        if (!bundle_path || !(f = fopen(bundle_path, "rb")))
                die("this scenario needs --bundle FILE (%s)",
                    bundle_path ? bundle_path : "none given");
        while ((got = fread(chunk, 1, sizeof(chunk), f)) > 0)
                buf_add(&r->file, chunk, got);
        fclose(f);
        if (r->file.len < BUNDLE_MAGIC_BYTES ||
            memcmp(r->file.data, BUNDLE_MAGIC, BUNDLE_MAGIC_BYTES))
                die("'%s' is not a bundle", bundle_path);
        while (off + BUNDLE_LEN_BYTES <= r->file.len) {
                if (wire_bundle_len(r->file.data + off, &len) ||
                    off + BUNDLE_LEN_BYTES + len > r->file.len ||
                    r->n == RELAY_MAX ||
                    entry_parse(
                        slice_make(r->file.data + off + BUNDLE_LEN_BYTES, len),
                        &r->e[r->n]) ||
                    memcmp(r->e[r->n].feed, r->e[0].feed, ENTRY_HASH_BYTES) ||
                    r->e[r->n].h.seq != r->n + 1)
                        die("'%s': not one feed's entries from seq 1",
                            bundle_path);
                r->n++;
                off += BUNDLE_LEN_BYTES + len;
        }
        if (!r->n || !r->e[0].env.has_body)
                die("'%s' holds no full entry", bundle_path);
}

/* Does the bundle hold (feed, seq)? The entry, or NULL. */
static const struct entry *
relayed_find(const struct relayed *r, const struct sync_vec_item *w)
{
        if (memcmp(w->feed, r->e[0].feed, ENTRY_HASH_BYTES) || w->seq == 0 ||
            w->seq > r->n)
                return NULL;
        return &r->e[w->seq - 1];
}

/* FEED and one ENTRIES of the whole feed, every KIM entry pruned (the
 * compact form with body nil, body_len and body_hash), as a relay that
 * dropped the bodies sends them. */
static void relay_feed(struct peer *p, const struct relayed *r, struct buf *out,
                       bool pruned);

static void
relay_pruned(struct peer *p, const struct relayed *r, struct buf *out)
{
        relay_feed(p, r, out, true);
}

/* FEED and one ENTRIES of the whole feed, pruned or not. */
static void
relay_feed(struct peer *p, const struct relayed *r, struct buf *out,
           bool pruned)
{
        const struct entry_header *h0 = &r->e[0].h;
        uint64_t prev_ts = h0->timestamp_ms;

        wire_sync_feed(out, 0, h0->author, h0->author_region, &h0->audience,
                       h0->channel);
        wire_sync_entries(out, 0, 1, h0->timestamp_ms, NULL, r->n);
        for (size_t i = 0; i < r->n; i++) {
                const struct entry *e = &r->e[i];
                struct sync_compact c;
                memset(&c, 0, sizeof(c));
                c.ts_delta = (int64_t)(e->h.timestamp_ms - prev_ts);
                prev_ts = e->h.timestamp_ms;
                c.kind = e->h.kind;
                c.has_body = !pruned || !wire_kim_kind(e->h.kind);
                c.body = e->env.body;
                c.sig = e->env.sig;
                c.body_len = e->h.body_len;
                memcpy(c.body_hash, e->h.body_hash, ENTRY_HASH_BYTES);
                wire_sync_compact(out, &c);
        }
        p->entries_sent++;
}

/* Every pruned entry of the bundle among what the daemon asked for? */
static bool
asked_for_all(const struct peer *p, const struct relayed *r)
{
        for (size_t i = 0; i < r->n; i++) {
                bool asked = !wire_kim_kind(r->e[i].h.kind);
                for (size_t j = 0; j < p->wants_n && !asked; j++)
                        asked = relayed_find(r, &p->wants[j]) == &r->e[i];
                if (!asked)
                        return false;
        }
        return true;
}

/* Answers every BODY_WANT received, in order: nil, or (forge) the
 * bundle's body with its last byte changed (same length, wrong hash). */
static void
answer_wants(struct peer *p, const struct relayed *r, bool forge)
{
        struct buf b = BUF_INIT, body = BUF_INIT;

        for (size_t i = 0; i < p->wants_n; i++) {
                const struct entry *e = relayed_find(r, &p->wants[i]);
                bool has = forge && e && e->env.has_body;
                buf_reset(&body);
                if (has) {
                        buf_add(&body, e->env.body.ptr, e->env.body.len);
                        body.data[body.len - 1] ^= 0x01;
                }
                wire_sync_body(&b, p->wants[i].feed, p->wants[i].seq, has,
                               buf_slice(&body));
        }
        p->wants_n = 0;
        if (b.len)
                send_frame(p, &b);
        buf_release(&b);
        buf_release(&body);
}

/*
 * Relays another node's feed with the bodies of its KIM entries pruned.
 * The daemon stores them, then asks for every pruned body (BODY_WANT,
 * also of this peer, which sent them pruned): this peer answers that it
 * lacks them (BODY nil), and the link stays.
 */
static int
sc_pruned_relay(struct peer *p)
{
        struct relayed r;
        struct buf b = BUF_INIT;
        int rc;

        relayed_read(&r);
        join(p);
        relay_pruned(p, &r, &b);
        send_frame(p, &b);
        expect_ok(p, pump_until(p, done_acked, p->entries_sent),
                  "waiting for ACK");
        wire_sync_simple(&b, SYNC_SYNCED);
        send_frame(p, &b);
        expect_ok(p, pump_until(p, done_wanted, 1), "waiting for BODY_WANT");
        settle(p, 500);
        if (!asked_for_all(p, &r)) {
                say(p, "the daemon did not ask for every pruned body");
                return 1;
        }
        say(p, "the daemon asked for the pruned bodies; answering nil");
        answer_wants(p, &r, false);
        settle(p, 500);
        rc = finish(p, EXPECT_OPEN, NULL);
        buf_release(&b);
        buf_release(&r.file);
        return rc;
}

/*
 * A new session: the daemon, still without the bodies, asks again; this
 * peer answers with a forged body (one byte changed): ERROR
 * ENTRY-BODY-HASH and a close.
 */
static int
sc_forged_body(struct peer *p)
{
        struct relayed r;

        relayed_read(&r);
        join(p);
        expect_ok(p, pump_until(p, done_wanted, 1), "waiting for BODY_WANT");
        settle(p, 300);
        if (!asked_for_all(p, &r)) {
                say(p, "the daemon did not ask again for every pruned body");
                return 1;
        }
        say(p, "the daemon asked again; answering a forged body");
        answer_wants(p, &r, true);
        buf_release(&r.file);
        return finish(p, EXPECT_ERROR, "ENTRY-BODY-HASH");
}

/*
 * Once the daemon holds the bodies it sends them (SPEC.md §4.3: never the
 * pruned form of an entry whose body it holds): every entry of the
 * bundle's feed it pushes to this peer (which holds nothing), those of
 * the bundle and any after them, comes whole, and it wants no body.
 */
static int
sc_sends_bodies(struct peer *p)
{
        struct relayed r;
        char line[96];

        relayed_read(&r);
        p->watch_feed = r.e[0].feed;
        join(p);
        expect_ok(p, pump_until(p, done_watched, r.n),
                  "waiting for the feed's entries");
        settle(p, 500);
        snprintf(line, sizeof(line), "got %llu entries with body, %llu pruned",
                 (unsigned long long)p->watched_full,
                 (unsigned long long)p->watched_pruned);
        say(p, line);
        buf_release(&r.file);
        if (p->watched_pruned || p->watched_full < r.n) {
                say(p, "expected every entry of the feed whole");
                return 1;
        }
        if (p->wants_n) {
                say(p, "the daemon still asks for a body");
                return 1;
        }
        return finish(p, EXPECT_OPEN, NULL);
}

/* ---- main -------------------------------------------------------------- */

static void
usage(void)
{
        fputs("usage: evil_peer --connect HOST:PORT --data NODE_DIR "
              "--scenario NAME\n"
              "                 [--timeout-ms MS] [--bundle FILE] "
              "[--verbose]\n"
              "                 [--author DIR --store DIR]\n\n"
              "scenario          the daemon must\n"
              "  honest          store 2 entries, keep the link\n"
              "  forged          store 3, ERROR ENTRY-BAD-SIG, close\n"
              "  broken-chain    HEAD 0 for a run past its head; store seq "
              "1;\n"
              "                  ERROR ENTRY-BAD-SIG for a seq 2 chained on\n"
              "                  another seq 1, close (--bundle: write seq\n"
              "                  1 and that seq 2 as a bundle file)\n"
              "  fork            store seq 1; HEAD frozen for another seq 1\n"
              "                  (FEED-FORK) and for seq 2; keep the link\n"
              "  wrong-audience  store a lateral entry; ERROR\n"
              "                  ENTRY-AUTHOR-RULE for one above the parent\n"
              "  oversized       close on a frame length of 1 MiB + 18\n"
              "  garbage         close on a random frame (FRAME-DECRYPT)\n"
              "  garbage-hs      close on random bytes as msg1\n"
              "  other-network   fail our check of msg2 and close on a\n"
              "                  random msg3\n"
              "  unenrolled      ERROR CERT-INVALID for a self-signed\n"
              "                  certificate of a fresh key\n"
              "  unenrolled-garbage  the same for random certificate bytes\n"
              "  revoked         close at the handshake (NODE-REVOKED)\n"
              "  revoked-live    store 2 entries, keep the link; once this\n"
              "                  node is revoked (the test does it), ERROR\n"
              "                  NODE-REVOKED and close\n"
              "  revoked-fork    (--author DIR --store DIR) as a relay, send\n"
              "                  the revoked author's other entry at its\n"
              "                  cutoff seq: ERROR NODE-REVOKED, close\n"
              "  error-inject    close on an ERROR whose id holds a line\n"
              "                  break and a forged log line\n"
              "  error-empty     close on an ERROR with an empty id\n"
              "  hello-again, need-full, hello-outside (--feed ID),\n"
              "  feed-idle, feed-outside, head-unasked, cert-requests,\n"
              "  cert-unasked  ERROR PROTO-VIOLATION (SYNC.md §4.1, §5)\n"
              "  hello-unheld    HELLO_OK for --count feeds it lacks; open\n"
              "  no-read         close (LINK-BACKLOG) on PINGs never read\n"
              "  hs-flood        close all but a few of --count handshakes\n"
              "  dup-key         close the first of two links of one key\n"
              "  pruned-relay    (--bundle: one feed of another node) store\n"
              "                  its KIM entries sent pruned, ask for their\n"
              "                  bodies (BODY_WANT), take BODY nil, keep\n"
              "                  the link\n"
              "  forged-body     (--bundle) ask again; ERROR ENTRY-BODY-HASH\n"
              "                  for a body that is not the signed one\n"
              "  sends-bodies    (--bundle) push that feed with every body\n"
              "                  and ask for none\n"
              "  blob-not-entitled  (--blob ROOT) ask for a blob no entry of\n"
              "                  the link's universe names: BLOB_NONE\n"
              "                  BLOB-NOT-ENTITLED, the link stays\n"
              "  blob-bad-chunk  (--bundle with an entry naming the blob of\n"
              "                  --blob-file FILE) serve its list, then a\n"
              "                  forged chunk: ERROR BLOB-BAD-CHUNK, close\n\n"
              "Prints 'result: open|closed error=ID|-'; exit 0 if the "
              "daemon did\nas expected, 1 if not, 2 on usage errors.\n",
              stderr);
        exit(2);
}

static void
peer_load(struct peer *p, const char *dir)
{
        char *path = node_path(dir, NODE_KEY_FILE);
        uint8_t h[ENTRY_HASH_BYTES];
        struct cert_info c;

        if (key_load_file(path, &p->key))
                die("cannot load the key '%s'", path);
        free(path);
        if (node_cert_load(dir, &p->net, &p->cert, &p->issuer_cert) ||
            cert_parse(buf_slice(&p->cert), &c))
                die("'%s' holds no certificate: simpul enroll", dir);
        memcpy(p->region, c.region, REGION_BUF);
        hash_bytes(h, buf_slice(&p->cert));
        memcpy(p->cert_hash, h, SYNC_CERT_HASH_BYTES);
}

static int
sc_unenrolled_self(struct peer *p)
{
        return sc_unenrolled(p, false);
}

static int
sc_unenrolled_garbage(struct peer *p)
{
        return sc_unenrolled(p, true);
}

static int
sc_error_inject(struct peer *p)
{
        return sc_bad_error(p, ERROR_INJECTED);
}

static int
sc_error_empty(struct peer *p)
{
        return sc_bad_error(p, "");
}

/* ---- revocation (proto/MEMBERSHIP.md §7.2, §8.3) ---------------------- */

/* Two valid entries, acknowledged, then the link stays up until the
 * daemon stores a revocation of this node (the test posts it meanwhile):
 * it must then close the link at once with ERROR NODE-REVOKED. */
static int
sc_revoked_live(struct peer *p)
{
        struct fentry e1, e2;
        struct fentry *es[] = {&e1, &e2};
        struct buf b = BUF_INIT;
        char lateral[48], above[48];
        struct feed f;
        int rc;

        audiences(p, lateral, above);
        feed_init(&f, 0, lateral);
        join(p);
        entry_make(p, &f, 1, NULL, "revoked-live: valid 1", &e1);
        entry_make(p, &f, 2, e1.id, "revoked-live: valid 2", &e2);
        msg_feed(&b, p, &f);
        msg_entries(p, &b, &f, es, 2);
        send_frame(p, &b);
        expect_ok(p, pump_until(p, done_acked, p->entries_sent),
                  "waiting for ACK");
        wire_sync_simple(&b, SYNC_SYNCED);
        send_frame(p, &b);
        say(p, "joined; waiting for the revocation");
        rc = finish(p, EXPECT_ERROR, "NODE-REVOKED");
        entry_release(&e1);
        entry_release(&e2);
        buf_release(&b);
        return rc;
}

/* The head seq of a feed in the store of node dir (opened read-only
 * beside its daemon) and the prev of the entry there, if it has one. */
static void
held_head(const char *dir, const uint8_t feed[ENTRY_HASH_BYTES], uint64_t *seq,
          uint8_t prev[ENTRY_HASH_BYTES], bool *has_prev)
{
        struct store_options opt = {0, true};
        char *path = node_path(dir, NODE_STORE_DIR);
        struct buf bytes = BUF_INIT;
        struct store *st = NULL;
        struct store_txn *t = NULL;
        struct feed_info fi;
        struct entry e;

        if (store_open(&st, path, &opt) || store_begin(st, false, &t) ||
            store_feed_get(t, feed, &fi) ||
            store_get(t, feed, fi.head_seq, &bytes) ||
            entry_parse(buf_slice(&bytes), &e))
                die("cannot read the author's feed in '%s'", dir);
        *seq = fi.head_seq;
        *has_prev = e.h.has_prev;
        memcpy(prev, e.h.prev, ENTRY_HASH_BYTES);
        store_abort(t);
        store_close(st);
        buf_release(&bytes);
        free(path);
}

static const char *author_dir, *store_dir;

/*
 * A relay (this node, an honest member) forwards what a stolen, revoked
 * key wrote: another entry at the revocation's cutoff seq, chained on the
 * real entry before it, so it verifies. --author:
 * the revoked node's directory (its key); --store: a node that holds the
 * author's lateral feed up to the cutoff (the daemon's). ERROR
 * NODE-REVOKED, nothing stored, no fork proof.
 */
static int
sc_revoked_fork(struct peer *p)
{
        struct fentry x1;
        struct fentry *xs[] = {&x1};
        uint8_t feed[ENTRY_HASH_BYTES], prev[ENTRY_HASH_BYTES];
        char lateral[48], above[48], relay_region[REGION_BUF];
        struct buf b = BUF_INIT;
        struct key *relay = p->key;
        struct peer a;
        uint64_t seq;
        bool has_prev;
        struct feed f;
        int rc;

        if (!author_dir || !store_dir)
                die("%s", "revoked-fork needs --author DIR and --store DIR");
        memset(&a, 0, sizeof(a));
        peer_load(&a, author_dir);
        join(p);
        /* From here on sign and name the feed as the author. */
        memcpy(relay_region, p->region, REGION_BUF);
        p->key = a.key;
        memcpy(p->region, a.region, REGION_BUF);
        audiences(p, lateral, above);
        feed_init(&f, 0, lateral);
        feed_id_compute(feed, p->key->pk, p->region, &f.aud,
                        (uint8_t)kind_channel(f.kind));
        held_head(store_dir, feed, &seq, prev, &has_prev);
        entry_make(p, &f, seq, has_prev ? prev : NULL,
                   "revoked-fork: bad at the cutoff", &x1);
        msg_feed(&b, p, &f);
        msg_entries(p, &b, &f, xs, 1);
        send_frame(p, &b);
        rc = finish(p, EXPECT_ERROR, "NODE-REVOKED");
        p->key = relay;
        memcpy(p->region, relay_region, REGION_BUF);
        entry_release(&x1);
        buf_release(&b);
        key_free(a.key);
        buf_release(&a.cert);
        buf_release(&a.issuer_cert);
        return rc;
}

/* ---- attachments (proto/BLOBS.md) ------------------------------------- */

static const char *blob_arg, *blob_file;

/* Asks for --blob ROOT, a blob no entry of this link's universe names:
 * BLOB_NONE BLOB-NOT-ENTITLED, and the link stays. */
static int
sc_blob_not_entitled(struct peer *p)
{
        uint8_t root[32];
        struct buf b = BUF_INIT;

        if (!blob_arg || strlen(blob_arg) != 64 ||
            hex_decode(root, 32, blob_arg, 64))
                die("blob-not-entitled needs --blob ROOT (%s)",
                    blob_arg ? blob_arg : "none given");
        join(p);
        wire_sync_blob_want(&b, root, 0, 0);
        send_frame(p, &b);
        buf_release(&b);
        expect_ok(p, pump_until(p, done_blob_none, 0), "waiting for BLOB_NONE");
        if (strcmp(p->blob_none_id, "BLOB-NOT-ENTITLED")) {
                say(p, "expected BLOB_NONE BLOB-NOT-ENTITLED");
                printf("result: open error=%s\n", p->blob_none_id);
                return 1;
        }
        say(p, "refused: BLOB-NOT-ENTITLED");
        return finish(p, EXPECT_OPEN, NULL);
}

/* Pushes --bundle (an entry naming --blob-file's blob), serves the
 * blob's list when asked and a forged first chunk: ERROR
 * BLOB-BAD-CHUNK, close. */
static int
sc_blob_bad_chunk(struct peer *p)
{
        struct relayed r;
        struct buf b = BUF_INIT;
        uint8_t chunk[65536];
        FILE *f = NULL;
        size_t got;

        if (!blob_file || !(f = fopen(blob_file, "rb")))
                die("blob-bad-chunk needs --blob-file FILE (%s)",
                    blob_file ? blob_file : "none given");
        while ((got = fread(chunk, 1, sizeof(chunk), f)) > 0)
                buf_add(&serve.data, chunk, got);
        fclose(f);
        if (blob_make(buf_slice(&serve.data), &serve.list, serve.root))
                die("'%s': not a blob", blob_file);
        serve.on = serve.forge = true;
        relayed_read(&r);
        join(p);
        int rc;

        relay_feed(p, &r, &b, false);
        send_frame(p, &b);
        buf_release(&b);
        rc = finish(p, EXPECT_ERROR, "BLOB-BAD-CHUNK");
        buf_release(&r.file);
        buf_release(&serve.data);
        buf_release(&serve.list);
        return rc;
}

static const struct scenario {
        const char *name;
        int (*run)(struct peer *p);
} scenarios[] = {
    {"honest", sc_honest},
    {"forged", sc_forged},
    {"broken-chain", sc_broken_chain},
    {"fork", sc_fork},
    {"wrong-audience", sc_wrong_audience},
    {"oversized", sc_oversized},
    {"garbage", sc_garbage},
    {"garbage-hs", sc_garbage_hs},
    {"other-network", sc_other_network},
    {"unenrolled", sc_unenrolled_self},
    {"unenrolled-garbage", sc_unenrolled_garbage},
    {"revoked", sc_revoked},
    {"revoked-live", sc_revoked_live},
    {"revoked-fork", sc_revoked_fork},
    {"error-inject", sc_error_inject},
    {"error-empty", sc_error_empty},
    {"hello-again", sc_hello_again},
    {"need-full", sc_need_full},
    {"hello-outside", sc_hello_outside},
    {"hello-unheld", sc_hello_unheld},
    {"feed-idle", sc_feed_idle},
    {"feed-outside", sc_feed_outside},
    {"head-unasked", sc_head_unasked},
    {"cert-requests", sc_cert_requests},
    {"cert-unasked", sc_cert_unasked},
    {"no-read", sc_no_read},
    {"hs-flood", sc_hs_flood},
    {"dup-key", sc_dup_key},
    {"pruned-relay", sc_pruned_relay},
    {"forged-body", sc_forged_body},
    {"sends-bodies", sc_sends_bodies},
    {"blob-not-entitled", sc_blob_not_entitled},
    {"blob-bad-chunk", sc_blob_bad_chunk},
};

static const struct scenario *
scenario_find(const char *name)
{
        for (size_t i = 0; name && i < ARRAY_LEN(scenarios); i++)
                if (!strcmp(name, scenarios[i].name))
                        return &scenarios[i];
        return NULL;
}

int
main(int argc, char **argv)
{
        static const struct option longs[] = {
            {"connect", required_argument, NULL, 'c'},
            {"data", required_argument, NULL, 'd'},
            {"scenario", required_argument, NULL, 's'},
            {"timeout-ms", required_argument, NULL, 't'},
            {"bundle", required_argument, NULL, 'b'},
            {"feed", required_argument, NULL, 'f'},
            {"count", required_argument, NULL, 'n'},
            {"verbose", no_argument, NULL, 'v'},
            {"author", required_argument, NULL, 'a'},
            {"store", required_argument, NULL, 'S'},
            {"blob", required_argument, NULL, 'B'},
            {"blob-file", required_argument, NULL, 'F'},
            {"help", no_argument, NULL, 'h'},
            {NULL, 0, NULL, 0}};
        const char *connect_to = NULL, *dir = NULL;
        char key_hex[2 * ENTRY_KEY_BYTES + 1], line[160];
        const struct scenario *sc;
        struct peer p;
        int c, rc;

        memset(&p, 0, sizeof(p));
        p.timeout_ms = DEFAULT_TIMEOUT_MS;
        while ((c = getopt_long(argc, argv, "h", longs, NULL)) != -1) {
                switch (c) {
                case 'c':
                        connect_to = optarg;
                        break;
                case 'd':
                        dir = optarg;
                        break;
                case 's':
                        p.scenario = optarg;
                        break;
                case 't':
                        p.timeout_ms = atoi(optarg);
                        break;
                case 'b':
                        bundle_path = optarg;
                        break;
                case 'f':
                        feed_arg = optarg;
                        break;
                case 'n':
                        count_arg = atol(optarg);
                        break;
                case 'v':
                        verbose = true;
                        break;
                case 'a':
                        author_dir = optarg;
                        break;
                case 'S':
                        store_dir = optarg;
                        break;
                case 'B':
                        blob_arg = optarg;
                        break;
                case 'F':
                        blob_file = optarg;
                        break;
                default:
                        usage();
                }
        }
        sc = scenario_find(p.scenario);
        if (!connect_to || !dir || optind != argc || !sc || p.timeout_ms <= 0)
                usage();
        signal(SIGPIPE, SIG_IGN);
        if (entry_lib_init())
                die("%s", "libsodium does not start");
        log_set_level(LOG_ERROR);
        peer_load(&p, dir);
        id_hex(key_hex, p.key->pk);
        snprintf(line, sizeof(line), "as node %.16s (%s), to %s", key_hex,
                 p.region, connect_to);
        say(&p, line);
        p.connect_to = connect_to;
        p.fd = tcp_connect(connect_to);
        rc = sc->run(&p);
        close(p.fd);
        secure_hs_free(p.hs);
        secure_reader_release(&p.reader);
        secure_stream_release(&p.tx);
        secure_stream_release(&p.rx);
        buf_release(&p.cert);
        buf_release(&p.issuer_cert);
        key_free(p.key);
        return rc;
}
