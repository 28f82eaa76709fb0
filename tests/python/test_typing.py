"""The typed stubs (python/light/models.pyi, __init__.pyi; generated from
docs/api/models.json by tools/gen_python_stubs.py) under mypy --strict: typed
results type-check, a misspelt field is an error. Unknown keys stay at run
time (issue 17 item 5)."""
import pathlib
import subprocess
import sys

import pytest

import light

REPO = pathlib.Path(__file__).resolve().parents[2]

GOOD = '''
import light
from light import models


def f(c: light.Client) -> None:
    a = c.accounts.create(email="x@example.com")
    print(a.uuid.upper(), a.email, a.last_response and a.last_response.status_code)
    d = a.to_dict()
    print(d["uuid"], d.get("phone_number"), a["key_added_later"])
    acct = c.for_account(a.uuid)
    me = acct.retrieve()
    if me.enrollment is not None:
        print(me.enrollment.can_finalize_enrollment)
    for inv in acct.billing.invoices.list():
        print(inv.number, inv.total_cents + 1)
    hits = c.enroll.address_search(query="1")
    print(hits[0].esi_id, hits.last_response)
    daily = acct.locations.usage.daily("loc", month=1, year=2026)
    print([day.consumption for day in daily.days])
    print(acct.enroll.accept_plan(plan_uuid="p").anything)  # shape undocumented: untyped
    print(c.with_options(max_retries=0, app_info={"name": "x"}).accounts.retrieve("u").created_at)


async def g(c: light.AsyncClient) -> None:
    a = await c.accounts.retrieve("u")
    print(a.status)
    async for inv in c.for_account("u").billing.invoices.list():
        print(inv.pdf)


def h(e: models.LocationServiceActiveEvent, u: models.UsageProfileFailedEvent) -> None:
    print(e.data.location.uuid, u.data.usage_profile.error_message, e.event)


def w(body: bytes, header: str) -> None:
    ev = light.webhooks.verify(body, header, "whsec")
    print(ev.uuid, ev.created_at)
    if ev.event == "location.service_active":  # narrows the union of event classes
        print(ev.data.location.service_start_date)
    elif ev.event == "usage_profile.failed":
        print(ev.data.usage_profile.error_message)
'''

BAD = {
    "attribute": ('a = c.accounts.create(email="x@example.com")\n    print(a.emial)', '"emial"'),
    "to_dict key": ('a = c.accounts.retrieve("u")\n    print(a.to_dict()["frist_name"])', '"frist_name"'),
    "page item": ('for i in c.for_account("u").billing.invoices.list():\n        print(i.totl)', '"totl"'),
    "nested": ('me = c.for_account("u").retrieve()\n    print(me.app.nmae)', '"nmae"'),
    "type": ('a = c.accounts.create(email="x@example.com")\n    n: int = a.uuid', "Incompatible types"),
    "event": ('ev = light.webhooks.verify(b"", "", "s")\n    if ev.event == "usage_profile.failed":\n'
              '        print(ev.data.usage_profile.eror_message)', '"eror_message"'),
    "event unnarrowed": ('print(light.webhooks.verify(b"", "", "s").data.usage_profile)', '"usage_profile"'),
}


def _mypy(tmp_path, name, code):
    f = tmp_path / f"{name}.py"
    f.write_text(code)
    env = {"MYPYPATH": str(REPO / "python"), "PATH": "/usr/bin:/bin"}
    return subprocess.run([sys.executable, "-m", "mypy", "--strict", "--follow-imports=silent", "--no-incremental",
                           "--cache-dir", str(tmp_path / "cache"), str(f)], capture_output=True, text=True, env=env,
                          cwd=tmp_path, timeout=300)


def test_mypy_installed():
    """mypy is a dev dependency (requirements-dev.txt, tools/install-deps.d/mypy.sh)."""
    import mypy  # noqa: F401


def test_typed_results_pass_mypy_strict(tmp_path):
    r = _mypy(tmp_path, "good", GOOD)
    assert r.returncode == 0, r.stdout + r.stderr


@pytest.mark.parametrize("case", sorted(BAD))
def test_misspelt_field_fails_mypy(tmp_path, case):
    body, needle = BAD[case]
    r = _mypy(tmp_path, "bad", f"import light\n\n\ndef f(c: light.Client) -> None:\n    {body}\n")
    assert r.returncode == 1 and "error:" in r.stdout and needle in r.stdout, r.stdout + r.stderr


def test_runtime_names_and_unknown_keys():
    assert light.models.Account is light.LightObject and light.models.MODEL_NAMES[0] == "Account"
    o = light.LightObject({"uuid": "u", "field_added_later": {"x": 1}})
    assert isinstance(o, light.models.Account) and o.field_added_later.x == 1
    assert set(light.models.AccountDict.__annotations__) >= {"uuid", "email", "enrollment"}
