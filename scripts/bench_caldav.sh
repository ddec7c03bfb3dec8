#!/usr/bin/env bash
# CalDAV benchmarks on a 10,000-event calendar (8 connections, 2 wrk threads): GET, PROPFIND
# Depth 1, one-week calendar-query, multiget of 50, initial sync-collection, durable PUT, PUT of an
# invitation to 5 colleagues; the
# time of one full first sync; resident memory; the server's CPU time per request. Not part of
# scripts/test.
#   scripts/bench_caldav.sh [SECONDS] [EVENTS]
set -euo pipefail
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib_server.sh"
SECS="${1:-5}"
N="${2:-10000}"
install_missing
build >/dev/null
start_server "$BUILD_DIR/cartable"
add_user bench 'bench-pw' "Bench User" bench@ac-orleans-tours.fr
OUT="$(mktemp -d)"
/usr/bin/python3 "$ROOT/scripts/bench_caldav.py" "$SERVER_URL" bench bench-pw "$N" "$OUT"
AUTH="Basic $(printf 'bench:bench-pw' | base64)"
CAL=/dav/calendars/bench/agenda/
rss() { awk '/VmRSS/ {print $2 " kB"}' "/proc/$SERVER_PID/status"; }
lua() {  # lua NAME METHOD DEPTH BODYFILE
  {
    echo "wrk.method = \"$2\""
    echo "wrk.headers[\"Authorization\"] = \"$AUTH\""
    echo "wrk.headers[\"Content-Type\"] = \"application/xml\""
    [ -n "$3" ] && echo "wrk.headers[\"Depth\"] = \"$3\""
    if [ -n "$4" ]; then
      printf 'local f = io.open("%s"); wrk.body = f:read("*a"); f:close()\n' "$4"
    fi
  } >"$OUT/$1.lua"
}
cat >"$OUT/propfind.xml" <<'XML'
<D:propfind xmlns:D="DAV:"><D:prop><D:getetag/><D:getcontenttype/><D:resourcetype/></D:prop></D:propfind>
XML
cat >"$OUT/query.xml" <<'XML'
<C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:prop><D:getetag/></D:prop>
<C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT">
<C:time-range start="20261123T000000Z" end="20261130T000000Z"/></C:comp-filter></C:comp-filter></C:filter>
</C:calendar-query>
XML
cat >"$OUT/sync.xml" <<'XML'
<D:sync-collection xmlns:D="DAV:"><D:sync-token/><D:sync-level>1</D:sync-level><D:prop><D:getetag/></D:prop></D:sync-collection>
XML
cat >"$OUT/fullquery.xml" <<'XML'
<C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:prop><D:getetag/><C:calendar-data/></D:prop>
<C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT"/></C:comp-filter></C:filter></C:calendar-query>
XML
lua get GET "" ""
lua propfind PROPFIND 1 "$OUT/propfind.xml"
lua query REPORT 1 "$OUT/query.xml"
lua multiget REPORT 1 "$OUT/multiget.xml"
lua sync REPORT 1 "$OUT/sync.xml"
cat >"$OUT/put.lua" <<LUA
wrk.headers["Authorization"] = "$AUTH"
wrk.headers["Content-Type"] = "text/calendar"
local n = 0
local id = tostring(math.random(1, 1e9))
request = function()
  n = n + 1
  local uid = id .. "-" .. n
  local body = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VEVENT\r\nUID:" .. uid ..
    "\r\nDTSTAMP:20261101T000000Z\r\nDTSTART:20261124T080000Z\r\nDTEND:20261124T090000Z\r\n" ..
    "SUMMARY:Bench\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
  return wrk.format("PUT", "$CAL" .. uid .. ".ics", nil, body)
end
LUA
echo "idle RSS after seeding: $(rss)"
# The server's CPU time (user + system) in clock ticks: per request it is the fair figure on a
# shared machine, where throughput also measures the load generator and the neighbours.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$SERVER_PID/stat"; }
HZ="$(getconf CLK_TCK)"
run() {
  local out c0 c1 rps n
  c0="$(cpu_ticks)"
  out="$(wrk -t2 -c8 -d"${SECS}s" --timeout 10s -s "$OUT/$2.lua" "$SERVER_URL$3")"
  c1="$(cpu_ticks)"
  rps="$(awk '/Requests\/sec/ {print $2}' <<<"$out")"
  n="$(awk '/requests in/ {print $1}' <<<"$out")"
  printf '%-36s %10s req/s %10s us server CPU/req\n' "$1" "$rps" \
    "$(awk -v d="$((c1 - c0))" -v hz="$HZ" -v n="$n" 'BEGIN {printf "%.0f", n ? d / hz * 1e6 / n : 0}')"
}
run "GET one event" get "${CAL}bench-42.ics"
run "PROPFIND Depth 1 ($N items)" propfind "$CAL"
run "calendar-query one week" query "$CAL"
run "calendar-multiget 50" multiget "$CAL"
run "sync-collection initial ($N)" sync "$CAL"
t() { curl -s -o /dev/null -w '%{time_total}' -u bench:bench-pw -X "$1" -H "Depth: 1" -H "Content-Type: application/xml" --data-binary "@$2" "$SERVER_URL$CAL"; }
echo "first full sync: sync-collection $(t REPORT "$OUT/sync.xml") s + all data in one calendar-query $(t REPORT "$OUT/fullquery.xml") s"
run "PUT event (durable)" put "$CAL"
# Implicit scheduling: each new event invites 5 colleagues (an inbox message and a copy each).
for i in 1 2 3 4 5; do add_user "coll$i" 'coll-pw' "Collegue $i" "coll$i@ac-orleans-tours.fr"; done
cat >"$OUT/invite.lua" <<LUA
wrk.headers["Authorization"] = "$AUTH"
wrk.headers["Content-Type"] = "text/calendar"
local n = 0
local id = tostring(math.random(1, 1e9))
local attendees = ""
for i = 1, 5 do
  attendees = attendees .. "ATTENDEE;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:coll" .. i ..
    "@ac-orleans-tours.fr\\r\\n"
end
request = function()
  n = n + 1
  local uid = "inv-" .. id .. "-" .. n
  local body = "BEGIN:VCALENDAR\\r\\nVERSION:2.0\\r\\nPRODID:x\\r\\nBEGIN:VEVENT\\r\\nUID:" .. uid ..
    "\\r\\nDTSTAMP:20261101T000000Z\\r\\nDTSTART;TZID=Europe/Paris:20261124T080000\\r\\n" ..
    "DTEND;TZID=Europe/Paris:20261124T090000\\r\\nSUMMARY:Conseil de classe\\r\\n" ..
    "ORGANIZER;CN=Bench User:mailto:bench@ac-orleans-tours.fr\\r\\n" ..
    "ATTENDEE;PARTSTAT=ACCEPTED:mailto:bench@ac-orleans-tours.fr\\r\\n" .. attendees ..
    "END:VEVENT\\r\\nEND:VCALENDAR\\r\\n"
  return wrk.format("PUT", "$CAL" .. uid .. ".ics", nil, body)
end
LUA
run "PUT invitation to 5 colleagues" invite "$CAL"
echo "RSS after: $(rss)"
rm -rf "$OUT"
