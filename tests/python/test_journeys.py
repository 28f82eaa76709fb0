"""End-to-end flows through the SDK: both enrollment journeys, billing,
usage, renewal and comparison."""
import datetime as dt
import time
from zoneinfo import ZoneInfo

import pytest

import light

from .conftest import ESI, GROUP, enroll_active, new_account, status, today

CHICAGO = ZoneInfo("America/Chicago")


def test_basic_enrollment_journey(sb, client):
    account = new_account(client)
    acct = client.for_account(account.uuid)
    seen = [status(acct)]
    acct.enroll.update_identity(ssn_last4="1234")
    seen.append(status(acct))
    addr = acct.enroll.esi_id_search(esi_id=ESI)
    assert addr.esi_id == ESI and addr.state == "TX"
    seen.append(status(acct))
    plans = client.enroll.request_plans(esi_id=ESI, account_uuid=account.uuid).plans
    p = plans[0]
    assert isinstance(p.energy_rate, str) and isinstance(p.monthly_charge, str)  # money stays str
    with pytest.raises(light.UnprocessableEntityError) as ei:
        acct.enroll.finalize()
    assert ei.value.status == 422 and ei.value.body == {"detail": "Cannot finalize enrollment"}
    acct.enroll.accept_plan(plan_uuid=p.uuid, esi_id=ESI, service_start_date=dt.date.fromisoformat(
        p.earliest_start_date), terms_accepted=True)  # a date object is sent as ISO text
    seen.append(status(acct))
    assert acct.billing.create_payment_session().client_secret.startswith("seti_")
    a = acct.billing.ensure_payment_method_added(payment_method_id="pm_card_visa")
    assert a.enrollment.can_finalize_enrollment is True
    seen.append(status(acct))
    assert acct.billing.payment_method().card_brand == "visa"
    acct.enroll.credit_check(ssn="123-45-6789", consent=True)
    assert acct.enroll.finalize() == {}
    a = acct.retrieve()
    assert a.enrollment.is_enrollment_finalized and a.enrollment.finalized_at
    seen.append((a.status, a.status_reason))
    sb.advance_clock(61)
    seen.append(status(acct))
    sb.advance_clock(61)
    seen.append(status(acct))
    sb.advance_clock(3601)  # the cached account token expired on the server: the core re-mints on 401
    seen.append(status(acct))
    assert acct.retrieve().enrollment.is_service_active
    assert seen == [
        ("created", "unresolved"), ("created", "missing_address"), ("applying", "plan_not_accepted"),
        ("applying", "missing_payment_method"), ("applying", "enrollment_not_finalized"),
        ("reviewing", "verification_pending"), ("reviewing", "credit_check_pending"),
        ("activating", "utility_submitted"), ("active", "active"),
    ]
    names = {e["event"] for e in sb.events() if e["data"].get("account", {}).get("uuid") == account.uuid}
    assert {light.events.ENROLLMENT_FINALIZED, light.events.LOCATION_SERVICE_ACTIVE,
            light.events.ACCOUNT_PAYMENT_METHOD_ADDED} <= names


def test_client_agent_enrollment_journey(sb, client):
    account = new_account(client)
    acct = client.for_account(account.uuid)
    seen = [status(acct)]
    a = client.accounts.record_client_agent(account.uuid)
    assert a.client_agent_accepted is True
    seen.append(status(acct))
    acct.enroll.update_identity()
    acct.enroll.credit_check(ssn="123456789", consent=True)
    acct.billing.ensure_payment_method_added(payment_method_id="pm_card_visa")
    seen.append(status(acct))
    plans = client.accounts.request_plans(account.uuid, esi_id=ESI).plans
    t = today(sb)
    p = plans[0]
    assert p.earliest_start_date == (t + dt.timedelta(days=7)).isoformat()
    with pytest.raises(light.UnprocessableEntityError):
        acct.enroll.accept_plan(plan_uuid=p.uuid, esi_id=ESI, terms_accepted=True,
                                service_start_date=(t + dt.timedelta(days=3)).isoformat())
    start = t + dt.timedelta(days=10)
    acct.enroll.accept_plan(plan_uuid=p.uuid, esi_id=ESI, terms_accepted=True, service_start_date=start.isoformat())
    seen.append(status(acct))
    assert acct.enroll.finalize(is_client_agent_enrollment=True) == {}
    seen.append(status(acct))
    sb.advance_clock(61)
    seen.append(status(acct))
    sb.set_clock(dt.datetime(start.year, start.month, start.day, 0, 1, tzinfo=CHICAGO).timestamp())
    seen.append(status(acct))
    sb.advance_clock(3601)
    seen.append(status(acct))
    assert seen == [
        ("created", "unresolved"), ("created", "missing_address"), ("ready", "enrollment_pending_client_agent"),
        ("applying", "enrollment_not_finalized"), ("reviewing", "verification_pending"),
        ("scheduled", "service_pending"), ("activating", "utility_submitted"), ("active", "active"),
    ]


def test_billing_flow(sb, client):
    account, acct, loc = enroll_active(client)
    b = acct.billing.address.retrieve()
    assert b.same_as_service_address is True
    with pytest.raises(light.UnprocessableEntityError):
        acct.billing.address.update(same_as_service_address=False)
    b = acct.billing.address.update(same_as_service_address=False, address_1="1 PO Box", city="Austin",
                                    state="tx", postal_code="78701")
    assert b.state == "TX" and acct.billing.address.retrieve() == b
    invoices = list(acct.billing.invoices.list())
    assert len(invoices) > 10  # more than one page
    inv = acct.billing.invoices.retrieve(invoices[0].number)
    assert inv.number == invoices[0].number and isinstance(inv.to_dict(), dict)
    for field in ("total", "amount_due", "amount"):
        if field in inv:
            assert isinstance(inv[field], str)
    with pytest.raises(light.NotFoundError):
        acct.billing.invoices.retrieve("NOPE-1")


def test_usage_flow(sb, client):
    sb.set_clock(dt.datetime(2026, 12, 15, 12, 0, tzinfo=CHICAGO).timestamp())
    account, acct, loc = enroll_active(client, esi="10089010000000002")
    monthly = acct.locations.usage.monthly(loc, year=2026)
    assert len(monthly.months) == 12
    nov = next(m for m in monthly.months if m.month == "November")
    daily = acct.locations.usage.daily(loc, month=11, year=2026)
    as_wh = lambda s: int(s.replace(".", ""))  # noqa: E731 - kWh strings with 3 decimals
    assert sum(as_wh(d.consumption) for d in daily.days) == as_wh(nov.consumption)
    iv = acct.locations.usage.intervals(loc, month=3, year=2026)
    per_day = {}
    for i in iv.intervals:
        per_day[i.date] = per_day.get(i.date, 0) + 1
    assert per_day["2026-03-08"] == 92 and iv.interval_minutes == 15
    assert isinstance(iv.intervals[0].consumption, str)
    reads = acct.locations.meter_reads(loc)
    assert isinstance(reads, list) and len(reads) >= 12 and reads[0].read_date
    with pytest.raises(light.UnprocessableEntityError):
        acct.locations.usage.daily(loc, month=13)


def test_renewal_flow(sb, client):
    account, acct, loc = enroll_active(client)
    docs = acct.locations.documents(loc)
    end = dt.date.fromisoformat(docs.contract_end)
    plans = acct.locations.renewal_plans.request(loc).plans
    day_after = (end + dt.timedelta(days=1)).isoformat()
    assert all(p.earliest_start_date == day_after for p in plans)
    with pytest.raises(light.UnprocessableEntityError):
        acct.locations.renewal_plans.accept(loc, plan_uuid=plans[1].uuid, service_start_date=docs.contract_end,
                                            terms_accepted=True)
    acct.locations.renewal_plans.accept(loc, plan_uuid=plans[1].uuid, service_start_date=day_after,
                                        terms_accepted=True)
    assert [d.status for d in acct.locations.all_documents(loc)] == ["active", "future"]
    sb.set_clock(dt.datetime(end.year, end.month, end.day, 12).timestamp() + 2 * 86400)
    assert [d.status for d in acct.locations.all_documents(loc)] == ["past", "active"]
    assert acct.locations.plan(loc).uuid == plans[1].uuid


def test_comparison_flow(sb, client):
    account = new_account(client)
    acct = client.for_account(account.uuid)
    with pytest.raises(light.NotFoundError):
        acct.comparison_invoice.retrieve()
    ci = acct.comparison_invoice.upload(b"%PDF-1.4\nESI ID: 10443720000000001\n%%EOF\n", filename="bill.pdf",
                                        content_type="application/pdf")
    assert ci.status == "pending"
    end = time.monotonic() + 10
    while acct.comparison_invoice.retrieve(uuid=ci.uuid).status == "pending" and time.monotonic() < end:
        time.sleep(0.05)
    done = acct.comparison_invoice.retrieve(uuid=ci.uuid)
    assert done.status == "processed" and done.utility_account_number == ESI
    s = acct.comparison_invoice.simple_compare(plan_group=GROUP, uuid=ci.uuid)
    assert s.plan_comparison.name == "Clean Energy"
    a = acct.comparison_invoice.annual_compare(plan_group=GROUP, uuid=ci.uuid)
    assert [m.month for m in a.months] == list(range(1, 13))
    assert isinstance(a.annual_totals.annual_offered_plan_dollars, str)
    p = client.usage_profiles.fetch(comparison_invoice_uuid=ci.uuid, user_authorizes_usage_fetch=True)
    while client.usage_profiles.retrieve(p.uuid).status == "pending" and time.monotonic() < end + 10:
        time.sleep(0.05)
    assert client.usage_profiles.retrieve(p.uuid).status == "completed"
    s2 = acct.comparison_invoice.simple_compare(plan_group=GROUP, uuid=ci.uuid)
    assert s2.plan_comparison.usage_profile_uuid == p.uuid
