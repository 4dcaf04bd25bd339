/*
 * opt: the options of every subcommand, parsed from one declarative table
 * per command (struct cli_spec) by getopt_long, and its --help written
 * from the same table.
 */
#include <assert.h>
#include <errno.h>
#include <getopt.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define OPT_VAL 256 /* getopt_long's value of table entry i: OPT_VAL + i */

const struct cli_opt cli_common_opts[2] = {
    CLI_OPT("data", CLI_STR, offsetof(struct cli_common, data), .arg = "DIR"),
    CLI_OPT("json", CLI_FLAG, offsetof(struct cli_common, json)),
};

static void
help_line(FILE *out, const struct cli_opt *o, int width)
{
        char left[64];
        const char *h = o->help, *nl;

        if (o->type == CLI_WORD)
                snprintf(left, sizeof(left), "%s", o->name);
        else if (!o->name)
                snprintf(left, sizeof(left), "-%c%s%s", o->short_name,
                         o->arg ? " " : "", o->arg ? o->arg : "");
        else
                snprintf(left, sizeof(left), "--%s%s%s", o->name,
                         o->arg ? " " : "", o->arg ? o->arg : "");
        fprintf(out, "  %-*s", width, left);
        for (; (nl = strchr(h, '\n')); h = nl + 1)
                fprintf(out, "%.*s\n%*s", (int)(nl - h), h, width + 2, "");
        fprintf(out, "%s\n", h);
}

void
cli_help(const struct cli_spec *spec, FILE *out)
{
        if (spec->help) {
                spec->help(out);
                return;
        }
        fputs(spec->usage, out);
        for (size_t i = 0; i < spec->n_opts; i++)
                if (spec->opts[i].help)
                        help_line(out, &spec->opts[i], spec->width);
        if (spec->tail)
                fputs(spec->tail, out);
}

/* getopt_long's table and short options for spec (owned by the caller). */
static struct option *
longs_of(const struct cli_spec *spec, char *shorts, size_t cap)
{
        struct option *lo = xcalloc(spec->n_opts + 2, sizeof(*lo));
        size_t n = 0, k = 0;

        shorts[k++] = 'h';
        for (size_t i = 0; i < spec->n_opts; i++) {
                const struct cli_opt *o = &spec->opts[i];
                bool arg = o->type != CLI_FLAG;

                if (o->type == CLI_WORD)
                        continue;
                if (o->short_name && k + 3 < cap) {
                        shorts[k++] = o->short_name;
                        if (arg)
                                shorts[k++] = ':';
                }
                if (o->name)
                        lo[n++] = (struct option){
                            o->name, arg ? required_argument : no_argument,
                            NULL, OPT_VAL + (int)i};
        }
        lo[n] = (struct option){"help", no_argument, NULL, 'h'};
        shorts[k] = 0;
        return lo;
}

static int
parse_u64(const struct cli_spec *spec, const struct cli_opt *o, const char *arg,
          uint64_t *out)
{
        char *end;

        errno = 0;
        *out = strtoull(arg, &end, 10);
        if (!errno && end != arg && !*end && arg[0] != '-' && *out >= o->min &&
            *out <= o->max)
                return 0;
        if (o->bad)
                return cli_usage_error(spec->name, o->bad, arg);
        return cli_usage_error(
            spec->name, "--%s: expected %llu to %llu, got '%s'", o->name,
            (unsigned long long)o->min, (unsigned long long)o->max, arg);
}

/* Stores one option's argument into its field. 0 or EXIT_USAGE. */
static int
store(const struct cli_spec *spec, const struct cli_opt *o, const char *arg,
      void *opts)
{
        void *field = (char *)opts + o->off;
        int rc;

        switch (o->type) {
        case CLI_FLAG:
                *(bool *)field = true;
                return 0;
        case CLI_STR:
                *(const char **)field = arg;
                return 0;
        case CLI_U64:
                return parse_u64(spec, o, arg, field);
        case CLI_PARSE:
                if (!(rc = o->parse(arg, field)))
                        return 0;
                return o->bad ? cli_usage_error(spec->name, o->bad, arg) : rc;
        case CLI_WORD:
                break;
        }
        return cli_usage_error(spec->name, "invalid option");
}

/* The table entry getopt_long's value c stands for, or NULL. */
static const struct cli_opt *
opt_of(const struct cli_spec *spec, int c)
{
        if (c >= OPT_VAL && (size_t)(c - OPT_VAL) < spec->n_opts)
                return &spec->opts[c - OPT_VAL];
        for (size_t i = 0; i < spec->n_opts; i++)
                if (c > 0 && c < OPT_VAL && spec->opts[i].short_name == c &&
                    spec->opts[i].type != CLI_WORD)
                        return &spec->opts[i];
        return NULL;
}

static int
parse_loop(const struct cli_spec *spec, int argc, char **argv, void *opts,
           uint64_t *given)
{
        char shorts[32];
        struct option *lo = longs_of(spec, shorts, sizeof(shorts));
        const struct cli_opt *o;
        int c, rc = 0;

        optind = 0; /* a fresh scan of this argv */
        while (!rc && (c = getopt_long(argc, argv, shorts, lo, NULL)) != -1) {
                if (c == 'h') {
                        cli_help(spec, stdout);
                        rc = -1;
                } else if (!(o = opt_of(spec, c))) {
                        rc = cli_usage_error(spec->name, "invalid option");
                } else if (!(rc = store(spec, o, optarg, opts))) {
                        *given |= 1ULL << (o - spec->opts);
                }
        }
        free(lo);
        return rc;
}

bool
cli_parse(const struct cli_spec *spec, int argc, char **argv, void *opts,
          struct cli_parsed *p)
{
        int rc;

        assert(spec->n_opts <= 64);
        memset(p, 0, sizeof(*p));
        if ((rc = parse_loop(spec, argc, argv, opts, &p->given))) {
                p->status = rc < 0 ? EXIT_OK : rc;
                return false;
        }
        p->args = argv + optind;
        p->n_args = argc - optind;
        if (spec->max_args >= 0 && p->n_args > spec->max_args) {
                p->status =
                    cli_usage_error(spec->name, "unexpected argument '%s'",
                                    p->args[spec->max_args]);
                return false;
        }
        for (size_t i = 0; i < spec->n_opts; i++)
                if (spec->opts[i].required && !(p->given & (1ULL << i))) {
                        p->status =
                            cli_usage_error(spec->name, "%s", spec->missing);
                        return false;
                }
        return true;
}

bool
cli_parse_sub(const struct cli_spec *spec, const char *expected, int argc,
              char **argv, void *opts, struct cli_parsed *p)
{
        memset(p, 0, sizeof(*p));
        if (argc >= 2 && argv[1][0] != '-')
                return cli_parse(spec, argc - 1, argv + 1, opts, p);
        if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")))
                cli_help(spec, stdout);
        else
                p->status = cli_usage_error(spec->name, "%s", expected);
        return false;
}
