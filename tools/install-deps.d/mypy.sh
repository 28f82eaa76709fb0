#!/usr/bin/env bash
# mypy for tests/python/test_typing.py (the generated .pyi stubs type-check
# typed results and reject a misspelt field). Listed in requirements-dev.txt
# too; this covers machines where the rest of it is already installed.
# Idempotent and quiet when mypy is present.
set -euo pipefail
PY=${PYTHON:-python3}
if ! $PY -c "import mypy" 2>/dev/null; then
  echo "install-deps(mypy): pip install mypy"
  $PY -m pip install -q "mypy>=1.8"
fi
exit 0
