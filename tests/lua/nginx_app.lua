-- Test handlers for tests/lua/test_nginx.py (loaded by the nginx the tests
-- start; tests/lua is on its lua_package_path). Clients are created once per
-- worker and per option set, as an application would.
local light = require "light"

local M = {}

local clients = {}

-- client(name, opts): the worker's client for this option set
function M.client(name, opts)
  local c = clients[name]
  if c then return c end
  local o = { app_token = os.getenv("LIGHT_APP_TOKEN"), base_url = os.getenv("LIGHT_BASE_URL"),
              retry_base = 0.01, retry_max = 0.02 }
  for k, v in pairs(opts or {}) do o[k] = v end
  local err
  c, err = light.new(o)
  if not c then error(tostring(err)) end
  clients[name] = c
  return c
end

local function outcome(v, err, meta)
  if v then
    return { ok = true, status = meta.status, retries = meta.retries, pid = ngx.worker.pid() }
  end
  return { ok = false, kind = err.kind, status = err.status, retries = err.retries, message = err.message,
           pid = ngx.worker.pid() }
end
M.outcome = outcome

local function reply(t)
  ngx.header["Content-Type"] = "application/json"
  ngx.say(light.json.encode(t))
end

-- GET /t/account?uuid=: the account through a minted token (shared by workers when the dict exists)
function M.account()
  local c = M.client("default", { rate_limit = false })
  local a, err = c:for_account(ngx.var.arg_uuid)
  if not a then return reply(outcome(nil, err)) end
  return reply(outcome(a:retrieve()))
end

-- GET /t/loop?n=: n sequential calls from this request (one worker)
function M.loop()
  local c = M.client("default", { rate_limit = false })
  local n, ok = tonumber(ngx.var.arg_n) or 1, 0
  local last
  for _ = 1, n do
    local v, err, meta = c.plan_groups:list()
    last = outcome(v, err, meta)
    if v then ok = ok + 1 end
  end
  last.calls_ok = ok
  return reply(last)
end

-- GET /t/limited: one call of a client with the client-side rate limiter on
function M.limited()
  local c = M.client("limited", { rate_limit = true, timeout = 60, max_retries = 0 })
  return reply(outcome(c.plan_groups:list()))
end

-- GET /t/timer?id=: the call runs in an ngx.timer.at callback; /t/result?id= reads it
function M.timer()
  local id = ngx.var.arg_id
  local ok, err = ngx.timer.at(0, function(premature)
    if premature then return end
    local c = M.client("default", { rate_limit = false })
    local r = outcome(c.plan_groups:list())
    r.phase = ngx.get_phase()
    ngx.shared.light_test:set(id, light.json.encode(r))
  end)
  return reply({ started = ok and true or false, err = err })
end

function M.result()
  return reply({ result = ngx.shared.light_test:get(ngx.var.arg_id) or light.null })
end

-- init_worker_by_lua_block: a timer started there makes a call at start-up
function M.init_worker()
  ngx.timer.at(0, function(premature)
    if premature then return end
    local c = M.client("default", { rate_limit = false })
    local r = outcome(c.plan_groups:list())
    r.phase = ngx.get_phase()
    ngx.shared.light_test:set("init_worker:" .. ngx.worker.pid(), light.json.encode(r))
  end)
  -- and a direct call here, where nginx has no cosockets: nil, err at once
  local c = M.client("default", { rate_limit = false })
  local r = outcome(c.plan_groups:list())
  ngx.shared.light_test:set("init_worker_direct", light.json.encode(r))
end

-- GET /t/tls?base=&ca=: a call over TLS (ca = ca_file, or none: lua_ssl_trusted_certificate)
function M.tls()
  local base, ca = ngx.var.arg_base, ngx.var.arg_ca
  if ca == "" then ca = nil end
  local tok = ngx.var.arg_tok
  local c = M.client("tls|" .. base .. "|" .. tostring(ca) .. "|" .. tostring(tok), { base_url = ngx.unescape_uri(base),
    ca_file = ca and ngx.unescape_uri(ca), max_retries = 0, app_token = tok })
  return reply(outcome(c.plan_groups:list()))
end

-- GET /t/proxied?base=&ca=&tok=&proxy=: a call through an HTTP proxy (CONNECT for https);
-- a new client each time (keep-alive off) so that every call goes through the proxy
function M.proxied()
  local ca = ngx.var.arg_ca
  if ca == "" then ca = nil end
  local c = assert(light.new{ base_url = ngx.unescape_uri(ngx.var.arg_base), app_token = ngx.var.arg_tok,
    ca_file = ca and ngx.unescape_uri(ca), proxy = ngx.unescape_uri(ngx.var.arg_proxy), max_retries = 0,
    keepalive_pool = 1, keepalive_timeout = 0.001 })
  local r = outcome(c.plan_groups:list())
  c:close()
  return reply(r)
end

-- a call where nginx has no cosockets: the error text (for set/header/body filters, log)
function M.no_cosocket_call()
  local c = M.client("default", { rate_limit = false })
  local t0 = ngx.now()
  local v, err = c.plan_groups:list()
  ngx.update_time()
  if v then return "unexpected success" end
  return ("%s|%s|%.3f"):format(err.kind, err.message, ngx.now() - t0)
end

return M
