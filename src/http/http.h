/*
 * http: the node's local HTTP JSON API, /metrics (Prometheus text format)
 * and the web UI for KIM operators (docs/API.md). The only user of
 * libmicrohttpd (MHD).
 *
 * Threading: MHD runs in threads of its own (HTTP_THREADS internal polling
 * threads, non-blocking sockets), never on the daemon's libuv loop, so a
 * slow or hostile client cannot stall sync. Handlers read the store in
 * their own LMDB read transactions (the environment is opened MDB_NOTLS)
 * and write only through app_* (app_post), one write request at a time;
 * LMDB serialises those writes with the daemon's commits, and each commit
 * wakes the daemon's loop (node_changed: uv_async_send in this process,
 * as a `simpul post` in another wakes it through daemon.sock). Live
 * figures of the daemon come from struct daemon_stats (copied under its
 * lock).
 *
 * Limits: request bodies over HTTP_BODY_MAX are refused from their
 * Content-Length before any of the body is read (413), a body without a
 * Content-Length is refused (411), connections idle for
 * HTTP_IDLE_TIMEOUT_S are closed, at most HTTP_CONNECTIONS_MAX are open,
 * at most [http] connections_per_address (16) from one client address, so
 * that a slow client cannot hold them all (MHD counts them per address
 * for its whole thread pool).
 *
 * Access (auth.c, one table of what each route needs): programs give
 * "Authorization: Bearer TOKEN", the token in DATA/http.token (app_token_*:
 * mode 0600, made by simpul init, replaced by simpul token rotate; read on
 * every check, so a rotation takes effect at once), which has every
 * right; people log in (POST /api/login) with an account of the web app
 * (app_user_*: anggota, pengelola, admin) and get a session cookie, and
 * every state-changing request with it repeats the session's CSRF token
 * (X-CSRF-Token). Public information is readable by anyone who reaches
 * the node; personal data (reporters, rahasia content, peer addresses)
 * only by the token, pengelola and admin. On every listen address the
 * Host header must
 * name this node (a loopback name, the address connected to, or a name
 * of [http] hosts: DNS rebinding), and a request whose Origin is not
 * this node's is refused (HTTP-ORIGIN); no CORS header is ever sent.
 * Request bodies and JSON replies are wiped before they are freed.
 *
 * First boot (http_setup_start): with no node yet, only GET and POST
 * /api/setup are served (setup.c); the one-time setup code, not a token,
 * is the credential, checked in app (app_setup_try). Host and Origin are
 * checked as on the node's server.
 *
 * Must not depend on: the CLI. Calls app (the operations, and the
 * daemon's live figures through it), base and region only: the build checks
 * it (cmake/layers.cmake).
 */
#ifndef SIMPUL_HTTP_H
#define SIMPUL_HTTP_H

#include "../app/app.h"

struct daemon_stats; /* node/daemon.h */

#define HTTP_BODY_MAX (64U * 1024U) /* bytes of a request body */
#define HTTP_CONNECTIONS_MAX NODE_HTTP_CONNECTIONS
#define HTTP_IDLE_TIMEOUT_S 10U
#define HTTP_THREADS 2U

struct http_server;
struct app_sessions;

/*
 * Starts serving n (borrowed until http_stop; opened with its key) on
 * n->config.http_listen, with the daemon's live figures from stats
 * (borrowed until http_stop; may be NULL: no daemon) and the web app's
 * sessions (borrowed: a server started again in the same process, as
 * `simpul run` does once enrolled, keeps its users logged in; NULL: its
 * own, freed with it). Makes
 * DATA/http.token if the node has none. Logs HTTP-LISTEN with the address
 * bound. Returns an owned server in *out, stop it with http_stop. Errors
 * (each logged as one warn line, HTTP-LISTEN or HTTP-TOKEN: the node can
 * run without its API): ERR_CONFIG (listen is not host:port), -errno
 * (cannot bind: the port is taken; cannot write the token), -EIO (MHD
 * would not start).
 */
int http_start(struct http_server **out, struct node *n,
               struct daemon_stats *stats, struct app_sessions *sessions) WUR;
/*
 * First boot: serves only the setup API (GET and POST /api/setup; every
 * other path 503 NODE-NOT-SET-UP) on setup->listen, for a data directory
 * that holds no node yet. setup is borrowed until http_stop; the POST
 * tries it (app_setup_try) and, once the reply to the attempt that made
 * the node is out, marks it done (app_setup_done). Errors as http_start's.
 */
int http_setup_start(struct http_server **out, struct app_setup *setup) WUR;
/* The environment variable that says where the setup API listens, and
 * its default: this machine only (README: on the village Wi-Fi). */
#define HTTP_SETUP_LISTEN_ENV "SIMPUL_SETUP_LISTEN"
#define HTTP_SETUP_LISTEN_DEFAULT "127.0.0.1:7780"
/* Stops accepting, waits for the requests being handled, frees s (NULL
 * is a no-op). */
void http_stop(struct http_server *s);
/* "host:port" actually bound (a configured port 0 picks a free one);
 * borrowed from s. */
const char *http_address(const struct http_server *s);

#endif
