#!/usr/bin/env bash
# Throughput of the foundation with wrk (8 connections, 2 threads) against a fresh server:
# GET of a small file, PROPFIND Depth 0 and Depth 1 (100 members), durable PUTs; and the
# server's resident memory at idle and after the run. Not part of scripts/test.
#   scripts/bench.sh [SECONDS]
set -euo pipefail
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib_server.sh"
SECS="${1:-5}"
install_missing
build >/dev/null
start_server "$BUILD_DIR/cartable"
add_user bench 'bench-pw' "Bench User" bench@ac-orleans-tours.fr
AUTH="Basic $(printf 'bench:bench-pw' | base64)"
U="$SERVER_URL/dav/files/bench"
curl -sf -u bench:bench-pw -X MKCOL "$U/c/" >/dev/null
curl -sf -u bench:bench-pw -X MKCOL "$U/put/" >/dev/null
for i in $(seq 1 100); do curl -sf -u bench:bench-pw -T /etc/hostname "$U/c/f$i.txt" >/dev/null; done
rss() { awk '/VmRSS/ {print $2 " kB"}' "/proc/$SERVER_PID/status"; }
echo "idle RSS: $(rss)"
LUA="$(mktemp -d)"
cat >"$LUA/get.lua" <<LUA
wrk.headers["Authorization"] = "$AUTH"
LUA
cat >"$LUA/propfind0.lua" <<LUA
wrk.method = "PROPFIND"
wrk.headers["Authorization"] = "$AUTH"
wrk.headers["Depth"] = "0"
wrk.body = '<d:propfind xmlns:d="DAV:"><d:prop><d:getetag/><d:resourcetype/><d:displayname/></d:prop></d:propfind>'
LUA
sed 's/"Depth"\] = "0"/"Depth"] = "1"/' "$LUA/propfind0.lua" >"$LUA/propfind1.lua"
cat >"$LUA/put.lua" <<LUA
wrk.headers["Authorization"] = "$AUTH"
wrk.headers["Content-Type"] = "text/plain"
local n = 0
local id = tostring(math.random(1, 1e9))
request = function()
  n = n + 1
  return wrk.format("PUT", "/dav/files/bench/put/" .. id .. "-" .. n .. ".txt", nil, string.rep("x", 1024))
end
LUA
run() {
  local name="$1" script="$2" path="$3"
  local rps
  rps="$(wrk -t2 -c8 -d"${SECS}s" -s "$script" "$SERVER_URL$path" | awk '/Requests\/sec/ {print $2}')"
  printf '%-28s %10s req/s\n' "$name" "$rps"
}
run "GET small file" "$LUA/get.lua" /dav/files/bench/c/f1.txt
run "PROPFIND Depth 0" "$LUA/propfind0.lua" /dav/files/bench/c/f1.txt
run "PROPFIND Depth 1 (100)" "$LUA/propfind1.lua" /dav/files/bench/c/
run "PUT 1 KiB (durable)" "$LUA/put.lua" /dav/files/bench/put/
echo "RSS after: $(rss)"
rm -rf "$LUA"
