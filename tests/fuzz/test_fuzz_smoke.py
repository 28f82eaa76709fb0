"""Smoke run of the libFuzzer targets: build them with clang in build-fuzz
and run each for 10 s; zero crashes, leaks or property failures allowed.
The long runs are `make fuzz` (FUZZ_SECONDS per target)."""
import os
import pathlib
import shutil
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
BUILD = pathlib.Path(os.environ.get("LIGHT_FUZZ_BUILD_DIR", ROOT / "build-fuzz"))
sys.path.insert(0, str(ROOT / "tests" / "fuzz"))
import run_fuzzers  # noqa: E402

SECONDS = int(os.environ.get("LIGHT_FUZZ_SMOKE_SECONDS", "10"))


@pytest.fixture(scope="module")
def fuzz_build():
    assert shutil.which("clang"), "clang missing: tools/install-deps.sh installs it"
    env = dict(os.environ, CC="clang")
    subprocess.run(["cmake", "-S", str(ROOT), "-B", str(BUILD), "-DLIGHT_BUILD_FUZZERS=ON",
                    "-DLIGHT_INSTALL=OFF", "-DLIGHT_WERROR=ON"],
                   check=True, env=env, capture_output=True, timeout=600)
    proc = subprocess.run(["cmake", "--build", str(BUILD), "-j2", "--target", *run_fuzzers.TARGETS],
                          env=env, capture_output=True, text=True, timeout=1200)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
    return BUILD


@pytest.mark.parametrize("target", run_fuzzers.TARGETS)
def test_fuzzer_runs_clean(fuzz_build, target):
    r = run_fuzzers.run_one(fuzz_build, target, SECONDS)
    assert not r["crashed"], r["output"][-6000:]
    assert r["executions"] > 1000, r["output"][-2000:]
    print(f"{target}: {r['executions']} executions in {r['seconds']:.1f} s")
