/*
 * sink: the loop of simpul sink. Read a batch past the position (app),
 * write it with its position in one PostgreSQL transaction (pg.c), adopt
 * the position only once COMMIT has returned; on any PostgreSQL error
 * drop the connection, wait (backoff) and read the position back from
 * the database on the next connection, which is the truth whether the
 * last COMMIT landed or not.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sink_int.h"

enum sink_state {
        SINK_CONNECTING, /* never connected yet */
        SINK_DOWN,       /* PostgreSQL down or refusing */
        SINK_BEHIND,     /* connected, full batches going in */
        SINK_LIVE,       /* connected, caught up */
};

struct sink {
        struct node *n;
        const struct sink_options *o;
        struct sink_stats *st;
        struct pg *pg;
        enum sink_state state;
        struct app_stream_pos *pos; /* sorted by feed; owned */
        size_t n_pos;
        uint64_t version; /* the store version the position covers */
        bool has_version;
        uint64_t backoff_ms, retry_at_ms;
        char instance[2 * STORE_INSTANCE_BYTES + 1];
        char node_key[2 * ENTRY_KEY_BYTES + 1];
};

static void
sleep_ms(uint64_t ms)
{
        struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000};

        while (nanosleep(&ts, &ts) && errno == EINTR)
                return; /* a signal: the caller looks at its stop flag */
}

/* Down, with why: one log line when the state changes, then backoff. */
static void
sink_down(struct sink *s, const char *why)
{
        uint64_t jitter;

        if (s->state != SINK_DOWN)
                log_warn("SINK-PG-DOWN",
                         "PostgreSQL: %s; retrying with backoff up to %us, "
                         "sync is not affected",
                         why, SINK_BACKOFF_MAX_MS / 1000);
        s->state = SINK_DOWN;
        pg_close(s->pg);
        s->pg = NULL;
        s->has_version = false;
        s->backoff_ms = s->backoff_ms ? 2 * s->backoff_ms : SINK_BACKOFF_MIN_MS;
        if (s->backoff_ms > SINK_BACKOFF_MAX_MS)
                s->backoff_ms = SINK_BACKOFF_MAX_MS;
        jitter = (uint64_t)rand() % (s->backoff_ms / 2 + 1);
        s->retry_at_ms = time_now_ms() + s->backoff_ms / 2 + jitter;
}

static void
sink_state(struct sink *s, enum sink_state to)
{
        if (s->state == to)
                return;
        if (to == SINK_BEHIND)
                log_info("SINK-CATCHING-UP",
                         "streaming into PostgreSQL in batches of %zu",
                         s->o->batch);
        else if (to == SINK_LIVE)
                log_info("SINK-LIVE",
                         "caught up: %llu entries in %llu transactions "
                         "so far; following the store",
                         (unsigned long long)s->st->entries,
                         (unsigned long long)s->st->batches);
        s->state = to;
}

/* Connects; ERR_SINK_INSTANCE is for the caller, other errors wait. */
static int
sink_connect(struct sink *s)
{
        char msg[APP_ERR_MAX];
        bool again = s->state != SINK_CONNECTING;
        int err;

        free(s->pos);
        s->pos = NULL;
        s->n_pos = 0;
        err = pg_open(&s->pg, s->o->dsn, s->instance, s->node_key, &s->pos,
                      &s->n_pos, msg);
        if (err == ERR_SINK_INSTANCE) {
                log_error("SINK-INSTANCE", "%s", msg);
                return err;
        }
        if (err) {
                sink_down(s, msg);
                return 0;
        }
        s->st->reconnects += again;
        log_info("SINK-PG-UP",
                 "connected to PostgreSQL; resuming after %zu feeds' "
                 "positions",
                 s->n_pos);
        s->state = SINK_BEHIND; /* until a batch comes back short */
        return 0;
}

/* Adopts the position a committed batch reached (merge, keep sorted). */
static int
pos_cmp(const void *a, const void *b)
{
        return memcmp(a, b, ENTRY_HASH_BYTES);
}

static void
pos_adopt(struct sink *s, const struct app_stream *b)
{
        size_t added = 0;

        s->pos = xrealloc(s->pos, (s->n_pos + b->n_pos + 1) * sizeof(*s->pos));
        for (size_t i = 0; i < b->n_pos; i++) {
                struct app_stream_pos *p = bsearch(
                    b->pos[i].feed, s->pos, s->n_pos, sizeof(*p), pos_cmp);

                if (p)
                        p->seq = b->pos[i].seq;
                else
                        s->pos[s->n_pos + added++] = b->pos[i];
        }
        s->n_pos += added;
        if (added)
                qsort(s->pos, s->n_pos, sizeof(*s->pos), pos_cmp);
}

/*
 * One step with a connection: a batch written, or nothing new. *idle is
 * set when caught up. Store errors are returned (the sink stops).
 */
static int
sink_step(struct sink *s, bool *idle)
{
        struct app_stream b;
        char msg[APP_ERR_MAX];
        uint64_t v;
        int err;

        *idle = false;
        if (s->has_version && s->state == SINK_LIVE) {
                if ((err = app_store_version(s->n, &v)))
                        goto store;
                if (v == s->version) {
                        *idle = true;
                        return 0;
                }
        }
        if ((err = app_stream_read(s->n, s->pos, s->n_pos, s->o->batch,
                                   s->o->unseal, 0, &b, msg))) {
                log_error("SINK-STORE", "%s", msg);
                return err;
        }
        if (b.n && (err = pg_write(s->pg, &b, msg))) {
                sink_down(s, msg);
                app_stream_release(&b);
                return 0;
        }
        pos_adopt(s, &b);
        s->backoff_ms = 0; /* a batch went in (or none was due) */
        s->st->entries += b.n;
        s->st->reports += b.n_reports;
        s->st->batches += b.n != 0;
        s->has_version = !b.more;
        s->version = b.version;
        sink_state(s, b.more ? SINK_BEHIND : SINK_LIVE);
        *idle = !b.more;
        app_stream_release(&b);
        return 0;
store:
        log_error("SINK-STORE", "cannot read the store: %s", err_str(err));
        return err;
}

int
sink_run(struct node *n, const struct sink_options *o,
         volatile sig_atomic_t *stop, struct sink_stats *st)
{
        struct sink_options opt = *o;
        struct app_status status;
        struct sink s;
        char msg[APP_ERR_MAX];
        bool idle;
        int err = 0;

        memset(st, 0, sizeof(*st));
        memset(&s, 0, sizeof(s));
        opt.batch = opt.batch ? opt.batch : SINK_BATCH_DEFAULT;
        opt.poll_ms = opt.poll_ms ? opt.poll_ms : SINK_POLL_DEFAULT_MS;
        s.n = n;
        s.o = &opt;
        s.st = st;
        s.state = SINK_CONNECTING;
        if ((err = app_status(n, NULL, &status, NULL, msg))) {
                log_error("SINK-STORE", "%s", msg);
                return err;
        }
        snprintf(s.node_key, sizeof(s.node_key), "%s", status.key);
        {
                /* The store's instance binds the database to it. */
                struct app_stream first;

                if ((err = app_stream_read(n, NULL, 0, 1, false, 0, &first,
                                           msg))) {
                        log_error("SINK-STORE", "%s", msg);
                        return err;
                }
                memcpy(s.instance, first.instance, sizeof(s.instance));
                app_stream_release(&first);
        }
        srand((unsigned)time_now_ms());
        while (!*stop && !err) {
                if (!s.pg) {
                        if (time_now_ms() < s.retry_at_ms) {
                                sleep_ms(50);
                                continue;
                        }
                        err = sink_connect(&s);
                        continue;
                }
                if ((err = sink_step(&s, &idle)) || !idle)
                        continue;
                if (opt.once && s.pg)
                        break;
                if (pg_wait(s.pg, opt.poll_ms, msg))
                        sink_down(&s, msg);
        }
        pg_close(s.pg);
        free(s.pos);
        return err;
}
