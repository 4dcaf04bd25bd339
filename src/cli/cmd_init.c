/* init: create a node's data directory, key, config and store. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../app/app.h"
#include "cli.h"

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
            .help = "largest store size in MiB (default 1024)", .min = 1,
            .max = 1048576),
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
init_report(const struct init_opts *o, const char *dir, const struct key *k)
{
        int level = region_level(o->region);
        char pk[65];

        id_hex(pk, k->pk);
        if (o->json)
                return cli_print_json(json_pack(
                    "{s:s, s:s, s:s, s:s, s:s}", "data_dir", dir, "region",
                    o->region, "level", region_level_name(level), "name",
                    o->name, "node_key", pk));
        printf("Node created in %s\n"
               "  region:   %s (%s)\n"
               "  name:     %s\n"
               "  node key: %s\n\n"
               "Next: simpul post --kind informasi --to tree:%s "
               "--title \"...\"\n",
               dir, o->region, region_level_name(level), o->name, pk,
               o->region);
        return EXIT_OK;
}

int
cmd_init(int argc, char **argv)
{
        struct init_opts o = {NULL, NULL, NULL, STORE_DEFAULT_MAP_MIB, false};
        struct cli_parsed p;
        struct config cfg;
        struct store_options so = {0, false};
        struct store *st = NULL;
        struct key *k = NULL;
        char *dir = NULL, *conf = NULL, *keyp = NULL, *storep = NULL;
        char token[APP_TOKEN_HEX + 1];
        int rc, err;

        if (!cli_parse(&init_spec, argc, argv, &o, &p))
                return p.status;
        if ((rc = init_check(&o)))
                return rc;
        dir = node_data_dir(o.data);
        conf = node_path(dir, NODE_CONFIG_FILE);
        keyp = node_path(dir, NODE_KEY_FILE);
        storep = node_path(dir, NODE_STORE_DIR);
        rc = EXIT_ERROR;
        if (!access(keyp, F_OK) || !access(conf, F_OK)) {
                cli_error("init: '%s' already holds a node: refusing to "
                          "overwrite it (choose another --data DIR)",
                          dir);
                goto out;
        }
        if ((err = entry_lib_init()) || (err = node_mkdirs(dir)) ||
            (err = key_create_file(keyp)) || (err = key_load_file(keyp, &k))) {
                cli_error("init: cannot create the node key '%s': %s", keyp,
                          err_str(err));
                goto out;
        }
        config_defaults(&cfg);
        strcpy(cfg.region, o.region);
        strcpy(cfg.name, o.name);
        cfg.map_size_mib = o.map_mib;
        if ((err = config_write_new(conf, &cfg))) {
                cli_error("init: cannot write '%s': %s", conf, err_str(err));
                goto out;
        }
        if ((err = app_token_new(dir, token))) {
                cli_error("init: cannot write the HTTP API token in '%s': %s",
                          dir, err_str(err));
                goto out;
        }
        explicit_bzero(token, sizeof(token));
        so.map_size_bytes = (size_t)o.map_mib << 20;
        if ((err = store_open(&st, storep, &so))) {
                cli_error("init: cannot create the store '%s': %s", storep,
                          err_str(err));
                goto out;
        }
        rc = init_report(&o, dir, k);
out:
        if (st)
                store_close(st);
        key_free(k);
        free(dir);
        free(conf);
        free(keyp);
        free(storep);
        return rc;
}
