'use strict';
// Client-agent enrollment (limited power of attorney), API.md §9.2: the
// customer signs a POA with you, completes identity, credit and payment now,
// and you (the partner) choose the plan and a start date 7–30 days out later —
// e.g. once their solar install has permission to operate.
//
//   LIGHT_APP_TOKEN=... LIGHT_BASE_URL=http://127.0.0.1:8080 \
//   node examples/node/client_agent.js [--esi-id 10443720000000001] [--days-ahead 10]
//
// Prints one "key: value" line per fact; exit status 1 (and "error: ...") on failure.
const { parseArgs } = require('node:util');
const { Light, UnprocessableEntityError } = require('light-sdk');

const { values: args } = parseArgs({
  options: {
    'esi-id': { type: 'string', default: '10443720000000001' },
    'days-ahead': { type: 'string', default: '10' }, // wanted start: days from today, 7–30
  },
});

const statusOf = (a) => `${a.status}/${a.status_reason}`;

function addDays(isoDate, days) {
  const d = new Date(`${isoDate}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

async function main() {
  const daysAhead = Number(args['days-ahead']);
  if (!Number.isInteger(daysAhead)) throw new Error('--days-ahead must be a whole number of days');
  const esiId = args['esi-id'];
  const light = new Light(); // $LIGHT_APP_TOKEN, $LIGHT_BASE_URL
  const account = await light.accounts.create({
    email: `agent+${Date.now()}.${process.pid}@example.com`,
    first_name: 'Katherine',
    last_name: 'Johnson',
    phone_number: '214-555-0142',
    date_of_birth: '1988-08-26',
  });
  const acct = light.forAccount(account.uuid);
  try {
    console.log(`account: ${account.uuid} ${statusOf(account)}`);

    // 1. Record the POA before anyone accepts a plan for the customer.
    const recorded = await light.accounts.recordClientAgent(account.uuid);
    console.log(`client agent recorded: ${recorded.client_agent_accepted} at ${recorded.client_agent_accepted_at}`);

    // 2. The customer's part, in any order: address, identity, credit consent, card.
    const point = await acct.enroll.esiIdSearch({ esi_id: esiId });
    console.log(`service point: ${point.address_1}, ${point.city} ${point.postal_code} ESI ID ${point.esi_id}`);
    await acct.enroll.updateIdentity({});
    await acct.enroll.creditCheck({ ssn: '123-45-6789', consent: true });
    await acct.billing.createPaymentSession(); // client secret for Stripe Elements
    await acct.billing.ensurePaymentMethodAdded({ payment_method_id: 'pm_card_visa' });
    const ready = await acct.retrieve();
    console.log(`customer steps done: ${statusOf(ready)}`);
    if (ready.status_reason !== 'enrollment_pending_client_agent') {
      throw new Error(`expected ready/enrollment_pending_client_agent, got ${statusOf(ready)}`);
    }

    // 3. Later, 7–30 days before the intended start: price plans for this account.
    const { plans } = await light.accounts.requestPlans(account.uuid, { esi_id: esiId });
    const plan = plans[0];
    console.log(`plans: ${plans.length}, start window ${plan.earliest_start_date}..${plan.latest_start_date}, expire ${plan.expires_at}`);

    // A start inside the 7-day opt-out window is refused (422); show it once, then use a valid date.
    const tooEarly = addDays(plan.earliest_start_date, -4);
    try {
      await acct.enroll.acceptPlan({ plan_uuid: plan.uuid, esi_id: esiId, service_start_date: tooEarly, terms_accepted: true });
      throw new Error(`a start date of ${tooEarly} was accepted`);
    } catch (e) {
      if (!(e instanceof UnprocessableEntityError)) throw e;
      console.log(`refused start ${tooEarly}: ${e.status}`);
    }
    // earliest_start_date is today + 7 for a client-agent plan, so today + N = earliest + (N - 7).
    let start = addDays(plan.earliest_start_date, daysAhead - 7);
    if (start < plan.earliest_start_date) start = plan.earliest_start_date;
    if (start > plan.latest_start_date) start = plan.latest_start_date;
    await acct.enroll.acceptPlan({ plan_uuid: plan.uuid, esi_id: esiId, service_start_date: start, terms_accepted: true });
    console.log(`accepted: ${plan.name} from ${start} -> ${statusOf(await acct.retrieve())}`);

    // 4. Finalize as a client-agent enrollment: Light sends the customer a Letter of Authorization.
    await acct.enroll.finalize({ is_client_agent_enrollment: true });
    const done = await acct.retrieve();
    console.log(`finalized: ${done.enrollment.is_enrollment_finalized}`);
    console.log(`status: ${statusOf(done)}`);
  } finally {
    acct.close();
    light.close();
  }
}

main().catch((e) => {
  console.log(`error: ${e.name}: ${e.message}`);
  process.exitCode = 1;
});
