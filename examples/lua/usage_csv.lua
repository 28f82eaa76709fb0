-- Usage export: one month of a location's daily usage and its 15-minute
-- intervals as two CSV files, with the totals cross-checked (every day's
-- intervals add up to that day's figure). kWh arrive as decimal strings and
-- are copied to the CSV as given; sums are done in integer watt-hours.
--
--   LIGHT_APP_TOKEN=... LIGHT_BASE_URL=http://127.0.0.1:8080 \
--   lua5.4 examples/lua/usage_csv.lua OUTDIR [YYYY-MM] [account_uuid]
--
-- Writes OUTDIR/daily-YYYY-MM.csv (date,consumption_kwh,generation_kwh) and
-- OUTDIR/intervals-YYYY-MM.csv (date,start,end,consumption_kwh,generation_kwh);
-- the month defaults to last month. Without an account uuid it enrolls a demo
-- account and activates it with the sandbox's seed operation (12 months of
-- usage history) — sandbox only.
local light = require "light"

local outdir, month_arg, uuid = arg[1], arg[2], arg[3]

local function fail(what, err)
  print(("  ✗ %s — %s"):format(what, tostring(err)))
  os.exit(1)
end

local function check(what, v, err)
  if v == nil then fail(what, err) end
  return v
end

if not outdir then fail("usage", "lua usage_csv.lua OUTDIR [YYYY-MM] [account_uuid]") end

local year, month
if month_arg then
  local y, m = month_arg:match("^(%d%d%d%d)-(%d%d)$")
  if not y then fail("month", "expected YYYY-MM, got " .. month_arg) end
  year, month = tonumber(y), tonumber(m)
else
  local now = os.date("*t")
  year, month = now.year, now.month - 1
  if month == 0 then year, month = year - 1, 12 end
end
local tag = ("%04d-%02d"):format(year, month)

-- "12.345" (kWh, up to 3 decimals) → 12345 Wh
local function wh(s)
  local sign, whole, frac = tostring(s):match("^(%-?)(%d+)%.?(%d*)$")
  if not whole or #frac > 3 then fail("usage", "not a kWh figure: " .. tostring(s)) end
  local v = tonumber(whole) * 1000 + tonumber((frac .. "000"):sub(1, 3))
  return sign == "-" and -v or v
end

local function kwh(v)
  return ("%s%d.%03d"):format(v < 0 and "-" or "", math.floor(math.abs(v) / 1000), math.abs(v) % 1000)
end

-- CSV fields: quote when needed (dates and numbers never need it, but be correct).
local function field(v)
  v = tostring(v)
  if v:find('[,"\r\n]') then v = '"' .. v:gsub('"', '""') .. '"' end
  return v
end

local function write_csv(path, header, rows)
  local f, err = io.open(path, "w")
  if not f then fail("write " .. path, err) end
  f:write(table.concat(header, ","), "\n")
  for _, r in ipairs(rows) do
    local out = {}
    for i, v in ipairs(r) do out[i] = field(v) end
    f:write(table.concat(out, ","), "\n")
  end
  f:close()
end

local client = check("client", light.new{})

-- A demo account, enrolled and activated in the sandbox (examples/lua/demo_account.lua).
local demo_account = dofile((arg[0]:match("^(.*[/\\])") or "./") .. "demo_account.lua")

local acct
if uuid then acct = check("account client", client:for_account(uuid)) else uuid, acct = demo_account(client, check, "usage") end
local me = check("account", acct:retrieve())
local loc = me.locations[1]
if not loc then fail("location", "the account has no service location") end
print("account " .. uuid)
print("location " .. loc.uuid)

local daily = check("daily usage", acct.locations.usage:daily(loc.uuid, { month = month, year = year }))
local iv = check("interval usage", acct.locations.usage:intervals(loc.uuid, { month = month, year = year }))
if #daily.days == 0 then fail("daily usage", "no usage in " .. tag) end

-- Cross-check: per day, the intervals add up to the daily figure.
local per_day, count = {}, {}
local irows, itotal = {}, 0
for _, i in ipairs(iv.intervals) do
  local c = wh(i.consumption)
  per_day[i.date] = (per_day[i.date] or 0) + c
  count[i.date] = (count[i.date] or 0) + 1
  itotal = itotal + c
  irows[#irows + 1] = { i.date, i.start, i["end"], i.consumption, i.generation }
end
local drows, dtotal = {}, 0
for _, d in ipairs(daily.days) do
  local c = wh(d.consumption)
  dtotal = dtotal + c
  if per_day[d.date] ~= c then
    fail("cross-check", ("%s: intervals add up to %s kWh, the day to %s"):format(d.date, kwh(per_day[d.date] or 0),
                                                                              d.consumption))
  end
  drows[#drows + 1] = { d.date, d.consumption, d.generation }
end

os.execute(("mkdir -p '%s'"):format(outdir:gsub("'", "'\\''")))
local dpath = ("%s/daily-%s.csv"):format(outdir, tag)
local ipath = ("%s/intervals-%s.csv"):format(outdir, tag)
write_csv(dpath, { "date", "consumption_kwh", "generation_kwh" }, drows)
write_csv(ipath, { "date", "start", "end", "consumption_kwh", "generation_kwh" }, irows)

-- Days whose interval count is not 96 are the daylight-saving change days.
local odd = {}
for _, d in ipairs(daily.days) do
  if count[d.date] ~= 1440 / iv.interval_minutes then odd[#odd + 1] = d.date .. "=" .. count[d.date] end
end
print(("daily %s %d rows %s kWh"):format(dpath, #drows, kwh(dtotal)))
print(("intervals %s %d rows %s kWh every %d min (%s)"):format(ipath, #irows, kwh(itotal), iv.interval_minutes,
                                                              iv.timezone))
print("dst days " .. (#odd > 0 and table.concat(odd, " ") or "none"))
client:close()
