/* init: create a node's data directory, key, config and store. */
#include <stddef.h>
#include <string.h>

#include "../app/app.h"
#include "cli.h"

/* STORE_DEFAULT_MAP_MIB and STORE_MAX_MAP_MIB, as help text. */
#if UINTPTR_MAX > 0xffffffffU
#define INIT_MAP_HELP "(default 1024)"
#else
#define INIT_MAP_HELP "(default 256, at most 2048 on 32-bit)"
#endif

struct init_opts {
        const char *region, *name, *data;
        uint64_t map_mib;
        bool json;
};

#define O(field) offsetof(struct init_opts, field)
static const struct cli_opt init_opts[] = {
    CLI_OPT("region", CLI_STR, O(region), .required = true, .arg = "CODE",
            .help = "Kemendagri code this node serves, e.g. 36.04\n"
                    "(kabupaten), 36.04.12 (kecamatan), 36.04.12.2002 (desa)"),
    CLI_OPT("name", CLI_STR, O(name), .required = true, .arg = "NAME",
            .help = "name shown to operators, e.g. \"KIM Sukanegara\""),
    CLI_OPT("data", CLI_STR, O(data), .arg = "DIR",
            .help = "data directory (default: $SIMPUL_DATA or\n"
                    "~/.local/share/simpul)"),
    CLI_OPT("map-size-mib", CLI_U64, O(map_mib), .arg = "N",
            .help = "largest store size in MiB " INIT_MAP_HELP, .min = 1,
            .max = STORE_MAX_MAP_MIB),
    CLI_OPT("json", CLI_FLAG, O(json), .help = "print the result as JSON"),
};
#undef O

static const struct cli_spec init_spec = {
    .name = "init",
    .usage =
        "usage: simpul init --region CODE --name NAME [--data DIR]\n"
        "                   [--map-size-mib N] [--json]\n\n"
        "Creates the data directory with a new Ed25519 node key (node.key,\n"
        "mode 0600), a config file that documents every key (simpul.conf)\n"
        "and an empty store, and the HTTP API token (http.token, mode 0600;\n"
        "see simpul token). Refuses to overwrite an existing node.\n\n",
    .opts = init_opts,
    .n_opts = ARRAY_LEN(init_opts),
    .width = 18,
    .missing = "--region and --name are required",
};

/* The checks of the values: 0 or a usage error. */
static int
init_check(const struct init_opts *o)
{
        if (region_check(o->region, strlen(o->region)))
                return cli_usage_error("init",
                                       "--region '%s' is not a region code "
                                       "such as 36.04.12.2002",
                                       o->region);
        if (!o->name[0] || strlen(o->name) >= NODE_NAME_MAX ||
            strpbrk(o->name, "\n\r;#"))
                return cli_usage_error("init", "--name must be one line of "
                                               "1 to 95 bytes without ; or #");
        return 0;
}

static int
init_report(const struct init_opts *o, const struct app_created *c)
{
        struct buf out = BUF_INIT;

        if (o->json)
                return cli_print_buf(&out, app_json_created(&out, c, 0));
        printf("Node created in %s\n"
               "  region:   %s (%s)\n"
               "  name:     %s\n"
               "  node key: %s\n\n"
               "Next: simpul post --kind informasi --to tree:%s "
               "--title \"...\"\n",
               c->dir, c->region, c->level, c->name, c->node_key, c->region);
        return EXIT_OK;
}

int
cmd_init(int argc, char **argv)
{
        struct init_opts o = {NULL, NULL, NULL, STORE_DEFAULT_MAP_MIB, false};
        struct cli_parsed p;
        struct app_init in;
        struct app_created c;
        char msg[APP_ERR_MAX];
        int rc;

        if (!cli_parse(&init_spec, argc, argv, &o, &p))
                return p.status;
        if ((rc = init_check(&o)))
                return rc;
        in = (struct app_init){o.data, o.region, o.name, o.map_mib, NULL};
        if (app_init(&in, &c, msg))
                return cli_error("init: %s", msg);
        rc = init_report(&o, &c);
        app_created_release(&c);
        return rc;
}
