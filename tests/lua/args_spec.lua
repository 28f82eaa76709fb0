-- The core's argument rule seen from Lua (issue 13 item 2, issue 14 items
-- 1/8/9, issue 17 item 3): what reaches the wire, what is refused before any
-- I/O (nil, err with err.kind == "InvalidArgumentError" and the core's message).
local light = require "light"
local H = require "helper"
local json = light.json

local function refused(pattern, v, err)
  assert.is_nil(v)
  assert.is_table(err, "an err table")
  assert.are.equal("InvalidArgumentError", err.kind)
  assert.truthy(tostring(err.message):find(pattern, 1, true), ("'%s' lacks '%s'"):format(tostring(err.message), pattern))
end

local function last()
  local j = H.journal()
  return j[#j]
end

describe("arguments", function()
  before_each(H.clean)

  it("are refused before any I/O, with the core's messages", function()
    local c = H.client()
    H.clear_journal()
    refused("path parameter 'account_uuid' contains a NUL byte", c.accounts:retrieve("ab\0c"))
    refused("path parameter 'account_uuid' must be a string", c.accounts:retrieve(0 / 0))
    refused("longer than 8192 bytes", c.accounts:retrieve(("x"):rep(10 * 1024 * 1024)))
    refused("query parameter 'q' is longer than 8192 bytes", c.accounts:list{ q = ("y"):rep(9000) })
    refused("query parameter 'limit' is NaN or Infinity", c.accounts:list{ limit = 0 / 0 })
    refused("contains a NUL byte", c.accounts:list{ ["k\0"] = "v" })
    refused("body key", c.accounts:create{ email = "a@b.c", ["n\0x"] = 1 })
    refused("NaN and Infinity cannot be sent as JSON", c.accounts:create{ email = "a@b.c", n = math.huge })
    if math.type then -- Lua 5.4: integers are exact, and refused beyond 2^53 in a body
      refused("beyond +-2^53", c.accounts:create{ email = "a@b.c", n = math.maxinteger })
    else
      refused("beyond +-2^53", c.accounts:create{ email = "a@b.c", n = 2 ^ 60 })
    end
    refused("missing required body field 'email'", c.accounts:create{})
    refused("too many arguments", c.accounts:retrieve("a", {}, {}, {}))
    refused("unknown per-call option 'tiemout'", c.accounts:list(nil, { tiemout = 5 }))
    refused("extra_body must be an object", c.accounts:create({ email = "a@b.c" }, { extra_body = "x" }))
    refused("timeout must be a positive finite number of seconds", c.accounts:list(nil, { timeout = math.huge }))
    refused("max_retries must be an integer from 0 to 100", c.accounts:list(nil, { max_retries = 0 / 0 }))
    refused("cannot be set per call", c.accounts:list(nil, { extra_headers = { Authorization = "x" } }))
    refused("cannot be set per call", c.accounts:list(nil, { extra_headers = { Host = "evil" } }))
    refused("CR, LF", c.accounts:list(nil, { extra_headers = { ["X-Ok"] = "a\r\nInjected: 1" } }))
    refused("not a valid token", c.accounts:list(nil, { extra_headers = { ["X-A\r\nB"] = "v" } }))
    refused("unknown argument 'limit'", c:request("GET", "/v1/app/accounts", { limit = 1 }))
    refused("path contains", c:request("GET", "/v1/app/accounts\0x"))
    local big = {}
    for i = 1, 1000001 do big[i] = 0 end
    refused("over the limit", c.accounts:create{ email = "a@b.c", big = big })
    refused("account_uuid contains a NUL byte", c:for_account("abc\0def"))
    assert.are.same({}, H.journal())
  end)

  it("reach the wire as given: NUL in body strings, options, headers, raw request", function()
    local c = H.client()
    local acct = assert(c.accounts:create({ email = H.email("args"), note = "be\0fore" },
      { extra_body = { tag = "x" }, extra_headers = { ["X-Trace"] = "t-1" }, extra_query = { dry = false },
        timeout = 5, max_retries = 0 }))
    local e = last()
    local body = json.decode(e.body)
    assert.are.equal("x", body.tag)
    assert.truthy(e.body:find("be\\u0000fore", 1, true))
    assert.are.equal("t-1", e.headers["X-Trace"])
    -- params are data: a field named like an option or a path parameter is sent as a field
    assert(c.accounts:update(acct.uuid, { timeout = "a field", account_uuid = "also a field" }))
    assert.are.same({ timeout = "a field", account_uuid = "also a field" }, json.decode(last().body))
    assert(c.accounts:retrieve(acct.uuid))
    assert.are.equal("/v1/app/accounts/" .. acct.uuid, last().path)
    local page = assert(c:request("GET", "/v1/app/accounts", { query = { limit = 1 }, headers = { ["X-Raw"] = "1" } }))
    assert.is_true(#page.data <= 1)
    assert.are.equal("1", last().headers["X-Raw"])
    if math.type then
      -- integers beyond 2^53 go exactly in a query (as text)
      assert(c.accounts:list{ limit = 1, big = math.maxinteger })
      local q = last().query
      local v = type(q.big) == "table" and q.big[1] or q.big
      assert.are.equal(tostring(math.maxinteger), v)
    end
  end)
end)
