-- luarocks make            (from the repository root) builds and installs
-- `light` (Lua), `light.nginx` (Lua) and `light.core` (C: the binding plus
-- the C core, statically). Needs libcurl, OpenSSL and cJSON development files
-- (Debian: libcurl4-openssl-dev libssl-dev libcjson-dev).
-- Lua 5.4:      luarocks --lua-version=5.4 make
-- LuaJIT/nginx: luarocks --lua-version=5.1 make LUA_INCDIR=/usr/include/luajit-2.1
-- (luarocks also copies everything under lua/, so lua/examples/nginx/ lands in
-- share/lua/<v>/examples/nginx/.)
package = "light-sdk"
version = "0.1.0-1"
source = {
  url = "git+file:///light-sdk", -- `luarocks make` builds the checked-out tree; no download
}
description = {
  summary = "Client for the Light electricity API (Lua 5.4, LuaJIT 2.1, nginx)",
  detailed = [[
Every Light API operation as namespaced methods generated from the C core's
operation table, result/err returns, pagination iterators, account-token
management, webhook verification, and an nginx transport that does not block
the worker (subrequests driven by the core's sans-I/O exchange).
]],
  license = "MIT",
}
dependencies = {
  "lua >= 5.1",
}
external_dependencies = {
  CURL = { library = "curl" }, -- header: Debian keeps it in the multiarch include dir
  OPENSSL = { header = "openssl/hmac.h" },
  CJSON = { header = "cjson/cJSON.h" },
}
build = {
  type = "builtin",
  modules = {
    ["light"] = "lua/light/init.lua",
    ["light.nginx"] = "lua/light/nginx.lua",
    ["light.core"] = {
      sources = {
        "bindings/lua/module.c",
        "bindings/lua/client.c",
        "bindings/lua/errors.c",
        "bindings/lua/webhook.c",
        "bindings/lua/exchange.c",
        "bindings/lua/http.c",
        "bindings/lua/convert.c",
        "bindings/lua/decode.c",
        "core/src/client.c",
        "core/src/codec.c",
        "core/src/params.c",
        "core/src/curl_request.c",
        "core/src/engine.c",
        "core/src/error.c",
        "core/src/exchange.c",
        "core/src/http_parser.c",
        "core/src/json_parse.c",
        "core/src/log.c",
        "core/src/operation_table.c",
        "core/src/option_table.c",
        "core/src/pool.c",
        "core/src/rate_limit.c",
        "core/src/record.c",
        "core/src/response.c",
        "core/src/retry.c",
        "core/src/secret.c",
        "core/src/tables.c",
        "core/src/token_cache.c",
        "core/src/transport.c",
        "core/src/version.c",
        "core/src/webhook.c",
      },
      defines = { "_POSIX_C_SOURCE=200809L", "LIGHT_BUILDING=1" },
      incdirs = { "core/include", "core/src", "bindings/lua", "$(OPENSSL_INCDIR)", "$(CJSON_INCDIR)" },
      libdirs = { "$(CURL_LIBDIR)", "$(OPENSSL_LIBDIR)", "$(CJSON_LIBDIR)" },
      libraries = { "curl", "ssl", "crypto", "cjson", "pthread" },
    },
  },
}
