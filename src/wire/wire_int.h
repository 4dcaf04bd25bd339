/* wire internals shared by wire.c and body.c; not part of the module API. */
#ifndef SIMPUL_WIRE_INT_H
#define SIMPUL_WIRE_INT_H

#include <msgpack.h>

#include "wire.h"

#define WIRE_DEPTH_LIMIT 32U

void wire_packer_init(msgpack_packer *pk, struct buf *out);
size_t wire_bound(const uint8_t *p, size_t len, unsigned max_depth);
int wire_unpack(struct slice in, unsigned max_depth, msgpack_unpacked *out);

#endif
