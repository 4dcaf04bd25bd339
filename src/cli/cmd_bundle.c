/* bundle: sealed bundles for one node, by USB stick (proto/BUNDLE.md). */
#include <dirent.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../app/app.h"
#include "cli.h"

struct bundle_opts {
        const char *data, *file, *dir, *ret;
        bool json, no_return;
};

#define O(field) offsetof(struct bundle_opts, field)
static const struct cli_opt bundle_opts[] = {
    CLI_OPT(NULL, CLI_STR, O(file), .short_name = 'o', .arg = "FILE",
            .help = "for: write the one bundle to FILE"),
    CLI_OPT("dir", CLI_STR, O(dir), .short_name = 'd', .arg = "DIR",
            .help = "for: write each bundle into DIR (default: the current\n"
                    "directory) as to-REGION-from-REGION.bundle"),
    CLI_OPT("return", CLI_STR, O(ret), .arg = "FILE",
            .help = "import: write the return bundle to FILE (default:\n"
                    "beside the bundle, named as 'bundle for' names it)"),
    CLI_OPT("no-return", CLI_FLAG, O(no_return),
            .help = "import: write no return bundle"),
    CLI_OPT("data", CLI_STR, O(data), .arg = "DIR"),
    CLI_OPT("json", CLI_FLAG, O(json), .help = "print the result as JSON"),
};
#undef O

static const struct cli_spec bundle_spec = {
    .name = "bundle",
    .usage =
        "usage: simpul bundle for NODE... [-o FILE | -d DIR] [--data DIR] "
        "[--json]\n"
        "       simpul bundle import FILE|DIR [--return FILE | --no-return]\n"
        "                            [--data DIR] [--json]\n\n"
        "Carries a link's sync on a USB stick. NODE is a region code or a\n"
        "node key (8+ hex digits) whose certificate this node holds.\n\n"
        "  for     writes, for each NODE, what a sync with it would send and\n"
        "          it does not hold yet (as far as this node knows: its last\n"
        "          link or return bundle), sealed to its key: nobody else can\n"
        "          read the file, and a changed byte is refused. The\n"
        "          attachments of its entries go along ([blobs]\n"
        "          fetch_max_bytes).\n"
        "  import  verifies and stores the entries of a bundle sealed to\n"
        "          this node (as a sync does; importing it again stores\n"
        "          nothing new; every attachment chunk is checked\n"
        "          against its root), then writes the return bundle for the\n"
        "          sender: what this node now holds, and its new entries.\n"
        "          A bundle for another node is refused "
        "(BUNDLE-NOT-FOR-ME).\n\n"
        "Exit status 1 if the bundle is damaged (entries before the damage\n"
        "are stored: each is signed), or an entry or attachment was\n"
        "refused.\n\n",
    .opts = bundle_opts,
    .n_opts = ARRAY_LEN(bundle_opts),
    .width = 18,
    .max_args = -1,
};

/* Text, or one JSON object of the array bundle_for prints. */
static void
bundle_out_print(const struct app_bundle_out *b, const char *file, bool json,
                 bool first)
{
        struct buf out = BUF_INIT;

        if (!json) {
                printf("%s: %llu entries of %llu feeds", file,
                       (unsigned long long)b->entries,
                       (unsigned long long)b->feeds);
                if (b->blobs)
                        printf(", %llu attachments",
                               (unsigned long long)b->blobs);
                printf(" for %s (%s), %llu bytes\n", b->to.region, b->to.name,
                       (unsigned long long)b->bytes);
                return;
        }
        if (!app_json_bundle_out(&out, b, file, APP_JSON_COMPACT))
                printf("%s%.*s", first ? "" : ", ", (int)out.len,
                       (const char *)out.data);
        buf_release(&out);
}

static void
bundle_path(char *out, size_t cap, const char *dir, struct node *n,
            const struct app_bundle_node *to)
{
        char name[128];
        int len;

        app_bundle_name(name, sizeof(name), n, to);
        len = snprintf(out, cap, "%s/", dir ? dir : ".");
        if (len >= 0 && (size_t)len < cap)
                snprintf(out + len, cap - (size_t)len, "%.127s", name);
}

static int
bundle_for(const struct bundle_opts *o, const struct cli_parsed *p)
{
        struct app_bundle_node to;
        struct app_bundle_out b;
        char msg[APP_ERR_MAX], path[4096];
        struct node n;
        int rc = EXIT_OK;

        if (p->n_args < 1)
                return cli_usage_error("bundle", "expected one NODE or more");
        if (o->file && (p->n_args > 1 || o->dir))
                return cli_usage_error("bundle", "-o FILE takes one NODE and "
                                                 "no -d: use -d DIR");
        /* Writable: it records the blobs each bundle carries, to leave
         * them out once acknowledged (BUNDLE.md §5). */
        if (cli_open(&n, o->data, NODE_OPEN_KEY))
                return EXIT_ERROR;
        if (o->json)
                printf("[");
        for (int i = 0; i < p->n_args; i++) {
                if (app_bundle_node(&n, p->args[i], &to, msg)) {
                        rc = cli_error("bundle: %s", msg);
                        continue;
                }
                if (o->file)
                        snprintf(path, sizeof(path), "%s", o->file);
                else
                        bundle_path(path, sizeof(path), o->dir, &n, &to);
                if (app_bundle_for(&n, &to, path, &b, msg)) {
                        rc = cli_error("bundle: %s", msg);
                        continue;
                }
                bundle_out_print(&b, path, o->json, i == 0);
        }
        if (o->json)
                printf("]\n");
        app_close(&n);
        return rc;
}

static int
import_print(const struct app_bundle_in *in, int err, bool json,
             const char *ret, const struct app_bundle_out *rb)
{
        const struct ingest_stats *s = &in->sum;
        struct buf out = BUF_INIT;

        if (json)
                return cli_print_buf(
                    &out, app_json_bundle_in(&out, in, err, ret, rb, 0));
        printf("imported %llu new entries, %llu already held, %llu refused, "
               "from %s\n",
               (unsigned long long)s->stored, (unsigned long long)s->had,
               (unsigned long long)s->refused,
               in->from.region[0] ? in->from.region : "?");
        if (in->blobs || in->blobs_refused)
                printf("%llu attachments made whole, %llu refused\n",
                       (unsigned long long)in->blobs,
                       (unsigned long long)in->blobs_refused);
        if (ret)
                bundle_out_print(rb, ret, false, true);
        return EXIT_OK;
}

/* The return bundle's path: --return, else beside the bundle. */
static void
return_path(char *out, size_t cap, const struct bundle_opts *o,
            const char *file, struct node *n, const struct app_bundle_node *to)
{
        const char *slash = strrchr(file, '/');
        char dir[4096];

        if (o->ret) {
                snprintf(out, cap, "%s", o->ret);
                return;
        }
        snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - file) : 1,
                 slash ? file : ".");
        bundle_path(out, cap, slash == file ? "/" : dir, n, to);
}

/* One bundle file: imported, its return bundle written, the result
 * printed. */
static int
import_one(const struct bundle_opts *o, struct node *n, const char *file)
{
        struct app_bundle_out rb;
        struct app_bundle_in in;
        char msg[APP_ERR_MAX], path[4096];
        const char *ret = NULL;
        int rc = EXIT_OK, err;

        if ((err = app_bundle_import(n, file, &in, msg)))
                rc = cli_error("bundle: %s", msg);
        else if (in.sender_err) {
                char hex[2 * 32 + 1];
                hex_encode(hex, in.from.key, 32);
                rc = cli_error("bundle: the sender %.16s... holds no valid "
                               "certificate here (%s): no return bundle",
                               hex, err_id(in.sender_err));
        } else if (!o->no_return) {
                return_path(path, sizeof(path), o, file, n, &in.from);
                if (app_bundle_for(n, &in.from, path, &rb, msg))
                        rc = cli_error("bundle: return bundle: %s", msg);
                else
                        ret = path;
        }
        if (import_print(&in, err, o->json, ret, &rb) && rc == EXIT_OK)
                rc = EXIT_ERROR;
        if (rc == EXIT_OK && in.sum.refused)
                rc = cli_error("bundle: %llu entries refused (first: %s); "
                               "see the log lines above",
                               (unsigned long long)in.sum.refused,
                               err_id(in.sum.first_error));
        if (rc == EXIT_OK && in.blobs_refused)
                rc = cli_error("bundle: %llu attachments refused; see the "
                               "log lines above",
                               (unsigned long long)in.blobs_refused);
        return rc;
}

/* Every bundle for this node in dir (to-REGION-from-*.bundle, the names
 * 'bundle for' gives), in name order: a stick's folder. */
static int
import_dir(const struct bundle_opts *o, struct node *n, const char *dir)
{
        char prefix[REGION_BUF + 16], path[4096];
        struct dirent **names = NULL;
        int k, rc = EXIT_OK, found = 0;

        snprintf(prefix, sizeof(prefix), "to-%s-from-", n->replica.region);
        if ((k = scandir(dir, &names, NULL, alphasort)) < 0)
                return cli_error("bundle: cannot read '%s': %s", dir,
                                 strerror(errno));
        for (int i = 0; i < k; i++) {
                const char *nm = names[i]->d_name;
                size_t len = strlen(nm);

                if (!strncmp(nm, prefix, strlen(prefix)) && len > 7 &&
                    !strcmp(nm + len - 7, ".bundle")) {
                        snprintf(path, sizeof(path), "%s/%s", dir, nm);
                        found++;
                        if (import_one(o, n, path) != EXIT_OK)
                                rc = EXIT_ERROR;
                }
                free(names[i]);
        }
        free(names);
        if (!found)
                rc = cli_error("bundle: no bundle for this node in '%s' "
                               "(%s*.bundle)",
                               dir, prefix);
        return rc;
}

static int
bundle_import(const struct bundle_opts *o, const struct cli_parsed *p)
{
        struct stat st;
        struct node n;
        int rc;

        if (p->n_args != 1)
                return cli_usage_error("bundle", "expected one FILE or DIR");
        if (cli_open(&n, o->data, NODE_OPEN_KEY))
                return EXIT_ERROR;
        if (!stat(p->args[0], &st) && S_ISDIR(st.st_mode))
                rc = o->ret ? cli_usage_error("bundle", "--return takes one "
                                                        "FILE, not a DIR")
                            : import_dir(o, &n, p->args[0]);
        else
                rc = import_one(o, &n, p->args[0]);
        app_close(&n);
        return rc;
}

int
cmd_bundle(int argc, char **argv)
{
        struct bundle_opts o;
        struct cli_parsed p;

        memset(&o, 0, sizeof(o));
        if (!cli_parse_sub(&bundle_spec, "expected for or import", argc, argv,
                           &o, &p))
                return p.status;
        if (!strcmp(argv[1], "for"))
                return bundle_for(&o, &p);
        if (!strcmp(argv[1], "import"))
                return bundle_import(&o, &p);
        return cli_usage_error("bundle", "unknown subcommand '%s'", argv[1]);
}
