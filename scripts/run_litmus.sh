#!/usr/bin/env bash
# Runs litmus (basic, copymove, props, http) against /dav/files/{login}/ of a fresh server.
# Exits non-zero when any test fails.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib_server.sh"
BIN="${1:-$BUILD_DIR/cartable}"
start_server "$BIN"
add_user litmus 'l1tmus-Secret' "Litmus Test" litmus@ac-orleans-tours.fr
out="$(mktemp)"
status=0
cd "$SERVER_DATA"  # litmus writes debug.log and child.log in the working directory
TESTS="basic copymove props http" timeout 300 litmus -k "$SERVER_URL/dav/files/litmus/" litmus 'l1tmus-Secret' >"$out" 2>&1 || status=$?
grep -E "^<- summary|WARNING|FAIL" "$out" || true
if [ "$status" -ne 0 ] || grep -q "FAIL" "$out"; then
  cat "$out"
  echo "litmus: FAILED"
  exit 1
fi
echo "litmus: all groups passed"
