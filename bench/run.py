#!/usr/bin/env python3
"""`make bench`: every benchmark in one run, on this machine, in sequence, and
bench/RESULTS.md written from the figures of that run.

    python3 bench/run.py [--quick] [--out bench/RESULTS.md] [--only c,python,node,lua,emulator]

Benchmarks (each prints its own output, kept in bench/out/<name>.log; the
figures are parsed from that output or read from the JSON each one writes):
C webhook verify (bench_webhook), C blocking transport against a static nginx
with a bare libcurl + cJSON loop as peer (bench_transport), C async engine vs
blocking against the emulator (bench_async), Python (bench/python/bench.py:
requests, httpx, pycurl, threads, webhooks, decode), Node (bench/node/run.js:
fetch, axios, undici, webhooks), Lua (bench/lua/run.py: wrk against the nginx
gateway, verify in LuaJIT and Lua 5.4) and the emulator's own throughput.

RESULTS.md holds one table — benchmark | light-sdk | peer | peer figure |
ratio | target | met? — plus the machine description, the date, the command
and the load average. Targets are those of bench/README.md. These are
measurements, not tests: nothing here asserts a time, and a missed target does
not fail the run (a benchmark that crashes does: exit status 1).
"""
from __future__ import annotations

import argparse
import datetime
import importlib.util
import json
import os
import pathlib
import platform
import re
import shlex
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
BUILD = pathlib.Path(os.environ.get("LIGHT_BUILD_DIR", ROOT / "build"))
OUT = ROOT / "bench" / "out"
COLUMNS = ("benchmark", "light-sdk", "peer", "peer figure", "ratio", "target", "met?")


# ---------------------------------------------------------------- rendering

def fmt_num(x: float, unit: str) -> str:
    """1234.5 'req/s' -> '1,235 req/s'; 2.11 'µs' -> '2.11 µs'."""
    if x >= 100:
        s = f"{x:,.0f}"
    elif x >= 10:
        s = f"{x:.1f}"
    else:
        s = f"{x:.2f}"
    return f"{s} {unit}" if unit else s


def met(ratio: float | None, target: tuple | None, light: float | None = None) -> str:
    """'✔' / '✘' against a target, '—' without one. A target is ('>=' | '<=',
    value) on the ratio, or ('>=' | '<=', value, unit) on light-sdk's own figure."""
    if not target:
        return "—"
    x = light if len(target) == 3 else ratio
    if x is None:
        return "—"
    op, value = target[0], target[1]
    ok = x >= value if op == ">=" else x <= value
    return "✔" if ok else "✘"


def fmt_target(target: tuple | None) -> str:
    if not target:
        return "—"
    sign = "≥" if target[0] == ">=" else "≤"
    if len(target) == 3:
        return f"{sign} {fmt_num(target[1], target[2])}"
    return f"{sign} {target[1]:g}×"


def row(benchmark: str, light: float, unit: str, peer: str | None = None, peer_value: float | None = None,
        ratio: float | None = None, target: tuple[str, float] | None = None, note: str = "") -> dict:
    """One table row. `ratio` is light-sdk's advantage as stated in the
    benchmark's name (throughput light/peer, or time peer/light, or for the
    decode row light/peer time); `target` = ('>=' | '<=', value)."""
    return {"benchmark": benchmark, "light": light, "unit": unit, "peer": peer, "peer_value": peer_value,
            "ratio": ratio, "target": list(target) if target else None, "met": met(ratio, target, light),
            "note": note}


def render_table(rows: list[dict]) -> str:
    def cell(s: str) -> str:
        return str(s).replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    for r in rows:
        target = tuple(r["target"]) if r.get("target") else None
        light = fmt_num(r["light"], r["unit"]) if r.get("light") is not None else "—"
        peer_fig = fmt_num(r["peer_value"], r["unit"]) if r.get("peer_value") is not None else "—"
        ratio = "—"
        if r.get("ratio") is not None:
            ratio = f"{r['ratio']:.2f}×"
            # never let rounding show a miss as its target value (1.996 → "2.00×" against "≥ 2×")
            if target and len(target) == 2 and met(round(r["ratio"], 2), target) != met(r["ratio"], target):
                ratio = f"{r['ratio']:.3f}×"
        if r.get("note"):
            ratio += f" ({r['note']})"
        lines.append("| " + " | ".join(cell(c) for c in (r["benchmark"], light, r.get("peer") or "—", peer_fig, ratio,
                                                         fmt_target(target),
                                                         r.get("met") or met(r.get("ratio"), target, r.get("light"))))
                     + " |")
    return "\n".join(lines)


def render_results(rows: list[dict], machine: list[tuple[str, str]], meta: dict) -> str:
    """The whole of bench/RESULTS.md from a run's rows, machine description
    and metadata (date, command, load averages, failures, duration)."""
    out = ["# Benchmark results",
           "",
           "Written by `make bench` (`bench/run.py`) from the figures of one run; do not edit by hand.",
           "Measurements, not tests: nothing asserts a time. Targets and how each figure is measured:",
           "`bench/README.md`. Ratios compare contenders measured in the same run on the same machine.",
           "",
           f"- date: {meta['date']}",
           f"- command: `{meta['command']}`",
           f"- duration: {meta['duration_s']:.0f} s",
           f"- load average (1 min) at start / end: {meta['load_start']:.2f} / {meta['load_end']:.2f}"
           " (the 2 cores are shared with other builds and test runs)",
           ""]
    if meta.get("quick"):
        out += ["**Quick run** (`--quick`: shorter runs, noisier figures).", ""]
    out += [render_table(rows), ""]
    met_rows = [r for r in rows if r.get("met") in ("✔", "✘")]
    out.append(f"Targets met: {sum(r['met'] == '✔' for r in met_rows)} of {len(met_rows)}.")
    out.append("")
    if meta.get("failures"):
        out += ["## Benchmarks that failed in this run", ""]
        out += [f"- {name}: {why}" for name, why in meta["failures"]]
        out.append("")
    out += ["## Machine", ""]
    out += [f"- {k}: {v}" for k, v in machine]
    out.append("")
    return "\n".join(out)


# ---------------------------------------------------------------- machine

def _cmd_version(cmd: list[str], pattern: str = r"(\S*\d+\.\d+\S*)") -> str:
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired):
        return "not found"
    m = re.search(pattern, p.stdout + p.stderr)
    return m.group(1) if m else (p.stdout + p.stderr).strip().splitlines()[0] if (p.stdout + p.stderr).strip() else "?"


def machine_description() -> list[tuple[str, str]]:
    cpuinfo = pathlib.Path("/proc/cpuinfo").read_text(errors="replace")
    model = re.search(r"^model name\s*:\s*(.+)$", cpuinfo, re.M)
    mem = re.search(r"^MemTotal:\s*(\d+) kB", pathlib.Path("/proc/meminfo").read_text(), re.M)
    debian = pathlib.Path("/etc/debian_version")
    pretty = re.search(r'^PRETTY_NAME="(.+)"', pathlib.Path("/etc/os-release").read_text(), re.M) \
        if pathlib.Path("/etc/os-release").exists() else None
    return [
        ("CPU", model.group(1).strip() if model else platform.processor() or "?"),
        ("cores", str(os.cpu_count())),
        ("RAM", f"{int(mem.group(1)) / 1024 / 1024:.1f} GiB" if mem else "?"),
        ("OS", f"{pretty.group(1) if pretty else '?'} (debian_version {debian.read_text().strip() if debian.exists() else '?'})"),
        ("kernel", platform.release()),
        ("python", platform.python_version()),
        ("node", _cmd_version(["node", "--version"], r"v(\S+)")),
        ("lua", _cmd_version(["lua5.4", "-v"], r"Lua (\S+)")),
        ("luajit", _cmd_version(["luajit", "-v"], r"LuaJIT (\S+)")),
        ("nginx", _cmd_version(["nginx", "-v"], r"nginx/(\S+)")),
        ("libcurl", _cmd_version(["curl-config", "--version"], r"libcurl (\S+)")),
        ("OpenSSL", _cmd_version(["openssl", "version"], r"OpenSSL (\S+)")),
        ("wrk", _cmd_version(["wrk", "--version"], r"wrk (\S+)")),
        ("light-sdk build", str(BUILD)),
    ]


# ---------------------------------------------------------------- running

class Failed(Exception):
    pass


def run(name: str, cmd: list, env: dict | None = None, timeout: int = 1800) -> str:
    """Run one benchmark, echo and keep its output (bench/out/<name>.log)."""
    cmd = [str(c) for c in cmd]
    print(f"\n=== {name}: {' '.join(shlex.quote(c) for c in cmd)}", flush=True)
    p = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)
    out = p.stdout + p.stderr
    sys.stdout.write(out)
    sys.stdout.flush()
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / f"{name}.log").write_text(out)
    if p.returncode:
        raise Failed(f"exit {p.returncode} (log: bench/out/{name}.log)")
    return out


def grab(pattern: str, text: str, what: str) -> float:
    m = re.search(pattern, text, re.M)
    if not m:
        raise Failed(f"could not find {what} in the output")
    return float(m.group(1).replace(",", ""))


def load_module(path: pathlib.Path, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def bench_c_webhook(quick: bool) -> list[dict]:
    return rows_c_webhook(run("c_webhook", [BUILD / "bench_webhook", 50000 if quick else 200000]))


def rows_c_webhook(out: str) -> list[dict]:
    us = r"\s+([\d.]+) us/op"
    v1 = grab(r"^light_webhook_verify 1 secret" + us, out, "verify 1 secret")
    v2 = grab(r"^light_webhook_verify 2 secrets" + us, out, "verify 2 secrets")
    oneshot = grab(r"^ref: HMAC\(\) one-shot \(MAC only\)" + us, out, "HMAC() one-shot")
    evp = grab(r"^ref: EVP_MAC fetch\+init \(MAC only\)" + us, out, "EVP_MAC")
    return [
        row("C webhook verify, 2 KB, 1 secret (`bench_webhook`; ratio = peer time / light time)", v1, "µs",
            "OpenSSL `HMAC()` one-shot, MAC only", oneshot, oneshot / v1),
        row("C webhook verify, 2 KB, 1 secret (ratio = peer time / light time)", v1, "µs",
            "OpenSSL `EVP_MAC` fetch + init, MAC only", evp, evp / v1),
        row("C webhook verify, 2 KB, 2 secrets (rotation, the matching one last)", v2, "µs"),
    ]


def bench_c_transport(quick: bool) -> list[dict]:
    py = load_module(ROOT / "bench" / "python" / "bench.py", "light_bench_python")
    srv = py.Nginx(py.body_1k())
    try:
        env = dict(os.environ, LIGHT_BASE_URL=srv.url, LIGHT_APP_TOKEN="app_bench_token")
        for k in ("LIGHT_SANDBOX_URL", "LIGHT_SANDBOX_APP_TOKEN", "LIGHT_SANDBOX_CA_FILE"):
            env.pop(k, None)
        out = run("c_transport", [BUILD / "bench_transport", 3000 if quick else 20000,
                                  "/v1/app/accounts/8cb12f49-3399-49c3-8cac-9d37148ebd22"], env)
    finally:
        srv.stop()
    return rows_c_transport(out)


def rows_c_transport(out: str) -> list[dict]:
    rate = r".* = ([\d.]+) req/s"
    # the first "1 thread" line is the warm-up; the second is the measurement
    one = [float(x) for x in re.findall(r"^blocking transport, 1 thread:" + rate, out, re.M)]
    if len(one) < 2:
        raise Failed("could not find the 1-thread figure in the output")
    eight = grab(r"^blocking transport, 8 threads:" + rate, out, "8-thread figure")
    bare = grab(r"^bare libcurl \+ cJSON_Parse, 1 thread:" + rate, out, "bare libcurl figure")
    return [
        row("C blocking transport, static nginx ~1 KB JSON, 1 thread (`bench_transport`)", one[1], "req/s",
            "bare libcurl easy loop + `cJSON_Parse`", bare, one[1] / bare),
        row("C blocking transport, 8 threads sharing one client vs 1 thread", eight, "req/s",
            "same client, 1 thread", one[1], eight / one[1]),
    ]


def bench_c_async(quick: bool) -> list[dict]:
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(ROOT / "sandbox"))
    from light_sandbox.runner import SandboxProcess

    rows = []
    with SandboxProcess() as sb:
        env = dict(os.environ, **sb.env())
        for latency, n in ((0, 1000 if quick else 3000), (10, 300 if quick else 1000)):
            out = run(f"c_async_{latency}ms", [BUILD / "bench" / "c" / "bench_async", n, 64, latency], env)
            rows += rows_c_async(out)
    return rows


def rows_c_async(out: str) -> list[dict]:
    latency = int(grab(r"^latency\s*:\s*(\d+) ms", out, "latency line"))
    conc = int(grab(r"^engine\s*:.* concurrency (\d+):", out, "concurrency"))
    eng = grab(r"^engine\s*:.* ([\d.]+) req/s", out, "engine figure")
    blk = grab(r"^blocking :.* ([\d.]+) req/s", out, "blocking figure")
    name = (f"C async engine, {conc} in flight, emulator (CPU-bound server)" if latency == 0 else
            f"C async engine, {conc} in flight, emulator + {latency} ms server latency")
    return [row(f"{name} (`bench_async`)", eng, "req/s", "blocking `light_call`, sequential", blk, eng / blk)]


def bench_python(quick: bool) -> list[dict]:
    js = OUT / "python.json"
    args = ["--seconds", "2", "--rounds", "3"] if quick else ["--seconds", "6", "--rounds", "5"]
    run("python", [sys.executable, "bench/python/bench.py", "--build", BUILD, "--json", js, *args])
    return rows_python(json.loads(js.read_text()))


def rows_python(d: dict) -> list[dict]:
    r = d["results"]
    light = r["light.Client"]
    return [
        row("Python `light.Client` GET ~1 KB JSON from nginx (`bench/python`)", light, "req/s",
            "`requests.Session`", r["requests.Session"], light / r["requests.Session"], (">=", 3)),
        row("Python `light.Client`", light, "req/s", "`httpx.Client`", r["httpx.Client"],
            light / r["httpx.Client"], (">=", 2)),
        row("Python `light.Client`", light, "req/s", "raw `pycurl` + `json.loads`", r["pycurl + json.loads"],
            light / r["pycurl + json.loads"], (">=", 0.85)),
        row("Python 8 threads sharing one client vs 1 thread", r["light.Client 8 threads"], "req/s",
            "same client, 1 thread", r["light.Client 1 thread"],
            r["light.Client 8 threads"] / r["light.Client 1 thread"], (">=", 1.6)),
        row("Python webhook verify 2 KB, signature only (ratio = peer time / light time)",
            r["webhook light.verify_signature (us)"], "µs", "docs recipe: `hmac` + `compare_digest`",
            r["webhook recipe hmac+compare_digest (us)"],
            r["webhook recipe hmac+compare_digest (us)"] / r["webhook light.verify_signature (us)"], (">=", 2)),
        row("Python webhook verify 2 KB → parsed event (ratio = peer time / light time)",
            r["webhook light.verify -> event (us)"], "µs", "docs recipe + `json.loads`",
            r["webhook recipe + json.loads (us)"],
            r["webhook recipe + json.loads (us)"] / r["webhook light.verify -> event (us)"], (">=", 1.5)),
        row("Python decode ~300 KB usage intervals (ratio = light time / peer time)",
            r["decode light (ms)"], "ms", "`json.loads`", r["decode json.loads (ms)"],
            r["decode light (ms)"] / r["decode json.loads (ms)"], ("<=", 0.8)),
        row("Python decode ~300 KB: the core's parser alone, no objects (ratio = light time / peer time)",
            r["decode light parser alone, no objects (ms)"], "ms", "`json.loads`", r["decode json.loads (ms)"],
            r["decode light parser alone, no objects (ms)"] / r["decode json.loads (ms)"]),
        row("Bytes on the wire, ~300 KB intervals body with `Accept-Encoding: gzip` (ratio = identity / gzip)",
            r["intervals wire bytes, gzip"], "bytes", "the same body, identity", r["intervals wire bytes, identity"],
            r["intervals wire bytes, identity"] / r["intervals wire bytes, gzip"]),
    ]


def bench_node(quick: bool) -> list[dict]:
    js = OUT / "node.json"
    args = ["--requests", "3000", "--rounds", "3"] if quick else ["--requests", "10000", "--rounds", "3"]
    run("node", ["node", "bench/node/run.js", "--json", js, *args])
    return rows_node(json.loads(js.read_text()))


def rows_node(d: dict) -> list[dict]:
    h = d["http"]
    light = h["light-sdk"]["rps"]
    wh = d["webhook"]
    wl = wh["light-sdk webhooks.verify"]
    wr = wh["recipe (createHmac + timingSafeEqual + JSON.parse)"]
    n, c = d["requests"], d["concurrency"]
    return [
        row(f"Node `light-sdk` {n:,} GETs at concurrency {c}, nginx ~1 KB JSON (`bench/node`)", light, "req/s",
            "built-in `fetch`", h["fetch"]["rps"], light / h["fetch"]["rps"], (">=", 1.0)),
        row("Node `light-sdk`", light, "req/s", "`axios` (keep-alive agent)", h["axios"]["rps"],
            light / h["axios"]["rps"], (">=", 1.5)),
        row("Node `light-sdk`", light, "req/s", "`undici.request` (Pool)", h["undici.request"]["rps"],
            light / h["undici.request"]["rps"]),
        row("Node webhook verify 2 KB → parsed event", wl, "verifies/s",
            "`createHmac` + `timingSafeEqual` + `JSON.parse`", wr, wl / wr, (">=", 1.5)),
    ] + ([
        row("Node decode ~300 KB usage intervals, validate + `JSON.parse` (ratio = light time / peer time)",
            d["decode"]["ms"]["light-sdk decode (validate + JSON.parse)"], "ms", "`JSON.parse(buf.toString())`",
            d["decode"]["ms"]["JSON.parse(buf.toString())"],
            d["decode"]["ms"]["light-sdk decode (validate + JSON.parse)"] / d["decode"]["ms"]["JSON.parse(buf.toString())"],
            ("<=", 1.0)),
        row("Node decode ~300 KB, Node-API builder over the parser (the slower alternative; ratio = light / peer time)",
            d["decode"]["ms"]["light-sdk Node-API builder"], "ms", "`JSON.parse(buf.toString())`",
            d["decode"]["ms"]["JSON.parse(buf.toString())"],
            d["decode"]["ms"]["light-sdk Node-API builder"] / d["decode"]["ms"]["JSON.parse(buf.toString())"]),
    ] if "decode" in d else []) + ([
        row("Node event-loop delay p99 while 1,000 calls run (ratio = peer / light)",
            d["loop_delay"]["light-sdk"]["p99_ms"], "ms", "`undici.request` (Pool, 64 connections), same 1,000 calls",
            d["loop_delay"]["undici.request"]["p99_ms"],
            d["loop_delay"]["undici.request"]["p99_ms"] / d["loop_delay"]["light-sdk"]["p99_ms"],
            ("<=", 5, "ms")),
    ] if "loop_delay" in d else [])


def bench_lua(quick: bool) -> list[dict]:
    js = OUT / "lua.json"
    args = ["--duration", "3", "--iterations", "50000"] if quick else ["--duration", "10"]
    run("lua", [sys.executable, "bench/lua/run.py", "--json", js, *args])
    d = json.loads(js.read_text())
    # API calls from inside nginx (bench/lua/api.py; lua-resty-http only when
    # LIGHT_BENCH_RESTY_HTTP names a checkout of it, never part of the repository)
    api_js = OUT / "lua_api.json"
    run("lua api", [sys.executable, "bench/lua/api.py", "--json", api_js,
                    "--duration", "3" if quick else "10"])
    d.update(json.loads(api_js.read_text()))
    return rows_lua(d)


def rows_lua(d: dict) -> list[dict]:
    g = d["gateway"]
    w, s, p = g["post_webhook"], g["get_static"], g["post_static"]
    for name, x in g.items():
        if x["non_2xx"]:
            raise Failed(f"gateway {name}: {x['non_2xx']} non-2xx answers, figures not comparable")
    rows = [
        row("nginx gateway `POST /light/webhook` 2 KB, verify + parse in LuaJIT (wrk, 1 worker; `bench/lua`)",
            w["rps"], "req/s", "`GET /static` (`return 200`), same nginx", s["rps"], w["rps"] / s["rps"], (">=", 0.7)),
        row("nginx gateway webhook, worker CPU per request (ratio = peer CPU / light CPU)", w["worker_cpu_us"], "µs",
            "same 2 KB `POST` to `return 200`", p["worker_cpu_us"], p["worker_cpu_us"] / w["worker_cpu_us"]),
    ]
    api = d.get("api")
    if api:
        for name, x in api.items():
            if x["non_2xx"]:
                raise Failed(f"nginx API {name}: {x['non_2xx']} non-2xx answers, figures not comparable")
        c, sr = api["cosocket"], api["subrequest"]
        rows += [
            row("nginx API GET ~1 KB JSON, `light.nginx` cosockets + keep-alive (wrk, 1 worker; `bench/lua/api.py`)",
                c["rps"], "req/s", "previous transport: `ngx.location.capture` subrequests + `proxy_pass`",
                sr["rps"], c["rps"] / sr["rps"], (">=", 2.0)),
            row("nginx API GET, worker CPU per request (ratio = peer CPU / light CPU)", c["worker_cpu_us"], "µs",
                "subrequest transport", sr["worker_cpu_us"], sr["worker_cpu_us"] / c["worker_cpu_us"]),
        ]
        if "lua-resty-http" in api:
            rh = api["lua-resty-http"]
            rows += [
                row("nginx API GET ~1 KB JSON, `light.nginx` cosockets (same run)", c["rps"], "req/s",
                    "lua-resty-http `request_uri` (keep-alive pool) + `light.json.decode`", rh["rps"],
                    c["rps"] / rh["rps"], (">=", 1.0)),
                row("nginx API GET, worker CPU per request vs lua-resty-http (ratio = peer CPU / light CPU)",
                    c["worker_cpu_us"], "µs", "lua-resty-http", rh["worker_cpu_us"],
                    rh["worker_cpu_us"] / c["worker_cpu_us"]),
            ]
    f = d.get("ffi_vs_capi_us")
    if f:
        rows += [
            row("LuaJIT webhook verify + parse 2 KB via the Lua C API (shipped; ratio = peer time / light time)",
                f["verify + parse, Lua C API"], "µs", "the same through the LuaJIT FFI (liblight.so + cJSON walk)",
                f["verify + parse, FFI"], f["verify + parse, FFI"] / f["verify + parse, Lua C API"]),
            row("LuaJIT verify_signature 2 KB via the Lua C API (ratio = peer time / light time)",
                f["verify_signature, Lua C API"], "µs", "the same through the LuaJIT FFI",
                f["verify_signature, FFI"], f["verify_signature, FFI"] / f["verify_signature, Lua C API"]),
        ]
    for lua, label in (("luajit", "LuaJIT"), ("lua5.4", "Lua 5.4")):
        v = d["verify_us"][lua]
        rows.append(row(f"{label} `webhooks.verify` 2 KB → event table", v["webhooks.verify"], "µs"))
        rows.append(row(f"{label} `webhooks.verify_signature` 2 KB", v["webhooks.verify_signature"], "µs"))
    return rows


def bench_decode(quick: bool) -> list[dict]:
    py = load_module(ROOT / "bench" / "python" / "bench.py", "light_bench_python")
    OUT.mkdir(parents=True, exist_ok=True)
    doc = OUT / "intervals.json"
    doc.write_bytes(py.intervals_300k())
    c_out = run("c_json", [BUILD / "bench" / "c" / "bench_json", doc, 50 if quick else 200])
    lua = {}
    for lua_bin, flavour in (("lua5.4", "5.4"), ("luajit", "jit")):
        env = dict(os.environ, LUA_CPATH=f"{BUILD}/lua/{flavour}/?.so;;", LUA_PATH=f"{ROOT}/lua/?.lua;;")
        out = run(f"lua_decode_{flavour}", [lua_bin, "bench/lua/decode.lua", doc, 10 if quick else 30], env)
        lua[lua_bin] = json.loads(out.strip().splitlines()[-1])
    js = OUT / "memory.json"
    run("memory", [sys.executable, "bench/memory.py", "--doc", doc, "--build", BUILD, "--json", js])
    return rows_decode(c_out, lua, json.loads(js.read_text()))


def rows_decode(c_out: str, lua: dict, mem: dict) -> list[dict]:
    ms = r"\s+([\d.]+) ms/op"
    mine = grab(r"^light_json_to_cjson" + ms, c_out, "light_json_to_cjson")
    ref = grab(r"^cJSON_ParseWithLength" + ms, c_out, "cJSON_ParseWithLength")
    heap = grab(r"^peak heap light_json_to_cjson\s+(\d+) bytes", c_out, "peak heap of light_json_to_cjson")
    heap_ref = grab(r"^peak heap cJSON_ParseWithLength\s+(\d+) bytes", c_out, "peak heap of cJSON_ParseWithLength")
    body = grab(r"^json decode, (\d+)-byte document", c_out, "document size")
    rows = [row("C decode ~300 KB to a cJSON tree, `light_json_to_cjson` (`bench_json`; ratio = light / peer time)",
                mine, "ms", "`cJSON_ParseWithLength`", ref, mine / ref, ("<=", 1.0)),
            row("C decode ~300 KB, peak heap of the cJSON tree (`bench_json`, counted through cJSON_InitHooks; "
                "ratio = heap / body size)", heap / 1024, "KiB", "`cJSON_ParseWithLength`, same count", heap_ref / 1024,
                heap / body, ("<=", 3))]
    for lua_bin, label in (("lua5.4", "Lua 5.4"), ("luajit", "LuaJIT")):
        d = lua[lua_bin]
        rows.append(row(f"{label} decode ~300 KB to tables, `light.json.decode` (`bench/lua/decode.lua`; "
                        "ratio = light / peer time)", d["light_ms"], "ms", "`lua-cjson` `cjson.decode`",
                        d["cjson_ms"], d["light_ms"] / d["cjson_ms"], ("<=", 1.0)))
    body = mem["bytes"]
    for key, label, peer in (("python light", "Python", "python json.loads"), ("node light", "Node", "node JSON.parse"),
                             ("lua5.4 light", "Lua 5.4", "lua5.4 lua-cjson"), ("luajit light", "LuaJIT", "luajit lua-cjson")):
        v, p = mem["intervals"][key], mem["intervals"][peer]
        rows.append(row(f"{label} decode ~300 KB, peak RSS growth (`bench/memory.py`; ratio = growth / body size)",
                        v["delta"] / 1024, "KiB", f"`{peer.split(' ', 1)[1]}`, same measure", p["delta"] / 1024,
                        v["delta"] / body, ("<=", 3)))
    for key, label in (("python light", "Python"), ("node light", "Node"), ("lua5.4 light", "Lua 5.4"),
                       ("luajit light", "LuaJIT")):
        v = mem["zeros"][key]
        if "decoded-value limit" not in v["result"]:
            raise Failed(f"60 MiB of zeros in {label}: {v['result']!r}, not the too-large error")
        rows.append(row(f"{label} 60 MiB of `[0,0,…]` → too-large error (decoded-value limit), process peak RSS",
                        v["peak"] / 2**20, "MiB", target=("<=", 1024, "MiB")))
    return rows


def bench_emulator(quick: bool) -> list[dict]:
    # the emulator is the package light_sandbox in sandbox/
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT / "sandbox"), os.environ.get("PYTHONPATH")])))
    out = run("emulator", [sys.executable, "-m", "light_sandbox.bench", "--seconds", "2" if quick else "5",
                           "--connections", "4"], env)
    return rows_emulator(out)


def rows_emulator(out: str) -> list[dict]:
    rps = grab(r"^GET \S+: ([\d.]+) req/s", out, "emulator figure")
    return [row("Emulator, simple GETs over 4 keep-alive connections (`sandbox/light_sandbox/bench.py`)", rps, "req/s",
                target=(">=", 1000, "req/s"))]


STEPS = [
    ("c", "C webhook verify", bench_c_webhook),
    ("c", "C blocking transport", bench_c_transport),
    ("c", "C async engine", bench_c_async),
    ("python", "Python", bench_python),
    ("node", "Node", bench_node),
    ("lua", "Lua / nginx", bench_lua),
    ("decode", "Decode (C, Lua) and memory", bench_decode),
    ("emulator", "Emulator", bench_emulator),
]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="Run every benchmark and write bench/RESULTS.md")
    ap.add_argument("--quick", action="store_true", help="shorter runs (noisier); for trying the pipeline")
    ap.add_argument("--out", default=str(ROOT / "bench" / "RESULTS.md"))
    ap.add_argument("--only", help="comma-separated subset of: c,python,node,lua,decode,emulator")
    a = ap.parse_args(argv)
    only = set(a.only.split(",")) if a.only else None
    command = "make bench" if not argv and os.environ.get("MAKELEVEL") else \
        "python3 bench/run.py" + "".join(f" {shlex.quote(x)}" for x in (argv if argv is not None else sys.argv[1:]))
    start = time.time()
    load_start = os.getloadavg()[0]
    rows, failures = [], []
    for group, title, fn in STEPS:
        if only and group not in only:
            continue
        try:
            rows += fn(a.quick)
        except (Failed, OSError, KeyError, ValueError, subprocess.TimeoutExpired) as e:
            print(f"!!! {title}: {e}", flush=True)
            failures.append((title, str(e) or type(e).__name__))
    meta = {"date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "command": command, "duration_s": time.time() - start, "load_start": load_start,
            "load_end": os.getloadavg()[0], "quick": a.quick, "failures": failures}
    machine = machine_description()
    text = render_results(rows, machine, meta)
    pathlib.Path(a.out).write_text(text)
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "results.json").write_text(json.dumps({"rows": rows, "machine": machine, "meta": meta}, indent=2))
    print("\n" + render_table(rows))
    print(f"\nwrote {a.out}" + (f"; {len(failures)} benchmark(s) failed" if failures else ""))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
