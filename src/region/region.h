/*
 * region: Kemendagri region codes, the tree they imply, feed audiences and
 * the entitlement and authoring rules over them (proto/SPEC.md §2–§3).
 *
 * Pure: libc and base only, no I/O. A code is an opaque dotted string whose
 * parent is its prefix; nothing here does arithmetic on codes. Shapes:
 * "PP" provinsi, "PP.KK" kabupaten/kota, "PP.KK.CC" kecamatan,
 * "PP.KK.CC.DDDD" desa/kelurahan: decimal digits only.
 */
#ifndef SIMPUL_REGION_H
#define SIMPUL_REGION_H

#include "../base/base.h"

#define REGION_MAX_LEN 13U /* "36.04.12.2002" */
#define REGION_BUF 16U     /* REGION_MAX_LEN + NUL, rounded */

enum region_level {
        REGION_PROVINSI = 1,
        REGION_KABUPATEN = 2,
        REGION_KECAMATAN = 3,
        REGION_DESA = 4,
};

/* 0 if s[0..len) is a well-formed code, else ERR_REGION. */
int region_check(const char *s, size_t len) WUR;
/* Copies a checked code into out (REGION_BUF bytes); ERR_REGION if bad. */
int region_copy(char out[REGION_BUF], const char *s, size_t len) WUR;
/* Level (1..4) of a well-formed code, from its number of parts. */
int region_level(const char *code);
/* Is `anc` an ancestor of `code`, or `code` itself? Both well-formed. */
bool region_covers(const char *anc, const char *code);
/* Parent code into out; ERR_NOT_FOUND for a provinsi (no parent). */
int region_parent(const char *code, char out[REGION_BUF]);
/* Name of a level for operators: "provinsi", "kabupaten", ... */
const char *region_level_name(int level);

enum audience_type {
        AUDIENCE_TREE = 0, /* tree(T): T's subtree and T's ancestors */
        AUDIENCE_PATH = 1, /* path(O, T): the nodes from O up to T */
};

struct audience {
        uint8_t type;            /* enum audience_type */
        char target[REGION_BUF]; /* T */
        char origin[REGION_BUF]; /* O, for AUDIENCE_PATH; else "" */
};

/* Parses "tree:T" or "path:O:T"; ERR_AUDIENCE_SHAPE or ERR_REGION. */
int audience_parse(struct audience *a, const char *text) WUR;
/* Writes "tree:T" or "path:O:T" (at most 40 bytes with NUL). */
void audience_format(const struct audience *a, char out[40]);
/* Structural validity: codes well-formed, O within T's subtree. */
int audience_check(const struct audience *a) WUR;
bool audience_eq(const struct audience *a, const struct audience *b);
/* Entitlement: does a node serving `region` hold feeds of this audience? */
bool audience_contains(const struct audience *a, const char *region);
/*
 * Authoring rule: may a node serving `author` write to this audience?
 * tree(T): T in the author's subtree, or T the author's parent;
 * path(O, T): the author on the path from O up to T.
 * Returns 0 or ERR_AUTHOR_RULE.
 */
int audience_may_author(const struct audience *a, const char *author) WUR;

#endif
