#!/usr/bin/env bash
# The web application (issue 13) tested in a real browser: Debian's chromium driven by
# playwright-core (tests/web/, pinned by package-lock.json), against a fresh server on an
# ephemeral loopback port serving the bundle built by scripts/lib.sh build_web. The staff
# directory of tests/web/staff.csv is imported and three of its people get known passwords
# (`cartable user passwd`); mail goes to a loopback SMTP sink. Runs every tests/web/app/*.test.mjs
# (helpers in tests/web/app/harness.mjs) with:
#   CARTABLE_URL    base URL of the server
#   CARTABLE_USERS  JSON [{login, password, name, email}] of the three test users
#   CARTABLE_SHOTS  directory for NAME-1280.png and NAME-390.png ("" = no screenshots)
#   CARTABLE_BIN, CARTABLE_CONFIG, CARTABLE_DATA, CARTABLE_MAIL_DIR, CHROMIUM
#
#   scripts/run_webapp.sh [BINARY] [--screenshots DIR] [TEST_FILE...]
#
# Exits non-zero when any test fails; the temporary directory (server log, mail, config) is then
# kept and named.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

BIN=""
SHOTS=""
FILES=()
while (($#)); do
  case "$1" in
    --screenshots) SHOTS="$(mkdir -p "$2" && cd "$2" && pwd)"; shift 2 ;;
    -h | --help) sed -n 2,16p "$0"; exit 0 ;;
    *.test.mjs) FILES+=("$(realpath "$1")"); shift ;;
    *) BIN="$1"; shift ;;
  esac
done
BIN="$(realpath "${BIN:-$BUILD_DIR/cartable}")"
WEB="$ROOT/tests/web"
APP_DIR="$(dirname "$BIN")/web-app"
CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"
TESTS_TIMEOUT=900  # seconds for all the application tests together

[ -x "$BIN" ] || { echo "run_webapp: no server binary at $BIN" >&2; exit 1; }
[ -x "$CHROMIUM" ] || { echo "run_webapp: $CHROMIUM missing (Debian package chromium)" >&2; exit 1; }
command -v node >/dev/null && command -v npm >/dev/null ||
  { echo "run_webapp: node and npm missing (the machine's Node.js 20 or later)" >&2; exit 1; }
# The bundle next to the binary, as the server finds it by default; built when missing.
[ -s "$APP_DIR/manifest.json" ] || build_web "$APP_DIR"

lock_sum="$(sha256sum "$WEB/package-lock.json" | cut -d' ' -f1)"
stamp="$WEB/node_modules/.cartable-lock.sha256"
if [ "$(cat "$stamp" 2>/dev/null)" != "$lock_sum" ]; then
  echo "run_webapp: npm ci in tests/web"
  (cd "$WEB" && timeout 600 npm ci --no-audit --no-fund --loglevel=error)
  echo "$lock_sum" >"$stamp"
fi

TMP="$(mktemp -d /tmp/cartable-webapp.XXXXXX)"
DATA="$TMP/data"
CONF="$TMP/cartable.ini"
SINK_PID=""
SERVER_PID=""
TESTS_PID=""
stop() {  # stop PID: TERM, then wait for it
  if [ -n "$1" ] && kill -0 "$1" 2>/dev/null; then
    kill -TERM "$1"
    wait "$1" || true
  fi
}
cleanup() {
  local rc=$?
  stop "$TESTS_PID"  # timeout(1) passes the signal on to node, whose exit closes chromium
  stop "$SERVER_PID"
  stop "$SINK_PID"
  if [ "$rc" -eq 0 ]; then
    rm -rf "$TMP"
  else
    echo "run_webapp: FAILED (exit $rc); server log, mail and config kept in $TMP" >&2
  fi
}
trap cleanup EXIT

/usr/bin/python3 "$ROOT/tests/clients/smtp_sink.py" --out "$TMP/mail" --port-file "$TMP/smtp.port" \
  --timeout $((TESTS_TIMEOUT + 120)) >"$TMP/smtp.log" 2>&1 &
SINK_PID=$!
for _ in $(seq 1 100); do
  [ -s "$TMP/smtp.port" ] && break
  kill -0 "$SINK_PID" 2>/dev/null || break
  sleep 0.1
done
[ -s "$TMP/smtp.port" ] || { cat "$TMP/smtp.log" >&2; echo "run_webapp: the SMTP sink did not start" >&2; exit 1; }

cat >"$CONF" <<CONF
[server]
listen = 127.0.0.1:0
data_dir = $DATA

[accounts]
; every test signs in from 127.0.0.1
address_max_failures = 1000

[mail]
relay = 127.0.0.1:$(cat "$TMP/smtp.port")
tls = none
from = ne-pas-repondre@ac-orleans-tours.fr

[web]
app_dir = $APP_DIR
CONF

"$BIN" --config "$CONF" --data "$DATA" migrate >/dev/null
"$BIN" --config "$CONF" --data "$DATA" directory import "$WEB/staff.csv" >/dev/null
# Three people of staff.csv with known passwords (strong enough for the password policy).
USERS='['
sep=''
while IFS='|' read -r login password; do
  printf '%s\n' "$password" | "$BIN" --config "$CONF" --data "$DATA" user passwd "$login" --password-stdin >/dev/null
  line="$("$BIN" --config "$CONF" --data "$DATA" user list | awk -v l="$login" '$1 == l')"
  email="$(awk '{ for (i = 1; i <= NF; i++) if ($i ~ /@/) { print $i; exit } }' <<<"$line")"
  name="$(sed -e "s/.*$email *//" <<<"$line")"
  USERS+="$sep{\"login\":\"$login\",\"password\":\"$password\",\"name\":\"$name\",\"email\":\"$email\"}"
  sep=','
done <<'PEOPLE'
jmartin|Pivoine-Ardoise-73-Loire
alefevre|Tilleul-Basalte-42-Indre
pdurand|Cormoran-Silex-64-Vienne
PEOPLE
USERS+=']'

"$BIN" --config "$CONF" --data "$DATA" serve >"$TMP/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 100); do
  grep -q "serving on" "$TMP/server.log" 2>/dev/null && break
  kill -0 "$SERVER_PID" 2>/dev/null || break
  sleep 0.1
done
URL="$(grep -o 'http://[0-9.]*:[0-9]*' "$TMP/server.log" | head -1 || true)"
[ -n "$URL" ] || { cat "$TMP/server.log" >&2; echo "run_webapp: the server did not start" >&2; exit 1; }
echo "run_webapp: server $URL, bundle $APP_DIR, data $DATA"

((${#FILES[@]})) || FILES=("$WEB/app/")
rc=0
CARTABLE_URL="$URL" CARTABLE_USERS="$USERS" CARTABLE_SHOTS="$SHOTS" CARTABLE_BIN="$BIN" \
  CARTABLE_CONFIG="$CONF" CARTABLE_DATA="$DATA" CARTABLE_MAIL_DIR="$TMP/mail" CHROMIUM="$CHROMIUM" \
  timeout --kill-after=10 "$TESTS_TIMEOUT" node --test --test-concurrency=1 --test-reporter=spec \
  "${FILES[@]}" &
TESTS_PID=$!
wait "$TESTS_PID" || rc=$?
TESTS_PID=""
if [ "$rc" -ne 0 ]; then
  echo "---- server log (last 60 lines) ----" >&2
  tail -n 60 "$TMP/server.log" >&2
  [ "$rc" -eq 124 ] && echo "run_webapp: the tests took longer than $TESTS_TIMEOUT s" >&2
  echo "run_webapp: web application tests FAILED" >&2
  exit 1
fi
echo "run_webapp: web application tests passed"
