-- light-sdk quickstart in Lua: app client → account → enrollment lookups →
-- account client (token minted by the SDK) → webhook sign/verify.
--   LIGHT_APP_TOKEN=... LIGHT_BASE_URL=http://127.0.0.1:8080 lua5.4 examples/lua/quickstart.lua
local light = require "light"

local function step(name, detail) print("  ✓ " .. name .. (detail and (" — " .. tostring(detail)) or "")) end
local function must(v, err)
  if v == nil then error(tostring(err), 2) end
  return v
end

local client = must(light.new{ app_token = os.getenv("LIGHT_APP_TOKEN"), base_url = os.getenv("LIGHT_BASE_URL") })
local acct = must(client.accounts:create{ email = "quickstart+" .. os.time() .. math.random(1e6) .. "@example.com",
                                          first_name = "Ada", last_name = "Lovelace" })
step("create account", acct.uuid)
local elig = must(client.enroll:eligibility{ postal_code = "75201" })
step("check eligibility", "likelihood " .. tostring(elig.eligibility_likelihood))
local hits = must(client.enroll:full_address_search{ address_1 = "123 Main St", postal_code = "75201" })
step("full address search", "ESI ID " .. hits[1].esi_id)
local plans = must(client.accounts:request_plans(acct.uuid, { esi_id = hits[1].esi_id })).plans
step("request plans", #plans .. " plans, first: " .. plans[1].name .. " at " .. plans[1].energy_rate .. "¢/kWh")
local me = must(client:for_account(acct.uuid):retrieve())
step("account client (token minted and cached by the SDK)", me.status .. "/" .. me.status_reason)
local secret = os.getenv("LIGHT_WEBHOOK_SECRET") or "whsec_demo"
local payload = '{"uuid":"e1","created_at":"2026-01-01T00:00:00Z","api_version":"v1","event":"enrollment.finalized","data":{}}'
local event = must(light.webhooks.verify(payload, must(light.webhooks.sign(payload, secret)), secret))
step("webhook sign + verify", event.event)
client:close()
