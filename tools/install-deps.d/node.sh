#!/usr/bin/env bash
# Node.js for the Node package (node/, bindings/node/): node + npm from
# Debian when no node is installed (Debian 12 ships Node 18, Node-API 8+),
# and the addon's headers when node's own are not installed. The addon uses
# the libuv inside node; only headers are needed. At the repository root,
# Node-API headers also come from the npm package node-api-headers.
# Idempotent and fast when everything is present.
set -euo pipefail
need=()
command -v node >/dev/null 2>&1 || need+=(nodejs)
command -v npm >/dev/null 2>&1 || need+=(npm)
node_inc=""
if command -v node >/dev/null 2>&1; then
  node_inc="$(dirname "$(dirname "$(readlink -f "$(command -v node)")")")/include/node"
fi
# Headers next to node (nodesource ships them; Debian's nodejs needs
# libnode-dev, which also brings uv.h). `npm install <path>` links the
# package without installing its node-api-headers dependency, so the build
# then relies on these.
if [ ! -f "$node_inc/node_api.h" ] && [ ! -f /usr/include/node/node_api.h ]; then
  need+=(libnode-dev)
elif [ ! -f "$node_inc/uv.h" ] && [ ! -f /usr/include/node/uv.h ] && [ ! -f /usr/include/uv.h ]; then
  need+=(libuv1-dev)
fi
if [ ${#need[@]} -gt 0 ]; then
  echo "install-deps(node): apt-get install ${need[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
exit 0
