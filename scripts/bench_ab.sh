#!/usr/bin/env bash
# Before/after of a change: two Cartable binaries side by side on the same davbench dataset,
# interleaved (davbench --compare: A, B, A, B), each on its own SQLite store in a temporary
# directory, so that both see the same load of the machine. Not part of scripts/test.
#
#   scripts/bench_ab.sh BEFORE AFTER WORKLOADS [davbench arguments...]
#   e.g. cp build/cartable /tmp/cartable-before; (change, build)
#        scripts/bench_ab.sh /tmp/cartable-before build/cartable propfind,initial-sync \
#          --events 10000 --todos 500 --vcards 2000 -c 1 --ops propfind=60 --json /tmp/ab.json
#
# Both stores are loaded first (davbench's load workload). Prints davbench's comparison, then
# the server CPU per operation of each binary summed over the rounds (the figure to compare on a
# shared machine). BENCH_DIR overrides ../shared/bench.
source "$(dirname "$0")/lib.sh"
[ $# -ge 3 ] || { sed -n '2,13p' "$0" >&2; exit 2; }
BEFORE="$(realpath "$1")" AFTER="$(realpath "$2")" WORKLOADS="$3"
shift 3
B="${BENCH_DIR:-$ROOT/../shared/bench}"
PY=/usr/bin/python3  # Debian's python3: davbench needs zoneinfo + tzdata
for bin in "$BEFORE" "$AFTER"; do [ -x "$bin" ] || { echo "bench_ab: $bin is not executable" >&2; exit 2; }; done
[ -f "$B/davbench.py" ] || { echo "bench_ab: $B/davbench.py missing (set BENCH_DIR)" >&2; exit 2; }

WORK="$(mktemp -d /tmp/cartable-ab.XXXXXX)"
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null && wait "$p" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

JSON="$WORK/results.json"
ARGS=()
while [ $# -gt 0 ]; do
  if [ "$1" = --json ]; then JSON="$2"; shift 2; else ARGS+=("$1"); shift; fi
done

TARGETS=()
for name in before after; do
  bin="$BEFORE"
  [ "$name" = after ] && bin="$AFTER"
  printf bench | "$bin" user add bench --name "Bench User" --email bench@ac-orleans-tours.fr \
    --password-stdin --data "$WORK/$name" >/dev/null
  "$bin" serve --data "$WORK/$name" --listen 127.0.0.1:0 >"$WORK/$name.log" 2>&1 &
  PIDS+=($!)
  for _ in $(seq 100); do grep -q "serving on" "$WORK/$name.log" && break; sleep 0.1; done
  url="$(grep -o 'http://[0-9.]*:[0-9]*/' "$WORK/$name.log" | head -1)"
  [ -n "$url" ] || { cat "$WORK/$name.log" >&2; echo "bench_ab: $name did not start" >&2; exit 1; }
  TARGETS+=(--target "name=$name,url=$url,user=bench,password=bench,cal=/dav/calendars/bench/benchcal/,card=/dav/addressbooks/bench/benchcard/,pid=${PIDS[-1]},store=$WORK/$name")
done

rc=0
"$PY" "$B/davbench.py" "${TARGETS[@]}" --compare --workloads "load,$WORKLOADS" "${ARGS[@]}" \
  --json "$JSON" || rc=$?
"$PY" - "$JSON" <<'EOF'
import json, sys
# davbench's own aggregate over the rounds (what scripts/bench_report.py reads too).
cpu = {name: {(a["workload"], a["conc"]): 1000 * a["server_cpu_s"] / a["ops"]
              for a in target["aggregate"] if a.get("server_cpu_s") is not None and a.get("ops")}
       for name, target in json.load(open(sys.argv[1]))["targets"].items()}
print("\nserver CPU per operation, summed over the rounds (ms)")
print(f"{'workload':<22}{'c':>3}{'before':>10}{'after':>10}{'after/before':>14}")
fmt = lambda v: f"{v:.3f}" if v is not None else "-"
for key in sorted(set(cpu.get("before", {})) | set(cpu.get("after", {}))):
    b, a = cpu.get("before", {}).get(key), cpu.get("after", {}).get(key)
    ratio = f"{a / b:.2f}" if a is not None and b else "-"
    print(f"{key[0]:<22}{key[1]:>3}{fmt(b):>10}{fmt(a):>10}{ratio:>14}")
EOF
exit "$rc"
