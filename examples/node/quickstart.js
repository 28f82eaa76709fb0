// light-sdk quickstart in Node: app client → account → enrollment lookups →
// account client (token minted by the SDK) → webhook sign/verify.
//   LIGHT_APP_TOKEN=... LIGHT_BASE_URL=http://127.0.0.1:8080 node examples/node/quickstart.js
'use strict';
const { Light, webhooks } = require('../../node');

const step = (name, detail) => console.log(`  ✓ ${name}${detail ? ` — ${detail}` : ''}`);

async function main() {
  const client = new Light(); // $LIGHT_APP_TOKEN, $LIGHT_BASE_URL
  const acct = await client.accounts.create({ email: `quickstart+${Date.now()}@example.com`, first_name: 'Ada', last_name: 'Lovelace' });
  step('create account', acct.uuid);
  const elig = await client.enroll.eligibility({ postal_code: '75201' });
  step('check eligibility', `likelihood ${elig.eligibility_likelihood}`);
  const hits = await client.enroll.fullAddressSearch({ address_1: '123 Main St', postal_code: '75201' });
  step('full address search', `ESI ID ${hits[0].esi_id}`);
  const { plans } = await client.accounts.requestPlans(acct.uuid, { esi_id: hits[0].esi_id });
  step('request plans', `${plans.length} plans, first: ${plans[0].name} at ${plans[0].energy_rate}¢/kWh`);
  const me = await client.forAccount(acct.uuid).retrieve();
  step('account client (token minted and cached by the SDK)', `${me.status}/${me.status_reason}`);
  const secret = process.env.LIGHT_WEBHOOK_SECRET || 'whsec_demo';
  const payload = '{"uuid":"e1","created_at":"2026-01-01T00:00:00Z","api_version":"v1","event":"enrollment.finalized","data":{}}';
  const event = webhooks.verify(payload, webhooks.sign(payload, secret), secret);
  step('webhook sign + verify', event.event);
  client.close();
}

main().catch((e) => { console.error(e); process.exit(1); });
