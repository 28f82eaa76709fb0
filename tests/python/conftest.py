"""Fixtures of the Python package suite.

The package is imported from the source tree (python/) with the extension
built by `make build-python` in $LIGHT_BUILD_DIR/python (default build/);
light/__init__.py extends its __path__ so `light._light` is found there.
tests/python/test_install.py separately checks a real `pip install .`.
"""
import datetime as dt
import os
import pathlib
import sys
import time

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]
BUILD = pathlib.Path(os.environ.get("LIGHT_BUILD_DIR", REPO / "build"))
# test_sanitizers.py points this at the ASan build of the extension.
EXT_DIR = pathlib.Path(os.environ.get("LIGHT_PY_EXT_DIR", BUILD / "python"))

for p in (str(EXT_DIR), str(REPO / "python")):
    if p not in sys.path:
        sys.path.insert(0, p)
if not list((EXT_DIR / "light").glob("_light*.so")):
    raise RuntimeError(f"light._light is not built in {EXT_DIR}/light: run `make build-python` "
                       f"(or set LIGHT_BUILD_DIR)")

import light  # noqa: E402

ESI = "10443720000000001"
GROUP = "4e7acc79-58af-4be1-881f-c9ccbbe02a80"
# Fast retries: backoff is the core's, only shortened here.
FAST = dict(retry_base=0.01, retry_max=0.05)


@pytest.fixture
def sb(clean_sandbox):
    return clean_sandbox


@pytest.fixture
def client(sb):
    c = light.Client(sb.app_token, base_url=sb.base_url, **FAST)
    yield c
    c.close()


def new_account(client, **fields):
    body = dict(email=f"py{time.time_ns()}@example.com", first_name="Ada", last_name="Lovelace",
                phone_number="214-555-0100", date_of_birth="1985-12-10")
    body.update(fields)
    return client.accounts.create(**body)


def today(sb):
    return dt.date.fromisoformat(sb.clock()["today"])


def status(acct):
    a = acct.retrieve()
    return (a.status, a.status_reason)


def enroll_active(client, esi=ESI):
    """A new account enrolled, finalized and seeded (active, with usage and invoices): (account, acct, location)."""
    account = new_account(client)
    acct = client.for_account(account.uuid)
    plans = acct.enroll.request_plans(esi_id=esi).plans
    acct.enroll.accept_plan(plan_uuid=plans[0].uuid, esi_id=esi, service_start_date=plans[0].earliest_start_date,
                            terms_accepted=True)
    acct.enroll.update_identity()
    acct.billing.ensure_payment_method_added(payment_method_id="pm_card_visa")
    acct.enroll.finalize()
    a = acct.sandbox.seed_demo_data()
    return account, acct, a.locations[0].uuid


class Journal:
    """Checks that an SDK call produced the request its operation row describes."""

    def __init__(self, sb):
        self.sb = sb
        self.checked = set()

    def check(self, fn, *args, **kwargs):
        op = fn.operation
        self.sb.clear_journal()
        result = fn(*args, **kwargs)
        path = op.path
        for name, value in zip(op.path_params, args):
            path = path.replace("{" + name + "}", str(value))
        entries = [e for e in self.sb.journal() if e["path"] == path and e["method"] == op.method]
        assert entries, f"{op.id}: no {op.method} {path} in the journal: {self.sb.journal()}"
        assert entries[-1]["auth_kind"] == op.auth, (op.id, entries[-1]["auth_kind"])
        self.checked.add(op.id)
        return result, entries[-1]


@pytest.fixture
def journal(sb):
    return Journal(sb)


def settled_journal(sb, **filters):
    """The journal once every entry has its status (the emulator records it just after answering)."""
    end = time.monotonic() + 5
    while True:
        j = sb.journal(**filters)
        if all(e.get("status") is not None for e in j) or time.monotonic() > end:
            return j
        time.sleep(0.01)


def free_port_closed():
    """A loopback port with nothing listening (was free a moment ago)."""
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
