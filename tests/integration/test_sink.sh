#!/usr/bin/env bash
# simpul sink into a real PostgreSQL 15 (docs/SINK.md), on real daemons:
# a desa reports to the kabupaten through its kecamatan (one aspirasi
# with a reporter, one rahasia pengaduan, one anonim aspirasi ten days
# old); the kabupaten verifies, forwards and answers; a bulk feed is
# imported. Then the sink backfills the kabupaten's store in small
# batches, is killed with -9 mid-stream, restarted; the node's daemon is
# killed with -9 and restarted under it, and PostgreSQL is stopped under
# it while more entries arrive, then started; afterwards
# PostgreSQL holds exactly the entries `simpul list --json` lists and the
# reports `simpul reports --json` shows (ids, states), each once, with
# the sealed content still sealed. While it runs, new entries (one synced from the desa) and a new
# step arrive. With [sink] unseal the kabupaten's opened values go out,
# never an anonim reporter; a database of another store is refused
# (SINK-INSTANCE).
# Usage: test_sink.sh SIMPUL GEN_ENTRIES
. "$(dirname "$0")/lib.sh"
SIMPUL=$1
GEN=$2
. "$(dirname "$0")/netlib.sh"
. "$(dirname "$0")/pglib.sh"

KAB=36.04
KEC=36.04.12
DESA=36.04.12.2002
TO=path:$DESA:$KAB
BULK=${SINK_TEST_BULK:-4000}

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
post_report() { # FILE args...: on success the new id goes to FILE
  local file=$1; shift
  s post --data "$WORK/desa" "$@" --json >"$WORK/post.json" 2>"$WORK/post.err" &&
    jq -r .id "$WORK/post.json" >"$file"
}
wait_until 30 "the desa can seal to the kabupaten" post_report "$WORK/r1" \
  --kind aspirasi --to $TO --title "Jalan rusak di RT 03" \
  --body "Lubang besar	di depan SD.
Dua baris \\ dan tab." --category infrastruktur \
  --reporter "Budi Santoso" --contact "0812-1111-2222"
R1=$(cat "$WORK/r1")
post_report "$WORK/r2" --kind pengaduan --to $TO --rahasia \
  --title "Pungutan liar di kantor desa" --body "Rp50.000 untuk surat domisili." \
  --category administrasi --reporter "Ani" --contact "0813-3333-4444" ||
  { cat "$WORK/post.err" >&2; fail "post the rahasia pengaduan"; }
R2=$(cat "$WORK/r2")
OLD=$(( $(date +%s) * 1000 - 10 * 86400000 ))
post_report "$WORK/r3" --kind aspirasi --to $TO --anonim --reporter "Citra" \
  --title "Lampu jalan mati" --body "Sejak dua minggu." --timestamp-ms $OLD ||
  { cat "$WORK/post.err" >&2; fail "post the anonim aspirasi"; }
R3=$(cat "$WORK/r3")
nreports() { s reports --data "$WORK/$1" --json --limit 1000 | jq '.reports | length'; }
wait_until 30 "the kabupaten holds the three reports" eq 3 nreports kab
expect_status "verify" 0 s report verify --data "$WORK/kab" $R1 \
  --method telepon --result valid --verifier "Pak Camat"
expect_status "forward" 0 s report forward --data "$WORK/kab" $R1 \
  --agency "Dinas PUPR"
expect_status "respond" 0 s report respond --data "$WORK/kab" $R1 \
  --text "Perbaikan dijadwalkan minggu depan."

"$GEN" --out "$WORK/bulk.bundle" --count $BULK --key "$WORK/kab/node.key" \
  --region $KAB --audience tree:$KEC --seed 5 2>"$WORK/gen.log" ||
  { cat "$WORK/gen.log" >&2; fail "gen_entries"; }
expect_status "bulk import at the kabupaten" 0 s import --data "$WORK/kab" "$WORK/bulk.bundle"

pg_start

# store_ids: every entry id the kabupaten holds, sorted.
store_ids() { s list --data "$WORK/kab" --json | jq -r '.[].id' | sort; }
pg_ids() { sql "SELECT id FROM simpul.items ORDER BY id" | LC_ALL=C sort; }
items() { sql "SELECT count(*) FROM simpul.items" 2>/dev/null || echo 0; }
# The position and the rows agree at every instant: exactly once.
position_matches() {
  expect_eq "$1: rows = position" "$(items)" \
    "$(sql "SELECT coalesce(sum(seq), 0) FROM simpul.sink_position")"
}
TOTAL=$(s list --data "$WORK/kab" --json | jq length)
[ "$TOTAL" -gt "$BULK" ] || fail "the store holds $TOTAL entries"

sink_start() {
  "$SIMPUL" sink --data "$WORK/kab" --postgres "$PG_DSN" --batch 25 "$@" \
    >>"$WORK/sink.log" 2>&1 &
  SINK=$!
  PIDS+=($SINK)
}

# ---- backfill, killed with -9 mid-stream -------------------------------------
sink_start
above() { [ "$(items)" -gt "$1" ]; }
wait_until 60 "the backfill starts" above 200
kill -9 $SINK; wait $SINK 2>/dev/null || true
got=$(items)
[ "$got" -lt "$TOTAL" ] || fail "the backfill ended before the kill ($got of $TOTAL)"
ok
position_matches "after kill -9"

# ---- restarted; PostgreSQL stopped under it, the store moves on meanwhile ------
# PostgreSQL goes while the sink streams or, on a fast machine, after it
# caught up: either way it notices at once (an idle sink watches its
# connection), and what the store took meanwhile goes in when it is back.
"$GEN" --out "$WORK/bulk2.bundle" --count 1000 --key "$WORK/kab/node.key" \
  --region $KAB --audience tree:$DESA --seed 6 2>>"$WORK/gen.log" ||
  { cat "$WORK/gen.log" >&2; fail "gen_entries"; }
sink_start
wait_until 60 "the sink resumes" above $((got + 200))
# The node's daemon killed -9 under the sink and restarted: the sink
# reads the store, not the daemon, and goes on.
kill9 kab
start kab "127.0.0.1:${PORT[kab]}"
pg_ctl_ -m immediate -w stop >/dev/null
wait_until 30 "the sink notices PostgreSQL went" grep -q 'SINK-PG-DOWN' "$WORK/sink.log"
expect_status "an import while PostgreSQL is down" 0 \
  s import --data "$WORK/kab" "$WORK/bulk2.bundle"
TOTAL=$(s list --data "$WORK/kab" --json | jq length)
pg_start
wait_until 60 "the sink catches up after the outage" eq "$TOTAL" items
wait_until 10 "the sink says it is live" grep -q 'SINK-LIVE' "$WORK/sink.log"
expect_grep "it reconnected" "SINK-PG-UP .*resuming after [1-9]" "$WORK/sink.log"
position_matches "after the outage"
expect_eq "the same entries as simpul list" "$(store_ids)" "$(pg_ids)"

# ---- what the rows say ------------------------------------------------------
rep() { sql "SELECT $2 FROM simpul.reports WHERE id = '$1'"; }
expect_eq "reports: ids and states as simpul reports" \
  "$(s reports --data "$WORK/kab" --json --limit 1000 |
     jq -r '.reports[] | "\(.id)|\(.state)"' | sort)" \
  "$(sql "SELECT id || '|' || state FROM simpul.reports" | sort)"
expect_eq "R1 diteruskan, verified valid" "diteruskan|valid|infrastruktur" \
  "$(rep $R1 "state || '|' || result || '|' || category")"
expect_eq "R1 text with its tab, newline and backslash" \
  "$(printf 'Lubang besar\tdi depan SD.\nDua baris \\ dan tab.')" "$(rep $R1 text)"
expect_eq "R1: its steps" "diverifikasi|telepon|valid|Pak Camat diteruskan|||" \
  "$(sql "SELECT step || '|' || coalesce(method, '') || '|' ||
          coalesce(result, '') || '|' || coalesce(verifier, '')
          FROM simpul.steps WHERE report = '$R1' ORDER BY ts, step" | tr '\n' ' ' | sed 's/ $//')"
expect_eq "R1: the response" "Perbaikan dijadwalkan minggu depan." \
  "$(sql "SELECT text FROM simpul.responses WHERE report = '$R1'")"
expect_eq "R2 rahasia: sealed, no title or text" "true|true|||" \
  "$(rep $R2 "rahasia || '|' || sealed || '|' || coalesce(title, '') || '|' ||
      coalesce(text, '') || '|' || coalesce(reporter_name, '')")"
expect_eq "no plaintext of R2 anywhere" 0 \
  "$(sql "SELECT count(*) FROM simpul.items i WHERE i.title LIKE '%Pungutan%'
          OR i.text LIKE '%Rp50.000%'")"
expect_eq "no reporter without [sink] unseal" 0 \
  "$(sql "SELECT count(*) FROM simpul.reports WHERE reporter_name IS NOT NULL")"
expect_eq "R3 overdue (terlambat_verifikasi)" "$R3|terlambat_verifikasi|36.04.12" \
  "$(sql "SELECT id || '|' || flag || '|' || kecamatan FROM simpul.overdue_reports")"
expect_eq "reports per kecamatan and status" "36.04.12|diajukan|2 36.04.12|diteruskan|1" \
  "$(sql "SELECT kecamatan || '|' || state || '|' || reports
          FROM simpul.reports_by_kecamatan ORDER BY state" | tr '\n' ' ' | sed 's/ $//')"
expect_eq "the three nodes, by name" "Node desa|desa Node kab|kabupaten Node kec|kecamatan" \
  "$(sql "SELECT name || '|' || level FROM simpul.nodes ORDER BY name" | tr '\n' ' ' | sed 's/ $//')"
expect_eq "the desa's region and its kecamatan" "36.04.12|desa|36.04.12" \
  "$(sql "SELECT parent || '|' || level || '|' || kecamatan FROM simpul.regions WHERE code = '$DESA'")"

# ---- live: an entry and a step posted while the sink runs --------------------
s post --data "$WORK/kab" --kind informasi --to tree:$KAB --title "Info langsung" \
  --body "Dikirim saat sink berjalan." >/dev/null
has_live() { sql "SELECT count(*) FROM simpul.items WHERE title = 'Info langsung'"; }
wait_until 10 "a new entry arrives" eq 1 has_live
# ... and one the desa posts, which reaches the kabupaten by sync.
s post --data "$WORK/desa" --kind informasi --to tree:$KEC --title "Kabar desa" \
  --body "Lewat kecamatan ke kabupaten." >/dev/null
has_desa() { sql "SELECT count(*) FROM simpul.items WHERE title = 'Kabar desa' AND author_region = '$DESA'"; }
wait_until 30 "the desa's entry arrives through sync" eq 1 has_desa
expect_status "verify R2" 0 s report verify --data "$WORK/kab" $R2 \
  --method kunjungan --result valid
wait_until 10 "the report's new state arrives" eq diverifikasi rep $R2 state
TOTAL=$(s list --data "$WORK/kab" --json | jq length)
wait_until 10 "every entry" eq "$TOTAL" items
kill -TERM $SINK
rc=0; wait $SINK || rc=$?
expect_eq "SIGTERM stops the sink cleanly" 0 "$rc"
position_matches "after the live part"
if grep -qE 'Sanitizer|runtime error' "$WORK/sink.log"; then
  cat "$WORK/sink.log" >&2; fail "the sanitizers found something"
fi
ok
for id in SINK-PG-DOWN SINK-PG-UP; do
  n=$(grep -c "$id" "$WORK/sink.log")
  [ "$n" -le 4 ] || { cat "$WORK/sink.log" >&2; fail "$id logged $n times"; }
  ok
done

# ---- unseal: the kabupaten is a recipient and its config allows it -----------
psql_ dbname=postgres -c "CREATE DATABASE unsealed" >/dev/null
set_key kab sink unseal true
set_key kab sink postgres "host=$PGROOT port=5432 user=simpul dbname=unsealed"
expect_status "sink --once from the config" 0 s sink --data "$WORK/kab" --once
u() { psql_ dbname=unsealed -At -c "$1"; }
expect_eq "unsealed: R2's title and reporter" "Pungutan liar di kantor desa|Ani|0813-3333-4444|false" \
  "$(u "SELECT title || '|' || reporter_name || '|' || reporter_contact || '|' || sealed
        FROM simpul.reports WHERE id = '$R2'")"
expect_eq "unsealed: R1's reporter" "Budi Santoso" \
  "$(u "SELECT reporter_name FROM simpul.reports WHERE id = '$R1'")"
expect_eq "anonim: R3's reporter never goes out" "true|" \
  "$(u "SELECT anonim || '|' || coalesce(reporter_name, '') FROM simpul.reports WHERE id = '$R3'")"
expect_eq "unsealed: every entry" "$TOTAL" "$(u "SELECT count(*) FROM simpul.items")"

# ---- another store's database is refused -------------------------------------
expect_status "the desa into the kabupaten's database" 1 \
  s sink --data "$WORK/desa" --postgres "$PG_DSN" --once
expect_grep "SINK-INSTANCE" "SINK-INSTANCE" "$WORK/err"
expect_status "no database" 2 s sink --data "$WORK/desa"
expect_status "sink --help" 0 s sink --help
expect_grep "help names the config key" "default: \[sink\]" "$WORK/out"

echo "sink: $checks checks passed"
