'use strict';
// The logger option and the 'request' / 'retry' / 'response' events
// (issue 17 item 4). tests/secrets scans both for secrets.
const test = require('node:test');
const assert = require('node:assert/strict');
const { light, sandbox, app, newAccount } = require('./helpers');

test.beforeEach(() => sandbox.clean());

function memoryLogger() {
  const lines = [];
  return {
    lines,
    info: (m) => lines.push(['info', m]),
    debug: (m, extra) => lines.push(['debug', m, extra]),
  };
}

test('request and response events with status, duration, retries, request id', async () => {
  const c = app();
  const seen = [];
  c.on('request', (e) => seen.push(['request', e]));
  c.on('response', (e) => seen.push(['response', e]));
  const acct = await newAccount(c);
  assert.equal(seen.length, 2);
  assert.deepEqual(seen[0], ['request', { method: 'POST', path: '/v1/app/accounts', operation: 'create_account' }]);
  const r = seen[1][1];
  assert.equal(r.statusCode, 200);
  assert.equal(r.requestId, acct.lastResponse.requestId);
  assert.equal(r.retries, 0);
  assert.ok(r.durationMs >= 0);
  assert.ok(r.headers['x-request-id']);
  assert.equal(r.error, undefined);
});

test('retry event, errors, and events of derived clients reach the parent', async () => {
  const c = app();
  const retries = [];
  const responses = [];
  c.on('retry', (e) => retries.push(e));
  c.on('response', (e) => responses.push(e));
  await sandbox.fault({ method: 'GET', path: '/v1/app/accounts', kind: 'status', status: 503, times: 1 });
  await c.accounts.list({ limit: 1 });
  assert.deepEqual(retries, [{ method: 'GET', path: '/v1/app/accounts', operation: 'list_accounts', statusCode: 200, retries: 1 }]);
  const acct = await newAccount(c);
  const ac = c.forAccount(acct.uuid);
  const own = [];
  ac.on('response', (e) => own.push(e.path));
  await ac.retrieve();
  assert.deepEqual(own, ['/v1/account']);
  assert.equal(responses[responses.length - 1].path, '/v1/account');
  await assert.rejects(c.accounts.retrieve('00000000-0000-0000-0000-000000000000'));
  const last = responses[responses.length - 1];
  assert.equal(last.statusCode, 404);
  assert.ok(last.error instanceof light.NotFoundError);
  // refused before I/O: no response event
  const before = responses.length;
  await assert.rejects(c.accounts.create({}), TypeError);
  assert.equal(responses.length, before);
});

test('logger gets an info line per call and redacted headers at debug', async () => {
  const log = memoryLogger();
  const c = app({ logger: log });
  const acct = await newAccount(c);
  const { token } = await c.accounts.createToken(acct.uuid);
  const infos = log.lines.filter((l) => l[0] === 'info').map((l) => l[1]);
  assert.equal(infos.length, 2);
  assert.match(infos[0], /^light: POST \/v1\/app\/accounts 200 in \d+ ms, 0 retries, request_id=\S+$/);
  const debug = log.lines.filter((l) => l[0] === 'debug' && l[2]);
  assert.ok(debug.length === 2 && debug[0][2]['x-request-id']);
  const all = JSON.stringify(log.lines);
  assert.ok(!all.includes(token));
  // forAccount inherits the logger; withOptions may replace it
  await c.forAccount(acct.uuid).retrieve();
  assert.ok(log.lines.some((l) => l[0] === 'info' && / GET \/v1\/account 200 /.test(l[1])));
  const other = memoryLogger();
  await c.withOptions({ logger: other }).accounts.list({ limit: 1 });
  assert.equal(other.lines.filter((l) => l[0] === 'info').length, 1);
  assert.throws(() => app({ logger: 42 }), TypeError);
  assert.throws(() => app({ logger: {} }), TypeError);
});
