"""Every fault kind, matching rules, expiry after `times`, and the journal."""
import http.client
import json
import socket
import time
import urllib.parse

import pytest
import requests


def _conn(sb, timeout=10):
    u = urllib.parse.urlsplit(sb.base_url)
    return http.client.HTTPConnection(u.hostname, u.port, timeout=timeout)


def _get(sb, path, timeout=10):
    c = _conn(sb, timeout)
    c.request("GET", path, headers={"Authorization": f"Bearer {sb.app_token}"})
    r = c.getresponse()
    body = r.read()
    c.close()
    return r, body


def test_status_fault_with_retry_after_and_times(sb):
    sb.fault(method="GET", path="/v1/app/accounts", kind="status", status=503, retry_after=2, times=2)
    for _ in range(2):
        r, body = _get(sb, "/v1/app/accounts")
        assert r.status == 503
        assert r.getheader("Retry-After") == "2"
        assert r.getheader("X-Request-Id").startswith("req_")
        assert "detail" in json.loads(body)
    r, _ = _get(sb, "/v1/app/accounts")
    assert r.status == 200  # expired after two hits
    j = sb.journal(path="/v1/app/accounts")
    assert [e["status"] for e in j] == [503, 503, 200]
    assert [bool(e["fault"]) for e in j] == [True, True, False]


@pytest.mark.parametrize("status", [429, 500, 502, 503, 504])
def test_status_codes(sb, status):
    sb.fault(path="/v1/app/plan-groups", kind="status", status=status, times=1)
    r, _ = _get(sb, "/v1/app/plan-groups")
    assert r.status == status


def test_fault_does_not_run_the_handler(sb, client):
    before = client.app("GET", "/v1/app/accounts?limit=100")
    sb.fault(method="POST", path="/v1/app/accounts", kind="status", status=500, times=1)
    client.app("POST", "/v1/app/accounts", {"email": "f@example.com"}, expect=500)
    after = client.app("GET", "/v1/app/accounts?limit=100")
    assert len(after["data"]) == len(before["data"])
    assert len(sb.journal(method="POST", path="/v1/app/accounts")) == 1


def test_close(sb):
    sb.fault(path="/v1/app/plan-groups", kind="close", times=1)
    with pytest.raises((http.client.RemoteDisconnected, ConnectionError)):
        _get(sb, "/v1/app/plan-groups")
    r, _ = _get(sb, "/v1/app/plan-groups")
    assert r.status == 200
    j = sb.journal(path="/v1/app/plan-groups")
    assert j[0]["status"] is None and j[0]["fault"]["kind"] == "close"


def test_reset_mid_body(sb):
    sb.fault(path="/v1/app/plan-groups", kind="reset", times=1)
    c = _conn(sb)
    c.request("GET", "/v1/app/plan-groups", headers={"Authorization": f"Bearer {sb.app_token}"})
    r = c.getresponse()
    assert r.status == 200
    with pytest.raises((http.client.IncompleteRead, ConnectionResetError)):
        r.read()
    c.close()


def test_delay_causes_client_timeout(sb):
    sb.fault(path="/v1/app/plan-groups", kind="delay", delay=1.0, times=2)
    t0 = time.monotonic()
    r, _ = _get(sb, "/v1/app/plan-groups")
    assert r.status == 200 and time.monotonic() - t0 >= 0.95
    with pytest.raises((socket.timeout, TimeoutError)):
        _get(sb, "/v1/app/plan-groups", timeout=0.3)
    # the emulator still answers the abandoned request after its delay: wait for
    # it, so it cannot land in (and count against the rate limit of) a later test
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        j = sb.journal(path="/v1/app/plan-groups")
        if len(j) == 2 and all(e.get("status") for e in j):
            break
        time.sleep(0.05)
    assert [e.get("status") for e in sb.journal(path="/v1/app/plan-groups")] == [200, 200]


def test_truncated_json(sb):
    sb.fault(path_regex=r"^/v1/app/plan-", kind="truncated_json", times=1)
    r, body = _get(sb, "/v1/app/plan-groups")
    assert r.status == 200 and r.getheader("Content-Type") == "application/json"
    assert len(body) == int(r.getheader("Content-Length"))
    with pytest.raises(ValueError):
        json.loads(body)


def test_non_json(sb):
    sb.fault(path="/v1/app/plan-groups", kind="non_json", times=1)
    r, body = _get(sb, "/v1/app/plan-groups")
    assert r.status == 200 and r.getheader("Content-Type").startswith("text/html")
    assert body.startswith(b"<html>")


def test_oversized(sb):
    sb.fault(path="/v1/app/plan-groups", kind="oversized", size=3 * 1024 * 1024, times=1)
    r, body = _get(sb, "/v1/app/plan-groups")
    assert r.status == 200 and len(body) == 3 * 1024 * 1024
    assert len(json.loads(body)["padding"]) > 3_000_000


def test_trickle(sb):
    sb.fault(path="/v1/app/plan-groups", kind="trickle", size=64, delay=0.02, times=1)
    t0 = time.monotonic()
    r, body = _get(sb, "/v1/app/plan-groups")
    elapsed = time.monotonic() - t0
    assert r.status == 200 and json.loads(body)  # the real, complete answer, slowly
    assert elapsed >= (len(body) // 64) * 0.02 * 0.9


def test_redirect(sb):
    sb.fault(path="/v1/app/plan-groups", kind="redirect", status=307, location="http://127.0.0.1:9/elsewhere",
             times=1)
    r, _ = _get(sb, "/v1/app/plan-groups")
    assert r.status == 307 and r.getheader("Location") == "http://127.0.0.1:9/elsewhere"


def test_global_and_method_filters(sb, client):
    sb.fault(method="POST", kind="status", status=502)  # every POST, unlimited
    client.app("GET", "/v1/app/plan-groups")
    client.app("POST", "/v1/app/accounts/enroll/eligibility", {"postal_code": "75201"}, expect=502)
    faults = sb.admin("GET", "faults")
    assert faults[0]["hits"] == 1
    sb.clear_faults()
    client.app("POST", "/v1/app/accounts/enroll/eligibility", {"postal_code": "75201"})


def test_fault_validation(sb):
    status, body, _ = sb.request("POST", "/_sandbox/faults", {"kind": "explode"})
    assert status == 422
    status, body, _ = sb.request("POST", "/_sandbox/faults", {"kind": "status", "path_regex": "("})
    assert status == 422
    f = sb.fault(kind="delay", path="/x", delay=0.1)
    assert sb.request("DELETE", f"/_sandbox/faults/{f['id']}")[0] == 200
    assert sb.admin("GET", "faults") == []


def test_faults_never_touch_admin_routes(sb):
    sb.fault(kind="status", status=500)
    assert sb.journal() == []  # admin GET works and is not journaled
    sb.clear_faults()


def test_keepalive_survives_status_fault(sb):
    s = requests.Session()
    sb.fault(path="/v1/app/plan-groups", kind="status", status=503, times=1)
    h = {"Authorization": f"Bearer {sb.app_token}"}
    assert s.get(sb.base_url + "/v1/app/plan-groups", headers=h).status_code == 503
    assert s.get(sb.base_url + "/v1/app/plan-groups", headers=h).status_code == 200
    j = sb.journal(path="/v1/app/plan-groups")
    assert j[0]["connection_id"] == j[1]["connection_id"]
    s.close()
