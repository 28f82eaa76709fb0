-- Fault-matrix driver inside nginx (protocol: tests/faults/driver.c): the
-- body of POST /drv is one command line, the answer one JSON line.
-- tests/faults/driver_nginx.py starts nginx (one worker) and relays stdin to
-- it. The client is the worker's, created by `new` and used by every call
-- until the next `new` — over the cosocket transport (light.nginx).
local light = require "light"

local M = {}
local client

local function reply(t)
  ngx.say(light.json.encode(t))
end

local function error_reply(err)
  if type(err) ~= "table" then
    return reply({ ok = false, kind = "LuaError", message = tostring(err) })
  end
  return reply({ ok = false, kind = err.kind, status = err.status or light.null, retries = err.retries or light.null,
                 message = err.message or light.null })
end

local function new_client(f)
  local o = { app_token = f.token, base_url = f.base_url, retry_base = 0.01, retry_max = 0.05 }
  if f.connect_timeout_ms then o.connect_timeout = tonumber(f.connect_timeout_ms) / 1000 end
  if f.max_response_bytes then o.max_response_bytes = tonumber(f.max_response_bytes) end
  if f.ca_file then o.ca_file = f.ca_file end
  return light.new(o)
end

local function call(f)
  local opts = {}
  if f.timeout_ms then opts.timeout = tonumber(f.timeout_ms) / 1000 end
  local v, err
  if f.op == "get" then
    v, err = client.plan_groups:list(nil, opts)
  elseif f.op == "post" then
    v, err = client.accounts:create({ email = f.email or "nginx-driver@example.com" }, opts)
  else
    return error_reply({ kind = "DriverError", message = "op must be get or post" })
  end
  if v == nil then return error_reply(err) end
  return reply({ ok = true })
end

function M.handle()
  ngx.req.read_body()
  local line = ngx.req.get_body_data() or ""
  local cmd, f = nil, {}
  for part in line:gmatch("[^\t\n]+") do
    if not cmd then
      cmd = part
    else
      local k, v = part:match("^([^=]+)=(.*)$")
      if k then f[k] = v end
    end
  end
  local ok, perr = pcall(function()
    if cmd == "new" then
      if client then client:close() end
      local err
      client, err = new_client(f)
      if client then reply({ ok = true }) else error_reply(err) end
    elseif cmd == "call" then
      if client then call(f) else error_reply({ kind = "DriverError", message = "no client" }) end
    elseif cmd == "close" then
      if client then client:close() end
      client = nil
      reply({ ok = true })
    else
      error_reply({ kind = "DriverError", message = "unknown command " .. tostring(cmd) })
    end
  end)
  if not ok then error_reply({ kind = "LuaError", message = tostring(perr) }) end
end

return M
