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

static const char *
str(json_t *o, const char *key)
{
        const char *s = json_string_value(json_object_get(o, key));

        return s ? s : "";
}

static void
show_event(json_t *ev)
{
        static const char *const fields[] = {
            "method", "result", "verifier", "agency", "note", "title", "text"};
        char when[32];

        cli_time_local(when,
                       (uint64_t)json_integer_value(json_object_get(ev, "ts")));
        printf("  %s  %-13s  %-16s  %-10s  %.12s\n", when,
               str(ev, "author_region"),
               json_is_string(json_object_get(ev, "step")) ? str(ev, "step")
                                                           : str(ev, "kind"),
               str(ev, "mark"), str(ev, "id"));
        for (size_t i = 0; i < ARRAY_LEN(fields); i++)
                if (json_is_string(json_object_get(ev, fields[i])))
                        printf("      %s: %s\n", fields[i], str(ev, fields[i]));
}

static void
show_text(json_t *r)
{
        json_t *flags = json_object_get(r, "flags");
        json_t *rep = json_object_get(r, "reporter");
        json_t *steps = json_object_get(r, "allowed_steps"), *x;
        const char *key;
        char when[32];
        size_t i;
        int shown = 0;

        cli_time_local(when,
                       (uint64_t)json_integer_value(json_object_get(r, "ts")));
        printf("report:    %s\n", str(r, "id"));
        printf("kind:      %s%s%s%s\n", str(r, "kind"),
               json_is_string(json_object_get(r, "category")) ? " (" : "",
               str(r, "category"),
               json_is_string(json_object_get(r, "category")) ? ")" : "");
        printf("from:      %s to %s (%s)\n", str(r, "region"),
               str(r, "handler"), str(r, "audience"));
        printf("time:      %s (author's clock)\n", when);
        printf("state:     %s%s%s%s\n", str(r, "state"),
               json_is_string(json_object_get(r, "result")) ? " (" : "",
               str(r, "result"),
               json_is_string(json_object_get(r, "result")) ? ")" : "");
        printf("flags:    ");
        json_object_foreach(flags, key, x)
        {
                if (json_is_true(x))
                        printf(" %s", key), shown++;
        }
        if (json_is_true(json_object_get(r, "anonim")))
                printf(" anonim"), shown++;
        if (json_is_true(json_object_get(r, "rahasia")))
                printf(" rahasia"), shown++;
        printf("%s\n", shown ? "" : " -");
        printf("title:     %s\n", str(r, "title"));
        printf("text:      %s\n", str(r, "text"));
        if (json_is_object(rep))
                printf("reporter:  %s (%s)\n", str(rep, "name"),
                       str(rep, "contact"));
        else if (json_is_string(rep))
                printf("reporter:  %s\n", json_string_value(rep));
        printf("next:     ");
        json_array_foreach(steps, i, x) printf(" %s", json_string_value(x));
        printf("%s\ntimeline:\n", json_array_size(steps) ? "" : " (none here)");
        json_array_foreach(json_object_get(r, "timeline"), i, x) show_event(x);
}

static int
report_show(struct node *n, const struct report_opts *o, const uint8_t *id,
            size_t id_len)
{
        char msg[APP_ERR_MAX];
        json_t *r = NULL;
        int err = app_report_get(n, id, id_len, o->s.now_ms, &r, msg);

        if (err)
                return cli_error("report show: '%s': %s (%s)", o->id, msg,
                                 err_id(err));
        if (o->json)
                return cli_print_json(r);
        show_text(r);
        json_decref(r);
        return EXIT_OK;
}

/* ---- steps ----------------------------------------------------------- */

static int
report_step(struct node *n, struct report_opts *o, const uint8_t *id,
            size_t id_len)
{
        char msg[APP_ERR_MAX], hex[65];
        uint8_t new_id[ENTRY_HASH_BYTES];
        json_t *r = NULL;
        int err;

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
        if (o->json)
                return cli_print_json(r);
        id_hex(hex, new_id);
        printf("%s %s: %s (the report is now %s)\n",
               !strcmp(o->s.step, "tanggapan") ? "answered with" : "made",
               o->s.step, hex, str(r, "state"));
        json_decref(r);
        return EXIT_OK;
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
        node_close(&n);
        return rc;
}
