/* import: verify and store the entries of a bundle file. */
#include <errno.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define IMPORT_BATCH 1000U /* entries per commit (the help says 1000) */

struct import_opts {
        const char *data;
        uint64_t threads; /* 0: one per core */
        bool json;
};

#define O(field) offsetof(struct import_opts, field)
static const struct cli_opt import_opts[] = {
    CLI_OPT("data", CLI_STR, O(data), .arg = "DIR"),
    CLI_OPT("json", CLI_FLAG, O(json)),
    CLI_OPT("threads", CLI_U64, O(threads), .arg = "N", .min = 1, .max = 64),
};
#undef O

static const struct cli_spec import_spec = {
    .name = "import",
    .usage =
        "usage: simpul import FILE [--data DIR] [--json]\n\n"
        "Reads a bundle file (from 'simpul export'; - for standard input),\n"
        "verifies every entry (signature, chain, authoring rules, that this\n"
        "node is in its audience) and stores the valid ones, committing\n"
        "every 1000 entries. Importing the same file again stores nothing\n"
        "new. Refused entries are logged with their error id; exit status\n"
        "is 1 if any entry was refused or the file is damaged.\n",
    .opts = import_opts,
    .n_opts = ARRAY_LEN(import_opts),
    .max_args = -1,
};

/*
 * A batch of records and what checking them found. Two batches alternate:
 * while one commits on its own thread (mostly waiting on fsync), the next
 * is read and checked on the cores.
 */
struct import_batch {
        struct buf data;
        size_t offs[IMPORT_BATCH];
        size_t lens[IMPORT_BATCH];
        struct slice in[IMPORT_BATCH];
        struct entry es[IMPORT_BATCH];
        int res[IMPORT_BATCH];
        size_t n;
        /* the commit, run on a thread */
        struct node *node;
        const char *source;
        struct ingest_stats stats;
        int err;
        pthread_t thread;
        bool running;
};

struct import_totals {
        struct ingest_stats sum;
        uint64_t records;
};

/* Reads one record into the batch: 1 read, 0 end of file, <0 error. */
static int
import_read(FILE *f, struct import_batch *b)
{
        uint8_t prefix[BUNDLE_LEN_BYTES];
        uint32_t len;
        size_t got = fread(prefix, 1, sizeof(prefix), f);

        if (got == 0 && feof(f))
                return 0;
        if (got != sizeof(prefix) || wire_bundle_len(prefix, &len))
                return ERR_BUNDLE;
        buf_grow(&b->data, len);
        if (fread(b->data.data + b->data.len, 1, len, f) != len)
                return ERR_BUNDLE;
        b->offs[b->n] = b->data.len;
        b->lens[b->n++] = len;
        b->data.len += len;
        return 1;
}

static void *
import_commit_run(void *arg)
{
        struct import_batch *b = arg;

        b->err = replica_commit(&b->node->replica, b->in, b->es, b->res, b->n,
                                b->source, &b->stats);
        return NULL;
}

/* Waits for a batch's commit and adds up its figures. */
static int
import_wait(struct import_batch *b, struct import_totals *tot)
{
        if (!b->running)
                return 0;
        pthread_join(b->thread, NULL);
        b->running = false;
        b->n = 0;
        buf_reset(&b->data);
        if (b->err)
                return b->err;
        tot->sum.stored += b->stats.stored;
        tot->sum.had += b->stats.had;
        tot->sum.refused += b->stats.refused;
        if (!tot->sum.first_error)
                tot->sum.first_error = b->stats.first_error;
        return 0;
}

/* Checks a full batch here, on the cores (the store is not touched). */
static void
import_check(struct import_batch *b)
{
        /* Slices are made now: the buffer no longer moves. */
        for (size_t i = 0; i < b->n; i++)
                b->in[i] = slice_make(b->data.data + b->offs[i], b->lens[i]);
        replica_check(&b->node->replica, b->in, b->n, b->es, b->res);
}

/* Commits a checked batch on a thread (here if no thread can start). */
static int
import_start(struct import_batch *b)
{
        if (pthread_create(&b->thread, NULL, import_commit_run, b)) {
                import_commit_run(b);
                b->running = false;
                return b->err;
        }
        b->running = true;
        return 0;
}

static int
import_file(struct node *nd, FILE *f, const char *name,
            struct import_totals *tot)
{
        struct import_batch *bs = xcalloc(2, sizeof(*bs));
        struct import_batch *cur = &bs[0], *prev = &bs[1];
        char magic[BUNDLE_MAGIC_BYTES];
        int rc = 0, err = 0;

        if (fread(magic, 1, sizeof(magic), f) != sizeof(magic) ||
            memcmp(magic, BUNDLE_MAGIC, sizeof(magic))) {
                free(bs);
                return cli_error("import: '%s' is not a simpul bundle", name);
        }
        for (int i = 0; i < 2; i++) {
                bs[i].node = nd;
                bs[i].source = name;
        }
        for (;;) {
                rc = import_read(f, cur);
                if (rc > 0)
                        tot->records++;
                /* What was read before a damaged record is still stored. */
                if (cur->n == IMPORT_BATCH || (rc <= 0 && cur->n)) {
                        /* Check this batch while the previous commits. */
                        import_check(cur);
                        if ((err = import_wait(prev, tot)) ||
                            (err = import_start(cur)))
                                break;
                        if (!cur->running && (err = import_wait(cur, tot)))
                                break;
                        prev = cur;
                        cur = cur == &bs[0] ? &bs[1] : &bs[0];
                }
                if (rc <= 0)
                        break;
        }
        if (!err)
                err = import_wait(prev, tot);
        else
                import_wait(prev, tot);
        for (int i = 0; i < 2; i++)
                buf_release(&bs[i].data);
        free(bs);
        if (err)
                return cli_error("import: %s", err_str(err));
        if (rc < 0)
                return cli_error("import: '%s': %s after %llu records", name,
                                 ferror(f) ? strerror(errno)
                                           : "damaged or truncated record",
                                 (unsigned long long)tot->records);
        return EXIT_OK;
}

static int
import_report(const struct import_totals *t, bool json, int rc)
{
        const struct ingest_stats *s = &t->sum;

        if (json)
                cli_print_json(json_pack(
                    "{s:b, s:I, s:I, s:I, s:I, s:s?}", "ok",
                    rc == EXIT_OK && !s->refused, "records",
                    (json_int_t)t->records, "stored", (json_int_t)s->stored,
                    "already_held", (json_int_t)s->had, "refused",
                    (json_int_t)s->refused, "first_error",
                    s->first_error ? err_id(s->first_error) : NULL));
        else
                printf("imported %llu new entries, %llu already held, "
                       "%llu refused\n",
                       (unsigned long long)s->stored,
                       (unsigned long long)s->had,
                       (unsigned long long)s->refused);
        if (rc == EXIT_OK && s->refused)
                rc = cli_error("import: %llu entries refused (first: %s); "
                               "see the log lines above",
                               (unsigned long long)s->refused,
                               err_id(s->first_error));
        return rc;
}

int
cmd_import(int argc, char **argv)
{
        struct import_opts o = {NULL, 0, false};
        struct import_totals tot;
        struct cli_parsed p;
        const char *name;
        struct node n;
        FILE *f;
        int rc;

        if (!cli_parse(&import_spec, argc, argv, &o, &p))
                return p.status;
        if (p.n_args != 1)
                return cli_usage_error("import", "expected one FILE");
        name = p.args[0];
        f = strcmp(name, "-") ? fopen(name, "rb") : stdin;
        if (!f)
                return cli_error("import: cannot open '%s': %s", name,
                                 strerror(errno));
        if (cli_open(&n, o.data, 0)) {
                if (f != stdin)
                        fclose(f);
                return EXIT_ERROR;
        }
        n.replica.threads = (unsigned)o.threads;
        memset(&tot, 0, sizeof(tot));
        rc = import_file(&n, f, name, &tot);
        if (f != stdin)
                fclose(f);
        node_close(&n);
        return import_report(&tot, o.json, rc);
}
