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

[ -x "$BIN" ] || { echo "run_browser: no server binary at $BIN" >&2; exit 1; }
[ -x "$CHROMIUM" ] || { echo "run_browser: $CHROMIUM missing (Debian package chromium)" >&2; exit 1; }
command -v node >/dev/null && command -v npm >/dev/null ||
  { echo "run_browser: node and npm missing (the machine's Node.js 20 or later)" >&2; exit 1; }
command -v oathtool >/dev/null || { echo "run_browser: oathtool missing (Debian package oathtool)" >&2; exit 1; }

# node_modules from package-lock.json: `npm ci` when missing or installed from another lock.
lock_sum="$(sha256sum "$WEB/package-lock.json" | cut -d' ' -f1)"
stamp="$WEB/node_modules/.cartable-lock.sha256"
if [ "$(cat "$stamp" 2>/dev/null)" != "$lock_sum" ]; then
  echo "run_browser: npm ci in tests/web"
  (cd "$WEB" && timeout 600 npm ci --no-audit --no-fund --loglevel=error)
  echo "$lock_sum" >"$stamp"
fi

TMP="$(mktemp -d /tmp/cartable-browser.XXXXXX)"
DATA="$TMP/data"
CONF="$TMP/cartable.ini"
SINK_PID=""
SERVER_PID=""
WALK_PID=""
cleanup() {
  local rc=$?
  # The walk runs under timeout(1), in its own process group: stopped by its pid (timeout
  # passes the signal on to node, whose exit closes chromium).
  if [ -n "$WALK_PID" ] && kill -0 "$WALK_PID" 2>/dev/null; then
    kill -TERM "$WALK_PID"
    wait "$WALK_PID" || true
  fi
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID"
    wait "$SERVER_PID" || true
  fi
  if [ -n "$SINK_PID" ] && kill -0 "$SINK_PID" 2>/dev/null; then
    kill -TERM "$SINK_PID"
    wait "$SINK_PID" || true
  fi
  if [ "$rc" -eq 0 ]; then
    rm -rf "$TMP"
  else
    echo "run_browser: FAILED (exit $rc); server log, mail and failed pages kept in $TMP" >&2
  fi
}
trap cleanup EXIT

# The SMTP sink on an ephemeral loopback port (written to smtp.port once it accepts).
/usr/bin/python3 "$ROOT/tests/clients/smtp_sink.py" --out "$TMP/mail" --port-file "$TMP/smtp.port" \
  --timeout $((WALK_TIMEOUT + 120)) >"$TMP/smtp.log" 2>&1 &
SINK_PID=$!
for _ in $(seq 1 100); do
  [ -s "$TMP/smtp.port" ] && break
  kill -0 "$SINK_PID" 2>/dev/null || break
  sleep 0.1
done
[ -s "$TMP/smtp.port" ] || { cat "$TMP/smtp.log" >&2; echo "run_browser: the SMTP sink did not start" >&2; exit 1; }
SMTP_PORT="$(cat "$TMP/smtp.port")"

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
"$BIN" --config "$CONF" --data "$DATA" serve >"$TMP/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 100); do
  grep -q "serving on" "$TMP/server.log" 2>/dev/null && break
  kill -0 "$SERVER_PID" 2>/dev/null || break
  sleep 0.1
done
URL="$(grep -o 'http://[0-9.]*:[0-9]*' "$TMP/server.log" | head -1 || true)"
[ -n "$URL" ] || { cat "$TMP/server.log" >&2; echo "run_browser: the server did not start" >&2; exit 1; }
echo "run_browser: server $URL, SMTP sink 127.0.0.1:$SMTP_PORT, data $DATA"

rc=0
CARTABLE_URL="$URL" CARTABLE_BIN="$BIN" CARTABLE_CONFIG="$CONF" CARTABLE_DATA="$DATA" \
  CARTABLE_MAIL_DIR="$TMP/mail" CARTABLE_SCREENSHOTS="$SHOTS" CARTABLE_ARTIFACTS="$TMP/failed" \
  CARTABLE_LOCKOUT_THRESHOLD="$LOCKOUT_THRESHOLD" CARTABLE_LOCKOUT_MINUTES="$LOCKOUT_MINUTES" CHROMIUM="$CHROMIUM" \
  timeout --kill-after=10 "$WALK_TIMEOUT" node --test --test-reporter=spec "$WEB/walk.test.mjs" &
WALK_PID=$!
wait "$WALK_PID" || rc=$?
WALK_PID=""
if [ "$rc" -ne 0 ]; then
  echo "---- server log (last 60 lines) ----" >&2
  tail -n 60 "$TMP/server.log" >&2
  [ "$rc" -eq 124 ] && echo "run_browser: the walk took longer than $WALK_TIMEOUT s" >&2
  echo "run_browser: browser walk FAILED" >&2
  exit 1
fi
echo "run_browser: browser walk passed"
