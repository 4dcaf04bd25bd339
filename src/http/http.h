/* http: the node's local HTTP JSON API (libmicrohttpd). */
#ifndef SIMPUL_HTTP_H
#define SIMPUL_HTTP_H

#include "../app/app.h"

#endif
