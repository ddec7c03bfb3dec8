#!/usr/bin/env bash
# Real-client suites against a fresh server: python3-caldav discovery, cadaver-free curl checks.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib_server.sh"
BIN="${1:-$BUILD_DIR/cartable}"
start_server "$BIN"
add_user jlabert 'Secret-jlabert1' "Jean Labert" jean.labert@ac-orleans-tours.fr
echo "== python3-caldav discovery"
timeout 120 /usr/bin/python3 "$ROOT/tests/clients/caldav_discovery.py" "$SERVER_URL" jlabert 'Secret-jlabert1' jean.labert@ac-orleans-tours.fr
