"""The other artifacts of `make dist` (tools/dist/make_dist.py), on this machine:

- the Lua 5.4 binary rock installs with `luarocks install` (no build: the
  rock carries light/core.so) and loads;
- the sdist builds from source with pip (the fallback where no wheel fits)
  and the installed package works against the emulator;
- the .deb pair declares Debian's libcurl4 (>= 7.80: CURLOPT_PREREQFUNCTION),
  libcjson1 and libssl3 and splits runtime from development files.
tests/dist/test_clean_system.py installs the wheel, the npm tarball and the
.deb pair on a clean root file system."""
import os
import pathlib
import subprocess
import sys
import zipfile

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]
BUILD = pathlib.Path(os.environ.get("LIGHT_BUILD_DIR", REPO / "build")).resolve()


def test_binary_rock_installs_without_building_and_loads(dist, tmp_path):
    (rock,) = dist[0].glob("light-sdk-*.linux-x86_64.rock")
    names = zipfile.ZipFile(rock).namelist()
    assert "lib/light/core.so" in names and "lua/light/init.lua" in names, names
    tree = tmp_path / "tree"
    r = subprocess.run(["luarocks", "--lua-version=5.4", "--tree", str(tree), "install", "--deps-mode=none", str(rock)],
                       capture_output=True, text=True, timeout=300, env=dict(os.environ, CC="/nonexistent-cc"))
    assert r.returncode == 0, r.stdout + r.stderr
    env = dict(os.environ, LUA_PATH=f"{tree}/share/lua/5.4/?.lua;{tree}/share/lua/5.4/?/init.lua;;",
               LUA_CPATH=f"{tree}/lib/lua/5.4/?.so;;")
    r = subprocess.run(["lua5.4", "-e", 'local l = require "light"; print(#l.operations, package.searchpath("light.core", package.cpath))'],
                       capture_output=True, text=True, timeout=60, env=env)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split()[0] == "49" and str(tree) in r.stdout, r.stdout


def test_sdist_builds_from_source_and_works(dist, sandbox, tmp_path):
    (sd,) = dist[0].glob("light_sdk-*.tar.gz")
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)], check=True, timeout=120)
    py = venv / "bin" / "python"
    r = subprocess.run([str(py), "-m", "pip", "install", "-q", "--no-build-isolation", "--no-deps",
                        "--config-settings=build-dir=" + str(tmp_path / "build"), str(sd)],
                       capture_output=True, text=True, timeout=900, cwd=tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env.update(LIGHT_APP_TOKEN=sandbox.app_token, LIGHT_BASE_URL=sandbox.base_url)
    r = subprocess.run([str(py), "-c", "import light; c = light.Client(); print(light.__file__, c.accounts.create("
                        "email='sdist@example.com').uuid)"], capture_output=True, text=True, timeout=120, env=env,
                       cwd=tmp_path)
    assert r.returncode == 0 and "site-packages/light/__init__.py" in r.stdout, r.stdout + r.stderr


def control(deb):
    return subprocess.run(["dpkg-deb", "-f", str(deb)], capture_output=True, text=True, check=True).stdout


def test_deb_pair_names_debians_runtime_packages(dist):
    (runtime,) = dist[0].glob("liblight0_*_amd64.deb")
    (dev,) = dist[0].glob("liblight-dev_*_amd64.deb")
    c = control(runtime)
    for dep in ("libcurl4 (>= 7.80.0)", "libcjson1", "libssl3"):
        assert dep in c, c
    assert "liblight0 (=" in control(dev)
    files = subprocess.run(["dpkg-deb", "-c", str(runtime)], capture_output=True, text=True, check=True).stdout
    assert "liblight.so.0" in files and "include/light" not in files and "liblight.a" not in files, files
    files = subprocess.run(["dpkg-deb", "-c", str(dev)], capture_output=True, text=True, check=True).stdout
    for f in ("include/light/light.h", "pkgconfig/light.pc", "liblight.a", "cmake/light/lightConfig.cmake"):
        assert f in files, files
