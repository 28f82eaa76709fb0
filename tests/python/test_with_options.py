"""Client.with_options / app_info (issue 17 item 3): a derived client shares
the connection pool and token cache (light_client_with_options) with changed
settings; app_info extends the User-Agent like Stripe's."""
import asyncio

import pytest

import light

from .conftest import FAST, new_account


def _ua(entry):
    return next(v for k, v in entry["headers"].items() if k.lower() == "user-agent")


def test_app_info_in_user_agent(sb):
    with light.Client(sb.app_token, base_url=sb.base_url,
                      app_info={"name": "MyApp", "version": "1.2", "url": "https://my.app"}) as c:
        sb.clear_journal()
        c.accounts.list(limit=1)
        ua = _ua(sb.journal()[-1])
        assert ua.startswith("light-sdk/") and ua.endswith(" MyApp/1.2 (https://my.app)")
        assert " python/" in ua
    with light.Client(sb.app_token, base_url=sb.base_url, app_info={"name": "Bare"}) as c:
        sb.clear_journal()
        c.accounts.list(limit=1)
        assert _ua(sb.journal()[-1]).endswith(" Bare")


@pytest.mark.parametrize("bad, exc", [
    ("MyApp", TypeError), ({"version": "1"}, TypeError), ({"name": "A", "nick": "x"}, TypeError),
    ({"name": 3}, TypeError), ({"name": "A\r\nX-Evil: 1"}, ValueError), ({"name": "A", "url": "u\n"}, ValueError),
])
def test_bad_app_info_refused_before_io(sb, bad, exc):
    sb.clear_journal()
    with pytest.raises(exc):
        light.Client(sb.app_token, base_url=sb.base_url, app_info=bad)
    with light.Client(sb.app_token, base_url=sb.base_url) as c, pytest.raises(exc):
        c.with_options(app_info=bad)
    assert sb.journal() == []


def test_with_options_shares_token_cache_and_changes_settings(sb, client):
    account = new_account(client)
    base_acct = client.for_account(account.uuid)
    base_acct.retrieve()
    derived = client.with_options(max_retries=0, timeout=5, app_info={"name": "Derived", "version": "2"})
    assert isinstance(derived, light.Client) and derived.base_url == client.base_url
    sb.clear_journal()
    derived.for_account(account.uuid).retrieve()
    j = sb.journal()
    assert [e["path"] for e in j] == ["/v1/account"]  # no new token mint: the cache is shared
    assert _ua(j[0]).endswith(" Derived/2")
    # max_retries=0 on the derived client only
    sb.fault(method="GET", path="/v1/app/accounts", kind="status", status=503, times=1)
    with pytest.raises(light.InternalServerError) as ei:
        derived.accounts.list()
    assert ei.value.retries == 0
    sb.clear_faults()
    sb.fault(method="GET", path="/v1/app/accounts", kind="status", status=503, times=1)
    assert client.accounts.list().data is not None  # the base still retries
    # closing the base closes the clients derived from it, with_options ones too
    client.close()
    with pytest.raises(light.LightError, match="closed"):
        derived.accounts.retrieve(account.uuid)
    derived.close()


def test_with_options_on_account_clients(sb, client):
    account = new_account(client)
    acct = client.for_account(account.uuid).with_options(app_info={"name": "Acct"})
    assert isinstance(acct, light.AccountClient) and acct.account_uuid == account.uuid
    sb.clear_journal()
    acct.retrieve()
    assert _ua(sb.journal(path="/v1/account")[-1]).endswith(" Acct")
    bare = light.AccountClient(account_token=client.accounts.create_token(account.uuid).token,
                               base_url=sb.base_url, **FAST)
    assert bare.with_options(max_retries=1).retrieve().uuid == account.uuid


def test_with_options_argument_errors(client):
    with pytest.raises(TypeError):
        client.with_options(retries=1)
    with pytest.raises(TypeError):
        client.with_options(max_retries="2")
    with pytest.raises(ValueError):
        client.with_options(timeout=-1)
    with pytest.raises(TypeError):
        client.with_options(5)


def test_async_with_options(sb):
    async def run():
        async with light.AsyncClient(sb.app_token, base_url=sb.base_url) as ac:
            d = ac.with_options(app_info={"name": "AsyncApp", "version": "3"})
            assert isinstance(d, light.AsyncClient)
            sb.clear_journal()
            await d.accounts.create(email="async-opts@example.com")
            return _ua(sb.journal()[-1])
    assert asyncio.run(run()).endswith(" AsyncApp/3")
