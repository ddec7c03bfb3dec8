#!/usr/bin/env bash
# Fails when a tracked C++ file differs from what clang-format makes of it (.clang-format at the
# top of the tree). Fix with: clang-format -i FILE...
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(git ls-files '*.cc' '*.h')
if ! clang-format --dry-run --Werror "${files[@]}" 2>/tmp/cartable-format.$$; then
  grep -E '^[^ ].*: (error|warning):' /tmp/cartable-format.$$ | cut -d: -f1 | sort -u |
    sed 's/^/not formatted: /'
  rm -f /tmp/cartable-format.$$
  echo "check_format: run clang-format -i on the files above"
  exit 1
fi
rm -f /tmp/cartable-format.$$
echo "check_format: ${#files[@]} files formatted"
