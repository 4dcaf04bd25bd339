/* region: code syntax, the tree, audiences, entitlement and authoring. */
#include "region.h"

#include <stdio.h>
#include <string.h>

/* Digits per part, by level: PP . KK . CC . DDDD */
static const size_t part_digits[] = {2, 2, 2, 4};

int
region_check(const char *s, size_t len)
{
        size_t part = 0, run = 0;

        if (len == 0 || len > REGION_MAX_LEN)
                return ERR_REGION;
        for (size_t i = 0; i < len; i++) {
                if (s[i] == '.') {
                        if (run != part_digits[part] || ++part >= 4)
                                return ERR_REGION;
                        run = 0;
                } else if (s[i] >= '0' && s[i] <= '9') {
                        run++;
                } else {
                        return ERR_REGION;
                }
        }
        return run == part_digits[part] ? 0 : ERR_REGION;
}

int
region_copy(char out[REGION_BUF], const char *s, size_t len)
{
        int err = region_check(s, len);

        if (err)
                return err;
        memcpy(out, s, len);
        out[len] = 0;
        return 0;
}

int
region_level(const char *code)
{
        int level = 1;

        for (; *code; code++)
                level += *code == '.';
        return level;
}

bool
region_covers(const char *anc, const char *code)
{
        size_t n = strlen(anc);

        return !strncmp(anc, code, n) && (code[n] == 0 || code[n] == '.');
}

int
region_parent(const char *code, char out[REGION_BUF])
{
        const char *dot = strrchr(code, '.');
        size_t n;

        if (!dot)
                return ERR_NOT_FOUND;
        n = (size_t)(dot - code);
        memcpy(out, code, n);
        out[n] = 0;
        return 0;
}

const char *
region_level_name(int level)
{
        static const char *const names[] = {"?", "provinsi", "kabupaten",
                                            "kecamatan", "desa"};

        return level >= 1 && level <= 4 ? names[level] : names[0];
}

static int
audience_part(char out[REGION_BUF], const char *s, size_t n)
{
        return region_copy(out, s, n);
}

int
audience_parse(struct audience *a, const char *text)
{
        const char *colon;
        int err;

        memset(a, 0, sizeof(*a));
        if (!strncmp(text, "tree:", 5)) {
                a->type = AUDIENCE_TREE;
                text += 5;
                err = audience_part(a->target, text, strlen(text));
        } else if (!strncmp(text, "path:", 5)) {
                a->type = AUDIENCE_PATH;
                text += 5;
                colon = strchr(text, ':');
                if (!colon)
                        return ERR_AUDIENCE_SHAPE;
                err = audience_part(a->origin, text, (size_t)(colon - text));
                if (!err)
                        err = audience_part(a->target, colon + 1,
                                            strlen(colon + 1));
        } else {
                return ERR_AUDIENCE_SHAPE;
        }
        return err ? err : audience_check(a);
}

void
audience_format(const struct audience *a, char out[40])
{
        if (a->type == AUDIENCE_PATH)
                snprintf(out, 40, "path:%s:%s", a->origin, a->target);
        else
                snprintf(out, 40, "tree:%s", a->target);
}

int
audience_check(const struct audience *a)
{
        if (region_check(a->target, strnlen(a->target, REGION_BUF)))
                return ERR_REGION;
        switch (a->type) {
        case AUDIENCE_TREE:
                return a->origin[0] ? ERR_AUDIENCE_SHAPE : 0;
        case AUDIENCE_PATH:
                if (region_check(a->origin, strnlen(a->origin, REGION_BUF)))
                        return ERR_REGION;
                /* O must lie strictly inside T's subtree. */
                if (!region_covers(a->target, a->origin) ||
                    !strcmp(a->target, a->origin))
                        return ERR_AUDIENCE_SHAPE;
                return 0;
        default:
                return ERR_AUDIENCE_SHAPE;
        }
}

bool
audience_eq(const struct audience *a, const struct audience *b)
{
        return a->type == b->type && !strcmp(a->target, b->target) &&
               !strcmp(a->origin, b->origin);
}

bool
audience_contains(const struct audience *a, const char *region)
{
        if (a->type == AUDIENCE_TREE)
                return region_covers(a->target, region) ||
                       region_covers(region, a->target);
        /* path(O, T): ancestors-or-self of O that are within T's subtree. */
        return region_covers(region, a->origin) &&
               region_covers(a->target, region);
}

int
audience_may_author(const struct audience *a, const char *author)
{
        char parent[REGION_BUF];

        if (a->type == AUDIENCE_PATH)
                return audience_contains(a, author) ? 0 : ERR_AUTHOR_RULE;
        if (region_covers(author, a->target))
                return 0;
        if (!region_parent(author, parent) && !strcmp(parent, a->target))
                return 0;
        return ERR_AUTHOR_RULE;
}
