/*
 * blob, blobs, gc: attachments (proto/BLOBS.md). `simpul blob get ROOT -o
 * FILE` writes a whole blob out; `simpul blobs` lists the blobs held,
 * fetched or wanted; `simpul gc` collects the blobs no entry references.
 */
#include <stddef.h>
#include <string.h>

#include "../app/app.h"
#include "cli.h"

struct blob_opts {
        const char *data, *out;
};

#define O(field) offsetof(struct blob_opts, field)
static const struct cli_opt blob_opts[] = {
    CLI_OPT("data", CLI_STR, O(data), .arg = "DIR"),
    CLI_OPT("output", CLI_STR, O(out), .arg = "FILE", .required = true,
            .help = "where to write the blob (a temporary FILE.part is\n"
                    "renamed into place once it is complete)"),
};
#undef O

static const struct cli_spec blob_spec = {
    .name = "blob",
    .usage = "usage: simpul blob get ROOT --output FILE [--data DIR]\n\n"
             "Writes the attachment named ROOT (64 hex digits, as `simpul\n"
             "blobs` and `simpul show` print it) to FILE, once it is whole\n"
             "here.\n\n",
    .opts = blob_opts,
    .n_opts = ARRAY_LEN(blob_opts),
    .width = 13,
    .max_args = 2,
    .missing = "--output FILE is required",
};

int
cmd_blob(int argc, char **argv)
{
        struct blob_opts o = {NULL, NULL};
        struct cli_parsed p;
        char msg[APP_ERR_MAX];
        uint8_t root[32];
        struct node n;
        int err;

        /* -o FILE, the short form */
        for (int i = 1; i + 1 < argc; i++)
                if (!strcmp(argv[i], "-o"))
                        argv[i] = "--output";
        if (!cli_parse(&blob_spec, argc, argv, &o, &p))
                return p.status;
        if (p.n_args != 2 || strcmp(p.args[0], "get"))
                return cli_usage_error("blob", "expected: get ROOT");
        if (app_root_parse(p.args[1], root))
                return cli_usage_error("blob", "'%s': not a root (64 hex "
                                               "digits)",
                                       p.args[1]);
        if (cli_open(&n, o.data, NODE_OPEN_READ_ONLY))
                return EXIT_ERROR;
        err = app_blob_get(&n, root, o.out, msg);
        app_close(&n);
        if (err)
                return cli_error("blob: %s (%s)", msg, err_id(err));
        return EXIT_OK;
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
