"""`pip install .` really builds and installs the package (PEP 517 through
scikit-build-core) into a throw-away venv, and the installed package works
against the emulator from outside the source tree."""
import os
import subprocess
import sys
import textwrap

from .conftest import REPO

SCRIPT = textwrap.dedent("""
    import os, sys, light
    assert "site-packages" in light.__file__, light.__file__
    c = light.Client(os.environ["LIGHT_SANDBOX_APP_TOKEN"], base_url=os.environ["LIGHT_SANDBOX_URL"])
    a = c.accounts.create(email="installed@example.com")
    assert c.for_account(a.uuid).retrieve().uuid == a.uuid
    body = b'{"event":"enrollment.finalized","data":{}}'
    assert light.webhooks.verify(body, light.webhooks.sign(body, "s"), "s").event == light.events.ENROLLMENT_FINALIZED
    import importlib.resources as r
    assert r.files("light").joinpath("py.typed").is_file() and r.files("light").joinpath("__init__.pyi").is_file()
    print("installed ok", light.__version__)
""")


def test_pip_install_dot(sb, tmp_path):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)], check=True, timeout=120)
    py = venv / "bin" / "python"
    # --no-build-isolation: use the scikit-build-core installed by tools/install-deps.d/python.sh
    # (no registry access during tests); a fresh build directory so the wheel is built from scratch.
    r = subprocess.run([str(py), "-m", "pip", "install", "-q", "--no-build-isolation", "--no-deps",
                        "--config-settings=build-dir=" + str(tmp_path / "build"), "."],
                       cwd=REPO, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout + r.stderr
    env = dict(os.environ, **sb.env())
    env.pop("PYTHONPATH", None)
    r = subprocess.run([str(py), "-c", SCRIPT], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and "installed ok" in r.stdout, r.stdout + r.stderr
