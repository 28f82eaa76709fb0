"""No growth of Python objects or RSS over 10,000 calls (blocking, errors,
async, webhooks). Bounds are generous: a per-call leak of one object or
~1 KB would still exceed them."""
import asyncio
import gc
import os

import light

from .conftest import new_account

PAGE = os.sysconf("SC_PAGE_SIZE")


def _rss():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * PAGE


def _objects():
    gc.collect()
    return len(gc.get_objects())


def test_no_growth_over_10000_calls(sb, client):
    account = new_account(client)
    acct = client.for_account(account.uuid)
    secret = sb.webhook_secret
    body = b'{"event":"enrollment.finalized","data":{"account":{"uuid":"a"}}}'
    sig = light.webhooks.sign(body, secret)

    def batch(n):
        for i in range(n):
            k = i % 10
            if k < 6:
                assert client.accounts.retrieve(account.uuid).uuid == account.uuid
            elif k < 8:
                acct.retrieve()
            elif k == 8:
                try:
                    client.accounts.retrieve("a1b2c3d4-5678-90ab-cdef-1234567890ab")
                except light.NotFoundError:
                    pass
            else:
                light.webhooks.verify(body, sig, secret)

    async def abatch(n):
        ac = light.AsyncClient(sb.app_token, base_url=sb.base_url)
        for _ in range(n // 50):
            await asyncio.gather(*(ac.accounts.retrieve(account.uuid) for _ in range(50)))
        await ac.close()

    batch(500)
    asyncio.run(abatch(200))
    objs0, rss0 = _objects(), _rss()
    batch(8000)
    asyncio.run(abatch(2000))
    objs1, rss1 = _objects(), _rss()
    grew_objs, grew_rss = objs1 - objs0, rss1 - rss0
    print(f"\n10,000 calls: gc objects {objs0} -> {objs1} ({grew_objs:+d}); "
          f"RSS {rss0 / 2**20:.1f} -> {rss1 / 2**20:.1f} MiB ({grew_rss / 2**20:+.2f} MiB)")
    assert grew_objs < 500, grew_objs
    assert grew_rss < 8 * 2**20, grew_rss
