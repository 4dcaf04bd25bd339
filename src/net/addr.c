/* addr: "host:port" addresses, listening, and re-dial backoff. */
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net.h"

int
net_addr_split(const char *text, char host[NET_ADDR_MAX], int *port)
{
        const char *colon = strrchr(text, ':');
        char *end;
        long p;
        size_t n;

        if (!colon || colon == text)
                return ERR_CONFIG;
        p = strtol(colon + 1, &end, 10);
        if (!colon[1] || *end || p < 0 || p > 65535)
                return ERR_CONFIG; /* 0: listen on any free port */
        n = (size_t)(colon - text);
        if (text[0] == '[' && n >= 2 && text[n - 1] == ']') {
                text++; /* [::1]:7700 */
                n -= 2;
        }
        if (n >= NET_ADDR_MAX)
                return ERR_CONFIG;
        memcpy(host, text, n);
        host[n] = 0;
        *port = (int)p;
        return 0;
}

int
net_addr_literal(const char *host, int port, struct sockaddr_storage *out)
{
        memset(out, 0, sizeof(*out));
        if (!uv_ip4_addr(host, port, (struct sockaddr_in *)out) ||
            !uv_ip6_addr(host, port, (struct sockaddr_in6 *)out))
                return 0;
        return ERR_NOT_FOUND;
}

const struct addrinfo *
net_addr_pick(const struct addrinfo *res)
{
        /* IPv4 first: village links are IPv4 behind carrier NAT. */
        for (const struct addrinfo *a = res; a; a = a->ai_next)
                if (a->ai_family == AF_INET)
                        return a;
        return res;
}

void
net_addr_set(struct sockaddr_storage *out, const struct addrinfo *a, int port)
{
        memset(out, 0, sizeof(*out));
        memcpy(out, a->ai_addr, a->ai_addrlen);
        if (a->ai_family == AF_INET6)
                ((struct sockaddr_in6 *)out)->sin6_port = htons((uint16_t)port);
        else
                ((struct sockaddr_in *)out)->sin_port = htons((uint16_t)port);
}

int
net_addr_parse(const char *text, struct sockaddr_storage *out)
{
        char host[NET_ADDR_MAX];
        struct addrinfo hints, *res = NULL;
        int port, err;

        if ((err = net_addr_split(text, host, &port)))
                return err;
        if (!net_addr_literal(host, port, out))
                return 0;
        /* A name, resolved here, blocking: for listening at startup only;
         * links dial names through uv_getaddrinfo (link.c). */
        memset(&hints, 0, sizeof(hints));
        hints.ai_family = AF_UNSPEC;
        hints.ai_socktype = SOCK_STREAM;
        if (getaddrinfo(host, NULL, &hints, &res) || !res)
                return ERR_CONFIG;
        net_addr_set(out, net_addr_pick(res), port);
        freeaddrinfo(res);
        return 0;
}

int
net_listen(uv_loop_t *loop, uv_tcp_t *server, const char *address,
           uv_connection_cb on_connection)
{
        struct sockaddr_storage ss;
        int err;

        if ((err = net_addr_parse(address, &ss)))
                return err;
        if ((err = uv_tcp_init(loop, server)))
                return err;
        if ((err = uv_tcp_bind(server, (struct sockaddr *)&ss, 0)) ||
            (err = uv_listen((uv_stream_t *)server, 128, on_connection)))
                return err;
        return 0;
}

uint64_t
backoff_next(struct backoff *b)
{
        uint64_t cap = b->min_ms;

        for (unsigned i = 0; i < b->attempt && cap < b->max_ms; i++)
                cap *= 2;
        if (cap > b->max_ms)
                cap = b->max_ms;
        b->attempt++;
        /* Full jitter (random in [min, cap]) keeps 300 villages from
         * re-dialling their kecamatan in step after it comes back. */
        return b->min_ms + (cap > b->min_ms
                                ? (uint64_t)random() % (cap - b->min_ms + 1)
                                : 0);
}

void
backoff_reset(struct backoff *b)
{
        b->attempt = 0;
}
