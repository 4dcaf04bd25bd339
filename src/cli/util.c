/* util: what several subcommands share: errors, opening, time, ids, JSON. */
#include <signal.h>
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

void
cli_cert_print(FILE *out, const struct app_cert *c)
{
        fprintf(out,
                "  node key: %s\n"
                "  region:   %s (%s)\n"
                "  name:     %s\n"
                "  valid:    %s until %s\n"
                "  issuer:   %s (%s)\n"
                "  flags:    %s\n",
                c->node_key, c->c.region, c->level, c->c.name, c->valid_from,
                c->valid_until, c->issuer,
                c->by_root ? "network root" : "delegated issuer",
                c->c.flags & CERT_FLAG_ISSUER ? "issuer (may certify nodes in "
                                                "its subtree)"
                                              : "none");
}

static volatile sig_atomic_t stop_flag;

static void
on_stop_signal(int sig)
{
        (void)sig;
        stop_flag = 1;
}

volatile sig_atomic_t *
cli_stop_on_signals(void)
{
        struct sigaction sa;

        memset(&sa, 0, sizeof(sa));
        sa.sa_handler = on_stop_signal; /* no SA_RESTART: sleeps end early */
        sigemptyset(&sa.sa_mask);
        sigaction(SIGINT, &sa, NULL);
        sigaction(SIGTERM, &sa, NULL);
        signal(SIGPIPE, SIG_IGN);
        return &stop_flag;
}
