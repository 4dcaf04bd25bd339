/*
 * certs: certificates and revocations by node key (proto/MEMBERSHIP.md §7).
 *
 *   certs    node key (32) -> certificate bytes [body, sig], the newest one
 *            held for that key (see cert_newer)
 *   revoked  node key (32) -> pencabutan body bytes (the merged revocation)
 *
 * Callers verify what they put (entry/cert.c, replica/trust.c): this file
 * only decodes a certificate to find its key and validity, and checks the
 * length of what it reads back (ERR_STORE_CORRUPT otherwise).
 */
#include <string.h>

#include "store_int.h"

static int
slice_cmp(struct slice a, struct slice b)
{
        int d = memcmp(a.ptr, b.ptr, a.len < b.len ? a.len : b.len);

        if (d)
                return d;
        return a.len < b.len ? -1 : a.len > b.len;
}

/*
 * Is certificate a newer than b? Later valid_until, then later valid_from,
 * then bytewise greater: a total order, so every node keeps the same one
 * whatever order they arrive in.
 */
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

int
store_cert_put(struct store_txn *t, struct slice cert, bool *stored)
{
        struct cert_info c, old;
        MDB_val v;
        int err;

        *stored = false;
        if ((err = cert_parse(cert, &c)))
                return err;
        err = store__db_get(t, DB_CERTS, c.node_pk, ENTRY_KEY_BYTES, &v);
        if (err && err != ERR_NOT_FOUND)
                return err;
        if (!err) {
                if (cert_parse(store__val_slice(&v), &old))
                        return store__corrupt("stored certificate is malformed",
                                              c.node_pk, ENTRY_KEY_BYTES);
                if (!cert_newer(&c, cert, &old, store__val_slice(&v)))
                        return 0;
        }
        if ((err = store__db_put(t, DB_CERTS, c.node_pk, ENTRY_KEY_BYTES, cert,
                                 0)))
                return err;
        *stored = true;
        return 0;
}

/* Copies a value of 1..max bytes into out, replacing its contents. */
static int
copy_out(const MDB_val *v, size_t max, const uint8_t *key, const char *what,
         struct buf *out)
{
        if (v->mv_size == 0 || v->mv_size > max)
                return store__corrupt(what, key, ENTRY_KEY_BYTES);
        buf_reset(out);
        buf_add(out, v->mv_data, v->mv_size);
        return 0;
}

int
store_cert_get(struct store_txn *t, const uint8_t node_pk[ENTRY_KEY_BYTES],
               struct buf *out)
{
        MDB_val v;
        int err = store__db_get(t, DB_CERTS, node_pk, ENTRY_KEY_BYTES, &v);

        if (err)
                return err;
        return copy_out(&v, CERT_MAX, node_pk,
                        "stored certificate has a bad length", out);
}

int
store_revocation_put(struct store_txn *t,
                     const uint8_t node_pk[ENTRY_KEY_BYTES], struct slice body)
{
        if (body.len == 0 || body.len > ENTRY_BODY_MAX)
                return ERR_TOO_BIG;
        return store__db_put(t, DB_REVOKED, node_pk, ENTRY_KEY_BYTES, body, 0);
}

int
store_revocation_get(struct store_txn *t,
                     const uint8_t node_pk[ENTRY_KEY_BYTES], struct buf *out)
{
        MDB_val v;
        int err = store__db_get(t, DB_REVOKED, node_pk, ENTRY_KEY_BYTES, &v);

        if (err)
                return err;
        return copy_out(&v, ENTRY_BODY_MAX, node_pk,
                        "stored revocation has a bad length", out);
}

/* ---- walks --------------------------------------------------------------- */

struct key_walk {
        store_key_fn fn;
        void *ctx;
};

static int
key_step(void *ctx, const MDB_val *k, const MDB_val *v, bool *done)
{
        struct key_walk *w = ctx;

        (void)done;
        if (k->mv_size != ENTRY_KEY_BYTES)
                return store__corrupt("node key record has a bad length",
                                      k->mv_data, k->mv_size);
        return w->fn(w->ctx, k->mv_data, store__val_slice(v));
}

int
store_certs(struct store_txn *t, store_key_fn fn, void *ctx)
{
        struct key_walk w = {fn, ctx};

        return store__db_walk(t, DB_CERTS, NULL, key_step, &w);
}

int
store_revocations(struct store_txn *t, store_key_fn fn, void *ctx)
{
        struct key_walk w = {fn, ctx};

        return store__db_walk(t, DB_REVOKED, NULL, key_step, &w);
}
