/* init: create a node's data directory, key, config and store. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../http/http.h"
#include "cli.h"

/* STORE_DEFAULT_MAP_MIB and STORE_MAX_MAP_MIB, as text. */
#if UINTPTR_MAX > 0xffffffffU
#define INIT_MAP_HELP "(default 1024)"
#define INIT_MAP_RANGE "1 to 1048576"
#else
#define INIT_MAP_HELP "(default 256, at most 2048 on 32-bit)"
#define INIT_MAP_RANGE "1 to 2048 on a 32-bit build"
#endif

static const char init_help[] =
    "usage: simpul init --region CODE --name NAME [--data DIR]\n"
    "                   [--map-size-mib N] [--json]\n\n"
    "Creates the data directory with a new Ed25519 node key (node.key,\n"
    "mode 0600), a config file that documents every key (simpul.conf)\n"
    "and an empty store, and the HTTP API token (http.token, mode 0600;\n"
    "see simpul token). Refuses to overwrite an existing node.\n\n"
    "  --region CODE     Kemendagri code this node serves, e.g. 36.04\n"
    "                    (kabupaten), 36.04.12 (kecamatan), "
    "36.04.12.2002 (desa)\n"
    "  --name NAME       name shown to operators, e.g. \"KIM "
    "Sukanegara\"\n"
    "  --data DIR        data directory (default: $SIMPUL_DATA or\n"
    "                    ~/.local/share/simpul)\n"
    "  --map-size-mib N  largest store size in MiB " INIT_MAP_HELP "\n"
    "  --json            print the result as JSON\n";

struct init_opts {
        const char *region, *name, *data;
        uint64_t map_mib;
        bool json;
};

static int
init_parse(int argc, char **argv, struct init_opts *o)
{
        static const struct option longs[] = {
            {"region", required_argument, NULL, 'r'},
            {"name", required_argument, NULL, 'n'},
            {"map-size-mib", required_argument, NULL, 'm'},
            {"data", required_argument, NULL, CLI_OPT_DATA},
            {"json", no_argument, NULL, CLI_OPT_JSON},
            {"help", no_argument, NULL, CLI_OPT_HELP},
            {NULL, 0, NULL, 0},
        };
        char *end;
        int c;

        memset(o, 0, sizeof(*o));
        o->map_mib = STORE_DEFAULT_MAP_MIB;
        while ((c = getopt_long(argc, argv, "h", longs, NULL)) != -1) {
                switch (c) {
                case 'r':
                        o->region = optarg;
                        break;
                case 'n':
                        o->name = optarg;
                        break;
                case 'm':
                        o->map_mib = strtoull(optarg, &end, 10);
                        if (*end || o->map_mib < 1 ||
                            o->map_mib > STORE_MAX_MAP_MIB)
                                return cli_usage_error(
                                    "init",
                                    "--map-size-mib: expected " INIT_MAP_RANGE
                                    ", got '%s'",
                                    optarg);
                        break;
                case CLI_OPT_DATA:
                        o->data = optarg;
                        break;
                case CLI_OPT_JSON:
                        o->json = true;
                        break;
                case CLI_OPT_HELP:
                        fputs(init_help, stdout);
                        return -1;
                default:
                        return cli_usage_error("init", "invalid option");
                }
        }
        if (optind < argc)
                return cli_usage_error("init", "unexpected argument '%s'",
                                       argv[optind]);
        if (!o->region || !o->name)
                return cli_usage_error("init", "--region and --name are "
                                               "required");
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
        struct init_opts o;
        struct config cfg;
        struct store_options so = {0, false};
        struct store *st = NULL;
        struct key *k = NULL;
        char *dir = NULL, *conf = NULL, *keyp = NULL, *storep = NULL;
        char token[HTTP_TOKEN_HEX + 1];
        int rc, err;

        if ((rc = init_parse(argc, argv, &o)))
                return rc < 0 ? EXIT_OK : rc;
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
        if ((err = http_token_new(dir, token))) {
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
