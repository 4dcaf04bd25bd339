/*
 * page: GET / in one round trip. On a village link every round trip costs
 * hundreds of milliseconds, and the plain index.html needs three before
 * Beranda draws (the page; style.css and app.js; the API's replies). So
 * the server sends index.html with style.css and app.js in it and, in a
 * <script type="application/json" id="awal">, the replies the script asks
 * for first, keyed by the exact path it asks (app.js's api() takes them
 * from there, once). The sources stay as they are in src/http/ui; this
 * is done per request (the replies are live), gzipped for a browser.
 *
 * The inlined script and style are allowed by their hashes in the page's
 * Content-Security-Policy (cmake/embed.cmake computes them); nothing else
 * inline runs. Where index.html lacks the markers below, or a source
 * would end its element early, the page is index.html as it is.
 */
#include <string.h>

#include "http_int.h"

#define PAGE_CSS_TAG "<link rel=\"stylesheet\" href=\"/ui/style.css\">"
#define PAGE_JS_TAG "<script src=\"/ui/app.js\"></script>"

/*
 * The replies the script asks for before Beranda draws, exactly as
 * app.js asks (mulai, muatBeranda: HALAMAN = 50, BERANDA = 30). One that
 * differs is asked for over the network: slower, never wrong
 * (tests/ui/pages.js checks that Beranda needs no request of its own).
 */
static const struct http_pair q_peringatan[] = {{"kind", "peringatan"},
                                                {"limit", "50"}};
static const struct http_pair q_informasi[] = {{"kind", "informasi"},
                                               {"limit", "30"}};
static const struct {
        const char *key, *path;
        const struct http_pair *query;
        size_t n_query;
} firsts[] = {
    {"/api/node", "/api/node", NULL, 0},
    {"/api/places", "/api/places", NULL, 0},
    {"/api/items?kind=peringatan&limit=50", "/api/items", q_peringatan, 2},
    {"/api/items?kind=informasi&limit=30", "/api/items", q_informasi, 2},
};

static const struct http_ui_file *
file_of(const char *name)
{
        for (size_t i = 0; i < http_ui_files_n; i++)
                if (!strcmp(http_ui_files[i].name, name))
                        return &http_ui_files[i];
        return NULL;
}

/* Where [p, p + n) holds s first, or NULL (memmem is not C11). */
static const char *
find(const unsigned char *p, size_t n, const char *s)
{
        size_t k = strlen(s);

        for (const unsigned char *q = p; k <= n && q <= p + n - k;) {
                q = memchr(q, s[0], (size_t)(p + n - k - q) + 1);
                if (!q)
                        return NULL;
                if (!memcmp(q, s, k))
                        return (const char *)q;
                q++;
        }
        return NULL;
}

/*
 * The replies as one JSON object into out, each '<' written \u003c so
 * that no string in them ends the <script> element (JSON reads it back
 * the same).
 */
static void
firsts_add(struct http_req *r, struct buf *out)
{
        struct buf one = BUF_INIT;
        bool any = false;

        buf_addc(out, '{');
        for (size_t i = 0; i < ARRAY_LEN(firsts); i++) {
                buf_reset(&one);
                if (http_subrequest(r, firsts[i].path, firsts[i].query,
                                    firsts[i].n_query, &one))
                        continue; /* the script asks for it itself */
                buf_addf(out, "%s\"%s\":", any ? "," : "", firsts[i].key);
                for (size_t j = 0; j < one.len; j++)
                        if (one.data[j] == '<')
                                buf_adds(out, "\\u003c");
                        else
                                buf_addc(out, one.data[j]);
                any = true;
        }
        buf_addc(out, '}');
        buf_wipe_release(&one);
}

/* index.html with css and js in place of their tags, and the replies
 * before the script; false when the sources do not allow it. */
static bool
page_make(struct http_req *r, const struct http_ui_file *html,
          const struct http_ui_file *css, const struct http_ui_file *js,
          struct buf *out)
{
        const unsigned char *h = html->data;
        const char *c = find(h, html->len, PAGE_CSS_TAG);
        const char *s = find(h, html->len, PAGE_JS_TAG);
        size_t c_end, s_end;

        if (!c || !s || (const unsigned char *)s < (const unsigned char *)c ||
            find(css->data, css->len, "</") ||
            find(js->data, js->len, "</script") ||
            find(js->data, js->len, "<!--"))
                return false;
        c_end = (size_t)((const unsigned char *)c - h) + strlen(PAGE_CSS_TAG);
        s_end = (size_t)((const unsigned char *)s - h) + strlen(PAGE_JS_TAG);
        /* The replies are what anyone may read (announcements, names of
         * places, the node), so the page may grow past this freely. */
        buf_grow(out, html->len + css->len + js->len + 64U * 1024U);
        buf_add(out, h, (size_t)((const unsigned char *)c - h));
        buf_adds(out, "<style>");
        buf_add(out, css->data, css->len);
        buf_adds(out, "</style>");
        buf_add(out, h + c_end, (size_t)((const unsigned char *)s - h) - c_end);
        buf_adds(out, "<script type=\"application/json\" id=\"awal\">");
        firsts_add(r, out);
        buf_adds(out, "</script>\n<script>");
        buf_add(out, js->data, js->len);
        buf_adds(out, "</script>");
        buf_add(out, h + s_end, html->len - s_end);
        snprintf(r->csp_buf, sizeof(r->csp_buf),
                 "default-src 'self'; script-src 'self' 'sha256-%s'; "
                 "style-src 'self' 'sha256-%s'; img-src 'self' blob:; "
                 "frame-ancestors 'none'",
                 js->sha256, css->sha256);
        r->csp = r->csp_buf;
        return true;
}

int
http_ui_page(struct http_req *r)
{
        const struct http_ui_file *html = file_of("index.html");
        const struct http_ui_file *css = file_of("style.css");
        const struct http_ui_file *js = file_of("app.js");
        struct buf page = BUF_INIT;

        if (!html || !css || !js || r->check_only)
                return http_ui(r);
        if (!page_make(r, html, css, js, &page)) {
                buf_wipe_release(&page);
                return http_ui(r); /* index.html as it is */
        }
        r->ctype = "text/html; charset=utf-8";
        if (http_takes_gzip(r) && !http_gzip(page.data, page.len, &r->text)) {
                r->file_gzip = true;
                buf_wipe_release(&page);
        } else {
                r->text = page; /* taken over */
        }
        return 0;
}
