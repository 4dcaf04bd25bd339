/* verify: re-check every stored entry and every chain. */
#include <string.h>

#include "cli.h"

static const struct cli_spec verify_spec = {
    .name = "verify",
    .usage =
        "usage: simpul verify [--data DIR] [--json]\n\n"
        "Re-checks every stored entry (encoding, body hash, signature) and\n"
        "every feed's chain (sequence numbers from 1 without gaps, each\n"
        "prev the id of the entry before, head record = last entry).\n"
        "Names every problem; exits 1 if there is any, 0 if none.\n",
    .opts = cli_common_opts,
    .n_opts = ARRAY_LEN(cli_common_opts),
};

int
cmd_verify(int argc, char **argv)
{
        struct cli_common o = {NULL, false};
        struct app_verify v;
        struct cli_parsed p;
        struct buf out = BUF_INIT;
        char msg[APP_ERR_MAX], feed[65];
        struct node n;
        int err;

        if (!cli_parse(&verify_spec, argc, argv, &o, &p))
                return p.status;
        if (cli_open(&n, o.data, NODE_OPEN_READ_ONLY))
                return EXIT_ERROR;
        err = app_verify(&n, &v, msg);
        app_close(&n);
        if (err)
                return cli_error("verify: %s", msg);
        for (size_t i = 0; !o.json && i < v.n; i++) {
                hex_encode(feed, v.v[i].feed, ENTRY_HASH_BYTES);
                fprintf(stderr,
                        "simpul: error: verify: feed %.16s seq %llu: %s (%s)\n",
                        feed, (unsigned long long)v.v[i].seq, v.v[i].what,
                        err_id(v.v[i].err));
        }
        if (o.json)
                cli_print_buf(&out, app_json_verify(&out, &v, 0));
        else if (v.stats.problems == 0)
                printf("ok: %llu feeds, %llu entries verified\n",
                       (unsigned long long)v.stats.feeds,
                       (unsigned long long)v.stats.entries);
        else
                fprintf(stderr,
                        "simpul: error: verify: %llu problems in %llu feeds, "
                        "%llu entries\n",
                        (unsigned long long)v.stats.problems,
                        (unsigned long long)v.stats.feeds,
                        (unsigned long long)v.stats.entries);
        err = v.stats.problems ? EXIT_ERROR : EXIT_OK;
        app_verify_release(&v);
        return err;
}
