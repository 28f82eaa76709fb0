"""Auth kinds, token expiry, isolation, CORS, 404/405/400/422, envelopes."""
import datetime as dt

import requests

from light_sandbox.runner import SandboxProcess

ESI = "10443720000000002"


def _enrolled(client, esi=ESI):
    acct, tok = client.new_account()
    plans = client.acct(tok, "POST", "/v1/account/enroll/plans/request", {"esi_id": esi})["plans"]
    a = client.acct(tok, "POST", "/v1/account/enroll/plans/accept",
                    {"plan_uuid": plans[0]["uuid"], "esi_id": esi,
                     "service_start_date": plans[0]["earliest_start_date"], "terms_accepted": True})
    return a, tok


def test_auth_kinds(sb, client):
    acct, tok = client.new_account()
    # no token, garbage, wrong kind both ways
    assert client.call("GET", "/v1/app/accounts").status_code == 401
    assert client.call("GET", "/v1/app/accounts", token="nope").status_code == 401
    assert client.call("GET", "/v1/app/accounts", token=tok).status_code == 401
    assert client.call("GET", "/v1/account", token=sb.app_token).status_code == 401
    r = client.call("GET", "/v1/account", headers={"Authorization": "Basic abc"})
    assert r.status_code == 401 and "detail" in r.json()
    assert client.call("GET", "/v1/account", token=tok).status_code == 200
    kinds = [e["auth_kind"] for e in sb.journal()]
    assert {"none", "invalid", "app", "account"} <= set(kinds)
    for e in sb.journal():
        assert e["headers"].get("Authorization", e["auth_kind"]) == e["auth_kind"]
        assert tok not in str(e) and sb.app_token not in str(e)


def test_token_expiry_with_clock(sb, client):
    acct, _ = client.new_account()
    out = client.app("POST", f"/v1/app/accounts/{acct['uuid']}/token")
    tok = out["token"]
    assert tok.count(".") == 2  # JWT-shaped
    exp = dt.datetime.fromisoformat(out["expires_at"].replace("Z", "+00:00")).timestamp()
    now = sb.clock()["now"]
    assert 3590 <= exp - now <= 3601
    sb.advance_clock(59 * 60)
    assert client.call("GET", "/v1/account", token=tok).status_code == 200
    sb.advance_clock(61)
    r = client.call("GET", "/v1/account", token=tok)
    assert r.status_code == 401 and "expired" in r.json()["detail"].lower()
    # a configurable TTL
    sb.config(account_token_ttl=5)
    tok2 = client.token(acct["uuid"])
    sb.advance_clock(6)
    assert client.call("GET", "/v1/account", token=tok2).status_code == 401


def test_account_isolation(sb, client):
    a1, t1 = _enrolled(client)
    a2, t2 = _enrolled(client, "10443720000000003")
    assert client.acct(t1, "GET", "/v1/account")["uuid"] == a1["uuid"]
    assert client.acct(t2, "GET", "/v1/account")["uuid"] == a2["uuid"]
    loc2 = a2["locations"][0]["uuid"]
    assert client.call("GET", f"/v1/account/locations/{loc2}", token=t1).status_code == 404
    assert client.call("GET", f"/v1/account/locations/{loc2}/documents", token=t1).status_code == 404
    assert client.call("GET", f"/v1/account/locations/{loc2}", token=t2).status_code == 200
    # a second app cannot see the first app's accounts
    other = sb.admin("POST", "apps", {"name": "Other"})
    h = {"Authorization": f"Bearer {other['app_token']}"}
    assert requests.get(f"{sb.base_url}/v1/app/accounts/{a1['uuid']}", headers=h).status_code == 404
    listed = requests.get(f"{sb.base_url}/v1/app/accounts", headers=h).json()
    assert listed["data"] == []


def test_cors_preflight(sb, client):
    r = client.call("OPTIONS", "/v1/account", headers={"Origin": "https://app.example.com",
                                                       "Access-Control-Request-Method": "GET",
                                                       "Access-Control-Request-Headers": "authorization"})
    assert r.status_code == 204
    assert r.headers["Access-Control-Allow-Origin"] == "https://app.example.com"
    assert "GET" in r.headers["Access-Control-Allow-Methods"]
    assert "authorization" in r.headers["Access-Control-Allow-Headers"].lower()
    acct, tok = client.new_account()
    r = client.call("GET", "/v1/account", token=tok, headers={"Origin": "https://app.example.com"})
    assert r.headers["Access-Control-Allow-Origin"] == "https://app.example.com"
    assert client.call("OPTIONS", "/v1/account/nope").status_code == 404
    assert client.call("OPTIONS", "/v1/app/accounts").status_code == 405


def test_404_405_400_422(sb, client):
    acct, tok = client.new_account()
    r = client.call("GET", "/v1/nope", token=sb.app_token)
    assert r.status_code == 404 and r.json() == {"detail": "Not found"}
    assert r.headers["X-Request-Id"].startswith("req_")
    r = client.call("PUT", "/v1/app/accounts", token=sb.app_token)
    assert r.status_code == 405 and "GET" in r.headers["Allow"] and "POST" in r.headers["Allow"]
    assert client.call("GET", f"/v1/app/accounts/{'0' * 8}-0000-4000-8000-{'0' * 12}",
                       token=sb.app_token).status_code == 404
    r = client.call("POST", "/v1/app/accounts", token=sb.app_token, data=b"{not json",
                    headers={"Content-Type": "application/json"})
    assert r.status_code == 400 and "detail" in r.json()
    for body, field in (({}, "email"), ({"email": 5}, "email"), ({"email": "not-an-email"}, "email"),
                        ({"email": "a@b.co", "date_of_birth": "1/2/1980"}, "date_of_birth"),
                        ([], "object")):
        r = client.call("POST", "/v1/app/accounts", token=sb.app_token, json=body)
        assert r.status_code == 422 and field in r.json()["detail"], (body, r.text)
    r = client.call("POST", "/v1/app/accounts/enroll/eligibility", token=sb.app_token, json={"postal_code": "7520"})
    assert r.status_code == 422
    r = client.call("POST", "/v1/account/enroll/credit-check", token=tok, json={"ssn": "123456789"})
    assert r.status_code == 422 and "consent" in r.json()["detail"]
    r = client.call("POST", "/v1/account/enroll/credit-check", token=tok, json={"ssn": "12345", "consent": True})
    assert r.status_code == 422 and "ssn" in r.json()["detail"]
    r = client.call("PATCH", "/v1/account/enroll/identity", token=tok, json={"phone_number": True})
    assert r.status_code == 422
    r = client.call("GET", "/v1/app/accounts?limit=abc", token=sb.app_token)
    assert r.status_code == 422
    r = client.call("POST", f"/v1/app/accounts/{acct['uuid']}/flow-login", token=sb.app_token,
                    json={"scope": "everything"})
    assert r.status_code == 422


def test_identity_requires_critical_fields(sb, client):
    acct, tok = client.new_account(phone_number=None, date_of_birth=None)
    r = client.call("PATCH", "/v1/account/enroll/identity", token=tok, json={})
    assert r.status_code == 422 and "date_of_birth" in r.json()["detail"] and "phone_number" in r.json()["detail"]
    a = client.acct(tok, "PATCH", "/v1/account/enroll/identity",
                    {"phone_number": "+1 214 555 0199", "date_of_birth": "1990-02-03", "ssn_last4": "6789"})
    assert a["enrollment"]["is_identity_verified"] is True and a["date_of_birth"] == "1990-02-03"


def test_app_account_crud_and_pagination(sb, client):
    created = [client.new_account()[0] for _ in range(23)]
    page = client.app("GET", "/v1/app/accounts")
    assert page["limit"] == 10 and page["offset"] == 0 and page["has_more"] and len(page["data"]) == 10
    seen, url, pages = [], sb.base_url + "/v1/app/accounts?limit=10", 0
    while url:
        r = client.s.get(url, headers={"Authorization": f"Bearer {sb.app_token}"}).json()
        seen += [a["uuid"] for a in r["data"]]
        url = r["next_page_url"]
        pages += 1
    assert pages >= 3 and {a["uuid"] for a in created} <= set(seen) and len(seen) == len(set(seen))
    assert client.app("GET", "/v1/app/accounts?limit=500")["limit"] == 100
    u = created[0]["uuid"]
    a = client.app("PATCH", f"/v1/app/accounts/{u}", {"first_name": "Grace", "renewals_url": "https://x.example/r"})
    assert a["first_name"] == "Grace" and a["renewals_url"] == "https://x.example/r"
    assert client.app("GET", f"/v1/app/accounts/{u}")["first_name"] == "Grace"
    fl = client.app("POST", f"/v1/app/accounts/{u}/flow-login", {"scope": "billing"})
    assert fl["scope"] == "billing" and fl["login_link"].startswith("https://flow.light.dev/login?token=")
    fl = client.app("POST", f"/v1/app/accounts/{u}/flow-login?scope=documents")
    assert fl["scope"] == "documents"


def test_error_key_option():
    with SandboxProcess(["--error-key", "error"]) as sb:
        r = requests.get(sb.base_url + "/v1/nope")
        assert r.status_code == 404 and r.json() == {"error": "Not found"}
        sb.config(error_key="message")
        assert requests.get(sb.base_url + "/v1/nope").json() == {"message": "Not found"}


def test_enroll_helpers(sb, client):
    r = client.app("POST", "/v1/app/accounts/enroll/eligibility", {"postal_code": "75201"})
    assert r["eligibility_likelihood"] > 0 and r["utilities"][0]["name"] == "ONCOR"
    r = client.app("POST", "/v1/app/accounts/enroll/eligibility", {"postal_code": "78701"})  # Austin Energy
    assert r == {"eligibility_likelihood": 0, "utilities": []}
    hits = client.app("POST", "/v1/app/accounts/enroll/address-search", {"query": "123 main"})
    assert {h["esi_id"] for h in hits} >= {"55512345671234567", "55512345671234568"}
    full = client.app("POST", "/v1/app/accounts/enroll/full-address-search",
                      {"address_1": "123 Main Street", "address_2": "#1", "postal_code": "75201"})
    assert [h["esi_id"] for h in full] == ["55512345671234567"]
    full = client.app("POST", "/v1/app/accounts/enroll/full-address-search",
                      {"address_1": "123 Main St", "postal_code": "75201"})
    assert len(full) == 2  # two meters at the address
    assert client.app("POST", "/v1/app/accounts/enroll/full-address-search",
                      {"address_1": "124 Main St", "postal_code": "75201"}) == []
    acct, tok = client.new_account()
    assert client.acct(tok, "POST", "/v1/account/enroll/address-search", {"query": "Westheimer"})
    assert client.call("POST", "/v1/account/enroll/esi-id-search", token=tok,
                       json={"esi_id": "99999999999999999"}).status_code == 404
    assert client.call("POST", "/v1/account/enroll/esi-id-search", token=tok,
                       json={"esi_id": "123"}).status_code == 422
    groups = client.app("GET", "/v1/app/plan-groups")
    assert any(g["uuid"] == "4e7acc79-58af-4be1-881f-c9ccbbe02a80" for g in groups)
    bm = client.app("GET", "/v1/app/accounts/enroll/plan-benchmarks?postal_code=77002")
    assert bm["utility"] == "CENTERPOINT" and len(bm["benchmarks"]) == 3
    custom = client.app("POST", "/v1/app/accounts/enroll/plans/request",
                        {"plan_group": groups[0]["uuid"], "term_months": 6, "energy_rate_cents_per_kwh": 11.5})
    assert len(custom["plans"]) == 1 and custom["plans"][0]["term_months"] == 6
    assert custom["plans"][0]["energy_rate"] == "11.5000"


def test_plan_expiry_and_window(sb, client):
    acct, tok = client.new_account()
    plans = client.acct(tok, "POST", "/v1/account/enroll/plans/request", {"esi_id": ESI})["plans"]
    p = plans[0]
    body = {"plan_uuid": p["uuid"], "esi_id": ESI, "terms_accepted": True}
    late = dt.date.fromisoformat(p["latest_start_date"]) + dt.timedelta(days=1)
    r = client.call("POST", "/v1/account/enroll/plans/accept", token=tok, json=dict(body, service_start_date=late.isoformat()))
    assert r.status_code == 422 and "service_start_date" in r.json()["detail"]
    r = client.call("POST", "/v1/account/enroll/plans/accept", token=tok,
                    json=dict(body, service_start_date=p["earliest_start_date"], esi_id="10443720000000004"))
    assert r.status_code == 422
    # the older `start_date` key is accepted too
    client.acct(tok, "POST", "/v1/account/enroll/plans/accept", dict(body, start_date=p["earliest_start_date"]))
    sb.advance_clock(8 * 86400)  # > 5 business days
    tok = client.token(acct["uuid"])
    r = client.call("POST", "/v1/account/enroll/plans/accept", token=tok,
                    json=dict(body, service_start_date=sb.clock()["today"]))
    assert r.status_code == 422 and "expired" in r.json()["detail"]


def test_head_and_encoded_params(sb, client):
    acct, tok = client.new_account()
    r = client.call("HEAD", f"/v1/app/accounts/{acct['uuid']}", token=sb.app_token)
    assert r.status_code == 200 and r.content == b"" and int(r.headers["Content-Length"]) > 0
    assert client.call("HEAD", "/v1/app/nope", token=sb.app_token).status_code == 404
    enc = acct["uuid"].replace("-", "%2D")
    assert client.call("GET", f"/v1/app/accounts/{enc}", token=sb.app_token).status_code == 200
    j = sb.journal(path=f"/v1/app/accounts/{acct['uuid']}")
    assert j[0]["method"] == "HEAD" and j[0]["account_uuid"] == acct["uuid"]


def test_journal_fields(sb, client):
    acct, tok = client.new_account()
    client.acct(tok, "GET", "/v1/account?x=1")
    e = sb.journal(path="/v1/account")[-1]
    for k in ("seq", "time", "method", "path", "query", "headers", "auth_kind", "account_uuid", "body", "status",
              "connection_id"):
        assert k in e
    assert e["query"] == {"x": "1"} and e["auth_kind"] == "account" and e["account_uuid"] == acct["uuid"]
    assert e["headers"]["Authorization"] == "account" and e["status"] == 200
    # SSN redaction also for non-JSON text bodies
    client.call("POST", "/v1/account/enroll/credit-check", token=tok, data='{"ssn": "123-45-6789", oops',
                headers={"Content-Type": "application/json"}, expect=400)
    e = sb.journal(path="/v1/account/enroll/credit-check")[-1]
    assert "6789" not in e["body"] and '"ssn": "***"' in e["body"]
