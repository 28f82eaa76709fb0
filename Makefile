# light-sdk — the two commands a newcomer runs are `make demo` and `make test`.
# Both install what is missing (tools/install-deps.sh), build the C core and
# every binding, and run against the local Light emulator on loopback.
PYTHON ?= python3
BUILD ?= build
JOBS ?= 2
CMAKE_FLAGS ?=
export LIGHT_BUILD_DIR := $(abspath $(BUILD))

.PHONY: all deps build build-core test test-c demo bench fuzz soak clean
all: build

deps:
	@./tools/install-deps.sh

BUILD_TARGETS := build-core
build-core:
	cmake -S . -B $(BUILD) -DLIGHT_BUILD_TESTS=ON -DLIGHT_WERROR=$${LIGHT_WERROR:-ON} $(CMAKE_FLAGS) >/dev/null
	cmake --build $(BUILD) -j$(JOBS)

# Language bindings add their build targets to BUILD_TARGETS in mk/*.mk.
-include mk/*.mk

build: deps
	@$(MAKE) --no-print-directory $(BUILD_TARGETS)

# Everything: C suite (plain, ASan/UBSan, valgrind), emulator, Python, Node, Lua.
# pytest's exit code 5 (no tests collected) is a failure here.
test: build
	@$(PYTHON) -m pytest tests -q -ra $(PYTEST_ARGS); rc=$$?; \
	 if [ $$rc -eq 5 ]; then echo "make test: pytest collected no tests" >&2; exit 1; fi; exit $$rc

test-c: build
	@$(PYTHON) -m pytest tests/core -q -ra $(PYTEST_ARGS)

demo: build
	@$(PYTHON) tools/demo.py

bench: build
	@$(PYTHON) bench/run.py

clean:
	rm -rf $(BUILD) build-* 

# Sanitizer build of the C core and its tests (run by tests/core/test_c_suite.py).
BUILD_TARGETS += build-core-asan
build-core-asan:
	cmake -S . -B $(BUILD)-asan -DLIGHT_BUILD_TESTS=ON -DLIGHT_SANITIZE=ON -DLIGHT_INSTALL=OFF -DLIGHT_WERROR=$${LIGHT_WERROR:-ON} -DCMAKE_BUILD_TYPE=Debug >/dev/null
	cmake --build $(BUILD)-asan -j$(JOBS)
