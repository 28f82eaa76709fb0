-- Clients: options, argument checking before any I/O (nil, err), per-call
-- options, the raw escape hatch, pagination iterators, token refresh.
local light = require "light"
local H = require "helper"

describe("runtime", function()
  it("runs on the runtime the runner asked for", function()
    local want = os.getenv("LIGHT_TEST_RUNTIME")
    if want == "jit" then
      assert.is_table(jit)
      assert.truthy(light.core.runtime:match("^LuaJIT 2%.1"))
    elseif want == "5.4" then
      assert.is_nil(rawget(_G, "jit"))
      assert.are.equal("Lua 5.4", _VERSION)
      assert.are.equal("Lua 5.4", light.core.runtime:sub(1, 7))
    else
      error("LIGHT_TEST_RUNTIME not set (run through tests/lua/test_lua_suite.py)")
    end
    assert.are.equal("light", light._NAME)
    assert.are.equal(light.core.version, light._VERSION)
  end)
end)

describe("light.new", function()
  it("builds an app client with namespaces from the operation table", function()
    local c = H.client()
    assert.are.equal("app", c:kind())
    assert.are.equal(H.url, c:base_url())
    assert.is_function(c.accounts.create)
    assert.is_function(c.accounts.each)
    assert.is_function(c.enroll.plan_benchmarks)
    assert.is_function(c.usage_profiles.fetch)
    assert.is_nil(c.billing) -- account-token namespace
    assert.truthy(tostring(c):match("^light%.Client%("))
    assert.is_nil(tostring(c):find(H.app_token, 1, true))
  end)

  it("builds an account client from a bare account token", function()
    local app = H.client()
    local acct = assert(app.accounts:create{ email = H.email("bare") })
    local tok = assert(app.accounts:create_token(acct.uuid))
    local c = assert(light.new{ account_token = tok.token, base_url = H.url })
    assert.are.equal("account", c:kind())
    assert.is_function(c.billing.invoices.each)
    assert.is_function(c.locations.usage.monthly)
    assert.is_function(c.locations.renewal_plans.accept)
    local me = assert(c:retrieve())
    assert.are.equal(acct.uuid, me.uuid)
    assert.is_nil(c.accounts)
  end)

  it("returns nil, InvalidArgumentError for bad options", function()
    for _, opts in ipairs{
      { app_token = 42, base_url = H.url },
      { app_token = "t", base_url = {} },
      { app_token = "t", base_url = H.url, timeout = "10" },
      { app_token = "t", base_url = H.url, timeout = -1 },
      { app_token = "t", base_url = H.url, max_retries = -1 },
      { app_token = "t", base_url = H.url, rate_limit = "yes" },
      { app_token = "t", base_url = H.url, log_level = "loud" },
      { app_token = "t", base_url = H.url, transport = "carrier-pigeon" },
      { app_token = "t", base_url = "ftp://example.test" },
      { app_token = "tok\r\nX-Evil: 1", base_url = H.url },
    } do
      local c, err = light.new(opts)
      assert.is_nil(c)
      assert.are.equal("InvalidArgumentError", err.kind)
      assert.is_true(err:is("LightError"))
      assert.is_nil(tostring(err):find("X-Evil", 1, true) and tostring(err):find("tok\r", 1, true))
    end
    local c, err = light.new("not a table")
    assert.is_nil(c)
    assert.are.equal("InvalidArgumentError", err.kind)
  end)

  it("closes idempotently, and a closed client answers nil, LightError", function()
    local c = H.client()
    c:close()
    c:close()
    local v, err = c.accounts:list()
    assert.is_nil(v)
    assert.are.equal("LightError", err.kind)
    assert.truthy(err.message:match("closed"))
  end)
end)

describe("arguments", function()
  local c, ac
  before_each(function()
    H.clean()
    c = H.client()
    ac = assert(c:for_account("00000000-0000-4000-8000-000000000000"))
    H.clear_journal()
  end)

  local function invalid(v, err)
    assert.is_nil(v)
    assert.is_table(err)
    assert.are.equal("InvalidArgumentError", err.kind)
    assert.is_string(err.message)
  end

  it("are checked before any I/O", function()
    invalid(c.accounts:retrieve())                          -- missing path parameter
    invalid(c.accounts:retrieve({}))                        -- table as path parameter
    invalid(c.accounts:retrieve(true))
    invalid(c.accounts:retrieve("u", "not a table"))        -- params must be a table
    invalid(c.accounts:retrieve("u", nil, "opts"))          -- opts must be a table
    invalid(c.accounts:retrieve("u", nil, nil, "extra"))    -- too many arguments
    invalid(c.accounts.retrieve("u"))                       -- '.' instead of ':'
    invalid(c.accounts:create{})                            -- required field missing (core)
    invalid(c.accounts:create{ email = function() end })   -- not JSON
    invalid(c.accounts:create{ email = "a@b.c", [1] = "x" }) -- mixed table
    invalid(c.accounts:list{ nested = { a = 1 } })          -- query values are scalars
    invalid(c.accounts:retrieve(".."))                      -- path traversal
    invalid(ac.comparison_invoice:upload{})                 -- multipart without file
    invalid(ac.comparison_invoice:upload{ file = 42 })
    invalid(c:request(42, "/v1/app/accounts"))
    invalid(c:request("GET", nil))
    invalid(c:request("GET", "/v1/app/accounts", "x"))
    invalid(c:request("GET", "/v1/account"))                -- app client, account path
    invalid(c:for_account(42))
    invalid(c:for_account(""))
    invalid(c.accounts:list(nil, { extra_query = "x" }))
    local cyc = { email = "a@b.c" }
    cyc.self = cyc
    invalid(c.accounts:create(cyc))
    assert.are.same({}, H.journal())
  end)

  it("per-call opts: extra_query, extra_body, max_retries, timeout", function()
    local acct = assert(c.accounts:create({ email = H.email("opts") }, { extra_body = { first_name = "Extra" } }))
    assert.are.equal("Extra", acct.first_name)
    assert(c.accounts:list({ limit = 1 }, { extra_query = { offset = 0 } }))
    local j = H.journal()
    assert.are.same({ limit = "1", offset = "0" }, j[#j].query)
    H.fault{ method = "GET", path = "/v1/app/accounts", kind = "status", status = 503, times = 1 }
    local v, err = c.accounts:list(nil, { max_retries = 0 })
    assert.is_nil(v)
    assert.are.equal("InternalServerError", err.kind)
    assert.are.equal(0, err.retries)
    H.fault{ method = "GET", path = "/v1/app/accounts", kind = "status", status = 503, times = 1 }
    local page, e2, meta = c.accounts:list(nil, { max_retries = 2 })
    assert(page, tostring(e2))
    assert.are.equal(1, meta.retries)
  end)

  it("light.null in a body is sent as JSON null", function()
    local acct = assert(c.accounts:create{ email = H.email("null") })
    H.clear_journal()
    assert(c.accounts:update(acct.uuid, { renewals_url = light.null, first_name = "N" }))
    local j = H.journal()
    local body = light.json.decode(j[#j].body)
    assert.are.equal(light.null, body.renewals_url)
    assert.are.equal("N", body.first_name)
  end)
end)

describe("raw request", function()
  before_each(H.clean)

  it("GET with a query and POST with a body, same errors", function()
    local c = H.client()
    local page, err, meta = c:request("GET", "/v1/app/accounts", { query = { limit = 1 } })
    assert(page, tostring(err))
    assert.are.equal(200, meta.status)
    assert.is_true(#page.data <= 1)
    local acct = assert(c:request("POST", "/v1/app/accounts", { body = { email = H.email("raw") } }))
    assert.is_string(acct.uuid)
    local v, e = c:request("GET", "/v1/app/no-such-thing")
    assert.is_nil(v)
    assert.are.equal("NotFoundError", e.kind)
    local ac = assert(c:for_account(acct.uuid))
    local me = assert(ac:request("GET", "/v1/account"))
    assert.are.equal(acct.uuid, me.uuid)
  end)
end)

describe("pagination", function()
  local app, ac
  setup(function()
    H.clean()
    app = H.client()
    local _
    _, ac = H.new_account(app)
    local plans = assert(ac.enroll:request_plans{ esi_id = H.ESI }).plans
    assert(ac.enroll:accept_plan{ plan_uuid = plans[1].uuid, esi_id = H.ESI,
      service_start_date = plans[1].earliest_start_date, terms_accepted = true })
    assert(ac.enroll:update_identity{})
    assert(ac.billing:ensure_payment_method_added{ payment_method_id = "pm_card_visa" })
    assert(ac.enroll:finalize{})
    assert(ac.sandbox:seed_demo_data())
  end)

  it("each() walks every invoice across pages, lazily", function()
    H.clear_journal()
    local first = assert(ac.billing.invoices:list{ limit = 10 })
    assert.is_true(first.has_more)
    H.clear_journal()
    local n, numbers = 0, {}
    for inv, err in ac.billing.invoices:each{ limit = 10 } do
      assert(inv, tostring(err))
      n = n + 1
      assert.is_nil(numbers[inv.number])
      numbers[inv.number] = true
    end
    assert.is_true(n > 20)
    local pages = H.count(H.journal(), "GET", "^/v1/account/billing/invoices$")
    assert.are.equal(math.ceil(n / 10), pages)
    -- lazily: taking two items fetches one page
    H.clear_journal()
    local it = ac.billing.invoices:each{ limit = 10 }
    assert.truthy(it())
    assert.truthy(it())
    assert.are.equal(1, H.count(H.journal(), "GET", "^/v1/account/billing/invoices$"))
  end)

  it("a list answered as a bare JSON array is one page; meta describes the response", function()
    finally(function() H.admin("DELETE", "config") end)
    H.config{ page_style = "array" }
    local page, err, meta = ac.billing.invoices:list{ limit = 3 }
    assert(page, tostring(err))
    assert.are.equal(3, #page)
    assert.are.equal(200, meta.status)
    assert.truthy(meta.request_id)
    assert.are.equal(meta.request_id, meta.headers["x-request-id"])
    assert.is_nil(meta.next_query)
    local n = 0
    for inv, e in ac.billing.invoices:each{ limit = 3 } do
      assert(inv, tostring(e))
      n = n + 1
    end
    assert.are.equal(3, n)
  end)

  it("each() follows next_page_url (cursor, relative), falls back to offset, refuses another host", function()
    finally(function() H.admin("DELETE", "config") end)
    for _ = 1, 4 do assert(app.accounts:create{ email = H.email("cursor") }) end
    local function walk(style)
      H.config{ page_style = style }
      H.clear_journal()
      local uuids = {}
      for a, err in app.accounts:each{ limit = 2 } do
        if not a then return uuids, err end
        uuids[#uuids + 1] = a.uuid
      end
      return uuids
    end
    local want = walk("offset")
    assert.is_true(#want >= 4)
    for _, style in ipairs{ "cursor", "relative", "none" } do
      local got, err = walk(style)
      assert.is_nil(err)
      assert.are.same(want, got)
      local calls = {}
      for _, e in ipairs(H.journal()) do
        if e.path == "/v1/app/accounts" then calls[#calls + 1] = e end
      end
      assert.are.equal(math.ceil(#want / 2), #calls)
      if style == "cursor" then
        assert.truthy(tostring(calls[2].query.cursor):match("c_"))
        assert.is_nil(calls[2].query.offset)
      end
    end
    local got, err = walk("foreign")
    assert.are.equal(2, #got) -- the first page's items, then the refusal
    assert.are.equal("APIResponseValidationError", err.kind)
    assert.truthy(err.message:match("next_page_url points to http://elsewhere%.invalid"))
    local path, q = light._resolve_page_url("https://api.light.dev/p", "/p/v1/x?a=1&b=%41")
    assert.are.equal("/v1/x", path)
    assert.are.same({ a = "1", b = "A" }, q)
    assert.is_nil((light._resolve_page_url("https://api.light.dev/p", "https://evil.example/p/v1/x")))
    assert.is_nil((light._resolve_page_url("https://api.light.dev/p", "//evil.example/p/v1/x")))
    assert.is_nil((light._resolve_page_url("https://api.light.dev/p", "/other/v1/x")))
  end)

  it("each() over the app's accounts", function()
    for _ = 1, 3 do assert(app.accounts:create{ email = H.email("page") }) end
    local n = 0
    for a, err in app.accounts:each{ limit = 2 } do
      assert(a, tostring(err))
      n = n + 1
    end
    assert.is_true(n >= 4)
  end)

  it("a failing page yields false, err and stops", function()
    H.fault{ method = "GET", path = "/v1/account/billing/invoices", kind = "status", status = 500, times = 5 }
    local results = {}
    for inv, err in ac.billing.invoices:each(nil, { max_retries = 0 }) do
      results[#results + 1] = { inv, err }
    end
    assert.are.equal(1, #results)
    assert.is_false(results[1][1])
    assert.are.equal("InternalServerError", results[1][2].kind)
  end)
end)

describe("account tokens", function()
  before_each(H.clean)
  after_each(H.clean)

  it("are minted once, cached, and re-minted after the server expires them", function()
    local app = H.client()
    local acct = assert(app.accounts:create{ email = H.email("tok") })
    local ac = assert(app:for_account(acct.uuid))
    assert.are.equal(acct.uuid, ac:account_uuid())
    H.clear_journal()
    assert(ac:retrieve())
    assert(ac.billing:payment_method() or true)
    assert(ac:retrieve())
    local j = H.journal()
    assert.are.equal(1, H.count(j, "POST", "^/v1/app/accounts/[^/]+/token$"))
    -- the emulator's clock jumps past the 60-minute lifetime: 401, one re-mint, success
    H.advance_clock(3700)
    H.clear_journal()
    local me, err = ac:retrieve()
    assert(me, tostring(err))
    j = H.journal()
    assert.are.equal(1, H.count(j, "POST", "^/v1/app/accounts/[^/]+/token$"))
    local statuses = {}
    for _, e in ipairs(j) do
      if e.path == "/v1/account" then statuses[#statuses + 1] = e.status end
    end
    -- (the journal records the last status once the response is written: it may still be null)
    assert.are.equal(2, #statuses)
    assert.are.equal(401, statuses[1])
  end)
end)
