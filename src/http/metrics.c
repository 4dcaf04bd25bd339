/*
 * metrics: GET /metrics in the Prometheus text exposition format 0.0.4.
 * Store figures (entries, feeds, peers' bytes and backlogs) come from one
 * read transaction (app_status), the same records simpul status reads, so
 * the two agree; link states come from the daemon's live figures.
 */
#include <stdio.h>
#include <string.h>

#include "http_int.h"

#define CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

static void
family(struct buf *b, const char *name, const char *type, const char *help)
{
        buf_addf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* A label value: backslash, double quote and newline escaped. */
static void
label(struct buf *b, const char *v)
{
        for (; *v; v++) {
                if (*v == '\\' || *v == '"')
                        buf_addc(b, '\\');
                if (*v == '\n')
                        buf_adds(b, "\\n");
                else
                        buf_addc(b, (uint8_t)*v);
        }
}

static void
single(struct buf *b, const char *name, const char *type, const char *help,
       uint64_t v)
{
        family(b, name, type, help);
        buf_addf(b, "%s %llu\n", name, (unsigned long long)v);
}

struct peer_sums {
        uint64_t bytes_in, bytes_out, entries_in, entries_out;
        uint64_t connected, disconnected;
        struct buf lag, last_sync, bulk; /* the per-peer sample lines */
};

static void
peer_sum(struct peer_sums *ps, const struct peer_info *p)
{
        char key[2 * ENTRY_KEY_BYTES + 1];

        hex_encode(key, p->key, ENTRY_KEY_BYTES);
        key[16] = 0;
        ps->bytes_in += p->bytes_in;
        ps->bytes_out += p->bytes_out;
        ps->entries_in += p->entries_in;
        ps->entries_out += p->entries_out;
        if (p->connected)
                ps->connected++;
        else
                ps->disconnected++;
        buf_addf(&ps->lag, "simpul_sync_lag_entries{peer=\"%s\",region=\"",
                 key);
        label(&ps->lag, p->region);
        buf_addf(&ps->lag, "\"} %llu\n", (unsigned long long)p->backlog);
        buf_addf(&ps->last_sync,
                 "simpul_peer_last_sync_timestamp_seconds{peer=\"%s\","
                 "region=\"",
                 key);
        label(&ps->last_sync, p->region);
        buf_addf(&ps->last_sync, "\"} %.3f\n", (double)p->last_sync_ms / 1e3);
        buf_addf(&ps->bulk,
                 "simpul_peer_bulk_month_bytes{peer=\"%s\",region=\"", key);
        label(&ps->bulk, p->region);
        buf_addf(&ps->bulk, "\"} %llu\n", (unsigned long long)app_peer_bulk(p));
}

static void
node_metrics(struct http_req *r, struct buf *b, const struct store_stats *st)
{
        const struct config *c = &r->s->n->config;

        family(b, "simpul_info", "gauge",
               "This node: region, level, name and version (always 1).");
        buf_adds(b, "simpul_info{region=\"");
        label(b, c->region);
        buf_addf(b, "\",level=\"%s\",name=\"",
                 region_level_name(region_level(c->region)));
        label(b, c->name);
        buf_addf(b, "\",version=\"%s\"} 1\n", SIMPUL_VERSION);
        single(b, "simpul_entries", "gauge", "Entries held in the store.",
               st->entries);
        single(b, "simpul_feeds", "gauge", "Feeds held in the store.",
               st->feeds);
        single(b, "simpul_forks", "gauge", "Fork proofs held (frozen feeds).",
               st->forks);
        single(b, "simpul_store_used_bytes", "gauge",
               "Bytes of the store map in use.", st->used_bytes);
        single(b, "simpul_store_map_bytes", "gauge",
               "Largest size of the store map ([store] map_size_mib).",
               st->map_size_bytes);
}

static void
daemon_metrics(struct buf *b, const struct app_daemon *f)
{
        single(b, "simpul_daemon_up", "gauge",
               "1 while the sync daemon's loop runs.", f->live);
        single(b, "simpul_daemon_start_timestamp_seconds", "gauge",
               "When the daemon started (Unix time).", f->started_ms / 1000U);
        family(b, "simpul_links", "gauge",
               "Links to other nodes now: open (in a sync session) or "
               "opening (dialling, handshake, certificates).");
        buf_addf(b, "simpul_links{state=\"open\"} %llu\n",
                 (unsigned long long)f->links_open);
        buf_addf(b, "simpul_links{state=\"opening\"} %llu\n",
                 (unsigned long long)f->links_opening);
        single(b, "simpul_batches_queued", "gauge",
               "Received batches being checked or waiting to commit.",
               f->batches_queued);
}

static void
peer_metrics(struct buf *b, const struct peer_sums *ps)
{
        family(b, "simpul_peers", "gauge",
               "Peers known, by the state the daemon last recorded.");
        buf_addf(b, "simpul_peers{state=\"connected\"} %llu\n",
                 (unsigned long long)ps->connected);
        buf_addf(b, "simpul_peers{state=\"disconnected\"} %llu\n",
                 (unsigned long long)ps->disconnected);
        family(b, "simpul_bytes_total", "counter",
               "Bytes on the wire over every link, as recorded per peer.");
        buf_addf(b, "simpul_bytes_total{direction=\"in\"} %llu\n",
                 (unsigned long long)ps->bytes_in);
        buf_addf(b, "simpul_bytes_total{direction=\"out\"} %llu\n",
                 (unsigned long long)ps->bytes_out);
        family(b, "simpul_sync_entries_total", "counter",
               "Entries received from and sent to peers.");
        buf_addf(b, "simpul_sync_entries_total{direction=\"in\"} %llu\n",
                 (unsigned long long)ps->entries_in);
        buf_addf(b, "simpul_sync_entries_total{direction=\"out\"} %llu\n",
                 (unsigned long long)ps->entries_out);
        family(b, "simpul_sync_lag_entries", "gauge",
               "Entries a peer still lacks from this node (its backlog).");
        buf_add(b, ps->lag.data, ps->lag.len);
        family(b, "simpul_peer_last_sync_timestamp_seconds", "gauge",
               "When this node last caught up with the peer (0: never).");
        buf_add(b, ps->last_sync.data, ps->last_sync.len);
        family(b, "simpul_peer_bulk_month_bytes", "gauge",
               "Bytes of attachments' chunks moved on the peer's link this "
               "calendar month, both ways ([net] budget_mib).");
        buf_add(b, ps->bulk.data, ps->bulk.len);
}

static void
http_self_metrics(struct http_req *r, struct buf *b)
{
        uint64_t requests, refused;

        uv_mutex_lock(&r->s->count_lock);
        requests = r->s->requests;
        refused = r->s->refused;
        uv_mutex_unlock(&r->s->count_lock);
        single(b, "simpul_http_requests_total", "counter",
               "HTTP requests received by the API.", requests);
        single(b, "simpul_http_refused_total", "counter",
               "HTTP requests refused with an error.", refused);
}

int
http_metrics(struct http_req *r)
{
        static const char *const no_query[] = {NULL};
        char msg[APP_ERR_MAX];
        struct app_status st;
        struct app_peers peers;
        struct peer_sums ps;
        int err;

        if ((err = http_query_check(r, no_query)) || r->check_only)
                return err;
        memset(&ps, 0, sizeof(ps));
        if ((err = app_status(r->s->n, r->s->stats, &st, &peers, msg)))
                return err;
        for (size_t i = 0; i < peers.n; i++)
                peer_sum(&ps, &peers.v[i].info);
        app_peers_release(&peers);
        if (!(err = http_report_metrics(r, &r->text))) {
                struct buf b = BUF_INIT;
                node_metrics(r, &b, &st.store);
                daemon_metrics(&b, &st.daemon);
                peer_metrics(&b, &ps);
                http_self_metrics(r, &b);
                buf_add(&b, r->text.data, r->text.len);
                buf_release(&r->text);
                r->text = b;
                r->ctype = CONTENT_TYPE;
        }
        buf_release(&ps.lag);
        buf_release(&ps.last_sync);
        buf_release(&ps.bulk);
        return err;
}
