#!/usr/bin/env bash
# Long fuzzing runs, by hand (not part of ctest): every libFuzzer target
# (fuzz_entry, fuzz_cert, fuzz_sync, fuzz_kim, fuzz_http) for DURATION
# seconds each (default 600), one after the other, under ASan+UBSan,
# from its seeds in tests/fuzz/corpus/NAME plus what earlier long runs
# found (kept in OUT/NAME/corpus, never in the sources). Then one line per
# target: executions, executions per second, coverage (libFuzzer's cov:
# edges, ft: features), corpus size, peak RSS, and what it found.
# Exit status 1 if any target crashed, leaked or timed out: its input is
# in OUT/NAME/ (crash-*, leak-*, timeout-*, oom-*), its log in
# OUT/NAME/log; rerun it with `BUILD/tests/fuzz_NAME OUT/NAME/crash-...`.
#
#   tests/fuzz/long.sh                     # 10 minutes each
#   DURATION=60 tests/fuzz/long.sh         # a minute each
#   BUILD=build-asan OUT=/tmp/fuzz FUZZERS="http kim" tests/fuzz/long.sh
#
# BUILD (default build-fuzz) is configured with clang, -DSIMPUL_SANITIZE=ON
# -DSIMPUL_FUZZ=ON if it is not a build tree yet, and the targets are
# (re)built with -j2.
set -euo pipefail
cd "$(dirname "$0")/../.."
DURATION=${DURATION:-600}
B=${BUILD:-build-fuzz}
OUT=${OUT:-$B/fuzz-long}
FUZZERS=${FUZZERS:-entry cert sync kim http}

if [ ! -f "$B/CMakeCache.txt" ]; then
  cmake -S . -B "$B" -G Ninja -DCMAKE_C_COMPILER=clang -DSIMPUL_SANITIZE=ON \
    -DSIMPUL_FUZZ=ON >/dev/null
fi
targets=()
for f in $FUZZERS; do targets+=("fuzz_$f"); done
cmake --build "$B" -j2 --target "${targets[@]}" >/dev/null

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

# stat LOG NAME: the value of libFuzzer's final "stat::NAME:" line.
stat() { awk -v k="stat::$2:" '$1 == k {v = $2} END {print v + 0}' "$1"; }
# last LOG FIELD: the last value libFuzzer printed after "FIELD:" (cov, ft).
last() { grep -o " $2: [0-9]*" "$1" | tail -n 1 | awk '{print $2 + 0}'; }

failed=0
rows=()
for f in $FUZZERS; do
  dir=$OUT/$f
  mkdir -p "$dir/corpus"
  rm -f "$dir"/crash-* "$dir"/leak-* "$dir"/timeout-* "$dir"/oom-*
  echo "fuzz_$f: ${DURATION}s ..." >&2
  rc=0
  "$B/tests/fuzz_$f" -max_total_time="$DURATION" -rss_limit_mb=2048 \
    -timeout=30 -print_final_stats=1 -artifact_prefix="$dir/" \
    "$dir/corpus" "tests/fuzz/corpus/$f" >"$dir/log" 2>&1 || rc=$?
  found=$(find "$dir" -maxdepth 1 -name 'crash-*' -o -maxdepth 1 -name 'leak-*' \
    -o -maxdepth 1 -name 'timeout-*' -o -maxdepth 1 -name 'oom-*' | wc -l)
  result=nothing
  if [ "$rc" != 0 ] || [ "$found" != 0 ]; then
    result="FOUND $found (exit $rc): see $dir/log"
    failed=1
  fi
  rows+=("$(printf '%-11s %12s %9s %6s %7s %8s %7s  %s' "fuzz_$f" \
    "$(stat "$dir/log" number_of_executed_units)" \
    "$(stat "$dir/log" average_exec_per_sec)" \
    "$(last "$dir/log" cov)" "$(last "$dir/log" ft)" \
    "$(find "$dir/corpus" -type f | wc -l)" \
    "$(stat "$dir/log" peak_rss_mb)" "$result")")
done

printf '%-11s %12s %9s %6s %7s %8s %7s  %s\n' fuzzer executions exec/s cov ft \
  corpus rss_mb found
printf '%s\n' "${rows[@]}"
echo "(${DURATION}s each; corpora and logs in $OUT)"
exit $failed
