--- A Light webhook receiver for nginx + Lua (see webhook.conf and nginx.conf).
--
-- POST /webhooks/light: the raw body and its Light-Signature-v1 header are
-- verified with light.webhooks.verify against LIGHT_WEBHOOK_SECRET (comma
-- separated for rotation: old and new secret both accepted).
--   verified            → 200 {"received": true, "event": ..., "uuid": ...}
--   already handled     → 200 {"received": true, "duplicate": true} (Light retries deliveries)
--   anything else       → 400 {"error": "<reason>"} (malformed_header, signature_mismatch,
--                         timestamp_too_old, timestamp_in_future, ...)
-- What was decided goes to the access log (webhook_http.conf's log_format):
-- $light_verdict, $light_event, $light_event_uuid, $light_account.
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

--- The application's part: replace (M.on_event = function(event) ... end) to
-- queue the event for processing. It runs once per event uuid per nginx
-- instance; keep it fast (Light waits for the answer).
function M.on_event(event)
  ngx.log(ngx.INFO, "light webhook: ", event.event, " ", tostring(event.uuid))
end

local function reply(status, value)
  ngx.status = status
  ngx.print(light.json.encode(value))
  return ngx.exit(status)
end

-- The raw request body, byte for byte: from memory, or from the file nginx
-- spooled it to. (Never verify a re-encoded table.)
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

-- data.account.uuid (account.*, enrollment.*, location.* and comparison events carry it)
local function account_of(event)
  local acct = type(event.data) == "table" and event.data.account
  if type(acct) == "table" and type(acct.uuid) == "string" then return acct.uuid end
  return nil
end

function M.handle()
  if ngx.req.get_method() ~= "POST" then
    ngx.header["Allow"] = "POST"
    return reply(405, { error = "method_not_allowed" })
  end
  local body, ferr = raw_body()
  if not body then
    ngx.log(ngx.ERR, "light webhook: cannot read the spooled body: ", ferr)
    return reply(500, { error = "body_unreadable" })
  end
  local event, err = light.webhooks.verify(body, ngx.var.http_light_signature_v1, webhook_secrets())
  if not event then
    local reason = err.reason or err.kind
    ngx.var.light_verdict = reason
    return reply(400, { error = reason })
  end
  ngx.var.light_event = event.event
  local uuid = type(event.uuid) == "string" and event.uuid or nil
  ngx.var.light_event_uuid = uuid or "-"
  ngx.var.light_account = account_of(event) or "-"
  -- Handle each event once: a retried delivery of a handled event is acknowledged only.
  local seen = ngx.shared.light_webhook_seen
  if seen and uuid then
    local fresh = seen:add(uuid, true, 86400)
    if not fresh then
      ngx.var.light_verdict = "duplicate"
      return reply(200, { received = true, duplicate = true, uuid = uuid })
    end
  end
  ngx.var.light_verdict = "verified"
  local ok, perr = pcall(M.on_event, event)
  if not ok then
    -- Not handled: forget it so Light's retry gets another chance, and ask for one.
    if seen and uuid then seen:delete(uuid) end
    ngx.log(ngx.ERR, "light webhook: handler failed: ", tostring(perr))
    ngx.var.light_verdict = "handler_error"
    return reply(500, { error = "handler_error" })
  end
  return reply(200, { received = true, event = event.event, uuid = uuid or light.null })
end

return M
