/*
 * testlib: what the unit tests share. Each test is one file and one
 * process (tests/CMakeLists.txt), so this header is all of it, its helpers
 * static inline. It includes cmocka (with what cmocka needs first) and
 * base; a test includes the module it tests after it.
 *
 *   expect_err(name, got, want)  fails with the case's name and both
 *                                errors as stable ids unless got == want
 *   test_dir_make(dir, what)     a fixture's directory of its own,
 *                                /tmp/simpul-test-WHAT-XXXXXX
 *   test_rm_tree(path)           removes it and everything in it
 *   test_key(b)                  the Ed25519 key of a seed of bytes b
 *   test_audience(text)          an audience, or the test fails
 */
#ifndef SIMPUL_TESTLIB_H
#define SIMPUL_TESTLIB_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../src/entry/entry.h"

#define TEST_DIR_MAX 64U /* bytes of a test_dir_make path */

/* An error as its stable id ("ok" for 0) in out (err_id's is static). */
static inline const char *
test_err_id(int err, char out[32])
{
        snprintf(out, 32, "%s", err ? err_id(err) : "ok");
        return out;
}

/* Fails with the case's name and both values, as ids, unless got == want. */
#define expect_err(name, got, want)                                            \
        do {                                                                   \
                int g_ = (got), w_ = (want);                                   \
                char gb_[32], wb_[32];                                         \
                if (g_ != w_)                                                  \
                        fail_msg("%s: got %d (%s), want %d (%s)", (name), g_,  \
                                 test_err_id(g_, gb_), w_,                     \
                                 test_err_id(w_, wb_));                        \
        } while (0)

/* Makes a new directory /tmp/simpul-test-<what>-XXXXXX into dir. 0, or -1
 * (errno). */
static inline int
test_dir_make(char dir[TEST_DIR_MAX], const char *what)
{
        snprintf(dir, TEST_DIR_MAX, "/tmp/simpul-test-%s-XXXXXX", what);
        return mkdtemp(dir) ? 0 : -1;
}

/* Removes path and everything below it. */
static inline void
test_rm_tree(const char *path)
{
        DIR *d = opendir(path);
        struct dirent *de;
        char sub[512];

        if (!d) {
                unlink(path);
                return;
        }
        while ((de = readdir(d))) {
                if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
                        continue;
                if ((size_t)snprintf(sub, sizeof(sub), "%s/%s", path,
                                     de->d_name) < sizeof(sub))
                        test_rm_tree(sub);
        }
        closedir(d);
        rmdir(path);
}

/* A key made from a seed of KEY_SEED_BYTES bytes b: the same every run.
 * Free it with key_free. */
static inline struct key *
test_key(uint8_t b)
{
        uint8_t seed[KEY_SEED_BYTES];

        memset(seed, b, sizeof(seed));
        return key_from_seed(seed);
}

/* The audience of text ("tree:36.04", "path:O:T"); fails the test when it
 * is none. */
static inline struct audience
test_audience(const char *text)
{
        struct audience a;
        char b[32];
        int err = audience_parse(&a, text);

        if (err)
                fail_msg("audience_parse(\"%s\"): %s", text,
                         test_err_id(err, b));
        return a;
}

#endif
