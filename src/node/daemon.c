/* daemon: `simpul run`, the node's loop (see daemon.h). */
#include <signal.h>
#include <stdlib.h>
#ifdef __GLIBC__
#include <malloc.h> /* malloc_trim */
#endif
#include <string.h>
#include <unistd.h>

#include "../secure/secure.h"
#include "daemon.h"

#define PROLOGUE "simpul/1"
#define STATUS_EVERY_MS 2000U
#define HEARTBEAT_EVERY_MS 5000U
#define TRIM_EVERY_MS 250U /* store_trim at most this often */

struct dialer;

struct conn {
        struct daemon *d;
        struct link *link; /* NULL once closed */
        struct dialer *dialer;
        struct sync_session *s; /* from conn_new to conn_free */
        uint8_t key[ENTRY_KEY_BYTES];
        bool has_key, opened, replaced, caught_up;
        bool failed;         /* the refusal was logged by conn_fail */
        uint64_t forks_seen; /* the session's forks_in when last looked */
        int parent; /* index in [net] parent of a dialled link, else -1 */
        /* A commit of this session hit STORE-FULL: see conn_full. */
        bool full;
        uint64_t full_retry_ms;
        struct member_peer peer;
        bool fallback_check; /* closed once synced (SYNC.md §8) */
        int jobs; /* batches of this conn in the pipeline; freed at 0 */
        uint64_t opened_ms, last_rx_ms, last_tx_ms, status_ms;
        uint64_t rx_bytes_seen; /* link_bytes_in at the last tick */
        uint64_t rep_bytes_in, rep_bytes_out, rep_in, rep_out; /* recorded */
        char address[NET_ADDR_MAX];
        struct conn *next;
};

struct dialer {
        struct daemon *d;
        size_t index;
        struct backoff bo;
        uv_timer_t timer;
        struct conn *fallback; /* a fallback check (SYNC.md §8) */
        uint64_t fallback_at_ms;
        size_t fallback_index; /* the fallback checked last */
        struct conn *conn, *probe;
        uint64_t probe_at_ms;
        /* While the store is marked restored: a link to a parent not yet
         * heard from, beside the one in use (restored_check). */
        struct conn *check;
        uint64_t check_at_ms;
};

struct daemon {
        uv_loop_t loop;
        struct node *n;
        struct buf prologue, cert, issuer_cert;
        struct sync_config scfg; /* for every session */
        uv_tcp_t server;
        bool listening, dialing, stopping;
        struct dialer dialer;
        uv_timer_t tick;
        uv_signal_t sigterm, sigint;
        struct conn *conns;
        /* The commit pipeline: one batch checked (signatures, on all cores)
         * while the batch before it commits (LMDB has one writer). */
        uv_work_t check_work, commit_work;
        struct job *checking, *committing;
        struct job *ready, **ready_tail; /* checked, waiting to commit */
        uint64_t version, heartbeat_ms;
        uint64_t trimmed_version, trim_ms; /* store_trim: last version, time */
        uint64_t full_holdoff_ms; /* the next conn_full hold-off; 0: none yet */
        uint64_t busy_logged_ms, busy_refused; /* LINK-BUSY, see refuse_busy */
        /* While the store is marked restored: the parents caught up with
         * since this daemon started (bit i: [net] parent i). */
        uint32_t parents_heard; /* Writes of links closed since the last commit
                                 * started, and the daemon's notes, for the next
                                 * commit. */
        struct job_write *orphans;
        size_t orphans_n;
        struct note *notes, **notes_tail;
        bool restored_writing; /* the restored flag is being written */
        struct link_cbs cbs;
        struct link_config lcfg;
        struct daemon_stats *stats; /* http: figures published (or NULL) */
};

static void conn_fail(struct conn *c, int err, const char *why);
static void pump(struct conn *c);
static void pipeline_next(struct daemon *d);
static void conn_unlink(struct conn *c);

/*
 * What the daemon itself writes, as data for the next commit: a peer's
 * status for `simpul peers` (the session writes the rest of the record),
 * or a meta value (the heartbeat, the last fallback check, the restored
 * flag).
 */
struct note {
        enum { NOTE_PEER, NOTE_META } kind;
        /* NOTE_PEER */
        uint8_t key[ENTRY_KEY_BYTES];
        bool counters_only; /* a replaced link: the record is the new one's */
        char region[REGION_BUF];
        char address[NET_ADDR_MAX];
        bool connected, synced;
        uint64_t backlog, at_ms;
        char error[PEER_ERROR_ID_MAX];                         /* "" if none */
        uint64_t bytes_in, bytes_out, entries_in, entries_out; /* to add */
        /* NOTE_META */
        const char *name; /* static */
        uint8_t value[12];
        size_t len;
        struct note *next;
};

/* A session's writes of its peer's record, in a commit. */
struct job_write {
        struct conn *c;
        struct sync_writes *w;
};

/*
 * Work for the commit pipeline, one commit at a time: a received batch
 * (checked first), writes alone, a session's store work (a fork proof, a
 * body), or a peer's certificate to check and store. A batch, or writes
 * alone, commits the writes taken when its commit starts: the sessions'
 * peer records and the daemon's notes.
 */
struct job {
        enum { JOB_BATCH, JOB_WRITES, JOB_OP, JOB_CERT } kind;
        struct conn *c;       /* JOB_BATCH, JOB_OP, JOB_CERT: whose */
        struct sync_batch *b; /* JOB_BATCH */
        struct sync_op *op;   /* JOB_OP */
        bool skip; /* its conn is full: finish as STORE-FULL, store nothing */
        struct job_write *writes;
        size_t writes_n;
        struct note *notes;
        int writes_err; /* the commit's result for the writes and notes */
        /* JOB_CERT: a peer's certificate to check and store */
        struct slice cert, issuer_cert;
        struct cert_clock clock;
        struct member_peer peer;
        int cert_err;
        struct job *next;
};
static void dialer_dial(struct dialer *dl);

static char *
key_short(char out[17], const uint8_t *key)
{
        hex_encode(out, key, 8);
        return out;
}

/* ---- sending --------------------------------------------------------------
 */

/* Sends the frames the session ended (it decides their bounds). */
static void
tx(struct conn *c)
{
        struct slice f;
        int err;

        while (c->link && sync_next_frame(c->s, &f)) {
                err = link_send(c->link, f);
                c->last_tx_ms = uv_now(&c->d->loop);
                if (err) {
                        conn_fail(c, err, NULL);
                        return;
                }
        }
}

/* The messages of one event go out together, in one frame. */
static void
flush(struct conn *c)
{
        if (!c->link)
                return;
        sync_flush(c->s);
        tx(c);
}

/* Closes after a refusal already logged elsewhere (the replica logs each
 * refused entry; the session logs a peer's ERROR): one line per refusal. */
static void
conn_close_logged(struct conn *c, int err, const char *why)
{
        char k[17] = "?";

        if (!c->link || c->failed)
                return;
        if (c->has_key)
                key_short(k, c->key);
        c->failed = true;
        if (why && err != ERR_PEER_ERROR) {
                sync_send_error(c->s, why);
                tx(c);
                log_info("LINK-CLOSED", "link %s peer %s: closing after %s",
                         c->address, k, why);
        }
        if (c->link)
                link_close(c->link, err);
}

static void
conn_fail(struct conn *c, int err, const char *why)
{
        char k[17] = "?";

        if (!c->link || c->failed) /* closing: its one line is out */
                return;
        if (c->has_key)
                key_short(k, c->key);
        c->failed = true; /* this is the refusal's one line */
        log_warn(why ? why : err_id(err), "link %s peer %s: %s", c->address, k,
                 err_str(err));
        if (c->link && why)
                sync_send_error(c->s, why);
        flush(c);
        if (c->link)
                link_close(c->link, err);
}

/*
 * The store is full (it logged STORE-FULL with the remedy): nothing more
 * of this session is stored or acknowledged, and the link stops reading,
 * so the peer's window fills and it stops sending; the link stays up for
 * what this node pushes. After a hold-off that doubles with each full
 * session, from backoff_min_ms up to backoff_max_ms, the tick closes it
 * with ERROR STORE-FULL and a new session retries (proto/SYNC.md §5).
 */
static void
conn_full(struct conn *c)
{
        struct daemon *d = c->d;
        const struct config *cfg = &d->n->config;
        char k[17];

        if (c->full || !c->link)
                return;
        c->full = true;
        link_read_pause(c->link, true);
        d->full_holdoff_ms =
            d->full_holdoff_ms ? 2 * d->full_holdoff_ms : cfg->backoff_min_ms;
        if (d->full_holdoff_ms > cfg->backoff_max_ms)
                d->full_holdoff_ms = cfg->backoff_max_ms;
        c->full_retry_ms = uv_now(&d->loop) + d->full_holdoff_ms;
        log_info("SYNC-PAUSED",
                 "link %s peer %s: store full, storing nothing more from "
                 "this peer; retrying in %llu ms",
                 c->address, key_short(k, c->key),
                 (unsigned long long)d->full_holdoff_ms);
}

/* ---- peer records (read-modify-write: the session writes others) ------- */

static void
peer_counters(struct conn *c, struct note *p)
{
        const struct sync_stats *st = sync_stats(c->s);

        if (c->link) {
                uint64_t in = link_bytes_in(c->link);
                uint64_t out = link_bytes_out(c->link);
                p->bytes_in += in - c->rep_bytes_in;
                p->bytes_out += out - c->rep_bytes_out;
                c->rep_bytes_in = in;
                c->rep_bytes_out = out;
        }
        p->entries_in += st->entries_in - c->rep_in;
        p->entries_out += st->entries_out - c->rep_out;
        c->rep_in = st->entries_in;
        c->rep_out = st->entries_out;
}

/* Another open link of the same peer (one replacing this one)? */
static bool
key_open_elsewhere(const struct conn *c)
{
        for (const struct conn *o = c->d->conns; o; o = o->next)
                if (o != c && o->link && o->opened && o->has_key &&
                    !memcmp(o->key, c->key, ENTRY_KEY_BYTES))
                        return true;
        return false;
}

static struct note *
note_add(struct daemon *d, int kind)
{
        struct note *nt = xcalloc(1, sizeof(*nt));

        nt->kind = kind;
        *d->notes_tail = nt;
        d->notes_tail = &nt->next;
        return nt;
}

static void
note_meta(struct daemon *d, const char *name, const uint8_t *v, size_t len)
{
        struct note *nt = note_add(d, NOTE_META);

        nt->name = name;
        memcpy(nt->value, v, len);
        nt->len = len;
}

/* The link's state in its peer's record, with the next commit. */
static void
peer_status(struct conn *c, bool connected, int err)
{
        struct note *nt;

        if (!c->has_key)
                return;
        nt = note_add(c->d, NOTE_PEER);
        memcpy(nt->key, c->key, ENTRY_KEY_BYTES);
        nt->at_ms = time_now_ms();
        peer_counters(c, nt);
        /* A replaced link: the record belongs to the new one. */
        nt->counters_only = !connected && key_open_elsewhere(c);
        memcpy(nt->region, c->peer.region, REGION_BUF);
        snprintf(nt->address, sizeof(nt->address), "%s", c->address);
        nt->connected = connected;
        nt->backlog = sync_backlog(c->s);
        nt->synced = c->caught_up;
        if (err) {
                /* The peer's own reason, when it gave one. */
                const char *id =
                    err == ERR_PEER_ERROR && sync_stats(c->s)->peer_error[0]
                        ? sync_stats(c->s)->peer_error
                        : err_id(err);
                snprintf(nt->error, sizeof(nt->error), "%.31s", id);
        }
}

/* In the committing thread: read-modify-write of the record. */
static int
peer_note_apply(const struct note *nt, struct store_txn *t)
{
        struct peer_info p;

        if (store_peer_get(t, nt->key, &p)) {
                memset(&p, 0, sizeof(p));
                memcpy(p.key, nt->key, ENTRY_KEY_BYTES);
        }
        if (!nt->counters_only) {
                memcpy(p.region, nt->region, REGION_BUF);
                snprintf(p.address, sizeof(p.address), "%s", nt->address);
                if (nt->connected && !p.connected)
                        p.last_seen_ms = nt->at_ms;
                p.connected = nt->connected;
                p.backlog = nt->backlog;
                if (nt->synced)
                        p.last_sync_ms = nt->at_ms;
                if (nt->error[0]) {
                        p.last_error_ms = nt->at_ms;
                        memcpy(p.last_error, nt->error, sizeof(p.last_error));
                }
        }
        p.bytes_in += nt->bytes_in;
        p.bytes_out += nt->bytes_out;
        p.entries_in += nt->entries_in;
        p.entries_out += nt->entries_out;
        return store_peer_put(t, &p);
}

static int
note_apply(const struct note *nt, struct store_txn *t)
{
        if (nt->kind == NOTE_PEER)
                return peer_note_apply(nt, t);
        return store_meta_put(t, nt->name, slice_make(nt->value, nt->len));
}

/* "daemon" in meta: pid and wall-clock heartbeat, for simpul status. */
static void
heartbeat(struct daemon *d)
{
        uint8_t v[12];

        be32_put(v, (uint32_t)getpid());
        be64_put(v + 4, time_now_ms());
        note_meta(d, "daemon", v, sizeof(v));
}

#define RESTORED_META "restored" /* 1: posting waits (node_restored_set) */

/* The notes committed (result 0) or not: one line for a failure (the
 * store logs STORE-FULL itself). */
static void
notes_done(struct daemon *d, struct note *nt, int result)
{
        struct note *next;

        for (; nt; nt = next) {
                bool restored = nt->name && !strcmp(nt->name, RESTORED_META);
                next = nt->next;
                if (restored)
                        d->restored_writing = false;
                if (restored && !result && !nt->value[0])
                        d->n->restored = false; /* durable: tell the tick */
                if (result && result != ERR_STORE_FULL)
                        log_warn("STORE-IO", "cannot record %s",
                                 nt->kind == NOTE_PEER ? "the state of a peer"
                                 : restored            ? "the restored flag"
                                 : nt->name[0] == 'd'  ? "the daemon heartbeat"
                                                       : "the fallback check");
                free(nt);
        }
}

/* ---- sessions ----------------------------------------------------------- */

static void changed_all(struct daemon *d);
static void restored_found(struct conn *c);
static void caught_up_check(struct conn *c);

static void cert_check(struct conn *c);
static void cert_done(struct job *j);
static void take_op(struct conn *c);
static void read_pause(struct conn *c);

/*
 * After the session handled an event: its frames out, its refusal, the
 * work it has for the pipeline, then pushes. Messages produced while
 * handling one event go out together in one frame.
 */
static void
session_after(struct conn *c, int err, const char *why)
{
        struct daemon *d = c->d;

        tx(c);
        restored_found(c);
        if (sync_stats(c->s)->forks_in != c->forks_seen) {
                c->forks_seen = sync_stats(c->s)->forks_in;
                changed_all(d); /* spread the proof on every link */
        }
        if (err == ERR_PEER_ERROR) {
                conn_close_logged(c, err, NULL);
                return;
        }
        if (err == ERR_STORE_FULL) { /* a peer record did not fit */
                conn_full(c);
                return;
        }
        if (err) {
                conn_fail(c, err, why);
                return;
        }
        cert_check(c);
        take_op(c);
        pipeline_next(d);
        read_pause(c);
        caught_up_check(c); /* a SYNCED with nothing to commit */
        pump(c);
        flush(c);
}

static void
deliver(struct conn *c, struct slice frame)
{
        const char *why = NULL;
        int err = sync_receive(c->s, frame, &why);

        session_after(c, err, why);
}

/* The peer is validated and the link open: the session starts. */
static void
log_open(struct conn *c)
{
        char k[17];

        log_info("LINK-OPEN", "link %s peer %s (%s %s) %s", c->address,
                 key_short(k, c->key), c->peer.region, c->peer.name,
                 c->fallback_check ? "to a fallback, to check"
                 : c->dialer       ? "to parent"
                                   : "from child");
        peer_status(c, true, 0);
}

static void
pump(struct conn *c)
{
        bool more;
        int err;

        /* A failed link is closing: nothing more goes out on it. */
        if (!sync_started(c->s) || !c->link || !c->opened || c->failed)
                return;
        while (c->link && link_queued(c->link) < DAEMON_QUEUE_HIGH) {
                if ((err = sync_pump(c->s, &more))) {
                        conn_fail(c, err, NULL);
                        return;
                }
                tx(c);
                if (!more)
                        break;
        }
        flush(c);
}

/* ---- commits, one at a time, off the loop -----------------------------------
 */

static void
check_run(uv_work_t *w)
{
        struct daemon *d = container_of(w, struct daemon, check_work);
        struct sync_batch *b = d->checking->b;

        replica_check(&d->n->replica, b->entries, b->n, b->es, b->results);
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

static void conn_free(struct conn *c);

/* Received entries wait for commits: read no more of the link. */
static void
read_pause(struct conn *c)
{
        if (c->link && !sync_wants_input(c->s))
                link_read_pause(c->link, true);
}

static void
changed_all(struct daemon *d)
{
        for (struct conn *c = d->conns; c; c = c->next) {
                sync_changed(c->s);
                pump(c);
        }
}

/* The store's restored flag (node_restored_set), with the next commit;
 * clearing it takes effect once durable (notes_done). */
static void
restored_note(struct daemon *d, bool restored)
{
        uint8_t v = restored ? 1 : 0;

        note_meta(d, RESTORED_META, &v, 1);
        d->restored_writing = true;
}

/*
 * A store marked restored (recreated empty, or found behind its own feeds
 * at a peer) allows posting again once it caught up with every configured
 * parent, each of which may hold entries of its own feeds that the others
 * lack (SYNC.md §5.3); a node without parents, with any peer. `simpul
 * restored --clear` lets the operator decide sooner.
 */
static void
restored_heard(struct conn *c)
{
        struct daemon *d = c->d;
        size_t n = d->n->config.parents_n;
        uint32_t all = n ? (uint32_t)((1ULL << n) - 1U) : 0;

        if (c->parent >= 0)
                d->parents_heard |= 1U << c->parent;
        /* A link made only to hear this parent has done its work. */
        if (c->dialer && c == c->dialer->check && c->link)
                link_close(c->link, 0);
        if (!d->n->restored || (d->parents_heard & all) != all ||
            d->restored_writing)
                return;
        restored_note(d, false);
        log_info("STORE-RESTORED",
                 "caught up with %s%s: posting is allowed again",
                 n > 1 ? "every parent, last " : "", c->address);
}

/* The peer holds entries of this node's own feeds that its store lacks:
 * the store went back in time (restored from an older copy). */
static void
restored_found(struct conn *c)
{
        struct daemon *d = c->d;
        char k[17];
        if (d->n->restored || !sync_stats(c->s)->own_behind)
                return;
        d->n->restored = true; /* at once here; other processes read it */
        restored_note(d, true);
        d->parents_heard = 0;
        log_warn("STORE-RESTORED",
                 "peer %s holds entries of this node's own feeds that the "
                 "store lacks: it was restored from an older copy; posting "
                 "is off until every parent has been heard from (simpul "
                 "restored --clear to allow it now)",
                 key_short(k, c->key));
}

static void
caught_up_check(struct conn *c)
{
        char k[17];

        if (c->caught_up || c->full || !sync_stats(c->s)->caught_up)
                return;
        c->caught_up = true;
        restored_heard(c);
        log_info("SYNC-CAUGHT-UP",
                 "link %s peer %s: caught up (%llu entries in, %llu out)",
                 c->address, key_short(k, c->key),
                 (unsigned long long)sync_stats(c->s)->entries_in,
                 (unsigned long long)sync_stats(c->s)->entries_out);
        peer_status(c, true, 0);
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

static void revoked_close(struct daemon *d);

/* Reads the link again once its session wants more. */
static void
read_resume(struct conn *c)
{
        if (c->link && !c->full && sync_wants_input(c->s))
                link_read_pause(c->link, false);
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
        tx(c);
        if (err == ERR_STORE_FULL) /* the store logged it */
                conn_full(c);
        else if (err) /* a refused entry: the replica logged it */
                conn_close_logged(c, err, why ? why : err_id(err));
        else
                read_resume(c);
        caught_up_check(c);
        flush(c);
}

/* The sessions hear how their writes went (a HELLO_OK may go out). */
static void
writes_done(struct daemon *d, struct job *j)
{
        notes_done(d, j->notes, j->writes_err);
        j->notes = NULL;
        for (size_t i = 0; i < j->writes_n; i++) {
                struct conn *c = j->writes[i].c;
                const char *why = NULL;
                int err =
                    sync_writes_done(c->s, j->writes[i].w, j->writes_err, &why);

                c->jobs--;
                if (!c->link) {
                        if (!c->jobs)
                                conn_free(c);
                        continue;
                }
                session_after(c, err, why);
                read_resume(c);
        }
}

static void
op_done(struct job *j)
{
        struct conn *c = j->c;
        const char *why = NULL;
        int err = sync_op_done(c->s, j->op, &why);

        c->jobs--;
        if (!c->link) {
                if (!c->jobs)
                        conn_free(c);
                return;
        }
        session_after(c, err, why);
        read_resume(c);
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
                revoked_close(d);
        if (batch)
                changed_all(d);
        pipeline_next(d);
}

static void
check_done(uv_work_t *w, int status)
{
        struct daemon *d = container_of(w, struct daemon, check_work);
        struct job *j = d->checking;

        (void)status;
        d->checking = NULL;
        *d->ready_tail = j;
        d->ready_tail = &j->next;
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
static void
take_op(struct conn *c)
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

/* Starts what can start: the next commit (in the order checked) and the
 * next check (round robin over the links). */
static void
pipeline_next(struct daemon *d)
{
        struct sync_batch *b = NULL;
        struct conn *c, **pp;
        struct job *j;

        if (!d->committing && (d->committing = next_commit(d)))
                queue(d, &d->commit_work, commit_run, commit_done);
        if (d->checking)
                return;
        for (c = d->conns; c; c = c->next)
                if (c->link && !c->full && (b = sync_take_batch(c->s, true)))
                        break;
        if (!b)
                return;
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
        d->checking = j;
        queue(d, &d->check_work, check_run, check_done);
}

/* ---- link callbacks
 * ---------------------------------------------------------- */

static struct conn *
conn_new(struct daemon *d, struct dialer *dl)
{
        struct conn *c = xcalloc(1, sizeof(*c));

        c->d = d;
        c->s = sync_session_new(&d->scfg);
        c->dialer = dl;
        c->parent = -1;
        c->next = d->conns;
        d->conns = c;
        c->last_rx_ms = c->last_tx_ms = uv_now(&d->loop);
        return c;
}

static void
conn_unlink(struct conn *c)
{
        struct conn **pp = &c->d->conns;

        while (*pp && *pp != c)
                pp = &(*pp)->next;
        if (*pp)
                *pp = c->next;
}

static void
conn_free(struct conn *c)
{
        sync_session_free(c->s);
        free(c);
}

static int
cb_hs_payload(struct link *l, const uint8_t *peer_key, struct buf *out)
{
        struct conn *c = link_data(l);

        (void)peer_key;
        c->link = l; /* the first callback of an accepted link */
        return sync_hs_payload(c->s, out);
}

static int
cb_hs_peer(struct link *l, const uint8_t *peer_key, struct slice payload)
{
        struct conn *c = link_data(l);
        uint8_t hash[SYNC_CERT_HASH_BYTES];
        int err;

        c->link = l; /* the first callback of a dialled link */
        memcpy(c->key, peer_key, ENTRY_KEY_BYTES);
        c->has_key = true;
        snprintf(c->address, sizeof(c->address), "%s", link_peer_address(l));
        if (!memcmp(peer_key, c->d->n->key->pk, ENTRY_KEY_BYTES))
                return ERR_HANDSHAKE; /* a node dialling itself */
        if ((err = sync_hs_peer(c->s, peer_key, payload, hash)))
                return err;
        err = member_known(c->d->n, peer_key, hash, &c->peer);
        if (!err)
                sync_hs_valid(c->s, c->peer.region);
        return err == ERR_NOT_FOUND ? 0 : err;
}

/*
 * One link per peer key (SYNC.md §3): a new link from a key replaces the
 * one open before it (a reconnect after a half-dead link, or a peer that
 * opens many). A dialled link that is replaced is dialled again later.
 */
static void
replace_older(struct conn *c)
{
        char k[17];

        if (!c->has_key)
                return;
        for (struct conn *o = c->d->conns; o; o = o->next) {
                if (o == c || !o->link || !o->has_key ||
                    memcmp(o->key, c->key, ENTRY_KEY_BYTES))
                        continue;
                log_info("LINK-REPLACED",
                         "link %s peer %s: replaced by a new link from %s",
                         o->address, key_short(k, o->key), c->address);
                o->failed = true; /* this is its one line */
                link_close(o->link, 0);
        }
}

static void
cb_open(struct link *l)
{
        struct conn *c = link_data(l);
        struct dialer *dl = c->dialer;
        const char *why = NULL;
        int err;

        c->opened = true;
        c->opened_ms = c->last_rx_ms = c->last_tx_ms = uv_now(&c->d->loop);
        /* A probe that reached the parent replaces the fallback link. */
        if (dl && dl->probe == c) {
                dl->probe = NULL;
                if (dl->conn && dl->conn->link) {
                        dl->conn->replaced = true;
                        link_close(dl->conn->link, 0);
                }
                dl->conn = c;
                dl->index = 0;
        }
        replace_older(c);
        if (sync_validated(c->s))
                log_open(c);
        /* Starts, or asks for the peer's certificate (CERT_REQUEST). */
        err = sync_open(c->s, &why);
        session_after(c, err, why);
}

/*
 * The certificate the peer sent when asked (SYNC.md §3) goes to the
 * commits: member_accept checks it and stores it (cert_done).
 */
static void
cert_check(struct conn *c)
{
        struct daemon *d = c->d;
        struct job *j = xcalloc(1, sizeof(*j));

        if (!sync_take_cert(c->s, &j->cert, &j->issuer_cert)) {
                free(j);
                return;
        }
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
        log_open(c);
        err = sync_cert_done(c->s, 0, c->peer.region, &why);
        session_after(c, err, why);
        read_resume(c);
}

static void
cb_frame(struct link *l, struct slice frame)
{
        struct conn *c = link_data(l);

        c->last_rx_ms = uv_now(&c->d->loop);
        log_debug("LINK-FRAME", "link %s: frame of %zu bytes", c->address,
                  frame.len);
        deliver(c, frame);
}

static void dialer_closed(struct dialer *dl, struct conn *c, int err);

/* A closed link's last writes (ACKs it took) go with the next commit. */
static void
orphan_writes(struct conn *c)
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

static void
cb_close(struct link *l, int err)
{
        struct conn *c = link_data(l);
        struct daemon *d = c->d;
        char k[17] = "-";

        if (c->has_key)
                key_short(k, c->key);
        if (!c->address[0])
                snprintf(c->address, sizeof(c->address), "%s",
                         link_peer_address(l));
        if (err && err != UV_EOF && !c->failed && !c->d->stopping)
                /* Refused at the link level (a bad frame, a timeout, a
                 * failed handshake): one line under the refusal's id. */
                log_warn(err_id(err), "link %s peer %s %s: %s",
                         c->address[0] ? c->address : "?", k,
                         c->opened ? "closed" : "failed", err_str(err));
        else if (c->opened)
                log_info("LINK-CLOSED", "link %s peer %s closed: %s",
                         c->address, k,
                         err == UV_EOF ? "by the peer"
                         : err         ? err_id(err)
                                       : "ok");
        if (c->opened || c->has_key)
                peer_status(c, false, err == UV_EOF ? 0 : err);
        c->link = NULL; /* freed by net after this returns */
        conn_unlink(c);
        orphan_writes(c);
        if (c->dialer)
                dialer_closed(c->dialer, c, err);
        if (!c->jobs)
                conn_free(c);
        pipeline_next(d);
}

/* ---- dialling --------------------------------------------------------------
 */

static void
dial_to(struct dialer *dl, size_t parent, struct conn **slot)
{
        struct daemon *d = dl->d;
        const char *address = d->n->config.parents[parent];
        struct link_config cfg = d->lcfg;
        struct conn *c = conn_new(d, dl);
        int err;

        c->parent = (int)parent;
        snprintf(c->address, sizeof(c->address), "%s", address);
        *slot = c;
        cfg.data = c;
        /* c->link is set at once: a stop must close a link that is still
         * connecting or in its handshake (a black hole answers nothing). */
        if ((err = link_dial(&d->loop, address, &cfg, &c->link))) {
                log_error("CONFIG", "cannot dial '%s': %s", address,
                          err_str(err));
                conn_unlink(c);
                conn_free(c);
                *slot = NULL;
        }
}

static void
on_dial_timer(uv_timer_t *t)
{
        dialer_dial(t->data);
}

static void
dialer_dial(struct dialer *dl)
{
        if (dl->d->stopping || dl->conn)
                return;
        dial_to(dl, dl->index, &dl->conn);
        if (!dl->conn) /* unusable address: wait, then the next one */
                uv_timer_start(&dl->timer, on_dial_timer, backoff_next(&dl->bo),
                               0);
}

/* Closed for a refusal, by either side (not a cut, a timeout, a stop)? */
static bool
refusal(int err)
{
        return err > ERR_FIRST_ && err < ERR_LAST_ && err != ERR_TIMEOUT &&
               err != ERR_STORE_FULL;
}

static void
dialer_closed(struct dialer *dl, struct conn *c, int err)
{
        const struct config *cfg = &dl->d->n->config;
        size_t n = cfg->parents_n;

        if (c == dl->probe) {
                dl->probe = NULL;
                /* A revoked parent stays revoked: its address is tried
                 * again only as often as a fallback is checked (a new
                 * machine, with a new key, may answer there). */
                if (err == ERR_REVOKED &&
                    cfg->check_fallback_s > cfg->retry_primary_s)
                        dl->probe_at_ms = uv_now(&dl->d->loop) +
                                          cfg->check_fallback_s * 1000U;
                return;
        }
        if (c == dl->fallback) {
                dl->fallback = NULL;
                return;
        }
        if (c == dl->check) {
                dl->check = NULL;
                return;
        }
        if (c != dl->conn)
                return;
        dl->conn = NULL;
        if (dl->d->stopping || c->replaced)
                return;
        if (dl->fallback && dl->fallback->opened && !dl->fallback->failed) {
                /* A fallback check is up (it may have brought the
                 * revocation that closed this link): it stays, as the
                 * link to that fallback. */
                dl->conn = dl->fallback;
                dl->conn->fallback_check = false;
                dl->index = dl->fallback_index;
                dl->fallback = NULL;
                return;
        }
        /* Only a link that did some good and was not refused (by either
         * side) resets the re-dial delay: a peer that refuses this node,
         * or that it refuses, is not dialled again at once. */
        if (c->opened && !refusal(err) &&
            (c->caught_up || sync_stats(c->s)->entries_in ||
             sync_stats(c->s)->entries_out))
                backoff_reset(&dl->bo);
        if (c->opened) {
                /* A link that worked: try the parent again soon. */
                dl->index = 0;
        } else if (++dl->index < n) {
                dialer_dial(dl); /* next fallback right away */
                return;
        } else {
                dl->index = 0;
        }
        uv_timer_start(&dl->timer, on_dial_timer, backoff_next(&dl->bo), 0);
}

/*
 * While the store is marked restored, posting waits for every parent
 * (restored_heard), but the dialer links to one at a time: dial each of
 * the others, one after another, beside it, until heard (SYNC.md §5.3).
 */
static void
restored_check(struct dialer *dl, uint64_t now)
{
        struct daemon *d = dl->d;
        size_t n = d->n->config.parents_n;

        if (!d->n->restored || dl->check || now < dl->check_at_ms)
                return;
        for (size_t i = 0; i < n; i++) {
                bool linked = false;
                if (d->parents_heard & (1U << i))
                        continue;
                for (struct conn *c = d->conns; c; c = c->next)
                        linked |= c->parent == (int)i && c->link != NULL;
                if (linked)
                        continue;
                /* A parent that is down is tried again as the primary
                 * is: every retry_primary_s. */
                dl->check_at_ms = now + d->n->config.retry_primary_s * 1000U;
                dial_to(dl, i, &dl->check);
                return;
        }
}

/* While on a fallback, try the parent every retry_primary_s. */
static void
dialer_probe(struct dialer *dl, uint64_t now)
{
        struct config *cfg = &dl->d->n->config;

        if (!dl->conn || !dl->conn->opened || dl->index == 0 || dl->probe ||
            now < dl->probe_at_ms)
                return;
        dl->probe_at_ms = now + cfg->retry_primary_s * 1000U;
        dial_to(dl, 0, &dl->probe);
}

/* ---- fallback checks (SYNC.md §8) ----------------------------------- */

#define FALLBACK_META "fallback_check" /* wall-clock ms of the last check */

static void
fallback_record(struct daemon *d, uint64_t wall_ms)
{
        uint8_t v[8];

        be64_put(v, wall_ms);
        note_meta(d, FALLBACK_META, v, sizeof(v));
}

/*
 * The first check comes check_fallback_s after the last one, which the
 * store keeps: a Pi that restarts more often than that still checks.
 */
static void
fallback_schedule(struct dialer *dl)
{
        struct daemon *d = dl->d;
        uint64_t every = d->n->config.check_fallback_s * 1000U;
        uint64_t now = time_now_ms(), last = now, wait = every;
        struct buf v = BUF_INIT;
        struct store_txn *t;
        bool held = false;

        if (!store_begin(d->n->store, false, &t)) {
                held = !store_meta_get(t, FALLBACK_META, &v) && v.len == 8;
                store_abort(t);
        }
        if (held)
                last = be64_get(v.data);
        else
                fallback_record(d, now);
        if (last <= now) /* else the clock went back: wait one period */
                wait = now - last >= every ? 0 : every - (now - last);
        dl->fallback_at_ms = uv_now(&d->loop) + wait;
        buf_release(&v);
}

/*
 * While linked to the parent, a short session with a fallback (the next
 * one each time) every check_fallback_s: a parent that withholds entries,
 * above all the revocation of its own key, cannot keep them from this
 * node. The session ends once both sides are synced (tick_conn).
 */
static void
fallback_dial(struct dialer *dl, uint64_t now)
{
        struct config *cfg = &dl->d->n->config;

        if (cfg->parents_n < 2 || !cfg->check_fallback_s || dl->index ||
            !dl->conn || !dl->conn->opened || dl->fallback ||
            now < dl->fallback_at_ms)
                return;
        dl->fallback_at_ms = now + cfg->check_fallback_s * 1000U;
        dl->fallback_index = dl->fallback_index % (cfg->parents_n - 1) + 1;
        fallback_record(dl->d, time_now_ms());
        dial_to(dl, dl->fallback_index, &dl->fallback);
        if (dl->fallback)
                dl->fallback->fallback_check = true;
}

/* A check is done once both sides sent SYNCED and hold what the other
 * pushed: nothing was withheld, or now it is here. (c->caught_up waits for
 * a commit; a check that brings nothing has none.) */
static bool
fallback_checked(const struct conn *c)
{
        const struct sync_stats *st = sync_stats(c->s);

        return c->fallback_check && sync_started(c->s) && !c->full &&
               !c->jobs && st->caught_up && st->synced_sent &&
               !sync_backlog(c->s);
}

/* ---- the tick: liveness, local changes, pending batches ------------------ */

static void
tick_conn(struct conn *c, uint64_t now)
{
        const struct config *cfg = &c->d->n->config;

        /* A link closing after a refusal only drains its queue. */
        if (!c->link || !c->opened || c->failed)
                return;
        if (c->full && now >= c->full_retry_ms) { /* see conn_full */
                conn_close_logged(c, ERR_STORE_FULL, err_id(ERR_STORE_FULL));
                return;
        }
        if (fallback_checked(c)) {
                link_close(c->link, 0);
                return;
        }
        /* Any bytes count as life, not only whole frames: a 64 kbit/s
         * link takes longer than timeout_s to carry one 64 KiB frame. */
        if (link_bytes_in(c->link) != c->rx_bytes_seen) {
                c->rx_bytes_seen = link_bytes_in(c->link);
                c->last_rx_ms = now;
        }
        /* A peer that does not present a valid certificate in time (its
         * HELLO may come first, on a slow link) holds a handshake slot
         * (handshakes_over) no longer. */
        if (!sync_validated(c->s) &&
            now - c->opened_ms > NET_HS_TIMEOUT_MS + cfg->timeout_s * 1000U) {
                conn_fail(c, ERR_TIMEOUT, NULL);
                return;
        }
        /* A full link reads nothing until its retry: no timeout. */
        if (!c->full && now - c->last_rx_ms > cfg->timeout_s * 1000U) {
                conn_fail(c, ERR_TIMEOUT, NULL);
                return;
        }
        if (sync_started(c->s) &&
            now - c->last_tx_ms >= cfg->keepalive_s * 1000U) {
                sync_ping(c->s);
                tx(c);
        }
        /* Status for `simpul peers`, written only when it moved (an SD
         * card should not take a write every few seconds for nothing). */
        if (sync_started(c->s) && now - c->status_ms >= STATUS_EVERY_MS &&
            (link_bytes_in(c->link) != c->rep_bytes_in ||
             link_bytes_out(c->link) != c->rep_bytes_out)) {
                c->status_ms = now;
                peer_status(c, true, 0);
        }
}

/*
 * The store changed: a revocation stored since (received on a link,
 * imported or posted by another process) closes every link of the key it
 * names, and of a peer whose certificate's issuer it names unless that
 * certificate is held (MEMBERSHIP.md §7.2): one NODE-REVOKED line a link.
 */
static void
revoked_close(struct daemon *d)
{
        struct conn *c;

        for (c = d->conns; c; c = c->next)
                if (c->link && sync_validated(c->s) && !c->failed &&
                    member_standing(d->n, c->key, &c->peer) == ERR_REVOKED)
                        /* An ERROR only on an open link. */
                        conn_fail(c, ERR_REVOKED,
                                  c->opened ? err_id(ERR_REVOKED) : NULL);
}

/* ---- http: live figures for other threads (daemon.h) ------------------ */

int
daemon_stats_init(struct daemon_stats *s)
{
        memset(s, 0, sizeof(*s));
        return uv_mutex_init(&s->lock);
}

void
daemon_stats_release(struct daemon_stats *s)
{
        uv_mutex_destroy(&s->lock);
}

void
daemon_stats_get(struct daemon_stats *s, struct daemon_figures *out)
{
        uv_mutex_lock(&s->lock);
        *out = s->f;
        uv_mutex_unlock(&s->lock);
}

static void
stats_publish(struct daemon *d, bool running)
{
        struct daemon_figures f = {0};
        struct job *j;

        if (!d->stats)
                return;
        f.running = running;
        f.updated_ms = time_now_ms();
        for (struct conn *c = d->conns; c; c = c->next)
                if (c->link && sync_started(c->s))
                        f.links_open++;
                else if (c->link || c->dialer)
                        f.links_opening++;
        for (j = d->ready; j; j = j->next)
                f.batches_queued += j->kind == JOB_BATCH;
        f.batches_queued += (d->checking != NULL) +
                            (d->committing && d->committing->kind == JOB_BATCH);
        f.store_version = d->version;
        uv_mutex_lock(&d->stats->lock);
        f.started_ms =
            d->stats->f.started_ms ? d->stats->f.started_ms : f.updated_ms;
        d->stats->f = f;
        uv_mutex_unlock(&d->stats->lock);
}

static void
on_tick(uv_timer_t *t)
{
        struct daemon *d = t->data;
        uint64_t now = uv_now(&d->loop), v = d->version;
        struct store_txn *txn;
        struct conn *c, *next;

        if (d->dialing)
                fallback_dial(&d->dialer, now);
        for (c = d->conns; c; c = next) {
                next = c->next;
                tick_conn(c, now);
        }
        if (d->dialing) {
                dialer_probe(&d->dialer, now);
                restored_check(&d->dialer, now);
        }
        /* Entries posted by another process (simpul post) show up here. */
        if (!store_begin(d->n->store, false, &txn)) {
                if (store_version(txn, &v))
                        v = d->version;
                store_abort(txn);
        }
        if (v != d->version) {
                d->version = v;
                revoked_close(d);
                changed_all(d);
        }
        /* simpul restored --clear, from another process. */
        if (d->n->restored && !d->restored_writing &&
            !node_restored_load(d->n) && !d->n->restored)
                log_info("STORE-RESTORED",
                         "cleared by the operator: posting is allowed");
        /* The store's pages touched by commits and reads are page cache,
         * not ours to hold, and the batches' memory is free again: give
         * both back a few times a second while entries move (a village
         * Pi has little RAM). */
        if (d->trimmed_version != v && now - d->trim_ms >= TRIM_EVERY_MS) {
                store_trim(d->n->store);
#ifdef __GLIBC__
                malloc_trim(0);
#endif
                d->trimmed_version = v;
                d->trim_ms = now;
        }
        if (now - d->heartbeat_ms >= HEARTBEAT_EVERY_MS) {
                d->heartbeat_ms = now;
                heartbeat(d);
        }
        pipeline_next(d);
        stats_publish(d, true); /* http */
}

/* ---- start and stop ----------------------------------------------------- */

/*
 * Connections still in their handshake (Noise, then the certificate) have
 * proven nothing: at most
 * DAEMON_HS_MAX of them, and DAEMON_HS_PER_ADDR from one address (SYNC.md
 * §3), so a peer that opens many and never finishes cannot hold the slots
 * of the others for longer than the handshake timeout.
 */
static bool
handshakes_over(struct daemon *d, const struct conn *c)
{
        const char *addr = link_peer_address(c->link);
        size_t host = strcspn(addr, ":"), all = 0, same = 0;

        if (strchr(addr + host + 1, ':')) /* IPv6: "[a:b::c]:port" */
                host = (size_t)(strrchr(addr, ':') - addr);
        for (const struct conn *o = d->conns; o; o = o->next) {
                const char *oa;
                if (o->dialer || !o->link || sync_validated(o->s))
                        continue;
                all++;
                oa = link_peer_address(o->link);
                if (!strncmp(oa, addr, host) && oa[host] == ':')
                        same++;
        }
        return all > DAEMON_HS_MAX || same > DAEMON_HS_PER_ADDR;
}

/* One line a second at most: a flood of connections is one event. */
static void
refuse_busy(struct daemon *d, struct conn *c)
{
        uint64_t now = uv_now(&d->loop);

        d->busy_refused++;
        if (now - d->busy_logged_ms >= 1000U || !d->busy_logged_ms) {
                log_warn("LINK-BUSY",
                         "refused a connection from %s: %s (%llu refused "
                         "since the last line)",
                         link_peer_address(c->link), err_str(ERR_LINK_BUSY),
                         (unsigned long long)d->busy_refused);
                d->busy_logged_ms = now;
                d->busy_refused = 0;
        }
        c->failed = true;
        link_close(c->link, ERR_LINK_BUSY);
}

static void
on_connection(uv_stream_t *server, int status)
{
        struct daemon *d = server->data;
        struct link_config cfg = d->lcfg;
        struct conn *c;

        if (status < 0 || d->stopping)
                return;
        c = conn_new(d, NULL);
        cfg.data = c;
        if (link_accept(server, &cfg, &c->link)) {
                log_warn("LINK-FAILED", "cannot accept a connection");
                return;
        }
        if (c->link && handshakes_over(d, c))
                refuse_busy(d, c);
}

static void
on_closed_quietly(uv_handle_t *h)
{
        (void)h;
}

static void
daemon_stop(struct daemon *d)
{
        if (d->stopping)
                return;
        d->stopping = true;
        log_info("NODE-STOP", "stopping: closing links, finishing commits");
        if (d->listening)
                uv_close((uv_handle_t *)&d->server, on_closed_quietly);
        if (d->dialing)
                uv_close((uv_handle_t *)&d->dialer.timer, on_closed_quietly);
        uv_close((uv_handle_t *)&d->tick, on_closed_quietly);
        uv_close((uv_handle_t *)&d->sigterm, on_closed_quietly);
        uv_close((uv_handle_t *)&d->sigint, on_closed_quietly);
        for (struct conn *c = d->conns; c; c = c->next)
                if (c->link)
                        link_close(c->link, 0);
}

static void
on_signal(uv_signal_t *s, int signum)
{
        (void)signum;
        daemon_stop(s->data);
}

/* The address really bound (a configured port 0 picks a free one). */
static const char *
bound_address(struct daemon *d)
{
        static char text[NET_ADDR_MAX];
        struct sockaddr_storage ss;
        int len = sizeof(ss);
        char host[48];

        if (uv_tcp_getsockname(&d->server, (struct sockaddr *)&ss, &len))
                return d->n->config.listen;
        if (ss.ss_family == AF_INET6) {
                uv_ip6_name((struct sockaddr_in6 *)&ss, host, sizeof(host));
                snprintf(text, sizeof(text), "[%s]:%d", host,
                         ntohs(((struct sockaddr_in6 *)&ss)->sin6_port));
        } else {
                uv_ip4_name((struct sockaddr_in *)&ss, host, sizeof(host));
                snprintf(text, sizeof(text), "%s:%d", host,
                         ntohs(((struct sockaddr_in *)&ss)->sin_port));
        }
        return text;
}

static int
daemon_listen(struct daemon *d)
{
        int err;

        if (!d->n->config.listen[0])
                return 0;
        d->server.data = d;
        err = net_listen(&d->loop, &d->server, d->n->config.listen,
                         on_connection);
        if (err) {
                log_error("NODE-LISTEN", "cannot listen on %s: %s",
                          d->n->config.listen, err_str(err));
                return err;
        }
        d->listening = true;
        log_info("NODE-LISTEN", "listening on %s", bound_address(d));
        return 0;
}

static int
daemon_init(struct daemon *d, struct node *n)
{
        uint8_t network[ENTRY_HASH_BYTES], h[ENTRY_HASH_BYTES];
        int err;

        memset(d, 0, sizeof(*d));
        d->n = n;
        d->ready_tail = &d->ready;
        d->notes_tail = &d->notes;
        if ((err = member_load(n, network, &d->cert, &d->issuer_cert)))
                return err;
        hash_bytes(h, buf_slice(&d->cert));
        d->scfg = (struct sync_config){&n->replica,
                                       buf_slice(&d->cert),
                                       buf_slice(&d->issuer_cert),
                                       {0},
                                       SECURE_HS_PAYLOAD_MAX - 16};
        memcpy(d->scfg.cert_hash, h, SYNC_CERT_HASH_BYTES);
        buf_adds(&d->prologue, PROLOGUE);
        buf_add(&d->prologue, network, sizeof(network));
        d->cbs = (struct link_cbs){cb_hs_payload, cb_hs_peer, cb_open, cb_frame,
                                   cb_close};
        d->lcfg = (struct link_config){n->key, buf_slice(&d->prologue), &d->cbs,
                                       NULL};
        if ((err = uv_loop_init(&d->loop)))
                return err;
        uv_timer_init(&d->loop, &d->tick);
        d->tick.data = d;
        uv_signal_init(&d->loop, &d->sigterm);
        uv_signal_init(&d->loop, &d->sigint);
        d->sigterm.data = d->sigint.data = d;
        uv_signal_start(&d->sigterm, on_signal, SIGTERM);
        uv_signal_start(&d->sigint, on_signal, SIGINT);
        return 0;
}

static void
daemon_dial(struct daemon *d)
{
        struct dialer *dl = &d->dialer;

        if (!d->n->config.parents_n)
                return;
        dl->d = d;
        dl->bo.min_ms = d->n->config.backoff_min_ms;
        dl->bo.max_ms = d->n->config.backoff_max_ms;
        uv_timer_init(&d->loop, &dl->timer);
        dl->timer.data = dl;
        d->dialing = true;
        if (d->n->config.parents_n > 1 && d->n->config.check_fallback_s)
                fallback_schedule(dl);
        dialer_dial(dl);
}

int
daemon_run(struct node *n)
{
        return daemon_run_stats(n, NULL);
}

int
daemon_run_stats(struct node *n, struct daemon_stats *stats)
{
        struct daemon *d = xcalloc(1, sizeof(*d));
        int err;

        signal(SIGPIPE, SIG_IGN);
        srandom((unsigned)(time_now_ms() ^ (uint64_t)getpid()));
        if ((err = daemon_init(d, n))) {
                free(d);
                return err;
        }
        if ((err = daemon_listen(d))) {
                daemon_stop(d);
        } else {
                log_info("NODE-START", "node %s (%s) running", n->config.name,
                         n->config.region);
                daemon_dial(d);
                uv_timer_start(&d->tick, on_tick, DAEMON_TICK_MS,
                               DAEMON_TICK_MS);
        }
        d->stats = stats; /* http: set after daemon_init cleared d */
        uv_run(&d->loop, UV_RUN_DEFAULT);
        stats_publish(d, false);
        if (uv_loop_close(&d->loop))
                log_warn("NODE-STOP", "loop closed with handles open");
        else if (!err)
                log_info("NODE-STOP", "stopped cleanly");
        buf_release(&d->prologue);
        buf_release(&d->cert);
        buf_release(&d->issuer_cert);
        while (d->notes) { /* written by none, after the stop */
                struct note *nt = d->notes;
                d->notes = nt->next;
                free(nt);
        }
        free(d->orphans);
        free(d);
        return err;
}
