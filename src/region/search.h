/*
 * search: regions by name in the Kemendagri list, for an operator who
 * knows the desa's name, not its code (the setup page).
 *
 * Pure: it reads the list as bytes in the compact form cmake/wilayah.cmake
 * writes (one line per region in the list's order: a level letter, then
 * "CODE NAME" for a provinsi, kabupaten/kota or kecamatan, or the last
 * four digits and the name for a desa, kelurahan or desa adat) and keeps
 * nothing: each search is one pass over it.
 */
#ifndef SIMPUL_REGION_SEARCH_H
#define SIMPUL_REGION_SEARCH_H

#include "region.h"

#define REGION_QUERY_MAX 64U /* bytes of a query, as typed */
#define REGION_HITS_MAX 64U  /* hits of one search, at most */

struct region_hit {
        char code[REGION_BUF];
        const char *tingkat; /* "desa", "kelurahan", "kota", ... */
        /* borrowed from the list; len 0 when the list lacks that parent */
        struct slice name, kecamatan, kabupaten, provinsi;
};

/*
 * Up to max (at most REGION_HITS_MAX) regions whose name holds query, folded
 * (case, Latin accents and apostrophes ignored, runs of anything else one
 * space): those named exactly so first, then those whose name begins with it,
 * then the rest, each group in the list's order. level 0: any; else enum
 * region_level (REGION_DESA: desa, kelurahan and desa adat; REGION_KABUPATEN:
 * kabupaten and kota). Returns the number found (0 for a query that folds to
 * nothing).
 */
size_t region_search(struct slice list, const char *query, int level,
                     struct region_hit *hits, size_t max);

/* Folds s[0..n) for matching into out (cap bytes, NUL-terminated, cut
 * short if need be); returns its length. */
size_t region_fold(const char *s, size_t n, char *out, size_t cap);

#endif
