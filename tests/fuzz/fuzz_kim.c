/*
 * fuzz_kim: libFuzzer target for the KIM body decoders and receipt checks
 * (proto/KIM.md §2-§4). The first input byte is the kind, the rest the
 * body: wire_kim_decode, then kim_check_header under headers of every
 * role, and the sealed-content and reporter decoders on the same bytes.
 * Besides "no crash, no sanitizer report" it checks (abort() otherwise,
 * so libFuzzer keeps the input):
 *   - kinds outside 1..9 are ERR_KIND, every other failure ERR_KIM_BODY;
 *   - what decodes re-encodes (wire_kim_encode) to bytes that decode, and
 *     encoding those again gives the same bytes;
 *   - kim_check_header answers 0, ERR_KIM_AUDIENCE or ERR_KIM_ROLE.
 *
 * Seeds: tests/fuzz/corpus/kim/ (a kind byte and a body each).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/kim/kim.h"
#include "fuzz.h"

FUZZ_INITIALIZE_ENTRY()

/* Authors and audiences around one desa's path to its kabupaten. */
static const char *const authors[] = {"36.04", "36.04.12", "36.04.12.2002",
                                      "36.04.12.2001"};
static const char *const audiences[] = {
    "path:36.04.12.2002:36.04", "path:36.04.12.2002:36.04.12",
    "path:36.04.12:36.04", "tree:36.04.12", "tree:36.04"};

static void
check_roles(uint32_t kind, const struct kim_body *b)
{
        for (size_t i = 0; i < ARRAY_LEN(authors); i++) {
                for (size_t j = 0; j < ARRAY_LEN(audiences); j++) {
                        struct entry_header h;
                        int err;
                        memset(&h, 0, sizeof(h));
                        h.kind = kind;
                        strcpy(h.author_region, authors[i]);
                        require(!audience_parse(&h.audience, audiences[j]));
                        err = kim_check_header(&h, b);
                        require(err == 0 || err == ERR_KIM_AUDIENCE ||
                                err == ERR_KIM_ROLE);
                }
        }
}

/* Decoded values re-encode to bytes that decode, and encode again to the
 * same bytes. */
static void
check_reencode(uint32_t kind, const struct kim_body *b)
{
        struct buf one = BUF_INIT, two = BUF_INIT;
        struct kim_body again;

        wire_kim_encode(b, &one);
        require(wire_kim_decode(kind, buf_slice(&one), &again) == 0);
        wire_kim_encode(&again, &two);
        require(one.len == two.len && !memcmp(one.data, two.data, one.len));
        buf_release(&one);
        buf_release(&two);
}

static void
check_plaintexts(struct slice body)
{
        struct kim_body content;
        struct kim_reporter r;
        struct buf re = BUF_INIT;
        int err;

        memset(&content, 0, sizeof(content));
        err = wire_kim_content_decode(body, &content);
        require(err == 0 || err == ERR_KIM_BODY);
        if (!err) {
                struct kim_body back;
                wire_kim_content_encode(&content, &re);
                memset(&back, 0, sizeof(back));
                require(wire_kim_content_decode(buf_slice(&re), &back) == 0);
                require(slice_eq(back.title, content.title) &&
                        slice_eq(back.text, content.text) &&
                        back.n_tags == content.n_tags);
        }
        err = wire_kim_reporter_decode(body, &r);
        require(err == 0 || err == ERR_KIM_BODY);
        if (!err) {
                struct kim_reporter back;
                buf_reset(&re);
                wire_kim_reporter_encode(&r, &re);
                require(wire_kim_reporter_decode(buf_slice(&re), &back) == 0);
                require(slice_eq(back.name, r.name) &&
                        slice_eq(back.contact, r.contact));
        }
        buf_release(&re);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct kim_body b;
        struct slice body;
        uint32_t kind;
        int err;

        if (size < 1)
                return 0;
        kind = data[0];
        body = slice_make(data + 1, size - 1);
        err = wire_kim_decode(kind, body, &b);
        if (!wire_kim_kind(kind)) {
                require(err == ERR_KIND);
        } else {
                require(err == 0 || err == ERR_KIM_BODY);
                if (!err) {
                        require(b.kind == kind);
                        check_roles(kind, &b);
                        check_reencode(kind, &b);
                }
        }
        check_plaintexts(body);
        return 0;
}
