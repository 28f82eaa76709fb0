--- light: the Light electricity API for Lua 5.4 and LuaJIT 2.1 (also inside nginx).
--
--   local light = require "light"
--   local client = assert(light.new{ app_token = os.getenv("LIGHT_APP_TOKEN") })
--   local acct, err = client.accounts:create{ email = "a@example.com" }
--   if not acct then print(err.kind, err.status, err) end
--   local a = client:for_account(acct.uuid)
--   for inv, err in a.billing.invoices:each() do ... end
--
-- Every operation of the core's table (light.core.operations()) becomes a
-- method `client.<ns>:<name>(path_params..., params, opts)`; nothing here
-- knows an endpoint. API and network failures return `nil, err`; `err` is a
-- table {kind, status, message, request_id, body, headers, retries, ...}
-- with __tostring and err:is(kind). Successful calls return
-- `value, nil, meta` (meta = {status, request_id, headers, retries}).
local core = require "light.core"

local type, pairs, ipairs, select, setmetatable, tostring, tonumber = type, pairs, ipairs, select, setmetatable, tostring, tonumber

local M = {
  _NAME = "light",
  _VERSION = core.version,
  core = core,
  null = core.null,        -- JSON null (== ngx.null == cjson.null)
  array = core.array,      -- light.array{...}: encode as a JSON array even when empty
  is_array = core.is_array,
}

local unpack_args = table.unpack or unpack

local OPERATIONS = core.operations()
M.operations = OPERATIONS

-- The client option table of the core: { {name, type, unit, default, env, min, max, choices, doc, internal}, ... }
M.options = {}
for _, o in ipairs(core.options()) do
  if not o.internal then M.options[#M.options + 1] = o end
end

local function arg_error(message, param)
  return nil, core.error("InvalidArgumentError", message, param)
end
M.arg_error = arg_error

---------------------------------------------------------------------------
-- transport selection: inside nginx, cosockets (light.nginx) — and where
-- nginx has none, nil, err naming the phase (never a blocking call in a
-- worker); everywhere else the core's blocking libcurl transport.
-- transport = "curl" forces libcurl (it blocks an nginx worker).

local nginx_transport = nil -- light.nginx, loaded inside nginx
local function nginx_module()
  if nginx_transport == nil then nginx_transport = require "light.nginx" end
  return nginx_transport
end

-- nil (use libcurl) | true (cosockets now) | false, err (inside nginx, no cosockets here)
local function use_nginx(client)
  if client._transport == "curl" or not client._ngx then return nil end
  local ok, phase = nginx_module().available()
  if ok then return true end
  return false, nginx_transport.phase_error(phase)
end

-- (client, op_id, path values..., params, opts): the core routes them.
local function dispatch(client, op_id, ...)
  local n, perr = use_nginx(client)
  if n then
    local x, err = client._core:exchange(op_id, ...)
    if not x then return nil, err end
    return nginx_transport.perform(x, client._ngx, client._kind)
  elseif n == false then
    return nil, perr
  end
  return client._core:call(op_id, ...)
end

local function dispatch_raw(client, method, path, opts)
  local n, perr = use_nginx(client)
  if n then
    local x, err = client._core:exchange_raw(method, path, opts)
    if not x then return nil, err end
    return nginx_transport.perform(x, client._ngx, client._kind)
  elseif n == false then
    return nil, perr
  end
  return client._core:request(method, path, opts)
end

---------------------------------------------------------------------------
-- The argument rule is the core's (light/args.h), the same in every
-- language: path parameters are positional; then one params table — the
-- JSON body for operations with a JSON body, the query for the others
-- (multipart: file/filename/content_type form the upload); then an opts
-- table {timeout (seconds), max_retries, extra_headers, extra_query,
-- extra_body}. Nothing here checks or routes an argument.

local function is_self(self)
  return type(self) == "table" and rawget(self, "_client") ~= nil
end

local function method_for(op)
  local id = op.id
  return function(self, ...)
    if not is_self(self) then
      return arg_error(op.name .. ": call methods with ':' (client.ns:method(...))")
    end
    return dispatch(self._client, id, ...)
  end
end

-- next_page_url → (path relative to the base URL, query table), or nil, err
-- (APIResponseValidationError) for another scheme, host or base path.
local function unescape(s)
  return (s:gsub("+", " "):gsub("%%(%x%x)", function(h) return string.char(tonumber(h, 16)) end))
end

local function resolve_page_url(base_url, url)
  local bscheme, bhost, bpath = base_url:match("^(%a[%w+.-]*)://([^/?#]+)(.*)$")
  bpath = (bpath or ""):gsub("/+$", "")
  local scheme, host, rest = url:match("^(%a[%w+.-]*)://([^/?#]*)(.*)$")
  if not scheme then
    if url:sub(1, 2) == "//" then
      scheme, host, rest = bscheme, url:match("^//([^/?#]*)(.*)$")
    elseif url:sub(1, 1) == "/" then
      scheme, host, rest = bscheme, bhost, url
    else
      scheme, host, rest = bscheme, bhost, bpath .. "/" .. url
    end
  end
  local path, q = rest:match("^([^?#]*)%??([^#]*)")
  if scheme:lower() ~= (bscheme or ""):lower() or host:lower() ~= (bhost or ""):lower()
      or path:sub(1, #bpath + 1) ~= bpath .. "/" then
    return nil, core.error("APIResponseValidationError", string.format(
      "next_page_url points to %s://%s, outside the base URL %s://%s%s; refusing to follow it",
      scheme, host, bscheme or "", bhost or "", bpath))
  end
  local query = {}
  for k, v in (q or ""):gmatch("([^&=]+)=?([^&]*)") do query[unescape(k)] = unescape(v) end
  return path:sub(#bpath + 1), query
end
M._resolve_page_url = resolve_page_url

local function expand_path(op, pv)
  local p = op.path
  for i, name in ipairs(op.path_params) do p = p:gsub("{" .. name .. "}", function() return tostring(pv[i]) end) end
  return p
end

-- ns:each(params, opts) → iterator over every item of every page. The next
-- page is the envelope's next_page_url when it has one (never off the base
-- URL), else offset paging as the core computes it (meta.next_query). On
-- failure the iterator yields `false, err` once and stops.
local function each_for(op)
  local npp = #op.path_params
  return function(self, ...)
    if not is_self(self) then
      return arg_error(op.name .. ": call methods with ':' (client.ns:each(...))")
    end
    local client = self._client
    local n = select("#", ...)
    local args = { ... }
    local items, i, done = nil, 0, false
    local raw_path, raw_query, seen, pending = nil, nil, {}, nil
    return function()
      while true do
        if items and i < #items then
          i = i + 1
          return items[i]
        end
        if pending then -- after this page's items: the next_page_url refused
          local e = pending
          pending = nil
          return false, e
        end
        if done then return nil end
        local page, err, meta
        if raw_path then -- a next_page_url outside the operation's own path
          local o, opts = { query = raw_query }, args[npp + 2]
          if type(opts) == "table" then
            o.timeout, o.max_retries, o.headers = opts.timeout, opts.max_retries, opts.extra_headers
          end
          page, err, meta = dispatch_raw(client, "GET", raw_path, o)
        else
          page, err, meta = dispatch(client, op.id, unpack_args(args, 1, n))
        end
        if not page then
          done = true
          return false, err
        end
        -- a list answered as a bare JSON array is its only page
        items, i = page.data or (page[1] ~= nil and page) or {}, 0
        local url = page.next_page_url
        if #items == 0 then
          done = true
        elseif type(url) == "string" and url ~= "" then
          if seen[url] then
            done = true
          else
            seen[url] = true
            local path, q = resolve_page_url(client._core:base_url(), url)
            if not path then
              done, pending = true, q
            else
              local pv = {}
              for j = 1, npp do pv[j] = args[j] end
              if unescape(path) ~= expand_path(op, pv) then
                raw_path, raw_query = path, q
              else -- the URL's query is the whole query of the next page
                raw_path = nil
                args[npp + 1] = q
                if n < npp + 1 then n = npp + 1 end
              end
            end
          end
        elseif meta.next_query and not raw_path and type(args[npp + 1] or {}) == "table" then
          local params = {}
          for k, v in pairs(args[npp + 1] or {}) do params[k] = v end
          for k, v in pairs(meta.next_query) do params[k] = v end
          args[npp + 1] = params
          if n < npp + 1 then n = npp + 1 end
        else
          done = true
        end
      end
    end
  end
end

-- Namespace classes per auth kind: tree[ns path] = { methods..., children }
local function build_classes(auth)
  local root = { methods = {}, children = {} }
  for _, op in ipairs(OPERATIONS) do
    if op.auth == auth then
      local node = root
      if op.ns ~= "" then
        for part in op.ns:gmatch("[^.]+") do
          node.children[part] = node.children[part] or { methods = {}, children = {} }
          node = node.children[part]
        end
      end
      node.methods[op.name] = method_for(op)
      if op.paginated then
        node.methods[op.name == "list" and "each" or (op.name .. "_each")] = each_for(op)
      end
    end
  end
  local function finish(node)
    node.mt = { __index = node.methods }
    for _, child in pairs(node.children) do finish(child) end
  end
  finish(root)
  return root
end

local CLASSES = { app = build_classes("app"), account = build_classes("account") }

local function instantiate(node, client, into)
  for name, child in pairs(node.children) do
    into[name] = instantiate(child, client, setmetatable({ _client = client }, child.mt))
  end
  return into
end

---------------------------------------------------------------------------
-- clients

local Client = {}
Client.__index = Client

local function wrap(ud, kind, transport, ngx_cfg)
  local root = CLASSES[kind]
  local c = { _core = ud, _kind = kind, _transport = transport, _ngx = ngx_cfg }
  c._client = c
  local mt = { __index = function(_, k)
    local m = Client[k]
    if m ~= nil then return m end
    return root.methods[k]
  end, __tostring = function() return tostring(ud) end, __close = function() ud:close() end }
  setmetatable(c, mt)
  instantiate(root, c, c)
  return c
end

--- light.new{ app_token=, account_token=, base_url=, timeout=, max_retries=, ... }
-- The options are the core's option table (light.options lists them, with
-- type, unit, default, env var and doc; durations in seconds): app_token
-- (default env LIGHT_APP_TOKEN), account_token, base_url (default env
-- LIGHT_BASE_URL or https://api.light.dev), timeout, connect_timeout,
-- max_retries (default 2), retry_base, retry_max, retry_after_cap, ca_file,
-- proxy, insecure_skip_verify, max_response_bytes, rate_limit,
-- app_rate_per_s, account_rate_per_s, token_refresh_margin, log_level
-- ("off"|"error"|"info"|"debug", default env LIGHT_LOG). Lua adds transport
-- ("auto" | "curl" | "nginx"), and inside nginx (light.nginx, cosockets):
-- shared_dict (lua_shared_dict name for tokens and the rate limiter of all
-- workers, default "light"; false = per worker), keepalive_pool (idle
-- connections per worker and host, default 32), keepalive_timeout (seconds,
-- default 30). An unknown option name is an error. A client with only an
-- account_token gets the account-token surface.
local LUA_ONLY = { transport = true, shared_dict = true, keepalive_pool = true, keepalive_timeout = true }

function M.new(opts)
  if opts ~= nil and type(opts) ~= "table" then
    return arg_error("light.new expects an options table", "options")
  end
  opts = opts or {}
  local transport = opts.transport or "auto"
  if transport ~= "auto" and transport ~= "curl" and transport ~= "nginx" then
    return arg_error("transport must be 'auto', 'curl' or 'nginx'", "transport")
  end
  local ngx_cfg
  local inside = nginx_module().inside_nginx()
  if transport == "nginx" and not inside then
    return arg_error("transport 'nginx' needs nginx (lua-nginx-module's ngx API)", "transport")
  end
  local o, host = {}, nil
  for k, v in pairs(opts) do
    if not LUA_ONLY[k] then o[k] = v end
  end
  if transport ~= "curl" and inside then
    local message, param
    ngx_cfg, message, param = nginx_transport.config(opts)
    if not ngx_cfg then return arg_error(message, param) end
    if ngx.config then
      local v = tonumber(ngx.config.nginx_version) or 0
      host = ("nginx/%d.%d.%d"):format(math.floor(v / 1000000), math.floor(v / 1000) % 1000, v % 1000)
    end
    -- with the shared dict, light.nginx counts the rate limit for all workers
    if o.rate_limit and nginx_transport.shared(ngx_cfg) then o.rate_limit = false end
  end
  opts = o
  local ud, err = core.client_new(opts, host) -- the core checks every option
  if not ud then return nil, err end
  local kind = ud:can("app") and "app" or "account"
  if ngx_cfg and kind == "account" then ngx_cfg = nginx_transport.for_account(ngx_cfg, ud:account_uuid() or "-") end
  return wrap(ud, kind, transport, ngx_cfg)
end

--- app_client:for_account(account_uuid) → account client (token minted,
-- cached and refreshed by the core) | nil, err
function Client:for_account(account_uuid)
  if type(self) ~= "table" or not self._core then return arg_error("call as client:for_account(uuid)") end
  if type(account_uuid) ~= "string" then
    return arg_error("account_uuid must be a string", "account_uuid")
  end
  local ud, err = self._core:for_account(account_uuid)
  if not ud then return nil, err end
  local cfg = self._ngx and nginx_transport.for_account(self._ngx, account_uuid)
  local child = wrap(ud, "account", self._transport, cfg)
  -- closing (or collecting) the app client closes its account clients: keep it alive with them
  rawset(child, "_parent", self)
  return child
end

--- client:request(method, path [, opts]) → raw escape hatch; the one shape
-- of every language: opts = {query, body, headers, timeout (seconds), max_retries}.
function Client:request(method, path, opts)
  if type(self) ~= "table" or not self._core then return arg_error("call as client:request(method, path, ...)") end
  return dispatch_raw(self, method, path, opts)
end

function Client:close() self._core:close() end
function Client:base_url() return self._core:base_url() end
function Client:account_uuid() return self._core:account_uuid() end
function Client:kind() return self._kind end

---------------------------------------------------------------------------
-- webhooks and events

local webhooks = {}
M.webhooks = webhooks

--- light.webhooks.verify(payload, signature, secret [, opts]) → event | nil, err
-- payload: the raw request body (string); signature: the Light-Signature-v1
-- header value; secret: a string or a list of strings (rotation);
-- opts = {tolerance = seconds (default 3600, both ways), now = unix seconds}.
-- err.kind is "SignatureVerificationError" with err.reason one of
-- malformed_header, timestamp_too_old, timestamp_in_future,
-- signature_mismatch, no_secret.
function webhooks.verify(payload, signature, secret, opts)
  if opts ~= nil and type(opts) ~= "table" then return arg_error("opts must be a table") end
  local tol, now
  if opts then tol, now = opts.tolerance, opts.now end
  return core.webhook_verify(payload, signature, secret, tol, now)
end

--- light.webhooks.verify_signature(...) → true | nil, err (no JSON parse)
function webhooks.verify_signature(payload, signature, secret, opts)
  if opts ~= nil and type(opts) ~= "table" then return arg_error("opts must be a table") end
  local tol, now
  if opts then tol, now = opts.tolerance, opts.now end
  return core.webhook_verify_header(payload, signature, secret, tol, now)
end

--- light.webhooks.sign(payload, secret [, timestamp]) → header value
function webhooks.sign(payload, secret, timestamp)
  return core.webhook_sign(payload, secret, timestamp)
end

--- light.webhooks.parse_event(payload) → event | nil, err (no verification)
webhooks.parse_event = core.webhook_parse_event

webhooks.SIGNATURE_HEADER = "Light-Signature-v1"
webhooks.DEFAULT_TOLERANCE = 3600

-- light.events.ENROLLMENT_FINALIZED == "enrollment.finalized", ...;
-- light.event_names is the list.
M.event_names = core.events()
M.events = {}
for _, name in ipairs(M.event_names) do
  M.events[(name:gsub("%.", "_")):upper()] = name
end

--- light.json.encode(value) / light.json.decode(text): the binding's JSON
-- converter, for callers' own payloads (light.null ↔ null, light.array).
M.json = { encode = core.json_encode, decode = core.json_decode }

M.Error = core.error_mt
M.new_error = core.error

return M
