/*
 * pg: the PostgreSQL side of the sink, over libpq. The schema is
 * docs/SINK.md's: tables and views in the schema "simpul", created when
 * missing; a batch is COPYed in one transaction with the position it
 * reaches, so the database holds exactly the entries its position says.
 */
#include <errno.h>
#include <libpq-fe.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sink_int.h"

/* pg_try_advisory_lock's key: "simpul" in ASCII. One sink per database. */
#define SINK_LOCK_KEY "126909386483052"

struct pg {
        PGconn *c;
};

static const char schema_sql[] =
    "CREATE SCHEMA IF NOT EXISTS simpul;"
    "CREATE TABLE IF NOT EXISTS simpul.sink_meta ("
    " key text PRIMARY KEY, value text NOT NULL);"
    "CREATE TABLE IF NOT EXISTS simpul.sink_position ("
    " feed text PRIMARY KEY, seq bigint NOT NULL,"
    " updated_at timestamptz NOT NULL DEFAULT now());"
    "CREATE TABLE IF NOT EXISTS simpul.items ("
    " id text PRIMARY KEY, feed text NOT NULL, seq bigint NOT NULL,"
    " kind text NOT NULL, author text NOT NULL, author_region text NOT NULL,"
    " audience text NOT NULL, ts timestamptz NOT NULL,"
    " body_missing boolean NOT NULL, title text, text text, category text,"
    " level text, report text,"
    " streamed_at timestamptz NOT NULL DEFAULT clock_timestamp(),"
    " UNIQUE (feed, seq));"
    "CREATE TABLE IF NOT EXISTS simpul.reports ("
    " id text PRIMARY KEY, kind text NOT NULL, region text NOT NULL,"
    " kecamatan text, handler text NOT NULL, audience text NOT NULL,"
    " ts timestamptz NOT NULL, state text NOT NULL, result text,"
    " anonim boolean NOT NULL, rahasia boolean NOT NULL,"
    " sealed boolean NOT NULL, body_missing boolean NOT NULL,"
    " category text, title text, text text,"
    " reporter_name text, reporter_contact text,"
    " verified_at timestamptz, followed_at timestamptz,"
    " done_at timestamptz, last_reply_at timestamptz,"
    " late_at timestamptz, head text NOT NULL,"
    " updated_at timestamptz NOT NULL DEFAULT clock_timestamp());"
    "CREATE TABLE IF NOT EXISTS simpul.steps ("
    " id text PRIMARY KEY, report text NOT NULL, step text NOT NULL,"
    " author_region text NOT NULL, ts timestamptz NOT NULL, note text,"
    " method text, result text, agency text, verifier text);"
    "CREATE TABLE IF NOT EXISTS simpul.responses ("
    " id text PRIMARY KEY, report text NOT NULL,"
    " author_region text NOT NULL, ts timestamptz NOT NULL,"
    " title text, text text);"
    "CREATE TABLE IF NOT EXISTS simpul.regions ("
    " code text PRIMARY KEY, parent text, level text NOT NULL,"
    " kecamatan text);"
    "CREATE TABLE IF NOT EXISTS simpul.nodes ("
    " key text PRIMARY KEY, region text NOT NULL, name text NOT NULL,"
    " level text NOT NULL, issuer text NOT NULL,"
    " valid_from timestamptz NOT NULL, valid_until timestamptz NOT NULL,"
    " certificate text NOT NULL);"
    "CREATE INDEX IF NOT EXISTS reports_kecamatan_state"
    " ON simpul.reports (kecamatan, state);"
    "CREATE INDEX IF NOT EXISTS reports_late_at ON simpul.reports (late_at);"
    "CREATE INDEX IF NOT EXISTS steps_report ON simpul.steps (report);"
    "CREATE INDEX IF NOT EXISTS responses_report"
    " ON simpul.responses (report);"
    "CREATE INDEX IF NOT EXISTS items_ts ON simpul.items (ts);"
    "CREATE OR REPLACE VIEW simpul.reports_by_kecamatan AS"
    " SELECT kecamatan, state, count(*) AS reports,"
    "  count(*) FILTER (WHERE late_at <= now()) AS overdue"
    " FROM simpul.reports GROUP BY kecamatan, state;"
    "CREATE OR REPLACE VIEW simpul.overdue_reports AS"
    " SELECT id, kind, region, kecamatan, handler, state, ts, late_at,"
    "  now() - late_at AS late_by,"
    "  CASE WHEN state = 'diajukan' THEN 'terlambat_verifikasi'"
    "   ELSE 'terlambat_tindak_lanjut' END AS flag, title"
    " FROM simpul.reports WHERE late_at <= now();"
    "CREATE OR REPLACE VIEW simpul.reports_per_day AS"
    " SELECT date_trunc('day', ts AT TIME ZONE 'Asia/Jakarta') AS day,"
    "  kind, count(*) AS reports"
    " FROM simpul.reports GROUP BY 1, 2;"
    "CREATE OR REPLACE VIEW simpul.sink_status AS"
    " SELECT (SELECT count(*) FROM simpul.items) AS entries,"
    "  (SELECT coalesce(sum(seq), 0) FROM simpul.sink_position)"
    "   AS position_entries,"
    "  (SELECT max(streamed_at) FROM simpul.items) AS last_streamed;";

/* Per-session staging tables of the upserted tables, emptied at COMMIT. */
static const char temp_sql[] =
    "CREATE TEMP TABLE sink_reports (LIKE simpul.reports"
    " INCLUDING DEFAULTS) ON COMMIT DELETE ROWS;"
    "CREATE TEMP TABLE sink_regions (LIKE simpul.regions)"
    " ON COMMIT DELETE ROWS;"
    "CREATE TEMP TABLE sink_nodes (LIKE simpul.nodes) ON COMMIT DELETE ROWS;"
    "CREATE TEMP TABLE sink_pos (feed text, seq bigint)"
    " ON COMMIT DELETE ROWS;";

#define ITEM_COLS                                                              \
        "id, feed, seq, kind, author, author_region, audience, ts, "           \
        "body_missing, title, text, category, level, report"
#define REPORT_COLS                                                            \
        "id, kind, region, kecamatan, handler, audience, ts, state, result, "  \
        "anonim, rahasia, sealed, body_missing, category, title, text, "       \
        "reporter_name, reporter_contact, verified_at, followed_at, done_at, " \
        "last_reply_at, late_at, head"

static const char upsert_sql[] =
    "INSERT INTO simpul.reports (" REPORT_COLS ")"
    " SELECT " REPORT_COLS " FROM sink_reports"
    " ON CONFLICT (id) DO UPDATE SET"
    " kind = EXCLUDED.kind, region = EXCLUDED.region,"
    " kecamatan = EXCLUDED.kecamatan,"
    " handler = EXCLUDED.handler, audience = EXCLUDED.audience,"
    " ts = EXCLUDED.ts, state = EXCLUDED.state,"
    " result = EXCLUDED.result, anonim = EXCLUDED.anonim,"
    " rahasia = EXCLUDED.rahasia, sealed = EXCLUDED.sealed,"
    " body_missing = EXCLUDED.body_missing,"
    " category = EXCLUDED.category, title = EXCLUDED.title,"
    " text = EXCLUDED.text,"
    " reporter_name = EXCLUDED.reporter_name,"
    " reporter_contact = EXCLUDED.reporter_contact,"
    " verified_at = EXCLUDED.verified_at,"
    " followed_at = EXCLUDED.followed_at,"
    " done_at = EXCLUDED.done_at,"
    " last_reply_at = EXCLUDED.last_reply_at,"
    " late_at = EXCLUDED.late_at, head = EXCLUDED.head,"
    " updated_at = clock_timestamp();"
    "INSERT INTO simpul.regions SELECT DISTINCT ON (code) * FROM sink_regions"
    " ON CONFLICT (code) DO NOTHING;"
    "INSERT INTO simpul.nodes SELECT DISTINCT ON (key) * FROM sink_nodes"
    " ORDER BY key, valid_from DESC"
    " ON CONFLICT (key) DO UPDATE SET region = EXCLUDED.region,"
    " name = EXCLUDED.name, level = EXCLUDED.level,"
    " issuer = EXCLUDED.issuer, valid_from = EXCLUDED.valid_from,"
    " valid_until = EXCLUDED.valid_until,"
    " certificate = EXCLUDED.certificate"
    " WHERE simpul.nodes.valid_from <= EXCLUDED.valid_from;"
    "INSERT INTO simpul.sink_position (feed, seq)"
    " SELECT feed, seq FROM sink_pos"
    " ON CONFLICT (feed) DO UPDATE SET seq = EXCLUDED.seq,"
    " updated_at = now();";

/* PostgreSQL's message, first line only (one log line). */
static int
pg_fail(struct pg *p, PGresult *r, char *err_msg, const char *what)
{
        const char *m = r ? PQresultErrorMessage(r) : "";

        if (!m || !*m)
                m = PQerrorMessage(p->c);
        snprintf(err_msg, APP_ERR_MAX, "%s: %.*s", what, (int)strcspn(m, "\n"),
                 m);
        if (r)
                PQclear(r);
        return ERR_SINK_PG;
}

/* Runs sql (one or more commands), expecting no rows back. */
static int
pg_exec(struct pg *p, const char *sql, char *err_msg, const char *what)
{
        PGresult *r = PQexec(p->c, sql);
        ExecStatusType st = PQresultStatus(r);

        if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
                return pg_fail(p, r, err_msg, what);
        PQclear(r);
        return 0;
}

/* COPY table FROM STDIN with the rows of b (none: nothing sent). */
static int
pg_copy(struct pg *p, const char *table, const struct buf *b, char *err_msg)
{
        char sql[512];
        PGresult *r;
        int err = 0;

        if (!b->len)
                return 0;
        snprintf(sql, sizeof(sql), "COPY %s FROM STDIN", table);
        r = PQexec(p->c, sql);
        if (PQresultStatus(r) != PGRES_COPY_IN)
                return pg_fail(p, r, err_msg, table);
        PQclear(r);
        if (PQputCopyData(p->c, (const char *)b->data, (int)b->len) != 1 ||
            PQputCopyEnd(p->c, NULL) != 1)
                return pg_fail(p, NULL, err_msg, table);
        while ((r = PQgetResult(p->c))) {
                if (!err && PQresultStatus(r) != PGRES_COMMAND_OK) {
                        err = pg_fail(p, r, err_msg, table);
                        continue;
                }
                PQclear(r);
        }
        return err;
}

/* One value of a one-row query into out (size n); "" when no row. */
static int
pg_value(struct pg *p, const char *sql, char *out, size_t n, char *err_msg)
{
        PGresult *r = PQexec(p->c, sql);

        if (PQresultStatus(r) != PGRES_TUPLES_OK)
                return pg_fail(p, r, err_msg, "query");
        snprintf(out, n, "%s",
                 PQntuples(r) && !PQgetisnull(r, 0, 0) ? PQgetvalue(r, 0, 0)
                                                       : "");
        PQclear(r);
        return 0;
}

/* The schema made or checked, bound to this store. */
static int
pg_schema(struct pg *p, const char *instance, const char *node_key,
          char *err_msg)
{
        char have[128], sql[512];
        int err;

        if ((err = pg_exec(p, "BEGIN", err_msg, "begin")) ||
            (err = pg_exec(p, schema_sql, err_msg, "schema")) ||
            (err = pg_value(p,
                            "SELECT value FROM simpul.sink_meta"
                            " WHERE key = 'schema'",
                            have, sizeof(have), err_msg)))
                return err;
        if (have[0] && strtoul(have, NULL, 10) > SINK_SCHEMA_VERSION) {
                snprintf(err_msg, APP_ERR_MAX,
                         "schema simpul is version %s, newer than this "
                         "simpul's %u: upgrade simpul",
                         have, SINK_SCHEMA_VERSION);
                return ERR_SINK_PG;
        }
        if ((err = pg_value(p,
                            "SELECT value FROM simpul.sink_meta"
                            " WHERE key = 'instance'",
                            have, sizeof(have), err_msg)))
                return err;
        if (have[0] && strcmp(have, instance)) {
                snprintf(err_msg, APP_ERR_MAX,
                         "the database holds the stream of store %.32s, not "
                         "of this one (%.32s): give the sink a database of "
                         "its own, or DROP SCHEMA simpul CASCADE to start "
                         "over",
                         have, instance);
                return ERR_SINK_INSTANCE;
        }
        /* instance and key are hex: nothing to quote. */
        snprintf(sql, sizeof(sql),
                 "INSERT INTO simpul.sink_meta VALUES ('schema', '%u'),"
                 " ('instance', '%s'), ('node', '%s')"
                 " ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value;",
                 SINK_SCHEMA_VERSION, instance, node_key);
        if ((err = pg_exec(p, sql, err_msg, "schema")) ||
            (err = pg_exec(p, "COMMIT", err_msg, "commit")))
                return err;
        return pg_exec(p, temp_sql, err_msg, "staging tables");
}

static int
pos_cmp(const void *a, const void *b)
{
        return memcmp(a, b, ENTRY_HASH_BYTES);
}

/* The position as PostgreSQL holds it, sorted by feed. */
static int
pg_position(struct pg *p, struct app_stream_pos **pos, size_t *n_pos,
            char *err_msg)
{
        PGresult *r =
            PQexec(p->c, "SELECT feed, seq FROM simpul.sink_position");
        size_t n, k = 0;

        if (PQresultStatus(r) != PGRES_TUPLES_OK)
                return pg_fail(p, r, err_msg, "position");
        n = (size_t)PQntuples(r);
        *pos = xcalloc(n ? n : 1, sizeof(**pos));
        for (size_t i = 0; i < n; i++) {
                const char *feed = PQgetvalue(r, (int)i, 0);

                if (strlen(feed) != 2 * ENTRY_HASH_BYTES ||
                    hex_decode((*pos)[k].feed, ENTRY_HASH_BYTES, feed,
                               2 * ENTRY_HASH_BYTES))
                        continue; /* not ours: no feed of the store */
                (*pos)[k++].seq = strtoull(PQgetvalue(r, (int)i, 1), NULL, 10);
        }
        PQclear(r);
        qsort(*pos, k, sizeof(**pos), pos_cmp);
        *n_pos = k;
        return 0;
}

int
pg_open(struct pg **out, const char *dsn, const char *instance,
        const char *node_key, struct app_stream_pos **pos, size_t *n_pos,
        char *err_msg)
{
        /*
         * Ours first: the connection string may override them. A database
         * on another host that vanishes (no RST) is noticed in about a
         * minute by TCP keepalives and tcp_user_timeout, not the kernel's
         * quarter of an hour; a Unix socket ignores them.
         */
        const char *keys[] = {"connect_timeout",  "application_name",
                              "keepalives_idle",  "keepalives_interval",
                              "keepalives_count", "tcp_user_timeout",
                              "dbname",           NULL};
        const char *vals[] = {"10", "simpul-sink", "30", "10",
                              "3",  "60000",       dsn,  NULL};
        struct pg *p = xcalloc(1, sizeof(*p));
        char locked[8];
        int err;

        *out = NULL;
        *pos = NULL;
        p->c = PQconnectdbParams(keys, vals, 1);
        if (PQstatus(p->c) != CONNECTION_OK) {
                err = pg_fail(p, NULL, err_msg, "connect");
                goto out;
        }
        if (PQsetClientEncoding(p->c, "UTF8")) {
                err = pg_fail(p, NULL, err_msg, "client_encoding");
                goto out;
        }
        if ((err = pg_exec(p,
                           "SET statement_timeout = '120s';"
                           "SET client_min_messages = warning;"
                           "SET TIME ZONE 'UTC'",
                           err_msg, "session")) ||
            (err = pg_value(p, "SELECT pg_try_advisory_lock(" SINK_LOCK_KEY ")",
                            locked, sizeof(locked), err_msg)))
                goto out;
        if (strcmp(locked, "t")) {
                snprintf(err_msg, APP_ERR_MAX,
                         "another simpul sink streams into this database");
                err = ERR_SINK_PG;
                goto out;
        }
        if ((err = pg_schema(p, instance, node_key, err_msg)) ||
            (err = pg_position(p, pos, n_pos, err_msg)))
                goto out;
        *out = p;
        return 0;
out:
        free(*pos);
        *pos = NULL;
        pg_close(p);
        return err;
}

void
pg_close(struct pg *p)
{
        if (!p)
                return;
        PQfinish(p->c);
        free(p);
}

int
pg_wait(struct pg *p, uint64_t ms, char *err_msg)
{
        struct pollfd pf = {.fd = PQsocket(p->c), .events = POLLIN};
        int r = poll(&pf, 1, ms > 60000 ? 60000 : (int)ms);

        if (r < 0 && errno != EINTR)
                r = 1; /* let libpq find out what is wrong with it */
        if (r <= 0)
                return 0;
        /* Idle, the server speaks only to say it is going away. */
        if (!PQconsumeInput(p->c) || PQstatus(p->c) != CONNECTION_OK)
                return pg_fail(p, NULL, err_msg, "connection lost");
        return 0;
}

int
pg_write(struct pg *p, const struct app_stream *s, char *err_msg)
{
        struct rows rw;
        int err;

        rows_make(&rw, s);
        if (!(err = pg_exec(p, "BEGIN", err_msg, "begin")) &&
            !(err = pg_copy(p, "simpul.items (" ITEM_COLS ")", &rw.items,
                            err_msg)) &&
            !(err = pg_copy(p, "simpul.steps", &rw.steps, err_msg)) &&
            !(err = pg_copy(p, "simpul.responses", &rw.responses, err_msg)) &&
            !(err = pg_copy(p, "sink_reports (" REPORT_COLS ")", &rw.reports,
                            err_msg)) &&
            !(err = pg_copy(p, "sink_regions", &rw.regions, err_msg)) &&
            !(err = pg_copy(p, "sink_nodes", &rw.nodes, err_msg)) &&
            !(err = pg_copy(p, "sink_pos", &rw.pos, err_msg)) &&
            !(err = pg_exec(p, upsert_sql, err_msg, "upsert")))
                err = pg_exec(p, "COMMIT", err_msg, "commit");
        /* After an error: ROLLBACK (nothing to roll back when the
         * connection is gone; the caller reconnects either way). */
        if (err && PQstatus(p->c) == CONNECTION_OK)
                PQclear(PQexec(p->c, "ROLLBACK"));
        rows_release(&rw);
        return err;
}
