/*
 * items: the list of GET /api/items (docs/API.md) — reports and
 * announcements, one list or both merged newest first — and its paging.
 *
 * The `after` cursor is opaque to clients: "r" + id (reports), "a" + id
 * (announcements) or "m" R "." A for the merged list, where R and A are
 * "" (from the start), an id (after it) or APP_ITEMS_DONE (that list is
 * done).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app_int.h"

#define HEX_ID (2 * ENTRY_HASH_BYTES)

/* One part of a cursor: "", "x" or 64 hex digits into out. */
static bool
cursor_part(const char *s, size_t n, char out[HEX_ID + 1])
{
        if (n && !(n == 1 && *s == 'x') && !(n == HEX_ID && hex_valid(s, n)))
                return false;
        memcpy(out, s, n);
        out[n] = 0;
        return true;
}

int
app_items_after(struct app_items_query *q, const char *c)
{
        const char *dot;
        bool ok;

        if (q->mode == APP_ITEMS_MERGED) {
                dot = strchr(c, '.');
                ok = c[0] == 'm' && dot &&
                     cursor_part(c + 1, (size_t)(dot - c - 1), q->rcur) &&
                     cursor_part(dot + 1, strlen(dot + 1), q->acur);
        } else {
                ok = c[0] == (q->mode == APP_ITEMS_REPORTS ? 'r' : 'a') &&
                     strlen(c + 1) == HEX_ID &&
                     cursor_part(c + 1, HEX_ID,
                                 q->mode == APP_ITEMS_REPORTS ? q->rcur
                                                              : q->acur);
        }
        return ok ? 0 : ERR_USAGE;
}

/* The id of a report or an announcement of the page. */
static const uint8_t *
listed_id(const struct app_listed *l)
{
        return l->report ? l->report->v.id : l->ann->it.e.id;
}

static uint64_t
listed_ts(const struct app_listed *l)
{
        return l->report ? l->report->v.ts : l->ann->it.e.h.timestamp_ms;
}

/* Newer first: by ts, then id (as the views order each list). */
static bool
newer(const struct app_listed *a, const struct app_listed *b)
{
        if (listed_ts(a) != listed_ts(b))
                return listed_ts(a) > listed_ts(b);
        return memcmp(listed_id(a), listed_id(b), ENTRY_HASH_BYTES) > 0;
}

/* Reads one list from cursor cur ("" or an id). */
static int
list_one(struct node *n, const struct app_items_query *q, bool reports,
         const char *cur, struct app_items *out, char *err_msg)
{
        struct app_report_filter rf = q->rf;
        struct app_ann_filter af = q->af;

        if (reports) {
                rf.limit = q->limit;
                rf.has_after = cur[0] != 0;
                if (cur[0] &&
                    hex_decode(rf.after, ENTRY_HASH_BYTES, cur, strlen(cur)))
                        return app__fail(err_msg, ERR_USAGE, "bad cursor");
                return app_reports_list(n, &rf, &out->reports, err_msg);
        }
        af.limit = q->limit;
        af.has_after = cur[0] != 0;
        if (cur[0] && hex_decode(af.after, ENTRY_HASH_BYTES, cur, strlen(cur)))
                return app__fail(err_msg, ERR_USAGE, "bad cursor");
        return app_announcements_list(n, &af, &out->anns, err_msg);
}

/* The cursor of one list after taking `taken` of what was read of it. */
static void
cursor_next(char cur[HEX_ID + 1], size_t n, bool more, size_t taken,
            const struct app_listed *last)
{
        if (!strcmp(cur, APP_ITEMS_DONE))
                return;
        if (taken == n && !more)
                snprintf(cur, HEX_ID + 1, APP_ITEMS_DONE);
        else if (taken)
                hex_encode(cur, listed_id(last), ENTRY_HASH_BYTES);
}

/* Both lists, merged newest first. */
static void
merge(const struct app_items_query *q, struct app_items *out)
{
        char rcur[HEX_ID + 1], acur[HEX_ID + 1];
        struct app_listed x, y, last_r = {0}, last_a = {0};
        size_t i = 0, j = 0;

        memcpy(rcur, q->rcur, sizeof(rcur));
        memcpy(acur, q->acur, sizeof(acur));
        while (out->n < q->limit && (i < out->reports.n || j < out->anns.n)) {
                x = (struct app_listed){
                    i < out->reports.n ? &out->reports.v[i] : NULL, NULL};
                y = (struct app_listed){NULL, j < out->anns.n ? &out->anns.v[j]
                                                              : NULL};
                if (x.report && (!y.ann || newer(&x, &y)))
                        out->v[out->n++] = last_r = x, i++;
                else
                        out->v[out->n++] = last_a = y, j++;
        }
        if (strcmp(rcur, APP_ITEMS_DONE))
                cursor_next(rcur, out->reports.n, out->reports.more, i,
                            &last_r);
        if (strcmp(acur, APP_ITEMS_DONE))
                cursor_next(acur, out->anns.n, out->anns.more, j, &last_a);
        if (strcmp(rcur, APP_ITEMS_DONE) || strcmp(acur, APP_ITEMS_DONE))
                snprintf(out->next, sizeof(out->next), "m%s.%s", rcur, acur);
}

int
app_items_list(struct node *n, const struct app_items_query *q,
               struct app_items *out, char *err_msg)
{
        bool reports = q->mode == APP_ITEMS_REPORTS;
        int err = 0;

        memset(out, 0, sizeof(*out));
        out->v = xcalloc(q->limit ? q->limit : 1, sizeof(*out->v));
        if (q->mode == APP_ITEMS_MERGED) {
                if (strcmp(q->rcur, APP_ITEMS_DONE))
                        err = list_one(n, q, true, q->rcur, out, err_msg);
                if (!err && strcmp(q->acur, APP_ITEMS_DONE))
                        err = list_one(n, q, false, q->acur, out, err_msg);
                if (!err)
                        merge(q, out);
        } else if (!(err = list_one(n, q, reports, reports ? q->rcur : q->acur,
                                    out, err_msg))) {
                for (size_t i = 0; reports && i < out->reports.n; i++)
                        out->v[out->n++].report = &out->reports.v[i];
                for (size_t i = 0; !reports && i < out->anns.n; i++)
                        out->v[out->n++].ann = &out->anns.v[i];
                if (reports ? out->reports.more : out->anns.more) {
                        out->next[0] = reports ? 'r' : 'a';
                        hex_encode(out->next + 1,
                                   listed_id(&out->v[out->n - 1]),
                                   ENTRY_HASH_BYTES);
                }
        }
        if (err)
                app_items_release(out);
        return err;
}

void
app_items_release(struct app_items *it)
{
        app_reports_release(&it->reports);
        app_anns_release(&it->anns);
        free(it->v);
        memset(it, 0, sizeof(*it));
}
