#!/usr/bin/env python3
"""Python benchmark of issue 5 (not a test): one command, one machine, one run.

    python bench/python/bench.py [--seconds 3] [--build DIR] [--json FILE]

Starts nginx (Debian's) on a free loopback port serving a fixed ~1 KB JSON
with keep-alive, then measures requests/s of light.Client, requests.Session,
httpx.Client and raw pycurl + json.loads (same URL, same run), 8 threads on
one light.Client vs one thread, webhook verification of a 2 KB body against
the docs' hmac recipe, and decoding a ~300 KB usage-intervals document to
Python objects against json.loads. Installs requests, httpx and pycurl with
pip when missing. Prints a table and the ratios against the targets.
"""
from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import os
import pathlib
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import timeit

REPO = pathlib.Path(__file__).resolve().parents[2]
PEERS = {"requests": "requests", "httpx": "httpx", "pycurl": "pycurl"}


def ensure_peers() -> None:
    missing = []
    for mod, pkg in PEERS.items():
        try:
            __import__(mod)
        except ImportError:
            missing.append(pkg)
    if missing:
        print(f"bench: pip install {' '.join(missing)}", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", *missing], check=True)


def body_1k() -> bytes:
    acct = {"uuid": "8cb12f49-3399-49c3-8cac-9d37148ebd22", "account_number": "1000001", "email": "ada@example.com",
            "first_name": "Ada", "last_name": "Lovelace", "phone_number": "214-555-0100",
            "date_of_birth": "1985-12-10", "created_at": "2026-11-23T08:04:27Z", "status": "active",
            "status_reason": "active",
            "enrollment": {"has_accepted_plan": True, "has_payment_method": True, "is_identity_verified": True,
                           "is_billing_address_confirmed": True, "is_enrollment_finalized": True,
                           "finalized_at": "2026-11-23T08:05:00Z", "can_finalize_enrollment": False,
                           "is_service_active": True},
            "app": {"uuid": "4a7fd651-fd11-41d0-a5ac-fc035191c952", "name": "Sandbox App"},
            "locations": [{"uuid": "0f6d3c1e-8f55-4a7e-9f5a-3d1c2b4a5e6f", "esi_id": "10443720000000001",
                           "address_1": "456 Elm St", "city": "Dallas", "state": "TX", "postal_code": "75202",
                           "is_service_active": True, "has_usage_history": True}],
            "client_agent_accepted": False, "renewals_url": None, "balance_dollars": "123.45"}
    b = json.dumps(acct).encode()
    pad = 1024 - len(b) - len(', "note": ""')
    acct["note"] = "x" * max(pad, 0)
    return json.dumps(acct).encode()


def intervals_300k() -> bytes:
    import datetime as dt
    start = dt.datetime(2026, 1, 1)
    rows = []
    for i in range(21 * 96):  # three weeks of 15-minute rows: ~300 KB
        t = start + dt.timedelta(minutes=15 * i)
        rows.append({"start": t.isoformat() + "-06:00", "end": (t + dt.timedelta(minutes=15)).isoformat() + "-06:00",
                     "date": t.date().isoformat(), "consumption": f"{(i * 37 % 900) / 1000:.3f}",
                     "generation": "0.000"})
    doc = {"location_uuid": "0f6d3c1e-8f55-4a7e-9f5a-3d1c2b4a5e6f", "month": 1, "year": 2026,
           "interval_minutes": 15, "timezone": "America/Chicago", "units": "kWh", "intervals": rows}
    return json.dumps(doc).encode()


class Nginx:
    def __init__(self, body: bytes, gzip: bool = False) -> None:
        self.dir = tempfile.mkdtemp(prefix="light-bench-nginx-")
        os.chmod(self.dir, 0o755)
        (pathlib.Path(self.dir) / "body.json").write_bytes(body)
        os.chmod(pathlib.Path(self.dir) / "body.json", 0o644)
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        d = self.dir
        conf = f"""
worker_processes 1;
daemon off;
pid {d}/nginx.pid;
error_log {d}/error.log warn;
events {{ worker_connections 1024; }}
http {{
  access_log off;
  {"gzip on; gzip_comp_level 6; gzip_min_length 1024; gzip_types application/json;" if gzip else ""}
  keepalive_requests 10000000;
  keepalive_timeout 300s;
  client_body_temp_path {d}/b; proxy_temp_path {d}/p; fastcgi_temp_path {d}/f; uwsgi_temp_path {d}/u;
  scgi_temp_path {d}/s;
  server {{
    listen 127.0.0.1:{self.port};
    root {d};
    location / {{ default_type application/json; try_files /body.json =404; }}
  }}
}}
"""
        (pathlib.Path(d) / "nginx.conf").write_text(conf)
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        self.proc = subprocess.Popen([nginx, "-p", d, "-c", f"{d}/nginx.conf"], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), 0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        else:
            self.stop()
            raise RuntimeError("nginx did not start: " + (pathlib.Path(d) / "error.log").read_text())
        self.url = f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        shutil.rmtree(self.dir, ignore_errors=True)


def rate(fn, seconds: float, warmup: int = 200) -> float:
    for _ in range(warmup):
        fn()
    n = 0
    t0 = time.perf_counter()
    end = t0 + seconds
    while True:
        for _ in range(50):
            fn()
        n += 50
        now = time.perf_counter()
        if now >= end:
            return n / (now - t0)


def interleaved(fns: dict, rounds: int, seconds: float) -> dict:
    """Median rate of each function over `rounds` rounds, measured in turn (so
    that background load on a shared machine hits every contender alike)."""
    samples: dict = {k: [] for k in fns}
    for r in range(rounds):
        order = list(fns.items())
        if r % 2:
            order.reverse()
        for name, fn in order:
            samples[name].append(fn(seconds))
    return {k: sorted(v)[len(v) // 2] for k, v in samples.items()}


def threaded_rate(fn, threads: int, seconds: float) -> float:
    for _ in range(200):
        fn()
    counts = [0] * threads
    start = threading.Barrier(threads + 1)
    stop = threading.Event()

    def work(i: int) -> None:
        start.wait()
        c = 0
        while not stop.is_set():
            fn()
            c += 1
        counts[i] = c

    ts = [threading.Thread(target=work, args=(i,)) for i in range(threads)]
    for t in ts:
        t.start()
    start.wait()
    t0 = time.perf_counter()
    time.sleep(seconds)
    stop.set()
    for t in ts:
        t.join()
    return sum(counts) / (time.perf_counter() - t0)


def per_call(fns: dict, rounds: int = 7, timer=time.perf_counter) -> dict:
    """Seconds per call of each function: best of `rounds` interleaved timeit runs of ~0.2 s."""
    timers = {k: timeit.Timer(f, timer=timer) for k, f in fns.items()}
    numbers = {k: t.autorange()[0] for k, t in timers.items()}
    best = {k: float("inf") for k in fns}
    for _ in range(rounds):
        for k, t in timers.items():
            best[k] = min(best[k], t.timeit(numbers[k]) / numbers[k])
    return best


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=4.0, help="measuring time per HTTP client (all rounds)")
    ap.add_argument("--rounds", type=int, default=5, help="interleaved rounds (the median is reported)")
    ap.add_argument("--build", default=os.environ.get("LIGHT_BUILD_DIR", str(REPO / "build")))
    ap.add_argument("--json", default=str(REPO / "bench" / "out" / "python.json"))
    args = ap.parse_args()
    ensure_peers()
    sys.path[:0] = [str(pathlib.Path(args.build).resolve() / "python"), str(REPO / "python")]
    import io

    import httpx
    import pycurl
    import requests

    import light
    from light import _light

    res: dict = {}
    body = body_1k()
    srv = Nginx(body)
    try:
        url = srv.url + "/v1/app/accounts/8cb12f49-3399-49c3-8cac-9d37148ebd22"
        token = "app_bench_token"
        auth = {"Authorization": f"Bearer {token}"}

        lc = light.Client(token, base_url=srv.url)
        uuid = "8cb12f49-3399-49c3-8cac-9d37148ebd22"
        assert lc.accounts.retrieve(uuid).email == "ada@example.com"
        s = requests.Session()
        hc = httpx.Client()
        cu = pycurl.Curl()
        cu.setopt(pycurl.URL, url)
        cu.setopt(pycurl.HTTPHEADER, [f"Authorization: Bearer {token}", "Accept: application/json"])

        def curl_get():
            buf = io.BytesIO()
            cu.setopt(pycurl.WRITEDATA, buf)
            cu.perform()
            return json.loads(buf.getvalue())

        assert curl_get()["email"] == "ada@example.com"
        assert s.get(url, headers=auth).json()["email"] == hc.get(url, headers=auth).json()["email"]
        per = args.seconds / args.rounds
        res.update(interleaved({
            "light.Client": lambda t: rate(lambda: lc.accounts.retrieve(uuid), t),
            "light.Client.request (raw)": lambda t: rate(lambda: lc.request("GET", f"/v1/app/accounts/{uuid}"), t),
            "requests.Session": lambda t: rate(lambda: s.get(url, headers=auth).json(), t),
            "httpx.Client": lambda t: rate(lambda: hc.get(url, headers=auth).json(), t),
            "pycurl + json.loads": lambda t: rate(curl_get, t),
        }, args.rounds, per))
        res.update(interleaved({
            "light.Client 1 thread": lambda t: threaded_rate(lambda: lc.accounts.retrieve(uuid), 1, t),
            "light.Client 8 threads": lambda t: threaded_rate(lambda: lc.accounts.retrieve(uuid), 8, t),
        }, args.rounds, per))
        lc.close()
    finally:
        srv.stop()

    # ---- webhooks ----
    secret = "whsec_bench_secret_0123456789abcdef"
    event = {"uuid": "evt_1", "created_at": "2026-01-01T00:00:00Z", "api_version": "2024-06-01",
             "event": "account.invoice_sent", "data": {"account": {"uuid": "a1"}, "invoice": {"lines": []}}}
    event["data"]["invoice"]["lines"] = [{"description": f"Energy charge {i}", "amount": f"{i}.25"}
                                         for i in range(30)]
    event["data"]["note"] = ""
    event["data"]["note"] = "x" * (2048 - len(json.dumps(event).encode()))
    payload = json.dumps(event).encode()
    assert len(payload) == 2048, len(payload)
    sig = light.webhooks.sign(payload, secret)
    key = secret.encode()

    def recipe_sig(p=payload, h=sig):
        ts, mac = h.split(".", 1)
        expected = hmac.new(key, ts.encode() + b"." + p, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, mac) or abs(time.time() - int(ts)) > 3600:
            raise ValueError("bad signature")

    def recipe_event(p=payload, h=sig):
        recipe_sig(p, h)
        return json.loads(p)

    verify_sig = light.webhooks.verify_signature
    verify = light.webhooks.verify
    res["webhook payload bytes"] = len(payload)
    w = per_call(timer=time.process_time, fns={
        "webhook recipe hmac+compare_digest (us)": recipe_sig,
        "webhook light.verify_signature (us)": lambda: verify_sig(payload, sig, secret),
        "webhook recipe + json.loads (us)": recipe_event,
        "webhook light.verify -> event (us)": lambda: verify(payload, sig, secret),
    })
    res.update({k: v * 1e6 for k, v in w.items()})

    # ---- decode ----
    doc = intervals_300k()
    res["intervals document bytes"] = len(doc)
    assert _light._decode(doc) == json.loads(doc)
    d = per_call({
        "decode json.loads (ms)": lambda: json.loads(doc),
        "decode light (ms)": lambda: _light._decode(doc),
        "decode light parser alone, no objects (ms)": lambda: _light._validate(doc),
    }, rounds=11, timer=time.process_time)  # CPU time: steadier on a shared machine
    res.update({k: v * 1e3 for k, v in d.items()})

    # ---- bytes on the wire for the intervals body: identity vs gzip (nginx gzip_comp_level 6) ----
    gz = Nginx(doc, gzip=True)
    try:
        for enc, key in ((None, "intervals wire bytes, identity"), ("gzip", "intervals wire bytes, gzip")):
            c = pycurl.Curl()
            c.setopt(pycurl.URL, gz.url + "/v1/app/accounts/x")
            if enc:
                c.setopt(pycurl.ACCEPT_ENCODING, enc)
            buf = io.BytesIO()
            c.setopt(pycurl.WRITEDATA, buf)
            c.perform()
            assert json.loads(buf.getvalue()) == json.loads(doc)
            res[key] = int(c.getinfo(pycurl.SIZE_DOWNLOAD_T) + c.getinfo(pycurl.HEADER_SIZE))
            c.close()
        gc = light.Client("app_bench_token", base_url=gz.url)
        assert gc.request("GET", "/v1/app/accounts/x").to_dict() == json.loads(doc)  # light asks for gzip, decodes
        gc.close()
    finally:
        gz.stop()

    ratios = {
        "light / requests (target >= 3)": res["light.Client"] / res["requests.Session"],
        "light / httpx (target >= 2)": res["light.Client"] / res["httpx.Client"],
        "light / pycurl (target >= 0.85)": res["light.Client"] / res["pycurl + json.loads"],
        "8 threads / 1 thread (target >= 1.6)": res["light.Client 8 threads"] / res["light.Client 1 thread"],
        "verify_signature vs recipe speed-up (target >= 2)":
            res["webhook recipe hmac+compare_digest (us)"] / res["webhook light.verify_signature (us)"],
        "verify->event vs recipe+json.loads speed-up":
            res["webhook recipe + json.loads (us)"] / res["webhook light.verify -> event (us)"],
        "decode light / json.loads (target <= 0.8)": res["decode light (ms)"] / res["decode json.loads (ms)"],
        "decode light parser alone / json.loads":
            res["decode light parser alone, no objects (ms)"] / res["decode json.loads (ms)"],
        "intervals wire bytes gzip / identity":
            res["intervals wire bytes, gzip"] / res["intervals wire bytes, identity"],
    }
    print(f"Python {sys.version.split()[0]}, light core {light.core_version}, {os.cpu_count()} CPUs, "
          f"nginx keep-alive, {args.seconds:g} s per client in {args.rounds} interleaved rounds (median)")
    for k, v in res.items():
        unit = " req/s" if isinstance(v, float) and "(" not in k and "bytes" not in k else ""
        print(f"  {k:48s} {v:12.1f}{unit}" if isinstance(v, float) else f"  {k:48s} {v:12d}")
    print("ratios:")
    for k, v in ratios.items():
        print(f"  {k:55s} {v:6.2f}")
    out = pathlib.Path(args.json)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"results": res, "ratios": ratios}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
