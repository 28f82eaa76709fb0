"""python/light/_pagination.py: next_page_url first (never off the base URL),
offset paging as the fallback, a bare JSON array as one page (issue 17 item 6).
The emulator's page_style setting shapes its list pages."""
import asyncio

import pytest

import light

from .conftest import enroll_active, new_account


def _walk(sb, client, style):
    sb.config(page_style=style)
    sb.clear_journal()
    uuids = [a.uuid for a in client.accounts.list(limit=2)]
    return uuids, sb.journal(path="/v1/app/accounts")


@pytest.mark.parametrize("style", ["cursor", "relative", "none"])
def test_follows_next_page_url_or_offset(sb, client, style):
    for _ in range(5):
        new_account(client)
    want, _ = _walk(sb, client, "offset")
    got, calls = _walk(sb, client, style)
    assert got == want and len(got) >= 5
    assert len(calls) == (len(want) + 1) // 2
    if style == "cursor":  # only the URL knew the cursor: it was followed
        assert all(str(c["query"].get("cursor", "")).strip("[]'").startswith("c_") for c in calls[1:])
        assert all("offset" not in c["query"] for c in calls[1:])
    if style == "none":
        assert calls[1]["query"]["offset"] in ("2", ["2"])


def test_foreign_next_page_url_stops_with_clear_error(sb, client):
    for _ in range(3):
        new_account(client)
    sb.config(page_style="foreign")
    sb.clear_journal()
    page = client.accounts.list(limit=1)
    assert len(page.data) == 1 and page.has_next_page()
    with pytest.raises(light.APIResponseValidationError, match="next_page_url points to http://elsewhere.invalid"):
        page.next_page()
    with pytest.raises(light.APIResponseValidationError):
        list(client.accounts.list(limit=1))
    assert all(e["path"] == "/v1/app/accounts" for e in sb.journal())


def test_resolve_page_url_rules():
    from light._pagination import resolve_page_url
    base = "https://api.light.dev/prefix"
    assert resolve_page_url(base, "https://api.light.dev/prefix/v1/x?a=1") == ("/v1/x", {"a": "1"})
    assert resolve_page_url(base, "v1/x?cursor=c_1") == ("/v1/x", {"cursor": "c_1"})
    for bad in ("http://api.light.dev/prefix/v1/x", "https://evil.example/prefix/v1/x", "/other/v1/x",
                "//evil.example/prefix/v1/x", "https://api.light.dev:444/prefix/v1/x"):
        with pytest.raises(light.APIResponseValidationError):
            resolve_page_url(base, bad)


def test_bare_array_is_one_page(sb, client):
    _, acct, _ = enroll_active(client)
    sb.config(page_style="array")
    page = acct.billing.invoices.list(limit=3)
    assert len(page.data) == 3 and page.has_more is False and page.next_page() is None
    assert page.last_response.status_code == 200
    assert len(list(acct.billing.invoices.list(limit=3))) == 3


def test_async_follows_cursor(sb):
    async def run():
        async with light.AsyncClient(sb.app_token, base_url=sb.base_url) as ac:
            for i in range(3):
                await ac.accounts.create(email=f"cursor{i}@example.com")
            sb.config(page_style="cursor")
            return [a.uuid async for a in ac.accounts.list(limit=1)]
    got = asyncio.run(run())
    assert len(got) == len(set(got)) >= 3
