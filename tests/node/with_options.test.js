'use strict';
// withOptions / appInfo (issue 17 item 3): a derived client shares the pool
// and token cache (light_client_with_options) with changed settings; appInfo
// extends the User-Agent like stripe-node's.
const test = require('node:test');
const assert = require('node:assert/strict');
const { light, env, sandbox, app, newAccount } = require('./helpers');

test.beforeEach(() => sandbox.clean());

const ua = (e) => Object.entries(e.headers).find(([k]) => k.toLowerCase() === 'user-agent')[1];

test('appInfo is appended to the User-Agent', async () => {
  const c = app({ appInfo: { name: 'MyApp', version: '1.2', url: 'https://my.app' } });
  await sandbox.clearJournal();
  await c.accounts.list({ limit: 1 });
  const j = await sandbox.journal();
  assert.match(ua(j[j.length - 1]), /^light-sdk\/.* node\/.* MyApp\/1\.2 \(https:\/\/my\.app\)$/);
  assert.ok(ua(j[j.length - 1]).includes(` node/${process.versions.node} `)); // set by the addon
});

test('bad appInfo is refused before I/O', async () => {
  await sandbox.clearJournal();
  for (const bad of ['MyApp', { version: '1' }, { name: 'A', nick: 'x' }, { name: 3 }]) {
    assert.throws(() => app({ appInfo: bad }), TypeError);
    assert.throws(() => app().withOptions({ appInfo: bad }), TypeError);
  }
  assert.throws(() => app({ appInfo: { name: 'A\r\nX-Evil: 1' } }), (e) => /app_info/.test(e.message));
  assert.throws(() => app().withOptions({ retries: 1 }), TypeError);
  assert.throws(() => app().withOptions({ maxRetries: -1 }), TypeError);
  assert.throws(() => app().withOptions({ timeout: 0 }), TypeError);
  assert.throws(() => app().withOptions({ connectTimeout: '5' }), /'connectTimeout' must be a number, not string/);
  assert.equal(app().withOptions({ timeout: null }).baseURL, env.url); // null: the parent's setting
  assert.equal((await sandbox.journal()).length, 0);
});

test('withOptions shares the token cache and changes settings', async () => {
  const c = app();
  const acct = await newAccount(c);
  await c.forAccount(acct.uuid).retrieve();
  const d = c.withOptions({ maxRetries: 0, appInfo: { name: 'Derived', version: '2' } });
  assert.ok(d instanceof light.Light);
  assert.equal(d.baseURL, c.baseURL);
  await sandbox.clearJournal();
  await d.forAccount(acct.uuid).retrieve();
  const j = await sandbox.journal();
  assert.deepEqual(j.map((e) => e.path), ['/v1/account']); // no new mint: the cache is shared
  assert.match(ua(j[0]), / Derived\/2$/);
  await sandbox.fault({ method: 'GET', path: '/v1/app/accounts', kind: 'status', status: 503, times: 1 });
  const err = await d.accounts.list().catch((e) => e);
  assert.ok(err instanceof light.InternalServerError);
  assert.equal(err.retries, 0);
  await sandbox.fault({ method: 'GET', path: '/v1/app/accounts', kind: 'status', status: 503, times: 1 });
  assert.ok(Array.isArray((await c.accounts.list()).data)); // the base still retries
  c.close();
  // closing the base closes the clients derived from it, withOptions ones too
  await assert.rejects(d.accounts.retrieve(acct.uuid), (e) => e instanceof light.LightError && /closed/.test(e.message));
  d.close();
});

test('withOptions on account clients', async () => {
  const c = app();
  const acct = await newAccount(c);
  const ac = c.forAccount(acct.uuid).withOptions({ appInfo: { name: 'Acct' } });
  assert.ok(ac instanceof light.AccountClient);
  assert.equal(ac.accountUuid, acct.uuid);
  await sandbox.clearJournal();
  await ac.retrieve();
  const j = (await sandbox.journal()).filter((e) => e.path === '/v1/account');
  assert.match(ua(j[j.length - 1]), / Acct$/);
  const { token } = await c.accounts.createToken(acct.uuid);
  const bare = new light.AccountClient({ accountToken: token, baseURL: env.url, appInfo: { name: 'Bare' } });
  assert.equal((await bare.withOptions({ timeout: 5000 }).retrieve()).uuid, acct.uuid);
});
