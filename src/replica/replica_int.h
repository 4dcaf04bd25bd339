/* replica internals shared by replica.c and trust.c; not part of the API. */
#ifndef SIMPUL_REPLICA_INT_H
#define SIMPUL_REPLICA_INT_H

#include "replica.h"

/*
 * The certificates and revocations a write transaction holds for the few
 * keys that write in it, each copied out of the store and decoded once
 * (trust.c) instead of once per entry. It answers exactly what the store
 * does: replica__insert empties it whenever it stores a sertifikat or a
 * pencabutan, the only writes to those records in the transaction. One
 * per write transaction; zeroed is empty (replica__trust_init).
 */
#define REPLICA_TRUST_KEYS 16U
struct trust_key;
struct trust_cache {
        struct trust_key *keys; /* REPLICA_TRUST_KEYS, made on first use */
        size_t n, next;         /* keys in use; the next one to replace */
};
void replica__trust_init(struct trust_cache *c);
void replica__trust_release(struct trust_cache *c);

/*
 * Inserts a verified entry at its chain position (store_insert) in write
 * transaction t. When r belongs to a network, the trust rules of
 * proto/MEMBERSHIP.md §8 are checked first, against what t already holds
 * (so a certificate inserted earlier in the same transaction counts), and
 * a freshly stored sertifikat or pencabutan updates the certs / revoked
 * databases in t. tc is t's trust cache (borrowed). Errors: those of
 * store_insert, ERR_UNKNOWN_AUTHOR, ERR_REVOKED, ERR_NOT_ISSUER, ERR_CERT
 * (nothing stored for these).
 */
int replica__insert(struct replica *r, struct store_txn *t,
                    struct trust_cache *tc, const struct entry *e,
                    bool *fresh) WUR;

/*
 * Within one batch a certificate may come after the entries that need it
 * (channel 0 feeds are ordered by feed id, not by issuer). When the batch
 * stored a system entry, re-inserts in batch order the entries refused with
 * ERR_UNKNOWN_AUTHOR, ERR_NOT_ISSUER or ERR_GAP, pass after pass while one
 * succeeds (at most 3), updating results and st. Returns a store error
 * (abort the transaction) or 0.
 */
int replica__retry(struct replica *r, struct store_txn *t,
                   struct trust_cache *tc, const struct entry *es, int *results,
                   size_t n, struct ingest_stats *st) WUR;

/*
 * The KIM views (views.c, proto/KIM.md §6): updates them in write
 * transaction t for the entries es[i] just stored (apply[i] nonzero; apply
 * NULL: all), in the transaction that stored them. Each of them passed
 * kim_check_entry before (replica_check, replica_post, a filled body's
 * check), so its KIM body decodes. Entries of other kinds change nothing.
 * When the views' schema is missing or outdated, recomputes every view
 * from every entry instead. Store errors (abort the transaction).
 */
int replica__views_update(struct store_txn *t, const struct entry *es,
                          const uint8_t *apply, size_t n) WUR;

/*
 * Bodies of pruned entries (views.c, proto/SYNC.md §5.2), in write
 * transaction t. replica__body_wanted: is e's feed and seq a held entry
 * whose body is wanted (pruned, of a KIM kind)? replica__body_filled: e
 * (with its body) was just given to the store (store_fill_body): it is no
 * longer wanted, and the views take it as a newly stored entry.
 * replica__body_refused: a body received for (feed, seq) broke the rules
 * with `why`: it is not wanted again. replica__body_filled also writes
 * e's outbox row (outbox_kinds, as replica__outbox_add). Store errors.
 */
int replica__body_wanted(struct store_txn *t, const struct entry *e,
                         bool *wanted) WUR;
int replica__body_filled(struct store_txn *t, const struct entry *e,
                         uint32_t outbox_kinds) WUR;
int replica__body_refused(struct store_txn *t,
                          const uint8_t feed[ENTRY_HASH_BYTES], uint64_t seq,
                          int why) WUR;

/*
 * The blobs e's attachments reference (blobrefs.c, proto/BLOBS.md §2),
 * recorded in write transaction t; entries without a body or of other
 * kinds change nothing. Store errors.
 */
int replica__blob_refs(struct store_txn *t, const struct entry *e) WUR;

/*
 * The webhooks' outbox (outbox.c): a row for each es[i] stored now
 * (apply[i] nonzero; apply NULL: all) that has its body and whose kind's
 * bit is set in kinds, in write transaction t. kinds 0: nothing, not even
 * a read. Store errors.
 */
int replica__outbox_add(struct store_txn *t, const struct entry *es,
                        const uint8_t *apply, size_t n, uint32_t kinds) WUR;

#endif
