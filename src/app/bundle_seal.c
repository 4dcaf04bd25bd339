/*
 * bundle_seal: sealed bundles for one node (proto/BUNDLE.md), simpul
 * bundle for and simpul bundle import. A bundle offers what a sync
 * session with that node would (sync_offer_scan), from what the node is
 * known to hold (its peer record), sealed to its key; importing one
 * commits its entries as a session does (replica_check, replica_commit),
 * records what the sender holds (its HEADS), and writes the return
 * bundle that carries both back. The blobs of the entries a bundle
 * carries go along whole, each chunk checked against the signed root
 * on import (BUNDLE.md §4.1).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../sync/sync.h"
#include "app_int.h"

#define BATCH 1000U        /* entries per commit, as simpul import */
#define ERR_BUNDLE_PLAIN 1 /* reader_start: a version-1 bundle */

/* ---- targets ---------------------------------------------------------- */

struct target_find {
        const char *spec;
        uint8_t prefix[ENTRY_KEY_BYTES];
        size_t prefix_len; /* 0: spec is a region */
        struct app_bundle_node *out;
        unsigned found;
};

static int
target_visit(void *ctx, const uint8_t pk[ENTRY_KEY_BYTES], struct slice bytes)
{
        struct target_find *tf = ctx;
        struct cert_info c;

        if (cert_parse(bytes, &c))
                return 0;
        if (tf->prefix_len ? memcmp(pk, tf->prefix, tf->prefix_len) != 0
                           : strcmp(c.region, tf->spec) != 0)
                return 0;
        if (tf->found++ == 0) {
                memcpy(tf->out->key, pk, ENTRY_KEY_BYTES);
                snprintf(tf->out->region, sizeof(tf->out->region), "%s",
                         c.region);
                snprintf(tf->out->name, sizeof(tf->out->name), "%s", c.name);
        }
        return 0;
}

int
app_bundle_node(struct node *n, const char *spec, struct app_bundle_node *out,
                char *err_msg)
{
        struct target_find tf = {spec, {0}, 0, out, 0};
        size_t len = strlen(spec);
        struct store_txn *t;
        int err;

        memset(out, 0, sizeof(*out));
        if (region_check(spec, len)) {
                if (len < 8 || len > 64 || len % 2 ||
                    hex_decode(tf.prefix, len / 2, spec, len))
                        return app__fail(err_msg, ERR_USAGE,
                                         "'%s' is neither a region code nor a "
                                         "node key (8 to 64 hex digits)",
                                         spec);
                tf.prefix_len = len / 2;
        }
        if ((err = store_begin(n->store, false, &t)))
                return app__fail(err_msg, err, "%s", err_str(err));
        err = store_certs(t, target_visit, &tf);
        store_abort(t);
        if (err)
                return app__fail(err_msg, err, "%s", err_str(err));
        if (tf.found == 0)
                return app__fail(err_msg, ERR_NOT_FOUND,
                                 "no certificate held for '%s': sync once, "
                                 "or import its kecamatan's bundle first",
                                 spec);
        if (tf.found > 1)
                return app__fail(err_msg, ERR_AMBIGUOUS,
                                 "'%s' names %u nodes: give its key", spec,
                                 tf.found);
        if (!memcmp(out->key, n->key->pk, ENTRY_KEY_BYTES))
                return app__fail(err_msg, ERR_USAGE, "'%s' is this node itself",
                                 spec);
        return 0;
}

void
app_bundle_name(char *out, size_t cap, const struct node *n,
                const struct app_bundle_node *to)
{
        snprintf(out, cap, "to-%s-from-%s.bundle", to->region,
                 n->replica.region);
}

/* ---- writing ------------------------------------------------------------ */

struct writer {
        struct node *n;
        const struct app_bundle_node *to;
        struct store_txn *t;
        FILE *f;
        struct sealstream *ss;
        struct buf plain, ct;
        struct buf heads;  /* instance || (feed, head) pairs, sorted after */
        struct buf theirs; /* ids of the target's own feeds offered */
        struct buf spans;  /* feed id || known || upto: entries written */
        struct buf roots;  /* blobs to carry, 32 bytes each */
        struct buf held;   /* blobs the target is known to hold */
        struct buf sent;   /* root || feed || seq of each blob carried */
        struct app_bundle_out *out;
        uint64_t upto; /* the feed being written: last seq to write */
        int err;
};

static int
writer_write(struct writer *w, const void *p, size_t len)
{
        if (fwrite(p, 1, len, w->f) != len)
                return w->err = errno ? -errno : -EIO;
        w->out->bytes += len;
        return 0;
}

/* Seals and writes the plaintext in full chunks; all of it if final. */
static int
writer_flush(struct writer *w, bool final)
{
        size_t off = 0;
        int err = 0;

        while (!err && (w->plain.len - off > SEALSTREAM_CHUNK_MAX ||
                        (final && off <= w->plain.len))) {
                size_t len = w->plain.len - off;
                bool last = final && len <= SEALSTREAM_CHUNK_MAX;
                uint8_t prefix[BUNDLE_CHUNK_LEN_BYTES];

                if (len > SEALSTREAM_CHUNK_MAX)
                        len = SEALSTREAM_CHUNK_MAX;
                buf_reset(&w->ct);
                sealstream_push(w->ss, slice_make(w->plain.data + off, len),
                                last, &w->ct);
                be32_put(prefix, (uint32_t)w->ct.len);
                if (!(err = writer_write(w, prefix, sizeof(prefix))))
                        err = writer_write(w, w->ct.data, w->ct.len);
                off += len;
                if (last)
                        break;
        }
        memmove(w->plain.data, w->plain.data + off, w->plain.len - off);
        w->plain.len -= off;
        return err;
}

static int
writer_entry(void *ctx, uint64_t seq, struct slice bytes)
{
        struct writer *w = ctx;

        if (seq > w->upto)
                return 1;
        wire_bundle_rec_put(&w->plain, BUNDLE_REC_ENTRY, bytes);
        w->out->entries++;
        if (w->plain.len > SEALSTREAM_CHUNK_MAX && writer_flush(w, false))
                return w->err;
        return seq == w->upto ? 1 : 0;
}

/* One offered feed: its entries past what the target is known to hold. */
static int
writer_feed(void *ctx, const struct feed_info *f, uint64_t max_seq)
{
        struct writer *w = ctx;
        uint64_t known = 0;
        int err;

        if ((err = store_peer_known(w->t, w->to->key, f->id, &known)))
                return err;
        if (max_seq <= known)
                return 0;
        w->out->feeds++;
        w->upto = max_seq;
        buf_add(&w->spans, f->id, ENTRY_HASH_BYTES);
        buf_add_be64(&w->spans, known);
        buf_add_be64(&w->spans, max_seq);
        err = store_feed_scan(w->t, f->id, known + 1, writer_entry, w);
        return err < 0 ? err : w->err;
}

static int
head_cmp(const void *a, const void *b)
{
        return memcmp(a, b, ENTRY_HASH_BYTES);
}

/*
 * HEADS goes first in the stream, sorted by feed id, while the entries go
 * in push order: the offer is scanned twice in one read transaction (one
 * snapshot), once for the heads, once for the entries.
 */
static int
heads_only(void *ctx, const struct feed_info *f, uint64_t max_seq)
{
        struct writer *w = ctx;

        (void)max_seq;
        buf_add(&w->heads, f->id, ENTRY_HASH_BYTES);
        buf_add_be64(&w->heads, f->head_seq);
        if (!memcmp(f->author, w->to->key, ENTRY_KEY_BYTES))
                buf_add(&w->theirs, f->id, ENTRY_HASH_BYTES);
        return 0;
}

/* Is `up` strictly above `region` in the tree? */
static bool
above(const char *up, const char *region)
{
        return region_covers(up, region) && strcmp(up, region) != 0;
}

struct ups {
        struct peer_info v[8];
        size_t n;
        const char *region;
};

static int
up_visit(void *ctx, const struct peer_info *p)
{
        struct ups *u = ctx;

        if (above(p->region, u->region) && u->n < ARRAY_LEN(u->v))
                u->v[u->n++] = *p;
        return 0;
}

/*
 * HELD records for a target below this node (SYNC.md §5.4, BUNDLE.md §4):
 * for each node above, what it acknowledged of the target's own feeds,
 * so that a desa reached only by stick sees its ticks too.
 */
static int
writer_held(struct writer *w)
{
        size_t n = w->theirs.len / ENTRY_HASH_BYTES;
        struct buf pairs = BUF_INIT, rec = BUF_INIT;
        struct ups u = {.n = 0, .region = w->n->replica.region};
        int err;

        if (!n || !above(u.region, w->to->region))
                return 0;
        qsort(w->theirs.data, n, ENTRY_HASH_BYTES, head_cmp);
        if ((err = store_peers(w->t, up_visit, &u)))
                return err;
        for (size_t i = 0; i < u.n && !err; i++) {
                buf_reset(&pairs);
                for (size_t k = 0; k < n && !err; k++) {
                        const uint8_t *id = w->theirs.data + k * 32;
                        uint64_t seq = 0;
                        if (!(err = store_peer_known(w->t, u.v[i].key, id,
                                                     &seq)) &&
                            seq) {
                                buf_add(&pairs, id, ENTRY_HASH_BYTES);
                                buf_add_be64(&pairs, seq);
                        }
                }
                if (err || !pairs.len)
                        continue;
                buf_reset(&rec);
                wire_bundle_held_put(&rec, u.v[i].region, pairs.data,
                                     pairs.len / BUNDLE_HEAD_BYTES);
                wire_bundle_rec_put(&w->plain, BUNDLE_REC_HELD,
                                    buf_slice(&rec));
        }
        buf_release(&pairs);
        buf_release(&rec);
        return err;
}

/* ---- blobs (BUNDLE.md §5 step 4) ----------------------------------------- */

#define SPAN_BYTES (ENTRY_HASH_BYTES + 16U)

struct blob_pick {
        struct writer *w;
        bool in; /* an entry written in this bundle references it: */
        uint8_t feed[ENTRY_HASH_BYTES];
        uint64_t seq;
};

/* Is (feed, seq) among the entries written, past what the target holds? */
static int
ref_written(void *ctx, const uint8_t feed[32], uint64_t seq)
{
        struct blob_pick *bp = ctx;
        const struct buf *sp = &bp->w->spans;

        for (size_t off = 0; off < sp->len; off += SPAN_BYTES)
                if (!memcmp(sp->data + off, feed, ENTRY_HASH_BYTES) &&
                    seq > be64_get(sp->data + off + 32) &&
                    seq <= be64_get(sp->data + off + 40)) {
                        bp->in = true;
                        memcpy(bp->feed, feed, ENTRY_HASH_BYTES);
                        bp->seq = seq;
                        return 1;
                }
        return 0;
}

/*
 * A blob goes in when it is whole here, within [blobs] fetch_max_bytes,
 * and an entry of this bundle references it: what a link would fetch
 * for the target once it holds those entries. The entries were chosen
 * by sync_offer_scan, the universe a session offers, which is what the
 * link's entitlement (sync/blobs.c, BLOBS.md §3) asks of a reference;
 * the target lacks the entries, so it lacks their blobs but by chance.
 */
static bool
target_holds(const struct writer *w, const uint8_t *root)
{
        for (size_t off = 0; off + BLOB_ROOT_BYTES <= w->held.len;
             off += BLOB_ROOT_BYTES)
                if (!memcmp(w->held.data + off, root, BLOB_ROOT_BYTES))
                        return true;
        return false;
}

/* ... and the target is not known to hold it (bundle_blobs.c): a new
 * entry may name a file an earlier bundle carried. */
static int
blob_pick(void *ctx, const struct store_blob *b)
{
        struct blob_pick bp = {.w = ctx};
        struct writer *w = bp.w;
        int err;

        if (b->held != b->chunks || !(b->flags & STORE_BLOB_LIST) ||
            b->size > w->n->config.blob_fetch_max || target_holds(w, b->root))
                return 0;
        if ((err = store_blob_refs(w->t, b->root, ref_written, &bp)) < 0)
                return err;
        if (bp.in) {
                buf_add(&w->roots, b->root, BLOB_ROOT_BYTES);
                buf_add(&w->sent, b->root, BLOB_ROOT_BYTES);
                buf_add(&w->sent, bp.feed, ENTRY_HASH_BYTES);
                buf_add_be64(&w->sent, bp.seq);
        }
        return 0;
}

/* One blob: its LIST record, then each chunk in order. */
static int
writer_blob(struct writer *w, const uint8_t *root, struct buf *rec,
            struct buf *data)
{
        struct store_blob b;
        int err;

        if ((err = store_blob_get(w->t, root, &b)) ||
            (err = store_blob_get_list(w->t, root, data)))
                return err == ERR_NOT_FOUND ? ERR_STORE_CORRUPT : err;
        buf_reset(rec);
        wire_bundle_blob_list_put(rec, root, b.size, buf_slice(data));
        wire_bundle_rec_put(&w->plain, BUNDLE_REC_BLOB, buf_slice(rec));
        for (uint32_t i = 0; i < b.chunks; i++) {
                if ((err = store_blob_get_chunk(w->t, root, i, data)))
                        return err == ERR_NOT_FOUND ? ERR_STORE_CORRUPT : err;
                buf_reset(rec);
                wire_bundle_blob_chunk_put(rec, root, i, buf_slice(data));
                wire_bundle_rec_put(&w->plain, BUNDLE_REC_BLOB, buf_slice(rec));
                if (w->plain.len > SEALSTREAM_CHUNK_MAX &&
                    writer_flush(w, false))
                        return w->err;
        }
        w->out->blobs++;
        return 0;
}

static int
writer_blobs(struct writer *w)
{
        struct buf rec = BUF_INIT, data = BUF_INIT;
        int err;

        if (!w->spans.len || !w->n->config.blob_fetch_max)
                return 0;
        if ((err = app__bundle_blobs_held(w->t, w->to->key, &w->held)) ||
            (err = store_blobs(w->t, NULL, blob_pick, w)) < 0)
                return err;
        err = 0;
        for (size_t off = 0; off < w->roots.len && !err; off += 32)
                err = writer_blob(w, w->roots.data + off, &rec, &data);
        buf_release(&rec);
        buf_release(&data);
        return err;
}

static int
writer_body(struct writer *w)
{
        uint8_t inst[STORE_INSTANCE_BYTES];
        size_t n;
        int err;

        store_instance(w->n->store, inst);
        buf_add(&w->heads, inst, sizeof(inst));
        if ((err = sync_offer_scan(&w->n->replica, w->t, w->to->region,
                                   heads_only, w)))
                return err;
        n = (w->heads.len - sizeof(inst)) / BUNDLE_HEAD_BYTES;
        if (n > BUNDLE_HEADS_MAX)
                return ERR_TOO_BIG;
        qsort(w->heads.data + sizeof(inst), n, BUNDLE_HEAD_BYTES, head_cmp);
        wire_bundle_rec_put(&w->plain, BUNDLE_REC_HEADS, buf_slice(&w->heads));
        w->out->heads = n;
        if ((err = writer_held(w)))
                return err;
        if ((err = sync_offer_scan(&w->n->replica, w->t, w->to->region,
                                   writer_feed, w)) ||
            (err = writer_blobs(w)))
                return err;
        return writer_flush(w, true);
}

static int
writer_run(struct writer *w)
{
        uint8_t hdr[SEALSTREAM_HEADER_BYTES];
        int err;

        if ((err =
                 sealstream_seal(w->n->key, w->to->key,
                                 (const uint8_t *)BUNDLE2_MAGIC, hdr, &w->ss)))
                return err;
        if ((err = writer_write(w, BUNDLE2_MAGIC, BUNDLE_MAGIC_BYTES)) ||
            (err = writer_write(w, hdr, sizeof(hdr))))
                return err;
        if ((err = store_begin(w->n->store, false, &w->t)))
                return err;
        err = writer_body(w);
        store_abort(w->t);
        return err;
}

int
app_bundle_for(struct node *n, const struct app_bundle_node *to,
               const char *file, struct app_bundle_out *out, char *err_msg)
{
        struct writer w;
        struct buf tmp = BUF_INIT;
        int err, err2;

        memset(&w, 0, sizeof(w));
        memset(out, 0, sizeof(*out));
        out->to = *to;
        w.n = n;
        w.to = to;
        w.out = out;
        buf_addf(&tmp, "%s.tmp", file);
        if (!(w.f = fopen((char *)tmp.data, "wb"))) {
                err = app__fail(err_msg, -errno, "cannot create '%s': %s",
                                (char *)tmp.data, strerror(errno));
                buf_release(&tmp);
                return err;
        }
        err = writer_run(&w);
        if (!err && (fflush(w.f) || fsync(fileno(w.f))))
                err = -errno;
        if (fclose(w.f) && !err)
                err = -errno;
        if (!err && rename((char *)tmp.data, file))
                err = -errno;
        if (err)
                unlink((char *)tmp.data);
        /* What it carried, to know once acknowledged (bundle_blobs.c); a
         * failure costs only blobs carried again. */
        if (!err &&
            (err2 = app__bundle_blobs_sent(n, to->key, buf_slice(&w.sent))))
                log_warn(err_id(err2),
                         "'%s': the blobs it carries not recorded (%s): a "
                         "next bundle may carry them again",
                         file, err_str(err2));
        sealstream_free(w.ss);
        buf_release(&w.plain);
        buf_release(&w.ct);
        buf_release(&w.heads);
        buf_release(&w.theirs);
        buf_release(&w.spans);
        buf_release(&w.roots);
        buf_release(&w.held);
        buf_release(&w.sent);
        buf_release(&tmp);
        if (err)
                return app__fail(err_msg, err, "'%s': %s", file, err_str(err));
        return 0;
}

/* ---- importing ---------------------------------------------------------- */

struct reader {
        struct node *n;
        const char *name;
        FILE *f;
        struct sealstream *ss;
        struct buf ct, plain;
        size_t used; /* of plain, parsed into records */
        bool final;
        /* the entries of the batch, copied out of plain */
        struct buf data;
        size_t offs[BATCH], lens[BATCH];
        struct slice in[BATCH];
        struct entry es[BATCH];
        int res[BATCH];
        size_t n_batch;
        char from_region[REGION_BUF]; /* "" until the sender's cert is held */
        struct buf heads;             /* the HEADS payload, once */
        bool has_heads;
        struct buf held; /* HELD payloads, each after its be32 length */
        struct app_bundle_in *out;
        /* The blob whose records are being read (BUNDLE.md §4.1): its
         * list, checked, and its chunks, checked, kept until the last
         * one so that a bad chunk leaves nothing of the blob stored. */
        struct {
                bool open; /* a LIST read, chunks to come */
                bool keep; /* checked so far, and wanted here */
                uint8_t root[BLOB_ROOT_BYTES];
                uint64_t size;
                uint32_t chunks, next;
                struct buf list, data;
        } blob;
};

/* Reads exactly len bytes: 0, ERR_BUNDLE_TRUNCATED at end of file, -errno. */
static int
reader_read(struct reader *r, void *p, size_t len)
{
        size_t got = fread(p, 1, len, r->f);

        if (got == len)
                return 0;
        return ferror(r->f) ? (errno ? -errno : -EIO) : ERR_BUNDLE_TRUNCATED;
}

/* Checks and commits the entries of the batch, as a session's receiver. */
static int
reader_commit(struct reader *r)
{
        struct ingest_stats st;
        int err;

        if (!r->n_batch)
                return 0;
        for (size_t i = 0; i < r->n_batch; i++)
                r->in[i] = slice_make(r->data.data + r->offs[i], r->lens[i]);
        replica_check(&r->n->replica, r->in, r->n_batch, r->es, r->res);
        /* Nothing outside the universe: the sender cannot hold it
         * (SYNC.md §5 FEED: PROTO-VIOLATION). */
        for (size_t i = 0; i < r->n_batch; i++)
                if (!r->res[i] && r->from_region[0] &&
                    !audience_contains(&r->es[i].h.audience, r->from_region))
                        r->res[i] = ERR_PROTOCOL;
        memset(&st, 0, sizeof(st));
        err = replica_commit(&r->n->replica, r->in, r->es, r->res, r->n_batch,
                             r->name, &st);
        r->out->sum.stored += st.stored;
        r->out->sum.had += st.had;
        r->out->sum.refused += st.refused;
        if (!r->out->sum.first_error)
                r->out->sum.first_error = st.first_error;
        r->n_batch = 0;
        buf_reset(&r->data);
        return err;
}

/* ---- blobs (BUNDLE.md §6 step 3) ----------------------------------------- */

static void
blob_refuse(struct reader *r, int why)
{
        char hex[2 * BLOB_ROOT_BYTES + 1];

        hex_encode(hex, r->blob.root, BLOB_ROOT_BYTES);
        log_warn(err_id(why), "'%s': blob %.16s: %s: none of it stored",
                 r->name, hex, err_str(why));
        r->blob.keep = false;
        r->out->blobs_refused++;
        buf_reset(&r->blob.data);
}

/* A LIST: is the blob wanted here (an entry held references it, and it
 * is not whole yet), and does the list give its root? */
static int
blob_list(struct reader *r, const struct bundle_blob *bb)
{
        struct store_blob b;
        struct store_txn *t;
        int err;

        if (r->blob.open)
                return ERR_BUNDLE; /* the blob before it is cut short */
        memcpy(r->blob.root, bb->root, BLOB_ROOT_BYTES);
        r->blob.open = true;
        r->blob.keep = false;
        r->blob.size = bb->size;
        r->blob.chunks = blob_chunks(bb->size);
        r->blob.next = 0;
        buf_reset(&r->blob.data);
        if (blob_list_check(bb->root, bb->size, bb->data)) {
                blob_refuse(r, ERR_BLOB_BAD_LIST);
                return 0;
        }
        if ((err = store_begin(r->n->store, false, &t)))
                return err;
        err = store_blob_get(t, bb->root, &b);
        store_abort(t);
        if (err == ERR_NOT_FOUND)
                return 0; /* no entry here references it: not kept (gc) */
        if (err)
                return err;
        if (b.held == b.chunks && (b.flags & STORE_BLOB_LIST))
                return 0; /* whole already */
        buf_reset(&r->blob.list);
        buf_add(&r->blob.list, bb->data.ptr, bb->data.len);
        r->blob.keep = true;
        return 0;
}

/* The checked blob in one write transaction: the list, and the chunks
 * not held (a partial blob made whole). */
static int
blob_store(struct reader *r)
{
        struct store_txn *t;
        bool whole = false;
        size_t off = 0;
        int err;

        if ((err = store_begin(r->n->store, true, &t)))
                return err;
        err = store_blob_put_list(t, r->blob.root, r->blob.size, r->blob.chunks,
                                  buf_slice(&r->blob.list));
        for (uint32_t i = 0; i < r->blob.chunks && !err; i++) {
                size_t len = blob_chunk_len(r->blob.size, i);
                err = store_blob_put_chunk(
                    t, r->blob.root, i,
                    slice_make(r->blob.data.data + off, len), &whole);
                off += len;
        }
        if (!err && !whole)
                err = ERR_STORE_CORRUPT;
        if (err) {
                store_abort(t);
                return err;
        }
        if ((err = store_commit(t)))
                return err;
        r->out->blobs++;
        return 0;
}

static int
blob_chunk(struct reader *r, const struct bundle_blob *bb)
{
        if (!r->blob.open || memcmp(bb->root, r->blob.root, BLOB_ROOT_BYTES) ||
            bb->index != r->blob.next)
                return ERR_BUNDLE; /* chunks follow their list, in order */
        r->blob.next++;
        if (r->blob.next == r->blob.chunks)
                r->blob.open = false;
        if (!r->blob.keep)
                return 0;
        if (blob_chunk_check(buf_slice(&r->blob.list), r->blob.size, bb->index,
                             bb->data)) {
                blob_refuse(r, ERR_BLOB_BAD_CHUNK);
                return 0;
        }
        buf_add(&r->blob.data, bb->data.ptr, bb->data.len);
        return r->blob.open ? 0 : blob_store(r);
}

static int
reader_blob(struct reader *r, struct slice payload)
{
        struct bundle_blob bb;
        int err;

        /* The entries before it first: they hold its reference. */
        if ((err = reader_commit(r)) || (err = wire_bundle_blob(payload, &bb)))
                return err;
        return bb.kind == BUNDLE_BLOB_LIST ? blob_list(r, &bb)
                                           : blob_chunk(r, &bb);
}

static int
reader_record(struct reader *r, const struct bundle_rec *rec)
{
        struct bundle_heads h;
        int err;

        r->out->records++;
        if ((rec->type == BUNDLE_REC_HEADS) == (r->out->records != 1))
                return ERR_BUNDLE; /* HEADS first, and once */
        if (r->blob.open && rec->type != BUNDLE_REC_BLOB)
                return ERR_BUNDLE; /* a blob's records are consecutive */
        switch (rec->type) {
        case BUNDLE_REC_HEADS:
                if ((err = wire_bundle_heads(rec->payload, &h)))
                        return err;
                buf_add(&r->heads, rec->payload.ptr, rec->payload.len);
                r->has_heads = true;
                return 0;
        case BUNDLE_REC_HELD: {
                struct bundle_held hd;
                if ((err = wire_bundle_held(rec->payload, &hd)))
                        return err;
                buf_add_be32(&r->held, (uint32_t)rec->payload.len);
                buf_add(&r->held, rec->payload.ptr, rec->payload.len);
                return 0;
        }
        case BUNDLE_REC_ENTRY:
                r->offs[r->n_batch] = r->data.len;
                r->lens[r->n_batch++] = rec->payload.len;
                buf_add(&r->data, rec->payload.ptr, rec->payload.len);
                return r->n_batch == BATCH ? reader_commit(r) : 0;
        case BUNDLE_REC_BLOB:
                return reader_blob(r, rec->payload);
        default:
                r->out->skipped++; /* extensions: BUNDLE.md §4 */
                return 0;
        }
}

/* Takes the whole records decrypted so far. */
static int
reader_records(struct reader *r)
{
        struct bundle_rec rec;
        size_t used;
        int rc, err;

        for (;;) {
                rc = wire_bundle_rec_next(
                    slice_make(r->plain.data + r->used, r->plain.len - r->used),
                    &rec, &used);
                if (rc <= 0)
                        break;
                r->used += used;
                if ((err = reader_record(r, &rec)))
                        return err;
        }
        if (rc < 0)
                return rc;
        memmove(r->plain.data, r->plain.data + r->used, r->plain.len - r->used);
        r->plain.len -= r->used;
        r->used = 0;
        return 0;
}

static int
reader_chunks(struct reader *r)
{
        uint8_t prefix[BUNDLE_CHUNK_LEN_BYTES];
        uint32_t len;
        int err, c;

        while (!r->final) {
                if ((err = reader_read(r, prefix, sizeof(prefix))))
                        return err;
                len = be32_get(prefix);
                if (len < SEALSTREAM_ABYTES ||
                    len > SEALSTREAM_CHUNK_MAX + SEALSTREAM_ABYTES)
                        return ERR_BUNDLE_TAMPERED;
                buf_reset(&r->ct);
                buf_grow(&r->ct, len);
                if ((err = reader_read(r, r->ct.data, len)))
                        return err;
                r->ct.len = len;
                if ((err = sealstream_pull(r->ss, buf_slice(&r->ct), &r->plain,
                                           &r->final)) ||
                    (err = reader_records(r)))
                        return err;
        }
        if (r->plain.len || r->blob.open)
                return ERR_BUNDLE; /* a record, or a blob, cut by the end */
        if ((c = fgetc(r->f)) != EOF)
                return ERR_BUNDLE_TAMPERED; /* bytes after the final chunk */
        return ferror(r->f) ? -EIO : 0;
}

/* The sender, once its entries are in: certified and not revoked? */
static int
reader_sender(struct reader *r)
{
        struct buf cert = BUF_INIT;
        struct cert_info c;
        bool revoked = false;
        int err;

        err = replica_peer_cert(&r->n->replica, r->out->from.key, &cert);
        if (!err)
                err = cert_parse(buf_slice(&cert), &c);
        buf_release(&cert);
        if (!err &&
            !(err = replica_revoked(&r->n->replica, r->out->from.key,
                                    &revoked)) &&
            revoked)
                err = ERR_REVOKED;
        if (err)
                return err;
        snprintf(r->from_region, sizeof(r->from_region), "%s", c.region);
        snprintf(r->out->from.region, sizeof(r->out->from.region), "%s",
                 c.region);
        snprintf(r->out->from.name, sizeof(r->out->from.name), "%s", c.name);
        return 0;
}

/* One HELD pair kept, as a link's HELD: for this node's own feeds. */
static int
held_keep(struct reader *r, struct store_txn *t, const char *region,
          const uint8_t *e)
{
        uint8_t key[ENTRY_HASH_BYTES + REGION_BUF];
        size_t rlen = strlen(region);
        struct feed_info fi;
        int err = store_feed_get(t, e, &fi);

        if (err)
                return err == ERR_NOT_FOUND ? 0 : err;
        if (memcmp(fi.author, r->n->key->pk, ENTRY_KEY_BYTES))
                return 0;
        memcpy(key, e, ENTRY_HASH_BYTES);
        memcpy(key + ENTRY_HASH_BYTES, region, rlen);
        return store_index_put(t, SYNC_HELD_TABLE,
                               slice_make(key, ENTRY_HASH_BYTES + rlen),
                               slice_make(e + ENTRY_HASH_BYTES, 8));
}

/*
 * The HELD records (SYNC.md §5.4), under a link's rules: only from a
 * sender above this node, naming a region above the sender; else one
 * log line (PROTO-VIOLATION) and none is kept.
 */
static int
reader_held(struct reader *r, struct store_txn *t)
{
        struct bundle_held h;
        size_t off = 0;
        int err = 0;

        while (!err && off < r->held.len) {
                size_t len = be32_get(r->held.data + off);
                struct slice p = slice_make(r->held.data + off + 4, len);

                off += 4 + len;
                if ((err = wire_bundle_held(p, &h)))
                        break;
                if (!above(r->from_region, r->n->replica.region) ||
                    !above(h.region, r->from_region)) {
                        log_warn(err_id(ERR_PROTOCOL),
                                 "'%s': HELD of %s from %s is not from above: "
                                 "not kept",
                                 r->name, h.region, r->from_region);
                        return 0;
                }
                for (size_t i = 0; i < h.n && !err; i++)
                        err = held_keep(r, t, h.region,
                                        h.heads + i * BUNDLE_HEAD_BYTES);
        }
        return err;
}

/*
 * What the sender holds (its HEADS), as a session's HELLO with base 0
 * (SYNC.md §4): its record of known heads is replaced, for the feeds of
 * the universe this node holds (others cannot be checked and are never
 * stored, §4.1). The next bundle for it starts from there.
 */
static int
reader_heads(struct reader *r)
{
        const uint8_t *key = r->out->from.key;
        struct bundle_heads h;
        struct store_txn *t;
        struct peer_info p;
        struct feed_info fi;
        int err;

        if ((err = wire_bundle_heads(buf_slice(&r->heads), &h)))
                return err;
        if ((err = store_begin(r->n->store, true, &t)))
                return err;
        if ((err = store_peer_get(t, key, &p)) == ERR_NOT_FOUND) {
                memset(&p, 0, sizeof(p));
                memcpy(p.key, key, ENTRY_KEY_BYTES);
                snprintf(p.region, sizeof(p.region), "%s", r->from_region);
                snprintf(p.address, sizeof(p.address), "bundle");
                err = store_peer_put(t, &p);
        }
        if (!err)
                err = store_peer_known_clear(t, key);
        for (size_t i = 0; i < h.n && !err; i++) {
                const uint8_t *e = h.heads + i * BUNDLE_HEAD_BYTES;
                if ((err = store_feed_get(t, e, &fi)) == ERR_NOT_FOUND) {
                        err = 0;
                        continue;
                }
                if (err || !sync_in_universe(r->n->replica.region,
                                             r->from_region, &fi.audience))
                        continue;
                err = store_peer_known_put(t, key, e, be64_get(e + 32));
                r->out->heads++;
        }
        if (!err)
                err = reader_held(r, t);
        if (!err)
                err = app__bundle_blobs_acked(t, key);
        if (err) {
                store_abort(t);
                return err;
        }
        return store_commit(t);
}

static int
reader_start(struct reader *r)
{
        uint8_t magic[BUNDLE_MAGIC_BYTES], hdr[SEALSTREAM_HEADER_BYTES];
        int err;

        if ((err = reader_read(r, magic, sizeof(magic))))
                return err == ERR_BUNDLE_TRUNCATED ? ERR_BUNDLE : err;
        if (!memcmp(magic, BUNDLE_MAGIC, sizeof(magic)))
                return ERR_BUNDLE_PLAIN;
        if (memcmp(magic, BUNDLE2_MAGIC, sizeof(magic)))
                return ERR_BUNDLE;
        if ((err = reader_read(r, hdr, sizeof(hdr))))
                return err;
        memcpy(r->out->to, hdr + SEALSTREAM_TO_OFF, ENTRY_KEY_BYTES);
        return sealstream_open(r->n->key, (const uint8_t *)BUNDLE2_MAGIC, hdr,
                               r->out->from.key, &r->ss);
}

static int
reader_run(struct reader *r)
{
        int err, err2;

        if ((err = reader_start(r)))
                return err;
        /* The sender's region, if held already, for the universe check. */
        if (reader_sender(r))
                r->from_region[0] = 0;
        err = reader_chunks(r);
        /* What was authenticated before a damage is committed: every
         * entry is signed on its own (BUNDLE.md §6). */
        if ((err2 = reader_commit(r)) && !err)
                err = err2;
        if (err)
                return err;
        r->out->complete = true;
        if ((err = reader_sender(r))) {
                r->out->sender_err = err;
                return 0;
        }
        return r->has_heads ? reader_heads(r) : 0;
}

int
app_bundle_import(struct node *n, const char *file, struct app_bundle_in *out,
                  char *err_msg)
{
        struct reader *r = xcalloc(1, sizeof(*r));
        char hex[2 * ENTRY_KEY_BYTES + 1];
        int err;

        memset(out, 0, sizeof(*out));
        r->n = n;
        r->name = file;
        r->out = out;
        if (!(r->f = fopen(file, "rb"))) {
                err = app__fail(err_msg, -errno, "cannot open '%s': %s", file,
                                strerror(errno));
                free(r);
                return err;
        }
        n->replica.threads = 0;
        err = reader_run(r);
        fclose(r->f);
        sealstream_free(r->ss);
        buf_release(&r->ct);
        buf_wipe_release(&r->plain);
        buf_release(&r->data);
        buf_release(&r->heads);
        buf_release(&r->held);
        buf_release(&r->blob.list);
        buf_release(&r->blob.data);
        free(r);
        if (!err)
                return 0;
        id_hex(hex, out->to);
        if (err == ERR_BUNDLE_PLAIN) {
                log_warn(err_id(ERR_BUNDLE),
                         "'%s' is a plain bundle, not "
                         "sealed: nothing imported",
                         file);
                return app__fail(err_msg, ERR_BUNDLE,
                                 "'%s' is a plain bundle (simpul export): "
                                 "import it with 'simpul import'",
                                 file);
        }
        if (err == ERR_BUNDLE_NOT_FOR_ME) {
                log_warn(err_id(err),
                         "'%s' is sealed to node %.16s, not this "
                         "one: nothing imported",
                         file, hex);
                return app__fail(err_msg, err,
                                 "'%s' is for node %.16s..., not this node",
                                 file, hex);
        }
        log_warn(err_id(err),
                 "'%s': %s after %llu records, %llu entries "
                 "committed",
                 file, err_str(err), (unsigned long long)out->records,
                 (unsigned long long)out->sum.stored);
        return app__fail(err_msg, err,
                         "'%s': %s (%llu entries committed "
                         "before it)",
                         file, err_str(err),
                         (unsigned long long)out->sum.stored);
}
