/*
 * dashboard: the kabupaten's figures (app.h, docs/API.md GET
 * /api/dashboard), read in one transaction:
 *   - every report's dashboard record (kim_dash, written with its view:
 *     state, times, category) whose author region is in the region's
 *     subtree and whose time is in the window goes into the row of the
 *     region one level below that holds its author (kim/dash.c counts);
 *     the total is the sum of the rows;
 *   - those reports and the announcements (kim_dash_ann: author region
 *     and time) of the subtree count as items posted by their author
 *     region, by WIB month;
 *   - every feed held of an author in the subtree gives its author's last
 *     entry time (its head's timestamp_ms); certified nodes of the subtree
 *     without a feed held are never heard from.
 * Nothing here reads the clock but for a now_ms not given.
 */
#include <stdlib.h>
#include <string.h>

#include "app_int.h"

#define DAY_MS 86400000ULL

struct dash_walk {
        struct node *n;
        struct store_txn *t;
        struct app_dashboard *d;
        struct kim_calendar cal;
        struct app_places places; /* names from the certificates held */
        int level;                /* of d->region */
};

/* Fills p for code: its level and the name of its newest certificate. */
static void
place_set(struct dash_walk *w, struct app_dash_place *p, const char *code)
{
        memset(p, 0, sizeof(*p));
        snprintf(p->code, sizeof(p->code), "%s", code);
        p->level = region_level_name(region_level(code));
        snprintf(p->name, sizeof(p->name), "%s",
                 app__place_name(&w->places, code, region_level(code)));
}

/* The region one level below w's that holds code (code in its subtree,
 * below it), or w's region itself for code == it. */
static void
child_of(const struct dash_walk *w, const char *code, char out[REGION_BUF])
{
        size_t i, dots = 0;

        for (i = 0; code[i]; i++)
                if (code[i] == '.' && ++dots > (size_t)w->level)
                        break;
        memcpy(out, code, i);
        out[i] = 0;
}

/* ---- rows ---------------------------------------------------------------- */

static struct app_dash_row *
row_get(struct dash_walk *w, const char *code)
{
        struct app_dashboard *d = w->d;
        size_t lo = 0, hi = d->n_rows;

        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                int c = strcmp(d->rows[mid].at.code, code);

                if (!c)
                        return &d->rows[mid];
                if (c < 0)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        d->rows = app__grow(d->rows, d->n_rows, &d->cap_rows, sizeof(*d->rows));
        memmove(&d->rows[lo + 1], &d->rows[lo],
                (d->n_rows - lo) * sizeof(*d->rows));
        d->n_rows++;
        place_set(w, &d->rows[lo].at, code);
        kim_dash_init(&d->rows[lo].d);
        return &d->rows[lo];
}

static void
row_medians(struct app_dash_row *r)
{
        r->has_verify =
            kim_dash_median(r->d.verify_ms, r->d.n_verify, &r->verify_ms);
        r->has_reply =
            kim_dash_median(r->d.reply_ms, r->d.n_reply, &r->reply_ms);
}

/* ---- activity per KIM ---------------------------------------------------- */

static struct app_dash_kim *
kim_get(struct dash_walk *w, const char *code)
{
        struct app_dashboard *d = w->d;
        size_t lo = 0, hi = d->n_kims;

        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                int c = strcmp(d->kims[mid].at.code, code);

                if (!c)
                        return &d->kims[mid];
                if (c < 0)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        d->kims = app__grow(d->kims, d->n_kims, &d->cap_kims, sizeof(*d->kims));
        memmove(&d->kims[lo + 1], &d->kims[lo],
                (d->n_kims - lo) * sizeof(*d->kims));
        d->n_kims++;
        memset(&d->kims[lo], 0, sizeof(d->kims[lo]));
        place_set(w, &d->kims[lo].at, code);
        return &d->kims[lo];
}

/* One item posted by region code at ts. */
static void
activity_add(struct dash_walk *w, const char *code, uint64_t ts)
{
        struct app_dash_kim *k = kim_get(w, code);
        int32_t m = kim_month_of(ts);
        size_t i = k->n_months;

        k->items++;
        /* Mostly in time order: look from the end. */
        while (i > 0 && k->months[i - 1].month > m)
                i--;
        if (i > 0 && k->months[i - 1].month == m) {
                k->months[i - 1].items++;
                return;
        }
        k->months = app__grow(k->months, k->n_months, &k->cap_months,
                              sizeof(*k->months));
        memmove(&k->months[i + 1], &k->months[i],
                (k->n_months - i) * sizeof(*k->months));
        k->months[i] = (struct app_dash_month){.month = m, .items = 1};
        kim_month_format(m, k->months[i].name);
        k->n_months++;
}

static bool
in_window(const struct app_dash_query *q, uint64_t ts)
{
        return ts >= q->since_ms && (!q->until_ms || ts < q->until_ms);
}

/* ---- the reports --------------------------------------------------------- */

static int
report_visit(void *ctx, const uint8_t id[ENTRY_HASH_BYTES],
             const struct kim_dash_rec *r)
{
        struct dash_walk *w = ctx;
        struct app_dashboard *d = w->d;
        char child[REGION_BUF];

        (void)id;
        if (!region_covers(d->region, r->region) || !in_window(&d->q, r->ts))
                return 0;
        child_of(w, r->region, child);
        kim_dash_add(&row_get(w, child)->d, r, &w->cal, d->q.now_ms);
        activity_add(w, r->region, r->ts);
        return 0;
}

static int
ann_visit(void *ctx, const char *region, uint64_t ts)
{
        struct dash_walk *w = ctx;

        if (region_covers(w->d->region, region) && in_window(&w->d->q, ts))
                activity_add(w, region, ts);
        return 0;
}

/* ---- nodes heard from ---------------------------------------------------- */

static struct app_dash_node *
node_get(struct dash_walk *w, const uint8_t key[ENTRY_KEY_BYTES],
         const char *code)
{
        struct app_dashboard *d = w->d;
        size_t lo = 0, hi = d->n_nodes;

        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                int c = strcmp(d->nodes[mid].at.code, code);

                if (!c)
                        c = memcmp(d->nodes[mid].key, key, ENTRY_KEY_BYTES);
                if (!c)
                        return &d->nodes[mid];
                if (c < 0)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        d->nodes =
            app__grow(d->nodes, d->n_nodes, &d->cap_nodes, sizeof(*d->nodes));
        memmove(&d->nodes[lo + 1], &d->nodes[lo],
                (d->n_nodes - lo) * sizeof(*d->nodes));
        d->n_nodes++;
        memset(&d->nodes[lo], 0, sizeof(d->nodes[lo]));
        memcpy(d->nodes[lo].key, key, ENTRY_KEY_BYTES);
        place_set(w, &d->nodes[lo].at, code);
        return &d->nodes[lo];
}

static int
feed_visit(void *ctx, const struct feed_info *f)
{
        struct dash_walk *w = ctx;
        struct app_dash_node *nd;
        struct buf bytes = BUF_INIT;
        struct entry e;
        int err;

        if (!f->head_seq || !region_covers(w->d->region, f->author_region))
                return 0;
        if ((err = store_get(w->t, f->id, f->head_seq, &bytes)) ||
            (err = entry_parse(buf_slice(&bytes), &e)))
                goto out;
        nd = node_get(w, f->author, f->author_region);
        if (!nd->heard || e.h.timestamp_ms > nd->last_ms)
                nd->last_ms = e.h.timestamp_ms;
        nd->heard = true;
out:
        buf_release(&bytes);
        return err;
}

static int
cert_visit(void *ctx, const uint8_t pk[ENTRY_KEY_BYTES], struct slice bytes)
{
        struct dash_walk *w = ctx;
        struct cert_info c;

        if (!cert_parse(bytes, &c) && region_covers(w->d->region, c.region))
                (void)node_get(w, pk, c.region);
        return 0;
}

static void
nodes_mark(struct app_dashboard *d)
{
        uint64_t span = d->q.quiet_days * DAY_MS;

        for (size_t i = 0; i < d->n_nodes; i++) {
                struct app_dash_node *nd = &d->nodes[i];

                nd->quiet = !nd->heard || (d->q.now_ms > nd->last_ms &&
                                           d->q.now_ms - nd->last_ms >= span);
                d->quiet += nd->quiet;
        }
}

/* ---- the whole ----------------------------------------------------------- */

static int
query_check(struct node *n, const struct app_dash_query *q,
            struct app_dashboard *d, char *err_msg)
{
        const char *region = q->region ? q->region : n->config.region;

        d->q = *q;
        if (region_copy(d->region, region, strlen(region)))
                return app__fail(err_msg, ERR_USAGE,
                                 "region '%s' is not a region code", region);
        d->q.region = d->region;
        if (q->until_ms && q->since_ms >= q->until_ms)
                return app__fail(err_msg, ERR_USAGE,
                                 "since must be before until");
        if (q->quiet_days > APP_DASH_QUIET_MAX)
                return app__fail(err_msg, ERR_USAGE, "quiet_days is at most %u",
                                 APP_DASH_QUIET_MAX);
        if (!d->q.quiet_days)
                d->q.quiet_days = APP_DASH_QUIET_DAYS;
        if (!d->q.now_ms)
                d->q.now_ms = node_now_ms(n);
        return 0;
}

static int
dash_read(struct dash_walk *w)
{
        struct app_dashboard *d = w->d;
        int err;

        if ((err = app__places_load(w->n, w->t, &w->places)))
                return err;
        place_set(w, &d->at, d->region);
        d->total.at = d->at;
        if ((err = replica_dash_scan(w->t, report_visit, w)) ||
            (err = replica_dash_ann_scan(w->t, ann_visit, w)) ||
            (err = store_feeds(w->t, feed_visit, w)) ||
            (err = store_certs(w->t, cert_visit, w)))
                return err;
        /* The total is the sum of the rows: each report counted once. */
        for (size_t i = 0; i < d->n_rows; i++) {
                kim_dash_merge(&d->total.d, &d->rows[i].d);
                row_medians(&d->rows[i]);
        }
        row_medians(&d->total);
        nodes_mark(d);
        return 0;
}

int
app_dashboard(struct node *n, const struct app_dash_query *q,
              struct app_dashboard *out, char *err_msg)
{
        struct dash_walk w;
        int err;

        memset(out, 0, sizeof(*out));
        kim_dash_init(&out->total.d);
        memset(&w, 0, sizeof(w));
        if ((err = query_check(n, q, out, err_msg)) ||
            (err = app__views_ready(n, err_msg)))
                goto fail;
        w.n = n;
        w.d = out;
        w.level = region_level(out->region);
        app__calendar(n, &w.cal);
        if ((err = store_begin(n->store, false, &w.t))) {
                app__fail(err_msg, err, "%s", err_str(err));
                goto fail;
        }
        err = dash_read(&w);
        store_abort(w.t);
        app_places_release(&w.places);
        if (!err)
                return 0;
        app__fail(err_msg, err, "%s", err_str(err));
fail:
        app_dashboard_release(out);
        return err;
}

void
app_dashboard_release(struct app_dashboard *d)
{
        kim_dash_release(&d->total.d);
        for (size_t i = 0; i < d->n_rows; i++)
                kim_dash_release(&d->rows[i].d);
        for (size_t i = 0; i < d->n_kims; i++)
                free(d->kims[i].months);
        free(d->rows);
        free(d->kims);
        free(d->nodes);
        memset(d, 0, sizeof(*d));
}

int
app_dash_time_parse(const char *s, bool until, uint64_t *ms)
{
        size_t len = strlen(s);
        uint64_t v = 0;

        if (len && len <= 15 && strspn(s, "0123456789") == len) {
                for (size_t i = 0; i < len; i++)
                        v = v * 10 + (uint64_t)(s[i] - '0');
                *ms = v;
                return 0;
        }
        if (app_wib_parse(s, ms))
                return ERR_USAGE;
        if (until && len == 10)
                *ms += DAY_MS;
        return 0;
}
