'use strict';
// Export a month of usage to CSV, API.md §12: one row per day
// (usage/daily) and one row per 15-minute interval (usage/intervals), and
// check that every day's intervals add up to its daily total.
//
//   LIGHT_APP_TOKEN=... LIGHT_BASE_URL=http://127.0.0.1:8080 \
//   node examples/node/usage_csv.js [--account UUID] [--month 2026-10] [--out DIR]
//
// Writes DIR/daily-YYYY-MM.csv and DIR/intervals-YYYY-MM.csv (DIR defaults to
// the current directory) and prints a summary. Without --account it enrolls and
// activates a demo customer (sandbox only, demo_account.js); without --month it
// exports last month. Days follow the utility's local time (America/Chicago):
// 96 intervals a day, 92 on the spring-forward day, 100 on the fall-back day.
// Exit status 1 (and "error: ...") on failure or when the figures disagree.
const fs = require('node:fs');
const path = require('node:path');
const { parseArgs } = require('node:util');
const { Light } = require('light-sdk');
const { activeDemoAccount } = require('./demo_account');

const { values: args } = parseArgs({
  options: {
    account: { type: 'string' },
    month: { type: 'string' },
    out: { type: 'string', default: '.' },
  },
});

// kWh values are decimal strings with three decimals: add them as whole watt-hours.
function wh(s) {
  const m = /^(-?)(\d+)(?:\.(\d{1,3}))?$/.exec(String(s));
  if (!m) throw new Error(`not a kWh value: ${s}`);
  const v = Number(m[2]) * 1000 + Number((m[3] || '').padEnd(3, '0'));
  return m[1] ? -v : v;
}
const kwh = (w) => `${w < 0 ? '-' : ''}${Math.floor(Math.abs(w) / 1000)}.${String(Math.abs(w) % 1000).padStart(3, '0')}`;

function csvField(v) {
  const s = v === null || v === undefined ? '' : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
const csvLine = (fields) => `${fields.map(csvField).join(',')}\n`;

function parseMonth(s) {
  if (s) {
    const m = /^(\d{4})-(\d{2})$/.exec(s);
    if (!m || Number(m[2]) < 1 || Number(m[2]) > 12) throw new Error(`--month must be YYYY-MM, got ${s}`);
    return { year: Number(m[1]), month: Number(m[2]) };
  }
  const now = new Date();
  const last = new Date(now.getFullYear(), now.getMonth(), 0); // last day of the previous month
  return { year: last.getFullYear(), month: last.getMonth() + 1 };
}

async function main() {
  const { year, month } = parseMonth(args.month);
  const tag = `${year}-${String(month).padStart(2, '0')}`;
  const light = new Light(); // $LIGHT_APP_TOKEN, $LIGHT_BASE_URL
  let uuid = args.account;
  let location;
  if (!uuid) ({ uuid, location } = await activeDemoAccount(light));
  const acct = light.forAccount(uuid);
  try {
    if (!location) {
      const a = await acct.retrieve();
      const loc = a.locations.find((l) => l.is_service_active) || a.locations[0];
      if (!loc) throw new Error(`account ${uuid} has no service location`);
      location = loc.uuid;
    }
    console.log(`account: ${uuid} location ${location}`);

    // The two reads are independent: run them concurrently.
    const [daily, iv] = await Promise.all([
      acct.locations.usage.daily(location, { month, year }),
      acct.locations.usage.intervals(location, { month, year }),
    ]);
    console.log(`month: ${tag} (${iv.timezone || 'local time'}, ${daily.units})`);

    fs.mkdirSync(args.out, { recursive: true });
    const dailyPath = path.join(args.out, `daily-${tag}.csv`);
    const intervalsPath = path.join(args.out, `intervals-${tag}.csv`);

    let dayTotal = 0;
    const byDate = new Map(); // date -> { wh, n } from the intervals
    let rows = csvLine(['date', 'consumption_kwh', 'generation_kwh', 'vehicle_charging_kwh']);
    for (const d of daily.days) {
      dayTotal += wh(d.consumption);
      rows += csvLine([d.date, d.consumption, d.generation, d.vehicle_charging]);
    }
    fs.writeFileSync(dailyPath, rows);

    let intervalTotal = 0;
    rows = csvLine(['start', 'end', 'date', 'consumption_kwh', 'generation_kwh']);
    for (const i of iv.intervals) {
      const w = wh(i.consumption);
      intervalTotal += w;
      const day = byDate.get(i.date) || { wh: 0, n: 0 };
      day.wh += w;
      day.n += 1;
      byDate.set(i.date, day);
      rows += csvLine([i.start, i.end, i.date, i.consumption, i.generation]);
    }
    fs.writeFileSync(intervalsPath, rows);

    console.log(`wrote ${dailyPath}: ${daily.days.length} days, ${kwh(dayTotal)} kWh`);
    console.log(`wrote ${intervalsPath}: ${iv.intervals.length} intervals of ${iv.interval_minutes} min, ${kwh(intervalTotal)} kWh`);
    const odd = [...byDate].filter(([, d]) => d.n !== 96).map(([date, d]) => `${date}: ${d.n}`);
    if (odd.length) console.log(`days without 96 intervals (DST): ${odd.join(', ')}`);
    const mismatched = daily.days.filter((d) => !byDate.has(d.date) || byDate.get(d.date).wh !== wh(d.consumption));
    console.log(`check: intervals add up to the daily total on ${daily.days.length - mismatched.length} of ${daily.days.length} days`);
    if (mismatched.length) {
      console.log(`mismatch: ${mismatched.map((d) => d.date).join(', ')}`);
      process.exitCode = 1;
    }
  } finally {
    acct.close();
    light.close();
  }
}

main().catch((e) => {
  console.log(`error: ${e.name}: ${e.message}`);
  process.exitCode = 1;
});
