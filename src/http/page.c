/*
 * page: GET / in one round trip. On a village link every round trip costs
 * hundreds of milliseconds, and the plain index.html needs three before
 * Beranda draws (the page; style.css and the scripts; the API's replies).
 * So the server sends index.html with style.css and every script of the
 * page's run of <script src="/ui/..."> tags in it (in their order) and, in a
 * <script type="application/json" id="awal">, the replies the script asks
 * for first, keyed by the exact path it asks (app.js's api() takes them
 * from there, once). The sources stay as they are in src/http/ui; this
 * is done per request (the replies are live), gzipped for a browser.
 *
 * The inlined scripts and style are allowed by their hashes in the page's
 * Content-Security-Policy (cmake/embed.cmake computes them); nothing else
 * inline runs. Where index.html lacks the markers below, or a source
 * would end its element early, the page is index.html as it is.
 */
#include <string.h>

#include "http_int.h"

#define PAGE_CSS_TAG "<link rel=\"stylesheet\" href=\"/ui/style.css\">"
#define PAGE_JS_OPEN "<script src=\"/ui/"
#define PAGE_JS_CLOSE "\"></script>"
/* Scripts inlined at most; a page of more is served as it is. */
#define PAGE_JS_MAX 8U

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

/* The page's scripts: the run of <script src="/ui/NAME"></script> tags
 * (blanks between them) from at, each a file of ours that cannot end its
 * element early. *end: just after the run. 0 when there is none or one is
 * not inlinable. */
static size_t
scripts_of(const unsigned char *h, size_t len, size_t at,
           const struct http_ui_file **js, size_t *end)
{
        size_t n = 0, o = strlen(PAGE_JS_OPEN), c = strlen(PAGE_JS_CLOSE);

        for (;;) {
                const char *close;
                char name[64];
                size_t k;

                while (at < len && strchr(" \t\r\n", h[at]))
                        at++;
                if (len - at < o || memcmp(h + at, PAGE_JS_OPEN, o))
                        break;
                close = find(h + at + o, len - at - o, PAGE_JS_CLOSE);
                k = close ? (size_t)((const unsigned char *)close - h) - at - o
                          : sizeof(name);
                if (k >= sizeof(name) || n == PAGE_JS_MAX)
                        return 0;
                memcpy(name, h + at + o, k);
                name[k] = 0;
                if (!(js[n] = file_of(name)) ||
                    find(js[n]->data, js[n]->len, "</script") ||
                    find(js[n]->data, js[n]->len, "<!--"))
                        return 0;
                n++;
                at += o + k + c;
                *end = at;
        }
        return n;
}

/* The page's policy: its inline style and scripts by their hashes. */
static void
page_csp(struct http_req *r, const struct http_ui_file *css,
         const struct http_ui_file *const *js, size_t n)
{
        struct buf b = BUF_INIT;

        buf_adds(&b, "default-src 'self'; script-src 'self'");
        for (size_t i = 0; i < n; i++) {
                buf_adds(&b, " 'sha256-");
                buf_adds(&b, js[i]->sha256);
                buf_adds(&b, "'");
        }
        buf_adds(&b, "; style-src 'self' 'sha256-");
        buf_adds(&b, css->sha256);
        buf_adds(&b, "'; img-src 'self' blob:; frame-ancestors 'none'");
        snprintf(r->csp_buf, sizeof(r->csp_buf), "%.*s", (int)b.len,
                 (const char *)b.data);
        buf_release(&b);
        r->csp = r->csp_buf;
}

/* index.html with css and the scripts in place of their tags, and the
 * replies before the scripts; false when the sources do not allow it. */
static bool
page_make(struct http_req *r, const struct http_ui_file *html,
          const struct http_ui_file *css, struct buf *out)
{
        const struct http_ui_file *js[PAGE_JS_MAX];
        const unsigned char *h = html->data;
        const char *c = find(h, html->len, PAGE_CSS_TAG);
        const char *s;
        size_t c_end, s_at, s_end = 0, n, js_len = 0;

        if (!c || find(css->data, css->len, "</"))
                return false;
        c_end = (size_t)((const unsigned char *)c - h) + strlen(PAGE_CSS_TAG);
        if (!(s = find(h + c_end, html->len - c_end, PAGE_JS_OPEN)))
                return false;
        s_at = (size_t)((const unsigned char *)s - h);
        if (!(n = scripts_of(h, html->len, s_at, js, &s_end)))
                return false;
        for (size_t i = 0; i < n; i++)
                js_len += js[i]->len;
        /* The replies are what anyone may read (announcements, names of
         * places, the node), so the page may grow past this freely. */
        buf_grow(out, html->len + css->len + js_len + 64U * 1024U);
        buf_add(out, h, (size_t)((const unsigned char *)c - h));
        buf_adds(out, "<style>");
        buf_add(out, css->data, css->len);
        buf_adds(out, "</style>");
        buf_add(out, h + c_end, s_at - c_end);
        buf_adds(out, "<script type=\"application/json\" id=\"awal\">");
        firsts_add(r, out);
        buf_adds(out, "</script>");
        for (size_t i = 0; i < n; i++) {
                buf_adds(out, "\n<script>");
                buf_add(out, js[i]->data, js[i]->len);
                buf_adds(out, "</script>");
        }
        buf_add(out, h + s_end, html->len - s_end);
        page_csp(r, css, js, n);
        return true;
}

int
http_ui_page(struct http_req *r)
{
        const struct http_ui_file *html = file_of("index.html");
        const struct http_ui_file *css = file_of("style.css");
        struct buf page = BUF_INIT;

        if (!html || !css || r->check_only)
                return http_ui(r);
        if (!page_make(r, html, css, &page)) {
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
