-- light-sdk journey in Lua (Lua 5.4 and LuaJIT): a customer from sign-up to an
-- active account with usage, invoices, documents, renewal, a bill comparison and
-- the webhooks it caused, verified. The same 16 steps exist in every language.
--
--   LIGHT_APP_TOKEN=... LIGHT_BASE_URL=http://127.0.0.1:8080 \
--   LIGHT_WEBHOOK_SECRET=whsec_... LIGHT_RECEIVER_URL=http://127.0.0.1:8081/webhooks \
--   lua5.4 examples/lua/journey.lua            (or luajit)
--
-- LIGHT_RECEIVER_URL is the emulator's webhook receiver (`python -m light_sandbox
-- --receiver`): a GET lists the deliveries it got. Prints "  ✓ <step> — <figure>"
-- per step; on the first failure "  ✗ <step> — <error>" and exit status 1.
local light = require "light"

local function getenv(name)
  local v = os.getenv(name)
  if v == nil or v == "" then return nil end
  return v
end

-- Plain Lua has no sleep; the POSIX sleep(1) utility accepts fractions.
local function sleep(seconds)
  os.execute(("sleep %.2f"):format(seconds))
end

-- Run one step: fn returns the key figure, or raises with a message.
local function step(name, fn)
  local ok, figure = pcall(fn)
  if not ok then
    print("  ✗ " .. name .. " — " .. tostring(figure))
    io.stdout:flush()
    os.exit(1)
  end
  print("  ✓ " .. name .. " — " .. tostring(figure))
  io.stdout:flush()
  return figure
end

-- value, err → value, or raise with the SDK's error text (kind, status, request id).
local function must(v, err)
  if v == nil or v == false then error(tostring(err), 0) end
  return v
end

local function expect(cond, message)
  if not cond then error(message, 0) end
end

local secret = getenv("LIGHT_WEBHOOK_SECRET")
local receiver_url = getenv("LIGHT_RECEIVER_URL")
local client, acct, uuid, esi_id, plan, loc

step("create account", function()
  client = must(light.new{ app_token = getenv("LIGHT_APP_TOKEN"), base_url = getenv("LIGHT_BASE_URL") })
  local a = must(client.accounts:create{
    email = ("journey+%d-%d@example.com"):format(os.time(), math.random(1, 1e6)),
    first_name = "Ada", last_name = "Lovelace", phone_number = "214-555-0100", date_of_birth = "1990-01-01",
  })
  uuid = a.uuid
  -- The account client: its account token is minted, cached and refreshed by the SDK.
  acct = must(client:for_account(uuid))
  return uuid
end)

step("check eligibility", function()
  local e = must(client.enroll:eligibility{ postal_code = "75201" })
  return "likelihood " .. tostring(e.eligibility_likelihood)
end)

step("search address", function()
  local hits = must(client.enroll:full_address_search{ address_1 = "123 Main St", address_2 = "Apt 1",
                                                       postal_code = "75201" })
  expect(#hits > 0, "no service point at 123 Main St Apt 1, 75201")
  esi_id = hits[1].esi_id
  return "ESI ID " .. esi_id
end)

step("request plans", function()
  local plans = must(client.enroll:request_plans{ esi_id = esi_id, account_uuid = uuid }).plans
  expect(#plans > 0, "no plans offered")
  plan = plans[1]
  return ("%d plans, %s at %s¢/kWh"):format(#plans, plan.name, plan.energy_rate)
end)

local function status_of(a) return a.status .. "/" .. a.status_reason end

step("accept plan", function()
  must(acct.enroll:accept_plan{ plan_uuid = plan.uuid, esi_id = esi_id,
                                service_start_date = plan.earliest_start_date, terms_accepted = true })
  return plan.name .. ", starting " .. plan.earliest_start_date
end)

step("submit identity", function()
  must(acct.enroll:update_identity{ ssn_last4 = "6789" })
  return status_of(must(acct:retrieve()))
end)

step("credit check", function()
  must(acct.enroll:credit_check{ ssn = "123-45-6789", consent = true })
  return status_of(must(acct:retrieve()))
end)

step("add payment method", function()
  local session = must(acct.billing:create_payment_session())
  expect(type(session.client_secret) == "string", "payment session without client_secret")
  -- In an app, Stripe.js confirms the SetupIntent with session.client_secret; then:
  local a = must(acct.billing:ensure_payment_method_added{ payment_method_id = "pm_card_visa" })
  expect(a.enrollment.can_finalize_enrollment == true, "cannot finalize yet: " .. status_of(a))
  local pm = must(acct.billing:payment_method())
  return pm.card_brand .. " •••• " .. pm.card_last4
end)

step("finalize enrollment", function()
  must(acct.enroll:finalize{})
  return status_of(must(acct:retrieve()))
end)

step("activate (sandbox)", function()
  must(acct.sandbox:seed_demo_data())
  local a = must(acct:retrieve())
  expect(a.status == "active", "not active after seeding: " .. status_of(a))
  expect(#a.locations > 0, "active account without a location")
  loc = a.locations[1].uuid
  return status_of(a)
end)

step("usage", function()
  -- Last complete month (usage is visible up to yesterday) and its year.
  local now = os.date("*t")
  local y, m = now.year, now.month - 1
  if m == 0 then y, m = y - 1, 12 end
  local monthly = must(acct.locations.usage:monthly(loc, { year = y }))
  local daily = must(acct.locations.usage:daily(loc, { month = m, year = y }))
  local iv = must(acct.locations.usage:intervals(loc, { month = m, year = y }))
  expect(#daily.days > 0 and #iv.intervals > 0, ("no usage for %d-%02d"):format(y, m))
  return ("%d months, %d days, %d intervals of %d min"):format(#monthly.months, #daily.days, #iv.intervals,
                                                                 iv.interval_minutes)
end)

step("invoices", function()
  -- Page by page: the SDK computes the next page's query (meta.next_query).
  local n, pages, query = 0, 0, { limit = 10 }
  while query do
    local page, err, meta = acct.billing.invoices:list(query)
    must(page, err)
    pages = pages + 1
    n = n + #page.data
    query = meta.next_query
  end
  -- The same walk with the lazy iterator over every item of every page:
  local m = 0
  for inv, err in acct.billing.invoices:each{ limit = 10 } do
    must(inv, err)
    m = m + 1
  end
  expect(m == n, ("each() saw %d invoices, the page walk %d"):format(m, n))
  return ("%d invoices across %d pages"):format(n, pages)
end)

local contract_end
step("documents", function()
  local docs = must(acct.locations:documents(loc))
  contract_end = docs.contract_end
  return "contract ends " .. tostring(contract_end)
end)

step("renewal plans", function()
  local plans = must(acct.locations.renewal_plans:request(loc)).plans
  expect(#plans > 0, "no renewal plans offered")
  local earliest = plans[1].earliest_start_date
  for _, p in ipairs(plans) do
    if p.earliest_start_date < earliest then earliest = p.earliest_start_date end
  end
  return ("%d plans from %s"):format(#plans, earliest)
end)

step("comparison", function()
  local pdf = "%PDF-1.4\n1 0 obj <<>> endobj\nESI ID: 10443720000000001\n%%EOF\n"
  local ci = must(acct.comparison_invoice:upload{ file = pdf, filename = "bill.pdf", content_type = "application/pdf" })
  local cur = ci
  for _ = 1, 100 do -- up to ~20 s
    if cur.status ~= "pending" then break end
    sleep(0.2)
    cur = must(acct.comparison_invoice:retrieve{ uuid = ci.uuid })
  end
  expect(cur.status == "processed", "comparison invoice still " .. tostring(cur.status))
  expect(cur.processing_error == nil or cur.processing_error == light.null,
         "processing error: " .. tostring(cur.processing_error))
  local cmp = must(acct.comparison_invoice:simple_compare{ plan_group = plan.plan_group_uuid, uuid = ci.uuid })
  return cmp.plan_comparison.name
end)

step("webhooks", function()
  expect(receiver_url, "LIGHT_RECEIVER_URL is not set")
  expect(secret, "LIGHT_WEBHOOK_SECRET is not set")
  -- The receiver is not the Light API: a second client on its origin, used only
  -- through the raw escape hatch. Its token is a placeholder (the receiver ignores
  -- Authorization), so no credential leaves for it.
  local origin, path = receiver_url:match("^(https?://[^/]+)(/.*)$")
  if not origin then origin, path = receiver_url, "/" end
  local rx = must(light.new{ app_token = "receiver-needs-no-token", base_url = origin, max_retries = 0 })
  local ours
  for _ = 1, 50 do -- poll up to ~10 s
    local list = must(rx:request("GET", path))
    ours = {}
    for _, d in ipairs(list) do
      if type(d.body) == "string" and d.body:find(uuid, 1, true) then
        local ev = light.webhooks.parse_event(d.body)
        if ev and type(ev.data) == "table" and light.json.encode(ev.data):find(uuid, 1, true) then
          ours[#ours + 1] = d
        end
      end
    end
    -- service_active and comparison_invoice.processed are the last events the steps cause
    local names = {}
    for _, d in ipairs(ours) do names[d.event] = true end
    if names["location.service_active"] and names["comparison_invoice.processed"] then break end
    sleep(0.2)
  end
  rx:close()
  expect(#ours > 0, "no deliveries for account " .. uuid)
  local verified, names, seen = 0, {}, {}
  for _, d in ipairs(ours) do
    local sig = d.signature ~= light.null and d.signature or nil
    local event, err = light.webhooks.verify(d.body, sig, secret)
    expect(event, ("delivery %s failed verification: %s"):format(tostring(d.event), tostring(err)))
    verified = verified + 1
    if not seen[event.event] then
      seen[event.event] = true
      names[#names + 1] = event.event
    end
  end
  return ("%d received, %d verified: %s"):format(#ours, verified, table.concat(names, ", "))
end)

client:close()
