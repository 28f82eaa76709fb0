"""Basic (customer-driven) enrollment, API.md §9.1: eligibility → account →
ESI ID → plans → accept → identity → credit check → payment method →
finalize, printing the account's status after each step.

    LIGHT_APP_TOKEN=... LIGHT_BASE_URL=http://127.0.0.1:8080 python examples/python/enrollment_basic.py \
        [--address "123 Main St"] [--postal-code 75201]
"""
import argparse
import sys
import time

import light


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--address", default="123 Main St")
    ap.add_argument("--postal-code", default="75201")
    args = ap.parse_args()

    with light.Client() as client:  # $LIGHT_APP_TOKEN, $LIGHT_BASE_URL
        elig = client.enroll.eligibility(postal_code=args.postal_code)
        print(f"eligibility: {args.postal_code} likelihood {elig.eligibility_likelihood}")
        if elig.eligibility_likelihood == 0:
            print("not a retail-choice area; stopping")
            return 1

        account = client.accounts.create(email=f"enroll+{time.time_ns()}@example.com", first_name="Ada",
                                         last_name="Lovelace", phone_number="214-555-0100",
                                         date_of_birth="1985-12-10")
        acct = client.for_account(account.uuid)  # the SDK mints and refreshes the account token

        def show(label):
            a = acct.retrieve()
            print(f"{label}: {a.status}/{a.status_reason}")
            return a

        show(f"account {account.uuid}")

        # Exact search first; fall back to the type-ahead search (never trust its ordering).
        hits = client.enroll.full_address_search(address_1=args.address, postal_code=args.postal_code) \
            or client.enroll.address_search(query=f"{args.address} {args.postal_code}")
        if not hits:
            print(f"no service point at {args.address}, {args.postal_code}")
            return 1
        hit = hits[0]
        print(f"address: {hit.address_1} {hit.address_2 or ''}, {hit.city} {hit.state} {hit.postal_code}"
              f" — ESI ID {hit.esi_id}")

        plans = acct.enroll.request_plans(esi_id=hit.esi_id).plans
        for p in plans:
            print(f"plan: {p.name} — {p.energy_rate}¢/kWh, {p.term_months} months, EFL {p.efl_url}")
        plan = min(plans, key=lambda p: float(p.energy_rate))  # the cheapest energy rate
        show("plans requested")

        acct.enroll.accept_plan(plan_uuid=plan.uuid, esi_id=hit.esi_id, service_start_date=plan.earliest_start_date,
                                terms_accepted=True)
        show(f"accepted {plan.name} from {plan.earliest_start_date}")
        acct.enroll.update_identity()  # name, email, phone and DOB were given at creation
        show("identity submitted")
        acct.enroll.credit_check(ssn="123-45-6789", consent=True)
        show("credit check submitted")
        session = acct.billing.create_payment_session()  # Stripe Elements would use session.client_secret
        acct.billing.ensure_payment_method_added(payment_method_id="pm_card_visa")
        pm = acct.billing.payment_method()
        print(f"payment method: {pm.card_brand} ending {pm.card_last4} (setup intent {session.setup_intent_id})")
        a = show("payment method added")
        if not a.enrollment.can_finalize_enrollment:
            print("cannot finalize yet")
            return 1
        acct.enroll.finalize()
        a = show("finalized")
        print(f"finalized at {a.enrollment.finalized_at}")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except light.LightError as e:
        print(f"error: {type(e).__name__}: {e}", file=sys.stderr)
        sys.exit(1)
