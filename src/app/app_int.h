/*
 * app internals shared by the files of src/app: messages, loading and
 * opening items, the views; not part of the module API. json.c alone
 * includes jansson.
 */
#ifndef SIMPUL_APP_INT_H
#define SIMPUL_APP_INT_H

#include <time.h>

#include "../kim/view.h"
#include "app.h"

/* A stored entry with its KIM body; b borrows from bytes, or from content
 * once the rahasia content is opened. */
struct app_item {
        struct buf bytes;
        struct entry e;
        struct kim_body b;
        bool kim;                     /* the body decodes as its KIM kind */
        struct buf content, reporter; /* opened plaintexts */
};

/* Writes err_msg (may be NULL) and returns err. */
int app__fail(char *err_msg, int err, const char *fmt, ...) PRINTF(3, 4);
/* The node's holidays as a calendar (borrows n's config). */
void app__calendar(const struct node *n, struct kim_calendar *c);
/* replica_views_ensure with a message. */
int app__views_ready(struct node *n, char *err_msg) WUR;
/* An id or unique prefix (4..32 bytes) to the full id of an entry held.
 * ERR_USAGE, ERR_KIM_NOT_FOUND, ERR_AMBIGUOUS, store errors. */
int app__resolve(struct store_txn *t, const uint8_t *id, size_t id_len,
                 uint8_t full[ENTRY_HASH_BYTES], char *err_msg) WUR;
/* Loads an entry by full id (ERR_KIM_NOT_FOUND); release it after. */
int app__item_load(struct store_txn *t, const uint8_t id[ENTRY_HASH_BYTES],
                   struct app_item *it) WUR;
void app__item_release(struct app_item *it);
/* Is the item held without its body (pruned, KIM.md §7)? */
bool app__body_missing(const struct app_item *it);
/* JSON values, new references: a hex id, a string, an ISO 8601 UTC time. */
json_t *app__id_json(const uint8_t id[ENTRY_HASH_BYTES]);
json_t *app__slice_json(struct slice s);
json_t *app__time_json(uint64_t ms);
/* terlambat_verifikasi or terlambat_tindak_lanjut. */
bool app__overdue(const struct kim_flags *f);
/* The steps this node may make on the report now (a new JSON array). */
json_t *app__allowed_steps(struct node *n, const struct wire_report_view *v,
                           uint64_t now_ms);

#endif
