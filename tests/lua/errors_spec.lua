-- Every error kind as an `err` table: kind, status, message, request_id,
-- body, headers, retries, __tostring, err:is() along the class tree.
local light = require "light"
local H = require "helper"

describe("errors", function()
  local c
  before_each(function()
    H.clean()
    c = H.client{ max_retries = 0 }
  end)
  after_each(H.clear_faults)

  local function fault_status(status, extra)
    local f = { method = "GET", path = "/v1/app/accounts", kind = "status", status = status, times = 1 }
    for k, v in pairs(extra or {}) do f[k] = v end
    H.fault(f)
    local v, err = c.accounts:list()
    assert.is_nil(v)
    return err
  end

  local api_kinds = {
    { 400, "BadRequestError" }, { 403, "PermissionDeniedError" }, { 404, "NotFoundError" },
    { 409, "ConflictError" }, { 422, "UnprocessableEntityError" }, { 429, "RateLimitError" },
    { 500, "InternalServerError" }, { 503, "InternalServerError" }, { 418, "APIError" },
  }
  for _, case in ipairs(api_kinds) do
    it(("HTTP %d → %s"):format(case[1], case[2]), function()
      local err = fault_status(case[1])
      assert.are.equal(case[2], err.kind)
      assert.are.equal(case[1], err.status)
      assert.is_true(err:is("APIError"))
      assert.is_true(err:is("LightError"))
      assert.is_false(err:is("APIConnectionError"))
      assert.is_string(err.request_id)
      assert.is_string(err.body)
      assert.truthy(err.body:find("Injected fault", 1, true))
      assert.are.equal("Injected fault: HTTP " .. case[1], err.message)
      assert.are.equal("application/json", err.headers["content-type"])
      assert.are.equal(err.request_id, err.headers["x-request-id"])
      local s = tostring(err)
      assert.truthy(s:find(case[2], 1, true))
      assert.truthy(s:find(tostring(case[1]), 1, true))
      assert.truthy(s:find(err.request_id, 1, true))
    end)
  end

  it("429 carries retry_after", function()
    local err = fault_status(429, { retry_after = 7 })
    assert.are.equal("RateLimitError", err.kind)
    assert.are.equal(7, err.retry_after)
  end)

  it("a header value that is not UTF-8 reaches err.headers byte for byte", function()
    -- the emulator sends "é" (UTF-8 in the fault spec) as Latin-1: the single byte 0xE9
    local err = fault_status(503, { retry_after = "\195\169" })
    assert.are.equal("InternalServerError", err.kind)
    assert.are.equal("\233", err.headers["retry-after"])
    assert.is_nil(err.retry_after)
  end)

  it("401 → AuthenticationError, and the token never shows", function()
    local bad = H.client{ app_token = "sk_wrong_token_value", max_retries = 0 }
    local v, err = bad.accounts:list()
    assert.is_nil(v)
    assert.are.equal("AuthenticationError", err.kind)
    assert.are.equal(401, err.status)
    assert.is_nil(tostring(err):find("sk_wrong_token_value", 1, true))
    for _, value in pairs(err) do
      if type(value) == "string" then assert.is_nil(value:find("sk_wrong_token_value", 1, true)) end
    end
  end)

  it("422 from the API's own validation (finalize too early)", function()
    local _, ac = H.new_account(c)
    local v, err = ac.enroll:finalize{}
    assert.is_nil(v)
    assert.are.equal("UnprocessableEntityError", err.kind)
    assert.are.equal("Cannot finalize enrollment", err.message)
  end)

  it("connection refused → APIConnectionError", function()
    -- a port nobody listens on: bind-free ports below 1024 are never ours
    local dead = H.client{ base_url = "http://127.0.0.1:9", max_retries = 1 }
    local v, err = dead.accounts:list()
    assert.is_nil(v)
    assert.are.equal("APIConnectionError", err.kind)
    assert.is_nil(err.status)
    assert.are.equal(1, err.retries)
    assert.is_true(err:is("LightError"))
    assert.is_false(err:is("APIError"))
  end)

  it("connection closed mid-request → APIConnectionError", function()
    H.fault{ method = "GET", path = "/v1/app/accounts", kind = "close", times = 1 }
    local v, err = c.accounts:list()
    assert.is_nil(v)
    assert.are.equal("APIConnectionError", err.kind)
  end)

  it("timeout → APITimeoutError (a kind of APIConnectionError)", function()
    H.fault{ method = "GET", path = "/v1/app/accounts", kind = "delay", delay = 1.0, times = 1 }
    local v, err = c.accounts:list(nil, { timeout = 0.2 })
    assert.is_nil(v)
    assert.are.equal("APITimeoutError", err.kind)
    assert.is_true(err:is("APIConnectionError"))
  end)

  it("2xx with a broken body → APIResponseValidationError", function()
    H.fault{ method = "GET", path = "/v1/app/accounts", kind = "truncated_json", times = 1 }
    local v, err = c.accounts:list()
    assert.is_nil(v)
    assert.are.equal("APIResponseValidationError", err.kind)
    assert.are.equal(200, err.status)
    assert.is_true(err:is("APIError"))
  end)

  it("oversized body → LightError family, not a crash", function()
    local small = H.client{ max_retries = 0, max_response_bytes = 4096 }
    H.fault{ method = "GET", path = "/v1/app/accounts", kind = "oversized", size = 100000, times = 1 }
    local v, err = small.accounts:list()
    assert.is_nil(v)
    assert.is_true(err:is("LightError"))
  end)

  it("webhook failures → SignatureVerificationError with a reason", function()
    local ev, err = light.webhooks.verify("{}", "1.abc", "whsec_x")
    assert.is_nil(ev)
    assert.are.equal("SignatureVerificationError", err.kind)
    assert.are.equal("malformed_header", err.reason)
    assert.is_true(err:is("LightError"))
  end)

  it("argument errors → InvalidArgumentError", function()
    local v, err = c.accounts:retrieve(nil)
    assert.is_nil(v)
    assert.are.equal("InvalidArgumentError", err.kind)
    assert.is_true(err:is("LightError"))
  end)

  it("local state errors → LightError", function()
    local d = H.client()
    d:close()
    local v, err = d.accounts:list()
    assert.is_nil(v)
    assert.are.equal("LightError", err.kind)
    assert.are.equal("LightError: client is closed", tostring(err))
  end)

  it("retried errors report how many retries happened", function()
    local r = H.client{ max_retries = 2 }
    H.fault{ method = "GET", path = "/v1/app/accounts", kind = "status", status = 500, times = 3 }
    local v, err = r.accounts:list()
    assert.is_nil(v)
    assert.are.equal(2, err.retries)
    assert.are.equal(3, H.count(H.journal(), "GET", "^/v1/app/accounts$"))
  end)

  it("a POST that may have reached the server is not retried", function()
    local r = H.client{ max_retries = 2 }
    H.fault{ method = "POST", path = "/v1/app/accounts", kind = "status", status = 500, times = 1 }
    local v, err = r.accounts:create{ email = H.email("noretry") }
    assert.is_nil(v)
    assert.are.equal(0, err.retries)
  end)
end)
