/*
 * test_cli: the declarative option tables (src/cli/opt.c) — values stored
 * by type, the order of refusals and their exit statuses, and the help
 * written from a table.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../src/cli/cli.h"

struct t_opts {
        const char *name, *out;
        uint64_t count;
        int parsed;
        bool json;
};

static int
parse_even(const char *arg, void *field)
{
        int v = atoi(arg);

        *(int *)field = v;
        return v % 2;
}

#define O(field) offsetof(struct t_opts, field)
static const struct cli_opt t_opts[] = {
    CLI_OPT("WHAT", CLI_WORD, 0, .help = "a word\non two lines"),
    CLI_OPT("name", CLI_STR, O(name), .required = true, .arg = "NAME",
            .help = "the name"),
    CLI_OPT("count", CLI_U64, O(count), .arg = "N", .help = "how many",
            .min = 1, .max = 9),
    CLI_OPT("even", CLI_PARSE, O(parsed), .arg = "E", .parse = parse_even,
            .bad = "--even: '%s' is odd"),
    CLI_OPT(NULL, CLI_STR, O(out), .short_name = 'o', .arg = "FILE",
            .help = "where"),
    CLI_OPT("json", CLI_FLAG, O(json)),
};
#undef O

static const struct cli_spec t_spec = {
    .name = "t",
    .usage = "usage: simpul t\n\n",
    .opts = t_opts,
    .n_opts = ARRAY_LEN(t_opts),
    .width = 12,
    .max_args = 1,
    .missing = "--name is required",
    .tail = "end\n",
};

/* Parses the NULL-terminated words after "t" (p->args point into a static
 * argv, valid until the next call). */
static bool
parse(struct t_opts *o, struct cli_parsed *p, ...)
{
        static char *argv[16];
        int argc = 1;
        va_list ap;

        memset(o, 0, sizeof(*o));
        argv[0] = "t";
        va_start(ap, p);
        while (argc < 15 && (argv[argc] = va_arg(ap, char *)))
                argc++;
        va_end(ap);
        return cli_parse(&t_spec, argc, argv, o, p);
}

static void
values_by_type(void **state)
{
        struct t_opts o;
        struct cli_parsed p;

        (void)state;
        assert_true(parse(&o, &p, "--name", "x", "--count", "9", "--even", "4",
                          "-o", "f", "--json", "arg", NULL));
        assert_string_equal(o.name, "x");
        assert_int_equal(o.count, 9);
        assert_int_equal(o.parsed, 4);
        assert_string_equal(o.out, "f");
        assert_true(o.json);
        assert_int_equal(p.n_args, 1);
        assert_string_equal(p.args[0], "arg");
        assert_int_equal(p.given, 0x3e); /* every entry but the word */
        /* Abbreviations and options after arguments, as getopt_long. */
        assert_true(parse(&o, &p, "arg", "--na", "y", NULL));
        assert_string_equal(o.name, "y");
        assert_int_equal(p.n_args, 1);
}

static void
refusals_in_order(void **state)
{
        struct t_opts o;
        struct cli_parsed p;

        (void)state;
        assert_false(parse(&o, &p, "--count", "0", "--name", "x", NULL));
        assert_int_equal(p.status, EXIT_USAGE);
        assert_false(parse(&o, &p, "--count", "10", NULL));
        assert_false(parse(&o, &p, "--count", "-1", NULL));
        assert_false(parse(&o, &p, "--count", "2x", NULL));
        assert_false(parse(&o, &p, "--name", "x", "--even", "3", NULL));
        assert_int_equal(p.status, EXIT_USAGE);
        assert_false(parse(&o, &p, "--bogus", NULL));
        assert_int_equal(p.status, EXIT_USAGE);
        assert_false(parse(&o, &p, "--name", NULL));
        assert_false(parse(&o, &p, "--name", "x", "a", "b", NULL));
        assert_int_equal(p.status, EXIT_USAGE);
        assert_false(parse(&o, &p, "--json", NULL));
        assert_int_equal(p.status, EXIT_USAGE);
        /* --help wins over what follows it, not over what came before. */
        assert_false(parse(&o, &p, "--help", "--bogus", NULL));
        assert_int_equal(p.status, EXIT_OK);
        assert_false(parse(&o, &p, "--count", "0", "-h", NULL));
        assert_int_equal(p.status, EXIT_USAGE);
}

static void
help_from_the_table(void **state)
{
        char *text = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&text, &len);

        (void)state;
        assert_non_null(f);
        cli_help(&t_spec, f);
        fclose(f);
        assert_string_equal(text, "usage: simpul t\n\n"
                                  "  WHAT        a word\n"
                                  "              on two lines\n"
                                  "  --name NAME the name\n"
                                  "  --count N   how many\n"
                                  "  -o FILE     where\n"
                                  "end\n");
        free(text);
}

int
main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(values_by_type),
            cmocka_unit_test(refusals_in_order),
            cmocka_unit_test(help_from_the_table),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
