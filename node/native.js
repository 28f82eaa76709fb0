'use strict';
// Loads light.node: $LIGHT_NODE_ADDON, else node/build/light.node (built by
// the package's install script, `npm install` / `make build-node`).
const path = require('node:path');
const fs = require('node:fs');

function locate() {
  const candidates = [];
  if (process.env.LIGHT_NODE_ADDON) candidates.push(path.resolve(process.env.LIGHT_NODE_ADDON));
  candidates.push(path.join(__dirname, 'build', 'light.node'));
  for (const c of candidates) if (fs.existsSync(c)) return c;
  throw new Error(
    `light-sdk: native addon not found (looked in ${candidates.join(', ')}); ` +
      'run `npm install` (or `npm run build`) in the light-sdk package to build it',
  );
}

module.exports = require(locate());
