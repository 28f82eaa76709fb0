--- Example nginx gateway handlers for the Light SDK (see nginx.conf).
-- Configuration comes from the environment (declare it with `env` in
-- nginx.conf): LIGHT_APP_TOKEN, LIGHT_BASE_URL, LIGHT_WEBHOOK_SECRET (comma
-- separated for rotation), LIGHT_TRANSPORT (optional: auto | curl | nginx).
local light = require "light"

local M = {}

local secrets
local function webhook_secrets()
  if not secrets then
    secrets = {}
    for s in (os.getenv("LIGHT_WEBHOOK_SECRET") or ""):gmatch("[^,%s]+") do secrets[#secrets + 1] = s end
  end
  return secrets
end

-- One client per worker process, created on first use (or in
-- init_worker_by_lua*; never per request: the client holds the token cache).
-- With `lua_shared_dict light` in nginx.conf, tokens and the rate limiter are
-- shared by all workers.
local client
local function get_client()
  if not client then
    local err
    client, err = light.new{
      app_token = os.getenv("LIGHT_APP_TOKEN"),
      base_url = os.getenv("LIGHT_BASE_URL"),
      timeout = 30,
      -- "auto" (default): cosockets here; "curl" blocks the worker (tests' control experiment)
      transport = os.getenv("LIGHT_TRANSPORT") ~= "" and os.getenv("LIGHT_TRANSPORT") or nil,
    }
    if not client then
      ngx.log(ngx.ERR, "light: ", tostring(err))
      return nil, err
    end
  end
  return client
end

-- (Content-Type comes from `default_type application/json` in gateway.conf.)
local function reply(status, value)
  ngx.status = status
  ngx.print(light.json.encode(value))
  return ngx.exit(status)
end

-- The raw request body: from memory, or from the file nginx spooled it to.
local function raw_body()
  ngx.req.read_body()
  local body = ngx.req.get_body_data()
  if body then return body end
  local path = ngx.req.get_body_file()
  if not path then return "" end
  local f, err = io.open(path, "rb")
  if not f then return nil, err end
  body = f:read("*a")
  f:close()
  return body
end

-- The 200 answer, built without the JSON encoder when event and uuid are
-- plain tokens (always, for Light's events); the encoder otherwise.
local function received(event)
  local name, uuid = event.event, event.uuid
  if type(name) == "string" and type(uuid) == "string" and not name:find("[^%w._-]")
      and not uuid:find("[^%w._-]") then
    ngx.print('{"event":"', name, '","received":true,"uuid":"', uuid, '"}')
    return
  end
  ngx.print(light.json.encode({ received = true, event = event.event, uuid = event.uuid or light.null }))
end

function M.webhook()
  if ngx.req.get_method() ~= "POST" then return reply(405, { error = "method_not_allowed" }) end
  local body, ferr = raw_body()
  if not body then
    ngx.log(ngx.ERR, "light webhook: cannot read the spooled body: ", ferr)
    return reply(500, { error = "body_unreadable" })
  end
  -- $http_light_signature_v1: the Light-Signature-v1 header (cheaper than
  -- building the whole ngx.req.get_headers() table on every delivery)
  local sig = ngx.var.http_light_signature_v1
  local event, err = light.webhooks.verify(body, sig, webhook_secrets())
  if not event then
    -- 400, as examples/lua/nginx-webhook answers: the same status for the same bad signature
    return reply(400, { error = err.reason or err.kind })
  end
  -- Hand the event to the application here (queue it, log it, ...).
  -- 200 is the default status: nothing else to set, no ngx.exit needed.
  received(event)
end

function M.account()
  local uuid = ngx.var.arg_uuid
  if not uuid or uuid == "" then return reply(400, { error = "uuid query parameter required" }) end
  local c, cerr = get_client()
  if not c then return reply(500, { error = cerr.kind }) end
  local acct, err = c:for_account(uuid)
  if not acct then return reply(400, { error = err.kind, message = err.message }) end
  local me
  me, err = acct:retrieve()
  if not me then
    local status = (err.status and err.status >= 400 and err.status < 500) and err.status or 502
    return reply(status, { error = err.kind, message = err.message, request_id = err.request_id or light.null })
  end
  return reply(200, { uuid = me.uuid, status = me.status, status_reason = me.status_reason })
end

return M
