"""Shared by the billing and usage examples: the account to show.

With LIGHT_ACCOUNT_UUID set, that account is used (it must have an active
location). Otherwise a fresh sandbox customer is enrolled through the SDK and
activated with the sandbox seed operation (acct.sandbox.seed_demo_data), which
gives it 12 months of usage and two years of invoices.
"""
import os
import time


def active_account(client):
    """(account client, location uuid) of an account with active service."""
    uuid = os.environ.get("LIGHT_ACCOUNT_UUID")
    if uuid:
        acct = client.for_account(uuid)
        locations = acct.retrieve().locations
        if not locations:
            raise SystemExit(f"account {uuid} has no service location")
        return acct, locations[0].uuid
    account = client.accounts.create(email=f"example+{time.time_ns()}@example.com", first_name="Ada",
                                     last_name="Lovelace", phone_number="214-555-0100", date_of_birth="1985-12-10")
    acct = client.for_account(account.uuid)
    esi_id = client.enroll.full_address_search(address_1="123 Main St", postal_code="75201")[0].esi_id
    plan = acct.enroll.request_plans(esi_id=esi_id).plans[0]
    acct.enroll.accept_plan(plan_uuid=plan.uuid, esi_id=esi_id, service_start_date=plan.earliest_start_date,
                            terms_accepted=True)
    acct.enroll.update_identity()
    acct.billing.ensure_payment_method_added(payment_method_id="pm_card_visa")
    acct.enroll.finalize()
    a = acct.sandbox.seed_demo_data()
    return acct, a.locations[0].uuid
