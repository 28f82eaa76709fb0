#!/usr/bin/env bash
# Node.js for the Node package (node/, bindings/node/): node + npm from
# Debian when no node is installed (Debian 12 ships Node 18, Node-API 8+),
# and uv.h for the addon when node's own headers are not installed (the
# addon uses the libuv inside node; libuv1-dev provides only the header
# here). Node-API headers come from the npm package node-api-headers.
# Idempotent and fast when everything is present.
set -euo pipefail
need=()
command -v node >/dev/null 2>&1 || need+=(nodejs)
command -v npm >/dev/null 2>&1 || need+=(npm)
node_inc=""
if command -v node >/dev/null 2>&1; then
  node_inc="$(dirname "$(dirname "$(readlink -f "$(command -v node)")")")/include/node"
fi
if [ ! -f "$node_inc/uv.h" ] && [ ! -f /usr/include/node/uv.h ] && [ ! -f /usr/include/uv.h ]; then
  need+=(libuv1-dev)
fi
if [ ${#need[@]} -gt 0 ]; then
  echo "install-deps(node): apt-get install ${need[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
exit 0
