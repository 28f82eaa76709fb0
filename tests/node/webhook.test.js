'use strict';
// bindings/node/webhook.c + node/webhooks.js: verify/sign, Buffer and string
// payloads, rotation, every refusal reason, the tolerance window both ways,
// events constants, and real signed deliveries from the emulator received
// with the raw-body pattern of examples/node/express-webhook.js (on node:http).
const test = require('node:test');
const assert = require('node:assert/strict');
const http = require('node:http');
const crypto = require('node:crypto');
const { light, env, sandbox, app, newAccount, ESI } = require('./helpers');

const { webhooks, events, SignatureVerificationError } = light;
const SECRET = 'whsec_node_test_secret';
const NOW = 1_800_000_000;
const body = JSON.stringify({
  uuid: '5f1c1c1e-0000-4000-8000-000000000001',
  created_at: '2027-01-15T12:00:00Z',
  api_version: 'v1',
  event: 'enrollment.finalized',
  data: { account: { uuid: 'a1' }, total: '123.45' },
  extra_top_level: { kept: true },
});

// The docs' Node recipe: what the core must agree with byte for byte.
function recipe(payload, secret, ts) {
  return `${ts}.${crypto.createHmac('sha256', secret).update(`${ts}.`).update(payload).digest('hex')}`;
}

function reasonOf(fn) {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof SignatureVerificationError, `${e.name}: ${e.message}`);
    assert.ok(e instanceof light.LightError);
    return e.reason;
  }
  assert.fail('expected SignatureVerificationError');
}

test('sign matches the HMAC recipe; verify parses the envelope and keeps unknown keys', () => {
  const sig = webhooks.sign(body, SECRET, NOW);
  assert.equal(sig, recipe(body, SECRET, NOW));
  assert.equal(webhooks.sign(Buffer.from(body), SECRET, { timestamp: NOW }), sig);
  assert.equal(webhooks.sign(body, SECRET, new Date(NOW * 1000)), sig);
  const ev = webhooks.verify(body, sig, SECRET, { now: NOW });
  assert.equal(ev.event, events.ENROLLMENT_FINALIZED);
  assert.equal(ev.data.total, '123.45', 'money stays a string');
  assert.deepEqual(ev.extra_top_level, { kept: true });
  // Buffer, Uint8Array and string payloads are the same bytes
  assert.deepEqual(webhooks.verify(Buffer.from(body), sig, SECRET, { now: NOW }), ev);
  assert.deepEqual(webhooks.verify(new Uint8Array(Buffer.from(body)), sig, SECRET, { now: NOW }), ev);
  // a non-ASCII string payload is verified as its UTF-8 bytes
  const uni = JSON.stringify({ event: 'account.invoice_sent', data: { name: 'Zoë ☀' } });
  assert.equal(webhooks.verify(uni, recipe(Buffer.from(uni, 'utf8'), SECRET, NOW), SECRET, { now: NOW }).data.name, 'Zoë ☀');
  // a large body (heap path)
  const big = JSON.stringify({ event: 'usage_profile.completed', data: { pad: 'x'.repeat(100_000) } });
  assert.equal(webhooks.verify(big, webhooks.sign(big, SECRET, NOW), SECRET, { now: NOW }).data.pad.length, 100_000);
  // default clock: a fresh signature verifies without `now`
  assert.equal(webhooks.verify(body, webhooks.sign(body, SECRET), SECRET).event, 'enrollment.finalized');
});

test('secret rotation: any of the listed secrets', () => {
  const sig = webhooks.sign(body, 'whsec_new', NOW);
  assert.equal(webhooks.verify(body, sig, ['whsec_old', 'whsec_new'], { now: NOW }).event, 'enrollment.finalized');
  assert.equal(reasonOf(() => webhooks.verify(body, sig, ['whsec_old', 'whsec_other'], { now: NOW })), 'signature_mismatch');
});

test('every refusal reason', () => {
  const sig = webhooks.sign(body, SECRET, NOW);
  assert.equal(reasonOf(() => webhooks.verify(body, sig, SECRET, { now: NOW + 3601 })), 'timestamp_too_old');
  assert.equal(reasonOf(() => webhooks.verify(body, sig, SECRET, { now: NOW - 3601 })), 'timestamp_in_future');
  assert.equal(webhooks.verify(body, sig, SECRET, { now: NOW + 3599 }).event, 'enrollment.finalized');
  assert.equal(reasonOf(() => webhooks.verify(body, sig, SECRET, { now: NOW + 301, tolerance: 300 })), 'timestamp_too_old');
  // nothing switches the replay window off
  for (const tolerance of [0, -1, NaN, Infinity, -Infinity, 1e12, 0.5, 1e300]) {
    assert.throws(() => webhooks.verify(body, sig, SECRET, { now: NOW + 10 ** 6, tolerance }), TypeError, String(tolerance));
  }
  assert.equal(webhooks.verify(body, sig, SECRET, { now: NOW + 100, tolerance: 604800 }).event, 'enrollment.finalized');
  assert.equal(reasonOf(() => webhooks.verify(body + ' ', sig, SECRET, { now: NOW })), 'signature_mismatch');
  assert.equal(reasonOf(() => webhooks.verify(body, sig.replace(/.$/, (c) => (c === '0' ? '1' : '0')), SECRET, { now: NOW })), 'signature_mismatch');
  for (const bad of ['', 'nodot', 'abc.def', `${NOW}.zz`, `${NOW}.${'a'.repeat(63)}`, undefined]) {
    assert.equal(reasonOf(() => webhooks.verify(body, bad, SECRET, { now: NOW })), 'malformed_header', String(bad));
  }
  assert.equal(reasonOf(() => webhooks.verify(body, sig, [], { now: NOW })), 'no_secret');
  assert.equal(reasonOf(() => webhooks.verify(body, sig, '', { now: NOW })), 'no_secret');
  // the secret never appears in the error
  try {
    webhooks.verify(body, sig, 'whsec_should_not_leak', { now: NOW });
  } catch (e) {
    assert.ok(!JSON.stringify({ m: e.message, s: e.stack }).includes('whsec_should_not_leak'));
  }
});

test('a valid signature over something that is not an event envelope is not accepted', () => {
  const notEnvelope = '{"hello": 1}';
  assert.throws(() => webhooks.verify(notEnvelope, webhooks.sign(notEnvelope, SECRET, NOW), SECRET, { now: NOW }), light.LightError);
});

test('argument errors are TypeErrors', () => {
  assert.throws(() => webhooks.verify(42, '1.a', SECRET), TypeError);
  assert.throws(() => webhooks.verify(body, '1.a', 42), TypeError);
  assert.throws(() => webhooks.verify(body, '1.a', SECRET, { tolerance: 'x' }), TypeError);
  // a secret with a NUL inside: refused by sign and verify alike (never cut at the NUL)
  assert.throws(() => webhooks.sign(body, 'whsec_dev\0REALSECRET', NOW), /must not contain NUL/);
  const good = webhooks.sign(body, 'whsec_dev', NOW);
  assert.throws(() => webhooks.verify(body, good, 'whsec_dev\0REALSECRET', { now: NOW }), /must not contain NUL/);
  assert.throws(() => webhooks.verify(body, good, ['x', 'whsec_dev\0REALSECRET'], { now: NOW }), /must not contain NUL/);
  const longNul = 'whsec_' + 'x'.repeat(300) + '\0tail';
  assert.throws(() => webhooks.verify(body, good, longNul, { now: NOW }), /must not contain NUL/);
  assert.throws(() => webhooks.verify(body, '1.a', SECRET, { now: 'yesterday' }), TypeError);
  assert.throws(() => webhooks.verify(body, good, 'whsec_dev', { now: -5 }), /now must be a number of Unix seconds >= 0/);
  assert.throws(() => webhooks.sign(body, SECRET, -1), /timestamp must be a number of Unix seconds >= 0/);
  assert.throws(() => webhooks.verify(`\ud800${body}`, good, 'whsec_dev', { now: NOW }), /lone UTF-16 surrogate/);
  assert.throws(() => webhooks.verify(body, good, Array(17).fill('s'), { now: NOW }), /at most 16 secrets/);
  assert.throws(() => webhooks.sign(body, 42, NOW), TypeError);
  assert.throws(() => webhooks.sign(body, '', NOW), TypeError);
  assert.throws(() => webhooks.sign({}, SECRET, NOW), TypeError);
});

test('events constants come from the core (18 names)', () => {
  assert.equal(webhooks.eventNames.length, 18);
  assert.equal(events.ENROLLMENT_FINALIZED, 'enrollment.finalized');
  assert.equal(events.USAGE_PROFILE_FAILED, 'usage_profile.failed');
  assert.equal(Object.keys(events).length, 18);
  assert.ok(Object.isFrozen(events));
  assert.equal(webhooks.SIGNATURE_HEADER, 'Light-Signature-v1');
});

// The same raw-body pattern as examples/node/express-webhook.js, on node:http.
function receiver(secret) {
  const received = [];
  const refused = [];
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks); // the exact bytes that were signed
      let event;
      try {
        event = webhooks.verify(raw, req.headers['light-signature-v1'], secret, { tolerance: 300 });
      } catch (e) {
        if (!(e instanceof SignatureVerificationError)) throw e;
        refused.push(e.reason);
        res.writeHead(400, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ error: 'invalid signature', reason: e.reason }));
        return;
      }
      received.push(event);
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end('{"received":true}');
    });
  });
  return { server, received, refused };
}

test('signed deliveries from the emulator verify on a raw-body receiver', async () => {
  await sandbox.clean();
  const rx = receiver(env.webhookSecret);
  await new Promise((r) => rx.server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${rx.server.address().port}/webhooks/light`;
  try {
    await sandbox.config({ webhook_url: url, webhook_retry_delays: [0.1, 0.1] });
    const c = app();
    const acct = await newAccount(c);
    const ac = c.forAccount(acct.uuid);
    await ac.enroll.updateIdentity({});
    const { plans } = await ac.enroll.requestPlans({ esi_id: ESI });
    await ac.enroll.acceptPlan({
      plan_uuid: plans[0].uuid,
      esi_id: ESI,
      service_start_date: plans[0].earliest_start_date,
      terms_accepted: true,
    });
    const deadline = Date.now() + 10_000;
    const want = [events.ENROLLMENT_IDENTITY_UPDATED, events.ENROLLMENT_PLAN_ACCEPTED];
    while (Date.now() < deadline && !want.every((w) => rx.received.some((e) => e.event === w))) {
      await new Promise((r) => setTimeout(r, 50));
    }
    for (const w of want) assert.ok(rx.received.some((e) => e.event === w), `${w} not delivered: ${JSON.stringify(rx.received.map((e) => e.event))}`);
    assert.deepEqual(rx.refused, []);
    const mine = rx.received.filter((e) => e.data.account && e.data.account.uuid === acct.uuid);
    assert.ok(mine.length >= 2);
    ac.close();
    c.close();

    // a receiver with the wrong secret refuses them (and the emulator sees 400s)
    const bad = receiver('whsec_wrong');
    await new Promise((r) => bad.server.listen(0, '127.0.0.1', r));
    try {
      await sandbox.config({ webhook_url: `http://127.0.0.1:${bad.server.address().port}/h`, webhook_retry_delays: [0.1, 0.1] });
      const c2 = app();
      await c2.accounts.update(acct.uuid, { first_name: 'Eve' });
      const ac2 = c2.forAccount(acct.uuid);
      await ac2.enroll.updateIdentity({});
      const until = Date.now() + 10_000;
      while (Date.now() < until && bad.refused.length === 0) await new Promise((r) => setTimeout(r, 50));
      assert.ok(bad.refused.length > 0);
      assert.ok(bad.refused.every((r) => r === 'signature_mismatch'));
      ac2.close();
      c2.close();
    } finally {
      bad.server.close();
    }
  } finally {
    await sandbox.resetConfig();
    rx.server.close();
  }
});
