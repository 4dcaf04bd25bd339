/* kind: the table of entry kinds and the channel each travels on. */
#include <string.h>

#include "entry.h"

#define KIND_ROW_(name, num, text, channel) {num, text, channel},
static const struct {
        uint32_t kind;
        const char *name;
        int channel;
} kind_rows[] = {KIND_TABLE(KIND_ROW_)};
#undef KIND_ROW_

int
kind_parse(const char *name, uint32_t *out)
{
        for (size_t i = 0; i < ARRAY_LEN(kind_rows); i++) {
                if (!strcmp(kind_rows[i].name, name)) {
                        *out = kind_rows[i].kind;
                        return 0;
                }
        }
        return ERR_KIND;
}

const char *
kind_name(uint32_t kind)
{
        for (size_t i = 0; i < ARRAY_LEN(kind_rows); i++)
                if (kind_rows[i].kind == kind)
                        return kind_rows[i].name;
        return NULL;
}

int
kind_channel(uint32_t kind)
{
        for (size_t i = 0; i < ARRAY_LEN(kind_rows); i++)
                if (kind_rows[i].kind == kind)
                        return kind_rows[i].channel;
        return -1;
}

const char *
channel_name(unsigned channel)
{
        static const char *const names[] = {"system", "urgent", "normal",
                                            "bulk"};

        return channel < ARRAY_LEN(names) ? names[channel] : "?";
}

void
kind_each(void (*fn)(void *ctx, uint32_t kind, const char *name), void *ctx)
{
        for (size_t i = 0; i < ARRAY_LEN(kind_rows); i++)
                fn(ctx, kind_rows[i].kind, kind_rows[i].name);
}
