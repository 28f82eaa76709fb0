-- The one JSON converter (bindings/lua/convert.c), seen through
-- light.json.encode/decode and through real calls.
local light = require "light"
local H = require "helper"
local json = light.json

describe("JSON → Lua", function()
  it("maps null, booleans, strings, numbers, arrays and objects", function()
    local v = json.decode('{"n":null,"t":true,"f":false,"s":"x\\u00e9","i":42,"neg":-7,"d":1.5,"big":9007199254740991,'
      .. '"nul":"before\\u0000after","a":[1,"two",null],"e":[],"o":{},"money":"10.50"}')
    assert.are.equal(light.null, v.n)
    assert.is_true(v.t)
    assert.is_false(v.f)
    assert.are.equal("xé", v.s)
    assert.are.equal(42, v.i)
    assert.are.equal(-7, v.neg)
    assert.are.equal(1.5, v.d)
    assert.are.equal("10.50", v.money) -- money stays a string
    assert.are.equal(3, #v.a)
    assert.are.equal(light.null, v.a[3])
    assert.is_true(light.is_array(v.a))
    assert.is_true(light.is_array(v.e))
    assert.is_false(light.is_array(v.o))
    assert.are.same({}, v.o)
    assert.are.equal("before\0after", v.nul) -- a NUL is kept, with the length
  end)

  it("refuses what it cannot hold exactly, with the decode error of every language", function()
    local v, err = json.decode('[9007199254740992]')
    assert.is_nil(v)
    assert.are.equal("APIResponseValidationError", err.kind)
    assert.matches("cannot be held exactly at byte 1 of 18", err.message, 1, true)
    v, err = json.decode('["\\ud800"]')
    assert.is_nil(v)
    assert.matches("lone surrogate escape at byte 2 of 10", err.message, 1, true)
    v, err = json.decode('["\255"]')
    assert.is_nil(v)
    assert.matches("invalid UTF-8 at byte 2 of 5", err.message, 1, true)
  end)

  it("keeps integers integers on Lua 5.4", function()
    local v = json.decode('{"i":42,"z":0,"neg":-3,"d":2.5,"whole":3.0}')
    if math.type then
      assert.are.equal("integer", math.type(v.i))
      assert.are.equal("integer", math.type(v.z))
      assert.are.equal("integer", math.type(v.neg))
      assert.are.equal("float", math.type(v.d))
      assert.are.equal("42", tostring(v.i))
    else
      assert.are.equal(42, v.i) -- LuaJIT: one number type
    end
  end)

  it("light.null is ngx.null-compatible: a NULL light userdata", function()
    assert.are.equal("userdata", type(light.null))
    assert.are.equal(light.null, light.core.null)
  end)

  it("reports invalid JSON as nil, err", function()
    local v, err = json.decode("{nope")
    assert.is_nil(v)
    assert.are.equal("APIResponseValidationError", err.kind)
    v, err = json.decode(42)
    assert.is_nil(v)
    assert.are.equal("InvalidArgumentError", err.kind)
  end)
end)

describe("Lua → JSON", function()
  it("encodes sequences as arrays and string-keyed tables as objects", function()
    assert.are.equal('[1,2,3]', json.encode{ 1, 2, 3 })
    assert.are.equal('{"a":1}', json.encode{ a = 1 })
    assert.are.equal('{}', json.encode{})
    assert.are.equal('[]', json.encode(light.array{}))
    assert.are.equal('[]', json.encode(json.decode("[]"))) -- decoded arrays round-trip
    assert.are.equal('{"x":null}', json.encode{ x = light.null })
    assert.are.equal('"s"', json.encode("s"))
    assert.are.equal('true', json.encode(true))
    assert.are.equal('2.5', json.encode(2.5))
    assert.are.equal('7', json.encode(7))
    assert.are.equal('{"s":"a\\u0000b"}', json.encode{ s = "a\0b" }) -- NUL in a string value: escaped, not cut
  end)

  it("round-trips nested values", function()
    local v = { list = { { id = 1 }, { id = 2, tags = light.array{} } }, name = "n", none = light.null }
    assert.are.same(v, json.decode(json.encode(v)))
  end)

  it("refuses what JSON cannot hold", function()
    local cyc = {}
    cyc.me = cyc
    for _, bad in ipairs{ { f = print }, { 1, 2, x = 3 }, { [1] = "a", [3] = "c" }, { [true] = 1 }, cyc,
      { n = 0 / 0 }, { n = math.huge }, { ["k\0"] = "v" }, { co = coroutine.create(print) } } do
      local s, err = json.encode(bad)
      assert.is_nil(s)
      assert.are.equal("InvalidArgumentError", err.kind)
    end
  end)
end)

describe("through the API", function()
  before_each(H.clean)

  it("sends bodies exactly and keeps unknown response keys", function()
    local c = H.client()
    H.clear_journal()
    local acct = assert(c.accounts:create{ email = H.email("conv"), first_name = "Zoë", metadata_unknown = { 1, 2 } })
    local j = H.journal()
    local sent = json.decode(j[#j].body)
    assert.are.equal("Zoë", sent.first_name)
    assert.are.same({ 1, 2 }, sent.metadata_unknown)
    assert.are.equal("Zoë", acct.first_name)
    assert.is_table(acct.enrollment)
    assert.is_boolean(acct.enrollment.has_accepted_plan)
  end)
end)
