"""light.AsyncClient over the core's async engine driven by asyncio
(bindings/python/engine.c): no threads, many requests on one loop."""
import asyncio
import threading

import pytest

import light

from .conftest import FAST, new_account, settled_journal


def run(coro):
    return asyncio.run(coro)


@pytest.fixture
def aclient_args(sb):
    return dict(app_token=sb.app_token, base_url=sb.base_url, **FAST)


def test_two_hundred_concurrent_requests_on_one_loop(sb, client, aclient_args):
    account = new_account(client)
    threads_before = threading.active_count()
    seen_threads = []

    async def main():
        async with light.AsyncClient(**aclient_args) as ac:
            async def one(i):
                seen_threads.append(threading.active_count())
                if i % 2:
                    return (await ac.accounts.retrieve(account.uuid)).uuid
                return (await ac.for_account(account.uuid).retrieve()).uuid
            got = await asyncio.gather(*(one(i) for i in range(200)))
            engine = next(iter(ac._engines.values()))
            assert engine.pending == 0
            return got

    got = run(main())
    assert got == [account.uuid] * 200
    assert max(seen_threads) <= threads_before  # driven by the loop, not a thread pool
    assert len(sb.journal(path=f"/v1/app/accounts/{account.uuid}")) == 100
    assert len(sb.journal(path=f"/v1/app/accounts/{account.uuid}/token")) == 1  # one mint for 100 waiters


def test_async_surface_pagination_and_raw(sb, client, aclient_args):
    for _ in range(5):
        new_account(client)

    async def main():
        ac = light.AsyncClient(**aclient_args)
        first = await ac.accounts.list(limit=2)
        assert isinstance(first, light.AsyncPage) and len(first.data) == 2
        items = [a async for a in ac.accounts.list(limit=2)]
        pages = [p async for p in first.pages()]
        raw = await ac.request("GET", "/v1/app/accounts", query={"limit": 1})
        acct = ac.for_account(items[0].uuid)
        me = await acct.retrieve()
        await ac.close()
        return items, pages, raw, me

    items, pages, raw, me = run(main())
    assert len(items) >= 5 and len(pages) >= 3 and len(raw.data) == 1 and me.uuid == items[0].uuid


def test_async_errors_and_retries(sb, aclient_args):
    async def main():
        ac = light.AsyncClient(**aclient_args)
        with pytest.raises(light.NotFoundError) as ei:
            await ac.accounts.retrieve("a1b2c3d4-5678-90ab-cdef-1234567890ab")
        assert ei.value.status == 404 and ei.value.request_id
        sb.fault(method="GET", path="/v1/app/plan-groups", kind="status", status=503, retry_after=1, times=1)
        await ac.plan_groups.list()  # retry delay is an engine timer (loop.call_later)
        with pytest.raises(TypeError):
            await ac.accounts.create()
        sb.fault(method="GET", path="/v1/app/enroll/nothing", kind="delay", delay=3)
        sb.fault(method="GET", path="/v1/app/accounts/enroll/plan-benchmarks", kind="delay", delay=3)
        with pytest.raises(light.APITimeoutError):
            await ac.enroll.plan_benchmarks(timeout=0.3, max_retries=0)
        await ac.close()
        with pytest.raises(light.LightError):
            await ac.plan_groups.list()

    run(main())
    assert [e["status"] for e in settled_journal(sb, path="/v1/app/plan-groups")] == [503, 200]


def test_cancellation_releases_the_request(sb, aclient_args):
    sb.fault(method="GET", path="/v1/app/plan-groups", kind="delay", delay=2)

    async def main():
        ac = light.AsyncClient(**aclient_args)
        task = asyncio.ensure_future(ac.plan_groups.list())
        await asyncio.sleep(0.2)
        engine = next(iter(ac._engines.values()))
        assert engine.pending == 1
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert engine.pending == 0
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(ac.plan_groups.list(), 0.2)
        assert engine.pending == 0
        sb.clear_faults()
        assert await ac.plan_groups.list() is not None
        await ac.close()

    run(main())


def test_one_client_on_successive_loops(sb, aclient_args):
    ac = light.AsyncClient(**aclient_args)

    async def once():
        return await ac.enroll.eligibility(postal_code="75201")

    assert run(once()).eligibility_likelihood > 0
    assert run(once()).eligibility_likelihood > 0  # a new loop gets its own engine
    assert len(ac._engines) == 1  # the closed loop's engine was dropped
    run(ac.close())


def test_close_with_pending_requests(sb, aclient_args):
    sb.fault(method="GET", path="/v1/app/plan-groups", kind="delay", delay=2)

    async def main():
        ac = light.AsyncClient(**aclient_args)
        task = asyncio.ensure_future(ac.plan_groups.list())
        await asyncio.sleep(0.1)
        await ac.close()
        with pytest.raises(light.LightError):
            await task

    run(main())


def test_async_token_refresh_on_expiry(sb, client, aclient_args):
    account = new_account(client)

    async def main():
        ac = light.AsyncClient(**aclient_args, _fake_clock=True)
        acct = ac.for_account(account.uuid)
        await acct.retrieve()
        ac._c._advance_clock(55 * 60)
        sb.clear_journal()
        await acct.retrieve()
        await ac.close()

    run(main())
    assert [(e["method"], e["status"]) for e in settled_journal(sb)] == [("POST", 200), ("GET", 200)]
