#!/usr/bin/env bash
# A real browser for the emulator dashboard test (tests/sandbox/test_dashboard.py):
# Debian's chromium, driven headless by npm's playwright-core (the driver only;
# it downloads no browser of its own). playwright-core goes into a private,
# gitignored prefix (build-browser/) so the root package.json stays untouched.
# Idempotent and fast when both are present.
set -euo pipefail
cd "$(dirname "$0")/../.."
if ! command -v chromium >/dev/null 2>&1; then
  echo "install-deps(browser): apt-get install chromium"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends chromium >/dev/null
fi
PREFIX=build-browser
if [ ! -f "$PREFIX/node_modules/playwright-core/package.json" ]; then
  echo "install-deps(browser): npm install --prefix $PREFIX playwright-core"
  mkdir -p "$PREFIX"
  [ -f "$PREFIX/package.json" ] || echo '{"private": true}' > "$PREFIX/package.json"
  PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm install --prefix "$PREFIX" --no-audit --no-fund --silent playwright-core >/dev/null
fi
exit 0
