/*
 * regions: GET /api/regions?q=NAME[&level=desa][&limit=N], the region
 * list searched by name (app_regions_search), for the setup page and any
 * form that picks a region by name. Public while the node is not set up
 * (the list is public data); an account's afterwards.
 */
#include <string.h>

#include "http_int.h"

#define REGIONS_DEFAULT 10U

static json_t *
str_or_null(struct slice s)
{
        return s.len ? json_stringn((const char *)s.ptr, s.len) : json_null();
}

static json_t *
hit_json(const struct region_hit *h)
{
        return json_pack(
            "{s:s, s:s%, s:s, s:o, s:o, s:o}", "code", h->code, "name",
            (const char *)h->name.ptr, h->name.len, "tingkat", h->tingkat,
            "kecamatan", str_or_null(h->kecamatan), "kabupaten",
            str_or_null(h->kabupaten), "provinsi", str_or_null(h->provinsi));
}

int
http_regions(struct http_req *r)
{
        static const char *const names[] = {"q", "level", "limit", NULL};
        struct region_hit hits[APP_REGIONS_MAX];
        const char *q = http_query(r, "q"), *level = http_query(r, "level");
        char msg[APP_ERR_MAX];
        uint64_t limit;
        json_t *list;
        size_t n;
        int err;

        if ((err = http_query_check(r, names)) ||
            (err = http_query_uint(r, "limit", 1, APP_REGIONS_MAX,
                                   REGIONS_DEFAULT, &limit)))
                return err;
        if (!q || !q[0])
                return http_fail(r, ERR_HTTP_MISSING_FIELD,
                                 "Ketik nama wilayah: q (a name, or part of "
                                 "one) is missing");
        if (strlen(q) > REGION_QUERY_MAX)
                return http_fail(r, ERR_HTTP_BAD_VALUE,
                                 "q is longer than %u bytes", REGION_QUERY_MAX);
        if (r->check_only)
                return 0;
        if ((err = app_regions_search(q, level ? level : "", (size_t)limit,
                                      hits, &n, msg)))
                return http_fail(r, err == ERR_USAGE ? ERR_HTTP_BAD_VALUE : err,
                                 "%s", msg);
        list = json_array();
        for (size_t i = 0; i < n; i++)
                json_array_append_new(list, hit_json(&hits[i]));
        r->out = json_pack("{s:o}", "regions", list);
        return 0;
}
