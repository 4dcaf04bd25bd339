/*
 * app internals shared by the files of src/app: messages, loading and
 * opening items, the views; not part of the module API. json.c alone
 * includes jansson.
 */
#ifndef SIMPUL_APP_INT_H
#define SIMPUL_APP_INT_H

#include "../kim/view.h"
#include "app.h"

/* v (capacity *cap elements of size bytes) with room for element n: grown
 * (doubled) when n is *cap. Out of memory aborts. */
void *app__grow(void *v, size_t n, size_t *cap, size_t size);
/* app_places within t (places.c): store errors, *out released then. */
int app__places_load(struct node *n, struct store_txn *t,
                     struct app_places *out);
/* The name of code's ancestor at level (itself included), or "". */
const char *app__place_name(const struct app_places *p, const char *code,
                            int level);
/* accounts.c: may name and password be an account's? ERR_USAGE. */
int app__account_check(const char *name, const char *password,
                       char *err_msg) WUR;
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
/* terlambat_verifikasi or terlambat_tindak_lanjut. */
bool app__overdue(const struct kim_flags *f);
/*
 * Opens the rahasia content of a report into it->b (which then borrows
 * from it->content). False if it is sealed and this node cannot open it
 * (logged, KIM-SEALED, when it should open and does not).
 */
bool app__content_open(struct node *n, struct app_item *it);
/* ---- sealed attachments (sealed_blobs.c, BLOBS.md §2.1) ---- */
/* The keys of a rahasia report's files while it is posted (wiped by
 * app__files_drop), and the roots of their clear copies. */
struct app_files {
        uint8_t key[KIM_ATTACH_MAX][KIM_FILE_KEY_BYTES];
        uint8_t clear[KIM_ATTACH_MAX][32];
        size_t n;
};
/*
 * Seals each attachment of the rahasia report b: reads its blob (whole
 * here), stores the ciphertext as a blob, and puts its root and size in
 * b->attach[i] with the key (kept in f) in .key. ERR_BLOB_MISSING,
 * ERR_BLOB_TOO_BIG, store errors; err_msg says which.
 */
int app__attach_seal(struct node *n, struct kim_body *b, struct app_files *f,
                     char *err_msg) WUR;
/* After the post: if posted, deletes the clear copies no entry references
 * (a failed post may be tried again with them); wipes f. */
void app__files_drop(struct node *n, struct app_files *f, bool posted);
/* app_blob_file within t. */
int app__blob_file(struct node *n, struct store_txn *t, const uint8_t root[32],
                   struct app_blob_file *f) WUR;
/* Decrypts ct, blob root, with f's key into plain: ERR_BLOB_SEALED with one
 * log line if it does not. */
int app__blob_decrypt(const struct app_blob_file *f, const uint8_t root[32],
                      struct slice ct, struct buf *plain, char *err_msg) WUR;

/*
 * The summary of report id (as app_reports_list shows it) read in t:
 * ERR_KIM_NOT_FOUND when id is not a report held; r is left empty on
 * error. Release with app_report_release.
 */
int app__report_summary(struct node *n, struct store_txn *t,
                        const uint8_t id[ENTRY_HASH_BYTES], uint64_t now_ms,
                        struct app_report *r) WUR;
/*
 * Opens the sealed details of a step or tanggapan on a rahasia report
 * (KIM.md §4.3) into it->b (borrowing it->content). False if they are
 * sealed and do not open here (logged, KIM-SEALED, when they should).
 */
bool app__details_open(struct node *n, struct app_item *it);
/* Opens the reporter of a report into who (borrows it->reporter). */
enum app_reporter app__reporter_open(struct node *n, struct app_item *it,
                                     struct kim_reporter *who);

/*
 * Which levels above this node hold e (delivery.c), from acknowledged
 * heads only, in read transaction t. Store errors.
 */
int app__delivery(struct node *n, struct store_txn *t, const struct entry *e,
                  struct app_delivery *out) WUR;

/* bundle_blobs.c: the blobs a bundle's target is known to hold (BUNDLE.md
 * §5, §6). The roots (32 bytes each) it acknowledged, into roots. */
int app__bundle_blobs_held(struct store_txn *t,
                           const uint8_t key[ENTRY_KEY_BYTES],
                           struct buf *roots) WUR;
/* A bundle for key was written carrying these blobs: recs of root (32)
 * || feed (32) || seq (8), the entry each went with. Own transaction. */
int app__bundle_blobs_sent(struct node *n, const uint8_t key[ENTRY_KEY_BYTES],
                           struct slice recs) WUR;
/* key's known heads were just replaced (a bundle's HEADS, in t): the
 * blobs sent with entries it now holds are held there. */
int app__bundle_blobs_acked(struct store_txn *t,
                            const uint8_t key[ENTRY_KEY_BYTES]) WUR;

#endif
