"""Runs the C test suite (tests/core/test_*.c, built by CMake) against the
emulator, three ways: plain, under ASan+UBSan (build-asan), and under
valgrind memcheck. Each C test binary is one pytest test per mode."""
import os
import pathlib
import shutil
import subprocess

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
BUILD = pathlib.Path(os.environ.get("LIGHT_BUILD_DIR", ROOT / "build"))
ASAN_BUILD = pathlib.Path(str(BUILD) + "-asan")
C_TESTS = sorted(p.stem for p in (ROOT / "tests" / "core").glob("test_*.c"))

# Tests too slow under valgrind's 20-50x slowdown run with a reduced load
# (they read LIGHT_TEST_SCALE); none is skipped.
VALGRIND = [
    "valgrind", "--quiet", "--leak-check=full", "--errors-for-leak-kinds=definite,indirect",
    "--show-leak-kinds=definite,indirect", "--error-exitcode=99", "--track-origins=no",
]


def _run(cmd, env, timeout):
    proc = subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, text=True, timeout=timeout)
    return proc.returncode, proc.stdout + proc.stderr


def _env(sandbox, **extra):
    env = dict(os.environ)
    env.update(sandbox.env())
    env.update(extra)
    return env


def test_c_tests_exist():
    assert C_TESTS, "no C tests found in tests/core"
    for name in C_TESTS:
        assert (BUILD / name).exists(), f"{name} not built: run `make build` ({BUILD})"


@pytest.mark.parametrize("name", C_TESTS)
def test_c_plain(name, sandbox, clean_sandbox):
    rc, out = _run([str(BUILD / name)], _env(sandbox), 600)
    assert rc == 0, out


@pytest.mark.parametrize("name", C_TESTS)
def test_c_asan_ubsan(name, sandbox, clean_sandbox):
    exe = ASAN_BUILD / name
    assert exe.exists(), f"{exe} not built: run `make build`"
    env = _env(sandbox, ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:halt_on_error=1",
               UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1")
    rc, out = _run([str(exe)], env, 600)
    assert rc == 0, out
    assert "runtime error" not in out, out
    assert "ERROR: AddressSanitizer" not in out and "LeakSanitizer" not in out, out


@pytest.mark.parametrize("name", C_TESTS)
def test_c_valgrind(name, sandbox, clean_sandbox):
    assert shutil.which("valgrind"), "valgrind missing: tools/install-deps.sh installs it"
    rc, out = _run(VALGRIND + [str(BUILD / name)], _env(sandbox, LIGHT_TEST_SCALE="0.1"), 900)
    assert rc == 0, out


@pytest.mark.parametrize("name", ["test_retry_transport", "test_engine", "test_tokens"])
def test_c_over_tls(name, sandbox_tls):
    """The same binaries against the emulator over HTTPS with its test CA
    (verification on); test_retry_transport also runs its TLS-specific checks
    (untrusted CA refused, never retried)."""
    sandbox_tls.clean()
    env = dict(os.environ)
    env.update(sandbox_tls.env())
    env["LIGHT_SANDBOX_TLS_URL"] = sandbox_tls.base_url
    rc, out = _run([str(BUILD / name)], env, 600)
    assert rc == 0, out
