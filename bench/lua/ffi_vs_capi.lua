-- LuaJIT only: webhook verification + event parsing through the LuaJIT FFI
-- (calling liblight.so's public C API and walking the cJSON tree from Lua)
-- against the Lua C API module (light.core, what light.webhooks uses).
-- Reports µs/op; the faster one is what the SDK ships (docs/lua.md).
--   LUA_PATH=... LUA_CPATH=... LIGHT_LIB=build/liblight.so luajit bench/lua/ffi_vs_capi.lua [iterations]
local ffi = require "ffi"
local light = require "light"

local N = tonumber(arg and arg[1]) or 200000
local SECRET = "whsec_bench_secret"
local pad = ("x"):rep(2048 - 120)
local body = '{"uuid":"evt_bench","created_at":"2024-01-01T00:00:00Z","api_version":"v1","event":"account.invoice_sent",'
  .. '"data":{"pad":"' .. pad .. '"}}'
local now = os.time()
local sig = light.webhooks.sign(body, SECRET, now)

ffi.cdef [[
typedef struct cJSON { struct cJSON *next, *prev, *child; int type; char *valuestring; int valueint;
                       double valuedouble; char *string; } cJSON;
void cJSON_Delete(cJSON *item);
typedef struct light_error { int code; int kind; int http_status; int retries; int signature_reason; char *message;
                             char *request_id; char *body; size_t body_len; char *headers; size_t headers_len;
                             double retry_after; const char *param; } light_error;
int light_webhook_verify(const void *payload, size_t payload_len, const char *header, const char *const *secrets,
                         size_t n_secrets, int64_t tolerance_s, int64_t now, light_error *err);
int light_webhook_construct_event(const void *payload, size_t payload_len, const char *header,
                                  const char *const *secrets, size_t n_secrets, int64_t tolerance_s, int64_t now,
                                  cJSON **out, light_error *err);
void light_error_clear(light_error *err);
]]
local lib = ffi.load(os.getenv("LIGHT_LIB") or "build/liblight.so")
local cjson = ffi.load("cjson")
local secrets = ffi.new("const char *[1]", { SECRET })
local errbuf = ffi.new("light_error")
local outp = ffi.new("cJSON *[1]")

local cJSON_False, cJSON_True, cJSON_NULL, cJSON_Number, cJSON_String, cJSON_Array, cJSON_Object = 1, 2, 4, 8, 16, 32, 64
local function to_lua(j)
  local t = bit.band(j.type, 0xff)
  if t == cJSON_String then return ffi.string(j.valuestring) end
  if t == cJSON_Number then return j.valuedouble end
  if t == cJSON_True then return true end
  if t == cJSON_False then return false end
  if t == cJSON_NULL then return light.null end
  local r, c, i = {}, j.child, 0
  if t == cJSON_Array then
    while c ~= nil do i = i + 1; r[i] = to_lua(c); c = c.next end
  else
    while c ~= nil do r[ffi.string(c.string)] = to_lua(c); c = c.next end
  end
  return r
end

local function ffi_verify()
  local rc = lib.light_webhook_construct_event(body, #body, sig, secrets, 1, 3600, now, outp, errbuf)
  if rc ~= 0 then lib.light_error_clear(errbuf); return nil end
  local ev = to_lua(outp[0])
  cjson.cJSON_Delete(outp[0])
  return ev
end
local function ffi_verify_signature()
  local rc = lib.light_webhook_verify(body, #body, sig, secrets, 1, 3600, now, errbuf)
  if rc ~= 0 then lib.light_error_clear(errbuf); return nil end
  return true
end
local opts = { now = now }
local function capi_verify() return light.webhooks.verify(body, sig, SECRET, opts) end
local function capi_verify_signature() return light.webhooks.verify_signature(body, sig, SECRET, opts) end

assert(ffi_verify().event == "account.invoice_sent" and capi_verify().event == "account.invoice_sent")
assert(ffi_verify_signature() and capi_verify_signature())

local function bench(name, fn)
  for _ = 1, 2000 do fn() end
  local t0 = os.clock()
  for _ = 1, N do fn() end
  local us = (os.clock() - t0) / N * 1e6
  print(("%-34s %8.2f us/op  (%d ops, %d-byte body, %s)"):format(name, us, N, #body, jit.version))
  return us
end
bench("verify + parse, Lua C API", capi_verify)
bench("verify + parse, FFI", ffi_verify)
bench("verify_signature, Lua C API", capi_verify_signature)
bench("verify_signature, FFI", ffi_verify_signature)
