"""`luarocks make` builds and installs the Lua package from a copy of the
checkout into a temporary tree, for Lua 5.4 and for LuaJIT (5.1 API), and the
installed module works in both interpreters. The rockspec lists the C sources
explicitly: a test fails when one is missing."""
import pathlib
import re
import shutil
import subprocess

import pytest

from tests.lua.nginx_harness import ROOT

ROCKSPEC = ROOT / "light-sdk-0.1.0-1.rockspec"


def test_rockspec_lists_every_c_source():
    text = ROCKSPEC.read_text()
    listed = set(re.findall(r'"((?:core/src|bindings/lua)/[\w.]+\.c)"', text))
    present = {str(p.relative_to(ROOT)) for p in list((ROOT / "core" / "src").glob("*.c")) +
               list((ROOT / "bindings" / "lua").glob("*.c"))}
    assert listed == present, f"rockspec is stale: missing {sorted(present - listed)}, extra {sorted(listed - present)}"


CHECK = """
package.path = "{tree}/share/lua/{v}/?.lua;{tree}/share/lua/{v}/?/init.lua;" .. package.path
package.cpath = "{tree}/lib/lua/{v}/?.so;" .. package.cpath
local light = require "light"
assert(package.searchpath == nil or package.searchpath("light.core", package.cpath):find("{tree}", 1, true))
assert(#light.operations == 49)
assert(light.webhooks.sign("x", "y", 1) ==
  "1.48cd2190f7ec328dd8e328b6b27d2fc5d581d18b72c0ce517e519262e150c80a")
local c = assert(light.new{{ app_token = "t", base_url = "http://127.0.0.1:9", max_retries = 0 }})
local v, err = c.accounts:list()
assert(v == nil and err.kind == "APIConnectionError", tostring(err))
print("ok " .. light.core.runtime)
"""


@pytest.mark.parametrize("lua,version,extra", [
    ("lua5.4", "5.4", []),
    ("luajit", "5.1", ["LUA_INCDIR=/usr/include/luajit-2.1"]),
], ids=["lua5.4", "luajit"])
def test_luarocks_make(tmp_path, lua, version, extra):
    assert shutil.which("luarocks"), "luarocks not installed"
    src = tmp_path / "src"
    src.mkdir()
    for d in ("core", "lua"):
        shutil.copytree(ROOT / d, src / d)
    shutil.copytree(ROOT / "bindings" / "lua", src / "bindings" / "lua")
    shutil.copy(ROCKSPEC, src)
    tree = tmp_path / "tree"
    proc = subprocess.run(["luarocks", f"--lua-version={version}", "make", "--tree", str(tree), ROCKSPEC.name] + extra,
                          cwd=src, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert (tree / "lib" / "lua" / version / "light" / "core.so").exists()
    assert (tree / "share" / "lua" / version / "light" / "init.lua").exists()
    assert (tree / "share" / "lua" / version / "light" / "nginx.lua").exists()
    run = subprocess.run([lua, "-e", CHECK.format(tree=tree, v=version)], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.startswith("ok " + ("LuaJIT" if lua == "luajit" else "Lua 5.4")), run.stdout
