"""Secret-scan journey in Python (tests/secrets/test_secret_scan.py runs it with LIGHT_LOG=debug).

Creates an account, mints its token (for_account), updates identity, runs
credit_check with the SSN dashed and digits-only, triggers a 422 and a 401
(wrong app token and wrong account token), signs and verifies a webhook and
fails one with a wrong secret, and prints repr/str of every client, response
and error. Every record of logging.getLogger("light") (DEBUG: with response
headers), with all its attributes, goes to stderr. Reads LIGHT_APP_TOKEN, LIGHT_BASE_URL, LIGHT_WEBHOOK_SECRET,
SECRETSCAN_SSN, SECRETSCAN_WRONG_APP_TOKEN, SECRETSCAN_WRONG_ACCOUNT_TOKEN.
"""
import json
import logging
import os
import sys
import time

import light

SSN = os.environ["SECRETSCAN_SSN"]          # "123-45-6789"
SSN_DIGITS = SSN.replace("-", "")             # "123456789"


def show(label, obj):
    print(f"{label}: repr={obj!r}")
    print(f"{label}: str={obj}")


def show_error(label, e):
    show(label, e)
    print(f"{label}: args={e.args!r}")
    for attr in ("status", "body", "request_id", "headers", "reason"):
        if hasattr(e, attr):
            print(f"{label}: {attr}={getattr(e, attr)!r}")


class DumpHandler(logging.Handler):
    def emit(self, record):
        print(f"log {record.levelname}: {record.getMessage()} {record.__dict__!r}", file=sys.stderr)


def main():
    logging.getLogger("light").addHandler(DumpHandler())
    logging.getLogger("light").setLevel(logging.DEBUG)
    client = light.Client()
    show("app client", client)
    acct = client.accounts.create(email=f"secretscan+py{time.time_ns()}@example.com", first_name="Ada",
                                  last_name="Lovelace", phone_number="214-555-0100", date_of_birth="1985-12-10")
    show("account", acct)
    show("account last_response", acct.last_response)
    print("account headers:", dict(acct.last_response.headers))
    print("account uuid:", acct.uuid)
    ac = client.for_account(acct.uuid)
    show("account client", ac)
    show("retrieve", ac.retrieve())
    show("identity", ac.enroll.update_identity(first_name="Ada", ssn_last4=SSN[-4:]))
    r = ac.enroll.credit_check(ssn=SSN, consent=True)
    show("credit_check dashed", r)
    print("credit_check dashed json:", json.dumps(r.to_dict()))
    show("credit_check digits", ac.enroll.credit_check(ssn=SSN_DIGITS, consent=True))
    try:
        ac.enroll.credit_check(ssn=SSN_DIGITS, consent=False)
        print("422: not raised")
    except light.UnprocessableEntityError as e:
        show_error("422 error", e)
    try:
        light.Client(app_token=os.environ["SECRETSCAN_WRONG_APP_TOKEN"], max_retries=0).accounts.list()
        print("401 app: not raised")
    except light.AuthenticationError as e:
        show_error("401 app error", e)
    try:  # a header-injection attempt is refused without echoing the token
        light.AccountClient(account_token=os.environ["SECRETSCAN_CRLF_TOKEN"])
        print("crlf token: accepted")
    except (ValueError, light.LightError) as e:
        show_error("crlf token error", e)
    bad = light.AccountClient(account_token=os.environ["SECRETSCAN_WRONG_ACCOUNT_TOKEN"], max_retries=0)
    show("wrong account client", bad)
    try:
        bad.retrieve()
        print("401 account: not raised")
    except light.AuthenticationError as e:
        show_error("401 account error", e)

    secret = os.environ["LIGHT_WEBHOOK_SECRET"]
    payload = json.dumps({"uuid": "evt_1", "created_at": "2026-01-01T00:00:00Z", "api_version": "v1",
                          "event": "enrollment.identity_updated", "data": {"account": {"uuid": acct.uuid}}})
    sig = light.webhooks.sign(payload, secret)
    show("webhook event", light.webhooks.verify(payload, sig, secret))
    try:
        light.webhooks.verify(payload, sig, "whsec_wrong_" + "0" * 16)
        print("signature: not raised")
    except light.SignatureVerificationError as e:
        show_error("signature error", e)
    client.close()
    print("SECRETSCAN-DONE python")


if __name__ == "__main__":
    sys.exit(main())
