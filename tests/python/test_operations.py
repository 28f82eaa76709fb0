"""Every operation of the core's table, called through the generated Python
methods, with its request checked in the emulator's journal (method, path,
auth kind)."""
import time

import light
from light._resources import OPERATIONS

from .conftest import ESI, GROUP, new_account, today

PDF = b"%PDF-1.4\nESI ID: 10443720000000001\n%%EOF\n"


def _wait(fn, pred, timeout=10.0):
    end = time.monotonic() + timeout
    while True:
        v = fn()
        if pred(v) or time.monotonic() > end:
            return v
        time.sleep(0.05)


def test_every_operation(sb, client, journal):
    j = journal.check
    # ---- app token -----------------------------------------------------------
    account, e = j(client.accounts.create, email=f"ops{time.time_ns()}@example.com", first_name="Ada",
                   last_name="Lovelace", phone_number="214-555-0100", date_of_birth="1985-12-10")
    assert e["body"] and "Ada" in e["body"] and e["headers"]["Content-Type"].startswith("application/json")
    uuid = account.uuid
    page, e = j(client.accounts.list, limit=1)
    assert "limit=1" in e["query"] if isinstance(e["query"], str) else e["query"].get("limit") in ("1", ["1"])
    assert isinstance(page, light.Page)
    assert j(client.accounts.retrieve, uuid)[0].uuid == uuid
    assert j(client.accounts.update, uuid, first_name="Grace")[0].first_name == "Grace"
    tok, _ = j(client.accounts.create_token, uuid)
    assert tok.token and tok.token not in repr(tok)
    fl, _ = j(client.accounts.flow_login, uuid, scope="billing")
    assert fl.scope == "billing"
    assert j(client.enroll.eligibility, postal_code="75201")[0].eligibility_likelihood > 0
    j(client.enroll.address_search, query="123 Main")
    j(client.enroll.full_address_search, address_1="456 Elm St", postal_code="75202")
    plans, _ = j(client.enroll.request_plans, esi_id=ESI, account_uuid=uuid)
    assert plans.plans and isinstance(plans.plans[0].energy_rate, str)
    j(client.accounts.request_plans, uuid, esi_id=ESI)
    j(client.enroll.plan_benchmarks)
    j(client.plan_groups.list)
    other = new_account(client)
    assert j(client.accounts.record_client_agent, other.uuid)[0].client_agent_accepted is True

    # ---- account token (minted by the core) --------------------------------------
    acct = client.for_account(uuid)
    assert j(acct.retrieve)[0].uuid == uuid
    j(acct.enroll.address_search, query="456 Elm")
    assert j(acct.enroll.esi_id_search, esi_id=ESI)[0].esi_id == ESI
    plans, _ = j(acct.enroll.request_plans, esi_id=ESI)
    p = plans.plans[0]
    j(acct.enroll.accept_plan, plan_uuid=p.uuid, esi_id=ESI, service_start_date=p.earliest_start_date,
      terms_accepted=True)
    j(acct.enroll.update_identity, first_name="Ada")
    _, e = j(acct.enroll.credit_check, ssn="123-45-6789", consent=True)
    assert "123-45-6789" not in e["body"]
    assert j(acct.billing.create_payment_session)[0].client_secret.startswith("seti_")
    j(acct.billing.ensure_payment_method_added, payment_method_id="pm_card_visa")
    assert j(acct.billing.payment_method)[0].card_last4 == "4242"
    assert j(acct.enroll.finalize)[0] == {}
    j(acct.sandbox.delete_enrollment)
    # enroll again, then seed an active service with history
    plans = acct.enroll.request_plans(esi_id=ESI).plans
    acct.enroll.accept_plan(plan_uuid=plans[0].uuid, esi_id=ESI, service_start_date=plans[0].earliest_start_date,
                            terms_accepted=True)
    acct.enroll.update_identity()
    acct.billing.ensure_payment_method_added(payment_method_id="pm_card_visa")
    acct.enroll.finalize()
    a, _ = j(acct.sandbox.seed_demo_data)
    loc = a.locations[0].uuid
    invoices, _ = j(acct.billing.invoices.list, limit=3)
    number = invoices.data[0].number
    assert j(acct.billing.invoices.retrieve, number)[0].number == number
    assert j(acct.billing.address.retrieve)[0].same_as_service_address is True
    j(acct.billing.address.update, same_as_service_address=False, address_1="1 PO Box", city="Austin", state="TX",
      postal_code="78701")
    assert j(acct.locations.retrieve, loc)[0].uuid == loc
    j(acct.locations.plan, loc)
    docs, _ = j(acct.locations.documents, loc)
    j(acct.locations.all_documents, loc)
    j(acct.locations.support_info, loc)
    year = today(sb).year
    j(acct.locations.usage.monthly, loc, year=year)
    j(acct.locations.usage.daily, loc, month=1, year=year)
    iv, e = j(acct.locations.usage.intervals, loc, month=1, year=year)
    j(acct.locations.meter_reads, loc)
    rplans, _ = j(acct.locations.renewal_plans.request, loc)
    rp = rplans.plans[1]
    j(acct.locations.renewal_plans.accept, loc, plan_uuid=rp.uuid, service_start_date=rp.earliest_start_date,
      terms_accepted=True)
    ci, e = j(acct.comparison_invoice.upload, PDF, filename="bill.pdf")
    assert e["headers"]["Content-Type"].startswith("multipart/form-data")
    done = _wait(lambda: acct.comparison_invoice.retrieve(uuid=ci.uuid), lambda c: c.status != "pending")
    assert done.status == "processed"
    j(acct.comparison_invoice.retrieve)
    s, e = j(acct.comparison_invoice.simple_compare, plan_group=GROUP, uuid=ci.uuid)
    assert s.plan_comparison.group_uuid == GROUP
    j(acct.comparison_invoice.annual_compare, plan_group=GROUP, uuid=ci.uuid)
    prof, _ = j(client.usage_profiles.fetch, comparison_invoice_uuid=ci.uuid, user_authorizes_usage_fetch=True)
    assert prof.status == "pending"
    j(client.usage_profiles.retrieve, prof.uuid)
    j(acct.locations.cancel, loc, final_service_date=docs.contract_end)

    missing = {op.id for op in OPERATIONS} - journal.checked
    assert not missing, f"operations never called: {sorted(missing)}"
    assert len(journal.checked) == len(OPERATIONS) == 49
