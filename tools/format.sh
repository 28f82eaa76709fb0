#!/usr/bin/env bash
# Format every tracked C source and header with the repository's
# .clang-format (clang-format 14, installed by tools/install-deps.d/clang-format.sh).
#   tools/format.sh          rewrite the files in place
#   tools/format.sh --check  list the files that are not formatted; exit 1 if any
# tests/core/test_clang_format.py runs the check.
set -euo pipefail
cd "$(dirname "$0")/.."
CF=${CLANG_FORMAT:-clang-format}
command -v "$CF" >/dev/null || { echo "format: $CF not found (tools/install-deps.sh installs it)" >&2; exit 2; }
mapfile -t files < <(git ls-files -- '*.c' '*.h')
if [ "${1:-}" = "--check" ]; then
  bad=0
  for f in "${files[@]}"; do
    if ! "$CF" --style=file "$f" | cmp -s - "$f"; then echo "$f"; bad=1; fi
  done
  exit $bad
fi
"$CF" --style=file -i "${files[@]}"
