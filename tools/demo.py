#!/usr/bin/env python3
"""`make demo`: start ONE local Light emulator (with its webhook receiver) and
run the same 16-step journey in C, Python, Node, Lua 5.4 and LuaJIT against it
(examples/c/journey.c → build/examples/journey, examples/python/journey.py,
examples/node/journey.js, examples/lua/journey.lua).

Each journey prints ``  ✓ <step> — <figure>`` per step (``  ✗`` and exit 1 on
failure). A language passes when it exits 0 and printed ✓ for every step of
JOURNEY_STEPS in order. The summary line is
``demo: N/5 languages passed | C ✓ | Python ✓ | ...`` followed by the number of
webhook deliveries the receiver got and verified. Exit status 0 only when every
step of every language passed.

    python3 tools/demo.py                 # all five
    python3 tools/demo.py --only C,Python # a subset (names as in the summary)
    python3 tools/demo.py --keep          # then keep the emulator running: dashboard, light-sandbox requests ...

The emulator is the ``light-sandbox serve`` command (run as ``python -m light_sandbox
serve`` from sandbox/); at the end ``light-sandbox accounts`` lists the accounts the
journeys enrolled.
"""
import argparse
import json
import os
import pathlib
import subprocess
import sys
import time
import urllib.request

ROOT = pathlib.Path(__file__).resolve().parents[1]
BUILD = pathlib.Path(os.environ.get("LIGHT_BUILD_DIR", ROOT / "build"))
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "sandbox"))
from light_sandbox.runner import SandboxProcess  # noqa: E402

# The journey spec (docs/examples.md): every language prints these steps, in this order.
JOURNEY_STEPS = (
    "create account", "check eligibility", "search address", "request plans", "accept plan",
    "submit identity", "credit check", "add payment method", "finalize enrollment", "activate (sandbox)",
    "usage", "invoices", "documents", "renewal plans", "comparison", "webhooks",
)
PER_LANGUAGE_TIMEOUT = 180


def journey_commands():
    """(language, argv, extra environment, file that must exist) for every language of the demo."""
    lua_path = f"{ROOT}/lua/?.lua;{ROOT}/lua/?/init.lua;;"
    lua_file = ROOT / "examples/lua/journey.lua"
    c_bin = BUILD / "examples" / "journey"
    py_file = ROOT / "examples/python/journey.py"
    node_file = ROOT / "examples/node/journey.js"
    return [
        ("C", [str(c_bin)], {}, c_bin),
        ("Python", [sys.executable, str(py_file)],
         {"PYTHONPATH": os.pathsep.join([str(ROOT / "python"), str(BUILD / "python")])}, py_file),
        ("Node", ["node", str(node_file)], {}, node_file),
        ("Lua 5.4", ["lua5.4", str(lua_file)], {"LUA_PATH": lua_path, "LUA_CPATH": f"{BUILD}/lua/5.4/?.so;;"},
         lua_file),
        ("LuaJIT", ["luajit", str(lua_file)], {"LUA_PATH": lua_path, "LUA_CPATH": f"{BUILD}/lua/jit/?.so;;"},
         lua_file),
    ]


def journey_env(sb):
    """The environment every journey reads (LIGHT_LOG dropped so the transcript stays clean)."""
    env = dict(os.environ)
    env.pop("LIGHT_LOG", None)
    env.update(LIGHT_APP_TOKEN=sb.app_token, LIGHT_BASE_URL=sb.base_url, LIGHT_WEBHOOK_SECRET=sb.webhook_secret,
               LIGHT_RECEIVER_URL=sb.receiver_url or "")
    return env


def transcript_problems(stdout):
    """What is wrong with a journey transcript: [] when every step printed ✓ in order."""
    done = [line[len("  ✓ "):].split(" — ", 1)[0] for line in stdout.splitlines() if line.startswith("  ✓ ")]
    failed = [line.strip() for line in stdout.splitlines() if line.startswith("  ✗ ")]
    problems = list(failed)
    if done != list(JOURNEY_STEPS):
        missing = [s for s in JOURNEY_STEPS if s not in done]
        if missing:
            problems.append("no ✓ for: " + ", ".join(missing))
        elif not failed:
            problems.append("steps out of order or repeated: " + ", ".join(done))
    return problems


def run_journey(name, argv, extra_env, needed, env):
    """Run one language's journey: (passed, stdout, why-not)."""
    if not needed.exists():
        return False, "", f"{needed.relative_to(ROOT) if needed.is_relative_to(ROOT) else needed} not found"
    try:
        proc = subprocess.run(argv, env=dict(env, **extra_env), cwd=ROOT, capture_output=True, text=True,
                              timeout=PER_LANGUAGE_TIMEOUT)
    except FileNotFoundError as e:
        return False, "", f"cannot run {argv[0]}: {e.strerror}"
    except subprocess.TimeoutExpired as e:
        out = e.stdout.decode(errors="replace") if isinstance(e.stdout, bytes) else (e.stdout or "")
        return False, out, f"timed out after {PER_LANGUAGE_TIMEOUT} s"
    problems = transcript_problems(proc.stdout)
    if proc.returncode != 0:
        tail = "\n".join(proc.stderr.strip().splitlines()[-15:])
        problems.append(f"exit status {proc.returncode}" + (f"\n{tail}" if tail else ""))
    return not problems, proc.stdout, "; ".join(problems)


def sandbox_cli(sb, *args):
    """Output of ``light-sandbox ARGS --url <the demo's emulator>`` (the command from this checkout)."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT / "sandbox"), os.environ.get("PYTHONPATH", "")]))
    proc = subprocess.run([sys.executable, "-m", "light_sandbox", *args, "--url", sb.base_url], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    return (proc.stdout if proc.returncode == 0 else proc.stderr).rstrip()


def receiver_deliveries(sb):
    with urllib.request.urlopen(sb.receiver_url, timeout=10) as r:
        return json.load(r)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--only", help="comma-separated languages (C, Python, Node, Lua 5.4, LuaJIT)")
    ap.add_argument("--keep", action="store_true",
                    help="keep the emulator running afterwards (dashboard, light-sandbox requests/accounts/listen)")
    args = ap.parse_args(argv)
    runs = journey_commands()
    if args.only:
        wanted = {w.strip().lower() for w in args.only.split(",")}
        runs = [r for r in runs if r[0].lower() in wanted]
        if not runs:
            ap.error(f"--only {args.only}: no such language")

    sb = SandboxProcess(["--receiver", "--webhook-retry-delays", "0.2,0.2"])
    sb.start()
    try:
        env = journey_env(sb)
        print(f"Light emulator at {sb.base_url} (light-sandbox serve --receiver), webhook receiver at "
              f"{sb.receiver_url}\ndashboard: {sb.base_url}/_sandbox/ui\n", flush=True)
        results = []
        for name, cmd, extra, needed in runs:
            print(f"{name}:", flush=True)
            ok, out, why = run_journey(name, cmd, extra, needed, env)
            if out.strip():
                print(out.rstrip())
            if not ok:
                print(f"  ✗ {name} failed: {why}")
            results.append((name, ok))
            print(flush=True)
        deliveries = receiver_deliveries(sb)
        verified = sum(1 for d in deliveries if d.get("verified"))
        passed = sum(ok for _, ok in results)
        webhook_note = f"{verified} webhooks delivered and verified"
        if verified != len(deliveries):
            webhook_note += f" ({len(deliveries) - verified} of {len(deliveries)} failed verification)"
        print(f"$ light-sandbox accounts --url {sb.base_url}\n{sandbox_cli(sb, 'accounts')}\n", flush=True)
        print(f"demo: {passed}/{len(results)} languages passed"
              + "".join(f" | {n} {'✓' if ok else '✗'}" for n, ok in results)
              + f" | {webhook_note}", flush=True)
        rc = 0 if passed == len(results) and verified == len(deliveries) else 1
        if args.keep:
            print(f"\nThe emulator keeps running at {sb.base_url}: open {sb.base_url}/_sandbox/ui, or\n"
                  f"  export LIGHT_SANDBOX_URL={sb.base_url} LIGHT_APP_TOKEN={sb.app_token}\n"
                  "  PYTHONPATH=sandbox python3 -m light_sandbox requests   # or accounts, trigger, listen\n"
                  "Ctrl-C to stop.", flush=True)
            try:
                while sb.alive():
                    time.sleep(0.5)
            except KeyboardInterrupt:
                pass
        return rc
    finally:
        sb.stop()


if __name__ == "__main__":
    sys.exit(main())
