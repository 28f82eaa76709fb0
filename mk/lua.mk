# Lua binding: bindings/lua/ compiled twice (Lua 5.4 and LuaJIT 2.1) into
# $(BUILD)/lua/5.4/light/core.so and $(BUILD)/lua/jit/light/core.so, from
# the top-level CMake configured with -DLIGHT_BUILD_LUA=ON in its own build
# directory. tests/lua/ (busted + nginx) load the modules from there.
LUA_CMAKE_BUILD ?= $(BUILD)/lua-cmake

.PHONY: build-lua
BUILD_TARGETS += build-lua
build-lua:
	cmake -S . -B $(LUA_CMAKE_BUILD) -DLIGHT_BUILD_LUA=ON -DLIGHT_INSTALL=OFF \
	  -DLIGHT_LUA_OUTPUT_DIR=$(abspath $(BUILD))/lua -DLIGHT_WERROR=$${LIGHT_WERROR:-ON} $(CMAKE_FLAGS) >/dev/null
	cmake --build $(LUA_CMAKE_BUILD) -j$(JOBS) --target light_lua54 light_luajit
