/* sink: stream this node's entries and reports into PostgreSQL
 * (docs/SINK.md), as a process of its own beside `simpul run`. */
#include <signal.h>
#include <stddef.h>
#include <string.h>

#include "cli.h"

#ifndef SIMPUL_SINK
/* A build without libpq (a Raspberry Pi's): no sink. */
int
cmd_sink(int argc, char **argv)
{
        (void)argc;
        (void)argv;
        return cli_error("sink: this simpul was built without libpq; the "
                         "sink runs on a kabupaten server (amd64 package)");
}
#else
#include "../sink/sink.h"

struct sink_opts {
        const char *data, *postgres;
        uint64_t batch, poll_ms;
        bool once;
};

#define O(field) offsetof(struct sink_opts, field)
static const struct cli_opt sink_opts[] = {
    CLI_OPT("postgres", CLI_STR, O(postgres), .arg = "DSN",
            .help = "the libpq connection string, e.g.\n"
                    "\"host=/run/postgresql dbname=simpul\" (default: [sink]\n"
                    "postgres in simpul.conf, where a password is not shown\n"
                    "to ps)"),
    CLI_OPT("once", CLI_FLAG, O(once),
            .help = "stop once everything held is in PostgreSQL (a\n"
                    "backfill, a cron job); else follow the store"),
    CLI_OPT("batch", CLI_U64, O(batch), .arg = "N",
            .help = "entries per PostgreSQL transaction (default 2000)",
            .min = 1, .max = SINK_BATCH_MAX),
    CLI_OPT("poll-ms", CLI_U64, O(poll_ms), .arg = "MS",
            .help = "how often to look for new entries once caught up\n"
                    "(default 100)",
            .min = 1, .max = 60000),
    CLI_OPT("data", CLI_STR, O(data), .arg = "DIR"),
};
#undef O

static const struct cli_spec sink_spec = {
    .name = "sink",
    .usage =
        "usage: simpul sink [--postgres DSN] [--once] [--batch N]\n"
        "                   [--poll-ms MS] [--data DIR]\n\n"
        "Streams every entry this node holds, and the current state of its\n"
        "reports, into PostgreSQL (schema \"simpul\", docs/SINK.md) for\n"
        "Metabase or Grafana: a backfill first, then each new entry within\n"
        "a second. Run it beside `simpul run` (it only reads the store):\n"
        "PostgreSQL being down never slows sync; the sink retries with\n"
        "backoff and resumes where the database says it stopped, exactly\n"
        "once. Sealed values (rahasia content, reporters) stay sealed\n"
        "unless [sink] unseal = true and this node is their recipient; the\n"
        "reporter of an anonim report never goes out.\n\n",
    .opts = sink_opts,
    .n_opts = ARRAY_LEN(sink_opts),
    .width = 16,
    .tail = "\nLog ids: SINK-PG-UP, SINK-PG-DOWN, SINK-CATCHING-UP, "
            "SINK-LIVE,\nSINK-INSTANCE (another store's database: exit 1), "
            "SINK-STORE.\n",
};

int
cmd_sink(int argc, char **argv)
{
        struct sink_opts o;
        struct sink_options so;
        struct sink_stats st;
        struct cli_parsed p;
        struct node n;
        int err;

        memset(&o, 0, sizeof(o));
        if (!cli_parse(&sink_spec, argc, argv, &o, &p))
                return p.status;
        /* Peek at the config for [sink] unseal: the key is loaded only
         * when sealed values may go out. */
        if (cli_open(&n, o.data, NODE_OPEN_READ_ONLY))
                return EXIT_ERROR;
        so.unseal = n.config.sink_unseal;
        app_close(&n);
        if (cli_open(&n, o.data, so.unseal ? NODE_OPEN_KEY : 0))
                return EXIT_ERROR;
        log_set_level(n.config.log_level);
        so.dsn = o.postgres ? o.postgres : n.config.sink_postgres;
        if (!so.dsn[0]) {
                app_close(&n);
                return cli_usage_error("sink", "no database: give --postgres "
                                               "DSN or set [sink] postgres");
        }
        so.batch = (size_t)o.batch;
        so.poll_ms = o.poll_ms;
        so.once = o.once;
        err = sink_run(&n, &so, cli_stop_on_signals(), &st);
        app_close(&n);
        fprintf(stderr,
                "simpul sink: %llu entries and %llu report updates in %llu "
                "transactions\n",
                (unsigned long long)st.entries, (unsigned long long)st.reports,
                (unsigned long long)st.batches);
        if (err)
                return cli_error("sink: %s", err_str(err));
        return EXIT_OK;
}
#endif
