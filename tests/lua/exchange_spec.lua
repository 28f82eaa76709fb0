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
    x = assert(client{ max_retries = 0 }._core:exchange("create_account", { email = "a@b.c" }))
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
    x = assert(client{ max_retries = 1 }._core:exchange("create_account", { email = "a@b.c" }))
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

describe("light.nginx cosocket transport (fake ngx)", function()
  local saved_ngx
  local log
  -- script: one entry per connection: { connect = err } | { chunks = {...}, close = true|nil, recv_err = "..." }
  local function fake_ngx(script, phase)
    local conn_i = 0
    log = { sent = {}, sleeps = {}, connects = 0, keepalive = 0, closed = 0, notices = 0, timeouts = {} }
    local clock = 1000
    local function socket()
      local s, chunks, k, entry = {}, nil, 0, nil
      function s:settimeouts(a, b, c) log.timeouts[#log.timeouts + 1] = { a, b, c } end
      function s:connect(host, port, opts)
        log.connects = log.connects + 1
        log.host, log.port, log.pool = host, port, opts and opts.pool
        conn_i = conn_i + 1
        entry = script[conn_i] or { connect = "no script" }
        if entry.connect then return nil, entry.connect end
        chunks = entry.chunks
        return 1
      end
      function s:getreusedtimes() return 0 end
      function s:send(data) log.sent[#log.sent + 1] = data; return #data end
      function s:receiveany()
        k = k + 1
        if chunks[k] then return chunks[k] end
        return nil, entry.recv_err or "closed"
      end
      function s:setkeepalive() log.keepalive = log.keepalive + 1; return 1 end
      function s:close() log.closed = log.closed + 1; return 1 end
      return s
    end
    return {
      get_phase = function() return phase or "content" end,
      sleep = function(sec) log.sleeps[#log.sleeps + 1] = sec; clock = clock + sec end,
      now = function() return clock end,
      time = function() return math.floor(clock) end,
      update_time = function() end,
      config = { nginx_version = 1022001, ngx_lua_version = 10023 },
      socket = { tcp = socket },
      md5 = function(x) return ("%08x"):format(#x) end,
      log = function(level, ...) if level == 6 then log.notices = log.notices + 1 end end,
      NOTICE = 6,
      shared = {},
      worker = { pid = function() return 1 end },
      encode_base64 = function(x) return x end,
      unescape_uri = function(x) return x end,
    }
  end

  local OK = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Request-Id: req_n\r\nContent-Length: 29\r\n\r\n"
    .. '{"data":[],"has_more":false}\n'

  before_each(function()
    saved_ngx = rawget(_G, "ngx")
    package.loaded["light.nginx"] = nil
  end)
  after_each(function()
    _G.ngx = saved_ngx
    package.loaded["light.nginx"] = nil
  end)

  it("sends HTTP/1.1 over a pooled cosocket, parses the answer and sleeps on wait steps", function()
    _G.ngx = fake_ngx{
      { chunks = { "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nConnection: close\r\n",
                   "Content-Length: 17\r\n\r\n{\"detail\":\"busy\"}" } },
      { chunks = { OK:sub(1, 40), OK:sub(41, 90), OK:sub(91) } },
    }
    local c = client()
    local page, err, meta = c.accounts:list{ limit = 5 }
    assert(page, tostring(err))
    assert.are.equal("req_n", meta.request_id)
    assert.are.equal(1, meta.retries)
    assert.are.equal(2, log.connects)
    assert.are.equal("127.0.0.1", log.host)
    assert.are.equal(9, log.port)
    assert.truthy(log.pool:find("light|http|127.0.0.1|9", 1, true))
    assert.truthy(log.sent[1]:find("^GET /v1/app/accounts%?limit=5 HTTP/1%.1\r\nHost: 127%.0%.0%.1:9\r\n"))
    assert.truthy(log.sent[1]:find("\r\nAuthorization: Bearer app_test_token\r\n", 1, true))
    assert.truthy(log.sent[1]:find("\r\n\r\n$"))
    assert.are.equal(1, #log.sleeps) -- the backoff
    assert.are.equal(1, log.closed)    -- "Connection: close"
    assert.are.equal(1, log.keepalive) -- the 200 kept its connection
    assert.are.equal(1, log.notices)   -- no lua_shared_dict: said once
    assert(c.accounts:list{ limit = 5 } == nil) -- (no more scripted answers) and no second notice
    assert.are.equal(1, log.notices)
  end)

  it("says nothing when shared_dict = false asks for per-worker state", function()
    _G.ngx = fake_ngx{ { chunks = { OK } } }
    assert(client{ shared_dict = false }.accounts:list())
    assert.are.equal(0, log.notices)
  end)

  it("sends Content-Length on POSTs, an empty body included", function()
    local tok = '{"token":"t","expires_at":"2099-01-01T00:00:00Z"}'
    _G.ngx = fake_ngx{ { chunks = { "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
      .. #tok .. "\r\n\r\n" .. tok } } }
    local c = client()
    local v, err = c.accounts:create_token("acc-1")
    assert(v, tostring(err))
    assert.truthy(log.sent[1]:find("^POST /v1/app/accounts/acc%-1/token HTTP/1%.1\r\n"))
    assert.truthy(log.sent[1]:find("\r\nContent-Length: 0\r\n", 1, true), log.sent[1])
    assert.truthy(log.sent[1]:find("\r\n\r\n$"), log.sent[1])
  end)

  it("feeds refused, timed-out and truncated transfers to the exchange as transport failures", function()
    _G.ngx = fake_ngx{ { connect = "connection refused" }, { connect = "connection refused" } }
    local v, err = client{ max_retries = 1 }.accounts:list()
    assert.is_nil(v)
    assert.are.equal("APIConnectionError", err.kind)
    assert.are.equal(1, err.retries)
    _G.ngx = fake_ngx{ { connect = "timeout" } }
    v, err = client{ max_retries = 0 }.accounts:list()
    assert.are.equal("APITimeoutError", err.kind)
    _G.ngx = fake_ngx{ { chunks = { "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{\"da" } } }
    v, err = client{ max_retries = 0 }.accounts:list()
    assert.are.equal("APIConnectionError", err.kind)
    assert.truthy(err.message:find("mid-body", 1, true), err.message)
    _G.ngx = fake_ngx{ { chunks = { "SSH-2.0-nope\r\n" } } }
    v, err = client{ max_retries = 0 }.accounts:list()
    assert.are.equal("APIConnectionError", err.kind)
    assert.truthy(err.message:find("not an HTTP/1.x status line", 1, true), err.message)
    _G.ngx = fake_ngx{ { chunks = {}, recv_err = "timeout" } }
    v, err = client{ max_retries = 0 }.accounts:list()
    assert.are.equal("APITimeoutError", err.kind)
    _G.ngx = fake_ngx{ { chunks = { "HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n" } } }
    v, err = client{ max_retries = 0, max_response_bytes = 1000 }.accounts:list()
    assert.are.equal("LightError", err.kind)
    assert.are.equal(1, log.closed)
  end)

  it("works in timers and returns nil, err naming the phase where nginx has no cosockets", function()
    _G.ngx = fake_ngx({ { chunks = { OK } } }, "timer")
    assert(client().accounts:list())
    for _, phase in ipairs{ "log", "header_filter", "body_filter", "set", "init", "init_worker" } do
      _G.ngx = fake_ngx({}, phase)
      local v, err = client().accounts:list()
      assert.is_nil(v)
      assert.are.equal("LightError", err.kind)
      assert.truthy(err.message:find("the " .. phase .. " phase", 1, true), err.message)
      assert.are.equal(0, log.connects) -- nothing attempted, nothing blocked
    end
  end)

  it("keeps transport = 'curl' blocking (libcurl) on request", function()
    _G.ngx = fake_ngx{}
    local v, err = client{ transport = "curl", max_retries = 0 }.accounts:list()
    assert.is_nil(v)
    assert.are.equal("APIConnectionError", err.kind) -- curl to 127.0.0.1:9
    assert.are.equal(0, log.connects)
  end)

  it("refuses transport = 'nginx' outside nginx", function()
    _G.ngx = nil
    local c, err = light.new{ app_token = "t", base_url = "http://127.0.0.1:9", transport = "nginx" }
    assert.is_nil(c)
    assert.are.equal("InvalidArgumentError", err.kind)
    assert.are.equal("transport", err.param)
  end)
end)

describe("light.nginx shared state (fake lua_shared_dict)", function()
  local saved_ngx, clock, sent, sleeps
  local function fake_dict()
    local data = {}
    local d = {}
    local function live(k)
      local e = data[k]
      if e and e.exp and e.exp <= clock then data[k] = nil; e = nil end
      return e
    end
    function d:get(k) local e = live(k); return e and e.v end
    function d:set(k, v, ttl) data[k] = { v = v, exp = (ttl and ttl > 0) and clock + ttl or nil }; return true end
    function d:add(k, v, ttl) if live(k) then return false, "exists" end; return d:set(k, v, ttl) end
    function d:delete(k) data[k] = nil end
    function d:incr(k, n, init) local e = live(k); local v = (e and e.v or init) + n; d:set(k, v); return v end
    return d
  end
  local function fake(script, dict)
    local i = 0
    sent, sleeps, clock = {}, {}, 1000
    local function socket()
      local s, chunks, k = {}, nil, 0
      function s:settimeouts() end
      function s:connect() i = i + 1; chunks = assert(script[i], "no script for connection " .. i); return 1 end
      function s:getreusedtimes() return 0 end
      function s:send(x) sent[#sent + 1] = x; return #x end
      function s:receiveany() k = k + 1; if chunks[k] then return chunks[k] end; return nil, "closed" end
      function s:setkeepalive() return 1 end
      function s:close() return 1 end
      return s
    end
    return {
      get_phase = function() return "content" end,
      sleep = function(sec) sleeps[#sleeps + 1] = sec; clock = clock + sec end,
      now = function() return clock end, time = function() return math.floor(clock) end,
      update_time = function() end,
      config = { nginx_version = 1022001 }, socket = { tcp = socket },
      md5 = function(x) return ("%08x"):format(#x) end, log = function() end, NOTICE = 6,
      shared = { light = dict }, worker = { pid = function() return 7 end },
      encode_base64 = function(x) return x end, unescape_uri = function(x) return x end,
    }
  end
  local function resp(body)
    return { "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " .. #body .. "\r\n\r\n" .. body }
  end
  local MINT = resp('{"token":"acct_tok_1","expires_at":"2099-01-01T00:00:00Z"}')
  local ME = resp('{"uuid":"acc-1","status":"created"}')
  local function app() return assert(light.new{ app_token = "app_x", base_url = "http://127.0.0.1:9", max_retries = 0 }) end
  local function mints() local n = 0; for _, x in ipairs(sent) do if x:find("^POST /v1/app/accounts/acc%-1/token") then n = n + 1 end end; return n end

  before_each(function() saved_ngx = rawget(_G, "ngx") end)
  after_each(function() _G.ngx = saved_ngx end)

  it("mints an account token once for every worker (client) sharing the dict", function()
    local dict = fake_dict()
    _G.ngx = fake({ MINT, ME, ME }, dict)
    assert(app():for_account("acc-1"):retrieve())          -- worker A: mint + GET
    assert(app():for_account("acc-1"):retrieve())          -- worker B: GET with A's token
    assert.are.equal(1, mints())
    assert.truthy(sent[3]:find("Authorization: Bearer acct_tok_1", 1, true))
  end)

  it("waits for a lock holder, and goes on when the lock of a dead worker expires", function()
    local dict = fake_dict()
    _G.ngx = fake({ MINT, ME }, dict)
    local n = require "light.nginx"
    local cfg = n.config{ app_token = "app_x", base_url = "http://127.0.0.1:9" }
    dict:set("l|" .. n.for_account(cfg, "acc-1").token_key, "dead", 1.5)
    assert(app():for_account("acc-1"):retrieve())
    local waited = 0
    for _, x in ipairs(sleeps) do waited = waited + x end
    assert.is_true(waited >= 1.5 and waited < 2, tostring(waited)) -- polled until the lock expired
    assert.are.equal(1, mints())
  end)

  it("drops a token the API refused, so the re-mint is real", function()
    local dict = fake_dict()
    local denied = { "HTTP/1.1 401 Unauthorized\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}" }
    local MINT2 = resp('{"token":"acct_tok_2","expires_at":"2099-01-01T00:00:00Z"}')
    _G.ngx = fake({ MINT, denied, MINT2, ME }, dict)
    assert(app():for_account("acc-1"):retrieve())
    assert.are.equal(2, mints())
    assert.truthy(sent[4]:find("Authorization: Bearer acct_tok_2", 1, true))
  end)

  it("counts the rate limit in the dict: the third call of 2/s waits for the window", function()
    local dict = fake_dict()
    local LIST = resp('{"data":[],"has_more":false}')
    _G.ngx = fake({ LIST, LIST, LIST }, dict)
    local c1 = assert(light.new{ app_token = "app_x", base_url = "http://127.0.0.1:9", rate_limit = true,
                                 app_rate_per_s = 2 })
    local c2 = assert(light.new{ app_token = "app_x", base_url = "http://127.0.0.1:9", rate_limit = true,
                                 app_rate_per_s = 2 })
    assert(c1.accounts:list())
    assert(c2.accounts:list())
    assert.are.equal(0, #sleeps)
    assert(c1.accounts:list())
    local waited = 0
    for _, x in ipairs(sleeps) do waited = waited + x end
    assert.is_true(waited >= 1.049, tostring(waited)) -- 1 s window + 50 ms slack
  end)
end)

describe("light.core.http_parser", function()
  local core = require "light.core"
  it("parses a response fed in pieces", function()
    local p = core.http_parser(false, 0)
    local msg = "HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\nX-A:  b \r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n"
    for i = 1, #msg - 1 do assert.are.equal("more", (p:feed(msg:sub(i, i)))) end
    local r, status, headers, body, keep = p:feed(msg:sub(-1))
    assert.are.equal("done", r)
    assert.are.equal(201, status)
    assert.are.equal("Transfer-Encoding: chunked\r\nX-A: b\r\n", headers)
    assert.are.equal("abcde", body)
    assert.is_true(keep)
    p:reset(false, 4)
    local r1, kind, why = p:feed("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n")
    assert.is_nil(r1)
    assert.are.equal("too_large", kind)
    assert.truthy(why:find("over the 4-byte cap", 1, true))
    p:reset(false, 0)
    local a, b, c = p:feed("garbage\r\n")
    assert.is_nil(a)
    assert.are.equal("recv", b)
    assert.truthy(c:find("not an HTTP/1.x status line", 1, true))
    p:reset(true, 0)
    assert.are.equal("done", (p:feed("HTTP/1.0 200 OK\r\nContent-Length: 9\r\n\r\n")))
    p:reset(false, 0)
    assert.are.equal("more", (p:feed("HTTP/1.0 200 OK\r\n\r\nuntil close")))
    r, status, headers, body, keep = p:eof()
    assert.are.equal("until close", body)
    assert.is_false(keep)
    p:close()
    p:close()
  end)

  it("loads a CA store and reports a bad ca_file", function()
    local s, err = core.tls_store("/nonexistent/ca.pem")
    assert.is_nil(s)
    assert.truthy(err:find("cannot load ca_file", 1, true))
    assert.has_error(function() core.tls_store() end)
  end)
end)
