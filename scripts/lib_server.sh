# Starts a throw-away Cartable on an ephemeral loopback port for the client suites. Source it.
#   start_server BINARY   -> sets SERVER_URL, SERVER_PID, SERVER_DATA; stop_server on exit
#   add_user LOGIN PASSWORD "Name" EMAIL
start_server() {
  local bin="$1"
  SERVER_BIN="$bin"
  SERVER_DATA="$(mktemp -d /tmp/cartable-test.XXXXXX)"
  "$bin" --data "$SERVER_DATA" migrate >/dev/null
  "$bin" --data "$SERVER_DATA" serve --listen 127.0.0.1:0 >"$SERVER_DATA/server.log" 2>&1 &
  SERVER_PID=$!
  trap stop_server EXIT
  for _ in $(seq 1 100); do
    if grep -q "serving on" "$SERVER_DATA/server.log" 2>/dev/null; then break; fi
    sleep 0.1
  done
  SERVER_URL="$(grep -o 'http://[0-9.]*:[0-9]*' "$SERVER_DATA/server.log" | head -1)"
  [ -n "$SERVER_URL" ] || { cat "$SERVER_DATA/server.log"; echo "server did not start"; return 1; }
}

add_user() {
  echo "$2" | "$SERVER_BIN" --data "$SERVER_DATA" user add "$1" --name "$3" --email "$4" --password-stdin >/dev/null
}

stop_server() {
  if [ -n "${SERVER_PID:-}" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID"
    wait "$SERVER_PID" || true
  fi
  [ -n "${SERVER_DATA:-}" ] && rm -rf "$SERVER_DATA"
  SERVER_PID=""
}
