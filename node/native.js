'use strict';
// Loads light.node, first found of:
//   $LIGHT_NODE_ADDON;
//   node/build/light.node (built from source: `npm install` in a checkout,
//   `make build-node`, or node/install.js when no prebuilt fits);
//   node/prebuilds/<platform>-<arch>-glibc/light.node (shipped in the npm
//   tarball with libcurl, cJSON, OpenSSL and their dependencies beside it,
//   found through its $ORIGIN rpath; Node-API 8, so one build serves Node 18+).
// Paths are relative to this file, so a bundler must leave light-sdk external
// (README: esbuild --external:light-sdk, webpack externals).
const path = require('node:path');
const fs = require('node:fs');

const { prebuiltPath, platformTag } = require('./install.js');

function locate() {
  const candidates = [];
  if (process.env.LIGHT_NODE_ADDON) candidates.push(path.resolve(process.env.LIGHT_NODE_ADDON));
  candidates.push(path.join(__dirname, 'build', 'light.node'));
  for (const c of candidates) if (fs.existsSync(c)) return c;
  const pre = prebuiltPath();
  if (pre) return pre;
  throw new Error(
    `light-sdk: native addon not found (looked in ${candidates.join(', ')}` +
      `${fs.existsSync(path.join(__dirname, 'prebuilds')) ? ` and node/prebuilds/ for ${platformTag()}` : ''}); ` +
      'run `npm rebuild light-sdk` to build it from source',
  );
}

function load() {
  const file = locate();
  try {
    return require(file);
  } catch (e) {
    // dlopen's message names the missing library (e.g. "libcurl-1a2b3c4d.so.4.8.0: cannot open shared object file")
    e.message = `light-sdk: cannot load the native addon ${file}: ${e.message}`;
    throw e;
  }
}

module.exports = load();
