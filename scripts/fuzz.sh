#!/usr/bin/env bash
# scripts/fuzz.sh [SECONDS] [TARGET...]: builds the libFuzzer targets of tests/fuzz with clang-14
# (ASan + UBSan + libFuzzer, in build-fuzz/, never touching the normal build) and runs each
# target for SECONDS (default 60) on a working copy of its seed corpus (tests/fuzz/corpus/<t>/
# plus the matching test fixtures), so new corpus entries never land in the repository.
# Prints per target the executions, exec/s and the final corpus size; fails when a target
# crashed, leaked, ran out of memory or timed out, keeping the reproducer in
# $FUZZ_ARTIFACTS (default build-fuzz/artifacts/). Targets: http xml ical vcard import imip.
# Environment: FUZZ_RSS_MB (2048), FUZZ_TIMEOUT per input in s (30), FUZZ_NO_BUILD=1,
# FUZZ_BUILD_DIR (build-fuzz), FUZZ_KEEP_CORPUS=DIR (copy each grown corpus to DIR/<t>/),
# FUZZ_SEEDS=DIR (also seed from DIR/<t>/, e.g. a corpus kept by an earlier run).
# Reproduce a crash: build-fuzz/fuzz/<t>_fuzzer <reproducer>.
source "$(dirname "$0")/lib.sh"
SECONDS_PER_TARGET="${1:-60}"
shift || true
TARGETS=("$@")
((${#TARGETS[@]})) || TARGETS=(http xml ical vcard import imip)
FUZZ_DIR="${FUZZ_BUILD_DIR:-$ROOT/build-fuzz}"
ARTIFACTS="${FUZZ_ARTIFACTS:-$FUZZ_DIR/artifacts}"

# The fixture files each target is seeded with, besides its own corpus directory.
declare -A SEED_EXT=([http]="" [xml]="xml" [ical]="ics" [vcard]="vcf" [import]="csv ldif"
                     [imip]="eml")

if [ "${FUZZ_NO_BUILD:-0}" != 1 ]; then
  install_missing
  if [ ! -f "$FUZZ_DIR/build.ninja" ]; then
    launcher=()
    command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
    cmake -S "$ROOT" -B "$FUZZ_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14 -DCARTABLE_FUZZ=ON \
      "${launcher[@]}" >/dev/null
  fi
  export CCACHE_BASEDIR="$ROOT" CCACHE_NOHASHDIR=1
  cmake --build "$FUZZ_DIR" -j "${JOBS:-2}" --target "${TARGETS[@]/%/_fuzzer}"
fi

mkdir -p "$ARTIFACTS"
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:strict_string_checks=1"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
export LSAN_OPTIONS="suppressions=$ROOT/tests/lsan.supp:print_suppressions=0"
work="$(mktemp -d "${TMPDIR:-/tmp}/cartable-fuzz.XXXXXX")"
trap 'rm -rf "$work"' EXIT
failed=()
for t in "${TARGETS[@]}"; do
  bin="$FUZZ_DIR/fuzz/${t}_fuzzer"
  [ -x "$bin" ] || { echo "fuzz: no target $t ($bin)"; exit 2; }
  corpus="$work/$t"
  mkdir -p "$corpus"
  cp "$ROOT/tests/fuzz/corpus/$t/"* "$corpus/"
  for ext in ${SEED_EXT[$t]}; do
    # Named after their path: two fixtures may share a file name (tests/web/staff.csv).
    while IFS= read -r -d '' f; do
      rel="${f#"$ROOT/tests/"}"
      cp "$f" "$corpus/${rel//\//_}"
    done < <(find "$ROOT/tests" -path "$ROOT/tests/fuzz" -prune -o -type f -name "*.$ext" -print0)
  done
  if [ -n "${FUZZ_SEEDS:-}" ] && [ -d "$FUZZ_SEEDS/$t" ]; then
    find "$FUZZ_SEEDS/$t" -type f -exec cp -t "$corpus" {} +
  fi
  dict=()
  [ -f "$ROOT/tests/fuzz/dict/$t.dict" ] && dict=(-dict="$ROOT/tests/fuzz/dict/$t.dict")
  log="$work/$t.log"
  rc=0
  t0=$(date +%s)
  "$bin" "$corpus" "${dict[@]}" -max_total_time="$SECONDS_PER_TARGET" \
    -rss_limit_mb="${FUZZ_RSS_MB:-2048}" -timeout="${FUZZ_TIMEOUT:-30}" -print_final_stats=1 \
    -artifact_prefix="$ARTIFACTS/$t-" >"$log" 2>&1 || rc=$?
  elapsed=$(($(date +%s) - t0))
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  size=$(find "$corpus" -type f | wc -l)
  printf 'fuzz: %-7s %s s  executions %s  exec/s %s  corpus %s files\n' "$t" "$elapsed" \
    "${runs:-?}" "${speed:-?}" "$size"
  if [ -n "${FUZZ_KEEP_CORPUS:-}" ]; then
    mkdir -p "$FUZZ_KEEP_CORPUS/$t" && cp "$corpus"/* "$FUZZ_KEEP_CORPUS/$t/"
  fi
  if [ "$rc" != 0 ]; then
    failed+=("$t")
    echo "fuzz: $t FAILED (exit $rc); the end of its log:"
    # The lines before the first report hold what the target printed before aborting (its own
    # invariant checks print the offending document), then the sanitizer's summary.
    grep -B12 -m1 -E '^==[0-9]+==|deadly signal|runtime error|ALARM|out-of-memory' "$log" |
      cut -c1-300 | head -40
    grep -E '^SUMMARY|Test unit written' "$log" | head -5
    cp "$log" "$ARTIFACTS/$t.log"
    echo "fuzz: full log $ARTIFACTS/$t.log; reproduce with $bin <the unit written above>"
  fi
done
if ((${#failed[@]})); then
  echo "fuzz: failed: ${failed[*]}"
  exit 1
fi
echo "fuzz: ${#TARGETS[@]} targets ran ${SECONDS_PER_TARGET} s each without a finding"
