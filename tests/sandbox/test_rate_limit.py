"""Sliding one-second rate limits: 30/s per app token, 10/s per account."""
import time

import requests


def _burst(url, token, n):
    s = requests.Session()
    h = {"Authorization": f"Bearer {token}"}
    out = [s.get(url, headers=h) for _ in range(n)]
    s.close()
    return out


def test_app_limit(sb, client):
    sb.config(rate_limit=True)
    time.sleep(1.05)
    rs = _burst(sb.base_url + "/v1/app/plan-groups", sb.app_token, 40)
    codes = [r.status_code for r in rs]
    assert codes[:30] == [200] * 30, codes
    assert 429 in codes[30:]
    r429 = next(r for r in rs if r.status_code == 429)
    assert int(r429.headers["Retry-After"]) >= 1 and "detail" in r429.json()
    time.sleep(1.05)
    assert _burst(sb.base_url + "/v1/app/plan-groups", sb.app_token, 1)[0].status_code == 200


def test_account_limit_is_per_account(sb, client):
    a1, t1 = client.new_account()
    a2, t2 = client.new_account()
    sb.config(rate_limit=True)
    time.sleep(1.05)
    codes1 = [r.status_code for r in _burst(sb.base_url + "/v1/account", t1, 14)]
    assert codes1[:10] == [200] * 10 and 429 in codes1[10:], codes1
    # another account has its own window; a fresh token for the same account does not
    assert _burst(sb.base_url + "/v1/account", t2, 1)[0].status_code == 200
    t1b = client.token(a1["uuid"])
    assert _burst(sb.base_url + "/v1/account", t1b, 1)[0].status_code == 429
    # the sliding window frees slots after a second
    time.sleep(1.05)
    assert _burst(sb.base_url + "/v1/account", t1, 1)[0].status_code == 200


def test_switch_off(sb, client):
    sb.config(rate_limit=False)
    codes = {r.status_code for r in _burst(sb.base_url + "/v1/app/plan-groups", sb.app_token, 60)}
    assert codes == {200}
    assert sb.journal()[0]["status"] == 200
