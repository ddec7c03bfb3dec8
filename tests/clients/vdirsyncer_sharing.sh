#!/usr/bin/env bash
# vdirsyncer on shared collections (issue 12): the owner shares a calendar read-write and his
# address book read-only with a colleague (CS:share, as macOS does); the colleague's
# vdirsyncer discovers both mounts in their homes, syncs the calendar two ways (each side's
# changes reach the other) and the address book one way (read_only storage: the owner's new card
# arrives, a deleted one goes), then the owner revokes the calendar and the mount leaves the
# colleague's home.
#   vdirsyncer_sharing.sh URL OWNER OWNER_PASSWORD SHAREE SHAREE_PASSWORD
set -euo pipefail
URL="$1" OWNER="$2" OWNER_PW="$3" SHAREE="$4" SHAREE_PW="$5"
WORK="$(mktemp -d /tmp/cartable-vdirsyncer-sharing.XXXXXX)"
trap 'rm -rf "$WORK"' EXIT
CAL="$URL/dav/calendars/$OWNER/reunions-equipe/"
BOOK="$URL/dav/addressbooks/$OWNER/contacts/"
pass=0 fail=0
check() {  # check NAME COMMAND...
  if "${@:2}"; then echo "ok   $1"; pass=$((pass + 1)); else echo "FAIL $1"; fail=$((fail + 1)); fi
}
as_owner() { curl -sf -u "$OWNER:$OWNER_PW" "$@"; }
put_event() {  # put_event NAME UID SUMMARY
  as_owner -T - -H "Content-Type: text/calendar" "$CAL$1" >/dev/null <<ICS
BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//Cartable//vdirsyncer sharing test//FR
BEGIN:VEVENT
UID:$2
DTSTAMP:20261101T000000Z
DTSTART:20261124T080000Z
DURATION:PT1H
SUMMARY:$3
END:VEVENT
END:VCALENDAR
ICS
}
put_card() {  # put_card NAME UID FN
  as_owner -T - -H "Content-Type: text/vcard" "$BOOK$1" >/dev/null <<VCF
BEGIN:VCARD
VERSION:4.0
UID:$2
FN:$3
N:$3;;;;
END:VCARD
VCF
}
share() {  # share COLLECTION_URL read|read-write: CalendarServer's CS:share POST (macOS)
  as_owner -X POST -H "Content-Type: application/xml; charset=utf-8" --data-binary @- "$1" \
    >/dev/null <<XML
<?xml version="1.0" encoding="utf-8"?>
<CS:share xmlns:D="DAV:" xmlns:CS="http://calendarserver.org/ns/"><CS:set>
<D:href>/dav/principals/users/$SHAREE/</D:href><CS:$2/></CS:set></CS:share>
XML
}
unshare() {  # unshare COLLECTION_URL
  as_owner -X POST -H "Content-Type: application/xml; charset=utf-8" --data-binary @- "$1" \
    >/dev/null <<XML
<?xml version="1.0" encoding="utf-8"?>
<CS:share xmlns:D="DAV:" xmlns:CS="http://calendarserver.org/ns/"><CS:remove>
<D:href>/dav/principals/users/$SHAREE/</D:href></CS:remove></CS:share>
XML
}

as_owner -X MKCALENDAR "$CAL" >/dev/null
put_event owner-1.ics owner-1 "Réunion d'équipe"
put_card parent-1.vcf parent-1 "Parent Un"
check "owner shares the calendar read-write" share "$CAL" read-write
check "owner shares the address book read-only" share "$BOOK" read

mkdir -p "$WORK/cal" "$WORK/book" "$WORK/status"
cat >"$WORK/config" <<CFG
[general]
status_path = "$WORK/status"

[pair agendas]
a = "agendas_remote"
b = "agendas_local"
collections = ["from a"]
conflict_resolution = "a wins"

[storage agendas_remote]
type = "caldav"
url = "$URL/dav/calendars/$SHAREE/"
username = "$SHAREE"
password = "$SHAREE_PW"

[storage agendas_local]
type = "filesystem"
path = "$WORK/cal"
fileext = ".ics"

[pair carnets]
a = "carnets_remote"
b = "carnets_local"
collections = ["from a"]
partial_sync = "revert"

[storage carnets_remote]
type = "carddav"
url = "$URL/dav/addressbooks/$SHAREE/"
username = "$SHAREE"
password = "$SHAREE_PW"
read_only = true

[storage carnets_local]
type = "filesystem"
path = "$WORK/book"
fileext = ".vcf"
CFG
export VDIRSYNCER_CONFIG="$WORK/config"
yes | vdirsyncer discover >/dev/null 2>&1 || true
mount_dir() { find "$WORK/$1" -maxdepth 1 -name 'partage-*' -type d | head -1; }
check "the shared calendar is discovered in the sharee's home" test -n "$(mount_dir cal)"
check "the shared address book is discovered in the sharee's home" test -n "$(mount_dir book)"
check "initial sync" vdirsyncer sync >/dev/null
SHARED_CAL="$(mount_dir cal)"
SHARED_BOOK="$(mount_dir book)"
check "the owner's event reached the sharee's folder" grep -rq "UID:owner-1" "${SHARED_CAL:-/nonexistent}"
check "the owner's card reached the sharee's folder" grep -rq "UID:parent-1" "${SHARED_BOOK:-/nonexistent}"

# The read-write share both ways.
if [ -n "$SHARED_CAL" ]; then
  cat >"$SHARED_CAL/sharee-1.ics" <<ICS
BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//Cartable//local//FR
BEGIN:VEVENT
UID:sharee-1
DTSTAMP:20261101T000000Z
DTSTART:20261125T100000Z
DURATION:PT1H
SUMMARY:Ajouté par la collègue
END:VEVENT
END:VCALENDAR
ICS
fi
check "the sharee's event is uploaded" vdirsyncer sync >/dev/null
check "the owner has the sharee's event in his calendar" \
  bash -c "curl -sf -u '$OWNER:$OWNER_PW' '${CAL}sharee-1.ics' | grep -q 'UID:sharee-1'"
put_event owner-1.ics owner-1 "Réunion d'équipe (salle 12)"
check "the owner's edit is synced" vdirsyncer sync >/dev/null
check "the sharee's folder has the owner's edit" grep -rq "salle 12" "${SHARED_CAL:-/nonexistent}"

# The read-only address book one way.
put_card parent-2.vcf parent-2 "Parent Deux"
as_owner -X DELETE "${BOOK}parent-1.vcf" >/dev/null
check "the address book is synced" vdirsyncer sync >/dev/null
check "the owner's new card arrived" grep -rq "UID:parent-2" "${SHARED_BOOK:-/nonexistent}"
check "the owner's deleted card went" bash -c "! grep -rq 'UID:parent-1' '${SHARED_BOOK:-/nonexistent}'"

# Revoked: the calendar is no longer in the sharee's home.
check "owner revokes the calendar share" unshare "$CAL"
check "after revoking, the mount answers 404" bash -c \
  "[ \"\$(curl -s -o /dev/null -w '%{http_code}' -u '$SHAREE:$SHAREE_PW' -X PROPFIND -H 'Depth: 0' \
     '$URL/dav/calendars/$SHAREE/$(basename "${SHARED_CAL:-none}")/')\" = 404 ]"
home_listing="$(curl -sf -u "$SHAREE:$SHAREE_PW" -X PROPFIND -H 'Depth: 1' \
  "$URL/dav/calendars/$SHAREE/" || true)"
check "the sharee's home is listed" grep -q "/dav/calendars/$SHAREE/agenda/" <<<"$home_listing"
check "the sharee's home no longer lists the mount" \
  bash -c "! grep -q '$(basename "${SHARED_CAL:-none}")/' <<<\"\$1\"" _ "$home_listing"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
