/*
 * hook: outbound webhooks (docs/WEBHOOKS.md). `simpul webhooks` runs it as
 * a process of its own beside the daemon: it reads the store's outbox
 * (rows written in the same transaction as the entries that raise them,
 * replica.outbox_kinds) through app, posts each event to every [webhook
 * NAME] whose events include it, signed as Standard Webhooks
 * (https://www.standardwebhooks.com/) asks, and records each delivery in
 * a delivery log of its own per endpoint (NAME.log in <data>/webhooks/):
 * the daemon stays the store's only writer, and a slow or dead endpoint
 * never slows sync.
 *
 * At least once on the wire, exactly once by delivery id: an event is
 * retried (exponential backoff with jitter) until the endpoint answers
 * 2xx, with the same webhook-id on every attempt, and then logged
 * delivered once; a kill -9 before the log line is written only repeats
 * the attempt. Per endpoint events go in outbox order; a failing head
 * holds the rest back (the circuit).
 *
 * libcurl lives here only (an optional part: the Raspberry Pi builds lack
 * it); libsodium's HMAC-SHA256, BLAKE2b and base64 privately, as blob
 * does. Must not depend on: cli, http, node internals.
 */
#ifndef SIMPUL_HOOK_H
#define SIMPUL_HOOK_H

#include <signal.h>

#include "../app/app.h"

#define HOOK_DIR "webhooks"       /* in the data directory */
#define HOOK_POLL_DEFAULT_MS 200U /* looks at the outbox when idle */
#define HOOK_CIRCUIT_FAILURES 5U  /* in a row: the circuit opens */
#define HOOK_SECRET_MIN 24U       /* key bytes (Standard Webhooks) */
#define HOOK_SECRET_MAX 64U
#define HOOK_SECRET_PREFIX "whsec_"
#define HOOK_ID_BUF 37U  /* "msg_" + 32 hex + NUL */
#define HOOK_SIG_BUF 48U /* "v1," + base64 of 32 bytes + NUL */

/* ---- the pure parts (sign.c) ------------------------------------------ */

/* The delivery id of entry_id at endpoint `name`: "msg_" and 32 hex
 * digits of a BLAKE2b-128 of both, the same on every attempt. */
void hook_delivery_id(char out[HOOK_ID_BUF], const char *name,
                      const uint8_t entry_id[ENTRY_HASH_BYTES]);
/*
 * The webhook-signature value: "v1," and the base64 of HMAC-SHA256(key,
 * id "." ts "." body) (Standard Webhooks, "Signature scheme").
 */
void hook_sign(char out[HOOK_SIG_BUF], const uint8_t *key, size_t key_len,
               const char *id, uint64_t ts_s, struct slice body);
/*
 * Reads a secret "whsec_" + base64 (standard alphabet, padded) of
 * HOOK_SECRET_MIN..HOOK_SECRET_MAX bytes, surrounding blanks ignored,
 * into key (HOOK_SECRET_MAX bytes): its length, or ERR_CONFIG.
 */
int hook_secret_parse(const char *text, uint8_t *key, size_t *key_len) WUR;
/* A new secret in that form (32 random bytes), NUL-terminated. */
void hook_secret_new(char out[64]);
/*
 * The delay before attempt failures + 1, failures >= 1: min_ms doubled
 * per failure up to max_ms (cap), then "equal jitter": the half of it,
 * plus rnd's share of the other half, so endpoints that failed together
 * do not retry together.
 */
uint64_t hook_backoff_ms(uint64_t min_ms, uint64_t max_ms, unsigned failures,
                         uint32_t rnd);

/* ---- delivering (hook.c) ---------------------------------------------- */

struct hook_options {
        uint64_t poll_ms; /* 0: HOOK_POLL_DEFAULT_MS */
        bool once;        /* return once nothing is left to deliver */
        const char *only; /* one endpoint's name, or NULL: all */
};

struct hook_stats {
        uint64_t delivered; /* logged delivered in this run */
        uint64_t attempts;  /* posts made, failed ones included */
        uint64_t failed;    /* attempts that failed */
};

/*
 * Delivers n's outbox to the endpoints of n's config until *stop is set
 * (a signal handler's flag), or with o->once until every endpoint has
 * delivered everything (or is waiting out a failure: then it returns
 * ERR_WEBHOOK_DOWN). Log ids: WEBHOOK-DELIVERED (debug), WEBHOOK-RETRY,
 * WEBHOOK-CIRCUIT-OPEN, WEBHOOK-CIRCUIT-CLOSED, WEBHOOK-SKIPPED (an
 * event whose entry is no longer readable). Errors before the first
 * delivery: ERR_CONFIG (no endpoint, a bad secret file), ERR_WEBHOOK_LOG
 * (a delivery log of another store, locked by another simpul webhooks,
 * or unwritable), store errors.
 */
int hook_run(struct node *n, const struct hook_options *o,
             volatile sig_atomic_t *stop, struct hook_stats *st) WUR;

/* One endpoint as hook_status sees it. */
struct hook_endpoint_status {
        const struct webhook_config *c; /* borrowed from n's config */
        uint64_t position;              /* the outbox seq delivered through */
        uint64_t waiting;               /* events of its kinds after it */
        uint64_t outbox;                /* the outbox's last seq */
        char last_time[32];             /* of its last delivery; "" none */
        bool running;                   /* a simpul webhooks holds its log */
};

/*
 * Each endpoint of n's config (out: NODE_WEBHOOKS_MAX; *n_out set), read
 * from its delivery log (not locked) and the outbox. Store errors, -errno.
 */
int hook_status(struct node *n, struct hook_endpoint_status *out,
                size_t *n_out) WUR;

#endif
