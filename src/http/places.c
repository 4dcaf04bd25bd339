/*
 * GET /api/places: the regions this node knows by name (the certificates
 * it holds), for the web app's names of authors and its audience picker.
 * Public like /api/node: a certificate's region and name travel to every
 * node of the network anyway.
 */
#include "http_int.h"

int
http_places(struct http_req *r)
{
        static const char *const no_query[] = {NULL};
        struct app_places p;
        char msg[APP_ERR_MAX];
        int err;

        if ((err = http_query_check(r, no_query)) || r->check_only)
                return err;
        if ((err = app_places(r->s->n, &p, msg)))
                return http_fail(r, err, "%s", msg);
        err = app_json_places(&r->json, &p, APP_JSON_COMPACT);
        app_places_release(&p);
        return err;
}
