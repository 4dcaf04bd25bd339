/* util: what several subcommands share: errors, opening, time, JSON. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../app/app.h"
#include "cli.h"

int
cli_error(const char *fmt, ...)
{
        va_list ap;

        fputs("simpul: error: ", stderr);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputc('\n', stderr);
        return EXIT_ERROR;
}

int
cli_usage_error(const char *cmd, const char *fmt, ...)
{
        va_list ap;

        fprintf(stderr, "simpul: %s: ", cmd);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fprintf(stderr, "\nTry 'simpul %s --help'.\n", cmd);
        return EXIT_USAGE;
}

int
cli_open(struct node *n, const char *data_flag, int flags)
{
        char msg[APP_ERR_MAX];
        int err = app_open(n, data_flag, flags, msg);

        if (err)
                cli_error("%s", msg);
        return err;
}

void
cli_time_local(char out[32], uint64_t ms)
{
        time_t t = (time_t)(ms / 1000U);
        struct tm tm;

        localtime_r(&t, &tm);
        strftime(out, 32, "%Y-%m-%d %H:%M", &tm);
}

void
cli_time_iso(char out[32], uint64_t ms)
{
        time_t t = (time_t)(ms / 1000U);
        struct tm tm;
        size_t n;

        gmtime_r(&t, &tm);
        n = strftime(out, 32, "%Y-%m-%dT%H:%M:%S", &tm);
        snprintf(out + n, 32 - n, ".%03uZ", (unsigned)(ms % 1000U));
}

int
cli_parse_id(const char *s, uint8_t id[32], size_t *len)
{
        size_t n = strlen(s);

        if (n < 8 || n > 64 || n % 2 || !hex_valid(s, n))
                return ERR_USAGE;
        *len = n / 2;
        return hex_decode(id, *len, s, n);
}

int
cli_parse_id_arg(const char *arg, void *field)
{
        struct cli_id *id = field;

        return cli_parse_id(arg, id->id, &id->len);
}

int
cli_print_buf(struct buf *out, int err)
{
        if (!err) {
                fwrite(out->data, 1, out->len, stdout);
                putchar('\n');
        }
        buf_wipe_release(out);
        return err ? cli_error("cannot format JSON output") : EXIT_OK;
}

int
cli_print_json(json_t *j)
{
        char *text = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);

        json_decref(j);
        if (!text)
                return cli_error("cannot format JSON output");
        puts(text);
        mem_wipe_free(text);
        return EXIT_OK;
}

struct slice
cli_entry_title(const struct entry *e)
{
        struct slice title = {NULL, 0};

        if (!e->env.has_body)
                return slice_cstr(APP_BODY_MISSING_TEXT);
        if (wire_body_str(e->env.body, "title", &title) != 0)
                title = slice_make("", 0);
        return title.ptr ? title : slice_make("", 0);
}

/* ---- body to JSON: a stack of open containers fed by wire_body_walk ---- */

#define JSON_STACK 20

struct to_json {
        json_t *stack[JSON_STACK];
        json_t *pending_key; /* a map key waiting for its value */
        int depth;
        json_t *root;
};

static int
json_put(struct to_json *tj, json_t *v)
{
        json_t *top;

        if (tj->depth == 0) {
                tj->root = v;
                return 0;
        }
        top = tj->stack[tj->depth - 1];
        if (json_is_array(top))
                return json_array_append_new(top, v);
        if (!tj->pending_key) {
                /* Keys are strings (wire_body_check); hold it. */
                tj->pending_key = v;
                return 0;
        }
        json_object_set_new(top, json_string_value(tj->pending_key), v);
        json_decref(tj->pending_key);
        tj->pending_key = NULL;
        return 0;
}

static json_t *
json_bytes(const struct wire_value *v)
{
        json_t *s;
        char *hex;

        if (v->type == WIRE_STR) {
                s = json_stringn((const char *)v->s.ptr, v->s.len);
                if (s)
                        return s;
                /* Not UTF-8: show it as hex rather than fail. */
        }
        hex = xmalloc(2 * v->s.len + 1);
        hex_encode(hex, v->s.ptr, v->s.len);
        s = json_pack("{s:s}", "hex", hex);
        free(hex);
        return s;
}

static int
to_json_visit(void *ctx, const struct wire_value *v)
{
        struct to_json *tj = ctx;
        json_t *c;

        switch (v->type) {
        case WIRE_NIL:
                return json_put(tj, json_null());
        case WIRE_BOOL:
                return json_put(tj, json_boolean(v->b));
        case WIRE_INT:
                return json_put(tj, json_integer(v->i));
        case WIRE_FLOAT:
                return json_put(tj, json_real(v->f));
        case WIRE_STR:
        case WIRE_BIN:
                return json_put(tj, json_bytes(v));
        case WIRE_ARRAY:
        case WIRE_MAP:
                if (tj->depth >= JSON_STACK)
                        return ERR_BODY;
                c = v->type == WIRE_ARRAY ? json_array() : json_object();
                json_incref(c);
                if (json_put(tj, c)) {
                        json_decref(c);
                        return ERR_BODY;
                }
                tj->stack[tj->depth++] = c;
                return 0;
        case WIRE_END:
                json_decref(tj->stack[--tj->depth]);
                return 0;
        }
        return ERR_BODY;
}

static json_t *
body_json(struct slice body)
{
        struct to_json tj;

        memset(&tj, 0, sizeof(tj));
        if (wire_body_walk(body, to_json_visit, &tj)) {
                while (tj.depth > 0)
                        json_decref(tj.stack[--tj.depth]);
                json_decref(tj.pending_key);
                json_decref(tj.root);
                return json_null();
        }
        return tj.root;
}

json_t *
cli_entry_json(const struct entry *e, bool with_body)
{
        char id[65], feed[65], author[65], prev[65], iso[32], aud[40];
        const char *kind = kind_name(e->h.kind);
        json_t *j;

        id_hex(id, e->id);
        id_hex(feed, e->feed);
        id_hex(author, e->h.author);
        if (e->h.has_prev)
                id_hex(prev, e->h.prev);
        cli_time_iso(iso, e->h.timestamp_ms);
        audience_format(&e->h.audience, aud);
        j = json_pack("{s:s, s:s, s:I, s:s, s:s, s:s, s:s, s:i, s:I, s:s}",
                      "id", id, "feed", feed, "seq", (json_int_t)e->h.seq,
                      "kind", kind ? kind : "?", "audience", aud, "author",
                      author, "author_region", e->h.author_region, "channel",
                      (int)e->h.channel, "timestamp_ms",
                      (json_int_t)e->h.timestamp_ms, "time", iso);
        json_object_set_new(j, "prev",
                            e->h.has_prev ? json_string(prev) : json_null());
        json_object_set_new(j, "body_bytes", json_integer(e->h.body_len));
        json_object_set_new(j, "body_missing", json_boolean(!e->env.has_body));
        if (with_body)
                json_object_set_new(j, "body",
                                    e->env.has_body ? body_json(e->env.body)
                                                    : json_null());
        return j;
}
