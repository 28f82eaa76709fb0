-- µs per webhook verification of a 2 KB body in the running interpreter
-- (lua5.4 or luajit): light.webhooks.verify (HMAC + JSON parse into Lua
-- tables) and light.webhooks.verify_signature (HMAC only).
--   LUA_PATH=... LUA_CPATH=... luajit bench/lua/verify.lua [iterations]
local light = require "light"

local N = tonumber(arg and arg[1]) or 200000
local SECRET = "whsec_bench_secret"

local function body_2k()
  local pad = ("x"):rep(2048 - 120)
  local b = '{"uuid":"evt_bench","created_at":"2024-01-01T00:00:00Z","api_version":"v1","event":"account.invoice_sent",'
    .. '"data":{"pad":"' .. pad .. '"}}'
  return b
end

local body = body_2k()
local now = os.time()
local sig = light.webhooks.sign(body, SECRET, now)
local opts = { now = now }
assert(light.webhooks.verify(body, sig, SECRET, opts))

local function bench(name, fn)
  for _ = 1, 1000 do fn() end -- warm up (JIT)
  local t0 = os.clock()
  for _ = 1, N do fn() end
  local dt = os.clock() - t0
  print(("%-28s %-20s %8.2f us/op  (%d ops, %d-byte body)"):format(name, light.core.runtime, dt / N * 1e6, N, #body))
end

bench("webhooks.verify", function() return light.webhooks.verify(body, sig, SECRET, opts) end)
bench("webhooks.verify_signature", function() return light.webhooks.verify_signature(body, sig, SECRET, opts) end)
