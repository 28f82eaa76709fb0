'use strict';
// Fidelity to the docs (issue 17 item 6): only documented required fields
// are checked locally; a 404 of an inferred path says "path inferred".
const test = require('node:test');
const assert = require('node:assert/strict');
const { light, sandbox, app, newAccount } = require('./helpers');

test.beforeEach(() => sandbox.clean());

test('only email is refused before I/O', async () => {
  const c = app();
  await assert.rejects(c.accounts.create({ first_name: 'Ada' }), TypeError);
  assert.equal((await sandbox.journal()).filter((e) => e.path === '/v1/app/accounts').length, 0);
});

test('undocumented field names reach the server', async () => {
  const c = app();
  const ac = c.forAccount((await newAccount(c)).uuid);
  const calls = [
    [() => ac.enroll.creditCheck({ social: '123-45-6789', consent: true }), '/v1/account/enroll/credit-check'],
    [() => ac.enroll.esiIdSearch({ esiid: '10443720000000001' }), '/v1/account/enroll/esi-id-search'],
    [() => c.enroll.addressSearch({ text: '123 Main' }), '/v1/app/accounts/enroll/address-search'],
    [() => c.enroll.fullAddressSearch({ street: '1 Main St' }), '/v1/app/accounts/enroll/full-address-search'],
    [() => ac.enroll.acceptPlan({ plan_uuid: 'x', start_date: '2030-01-01', terms_accepted: true }),
      '/v1/account/enroll/plans/accept'],
  ];
  for (const [call, p] of calls) {
    await sandbox.clearJournal();
    try {
      await call();
    } catch (e) {
      assert.ok(e instanceof light.APIError, `${p}: ${e}`);
    }
    assert.ok((await sandbox.journal()).some((e) => e.path === p), `${p} never reached the server`);
  }
});

test('a 404 of an inferred path says so', async () => {
  const c = app();
  const ac = c.forAccount((await newAccount(c)).uuid);
  const zero = '00000000-0000-0000-0000-000000000000';
  await assert.rejects(ac.locations.retrieve(zero), (e) => e instanceof light.NotFoundError
    && /path inferred/.test(e.message) && e.message.includes('/v1/account/locations/{location_uuid}'));
  await assert.rejects(ac.locations.plan(zero), (e) => e instanceof light.NotFoundError && !/path inferred/.test(e.message));
});
