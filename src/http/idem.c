/*
 * idem: a POST /api/items sent again is not posted twice. The web app
 * keeps a report it could not send in the browser and sends it again
 * later (docs/API.md, "Sending again"); when the node stored the first
 * one but the reply was lost (the Wi-Fi dropped mid-request), the second
 * must get the first one's reply, not make a second item. The client
 * names each item with a random Idempotency-Key header; the node
 * remembers the last HTTP_IDEM_MAX keys with their reply for
 * HTTP_IDEM_TTL_MS, per caller (an account's key is not another's).
 *
 * In memory only: the entry and the key are not one transaction, and a
 * daemon restarted between the lost reply and the retry forgets the key
 * (docs/API.md says so). Writes run one at a time under write_lock, so a
 * retry racing the first request sees its reply.
 */
#include <string.h>
#include <uv.h>

#include "http_int.h"

/* Ages on the monotonic clock: a Pi without a real-time clock jumps when
 * it learns the time, and a remembered key must not expire with it. */
static uint64_t
idem_now_ms(void)
{
        return uv_hrtime() / 1000000U;
}

#define IDEM_HEADER "Idempotency-Key"

/* The caller: an account's name, or "" for the API token. */
static const char *
who(const struct http_req *r)
{
        return r->session && !r->authed ? r->sess.user : "";
}

/* The key of r (NULL: none) after checking it. */
static int
key_of(struct http_req *r, const char **key)
{
        const char *k = http_header(r, IDEM_HEADER);
        size_t n = k ? strlen(k) : 0;

        *key = k;
        if (k && (n < 16 || n > HTTP_IDEM_KEY_MAX ||
                  strspn(k, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTU"
                            "VWXYZ0123456789-_") != n))
                return http_fail(r, ERR_HTTP_BAD_VALUE,
                                 IDEM_HEADER " must be 16 to %u of A-Z, a-z, "
                                             "0-9, '-' and '_'",
                                 HTTP_IDEM_KEY_MAX);
        return 0;
}

int
http_idem_replay(struct http_req *r, bool *replayed)
{
        const char *key;
        uint64_t now = idem_now_ms();
        int err = key_of(r, &key);

        *replayed = false;
        if (err || !key || r->check_only)
                return err;
        for (size_t i = 0; i < HTTP_IDEM_MAX; i++) {
                const struct http_idem *m = &r->s->idem[i];

                if (!m->key[0] || strcmp(m->key, key) ||
                    strcmp(m->who, who(r)) || now - m->at_ms > HTTP_IDEM_TTL_MS)
                        continue;
                log_info("HTTP-IDEM-REPLAY",
                         "http %s: POST /api/items sent again with the same "
                         "key: the reply of %.16s, nothing posted",
                         r->client, m->id);
                r->status = 201;
                r->out = json_pack("{s:s, s:s, s:b}", "id", m->id, "kind",
                                   m->kind, "replayed", true);
                *replayed = true;
                return 0;
        }
        return 0;
}

void
http_idem_remember(struct http_req *r)
{
        const char *key = http_header(r, IDEM_HEADER);
        const char *id = json_string_value(json_object_get(r->out, "id"));
        const char *kind = json_string_value(json_object_get(r->out, "kind"));
        struct http_idem *m;

        if (!key || !id || !kind || r->status != 201)
                return;
        m = &r->s->idem[r->s->idem_next++ % HTTP_IDEM_MAX];
        snprintf(m->key, sizeof(m->key), "%s", key);
        snprintf(m->who, sizeof(m->who), "%s", who(r));
        snprintf(m->id, sizeof(m->id), "%s", id);
        snprintf(m->kind, sizeof(m->kind), "%s", kind);
        m->at_ms = idem_now_ms();
}
