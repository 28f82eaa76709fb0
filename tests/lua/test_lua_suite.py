"""Runs the busted suites (tests/lua/*_spec.lua) under both Lua runtimes —
`busted --lua=lua5.4` and `busted --lua=luajit` — against the emulator, with
package paths pointing at lua/ and the modules built by `make build`
(build/lua/5.4 and build/lua/jit). Fails on any failure, error or pending
test, and when zero tests ran."""
import json
import os
import pathlib
import shutil
import subprocess

import pytest

from tests.lua.nginx_harness import ROOT, lua_build_dir

HERE = pathlib.Path(__file__).resolve().parent
RUNTIMES = [("lua5.4", "5.4"), ("luajit", "jit")]
SPECS = sorted(p.name for p in HERE.glob("*_spec.lua"))


def lua_env(sandbox, flavour):
    env = dict(os.environ)
    env.update(sandbox.env())
    env["LUA_PATH"] = ";".join([str(ROOT / "lua" / "?.lua"), str(ROOT / "lua" / "?" / "init.lua"),
                                str(HERE / "?.lua")]) + ";;"  # ";;" keeps the default path (busted itself)
    env["LUA_CPATH"] = str(lua_build_dir() / flavour / "?.so") + ";;"
    env["LIGHT_TEST_RUNTIME"] = flavour  # checked by client_spec.lua
    for k in ("LIGHT_APP_TOKEN", "LIGHT_BASE_URL", "LIGHT_LOG"):
        env.pop(k, None)
    return env


def test_specs_exist():
    assert len(SPECS) >= 6, SPECS


def run_busted(cmd, sandbox, flavour):
    module = lua_build_dir() / flavour / "light" / "core.so"
    assert module.exists(), f"{module} not built: run `make build`"
    proc = subprocess.run(cmd + ["--output=json", "--no-auto-insulate", str(HERE)],
                          cwd=ROOT, env=lua_env(sandbox, flavour), capture_output=True, text=True, timeout=600)
    check_report(proc)
    return proc


@pytest.mark.parametrize("lua,flavour", RUNTIMES, ids=[r[0] for r in RUNTIMES])
def test_busted(lua, flavour, sandbox, clean_sandbox):
    assert shutil.which("busted"), "busted not installed (apt: lua-busted)"
    run_busted(["busted", f"--lua={lua}"], sandbox, flavour)


def test_busted_valgrind(sandbox, clean_sandbox):
    """The whole suite in Lua 5.4 under valgrind memcheck: no invalid access,
    no definite or indirect leak in the binding or the core."""
    assert shutil.which("valgrind"), "valgrind not installed"
    busted = shutil.which("busted")
    proc = run_busted(["valgrind", "--quiet", "--leak-check=full", "--errors-for-leak-kinds=definite,indirect",
                       "--show-leak-kinds=definite,indirect", "--error-exitcode=99", "lua5.4", busted],
                      sandbox, "5.4")
    assert "Invalid read" not in proc.stderr and "Invalid write" not in proc.stderr, proc.stderr[-4000:]


def check_report(proc):
    out = proc.stdout
    start = out.find("{")
    assert start >= 0, f"busted produced no JSON (rc {proc.returncode}):\n{out}\n{proc.stderr}"
    report = json.loads(out[start:])
    problems = []
    for kind in ("failures", "errors", "pendings"):
        for t in report.get(kind, []):
            problems.append(f"{kind[:-1]}: {t.get('name')}: {t.get('message') or t.get('trace', {}).get('message')}")
    assert not problems, "\n".join(problems) + "\n" + proc.stderr
    n = len(report.get("successes", []))
    assert n > 0, "busted ran zero tests"
    assert proc.returncode == 0, proc.stderr[-4000:]
    names = [t.get("name", "") for t in report["successes"]]
    assert any("runs on the runtime the runner asked for" in n for n in names), names
