-- The sans-I/O exchange exposed to Lua (bindings/lua/exchange.c) and the
-- nginx transport loop (light/nginx.lua) driven by a fake `ngx` — no
-- network: the test plays the server.
local light = require "light"

local function client(opts)
  local o = { app_token = "app_test_token", base_url = "http://127.0.0.1:9", retry_base = 0.001, retry_max = 0.002 }
  for k, v in pairs(opts or {}) do o[k] = v end
  return assert(light.new(o))
end

local JSON_HDR = "Content-Type: application/json\r\nX-Request-Id: req_1\r\n"

describe("exchange", function()
  it("builds the request and classifies the response", function()
    local c = client()
    local x = assert(c._core:exchange("get_app_account", "acc-1", { expand = "x" }))
    local step, req = x:next()
    assert.are.equal("send", step)
    assert.are.equal("GET", req.method)
    assert.are.equal("http://127.0.0.1:9/v1/app/accounts/acc-1?expand=x", req.url)
    local auth
    for _, h in ipairs(req.headers) do
      if h:match("^Authorization:") then auth = h end
    end
    assert.are.equal("Authorization: Bearer app_test_token", auth)
    assert.is_nil(req.body)
    assert.are.equal(0, req.attempt)
    assert.is_false(req.is_token_mint)
    x:feed_response(200, JSON_HDR, '{"uuid":"acc-1","n":1}')
    assert.are.equal("done", (x:next()))
    local v, err, meta = x:finish()
    assert(v, tostring(err))
    assert.are.equal("acc-1", v.uuid)
    assert.are.equal("req_1", meta.request_id)
    assert.are.equal(200, meta.status)
    -- finished exchanges refuse further use with nil, err
    local s, e = x:next()
    assert.is_nil(s)
    assert.are.equal("LightError", e.kind)
  end)

  it("retries a 503 after a wait step, then succeeds", function()
    local x = assert(client()._core:exchange("list_accounts", { limit = 1 }))
    assert.are.equal("send", (x:next()))
    x:feed_response(503, JSON_HDR, '{"detail":"busy"}')
    local step, delay = x:next()
    assert.are.equal("wait", step)
    assert.is_true(delay >= 0)
    local s2, req2 = x:next()
    assert.are.equal("send", s2)
    assert.are.equal(1, req2.attempt)
    x:feed_response(200, JSON_HDR, '{"data":[{"uuid":"a"}],"has_more":true,"limit":1,"offset":0}')
    assert.are.equal("done", (x:next()))
    local page, err, meta = x:finish()
    assert(page, tostring(err))
    assert.are.equal(1, meta.retries)
    assert.are.same({ limit = 1, offset = 1 }, meta.next_query) -- the core decides the next page
  end)

  it("maps transport failures", function()
    local x = assert(client{ max_retries = 0 }._core:exchange("list_accounts"))
    x:next()
    x:feed_failure("connect", "refused")
    assert.are.equal("done", (x:next()))
    local v, err = x:finish()
    assert.is_nil(v)
    assert.are.equal("APIConnectionError", err.kind)
    x = assert(client{ max_retries = 0 }._core:exchange("list_accounts"))
    x:next()
    x:feed_failure("timeout")
    x:next()
    v, err = x:finish()
    assert.are.equal("APITimeoutError", err.kind)
    -- a connect timeout is told by its failure name, not by the detail text
    x = assert(client{ max_retries = 0 }._core:exchange("create_account", nil, nil, { email = "a@b.c" }))
    x:next()
    x:feed_failure("connect_timeout", "no text that says so")
    x:next()
    v, err = x:finish()
    assert.are.equal("APITimeoutError", err.kind)
    x = assert(client{ max_retries = 0 }._core:exchange("list_accounts"))
    x:next()
    x:feed_failure("connect", "connect timed out")
    x:next()
    v, err = x:finish()
    assert.are.equal("APIConnectionError", err.kind)
    -- a POST is retried after a connect timeout (it never reached the server)
    x = assert(client{ max_retries = 1 }._core:exchange("create_account", nil, nil, { email = "a@b.c" }))
    x:next()
    x:feed_failure("connect_timeout")
    local step = x:next()
    while step == "wait" do step = x:next() end
    assert.are.equal("send", step)
    x:close()
    local y = assert(client()._core:exchange("list_accounts"))
    y:next()
    assert.has_error(function() y:feed_failure("bogus") end) -- programmer misuse raises
    y:close()
  end)

  it("mints an account token first for a for_account client", function()
    local c = client()
    local ac = assert(c:for_account("acc-9"))
    local x = assert(ac._core:exchange("get_account"))
    local _, mint = x:next()
    assert.is_true(mint.is_token_mint)
    assert.are.equal("POST", mint.method)
    assert.are.equal("http://127.0.0.1:9/v1/app/accounts/acc-9/token", mint.url)
    x:feed_response(200, JSON_HDR, '{"token":"acct_tok","expires_at":"2099-01-01T00:00:00Z"}')
    local _, req = x:next()
    assert.is_false(req.is_token_mint)
    assert.are.equal("http://127.0.0.1:9/v1/account", req.url)
    local bearer
    for _, h in ipairs(req.headers) do bearer = bearer or h:match("^Authorization: Bearer (.*)$") end
    assert.are.equal("acct_tok", bearer)
    x:feed_response(200, JSON_HDR, '{"uuid":"acc-9"}')
    x:next()
    assert.are.equal("acc-9", (x:finish()).uuid)
    -- the token is cached for the next call
    local y = assert(ac._core:exchange("get_account"))
    local _, r2 = y:next()
    assert.is_false(r2.is_token_mint)
    y:close()
    y:close() -- twice is safe
  end)

  it("validates before I/O and keeps the client alive", function()
    local c = client()
    local x, err = c._core:exchange("no_such_op")
    assert.is_nil(x)
    assert.are.equal("InvalidArgumentError", err.kind)
    x = assert(c._core:exchange_raw("POST", "/v1/app/accounts", { body = { email = "a@b.c" } }))
    local _, req = x:next()
    assert.are.equal('{"email":"a@b.c"}', req.body)
    c:close() -- deferred while the exchange lives
    x:feed_response(200, JSON_HDR, '{"uuid":"u"}')
    x:next()
    assert.are.equal("u", (x:finish()).uuid)
    local v, e = c.accounts:list()
    assert.is_nil(v)
    assert.are.equal("LightError", e.kind)
  end)
end)

describe("light.nginx transport loop (fake ngx)", function()
  local saved_ngx
  local captured
  -- answers: list of {status, header table, body} or {fail = "..."} per subrequest
  local function fake_ngx(answers)
    local i = 0
    captured = {}
    return {
      HTTP_GET = 2, HTTP_POST = 8, HTTP_PUT = 16, HTTP_PATCH = 16384, HTTP_DELETE = 32, HTTP_HEAD = 4, HTTP_OPTIONS = 512,
      get_phase = function() return "content" end,
      sleep = function(s) captured[#captured + 1] = { sleep = s } end,
      config = { nginx_version = 1022001, ngx_lua_version = 10023 },
      location = {
        capture = function(uri, o)
          i = i + 1
          local a = answers[i]
          captured[#captured + 1] = { uri = uri, method = o.method, body = o.body, req = o.ctx.light_request }
          if a.fail then
            o.ctx.light_failure = a.fail
            return { status = 502, header = {}, body = "<html>nginx</html>" }
          end
          return { status = a[1], header = a[2], body = a[3], truncated = a.truncated }
        end,
      },
    }
  end

  before_each(function()
    saved_ngx = rawget(_G, "ngx")
    package.loaded["light.nginx"] = nil
  end)
  after_each(function()
    _G.ngx = saved_ngx
    package.loaded["light.nginx"] = nil
  end)

  it("sends each request as a subrequest and sleeps on wait steps", function()
    _G.ngx = fake_ngx{
      { 503, { ["Content-Type"] = "application/json" }, '{"detail":"busy"}' },
      { 200, { ["Content-Type"] = "application/json", ["X-Request-Id"] = "req_n" }, '{"data":[],"has_more":false}' },
    }
    local c = client{ nginx_location = "/_light_test" }
    local page, err, meta = c.accounts:list{ limit = 5 }
    assert(page, tostring(err))
    assert.are.equal("req_n", meta.request_id)
    assert.are.equal(1, meta.retries)
    assert.are.equal("/_light_test", captured[1].uri)
    assert.are.equal(2, captured[1].method)
    assert.are.equal("http://127.0.0.1:9/v1/app/accounts?limit=5", captured[1].req.url)
    assert.is_number(captured[2].sleep)
    assert.are.equal("/_light_test", captured[3].uri)
  end)

  it("sends an empty body on bodiless POSTs (never the client's own body)", function()
    _G.ngx = fake_ngx{ { 200, { ["Content-Type"] = "application/json" }, '{"token":"t","expires_at":"2099-01-01T00:00:00Z"}' } }
    local c = client()
    assert(c.accounts:create_token("acc-1"))
    assert.are.equal(8, captured[1].method)
    assert.are.equal("", captured[1].body)
  end)

  it("turns nginx's own errors and truncation into transport failures", function()
    _G.ngx = fake_ngx{ { fail = "connect" } }
    local v, err = client{ max_retries = 0 }.accounts:list()
    assert.is_nil(v)
    assert.are.equal("APIConnectionError", err.kind)
    _G.ngx = fake_ngx{ { 200, {}, '{"da', truncated = true } }
    v, err = client{ max_retries = 0 }.accounts:list()
    assert.is_nil(v)
    assert.are.equal("APIConnectionError", err.kind)
  end)

  it("falls back to the blocking transport outside request phases", function()
    _G.ngx = fake_ngx{}
    _G.ngx.get_phase = function() return "timer" end
    local v, err = client{ max_retries = 0 }.accounts:list()
    assert.is_nil(v)
    assert.are.equal("APIConnectionError", err.kind) -- curl to 127.0.0.1:9
    assert.are.equal(0, #captured)
  end)

  it("rebuilds the response header block", function()
    local nginx = require "light.nginx"
    local block = nginx.header_block{ ["X-Request-Id"] = "r1", ["Set-Cookie"] = { "a=1", "b=2" } }
    assert.truthy(block:find("X-Request-Id: r1\r\n", 1, true))
    assert.truthy(block:find("Set-Cookie: a=1\r\n", 1, true))
    assert.truthy(block:find("Set-Cookie: b=2\r\n", 1, true))
  end)
end)
