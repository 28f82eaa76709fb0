--- light.nginx: nginx itself as the transport of the Light SDK.
--
-- Inside nginx request phases (rewrite, access, content) the SDK does not
-- block the worker: the core's exchange (light.core) builds every request —
-- URL, headers, body, account-token mint, retries, backoff — and classifies
-- every response, while this module performs each HTTP request as an nginx
-- subrequest (ngx.location.capture) to an internal location that proxies to
-- the Light base URL, and waits with ngx.sleep. Other requests of the same
-- worker are served meanwhile.
--
-- The internal location (see lua/examples/nginx/light_upstream.conf):
--
--   location = /_light {
--       internal;
--       set $light_upstream '';
--       rewrite_by_lua_block { require("light.nginx").rewrite() }
--       header_filter_by_lua_block { require("light.nginx").header_filter() }
--       proxy_pass $light_upstream;
--   }
local M = {}

-- `ngx` is read at call time (not cached at load), so the module also works
-- when loaded before nginx sets it up, and with test doubles.
local type, ipairs, pairs, tonumber = type, ipairs, pairs, tonumber
local concat = table.concat

local METHODS
local function method_code(m)
  if not METHODS then
    METHODS = {
      GET = ngx.HTTP_GET, POST = ngx.HTTP_POST, PUT = ngx.HTTP_PUT, PATCH = ngx.HTTP_PATCH,
      DELETE = ngx.HTTP_DELETE, HEAD = ngx.HTTP_HEAD, OPTIONS = ngx.HTTP_OPTIONS,
    }
  end
  return METHODS[m]
end

local CAPTURE_PHASES = { rewrite = true, access = true, content = true }

--- true when subrequests can be issued now (inside an nginx request phase
-- that allows ngx.location.capture).
function M.available()
  if type(ngx) ~= "table" or not ngx.location or not ngx.get_phase then return false end
  return CAPTURE_PHASES[ngx.get_phase()] == true
end

local function header_block(h)
  local parts, n = {}, 0
  for k, v in pairs(h or {}) do
    if type(v) == "table" then
      for _, x in ipairs(v) do
        n = n + 1
        parts[n] = k .. ": " .. x
      end
    else
      n = n + 1
      parts[n] = k .. ": " .. v
    end
  end
  n = n + 1
  parts[n] = ""
  return concat(parts, "\r\n")
end
M.header_block = header_block

local BODYLESS = { GET = true, HEAD = true, DELETE = true }

-- One subrequest; feeds its outcome to the exchange.
local function send(x, req, location)
  local code = method_code(req.method)
  if not code then
    return x:feed_failure("other", "method not supported by the nginx transport: " .. req.method)
  end
  local body = req.body
  -- Without an explicit body a POST/PUT subrequest would forward the body of
  -- the client's own request: send an empty one instead.
  if body == nil and not BODYLESS[req.method] then body = "" end
  local ctx = { light_request = req }
  local res = ngx.location.capture(location, { method = code, body = body, ctx = ctx })
  if not res then
    return x:feed_failure("other", "subrequest failed")
  end
  local failure = ctx.light_failure
  if failure then
    return x:feed_failure(failure, ctx.light_failure_detail)
  end
  if res.truncated then
    return x:feed_failure("recv", "response truncated")
  end
  local rb = res.body or ""
  if req.max_response_bytes and req.max_response_bytes > 0 and #rb > req.max_response_bytes then
    return x:feed_failure("too_large", "response body over max_response_bytes")
  end
  return x:feed_response(res.status, header_block(res.header), rb)
end

--- Drive an exchange (client:exchange(...)) to completion with subrequests
-- to @location. Returns what x:finish() returns: value, nil, meta | nil, err.
function M.perform(x, location)
  location = location or "/_light"
  while true do
    local step, a = x:next()
    if step == "send" then
      send(x, a, location)
    elseif step == "wait" or step == "wait_token" then
      ngx.sleep((a or 0) / 1000)
    elseif step == "done" then
      return x:finish()
    else
      -- next() returned nil, err (exchange closed)
      return step, a
    end
  end
end

--- rewrite_by_lua handler of the internal location (runs in the
-- subrequest): replace the headers the subrequest inherited from the
-- client's request with the exchange's, and aim proxy_pass at its URL.
function M.rewrite()
  local req = ngx.ctx.light_request
  if not req then return ngx.exit(ngx.HTTP_NOT_FOUND) end
  local inherited = ngx.req.get_headers(0, true)
  for name in pairs(inherited) do ngx.req.clear_header(name) end
  for _, line in ipairs(req.headers) do
    local name, value = line:match("^([^:]+):%s*(.*)$")
    if name then ngx.req.set_header(name, value) end
  end
  ngx.var.light_upstream = req.url
end

--- header_filter_by_lua handler of the internal location: tell an answer
-- of the API from nginx's own 502/504 (upstream unreachable, reset before a
-- response header, timed out), which the exchange must see as transport
-- failures (retried by the core's policy), not as API errors.
function M.header_filter()
  local ctx = ngx.ctx
  if not ctx.light_request then return end
  local status = ngx.status
  if status ~= 502 and status ~= 504 then return end
  -- An upstream response header was received iff upstream_header_time is a number.
  local ht = ngx.var.upstream_header_time
  local received = false
  if ht then
    for v in ht:gmatch("[^,%s:]+") do
      if tonumber(v) then received = true end
    end
  end
  if received then return end
  local bytes = tonumber(ngx.var.upstream_bytes_sent or "") or 0
  if status == 504 then
    ctx.light_failure = bytes > 0 and "timeout" or "connect_timeout"
    ctx.light_failure_detail = "upstream timed out"
  else
    ctx.light_failure = bytes > 0 and "recv" or "connect"
    ctx.light_failure_detail = bytes > 0 and "upstream closed the connection" or "could not connect to the upstream"
  end
end

return M
