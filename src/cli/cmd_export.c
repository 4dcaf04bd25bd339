/* export: write entries to a bundle file (proto/SPEC.md §7). */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

struct export_opts {
        const char *data, *file;
        struct cli_id feed;
};

#define O(field) offsetof(struct export_opts, field)
static const struct cli_opt export_opts[] = {
    CLI_OPT("feed", CLI_PARSE, O(feed), .arg = "FEED",
            .help = "only the feed with this id (hex prefix, 8+ digits)",
            .parse = cli_parse_id_arg,
            .bad = "--feed: expected 8 to 64 hex digits"),
    CLI_OPT(NULL, CLI_STR, O(file), .short_name = 'o', .arg = "FILE",
            .help = "write to FILE instead of standard output"),
    CLI_OPT("data", CLI_STR, O(data), .arg = "DIR"),
};
#undef O

static const struct cli_spec export_spec = {
    .name = "export",
    .usage =
        "usage: simpul export [--feed FEED] [-o FILE] [--data DIR] > FILE\n\n"
        "Writes the stored entries, exactly as signed, to a bundle file:\n"
        "feeds in priority order (system, urgent, normal, bulk), each from\n"
        "seq 1 up. Carry it on a USB stick and run 'simpul import FILE' on\n"
        "the other node. With -o the file is written whole or not at all.\n\n",
    .opts = export_opts,
    .n_opts = ARRAY_LEN(export_opts),
    .width = 14,
};

struct export_ctx {
        struct store_txn *t;
        FILE *out;
        uint8_t feed[ENTRY_HASH_BYTES];
        size_t feed_len;
        uint64_t feeds, entries;
        int err;
};

static int
export_entry(void *ctx, uint64_t seq, struct slice bytes)
{
        struct export_ctx *ec = ctx;
        uint8_t len[BUNDLE_LEN_BYTES];

        (void)seq;
        be32_put(len, (uint32_t)bytes.len);
        if (fwrite(len, 1, sizeof(len), ec->out) != sizeof(len) ||
            fwrite(bytes.ptr, 1, bytes.len, ec->out) != bytes.len)
                return ec->err = errno ? -errno : -EIO;
        ec->entries++;
        return 0;
}

static int
export_feed(void *ctx, const struct feed_info *f)
{
        struct export_ctx *ec = ctx;

        if (ec->feed_len && memcmp(f->id, ec->feed, ec->feed_len))
                return 0;
        ec->feeds++;
        return store_feed_scan(ec->t, f->id, 1, export_entry, ec);
}

static int
export_run(struct node *n, struct export_ctx *ec)
{
        int err;

        if (fwrite(BUNDLE_MAGIC, 1, BUNDLE_MAGIC_BYTES, ec->out) !=
            BUNDLE_MAGIC_BYTES)
                return -EIO;
        if ((err = store_begin(n->store, false, &ec->t)))
                return err;
        err = store_feeds(ec->t, export_feed, ec);
        store_abort(ec->t);
        if (!err && fflush(ec->out))
                err = -errno;
        return err;
}

int
cmd_export(int argc, char **argv)
{
        struct export_opts o;
        struct cli_parsed p;
        struct export_ctx ec;
        struct buf tmpname = BUF_INIT;
        const char *file;
        char *tmp = NULL;
        struct node n;
        int err, rc = EXIT_ERROR;

        memset(&o, 0, sizeof(o));
        if (!cli_parse(&export_spec, argc, argv, &o, &p))
                return p.status;
        memset(&ec, 0, sizeof(ec));
        memcpy(ec.feed, o.feed.id, sizeof(ec.feed));
        ec.feed_len = o.feed.len;
        file = o.file;
        if (!file && isatty(STDOUT_FILENO))
                return cli_usage_error("export", "refusing to write a binary "
                                                 "bundle to a terminal: use "
                                                 "-o FILE or > FILE");
        if (cli_open(&n, o.data, NODE_OPEN_READ_ONLY))
                return EXIT_ERROR;
        ec.out = stdout;
        if (file) {
                buf_addf(&tmpname, "%s.tmp", file);
                tmp = (char *)tmpname.data;
                if (!(ec.out = fopen(tmp, "wb"))) {
                        cli_error("export: cannot create '%s': %s", tmp,
                                  strerror(errno));
                        goto out;
                }
        }
        err = export_run(&n, &ec);
        if (file) {
                if (!err && fsync(fileno(ec.out)))
                        err = -errno;
                if (fclose(ec.out) && !err)
                        err = -errno;
                if (!err && rename(tmp, file))
                        err = -errno;
                if (err)
                        unlink(tmp);
        }
        if (err) {
                cli_error("export: %s", err_str(err));
                goto out;
        }
        fprintf(stderr, "exported %llu entries of %llu feeds\n",
                (unsigned long long)ec.entries, (unsigned long long)ec.feeds);
        rc = EXIT_OK;
out:
        free(tmp);
        node_close(&n);
        return rc;
}
