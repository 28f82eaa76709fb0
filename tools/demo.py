#!/usr/bin/env python3
"""`make demo`: start the local Light emulator and run the quickstart journey
in C, Python, Node and Lua (5.4 and LuaJIT) against it, each printing its steps
with ✓; exit 0 only when every language passed.

Today's journey per language: create an account, check eligibility, search the
address, request plans, call the account API through an SDK-managed account
token, sign and verify a webhook. (The full enrollment-to-invoices journey of
issue 9 is exercised by each language's test suite; the demo will grow to it.)
"""
import os
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]
BUILD = pathlib.Path(os.environ.get("LIGHT_BUILD_DIR", ROOT / "build"))
sys.path.insert(0, str(ROOT))
from tests.sandbox.runner import SandboxProcess  # noqa: E402


def main():
    sb = SandboxProcess()
    sb.start()
    try:
        base = dict(os.environ)
        base.update({"LIGHT_APP_TOKEN": sb.app_token, "LIGHT_BASE_URL": sb.base_url,
                     "LIGHT_WEBHOOK_SECRET": sb.webhook_secret})
        base.pop("LIGHT_LOG", None)
        lua_path = f"{ROOT}/lua/?.lua;{ROOT}/lua/?/init.lua;;"
        runs = [
            ("C", [str(BUILD / "examples" / "quickstart")], {}),
            ("Python", [sys.executable, str(ROOT / "examples/python/quickstart.py")],
             {"PYTHONPATH": os.pathsep.join([str(ROOT / "python"), str(BUILD / "python")])}),
            ("Node", ["node", str(ROOT / "examples/node/quickstart.js")], {}),
            ("Lua 5.4", ["lua5.4", str(ROOT / "examples/lua/quickstart.lua")],
             {"LUA_PATH": lua_path, "LUA_CPATH": f"{BUILD}/lua/5.4/?.so;;"}),
            ("LuaJIT", ["luajit", str(ROOT / "examples/lua/quickstart.lua")],
             {"LUA_PATH": lua_path, "LUA_CPATH": f"{BUILD}/lua/jit/?.so;;"}),
        ]
        print(f"Light emulator at {sb.base_url}\n")
        results = []
        for name, cmd, extra in runs:
            print(f"{name}:")
            env = dict(base, **extra)
            proc = subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, text=True, timeout=120)
            out = proc.stdout.rstrip()
            if out:
                print(out)
            ok = proc.returncode == 0
            if not ok:
                print(f"  ✗ failed (exit {proc.returncode}):\n{proc.stderr.strip()}")
            results.append((name, ok))
            print()
        deliveries = sb.webhooks() if hasattr(sb, "webhooks") else []
        passed = sum(ok for _, ok in results)
        print(f"demo: {passed}/{len(results)} languages passed"
              + "".join(f" | {n} {'✓' if ok else '✗'}" for n, ok in results)
              + (f" | emulator fired {len(deliveries)} webhook deliveries" if deliveries else ""))
        return 0 if passed == len(results) else 1
    finally:
        sb.stop()


if __name__ == "__main__":
    sys.exit(main())
