#!/usr/bin/env bash
# vdirsyncer syncs a user's personal address book two ways and the staff directory one way
# (read-only), and khard reads the local copies.
#   vdirsyncer_contacts.sh URL LOGIN PASSWORD
set -euo pipefail
URL="$1" LOGIN="$2" PASSWORD="$3"
WORK="$(mktemp -d /tmp/cartable-khard.XXXXXX)"
trap 'rm -rf "$WORK"' EXIT
BOOK="$URL/dav/addressbooks/$LOGIN/contacts/"
DIRECTORY="$URL/dav/addressbooks/$LOGIN/annuaire/"
pass=0 fail=0
check() {
  if "${@:2}"; then echo "ok   $1"; pass=$((pass + 1)); else echo "FAIL $1"; fail=$((fail + 1)); fi
}
mkdir -p "$WORK/contacts" "$WORK/annuaire" "$WORK/status"
cat >"$WORK/config" <<CFG
[general]
status_path = "$WORK/status"

[pair contacts]
a = "contacts_remote"
b = "contacts_local"
collections = null
conflict_resolution = null

[storage contacts_remote]
type = "carddav"
url = "$BOOK"
username = "$LOGIN"
password = "$PASSWORD"

[storage contacts_local]
type = "filesystem"
path = "$WORK/contacts"
fileext = ".vcf"

[pair annuaire]
a = "annuaire_remote"
b = "annuaire_local"
collections = null
partial_sync = "revert"

[storage annuaire_remote]
type = "carddav"
url = "$DIRECTORY"
username = "$LOGIN"
password = "$PASSWORD"
read_only = true

[storage annuaire_local]
type = "filesystem"
path = "$WORK/annuaire"
fileext = ".vcf"
CFG
cat >"$WORK/khard.conf" <<CFG
[addressbooks]
[[contacts]]
path = $WORK/contacts
[[annuaire]]
path = $WORK/annuaire
[general]
default_action = list
[contact table]
display = formatted_name
CFG
export VDIRSYNCER_CONFIG="$WORK/config"
kh() { khard -c "$WORK/khard.conf" "$@" 2>/dev/null; }

curl -sf -u "$LOGIN:$PASSWORD" -T - -H "Content-Type: text/vcard" "${BOOK}parent.vcf" >/dev/null <<VCF
BEGIN:VCARD
VERSION:3.0
UID:parent-1
FN:Sophie Parent
N:Parent;Sophie;;;
EMAIL;TYPE=home:sophie.parent@example.org
END:VCARD
VCF
vdirsyncer discover contacts >/dev/null 2>&1 && vdirsyncer discover annuaire >/dev/null 2>&1 || true
check "initial sync" vdirsyncer sync >/dev/null
check "personal card reached the folder" grep -rq "UID:parent-1" "$WORK/contacts"
check "directory cards reached the folder" bash -c "ls '$WORK/annuaire' | grep -q vcf"
check "khard lists the personal contact" bash -c "$(declare -f kh); WORK=$WORK; kh list -a contacts | grep -q 'Sophie Parent'"
check "khard finds a colleague in the directory (accents)" bash -c "$(declare -f kh); WORK=$WORK; kh list -a annuaire | grep -q 'Hélène Le Gall-Dubois'"

cat >"$WORK/contacts/local.vcf" <<VCF
BEGIN:VCARD
VERSION:4.0
UID:local-1
FN:Paul Local
N:Local;Paul;;;
END:VCARD
VCF
check "local card uploaded" vdirsyncer sync >/dev/null
check "server has the local card" bash -c "curl -sf -u '$LOGIN:$PASSWORD' '${BOOK}local-1.vcf' | grep -q 'UID:local-1'"
sed -i 's/FN:Paul Local/FN:Paul Local (délégué)/' "$WORK/contacts/local.vcf"
check "local edit synced" vdirsyncer sync >/dev/null
check "server has the edit" bash -c "curl -sf -u '$LOGIN:$PASSWORD' '${BOOK}local-1.vcf' | grep -q 'délégué'"
curl -sf -u "$LOGIN:$PASSWORD" -X DELETE "${BOOK}parent.vcf" >/dev/null
check "server deletion synced" vdirsyncer sync >/dev/null
check "folder lost the deleted card" bash -c "! grep -rq 'UID:parent-1' '$WORK/contacts'"
# The directory is read-only: a local edit is reverted, never written to the server.
first="$(ls "$WORK/annuaire"/*.vcf | head -1)"
sed -i 's/^FN:.*/FN:Changed Locally/' "$first"
vdirsyncer sync >/dev/null 2>&1 || true
check "read-only directory was not changed on the server" bash -c "! curl -sf -u '$LOGIN:$PASSWORD' -X REPORT -H 'Depth: 1' --data '<C:addressbook-query xmlns:D=\"DAV:\" xmlns:C=\"urn:ietf:params:xml:ns:carddav\"><D:prop><C:address-data/></D:prop><C:filter/></C:addressbook-query>' '$DIRECTORY' | grep -q 'Changed Locally'"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
