#!/bin/bash
# Time of the web agenda's week view call (GET /api/v1/calendars/agenda/events?from=&to=) on a
# calendar of N events (default 10,000, spread over a year, one in ten a weekly series), as the
# issue asks (a week of a 10,000-event agenda). The events are PUT over one keep-alive
# connection. Usage: scripts/bench_events_api.sh [BINARY] [N].
set -e
BIN=${1:-build/cartable}
N=${2:-10000}
D=$(mktemp -d)
trap 'kill $PID 2>/dev/null || true; rm -rf "$D"' EXIT
PORT=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
echo "motdepasse-tres-long-alice" | $BIN --data $D user add alice --name "Alice" \
  --email alice@ac-orleans-tours.fr --password-stdin >/dev/null
$BIN --data $D serve --listen 127.0.0.1:$PORT >$D/server.log 2>&1 &
PID=$!
sleep 1.5
/usr/bin/python3 - "$PORT" "$N" <<'EOF'
import base64, http.client, sys, time
port, n = int(sys.argv[1]), int(sys.argv[2])
auth = "Basic " + base64.b64encode(b"alice:motdepasse-tres-long-alice").decode()
c = http.client.HTTPConnection("127.0.0.1", port)
t0 = time.time()
for i in range(n):
    day, hour = i * 365 // n, 7 + i % 11
    start = time.strftime("%Y%m%dT%H%M00Z", time.gmtime(1767225600 + day * 86400 + hour * 3600))
    rule = "RRULE:FREQ=WEEKLY;COUNT=10\r\n" if i % 10 == 0 else ""
    ics = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//bench//FR\r\nBEGIN:VEVENT\r\n"
           f"UID:e{i}\r\nDTSTAMP:20261201T000000Z\r\nDTSTART:{start}\r\nDURATION:PT1H\r\n{rule}"
           f"SUMMARY:Réunion {i}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n").encode()
    c.request("PUT", f"/dav/calendars/alice/agenda/e{i}.ics", ics,
              {"Authorization": auth, "Content-Type": "text/calendar"})
    r = c.getresponse(); r.read()
    if r.status not in (201, 204):
        sys.exit(f"PUT {i}: {r.status}")
print(f"{n} events stored in {time.time() - t0:.0f} s")
EOF
URL="http://127.0.0.1:$PORT/api/v1/calendars/agenda/events?from=2026-03-02T00:00:00Z&to=2026-03-09T00:00:00Z"
A="-u alice:motdepasse-tres-long-alice"
curl -s $A "$URL" -o $D/week.json
echo "week of 2 March 2026: $(grep -o '"uid"' $D/week.json | wc -l) occurrences, $(wc -c <$D/week.json) bytes"
for i in $(seq 1 20); do curl -s $A "$URL" -o /dev/null -w "%{time_total}\n"; done | sort -n >$D/times
echo "GET of one week, 20 runs: median $(sed -n 10p $D/times) s, max $(tail -1 $D/times) s"
