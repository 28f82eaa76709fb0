"""lua/light/_meta.lua (LuaLS annotations) is generated from the core's
operation table by tools/gen_lua_meta.lua; fail when it is stale."""
import os
import subprocess

from tests.lua.nginx_harness import ROOT, lua_build_dir


def test_lua_meta_is_current():
    env = dict(os.environ, LUA_CPATH=f"{lua_build_dir() / '5.4'}/?.so;;")
    proc = subprocess.run(["lua5.4", str(ROOT / "tools" / "gen_lua_meta.lua")], env=env, capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    current = (ROOT / "lua" / "light" / "_meta.lua").read_text()
    assert proc.stdout == current, ("lua/light/_meta.lua is stale: regenerate with "
                                    "LUA_CPATH='build/lua/5.4/?.so;;' lua5.4 tools/gen_lua_meta.lua > lua/light/_meta.lua")
    # one method per operation, plus an iterator per paginated one
    assert current.count("\nfunction ") == 49 + 2
