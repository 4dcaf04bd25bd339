#!/usr/bin/env bash
# Foundation benchmark: Ed25519 verify ceiling, local append rate, and the
# rate of 'simpul import' of 100k entries with ~300-byte bodies (verify +
# durable commit every 1000), in one run on this machine. Prints figures and
# the ratio import / verify. Not a test: run it by hand.
#   tests/bench/bench.sh [ENTRIES]
set -euo pipefail
cd "$(dirname "$0")/../.."
n=${1:-100000}
deploy/deps.sh --test
cmake -S . -B build-bench -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build-bench --target simpul gen_entries bench_core bench_views >/dev/null
out=$(mktemp -d /tmp/simpul-bench.XXXXXX)
trap 'rm -rf "$out"' EXIT
B=build-bench

"$B/tests/bench_core" "$out/append" "$n" | tee "$out/core.txt"
verify=$(awk '/^ed25519_verify_per_s/ {print $2}' "$out/core.txt")

"$B/tests/gen_entries" --out "$out/in.bundle" --count "$n" --authors 16 \
  --body-bytes 262 --seed 1 2>/dev/null
import() { # threads label
  rm -rf "$out/node"
  "$B/simpul" init --data "$out/node" --region 36.04 --name bench >/dev/null
  local t0 t1 ms stored rate
  t0=$(date +%s%N)
  "$B/simpul" import --data "$out/node" --threads "$1" "$out/in.bundle" --json >"$out/import.json"
  t1=$(date +%s%N)
  stored=$(jq .stored "$out/import.json")
  ms=$(( (t1 - t0) / 1000000 ))
  rate=$(( stored * 1000 / (ms > 0 ? ms : 1) ))
  echo "import_$2_entries $stored"
  echo "import_$2_ms $ms"
  echo "import_$2_per_s $rate"
  awk -v r="$rate" -v v="$verify" -v l="$2" \
    'BEGIN { printf "import_%s_vs_one_core_verify %.2f (goal >= 0.80)\n", l, r / v }'
}
import 1 1thread
import "$(nproc)" all_cores
bytes=$(stat -c %s "$out/in.bundle")
echo "bundle_bytes_per_entry $(( bytes / n ))"
echo "store_bytes_per_entry $(( $(du -sb "$out/node/store" | cut -f1) / n ))"

# A report's view as 2,000 steps arrive one batch each (ms per step).
"$B/tests/bench_views" "$out/views" 2000
