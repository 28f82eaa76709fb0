"""Usage: monthly/daily/15-minute intervals, DST days, links, meter reads."""
import collections
import datetime as dt
from zoneinfo import ZoneInfo

import pytest

CHICAGO = ZoneInfo("America/Chicago")
ESI = "10089010000000002"


@pytest.fixture
def active(sb, client):
    """An account seeded on 2026-12-15 (12 months of history back to 2025-12-15)."""
    sb.set_clock(dt.datetime(2026, 12, 15, 12, 0, tzinfo=CHICAGO).timestamp())
    acct, tok = client.new_account()
    plans = client.acct(tok, "POST", "/v1/account/enroll/plans/request", {"esi_id": ESI})["plans"]
    client.acct(tok, "POST", "/v1/account/enroll/plans/accept",
                {"plan_uuid": plans[0]["uuid"], "esi_id": ESI, "service_start_date": "2026-12-15",
                 "terms_accepted": True})
    client.acct(tok, "PATCH", "/v1/account/enroll/identity", {})
    client.acct(tok, "POST", "/v1/account/billing/ensure-payment-method-added", {"payment_method_id": "pm_card_visa"})
    client.acct(tok, "POST", "/v1/account/enroll/finalize")
    a = client.acct(tok, "POST", "/v1/account/sandbox/seed-demo-data")
    return tok, a["locations"][0]["uuid"]


def _per_day(client, tok, loc, month, year):
    r = client.acct(tok, "GET", f"/v1/account/locations/{loc}/usage/intervals?month={month}&year={year}")
    return r, collections.Counter(i["date"] for i in r["intervals"])


def test_dst_interval_counts(client, active):
    tok, loc = active
    r, march = _per_day(client, tok, loc, 3, 2026)
    assert march["2026-03-08"] == 92
    assert all(n == 96 for d, n in march.items() if d != "2026-03-08")
    assert len(march) == 31
    r, nov = _per_day(client, tok, loc, 11, 2026)
    assert nov["2026-11-01"] == 100
    assert all(n == 96 for d, n in nov.items() if d != "2026-11-01")
    # the repeated hour on fall-back day is told apart by its UTC offset
    starts = [i["start"] for i in r["intervals"] if i["date"] == "2026-11-01"]
    assert "2026-11-01T01:00:00-05:00" in starts and "2026-11-01T01:00:00-06:00" in starts
    assert len(set(starts)) == 100
    assert r["interval_minutes"] == 15 and r["timezone"] == "America/Chicago"
    _, june = _per_day(client, tok, loc, 6, 2026)
    assert set(june.values()) == {96}
    one = client.acct(tok, "GET", f"/v1/account/locations/{loc}/usage/intervals?date=2026-03-08")
    assert len(one["intervals"]) == 92


def test_sums_agree_and_links(client, active):
    tok, loc = active
    daily = client.acct(tok, "GET", f"/v1/account/locations/{loc}/usage/daily?month=11&year=2026")
    assert daily["units"] == "kWh" and len(daily["days"]) == 30
    day = next(d for d in daily["days"] if d["date"] == "2026-11-01")
    _, _ = day, None
    iv = client.acct(tok, "GET", f"/v1/account/locations/{loc}/usage/intervals?date=2026-11-01")
    as_wh = lambda s: int(s.replace(".", ""))  # noqa: E731 - 3 decimals
    assert sum(as_wh(i["consumption"]) for i in iv["intervals"]) == as_wh(day["consumption"])
    monthly = client.acct(tok, "GET", f"/v1/account/locations/{loc}/usage/monthly?year=2026")
    nov = next(m for m in monthly["months"] if m["month"] == "November")
    assert sum(as_wh(d["consumption"]) for d in daily["days"]) == as_wh(nov["consumption"])
    assert set(nov) == {"month", "consumption", "generation", "vehicle_charging", "eligible_vehicle_charging"}
    assert len(monthly["months"]) == 12 and monthly["year"] == 2026
    assert monthly["previous"].endswith("?year=2025") and monthly["next"] is None
    m2025 = client.s.get(monthly["previous"], headers={"Authorization": f"Bearer {tok}"}).json()
    assert [m["month"] for m in m2025["months"]] == ["December"] and m2025["previous"] is None
    assert daily["previous"].endswith("month=10&year=2026") and daily["next"].endswith("month=12&year=2026")
    dec = client.acct(tok, "GET", f"/v1/account/locations/{loc}/usage/daily?month=12&year=2026")
    assert len(dec["days"]) == 14 and dec["next"] is None  # whole days only, up to yesterday
    default = client.acct(tok, "GET", f"/v1/account/locations/{loc}/usage/daily")
    assert default["month"] == 12 and default["year"] == 2026
    client.acct(tok, "GET", f"/v1/account/locations/{loc}/usage/daily?month=13", expect=422)
    reads = client.acct(tok, "GET", f"/v1/account/locations/{loc}/meter-reads")
    assert len(reads) >= 12 and all(set(r) >= {"read_date", "reading_kwh", "usage_kwh"} for r in reads)


def test_no_usage_before_service(sb, client):
    acct, tok = client.new_account()
    plans = client.acct(tok, "POST", "/v1/account/enroll/plans/request", {"esi_id": ESI})["plans"]
    a = client.acct(tok, "POST", "/v1/account/enroll/plans/accept",
                    {"plan_uuid": plans[0]["uuid"], "esi_id": ESI,
                     "service_start_date": plans[0]["earliest_start_date"], "terms_accepted": True})
    loc = a["locations"][0]["uuid"]
    m = client.acct(tok, "GET", f"/v1/account/locations/{loc}/usage/monthly")
    assert m["months"] == [] and m["next"] is None and m["previous"] is None
