#!/usr/bin/env bash
# Install what light-sdk needs on a fresh Debian 12 machine, skipping what is
# already there (so `make test` stays fast on a prepared machine).
# Lua/nginx note: the nginx lua module needs luajit2 / libluajit2-5.1-dev,
# which conflict with Debian's luajit / libluajit-5.1-dev: do not add those.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  build-essential cmake pkg-config libcurl4-openssl-dev libcjson-dev libssl-dev
  valgrind clang libclang-rt-14-dev
  lua5.4 liblua5.4-dev luajit2 libluajit2-5.1-dev luarocks lua-busted
  nginx libnginx-mod-http-lua lua-resty-core wrk
  lua-cjson
)
# lua-resty-core: light.nginx's cosocket transport relies on its FFI
# sslhandshake (TLS sessions as cdata, for ca_file verification); Debian's
# libnginx-mod-http-lua depends on it too, it is named here on purpose.
missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: apt-get install ${missing[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # Debian's nginx starts a system service on install; the tests run their own.
  $SUDO systemctl disable --now nginx >/dev/null 2>&1 || $SUDO service nginx stop >/dev/null 2>&1 || true
fi

PY=${PYTHON:-python3}
if ! $PY -c "import pytest, cryptography, requests" 2>/dev/null; then
  echo "install-deps: pip install -r requirements-dev.txt"
  $PY -m pip install -q -r requirements-dev.txt
fi
for f in tools/install-deps.d/*.sh; do [ -e "$f" ] && bash "$f"; done
exit 0
