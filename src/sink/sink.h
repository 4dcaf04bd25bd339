/*
 * sink: the node's log and report views streamed into PostgreSQL
 * (docs/SINK.md) for the tools a kabupaten Diskominfo already runs
 * (Metabase, Grafana). `simpul sink` runs it as a process of its own
 * beside the daemon: it reads the store through app (LMDB readers do not
 * block the daemon's writer, and each batch holds its read transaction
 * only while it is read), so PostgreSQL being down, slow or hung never
 * slows sync.
 *
 * Exactly once: the position (per feed, the last seq written) lives in
 * PostgreSQL and moves in the same transaction as the rows it covers; on
 * every (re)connection it is read back from there, so a crash, a kill -9
 * or a dropped connection resumes without a gap or a duplicate.
 *
 * libpq lives here only; no libpq type leaves this module. Must not
 * depend on: cli, http, node internals (everything comes through app).
 */
#ifndef SIMPUL_SINK_H
#define SIMPUL_SINK_H

#include <signal.h>

#include "../app/app.h"

#define SINK_BATCH_DEFAULT 2000U /* entries per PostgreSQL transaction */
#define SINK_BATCH_MAX 100000U
#define SINK_POLL_DEFAULT_MS 100U /* looks at the store when caught up */
#define SINK_BACKOFF_MIN_MS 250U
#define SINK_BACKOFF_MAX_MS 30000U

struct sink_options {
        const char *dsn;  /* libpq connection string (borrowed) */
        bool unseal;      /* [sink] unseal: what this node opens goes out */
        size_t batch;     /* 0: SINK_BATCH_DEFAULT */
        uint64_t poll_ms; /* 0: SINK_POLL_DEFAULT_MS */
        bool once;        /* return once caught up (a backfill) */
};

/* What one run did. */
struct sink_stats {
        uint64_t entries, reports, batches; /* written and committed */
        uint64_t reconnects;                /* connections after the first */
};

/*
 * Streams n's store into PostgreSQL until *stop is set (a signal
 * handler's flag), or with o->once until nothing is left to stream.
 * Reconnects with exponential backoff (SINK_BACKOFF_MIN_MS doubling to
 * SINK_BACKOFF_MAX_MS, jittered), logging one line per change of state:
 * SINK-PG-UP, SINK-PG-DOWN, SINK-CATCHING-UP, SINK-LIVE. Errors (the
 * sink stops): ERR_SINK_INSTANCE (the database holds another store's
 * stream, SINK-INSTANCE), store errors (SINK-STORE).
 */
int sink_run(struct node *n, const struct sink_options *o,
             volatile sig_atomic_t *stop, struct sink_stats *st) WUR;

#endif
