/*
 * kim: the KIM workflow over entries (proto/KIM.md): who may write each
 * kind and step, the lifecycle of a report, deadlines in working days, and
 * the views. Pure: no I/O; bodies are decoded by wire (wire_kim_*), and
 * the vocabularies (states, steps, results, levels, decisions) are the
 * X-macro tables of wire.h, whose names these functions look up.
 *
 * Receipt checks (KIM.md §7): kim_check_entry() decodes a body and runs
 * kim_check(); every node runs it on receipt right after the signature
 * and before storing anything, and before appending its own entries.
 * Order of steps is never checked on receipt (KIM.md §3 "Order"): the
 * lifecycle table kim_next_state() is for creating steps and for the views.
 */
#ifndef SIMPUL_KIM_H
#define SIMPUL_KIM_H

#include "../entry/entry.h"

/*
 * Names of the vocabularies, as in bodies and for operators. *_name
 * returns NULL for NONE or an unknown value; *_parse takes a NUL-terminated
 * name and returns 0 or ERR_USAGE (unknown name).
 */
const char *kim_state_name(enum kim_state s);
int kim_state_parse(const char *name, enum kim_state *out) WUR;
const char *kim_step_name(enum kim_step s);
int kim_step_parse(const char *name, enum kim_step *out) WUR;
const char *kim_result_name(enum kim_result r);
int kim_result_parse(const char *name, enum kim_result *out) WUR;
const char *kim_level_name(enum kim_level l);
int kim_level_parse(const char *name, enum kim_level *out) WUR;
const char *kim_decision_name(enum kim_decision d);
int kim_decision_parse(const char *name, enum kim_decision *out) WUR;

/* Kind classes (KIM.md §1). */
bool kim_kind_is_report(uint32_t kind);       /* aspirasi, pengaduan,
                                                 permintaan_informasi */
bool kim_kind_is_announcement(uint32_t kind); /* informasi, peringatan */

/* Who acts on a report whose audience is path(O, T) (KIM.md §3). */
enum kim_role {
        KIM_ROLE_NONE = 0,    /* a relay, not on the path, or not a path */
        KIM_ROLE_VILLAGE = 1, /* the report's origin O */
        KIM_ROLE_HANDLER = 2, /* the report's target T (the handler) */
};

/* The side that may make a step: village for tambah_informasi,
 * konfirmasi, buka_kembali; handler for the others; NONE for NONE. */
enum kim_role kim_step_role(enum kim_step s);
/* The role of a node of `region` on audience a (NONE unless a path). */
enum kim_role kim_role_of(const struct audience *a, const char *region);

/*
 * The receipt checks of KIM.md §2-§3 for an entry of a KIM kind whose
 * body decoded to b (wire_kim_decode with the same kind), in this order:
 *   ERR_KIM_AUDIENCE  a report not on path(author_region, handler); a
 *                     status or tanggapan not on a path;
 *   ERR_KIM_ROLE      a status step by the wrong side, a tanggapan by the
 *                     village, a revisi by other than a kabupaten-level
 *                     node.
 * Returns 0 for kinds without rules (informasi, peringatan,
 * revisi_keputusan) and for non-KIM kinds.
 */
int kim_check_header(const struct entry_header *h,
                     const struct kim_body *b) WUR;
/* kim_check_header on an opened entry. */
int kim_check(const struct entry *e, const struct kim_body *b) WUR;
/*
 * Decodes e's body (if it has one and its kind is 1..9) and runs
 * kim_check: 0, ERR_KIM_BODY, ERR_KIM_AUDIENCE or ERR_KIM_ROLE. An entry
 * without a body (pruned) or of another kind passes. b (may be NULL) gets
 * the decoded body, borrowing from e's bytes.
 */
int kim_check_entry(const struct entry *e, struct kim_body *b) WUR;

/*
 * The lifecycle table (KIM.md §3): the state after `step` from state
 * `from`, where `result` is the verification result that holds in `from`
 * (meaningful when from is diverifikasi: KIM_RESULT_VALID or another; NONE
 * otherwise). *next gets the new state. ERR_KIM_STEP if the step is not
 * allowed from there (also for NONE and unknown values). The result that
 * holds afterwards is kim_next_result's.
 */
int kim_next_state(enum kim_state from, enum kim_result result,
                   enum kim_step step, enum kim_state *next) WUR;
/* The verification result after a step: the step's own result for
 * diverifikasi, else `result` unchanged (the latest verification's). */
enum kim_result kim_next_result(enum kim_result result, enum kim_step step,
                                enum kim_result step_result);

#endif
