"""light-sdk quickstart in Python: app client → account → enrollment lookups
→ account client (token minted by the SDK) → webhook sign/verify.

    LIGHT_APP_TOKEN=... LIGHT_BASE_URL=http://127.0.0.1:8080 python examples/python/quickstart.py
"""
import os
import time

import light


def step(name, detail=""):
    print(f"  ✓ {name}" + (f" — {detail}" if detail else ""))


client = light.Client()  # $LIGHT_APP_TOKEN, $LIGHT_BASE_URL
acct = client.accounts.create(email=f"quickstart+{time.time_ns()}@example.com",
                              first_name="Ada", last_name="Lovelace")
step("create account", acct.uuid)
elig = client.enroll.eligibility(postal_code="75201")
step("check eligibility", f"likelihood {elig.eligibility_likelihood}")
hits = client.enroll.full_address_search(address_1="123 Main St", postal_code="75201")
esi_id = hits[0]["esi_id"]
step("full address search", f"ESI ID {esi_id}")
plans = client.accounts.request_plans(acct.uuid, esi_id=esi_id).plans
step("request plans", f"{len(plans)} plans, first: {plans[0].name} at {plans[0].energy_rate}¢/kWh")
me = client.for_account(acct.uuid).retrieve()
step("account client (token minted and cached by the SDK)", f"{me.status}/{me.status_reason}")
secret = os.environ.get("LIGHT_WEBHOOK_SECRET", "whsec_demo")
payload = b'{"uuid":"e1","created_at":"2026-01-01T00:00:00Z","api_version":"v1","event":"enrollment.finalized","data":{}}'
event = light.webhooks.verify(payload, light.webhooks.sign(payload, secret), secret)
step("webhook sign + verify", event.event)
client.close()
