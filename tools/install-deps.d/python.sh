#!/usr/bin/env bash
# Python package build/test needs: scikit-build-core (PEP 517 backend of
# pyproject.toml, also used by the `pip install .` test with
# --no-build-isolation). Idempotent and quiet when already installed.
set -euo pipefail
PY=${PYTHON:-python3}
if ! $PY -c "import scikit_build_core, pytest" 2>/dev/null; then
  echo "install-deps: pip install scikit-build-core pytest"
  $PY -m pip install -q "scikit-build-core>=0.8" "pytest>=7"
fi
# venv is needed for the `pip install .` test (Debian splits it out).
if ! $PY -c "import ensurepip, venv" 2>/dev/null; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  v=$($PY -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')
  $SUDO apt-get install -y -qq --no-install-recommends "python${v}-venv" >/dev/null 2>&1 || \
    $SUDO apt-get install -y -qq --no-install-recommends python3-venv >/dev/null
fi
exit 0
