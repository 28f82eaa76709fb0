-- wrk script: POST the signed 2 KB event from env BENCH_BODY_FILE with the
-- signature from env BENCH_SIGNATURE to /light/webhook; counts non-200s.
local f = assert(io.open(os.getenv("BENCH_BODY_FILE"), "rb"))
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Light-Signature-v1"] = os.getenv("BENCH_SIGNATURE")

local bad = 0
function response(status)
  if status ~= 200 then bad = bad + 1 end
end

function done(summary)
  io.write(("non-200 responses: %d\n"):format(summary.status and (summary.status.status or 0) or 0))
end
