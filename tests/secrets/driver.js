// Secret-scan journey in Node (tests/secrets/test_secret_scan.py runs it with
// LIGHT_LOG=debug): the same steps as driver.py, printing util.inspect (and
// String()) of every client, response and error, and console.error of the errors;
// every client has a debug logger and listens to its request/retry/response
// events, all printed to stderr with util.inspect (hidden fields included).
'use strict';
const util = require('util');
const path = require('path');
const { Light, AccountClient, webhooks, UnprocessableEntityError, AuthenticationError, SignatureVerificationError } =
  require(path.join(__dirname, '..', '..', 'node'));

const SSN = process.env.SECRETSCAN_SSN;
const SSN_DIGITS = SSN.replace(/-/g, '');

function show(label, obj) {
  console.log(`${label}: inspect=${util.inspect(obj, { depth: 8, showHidden: true })}`);
  console.log(`${label}: string=${String(obj)}`);
  try { console.log(`${label}: json=${JSON.stringify(obj)}`); } catch (e) { console.log(`${label}: json threw ${e}`); }
}

async function expectError(label, cls, fn) {
  try {
    await fn();
    console.log(`${label}: not raised`);
    return 1;
  } catch (e) {
    show(label, e);
    console.error(e); // what an unhandled error would print
    if (!(e instanceof cls)) { console.log(`${label}: wrong class ${e && e.constructor && e.constructor.name}`); return 1; }
    return 0;
  }
}

const logger = {
  info: (m) => console.error(`logger info: ${m}`),
  debug: (m, extra) => console.error(`logger debug: ${m} ${util.inspect(extra, { depth: 8, showHidden: true })}`),
};

function listen(c) {
  for (const name of ['request', 'retry', 'response']) {
    c.on(name, (e) => console.error(`event ${name}: ${util.inspect(e, { depth: 8, showHidden: true })}`));
  }
  return c;
}

async function main() {
  let failures = 0;
  const client = listen(new Light({ logger }));
  show('app client', client);
  const acct = await client.accounts.create({ email: `secretscan+js${Date.now()}@example.com`, first_name: 'Ada',
    last_name: 'Lovelace', phone_number: '214-555-0100', date_of_birth: '1985-12-10' });
  show('account', acct);
  console.log(`account uuid: ${acct.uuid}`);
  const ac = client.forAccount(acct.uuid);
  show('account client', ac);
  show('retrieve', await ac.retrieve());
  show('identity', await ac.enroll.updateIdentity({ first_name: 'Ada', ssn_last4: SSN.slice(-4) }));
  show('credit_check dashed', await ac.enroll.creditCheck({ ssn: SSN, consent: true }));
  show('credit_check digits', await ac.enroll.creditCheck({ ssn: SSN_DIGITS, consent: true }));
  failures += await expectError('422 error', UnprocessableEntityError,
    () => ac.enroll.creditCheck({ ssn: SSN_DIGITS, consent: false }));
  const badApp = listen(new Light({ appToken: process.env.SECRETSCAN_WRONG_APP_TOKEN, maxRetries: 0, logger }));
  show('wrong app client', badApp);
  failures += await expectError('401 app error', AuthenticationError, () => badApp.accounts.list());
  const badAcct = listen(new AccountClient({ accountToken: process.env.SECRETSCAN_WRONG_ACCOUNT_TOKEN, maxRetries: 0,
    logger }));
  show('wrong account client', badAcct);
  failures += await expectError('401 account error', AuthenticationError, () => badAcct.retrieve());
  failures += await expectError('crlf token error', Error,
    () => new AccountClient({ accountToken: process.env.SECRETSCAN_CRLF_TOKEN }));

  const secret = process.env.LIGHT_WEBHOOK_SECRET;
  const payload = JSON.stringify({ uuid: 'evt_1', created_at: '2026-01-01T00:00:00Z', api_version: 'v1',
    event: 'enrollment.identity_updated', data: { account: { uuid: acct.uuid } } });
  const sig = webhooks.sign(payload, secret);
  show('webhook event', webhooks.verify(payload, sig, secret));
  failures += await expectError('signature error', SignatureVerificationError,
    () => webhooks.verify(payload, sig, 'whsec_wrong_0000000000000000'));
  badApp.close();
  badAcct.close();
  client.close();
  if (failures) { console.log(`driver.js: ${failures} unexpected outcomes`); process.exit(1); }
  console.log('SECRETSCAN-DONE node');
}

main().catch((e) => { console.error(e); process.exit(1); });
