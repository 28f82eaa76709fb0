"""Soak driver for the Python binding (tests/soak/test_soak.py, `make soak`).

The workload of tests/soak/soak_c.c: REQUESTS calls (60 % get_app_account,
30 % get_account with an account token, 10 % a 404 that must raise
NotFoundError) -- in each phase the first half on the blocking Client, the
second half on an AsyncClient with 8 calls in flight (one event loop for the
whole run) -- then VERIFIES `light.webhooks.verify` calls
(10 % signed with another secret, which must raise
SignatureVerificationError). The first 10 % of both is warm-up. After it and
at the end: gc.collect(), then RSS (/proc/self/statm) and len(gc.get_objects()).
Prints one JSON line of figures; exit 0 only when every call had its expected
outcome.

Environment: LIGHT_SANDBOX_URL, LIGHT_SANDBOX_APP_TOKEN, LIGHT_SOAK_ACCOUNT,
LIGHT_SOAK_REQUESTS, LIGHT_SOAK_VERIFIES; LIGHT_PY_EXT_DIR / LIGHT_BUILD_DIR
locate the extension (as in tests/python/conftest.py).
"""
import asyncio
import gc
import json
import os
import pathlib
import sys
import time

REPO = pathlib.Path(__file__).resolve().parents[2]
BUILD = pathlib.Path(os.environ.get("LIGHT_BUILD_DIR", REPO / "build"))
EXT_DIR = pathlib.Path(os.environ.get("LIGHT_PY_EXT_DIR", BUILD / "python"))
sys.path[:0] = [str(EXT_DIR), str(REPO / "python")]

import light  # noqa: E402

MISSING = "a1b2c3d4-5678-90ab-cdef-1234567890ab"
PAYLOAD = (b'{"uuid":"0b7f0c56-3c1e-4b8e-9f5e-1f2d3c4b5a69","created_at":"2026-01-01T00:00:00Z",'
           b'"api_version":"v1","event":"enrollment.finalized",'
           b'"data":{"account":{"uuid":"a","status":"reviewing","status_reason":"verification_pending"}}}')
PAGE = os.sysconf("SC_PAGE_SIZE")


def rss():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * PAGE


def sample():
    gc.collect()
    return rss(), len(gc.get_objects())


class Counts:
    def __init__(self):
        self.ok = self.expected_errors = self.failed = 0
        self.verified = self.verify_rejected = self.verify_failed = 0

    def fail(self, what):
        if self.failed + self.verify_failed < 5:
            print(what, file=sys.stderr)


def requests(c, app, acct, uuid, start, stop):
    for i in range(start, stop):
        kind = i % 10
        try:
            if kind < 6:
                got = app.accounts.retrieve(uuid).uuid
            elif kind < 9:
                got = acct.retrieve().uuid
            else:
                app.accounts.retrieve(MISSING)
                got = "no error"
        except light.NotFoundError as e:
            if kind == 9 and e.status == 404:
                c.expected_errors += 1
            else:
                c.fail(f"request {i}: {e!r}")
                c.failed += 1
            continue
        except light.LightError as e:
            c.fail(f"request {i}: {e!r}")
            c.failed += 1
            continue
        if got == uuid:
            c.ok += 1
        else:
            c.fail(f"request {i}: got {got!r}")
            c.failed += 1


def check(c, i, uuid, got=None, exc=None):
    kind = i % 10
    if exc is None and kind < 9 and got == uuid:
        c.ok += 1
    elif kind == 9 and isinstance(exc, light.NotFoundError) and exc.status == 404:
        c.expected_errors += 1
    else:
        c.fail(f"request {i} (async): got {got!r}, {exc!r}")
        c.failed += 1


async def arequests(c, app, acct, uuid, start, stop, concurrency=8):
    async def worker(first):
        for i in range(first, stop, concurrency):
            kind = i % 10
            try:
                if kind < 6:
                    got = (await app.accounts.retrieve(uuid)).uuid
                elif kind < 9:
                    got = (await acct.retrieve()).uuid
                else:
                    await app.accounts.retrieve(MISSING)
                    got = "no error"
            except light.LightError as e:
                check(c, i, uuid, exc=e)
                continue
            check(c, i, uuid, got=got)

    await asyncio.gather(*(worker(start + w) for w in range(concurrency)))


def verifies(c, good, bad, secret, start, stop):
    verify = light.webhooks.verify
    for j in range(start, stop):
        if j % 10 == 9:
            try:
                verify(PAYLOAD, bad, secret)
                c.fail(f"verify {j}: a wrong signature passed")
                c.verify_failed += 1
            except light.SignatureVerificationError as e:
                if e.reason == "signature_mismatch":
                    c.verify_rejected += 1
                else:
                    c.verify_failed += 1
        elif verify(PAYLOAD, good, secret).event == "enrollment.finalized":
            c.verified += 1
        else:
            c.verify_failed += 1


def main():
    url, token = os.environ["LIGHT_SANDBOX_URL"], os.environ["LIGHT_SANDBOX_APP_TOKEN"]
    uuid = os.environ["LIGHT_SOAK_ACCOUNT"]
    n_req = int(os.environ.get("LIGHT_SOAK_REQUESTS", "100000"))
    n_ver = int(os.environ.get("LIGHT_SOAK_VERIFIES", "1000000"))
    secret = "whsec_soak_secret"
    good = light.webhooks.sign(PAYLOAD, secret)
    bad = light.webhooks.sign(PAYLOAD, "whsec_other")
    c = Counts()
    app = light.Client(token, base_url=url, timeout=30)
    acct = app.for_account(uuid)
    loop = asyncio.new_event_loop()

    async def async_clients():
        a = light.AsyncClient(token, base_url=url, timeout=30)
        return a, a.for_account(uuid)

    aapp, aacct = loop.run_until_complete(async_clients())

    def phase(r0, r1, v0, v1):
        mid = r0 + (r1 - r0) // 2
        requests(c, app, acct, uuid, r0, mid)
        loop.run_until_complete(arequests(c, aapp, aacct, uuid, mid, r1))
        verifies(c, good, bad, secret, v0, v1)

    warm_req, warm_ver = n_req // 10, n_ver // 10
    t0 = time.monotonic()
    phase(0, warm_req, 0, warm_ver)
    rss_warm, objects_warm = sample()
    t1 = time.monotonic()
    phase(warm_req, n_req, warm_ver, n_ver)
    t2 = time.monotonic()
    rss_end, objects_end = sample()
    loop.run_until_complete(aacct.close())
    loop.run_until_complete(aapp.close())
    loop.close()
    acct.close()
    app.close()
    print(json.dumps({"language": "python", "threads": 1, "requests": n_req, "ok": c.ok,
                      "expected_errors": c.expected_errors, "failed": c.failed, "verifies": n_ver,
                      "verified": c.verified, "verify_rejected": c.verify_rejected, "verify_failed": c.verify_failed,
                      "rss_warm": rss_warm, "rss_end": rss_end, "gc_objects_warm": objects_warm,
                      "gc_objects_end": objects_end, "seconds_warm": round(t1 - t0, 2),
                      "seconds_main": round(t2 - t1, 2)}), flush=True)
    bad_counts = c.failed or c.verify_failed or c.ok + c.expected_errors != n_req \
        or c.verified + c.verify_rejected != n_ver
    return 1 if bad_counts else 0


if __name__ == "__main__":
    sys.exit(main())
