'use strict';
// bindings/node/errors.c + node/errors.js: every error class of DESIGN.md
// with its fields and instanceof chain; retries and account-token refresh
// as seen from Node (the policy itself is the core's).
const test = require('node:test');
const assert = require('node:assert/strict');
const net = require('node:net');
const { light, env, sandbox, app, newAccount, entries } = require('./helpers');

test.beforeEach(() => sandbox.clean());

const {
  LightError,
  APIError,
  APIResponseValidationError,
  BadRequestError,
  AuthenticationError,
  PermissionDeniedError,
  NotFoundError,
  ConflictError,
  UnprocessableEntityError,
  RateLimitError,
  InternalServerError,
  APIConnectionError,
  APITimeoutError,
  SignatureVerificationError,
} = light;

async function rejection(promise) {
  try {
    await promise;
  } catch (e) {
    return e;
  }
  assert.fail('expected a rejection');
}

test('HTTP statuses map to their classes with status, body, requestId, headers', async () => {
  const c = app({ maxRetries: 0 });
  const cases = [
    [400, BadRequestError],
    [403, PermissionDeniedError],
    [409, ConflictError],
    [429, RateLimitError],
    [500, InternalServerError],
    [503, InternalServerError],
    [418, APIError],
  ];
  for (const [status, Cls] of cases) {
    await sandbox.fault({ method: 'GET', path: '/v1/app/accounts', kind: 'status', status, times: 1 });
    const e = await rejection(c.accounts.list());
    assert.ok(e instanceof Cls, `${status} → ${e.name}`);
    assert.equal(e.constructor, Cls, `${status} → exactly ${Cls.name}`);
    assert.ok(e instanceof APIError && e instanceof LightError && e instanceof Error);
    assert.equal(e.name, Cls.name);
    assert.equal(e.status, status);
    assert.equal(typeof e.body, 'object');
    assert.match(JSON.stringify(e.body), new RegExp(`HTTP ${status}`));
    assert.match(e.requestId, /^req_/);
    assert.equal(e.headers['x-request-id'], e.requestId);
    assert.match(e.headers['content-type'], /json/);
    assert.ok(!(e instanceof APIConnectionError));
  }
  c.close();
});

test('real API errors: 404 NotFoundError, 422 UnprocessableEntityError, 401 AuthenticationError', async () => {
  const c = app();
  const nf = await rejection(c.accounts.retrieve('00000000-0000-4000-8000-000000000000'));
  assert.ok(nf instanceof NotFoundError);
  assert.equal(nf.status, 404);
  assert.ok(nf.body.detail);
  assert.match(nf.message, /not found/i);

  const acct = await newAccount(c);
  const ac = c.forAccount(acct.uuid);
  const ue = await rejection(ac.enroll.finalize({}));
  assert.ok(ue instanceof UnprocessableEntityError);
  assert.equal(ue.body.detail, 'Cannot finalize enrollment');

  const bad = new light.Light({ appToken: 'app_wrong_token', baseURL: env.url, maxRetries: 0 });
  const ae = await rejection(bad.accounts.list());
  assert.ok(ae instanceof AuthenticationError);
  assert.equal(ae.status, 401);
  // the token never appears in the error
  assert.ok(!JSON.stringify({ m: ae.message, b: ae.body, h: ae.headers }).includes('app_wrong_token'));
  assert.ok(!ae.message.includes(env.appToken));
  bad.close();
  ac.close();
  c.close();
});

test('RateLimitError carries Retry-After', async () => {
  const c = app({ maxRetries: 0 });
  await sandbox.fault({ method: 'GET', path: '/v1/app/accounts', kind: 'status', status: 429, retry_after: 7, times: 1 });
  const e = await rejection(c.accounts.list());
  assert.ok(e instanceof RateLimitError);
  assert.equal(e.retryAfter, 7);
  assert.equal(e.headers['retry-after'], '7');
  c.close();
});

test('APIConnectionError when nothing listens; APITimeoutError is one', async () => {
  const srv = net.createServer();
  await new Promise((r) => srv.listen(0, '127.0.0.1', r));
  const port = srv.address().port;
  await new Promise((r) => srv.close(r)); // now closed: connection refused
  const c = new light.Light({ appToken: env.appToken, baseURL: `http://127.0.0.1:${port}`, maxRetries: 0 });
  const e = await rejection(c.accounts.list());
  assert.ok(e instanceof APIConnectionError);
  assert.ok(!(e instanceof APITimeoutError));
  assert.ok(!(e instanceof APIError));
  assert.equal(e.constructor, APIConnectionError);
  c.close();

  await sandbox.fault({ method: 'GET', path: '/v1/app/accounts', kind: 'delay', delay: 1.5, times: 1 });
  const t = app({ maxRetries: 0 });
  const started = Date.now();
  const te = await rejection(t.accounts.list({}, { timeout: 200 }));
  assert.ok(te instanceof APITimeoutError, te.name);
  assert.ok(te instanceof APIConnectionError);
  assert.ok(Date.now() - started < 1400, 'the per-call timeout applied');
  t.close();
});

test('a 2xx body that is not JSON is an APIResponseValidationError (an APIError)', async () => {
  const c = app({ maxRetries: 0 });
  await sandbox.fault({ method: 'GET', path: '/v1/app/accounts', kind: 'non_json', times: 1 });
  const e = await rejection(c.accounts.list());
  assert.ok(e instanceof APIResponseValidationError, e.name);
  assert.ok(e instanceof APIError);
  c.close();
});

test('SignatureVerificationError from webhooks.verify', () => {
  assert.throws(
    () => light.webhooks.verify('{}', '1.abc', 'whsec_x'),
    (e) => e instanceof SignatureVerificationError && e instanceof LightError && e.reason === 'malformed_header',
  );
});

test('retries: GET retried after 503, the journal shows both attempts', async () => {
  const c = app();
  await sandbox.fault({ method: 'GET', path: '/v1/app/accounts', kind: 'status', status: 503, times: 1 });
  const page = await c.accounts.list();
  assert.ok(Array.isArray(page.data));
  const j = entries(await sandbox.journal(), 'GET', /^\/v1\/app\/accounts$/);
  assert.deepEqual(
    j.map((e) => e.status),
    [503, 200],
  );
  c.close();
});

test('retries: a dropped connection on GET is retried', async () => {
  const c = app();
  await sandbox.fault({ method: 'GET', path: '/v1/app/accounts', kind: 'close', times: 1 });
  const page = await c.accounts.list();
  assert.ok(Array.isArray(page.data));
  c.close();
});

test('retries: a non-idempotent POST is not retried after a 500', async () => {
  const c = app();
  await sandbox.fault({ method: 'POST', path: '/v1/app/accounts', kind: 'status', status: 500, times: 1 });
  const e = await rejection(newAccount(c));
  assert.ok(e instanceof InternalServerError);
  assert.equal(e.retries, 0);
  assert.equal(entries(await sandbox.journal(), 'POST', /^\/v1\/app\/accounts$/).length, 1);
  c.close();
});

test('retries: per-call maxRetries override, retries counted on the error', async () => {
  const c = app();
  await sandbox.fault({ method: 'GET', path: '/v1/app/accounts', kind: 'status', status: 502, times: 10 });
  const e = await rejection(c.accounts.list({}, { maxRetries: 1 }));
  assert.ok(e instanceof InternalServerError);
  assert.equal(e.retries, 1);
  assert.equal(entries(await sandbox.journal(), 'GET', /^\/v1\/app\/accounts$/).length, 2);
  await sandbox.clearFaults();
  c.close();
});

test('token refresh: an expired account token is re-minted once on 401', async () => {
  const c = app();
  const acct = await newAccount(c);
  const ac = c.forAccount(acct.uuid);
  await ac.retrieve();
  await ac.retrieve();
  let j = await sandbox.journal();
  assert.equal(entries(j, 'POST', /\/token$/).length, 1, 'token cached across calls');
  await sandbox.clearJournal();
  await sandbox.advanceClock(3700); // the emulator now considers the token expired
  const me = await ac.retrieve();
  assert.equal(me.uuid, acct.uuid);
  j = await sandbox.journal();
  assert.deepEqual(
    j.map((e) => `${e.method} ${e.path.replace(acct.uuid, ':id')} ${e.status}`),
    ['GET /v1/account 401', 'POST /v1/app/accounts/:id/token 200', 'GET /v1/account 200'],
  );
  ac.close();
  c.close();
});

test('token refresh: a token close to expiry is refreshed ahead of time', async () => {
  // 2 s tokens: the core refreshes at half the lifetime when the margin
  // (600 s) is longer than that, so after 1.2 s the cached token is due.
  await sandbox.config({ account_token_ttl: 2 });
  const c = app();
  const acct = await newAccount(c);
  const ac = c.forAccount(acct.uuid);
  await ac.retrieve();
  await ac.retrieve();
  assert.equal(entries(await sandbox.journal(), 'POST', /\/token$/).length, 1, 'fresh token reused');
  await new Promise((r) => setTimeout(r, 1200));
  await ac.retrieve();
  const j = await sandbox.journal();
  assert.equal(entries(j, 'POST', /\/token$/).length, 2, 'refreshed ahead of expiry');
  assert.equal(entries(j, 'GET', /^\/v1\/account$/).filter((e) => e.status === 401).length, 0);
  ac.close();
  c.close();
});

test('concurrent account calls share one token mint', async () => {
  const c = app();
  const acct = await newAccount(c);
  const ac = c.forAccount(acct.uuid);
  await Promise.all(Array.from({ length: 20 }, () => ac.retrieve()));
  assert.equal(entries(await sandbox.journal(), 'POST', /\/token$/).length, 1);
  ac.close();
  c.close();
});
