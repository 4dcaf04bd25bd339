#!/usr/bin/env bash
# simpul dashboard and GET /api/dashboard (docs/API.md) on real daemons,
# against figures computed by hand below. Two desa in two kecamatan report
# to the kabupaten with back-dated times (paper reports typed in late);
# the kabupaten verifies, answers and finishes some of them at known
# times. At NOW (Monday 2026-11-30 12:00 WIB, no holidays):
#
#   report  desa  kind / category              time (WIB)       steps
#   R0      B     aspirasi lingkungan          Fri 10-30 10:00  -
#   R1      A     aspirasi infrastruktur       Mon 11-02 09:00  verify valid
#           11-03 09:00 (+24h), respond 11-04 09:00 (+48h), follow-up 11-05,
#           done 11-06 09:00 (Fri)
#   R2      A     pengaduan kesehatan          Fri 11-20 10:00  -
#   R3      A     aspirasi infrastruktur       Fri 11-27 08:00  -
#   R4      B     permintaan_info pendidikan   Mon 11-09 08:00  respond
#           11-10 08:00 (+24h), verify valid 11-11 14:00 (+54h)
#   R5      B     aspirasi infrastruktur       Mon 11-16 08:00  verify
#           tidak_valid 11-16 20:00 (+12h)
#
# Deadlines (KIM.md §5, the event's day is day 0):
#   R0 diajukan, late after Wed 11-04          -> terlambat_verifikasi
#   R2 diajukan, late after Wed 11-25          -> terlambat_verifikasi
#   R3 diajukan, due end of Wed 12-02          -> not late
#   R4 verified valid Wed 11-11, follow-up due end of Wed 11-18
#                                              -> terlambat_tindak_lanjut
#   R5 verified tidak_valid: no follow-up deadline
#   R1 selesai Fri 11-06, 10 working days end Fri 11-20 -> siap_ditutup
# Medians: to verification {24h, 54h, 12h} -> 24h; to the first response
# {48h, 24h} -> 36h. Per kecamatan: 36.04.12 (A: R1 R2 R3) verification
# 24h, response 48h; 36.04.13 (B: R0 R4 R5) verification {12h, 54h} -> 33h,
# response 24h. Items per KIM and month: desa A 2026-11: R1 R2 R3 and an
# informasi = 4; desa B 2026-10: 1, 2026-11: 2; the kabupaten 2026-11: one
# informasi. Nodes not heard from in 7 days: desa B (last R5, 11-16), the
# two kecamatan and desa C (certified, never wrote), and the kabupaten's
# node key itself (its last entry is R5's verification, 11-16 20:00); not
# the network's root key (its certificates are written at the real clock,
# after NOW) nor desa A (last R3, 11-27, 3 days before NOW). In 20 days
# the kabupaten and desa B were heard from.
# Usage: test_dashboard.sh SIMPUL
. "$(dirname "$0")/lib.sh"
SIMPUL=$1
. "$(dirname "$0")/netlib.sh"
. "$(dirname "$0")/httplib.sh"

KAB=36.04
KA=36.04.12
KB=36.04.13
A=36.04.12.2002
B=36.04.13.2001
C=36.04.12.2003
NOW=2026-11-30T12:00
NOW_MS=$(date -d "2026-11-30 12:00 +0700" +%s%3N)
ms() { date -d "$1 +0700" +%s%3N; } # "YYYY-MM-DD HH:MM" in WIB
H=3600000

make_root kab $KAB
make_node ka $KA kab
make_node kb $KB kab
make_node a $A kab
make_node b $B kab
make_node c $C kab # certified, never started
http_on kab
start kab 127.0.0.1:0
http_wait kab
parent ka kab; start ka 127.0.0.1:0
parent kb kab; start kb 127.0.0.1:0
parent a ka; start a
parent b kb; start b

s() { "$SIMPUL" "$@"; }
report() { # NODE KIND CATEGORY "YYYY-MM-DD HH:MM": prints the new id
  s post --data "$WORK/$1" --kind "$2" --to "path:$(region_of "$1"):$KAB" \
    --title "Laporan $2 $3" --body "Isi laporan." --category "$3" \
    --timestamp-ms "$(ms "$4")" --json | jq -r .id
}
region_of() { case $1 in a) echo $A ;; b) echo $B ;; esac; }

R0=$(report b aspirasi lingkungan "2026-10-30 10:00")
R1=$(report a aspirasi infrastruktur "2026-11-02 09:00")
R2=$(report a pengaduan kesehatan "2026-11-20 10:00")
R3=$(report a aspirasi infrastruktur "2026-11-27 08:00")
R4=$(report b permintaan_informasi pendidikan "2026-11-09 08:00")
R5=$(report b aspirasi infrastruktur "2026-11-16 08:00")
for r in "$R0" "$R1" "$R2" "$R3" "$R4" "$R5"; do
  [ ${#r} = 64 ] || fail "a report was not posted: '$r'"
done
s post --data "$WORK/a" --kind informasi --to tree:$KA --title "Kerja bakti" \
  --body "Minggu pagi." --timestamp-ms "$(ms "2026-11-05 07:00")" >/dev/null ||
  fail "post the desa's informasi"
s post --data "$WORK/kab" --kind informasi --to tree:$KAB --title "Info" \
  --body "Untuk semua." --timestamp-ms "$(ms "2026-11-10 07:00")" >/dev/null ||
  fail "post the kabupaten's informasi"

nreports() { s reports --data "$WORK/$1" --json --limit 1000 | jq '.reports | length'; }
wait_until 60 "the kabupaten holds the six reports" eq 6 nreports kab

# Steps at known times: simpul post with --timestamp-ms (simpul report
# makes its steps now), each after the one before it.
declare -A HEAD
step() { # REPORT "YYYY-MM-DD HH:MM" STEP [post options]
  local r=$1 at=$2 st=$3; shift 3
  s post --data "$WORK/kab" --kind status --report "$r" \
    --after "${HEAD[$r]:-$r}" --step "$st" --timestamp-ms "$(ms "$at")" \
    "$@" --json >"$WORK/out" 2>&1 || { cat "$WORK/out" >&2; fail "$st $r at $at"; }
  HEAD[$r]=$(jq -r .id "$WORK/out")
}
respond() { # REPORT "YYYY-MM-DD HH:MM"
  s post --data "$WORK/kab" --kind tanggapan --report "$1" --body "Jawaban." \
    --timestamp-ms "$(ms "$2")" >"$WORK/out" 2>&1 ||
    { cat "$WORK/out" >&2; fail "respond to $1 at $2"; }
}
step "$R1" "2026-11-03 09:00" diverifikasi --method telepon --result valid
respond "$R1" "2026-11-04 09:00"
step "$R1" "2026-11-05 09:00" ditindaklanjuti
step "$R1" "2026-11-06 09:00" selesai
respond "$R4" "2026-11-10 08:00"
step "$R4" "2026-11-11 14:00" diverifikasi --method dokumen --result valid
step "$R5" "2026-11-16 20:00" diverifikasi --method telepon --result tidak_valid

# ---- the kabupaten's figures, from the CLI --------------------------------
dash() { # NODE [options]: simpul dashboard --json as of NOW
  local n=$1; shift
  s dashboard --data "$WORK/$n" --at $NOW --json "$@"
}
dash kab >"$WORK/d.json" || fail "simpul dashboard --json"
q() { jq -cr "$1" "$WORK/d.json"; }
expect_eq "region and its name" "36.04|kabupaten|Node kab" \
  "$(q '.region | "\(.code)|\(.level)|\(.name)"')"
expect_eq "now is the one given" "$NOW_MS" "$(q .now_ms)"
expect_eq "reports by status" \
  '{"diajukan":3,"diverifikasi":2,"ditunda":0,"bukan_wewenang":0,"diarsipkan":0,"diteruskan":0,"ditindaklanjuti":0,"selesai":1,"ditutup":0}' \
  "$(q .totals.by_status)"
expect_eq "reports by category" \
  '{"infrastruktur":3,"kesehatan":1,"lingkungan":1,"pendidikan":1}' \
  "$(q .totals.by_category)"
expect_eq "overdue against 3/5/10 working days" \
  '{"terlambat_verifikasi":2,"terlambat_tindak_lanjut":1,"siap_ditutup":1}' \
  "$(q .totals.overdue)"
expect_eq "median to verification (3 verified)" "3 $((24 * H))" \
  "$(q '"\(.totals.verified) \(.totals.median_verify_ms)"')"
expect_eq "median to the first response (2 answered)" "2 $((36 * H))" \
  "$(q '"\(.totals.responded) \(.totals.median_response_ms)"')"
expect_eq "one row per kecamatan" \
  "36.04.12 Node ka 3 1 0 1 $((24 * H)) $((48 * H))|36.04.13 Node kb 3 1 1 0 $((33 * H)) $((24 * H))" \
  "$(q '[.breakdown[] | "\(.region.code) \(.region.name) \(.reports) \(.overdue.terlambat_verifikasi) \(.overdue.terlambat_tindak_lanjut) \(.overdue.siap_ditutup) \(.median_verify_ms) \(.median_response_ms)"] | join("|")')"
expect_eq "items per KIM and month" \
  '36.04:{"2026-11":1}|36.04.12.2002:{"2026-11":4}|36.04.13.2001:{"2026-10":1,"2026-11":2}' \
  "$(q '[.kim_activity.kim[] | "\(.region.code):\(.months | tojson)"] | join("|")')"
expect_eq "the months" '["2026-10","2026-11"]' "$(q .kim_activity.months)"
quiet() { jq -cr '[.nodes.list[] | select(.quiet) | "\(.region.code)/\(.heard)"] | join(" ")' "$1"; }
expect_eq "nodes not heard from in 7 days" \
  "36.04/true 36.04.12/false 36.04.12.2003/false 36.04.13/false 36.04.13.2001/true" \
  "$(quiet "$WORK/d.json")"
expect_eq "desa B's last entry is R5, 14 days before NOW" \
  "$(ms "2026-11-16 08:00") 14" \
  "$(q '.nodes.list[] | select(.region.code == "'$B'") | "\(.last_ms) \(.days_since)"')"
dash kab --quiet-days 20 >"$WORK/d20.json"
expect_eq "in 20 days the kabupaten and desa B were heard from" \
  "36.04.12/false 36.04.12.2003/false 36.04.13/false" "$(quiet "$WORK/d20.json")"

# A window: since 2026-11-01 leaves R0 out; until 2026-11-20 (to its end)
# leaves R3 out too.
dash kab --since 2026-11-01 --until 2026-11-20 >"$WORK/d.json"
expect_eq "a window: reports, categories" \
  '4 {"infrastruktur":2,"kesehatan":1,"pendidikan":1}' \
  "$(q '"\(.totals.reports) \(.totals.by_category | tojson)"')"
expect_eq "a window: items per KIM" \
  '36.04:{"2026-11":1}|36.04.12.2002:{"2026-11":3}|36.04.13.2001:{"2026-11":2}' \
  "$(q '[.kim_activity.kim[] | "\(.region.code):\(.months | tojson)"] | join("|")')"

# One kecamatan, a row per desa.
dash kab --region $KA >"$WORK/ka.json"
expect_eq "a kecamatan: one row per desa" "36.04.12.2002 Node a 3 2 0 1" \
  "$(jq -cr '[.breakdown[] | "\(.region.code) \(.region.name) \(.reports) \(.by_status.diajukan) \(.by_status.diverifikasi) \(.by_status.selesai)"] | join("|")' "$WORK/ka.json")"

# The readable summary says the same.
s dashboard --data "$WORK/kab" --at $NOW >"$WORK/text" || fail "simpul dashboard"
expect_grep "summary: states" "reports 6: diajukan 3 diverifikasi 2 selesai 1" "$WORK/text"
expect_grep "summary: overdue" "terlambat_verifikasi 2, terlambat_tindak_lanjut 1, siap_ditutup 1" "$WORK/text"
expect_grep "summary: medians" "verification 1d 00:00 .3 verified., to the first response 1d 12:00 .2 answered." "$WORK/text"
expect_grep "summary: kecamatan row" "^36.04.13 .*Node kb .* 3 .* 1 .* 1 .* 0 .*1d 09:00 .*1d 00:00" "$WORK/text"
expect_grep "summary: quiet nodes" "not heard from in 7 days: 5 of 7" "$WORK/text"

# ---- the API gives the CLI's figures ---------------------------------------
api kab GET "/api/dashboard?now_ms=$NOW_MS"
expect_api "GET /api/dashboard" 200
expect_eq "API = CLI" "$(dash kab | jq -S .)" "$(jq -S . "$WORK/body")"
api kab GET "/api/dashboard?region=$KB&since=2026-11-01&quiet_days=20&now_ms=$NOW_MS"
expect_api "GET /api/dashboard with a region and window" 200
expect_eq "API = CLI with a region and window" \
  "$(dash kab --region $KB --since 2026-11-01 --quiet-days 20 | jq -S .)" \
  "$(jq -S . "$WORK/body")"
expect_eq "kecamatan B since 11-01: R4 R5" "2 2" \
  "$(body_jq '"\(.totals.reports) \(.totals.by_status.diverifikasi)"')"
api kab GET "/api/dashboard?region=36.4x"
expect_api "a bad region" 400 HTTP-BAD-VALUE
api kab GET "/api/dashboard?quiet_days=0"
expect_api "quiet_days 0" 400 HTTP-BAD-VALUE
api kab GET "/api/dashboard?since=yesterday"
expect_api "a bad since" 400 HTTP-BAD-VALUE
api kab GET "/api/dashboard?colour=red"
expect_api "an unknown parameter" 400 HTTP-UNKNOWN-FIELD
api kab GET "/api/dashboard" "" wrong
expect_api "a wrong token" 401 HTTP-TOKEN
# It holds no personal data: this machine without the token reads the same.
api kab GET "/api/dashboard?now_ms=$NOW_MS" "" -
expect_api "no token from this machine" 200
expect_eq "the same without the token" "$(dash kab | jq -S .)" "$(jq -S . "$WORK/body")"
# The dashboard page of the web UI: its files are served, its script
# reads this endpoint.
api kab GET /ui/dashboard.html "" -
expect_api "the dashboard page" 200
expect_grep "the page loads its script" 'src="/ui/dashboard.js"' "$WORK/body"
api kab GET /ui/dashboard.js "" -
expect_api "the dashboard script" 200
expect_grep "the script reads GET /api/dashboard" "/api/dashboard" "$WORK/body"
expect_status "dashboard: a bad region is a usage error" 2 \
  s dashboard --data "$WORK/kab" --region nowhere

# ---- identical on every node holding the same entries -----------------------
# The kecamatan holds desa A's reports, steps and feeds as the kabupaten
# does: for its own region both print the same figures.
same() { [ "$(dash kab --region $KA)" = "$(dash ka --region $KA)" ]; }
wait_until 60 "the kecamatan's figures equal the kabupaten's" same
expect_eq "the kecamatan sees R1 selesai" "1" \
  "$(dash ka --region $KA | jq .totals.by_status.selesai)"
# The daemons stop cleanly; an ASan build finds nothing in their logs.
for n in a b ka kb kab; do stop $n; done
sanitizers_clean
echo "ok: $checks checks"
