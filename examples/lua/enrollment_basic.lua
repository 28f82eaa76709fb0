-- Basic enrollment: a customer signs up on the partner's site, finds their
-- address, picks a plan, gives identity, credit-check consent and a card, and
-- the enrollment is finalized. Prints the account's status/status_reason after
-- every step (what a sign-up page would show) and exits 1 on the first error.
--
--   LIGHT_APP_TOKEN=... LIGHT_BASE_URL=http://127.0.0.1:8080 \
--   lua5.4 examples/lua/enrollment_basic.lua ["123 Main St" "Apt 1" 75201]
local light = require "light"

local address_1, address_2, postal_code = arg[1] or "123 Main St", arg[2] or "Apt 1", arg[3] or "75201"

local function fail(what, err)
  print(("  ✗ %s — %s"):format(what, tostring(err)))
  os.exit(1)
end

-- value, err → value (or report and exit)
local function check(what, v, err)
  if v == nil then fail(what, err) end
  return v
end

local client = check("client", light.new{})  -- LIGHT_APP_TOKEN, LIGHT_BASE_URL from the environment

local account = check("create account", client.accounts:create{
  email = ("enroll+%d-%d@example.com"):format(os.time(), math.random(1, 1e6)),
  first_name = "Grace", last_name = "Hopper", phone_number = "214-555-0199", date_of_birth = "1985-12-09",
})
local acct = check("account client", client:for_account(account.uuid))

local function status(what)
  local a = check(what, acct:retrieve())
  print(("  ✓ %s — %s/%s"):format(what, a.status, a.status_reason))
  return a
end

print("account " .. account.uuid)
status("created")

local elig = check("eligibility", client.enroll:eligibility{ postal_code = postal_code })
if (tonumber(elig.eligibility_likelihood) or 0) <= 0 then fail("eligibility", "no retail choice in " .. postal_code) end

local hits = check("address", client.enroll:full_address_search{ address_1 = address_1, address_2 = address_2,
                                                                   postal_code = postal_code })
if #hits == 0 then fail("address", "no service point found") end
local esi_id = hits[1].esi_id
print("esi_id " .. esi_id)

local plans = check("plans", client.enroll:request_plans{ esi_id = esi_id, account_uuid = account.uuid }).plans
-- The cheapest energy rate wins (rates are decimal strings: compare as numbers, print as given).
local plan = plans[1]
for _, p in ipairs(plans) do
  if tonumber(p.energy_rate) < tonumber(plan.energy_rate) then plan = p end
end
print(("plan %s %s %s"):format(plan.uuid, plan.energy_rate, plan.name))

check("accept plan", acct.enroll:accept_plan{ plan_uuid = plan.uuid, esi_id = esi_id,
                                              service_start_date = plan.earliest_start_date, terms_accepted = true })
status("accept plan")

check("identity", acct.enroll:update_identity{ ssn_last4 = "6789" })
status("identity")

check("credit check", acct.enroll:credit_check{ ssn = "123-45-6789", consent = true })
status("credit check")

check("payment session", acct.billing:create_payment_session())
check("payment method", acct.billing:ensure_payment_method_added{ payment_method_id = "pm_card_mastercard" })
local a = status("payment method")

-- finalize is refused (422) unless enrollment.can_finalize_enrollment
if a.enrollment.can_finalize_enrollment ~= true then fail("finalize", "enrollment cannot be finalized yet") end
local _, err = acct.enroll:finalize{}
if err then fail("finalize", err) end
a = status("finalize")
print(("finalized %s start %s"):format(tostring(a.enrollment.is_enrollment_finalized), plan.earliest_start_date))
client:close()
