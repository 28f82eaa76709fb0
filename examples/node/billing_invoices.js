'use strict';
// Billing for an active customer, API.md §10: the card on file, the billing
// address, every invoice across all pages (the SDK follows the pages), and one
// invoice in detail with its charge groups.
//
//   LIGHT_APP_TOKEN=... LIGHT_BASE_URL=http://127.0.0.1:8080 \
//   node examples/node/billing_invoices.js [--account UUID] [--invoice NUMBER] [--page-size 10]
//
// Without --account it enrolls and activates a demo customer (sandbox only,
// demo_account.js). Without --invoice it details the latest invoice.
// Exit status 1 (and "error: ...") on failure, e.g. an unknown invoice number.
const { parseArgs } = require('node:util');
const { Light, NotFoundError } = require('light-sdk');
const { activeDemoAccount } = require('./demo_account');

const { values: args } = parseArgs({
  options: {
    account: { type: 'string' },
    invoice: { type: 'string' },
    'page-size': { type: 'string', default: '10' },
  },
});

// Money arrives as decimal strings ("125.24"); add cents as integers, never as floats.
const cents = (s) => {
  const m = /^(-?)(\d+)(?:\.(\d{1,2}))?$/.exec(String(s));
  if (!m) throw new Error(`not an amount: ${s}`);
  const v = Number(m[2]) * 100 + Number((m[3] || '').padEnd(2, '0'));
  return m[1] ? -v : v;
};
const dollars = (c) => `${c < 0 ? '-' : ''}$${Math.floor(Math.abs(c) / 100)}.${String(Math.abs(c) % 100).padStart(2, '0')}`;
// kWh strings have three decimals: add whole watt-hours.
const wh = (s) => Math.round(Number(s) * 1000);
const kwh = (w) => (w / 1000).toFixed(3);

function state(inv) {
  if (inv.voided_at) return 'void';
  return inv.paid_at ? `paid ${inv.paid_at.slice(0, 10)}` : `due ${inv.payment_due_date}`;
}

async function main() {
  const light = new Light(); // $LIGHT_APP_TOKEN, $LIGHT_BASE_URL
  const uuid = args.account || (await activeDemoAccount(light)).uuid;
  const acct = light.forAccount(uuid);
  try {
    console.log(`account: ${uuid}`);
    const pm = await acct.billing.paymentMethod();
    console.log(`payment method: ${pm.card_brand} ending ${pm.card_last4}, expires ${pm.card_exp_month}/${pm.card_exp_year}`);
    const addr = await acct.billing.address.retrieve();
    console.log(`billing address: ${addr.address_1}${addr.address_2 ? ` ${addr.address_2}` : ''}, ${addr.city} ${addr.state} ${addr.postal_code}` +
      (addr.same_as_service_address ? ' (same as service address)' : ''));

    // .pages() yields each page envelope; `for await (const inv of list)` would yield the invoices directly.
    let pages = 0;
    let count = 0;
    let totalCents = 0;
    let totalWh = 0;
    let unpaid = 0;
    let latest = null;
    for await (const page of acct.billing.invoices.list({ limit: Number(args['page-size']) }).pages()) {
      pages += 1;
      for (const inv of page.data) {
        count += 1;
        totalCents += inv.total_cents;
        totalWh += wh(inv.total_kwh);
        if (!inv.paid_at && !inv.voided_at) unpaid += 1;
        if (!latest || inv.invoice_date > latest.invoice_date) latest = inv;
        console.log(`invoice: ${inv.number} | ${inv.invoice_date} | ${inv.billing_period_start}..${inv.billing_period_end} | ` +
          `${dollars(inv.total_cents)} | ${inv.total_kwh} kWh | ${inv.avg_cents_per_kwh}¢/kWh | ${state(inv)}`);
      }
    }
    console.log(`invoices: ${count} across ${pages} pages, total ${dollars(totalCents)}, ${kwh(totalWh)} kWh, ${unpaid} unpaid`);
    if (!count) return;

    const number = args.invoice || latest.number;
    let inv;
    try {
      inv = await acct.billing.invoices.retrieve(number);
    } catch (e) {
      if (e instanceof NotFoundError) throw new Error(`invoice ${number} not found (HTTP ${e.status})`);
      throw e;
    }
    console.log(`detail: ${inv.number} for ${inv.billing_period_start}..${inv.billing_period_end}, ${dollars(cents(inv.total))}, PDF ${inv.pdf}`);
    let sum = 0;
    for (const group of inv.charges_groups) {
      console.log(`  ${group.name}: ${dollars(cents(group.total))}`);
      for (const c of group.charges) {
        sum += cents(c.amount);
        console.log(`    ${c.description}: ${c.quantity} ${c.unit} × ${c.rate} = ${dollars(cents(c.amount))}`);
      }
    }
    const ok = sum === cents(inv.total);
    console.log(`charges: ${dollars(sum)} ${ok ? 'matches' : 'DOES NOT match'} the invoice total`);
    if (inv.payment) console.log(`payment: ${inv.payment.status}${inv.payment.paid_at ? ` ${inv.payment.paid_at}` : ''}`);
    if (!ok) process.exitCode = 1;
  } finally {
    acct.close();
    light.close();
  }
}

main().catch((e) => {
  console.log(`error: ${e.name}: ${e.message}`);
  process.exitCode = 1;
});
