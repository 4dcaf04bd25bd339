/*
 * GET /api/accounts: the node's web app accounts (name, role, created),
 * never a hash, for the Anggota page. Admin only: who may do what on
 * this node is the admin's business. Changes stay with `simpul user`.
 */
#include "http_int.h"

int
http_accounts(struct http_req *r)
{
        static const char *const no_query[] = {NULL};
        struct app_accounts a;
        char msg[APP_ERR_MAX];
        int err;

        if ((err = http_query_check(r, no_query)) || r->check_only)
                return err;
        if ((err = app_user_list(r->s->n->dir, &a, msg)))
                return http_fail(r, err, "%s", msg);
        err = app_json_accounts(&r->json, &a, APP_JSON_COMPACT);
        app_accounts_release(&a);
        return err;
}
