# Python package: bindings/python/ (the C extension light._light) built from
# the top-level CMake with -DLIGHT_BUILD_PYTHON=ON in its own build directory
# into $(BUILD)/python/light/_light*.so. tests/python/ import the package from
# python/ with that directory on sys.path (light/__init__.py extends its
# __path__), so no install is needed for the suite; one test also runs a real
# `pip install .` into a throw-away venv. `make python-stubs` regenerates the
# committed .pyi files from the operation table.
PYTHON_CMAKE_BUILD ?= $(BUILD)/python-cmake

.PHONY: build-python python-stubs
BUILD_TARGETS += build-python
build-python:
	cmake -S . -B $(PYTHON_CMAKE_BUILD) -DLIGHT_BUILD_PYTHON=ON -DLIGHT_INSTALL=OFF -DCMAKE_BUILD_TYPE=Release \
	  -DPython3_EXECUTABLE=$$($(PYTHON) -c 'import sys; print(sys.executable)') \
	  -DLIGHT_PYTHON_OUTPUT_DIR=$(abspath $(BUILD))/python -DLIGHT_WERROR=$${LIGHT_WERROR:-ON} $(CMAKE_FLAGS) >/dev/null
	cmake --build $(PYTHON_CMAKE_BUILD) -j$(JOBS) --target light_python

python-stubs: build-python
	$(PYTHON) tools/gen_python_stubs.py --build $(BUILD)

# The same extension with ASan/UBSan (core included), for tests/python/test_sanitizers.py.
PYTHON_ASAN_CMAKE_BUILD ?= $(BUILD)/python-asan-cmake
.PHONY: build-python-asan
BUILD_TARGETS += build-python-asan
build-python-asan:
	cmake -S . -B $(PYTHON_ASAN_CMAKE_BUILD) -DLIGHT_BUILD_PYTHON=ON -DLIGHT_INSTALL=OFF -DLIGHT_SANITIZE=ON \
	  -DCMAKE_BUILD_TYPE=Debug -DPython3_EXECUTABLE=$$($(PYTHON) -c 'import sys; print(sys.executable)') \
	  -DLIGHT_PYTHON_OUTPUT_DIR=$(abspath $(BUILD))/python-asan -DLIGHT_WERROR=$${LIGHT_WERROR:-ON} $(CMAKE_FLAGS) >/dev/null
	cmake --build $(PYTHON_ASAN_CMAKE_BUILD) -j$(JOBS) --target light_python
