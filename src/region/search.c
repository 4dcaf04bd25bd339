/*
 * search: regions by name (search.h). One pass over the compact list,
 * remembering the names of the current provinsi, kabupaten and kecamatan
 * (the list is in code order, so a desa follows its parents), folding
 * each name and looking for the folded query in it.
 */
#include <assert.h>
#include <string.h>

#include "search.h"

#define NAME_FOLD_MAX 128U /* longest name in the list: 44 bytes */

static const struct {
        char letter;
        int level;
        const char *tingkat;
} levels[] = {
    {'p', REGION_PROVINSI, "provinsi"}, {'k', REGION_KABUPATEN, "kabupaten"},
    {'t', REGION_KABUPATEN, "kota"},    {'c', REGION_KECAMATAN, "kecamatan"},
    {'d', REGION_DESA, "desa"},         {'l', REGION_DESA, "kelurahan"},
    {'a', REGION_DESA, "desa_adat"},
};

/* The ASCII letter a Latin-1 letter (U+00C0..U+00FF, UTF-8 C3 80..BF) is
 * read as, or 0. */
static char
latin1_base(unsigned char b)
{
        static const char map[] = "aaaaaaaceeeeiiiidnooooo ouuuuyts"
                                  "aaaaaaaceeeeiiiidnooooo ouuuuyty";
        char c = map[b & 0x3fU];

        return c == ' ' ? 0 : c;
}

size_t
region_fold(const char *s, size_t n, char *out, size_t cap)
{
        const unsigned char *p = (const unsigned char *)s;
        size_t j = 0;
        bool space = false;

        assert(cap > 0);
        for (size_t i = 0; i < n && j + 1 < cap; i++) {
                unsigned char c = p[i];
                char f = 0;

                if (c >= 'A' && c <= 'Z')
                        f = (char)(c - 'A' + 'a');
                else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
                        f = (char)c;
                else if (c == '\'' || c == '`')
                        continue; /* Regapu'u is Regapuu */
                else if (c == 0xe2 && i + 2 < n && p[i + 1] == 0x80 &&
                         (p[i + 2] == 0x98 || p[i + 2] == 0x99)) {
                        i += 2; /* U+2018, U+2019: as an apostrophe */
                        continue;
                } else if (c == 0xc3 && i + 1 < n) {
                        f = latin1_base(p[++i]);
                }
                if (!f) {
                        space = j > 0;
                        continue;
                }
                if (space && j + 2 < cap)
                        out[j++] = ' ';
                space = false;
                out[j++] = f;
        }
        out[j] = 0;
        return j;
}

/* What one line of the list says. */
struct line {
        int level;
        const char *tingkat;
        struct slice code; /* the whole code, or a desa's last part */
        struct slice name;
};

static bool
line_parse(const char *p, size_t n, struct line *l)
{
        size_t i;

        memset(l, 0, sizeof(*l));
        for (i = 0; i < ARRAY_LEN(levels) && n; i++)
                if (levels[i].letter == p[0])
                        break;
        if (i == ARRAY_LEN(levels))
                return false;
        l->level = levels[i].level;
        l->tingkat = levels[i].tingkat;
        p++, n--;
        if (l->level == REGION_DESA) {
                if (n < 5)
                        return false;
                l->code = slice_make(p, 4);
                l->name = slice_make(p + 4, n - 4);
                return true;
        }
        for (i = 0; i < n && p[i] != ' '; i++)
                ;
        if (i == 0 || i + 1 >= n || i >= REGION_BUF)
                return false;
        l->code = slice_make(p, i);
        l->name = slice_make(p + i + 1, n - i - 1);
        return true;
}

/* The search's state: the current parents, as the pass goes. */
struct pass {
        struct slice names[REGION_DESA]; /* by level - 1 */
        char parent[REGION_BUF];         /* the current kecamatan's code */
};

/* Appends s to out (REGION_BUF bytes, NUL-terminated), cut short if it
 * does not fit (a damaged list: line_parse bounds the parts). */
static void
code_add(char out[REGION_BUF], const void *s, size_t n)
{
        size_t len = strlen(out);

        if (n > REGION_BUF - 1 - len)
                n = REGION_BUF - 1 - len;
        memcpy(out + len, s, n);
        out[len + n] = 0;
}

static void
hit_fill(const struct pass *ps, const struct line *l, struct region_hit *h)
{
        memset(h, 0, sizeof(*h));
        if (l->level == REGION_DESA) {
                code_add(h->code, ps->parent, strlen(ps->parent));
                code_add(h->code, ".", 1);
        }
        code_add(h->code, l->code.ptr, l->code.len);
        h->tingkat = l->tingkat;
        h->name = l->name;
        h->provinsi = l->level > 1 ? ps->names[0] : slice_make(NULL, 0);
        h->kabupaten = l->level > 2 ? ps->names[1] : slice_make(NULL, 0);
        h->kecamatan = l->level > 3 ? ps->names[2] : slice_make(NULL, 0);
}

static void
pass_note(struct pass *ps, const struct line *l)
{
        if (l->level == REGION_DESA)
                return;
        ps->names[l->level - 1] = l->name;
        for (int i = l->level; i < REGION_DESA; i++)
                ps->names[i] = slice_make(NULL, 0);
        if (l->level == REGION_KECAMATAN) {
                ps->parent[0] = 0;
                code_add(ps->parent, l->code.ptr, l->code.len);
        }
}

/* The hits of one pass, by how well the name matches. */
struct ranks {
        struct region_hit *v[3]; /* the name is q, begins with it, holds it */
        size_t n[3];
};

/* One pass, each name folded once, until the name-is-q rank is full. */
static void
pass_run(struct slice list, const char *q, int level, struct ranks *r,
         size_t max)
{
        const char *p = (const char *)list.ptr, *end = p + list.len;
        char fold[NAME_FOLD_MAX];
        struct pass ps;
        struct line l;
        int rank;

        memset(&ps, 0, sizeof(ps));
        while (p < end && r->n[0] < max) {
                const char *nl = memchr(p, '\n', (size_t)(end - p));
                size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
                const char *at;

                if (line_parse(p, len, &l)) {
                        pass_note(&ps, &l);
                        if (!level || l.level == level) {
                                region_fold((const char *)l.name.ptr,
                                            l.name.len, fold, sizeof(fold));
                                at = strstr(fold, q);
                                rank = !at               ? -1
                                       : at != fold      ? 2
                                       : strcmp(fold, q) ? 1
                                                         : 0;
                                if (rank >= 0 && r->n[rank] < max)
                                        hit_fill(&ps, &l,
                                                 &r->v[rank][r->n[rank]++]);
                        }
                }
                p += len + 1;
        }
}

size_t
region_search(struct slice list, const char *query, int level,
              struct region_hit *hits, size_t max)
{
        struct region_hit begin[REGION_HITS_MAX], hold[REGION_HITS_MAX];
        struct ranks r = {.v = {hits, begin, hold}};
        char q[REGION_QUERY_MAX + 1];
        size_t n;

        if (max > REGION_HITS_MAX)
                max = REGION_HITS_MAX;
        if (!region_fold(query, strlen(query), q, sizeof(q)) || !max)
                return 0;
        pass_run(list, q, level, &r, max);
        n = r.n[0];
        for (int k = 1; k < 3; k++)
                for (size_t i = 0; i < r.n[k] && n < max; i++)
                        hits[n++] = r.v[k][i];
        return n;
}
