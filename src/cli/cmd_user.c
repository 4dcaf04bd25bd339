/*
 * user: the web app's local accounts (app.h, docs/ACCOUNTS.md): add, list,
 * passwd, remove. A password is read from the terminal without echo
 * (twice), or as the first line of standard input with --password-stdin,
 * never from the command line (ps would show it).
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "cli.h"

#define PW_BUF (APP_PASSWORD_MAX + 2U)

struct user_opts {
        const char *data;
        const char *role;
        bool password_stdin;
        bool json;
};

static const struct cli_opt user_opts[] = {
    CLI_OPT("add NAME", CLI_WORD, 0,
            .help = "a new account, with --role (default anggota)"),
    CLI_OPT("list", CLI_WORD, 0, .help = "the accounts and their roles"),
    CLI_OPT("passwd NAME", CLI_WORD, 0, .help = "a new password for NAME"),
    CLI_OPT("remove NAME", CLI_WORD, 0,
            .help =
                "removes NAME: its sessions end at once (not the last admin)"),
    CLI_OPT("role", CLI_STR, offsetof(struct user_opts, role), .arg = "ROLE",
            .help = "anggota (post and read), pengelola (handle reports,\n"
                    "publish to audiences, approve revisions) or admin\n"
                    "(accounts, enrolment, network settings)"),
    CLI_OPT("password-stdin", CLI_FLAG,
            offsetof(struct user_opts, password_stdin),
            .help = "read the password from the first line of standard\n"
                    "input instead of asking on the terminal"),
    CLI_OPT("data", CLI_STR, offsetof(struct user_opts, data), .arg = "DIR"),
    CLI_OPT("json", CLI_FLAG, offsetof(struct user_opts, json),
            .help = "list: print {\"accounts\": [{user, role, created_ms}]}"),
};

static const struct cli_spec user_spec = {
    .name = "user",
    .usage = "usage: simpul user add NAME [--role ROLE] [--password-stdin]\n"
             "       simpul user list [--json]\n"
             "       simpul user passwd NAME [--password-stdin]\n"
             "       simpul user remove NAME\n"
             "       (each with [--data DIR])\n\n"
             "Accounts of this node's web app (simpul run, [http] listen), in\n"
             "the file accounts in the data directory (mode 0600); passwords\n"
             "are hashed with Argon2id. A running node sees a change at once.\n"
             "Once an admin account exists, the node's [http] listen = auto\n"
             "serves the LAN (0.0.0.0:7780) instead of this machine only,\n"
             "from the daemon's next start.\n"
             "Names: 1 to 32 of a-z 0-9 . _ -; passwords: 8 to 256 bytes.\n\n",
    .opts = user_opts,
    .n_opts = ARRAY_LEN(user_opts),
    .width = 18,
    .max_args = 2,
};

/* One line from fd into pw (without its newline): false if none or too
 * long. */
static bool
line_get(int fd, char pw[PW_BUF])
{
        size_t n = 0;
        char c;
        ssize_t got;

        while ((got = read(fd, &c, 1)) == 1 || (got < 0 && errno == EINTR)) {
                if (got < 0)
                        continue;
                if (c == '\n')
                        break;
                if (n == PW_BUF - 1)
                        return false;
                pw[n++] = c;
        }
        if (n && pw[n - 1] == '\r')
                n--;
        pw[n] = 0;
        return got == 1 || n > 0;
}

/* Asks on the terminal with echo off. */
static bool
ask(int fd, const char *prompt, char pw[PW_BUF])
{
        struct termios old, quiet;
        bool ok;

        if (write(fd, prompt, strlen(prompt)) < 0 || tcgetattr(fd, &old))
                return false;
        quiet = old;
        quiet.c_lflag &= ~(tcflag_t)ECHO;
        tcsetattr(fd, TCSAFLUSH, &quiet);
        ok = line_get(fd, pw);
        tcsetattr(fd, TCSAFLUSH, &old);
        if (write(fd, "\n", 1) < 0)
                ok = false;
        return ok;
}

/* The password into pw: from stdin, or asked twice on /dev/tty. */
static int
password_read(bool from_stdin, char pw[PW_BUF])
{
        char again[PW_BUF];
        int fd, rc = EXIT_OK;

        if (from_stdin)
                return line_get(STDIN_FILENO, pw)
                           ? EXIT_OK
                           : cli_error("user: no password on standard input "
                                       "(or over %u bytes)",
                                       APP_PASSWORD_MAX);
        fd = open("/dev/tty", O_RDWR | O_CLOEXEC);
        if (fd < 0)
                return cli_error("user: no terminal to ask the password on: "
                                 "use --password-stdin");
        if (!ask(fd, "Password: ", pw) || !ask(fd, "Again: ", again))
                rc = cli_error("user: cannot read the password");
        else if (strcmp(pw, again))
                rc = cli_error("user: the two passwords differ");
        explicit_bzero(again, sizeof(again));
        close(fd);
        return rc;
}

static int
user_list(const char *dir, bool json)
{
        struct app_accounts a;
        struct buf out = BUF_INIT;
        char msg[APP_ERR_MAX], when[32];
        int rc = EXIT_OK;

        if (app_user_list(dir, &a, msg))
                return cli_error("user list: %s", msg);
        if (json) {
                rc = cli_print_buf(&out, app_json_accounts(&out, &a, 0));
        } else {
                if (a.n)
                        printf("%-32s  %-9s  %s\n", "USER", "ROLE", "CREATED");
                for (size_t i = 0; i < a.n; i++) {
                        cli_time_local(when, a.v[i].created_ms);
                        printf("%-32s  %-9s  %s\n", a.v[i].name,
                               app_role_name(a.v[i].role), when);
                }
                if (!a.n)
                        printf("no accounts: simpul user add NAME --role "
                               "admin\n");
        }
        app_accounts_release(&a);
        return rc;
}

/* add, passwd, remove on account name. */
static int
user_change(const char *what, const char *dir, const char *name,
            const struct user_opts *o)
{
        enum app_role role = APP_ROLE_ANGGOTA;
        char msg[APP_ERR_MAX], pw[PW_BUF];
        int rc, err;

        if (o->role && app_role_parse(o->role, &role))
                return cli_usage_error("user",
                                       "--role: expected anggota, pengelola "
                                       "or admin, got '%s'",
                                       o->role);
        if (!strcmp(what, "remove")) {
                if (app_user_remove(dir, name, msg))
                        return cli_error("user remove: %s", msg);
                printf("removed '%s'\n", name);
                return EXIT_OK;
        }
        if ((rc = password_read(o->password_stdin, pw)))
                return rc;
        err = !strcmp(what, "add") ? app_user_add(dir, name, role, pw, msg)
                                   : app_user_passwd(dir, name, pw, msg);
        explicit_bzero(pw, sizeof(pw));
        if (err)
                return cli_error("user %s: %s", what, msg);
        if (strcmp(what, "add")) {
                printf("new password for '%s'\n", name);
                return EXIT_OK;
        }
        printf("added '%s' (%s)\n", name, app_role_name(role));
        if (role == APP_ROLE_ADMIN)
                printf("with [http] listen = auto (the default), the node "
                       "serves the LAN (%s) from its next start\n",
                       NODE_HTTP_LISTEN_LAN);
        return EXIT_OK;
}

int
cmd_user(int argc, char **argv)
{
        struct user_opts o = {0};
        struct cli_parsed p;
        char msg[APP_ERR_MAX], *dir;
        const char *what;
        int rc;

        if (!cli_parse(&user_spec, argc, argv, &o, &p))
                return p.status;
        if (!p.n_args)
                return cli_usage_error("user",
                                       "expected add, list, passwd or remove");
        what = p.args[0];
        if (strcmp(what, "list") && strcmp(what, "add") &&
            strcmp(what, "passwd") && strcmp(what, "remove"))
                return cli_usage_error("user",
                                       "expected add, list, passwd or remove, "
                                       "got '%s'",
                                       what);
        if (!strcmp(what, "list") ? p.n_args != 1 : p.n_args != 2)
                return cli_usage_error("user", "%s takes %s", what,
                                       strcmp(what, "list") ? "one NAME"
                                                            : "no NAME");
        if (app_node_dir(o.data, &dir, msg))
                return cli_error("user: %s", msg);
        rc = !strcmp(what, "list") ? user_list(dir, o.json)
                                   : user_change(what, dir, p.args[1], &o);
        free(dir);
        return rc;
}
