"""Bounded run of the libFuzzer targets: build them with clang in build-fuzz
and run each for LIGHT_FUZZ_SMOKE_SECONDS (default 10; CI exports 60, see
.ci/run), LIGHT_FUZZ_JOBS targets at a time (default 2: one per core of the
2-core box; each target is one single-threaded libFuzzer process). Zero
crashes, leaks or property failures allowed. The long local runs are
`make fuzz` (FUZZ_SECONDS per target)."""
import concurrent.futures
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
JOBS = max(1, int(os.environ.get("LIGHT_FUZZ_JOBS", "2")))


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


@pytest.fixture(scope="module")
def fuzz_results(fuzz_build):
    """Every target run once, JOBS at a time; {target: run_fuzzers.run_one result}."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=JOBS) as pool:
        futures = {t: pool.submit(run_fuzzers.run_one, fuzz_build, t, SECONDS) for t in run_fuzzers.TARGETS}
        return {t: f.result() for t, f in futures.items()}


def test_every_target_has_a_seed_corpus():
    for t in run_fuzzers.TARGETS:
        seeds = list((ROOT / "tests" / "fuzz" / "corpus" / t).iterdir())
        assert seeds, f"no seed corpus for {t}"
        assert (ROOT / "tests" / "fuzz" / f"{t}.c").exists()


@pytest.mark.parametrize("target", run_fuzzers.TARGETS)
def test_fuzzer_runs_clean(fuzz_results, target):
    r = fuzz_results[target]
    assert not r["crashed"], r["output"][-6000:]
    assert r["executions"] > 1000, r["output"][-2000:]
    # libFuzzer stopped on its time limit, not early.
    assert r["seconds"] >= SECONDS, r["output"][-2000:]
    print(f"{target}: {r['executions']} executions in {r['seconds']:.1f} s")
