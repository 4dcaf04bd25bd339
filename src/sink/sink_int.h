/*
 * sink internals: the PostgreSQL side (pg.c: connection, schema, the
 * position, one batch in one transaction) and the rows of a batch in
 * COPY's text format (rows.c). Not part of the module API.
 */
#ifndef SIMPUL_SINK_INT_H
#define SIMPUL_SINK_INT_H

#include "sink.h"

#define SINK_SCHEMA_VERSION 1U

struct pg; /* a libpq connection with the sink's session set up */

/*
 * Connects, takes the sink's advisory lock (one sink per database),
 * creates or checks the schema and binds it to this store (instance, in
 * simpul.sink_meta), and reads the position back: *pos (owned, free it)
 * sorted by feed. err_msg (APP_ERR_MAX) says why not. Errors: ERR_SINK_PG
 * (down, refused, locked by another sink, a newer schema),
 * ERR_SINK_INSTANCE.
 */
int pg_open(struct pg **out, const char *dsn, const char *instance,
            const char *node_key, struct app_stream_pos **pos, size_t *n_pos,
            char *err_msg) WUR;
void pg_close(struct pg *p);
/*
 * Waits up to ms (at most a minute) for the idle connection to say
 * something: ERR_SINK_PG when the server closed it (a restart, a
 * network drop that the kernel saw), so a caught-up sink notices at
 * once and not at its next batch. 0 on a timeout or a signal.
 */
int pg_wait(struct pg *p, uint64_t ms, char *err_msg) WUR;
/*
 * Writes the batch and its position in one transaction. ERR_SINK_PG
 * (err_msg says what PostgreSQL said; nothing of it was committed, or
 * the connection dropped at COMMIT: read the position back to know).
 */
int pg_write(struct pg *p, const struct app_stream *s, char *err_msg) WUR;

/* The rows of a batch, one buf per table, in COPY text format. */
struct rows {
        struct buf items, steps, responses, reports, regions, nodes, pos;
};
void rows_make(struct rows *r, const struct app_stream *s);
void rows_release(struct rows *r);

#endif
