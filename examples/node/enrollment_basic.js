'use strict';
// Basic (customer-driven) enrollment, API.md §9.1: sign a customer up at a
// service address, let them pick a plan, collect identity, credit-check
// consent and a card, and finalize — printing the account status after every
// step so you can see what the API still waits for.
//
//   LIGHT_APP_TOKEN=... LIGHT_BASE_URL=http://127.0.0.1:8080 \
//   node examples/node/enrollment_basic.js [--address "456 Elm St"] [--postal-code 75202] \
//        [--email ada@example.com] [--plan "Clean Energy"]
//
// Prints one "key: value" line per fact; exit status 1 (and "error: ...") on failure.
const { parseArgs } = require('node:util');
const { Light, UnprocessableEntityError } = require('light-sdk'); // the repository's package.json names it

const { values: args } = parseArgs({
  options: {
    address: { type: 'string', default: '456 Elm St' },
    'postal-code': { type: 'string', default: '75202' },
    email: { type: 'string' },
    plan: { type: 'string' }, // plan name; default: the cheapest energy rate
  },
});

const statusOf = (a) => `${a.status}/${a.status_reason}`;

// Exact search first; the fuzzy type-ahead only as a fallback (never trust its order:
// the customer must confirm the address exactly as Light returns it).
async function findServicePoint(light, address1, postalCode) {
  const exact = await light.enroll.fullAddressSearch({ address_1: address1, postal_code: postalCode });
  if (exact.length) return { hits: exact, how: 'full address search' };
  const fuzzy = (await light.enroll.addressSearch({ query: `${address1} ${postalCode}` }))
    .filter((h) => h.postal_code === postalCode);
  return { hits: fuzzy, how: 'type-ahead search' };
}

async function main() {
  const light = new Light(); // $LIGHT_APP_TOKEN, $LIGHT_BASE_URL
  try {
    const postalCode = args['postal-code'];
    const elig = await light.enroll.eligibility({ postal_code: postalCode });
    const utilities = (elig.utilities || []).map((u) => u.display_name).join(', ');
    console.log(`eligibility: ${postalCode} ${elig.eligibility_likelihood}% (${utilities || 'no utility'})`);
    if (!(elig.eligibility_likelihood > 0)) throw new Error(`${postalCode} is not a retail-choice area`);

    // Identity fields at creation time: enrollment needs name, phone, email and date of birth.
    const account = await light.accounts.create({
      email: args.email || `enroll+${Date.now()}.${process.pid}@example.com`,
      first_name: 'Grace',
      last_name: 'Hopper',
      phone_number: '214-555-0123',
      date_of_birth: '1986-12-09',
    });
    console.log(`account: ${account.uuid} ${statusOf(account)}`);

    const { hits, how } = await findServicePoint(light, args.address, postalCode);
    if (!hits.length) throw new Error(`no service point found for ${args.address}, ${postalCode}`);
    for (const h of hits) {
      console.log(`candidate: ${h.address_1}${h.address_2 ? ` ${h.address_2}` : ''}, ${h.city} ${h.state} ${h.postal_code} ESI ID ${h.esi_id}`);
    }
    const point = hits[0]; // a real app asks the customer to confirm one
    console.log(`service point: ESI ID ${point.esi_id} (${how})`);

    // The basic flow prices plans on the app route with the account attached (the
    // per-account route light.accounts.requestPlans() is the client-agent variant).
    const { plans } = await light.enroll.requestPlans({ esi_id: point.esi_id, account_uuid: account.uuid });
    if (!plans.length) throw new Error('no plans offered');
    for (const p of plans) {
      // EFL, TOS and YRAC links must be shown to the customer before they accept.
      console.log(`plan: ${p.name} | ${p.energy_rate}¢/kWh | ${p.term_months} months | EFL ${p.efl_url} | TOS ${p.tos_url} | YRAC ${p.yrac_url}`);
    }
    const plan = args.plan
      ? plans.find((p) => p.name === args.plan)
      : plans.reduce((best, p) => (Number(p.energy_rate) < Number(best.energy_rate) ? p : best));
    if (!plan) throw new Error(`no plan named ${args.plan}`);

    const acct = light.forAccount(account.uuid); // the SDK mints and refreshes the account token
    try {
      // Any date in [earliest_start_date, latest_start_date]; the earliest is the usual choice.
      await acct.enroll.acceptPlan({
        plan_uuid: plan.uuid,
        esi_id: point.esi_id,
        service_start_date: plan.earliest_start_date,
        terms_accepted: true,
      });
      console.log(`accepted: ${plan.name} from ${plan.earliest_start_date} -> ${statusOf(await acct.retrieve())}`);

      const afterIdentity = await acct.enroll.updateIdentity({});
      console.log(`identity: ${statusOf(afterIdentity)}`);

      const afterCredit = await acct.enroll.creditCheck({ ssn: '123-45-6789', consent: true });
      console.log(`credit check: ${statusOf(afterCredit)}`);

      // Payment: Stripe Elements uses the app's publishable key and the session's client
      // secret to collect the card; the resulting payment method id is synced to Light.
      const { app } = await light.accounts.retrieve(account.uuid);
      const session = await acct.billing.createPaymentSession();
      if (!app.stripe_public_key || !session.client_secret) throw new Error('no Stripe key or client secret');
      await acct.billing.ensurePaymentMethodAdded({ payment_method_id: 'pm_card_visa' });
      const pm = await acct.billing.paymentMethod();
      console.log(`payment method: ${pm.card_brand} ending ${pm.card_last4} -> ${statusOf(await acct.retrieve())}`);

      const before = await acct.retrieve();
      if (!before.enrollment.can_finalize_enrollment) {
        throw new Error(`cannot finalize yet (${statusOf(before)})`);
      }
      try {
        await acct.enroll.finalize();
      } catch (e) {
        if (e instanceof UnprocessableEntityError) throw new Error(`finalize refused: ${JSON.stringify(e.body)}`);
        throw e;
      }
      const after = await acct.retrieve();
      console.log(`finalized: ${after.enrollment.is_enrollment_finalized} at ${after.enrollment.finalized_at}`);
      console.log(`status: ${statusOf(after)}`);
    } finally {
      acct.close();
    }
  } finally {
    light.close();
  }
}

main().catch((e) => {
  console.log(`error: ${e.name}: ${e.message}`);
  process.exitCode = 1;
});
