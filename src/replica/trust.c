/*
 * trust: who may write what in a network (proto/MEMBERSHIP.md §7-§8), and
 * the certificates peers present at the handshake.
 *
 * The rules are checked inside the write transaction that inserts the
 * entry, against what that transaction already holds: a certificate stored
 * earlier in the same batch counts. A freshly stored sertifikat or
 * pencabutan updates the certs / revoked databases in the same transaction
 * as the entry. A node without a network (r->has_network false) checks
 * nothing here.
 */
#include <stdlib.h>
#include <string.h>

#include "replica_int.h"

static bool
is_root(const struct replica *r, const uint8_t pk[ENTRY_KEY_BYTES])
{
        return !memcmp(pk, r->network.desc.root_pk, ENTRY_KEY_BYTES);
}

static bool
is_system(uint32_t kind)
{
        return kind == KIND_SERTIFIKAT || kind == KIND_PENCABUTAN;
}

static int
corrupt(const char *what, const uint8_t pk[ENTRY_KEY_BYTES])
{
        char hex[2 * ENTRY_KEY_BYTES + 1];

        id_hex(hex, pk);
        log_error("STORE-CORRUPT", "%s (node %.16s)", what, hex);
        return ERR_STORE_CORRUPT;
}

/* The certificate held for pk, decoded (verified when it was stored). */
static int
held_cert(struct store_txn *t, const uint8_t pk[ENTRY_KEY_BYTES],
          struct cert_info *c)
{
        struct buf b = BUF_INIT;
        int err = store_cert_get(t, pk, &b);

        if (!err && cert_parse(buf_slice(&b), c))
                err = corrupt("stored certificate does not decode", pk);
        buf_release(&b);
        return err;
}

/* The revocation held for pk: ERR_NOT_FOUND, or 0 and *p (owned: release
 * with wire_pencabutan_release; it borrows from b, which the caller
 * releases after it). */
static int
held_revocation(struct store_txn *t, const uint8_t pk[ENTRY_KEY_BYTES],
                struct buf *b, struct pencabutan *p)
{
        int err = store_revocation_get(t, pk, b);

        memset(p, 0, sizeof(*p));
        if (!err && wire_pencabutan_decode(buf_slice(b), p))
                err = corrupt("stored revocation does not decode", pk);
        return err;
}

/*
 * ERR_REVOKED if entry e (NULL: any, as at a handshake) of a key revoked by
 * p lies outside its cutoff (MEMBERSHIP.md §7.2): in a feed not listed,
 * past last_seq, or at last_seq with another id than last_id. Below
 * last_seq an entry cannot be told from an alternative yet: it passes (see
 * §7.2).
 */
static int
revocation_cutoff(const struct pencabutan *p, const struct entry *e)
{
        const struct revoke_feed *rf =
            e ? wire_pencabutan_find(p, e->feed) : NULL;

        if (!rf || e->h.seq > rf->last_seq ||
            (e->h.seq == rf->last_seq &&
             memcmp(e->id, rf->last_id, ENTRY_HASH_BYTES)))
                return ERR_REVOKED;
        return 0;
}

/* revocation_cutoff against the revocation t holds for pk, if any. */
static int
revocation_check(struct store_txn *t, const uint8_t pk[ENTRY_KEY_BYTES],
                 const struct entry *e)
{
        struct buf b = BUF_INIT;
        struct pencabutan p;
        int err = held_revocation(t, pk, &b, &p);

        if (!err)
                err = revocation_cutoff(&p, e);
        else if (err == ERR_NOT_FOUND)
                err = 0;
        wire_pencabutan_release(&p);
        buf_release(&b);
        return err;
}

/* ---- the trust cache of a write transaction --------------------------------
 */

struct trust_key {
        uint8_t pk[ENTRY_KEY_BYTES];
        int cert_err; /* 0 (cert held) or ERR_NOT_FOUND */
        struct cert_info cert;
        bool rev_read; /* rev_err and rev are known */
        int rev_err;   /* 0 (rev held) or ERR_NOT_FOUND */
        struct pencabutan rev;
        struct buf rev_bytes; /* rev borrows from it */
};

void
replica__trust_init(struct trust_cache *c)
{
        memset(c, 0, sizeof(*c));
}

static void
trust_key_release(struct trust_key *k)
{
        wire_pencabutan_release(&k->rev);
        buf_release(&k->rev_bytes);
        memset(k, 0, sizeof(*k));
}

/* Forgets every key: t now holds other certificates or revocations. */
static void
trust_clear(struct trust_cache *c)
{
        for (size_t i = 0; i < c->n; i++)
                trust_key_release(&c->keys[i]);
        c->n = c->next = 0;
}

void
replica__trust_release(struct trust_cache *c)
{
        trust_clear(c);
        free(c->keys);
        replica__trust_init(c);
}

/* The key pk in c, its certificate read from t the first time (*k borrows
 * from c until the next call). Store errors (nothing kept). */
static int
trust_key(struct trust_cache *c, struct store_txn *t,
          const uint8_t pk[ENTRY_KEY_BYTES], struct trust_key **k)
{
        struct trust_key *slot;
        struct cert_info cert;
        int err;

        for (size_t i = 0; i < c->n; i++) {
                if (!memcmp(c->keys[i].pk, pk, ENTRY_KEY_BYTES)) {
                        *k = &c->keys[i];
                        return 0;
                }
        }
        err = held_cert(t, pk, &cert);
        if (err && err != ERR_NOT_FOUND)
                return err;
        if (!c->keys)
                c->keys = xcalloc(REPLICA_TRUST_KEYS, sizeof(*c->keys));
        if (c->n < REPLICA_TRUST_KEYS) {
                slot = &c->keys[c->n++];
        } else {
                slot = &c->keys[c->next];
                c->next = (c->next + 1) % REPLICA_TRUST_KEYS;
                trust_key_release(slot);
        }
        memcpy(slot->pk, pk, ENTRY_KEY_BYTES);
        slot->cert_err = err;
        if (!err)
                slot->cert = cert;
        *k = slot;
        return 0;
}

/* k's revocation, read from t the first time. Store errors. */
static int
trust_revocation(struct store_txn *t, struct trust_key *k)
{
        int err;

        if (k->rev_read)
                return 0;
        err = held_revocation(t, k->pk, &k->rev_bytes, &k->rev);
        if (err && err != ERR_NOT_FOUND) {
                wire_pencabutan_release(&k->rev);
                buf_reset(&k->rev_bytes);
                return err;
        }
        k->rev_err = err;
        k->rev_read = true;
        return 0;
}

int
replica_offer_limit(const struct replica *r, struct store_txn *t,
                    const struct feed_info *f, uint64_t *max_seq)
{
        const struct revoke_feed *rf;
        struct buf b = BUF_INIT;
        struct pencabutan p;
        struct cert_info c;
        struct entry e;
        int err;

        *max_seq = f->head_seq;
        if (!r->has_network || is_root(r, f->author))
                return 0;
        err = held_cert(t, f->author, &c);
        if (err == ERR_NOT_FOUND ||
            (!err && strcmp(c.region, f->author_region))) {
                *max_seq = 0; /* no certificate held (a conflict, say) */
                return 0;
        }
        if (err)
                return err;
        err = held_revocation(t, f->author, &b, &p);
        if (err == ERR_NOT_FOUND) {
                err = 0;
        } else if (!err) {
                rf = wire_pencabutan_find(&p, f->id);
                *max_seq = rf && rf->last_seq < *max_seq ? rf->last_seq
                           : rf                          ? *max_seq
                                                         : 0;
                /* Held past the cutoff under another id: stop before it. */
                if (rf && rf->last_seq <= f->head_seq) {
                        buf_reset(&b);
                        if (!(err = store_get(t, f->id, rf->last_seq, &b)) &&
                            !(err = entry_parse(buf_slice(&b), &e)) &&
                            memcmp(e.id, rf->last_id, ENTRY_HASH_BYTES))
                                *max_seq = rf->last_seq - 1;
                }
        }
        wire_pencabutan_release(&p);
        buf_release(&b);
        return err;
}

/*
 * The author's standing: the root writing as the network's region, or a
 * key whose held certificate binds it to exactly author_region; and not
 * revoked past the cutoff of this feed. *ac gets the certificate.
 */
static int
author_check(const struct replica *r, struct store_txn *t,
             struct trust_cache *tc, const struct entry *e,
             struct cert_info *ac)
{
        struct trust_key *k;
        int err;

        memset(ac, 0, sizeof(*ac));
        if (is_root(r, e->h.author))
                return strcmp(e->h.author_region, r->network.desc.region)
                           ? ERR_UNKNOWN_AUTHOR
                           : 0;
        if ((err = trust_key(tc, t, e->h.author, &k)))
                return err;
        if (k->cert_err == ERR_NOT_FOUND)
                return ERR_UNKNOWN_AUTHOR;
        *ac = k->cert;
        if (strcmp(ac->region, e->h.author_region) ||
            memcmp(ac->network_id, r->network.id, ENTRY_HASH_BYTES))
                return ERR_UNKNOWN_AUTHOR;
        if ((err = trust_revocation(t, k)))
                return err;
        return k->rev_err == ERR_NOT_FOUND ? 0 : revocation_cutoff(&k->rev, e);
}

/* May this author certify or revoke a node of `region`? */
static int
may_issue(bool root, const struct cert_info *ac, const char *region)
{
        if (root)
                return 0;
        return (ac->flags & CERT_FLAG_ISSUER) &&
                       region_covers(ac->region, region)
                   ? 0
                   : ERR_NOT_ISSUER;
}

/*
 * The body of a system entry, decoded once by the checks and then applied:
 * a sertifikat's certificates (borrowed from the entry) with their decoded
 * bodies, or a pencabutan (owned: release with system_body_release).
 */
struct system_body {
        struct slice cert, issuer_cert; /* issuer_cert.ptr NULL: none */
        struct cert_info c, ic;         /* ic zeroed without issuer_cert */
        struct pencabutan p;
};

static void
system_body_release(struct system_body *sb)
{
        wire_pencabutan_release(&sb->p);
}

static int
sertifikat_check(const struct replica *r, const struct entry *e, bool root,
                 const struct cert_info *ac, struct system_body *sb)
{
        if (wire_sertifikat_decode(e->env.body, &sb->cert, &sb->issuer_cert) ||
            cert_verify(&r->network, sb->cert, sb->issuer_cert, 0, &sb->c,
                        &sb->ic))
                return ERR_CERT;
        /* The entry is its issuer's statement: nobody posts another's. */
        if (memcmp(sb->c.issuer_pk, e->h.author, ENTRY_KEY_BYTES))
                return ERR_NOT_ISSUER;
        return may_issue(root, ac, sb->c.region);
}

static int
pencabutan_check(const struct replica *r, struct store_txn *t,
                 struct trust_cache *tc, const struct entry *e, bool root,
                 const struct cert_info *ac, struct system_body *sb)
{
        const struct pencabutan *p = &sb->p;
        struct trust_key *subject;
        int err;

        if (wire_pencabutan_decode(e->env.body, &sb->p))
                return ERR_CERT;
        if (is_root(r, p->node)) {
                err = ERR_CERT; /* the root key cannot be revoked */
        } else if (!root) {
                /* A delegated issuer revokes only nodes known in its
                 * subtree. */
                err = trust_key(tc, t, p->node, &subject);
                if (!err && subject->cert_err == ERR_NOT_FOUND)
                        err = ERR_NOT_ISSUER;
                else if (!err)
                        err = may_issue(false, ac, subject->cert.region);
        } else {
                err = 0;
        }
        return err;
}

/* The trust rules for e; a system entry's body decoded into sb (release
 * it, also on error). */
static int
trust_check(const struct replica *r, struct store_txn *t,
            struct trust_cache *tc, const struct entry *e,
            struct system_body *sb)
{
        bool root = is_root(r, e->h.author);
        struct cert_info ac;
        int err;

        if ((err = author_check(r, t, tc, e, &ac)) || !is_system(e->h.kind))
                return err;
        if (!root && !(ac.flags & CERT_FLAG_ISSUER))
                return ERR_NOT_ISSUER;
        /* System entries are never pruned: their content must be checked. */
        if (!e->env.has_body)
                return ERR_CERT;
        if (e->h.kind == KIND_SERTIFIKAT)
                return sertifikat_check(r, e, root, &ac, sb);
        return pencabutan_check(r, t, tc, e, root, &ac, sb);
}

/* ---- applying stored system entries --------------------------------------
 */

/* ---- which certificate is held (MEMBERSHIP.md §4.3) ---------------------
 */

static int
slice_cmp(struct slice a, struct slice b)
{
        int d = memcmp(a.ptr, b.ptr, a.len < b.len ? a.len : b.len);

        if (d)
                return d;
        return a.len < b.len ? -1 : a.len > b.len;
}

/* Of two certificates by one issuer for one key, is a the renewal? Later
 * valid_until, then later valid_from, then bytewise greater: a total
 * order. */
static bool
cert_newer(const struct cert_info *a, struct slice ab,
           const struct cert_info *b, struct slice bb)
{
        if (a->valid_until_ms != b->valid_until_ms)
                return a->valid_until_ms > b->valid_until_ms;
        if (a->valid_from_ms != b->valid_from_ms)
                return a->valid_from_ms > b->valid_from_ms;
        return slice_cmp(ab, bb) > 0;
}

static void
conflict_log(const struct cert_info *held, const struct cert_info *c,
             bool quarantined)
{
        char node[2 * ENTRY_KEY_BYTES + 1], i1[2 * ENTRY_KEY_BYTES + 1],
            i2[2 * ENTRY_KEY_BYTES + 1];

        id_hex(node, c->node_pk);
        id_hex(i1, held->issuer_pk);
        id_hex(i2, c->issuer_pk);
        log_error("CERT-CONFLICT",
                  "node %.16s: certified for %s by %.16s and for %s by "
                  "%.16s; %s",
                  node, held->region, i1, c->region, i2,
                  quarantined ? "no certificate is held until the root "
                                "certifies it"
                              : "the root's certificate stays held");
}

/*
 * Holds a verified certificate, or not (MEMBERSHIP.md §4.3). What is held
 * depends only on the set of valid certificates seen for the key, never on
 * their order:
 *   - a certificate by the root outranks every delegated one; of two by
 *     the root the newer is held;
 *   - delegated certificates are held while all of them have one issuer
 *     and one region (the newer is held: a renewal);
 *   - two delegated certificates with another issuer or region, and no
 *     root certificate: none is held (a conflict record keeps both) until
 *     the root certifies the key.
 * cert is the certificate's bytes, c its decoded body (cert_verify's).
 * *conflict says that c conflicts with what the node holds.
 */
static int
cert_hold(const struct replica *r, struct store_txn *t, struct slice cert,
          const struct cert_info *c, bool *conflict)
{
        struct buf held = BUF_INIT, other = BUF_INIT;
        struct cert_info h;
        bool c_root, h_root;
        int err;

        *conflict = false;
        c_root = is_root(r, c->issuer_pk);
        err = store_cert_get(t, c->node_pk, &held);
        if (err == ERR_NOT_FOUND) {
                err = store_cert_conflict_get(t, c->node_pk, &held, &other);
                if (err == ERR_NOT_FOUND)
                        err = store_cert_set(t, cert); /* the first one */
                else if (!err && c_root)
                        err = store_cert_set(t, cert); /* the root decides */
                else if (!err)
                        *conflict = true; /* stays in conflict */
                goto out;
        }
        if (err)
                goto out;
        if (cert_parse(buf_slice(&held), &h)) {
                err = corrupt("stored certificate does not decode", c->node_pk);
                goto out;
        }
        h_root = is_root(r, h.issuer_pk);
        if (c_root && (!h_root || cert_newer(c, cert, &h, buf_slice(&held)))) {
                err = store_cert_set(t, cert);
        } else if (c_root || h_root) {
                /* The root's certificate stays; another region is evidence
                 * against the delegated issuer. */
                if ((*conflict = strcmp(c->region, h.region) != 0))
                        conflict_log(&h, c, false);
        } else if (!memcmp(c->issuer_pk, h.issuer_pk, ENTRY_KEY_BYTES) &&
                   !strcmp(c->region, h.region)) {
                if (cert_newer(c, cert, &h, buf_slice(&held)))
                        err = store_cert_set(t, cert);
        } else {
                *conflict = true;
                conflict_log(&h, c, true);
                err = store_cert_conflict_set(t, c->node_pk, buf_slice(&held),
                                              cert);
        }
out:
        buf_release(&held);
        buf_release(&other);
        return err;
}

static int
sertifikat_apply(const struct replica *r, struct store_txn *t,
                 const struct system_body *sb)
{
        bool conflict;
        int err;

        /* A conflict keeps the entry: it is the issuer's signed evidence. */
        if ((err = cert_hold(r, t, sb->cert, &sb->c, &conflict)))
                return err;
        return sb->issuer_cert.ptr
                   ? cert_hold(r, t, sb->issuer_cert, &sb->ic, &conflict)
                   : 0;
}

/*
 * Of two cutoffs of one feed, the one that stays: the smaller seq; at
 * equal seq, where the revoked key signed two entries (a fork), the
 * smaller id. A total order on (seq, id): the merge does not depend on
 * the order revocations arrive in (MEMBERSHIP.md §7.2).
 */
static const struct revoke_feed *
cutoff_min(const struct revoke_feed *a, const struct revoke_feed *b)
{
        if (a->last_seq != b->last_seq)
                return a->last_seq < b->last_seq ? a : b;
        return memcmp(a->last_id, b->last_id, ENTRY_HASH_BYTES) <= 0 ? a : b;
}

/*
 * Two revocations of one node: a feed keeps the smaller cutoff, and a feed
 * missing from either has cutoff 0 (is dropped). The result does not
 * depend on their order; the held one's reason stays.
 */
static void
revocation_merge(const struct pencabutan *a, const struct pencabutan *b,
                 struct buf *out)
{
        struct pencabutan m = *a;
        size_t i = 0, j = 0;
        int d;

        m.feeds = xcalloc(a->n_feeds ? a->n_feeds : 1, sizeof(*m.feeds));
        m.n_feeds = 0;
        while (i < a->n_feeds && j < b->n_feeds) {
                d = memcmp(a->feeds[i].feed, b->feeds[j].feed,
                           ENTRY_HASH_BYTES);
                if (d == 0)
                        m.feeds[m.n_feeds++] =
                            *cutoff_min(&a->feeds[i], &b->feeds[j]);
                i += d <= 0;
                j += d >= 0;
        }
        wire_pencabutan_encode(&m, out);
        free(m.feeds);
}

/* p: e's body, decoded. */
static int
pencabutan_apply(struct store_txn *t, const struct entry *e,
                 const struct pencabutan *p)
{
        struct pencabutan held;
        struct buf b = BUF_INIT, merged = BUF_INIT;
        int err;

        err = held_revocation(t, p->node, &b, &held);
        if (err == ERR_NOT_FOUND) {
                err = store_revocation_put(t, p->node, e->env.body);
        } else if (!err) {
                revocation_merge(&held, p, &merged);
                err = store_revocation_put(t, p->node, buf_slice(&merged));
        }
        wire_pencabutan_release(&held);
        buf_release(&b);
        buf_release(&merged);
        return err;
}

int
replica__insert(struct replica *r, struct store_txn *t, struct trust_cache *tc,
                const struct entry *e, bool *fresh)
{
        struct system_body sb;
        int err;

        *fresh = false;
        if (!r->has_network)
                return store_insert(t, e, fresh);
        memset(&sb, 0, sizeof(sb));
        if ((err = trust_check(r, t, tc, e, &sb)) ||
            (err = store_insert(t, e, fresh)) || !*fresh)
                goto out;
        /* What follows changes the certificates or revocations t holds. */
        if (is_system(e->h.kind))
                trust_clear(tc);
        if (e->h.kind == KIND_SERTIFIKAT)
                err = sertifikat_apply(r, t, &sb);
        else if (e->h.kind == KIND_PENCABUTAN)
                err = pencabutan_apply(t, e, &sb.p);
out:
        system_body_release(&sb);
        return err;
}

/* ---- certificates later in the batch -------------------------------------
 */

#define RETRY_PASSES_MAX 3U /* root feed -> issuer feed -> its nodes' feeds */

static bool
retryable(int err)
{
        return err == ERR_UNKNOWN_AUTHOR || err == ERR_NOT_ISSUER ||
               err == ERR_GAP;
}

/* Did the batch hold a system entry that was stored (or already held)? */
static bool
batch_has_certs(const struct entry *es, const int *results, size_t n)
{
        for (size_t i = 0; i < n; i++)
                if (!results[i] && is_system(es[i].h.kind))
                        return true;
        return false;
}

/* One pass, in batch order, over the entries refused for want of a
 * certificate (and the gaps behind them). */
static int
retry_pass(struct replica *r, struct store_txn *t, struct trust_cache *tc,
           const struct entry *es, int *results, size_t n,
           struct ingest_stats *st, bool *progress)
{
        bool fresh;
        int err;

        *progress = false;
        for (size_t i = 0; i < n; i++) {
                if (!retryable(results[i]))
                        continue;
                err = replica__insert(r, t, tc, &es[i], &fresh);
                if (err == ERR_STORE_FULL || err == ERR_STORE ||
                    err == ERR_STORE_CORRUPT)
                        return err;
                results[i] = err;
                if (!err) {
                        *progress = true;
                        fresh ? st->stored++ : st->had++;
                }
        }
        return 0;
}

int
replica__retry(struct replica *r, struct store_txn *t, struct trust_cache *tc,
               const struct entry *es, int *results, size_t n,
               struct ingest_stats *st)
{
        bool progress = true;
        int err = 0;

        if (!r->has_network || !batch_has_certs(es, results, n))
                return 0;
        for (unsigned pass = 0; pass < RETRY_PASSES_MAX && progress && !err;
             pass++)
                err = retry_pass(r, t, tc, es, results, n, st, &progress);
        return err;
}

/* ---- certificates presented by peers -------------------------------------
 */

/*
 * MEMBERSHIP.md §8.3 step 4 against what t holds: node_pk is not revoked,
 * and a delegated issuer (issuer_pk, not the root) is not revoked unless
 * the certificate held for node_pk is the one presented (cert_hash: the
 * BLAKE2b-256 of its bytes), learnt before the issuer's cutoff.
 */
static int
peer_standing(const struct replica *r, struct store_txn *t,
              const uint8_t node_pk[ENTRY_KEY_BYTES],
              const uint8_t issuer_pk[ENTRY_KEY_BYTES],
              const uint8_t cert_hash[ENTRY_HASH_BYTES])
{
        uint8_t h[ENTRY_HASH_BYTES];
        struct buf held = BUF_INIT;
        int err;

        if ((err = revocation_check(t, node_pk, NULL)))
                return err;
        if (is_root(r, issuer_pk) ||
            !(err = revocation_check(t, issuer_pk, NULL)))
                return 0;
        if (err == ERR_REVOKED && !store_cert_get(t, node_pk, &held)) {
                hash_bytes(h, buf_slice(&held));
                if (!memcmp(h, cert_hash, ENTRY_HASH_BYTES))
                        err = 0;
        }
        buf_release(&held);
        return err;
}

/*
 * Holds the presented certificates (§4.3). The peer is accepted only if
 * its key is then bound to the region it presents: a certificate that
 * conflicts with the one held is CERT-CONFLICT.
 */
static int
peer_store(const struct replica *r, struct store_txn *t,
           const struct cert_info *c, struct slice cert,
           const struct cert_info *ic, struct slice issuer_cert)
{
        struct cert_info h;
        bool conflict;
        int err = cert_hold(r, t, cert, c, &conflict);

        if (!err && issuer_cert.ptr)
                err = cert_hold(r, t, issuer_cert, ic, &conflict);
        if (err)
                return err;
        err = held_cert(t, c->node_pk, &h);
        if (err == ERR_NOT_FOUND || (!err && strcmp(h.region, c->region)))
                return ERR_CERT_CONFLICT;
        return err;
}

int
replica_check_peer(struct replica *r, const uint8_t node_pk[ENTRY_KEY_BYTES],
                   struct slice cert, struct slice issuer_cert,
                   const struct cert_clock *clock, struct cert_info *out)
{
        uint8_t h[ENTRY_HASH_BYTES];
        struct store_txn *t = NULL;
        struct cert_info c, ic;
        int err, cerr;

        memset(out, 0, sizeof(*out));
        if (!r->has_network)
                return ERR_NOT_ENROLLED;
        if ((err = cert_verify(&r->network, cert, issuer_cert, 0, &c, &ic)))
                return err;
        if (clock &&
            ((err = cert_check_clock(&c, clock)) ||
             (issuer_cert.ptr && (err = cert_check_clock(&ic, clock)))))
                return err;
        if (memcmp(c.node_pk, node_pk, ENTRY_KEY_BYTES))
                return ERR_CERT;
        hash_bytes(h, cert);
        if ((err = store_begin(r->store, true, &t)))
                return err;
        if ((err = peer_standing(r, t, c.node_pk, c.issuer_pk, h))) {
                store_abort(t);
                return err;
        }
        err = peer_store(r, t, &c, cert, &ic, issuer_cert);
        if (err && err != ERR_CERT_CONFLICT) {
                store_abort(t);
                return err;
        }
        /* A conflict is kept as evidence, and the peer refused. */
        cerr = store_commit(t);
        if (err || (err = cerr))
                return err;
        *out = c;
        return 0;
}

int
replica_peer_standing(struct replica *r, const uint8_t node_pk[ENTRY_KEY_BYTES],
                      const uint8_t issuer_pk[ENTRY_KEY_BYTES],
                      const uint8_t cert_hash[ENTRY_HASH_BYTES])
{
        struct store_txn *t = NULL;
        int err;

        if (!r->has_network)
                return 0;
        if ((err = store_begin(r->store, false, &t)))
                return err;
        err = peer_standing(r, t, node_pk, issuer_pk, cert_hash);
        store_abort(t);
        return err;
}

int
replica_peer_cert(struct replica *r, const uint8_t pk[ENTRY_KEY_BYTES],
                  struct buf *out)
{
        struct store_txn *t = NULL;
        int err;

        if ((err = store_begin(r->store, false, &t)))
                return err;
        err = store_cert_get(t, pk, out);
        store_abort(t);
        return err;
}

int
replica_revoked(struct replica *r, const uint8_t pk[ENTRY_KEY_BYTES],
                bool *revoked)
{
        struct store_txn *t = NULL;
        struct buf b = BUF_INIT;
        int err;

        *revoked = false;
        if ((err = store_begin(r->store, false, &t)))
                return err;
        err = store_revocation_get(t, pk, &b);
        store_abort(t);
        buf_release(&b);
        if (err == ERR_NOT_FOUND)
                return 0;
        *revoked = !err;
        return err;
}
