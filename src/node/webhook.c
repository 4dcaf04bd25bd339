/*
 * webhook: the [webhook NAME] sections of the config (docs/WEBHOOKS.md).
 * The events are kept as entry kinds, the form the replica's outbox takes
 * (replica.outbox_kinds): the outbox then needs no table of names.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "node.h"

#define BIT(k) (1U << (k))

/* Event names (docs/WEBHOOKS.md) and the kinds whose entries raise them. */
static const struct {
        const char *name;
        uint32_t kinds;
} events[] = {
    {"report",
     BIT(KIND_ASPIRASI) | BIT(KIND_PENGADUAN) | BIT(KIND_PERMINTAAN_INFORMASI)},
    {"step", BIT(KIND_STATUS)},
    {"tanggapan", BIT(KIND_TANGGAPAN)},
    {"peringatan", BIT(KIND_PERINGATAN)},
    {"informasi", BIT(KIND_INFORMASI)},
};
#define EVENTS_DEFAULT (events[0].kinds | events[1].kinds | events[3].kinds)

static bool
name_ok(const char *s)
{
        size_t n = strlen(s);

        if (!n || n >= NODE_WEBHOOK_NAME_MAX)
                return false;
        return strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-_") == n;
}

/* "report, step": the union of their kinds; ERR_CONFIG on a name not
 * known, or none. */
static int
events_parse(const char *v, uint32_t *out)
{
        char buf[NODE_WEBHOOK_URL_MAX], *save = NULL;

        if (strlen(v) >= sizeof(buf))
                return ERR_CONFIG;
        strcpy(buf, v);
        *out = 0;
        for (char *w = strtok_r(buf, ", \t", &save); w;
             w = strtok_r(NULL, ", \t", &save)) {
                size_t i = 0;

                while (i < ARRAY_LEN(events) && strcmp(events[i].name, w))
                        i++;
                if (i == ARRAY_LEN(events))
                        return ERR_CONFIG;
                *out |= events[i].kinds;
        }
        return *out ? 0 : ERR_CONFIG;
}

static int
u64_parse(const char *v, uint64_t min, uint64_t max, uint64_t *out)
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

/* The section named `name`, made (with its defaults) when new. */
static struct webhook_config *
webhook_get(struct config *c, const char *name)
{
        struct webhook_config *w;

        for (size_t i = 0; i < c->webhooks_n; i++)
                if (!strcmp(c->webhooks[i].name, name))
                        return &c->webhooks[i];
        if (c->webhooks_n == NODE_WEBHOOKS_MAX)
                return NULL;
        w = &c->webhooks[c->webhooks_n++];
        memset(w, 0, sizeof(*w));
        strcpy(w->name, name);
        w->kinds = EVENTS_DEFAULT;
        w->timeout_ms = 10000;
        w->backoff_min_ms = 1000;
        w->backoff_max_ms = 3600000;
        return w;
}

static int
text_set(char *dst, const char *v)
{
        if (strlen(v) >= NODE_WEBHOOK_URL_MAX)
                return ERR_CONFIG;
        strcpy(dst, v);
        return 0;
}

int
config_webhook_set(struct config *c, const char *section, const char *key,
                   const char *value, const char **why)
{
        const char *name = section + strlen("webhook ");
        struct webhook_config *w;

        *why = "a webhook's name is 1 to 31 of a-z, 0-9, - and _";
        if (!name_ok(name))
                return ERR_CONFIG;
        *why = "at most 8 [webhook NAME] sections";
        if (!(w = webhook_get(c, name)))
                return ERR_CONFIG;
        *why = "unknown key";
        if (!strcmp(key, "url")) {
                *why = "expected an http:// or https:// URL of at most 199 "
                       "bytes";
                if (strncmp(value, "http://", 7) &&
                    strncmp(value, "https://", 8))
                        return ERR_CONFIG;
                return text_set(w->url, value);
        }
        if (!strcmp(key, "secret_file")) {
                *why = "expected a path of at most 199 bytes";
                return !*value ? ERR_CONFIG : text_set(w->secret_file, value);
        }
        if (!strcmp(key, "events")) {
                *why = "expected some of report, step, tanggapan, "
                       "peringatan, informasi separated by commas";
                return events_parse(value, &w->kinds);
        }
        if (!strcmp(key, "personal")) {
                *why = "expected true or false";
                if (strcmp(value, "true") && strcmp(value, "false"))
                        return ERR_CONFIG;
                w->personal = !strcmp(value, "true");
                return 0;
        }
        if (!strcmp(key, "timeout_ms")) {
                *why = "expected milliseconds from 100 to 300000";
                return u64_parse(value, 100, 300000, &w->timeout_ms);
        }
        if (!strcmp(key, "backoff_min_ms")) {
                *why = "expected milliseconds from 10 to 86400000";
                return u64_parse(value, 10, 86400000, &w->backoff_min_ms);
        }
        if (!strcmp(key, "backoff_max_ms")) {
                *why = "expected milliseconds from 10 to 86400000";
                return u64_parse(value, 10, 86400000, &w->backoff_max_ms);
        }
        return ERR_CONFIG;
}

int
config_webhooks_check(const struct config *c, char *err_msg)
{
        for (size_t i = 0; i < c->webhooks_n; i++) {
                const struct webhook_config *w = &c->webhooks[i];
                const char *missing = !w->url[0]           ? "url"
                                      : !w->secret_file[0] ? "secret_file"
                                                           : NULL;

                if (missing) {
                        snprintf(err_msg, 256, "[webhook %s]: %s is missing",
                                 w->name, missing);
                        return ERR_CONFIG;
                }
                if (w->backoff_min_ms > w->backoff_max_ms) {
                        snprintf(err_msg, 256,
                                 "[webhook %s]: needs backoff_min_ms <= "
                                 "backoff_max_ms",
                                 w->name);
                        return ERR_CONFIG;
                }
        }
        return 0;
}

uint32_t
config_webhook_kinds(const struct config *c)
{
        uint32_t kinds = 0;

        for (size_t i = 0; i < c->webhooks_n; i++)
                kinds |= c->webhooks[i].kinds;
        return kinds;
}

void
config_webhook_events(uint32_t kinds, char *out, size_t size)
{
        size_t len = 0;

        out[0] = 0;
        for (size_t i = 0; i < ARRAY_LEN(events); i++)
                if ((kinds & events[i].kinds) == events[i].kinds && len < size)
                        len += (size_t)snprintf(out + len, size - len, "%s%s",
                                                len ? "," : "", events[i].name);
}
