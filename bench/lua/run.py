#!/usr/bin/env python3
"""Lua benchmarks (numbers are reported, never asserted):

1. wrk against the example gateway in a real nginx (worker_processes 1):
   POST /light/webhook with a signed 2 KB event (HMAC-SHA256 verify + JSON
   parse in LuaJIT) versus GET /static (`return 200`) on the same nginx.
2. µs per verification in plain LuaJIT and Lua 5.4 (bench/lua/verify.lua).

    python3 bench/lua/run.py [--duration 10] [--connections 50] [--threads 1] [--json FILE]

--json FILE also writes the figures as JSON (bench/run.py reads it).

Needs `make build` (build/lua/{5.4,jit}) or LIGHT_LUA_BUILD."""
import argparse
import hashlib
import hmac
import json
import os
import pathlib
import re
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from tests.lua.nginx_harness import Nginx, lua_build_dir  # noqa: E402

SECRET = "whsec_bench_secret"


def body_2k():
    pad = "x" * (2048 - 120)
    return ('{"uuid":"evt_bench","created_at":"2024-01-01T00:00:00Z","api_version":"v1","event":"account.invoice_sent",'
            '"data":{"pad":"' + pad + '"}}').encode()


def worker_pids(master_pid):
    kids = pathlib.Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split()
    return [int(k) for k in kids]


def cpu_seconds(pids):
    """user + system CPU time of the processes (robust to a busy machine, unlike req/s)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        fields = pathlib.Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / tick


def wrk(url, args, script=None, env=None):
    pin = ["taskset", "-c", str(args.wrk_cpu)] if args.wrk_cpu is not None else []
    cmd = pin + ["wrk", f"-t{args.threads}", f"-c{args.connections}", f"-d{args.duration}s", "--latency"]
    if script:
        cmd += ["-s", str(script)]
    out = subprocess.run(cmd + [url], capture_output=True, text=True, env=env, timeout=args.duration + 60).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = re.search(r"50%\s+([\d.]+\w+)", out).group(1)
    p99 = re.search(r"99%\s+([\d.]+\w+)", out).group(1)
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    total = int(re.search(r"(\d+) requests in", out).group(1))
    return rps, p50, p99, int(non2xx.group(1)) if non2xx else 0, total


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--duration", type=int, default=10)
    ap.add_argument("--connections", type=int, default=50)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--iterations", type=int, default=200000)
    pin = (os.cpu_count() or 1) >= 2
    ap.add_argument("--nginx-cpu", default="0" if pin else None, help="taskset CPU list for nginx (default 0)")
    ap.add_argument("--wrk-cpu", default="1" if pin else None, help="taskset CPU list for wrk (default 1)")
    ap.add_argument("--json", help="also write the figures to this file")
    args = ap.parse_args()

    body = body_2k()
    ts = int(time.time())
    sig = f"{ts}." + hmac.new(SECRET.encode(), str(ts).encode() + b"." + body, hashlib.sha256).hexdigest()
    with tempfile.TemporaryDirectory() as tmp:
        body_file = pathlib.Path(tmp) / "body.json"
        body_file.write_bytes(body)
        env = {"LIGHT_WEBHOOK_SECRET": SECRET, "LIGHT_APP_TOKEN": "unused", "LIGHT_BASE_URL": "http://127.0.0.1:9"}
        with Nginx(pathlib.Path(tmp) / "nginx", env, workers=1, log_level="error", cpu=args.nginx_cpu) as gw:
            wenv = dict(os.environ, BENCH_BODY_FILE=str(body_file), BENCH_SIGNATURE=sig)
            # warm up both locations (LuaJIT traces, connections)
            wrk(gw.url + "/static", argparse.Namespace(**{**vars(args), "duration": 2}))
            wrk(gw.url + "/light/webhook", argparse.Namespace(**{**vars(args), "duration": 2}),
                ROOT / "bench" / "lua" / "wrk_webhook.lua", wenv)
            workers = worker_pids(gw.proc.pid)
            script = ROOT / "bench" / "lua" / "wrk_webhook.lua"

            def measure(path, scr=None, e=None):
                c0 = cpu_seconds(workers)
                rps, p50_, p99_, bad, total = wrk(gw.url + path, args, scr, e)
                cpu_us = (cpu_seconds(workers) - c0) / max(total, 1) * 1e6
                return rps, p50_, p99_, bad, cpu_us

            s_rps, s50, s99, s_bad, s_cpu = measure("/static")
            # the same POST (2 KB body + signature header) to `return 200`: nginx discards the body
            p_rps, p50, p99, p_bad, p_cpu = measure("/static", script, wenv)
            w_rps, w50, w99, w_bad, w_cpu = measure("/light/webhook", script, wenv)
    load = os.getloadavg()[0]
    print(f"nginx 1 worker (cpu {args.nginx_cpu}), wrk -t{args.threads} -c{args.connections} -d{args.duration}s "
          f"(cpu {args.wrk_cpu}), {os.cpu_count()} CPUs, load average {load:.2f}")
    print("  (worker CPU µs/req is the worker's user+system CPU time per request: it does not depend on how busy")
    print("   the machine is; req/s does)")
    print(f"  GET  /static        {s_rps:10.0f} req/s  p50 {s50:>8}  p99 {s99:>8}  non-2xx {s_bad}  "
          f"worker CPU {s_cpu:6.1f} µs/req")
    print(f"  POST /static        {p_rps:10.0f} req/s  p50 {p50:>8}  p99 {p99:>8}  non-2xx {p_bad}  "
          f"worker CPU {p_cpu:6.1f} µs/req  (same 2 KB POST, body discarded)")
    print(f"  POST /light/webhook {w_rps:10.0f} req/s  p50 {w50:>8}  p99 {w99:>8}  non-2xx {w_bad}  "
          f"worker CPU {w_cpu:6.1f} µs/req  (2 KB body, HMAC-SHA256 + JSON parse)")
    print(f"  webhook / static GET: {w_rps / s_rps:.2f}x req/s, {s_cpu / w_cpu:.2f}x by worker CPU")
    print(f"  webhook / static POST: {w_rps / p_rps:.2f}x req/s, {p_cpu / w_cpu:.2f}x by worker CPU")

    figures = {
        "load_average": load,
        "gateway": {
            "get_static": {"rps": s_rps, "p50": s50, "p99": s99, "non_2xx": s_bad, "worker_cpu_us": s_cpu},
            "post_static": {"rps": p_rps, "p50": p50, "p99": p99, "non_2xx": p_bad, "worker_cpu_us": p_cpu},
            "post_webhook": {"rps": w_rps, "p50": w50, "p99": w99, "non_2xx": w_bad, "worker_cpu_us": w_cpu},
        },
        "verify_us": {},
    }

    lua_path = f"{ROOT}/lua/?.lua;{ROOT}/lua/?/init.lua;;"
    for lua, flavour in (("luajit", "jit"), ("lua5.4", "5.4")):
        env = dict(os.environ, LUA_PATH=lua_path, LUA_CPATH=f"{lua_build_dir() / flavour}/?.so;;")
        out = subprocess.run([lua, str(ROOT / "bench" / "lua" / "verify.lua"), str(args.iterations)], env=env,
                             capture_output=True, text=True, timeout=600)
        sys.stdout.write(out.stdout + out.stderr)
        for name, us in re.findall(r"^(webhooks\.\w+)\s.*?([\d.]+) us/op", out.stdout, re.M):
            figures["verify_us"].setdefault(lua, {})[name] = float(us)
        if out.returncode or len(figures["verify_us"].get(lua, {})) != 2:
            raise SystemExit(f"bench/lua/verify.lua under {lua} failed (exit {out.returncode})")
    # LuaJIT: the same verification through the FFI (liblight.so) against the C module
    lib = pathlib.Path(os.environ.get("LIGHT_BUILD_DIR", ROOT / "build")) / "liblight.so"
    env = dict(os.environ, LUA_PATH=lua_path, LUA_CPATH=f"{lua_build_dir() / 'jit'}/?.so;;", LIGHT_LIB=str(lib))
    out = subprocess.run(["luajit", str(ROOT / "bench" / "lua" / "ffi_vs_capi.lua"), str(args.iterations)], env=env,
                         capture_output=True, text=True, timeout=600)
    sys.stdout.write(out.stdout + out.stderr)
    if out.returncode:
        raise SystemExit(f"bench/lua/ffi_vs_capi.lua failed (exit {out.returncode})")
    figures["ffi_vs_capi_us"] = {name.strip(): float(us) for name, us in
                                 re.findall(r"^(.+?)\s{2,}([\d.]+) us/op", out.stdout, re.M)}
    if args.json:
        pathlib.Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        pathlib.Path(args.json).write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
