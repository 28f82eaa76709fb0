"""One version number for every package (docs/packaging.md): the header
core/include/light/version.h is the one place; CMake and pyproject.toml read
it, package.json, package-lock.json and the rockspec carry copies
(tools/dist/set-version.py rewrites them all). This fails when any of them,
or the built libraries' light_version(), disagrees."""
import ctypes
import json
import os
import pathlib
import re
import subprocess
import sys
import tomllib

REPO = pathlib.Path(__file__).resolve().parents[2]
BUILD = pathlib.Path(os.environ.get("LIGHT_BUILD_DIR", REPO / "build"))


def header_version():
    text = (REPO / "core/include/light/version.h").read_text()
    parts = [re.search(rf"#define LIGHT_VERSION_{p} (\d+)", text).group(1) for p in ("MAJOR", "MINOR", "PATCH")]
    return ".".join(parts)


def test_every_package_carries_the_header_version():
    v = header_version()
    found = {}
    pkg = json.loads((REPO / "package.json").read_text())
    found["package.json"] = pkg["version"]
    lock = json.loads((REPO / "package-lock.json").read_text())
    found["package-lock.json"] = lock["version"]
    found["package-lock.json packages['']"] = lock["packages"][""]["version"]
    specs = sorted(REPO.glob("light-sdk-*.rockspec"))
    assert len(specs) == 1, specs
    found["rockspec file name"] = re.fullmatch(r"light-sdk-(.+)-\d+\.rockspec", specs[0].name).group(1)
    found["rockspec version"] = re.search(r'^version = "(.+)-\d+"', specs[0].read_text(), re.M).group(1)
    # pyproject.toml: no literal version; the regex provider reads the header
    py = tomllib.loads((REPO / "pyproject.toml").read_text())
    assert "version" not in py["project"] and "version" in py["project"]["dynamic"]
    meta = py["tool"]["scikit-build"]["metadata"]["version"]
    assert meta["input"] == "core/include/light/version.h"
    m = re.search(meta["regex"], (REPO / meta["input"]).read_text())
    found["pyproject.toml (regex)"] = meta["result"].format(**m.groupdict())
    # CMake: the project version of the configured build
    cache = (BUILD / "CMakeCache.txt").read_text()
    found["CMake project()"] = re.search(r"^CMAKE_PROJECT_VERSION:STATIC=(.*)$", cache, re.M).group(1)
    # light_version() of the built shared library and of the Python extension
    lib = ctypes.CDLL(str(BUILD / "liblight.so"))
    lib.light_version.restype = ctypes.c_char_p
    found["liblight.so light_version()"] = lib.light_version().decode()
    r = subprocess.run([sys.executable, "-c", "import light._light as L; print(L.version(), L.__version__)"],
                       env=dict(os.environ, PYTHONPATH=f"{BUILD / 'python'}:{REPO / 'python'}"),
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    found["Python light._light.version()"], found["Python light._light.__version__"] = r.stdout.split()
    wrong = {k: x for k, x in found.items() if x != v}
    assert not wrong, f"version.h says {v}; these disagree: {wrong}"
