"""End-to-end enrollment journeys with the status/status_reason sequence."""
import datetime as dt
from zoneinfo import ZoneInfo

from .conftest import today

ESI = "10443720000000001"
CHICAGO = ZoneInfo("America/Chicago")


def _events(sb, account_uuid):
    return [e["event"] for e in sb.events() if e["data"].get("account", {}).get("uuid") == account_uuid]


def test_basic_journey(sb, client):
    seen = []
    acct, tok = client.new_account()
    assert acct["status"] == "created" and acct["status_reason"] == "unresolved"
    assert set(acct["enrollment"]) >= {"has_accepted_plan", "has_payment_method", "is_identity_verified",
                                       "is_enrollment_finalized", "finalized_at", "can_finalize_enrollment",
                                       "is_service_active"}
    seen.append(client.status(tok))

    client.acct(tok, "PATCH", "/v1/account/enroll/identity", {"ssn_last4": "1234"})
    seen.append(client.status(tok))

    addr = client.acct(tok, "POST", "/v1/account/enroll/esi-id-search", {"esi_id": ESI})
    assert addr["esi_id"] == ESI and addr["state"] == "TX"
    seen.append(client.status(tok))

    plans = client.app("POST", f"/v1/app/accounts/enroll/plans/request", {"esi_id": ESI, "account_uuid": acct["uuid"]})["plans"]
    assert plans
    p = plans[0]
    for k in ("uuid", "name", "term_months", "energy_rate", "tdu_delivery_charge", "monthly_charge",
              "earliest_start_date", "latest_start_date", "expires_at", "efl_url", "tos_url", "yrac_url",
              "plan_group_uuid"):
        assert k in p, k
    assert isinstance(p["energy_rate"], str)

    # finalize too early
    r = client.call("POST", "/v1/account/enroll/finalize", tok, {}, expect=422)
    assert r.json()["detail"] == "Cannot finalize enrollment"

    start = p["earliest_start_date"]
    client.acct(tok, "POST", "/v1/account/enroll/plans/accept",
                {"plan_uuid": p["uuid"], "esi_id": ESI, "service_start_date": start, "terms_accepted": True})
    seen.append(client.status(tok))

    sess = client.acct(tok, "POST", "/v1/account/billing/payment-session")
    assert sess["client_secret"].startswith("seti_")
    a = client.acct(tok, "POST", "/v1/account/billing/ensure-payment-method-added", {"payment_method_id": "pm_card_visa"})
    assert a["enrollment"]["can_finalize_enrollment"] is True
    seen.append(client.status(tok))
    pm = client.acct(tok, "GET", "/v1/account/billing/payment-method")
    assert pm["card_brand"] == "visa" and pm["card_last4"] == "4242"

    client.acct(tok, "POST", "/v1/account/enroll/credit-check", {"ssn": "123-45-6789", "consent": True})
    assert client.acct(tok, "POST", "/v1/account/enroll/finalize", {}) == {}
    a = client.acct(tok, "GET", "/v1/account")
    assert a["enrollment"]["is_enrollment_finalized"] and a["enrollment"]["finalized_at"]
    assert a["enrollment"]["can_finalize_enrollment"] is False
    seen.append((a["status"], a["status_reason"]))

    sb.advance_clock(61)
    seen.append(client.status(tok))
    sb.advance_clock(61)
    seen.append(client.status(tok))
    sb.advance_clock(3601)
    tok = client.token(acct["uuid"])
    seen.append(client.status(tok))
    a = client.acct(tok, "GET", "/v1/account")
    assert a["enrollment"]["is_service_active"] and a["locations"][0]["is_service_active"]

    assert seen == [
        ("created", "unresolved"),
        ("created", "missing_address"),
        ("applying", "plan_not_accepted"),
        ("applying", "missing_payment_method"),
        ("applying", "enrollment_not_finalized"),
        ("reviewing", "verification_pending"),
        ("reviewing", "credit_check_pending"),
        ("activating", "utility_submitted"),
        ("active", "active"),
    ]
    ev = _events(sb, acct["uuid"])
    for name in ("enrollment.identity_updated", "enrollment.plan_requested", "enrollment.plan_accepted",
                 "account.payment_method_added", "enrollment.finalized", "location.service_active",
                 "location.usage_history_available"):
        assert name in ev, (name, ev)

    # the secret SSN never reaches the journal
    cc = [e for e in sb.journal() if e["path"] == "/v1/account/enroll/credit-check"]
    assert cc and "123-45-6789" not in cc[0]["body"] and '"***"' in cc[0]["body"]
    assert all(e["headers"].get("Authorization") in (None, "app", "account", "invalid", "none") for e in sb.journal())


def test_client_agent_journey(sb, client):
    seen = []
    acct, tok = client.new_account()
    uuid = acct["uuid"]
    seen.append(client.status(tok))
    a = client.app("POST", f"/v1/app/accounts/{uuid}/record-client-agent", {})
    assert a["client_agent_accepted"] is True and a["client_agent_accepted_at"]
    seen.append(client.status(tok))
    client.acct(tok, "PATCH", "/v1/account/enroll/identity", {})
    client.acct(tok, "POST", "/v1/account/enroll/credit-check", {"ssn": "123456789", "consent": True})
    client.acct(tok, "POST", "/v1/account/billing/ensure-payment-method-added", {"payment_method_id": "pm_card_visa"})
    seen.append(client.status(tok))

    plans = client.app("POST", f"/v1/app/accounts/{uuid}/enroll/plans/request", {"esi_id": ESI})["plans"]
    seen.append(client.status(tok))
    t = today(sb)
    p = plans[0]
    assert p["earliest_start_date"] == (t + dt.timedelta(days=7)).isoformat()
    assert p["latest_start_date"] == (t + dt.timedelta(days=30)).isoformat()
    body = {"plan_uuid": p["uuid"], "esi_id": ESI, "terms_accepted": True}
    for bad in (t + dt.timedelta(days=3), t + dt.timedelta(days=31)):
        client.acct(tok, "POST", "/v1/account/enroll/plans/accept", dict(body, service_start_date=bad.isoformat()),
                    expect=422)
    client.acct(tok, "POST", "/v1/account/enroll/plans/accept", dict(body, terms_accepted=False,
                service_start_date=(t + dt.timedelta(days=10)).isoformat()), expect=422)
    start = t + dt.timedelta(days=10)
    client.acct(tok, "POST", "/v1/account/enroll/plans/accept", dict(body, service_start_date=start.isoformat()))
    seen.append(client.status(tok))
    assert client.acct(tok, "POST", "/v1/account/enroll/finalize", {"is_client_agent_enrollment": True}) == {}
    seen.append(client.status(tok))
    sb.advance_clock(61)
    seen.append(client.status(tok))
    # 00:01 on the start date in Texas: the utility switch is under way
    sb.set_clock(dt.datetime(start.year, start.month, start.day, 0, 1, tzinfo=CHICAGO).timestamp())
    tok = client.token(uuid)
    seen.append(client.status(tok))
    sb.advance_clock(3601)
    tok = client.token(uuid)
    seen.append(client.status(tok))
    assert seen == [
        ("created", "unresolved"),
        ("created", "missing_address"),
        ("ready", "enrollment_pending_client_agent"),
        ("ready", "enrollment_pending_client_agent"),
        ("applying", "enrollment_not_finalized"),
        ("reviewing", "verification_pending"),
        ("scheduled", "service_pending"),
        ("activating", "utility_submitted"),
        ("active", "active"),
    ]


def test_client_agent_accept_without_poa_refused(sb, client):
    acct, tok = client.new_account()
    plans = client.app("POST", f"/v1/app/accounts/{acct['uuid']}/enroll/plans/request", {"esi_id": ESI})["plans"]
    start = (today(sb) + dt.timedelta(days=10)).isoformat()
    r = client.call("POST", "/v1/account/enroll/plans/accept", tok,
                    {"plan_uuid": plans[0]["uuid"], "esi_id": ESI, "service_start_date": start,
                     "terms_accepted": True}, expect=422)
    assert "POA" in r.json()["detail"]


def test_seed_demo_data(sb, client):
    acct, tok = client.new_account()
    plans = client.acct(tok, "POST", "/v1/account/enroll/plans/request", {"esi_id": ESI})["plans"]
    client.acct(tok, "POST", "/v1/account/enroll/plans/accept",
                {"plan_uuid": plans[0]["uuid"], "esi_id": ESI, "service_start_date": plans[0]["earliest_start_date"],
                 "terms_accepted": True})
    client.acct(tok, "PATCH", "/v1/account/enroll/identity", {})
    client.acct(tok, "POST", "/v1/account/billing/ensure-payment-method-added", {"payment_method_id": "pm_card_visa"})
    client.acct(tok, "POST", "/v1/account/sandbox/seed-demo-data", expect=422)  # not finalized yet
    client.acct(tok, "POST", "/v1/account/enroll/finalize")
    a = client.acct(tok, "POST", "/v1/account/sandbox/seed-demo-data")
    assert (a["status"], a["status_reason"]) == ("active", "active")
    loc = a["locations"][0]
    assert loc["is_service_active"] and loc["has_usage_history"]
    inv = client.acct(tok, "GET", "/v1/account/billing/invoices")
    assert inv["limit"] == 10 and inv["offset"] == 0 and inv["has_more"] is True and len(inv["data"]) == 10
    ev = _events(sb, acct["uuid"])
    for name in ("location.service_active", "location.usage_history_available", "account.invoice_sent",
                 "account.payment_successful"):
        assert name in ev
    client.acct(tok, "POST", "/v1/account/sandbox/seed-demo-data", expect=422)  # already active
    assert client.acct(tok, "POST", "/v1/account/sandbox/delete-enrollment") == {}
    assert client.status(tok) == ("created", "unresolved")
