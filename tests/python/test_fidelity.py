"""Fidelity to what the docs say (issue 17 item 6): only documented required
fields are checked locally, everything else reaches the server; a 404 of an
operation whose path is inferred says so."""
import pytest

import light

from .conftest import new_account


def test_only_email_is_checked_before_io(sb, client):
    sb.clear_journal()
    with pytest.raises(TypeError, match="email"):
        client.accounts.create(first_name="Ada")
    assert sb.journal(path="/v1/app/accounts") == []


@pytest.mark.parametrize("call, path", [
    (lambda c, a: a.enroll.credit_check(social="123-45-6789", consent=True), "/v1/account/enroll/credit-check"),
    (lambda c, a: a.enroll.esi_id_search(esiid="10443720000000001"), "/v1/account/enroll/esi-id-search"),
    (lambda c, a: a.enroll.address_search(q="123 Main"), "/v1/account/enroll/address-search"),
    (lambda c, a: c.enroll.address_search(text="123 Main"), "/v1/app/accounts/enroll/address-search"),
    (lambda c, a: c.enroll.full_address_search(street="1 Main St"), "/v1/app/accounts/enroll/full-address-search"),
    (lambda c, a: a.enroll.accept_plan(plan_uuid="x", start_date="2030-01-01", terms_accepted=True),
     "/v1/account/enroll/plans/accept"),
])
def test_undocumented_field_names_reach_the_server(sb, client, call, path):
    """Names the docs never give are not refused locally: the server decides."""
    acct = client.for_account(new_account(client).uuid)
    sb.clear_journal()
    try:
        call(client, acct)
    except light.APIError:
        pass  # the emulator may refuse the body; what matters is that it saw it
    entries = [e for e in sb.journal() if e["path"] == path]
    assert entries, f"{path} never reached the server"


def test_inferred_path_404_says_path_inferred(sb, client):
    acct = client.for_account(new_account(client).uuid)
    with pytest.raises(light.NotFoundError) as ei:
        acct.locations.retrieve("00000000-0000-0000-0000-000000000000")
    msg = str(ei.value)
    assert "path inferred" in msg and "/v1/account/locations/{location_uuid}" in msg


def test_documented_path_404_does_not_say_inferred(sb, client):
    acct = client.for_account(new_account(client).uuid)
    with pytest.raises(light.NotFoundError) as ei:
        acct.locations.plan("00000000-0000-0000-0000-000000000000")
    assert "path inferred" not in str(ei.value)


def test_inferred_docstrings_say_path_inferred():
    from light._resources import OPERATIONS
    for op in OPERATIONS:
        assert ("path inferred" in op.summary) == op.inferred, op.id


def test_accept_plan_docs_name_the_start_date_sent():
    acct = light.AccountClient(account_token="t", base_url="http://127.0.0.1:9")
    text = acct.enroll.accept_plan.__doc__
    assert "service_start_date" in text and "start_date" in text and "never renamed" in text
