/*
 * routes: the route table, and the node and peer endpoints (the items are
 * in items.c, /metrics in metrics.c, the UI in ui.c). docs/API.md says
 * what each answers.
 */
#include <string.h>

#include "http_int.h"

static const char *const no_query[] = {NULL};

/* GET /api/node: this node, its store and its daemon (as simpul status). */
static int
h_node(struct http_req *r)
{
        struct app_status st;
        char msg[APP_ERR_MAX];
        int err;

        if ((err = http_query_check(r, no_query)) || r->check_only)
                return err;
        if ((err = app_status(r->s->n, r->s->stats, &st, NULL, msg)))
                return err;
        return app_json_node(&r->json, &st, r->s->address, APP_JSON_COMPACT);
}

/* GET /api/peers: every peer this node has linked with. */
static int
h_peers(struct http_req *r)
{
        struct app_peers peers;
        char msg[APP_ERR_MAX];
        int err;

        if ((err = http_query_check(r, no_query)) || r->check_only)
                return err;
        if ((err = app_peers(r->s->n, false, &peers, msg)))
                return err;
        err = app_json_peers(&r->json, &peers,
                             APP_JSON_COMPACT |
                                 (r->redact ? APP_JSON_REDACT : 0));
        app_peers_release(&peers);
        return err;
}

/*
 * GET /api/feeds: every feed held, as simpul feeds --json, each frozen one
 * with the seq of its fork proof; ?frozen=true only the frozen ones (from
 * the fork proofs: no walk over every feed).
 */
static int
h_feeds(struct http_req *r)
{
        static const char *const names[] = {"frozen", NULL};
        struct app_feeds fs;
        char msg[APP_ERR_MAX];
        bool frozen = false;
        int err;

        if ((err = http_query_check(r, names)) ||
            (err = http_query_bool(r, "frozen", false, &frozen)) ||
            r->check_only)
                return err;
        if ((err =
                 app_feeds(r->s->n, frozen ? APP_FEEDS_FROZEN : APP_FEEDS_FORKS,
                           &fs, msg)))
                return err;
        err = app_json_feeds(&r->json, &fs, APP_JSON_COMPACT);
        app_feeds_release(&fs);
        return err;
}

const struct route http_routes[] = {
    {"GET", "/api/node", h_node, 0},
    {"GET", "/api/peers", h_peers, 0},
    {"GET", "/api/feeds", h_feeds, 0},
    {"GET", "/api/items", http_items_list, 0},
    {"POST", "/api/items", http_items_create, ROUTE_WRITE},
    {"GET", "/api/items/*", http_item_get, 0},
    {"GET", "/api/items/*/thumbnails/*", http_item_thumb, 0},
    {"POST", "/api/items/*/revisions", http_revision_create, ROUTE_WRITE},
    {"POST", "/api/revisions/*/decision", http_revision_decide, ROUTE_WRITE},
    {"POST", "/api/reports/*/steps", http_step_create, ROUTE_WRITE},
    {"POST", "/api/reports/*/responses", http_response_create, ROUTE_WRITE},
    {"GET", "/api/setup", http_setup_get, ROUTE_OPEN},
    {"POST", "/api/setup", http_setup_post_done, ROUTE_OPEN},
    {"GET", "/api/blobs/*", http_blob_get, 0},
    {"POST", "/api/blobs", http_blob_upload, ROUTE_WRITE | ROUTE_UPLOAD},
    {"GET", "/api/export/*", http_export, 0},
    {"GET", "/metrics", http_metrics, 0},
    {"GET", "/", http_ui_page, ROUTE_OPEN},
    {"GET", "/ui/*", http_ui, ROUTE_OPEN},
    {"POST", "/api/login", http_login, ROUTE_LOGIN},
    {"POST", "/api/logout", http_logout, ROUTE_WRITE},
    {"GET", "/api/me", http_me, 0},
    {"GET", "/api/dashboard", http_dashboard, 0},
    {"GET", "/api/regions", http_regions, 0},
    {"GET", "/api/enrolment", http_enrolment_get, 0},
    {"GET", "/api/enrolment/request.svg", http_enrolment_svg, 0},
    {"POST", "/api/enrolment/certificate", http_enrolment_cert, ROUTE_WRITE},
    {"POST", "/api/enrolment/check", http_enrolment_check, ROUTE_WRITE},
    {"POST", "/api/enrolment/sign", http_enrolment_sign, ROUTE_WRITE},
    {"GET", "/api/places", http_places, 0},
    {"GET", "/api/accounts", http_accounts, 0},
    {"POST", "/api/accounts", http_account_add, ROUTE_WRITE},
    {"POST", "/api/accounts/*/role", http_account_role, ROUTE_WRITE},
    {"POST", "/api/accounts/*/password", http_account_password, ROUTE_WRITE},
    {"DELETE", "/api/accounts/*", http_account_remove, ROUTE_WRITE},
    {NULL, NULL, NULL, 0},
};
