-- Decode the ~300 KB usage-intervals body (path in arg[1]) with light.core's
-- json_decode (the core's parser building Lua tables; what a response goes
-- through) and with lua-cjson (Debian's lua-cjson, the OpenResty default),
-- interleaved, best of 9 rounds. Prints one JSON line. Not a test.
--   lua5.4 bench/lua/decode.lua FILE     luajit bench/lua/decode.lua FILE
local core = require "light.core"
local cjson = require "cjson"
local f = assert(io.open(arg[1], "rb"))
local doc = f:read("*a")
f:close()
local a, b = core.json_decode(doc), cjson.decode(doc)
assert(#a.intervals == #b.intervals and a.intervals[7].start == b.intervals[7].start, "the decoders disagree")
local n = tonumber(arg[2]) or 30
local clock = os.clock
local best = { light = math.huge, cjson = math.huge }
local fns = { light = function() return core.json_decode(doc) end, cjson = function() return cjson.decode(doc) end }
for round = 1, 9 do
  for _, k in ipairs(round % 2 == 1 and { "light", "cjson" } or { "cjson", "light" }) do
    collectgarbage("collect")
    local fn = fns[k]
    local t0 = clock()
    for _ = 1, n do fn() end
    local t = (clock() - t0) / n
    if t < best[k] then best[k] = t end
  end
end
print(string.format('{"runtime": "%s", "bytes": %d, "light_ms": %.4f, "cjson_ms": %.4f}',
  jit and jit.version or _VERSION, #doc, best.light * 1e3, best.cjson * 1e3))
