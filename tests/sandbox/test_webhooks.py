"""Signed webhook delivery, retries, timeouts, and all 18 events."""
import hashlib
import hmac
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from light_sandbox.webhooks import verify

ESI = "10443720000000004"


class Receiver:
    """A test receiver: fails the first `fail` deliveries (or sleeps `sleep` s)."""

    def __init__(self, fail=0, status=500, sleep=0.0):
        self.got = []
        self.fail, self.status, self.sleep = fail, status, sleep
        self.lock = threading.Lock()
        rec = self

        class H(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"]))
                with rec.lock:
                    rec.got.append((dict(self.headers), body))
                    failing = rec.fail > 0
                    rec.fail -= 1
                if rec.sleep:
                    time.sleep(rec.sleep)
                code = rec.status if failing else 200
                self.send_response(code)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.srv = ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.srv.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.srv.server_address[1]}/hook"
        threading.Thread(target=self.srv.serve_forever, daemon=True).start()

    def close(self):
        self.srv.shutdown()
        self.srv.server_close()


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


def _wait(pred, timeout=10.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        v = pred()
        if v:
            return v
        time.sleep(0.05)
    return pred()


def _signature_ok(secret, headers, body):
    sig = headers["Light-Signature-v1"]
    ts, mac = sig.split(".", 1)
    want = hmac.new(secret.encode(), f"{ts}.".encode() + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(mac, want) and abs(time.time() - int(ts)) < 60


def test_delivery_signature_and_envelope(sb, client, receiver):
    sb.config(webhook_url=receiver.url)
    acct, tok = client.new_account()
    client.acct(tok, "PATCH", "/v1/account/enroll/identity", {})
    assert _wait(lambda: receiver.got)
    headers, body = receiver.got[0]
    assert _signature_ok(sb.webhook_secret, headers, body)
    assert verify(sb.webhook_secret, headers["Light-Signature-v1"], body)
    assert not verify("whsec_wrong", headers["Light-Signature-v1"], body)
    ev = json.loads(body)
    assert set(ev) == {"uuid", "created_at", "api_version", "event", "data"}
    assert ev["api_version"] == "v1" and ev["event"] == "enrollment.identity_updated"
    assert ev["data"]["account"]["uuid"] == acct["uuid"]
    log = _wait(lambda: sb.webhooks())
    assert log[0]["status"] == 200 and log[0]["attempt"] == 1 and log[0]["signature"] == headers["Light-Signature-v1"]
    assert log[0]["body"] == body.decode() and log[0]["event"] == "enrollment.identity_updated"


def test_retry_after_failure(sb, client, receiver):
    receiver.fail = 1
    sb.config(webhook_url=receiver.url, webhook_retry_delays=[0.2, 0.2])
    acct, tok = client.new_account()
    client.acct(tok, "PATCH", "/v1/account/enroll/identity", {})
    assert _wait(lambda: len(receiver.got) >= 2)
    (h1, b1), (h2, b2) = receiver.got[:2]
    assert b1 == b2 and json.loads(b1)["uuid"] == json.loads(b2)["uuid"]  # same event, re-signed
    assert _signature_ok(sb.webhook_secret, h2, b2)
    log = _wait(lambda: len(sb.webhooks()) >= 2 and sb.webhooks())
    assert [(r["attempt"], r["status"]) for r in log] == [(1, 500), (2, 200)]
    time.sleep(0.5)
    assert len(receiver.got) == 2  # no further attempts after success


def test_three_attempts_then_dropped(sb, client, receiver):
    receiver.fail = 100
    receiver.status = 503
    sb.config(webhook_url=receiver.url, webhook_retry_delays=[0.1, 0.1])
    acct, tok = client.new_account()
    client.acct(tok, "PATCH", "/v1/account/enroll/identity", {})
    assert _wait(lambda: len(receiver.got) >= 3)
    time.sleep(0.6)
    assert len(receiver.got) == 3
    log = sb.webhooks()
    assert [r["attempt"] for r in log] == [1, 2, 3] and log[-1]["final"] and not log[-1]["ok"]


def test_timeout_counts_as_failure(sb, client):
    slow = Receiver(fail=0, sleep=1.0)
    try:
        sb.config(webhook_url=slow.url, webhook_retry_delays=[0.1, 0.1], webhook_timeout=0.3)
        acct, tok = client.new_account()
        client.acct(tok, "PATCH", "/v1/account/enroll/identity", {})
        log = _wait(lambda: len(sb.webhooks()) >= 3 and sb.webhooks(), timeout=15)
        assert [r["status"] for r in log] == [None, None, None]
        assert all("timed out" in (r["error"] or "").lower() for r in log)
    finally:
        slow.close()


def test_connection_refused_is_retried(sb, client):
    from light_sandbox.runner import free_port
    sb.config(webhook_url=f"http://127.0.0.1:{free_port()}/nobody", webhook_retry_delays=[0.05, 0.05])
    acct, tok = client.new_account()
    client.acct(tok, "PATCH", "/v1/account/enroll/identity", {})
    log = _wait(lambda: len(sb.webhooks()) >= 3 and sb.webhooks())
    assert [r["attempt"] for r in log] == [1, 2, 3] and all(r["error"] for r in log)


def _pdf(text=b""):
    return b"%PDF-1.4\n" + text + b"\n%%EOF\n"


def test_all_18_events_fired_by_their_actions(sb, client, receiver):
    sb.config(webhook_url=receiver.url, comparison_processing_delay=0.05, usage_profile_delay=0.05)
    meta = sb.admin("GET", "meta")
    assert len(meta["webhook_events"]) == 18
    acct, tok = client.new_account()
    uuid = acct["uuid"]
    client.acct(tok, "PATCH", "/v1/account/enroll/identity", {})                         # identity_updated
    plans = client.acct(tok, "POST", "/v1/account/enroll/plans/request", {"esi_id": ESI})["plans"]  # plan_requested
    client.acct(tok, "POST", "/v1/account/enroll/plans/accept",                           # plan_accepted
                {"plan_uuid": plans[0]["uuid"], "esi_id": ESI,
                 "service_start_date": plans[0]["earliest_start_date"], "terms_accepted": True})
    client.acct(tok, "POST", "/v1/account/billing/ensure-payment-method-added",          # payment_method_added
                {"payment_method_id": "pm_card_visa"})
    client.acct(tok, "PUT", "/v1/account/billing/address", {"same_as_service_address": True})  # billing_address_updated
    client.acct(tok, "POST", "/v1/account/enroll/finalize")                               # finalized
    a = client.acct(tok, "POST", "/v1/account/sandbox/seed-demo-data")   # service_active, usage_history_available,
    loc = a["locations"][0]["uuid"]                                       # invoice_sent, payment_successful
    client.acct(tok, "POST", "/v1/account/billing/ensure-payment-method-added",
                {"payment_method_id": "pm_card_chargeDeclined"})
    sb.admin("POST", f"accounts/{uuid}/invoices", {})                     # invoice_sent + payment_failed
    rp = client.acct(tok, "POST", f"/v1/account/locations/{loc}/renewal-plans/request")["plans"]  # renewal_plan_requested
    client.acct(tok, "POST", f"/v1/account/locations/{loc}/renewal-plans/accept",          # renewal_plan_accepted
                {"plan_uuid": rp[0]["uuid"], "service_start_date": rp[0]["earliest_start_date"],
                 "terms_accepted": True})
    ci = client.acct(tok, "POST", "/v1/account/comparison-invoice",                       # comparison_invoice.processed
                     files={"file": ("bill.pdf", _pdf(b"ESI 10443720000000004"), "application/pdf")})
    _wait(lambda: client.acct(tok, "GET", "/v1/account/comparison-invoice")["status"] == "processed")
    prof = client.app("POST", "/v1/app/usage-profiles/fetch",                              # usage_profile.completed
                      {"comparison_invoice_uuid": ci["uuid"], "user_authorizes_usage_fetch": True}, expect=202)
    ci2 = client.acct(tok, "POST", "/v1/account/comparison-invoice",
                      files={"file": ("no-smt-bill.pdf", _pdf(), "application/pdf")})
    _wait(lambda: client.acct(tok, "GET", f"/v1/account/comparison-invoice?uuid={ci2['uuid']}")["status"] == "processed")
    client.app("POST", "/v1/app/usage-profiles/fetch",                                     # usage_profile.failed
               {"comparison_invoice_uuid": ci2["uuid"], "user_authorizes_usage_fetch": True}, expect=202)
    _wait(lambda: client.app("GET", f"/v1/app/usage-profiles/{prof['uuid']}")["status"] == "completed")
    sb.advance_clock(300 * 86400)                                          # renewal_email_sent (90 days before end)
    tok = client.token(uuid)
    client.acct(tok, "POST", f"/v1/account/locations/{loc}/cancel", {})   # service_canceled
    names = set(meta["webhook_events"])

    def ours():
        out = []
        for h, b in list(receiver.got):
            ev = json.loads(b)
            d = ev["data"]
            if d.get("account", {}).get("uuid") == uuid or (
                    ev["event"].startswith("usage_profile.") and d["usage_profile"]["utility_account_number"]
                    in (ESI, client.acct(tok, "GET", f"/v1/account/comparison-invoice?uuid={ci2['uuid']}")
                        ["utility_account_number"])):
                out.append((h, b, ev))
        return out

    got = _wait(lambda: names <= {ev["event"] for _, _, ev in ours()} and {ev["event"] for _, _, ev in ours()})
    assert got == names, names - set(got or ())
    for h, b, ev in ours():
        assert _signature_ok(sb.webhook_secret, h, b)
        d = ev["data"]
        if ev["event"].startswith("account."):
            assert "location" in d
        if ev["event"] in ("account.invoice_sent", "account.payment_failed", "account.payment_successful"):
            assert d["invoice_number"]
        if ev["event"].startswith("location."):
            assert d["location"]["uuid"] == loc
        if ev["event"].startswith("usage_profile."):
            assert set(d["usage_profile"]) >= {"uuid", "status", "utility_account_number", "start_date", "end_date",
                                               "error_message", "completed_at"}
        if ev["event"] == "usage_profile.failed":
            assert d["usage_profile"]["error_message"]
        if ev["event"] == "comparison_invoice.processed":
            assert d["comparison_invoice"]["uuid"] in (ci["uuid"], ci2["uuid"])
