-- Shared helpers of the busted suites: the emulator's address and tokens
-- (from the env the pytest wrapper passes: sandbox.env()) and its admin API,
-- reached with the SDK's own raw escape hatch (client:request).
local light = require "light"

local H = {}

H.url = assert(os.getenv("LIGHT_SANDBOX_URL"), "LIGHT_SANDBOX_URL not set (run through tests/lua/test_lua_suite.py)")
H.app_token = assert(os.getenv("LIGHT_SANDBOX_APP_TOKEN"), "LIGHT_SANDBOX_APP_TOKEN not set")
H.webhook_secret = os.getenv("LIGHT_SANDBOX_WEBHOOK_SECRET")
H.ESI = "10443720000000001"
H.is_jit = type(jit) == "table"

-- An app client with quick retries (tests never wait long for backoff).
function H.client(opts)
  local o = { app_token = H.app_token, base_url = H.url, retry_base = 0.01, retry_max = 0.05, timeout = 20 }
  for k, v in pairs(opts or {}) do o[k] = v end
  return assert(light.new(o))
end

local admin_client
function H.admin(method, path, body)
  admin_client = admin_client or H.client{ max_retries = 0 }
  local v, err = admin_client:request(method, "/_sandbox/" .. path, body ~= nil and { body = body } or nil)
  assert(v, "sandbox admin " .. method .. " " .. path .. ": " .. tostring(err))
  return v
end

function H.journal() return H.admin("GET", "requests") end
function H.clear_journal() return H.admin("DELETE", "requests") end
function H.fault(spec) return H.admin("POST", "faults", spec) end
function H.clear_faults() return H.admin("DELETE", "faults") end
function H.advance_clock(s) return H.admin("POST", "clock", { advance = s }) end
function H.set_clock(t) return H.admin("POST", "clock", { set = t }) end
function H.clock() return H.admin("GET", "clock") end
function H.config(kw) return H.admin("POST", "config", kw) end
function H.events() return H.admin("GET", "events") end

-- What the pytest clean_sandbox fixture does.
function H.clean()
  H.clear_faults()
  H.admin("DELETE", "config")
  H.admin("POST", "clock", { reset = true })
  H.admin("DELETE", "webhooks?pending=1")
  H.admin("DELETE", "events")
  H.clear_journal()
end

-- Journal entries matching method and a Lua pattern on the path.
function H.count(journal, method, pattern)
  local n = 0
  for _, e in ipairs(journal) do
    if e.method == method and e.path:match(pattern) then n = n + 1 end
  end
  return n
end

local seq = 0
function H.email(tag)
  seq = seq + 1
  return ("%s-%d-%d-%s@example.com"):format(tag or "lua", os.time(), seq, H.is_jit and "jit" or "54")
end

-- A fresh account and its account client.
function H.new_account(client, fields)
  local body = { email = H.email("acct"), first_name = "Ada", last_name = "Lovelace",
    phone_number = "214-555-0100", date_of_birth = "1990-01-01" }
  for k, v in pairs(fields or {}) do body[k] = v end
  local acct = assert(client.accounts:create(body))
  return acct, assert(client:for_account(acct.uuid))
end

function H.status(acct_client)
  local a = assert(acct_client:retrieve())
  return a.status .. "/" .. a.status_reason
end

-- Today's date (YYYY-MM-DD) in the emulator's clock, in America/Chicago.
function H.today()
  local c = H.clock()
  return c.today or c.date
end

return H
