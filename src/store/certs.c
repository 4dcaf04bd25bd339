/*
 * certs: certificates and revocations by node key (proto/MEMBERSHIP.md §7).
 *
 *   certs    node key (32) -> certificate bytes [body, sig], the one held
 *            for that key; or a conflict record (a 0 byte, then two
 *            certificates that may not both hold: no certificate is held)
 *   revoked  node key (32) -> pencabutan body bytes (the merged revocation)
 *
 * Callers verify what they put and decide which certificate is held
 * (replica/trust.c, MEMBERSHIP.md §4.3): this file only decodes a certificate
 * to find its key and validity, and checks the length of what it reads back
 * (ERR_STORE_CORRUPT otherwise).
 */
#include <string.h>

#include "store_int.h"

int
store_cert_set(struct store_txn *t, struct slice cert)
{
        struct cert_info c;
        int err;

        if ((err = cert_parse(cert, &c)))
                return err;
        return store__db_put(t, DB_CERTS, c.node_pk, ENTRY_KEY_BYTES, cert, 0);
}

/* A conflict record: CONFLICT_TAG, then each certificate as be16 length
 * and bytes. A certificate starts with 0x92 (an array of 2), never 0. */
#define CONFLICT_TAG 0x00U

static bool
is_conflict(const MDB_val *v)
{
        return v->mv_size > 0 &&
               ((const uint8_t *)v->mv_data)[0] == CONFLICT_TAG;
}

static void
put_part(struct buf *b, struct slice s)
{
        uint8_t len[2] = {(uint8_t)(s.len >> 8), (uint8_t)s.len};

        buf_add(b, len, 2);
        buf_add(b, s.ptr, s.len);
}

/* The i-th certificate of a record (0 or 1); false if malformed. */
static bool
get_part(struct slice rec, unsigned i, struct slice *out)
{
        size_t o = 1, len = 0;

        for (unsigned k = 0; k <= i; k++) {
                if (o + 2 > rec.len)
                        return false;
                len = (size_t)rec.ptr[o] << 8 | rec.ptr[o + 1];
                if (len == 0 || len > CERT_MAX || o + 2 + len > rec.len)
                        return false;
                *out = slice_make(rec.ptr + o + 2, len);
                o += 2 + len;
        }
        return i == 0 || o == rec.len;
}

int
store_cert_conflict_set(struct store_txn *t,
                        const uint8_t node_pk[ENTRY_KEY_BYTES], struct slice a,
                        struct slice b)
{
        uint8_t tag = CONFLICT_TAG;
        struct buf rec = BUF_INIT;
        int err;

        if (!a.len || a.len > CERT_MAX || !b.len || b.len > CERT_MAX)
                return ERR_CERT;
        buf_add(&rec, &tag, 1);
        put_part(&rec, a);
        put_part(&rec, b);
        err = store__db_put(t, DB_CERTS, node_pk, ENTRY_KEY_BYTES,
                            buf_slice(&rec), 0);
        buf_release(&rec);
        return err;
}

int
store_cert_conflict_get(struct store_txn *t,
                        const uint8_t node_pk[ENTRY_KEY_BYTES], struct buf *a,
                        struct buf *b)
{
        struct slice rec, pa, pb;
        MDB_val v;
        int err = store__db_get(t, DB_CERTS, node_pk, ENTRY_KEY_BYTES, &v);

        if (err)
                return err;
        if (!is_conflict(&v))
                return ERR_NOT_FOUND;
        rec = store__val_slice(&v);
        if (!get_part(rec, 0, &pa) || !get_part(rec, 1, &pb))
                return store__corrupt("certificate conflict record is "
                                      "malformed",
                                      node_pk, ENTRY_KEY_BYTES);
        buf_reset(a);
        buf_add(a, pa.ptr, pa.len);
        buf_reset(b);
        buf_add(b, pb.ptr, pb.len);
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
        if (is_conflict(&v))
                return ERR_NOT_FOUND;
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
        int conflicts; /* certs: -1 skip conflict records, 1 only them */
};

static int
key_step(void *ctx, const MDB_val *k, const MDB_val *v, bool *done)
{
        struct key_walk *w = ctx;

        (void)done;
        if (k->mv_size != ENTRY_KEY_BYTES)
                return store__corrupt("node key record has a bad length",
                                      k->mv_data, k->mv_size);
        if (w->conflicts && (w->conflicts > 0) != is_conflict(v))
                return 0;
        return w->fn(w->ctx, k->mv_data, store__val_slice(v));
}

int
store_certs(struct store_txn *t, store_key_fn fn, void *ctx)
{
        struct key_walk w = {fn, ctx, -1};

        return store__db_walk(t, DB_CERTS, NULL, key_step, &w);
}

int
store_cert_conflicts(struct store_txn *t, store_key_fn fn, void *ctx)
{
        struct key_walk w = {fn, ctx, 1};

        return store__db_walk(t, DB_CERTS, NULL, key_step, &w);
}

int
store_revocations(struct store_txn *t, store_key_fn fn, void *ctx)
{
        struct key_walk w = {fn, ctx, 0};

        return store__db_walk(t, DB_REVOKED, NULL, key_step, &w);
}
