#!/usr/bin/env bash
# Staff-directory benchmarks at 50,000 people: import while serving (first and idempotent
# re-import), addressbook-query and JSON search throughput and latency, a full sync of the
# directory address book, resident memory. Not part of scripts/test.
#   scripts/bench_directory.sh [SECONDS] [PEOPLE]
set -euo pipefail
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib_server.sh"
SECS="${1:-5}"
N="${2:-50000}"
install_missing
build >/dev/null
start_server "$BUILD_DIR/cartable"
add_user bench 'bench-pw' "Bench User" bench@ac-orleans-tours.fr
OUT="$(mktemp -d)"
/usr/bin/python3 "$ROOT/scripts/gen_directory.py" --rows "$N" --numen-ratio 0.1 >"$OUT/staff.csv"
rss() { awk '/VmRSS/ {print $2 " kB"}' "/proc/$SERVER_PID/status"; }
echo "== import of $N people while serving"
/usr/bin/time -f "first import: %e s wall, %M kB max RSS (importer)" \
  "$SERVER_BIN" --data "$SERVER_DATA" directory import "$OUT/staff.csv"
/usr/bin/time -f "idempotent re-import: %e s wall" \
  "$SERVER_BIN" --data "$SERVER_DATA" directory import "$OUT/staff.csv"
AUTH="Basic $(printf 'bench:bench-pw' | base64)"
BOOK=/dav/addressbooks/bench/annuaire/
curl -sf -u bench:bench-pw -X PROPFIND -H "Depth: 0" "$SERVER_URL$BOOK" >/dev/null
cat >"$OUT/query.xml" <<'XML'
<C:addressbook-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:carddav"><D:prop><D:getetag/><C:address-data/></D:prop>
<C:filter><C:prop-filter name="FN"><C:text-match collation="i;unicode-casemap" match-type="contains">lefèvre</C:text-match></C:prop-filter></C:filter>
<C:limit><C:nresults>50</C:nresults></C:limit></C:addressbook-query>
XML
cat >"$OUT/sync.xml" <<'XML'
<D:sync-collection xmlns:D="DAV:"><D:sync-token/><D:sync-level>1</D:sync-level><D:prop><D:getetag/></D:prop></D:sync-collection>
XML
cat >"$OUT/all.xml" <<'XML'
<C:addressbook-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:carddav"><D:prop><D:getetag/><C:address-data/></D:prop><C:filter/></C:addressbook-query>
XML
{
  echo 'wrk.method = "REPORT"'
  echo "wrk.headers[\"Authorization\"] = \"$AUTH\""
  echo 'wrk.headers["Depth"] = "1"'
  printf 'local f = io.open("%s"); wrk.body = f:read("*a"); f:close()\n' "$OUT/query.xml"
} >"$OUT/query.lua"
echo "wrk.headers[\"Authorization\"] = \"$AUTH\"" >"$OUT/get.lua"
matches="$(curl -s -u bench:bench-pw -X REPORT -H 'Depth: 1' --data-binary "@$OUT/query.xml" "$SERVER_URL$BOOK" | grep -o '<d:response>' | wc -l)"
echo "addressbook-query 'FN contains lefèvre' (limit 50) answers $matches responses"
run() {
  wrk -t2 -c8 -d"${SECS}s" --latency -s "$OUT/$2.lua" "$SERVER_URL$3" |
    awk -v name="$1" '/Requests\/sec/ {rps=$2} /^ +50%/ {p50=$2} /^ +90%/ {p90=$2} /^ +99%/ {p99=$2}
      END {printf "%-36s %9s req/s  p50 %s  p90 %s  p99 %s\n", name, rps, p50, p90, p99}'
}
run "addressbook-query (directory)" query "$BOOK"
run "JSON search q=mar" get "/api/v1/directory?q=mar&limit=20"
run "JSON search q=hélène le" get "/api/v1/directory?q=h%C3%A9l%C3%A8ne+le&limit=20"
t() { curl -s -o /dev/null -w '%{time_total} s, %{size_download} bytes' -u bench:bench-pw -X REPORT -H "Depth: 1" -H "Accept-Encoding: gzip" --data-binary "@$1" "$SERVER_URL$BOOK"; }
echo "full sync of the directory: sync-collection $(t "$OUT/sync.xml"); all cards in one query $(t "$OUT/all.xml")"
echo "server RSS: $(rss)"
rm -rf "$OUT"
