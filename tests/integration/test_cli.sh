#!/usr/bin/env bash
# The simpul command driven end to end as an operator would: init, post,
# list, show, feeds, verify, export and import between real nodes on disk,
# refusals with their error ids, a fork from a node restored from backup,
# tampering at rest found by verify, and a round trip of thousands of random
# entries. Usage: test_cli.sh SIMPUL GEN_ENTRIES
. "$(dirname "$0")/lib.sh"
SIMPUL=$1
GEN=$2
s() { "$SIMPUL" "$@"; }

# ---- help, version, usage errors ------------------------------------------
expect_status "--version" 0 s --version
expect_grep "--version" '^simpul [0-9]+\.[0-9]+\.[0-9]+$' "$WORK/out"
expect_status "--help" 0 s --help
expect_grep "--help lists commands" 'import' "$WORK/out"
expect_status "unknown command" 2 s frobnicate
for cmd in init post list show feeds verify export import; do
  expect_status "$cmd --help" 0 s "$cmd" --help
  expect_grep "$cmd --help" "usage: simpul $cmd" "$WORK/out"
done
expect_status "bad option" 2 s list --bogus
expect_status "no node yet" 1 s list --data "$WORK/none"
expect_grep "no node: hint" "run 'simpul init" "$WORK/err"

# ---- init -------------------------------------------------------------------
D=$WORK/desa
expect_status "init desa" 0 s init --data "$D" --region 36.04.12.2002 \
  --name "KIM Sukanegara" --json
expect_eq "init json region" "36.04.12.2002" "$(jq -r .region "$WORK/out")"
expect_eq "init json level" "desa" "$(jq -r .level "$WORK/out")"
expect_eq "key mode" "600" "$(stat -c %a "$D/node.key")"
expect_grep "config documents region" '^region = 36.04.12.2002$' "$D/simpul.conf"
expect_grep "config documents map size" '^map_size_mib = 1024$' "$D/simpul.conf"
key_before=$(sha256sum "$D/node.key")
expect_status "init refuses to overwrite" 1 s init --data "$D" \
  --region 36.04.12.2002 --name "Other"
expect_grep "init refusal says why" 'refusing to overwrite' "$WORK/err"
expect_eq "key unchanged" "$key_before" "$(sha256sum "$D/node.key")"
expect_status "init bad region" 2 s init --data "$WORK/x" --region 36.4 --name X
expect_status "init missing name" 2 s init --data "$WORK/x" --region 36.04

# ---- post ---------------------------------------------------------------------
expect_status "post lateral news" 0 env SIMPUL_DATA="$D" "$SIMPUL" post \
  --kind informasi --to tree:36.04.12 --title "Posyandu Sabtu" \
  --body "Posyandu balita hari Sabtu pukul 08.00 di balai desa."
expect_grep "post prints id" '^posted [0-9a-f]{64} \(informasi, seq 1\)' "$WORK/out"
printf 'Jalan desa rusak sepanjang 300 m, mohon perbaikan.\n' >"$WORK/aspirasi.txt"
expect_status "post aspirasi from file" 0 s post --data "$D" --kind aspirasi \
  --to path:36.04.12.2002:36.04 --title "Jalan rusak" --body-file "$WORK/aspirasi.txt" --json
expect_eq "post json kind" "aspirasi" "$(jq -r .kind "$WORK/out")"
expect_eq "post json body text" "$(cat "$WORK/aspirasi.txt")" "$(jq -r .body.text "$WORK/out")"
aspirasi_id=$(jq -r .id "$WORK/out")
expect_status "post warning" 0 s post --data "$D" --kind peringatan \
  --to tree:36.04.12.2002 --title "Air sungai naik" --body "Waspada banjir."
echo "Kerja bakti Minggu pagi." >"$WORK/stdin.txt"
expect_status "post from stdin" 0 sh -c \
  "'$SIMPUL' post --data '$D' --kind informasi --to tree:36.04.12 --title 'Kerja bakti' <'$WORK/stdin.txt'"
expect_grep "second entry of the feed" '\(informasi, seq 2\)' "$WORK/out"
expect_status "post outside authoring rules" 1 s post --data "$D" \
  --kind informasi --to tree:36.04 --title "Ke seluruh kabupaten"
expect_grep "authoring refusal" 'may not write to tree:36.04' "$WORK/err"
expect_status "post unknown kind" 2 s post --data "$D" --kind gosip \
  --to tree:36.04.12 --title x
expect_status "post bad audience" 2 s post --data "$D" --kind informasi \
  --to tree:36.4 --title x
head -c 70000 /dev/zero | tr '\0' 'a' >"$WORK/big.txt"
expect_status "post oversized body" 1 s post --data "$D" --kind informasi \
  --to tree:36.04.12 --title big --body-file "$WORK/big.txt"
expect_grep "oversized says limit" 'over the limit of 61440 bytes' "$WORK/err"

# ---- list, show, feeds, verify -------------------------------------------------
expect_status "list" 0 s list --data "$D"
expect_eq "list lines" 4 "$(wc -l <"$WORK/out")"
expect_status "list --kind" 0 s list --data "$D" --kind aspirasi
expect_eq "list --kind lines" 1 "$(wc -l <"$WORK/out")"
expect_grep "list shows title" 'Jalan rusak' "$WORK/out"
expect_status "list --json" 0 s list --data "$D" --json
expect_eq "list --json count" 4 "$(jq length "$WORK/out")"
expect_eq "newest first" true \
  "$(jq '[.[].timestamp_ms] as $t | $t == ($t | sort | reverse)' "$WORK/out")"
expect_status "show by prefix" 0 s show --data "$D" "${aspirasi_id:0:12}"
expect_grep "show title" '^title +Jalan rusak' "$WORK/out"
expect_grep "show audience" '^audience: +path:36.04.12.2002:36.04' "$WORK/out"
expect_status "show --json" 0 s show --data "$D" "$aspirasi_id" --json
expect_eq "show json id" "$aspirasi_id" "$(jq -r .id "$WORK/out")"
expect_status "show unknown id" 1 s show --data "$D" 0123456789abcdef
expect_grep "show unknown says not found" 'not found' "$WORK/err"
expect_status "show bad id" 2 s show --data "$D" xyz
expect_status "feeds" 0 s feeds --data "$D" --json
expect_eq "feeds count" 3 "$(jq length "$WORK/out")"
expect_eq "urgent feed first" urgent "$(jq -r '.[0].channel' "$WORK/out")"
expect_status "verify" 0 s verify --data "$D"
expect_grep "verify counts" '^ok: 3 feeds, 4 entries verified$' "$WORK/out"

# ---- export and import between nodes --------------------------------------------
expect_status "export" 0 s export --data "$D" -o "$WORK/desa.bundle"
expect_grep "export count" 'exported 4 entries of 3 feeds' "$WORK/err"
K=$WORK/kab
s init --data "$K" --region 36.04 --name "Diskominfo Serang" >/dev/null
expect_status "import at kabupaten" 0 s import --data "$K" "$WORK/desa.bundle" --json
expect_eq "imported" 4 "$(jq .stored "$WORK/out")"
expect_status "import again is idempotent" 0 s import --data "$K" "$WORK/desa.bundle" --json
expect_eq "nothing new" 0 "$(jq .stored "$WORK/out")"
expect_eq "already held" 4 "$(jq .already_held "$WORK/out")"
expect_status "kabupaten lists them" 0 s list --data "$K" --json
expect_eq "kabupaten holds 4" 4 "$(jq length "$WORK/out")"
expect_status "kabupaten verify" 0 s verify --data "$K"

# A desa of another kecamatan is entitled to none of them.
O=$WORK/other
s init --data "$O" --region 36.04.05.2001 --name "KIM Kramatwatu" >/dev/null
expect_status "import not entitled" 1 s import --data "$O" "$WORK/desa.bundle" --json
expect_eq "none stored" 0 "$(jq .stored "$WORK/out")"
expect_eq "all refused" 4 "$(jq .refused "$WORK/out")"
expect_grep "refusal id logged" 'warn ENTRY-NOT-ENTITLED refused entry from' "$WORK/err"

# A flipped byte in the last record's body: that entry refused, others kept.
cp "$WORK/desa.bundle" "$WORK/bad.bundle"
size=$(stat -c %s "$WORK/bad.bundle")
flip_byte "$WORK/bad.bundle" $((size - 3))
K2=$WORK/kab2
s init --data "$K2" --region 36.04 --name K2 >/dev/null
expect_status "tampered import" 1 s import --data "$K2" "$WORK/bad.bundle" --json
expect_eq "tampered: others stored" 3 "$(jq .stored "$WORK/out")"
expect_eq "tampered: error id" ENTRY-BODY-HASH "$(jq -r .first_error "$WORK/out")"
expect_status "tampered: store still verifies" 0 s verify --data "$K2"

# A truncated bundle: what came before the damage is stored.
K3=$WORK/kab3
s init --data "$K3" --region 36.04 --name K3 >/dev/null
head -c $((size - 10)) "$WORK/desa.bundle" >"$WORK/short.bundle"
expect_status "truncated import" 1 s import --data "$K3" "$WORK/short.bundle"
expect_grep "truncated says so" 'truncated record after 3 records' "$WORK/err"
expect_grep "truncated: earlier kept" '^imported 3 new' "$WORK/out"
expect_status "not a bundle" 1 s import --data "$K3" "$WORK/aspirasi.txt"
expect_grep "not a bundle says so" 'is not a simpul bundle' "$WORK/err"

# ---- a node restored from an old backup forks its feed ---------------------------
cp -a "$D" "$WORK/backup"
s post --data "$D" --kind informasi --to tree:36.04.12 --title "Versi asli" >/dev/null
s post --data "$WORK/backup" --kind informasi --to tree:36.04.12 --title "Versi cadangan" >/dev/null
s export --data "$D" -o "$WORK/a.bundle" 2>/dev/null
s export --data "$WORK/backup" -o "$WORK/b.bundle" 2>/dev/null
expect_status "import original" 0 s import --data "$K" "$WORK/a.bundle"
expect_status "import fork" 1 s import --data "$K" "$WORK/b.bundle" --json
expect_eq "fork refused" FEED-FORK "$(jq -r .first_error "$WORK/out")"
expect_status "feeds after fork" 0 s feeds --data "$K" --json
expect_eq "feed frozen" 1 "$(jq '[.[] | select(.frozen)] | length' "$WORK/out")"
expect_status "feeds text shows frozen" 0 s feeds --data "$K"
expect_grep "FROZEN marker" 'FROZEN \(fork\)' "$WORK/out"

# ---- thousands of random entries: export/import round trip -----------------------
"$GEN" --out "$WORK/random.bundle" --count 3000 --authors 12 --seed 7 2>"$WORK/gen.log"
A=$WORK/a
B=$WORK/b
s init --data "$A" --region 36.04 --name A >/dev/null
s init --data "$B" --region 36.04 --name B >/dev/null
expect_status "import random" 0 s import --data "$A" "$WORK/random.bundle" --json
expect_eq "random all stored" 3000 "$(jq .stored "$WORK/out")"
expect_status "export A" 0 s export --data "$A" -o "$WORK/A.bundle"
expect_status "import into B" 0 s import --data "$B" "$WORK/A.bundle" --json
expect_eq "B stored all" 3000 "$(jq .stored "$WORK/out")"
s export --data "$B" -o "$WORK/B.bundle" 2>/dev/null
expect_status "A and B bundles identical" 0 cmp "$WORK/A.bundle" "$WORK/B.bundle"
s list --data "$A" --json | jq -S . >"$WORK/A.json"
s list --data "$B" --json | jq -S . >"$WORK/B.json"
expect_status "A and B entry by entry" 0 cmp "$WORK/A.json" "$WORK/B.json"
expect_eq "3000 listed" 3000 "$(jq length "$WORK/A.json")"
expect_status "B verifies" 0 s verify --data "$B"

# ---- tampering at rest is found by verify ---------------------------------------
mdb_dump -s entries "$B/store" >"$WORK/dump.txt"
# Data lines alternate key, value after HEADER=END; change the first value's
# last hex digit (inside the body).
awk 'f && /^ / { n++; if (n == 2) { c = substr($0, length($0)); \
       r = (c == "0") ? "1" : "0"; $0 = substr($0, 1, length($0) - 1) r } } \
     /^HEADER=END/ { f = 1 } { print }' "$WORK/dump.txt" >"$WORK/dump2.txt"
expect_status "dump differs" 1 cmp -s "$WORK/dump.txt" "$WORK/dump2.txt"
mdb_load -s entries -f "$WORK/dump2.txt" "$B/store" 2>/dev/null
expect_status "verify finds tampering" 1 s verify --data "$B"
expect_grep "verify names it" 'verify: feed [0-9a-f]{16} seq 1: entry does not verify \(ENTRY-BODY-HASH\)' "$WORK/err"

# ---- the change index sync sessions read is checked too --------------------------
# A key added at a version no feed has: the index no longer matches.
mdb_dump -s changes "$D/store" >"$WORK/changes.txt"
awk 'f && /^ / && !done { $0 = " ff" substr($0, 4); done = 1 } \
     /^HEADER=END/ { f = 1 } { print }' "$WORK/changes.txt" >"$WORK/changes2.txt"
expect_status "changes dump differs" 1 cmp -s "$WORK/changes.txt" "$WORK/changes2.txt"
mdb_load -s changes -f "$WORK/changes2.txt" "$D/store" 2>/dev/null
expect_status "verify finds a stale change index" 1 s verify --data "$D"
expect_grep "verify names the index" 'change index does not match the feeds \(STORE-CORRUPT\)' "$WORK/err"

echo "cli: $checks checks passed"
