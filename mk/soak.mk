# Soak (tests/soak/, docs/soak.md): per language 100,000 requests and
# 1,000,000 webhook verifications against the emulator with RSS growth after
# warm-up below 2 MiB, plus the C core's 8-thread run under ThreadSanitizer
# (build-tsan). `make test` runs the same module at LIGHT_SOAK_SCALE=0.1;
# `make soak` (and CI, .ci/run) at scale 1. Figures: $(BUILD)/soak/figures.md.
#   make soak SOAK_SCALE=0.5
SOAK_SCALE ?= 1

.PHONY: soak build-core-tsan
build-core-tsan:
	cmake -S . -B $(BUILD)-tsan -DLIGHT_TSAN=ON -DLIGHT_INSTALL=OFF -DLIGHT_WERROR=$${LIGHT_WERROR:-ON} >/dev/null
	cmake --build $(BUILD)-tsan -j$(JOBS) --target light_static

soak: build build-core-tsan
	LIGHT_SOAK_SCALE=$(SOAK_SCALE) $(PYTHON) -m pytest tests/soak -q -ra -p no:cacheprovider $(PYTEST_ARGS)
