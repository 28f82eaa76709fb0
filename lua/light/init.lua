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

local OPERATIONS = core.operations()
M.operations = OPERATIONS

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

-- (client, op_id, path_values, query, body, file, timeout, retries)
local function dispatch(client, op_id, pv, query, body, file, timeout, retries)
  local n, perr = use_nginx(client)
  if n then
    local x, err = client._core:exchange(op_id, pv, query, body, file, timeout, retries)
    if not x then return nil, err end
    return nginx_transport.perform(x, client._ngx, client._kind)
  elseif n == false then
    return nil, perr
  end
  return client._core:call(op_id, pv, query, body, file, timeout, retries)
end

local function dispatch_raw(client, method, path, query, body, timeout, retries)
  local n, perr = use_nginx(client)
  if n then
    local x, err = client._core:exchange_raw(method, path, query, body, timeout, retries)
    if not x then return nil, err end
    return nginx_transport.perform(x, client._ngx, client._kind)
  elseif n == false then
    return nil, perr
  end
  return client._core:request(method, path, query, body, timeout, retries)
end

---------------------------------------------------------------------------
-- argument rule (identical in every language): path parameters are
-- positional; then one params table — the JSON body for operations with a
-- JSON body, the query for the others (multipart: file/filename/content_type
-- form the upload); then an opts table {timeout, max_retries, extra_query,
-- extra_body}.

local function merge(into, from)
  if from == nil then return into end
  into = into or {}
  for k, v in pairs(from) do into[k] = v end
  return into
end

local function copy(t)
  if t == nil then return nil end
  local r = {}
  for k, v in pairs(t) do r[k] = v end
  return r
end

local function check_opts(opts)
  if opts == nil then return true end
  if type(opts) ~= "table" then return arg_error("opts must be a table") end
  if opts.extra_query ~= nil and type(opts.extra_query) ~= "table" then
    return arg_error("opts.extra_query must be a table", "extra_query")
  end
  if opts.extra_body ~= nil and type(opts.extra_body) ~= "table" then
    return arg_error("opts.extra_body must be a table", "extra_body")
  end
  return true
end

-- Returns path_values, query, body, file, timeout, retries  |  nil, err
local function prepare(op, n, ...)
  local npp = #op.path_params
  local pv = {}
  for i = 1, npp do
    local v = select(i, ...)
    local tv = type(v)
    if tv ~= "string" and tv ~= "number" then
      return arg_error(("%s.%s: path parameter '%s' must be a string, got %s"):format(
        op.ns ~= "" and op.ns or "client", op.name, op.path_params[i], tv), op.path_params[i])
    end
    pv[i] = v
  end
  if n > npp + 2 then
    return arg_error(("%s: too many arguments (path parameters %d, then params, opts)"):format(op.name, npp))
  end
  local params, opts = select(npp + 1, ...)
  if params ~= nil and type(params) ~= "table" then
    return arg_error(("%s: params must be a table, got %s"):format(op.name, type(params)), "params")
  end
  local ok, err = check_opts(opts)
  if not ok then return nil, err end
  opts = opts or {}
  local query, body, file
  if op.body == "json" then
    body = params
    if opts.extra_body then body = merge(copy(params) or {}, opts.extra_body) end
  elseif op.body == "multipart" then
    query = copy(params)
    if query then
      if query.file ~= nil then
        if type(query.file) ~= "string" then
          return arg_error(op.name .. ": file must be the file content as a string", "file")
        end
        file = { data = query.file, filename = query.filename, content_type = query.content_type, field = query.field }
      end
      query.file, query.filename, query.content_type, query.field = nil, nil, nil, nil
      if next(query) == nil then query = nil end
    end
    if file == nil then return arg_error(op.name .. ": file (the content, a string) is required", "file") end
  else
    query = params
  end
  if opts.extra_query then query = merge(copy(query), opts.extra_query) end
  return pv, query, body, file, opts.timeout, opts.max_retries
end

local function is_self(self)
  return type(self) == "table" and rawget(self, "_client") ~= nil
end

local function method_for(op)
  return function(self, ...)
    if not is_self(self) then
      return arg_error(op.name .. ": call methods with ':' (client.ns:method(...))")
    end
    local pv, query, body, file, timeout, retries = prepare(op, select("#", ...), ...)
    if pv == nil then return nil, query end
    return dispatch(self._client, op.id, pv, query, body, file, timeout, retries)
  end
end

-- ns:each(params, opts) → iterator over every item of every page. The core
-- decides what the next page is (meta.next_query). On failure the iterator
-- yields `false, err` once and stops.
local function each_for(op)
  return function(self, ...)
    if not is_self(self) then
      return arg_error(op.name .. ": call methods with ':' (client.ns:each(...))")
    end
    local pv, query, body, file, timeout, retries = prepare(op, select("#", ...), ...)
    if pv == nil then
      local err = query
      local done = false
      return function()
        if done then return nil end
        done = true
        return false, err
      end
    end
    local client = self._client
    local items, i, done = nil, 0, false
    return function()
      while true do
        if items and i < #items then
          i = i + 1
          return items[i]
        end
        if done then return nil end
        local page, err, meta = dispatch(client, op.id, pv, query, body, file, timeout, retries)
        if not page then
          done = true
          return false, err
        end
        items, i = page.data or {}, 0
        if meta.next_query then query = meta.next_query else done = true end
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
-- Options (all optional): app_token (default env LIGHT_APP_TOKEN),
-- account_token, base_url (default env LIGHT_BASE_URL or https://api.light.dev),
-- timeout, connect_timeout (seconds), max_retries (default 2), retry_base,
-- retry_max, retry_after_cap (seconds), ca_file, proxy, max_response_bytes,
-- rate_limit (boolean), app_rate_per_s, account_rate_per_s,
-- token_refresh_margin (seconds), log_level ("off"|"error"|"info"|"debug"),
-- transport ("auto" | "curl" | "nginx").
-- Inside nginx (light.nginx, cosockets): shared_dict (lua_shared_dict name for
-- tokens and the rate limiter of all workers, default "light"; false = per
-- worker), keepalive_pool (idle connections per worker and host, default 32),
-- keepalive_timeout (seconds, default 30).
-- A client with only an account_token gets the account-token surface.
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
  local NGX_OPTS = { shared_dict = true, keepalive_pool = true, keepalive_timeout = true }
  local inside = nginx_module().inside_nginx()
  if transport == "nginx" and not inside then
    return arg_error("transport 'nginx' needs nginx (lua-nginx-module's ngx API)", "transport")
  end
  if transport ~= "curl" and inside then
    local message, param
    ngx_cfg, message, param = nginx_transport.config(opts)
    if not ngx_cfg then return arg_error(message, param) end
    local o = {}
    for k, v in pairs(opts) do
      if not NGX_OPTS[k] then o[k] = v end
    end
    if o.user_agent_runtime == nil and ngx.config then
      local v = tonumber(ngx.config.nginx_version) or 0
      o.user_agent_runtime = ("nginx/%d.%d.%d"):format(math.floor(v / 1000000), math.floor(v / 1000) % 1000, v % 1000)
    end
    -- with the shared dict, light.nginx counts the rate limit for all workers
    if o.rate_limit and nginx_transport.shared(ngx_cfg) then o.rate_limit = false end
    opts = o
  else
    local o
    for k in pairs(NGX_OPTS) do
      if opts[k] ~= nil then
        o = o or {}
      end
    end
    if o then
      for k, v in pairs(opts) do
        if not NGX_OPTS[k] then o[k] = v end
      end
      opts = o
    end
  end
  local ud, err = core.client_new(opts)
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
  return wrap(ud, "account", self._transport, cfg)
end

local QUERY_METHODS = { GET = true, DELETE = true, HEAD = true }

--- client:request(method, path [, params [, opts]]) → raw escape hatch.
-- params is the query for GET/DELETE/HEAD and the JSON body otherwise;
-- opts = {timeout, max_retries, query (or extra_query), extra_body}.
function Client:request(method, path, params, opts)
  if type(self) ~= "table" or not self._core then return arg_error("call as client:request(method, path, ...)") end
  if type(method) ~= "string" then return arg_error("method must be a string", "method") end
  if type(path) ~= "string" then return arg_error("path must be a string", "path") end
  if params ~= nil and type(params) ~= "table" then return arg_error("params must be a table", "params") end
  local ok, err = check_opts(opts)
  if not ok then return nil, err end
  if opts and opts.query ~= nil and type(opts.query) ~= "table" then
    return arg_error("opts.query must be a table", "query")
  end
  opts = opts or {}
  method = method:upper()
  local query, body
  if QUERY_METHODS[method] then query = params else body = params end
  if opts.extra_body then body = merge(copy(body) or {}, opts.extra_body) end
  if opts.query or opts.extra_query then query = merge(merge(copy(query), opts.query), opts.extra_query) end
  return dispatch_raw(self, method, path, query, body, opts.timeout, opts.max_retries)
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
