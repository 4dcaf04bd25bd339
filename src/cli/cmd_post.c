/* post: build a KIM item of any kind, sign it and append it to a feed. */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../app/app.h"
#include "cli.h"

static const char post_help[] =
    "usage: simpul post --kind KIND [--to AUDIENCE] [options by kind]\n"
    "                   [--data DIR] [--json]\n\n"
    "Builds an item of KIND (proto/KIM.md §2), checks it as every receiver\n"
    "will, signs it with this node's key and appends it to the feed for\n"
    "its kind and audience. TEXT comes from --body, --body-file or\n"
    "standard input (when it is not a terminal). ID is an entry id or a\n"
    "unique prefix of at least 8 hex digits.\n\n"
    "  --to AUDIENCE     tree:CODE     CODE's subtree and its ancestors\n"
    "                    path:FROM:TO  the nodes from FROM up to TO\n\n"
    "informasi, peringatan (announcements; --to and --title required):\n"
    "  --title TITLE     one line, 1-200 bytes\n"
    "  --body TEXT, --body-file FILE   the text, at most 16000 bytes\n"
    "  --category WORD   e.g. kesehatan, bencana (a-z 0-9 _)\n"
    "  --tags W1,W2      at most 8 words\n"
    "  --location CODE, --place TEXT, --lat DEG --lon DEG   where\n"
    "  --level LEVEL     peringatan: waspada (default), siaga or awas\n"
    "  --until-ms MS     peringatan: lapses then (Unix ms)\n\n"
    "aspirasi, pengaduan, permintaan_informasi (reports; --title required):\n"
    "  --handler CODE    the region that handles it; default: the target\n"
    "                    of --to. --to defaults to path:THIS_NODE:HANDLER\n"
    "  --title, --body, --body-file, --tags, --location, --place, --lat,\n"
    "  --lon             as above\n"
    "  --category WORD   default lainnya\n"
    "  --reporter NAME [--contact TEXT]   the person reporting, sealed to\n"
    "                    the handler's node keys\n"
    "  --anonim          the reporter is shown to the handler only\n"
    "  --rahasia         title, text, tags and location sealed too\n"
    "  --seal-to KEY     a recipient's node key (64 hex; repeatable);\n"
    "                    default: every certified node of the handler "
    "region\n\n"
    "tanggapan (a response; --report and a text required; --to defaults\n"
    "to the report's audience):\n"
    "  --report ID       the report answered\n"
    "  --title TITLE     optional\n\n"
    "status (a lifecycle step; --report and --step required; prefer\n"
    "'simpul report', which checks the step against the current state):\n"
    "  --report ID, --after ID   the report; the step it follows (default\n"
    "                    the report)\n"
    "  --step STEP       diverifikasi, ditunda, bukan_wewenang, diarsipkan,\n"
    "                    diteruskan, ditindaklanjuti, selesai, ditutup,\n"
    "                    tambah_informasi, konfirmasi, buka_kembali\n"
    "  --method TEXT --result RESULT [--verifier NAME]   diverifikasi;\n"
    "                    RESULT: valid, tidak_valid, hoaks,\n"
    "                    perlu_informasi_tambahan\n"
    "  --agency TEXT     diteruskan: the agency it went to\n"
    "  --note TEXT       any step\n"
    "  --anonim, --rahasia   raise the report's flags\n\n"
    "revisi (an edited text of an announcement, by a kabupaten node):\n"
    "  --item ID --title TITLE --reason TEXT, and the new text\n"
    "revisi_keputusan (accept or decline a revisi):\n"
    "  --revisi ID --decision diterima|ditolak [--reason TEXT]\n\n"
    "attachments (announcements, reports, tanggapan; proto/BLOBS.md):\n"
    "  --attach FILE     a photo or document of at most 16 MiB, stored as\n"
    "                    a blob and named in the item; peers fetch it\n"
    "                    after everything else, in 16 KiB chunks\n"
    "  --type TYPE       its media type (default from the extension:\n"
    "                    .jpg image/jpeg, .png, .pdf, ...)\n"
    "  --thumbnail FILE  a small image (at most 8192 bytes) carried in the\n"
    "                    item itself, shown before the blob arrives\n"
    "  with --rahasia the file is encrypted for the handler's nodes\n"
    "  (a relay carries only its ciphertext), its type, name and\n"
    "  thumbnail sealed in the report (proto/BLOBS.md §2.1)\n\n"
    "  --timestamp-ms MS the entry's clock (default now; for tests and\n"
    "                    for entering items written down earlier)\n"
    "  --json            print the stored entry as JSON\n";

/* Options; `applies` below says to which kinds. */
enum {
        O_KIND = 0,
        O_TO,
        O_TITLE,
        O_BODY,
        O_BODY_FILE,
        O_CATEGORY,
        O_TAGS,
        O_LOCATION,
        O_PLACE,
        O_LAT,
        O_LON,
        O_LEVEL,
        O_UNTIL,
        O_HANDLER,
        O_ANONIM,
        O_RAHASIA,
        O_REPORTER,
        O_CONTACT,
        O_SEAL_TO,
        O_REPORT,
        O_AFTER,
        O_STEP,
        O_NOTE,
        O_METHOD,
        O_RESULT,
        O_AGENCY,
        O_VERIFIER,
        O_ITEM,
        O_REVISI,
        O_DECISION,
        O_REASON,
        O_TIMESTAMP,
        O_ATTACH,
        O_THUMB,
        O_TYPE,
        O_COUNT,
};

#define K_(kind) (1U << (kind))
#define K_ANN (K_(KIND_INFORMASI) | K_(KIND_PERINGATAN))
#define K_REP                                                                  \
        (K_(KIND_ASPIRASI) | K_(KIND_PENGADUAN) | K_(KIND_PERMINTAAN_INFORMASI))
#define K_TEXT (K_ANN | K_REP | K_(KIND_TANGGAPAN) | K_(KIND_REVISI))
#define K_ALL 0x3feU

static const uint32_t applies[O_COUNT] = {
    [O_KIND] = K_ALL,
    [O_TO] = K_ALL,
    [O_TITLE] = K_TEXT,
    [O_BODY] = K_TEXT,
    [O_BODY_FILE] = K_TEXT,
    [O_CATEGORY] = K_ANN | K_REP,
    [O_TAGS] = K_ANN | K_REP,
    [O_LOCATION] = K_ANN | K_REP,
    [O_PLACE] = K_ANN | K_REP,
    [O_LAT] = K_ANN | K_REP,
    [O_LON] = K_ANN | K_REP,
    [O_LEVEL] = K_(KIND_PERINGATAN),
    [O_UNTIL] = K_(KIND_PERINGATAN),
    [O_HANDLER] = K_REP,
    [O_ANONIM] = K_REP | K_(KIND_STATUS),
    [O_RAHASIA] = K_REP | K_(KIND_STATUS),
    [O_REPORTER] = K_REP,
    [O_CONTACT] = K_REP,
    [O_SEAL_TO] = K_REP,
    [O_REPORT] = K_(KIND_TANGGAPAN) | K_(KIND_STATUS),
    [O_AFTER] = K_(KIND_STATUS),
    [O_STEP] = K_(KIND_STATUS),
    [O_NOTE] = K_(KIND_STATUS),
    [O_METHOD] = K_(KIND_STATUS),
    [O_RESULT] = K_(KIND_STATUS),
    [O_AGENCY] = K_(KIND_STATUS),
    [O_VERIFIER] = K_(KIND_STATUS),
    [O_ITEM] = K_(KIND_REVISI),
    [O_REVISI] = K_(KIND_REVISI_KEPUTUSAN),
    [O_DECISION] = K_(KIND_REVISI_KEPUTUSAN),
    [O_REASON] = K_(KIND_REVISI) | K_(KIND_REVISI_KEPUTUSAN),
    [O_TIMESTAMP] = K_ALL,
    [O_ATTACH] = K_ANN | K_REP | K_(KIND_TANGGAPAN),
    [O_THUMB] = K_ANN | K_REP | K_(KIND_TANGGAPAN),
    [O_TYPE] = K_ANN | K_REP | K_(KIND_TANGGAPAN),
};

struct post_opts {
        const char *v[O_COUNT]; /* the argument of each option given */
        bool anonim, rahasia;
        struct {
                const char *v[KIM_SEAL_TO_MAX];
                size_t n;
        } seal_to;
        const char *data;
        bool json;
        uint64_t given; /* bit O_*: the option was given */
        uint32_t kind;
};

/* --seal-to, repeatable. */
static int
parse_seal_to(const char *arg, void *field)
{
        struct post_opts *o = container_of(field, struct post_opts, seal_to);

        if (o->seal_to.n == KIM_SEAL_TO_MAX)
                return cli_usage_error("post", "at most %u --seal-to",
                                       KIM_SEAL_TO_MAX);
        o->seal_to.v[o->seal_to.n++] = arg;
        return 0;
}

/* Indexed by O_*; every value is checked once the kind is known. */
#define V(i) offsetof(struct post_opts, v[i])
static const struct cli_opt post_opts[] = {
    [O_KIND] = CLI_OPT("kind", CLI_STR, V(O_KIND), .required = true),
    [O_TO] = CLI_OPT("to", CLI_STR, V(O_TO)),
    [O_TITLE] = CLI_OPT("title", CLI_STR, V(O_TITLE)),
    [O_BODY] = CLI_OPT("body", CLI_STR, V(O_BODY)),
    [O_BODY_FILE] = CLI_OPT("body-file", CLI_STR, V(O_BODY_FILE)),
    [O_CATEGORY] = CLI_OPT("category", CLI_STR, V(O_CATEGORY)),
    [O_TAGS] = CLI_OPT("tags", CLI_STR, V(O_TAGS)),
    [O_LOCATION] = CLI_OPT("location", CLI_STR, V(O_LOCATION)),
    [O_PLACE] = CLI_OPT("place", CLI_STR, V(O_PLACE)),
    [O_LAT] = CLI_OPT("lat", CLI_STR, V(O_LAT)),
    [O_LON] = CLI_OPT("lon", CLI_STR, V(O_LON)),
    [O_LEVEL] = CLI_OPT("level", CLI_STR, V(O_LEVEL)),
    [O_UNTIL] = CLI_OPT("until-ms", CLI_STR, V(O_UNTIL)),
    [O_HANDLER] = CLI_OPT("handler", CLI_STR, V(O_HANDLER)),
    [O_ANONIM] =
        CLI_OPT("anonim", CLI_FLAG, offsetof(struct post_opts, anonim)),
    [O_RAHASIA] =
        CLI_OPT("rahasia", CLI_FLAG, offsetof(struct post_opts, rahasia)),
    [O_REPORTER] = CLI_OPT("reporter", CLI_STR, V(O_REPORTER)),
    [O_CONTACT] = CLI_OPT("contact", CLI_STR, V(O_CONTACT)),
    [O_SEAL_TO] =
        CLI_OPT("seal-to", CLI_PARSE, offsetof(struct post_opts, seal_to),
                .parse = parse_seal_to),
    [O_REPORT] = CLI_OPT("report", CLI_STR, V(O_REPORT)),
    [O_AFTER] = CLI_OPT("after", CLI_STR, V(O_AFTER)),
    [O_STEP] = CLI_OPT("step", CLI_STR, V(O_STEP)),
    [O_NOTE] = CLI_OPT("note", CLI_STR, V(O_NOTE)),
    [O_METHOD] = CLI_OPT("method", CLI_STR, V(O_METHOD)),
    [O_RESULT] = CLI_OPT("result", CLI_STR, V(O_RESULT)),
    [O_AGENCY] = CLI_OPT("agency", CLI_STR, V(O_AGENCY)),
    [O_VERIFIER] = CLI_OPT("verifier", CLI_STR, V(O_VERIFIER)),
    [O_ITEM] = CLI_OPT("item", CLI_STR, V(O_ITEM)),
    [O_REVISI] = CLI_OPT("revisi", CLI_STR, V(O_REVISI)),
    [O_DECISION] = CLI_OPT("decision", CLI_STR, V(O_DECISION)),
    [O_REASON] = CLI_OPT("reason", CLI_STR, V(O_REASON)),
    [O_TIMESTAMP] = CLI_OPT("timestamp-ms", CLI_STR, V(O_TIMESTAMP)),
    [O_ATTACH] = CLI_OPT("attach", CLI_STR, V(O_ATTACH)),
    [O_THUMB] = CLI_OPT("thumbnail", CLI_STR, V(O_THUMB)),
    [O_TYPE] = CLI_OPT("type", CLI_STR, V(O_TYPE)),
    [O_COUNT] = CLI_OPT("data", CLI_STR, offsetof(struct post_opts, data)),
    [O_COUNT + 1] = CLI_OPT("json", CLI_FLAG, offsetof(struct post_opts, json)),
};
#undef V

static const struct cli_spec post_spec = {
    .name = "post",
    .usage = post_help,
    .opts = post_opts,
    .n_opts = ARRAY_LEN(post_opts),
    .missing = "--kind is required",
};

/* The post as app_post takes it, with the storage it borrows. */
struct post_build {
        struct app_post p;
        struct buf text;
        struct app_attach attach; /* --attach */
        uint8_t to[KIM_SEAL_TO_MAX * ENTRY_KEY_BYTES];
};

static int
post_parse(int argc, char **argv, struct post_opts *o)
{
        struct cli_parsed p;

        memset(o, 0, sizeof(*o));
        if (!cli_parse(&post_spec, argc, argv, o, &p))
                return p.status ? p.status : -1;
        o->given = p.given;
        if (app_name_parse(APP_NAMES_KIM_KIND, o->v[O_KIND], &o->kind))
                return cli_usage_error("post", "unknown --kind '%s'",
                                       o->v[O_KIND]);
        for (int i = 0; i < O_COUNT; i++)
                if ((o->given & (1ULL << i)) && !(applies[i] & K_(o->kind)))
                        return cli_usage_error("post",
                                               "--%s does not apply to %s",
                                               post_opts[i].name, o->v[O_KIND]);
        if (o->v[O_BODY] && o->v[O_BODY_FILE])
                return cli_usage_error("post", "give --body or --body-file, "
                                               "not both");
        return 0;
}

/* The options each kind needs: 0 or a usage error. */
static int
post_required(const struct post_opts *o)
{
        static const struct {
                uint32_t kinds;
                int opt;
        } need[] = {
            {K_ANN, O_TO},
            {K_ANN | K_REP | K_(KIND_REVISI), O_TITLE},
            {K_(KIND_TANGGAPAN) | K_(KIND_STATUS), O_REPORT},
            {K_(KIND_STATUS), O_STEP},
            {K_(KIND_REVISI), O_ITEM},
            {K_(KIND_REVISI), O_REASON},
            {K_(KIND_REVISI_KEPUTUSAN), O_REVISI},
            {K_(KIND_REVISI_KEPUTUSAN), O_DECISION},
        };

        for (size_t i = 0; i < ARRAY_LEN(need); i++)
                if ((need[i].kinds & K_(o->kind)) && !o->v[need[i].opt])
                        return cli_usage_error("post", "a %s needs --%s",
                                               o->v[O_KIND],
                                               post_opts[need[i].opt].name);
        if ((K_REP & K_(o->kind)) && !o->v[O_TO] && !o->v[O_HANDLER])
                return cli_usage_error("post", "a %s needs --handler or --to",
                                       o->v[O_KIND]);
        if (!o->v[O_LAT] != !o->v[O_LON])
                return cli_usage_error("post", "give --lat and --lon together");
        if (o->v[O_CONTACT] && !o->v[O_REPORTER])
                return cli_usage_error("post", "--contact needs --reporter");
        if ((o->v[O_THUMB] || o->v[O_TYPE]) && !o->v[O_ATTACH])
                return cli_usage_error("post", "--thumbnail and --type need "
                                               "--attach");
        return 0;
}

/* Reads at most ENTRY_BODY_MAX + 1 bytes: more is refused by the caller. */
static int
read_text(FILE *f, struct buf *out)
{
        char chunk[4096];
        size_t n;

        while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
                buf_add(out, chunk, n);
                if (out->len > ENTRY_BODY_MAX)
                        break;
        }
        return ferror(f) ? -EIO : 0;
}

static int
post_text(const struct post_opts *o, struct buf *text)
{
        FILE *f;
        int err;

        if (!(K_TEXT & K_(o->kind)))
                return 0;
        if (o->v[O_BODY]) {
                buf_adds(text, o->v[O_BODY]);
                return 0;
        }
        if (o->v[O_BODY_FILE]) {
                if (!(f = fopen(o->v[O_BODY_FILE], "rb")))
                        return cli_error("post: cannot read '%s': %s",
                                         o->v[O_BODY_FILE], strerror(errno));
                err = read_text(f, text);
                fclose(f);
        } else if (!isatty(STDIN_FILENO)) {
                err = read_text(stdin, text);
        } else {
                return 0;
        }
        if (err)
                return cli_error("post: cannot read the body: %s",
                                 err_str(err));
        return 0;
}

static int
parse_u64(const char *opt, const char *s, uint64_t *out)
{
        char *end;

        errno = 0;
        *out = strtoull(s, &end, 10);
        if (errno || end == s || *end || *s == '-')
                return cli_usage_error("post", "--%s '%s': not a number", opt,
                                       s);
        return 0;
}

static int
parse_deg(const char *opt, const char *s, double *out)
{
        char *end;

        errno = 0;
        *out = strtod(s, &end);
        if (errno || end == s || *end)
                return cli_usage_error("post", "--%s '%s': not a number", opt,
                                       s);
        return 0;
}

/* Splits "a,b,c" into at most KIM_TAGS_MAX slices of s. */
static int
parse_tags(const char *s, struct kim_body *b)
{
        const char *p = s;

        b->has_tags = true;
        while (*p) {
                const char *comma = strchr(p, ',');
                size_t len = comma ? (size_t)(comma - p) : strlen(p);
                if (b->n_tags == KIM_TAGS_MAX)
                        return cli_usage_error("post", "at most %u --tags",
                                               KIM_TAGS_MAX);
                b->tags[b->n_tags++] = slice_make(p, len);
                p += len + (comma != NULL);
        }
        return 0;
}

/* The value of --opt, a name of set: 0 or a usage error. */
static int
vocab(const char *opt, enum app_names set, const char *s, const char *allowed,
      uint32_t *out)
{
        if (!app_name_parse(set, s, out))
                return 0;
        return cli_usage_error("post", "--%s '%s': one of %s", opt, s, allowed);
}

static void
opt_str(const char *s, bool *has, struct slice *out)
{
        if (s) {
                *has = true;
                *out = slice_cstr(s);
        }
}

static int
post_location(const struct post_opts *o, struct kim_location *l)
{
        int rc;

        if (o->v[O_LOCATION]) {
                l->has_region = true;
                if (region_copy(l->region, o->v[O_LOCATION],
                                strlen(o->v[O_LOCATION])))
                        return cli_usage_error("post",
                                               "--location '%s': not a region "
                                               "code",
                                               o->v[O_LOCATION]);
        }
        opt_str(o->v[O_PLACE], &l->has_place, &l->place);
        if (o->v[O_LAT]) {
                l->has_coords = true;
                if ((rc = parse_deg("lat", o->v[O_LAT], &l->lat)) ||
                    (rc = parse_deg("lon", o->v[O_LON], &l->lon)))
                        return rc;
        }
        l->present = l->has_region || l->has_place || l->has_coords;
        return 0;
}

/* The announcement, report, tanggapan and revisi fields. */
static int
post_content(const struct post_opts *o, struct post_build *pb)
{
        struct kim_body *b = &pb->p.body;
        int rc;
        uint32_t v;

        opt_str(o->v[O_TITLE], &b->has_title, &b->title);
        if (K_TEXT & K_(o->kind)) {
                b->has_text = true;
                b->text = buf_slice(&pb->text);
        }
        opt_str(o->v[O_CATEGORY], &b->has_category, &b->category);
        if (o->v[O_TAGS] && (rc = parse_tags(o->v[O_TAGS], b)))
                return rc;
        if ((rc = post_location(o, &b->location)))
                return rc;
        if (o->kind == KIND_PERINGATAN) {
                b->level = KIM_LEVEL_WASPADA;
                if (o->v[O_LEVEL] &&
                    (rc = vocab("level", APP_NAMES_LEVEL, o->v[O_LEVEL],
                                "waspada, siaga, awas", &v)))
                        return rc;
                if (o->v[O_LEVEL])
                        b->level = (enum kim_level)v;
        }
        if (o->v[O_UNTIL]) {
                b->has_until = true;
                if ((rc = parse_u64("until-ms", o->v[O_UNTIL], &b->until_ms)))
                        return rc;
        }
        opt_str(o->v[O_REASON], &b->has_reason, &b->reason);
        return 0;
}

static int
post_report_fields(const struct post_opts *o, struct post_build *pb)
{
        struct kim_body *b = &pb->p.body;

        if (o->v[O_HANDLER]) {
                b->has_handler = true;
                if (region_copy(b->handler, o->v[O_HANDLER],
                                strlen(o->v[O_HANDLER])))
                        return cli_usage_error("post",
                                               "--handler '%s': not a region "
                                               "code",
                                               o->v[O_HANDLER]);
        }
        b->anonim = o->anonim;
        b->rahasia = o->rahasia;
        if (o->v[O_REPORTER]) {
                pb->p.has_reporter = true;
                pb->p.reporter.name = slice_cstr(o->v[O_REPORTER]);
                pb->p.reporter.contact =
                    slice_cstr(o->v[O_CONTACT] ? o->v[O_CONTACT] : "");
        }
        for (size_t i = 0; i < o->seal_to.n; i++) {
                const char *k = o->seal_to.v[i];
                if (strlen(k) != 2 * ENTRY_KEY_BYTES ||
                    hex_decode(pb->to + i * ENTRY_KEY_BYTES, ENTRY_KEY_BYTES, k,
                               strlen(k)))
                        return cli_usage_error("post",
                                               "--seal-to '%s': not a node "
                                               "key (64 hex digits)",
                                               k);
        }
        pb->p.to = pb->to;
        pb->p.n_to = o->seal_to.n;
        return 0;
}

static int
post_status_fields(const struct post_opts *o, struct kim_body *b)
{
        uint32_t v;
        int rc;

        if ((rc = vocab("step", APP_NAMES_STEP, o->v[O_STEP],
                        "the steps in --help", &v)))
                return rc;
        b->step = (enum kim_step)v;
        if (b->step == KIM_STEP_DIVERIFIKASI &&
            (!o->v[O_METHOD] || !o->v[O_RESULT]))
                return cli_usage_error("post", "diverifikasi needs --method "
                                               "and --result");
        if (b->step == KIM_STEP_DITERUSKAN && !o->v[O_AGENCY])
                return cli_usage_error("post", "diteruskan needs --agency");
        if (o->v[O_RESULT] &&
            (rc = vocab("result", APP_NAMES_RESULT, o->v[O_RESULT],
                        "valid, tidak_valid, hoaks, "
                        "perlu_informasi_tambahan",
                        &v)))
                return rc;
        if (o->v[O_RESULT])
                b->result = (enum kim_result)v;
        opt_str(o->v[O_NOTE], &b->has_note, &b->note);
        opt_str(o->v[O_METHOD], &b->has_method, &b->method);
        opt_str(o->v[O_AGENCY], &b->has_agency, &b->agency);
        opt_str(o->v[O_VERIFIER], &b->has_verifier, &b->verifier);
        b->anonim = o->anonim;
        b->rahasia = o->rahasia;
        return 0;
}

/* Everything that needs no node: 0 or a usage error. */
static int
post_build(const struct post_opts *o, struct post_build *pb)
{
        struct app_post *p = &pb->p;
        uint32_t v;
        int rc, err;

        p->body.kind = o->kind;
        if (o->v[O_TO]) {
                p->has_audience = true;
                if ((err = audience_parse(&p->audience, o->v[O_TO])))
                        return cli_usage_error("post", "--to '%s': %s",
                                               o->v[O_TO], err_str(err));
        }
        if (o->v[O_TIMESTAMP] &&
            (rc = parse_u64("timestamp-ms", o->v[O_TIMESTAMP],
                            &p->timestamp_ms)))
                return rc;
        if ((rc = post_content(o, pb)))
                return rc;
        if ((K_REP & K_(o->kind)) && (rc = post_report_fields(o, pb)))
                return rc;
        if (o->kind == KIND_STATUS && (rc = post_status_fields(o, &p->body)))
                return rc;
        if (o->kind == KIND_REVISI_KEPUTUSAN) {
                if ((rc = vocab("decision", APP_NAMES_DECISION,
                                o->v[O_DECISION], "diterima, ditolak", &v)))
                        return rc;
                p->body.decision = (enum kim_decision)v;
        }
        return 0;
}

/* An id or a unique prefix of one held here, into id. */
static int
resolve_id(struct node *n, const char *opt, const char *s, bool *has,
           uint8_t id[ENTRY_HASH_BYTES])
{
        size_t len;
        int err;

        if (!s)
                return 0;
        if (cli_parse_id(s, id, &len))
                return cli_usage_error("post",
                                       "--%s '%s': not an id (8-64 "
                                       "hex digits)",
                                       opt, s);
        *has = true;
        /* A whole id is not looked up: app_post says if it is not held. */
        if ((err = app_entry_resolve(n, id, len, id)))
                return cli_error("post: --%s %s: %s", opt, s,
                                 err == ERR_NOT_FOUND
                                     ? err_str(ERR_KIM_NOT_FOUND)
                                     : err_str(err));
        return 0;
}

static int
post_ids(const struct post_opts *o, struct node *n, struct kim_body *b)
{
        int rc;

        if ((rc = resolve_id(n, "report", o->v[O_REPORT], &b->has_report,
                             b->report)) ||
            (rc = resolve_id(n, "after", o->v[O_AFTER], &b->has_after,
                             b->after)) ||
            (rc = resolve_id(n, "item", o->v[O_ITEM], &b->has_item, b->item)) ||
            (rc = resolve_id(n, "revisi", o->v[O_REVISI], &b->has_revisi,
                             b->revisi)))
                return rc;
        return 0;
}

/* --attach: the file stored as a blob first (a post that then fails
 * leaves it for simpul gc), then named in the body. */
static int
post_attach(const struct post_opts *o, struct node *n, struct post_build *pb)
{
        char msg[APP_ERR_MAX];
        int err;

        if (!o->v[O_ATTACH])
                return 0;
        if ((err = app_attach_file(n, o->v[O_ATTACH], o->v[O_TYPE],
                                   o->v[O_THUMB], &pb->attach, msg)))
                return cli_error("post: --attach: %s (%s)", msg, err_id(err));
        pb->p.body.attach[0] = pb->attach.a;
        pb->p.body.n_attach = 1;
        return 0;
}

static int
post_print(const struct post_opts *o, struct node *n, const uint8_t id[32])
{
        struct app_entry e;
        struct buf out = BUF_INIT;
        char hex[65], msg[APP_ERR_MAX];
        int rc = EXIT_OK;

        if (app_entry_get(n, id, ENTRY_HASH_BYTES, &e, msg))
                return cli_error("post: cannot read back the entry: %s", msg);
        if (o->json) {
                rc = cli_print_buf(&out, app_json_entry(&out, &e, true, 0));
        } else {
                hex_encode(hex, id, ENTRY_HASH_BYTES);
                printf("posted %s (%s, seq %llu) to %s\n", hex, o->v[O_KIND],
                       (unsigned long long)e.e.h.seq, e.audience);
        }
        app_entry_release(&e);
        return rc;
}

static int
post_fail(const struct node *n, const struct app_post *p, int err,
          const char *msg)
{
        char aud[40] = "";

        if (p->has_audience)
                audience_format(&p->audience, aud);
        if (err == ERR_AUTHOR_RULE)
                return cli_error(
                    "post: a node of %s (%s) may not write to %s: it may "
                    "write to tree:CODE inside its own region or of its "
                    "parent, and to a path it lies on",
                    n->config.region,
                    region_level_name(region_level(n->config.region)),
                    aud[0] ? aud : "that audience");
        if (err == ERR_TOO_BIG)
                return cli_error("post: the body is over the limit of %u "
                                 "bytes",
                                 ENTRY_BODY_MAX);
        if (err == ERR_RESTORED)
                return cli_error("post: %s (it would fork this node's own "
                                 "feeds): run simpul run until it has caught "
                                 "up with every parent, or see simpul "
                                 "restored (%s)",
                                 err_str(ERR_RESTORED), err_id(ERR_RESTORED));
        return cli_error("post: %s (%s)", msg[0] ? msg : err_str(err),
                         err_id(err));
}

int
cmd_post(int argc, char **argv)
{
        struct post_opts o;
        struct post_build pb;
        struct node n;
        char msg[APP_ERR_MAX];
        uint8_t id[ENTRY_HASH_BYTES];
        int rc, err;

        memset(&pb, 0, sizeof(pb));
        if ((rc = post_parse(argc, argv, &o)))
                return rc < 0 ? EXIT_OK : rc;
        if ((rc = post_required(&o)) || (rc = post_build(&o, &pb)) ||
            (rc = post_text(&o, &pb.text)))
                goto out;
        pb.p.body.text = buf_slice(&pb.text);
        if (pb.text.len > ENTRY_BODY_MAX) {
                rc = post_fail(NULL, &pb.p, ERR_TOO_BIG, "");
                goto out;
        }
        if (pb.text.len > KIM_TEXT_MAX) {
                rc = cli_error("post: the text is %zu bytes, over the limit "
                               "of %u (proto/KIM.md §2) (%s)",
                               pb.text.len, KIM_TEXT_MAX, err_id(ERR_KIM_BODY));
                goto out;
        }
        if (pb.p.body.has_title &&
            (pb.p.body.title.len < 1 || pb.p.body.title.len > KIM_TITLE_MAX ||
             strpbrk(o.v[O_TITLE], "\n\r\t"))) {
                rc = cli_error("post: the title must be one line of 1-%u "
                               "bytes (%s)",
                               KIM_TITLE_MAX, err_id(ERR_KIM_BODY));
                goto out;
        }
        if (o.kind == KIND_TANGGAPAN && !pb.text.len) {
                rc = cli_usage_error("post", "a tanggapan needs its text: "
                                             "--body, --body-file or "
                                             "standard input");
                goto out;
        }
        if ((rc = cli_open(&n, o.data, NODE_OPEN_KEY) ? EXIT_ERROR : 0))
                goto out;
        if (!(rc = post_ids(&o, &n, &pb.p.body)) &&
            !(rc = post_attach(&o, &n, &pb))) {
                err = app_post(&n, &pb.p, id, msg);
                rc = err ? post_fail(&n, &pb.p, err, msg)
                         : post_print(&o, &n, id);
        }
        app_close(&n);
out:
        app_attach_release(&pb.attach);
        buf_release(&pb.text);
        return rc;
}
