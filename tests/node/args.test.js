'use strict';
// The core's argument rule seen from Node (issue 13 item 2, issue 14 items
// 1/7/8/9, issue 17 item 3): what reaches the wire, and what is refused —
// always by rejecting the returned Promise, before any I/O.
const test = require('node:test');
const assert = require('node:assert/strict');
const { app, sandbox, light } = require('./helpers');

async function last() {
  const j = await sandbox.journal();
  return j[j.length - 1];
}

async function refused(promise, re) {
  assert.ok(promise && typeof promise.then === 'function', 'a call always returns a Promise (or a PagePromise)');
  await assert.rejects(promise, (e) => {
    assert.ok(e instanceof TypeError, `TypeError expected, got ${e && e.name}: ${e && e.message}`);
    if (re) assert.match(e.message, re);
    return true;
  });
}

test('refused arguments reject before any I/O, with the core messages', async () => {
  const c = app();
  await sandbox.clearJournal();
  await refused(c.accounts.retrieve('ab\0c'), /path parameter 'account_uuid' contains a NUL byte/);
  await refused(c.accounts.retrieve(0 / 0), /path parameter 'account_uuid' must be a string/);
  await refused(c.accounts.retrieve('x'.repeat(10 * 1024 * 1024)), /longer than 8192 bytes/);
  await refused(c.accounts.list({ q: 'y'.repeat(9000) }), /query parameter 'q' is longer than 8192 bytes/);
  await refused(c.accounts.list({ limit: NaN }), /query parameter 'limit' is NaN or Infinity/);
  await refused(c.accounts.list({ ['k\0']: 'v' }), /NUL byte/);
  await refused(c.accounts.create({ email: 'a@b.c', ['n\0x']: 1 }), /body key .* contains a NUL byte/);
  await refused(c.accounts.create({ email: 'a@b.c', n: NaN }), /NaN and Infinity cannot be sent as JSON/);
  await refused(c.accounts.create({ email: 'a@b.c', n: Infinity }), /NaN and Infinity/);
  await refused(c.accounts.create({ email: 'a@b.c', n: 2 ** 60 }), /beyond \+-2\^53/);
  await refused(c.accounts.create({ email: 'a@b.c', m: new Map([[1, 2]]) }), /Map and Set/);
  await refused(c.accounts.create({ email: 'a@b.c', s: new Set([1]) }), /Map and Set/);
  await refused(c.accounts.create({ email: 'a@b.c', d: new Date(NaN) }), /invalid Date/);
  await refused(
    c.accounts.create({
      email: 'a@b.c',
      t: {
        toJSON() {
          throw new Error('boom');
        },
      },
    }),
    /toJSON\(\) threw: boom/,
  );
  const getter = { email: 'a@b.c' };
  Object.defineProperty(getter, 'bad', {
    enumerable: true,
    get() {
      throw new Error('getter boom');
    },
  });
  await refused(c.accounts.create(getter), /getter threw: getter boom/);
  const badOptions = {};
  Object.defineProperty(badOptions, 'timeout', {
    enumerable: true,
    get() {
      throw new Error('option getter');
    },
  });
  await refused(c.accounts.list({}, badOptions), /getter threw: option getter/);
  const trap = new Proxy({}, {
    ownKeys() {
      throw new Error('ownKeys trap');
    },
  });
  await refused(c.accounts.create(trap), /enumerating the object's keys threw: ownKeys trap/);
  await refused(c.accounts.create({ email: 'a@b.c', s: 'lone \ud800 surrogate' }), /lone UTF-16 surrogate/);
  const sparse = [];
  sparse.length = 1e8;
  await refused(c.accounts.create({ email: 'a@b.c', sparse }), /over the limit/);
  // per-call options
  await refused(c.accounts.list({}, { timeout: Infinity }), /timeout must be a positive finite number of milliseconds/);
  await refused(c.accounts.list({}, { maxRetries: NaN }), /max_retries must be an integer/);
  await refused(c.accounts.list({}, { maxRetries: 1e10 }), /max_retries must be an integer/);
  await refused(c.accounts.list({}, { tiemout: 5 }), /unknown per-call option 'tiemout'/);
  await refused(c.accounts.create({ email: 'a@b.c' }, { body: 'x' }), /must be an object/);
  for (const name of ['Authorization', 'host', 'Content-Length', 'X-A\r\nB']) {
    await refused(c.accounts.list({}, { headers: { [name]: 'v' } }), /header/);
  }
  await refused(c.accounts.list({}, { headers: { 'X-Ok': 'a\r\nInjected: 1' } }), /CR, LF/);
  // raw request: one shape, unknown keys refused
  await refused(c.request('GET', '/v1/app/accounts', { params: {} }), /unknown argument 'params'/);
  await refused(c.request('GET', '/v1/app/accounts\0x'), /path contains/);
  assert.throws(() => c.forAccount('abc\0def'), /account_uuid contains a NUL byte/);
  assert.deepEqual(await sandbox.journal(), [], 'nothing reached the emulator');
  c.close();
});

test('what reaches the wire: toJSON, NUL in body strings, options, headers, raw request', async () => {
  const c = app();
  await sandbox.clearJournal();
  const decimal = { toJSON: () => '12.50' }; // Decimal.js-like
  const acct = await c.accounts.create(
    { email: 'args@example.com', amount: decimal, when: new Date(0), note: 'be\0fore', skip: undefined, fn() {} },
    { headers: { 'X-Trace': 't-1' }, body: { note: 'from extra' }, timeout: 5000, maxRetries: 0 },
  );
  assert.ok(acct.uuid);
  let e = await last();
  const body = JSON.parse(e.body);
  assert.equal(body.amount, '12.50');
  assert.equal(body.when, '1970-01-01T00:00:00.000Z');
  assert.equal(body.note, 'from extra');
  assert.ok(!('skip' in body) && !('fn' in body));
  assert.equal(e.headers['X-Trace'] || e.headers['x-trace'], 't-1');

  await c.accounts.create({ email: 'nul@example.com', note: 'be\0fore' });
  e = await last();
  assert.match(e.body, /be\\u0000fore/);

  // params are data: a field named like an option or a path parameter is sent as a field
  await c.accounts.update(acct.uuid, { timeout: 'a field', account_uuid: 'also a field' });
  e = await last();
  assert.equal(e.path, `/v1/app/accounts/${acct.uuid}`);
  assert.deepEqual(JSON.parse(e.body), { timeout: 'a field', account_uuid: 'also a field' });

  await c.accounts.retrieve(acct.uuid, {}, { query: { expand: 'x' } });
  e = await last();
  assert.equal(e.path, `/v1/app/accounts/${acct.uuid}`);
  assert.deepEqual(e.query.expand, Array.isArray(e.query.expand) ? ['x'] : 'x');

  await c.request('GET', '/v1/app/accounts', { query: { limit: 1 }, headers: { 'X-Raw': '1' } });
  e = await last();
  assert.equal(e.path, '/v1/app/accounts');
  assert.equal(e.headers['X-Raw'] || e.headers['x-raw'], '1');
  await c.request('POST', '/v1/app/accounts', { body: { email: 'raw@example.com' } });
  e = await last();
  assert.equal(JSON.parse(e.body).email, 'raw@example.com');
  c.close();
});

test('upload: the content itself or { file, filename, contentType }', async () => {
  const c = app();
  const acct = await c.accounts.create({ email: 'up@example.com' });
  const ac = c.forAccount(acct.uuid);
  await refused(ac.comparisonInvoice.upload({ filename: 'x.pdf' }), /needs a file/);
  await refused(ac.comparisonInvoice.upload({ file: 'x', filename: 'a\r\nb' }), /filename/);
  await ac.comparisonInvoice.upload(Buffer.from('%PDF-1.4 test'));
  const e = await last();
  assert.equal(e.method, 'POST');
  assert.equal(e.path, '/v1/account/comparison-invoice');
  c.close();
  assert.ok(light.Light);
});
