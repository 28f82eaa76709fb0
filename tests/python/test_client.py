"""light.Client / AccountClient over the blocking core client
(bindings/python/client.c): pagination, tokens, raw requests, options,
argument checks before I/O, lifetime, threads and fork."""
import os
import threading
import time

import pytest

import light

from .conftest import FAST, enroll_active, new_account, settled_journal


def _token_mints(sb, uuid):
    return [e for e in sb.journal() if e["path"] == f"/v1/app/accounts/{uuid}/token"]


# ---- pagination -------------------------------------------------------------------

def test_pagination_walks_three_pages_lazily(sb, client):
    for _ in range(7):
        new_account(client)
    sb.clear_journal()
    page = client.accounts.list(limit=3)
    assert isinstance(page, light.Page) and len(page.data) == 3 and page.has_more
    assert len(sb.journal(path="/v1/app/accounts")) == 1  # only the first page so far
    items = list(page)
    assert len(items) >= 7 and len({a.uuid for a in items}) == len(items)
    calls = sb.journal(path="/v1/app/accounts")
    assert len(calls) >= 3
    offsets = [c["query"].get("offset") for c in calls]
    assert offsets[0] in (None, "0", ["0"])
    pages = list(client.accounts.list(limit=3).pages())
    assert len(pages) >= 3 and sum(len(p.data) for p in pages) == len(items)
    assert pages[-1].has_next_page() is False and pages[-1].next_page() is None


def test_invoices_pagination(sb, client):
    _, acct, _ = enroll_active(client)
    first = acct.billing.invoices.list(limit=4)
    assert first.limit == 4 and first.offset == 0
    nxt = first.next_page()
    assert nxt.offset == 4 and int(first.next_query["offset"]) == 4  # from next_page_url: a string
    numbers = [i.number for i in acct.billing.invoices.list(limit=4)]
    assert len(numbers) == len(set(numbers)) > 8


# ---- tokens -------------------------------------------------------------------------

def test_account_token_cached_and_refreshed_ahead_of_expiry(sb):
    c = light.Client(sb.app_token, base_url=sb.base_url, _fake_clock=True, **FAST)
    account = new_account(c)
    acct = c.for_account(account.uuid)
    sb.clear_journal()
    acct.retrieve()
    acct.retrieve()
    assert len(_token_mints(sb, account.uuid)) == 1  # minted once, then cached
    c._c._advance_clock(55 * 60)  # within the 10 min refresh margin of the 60 min token
    sb.clear_journal()
    acct.retrieve()
    j = settled_journal(sb)
    assert [(e["method"], e["path"].split("/")[-1], e["status"]) for e in j] == [
        ("POST", "token", 200), ("GET", "account", 200)]  # refreshed before use, no 401
    c.close()


def test_account_token_reminted_on_401(sb, client):
    account = new_account(client)
    acct = client.for_account(account.uuid)
    acct.retrieve()
    sb.advance_clock(3700)  # the server now considers the cached token expired
    sb.clear_journal()
    assert acct.retrieve().uuid == account.uuid
    seq = [(e["method"], e["path"], e["status"]) for e in settled_journal(sb)]
    assert seq == [("GET", "/v1/account", 401), ("POST", f"/v1/app/accounts/{account.uuid}/token", 200),
                   ("GET", "/v1/account", 200)]
    # an injected 401 also triggers exactly one re-mint
    sb.fault(method="GET", path="/v1/account", kind="status", status=401, times=1)
    sb.clear_journal()
    acct.retrieve()
    assert len(_token_mints(sb, account.uuid)) == 1


def test_bare_account_client(sb, client):
    account = new_account(client)
    tok = client.accounts.create_token(account.uuid).token
    with light.AccountClient(account_token=tok, base_url=sb.base_url) as acct:
        assert acct.retrieve().uuid == account.uuid
        assert acct.account_uuid is None
    with pytest.raises(light.AuthenticationError):
        light.AccountClient(account_token="not-a-token", base_url=sb.base_url).retrieve()


# ---- raw requests, per-call options ---------------------------------------------------

def test_raw_request(sb, client):
    account = new_account(client)
    got = client.request("GET", f"/v1/app/accounts/{account.uuid}")
    assert isinstance(got, light.LightObject) and got.uuid == account.uuid
    page = client.request("get", "/v1/app/accounts", query={"limit": 1})
    assert len(page.data) == 1
    fl = client.request("POST", f"/v1/app/accounts/{account.uuid}/flow-login", body={"scope": "billing"})
    assert fl.scope == "billing"
    acct = client.for_account(account.uuid)
    assert acct.request("GET", "/v1/account").uuid == account.uuid
    e = sb.journal(path="/v1/account")[-1]
    assert e["auth_kind"] == "account"
    with pytest.raises(light.NotFoundError):
        client.request("GET", "/v1/app/no-such-thing")
    with pytest.raises(ValueError):
        client.request("GET", "v1/app/accounts")


def test_extra_query_extra_body_and_overrides(sb, client):
    account = new_account(client)
    sb.clear_journal()
    client.accounts.update(account.uuid, first_name="Ada", extra_body={"last_name": "Byron"},
                           extra_query={"trace": "1"}, timeout=5, max_retries=0)
    e = sb.journal()[-1]
    assert e["query"].get("trace") in ("1", ["1"]) and '"last_name"' in e["body"] and "Byron" in e["body"]
    # body-less operation: keywords form the query
    client.accounts.list(limit=2, offset=0)
    q = sb.journal()[-1]["query"]
    assert q.get("limit") in ("2", ["2"])


def test_local_mistakes_raise_before_io(sb, client):
    sb.clear_journal()
    with pytest.raises(TypeError):
        client.accounts.create()  # required email
    with pytest.raises(TypeError):
        client.accounts.retrieve()  # path parameter
    with pytest.raises(TypeError):
        client.accounts.retrieve(None)
    with pytest.raises(ValueError):
        client.accounts.retrieve("")
    with pytest.raises(TypeError):
        client.accounts.create(email=object())
    with pytest.raises(ValueError):
        client.accounts.create(email="a@b.c", n=float("nan"))
    with pytest.raises(ValueError):
        client.accounts.create(email="a@b.c", n=2 ** 80)
    with pytest.raises(TypeError):
        client.accounts.list(limit=[1, 2])
    with pytest.raises(TypeError):
        client.accounts.create(email="a@b.c", timeout="soon")
    with pytest.raises(ValueError):
        client.accounts.list(timeout=-1)
    with pytest.raises(ValueError):
        light.Client("tok\r\nX-Evil: 1", base_url=sb.base_url)
    with pytest.raises(TypeError):
        client.for_account(None).retrieve()
    acct = client.for_account("x")
    with pytest.raises(TypeError):
        acct.comparison_invoice.upload(12)
    with pytest.raises(TypeError):
        light.Client(123)
    with pytest.raises(ValueError):
        light.Client("tok", base_url="not a url")
    with pytest.raises(TypeError):
        light.Client("tok", bogus=1)
    assert sb.journal() == []  # nothing reached the server


def test_env_fallback_repr_and_close(sb, monkeypatch):
    monkeypatch.setenv("LIGHT_APP_TOKEN", sb.app_token)
    monkeypatch.setenv("LIGHT_BASE_URL", sb.base_url)
    c = light.Client()
    assert c.base_url == sb.base_url
    assert sb.app_token not in repr(c) and "base_url" in repr(c)
    assert c.accounts.list(limit=1).data is not None
    c.close()
    c.close()  # idempotent
    assert c.closed
    with pytest.raises(light.LightError, match="closed"):
        c.accounts.list()
    monkeypatch.delenv("LIGHT_APP_TOKEN")
    with pytest.raises(ValueError, match="LIGHT_APP_TOKEN"):
        light.Client()
    with light.Client(sb.app_token, base_url=sb.base_url) as c2:
        assert c2.enroll.eligibility(postal_code="75201").eligibility_likelihood > 0
    assert c2.closed


def test_generated_methods_follow_the_table():
    from light._resources import OPERATIONS
    c = light.Client("tok", base_url="http://127.0.0.1:9")
    a = c.for_account("acc")
    for op in OPERATIONS:
        target = c if op.auth == "app" else a
        for part in filter(None, op.ns.split(".")):
            target = getattr(target, part)
        fn = getattr(target, op.name)
        assert fn.operation is op
        assert op.summary in fn.__doc__


# ---- threads and fork ----------------------------------------------------------------

def test_eight_threads_share_one_client(sb, client):
    account = new_account(client)
    acct = client.for_account(account.uuid)
    errors, done = [], []

    def work():
        try:
            for i in range(40):
                if i % 2:
                    assert client.accounts.retrieve(account.uuid).uuid == account.uuid
                else:
                    assert acct.retrieve().uuid == account.uuid
            done.append(1)
        except BaseException as e:  # noqa: BLE001
            errors.append(e)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors and len(done) == 8
    assert len(_token_mints(sb, account.uuid)) == 1  # one mint shared by all threads


def test_gil_released_while_waiting(sb, client):
    sb.fault(method="GET", path="/v1/app/plan-groups", kind="delay", delay=2.0, times=1)
    t = threading.Thread(target=client.plan_groups.list)
    t.start()
    time.sleep(0.2)
    n = 0
    for i in range(200000):  # pure Python work while the other thread waits on the network
        n += i
    still_waiting = t.is_alive()
    t.join(10)
    assert still_waiting, "the request thread finished before this thread could run: GIL held during I/O?"


def test_fork_child_gets_a_clear_error(sb, client):
    account = new_account(client)
    client.accounts.retrieve(account.uuid)  # pool has a live connection
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # child
        os.close(r)
        msg = b"no error"
        try:
            client.accounts.retrieve(account.uuid)
        except light.LightError as e:
            msg = (type(e).__name__ + ":" + str(e)).encode()
        except BaseException as e:  # noqa: BLE001
            msg = repr(e).encode()
        try:  # a client created in the child works
            fresh = light.Client(sb.app_token, base_url=sb.base_url)
            ok = fresh.accounts.retrieve(account.uuid).uuid == account.uuid
            msg += b"|fresh ok" if ok else b"|fresh bad"
        except BaseException as e:  # noqa: BLE001
            msg += b"|fresh " + repr(e).encode()
        os.write(w, msg)
        os._exit(0)
    os.close(w)
    out = b""
    while chunk := os.read(r, 4096):
        out += chunk
    os.close(r)
    _, st = os.waitpid(pid, 0)
    assert os.WIFEXITED(st) and os.WEXITSTATUS(st) == 0
    text = out.decode()
    assert text.startswith("LightError:") and "fork" in text, text
    assert text.endswith("|fresh ok"), text
    assert client.accounts.retrieve(account.uuid).uuid == account.uuid  # the parent is unaffected


# ---- transport options ---------------------------------------------------------------

def test_tls_with_ca_file(sandbox_tls):
    with light.Client(sandbox_tls.app_token, base_url=sandbox_tls.base_url, ca_file=sandbox_tls.ca_file) as c:
        assert c.enroll.eligibility(postal_code="75201").eligibility_likelihood > 0
    with light.Client(sandbox_tls.app_token, base_url=sandbox_tls.base_url, max_retries=0) as c:
        with pytest.raises(light.APIConnectionError):  # the test CA is not in the system store
            c.plan_groups.list()


def test_client_side_rate_limiter(sb):
    sb.config(rate_limit=True)
    with light.Client(sb.app_token, base_url=sb.base_url, rate_limit=True, max_retries=0) as c:
        for _ in range(40):
            c.plan_groups.list()
    statuses = [e["status"] for e in settled_journal(sb, path="/v1/app/plan-groups")]
    assert len(statuses) == 40 and 429 not in statuses
