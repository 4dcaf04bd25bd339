/*
 * replica: the node's change log as a whole — posting local entries,
 * ingesting remote ones, re-verifying the store. It composes entry (crypto),
 * store (LMDB) and region (rules) and uses no library of its own.
 *
 * Every remote entry goes through replica_ingest(), whichever way it came
 * (a bundle file, a sync link): verify, check entitlement, insert in chain
 * order, commit the batch in one transaction, and only then report it
 * stored. A refused entry gets one log line with its stable error id; the
 * valid entries of the same batch are still stored.
 */
#ifndef SIMPUL_REPLICA_H
#define SIMPUL_REPLICA_H

#include "../base/base.h"
#include "../entry/entry.h"
#include "../store/store.h"

#define REPLICA_BATCH_MAX 4096U

struct replica {
        struct store *store;   /* borrowed */
        const struct key *key; /* borrowed; NULL: read-only use */
        char region[REGION_BUF];
        unsigned threads; /* checking threads per batch; 0: one per core */
        /*
         * Membership (proto/MEMBERSHIP.md): when has_network is set, every
         * entry must pass the network's trust rules before it is stored
         * (authors certified for their region, revocations, issuers).
         * Without a network nothing is checked beyond SPEC.md.
         */
        bool has_network;
        struct network network; /* valid if has_network */
        /*
         * Webhooks (docs/WEBHOOKS.md): bit k set, each entry of kind k
         * stored with its body (or given its body later) gets an outbox
         * row in the transaction that stores it. 0: no outbox, no cost.
         */
        uint32_t outbox_kinds;
};

/* One local post. */
struct post {
        struct audience audience;
        uint32_t kind;
        struct slice body;     /* a msgpack map */
        uint64_t timestamp_ms; /* 0: now */
        /*
         * NULL: body is the body. Else the body depends on the entry's
         * place (its sealed values are bound to it, KIM.md §4): called
         * once that place is known, inside the write transaction that
         * appends the entry, so no other post can take it in between. It
         * sets *body (valid until replica_post returns) instead of body;
         * it must not use the store. A nonzero return fails the call,
         * nothing of it is stored, and is returned.
         */
        int (*body_at)(void *arg, const struct seal_ctx *at,
                       struct slice *body);
        void *arg; /* for body_at; borrowed */
        /* timestamp_ms is the operator's word (a backdated report), not
         * this node's clock: it does not raise the node's clock floor
         * (meta own_ts, node_time). */
        bool given_ts;
};

/*
 * Signs and appends posts[0..n) to this node's feeds in one transaction
 * (each feed chained to its head at that moment). ids (n * 32 bytes, may be
 * NULL) receive the entry ids. Errors: ERR_AUTHOR_RULE, ERR_KIND, ERR_BODY,
 * ERR_TOO_BIG (nothing stored), a body_at's error, ERR_FROZEN, store errors; in
 * a network also ERR_NOT_ENROLLED (this node holds no certificate of its own),
 * ERR_REVOKED, ERR_NOT_ISSUER and ERR_CERT (the trust rules).
 */
int replica_post(struct replica *r, const struct post *posts, size_t n,
                 uint8_t *ids) WUR;
/*
 * replica_post signing as key k (borrowed) with author region `region`:
 * the kabupaten posts system entries as the network root. Same errors,
 * with ERR_UNKNOWN_AUTHOR when k holds no certificate for region.
 */
int replica_post_as(struct replica *r, const struct key *k, const char *region,
                    const struct post *posts, size_t n, uint8_t *ids) WUR;

struct ingest_stats {
        uint64_t stored;  /* new entries committed */
        uint64_t had;     /* already held: idempotent */
        uint64_t refused; /* refused with an error (logged) */
        int first_error;  /* the first refusal's error, or 0 */
};

/*
 * Verifies and stores a batch of untrusted entries (n <= REPLICA_BATCH_MAX)
 * in one transaction. The per-entry checks (signature above all) run on up
 * to one thread per core; the chain checks and the commit run here, in
 * order. results (may be NULL) gets per-entry 0 or error.
 * `source` names where the bytes came from, for log lines. Returns 0 when
 * the batch committed (even if some entries were refused: see stats), or a
 * store error (nothing of this batch stored).
 */
int replica_ingest(struct replica *r, const struct slice *entries, size_t n,
                   const char *source, int *results,
                   struct ingest_stats *stats) WUR;

/*
 * The two halves of replica_ingest, for callers that overlap checking one
 * batch with committing the one before (the commit mostly waits on fsync):
 * replica_check runs the per-entry checks (on up to one thread per core;
 * it may be called from any thread and touches no store); replica_commit
 * inserts the entries whose result is 0 in one write transaction, sets
 * the results of chain refusals, commits, then logs every refusal. Only one
 * replica_commit may run at a time. es and the entries must stay valid
 * until replica_commit returns.
 */
void replica_check(const struct replica *r, const struct slice *entries,
                   size_t n, struct entry *es, int *results);
int replica_commit(struct replica *r, const struct slice *entries,
                   const struct entry *es, int *results, size_t n,
                   const char *source, struct ingest_stats *stats) WUR;
/*
 * replica_check's per-entry checks of n entries on the calling thread
 * alone, for a caller that spreads batches over threads of its own (the
 * daemon's pipeline, on libuv's pool: no thread started per batch).
 * Parts of one batch may run at once. ids (may be NULL): n ids of entries
 * the caller encoded itself (entry_open_built), not hashed again.
 * replica_check_threads: how many threads the checks may use (the
 * replica's setting, or one per core).
 */
void replica_check_part(const struct replica *r, const struct slice *entries,
                        const uint8_t *ids, size_t n, struct entry *es,
                        int *results);
unsigned replica_check_threads(const struct replica *r);
/*
 * More writes of the caller's for a batch's transaction (a sync peer's
 * record, the daemon's notes): fn runs in write transaction t before the
 * entries are inserted, on the committing thread; its error aborts the
 * transaction and is returned as the batch's.
 */
struct replica_also {
        int (*fn)(void *ctx, struct store_txn *t);
        void *ctx;
};

/*
 * replica_commit for entries received from a sync peer (key, borrowed):
 * in the same transaction, records that the peer holds each feed up to the
 * last entry of it stored or held (proto/SYNC.md §5), and runs also (may
 * be NULL; borrowed for the call). n may be 0: then only also is
 * committed.
 */
int replica_commit_from(struct replica *r, const uint8_t *peer,
                        const struct slice *entries, const struct entry *es,
                        int *results, size_t n, const char *source,
                        const struct replica_also *also,
                        struct ingest_stats *stats) WUR;

/* ---- bodies of pruned entries (proto/SYNC.md §5.2, KIM.md §7) ----------
 *
 * An entry of a KIM kind (1..9) received pruned is stored so, and its body
 * is wanted from the peers: it is listed by replica_bodies_wanted until a
 * body arrives that matches the signed body_len and body_hash and passes
 * the rules (replica_fill_body). A full copy of the entry received later
 * (a bundle, a link) fills it too (replica_commit).
 */

/* A visitor of (feed id, seq); a nonzero return stops the walk. */
typedef int (*replica_body_fn)(void *ctx, const uint8_t feed[ENTRY_HASH_BYTES],
                               uint64_t seq);
/*
 * Visits the held entries whose body is wanted, in (feed id, seq) order,
 * from just after (after_feed, after_seq) (after_feed NULL: from the
 * first), in transaction t: pruned, of a KIM kind, and no body received
 * for it was refused. Returns what fn returned to stop, or store errors.
 */
int replica_bodies_wanted(struct store_txn *t, const uint8_t *after_feed,
                          uint64_t after_seq, replica_body_fn fn,
                          void *ctx) WUR;
/* A counter that grows in every transaction that makes a body wanted: a
 * walk of replica_bodies_wanted is complete while it stays. Store errors. */
int replica_bodies_gen(struct store_txn *t, uint64_t *gen) WUR;
/*
 * A body for the held entry at (feed, seq), received from `source` (for
 * log lines): checked against the entry's signed body_len and body_hash,
 * then as part of a received entry (SPEC.md §5.1 check 6, the KIM checks
 * of KIM.md §7), then stored in place (store_fill_body) with the views in
 * one write transaction. *filled says whether it was stored now; an entry
 * not held, or holding its body already, changes nothing (0). Errors:
 * ERR_BODY_HASH (not the signed body: nothing stored, nothing logged);
 * ERR_BODY, ERR_KIM_BODY, ERR_KIM_AUDIENCE, ERR_KIM_ROLE (the author's
 * body breaks the rules: logged once, not stored, and not wanted again);
 * store errors.
 */
int replica_fill_body(struct replica *r, const uint8_t feed[ENTRY_HASH_BYTES],
                      uint64_t seq, struct slice body, const char *source,
                      bool *filled) WUR;

/* ---- attachments (proto/BLOBS.md) ----------------------------------------
 *
 * Entries that reference blobs record it in the transaction that stores
 * them (store_blob_ref, from the views' pass); the sync fetches and checks
 * the blobs, and stores each checked part with replica_blob_put.
 */

/*
 * Stores checked parts of blob root (size bytes) in one write
 * transaction: its hash list (index -1), or count chunks from index on,
 * data holding them one after another. *whole: the blob is whole now.
 * Store errors.
 */
int replica_blob_put(struct replica *r, const uint8_t root[32], uint64_t size,
                     int32_t index, uint32_t count, struct slice data,
                     bool *whole) WUR;
/*
 * Stores a whole blob (data borrowed, hashed here: list and root) in one
 * write transaction, before the entry that references it is posted: a
 * crash between the two leaves a blob no entry references, which
 * replica_blobs_gc collects. root receives the root. ERR_BLOB_TOO_BIG,
 * ERR_USAGE (empty), store errors.
 */
int replica_blob_add(struct replica *r, struct slice data,
                     uint8_t root[32]) WUR;
/* Collects every blob no entry references: *n blobs, *bytes freed. */
int replica_blobs_gc(struct replica *r, uint64_t *n, uint64_t *bytes) WUR;

/* ---- membership: peers' certificates (proto/MEMBERSHIP.md §8.3) ---- */

/*
 * Validates the certificate a peer presents at the handshake and stores it
 * (with issuer_cert) if newer than the one held, in its own write
 * transaction. Checks: the chain in this network (cert_verify), the
 * validity periods of both certificates against clock (cert_check_clock;
 * NULL: not checked), that it certifies node_pk, that node_pk is
 * not revoked, and that a delegated issuer is not revoked (unless this very
 * certificate is already held). issuer_cert.ptr is NULL when there is none.
 * Fills out on success. Errors: ERR_NOT_ENROLLED (this node has no
 * network), ERR_NETWORK, ERR_CERT, ERR_CERT_EXPIRED, ERR_REVOKED, store
 * errors.
 */
int replica_check_peer(struct replica *r,
                       const uint8_t node_pk[ENTRY_KEY_BYTES],
                       struct slice cert, struct slice issuer_cert,
                       const struct cert_clock *clock,
                       struct cert_info *out) WUR;
/*
 * The highest seq of feed f (as held: head_seq) that this node offers a
 * peer (SYNC.md §5): what it would accept itself now. 0 when the author
 * holds no certificate for its region (a CERT-CONFLICT, say); the cutoff
 * of a revoked author, or one less when the entry held there is not the
 * revoker's; else head_seq. t: a read transaction. Store errors.
 */
int replica_offer_limit(const struct replica *r, struct store_txn *t,
                        const struct feed_info *f, uint64_t *max_seq) WUR;
/*
 * Does a peer accepted at a handshake still stand, against what the store
 * holds now (MEMBERSHIP.md §8.3 step 4)? node_pk is not revoked, and its
 * certificate's issuer issuer_pk, unless the root, is not revoked or the
 * certificate held for node_pk is the one the peer presented (cert_hash:
 * BLAKE2b-256 of its bytes). 0 when r has no network. Errors: ERR_REVOKED,
 * store errors.
 */
int replica_peer_standing(struct replica *r,
                          const uint8_t node_pk[ENTRY_KEY_BYTES],
                          const uint8_t issuer_pk[ENTRY_KEY_BYTES],
                          const uint8_t cert_hash[ENTRY_HASH_BYTES]) WUR;
/* Copies the certificate held for pk into out (replacing its contents).
 * ERR_NOT_FOUND if none is held; store errors. */
int replica_peer_cert(struct replica *r, const uint8_t pk[ENTRY_KEY_BYTES],
                      struct buf *out) WUR;
/* Is pk revoked (a pencabutan naming it is held)? Store errors. */
int replica_revoked(struct replica *r, const uint8_t pk[ENTRY_KEY_BYTES],
                    bool *revoked) WUR;

/* One problem found by replica_verify. */
struct verify_problem {
        uint8_t feed[ENTRY_HASH_BYTES];
        uint64_t seq;
        int err;
        const char *what;
};
typedef void (*verify_report_fn)(void *ctx, const struct verify_problem *p);

struct verify_stats {
        uint64_t feeds;
        uint64_t entries;
        uint64_t problems;
};

/*
 * Re-checks every stored entry (signature, body hash, canonical form) and
 * every chain (seq contiguous from 1, prev = id of the previous entry, head
 * record = last entry, feed id = descriptor hash). Reports each problem.
 * Returns 0 if the walk completed (see stats->problems), or a store error.
 */
int replica_verify(struct replica *r, verify_report_fn fn, void *ctx,
                   struct verify_stats *stats) WUR;

/* ---- KIM views (views.c, proto/KIM.md §6) -------------------------------
 *
 * The views (report, by status, announcements, revision) live in the
 * store's index tables and change in the transaction that stores the
 * entries they come from (replica_post, replica_commit).
 */

/*
 * Recomputes every view from the entries held, in one write transaction
 * (simpul views rebuild). *entries (may be NULL) gets the entries read.
 * Store errors.
 */
int replica_views_rebuild(struct replica *r, uint64_t *entries) WUR;
/*
 * Rebuilds the views when their schema is missing or outdated (a store
 * made before them, or by an older version); *rebuilt says whether it did.
 * Needs a writable store when it must rebuild (ERR_USAGE). Store errors.
 */
int replica_views_ensure(struct replica *r, bool *rebuilt) WUR;

/*
 * Reading the views in a transaction t (values are copied out). The view
 * record of a report: v->timeline owned (wire_report_view_release).
 * ERR_KIM_NOT_FOUND (no report of that id is held), ERR_STORE_CORRUPT.
 */
int replica_report_view(struct store_txn *t, const uint8_t id[ENTRY_HASH_BYTES],
                        struct wire_report_view *v) WUR;
/* The accepted revision of an announcement; ERR_KIM_NOT_FOUND if none. */
int replica_revision_view(struct store_txn *t,
                          const uint8_t id[ENTRY_HASH_BYTES],
                          struct wire_revision_view *v) WUR;
/* A visitor of ids; a nonzero return stops the walk and is returned. */
typedef int (*replica_id_fn)(void *ctx, const uint8_t id[ENTRY_HASH_BYTES]);
/*
 * The ids of the entries held that name entry id (a status or tanggapan
 * its report, a revisi its announcement, a revisi_keputusan its revisi),
 * in id order, to fn (nonzero stops and is returned). Store errors.
 */
int replica_refs_scan(struct store_txn *t, const uint8_t id[ENTRY_HASH_BYTES],
                      replica_id_fn fn, void *ctx) WUR;
/*
 * The reports newest first (report time, then id), of one state (NULL:
 * all), from just after report `after` (NULL: the newest). Errors:
 * ERR_KIM_NOT_FOUND (after is no report held), ERR_USAGE (bad state).
 */
int replica_reports_scan(struct store_txn *t, const char *state,
                         const uint8_t *after, replica_id_fn fn, void *ctx) WUR;
/* A visitor of a report's state, time and id; nonzero stops the walk. */
typedef int (*replica_state_fn)(void *ctx, const char *state, uint64_t ts,
                                const uint8_t id[ENTRY_HASH_BYTES]);
/*
 * Every report held, by state name then report time (the by-status view),
 * without reading its view record: for counting. Returns what fn returned
 * to stop, ERR_STORE_CORRUPT, or store errors.
 */
int replica_reports_states(struct store_txn *t, replica_state_fn fn,
                           void *ctx) WUR;
struct kim_dash_rec; /* kim/dash.h */
/* A visitor of a report's dashboard record (kim/dash.h; r valid during
 * the call only); nonzero stops the walk. */
typedef int (*replica_dash_fn)(void *ctx, const uint8_t id[ENTRY_HASH_BYTES],
                               const struct kim_dash_rec *r);
/*
 * Every report's dashboard record (the kim_dash view table, written with
 * each report view), in report id order: one pass over small fixed-size
 * records for the dashboard's aggregates. Returns what fn returned to
 * stop, ERR_STORE_CORRUPT (a record that does not decode), or store
 * errors.
 */
int replica_dash_scan(struct store_txn *t, replica_dash_fn fn, void *ctx) WUR;
/* A visitor of an announcement's author region and time. */
typedef int (*replica_dash_ann_fn)(void *ctx, const char *region, uint64_t ts);
/* Every informasi and peringatan, in time order, with its author region
 * (the kim_dash_ann view table): the dashboard's KIM activity without
 * reading an entry. Errors as replica_dash_scan. */
int replica_dash_ann_scan(struct store_txn *t, replica_dash_ann_fn fn,
                          void *ctx) WUR;
/* The informasi and peringatan newest first, of one audience in text form
 * (NULL: all), from just after `after`. Errors as above. */
int replica_announcements_scan(struct store_txn *t, const char *audience,
                               const uint8_t *after, replica_id_fn fn,
                               void *ctx) WUR;
/* Every record of every view table, table by table in key order: what
 * nodes holding the same entries hold byte for byte (tests). */
int replica_views_dump(struct store_txn *t, store_index_fn fn, void *ctx) WUR;

/* ---- the webhooks' outbox (outbox.c, docs/WEBHOOKS.md) -------------------
 *
 * One row per event, in commit order: seq (1, 2, ...) -> the entry that
 * caused it and its kind. Written by the transactions that store entries
 * (replica.outbox_kinds), read by simpul webhooks.
 */
struct replica_event {
        uint64_t seq;
        uint8_t id[ENTRY_HASH_BYTES];
        uint32_t kind;
};
typedef int (*replica_outbox_fn)(void *ctx, const struct replica_event *ev);
/* Visits the rows after seq `after` in seq order, in transaction t, until
 * fn returns nonzero (returned). ERR_STORE_CORRUPT, store errors. */
int replica_outbox_scan(struct store_txn *t, uint64_t after,
                        replica_outbox_fn fn, void *ctx) WUR;
/* The last row's seq (0: none). Store errors. */
int replica_outbox_last(struct store_txn *t, uint64_t *seq) WUR;

#endif
