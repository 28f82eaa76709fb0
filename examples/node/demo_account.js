'use strict';
// Sandbox helper for the billing and usage examples: a customer enrolled at a
// service address and switched on with the sandbox's seed operation
// (POST /v1/account/sandbox/seed-demo-data), so it has a year of usage,
// invoices and documents. Sandbox apps only.
//
//   node examples/node/demo_account.js      # prints "<account uuid> <location uuid>"
const { Light } = require('light-sdk');

/** Enroll a new customer at esiId and activate it; returns { uuid, location }. */
async function activeDemoAccount(light, { esiId = '10089010000000001' } = {}) {
  const account = await light.accounts.create({
    email: `demo+${Date.now()}.${process.pid}@example.com`,
    first_name: 'Demo',
    last_name: 'Customer',
    phone_number: '713-555-0100',
    date_of_birth: '1980-01-01',
  });
  const acct = light.forAccount(account.uuid);
  try {
    const { plans } = await light.enroll.requestPlans({ esi_id: esiId, account_uuid: account.uuid });
    const plan = plans[0];
    await acct.enroll.acceptPlan({ plan_uuid: plan.uuid, esi_id: esiId, service_start_date: plan.earliest_start_date, terms_accepted: true });
    await acct.enroll.updateIdentity({});
    await acct.enroll.creditCheck({ ssn: '123-45-6789', consent: true });
    await acct.billing.ensurePaymentMethodAdded({ payment_method_id: 'pm_card_visa' });
    await acct.enroll.finalize();
    const active = await acct.sandbox.seedDemoData();
    if (active.status !== 'active') throw new Error(`demo account is ${active.status}/${active.status_reason}, not active`);
    return { uuid: account.uuid, location: active.locations[0].uuid };
  } finally {
    acct.close();
  }
}

module.exports = { activeDemoAccount };

if (require.main === module) {
  const light = new Light();
  activeDemoAccount(light)
    .then(({ uuid, location }) => console.log(`${uuid} ${location}`))
    .catch((e) => {
      console.log(`error: ${e.name}: ${e.message}`);
      process.exitCode = 1;
    })
    .finally(() => light.close());
}
