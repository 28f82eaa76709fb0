"""Response bytes → Python values (bindings/python/decode.c over the core's
parser), compressed responses, and memory bounds.

- differential against json.loads on generated documents (accept/reject and
  values; the documented differences are checked to be exactly those);
- the emulator answers gzip when asked and the client asks for it; values are
  the same either way;
- a gzip bomb under max_response_bytes gives the too-large error with memory
  bounded (measured in a fresh interpreter);
- 60 MB of [0,0,...] gives the too-large error (decoded-value limit) with
  peak RSS < 1 GB (issue 14 item 6).
"""
import gzip
import http.client
import json
import math
import os
import random
import subprocess
import sys
import textwrap

import pytest

import light
from light import _light

from .conftest import EXT_DIR, REPO, new_account

MAX_SAFE = 2 ** 53 - 1


def _atoms(rng):
    return rng.choice([
        "null", "true", "false", "0", "-0", "1", "-1", "12.5", "-0.0", "1e3", "1E-7", "2.5e+300",
        str(MAX_SAFE), str(-MAX_SAFE), str(MAX_SAFE + 1), "123456789012345678901234567890", "1e400",
        '""', '"a"', '"12.34"', '"\\u0000x"', '"\\ud83d\\ude00"', '"\\ud800"', '"\\udc00x"', '"\\n\\t\\"\\\\\\/"',
        '"é€😀"', '"\\u00e9"', "NaN", "Infinity", "-Infinity", "01", "1.", ".5", "+1", '"\x01"', "tru", "nul",
    ])


def _doc(rng, depth=0):
    r = rng.random()
    if depth > 4 or r < 0.4:
        return _atoms(rng)
    n = rng.randrange(0, 5)
    if r < 0.7:
        return "[" + ",".join(_doc(rng, depth + 1) for _ in range(n)) + "]"
    keys = ['"a"', '"b"', '"data"', '"a"', '"\\u0000k"', '"é"']
    return "{" + ",".join(f"{rng.choice(keys)}:{_doc(rng, depth + 1)}" for _ in range(n)) + "}"


def _mutate(rng, s):
    b = bytearray(s.encode())
    for _ in range(rng.randrange(0, 3)):
        op = rng.random()
        i = rng.randrange(0, len(b) + 1)
        if op < 0.4 and b:
            del b[min(i, len(b) - 1)]
        elif op < 0.8:
            b[i:i] = bytes([rng.choice(b'[]{},:"\\ 0e.-\xff\xc3')])
        elif b:
            b[min(i, len(b) - 1)] = rng.randrange(256)
    return bytes(b)


def _walk(v):
    yield v
    if isinstance(v, list):
        for x in v:
            yield from _walk(x)
    elif isinstance(v, dict):
        for k, x in v.items():
            yield k
            yield from _walk(x)


def _explains(exc_text, text):
    """json.loads accepted what we refused: only for the documented rules
    (every member counted, duplicates included)."""
    vals = list(_walk(json.loads(text, object_pairs_hook=lambda pairs: [x for kv in pairs for x in kv])))
    if "cannot be held exactly" in exc_text:
        return any(isinstance(v, int) and not isinstance(v, bool) and abs(v) > MAX_SAFE for v in vals) or \
            any(isinstance(v, float) and math.isinf(v) for v in vals)
    if "lone surrogate" in exc_text:
        return any(isinstance(v, str) and any(0xD800 <= ord(c) <= 0xDFFF for c in v) for v in vals)
    if "not valid JSON (at byte" in exc_text:  # NaN / Infinity literals, which json.loads takes
        return any(isinstance(v, float) and (math.isnan(v) or math.isinf(v)) for v in vals)
    return False


def test_differential_against_json_loads():
    rng = random.Random(1234)
    agreed = refused_both = explained = 0
    for i in range(40000):
        text = _doc(rng).encode() if i % 2 else _mutate(rng, _doc(rng))
        try:
            ref = json.loads(text)
            ref_ok = True
        except (ValueError, RecursionError):
            ref_ok = False
        try:
            mine = _light._decode(text) if text else None
            ok = bool(text)
        except light.LightError as e:
            ok, err = False, str(e)
        if ok:
            assert ref_ok, text  # never laxer than json.loads
            assert mine == ref and type(mine) is type(ref), text
            agreed += 1
        elif ref_ok:
            assert _explains(err, text), (text, err)
            explained += 1
        else:
            refused_both += 1
    assert agreed > 5000 and refused_both > 5000 and explained > 500, (agreed, refused_both, explained)


def test_values_exact():
    v = _light._decode(b'{"s":"before\\u0000after","k\\u0000":1,"i":9007199254740991,"m":"12.50","f":0.1}')
    assert v["s"] == "before\x00after" and v["k\x00"] == 1
    assert v["i"] == MAX_SAFE and type(v["i"]) is int
    assert v["m"] == "12.50" and v["f"] == 0.1
    with pytest.raises(light.APIResponseValidationError, match="cannot be held exactly at byte 1 of 18"):
        _light._decode(b"[9007199254740992]")
    with pytest.raises(light.APIResponseValidationError, match="invalid UTF-8 at byte 2 of 5"):
        _light._decode(b'["\xff"]')


def _raw_get(sb, path, gz):
    conn = http.client.HTTPConnection(sb.base_url.split("//")[1])
    hdrs = {"Authorization": f"Bearer {sb.app_token}"}
    if gz:
        hdrs["Accept-Encoding"] = "gzip"
    conn.request("GET", path, headers=hdrs)
    r = conn.getresponse()
    body = r.read()
    conn.close()
    return r, body


def test_emulator_answers_gzip_and_the_client_asks(sb, client):
    for _ in range(12):
        new_account(client)
    plain_r, plain = _raw_get(sb, "/v1/app/accounts?limit=50", False)
    gz_r, gz = _raw_get(sb, "/v1/app/accounts?limit=50", True)
    assert plain_r.getheader("Content-Encoding") is None and len(plain) >= 1024
    assert gz_r.getheader("Content-Encoding") == "gzip" and gz_r.getheader("Vary") == "Accept-Encoding"
    assert len(gz) < len(plain) and json.loads(gzip.decompress(gz)) == json.loads(plain)
    sb.clear_journal()
    page = client.request("GET", "/v1/app/accounts", query={"limit": 50})
    assert page.to_dict() == json.loads(plain)  # decoded from the gzip answer
    sent = [e for e in sb.journal() if e["path"] == "/v1/app/accounts"]
    assert sent and {k.lower(): v for k, v in sent[-1]["headers"].items()}.get("accept-encoding") == "gzip", sent


BOMB = textwrap.dedent("""
    import gzip, http.server, json, resource, sys, threading
    sys.path[:0] = [sys.argv[1], sys.argv[2]]
    import light
    import zlib
    decoded = 256 * 1024 * 1024  # 256 MiB of zeros inside a JSON string, ~250 KB compressed,
    co = zlib.compressobj(9, zlib.DEFLATED, 31)  # built in chunks so the baseline peak stays small
    chunk = b"0" * (1 << 20)
    z = co.compress(b'{"a":"') + b"".join(co.compress(chunk) for _ in range(decoded >> 20)) + co.compress(b'"}')
    z += co.flush()

    class H(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Encoding", "gzip")
            self.send_header("Content-Length", str(len(z)))
            self.end_headers()
            self.wfile.write(z)
        def log_message(self, *a):
            pass

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    c = light.Client("app_x", base_url=f"http://127.0.0.1:{srv.server_address[1]}", max_response_bytes=8 << 20,
                     max_retries=0)
    try:
        c.request("GET", "/v1/app/accounts")
        print("NO ERROR")
    except light.LightError as e:
        print(type(e).__name__, str(e))
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print("peak_delta_kb", after - before, "baseline_kb", before, "compressed", len(z))
    srv.shutdown()
""")


def test_gzip_bomb_is_too_large_with_memory_bounded(tmp_path):
    script = tmp_path / "bomb.py"
    script.write_text(BOMB)
    out = subprocess.run([sys.executable, str(script), str(EXT_DIR), str(REPO / "python")], capture_output=True,
                         text=True, timeout=300).stdout
    assert "over max_response_bytes" in out, out
    delta_kb = int(out.split("peak_delta_kb")[1].split()[0])
    assert delta_kb < 64 * 1024, out  # 256 MiB decoded; the cap is 8 MiB


ZEROS = textwrap.dedent("""
    import http.server, resource, sys, threading
    sys.path[:0] = [sys.argv[1], sys.argv[2]]
    import light
    from light import _light
    body = b"[" + b"0," * (30 * 1024 * 1024 - 1) + b"0]"  # 60 MiB, 31.5 M values, under the 64 MiB wire cap

    class H(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        def log_message(self, *a):
            pass

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    c = light.Client("app_x", base_url=f"http://127.0.0.1:{srv.server_address[1]}", max_retries=0)
    for what, fn in (("call", lambda: c.request("GET", "/v1/app/accounts")), ("decode", lambda: _light._decode(body))):
        try:
            fn()
            print(what, "NO ERROR")
        except light.LightError as e:
            print(what, type(e).__name__, str(e))
    print("peak_kb", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
    srv.shutdown()
""")


def test_60_mb_of_zeros_is_too_large_below_1_gb():
    """issue 14 item 6: the call (validated by the exchange before any object
    exists) and a direct decode both stop at the decoded-value limit."""
    out = subprocess.run([sys.executable, "-c", ZEROS, str(EXT_DIR), str(REPO / "python")], capture_output=True,
                         text=True, timeout=300).stdout
    lines = dict(line.split(" ", 1) for line in out.splitlines())
    for what in ("call", "decode"):
        assert lines[what].startswith("LightError ") and \
            "holds more than 4194304 JSON values (the decoded-value limit)" in lines[what], out
    peak_kb = int(out.split("peak_kb")[1].split()[0])
    assert peak_kb < 1024 * 1024, out
