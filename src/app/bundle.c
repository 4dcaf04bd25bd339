/*
 * bundle: entries to and from bundle files (proto/SPEC.md §7), for simpul
 * export and simpul import. Import checks one batch on every core while
 * the previous one commits on its own thread.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app_int.h"

#define IMPORT_BATCH 1000U /* entries per commit (simpul import --help) */

/* ---- export ----------------------------------------------------------------
 */

struct export_ctx {
        struct store_txn *t;
        FILE *out;
        uint8_t feed[ENTRY_HASH_BYTES];
        size_t feed_len;
        uint64_t feeds, entries;
        int err;
};

static int
export_entry(void *ctx, uint64_t seq, struct slice bytes)
{
        struct export_ctx *ec = ctx;
        uint8_t len[BUNDLE_LEN_BYTES];

        (void)seq;
        be32_put(len, (uint32_t)bytes.len);
        if (fwrite(len, 1, sizeof(len), ec->out) != sizeof(len) ||
            fwrite(bytes.ptr, 1, bytes.len, ec->out) != bytes.len)
                return ec->err = errno ? -errno : -EIO;
        ec->entries++;
        return 0;
}

static int
export_feed(void *ctx, const struct feed_info *f)
{
        struct export_ctx *ec = ctx;

        if (ec->feed_len && memcmp(f->id, ec->feed, ec->feed_len))
                return 0;
        ec->feeds++;
        return store_feed_scan(ec->t, f->id, 1, export_entry, ec);
}

static int
export_run(struct node *n, struct export_ctx *ec)
{
        int err;

        if (fwrite(BUNDLE_MAGIC, 1, BUNDLE_MAGIC_BYTES, ec->out) !=
            BUNDLE_MAGIC_BYTES)
                return -EIO;
        if ((err = store_begin(n->store, false, &ec->t)))
                return err;
        err = store_feeds(ec->t, export_feed, ec);
        store_abort(ec->t);
        if (!err && fflush(ec->out))
                err = -errno;
        return err;
}

int
app_export(struct node *n, const uint8_t *feed, size_t feed_len,
           const char *file, struct app_export *out, char *err_msg)
{
        struct export_ctx ec;
        struct buf tmpname = BUF_INIT;
        char *tmp = NULL;
        int err;

        memset(&ec, 0, sizeof(ec));
        memset(out, 0, sizeof(*out));
        memcpy(ec.feed, feed, feed_len);
        ec.feed_len = feed_len;
        ec.out = stdout;
        if (file) {
                buf_addf(&tmpname, "%s.tmp", file);
                tmp = (char *)tmpname.data;
                if (!(ec.out = fopen(tmp, "wb"))) {
                        err =
                            app__fail(err_msg, -errno, "cannot create '%s': %s",
                                      tmp, strerror(errno));
                        free(tmp);
                        return err;
                }
        }
        err = export_run(n, &ec);
        if (file) {
                if (!err && fsync(fileno(ec.out)))
                        err = -errno;
                if (fclose(ec.out) && !err)
                        err = -errno;
                if (!err && rename(tmp, file))
                        err = -errno;
                if (err)
                        unlink(tmp);
        }
        free(tmp);
        out->feeds = ec.feeds;
        out->entries = ec.entries;
        return err ? app__fail(err_msg, err, "%s", err_str(err)) : 0;
}

/* ---- import ----------------------------------------------------------------
 */

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
        if (!b->err && b->stats.stored) /* the daemon pushes them now */
                node_changed(b->node);
        return NULL;
}

/* Waits for a batch's commit and adds up its figures. */
static int
import_wait(struct import_batch *b, struct app_import *tot)
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

int
app_import(struct node *nd, FILE *f, const char *name, unsigned threads,
           struct app_import *tot, char *err_msg)
{
        struct import_batch *bs = xcalloc(2, sizeof(*bs));
        struct import_batch *cur = &bs[0], *prev = &bs[1];
        char magic[BUNDLE_MAGIC_BYTES];
        int rc = 0, err = 0;

        memset(tot, 0, sizeof(*tot));
        nd->replica.threads = threads;
        if (fread(magic, 1, sizeof(magic), f) != sizeof(magic) ||
            memcmp(magic, BUNDLE_MAGIC, sizeof(magic))) {
                free(bs);
                return app__fail(err_msg, ERR_BUNDLE,
                                 "'%s' is not a simpul bundle", name);
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
                return app__fail(err_msg, err, "%s", err_str(err));
        if (rc < 0)
                return app__fail(err_msg, ferror(f) ? -errno : ERR_BUNDLE,
                                 "'%s': %s after %llu records", name,
                                 ferror(f) ? strerror(errno)
                                           : "damaged or truncated record",
                                 (unsigned long long)tot->records);
        return 0;
}
