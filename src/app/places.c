/*
 * places: the regions this node knows by name — every certificate held
 * (a node's region and the name its issuer signed) and this node's own —
 * so that the web app shows "Desa Sukanegara" where the wire has
 * 36.04.12.2002 and lets a pengelola pick an audience by name. Names come
 * only from certificates (signed), never from items.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app_int.h"

static int
place_add(void *ctx, const uint8_t node_pk[ENTRY_KEY_BYTES], struct slice b)
{
        struct app_places *p = ctx;
        struct cert_info c;

        (void)node_pk;
        if (cert_parse(b, &c))
                return 0; /* not ours to judge here: no name from it */
        p->v = app__grow(p->v, p->n, &p->cap, sizeof(*p->v));
        memset(&p->v[p->n], 0, sizeof(p->v[0]));
        snprintf(p->v[p->n].region, REGION_BUF, "%s", c.region);
        snprintf(p->v[p->n].name, CERT_NAME_BUF, "%s", c.name);
        p->v[p->n++].from_ms = c.valid_from_ms;
        return 0;
}

static int
place_cmp(const void *a, const void *b)
{
        return strcmp(((const struct app_place *)a)->region,
                      ((const struct app_place *)b)->region);
}

/* By region, then newest certificate first (then by name, so that two
 * certificates of one instant name it the same on every call). */
static int
place_newest_cmp(const void *a, const void *b)
{
        const struct app_place *x = a, *y = b;
        int c = strcmp(x->region, y->region);

        if (c)
                return c;
        if (x->from_ms != y->from_ms)
                return x->from_ms > y->from_ms ? -1 : 1;
        return strcmp(x->name, y->name);
}

/* Keeps each region's first record: after place_newest_cmp, its newest.
 * Sorting once keeps a kabupaten's thousands of certificates O(n log n). */
static void
places_dedupe(struct app_places *p)
{
        size_t k = 0;

        if (!p->n)
                return; /* qsort of no array: undefined for a NULL one */
        qsort(p->v, p->n, sizeof(*p->v), place_newest_cmp);
        for (size_t i = 0; i < p->n; i++)
                if (!k || strcmp(p->v[k - 1].region, p->v[i].region))
                        p->v[k++] = p->v[i];
        p->n = k;
}

int
app__places_load(struct node *n, struct store_txn *t, struct app_places *out)
{
        struct app_place key;
        int err;

        memset(out, 0, sizeof(*out));
        if ((err = store_certs(t, place_add, out))) {
                app_places_release(out);
                return err;
        }
        places_dedupe(out);
        memset(&key, 0, sizeof(key));
        snprintf(key.region, REGION_BUF, "%s", n->config.region);
        if (!out->n ||
            !bsearch(&key, out->v, out->n, sizeof(*out->v), place_cmp)) {
                /* not enrolled yet: its own name from its config */
                out->v = app__grow(out->v, out->n, &out->cap, sizeof(*out->v));
                out->v[out->n] = key;
                snprintf(out->v[out->n++].name, CERT_NAME_BUF, "%s",
                         n->config.name);
                qsort(out->v, out->n, sizeof(*out->v), place_cmp);
        }
        for (size_t i = 0; i < out->n; i++)
                out->v[i].level =
                    region_level_name(region_level(out->v[i].region));
        return 0;
}

const char *
app__place_name(const struct app_places *p, const char *code, int level)
{
        struct app_place key, *hit;
        char up[REGION_BUF];

        if (region_level(code) < level)
                return "";
        memset(&key, 0, sizeof(key));
        snprintf(key.region, REGION_BUF, "%s", code);
        while (region_level(key.region) > level) {
                if (region_parent(key.region, up))
                        return "";
                memcpy(key.region, up, REGION_BUF);
        }
        hit = p->n ? bsearch(&key, p->v, p->n, sizeof(*p->v), place_cmp) : NULL;
        return hit ? hit->name : "";
}

int
app_places(struct node *n, struct app_places *out, char *err_msg)
{
        struct store_txn *t;
        int err;

        memset(out, 0, sizeof(*out));
        if ((err = store_begin(n->store, false, &t)))
                return app__fail(err_msg, err, "%s", err_str(err));
        err = app__places_load(n, t, out);
        store_abort(t);
        if (err)
                return app__fail(err_msg, err, "%s", err_str(err));
        return 0;
}

void
app_places_release(struct app_places *p)
{
        free(p->v);
        memset(p, 0, sizeof(*p));
}
