# Shared by the browser runs (scripts/run_browser.sh: the account pages; scripts/run_webapp.sh:
# the web application): prerequisites, tests/web's node_modules, a loopback SMTP sink, the server
# on an ephemeral port, the node test run and the clean-up. Source after lib.sh; set TAG (the
# script's name in messages), BIN, WEB, CHROMIUM, TMP, CONF and DATA first.
SINK_PID=""
SERVER_PID=""
TESTS_PID=""

# Chromium, Node.js and npm must be there; the server binary too.
browser_prereqs() {
  [ -x "$BIN" ] || { echo "$TAG: no server binary at $BIN" >&2; exit 1; }
  [ -x "$CHROMIUM" ] || { echo "$TAG: $CHROMIUM missing (Debian package chromium)" >&2; exit 1; }
  command -v node >/dev/null && command -v npm >/dev/null ||
    { echo "$TAG: node and npm missing (the machine's Node.js 20 or later)" >&2; exit 1; }
  npm_ci_if_changed "$WEB" "$TAG"
}

stop_pid() {  # TERM, then wait
  if [ -n "$1" ] && kill -0 "$1" 2>/dev/null; then
    kill -TERM "$1"
    wait "$1" || true
  fi
}

# The EXIT trap: the tests run under timeout(1), stopped by its pid (timeout passes the signal on
# to node, whose exit closes chromium), then the server and the sink; $TMP is kept on failure.
browser_cleanup() {
  local rc=$?
  stop_pid "$TESTS_PID"
  stop_pid "$SERVER_PID"
  stop_pid "$SINK_PID"
  if [ "$rc" -eq 0 ]; then
    rm -rf "$TMP"
  else
    echo "$TAG: FAILED (exit $rc); server log, mail and failed pages kept in $TMP" >&2
  fi
}

# start_smtp_sink SECONDS: the SMTP sink on an ephemeral loopback port, writing mail to
# $TMP/mail, alive for SECONDS; sets SMTP_PORT.
start_smtp_sink() {
  /usr/bin/python3 "$ROOT/tests/clients/smtp_sink.py" --out "$TMP/mail" \
    --port-file "$TMP/smtp.port" --timeout "$1" >"$TMP/smtp.log" 2>&1 &
  SINK_PID=$!
  for _ in $(seq 1 100); do
    [ -s "$TMP/smtp.port" ] && break
    kill -0 "$SINK_PID" 2>/dev/null || break
    sleep 0.1
  done
  [ -s "$TMP/smtp.port" ] || { cat "$TMP/smtp.log" >&2; echo "$TAG: the SMTP sink did not start" >&2; exit 1; }
  SMTP_PORT="$(cat "$TMP/smtp.port")"
}

# `cartable serve` with $CONF in the background; sets URL once it listens.
start_browser_server() {
  "$BIN" --config "$CONF" --data "$DATA" serve >"$TMP/server.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 1 100); do
    grep -q "serving on" "$TMP/server.log" 2>/dev/null && break
    kill -0 "$SERVER_PID" 2>/dev/null || break
    sleep 0.1
  done
  URL="$(grep -o 'http://[0-9.]*:[0-9]*' "$TMP/server.log" | head -1 || true)"
  [ -n "$URL" ] || { cat "$TMP/server.log" >&2; echo "$TAG: the server did not start" >&2; exit 1; }
}

# run_node_tests WHAT SECONDS NODE_ARGS...: `node --test` under timeout(1) with the caller's
# environment; on failure the server log's end and a message naming WHAT, then exit 1.
run_node_tests() {
  local what="$1" seconds="$2" rc=0
  shift 2
  timeout --kill-after=10 "$seconds" node --test --test-reporter=spec "$@" &
  TESTS_PID=$!
  wait "$TESTS_PID" || rc=$?
  TESTS_PID=""
  if [ "$rc" -ne 0 ]; then
    echo "---- server log (last 60 lines) ----" >&2
    tail -n 60 "$TMP/server.log" >&2
    [ "$rc" -eq 124 ] && echo "$TAG: the $what took longer than $seconds s" >&2
    echo "$TAG: $what FAILED" >&2
    exit 1
  fi
  echo "$TAG: $what passed"
}
