/* config: the INI config file (inih), with every key documented. */
#include <errno.h>
#include <stddef.h>
#include <fcntl.h>
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../kim/view.h"
#include "../blob/blob.h"
#include "node.h"

#define MAP_MIB_MIN 1U
/* A map larger than the address space would wrap to a small one. */
#if UINTPTR_MAX > 0xffffffffU
#define MAP_MIB_WHY "expected a whole number of MiB from 1 to 1048576"
#else
#define MAP_MIB_WHY                                                            \
        "expected a whole number of MiB from 1 to 2048: a 32-bit build "       \
        "cannot map more (a 64-bit OS can)"
#endif

void
config_defaults(struct config *c)
{
        memset(c, 0, sizeof(*c));
        c->map_size_mib = STORE_DEFAULT_MAP_MIB;
        c->log_level = LOG_INFO;
        c->keepalive_s = 20;
        c->timeout_s = 60;
        c->backoff_min_ms = 1000;
        c->backoff_max_ms = 300000;
        c->retry_primary_s = 60;
        c->check_fallback_s = 6 * 3600;
        strcpy(c->http_listen, NODE_HTTP_LISTEN);
        c->http_per_addr = NODE_HTTP_PER_ADDR;
        c->blob_fetch_max = BLOB_MAX_BYTES;
        c->blob_upload_max = BLOB_MAX_BYTES;
        c->blob_fetch = -1;
        c->blob_auto_max = NODE_BLOB_AUTO_MAX;
}

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

/* "host:port, host:port": the first is the parent, the rest fallbacks. */
static int
parse_parents(struct config *c, const char *value)
{
        const char *p = value;

        c->parents_n = 0;
        while (*p) {
                size_t n;
                while (*p == ' ' || *p == ',')
                        p++;
                n = strcspn(p, ", ");
                if (!n)
                        break;
                if (n >= NODE_ADDR_MAX || c->parents_n == NODE_PARENTS_MAX ||
                    !memchr(p, ':', n))
                        return ERR_CONFIG;
                memcpy(c->parents[c->parents_n], p, n);
                c->parents[c->parents_n++][n] = 0;
                p += n;
        }
        return 0;
}

static int
net_set(struct config *c, const char *key, const char *value, const char **why)
{
        static const struct {
                const char *key;
                uint64_t min, max;
                size_t off;
        } nums[] = {
            {"keepalive_s", 1, 3600, offsetof(struct config, keepalive_s)},
            {"timeout_s", 2, 86400, offsetof(struct config, timeout_s)},
            {"backoff_min_ms", 10, 3600000,
             offsetof(struct config, backoff_min_ms)},
            {"backoff_max_ms", 10, 86400000,
             offsetof(struct config, backoff_max_ms)},
            {"retry_primary_s", 1, 86400,
             offsetof(struct config, retry_primary_s)},
            {"check_fallback_s", 0, 7 * 86400,
             offsetof(struct config, check_fallback_s)},
            {"budget_mib", 0, 1048576, offsetof(struct config, budget_mib)},
        };

        if (!strcmp(key, "listen")) {
                *why = "expected host:port, e.g. 0.0.0.0:7700, or nothing";
                if (strlen(value) >= NODE_ADDR_MAX ||
                    (value[0] && !strchr(value, ':')))
                        return ERR_CONFIG;
                strcpy(c->listen, value);
                return 0;
        }
        if (!strcmp(key, "parent")) {
                *why = "expected up to 4 host:port addresses, comma-separated";
                return parse_parents(c, value);
        }
        for (size_t i = 0; i < ARRAY_LEN(nums); i++) {
                if (strcmp(key, nums[i].key))
                        continue;
                *why = "number out of range";
                return parse_u64(value, nums[i].min, nums[i].max,
                                 (uint64_t *)((char *)c + nums[i].off));
        }
        return ERR_CONFIG;
}

struct config_parse {
        struct config *c;
        char *err_msg;
        bool failed;
};

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
                *why = "name is too long or has ; or #";
                if (strlen(value) >= NODE_NAME_MAX || strpbrk(value, ";#"))
                        return ERR_CONFIG;
                strcpy(c->name, value);
                return 0;
        }
        if (!strcmp(section, "store") && !strcmp(key, "map_size_mib")) {
                *why = MAP_MIB_WHY;
                return parse_u64(value, MAP_MIB_MIN, STORE_MAX_MAP_MIB,
                                 &c->map_size_mib);
        }
        if (!strcmp(section, "net"))
                return net_set(c, key, value, why);
        if (!strcmp(section, "http") && !strcmp(key, "listen")) {
                *why = "expected host:port, e.g. 127.0.0.1:7780, auto, or "
                       "nothing";
                if (strlen(value) >= NODE_ADDR_MAX ||
                    (value[0] && !strchr(value, ':') && strcmp(value, "auto")))
                        return ERR_CONFIG;
                strcpy(c->http_listen, value);
                return 0;
        }
        if (!strcmp(section, "http") && !strcmp(key, "hosts")) {
                *why = "expected host names or addresses separated by "
                       "commas, at most 255 bytes";
                if (strlen(value) >= NODE_HOSTS_MAX)
                        return ERR_CONFIG;
                strcpy(c->http_hosts, value);
                return 0;
        }
        if (!strcmp(section, "http") &&
            (!strcmp(key, "tls_cert") || !strcmp(key, "tls_key"))) {
                char *to = key[4] == 'c' ? c->http_tls_cert : c->http_tls_key;
                *why = "expected a file name of at most 255 bytes";
                if (strlen(value) >= NODE_TLS_PATH_MAX)
                        return ERR_CONFIG;
                strcpy(to, value);
                return 0;
        }
        if (!strcmp(section, "http") &&
            !strcmp(key, "connections_per_address")) {
                *why = "expected a whole number from 1 to 256";
                return parse_u64(value, 1, NODE_HTTP_CONNECTIONS,
                                 &c->http_per_addr);
        }
        /* Each line adds dates: a long list continues on indented lines
         * (inih reads at most 200 bytes a line). */
        if (!strcmp(section, "kim") && !strcmp(key, "holidays")) {
                *why = "expected dates YYYY-MM-DD separated by commas, "
                       "at most 256";
                return kim_holidays_parse(value, c->holidays, NODE_HOLIDAYS_MAX,
                                          &c->holidays_n)
                           ? ERR_CONFIG
                           : 0;
        }
        if (!strcmp(section, "sink") && !strcmp(key, "postgres")) {
                *why = "a libpq connection string of at most 199 bytes";
                if (strlen(value) >= NODE_DSN_MAX)
                        return ERR_CONFIG;
                strcpy(c->sink_postgres, value);
                return 0;
        }
        if (!strcmp(section, "sink") && !strcmp(key, "unseal")) {
                *why = "expected true or false";
                if (strcmp(value, "true") && strcmp(value, "false"))
                        return ERR_CONFIG;
                c->sink_unseal = !strcmp(value, "true");
                return 0;
        }
        if (!strcmp(section, "blobs") && !strcmp(key, "fetch_max_bytes")) {
                *why = "expected a size in bytes from 0 to 16777216";
                return parse_u64(value, 0, BLOB_MAX_BYTES, &c->blob_fetch_max);
        }
        if (!strcmp(section, "blobs") && !strcmp(key, "fetch")) {
                static const char *const modes[] = {"all", "up", "on-demand"};
                *why = "expected all, up or on-demand (empty: by level)";
                c->blob_fetch = -1;
                for (int i = 0; i < 3; i++)
                        if (!strcmp(value, modes[i]))
                                c->blob_fetch = i;
                return c->blob_fetch < 0 && *value ? ERR_CONFIG : 0;
        }
        if (!strcmp(section, "blobs") && !strcmp(key, "auto_fetch_max_bytes")) {
                *why = "expected a size in bytes from 0 to 16777216";
                return parse_u64(value, 0, BLOB_MAX_BYTES, &c->blob_auto_max);
        }
        if (!strcmp(section, "blobs") && !strcmp(key, "upload_max_bytes")) {
                *why = "expected a size in bytes from 1 to 16777216";
                return parse_u64(value, 1, BLOB_MAX_BYTES, &c->blob_upload_max);
        }
        if (!strcmp(section, "log") && !strcmp(key, "level")) {
                *why = "expected error, warn, info or debug";
                return log_level_parse(value, &c->log_level);
        }
        if (!strncmp(section, "webhook ", 8))
                return config_webhook_set(c, section, key, value, why);
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
        if (config_webhooks_check(c, err_msg))
                return ERR_CONFIG;
        if (!c->region[0]) {
                snprintf(err_msg, 256, "'%s': [node] region is missing", path);
                return ERR_CONFIG;
        }
        if (c->backoff_min_ms > c->backoff_max_ms ||
            c->keepalive_s >= c->timeout_s) {
                snprintf(err_msg, 256,
                         "'%s': [net] needs backoff_min_ms <= backoff_max_ms "
                         "and keepalive_s < timeout_s",
                         path);
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
    "# Largest size the LMDB store may grow to, in MiB (1 to %u;\n"
    "# default %u). The file takes only the space it uses. When it is\n"
    "# full, new entries are refused with STORE-FULL and everything\n"
    "# stored stays readable: raise this value and restart the node.\n"
    "map_size_mib = %llu\n"
    "\n"
    "[net]\n"
    "# Address to accept links from child nodes on, host:port. Empty:\n"
    "# accept none (a desa behind a cellular NAT). A kecamatan or\n"
    "# kabupaten server sets e.g. 0.0.0.0:7700.\n"
    "listen = %s\n"
    "# The parent to dial, host:port, then up to 3 fallbacks to use\n"
    "# while it is down, comma-separated (e.g. the kabupaten behind the\n"
    "# kecamatan). Empty: dial none (the kabupaten).\n"
    "parent = %s\n"
    "# Seconds of silence before a PING, and before a link is declared\n"
    "# dead and closed (LINK-TIMEOUT).\n"
    "keepalive_s = %llu\n"
    "timeout_s = %llu\n"
    "# Re-dial delays: random between backoff_min_ms and a cap that\n"
    "# doubles per failed attempt up to backoff_max_ms.\n"
    "backoff_min_ms = %llu\n"
    "backoff_max_ms = %llu\n"
    "# While linked through a fallback, how often to try the parent.\n"
    "retry_primary_s = %llu\n"
    "# While linked to the parent, how often to sync briefly with a\n"
    "# fallback (the next one each time; 0: never, up to 604800): a\n"
    "# parent that withholds a revocation, of its own key say, cannot\n"
    "# keep it from this node. About 450 bytes when nothing is new.\n"
    "check_fallback_s = %llu\n"
    "# Attachments' chunks (both ways) per link and calendar month, in\n"
    "# MiB; past it they wait for the next month (entries still flow).\n"
    "# 0: no budget.\n"
    "budget_mib = %llu\n"
    "\n"
    "[http]\n"
    "# Address of the local HTTP JSON API, /metrics and the web UI for\n"
    "# KIM operators, host:port, or auto (the default):\n"
    "# " NODE_HTTP_LISTEN_LOCAL " (this machine only) until the web app\n"
    "# has an admin account (simpul user add NAME --role admin, or the\n"
    "# setup page), then " NODE_HTTP_LISTEN_LAN " (the village Wi-Fi too).\n"
    "# Empty: no HTTP server.\n"
    "# Anyone who reaches it reads public information; writes need an\n"
    "# account of the right role (docs/API.md) or the token, and\n"
    "# personal data (reporters, rahasia content, peer addresses) is\n"
    "# shown to pengelola, admin and the token only. The token, for\n"
    "# programs, is in http.token beside this file (simpul token rotate).\n"
    "listen = %s\n"
    "# Names a browser may use to reach the API besides localhost,\n"
    "# 127.x.x.x, [::1] and the address it connected to, e.g.\n"
    "# hosts = simpul.local, kim-sukanegara.lan\n"
    "# Requests whose Host header names anything else are refused\n"
    "# (421 HTTP-HOST): a web page of another site cannot reach the\n"
    "# API by DNS rebinding.\n"
    "hosts = %s\n"
    "# Connections one client address may hold open at once (1 to 256,\n"
    "# of 64 in all): a slow or hostile client cannot take them all.\n"
    "# Raise it when every client comes through one address (a reverse\n"
    "# proxy on this machine, a NAT).\n"
    "connections_per_address = %llu\n"
    "# HTTPS instead of HTTP: a PEM certificate (chain) and its key,\n"
    "# absolute or relative to this directory (the key mode 0600), e.g.\n"
    "# tls_cert = tls.crt\n"
    "# tls_key = tls.key\n"
    "# Session cookies are then Secure. Without both: plain HTTP.\n"
    "\n"
    "[kim]\n"
    "# Public holidays (hari libur nasional, cuti bersama) as dates\n"
    "# YYYY-MM-DD separated by commas, e.g. 2026-12-25, 2026-12-31.\n"
    "# Report deadlines count working days, Monday to Friday in WIB\n"
    "# (UTC+07:00), minus these: 3 to verify a report, 5 to follow up\n"
    "# a verified one, 10 after selesai before it may be closed.\n"
    "# A long list goes on over indented lines:\n"
    "#   holidays = 2026-01-01, 2026-01-16, 2026-02-17,\n"
    "#       2026-03-19, 2026-03-20\n"
    "holidays =\n"
    "\n";

/* The rest (a string of at most 4,095 bytes each, as C99 promises). */
static const char config_template_tail[] =
    "[sink]\n"
    "# simpul sink (a kabupaten node): streams entries and reports into\n"
    "# PostgreSQL for Metabase or Grafana (docs/SINK.md). The libpq\n"
    "# connection string, e.g. postgres = host=/run/postgresql\n"
    "# dbname=simpul (kept here, not on a command line that ps shows).\n"
    "# Empty: simpul sink needs --postgres.\n"
    "postgres =\n"
    "# true: what this node's key opens (rahasia content, reporters of\n"
    "# reports that are not anonim) goes to PostgreSQL too. Default\n"
    "# false: sealed values stay sealed.\n"
    "unseal = false\n"
    "\n"
    "[blobs]\n"
    "# Attachments (photos, documents) of the entries this node holds\n"
    "# are fetched from its peers, in 16 KiB chunks after everything\n"
    "# else, up to this size in bytes (0: fetch none; at most 16777216).\n"
    "# A blob over it is shown by its thumbnail only.\n"
    "fetch_max_bytes = %llu\n"
    "# Which of them are fetched unasked: all; up (those from nodes\n"
    "# below, e.g. a report's photo on its way to its handler); or\n"
    "# on-demand (only when opened: simpul blob get, GET /api/blobs).\n"
    "# Empty: on-demand at a desa, up at a kecamatan, all above.\n"
    "fetch =\n"
    "# Under up and on-demand, blobs of at most this many bytes are\n"
    "# fetched unasked all the same.\n"
    "auto_fetch_max_bytes = %llu\n"
    "# The largest file the HTTP API takes (POST /api/blobs), 1 to\n"
    "# 16777216 bytes: held in memory while it is stored.\n"
    "upload_max_bytes = %llu\n"
    "\n"
    "# [webhook NAME] (a kabupaten node): simpul webhooks posts events\n"
    "# to url, signed with the secret in secret_file (Standard Webhooks;\n"
    "# docs/WEBHOOKS.md). events: some of report, step, tanggapan,\n"
    "# peringatan, informasi. personal = true: not redacted. Also\n"
    "# timeout_ms, backoff_min_ms, backoff_max_ms. For example:\n"
    "#   [webhook lapor]\n"
    "#   url = https://bridge.example.go.id/simpul\n"
    "#   secret_file = lapor.secret\n"
    "#   events = report, step, tanggapan\n"
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

        /* inih reads " ;" or " #" as a comment: such a name would not
         * come back. */
        if (strpbrk(c->name, ";#\n\r"))
                return ERR_CONFIG;
        fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        if (fd < 0)
                return errno == EEXIST ? ERR_EXISTS : -errno;
        f = fdopen(fd, "w");
        if (!f) {
                err = -errno;
                close(fd);
                return err;
        }
        char parents[NODE_PARENTS_MAX * (NODE_ADDR_MAX + 2)] = "";

        for (size_t i = 0; i < c->parents_n; i++) {
                if (i)
                        strcat(parents, ", ");
                strcat(parents, c->parents[i]);
        }
        fprintf(f, config_template, c->region, c->name, STORE_MAX_MAP_MIB,
                STORE_DEFAULT_MAP_MIB, (unsigned long long)c->map_size_mib,
                c->listen, parents, (unsigned long long)c->keepalive_s,
                (unsigned long long)c->timeout_s,
                (unsigned long long)c->backoff_min_ms,
                (unsigned long long)c->backoff_max_ms,
                (unsigned long long)c->retry_primary_s,
                (unsigned long long)c->check_fallback_s,
                (unsigned long long)c->budget_mib, c->http_listen,
                c->http_hosts, (unsigned long long)c->http_per_addr);
        fprintf(f, config_template_tail, (unsigned long long)c->blob_fetch_max,
                (unsigned long long)c->blob_auto_max,
                (unsigned long long)c->blob_upload_max, levels[c->log_level]);
        if (fflush(f) || fsync(fd))
                err = -errno;
        if (fclose(f) && !err)
                err = -errno;
        return err;
}
