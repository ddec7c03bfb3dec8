#!/usr/bin/env bash
# Side-by-side CalDAV/CardDAV benchmark (issue 14): Cartable next to the peers available from
# Debian, Cyrus IMAP 3.6.1 (with the configuration in ../shared/bench/cyrus/, when cyrus-imapd and
# cyrus-caldav are installed) and Radicale, on the same davbench dataset, then wrk GET against
# Cartable and a trivial Pistache + http-parser server, and wrk PUT of new events (durable
# writes, scripts/bench_put.lua) against Cartable and Cyrus. Writes docs/benchmarks.md through
# scripts/bench_report.py. Not part of scripts/test. Every server listens on a free loopback port,
# keeps its data in one temporary directory, and is stopped at exit.
#
#   scripts/bench_compare.sh [--full] [--events N --todos M --vcards K] [--no-cyrus]
#       [--install-cyrus] [--no-radicale] [--no-build] [--budget MIN] [--max-seconds S]
#       [--wrk-seconds S] [--out FILE] [--keep]
#
# Default size: the issue's side-by-side size (3,508 events + 500 to-dos, 3,000 cards), every
# target, about 40-60 minutes. --full: 10,000 + 500, 20,000 cards on Cartable and Cyrus (Radicale
# loads far too slowly for that size). Results (davbench JSON, wrk outputs, the commands run) stay
# in build/bench/<size>/; the page is written from every size present there, each section with
# its own commit and date. BENCH_DIR overrides ../shared/bench.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

B="${BENCH_DIR:-$ROOT/../shared/bench}"
EVENTS=3508 TODOS=500 VCARDS=3000
FULL=0 CYRUS=1 INSTALL_CYRUS=0 RADICALE=1 DO_BUILD=1 KEEP=0
BUDGET_MIN="" MAX_SECONDS=10 WRK_SECONDS=10 OUT=""
SIZE_SET=0
ARGV=("$@")
usage() { sed -n '8,12p' "$0" | sed 's/^# \{0,3\}//'; exit 2; }
while (($#)); do
  case "$1" in
    --full) FULL=1 EVENTS=10000 TODOS=500 VCARDS=20000 ;;
    --events) EVENTS="$2"; SIZE_SET=1; shift ;;
    --todos) TODOS="$2"; SIZE_SET=1; shift ;;
    --vcards) VCARDS="$2"; SIZE_SET=1; shift ;;
    --no-cyrus) CYRUS=0 ;;
    --install-cyrus) INSTALL_CYRUS=1 ;;
    --no-radicale) RADICALE=0 ;;
    --no-build) DO_BUILD=0 ;;
    --budget) BUDGET_MIN="$2"; shift ;;
    --max-seconds) MAX_SECONDS="$2"; shift ;;
    --wrk-seconds) WRK_SECONDS="$2"; shift ;;
    --out) OUT="$2"; shift ;;
    --keep) KEEP=1 ;;
    -h | --help) usage ;;
    *) echo "bench_compare: unknown argument $1" >&2; usage ;;
  esac
  shift
done
for v in "$EVENTS" "$TODOS" "$VCARDS" "$MAX_SECONDS" "$WRK_SECONDS" ${BUDGET_MIN:+"$BUDGET_MIN"}; do
  [[ "$v" =~ ^[0-9]+$ ]] || { echo "bench_compare: not a number: $v" >&2; exit 2; }
done
if [ "$EVENTS/$TODOS/$VCARDS" = 3508/500/3000 ]; then LABEL=small
elif [ "$EVENTS/$TODOS/$VCARDS" = 10000/500/20000 ]; then LABEL=full
else LABEL="custom-$EVENTS-$TODOS-$VCARDS"; fi
# Radicale's PUT cost grows with the collection (one file per item): only the small size.
[ "$LABEL" = full ] && ((SIZE_SET == 0)) && RADICALE=0
[ -n "$BUDGET_MIN" ] || { [ "$LABEL" = full ] && BUDGET_MIN=150 || BUDGET_MIN=60; }
RESULTS="$BUILD_DIR/bench/$LABEL"
# A custom size (a smoke test) never overwrites the published page unless --out says so.
[ -n "$OUT" ] || { [[ "$LABEL" = custom-* ]] && OUT="$RESULTS/benchmarks.md" || OUT="$ROOT/docs/benchmarks.md"; }

T0=$(date +%s)
remaining() { echo $((T0 + BUDGET_MIN * 60 - $(date +%s))); }
log() { echo "bench_compare [$(($(date +%s) - T0))s]: $*" >&2; }
min() { ((${1} < ${2})) && echo "$1" || echo "$2"; }

[ -f "$B/davbench.py" ] || { echo "bench_compare: $B/davbench.py missing (set BENCH_DIR)" >&2; exit 1; }
B="$(cd "$B" && pwd)"
PY=/usr/bin/python3   # Debian's python3: davbench needs zoneinfo + tzdata
TREE="$B/cyrus/davbench-tree.py"

# ---- dependencies -------------------------------------------------------------------------
install_missing   # radicale and wrk are in PACKAGES
CYRUS_PACKAGES=(cyrus-imapd cyrus-caldav cyrus-admin cyrus-clients sasl2-bin)
cyrus_installed() { [ -x /usr/lib/cyrus/bin/master ] && [ -x /usr/bin/cyradm ] && [ -x /usr/sbin/saslpasswd2 ]; }
SUDO=""
[ "$(id -u)" = 0 ] || SUDO="sudo -n"
if ((CYRUS)) && ! cyrus_installed; then
  if ((INSTALL_CYRUS)); then
    log "installing ${CYRUS_PACKAGES[*]}"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${CYRUS_PACKAGES[@]}" >/dev/null
  else
    log "Cyrus not installed (apt-get install ${CYRUS_PACKAGES[*]}, or --install-cyrus): no Cyrus column"
    CYRUS=0
  fi
fi
# cyrus.sh must run as root (master switches to the user cyrus).
if ((CYRUS)) && [ -n "$SUDO" ] && ! sudo -n true 2>/dev/null; then
  log "Cyrus needs root (cyrus.sh starts master as root, it switches to the user cyrus): no Cyrus column"
  CYRUS=0
fi
command -v radicale >/dev/null || RADICALE=0

mkdir -p "$RESULTS"
rm -f "$RESULTS"/*.json "$RESULTS"/*.txt "$RESULTS"/*.log "$RESULTS"/*.tsv
if ((DO_BUILD)); then
  log "building (RelWithDebInfo, niced), log in $RESULTS/build.log"
  # renice the subshell: cmake, ninja and the compilers inherit it; the servers do not
  # (not on the left of ||: set -e would be ignored inside build)
  set +e
  (set -e; renice -n 10 -p "$BASHPID" >/dev/null; build) >"$RESULTS/build.log" 2>&1
  rc=$?
  set -e
  ((rc == 0)) || { tail -20 "$RESULTS/build.log" >&2; echo "bench_compare: build failed" >&2; exit 1; }
  # the trivial server is a CMake target of its own (tests/bench), not a test: build it if known
  (renice -n 10 -p "$BASHPID" >/dev/null
    cmake --build "$BUILD_DIR" -j "${JOBS:-2}" --target trivial_http_server) >>"$RESULTS/build.log" 2>&1 || true
fi
CARTABLE="$BUILD_DIR/cartable"
# The trivial server (CMake target trivial_http_server); TRIVIAL_HTTP_SERVER overrides the path.
TRIVIAL="${TRIVIAL_HTTP_SERVER:-}"
if [ -z "$TRIVIAL" ]; then
  for t in "$BUILD_DIR/tests/trivial_http_server" "$BUILD_DIR/tests/bench/trivial_http_server"; do
    [ -x "$t" ] && { TRIVIAL="$t"; break; }
  done
fi
[ -x "$CARTABLE" ] || { echo "bench_compare: $CARTABLE missing (build first)" >&2; exit 1; }

# ---- work directory, results, clean-up ------------------------------------------------------
# Under /tmp and o+x: the user cyrus must reach the Cyrus store (mktemp -d alone gives 0700).
WORK="$(mktemp -d /tmp/cartable-bench.XXXXXX)"
chmod 755 "$WORK"
CP="" RP="" TP="" MP=""
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  for p in $CP $RP $TP; do
    kill -TERM "$p" 2>/dev/null && wait "$p" 2>/dev/null || true
  done
  [ -n "$MP" ] && { $SUDO "$B/cyrus/cyrus.sh" stop "$WORK/cyrus" >/dev/null 2>&1 || true; }
  if ((KEEP)); then log "stores kept in $WORK"; else rm -rf "$WORK" 2>/dev/null || $SUDO rm -rf "$WORK"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
  "$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
wait_port() {  # wait_port PORT SECONDS
  for _ in $(seq $(($2 * 10))); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}
# Every command whose output feeds the page is written to commands.txt as run.
run_logged() {
  printf '%q ' "$@" | sed 's/ $//' >>"$RESULTS/commands.txt"
  echo >>"$RESULTS/commands.txt"
  "$@"
}
meta() { printf '%s\t%s\n' "$1" "$2" >>"$RESULTS/meta.tsv"; }

ENVS=""
for v in BENCH_DIR TRIVIAL_HTTP_SERVER BENCH_RADICALE_HTTP_LOAD; do
  [ -n "${!v:-}" ] && ENVS+="$v=${!v} "
done
[ "$BUILD_DIR" = "$ROOT/build" ] || ENVS+="BUILD_DIR=$BUILD_DIR "
meta command "${ENVS}scripts/bench_compare.sh${ARGV[*]:+ ${ARGV[*]}}"
meta label "$LABEL"
meta dataset "$EVENTS/$TODOS/$VCARDS"
meta commit "$(git -C "$ROOT" rev-parse HEAD)"
meta commit_subject "$(git -C "$ROOT" log -1 --format=%s)"
meta dirty "$(git -C "$ROOT" status --porcelain --untracked-files=no | wc -l)"
meta branch "$(git -C "$ROOT" rev-parse --abbrev-ref HEAD)"
meta date "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
meta cpu "$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)"
meta cores "$(nproc)"
meta memory "$(awk '/^MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)"
meta kernel "$(uname -sr)"
meta os "$(. /etc/os-release && echo "$PRETTY_NAME")"
meta loadavg_start "$(cut -d' ' -f1-3 /proc/loadavg)"
meta python "$("$PY" --version 2>&1)"
meta davbench "$("$PY" -c "import sys; sys.path.insert(0, '$B'); import davbench; print(davbench.VERSION)")"
meta wrk "$(dpkg-query -W -f='${Version}' wrk 2>/dev/null)"
meta build_type "$(awk -F= '/^CMAKE_BUILD_TYPE:/ {print $2}' "$BUILD_DIR/CMakeCache.txt" 2>/dev/null)"
meta max_seconds "$MAX_SECONDS"
meta budget_min "$BUDGET_MIN"

# ---- servers --------------------------------------------------------------------------------
D=(--events "$EVENTS" --todos "$TODOS" --vcards "$VCARDS")
USERPW=bench
printf %s "$USERPW" | "$CARTABLE" user add bench --name "Bench User" --email bench@ac-orleans-tours.fr \
  --password-stdin --data "$WORK/cartable" >/dev/null
"$CARTABLE" serve --data "$WORK/cartable" --listen 127.0.0.1:0 >"$WORK/cartable.log" 2>&1 &
CP=$!
for _ in $(seq 100); do grep -q "serving on" "$WORK/cartable.log" && break; sleep 0.1; done
CURL="$(grep -o 'http://[0-9.]*:[0-9]*/' "$WORK/cartable.log" | head -1)"
[ -n "$CURL" ] || { cat "$WORK/cartable.log" >&2; echo "bench_compare: Cartable did not start" >&2; exit 1; }
meta cartable_version "$(git -C "$ROOT" describe --always --dirty)"
log "Cartable pid $CP at $CURL"
TARGETS=(--target "name=cartable,url=$CURL,user=bench,password=$USERPW,cal=/dav/calendars/bench/benchcal/,card=/dav/addressbooks/bench/benchcard/,pid=$CP,store=$WORK/cartable")

if ((CYRUS)); then
  HP=$(free_port) IP=$(free_port)
  while [ "$IP" = "$HP" ]; do IP=$(free_port); done
  if MP=$($SUDO "$B/cyrus/cyrus.sh" start "$WORK/cyrus" "$HP" "$IP" 2>"$WORK/cyrus-start.log" | head -1) &&
    [[ "$MP" =~ ^[0-9]+$ ]]; then
    meta cyrus_version "$(dpkg-query -W -f='${Version}' cyrus-imapd)"
    log "Cyrus master pid $MP at http://127.0.0.1:$HP/"
    TARGETS+=(--target "name=cyrus,url=http://127.0.0.1:$HP/,user=bench,password=bench,cal=/dav/calendars/user/bench/benchcal/,card=/dav/addressbooks/user/bench/benchcard/,pid=$MP,store=$WORK/cyrus")
  else
    log "Cyrus did not start: $(tail -3 "$WORK/cyrus-start.log")"
    meta cyrus_error "$(tail -1 "$WORK/cyrus-start.log")"
    MP="" CYRUS=0
  fi
fi

if ((RADICALE)); then
  RPORT=$(free_port)
  printf 'bench:bench\n' >"$WORK/htpasswd"
  cat >"$WORK/radicale.conf" <<EOF
[server]
hosts = 127.0.0.1:$RPORT
[auth]
type = htpasswd
htpasswd_filename = $WORK/htpasswd
htpasswd_encryption = plain
[storage]
filesystem_folder = $WORK/radicale
[logging]
level = warning
EOF
  radicale --config "$WORK/radicale.conf" >"$WORK/radicale.log" 2>&1 &
  RP=$!
  if wait_port "$RPORT" 20; then
    meta radicale_version "$(radicale --version 2>/dev/null)"
    log "Radicale pid $RP at http://127.0.0.1:$RPORT/"
    RTARGET=(--target "name=radicale,url=http://127.0.0.1:$RPORT/,user=bench,password=bench,cal=/bench/cal/,card=/bench/card/,pid=$RP,store=$WORK/radicale")
  else
    log "Radicale did not start: $(tail -3 "$WORK/radicale.log")"
    RADICALE=0
  fi
fi

# davbench PHASE DEADLINE ARGS...: one davbench invocation (through davbench-tree.py: for Cyrus
# the pid is the whole pre-forked process tree; for one process it gives davbench's figures),
# bounded by its --deadline, by the overall budget, and by timeout(1) as a last resort.
davbench() {
  local phase="$1" want="$2" left deadline rc=0
  shift 2
  left=$(($(remaining) - 60))
  if ((left < 120)); then
    log "$phase: skipped (time budget of $BUDGET_MIN min spent)"
    meta "skipped_$phase" "time budget of $BUDGET_MIN min spent"
    return 0
  fi
  deadline=$(min "$want" "$left")
  log "$phase: davbench (deadline ${deadline}s)"
  run_logged timeout --signal=INT --kill-after=30 $((deadline + 300)) "$PY" "$TREE" "$@" "${D[@]}" \
    --deadline "$deadline" --json "$RESULTS/$phase.json" >"$RESULTS/$phase.txt" 2>"$RESULTS/$phase.log" || rc=$?
  # exit 1 = some result WRONG or ERRORS: the page shows it; anything else is a failed run
  if ((rc > 1)); then
    log "$phase: davbench exited with $rc: $(tail -3 "$RESULTS/$phase.log")"
    meta "failed_$phase" "exit $rc: $(tail -1 "$RESULTS/$phase.log")"
  fi
  tail -n +1 "$RESULTS/$phase.txt" | grep -v '^$' >&2 || true
  return 0
}

# ---- 1. load (PUT create, If-None-Match: *), Cartable then Cyrus ------------------------------
if ((FULL)); then LOADMAX=2400 LOADDL=5400; else LOADMAX=900 LOADDL=1800; fi
davbench load "$LOADDL" "${TARGETS[@]}" -c 1,8 --workloads load --load-max-seconds "$LOADMAX"

# ---- 2. wrk GET of one event: the trivial server, Cartable (and Cyrus), interleaved ------------
EVENT="$("$PY" -c "import sys; sys.path.insert(0, '$B'); import davbench
print(davbench.Dataset(42, 1, 0, 0).ics[0].name)")"   # item 0 does not depend on the sizes
AUTH="Authorization: Basic $(printf 'bench:%s' "$USERPW" | base64)"
TPORT=""
if [ -n "$TRIVIAL" ] && [ -x "$TRIVIAL" ]; then
  meta trivial "$TRIVIAL"
  TPORT=$(free_port)
  "$TRIVIAL" --listen "127.0.0.1:$TPORT" >"$WORK/trivial.log" 2>&1 &
  TP=$!
  wait_port "$TPORT" 10 || { log "trivial_http_server did not start: $(tail -3 "$WORK/trivial.log")"; TPORT=""; }
else
  log "build/tests/trivial_http_server missing (CMake target trivial_http_server): no trivial-server row"
  meta trivial_missing "build/tests/trivial_http_server (CMake target trivial_http_server) not built"
fi
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
wrk_one() {  # wrk_one NAME ROUND URL [HEADER] [PID]
  local out="$RESULTS/wrk-$1-$2.txt" c0 c1
  [ -n "${5:-}" ] && c0=$(cpu_ticks "$5")
  if [ -n "${4:-}" ]; then
    run_logged wrk -t2 -c8 -d"${WRK_SECONDS}s" --timeout 10s -H "$4" "$3" >"$out" 2>&1 || true
  else
    run_logged wrk -t2 -c8 -d"${WRK_SECONDS}s" --timeout 10s "$3" >"$out" 2>&1 || true
  fi
  if [ -n "${5:-}" ]; then
    c1=$(cpu_ticks "$5")
    echo "server_cpu_ticks $((c1 - c0)) clk_tck $(getconf CLK_TCK)" >>"$out"
  fi
}
if (($(remaining) > 300)); then
  log "wrk GET ${CURL}dav/calendars/bench/benchcal/$EVENT, 8 connections, ${WRK_SECONDS}s per run"
  curl -sf -o /dev/null -H "$AUTH" "${CURL}dav/calendars/bench/benchcal/$EVENT" ||
    log "GET of $EVENT on Cartable failed (wrk figures will show non-2xx)"
  for r in 1 2; do
    [ -n "$TPORT" ] && wrk_one trivial "$r" "http://127.0.0.1:$TPORT/" "" "$TP"
    wrk_one cartable "$r" "${CURL}dav/calendars/bench/benchcal/$EVENT" "$AUTH" "$CP"
    ((CYRUS)) && wrk_one cyrus "$r" "http://127.0.0.1:$HP/dav/calendars/user/bench/benchcal/$EVENT" "$AUTH"
  done
  [ -n "$TP" ] && { kill -TERM "$TP" 2>/dev/null; wait "$TP" 2>/dev/null || true; TP=""; }
else
  meta skipped_wrk "time budget of $BUDGET_MIN min spent"
fi

# ---- 3. the workloads, interleaved A,B,A,B (2 rounds), Cartable vs Cyrus ----------------------
WORKLOADS=get,propfind,query,multiget,cardquery,sync,update,initial-sync,delete
# Ops per run: enough for a few hundred ms of Cartable CPU per run (/proc counts 10 ms ticks);
# each run also stops starting ops after --max-seconds, which bounds the slow servers.
OPS=(--ops get=2000 --ops propfind=40 --ops query=100 --ops multiget=200 --ops cardquery=200
  --ops sync-initial=40 --ops sync-incr=40 --ops update=200 --ops initial-sync=8 --ops delete=100)
if ((CYRUS)); then
  davbench compare $((FULL ? 3600 : 1800)) --compare "${TARGETS[@]}" -c 1,8 "${OPS[@]}" \
    --max-seconds "$MAX_SECONDS" --workloads "$WORKLOADS"
else
  davbench compare $((FULL ? 3600 : 1800)) "${TARGETS[@]}" --rounds 2 -c 1,8 "${OPS[@]}" \
    --max-seconds "$MAX_SECONDS" --workloads "$WORKLOADS"
fi

# ---- 3b. wrk PUT of new events (If-None-Match: *), 8 connections, Cartable then Cyrus, 2 runs ---
# davbench's PUT rate is the Python client's (one process: threads under the GIL, on the same 2
# cores): wrk measures the servers. scripts/bench_put.lua PUTs davbench's own events and to-dos,
# each under a fresh name and UID (TAG-THREAD-N), into the benchmark calendar. It runs after
# every davbench workload: davbench checks that its collections hold only the items it generates,
# so no davbench run may come after it on these stores. Afterwards a PROPFIND Depth 1 counts the
# run's objects: each 2xx answer promised a stored event, so the count must lie between the 2xx
# answers and the requests sent (wrk stops with at most one request per connection unanswered).
cpu_tree() {  # utime+stime of PID and its descendants, with their reaped children (Cyrus)
  local p total=0 kids
  for p in "$@"; do
    [ -r "/proc/$p/stat" ] || continue
    total=$((total + $(awk '{print $14 + $15 + $16 + $17}' "/proc/$p/stat")))
    kids=$(pgrep -P "$p" | tr '\n' ' ')
    [ -n "$kids" ] && total=$((total + $(cpu_tree $kids)))
  done
  echo "$total"
}
propfind_count() {  # propfind_count COLLECTION_URL TAG: objects of the collection named TAG-*
  curl -s -H "$AUTH" -X PROPFIND -H "Depth: 1" -H "Content-Type: application/xml; charset=utf-8" \
    --data '<?xml version="1.0"?><propfind xmlns="DAV:"><prop><getetag/></prop></propfind>' "$1" |
    grep -o "/$2-[0-9]*-[0-9]*\.ics" | sort -u | wc -l
}
wrk_put() {  # wrk_put NAME ROUND COLLECTION_URL CPU_FUNCTION PID
  local out="$RESULTS/wrkput-$1-$2.txt" tag="wrkput$2" c0 c1
  c0=$($4 "$5")
  run_logged wrk -t2 -c8 -d"${WRK_SECONDS}s" --timeout 10s -H "$AUTH" -s "$ROOT/scripts/bench_put.lua" \
    "$3" -- "$WORK/put/list" "$tag" >"$out" 2>&1 || true
  c1=$($4 "$5")
  echo "server_cpu_ticks $((c1 - c0)) clk_tck $(getconf CLK_TCK)" >>"$out"
  echo "stored $(propfind_count "$3" "$tag")" >>"$out"
}
if (($(remaining) > 180)); then
  log "wrk PUT of new events, 8 connections, ${WRK_SECONDS}s per run"
  mkdir -p "$WORK/put"
  run_logged "$PY" -c "import os, sys; sys.path.insert(0, sys.argv[1]); import davbench
d = davbench.Dataset(42, int(sys.argv[3]), int(sys.argv[4]), 0)
with open(os.path.join(sys.argv[2], 'list'), 'w') as names:
    for it in d.ics:
        open(os.path.join(sys.argv[2], it.name), 'wb').write(d.render(it))
        names.write(os.path.join(sys.argv[2], it.name) + '\n')" "$B" "$WORK/put" "$EVENTS" "$TODOS"
  for r in 1 2; do
    wrk_put cartable "$r" "${CURL}dav/calendars/bench/benchcal/" cpu_ticks "$CP"
    ((CYRUS)) && wrk_put cyrus "$r" "http://127.0.0.1:$HP/dav/calendars/user/bench/benchcal/" cpu_tree "$MP"
  done
else
  meta skipped_wrk_put "time budget of $BUDGET_MIN min spent"
fi

# ---- 4. Radicale: load, then the workloads whose one op stays bounded, at c=1 -----------------
# (the client's first sync multigets everything: one op takes minutes on Radicale)
# Radicale's PUT cost grows with the collection (one file per item; 25 min for this load on
# the shared VM): the items past the first 1,000 of each kind are written straight into its
# file storage (the bytes davbench would PUT, in the collections MKCALENDAR / MKCOL make), then
# davbench PUTs the first 500 at c=1 and the next 500 at c=8 over HTTP, into the nearly full
# collections, and checks everything it reads. BENCH_RADICALE_HTTP_LOAD=1: everything over HTTP.
radicale_prefill() {
  local root="$WORK/radicale/collection-root/bench"
  mkdir -p "$root/cal" "$root/card"
  printf %s '{"C:supported-calendar-component-set": "VEVENT,VTODO", "D:displayname": "davbench agenda", "tag": "VCALENDAR"}' \
    >"$root/cal/.Radicale.props"
  printf %s '{"D:displayname": "davbench annuaire", "tag": "VADDRESSBOOK"}' >"$root/card/.Radicale.props"
  run_logged "$PY" -c "import sys; sys.path.insert(0, sys.argv[1]); import davbench
d = davbench.Dataset(42, int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]))
for coll, items in (('cal', d.ics), ('card', d.cards)):
    for it in items[1000:]:
        open(f'{sys.argv[2]}/{coll}/{it.name}', 'wb').write(d.render(it))" "$B" "$root" "$EVENTS" "$TODOS" "$VCARDS"
}
if ((RADICALE)); then
  left=$(($(remaining) - 600))
  if ((left > 300)); then
    if [ "${BENCH_RADICALE_HTTP_LOAD:-0}" = 1 ]; then
      meta radicale_load "every item over HTTP"
    else
      radicale_prefill
      meta radicale_load "items past the first 1,000 calendar items and 1,000 cards written into its storage first; the first 500 PUT at c=1, the next 500 at c=8"
    fi
    davbench radicale-load "$(min 2400 "$left")" "${RTARGET[@]}" -c 1,8 --workloads load \
      --load-max-seconds "$(min 1800 "$left")"
    davbench radicale 900 "${RTARGET[@]}" --rounds 2 -c 1 "${OPS[@]}" --max-seconds "$MAX_SECONDS" \
      --workloads get,propfind,query,multiget,cardquery,sync,update,delete
  else
    log "Radicale: skipped (time budget)"
    meta skipped_radicale "time budget of $BUDGET_MIN min spent"
  fi
fi

meta loadavg_end "$(cut -d' ' -f1-3 /proc/loadavg)"
meta duration_s $(($(date +%s) - T0))

# ---- 5. the page ---------------------------------------------------------------------------
SECTIONS=()
for l in small full; do
  [ "$l" = "$LABEL" ] || [ ! -f "$BUILD_DIR/bench/$l/meta.tsv" ] || SECTIONS+=("$BUILD_DIR/bench/$l")
done
[[ "$LABEL" = custom-* ]] && SECTIONS=()
"$PY" "$ROOT/scripts/bench_report.py" -o "$OUT" "$RESULTS" "${SECTIONS[@]}"
log "wrote $OUT in $(($(date +%s) - T0)) s"
