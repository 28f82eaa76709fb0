-- The core's option table, walked: every option is accepted with a good
-- value and refused with NaN, ±Infinity, negatives and the wrong type; an
-- unknown name is refused; strings cross with their length (NUL refused);
-- closing an app client closes the clients derived from it.
local light = require "light"
local H = require "helper"

local function base()
  return { app_token = H.app_token, base_url = H.url }
end

local function with(name, value)
  local o = base()
  o[name] = value
  return o
end

local function refused(name, value, param)
  local c, err = light.new(with(name, value))
  assert.is_nil(c, ("option %s = %s was accepted"):format(name, tostring(value)))
  assert.are.equal("InvalidArgumentError", err.kind)
  assert.is_string(err.message)
  if param ~= false then assert.are.equal(param or name, err.param) end
  return err
end

local function good_value(o)
  if o.type == "string" then
    if o.name == "base_url" then return H.url end
    if o.name == "proxy" then return "http://127.0.0.1:9" end
    return "tok_" .. o.name
  elseif o.type == "enum" then
    return "off"
  elseif o.type == "boolean" then
    return true
  end
  local v = math.floor((o.min + o.max) / 2)
  if o.max < 10 then v = (o.min + o.max) / 2 end
  if o.unit == "ms" then return v / 1000 end -- Lua durations are seconds
  return v
end

describe("option table", function()
  it("lists the core's options (internal ones hidden)", function()
    assert.is_true(#light.options >= 17)
    local names = {}
    for _, o in ipairs(light.options) do
      names[o.name] = true
      assert.is_string(o.doc)
      assert.is_string(o.default)
      assert.is_false(o.internal)
    end
    for _, n in ipairs({ "retry_after_cap", "rate_limit", "app_rate_per_s", "account_rate_per_s", "log_level",
                          "max_response_bytes", "timeout", "connect_timeout" }) do
      assert.is_true(names[n], n)
    end
    assert.is_nil(names.user_agent_runtime)
  end)

  it("accepts every option with a good value", function()
    for _, o in ipairs(light.options) do
      local opts = with(o.name, good_value(o))
      if o.name == "account_token" then opts.app_token = nil end
      local c, err = light.new(opts)
      assert.truthy(c, o.name .. ": " .. tostring(err))
      c:close()
    end
  end)

  it("refuses NaN, infinities, negatives, out of range and the wrong type", function()
    for _, o in ipairs(light.options) do
      if o.type == "integer" or o.type == "number" then
        refused(o.name, 0 / 0)
        refused(o.name, math.huge)
        refused(o.name, -math.huge)
        refused(o.name, -1)
        refused(o.name, o.max * 1000 + 1)
        refused(o.name, "5")
        refused(o.name, true)
        if o.type == "integer" and o.unit ~= "ms" then refused(o.name, o.min + 0.5) end
      elseif o.type == "boolean" then
        refused(o.name, "yes")
        refused(o.name, 1)
      else
        refused(o.name, 5)
        refused(o.name, "a\0b")
        if o.type == "enum" then refused(o.name, "loud") end
      end
    end
  end)

  it("refuses an unknown option name (and internal ones)", function()
    local err = refused("max_retry", 1, false)
    assert.truthy(err.message:find("unknown option 'max_retry'", 1, true))
    err = refused("maxRetries", 1, false) -- camelCase is Node's spelling
    assert.truthy(err.message:find("unknown option", 1, true))
    refused("user_agent_runtime", "x", false)
  end)

  it("refuses a base_url with a NUL (no allow-list bypass) and max_retries 0/0", function()
    local err = refused("base_url", "http://127.0.0.1:18099\0.api.light.dev")
    assert.truthy(err.message:find("NUL", 1, true))
    refused("app_token", "tok\0en")
    refused("app_token", "tok\r\nX-Evil: 1")
    refused("max_retries", 0 / 0)
    refused("timeout", math.huge)
  end)

  it("light.null is the default; a table that is not a record of options is refused", function()
    local c = assert(light.new(with("base_url", light.null)))
    assert.are.equal("https://api.light.dev", c:base_url())
    c:close()
    local o = base()
    o[1] = "positional"
    local c2, err = light.new(o)
    assert.is_nil(c2)
    assert.are.equal("InvalidArgumentError", err.kind)
    assert.are.equal("options", err.param)
    assert.truthy(err.message:find("string keys", 1, true))
  end)

  it("the host the Lua layer names is appended to the User-Agent", function()
    local ud = assert(light.core.client_new(base(), "nginx/1.2.3"))
    H.clear_journal()
    assert(ud:call("list_accounts"))
    local j = H.journal()
    assert.truthy(j[#j].headers["User-Agent"]:find(" nginx/1.2.3", 1, true), j[#j].headers["User-Agent"])
    ud:close()
  end)

  it("an account_uuid with a NUL is refused", function()
    local c = H.client()
    local a, err = c:for_account("abc\0def")
    assert.is_nil(a)
    assert.are.equal("account_uuid", err.param)
    c:close()
  end)

  it("closing the app client closes its account clients", function()
    local c = H.client()
    local a = assert(c:for_account("00000000-0000-0000-0000-000000000001"))
    c:close()
    local v, err = a:retrieve()
    assert.is_nil(v)
    assert.are.equal("LightError", err.kind)
    assert.truthy(err.message:find("closed", 1, true))
    assert.is_nil(err.status)
    v, err = c:for_account("00000000-0000-0000-0000-000000000002")
    assert.is_nil(v)
    assert.are.equal("LightError", err.kind)
  end)

  it("an account client keeps its app client alive (collecting it does not close the account client)", function()
    local a = assert(H.client():for_account("00000000-0000-0000-0000-000000000001"))
    collectgarbage()
    collectgarbage()
    local v, err = a:retrieve()
    if not v then assert.is_nil(err.message:find("closed", 1, true), tostring(err)) end
  end)

  it("never shows userinfo of base_url", function()
    local c = assert(light.new{ app_token = "t", base_url = "http://user:PW@127.0.0.1:9" })
    assert.is_nil(tostring(c):find("PW", 1, true))
    assert.is_nil(c:base_url():find("PW", 1, true))
    c:close()
  end)
end)

describe("error kinds", function()
  it("come from the core with their parents", function()
    local kinds = light.core.error_kinds()
    assert.are.equal("LightError", kinds[1].name)
    assert.is_nil(kinds[1].parent)
    local by = {}
    for _, k in ipairs(kinds) do by[k.name] = k end
    assert.are.equal("APIError", by.NotFoundError.parent)
    assert.are.equal(404, by.NotFoundError.status)
    assert.are.equal("APIConnectionError", by.APITimeoutError.parent)
    assert.are.equal("APIError", by.APIResponseValidationError.parent)
    local e = light.new_error("APITimeoutError", "x")
    assert.is_true(e:is("APIConnectionError"))
    assert.is_true(e:is("LightError"))
    assert.is_false(e:is("APIError"))
    assert.is_nil(e.status)
  end)
end)
