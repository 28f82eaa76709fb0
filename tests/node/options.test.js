'use strict';
// The core's option table, walked from Node: every option is accepted with a
// good value (camelCase name, the table's unit) and refused with NaN,
// ±Infinity, negatives, out-of-range values and the wrong type; unknown
// names are refused; strings cross with their length. Also: the error tree
// comes from the core, closing an app client closes its account clients,
// every LightError has a stack, userinfo never shows.
const test = require('node:test');
const assert = require('node:assert/strict');
const util = require('node:util');
const { light, env, sandbox } = require('./helpers');

test.beforeEach(() => sandbox.clean());

const base = () => ({ appToken: env.appToken, baseURL: env.url });
const make = (extra) => new light.Light(Object.assign(base(), extra));

function refused(extra, what) {
  assert.throws(() => make(extra), (e) => e instanceof TypeError && typeof e.message === 'string', what);
}

function goodValue(o) {
  switch (o.type) {
    case 'string':
      if (o.name === 'base_url') return env.url;
      if (o.name === 'proxy') return 'http://127.0.0.1:9';
      return `tok_${o.name}`;
    case 'enum':
      return 'off';
    case 'boolean':
      return true;
    default: {
      const mid = (o.min + o.max) / 2;
      return o.type === 'integer' ? Math.floor(mid) : mid;
    }
  }
}

test('the option table reaches Node (camelCase names, same set as Python and Lua)', () => {
  const names = light.OPTIONS.map((o) => o.js_name);
  for (const n of ['retryAfterCap', 'rateLimit', 'appRatePerS', 'accountRatePerS', 'logLevel', 'maxResponseBytes']) {
    assert.ok(names.includes(n), n);
  }
  assert.ok(!names.includes('userAgentRuntime'));
  for (const o of light.OPTIONS) assert.ok(o.doc && o.default !== null, o.name);
});

test('every option: accepted with a good value, refused with bad ones', () => {
  for (const o of light.OPTIONS) {
    const good = { [o.js_name]: goodValue(o) };
    if (o.name === 'account_token') good.appToken = undefined;
    const c = make(good);
    c.close();
    if (o.type === 'integer' || o.type === 'number') {
      for (const bad of [NaN, Infinity, -Infinity, -1, o.max * 2 + 1, '5', true, 10n]) {
        refused({ [o.js_name]: bad }, `${o.js_name}=${String(bad)}`);
      }
      if (o.type === 'integer') refused({ [o.js_name]: o.min + 0.5 }, `${o.js_name} fraction`);
    } else if (o.type === 'boolean') {
      refused({ [o.js_name]: 'yes' }, o.js_name);
      refused({ [o.js_name]: 1 }, o.js_name);
    } else {
      refused({ [o.js_name]: 5 }, o.js_name);
      refused({ [o.js_name]: 'a\0b' }, o.js_name);
      if (o.type === 'enum') refused({ [o.js_name]: 'loud' }, o.js_name);
    }
  }
});

test('issue 14 cases: NUL in baseURL, maxResponseBytes -1/NaN, timeout as a string, maxRetries NaN/1e10', () => {
  assert.throws(() => make({ baseURL: 'http://127.0.0.1:18099\0.api.light.dev' }), /NUL/);
  assert.throws(() => make({ maxResponseBytes: -1 }), /maxResponseBytes/);
  assert.throws(() => make({ maxResponseBytes: Number(process.env.LIGHT_UNSET_VARIABLE) }), /NaN/);
  assert.throws(() => make({ timeout: '5' }), /'timeout' must be a number, not string/);
  assert.throws(() => make({ maxRetries: NaN }), /maxRetries/);
  assert.throws(() => make({ maxRetries: 1e10 }), /between 0 and 100/);
  assert.throws(() => make({ appToken: 'tok\r\nX-Evil: 1' }), TypeError);
  assert.throws(() => make({ appToken: 'tok\0en' }), /NUL/);
});

test('unknown option names are refused (snake_case is Python/Lua spelling)', () => {
  assert.throws(() => make({ maxRetry: 1 }), /unknown option 'maxRetry'/);
  assert.throws(() => make({ max_retries: 1 }), /unknown option 'max_retries'/);
  assert.throws(() => make({ userAgentRuntime: 'x' }), /unknown option 'userAgentRuntime'/);
  // a function is neither skipped nor taken: its name and its kind are checked like any value
  assert.throws(() => make({ fetch: () => {} }), /unknown option 'fetch'/);
  assert.throws(() => make({ timeout: () => 1 }), /'timeout' must be a number/);
  assert.throws(() => new light.AccountClient({ accountToken: 't', appToken: 'a', baseURL: env.url }), TypeError);
});

test('per-call timeout and maxRetries get the same checks', async () => {
  const c = make({});
  for (const timeout of [Infinity, NaN, -1, '5']) {
    await assert.rejects(c.accounts.list({}, { timeout }), TypeError, String(timeout));
  }
  for (const maxRetries of [NaN, 1e10, -1, 1.5]) {
    await assert.rejects(c.accounts.list({}, { maxRetries }), TypeError, String(maxRetries));
  }
  c.close();
});

test('the error classes are the core kinds, parents included', () => {
  assert.ok(new light.APITimeoutError('x') instanceof light.APIConnectionError);
  assert.ok(new light.NotFoundError('x') instanceof light.APIError);
  assert.ok(new light.APIResponseValidationError('x') instanceof light.APIError);
  assert.equal(light.NotFoundError.httpStatus, 404);
  assert.equal(light.NotFoundError.name, 'NotFoundError');
  assert.equal(light.InvalidArgumentError, undefined); // TypeError in Node
});

test('closing the app client closes its account clients; forAccount after close is a LightError', async () => {
  const c = make({});
  const a = c.forAccount('00000000-0000-0000-0000-000000000001');
  c.close();
  await assert.rejects(a.retrieve(), (e) => e instanceof light.LightError && /closed/.test(e.message));
  assert.throws(
    () => c.forAccount('00000000-0000-0000-0000-000000000002'),
    (e) => e instanceof light.LightError && /closed/.test(e.message) && e.stack.includes('\n    at '),
  );
  assert.throws(() => make({}).forAccount('ab\0c'), TypeError);
});

test('a LightError from a completed request has a real stack', async () => {
  const c = new light.Light({ appToken: 'sk_wrong', baseURL: env.url, maxRetries: 0 });
  const e = await c.accounts.list().catch((x) => x);
  assert.ok(e instanceof light.AuthenticationError);
  assert.ok(e.stack.startsWith('AuthenticationError: '), e.stack);
  assert.ok(e.stack.includes('\n    at '), e.stack);
  c.close();
});

test('userinfo in baseURL never shows', () => {
  const c = new light.Light({ appToken: 't', baseURL: 'http://user:PW@127.0.0.1:9' });
  assert.ok(!c.baseURL.includes('PW'));
  assert.ok(!util.inspect(c, { depth: 5, showHidden: true }).includes('PW'));
  c.close();
});
