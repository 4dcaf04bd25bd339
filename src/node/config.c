/* config: the INI config file (inih), with every key documented. */
#include <errno.h>
#include <fcntl.h>
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "node.h"

#define MAP_MIB_MIN 1U
#define MAP_MIB_MAX (1024U * 1024U) /* 1 TiB */

void
config_defaults(struct config *c)
{
        memset(c, 0, sizeof(*c));
        c->map_size_mib = STORE_DEFAULT_MAP_MIB;
        c->log_level = LOG_INFO;
}

struct config_parse {
        struct config *c;
        char *err_msg;
        bool failed;
};

static int
parse_u64(const char *v, uint64_t min, uint64_t max, uint64_t *out)
{
        char *end;
        unsigned long long n;

        errno = 0;
        n = strtoull(v, &end, 10);
        if (errno || end == v || *end || v[0] == '-' || n < min || n > max)
                return ERR_CONFIG;
        *out = n;
        return 0;
}

static int
config_set(struct config *c, const char *section, const char *key,
           const char *value, const char **why)
{
        *why = "unknown key";
        if (!strcmp(section, "node") && !strcmp(key, "region")) {
                *why = "not a region code such as 36.04.12.2002";
                return region_copy(c->region, value, strlen(value));
        }
        if (!strcmp(section, "node") && !strcmp(key, "name")) {
                *why = "name is too long";
                if (strlen(value) >= NODE_NAME_MAX)
                        return ERR_CONFIG;
                strcpy(c->name, value);
                return 0;
        }
        if (!strcmp(section, "store") && !strcmp(key, "map_size_mib")) {
                *why = "expected a whole number of MiB from 1 to 1048576";
                return parse_u64(value, MAP_MIB_MIN, MAP_MIB_MAX,
                                 &c->map_size_mib);
        }
        if (!strcmp(section, "log") && !strcmp(key, "level")) {
                *why = "expected error, warn, info or debug";
                return log_level_parse(value, &c->log_level);
        }
        return ERR_CONFIG;
}

static int
on_key(void *user, const char *section, const char *key, const char *value)
{
        struct config_parse *p = user;
        const char *why;

        if (p->failed)
                return 1;
        if (config_set(p->c, section, key, value, &why)) {
                snprintf(p->err_msg, 256, "[%s] %s = '%s': %s", section, key,
                         value, why);
                p->failed = true;
        }
        return 1;
}

int
config_load(struct config *c, const char *path, char *err_msg)
{
        struct config_parse p = {c, err_msg, false};
        int rc;

        config_defaults(c);
        err_msg[0] = 0;
        rc = ini_parse(path, on_key, &p);
        if (rc < 0) {
                snprintf(err_msg, 256, "cannot read '%s': %s", path,
                         rc == -1 ? strerror(errno) : "out of memory");
                return rc == -1 && errno ? -errno : ERR_CONFIG;
        }
        if (rc > 0) {
                snprintf(err_msg, 256, "'%s' line %d: not an INI line", path,
                         rc);
                return ERR_CONFIG;
        }
        if (p.failed)
                return ERR_CONFIG;
        if (!c->region[0]) {
                snprintf(err_msg, 256, "'%s': [node] region is missing", path);
                return ERR_CONFIG;
        }
        return 0;
}

static const char config_template[] =
    "# simpul node configuration.\n"
    "# Every key is listed here with its meaning. Lines starting with #\n"
    "# are comments. Changes take effect when the node is restarted.\n"
    "\n"
    "[node]\n"
    "# Kemendagri code of the region this node serves: 36.04 for a\n"
    "# kabupaten, 36.04.12 for a kecamatan, 36.04.12.2002 for a desa.\n"
    "# It decides which feeds this node holds and may write.\n"
    "region = %s\n"
    "# Name shown to operators, e.g. \"KIM Sukanegara\".\n"
    "name = %s\n"
    "\n"
    "[store]\n"
    "# Largest size the LMDB store may grow to, in MiB (1 to 1048576;\n"
    "# default %u). The file takes only the space it uses. When it is\n"
    "# full, new entries are refused with STORE-FULL and everything\n"
    "# stored stays readable: raise this value and restart the node.\n"
    "map_size_mib = %llu\n"
    "\n"
    "[log]\n"
    "# Lowest level logged to stderr: error, warn, info or debug.\n"
    "level = %s\n";

int
config_write_new(const char *path, const struct config *c)
{
        static const char *const levels[] = {"error", "warn", "info", "debug"};
        FILE *f;
        int fd, err = 0;

        fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        if (fd < 0)
                return errno == EEXIST ? ERR_EXISTS : -errno;
        f = fdopen(fd, "w");
        if (!f) {
                err = -errno;
                close(fd);
                return err;
        }
        fprintf(f, config_template, c->region, c->name, STORE_DEFAULT_MAP_MIB,
                (unsigned long long)c->map_size_mib, levels[c->log_level]);
        if (fflush(f) || fsync(fd))
                err = -errno;
        if (fclose(f) && !err)
                err = -errno;
        return err;
}
