/*
 * app: the node's operations as an operator or a program sees them, shared
 * by the CLI and the HTTP API; results as jansson JSON.
 */
#ifndef SIMPUL_APP_H
#define SIMPUL_APP_H

#include "../node/node.h"

#endif
