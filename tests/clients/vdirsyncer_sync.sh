#!/usr/bin/env bash
# vdirsyncer two-way sync between a Cartable calendar and a local folder, with khal reading the
# folder: initial sync, edits on each side, resync, deletion, and a conflict detected by ETags.
#   vdirsyncer_sync.sh URL LOGIN PASSWORD
set -euo pipefail
URL="$1" LOGIN="$2" PASSWORD="$3"
WORK="$(mktemp -d /tmp/cartable-vdirsyncer.XXXXXX)"
trap 'rm -rf "$WORK"' EXIT
CAL="$URL/dav/calendars/$LOGIN/agenda/"
pass=0 fail=0
check() {  # check NAME COMMAND...
  if "${@:2}"; then echo "ok   $1"; pass=$((pass + 1)); else echo "FAIL $1"; fail=$((fail + 1)); fi
}
put() {  # put NAME UID SUMMARY START
  curl -sf -u "$LOGIN:$PASSWORD" -T - -H "Content-Type: text/calendar" "$CAL$1" >/dev/null <<ICS
BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//Cartable//vdirsyncer test//FR
BEGIN:VEVENT
UID:$2
DTSTAMP:20261101T000000Z
DTSTART:$4
DURATION:PT1H
SUMMARY:$3
END:VEVENT
END:VCALENDAR
ICS
}
mkdir -p "$WORK/local" "$WORK/status"
cat >"$WORK/config" <<CFG
[general]
status_path = "$WORK/status"

[pair agenda]
a = "agenda_remote"
b = "agenda_local"
collections = null
conflict_resolution = null

[storage agenda_remote]
type = "caldav"
url = "$CAL"
username = "$LOGIN"
password = "$PASSWORD"

[storage agenda_local]
type = "filesystem"
path = "$WORK/local"
fileext = ".ics"
CFG
cat >"$WORK/khal.conf" <<CFG
[calendars]
[[agenda]]
path = $WORK/local
[locale]
timeformat = %H:%M
dateformat = %Y-%m-%d
longdateformat = %Y-%m-%d
datetimeformat = %Y-%m-%d %H:%M
longdatetimeformat = %Y-%m-%d %H:%M
default_timezone = UTC
local_timezone = UTC
[default]
default_calendar = agenda
CFG
export VDIRSYNCER_CONFIG="$WORK/config"
khal_list() { khal -c "$WORK/khal.conf" list 2026-11-01 60d 2>/dev/null; }

put server-1.ics server-1 "Conseil pédagogique" 20261124T080000Z
echo y | vdirsyncer discover agenda >/dev/null 2>&1 || true
check "initial sync" vdirsyncer sync >/dev/null
check "server event reached the folder" grep -rq "UID:server-1" "$WORK/local"
check "khal lists the server event" bash -c "$(declare -f khal_list); WORK=$WORK; khal_list | grep -q 'Conseil pédagogique'"

cat >"$WORK/local/local-1.ics" <<ICS
BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//Cartable//local//FR
BEGIN:VEVENT
UID:local-1
DTSTAMP:20261101T000000Z
DTSTART:20261125T100000Z
DURATION:PT1H
SUMMARY:Réunion parents
END:VEVENT
END:VCALENDAR
ICS
check "local event uploaded" vdirsyncer sync >/dev/null
check "server has the local event" bash -c "curl -sf -u '$LOGIN:$PASSWORD' '${CAL}local-1.ics' | grep -q 'UID:local-1'"

put server-1.ics server-1 "Conseil pédagogique (modifié)" 20261124T090000Z
check "server edit synced" vdirsyncer sync >/dev/null
check "folder has the server edit" grep -rq "modifié" "$WORK/local"

sed -i 's/Réunion parents/Réunion parents (salle 3)/' "$WORK/local/local-1.ics"
check "local edit synced" vdirsyncer sync >/dev/null
check "server has the local edit" bash -c "curl -sf -u '$LOGIN:$PASSWORD' '${CAL}local-1.ics' | grep -q 'salle 3'"

curl -sf -u "$LOGIN:$PASSWORD" -X DELETE "${CAL}server-1.ics" >/dev/null
check "deletion synced" vdirsyncer sync >/dev/null
check "folder lost the deleted event" bash -c "! grep -rq 'UID:server-1' '$WORK/local'"

# Both sides change the same event: vdirsyncer must see the conflict through the ETag.
put local-1.ics local-1 "Changé sur le serveur" 20261125T100000Z
sed -i 's/SUMMARY:.*/SUMMARY:Changé localement/' "$WORK/local/local-1.ics"
check "conflict detected" bash -c "! vdirsyncer sync > '$WORK/conflict.log' 2>&1 && grep -qi conflict '$WORK/conflict.log'"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
