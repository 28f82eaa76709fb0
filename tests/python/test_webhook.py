"""light.webhooks (bindings/python/webhook.c) and light.events."""
import http.server
import json
import threading
import time

import pytest

import light
from light import webhooks

from .conftest import ESI, new_account

SECRET = "whsec_test_1234567890"
BODY = json.dumps({"uuid": "evt_1", "created_at": "2026-01-01T00:00:00Z", "api_version": "2024-01-01",
                   "event": "enrollment.finalized", "data": {"account": {"uuid": "a1", "ssn": "123-45-6789"}},
                   "extra_key": {"kept": True}}).encode()


def test_sign_verify_bytes_and_str():
    now = 1_700_000_000
    sig = webhooks.sign(BODY, SECRET, timestamp=now)
    assert sig.startswith(f"{now}.") and len(sig.split(".")[1]) == 64
    ev = webhooks.verify(BODY, sig, SECRET, now=now)
    assert isinstance(ev, light.LightObject)
    assert ev.event == light.events.ENROLLMENT_FINALIZED and ev.data.account.uuid == "a1"
    assert ev.extra_key.kept is True  # unknown keys kept
    assert "123-45-6789" not in repr(ev)
    # the same body as str, bytearray, memoryview
    assert webhooks.verify(BODY.decode(), sig, SECRET, now=now).uuid == "evt_1"
    assert webhooks.verify(bytearray(BODY), sig, SECRET, now=now).uuid == "evt_1"
    assert webhooks.verify(memoryview(BODY), sig, SECRET, now=now).uuid == "evt_1"
    assert webhooks.sign(BODY.decode(), SECRET, timestamp=now) == sig
    assert webhooks.verify_signature(BODY, sig, SECRET, now=now) is None


def test_non_ascii_str_payload():
    body = '{"event":"enrollment.finalized","data":{"name":"Zoë ☀"}}'
    sig = webhooks.sign(body.encode("utf-8"), SECRET, timestamp=100)
    assert webhooks.verify(body, sig, SECRET, now=100).data.name == "Zoë ☀"


@pytest.mark.parametrize("header,now,secret,reason", [
    ("", 100, SECRET, "malformed_header"),
    ("garbage", 100, SECRET, "malformed_header"),
    ("100.zz", 100, SECRET, "malformed_header"),
    (None, 100, SECRET, "malformed_header"),
    ("SIG@100", 100 + 3601, SECRET, "timestamp_too_old"),
    ("SIG@5000", 5000 - 3601, SECRET, "timestamp_in_future"),  # now >= 0: the core refuses negative Unix times
    ("SIG@100", 100, "whsec_other", "signature_mismatch"),
    ("SIG@100", 100, "", "no_secret"),
    ("SIG@100", 100, [], "no_secret"),
    ("SIG@100", 100, None, "no_secret"),
])
def test_reasons(header, now, secret, reason):
    if header and header.startswith("SIG@"):
        header = webhooks.sign(BODY, SECRET, timestamp=int(header[4:]))
    with pytest.raises(light.SignatureVerificationError) as ei:
        webhooks.verify(BODY, header, secret, now=now)
    assert ei.value.reason == reason
    assert SECRET not in str(ei.value)


def test_tampered_body_and_tolerance():
    sig = webhooks.sign(BODY, SECRET, timestamp=1000)
    with pytest.raises(light.SignatureVerificationError) as ei:
        webhooks.verify(BODY.replace(b"a1", b"a2"), sig, SECRET, now=1000)
    assert ei.value.reason == "signature_mismatch"
    assert webhooks.verify(BODY, sig, SECRET, tolerance=10, now=1009).uuid == "evt_1"
    with pytest.raises(light.SignatureVerificationError):
        webhooks.verify(BODY, sig, SECRET, tolerance=10, now=1011)
    # default `now` is the real clock
    fresh = webhooks.sign(BODY, SECRET)
    assert webhooks.verify(BODY, fresh, SECRET).uuid == "evt_1"
    assert abs(int(fresh.split(".")[0]) - time.time()) < 60


def test_rotation():
    old, new = "whsec_old", "whsec_new"
    s_old = webhooks.sign(BODY, old, timestamp=5)
    s_new = webhooks.sign(BODY, new, timestamp=5)
    for sig in (s_old, s_new):
        assert webhooks.verify(BODY, sig, [new, old], now=5).uuid == "evt_1"
        assert webhooks.verify(BODY, sig, (old, new), now=5).uuid == "evt_1"
    with pytest.raises(light.SignatureVerificationError):
        webhooks.verify(BODY, s_old, [new], now=5)


def test_signed_but_not_an_event():
    # the same payload error class as Node and Lua, never SignatureVerificationError(reason="ok")
    for body in (b"not json", b"[1]", b'{"event": 1, "data": {}}'):
        sig = webhooks.sign(body, SECRET, timestamp=5)
        with pytest.raises(light.APIResponseValidationError) as e:
            webhooks.verify(body, sig, SECRET, now=5)
        assert not isinstance(e.value, light.SignatureVerificationError)
        assert "not an event envelope" in str(e.value)
        webhooks.verify_signature(body, sig, SECRET, now=5)  # signature alone is fine


@pytest.mark.parametrize("tolerance", [0, -1, float("nan"), float("inf"), float("-inf"), 10**12, 10**30, 0.5])
def test_nothing_turns_the_window_off(tolerance):
    sig = webhooks.sign(BODY, SECRET, timestamp=5)
    with pytest.raises(ValueError, match="tolerance"):
        webhooks.verify(BODY, sig, SECRET, tolerance=tolerance, now=5 + 10**7)
    with pytest.raises(ValueError, match="tolerance"):
        webhooks.verify_signature(BODY, sig, SECRET, tolerance=tolerance, now=5)


def test_tolerance_types_and_range():
    sig = webhooks.sign(BODY, SECRET, timestamp=5)
    with pytest.raises(TypeError):
        webhooks.verify(BODY, sig, SECRET, tolerance="3600", now=5)
    with pytest.raises(TypeError):
        webhooks.verify(BODY, sig, SECRET, tolerance=True, now=5)
    assert webhooks.verify(BODY, sig, SECRET, tolerance=604800, now=100).event
    assert webhooks.verify(BODY, sig, SECRET, tolerance=60.5, now=60).event
    with pytest.raises(ValueError):
        webhooks.verify(BODY, sig, SECRET, now=float("nan"))


def test_secret_with_nul_is_refused_by_sign_and_verify():
    with pytest.raises(ValueError, match="NUL"):
        webhooks.sign(BODY, "whsec_dev\0REALSECRET", timestamp=5)
    good = webhooks.sign(BODY, "whsec_dev", timestamp=5)
    for secret in ("whsec_dev\0REALSECRET", ["other", "whsec_dev\0REALSECRET"], ("whsec_dev\0",)):
        with pytest.raises(ValueError, match="NUL"):
            webhooks.verify(BODY, good, secret, now=5)


def test_large_bodies_verify_without_the_gil():
    """Another thread runs while a large body is verified (the GIL is released
    at >= 16 KiB). The switch interval is raised so the GIL changes hands only
    when a thread lets go of it: the other thread's counter moves during the
    call only if verify released the GIL — no timing involved."""
    import sys

    big = b'{"event": "enrollment.finalized", "data": {"pad": "' + b"x" * (8 << 20) + b'"}}'
    sig = webhooks.sign(big, SECRET, timestamp=5)
    counter = [0]
    stop = threading.Event()
    started = threading.Event()

    def spin():
        started.set()
        while not stop.is_set():
            counter[0] += 1
            time.sleep(0)  # lets go of the GIL

    old = sys.getswitchinterval()
    sys.setswitchinterval(100.0)
    t = threading.Thread(target=spin)
    try:
        t.start()
        started.wait()
        before = counter[0]
        webhooks.verify_signature(big, sig, [f"wrong{i}" for i in range(15)] + [SECRET], now=5)
        during = counter[0] - before
        small_before = counter[0]
        webhooks.verify_signature(BODY, webhooks.sign(BODY, SECRET, timestamp=5), SECRET, now=5)
        small = counter[0] - small_before
    finally:
        stop.set()
        t.join()
        sys.setswitchinterval(old)
    assert during > 0
    assert small == 0  # small bodies keep the GIL (cheaper than releasing it)
    assert webhooks.verify(big, sig, SECRET, now=5).event == "enrollment.finalized"


def test_argument_errors():
    with pytest.raises(TypeError):
        webhooks.verify(12, "1.ab", SECRET)
    with pytest.raises(TypeError):
        webhooks.verify(BODY, "1.ab", 12)
    with pytest.raises(TypeError):
        webhooks.sign(BODY, None)
    with pytest.raises(ValueError):
        webhooks.sign(BODY, "")


def test_argument_checks_are_the_cores():
    """Webhook arguments are the core's record arguments: its check and its
    words, the same in every language; Python's TypeError / ValueError split."""
    from light import _light

    sig = webhooks.sign(BODY, SECRET, timestamp=5)
    for call, exc, text in [
        (lambda: webhooks.verify(12, sig, SECRET, now=5), TypeError, "payload must be the raw request body"),
        (lambda: webhooks.verify(BODY, sig, ["a", 1], now=5), TypeError, "secret must be a string or a list"),
        (lambda: webhooks.verify(BODY, sig, ["a"] * 17, now=5), ValueError, "at most 16 secrets (17 given)"),
        (lambda: webhooks.verify(BODY, sig, SECRET, now=-1), ValueError, "now must be a number of Unix seconds >= 0"),
        (lambda: webhooks.verify_signature(BODY, sig, SECRET, bogus=1), TypeError, "unexpected argument 'bogus'"),
        (lambda: _light.webhook_verify_signature(BODY, sig, SECRET, payload=BODY), TypeError, "given twice"),
        (lambda: _light.webhook_verify(BODY, sig, SECRET, 60, 5, True, parse=True), TypeError, "given twice"),
        (lambda: webhooks.sign(BODY, SECRET, timestamp=-1), ValueError, "timestamp must be a number of Unix seconds"),
    ]:
        with pytest.raises(exc) as ei:
            call()
        assert text in str(ei.value)
    assert _light.webhook_verify(BODY, sig, SECRET, now=5, parse=False) is None
    assert _light.webhook_sign(memoryview(BODY), SECRET, timestamp=5) == sig


def test_events_constants():
    assert len(light.events.ALL) == 18
    assert light.events.ENROLLMENT_PLAN_REQUESTED == "enrollment.plan_requested"
    assert light.events.USAGE_PROFILE_FAILED == "usage_profile.failed"
    for name in light.events.ALL:
        assert getattr(light.events, name.upper().replace(".", "_")) == name
    assert webhooks.SIGNATURE_HEADER == "Light-Signature-v1"


def test_real_deliveries_from_the_emulator(sb, client):
    received = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append((body, self.headers.get(webhooks.SIGNATURE_HEADER)))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *a):
            pass

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        sb.config(webhook_url=f"http://127.0.0.1:{srv.server_port}/hook")
        account = new_account(client)
        client.enroll.request_plans(esi_id=ESI, account_uuid=account.uuid)
        end = time.monotonic() + 10
        while not received and time.monotonic() < end:
            time.sleep(0.05)
    finally:
        srv.shutdown()
        srv.server_close()
    assert received
    body, sig = received[0]
    ev = webhooks.verify(body, sig, [ "whsec_rotated_out", sb.webhook_secret])
    assert ev.event == light.events.ENROLLMENT_PLAN_REQUESTED
    with pytest.raises(light.SignatureVerificationError):
        webhooks.verify(json.dumps(json.loads(body), indent=2), sig, sb.webhook_secret)  # re-serialised: refused


def test_secrets_list_emptied_by_python_code_during_verify_is_not_read_after_free():
    """issue 14 (borrowed pointers held across a call into Python): the `parse`
    flag's __bool__ runs Python code while verify converts its arguments; it
    empties the list of secrets and drops the strings. The secrets are taken
    after every such conversion, from a tuple copy: verify sees the emptied
    list (no secret), never the freed strings (the ASan run of this suite
    reports a read after free; before the fix it read the dropped secret)."""
    from light import _light

    body = b'{"uuid":"e","event":"enrollment.finalized","created_at":"2023-11-14T22:13:20Z","api_version":"1","data":{}}'
    secret = "".join(["whsec_", "drop", "ped"])  # a str no other reference keeps alive
    header = light.webhooks.sign(body, secret, timestamp=1700000000)
    secrets = ["whsec_other", secret]
    del secret

    class Flag:
        def __bool__(self):
            secrets.clear()
            return True

    with pytest.raises(light.SignatureVerificationError) as ei:
        _light.webhook_verify(body, header, secrets, 3600, 1700000001, Flag())
    assert ei.value.reason == "no_secret" and secrets == []
