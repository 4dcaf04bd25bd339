/*
 * setup: the HTTP side of a node's first boot (app/setup.c says the
 * rest). While the data directory holds no node the server answers only
 * these routes: GET /api/setup says so (nothing secret), POST /api/setup
 * with the one-time setup code from the log, a region code and a name
 * makes the node and answers with the API token, which is what the web
 * app needs next. Every other path is 503 NODE-NOT-SET-UP (server.c).
 */
#include <string.h>

#include "http_int.h"

static const char *const no_query[] = {NULL};

/* GET /api/setup, on both servers: whether a node still needs setting
 * up. */
int
http_setup_get(struct http_req *r)
{
        int err;

        if ((err = http_query_check(r, no_query)) || r->check_only)
                return err;
        r->out = json_pack("{s:b}", "needs_setup", r->s->setup != NULL);
        return 0;
}

/* POST /api/setup once the node exists. */
int
http_setup_post_done(struct http_req *r)
{
        return http_fail(r, ERR_SETUP_DONE,
                         "this node is set up already: its API token is in "
                         "its data directory (simpul token)");
}

static uint64_t
mono_ms(void)
{
        return uv_hrtime() / 1000000U;
}

/* The reply to the attempt that made the node: the node, and its token. */
static int
made(struct http_req *r, const struct app_created *c)
{
        char tok[APP_TOKEN_HEX + 1];
        int err;

        if ((err = app_token_read(c->dir, tok)))
                return http_fail(r, err,
                                 "the node is made, but its token "
                                 "cannot be read: run simpul token");
        r->out =
            json_pack("{s:s, s:s, s:s, s:s, s:s, s:s?}", "region", c->region,
                      "name", c->name, "level", c->level, "node_key",
                      c->node_key, "token", tok, "admin", c->admin);
        explicit_bzero(tok, sizeof(tok));
        r->status = 201;
        return 0;
}

/* POST /api/setup {code, region, name}: makes the node. */
static int
h_setup_post(struct http_req *r)
{
        static const struct field fields[] = {{"code", FIELD_STR},
                                              {"region", FIELD_STR},
                                              {"name", FIELD_STR},
                                              {"admin", FIELD_STR},
                                              {"password", FIELD_STR}};
        const char *code, *region, *name, *admin, *pw = NULL;
        struct app_created c;
        char msg[APP_ERR_MAX];
        int err;

        if ((err = http_query_check(r, no_query)) ||
            (err =
                 http_fields_check(r, r->in, "", fields, ARRAY_LEN(fields))) ||
            (err = http_str_req(r, r->in, "code", &code)) ||
            (err = http_str_req(r, r->in, "region", &region)) ||
            (err = http_str_req(r, r->in, "name", &name)))
                return err;
        /* The first admin of the web app: both, or neither. */
        if ((admin = http_str(r->in, "admin")) &&
            (err = http_str_req(r, r->in, "password", &pw)))
                return err;
        if (r->check_only)
                return 0;
        err = app_setup_try(r->s->setup, code, region, name, admin, pw,
                            mono_ms(), &c, msg);
        if (err)
                return http_fail(r, err, "%s", msg);
        r->setup_made = true;
        err = made(r, &c);
        app_created_release(&c);
        return err;
}

/* GET / before setup: the setup page, not the app (which needs a node). */
int
http_setup_page(struct http_req *r)
{
        for (size_t i = 0; i < http_ui_files_n; i++)
                if (!strcmp(http_ui_files[i].name, "setup.html")) {
                        r->file = slice_make(http_ui_files[i].data,
                                             http_ui_files[i].len);
                        r->ctype = "text/html; charset=utf-8";
                        return 0;
                }
        return ERR_HTTP_NOT_FOUND;
}

/* Everything here is public: nothing of a node exists yet (server.c's
 * access_check lets anyone through while setting up). */
const struct route http_setup_routes[] = {
    {"GET", "/api/setup", http_setup_get, ROUTE_OPEN},
    {"POST", "/api/setup", h_setup_post, ROUTE_SETUP},
    {"GET", "/", http_setup_page, ROUTE_OPEN},
    {"GET", "/ui/*", http_ui, ROUTE_OPEN},
    {"GET", "/api/regions", http_regions, ROUTE_OPEN},
    {NULL, NULL, NULL, 0},
};
