#!/usr/bin/env bash
# The account pages (issue 11) walked in a real browser: Debian's chromium driven by
# playwright-core (tests/web/, pinned by package-lock.json; no browser is downloaded), against a
# fresh server on an ephemeral loopback port whose account mail goes to a loopback SMTP sink
# (tests/clients/smtp_sink.py). The staff directory of tests/web/staff.csv is imported first.
#
#   scripts/run_browser.sh [BINARY] [--screenshots DIR]
#
# --screenshots DIR writes NAME-1280.png and NAME-390.png of every page (1280×800 and 390×844)
# into DIR (docs/screenshots/ for the README). Exits non-zero when any step fails; the
# temporary directory (server log, captured mail, failed page's screenshot and HTML) is then
# kept and named.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib_browser.sh"

BIN=""
SHOTS=""
while (($#)); do
  case "$1" in
    --screenshots) SHOTS="$(mkdir -p "$2" && cd "$2" && pwd)"; shift 2 ;;
    -h | --help) sed -n 2,12p "$0"; exit 0 ;;
    *) BIN="$1"; shift ;;
  esac
done
BIN="$(realpath "${BIN:-$BUILD_DIR/cartable}")"
WEB="$ROOT/tests/web"
CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"
# Small so that the walk reaches them (a lock after 3 failures, 1 minute long, and the second
# lock blocks); the other [accounts] keys keep their defaults.
LOCKOUT_THRESHOLD=3
LOCKOUT_MINUTES=1
WALK_TIMEOUT=900  # seconds for the whole walk (it waits for TOTP time steps and Argon2id)

TAG=run_browser
TMP="$(mktemp -d /tmp/cartable-browser.XXXXXX)"
DATA="$TMP/data"
CONF="$TMP/cartable.ini"
trap browser_cleanup EXIT
browser_prereqs
command -v oathtool >/dev/null || { echo "run_browser: oathtool missing (Debian package oathtool)" >&2; exit 1; }
start_smtp_sink $((WALK_TIMEOUT + 120))

cat >"$CONF" <<EOF
[server]
listen = 127.0.0.1:0
data_dir = $DATA

[accounts]
lockout_threshold = $LOCKOUT_THRESHOLD
lockout_minutes = $LOCKOUT_MINUTES
lockout_max_temporary = 1
; every failure of the walk comes from 127.0.0.1 (about 25): above them, the per-address limit
; is not what this walk tests
address_max_failures = 200

[mail]
relay = 127.0.0.1:$SMTP_PORT
tls = none
from = ne-pas-repondre@ac-orleans-tours.fr
EOF

"$BIN" --config "$CONF" --data "$DATA" migrate >/dev/null
"$BIN" --config "$CONF" --data "$DATA" directory import "$WEB/staff.csv"
start_browser_server
echo "run_browser: server $URL, SMTP sink 127.0.0.1:$SMTP_PORT, data $DATA"

CARTABLE_URL="$URL" CARTABLE_BIN="$BIN" CARTABLE_CONFIG="$CONF" CARTABLE_DATA="$DATA" \
  CARTABLE_MAIL_DIR="$TMP/mail" CARTABLE_SCREENSHOTS="$SHOTS" CARTABLE_ARTIFACTS="$TMP/failed" \
  CARTABLE_LOCKOUT_THRESHOLD="$LOCKOUT_THRESHOLD" CARTABLE_LOCKOUT_MINUTES="$LOCKOUT_MINUTES" CHROMIUM="$CHROMIUM" \
  run_node_tests "browser walk" "$WALK_TIMEOUT" "$WEB/walk.test.mjs"
