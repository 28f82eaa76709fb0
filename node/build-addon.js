#!/usr/bin/env node
'use strict';
// Build node/build/light.node from the top-level CMake project, offline.
//
// Run by `npm install` (the package's "install" script) and by `make
// build-node`. It never downloads anything: Node-API headers come from the
// `node-api-headers` package (a registry dependency) or from the headers
// installed next to the running node (<prefix>/include/node); libuv's uv.h
// comes from there too, or from the system (libuv1-dev). The addon resolves
// napi_* and uv_* symbols from the node executable at load time, so it
// links against neither.
//
// Environment: LIGHT_NODE_BUILD_DIR (default build-node-addon), LIGHT_NODE_BUILD_TYPE
// (default Release), LIGHT_WERROR (ON/OFF, default OFF), JOBS (default 2),
// LIGHT_NODE_SKIP_BUILD=1 to skip (e.g. when a prebuilt addon is provided
// through LIGHT_NODE_ADDON), LIGHT_NODE_OUTPUT_DIR (default node/build; `make
// dist` builds the prebuilt addon elsewhere). node/install.js (the install
// script) checks the tools first and runs this only when no prebuilt fits.

const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const root = path.resolve(__dirname, '..');
// CMake's tree goes to build-node-addon/ (git-ignored as /build-*/); only
// light.node lands in node/build/, where node/native.js looks for it.
const buildDir = path.resolve(process.env.LIGHT_NODE_BUILD_DIR || path.join(root, 'build-node-addon'));
const outDir = path.resolve(process.env.LIGHT_NODE_OUTPUT_DIR || path.join(root, 'node', 'build'));

function log(msg) {
  process.stderr.write(`light-sdk: ${msg}\n`);
}

function has(dir, file) {
  return dir && fs.existsSync(path.join(dir, file));
}

function nodeApiHeaders() {
  try {
    const pkg = require.resolve('node-api-headers/package.json', { paths: [root, __dirname] });
    const dir = path.join(path.dirname(pkg), 'include');
    if (has(dir, 'node_api.h')) return dir;
  } catch (_) {
    /* not installed: fall back to the headers next to node */
  }
  return null;
}

function includeDirs() {
  const nodeInc = [
    path.resolve(path.dirname(process.execPath), '..', 'include', 'node'),
    '/usr/include/node',
    '/usr/local/include/node',
  ].find((d) => has(d, 'node_api.h'));
  const napi = nodeApiHeaders() || nodeInc;
  if (!napi) {
    throw new Error('no node_api.h: install the npm dependency node-api-headers (or libnode-dev)');
  }
  const uv = [nodeInc, '/usr/include', '/usr/local/include'].find((d) => has(d, 'uv.h'));
  if (!uv) throw new Error('no uv.h: apt-get install libuv1-dev (header only; the addon uses node\'s libuv)');
  return [...new Set([napi, uv])];
}

function run(cmd, args) {
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited with ${r.status}`);
}

function main() {
  if (process.env.LIGHT_NODE_SKIP_BUILD === '1') {
    log('LIGHT_NODE_SKIP_BUILD=1: not building the addon');
    return;
  }
  const inc = includeDirs();
  const jobs = String(process.env.JOBS || 2);
  run('cmake', [
    '-S', root,
    '-B', buildDir,
    `-DCMAKE_BUILD_TYPE=${process.env.LIGHT_NODE_BUILD_TYPE || 'Release'}`,
    '-DLIGHT_BUILD_NODE=ON',
    '-DLIGHT_INSTALL=OFF',
    '-DLIGHT_BUILD_TESTS=OFF',
    `-DLIGHT_WERROR=${process.env.LIGHT_WERROR || 'OFF'}`,
    `-DLIGHT_NODE_INCLUDE_DIRS=${inc.join(';')}`,
    `-DLIGHT_NODE_OUTPUT_DIR=${outDir}`,
    '--log-level=WARNING',
  ]);
  run('cmake', ['--build', buildDir, '--target', 'light_node', '-j', jobs]);
  const out = path.join(outDir, 'light.node');
  if (!fs.existsSync(out)) throw new Error(`build finished but ${out} is missing`);
  log(`built ${path.relative(process.cwd(), out) || out}`);
}

try {
  main();
} catch (e) {
  log(`addon build failed: ${e.message}`);
  log(require('./install.js').SOURCE_NEEDS);
  process.exit(1);
}
