#!/usr/bin/env bash
# clang-format: tests/core/test_clang_format.py checks every C file against
# .clang-format (tools/format.sh). Idempotent and quiet when installed.
set -euo pipefail
if ! command -v clang-format >/dev/null 2>&1; then
  echo "install-deps: apt-get install clang-format"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends clang-format >/dev/null
fi
exit 0
