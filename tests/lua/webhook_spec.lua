-- Webhooks: known-answer signature, verification reasons, tolerance both
-- ways, rotation, binary and 1 MB bodies, envelopes, event names, and the
-- emulator's own signed deliveries.
local light = require "light"
local H = require "helper"
local webhooks = light.webhooks

local NOW = 1700000000
local SECRET = "whsec_test"
local EVENT = '{"event":"enrollment.finalized","data":{}}'

-- 1 MiB of bytes (i*131+7) % 256, as in the Python cross-check below.
local function big_body()
  local parts = {}
  for i = 0, 255 do parts[#parts + 1] = string.char((i * 131 + 7) % 256) end
  local block = table.concat(parts) -- 256 bytes; the sequence repeats every 256
  return string.rep(block, 4096)
end

describe("webhooks.sign", function()
  it("matches the known answer (Python hmac)", function()
    assert.are.equal("1700000000.53edb8c9897bc4cbaac9cfa29ba30efebfdffc2774cc7b0f94e0c2f314c6dfe9",
      webhooks.sign(EVENT, SECRET, NOW))
  end)

  it("signs 1 MiB of binary data like Python hmac does", function()
    local body = big_body()
    assert.are.equal(1048576, #body)
    assert.are.equal("1700000000.fc006014ec44fff2f83b85897c938d2fb9cfba8aef77b838c49c0c801a83c451",
      webhooks.sign(body, "whsec_big", NOW))
  end)

  it("uses the current time by default", function()
    local sig = webhooks.sign(EVENT, SECRET)
    local ts = tonumber(sig:match("^(%d+)%."))
    assert.is_true(math.abs(ts - os.time()) <= 5)
  end)

  it("refuses an empty secret and bad types with nil, err", function()
    for _, args in ipairs{ { EVENT, "" }, { EVENT, nil }, { nil, SECRET }, { EVENT, SECRET, "now" }, { EVENT, SECRET, -1 } } do
      local s, err = webhooks.sign(args[1], args[2], args[3])
      assert.is_nil(s)
      assert.are.equal("InvalidArgumentError", err.kind)
    end
  end)
end)

describe("webhooks.verify", function()
  local sig = webhooks.sign(EVENT, SECRET, NOW)

  local function refused(reason, ev, err)
    assert.is_nil(ev)
    assert.are.equal("SignatureVerificationError", err.kind)
    assert.are.equal(reason, err.reason)
    assert.is_nil(tostring(err):find(SECRET, 1, true))
  end

  it("returns the parsed event for a valid signature", function()
    local ev, err = webhooks.verify(EVENT, sig, SECRET, { now = NOW })
    assert(ev, tostring(err))
    assert.are.equal("enrollment.finalized", ev.event)
    assert.are.equal(light.events.ENROLLMENT_FINALIZED, ev.event)
    assert.are.same({}, ev.data)
    assert.is_true(webhooks.verify_signature(EVENT, sig, SECRET, { now = NOW }))
  end)

  it("accepts the edge of the tolerance window both ways", function()
    assert.truthy(webhooks.verify(EVENT, sig, SECRET, { now = NOW + 3600 }))
    assert.truthy(webhooks.verify(EVENT, sig, SECRET, { now = NOW - 3600 }))
    assert.truthy(webhooks.verify(EVENT, sig, SECRET, { now = NOW + 10, tolerance = 10 }))
  end)

  it("refuses an old (replayed) signature", function()
    refused("timestamp_too_old", webhooks.verify(EVENT, sig, SECRET, { now = NOW + 3601 }))
    refused("timestamp_too_old", webhooks.verify(EVENT, sig, SECRET, { now = NOW + 11, tolerance = 10 }))
    -- the real clock: a signature from two hours ago
    local old = webhooks.sign(EVENT, SECRET, os.time() - 7200)
    refused("timestamp_too_old", webhooks.verify(EVENT, old, SECRET))
  end)

  it("refuses a signature from the future", function()
    refused("timestamp_in_future", webhooks.verify(EVENT, sig, SECRET, { now = NOW - 3601 }))
    local future = webhooks.sign(EVENT, SECRET, os.time() + 7200)
    refused("timestamp_in_future", webhooks.verify(EVENT, future, SECRET))
  end)

  it("nothing switches the window off: tolerance 0, negative, NaN, huge are refused", function()
    for _, tol in ipairs({ 0, -1, 0 / 0, math.huge, -math.huge, 10 ^ 12, 0.5 }) do
      local v, err = webhooks.verify(EVENT, sig, SECRET, { now = NOW + 10 ^ 7, tolerance = tol })
      assert.is_nil(v)
      assert.are.equal("InvalidArgumentError", err.kind)
      assert.are.equal("tolerance", err.param)
      v, err = webhooks.verify_signature(EVENT, sig, SECRET, { now = NOW, tolerance = tol })
      assert.is_nil(v)
      assert.are.equal("tolerance", err.param)
    end
    assert.truthy(webhooks.verify(EVENT, sig, SECRET, { now = NOW + 100, tolerance = 604800 }))
  end)

  it("a secret with a NUL inside is refused by sign and verify alike", function()
    local v, err = webhooks.sign(EVENT, "whsec_dev\0REALSECRET", NOW)
    assert.is_nil(v)
    assert.are.equal("secret", err.param)
    local good = webhooks.sign(EVENT, "whsec_dev", NOW)
    v, err = webhooks.verify(EVENT, good, "whsec_dev\0REALSECRET", { now = NOW })
    assert.is_nil(v)
    assert.are.equal("InvalidArgumentError", err.kind)
    v, err = webhooks.verify(EVENT, good, { "whsec_x", "whsec_dev\0REALSECRET" }, { now = NOW })
    assert.is_nil(v)
    assert.are.equal("secret", err.param)
  end)

  it("refuses a wrong secret, a tampered body and a tampered signature", function()
    refused("signature_mismatch", webhooks.verify(EVENT, sig, "whsec_other", { now = NOW }))
    refused("signature_mismatch", webhooks.verify(EVENT .. " ", sig, SECRET, { now = NOW }))
    local flipped = sig:sub(1, -2) .. (sig:sub(-1) == "0" and "1" or "0")
    refused("signature_mismatch", webhooks.verify(EVENT, flipped, SECRET, { now = NOW }))
    -- the timestamp is signed too
    local moved = (NOW + 1) .. sig:match("(%..*)$")
    refused("signature_mismatch", webhooks.verify(EVENT, moved, SECRET, { now = NOW }))
  end)

  it("refuses malformed headers", function()
    for _, h in ipairs{ "", "abc", "1700000000", "1700000000.", ".abcdef", "x.53edb8c9", "1700000000.XYZ",
      "1700000000." .. ("A"):rep(64), "1700000000." .. ("a"):rep(63), " 1700000000." .. ("a"):rep(64) } do
      refused("malformed_header", webhooks.verify(EVENT, h, SECRET, { now = NOW }))
    end
    refused("malformed_header", webhooks.verify(EVENT, nil, SECRET, { now = NOW }))
  end)

  it("supports secret rotation (a list of secrets)", function()
    local ev = webhooks.verify(EVENT, sig, { "whsec_new", SECRET }, { now = NOW })
    assert.are.equal("enrollment.finalized", ev.event)
    refused("signature_mismatch", webhooks.verify(EVENT, sig, { "whsec_new", "whsec_newer" }, { now = NOW }))
  end)

  it("refuses when no secret is given", function()
    refused("no_secret", webhooks.verify(EVENT, sig, "", { now = NOW }))
    refused("no_secret", webhooks.verify(EVENT, sig, {}, { now = NOW }))
  end)

  it("verifies a 1 MiB body and refuses it with one byte changed", function()
    local body = '{"event":"usage_profile.completed","data":{"blob":"' .. ("x"):rep(1048576) .. '"}}'
    local s = webhooks.sign(body, SECRET, NOW)
    local ev, err = webhooks.verify(body, s, SECRET, { now = NOW })
    assert(ev, tostring(err))
    assert.are.equal(1048576, #ev.data.blob)
    local tampered = body:sub(1, 600000) .. "y" .. body:sub(600002)
    refused("signature_mismatch", webhooks.verify(tampered, s, SECRET, { now = NOW }))
  end)

  it("verifies binary payloads with NUL bytes (signature only)", function()
    local body = big_body()
    local s = webhooks.sign(body, "whsec_big", NOW)
    assert.is_true(webhooks.verify_signature(body, s, "whsec_big", { now = NOW }))
    -- a valid signature over something that is not an event envelope
    local ev, err = webhooks.verify(body, s, "whsec_big", { now = NOW })
    assert.is_nil(ev)
    assert.are.equal("APIResponseValidationError", err.kind)
  end)

  it("keeps unknown envelope keys and JSON types", function()
    local body = '{"uuid":"e1","created_at":"2024-01-01T00:00:00Z","api_version":"v1","event":"account.invoice_sent",'
      .. '"data":{"amount":"12.34","count":3,"ratio":0.5,"none":null,"list":[]},"brand_new":true}'
    local ev = assert(webhooks.verify(body, webhooks.sign(body, SECRET, NOW), SECRET, { now = NOW }))
    assert.is_true(ev.brand_new)
    assert.are.equal("12.34", ev.data.amount)
    assert.are.equal(3, ev.data.count)
    if math.type then assert.are.equal("integer", math.type(ev.data.count)) end
    assert.are.equal(0.5, ev.data.ratio)
    assert.are.equal(light.null, ev.data.none)
    assert.is_true(light.is_array(ev.data.list))
  end)

  it("returns nil, InvalidArgumentError for wrong argument types", function()
    for _, args in ipairs{ { nil, sig, SECRET }, { 42, sig, SECRET }, { EVENT, 42, SECRET }, { EVENT, sig, 42 },
      { EVENT, sig, { 42 } } } do
      local ev, err = webhooks.verify(args[1], args[2], args[3], { now = NOW })
      assert.is_nil(ev)
      assert.are.equal("InvalidArgumentError", err.kind)
    end
    local ev, err = webhooks.verify(EVENT, sig, SECRET, "opts")
    assert.is_nil(ev)
    assert.are.equal("InvalidArgumentError", err.kind)
    ev, err = webhooks.verify(EVENT, sig, SECRET, { now = "soon" })
    assert.is_nil(ev)
    assert.are.equal("InvalidArgumentError", err.kind)
  end)

  it("argument errors are the core's, with one message for every language", function()
    local function invalid(param, needle, v, err)
      assert.is_nil(v)
      assert.are.equal("InvalidArgumentError", err.kind)
      assert.are.equal(param, err.param)
      assert.truthy(err.message:find(needle, 1, true), err.message)
    end
    invalid("payload", "payload must be the raw request body (bytes or a string), not a number",
      webhooks.verify(42, sig, SECRET, { now = NOW }))
    invalid("signature", "signature must be a string (the Light-Signature-v1 header), not a number",
      webhooks.verify(EVENT, 42, SECRET, { now = NOW }))
    invalid("secret", "secret must be a string or a list of strings, not a number",
      webhooks.verify(EVENT, sig, { SECRET, 42 }, { now = NOW }))
    invalid("secret", "secret must be a string or a list of strings, not an object",
      webhooks.verify(EVENT, sig, { key = SECRET }, { now = NOW }))
    local many = {}
    for i = 1, 17 do many[i] = SECRET .. i end
    invalid("secret", "at most 16 secrets (17 given)", webhooks.verify(EVENT, sig, many, { now = NOW }))
    invalid("now", "now must be a number of Unix seconds, not a string",
      webhooks.verify(EVENT, sig, SECRET, { now = "soon" }))
    invalid("secret", "missing required argument 'secret'", light.core.webhook_verify(EVENT, sig))
    invalid("secret", "webhook secret must not be empty", webhooks.sign(EVENT, ""))
    invalid("timestamp", "timestamp must be a number of Unix seconds >= 0", webhooks.sign(EVENT, SECRET, -1))
  end)

  it("a nil secret is no secret (as null / None elsewhere)", function()
    refused("no_secret", webhooks.verify(EVENT, sig, nil, { now = NOW }))
    refused("no_secret", webhooks.verify(EVENT, sig, nil))
  end)
end)

describe("light.events", function()
  it("has the 18 event names as constants", function()
    assert.are.equal(18, #light.event_names)
    local n = 0
    for k, v in pairs(light.events) do
      n = n + 1
      assert.are.equal(k, (v:gsub("%.", "_")):upper())
    end
    assert.are.equal(18, n)
    assert.are.equal("usage_profile.failed", light.events.USAGE_PROFILE_FAILED)
    assert.are.equal("location.service_canceled", light.events.LOCATION_SERVICE_CANCELED)
  end)
end)

describe("the emulator's signed deliveries", function()
  after_each(H.clean)

  it("verify with the sandbox secret", function()
    assert(H.webhook_secret and #H.webhook_secret > 0, "LIGHT_SANDBOX_WEBHOOK_SECRET not set")
    H.clean()
    -- deliver to a closed loopback port, once: the delivery log keeps body and signature
    H.config{ webhook_url = "http://127.0.0.1:9/light/webhook", webhook_retry_delays = light.array{}, webhook_timeout = 1 }
    local app = H.client()
    local acct, ac = H.new_account(app)
    assert(ac.enroll:update_identity{})
    local log
    for _ = 1, 100 do
      log = H.admin("GET", "webhooks")
      if #log > 0 then break end
      os.execute("sleep 0.05")
    end
    assert.is_true(#log > 0)
    local verified = 0
    for _, d in ipairs(log) do
      local ev, err = webhooks.verify(d.body, d.signature, H.webhook_secret)
      assert(ev, tostring(err))
      assert.are.equal(d.event, ev.event)
      local wrong, werr = webhooks.verify(d.body, d.signature, "whsec_not_it")
      assert.is_nil(wrong)
      assert.are.equal("signature_mismatch", werr.reason)
      if ev.event == light.events.ENROLLMENT_IDENTITY_UPDATED then
        assert.are.equal(acct.uuid, ev.data.account.uuid)
      end
      verified = verified + 1
    end
    assert.is_true(verified > 0)
  end)
end)
