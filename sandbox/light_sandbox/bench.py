"""Throughput of simple GETs against the emulator over keep-alive connections.

    python -m light_sandbox.bench [--seconds 3] [--connections 4] [--path /v1/app/accounts/{uuid}]

Starts its own emulator (rate limits off) unless --url/--token are given, and
prints requests per second. Stdlib only."""
import argparse
import http.client
import json
import threading
import time
import urllib.parse


def run(base_url, token, path, seconds=3.0, connections=4):
    u = urllib.parse.urlsplit(base_url)
    counts = [0] * connections
    errors = [0] * connections
    stop = time.monotonic() + seconds
    headers = {"Authorization": f"Bearer {token}"}

    def worker(i):
        conn = http.client.HTTPConnection(u.hostname, u.port, timeout=10)
        while time.monotonic() < stop:
            try:
                conn.request("GET", path, headers=headers)
                r = conn.getresponse()
                r.read()
                if r.status == 200:
                    counts[i] += 1
                else:
                    errors[i] += 1
            except (OSError, http.client.HTTPException):
                errors[i] += 1
                conn.close()
                conn = http.client.HTTPConnection(u.hostname, u.port, timeout=10)
        conn.close()

    t0 = time.monotonic()
    ts = [threading.Thread(target=worker, args=(i,)) for i in range(connections)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    elapsed = time.monotonic() - t0
    return sum(counts) / elapsed, sum(counts), sum(errors)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=3.0)
    ap.add_argument("--connections", type=int, default=4)
    ap.add_argument("--url")
    ap.add_argument("--token")
    ap.add_argument("--path")
    a = ap.parse_args()
    sb = None
    if a.url:
        base, token = a.url, a.token
    else:
        from .runner import SandboxProcess
        sb = SandboxProcess().start()
        base, token = sb.base_url, sb.app_token
    try:
        path = a.path
        if not path:
            from .runner import SandboxProcess  # noqa: F401
            import urllib.request
            req = urllib.request.Request(base + "/v1/app/accounts", method="POST",
                                         data=json.dumps({"email": "bench@example.com"}).encode(),
                                         headers={"Authorization": f"Bearer {token}",
                                                  "Content-Type": "application/json"})
            with urllib.request.urlopen(req) as r:
                path = "/v1/app/accounts/" + json.loads(r.read())["uuid"]
        rps, n, err = run(base, token, path, a.seconds, a.connections)
        print(f"GET {path}: {rps:.0f} req/s ({n} requests, {err} errors, {a.connections} keep-alive connections, "
              f"{a.seconds:.0f} s)")
    finally:
        if sb:
            sb.stop()


if __name__ == "__main__":
    main()
