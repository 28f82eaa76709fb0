"""The Light journey in Python: one customer from sign-up to a comparison
quote, through the SDK's public surface only (docs/examples.md lists the same
journey in C, Node and Lua).

    LIGHT_APP_TOKEN=... LIGHT_BASE_URL=http://127.0.0.1:8080 \
    LIGHT_WEBHOOK_SECRET=whsec_... LIGHT_RECEIVER_URL=http://127.0.0.1:PORT/webhooks \
    python examples/python/journey.py

LIGHT_RECEIVER_URL is the emulator's webhook receiver (``python -m
light_sandbox --receiver``); the last step lists what it received and
verifies every delivery for this account with ``light.webhooks.verify``.
Prints ``  ✓ <step> — <figure>`` per step; on failure ``  ✗ <step> — <error>``
and exit status 1.
"""
import datetime as dt
import json
import os
import sys
import time
import urllib.request

import light

POSTAL_CODE = "75201"
ADDRESS_1 = "123 Main St"
COMPARISON_PDF = b"%PDF-1.4\n1 0 obj << >> endobj\nESI ID: 10443720000000001\n%%EOF\n"


def step(name, fn):
    """Run one step; print its line; stop the journey on the first failure."""
    try:
        figure = fn()
    except Exception as e:  # noqa: BLE001 - every failure ends the journey with its reason
        print(f"  ✗ {name} — {type(e).__name__}: {e}", flush=True)
        sys.exit(1)
    print(f"  ✓ {name} — {figure}", flush=True)


def prev_month(today):
    first = today.replace(day=1) - dt.timedelta(days=1)
    return first.year, first.month


def main():
    secret = os.environ["LIGHT_WEBHOOK_SECRET"]
    receiver_url = os.environ["LIGHT_RECEIVER_URL"]
    client = light.Client()  # $LIGHT_APP_TOKEN, $LIGHT_BASE_URL
    s = {}  # what later steps need from earlier ones

    def create_account():
        a = client.accounts.create(email=f"journey+py{time.time_ns()}@example.com", first_name="Ada",
                                   last_name="Lovelace", phone_number="214-555-0100", date_of_birth="1985-12-10")
        s["uuid"] = a.uuid
        s["acct"] = client.for_account(a.uuid)  # account token minted, cached and refreshed by the SDK
        return a.uuid

    def check_eligibility():
        e = client.enroll.eligibility(postal_code=POSTAL_CODE)
        if e.eligibility_likelihood <= 0:
            raise RuntimeError(f"{POSTAL_CODE} is not a retail-choice area")
        return f"likelihood {e.eligibility_likelihood}"

    def search_address():
        hits = client.enroll.full_address_search(address_1=ADDRESS_1, postal_code=POSTAL_CODE)
        if not hits:
            raise RuntimeError(f"no service point at {ADDRESS_1}, {POSTAL_CODE}")
        s["esi_id"] = hits[0].esi_id
        return f"ESI ID {s['esi_id']}"

    def request_plans():
        plans = client.enroll.request_plans(esi_id=s["esi_id"], account_uuid=s["uuid"]).plans
        if not plans:
            raise RuntimeError("no plans offered")
        s["plan"] = p = plans[0]
        return f"{len(plans)} plans, {p.name} at {p.energy_rate}¢/kWh"

    def accept_plan():
        p = s["plan"]
        s["acct"].enroll.accept_plan(plan_uuid=p.uuid, esi_id=s["esi_id"], service_start_date=p.earliest_start_date,
                                     terms_accepted=True)
        return f"{p.name} from {p.earliest_start_date}"

    def submit_identity():
        a = s["acct"].enroll.update_identity(ssn_last4="6789")
        return f"{a.status}/{a.status_reason}"

    def credit_check():
        a = s["acct"].enroll.credit_check(ssn="123-45-6789", consent=True)
        return f"{a.status}/{a.status_reason}"

    def add_payment_method():
        session = s["acct"].billing.create_payment_session()
        if not session.client_secret:
            raise RuntimeError("payment session without a client secret")
        # In a real app Stripe Elements collects the card with session.client_secret.
        s["acct"].billing.ensure_payment_method_added(payment_method_id="pm_card_visa")
        pm = s["acct"].billing.payment_method()
        return f"{pm.card_brand} •••• {pm.card_last4}"

    def finalize_enrollment():
        s["acct"].enroll.finalize()
        a = s["acct"].retrieve()
        if not a.enrollment.is_enrollment_finalized:
            raise RuntimeError("enrollment not finalized")
        return f"{a.status}/{a.status_reason}"

    def activate():
        a = s["acct"].sandbox.seed_demo_data()
        if a.status != "active":
            raise RuntimeError(f"status {a.status}/{a.status_reason} after seeding")
        s["location"] = a.locations[0].uuid
        return f"{a.status}/{a.status_reason}"

    def usage():
        acct, loc = s["acct"], s["location"]
        year, month = prev_month(dt.date.today())
        monthly = acct.locations.usage.monthly(loc, year=year)
        daily = acct.locations.usage.daily(loc, month=month, year=year)
        iv = acct.locations.usage.intervals(loc, month=month, year=year)
        if not (monthly.months and daily.days and iv.intervals):
            raise RuntimeError("no usage for last month")
        return (f"{len(monthly.months)} months, {len(daily.days)} days, "
                f"{len(iv.intervals)} intervals of {iv.interval_minutes} min")

    def invoices():
        n = pages = 0
        for page in s["acct"].billing.invoices.list().pages():  # the SDK follows every page
            pages += 1
            n += len(page.data)
        if n == 0:
            raise RuntimeError("no invoices")
        return f"{n} invoices across {pages} pages"

    def documents():
        d = s["acct"].locations.documents(s["location"])
        return f"contract ends {d.contract_end}"

    def renewal_plans():
        plans = s["acct"].locations.renewal_plans.request(s["location"]).plans
        if not plans:
            raise RuntimeError("no renewal plans")
        return f"{len(plans)} plans from {min(p.earliest_start_date for p in plans)}"

    def comparison():
        acct = s["acct"]
        ci = acct.comparison_invoice.upload(COMPARISON_PDF, filename="bill.pdf", content_type="application/pdf")
        deadline = time.monotonic() + 15
        while (ci := acct.comparison_invoice.retrieve(uuid=ci.uuid)).status == "pending":
            if time.monotonic() > deadline:
                raise RuntimeError("comparison invoice still pending after 15 s")
            time.sleep(0.1)
        if ci.processing_error:
            raise RuntimeError(f"processing error: {ci.processing_error}")
        c = acct.comparison_invoice.simple_compare(plan_group=s["plan"].plan_group_uuid, uuid=ci.uuid)
        return f"{c.plan_comparison.name} at ${c.plan_comparison.total_dollars} vs ${c.parsed_invoice_data.total_dollars}"

    def webhooks():
        # Deliveries are asynchronous: poll until the set for this account stops growing (≤ ~10 s).
        deadline = time.monotonic() + 10
        mine, stable_since = [], time.monotonic()
        while time.monotonic() < deadline:
            with urllib.request.urlopen(receiver_url, timeout=10) as r:
                got = [d for d in json.load(r) if s["uuid"] in json.dumps(json.loads(d["body"]).get("data"))]
            if len(got) != len(mine):
                mine, stable_since = got, time.monotonic()
            elif mine and any(d["event"] == light.events.COMPARISON_INVOICE_PROCESSED for d in mine) \
                    and time.monotonic() - stable_since > 1.0:
                break
            time.sleep(0.2)
        if not mine:
            raise RuntimeError("no webhook deliveries for this account")
        names = []
        for d in mine:
            event = light.webhooks.verify(d["body"].encode(), d["signature"], secret)  # raises if it does not verify
            if event.event not in names:
                names.append(event.event)
        return f"{len(mine)} received, {len(mine)} verified: {', '.join(names)}"

    try:
        step("create account", create_account)
        step("check eligibility", check_eligibility)
        step("search address", search_address)
        step("request plans", request_plans)
        step("accept plan", accept_plan)
        step("submit identity", submit_identity)
        step("credit check", credit_check)
        step("add payment method", add_payment_method)
        step("finalize enrollment", finalize_enrollment)
        step("activate (sandbox)", activate)
        step("usage", usage)
        step("invoices", invoices)
        step("documents", documents)
        step("renewal plans", renewal_plans)
        step("comparison", comparison)
        step("webhooks", webhooks)
    finally:
        client.close()


if __name__ == "__main__":
    main()
