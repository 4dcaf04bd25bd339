/*
 * hook internals: the delivery log of an endpoint (dlog.c) and one HTTP
 * POST (post.c, libcurl). Not part of the module API.
 */
#ifndef SIMPUL_HOOK_INT_H
#define SIMPUL_HOOK_INT_H

#include "hook.h"

/*
 * An endpoint's delivery log, <data>/webhooks/NAME.log: a header line
 * naming the store's instance, then one line per delivered event,
 * appended and fdatasync'ed before the next event is taken:
 *   SEQ DELIVERY-ID ENTRY-ID TIME HTTP-STATUS ATTEMPTS
 * pos is the SEQ of the last line (0: none). The file is locked (flock)
 * while open: one simpul webhooks per data directory.
 */
struct dlog {
        int fd;
        uint64_t pos;
};

/*
 * Opens (creating) dir/name.log for the store `instance` (hex). A last
 * line cut short by a crash is dropped: its event is delivered again,
 * with the same id. ERR_WEBHOOK_LOG (another store's log, locked,
 * unreadable: err_msg, 256 bytes, says which), -errno.
 */
int dlog_open(struct dlog *l, const char *dir, const char *name,
              const char *instance, char *err_msg) WUR;
/* Appends a delivered event's line and syncs it; -errno. */
int dlog_append(struct dlog *l, uint64_t seq, const char *id,
                const uint8_t entry[ENTRY_HASH_BYTES], long status,
                unsigned attempts) WUR;
void dlog_close(struct dlog *l);
/*
 * Reads dir/name.log without taking it: *pos and the last delivery's
 * time (last, "" when none); *running when another process holds its
 * lock. A log not yet made reads as none (0). -errno.
 */
int dlog_peek(const char *dir, const char *name, uint64_t *pos, char last[32],
              bool *running) WUR;

/* One POST (post.c). */
struct post_req {
        const char *url;
        const char *id, *type; /* webhook-id; the event type */
        uint64_t ts_s;         /* webhook-timestamp */
        const char *sig;       /* webhook-signature */
        struct slice body;
        uint64_t timeout_ms;
};
/*
 * Posts r with handle c (a CURL *, reused: its connection is kept):
 * *status gets the HTTP status, or 0 when none came (why, 256 bytes,
 * says what: refused, timed out). 0, or -ENOMEM.
 */
int post_send(void *c, const struct post_req *r, long *status, char *why);
void *post_handle_new(void);
void post_handle_free(void *c);
int post_global_init(void) WUR;

#endif
