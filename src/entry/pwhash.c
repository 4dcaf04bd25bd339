/*
 * pwhash: the web app's account passwords (app/accounts.c), hashed with
 * libsodium's crypto_pwhash_str: Argon2id, a random salt, and the
 * parameters in the string itself ($argon2id$v=19$m=65536,t=2,p=1$...),
 * so that a later change of PWHASH_OPSLIMIT or PWHASH_MEMLIMIT rehashes
 * each password at its next login (pwhash_stale). docs/ACCOUNTS.md says
 * why these limits.
 */
#include <errno.h>
#include <sodium.h>
#include <string.h>

#include "entry.h"

_Static_assert(PWHASH_STR_BYTES == crypto_pwhash_STRBYTES,
               "PWHASH_STR_BYTES is libsodium's crypto_pwhash_STRBYTES");

#define PWHASH_OPSLIMIT crypto_pwhash_OPSLIMIT_INTERACTIVE /* 2 passes */
#define PWHASH_MEMLIMIT crypto_pwhash_MEMLIMIT_INTERACTIVE /* 64 MiB */

int
pwhash_make(char out[PWHASH_STR_BYTES], const char *pw, size_t len)
{
        /* Fails only when the memory cannot be had. */
        if (crypto_pwhash_str(out, pw, len, PWHASH_OPSLIMIT, PWHASH_MEMLIMIT))
                return -ENOMEM;
        return 0;
}

bool
pwhash_check(const char *str, const char *pw, size_t len)
{
        return crypto_pwhash_str_verify(str, pw, len) == 0;
}

bool
pwhash_stale(const char *str)
{
        /* 1: other parameters; -1: not a string this libsodium knows. */
        return crypto_pwhash_str_needs_rehash(str, PWHASH_OPSLIMIT,
                                              PWHASH_MEMLIMIT) != 0;
}
