#!/usr/bin/env python3
"""`make bench`: every benchmark in one run, on this machine, in sequence:
C webhook verify, C blocking transport and async engine (against the
emulator), Python (nginx peers: requests, httpx, pycurl), Node (fetch, undici,
axios), Lua (wrk against the nginx gateway). Each prints its own table; the
figures of the last recorded runs are in bench/README.md. No timing
assertions anywhere: these are measurements, not tests."""
import os
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]
BUILD = pathlib.Path(os.environ.get("LIGHT_BUILD_DIR", ROOT / "build"))
sys.path.insert(0, str(ROOT))
from tests.sandbox.runner import SandboxProcess  # noqa: E402


def run(title, cmd, env=None):
    print(f"\n=== {title}: {' '.join(map(str, cmd))}", flush=True)
    rc = subprocess.call([str(c) for c in cmd], cwd=ROOT, env=env)
    if rc:
        print(f"!!! {title} exited {rc}")
    return rc


def main():
    failures = 0
    failures += bool(run("C webhook verify (2 KB)", [BUILD / "bench_webhook", "200000"]))
    sb = SandboxProcess()
    sb.start()
    try:
        env = dict(os.environ, **sb.env())
        env.update(LIGHT_BASE_URL=sb.base_url, LIGHT_APP_TOKEN=sb.app_token)
        failures += bool(run("C blocking transport vs emulator", [BUILD / "bench_transport", "3000"], env))
        failures += bool(run("C async engine vs blocking", [BUILD / "bench" / "c" / "bench_async", "2000", "64"], env))
        failures += bool(run("C async engine, 10 ms server latency", [BUILD / "bench" / "c" / "bench_async", "500", "64", "10"], env))
    finally:
        sb.stop()
    failures += bool(run("Python", [sys.executable, "bench/python/bench.py", "--build", BUILD]))
    failures += bool(run("Node", ["node", "bench/node/run.js"]))
    failures += bool(run("Lua / nginx", [sys.executable, "bench/lua/run.py"]))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
