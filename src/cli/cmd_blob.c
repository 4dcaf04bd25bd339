/*
 * blob, blobs, gc: attachments (proto/BLOBS.md). `simpul blob get ROOT -o
 * FILE` writes a whole blob out; `simpul blobs` lists the blobs held,
 * fetched or wanted; `simpul gc` collects the blobs no entry references.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../app/app.h"
#include "cli.h"

struct blob_opts {
        const char *data, *out;
        uint64_t wait;
};

#define WAIT_DEFAULT_S 60U
#define WAIT_STEP_US 200000U /* a read of the store five times a second */

#define O(field) offsetof(struct blob_opts, field)
static const struct cli_opt blob_opts[] = {
    CLI_OPT("data", CLI_STR, O(data), .arg = "DIR"),
    CLI_OPT("output", CLI_STR, O(out), .arg = "FILE", .required = true,
            .help = "where to write the blob (a temporary FILE.part is\n"
                    "renamed into place once it is complete)"),
    CLI_OPT("wait", CLI_U64, O(wait), .arg = "SECONDS", .max = 86400,
            .help = "how long to wait for a blob not whole here while the\n"
                    "daemon fetches it (default 60; 0: ask, do not wait)"),
};
#undef O

static const struct cli_spec blob_spec = {
    .name = "blob",
    .usage = "usage: simpul blob get ROOT --output FILE [--data DIR]\n\n"
             "Writes the attachment named ROOT (64 hex digits, as `simpul\n"
             "blobs` and `simpul show` print it) to FILE. One not whole\n"
             "here yet is marked opened, so that the daemon asks its peers\n"
             "for it whatever [blobs] fetch says, and waited for.\n"
             "A sealed attachment of a rahasia report (proto/BLOBS.md\n"
             "§2.1) is written decrypted where this node can open the\n"
             "report; elsewhere its ciphertext is written, and said so.\n\n",
    .opts = blob_opts,
    .n_opts = ARRAY_LEN(blob_opts),
    .width = 13,
    .max_args = 2,
    .missing = "--output FILE is required",
};

/* Opens root and waits up to wait_s seconds until it is written out. */
static int
blob_wait(struct node *n, const uint8_t root[32], const char *out,
          uint64_t wait_s, char *msg)
{
        struct store_blob b;
        int err;

        if ((err = app_blob_open(n, root, &b, msg)))
                return err;
        fprintf(stderr,
                "blob: %u of %u chunks here; asked the peers for "
                "it\n",
                b.held, b.chunks);
        for (uint64_t waited = 0;; waited += WAIT_STEP_US) {
                err = app_blob_get(n, root, out, msg);
                if (err != ERR_BLOB_MISSING || waited >= wait_s * 1000000U)
                        return err;
                usleep(WAIT_STEP_US);
        }
}

/* After writing root out: says whether it was a sealed attachment. */
static void
blob_say_sealed(struct node *n, const uint8_t root[32])
{
        struct app_blob_file f;
        char msg[APP_ERR_MAX];

        if (!app_blob_file(n, root, &f, msg)) {
                if (f.seal == APP_BLOB_OPEN)
                        fprintf(stderr,
                                "blob: a sealed attachment, written "
                                "decrypted (%s%s%s)\n",
                                f.type, f.name[0] ? ", " : "", f.name);
                else if (f.seal == APP_BLOB_SEALED)
                        fprintf(stderr,
                                "blob: a sealed attachment of a rahasia "
                                "report this node cannot open: wrote its "
                                "ciphertext (BLOB-SEALED)\n");
        }
        app_blob_file_release(&f);
}

/* The blob written out, once whole: opened (BLOBS.md §7) and waited for
 * up to wait_s seconds if it is not whole yet. The store is opened for
 * writing only then: a whole blob needs no more than reading. */
static int
blob_get(const char *data, const uint8_t root[32], const char *out,
         uint64_t wait_s, char *msg)
{
        struct node n;
        int err;

        if (cli_open(&n, data, NODE_OPEN_READ_ONLY | NODE_OPEN_KEY))
                return EXIT_ERROR;
        err = app_blob_get(&n, root, out, msg);
        if (!err)
                blob_say_sealed(&n, root);
        app_close(&n);
        if (err != ERR_BLOB_MISSING)
                return err ? cli_error("blob: %s (%s)", msg, err_id(err))
                           : EXIT_OK;
        if (cli_open(&n, data,
                     NODE_OPEN_KEY)) /* a sealed one opens with the key */
                return EXIT_ERROR;
        err = blob_wait(&n, root, out, wait_s, msg);
        if (!err)
                blob_say_sealed(&n, root);
        app_close(&n);
        return err ? cli_error("blob: %s (%s)", msg, err_id(err)) : EXIT_OK;
}

int
cmd_blob(int argc, char **argv)
{
        struct blob_opts o = {NULL, NULL, WAIT_DEFAULT_S};
        struct cli_parsed p;
        char msg[APP_ERR_MAX];
        uint8_t root[32];

        /* -o FILE, the short form */
        for (int i = 1; i + 1 < argc; i++)
                if (!strcmp(argv[i], "-o"))
                        argv[i] = "--output";
        if (!cli_parse(&blob_spec, argc, argv, &o, &p))
                return p.status;
        if (p.n_args != 2 || strcmp(p.args[0], "get"))
                return cli_usage_error("blob", "expected: get ROOT");
        if (app_root_parse(p.args[1], root))
                return cli_usage_error("blob",
                                       "'%s': not a root (64 hex "
                                       "digits)",
                                       p.args[1]);
        return blob_get(o.data, root, o.out, o.wait, msg);
}

static const struct cli_spec blobs_spec = {
    .name = "blobs",
    .usage = "usage: simpul blobs [--data DIR]\n\n"
             "Lists the attachments this node knows of: whole, partial\n"
             "(chunks held of all) or wanted (referenced by an entry held,\n"
             "not fetched yet), with their size and the entries that\n"
             "reference them (0: simpul gc collects it).\n\n",
    .opts = cli_common_opts,
    .n_opts = 1,
    .width = 9,
};

int
cmd_blobs(int argc, char **argv)
{
        struct cli_common o = {NULL, false};
        struct cli_parsed p;
        struct app_blobs bs;
        char msg[APP_ERR_MAX], hex[65];
        struct node n;
        int err;

        if (!cli_parse(&blobs_spec, argc, argv, &o, &p))
                return p.status;
        if (cli_open(&n, o.data, NODE_OPEN_READ_ONLY))
                return EXIT_ERROR;
        err = app_blobs(&n, &bs, msg);
        app_close(&n);
        if (err)
                return cli_error("blobs: %s", msg);
        for (size_t i = 0; i < bs.n; i++) {
                const struct store_blob *b = &bs.v[i].b;
                hex_encode(hex, b->root, 32);
                printf("%s %10llu bytes  %-8s %u/%u chunks  %llu refs\n", hex,
                       (unsigned long long)b->size,
                       b->held == b->chunks ? "whole"
                       : b->held            ? "partial"
                                            : "wanted",
                       b->held, b->chunks, (unsigned long long)bs.v[i].refs);
        }
        if (!bs.n)
                printf("no blobs\n");
        app_blobs_release(&bs);
        return EXIT_OK;
}

static const struct cli_spec gc_spec = {
    .name = "gc",
    .usage = "usage: simpul gc [--data DIR]\n\n"
             "Deletes the attachments no entry held references (a file\n"
             "stored for a post that failed, say). Safe while the daemon\n"
             "runs.\n\n",
    .opts = cli_common_opts,
    .n_opts = 1,
    .width = 9,
};

int
cmd_gc(int argc, char **argv)
{
        struct cli_common o = {NULL, false};
        struct cli_parsed p;
        char msg[APP_ERR_MAX];
        uint64_t blobs, bytes;
        struct node n;
        int err;

        if (!cli_parse(&gc_spec, argc, argv, &o, &p))
                return p.status;
        if (cli_open(&n, o.data, 0))
                return EXIT_ERROR;
        err = app_gc(&n, &blobs, &bytes, msg);
        app_close(&n);
        if (err)
                return cli_error("gc: %s", msg);
        printf("collected %llu blobs, %llu bytes\n", (unsigned long long)blobs,
               (unsigned long long)bytes);
        return EXIT_OK;
}
