/*
 * show: what simpul demo posts and prints: the sample items, a table
 * per item of the nodes that hold it (polled with simpul list --json), the
 * final matrix with simpul verify, and the same matrix as JSON.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "demo.h"

#define ITEM_TIMEOUT_MS 10000U
#define SETTLE_MS 1000U /* after the last item: anything late or extra */
#define NAME_WIDTH 21

#define GREEN "32"
#define RED "1;31"
#define DIM "2"
#define BOLD "1"

struct item_def {
        int author;
        const char *kind, *to, *title, *text;
        int answers; /* a tanggapan: 1 + the index of the report it answers */
};

/* Down from the kabupaten, up from a desa, sideways, and an answer. */
static const struct item_def items[DEMO_ITEMS] = {
    {DEMO_KAB, "peringatan", "tree:36.04",
     "Waspada banjir: debit Sungai Ciujung naik",
     "Debit Sungai Ciujung naik sejak pukul 04.00. Warga di bantaran "
     "sungai diminta waspada dan menyiapkan barang penting.",
     0},
    {DEMO_KAB, "informasi", "tree:36.04.12",
     "Rapat koordinasi KIM se-Kecamatan Pontang",
     "Rapat koordinasi KIM se-Kecamatan Pontang hari Kamis pukul 09.00 di "
     "aula kantor kecamatan.",
     0},
    {DEMO_SUKANEGARA, "aspirasi", "path:36.04.12.2002:36.04",
     "Jalan desa rusak di RT 03",
     "Jalan sepanjang 300 m di RT 03 rusak berat dan tergenang setiap "
     "hujan. Mohon perbaikan.",
     0},
    {DEMO_SUKANEGARA, "informasi", "tree:36.04.12",
     "Posyandu balita Sabtu di balai desa Sukanegara",
     "Posyandu balita hari Sabtu pukul 08.00 di balai desa. Warga desa "
     "tetangga dipersilakan datang.",
     0},
    {DEMO_KAB, "tanggapan", "path:36.04.12.2002:36.04",
     "Tanggapan: perbaikan jalan RT 03 dijadwalkan",
     "Dinas PUPR menjadwalkan perbaikan jalan RT 03 Desa Sukanegara bulan "
     "depan. Terima kasih atas laporannya.",
     3},
};

/* ---- output helpers -------------------------------------------------------
 */

/* printf, in colour when the output is a terminal. */
static void PRINTF(3, 4)
    paint(struct demo *d, const char *colour, const char *fmt, ...)
{
        va_list ap;

        if (d->colour)
                fprintf(d->out, "\033[%sm", colour);
        va_start(ap, fmt);
        vfprintf(d->out, fmt, ap);
        va_end(ap);
        if (d->colour)
                fputs("\033[0m", d->out);
}

/* Starts a line that may be redrawn in place. */
static void
line_start(struct demo *d)
{
        if (d->tty)
                fputs("\r\033[K", d->out);
}

/* The node's name, indented by its level, padded to NAME_WIDTH. */
static void
node_name(struct demo *d, int i)
{
        int indent =
            2 * (region_level(demo_nodes[i].region) - REGION_KABUPATEN);

        fprintf(d->out, "  %*s%-*s", indent, "", NAME_WIDTH - indent,
                demo_nodes[i].dir);
}

void
demo_heading(struct demo *d, const char *title)
{
        fputc('\n', d->out);
        paint(d, BOLD, "== %s", title);
        fputc('\n', d->out);
}

void
demo_intro(struct demo *d)
{
        paint(d, BOLD, "simpul demo");
        fprintf(d->out,
                ": the KIM network of Kabupaten Serang on this machine.\n"
                "A kabupaten, two kecamatan and four desa, each a real "
                "'simpul run' daemon\non 127.0.0.1; every step below runs "
                "%s.\nNodes and logs: %s\n",
                d->exe, d->dir);
}

void
demo_show_node(struct demo *d, int i)
{
        const struct demo_node_def *def = &demo_nodes[i];

        node_name(d, i);
        fprintf(d->out, " %-13s  %-27s  ", def->region, def->name);
        if (def->issuer == DEMO_NONE)
                fprintf(d->out, "network root\n");
        else
                fprintf(d->out, "signed by %s%s\n", demo_nodes[def->issuer].dir,
                        def->delegated ? " (--issuer)" : "");
}

void
demo_show_daemon(struct demo *d, int i)
{
        const struct demo_node_def *def = &demo_nodes[i];

        node_name(d, i);
        fprintf(d->out, " pid %-7d", (int)d->node[i].pid);
        if (d->node[i].addr[0])
                fprintf(d->out, " listening on %s", d->node[i].addr);
        if (def->parent != DEMO_NONE)
                fprintf(d->out, "%s parent %s", d->node[i].addr[0] ? "," : "",
                        demo_nodes[def->parent].dir);
        if (def->fallback != DEMO_NONE)
                fprintf(d->out, ", fallback %s", demo_nodes[def->fallback].dir);
        fputc('\n', d->out);
}

/* ---- who holds what: simpul list --json on every node ---------------------
 */

static void
item_seen(struct demo *d, int i, const char *id, uint64_t now)
{
        for (int k = 0; k < d->posted; k++) {
                struct demo_item *it = &d->item[k];
                if (it->ms[i] < 0 && !strcmp(it->id, id))
                        it->ms[i] = (int64_t)(now - it->posted_ms);
        }
}

static void
node_seen(struct demo *d, int i, struct slice json, uint64_t now)
{
        json_t *arr = json_loadb((const char *)json.ptr, json.len, 0, NULL);
        json_t *e;
        size_t idx;

        json_array_foreach(arr, idx, e)
        {
                const char *id = json_string_value(json_object_get(e, "id"));
                if (id)
                        item_seen(d, i, id, now);
        }
        json_decref(arr);
}

/*
 * simpul list --json on every node at once, so that all are seen at the
 * same moment. A failed list counts as "nothing new" (its error is in
 * setup.log).
 */
static void
demo_poll(struct demo *d)
{
        struct demo_child c[DEMO_NODES];
        struct buf out = BUF_INIT;
        int status;

        for (int i = 0; i < DEMO_NODES; i++) {
                char *argv[] = {d->exe,          "list",   "--data",
                                d->node[i].data, "--json", NULL};
                if (demo_child_start(argv, d->setup_log, &c[i]))
                        c[i].pid = 0;
        }
        for (int i = 0; i < DEMO_NODES; i++) {
                buf_reset(&out);
                if (c[i].pid && !demo_child_finish(&c[i], &out, &status) &&
                    !status)
                        node_seen(d, i, buf_slice(&out), demo_now_ms());
        }
        buf_release(&out);
}

/* Every node of its audience holds it. */
static bool
item_settled(const struct demo_item *it)
{
        for (int i = 0; i < DEMO_NODES; i++)
                if (it->expected[i] && it->ms[i] < 0)
                        return false;
        return true;
}

/* Exactly the nodes of its audience hold it. */
static bool
item_exact(const struct demo_item *it)
{
        for (int i = 0; i < DEMO_NODES; i++)
                if (it->expected[i] != (it->ms[i] >= 0))
                        return false;
        return true;
}

/* ---- one item -------------------------------------------------------------
 */

static int
item_post(struct demo *d, int k)
{
        const struct item_def *def = &items[k];
        struct demo_item *it = &d->item[k];
        struct buf out = BUF_INIT;
        struct audience a;
        const char *id;
        json_t *j = NULL;
        int rc;

        if ((rc = demo_simpul(
                 d, &out, "post", "--data", d->node[def->author].data, "--kind",
                 def->kind,
                 /* An answer goes to its report's audience. */
                 def->answers ? "--report" : "--to",
                 def->answers ? d->item[def->answers - 1].id : def->to,
                 "--title", def->title, "--body", def->text, "--json", NULL)))
                goto out;
        it->posted_ms = demo_now_ms();
        j = json_loadb((char *)out.data, out.len, 0, NULL);
        id = json_string_value(json_object_get(j, "id"));
        if (!id || strlen(id) >= sizeof(it->id) ||
            audience_parse(&a, def->to)) {
                rc = cli_error("demo: post: unexpected output '%s'",
                               (char *)out.data);
                goto out;
        }
        strcpy(it->id, id);
        for (int i = 0; i < DEMO_NODES; i++) {
                it->ms[i] = -1;
                it->expected[i] = audience_contains(&a, demo_nodes[i].region);
        }
        d->posted = k + 1;
out:
        json_decref(j);
        buf_release(&out);
        return rc;
}

static void
item_cell(struct demo *d, int k, int i, bool final)
{
        const struct demo_item *it = &d->item[k];
        double s = (double)it->ms[i] / 1000.0;

        if (it->ms[i] >= 0 && !it->expected[i])
                paint(d, RED, "✓  %.2f s  outside its audience!", s);
        else if (it->ms[i] >= 0 && i == items[k].author)
                paint(d, GREEN, "✓  author");
        else if (it->ms[i] >= 0)
                paint(d, GREEN, "✓  %.2f s", s);
        else if (it->expected[i] && final)
                paint(d, RED, "·  missing");
        else if (it->expected[i])
                fputs("·  ...", d->out);
        else
                paint(d, DIM, "·");
}

/* The slowest arrival in its audience; how many nodes hold it. */
static double
item_slowest(const struct demo_item *it, int *held)
{
        int64_t max = 0;

        *held = 0;
        for (int i = 0; i < DEMO_NODES; i++) {
                if (it->ms[i] < 0)
                        continue;
                ++*held;
                if (it->ms[i] > max)
                        max = it->ms[i];
        }
        return (double)max / 1000.0;
}

static void
item_verdict(struct demo *d, int k, bool final)
{
        const struct demo_item *it = &d->item[k];
        int held;
        double slowest = item_slowest(it, &held);

        line_start(d);
        if (!final)
                fprintf(d->out, "  waiting... %.1f s\n",
                        (double)(demo_now_ms() - it->posted_ms) / 1000.0);
        else if (item_exact(it))
                fprintf(d->out,
                        "  at exactly its audience: %d of %d nodes, "
                        "in %.2f s\n",
                        held, DEMO_NODES, slowest);
        else
                paint(d, RED, "  NOT at exactly its audience after %.1f s\n",
                      (double)(demo_now_ms() - it->posted_ms) / 1000.0);
}

/* The table of item k; redraw: over the previous one (a terminal). */
static void
item_table(struct demo *d, int k, bool final, bool redraw)
{
        if (redraw)
                fprintf(d->out, "\033[%dA", DEMO_NODES + 1);
        for (int i = 0; i < DEMO_NODES; i++) {
                line_start(d);
                node_name(d, i);
                fprintf(d->out, " %-13s  ", demo_nodes[i].region);
                item_cell(d, k, i, final);
                fputc('\n', d->out);
        }
        item_verdict(d, k, final);
        fflush(d->out);
}

static int
item_watch(struct demo *d, int k)
{
        uint64_t until = d->item[k].posted_ms + ITEM_TIMEOUT_MS;
        bool drawn = false, done = false;

        while (!done) {
                demo_poll(d);
                if (demo_signalled)
                        return cli_error("demo: interrupted");
                if (demo_daemons_check(d))
                        return EXIT_ERROR;
                done = item_settled(&d->item[k]) || demo_now_ms() > until;
                if (d->tty || done) {
                        item_table(d, k, done, drawn);
                        drawn = true;
                }
                if (!done)
                        demo_sleep_ms(DEMO_POLL_MS);
        }
        if (!item_exact(&d->item[k]))
                d->failed = true;
        return EXIT_OK;
}

int
demo_item(struct demo *d, int k)
{
        const struct item_def *def = &items[k];
        char title[160];
        int rc;

        snprintf(title, sizeof(title), "%d/%d  %s posts %s to %s", k + 1,
                 DEMO_ITEMS, demo_nodes[def->author].dir, def->kind, def->to);
        demo_heading(d, title);
        fprintf(d->out, "  \"%s\"\n", def->title);
        if ((rc = item_post(d, k)))
                return rc;
        return item_watch(d, k);
}

/* ---- the summary ----------------------------------------------------------
 */

static void
node_verify(struct demo *d, int i)
{
        char *argv[] = {d->exe,          "verify", "--data",
                        d->node[i].data, "--json", NULL};
        struct demo_node *n = &d->node[i];
        struct buf out = BUF_INIT;
        json_t *j = NULL;
        int status = -1;

        n->entries = -1;
        n->verified = false;
        if (!demo_run(argv, d->setup_log, &out, &status) &&
            (j = json_loadb((char *)out.data, out.len, 0, NULL))) {
                n->entries = json_integer_value(json_object_get(j, "entries"));
                n->verified =
                    status == 0 && json_is_true(json_object_get(j, "ok"));
        }
        json_decref(j);
        buf_release(&out);
}

static void
summary_items(struct demo *d)
{
        for (int k = 0; k < d->posted; k++)
                fprintf(d->out, "  %d  %-10s  %-16s  %-24s  %s\n", k + 1,
                        items[k].kind, demo_nodes[items[k].author].dir,
                        items[k].to, items[k].title);
        fputc('\n', d->out);
}

static void
summary_row(struct demo *d, int i)
{
        node_name(d, i);
        for (int k = 0; k < d->posted; k++) {
                const struct demo_item *it = &d->item[k];
                bool held = it->ms[i] >= 0;
                if (held != it->expected[i])
                        paint(d, RED, " %s", held ? "✓" : "·");
                else
                        paint(d, held ? GREEN : DIM, " %s", held ? "✓" : "·");
        }
        fprintf(d->out, "  %7lld  ", d->node[i].entries);
        if (d->node[i].verified)
                paint(d, GREEN, "ok\n");
        else
                paint(d, RED, "FAILED\n");
}

static void
summary_verdict(struct demo *d, int exact, int verified)
{
        if (exact == d->posted && verified == DEMO_NODES) {
                fprintf(d->out, "  Every item reached exactly its audience; "
                                "every store verifies.\n");
                return;
        }
        if (exact < d->posted)
                paint(d, RED,
                      "  FAILED: %d of %d items at exactly their "
                      "audience\n",
                      exact, d->posted);
        if (verified < DEMO_NODES)
                paint(d, RED, "  FAILED: simpul verify fails on %d nodes\n",
                      DEMO_NODES - verified);
        d->failed = true;
}

void
demo_summary(struct demo *d)
{
        int exact = 0, verified = 0;

        demo_sleep_ms(SETTLE_MS);
        demo_poll(d);
        for (int k = 0; k < d->posted; k++)
                exact += item_exact(&d->item[k]);
        demo_heading(d, "Summary: which node holds which item, simpul verify");
        summary_items(d);
        fprintf(d->out, "  %-*s", NAME_WIDTH, "node");
        for (int k = 0; k < d->posted; k++)
                fprintf(d->out, " %d", k + 1);
        fprintf(d->out, "  entries  verify\n");
        for (int i = 0; i < DEMO_NODES; i++) {
                node_verify(d, i);
                verified += d->node[i].verified;
                summary_row(d, i);
        }
        fprintf(d->out, "  (entries: the items and the membership "
                        "certificates a node holds)\n\n");
        summary_verdict(d, exact, verified);
}

/* ---- JSON and the closing notes -------------------------------------------
 */

static json_t *
item_json(struct demo *d, int k)
{
        const struct demo_item *it = &d->item[k];
        json_t *expected = json_array(), *held = json_array(),
               *ms = json_object();

        for (int i = 0; i < DEMO_NODES; i++) {
                if (it->expected[i])
                        json_array_append_new(expected,
                                              json_string(demo_nodes[i].dir));
                if (it->ms[i] < 0)
                        continue;
                json_array_append_new(held, json_string(demo_nodes[i].dir));
                json_object_set_new(ms, demo_nodes[i].dir,
                                    json_integer(it->ms[i]));
        }
        return json_pack(
            "{s:i, s:s, s:s, s:s, s:s, s:s, s:b, s:o, s:o, s:o}", "n", k + 1,
            "id", it->id, "kind", items[k].kind, "audience", items[k].to,
            "author", demo_nodes[items[k].author].dir, "title", items[k].title,
            "ok", item_exact(it), "expected", expected, "held", held, "ms", ms);
}

static json_t *
node_json(struct demo *d, int i)
{
        const struct demo_node *n = &d->node[i];
        json_t *j =
            json_pack("{s:s, s:s, s:s, s:s, s:s, s:i, s:b, s:I, s:b}", "node",
                      demo_nodes[i].dir, "region", demo_nodes[i].region, "name",
                      demo_nodes[i].name, "data", n->data, "listen", n->addr,
                      "pid", (int)n->pid, "running", n->running, "entries",
                      (json_int_t)n->entries, "verify", n->verified);

        if (n->ui[0]) /* --ui: its web app and admin account */
                json_object_set_new(
                    j, "ui",
                    json_pack("{s:s++, s:s, s:s}", "url", "http://", n->ui, "/",
                              "user", DEMO_UI_USER, "password", n->password));
        return j;
}

/* Prints j (stolen) indented, as simpul --json does. */
static void
json_print(json_t *j)
{
        char *text = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);

        json_decref(j);
        if (!text) {
                cli_error("cannot format JSON output");
                return;
        }
        puts(text);
        free(text);
}

void
demo_json(struct demo *d)
{
        json_t *nodes = json_array(), *its = json_array();

        for (int i = 0; i < DEMO_NODES; i++)
                json_array_append_new(nodes, node_json(d, i));
        for (int k = 0; k < d->posted; k++)
                json_array_append_new(its, item_json(d, k));
        json_print(json_pack("{s:b, s:s, s:b, s:o, s:o}", "ok", !d->failed,
                             "dir", d->dir, "kept", d->keep, "nodes", nodes,
                             "items", its));
}

void
demo_keep_note(struct demo *d)
{
        demo_heading(d, "The network keeps running (--keep)");
        fprintf(d->out,
                "  look:  %s status --data %s/kec-pontang\n"
                "         %s list --data %s/desa-linduk\n"
                "  post:  %s post --data %s/desa-margasana --kind "
                "informasi --to tree:36.04.05 --title \"...\"\n"
                "  logs:  %s/<node>.log\n"
                "  stop:  kill",
                d->exe, d->dir, d->exe, d->dir, d->exe, d->dir, d->dir);
        for (int i = 0; i < DEMO_NODES; i++)
                if (d->node[i].running)
                        fprintf(d->out, " %d", (int)d->node[i].pid);
        fprintf(d->out, "\n");
}

void
demo_ui_note(struct demo *d)
{
        demo_heading(d, "Web apps (--ui): open one in a browser, log in as "
                        "the admin");
        for (int i = 0; i < DEMO_NODES; i++) {
                if (!d->node[i].running)
                        continue;
                node_name(d, i);
                fprintf(d->out, " http://%s/  %s / %s\n", d->node[i].ui,
                        DEMO_UI_USER, d->node[i].password);
        }
        fprintf(d->out, "  (each password is also in %s/<node>.password)\n",
                d->dir);
}

void
demo_data_note(struct demo *d)
{
        fprintf(d->out,
                "\nThe nodes stay in %s (rm -rf it to remove them); try\n"
                "  %s list --data %s/desa-sukanegara\n"
                "  %s status --data %s/kab-serang\n"
                "With --keep the daemons keep running after the demo.\n",
                d->dir, d->exe, d->dir, d->exe, d->dir);
}
