"""Client-agent (limited power of attorney) enrollment, API.md §9.2: the
partner records its POA, the customer completes identity, credit and payment
(→ ready/enrollment_pending_client_agent), and later the partner requests
plans 7–30 days before the start date, accepts one for the customer and
finalizes with is_client_agent_enrollment.

    LIGHT_APP_TOKEN=... LIGHT_BASE_URL=http://127.0.0.1:8080 python examples/python/client_agent.py \
        [--start-in-days 10]
"""
import argparse
import datetime as dt
import sys
import time

import light

MIN_DAYS, MAX_DAYS = 7, 30  # the customer's 7-day opt-out window; plans are priced for 30 days


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--address", default="123 Main St")
    ap.add_argument("--postal-code", default="75201")
    ap.add_argument("--start-in-days", type=int, default=10, help=f"{MIN_DAYS}..{MAX_DAYS}")
    args = ap.parse_args()
    if not MIN_DAYS <= args.start_in_days <= MAX_DAYS:
        ap.error(f"--start-in-days must be {MIN_DAYS}..{MAX_DAYS}")

    with light.Client() as client:
        account = client.accounts.create(email=f"agent+{time.time_ns()}@example.com", first_name="Grace",
                                         last_name="Hopper", phone_number="214-555-0199",
                                         date_of_birth="1980-12-09")
        acct = client.for_account(account.uuid)

        def show(label):
            a = acct.retrieve()
            print(f"{label}: {a.status}/{a.status_reason}")
            return a

        show(f"account {account.uuid}")
        # The partner holds a signed POA and recorded informed consent: say so before accepting any plan.
        poa = client.accounts.record_client_agent(account.uuid)
        print(f"client agent recorded at {poa.client_agent_accepted_at}")

        # The customer's part, in any order.
        acct.enroll.update_identity()
        acct.enroll.credit_check(ssn="123-45-6789", consent=True)
        acct.billing.ensure_payment_method_added(payment_method_id="pm_card_visa")
        a = show("customer steps done")
        if (a.status, a.status_reason) != ("ready", "enrollment_pending_client_agent"):
            print("the customer is not pre-approved yet; come back when the account is ready")
            return 1

        # Weeks later: the partner picks plan and date for the customer.
        esi_id = client.enroll.full_address_search(address_1=args.address, postal_code=args.postal_code)[0].esi_id
        plans = client.accounts.request_plans(account.uuid, esi_id=esi_id).plans
        plan = plans[0]
        print(f"plans for {esi_id}: {len(plans)}, start window {plan.earliest_start_date}..{plan.latest_start_date}"
              f", priced until {plan.expires_at}")
        start = dt.date.fromisoformat(plan.earliest_start_date) + dt.timedelta(days=args.start_in_days - MIN_DAYS)
        latest = dt.date.fromisoformat(plan.latest_start_date)
        start = min(start, latest)
        acct.enroll.accept_plan(plan_uuid=plan.uuid, esi_id=esi_id, service_start_date=start, terms_accepted=True)
        show(f"accepted {plan.name} starting {start.isoformat()}")
        acct.enroll.finalize(is_client_agent_enrollment=True)  # a Letter of Authorization goes to the customer
        a = show("finalized as client agent")
        location = a.locations[0]
        print(f"service start date: {location.service_start_date}")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except light.LightError as e:
        print(f"error: {type(e).__name__}: {e}", file=sys.stderr)
        sys.exit(1)
