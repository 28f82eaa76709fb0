-- Fault-matrix driver for Lua 5.4 and LuaJIT (protocol: tests/faults/driver.c).
-- LUA_PATH / LUA_CPATH point at lua/ and the built modules (the harness sets
-- them like tests/lua/test_lua_suite.py). Failures come back as nil, err with
-- err.kind; the same client serves every call until the next `new`.
local light = require "light"

local function json_string(s)
  s = tostring(s)
  s = s:gsub('[%c"\\]', function(c)
    if c == '"' then return '\\"' end
    if c == "\\" then return "\\\\" end
    return ("\\u%04x"):format(c:byte())
  end)
  return '"' .. s .. '"'
end

local function json_value(v)
  if v == nil then return "null" end
  if type(v) == "boolean" then return tostring(v) end
  if type(v) == "number" then return ("%d"):format(v) end
  return json_string(v)
end

local function reply_ok()
  io.stdout:write('{"ok": true}\n')
  io.stdout:flush()
end

local function reply_error(err)
  local kind, status, retries, message
  if type(err) == "table" then
    kind, status, retries, message = err.kind, err.status, err.retries, err.message
  else
    kind, message = "LuaError", tostring(err)
  end
  io.stdout:write(('{"ok": false, "kind": %s, "status": %s, "retries": %s, "message": %s}\n'):format(
    json_value(kind), json_value(status), json_value(retries), json_value(message)))
  io.stdout:flush()
end

local function new_client(f)
  local o = { app_token = f.token, base_url = f.base_url, retry_base = 0.01, retry_max = 0.05 }
  if f.connect_timeout_ms then o.connect_timeout = tonumber(f.connect_timeout_ms) / 1000 end
  if f.max_response_bytes then o.max_response_bytes = tonumber(f.max_response_bytes) end
  if f.ca_file then o.ca_file = f.ca_file end
  return light.new(o)
end

local function call(client, f)
  local opts = {}
  if f.timeout_ms then opts.timeout = tonumber(f.timeout_ms) / 1000 end
  local v, err
  if f.op == "get" then
    v, err = client.plan_groups:list(nil, opts)
  elseif f.op == "post" then
    v, err = client.accounts:create({ email = f.email or "lua-driver@example.com" }, opts)
  else
    return reply_error({ kind = "DriverError", message = "op must be get or post" })
  end
  if v == nil then return reply_error(err) end
  reply_ok()
end

local client
for line in io.lines() do
  local cmd, f = nil, {}
  for part in line:gmatch("[^\t]+") do
    if not cmd then
      cmd = part
    else
      local k, v = part:match("^([^=]+)=(.*)$")
      if k then f[k] = v end
    end
  end
  if cmd == "quit" then break end
  local ok, perr = pcall(function()
    if cmd == "new" then
      if client then client:close() end
      local err
      client, err = new_client(f)
      if client then reply_ok() else reply_error(err) end
    elseif cmd == "call" then
      if client then call(client, f) else reply_error({ kind = "DriverError", message = "no client" }) end
    elseif cmd == "close" then
      if client then client:close() end
      client = nil
      reply_ok()
    elseif cmd then
      reply_error({ kind = "DriverError", message = "unknown command " .. cmd })
    end
  end)
  if not ok then reply_error({ kind = "LuaError", message = tostring(perr) }) end
end
if client then client:close() end
