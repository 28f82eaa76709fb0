"""The example gateway (lua/examples/nginx/) in a real nginx with the Lua
module, on a free 127.0.0.1 port, against the emulator:

- /light/webhook verifies Light-Signature-v1 on the raw body: valid → 200,
  invalid / replayed (old) / future / malformed → 400, including a 1 MB body
  that nginx spools to a temporary file, 200 concurrent posts with zero
  wrong answers, and the emulator's own signed deliveries;
- /light/account calls Light through the SDK (token mint + GET /v1/account
  over cosockets driven by the core's exchange) and, with the emulator
  holding that call for a second, the same single worker answers other
  requests meanwhile (it is not blocked);

and, with 4 worker processes and `lua_shared_dict light` (tests/lua/nginx_app.lua):
one token mint for 200 concurrent requests over all workers, keep-alive (1,000
calls on a handful of connections), calls from ngx.timer.at and from a timer
started in init_worker_by_lua*, a worker that keeps answering while a timer's
call waits, TLS with ca_file and with lua_ssl_trusted_certificate, the wrong
host refused, the shared rate limiter (busiest 1 s window <= 30), and nil, err
naming the phase where nginx has no cosockets.
"""
import concurrent.futures
import hashlib
import hmac
import http.client
import json
import pathlib
import re
import socket
import threading
import time
import urllib.parse

import pytest

from tests.lua.nginx_harness import Nginx, lua_build_dir

ROTATED_OUT = "whsec_rotated_out_secret"


def sign(secret, body, ts=None):
    ts = int(time.time()) if ts is None else int(ts)
    mac = hmac.new(secret.encode(), str(ts).encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"{ts}.{mac}"


def request(gw, method, path, body=None, headers=None, timeout=30):
    conn = http.client.HTTPConnection("127.0.0.1", gw.port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        r = conn.getresponse()
        data = r.read()
        return r.status, data, dict(r.getheaders())
    finally:
        conn.close()


def post_webhook(gw, body, sig):
    h = {"Content-Type": "application/json"}
    if sig is not None:
        h["Light-Signature-v1"] = sig
    return request(gw, "POST", "/light/webhook", body, h)


@pytest.fixture(scope="module")
def gateway(sandbox, tmp_path_factory):
    assert (lua_build_dir() / "jit" / "light" / "core.so").exists(), "LuaJIT module not built: run `make build`"
    env = {"LIGHT_APP_TOKEN": sandbox.app_token, "LIGHT_BASE_URL": sandbox.base_url, "LIGHT_TRANSPORT": "",
           # rotation: the old secret first, the current one second
           "LIGHT_WEBHOOK_SECRET": f"{ROTATED_OUT},{sandbox.webhook_secret}"}
    gw = Nginx(tmp_path_factory.mktemp("nginx"), env, workers=1, extra=RAW_LOCATION)
    gw.start()
    yield gw
    gw.stop()
    log = gw.error_log()
    assert "[alert]" not in log and "[emerg]" not in log and "lua entry thread aborted" not in log, log[-4000:]
    assert sandbox.app_token not in log and sandbox.webhook_secret not in log


# Test-only location: a raw SDK call from inside nginx, reporting what came back.
RAW_LOCATION = r"""
        location = /t/raw {
            content_by_lua_block {
                local light = require "light"
                local c = assert(light.new{ app_token = os.getenv("LIGHT_APP_TOKEN"),
                    base_url = ngx.var.arg_base or os.getenv("LIGHT_BASE_URL"),
                    max_retries = tonumber(ngx.var.arg_retries or "0"), retry_base = 0.01, retry_max = 0.02 })
                local v, err, meta = c:request("GET", "/v1/app/accounts", { query = { limit = 1 } })
                local out
                if v then
                    out = { ok = true, status = meta.status, retries = meta.retries,
                            padding = type(v.padding) == "string" and #v.padding or light.null }
                else
                    out = { ok = false, kind = err.kind, retries = err.retries, status = err.status }
                end
                c:close()
                ngx.say(light.json.encode(out))
            }
        }
"""


def event_body(name="enrollment.finalized", pad=0):
    ev = {"uuid": "evt_test", "created_at": "2024-01-01T00:00:00Z", "api_version": "v1", "event": name,
          "data": {"account": {"uuid": "acc_test"}, "padding": "x" * pad}}
    return json.dumps(ev).encode()


# ---- webhooks --------------------------------------------------------------

def test_webhook_valid(gateway, sandbox):
    body = event_body()
    status, data, headers = post_webhook(gateway, body, sign(sandbox.webhook_secret, body))
    assert status == 200, data
    assert headers["Content-Type"] == "application/json"
    assert json.loads(data) == {"received": True, "event": "enrollment.finalized", "uuid": "evt_test"}


def test_webhook_rotated_secret(gateway):
    body = event_body()
    status, data, _ = post_webhook(gateway, body, sign(ROTATED_OUT, body))
    assert status == 200, data


@pytest.mark.parametrize("case", ["wrong_secret", "tampered", "old", "future", "malformed", "missing", "empty"])
def test_webhook_refused(gateway, sandbox, case):
    body = event_body()
    sig = sign(sandbox.webhook_secret, body)
    expect = {"wrong_secret": "signature_mismatch", "tampered": "signature_mismatch",
              "old": "timestamp_too_old", "future": "timestamp_in_future",
              "malformed": "malformed_header", "missing": "malformed_header", "empty": "malformed_header"}[case]
    if case == "wrong_secret":
        sig = sign("whsec_someone_else", body)
    elif case == "tampered":
        body = body.replace(b"acc_test", b"acc_evil")
    elif case == "old":  # a replayed delivery from two hours ago
        sig = sign(sandbox.webhook_secret, body, time.time() - 7200)
    elif case == "future":
        sig = sign(sandbox.webhook_secret, body, time.time() + 7200)
    elif case == "malformed":
        sig = "v1=" + sig
    elif case == "missing":
        sig = None
    elif case == "empty":
        sig = ""
    status, data, _ = post_webhook(gateway, body, sig)
    assert status == 400, data
    assert json.loads(data) == {"error": expect}


def test_webhook_replay_of_a_valid_delivery_within_tolerance(gateway, sandbox):
    # verification is stateless: the same delivery verifies again inside the window
    body = event_body()
    sig = sign(sandbox.webhook_secret, body)
    assert post_webhook(gateway, body, sig)[0] == 200
    assert post_webhook(gateway, body, sig)[0] == 200


def test_webhook_method_not_allowed(gateway):
    status, _, _ = request(gateway, "GET", "/light/webhook")
    assert status == 405


def test_webhook_1mb_body_spooled_to_file(gateway, sandbox):
    body = event_body(pad=1024 * 1024)
    assert len(body) > 1024 * 1024
    before = gateway.error_log().count("buffered to a temporary file")
    status, data, _ = post_webhook(gateway, body, sign(sandbox.webhook_secret, body))
    assert status == 200, data
    # nginx wrote the body to a file (client_body_buffer_size 64k), and the handler read it from there
    assert gateway.error_log().count("buffered to a temporary file") > before
    tampered = body[:700000] + b"y" + body[700001:]
    status, data, _ = post_webhook(gateway, tampered, sign(sandbox.webhook_secret, body))
    assert status == 400, data
    assert json.loads(data) == {"error": "signature_mismatch"}


def test_webhook_200_concurrent_posts(gateway, sandbox):
    cases = []
    for i in range(200):
        body = event_body(name="account.invoice_sent", pad=i * 13)
        kind = i % 4
        if kind == 0:
            cases.append((body, sign(sandbox.webhook_secret, body), 200))
        elif kind == 1:
            cases.append((body, sign("whsec_wrong", body), 400))
        elif kind == 2:
            cases.append((body, sign(sandbox.webhook_secret, body, time.time() - 4000), 400))
        else:
            cases.append((body, sign(ROTATED_OUT, body), 200))
    barrier = threading.Barrier(200)

    def one(case):
        body, sig, want = case
        barrier.wait(timeout=30)
        status, data, _ = post_webhook(gateway, body, sig)
        return status == want and (want != 200 or json.loads(data)["event"] == "account.invoice_sent")

    with concurrent.futures.ThreadPoolExecutor(max_workers=200) as pool:
        results = list(pool.map(one, cases))
    wrong = results.count(False)
    assert wrong == 0, f"{wrong} wrong answers out of 200"


def test_emulator_deliveries_verify_at_the_gateway(gateway, sandbox, clean_sandbox):
    sandbox.config(webhook_url=gateway.url + "/light/webhook", webhook_retry_delays=[])
    acct = sandbox.create_account(first_name="Ada", last_name="Lovelace", phone_number="214-555-0100",
                                  date_of_birth="1990-01-01")
    tok = sandbox.account_token(acct["uuid"])
    status, _, _ = sandbox.request("PATCH", "/v1/account/enroll/identity", {}, token=tok)
    assert status == 200
    deadline = time.time() + 15
    log = []
    while time.time() < deadline:
        log = sandbox.webhooks()
        if log and all(d.get("status") is not None or d.get("error") for d in log):
            break
        time.sleep(0.05)
    assert log, "the emulator delivered nothing"
    assert all(d["status"] == 200 for d in log), log
    assert "enrollment.identity_updated" in [d["event"] for d in log]


# ---- API calls through the SDK inside nginx --------------------------------

def test_account_call_through_cosockets(gateway, sandbox, clean_sandbox):
    acct = sandbox.create_account()
    sandbox.clear_journal()
    # the client's own headers must not reach Light
    status, data, _ = request(gateway, "GET", f"/light/account?uuid={acct['uuid']}",
                              headers={"Cookie": "session=client-secret", "Authorization": "Bearer client-token"})
    assert status == 200, data
    assert json.loads(data) == {"uuid": acct["uuid"], "status": "created", "status_reason": "unresolved"}
    j = sandbox.journal()
    paths = [(e["method"], e["path"], e["auth_kind"]) for e in j]
    assert paths == [("POST", f"/v1/app/accounts/{acct['uuid']}/token", "app"), ("GET", "/v1/account", "account")]
    for e in j:
        assert "Cookie" not in e["headers"]
        assert "nginx/" in e["headers"]["User-Agent"] and "luajit/" in e["headers"]["User-Agent"]
    # the token is cached in the worker: a second call does not mint again
    sandbox.clear_journal()
    assert request(gateway, "GET", f"/light/account?uuid={acct['uuid']}")[0] == 200
    assert [(e["method"], e["path"]) for e in sandbox.journal()] == [("GET", "/v1/account")]


def test_account_call_errors_map(gateway, sandbox, clean_sandbox):
    status, data, _ = request(gateway, "GET", "/light/account?uuid=00000000-0000-4000-8000-000000000000")
    assert status == 404, data
    assert json.loads(data)["error"] == "NotFoundError"
    acct = sandbox.create_account()
    sandbox.fault(method="GET", path="/v1/account", kind="status", status=503, times=1)
    status, data, _ = request(gateway, "GET", f"/light/account?uuid={acct['uuid']}")
    assert status == 200, data  # the core retried the 503 (after an ngx.sleep backoff)
    assert sum(1 for e in sandbox.journal() if e["path"] == "/v1/account") == 2


HOLD = 1.0  # seconds the emulator holds the API call


def slow_and_fast(gw, sandbox):
    """Start /light/account with the emulator holding GET /v1/account for
    HOLD s; while it is held, post a webhook to the same (single) worker.
    Returns (wall time the webhook was answered, the held request's journal
    entry as seen right then, the time the emulator received it)."""
    acct = sandbox.create_account()
    assert request(gw, "GET", f"/light/account?uuid={acct['uuid']}")[0] == 200  # token minted and cached
    sandbox.clear_journal()
    sandbox.fault(method="GET", path="/v1/account", kind="delay", delay=HOLD, times=1)
    done = {}

    def slow():
        done["slow"] = request(gw, "GET", f"/light/account?uuid={acct['uuid']}")

    t = threading.Thread(target=slow)
    t.start()
    held = None
    deadline = time.monotonic() + 10
    while held is None and time.monotonic() < deadline:  # the call is inside the emulator
        held = next((e for e in sandbox.journal() if e["path"] == "/v1/account" and e["fault"]), None)
        time.sleep(0.01)
    assert held is not None, "the API call never reached the emulator"
    body = event_body()
    status, _, _ = post_webhook(gw, body, sign(sandbox.webhook_secret, body))
    answered = time.time()
    seen = next(e for e in sandbox.journal() if e["seq"] == held["seq"])
    t.join(30)
    assert status == 200
    assert done["slow"][0] == 200, done["slow"]
    return answered, seen, held["time"]


def test_worker_not_blocked_while_the_sdk_waits(gateway, sandbox, clean_sandbox):
    answered, seen, received = slow_and_fast(gateway, sandbox)
    # the single worker answered the webhook while the emulator still held
    # the API call: no status recorded yet, and before the hold could end
    assert seen["status"] is None
    assert answered < received + HOLD


def test_blocking_transport_would_block_the_worker(sandbox, clean_sandbox, tmp_path):
    """Control experiment: the same gateway forced onto the blocking libcurl
    transport (LIGHT_TRANSPORT=curl) only answers the webhook after the
    emulator released the API call — so the test above can tell a blocked
    worker from a free one."""
    env = {"LIGHT_APP_TOKEN": sandbox.app_token, "LIGHT_BASE_URL": sandbox.base_url,
           "LIGHT_WEBHOOK_SECRET": sandbox.webhook_secret, "LIGHT_TRANSPORT": "curl"}
    with Nginx(tmp_path / "nginx-curl", env, workers=1) as gw:
        answered, _, received = slow_and_fast(gw, sandbox)
    assert answered > received + HOLD


def test_cosocket_transport_failures_and_large_bodies(gateway, sandbox, clean_sandbox):
    def raw(query=""):
        status, data, _ = request(gateway, "GET", "/t/raw" + query)
        assert status == 200, data
        return json.loads(data)

    assert raw() == {"ok": True, "status": 200, "retries": 0, "padding": None}
    # nothing listens on port 9: nginx's own 502 becomes a connection failure, retried
    out = raw("?base=http://127.0.0.1:9&retries=1")
    assert out == {"ok": False, "kind": "APIConnectionError", "retries": 1}  # no status: nil, as None/null elsewhere
    # the upstream drops the connection before answering
    sandbox.fault(method="GET", path="/v1/app/accounts", kind="close", times=1)
    assert raw()["kind"] == "APIConnectionError"
    # a 2 xx body that is not JSON
    sandbox.fault(method="GET", path="/v1/app/accounts", kind="truncated_json", times=1)
    assert raw()["kind"] == "APIResponseValidationError"
    # a 2 MB answer comes through the subrequest intact
    sandbox.fault(method="GET", path="/v1/app/accounts", kind="oversized", size=2 * 1024 * 1024, times=1)
    out = raw()
    assert out["ok"] is True and out["padding"] == 2 * 1024 * 1024 - len('{"padding":""}')


# ---- 4 workers, shared dict, timers, TLS, phases (tests/lua/nginx_app.lua) ----

APP_LOCATIONS = r"""
        location = /t/account { content_by_lua_block { require("nginx_app").account() } }
        location = /t/loop { content_by_lua_block { require("nginx_app").loop() } }
        location = /t/limited { content_by_lua_block { require("nginx_app").limited() } }
        location = /t/timer { content_by_lua_block { require("nginx_app").timer() } }
        location = /t/result { content_by_lua_block { require("nginx_app").result() } }
        location = /t/tls { content_by_lua_block { require("nginx_app").tls() } }
        location = /t/pid { content_by_lua_block { ngx.say(ngx.worker.pid()) } }
        location = /t/init_worker {
            content_by_lua_block {
                local d = ngx.shared.light_test
                local out = { direct = d:get("init_worker_direct") or ngx.null,
                              timer = d:get("init_worker:" .. ngx.worker.pid()) or ngx.null }
                ngx.say(require("light").json.encode(out))
            }
        }
        location = /t/init { content_by_lua_block { ngx.say(package.loaded.light_init_result) } }
        location = /t/set {
            set_by_lua_block $light_out { return require("nginx_app").no_cosocket_call() }
            return 200 $light_out;
        }
        location = /t/header_filter {
            header_filter_by_lua_block { ngx.header["X-Light"] = require("nginx_app").no_cosocket_call() }
            return 200 "ok";
        }
        location = /t/body_filter {
            body_filter_by_lua_block {
                if ngx.arg[2] then ngx.arg[1] = require("nginx_app").no_cosocket_call() else ngx.arg[1] = nil end
            }
            content_by_lua_block { ngx.print("x") }
        }
        location = /t/log {
            content_by_lua_block { ngx.say("ok") }
            log_by_lua_block { ngx.shared.light_test:set("log", require("nginx_app").no_cosocket_call()) }
        }
        location = /t/log_result { content_by_lua_block { ngx.say(ngx.shared.light_test:get("log")) } }
        location = /t/dead_lock {
            content_by_lua_block {
                -- the mint lock of this account as a worker that died holding it left it
                local n = require "light.nginx"
                local cfg = n.config{ app_token = os.getenv("LIGHT_APP_TOKEN"), base_url = os.getenv("LIGHT_BASE_URL") }
                local key = "l|" .. n.for_account(cfg, ngx.var.arg_uuid).token_key
                ngx.say(ngx.shared.light:set(key, "dead-worker", tonumber(ngx.var.arg_ttl)) and "planted" or "failed")
            }
        }
        location = /t/proxied { content_by_lua_block { require("nginx_app").proxied() } }
"""

APP_HTTP = r"""
    lua_shared_dict light 1m;
    lua_shared_dict light_test 1m;
    {trusted}
    init_by_lua_block {
        local light = require "light"
        local c = assert(light.new{ app_token = "app_x", base_url = "http://127.0.0.1:9", max_retries = 0 })
        local v, err = c.plan_groups:list()
        package.loaded.light_init_result = v and "unexpected success" or (err.kind .. "|" .. err.message)
        c:close()
    }
    init_worker_by_lua_block { require("nginx_app").init_worker() }
"""


def get_json(gw, path, timeout=60):
    status, data, _ = request(gw, "GET", path, timeout=timeout)
    assert status == 200, data
    return json.loads(data)


@pytest.fixture(scope="module")
def cluster(sandbox, sandbox_tls, tmp_path_factory):
    env = {"LIGHT_APP_TOKEN": sandbox.app_token, "LIGHT_BASE_URL": sandbox.base_url, "LIGHT_TRANSPORT": "",
           "LIGHT_WEBHOOK_SECRET": sandbox.webhook_secret}
    http_extra = APP_HTTP.replace("{trusted}", f"lua_ssl_trusted_certificate {sandbox_tls.ca_file};")
    gw = Nginx(tmp_path_factory.mktemp("nginx4"), env, workers=4, extra=APP_LOCATIONS, http_extra=http_extra,
               log_level="notice")
    gw.start()
    yield gw
    gw.stop()
    log = gw.error_log()
    assert "[alert]" not in log and "[emerg]" not in log and "lua entry thread aborted" not in log, log[-4000:]
    assert sandbox.app_token not in log and sandbox.webhook_secret not in log


def spread_over_workers(gw, n=200):
    """n concurrent GETs of /t/pid: the worker pids that answered."""
    barrier = threading.Barrier(n)

    def one(_):
        barrier.wait(timeout=30)
        return request(gw, "GET", "/t/pid")[1].strip()

    with concurrent.futures.ThreadPoolExecutor(max_workers=n) as pool:
        return set(pool.map(one, range(n)))


def test_200_concurrent_requests_over_4_workers_mint_once(cluster, sandbox, clean_sandbox):
    acct = sandbox.create_account()
    sandbox.clear_journal()
    barrier = threading.Barrier(200)

    def one(_):
        barrier.wait(timeout=30)
        return get_json(cluster, f"/t/account?uuid={acct['uuid']}")

    with concurrent.futures.ThreadPoolExecutor(max_workers=200) as pool:
        results = list(pool.map(one, range(200)))
    assert all(r["ok"] for r in results), [r for r in results if not r["ok"]][:3]
    pids = {r["pid"] for r in results}
    assert len(pids) >= 2, f"all 200 requests landed on one worker ({pids}): the test would prove nothing"
    j = sandbox.journal()
    mints = [e for e in j if e["method"] == "POST" and e["path"] == f"/v1/app/accounts/{acct['uuid']}/token"]
    calls = [e for e in j if e["path"] == "/v1/account"]
    assert len(mints) == 1, f"{len(mints)} token mints for one account across {len(pids)} workers"
    assert len(calls) == 200
    assert {e["auth_kind"] for e in calls} == {"account"}


def test_per_worker_tokens_without_the_shared_dict(sandbox, clean_sandbox, tmp_path):
    """Control: without lua_shared_dict each worker mints its own token (and says so once)."""
    env = {"LIGHT_APP_TOKEN": sandbox.app_token, "LIGHT_BASE_URL": sandbox.base_url, "LIGHT_TRANSPORT": ""}
    with Nginx(tmp_path / "nodict", env, workers=4, extra=APP_LOCATIONS, log_level="notice",
               http_extra="lua_shared_dict light_test 1m;") as gw:
        acct = sandbox.create_account()
        sandbox.clear_journal()
        barrier = threading.Barrier(200)

        def one(_):
            barrier.wait(timeout=30)
            return get_json(gw, f"/t/account?uuid={acct['uuid']}")

        with concurrent.futures.ThreadPoolExecutor(max_workers=200) as pool:
            results = list(pool.map(one, range(200)))
        assert all(r["ok"] for r in results)
        pids = {r["pid"] for r in results}
        mints = [e for e in sandbox.journal() if e["path"] == f"/v1/app/accounts/{acct['uuid']}/token"]
        assert len(mints) == len(pids) >= 2  # one per worker that served a request
        log = gw.error_log()
    notices = [line for line in log.splitlines() if "no lua_shared_dict 'light'" in line]
    workers = [re.search(r"\[notice\] (\d+)#", line).group(1) for line in notices]
    # once per worker: each worker that made a client said it exactly once
    assert 1 <= len(notices) <= 4 and len(workers) == len(set(workers)), notices
    assert set(map(str, pids)) <= set(workers), (pids, workers)


def test_1000_sequential_calls_use_a_handful_of_connections(cluster, sandbox, clean_sandbox):
    get_json(cluster, "/t/loop?n=1")
    before = sandbox.connections()
    out = get_json(cluster, "/t/loop?n=1000", timeout=300)
    after = sandbox.connections()
    assert out["calls_ok"] == 1000, out
    assert after - before <= 3, f"{after - before} new TCP connections for 1000 calls"
    j = [e for e in sandbox.journal() if e["path"] == "/v1/app/plan-groups"]
    assert len(j) == 1001
    assert len({e["connection_id"] for e in j[-1000:]}) <= 3


def wait_result(gw, key, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        r = get_json(gw, f"/t/result?id={key}")["result"]
        if r is not None:
            return json.loads(r)
        time.sleep(0.02)
    raise AssertionError(f"no result for {key}")


def test_call_from_ngx_timer_at(cluster, sandbox, clean_sandbox):
    key = f"timer-{time.time_ns()}"
    assert get_json(cluster, f"/t/timer?id={key}")["started"] is True
    r = wait_result(cluster, key)
    assert r["ok"] is True and r["status"] == 200 and r["phase"] == "timer", r


def test_call_from_a_timer_started_in_init_worker(cluster, sandbox):
    # each worker started one at start-up; ask until every worker has answered once
    seen = {}
    deadline = time.monotonic() + 30
    while len(seen) < 4 and time.monotonic() < deadline:
        status, data, _ = request(cluster, "GET", "/t/init_worker")
        pid = request(cluster, "GET", "/t/pid")[1]
        out = json.loads(data)
        if out["timer"] is not None:
            seen[json.loads(out["timer"])["pid"]] = json.loads(out["timer"])
        time.sleep(0.01)
    assert seen, "no init_worker timer reported"
    for r in seen.values():
        assert r["ok"] is True and r["status"] == 200 and r["phase"] == "timer", r
    direct = json.loads(out["direct"])
    assert direct["ok"] is False and direct["kind"] == "LightError"
    assert "init_worker" in direct["message"], direct


def test_worker_answers_while_a_timer_call_waits(sandbox, clean_sandbox, tmp_path):
    env = {"LIGHT_APP_TOKEN": sandbox.app_token, "LIGHT_BASE_URL": sandbox.base_url, "LIGHT_TRANSPORT": "",
           "LIGHT_WEBHOOK_SECRET": sandbox.webhook_secret}
    with Nginx(tmp_path / "timer1", env, workers=1, extra=APP_LOCATIONS,
               http_extra="lua_shared_dict light 1m; lua_shared_dict light_test 1m;") as gw:
        get_json(gw, "/t/loop?n=1")  # warm: connection pooled
        sandbox.clear_journal()
        sandbox.fault(method="GET", path="/v1/app/plan-groups", kind="delay", delay=2.0, times=1)
        key = f"held-{time.time_ns()}"
        assert get_json(gw, f"/t/timer?id={key}")["started"] is True
        held = None
        deadline = time.monotonic() + 10
        while held is None and time.monotonic() < deadline:
            held = next((e for e in sandbox.journal() if e["path"] == "/v1/app/plan-groups" and e["fault"]), None)
            time.sleep(0.01)
        assert held is not None, "the timer's call never reached the emulator"
        body = event_body()
        status, _, _ = post_webhook(gw, body, sign(sandbox.webhook_secret, body))
        answered = time.time()
        seen = next(e for e in sandbox.journal() if e["seq"] == held["seq"])
        assert status == 200
        assert seen["status"] is None and answered < held["time"] + 2.0  # answered during the hold
        r = wait_result(gw, key)
        assert r["ok"] is True and r["phase"] == "timer", r


def test_tls_with_ca_file(cluster, sandbox_tls):
    sandbox_tls.clean()
    base = urllib.parse.quote(sandbox_tls.base_url, safe="")
    ca = urllib.parse.quote(sandbox_tls.ca_file, safe="")
    out = get_json(cluster, f"/t/tls?base={base}&ca={ca}&tok={sandbox_tls.app_token}")
    assert out["ok"] is True and out["status"] == 200, out
    assert any(e["path"] == "/v1/app/plan-groups" for e in sandbox_tls.journal())


def test_tls_with_lua_ssl_trusted_certificate(cluster, sandbox_tls):
    # nginx checks host names (not IP addresses): reach the emulator as localhost
    # (resolved from /etc/hosts, SNI "localhost")
    sandbox_tls.clean()
    url = sandbox_tls.base_url.replace("127.0.0.1", "localhost")
    out = get_json(cluster, f"/t/tls?base={urllib.parse.quote(url, safe='')}&ca=&tok={sandbox_tls.app_token}")
    assert out["ok"] is True and out["status"] == 200, out


def test_tls_wrong_host_and_untrusted_fail_with_the_tls_error(cluster, sandbox_tls, tmp_path):
    from light_sandbox.runner import SandboxProcess
    wrong = SandboxProcess(["--tls-wrong-host"])
    wrong.start()
    try:
        base = urllib.parse.quote(wrong.base_url, safe="")
        for ca in (wrong.ca_file, ""):  # the SDK's verification (ca_file) and nginx's own
            out = get_json(cluster, f"/t/tls?base={base}&ca={urllib.parse.quote(ca, safe='')}&tok={wrong.app_token}")
            assert out["ok"] is False and out["kind"] == "APIConnectionError", out
            assert "TLS certificate verification failed" in out["message"], out
            assert out["retries"] == 0
        assert not [e for e in wrong.journal() if e["path"] == "/v1/app/plan-groups"]
        # a CA that did not issue the server's certificate
        sandbox_tls.clear_journal()
        other = tmp_path / "other-ca.pem"
        other.write_text(pathlib.Path(wrong.ca_file).read_text())
        base = urllib.parse.quote(sandbox_tls.base_url, safe="")
        out = get_json(cluster, f"/t/tls?base={base}&ca={urllib.parse.quote(str(other), safe='')}"
                                f"&tok={sandbox_tls.app_token}")
        assert out["ok"] is False and out["kind"] == "APIConnectionError", out
        assert "TLS certificate verification failed" in out["message"], out
        assert not [e for e in sandbox_tls.journal() if e["path"] == "/v1/app/plan-groups"]
    finally:
        wrong.stop()


def busiest_window(times):
    times = sorted(times)
    best, j = 0, 0
    for i, t in enumerate(times):
        while times[j] <= t - 1.0:
            j += 1
        best = max(best, i - j + 1)
    return best


def fire(gw, n):
    barrier = threading.Barrier(n)

    def one(_):
        barrier.wait(timeout=30)
        return get_json(gw, "/t/limited", timeout=120)

    with concurrent.futures.ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(one, range(n)))


def test_shared_rate_limiter_counts_for_all_workers(cluster, sandbox, clean_sandbox):
    get_json(cluster, "/t/limited")
    sandbox.clear_journal()
    results = fire(cluster, 100)
    assert all(r["ok"] for r in results), [r for r in results if not r["ok"]][:3]
    assert len({r["pid"] for r in results}) >= 2
    times = [e["time"] for e in sandbox.journal() if e["path"] == "/v1/app/plan-groups"]
    assert len(times) == 100
    t0 = min(times)
    assert busiest_window(times) <= 30, (busiest_window(times), [round(t - t0, 3) for t in sorted(times)])


def test_per_worker_rate_limiter_without_the_dict(sandbox, clean_sandbox, tmp_path):
    """Control: without the dict every worker has its own 30/s, so 4 workers exceed 30/s together."""
    env = {"LIGHT_APP_TOKEN": sandbox.app_token, "LIGHT_BASE_URL": sandbox.base_url, "LIGHT_TRANSPORT": ""}
    with Nginx(tmp_path / "nolimit", env, workers=4, extra=APP_LOCATIONS,
               http_extra="lua_shared_dict light_test 1m;") as gw:
        for _ in range(20):
            get_json(gw, "/t/limited")  # create the client in (most) workers
        sandbox.clear_journal()
        results = fire(gw, 100)
    assert all(r["ok"] for r in results)
    if len({r["pid"] for r in results}) >= 2:
        times = [e["time"] for e in sandbox.journal() if e["path"] == "/v1/app/plan-groups"]
        assert busiest_window(times) > 30


@pytest.mark.parametrize("where,phase", [("set", "set"), ("header_filter", "header_filter"),
                                         ("body_filter", "body_filter"), ("log", "log"), ("init", "init")])
def test_no_cosocket_phases_return_an_error_naming_the_phase(cluster, where, phase):
    if where == "set":
        status, data, _ = request(cluster, "GET", "/t/set")
        text = data.decode()
    elif where == "header_filter":
        status, _, headers = request(cluster, "GET", "/t/header_filter")
        text = headers["X-Light"]
    elif where == "body_filter":
        status, data, _ = request(cluster, "GET", "/t/body_filter")
        text = data.decode()
    elif where == "log":
        for _ in range(8):  # the log phase ran on some worker; its result is in the shared dict
            request(cluster, "GET", "/t/log")
        text = None
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            text = request(cluster, "GET", "/t/log_result")[1].decode().strip()
            if text != "nil":
                break
            time.sleep(0.02)
        status = 200
    else:
        status, data, _ = request(cluster, "GET", "/t/init")
        text = data.decode().strip()
    assert status == 200
    kind, message, *elapsed = text.split("|")
    assert kind == "LightError", text
    assert f"the {phase} phase" in message and "cosockets" in message, text
    if elapsed:
        assert float(elapsed[0]) < 0.5, text  # returned at once: nothing waited, nothing blocked


def test_a_worker_that_died_holding_the_mint_lock_wedges_nobody(cluster, sandbox, clean_sandbox):
    acct = sandbox.create_account()
    sandbox.clear_journal()
    assert request(cluster, "GET", f"/t/dead_lock?uuid={acct['uuid']}&ttl=1.5")[1].strip() == b"planted"
    # the lock expires on its own: the waiting requests go on, one of them mints (well
    # before the 60 s call timeout after which a waiter would mint regardless)
    with concurrent.futures.ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(lambda _: get_json(cluster, f"/t/account?uuid={acct['uuid']}", timeout=30),
                                range(20)))
    assert all(r["ok"] for r in results), results[:3]
    mints = [e for e in sandbox.journal() if e["path"] == f"/v1/app/accounts/{acct['uuid']}/token"]
    assert len(mints) == 1


class ConnectProxy:
    """A loopback HTTP proxy: CONNECT tunnels, and absolute-form requests (one per
    connection) forwarded in origin form. Records what it was asked."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.seen = []
        threading.Thread(target=self._loop, daemon=True).start()

    def _loop(self):
        while True:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._one, args=(c,), daemon=True).start()

    @staticmethod
    def _pump(a, b):
        try:
            while True:
                d = a.recv(65536)
                if not d:
                    break
                b.sendall(d)
        except OSError:
            pass
        for s in (a, b):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def _one(self, c):
        head = b""
        while b"\r\n\r\n" not in head:
            d = c.recv(65536)
            if not d:
                c.close()
                return
            head += d
        line, rest = head.split(b"\r\n", 1)
        method, target, _ = line.decode().split(" ")
        self.seen.append((method, target, b"Proxy-Authorization: Basic " in head))
        if method == "CONNECT":
            host, port = target.rsplit(":", 1)
            up = socket.create_connection((host, int(port)))
            c.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
        else:
            u = urllib.parse.urlsplit(target)
            up = socket.create_connection((u.hostname, u.port))
            path = u.path + (("?" + u.query) if u.query else "")
            up.sendall(f"{method} {path} HTTP/1.1\r\n".encode() + rest)
        threading.Thread(target=self._pump, args=(c, up), daemon=True).start()
        threading.Thread(target=self._pump, args=(up, c), daemon=True).start()

    def close(self):
        self.sock.close()


def test_proxy_connect_for_https_and_absolute_form_for_http(cluster, sandbox, sandbox_tls, clean_sandbox):
    proxy = ConnectProxy()
    try:
        purl = urllib.parse.quote(f"http://user:pw@127.0.0.1:{proxy.port}", safe="")
        base = urllib.parse.quote(sandbox_tls.base_url, safe="")
        ca = urllib.parse.quote(sandbox_tls.ca_file, safe="")
        out = get_json(cluster, f"/t/proxied?base={base}&ca={ca}&tok={sandbox_tls.app_token}&proxy={purl}")
        assert out["ok"] is True and out["status"] == 200, out
        host = sandbox_tls.base_url.split("://", 1)[1]
        assert ("CONNECT", host, True) in proxy.seen, proxy.seen
        out = get_json(cluster, f"/t/proxied?base={urllib.parse.quote(sandbox.base_url, safe='')}"
                                f"&tok={sandbox.app_token}&proxy={purl}")
        assert out["ok"] is True and out["status"] == 200, out
        assert ("GET", sandbox.base_url + "/v1/app/plan-groups", True) in proxy.seen, proxy.seen
    finally:
        proxy.close()
