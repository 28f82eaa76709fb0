"""One abi3 wheel serves every CPython >= 3.10: the repaired wheel of `make dist`
(built with this machine's python3) is installed into a venv of each CPython
3.10+ interpreter found here (python3.X on PATH, pyenv's versions) and used
against the emulator. The running interpreter is always one of them; a
machine with more interpreters checks more versions."""
import glob
import os
import pathlib
import re
import shutil
import subprocess
import sys

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]
BUILD = pathlib.Path(os.environ.get("LIGHT_BUILD_DIR", REPO / "build")).resolve()


def interpreters():
    found = {f"{sys.version_info[0]}.{sys.version_info[1]}": sys.executable}
    cands = [shutil.which(f"python3.{m}") for m in range(10, 20)]
    cands += sorted(glob.glob(os.path.expanduser("~/.pyenv/versions/3.*/bin/python3")))
    for c in filter(None, cands):
        r = subprocess.run([c, "-c", "import sys, platform; print(platform.python_implementation(), "
                               "'%d.%d' % sys.version_info[:2])"], capture_output=True, text=True)
        if r.returncode == 0:
            impl, ver = r.stdout.split()
            if impl == "CPython" and tuple(map(int, ver.split("."))) >= (3, 10):
                found.setdefault(ver, c)
    return sorted(found.items(), key=lambda kv: tuple(map(int, kv[0].split("."))))


@pytest.fixture(scope="module")
def wheel(dist):
    (w,) = dist[0].glob("light_sdk-*-cp310-abi3-manylinux_*_x86_64.whl")
    return w


CHECK = """
import os, sys, light
assert "site-packages" in light.__file__, light.__file__
c = light.Client(os.environ["LIGHT_APP_TOKEN"], base_url=os.environ["LIGHT_BASE_URL"])
a = c.accounts.create(email="abi3@example.com")
assert c.for_account(a.uuid).retrieve().uuid == a.uuid
body = b'{"uuid":"evt_1","created_at":"2026-01-01T00:00:00Z","api_version":"v1","event":"enrollment.finalized","data":{}}'
assert light.webhooks.verify(bytearray(body), light.webhooks.sign(memoryview(body), "s"), "s").event == "enrollment.finalized"
import datetime, decimal
assert light._light._roundtrip({"d": decimal.Decimal("1.10"), "t": datetime.date(2026, 1, 2)}) == {"d": "1.10", "t": "2026-01-02"}
print("ok", sys.version.split()[0])
"""


@pytest.mark.parametrize("version,python", interpreters(), ids=lambda v: v if re.fullmatch(r"3\.\d+", str(v)) else "")
def test_the_abi3_wheel_works_on(version, python, wheel, sandbox, tmp_path):
    venv = tmp_path / "venv"
    subprocess.run([python, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=300)
    py = venv / "bin" / "python"
    # this interpreter's pip installs into the venv (pip --python): no ensurepip per version
    r = subprocess.run([sys.executable, "-m", "pip", "--python", str(py), "install", "-q", "--no-index", str(wheel)],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env.update(LIGHT_APP_TOKEN=sandbox.app_token, LIGHT_BASE_URL=sandbox.base_url)
    r = subprocess.run([str(py), "-c", CHECK], capture_output=True, text=True, timeout=120, env=env, cwd=tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.startswith(f"ok {version}."), r.stdout
