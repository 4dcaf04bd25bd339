/* export: write entries to a bundle file (proto/SPEC.md §7). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static const char export_help[] =
    "usage: simpul export [--feed FEED] [-o FILE] [--data DIR] > FILE\n\n"
    "Writes the stored entries, exactly as signed, to a bundle file:\n"
    "feeds in priority order (system, urgent, normal, bulk), each from\n"
    "seq 1 up. Carry it on a USB stick and run 'simpul import FILE' on\n"
    "the other node. With -o the file is written whole or not at all.\n\n"
    "  --feed FEED   only the feed with this id (hex prefix, 8+ digits)\n"
    "  -o FILE       write to FILE instead of standard output\n";

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
        static const struct option longs[] = {
            {"feed", required_argument, NULL, 'f'},
            {"data", required_argument, NULL, CLI_OPT_DATA},
            {"help", no_argument, NULL, CLI_OPT_HELP},
            {NULL, 0, NULL, 0},
        };
        struct export_ctx ec;
        const char *data = NULL, *file = NULL;
        struct buf tmpname = BUF_INIT;
        char *tmp = NULL;
        struct node n;
        int c, err, rc = EXIT_ERROR;

        memset(&ec, 0, sizeof(ec));
        while ((c = getopt_long(argc, argv, "ho:", longs, NULL)) != -1) {
                switch (c) {
                case 'f':
                        if (cli_parse_id(optarg, ec.feed, &ec.feed_len))
                                return cli_usage_error(
                                    "export", "--feed: expected 8 to 64 "
                                              "hex digits");
                        break;
                case 'o':
                        file = optarg;
                        break;
                case CLI_OPT_DATA:
                        data = optarg;
                        break;
                case CLI_OPT_HELP:
                        fputs(export_help, stdout);
                        return EXIT_OK;
                default:
                        return cli_usage_error("export", "invalid option");
                }
        }
        if (optind < argc)
                return cli_usage_error("export", "unexpected argument '%s'",
                                       argv[optind]);
        if (!file && isatty(STDOUT_FILENO))
                return cli_usage_error("export", "refusing to write a binary "
                                                 "bundle to a terminal: use "
                                                 "-o FILE or > FILE");
        if (cli_open(&n, data, NODE_OPEN_READ_ONLY))
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
