"""Fixtures for the emulator's own tests (plain HTTP via `requests`)."""
import datetime as dt

import pytest
import requests


class Client:
    """Thin JSON client over one keep-alive `requests.Session`."""

    def __init__(self, sb, verify=True):
        self.sb = sb
        self.base = sb.base_url
        self.s = requests.Session()
        if sb.ca_file:
            self.s.verify = sb.ca_file if verify else False

    def call(self, method, path, token=None, json=None, expect=None, **kw):
        headers = kw.pop("headers", {})
        if token:
            headers["Authorization"] = f"Bearer {token}"
        r = self.s.request(method, self.base + path, json=json, headers=headers, timeout=30, **kw)
        if expect is not None:
            assert r.status_code == expect, f"{method} {path}: {r.status_code} {r.text[:500]}"
        return r

    def app(self, method, path, json=None, expect=200, **kw):
        r = self.call(method, path, token=self.sb.app_token, json=json, expect=expect, **kw)
        return r.json() if r.content else None

    def acct(self, token, method, path, json=None, expect=200, **kw):
        r = self.call(method, path, token=token, json=json, expect=expect, **kw)
        return r.json() if r.content else None

    def new_account(self, **fields):
        body = {"email": f"user{dt.datetime.now().timestamp()}@example.com", "first_name": "Ada",
                "last_name": "Lovelace", "phone_number": "214-555-0100", "date_of_birth": "1985-12-10"}
        body.update(fields)
        acct = self.app("POST", "/v1/app/accounts", body)
        tok = self.app("POST", f"/v1/app/accounts/{acct['uuid']}/token")["token"]
        return acct, tok

    def token(self, account_uuid):
        return self.app("POST", f"/v1/app/accounts/{account_uuid}/token")["token"]

    def status(self, token):
        a = self.acct(token, "GET", "/v1/account")
        return a["status"], a["status_reason"]


@pytest.fixture
def sb(clean_sandbox):
    return clean_sandbox


@pytest.fixture
def client(sb):
    c = Client(sb)
    yield c
    c.s.close()


def today(sb):
    return dt.date.fromisoformat(sb.clock()["today"])
