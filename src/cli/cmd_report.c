/* report: one report's timeline, and the steps of its lifecycle
 * (proto/KIM.md §3): simpul report SUBCOMMAND ID [options]. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "../app/app.h"
#include "cli.h"

/* The subcommands that make a step, and what each needs. */
static const struct report_sub {
        const char *name;
        const char *step;  /* KIM.md §3 name, or "tanggapan" */
        const char *needs; /* required options, for the usage line */
        const char *summary;
} subs[] = {
    {"verify", "diverifikasi", "--method M --result R",
     "diverifikasi: record how it was checked and the result"},
    {"postpone", "ditunda", "", "ditunda: put on hold"},
    {"not-authority", "bukan_wewenang", "",
     "bukan_wewenang: not this government's matter"},
    {"archive", "diarsipkan", "", "diarsipkan: file it away"},
    {"forward", "diteruskan", "--agency A",
     "diteruskan: pass a verified report to an agency"},
    {"follow-up", "ditindaklanjuti", "",
     "ditindaklanjuti: action is being taken"},
    {"done", "selesai", "", "selesai: the action is finished"},
    {"close", "ditutup", "", "ditutup: close it"},
    {"add-info", "tambah_informasi", "",
     "tambah_informasi: the village adds information (--note)"},
    {"confirm", "konfirmasi", "", "konfirmasi: the village confirms it done"},
    {"reopen", "buka_kembali", "", "buka_kembali: the village reopens it"},
    {"respond", "tanggapan", "--text T", "tanggapan: answer the report"},
};

static const char report_help[] =
    "usage: simpul report show ID [--at TIME] [--data DIR] [--json]\n"
    "       simpul report SUBCOMMAND ID [options] [--data DIR] [--json]\n"
    "       simpul report step ID STEP [options]\n\n"
    "ID is a report's id or a unique prefix of at least 8 hex digits\n"
    "(see 'simpul reports'). 'show' prints the report and its timeline:\n"
    "every step and tanggapan, marked valid, superseded (a conflicting\n"
    "step lost) or invalid (not allowed from the state it follows). The\n"
    "reporter, and the text of a rahasia report, read " APP_SEALED_TEXT "\n"
    "unless this node is a recipient.\n\n"
    "Steps follow the report's current step. A step the current state\n"
    "does not allow is refused here (KIM-STEP, exit 1), as is a step of\n"
    "the other side (KIM-ROLE): the handler side (the handler region and\n"
    "the nodes between it and the village) verifies, forwards, follows\n"
    "up, finishes and closes; the village adds information, confirms and\n"
    "reopens.\n\nsubcommands:\n";

static const char report_options[] =
    "\noptions of the steps:\n"
    "  --note N        a note (any step; add-info says what was added)\n"
    "  --method M      verify: how it was verified (e.g. \"kunjungan\n"
    "                  lapangan\")\n"
    "  --result R      verify: valid, tidak_valid, hoaks or\n"
    "                  perlu_informasi_tambahan\n"
    "  --verifier NAME verify: the person who verified\n"
    "  --agency A      forward: the agency it goes to\n"
    "  --text T        respond: the answer; --title T its title\n"
    "  --anonim        raise the report's anonim flag (never lowered)\n"
    "  --rahasia       raise the report's rahasia flag\n"
    "  --at TIME       show: deadline flags as of TIME (YYYY-MM-DD or\n"
    "                  YYYY-MM-DDTHH:MM, WIB) instead of now\n"
    "  --json          print the report (after the step) as JSON\n\n"
    "  STEP for 'step': diverifikasi, ditunda, bukan_wewenang, diarsipkan,\n"
    "  diteruskan, ditindaklanjuti, selesai, ditutup, tambah_informasi,\n"
    "  konfirmasi, buka_kembali, or tanggapan.\n";

static void
report_usage(FILE *out)
{
        fputs(report_help, out);
        fprintf(out, "  %-14s %s\n", "show", "the report and its timeline");
        for (size_t i = 0; i < ARRAY_LEN(subs); i++)
                fprintf(out, "  %-14s %s%s%s\n", subs[i].name, subs[i].summary,
                        subs[i].needs[0] ? "; needs " : "", subs[i].needs);
        fprintf(out, "  %-14s %s\n", "step", "any step by its name (STEP)");
        fputs(report_options, out);
}

struct report_opts {
        const char *cmd; /* "report verify" ... */
        const char *data;
        const char *id;
        struct app_step s;
        bool json;
};

#define O(field) offsetof(struct report_opts, field)
static const struct cli_opt report_opts[] = {
    CLI_OPT("note", CLI_STR, O(s.note)),
    CLI_OPT("method", CLI_STR, O(s.method)),
    CLI_OPT("result", CLI_STR, O(s.result)),
    CLI_OPT("verifier", CLI_STR, O(s.verifier)),
    CLI_OPT("agency", CLI_STR, O(s.agency)),
    CLI_OPT("text", CLI_STR, O(s.text)),
    CLI_OPT("title", CLI_STR, O(s.title)),
    CLI_OPT("anonim", CLI_FLAG, O(s.anonim)),
    CLI_OPT("rahasia", CLI_FLAG, O(s.rahasia)),
    CLI_OPT("at", CLI_PARSE, O(s.now_ms), .parse = cli_parse_at_arg,
            .bad = "--at: YYYY-MM-DD or YYYY-MM-DDTHH:MM, not '%s'"),
    CLI_OPT("data", CLI_STR, O(data)),
    CLI_OPT("json", CLI_FLAG, O(json)),
};
#undef O

/* Its help lists the subcommands and the options by what they do. */
static const struct cli_spec report_spec = {
    .name = "report",
    .opts = report_opts,
    .n_opts = ARRAY_LEN(report_opts),
    .max_args = -1,
    .help = report_usage,
};

static int
report_parse(int argc, char **argv, struct report_opts *o, bool step_arg)
{
        struct cli_parsed p;

        if (!cli_parse(&report_spec, argc, argv, o, &p))
                return p.status ? p.status : -1;
        if (p.n_args != 1 + step_arg)
                return cli_usage_error("report", "%s: expected %s", o->cmd,
                                       step_arg ? "ID STEP" : "one report ID");
        o->id = p.args[0];
        if (step_arg)
                o->s.step = p.args[1];
        return 0;
}

/* ---- show ------------------------------------------------------------ */

/* "      name: value" for a field of a step or tanggapan. */
static void
field_print(const char *name, bool has, struct slice v)
{
        if (has)
                printf("      %s: %.*s\n", name, (int)v.len,
                       v.ptr ? (const char *)v.ptr : "");
}

static void
show_event(const struct app_event *e)
{
        const struct kim_body *b = &e->it.b;
        bool f = e->held && e->it.kim;
        char when[32], id[65];

        cli_time_local(when, e->ev->ts);
        hex_encode(id, e->ev->id, ENTRY_HASH_BYTES);
        printf("  %s  %-13s  %-16s  %-10s  %.12s\n", when, e->ev->author_region,
               e->ev->step[0] ? e->ev->step : e->kind, e->mark, id);
        field_print("method", f && b->has_method, b->method);
        field_print("result", f && b->result,
                    slice_cstr(f && b->result
                                   ? app_name(APP_NAMES_RESULT, b->result)
                                   : ""));
        field_print("verifier", f && b->has_verifier, b->verifier);
        field_print("agency", f && b->has_agency, b->agency);
        field_print("note", f && b->has_note, b->note);
        field_print("title", f && b->kind == KIND_TANGGAPAN && b->has_title,
                    b->title);
        field_print("text", f && b->kind == KIND_TANGGAPAN,
                    e->sealed ? slice_cstr(APP_SEALED_TEXT) : b->text);
}

/* " (word)" when word is not empty. */
static void
paren_print(struct slice word)
{
        if (word.ptr)
                printf(" (%.*s)", (int)word.len, (const char *)word.ptr);
}

static void
show_flags(const struct app_report *r)
{
        int shown = 0;

        printf("flags:    ");
        if (r->flags.terlambat_verifikasi)
                printf(" terlambat_verifikasi"), shown++;
        if (r->flags.terlambat_tindak_lanjut)
                printf(" terlambat_tindak_lanjut"), shown++;
        if (r->flags.siap_ditutup)
                printf(" siap_ditutup"), shown++;
        if (r->v.anonim)
                printf(" anonim"), shown++;
        if (r->v.rahasia)
                printf(" rahasia"), shown++;
        printf("%s\n", shown ? "" : " -");
}

static void
show_text(const struct app_report *r)
{
        const struct wire_report_view *v = &r->v;
        char when[32], id[65];

        cli_time_local(when, v->ts);
        hex_encode(id, v->id, ENTRY_HASH_BYTES);
        printf("report:    %s\n", id);
        printf("kind:      %s", r->kind);
        paren_print(r->it.b.has_category ? r->it.b.category
                                         : slice_make(NULL, 0));
        printf("\nfrom:      %s to %s (%s)\n", v->region, v->handler,
               v->audience);
        printf("time:      %s (author's clock)\n", when);
        printf("state:     %s", v->state);
        paren_print(v->result[0] ? slice_cstr(v->result) : slice_make(NULL, 0));
        printf("\n");
        show_flags(r);
        printf("title:     %.*s\n", (int)r->title.len,
               r->title.ptr ? (const char *)r->title.ptr : "");
        printf("text:      %.*s\n", (int)r->text.len,
               r->text.ptr ? (const char *)r->text.ptr : "");
        if (r->reporter == APP_REPORTER_OPEN)
                printf("reporter:  %.*s (%.*s)\n", (int)r->who.name.len,
                       (const char *)r->who.name.ptr, (int)r->who.contact.len,
                       (const char *)r->who.contact.ptr);
        else if (r->reporter == APP_REPORTER_SEALED)
                printf("reporter:  %s\n", APP_SEALED_TEXT);
        printf("next:     ");
        for (size_t i = 0; i < r->n_allowed; i++)
                printf(" %s", r->allowed[i]);
        printf("%s\ntimeline:\n", r->n_allowed ? "" : " (none here)");
        for (size_t i = 0; i < v->timeline_n; i++)
                show_event(&r->events[i]);
}

static int
report_show(struct node *n, const struct report_opts *o, const uint8_t *id,
            size_t id_len)
{
        char msg[APP_ERR_MAX];
        struct app_report r;
        struct buf out = BUF_INIT;
        int rc = EXIT_OK,
            err = app_report_get(n, id, id_len, o->s.now_ms, &r, msg);

        if (err)
                return cli_error("report show: '%s': %s (%s)", o->id, msg,
                                 err_id(err));
        if (o->json)
                rc = cli_print_buf(&out, app_json_report(&out, &r, 0));
        else
                show_text(&r);
        app_report_release(&r);
        return rc;
}

/* ---- steps ----------------------------------------------------------- */

static int
report_step(struct node *n, struct report_opts *o, const uint8_t *id,
            size_t id_len)
{
        char msg[APP_ERR_MAX], hex[65];
        uint8_t new_id[ENTRY_HASH_BYTES];
        struct app_report r;
        struct buf out = BUF_INIT;
        int rc = EXIT_OK, err;

        if (o->s.now_ms)
                return cli_usage_error(o->cmd, "--at is for show: a step is "
                                               "made now");
        err = app_report_step(n, id, id_len, &o->s, new_id, msg);
        if (err == ERR_USAGE)
                return cli_usage_error(o->cmd, "%s", msg);
        if (err && strstr(msg, err_id(err)))
                return cli_error("%s: %s", o->cmd, msg);
        if (err)
                return cli_error("%s: %s (%s)", o->cmd, msg, err_id(err));
        if ((err = app_report_get(n, id, id_len, 0, &r, msg)))
                return cli_error("%s: made the step, cannot read it back: %s",
                                 o->cmd, msg);
        if (o->json) {
                rc = cli_print_buf(&out, app_json_report(&out, &r, 0));
        } else {
                hex_encode(hex, new_id, ENTRY_HASH_BYTES);
                printf("%s %s: %s (the report is now %s)\n",
                       !strcmp(o->s.step, "tanggapan") ? "answered with"
                                                       : "made",
                       o->s.step, hex, r.v.state);
        }
        app_report_release(&r);
        return rc;
}

int
cmd_report(int argc, char **argv)
{
        struct report_opts o;
        const struct report_sub *sub = NULL;
        char cmd[48];
        uint8_t id[ENTRY_HASH_BYTES];
        size_t id_len;
        struct node n;
        bool show, step_arg;
        int rc;

        if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
                report_usage(argc < 2 ? stderr : stdout);
                return argc < 2 ? EXIT_USAGE : EXIT_OK;
        }
        show = !strcmp(argv[1], "show");
        step_arg = !strcmp(argv[1], "step");
        for (size_t i = 0; i < ARRAY_LEN(subs) && !show && !step_arg; i++)
                if (!strcmp(argv[1], subs[i].name))
                        sub = &subs[i];
        if (!show && !step_arg && !sub)
                return cli_usage_error("report", "unknown subcommand '%s'",
                                       argv[1]);
        memset(&o, 0, sizeof(o));
        snprintf(cmd, sizeof(cmd), "report %s", argv[1]);
        o.cmd = cmd;
        if (sub)
                o.s.step = sub->step;
        if ((rc = report_parse(argc - 1, argv + 1, &o, step_arg)))
                return rc < 0 ? EXIT_OK : rc;
        if (cli_parse_id(o.id, id, &id_len))
                return cli_usage_error("report",
                                       "'%s' is not a report id (8 to 64 hex "
                                       "digits, even length)",
                                       o.id);
        if (cli_open(&n, o.data, NODE_OPEN_KEY))
                return EXIT_ERROR;
        rc = show ? report_show(&n, &o, id, id_len)
                  : report_step(&n, &o, id, id_len);
        app_close(&n);
        return rc;
}
