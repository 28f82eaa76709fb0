'use strict';
// node/index.js + bindings/node/client.c: every result carries its HTTP
// response as a non-enumerable lastResponse {statusCode, headers, requestId};
// pages and errors too. Pagination follows next_page_url (issue 17 items 2, 6).
const test = require('node:test');
const assert = require('node:assert/strict');
const util = require('node:util');
const { light, sandbox, app, newAccount, activeAccount, entries } = require('./helpers');

test.beforeEach(() => sandbox.clean());

test('a result carries lastResponse, hidden from JSON and console.log', async () => {
  const c = app();
  const acct = await newAccount(c);
  const r = acct.lastResponse;
  assert.ok(r instanceof light.LightResponse);
  assert.equal(r.statusCode, 200);
  assert.match(r.requestId, /\S/);
  assert.equal(r.headers['x-request-id'], r.requestId);
  assert.match(r.headers['content-type'], /application\/json/);
  assert.ok(!Object.keys(acct).includes('lastResponse'));
  assert.ok(!JSON.stringify(acct).includes('lastResponse'));
  assert.ok(!util.inspect(acct).includes('lastResponse'));
  const journal = await sandbox.journal();
  assert.ok(journal.some((e) => e.request_id === r.requestId), 'request id is the one the server logged');
  // 202 of fetch_usage_profile and a raw request
  const raw = await c.request('GET', `/v1/app/accounts/${acct.uuid}`);
  assert.equal(raw.lastResponse.statusCode, 200);
  assert.notEqual(raw.lastResponse.requestId, r.requestId);
});

test('pages and errors carry lastResponse', async () => {
  const c = app();
  await newAccount(c);
  const page = await c.accounts.list({ limit: 1 });
  assert.equal(page.lastResponse.statusCode, 200);
  assert.ok(page.lastResponse.requestId);
  for await (const p of c.accounts.list({ limit: 1 }).pages()) {
    assert.equal(p.lastResponse.statusCode, 200);
    break;
  }
  const err = await c.accounts.retrieve('00000000-0000-0000-0000-000000000000').catch((e) => e);
  assert.ok(err instanceof light.NotFoundError);
  assert.equal(err.lastResponse.statusCode, 404);
  assert.equal(err.lastResponse.requestId, err.requestId);
  assert.ok(err.lastResponse.headers['x-request-id']);
  assert.ok(!Object.keys(err).includes('lastResponse'));
});

async function walk(c, style) {
  await sandbox.config({ page_style: style });
  await sandbox.clearJournal();
  const seen = [];
  for await (const a of c.accounts.list({ limit: 2 })) seen.push(a.uuid);
  return seen;
}

test('pagination follows next_page_url (cursor, relative), falls back to offset', async () => {
  const c = app();
  for (let i = 0; i < 5; i++) await newAccount(c);
  const byOffset = await walk(c, 'offset');
  assert.ok(byOffset.length >= 5);
  for (const style of ['cursor', 'relative', 'none']) {
    const got = await walk(c, style);
    assert.deepEqual(got, byOffset, style);
    const calls = entries(await sandbox.journal(), 'GET', /^\/v1\/app\/accounts$/);
    assert.equal(calls.length, Math.ceil(byOffset.length / 2), style);
    if (style === 'cursor') {
      assert.ok(calls.slice(1).every((e) => /^c_/.test(e.query.cursor) && e.query.offset === undefined), 'cursor sent');
    }
    if (style === 'none') assert.equal(calls[1].query.offset, '2');
  }
});

test('next_page_url on another host stops with a clear error', async () => {
  const c = app();
  for (let i = 0; i < 3; i++) await newAccount(c);
  await sandbox.config({ page_style: 'foreign' });
  await sandbox.clearJournal();
  const first = await c.accounts.list({ limit: 1 });
  assert.equal(first.data.length, 1);
  await assert.rejects(async () => {
    for await (const _ of c.accounts.list({ limit: 1 })) void _;
  }, (e) => e instanceof light.APIResponseValidationError && /next_page_url points to http:\/\/elsewhere\.invalid/.test(e.message));
  assert.ok((await sandbox.journal()).every((e) => e.path === '/v1/app/accounts'));
});

test('a bare JSON array is one page', async () => {
  const c = app();
  const [, ac] = await activeAccount(c);
  await sandbox.config({ page_style: 'array' });
  const page = await ac.billing.invoices.list({ limit: 3 });
  assert.ok(Array.isArray(page.data) && page.data.length === 3);
  assert.equal(page.has_more, false);
  assert.equal(page.lastResponse.statusCode, 200);
  const all = [];
  for await (const inv of ac.billing.invoices.list({ limit: 3 })) all.push(inv.number);
  assert.equal(all.length, 3);
});
