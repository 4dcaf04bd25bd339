/*
 * fuzz_cert: libFuzzer target for the membership decoders
 * (proto/MEMBERSHIP.md): certificates, requests, network descriptors,
 * certificate bundles, the text forms and the bodies of the system kinds.
 * Besides "no crash, no sanitizer report" it checks what must hold for any
 * input (abort() otherwise, so libFuzzer keeps the input):
 *   - what cert_open accepts, cert_parse accepts with the same fields, and
 *     the body re-encodes to exactly its bytes (canonical);
 *   - an accepted descriptor re-encodes to exactly the input;
 *   - bundle parts and decoded text stay within their limits;
 *   - a decoded revocation's feeds ascend strictly, each found by its id,
 *     with a cutoff seq of at least 1.
 *
 * Seeds: tests/fuzz/corpus/cert/ (from proto/vectors/membership.json).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/entry/entry.h"
#include "fuzz.h"

FUZZ_INITIALIZE_ENTRY()

static void
fuzz_cert(struct slice in)
{
        struct cert_info a, b;
        struct slice body, sig;
        struct buf re = BUF_INIT;

        if (cert_open(in, &a))
                return;
        require(cert_parse(in, &b) == 0);
        require(!memcmp(&a, &b, sizeof(a)));
        require(wire_signed_decode(in, CERT_MAX, &body, &sig) == 0);
        wire_cert_body_encode(&a, &re);
        require(slice_eq(buf_slice(&re), body));
        buf_release(&re);
}

static void
fuzz_network(struct slice in)
{
        struct network n;
        struct buf re = BUF_INIT;

        if (network_open(in, &n))
                return;
        wire_network_encode(&n.desc, &re);
        require(slice_eq(buf_slice(&re), in));
        buf_release(&re);
}

static void
fuzz_bundle(struct slice in)
{
        struct slice desc, cert, ic;
        struct enroll_req rq;

        (void)request_open(in, &rq);
        if (wire_cert_bundle_decode(in, &desc, &cert, &ic))
                return;
        require(desc.len <= NETWORK_DESC_MAX && cert.len <= CERT_MAX);
        require(!ic.ptr || ic.len <= CERT_MAX);
}

static void
fuzz_text(struct slice in)
{
        static const char *const prefixes[] = {
            TEXT_CERT_PREFIX, TEXT_REQUEST_PREFIX, TEXT_NETWORK_PREFIX};
        struct buf out = BUF_INIT;

        for (size_t i = 0; i < ARRAY_LEN(prefixes); i++)
                if (!text_decode(prefixes[i], in, CERT_BUNDLE_MAX, &out))
                        require(out.len <= CERT_BUNDLE_MAX);
        buf_release(&out);
}

static void
fuzz_bodies(struct slice in)
{
        struct slice cert, ic;
        struct pencabutan p;

        if (!wire_sertifikat_decode(in, &cert, &ic))
                require(cert.len <= CERT_MAX);
        if (wire_pencabutan_decode(in, &p))
                return;
        for (size_t i = 1; i < p.n_feeds; i++)
                require(memcmp(p.feeds[i - 1].feed, p.feeds[i].feed,
                               ENTRY_HASH_BYTES) < 0);
        for (size_t i = 0; i < p.n_feeds; i++)
                require(wire_pencabutan_find(&p, p.feeds[i].feed) ==
                            &p.feeds[i] &&
                        p.feeds[i].last_seq >= 1);
        wire_pencabutan_release(&p);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct slice in = slice_make(data, size);

        fuzz_cert(in);
        fuzz_network(in);
        fuzz_bundle(in);
        fuzz_text(in);
        fuzz_bodies(in);
        return 0;
}
