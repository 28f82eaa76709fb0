"""TLS with the generated CA, keep-alive, concurrency and throughput."""
import concurrent.futures
import http.client
import json
import ssl
import time
import urllib.parse

import pytest
import requests

from light_sandbox import bench
from light_sandbox.runner import SandboxProcess


def test_tls_verified_with_ca(sandbox_tls):
    sb = sandbox_tls
    assert sb.base_url.startswith("https://127.0.0.1:") and sb.ca_file
    u = urllib.parse.urlsplit(sb.base_url)
    ctx = ssl.create_default_context(cafile=sb.ca_file)
    conn = http.client.HTTPSConnection(u.hostname, u.port, context=ctx, timeout=10)
    for _ in range(3):  # keep-alive over TLS
        conn.request("GET", "/v1/app/plan-groups", headers={"Authorization": f"Bearer {sb.app_token}"})
        r = conn.getresponse()
        assert r.status == 200 and json.loads(r.read())
    conn.close()
    j = [e for e in sb.journal() if e["path"] == "/v1/app/plan-groups"][-3:]
    assert len({e["connection_id"] for e in j}) == 1
    # without the CA the default trust store rejects it
    with pytest.raises(requests.exceptions.SSLError):
        requests.get(sb.base_url + "/v1/app/plan-groups")
    assert sb.env()["LIGHT_SANDBOX_CA_FILE"] == sb.ca_file


def test_tls_faults(sandbox_tls):
    sb = sandbox_tls
    sb.clean()
    sb.fault(path="/v1/app/plan-groups", kind="reset", times=1)
    with pytest.raises(requests.exceptions.RequestException):
        requests.get(sb.base_url + "/v1/app/plan-groups", verify=sb.ca_file,
                     headers={"Authorization": f"Bearer {sb.app_token}"}).json()
    r = requests.get(sb.base_url + "/v1/app/plan-groups", verify=sb.ca_file,
                     headers={"Authorization": f"Bearer {sb.app_token}"})
    assert r.status_code == 200


def test_tls_wrong_host():
    with SandboxProcess(["--tls-wrong-host"]) as sb:
        with pytest.raises(requests.exceptions.SSLError) as e:
            requests.get(sb.base_url + "/_sandbox/health", verify=sb.ca_file)
        assert "hostname" in str(e.value).lower() or "match" in str(e.value).lower()
        ctx = ssl.create_default_context(cafile=sb.ca_file)
        ctx.check_hostname = False  # the chain itself is valid
        u = urllib.parse.urlsplit(sb.base_url)
        c = http.client.HTTPSConnection(u.hostname, u.port, context=ctx, timeout=10)
        c.request("GET", "/_sandbox/health")
        assert c.getresponse().status == 200
        c.close()


def test_connections_counter_proves_reuse(sb, client):
    before = sb.connections()
    s = requests.Session()
    for _ in range(20):
        assert s.get(sb.base_url + "/v1/app/plan-groups", headers={"Authorization": f"Bearer {sb.app_token}"}).ok
    s.close()
    after = sb.connections()
    assert after - before <= 2  # one for the session + one admin call
    assert len({e["connection_id"] for e in sb.journal()}) == 1


def test_many_concurrent_connections(sb, client):
    acct, _ = client.new_account()
    url = f"{sb.base_url}/v1/app/accounts/{acct['uuid']}"
    h = {"Authorization": f"Bearer {sb.app_token}"}

    def one(_):
        with requests.Session() as s:
            return [s.get(url, headers=h, timeout=30).status_code for _ in range(10)]

    with concurrent.futures.ThreadPoolExecutor(64) as ex:
        codes = [c for batch in ex.map(one, range(64)) for c in batch]
    assert codes.count(200) == 640


def test_throughput(sb, client, capsys):
    acct, _ = client.new_account()
    rps, n, errors = bench.run(sb.base_url, sb.app_token, f"/v1/app/accounts/{acct['uuid']}", seconds=2.0,
                               connections=4)
    with capsys.disabled():
        print(f"\n[sandbox throughput] {rps:.0f} simple GET req/s over 4 keep-alive connections "
              f"({n} requests, {errors} errors)")
    assert errors == 0 and rps >= 200
    time.sleep(0)
