"""The Python suite again with the extension (and the core inside it) built
with ASan/UBSan (`make build-python-asan`), the sanitizer runtimes preloaded
into the interpreter, and PYTHONMALLOC=malloc so ASan sees every object."""
import os
import pathlib
import subprocess
import sys

from .conftest import BUILD, REPO

SKIP_IN_CHILD = ["test_sanitizers.py", "test_install.py", "test_memory.py"]


def _runtime(name):
    out = subprocess.run(["gcc", f"-print-file-name={name}"], capture_output=True, text=True).stdout.strip()
    assert os.path.isabs(out) and os.path.exists(out), f"{name} not found (gcc): {out!r}"
    return out


def test_suite_under_asan_ubsan():
    ext = BUILD / "python-asan"
    assert list((ext / "light").glob("_light*.so")), f"run `make build-python-asan` (no extension in {ext})"
    env = dict(os.environ, LIGHT_BUILD_DIR=str(BUILD), LIGHT_PY_EXT_DIR=str(ext), PYTHONMALLOC="malloc",
               LD_PRELOAD=f"{_runtime('libasan.so')} {_runtime('libubsan.so')}",
               ASAN_OPTIONS="detect_leaks=0:abort_on_error=0:exitcode=99",
               UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:exitcode=98")
    args = [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", str(REPO / "tests" / "python")]
    for name in SKIP_IN_CHILD:
        args += ["--ignore", str(REPO / "tests" / "python" / name)]
    r = subprocess.run(args, cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
    tail = (r.stdout + r.stderr)[-6000:]
    assert r.returncode == 0, tail
    assert "AddressSanitizer" not in r.stderr and "runtime error" not in r.stderr, tail
    assert " passed" in r.stdout, tail
