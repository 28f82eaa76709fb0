#!/usr/bin/env python3
"""Peak memory of decoding, per language, each in a fresh process (not a test).

    python3 bench/memory.py --doc FILE [--build DIR] [--json OUT]

For the ~300 KB usage-intervals body: the growth of the process's peak RSS
(VmHWM) across one decode that keeps its result, in Python (light._light
_decode; json.loads for comparison), Node (the addon's _decode; JSON.parse),
Lua 5.4 and LuaJIT (light.core json_decode; lua-cjson) and C (cJSON tree
via light_json_to_cjson, bench_json's heap count). Target: below 3x the body.
For 60 MiB of [0,0,...] (31.5 M values, under the 64 MiB wire cap): the
whole process's peak RSS while each language's decode refuses it with the
too-large error (decoded-value limit). Target: below 1 GiB.
"""
import argparse
import json
import os
import pathlib
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parents[1]

HWM = """def hwm():
    for line in open('/proc/self/status'):
        if line.startswith('VmHWM:'):
            return int(line.split()[1]) * 1024
"""

PY = HWM + """
import sys, json
sys.path[:0] = [sys.argv[1], sys.argv[2]]
from light import _light
import light
doc = open(sys.argv[3], 'rb').read()
mode = sys.argv[4]
fn = {'light': _light._decode, 'json.loads': json.loads}[mode]
fn(b'{"warm": [1, "x"]}')
before = hwm()
try:
    v = fn(doc)
    res = 'ok'
except (light.LightError, ValueError) as e:
    res = str(e)
print(json.dumps({'delta': hwm() - before, 'peak': hwm(), 'result': res}))
"""

NODE = """
const fs = require('fs');
const addon = require(process.argv[1]);
const hwm = () => Number(/VmHWM:\\s+(\\d+)/.exec(fs.readFileSync('/proc/self/status', 'utf8'))[1]) * 1024;
const doc = fs.readFileSync(process.argv[2]);
const fn = process.argv[3] === 'light' ? (b) => addon._decode(b) : (b) => JSON.parse(b.toString());
fn(Buffer.from('{"warm":[1,"x"]}'));
const before = hwm();
let res = 'ok', v;
try { v = fn(doc); } catch (e) { res = String(e.message); }
console.log(JSON.stringify({ delta: hwm() - before, peak: hwm(), result: res }));
"""

LUA = """
local core = require "light.core"
local cjson = require "cjson"
local function hwm()
  for line in io.lines("/proc/self/status") do
    local kb = line:match("^VmHWM:%s+(%d+)")
    if kb then return tonumber(kb) * 1024 end
  end
end
local f = assert(io.open(arg[1], "rb")); local doc = f:read("*a"); f:close()
local fn = arg[2] == "light" and core.json_decode or function(s) return cjson.decode(s) end
fn('{"warm":[1,"x"]}')
collectgarbage("collect")
local before = hwm()
local ok, v, err = pcall(fn, doc)
local res = ok and (v ~= nil and "ok" or tostring(err and err.message)) or tostring(v)
print(string.format('{"delta": %d, "peak": %d, "result": %q}', hwm() - before, hwm(), res))
"""


def run(cmd, env=None):
    p = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=600)
    if p.returncode:
        raise SystemExit(f"{cmd[0]} failed: {p.stdout[-2000:]}{p.stderr[-2000:]}")
    return json.loads(p.stdout.strip().splitlines()[-1])


def measure(build, doc):
    out = {}
    py = [sys.executable, "-c", PY, str(build / "python"), str(ROOT / "python"), str(doc)]
    out["python light"] = run(py + ["light"])
    out["python json.loads"] = run(py + ["json.loads"])
    addon = str(ROOT / "node" / "build" / "light.node")
    out["node light"] = run(["node", "-e", NODE, addon, str(doc), "light"])
    out["node JSON.parse"] = run(["node", "-e", NODE, addon, str(doc), "JSON.parse"])
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(LUA)
    try:
        for lua, flavour in (("lua5.4", "5.4"), ("luajit", "jit")):
            env = dict(os.environ, LUA_CPATH=f"{build}/lua/{flavour}/?.so;;", LUA_PATH=f"{ROOT}/lua/?.lua;;")
            out[f"{lua} light"] = run([lua, f.name, str(doc), "light"], env)
            out[f"{lua} lua-cjson"] = run([lua, f.name, str(doc), "cjson"], env)
    finally:
        os.unlink(f.name)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--doc", required=True)
    ap.add_argument("--build", default=os.environ.get("LIGHT_BUILD_DIR", str(ROOT / "build")))
    ap.add_argument("--json")
    a = ap.parse_args()
    build = pathlib.Path(a.build).resolve()
    doc = pathlib.Path(a.doc)
    res = {"bytes": doc.stat().st_size, "intervals": measure(build, doc)}
    with tempfile.TemporaryDirectory() as d:
        zeros = pathlib.Path(d) / "zeros.json"
        with open(zeros, "wb") as f:
            f.write(b"[" + b"0," * (30 * 1024 * 1024 - 1) + b"0]")
        res["zeros_bytes"] = zeros.stat().st_size
        res["zeros"] = {k: v for k, v in measure(build, zeros).items() if k.endswith(" light")}
    for k, v in res["intervals"].items():
        print(f"300 KB intervals, {k:20s} peak RSS growth {v['delta'] / 1024:9.0f} KiB "
              f"({v['delta'] / res['bytes']:.2f}x the body)  {v['result'][:40]}")
    for k, v in res["zeros"].items():
        print(f"60 MiB of zeros, {k:20s} process peak RSS {v['peak'] / 2**20:7.0f} MiB  {v['result'][:90]}")
    if a.json:
        pathlib.Path(a.json).write_text(json.dumps(res, indent=2))


if __name__ == "__main__":
    main()
