#!/usr/bin/env bash
# Password guessing against a fresh server (scripts/bench_auth.py): a bystander's PROPFIND
# latency (p50/p95) alone and while 8 clients guess wrong passwords, and the time to answer an
# unknown login vs a wrong password. Not part of scripts/test.
#   scripts/bench_auth.sh [BINARY] [SECONDS] [GUESSERS] [N]
# BINARY defaults to build/cartable (built if needed); pass another build to compare.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib_server.sh"
BIN="${1:-}"
SECS="${2:-10}"
GUESSERS="${3:-8}"
N="${4:-30}"
if [ -z "$BIN" ]; then
  build >/dev/null
  BIN="$BUILD_DIR/cartable"
fi
start_server "$BIN"
add_user bystander 'bystander-pw' "Bystander" bystander@ac-orleans-tours.fr
add_user target 'target-pw' "Target" target@ac-orleans-tours.fr
/usr/bin/python3 "$ROOT/scripts/bench_auth.py" "$SERVER_URL" bystander:bystander-pw target \
  "$SECS" "$GUESSERS" "$N"
