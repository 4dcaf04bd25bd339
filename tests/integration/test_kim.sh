#!/usr/bin/env bash
# The KIM workflow on real daemons, desa -> kecamatan -> kabupaten
# (proto/KIM.md): a desa reports to the kabupaten with a sealed reporter
# and one rahasia pengaduan; the kecamatan relays both without reading
# what is sealed; the kabupaten reads them, verifies, forwards and answers
# through the CLI; the desa sees the state and the answer. Steps out of
# order or by the wrong side are refused locally; overdue reports are
# flagged by working days (a report posted with an old --timestamp-ms, and
# `simpul reports --at` to look ahead, with and without [kim] holidays).
# Usage: test_kim.sh SIMPUL
. "$(dirname "$0")/lib.sh"
SIMPUL=$1
. "$(dirname "$0")/netlib.sh"

KAB=36.04
KEC=36.04.12
DESA=36.04.12.2002
TO=path:$DESA:$KAB

make_root kab $KAB
make_node kec $KEC kab --issuer
make_node desa $DESA kab
start kab 127.0.0.1:0
parent kec kab; start kec 127.0.0.1:0
parent desa kec kab; start desa

links_up() {
  for n in kec desa; do
    grep -q 'LINK-OPEN .* to parent' "$WORK/$n.log" && echo "$n"
  done | wc -l
}
wait_until 30 "both links up" eq 2 links_up

s() { "$SIMPUL" "$@"; }
# jqr NODE FILTER ID: a field of `simpul report show ID --json` at NODE.
jqr() { s report show --data "$WORK/$1" "$3" --json 2>/dev/null | jq -r "$2"; }

# The desa seals the reporter to the kabupaten's node key: it needs the
# kabupaten's certificate, which comes with the first sync. Until then a
# post is refused (KIM-SEALED) and stores nothing: retry it.
post_report() { # FILE args...: on success the new id goes to FILE
  local file=$1; shift
  s post --data "$WORK/desa" "$@" --json >"$WORK/post.json" 2>"$WORK/post.err" &&
    jq -r .id "$WORK/post.json" >"$file"
}
wait_until 30 "the desa can seal to the kabupaten" post_report "$WORK/r1" \
  --kind aspirasi --to $TO --title "Jalan rusak di RT 03" \
  --body "Lubang besar di depan SD." --category infrastruktur \
  --reporter "Budi Santoso" --contact "0812-1111-2222"
R1=$(cat "$WORK/r1")
post_report "$WORK/r2" --kind pengaduan --to $TO --rahasia \
  --title "Pungutan liar di kantor desa" --body "Rp50.000 untuk surat domisili." \
  --category administrasi --reporter "Ani" --contact "0813-3333-4444" ||
  { cat "$WORK/post.err" >&2; fail "post the rahasia pengaduan"; }
R2=$(cat "$WORK/r2")
# Ten days ago (author's clock): at least 6 working days have passed.
OLD=$(( $(date +%s) * 1000 - 10 * 86400000 ))
post_report "$WORK/r3" --kind aspirasi --to $TO --title "Lampu jalan mati" \
  --body "Sejak dua minggu." --timestamp-ms $OLD ||
  { cat "$WORK/post.err" >&2; fail "post the old aspirasi"; }
R3=$(cat "$WORK/r3")
ok

for n in kec kab; do
  wait_until 30 "$n holds the three reports" eq 3 \
    sh -c "'$SIMPUL' reports --data '$WORK/$n' --json | jq '.reports | length'"
done

# ---- the relay carries what it cannot read ---------------------------------
expect_eq "kec: reporter sealed" "[disegel]" "$(jqr kec .reporter $R1)"
expect_eq "kec: aspirasi title in the clear" "Jalan rusak di RT 03" "$(jqr kec .title $R1)"
expect_eq "kec: rahasia title sealed" "[disegel]" "$(jqr kec .title $R2)"
expect_eq "kec: rahasia text sealed" "[disegel]" "$(jqr kec .text $R2)"
expect_eq "kec: rahasia reporter sealed" "[disegel]" "$(jqr kec .reporter $R2)"
expect_eq "kec: rahasia flag" "true" "$(jqr kec .rahasia $R2)"
expect_status "kec: report show" 0 s report show --data "$WORK/kec" $R2
expect_grep "kec: text shows the seal" '^title: +\[disegel\]' "$WORK/out"
# Not in the stored bytes either: only ciphertext travelled.
s show --data "$WORK/kec" $R2 --json >"$WORK/kec-r2.json"
if grep -q "Pungutan" "$WORK/kec-r2.json"; then fail "kec holds the rahasia title in clear"; fi
ok
s reports --data "$WORK/kec" >"$WORK/kec-list.txt"
expect_grep "kec: list shows the seal" "pengaduan .*\[disegel\]" "$WORK/kec-list.txt"

# ---- the kabupaten reads them ------------------------------------------------
expect_eq "kab: reporter opened" "Budi Santoso" "$(jqr kab .reporter.name $R1)"
expect_eq "kab: contact opened" "0812-1111-2222" "$(jqr kab .reporter.contact $R1)"
expect_eq "kab: rahasia title opened" "Pungutan liar di kantor desa" "$(jqr kab .title $R2)"
expect_eq "kab: rahasia text opened" "Rp50.000 untuk surat domisili." "$(jqr kab .text $R2)"
expect_eq "kab: rahasia reporter opened" "Ani" "$(jqr kab .reporter.name $R2)"
expect_eq "kab: state" "diajukan" "$(jqr kab .state $R1)"

# ---- local refusals ----------------------------------------------------------
expect_status "follow-up before verification" 1 \
  s report follow-up --data "$WORK/kab" $R1
expect_grep "follow-up refused with KIM-STEP" "KIM-STEP" "$WORK/err"
expect_status "the village may not verify" 1 \
  s report verify --data "$WORK/desa" $R1 --method telepon --result valid
expect_grep "verify by the desa refused with KIM-ROLE" "KIM-ROLE" "$WORK/err"
expect_status "verify needs --result" 2 \
  s report verify --data "$WORK/kab" $R1 --method telepon
expect_status "unknown subcommand" 2 s report approve --data "$WORK/kab" $R1
expect_status "report --help" 0 s report --help
expect_grep "help lists the steps" "follow-up" "$WORK/out"
expect_eq "nothing was posted by the refusals" "1" \
  "$(jqr kab '.timeline | length' $R1)"

# ---- the kabupaten verifies, forwards and answers ---------------------------
expect_status "verify" 0 s report verify --data "$WORK/kab" $R1 \
  --method "kunjungan lapangan" --result valid --verifier "Siti Aminah"
expect_grep "verify says the new state" "now diverifikasi" "$WORK/out"
expect_status "forward" 0 s report forward --data "$WORK/kab" $R1 \
  --agency "Dinas PUPR Kabupaten Serang"
expect_status "respond" 0 s report respond --data "$WORK/kab" $R1 \
  --text "Perbaikan dijadwalkan minggu depan."
expect_status "close is refused from diteruskan" 1 \
  s report close --data "$WORK/kab" $R1
expect_grep "close refused with KIM-STEP" "KIM-STEP" "$WORK/err"
expect_eq "kab: state" "diteruskan" "$(jqr kab .state $R1)"
expect_eq "kab: verifier recorded" "Siti Aminah" \
  "$(jqr kab '[.timeline[] | select(.step == "diverifikasi")][0].verifier' $R1)"

# ---- the desa sees the state and the answer ----------------------------------
wait_until 30 "the desa sees diteruskan" eq diteruskan jqr desa .state $R1
wait_until 30 "the desa sees the answer" eq "Perbaikan dijadwalkan minggu depan." \
  jqr desa '[.timeline[] | select(.kind == "tanggapan")][0].text' $R1
expect_eq "desa: marks" "valid valid valid valid" \
  "$(jqr desa '[.timeline[].mark] | join(" ")' $R1)"
expect_eq "desa: the reporter stays sealed to the kabupaten" "[disegel]" \
  "$(jqr desa .reporter $R1)"
expect_eq "desa: may add information" '["tambah_informasi"]' \
  "$(jqr desa '.allowed_steps | tojson' $R1)"
expect_status "desa: text timeline" 0 s report show --data "$WORK/desa" $R1
expect_grep "timeline shows the agency" "agency: Dinas PUPR" "$WORK/out"
# The kecamatan, on the handler side, sees the same view.
wait_until 30 "the kecamatan sees diteruskan" eq diteruskan jqr kec .state $R1

# ---- deadlines ---------------------------------------------------------------
overdue() { # NODE [args]: the ids of `simpul reports --overdue`, sorted
  local n=$1; shift
  s reports --data "$WORK/$n" --overdue --json "$@" | jq -r '.reports[].id' |
    sort | paste -sd' '
}
sorted() { printf '%s\n' "$@" | sort | paste -sd' '; }
expect_eq "overdue now: only the old one" "$R3" "$(overdue kab)"
expect_eq "its flag" "true" "$(jqr kab .flags.terlambat_verifikasi $R3)"
expect_eq "not the new one" "false" "$(jqr kab .flags.terlambat_verifikasi $R2)"
# Ten days ahead (WIB dates): the other two are late as well.
wib() { python3 -c "import datetime as d,sys; print((d.datetime.utcnow()+d.timedelta(hours=7,days=int(sys.argv[1]))).strftime('%Y-%m-%d'))" "$1"; }
expect_eq "overdue in ten days" "$(sorted $R1 $R2 $R3)" \
  "$(overdue kab --at "$(wib 10)")"
expect_eq "R1 late for follow-up" "true" \
  "$(s reports --data "$WORK/kab" --at "$(wib 10)" --json |
     jq -r --arg id $R1 '.reports[] | select(.id == $id) | .flags.terlambat_tindak_lanjut')"
# Every day from tomorrow a holiday: in ten days only the old one is late.
# 29 dates do not fit one INI line: they go on over indented lines.
cp "$WORK/kab/simpul.conf" "$WORK/kab.conf.orig"
python3 - "$WORK/kab/simpul.conf" <<'PY'
import datetime as d, sys
t = d.datetime.utcnow() + d.timedelta(hours=7)
days = [(t + d.timedelta(days=i)).strftime('%Y-%m-%d') for i in range(1, 30)]
lines = ['holidays = ' + ', '.join(days[:10])] + \
        ['    ' + ', '.join(days[i:i + 10]) for i in (10, 20)]
conf = open(sys.argv[1]).read().replace('holidays =\n', '\n'.join(lines) + '\n')
open(sys.argv[1], 'w').write(conf)
PY
expect_grep "holidays on three lines" "^    " "$WORK/kab/simpul.conf"
expect_eq "overdue in ten days, with holidays" "$R3" \
  "$(overdue kab --at "$(wib 10)")"
cp "$WORK/kab.conf.orig" "$WORK/kab/simpul.conf"
set_key kab kim holidays "2026-02-30"
expect_status "a bad holiday is a config error" 1 s reports --data "$WORK/kab"
expect_grep "the config error names the key" "holidays" "$WORK/err"
set_key kab kim holidays ""
expect_status "reports --status" 0 s reports --data "$WORK/kab" --status diajukan --json
expect_eq "two still diajukan" "$(sorted $R2 $R3)" \
  "$(jq -r '.reports[].id' "$WORK/out" | sort | paste -sd' ')"
expect_status "reports --limit 1 pages" 0 s reports --data "$WORK/kab" --limit 1 --json
NEXT=$(jq -r .next "$WORK/out")
expect_eq "the first page is the newest" "$(jq -r '.reports[0].id' "$WORK/out")" "$NEXT"
expect_status "reports --after" 0 s reports --data "$WORK/kab" --after "$NEXT" --json
expect_eq "the rest" 2 "$(jq '.reports | length' "$WORK/out")"
expect_status "bad --status" 2 s reports --data "$WORK/kab" --status selesai_sekali

# ---- the views are rebuilt the same, and every store verifies ---------------
before=$(s report show --data "$WORK/kab" $R1 --json | jq -c 'del(.flags, .overdue, .deadline_ms)')
expect_status "views rebuild" 0 s views rebuild --data "$WORK/kab"
expect_eq "rebuilt view" "$before" \
  "$(s report show --data "$WORK/kab" $R1 --json | jq -c 'del(.flags, .overdue, .deadline_ms)')"
for n in kab kec desa; do
  expect_status "verify $n" 0 s verify --data "$WORK/$n"
done
for n in kab kec desa; do stop $n; done
echo "test_kim: $checks checks passed"
