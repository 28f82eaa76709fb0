'use strict';
// bindings/node/client.c + node/index.js: every operation of the table once
// (method, path and auth kind checked in the emulator's journal), raw
// requests, pagination, account tokens, argument errors, close().
const test = require('node:test');
const assert = require('node:assert/strict');
const { light, env, ESI, sandbox, app, newAccount, activeAccount, entries } = require('./helpers');

test.beforeEach(() => sandbox.clean());

function expandPath(op, values) {
  let p = op.path;
  op.pathParams.forEach((name, i) => {
    p = p.replace(`{${name}}`, encodeURIComponent(values[i]));
  });
  return p;
}

test('every operation of the table, once, checked in the journal', async () => {
  await sandbox.config({ comparison_processing_delay: 0, usage_profile_delay: 0 });
  const c = app();
  const calls = []; // [op id, path values]
  const seen = new Set();
  const byId = new Map(light.OPERATIONS.map((o) => [o.id, o]));
  // Each step: the op id and the promise of its call.
  async function step(id, pathValues, promise) {
    const result = await promise;
    calls.push([id, pathValues]);
    seen.add(id);
    return result;
  }

  const acct = await step('create_account', [], newAccount(c));
  const uuid = acct.uuid;
  let n = 0;
  for await (const a of c.accounts.list({ limit: 2 })) {
    assert.ok(a.uuid);
    if (++n >= 1) break;
  }
  calls.push(['list_accounts', []]);
  seen.add('list_accounts');
  await step('get_app_account', [uuid], c.accounts.retrieve(uuid));
  const upd = await step('update_app_account', [uuid], c.accounts.update(uuid, { first_name: 'Grace' }));
  assert.equal(upd.first_name, 'Grace');
  const tok = await step('create_account_token', [uuid], c.accounts.createToken(uuid));
  assert.equal(typeof tok.token, 'string');
  await step('create_flow_login', [uuid], c.accounts.flowLogin(uuid, { scope: 'enrollment' }));
  await step('check_eligibility', [], c.enroll.eligibility({ postal_code: '75202' }));
  await step('app_address_search', [], c.enroll.addressSearch({ query: '456 Elm' }));
  await step('full_address_search', [], c.enroll.fullAddressSearch({ address_1: '456 Elm St', postal_code: '75202' }));
  await step('app_request_plans', [], c.enroll.requestPlans({ esi_id: ESI }));
  await step('plan_benchmarks', [], c.enroll.planBenchmarks({ postal_code: '75202' }));
  const groups = await step('list_plan_groups', [], c.planGroups.list());
  const planGroup = (Array.isArray(groups) ? groups : groups.data)[0].uuid;

  const ac = c.forAccount(uuid);
  await step('get_account', [], ac.retrieve());
  await step('account_address_search', [], ac.enroll.addressSearch({ query: '456 Elm' }));
  await step('esi_id_search', [], ac.enroll.esiIdSearch({ esi_id: ESI }));
  const plans = await step('account_request_plans', [], ac.enroll.requestPlans({ esi_id: ESI }));
  const plan = plans.plans[0];
  await step(
    'accept_plan',
    [],
    ac.enroll.acceptPlan({
      plan_uuid: plan.uuid,
      esi_id: ESI,
      service_start_date: plan.earliest_start_date,
      terms_accepted: true,
    }),
  );
  await step('update_identity', [], ac.enroll.updateIdentity({}));
  await step('credit_check', [], ac.enroll.creditCheck({ ssn: '123-45-6789', consent: true }));
  await step('create_payment_session', [], ac.billing.createPaymentSession());
  await step('ensure_payment_method_added', [], ac.billing.ensurePaymentMethodAdded({ payment_method_id: 'pm_card_visa' }));
  await step('get_payment_method', [], ac.billing.paymentMethod());
  await step('finalize_enrollment', [], ac.enroll.finalize({}));
  await step('sandbox_seed_demo_data', [], ac.sandbox.seedDemoData());

  const me = await ac.retrieve();
  const loc = me.locations[0].uuid;
  const page = await ac.billing.invoices.list();
  calls.push(['list_invoices', []]);
  seen.add('list_invoices');
  const number = String(page.data[0].number);
  await step('get_invoice', [number], ac.billing.invoices.retrieve(number));
  await step('get_billing_address', [], ac.billing.address.retrieve());
  await step(
    'update_billing_address',
    [],
    ac.billing.address.update({ address_1: '1 Billing Way', city: 'Dallas', state: 'TX', postal_code: '75202' }),
  );
  await step('get_location', [loc], ac.locations.retrieve(loc));
  await step('get_location_plan', [loc], ac.locations.plan(loc));
  await step('get_location_documents', [loc], ac.locations.documents(loc));
  await step('get_all_location_documents', [loc], ac.locations.allDocuments(loc));
  await step('get_support_info', [loc], ac.locations.supportInfo(loc));
  await step('usage_monthly', [loc], ac.locations.usage.monthly(loc));
  await step('usage_daily', [loc], ac.locations.usage.daily(loc));
  await step('usage_intervals', [loc], ac.locations.usage.intervals(loc));
  await step('meter_reads', [loc], ac.locations.meterReads(loc));
  const renewal = await step('request_renewal_plans', [loc], ac.locations.renewalPlans.request(loc));
  const rp = renewal.plans[0];
  await step(
    'accept_renewal_plan',
    [loc],
    ac.locations.renewalPlans.accept(loc, {
      plan_uuid: rp.uuid,
      service_start_date: rp.earliest_start_date,
      terms_accepted: true,
    }),
  );
  const pdf = Buffer.from('%PDF-1.4\n% ESI ID 10443720000000001\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n');
  const ci = await step('upload_comparison_invoice', [], ac.comparisonInvoice.upload({ file: pdf, filename: 'bill.pdf' }));
  await step('get_comparison_invoice', [], ac.comparisonInvoice.retrieve());
  await step('simple_compare', [], ac.comparisonInvoice.simpleCompare({ plan_group: planGroup, uuid: ci.uuid }));
  await step('annual_compare', [], ac.comparisonInvoice.annualCompare({ plan_group: planGroup, uuid: ci.uuid }));
  const profile = await step(
    'fetch_usage_profile',
    [],
    c.usageProfiles.fetch({ comparison_invoice_uuid: ci.uuid, user_authorizes_usage_fetch: true }),
  );
  await step('get_usage_profile', [profile.uuid], c.usageProfiles.retrieve(profile.uuid));
  await step('record_client_agent', [uuid], c.accounts.recordClientAgent(uuid, {}));
  await step('app_account_request_plans', [uuid], c.accounts.requestPlans(uuid, { esi_id: ESI }));
  await step('cancel_service', [loc], ac.locations.cancel(loc, {}));
  await step('sandbox_delete_enrollment', [], ac.sandbox.deleteEnrollment());

  // every row of the table was exercised
  const missing = light.OPERATIONS.filter((o) => !seen.has(o.id)).map((o) => o.id);
  assert.deepEqual(missing, [], `operations not exercised: ${missing.join(', ')}`);
  assert.equal(seen.size, light.OPERATIONS.length);

  // each call reached the emulator with the table's method, path and auth kind
  const journal = await sandbox.journal();
  for (const [id, values] of calls) {
    const op = byId.get(id);
    const p = expandPath(op, values);
    const hit = journal.find((e) => e.method === op.method && e.path === p && e.status < 300);
    assert.ok(hit, `${id}: no 2xx ${op.method} ${p} in the journal`);
    assert.equal(hit.auth_kind, op.auth, `${id}: auth kind`);
    assert.match(hit.headers['User-Agent'], /^light-sdk\/\S+ node\//);
  }
  // the upload was multipart with our file name
  const up = journal.find((e) => e.path === '/v1/account/comparison-invoice' && e.method === 'POST');
  assert.match(up.headers['Content-Type'], /^multipart\/form-data/);
  // the SSN never reached the journal in clear (the emulator masks it; the SDK sent it once)
  assert.equal(entries(journal, 'POST', /credit-check$/).length, 1);
  ac.close();
  c.close();
});

test('results keep the API snake_case keys and unknown keys', async () => {
  const c = app();
  const a = await newAccount(c);
  assert.ok('status_reason' in a);
  assert.ok('can_finalize_enrollment' in a.enrollment);
  assert.ok(!('statusReason' in a));
  c.close();
});

test('pagination: async iteration walks every page lazily', async () => {
  const c = app();
  const [, ac] = await activeAccount(c);
  await sandbox.clearJournal();
  const items = [];
  for await (const inv of ac.billing.invoices.list({ limit: 10 })) items.push(inv);
  const journal = await sandbox.journal();
  const pages = entries(journal, 'GET', /^\/v1\/account\/billing\/invoices$/);
  assert.ok(items.length >= 21, `only ${items.length} invoices`);
  assert.equal(pages.length, Math.ceil(items.length / 10));
  assert.deepEqual(
    pages.map((e) => Number(e.query.offset || 0)),
    pages.map((_, i) => i * 10),
  );
  assert.equal(new Set(items.map((i) => i.number)).size, items.length, 'no duplicates across pages');
  // awaiting list() gives the first page envelope
  const first = await ac.billing.invoices.list({ limit: 5 });
  assert.equal(first.data.length, 5);
  assert.equal(first.has_more, true);
  // pages() yields envelopes
  let n = 0;
  for await (const pg of ac.billing.invoices.list({ limit: 10 }).pages()) {
    assert.ok(Array.isArray(pg.data));
    n++;
  }
  assert.equal(n, pages.length);
  // breaking early stops fetching
  await sandbox.clearJournal();
  for await (const inv of ac.billing.invoices.list({ limit: 10 })) {
    assert.ok(inv);
    break;
  }
  assert.equal(entries(await sandbox.journal(), 'GET', /invoices$/).length, 1);
  ac.close();
  c.close();
});

test('raw request escape hatch: JSON in, JSON out, same errors', async () => {
  const c = app();
  await sandbox.clearJournal();
  const r = await c.request('GET', '/v1/app/accounts', { query: { limit: 1 } });
  assert.ok(Array.isArray(r.data));
  const created = await c.request('POST', '/v1/app/accounts', { body: { email: 'raw@example.com' } });
  assert.equal(created.email, 'raw@example.com');
  const j = await sandbox.journal();
  assert.equal(j[0].query.limit, '1');
  assert.equal(j[0].auth_kind, 'app');
  assert.equal(JSON.parse(j[1].body).email, 'raw@example.com');
  await assert.rejects(c.request('GET', '/v1/app/no-such-thing'), light.NotFoundError);
  await assert.rejects(c.request(42, '/v1/app/accounts'), TypeError);
  c.close();
});

test('AccountClient from a bare account token', async () => {
  const c = app();
  const acct = await newAccount(c);
  const { token } = await c.accounts.createToken(acct.uuid);
  const ac = new light.AccountClient({ accountToken: token, baseURL: env.url });
  const me = await ac.retrieve();
  assert.equal(me.uuid, acct.uuid);
  assert.equal(ac.accountUuid, null);
  assert.throws(() => new light.AccountClient({}), TypeError);
  ac.close();
  c.close();
});

test('invalid arguments reject with TypeError before any I/O', async () => {
  const c = app();
  await sandbox.clearJournal();
  await assert.rejects(c.accounts.retrieve(), TypeError); // missing path param
  await assert.rejects(c.accounts.retrieve({ not: 'a string' }), TypeError);
  await assert.rejects(c.accounts.create(), TypeError); // required email missing
  await assert.rejects(c.accounts.create({}), TypeError);
  await assert.rejects(c.accounts.create('x@example.com'), TypeError); // params must be an object
  await assert.rejects(c.accounts.create({ email: 'a@b.c', n: 10n }), TypeError); // BigInt
  await assert.rejects(c.accounts.list({}, { timeout: -1 }), TypeError);
  await assert.rejects(c.accounts.retrieve('x', {}, { maxRetries: 1.5 }), TypeError);
  const cyclic = { email: 'a@b.c' };
  cyclic.self = cyclic;
  await assert.rejects(c.accounts.create(cyclic), TypeError);
  // an account operation on an app client cannot be reached at all; the raw
  // hatch with an account path and no account token is refused locally
  await assert.rejects(c.request('GET', '/v1/account'), TypeError);
  // the returned value is a Promise even for bad arguments (no synchronous throw)
  const p = c.accounts.retrieve(undefined);
  assert.ok(p instanceof Promise);
  await assert.rejects(p, TypeError);
  assert.deepEqual(await sandbox.journal(), [], 'nothing reached the emulator');
  assert.throws(() => new light.Light({ appToken: env.appToken, baseURL: 'not a url' }), TypeError);
  assert.throws(() => new light.Light({ appToken: 42 }), TypeError);
  c.close();
});

test('close(): pending calls reject, later calls reject, close twice is safe', async () => {
  await sandbox.fault({ method: 'GET', path: '/v1/app/accounts', kind: 'delay', delay: 2, times: 1 });
  const c = app();
  const p = c.accounts.list().then(() => 'resolved');
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(c.pendingRequests, 1);
  c.close();
  await assert.rejects(p, (e) => e instanceof light.LightError && /cancel/.test(e.message));
  assert.equal(c.pendingRequests, 0);
  await assert.rejects(c.accounts.list(), (e) => e instanceof light.LightError && /closed/.test(e.message));
  c.close();
});

test('env fallbacks: LIGHT_APP_TOKEN and LIGHT_BASE_URL', async () => {
  const saved = { t: process.env.LIGHT_APP_TOKEN, u: process.env.LIGHT_BASE_URL };
  process.env.LIGHT_APP_TOKEN = env.appToken;
  process.env.LIGHT_BASE_URL = env.url;
  try {
    const c = new light.Light();
    assert.equal(c.baseURL.replace(/\/$/, ''), env.url.replace(/\/$/, ''));
    const page = await c.accounts.list({ limit: 1 });
    assert.ok(Array.isArray(page.data));
    c.close();
  } finally {
    if (saved.t === undefined) delete process.env.LIGHT_APP_TOKEN;
    else process.env.LIGHT_APP_TOKEN = saved.t;
    if (saved.u === undefined) delete process.env.LIGHT_BASE_URL;
    else process.env.LIGHT_BASE_URL = saved.u;
  }
});

test('ESM entry exposes the same classes', async () => {
  const m = await import('light-sdk');
  assert.equal(m.Light, light.Light);
  assert.equal(m.default, light.Light);
  assert.equal(m.NotFoundError, light.NotFoundError);
  assert.equal(typeof m.webhooks.verify, 'function');
});
