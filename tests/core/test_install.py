"""The C library as a consumer gets it: `cmake --install`, then a program
built against the installed package with pkg-config and with CMake's
find_package(light), linked to liblight.so and run against the emulator.
Also: liblight.so exports the public API (light_*) and nothing internal."""
import os
import pathlib
import subprocess

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
BUILD = pathlib.Path(os.environ.get("LIGHT_BUILD_DIR", ROOT / "build"))
PUBLIC_HEADERS = sorted((ROOT / "core/include/light").glob("*.h"))


def run(cmd, **kw):
    proc = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, timeout=300, **kw)
    assert proc.returncode == 0, f"{cmd}\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout


@pytest.fixture(scope="module")
def prefix(tmp_path_factory):
    p = tmp_path_factory.mktemp("prefix")
    run(["cmake", "--install", BUILD, "--prefix", p])
    return p


def exported(lib):
    out = run(["nm", "-D", "--defined-only", lib])
    return {line.split()[-1] for line in out.splitlines() if line.strip()}


def declared_functions():
    import re
    names, types = set(), set()
    for h in PUBLIC_HEADERS:
        text = h.read_text()
        names |= set(re.findall(r"\b(light_[a-z0-9_]+)\s*\(", text))
        types |= set(re.findall(r"\}\s*(light_[a-z0-9_]+)\s*;", text))
        types |= set(re.findall(r"typedef\s[^;]*?\b(light_[a-z0-9_]+)\s*;", text))
    return names - types


def test_shared_library_exports_exactly_the_public_api(prefix):
    lib = next((prefix / "lib").glob("**/liblight.so.0"), None) or next(prefix.glob("**/liblight.so.0"))
    syms = exported(lib)
    assert not [s for s in syms if s.startswith("light__")], "internal symbols exported"
    api = {s for s in syms if s.startswith("light_")}
    missing = sorted(n for n in declared_functions() if n not in api)
    # every function a public header declares is callable from the .so
    assert not missing, f"declared in core/include/light but not exported: {missing}"


def consumer_env(sandbox):
    env = dict(os.environ, LIGHT_APP_TOKEN=sandbox.app_token, LIGHT_BASE_URL=sandbox.base_url,
               LIGHT_WEBHOOK_SECRET=sandbox.webhook_secret)
    env.pop("LIGHT_LOG", None)
    return env


def check_linked_dynamically_and_runs(exe, prefix, sandbox):
    libdir = next(p.parent for p in prefix.glob("**/liblight.so.0"))
    env = consumer_env(sandbox)
    env["LD_LIBRARY_PATH"] = str(libdir)
    ldd = run(["ldd", exe], env=env)
    assert f"{libdir}/liblight.so.0" in ldd, ldd
    out = run([exe], env=env)
    assert "created account" in out and "webhook verified" in out and "refused: yes" in out, out


def test_pkg_config_consumer(prefix, sandbox, tmp_path):
    pc = next(prefix.glob("**/pkgconfig/light.pc"))
    env = dict(os.environ, PKG_CONFIG_PATH=str(pc.parent))
    flags = run(["pkg-config", "--cflags", "--libs", "light"], env=env).split()
    exe = tmp_path / "quickstart"
    run(["cc", "-std=c11", "-Wall", "-Wextra", "-Werror", ROOT / "examples/c/quickstart.c", "-o", exe, *flags])
    check_linked_dynamically_and_runs(exe, prefix, sandbox)


def test_cmake_find_package_consumer(prefix, sandbox, tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "CMakeLists.txt").write_text(
        "cmake_minimum_required(VERSION 3.20)\nproject(consumer C)\nfind_package(light 0.1 REQUIRED)\n"
        f"add_executable(quickstart {ROOT / 'examples/c/quickstart.c'})\n"
        "target_link_libraries(quickstart PRIVATE light::light)\n")
    run(["cmake", "-S", src, "-B", tmp_path / "b", f"-DCMAKE_PREFIX_PATH={prefix}"])
    run(["cmake", "--build", tmp_path / "b"])
    check_linked_dynamically_and_runs(tmp_path / "b" / "quickstart", prefix, sandbox)
