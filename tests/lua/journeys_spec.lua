-- Both enrollment journeys end to end through the SDK, checking the
-- account's status/status_reason at each step (as tests/sandbox/test_journey.py
-- does over plain HTTP). Account tokens are minted and re-minted by the core
-- as the emulator's clock jumps ahead.
local light = require "light"
local H = require "helper"

-- Days since 1970-01-01 of a civil date (H. Hinnant's algorithm; math.floor
-- rather than // so LuaJIT parses it too).
local function days_from_civil(y, m, d)
  local f = math.floor
  if m <= 2 then y = y - 1 end
  local era = f((y >= 0 and y or y - 399) / 400)
  local yoe = y - era * 400
  local mp = (m + 9) % 12
  local doy = f((153 * mp + 2) / 5) + d - 1
  local doe = yoe * 365 + f(yoe / 4) - f(yoe / 100) + doy
  return era * 146097 + doe - 719468
end

local function weekday(y, m, d) -- 0 = Sunday
  return (days_from_civil(y, m, d) + 4) % 7
end

-- Unix seconds of 00:00 America/Chicago on y-m-d (US DST rules since 2007:
-- CDT from the second Sunday of March to the first Sunday of November).
local function chicago_midnight(y, m, d)
  local second_sunday_march = 8 + (7 - weekday(y, 3, 8)) % 7
  local first_sunday_nov = 1 + (7 - weekday(y, 11, 1)) % 7
  local dst = (m > 3 and m < 11) or (m == 3 and d > second_sunday_march) or (m == 11 and d <= first_sunday_nov)
  return days_from_civil(y, m, d) * 86400 + (dst and 5 or 6) * 3600
end

local function add_days(date, n)
  local y, m, d = date:match("^(%d+)-(%d+)-(%d+)$")
  local t = (days_from_civil(tonumber(y), tonumber(m), tonumber(d)) + n) * 86400
  return os.date("!%Y-%m-%d", t)
end

local function events_of(uuid)
  local names = {}
  for _, e in ipairs(H.events()) do
    local acct = type(e.data) == "table" and e.data.account
    if type(acct) == "table" and acct.uuid == uuid then names[e.event] = true end
  end
  return names
end

describe("enrollment journeys", function()
  before_each(H.clean)
  after_each(H.clean)

  it("basic journey: identity, address, plan, payment, credit check, finalize, activation", function()
    local app = H.client()
    local seen = {}
    local acct, ac = H.new_account(app)
    assert.are.equal("created", acct.status)
    seen[#seen + 1] = H.status(ac)

    assert(ac.enroll:update_identity{ ssn_last4 = "1234" })
    seen[#seen + 1] = H.status(ac)
    local addr = assert(ac.enroll:esi_id_search{ esi_id = H.ESI })
    assert.are.equal(H.ESI, addr.esi_id)
    assert.are.equal("TX", addr.state)
    seen[#seen + 1] = H.status(ac)

    local plans = assert(app.enroll:request_plans{ esi_id = H.ESI, account_uuid = acct.uuid }).plans
    local p = plans[1]
    assert.is_string(p.energy_rate)
    local v, err = ac.enroll:finalize{}
    assert.is_nil(v)
    assert.are.equal("UnprocessableEntityError", err.kind)
    assert.are.equal("Cannot finalize enrollment", err.message)

    assert(ac.enroll:accept_plan{ plan_uuid = p.uuid, esi_id = H.ESI, service_start_date = p.earliest_start_date,
      terms_accepted = true })
    seen[#seen + 1] = H.status(ac)
    local sess = assert(ac.billing:create_payment_session())
    assert.truthy(sess.client_secret:match("^seti_"))
    local a = assert(ac.billing:ensure_payment_method_added{ payment_method_id = "pm_card_visa" })
    assert.is_true(a.enrollment.can_finalize_enrollment)
    seen[#seen + 1] = H.status(ac)
    local pm = assert(ac.billing:payment_method())
    assert.are.equal("4242", pm.card_last4)

    assert(ac.enroll:credit_check{ ssn = "123-45-6789", consent = true })
    assert.are.same({}, assert(ac.enroll:finalize{}))
    a = assert(ac:retrieve())
    assert.is_true(a.enrollment.is_enrollment_finalized)
    seen[#seen + 1] = a.status .. "/" .. a.status_reason

    H.advance_clock(61)
    seen[#seen + 1] = H.status(ac)
    H.advance_clock(61)
    seen[#seen + 1] = H.status(ac)
    H.advance_clock(3601) -- past the token's lifetime too: the core re-mints on the 401
    seen[#seen + 1] = H.status(ac)
    a = assert(ac:retrieve())
    assert.is_true(a.enrollment.is_service_active)

    assert.are.same({
      "created/unresolved", "created/missing_address", "applying/plan_not_accepted",
      "applying/missing_payment_method", "applying/enrollment_not_finalized", "reviewing/verification_pending",
      "reviewing/credit_check_pending", "activating/utility_submitted", "active/active",
    }, seen)
    local ev = events_of(acct.uuid)
    for _, name in ipairs{ light.events.ENROLLMENT_IDENTITY_UPDATED, light.events.ENROLLMENT_PLAN_REQUESTED,
      light.events.ENROLLMENT_PLAN_ACCEPTED, light.events.ACCOUNT_PAYMENT_METHOD_ADDED,
      light.events.ENROLLMENT_FINALIZED, light.events.LOCATION_SERVICE_ACTIVE } do
      assert.is_true(ev[name] == true, name)
    end
    -- the SSN never reached the journal in clear
    for _, e in ipairs(H.journal()) do
      local b = type(e.body) == "string" and e.body or ""
      assert.is_nil(b:find("123-45-6789", 1, true))
    end
  end)

  it("client-agent journey: power of attorney, scheduled start, activation", function()
    local app = H.client()
    local seen = {}
    local acct, ac = H.new_account(app)
    local uuid = acct.uuid
    seen[#seen + 1] = H.status(ac)
    local a = assert(app.accounts:record_client_agent(uuid, {}))
    assert.is_true(a.client_agent_accepted)
    seen[#seen + 1] = H.status(ac)
    assert(ac.enroll:update_identity{})
    assert(ac.enroll:credit_check{ ssn = "123456789", consent = true })
    assert(ac.billing:ensure_payment_method_added{ payment_method_id = "pm_card_visa" })
    seen[#seen + 1] = H.status(ac)

    local plans = assert(app.accounts:request_plans(uuid, { esi_id = H.ESI })).plans
    seen[#seen + 1] = H.status(ac)
    local today = H.today()
    local p = plans[1]
    assert.are.equal(add_days(today, 7), p.earliest_start_date)
    assert.are.equal(add_days(today, 30), p.latest_start_date)
    local body = { plan_uuid = p.uuid, esi_id = H.ESI, terms_accepted = true }
    for _, bad in ipairs{ add_days(today, 3), add_days(today, 31) } do
      body.service_start_date = bad
      local v, err = ac.enroll:accept_plan(body)
      assert.is_nil(v)
      assert.are.equal(422, err.status)
    end
    local start = add_days(today, 10)
    body.service_start_date = start
    assert(ac.enroll:accept_plan(body))
    seen[#seen + 1] = H.status(ac)
    assert.are.same({}, assert(ac.enroll:finalize{ is_client_agent_enrollment = true }))
    seen[#seen + 1] = H.status(ac)
    H.advance_clock(61)
    seen[#seen + 1] = H.status(ac)
    -- 00:01 on the start date in Texas: the utility switch is under way
    local y, m, d = start:match("^(%d+)-(%d+)-(%d+)$")
    H.set_clock(chicago_midnight(tonumber(y), tonumber(m), tonumber(d)) + 60)
    seen[#seen + 1] = H.status(ac)
    H.advance_clock(3601)
    seen[#seen + 1] = H.status(ac)
    assert.are.same({
      "created/unresolved", "created/missing_address", "ready/enrollment_pending_client_agent",
      "ready/enrollment_pending_client_agent", "applying/enrollment_not_finalized", "reviewing/verification_pending",
      "scheduled/service_pending", "activating/utility_submitted", "active/active",
    }, seen)
  end)
end)
