"""light_sandbox as an installed package: pyproject.toml ships it in the wheel with a
`light-sandbox` console script, and the package works from site-packages outside the
repository (no PYTHONPATH, another working directory): the console script, `python -m
light_sandbox` and runner.SandboxProcess (which then neither needs the checkout as its
cwd nor puts site-packages on the child's PYTHONPATH)."""
import json
import os
import pathlib
import shutil
import subprocess
import sys
import textwrap
import tomllib

from light_sandbox.runner import REPO_ROOT

PKG = REPO_ROOT / "sandbox" / "light_sandbox"


def test_pyproject_ships_the_package_and_the_command():
    cfg = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())
    assert cfg["project"]["scripts"]["light-sandbox"] == "light_sandbox.cli:main"
    assert "sandbox/light_sandbox" in cfg["tool"]["scikit-build"]["wheel"]["packages"]
    # the entry point exists and is the same command as python -m light_sandbox
    from light_sandbox import __main__ as m, cli
    assert m.main is cli.main


def _install(tmp_path):
    """A venv with light_sandbox copied into site-packages and the console script pip writes."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    py = venv / "bin" / "python"
    purelib = subprocess.run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             capture_output=True, text=True, check=True).stdout.strip()
    shutil.copytree(PKG, pathlib.Path(purelib) / "light_sandbox", ignore=shutil.ignore_patterns("__pycache__"))
    script = venv / "bin" / "light-sandbox"
    script.write_text(f"#!{py}\nimport sys\nfrom light_sandbox.cli import main\n"
                      "if __name__ == '__main__':\n    sys.exit(main())\n")
    script.chmod(0o755)
    return py, script, pathlib.Path(purelib)


def test_installed_outside_the_checkout(tmp_path):
    py, script, purelib = _install(tmp_path)
    work = tmp_path / "elsewhere"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "LIGHT_SANDBOX_URL", "LIGHT_BASE_URL")}
    code = textwrap.dedent(f"""
        import json, os, subprocess, sys
        import light_sandbox.runner as r
        assert r.__file__.startswith({str(purelib)!r}), r.__file__
        with r.SandboxProcess() as sb:
            cwd = os.readlink(f"/proc/{{sb.pid}}/cwd")
            environ = open(f"/proc/{{sb.pid}}/environ", "rb").read().split(b"\\0")
            pp = [e for e in environ if e.startswith(b"PYTHONPATH=")]
            out = subprocess.run([{str(script)!r}, "accounts", "create", "--state", "active", "--json",
                                  "--url", sb.base_url], capture_output=True, text=True, timeout=60)
            listing = subprocess.run([sys.executable, "-m", "light_sandbox", "accounts", "--url", sb.base_url],
                                     capture_output=True, text=True, timeout=60)
            print(json.dumps({{"cwd": cwd, "pythonpath": [p.decode() for p in pp], "rc": out.returncode,
                              "out": out.stdout, "err": out.stderr, "listing": listing.stdout}}))
    """)
    r = subprocess.run([str(py), "-c", code], cwd=work, env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    got = json.loads(r.stdout.strip().splitlines()[-1])
    assert got["cwd"] == str(work)  # not the (absent) repository root
    assert got["pythonpath"] == []  # the installed copy is found without it
    assert got["rc"] == 0, got["err"]
    acct = json.loads(got["out"])["account"]
    assert acct["status"] == "active" and acct["uuid"] in got["listing"]
    h = subprocess.run([str(script), "--help"], cwd=work, env=env, capture_output=True, text=True, timeout=60)
    assert h.returncode == 0 and "listen" in h.stdout and "trigger" in h.stdout
