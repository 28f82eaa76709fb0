#!/usr/bin/env node
'use strict';
// The package's install script (`npm install light-sdk`).
//
// 1. A prebuilt addon fits this platform (node/prebuilds/linux-x64-glibc/,
//    shipped in the npm tarball with its native libraries beside it) and
//    loads: nothing to do. node/native.js finds it at require time, so
//    `npm install --ignore-scripts` works the same.
// 2. Otherwise build from source (node/build-addon.js, CMake), when the tools
//    are there.
// 3. Otherwise print ONE line naming what to install, and fail the install
//    (never a CMake stack trace, never a package that fails at require).
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

// What a source build needs (Debian/Ubuntu names): the one line printed when it cannot run.
const SOURCE_NEEDS =
  'building from source needs cmake (>= 3.20), a C compiler, pkg-config, the Node-API headers and the ' +
  'development files of libcurl (>= 7.80), OpenSSL 3 and cJSON (Debian/Ubuntu: apt-get install cmake ' +
  'build-essential pkg-config libnode-dev libcurl4-openssl-dev libssl-dev libcjson-dev), then `npm rebuild light-sdk`';

function platformTag() {
  let libc = '';
  if (process.platform === 'linux') {
    libc = '-glibc';
    try {
      const fd = fs.openSync(process.execPath, 'r');
      const buf = Buffer.alloc(4096);
      fs.readSync(fd, buf, 0, buf.length, 0);
      fs.closeSync(fd);
      if (buf.includes('ld-musl-')) libc = '-musl';
    } catch (_) {
      /* unreadable executable: assume glibc; loading tells */
    }
  }
  return `${process.platform}-${process.arch}${libc}`;
}

// The prebuilt addon of this package for this platform, or null.
function prebuiltPath() {
  const p = path.join(__dirname, 'prebuilds', platformTag(), 'light.node');
  return fs.existsSync(p) ? p : null;
}

function log(msg) {
  process.stderr.write(`light-sdk: ${msg}\n`);
}

function has(cmd, args) {
  const r = spawnSync(cmd, args, { stdio: 'ignore' });
  return !r.error && r.status === 0;
}

function missingForSource() {
  const miss = [];
  if (!has('cmake', ['--version'])) miss.push('cmake');
  if (!has('cc', ['--version']) && !has('gcc', ['--version']) && !has('clang', ['--version'])) miss.push('a C compiler');
  const inc = [
    path.resolve(path.dirname(process.execPath), '..', 'include', 'node'),
    '/usr/include/node',
    '/usr/local/include/node',
  ];
  let napi = inc.some((d) => fs.existsSync(path.join(d, 'node_api.h')));
  try {
    napi = napi || !!require.resolve('node-api-headers/package.json', { paths: [path.join(__dirname, '..')] });
  } catch (_) {
    /* not installed */
  }
  if (!napi) miss.push('Node-API headers');
  if (!has('pkg-config', ['--version'])) miss.push('pkg-config');
  else
    for (const [mod, what] of [['libcurl', 'libcurl'], ['libcrypto', 'OpenSSL 3'], ['libcjson', 'cJSON']])
      if (!has('pkg-config', ['--exists', mod])) miss.push(`${what} development files`);
  return miss;
}

function main() {
  if (process.env.LIGHT_NODE_SKIP_BUILD === '1') {
    log('LIGHT_NODE_SKIP_BUILD=1: not building the addon');
    return 0;
  }
  const pre = prebuiltPath();
  if (pre && process.env.LIGHT_NODE_BUILD_FROM_SOURCE !== '1') {
    try {
      require(pre);
      return 0; // the prebuilt loads: no install-time work
    } catch (e) {
      log(`the prebuilt addon does not load here (${e.message.split('\n')[0]}); building from source`);
    }
  }
  const miss = missingForSource();
  if (miss.length) {
    log(`no prebuilt addon for ${platformTag()} and ${miss.join(', ')} missing here; ${SOURCE_NEEDS}`);
    return 1;
  }
  const r = spawnSync(process.execPath, [path.join(__dirname, 'build-addon.js')], { stdio: 'inherit' });
  return r.status === null ? 1 : r.status;
}

module.exports = { SOURCE_NEEDS, platformTag, prebuiltPath };
if (require.main === module) process.exitCode = main();
