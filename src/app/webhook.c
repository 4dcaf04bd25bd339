/*
 * webhook: the outbox and the bodies of webhook events (docs/WEBHOOKS.md),
 * for simpul webhooks. The envelope is written here by hand (its fields
 * are names, hex and a time: ASCII with nothing to escape); the data is
 * json.c's, the same JSON as the API's.
 */
#include <string.h>

#include "app_int.h"

#define SCAN_MAX 4096U /* rows looked at per app_outbox_next */

static const char *
event_type(uint32_t kind)
{
        if (kim_kind_is_report(kind))
                return "report.created";
        switch (kind) {
        case KIND_STATUS:
                return "report.step";
        case KIND_TANGGAPAN:
                return "report.tanggapan";
        case KIND_PERINGATAN:
                return "peringatan";
        case KIND_INFORMASI:
                return "informasi";
        default:
                return "unknown";
        }
}

struct next_walk {
        uint32_t kinds;
        struct app_outbox_event *ev;
        bool *found;
        uint64_t *scanned;
        size_t n;
};

static int
next_visit(void *ctx, const struct replica_event *e)
{
        struct next_walk *w = ctx;

        *w->scanned = e->seq;
        if (e->kind < 32 && (w->kinds >> e->kind & 1U)) {
                w->ev->seq = e->seq;
                memcpy(w->ev->id, e->id, ENTRY_HASH_BYTES);
                w->ev->kind = e->kind;
                w->ev->type = event_type(e->kind);
                *w->found = true;
                return 1;
        }
        return ++w->n == SCAN_MAX;
}

int
app_outbox_next(struct node *n, uint64_t after, uint32_t kinds,
                struct app_outbox_event *ev, bool *found, uint64_t *scanned,
                char *err_msg)
{
        struct next_walk w = {
            .kinds = kinds, .ev = ev, .found = found, .scanned = scanned};
        struct store_txn *t;
        int err;

        *found = false;
        *scanned = after;
        if ((err = store_begin(n->store, false, &t)))
                return app__fail(err_msg, err, "%s", err_str(err));
        err = replica_outbox_scan(t, after, next_visit, &w);
        store_abort(t);
        if (err < 0)
                return app__fail(err_msg, err, "the outbox: %s", err_str(err));
        return 0;
}

void
app_webhook_events(uint32_t kinds, char *out, size_t size)
{
        config_webhook_events(kinds, out, size);
}

struct count_walk {
        uint32_t kinds;
        uint64_t count;
};

static int
count_visit(void *ctx, const struct replica_event *e)
{
        struct count_walk *w = ctx;

        w->count += e->kind < 32 && (w->kinds >> e->kind & 1U);
        return 0;
}

int
app_outbox_count(struct node *n, uint64_t after, uint32_t kinds,
                 uint64_t *count, uint64_t *last, char *err_msg)
{
        struct count_walk w = {.kinds = kinds, .count = 0};
        struct store_txn *t;
        int err;

        if ((err = store_begin(n->store, false, &t)))
                return app__fail(err_msg, err, "%s", err_str(err));
        err = replica_outbox_scan(t, after, count_visit, &w);
        if (!err)
                err = replica_outbox_last(t, last);
        store_abort(t);
        if (err)
                return app__fail(err_msg, err, "the outbox: %s", err_str(err));
        *count = w.count;
        return 0;
}

/* The report a step or tanggapan names. */
static int
report_of(struct node *n, const uint8_t id[ENTRY_HASH_BYTES],
          uint8_t report[ENTRY_HASH_BYTES], char *err_msg)
{
        struct store_txn *t;
        struct app_item it;
        int err;

        if ((err = store_begin(n->store, false, &t)))
                return app__fail(err_msg, err, "%s", err_str(err));
        err = app__item_load(t, id, &it);
        if (!err && !it.kim)
                err = ERR_KIM_NOT_FOUND;
        if (!err)
                memcpy(report, it.b.report, ENTRY_HASH_BYTES);
        app__item_release(&it);
        store_abort(t);
        return err ? app__fail(err_msg, err, "%s", err_str(err)) : 0;
}

/* The data: the report or announcement, as the API shows it. */
static int
body_data(struct node *n, const struct app_outbox_event *ev, int flags,
          struct buf *out, char *err_msg)
{
        uint8_t report[ENTRY_HASH_BYTES];
        struct app_report r;
        struct app_ann a;
        int err;

        if (kim_kind_is_announcement(ev->kind)) {
                if ((err = app_announcement_get(n, ev->id, ENTRY_HASH_BYTES, &a,
                                                err_msg)))
                        return err;
                err = app_json_ann(out, &a, flags);
                app_ann_release(&a);
                return err;
        }
        if (kim_kind_is_report(ev->kind))
                memcpy(report, ev->id, ENTRY_HASH_BYTES);
        else if ((err = report_of(n, ev->id, report, err_msg)))
                return err;
        if ((err = app_report_get(n, report, ENTRY_HASH_BYTES, 0, &r, err_msg)))
                return err;
        err = app_json_report(out, &r, flags);
        app_report_release(&r);
        return err;
}

int
app_webhook_body(struct node *n, const struct app_outbox_event *ev,
                 bool personal, uint64_t now_ms, struct buf *out, char *err_msg)
{
        char iso[32], hex[2 * ENTRY_HASH_BYTES + 1];
        int flags = APP_JSON_COMPACT | (personal ? 0 : APP_JSON_REDACT);
        int err;

        app_time_iso(iso, now_ms);
        id_hex(hex, ev->id);
        buf_adds(out, "{\"type\":\"");
        buf_adds(out, ev->type);
        buf_adds(out, "\",\"timestamp\":\"");
        buf_adds(out, iso);
        buf_adds(out, "\",\"entry\":\"");
        buf_adds(out, hex);
        buf_adds(out, "\",\"data\":");
        if ((err = body_data(n, ev, flags, out, err_msg)))
                return err;
        buf_adds(out, "}");
        return 0;
}
