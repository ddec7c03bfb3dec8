#!/usr/bin/env bash
# The package's files, without installing it (dpkg-deb -x): `systemd-analyze security
# --offline=yes` rates the unit's exposure at or below MAX_EXPOSURE (what the unit reaches today:
# a weakened unit fails), the server accepts the default configuration, its app_dir holds the web
# application, and it documents every key of the README's configuration block.
# (`systemd-analyze verify` needs the unit's executables and targets in place: install_test.sh
# runs it in the booted container.)
#   tests/package/unit_test.sh dist/cartable_VERSION_ARCH.deb
set -euo pipefail
MAX_EXPOSURE="${MAX_EXPOSURE:-1.1}"
deb="${1:?usage: unit_test.sh CARTABLE.deb}"
[ -f "$deb" ] || { echo "unit_test: $deb: no such file" >&2; exit 1; }
command -v systemd-analyze >/dev/null || { echo "unit_test: systemd-analyze missing" >&2; exit 1; }

root="$(mktemp -d)"
trap 'rm -rf "$root"' EXIT
dpkg-deb -x "$deb" "$root"
unit="$root/lib/systemd/system/cartable.service"
[ -f "$unit" ] || { echo "unit_test: the package has no lib/systemd/system/cartable.service" >&2; exit 1; }

echo "== systemd-analyze security"
report="$(systemd-analyze security --offline=yes --no-pager "$unit" 2>&1)" || true
score="$(sed -n 's/.*Overall exposure level for cartable.service: \([0-9.]*\).*/\1/p' <<<"$report")"
[ -n "$score" ] || { echo "$report" >&2; echo "unit_test: no exposure level in the report" >&2; exit 1; }
echo "exposure $score (bound $MAX_EXPOSURE)"
if awk -v s="$score" -v m="$MAX_EXPOSURE" 'BEGIN { exit !(s > m) }'; then
  grep -E '^✗' <<<"$report" >&2 || true
  echo "unit_test: exposure $score is above $MAX_EXPOSURE" >&2
  exit 1
fi

echo "== default configuration"
ini="$root/etc/cartable/cartable.ini"
[ -f "$ini" ] || { echo "unit_test: no etc/cartable/cartable.ini in the package" >&2; exit 1; }
# The server accepts the packaged file (unknown keys or sections would be refused).
data="$(mktemp -d)"
trap 'rm -rf "$root" "$data"' EXIT
"$root/usr/bin/cartable" --config "$ini" --data "$data" migrate >/dev/null
# The bundle the file points at is in the package.
app_dir="$(sed -n 's/^app_dir = //p' "$ini")"
[ -f "$root$app_dir/manifest.json" ] || { echo "unit_test: app_dir $app_dir: no manifest.json in the package" >&2; exit 1; }
# Every key of the README's configuration block is documented in the packaged file.
readme="$(dirname "$0")/../../README.md"
missing="$(awk '/^## Configuration/ { c = 1 } c && /^```ini/ { b = 1; next } b && /^```/ { exit }
  b && /^[a-z_]+ *=/ { sub(/ *=.*/, ""); print }' "$readme" | while read -r key; do
  grep -Eq "^;? ?$key =" "$ini" || echo "$key"; done)"
[ -z "$missing" ] || { echo "unit_test: keys missing from debian/cartable.ini: $missing" >&2; exit 1; }
echo "unit_test: ok"
