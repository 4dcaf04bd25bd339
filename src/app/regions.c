/*
 * regions: the Kemendagri region list inside the binary, searched by name
 * (region/search.c) for the setup page. The list is the compact file the
 * build makes from wilayah.csv (cmake/wilayah.cmake), assembled into
 * .rodata as it is: no copy, no parsing at start, nothing to install
 * beside the binary, so the Raspberry Pi package carries it too.
 */
#include <string.h>

#include "app_int.h"

#ifndef SIMPUL_WILAYAH
#error "SIMPUL_WILAYAH: the compact region list (CMakeLists.txt)"
#endif

/* Global but hidden symbols: a local label is relocated as its section
 * plus an offset, and a GOT load ignores the offset, so on aarch64 both
 * bounds came out as the same address (a list of length 0). Hidden, the
 * compiler reaches them PC-relative, without the GOT, on every target. */
__asm__(".section .rodata\n"
        ".balign 16\n"
        ".globl simpul_wilayah_start\n"
        ".hidden simpul_wilayah_start\n"
        "simpul_wilayah_start:\n"
        ".incbin \"" SIMPUL_WILAYAH "\"\n"
        ".globl simpul_wilayah_end\n"
        ".hidden simpul_wilayah_end\n"
        "simpul_wilayah_end:\n"
        ".previous\n");
extern const char simpul_wilayah_start[] __attribute__((visibility("hidden")));
extern const char simpul_wilayah_end[] __attribute__((visibility("hidden")));

struct slice
app_regions_list(void)
{
        return slice_make(simpul_wilayah_start,
                          (size_t)(simpul_wilayah_end - simpul_wilayah_start));
}

static const struct {
        const char *name;
        int level;
} level_names[] = {
    {"", 0},
    {"provinsi", REGION_PROVINSI},
    {"kabupaten", REGION_KABUPATEN},
    {"kecamatan", REGION_KECAMATAN},
    {"desa", REGION_DESA},
};

int
app_regions_search(const char *query, const char *level, size_t max,
                   struct region_hit *hits, size_t *n, char *err_msg)
{
        char folded[REGION_QUERY_MAX + 1];
        size_t i;

        *n = 0;
        for (i = 0; i < ARRAY_LEN(level_names); i++)
                if (!strcmp(level_names[i].name, level))
                        break;
        if (i == ARRAY_LEN(level_names))
                return app__fail(err_msg, ERR_USAGE,
                                 "level must be provinsi, kabupaten, "
                                 "kecamatan or desa");
        if (!region_fold(query, strlen(query), folded, sizeof(folded)))
                return app__fail(err_msg, ERR_USAGE,
                                 "Ketik nama wilayah: the query holds no "
                                 "letter or digit");
        if (max > APP_REGIONS_MAX)
                max = APP_REGIONS_MAX;
        *n = region_search(app_regions_list(), query, level_names[i].level,
                           hits, max);
        return 0;
}
