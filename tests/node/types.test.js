'use strict';
// tools/gen_node_types.js: node/index.d.ts matches the operation table, and
// a TypeScript example type-checks against it (`tsc --noEmit`).
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const os = require('node:os');
const { spawnSync } = require('node:child_process');
const { ROOT, light } = require('./helpers');

test('node/index.d.ts is up to date with the operation table', () => {
  const r = spawnSync(process.execPath, [path.join(ROOT, 'tools', 'gen_node_types.js'), '--check'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr + r.stdout);
});

test('every operation appears in the declarations under its camelCase name', () => {
  const dts = fs.readFileSync(path.join(ROOT, 'node', 'index.d.ts'), 'utf8');
  for (const op of light.OPERATIONS) {
    assert.ok(dts.includes(`(operation \`${op.id}\``), op.id);
  }
});

test('tsc --noEmit on the TypeScript example passes', () => {
  const tsc = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  assert.ok(fs.existsSync(tsc), 'typescript is a devDependency: run `npm install` at the repository root');
  const r = spawnSync(
    process.execPath,
    [tsc, '--noEmit', '--strict', '--target', 'es2022', '--module', 'nodenext', '--moduleResolution', 'nodenext',
      '--types', 'node', path.join(ROOT, 'examples', 'node', 'quickstart.ts')],
    { cwd: ROOT, encoding: 'utf8' },
  );
  assert.equal(r.status, 0, r.stdout + r.stderr);
});

const TSC = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');

// A scratch project where `import ... from 'light-sdk'` resolves to this repository.
function scratch() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'light-ts-'));
  fs.mkdirSync(path.join(dir, 'node_modules'));
  fs.symlinkSync(ROOT, path.join(dir, 'node_modules', 'light-sdk'), 'dir');
  return dir;
}

function tsc(dir, files) {
  return spawnSync(
    process.execPath,
    [TSC, '--noEmit', '--strict', '--target', 'es2022', '--module', 'nodenext', '--moduleResolution', 'nodenext',
      '--types', 'node', '--typeRoots', path.join(ROOT, 'node_modules', '@types'), ...files],
    { cwd: dir, encoding: 'utf8' },
  );
}

function tsBlocks() {
  const docs = [path.join(ROOT, 'README.md'), ...fs.readdirSync(path.join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md')).map((f) => path.join(ROOT, 'docs', f))];
  const blocks = [];
  for (const file of docs) {
    const text = fs.readFileSync(file, 'utf8');
    for (const m of text.matchAll(/^```(?:ts|typescript)\n([\s\S]*?)^```/gm)) blocks.push([path.relative(ROOT, file), m[1]]);
  }
  return blocks;
}

test('every TypeScript sample of README.md and docs/*.md compiles under tsc --strict', () => {
  const blocks = tsBlocks();
  assert.ok(blocks.length >= 1, 'no TypeScript samples found');
  const dir = scratch();
  const files = blocks.map(([from, code], i) => {
    const f = path.join(dir, `sample_${i}.ts`);
    fs.writeFileSync(f, `// from ${from}\nexport {};\n${code}`);
    return f;
  });
  const r = tsc(dir, files);
  fs.rmSync(dir, { recursive: true, force: true });
  assert.equal(r.status, 0, r.stdout + r.stderr);
});

test('tsc rejects a misspelt field of a typed result, a webhook event and a page item', () => {
  const dir = scratch();
  const cases = {
    account: "const a = await new Light().accounts.create({ email: 'x@example.com' }); console.log(a.emial);",
    location: "const l = await new Light().forAccount('u').locations.retrieve('l'); console.log(l.servce_start_date);",
    page: "for await (const i of new Light().forAccount('u').billing.invoices.list()) console.log(i.totl);",
    event: "const e = webhooks.verify('', undefined, 's'); if (e.event === 'usage_profile.failed') console.log(e.data.usage_profile.eror_message);",
    header: "webhooks.verify('', 42, 's');",
  };
  for (const [name, body] of Object.entries(cases)) {
    const f = path.join(dir, `bad_${name}.ts`);
    fs.writeFileSync(f, `import { Light, webhooks } from 'light-sdk';\nexport {};\nasync function f(): Promise<void> { ${body} }\nvoid f;\n`);
    const r = tsc(dir, [f]);
    assert.notEqual(r.status, 0, `${name}: tsc accepted it`);
    assert.match(r.stdout, /error TS/, name);
  }
  const good = path.join(dir, 'good.ts');
  fs.writeFileSync(good, `import { Light, webhooks, type APIObject } from 'light-sdk';\nexport {};\nasync function f(h: import('node:http').IncomingHttpHeaders): Promise<void> {\n  const a = await new Light().accounts.create({ email: 'x@example.com' });\n  console.log(a.email, a.lastResponse.statusCode, (a as APIObject).new_key, a.phone_number ?? 'none');\n  webhooks.verify('', h['light-signature-v1'], 's');\n}\nvoid f;\n`);
  const r = tsc(dir, [good]);
  fs.rmSync(dir, { recursive: true, force: true });
  assert.equal(r.status, 0, r.stdout + r.stderr);
});

test('webhooks.verify takes the header as IncomingHttpHeaders gives it', () => {
  const secret = 'whsec_types_test_0000000000000000';
  const body = JSON.stringify({ uuid: 'e', created_at: '2026-01-01T00:00:00Z', api_version: 'v1', event: 'enrollment.finalized', data: {} });
  const sig = light.webhooks.sign(body, secret);
  assert.equal(light.webhooks.verify(body, sig, secret).event, 'enrollment.finalized');
  assert.equal(light.webhooks.verify(body, [sig], secret).event, 'enrollment.finalized');
  assert.throws(() => light.webhooks.verify(body, [sig, sig], secret),
    (e) => e instanceof light.SignatureVerificationError && e.reason === 'malformed_header' && /got 2/.test(e.message));
  assert.throws(() => light.webhooks.verify(body, undefined, secret),
    (e) => e instanceof light.SignatureVerificationError && e.reason === 'malformed_header');
  assert.throws(() => light.webhooks.verify(body, [], secret),
    (e) => e instanceof light.SignatureVerificationError && e.reason === 'malformed_header');
});
