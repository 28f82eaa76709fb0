-- Every operation of the core's table, once, through the generated
-- namespaced methods; each call is checked in the emulator's journal
-- (method, path, auth kind). Mirrors tests/core/test_client.c.
local light = require "light"
local H = require "helper"

describe("every operation", function()
  local app
  local seen, ok = {}, {}
  local by_ns = {}

  setup(function()
    H.clean()
    H.config{ comparison_processing_delay = 0, usage_profile_delay = 0 }
    app = H.client()
  end)
  teardown(function() H.admin("DELETE", "config") end)

  -- ns path → the namespace object of client c
  local function ns_of(c, ns)
    local node = c
    if ns ~= "" then
      for part in ns:gmatch("[^.]+") do node = node[part] end
    end
    return node
  end

  -- Call op `id` through c.<ns>:<name>(...), check the journal, return the value.
  local function call(c, id, ...)
    local op
    for _, o in ipairs(light.operations) do
      if o.id == id then op = o end
    end
    assert(op, "no operation " .. id)
    H.clear_journal()
    local ns = ns_of(c, op.ns)
    assert.is_function(ns[op.name], id .. ": method missing on the client")
    local value, err, meta = ns[op.name](ns, ...)
    -- expected path: the template with the positional path parameters
    local args, i = { ... }, 0
    local path = op.path:gsub("{[%w_]+}", function()
      i = i + 1
      return tostring(args[i])
    end)
    local j = H.journal()
    local e = j[#j]
    assert.is_table(e, id .. ": nothing reached the emulator")
    assert.are.equal(op.method, e.method, id)
    assert.are.equal(path, e.path, id)
    assert.are.equal(op.auth, e.auth_kind, id)
    seen[id] = true
    assert(value, id .. ": " .. tostring(err))
    ok[id] = true
    assert.are.equal(op.success_status, meta.status, id)
    assert.is_string(meta.request_id)
    return value
  end

  it("answers 2xx for all 49 operations", function()
    local acct = call(app, "create_account", { email = H.email("all-ops"), first_name = "Ada", last_name = "Lovelace",
      phone_number = "214-555-0100", date_of_birth = "1990-01-01" })
    local uuid = acct.uuid
    assert.is_string(uuid)
    local page = call(app, "list_accounts", { limit = 2 })
    assert.is_true(light.is_array(page.data))
    call(app, "get_app_account", uuid)
    local upd = call(app, "update_app_account", uuid, { first_name = "Grace" })
    assert.are.equal("Grace", upd.first_name)
    local tok = call(app, "create_account_token", uuid)
    assert.is_string(tok.token)
    call(app, "create_flow_login", uuid, { scope = "enrollment" })
    call(app, "check_eligibility", { postal_code = "75202" })
    call(app, "app_address_search", { query = "456 Elm" })
    call(app, "full_address_search", { address_1 = "456 Elm St", postal_code = "75202" })
    call(app, "app_request_plans", { esi_id = H.ESI })
    call(app, "plan_benchmarks", { postal_code = "75202" })
    local groups = call(app, "list_plan_groups")
    local plan_group = groups[1] and groups[1].uuid or ""

    -- account token minted by the core: a whole enrollment
    local ac = assert(app:for_account(uuid))
    call(ac, "get_account")
    call(ac, "account_address_search", { query = "456 Elm" })
    call(ac, "esi_id_search", { esi_id = H.ESI })
    local plans = call(ac, "account_request_plans", { esi_id = H.ESI }).plans
    assert.is_string(plans[1].energy_rate) -- money stays a string
    call(ac, "accept_plan", { plan_uuid = plans[1].uuid, esi_id = H.ESI,
      service_start_date = plans[1].earliest_start_date, terms_accepted = true })
    call(ac, "update_identity", {})
    call(ac, "credit_check", { ssn = "123-45-6789", consent = true })
    call(ac, "create_payment_session")
    call(ac, "ensure_payment_method_added", { payment_method_id = "pm_card_visa" })
    call(ac, "get_payment_method")
    call(ac, "finalize_enrollment", {})
    call(ac, "sandbox_seed_demo_data")

    local me = assert(ac:retrieve())
    local loc = me.locations[1].uuid
    local invoices = call(ac, "list_invoices")
    call(ac, "get_invoice", invoices.data[1].number)
    call(ac, "get_billing_address")
    call(ac, "update_billing_address", { address_1 = "1 Billing Way", city = "Dallas", state = "TX", postal_code = "75202" })
    call(ac, "get_location", loc)
    call(ac, "get_location_plan", loc)
    call(ac, "get_location_documents", loc)
    call(ac, "get_all_location_documents", loc)
    call(ac, "get_support_info", loc)
    call(ac, "usage_monthly", loc)
    call(ac, "usage_daily", loc)
    call(ac, "usage_intervals", loc)
    call(ac, "meter_reads", loc)
    local renewal = call(ac, "request_renewal_plans", loc).plans[1]
    call(ac, "accept_renewal_plan", loc, { plan_uuid = renewal.uuid, service_start_date = renewal.earliest_start_date,
      terms_accepted = true })

    -- comparison invoice: a PDF that names the ESI ID (multipart upload)
    local pdf = "%PDF-1.4\n% ESI ID " .. H.ESI .. "\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
    local ci = call(ac, "upload_comparison_invoice", { file = pdf, filename = "bill.pdf", content_type = "application/pdf" })
    local uploads = H.journal()
    assert.truthy(uploads[#uploads].headers["Content-Type"]:match("^multipart/form%-data"))
    call(ac, "get_comparison_invoice")
    call(ac, "simple_compare", { plan_group = plan_group, uuid = ci.uuid })
    call(ac, "annual_compare", { plan_group = plan_group, uuid = ci.uuid })

    local profile = call(app, "fetch_usage_profile", { comparison_invoice_uuid = ci.uuid, user_authorizes_usage_fetch = true })
    call(app, "get_usage_profile", profile.uuid)
    call(app, "record_client_agent", uuid, {})
    call(app, "app_account_request_plans", uuid, { esi_id = H.ESI })
    call(ac, "cancel_service", loc, {})
    call(ac, "sandbox_delete_enrollment")

    local missing = {}
    for _, op in ipairs(light.operations) do
      if not (seen[op.id] and ok[op.id]) then missing[#missing + 1] = op.id end
    end
    assert.are.same({}, missing)
    assert.are.equal(49, #light.operations)
  end)
end)
