"""Every one of the 49 routes answers JSON (never a 500 or a dropped connection)
for empty, odd and wrongly typed inputs, and with the wrong kind of token."""
import json

import pytest

from light_sandbox.routes import ROUTES

ESI = "10443720000000001"
BODIES = [None, {}, [], "str", 5, {"x": 1}, {"email": 5, "esi_id": 7, "plan_uuid": [], "terms_accepted": "yes",
                                             "service_start_date": 3, "ssn": {}, "consent": "true", "scope": None,
                                             "query": 1, "postal_code": 75201, "payment_method_id": False,
                                             "comparison_invoice_uuid": 1, "user_authorizes_usage_fetch": 1,
                                             "same_as_service_address": "no", "client_agent_accepted_at": "yesterday",
                                             "final_service_date": "soon", "date_of_birth": "01/01/1990"}]


@pytest.fixture
def ctx(sb, client):
    acct, tok = client.new_account()
    plans = client.acct(tok, "POST", "/v1/account/enroll/plans/request", {"esi_id": ESI})["plans"]
    a = client.acct(tok, "POST", "/v1/account/enroll/plans/accept",
                    {"plan_uuid": plans[0]["uuid"], "esi_id": ESI, "service_start_date": plans[0]["earliest_start_date"],
                     "terms_accepted": True})
    return {"account_uuid": acct["uuid"], "location_uuid": a["locations"][0]["uuid"], "invoice_number": "x-1",
            "usage_profile_uuid": "b2c3d4e5-6789-01ab-cdef-234567890abc", "tok": tok}


@pytest.mark.parametrize("op,method,path,auth,conf", ROUTES, ids=[r[0] for r in ROUTES])
def test_route_never_500(sb, client, ctx, op, method, path, auth, conf):
    real = path.format(**ctx)
    good = sb.app_token if auth == "app" else ctx["tok"]
    bad = ctx["tok"] if auth == "app" else sb.app_token
    r = client.call(method, real, token=bad, json={})
    assert r.status_code == 401 and "detail" in r.json()
    for body in BODIES:
        kw = {"data": json.dumps(body), "headers": {"Content-Type": "application/json"}} if body is not None else {}
        r = client.call(method, real, token=good, **kw)
        assert r.status_code < 500, (op, body, r.status_code, r.text)
        if r.content:
            r.json()
    r = client.call(method, real + "?limit=x&offset=-5&year=abc&month=99&uuid=&plan_group=zz&scope=&date=bad",
                    token=good)
    assert r.status_code < 500, (op, r.status_code, r.text)
