# Node package: `npm install` at the repository root installs the npm
# dependencies (node-api-headers, typescript, @types/node) and runs the
# package's install script, node/build-addon.js, which builds
# node/build/light.node from the top-level CMake (-DLIGHT_BUILD_NODE=ON) in
# build-node-addon/, offline (no header download from nodejs.org).
# tests/node/test_node_suite.py runs `node --test tests/node/` against it.
NPM ?= npm

.PHONY: build-node bench-node
BUILD_TARGETS += build-node
build-node:
	LIGHT_WERROR=$${LIGHT_WERROR:-ON} JOBS=$(JOBS) $(NPM) install --no-audit --no-fund --no-save --loglevel=error

# Benchmarks (not tests): bench/node/README.md.
bench-node: build-node
	node bench/node/run.js
