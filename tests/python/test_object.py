"""python/light/_object.py: results behave like dicts (json.dumps, copy,
pickle) and carry their HTTP response as ``last_response`` (issue 17 items 2, 7)."""
import copy
import json
import pickle

import pytest

import light

from .conftest import new_account


def test_json_dumps_copy_pickle(client):
    account = new_account(client)
    assert isinstance(account, dict)
    text = json.dumps(account)
    assert json.loads(text) == account.to_dict()
    assert json.loads(json.dumps(account, indent=2, sort_keys=True)) == account.to_dict()
    assert "last_response" not in text and "last_response" not in account.to_dict()
    account.enrollment  # wrapped and stored back: still serialisable, still equal
    assert json.loads(json.dumps(account)) == account.to_dict()
    c = copy.deepcopy(account)
    assert c == account and c is not account
    assert pickle.loads(pickle.dumps(account)) == account
    assert copy.copy(account) == account


def test_nested_mutation_seen_everywhere():
    o = light.LightObject({"enrollment": {"flag": False}, "rows": [{"n": 1}]})
    o.enrollment.flag = True
    o.rows[0].n = 2
    assert o.to_dict() == {"enrollment": {"flag": True}, "rows": [{"n": 2}]}
    assert json.loads(json.dumps(o)) == o.to_dict()
    assert dict(o.items())["enrollment"] is o.enrollment
    assert o.get("enrollment") is o.enrollment and o.get("nope", 3) == 3


def test_last_response_on_results(sb, client):
    account = new_account(client)
    r = account.last_response
    assert isinstance(r, light.LightResponse)
    assert r.status_code == 200 and r.request_id
    assert r.headers["X-Request-Id"] == r.headers["x-request-id"] == r.request_id
    assert "content-type" in r.headers and "CONTENT-TYPE" in r.headers
    assert "last_response" not in repr(account) and "last_response" not in account
    assert any(e.get("request_id") == r.request_id for e in sb.journal())
    assert account.enrollment.last_response is None  # nested objects: the top-level result has it
    raw = client.request("GET", f"/v1/app/accounts/{account.uuid}")
    assert raw.last_response.status_code == 200 and raw.last_response.request_id != r.request_id
    hits = client.enroll.address_search(query="123")  # a JSON array
    assert isinstance(hits, list) and hits.last_response.status_code == 200
    assert json.loads(json.dumps(hits)) == [h.to_dict() for h in hits]


def test_last_response_on_pages_and_errors(client):
    new_account(client)
    page = client.accounts.list(limit=1)
    assert page.last_response.status_code == 200 and page.last_response.request_id
    nxt = page.next_page()
    assert nxt.last_response.request_id != page.last_response.request_id
    with pytest.raises(light.NotFoundError) as ei:
        client.accounts.retrieve("00000000-0000-0000-0000-000000000000")
    e = ei.value
    assert e.last_response.status_code == 404
    assert e.last_response.request_id == e.request_id
    assert e.last_response.headers["X-REQUEST-ID"] == e.request_id


async def _async_meta(sb):
    async with light.AsyncClient(sb.app_token, base_url=sb.base_url) as ac:
        a = await ac.accounts.create(email="async-meta@example.com")
        page = await ac.accounts.list(limit=1)
        return a.last_response, page.last_response


def test_last_response_async(sb):
    import asyncio
    r1, r2 = asyncio.run(_async_meta(sb))
    assert r1.status_code == 200 and r2.status_code == 200 and r1.request_id != r2.request_id
