-- Child of tests/lua/test_lua_interrupt.py: one blocking call the parent
-- interrupts with SIGINT. Usage: lua interrupt_child.lua SCENARIO BASE_URL APP_TOKEN
--   transfer  GET list_accounts (delayed 20 s by the parent); the error is
--             left uncaught: the interpreter reports "interrupted" and exits 1
--   caught    the same call under pcall: prints "caught <message>", then the
--             same client makes another call ("after ok") and exits 3
--   backoff   GET list_accounts answered 503 + Retry-After: 20 once (uncaught)
local light = require "light"
local scenario, base_url, token = arg[1], arg[2], arg[3]
local c = assert(light.new{ app_token = token, base_url = base_url, max_retries = scenario == "backoff" and 1 or 0 })
local function say(s) io.stdout:write(s, "\n"); io.stdout:flush() end

say("calling")
if scenario == "caught" then
  local ok, err = pcall(function() return c.accounts:list() end)
  if ok then say("returned") os.exit(0) end
  say("caught " .. tostring(err))
  local v, e = c.accounts:list()
  if v then say("after ok") else say("after failed " .. tostring(e)) end
  os.exit(3)
end
local v = c.accounts:list()
say("returned")
