-- Billing: every invoice of an account (all pages, through the SDK's
-- pagination), what was billed and paid, and the charge lines of the newest
-- invoice, checked to add up to its total. Money arrives as decimal strings
-- and integer cents; sums here are done in integer cents, never floats.
--
--   LIGHT_APP_TOKEN=... LIGHT_BASE_URL=http://127.0.0.1:8080 \
--   lua5.4 examples/lua/billing_invoices.lua [account_uuid]
--
-- Without an account uuid it enrolls a demo account and activates it with the
-- sandbox's seed operation (26 months of invoices) — sandbox only.
-- Output: one "invoice <number> <invoice_date> <period> <total> <state>" line per
-- invoice, newest first; "charges <group> <total>" for the newest; then totals.
local light = require "light"

local function fail(what, err)
  print(("  ✗ %s — %s"):format(what, tostring(err)))
  os.exit(1)
end

local function check(what, v, err)
  if v == nil then fail(what, err) end
  return v
end

-- "123.45" / "-0.50" → cents (integer); nil for anything else.
local function cents(s)
  local sign, whole, frac = tostring(s):match("^(%-?)(%d+)%.(%d%d)$")
  if not whole then return nil end
  local v = tonumber(whole) * 100 + tonumber(frac)
  return sign == "-" and -v or v
end

local function dollars(c)
  local sign = c < 0 and "-" or ""
  c = math.abs(c)
  return ("%s%d.%02d"):format(sign, math.floor(c / 100), c % 100)
end

local client = check("client", light.new{})

-- A demo account, enrolled and activated in the sandbox (examples/lua/demo_account.lua).
local demo_account = dofile((arg[0]:match("^(.*[/\\])") or "./") .. "demo_account.lua")

local uuid, acct = arg[1], nil
if uuid then acct = check("account client", client:for_account(uuid)) else uuid, acct = demo_account(client, check, "billing") end
print("account " .. uuid)

local pm = check("payment method", acct.billing:payment_method())
print(("card %s %s"):format(pm.card_brand, pm.card_last4))

local billed, paid, n, voided, unpaid = 0, 0, 0, 0, 0
local newest
for inv, err in acct.billing.invoices:each{ limit = 10 } do
  if not inv then fail("invoices", err) end
  n = n + 1
  newest = newest or inv
  local total = check("invoice " .. inv.number, inv.total_cents, "no total_cents")
  if cents(inv.total) ~= total then fail("invoice " .. inv.number, "total and total_cents disagree") end
  local state
  if inv.voided_at ~= light.null then
    state, voided = "void", voided + 1
  elseif inv.paid_at ~= light.null then
    state, billed, paid = "paid", billed + total, paid + total
  else
    state, billed, unpaid = "open", billed + total, unpaid + 1
  end
  print(("invoice %s %s %s..%s %s %s"):format(inv.number, inv.invoice_date, inv.billing_period_start,
                                              inv.billing_period_end, inv.total, state))
end
if n == 0 then fail("invoices", "the account has no invoices") end

-- The newest invoice in detail: charge groups, their lines, the payment.
local detail = check("invoice " .. newest.number, acct.billing.invoices:retrieve(newest.number))
local sum = 0
for _, g in ipairs(detail.charges_groups) do
  local lines = 0
  for _, c in ipairs(g.charges) do lines = lines + cents(c.amount) end
  if lines ~= cents(g.total) then fail("charges", g.name .. ": lines do not add up to the group total") end
  sum = sum + cents(g.total)
  print(("charges %s %s"):format(g.name, g.total))
end
if sum ~= detail.total_cents then fail("charges", "groups add up to " .. dollars(sum) .. ", total " .. detail.total) end
print(("newest %s %s kWh %s, payment %s"):format(detail.number, detail.usage.total_kwh, detail.total,
                                                  detail.payment.status))
print(("total %d invoices, %d void, %d open, billed %s, paid %s"):format(n, voided, unpaid, dollars(billed),
                                                                        dollars(paid)))
client:close()
