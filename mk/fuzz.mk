# libFuzzer targets (tests/fuzz/): `make fuzz` builds them with clang
# (-fsanitize=fuzzer,address,undefined) in $(FUZZ_BUILD) and runs each for
# FUZZ_SECONDS (default 60), printing executions; fails on any crash.
#   make fuzz FUZZ_SECONDS=600          longer local run
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 60
FUZZ_TARGETS := fuzz_webhook fuzz_codec fuzz_response fuzz_multipart fuzz_args fuzz_json fuzz_http_parser

.PHONY: fuzz fuzz-build
fuzz-build: deps
	CC=clang cmake -S . -B $(FUZZ_BUILD) -DLIGHT_BUILD_FUZZERS=ON -DLIGHT_INSTALL=OFF -DLIGHT_WERROR=$${LIGHT_WERROR:-ON} >/dev/null
	cmake --build $(FUZZ_BUILD) -j$(JOBS) --target $(FUZZ_TARGETS)

fuzz: fuzz-build
	@$(PYTHON) tests/fuzz/run_fuzzers.py --build $(FUZZ_BUILD) --seconds $(FUZZ_SECONDS) $(FUZZ_TARGETS)
