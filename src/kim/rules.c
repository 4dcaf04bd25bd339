/*
 * rules: who may write each KIM kind and step (proto/KIM.md §2.2, §3) and
 * the lifecycle table of a report. Pure.
 */
#include <string.h>

#include "kim.h"

/* ---- names: wire.h's tables ------------------------------------------- */

static int
name_parse(enum kim_vocab t, const char *name, int *out)
{
        int v = name ? wire_kim_value(t, slice_cstr(name)) : 0;

        if (!v)
                return ERR_USAGE;
        *out = v;
        return 0;
}

#define NAME_FNS_(type, prefix, vocab)                                         \
        const char *kim_##prefix##_name(enum type v)                           \
        {                                                                      \
                return wire_kim_name(vocab, (int)v);                           \
        }                                                                      \
        int kim_##prefix##_parse(const char *name, enum type *out)             \
        {                                                                      \
                int v, err = name_parse(vocab, name, &v);                      \
                if (!err)                                                      \
                        *out = (enum type)v;                                   \
                return err;                                                    \
        }
NAME_FNS_(kim_state, state, KIM_VOCAB_STATE)
NAME_FNS_(kim_step, step, KIM_VOCAB_STEP)
NAME_FNS_(kim_result, result, KIM_VOCAB_RESULT)
NAME_FNS_(kim_level, level, KIM_VOCAB_LEVEL)
NAME_FNS_(kim_decision, decision, KIM_VOCAB_DECISION)
#undef NAME_FNS_

/* ---- kinds and roles --------------------------------------------------- */

bool
kim_kind_is_report(uint32_t kind)
{
        return kind == KIND_ASPIRASI || kind == KIND_PENGADUAN ||
               kind == KIND_PERMINTAAN_INFORMASI;
}

bool
kim_kind_is_announcement(uint32_t kind)
{
        return kind == KIND_INFORMASI || kind == KIND_PERINGATAN;
}

enum kim_role
kim_step_role(enum kim_step s)
{
        switch (s) {
        case KIM_STEP_NONE:
                return KIM_ROLE_NONE;
        case KIM_STEP_TAMBAH_INFORMASI:
        case KIM_STEP_KONFIRMASI:
        case KIM_STEP_BUKA_KEMBALI:
                return KIM_ROLE_VILLAGE;
        default:
                return kim_step_name(s) ? KIM_ROLE_HANDLER : KIM_ROLE_NONE;
        }
}

enum kim_role
kim_role_of(const struct audience *a, const char *region)
{
        if (a->type != AUDIENCE_PATH || !audience_contains(a, region))
                return KIM_ROLE_NONE;
        if (!strcmp(a->origin, region))
                return KIM_ROLE_VILLAGE;
        /* Only the addressed handler region acts; the nodes between
         * origin and target relay (issue 9, item 8). */
        return strcmp(a->target, region) ? KIM_ROLE_NONE : KIM_ROLE_HANDLER;
}

/* ---- receipt checks ---------------------------------------------------- */

int
kim_check_header(const struct entry_header *h, const struct kim_body *b)
{
        const struct audience *a = &h->audience;
        enum kim_role role;

        if (kim_kind_is_report(h->kind)) {
                /* path(A, H): held by the author, the handler and the
                 * nodes between them. */
                if (a->type != AUDIENCE_PATH ||
                    strcmp(a->origin, h->author_region) ||
                    strcmp(a->target, b->handler))
                        return ERR_KIM_AUDIENCE;
                return 0;
        }
        switch (h->kind) {
        case KIND_STATUS:
        case KIND_TANGGAPAN:
                if (a->type != AUDIENCE_PATH)
                        return ERR_KIM_AUDIENCE;
                role = kim_role_of(a, h->author_region);
                if (role == KIM_ROLE_NONE ||
                    role != (h->kind == KIND_STATUS ? kim_step_role(b->step)
                                                    : KIM_ROLE_HANDLER))
                        return ERR_KIM_ROLE;
                return 0;
        case KIND_REVISI:
                return region_level(h->author_region) == REGION_KABUPATEN
                           ? 0
                           : ERR_KIM_ROLE;
        default:
                return 0;
        }
}

int
kim_check(const struct entry *e, const struct kim_body *b)
{
        return kim_check_header(&e->h, b);
}

int
kim_check_entry(const struct entry *e, struct kim_body *b)
{
        struct kim_body local;
        int err;

        if (!b)
                b = &local;
        memset(b, 0, sizeof(*b));
        if (!e->env.has_body || !wire_kim_kind(e->h.kind))
                return 0;
        if ((err = wire_kim_decode(e->h.kind, e->env.body, b)))
                return err;
        return kim_check(e, b);
}

/* ---- the lifecycle (KIM.md §3) ----------------------------------------- */

int
kim_next_state(enum kim_state from, enum kim_result result, enum kim_step step,
               enum kim_state *next)
{
        bool verified = from == KIM_STATE_DIVERIFIKASI;
        bool valid = verified && result == KIM_RESULT_VALID;
        bool ok;

        if (!kim_state_name(from))
                return ERR_KIM_STEP;
        switch (step) {
        case KIM_STEP_DIVERIFIKASI:
                ok = from == KIM_STATE_DIAJUKAN || from == KIM_STATE_DITUNDA;
                *next = KIM_STATE_DIVERIFIKASI;
                break;
        case KIM_STEP_DITUNDA:
                ok = from == KIM_STATE_DIAJUKAN || (verified && !valid);
                *next = KIM_STATE_DITUNDA;
                break;
        case KIM_STEP_BUKAN_WEWENANG:
                ok = from == KIM_STATE_DIAJUKAN || from == KIM_STATE_DITUNDA;
                *next = KIM_STATE_BUKAN_WEWENANG;
                break;
        case KIM_STEP_DIARSIPKAN:
                ok = from == KIM_STATE_DIAJUKAN || from == KIM_STATE_DITUNDA ||
                     (verified && !valid) || from == KIM_STATE_BUKAN_WEWENANG;
                *next = KIM_STATE_DIARSIPKAN;
                break;
        case KIM_STEP_DITERUSKAN:
                ok = valid;
                *next = KIM_STATE_DITERUSKAN;
                break;
        case KIM_STEP_DITINDAKLANJUTI:
                ok = valid || from == KIM_STATE_DITERUSKAN ||
                     from == KIM_STATE_DITINDAKLANJUTI;
                *next = KIM_STATE_DITINDAKLANJUTI;
                break;
        case KIM_STEP_SELESAI:
                ok = from == KIM_STATE_DITINDAKLANJUTI;
                *next = KIM_STATE_SELESAI;
                break;
        case KIM_STEP_DITUTUP:
                ok = from == KIM_STATE_SELESAI ||
                     from == KIM_STATE_BUKAN_WEWENANG ||
                     from == KIM_STATE_DIARSIPKAN;
                *next = KIM_STATE_DITUTUP;
                break;
        case KIM_STEP_TAMBAH_INFORMASI:
                ok = from != KIM_STATE_DITUTUP;
                *next = from == KIM_STATE_DITUNDA ? KIM_STATE_DIAJUKAN : from;
                break;
        case KIM_STEP_KONFIRMASI:
                ok = from == KIM_STATE_SELESAI;
                *next = KIM_STATE_DITUTUP;
                break;
        case KIM_STEP_BUKA_KEMBALI:
                ok = from == KIM_STATE_SELESAI || from == KIM_STATE_DITUTUP;
                *next = KIM_STATE_DITINDAKLANJUTI;
                break;
        default:
                ok = false;
                break;
        }
        if (!ok) {
                *next = from;
                return ERR_KIM_STEP;
        }
        return 0;
}

enum kim_result
kim_next_result(enum kim_result result, enum kim_step step,
                enum kim_result step_result)
{
        return step == KIM_STEP_DIVERIFIKASI ? step_result : result;
}
