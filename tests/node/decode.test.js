'use strict';
// bindings/node/decode.c: bytes → JS values. The core's parser decides what
// is accepted (the same rules and messages as Python, Lua and C); JSON.parse
// builds. Strings keep "\u0000" (issue 14 item 10); integers beyond 2^53-1,
// invalid UTF-8 and lone surrogates are refused; the Node-API builder gives
// the same values; a validly signed non-JSON webhook body fails with the
// envelope message; "__proto__" becomes an own property.
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { ROOT, light } = require('./helpers');

// the addon the package loaded (the ASan build under test_node_asan.py)
const addon = require(path.join(ROOT, 'node', 'native.js'));

test('values: NUL kept, exact integers, money strings, both builders agree', () => {
  const text = Buffer.from('{"s":"before\\u0000after","k\\u0000":1,"i":9007199254740991,"m":"12.50","f":0.1,' +
    '"a":[true,false,null,-0,1e3,"\\ud83d\\ude00"],"__proto__":{"x":1}}');
  const v = addon._decode(text);
  assert.equal(v.s, 'before\u0000after');
  assert.equal(v.s.length, 12);
  assert.equal(v['k\u0000'], 1);
  assert.equal(v.i, Number.MAX_SAFE_INTEGER);
  assert.equal(v.m, '12.50');
  assert.deepEqual(v.a, [true, false, null, -0, 1000, '\u{1F600}']);
  assert.ok(Object.prototype.hasOwnProperty.call(v, '__proto__'));
  assert.equal(Object.getPrototypeOf(v), Object.prototype);
  assert.deepEqual(addon._decodeBuilder(text).a, v.a);
  assert.equal(addon._decodeBuilder(text).s, v.s);
});

test('refusals: the same messages as every other language', () => {
  const cases = [
    ['[9007199254740992]', /cannot be held exactly at byte 1 of 18/],
    ['["\\ud800"]', /lone surrogate escape at byte 2 of 10/],
    [Buffer.from([0x5b, 0x22, 0xff, 0x22, 0x5d]), /invalid UTF-8 at byte 2 of 5/],
    ['[1,]', /not valid JSON \(at byte 3 of 4\)/],
    ['['.repeat(1001) + ']'.repeat(1001), /nested deeper than 1000 levels/],
  ];
  for (const [text, re] of cases) {
    const buf = Buffer.isBuffer(text) ? text : Buffer.from(text);
    for (const fn of [addon._decode, addon._decodeBuilder]) {
      assert.throws(() => fn(buf), (e) => e instanceof light.APIResponseValidationError && re.test(e.message));
    }
  }
});

test('webhook: a signed body that is not JSON is refused with the envelope message', () => {
  const secret = 'whsec_decode_test';
  const body = Buffer.from('{"event":"x","data":{"s":"\\ud800"}}');
  const sig = light.webhooks.sign(body, secret);
  assert.throws(() => light.webhooks.verify(body, sig, secret),
    (e) => /not an event envelope: body is not valid JSON \(lone surrogate escape at byte 26 of 35\)/.test(e.message));
  const ok = Buffer.from('{"event":"x","data":{"s":"a\\u0000b"}}');
  assert.equal(light.webhooks.verify(ok, light.webhooks.sign(ok, secret), secret).data.s, 'a\u0000b');
});
