/*
 * blobs: attachments for the CLI and the HTTP API (proto/BLOBS.md):
 * files stored as blobs for a post, blobs listed and written out, and
 * the collection of blobs no entry references.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app_int.h"

/* Media types by file extension: what a KIM attaches. */
static const struct {
        const char *ext, *type;
} media[] = {
    {"jpg", "image/jpeg"},
    {"jpeg", "image/jpeg"},
    {"png", "image/png"},
    {"webp", "image/webp"},
    {"gif", "image/gif"},
    {"heic", "image/heic"},
    {"pdf", "application/pdf"},
    {"mp4", "video/mp4"},
    {"m4a", "audio/mp4"},
    {"ogg", "audio/ogg"},
    {"opus", "audio/ogg"},
    {"txt", "text/plain"},
    {"csv", "text/csv"},
    {"doc", "application/msword"},
    {"docx", "application/vnd.openxmlformats-officedocument."
             "wordprocessingml.document"},
    {"xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml."
             "sheet"},
};

static const char *
type_of(const char *name)
{
        const char *dot = strrchr(name, '.');
        char ext[8];
        size_t n;

        if (!dot || (n = strlen(dot + 1)) == 0 || n >= sizeof(ext))
                return "application/octet-stream";
        for (size_t i = 0; i <= n; i++)
                ext[i] = (char)(dot[1 + i] >= 'A' && dot[1 + i] <= 'Z'
                                    ? dot[1 + i] - 'A' + 'a'
                                    : dot[1 + i]);
        for (size_t i = 0; i < ARRAY_LEN(media); i++)
                if (!strcmp(ext, media[i].ext))
                        return media[i].type;
        return "application/octet-stream";
}

/* Reads a whole file of at most max bytes into out. */
static int
read_file(const char *path, size_t max, struct buf *out)
{
        FILE *f = fopen(path, "rb");
        char chunk[65536];
        size_t n;
        int err = 0;

        if (!f)
                return -errno;
        while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
                buf_add(out, chunk, n);
                if (out->len > max) {
                        err = ERR_BLOB_TOO_BIG;
                        break;
                }
        }
        if (!err && ferror(f))
                err = -EIO;
        fclose(f);
        return err;
}

static int
attach_meta(const char *path, const char *type, struct app_attach *out,
            char *err_msg)
{
        const char *base = strrchr(path, '/');

        base = base ? base + 1 : path;
        snprintf(out->name, sizeof(out->name), "%s", base);
        if (!type)
                type = type_of(base);
        if (strlen(type) > KIM_ATTACH_TYPE_MAX)
                return app__fail(err_msg, ERR_KIM_BODY,
                                 "media type '%s' is too long", type);
        strcpy(out->type, type);
        out->a.type = slice_cstr(out->type);
        out->a.name = slice_cstr(out->name);
        for (const char *p = out->name; *p; p++)
                if ((unsigned char)*p < 0x20)
                        return app__fail(err_msg, ERR_KIM_BODY,
                                         "file name has control characters");
        return 0;
}

int
app_attach_file(struct node *n, const char *path, const char *type,
                const char *thumb_path, struct app_attach *out, char *err_msg)
{
        struct buf data = BUF_INIT;
        int err;

        memset(out, 0, sizeof(*out));
        if ((err = attach_meta(path, type, out, err_msg)))
                goto out;
        if (thumb_path) {
                if (strncmp(out->type, "image/", 6)) {
                        err = app__fail(err_msg, ERR_KIM_BODY,
                                        "a thumbnail is for an image/ "
                                        "attachment, not %s",
                                        out->type);
                        goto out;
                }
                err = read_file(thumb_path, KIM_THUMB_MAX, &out->thumb);
                if (err || out->thumb.len == 0) {
                        err = app__fail(err_msg, err ? err : ERR_KIM_BODY,
                                        "thumbnail '%s': %s", thumb_path,
                                        err == ERR_BLOB_TOO_BIG
                                            ? "over 8192 bytes"
                                        : err ? err_str(err)
                                              : "empty");
                        if (err == ERR_BLOB_TOO_BIG)
                                err = ERR_KIM_BODY;
                        goto out;
                }
                out->a.thumb = buf_slice(&out->thumb);
        }
        if ((err = read_file(path, BLOB_MAX_BYTES, &data))) {
                app__fail(err_msg, err, "'%s': %s", path,
                          err == ERR_BLOB_TOO_BIG
                              ? "over the limit of 16777216 bytes"
                              : err_str(err));
                goto out;
        }
        if (data.len == 0) {
                err = app__fail(err_msg, ERR_USAGE, "'%s' is empty", path);
                goto out;
        }
        out->a.size = data.len;
        if ((err =
                 replica_blob_add(&n->replica, buf_slice(&data), out->a.root)))
                app__fail(err_msg, err, "storing '%s': %s", path, err_str(err));
out:
        buf_release(&data);
        return err;
}

void
app_attach_release(struct app_attach *at)
{
        buf_release(&at->thumb);
}

struct list_walk {
        struct store_txn *t;
        struct app_blobs *out;
};

static int
count_ref(void *ctx, const uint8_t feed[32], uint64_t seq)
{
        (void)feed;
        (void)seq;
        (*(uint64_t *)ctx)++;
        return 0;
}

static int
list_one(void *ctx, const struct store_blob *b)
{
        struct list_walk *w = ctx;
        struct app_blob *ab;
        int err;

        w->out->v = xrealloc(w->out->v, (w->out->n + 1) * sizeof(*w->out->v));
        ab = &w->out->v[w->out->n++];
        ab->b = *b;
        ab->refs = 0;
        err = store_blob_refs(w->t, b->root, count_ref, &ab->refs);
        return err < 0 ? err : 0;
}

int
app_blobs(struct node *n, struct app_blobs *out, char *err_msg)
{
        struct list_walk w = {NULL, out};
        int err;

        memset(out, 0, sizeof(*out));
        if ((err = store_begin(n->store, false, &w.t)))
                return app__fail(err_msg, err, "%s", err_str(err));
        err = store_blobs(w.t, NULL, list_one, &w);
        store_abort(w.t);
        if (err < 0) {
                app_blobs_release(out);
                return app__fail(err_msg, err, "%s", err_str(err));
        }
        return 0;
}

void
app_blobs_release(struct app_blobs *b)
{
        free(b->v);
        memset(b, 0, sizeof(*b));
}

/* Writes every chunk of a whole blob to f, from one read transaction. */
static int
blob_write(struct store_txn *t, const struct store_blob *b, FILE *f)
{
        struct buf chunk = BUF_INIT;
        int err = 0;

        for (uint32_t i = 0; i < b->chunks && !err; i++) {
                if ((err = store_blob_get_chunk(t, b->root, i, &chunk)))
                        break;
                if (fwrite(chunk.data, 1, chunk.len, f) != chunk.len)
                        err = -EIO;
        }
        buf_release(&chunk);
        return err;
}

/* Every chunk of a whole blob into out (reset first). */
static int
blob_load(struct store_txn *t, const struct store_blob *b, struct buf *out)
{
        struct buf chunk = BUF_INIT;
        int err = 0;

        buf_reset(out);
        for (uint32_t i = 0; i < b->chunks && !err; i++)
                if (!(err = store_blob_get_chunk(t, b->root, i, &chunk)))
                        buf_add(out, chunk.data, chunk.len);
        buf_release(&chunk);
        return err;
}

/*
 * A sealed attachment this node opens (BLOBS.md §2.1), decrypted into
 * plain; *open false (plain untouched) for any other blob, which is read
 * as it is stored.
 */
static int
blob_plain(struct node *n, struct store_txn *t, const struct store_blob *b,
           struct buf *plain, bool *open, char *err_msg)
{
        struct app_blob_file f;
        struct buf ct = BUF_INIT;
        int err;

        *open = false;
        if ((err = app__blob_file(n, t, b->root, &f)))
                return app__fail(err_msg, err, "%s", err_str(err));
        if (f.seal == APP_BLOB_OPEN) {
                *open = true;
                if ((err = blob_load(t, b, &ct)))
                        app__fail(err_msg, err, "%s", err_str(err));
                else
                        err = app__blob_decrypt(&f, b->root, buf_slice(&ct),
                                                plain, err_msg);
        }
        app_blob_file_release(&f);
        buf_release(&ct);
        return err;
}

/* The blob's record in b, when it is whole here; else its error, said in
 * err_msg. *size (if not NULL): its size once its record is read. */
static int
blob_whole(struct store_txn *t, const uint8_t root[32], struct store_blob *b,
           uint64_t *size, char *err_msg)
{
        int err;

        if ((err = store_blob_get(t, root, b)))
                return app__fail(err_msg, err, "%s",
                                 err == ERR_NOT_FOUND ? "no such blob here"
                                                      : err_str(err));
        if (size)
                *size = b->size;
        if (b->held != b->chunks)
                return app__fail(err_msg, ERR_BLOB_MISSING,
                                 "blob is not whole here yet: %u of %u chunks",
                                 b->held, b->chunks);
        return 0;
}

int
app_blob_get(struct node *n, const uint8_t root[32], const char *path,
             char *err_msg)
{
        char tmp[4096];
        struct buf plain = BUF_INIT;
        struct store_txn *t;
        struct store_blob b;
        FILE *f = NULL;
        bool open;
        int err;

        if ((err = store_begin(n->store, false, &t)))
                return app__fail(err_msg, err, "%s", err_str(err));
        if ((err = blob_whole(t, root, &b, NULL, err_msg)) ||
            (err = blob_plain(n, t, &b, &plain, &open, err_msg)))
                goto out;
        snprintf(tmp, sizeof(tmp), "%s.part", path);
        if (!(f = fopen(tmp, "wb"))) {
                err = app__fail(err_msg, -errno, "cannot write '%s': %s", tmp,
                                strerror(errno));
                goto out;
        }
        if (!open)
                err = blob_write(t, &b, f);
        else if (fwrite(plain.data, 1, plain.len, f) != plain.len)
                err = -EIO;
        if (fflush(f) || fsync(fileno(f)))
                err = err ? err : -errno;
        if (fclose(f) && !err)
                err = -errno;
        if (!err && rename(tmp, path))
                err = -errno;
        if (err) {
                unlink(tmp);
                app__fail(err_msg, err, "cannot write '%s': %s", path,
                          err_str(err));
        }
out:
        store_abort(t);
        buf_wipe_release(&plain);
        return err;
}

int
app_blob_open(struct node *n, const uint8_t root[32], struct store_blob *out,
              char *err_msg)
{
        struct store_txn *t;
        int err;

        if ((err = store_begin(n->store, true, &t)))
                return app__fail(err_msg, err, "%s", err_str(err));
        if ((err = store_blob_open(t, root)) ||
            (err = store_blob_get(t, root, out))) {
                store_abort(t);
                return app__fail(err_msg, err, "%s",
                                 err == ERR_NOT_FOUND ? "no such blob here"
                                                      : err_str(err));
        }
        if ((err = store_commit(t)))
                return app__fail(err_msg, err, "%s", err_str(err));
        if (out->held != out->chunks) /* the daemon asks for it now */
                node_changed(n);
        return 0;
}

int
app_blob_read(struct node *n, const uint8_t root[32], uint64_t off,
              uint64_t len, struct buf *out, uint64_t *size, char *err_msg)
{
        return app_blob_read_as(n, root, true, off, len, out, size, err_msg);
}

int
app_blob_read_as(struct node *n, const uint8_t root[32], bool decrypt,
                 uint64_t off, uint64_t len, struct buf *out, uint64_t *size,
                 char *err_msg)
{
        struct buf chunk = BUF_INIT, plain = BUF_INIT;
        struct store_txn *t;
        struct store_blob b;
        uint64_t end;
        bool open;
        int err;

        buf_reset(out);
        *size = 0;
        if ((err = store_begin(n->store, false, &t)))
                return app__fail(err_msg, err, "%s", err_str(err));
        open = false;
        if ((err = blob_whole(t, root, &b, size, err_msg)) ||
            (decrypt && (err = blob_plain(n, t, &b, &plain, &open, err_msg))))
                goto out;
        if (open) { /* at most BLOB_MAX_BYTES, decrypted whole */
                *size = plain.len;
                if (off < plain.len)
                        buf_add(out, plain.data + off,
                                len <= plain.len - off ? (size_t)len
                                                       : plain.len - off);
                goto out;
        }
        end = off < b.size && len <= b.size - off ? off + len : b.size;
        for (uint64_t at = off; at < end && !err;) {
                uint32_t i = (uint32_t)(at / BLOB_CHUNK_BYTES);
                size_t in = (size_t)(at % BLOB_CHUNK_BYTES), take;
                if ((err = store_blob_get_chunk(t, root, i, &chunk))) {
                        app__fail(err_msg, err, "%s", err_str(err));
                        break;
                }
                take = chunk.len - in;
                if (take > end - at)
                        take = (size_t)(end - at);
                buf_add(out, chunk.data + in, take);
                at += take;
        }
out:
        buf_release(&chunk);
        buf_wipe_release(&plain);
        store_abort(t);
        return err;
}

int
app_blob_put(struct node *n, struct slice data, uint8_t root[32], char *err_msg)
{
        int err = replica_blob_add(&n->replica, data, root);

        return err ? app__fail(err_msg, err, "%s", err_str(err)) : 0;
}

int
app_blob_size(struct node *n, const uint8_t root[32], uint64_t *size,
              char *err_msg)
{
        struct buf none = BUF_INIT;
        int err = app_blob_read(n, root, 0, 0, &none, size, err_msg);

        buf_release(&none);
        return err;
}

uint64_t
app_upload_max(const struct node *n)
{
        return n->config.blob_upload_max;
}

int
app_gc(struct node *n, uint64_t *blobs, uint64_t *bytes, char *err_msg)
{
        int err = replica_blobs_gc(&n->replica, blobs, bytes);

        return err ? app__fail(err_msg, err, "%s", err_str(err)) : 0;
}

int
app_root_parse(const char *s, uint8_t root[32])
{
        if (strlen(s) != 64)
                return ERR_USAGE;
        return hex_decode(root, 32, s, 64);
}
