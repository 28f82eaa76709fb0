"""tests/dist/: the packages of `make dist`, built once per session from the
current tree into $LIGHT_BUILD_DIR/dist-test/dist (incremental: the build
directories under $LIGHT_BUILD_DIR/dist-work are reused). docs/packaging.md."""
import json
import os
import pathlib
import subprocess
import sys
import time

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]
BUILD = pathlib.Path(os.environ.get("LIGHT_BUILD_DIR", REPO / "build")).resolve()
DIST_TEST = BUILD / "dist-test"


@pytest.fixture(scope="session")
def dist():
    """(directory, MANIFEST.json as a dict, seconds make_dist took)."""
    out = DIST_TEST / "dist"
    t0 = time.monotonic()
    r = subprocess.run([sys.executable, str(REPO / "tools/dist/make_dist.py"), "--build", str(BUILD), "--out", str(out)],
                       capture_output=True, text=True, timeout=1800)
    assert r.returncode == 0, r.stdout[-4000:] + r.stderr[-4000:]
    return out, json.loads((out / "MANIFEST.json").read_text()), round(time.monotonic() - t0, 2)
