-- Secret-scan journey in Lua 5.4 / LuaJIT (tests/secrets/test_secret_scan.py
-- runs it with LIGHT_LOG=debug): the same steps as driver.py, printing
-- tostring() and a full dump (every field, metatables' __index tables) of
-- every client, response and error.
local light = require "light"

local SSN = os.getenv("SECRETSCAN_SSN")
local SSN_DIGITS = SSN:gsub("-", "")
local failures = 0

local function dump(v, depth, seen)
  depth, seen = depth or 0, seen or {}
  local t = type(v)
  if t == "string" then return string.format("%q", v) end
  if t ~= "table" then return tostring(v) end
  if seen[v] or depth > 6 then return "<" .. tostring(v) .. ">" end
  seen[v] = true
  local keys = {}
  for k in pairs(v) do keys[#keys + 1] = k end
  table.sort(keys, function(a, b) return tostring(a) < tostring(b) end)
  local parts = {}
  for _, k in ipairs(keys) do parts[#parts + 1] = tostring(k) .. "=" .. dump(v[k], depth + 1, seen) end
  local mt = getmetatable(v)
  if type(mt) == "table" then parts[#parts + 1] = "<mt>=" .. dump(mt, depth + 1, seen) end
  return "{" .. table.concat(parts, ", ") .. "}"
end

local function show(label, v)
  print(label .. ": tostring=" .. tostring(v))
  print(label .. ": dump=" .. dump(v))
end

local function must(label, v, err)
  if v == nil then
    show(label .. " unexpected error", err)
    os.exit(1)
  end
  show(label, v)
  return v
end

local function expect_error(label, kind, v, err)
  if v ~= nil then
    print(label .. ": no error")
    failures = failures + 1
    return
  end
  show(label, err)
  io.stderr:write(tostring(err), "\n")
  if type(err) ~= "table" or err.kind ~= kind then
    print(label .. ": wrong kind " .. tostring(type(err) == "table" and err.kind))
    failures = failures + 1
  end
end

local client = must("app client", light.new{})
local acct = must("account", client.accounts:create{
  email = "secretscan+lua" .. os.time() .. math.random(1e6) .. "@example.com", first_name = "Ada",
  last_name = "Lovelace", phone_number = "214-555-0100", date_of_birth = "1985-12-10" })
print("account uuid: " .. acct.uuid)
local ac = must("account client", client:for_account(acct.uuid))
must("retrieve", ac:retrieve())
must("identity", ac.enroll:update_identity{ first_name = "Ada", ssn_last4 = SSN:sub(-4) })
must("credit_check dashed", ac.enroll:credit_check{ ssn = SSN, consent = true })
must("credit_check digits", ac.enroll:credit_check{ ssn = SSN_DIGITS, consent = true })
expect_error("422 error", "UnprocessableEntityError", ac.enroll:credit_check{ ssn = SSN_DIGITS, consent = false })
local bad_app = must("wrong app client", light.new{ app_token = os.getenv("SECRETSCAN_WRONG_APP_TOKEN"), max_retries = 0 })
expect_error("401 app error", "AuthenticationError", bad_app.accounts:list())
local bad_acct = must("wrong account client",
  light.new{ account_token = os.getenv("SECRETSCAN_WRONG_ACCOUNT_TOKEN"), max_retries = 0 })
expect_error("401 account error", "AuthenticationError", bad_acct:retrieve())
local ok, crlf_err = light.new{ account_token = os.getenv("SECRETSCAN_CRLF_TOKEN") }
if ok then
  print("crlf token error: accepted")
  failures = failures + 1
else
  show("crlf token error", crlf_err)
end

local secret = os.getenv("LIGHT_WEBHOOK_SECRET")
local payload = light.json.encode{ uuid = "evt_1", created_at = "2026-01-01T00:00:00Z", api_version = "v1",
  event = "enrollment.identity_updated", data = { account = { uuid = acct.uuid } } }
local sig = must("signature", light.webhooks.sign(payload, secret))
must("webhook event", light.webhooks.verify(payload, sig, secret))
expect_error("signature error", "SignatureVerificationError",
  light.webhooks.verify(payload, sig, "whsec_wrong_0000000000000000"))
bad_app:close()
bad_acct:close()
client:close()
if failures > 0 then
  print("driver.lua: " .. failures .. " unexpected outcomes")
  os.exit(1)
end
print("SECRETSCAN-DONE lua")
