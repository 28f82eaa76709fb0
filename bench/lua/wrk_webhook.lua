-- wrk script: POST the signed 2 KB event from env BENCH_BODY_FILE with the
-- signature from env BENCH_SIGNATURE (wrk reports non-2xx answers itself).
local f = assert(io.open(os.getenv("BENCH_BODY_FILE"), "rb"))
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Light-Signature-v1"] = os.getenv("BENCH_SIGNATURE")
