# `make dist`: binary and source packages into dist/ (tools/dist/make_dist.py,
# docs/packaging.md): the abi3 manylinux wheel (auditwheel), the sdist, the npm
# tarball with the prebuilt linux-x64-glibc addon, the .deb pair, the Lua 5.4
# binary rock, and dist/MANIFEST.json naming them. tests/dist/ checks them on a
# clean Debian root file system (make test runs it, and builds dist first).
DIST ?= dist
DIST_STEPS ?= wheel,sdist,npm,deb,rock

.PHONY: dist
dist: deps
	$(PYTHON) tools/dist/make_dist.py --build $(BUILD) --out $(DIST) --only $(DIST_STEPS)
