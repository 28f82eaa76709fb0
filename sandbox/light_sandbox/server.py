"""HTTP/1.1 front end of the emulator: threaded keep-alive server, routing,
auth, rate limits, CORS, fault injection, request journal and the
``/_sandbox/`` admin API. Business rules live in api.py."""
import base64
import itertools
import json
import math
import re
import secrets
import socket
import struct
import sys
import threading
import time
import urllib.parse
import zlib
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from . import adminx, coverage, routes
from .api import Api, ApiError, Ctx, STATUS_TABLE, WEBHOOK_EVENTS
from .clock import Clock, iso
from .webhooks import Dispatcher

FAULT_KINDS = ("status", "close", "reset", "delay", "truncated_json", "non_json", "oversized", "trickle", "redirect")
MAX_BODY = 64 * 1024 * 1024
GZIP_MIN_LENGTH = 1024  # bodies shorter than this go uncompressed (nginx: gzip_min_length)
JOURNAL_BODY_CAP = 1024 * 1024
JOURNAL_MAX = 50000
RATE_LIMITS = {"app": 30, "account": 10}  # requests per sliding second
CORS_METHODS = "GET, POST, PUT, PATCH, DELETE, OPTIONS"

_tl = threading.local()


def _redact(obj):
    if isinstance(obj, dict):
        return {k: ("***" if k.lower() == "ssn" and v is not None else _redact(v)) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_redact(v) for v in obj]
    return obj


_SSN_TEXT = re.compile(r'("ssn"\s*:\s*)"[^"]*"', re.I)

_PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
        b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")


class RateLimiter:
    def __init__(self):
        self.windows = {}
        self.lock = threading.Lock()

    def reset(self):
        with self.lock:
            self.windows = {}

    def hit(self, key, limit):
        """None when allowed, else seconds until a slot frees."""
        now = time.monotonic()
        with self.lock:
            dq = self.windows.get(key)
            if dq is None:
                dq = self.windows[key] = deque()
            while dq and dq[0] <= now - 1.0:
                dq.popleft()
            if len(dq) >= limit:
                return max(0.001, dq[0] + 1.0 - now)
            dq.append(now)
            return None


class Faults:
    def __init__(self):
        self.items = []
        self.lock = threading.Lock()
        self.ids = itertools.count(1)

    def add(self, spec):
        if not isinstance(spec, dict):
            raise ApiError(422, "fault must be a JSON object")
        kind = spec.get("kind")
        if kind not in FAULT_KINDS:
            raise ApiError(422, "kind: must be one of " + ", ".join(FAULT_KINDS))
        f = {"id": next(self.ids), "kind": kind}
        method = spec.get("method")
        if method is not None and not isinstance(method, str):
            raise ApiError(422, "method: must be a string")
        f["method"] = method.upper() if method else None
        path, rx = spec.get("path"), spec.get("path_regex")
        if path is not None and not isinstance(path, str):
            raise ApiError(422, "path: must be a string")
        if rx is not None:
            if not isinstance(rx, str):
                raise ApiError(422, "path_regex: must be a string")
            try:
                f["_rx"] = re.compile(rx)
            except re.error as e:
                raise ApiError(422, f"path_regex: {e}") from None
        f["path"], f["path_regex"] = path, rx
        for key, default, types in (("status", None, int), ("retry_after", None, (int, float, str)),
                                    ("delay", None, (int, float)), ("size", None, int), ("times", None, int),
                                    ("location", None, str)):
            v = spec.get(key, default)
            if v is not None and (not isinstance(v, types) or isinstance(v, bool)):
                raise ApiError(422, f"{key}: wrong type")
            f[key] = v
        if f["times"] is not None and f["times"] < 1:
            raise ApiError(422, "times: must be >= 1")
        if kind == "status":
            f["status"] = f["status"] or 500
            if not 100 <= f["status"] <= 599:
                raise ApiError(422, "status: must be an HTTP status")
        if kind == "redirect":
            f["status"] = f["status"] or 302
        if kind == "delay":
            f["delay"] = 1.0 if f["delay"] is None else f["delay"]
        if kind == "trickle":
            f["delay"] = 0.1 if f["delay"] is None else f["delay"]
            f["size"] = f["size"] or 16
        if kind == "oversized":
            f["size"] = f["size"] or 8 * 1024 * 1024
        f["hits"] = 0
        with self.lock:
            self.items.append(f)
        return self.public(f)

    @staticmethod
    def public(f):
        return {k: v for k, v in f.items() if not k.startswith("_")}

    def list(self):
        with self.lock:
            return [self.public(f) for f in self.items]

    def clear(self, fid=None):
        with self.lock:
            if fid is None:
                self.items = []
                return True
            n = len(self.items)
            self.items = [f for f in self.items if f["id"] != fid]
            return len(self.items) != n

    def match(self, method, path):
        with self.lock:
            for f in self.items:
                if f["method"] and f["method"] != method:
                    continue
                if f["path"] is not None and f["path"] != path:
                    continue
                if f.get("_rx") is not None and not f["_rx"].search(path):
                    continue
                f["hits"] += 1
                if f["times"] is not None:
                    f["times"] -= 1
                    if f["times"] <= 0:
                        self.items.remove(f)
                return dict(f)
        return None


class Sandbox:
    """Everything one emulator instance holds."""

    def __init__(self, app_token=None, webhook_secret=None, webhook_url=None, rate_limit=True, error_key="detail",
                 webhook_retry_delays=(60.0, 240.0), webhook_timeout=10.0, verbose=False):
        self.app_token = app_token or ("app_sandbox_" + secrets.token_hex(16))
        self.webhook_secret = webhook_secret or ("whsec_" + secrets.token_hex(24))
        self.clock = Clock()
        self.dispatcher = Dispatcher(self.webhook_secret, webhook_url, webhook_retry_delays, webhook_timeout)
        self.api = Api(self.app_token, self.clock, emit=self.dispatcher.enqueue)
        self.faults = Faults()
        self.limiter = RateLimiter()
        self.journal = []
        self.jlock = threading.Lock()
        self.seq = itertools.count(1)
        self.verbose = verbose
        self.defaults = {
            "rate_limit": bool(rate_limit), "webhook_url": webhook_url,
            "webhook_retry_delays": list(webhook_retry_delays), "webhook_timeout": float(webhook_timeout),
            "error_key": error_key,
        }
        self.defaults.update(self.api.config)
        self.settings = {}
        self.apply_config(dict(self.defaults))
        self.base_url = None
        self.ca_file = None
        self.store = None  # store.Store with `serve --state FILE` (it sets itself here)
        self._stop = threading.Event()
        self._ticker = threading.Thread(target=self._tick_loop, name="sandbox-ticker", daemon=True)
        self._ticker.start()

    def _tick_loop(self):
        n = 0
        while not self._stop.wait(0.1):
            n += 1
            try:
                self.api.tick(accounts=n % 10 == 0)  # async jobs every 0.1 s, accounts every second
            except Exception as e:  # noqa: BLE001 - keep ticking
                if self.verbose:
                    print("tick failed:", repr(e), flush=True)

    def stop(self):
        self._stop.set()
        self.dispatcher.stop()

    def persist(self, ctx=None, account_uuid=None):
        """With --state: write what a request changed, in one transaction (store.py)."""
        st = self.store
        if st is None:
            return
        with self.api.lock:
            acct = getattr(ctx, "account", None)
            for u in (acct.uuid if acct is not None else None, account_uuid,
                      (getattr(ctx, "params", None) or {}).get("account_uuid")):
                if u:
                    st.touch(u)
            st.persist()

    # ---- config --------------------------------------------------------------------------
    def apply_config(self, cfg):
        if not isinstance(cfg, dict):
            raise ApiError(422, "config must be a JSON object")
        checked = {}
        for k, v in cfg.items():
            if k == "rate_limit":
                if not isinstance(v, bool):
                    raise ApiError(422, "rate_limit: must be a boolean")
            elif k == "webhook_url":
                if v is not None and (not isinstance(v, str) or not re.match(r"https?://", v)):
                    raise ApiError(422, "webhook_url: must be an http(s) URL or null")
            elif k == "webhook_retry_delays":
                if not isinstance(v, list) or not all(isinstance(x, (int, float)) and not isinstance(x, bool)
                                                      and x >= 0 for x in v):
                    raise ApiError(422, "webhook_retry_delays: must be a list of seconds")
            elif k in ("webhook_timeout", "account_token_ttl", "comparison_processing_delay", "usage_profile_delay"):
                if not isinstance(v, (int, float)) or isinstance(v, bool) or v < 0:
                    raise ApiError(422, f"{k}: must be a non-negative number")
            elif k == "page_style":
                if v not in ("offset", "cursor", "relative", "foreign", "none", "array"):
                    raise ApiError(422, "page_style: must be offset, cursor, relative, foreign, none or array")
            elif k == "error_key":
                if not isinstance(v, str) or not v:
                    raise ApiError(422, "error_key: must be a non-empty string")
            else:
                raise ApiError(422, f"unknown config key: {k}")
            checked[k] = v
        for k, v in checked.items():
            self.settings[k] = v
            if k in self.api.config:
                self.api.config[k] = v
        d = self.dispatcher
        d.url = self.settings.get("webhook_url")
        d.retry_delays = list(self.settings.get("webhook_retry_delays", d.retry_delays))
        d.timeout = float(self.settings.get("webhook_timeout", d.timeout))
        return dict(self.settings)

    def reset_config(self):
        self.settings = {}
        return self.apply_config(dict(self.defaults))

    def reset(self):
        self.api.wipe()
        self.clock.reset()
        self.faults.clear()
        self.limiter.reset()
        self.dispatcher.clear(pending=True)
        with self.jlock:
            self.journal = []
        self.reset_config()

    # ---- journal ---------------------------------------------------------------------------
    def journal_entry(self, req_id, method, path, query, headers, auth_kind, body, conn_id):
        hdrs = {}
        for k, v in headers.items():
            hdrs[k] = auth_kind if k.lower() == "authorization" else v
        entry = {
            "seq": next(self.seq), "time": time.time(), "request_id": req_id, "method": method, "path": path,
            "query": query, "headers": hdrs, "auth_kind": auth_kind, "account_uuid": None,
            "body": None, "body_base64": False, "body_size": len(body), "status": None, "connection_id": conn_id,
            "fault": None, "duration": None,
        }
        if body:
            chunk = body[:JOURNAL_BODY_CAP]
            if len(body) > JOURNAL_BODY_CAP:
                entry["body_truncated"] = True
            try:
                text = chunk.decode("utf-8")
                try:
                    text = json.dumps(_redact(json.loads(text)))
                except ValueError:
                    text = _SSN_TEXT.sub(r'\1"***"', text)
                entry["body"] = text
            except UnicodeDecodeError:
                entry["body"] = base64.b64encode(chunk).decode()
                entry["body_base64"] = True
        with self.jlock:
            self.journal.append(entry)
            if len(self.journal) > JOURNAL_MAX:
                del self.journal[:JOURNAL_MAX // 10]
        return entry


class SandboxHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 1024

    def __init__(self, addr, sandbox, ssl_context=None):
        self.sandbox = sandbox
        self.ssl_context = ssl_context
        self.conn_total = 0
        self.conn_active = 0
        self.conn_lock = threading.Lock()
        self._conn_ids = {}
        super().__init__(addr, Handler)

    def get_request(self):
        sock, addr = self.socket.accept()
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass
        with self.conn_lock:
            self.conn_total += 1
            self._conn_ids[sock.fileno()] = self.conn_total
        return sock, addr

    def finish_request(self, request, client_address):
        with self.conn_lock:
            self.conn_active += 1
            _tl.conn_id = self._conn_ids.pop(request.fileno(), 0)
        try:
            if self.ssl_context is not None:
                request.settimeout(10)
                try:
                    request = self.ssl_context.wrap_socket(request, server_side=True)
                except (OSError, ValueError):
                    return
            super().finish_request(request, client_address)
        finally:
            with self.conn_lock:
                self.conn_active -= 1

    def handle_error(self, request, client_address):
        if self.sandbox.verbose:
            super().handle_error(request, client_address)


class Headers:
    """Request headers: a fast, case-insensitive stand-in for email.message.Message
    (get returns the first value, like Message.get)."""

    __slots__ = ("_items", "_first")

    def __init__(self):
        self._items = []
        self._first = {}

    def add(self, name, value):
        self._items.append((name, value))
        self._first.setdefault(name.lower(), value)

    def get(self, name, default=None):
        return self._first.get(name.lower(), default)

    def get_all(self, name, default=None):
        n = name.lower()
        vals = [v for k, v in self._items if k.lower() == n]
        return vals or default

    def __getitem__(self, name):
        return self._first.get(name.lower())

    def __contains__(self, name):
        return name.lower() in self._first

    def items(self):
        return list(self._items)

    def keys(self):
        return [k for k, _ in self._items]

    def values(self):
        return [v for _, v in self._items]

    def __iter__(self):
        return iter(self.keys())

    def __len__(self):
        return len(self._items)


class _Abort(Exception):
    """The response was produced (or the connection dropped) by a fault."""


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "LightSandbox/1.0"
    sys_version = ""
    timeout = 300  # idle keep-alive connections are closed after this

    def parse_request(self):
        """BaseHTTPRequestHandler.parse_request (CPython 3.11) with a fast header reader
        instead of the email parser (the parser was a fifth of the time of a GET)."""
        self.command = None
        self.request_version = version = self.default_request_version
        self.close_connection = True
        requestline = str(self.raw_requestline, "iso-8859-1").rstrip("\r\n")
        self.requestline = requestline
        words = requestline.split()
        if not words:
            return False
        if len(words) >= 3:
            version = words[-1]
            try:
                if not version.startswith("HTTP/"):
                    raise ValueError
                major, minor = version.split("/", 1)[1].split(".")
                version_number = int(major), int(minor)
            except (ValueError, IndexError):
                self.send_error(400, f"Bad request version ({version!r})")
                return False
            if version_number >= (1, 1):
                self.close_connection = False
            if version_number >= (2, 0):
                self.send_error(505, f"Invalid HTTP version ({version})")
                return False
            self.request_version = version
        if not 2 <= len(words) <= 3:
            self.send_error(400, f"Bad request syntax ({requestline!r})")
            return False
        command, path = words[:2]
        if len(words) == 2:
            self.close_connection = True
            if command != "GET":
                self.send_error(400, f"Bad HTTP/0.9 request type ({command!r})")
                return False
        self.command, self.path = command, path
        if self.path.startswith("//"):
            self.path = "/" + self.path.lstrip("/")
        headers = Headers()
        last = None
        for n in range(101):
            line = self.rfile.readline(65537)
            if len(line) > 65536:
                self.send_error(431, "Line too long")
                return False
            if line in (b"\r\n", b"\n", b""):
                break
            if n == 100:
                self.send_error(431, "Too many headers")
                return False
            text = line.decode("iso-8859-1")
            if text[0] in " \t" and last is not None:  # obsolete line folding
                name, value = headers._items[-1]  # noqa: SLF001
                headers._items[-1] = (name, value + " " + text.strip())  # noqa: SLF001
                headers._first[name.lower()] = headers._items[-1][1]  # noqa: SLF001
                continue
            name, sep, value = text.partition(":")
            if not sep or not name.strip():
                self.send_error(400, "Malformed header line")
                return False
            headers.add(name.strip(), value.strip())
            last = name
        self.headers = headers
        conntype = (headers.get("Connection") or "").lower()
        if conntype == "close":
            self.close_connection = True
        elif conntype == "keep-alive":
            self.close_connection = False
        if ((headers.get("Expect") or "").lower() == "100-continue" and self.request_version >= "HTTP/1.1"
                and not self.handle_expect_100()):
            return False
        return True

    def setup(self):
        super().setup()
        self.conn_id = getattr(_tl, "conn_id", 0)
        self.req_id = "req_" + secrets.token_hex(12)

    def send_error(self, code, message=None, explain=None):
        """Protocol-level errors (bad request line, unknown method, ...) in the JSON envelope."""
        self.close_connection = True
        try:
            key = self.server.sandbox.settings.get("error_key", "detail")
            msg = message or self.responses.get(code, ("Error",))[0]
            self._send(code, json.dumps({key: msg}).encode(), head_only=self.command == "HEAD")
        except OSError:
            pass

    def log_message(self, fmt, *args):
        if self.server.sandbox.verbose:
            super().log_message(fmt, *args)

    def do_GET(self):  # noqa: N802
        self.dispatch()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_HEAD = do_GET

    # ---- plumbing ---------------------------------------------------------------------------
    def _read_body(self):
        te = (self.headers.get("Transfer-Encoding") or "").lower()
        if "chunked" in te:
            out = bytearray()
            while True:
                line = self.rfile.readline(65537)
                if not line:
                    raise ConnectionError("eof in chunked body")
                size = int(line.split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    while True:  # trailers
                        t = self.rfile.readline(65537)
                        if t in (b"\r\n", b"\n", b""):
                            break
                    return bytes(out)
                out += self.rfile.read(size)
                self.rfile.readline(65537)
                if len(out) > MAX_BODY:
                    raise ValueError("body too large")
        n = self.headers.get("Content-Length")
        if not n:
            return b""
        n = int(n)
        if n < 0 or n > MAX_BODY:
            raise ValueError("body too large")
        return self.rfile.read(n)

    def _accepts_gzip(self):
        """Accept-Encoding names gzip with a non-zero q (RFC 9110 12.5.3)."""
        for part in (self.headers.get("Accept-Encoding") or "").split(","):
            name, _, params = part.strip().partition(";")
            if name.strip().lower() in ("gzip", "x-gzip"):
                q = params.strip().lower()
                return not (q.startswith("q=") and q[2:].strip() in ("0", "0.", "0.0", "0.00", "0.000"))
        return False

    def _send(self, status, body=b"", ctype="application/json", headers=None, head_only=False):
        if len(body) >= GZIP_MIN_LENGTH and self._accepts_gzip():
            # like nginx's gzip on: answer gzip when asked, for bodies worth it
            z = zlib.compressobj(6, zlib.DEFLATED, 31)
            body = z.compress(body) + z.flush()
            headers = dict(headers or {}, **{"Content-Encoding": "gzip", "Vary": "Accept-Encoding"})
        hdrs = [f"HTTP/1.1 {status} {self.responses.get(status, ('Unknown',))[0]}",
                f"Content-Type: {ctype}", f"Content-Length: {len(body)}", f"X-Request-Id: {self.req_id}",
                "Server: LightSandbox/1.0"]
        for k, v in (headers or {}).items():
            hdrs.append(f"{k}: {v}")
        if self.close_connection:
            hdrs.append("Connection: close")
        data = ("\r\n".join(hdrs) + "\r\n\r\n").encode("latin-1")
        if not head_only:
            data += body
        self._mark(status)
        self.wfile.write(data)

    def _mark(self, status):
        """Record the status in the journal *before* the bytes leave, so a client that
        reads the journal right after its response always sees it."""
        self.status_sent = status
        entry = getattr(self, "_entry", None)
        if entry is not None:
            entry["status"] = status
            entry["duration"] = round(time.monotonic() - self._t0, 6)

    def _json(self, status, obj, headers=None):
        hook = self.__dict__.pop("_before_answer", None)
        if hook is not None:
            hook()
        self._send(status, json.dumps(obj, separators=(",", ":")).encode(), headers=headers)

    def _error(self, status, message, headers=None):
        key = self.server.sandbox.settings.get("error_key", "detail")
        self._json(status, {key: message}, headers)

    def _cors(self, path):
        if not path.startswith("/v1/account"):
            return {}
        origin = self.headers.get("Origin")
        if not origin:
            return {}
        return {"Access-Control-Allow-Origin": origin, "Vary": "Origin",
                "Access-Control-Expose-Headers": "X-Request-Id, Retry-After"}

    # ---- main entry ----------------------------------------------------------------------------
    def dispatch(self):
        sb = self.server.sandbox
        self.req_id = "req_" + secrets.token_hex(12)
        self.status_sent = None
        method = self.command
        u = urllib.parse.urlsplit(self.path)
        path = u.path or "/"
        if self.headers.get("Connection", "").lower() == "close":
            self.close_connection = True
        try:
            body = self._read_body()
        except (ValueError, ConnectionError):
            self.close_connection = True
            self._error(413, "Request body too large or malformed")
            return
        if path.startswith("/_sandbox/") or path == "/_sandbox":
            if method != "GET" and sb.store is not None:  # --state: admin writes are durable before the answer
                parts = path.split("/")
                au = parts[3] if len(parts) > 3 and parts[2] == "accounts" else None
                self._before_answer = lambda: sb.persist(account_uuid=au)
            try:
                self.admin(method, path, urllib.parse.parse_qs(u.query, keep_blank_values=True), body)
            except ApiError as e:
                self._error(e.status, e.message, e.headers)
            finally:
                self.__dict__.pop("_before_answer", None)
            return
        query = urllib.parse.parse_qs(u.query, keep_blank_values=True)
        with sb.api.lock:
            kind, _, acct, _ = sb.api.classify(self.headers.get("Authorization"))
        self._t0 = time.monotonic()
        entry = sb.journal_entry(self.req_id, method, path, {k: v[-1] for k, v in query.items()}, self.headers,
                                 kind, body, self.conn_id)
        entry["account_uuid"] = acct.uuid if acct else None
        self._entry = entry
        try:
            fault = sb.faults.match(method, path)
            if fault:
                entry["fault"] = {"id": fault["id"], "kind": fault["kind"]}
                self.apply_fault(fault, method, path, query, body, entry)
            else:
                self._op = None
                status, payload, headers = self.handle_api(method, path, query, body)
                coverage.record(self._op, status, self.headers.get("User-Agent"))  # parity matrix
                self._send(status, payload, headers=headers, head_only=method == "HEAD")
        except _Abort:
            pass
        except (BrokenPipeError, ConnectionResetError, socket.timeout, OSError):
            self.close_connection = True
        finally:
            self._entry = None

    def handle_api(self, method, path, query, body):
        """Normal handling -> (status, body bytes, headers)."""
        sb = self.server.sandbox
        cors = self._cors(path)
        key = sb.settings.get("error_key", "detail")

        def err(status, msg, extra=None):
            h = dict(cors)
            h.update(extra or {})
            return status, json.dumps({key: msg}, separators=(",", ":")).encode(), h

        if method == "OPTIONS" and path.startswith("/v1/account"):
            cands = routes.match(path)
            if not cands:
                return err(404, "Not found")
            h = {"Access-Control-Allow-Origin": self.headers.get("Origin") or "*",
                 "Access-Control-Allow-Methods": CORS_METHODS,
                 "Access-Control-Allow-Headers": self.headers.get("Access-Control-Request-Headers")
                 or "Authorization, Content-Type",
                 "Access-Control-Max-Age": "600", "Vary": "Origin",
                 "Allow": ", ".join(sorted({r.method for r, _ in cands}) + ["OPTIONS"])}
            return 204, b"", h
        route, params, allowed = routes.resolve("GET" if method == "HEAD" else method, path)
        params = {k: urllib.parse.unquote(v) for k, v in params.items()}
        entry = getattr(self, "_entry", None)
        if entry is not None and entry["account_uuid"] is None and "account_uuid" in params:
            entry["account_uuid"] = params["account_uuid"]
        if route is None:
            if allowed:
                return err(405, "Method not allowed", {"Allow": ", ".join(allowed)})
            return err(404, "Not found")
        base = sb.base_url
        ctx = Ctx(method, path, params, query, self.headers, body, base)
        api = sb.api
        try:
            with api.lock:
                api.authenticate(ctx, route.auth, self.headers.get("Authorization"))
                if sb.settings.get("rate_limit", True):
                    rk = ("app", ctx.app.token) if route.auth == "app" else ("account", ctx.account.uuid)
                    wait = sb.limiter.hit(rk, RATE_LIMITS[route.auth])
                    if wait is not None:
                        raise ApiError(429, "Rate limit exceeded", {"Retry-After": str(max(1, math.ceil(wait)))})
                self._op = route.op  # reached the handler (auth and rate limit passed)
                try:
                    result = getattr(api, "op_" + route.op)(ctx)
                finally:
                    sb.persist(ctx)  # --state: durable before the answer leaves
        except ApiError as e:
            return err(e.status, e.message, e.headers)
        except Exception as e:  # noqa: BLE001 - an emulator bug must surface as a 500, not a hang
            import traceback
            traceback.print_exc(file=sys.stderr)
            return err(500, f"Internal emulator error: {type(e).__name__}")
        status, obj = result if isinstance(result, tuple) else (200, result)
        return status, json.dumps(obj, separators=(",", ":")).encode(), cors

    # ---- faults -----------------------------------------------------------------------------
    def apply_fault(self, f, method, path, query, body, entry):
        kind = f["kind"]
        cors = self._cors(path)
        if kind == "delay":
            time.sleep(float(f["delay"]))
            status, payload, headers = self.handle_api(method, path, query, body)
            self._send(status, payload, headers=headers)
            return
        if kind == "status":
            h = dict(cors)
            if f.get("retry_after") is not None:
                ra = f["retry_after"]
                h["Retry-After"] = str(int(ra)) if isinstance(ra, (int, float)) and float(ra).is_integer() else str(ra)
            self._error(f["status"], f"Injected fault: HTTP {f['status']}", h)
            return
        if kind == "close":
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            raise _Abort()
        if kind == "reset":
            self.close_connection = True
            payload = json.dumps({"data": "x" * 8192}).encode()
            head = (f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {len(payload)}\r\n"
                    f"X-Request-Id: {self.req_id}\r\n\r\n").encode()
            self._mark(200)
            self.wfile.write(head + payload[: len(payload) // 2])
            time.sleep(0.05)
            self._rst()
            raise _Abort()
        if kind == "truncated_json":
            full = json.dumps({"uuid": "00000000-0000-4000-8000-000000000000", "status": "active",
                               "data": [{"n": i} for i in range(20)]}).encode()
            self._send(200, full[: len(full) // 2], headers=cors)
            return
        if kind == "non_json":
            page = b"<html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1></body></html>"
            self._send(f.get("status") or 200, page, ctype="text/html", headers=cors)
            return
        if kind == "oversized":
            size = int(f["size"])
            pre, post = b'{"padding":"', b'"}'
            n = max(0, size - len(pre) - len(post))
            head = (f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {n + len(pre) + len(post)}"
                    f"\r\nX-Request-Id: {self.req_id}\r\n\r\n").encode()
            self._mark(200)
            self.wfile.write(head + pre)
            chunk = b"x" * 65536
            while n > 0:
                self.wfile.write(chunk[: min(n, 65536)])
                n -= 65536
            self.wfile.write(post)
            return
        if kind == "trickle":
            status, payload, headers = self.handle_api(method, path, query, body)
            hdrs = [f"HTTP/1.1 {status} {self.responses.get(status, ('Unknown',))[0]}",
                    "Content-Type: application/json", f"Content-Length: {len(payload)}",
                    f"X-Request-Id: {self.req_id}"] + [f"{k}: {v}" for k, v in headers.items()]
            self._mark(status)
            self.wfile.write(("\r\n".join(hdrs) + "\r\n\r\n").encode("latin-1"))
            step = max(1, int(f["size"]))
            for i in range(0, len(payload), step):
                time.sleep(float(f["delay"]))
                self.wfile.write(payload[i:i + step])
            return
        if kind == "redirect":
            loc = f.get("location") or (self.server.sandbox.base_url + self.path)
            h = dict(cors)
            h["Location"] = loc
            self._error(f["status"], "Redirected", h)
            return

    def _rst(self):
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            sock = self.connection
            if hasattr(sock, "unwrap"):  # TLS: reset the TCP socket underneath
                raw = socket.socket(fileno=sock.detach())
                raw.close()
            else:
                sock.close()
        except OSError:
            pass

    # ---- admin -------------------------------------------------------------------------------
    def admin(self, method, path, query, body):
        sb = self.server.sandbox
        api = sb.api

        def jbody():
            if not body.strip():
                return {}
            try:
                return json.loads(body)
            except ValueError:
                raise ApiError(400, "Malformed JSON body") from None

        parts = path.rstrip("/").split("/")[2:]  # after "_sandbox"
        name = parts[0] if parts else ""
        if adminx.handle(self, sb, method, parts, query, jbody):  # CLI and dashboard routes (adminx.py)
            return None
        if name == "requests" and len(parts) == 1:
            if method == "GET":
                with sb.jlock:
                    rows = list(sb.journal)
                qp = {k: v[-1] for k, v in query.items()}
                if "path" in qp:
                    rows = [r for r in rows if r["path"] == qp["path"]]
                if "method" in qp:
                    rows = [r for r in rows if r["method"] == qp["method"].upper()]
                if "since" in qp:
                    rows = [r for r in rows if r["seq"] > int(qp["since"])]
                return self._json(200, rows)
            if method == "DELETE":
                with sb.jlock:
                    sb.journal = []
                return self._json(200, {"cleared": True})
        elif name == "faults":
            if len(parts) == 1:
                if method == "GET":
                    return self._json(200, sb.faults.list())
                if method == "POST":
                    spec = jbody()
                    if isinstance(spec, list):
                        return self._json(200, [sb.faults.add(s) for s in spec])
                    return self._json(200, sb.faults.add(spec))
                if method == "DELETE":
                    sb.faults.clear()
                    return self._json(200, {"cleared": True})
            elif len(parts) == 2 and method == "DELETE":
                try:
                    fid = int(parts[1])
                except ValueError:
                    raise ApiError(404, "Fault not found") from None
                if not sb.faults.clear(fid):
                    raise ApiError(404, "Fault not found")
                return self._json(200, {"cleared": True})
        elif name == "clock" and len(parts) == 1:
            if method == "POST":
                b = jbody()
                if not isinstance(b, dict):
                    raise ApiError(422, "clock: expected an object")
                if b.get("reset"):
                    sb.clock.reset()
                elif "advance" in b:
                    if not isinstance(b["advance"], (int, float)) or isinstance(b["advance"], bool):
                        raise ApiError(422, "advance: must be a number of seconds")
                    sb.clock.advance(b["advance"])
                elif "set" in b:
                    if not isinstance(b["set"], (int, float)) or isinstance(b["set"], bool):
                        raise ApiError(422, "set: must be unix seconds")
                    sb.clock.set(b["set"])
                else:
                    raise ApiError(422, "clock: give advance, set or reset")
                api.tick()
            if method in ("GET", "POST"):
                now = sb.clock.now()
                return self._json(200, {"now": now, "iso": iso(now), "offset": sb.clock.offset,
                                        "today": sb.clock.today().isoformat()})
        elif name == "config" and len(parts) == 1:
            if method == "GET":
                return self._json(200, dict(sb.settings))
            if method in ("POST", "PATCH"):
                with api.lock:
                    return self._json(200, sb.apply_config(jbody()))
            if method == "DELETE":
                with api.lock:
                    return self._json(200, sb.reset_config())
        elif name == "webhooks" and len(parts) == 1:
            if method == "GET":
                with sb.dispatcher._cv:  # noqa: SLF001
                    rows = list(sb.dispatcher.log)
                return self._json(200, rows)
            if method == "DELETE":
                sb.dispatcher.clear(pending="pending" in query)
                return self._json(200, {"cleared": True})
        elif name == "events" and len(parts) == 1:
            if method == "GET":
                with api.lock:
                    rows = list(api.events)
                ev = query.get("event", [None])[-1]
                if ev:
                    rows = [r for r in rows if r["event"] == ev]
                return self._json(200, rows)
            if method == "DELETE":
                with api.lock:
                    api.events = []
                return self._json(200, {"cleared": True})
        elif name == "reset" and len(parts) == 1 and method == "POST":
            with api.lock:
                sb.reset()
            return self._json(200, {"reset": True})
        elif name == "tokens" and len(parts) == 1 and method == "GET":
            # Every account token issued and still remembered: lets secret-hygiene
            # tests (tests/secrets) scan output for tokens the SDK minted internally.
            with api.lock:
                rows = [{"token": t, "account_uuid": u, "expires_at": e} for t, (u, e) in api.account_tokens.items()]
            return self._json(200, rows)
        elif name == "connections" and len(parts) == 1 and method == "GET":
            srv = self.server
            return self._json(200, {"total": srv.conn_total, "active": srv.conn_active})
        elif name == "tick" and len(parts) == 1 and method == "POST":
            api.tick()
            return self._json(200, {"ok": True, "webhooks_pending": sb.dispatcher.pending()})
        elif name == "health" and len(parts) == 1 and method == "GET":
            return self._json(200, {"ok": True, "webhooks_pending": sb.dispatcher.pending()})
        elif name == "routes" and len(parts) == 1 and method == "GET":
            return self._json(200, [dict(zip(("id", "method", "path", "auth", "confidence"), r))
                                    for r in routes.ROUTES])
        elif name == "meta" and len(parts) == 1 and method == "GET":
            return self._json(200, {"webhook_events": WEBHOOK_EVENTS,
                                    "statuses": [list(s) for s in STATUS_TABLE], "rate_limits": RATE_LIMITS,
                                    "fault_kinds": list(FAULT_KINDS)})
        elif name == "apps" and len(parts) == 1 and method == "POST":
            b = jbody()
            with api.lock:
                tok, app = api.new_app((b or {}).get("name") or "Second Sandbox App")
            return self._json(200, {"app_token": tok, "app": app.public()})
        elif name == "accounts" and len(parts) == 3 and method == "POST":
            with api.lock:
                acct = api.accounts.get(parts[1])
                if acct is None:
                    raise ApiError(404, "Account not found")
                b = jbody()
                if parts[2] == "status":
                    st, rs = b.get("status"), b.get("status_reason")
                    if st is None and rs is None:
                        acct.forced = None
                    elif (st, rs) not in [tuple(x) for x in STATUS_TABLE]:
                        raise ApiError(422, "unknown status/status_reason pair")
                    else:
                        acct.forced = (st, rs)
                    return self._json(200, acct.public(sb.clock))
                if parts[2] == "invoices":
                    ctx = Ctx("POST", path, {}, {}, self.headers, body, sb.base_url)
                    return self._json(200, api.issue_invoice(ctx, acct, b.get("paid")))
        elif name == "files" and method == "GET" and path.endswith(".pdf"):
            return self._send(200, _PDF, ctype="application/pdf")
        raise ApiError(404 if method in ("GET", "POST", "DELETE", "PUT", "PATCH") else 405, "Unknown admin route")


def make_server(sandbox, host="127.0.0.1", port=0, ssl_context=None):
    if host not in ("127.0.0.1", "localhost"):
        raise ValueError("the emulator only binds loopback")
    srv = SandboxHTTPServer(("127.0.0.1", port), sandbox, ssl_context)  # never anything but loopback
    scheme = "https" if ssl_context else "http"
    sandbox.base_url = f"{scheme}://{host}:{srv.server_address[1]}"
    return srv
