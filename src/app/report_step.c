/*
 * report_step: making a step on a report, or answering it (proto/KIM.md
 * §3): the local checks a node makes before it creates a step (its side,
 * the current state of the view, the 10 working days before closing a
 * finished report), then the entry through app_post.
 */
#include <string.h>

#include "app_int.h"

static const char *
role_name(enum kim_role r)
{
        return r == KIM_ROLE_VILLAGE   ? "the village"
               : r == KIM_ROLE_HANDLER ? "the handler side"
                                       : "not on the report's path";
}

/* The side check: this node's role on the report's path. */
static int
side_check(struct node *n, const struct wire_report_view *v, enum kim_role want,
           const char *what, char *err_msg)
{
        struct audience aud;
        enum kim_role role = KIM_ROLE_NONE;

        if (!audience_parse(&aud, v->audience))
                role = kim_role_of(&aud, n->config.region);
        if (role == want)
                return 0;
        return app__fail(err_msg, ERR_KIM_ROLE,
                         "%s is made by %s, and this node (%s) is %s on %s "
                         "(KIM-ROLE)",
                         what, role_name(want), n->config.region,
                         role_name(role), v->audience);
}

/* The state check (KIM-STEP), with the reason in err_msg. */
static int
state_check(struct node *n, const struct wire_report_view *v,
            enum kim_step step, uint64_t now_ms, char *err_msg)
{
        struct kim_calendar cal;
        struct kim_flags f;
        char day[KIM_DATE_BUF];

        app__calendar(n, &cal);
        if (!kim_view_next(v, step, &cal, now_ms, NULL))
                return 0;
        kim_view_flags(v, &cal, now_ms, &f);
        if (step == KIM_STEP_DITUTUP && !strcmp(v->state, "selesai") &&
            f.deadline_ms) {
                kim_date_format(kim_day_of(f.deadline_ms - 1), day);
                return app__fail(err_msg, ERR_KIM_STEP,
                                 "ditutup is allowed 10 working days after "
                                 "selesai, after %s WIB (KIM-STEP)",
                                 day);
        }
        return app__fail(err_msg, ERR_KIM_STEP,
                         "%s is not allowed from state %s%s%s%s (KIM-STEP)",
                         kim_step_name(step), v->state,
                         v->result[0] ? " (result " : "", v->result,
                         v->result[0] ? ")" : "");
}

static struct slice
opt(const char *s, bool *has)
{
        *has = s != NULL;
        return s ? slice_cstr(s) : slice_make(NULL, 0);
}

/* The body of a status step after the view's head. */
static int
step_body(const struct app_step *s, enum kim_step step,
          const struct wire_report_view *v, struct kim_body *b, char *err_msg)
{
        memset(b, 0, sizeof(*b));
        b->kind = KIND_STATUS;
        b->has_report = b->has_after = true;
        memcpy(b->report, v->id, ENTRY_HASH_BYTES);
        memcpy(b->after, v->head, ENTRY_HASH_BYTES);
        b->step = step;
        if (s->result && kim_result_parse(s->result, &b->result))
                return app__fail(err_msg, ERR_USAGE,
                                 "unknown result '%s' (valid, tidak_valid, "
                                 "hoaks, perlu_informasi_tambahan)",
                                 s->result);
        if (step == KIM_STEP_DIVERIFIKASI && (!s->method || !s->result))
                return app__fail(err_msg, ERR_USAGE,
                                 "diverifikasi needs a method and a result");
        if (step == KIM_STEP_DITERUSKAN && !s->agency)
                return app__fail(err_msg, ERR_USAGE,
                                 "diteruskan needs the agency it goes to");
        b->note = opt(s->note, &b->has_note);
        b->method = opt(s->method, &b->has_method);
        b->verifier = opt(s->verifier, &b->has_verifier);
        b->agency = opt(s->agency, &b->has_agency);
        b->anonim = s->anonim;
        b->rahasia = s->rahasia;
        return 0;
}

static int
reply_body(const struct app_step *s, const struct wire_report_view *v,
           struct kim_body *b, char *err_msg)
{
        memset(b, 0, sizeof(*b));
        b->kind = KIND_TANGGAPAN;
        b->has_report = true;
        memcpy(b->report, v->id, ENTRY_HASH_BYTES);
        if (!s->text || !s->text[0])
                return app__fail(err_msg, ERR_USAGE,
                                 "a tanggapan needs a text");
        b->text = opt(s->text, &b->has_text);
        b->title = opt(s->title, &b->has_title);
        return 0;
}

/* No step on a report whose content has not arrived (KIM.md §7). */
static int
body_held(struct store_txn *t, const uint8_t id[ENTRY_HASH_BYTES],
          char *err_msg)
{
        struct app_item it;
        int err = app__item_load(t, id, &it);
        bool missing = !err && app__body_missing(&it);

        app__item_release(&it);
        if (err)
                return app__fail(err_msg, err, "%s", err_str(err));
        if (missing)
                return app__fail(err_msg, ERR_KIM_STEP,
                                 "%s: the report's content has not reached "
                                 "this node yet (KIM-STEP)",
                                 APP_BODY_MISSING_TEXT);
        return 0;
}

/* The view of the report named by id (a prefix allowed). */
static int
view_load(struct node *n, const uint8_t *id, size_t id_len,
          struct wire_report_view *v, char *err_msg)
{
        uint8_t full[ENTRY_HASH_BYTES];
        struct store_txn *t;
        int err;

        if ((err = app__views_ready(n, err_msg)))
                return err;
        if ((err = store_begin(n->store, false, &t)))
                return app__fail(err_msg, err, "%s", err_str(err));
        err = app__resolve(t, id, id_len, full, err_msg);
        if (!err && (err = replica_report_view(t, full, v)))
                app__fail(err_msg, err,
                          err == ERR_KIM_NOT_FOUND ? "that entry is not a "
                                                     "report"
                                                   : "%s",
                          err_str(err));
        if (!err && (err = body_held(t, full, err_msg)))
                wire_report_view_release(v);
        store_abort(t);
        return err;
}

int
app_report_step(struct node *n, const uint8_t *id, size_t id_len,
                const struct app_step *s, uint8_t *out_id, char *err_msg)
{
        struct wire_report_view v;
        struct app_post p;
        enum kim_step step = KIM_STEP_NONE;
        uint64_t now = s->now_ms ? s->now_ms : node_now_ms(n);
        bool reply = s->step && !strcmp(s->step, "tanggapan");
        int err;

        memset(&v, 0, sizeof(v));
        memset(&p, 0, sizeof(p));
        if (err_msg)
                err_msg[0] = 0;
        if (!reply && (!s->step || kim_step_parse(s->step, &step)))
                return app__fail(err_msg, ERR_USAGE,
                                 "unknown step '%s' (diverifikasi, ditunda, "
                                 "bukan_wewenang, diarsipkan, diteruskan, "
                                 "ditindaklanjuti, selesai, ditutup, "
                                 "tambah_informasi, konfirmasi, "
                                 "buka_kembali, or tanggapan)",
                                 s->step ? s->step : "");
        if ((err = view_load(n, id, id_len, &v, err_msg)))
                return err;
        if (reply) {
                if (!(err = side_check(n, &v, KIM_ROLE_HANDLER, "a tanggapan",
                                       err_msg)))
                        err = reply_body(s, &v, &p.body, err_msg);
        } else if (!(err = side_check(n, &v, kim_step_role(step),
                                      kim_step_name(step), err_msg)) &&
                   !(err = state_check(n, &v, step, now, err_msg))) {
                err = step_body(s, step, &v, &p.body, err_msg);
        }
        if (!err) {
                p.timestamp_ms = s->now_ms;
                err = app_post(n, &p, out_id, err_msg);
        }
        wire_report_view_release(&v);
        return err;
}
