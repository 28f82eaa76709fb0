"""The core's argument rule seen from Python (issue 13 item 2, issue 14 items
1/4/8/9, issue 17 item 3): what reaches the wire, and what is refused before
any I/O."""
import asyncio
import datetime
import json

import pytest

import light
from light import _light

from .conftest import new_account


def body_of(entry):
    return json.loads(entry["body"])


def test_refused_before_io(sb, client):
    sb.clear_journal()
    cases = [
        (ValueError, "contains a NUL byte", lambda: client.accounts.retrieve("ab\x00c")),
        (ValueError, "longer than 8192 bytes", lambda: client.accounts.retrieve("x" * (10 * 1024 * 1024))),
        (ValueError, "query parameter 'q' is longer than 8192 bytes", lambda: client.accounts.list(q="y" * 9000)),
        (ValueError, "NaN or Infinity", lambda: client.accounts.list(limit=float("nan"))),
        (ValueError, "contains a NUL byte", lambda: client.accounts.list(**{"k\x00": "v"})),
        (ValueError, "contains a NUL byte", lambda: client.accounts.create(email="a@b.c", **{"n\x00x": 1})),
        (ValueError, "beyond +-2^53", lambda: client.accounts.create(email="a@b.c", n=2 ** 60)),
        (ValueError, "NaN and Infinity", lambda: client.accounts.create(email="a@b.c", n=float("inf"))),
        (TypeError, "missing required body field 'email'", lambda: client.accounts.create()),
        (TypeError, "missing path parameter 'account_uuid'", lambda: client.accounts.retrieve()),
        (TypeError, "takes 1 path parameter (2 given)", lambda: client.accounts.retrieve("a", "b")),
        (TypeError, "got multiple values", lambda: client.accounts.retrieve("a", account_uuid="b")),
        (TypeError, "extra_body must be an object", lambda: client.accounts.create(email="a@b.c", extra_body=[1])),
        (TypeError, "extra_query must be an object", lambda: client.accounts.list(extra_query="limit=1")),
        (TypeError, "extra_headers must be an object", lambda: client.accounts.list(extra_headers=["X: 1"])),
        (ValueError, "cannot be set per call", lambda: client.accounts.list(extra_headers={"Authorization": "x"})),
        (ValueError, "cannot be set per call", lambda: client.accounts.list(extra_headers={"Host": "evil"})),
        (ValueError, "cannot be set per call", lambda: client.accounts.list(extra_headers={"content-length": "1"})),
        (ValueError, "CR, LF", lambda: client.accounts.list(extra_headers={"X-Ok": "a\r\nInjected: 1"})),
        (ValueError, "not a valid token", lambda: client.accounts.list(extra_headers={"X-A\r\nB": "v"})),
        (ValueError, "timeout must be a positive finite number of seconds",
         lambda: client.accounts.list(timeout=float("inf"))),
        (ValueError, "max_retries must be an integer from 0 to 100", lambda: client.accounts.list(max_retries=10 ** 10)),
        (TypeError, "unknown argument 'params'", lambda: client._c.request("GET", "/v1/app/accounts", {"params": {}})),
        (ValueError, "path contains", lambda: client.request("GET", "/v1/app/accounts\x00x")),
        (ValueError, "over the limit", lambda: client.accounts.create(email="a@b.c", big=[0] * 1_000_001)),
    ]
    for exc, text, call in cases:
        with pytest.raises(exc) as ei:
            call()
        assert text in str(ei.value), (text, str(ei.value))
    assert sb.journal() == []  # nothing reached the server


def test_for_account_refuses_nul(sb, client):
    sb.clear_journal()
    with pytest.raises(ValueError, match="account_uuid contains a NUL byte"):
        client.for_account("abc\x00def")
    assert sb.journal() == []


def test_wire(sb, client):
    sb.clear_journal()
    acct = client.accounts.create(
        email="args@example.com", note="be\x00fore", when=datetime.date(2026, 1, 2),
        extra_body={"note": "from extra"}, extra_headers={"X-Trace": "t-1", "User-Agent": "mine/1"},
        extra_query={"dry": False}, timeout=5, max_retries=0)
    e = sb.journal(path="/v1/app/accounts")[-1]
    body = body_of(e)
    assert body["note"] == "from extra" and body["when"] == "2026-01-02"
    assert e["headers"].get("X-Trace") == "t-1"
    assert e["headers"].get("User-Agent") == "mine/1"
    assert "dry" in json.dumps(e["query"]) and "false" in json.dumps(e["query"])

    client.accounts.create(email="nul@example.com", note="be\x00fore")
    e = sb.journal(path="/v1/app/accounts")[-1]
    assert body_of(e)["note"] == "be\x00fore"  # NUL crossed intact, JSON-escaped

    client.accounts.retrieve(account_uuid=acct.uuid)  # a path parameter by name
    assert sb.journal()[-1]["path"] == f"/v1/app/accounts/{acct.uuid}"

    got = client.request("GET", "/v1/app/accounts", query={"limit": 1}, headers={"X-Raw": "1"})
    assert len(got.data) == 1
    e = sb.journal()[-1]
    assert e["headers"].get("X-Raw") == "1"
    client.request("POST", "/v1/app/accounts", body={"email": "raw@example.com"})
    assert body_of(sb.journal()[-1])["email"] == "raw@example.com"


def test_isoformat_that_frees_the_key_is_safe(sb, client):
    """issue 14 item 4: the key's buffer must outlive the value's isoformat()."""
    sb.clear_journal()

    class Evil:
        def __init__(self, d):
            self.d = d

        def isoformat(self):
            self.d.clear()  # drops the dict's reference to the key
            "x" * 1000  # churn the allocator
            return "2026-01-01"

    for _ in range(50):
        d = {}
        d["k" * 40 + "ey"] = None
        d["k" * 40 + "ey"] = Evil(d)
        with pytest.raises(RuntimeError, match="changed size"):
            _light._encode(d)
    d = {"email": "uaf@example.com"}
    key = "".join(["da", "te"])
    d[key] = Evil({})
    client.accounts.create(**d)
    assert body_of(sb.journal()[-1])["date"] == "2026-01-01"


def test_async_same_rule(sb):
    asyncio.run(_async_same_rule(sb))


async def _async_same_rule(sb):
    async with light.AsyncClient(sb.app_token, base_url=sb.base_url) as ac:
        sb.clear_journal()
        with pytest.raises(ValueError, match="contains a NUL byte"):
            await ac.accounts.retrieve("ab\x00c")
        with pytest.raises(TypeError, match="missing required body field 'email'"):
            await ac.accounts.create()
        assert sb.journal() == []
        a = await ac.accounts.create(email="async@example.com", extra_headers={"X-Trace": "a"})
        assert sb.journal()[-1]["headers"].get("X-Trace") == "a"
        got = await ac.request("GET", f"/v1/app/accounts/{a.uuid}")
        assert got.uuid == a.uuid


def test_upload_forms(sb, client, tmp_path):
    account = new_account(client)
    acct = client.for_account(account.uuid)
    sb.clear_journal()
    with pytest.raises(TypeError, match="needs a file"):
        acct.comparison_invoice.upload(filename="x.pdf")
    with pytest.raises(ValueError):
        acct.comparison_invoice.upload(b"%PDF", filename="a\r\nb.pdf")
    assert sb.journal() == []
    f = tmp_path / "bill.pdf"
    f.write_bytes(b"%PDF-1.4 test")
    acct.comparison_invoice.upload(f)
    e = sb.journal()[-1]
    assert e["method"] == "POST" and e["path"] == "/v1/account/comparison-invoice"
