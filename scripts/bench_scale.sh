#!/usr/bin/env bash
# Scale figures of issue 15 with davbench (../shared/bench/): one SQLite node, one PostgreSQL node,
# three PostgreSQL nodes behind a local nginx (round-robin, the proxy settings of
# docs/deployment.md), then a simulated academy on PostgreSQL (accounts, events, directory
# entries) with the CPU per operation of one user's calendar on it and the directory search p95.
# Appends a section to docs/benchmarks.md (scripts/bench_scale.py report). Not part of
# scripts/test. Everything runs on loopback, in one temporary directory, stopped at exit.
#
#   scripts/bench_scale.sh [--full] [--accounts A --academy-events E --entries D]
#       [--events N --todos M --vcards K] [--no-build] [--no-academy] [--no-compare]
#       [--max-seconds S] [--out FILE] [--keep]
#
# Default (reduced) size: davbench 1,000 events + 100 to-dos + 500 cards per configuration, an
# academy of 3,500 accounts / 100,000 events / 5,000 directory entries. --full: 3,508 + 500 +
# 3,000 (the issue-14 side-by-side size) and 35,000 / 1,000,000 / 50,000. Results (davbench JSON,
# logs, commands.txt) stay in build/bench/scale-<size>/.
#
# The academy: the directory (people CSV from bench_scale.py) goes through `cartable directory
# import` (the server's own code: accounts, directory entries, search tables, cards); a template
# user's calendar is loaded through HTTP by davbench (so its index, occurrence and change rows are
# the server's); then SQL (bench_scale.py academy-sql) copies the template's collections to every
# active account and spreads E objects over them, in one transaction inside PostgreSQL.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

B="${BENCH_DIR:-$ROOT/../shared/bench}"
EVENTS=1000 TODOS=100 VCARDS=500
ACCOUNTS=3500 ACAD_EVENTS=100000 ENTRIES=5000 TEMPLATE_EVENTS=2000
SIZE=reduced DO_BUILD=1 ACADEMY=1 COMPARE=1 MAX_SECONDS=10 OUT="" KEEP=0
ARGV=("$@")
usage() { sed -n '9,11p' "$0" | sed 's/^# \{0,3\}//'; exit 2; }
while (($#)); do
  case "$1" in
    --full) SIZE=full EVENTS=3508 TODOS=500 VCARDS=3000 ACCOUNTS=35000 ACAD_EVENTS=1000000 ENTRIES=50000 ;;
    --accounts) ACCOUNTS="$2"; SIZE=custom; shift ;;
    --academy-events) ACAD_EVENTS="$2"; SIZE=custom; shift ;;
    --entries) ENTRIES="$2"; SIZE=custom; shift ;;
    --events) EVENTS="$2"; SIZE=custom; shift ;;
    --todos) TODOS="$2"; SIZE=custom; shift ;;
    --vcards) VCARDS="$2"; SIZE=custom; shift ;;
    --no-build) DO_BUILD=0 ;;
    --no-academy) ACADEMY=0 ;;
    --no-compare) COMPARE=0 ;;
    --max-seconds) MAX_SECONDS="$2"; shift ;;
    --out) OUT="$2"; shift ;;
    --keep) KEEP=1 ;;
    -h | --help) usage ;;
    *) echo "bench_scale: unknown argument $1" >&2; usage ;;
  esac
  shift
done
for v in "$EVENTS" "$TODOS" "$VCARDS" "$ACCOUNTS" "$ACAD_EVENTS" "$ENTRIES" "$MAX_SECONDS"; do
  [[ "$v" =~ ^[0-9]+$ ]] || { echo "bench_scale: not a number: $v" >&2; exit 2; }
done
((ENTRIES >= ACCOUNTS)) || { echo "bench_scale: --entries must be >= --accounts" >&2; exit 2; }
OUT="${OUT:-$ROOT/docs/benchmarks.md}"
RESULTS="$BUILD_DIR/bench/scale-$SIZE"
PY=/usr/bin/python3
HELPER="$ROOT/scripts/bench_scale.py"
[ -f "$B/davbench.py" ] || { echo "bench_scale: $B/davbench.py missing (set BENCH_DIR)" >&2; exit 1; }
export BENCH_DIR="$(cd "$B" && pwd)"
PGBIN=/usr/lib/postgresql/15/bin
T0=$(date +%s)
log() { echo "bench_scale [$(($(date +%s) - T0))s]: $*" >&2; }

install_missing   # postgresql-15, nginx, wrk... are in PACKAGES
mkdir -p "$RESULTS"
rm -f "$RESULTS"/*.json "$RESULTS"/*.txt "$RESULTS"/*.log "$RESULTS"/*.tsv "$RESULTS"/notes.md
if ((DO_BUILD)); then
  log "building cartable (niced), log in $RESULTS/build.log"
  set +e
  (set -e; renice -n 10 -p "$BASHPID" >/dev/null; build >/dev/null) >"$RESULTS/build.log" 2>&1
  rc=$?
  set -e
  ((rc == 0)) || { tail -20 "$RESULTS/build.log" >&2; echo "bench_scale: build failed" >&2; exit 1; }
fi
CARTABLE="$BUILD_DIR/cartable"
[ -x "$CARTABLE" ] || { echo "bench_scale: $CARTABLE missing (build first)" >&2; exit 1; }

# ---- work directory and clean-up ---------------------------------------------------------------
WORK="$(mktemp -d /tmp/cartable-scale.XXXXXX)"
chmod 755 "$WORK"
NODES=() PGPID="" NGPID=""
stop_nodes() {
  for p in "${NODES[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${NODES[@]}"; do wait "$p" 2>/dev/null || true; done
  NODES=()
  if [ -n "$NGPID" ]; then kill -QUIT "$NGPID" 2>/dev/null || true; wait "$NGPID" 2>/dev/null || true; NGPID=""; fi
}
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  stop_nodes
  if [ -n "$PGPID" ]; then kill -INT "$PGPID" 2>/dev/null || true; wait "$PGPID" 2>/dev/null || true; fi
  if ((KEEP)); then log "kept $WORK"; else rm -rf "$WORK"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
  "$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
# Every command whose output feeds the page is written to commands.txt as run.
run_logged() {
  printf '%q ' "$@" | sed 's/ $//' >>"$RESULTS/commands.txt"
  echo >>"$RESULTS/commands.txt"
  "$@"
}
note() { echo "- $*" >>"$RESULTS/notes.md"; }
meta() { printf '%s\t%s\n' "$1" "$2" >>"$RESULTS/meta.tsv"; }
meta command "scripts/bench_scale.sh${ARGV[*]:+ ${ARGV[*]}}"
meta size "$SIZE"
meta dataset "$EVENTS/$TODOS/$VCARDS"
meta commit "\`$(git -C "$ROOT" rev-parse --short=12 HEAD)\` ($(git -C "$ROOT" rev-parse --abbrev-ref HEAD)) $(git -C "$ROOT" log -1 --format=%s)"
meta date "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
meta cpu "$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo), $(nproc) cores, $(awk '/^MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)"
meta os "$(. /etc/os-release && echo "$PRETTY_NAME"), $(uname -sr)"
meta build_type "$(awk -F= '/^CMAKE_BUILD_TYPE:/ {print $2}' "$BUILD_DIR/CMakeCache.txt" 2>/dev/null)"
meta postgresql "$("$PGBIN/postgres" --version | sed 's/^postgres //')"
meta nginx "$(nginx -v 2>&1 | sed 's/^nginx version: //')"
meta loadavg_start "$(cut -d' ' -f1-3 /proc/loadavg) (the machine is shared: other jobs run at the same time)"

# ---- PostgreSQL 15: one throw-away cluster (as the postgres user when run as root) -------------
AS_PG=()
[ "$(id -u)" = 0 ] && AS_PG=(setpriv --reuid=postgres --regid=postgres --init-groups)
PGDATA="$WORK/pg"
PGPORT=$(free_port)
mkdir -p "$PGDATA"
[ "$(id -u)" = 0 ] && chown postgres: "$PGDATA"
"${AS_PG[@]}" "$PGBIN/initdb" -D "$PGDATA" -A trust -U postgres -E UTF8 --locale=C.UTF-8 >"$RESULTS/initdb.log" 2>&1
cat >>"$PGDATA/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
port = $PGPORT
unix_socket_directories = '$PGDATA'
shared_buffers = 256MB
max_connections = 100
EOF
# postgres in the foreground (not pg_ctl): the postmaster stays our child, so its process tree
# (backends included) is what the CPU figures count.
"${AS_PG[@]}" "$PGBIN/postgres" -D "$PGDATA" >"$WORK/postgres.log" 2>&1 &
PGPID=$!
for _ in $(seq 300); do "$PGBIN/pg_isready" -q -h 127.0.0.1 -p "$PGPORT" && break; sleep 0.1; done
"$PGBIN/pg_isready" -q -h 127.0.0.1 -p "$PGPORT" || { cat "$WORK/postgres.log" >&2; exit 1; }
PSQL=(psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PGPORT" -U postgres)
log "PostgreSQL pid $PGPID on port $PGPORT"
pg_url() { echo "postgresql://postgres@127.0.0.1:$PGPORT/$1"; }
export BENCH_SCALE_PG="$PGPID"

# write_ini NAME BACKEND DB: one node's configuration (every node of a configuration shares it,
# secret key included, as docs/deployment.md requires).
write_ini() {
  local ini="$WORK/$1.ini"
  cat >"$ini" <<EOF
[server]
data_dir = $WORK/$1-data
[accounts]
secret_key_file = $WORK/$1.key
address_max_failures = 0
[limits]
max_connections_per_address = 10000
[log]
access_log = false
EOF
  if [ "$2" = postgresql ]; then
    printf '[store]\nbackend = postgresql\npostgresql_url = %s\npool_size = 8\n' "$(pg_url "$3")" >>"$ini"
    "${PSQL[@]}" -c "CREATE DATABASE \"$3\""
  fi
  echo "$ini"
}
# start_node INI LOG: sets URL to the node's URL; its pid is appended to NODES.
start_node() {
  local port
  port=$(free_port)
  "$CARTABLE" --config "$1" serve --listen "127.0.0.1:$port" >"$2" 2>&1 &
  NODES+=($!)
  for _ in $(seq 100); do grep -q "serving on" "$2" && break; sleep 0.1; done
  grep -q "serving on" "$2" || { cat "$2" >&2; echo "bench_scale: node did not start" >&2; exit 1; }
  URL="http://127.0.0.1:$port/"
}
add_user() {  # add_user INI LOGIN
  printf %s bench | run_logged "$CARTABLE" --config "$1" user add "$2" --name "Bench $2" \
    --email "$2@ac-orleans-tours.fr" --password-stdin >/dev/null
}
D=(--events "$EVENTS" --todos "$TODOS" --vcards "$VCARDS")
WORKLOADS=load,get,propfind,query,multiget,cardquery,sync,update,initial-sync,delete
davbench() {  # davbench NAME URL [extra davbench args...]
  local name="$1" url="$2"
  shift 2
  BENCH_SCALE_NODES="$(IFS=,; echo "${NODES[*]}")" run_logged "$PY" "$HELPER" davbench --name "$name" \
    --url "$url" --user bench --password bench --cal /dav/calendars/bench/benchcal/ \
    --card /dav/addressbooks/bench/benchcard/ --pid "${NODES[0]}" "$@" \
    >"$RESULTS/$name.txt" 2>&1 || log "davbench $name: exit $? (see $RESULTS/$name.txt)"
  tail -16 "$RESULTS/$name.txt" >&2
}
run_config() {  # run_config NAME URL
  davbench "$1" "$2" "${D[@]}" -c 8 --workloads "$WORKLOADS" --max-seconds "$MAX_SECONDS" \
    --load-max-seconds 900 --deadline 1800 --json "$RESULTS/$1.json"
}
db_size() { "${PSQL[@]}" -At -c "SELECT pg_size_pretty(pg_database_size('$1'))"; }

if ((COMPARE)); then
  # 1. one SQLite node
  INI=$(write_ini sqlite1 sqlite "")
  add_user "$INI" bench
  start_node "$INI" "$WORK/sqlite1.log"
  log "sqlite1: node ${NODES[*]} at $URL"
  run_config sqlite1 "$URL"
  note "SQLite store after the run: $(du -sh "$WORK/sqlite1-data" | cut -f1) (\`du\` of the data directory)."
  stop_nodes

  # 2. one PostgreSQL node
  INI=$(write_ini pg1 postgresql pg1)
  add_user "$INI" bench
  start_node "$INI" "$WORK/pg1.log"
  log "pg1: node ${NODES[*]} at $URL"
  run_config pg1 "$URL"
  note "PostgreSQL database of the 1-node run afterwards: $(db_size pg1) (\`pg_database_size\`)."
  stop_nodes

  # 3. three PostgreSQL nodes behind nginx (round-robin; the proxy include of docs/deployment.md)
  INI=$(write_ini pg3 postgresql pg3)
  add_user "$INI" bench
  U=()
  for i in 1 2 3; do start_node "$INI" "$WORK/pg3-$i.log"; U+=("$URL"); done
  NGPORT=$(free_port)
  mkdir -p "$WORK/nginx/logs"
  {
    echo "daemon off; worker_processes 1; pid $WORK/nginx/nginx.pid; error_log $WORK/nginx/logs/error.log;"
    echo "events { worker_connections 1024; }"
    echo "http { access_log off; client_body_temp_path $WORK/nginx/body; proxy_temp_path $WORK/nginx/proxy;"
    echo "  fastcgi_temp_path $WORK/nginx/f; uwsgi_temp_path $WORK/nginx/u; scgi_temp_path $WORK/nginx/s;"
    echo "  upstream cartable {"
    for u in "${U[@]}"; do
      hp="${u#http://}"
      echo "    server ${hp%/} max_fails=3 fail_timeout=10s;"
    done
    echo "    keepalive 32; keepalive_timeout 50s; }"
    echo "  server { listen 127.0.0.1:$NGPORT; client_max_body_size 10m; large_client_header_buffers 8 16k;"
    echo "    location / { proxy_pass http://cartable;"
    echo "      proxy_http_version 1.1; proxy_set_header Connection \"\"; proxy_set_header Host \$host;"
    echo "      proxy_buffering off; proxy_connect_timeout 5s; proxy_read_timeout 120s;"
    echo "      proxy_next_upstream error timeout; proxy_next_upstream_tries 2; } } }"
  } >"$WORK/nginx/nginx.conf"
  cp "$WORK/nginx/nginx.conf" "$RESULTS/nginx-pg3.conf"
  nginx -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" &
  NGPID=$!
  for _ in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$NGPORT") 2>/dev/null && break; sleep 0.1; done
  log "pg3: nodes ${NODES[*]} behind nginx $NGPID at http://127.0.0.1:$NGPORT/"
  run_config pg3 "http://127.0.0.1:$NGPORT/"
  note "3 nodes: davbench's 8 clients each keep one connection to nginx, which spreads requests round-robin over the 3 nodes (1 nginx worker, keep-alive upstream connections; config in \`build/bench/scale-$SIZE/nginx-pg3.conf\`). Database afterwards: $(db_size pg3)."
  stop_nodes
fi

if ((ACADEMY)); then
  INI=$(write_ini academy postgresql academy)
  run_logged "$CARTABLE" --config "$INI" migrate >/dev/null
  run_logged "$PY" "$HELPER" people "$ENTRIES" "$WORK/people.csv"
  head -"$((ACCOUNTS + 1))" "$WORK/people.csv" >"$WORK/people-active.csv"
  t=$(date +%s.%N)
  run_logged "$CARTABLE" --config "$INI" directory import "$WORK/people.csv" >"$RESULTS/import1.txt" 2>&1
  t1=$(date +%s.%N)
  # The people beyond the first $ACCOUNTS leave: their accounts are disabled, their directory
  # entries kept (README: re-import).
  if ((ENTRIES > ACCOUNTS)); then
    run_logged "$CARTABLE" --config "$INI" directory import "$WORK/people-active.csv" \
      --allow-mass-disable >"$RESULTS/import2.txt" 2>&1
  fi
  t2=$(date +%s.%N)
  add_user "$INI" modele
  add_user "$INI" bench
  start_node "$INI" "$WORK/academy.log"
  # The template calendar, loaded through HTTP: every row the server writes for an event.
  BENCH_SCALE_NODES="${NODES[0]}" run_logged "$PY" "$HELPER" davbench --name template --url "$URL" \
    --user modele --password bench --cal /dav/calendars/modele/benchcal/ \
    --card /dav/addressbooks/modele/benchcard/ --pid "${NODES[0]}" --events "$TEMPLATE_EVENTS" \
    --todos 0 --vcards 10 -c 8 --workloads load --load-max-seconds 900 --deadline 1000 \
    >"$RESULTS/template.txt" 2>&1 || { tail "$RESULTS/template.txt" >&2; exit 1; }
  stop_nodes
  "$PY" "$HELPER" academy-sql modele benchcal "$ACAD_EVENTS" >"$RESULTS/academy.sql"
  echo "psql … -f build/bench/scale-$SIZE/academy.sql   # bench_scale.py academy-sql modele benchcal $ACAD_EVENTS" >>"$RESULTS/commands.txt"
  t3=$(date +%s.%N)
  "${PSQL[@]}" -d academy -f "$RESULTS/academy.sql" >"$RESULTS/academy-sql.log" 2>&1 ||
    { cat "$RESULTS/academy-sql.log" >&2; exit 1; }
  t4=$(date +%s.%N)
  q() { "${PSQL[@]}" -d academy -At -c "$1"; }
  "$PY" - "$RESULTS/academy-facts.json" <<EOF
import json, sys
facts = [
 ("accounts (active / disabled, groups included)", "$(q "SELECT count(*) FILTER (WHERE state='active') || ' / ' || count(*) FILTER (WHERE state='disabled') FROM users")"),
 ("directory entries", "$(q "SELECT count(*) FROM directory_entries")"),
 ("calendar objects (the academy's + the template's)", "$(q "SELECT count(*) FROM objects WHERE component IN ('VEVENT','VTODO')")"),
 ("recurring objects (needs_expansion)", "$(q "SELECT count(*) FROM objects WHERE needs_expansion <> 0")"),
 ("occurrence rows", "$(q "SELECT count(*) FROM occurrences")"),
 ("collections", "$(q "SELECT count(*) FROM collections")"),
 ("vCards (directory address book)", "$(q "SELECT count(*) FROM objects WHERE component = 'VCARD'")"),
 ("database size (pg_database_size)", "$(q "SELECT pg_size_pretty(pg_database_size('academy'))")"),
 ("largest relations", "$(q "SELECT string_agg(n || ' ' || s, ', ') FROM (SELECT relname AS n, pg_size_pretty(pg_total_relation_size(oid)) AS s FROM pg_class WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace ORDER BY pg_total_relation_size(oid) DESC LIMIT 4) x")"),
 ("directory import of $ENTRIES people (server code)", "%.1f s" % ($t1 - $t)),
 ("re-import of the first $ACCOUNTS (the others disabled)", "%.1f s" % ($t2 - $t1)),
 ("SQL copy of the template to every account (one transaction) + ANALYZE", "%.1f s" % ($t4 - $t3)),
]
how = ("$ENTRIES people generated by \`bench_scale.py people\` (French names with accents, six "
       "departments, 40 per establishment, no NUMEN) imported with \`cartable directory import\`; the "
       "first $ACCOUNTS imported again with \`--allow-mass-disable\`, which disables the others and keeps "
       "their directory entries. A template user's calendar of $TEMPLATE_EVENTS davbench events "
       "(\`Europe/Paris\` with its VTIMEZONE, 15 % weekly recurring with EXDATEs, attendees, alarms) "
       "was loaded over HTTP, so its index, occurrence and change rows are the server's own; SQL "
       "(\`bench_scale.py academy-sql\`, in \`build/bench/scale-$SIZE/academy.sql\`) then gave every "
       "active account the template's collections and $ACAD_EVENTS objects in all, taken in turn "
       "from the template with their occurrence, change and property rows. The user \`bench\` then "
       "ran the davbench workloads on its own calendar (the last column of the tables above).")
json.dump({"how": how, "facts": facts}, open(sys.argv[1], "w"), ensure_ascii=False, indent=1)
EOF
  cat "$RESULTS/academy-facts.json" >&2
  start_node "$INI" "$WORK/academy.log"
  log "academy: node ${NODES[*]} at $URL"
  run_config academy "$URL"
  BENCH_SCALE_NODES="${NODES[0]}" run_logged "$PY" "$HELPER" dirsearch "$URL" bench bench 400 \
    "$RESULTS/dirsearch.json" || log "dirsearch: not every answer was 207"
  stop_nodes
fi

meta loadavg_end "$(cut -d' ' -f1-3 /proc/loadavg)"
meta duration "$((($(date +%s) - T0) / 60)) min $((($(date +%s) - T0) % 60)) s"
"$PY" "$HELPER" report "$RESULTS" "$OUT"
log "appended to $OUT"
