/*
 * flaky: a TCP proxy that makes link faults in user space, for simpul's test
 * lab (the kernel here has no netem). One process carries every link of a
 * lab network: each link listens on one port and forwards each connection
 * it accepts to one target, through the faults its line asks for.
 *
 *   flaky --links FILE --ready FILE [--stats FILE] [--seed N]
 *         [--stats-every-ms N]
 *
 * Links file: one link a line; blank lines and lines whose first non-blank
 * character is '#' are ignored; fields are separated by spaces or tabs:
 *
 *   NAME LISTEN_HOST:PORT TARGET_HOST:PORT [key=value ...]
 *
 * NAME is [A-Za-z0-9._-]{1,64} and unique. HOST is an IPv4 address,
 * [IPv6] or localhost (127.0.0.1). The listen port may be 0 (the kernel
 * picks). Ranges A-B are inclusive; a single number A means A-A. Every key
 * is optional and may appear once:
 *
 *   latency_ms=A-B   each chunk read from either side (what one read
 *                    returned, up to 64 KiB) is delivered D ms later, D
 *                    an integer drawn uniformly from [A,B] per chunk, but
 *                    never before an earlier chunk of the same direction
 *                    (the queue is FIFO: a chunk leaves at max(arrival +
 *                    D, when the chunk before it left)).
 *                    0 <= A <= B <= 600000.
 *   rate_kbit=N      a token bucket per direction of N*125 bytes/s
 *                    (1 kbit = 1000 bits), 8 <= N <= 100000000. Bytes
 *                    leave in pieces of Q = N*125/20 bytes (50 ms' worth,
 *                    clamped to [64, 65536]); the bucket holds 2*Q and
 *                    starts full. It counts after the latency: a chunk is
 *                    first delayed, then paced.
 *   cut_bytes=A-B    each connection is cut once C bytes have been
 *                    forwarded, both directions summed, C an integer drawn
 *                    from [A,B] at accept; the write that reaches C is
 *                    truncated to end exactly at C. 1 <= A <= B.
 *   cut_s=A-B        each connection is cut T seconds after its accept, T
 *                    drawn uniformly from [A,B] (decimals allowed,
 *                    millisecond resolution). 0 <= A <= B <= 1000000.
 *   down=F:A-B       the link alternates up and down periods, starting up.
 *                    Up periods last U seconds, down periods U*F/(1-F)
 *                    seconds, each U drawn afresh from [A,B], so the
 *                    long-run fraction of time down is F. 0 <= F < 1 (0:
 *                    never down), 0 < A <= B <= 1000000. When a down period
 *                    starts every open connection of the link is cut (black
 *                    holes excepted, see below); while down, each new
 *                    connection is accepted and at once reset (SO_LINGER
 *                    0): the client's connect succeeds, then it reads
 *                    ECONNRESET. The listener stays bound throughout.
 *   blackhole=P:A-B  at accept, with probability P (0 <= P <= 1), the
 *                    connection is doomed to become a black hole T seconds
 *                    later, T drawn from [A,B] (0 <= A <= B <= 1000000).
 *                    From then on both sides are still read but every
 *                    byte is discarded, bytes queued and not yet written
 *                    are dropped, and flaky closes nothing: not at cut_s,
 *                    nor at a down period. When either endpoint closes its
 *                    side (EOF or error), flaky closes both.
 *
 * A cut closes both sockets (close(2): a FIN, or a reset when the kernel
 * still holds bytes flaky had not read) and drops every byte queued inside
 * flaky; bytes handed to a socket before the cut stay delivered. When the
 * target refuses the dial, the client's connection is reset. An EOF from
 * one side shuts down writing to the other once everything queued towards
 * it is written; when both directions are shut, both sockets close. A read
 * or write error on either side closes both. TCP_NODELAY is set on both.
 *
 * Random draws: each link has two xoshiro256** streams seeded by
 * splitmix64 from (--seed, FNV-1a of NAME, stream number), so a link's
 * decisions never depend on other links. The connection stream makes, at
 * each accept and in this order: a seed for the connection's own stream
 * (latency per chunk), C of cut_bytes, T of cut_s, a uniform draw against
 * P of blackhole, then T of blackhole if doomed (keys not given draw
 * nothing). The down stream draws the period lengths. Refused connections
 * draw nothing. Integers come from x mod (B-A+1) (bias below 2^-40 for
 * spans under 2^24).
 *
 * Backpressure: when more than 256 KiB are queued towards one side (waiting
 * or being written), flaky stops reading the other side until the queue is
 * down to 128 KiB. Memory per connection is thus bounded, and so is what a
 * rate cap can hold back.
 *
 * --ready FILE is written (tmp + rename) once every listener is bound: one
 * line "NAME PORT" per link, in file order. --stats FILE is written (tmp +
 * rename) every --stats-every-ms (default 1000; 10 to 3600000), on SIGUSR1
 * and on SIGTERM/SIGINT, after which flaky closes every connection (not
 * counted as cuts) and exits 0:
 *
 *   {"links":[{"name":..,"port":..,"connects":N,"refused":N,"cuts":N,
 *    "blackholes":N,"down_periods":N,"bytes_c2t":N,"bytes_t2c":N},..]}
 *
 * connects counts connections accepted while up; refused, those reset
 * while down; cuts, connections closed by cut_bytes, cut_s or a down
 * period; bytes_c2t (client to target) and bytes_t2c count bytes whose
 * write to the receiving socket completed.
 *
 * Exit status: 0 after SIGTERM/SIGINT; 1 when a listener cannot be bound
 * or the ready file written; 2 on a usage error or a bad links file, with
 * "flaky: error: FILE:LINE: why". Runtime events are log lines on stderr
 * (FLAKY-ACCEPT, FLAKY-TARGET, FLAKY-IO, FLAKY-STATS).
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include <uv.h>

#define NAME_MAX_CHARS 64U
#define LINE_MAX_CHARS 4096U
#define LINKS_MAX 10000U
#define HOST_MAX_CHARS 63U
#define WHY_BYTES 200U
#define READ_BYTES (64U * 1024U)
#define QUEUE_HIGH_BYTES (256U * 1024U) /* stop reading the source above */
#define QUEUE_LOW_BYTES (128U * 1024U)  /* and start again at or below */
#define LATENCY_MAX_MS 600000U
#define RATE_MIN_KBIT 8U
#define RATE_MAX_KBIT 100000000U
#define SECONDS_MAX 1000000.0
#define STATS_EVERY_MIN_MS 10U
#define STATS_EVERY_MAX_MS 3600000U
#define LISTEN_BACKLOG 1024
#define NO_CUT UINT64_MAX

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define PRINTF(a, b) __attribute__((format(printf, a, b)))

enum { DIR_C2T = 0, DIR_T2C = 1 }; /* direction d reads side d */
enum { SIDE_CLIENT = 0, SIDE_TARGET = 1 };

enum key_bit {
        KEY_LATENCY = 1U << 0,
        KEY_RATE = 1U << 1,
        KEY_CUT_BYTES = 1U << 2,
        KEY_CUT_S = 1U << 3,
        KEY_DOWN = 1U << 4,
        KEY_BLACKHOLE = 1U << 5,
};

struct urange {
        uint64_t lo, hi;
};

struct srange {
        double lo, hi; /* seconds */
};

struct rng {
        uint64_t s[4];
};

/* One line of the links file. */
struct link_cfg {
        char name[NAME_MAX_CHARS + 1];
        char target_text[HOST_MAX_CHARS + 8];
        struct sockaddr_storage listen_addr, target_addr;
        unsigned has; /* enum key_bit */
        struct urange latency_ms;
        uint64_t rate_kbit;
        struct urange cut_bytes;
        struct srange cut_s;
        double down_frac;
        struct srange down_s;
        double bh_prob;
        struct srange bh_s;
};

struct link_stats {
        uint64_t connects, refused, cuts, blackholes, down_periods;
        uint64_t bytes[2]; /* by direction */
};

struct link {
        struct link_cfg cfg;
        uv_tcp_t listener;
        uv_timer_t down_timer;
        struct rng rng_conn, rng_down;
        struct conn *conns; /* open (not closing) connections */
        double rate_bps;    /* bytes per second; 0: no cap */
        double quantum, bucket;
        int port;
        bool down;
        struct link_stats st;
};

/* Bytes read from one side: owned by their pipe while waiting, then by
 * their write request (freed in on_write). */
struct chunk {
        struct chunk *next;
        uv_write_t req;
        struct conn *c;
        uint64_t due_ms;
        size_t len, off; /* data[off..len) is still to be written */
        unsigned dir;
        uint8_t data[];
};

/* One direction of a connection. */
struct pipe {
        uv_timer_t timer; /* next due chunk or next tokens */
        uv_shutdown_t shutdown;
        struct chunk *head, *tail; /* waiting, owned */
        size_t queued;             /* waiting + being written, bytes */
        double tokens;             /* bytes, rate-capped links only */
        uint64_t tokens_ms;
        bool eof, shutting, shut, paused;
};

struct conn {
        struct link *l;
        struct conn *prev, *next;
        uv_tcp_t side[2];
        uv_connect_t connect;
        uv_timer_t cut_timer, bh_timer;
        struct pipe pipe[2];
        struct rng rng; /* per-chunk draws */
        uint64_t forwarded, cut_at;
        int handles; /* open uv handles; freed at 0 */
        bool blackholed, closing;
};

struct proxy {
        uv_loop_t loop;
        struct link *links;
        size_t nlinks;
        const char *stats_path;
        uint64_t stats_every_ms;
        uv_timer_t stats_timer;
        uv_signal_t sig_term, sig_int, sig_usr1;
        bool stopping;
};

static struct proxy px;
/* One read buffer for the process: libuv calls on_read before the next
 * on_alloc, and on_read copies what it keeps. */
static char read_buf[READ_BYTES];

/* A growable text buffer; p is NUL-terminated when len > 0. */
struct text {
        char *p;
        size_t len, cap;
};

static void log_line(const char *level, const char *id, const char *fmt, ...)
    PRINTF(3, 4);
static void text_add(struct text *t, const char *fmt, ...) PRINTF(2, 3);
static void cfg_error(const char *path, unsigned line, const char *fmt, ...)
    PRINTF(3, 4);
static void conn_close(struct conn *c, bool reset_client);
static void pipe_pump(struct conn *c, unsigned d);
static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *b);
static void on_pipe_timer(uv_timer_t *t);
static void on_shutdown(uv_shutdown_t *req, int status);

/* ---- small helpers --------------------------------------------------------
 */

static void
log_line(const char *level, const char *id, const char *fmt, ...)
{
        char when[32];
        struct timespec ts;
        struct tm tm;
        va_list ap;

        clock_gettime(CLOCK_REALTIME, &ts);
        gmtime_r(&ts.tv_sec, &tm);
        strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
        fprintf(stderr, "%s.%03ldZ %s %s ", when, ts.tv_nsec / 1000000L, level,
                id);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputc('\n', stderr);
}

static void *
xmalloc(size_t n)
{
        void *p = malloc(n);

        if (p == NULL)
                abort();
        return p;
}

static uint64_t
secs_to_ms(double s)
{
        return (uint64_t)(s * 1000.0 + 0.5);
}

static void
text_add(struct text *t, const char *fmt, ...)
{
        va_list ap;
        int n;

        if (t->cap == 0) {
                t->cap = 256;
                t->p = xmalloc(t->cap);
        }
        for (;;) {
                va_start(ap, fmt);
                n = vsnprintf(t->p + t->len, t->cap - t->len, fmt, ap);
                va_end(ap);
                if (n < 0)
                        abort();
                if ((size_t)n < t->cap - t->len)
                        break;
                t->cap = t->cap * 2 + (size_t)n + 64;
                t->p = realloc(t->p, t->cap);
                if (t->p == NULL)
                        abort();
        }
        t->len += (size_t)n;
}

/* Writes path through path.tmp and rename(2). Returns 0 or -errno. */
static int
file_write_atomic(const char *path, const struct text *t)
{
        char tmp[4096];
        FILE *f;
        int err = 0;

        if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
                return -ENAMETOOLONG;
        f = fopen(tmp, "w");
        if (f == NULL)
                return -errno;
        if (fwrite(t->p, 1, t->len, f) != t->len)
                err = -errno;
        if (fclose(f) != 0 && err == 0)
                err = -errno;
        if (err == 0 && rename(tmp, path) != 0)
                err = -errno;
        return err;
}

/* ---- random numbers: splitmix64 seeds xoshiro256** -----------------------
 */

static uint64_t
splitmix64(uint64_t *x)
{
        uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        return z ^ (z >> 31);
}

static uint64_t
rotl64(uint64_t x, int k)
{
        return (x << k) | (x >> (64 - k));
}

static uint64_t
rng_next(struct rng *r)
{
        uint64_t *s = r->s;
        uint64_t out = rotl64(s[1] * 5U, 7) * 9U;
        uint64_t t = s[1] << 17;

        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = rotl64(s[3], 45);
        return out;
}

static void
rng_seed(struct rng *r, uint64_t seed)
{
        for (size_t i = 0; i < ARRAY_LEN(r->s); i++)
                r->s[i] = splitmix64(&seed);
}

static void
rng_seed_link(struct rng *r, uint64_t seed, const char *name, uint64_t stream)
{
        uint64_t h = 0xcbf29ce484222325ULL; /* FNV-1a 64 */
        uint64_t x = seed;

        for (; *name != '\0'; name++) {
                h ^= (uint8_t)*name;
                h *= 0x100000001b3ULL;
        }
        x = splitmix64(&x) ^ h ^ (stream * 0xd1b54a32d192ed03ULL);
        rng_seed(r, splitmix64(&x));
}

/* Uniform in [lo, hi]. */
static uint64_t
rng_urange(struct rng *r, const struct urange *u)
{
        uint64_t span = u->hi - u->lo;
        uint64_t x = rng_next(r);

        return span == UINT64_MAX ? x : u->lo + x % (span + 1U);
}

/* Uniform in [0, 1). */
static double
rng_unit(struct rng *r)
{
        return (double)(rng_next(r) >> 11) * 0x1.0p-53;
}

static double
rng_srange(struct rng *r, const struct srange *s)
{
        return s->lo + (s->hi - s->lo) * rng_unit(r);
}

/* ---- the links file ------------------------------------------------------
 * Parsers return 0, or -1 with the reason in why (WHY_BYTES).
 */

/* Decimal digits only: no sign, no blank, no overflow. */
static int
parse_u64(const char *s, size_t n, uint64_t *out)
{
        uint64_t v = 0;

        if (n == 0)
                return -1;
        for (size_t i = 0; i < n; i++) {
                unsigned digit = (unsigned)(s[i] - '0');

                if (s[i] < '0' || s[i] > '9')
                        return -1;
                if (v > (UINT64_MAX - digit) / 10U)
                        return -1;
                v = v * 10U + digit;
        }
        *out = v;
        return 0;
}

/* D, D.D or .D in decimal, at most 32 characters. */
static int
parse_dec(const char *s, size_t n, double *out)
{
        char tmp[33];
        size_t digits = 0, dots = 0;

        if (n == 0 || n >= sizeof(tmp))
                return -1;
        for (size_t i = 0; i < n; i++) {
                if (s[i] >= '0' && s[i] <= '9')
                        digits++;
                else if (s[i] == '.')
                        dots++;
                else
                        return -1;
        }
        if (digits == 0 || dots > 1)
                return -1;
        memcpy(tmp, s, n);
        tmp[n] = '\0';
        *out = strtod(tmp, NULL);
        return 0;
}

static int
parse_urange(const char *v, struct urange *r)
{
        const char *dash = strchr(v, '-');

        if (dash == NULL) {
                if (parse_u64(v, strlen(v), &r->lo) != 0)
                        return -1;
                r->hi = r->lo;
                return 0;
        }
        if (parse_u64(v, (size_t)(dash - v), &r->lo) != 0 ||
            parse_u64(dash + 1, strlen(dash + 1), &r->hi) != 0)
                return -1;
        return r->lo <= r->hi ? 0 : -1;
}

/* Seconds: 0 <= lo <= hi <= SECONDS_MAX. */
static int
parse_srange(const char *v, struct srange *r)
{
        const char *dash = strchr(v, '-');

        if (dash == NULL) {
                if (parse_dec(v, strlen(v), &r->lo) != 0)
                        return -1;
                r->hi = r->lo;
        } else if (parse_dec(v, (size_t)(dash - v), &r->lo) != 0 ||
                   parse_dec(dash + 1, strlen(dash + 1), &r->hi) != 0) {
                return -1;
        }
        return r->lo <= r->hi && r->hi <= SECONDS_MAX ? 0 : -1;
}

/* F:A-B, F a fraction, A-B seconds. */
static int
parse_frac_srange(const char *v, double *f, struct srange *r)
{
        const char *colon = strchr(v, ':');

        if (colon == NULL || parse_dec(v, (size_t)(colon - v), f) != 0)
                return -1;
        return parse_srange(colon + 1, r);
}

static int
key_latency(struct link_cfg *k, const char *v, char *why)
{
        if (parse_urange(v, &k->latency_ms) == 0 &&
            k->latency_ms.hi <= LATENCY_MAX_MS)
                return 0;
        snprintf(why, WHY_BYTES,
                 "latency_ms: want A-B milliseconds, 0 <= A <= B <= %u",
                 LATENCY_MAX_MS);
        return -1;
}

static int
key_rate(struct link_cfg *k, const char *v, char *why)
{
        if (parse_u64(v, strlen(v), &k->rate_kbit) == 0 &&
            k->rate_kbit >= RATE_MIN_KBIT && k->rate_kbit <= RATE_MAX_KBIT)
                return 0;
        snprintf(why, WHY_BYTES, "rate_kbit: want N kbit/s, %u <= N <= %u",
                 RATE_MIN_KBIT, RATE_MAX_KBIT);
        return -1;
}

static int
key_cut_bytes(struct link_cfg *k, const char *v, char *why)
{
        if (parse_urange(v, &k->cut_bytes) == 0 && k->cut_bytes.lo >= 1U &&
            k->cut_bytes.hi < NO_CUT)
                return 0;
        snprintf(why, WHY_BYTES, "cut_bytes: want A-B bytes, 1 <= A <= B");
        return -1;
}

static int
key_cut_s(struct link_cfg *k, const char *v, char *why)
{
        if (parse_srange(v, &k->cut_s) == 0)
                return 0;
        snprintf(why, WHY_BYTES, "cut_s: want A-B seconds, 0 <= A <= B <= %.0f",
                 SECONDS_MAX);
        return -1;
}

static int
key_down(struct link_cfg *k, const char *v, char *why)
{
        if (parse_frac_srange(v, &k->down_frac, &k->down_s) == 0 &&
            k->down_frac < 1.0 && k->down_s.lo > 0.0)
                return 0;
        snprintf(why, WHY_BYTES,
                 "down: want F:A-B, 0 <= F < 1, 0 < A <= B <= %.0f seconds",
                 SECONDS_MAX);
        return -1;
}

static int
key_blackhole(struct link_cfg *k, const char *v, char *why)
{
        if (parse_frac_srange(v, &k->bh_prob, &k->bh_s) == 0 &&
            k->bh_prob <= 1.0)
                return 0;
        snprintf(why, WHY_BYTES,
                 "blackhole: want P:A-B, 0 <= P <= 1, 0 <= A <= B <= %.0f "
                 "seconds",
                 SECONDS_MAX);
        return -1;
}

static const struct {
        const char *name;
        unsigned bit;
        int (*parse)(struct link_cfg *k, const char *v, char *why);
} keys[] = {
    {"latency_ms", KEY_LATENCY, key_latency},
    {"rate_kbit", KEY_RATE, key_rate},
    {"cut_bytes", KEY_CUT_BYTES, key_cut_bytes},
    {"cut_s", KEY_CUT_S, key_cut_s},
    {"down", KEY_DOWN, key_down},
    {"blackhole", KEY_BLACKHOLE, key_blackhole},
};

static int
parse_key(struct link_cfg *k, char *tok, char *why)
{
        char *eq = strchr(tok, '=');

        if (eq == NULL) {
                snprintf(why, WHY_BYTES, "want key=value, got '%s'", tok);
                return -1;
        }
        *eq = '\0';
        for (size_t i = 0; i < ARRAY_LEN(keys); i++) {
                if (strcmp(tok, keys[i].name) != 0)
                        continue;
                if (k->has & keys[i].bit) {
                        snprintf(why, WHY_BYTES, "%s given twice", tok);
                        return -1;
                }
                k->has |= keys[i].bit;
                return keys[i].parse(k, eq + 1, why);
        }
        snprintf(why, WHY_BYTES, "unknown key '%s'", tok);
        return -1;
}

/* HOST:PORT; HOST is IPv4, [IPv6] or localhost. */
static int
parse_addr(const char *text, bool listen, struct sockaddr_storage *ss,
           char *why)
{
        const char *colon = strrchr(text, ':');
        char host[HOST_MAX_CHARS + 1];
        size_t hlen;
        uint64_t port;
        int err;

        if (colon == NULL || colon == text ||
            (size_t)(colon - text) > HOST_MAX_CHARS) {
                snprintf(why, WHY_BYTES, "want HOST:PORT, got '%s'", text);
                return -1;
        }
        if (parse_u64(colon + 1, strlen(colon + 1), &port) != 0 ||
            port > 65535U || (!listen && port == 0)) {
                snprintf(why, WHY_BYTES, "bad port in '%s'", text);
                return -1;
        }
        hlen = (size_t)(colon - text);
        memcpy(host, text, hlen);
        host[hlen] = '\0';
        memset(ss, 0, sizeof(*ss));
        if (host[0] == '[' && hlen > 2 && host[hlen - 1] == ']') {
                host[hlen - 1] = '\0';
                err =
                    uv_ip6_addr(host + 1, (int)port, (struct sockaddr_in6 *)ss);
        } else {
                err =
                    uv_ip4_addr(strcmp(host, "localhost") ? host : "127.0.0.1",
                                (int)port, (struct sockaddr_in *)ss);
        }
        if (err != 0) {
                snprintf(why, WHY_BYTES, "not an IP address: '%s'", host);
                return -1;
        }
        return 0;
}

static bool
name_valid(const char *s)
{
        size_t n = strlen(s);

        if (n == 0 || n > NAME_MAX_CHARS)
                return false;
        for (; *s != '\0'; s++) {
                if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
                      (*s >= '0' && *s <= '9') || *s == '.' || *s == '_' ||
                      *s == '-'))
                        return false;
        }
        return true;
}

/* One non-blank, non-comment line into k. */
static int
parse_line(char *line, struct link_cfg *k, char *why)
{
        char *tok[3], *save = NULL, *t;

        memset(k, 0, sizeof(*k));
        for (size_t i = 0; i < 3; i++) {
                tok[i] = strtok_r(i == 0 ? line : NULL, " \t", &save);
                if (tok[i] == NULL) {
                        snprintf(why, WHY_BYTES,
                                 "want NAME LISTEN_HOST:PORT "
                                 "TARGET_HOST:PORT [key=value ...]");
                        return -1;
                }
        }
        if (!name_valid(tok[0])) {
                snprintf(why, WHY_BYTES,
                         "bad name '%.80s': want [A-Za-z0-9._-]{1,64}", tok[0]);
                return -1;
        }
        strcpy(k->name, tok[0]);
        if (parse_addr(tok[1], true, &k->listen_addr, why) != 0 ||
            parse_addr(tok[2], false, &k->target_addr, why) != 0)
                return -1;
        snprintf(k->target_text, sizeof(k->target_text), "%s", tok[2]);
        while ((t = strtok_r(NULL, " \t", &save)) != NULL) {
                if (parse_key(k, t, why) != 0)
                        return -1;
        }
        return 0;
}

static void
cfg_error(const char *path, unsigned line, const char *fmt, ...)
{
        va_list ap;

        fprintf(stderr, "flaky: error: %s:%u: ", path, line);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputc('\n', stderr);
}

/* Reads one line into buf (LINE_MAX_CHARS + 2); 1 read, 0 at end, -1 when
 * too long. The newline is stripped. */
static int
read_line(FILE *f, char *buf, size_t size)
{
        size_t n;

        if (fgets(buf, (int)size, f) == NULL)
                return 0;
        n = strlen(buf);
        if (n > 0 && buf[n - 1] == '\n')
                buf[--n] = '\0';
        else if (!feof(f))
                return -1;
        if (n > 0 && buf[n - 1] == '\r')
                buf[--n] = '\0';
        return n > LINE_MAX_CHARS ? -1 : 1;
}

/* Loads the links file into px.links. Prints the error; returns 0 or -1. */
static int
links_load(const char *path)
{
        char buf[LINE_MAX_CHARS + 2], why[WHY_BYTES];
        FILE *f = fopen(path, "r");
        unsigned lineno = 0;
        size_t cap = 0;
        int rc = -1, got;

        if (f == NULL) {
                fprintf(stderr, "flaky: error: %s: %s\n", path,
                        strerror(errno));
                return -1;
        }
        while ((got = read_line(f, buf, sizeof(buf))) != 0) {
                char *s = buf + strspn(buf, " \t");
                struct link_cfg k;

                lineno++;
                if (got < 0) {
                        cfg_error(path, lineno, "line longer than %u",
                                  LINE_MAX_CHARS);
                        goto out;
                }
                if (*s == '\0' || *s == '#')
                        continue;
                if (parse_line(s, &k, why) != 0) {
                        cfg_error(path, lineno, "%s", why);
                        goto out;
                }
                for (size_t i = 0; i < px.nlinks; i++) {
                        if (strcmp(px.links[i].cfg.name, k.name) == 0) {
                                cfg_error(path, lineno, "name '%s' used twice",
                                          k.name);
                                goto out;
                        }
                }
                if (px.nlinks == LINKS_MAX) {
                        cfg_error(path, lineno, "more than %u links",
                                  LINKS_MAX);
                        goto out;
                }
                if (px.nlinks == cap) {
                        cap = cap ? cap * 2 : 64;
                        px.links = realloc(px.links, cap * sizeof(*px.links));
                        if (px.links == NULL)
                                abort();
                }
                memset(&px.links[px.nlinks], 0, sizeof(*px.links));
                px.links[px.nlinks++].cfg = k;
        }
        if (ferror(f)) {
                fprintf(stderr, "flaky: error: %s: read error\n", path);
        } else if (px.nlinks == 0) {
                cfg_error(path, lineno, "no links");
        } else {
                rc = 0;
        }
out:
        fclose(f);
        return rc;
}

/* ---- a connection: two sockets, two pipes ---------------------------------
 * Direction d reads side d and writes side 1 - d. A conn is freed when its
 * six handles are closed; the callbacks of its requests (writes, shutdowns,
 * the dial) all run before that.
 */

static void
on_conn_handle_closed(uv_handle_t *h)
{
        struct conn *c = h->data;

        if (--c->handles == 0)
                free(c);
}

/* Frees the chunks still waiting; chunks being written are the writes'. */
static void
pipe_drop(struct pipe *p)
{
        struct chunk *k;

        while ((k = p->head) != NULL) {
                p->head = k->next;
                p->queued -= k->len - k->off;
                free(k);
        }
        p->tail = NULL;
}

/* Closes both sockets (the client's with a reset when reset_client) and
 * drops what is queued. Idempotent. */
static void
conn_close(struct conn *c, bool reset_client)
{
        uv_handle_t *client = (uv_handle_t *)&c->side[SIDE_CLIENT];

        if (c->closing)
                return;
        c->closing = true;
        if (c->prev != NULL)
                c->prev->next = c->next;
        else
                c->l->conns = c->next;
        if (c->next != NULL)
                c->next->prev = c->prev;
        for (unsigned d = 0; d < 2; d++) {
                pipe_drop(&c->pipe[d]);
                uv_close((uv_handle_t *)&c->pipe[d].timer,
                         on_conn_handle_closed);
        }
        uv_close((uv_handle_t *)&c->cut_timer, on_conn_handle_closed);
        uv_close((uv_handle_t *)&c->bh_timer, on_conn_handle_closed);
        if (!reset_client ||
            uv_tcp_close_reset(&c->side[SIDE_CLIENT], on_conn_handle_closed))
                uv_close(client, on_conn_handle_closed);
        uv_close((uv_handle_t *)&c->side[SIDE_TARGET], on_conn_handle_closed);
}

/* An I/O error on one side: one log line, both sides closed. */
static void
conn_fail(struct conn *c, unsigned side, const char *what, int err)
{
        log_line("info", "FLAKY-IO", "%s: %s %s: %s", c->l->cfg.name, what,
                 side == SIDE_CLIENT ? "client" : "target", uv_strerror(err));
        conn_close(c, false);
}

static void
conn_cut(struct conn *c)
{
        c->l->st.cuts++;
        conn_close(c, false);
}

static void
on_alloc(uv_handle_t *h, size_t hint, uv_buf_t *b)
{
        (void)h;
        (void)hint;
        *b = uv_buf_init(read_buf, sizeof(read_buf));
}

static struct chunk *
chunk_new(struct conn *c, unsigned d, const void *data, size_t n)
{
        struct chunk *k = xmalloc(offsetof(struct chunk, data) + n);

        k->next = NULL;
        k->req.data = k;
        k->c = c;
        k->due_ms = 0;
        k->len = n;
        k->off = 0;
        k->dir = d;
        memcpy(k->data, data, n);
        return k;
}

static void
on_write(uv_write_t *req, int status)
{
        struct chunk *w = req->data;
        struct conn *c = w->c;
        struct pipe *p = &c->pipe[w->dir];
        size_t n = w->len - w->off;

        p->queued -= n;
        if (status == 0)
                c->l->st.bytes[w->dir] += n;
        if (c->closing) {
                free(w);
                return;
        }
        if (status < 0) {
                conn_fail(c, 1U - w->dir, "write", status);
                free(w);
                return;
        }
        if (p->paused && p->queued <= QUEUE_LOW_BYTES && !p->eof) {
                p->paused = false;
                uv_read_start((uv_stream_t *)&c->side[w->dir], on_alloc,
                              on_read);
        }
        free(w);
}

/* Writes the first n bytes waiting in pipe d. Returns 0, or -1 when the
 * connection was closed. */
static int
pipe_write(struct conn *c, unsigned d, size_t n)
{
        struct pipe *p = &c->pipe[d];
        struct chunk *k = p->head, *w = k;
        uv_buf_t b;
        int err;

        if (n == k->len - k->off) {
                p->head = k->next;
                if (p->head == NULL)
                        p->tail = NULL;
        } else {
                w = chunk_new(c, d, k->data + k->off, n);
                k->off += n;
        }
        b = uv_buf_init((char *)w->data + w->off, (unsigned)n);
        c->forwarded += n;
        if (c->l->rate_bps > 0.0)
                p->tokens -= (double)n;
        err =
            uv_write(&w->req, (uv_stream_t *)&c->side[1 - d], &b, 1, on_write);
        if (err != 0) {
                p->queued -= n;
                free(w);
                conn_fail(c, 1U - d, "write", err);
                return -1;
        }
        return 0;
}

/* How many bytes of n the token bucket lets out now; 0 when it must wait,
 * then *wait_ms says how long. */
static size_t
pipe_tokens(struct link *l, struct pipe *p, size_t n, uint64_t now,
            uint64_t *wait_ms)
{
        double want = (double)n < l->quantum ? (double)n : l->quantum;

        p->tokens += (double)(now - p->tokens_ms) * l->rate_bps / 1000.0;
        p->tokens_ms = now;
        if (p->tokens > l->bucket)
                p->tokens = l->bucket;
        if (p->tokens >= want)
                return (double)n < p->tokens ? n : (size_t)p->tokens;
        *wait_ms = (uint64_t)((want - p->tokens) * 1000.0 / l->rate_bps) + 1U;
        return 0;
}

/* Writes what is due in pipe d, then arms its timer for what is not; shuts
 * the destination down after the source's EOF once nothing waits. */
static void
pipe_pump(struct conn *c, unsigned d)
{
        struct pipe *p = &c->pipe[d];
        struct link *l = c->l;
        uint64_t now = uv_now(&px.loop), wait_ms = 0;
        int err;

        if (c->closing || c->blackholed)
                return;
        while (p->head != NULL) {
                struct chunk *k = p->head;
                size_t n = k->len - k->off;

                if (k->due_ms > now) {
                        wait_ms = k->due_ms - now;
                        break;
                }
                if (l->rate_bps > 0.0 &&
                    (n = pipe_tokens(l, p, n, now, &wait_ms)) == 0)
                        break;
                if (c->cut_at != NO_CUT && n > c->cut_at - c->forwarded)
                        n = (size_t)(c->cut_at - c->forwarded);
                if (pipe_write(c, d, n) != 0)
                        return;
                if (c->forwarded == c->cut_at) {
                        conn_cut(c);
                        return;
                }
        }
        if (p->head != NULL) {
                uv_timer_start(&p->timer, on_pipe_timer, wait_ms, 0);
                return;
        }
        if (p->eof && !p->shutting) {
                p->shutting = true;
                err = uv_shutdown(&p->shutdown, (uv_stream_t *)&c->side[1 - d],
                                  on_shutdown);
                if (err != 0)
                        conn_close(c, false);
        }
}

static void
on_pipe_timer(uv_timer_t *t)
{
        struct conn *c = t->data;

        pipe_pump(c, t == &c->pipe[DIR_C2T].timer ? DIR_C2T : DIR_T2C);
}

static void
on_shutdown(uv_shutdown_t *req, int status)
{
        struct conn *c = req->data;
        unsigned d = req == &c->pipe[DIR_C2T].shutdown ? DIR_C2T : DIR_T2C;

        c->pipe[d].shut = true;
        if (c->closing)
                return;
        if (status < 0 || (c->pipe[0].shut && c->pipe[1].shut))
                conn_close(c, false);
}

/* Queues n bytes read from side d (copied) for the other side. */
static void
pipe_push(struct conn *c, unsigned d, const char *data, size_t n)
{
        struct pipe *p = &c->pipe[d];
        struct chunk *k = chunk_new(c, d, data, n);
        const struct link_cfg *cfg = &c->l->cfg;

        if (cfg->has & KEY_LATENCY) {
                uv_update_time(&px.loop);
                k->due_ms =
                    uv_now(&px.loop) + rng_urange(&c->rng, &cfg->latency_ms);
        }
        if (p->tail != NULL)
                p->tail->next = k;
        else
                p->head = k;
        p->tail = k;
        p->queued += n;
        if (p->queued > QUEUE_HIGH_BYTES && !p->paused) {
                p->paused = true;
                uv_read_stop((uv_stream_t *)&c->side[d]);
        }
        pipe_pump(c, d);
}

static void
on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *b)
{
        struct conn *c = s->data;
        unsigned d = s == (uv_stream_t *)&c->side[DIR_C2T] ? DIR_C2T : DIR_T2C;

        if (nread > 0) {
                if (!c->blackholed)
                        pipe_push(c, d, b->base, (size_t)nread);
                return;
        }
        if (nread == 0)
                return;
        uv_read_stop(s);
        if (nread != UV_EOF) {
                conn_fail(c, d, "read", (int)nread);
                return;
        }
        if (c->blackholed) {
                conn_close(c, false);
                return;
        }
        c->pipe[d].eof = true;
        pipe_pump(c, d);
}

/* The black hole opens: nothing more is forwarded, nothing is closed by
 * us; an endpoint's EOF or error closes both sides (see on_read). */
static void
on_bh_timer(uv_timer_t *t)
{
        struct conn *c = t->data;

        c->blackholed = true;
        c->l->st.blackholes++;
        uv_timer_stop(&c->cut_timer);
        for (unsigned d = 0; d < 2; d++) {
                struct pipe *p = &c->pipe[d];

                uv_timer_stop(&p->timer);
                pipe_drop(p);
                if (p->eof) {
                        conn_close(c, false);
                        return;
                }
                if (p->paused) {
                        p->paused = false;
                        uv_read_start((uv_stream_t *)&c->side[d], on_alloc,
                                      on_read);
                }
        }
}

static void
on_cut_timer(uv_timer_t *t)
{
        conn_cut(t->data);
}

static void
on_target_connect(uv_connect_t *req, int status)
{
        struct conn *c = req->data;

        if (c->closing)
                return;
        if (status < 0) {
                log_line("warn", "FLAKY-TARGET", "%s: dial %s: %s",
                         c->l->cfg.name, c->l->cfg.target_text,
                         uv_strerror(status));
                conn_close(c, true);
                return;
        }
        uv_tcp_nodelay(&c->side[SIDE_TARGET], 1);
        for (unsigned d = 0; d < 2; d++) {
                int err = uv_read_start((uv_stream_t *)&c->side[d], on_alloc,
                                        on_read);
                if (err != 0) {
                        conn_close(c, false);
                        return;
                }
        }
}

static struct conn *
conn_new(struct link *l)
{
        struct conn *c = calloc(1, sizeof(*c));
        uv_handle_t *h[6];

        if (c == NULL)
                abort();
        c->l = l;
        c->cut_at = NO_CUT;
        h[0] = (uv_handle_t *)&c->side[0];
        h[1] = (uv_handle_t *)&c->side[1];
        h[2] = (uv_handle_t *)&c->pipe[0].timer;
        h[3] = (uv_handle_t *)&c->pipe[1].timer;
        h[4] = (uv_handle_t *)&c->cut_timer;
        h[5] = (uv_handle_t *)&c->bh_timer;
        if (uv_tcp_init(&px.loop, &c->side[0]) ||
            uv_tcp_init(&px.loop, &c->side[1]))
                abort();
        for (unsigned i = 2; i < ARRAY_LEN(h); i++)
                uv_timer_init(&px.loop, (uv_timer_t *)h[i]);
        for (unsigned i = 0; i < ARRAY_LEN(h); i++)
                h[i]->data = c;
        c->handles = (int)ARRAY_LEN(h);
        c->connect.data = c;
        for (unsigned d = 0; d < 2; d++) {
                c->pipe[d].shutdown.data = c;
                c->pipe[d].tokens = l->bucket;
                c->pipe[d].tokens_ms = uv_now(&px.loop);
        }
        c->next = l->conns;
        if (l->conns != NULL)
                l->conns->prev = c;
        l->conns = c;
        return c;
}

/* The draws made at accept, in the order the header documents. */
static void
conn_draw(struct conn *c)
{
        struct link *l = c->l;
        const struct link_cfg *k = &l->cfg;

        rng_seed(&c->rng, rng_next(&l->rng_conn));
        if (k->has & KEY_CUT_BYTES)
                c->cut_at = rng_urange(&l->rng_conn, &k->cut_bytes);
        if (k->has & KEY_CUT_S)
                uv_timer_start(&c->cut_timer, on_cut_timer,
                               secs_to_ms(rng_srange(&l->rng_conn, &k->cut_s)),
                               0);
        if ((k->has & KEY_BLACKHOLE) && rng_unit(&l->rng_conn) < k->bh_prob)
                uv_timer_start(&c->bh_timer, on_bh_timer,
                               secs_to_ms(rng_srange(&l->rng_conn, &k->bh_s)),
                               0);
}

static void
on_refused_closed(uv_handle_t *h)
{
        free(h);
}

/* Down: accept, then reset at once. */
static void
link_refuse(struct link *l)
{
        uv_tcp_t *t = xmalloc(sizeof(*t));

        uv_tcp_init(&px.loop, t);
        if (uv_accept((uv_stream_t *)&l->listener, (uv_stream_t *)t) != 0) {
                uv_close((uv_handle_t *)t, on_refused_closed);
                return;
        }
        l->st.refused++;
        if (uv_tcp_close_reset(t, on_refused_closed) != 0)
                uv_close((uv_handle_t *)t, on_refused_closed);
}

static void
on_connection(uv_stream_t *server, int status)
{
        struct link *l = server->data;
        struct conn *c;
        int err;

        if (status < 0) {
                log_line("warn", "FLAKY-ACCEPT", "%s: %s", l->cfg.name,
                         uv_strerror(status));
                return;
        }
        if (l->down) {
                link_refuse(l);
                return;
        }
        c = conn_new(l);
        err = uv_accept(server, (uv_stream_t *)&c->side[SIDE_CLIENT]);
        if (err != 0) {
                log_line("warn", "FLAKY-ACCEPT", "%s: %s", l->cfg.name,
                         uv_strerror(err));
                conn_close(c, false);
                return;
        }
        l->st.connects++;
        uv_tcp_nodelay(&c->side[SIDE_CLIENT], 1);
        conn_draw(c);
        err = uv_tcp_connect(&c->connect, &c->side[SIDE_TARGET],
                             (const struct sockaddr *)&l->cfg.target_addr,
                             on_target_connect);
        if (err != 0) {
                log_line("warn", "FLAKY-TARGET", "%s: dial %s: %s", l->cfg.name,
                         l->cfg.target_text, uv_strerror(err));
                conn_close(c, true);
        }
}

/* ---- links, stats, signals ------------------------------------------------
 */

/* Up periods last U, down periods U*F/(1-F), U uniform in [A,B]. */
static void
on_down_timer(uv_timer_t *t)
{
        struct link *l = t->data;
        double s = rng_srange(&l->rng_down, &l->cfg.down_s);
        struct conn *c, *next;

        l->down = !l->down;
        if (l->down) {
                l->st.down_periods++;
                s = s * l->cfg.down_frac / (1.0 - l->cfg.down_frac);
                for (c = l->conns; c != NULL; c = next) {
                        next = c->next;
                        if (!c->blackholed)
                                conn_cut(c);
                }
        }
        uv_timer_start(t, on_down_timer, secs_to_ms(s), 0);
}

/* Binds and listens; on failure prints why and returns -1. */
static int
link_start(struct link *l, uint64_t seed)
{
        struct sockaddr_storage ss;
        int len = (int)sizeof(ss), err;

        rng_seed_link(&l->rng_conn, seed, l->cfg.name, 1);
        rng_seed_link(&l->rng_down, seed, l->cfg.name, 2);
        if (l->cfg.has & KEY_RATE) {
                l->rate_bps = (double)l->cfg.rate_kbit * 125.0;
                l->quantum = l->rate_bps / 20.0;
                if (l->quantum < 64.0)
                        l->quantum = 64.0;
                if (l->quantum > 65536.0)
                        l->quantum = 65536.0;
                l->bucket = 2.0 * l->quantum;
        }
        uv_tcp_init(&px.loop, &l->listener);
        uv_timer_init(&px.loop, &l->down_timer);
        l->listener.data = l;
        l->down_timer.data = l;
        err = uv_tcp_bind(&l->listener,
                          (const struct sockaddr *)&l->cfg.listen_addr, 0);
        if (err == 0)
                err = uv_listen((uv_stream_t *)&l->listener, LISTEN_BACKLOG,
                                on_connection);
        if (err == 0)
                err = uv_tcp_getsockname(&l->listener, (struct sockaddr *)&ss,
                                         &len);
        if (err != 0) {
                fprintf(stderr, "flaky: error: %s: cannot listen: %s\n",
                        l->cfg.name, uv_strerror(err));
                return -1;
        }
        l->port = ntohs(ss.ss_family == AF_INET6
                            ? ((struct sockaddr_in6 *)&ss)->sin6_port
                            : ((struct sockaddr_in *)&ss)->sin_port);
        if ((l->cfg.has & KEY_DOWN) && l->cfg.down_frac > 0.0)
                uv_timer_start(
                    &l->down_timer, on_down_timer,
                    secs_to_ms(rng_srange(&l->rng_down, &l->cfg.down_s)), 0);
        return 0;
}

static int
ready_write(const char *path)
{
        struct text t = {0};
        int err;

        for (size_t i = 0; i < px.nlinks; i++)
                text_add(&t, "%s %d\n", px.links[i].cfg.name, px.links[i].port);
        err = file_write_atomic(path, &t);
        free(t.p);
        if (err != 0)
                fprintf(stderr, "flaky: error: %s: %s\n", path, strerror(-err));
        return err;
}

static void
stats_write(void)
{
        struct text t = {0};
        int err;

        if (px.stats_path == NULL)
                return;
        text_add(&t, "{\"links\":[");
        for (size_t i = 0; i < px.nlinks; i++) {
                const struct link *l = &px.links[i];
                const struct link_stats *s = &l->st;

                text_add(
                    &t,
                    "%s\n{\"name\":\"%s\",\"port\":%d,\"connects\":%" PRIu64
                    ",\"refused\":%" PRIu64 ",\"cuts\":%" PRIu64
                    ",\"blackholes\":%" PRIu64 ",\"down_periods\":%" PRIu64
                    ",\"bytes_c2t\":%" PRIu64 ",\"bytes_t2c\":%" PRIu64 "}",
                    i ? "," : "", l->cfg.name, l->port, s->connects, s->refused,
                    s->cuts, s->blackholes, s->down_periods, s->bytes[DIR_C2T],
                    s->bytes[DIR_T2C]);
        }
        text_add(&t, "\n]}\n");
        err = file_write_atomic(px.stats_path, &t);
        free(t.p);
        if (err != 0)
                log_line("warn", "FLAKY-STATS", "%s: %s", px.stats_path,
                         strerror(-err));
}

static void
on_stats_timer(uv_timer_t *t)
{
        (void)t;
        stats_write();
}

/* Final stats, then every handle closed: uv_run returns. */
static void
proxy_stop(void)
{
        if (px.stopping)
                return;
        px.stopping = true;
        stats_write();
        uv_close((uv_handle_t *)&px.stats_timer, NULL);
        uv_close((uv_handle_t *)&px.sig_term, NULL);
        uv_close((uv_handle_t *)&px.sig_int, NULL);
        uv_close((uv_handle_t *)&px.sig_usr1, NULL);
        for (size_t i = 0; i < px.nlinks; i++) {
                struct link *l = &px.links[i];

                uv_close((uv_handle_t *)&l->listener, NULL);
                uv_close((uv_handle_t *)&l->down_timer, NULL);
                while (l->conns != NULL)
                        conn_close(l->conns, false);
        }
}

static void
on_signal(uv_signal_t *h, int signum)
{
        (void)h;
        if (signum == SIGUSR1)
                stats_write();
        else
                proxy_stop();
}

/* ---- main -----------------------------------------------------------------
 */

static void
usage(const char *why)
{
        fprintf(stderr,
                "flaky: error: %s\n"
                "usage: flaky --links FILE --ready FILE [--stats FILE] "
                "[--seed N] [--stats-every-ms N]\n",
                why);
        exit(2);
}

struct opts {
        const char *links, *ready;
        uint64_t seed;
};

static void
opts_parse(int argc, char **argv, struct opts *o)
{
        o->seed = 1;
        px.stats_every_ms = 1000;
        for (int i = 1; i < argc; i += 2) {
                const char *k = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

                if (v == NULL)
                        usage("option without a value");
                if (strcmp(k, "--links") == 0)
                        o->links = v;
                else if (strcmp(k, "--ready") == 0)
                        o->ready = v;
                else if (strcmp(k, "--stats") == 0)
                        px.stats_path = v;
                else if (strcmp(k, "--seed") == 0) {
                        if (parse_u64(v, strlen(v), &o->seed) != 0)
                                usage("--seed: want an unsigned integer");
                } else if (strcmp(k, "--stats-every-ms") == 0) {
                        if (parse_u64(v, strlen(v), &px.stats_every_ms) ||
                            px.stats_every_ms < STATS_EVERY_MIN_MS ||
                            px.stats_every_ms > STATS_EVERY_MAX_MS)
                                usage("--stats-every-ms: want 10..3600000");
                } else
                        usage("unknown option");
        }
        if (o->links == NULL || o->ready == NULL)
                usage("--links and --ready are required");
}

/* Room for ~1000 connections of two sockets each, and the listeners. */
static void
raise_fd_limit(void)
{
        struct rlimit r;

        if (getrlimit(RLIMIT_NOFILE, &r) == 0 && r.rlim_cur < r.rlim_max) {
                r.rlim_cur = r.rlim_max;
                setrlimit(RLIMIT_NOFILE, &r);
        }
}

int
main(int argc, char **argv)
{
        struct opts o = {0};
        int rc = 1;

        opts_parse(argc, argv, &o);
        if (links_load(o.links) != 0)
                return 2;
        signal(SIGPIPE, SIG_IGN);
        raise_fd_limit();
        if (uv_loop_init(&px.loop) != 0)
                abort();
        for (size_t i = 0; i < px.nlinks; i++) {
                if (link_start(&px.links[i], o.seed) != 0)
                        goto out;
        }
        if (ready_write(o.ready) != 0)
                goto out;
        uv_timer_init(&px.loop, &px.stats_timer);
        if (px.stats_path != NULL)
                uv_timer_start(&px.stats_timer, on_stats_timer,
                               px.stats_every_ms, px.stats_every_ms);
        uv_signal_init(&px.loop, &px.sig_term);
        uv_signal_init(&px.loop, &px.sig_int);
        uv_signal_init(&px.loop, &px.sig_usr1);
        uv_signal_start(&px.sig_term, on_signal, SIGTERM);
        uv_signal_start(&px.sig_int, on_signal, SIGINT);
        uv_signal_start(&px.sig_usr1, on_signal, SIGUSR1);
        uv_run(&px.loop, UV_RUN_DEFAULT);
        rc = 0;
out:
        if (rc != 0)
                proxy_stop();
        uv_run(&px.loop, UV_RUN_DEFAULT);
        if (uv_loop_close(&px.loop) != 0) {
                fprintf(stderr, "flaky: error: handles left open\n");
                rc = 1;
        }
        free(px.links);
        return rc;
}
