/*
 * sealed_blobs: the attachments of rahasia reports (proto/BLOBS.md §2.1).
 * The author encrypts each file before it becomes a blob, so relays carry
 * a ciphertext like any blob; a node that can open the report's sealed
 * content finds each file's key there, and reads the file decrypted.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app_int.h"

/* ---- sealing (the author) ---------------------------------------------- */

int
app__attach_seal(struct node *n, struct kim_body *b, struct app_files *f,
                 char *err_msg)
{
        struct buf plain = BUF_INIT, ct = BUF_INIT;
        uint64_t size;
        int err = 0;

        f->n = 0;
        for (size_t i = 0; i < b->n_attach && !err; i++) {
                struct kim_attachment *a = &b->attach[i];
                if ((err = app_blob_read(n, a->root, 0, UINT64_MAX, &plain,
                                         &size, err_msg)))
                        break;
                if (sealfile_ct_size(size) > BLOB_MAX_BYTES) {
                        err = app__fail(err_msg, ERR_BLOB_TOO_BIG,
                                        "attachment %zu: %llu bytes, too "
                                        "big to seal in one blob of at "
                                        "most %u bytes",
                                        i + 1, (unsigned long long)size,
                                        BLOB_MAX_BYTES);
                        break;
                }
                sealfile_seal(buf_slice(&plain), f->key[i], &ct);
                memcpy(f->clear[i], a->root, 32);
                f->n++;
                if ((err = replica_blob_add(&n->replica, buf_slice(&ct),
                                            a->root))) {
                        app__fail(err_msg, err, "cannot store: %s",
                                  err_str(err));
                        break;
                }
                a->size = ct.len;
                a->key = f->key[i];
        }
        buf_wipe_release(&plain);
        buf_release(&ct);
        return err;
}

void
app__files_drop(struct node *n, struct app_files *f, bool posted)
{
        struct store_txn *t;
        uint64_t freed;

        /* The clear copies stored for the post: no entry references them
         * now (unless another item names the same file), so they go. */
        if (posted && f->n && !store_begin(n->store, true, &t)) {
                for (size_t i = 0; i < f->n; i++)
                        if (store_blob_collect(t, f->clear[i], &freed))
                                break;
                if (store_commit(t))
                        log_warn("STORE", "clear copies of sealed "
                                          "attachments stay until simpul gc");
        }
        explicit_bzero(f, sizeof(*f));
}

/* ---- reading ------------------------------------------------------------ */

#define REFS_MAX 64U /* entries looked at for one root */

struct refs {
        uint8_t feed[REFS_MAX][ENTRY_HASH_BYTES];
        uint64_t seq[REFS_MAX];
        size_t n;
};

static int
ref_add(void *ctx, const uint8_t feed[32], uint64_t seq)
{
        struct refs *r = ctx;

        memcpy(r->feed[r->n], feed, ENTRY_HASH_BYTES);
        r->seq[r->n] = seq;
        return ++r->n == REFS_MAX; /* enough */
}

/* Index of root among it's attachments, or -1. */
static int
attach_index(const struct app_item *it, const uint8_t root[32])
{
        for (size_t i = 0; i < it->b.n_attach; i++)
                if (!memcmp(it->b.attach[i].root, root, 32))
                        return (int)i;
        return -1;
}

static void
slice_cpy(char *out, size_t max, struct slice s)
{
        size_t len = s.len < max ? s.len : max;

        memcpy(out, s.ptr, len);
        out[len] = 0;
}

/* One entry referencing root: clear, or sealed and opened into f. */
static int
file_at(struct node *n, struct store_txn *t, const uint8_t feed[32],
        uint64_t seq, const uint8_t root[32], struct app_blob_file *f)
{
        struct app_item it;
        struct buf bytes = BUF_INIT;
        struct entry e;
        int i, err;

        if ((err = store_get(t, feed, seq, &bytes)) ||
            (err = entry_parse(buf_slice(&bytes), &e)) ||
            (err = app__item_load(t, e.id, &it))) {
                buf_release(&bytes);
                return err == ERR_NOT_FOUND || err == ERR_KIM_NOT_FOUND ? 0
                                                                        : err;
        }
        buf_release(&bytes);
        if (it.kim && (i = attach_index(&it, root)) >= 0) {
                if (!it.b.rahasia)
                        f->clear_refs++;
                else if (f->seal != APP_BLOB_OPEN &&
                         app__content_open(n, &it) && it.b.attach[i].key) {
                        f->seal = APP_BLOB_OPEN;
                        memcpy(f->key, it.b.attach[i].key, KIM_FILE_KEY_BYTES);
                        slice_cpy(f->type, KIM_ATTACH_TYPE_MAX,
                                  it.b.attach[i].type);
                        slice_cpy(f->name, KIM_ATTACH_NAME_MAX,
                                  it.b.attach[i].name);
                } else if (f->seal == APP_BLOB_CLEAR) {
                        f->seal = APP_BLOB_SEALED;
                }
        }
        app__item_release(&it);
        return 0;
}

int
app__blob_file(struct node *n, struct store_txn *t, const uint8_t root[32],
               struct app_blob_file *f)
{
        struct refs *r = xmalloc(sizeof(*r));
        int err;

        memset(f, 0, sizeof(*f));
        r->n = 0;
        err = store_blob_refs(t, root, ref_add, r);
        for (size_t i = 0; err >= 0 && i < r->n; i++)
                err = file_at(n, t, r->feed[i], r->seq[i], root, f);
        free(r);
        /* A ciphertext some entry also names in the clear is served as
         * it is, unless this node opens it. */
        if (f->seal == APP_BLOB_SEALED && f->clear_refs)
                f->seal = APP_BLOB_CLEAR;
        return err < 0 ? err : 0;
}

int
app_blob_file(struct node *n, const uint8_t root[32], struct app_blob_file *f,
              char *err_msg)
{
        struct store_txn *t;
        int err;

        if ((err = store_begin(n->store, false, &t)))
                return app__fail(err_msg, err, "%s", err_str(err));
        err = app__blob_file(n, t, root, f);
        store_abort(t);
        return err ? app__fail(err_msg, err, "%s", err_str(err)) : 0;
}

void
app_blob_file_release(struct app_blob_file *f)
{
        explicit_bzero(f->key, sizeof(f->key));
}

int
app__blob_decrypt(const struct app_blob_file *f, const uint8_t root[32],
                  struct slice ct, struct buf *plain, char *err_msg)
{
        char hex[65];

        if (!sealfile_open(f->key, ct, plain))
                return 0;
        hex_encode(hex, root, 32);
        log_warn("BLOB-SEALED",
                 "sealed attachment %.16s does not decrypt with the key of "
                 "its report (tampered, or a bad author)",
                 hex);
        return app__fail(err_msg, ERR_BLOB_SEALED, "attachment %.16s: %s", hex,
                         err_str(ERR_BLOB_SEALED));
}
