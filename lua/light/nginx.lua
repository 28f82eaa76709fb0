--- light.nginx: the OpenResty-native transport of the Light SDK (cosockets).
--
-- Inside nginx the core's exchange (light.core) builds every request — URL,
-- headers, body, account-token mint, retries, backoff, rate limiting — and
-- classifies every response; this module moves the bytes over ngx.socket.tcp
-- (connect, sslhandshake with SNI and verification, send, receive,
-- setkeepalive) and the core's HTTP/1.1 parser (light.core.http_parser)
-- reads them. Waits are ngx.sleep: the worker serves other requests
-- meanwhile. Nothing needs to be added to nginx.conf but lua_package_path /
-- lua_package_cpath (and, optionally, a lua_shared_dict for state shared by
-- all workers, see below).
--
-- Works wherever nginx offers cosockets: rewrite_by_lua*, access_by_lua*,
-- content_by_lua*, ngx.timer.at callbacks (also timers started from
-- init_worker_by_lua*), ssl_certificate_by_lua*, ssl_session_fetch_by_lua*,
-- ssl_client_hello_by_lua*. Elsewhere (init_by_lua*, init_worker_by_lua*
-- itself, set_by_lua*, header/body filters, log_by_lua*, balancer) a call
-- returns nil, err naming the phase; it never blocks the worker.
--
-- Connections: one keep-alive pool per worker and per (scheme, host, port,
-- TLS settings, proxy), `keepalive_pool` connections (default 32) idle at
-- most `keepalive_timeout` seconds (default 30).
--
-- TLS: SNI is the URL's host name. Without ca_file nginx verifies the
-- certificate against lua_ssl_trusted_certificate (set it, e.g. to
-- /etc/ssl/certs/ca-certificates.crt, plus lua_ssl_verify_depth 3); with
-- ca_file the SDK verifies the server's certificate (against the CAs of that
-- file, host name or IP address included) before sending a byte.
--
-- Shared state (`shared_dict`, default "light"): when `lua_shared_dict light
-- 1m;` is declared, account tokens are cached there until they need a
-- refresh and minted once per account for all workers (a lock with an
-- expiry in the dict; other workers poll with ngx.sleep), and the client-side
-- rate limiter (rate_limit = true) counts for the whole nginx. Without the
-- dict each worker keeps its own tokens and limiter, and says so once in the
-- error log (notice level).
local M = {}

local core = require "light.core"

local type, pairs, tonumber, tostring, concat = type, pairs, tonumber, tostring, table.concat
local min, max, floor = math.min, math.max, math.floor

local ffi_ok, ffi = pcall(require, "ffi")
if not ffi_ok then ffi = nil end

-- Phases with cosockets (ngx.get_phase() names).
local COSOCKET_PHASES = {
  rewrite = true, access = true, content = true, timer = true,
  ssl_cert = true, ssl_session_fetch = true, ssl_client_hello = true,
}
local PHASE_DIRECTIVE = {
  init = "init_by_lua*", init_worker = "init_worker_by_lua* (start an ngx.timer.at there instead)",
  set = "set_by_lua*", header_filter = "header_filter_by_lua*", body_filter = "body_filter_by_lua*",
  log = "log_by_lua*", balancer = "balancer_by_lua*", exit_worker = "exit_worker_by_lua*",
  ssl_session_store = "ssl_session_store_by_lua*",
}

local DEFAULT_DICT = "light"
local DEFAULT_POOL = 32
local DEFAULT_KEEPALIVE_S = 30
local RECV_SIZE = 65536
local LOCK_POLL_S = 0.005

--- true when nginx is here at all (the `ngx` API of lua-nginx-module).
function M.inside_nginx()
  return type(ngx) == "table" and type(ngx.socket) == "table" and type(ngx.get_phase) == "function"
end

--- true when cosockets can be used now; otherwise false and the phase.
function M.available()
  if not M.inside_nginx() then return false, nil end
  local phase = ngx.get_phase()
  return COSOCKET_PHASES[phase] == true, phase
end

--- The error a call gets where cosockets are not available.
function M.phase_error(phase)
  return core.error("LightError", ("API calls need nginx cosockets, which the %s phase (%s) does not offer; "
    .. "call from rewrite/access/content_by_lua* or an ngx.timer.at callback"):format(
      tostring(phase), PHASE_DIRECTIVE[phase] or "this context"))
end

---------------------------------------------------------------------------
-- names: /etc/hosts first (so "localhost" needs no resolver), then nginx's
-- `resolver` through sock:connect.

local hosts -- name → address, read once per worker
local function hosts_lookup(name)
  if hosts == nil then
    hosts = {}
    local f = io.open("/etc/hosts", "r")
    if f then
      for line in f:lines() do
        line = line:gsub("#.*", "")
        local addr, rest = line:match("^%s*([%x%.:]+)%s+(.+)$")
        if addr and addr:find("^%d+%.%d+%.%d+%.%d+$") then -- IPv4 entries (cosockets connect to them directly)
          for n in rest:gmatch("%S+") do
            n = n:lower()
            if hosts[n] == nil then hosts[n] = addr end
          end
        end
      end
      f:close()
    end
  end
  return hosts[name:lower()]
end

local function is_ip(host)
  return host:find("^%d+%.%d+%.%d+%.%d+$") ~= nil or host:find(":", 1, true) ~= nil
end

-- "https://host:port/path?q" → scheme, host, port, target ("/path?q"), authority
local authority_cache = setmetatable({}, { __mode = "k" })
local function parse_url(url)
  local scheme, authority, target = url:match("^(%a[%w+.-]*)://([^/?#]*)(.*)$")
  if not scheme then return nil, "not an absolute URL" end
  scheme = scheme:lower()
  if scheme ~= "http" and scheme ~= "https" then return nil, "unsupported scheme " .. scheme end
  if target == "" then target = "/" end
  local a = authority_cache[authority]
  if not a then
    local host, port
    local userinfo_at = authority:find("@", 1, true)
    local hp = userinfo_at and authority:sub(userinfo_at + 1) or authority
    if hp:sub(1, 1) == "[" then
      host, port = hp:match("^%[([^%]]+)%]:?(%d*)$")
    else
      host, port = hp:match("^([^:]+):?(%d*)$")
    end
    if not host or host == "" then return nil, "bad host in URL" end
    port = tonumber(port)
    a = { host = host, port = port }
    authority_cache[authority] = a
  end
  local port = a.port or (scheme == "https" and 443 or 80)
  return scheme, a.host, port, target, authority
end

---------------------------------------------------------------------------
-- TLS verification against a ca_file (the SDK's own, when ca_file is set)

local stores = {} -- ca_file → light.TlsStore
local function tls_store(ca_file)
  local s = stores[ca_file]
  if s == nil then
    local err
    s, err = core.tls_store(ca_file)
    if not s then return nil, err end
    stores[ca_file] = s
  end
  return s
end

local function session_address(sess)
  if ffi and type(sess) == "cdata" then return tonumber(ffi.cast("uintptr_t", sess)) end
  return nil
end

-- nginx's own verification errors ("<code>: <reason>" or "certificate host mismatch")
local function is_verify_error(err)
  return err and (err:find("^%d+: ") ~= nil or err:find("certificate host mismatch", 1, true) ~= nil
    or err:find("verify", 1, true) ~= nil)
end

---------------------------------------------------------------------------
-- one HTTP request over a cosocket

local function is_timeout(err) return err == "timeout" end

-- Methods that carry no body: the others say Content-Length: 0 when they have none.
local BODYLESS = { GET = true, HEAD = true, DELETE = true, OPTIONS = true }

local function basic_auth(userinfo)
  return "Basic " .. ngx.encode_base64(ngx.unescape_uri(userinfo))
end

-- Connect (through the proxy, TLS handshake and verification included).
-- Returns sock, reused | nil, failure, detail.
local function open(t, deadline, connect_ms)
  local now = ngx.now()
  local left_ms = (deadline - now) * 1000
  if left_ms <= 0 then return nil, "connect_timeout", "no time left to connect" end
  local cms = max(1, floor(min(connect_ms, left_ms)))
  local sock = ngx.socket.tcp()
  sock:settimeouts(cms, cms, cms)
  local ok, err = sock:connect(t.addr, t.cport, t.pool_opts)
  if not ok then
    if is_timeout(err) then return nil, "connect_timeout", ("%s:%d after %d ms"):format(t.addr, t.cport, cms) end
    return nil, "connect", err
  end
  local reused = sock:getreusedtimes() > 0
  if reused then return sock, true end
  if t.proxy and t.tls then
    -- HTTP CONNECT tunnel, then TLS to the origin through it
    local authority = (t.host:find(":", 1, true) and ("[" .. t.host .. "]") or t.host) .. ":" .. t.port
    local lines = { "CONNECT ", authority, " HTTP/1.1\r\nHost: ", authority, "\r\n" }
    if t.proxy.auth then lines[#lines + 1] = "Proxy-Authorization: " .. t.proxy.auth .. "\r\n" end
    lines[#lines + 1] = "\r\n"
    local sent, serr = sock:send(concat(lines))
    if not sent then
      sock:close()
      return nil, is_timeout(serr) and "connect_timeout" or "connect", "proxy CONNECT: " .. tostring(serr)
    end
    local p = core.http_parser(true, 0)
    while true do
      local data, rerr, partial = sock:receiveany(RECV_SIZE)
      local r, a, b
      if data then r, a, b = p:feed(data)
      elseif partial and partial ~= "" then r, a, b = p:feed(partial)
      end
      if r == nil and a == nil and not data then
        if is_timeout(rerr) then
          sock:close()
          return nil, "connect_timeout", ("proxy CONNECT through %s:%d after %d ms"):format(t.addr, t.cport, cms)
        end
        r, a, b = p:eof()
      end
      if r == "done" then
        if a < 200 or a > 299 then
          sock:close()
          return nil, "connect", "proxy CONNECT answered " .. tostring(a)
        end
        break
      elseif r == nil then
        sock:close()
        return nil, "connect", "proxy CONNECT: " .. tostring(b)
      end
    end
  end
  if t.tls then
    local sess, herr
    if t.ca_file then
      -- the SDK verifies (nginx only knows lua_ssl_trusted_certificate)
      sess, herr = sock:sslhandshake(nil, t.sni, false)
    else
      sess, herr = sock:sslhandshake(false, t.sni, true)
    end
    if not sess then
      sock:close()
      if is_timeout(herr) then
        return nil, "connect_timeout", ("TLS handshake with %s:%d after %d ms"):format(t.host, t.port, cms)
      end
      if is_verify_error(herr) then
        return nil, "tls_verify", herr .. (t.ca_file and "" or " (verified against lua_ssl_trusted_certificate)")
      end
      return nil, "connect", "TLS handshake failed: " .. tostring(herr)
    end
    if t.ca_file then
      local store, serr = tls_store(t.ca_file)
      local vok, verr = false, serr
      if store then
        local address = session_address(sess)
        if address then
          vok, verr = store:verify(address, t.host)
        else
          verr = "cannot read the server certificate (needs LuaJIT's ffi and lua-resty-core)"
        end
      end
      if not vok then
        sock:close()
        return nil, "tls_verify", tostring(verr)
      end
    end
  end
  return sock, false
end

local function header_lines(req, t, target, body)
  local n = #req.headers
  local parts = { req.method, " ", target, " HTTP/1.1\r\nHost: ", t.host_header, "\r\n" }
  local k = #parts
  for i = 1, n do
    parts[k + 1] = req.headers[i]
    parts[k + 2] = "\r\n"
    k = k + 2
  end
  if body then
    parts[k + 1] = "Content-Length: " .. #body .. "\r\n"
    k = k + 1
  elseif not BODYLESS[req.method] then
    parts[k + 1] = "Content-Length: 0\r\n"
    k = k + 1
  end
  if t.proxy and not t.tls and t.proxy.auth then
    parts[k + 1] = "Proxy-Authorization: " .. t.proxy.auth .. "\r\n"
    k = k + 1
  end
  parts[k + 1] = "\r\n"
  if body then parts[k + 2] = body end
  return concat(parts)
end

-- The per-target settings (pool name included) of a client for one URL.
local function target_of(cfg, scheme, host, port, authority)
  local key = scheme .. "://" .. authority
  local t = cfg.targets[key]
  if t then return t end
  t = { host = host, port = port, tls = scheme == "https", sni = (not is_ip(host)) and host or nil,
        ca_file = cfg.ca_file, proxy = cfg.proxy }
  local chost, cport = host, port
  if t.proxy then chost, cport = t.proxy.host, t.proxy.port end
  t.addr = is_ip(chost) and chost or hosts_lookup(chost) or chost -- /etc/hosts is read once per worker
  t.cport = cport
  local default_port = (scheme == "https" and port == 443) or (scheme == "http" and port == 80)
  t.host_header = (host:find(":", 1, true) and ("[" .. host .. "]") or host) .. (default_port and "" or (":" .. port))
  -- the proxy URL may hold credentials: only its hash goes into the pool name
  t.pool = concat({ "light", scheme, host, tostring(port), cfg.ca_file or "-",
                    cfg.proxy and ngx.md5(cfg.proxy.url) or "-" }, "|")
  t.pool_opts = { pool = t.pool, pool_size = cfg.pool_size }
  cfg.targets[key] = t
  return t
end

-- Parsers are reused (a free list per worker): one per call in flight.
local free_parsers, n_free = {}, 0
local function take_parser(head, cap)
  local p
  if n_free > 0 then
    p = free_parsers[n_free]
    free_parsers[n_free] = nil
    n_free = n_free - 1
    p:reset(head, cap)
  else
    p = core.http_parser(head, cap)
  end
  return p
end
local function give_parser(p)
  if n_free < 64 then
    n_free = n_free + 1
    free_parsers[n_free] = p
  end
end

-- Performs req; returns "parsed", parser (holding the response; hand it back
-- with give_parser) | "failure", kind, detail
local find, sub = string.find, string.sub
local function http_request(cfg, req)
  local url = req.url
  -- fast path: "<scheme>://<authority>" already seen (every request of a client shares it)
  local slash = find(url, "/", (find(url, "://", 1, true) or 0) + 3, true)
  local t = slash and cfg.targets[sub(url, 1, slash - 1)]
  local target
  if t then
    target = sub(url, slash)
  else
    local scheme, host, port, authority
    scheme, host, port, target, authority = parse_url(url)
    if not scheme then return "failure", "other", host end
    t = target_of(cfg, scheme, host, port, authority)
  end
  local now = ngx.now()
  local timeout_ms = req.timeout_ms > 0 and req.timeout_ms or 60000
  local deadline = now + timeout_ms / 1000
  local connect_ms = req.connect_timeout_ms > 0 and req.connect_timeout_ms or timeout_ms
  if t.proxy and not t.tls then target = req.url end -- absolute-form through an HTTP proxy
  local payload = header_lines(req, t, target, req.body)
  local cap = req.max_response_bytes > 0 and req.max_response_bytes or 0
  local head = req.method == "HEAD"

  -- One attempt is one send: a request is never re-sent here, not even on a
  -- pooled connection that died (nginx drops pooled connections the server
  -- closes while idle); the core's retry policy decides what is repeated.
  local sock, failure, detail = open(t, deadline, connect_ms)
  if not sock then return "failure", failure, detail end
  local left = max(1, floor((deadline - ngx.now()) * 1000))
  sock:settimeouts(left, left, left)
  local ok, serr = sock:send(payload)
  if not ok then
    sock:close()
    if is_timeout(serr) then return "failure", "timeout", "send timed out" end
    return "failure", "send", serr
  end
  local p = take_parser(head, cap)
  local got = 0
  local set_for = left -- the timeouts now set on the socket
  while true do
    left = floor((deadline - ngx.now()) * 1000)
    local r, a, b, d
    if left <= 0 then
      r, a, b = nil, "timeout", "request timed out"
    else
      if left < set_for then
        sock:settimeouts(left, left, left)
        set_for = left
      end
      local data, rerr, partial = sock:receiveany(RECV_SIZE)
      if data then
        got = got + #data
        r, a, b = p:feed(data, true)
      elseif is_timeout(rerr) then
        r, a, b = nil, "timeout", "request timed out"
      else
        if partial and partial ~= "" then
          got = got + #partial
          p:feed(partial, true)
        end
        if rerr ~= "closed" then
          r, a, b = nil, "recv", tostring(rerr)
        elseif got == 0 then
          r, a, b = nil, "recv", "connection closed before any response (the server may have processed the request)"
        else
          r, a, b = p:eof(true)
        end
      end
    end
    if r == "done" then
      d = a
      if d then
        sock:setkeepalive(cfg.keepalive_ms, cfg.pool_size)
      else
        sock:close()
      end
      return "parsed", p
    elseif r == nil then
      sock:close()
      give_parser(p)
      return "failure", a, b
    end
  end
end
M.http_request = http_request

---------------------------------------------------------------------------
-- shared state: tokens and the rate limiter in a lua_shared_dict

local notice_given = false
local function notice_once(name)
  if notice_given then return end
  notice_given = true
  ngx.log(ngx.NOTICE, "light: no lua_shared_dict '", name, "': account tokens and the rate limiter are per ",
          "worker (declare `lua_shared_dict ", name, " 1m;` to share them across workers)")
end

local lock_seq = 0
local function lock_id()
  lock_seq = lock_seq + 1
  return ngx.worker.pid() .. ":" .. lock_seq .. ":" .. ngx.now()
end

-- Days since 1970-01-01 of a civil date (proleptic Gregorian).
local function days_from_civil(y, m, d)
  y = m <= 2 and y - 1 or y
  local era = floor(y / 400)
  local yoe = y - era * 400
  local doy = floor((153 * (m + (m > 2 and -3 or 9)) + 2) / 5) + d - 1
  local doe = yoe * 365 + floor(yoe / 4) - floor(yoe / 100) + doy
  return era * 146097 + doe - 719468
end

-- expires_at of a mint body as Unix seconds (ISO-8601 or a number), or nil.
local function mint_expiry(body)
  local j = core.json_decode(body)
  if type(j) ~= "table" then return nil end
  local e = j.expires_at
  if type(e) == "number" then return e > 1e11 and e / 1000 or e end
  if type(e) ~= "string" then return nil end
  local y, mo, d, h, mi, s = e:match("^(%d%d%d%d)-(%d%d)-(%d%d)[Tt ](%d%d):(%d%d):(%d%d)")
  if not y then return nil end
  local t = days_from_civil(tonumber(y), tonumber(mo), tonumber(d)) * 86400 + tonumber(h) * 3600
    + tonumber(mi) * 60 + tonumber(s)
  local sign, oh, om = e:match("([+-])(%d%d):?(%d%d)$")
  if sign then
    local off = tonumber(oh) * 3600 + tonumber(om) * 60
    t = sign == "+" and t - off or t + off
  end
  return t
end

local function mint_token_of(body)
  local j = core.json_decode(body)
  return type(j) == "table" and type(j.token) == "string" and j.token or nil
end

local function encode_response(status, headers, body)
  return status .. "\n" .. #headers .. "\n" .. headers .. body
end

local function decode_response(v)
  local status, hl, rest = v:match("^(%d+)\n(%d+)\n()")
  if not status then return nil end
  hl = tonumber(hl)
  return tonumber(status), v:sub(rest, rest + hl - 1), v:sub(rest + hl)
end

-- A token mint through the shared dict: served from it, or performed by the
-- one worker that holds the lock. Returns like http_request.
local function shared_mint(cfg, req)
  local dict = cfg.dict
  local key = "t|" .. cfg.token_key
  local lock = "l|" .. cfg.token_key
  local deadline = ngx.now() + max(1, req.timeout_ms / 1000) * 2
  local poll = LOCK_POLL_S
  while true do
    local v = dict:get(key)
    if v then
      local status, headers, body = decode_response(v)
      if status then return "response", status, headers, body end
    end
    local id = lock_id()
    -- the lock expires on its own: a worker that dies holding it wedges nobody
    local got = dict:add(lock, id, max(1, req.timeout_ms / 1000 + 1))
    if got then
      v = dict:get(key) -- minted while we were taking the lock?
      if v then
        dict:delete(lock)
        local status, headers, body = decode_response(v)
        if status then return "response", status, headers, body end
      end
      local r, status, headers, body = http_request(cfg, req)
      if r == "parsed" then
        local parser = status
        status, headers, body = parser:response()
        give_parser(parser)
        r = "response"
      end
      if r == "response" and status >= 200 and status < 300 then
        local exp = mint_expiry(body)
        local ttl = exp and (exp - ngx.time() - cfg.refresh_margin) or 60
        if ttl > 1 then dict:set(key, encode_response(status, headers, body), ttl) end
      end
      if dict:get(lock) == id then dict:delete(lock) end
      return r, status, headers, body
    end
    if ngx.now() > deadline then
      -- the lock holder takes too long: mint ourselves
      local r, parser, detail = http_request(cfg, req)
      if r ~= "parsed" then return r, parser, detail end
      local status, headers, body = parser:response()
      give_parser(parser)
      return "response", status, headers, body
    end
    ngx.sleep(poll)
    poll = min(poll * 2, 0.05)
  end
end

-- After a 401 with a token from the dict: drop it so the re-mint is real.
local function forget_token(cfg, req)
  local key = "t|" .. cfg.token_key
  local v = cfg.dict:get(key)
  if not v then return end
  local _, _, body = decode_response(v)
  local tok = body and mint_token_of(body)
  if not tok then return end
  for i = 1, #req.headers do
    local h = req.headers[i]
    if h:sub(1, 14):lower() == "authorization:" and h:find(tok, 1, true) then
      cfg.dict:delete(key)
      return
    end
  end
end

-- The shared sliding one-second window (the core's algorithm, counted in
-- the dict for every worker): ticket k may go once ticket k-limit has been
-- sent for 1 s + slack. Returns after waiting (ngx.sleep) as needed.
local WINDOW_S, SLACK_S, PENDING_TTL = 1.0, 0.05, 10
local function shared_acquire(dict, bucket, limit)
  local seq = dict:incr("n|" .. bucket, 1, 0)
  if not seq then return end -- dict full: the limiter is a courtesy, not a guard
  local mine = "s|" .. bucket .. "|" .. seq
  dict:set(mine, -1, PENDING_TTL) -- taken, not sent yet
  if seq > limit then
    local prev = "s|" .. bucket .. "|" .. (seq - limit)
    local absent = 0
    while true do
      local t = dict:get(prev)
      if t == nil then
        -- expired (sent long ago, or its worker died) — or taken a moment ago
        -- by another worker that has not marked it yet: look once more
        absent = absent + 1
        if absent > 1 then break end
        ngx.sleep(0.001)
        goto continue
      end
      if t >= 0 then
        local wait = t + WINDOW_S + SLACK_S - ngx.now()
        if wait <= 0 then break end
        ngx.sleep(wait)
        break
      end
      ngx.sleep(0.002) -- the earlier ticket is still waiting for its own turn
      ::continue::
    end
  end
  ngx.update_time()
  dict:set(mine, ngx.now(), WINDOW_S + SLACK_S + 1)
end

---------------------------------------------------------------------------
-- per-client settings and the drive loop

local function parse_proxy(url)
  if url == nil or url == "" then return nil end
  local scheme, authority = url:match("^(%a+)://([^/]+)")
  if not scheme or scheme:lower() ~= "http" then
    return nil, "proxy must be an http:// URL (HTTP CONNECT is used for https)"
  end
  local userinfo, hp = authority:match("^(.*)@(.+)$")
  hp = hp or authority
  local host, port = hp:match("^([^:]+):?(%d*)$")
  if not host then return nil, "bad proxy URL" end
  return { url = url, host = host, port = tonumber(port) or 80, auth = userinfo and basic_auth(userinfo) or nil }
end

--- Settings of the nginx transport from light.new's options. Returns cfg | nil, message, param.
function M.config(opts)
  local cfg = { targets = {} }
  cfg.ca_file = opts.ca_file
  local proxy, perr = parse_proxy(opts.proxy)
  if perr then return nil, perr, "proxy" end
  cfg.proxy = proxy
  local pool = opts.keepalive_pool
  if pool ~= nil and (type(pool) ~= "number" or pool < 1) then
    return nil, "keepalive_pool must be a number >= 1", "keepalive_pool"
  end
  cfg.pool_size = floor(pool or DEFAULT_POOL)
  local ka = opts.keepalive_timeout
  if ka ~= nil and (type(ka) ~= "number" or ka <= 0) then
    return nil, "keepalive_timeout must be > 0 seconds", "keepalive_timeout"
  end
  cfg.keepalive_ms = floor((ka or DEFAULT_KEEPALIVE_S) * 1000)
  local dname = opts.shared_dict
  if dname ~= nil and dname ~= false and type(dname) ~= "string" then
    return nil, "shared_dict must be a lua_shared_dict name or false", "shared_dict"
  end
  cfg.dict_name = dname == nil and DEFAULT_DICT or dname
  cfg.rate_limit = opts.rate_limit == true
  cfg.app_rate = opts.app_rate_per_s and opts.app_rate_per_s > 0 and floor(opts.app_rate_per_s) or 30
  cfg.account_rate = opts.account_rate_per_s and opts.account_rate_per_s > 0 and floor(opts.account_rate_per_s) or 10
  cfg.refresh_margin = opts.token_refresh_margin or 600
  -- identities for dict keys: hashes, never a token in clear
  local app = opts.app_token or os.getenv("LIGHT_APP_TOKEN") or ""
  local acct = opts.account_token or ""
  local base = opts.base_url or os.getenv("LIGHT_BASE_URL") or ""
  cfg.identity = M.inside_nginx() and ngx.md5(base .. "\0" .. app .. "\0" .. acct) or ""
  return cfg
end

--- The dict of @p cfg when it exists in this nginx (checked once per worker).
function M.shared(cfg)
  if cfg.dict == nil then
    local d = cfg.dict_name and ngx.shared and ngx.shared[cfg.dict_name]
    cfg.dict = d or false
    if not d and cfg.dict_name then notice_once(cfg.dict_name) end -- shared_dict = false: per worker, by choice
  end
  return cfg.dict or nil
end

--- A copy of @p cfg for an account client (token and limiter keys of the account).
function M.for_account(cfg, account_uuid)
  local c = {}
  for k, v in pairs(cfg) do c[k] = v end
  c.account_uuid = account_uuid
  c.token_key = cfg.identity .. "|" .. account_uuid
  return c
end

--- Drive an exchange (client:exchange(...)) to completion over cosockets.
-- @p kind is "app" or "account". Returns what x:finish() returns.
function M.perform(x, cfg, kind)
  local dict = M.shared(cfg)
  local limit = dict and cfg.rate_limit
  while true do
    local step, a = x:next()
    if step == "send" then
      if limit then
        if a.is_token_mint or kind == "app" then
          shared_acquire(dict, "app|" .. cfg.identity, cfg.app_rate)
        else
          shared_acquire(dict, "acct|" .. cfg.identity .. "|" .. (cfg.account_uuid or "-"), cfg.account_rate)
        end
      end
      local r, s, h, b
      if a.is_token_mint and dict and cfg.token_key then
        r, s, h, b = shared_mint(cfg, a)
      else
        r, s, h, b = http_request(cfg, a)
      end
      if r == "parsed" then
        if dict and cfg.token_key and not a.is_token_mint and s:status() == 401 then forget_token(cfg, a) end
        x:feed_parsed(s)
        give_parser(s)
      elseif r == "response" then
        x:feed_response(s, h, b)
      else
        x:feed_failure(s, b or h)
      end
    elseif step == "wait" or step == "wait_token" then
      ngx.sleep((a or 0) / 1000)
    elseif step == "done" then
      return x:finish()
    else
      return step, a -- next() returned nil, err (exchange closed)
    end
  end
end

return M
