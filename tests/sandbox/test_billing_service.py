"""Billing, invoices (pagination), documents, support, renewals, cancel, side exits."""
import datetime as dt

import pytest

ESI = "10443720000000001"


def _finalized(client, esi=ESI, ssn="123456789", pm="pm_card_visa"):
    acct, tok = client.new_account()
    plans = client.acct(tok, "POST", "/v1/account/enroll/plans/request", {"esi_id": esi})["plans"]
    client.acct(tok, "POST", "/v1/account/enroll/plans/accept",
                {"plan_uuid": plans[0]["uuid"], "esi_id": esi,
                 "service_start_date": plans[0]["earliest_start_date"], "terms_accepted": True})
    client.acct(tok, "PATCH", "/v1/account/enroll/identity", {})
    client.acct(tok, "POST", "/v1/account/billing/ensure-payment-method-added", {"payment_method_id": pm})
    if ssn:
        client.acct(tok, "POST", "/v1/account/enroll/credit-check", {"ssn": ssn, "consent": True})
    client.acct(tok, "POST", "/v1/account/enroll/finalize")
    return acct, tok


def _active(client, **kw):
    acct, tok = _finalized(client, **kw)
    a = client.acct(tok, "POST", "/v1/account/sandbox/seed-demo-data")
    return a, tok, a["locations"][0]["uuid"]


def test_invoice_pagination_three_pages(sb, client):
    a, tok, loc = _active(client)
    url, pages, rows = "/v1/account/billing/invoices", 0, []
    while url:
        env = client.acct(tok, "GET", url.replace(sb.base_url, ""))
        assert set(env) == {"data", "has_more", "limit", "offset", "next_page_url"}
        rows += env["data"]
        pages += 1
        assert env["has_more"] == (env["next_page_url"] is not None)
        url = env["next_page_url"]
        if url:
            assert url.startswith(sb.base_url + "/v1/account/billing/invoices?")
    assert pages >= 3 and len(rows) >= 25
    dates = [r["invoice_date"] for r in rows]
    assert dates == sorted(dates, reverse=True)  # newest first
    assert len({r["number"] for r in rows}) == len(rows)
    r0 = rows[0]
    assert set(r0) == {"number", "invoice_date", "payment_due_date", "billing_period_start", "billing_period_end",
                       "total_cents", "total", "total_kwh", "avg_cents_per_kwh", "pdf", "paid_at", "voided_at"}
    assert isinstance(r0["total_cents"], int) and isinstance(r0["total"], str)
    assert r0["total"] == f"{r0['total_cents'] // 100}.{r0['total_cents'] % 100:02d}"
    assert any(r["voided_at"] for r in rows)
    env = client.acct(tok, "GET", "/v1/account/billing/invoices?limit=100&offset=20")
    assert env["limit"] == 100 and env["offset"] == 20 and not env["has_more"] and env["next_page_url"] is None
    client.acct(tok, "GET", "/v1/account/billing/invoices?offset=-1", expect=422)
    client.acct(tok, "GET", "/v1/account/billing/invoices?limit=0", expect=422)
    detail = client.acct(tok, "GET", f"/v1/account/billing/invoices/{r0['number']}")
    assert detail["number"] == r0["number"] and detail["charges_groups"]
    total = sum(int(c["amount"].replace(".", "")) for g in detail["charges_groups"] for c in g["charges"])
    assert total == detail["total_cents"]
    client.acct(tok, "GET", "/v1/account/billing/invoices/NOPE-1", expect=404)
    pdf = client.s.get(r0["pdf"])
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_billing_address(sb, client):
    a, tok, loc = _active(client)
    b = client.acct(tok, "GET", "/v1/account/billing/address")
    assert b["same_as_service_address"] is True and b["address_1"] == "456 Elm St"
    client.acct(tok, "PUT", "/v1/account/billing/address", {"same_as_service_address": False}, expect=422)
    b = client.acct(tok, "PUT", "/v1/account/billing/address",
                    {"same_as_service_address": False, "address_1": "1 PO Box", "city": "Austin", "state": "tx",
                     "postal_code": "78701"})
    assert b["state"] == "TX" and client.acct(tok, "GET", "/v1/account/billing/address") == b
    assert client.acct(tok, "GET", "/v1/account")["enrollment"]["is_billing_address_confirmed"] is True


def test_location_endpoints(sb, client):
    a, tok, loc = _active(client)
    assert client.acct(tok, "GET", f"/v1/account/locations/{loc}")["uuid"] == loc
    plan = client.acct(tok, "GET", f"/v1/account/locations/{loc}/plan")
    assert {"name", "uuid", "plan_type", "rate_structure"} <= set(plan)
    docs = client.acct(tok, "GET", f"/v1/account/locations/{loc}/documents")
    assert set(docs) == {"efl", "tos", "yrac", "contract_start", "contract_end"}
    alld = client.acct(tok, "GET", f"/v1/account/locations/{loc}/all-documents")
    assert len(alld) == 1 and alld[0]["status"] == "active"
    sup = client.acct(tok, "GET", f"/v1/account/locations/{loc}/support-info")
    assert sup["utility"]["name"] == "ONCOR" and sup["support"]["phone"]


def test_renewal_flow(sb, client):
    a, tok, loc = _active(client)
    docs = client.acct(tok, "GET", f"/v1/account/locations/{loc}/documents")
    end = dt.date.fromisoformat(docs["contract_end"])
    plans = client.acct(tok, "POST", f"/v1/account/locations/{loc}/renewal-plans/request")["plans"]
    day_after = (end + dt.timedelta(days=1)).isoformat()
    assert all(p["earliest_start_date"] == p["latest_start_date"] == day_after for p in plans)
    # renewal plans are not enrollment plans
    client.acct(tok, "POST", "/v1/account/enroll/plans/accept",
                {"plan_uuid": plans[0]["uuid"], "esi_id": ESI, "service_start_date": day_after,
                 "terms_accepted": True}, expect=422)
    client.acct(tok, "POST", f"/v1/account/locations/{loc}/renewal-plans/accept",
                {"plan_uuid": plans[1]["uuid"], "service_start_date": docs["contract_end"], "terms_accepted": True},
                expect=422)
    client.acct(tok, "POST", f"/v1/account/locations/{loc}/renewal-plans/accept",
                {"plan_uuid": plans[1]["uuid"], "service_start_date": day_after, "terms_accepted": True})
    alld = client.acct(tok, "GET", f"/v1/account/locations/{loc}/all-documents")
    assert [d["status"] for d in alld] == ["active", "future"] and alld[1]["contract_start"] == day_after
    # time passes: the renewal becomes the active contract
    sb.set_clock(dt.datetime(end.year, end.month, end.day, 12).timestamp() + 2 * 86400)
    tok = client.token(a["uuid"])
    alld = client.acct(tok, "GET", f"/v1/account/locations/{loc}/all-documents")
    assert [d["status"] for d in alld] == ["past", "active"]
    assert client.acct(tok, "GET", f"/v1/account/locations/{loc}/plan")["uuid"] == plans[1]["uuid"]
    assert any(e["event"] == "location.renewal_email_sent" for e in sb.events())


def test_renewal_needs_active_location(sb, client):
    acct, tok = _finalized(client)
    loc = client.acct(tok, "GET", "/v1/account")["locations"][0]["uuid"]
    client.acct(tok, "POST", f"/v1/account/locations/{loc}/renewal-plans/request", expect=422)


def test_cancel_pre_and_post_start(sb, client):
    acct, tok = _finalized(client)
    loc = client.acct(tok, "GET", "/v1/account")["locations"][0]["uuid"]
    client.acct(tok, "POST", f"/v1/account/locations/{loc}/cancel")
    assert client.status(tok) == ("cancelled", "cancelled_pre_start")
    client.acct(tok, "POST", f"/v1/account/locations/{loc}/cancel", expect=422)
    a, tok, loc = _active(client)
    final = (dt.date.fromisoformat(sb.clock()["today"]) + dt.timedelta(days=5)).isoformat()
    out = client.acct(tok, "POST", f"/v1/account/locations/{loc}/cancel", {"final_service_date": final})
    assert out["final_service_date"] == final and out["is_service_active"] is False
    assert client.status(tok) == ("cancelled", "cancelled_post_start")
    assert "location.service_canceled" in [e["event"] for e in sb.events()]


@pytest.mark.parametrize("last4,reason", [("0001", "credit_not_found"), ("0002", "credit_declined"),
                                          ("0003", "credit_check_frozen"), ("0004", "credit_check_error")])
def test_credit_side_exits(sb, client, last4, reason):
    acct, tok = _finalized(client, ssn=f"12345{last4}")
    sb.advance_clock(121)
    assert client.status(tok) == ("needs_attention", reason)
    if reason in ("credit_check_frozen", "credit_check_error"):  # retried automatically
        sb.advance_clock(86400)
        tok = client.token(acct["uuid"])
        assert client.status(tok) == ("activating", "utility_submitted")
    else:  # unresolved -> permanently blocked
        sb.advance_clock(15 * 86400)
        tok = client.token(acct["uuid"])
        assert client.status(tok) == ("cancelled", "enrollment_blocked_verification_hold")


def test_resubmitting_credit_resolves(sb, client):
    acct, tok = _finalized(client, ssn="123450002")
    sb.advance_clock(121)
    assert client.status(tok)[1] == "credit_declined"
    client.acct(tok, "POST", "/v1/account/enroll/credit-check", {"ssn": "123456789", "consent": True})
    assert client.status(tok) == ("reviewing", "credit_check_pending")
    sb.advance_clock(61)
    assert client.status(tok) == ("activating", "utility_submitted")


@pytest.mark.parametrize("esi,reason", [("10443720000009001", "enrollment_blocked_switch_hold"),
                                        ("10443720000009002", "enrollment_blocked_deactivated"),
                                        ("10443720000009003", "utility_blocked")])
def test_utility_side_exits(sb, client, esi, reason):
    acct, tok = _finalized(client, esi=esi)
    sb.advance_clock(121)
    assert client.status(tok) == ("needs_attention", reason)


def test_expire_pre_active(sb, client):
    acct, tok = _finalized(client, ssn=None)  # verification waits for a credit check that never comes
    sb.advance_clock(61)
    assert client.status(tok) == ("reviewing", "credit_check_pending")
    sb.advance_clock(31 * 86400)
    tok = client.token(acct["uuid"])
    assert client.status(tok) == ("cancelled", "expire_pre_active")


def test_client_agent_frozen_credit_then_ready(sb, client):
    acct, tok = client.new_account()
    client.app("POST", f"/v1/app/accounts/{acct['uuid']}/record-client-agent",
               {"client_agent_accepted_at": "2026-01-02T03:04:05Z"})
    client.acct(tok, "PATCH", "/v1/account/enroll/identity", {})
    client.acct(tok, "POST", "/v1/account/billing/ensure-payment-method-added", {"payment_method_id": "pm_card_visa"})
    client.acct(tok, "POST", "/v1/account/enroll/credit-check", {"ssn": "123450003", "consent": True})
    assert client.status(tok) == ("needs_attention", "credit_check_frozen")
    sb.advance_clock(86401)
    tok = client.token(acct["uuid"])
    assert client.status(tok) == ("ready", "enrollment_pending_client_agent")
    assert client.acct(tok, "GET", "/v1/account")["client_agent_accepted_at"] == "2026-01-02T03:04:05Z"


def test_forced_status_and_declined_card(sb, client):
    a, tok, loc = _active(client, pm="pm_card_chargeDeclined")
    inv = client.acct(tok, "GET", "/v1/account/billing/invoices?limit=1")["data"][0]
    assert inv["paid_at"] is None
    assert "account.payment_failed" in [e["event"] for e in sb.events()]
    out = sb.admin("POST", f"accounts/{a['uuid']}/status", {"status": "needs_attention",
                                                             "status_reason": "utility_blocked"})
    assert (out["status"], out["status_reason"]) == ("needs_attention", "utility_blocked")
    assert client.status(tok) == ("needs_attention", "utility_blocked")
    sb.admin("POST", f"accounts/{a['uuid']}/status", {})
    assert client.status(tok) == ("active", "active")
