// Type-checked by tests/node/types.test.js (`tsc --noEmit`) against the
// generated node/index.d.ts. Run with the sandbox env:
//   LIGHT_APP_TOKEN=... LIGHT_BASE_URL=... node --experimental-strip-types examples/node/quickstart.ts
import { Light, AccountClient, APIError, NotFoundError, webhooks, events, type APIObject } from 'light-sdk';

async function main(): Promise<void> {
  const light = new Light({ maxRetries: 2, timeout: 30_000 });
  const account: APIObject = await light.accounts.create({ email: 'quickstart@example.com', first_name: 'Ada' });
  const uuid: string = account.uuid;

  const eligibility = await light.enroll.eligibility({ postal_code: '75202' });
  console.log('eligibility', eligibility.eligibility_likelihood);

  // account scope: the core mints, caches and refreshes the token
  const acct: AccountClient = light.forAccount(uuid);
  const me = await acct.retrieve();
  console.log(me.status, me.status_reason);

  // per-call options: timeout, retries, AbortSignal
  const ac = new AbortController();
  await acct.enroll.esiIdSearch({ esi_id: '10443720000000001' }, { timeout: 5_000, signal: ac.signal });

  // every invoice across pages, lazily
  for await (const invoice of acct.billing.invoices.list({ limit: 10 })) {
    console.log(invoice.number, invoice.total);
  }
  const firstPage = await acct.billing.invoices.list();
  console.log(firstPage.has_more, firstPage.data.length);

  try {
    await light.accounts.retrieve('no-such-account');
  } catch (e) {
    if (e instanceof NotFoundError) console.log('404', e.requestId);
    else if (e instanceof APIError) console.log(e.status, e.body);
    else throw e;
  }

  const raw = await light.request('GET', '/v1/app/accounts', { query: { limit: 1 } });
  console.log(raw.data.length);

  const body = Buffer.from(JSON.stringify({ event: events.ENROLLMENT_FINALIZED, data: {} }));
  const header = webhooks.sign(body, 'whsec_test');
  const event = webhooks.verify(body, header, ['whsec_old', 'whsec_test'], { tolerance: 300 });
  console.log(event.event === events.ENROLLMENT_FINALIZED);

  acct.close();
  light.close();
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
