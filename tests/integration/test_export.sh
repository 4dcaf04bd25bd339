#!/usr/bin/env bash
# Exports of reports and announcements (simpul export-table, GET
# /api/export/...) on real daemons: a desa reports to the kabupaten
# through its kecamatan (an aspirasi with a reporter whose title would be
# a spreadsheet formula and whose text has a tab, a newline, quotes and
# commas; a rahasia pengaduan; an anonim aspirasi with a reporter); the
# kabupaten verifies, forwards and answers the first and posts an
# informasi and a peringatan. Then:
#   - CSV by the CLI, parsed with Python's csv module: a UTF-8 BOM, CRLF
#     line ends, the ids and states of `simpul reports --json`, the
#     timeline in the steps file, the formula quoted (OWASP), the
#     reporter shown, never an anonim one;
#   - XLSX by the CLI opened with openpyxl: the same ids and states, two
#     sheets, times as dates;
#   - --no-personal and the filters (status, region, since, kind);
#   - the relay's export: what is sealed stays sealed;
#   - HTTP: the same files with the token; without it no personal data;
#     Content-Disposition attachment; a bad filter 400 HTTP-BAD-VALUE.
# Usage: test_export.sh SIMPUL
. "$(dirname "$0")/lib.sh"
SIMPUL=$1
. "$(dirname "$0")/netlib.sh"
. "$(dirname "$0")/httplib.sh"
# Debian's Python, where deploy/deps.sh installs python3-openpyxl (a
# python3 earlier on PATH, a pyenv's, may lack it).
PY=${PYTHON:-/usr/bin/python3}

KAB=36.04
KEC=36.04.12
DESA=36.04.12.2002
TO=path:$DESA:$KAB

make_root kab $KAB
make_node kec $KEC kab --issuer
make_node desa $DESA kab
http_on kab
start kab 127.0.0.1:0
parent kec kab; start kec 127.0.0.1:0
parent desa kec kab; start desa
http_wait kab
links_up() {
  for n in kec desa; do
    grep -q 'LINK-OPEN .* to parent' "$WORK/$n.log" && echo "$n"
  done | wc -l
}
wait_until 30 "both links up" eq 2 links_up

s() { "$SIMPUL" "$@"; }
post_report() { # FILE args...: on success the new id goes to FILE
  local file=$1; shift
  s post --data "$WORK/desa" "$@" --json >"$WORK/post.json" 2>"$WORK/post.err" &&
    jq -r .id "$WORK/post.json" >"$file"
}
TEXT='Lubang "besar"	di depan SD, dekat pasar.
Baris kedua.'
wait_until 30 "the desa can seal to the kabupaten" post_report "$WORK/r1" \
  --kind aspirasi --to $TO --title '=HYPERLINK("http://x.example","klik")' \
  --body "$TEXT" --category infrastruktur \
  --reporter "Budi Santoso" --contact "0812-1111-2222"
R1=$(cat "$WORK/r1")
post_report "$WORK/r2" --kind pengaduan --to $TO --rahasia \
  --title "Pungutan liar di kantor desa" --body "Rp50.000 untuk surat domisili." \
  --category administrasi --reporter "Ani Lestari" --contact "0813-3333-4444" ||
  { cat "$WORK/post.err" >&2; fail "post the rahasia pengaduan"; }
R2=$(cat "$WORK/r2")
OLD=$(( $(date +%s) * 1000 - 10 * 86400000 ))
post_report "$WORK/r3" --kind aspirasi --to $TO --anonim --reporter "Citra Dewi" \
  --contact "0814-5555" --title "Lampu jalan mati" --body "Sejak dua minggu." \
  --timestamp-ms $OLD ||
  { cat "$WORK/post.err" >&2; fail "post the anonim aspirasi"; }
R3=$(cat "$WORK/r3")
nreports() { s reports --data "$WORK/$1" --json --limit 1000 | jq '.reports | length'; }
wait_until 30 "the kabupaten holds the three reports" eq 3 nreports kab
wait_until 30 "the kecamatan holds the three reports" eq 3 nreports kec
expect_status "verify" 0 s report verify --data "$WORK/kab" $R1 \
  --method telepon --result valid --verifier "Pak Camat"
expect_status "forward" 0 s report forward --data "$WORK/kab" $R1 \
  --agency "Dinas PUPR"
expect_status "respond" 0 s report respond --data "$WORK/kab" $R1 \
  --text "Perbaikan dijadwalkan minggu depan."
expect_status "informasi" 0 s post --data "$WORK/kab" --kind informasi \
  --to tree:$KAB --title "Posyandu keliling" --body "Jadwal bulan ini." \
  --category kesehatan
expect_status "peringatan" 0 s post --data "$WORK/kab" --kind peringatan \
  --to tree:$KEC --title "Banjir" --body "Siaga di bantaran sungai." \
  --level siaga

s reports --data "$WORK/kab" --json --limit 1000 >"$WORK/reports.json"

# ---- CSV by the CLI ----------------------------------------------------------
expect_status "export-table csv" 0 s export-table reports --format csv \
  -o "$WORK/r.csv" --data "$WORK/kab"
expect_grep "says what it wrote" "3 reports to .*r.csv, 3 steps to .*r-steps.csv" "$WORK/out"
[ ! -e "$WORK/r.csv.tmp" ] || fail "a temporary file left behind"
ok

"$PY" - "$WORK" "$R1" "$R2" "$R3" <<'EOF' || fail "the CLI's CSV"
import csv, json, sys
work, r1, r2, r3 = sys.argv[1:]
raw = open(f"{work}/r.csv", "rb").read()
assert raw.startswith(b"\xef\xbb\xbf"), "no UTF-8 BOM"
# CRLF line ends; the one bare LF is inside the quoted text of R1.
assert raw.count(b"\r\n") == 4 and raw.count(b"\n") == 5, "not CRLF"
rows = list(csv.DictReader(open(f"{work}/r.csv", encoding="utf-8-sig", newline="")))
want = {r["id"]: r for r in json.load(open(f"{work}/reports.json"))["reports"]}
got = {r["id"]: r for r in rows}
assert set(got) == set(want), (set(got), set(want))
for i, r in got.items():
    assert r["state"] == want[i]["state"], (i, r["state"], want[i]["state"])
    assert r["kind"] == want[i]["kind"]
a = got[r1]
assert a["title"] == "'=HYPERLINK(\"http://x.example\",\"klik\")", a["title"]
assert a["text"] == 'Lubang "besar"\tdi depan SD, dekat pasar.\nBaris kedua.', repr(a["text"])
assert a["reporter_name"] == "Budi Santoso" and a["reporter_contact"] == "0812-1111-2222", a
assert a["state"] == "diteruskan" and a["result"] == "valid", a
assert a["category"] == "infrastruktur" and a["region"] == "36.04.12.2002", a
assert a["desa"] == "Node desa" and a["kecamatan"] == "Node kec", (a["desa"], a["kecamatan"])
assert a["verified_time"] and a["last_reply_time"] and not a["done_time"], a
assert a["response"] == "Perbaikan dijadwalkan minggu depan.", a["response"]
assert a["steps"] == "3", a["steps"]
b = got[r2]
assert b["title"] == "Pungutan liar di kantor desa" and b["rahasia"] == "true", b
assert b["reporter_name"] == "Ani Lestari", b
c = got[r3]
assert c["anonim"] == "true" and c["reporter_name"] == "" and c["reporter_contact"] == "", c
assert c["overdue"] == "true" and c["terlambat_verifikasi"] == "true", c
assert b"Citra" not in raw and b"0814-5555" not in raw, "an anonim reporter in the file"
steps = list(csv.DictReader(open(f"{work}/r-steps.csv", encoding="utf-8-sig", newline="")))
assert [s["step"] or s["kind"] for s in steps] == ["diverifikasi", "diteruskan", "tanggapan"], steps
assert all(s["report_id"] == r1 for s in steps)
assert steps[0]["method"] == "telepon" and steps[0]["result"] == "valid"
assert steps[0]["verifier"] == "Pak Camat" and steps[0]["actor"] == "36.04"
assert steps[1]["agency"] == "Dinas PUPR"
assert steps[2]["text"] == "Perbaikan dijadwalkan minggu depan."
EOF
ok

# ---- XLSX by the CLI --------------------------------------------------------
expect_status "export-table xlsx" 0 s export-table reports --format xlsx \
  -o "$WORK/r.xlsx" --data "$WORK/kab"
check_xlsx() { # FILE PERSONAL(1|0)
"$PY" - "$1" "$2" "$WORK/reports.json" "$R1" "$R3" <<'EOF'
import datetime, json, sys, openpyxl
path, personal, want_path, r1, r3 = sys.argv[1:]
wb = openpyxl.load_workbook(path, read_only=True)
assert wb.sheetnames == ["reports", "steps"], wb.sheetnames
def table(ws):
    rows = list(ws.iter_rows(values_only=True))
    return [dict(zip(rows[0], r)) for r in rows[1:]]
reps, steps = table(wb["reports"]), table(wb["steps"])
want = {r["id"]: r["state"] for r in json.load(open(want_path))["reports"]}
assert {r["id"]: r["state"] for r in reps} == want, reps
a = [r for r in reps if r["id"] == r1][0]
assert isinstance(a["time"], datetime.datetime), a["time"]
assert a["title"] == '=HYPERLINK("http://x.example","klik")', a["title"]
assert a["steps"] == 3 and a["anonim"] is False
if personal == "1":
    assert a["reporter_name"] == "Budi Santoso", a
else:
    assert a["reporter_name"] is None, a
c = [r for r in reps if r["id"] == r3][0]
assert c["reporter_name"] is None and c["reporter_contact"] is None, c
assert len(steps) == 3 and steps[0]["step"] == "diverifikasi", steps
for ws in wb:
    for row in ws.iter_rows(values_only=True):
        assert not any(isinstance(v, str) and "Citra" in v for v in row)
EOF
}
check_xlsx "$WORK/r.xlsx" 1 || fail "the CLI's XLSX"
ok

# ---- what may be shown, and the filters ------------------------------------
expect_status "no-personal" 0 s export-table reports --format csv \
  -o "$WORK/np.csv" --steps "$WORK/np-steps.csv" --no-personal --data "$WORK/kab"
for w in Budi 0812-1111 Ani Pungutan Rp50.000; do
  if grep -q "$w" "$WORK/np.csv" "$WORK/np-steps.csv"; then fail "--no-personal shows $w"; fi
done
ok
expect_grep "--no-personal: rahasia title sealed" "$R2,.*\[disegel\]" "$WORK/np.csv"

rows() { "$PY" -c 'import csv,sys; print(len(list(csv.reader(open(sys.argv[1], encoding="utf-8-sig"))))-1)' "$1"; }
xf() { # NAME ARGS...: reports to $WORK/NAME.csv
  local name=$1; shift
  s export-table reports --format csv -o "$WORK/$name.csv" --data "$WORK/kab" "$@" >/dev/null
}
xf st --status diteruskan; expect_eq "--status" 1 "$(rows "$WORK/st.csv")"
xf rg --region $DESA; expect_eq "--region a desa" 3 "$(rows "$WORK/rg.csv")"
xf rg2 --region 36.04.05; expect_eq "--region another kecamatan" 0 "$(rows "$WORK/rg2.csv")"
xf kd --kind pengaduan; expect_eq "--kind" 1 "$(rows "$WORK/kd.csv")"
xf ct --category infrastruktur; expect_eq "--category" 1 "$(rows "$WORK/ct.csv")"
xf od --overdue; expect_eq "--overdue" 1 "$(rows "$WORK/od.csv")"
SINCE=$(TZ=Asia/Jakarta date -d @$(( OLD / 1000 + 86400 )) +%Y-%m-%d)
xf sn --since "$SINCE"; expect_eq "--since" 2 "$(rows "$WORK/sn.csv")"
xf un --until "$SINCE"; expect_eq "--until" 1 "$(rows "$WORK/un.csv")"
expect_status "bad status" 2 s export-table reports --format csv -o "$WORK/x.csv" \
  --status bogus --data "$WORK/kab"
expect_status "bad format" 2 s export-table reports --format pdf -o "$WORK/x.pdf" \
  --data "$WORK/kab"
expect_status "no -o" 2 s export-table reports --format csv --data "$WORK/kab"
[ ! -e "$WORK/x.csv" ] && [ ! -e "$WORK/x.csv.tmp" ] || fail "a refused export left a file"
ok
expect_status "help" 0 s export-table --help
expect_grep "help names the injection rule" "single quote" "$WORK/out"

expect_status "announcements csv" 0 s export-table announcements --format csv \
  -o "$WORK/a.csv" --data "$WORK/kab"
"$PY" - "$WORK/a.csv" <<'EOF' || fail "announcements CSV"
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], encoding="utf-8-sig", newline="")))
assert sorted(r["kind"] for r in rows) == ["informasi", "peringatan"], rows
p = [r for r in rows if r["kind"] == "peringatan"][0]
assert p["level"] == "siaga" and p["audience"] == "tree:36.04.12", p
i = [r for r in rows if r["kind"] == "informasi"][0]
assert i["category"] == "kesehatan" and i["title"] == "Posyandu keliling", i
EOF
ok
expect_status "announcements xlsx" 0 s export-table announcements --format xlsx \
  -o "$WORK/a.xlsx" --kind peringatan --data "$WORK/kab"
expect_eq "announcements xlsx: one peringatan" "peringatan" "$("$PY" -c '
import openpyxl, sys
ws = openpyxl.load_workbook(sys.argv[1])["announcements"]
print(",".join(r[2] for r in ws.iter_rows(min_row=2, values_only=True)))' "$WORK/a.xlsx")"

# ---- the relay exports what it can read -------------------------------------
expect_status "kec export" 0 s export-table reports --format csv \
  -o "$WORK/kec.csv" --data "$WORK/kec"
expect_eq "kec: three reports" 3 "$(rows "$WORK/kec.csv")"
for w in Budi Ani Pungutan Citra; do
  if grep -q "$w" "$WORK/kec.csv"; then fail "the relay's export shows $w"; fi
done
ok

# ---- HTTP --------------------------------------------------------------------
get() { # PATH [TOKEN|-]: the body in $WORK/body, headers in $WORK/hdr
  local tok=${2:-${TOK[kab]}} args=(-s -m 60 -D "$WORK/hdr" -o "$WORK/body" -w '%{http_code}')
  [ "$tok" != - ] && args+=(-H "Authorization: Bearer $tok")
  CODE=$(curl "${args[@]}" "http://127.0.0.1:${HP[kab]}$1") || CODE=000
}
get /api/export/reports.csv
expect_api "reports.csv with the token" 200
expect_grep "attachment" '^Content-Disposition: attachment; filename="reports.csv"' "$WORK/hdr"
expect_grep "text/csv" '^Content-Type: text/csv; charset=utf-8' "$WORK/hdr"
cmp -s "$WORK/body" "$WORK/r.csv" || {
  diff <(tr -d '\r' <"$WORK/body") <(tr -d '\r' <"$WORK/r.csv") | head >&2
  fail "HTTP and CLI CSV differ"; }
ok
get /api/export/reports.csv -
expect_api "reports.csv without the token" 200
for w in Budi 0812-1111 Ani Pungutan Citra; do
  if grep -q "$w" "$WORK/body"; then fail "HTTP without the token shows $w"; fi
done
ok
cmp -s "$WORK/body" "$WORK/np.csv" || fail "HTTP without the token is not --no-personal"
ok
get /api/export/steps.csv -
expect_api "steps.csv" 200
cmp -s "$WORK/body" "$WORK/np-steps.csv" || fail "steps.csv is not the CLI's"
ok
get /api/export/reports.xlsx
expect_api "reports.xlsx with the token" 200
expect_grep "xlsx type" 'spreadsheetml.sheet' "$WORK/hdr"
cp "$WORK/body" "$WORK/h.xlsx"
check_xlsx "$WORK/h.xlsx" 1 || fail "HTTP XLSX with the token"
ok
get /api/export/reports.xlsx -
cp "$WORK/body" "$WORK/h2.xlsx"
check_xlsx "$WORK/h2.xlsx" 0 || fail "HTTP XLSX without the token"
ok
get "/api/export/reports.csv?status=diteruskan&region=$DESA"
expect_eq "HTTP filters" 1 "$(rows "$WORK/body")"
get /api/export/announcements.xlsx
expect_api "announcements.xlsx" 200
get "/api/export/reports.csv?status=bogus"
expect_api "bad status" 400 HTTP-BAD-VALUE
get "/api/export/reports.csv?since=yesterday"
expect_api "bad since" 400 HTTP-BAD-VALUE
get "/api/export/reports.csv?color=red"
expect_api "unknown parameter" 400 HTTP-UNKNOWN-FIELD
get /api/export/reports.pdf
expect_api "unknown export" 404 HTTP-NOT-FOUND
[ -z "$(ls -d "$WORK"/kab/export.* 2>/dev/null)" ] || fail "an export directory left behind"
ok

for n in kab kec desa; do stop $n; done
sanitizers_clean
echo "PASS test_export ($checks checks)"
