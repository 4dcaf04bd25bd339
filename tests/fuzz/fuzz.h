/*
 * What the libFuzzer targets of tests/fuzz/ share: libFuzzer's entry
 * points, require(), and the initialisation of the targets that need only
 * the entry library.
 */
#ifndef SIMPUL_FUZZ_H
#define SIMPUL_FUZZ_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A property that must hold for any input: abort() otherwise, so that
 * libFuzzer keeps the input. */
static inline void
require(bool ok)
{
        if (!ok)
                abort();
}

/* LLVMFuzzerInitialize for a target that needs libsodium (entry_lib_init)
 * and quiet logs; include entry.h (or a header that does) first. */
#define FUZZ_INITIALIZE_ENTRY()                                                \
        int LLVMFuzzerInitialize(int *argc, char ***argv)                      \
        {                                                                      \
                (void)argc;                                                    \
                (void)argv;                                                    \
                require(entry_lib_init() == 0);                                \
                log_set_level(LOG_ERROR);                                      \
                return 0;                                                      \
        }

#endif
