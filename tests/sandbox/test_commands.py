"""The `light-sandbox` commands against a running emulator: accounts (table, --json,
create --state, move), requests, trigger (all 18 events), listen (forwarding, the
endpoint's answers, Light's retries), and bad input (clear message, non-zero exit,
the emulator keeps running)."""
import json
import os
import signal
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from light_sandbox import webhooks
from light_sandbox.api import STATUS_TABLE, WEBHOOK_EVENTS
from light_sandbox.runner import REPO_ROOT, SandboxProcess, free_port


def cli(*args, url=None, check=True, timeout=60):
    env = dict(os.environ)
    env.pop("LIGHT_SANDBOX_URL", None)
    env.pop("LIGHT_BASE_URL", None)
    cmd = [sys.executable, "-m", "light_sandbox", *args]
    if url:
        cmd += ["--url", url]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env, cwd=REPO_ROOT)
    if check:
        assert r.returncode == 0, f"{args}: exit {r.returncode}\n{r.stdout}\n{r.stderr}"
    return r


@pytest.fixture(scope="module")
def emu():
    with SandboxProcess(["--receiver", "--webhook-retry-delays", "0.2,0.2"]) as sb:
        yield sb


def test_accounts_create_every_state_and_list(emu):
    made = {}
    for st, rs in STATUS_TABLE:
        out = json.loads(cli("accounts", "create", "--state", f"{st}/{rs}", "--json", url=emu.base_url).stdout)
        assert (out["account"]["status"], out["account"]["status_reason"]) == (st, rs)
        made[out["account"]["uuid"]] = (st, rs, out["token"])
    # the token is a working account token of that account
    uuid, (_, _, tok) = next((u, v) for u, v in made.items() if v[:2] == ("active", "active"))
    st, me, _ = emu.request("GET", "/v1/account", token=tok)
    assert st == 200 and me["uuid"] == uuid and me["status"] == "active"
    st, inv, _ = emu.request("GET", "/v1/account/billing/invoices", token=tok)
    assert st == 200 and inv["data"], "an active account comes with invoices"
    rows = json.loads(cli("accounts", "--json", url=emu.base_url).stdout)
    by = {r["uuid"]: r for r in rows}
    assert all((by[u]["status"], by[u]["status_reason"]) == v[:2] for u, v in made.items())
    text = cli("accounts", url=emu.base_url).stdout
    assert text.splitlines()[0].split()[:4] == ["UUID", "NUMBER", "EMAIL", "STATUS"]
    assert f"{uuid}" in text and "active/active" in text


def test_accounts_create_plain_output_and_short_state_names(emu):
    out = cli("accounts", "create", "--state", "credit_check_frozen", "--email", "cli@example.com",
              url=emu.base_url).stdout
    lines = dict(line.split(None, 1) for line in out.splitlines())
    assert lines["status"] == "needs_attention/credit_check_frozen" and lines["email"] == "cli@example.com"
    st, me, _ = emu.request("GET", "/v1/account", token=lines["token"].strip())
    assert st == 200 and me["uuid"] == lines["uuid"].strip()


def test_accounts_move_forward(emu):
    acct = emu.create_account(first_name="M", last_name="V", phone_number="2145550100", date_of_birth="1980-01-01")
    out = cli("accounts", "move", acct["uuid"], "--state", "scheduled", url=emu.base_url).stdout
    assert "scheduled/service_pending" in out
    out = cli("accounts", "move", acct["uuid"], "--state", "active", url=emu.base_url).stdout
    assert "active/active" in out
    r = cli("accounts", "move", acct["uuid"], "--state", "applying/missing_identity", url=emu.base_url, check=False)
    assert r.returncode == 1 and "could not move the account" in r.stderr


def test_requests_table_and_json(emu):
    acct = emu.create_account()
    emu.request("GET", f"/v1/app/accounts/{acct['uuid']}", token=emu.app_token,
                headers={"User-Agent": "curl/8.5.0"})  # not an SDK UA: no parity claim
    path = f"/v1/app/accounts/{acct['uuid']}"
    rows = json.loads(cli("requests", "--json", "--path", path, url=emu.base_url).stdout)
    assert [(r["method"], r["status"]) for r in rows] == [("GET", 200)]
    last = json.loads(cli("requests", "--json", "--limit", "2", url=emu.base_url).stdout)
    assert [r["seq"] for r in last] == [r["seq"] for r in emu.journal()[-2:]]
    text = cli("requests", "--path", path, url=emu.base_url).stdout
    head, line = text.splitlines()
    assert head.split()[:7] == ["SEQ", "TIME", "METHOD", "PATH", "STATUS", "SDK", "MS"]
    assert " GET " in line and path in line and " 200 " in line and " curl/8.5.0 " in line


def test_trigger_all_18_events(emu):
    out = json.loads(cli("accounts", "create", "--state", "active", "--json", url=emu.base_url).stdout)
    uuid = out["account"]["uuid"]
    emu.clear_events()
    for ev in WEBHOOK_EVENTS:
        r = cli("trigger", ev, "--account", uuid, url=emu.base_url)
        assert f"triggered {ev}" in r.stdout and "queued" in r.stdout
    got = {e["event"]: e for e in emu.events()}
    assert sorted(got) == sorted(WEBHOOK_EVENTS)
    for ev, e in got.items():
        assert set(e) == {"uuid", "created_at", "api_version", "event", "data"}
        d = e["data"]
        if ev.startswith("usage_profile."):
            assert d["usage_profile"]["status"] == ev.split(".")[1]
            continue
        assert d["account"]["uuid"] == uuid and d["account"]["status"] == "active"
        if ev.startswith("location.") or ev.startswith("account."):
            assert d["location"]["uuid"] == out["account"]["locations"][0]["uuid"]
    assert got["account.invoice_sent"]["data"]["invoice_number"].startswith(out["account"]["account_number"])
    assert len(got["enrollment.plan_requested"]["data"]["plans"]) == 3
    assert got["location.renewal_email_sent"]["data"]["contract_end"]
    # each was delivered, signed, to the receiver
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        seen = {r["event"] for r in requests.get(emu.receiver_url).json() if r["verified"]}
        if seen >= set(WEBHOOK_EVENTS):
            break
        time.sleep(0.1)
    assert seen >= set(WEBHOOK_EVENTS)


class Endpoint:
    """A local webhook endpoint: answers 500 to the first ``fail`` deliveries, then 200."""

    def __init__(self, fail=1):
        self.got, self.fail = [], fail
        me = self

        class H(BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"]))
                me.got.append((self.headers.get("Light-Signature-v1"), body))
                code = 500 if len(me.got) <= me.fail else 200
                out = b'{"received":true}' if code == 200 else b'{"error":"boom"}'
                self.send_response(code)
                self.send_header("Content-Length", str(len(out)))
                self.end_headers()
                self.wfile.write(out)

        self.srv = ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.url = f"http://127.0.0.1:{self.srv.server_address[1]}/webhooks"
        threading.Thread(target=self.srv.serve_forever, daemon=True).start()

    def close(self):
        self.srv.shutdown()
        self.srv.server_close()


def _readline(p, timeout=30):
    box = []
    t = threading.Thread(target=lambda: box.append(p.stdout.readline()), daemon=True)
    t.start()
    t.join(timeout)
    assert box and box[0], "listen printed nothing"
    return box[0]


def test_listen_forwards_with_retries(emu):
    ep = Endpoint(fail=1)
    env = dict(os.environ, LIGHT_SANDBOX_URL=emu.base_url)
    p = subprocess.Popen([sys.executable, "-m", "light_sandbox", "listen", "--forward-to", ep.url,
                          "--events", "enrollment.finalized,account.payment_failed"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=REPO_ROOT)
    try:
        ready = _readline(p)
        assert ready.startswith("Ready!") and ep.url in ready
        lst = emu.admin("GET", "listeners")
        assert [x["url"] for x in lst] == [ep.url]
        acct = json.loads(cli("accounts", "create", "--state", "active", "--json", url=emu.base_url).stdout)
        uuid = acct["account"]["uuid"]  # its enrollment fired enrollment.finalized
        lines = [_readline(p) for _ in range(4)]
        assert "--> enrollment.finalized" in lines[0] and "attempt 1" in lines[0]
        assert "<-- [500] POST " + ep.url in lines[1] and '{"error":"boom"}' in lines[1] and "retry in 0.2 s" in lines[1]
        assert "--> enrollment.finalized" in lines[2] and "attempt 2" in lines[2]
        assert "<-- [200] POST " + ep.url in lines[3] and '{"received":true}' in lines[3]
        cli("trigger", "account.payment_failed", "--account", uuid, url=emu.base_url)
        cli("trigger", "location.service_active", "--account", uuid, url=emu.base_url)  # filtered out
        cli("trigger", "account.payment_failed", "--account", uuid, url=emu.base_url)
        lines = [_readline(p) for _ in range(4)]
        assert "--> account.payment_failed" in lines[0] and "[200]" in lines[1]
        assert "--> account.payment_failed" in lines[2] and "[200]" in lines[3]
        # the endpoint got exactly those, each signed with the emulator's secret
        events = [json.loads(b)["event"] for _, b in ep.got]
        assert events == ["enrollment.finalized"] * 2 + ["account.payment_failed"] * 2
        assert all(webhooks.verify(emu.webhook_secret, sig, body) for sig, body in ep.got)
    finally:
        p.send_signal(signal.SIGINT)
        rc = p.wait(15)
        p.stdout.close()
        p.stderr.close()
        ep.close()
    assert rc == 0
    assert emu.admin("GET", "listeners") == []  # it deregistered


def test_bad_input_clear_errors_and_emulator_keeps_running(emu):
    acct = emu.create_account()
    r = cli("trigger", "no.such_event", "--account", acct["uuid"], url=emu.base_url, check=False)
    assert r.returncode == 2 and "invalid choice" in r.stderr and "enrollment.finalized" in r.stderr
    r = cli("trigger", "enrollment.finalized", "--account", "nope", url=emu.base_url, check=False)
    assert r.returncode == 2 and "--account: expected an account uuid" in r.stderr
    gone = "00000000-0000-4000-8000-000000000000"
    r = cli("trigger", "enrollment.finalized", "--account", gone, url=emu.base_url, check=False)
    assert r.returncode == 1 and f"Account not found: {gone}" in r.stderr and "Traceback" not in r.stderr
    r = cli("accounts", "create", "--state", "sleeping", url=emu.base_url, check=False)
    assert r.returncode == 2 and "unknown enrollment state 'sleeping'" in r.stderr
    r = cli("listen", "--forward-to", "localhost:3000", url=emu.base_url, check=False)
    assert r.returncode == 2 and "--forward-to: expected an http(s) URL" in r.stderr
    r = cli("listen", "--forward-to", "http://127.0.0.1:9/x", "--events", "x.y", url=emu.base_url, check=False)
    assert r.returncode == 2 and "unknown event 'x.y'" in r.stderr
    r = cli("accounts", url="ftp://example", check=False)
    assert r.returncode == 2 and "--url" in r.stderr
    r = cli("requests", "--limit", "-1", url=emu.base_url, check=False)
    assert r.returncode == 2
    down = f"http://127.0.0.1:{free_port()}"
    r = cli("accounts", url=down, check=False)
    assert r.returncode == 1 and f"cannot reach the emulator at {down}" in r.stderr and "Traceback" not in r.stderr
    # the admin API answers bad input with 4xx JSON errors
    for method, path, body, code in [
        ("POST", "/_sandbox/trigger", b"{not json", 400),
        ("POST", "/_sandbox/trigger", {"event": "enrollment.finalized"}, 422),
        ("POST", "/_sandbox/trigger", {"event": 5, "account": acct["uuid"]}, 422),
        ("POST", "/_sandbox/trigger", [1, 2], 422),
        ("POST", "/_sandbox/accounts", {"state": 7}, 422),
        ("POST", "/_sandbox/accounts", {"state": "active", "email": "not-an-email"}, 422),
        ("POST", "/_sandbox/accounts/nope/state", {"state": "active"}, 404),
        ("POST", "/_sandbox/listeners", {"url": "file:///etc/passwd"}, 422),
        ("POST", "/_sandbox/listeners", {"url": "http://127.0.0.1:9/", "events": "all"}, 422),
        ("DELETE", "/_sandbox/listeners/abc", None, 404),
        ("GET", "/_sandbox/webhooks?since=x", None, 422),
        ("GET", "/_sandbox/webhooks?listener=999&wait=0", None, 404),
        ("GET", "/_sandbox/webhooks?wait=nan", None, 422),
        ("GET", "/_sandbox/requests?limit=-3", None, 422),
    ]:
        st, out, h = emu.request(method, path, body)
        assert st == code, (method, path, st, out)
        assert isinstance(out, dict) and isinstance(out.get("detail"), str) and out["detail"], (path, out)
    assert emu.alive() and emu.admin("GET", "health")["ok"] is True


def test_no_command_still_serves_and_help_lists_commands():
    r = subprocess.run([sys.executable, "-m", "light_sandbox", "--help"], capture_output=True, text=True,
                       timeout=30, cwd=REPO_ROOT)
    assert r.returncode == 0
    for c in ("serve", "listen", "trigger", "accounts", "requests"):
        assert c in r.stdout
    # `serve` and the bare flags are the same command
    with SandboxProcess(["--app-token", "app_same"]) as sb:
        assert sb.app_token == "app_same"
    port = free_port()
    p = subprocess.Popen([sys.executable, "-m", "light_sandbox", "serve", "--port", str(port), "--ready-json"],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, cwd=REPO_ROOT)
    try:
        info = json.loads(p.stdout.readline())
        assert info["base_url"] == f"http://127.0.0.1:{port}"
        r = subprocess.run([sys.executable, "-m", "light_sandbox", "serve", "--port", str(port)],
                           capture_output=True, text=True, timeout=30, cwd=REPO_ROOT)
        assert r.returncode == 1 and f"cannot listen on 127.0.0.1:{port}" in r.stderr and "Traceback" not in r.stderr
    finally:
        p.send_signal(signal.SIGTERM)
        assert p.wait(10) == 0
        p.stdout.close()


def test_trigger_before_the_objects_exist_uses_marked_samples(emu):
    acct = emu.create_account()
    emu.clear_events()
    for ev in ("location.service_active", "account.invoice_sent", "comparison_invoice.processed",
               "usage_profile.failed", "enrollment.plan_accepted"):
        cli("trigger", ev, "--account", acct["uuid"], url=emu.base_url)
    got = {e["event"]: e["data"] for e in emu.events()}
    assert got["location.service_active"]["sample"] is True and got["location.service_active"]["location"]["uuid"]
    assert got["account.invoice_sent"]["sample"] is True
    assert got["account.invoice_sent"]["invoice_number"] == f"{acct['account_number']}-0001"
    assert got["comparison_invoice.processed"]["comparison_invoice"]["status"] == "processed"
    assert got["usage_profile.failed"]["usage_profile"]["error_message"]
    # the account itself did not change
    st, now, _ = emu.request("GET", f"/v1/app/accounts/{acct['uuid']}", token=emu.app_token)
    assert now["locations"] == [] and (now["status"], now["status_reason"]) == ("created", "unresolved")
