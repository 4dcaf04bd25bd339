/*
 * rows: a batch of the log as rows in COPY's text format (PostgreSQL
 * docs, "COPY", File Formats: tab between columns, newline after a row,
 * \N for NULL, and backslash escapes for backslash, tab, newline and
 * carriage return). The column orders match the tables of pg.c.
 */
#include <assert.h>
#include <string.h>

#include "sink_int.h"

/* One column's value (after the separator). NUL bytes cannot be in a
 * PostgreSQL text value: they are dropped (strings are checked UTF-8 on
 * receipt, KIM.md §2, so nothing else needs mending). */
static void
col_bytes(struct buf *b, const void *p, size_t n)
{
        const unsigned char *s = p;

        for (size_t i = 0; i < n; i++) {
                switch (s[i]) {
                case '\\':
                        buf_add(b, "\\\\", 2);
                        break;
                case '\t':
                        buf_add(b, "\\t", 2);
                        break;
                case '\n':
                        buf_add(b, "\\n", 2);
                        break;
                case '\r':
                        buf_add(b, "\\r", 2);
                        break;
                case 0:
                        break;
                default:
                        buf_addc(b, s[i]);
                }
        }
}

/* Each column ends with a tab; row_end turns the row's last into the
 * newline. */
static void
sep(struct buf *b)
{
        buf_addc(b, '\t');
}

static void
col_str(struct buf *b, const char *s)
{
        if (!s)
                buf_add(b, "\\N", 2);
        else
                col_bytes(b, s, strlen(s));
        sep(b);
}

static void
col_slice(struct buf *b, struct slice s)
{
        if (!s.ptr)
                buf_add(b, "\\N", 2);
        else
                col_bytes(b, s.ptr, s.len);
        sep(b);
}

static void
col_hex(struct buf *b, const uint8_t *p, size_t n)
{
        char hex[2 * ENTRY_HASH_BYTES + 1];

        assert(n <= ENTRY_HASH_BYTES);
        hex_encode(hex, p, n);
        col_str(b, hex);
}

static void
col_u64(struct buf *b, uint64_t v)
{
        buf_addf(b, "%llu", (unsigned long long)v);
        sep(b);
}

static void
col_bool(struct buf *b, bool v)
{
        col_str(b, v ? "t" : "f");
}

/* A time in Unix ms (the author's clock: advisory), NULL when !has. */
static void
col_time(struct buf *b, bool has, uint64_t ms)
{
        char iso[32];

        if (!has) {
                col_str(b, NULL);
                return;
        }
        app_time_iso(iso, ms);
        col_str(b, iso);
}

static void
row_end(struct buf *b)
{
        assert(b->len && b->data[b->len - 1] == '\t');
        b->data[b->len - 1] = '\n';
}

/* The kecamatan a code lies in (itself at that level), or "" above it. */
static void
kecamatan_of(const char *code, char out[REGION_BUF])
{
        char up[REGION_BUF];

        out[0] = 0;
        if (region_level(code) < REGION_KECAMATAN)
                return;
        strcpy(out, code);
        while (region_level(out) > REGION_KECAMATAN && !region_parent(out, up))
                strcpy(out, up);
}

/* A region and its ancestors: code, parent, level, kecamatan. */
static void
region_rows(struct buf *b, const char *code)
{
        char cur[REGION_BUF], up[REGION_BUF], kec[REGION_BUF];
        bool has_up;

        if (region_check(code, strlen(code)))
                return;
        strcpy(cur, code);
        do {
                has_up = !region_parent(cur, up);
                kecamatan_of(cur, kec);
                col_str(b, cur);
                col_str(b, has_up ? up : NULL);
                col_str(b, region_level_name(region_level(cur)));
                col_str(b, kec[0] ? kec : NULL);
                row_end(b);
                strcpy(cur, up);
        } while (has_up);
}

/* items: every entry. */
static void
item_row(struct buf *b, const struct app_stream_entry *se)
{
        const struct entry *e = &se->it.e;

        col_hex(b, e->id, ENTRY_HASH_BYTES);
        col_hex(b, e->feed, ENTRY_HASH_BYTES);
        col_u64(b, e->h.seq);
        col_str(b, se->kind);
        col_hex(b, e->h.author, ENTRY_KEY_BYTES);
        col_str(b, e->h.author_region);
        col_str(b, se->audience);
        col_time(b, true, e->h.timestamp_ms);
        col_bool(b, se->body_missing);
        col_slice(b, se->title);
        col_slice(b, se->text);
        col_slice(b, se->category);
        col_str(b, se->level);
        if (se->has_report)
                col_hex(b, se->report, ENTRY_HASH_BYTES);
        else
                col_str(b, NULL);
        row_end(b);
}

/* steps (status) and responses (tanggapan). */
static void
step_row(struct buf *b, const struct app_stream_entry *se)
{
        col_hex(b, se->it.e.id, ENTRY_HASH_BYTES);
        col_hex(b, se->report, ENTRY_HASH_BYTES);
        col_str(b, se->step ? se->step : "?");
        col_str(b, se->it.e.h.author_region);
        col_time(b, true, se->it.e.h.timestamp_ms);
        col_slice(b, se->note);
        col_slice(b, se->method);
        col_str(b, se->result);
        col_slice(b, se->agency);
        col_slice(b, se->verifier);
        row_end(b);
}

static void
response_row(struct buf *b, const struct app_stream_entry *se)
{
        col_hex(b, se->it.e.id, ENTRY_HASH_BYTES);
        col_hex(b, se->report, ENTRY_HASH_BYTES);
        col_str(b, se->it.e.h.author_region);
        col_time(b, true, se->it.e.h.timestamp_ms);
        col_slice(b, se->title);
        col_slice(b, se->text);
        row_end(b);
}

/* nodes: from each certificate (sertifikat) held. */
static void
node_row(struct buf *b, const struct app_stream_entry *se)
{
        const struct cert_info *c = &se->cert;

        col_hex(b, c->node_pk, ENTRY_KEY_BYTES);
        col_str(b, c->region);
        col_str(b, c->name);
        col_str(b, region_level_name(region_level(c->region)));
        col_hex(b, c->issuer_pk, ENTRY_KEY_BYTES);
        col_time(b, true, c->valid_from_ms);
        col_time(b, true, c->valid_until_ms);
        col_hex(b, se->it.e.id, ENTRY_HASH_BYTES);
        row_end(b);
}

static void
report_row(struct buf *b, const struct app_stream_report *sr)
{
        const struct wire_report_view *v = &sr->r.v;
        char kec[REGION_BUF];

        kecamatan_of(v->region, kec);
        col_hex(b, v->id, ENTRY_HASH_BYTES);
        col_str(b, sr->r.kind);
        col_str(b, v->region);
        col_str(b, kec[0] ? kec : NULL);
        col_str(b, v->handler);
        col_str(b, v->audience);
        col_time(b, true, v->ts);
        col_str(b, v->state);
        col_str(b, v->result[0] ? v->result : NULL);
        col_bool(b, v->anonim);
        col_bool(b, v->rahasia);
        col_bool(b, sr->sealed);
        col_bool(b, sr->r.body_missing);
        col_slice(b, sr->r.body_missing
                         ? slice_make(NULL, 0)
                         : (sr->r.it.b.has_category ? sr->r.it.b.category
                                                    : slice_make(NULL, 0)));
        col_slice(b, sr->title);
        col_slice(b, sr->text);
        col_slice(b, sr->has_reporter ? sr->who.name : slice_make(NULL, 0));
        col_slice(b, sr->has_reporter ? sr->who.contact : slice_make(NULL, 0));
        col_time(b, v->has_verified_ts, v->verified_ts);
        col_time(b, v->has_followed_ts, v->followed_ts);
        col_time(b, v->has_done_ts, v->done_ts);
        col_time(b, v->has_last_reply_ts, v->last_reply_ts);
        col_time(b, sr->late_ms != 0, sr->late_ms);
        col_hex(b, v->head, ENTRY_HASH_BYTES);
        row_end(b);
}

void
rows_make(struct rows *r, const struct app_stream *s)
{
        memset(r, 0, sizeof(*r));
        for (size_t i = 0; i < s->n; i++) {
                const struct app_stream_entry *se = &s->v[i];

                item_row(&r->items, se);
                region_rows(&r->regions, se->it.e.h.author_region);
                if (se->step && se->has_report)
                        step_row(&r->steps, se);
                else if (se->it.e.h.kind == KIND_TANGGAPAN && se->has_report)
                        response_row(&r->responses, se);
                if (se->has_cert) {
                        node_row(&r->nodes, se);
                        region_rows(&r->regions, se->cert.region);
                }
        }
        for (size_t i = 0; i < s->n_reports; i++) {
                report_row(&r->reports, &s->reports[i]);
                region_rows(&r->regions, s->reports[i].r.v.handler);
        }
        for (size_t i = 0; i < s->n_pos; i++) {
                col_hex(&r->pos, s->pos[i].feed, ENTRY_HASH_BYTES);
                col_u64(&r->pos, s->pos[i].seq);
                row_end(&r->pos);
        }
}

void
rows_release(struct rows *r)
{
        buf_release(&r->items);
        buf_release(&r->steps);
        buf_release(&r->responses);
        /* reporters opened with [sink] unseal */
        buf_wipe_release(&r->reports);
        buf_release(&r->regions);
        buf_release(&r->nodes);
        buf_release(&r->pos);
}
