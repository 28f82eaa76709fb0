-- Client-agent enrollment: the partner holds the customer's power of attorney
-- and enrolls on their behalf with a service start 7 to 30 days out. The
-- partner records the POA, submits identity, credit check and card, requests
-- plans through the client-agent route, accepts one starting in 10 days and
-- finalizes as client agent. Prints status/status_reason after each step.
--
--   LIGHT_APP_TOKEN=... LIGHT_BASE_URL=http://127.0.0.1:8080 \
--   lua5.4 examples/lua/client_agent.lua [days_until_start (7..30, default 10)]
local light = require "light"

local days = tonumber(arg[1] or "10")

local function fail(what, err)
  print(("  ✗ %s — %s"):format(what, tostring(err)))
  os.exit(1)
end

local function check(what, v, err)
  if v == nil then fail(what, err) end
  return v
end

-- YYYY-MM-DD + n days (calendar arithmetic at noon UTC: no DST edge).
local function add_days(date, n)
  local y, m, d = date:match("^(%d+)-(%d+)-(%d+)$")
  local t = os.time{ year = tonumber(y), month = tonumber(m), day = tonumber(d) + n, hour = 12 }
  return os.date("%Y-%m-%d", t)
end

local client = check("client", light.new{})
local account = check("create account", client.accounts:create{
  email = ("agent+%d-%d@example.com"):format(os.time(), math.random(1, 1e6)),
  first_name = "Katherine", last_name = "Johnson", phone_number = "214-555-0142", date_of_birth = "1978-08-26",
})
local uuid = account.uuid
local acct = check("account client", client:for_account(uuid))
print("account " .. uuid)

local function status(what)
  local a = check(what, acct:retrieve())
  print(("  ✓ %s — %s/%s"):format(what, a.status, a.status_reason))
  return a
end

local poa = check("power of attorney", client.accounts:record_client_agent(uuid, {}))
if poa.client_agent_accepted ~= true then fail("power of attorney", "client_agent_accepted is not true") end
status("power of attorney")

check("identity", acct.enroll:update_identity{})
check("credit check", acct.enroll:credit_check{ ssn = "123456789", consent = true })
check("payment method", acct.billing:ensure_payment_method_added{ payment_method_id = "pm_card_visa" })
status("identity, credit, card")

local hits = check("address", client.enroll:full_address_search{ address_1 = "123 Main St", address_2 = "Apt 2",
                                                                   postal_code = "75201" })
if #hits == 0 then fail("address", "no service point found") end
local esi_id = hits[1].esi_id

-- The account-scoped app route prices plans for a client-agent start window.
local plans = check("plans", client.accounts:request_plans(uuid, { esi_id = esi_id })).plans
local plan = plans[1]
print(("window %s %s"):format(plan.earliest_start_date, plan.latest_start_date))

-- The window opens 7 days from today: today = earliest - 7.
local start = add_days(plan.earliest_start_date, days - 7)
if start < plan.earliest_start_date or start > plan.latest_start_date then
  fail("accept plan", ("start %s is outside %s..%s"):format(start, plan.earliest_start_date, plan.latest_start_date))
end
check("accept plan", acct.enroll:accept_plan{ plan_uuid = plan.uuid, esi_id = esi_id,
                                              service_start_date = start, terms_accepted = true })
status("accept plan")

local _, err = acct.enroll:finalize{ is_client_agent_enrollment = true }
if err then fail("finalize", err) end
status("finalize")
local loc = check("location", acct:retrieve()).locations[1]
local current = check("plan", acct.locations:plan(loc.uuid))
print(("scheduled %s %s %s"):format(plan.name, start, current.uuid))
client:close()
