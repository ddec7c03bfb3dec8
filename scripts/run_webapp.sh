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
source "$(dirname "$0")/lib_browser.sh"

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

TAG=run_webapp
# The bundle next to the binary, as the server finds it by default; built when missing.
[ -s "$APP_DIR/manifest.json" ] || build_web "$APP_DIR"
TMP="$(mktemp -d /tmp/cartable-webapp.XXXXXX)"
DATA="$TMP/data"
CONF="$TMP/cartable.ini"
trap browser_cleanup EXIT
browser_prereqs
start_smtp_sink $((TESTS_TIMEOUT + 120))

cat >"$CONF" <<CONF
[server]
listen = 127.0.0.1:0
data_dir = $DATA

[accounts]
; every test signs in from 127.0.0.1
address_max_failures = 1000

[mail]
relay = 127.0.0.1:$SMTP_PORT
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

start_browser_server
echo "run_webapp: server $URL, bundle $APP_DIR, data $DATA"

((${#FILES[@]})) || FILES=("$WEB/app/")
CARTABLE_URL="$URL" CARTABLE_USERS="$USERS" CARTABLE_SHOTS="$SHOTS" CARTABLE_BIN="$BIN" \
  CARTABLE_CONFIG="$CONF" CARTABLE_DATA="$DATA" CARTABLE_MAIL_DIR="$TMP/mail" CHROMIUM="$CHROMIUM" \
  run_node_tests "web application tests" "$TESTS_TIMEOUT" --test-concurrency=1 "${FILES[@]}"
