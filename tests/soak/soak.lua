-- Soak driver for the Lua binding, Lua 5.4 and LuaJIT (tests/soak/test_soak.py,
-- `make soak`). The workload of tests/soak/soak_c.c on one thread: REQUESTS
-- blocking calls (60 % accounts:retrieve(uuid), 30 % the account client's
-- retrieve(), 10 % a 404 that must answer nil, NotFoundError), then VERIFIES
-- webhooks.verify calls (10 % signed with another secret: nil,
-- signature_mismatch). The first 10 % of both is warm-up; after it and at the
-- end: a full collectgarbage(), then RSS from /proc/self/statm and the Lua
-- heap (collectgarbage("count")). Prints one JSON line; exits 0 only when
-- every call had its expected outcome.
local light = require "light"

local MISSING = "a1b2c3d4-5678-90ab-cdef-1234567890ab"
local PAYLOAD = '{"uuid":"0b7f0c56-3c1e-4b8e-9f5e-1f2d3c4b5a69","created_at":"2026-01-01T00:00:00Z",'
  .. '"api_version":"v1","event":"enrollment.finalized",'
  .. '"data":{"account":{"uuid":"a","status":"reviewing","status_reason":"verification_pending"}}}'

local url = assert(os.getenv("LIGHT_SANDBOX_URL"), "LIGHT_SANDBOX_URL not set")
local token = assert(os.getenv("LIGHT_SANDBOX_APP_TOKEN"), "LIGHT_SANDBOX_APP_TOKEN not set")
local uuid = assert(os.getenv("LIGHT_SOAK_ACCOUNT"), "LIGHT_SOAK_ACCOUNT not set")
local n_req = tonumber(os.getenv("LIGHT_SOAK_REQUESTS") or "100000")
local n_ver = tonumber(os.getenv("LIGHT_SOAK_VERIFIES") or "1000000")
local PAGE = tonumber(os.getenv("LIGHT_SOAK_PAGE_SIZE") or "4096")

local function rss()
  local f = assert(io.open("/proc/self/statm"))
  local line = f:read("*l")
  f:close()
  local resident = line:match("^%d+ (%d+)")
  return tonumber(resident) * PAGE
end

local function sample()
  collectgarbage("collect")
  collectgarbage("collect")
  return rss(), math.floor(collectgarbage("count") * 1024)
end

local c = { ok = 0, expected_errors = 0, failed = 0, verified = 0, verify_rejected = 0, verify_failed = 0 }
local function fail(what)
  if c.failed + c.verify_failed < 5 then io.stderr:write(what, "\n") end
end

local function requests(app, acct, from, to)
  for i = from, to - 1 do
    local kind = i % 10
    local v, err
    if kind < 6 then
      v, err = app.accounts:retrieve(uuid)
    elseif kind < 9 then
      v, err = acct:retrieve()
    else
      v, err = app.accounts:retrieve(MISSING)
    end
    if kind < 9 and v and v.uuid == uuid then
      c.ok = c.ok + 1
    elseif kind == 9 and v == nil and err and err.kind == "NotFoundError" and err.status == 404 then
      c.expected_errors = c.expected_errors + 1
    else
      fail(("request %d: %s"):format(i, tostring(err or (v and v.uuid))))
      c.failed = c.failed + 1
    end
  end
end

local function verifies(good, bad, secret, from, to)
  local verify = light.webhooks.verify
  for j = from, to - 1 do
    if j % 10 == 9 then
      local ev, err = verify(PAYLOAD, bad, secret)
      if ev == nil and err and err.reason == "signature_mismatch" then
        c.verify_rejected = c.verify_rejected + 1
      else
        fail(("verify %d: %s"):format(j, tostring(err)))
        c.verify_failed = c.verify_failed + 1
      end
    else
      local ev = verify(PAYLOAD, good, secret)
      if ev and ev.event == "enrollment.finalized" then
        c.verified = c.verified + 1
      else
        c.verify_failed = c.verify_failed + 1
      end
    end
  end
end

local now = os.time()
local secret = "whsec_soak_secret"
local good = assert(light.webhooks.sign(PAYLOAD, secret, now))
local bad = assert(light.webhooks.sign(PAYLOAD, "whsec_other", now))
local app = assert(light.new{ app_token = token, base_url = url, timeout = 30 })
local acct = assert(app:for_account(uuid))
local warm_req, warm_ver = math.floor(n_req / 10), math.floor(n_ver / 10)
local clock = os.clock

local t0 = clock()
requests(app, acct, 0, warm_req)
verifies(good, bad, secret, 0, warm_ver)
local rss_warm, heap_warm = sample()
local t1 = clock()
requests(app, acct, warm_req, n_req)
verifies(good, bad, secret, warm_ver, n_ver)
local t2 = clock()
local rss_end, heap_end = sample()
acct:close()
app:close()

local runtime = type(jit) == "table" and "luajit" or "lua5.4"
print(('{"language": "%s", "threads": 1, "requests": %d, "ok": %d, "expected_errors": %d, "failed": %d, '
  .. '"verifies": %d, "verified": %d, "verify_rejected": %d, "verify_failed": %d, "rss_warm": %d, "rss_end": %d, '
  .. '"lua_heap_warm": %d, "lua_heap_end": %d, "cpu_seconds_warm": %.2f, "cpu_seconds_main": %.2f}')
  :format(runtime, n_req, c.ok, c.expected_errors, c.failed, n_ver, c.verified, c.verify_rejected, c.verify_failed,
    rss_warm, rss_end, heap_warm, heap_end, t1 - t0, t2 - t1))
io.stdout:flush()
local good_counts = c.failed == 0 and c.verify_failed == 0 and c.ok + c.expected_errors == n_req
  and c.verified + c.verify_rejected == n_ver
os.exit(good_counts and 0 or 1)
