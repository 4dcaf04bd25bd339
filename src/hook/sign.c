/*
 * sign: the pure parts of a delivery (Standard Webhooks,
 * https://www.standardwebhooks.com/): its id, its signature, the secret's
 * text form, the retry delays. No I/O but the random bytes of a new
 * secret.
 */
#include <sodium.h>
#include <string.h>

#include "hook.h"

#define ID_PERSONAL "simpul-webhook"

void
hook_delivery_id(char out[HOOK_ID_BUF], const char *name,
                 const uint8_t entry_id[ENTRY_HASH_BYTES])
{
        crypto_generichash_state st;
        uint8_t h[16];

        crypto_generichash_init(&st, (const uint8_t *)ID_PERSONAL,
                                strlen(ID_PERSONAL), sizeof(h));
        /* The name with its NUL: "a" + id and "a\0..." cannot meet. */
        crypto_generichash_update(&st, (const uint8_t *)name, strlen(name) + 1);
        crypto_generichash_update(&st, entry_id, ENTRY_HASH_BYTES);
        crypto_generichash_final(&st, h, sizeof(h));
        memcpy(out, "msg_", 4);
        hex_encode(out + 4, h, sizeof(h));
}

void
hook_sign(char out[HOOK_SIG_BUF], const uint8_t *key, size_t key_len,
          const char *id, uint64_t ts_s, struct slice body)
{
        crypto_auth_hmacsha256_state st;
        uint8_t mac[crypto_auth_hmacsha256_BYTES];
        char ts[24];

        snprintf(ts, sizeof(ts), "%llu", (unsigned long long)ts_s);
        crypto_auth_hmacsha256_init(&st, key, key_len);
        crypto_auth_hmacsha256_update(&st, (const uint8_t *)id, strlen(id));
        crypto_auth_hmacsha256_update(&st, (const uint8_t *)".", 1);
        crypto_auth_hmacsha256_update(&st, (const uint8_t *)ts, strlen(ts));
        crypto_auth_hmacsha256_update(&st, (const uint8_t *)".", 1);
        crypto_auth_hmacsha256_update(&st, body.ptr, body.len);
        crypto_auth_hmacsha256_final(&st, mac);
        memcpy(out, "v1,", 3);
        sodium_bin2base64(out + 3, HOOK_SIG_BUF - 3, mac, sizeof(mac),
                          sodium_base64_VARIANT_ORIGINAL);
        sodium_memzero(&st, sizeof(st));
}

int
hook_secret_parse(const char *text, uint8_t *key, size_t *key_len)
{
        size_t plen = strlen(HOOK_SECRET_PREFIX), n;
        const char *end;

        while (*text == ' ' || *text == '\t' || *text == '\n' || *text == '\r')
                text++;
        n = strcspn(text, " \t\r\n");
        for (end = text + n; *end; end++)
                if (!strchr(" \t\r\n", *end))
                        return ERR_CONFIG; /* more than one word */
        if (n <= plen || strncmp(text, HOOK_SECRET_PREFIX, plen))
                return ERR_CONFIG;
        if (sodium_base642bin(key, HOOK_SECRET_MAX, text + plen, n - plen, NULL,
                              key_len, &end, sodium_base64_VARIANT_ORIGINAL) ||
            end != text + n || *key_len < HOOK_SECRET_MIN)
                return ERR_CONFIG;
        return 0;
}

void
hook_secret_new(char out[64])
{
        uint8_t key[32];

        randombytes_buf(key, sizeof(key));
        memcpy(out, HOOK_SECRET_PREFIX, strlen(HOOK_SECRET_PREFIX));
        sodium_bin2base64(out + strlen(HOOK_SECRET_PREFIX),
                          64 - strlen(HOOK_SECRET_PREFIX), key, sizeof(key),
                          sodium_base64_VARIANT_ORIGINAL);
        sodium_memzero(key, sizeof(key));
}

uint64_t
hook_backoff_ms(uint64_t min_ms, uint64_t max_ms, unsigned failures,
                uint32_t rnd)
{
        uint64_t d = min_ms, half;

        for (unsigned i = 1; i < failures && d < max_ms; i++)
                d *= 2;
        if (d > max_ms)
                d = max_ms;
        half = d / 2;
        return half + (d - half) * rnd / UINT32_MAX;
}
