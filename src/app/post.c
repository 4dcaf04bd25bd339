/*
 * post: building, sealing, checking and appending KIM items (proto/KIM.md
 * §2, §4), for the CLI (simpul post) and the HTTP API.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "app_int.h"

/* ---- recipients -------------------------------------------------------- */

struct recip_walk {
        struct store_txn *t;
        const char *handler;
        struct cert_clock clock;
        uint8_t *to;
        size_t n;
};

static int
recip_visit(void *ctx, const uint8_t node_pk[ENTRY_KEY_BYTES],
            struct slice bytes)
{
        struct recip_walk *w = ctx;
        struct cert_info c;
        struct buf rev = BUF_INIT;
        int err;

        if (w->n == KIM_SEAL_TO_MAX || cert_parse(bytes, &c) ||
            strcmp(c.region, w->handler) || cert_check_clock(&c, &w->clock))
                return 0;
        err = store_revocation_get(w->t, node_pk, &rev);
        buf_release(&rev);
        if (err == ERR_NOT_FOUND) {
                memcpy(w->to + w->n++ * ENTRY_KEY_BYTES, node_pk,
                       ENTRY_KEY_BYTES);
                return 0;
        }
        return err; /* 0: revoked, skipped; or a store error */
}

int
app_recipients(struct node *n, const char *handler, uint64_t now_ms,
               uint8_t to[KIM_SEAL_TO_MAX * ENTRY_KEY_BYTES], size_t *n_out)
{
        struct recip_walk w = {NULL, handler, {0, 0}, to, 0};
        int err;

        node_clock(n, &w.clock);
        w.clock.now_ms = now_ms;
        *n_out = 0;
        if ((err = store_begin(n->store, false, &w.t)))
                return err;
        err = store_certs(w.t, recip_visit, &w);
        store_abort(w.t);
        if (!err)
                *n_out = w.n;
        return err;
}

/* ---- what an item refers to -------------------------------------------- */

/*
 * Reads the entry with this id into bytes and e (e borrows bytes); it
 * must be held and pass `want` on its kind. ERR_KIM_NOT_FOUND.
 */
static int
load_ref(struct node *n, const uint8_t id[ENTRY_HASH_BYTES],
         bool (*want)(uint32_t kind), struct buf *bytes, struct entry *e)
{
        struct store_txn *t;
        int err;

        if ((err = store_begin(n->store, false, &t)))
                return err;
        err = store_get_by_id(t, id, ENTRY_HASH_BYTES, bytes);
        store_abort(t);
        if (err == ERR_NOT_FOUND)
                return ERR_KIM_NOT_FOUND;
        if (err || (err = entry_parse(buf_slice(bytes), e)))
                return err;
        return want(e->h.kind) ? 0 : ERR_KIM_NOT_FOUND;
}

static bool
any_kind(uint32_t kind)
{
        (void)kind;
        return true;
}

/* Is e (held) the report itself or a step of it? KIM.md §6 rule 1. */
static bool
step_of(const struct entry *e, const uint8_t report[ENTRY_HASH_BYTES])
{
        struct kim_body s;

        if (!memcmp(e->id, report, ENTRY_HASH_BYTES))
                return true;
        return e->h.kind == KIND_STATUS && !kim_check_entry(e, &s) &&
               s.has_report && !memcmp(s.report, report, ENTRY_HASH_BYTES);
}

static bool
is_revisi(uint32_t kind)
{
        return kind == KIND_REVISI;
}

/* What an item names, by kind: the id, the kinds it may be, its name. */
static int
ref_of(struct kim_body *b, const uint8_t **id, bool (**want)(uint32_t),
       const char **what)
{
        switch (b->kind) {
        case KIND_STATUS:
        case KIND_TANGGAPAN:
                *id = b->has_report ? b->report : NULL;
                *want = kim_kind_is_report;
                *what = "report";
                break;
        case KIND_REVISI:
                *id = b->has_item ? b->item : NULL;
                *want = kim_kind_is_announcement;
                *what = "announcement";
                break;
        case KIND_REVISI_KEPUTUSAN:
                *id = b->has_revisi ? b->revisi : NULL;
                *want = is_revisi;
                *what = "revisi";
                break;
        default:
                return 0;
        }
        return 1;
}

/*
 * Fills the defaults of an item that names another entry, and its
 * audience from that entry's.
 */
static int
resolve_ref(struct node *n, struct kim_body *b, bool has_audience,
            struct audience *aud, char *err_msg)
{
        const uint8_t *id;
        bool (*want)(uint32_t);
        const char *what;
        struct buf bytes = BUF_INIT;
        struct entry e;
        char hex[2 * ENTRY_HASH_BYTES + 1];
        int err;

        if (!ref_of(b, &id, &want, &what))
                return 0;
        if (!id)
                return app__fail(err_msg, ERR_KIM_BODY, "a %s names its %s",
                                 kind_name(b->kind), what);
        if ((err = load_ref(n, id, want, &bytes, &e))) {
                id_hex(hex, id);
                buf_release(&bytes);
                return app__fail(err_msg, err, "no %s %s is held here: %s",
                                 what, hex, err_str(err));
        }
        if (!has_audience) {
                *aud = e.h.audience;
        } else if ((b->kind == KIND_STATUS || b->kind == KIND_TANGGAPAN) &&
                   !audience_eq(aud, &e.h.audience)) {
                /* A step counts only on its report's audience (§3). */
                char held[40], got[40];
                audience_format(&e.h.audience, held);
                audience_format(aud, got);
                buf_release(&bytes);
                return app__fail(
                    err_msg, ERR_KIM_AUDIENCE,
                    "a %s goes to its report's audience %s, not %s",
                    kind_name(b->kind), held, got);
        }
        buf_release(&bytes);
        if (b->kind != KIND_STATUS)
                return 0;
        if (!b->has_after) {
                b->has_after = true;
                memcpy(b->after, b->report, ENTRY_HASH_BYTES);
        } else if ((err = load_ref(n, b->after, any_kind, &bytes, &e)) ||
                   (err = step_of(&e, b->report) ? 0 : ERR_KIM_NOT_FOUND)) {
                id_hex(hex, b->after);
                buf_release(&bytes);
                return app__fail(
                    err_msg, err,
                    "the step it follows (%s) is not the report or "
                    "a step of it held here: %s",
                    hex, err_str(err));
        }
        buf_release(&bytes);
        return 0;
}

/* A report's handler, category and audience. */
static int
report_defaults(struct node *n, struct kim_body *b, bool has_audience,
                struct audience *aud, char *err_msg)
{
        if (!b->has_handler && has_audience && aud->type == AUDIENCE_PATH) {
                b->has_handler = true;
                memcpy(b->handler, aud->target, REGION_BUF);
        }
        if (!b->has_handler)
                return app__fail(err_msg, ERR_KIM_BODY,
                                 "a %s needs its handler region",
                                 kind_name(b->kind));
        if (!b->has_category) {
                b->has_category = true;
                b->category = slice_cstr("lainnya");
        }
        if (!has_audience) {
                memset(aud, 0, sizeof(*aud));
                aud->type = AUDIENCE_PATH;
                memcpy(aud->origin, n->config.region, REGION_BUF);
                memcpy(aud->target, b->handler, REGION_BUF);
        }
        return 0;
}

/* ---- sealing ----------------------------------------------------------- */

struct sealing {
        uint8_t to[KIM_SEAL_TO_MAX * ENTRY_KEY_BYTES];
        size_t nt; /* 0: nothing to seal */
        struct seal_ctx at;
        struct buf plain;
        struct seal reporter, content;
};

static int
recipients(struct node *n, const struct app_post *p, const char *handler,
           uint8_t *to, size_t *nt, char *err_msg)
{
        int err;

        if (p->n_to) {
                if (p->n_to > KIM_SEAL_TO_MAX)
                        return app__fail(err_msg, ERR_USAGE,
                                         "at most %u recipients",
                                         KIM_SEAL_TO_MAX);
                memcpy(to, p->to, p->n_to * ENTRY_KEY_BYTES);
                *nt = p->n_to;
                return 0;
        }
        if ((err = app_recipients(n, handler, time_now_ms(), to, nt)))
                return app__fail(err_msg, err, "cannot read certificates: %s",
                                 err_str(err));
        if (!*nt)
                return app__fail(
                    err_msg, ERR_KIM_SEALED,
                    "no valid certificate of the handler region %s "
                    "is held here, so there is nobody to seal the "
                    "reporter or the content to (enrol the "
                    "handler's node, or name the recipients)",
                    handler);
        return 0;
}

/* The recipients of a report's sealed values into s (s->nt 0: none). */
static int
seal_prepare(struct node *n, const struct app_post *p, const struct kim_body *b,
             struct sealing *s, char *err_msg)
{
        if (!kim_kind_is_report(b->kind) || (!p->has_reporter && !b->rahasia))
                return 0;
        return recipients(n, p, b->handler, s->to, &s->nt, err_msg);
}

/*
 * Seals the details of a step or tanggapan on a rahasia report into b
 * (KIM.md §4.3), bound to s->at, the place the entry takes in its feed;
 * they leave the clear map.
 */
static int
seal_details(struct kim_body *b, struct sealing *s, char *err_msg)
{
        struct kim_body check;
        int err;

        buf_reset(&s->plain);
        wire_kim_details_encode(b, &s->plain);
        memset(&check, 0, sizeof(check));
        check.kind = b->kind;
        check.step = b->step;
        if (wire_kim_details_decode(buf_slice(&s->plain), &check))
                return app__fail(err_msg, ERR_KIM_BODY,
                                 "the %s breaks the rules of proto/KIM.md §2",
                                 kind_name(b->kind));
        if ((err = seal_make(&s->content, s->to, s->nt, &s->at,
                             SEAL_FIELD_SEALED, buf_slice(&s->plain))))
                return app__fail(err_msg, err, "cannot seal: %s", err_str(err));
        seal_view(&s->content, &b->sealed);
        b->has_text = b->has_title = b->has_note = b->has_method =
            b->has_agency = b->has_verifier = false;
        return 0;
}

/*
 * Seals the reporter and (rahasia) the content of a report into b, bound
 * to s->at, the place the report will take in its feed (KIM.md §4).
 */
static int
seal_report(const struct app_post *p, struct kim_body *b, struct sealing *s,
            char *err_msg)
{
        struct kim_reporter check;
        struct kim_body content;
        int err;

        if (p->has_reporter) {
                buf_reset(&s->plain);
                wire_kim_reporter_encode(&p->reporter, &s->plain);
                if (wire_kim_reporter_decode(buf_slice(&s->plain), &check))
                        return app__fail(
                            err_msg, ERR_KIM_BODY,
                            "the reporter needs a name of 1-%u bytes "
                            "and a contact of at most %u bytes",
                            KIM_NAME_MAX, KIM_CONTACT_MAX);
                if ((err =
                         seal_make(&s->reporter, s->to, s->nt, &s->at,
                                   SEAL_FIELD_REPORTER, buf_slice(&s->plain))))
                        return app__fail(err_msg, err, "cannot seal: %s",
                                         err_str(err));
                seal_view(&s->reporter, &b->reporter);
        }
        if (b->kind == KIND_STATUS || b->kind == KIND_TANGGAPAN)
                return seal_details(b, s, err_msg);
        if (!b->rahasia)
                return 0;
        buf_reset(&s->plain);
        wire_kim_content_encode(b, &s->plain);
        if (s->plain.len > SEAL_PLAIN_MAX)
                return app__fail(
                    err_msg, ERR_KIM_BODY,
                    "the sealed content of this rahasia report would be "
                    "%zu bytes, over %u (KIM.md §4): shorten the text, or "
                    "attach smaller or no thumbnails",
                    s->plain.len, SEAL_PLAIN_MAX);
        memset(&content, 0, sizeof(content));
        content.n_attach = b->n_attach; /* its files must match them */
        if (wire_kim_content_decode(buf_slice(&s->plain), &content))
                return app__fail(
                    err_msg, ERR_KIM_BODY,
                    "a rahasia report needs a title (1-%u bytes, one "
                    "line) and a text (at most %u bytes), and valid "
                    "tags, location and attachments",
                    KIM_TITLE_MAX, KIM_TEXT_MAX);
        if ((err = seal_make(&s->content, s->to, s->nt, &s->at,
                             SEAL_FIELD_SEALED, buf_slice(&s->plain))))
                return app__fail(err_msg, err, "cannot seal: %s", err_str(err));
        seal_view(&s->content, &b->sealed);
        b->has_title = b->has_text = b->has_tags = false;
        b->n_tags = 0;
        memset(&b->location, 0, sizeof(b->location));
        return 0;
}

/*
 * The recipients of a step's or tanggapan's sealed details (KIM.md §4.3):
 * the report's author node, then the handler region's nodes.
 */
static int
details_recipients(struct node *n, const struct app_post *p,
                   const struct wire_report_view *v, struct sealing *s,
                   char *err_msg)
{
        uint8_t h[KIM_SEAL_TO_MAX * ENTRY_KEY_BYTES];
        size_t nh = 0;
        int err;

        /* The report's author first (KIM.md §4.3), named recipients or
         * not: the village that reported reads the answer. */
        if ((err = recipients(n, p, v->handler, h, &nh, err_msg)))
                return err;
        memcpy(s->to, v->author, ENTRY_KEY_BYTES);
        s->nt = 1;
        if (p->n_to) { /* named: none may be dropped for the author */
                size_t others = 0;
                for (size_t i = 0; i < nh; i++)
                        others += memcmp(h + i * ENTRY_KEY_BYTES, v->author,
                                         ENTRY_KEY_BYTES) != 0;
                if (others > KIM_SEAL_TO_MAX - 1)
                        return app__fail(err_msg, ERR_KIM_SEALED,
                                         "at most %u recipients besides the "
                                         "report's author",
                                         KIM_SEAL_TO_MAX - 1);
        }
        for (size_t i = 0; i < nh && s->nt < KIM_SEAL_TO_MAX; i++)
                if (memcmp(h + i * ENTRY_KEY_BYTES, v->author, ENTRY_KEY_BYTES))
                        memcpy(s->to + ENTRY_KEY_BYTES * s->nt++,
                               h + i * ENTRY_KEY_BYTES, ENTRY_KEY_BYTES);
        return 0;
}

/* A step or tanggapan on a rahasia report (its view's flag, or this step
 * raises it): its details are sealed (KIM.md §4.3). */
static int
details_prepare(struct node *n, const struct app_post *p,
                const struct kim_body *b, struct sealing *s, char *err_msg)
{
        struct wire_report_view v;
        struct store_txn *t;
        int err;

        if (b->kind != KIND_STATUS && b->kind != KIND_TANGGAPAN)
                return 0;
        if ((err = app__views_ready(n, err_msg)))
                return err;
        if ((err = store_begin(n->store, false, &t)))
                return app__fail(err_msg, err, "%s", err_str(err));
        err = replica_report_view(t, b->report, &v);
        store_abort(t);
        if (err)
                return app__fail(err_msg, err,
                                 "cannot read the report's view: %s",
                                 err_str(err));
        if (v.rahasia || b->rahasia)
                err = details_recipients(n, p, &v, s, err_msg);
        wire_report_view_release(&v);
        return err;
}

/* ---- posting ----------------------------------------------------------- */

/*
 * Is the store marked recreated (node_restored_set)? Read from the store,
 * not n->restored: under simpul run the HTTP API posts from its own
 * threads while the loop thread clears the flag.
 */
static int
store_restored(struct node *n, bool *restored)
{
        struct store_txn *t;
        int err;

        *restored = false;
        if ((err = store_begin(n->store, false, &t)))
                return err;
        err = node_restored_read(t, restored);
        store_abort(t);
        return err;
}

/* The receipt checks on what would be posted, for a precise message. */
static int
precheck(struct node *n, const struct audience *aud, struct slice body,
         uint32_t kind, char *err_msg)
{
        struct entry_header h;
        struct kim_body b;
        char text[40];
        int err;

        if ((err = wire_kim_decode(kind, body, &b)))
                return app__fail(
                    err_msg, err,
                    "the %s body breaks the rules of proto/KIM.md "
                    "§2 (a required field missing, a wrong type or a "
                    "value out of bounds)",
                    kind_name(kind));
        memset(&h, 0, sizeof(h));
        memcpy(h.author_region, n->config.region, REGION_BUF);
        h.audience = *aud;
        h.kind = kind;
        audience_format(aud, text);
        err = kim_check_header(&h, &b);
        if (err == ERR_KIM_AUDIENCE)
                return app__fail(
                    err_msg, err,
                    kim_kind_is_report(kind)
                        ? "a %s goes to path:%s:%s (its author up to "
                          "its handler), not %s"
                        : "a %s goes to its report's path audience, "
                          "not %s",
                    kind_name(kind), n->config.region, b.handler, text);
        if (err == ERR_KIM_ROLE && kind == KIND_STATUS)
                return app__fail(err_msg, err,
                                 "a node of %s may not make the step %s on %s: "
                                 "it is the %s's (proto/KIM.md §3)",
                                 n->config.region, kim_step_name(b.step), text,
                                 kim_step_role(b.step) == KIM_ROLE_VILLAGE
                                     ? "village"
                                     : "handler side");
        if (err == ERR_KIM_ROLE)
                return app__fail(err_msg, err,
                                 "a node of %s may not write a %s on %s "
                                 "(proto/KIM.md §3: %s)",
                                 n->config.region, kind_name(kind), text,
                                 kind == KIND_REVISI
                                     ? "revisi is written at kabupaten level"
                                     : "tanggapan is the handler side's");
        return err;
}

/* Defaults, what the item names, its audience, and its recipients. */
static int
post_prepare(struct node *n, const struct app_post *p, struct kim_body *b,
             struct audience *aud, struct sealing *s, char *err_msg)
{
        bool has_audience = p->has_audience, restored;
        int err;

        if (!wire_kim_kind(b->kind))
                return app__fail(err_msg, ERR_USAGE,
                                 "kind %u is not an item kind",
                                 (unsigned)b->kind);
        if ((err = store_restored(n, &restored)))
                return app__fail(err_msg, err, "%s", err_str(err));
        if (restored)
                return app__fail(err_msg, ERR_RESTORED, "%s",
                                 err_str(ERR_RESTORED));
        if (has_audience)
                *aud = p->audience;
        if (kim_kind_is_announcement(b->kind) && !has_audience)
                return app__fail(err_msg, ERR_USAGE,
                                 "an announcement needs an audience");
        if (!kim_kind_is_report(b->kind))
                return (err = resolve_ref(n, b, has_audience, aud, err_msg))
                           ? err
                           : details_prepare(n, p, b, s, err_msg);
        if ((err = report_defaults(n, b, has_audience, aud, err_msg)))
                return err;
        return seal_prepare(n, p, b, s, err_msg);
}

/* What body_at needs to make a report's body at its place. */
struct post_job {
        struct node *n;
        const struct app_post *p;
        const struct kim_body *b; /* before sealing */
        const struct audience *aud;
        struct sealing *s;
        struct buf *body;
        char *err_msg;
        bool failed; /* err_msg says why */
};

/* Encodes b into body and runs the receipt checks on it. */
static int
encode_checked(struct node *n, const struct kim_body *b,
               const struct audience *aud, struct buf *body, char *err_msg)
{
        buf_reset(body);
        wire_kim_encode(b, body);
        return precheck(n, aud, buf_slice(body), b->kind, err_msg);
}

/*
 * replica_post's body_at: seals the report's values bound to at, the place
 * the entry takes in its feed (KIM.md §4), inside the transaction that
 * appends it. Uses no store.
 */
static int
seal_at(void *arg, const struct seal_ctx *at, struct slice *body)
{
        struct post_job *j = arg;
        struct kim_body b = *j->b;
        int err;

        seal_release(&j->s->reporter);
        seal_release(&j->s->content);
        j->s->at = *at;
        if ((err = seal_report(j->p, &b, j->s, j->err_msg)) ||
            (err = encode_checked(j->n, &b, j->aud, j->body, j->err_msg))) {
                j->failed = true;
                return err;
        }
        *body = buf_slice(j->body);
        return 0;
}

int
app_post(struct node *n, const struct app_post *p, uint8_t *id, char *err_msg)
{
        struct kim_body b = p->body;
        struct sealing s;
        struct app_files files;
        struct buf body = BUF_INIT;
        struct post post;
        struct post_job job;
        int err;

        memset(&s, 0, sizeof(s));
        memset(&files, 0, sizeof(files));
        memset(&post, 0, sizeof(post));
        if (err_msg)
                err_msg[0] = 0;
        memset(&b.reporter, 0, sizeof(b.reporter));
        memset(&b.sealed, 0, sizeof(b.sealed));
        if ((err = post_prepare(n, p, &b, &post.audience, &s, err_msg)))
                goto out;
        /* A rahasia report's files are encrypted before they become the
         * blobs it names (BLOBS.md §2.1). */
        if (kim_kind_is_report(b.kind) && b.rahasia && b.n_attach &&
            (err = app__attach_seal(n, &b, &files, err_msg)))
                goto out;
        post.kind = b.kind;
        /* This node's time: a parent's while the clock is wrong. */
        post.timestamp_ms = p->timestamp_ms ? p->timestamp_ms : node_now_ms(n);
        post.given_ts = p->timestamp_ms != 0;
        job = (struct post_job){.n = n,
                                .p = p,
                                .b = &b,
                                .aud = &post.audience,
                                .s = &s,
                                .body = &body,
                                .err_msg = err_msg};
        if (s.nt) {
                /* Sealed values are bound to the report's seq, known only
                 * in the transaction that appends it. */
                post.body_at = seal_at;
                post.arg = &job;
        } else if ((err = encode_checked(n, &b, &post.audience, &body,
                                         err_msg))) {
                goto out;
        } else {
                post.body = buf_slice(&body);
        }
        if ((err = replica_post(&n->replica, &post, 1, id)) && !job.failed)
                app__fail(err_msg, err, "%s", err_str(err));
        if (!err) /* the daemon pushes it now (wake.c) */
                node_changed(n);
out:
        app__files_drop(n, &files, err == 0);
        seal_release(&s.reporter);
        seal_release(&s.content);
        /* The plaintexts: personal data, not to linger in the heap (a
         * memset before free may be optimised away; this is not). */
        buf_wipe_release(&s.plain);
        buf_release(&body);
        return err;
}
