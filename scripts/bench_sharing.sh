#!/bin/bash
# Server CPU per PROPFIND Depth 1 (getetag + calendar-data) of a calendar of N events with alarms,
# read by its owner and by a read sharee through their mount (per-user data and privacy applied).
# Usage: scripts/bench_sharing.sh [BINARY] [N]. Simple generated events: a first look at the cost
# of the sharee's read path, not a substitute for davbench (issue 14).
set -e
BIN=${1:-build/cartable}
N=${2:-300}
D=$(mktemp -d)
trap 'rm -rf "$D"' EXIT
OUT=$D/out.xml
PORT=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
for u in alice bob; do echo "motdepasse-tres-long-$u" | $BIN --data $D user add $u --name "U $u" --email $u@ac-orleans-tours.fr --password-stdin >/dev/null; done
$BIN --data $D serve --listen 127.0.0.1:$PORT >$D/server.log 2>&1 &
PID=$!
sleep 1.5
A="-u alice:motdepasse-tres-long-alice"; B="-u bob:motdepasse-tres-long-bob"
U=http://127.0.0.1:$PORT
curl -s $A -X PROPFIND -H "Depth: 0" $U/dav/calendars/alice/ >/dev/null
for i in $(seq 1 $N); do
  d=$(printf "202612%02dT%02d0000Z" $(( (i % 28) + 1 )) $(( i % 20 + 1 )))
  printf "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//b//b//EN\r\nBEGIN:VEVENT\r\nUID:e$i\r\nDTSTAMP:20261201T000000Z\r\nDTSTART:$d\r\nDURATION:PT1H\r\nSUMMARY:Reunion $i\r\nBEGIN:VALARM\r\nACTION:DISPLAY\r\nTRIGGER:-PT10M\r\nDESCRIPTION:x\r\nEND:VALARM\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n" > $D/e.ics
  curl -s $A -X PUT -H "Content-Type: text/calendar" --data-binary @$D/e.ics $U/dav/calendars/alice/agenda/e$i.ics >/dev/null
done
curl -s $A -X POST -H "Content-Type: application/xml" --data '<?xml version="1.0"?><CS:share xmlns:D="DAV:" xmlns:CS="http://calendarserver.org/ns/"><CS:set><D:href>mailto:bob@ac-orleans-tours.fr</D:href><CS:read/></CS:set></CS:share>' $U/dav/calendars/alice/agenda/ -o /dev/null -w "share %{http_code}\n"
MOUNT=$(curl -s $B -X PROPFIND -H "Depth: 1" $U/dav/calendars/bob/ | grep -o '/dav/calendars/bob/partage-[0-9]*/' | head -1)
echo "mount $MOUNT"
BODY='<?xml version="1.0"?><D:propfind xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:prop><D:getetag/><C:calendar-data/></D:prop></D:propfind>'
cpu() { awk '{print $14+$15}' /proc/$PID/stat; }
run() { local who="$1" url="$2" n=50; local c0=$(cpu); local t0=$(date +%s.%N)
  for i in $(seq 1 $n); do curl -s $who -X PROPFIND -H "Depth: 1" --data "$BODY" $url -o $OUT; done
  local c1=$(cpu); local t1=$(date +%s.%N)
  echo "$3: $(grep -o '<d:response>' $OUT | wc -l) responses, server CPU $(echo "($c1-$c0)*10/$n" | bc -l | cut -c1-6) ms/op, wall $(echo "($t1-$t0)*1000/$n" | bc -l | cut -c1-6) ms/op"; }
run "$A" $U/dav/calendars/alice/agenda/ "owner PROPFIND Depth 1 ($N events)"
run "$B" $U$MOUNT "sharee PROPFIND Depth 1 on the mount"
run "$A" $U/dav/calendars/alice/agenda/ "owner again"
run "$B" $U$MOUNT "sharee again"
echo "sharee answer: $(grep -o "BEGIN:VEVENT" $OUT | wc -l) events, $(grep -o "BEGIN:VALARM" $OUT | wc -l) of the owner's alarms"
kill $PID; wait $PID 2>/dev/null || true
