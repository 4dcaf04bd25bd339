/*
 * pipeline: the store work of every link, off the loop thread, one commit
 * at a time (LMDB has one writer): received batches are checked
 * (signatures) in parts on libuv's pool, one part per core at any time,
 * while the batch before them commits on another thread; a commit also
 * takes the sessions' peer records and the daemon's notes; a session's
 * fork proof or body, and a peer's certificate, take their turn between
 * batches. Completions come back on the loop thread.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon_int.h"

static void cert_done(struct job *j);

/* ---- in the thread pool: touching only the job and the store -------- */

static void
part_run(uv_work_t *w)
{
        struct check_part *p = container_of(w, struct check_part, work);
        struct sync_batch *b = p->j->b;

        replica_check_part(&p->d->n->replica, b->entries + p->from,
                           b->ids + p->from * ENTRY_HASH_BYTES, p->n,
                           b->es + p->from, b->results + p->from);
}

/* Runs in the committing thread, in its write transaction. */
static int
apply_writes(void *ctx, struct store_txn *t)
{
        struct job *j = ctx;
        int err;

        for (size_t i = 0; i < j->writes_n; i++)
                if ((err = sync_writes_apply(j->writes[i].w, t)))
                        return err;
        for (const struct note *nt = j->notes; nt; nt = nt->next)
                if ((err = note_apply(nt, t)))
                        return err;
        return 0;
}

/* The writes in a transaction of their own. */
static int
commit_writes(struct daemon *d, struct job *j)
{
        struct store_txn *t;
        int err;

        if (!j->writes_n && !j->notes)
                return 0;
        if ((err = store_begin(d->n->store, true, &t)))
                return err;
        if ((err = apply_writes(j, t))) {
                store_abort(t);
                return err;
        }
        return store_commit(t);
}

static void
commit_run(uv_work_t *w)
{
        struct daemon *d = container_of(w, struct daemon, commit_work);
        struct job *j = d->committing;
        struct replica_also also = {apply_writes, j};
        struct sync_batch *b = j->b;
        struct sync_op *op = j->op;
        struct ingest_stats st;

        if (j->kind == JOB_CERT) {
                j->cert_err =
                    member_accept(d->n, j->c->key, j->cert, j->issuer_cert,
                                  &j->clock, &j->peer);
                return;
        }
        if (j->kind == JOB_OP) {
                if (op->kind == SYNC_OP_PROOF)
                        op->err = replica_ingest(&d->n->replica, op->entries, 2,
                                                 op->source, op->results, &st);
                else if (op->kind == SYNC_OP_BLOB)
                        op->err = replica_blob_put(
                            &d->n->replica, op->root, op->blob_size, op->index,
                            op->count, op->body, &op->whole);
                else
                        op->err = replica_fill_body(&d->n->replica, op->feed,
                                                    op->seq, op->body,
                                                    op->source, &op->filled);
                return;
        }
        if (j->kind == JOB_WRITES || j->skip) {
                if (j->kind == JOB_BATCH)
                        b->err = ERR_STORE_FULL;
                j->writes_err = commit_writes(d, j);
                return;
        }
        b->err = replica_commit_from(
            &d->n->replica, j->c->key, b->entries, b->es, b->results, b->n,
            j->c->address, j->writes_n || j->notes ? &also : NULL, &b->stats);
        j->writes_err = b->err;
}

/* Did the batch hold a revocation (stored now, or held already)? */
static bool
batch_revokes(const struct sync_batch *b)
{
        for (size_t i = 0; i < b->n; i++)
                if (!b->results[i] && b->es[i].h.kind == KIND_PENCABUTAN)
                        return true;
        return false;
}

static void
batch_done(struct job *j)
{
        struct conn *c = j->c;
        const char *why = NULL;
        int err = sync_batch_done(c->s, j->b, &why);

        c->jobs--;
        if (!c->link) {
                /* The link is gone: the batch is durable, nobody to ACK. */
                if (!c->jobs)
                        conn_free(c);
                return;
        }
        conn_tx(c);
        if (err == ERR_STORE_FULL) /* the store logged it */
                conn_full(c);
        else if (err) /* a refused entry: the replica logged it */
                conn_close_logged(c, err, why ? why : err_id(err));
        else
                conn_read_resume(c);
        conn_caught_up(c);
        conn_flush(c);
}

/* The sessions hear how their writes went (a HELLO_OK may go out). */
static void
writes_done(struct daemon *d, struct job *j)
{
        bool up = false;     /* a parent's record: what it holds moved */
        bool opened = false; /* blobs a peer asked for: fetch them */

        notes_done(d, j->notes, j->writes_err);
        j->notes = NULL;
        for (size_t i = 0; i < j->writes_n; i++) {
                struct conn *c = j->writes[i].c;
                const char *why = NULL;
                int err;

                opened = opened || sync_writes_open(j->writes[i].w);
                err =
                    sync_writes_done(c->s, j->writes[i].w, j->writes_err, &why);

                up = up || sync_is_uplink(c->s);
                c->jobs--;
                if (!c->link) {
                        if (!c->jobs)
                                conn_free(c);
                        continue;
                }
                conn_after(c, err, why);
                conn_read_resume(c);
        }
        if (up && !j->writes_err)
                daemon_held_changed(d); /* pass it on (SYNC.md §5.4) */
        if (opened && !j->writes_err)
                daemon_changed(d); /* BLOBS.md §7: ask the peers for them */
}

static void
op_done(struct job *j)
{
        struct conn *c = j->c;
        const char *why = NULL;
        bool whole = j->op->kind == SYNC_OP_BLOB && j->op->whole;
        int err;

        sync_clock(c->s, uv_hrtime() / 1000U);
        err = sync_op_done(c->s, j->op, &why);

        c->jobs--;
        /* A blob made whole: links that were told it is missing hear
         * BLOB_HAVE (proto/BLOBS.md §4). */
        if (whole)
                daemon_changed(c->d);
        if (!c->link) {
                if (!c->jobs)
                        conn_free(c);
                return;
        }
        conn_after(c, err, why);
        conn_read_resume(c);
}

/* Writes that failed with a batch's transaction (STORE-FULL for the
 * batch, say) are tried again alone, before anything else. */
static void
writes_retry(struct daemon *d, struct job *j)
{
        struct job *r = xcalloc(1, sizeof(*r));

        r->kind = JOB_WRITES;
        r->writes = j->writes;
        r->writes_n = j->writes_n;
        r->notes = j->notes;
        j->writes = NULL;
        j->writes_n = 0;
        j->notes = NULL;
        r->next = d->ready;
        if (!d->ready)
                d->ready_tail = &r->next;
        d->ready = r;
}

static void
commit_done(uv_work_t *w, int status)
{
        struct daemon *d = container_of(w, struct daemon, commit_work);
        struct job *j = d->committing;
        bool batch = j->kind == JOB_BATCH;
        bool revokes = batch && !j->skip && !j->b->err && batch_revokes(j->b);

        (void)status;
        d->committing = NULL;
        d->commits++; /* memory to give back (trim_due) */
        if (j->kind == JOB_OP)
                op_done(j);
        if (batch)
                batch_done(j);
        if (j->kind == JOB_CERT)
                cert_done(j);
        if (batch && j->writes_err && (j->writes_n || j->notes))
                writes_retry(d, j);
        else
                writes_done(d, j);
        free(j->writes);
        free(j);
        if (revokes) /* before pushing the batch on: see revoked_close */
                daemon_revoked_close(d);
        if (batch)
                daemon_changed(d);
        pipeline_next(d);
}

/* Batches checked whole go to the commits in the order they were taken
 * (a session's batches come back to it in order). */
static void
checked_move(struct daemon *d)
{
        struct job *j;

        while ((j = d->checking) && j->check_next == j->b->n && !j->parts_out) {
                d->checking = j->next;
                if (!d->checking)
                        d->checking_tail = &d->checking;
                j->next = NULL;
                *d->ready_tail = j;
                d->ready_tail = &j->next;
        }
}

static void
part_done(uv_work_t *w, int status)
{
        struct check_part *p = container_of(w, struct check_part, work);
        struct daemon *d = p->d;

        (void)status;
        p->j->parts_out--;
        p->j = NULL;
        d->parts_out--;
        checked_move(d);
        pipeline_next(d);
}

static void
queue(struct daemon *d, uv_work_t *w, uv_work_cb run, uv_after_work_cb done)
{
        if (uv_queue_work(&d->loop, w, run, done)) {
                /* No thread pool: do it here rather than not at all. */
                run(w);
                done(w, 0);
        }
}

static void
job_write_add(struct job *j, struct conn *c, struct sync_writes *w)
{
        j->writes = xrealloc(j->writes, (j->writes_n + 1) * sizeof(*j->writes));
        j->writes[j->writes_n++] = (struct job_write){c, w};
}

/* What the sessions have to write goes with the commit starting now. */
static void
take_writes(struct daemon *d, struct job *j)
{
        struct sync_writes *w;

        for (size_t i = 0; i < d->orphans_n; i++)
                job_write_add(j, d->orphans[i].c, d->orphans[i].w);
        d->orphans_n = 0;
        j->notes = d->notes;
        d->notes = NULL;
        d->notes_tail = &d->notes;
        for (struct conn *c = d->conns; c; c = c->next)
                if ((w = sync_take_writes(c->s))) {
                        c->jobs++;
                        job_write_add(j, c, w);
                }
}

/* The next commit: a checked batch in the order checked, else writes. */
static struct job *
next_commit(struct daemon *d)
{
        struct job *j = d->ready;

        if (j) {
                d->ready = j->next;
                if (!d->ready)
                        d->ready_tail = &d->ready;
                j->next = NULL;
        } else {
                j = xcalloc(1, sizeof(*j));
                j->kind = JOB_WRITES;
        }
        if (j->kind == JOB_BATCH || j->kind == JOB_WRITES)
                take_writes(d, j);
        if (j->kind == JOB_WRITES && !j->writes_n && !j->notes) {
                free(j);
                return NULL;
        }
        j->skip = j->kind == JOB_BATCH && j->c->full;
        return j;
}

/* The session's store work goes to the commits, in order. */
void
pipeline_op(struct conn *c)
{
        struct daemon *d = c->d;
        struct sync_op *op = sync_take_op(c->s);
        struct job *j;

        if (!op)
                return;
        j = xcalloc(1, sizeof(*j));
        j->kind = JOB_OP;
        j->c = c;
        j->op = op;
        c->jobs++;
        *d->ready_tail = j;
        d->ready_tail = &j->next;
}

/* A received batch to check, round robin over the links, or NULL. */
static struct job *
take_batch(struct daemon *d)
{
        struct sync_batch *b = NULL;
        struct conn *c, **pp;
        struct job *j;

        for (c = d->conns; c; c = c->next)
                if (c->link && !c->full && (b = sync_take_batch(c->s, true)))
                        break;
        if (!b)
                return NULL;
        /* Round robin: the link just served goes to the back. */
        conn_unlink(c);
        c->next = NULL;
        for (pp = &d->conns; *pp; pp = &(*pp)->next)
                ;
        *pp = c;
        c->jobs++;
        j = xcalloc(1, sizeof(*j));
        j->kind = JOB_BATCH;
        j->c = c;
        j->b = b;
        *d->checking_tail = j;
        d->checking_tail = &j->next;
        return j;
}

/* The batch to check a part of: the oldest with entries not yet handed
 * out, else a new one. */
static struct job *
check_source(struct daemon *d)
{
        for (struct job *j = d->checking; j; j = j->next)
                if (j->check_next < j->b->n)
                        return j;
        return take_batch(d);
}

/*
 * Parts of up to PIPELINE_PART entries, so that every core has one while
 * any batch has entries left, and a small batch still spreads over the
 * cores.
 */
static void
check_more(struct daemon *d)
{
        struct check_part *p;
        struct job *j;
        size_t part;

        while (d->parts_out < d->parts_max && (j = check_source(d))) {
                part = (j->b->n + d->parts_max - 1) / d->parts_max;
                part = part > PIPELINE_PART       ? PIPELINE_PART
                       : part < PIPELINE_PART_MIN ? PIPELINE_PART_MIN
                                                  : part;
                for (p = d->parts; p->j; p++)
                        ;
                p->d = d;
                p->j = j;
                p->from = j->check_next;
                p->n = j->b->n - p->from < part ? j->b->n - p->from : part;
                j->check_next += p->n;
                d->busy_entries += p->n;
                j->parts_out++;
                d->parts_out++;
                queue(d, &p->work, part_run, part_done);
        }
}

/*
 * How well the checks kept the cores busy, logged when the pipeline runs
 * dry: the share of the time every part was out. Below 100 %, the cores
 * waited for entries (the window, the link, the commits), whatever the
 * load of the machine (tests/bench/bench_sync.sh reads it).
 */
static void
occupancy(struct daemon *d)
{
        uint64_t now = uv_hrtime();
        bool busy = d->checking || d->committing || d->ready;

        if (d->parts_full)
                d->full_ns += now - d->mark_ns;
        d->mark_ns = now;
        d->parts_full = d->parts_out == d->parts_max;
        if (busy && !d->busy) {
                d->busy_ns = now;
                d->full_ns = d->busy_entries = 0;
        } else if (!busy && d->busy && d->busy_entries) {
                log_debug(
                    "PIPELINE-DRAINED",
                    "%llu entries checked in %.1f ms, every one of %u "
                    "parts out %.1f%% of it",
                    (unsigned long long)d->busy_entries,
                    (double)(now - d->busy_ns) / 1e6, d->parts_max,
                    100.0 * (double)d->full_ns /
                        (double)(now - d->busy_ns ? now - d->busy_ns : 1));
        }
        d->busy = busy;
}

/* Starts what can start: the next commit (in the order checked) and
 * parts to check, one per core. */
void
pipeline_next(struct daemon *d)
{
        if (!d->committing && (d->committing = next_commit(d)))
                queue(d, &d->commit_work, commit_run, commit_done);
        check_more(d);
        occupancy(d);
}

/*
 * One part per core (or per `threads` of the replica), and one thread of
 * libuv's pool left for the commit: the pool (4 threads unless
 * UV_THREADPOOL_SIZE says otherwise, read when the pool first starts) is
 * made large enough here, before any work is queued.
 */
unsigned
pipeline_parts(struct node *n)
{
        unsigned want = replica_check_threads(&n->replica);
        const char *env = getenv("UV_THREADPOOL_SIZE");
        char v[16];
        long pool;

        if (want > PIPELINE_PARTS_MAX)
                want = PIPELINE_PARTS_MAX;
        if (!env && want + 1 > 4) {
                snprintf(v, sizeof(v), "%u", want + 1);
                setenv("UV_THREADPOOL_SIZE", v, 0);
                env = v;
        }
        pool = env ? strtol(env, NULL, 10) : 4;
        if (pool < 2)
                return 1;
        return (long)want + 1 > pool ? (unsigned)(pool - 1) : want;
}

/*
 * The certificate the peer sent when asked (SYNC.md §3) goes to the
 * commits: member_accept checks it and stores it (cert_done).
 */
void
pipeline_cert(struct conn *c)
{
        struct daemon *d = c->d;
        struct slice cert, issuer;
        struct job *j;

        if (!sync_take_cert(c->s, &cert, &issuer))
                return;
        j = xcalloc(1, sizeof(*j));
        j->cert = cert;
        j->issuer_cert = issuer;
        j->kind = JOB_CERT;
        j->c = c;
        member_clock(d->n, &j->clock); /* logs: on the loop thread */
        c->jobs++;
        *d->ready_tail = j;
        d->ready_tail = &j->next;
}

static void
cert_done(struct job *j)
{
        struct conn *c = j->c;
        const char *why = NULL;
        int err;

        c->jobs--;
        if (!c->link) {
                if (!c->jobs)
                        conn_free(c);
                return;
        }
        if (j->cert_err) { /* refused: NETWORK-MISMATCH, CERT-INVALID, ... */
                if (sync_cert_done(c->s, j->cert_err, NULL, &why))
                        conn_fail(c, j->cert_err, why);
                return;
        }
        c->peer = j->peer;
        conn_log_open(c);
        err = sync_cert_done(c->s, 0, c->peer.region, &why);
        conn_after(c, err, why);
        conn_read_resume(c);
}

/* A closed link's last writes (ACKs it took) go with the next commit. */
void
pipeline_orphan(struct conn *c)
{
        struct daemon *d = c->d;
        struct sync_writes *w = sync_take_writes(c->s);

        if (!w)
                return;
        c->jobs++;
        d->orphans =
            xrealloc(d->orphans, (d->orphans_n + 1) * sizeof(*d->orphans));
        d->orphans[d->orphans_n++] = (struct job_write){c, w};
}
