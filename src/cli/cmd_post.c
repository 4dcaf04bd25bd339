/* post: sign an entry and append it to one of this node's feeds. */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static const char post_help[] =
    "usage: simpul post --kind KIND --to AUDIENCE --title TITLE\n"
    "                   [--body TEXT | --body-file FILE | < FILE]\n"
    "                   [--data DIR] [--json]\n\n"
    "Signs a new entry with this node's key and appends it to the feed\n"
    "for that kind and audience. The body is a msgpack map\n"
    "{\"title\": TITLE, \"text\": TEXT}; TEXT comes from --body,\n"
    "--body-file or standard input (when it is not a terminal).\n\n"
    "  --kind KIND     informasi, peringatan, aspirasi, pengaduan,\n"
    "                  permintaan_informasi, tanggapan, status, revisi,\n"
    "                  revisi_keputusan\n"
    "  --to AUDIENCE   tree:CODE       everyone in CODE's subtree and "
    "its\n"
    "                                  ancestors (e.g. tree:36.04)\n"
    "                  path:FROM:TO    the nodes from FROM up to TO\n"
    "                                  (e.g. "
    "path:36.04.12.2002:36.04)\n"
    "  --title TITLE   one line\n"
    "  --json          print the stored entry as JSON\n";

struct post_opts {
        const char *kind, *to, *title, *body, *body_file, *data;
        bool json;
};

static int
post_parse(int argc, char **argv, struct post_opts *o)
{
        static const struct option longs[] = {
            {"kind", required_argument, NULL, 'k'},
            {"to", required_argument, NULL, 't'},
            {"title", required_argument, NULL, 'T'},
            {"body", required_argument, NULL, 'b'},
            {"body-file", required_argument, NULL, 'f'},
            {"data", required_argument, NULL, CLI_OPT_DATA},
            {"json", no_argument, NULL, CLI_OPT_JSON},
            {"help", no_argument, NULL, CLI_OPT_HELP},
            {NULL, 0, NULL, 0},
        };
        int c;

        memset(o, 0, sizeof(*o));
        while ((c = getopt_long(argc, argv, "h", longs, NULL)) != -1) {
                switch (c) {
                case 'k':
                        o->kind = optarg;
                        break;
                case 't':
                        o->to = optarg;
                        break;
                case 'T':
                        o->title = optarg;
                        break;
                case 'b':
                        o->body = optarg;
                        break;
                case 'f':
                        o->body_file = optarg;
                        break;
                case CLI_OPT_DATA:
                        o->data = optarg;
                        break;
                case CLI_OPT_JSON:
                        o->json = true;
                        break;
                case CLI_OPT_HELP:
                        fputs(post_help, stdout);
                        return -1;
                default:
                        return cli_usage_error("post", "invalid option");
                }
        }
        if (optind < argc)
                return cli_usage_error("post", "unexpected argument '%s'",
                                       argv[optind]);
        if (!o->kind || !o->to || !o->title)
                return cli_usage_error("post",
                                       "--kind, --to and --title are required");
        if (o->body && o->body_file)
                return cli_usage_error("post", "give --body or --body-file, "
                                               "not both");
        return 0;
}

/* Reads at most ENTRY_BODY_MAX + 1 bytes: more is refused by the caller. */
static int
read_text(FILE *f, struct buf *out)
{
        char chunk[4096];
        size_t n;

        while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
                buf_add(out, chunk, n);
                if (out->len > ENTRY_BODY_MAX)
                        break;
        }
        return ferror(f) ? -EIO : 0;
}

static int
post_text(const struct post_opts *o, struct buf *text)
{
        FILE *f;
        int err;

        if (o->body) {
                buf_adds(text, o->body);
                return 0;
        }
        if (o->body_file) {
                if (!(f = fopen(o->body_file, "rb")))
                        return cli_error("post: cannot read '%s': %s",
                                         o->body_file, strerror(errno));
                err = read_text(f, text);
                fclose(f);
        } else if (!isatty(STDIN_FILENO)) {
                err = read_text(stdin, text);
        } else {
                return 0;
        }
        if (err)
                return cli_error("post: cannot read the body: %s",
                                 err_str(err));
        return 0;
}

static int
post_report(const struct post_opts *o, struct node *n, const uint8_t id[32])
{
        struct store_txn *t = NULL;
        struct buf bytes = BUF_INIT;
        struct entry e;
        char hex[65];
        int rc = EXIT_ERROR, err;

        if ((err = store_begin(n->store, false, &t)) ||
            (err = store_get_by_id(t, id, ENTRY_HASH_BYTES, &bytes)) ||
            (err = entry_parse(buf_slice(&bytes), &e))) {
                cli_error("post: cannot read back the entry: %s", err_str(err));
                goto out;
        }
        if (o->json) {
                rc = cli_print_json(cli_entry_json(&e, true));
                goto out;
        }
        id_hex(hex, id);
        printf("posted %s (%s, seq %llu) to %s\n", hex, o->kind,
               (unsigned long long)e.h.seq, o->to);
        rc = EXIT_OK;
out:
        if (t)
                store_abort(t);
        buf_release(&bytes);
        return rc;
}

int
cmd_post(int argc, char **argv)
{
        struct post_opts o;
        struct node n;
        struct post p;
        struct buf text = BUF_INIT, body = BUF_INIT;
        uint8_t id[ENTRY_HASH_BYTES];
        int rc, err;

        if ((rc = post_parse(argc, argv, &o)))
                return rc < 0 ? EXIT_OK : rc;
        memset(&p, 0, sizeof(p));
        if (kind_parse(o.kind, &p.kind) || kind_channel(p.kind) == 0 ||
            p.kind == KIND_LAMPIRAN)
                return cli_usage_error("post", "unknown --kind '%s'", o.kind);
        if ((err = audience_parse(&p.audience, o.to)))
                return cli_usage_error("post", "--to '%s': %s", o.to,
                                       err_str(err));
        if ((rc = post_text(&o, &text)))
                return rc;
        if (cli_open(&n, o.data, NODE_OPEN_KEY))
                return EXIT_ERROR;
        if (n.restored) {
                node_close(&n);
                buf_release(&text);
                return cli_error("post: %s (it would fork this node's own "
                                 "feeds): run simpul run until it reports "
                                 "SYNC-CAUGHT-UP",
                                 err_str(ERR_RESTORED));
        }
        rc = EXIT_ERROR;
        {
                struct body_field f[] = {{"title", o.title, 0},
                                         {"text", (const char *)text.data, 0}};
                wire_body_build(f, text.len ? 2 : 1, &body);
        }
        p.body = buf_slice(&body);
        err = replica_post(&n.replica, &p, 1, id);
        if (err == ERR_AUTHOR_RULE)
                cli_error("post: a node of %s (%s) may not write to %s: it "
                          "may write to tree:CODE inside its own region or "
                          "of its parent, and to a path it lies on",
                          n.config.region,
                          region_level_name(region_level(n.config.region)),
                          o.to);
        else if (err == ERR_TOO_BIG)
                cli_error("post: the body is over the limit of %u bytes",
                          ENTRY_BODY_MAX);
        else if (err)
                cli_error("post: %s", err_str(err));
        else
                rc = post_report(&o, &n, id);
        buf_release(&text);
        buf_release(&body);
        node_close(&n);
        return rc;
}
