#!/usr/bin/env bash
# Tools for `make dist` and tests/dist/: auditwheel (bundles the wheel's
# shared libraries; needs patchelf), abi3audit (checks the extension stays on
# the stable ABI), build (PEP 517 front end), debootstrap (the clean Debian
# root file system of tests/dist/test_clean_system.py), dpkg-dev/file (CPack
# computes .deb dependencies with dpkg-shlibdeps). Idempotent and fast when
# everything is present.
set -euo pipefail
need=()
for p in patchelf debootstrap dpkg-dev file; do
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
exit 0
