/*
 * fuzz_entry: libFuzzer target for the entry decoders. Runs entry_open and
 * entry_parse on the input as an envelope, the header and envelope decoders
 * on it directly, and wire_body_walk / wire_body_check on it as a body.
 * Besides "no crash, no sanitizer report" it checks what must hold for any
 * input (abort() otherwise, so libFuzzer keeps the input):
 *   - what entry_open accepts, entry_parse accepts, with the same ids;
 *   - accepted bytes are canonical: re-encoding gives them back exactly;
 *   - wire_body_walk and wire_body_check agree, and a walk is balanced.
 *
 * Seeds: tests/fuzz/corpus/entry/ (gen_corpus_entry writes them).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/entry/entry.h"
#include "fuzz.h"

FUZZ_INITIALIZE_ENTRY()

struct walk_state {
        long open; /* containers not yet closed */
        long values;
};

static int
visit(void *ctx, const struct wire_value *v)
{
        struct walk_state *w = ctx;

        w->values++;
        if (v->type == WIRE_ARRAY || v->type == WIRE_MAP)
                w->open++;
        else if (v->type == WIRE_END)
                require(--w->open >= 0);
        return 0;
}

static void
check_canonical_envelope(struct slice in, const struct envelope *env)
{
        struct buf re = BUF_INIT;

        wire_envelope_encode(env, &re);
        require(re.len == in.len && !memcmp(re.data, in.ptr, in.len));
        buf_release(&re);
}

static void
check_canonical_header(struct slice in, const struct entry_header *h)
{
        struct buf re = BUF_INIT;

        wire_header_encode(h, &re);
        require(re.len == in.len && !memcmp(re.data, in.ptr, in.len));
        buf_release(&re);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct slice in = slice_make(data, size);
        struct walk_state w = {0, 0};
        struct entry opened, parsed;
        struct entry_header h;
        struct envelope env;
        int open_err, parse_err, walk_err;

        open_err = entry_open(in, &opened);
        parse_err = entry_parse(in, &parsed);
        if (!open_err) {
                require(!parse_err);
                require(!memcmp(opened.id, parsed.id, ENTRY_HASH_BYTES));
                require(!memcmp(opened.feed, parsed.feed, ENTRY_HASH_BYTES));
                require(kind_channel(opened.h.kind) == opened.h.channel);
                require(!audience_may_author(&opened.h.audience,
                                             opened.h.author_region));
        }
        if (!parse_err) {
                check_canonical_envelope(in, &parsed.env);
                check_canonical_header(parsed.env.header, &parsed.h);
        }
        if (!wire_envelope_decode(in, &env))
                check_canonical_envelope(in, &env);
        if (!wire_header_decode(in, &h))
                check_canonical_header(in, &h);

        walk_err = wire_body_walk(in, visit, &w);
        require(walk_err == wire_body_check(in));
        if (!walk_err)
                require(w.open == 0 && w.values >= 2); /* a map and its end */
        return 0;
}
