'use strict';
// The Light journey in Node: one customer from sign-up to a comparison quote,
// through the SDK's public surface only (the same 16 steps exist in C, Python
// and Lua).
//
//   LIGHT_APP_TOKEN=... LIGHT_BASE_URL=http://127.0.0.1:8080 \
//   LIGHT_WEBHOOK_SECRET=whsec_... LIGHT_RECEIVER_URL=http://127.0.0.1:PORT/webhooks \
//   node examples/node/journey.js
//
// LIGHT_RECEIVER_URL is the emulator's webhook receiver (`python3 -m
// light_sandbox --receiver`); the last step lists what it received and
// verifies every delivery for this account with webhooks.verify().
// Prints "  ✓ <step> — <figure>" per step; on the first failure
// "  ✗ <step> — <error>" and exit status 1.
const { Light, webhooks, events } = require('../../node'); // `require('light-sdk')` once installed

const POSTAL_CODE = '75201';
const ADDRESS_1 = '123 Main St';
const COMPARISON_PDF = Buffer.from('%PDF-1.4\n1 0 obj << >> endobj\nESI ID: 10443720000000001\n%%EOF\n');

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

class StepFailed extends Error {}

// Run one step; print its line; stop the journey on the first failure.
async function step(name, fn) {
  let figure;
  try {
    figure = await fn();
  } catch (e) {
    console.log(`  ✗ ${name} — ${e && e.name ? `${e.name}: ${e.message}` : String(e)}`);
    throw new StepFailed(name);
  }
  console.log(`  ✓ ${name} — ${figure}`);
}

function previousMonth(today) {
  const d = new Date(today.getFullYear(), today.getMonth(), 0); // last day of the previous month
  return { year: d.getFullYear(), month: d.getMonth() + 1 };
}

function need(value, message) {
  if (!value) throw new Error(message);
  return value;
}

async function main() {
  const secret = need(process.env.LIGHT_WEBHOOK_SECRET, 'LIGHT_WEBHOOK_SECRET is not set');
  const receiverURL = need(process.env.LIGHT_RECEIVER_URL, 'LIGHT_RECEIVER_URL is not set');
  const client = new Light(); // $LIGHT_APP_TOKEN, $LIGHT_BASE_URL
  const s = {}; // what later steps need from earlier ones

  try {
    await step('create account', async () => {
      const a = await client.accounts.create({
        email: `journey+node${Date.now()}${process.pid}@example.com`,
        first_name: 'Ada',
        last_name: 'Lovelace',
        phone_number: '214-555-0100',
        date_of_birth: '1985-12-10',
      });
      s.uuid = a.uuid;
      s.acct = client.forAccount(a.uuid); // account token minted, cached and refreshed by the SDK
      return a.uuid;
    });

    await step('check eligibility', async () => {
      const e = await client.enroll.eligibility({ postal_code: POSTAL_CODE });
      if (!(e.eligibility_likelihood > 0)) throw new Error(`${POSTAL_CODE} is not a retail-choice area`);
      return `likelihood ${e.eligibility_likelihood}`;
    });

    await step('search address', async () => {
      const hits = await client.enroll.fullAddressSearch({ address_1: ADDRESS_1, postal_code: POSTAL_CODE });
      if (!hits.length) throw new Error(`no service point at ${ADDRESS_1}, ${POSTAL_CODE}`);
      s.esiId = hits[0].esi_id;
      return `ESI ID ${s.esiId}`;
    });

    await step('request plans', async () => {
      const { plans } = await client.enroll.requestPlans({ esi_id: s.esiId, account_uuid: s.uuid });
      if (!plans || !plans.length) throw new Error('no plans offered');
      const p = (s.plan = plans[0]);
      return `${plans.length} plans, ${p.name} at ${p.energy_rate}¢/kWh`;
    });

    await step('accept plan', async () => {
      const p = s.plan;
      await s.acct.enroll.acceptPlan({
        plan_uuid: p.uuid,
        esi_id: s.esiId,
        service_start_date: p.earliest_start_date,
        terms_accepted: true,
      });
      return `${p.name} from ${p.earliest_start_date}`;
    });

    await step('submit identity', async () => {
      const a = await s.acct.enroll.updateIdentity({ ssn_last4: '6789' });
      return `${a.status}/${a.status_reason}`;
    });

    await step('credit check', async () => {
      const a = await s.acct.enroll.creditCheck({ ssn: '123-45-6789', consent: true });
      return `${a.status}/${a.status_reason}`;
    });

    await step('add payment method', async () => {
      const session = await s.acct.billing.createPaymentSession();
      if (!session.client_secret) throw new Error('payment session without a client secret');
      // In a real app Stripe Elements collects the card with session.client_secret.
      await s.acct.billing.ensurePaymentMethodAdded({ payment_method_id: 'pm_card_visa' });
      const pm = await s.acct.billing.paymentMethod();
      return `${pm.card_brand} •••• ${pm.card_last4}`;
    });

    await step('finalize enrollment', async () => {
      await s.acct.enroll.finalize();
      const a = await s.acct.retrieve();
      if (!(a.enrollment && a.enrollment.is_enrollment_finalized)) throw new Error('enrollment not finalized');
      return `${a.status}/${a.status_reason}`;
    });

    await step('activate (sandbox)', async () => {
      const a = await s.acct.sandbox.seedDemoData();
      if (a.status !== 'active') throw new Error(`status ${a.status}/${a.status_reason} after seeding`);
      s.location = a.locations[0].uuid;
      return `${a.status}/${a.status_reason}`;
    });

    await step('usage', async () => {
      const usage = s.acct.locations.usage;
      const { year, month } = previousMonth(new Date());
      // three independent reads, in flight together on Node's loop
      const [monthly, daily, iv] = await Promise.all([
        usage.monthly(s.location, { year }),
        usage.daily(s.location, { month, year }),
        usage.intervals(s.location, { month, year }),
      ]);
      if (!(monthly.months.length && daily.days.length && iv.intervals.length)) throw new Error('no usage for last month');
      return `${monthly.months.length} months, ${daily.days.length} days, ` +
        `${iv.intervals.length} intervals of ${iv.interval_minutes} min`;
    });

    await step('invoices', async () => {
      let n = 0;
      let pages = 0;
      for await (const page of s.acct.billing.invoices.list().pages()) { // the SDK follows every page
        pages += 1;
        n += page.data.length;
      }
      if (n === 0) throw new Error('no invoices');
      return `${n} invoices across ${pages} pages`;
    });

    await step('documents', async () => {
      const d = await s.acct.locations.documents(s.location);
      return `contract ends ${d.contract_end}`;
    });

    await step('renewal plans', async () => {
      const { plans } = await s.acct.locations.renewalPlans.request(s.location);
      if (!plans || !plans.length) throw new Error('no renewal plans');
      const earliest = plans.map((p) => p.earliest_start_date).sort()[0];
      return `${plans.length} plans from ${earliest}`;
    });

    await step('comparison', async () => {
      const ci = s.acct.comparisonInvoice;
      let inv = await ci.upload({ file: COMPARISON_PDF, filename: 'bill.pdf', contentType: 'application/pdf' });
      const deadline = Date.now() + 15_000;
      while ((inv = await ci.retrieve({ uuid: inv.uuid })).status === 'pending') {
        if (Date.now() > deadline) throw new Error('comparison invoice still pending after 15 s');
        await sleep(100);
      }
      if (inv.processing_error) throw new Error(`processing error: ${inv.processing_error}`);
      const c = await ci.simpleCompare({ plan_group: s.plan.plan_group_uuid, uuid: inv.uuid });
      return `${c.plan_comparison.name} at $${c.plan_comparison.total_dollars} vs $${c.parsed_invoice_data.total_dollars}`;
    });

    await step('webhooks', async () => {
      // Deliveries are asynchronous: poll until the set for this account stops growing (≤ ~10 s).
      const deadline = Date.now() + 10_000;
      let mine = [];
      let stableSince = Date.now();
      while (Date.now() < deadline) {
        const r = await fetch(receiverURL, { signal: AbortSignal.timeout(10_000) });
        if (!r.ok) throw new Error(`receiver answered ${r.status}`);
        const got = (await r.json()).filter((d) => JSON.stringify(JSON.parse(d.body).data).includes(s.uuid));
        if (got.length !== mine.length) {
          mine = got;
          stableSince = Date.now();
        } else if (mine.some((d) => d.event === events.COMPARISON_INVOICE_PROCESSED) && Date.now() - stableSince > 1000) {
          break;
        }
        await sleep(200);
      }
      if (!mine.length) throw new Error('no webhook deliveries for this account');
      const names = [];
      for (const d of mine) {
        // the raw body exactly as delivered + its Light-Signature-v1 header; throws if it does not verify
        const event = webhooks.verify(Buffer.from(d.body, 'utf8'), d.signature, secret);
        if (!names.includes(event.event)) names.push(event.event);
      }
      return `${mine.length} received, ${mine.length} verified: ${names.join(', ')}`;
    });
  } finally {
    client.close();
  }
}

main().catch((e) => {
  if (!(e instanceof StepFailed)) console.log(`  ✗ journey — ${e && e.name ? `${e.name}: ${e.message}` : String(e)}`);
  process.exitCode = 1;
});
