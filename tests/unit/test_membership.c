/*
 * test_membership: networks, certificates, requests and their text forms
 * (wire/cert.c, entry/cert.c), the chain rules, the trust rules on ingest
 * with a real LMDB store in a mkdtemp directory (replica/trust.c,
 * store/certs.c), and the golden vectors of proto/vectors/membership.json.
 *
 * `test_membership --write-vectors FILE` regenerates the vectors instead.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dirent.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "../../src/replica/replica.h"
#include "testlib.h"

#define VECTORS SIMPUL_PROTO_DIR "/vectors/membership.json"
#define NET_REGION "36.04"
#define KEC "36.04.12"
#define DESA "36.04.12.2002"
#define DESA2 "36.04.12.2003"
#define OTHER_DESA "36.04.05.2001"
#define T0 1735693200000ULL /* 2025-01-01T01:00:00Z */
#define YEAR_MS (365ULL * 86400000ULL)
#define BATCH_MAX 32U

enum seeds { ROOT = 0x11, KEC_KEY, DESA_KEY, DESA2_KEY, OTHER_KEY, KAB_KEY };

/* ---- keys and certificates --------------------------------------------------
 */

static void
network_of(struct network *net, const struct key *root, const char *region)
{
        struct network_desc d;

        memset(&d, 0, sizeof(d));
        memcpy(d.root_pk, root->pk, ENTRY_KEY_BYTES);
        strcpy(d.region, region);
        strcpy(d.name, "KIM Kabupaten Serang");
        network_init(net, &d);
}

/* A certificate of subject for region, signed by issuer, into out. */
static void
cert_of(const struct network *net, const struct key *issuer,
        const struct key *subject, const char *region, uint32_t flags,
        uint64_t from, uint64_t until, struct buf *out)
{
        struct cert_info c;

        memset(&c, 0, sizeof(c));
        memcpy(c.network_id, net->id, ENTRY_HASH_BYTES);
        memcpy(c.node_pk, subject->pk, ENTRY_KEY_BYTES);
        strcpy(c.region, region);
        snprintf(c.name, sizeof(c.name), "KIM %s", region);
        c.valid_from_ms = from;
        c.valid_until_ms = until;
        c.flags = flags;
        buf_reset(out);
        cert_sign(issuer, &c, out);
}

static struct slice
nil(void)
{
        return slice_make(NULL, 0);
}

/* ---- fixture: keys, a network and a store in a mkdtemp directory --------- */

struct fx {
        char tmp[64];
        struct store *s;
        struct replica r;
        struct key *root, *kec, *desa, *desa2, *other, *kab;
        struct buf kec_cert, desa_cert; /* kec: ISSUER by root; desa: by kec */
};

static int
setup(void **state)
{
        struct fx *fx = xcalloc(1, sizeof(*fx));
        char dir[128];

        if (test_dir_make(fx->tmp, "member") || entry_lib_init())
                return -1;
        snprintf(dir, sizeof(dir), "%s/store", fx->tmp);
        if (store_open(&fx->s, dir, NULL))
                return -1;
        fx->root = test_key(ROOT);
        fx->kec = test_key(KEC_KEY);
        fx->desa = test_key(DESA_KEY);
        fx->desa2 = test_key(DESA2_KEY);
        fx->other = test_key(OTHER_KEY);
        fx->kab = test_key(KAB_KEY);
        fx->r.store = fx->s;
        fx->r.key = fx->kab;
        strcpy(fx->r.region, NET_REGION);
        fx->r.threads = 1;
        fx->r.has_network = true;
        network_of(&fx->r.network, fx->root, NET_REGION);
        cert_of(&fx->r.network, fx->root, fx->kec, KEC, CERT_FLAG_ISSUER, T0,
                T0 + YEAR_MS, &fx->kec_cert);
        cert_of(&fx->r.network, fx->kec, fx->desa, DESA, 0, T0, T0 + YEAR_MS,
                &fx->desa_cert);
        *state = fx;
        return 0;
}

static int
teardown(void **state)
{
        struct fx *fx = *state;

        store_close(fx->s);
        test_rm_tree(fx->tmp);
        key_free(fx->root);
        key_free(fx->kec);
        key_free(fx->desa);
        key_free(fx->desa2);
        key_free(fx->other);
        key_free(fx->kab);
        buf_release(&fx->kec_cert);
        buf_release(&fx->desa_cert);
        free(fx);
        return 0;
}

/* ---- writing feeds and ingesting batches
 * --------------------------------------
 */

/* One feed being written: its key, region, audience and kind. */
struct feedw {
        const struct key *k;
        char region[REGION_BUF];
        struct audience aud;
        uint32_t kind;
        uint64_t seq;
        uint8_t prev[ENTRY_HASH_BYTES];
        uint8_t id[ENTRY_HASH_BYTES]; /* feed id */
};

static void
feedw_init(struct feedw *w, const struct key *k, const char *region,
           const char *aud, uint32_t kind)
{
        memset(w, 0, sizeof(*w));
        w->k = k;
        strcpy(w->region, region);
        assert_int_equal(audience_parse(&w->aud, aud), 0);
        w->kind = kind;
        feed_id_compute(w->id, k->pk, region, &w->aud,
                        (uint8_t)kind_channel(kind));
}

struct batch {
        struct buf b[BATCH_MAX];
        struct slice s[BATCH_MAX];
        int res[BATCH_MAX];
        size_t n;
        struct ingest_stats st;
};

static void
batch_reset(struct batch *b)
{
        for (size_t i = 0; i < BATCH_MAX; i++)
                buf_release(&b->b[i]);
        memset(b, 0, sizeof(*b));
}

/* Appends the feed's next entry with body to the batch; returns its index. */
static size_t
feedw_add(struct feedw *w, struct slice body, struct batch *b)
{
        struct entry_header h;
        struct entry e;
        size_t i = b->n++;

        assert_true(i < BATCH_MAX);
        memset(&h, 0, sizeof(h));
        strcpy(h.author_region, w->region);
        h.audience = w->aud;
        h.kind = w->kind;
        h.seq = ++w->seq;
        h.has_prev = h.seq > 1;
        memcpy(h.prev, w->prev, ENTRY_HASH_BYTES);
        h.timestamp_ms = T0 + h.seq;
        assert_int_equal(entry_create(w->k, &h, body, &b->b[i]), 0);
        assert_int_equal(entry_parse(buf_slice(&b->b[i]), &e), 0);
        memcpy(w->prev, e.id, ENTRY_HASH_BYTES);
        b->s[i] = buf_slice(&b->b[i]);
        return i;
}

/* The feed's next entry, with a valid KIM body (proto/KIM.md §2) titled
 * title: entries of one feed at one seq with another title differ. */
static size_t
add_titled(struct feedw *w, const char *title, struct batch *b)
{
        struct buf body = BUF_INIT;
        /* A report names its handler. */
        struct body_field f[] = {{"title", title, 0},
                                 {"text", "", 0},
                                 {"handler", w->aud.target, 0},
                                 {"category", "kesehatan", 0}};
        size_t i;

        wire_body_build(f, w->kind == KIND_ASPIRASI ? 4 : 2, &body);
        i = feedw_add(w, buf_slice(&body), b);
        buf_release(&body);
        return i;
}

static size_t
add_text(struct feedw *w, struct batch *b)
{
        return add_titled(w, "Posyandu", b);
}

/* The id add_text(w) will give its entry, leaving w as it was. */
static void
next_id(const struct feedw *w, uint8_t id[ENTRY_HASH_BYTES])
{
        struct feedw ahead = *w;
        struct batch scratch;

        memset(&scratch, 0, sizeof(scratch));
        add_text(&ahead, &scratch);
        memcpy(id, ahead.prev, ENTRY_HASH_BYTES);
        batch_reset(&scratch);
}

/* A cutoff of w's feed at its last entry written. */
static void
cut_here(const struct feedw *w, struct revoke_feed *cut)
{
        memset(cut, 0, sizeof(*cut));
        memcpy(cut->feed, w->id, ENTRY_HASH_BYTES);
        cut->last_seq = w->seq;
        memcpy(cut->last_id, w->prev, ENTRY_HASH_BYTES);
}

static size_t
add_sertifikat(struct feedw *w, struct slice cert, struct slice ic,
               struct batch *b)
{
        struct buf body = BUF_INIT;
        size_t i;

        wire_sertifikat_encode(cert, ic, &body);
        i = feedw_add(w, buf_slice(&body), b);
        buf_release(&body);
        return i;
}

static size_t
add_pencabutan(struct feedw *w, const struct key *node,
               const struct revoke_feed *feeds, size_t n, struct batch *b)
{
        struct buf body = BUF_INIT;
        struct pencabutan p;
        size_t i;

        memset(&p, 0, sizeof(p));
        memcpy(p.node, node->pk, ENTRY_KEY_BYTES);
        p.feeds = (struct revoke_feed *)feeds;
        p.n_feeds = n;
        p.reason = slice_cstr("hilang");
        wire_pencabutan_encode(&p, &body);
        i = feedw_add(w, buf_slice(&body), b);
        buf_release(&body);
        return i;
}

static void
ingest(struct fx *fx, struct batch *b)
{
        assert_int_equal(
            replica_ingest(&fx->r, b->s, b->n, "test", b->res, &b->st), 0);
}

/* The root's system feed and the kecamatan's, as every test uses them. */
struct feeds {
        struct feedw root_sys, kec_sys, desa_news, desa_asp;
};

static void
feeds_init(struct fx *fx, struct feeds *f)
{
        feedw_init(&f->root_sys, fx->root, NET_REGION, "tree:" NET_REGION,
                   KIND_SERTIFIKAT);
        feedw_init(&f->kec_sys, fx->kec, KEC, "tree:" NET_REGION,
                   KIND_SERTIFIKAT);
        feedw_init(&f->desa_news, fx->desa, DESA, "tree:" KEC, KIND_INFORMASI);
        feedw_init(&f->desa_asp, fx->desa, DESA, "path:" DESA ":" NET_REGION,
                   KIND_ASPIRASI);
}

/* Root certifies the kecamatan; the kecamatan certifies the desa. */
static void
enrol_all(struct fx *fx, struct feeds *f, struct batch *b)
{
        add_sertifikat(&f->root_sys, buf_slice(&fx->kec_cert), nil(), b);
        add_sertifikat(&f->kec_sys, buf_slice(&fx->desa_cert),
                       buf_slice(&fx->kec_cert), b);
}

static uint64_t
head_of(struct fx *fx, const uint8_t feed[ENTRY_HASH_BYTES])
{
        struct store_txn *t;
        struct feed_info fi;
        int err;

        assert_int_equal(store_begin(fx->s, false, &t), 0);
        err = store_feed_get(t, feed, &fi);
        store_abort(t);
        return err ? 0 : fi.head_seq;
}

static uint64_t
store_stats_forks(struct fx *fx)
{
        struct store_stats st;
        struct store_txn *t;

        assert_int_equal(store_begin(fx->s, false, &t), 0);
        assert_int_equal(store_stats(t, &st), 0);
        store_abort(t);
        return st.forks;
}

/* ---- formats: network, certificate, request, text --------------------------
 */

static void
network_round_trip(void **state)
{
        struct fx *fx = *state;
        struct buf bytes = BUF_INIT, longer = BUF_INIT;
        struct network net;
        uint8_t id[ENTRY_HASH_BYTES];

        wire_network_encode(&fx->r.network.desc, &bytes);
        assert_int_equal(bytes.data[0], 0x94);
        assert_int_equal(network_open(buf_slice(&bytes), &net), 0);
        assert_memory_equal(net.id, fx->r.network.id, ENTRY_HASH_BYTES);
        hash_bytes(id, buf_slice(&bytes));
        assert_memory_equal(id, net.id, ENTRY_HASH_BYTES);
        assert_string_equal(net.desc.name, "KIM Kabupaten Serang");
        buf_addc(&bytes, 0xc0); /* trailing byte */
        assert_int_equal(network_open(buf_slice(&bytes), &net), ERR_CERT);
        bytes.len--;
        /* Version 1 as a uint8 (0xcc 0x01): decodes, but not canonical. */
        buf_addc(&longer, bytes.data[0]);
        buf_addc(&longer, 0xcc);
        buf_add(&longer, bytes.data + 1, bytes.len - 1);
        assert_int_equal(network_open(buf_slice(&longer), &net), ERR_CERT);
        buf_release(&bytes);
        buf_release(&longer);
}

static void
names_checked(void **state)
{
        char long_name[CERT_NAME_MAX + 2];

        (void)state;
        memset(long_name, 'a', sizeof(long_name));
        assert_int_equal(wire_name_check("KIM Pontang", 11), 0);
        assert_int_equal(wire_name_check(long_name, CERT_NAME_MAX), 0);
        assert_int_equal(wire_name_check(long_name, CERT_NAME_MAX + 1),
                         ERR_CERT);
        assert_int_equal(wire_name_check("", 0), ERR_CERT);
        assert_int_equal(wire_name_check("a\nb", 3), ERR_CERT);
        assert_int_equal(wire_name_check("a\0b", 3), ERR_CERT);
}

static void
cert_round_trip(void **state)
{
        struct fx *fx = *state;
        struct cert_info c;

        assert_int_equal(cert_open(buf_slice(&fx->kec_cert), &c), 0);
        assert_memory_equal(c.node_pk, fx->kec->pk, ENTRY_KEY_BYTES);
        assert_memory_equal(c.issuer_pk, fx->root->pk, ENTRY_KEY_BYTES);
        assert_memory_equal(c.network_id, fx->r.network.id, ENTRY_HASH_BYTES);
        assert_string_equal(c.region, KEC);
        assert_string_equal(c.name, "KIM " KEC);
        assert_int_equal(c.valid_from_ms, T0);
        assert_int_equal(c.valid_until_ms, T0 + YEAR_MS);
        assert_int_equal(c.flags, CERT_FLAG_ISSUER);
        assert_true(fx->kec_cert.len <= CERT_MAX);
}

/* Every single-bit flip, at every byte, makes open fail. */
static void
flips_refused(struct slice good, int (*open_fn)(struct slice, void *),
              void *out)
{
        struct buf b = BUF_INIT;

        buf_add(&b, good.ptr, good.len);
        assert_int_equal(open_fn(buf_slice(&b), out), 0);
        for (size_t i = 0; i < b.len; i++) {
                for (unsigned bit = 0; bit < 8; bit++) {
                        b.data[i] ^= (uint8_t)(1U << bit);
                        if (open_fn(buf_slice(&b), out) == 0)
                                fail_msg("flip of bit %u of byte %zu accepted",
                                         bit, i);
                        b.data[i] ^= (uint8_t)(1U << bit);
                }
        }
        buf_release(&b);
}

static int
open_cert(struct slice s, void *out)
{
        return cert_open(s, out);
}

static int
open_request(struct slice s, void *out)
{
        return request_open(s, out);
}

static void
cert_tampering_refused(void **state)
{
        struct fx *fx = *state;
        struct cert_info c;

        flips_refused(buf_slice(&fx->kec_cert), open_cert, &c);
        flips_refused(buf_slice(&fx->desa_cert), open_cert, &c);
}

static void
request_round_trip_and_tampering(void **state)
{
        struct fx *fx = *state;
        struct buf bytes = BUF_INIT;
        struct enroll_req rq, got;

        memset(&rq, 0, sizeof(rq));
        strcpy(rq.region, DESA);
        strcpy(rq.name, "KIM Sukanegara");
        request_sign(fx->desa, &rq, &bytes);
        assert_int_equal(request_open(buf_slice(&bytes), &got), 0);
        assert_memory_equal(got.node_pk, fx->desa->pk, ENTRY_KEY_BYTES);
        assert_string_equal(got.region, DESA);
        assert_string_equal(got.name, "KIM Sukanegara");
        flips_refused(buf_slice(&bytes), open_request, &got);
        /* A certificate is not a request (other context, other shape). */
        assert_int_equal(request_open(buf_slice(&fx->kec_cert), &got),
                         ERR_CERT);
        buf_release(&bytes);
}

static void
text_forms(void **state)
{
        struct fx *fx = *state;
        struct buf line = BUF_INIT, out = BUF_INIT, bad = BUF_INIT;
        struct slice s;

        text_encode(TEXT_CERT_PREFIX, buf_slice(&fx->kec_cert), &line);
        assert_int_equal(strncmp((char *)line.data, "simpul-cert1:", 13), 0);
        assert_null(strpbrk((char *)line.data + 13, "=+/\n "));
        s = buf_slice(&line);
        assert_int_equal(text_decode(TEXT_CERT_PREFIX, s, CERT_MAX, &out), 0);
        assert_true(slice_eq(buf_slice(&out), buf_slice(&fx->kec_cert)));
        assert_int_equal(text_decode(TEXT_REQUEST_PREFIX, s, CERT_MAX, &out),
                         ERR_CERT);
        assert_int_equal(text_decode(TEXT_CERT_PREFIX, s, 16, &out), ERR_CERT);
        /* Padding, white space, a bad character: refused. */
        for (int i = 0; i < 3; i++) {
                buf_reset(&bad);
                buf_add(&bad, line.data, line.len);
                if (i == 0)
                        buf_adds(&bad, "==");
                else if (i == 1)
                        buf_adds(&bad, "\n");
                else
                        bad.data[20] = '*';
                assert_int_equal(text_decode(TEXT_CERT_PREFIX, buf_slice(&bad),
                                             CERT_MAX, &out),
                                 ERR_CERT);
        }
        buf_release(&line);
        buf_release(&out);
        buf_release(&bad);
}

static void
non_zero_pad_bits_refused(void **state)
{
        struct buf out = BUF_INIT;

        (void)state;
        /* "AQ" is 0x01; "AR" has the same byte with a non-zero pad bit. */
        assert_int_equal(text_decode("p:", slice_cstr("p:AQ"), 4, &out), 0);
        assert_int_equal(out.len, 1);
        assert_int_equal(out.data[0], 1);
        assert_int_equal(text_decode("p:", slice_cstr("p:AR"), 4, &out),
                         ERR_CERT);
        assert_int_equal(text_decode("p:", slice_cstr("p:A"), 4, &out),
                         ERR_CERT);
        buf_release(&out);
}

/* ---- the chain
 * ----------------------------------------------------------------- */

static int
verify(struct fx *fx, struct slice cert, struct slice ic, uint64_t now)
{
        struct cert_info c;

        return cert_verify(&fx->r.network, cert, ic, now, &c, NULL);
}

static void
chain_root_and_delegated(void **state)
{
        struct fx *fx = *state;
        struct cert_info c, ic;

        assert_int_equal(verify(fx, buf_slice(&fx->kec_cert), nil(), 0), 0);
        assert_int_equal(cert_verify(&fx->r.network, buf_slice(&fx->desa_cert),
                                     buf_slice(&fx->kec_cert), 0, &c, &ic),
                         0);
        assert_memory_equal(ic.node_pk, fx->kec->pk, ENTRY_KEY_BYTES);
        /* A delegated cert needs its issuer's; a root-issued one has none. */
        assert_int_equal(verify(fx, buf_slice(&fx->desa_cert), nil(), 0),
                         ERR_CERT);
        assert_int_equal(
            verify(fx, buf_slice(&fx->kec_cert), buf_slice(&fx->kec_cert), 0),
            ERR_CERT);
        /* The issuer cert must be the issuer's. */
        assert_int_equal(
            verify(fx, buf_slice(&fx->desa_cert), buf_slice(&fx->desa_cert), 0),
            ERR_CERT);
}

struct chain_case {
        const char *what;
        int issuer_seed, issuer_flags, subject_seed, flags;
        const char *issuer_region, *region;
        int err;
};

static void
chain_rules(void **state)
{
        static const struct chain_case cases[] = {
            {"delegated subject may not issue", KEC_KEY, CERT_FLAG_ISSUER,
             DESA_KEY, CERT_FLAG_ISSUER, KEC, DESA, ERR_CERT},
            {"issuer region does not cover", KEC_KEY, CERT_FLAG_ISSUER,
             OTHER_KEY, 0, KEC, OTHER_DESA, ERR_CERT},
            {"issuer without the ISSUER flag", KEC_KEY, 0, DESA_KEY, 0, KEC,
             DESA, ERR_CERT},
            {"subject outside the network", ROOT, 0, OTHER_KEY, 0, NULL,
             "36.02.01.2001", ERR_CERT},
            {"subject is the root key", ROOT, 0, ROOT, 0, NULL, DESA, ERR_CERT},
            {"good delegation", KEC_KEY, CERT_FLAG_ISSUER, DESA_KEY, 0, KEC,
             DESA, 0},
        };
        struct fx *fx = *state;
        struct buf ic = BUF_INIT, cert = BUF_INIT;

        for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
                const struct chain_case *k = &cases[i];
                struct key *issuer = test_key((uint8_t)k->issuer_seed);
                struct key *subject = test_key((uint8_t)k->subject_seed);

                buf_reset(&ic);
                if (k->issuer_region)
                        cert_of(&fx->r.network, fx->root, issuer,
                                k->issuer_region, (uint32_t)k->issuer_flags, T0,
                                T0 + YEAR_MS, &ic);
                cert_of(&fx->r.network, issuer, subject, k->region,
                        (uint32_t)k->flags, T0, T0 + YEAR_MS, &cert);
                if (verify(fx, buf_slice(&cert),
                           k->issuer_region ? buf_slice(&ic) : nil(),
                           0) != k->err)
                        fail_msg("%s: expected %s", k->what, err_id(k->err));
                key_free(issuer);
                key_free(subject);
        }
        buf_release(&ic);
        buf_release(&cert);
}

static void
delegation_depth_two_refused(void **state)
{
        struct fx *fx = *state;
        struct buf mid = BUF_INIT, leaf = BUF_INIT;

        /* The kecamatan "delegates" to a desa, which certifies another. */
        cert_of(&fx->r.network, fx->kec, fx->desa, DESA, CERT_FLAG_ISSUER, T0,
                T0 + YEAR_MS, &mid);
        cert_of(&fx->r.network, fx->desa, fx->desa2, DESA, 0, T0, T0 + YEAR_MS,
                &leaf);
        assert_int_equal(verify(fx, buf_slice(&leaf), buf_slice(&mid), 0),
                         ERR_CERT);
        buf_release(&mid);
        buf_release(&leaf);
}

static void
other_network_refused(void **state)
{
        struct fx *fx = *state;
        struct network other;
        struct buf cert = BUF_INIT;

        network_of(&other, fx->other, NET_REGION);
        cert_of(&other, fx->other, fx->desa, DESA, 0, T0, T0 + YEAR_MS, &cert);
        assert_int_equal(verify(fx, buf_slice(&cert), nil(), 0), ERR_NETWORK);
        /* Our root signing a cert that names another network. */
        cert_of(&other, fx->root, fx->desa, DESA, 0, T0, T0 + YEAR_MS, &cert);
        assert_int_equal(verify(fx, buf_slice(&cert), nil(), 0), ERR_NETWORK);
        buf_release(&cert);
}

static void
expiry_only_when_asked(void **state)
{
        struct fx *fx = *state;
        struct slice d = buf_slice(&fx->desa_cert),
                     k = buf_slice(&fx->kec_cert);
        struct buf short_kec = BUF_INIT;

        assert_int_equal(verify(fx, d, k, 0), 0);
        assert_int_equal(verify(fx, d, k, T0), 0);
        assert_int_equal(verify(fx, d, k, T0 + YEAR_MS - 1), 0);
        assert_int_equal(verify(fx, d, k, T0 + YEAR_MS), ERR_CERT_EXPIRED);
        assert_int_equal(verify(fx, d, k, T0 - 1), ERR_CERT_EXPIRED);
        assert_int_equal(verify(fx, d, k, 42000), ERR_CERT_EXPIRED); /* 1970 */
        /* The issuer's period counts too. */
        cert_of(&fx->r.network, fx->root, fx->kec, KEC, CERT_FLAG_ISSUER, T0,
                T0 + 1000, &short_kec);
        assert_int_equal(verify(fx, d, buf_slice(&short_kec), T0 + 999), 0);
        assert_int_equal(verify(fx, d, buf_slice(&short_kec), T0 + 1000),
                         ERR_CERT_EXPIRED);
        assert_int_equal(verify(fx, d, buf_slice(&short_kec), 0), 0);
        buf_release(&short_kec);
}

/* ---- bodies of the system kinds
 * --------------------------------------------------- */

static void
system_bodies(void **state)
{
        struct fx *fx = *state;
        struct revoke_feed feeds[2];
        struct buf body = BUF_INIT;
        struct slice c, ic;
        struct pencabutan p, got;

        wire_sertifikat_encode(buf_slice(&fx->desa_cert),
                               buf_slice(&fx->kec_cert), &body);
        assert_int_equal(wire_body_check(buf_slice(&body)), 0);
        assert_int_equal(wire_sertifikat_decode(buf_slice(&body), &c, &ic), 0);
        assert_true(slice_eq(c, buf_slice(&fx->desa_cert)));
        assert_true(slice_eq(ic, buf_slice(&fx->kec_cert)));
        buf_reset(&body);
        memset(feeds, 0, sizeof(feeds));
        feeds[0].feed[0] = 1;
        feeds[0].last_seq = 7;
        feeds[0].last_id[0] = 0x70;
        feeds[1].feed[0] = 2;
        feeds[1].last_seq = 300;
        feeds[1].last_id[31] = 0x30;
        memset(&p, 0, sizeof(p));
        memcpy(p.node, fx->desa->pk, ENTRY_KEY_BYTES);
        p.feeds = feeds;
        p.n_feeds = 2;
        p.reason = slice_cstr("hilang");
        wire_pencabutan_encode(&p, &body);
        assert_int_equal(wire_body_check(buf_slice(&body)), 0);
        assert_int_equal(wire_pencabutan_decode(buf_slice(&body), &got), 0);
        assert_int_equal(got.n_feeds, 2);
        assert_ptr_equal(wire_pencabutan_find(&got, feeds[1].feed),
                         &got.feeds[1]);
        assert_int_equal(got.feeds[1].last_seq, 300);
        assert_memory_equal(got.feeds[1].last_id, feeds[1].last_id,
                            ENTRY_HASH_BYTES);
        assert_memory_equal(got.feeds[0].last_id, feeds[0].last_id,
                            ENTRY_HASH_BYTES);
        feeds[1].feed[0] = 3;
        assert_null(wire_pencabutan_find(&got, feeds[1].feed));
        assert_true(slice_eq(got.reason, slice_cstr("hilang")));
        wire_pencabutan_release(&got);
        /* A sertifikat body is no pencabutan and the reverse. */
        assert_int_equal(wire_sertifikat_decode(buf_slice(&body), &c, &ic),
                         ERR_CERT);
        buf_release(&body);
}

/*
 * {"node": bin32, "feeds": [[bin32 f, seq(, bin32 id)], ...], "reason": ""}
 * written by hand: n feeds, the i-th of bytes feed[i] with seq[i], each item
 * of `fields` elements (3 now; 2 was the format before last_id).
 */
static void
pencabutan_by_hand(const struct key *node, const uint8_t *feed,
                   const uint8_t *seq, size_t n, unsigned fields,
                   struct buf *body)
{
        uint8_t bytes[ENTRY_HASH_BYTES];

        buf_addc(body, 0x83);
        buf_addc(body, 0xa4);
        buf_adds(body, "node");
        buf_addc(body, 0xc4);
        buf_addc(body, 32);
        buf_add(body, node->pk, 32);
        buf_addc(body, 0xa5);
        buf_adds(body, "feeds");
        buf_addc(body, (uint8_t)(0x90 | n));
        for (size_t i = 0; i < n; i++) {
                memset(bytes, feed[i], sizeof(bytes));
                buf_addc(body, (uint8_t)(0x90 | fields));
                buf_addc(body, 0xc4);
                buf_addc(body, 32);
                buf_add(body, bytes, 32);
                buf_addc(body, seq[i]); /* a positive fixint */
                if (fields < 3)
                        continue;
                buf_addc(body, 0xc4);
                buf_addc(body, 32);
                buf_add(body, bytes, 32);
        }
        buf_addc(body, 0xa6);
        buf_adds(body, "reason");
        buf_addc(body, 0xa0);
}

static void
revocation_feeds_must_ascend(void **state)
{
        static const struct {
                const char *name;
                uint8_t feed[2], seq[2];
                size_t n;
                unsigned fields;
                int err;
        } cases[] = {
            {"ascending", {1, 2}, {1, 1}, 2, 3, 0},
            {"descending", {2, 1}, {1, 1}, 2, 3, ERR_CERT},
            {"twice", {1, 1}, {1, 1}, 2, 3, ERR_CERT},
            {"cutoff seq 0", {1, 2}, {1, 0}, 2, 3, ERR_CERT},
            {"without last_id (the format before)", {1}, {1}, 1, 2, ERR_CERT},
            {"no feeds", {0}, {0}, 0, 3, 0},
        };
        struct fx *fx = *state;
        struct pencabutan got;

        for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
                struct buf body = BUF_INIT;
                int err;

                pencabutan_by_hand(fx->desa, cases[i].feed, cases[i].seq,
                                   cases[i].n, cases[i].fields, &body);
                assert_int_equal(wire_body_check(buf_slice(&body)), 0);
                err = wire_pencabutan_decode(buf_slice(&body), &got);
                if (err != cases[i].err)
                        fail_msg("%s: decode gave %d, expected %d",
                                 cases[i].name, err, cases[i].err);
                if (!err)
                        wire_pencabutan_release(&got);
                buf_release(&body);
        }
}

/* ---- trust on ingest
 * ----------------------------------------------------------------- */

static void
unknown_author_refused(void **state)
{
        struct fx *fx = *state;
        struct batch b;
        struct feeds f;

        memset(&b, 0, sizeof(b));
        feeds_init(fx, &f);
        add_text(&f.desa_news, &b);
        ingest(fx, &b);
        assert_int_equal(b.res[0], ERR_UNKNOWN_AUTHOR);
        assert_int_equal(b.st.refused, 1);
        assert_int_equal(head_of(fx, f.desa_news.id), 0);
        batch_reset(&b);
}

static void
no_network_no_rules(void **state)
{
        struct fx *fx = *state;
        struct batch b;
        struct feeds f;

        fx->r.has_network = false;
        memset(&b, 0, sizeof(b));
        feeds_init(fx, &f);
        add_text(&f.desa_news, &b);
        ingest(fx, &b);
        assert_int_equal(b.res[0], 0);
        assert_int_equal(b.st.stored, 1);
        batch_reset(&b);
}

static void
cert_in_same_batch_counts(void **state)
{
        struct fx *fx = *state;
        struct batch b;
        struct feeds f;
        struct buf held = BUF_INIT;

        memset(&b, 0, sizeof(b));
        feeds_init(fx, &f);
        enrol_all(fx, &f, &b);
        add_text(&f.desa_news, &b);
        add_text(&f.desa_news, &b);
        add_text(&f.desa_asp, &b);
        ingest(fx, &b);
        assert_int_equal(b.st.stored, 5);
        assert_int_equal(b.st.refused, 0);
        assert_int_equal(replica_peer_cert(&fx->r, fx->desa->pk, &held), 0);
        assert_true(slice_eq(buf_slice(&held), buf_slice(&fx->desa_cert)));
        /* The issuer's certificate, carried along, is stored too. */
        assert_int_equal(replica_peer_cert(&fx->r, fx->kec->pk, &held), 0);
        assert_true(slice_eq(buf_slice(&held), buf_slice(&fx->kec_cert)));
        assert_int_equal(replica_peer_cert(&fx->r, fx->desa2->pk, &held),
                         ERR_NOT_FOUND);
        buf_release(&held);
        batch_reset(&b);
}

static void
cert_later_in_batch_counts(void **state)
{
        struct fx *fx = *state;
        struct batch b;
        struct feeds f;

        /* Entries first, then the kecamatan's feed, then the root's. */
        memset(&b, 0, sizeof(b));
        feeds_init(fx, &f);
        add_text(&f.desa_news, &b);
        add_text(&f.desa_news, &b);
        add_sertifikat(&f.kec_sys, buf_slice(&fx->desa_cert),
                       buf_slice(&fx->kec_cert), &b);
        add_sertifikat(&f.root_sys, buf_slice(&fx->kec_cert), nil(), &b);
        ingest(fx, &b);
        assert_int_equal(b.st.refused, 0);
        assert_int_equal(b.st.stored, 4);
        assert_int_equal(head_of(fx, f.desa_news.id), 2);
        batch_reset(&b);
}

static void
author_region_bound(void **state)
{
        struct fx *fx = *state;
        struct feedw claim;
        struct batch b;
        struct feeds f;

        memset(&b, 0, sizeof(b));
        feeds_init(fx, &f);
        enrol_all(fx, &f, &b);
        /* The desa's key, claiming the neighbouring desa's region. */
        feedw_init(&claim, fx->desa, DESA2, "tree:" KEC, KIND_INFORMASI);
        add_text(&claim, &b);
        ingest(fx, &b);
        assert_int_equal(b.res[2], ERR_UNKNOWN_AUTHOR);
        batch_reset(&b);
}

static void
root_writes_as_network_region(void **state)
{
        struct fx *fx = *state;
        struct feedw good, bad;
        struct batch b;

        memset(&b, 0, sizeof(b));
        feedw_init(&good, fx->root, NET_REGION, "tree:" NET_REGION,
                   KIND_INFORMASI);
        feedw_init(&bad, fx->root, KEC, "tree:" KEC, KIND_INFORMASI);
        add_text(&good, &b);
        add_text(&bad, &b);
        ingest(fx, &b);
        assert_int_equal(b.res[0], 0);
        assert_int_equal(b.res[1], ERR_UNKNOWN_AUTHOR);
        batch_reset(&b);
}

static void
system_kinds_need_an_issuer(void **state)
{
        struct fx *fx = *state;
        struct feedw desa_sys, other_cert_by_kec;
        struct buf other = BUF_INIT;
        struct batch b;
        struct feeds f;

        memset(&b, 0, sizeof(b));
        feeds_init(fx, &f);
        enrol_all(fx, &f, &b);
        /* A desa (flags 0) publishing its own certificate. */
        feedw_init(&desa_sys, fx->desa, DESA, "tree:" KEC, KIND_SERTIFIKAT);
        add_sertifikat(&desa_sys, buf_slice(&fx->desa_cert),
                       buf_slice(&fx->kec_cert), &b);
        /* The kecamatan publishing a (valid, root-issued) certificate of a
         * node outside its subtree. */
        cert_of(&fx->r.network, fx->root, fx->other, OTHER_DESA, 0, T0,
                T0 + YEAR_MS, &other);
        other_cert_by_kec = f.kec_sys;
        add_sertifikat(&other_cert_by_kec, buf_slice(&other), nil(), &b);
        ingest(fx, &b);
        assert_int_equal(b.res[2], ERR_NOT_ISSUER);
        assert_int_equal(b.res[3], ERR_NOT_ISSUER);
        assert_int_equal(b.st.stored, 2);
        buf_release(&other);
        batch_reset(&b);
}

static void
bad_cert_content_refused(void **state)
{
        struct fx *fx = *state;
        struct buf forged = BUF_INIT;
        struct batch b;
        struct feeds f;

        memset(&b, 0, sizeof(b));
        feeds_init(fx, &f);
        buf_add(&forged, fx->kec_cert.data, fx->kec_cert.len);
        forged.data[forged.len - 1] ^= 1; /* signature */
        add_sertifikat(&f.root_sys, buf_slice(&forged), nil(), &b);
        ingest(fx, &b);
        assert_int_equal(b.res[0], ERR_CERT);
        assert_int_equal(head_of(fx, f.root_sys.id), 0);
        buf_release(&forged);
        batch_reset(&b);
}

static void
pruned_system_entry_refused(void **state)
{
        struct fx *fx = *state;
        struct envelope env;
        struct buf pruned = BUF_INIT;
        struct batch b;
        struct feeds f;
        struct entry e;

        memset(&b, 0, sizeof(b));
        feeds_init(fx, &f);
        add_sertifikat(&f.root_sys, buf_slice(&fx->kec_cert), nil(), &b);
        assert_int_equal(entry_parse(b.s[0], &e), 0);
        env = e.env;
        env.has_body = false;
        wire_envelope_encode(&env, &pruned);
        buf_release(&b.b[0]);
        b.b[0] = pruned;
        b.s[0] = buf_slice(&b.b[0]);
        ingest(fx, &b);
        assert_int_equal(b.res[0], ERR_CERT);
        batch_reset(&b);
}

static void
revocation_cutoff(void **state)
{
        struct fx *fx = *state;
        struct revoke_feed cut;
        struct batch b;
        struct feeds f;

        memset(&b, 0, sizeof(b));
        feeds_init(fx, &f);
        enrol_all(fx, &f, &b);
        add_text(&f.desa_news, &b);
        add_text(&f.desa_news, &b);
        ingest(fx, &b);
        assert_int_equal(b.st.stored, 4);
        batch_reset(&b);
        /* The root revokes the desa: its news feed up to seq 2 stays. */
        cut_here(&f.desa_news, &cut);
        f.root_sys.kind = KIND_PENCABUTAN;
        add_pencabutan(&f.root_sys, fx->desa, &cut, 1, &b);
        add_text(&f.desa_news, &b); /* seq 3 */
        add_text(&f.desa_asp, &b);  /* another feed: cutoff 0 */
        ingest(fx, &b);
        assert_int_equal(b.res[0], 0);
        assert_int_equal(b.res[1], ERR_REVOKED);
        assert_int_equal(b.res[2], ERR_REVOKED);
        assert_int_equal(head_of(fx, f.desa_news.id), 2);
        batch_reset(&b);
}

static void
revocation_before_entries_in_one_batch(void **state)
{
        struct fx *fx = *state;
        struct revoke_feed cut;
        struct batch b;
        struct feeds f;
        bool revoked;

        memset(&b, 0, sizeof(b));
        feeds_init(fx, &f);
        enrol_all(fx, &f, &b);
        memset(&cut, 0, sizeof(cut));
        memcpy(cut.feed, f.desa_news.id, ENTRY_HASH_BYTES);
        cut.last_seq = 1;
        next_id(&f.desa_news, cut.last_id);
        f.root_sys.kind = KIND_PENCABUTAN;
        add_pencabutan(&f.root_sys, fx->desa, &cut, 1, &b);
        add_text(&f.desa_news, &b);
        add_text(&f.desa_news, &b);
        ingest(fx, &b);
        assert_int_equal(b.res[3], 0);
        assert_int_equal(b.res[4], ERR_REVOKED);
        assert_int_equal(replica_revoked(&fx->r, fx->desa->pk, &revoked), 0);
        assert_true(revoked);
        assert_int_equal(replica_revoked(&fx->r, fx->kec->pk, &revoked), 0);
        assert_false(revoked);
        batch_reset(&b);
}

/* An author whose standing the batch has looked up already, revoked
 * later in the same batch: its entries after the revocation are refused
 * (what the commit knew of it before does not stand). */
static void
revocation_mid_batch(void **state)
{
        struct fx *fx = *state;
        struct revoke_feed cut;
        struct batch b;
        struct feeds f;

        memset(&b, 0, sizeof(b));
        feeds_init(fx, &f);
        enrol_all(fx, &f, &b);
        add_text(&f.desa_news, &b);
        ingest(fx, &b);
        assert_int_equal(b.st.stored, 3);
        batch_reset(&b);
        add_text(&f.desa_news, &b); /* seq 2: the desa stands */
        cut_here(&f.desa_news, &cut);
        f.root_sys.kind = KIND_PENCABUTAN;
        add_pencabutan(&f.root_sys, fx->desa, &cut, 1, &b);
        add_text(&f.desa_news, &b); /* seq 3: past the cutoff */
        add_text(&f.desa_asp, &b);  /* a feed not listed */
        ingest(fx, &b);
        assert_int_equal(b.res[0], 0);
        assert_int_equal(b.res[1], 0);
        assert_int_equal(b.res[2], ERR_REVOKED);
        assert_int_equal(b.res[3], ERR_REVOKED);
        assert_int_equal(head_of(fx, f.desa_news.id), 2);
        batch_reset(&b);
}

/* The revocation of node held by the store of r, decoded into p. */
static void
held_revocation_of(struct replica *r, const struct key *node,
                   struct pencabutan *p, struct buf *held)
{
        struct store_txn *t;

        assert_int_equal(store_begin(r->store, false, &t), 0);
        assert_int_equal(store_revocation_get(t, node->pk, held), 0);
        store_abort(t);
        assert_int_equal(wire_pencabutan_decode(buf_slice(held), p), 0);
}

static void
revocations_merge(void **state)
{
        struct fx *fx = *state;
        struct revoke_feed a[2], c[1];
        struct buf held = BUF_INIT;
        struct pencabutan p;
        struct batch b;
        struct feeds f;

        memset(&b, 0, sizeof(b));
        memset(a, 0, sizeof(a));
        memset(c, 0, sizeof(c));
        feeds_init(fx, &f);
        a[0].feed[0] = 1;
        a[0].last_seq = 5;
        a[0].last_id[0] = 0x55;
        a[1].feed[0] = 2;
        a[1].last_seq = 3;
        c[0].feed[0] = 1;
        c[0].last_seq = 9;
        c[0].last_id[0] = 0x99;
        f.root_sys.kind = KIND_PENCABUTAN;
        add_pencabutan(&f.root_sys, fx->desa, a, 2, &b);
        add_pencabutan(&f.root_sys, fx->desa, c, 1, &b);
        ingest(fx, &b);
        assert_int_equal(b.st.stored, 2);
        held_revocation_of(&fx->r, fx->desa, &p, &held);
        assert_int_equal(p.n_feeds, 1); /* feed 2 is in one only: cutoff 0 */
        assert_int_equal(p.feeds[0].feed[0], 1);
        assert_int_equal(p.feeds[0].last_seq, 5);      /* the smaller */
        assert_int_equal(p.feeds[0].last_id[0], 0x55); /* with its id */
        wire_pencabutan_release(&p);
        buf_release(&held);
        batch_reset(&b);
}

/*
 * Three revocations of one feed, (4, id 0x20), (4, id 0x10), (6, id 0x05),
 * stored in each of the six orders in a fresh store (one by one, as they
 * would arrive from different issuers): every store holds the same
 * merged bytes, (4, id 0x10). At equal seq the smaller id stays.
 */
static void
revocations_merge_any_order(void **state)
{
        static const size_t orders[6][3] = {{0, 1, 2}, {0, 2, 1}, {1, 0, 2},
                                            {1, 2, 0}, {2, 0, 1}, {2, 1, 0}};
        static const struct {
                uint64_t seq;
                uint8_t id;
        } cuts[3] = {{4, 0x20}, {4, 0x10}, {6, 0x05}};
        struct fx *fx = *state;
        struct buf first = BUF_INIT, held = BUF_INIT;
        struct pencabutan p;

        for (size_t o = 0; o < ARRAY_LEN(orders); o++) {
                struct replica r = fx->r;
                struct revoke_feed cut;
                struct feedw root_sys;
                char dir[160];

                snprintf(dir, sizeof(dir), "%s/order%zu", fx->tmp, o);
                assert_int_equal(store_open(&r.store, dir, NULL), 0);
                feedw_init(&root_sys, fx->root, NET_REGION, "tree:" NET_REGION,
                           KIND_PENCABUTAN);
                for (size_t i = 0; i < 3; i++) {
                        struct batch b;
                        memset(&b, 0, sizeof(b));
                        memset(&cut, 0, sizeof(cut));
                        cut.feed[0] = 1;
                        cut.last_seq = cuts[orders[o][i]].seq;
                        memset(cut.last_id, cuts[orders[o][i]].id,
                               ENTRY_HASH_BYTES);
                        add_pencabutan(&root_sys, fx->desa, &cut, 1, &b);
                        assert_int_equal(
                            replica_ingest(&r, b.s, b.n, "test", b.res, &b.st),
                            0);
                        assert_int_equal(b.res[0], 0);
                        batch_reset(&b);
                }
                held_revocation_of(&r, fx->desa, &p, &held);
                assert_int_equal(p.n_feeds, 1);
                assert_int_equal(p.feeds[0].last_seq, 4);
                assert_int_equal(p.feeds[0].last_id[0], 0x10);
                wire_pencabutan_release(&p);
                if (o == 0)
                        buf_add(&first, held.data, held.len);
                else
                        assert_true(
                            slice_eq(buf_slice(&held), buf_slice(&first)));
                store_close(r.store);
        }
        buf_release(&first);
        buf_release(&held);
}

/*
 * A stolen key writes another entry at the cutoff seq: refused
 * NODE-REVOKED by a node that holds the real one (not FEED-FORK: no proof
 * of the thief's making is stored, the feed stays open), by a node that
 * holds the feed up to seq - 1 (not stored as if it were the cutoff), and
 * by one that holds nothing of the feed yet. The real entry is accepted.
 */
static void
revocation_alternative_at_cutoff(void **state)
{
        struct fx *fx = *state;
        struct feedw thief, real;
        struct revoke_feed cut;
        struct batch b, alt, rest;
        struct feeds f;
        size_t i;

        memset(&b, 0, sizeof(b));
        memset(&alt, 0, sizeof(alt));
        memset(&rest, 0, sizeof(rest));
        feeds_init(fx, &f);
        enrol_all(fx, &f, &b);
        add_text(&f.desa_news, &b); /* seq 1 */
        ingest(fx, &b);
        batch_reset(&b);
        thief = f.desa_news;           /* a copy of the key after seq 1 */
        add_text(&f.desa_news, &rest); /* the real seq 2 */
        real = f.desa_news;
        add_titled(&thief, "Palsu", &alt); /* another seq 2 */
        add_titled(&thief, "Palsu", &alt); /* and a seq 3 on it */
        /* This node holds only seq 1 when the revocation (cutoff 2, the
         * real id) arrives. */
        cut_here(&real, &cut);
        f.root_sys.kind = KIND_PENCABUTAN;
        add_pencabutan(&f.root_sys, fx->desa, &cut, 1, &b);
        ingest(fx, &b);
        assert_int_equal(b.res[0], 0);
        batch_reset(&b);
        ingest(fx, &alt);
        assert_int_equal(alt.res[0], ERR_REVOKED);
        assert_int_equal(alt.res[1], ERR_REVOKED);
        assert_int_equal(head_of(fx, f.desa_news.id), 1);
        /* The real seq 2 is accepted; the alternative still is not, and
         * freezes nothing. */
        ingest(fx, &rest);
        assert_int_equal(rest.res[0], 0);
        for (i = 0; i < alt.n; i++)
                alt.res[i] = 0;
        ingest(fx, &alt);
        assert_int_equal(alt.res[0], ERR_REVOKED);
        assert_int_equal(head_of(fx, f.desa_news.id), 2);
        assert_int_equal(store_stats_forks(fx), 0);
        batch_reset(&alt);
        batch_reset(&rest);
}

/*
 * Below the cutoff an entry cannot be told from an alternative until the
 * cutoff entry is held: a node that holds nothing of the feed accepts the
 * thief's seq 1. The real chain arriving later (here as whole envelopes,
 * as in a bundle) is a fork of it: the proof is stored, the feed frozen,
 * and the thief's history stops below the cutoff (its seq 2 is refused
 * NODE-REVOKED, whatever the feed's state).
 */
static void
revocation_alternative_below_cutoff(void **state)
{
        struct fx *fx = *state;
        struct feedw thief;
        struct revoke_feed cut;
        struct batch b, alt, real;
        struct feeds f;

        memset(&b, 0, sizeof(b));
        memset(&alt, 0, sizeof(alt));
        memset(&real, 0, sizeof(real));
        feeds_init(fx, &f);
        enrol_all(fx, &f, &b);
        thief = f.desa_news;
        add_text(&f.desa_news, &real);
        add_text(&f.desa_news, &real); /* the real seq 1, 2 */
        add_titled(&thief, "Palsu", &alt);
        add_titled(&thief, "Palsu", &alt); /* the thief's seq 1, 2 */
        cut_here(&f.desa_news, &cut);
        f.root_sys.kind = KIND_PENCABUTAN;
        add_pencabutan(&f.root_sys, fx->desa, &cut, 1, &b);
        ingest(fx, &b);
        assert_int_equal(b.st.refused, 0);
        ingest(fx, &alt);
        assert_int_equal(alt.res[0], 0); /* below the cutoff: accepted */
        assert_int_equal(alt.res[1], ERR_REVOKED);
        ingest(fx, &real);
        assert_int_equal(real.res[0], ERR_FORK);
        assert_int_equal(real.res[1], ERR_FROZEN);
        assert_int_equal(store_stats_forks(fx), 1);
        assert_int_equal(head_of(fx, f.desa_news.id), 1);
        batch_reset(&b);
        batch_reset(&alt);
        batch_reset(&real);
}

static void
delegated_revocation(void **state)
{
        struct fx *fx = *state;
        struct feedw kec_rev, saved;
        struct batch b;
        struct feeds f;

        memset(&b, 0, sizeof(b));
        feeds_init(fx, &f);
        enrol_all(fx, &f, &b);
        kec_rev = f.kec_sys;
        kec_rev.kind = KIND_PENCABUTAN;
        feed_id_compute(kec_rev.id, fx->kec->pk, KEC, &kec_rev.aud, 0);
        saved = kec_rev;
        /* Unknown node: the kecamatan cannot tell it is in its subtree. */
        add_pencabutan(&kec_rev, fx->desa2, NULL, 0, &b);
        ingest(fx, &b);
        assert_int_equal(b.res[2], ERR_NOT_ISSUER);
        batch_reset(&b);
        kec_rev = saved; /* that entry was not stored: write seq 2 again */
        add_pencabutan(&kec_rev, fx->desa, NULL, 0, &b);
        ingest(fx, &b);
        assert_int_equal(b.res[0], 0);
        batch_reset(&b);
}

/* ---- which certificate is held (MEMBERSHIP.md §4.3) -------------------- */

#define KEC2 "36.04.05"

/* A certificate as presented at a handshake: [cert, issuer_cert | nil]. */
struct presented {
        struct buf cert, ic;
};

/*
 * Presents certs[order[0..n-1]] to a fresh store, as handshakes would (no
 * time check), then copies the certificate held for subject into held
 * (left empty if none is held). Returns how many were CERT-CONFLICT.
 */
static unsigned
held_after(struct fx *fx, const struct presented *certs, const size_t *order,
           size_t n, const struct key *subject, struct buf *held)
{
        static unsigned stores;
        struct replica r = fx->r;
        struct store_txn *t;
        struct cert_info c;
        unsigned conflicts = 0;
        char dir[128];
        int err;

        snprintf(dir, sizeof(dir), "%s/held%u", fx->tmp, stores++);
        assert_int_equal(store_open(&r.store, dir, NULL), 0);
        for (size_t i = 0; i < n; i++) {
                const struct presented *p = &certs[order[i]];
                struct cert_info pc;

                assert_int_equal(cert_parse(buf_slice(&p->cert), &pc), 0);
                err = replica_check_peer(&r, pc.node_pk, buf_slice(&p->cert),
                                         p->ic.len ? buf_slice(&p->ic) : nil(),
                                         NULL, &c);
                assert_true(err == 0 || err == ERR_CERT_CONFLICT);
                conflicts += err == ERR_CERT_CONFLICT;
        }
        assert_int_equal(store_begin(r.store, false, &t), 0);
        err = store_cert_get(t, subject->pk, held);
        if (err == ERR_NOT_FOUND)
                buf_reset(held);
        else
                assert_int_equal(err, 0);
        store_abort(t);
        store_close(r.store);
        return conflicts;
}

/* Every order of the n certificates holds want (NULL: none held). */
static void
held_in_every_order(struct fx *fx, const struct presented *certs, size_t n,
                    const struct key *subject, const struct buf *want)
{
        size_t order[4], c[4] = {0}, i = 1;
        struct buf held = BUF_INIT;

        assert_true(n <= 4);
        for (size_t k = 0; k < n; k++)
                order[k] = k;
        /* Heap's algorithm: every permutation of order. */
        for (;;) {
                held_after(fx, certs, order, n, subject, &held);
                if (want)
                        assert_true(
                            slice_eq(buf_slice(&held), buf_slice(want)));
                else
                        assert_int_equal(held.len, 0);
                while (i < n && c[i] >= i)
                        c[i++] = 0;
                if (i >= n)
                        break;
                size_t j = i % 2 ? c[i] : 0, tmp = order[j];
                order[j] = order[i];
                order[i] = tmp;
                c[i]++;
                i = 1;
        }
        buf_release(&held);
}

static void
presented_release(struct presented *p, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                buf_release(&p[i].cert);
                buf_release(&p[i].ic);
        }
}

/*
 * The take-over of MEMBERSHIP.md §4.3: a second delegated issuer (kec2)
 * certifies keys it did not enrol. It cannot re-bind a key the root
 * certified; against another issuer's desa it makes a conflict (no
 * certificate held) that only the root resolves; the first issuer may
 * renew. The same in every arrival order.
 */
static void
held_cert_rule(void **state)
{
        struct fx *fx = *state;
        struct buf kec2_cert = BUF_INIT;
        enum { A, A2, B, R, N };
        struct presented p[N], k[2];
        struct buf held = BUF_INIT;
        size_t order[2] = {0, 1};

        memset(p, 0, sizeof(p));
        memset(k, 0, sizeof(k));
        cert_of(&fx->r.network, fx->root, fx->other, KEC2, CERT_FLAG_ISSUER, T0,
                T0 + YEAR_MS, &kec2_cert);
        cert_of(&fx->r.network, fx->kec, fx->desa, DESA, 0, T0, T0 + YEAR_MS,
                &p[A].cert);
        buf_add(&p[A].ic, fx->kec_cert.data, fx->kec_cert.len);
        cert_of(&fx->r.network, fx->kec, fx->desa, DESA, 0, T0,
                T0 + 2 * YEAR_MS, &p[A2].cert);
        buf_add(&p[A2].ic, fx->kec_cert.data, fx->kec_cert.len);
        /* kec2's, with a far later validity: "the later wins" would let
         * it take the key. */
        cert_of(&fx->r.network, fx->other, fx->desa, OTHER_DESA, 0, T0,
                T0 + 50 * YEAR_MS, &p[B].cert);
        buf_add(&p[B].ic, kec2_cert.data, kec2_cert.len);
        cert_of(&fx->r.network, fx->root, fx->desa, DESA, 0, T0 + 5,
                T0 + YEAR_MS, &p[R].cert);

        /* A renewal by the same issuer: the newer is held. */
        held_in_every_order(fx, p, 2, fx->desa, &p[A2].cert);
        /* Two issuers: none is held, whatever the order ... */
        struct presented ab[3] = {p[A], p[B], p[A2]};
        held_in_every_order(fx, ab, 2, fx->desa, NULL);
        held_in_every_order(fx, ab, 3, fx->desa, NULL);
        /* ... until the root certifies the key. */
        struct presented abr[4] = {p[A], p[B], p[A2], p[R]};
        held_in_every_order(fx, abr, 4, fx->desa, &p[R].cert);
        struct presented rb[2] = {p[R], p[B]};
        held_in_every_order(fx, rb, 2, fx->desa, &p[R].cert);

        /* The kecamatan's own key (root-certified): kec2 cannot take it. */
        buf_add(&k[0].cert, fx->kec_cert.data, fx->kec_cert.len);
        cert_of(&fx->r.network, fx->other, fx->kec, OTHER_DESA, 0, T0,
                T0 + 50 * YEAR_MS, &k[1].cert);
        buf_add(&k[1].ic, kec2_cert.data, kec2_cert.len);
        held_in_every_order(fx, k, 2, fx->kec, &fx->kec_cert);
        /* Presented after the root's, kec2's is refused; before it, it
         * is held only until the root's arrives. */
        assert_int_equal(held_after(fx, k, order, 2, fx->kec, &held), 1);
        order[0] = 1;
        order[1] = 0;
        assert_int_equal(held_after(fx, k, order, 2, fx->kec, &held), 0);
        assert_true(slice_eq(buf_slice(&held), buf_slice(&fx->kec_cert)));

        presented_release(p, N);
        presented_release(k, 2);
        buf_release(&kec2_cert);
        buf_release(&held);
}

/* The same rule on received sertifikat entries: the conflicting entry is
 * stored (evidence against its issuer), the desa is quarantined, and the
 * root's certificate restores it; the kecamatan is never touched. */
static void
sertifikat_conflict(void **state)
{
        struct fx *fx = *state;
        struct buf kec2_cert = BUF_INIT, evil = BUF_INIT, evil_kec = BUF_INIT,
                   root_desa = BUF_INIT, a = BUF_INIT, c = BUF_INIT;
        struct feedw kec2_sys, kec_news;
        struct store_txn *t;
        struct batch b;
        struct feeds f;

        memset(&b, 0, sizeof(b));
        feeds_init(fx, &f);
        feedw_init(&kec2_sys, fx->other, KEC2, "tree:" NET_REGION,
                   KIND_SERTIFIKAT);
        feedw_init(&kec_news, fx->kec, KEC, "tree:" KEC, KIND_INFORMASI);
        cert_of(&fx->r.network, fx->root, fx->other, KEC2, CERT_FLAG_ISSUER, T0,
                T0 + YEAR_MS, &kec2_cert);
        cert_of(&fx->r.network, fx->other, fx->desa, OTHER_DESA, 0, T0,
                T0 + 50 * YEAR_MS, &evil);
        cert_of(&fx->r.network, fx->other, fx->kec, OTHER_DESA, 0, T0,
                T0 + 50 * YEAR_MS, &evil_kec);
        enrol_all(fx, &f, &b);
        add_sertifikat(&f.root_sys, buf_slice(&kec2_cert), nil(), &b);
        add_sertifikat(&kec2_sys, buf_slice(&evil), buf_slice(&kec2_cert), &b);
        add_sertifikat(&kec2_sys, buf_slice(&evil_kec), buf_slice(&kec2_cert),
                       &b);
        add_text(&f.desa_news, &b);
        add_text(&kec_news, &b);
        ingest(fx, &b);
        for (size_t i = 0; i < 5; i++)
                assert_int_equal(b.res[i], 0);          /* evidence is kept */
        assert_int_equal(b.res[5], ERR_UNKNOWN_AUTHOR); /* quarantined */
        assert_int_equal(b.res[6], 0); /* the kecamatan keeps its key */
        assert_int_equal(store_begin(fx->s, false, &t), 0);
        assert_int_equal(store_cert_conflict_get(t, fx->desa->pk, &a, &c), 0);
        assert_true(slice_eq(buf_slice(&c), buf_slice(&evil)));
        store_abort(t);
        batch_reset(&b);

        /* A sertifikat posted by another key than its issuer is refused. */
        cert_of(&fx->r.network, fx->root, fx->desa, DESA, 0, T0 + 5,
                T0 + YEAR_MS, &root_desa);
        add_sertifikat(&f.kec_sys, buf_slice(&root_desa), nil(), &b);
        ingest(fx, &b);
        assert_int_equal(b.res[0], ERR_NOT_ISSUER);
        batch_reset(&b);
        f.kec_sys.seq--;

        /* The root decides: the desa writes again. */
        add_sertifikat(&f.root_sys, buf_slice(&root_desa), nil(), &b);
        f.desa_news.seq--; /* the refused entry again */
        add_text(&f.desa_news, &b);
        ingest(fx, &b);
        assert_int_equal(b.res[0], 0);
        assert_int_equal(b.res[1], 0);
        batch_reset(&b);

        buf_release(&kec2_cert);
        buf_release(&evil);
        buf_release(&evil_kec);
        buf_release(&root_desa);
        buf_release(&a);
        buf_release(&c);
}

/* A known clock reading now_ms (floor 0). */
static const struct cert_clock *
clock_at(uint64_t now_ms)
{
        static struct cert_clock k;

        k.now_ms = now_ms;
        k.floor_ms = 0;
        return &k;
}

/* ---- the handshake's check
 * -------------------------------------------------------------- */

static void
check_peer(void **state)
{
        struct fx *fx = *state;
        struct slice d = buf_slice(&fx->desa_cert),
                     k = buf_slice(&fx->kec_cert);
        struct buf held = BUF_INIT;
        struct cert_info c;

        assert_int_equal(replica_check_peer(&fx->r, fx->desa->pk, d, k,
                                            clock_at(T0 + 5), &c),
                         0);
        assert_string_equal(c.region, DESA);
        assert_int_equal(replica_peer_cert(&fx->r, fx->desa->pk, &held), 0);
        assert_true(slice_eq(buf_slice(&held), d));
        assert_int_equal(
            replica_check_peer(&fx->r, fx->desa2->pk, d, k, NULL, &c),
            ERR_CERT);
        assert_int_equal(replica_check_peer(&fx->r, fx->desa->pk, d, k,
                                            clock_at(T0 + 2 * YEAR_MS), &c),
                         ERR_CERT_EXPIRED);
        assert_int_equal(
            replica_check_peer(&fx->r, fx->desa->pk, d, nil(), NULL, &c),
            ERR_CERT);
        fx->r.has_network = false;
        assert_int_equal(
            replica_check_peer(&fx->r, fx->desa->pk, d, k, NULL, &c),
            ERR_NOT_ENROLLED);
        buf_release(&held);
}

/*
 * MEMBERSHIP.md §4.2 Time: a clock reading before the node's floor is
 * unknown; then only an expiry before the floor is judged (the true time
 * is later), never the start of a period or a later expiry.
 */
static void
clock_unknown(void **state)
{
        struct cert_info c;
        static const struct {
                uint64_t now, floor;
                bool known;
                int want;
        } cases[] = {
            {T0 + 5, 0, true, 0},
            {T0 - 1, 0, true, ERR_CERT_EXPIRED},
            {T0 + YEAR_MS, 0, true, ERR_CERT_EXPIRED},
            {T0 + 5, T0, true, 0},
            {T0 + YEAR_MS, T0 + 10, true, ERR_CERT_EXPIRED},
            /* 1970: the period started and has not ended by the floor */
            {42000, T0 + 10, false, 0},
            {42000, CERT_CLOCK_MIN_MS, false, 0},
            /* 1970, and it had ended by the floor: refused */
            {42000, T0 + YEAR_MS, false, ERR_CERT_EXPIRED},
            {42000, T0 + 2 * YEAR_MS, false, ERR_CERT_EXPIRED},
            /* after 2024 but before the floor: "not yet valid" is not
             * judged by a clock known to be wrong */
            {T0 - 86400000ULL, T0 + 10, false, 0},
            {T0 - 86400000ULL, T0 + YEAR_MS, false, ERR_CERT_EXPIRED},
        };

        (void)state;
        memset(&c, 0, sizeof(c));
        c.valid_from_ms = T0;
        c.valid_until_ms = T0 + YEAR_MS;
        for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
                struct cert_clock k = {cases[i].now, cases[i].floor};
                if (cert_clock_known(&k) != cases[i].known)
                        fail_msg("case %zu: known %d, want %d", i,
                                 cert_clock_known(&k), cases[i].known);
                if (cert_check_clock(&c, &k) != cases[i].want)
                        fail_msg("case %zu: %s, want %s", i,
                                 err_id(cert_check_clock(&c, &k)),
                                 err_id(cases[i].want));
        }
}

/* The handshake's check with an unknown clock: a peer whose certificate
 * (or its issuer's) expired before the floor is refused; a valid one is
 * accepted even when the wrong clock reads before its start. */
static void
check_peer_unknown_clock(void **state)
{
        struct fx *fx = *state;
        struct slice d = buf_slice(&fx->desa_cert),
                     k = buf_slice(&fx->kec_cert);
        struct buf short_kec = BUF_INIT;
        struct cert_info c;
        struct cert_clock boot = {42000, T0 + 2 * YEAR_MS},
                          early = {T0 - 86400000ULL, T0 + 10},
                          past_issuer = {42000, T0 + 5000};

        /* Before: a clock before 2024 skipped the check (now 0) and let
         * this expired certificate through. */
        assert_int_equal(
            replica_check_peer(&fx->r, fx->desa->pk, d, k, &boot, &c),
            ERR_CERT_EXPIRED);
        /* Before: a clock after 2024 but before the network refused every
         * peer as not yet valid. */
        assert_int_equal(
            replica_check_peer(&fx->r, fx->desa->pk, d, k, &early, &c), 0);
        cert_of(&fx->r.network, fx->root, fx->kec, KEC, CERT_FLAG_ISSUER, T0,
                T0 + 1000, &short_kec);
        assert_int_equal(replica_check_peer(&fx->r, fx->desa->pk, d,
                                            buf_slice(&short_kec), &past_issuer,
                                            &c),
                         ERR_CERT_EXPIRED);
        past_issuer.floor_ms = T0 + 999;
        assert_int_equal(replica_check_peer(&fx->r, fx->desa->pk, d,
                                            buf_slice(&short_kec), &past_issuer,
                                            &c),
                         0);
        buf_release(&short_kec);
}

static void
check_peer_revoked(void **state)
{
        struct fx *fx = *state;
        struct slice k = buf_slice(&fx->kec_cert);
        struct buf desa2 = BUF_INIT;
        struct cert_info c;
        struct batch b;
        struct feeds f;

        memset(&b, 0, sizeof(b));
        feeds_init(fx, &f);
        enrol_all(fx, &f, &b);
        f.root_sys.kind = KIND_PENCABUTAN;
        add_pencabutan(&f.root_sys, fx->kec, NULL, 0, &b);
        ingest(fx, &b);
        assert_int_equal(b.st.stored, 3);
        /* The revoked kecamatan itself. */
        assert_int_equal(
            replica_check_peer(&fx->r, fx->kec->pk, k, nil(), NULL, &c),
            ERR_REVOKED);
        /* What it certified before (held from its feed) stays valid ... */
        assert_int_equal(replica_check_peer(&fx->r, fx->desa->pk,
                                            buf_slice(&fx->desa_cert), k, NULL,
                                            &c),
                         0);
        /* ... a certificate it made afterwards does not. */
        cert_of(&fx->r.network, fx->kec, fx->desa2, DESA2, 0, T0, T0 + YEAR_MS,
                &desa2);
        assert_int_equal(replica_check_peer(&fx->r, fx->desa2->pk,
                                            buf_slice(&desa2), k, NULL, &c),
                         ERR_REVOKED);
        buf_release(&desa2);
        batch_reset(&b);
}

/*
 * A link's peer re-checked after its handshake, against the store now
 * (the daemon does it whenever the store changed): the revoked key falls,
 * a node whose held certificate its revoked issuer made before the cutoff
 * stands, one presenting another certificate of that issuer falls.
 */
static void
peer_standing_after_revocation(void **state)
{
        struct fx *fx = *state;
        uint8_t kec_h[ENTRY_HASH_BYTES], desa_h[ENTRY_HASH_BYTES],
            other_h[ENTRY_HASH_BYTES];
        struct batch b;
        struct feeds f;

        memset(&b, 0, sizeof(b));
        feeds_init(fx, &f);
        hash_bytes(kec_h, buf_slice(&fx->kec_cert));
        hash_bytes(desa_h, buf_slice(&fx->desa_cert));
        memset(other_h, 0x5a, sizeof(other_h));
        enrol_all(fx, &f, &b);
        ingest(fx, &b);
        batch_reset(&b);
        assert_int_equal(
            replica_peer_standing(&fx->r, fx->kec->pk, fx->root->pk, kec_h), 0);
        assert_int_equal(
            replica_peer_standing(&fx->r, fx->desa->pk, fx->kec->pk, desa_h),
            0);
        f.root_sys.kind = KIND_PENCABUTAN;
        add_pencabutan(&f.root_sys, fx->kec, NULL, 0, &b);
        ingest(fx, &b);
        assert_int_equal(b.res[0], 0);
        assert_int_equal(
            replica_peer_standing(&fx->r, fx->kec->pk, fx->root->pk, kec_h),
            ERR_REVOKED);
        assert_int_equal(
            replica_peer_standing(&fx->r, fx->desa->pk, fx->kec->pk, desa_h),
            0);
        assert_int_equal(
            replica_peer_standing(&fx->r, fx->desa->pk, fx->kec->pk, other_h),
            ERR_REVOKED);
        /* Without a network nothing is checked. */
        fx->r.has_network = false;
        assert_int_equal(
            replica_peer_standing(&fx->r, fx->kec->pk, fx->root->pk, kec_h), 0);
        batch_reset(&b);
}

static void
post_as_root_and_not_enrolled(void **state)
{
        struct fx *fx = *state;
        struct buf body = BUF_INIT;
        struct post p;
        uint8_t id[ENTRY_HASH_BYTES];

        memset(&p, 0, sizeof(p));
        assert_int_equal(audience_parse(&p.audience, "tree:" NET_REGION), 0);
        p.kind = KIND_SERTIFIKAT;
        wire_sertifikat_encode(buf_slice(&fx->kec_cert), nil(), &body);
        p.body = buf_slice(&body);
        assert_int_equal(
            replica_post_as(&fx->r, fx->root, NET_REGION, &p, 1, id), 0);
        /* This node's own key (kab) has no certificate yet. */
        buf_reset(&body);
        {
                struct body_field fl[] = {{"title", "Rapat", 0},
                                          {"text", "", 0}};
                wire_body_build(fl, 2, &body);
        }
        p.kind = KIND_INFORMASI;
        p.body = buf_slice(&body);
        assert_int_equal(replica_post(&fx->r, &p, 1, id), ERR_NOT_ENROLLED);
        buf_release(&body);
}

/* ---- golden vectors
 * ------------------------------------------------------------------------ */

static void
hex_set(json_t *o, const char *key, const uint8_t *p, size_t n)
{
        char *hex = xmalloc(2 * n + 1);

        hex_encode(hex, p, n);
        json_object_set_new(o, key, json_string(hex));
        free(hex);
}

static void
seed_hex_set(json_t *o, const char *key, uint8_t seed)
{
        uint8_t s[KEY_SEED_BYTES];

        memset(s, seed, sizeof(s));
        hex_set(o, key, s, sizeof(s));
}

static json_t *
vec_network(const struct network *net, const struct key *root)
{
        struct buf desc = BUF_INIT, line = BUF_INIT;
        json_t *o = json_object();

        wire_network_encode(&net->desc, &desc);
        text_encode(TEXT_NETWORK_PREFIX, buf_slice(&desc), &line);
        seed_hex_set(o, "root_seed_hex", ROOT);
        hex_set(o, "root_public_key_hex", root->pk, ENTRY_KEY_BYTES);
        json_object_set_new(o, "region", json_string(net->desc.region));
        json_object_set_new(o, "name", json_string(net->desc.name));
        hex_set(o, "descriptor_hex", desc.data, desc.len);
        hex_set(o, "network_id_hex", net->id, ENTRY_HASH_BYTES);
        json_object_set_new(o, "line", json_string((char *)line.data));
        buf_release(&desc);
        buf_release(&line);
        return o;
}

static json_t *
vec_request(const struct key *k)
{
        struct buf bytes = BUF_INIT, line = BUF_INIT;
        struct slice b, sig;
        struct enroll_req rq;
        json_t *o = json_object();

        memset(&rq, 0, sizeof(rq));
        strcpy(rq.region, DESA);
        strcpy(rq.name, "KIM Sukanegara");
        request_sign(k, &rq, &bytes);
        assert_int_equal(
            wire_signed_decode(buf_slice(&bytes), REQUEST_MAX, &b, &sig), 0);
        text_encode(TEXT_REQUEST_PREFIX, buf_slice(&bytes), &line);
        seed_hex_set(o, "seed_hex", DESA_KEY);
        hex_set(o, "public_key_hex", k->pk, ENTRY_KEY_BYTES);
        json_object_set_new(o, "region", json_string(rq.region));
        json_object_set_new(o, "node_name", json_string(rq.name));
        hex_set(o, "body_hex", b.ptr, b.len);
        hex_set(o, "signature_hex", sig.ptr, sig.len);
        hex_set(o, "request_hex", bytes.data, bytes.len);
        json_object_set_new(o, "line", json_string((char *)line.data));
        buf_release(&bytes);
        buf_release(&line);
        return o;
}

/* One certificate case: its inputs, bytes, bundle and line. */
static json_t *
vec_cert(const char *name, const struct network *net, uint8_t issuer_seed,
         uint8_t subject_seed, const char *region, uint32_t flags,
         const char *issuer_case, struct slice issuer_cert, struct buf *cert)
{
        struct key *issuer = test_key(issuer_seed),
                   *subject = test_key(subject_seed);
        struct buf desc = BUF_INIT, bundle = BUF_INIT, line = BUF_INIT;
        char name_field[CERT_NAME_BUF];
        struct slice b, sig;
        json_t *o = json_object();

        cert_of(net, issuer, subject, region, flags, T0, T0 + YEAR_MS, cert);
        assert_int_equal(
            wire_signed_decode(buf_slice(cert), CERT_MAX, &b, &sig), 0);
        wire_network_encode(&net->desc, &desc);
        wire_cert_bundle_encode(buf_slice(&desc), buf_slice(cert), issuer_cert,
                                &bundle);
        text_encode(TEXT_CERT_PREFIX, buf_slice(&bundle), &line);
        json_object_set_new(o, "case", json_string(name));
        seed_hex_set(o, "issuer_seed_hex", issuer_seed);
        seed_hex_set(o, "subject_seed_hex", subject_seed);
        hex_set(o, "node_public_key_hex", subject->pk, ENTRY_KEY_BYTES);
        json_object_set_new(o, "region", json_string(region));
        snprintf(name_field, sizeof(name_field), "KIM %s", region);
        json_object_set_new(o, "node_name", json_string(name_field));
        json_object_set_new(o, "valid_from_ms", json_integer((json_int_t)T0));
        json_object_set_new(o, "valid_until_ms",
                            json_integer((json_int_t)(T0 + YEAR_MS)));
        json_object_set_new(o, "flags", json_integer(flags));
        json_object_set_new(o, "issuer_cert",
                            issuer_case ? json_string(issuer_case)
                                        : json_null());
        hex_set(o, "body_hex", b.ptr, b.len);
        hex_set(o, "signature_hex", sig.ptr, sig.len);
        hex_set(o, "cert_hex", cert->data, cert->len);
        hex_set(o, "bundle_hex", bundle.data, bundle.len);
        json_object_set_new(o, "line", json_string((char *)line.data));
        key_free(issuer);
        key_free(subject);
        buf_release(&desc);
        buf_release(&bundle);
        buf_release(&line);
        return o;
}

static json_t *
vec_pencabutan(const struct key *desa)
{
        struct revoke_feed feeds[2];
        struct buf pb = BUF_INIT;
        struct pencabutan p;
        json_t *o = json_object(), *fl = json_array(), *it;

        memset(feeds, 0, sizeof(feeds));
        memset(feeds[0].feed, 0xaa, ENTRY_HASH_BYTES);
        feeds[0].last_seq = 2;
        memset(feeds[0].last_id, 0xa2, ENTRY_HASH_BYTES);
        memset(feeds[1].feed, 0xbb, ENTRY_HASH_BYTES);
        feeds[1].last_seq = 300;
        memset(feeds[1].last_id, 0xb3, ENTRY_HASH_BYTES);
        memset(&p, 0, sizeof(p));
        memcpy(p.node, desa->pk, ENTRY_KEY_BYTES);
        p.feeds = feeds;
        p.n_feeds = 2;
        p.reason = slice_cstr("perangkat hilang");
        wire_pencabutan_encode(&p, &pb);
        hex_set(o, "node_hex", desa->pk, ENTRY_KEY_BYTES);
        for (size_t i = 0; i < 2; i++) {
                it = json_object();
                hex_set(it, "feed_hex", feeds[i].feed, ENTRY_HASH_BYTES);
                json_object_set_new(
                    it, "last_seq",
                    json_integer((json_int_t)feeds[i].last_seq));
                hex_set(it, "last_id_hex", feeds[i].last_id, ENTRY_HASH_BYTES);
                json_array_append_new(fl, it);
        }
        json_object_set_new(o, "feeds", fl);
        json_object_set_new(o, "reason", json_string("perangkat hilang"));
        hex_set(o, "body_hex", pb.data, pb.len);
        buf_release(&pb);
        return o;
}

static json_t *
vec_bodies(struct slice desa_cert, struct slice kec_cert,
           const struct key *desa)
{
        struct buf sb = BUF_INIT;
        json_t *o = json_object(), *sert = json_object();

        wire_sertifikat_encode(desa_cert, kec_cert, &sb);
        json_object_set_new(sert, "cert", json_string("desa-delegated"));
        json_object_set_new(sert, "issuer_cert",
                            json_string("kecamatan-issuer"));
        hex_set(sert, "body_hex", sb.data, sb.len);
        json_object_set_new(o, "sertifikat", sert);
        json_object_set_new(o, "pencabutan", vec_pencabutan(desa));
        buf_release(&sb);
        return o;
}

/* Everything in membership.json, rebuilt from the fixed inputs. */
static json_t *
vectors_build(void)
{
        struct key *root = test_key(ROOT), *desa = test_key(DESA_KEY);
        struct buf kec = BUF_INIT, d = BUF_INIT;
        struct network net;
        json_t *v = json_object(), *certs = json_array();

        network_of(&net, root, NET_REGION);
        json_object_set_new(v, "note",
                            json_string("proto/MEMBERSHIP.md; Ed25519 seeds "
                                        "are 32 copies of one byte; see "
                                        "README.md"));
        json_object_set_new(v, "network", vec_network(&net, root));
        json_object_set_new(v, "request", vec_request(desa));
        json_array_append_new(certs, vec_cert("kecamatan-issuer", &net, ROOT,
                                              KEC_KEY, KEC, CERT_FLAG_ISSUER,
                                              NULL, nil(), &kec));
        json_array_append_new(
            certs, vec_cert("desa-delegated", &net, KEC_KEY, DESA_KEY, DESA, 0,
                            "kecamatan-issuer", buf_slice(&kec), &d));
        json_object_set_new(v, "certs", certs);
        json_object_set_new(v, "bodies",
                            vec_bodies(buf_slice(&d), buf_slice(&kec), desa));
        key_free(root);
        key_free(desa);
        buf_release(&kec);
        buf_release(&d);
        return v;
}

static void
json_expect_equal(const char *path, json_t *want, json_t *got)
{
        const char *key;
        json_t *w;
        char sub[256];

        if (json_is_object(want)) {
                assert_true(json_is_object(got));
                assert_int_equal(json_object_size(want), json_object_size(got));
                json_object_foreach(want, key, w)
                {
                        snprintf(sub, sizeof(sub), "%s.%s", path, key);
                        json_expect_equal(sub, w, json_object_get(got, key));
                }
        } else if (json_is_array(want)) {
                assert_int_equal(json_array_size(want), json_array_size(got));
                for (size_t i = 0; i < json_array_size(want); i++) {
                        snprintf(sub, sizeof(sub), "%s[%zu]", path, i);
                        json_expect_equal(sub, json_array_get(want, i),
                                          json_array_get(got, i));
                }
        } else if (!json_equal(want, got)) {
                char *a = json_dumps(want, JSON_ENCODE_ANY);
                char *b = json_dumps(got, JSON_ENCODE_ANY);
                fail_msg("%s: file has %s, rebuilt %s", path, a, b ? b : "?");
        }
}

static void
vectors_match(void **state)
{
        json_error_t jerr;
        json_t *file, *built;
        struct network net;
        struct buf bytes = BUF_INIT;
        struct cert_info c;
        const char *line;

        (void)state;
        assert_int_equal(entry_lib_init(), 0);
        file = json_load_file(VECTORS, 0, &jerr);
        if (!file)
                fail_msg("%s:%d: %s", VECTORS, jerr.line, jerr.text);
        built = vectors_build();
        json_expect_equal("membership", file, built);
        /* The lines decode back and the certificates verify. */
        line = json_string_value(json_object_get(
            json_array_get(json_object_get(file, "certs"), 1), "line"));
        assert_int_equal(text_decode(TEXT_CERT_PREFIX, slice_cstr(line),
                                     CERT_BUNDLE_MAX, &bytes),
                         0);
        {
                struct slice desc, cert, ic;
                assert_int_equal(wire_cert_bundle_decode(buf_slice(&bytes),
                                                         &desc, &cert, &ic),
                                 0);
                assert_int_equal(network_open(desc, &net), 0);
                assert_int_equal(cert_verify(&net, cert, ic, T0, &c, NULL), 0);
        }
        buf_release(&bytes);
        json_decref(file);
        json_decref(built);
}

static int
write_vectors(const char *path)
{
        json_t *v;
        int err;

        if (entry_lib_init())
                return 1;
        v = vectors_build();
        err = json_dump_file(v, path, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        json_decref(v);
        if (!err) {
                FILE *f = fopen(path, "a");
                err = !f || fputc('\n', f) == EOF || fclose(f);
        }
        return err ? 1 : 0;
}

int
main(int argc, char **argv)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
        const struct CMUnitTest tests[] = {
            T(network_round_trip),
            T(names_checked),
            T(cert_round_trip),
            T(cert_tampering_refused),
            T(request_round_trip_and_tampering),
            T(text_forms),
            T(non_zero_pad_bits_refused),
            T(chain_root_and_delegated),
            T(chain_rules),
            T(delegation_depth_two_refused),
            T(other_network_refused),
            T(expiry_only_when_asked),
            T(system_bodies),
            T(revocation_feeds_must_ascend),
            T(unknown_author_refused),
            T(no_network_no_rules),
            T(cert_in_same_batch_counts),
            T(cert_later_in_batch_counts),
            T(author_region_bound),
            T(root_writes_as_network_region),
            T(system_kinds_need_an_issuer),
            T(bad_cert_content_refused),
            T(pruned_system_entry_refused),
            T(revocation_cutoff),
            T(revocation_before_entries_in_one_batch),
            T(revocation_mid_batch),
            T(revocations_merge),
            T(revocations_merge_any_order),
            T(revocation_alternative_at_cutoff),
            T(revocation_alternative_below_cutoff),
            T(delegated_revocation),
            T(held_cert_rule),
            T(sertifikat_conflict),
            T(check_peer),
            T(peer_standing_after_revocation),
            T(check_peer_revoked),
            T(clock_unknown),
            T(check_peer_unknown_clock),
            T(post_as_root_and_not_enrolled),
            cmocka_unit_test(vectors_match),
        };
#undef T
        if (argc == 3 && !strcmp(argv[1], "--write-vectors"))
                return write_vectors(argv[2]);
        log_set_level(LOG_ERROR);
        return cmocka_run_group_tests(tests, NULL, NULL);
}
