-- Conformance runner for Lua 5.4 and LuaJIT (protocol: tests/conformance/README.md):
-- one JSON command per line on stdin, one JSON outcome per line on stdout.
-- LUA_PATH / LUA_CPATH point at lua/ and the built modules (the harness sets them).
-- JSON in and out goes through the SDK's own converter (light.json).
local light = require "light"
local json = light.json

local function unhex(h)
  return (h:gsub("%x%x", function(b) return string.char(tonumber(b, 16)) end))
end

local function decode(v)
  if type(v) ~= "table" or v == light.null then return v end
  local n, only = 0, nil
  for k in pairs(v) do n = n + 1; only = k end
  if n == 1 and type(only) == "string" then
    local x = v[only]
    if only == "$nan" then return 0 / 0 end
    if only == "$inf" then return x > 0 and math.huge or -math.huge end
    if only == "$hex" or only == "$bytes" then return unhex(x) end
    if only == "$int" then return math.tointeger and math.tointeger(tonumber(x)) or tonumber(x) end
  end
  local out = light.is_array(v) and light.array{} or {}
  for k, x in pairs(v) do out[k] = decode(x) end
  return out
end

local function is_null(v) return v == nil or v == light.null end

local ARGUMENT_KINDS = { InvalidArgumentError = true }

local function error_outcome(err)
  if type(err) == "table" and err.kind then
    local kind = err.kind
    if ARGUMENT_KINDS[kind] then kind = "ArgumentError" end
    return { ok = false, kind = kind, status = err.status or light.null, reason = err.reason or light.null,
             message = tostring(err.message), native_kind = err.kind }
  end
  return { ok = false, kind = "RunnerError", status = light.null, reason = light.null, message = tostring(err) }
end

local clients = {}
local parents = setmetatable({}, { __mode = "k" })

local function client(spec, env)
  spec = spec or {}
  local kind = spec.kind or "app"
  local key = json.encode({ kind, spec.account_uuid or light.null, spec.account_token or light.null,
                            spec.options or light.null })
  if not spec.fresh and clients[key] then return clients[key] end
  local o = { base_url = env.base_url, retry_base = 0.01, retry_max = 0.05 }
  for k, v in pairs(decode(spec.options or {})) do o[k] = v end
  local c, err
  if kind == "app" then
    if o.app_token == nil then o.app_token = env.app_token end
    c, err = light.new(o)
  elseif kind == "account" then
    if o.app_token == nil then o.app_token = env.app_token end
    local app
    app, err = light.new(o)
    if app then
      c, err = app:for_account(decode(spec.account_uuid))
      if c then parents[c] = app end
    end
  elseif kind == "account_token" then
    o.app_token = nil
    o.account_token = spec.account_token
    c, err = light.new(o)
  else
    error("client kind " .. tostring(kind))
  end
  if not c then return nil, err end
  if not spec.fresh then clients[key] = c end
  return c
end

local OPS = {}
for _, op in ipairs(light.operations) do OPS[op.id] = op end

local function run(case, env)
  local call = case.call
  local t = call.type
  if t == "operations" then
    local ids = light.array{}
    for _, op in ipairs(light.operations) do ids[#ids + 1] = op.id end
    return { ok = true, result = ids }
  end
  if t == "new_client" then
    local spec = {}
    for k, v in pairs(case.client or {}) do spec[k] = v end
    spec.fresh = true
    local c, err = client(spec, env)
    if not c then return error_outcome(err) end
    c:close()
    return { ok = true, result = light.null }
  end
  if t == "verify" then
    local opts = {}
    if not is_null(call.tolerance) then opts.tolerance = decode(call.tolerance) end
    if not is_null(call.now) then opts.now = decode(call.now) end
    local ev, err = light.webhooks.verify(decode(call.payload), decode(call.signature), decode(call.secret), opts)
    if ev == nil then return error_outcome(err) end
    return { ok = true, result = ev }
  end
  if t == "sign" then
    local ts = not is_null(call.timestamp) and decode(call.timestamp) or nil
    local sig, err = light.webhooks.sign(decode(call.payload), decode(call.secret), ts)
    if sig == nil then return error_outcome(err) end
    return { ok = true, result = sig }
  end
  local c, cerr = client(case.client, env)
  if not c then return error_outcome(cerr) end
  if call.closed then c:close() end
  if call.close_parent then parents[c]:close() end
  local opts = not is_null(call.options) and decode(call.options) or nil
  if t == "raw" then
    local o = {}
    for k, v in pairs(opts or {}) do o[k] = v end
    if not is_null(call.query) then o.query = decode(call.query) end
    if not is_null(call.body) then o.body = decode(call.body) end
    local res, err = c:request(call.method, decode(call.path), o)
    if res == nil then return error_outcome(err) end
    return { ok = true, result = res }
  end
  local op = OPS[call.op]
  if not op then error("unknown operation " .. tostring(call.op)) end
  local target = c
  if op.ns ~= "" then for part in op.ns:gmatch("[^.]+") do target = target[part] end end
  local args = {}
  local n = 0
  for i, a in ipairs(call.path or {}) do args[i] = decode(a); n = i end
  -- a JSON null path parameter arrives as light.null: pass nil, as a Lua caller would
  for i = 1, n do if args[i] == light.null then args[i] = nil end end
  local params = not is_null(call.params) and decode(call.params) or nil
  if not is_null(call.params_raw) then params = decode(call.params_raw) end
  if op.body == "multipart" and params then
    params = { file = params.file, filename = params.filename, content_type = params.content_type }
  end
  args[n + 1] = params
  args[n + 2] = opts
  local unpack = table.unpack or unpack
  if op.paginated and call.iterate then
    local items = light.array{}
    for item, err in target:each(unpack(args, 1, n + 2)) do
      if item == false then return error_outcome(err) end
      items[#items + 1] = item
    end
    return { ok = true, result = { items = items } }
  end
  local res, err = target[op.name](target, unpack(args, 1, n + 2))
  if res == nil then return error_outcome(err) end
  return { ok = true, result = res }
end

for line in io.lines() do
  if line:match("%S") then
    local cmd = json.decode(line)
    if cmd.cmd == "quit" then break end
    local ok, out = pcall(run, cmd.case, cmd.env)
    if not ok then out = error_outcome(out) end
    local text, jerr = json.encode(out)
    if not text then
      text = json.encode({ ok = false, kind = "RunnerError", message = "cannot encode outcome: " .. tostring(jerr) })
    end
    io.stdout:write(text, "\n")
    io.stdout:flush()
  end
end
for _, c in pairs(clients) do c:close() end
