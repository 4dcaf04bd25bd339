/*
 * ui: the web UI for KIM operators — static files from src/http/ui,
 * embedded at build time (cmake/embed.cmake). GET /ui/NAME is one of the
 * files; GET / is index.html with what it loads first in it (page.c). Plain
 * HTML, CSS and JavaScript without any library; the page talks to the JSON API
 * like any other client.
 */
#include <string.h>

#include "http_int.h"

static const struct {
        const char *ext, *type;
} types[] = {
    {".html", "text/html; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},
    {".svg", "image/svg+xml"},
};

static const char *
type_of(const char *name)
{
        size_t n = strlen(name);

        for (size_t i = 0; i < ARRAY_LEN(types); i++) {
                size_t e = strlen(types[i].ext);
                if (n > e && !strcmp(name + n - e, types[i].ext))
                        return types[i].type;
        }
        return "application/octet-stream";
}

int
http_ui(struct http_req *r)
{
        const char *name = r->arg[0] ? r->arg[0] : "index.html";
        bool gz = http_takes_gzip(r);

        for (size_t i = 0; i < http_ui_files_n; i++) {
                if (strcmp(http_ui_files[i].name, name))
                        continue;
                r->file_gzip =
                    gz && http_ui_files[i].gz_len < http_ui_files[i].len;
                r->file = r->file_gzip ? slice_make(http_ui_files[i].gz,
                                                    http_ui_files[i].gz_len)
                                       : slice_make(http_ui_files[i].data,
                                                    http_ui_files[i].len);
                r->ctype = type_of(name);
                return 0;
        }
        return ERR_HTTP_NOT_FOUND;
}
