/*
 * wire internals: the msgpack helpers every file of wire/ uses (pack.c),
 * so each encoding and each field check is written once. Not part of the
 * module API: only wire/ (and its unit test) includes this header, and no
 * msgpack-c type leaves the module.
 *
 * Packers append to a struct buf through a msgpack_packer made by
 * wire__packer_init. Getters check one decoded msgpack_object (type, size,
 * range) and copy it out, or borrow it: a borrowed slice points into the
 * bytes that were unpacked, not into the msgpack zone, so it stays valid
 * after msgpack_unpacked_destroy, as long as those bytes.
 */
#ifndef SIMPUL_WIRE_INT_H
#define SIMPUL_WIRE_INT_H

#include <msgpack.h>

#include "wire.h"

#define WIRE_DEPTH_LIMIT 32U

/* ---- packing -------------------------------------------------------------
 */

void wire__packer_init(msgpack_packer *pk, struct buf *out);
void wire__pack_bin(msgpack_packer *pk, const void *p, size_t n);
/* A bin, or nil when s.ptr is NULL. */
void wire__pack_bin_or_nil(msgpack_packer *pk, struct slice s);
void wire__pack_strn(msgpack_packer *pk, const void *p, size_t n);
void wire__pack_str(msgpack_packer *pk, const char *s);
void wire__pack_bool(msgpack_packer *pk, bool b);
/* [0, target] or [1, origin, target] (SPEC.md §4.2). */
void wire__pack_audience(msgpack_packer *pk, const struct audience *a);
/* The four fields of a feed descriptor, author_region, audience, channel,
 * without an array header: the feed descriptor and the FEED message. */
void wire__pack_feed_fields(msgpack_packer *pk,
                            const uint8_t author[ENTRY_KEY_BYTES],
                            const char *author_region, const struct audience *a,
                            uint8_t channel);
/* Bytes of the shortest bin header for n bytes of data. */
size_t wire__bin_head_len(size_t n);

/* ---- bounding and unpacking untrusted bytes ------------------------------
 */

/*
 * Walks the first msgpack object of p[0..len) without allocating: refuses
 * a container that claims more elements than there are bytes left, nesting
 * deeper than max_depth (at most WIRE_DEPTH_LIMIT) and ext types. Returns
 * the object's encoded length, or 0 if malformed.
 */
size_t wire__bound(const uint8_t *p, size_t len, unsigned max_depth);
/* wire__bound of a body: a map nested at most ENTRY_BODY_DEPTH_MAX deep
 * whose maps, at every depth, have str keys only; else 0. */
size_t wire__bound_body(const uint8_t *p, size_t len);
/* Unpacks exactly one bounded object spanning all of in; ERR_MALFORMED. */
int wire__unpack(struct slice in, unsigned max_depth, msgpack_unpacked *out);
/* Does in hold exactly the bytes of re (a re-encoding of what decoded)? */
bool wire__same_bytes(struct slice in, const struct buf *re);

/* ---- field getters: false (or an error) when o is not that -------------- */

/* A positive integer of at most max. */
bool wire__get_uint(const msgpack_object *o, uint64_t max, uint64_t *out);
/* A bin of exactly n bytes, copied. */
bool wire__get_bin(const msgpack_object *o, uint8_t *out, size_t n);
/* A bin of at most max bytes, borrowed. */
bool wire__get_bin_slice(const msgpack_object *o, size_t max,
                         struct slice *out);
/* A region code: 0, ERR_MALFORMED (not a str) or region_copy's error. */
int wire__get_region(const msgpack_object *o, char out[REGION_BUF]);
/* An audience: 0, ERR_MALFORMED (not an array of 2+), ERR_AUDIENCE_SHAPE,
 * or a region error; then audience_check. a is zeroed first. */
int wire__get_audience(const msgpack_object *o, struct audience *a);
/* The value of the first pair of map (a map object) whose key is the string
 * key, or NULL. */
const msgpack_object *wire__map_get(const msgpack_object *map, const char *key);

#endif
