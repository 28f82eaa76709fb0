"""logging.getLogger("light") (issue 17 item 4): one record per call with
method, path, status, duration, retries and request id; DEBUG adds the
response headers, credentials redacted. tests/secrets scans it for secrets."""
import asyncio
import logging

import pytest

import light

from .conftest import FAST, new_account


def _records(caplog):
    return [r for r in caplog.records if r.name == "light"]


def test_info_record_per_call(sb, client, caplog):
    caplog.set_level(logging.INFO, logger="light")
    account = new_account(client)
    recs = _records(caplog)
    assert len(recs) == 1
    r = recs[0]
    assert r.levelno == logging.INFO
    assert (r.light_method, r.light_path, r.light_status) == ("POST", "/v1/app/accounts", 200)
    assert r.light_request_id == account.last_response.request_id and r.light_retries == 0
    assert r.light_duration_ms >= 0
    msg = r.getMessage()
    assert msg.startswith("POST /v1/app/accounts 200 in ") and account.last_response.request_id in msg
    caplog.clear()
    client.for_account(account.uuid).retrieve()
    assert [(r.light_method, r.light_path) for r in _records(caplog)] == [("GET", "/v1/account")]


def test_retries_and_errors_are_logged(sb, client, caplog):
    caplog.set_level(logging.INFO, logger="light")
    sb.fault(method="GET", path="/v1/app/accounts", kind="status", status=503, times=1)
    client.accounts.list(limit=1)
    (r,) = _records(caplog)
    assert r.light_retries == 1 and r.light_status == 200 and "1 retries" in r.getMessage()
    caplog.clear()
    with pytest.raises(light.NotFoundError):
        client.accounts.retrieve("00000000-0000-0000-0000-000000000000")
    (r,) = _records(caplog)
    assert r.light_status == 404 and "NotFoundError" in r.getMessage() and r.light_request_id
    caplog.clear()
    with pytest.raises(TypeError):  # refused before I/O: nothing sent, nothing logged
        client.accounts.create()
    assert _records(caplog) == []


def test_debug_adds_redacted_headers(sb, client, caplog):
    caplog.set_level(logging.DEBUG, logger="light")
    account = new_account(client)
    token = client.accounts.create_token(account.uuid).token
    debug = [r for r in _records(caplog) if r.levelno == logging.DEBUG]
    assert len(debug) == 2 and "x-request-id" in debug[0].getMessage().lower()
    text = "\n".join(r.getMessage() for r in _records(caplog))
    assert token not in text and sb.app_token not in text


def test_redaction_of_header_names():
    from light._client import _redacted_headers
    h = _redacted_headers("Set-Cookie: s=1\r\nX-Api-Key: k\r\nAuthorization: Bearer t\r\nX-Request-Id: r\r\n")
    assert h == {"Set-Cookie": "[redacted]", "X-Api-Key": "[redacted]", "Authorization": "[redacted]",
                 "X-Request-Id": "r"}


def test_silent_when_not_enabled(sb, client, caplog):
    caplog.set_level(logging.WARNING, logger="light")
    new_account(client)
    assert _records(caplog) == []


def test_async_calls_are_logged(sb, caplog):
    caplog.set_level(logging.INFO, logger="light")

    async def run():
        async with light.AsyncClient(sb.app_token, base_url=sb.base_url, **FAST) as ac:
            await ac.accounts.create(email="async-log@example.com")
            await ac.accounts.list(limit=1)
    asyncio.run(run())
    assert [(r.light_method, r.light_path) for r in _records(caplog)] == [("POST", "/v1/app/accounts"),
                                                                          ("GET", "/v1/app/accounts")]
