'use strict';
// tools/gen_node_types.js: node/index.d.ts matches the operation table, and
// a TypeScript example type-checks against it (`tsc --noEmit`).
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
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
