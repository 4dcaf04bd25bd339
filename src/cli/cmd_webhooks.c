/* webhooks: deliver this node's events to the [webhook NAME] endpoints of
 * its config (docs/WEBHOOKS.md), as a process of its own beside
 * `simpul run`. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

#ifndef SIMPUL_WEBHOOKS
/* A build without libcurl (a Raspberry Pi's): no webhooks. */
int
cmd_webhooks(int argc, char **argv)
{
        (void)argc;
        (void)argv;
        return cli_error("webhooks: this simpul was built without libcurl; "
                         "webhooks run on a kabupaten server (amd64 "
                         "package)");
}
#else
#include "../hook/hook.h"

struct webhooks_opts {
        const char *data, *only, *new_secret;
        uint64_t poll_ms;
        bool once, status;
};

#define O(field) offsetof(struct webhooks_opts, field)
static const struct cli_opt webhooks_opts[] = {
    CLI_OPT("once", CLI_FLAG, O(once),
            .help = "deliver what is waiting, then stop (exit 1 at the\n"
                    "first endpoint that fails: the next run retries)"),
    CLI_OPT("only", CLI_STR, O(only), .arg = "NAME",
            .help = "deliver to the endpoint [webhook NAME] only"),
    CLI_OPT("poll-ms", CLI_U64, O(poll_ms), .arg = "MS",
            .help = "how often to look for new events when idle\n"
                    "(default 200)",
            .min = 1, .max = 60000),
    CLI_OPT("status", CLI_FLAG, O(status),
            .help = "print each endpoint: delivered through, events\n"
                    "waiting, the last delivery, whether a deliverer runs"),
    CLI_OPT("new-secret", CLI_STR, O(new_secret), .arg = "FILE",
            .help = "write a new random secret (whsec_...) to FILE,\n"
                    "mode 0600, for a secret_file, and stop"),
    CLI_OPT("data", CLI_STR, O(data), .arg = "DIR"),
};
#undef O

static const struct cli_spec webhooks_spec = {
    .name = "webhooks",
    .usage =
        "usage: simpul webhooks [--once] [--only NAME] [--poll-ms MS]\n"
        "                       [--data DIR]\n"
        "       simpul webhooks --status [--data DIR]\n"
        "       simpul webhooks --new-secret FILE\n\n"
        "Posts this node's events (a new report, a step, a tanggapan, a\n"
        "peringatan, an informasi) as JSON to the endpoints of the\n"
        "config's [webhook NAME] sections (url, events, secret_file,\n"
        "personal, timeout_ms, backoff_min_ms, backoff_max_ms), signed as\n"
        "Standard Webhooks asks (webhook-id, webhook-timestamp,\n"
        "webhook-signature: v1,<base64 HMAC-SHA256>), so a LAPOR! bridge or\n"
        "an SMS/WhatsApp gateway can take them (docs/WEBHOOKS.md). The\n"
        "daemon writes each event in the transaction that stores its entry,\n"
        "once [webhook NAME] is in the config; run this beside `simpul run`:\n"
        "an endpoint down or slow never slows sync. Each event is retried\n"
        "with backoff until it is answered 2xx, with the same webhook-id,\n"
        "and logged delivered once in webhooks/NAME.log.\n\n",
    .opts = webhooks_opts,
    .n_opts = ARRAY_LEN(webhooks_opts),
    .width = 20,
    .tail = "\nLog ids: WEBHOOK-START, WEBHOOK-RETRY, WEBHOOK-CIRCUIT-OPEN,\n"
            "WEBHOOK-CIRCUIT-CLOSED, WEBHOOK-SKIPPED, WEBHOOK-DELIVERED "
            "(debug),\nWEBHOOK-SECRET, WEBHOOK-LOG, WEBHOOK-NONE, "
            "WEBHOOK-STORE (exit 1).\n",
};

static int
secret_write(const char *path)
{
        char s[64];
        int fd, err = 0;
        size_t n;

        if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) <
            0)
                return cli_error("webhooks: cannot create '%s': %s", path,
                                 strerror(errno));
        hook_secret_new(s);
        n = strlen(s);
        s[n++] = '\n';
        if (write(fd, s, n) != (ssize_t)n || fsync(fd))
                err = errno ? errno : EIO;
        close(fd);
        if (err)
                return cli_error("webhooks: cannot write '%s': %s", path,
                                 strerror(err));
        /* The receiver needs the same secret: printed once, here. */
        printf("%.*s", (int)n, s);
        return EXIT_OK;
}

static int
status_print(struct node *n)
{
        struct hook_endpoint_status st[NODE_WEBHOOKS_MAX];
        char events[96];
        size_t k;

        if (hook_status(n, st, &k))
                return cli_error("webhooks: cannot read the status");
        if (!n->config.webhooks_n)
                printf("no [webhook NAME] section in the config\n");
        for (size_t i = 0; i < k; i++) {
                app_webhook_events(st[i].c->kinds, events, sizeof(events));
                printf("%s  %s\n  events %s%s\n  delivered through outbox "
                       "seq %llu of %llu; %llu waiting; last delivery %s\n"
                       "  deliverer %s\n",
                       st[i].c->name, st[i].c->url, events,
                       st[i].c->personal ? " (personal data)" : "",
                       (unsigned long long)st[i].position,
                       (unsigned long long)st[i].outbox,
                       (unsigned long long)st[i].waiting,
                       st[i].last_time[0] ? st[i].last_time : "none",
                       st[i].running ? "running" : "not running");
        }
        return EXIT_OK;
}

static bool
any_personal(const struct config *c, const char *only)
{
        for (size_t i = 0; i < c->webhooks_n; i++)
                if (c->webhooks[i].personal &&
                    (!only || !strcmp(only, c->webhooks[i].name)))
                        return true;
        return false;
}

int
cmd_webhooks(int argc, char **argv)
{
        struct webhooks_opts o;
        struct hook_options ho;
        struct hook_stats st;
        struct cli_parsed p;
        struct node n;
        bool personal;
        int err;

        memset(&o, 0, sizeof(o));
        if (!cli_parse(&webhooks_spec, argc, argv, &o, &p))
                return p.status;
        if (o.new_secret)
                return secret_write(o.new_secret);
        /* Peek at the config: the key is loaded only when an endpoint
         * takes personal data (sealed values opened). */
        if (cli_open(&n, o.data, NODE_OPEN_READ_ONLY))
                return EXIT_ERROR;
        if (o.status) {
                int rc = status_print(&n);

                app_close(&n);
                return rc;
        }
        personal = any_personal(&n.config, o.only);
        app_close(&n);
        if (cli_open(&n, o.data, personal ? NODE_OPEN_KEY : 0))
                return EXIT_ERROR;
        log_set_level(n.config.log_level);
        memset(&ho, 0, sizeof(ho));
        ho.poll_ms = o.poll_ms;
        ho.once = o.once;
        ho.only = o.only;
        err = hook_run(&n, &ho, cli_stop_on_signals(), &st);
        app_close(&n);
        fprintf(stderr,
                "simpul webhooks: %llu events delivered in %llu attempts "
                "(%llu failed)\n",
                (unsigned long long)st.delivered,
                (unsigned long long)st.attempts, (unsigned long long)st.failed);
        if (err)
                return cli_error("webhooks: %s", err_str(err));
        return EXIT_OK;
}
#endif
