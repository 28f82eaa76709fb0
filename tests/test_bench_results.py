"""bench/RESULTS.md (written by `make bench`) is present and well-formed, and
bench/run.py's parsers and table renderer work on canned benchmark output.
No timing assertion: figures are checked for shape and internal consistency
(the met? column agrees with the ratio and the target), never for speed."""
import importlib.util
import pathlib
import re

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "RESULTS.md"


def _load():
    spec = importlib.util.spec_from_file_location("light_bench_run", ROOT / "bench" / "run.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


bench = _load()

C_WEBHOOK = """webhook, 2048-byte body, OpenSSL OpenSSL 3.0.19 27 Jan 2026
light_webhook_verify 1 secret         2.000 us/op  (200000 iterations, best of 3)
light_webhook_verify 2 secrets        4.000 us/op  (200000 iterations, best of 3)
light_webhook_sign                    1.810 us/op  (200000 iterations, best of 3)
ref: HMAC() one-shot (MAC only)       3.000 us/op  (200000 iterations, best of 3)
ref: EVP_MAC fetch+init (MAC only)    4.000 us/op  (200000 iterations, best of 3)
"""
C_TRANSPORT = """blocking transport, 1 thread: 2000 requests in 0.099 s = 20204 req/s (49.5 us/req per thread)
blocking transport, 1 thread: 20000 requests in 1.000 s = 10000 req/s (100.0 us/req per thread)
blocking transport, 8 threads: 20000 requests in 0.800 s = 25000 req/s (320.0 us/req per thread)
bare libcurl + cJSON_Parse, 1 thread: 20000 requests in 2.000 s = 8000 req/s (125.0 us/req)
"""
C_ASYNC = """latency  : 10 ms added per request by the emulator
engine   : 1000 GETs, concurrency 64: 0.25 s, 4000 req/s, 0 failed
blocking : 1000 GETs, sequential light_call: 10.00 s, 100 req/s, 0 failed
speed-up : 40.00x
"""
EMULATOR = "GET /v1/app/accounts/x: 3000 req/s (9000 requests, 0 errors, 4 keep-alive connections, 3 s)\n"
PYTHON = {"results": {
    "light.Client": 6000.0, "requests.Session": 1000.0, "httpx.Client": 2000.0, "pycurl + json.loads": 8000.0,
    "light.Client 1 thread": 5000.0, "light.Client 8 threads": 9000.0,
    "webhook recipe hmac+compare_digest (us)": 4.0, "webhook light.verify_signature (us)": 2.001,
    "webhook recipe + json.loads (us)": 10.0, "webhook light.verify -> event (us)": 10.0,
    "decode json.loads (ms)": 1.0, "decode light (ms)": 2.0, "decode light parser alone, no objects (ms)": 0.25,
    "intervals wire bytes, identity": 300000, "intervals wire bytes, gzip": 30000}}
NODE = {"requests": 10000, "concurrency": 64,
        "http": {k: {"rps": v} for k, v in {"light-sdk": 9000.0, "fetch": 3000.0, "axios": 6000.0,
                                            "undici.request": 18000.0}.items()},
        "webhook": {"light-sdk webhooks.verify": 100000.0,
                    "recipe (createHmac + timingSafeEqual + JSON.parse)": 100000.0},
        "decode": {"bytes": 292489, "ms": {"light-sdk decode (validate + JSON.parse)": 1.1,
                                           "JSON.parse(buf.toString())": 1.0, "JSON.parse(string)": 0.8,
                                           "light-sdk Node-API builder": 2.5}}}
LUA = {"gateway": {"get_static": {"rps": 40000.0, "worker_cpu_us": 8.0, "non_2xx": 0},
                   "post_static": {"rps": 30000.0, "worker_cpu_us": 10.0, "non_2xx": 0},
                   "post_webhook": {"rps": 20000.0, "worker_cpu_us": 20.0, "non_2xx": 0}},
       "verify_us": {"luajit": {"webhooks.verify": 5.0, "webhooks.verify_signature": 2.0},
                     "lua5.4": {"webhooks.verify": 6.0, "webhooks.verify_signature": 2.5}}}


C_JSON = """json decode, 292489-byte document, best of 7 rounds of 200
light_json_to_cjson              0.900 ms/op
cJSON_ParseWithLength            1.000 ms/op
light_json_parse validate        0.200 ms/op
peak heap light_json_to_cjson   1002588 bytes (3.43x the body)
peak heap cJSON_ParseWithLength 1022758 bytes (3.50x the body)
"""
LUA_DECODE = {"lua5.4": {"runtime": "Lua 5.4", "bytes": 292489, "light_ms": 1.2, "cjson_ms": 1.5},
              "luajit": {"runtime": "LuaJIT 2.1", "bytes": 292489, "light_ms": 1.1, "cjson_ms": 1.0}}
_RES = {"delta": 800 * 1024, "peak": 120 * 2**20, "result": "JSON text holds more than 4194304 JSON values "
        "(the decoded-value limit)"}
MEMORY = {"bytes": 292489,
          "intervals": {k: dict(_RES) for k in ("python light", "python json.loads", "node light", "node JSON.parse",
                                                "lua5.4 light", "lua5.4 lua-cjson", "luajit light",
                                                "luajit lua-cjson")},
          "zeros": {k: dict(_RES) for k in ("python light", "node light", "lua5.4 light", "luajit light")}}


def canned_rows():
    return (bench.rows_c_webhook(C_WEBHOOK) + bench.rows_c_transport(C_TRANSPORT) + bench.rows_c_async(C_ASYNC)
            + bench.rows_python(PYTHON) + bench.rows_node(NODE) + bench.rows_lua(LUA)
            + bench.rows_decode(C_JSON, LUA_DECODE, MEMORY) + bench.rows_emulator(EMULATOR))


def table_rows(text):
    """The cells of every data row of the first markdown table in `text`."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("| benchmark |"))
    header = [c.strip() for c in lines[start].strip("|").split(" | ")]
    assert header == list(bench.COLUMNS), header
    assert re.fullmatch(r"\|(---\|){7}", lines[start + 1]), lines[start + 1]
    rows = []
    for line in lines[start + 2:]:
        if not line.startswith("|"):
            break
        cells = [c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]]
        assert len(cells) == 7, line
        rows.append(dict(zip(bench.COLUMNS, cells)))
    return rows


def check_consistent(row):
    """met? agrees with the ratio (or light figure) and the target as printed."""
    target, mark = row["target"], row["met?"]
    if target == "—":
        assert mark == "—", row
        return
    assert mark in ("✔", "✘"), row
    m = re.fullmatch(r"([≥≤]) ([\d,.]+)(×| (.+))", target)
    assert m, row
    value = float(m.group(2).replace(",", ""))
    if m.group(3) == "×":
        x = float(re.match(r"([\d.]+)×", row["ratio"]).group(1))
    else:
        x = float(re.match(r"([\d,.]+) ", row["light-sdk"]).group(1).replace(",", ""))
    ok = x >= value if m.group(1) == "≥" else x <= value
    # a ratio printed with 2-3 decimals may sit on the boundary; the renderer prints 3 then
    if abs(x - value) > 0.0015 * max(1, value):
        assert (mark == "✔") == ok, row


def test_parsers_and_renderer_on_canned_output():
    rows = canned_rows()
    by_name = {(r["benchmark"], r["peer"]): r for r in rows}
    c1 = by_name[("C webhook verify, 2 KB, 1 secret (`bench_webhook`; ratio = peer time / light time)",
                  "OpenSSL `HMAC()` one-shot, MAC only")]
    assert c1["light"] == 2.0 and c1["peer_value"] == 3.0 and c1["ratio"] == pytest.approx(1.5)
    t1 = [r for r in rows if r["benchmark"].startswith("C blocking transport, static nginx")][0]
    assert t1["light"] == 10000 and t1["peer_value"] == 8000  # the warm-up line is not the figure
    assert [r for r in rows if "10 ms server latency" in r["benchmark"]][0]["ratio"] == pytest.approx(40)
    py = [r for r in rows if r["peer"] == "`requests.Session`"][0]
    assert py["ratio"] == pytest.approx(6) and py["met"] == "✔"
    assert [r for r in rows if r["peer"] == "raw `pycurl` + `json.loads`"][0]["met"] == "✘"  # 0.75 < 0.85
    decode = [r for r in rows if r["benchmark"].startswith("Python decode")][0]
    assert decode["ratio"] == pytest.approx(2) and decode["met"] == "✘"  # target ≤ 0.8
    wire = [r for r in rows if r["benchmark"].startswith("Bytes on the wire")][0]
    assert wire["ratio"] == pytest.approx(10) and wire["met"] == "—"
    cj = [r for r in rows if r["benchmark"].startswith("C decode")][0]
    assert cj["ratio"] == pytest.approx(0.9) and cj["met"] == "✔"
    ch = [r for r in rows if r["benchmark"].startswith("C decode ~300 KB, peak heap")][0]
    assert ch["ratio"] == pytest.approx(1002588 / 292489) and ch["met"] == "✘"  # target ≤ 3
    jit = [r for r in rows if r["benchmark"].startswith("LuaJIT decode ~300 KB to tables")][0]
    assert jit["ratio"] == pytest.approx(1.1) and jit["met"] == "✘"
    mem = [r for r in rows if "peak RSS growth" in r["benchmark"]]
    assert len(mem) == 4 and all(r["ratio"] == pytest.approx(800 * 1024 / 292489) and r["met"] == "✔" for r in mem)
    zeros = [r for r in rows if "60 MiB" in r["benchmark"]]
    assert len(zeros) == 4 and all(r["light"] == 120 and r["met"] == "✔" for r in zeros)
    assert [r for r in rows if r["peer"] == "`axios` (keep-alive agent)"][0]["met"] == "✔"
    assert [r for r in rows if "undici" in (r["peer"] or "")][0]["met"] == "—"  # no target
    emu = rows[-1]
    assert emu["light"] == 3000 and emu["met"] == "✔" and emu["target"] == [">=", 1000, "req/s"]

    machine = [("CPU", "Test CPU"), ("cores", "2"), ("RAM", "1.0 GiB")]
    meta = {"date": "2026-01-01 00:00 UTC", "command": "make bench", "duration_s": 12.0, "load_start": 0.5,
            "load_end": 1.25, "quick": False, "failures": [("Node", "exit 1 (log: bench/out/node.log)")]}
    text = bench.render_results(rows, machine, meta)
    cells = table_rows(text)
    assert len(cells) == len(rows)
    for r in cells:
        check_consistent(r)
    sig = [r for r in cells if r["benchmark"].startswith("Python webhook verify 2 KB, signature only")][0]
    assert sig["ratio"] == "1.999×" and sig["met?"] == "✘"  # 4.0 / 2.001 would round to "2.00×": 3 decimals
    assert "| 10,000 req/s |" in text and "| ≥ 1,000 req/s | ✔ |" in text
    assert "- load average (1 min) at start / end: 0.50 / 1.25" in text
    assert "- command: `make bench`" in text and "- CPU: Test CPU" in text
    assert "## Benchmarks that failed in this run" in text and "- Node: exit 1" in text
    met = [r for r in rows if r["met"] in ("✔", "✘")]
    assert f"Targets met: {sum(r['met'] == '✔' for r in met)} of {len(met)}." in text


def test_parsers_refuse_output_without_figures():
    with pytest.raises(bench.Failed):
        bench.rows_c_webhook("light_webhook_verify 1 secret crashed\n")
    with pytest.raises(bench.Failed):
        bench.rows_c_transport(C_TRANSPORT.splitlines()[0] + "\n")  # only the warm-up line
    bad = {"gateway": dict(LUA["gateway"], post_webhook=dict(LUA["gateway"]["post_webhook"], non_2xx=3)),
           "verify_us": LUA["verify_us"]}
    with pytest.raises(bench.Failed):
        bench.rows_lua(bad)
    not_refused = dict(MEMORY, zeros=dict(MEMORY["zeros"], **{"node light": dict(_RES, result="ok")}))
    with pytest.raises(bench.Failed):
        bench.rows_decode(C_JSON, LUA_DECODE, not_refused)


def test_results_md_is_well_formed():
    assert RESULTS.exists(), "bench/RESULTS.md missing: run `make bench`"
    text = RESULTS.read_text()
    assert text.startswith("# Benchmark results\n")
    assert re.search(r"^- date: \d{4}-\d\d-\d\d \d\d:\d\d UTC$", text, re.M)
    assert re.search(r"^- command: `(make bench|python3 bench/run\.py[^`]*)`$", text, re.M)
    assert re.search(r"^- load average \(1 min\) at start / end: [\d.]+ / [\d.]+", text, re.M)
    rows = table_rows(text)
    names = " ".join(r["benchmark"] for r in rows)
    for needed in ("C webhook verify", "C blocking transport", "C async engine", "Python", "Node", "nginx gateway",
                   "LuaJIT", "Lua 5.4"):
        assert needed in names, f"RESULTS.md has no {needed} row"
    for r in rows:
        assert re.fullmatch(r"[\d,.]+ \S+", r["light-sdk"]), r
        if r["peer"] != "—":
            assert re.fullmatch(r"[\d,.]+ \S+", r["peer figure"]) and re.match(r"[\d.]+×", r["ratio"]), r
        check_consistent(r)
    targets = [r for r in rows if r["target"] != "—"]
    assert len(targets) >= 10, "the targets of bench/README.md are missing"
    assert re.search(rf"^Targets met: {sum(r['met?'] == '✔' for r in targets)} of {len(targets)}\.$", text, re.M)
    assert "## Machine" in text
    for key in ("CPU", "cores", "RAM", "OS", "kernel", "python", "node", "lua", "luajit", "nginx", "libcurl"):
        assert re.search(rf"^- {key}: \S", text, re.M), f"machine description lacks {key}"
    assert "Quick run" not in text, "commit the figures of a full `make bench`, not of --quick"
