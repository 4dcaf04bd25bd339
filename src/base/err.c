/* err: the one table of simpul error codes, ids and messages. */
#include "base.h"

#include <stdio.h>
#include <string.h>

#define ERR_ROW_(name, id, msg) {name, id, msg},
static const struct {
        int code;
        const char *id;
        const char *msg;
} err_rows[] = {ERR_TABLE(ERR_ROW_)};
#undef ERR_ROW_

static int
err_row(int err)
{
        for (size_t i = 0; i < ARRAY_LEN(err_rows); i++)
                if (err_rows[i].code == err)
                        return (int)i;
        return -1;
}

const char *
err_str(int err)
{
        int row = err_row(err);

        if (row >= 0)
                return err_rows[row].msg;
        if (err < 0 && err > ERR_FIRST_)
                return strerror(-err);
        return "unknown error";
}

const char *
err_id(int err)
{
        static _Thread_local char sys[32];
        int row = err_row(err);

        if (row >= 0)
                return err_rows[row].id;
        snprintf(sys, sizeof(sys), "SYS-%d", -err);
        return sys;
}
