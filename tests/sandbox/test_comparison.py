"""Comparison invoices (multipart upload, async processing) and usage profiles."""
import time

GROUP = "4e7acc79-58af-4be1-881f-c9ccbbe02a80"


def _pdf(text=b""):
    return b"%PDF-1.4\n" + text + b"\n%%EOF\n"


def _wait_processed(client, tok, uuid, timeout=10):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        ci = client.acct(tok, "GET", f"/v1/account/comparison-invoice?uuid={uuid}")
        if ci["status"] != "pending":
            return ci
        time.sleep(0.05)
    raise AssertionError("comparison invoice still pending")


def test_upload_and_compare(sb, client):
    # An ESI ID no other suite uploads: a completed usage profile personalises
    # every later comparison for its number (API.md §14), and the sandbox is
    # shared by the whole session.
    acct, tok = client.new_account()
    client.acct(tok, "GET", "/v1/account/comparison-invoice", expect=404)
    ci = client.acct(tok, "POST", "/v1/account/comparison-invoice",
                     files={"file": ("bill.pdf", _pdf(b"ESI ID: 10443720000000137"), "application/pdf")})
    assert ci == {"uuid": ci["uuid"], "status": "pending", "utility_account_number": None, "processed_at": None,
                  "processing_error": None}
    j = sb.journal(method="POST", path="/v1/account/comparison-invoice")[0]
    assert j["headers"]["Content-Type"].startswith("multipart/form-data")
    client.call("GET", f"/v1/account/comparison-invoice/simple-compare?plan_group={GROUP}&uuid={ci['uuid']}",
                token=tok, expect=422)  # still processing
    done = _wait_processed(client, tok, ci["uuid"])
    assert done["status"] == "processed" and done["processing_error"] is None
    assert done["utility_account_number"] == "10443720000000137" and done["processed_at"]
    assert client.acct(tok, "GET", "/v1/account/comparison-invoice")["uuid"] == ci["uuid"]
    ev = sb.events("comparison_invoice.processed")
    assert ev and ev[-1]["data"]["comparison_invoice"]["uuid"] == ci["uuid"]

    s = client.acct(tok, "GET", f"/v1/account/comparison-invoice/simple-compare?plan_group={GROUP}&uuid={ci['uuid']}")
    assert s["processing_error"] is None
    assert set(s["parsed_invoice_data"]) == {"contract_end_date", "invoice_date", "provider_display_name",
                                             "total_dollars", "total_kwh"}
    assert s["plan_comparison"]["group_uuid"] == GROUP and s["plan_comparison"]["name"] == "Clean Energy"
    assert s["plan_comparison"]["usage_profile_uuid"] is None
    a = client.acct(tok, "GET", f"/v1/account/comparison-invoice/annual-compare?plan_group={GROUP}&uuid={ci['uuid']}")
    assert [m["month"] for m in a["months"]] == list(range(1, 13))
    cents = lambda s: int(s.replace(".", ""))  # noqa: E731
    assert sum(cents(m["offered_plan_dollars"]) for m in a["months"]) == cents(a["annual_totals"]["annual_offered_plan_dollars"])
    assert a["plan_comparison"]["total_dollars"] == a["annual_totals"]["annual_offered_plan_dollars"]
    client.call("GET", f"/v1/account/comparison-invoice/simple-compare?uuid={ci['uuid']}", token=tok, expect=422)
    client.call("GET", f"/v1/account/comparison-invoice/simple-compare?plan_group={GROUP}&uuid=nope", token=tok,
                expect=404)
    # another account cannot see it
    other, tok2 = client.new_account()
    client.call("GET", f"/v1/account/comparison-invoice?uuid={ci['uuid']}", token=tok2, expect=404)

    # usage profile: 202 pending -> completed, then personalised comparisons
    p = client.app("POST", "/v1/app/usage-profiles/fetch",
                   {"comparison_invoice_uuid": ci["uuid"], "user_authorizes_usage_fetch": True}, expect=202)
    assert p["status"] == "pending" and p["start_date"] is None and p["utility_account_number"] == "10443720000000137"
    end = time.monotonic() + 10
    while client.app("GET", f"/v1/app/usage-profiles/{p['uuid']}")["status"] == "pending" and time.monotonic() < end:
        time.sleep(0.05)
    p2 = client.app("GET", f"/v1/app/usage-profiles/{p['uuid']}")
    assert p2["status"] == "completed" and p2["start_date"] and p2["end_date"] and p2["completed_at"]
    s2 = client.acct(tok, "GET", f"/v1/account/comparison-invoice/simple-compare?plan_group={GROUP}&uuid={ci['uuid']}")
    assert s2["plan_comparison"]["usage_profile_uuid"] == p["uuid"]
    assert sb.events("usage_profile.completed")


def test_upload_validation_and_unreadable(sb, client):
    acct, tok = client.new_account()
    client.call("POST", "/v1/account/comparison-invoice", token=tok, json={"file": "x"}, expect=422)
    client.call("POST", "/v1/account/comparison-invoice", token=tok,
                files={"other": ("bill.pdf", _pdf(), "application/pdf")}, expect=422)
    client.call("POST", "/v1/account/comparison-invoice", token=tok,
                files={"file": ("bill.pdf", b"", "application/pdf")}, expect=422)
    ci = client.acct(tok, "POST", "/v1/account/comparison-invoice",
                     files={"file": ("photo.jpg", b"\xff\xd8\xff\xe0 not a pdf", "image/jpeg")})
    done = _wait_processed(client, tok, ci["uuid"])
    assert done["status"] == "processed" and done["processing_error"]
    s = client.acct(tok, "GET", f"/v1/account/comparison-invoice/simple-compare?plan_group={GROUP}&uuid={ci['uuid']}")
    assert s["processing_error"] and s["parsed_invoice_data"] is None
    j = [e for e in sb.journal() if e["path"] == "/v1/account/comparison-invoice" and e["status"] == 200][0]
    assert j["body_base64"] is True  # binary upload journaled as base64
    client.app("POST", "/v1/app/usage-profiles/fetch",
               {"comparison_invoice_uuid": ci["uuid"], "user_authorizes_usage_fetch": True}, expect=422)
    client.app("POST", "/v1/app/usage-profiles/fetch",
               {"comparison_invoice_uuid": ci["uuid"], "user_authorizes_usage_fetch": False}, expect=422)
    client.app("POST", "/v1/app/usage-profiles/fetch",
               {"comparison_invoice_uuid": "a1b2c3d4-5678-90ab-cdef-1234567890ab",
                "user_authorizes_usage_fetch": True}, expect=404)
    client.app("GET", "/v1/app/usage-profiles/a1b2c3d4-5678-90ab-cdef-1234567890ab", expect=404)


def test_usage_profile_failure(sb, client):
    sb.config(usage_profile_delay=0.05)
    acct, tok = client.new_account()
    ci = client.acct(tok, "POST", "/v1/account/comparison-invoice",
                     files={"file": ("no-smt.pdf", _pdf(), "application/pdf")})
    _wait_processed(client, tok, ci["uuid"])
    p = client.app("POST", "/v1/app/usage-profiles/fetch",
                   {"comparison_invoice_uuid": ci["uuid"], "user_authorizes_usage_fetch": True}, expect=202)
    end = time.monotonic() + 10
    while client.app("GET", f"/v1/app/usage-profiles/{p['uuid']}")["status"] == "pending" and time.monotonic() < end:
        time.sleep(0.05)
    p2 = client.app("GET", f"/v1/app/usage-profiles/{p['uuid']}")
    assert p2["status"] == "failed" and p2["error_message"]
    assert sb.events("usage_profile.failed")[-1]["data"]["usage_profile"]["uuid"] == p["uuid"]
