/*
 * fields: checking what a client sends — the members of a JSON body
 * against a table of names and types (an unknown member is refused, so a
 * misspelt field never goes silently missing), ids in hex, and query
 * parameters.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "http_int.h"

static const char *const type_names[] = {
    [FIELD_STR] = "a string",
    [FIELD_UINT] = "a whole number >= 0",
    [FIELD_BOOL] = "a boolean",
    [FIELD_NUM] = "a number",
    [FIELD_WORDS] = "an array of strings",
    [FIELD_OBJ] = "an object",
    [FIELD_OBJS] = "an array of objects",
};

static bool
type_ok(json_t *v, enum field_type t)
{
        size_t i;

        switch (t) {
        case FIELD_STR:
                return json_is_string(v);
        case FIELD_UINT:
                return json_is_integer(v) && json_integer_value(v) >= 0;
        case FIELD_BOOL:
                return json_is_boolean(v);
        case FIELD_NUM:
                return json_is_number(v);
        case FIELD_WORDS:
                if (!json_is_array(v))
                        return false;
                for (i = 0; i < json_array_size(v); i++)
                        if (!json_is_string(json_array_get(v, i)))
                                return false;
                return true;
        case FIELD_OBJ:
                return json_is_object(v);
        case FIELD_OBJS:
                if (!json_is_array(v))
                        return false;
                for (i = 0; i < json_array_size(v); i++)
                        if (!json_is_object(json_array_get(v, i)))
                                return false;
                return true;
        }
        return false;
}

int
http_fields_check(struct http_req *r, json_t *obj, const char *where,
                  const struct field *fields, size_t n)
{
        const char *key;
        json_t *v;
        size_t i;

        if (!json_is_object(obj))
                return http_fail(r, ERR_HTTP_BAD_TYPE, "%s must be an object",
                                 where[0] ? where : "the body");
        json_object_foreach(obj, key, v)
        {
                for (i = 0; i < n && strcmp(fields[i].name, key); i++)
                        ;
                if (i == n)
                        return http_fail(r, ERR_HTTP_UNKNOWN_FIELD,
                                         "unknown field '%s%.64s'", where, key);
                if (!type_ok(v, fields[i].type))
                        return http_fail(r, ERR_HTTP_BAD_TYPE,
                                         "field '%s%s' must be %s", where, key,
                                         type_names[fields[i].type]);
        }
        return 0;
}

const char *
http_str(json_t *obj, const char *name)
{
        return json_string_value(json_object_get(obj, name));
}

int
http_str_req(struct http_req *r, json_t *obj, const char *name,
             const char **out)
{
        *out = http_str(obj, name);
        if (!*out)
                return http_fail(r, ERR_HTTP_MISSING_FIELD,
                                 "field '%s' is required", name);
        return 0;
}

static bool
id_parse(const char *s, uint8_t out[ENTRY_HASH_BYTES])
{
        return s && strlen(s) == 2 * ENTRY_HASH_BYTES &&
               !hex_decode(out, ENTRY_HASH_BYTES, s, strlen(s));
}

int
http_id(struct http_req *r, json_t *obj, const char *name, bool required,
        uint8_t out[ENTRY_HASH_BYTES], bool *present)
{
        const char *s = http_str(obj, name);

        *present = s != NULL;
        if (!s)
                return required ? http_fail(r, ERR_HTTP_MISSING_FIELD,
                                            "field '%s' is required", name)
                                : 0;
        if (!id_parse(s, out))
                return http_fail(r, ERR_HTTP_BAD_VALUE,
                                 "field '%s' must be an id of 64 hex digits",
                                 name);
        return 0;
}

int
http_arg_id(struct http_req *r, const char *arg, uint8_t out[ENTRY_HASH_BYTES])
{
        if (!id_parse(arg, out))
                return http_fail(r, ERR_HTTP_BAD_VALUE,
                                 "'%.80s' is not an id of 64 hex digits", arg);
        return 0;
}

/* ---- query parameters ---------------------------------------------------- */

struct query_check {
        const char *const *names;
        const char *bad;
};

static enum MHD_Result
query_one(void *cls, enum MHD_ValueKind kind, const char *key,
          const char *value)
{
        struct query_check *qc = cls;

        (void)kind;
        (void)value;
        for (const char *const *n = qc->names; *n; n++)
                if (!strcmp(*n, key))
                        return MHD_YES;
        qc->bad = key;
        return MHD_NO;
}

int
http_query_check(struct http_req *r, const char *const *names)
{
        struct query_check qc = {names, NULL};

        /* A sub-request (the page's first replies) has its own query,
         * not its parent connection's. */
        if (r->conn && !r->sub)
                MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND,
                                          query_one, &qc);
        for (size_t i = 0; (!r->conn || r->sub) && i < r->n_query && !qc.bad;
             i++)
                query_one(&qc, MHD_GET_ARGUMENT_KIND, r->query[i].name,
                          r->query[i].value);
        if (qc.bad)
                return http_fail(r, ERR_HTTP_UNKNOWN_FIELD,
                                 "unknown query parameter '%.64s'", qc.bad);
        return 0;
}

int
http_query_uint(struct http_req *r, const char *name, uint64_t min,
                uint64_t max, uint64_t def, uint64_t *out)
{
        const char *v = http_query(r, name);
        unsigned long long n;
        char *end;

        *out = def;
        if (!v)
                return 0;
        errno = 0;
        n = strtoull(v, &end, 10);
        if (errno || end == v || *end || v[0] == '-' || n < min || n > max)
                return http_fail(r, ERR_HTTP_BAD_VALUE,
                                 "query parameter '%s' must be a whole "
                                 "number from %llu to %llu",
                                 name, (unsigned long long)min,
                                 (unsigned long long)max);
        *out = n;
        return 0;
}

int
http_query_bool(struct http_req *r, const char *name, bool def, bool *out)
{
        const char *v = http_query(r, name);

        *out = def;
        if (!v)
                return 0;
        if (!strcmp(v, "true") || !strcmp(v, "1") || !v[0])
                *out = true;
        else if (!strcmp(v, "false") || !strcmp(v, "0"))
                *out = false;
        else
                return http_fail(r, ERR_HTTP_BAD_VALUE,
                                 "query parameter '%s' must be true or false",
                                 name);
        return 0;
}
