/* verify: re-check every stored entry and every chain. */
#include <stddef.h>
#include <string.h>

#include "cli.h"

struct verify_opts {
        const char *data;
        bool json;
};

static const struct cli_opt verify_opts[] = {
    CLI_OPT("data", CLI_STR, offsetof(struct verify_opts, data), .arg = "DIR"),
    CLI_OPT("json", CLI_FLAG, offsetof(struct verify_opts, json)),
};

static const struct cli_spec verify_spec = {
    .name = "verify",
    .usage =
        "usage: simpul verify [--data DIR] [--json]\n\n"
        "Re-checks every stored entry (encoding, body hash, signature) and\n"
        "every feed's chain (sequence numbers from 1 without gaps, each\n"
        "prev the id of the entry before, head record = last entry).\n"
        "Names every problem; exits 1 if there is any, 0 if none.\n",
    .opts = verify_opts,
    .n_opts = ARRAY_LEN(verify_opts),
};

struct verify_ctx {
        json_t *arr;
};

static void
verify_report(void *ctx, const struct verify_problem *p)
{
        struct verify_ctx *vc = ctx;
        char feed[65];

        id_hex(feed, p->feed);
        if (vc->arr) {
                json_array_append_new(
                    vc->arr, json_pack("{s:s, s:I, s:s, s:s}", "feed", feed,
                                       "seq", (json_int_t)p->seq, "error",
                                       err_id(p->err), "what", p->what));
                return;
        }
        fprintf(stderr, "simpul: error: verify: feed %.16s seq %llu: %s (%s)\n",
                feed, (unsigned long long)p->seq, p->what, err_id(p->err));
}

int
cmd_verify(int argc, char **argv)
{
        struct verify_opts o = {NULL, false};
        struct verify_ctx vc = {NULL};
        struct verify_stats st;
        struct cli_parsed p;
        struct node n;
        int err;

        if (!cli_parse(&verify_spec, argc, argv, &o, &p))
                return p.status;
        if (cli_open(&n, o.data, NODE_OPEN_READ_ONLY))
                return EXIT_ERROR;
        if (o.json)
                vc.arr = json_array();
        err = replica_verify(&n.replica, verify_report, &vc, &st);
        node_close(&n);
        if (err) {
                json_decref(vc.arr);
                return cli_error("verify: %s", err_str(err));
        }
        if (o.json)
                cli_print_json(
                    json_pack("{s:b, s:I, s:I, s:I, s:o}", "ok",
                              st.problems == 0, "feeds", (json_int_t)st.feeds,
                              "entries", (json_int_t)st.entries, "problems",
                              (json_int_t)st.problems, "details", vc.arr));
        else if (st.problems == 0)
                printf("ok: %llu feeds, %llu entries verified\n",
                       (unsigned long long)st.feeds,
                       (unsigned long long)st.entries);
        else
                fprintf(stderr,
                        "simpul: error: verify: %llu problems in %llu feeds, "
                        "%llu entries\n",
                        (unsigned long long)st.problems,
                        (unsigned long long)st.feeds,
                        (unsigned long long)st.entries);
        return st.problems ? EXIT_ERROR : EXIT_OK;
}
