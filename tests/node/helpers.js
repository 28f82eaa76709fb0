'use strict';
// Shared helpers of the Node suite: the emulator's admin API (node:http,
// no SDK involved) and client factories. The emulator comes from the pytest
// fixture through LIGHT_SANDBOX_* (tests/node/test_node_suite.py).
const http = require('node:http');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..', '..');
const light = require(path.join(ROOT, 'node'));

const env = {
  url: process.env.LIGHT_SANDBOX_URL,
  appToken: process.env.LIGHT_SANDBOX_APP_TOKEN,
  webhookSecret: process.env.LIGHT_SANDBOX_WEBHOOK_SECRET,
  tlsUrl: process.env.LIGHT_SANDBOX_TLS_URL,
  tlsCaFile: process.env.LIGHT_SANDBOX_TLS_CA_FILE,
};
if (!env.url || !env.appToken) {
  throw new Error('LIGHT_SANDBOX_URL / LIGHT_SANDBOX_APP_TOKEN are not set: run through pytest (tests/node/test_node_suite.py)');
}

const ESI = '10443720000000001';

// Plain HTTP to the emulator (admin routes, direct API calls with a token).
function raw(method, urlPath, body, token) {
  const u = new URL(urlPath, env.url);
  const data = body === undefined ? null : Buffer.from(JSON.stringify(body));
  const headers = { Accept: 'application/json' };
  if (data) headers['Content-Type'] = 'application/json';
  if (token) headers.Authorization = `Bearer ${token}`;
  return new Promise((resolve, reject) => {
    const req = http.request(u, { method, headers, agent: false }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json = null;
        try {
          json = text ? JSON.parse(text) : null;
        } catch (_) {
          json = text;
        }
        resolve({ status: res.statusCode, body: json, headers: res.headers });
      });
    });
    req.on('error', reject);
    if (data) req.write(data);
    req.end();
  });
}

async function admin(method, p, body) {
  const r = await raw(method, `/_sandbox/${p.replace(/^\//, '')}`, body);
  if (r.status < 200 || r.status >= 300) throw new Error(`${method} /_sandbox/${p}: HTTP ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

const sandbox = {
  journal: () => admin('GET', 'requests'),
  clearJournal: () => admin('DELETE', 'requests'),
  fault: (f) => admin('POST', 'faults', f),
  clearFaults: () => admin('DELETE', 'faults'),
  config: (c) => admin('POST', 'config', c),
  resetConfig: () => admin('DELETE', 'config'),
  advanceClock: (s) => admin('POST', 'clock', { advance: s }),
  setClock: (t) => admin('POST', 'clock', { set: t }),
  resetClock: () => admin('POST', 'clock', { reset: true }),
  clock: () => admin('GET', 'clock'),
  events: () => admin('GET', 'events'),
  webhooks: () => admin('GET', 'webhooks'),
  connections: async () => (await admin('GET', 'connections')).total,
  async clean() {
    await admin('DELETE', 'faults');
    await admin('DELETE', 'config');
    await admin('POST', 'clock', { reset: true });
    await admin('DELETE', 'webhooks?pending=1');
    await admin('DELETE', 'events');
    await admin('DELETE', 'requests');
  },
};

// Short backoff so retry tests stay fast; everything else at defaults.
function app(options) {
  return new light.Light({ appToken: env.appToken, baseURL: env.url, retryBase: 0.01, retryMax: 0.05, ...options });
}

let seq = 0;
async function newAccount(client, fields) {
  seq += 1;
  return client.accounts.create({
    email: `node-${process.pid}-${Date.now()}-${seq}@example.com`,
    first_name: 'Ada',
    last_name: 'Lovelace',
    phone_number: '214-555-0100',
    date_of_birth: '1990-01-01',
    ...fields,
  });
}

// A finalized, seeded (active, with invoices) account: [account, account client].
async function activeAccount(client) {
  const acct = await newAccount(client);
  const ac = client.forAccount(acct.uuid);
  const { plans } = await ac.enroll.requestPlans({ esi_id: ESI });
  await ac.enroll.acceptPlan({
    plan_uuid: plans[0].uuid,
    esi_id: ESI,
    service_start_date: plans[0].earliest_start_date,
    terms_accepted: true,
  });
  await ac.enroll.updateIdentity({});
  await ac.billing.ensurePaymentMethodAdded({ payment_method_id: 'pm_card_visa' });
  await ac.enroll.finalize({});
  await ac.sandbox.seedDemoData();
  return [acct, ac];
}

// Journal entries matching method and a path regex.
function entries(journal, method, re) {
  return journal.filter((e) => e.method === method && re.test(e.path));
}

module.exports = { ROOT, light, env, ESI, raw, admin, sandbox, app, newAccount, activeAccount, entries };
