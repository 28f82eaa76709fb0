"""Signed webhook delivery (background threads, retries) and a tiny
built-in receiver that records and verifies deliveries.

Signature: ``Light-Signature-v1: {ts}.{hex}`` where hex is the lowercase
HMAC-SHA256 of ``f"{ts}.{raw_body}"`` with the webhook secret; ts is real
unix seconds (not the injectable business clock) so receivers with a replay
window accept it."""
import hashlib
import heapq
import hmac
import http.client
import itertools
import json
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SIGNATURE_HEADER = "Light-Signature-v1"
LISTENER_LEASE = 60.0  # a `light-sandbox listen` that has not polled for this long is dropped
RESPONSE_CAP = 2048  # bytes of an endpoint's answer kept in the delivery log


def sign(secret, body, ts=None):
    ts = int(time.time()) if ts is None else int(ts)
    if isinstance(body, str):
        body = body.encode()
    mac = hmac.new(secret.encode(), str(ts).encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"{ts}.{mac}"


def verify(secret, header, body, tolerance=3600, now=None):
    """True when ``header`` is a valid signature of ``body`` within ``tolerance`` s."""
    if not header or "." not in header:
        return False
    ts_s, mac = header.split(".", 1)
    try:
        ts = int(ts_s)
    except ValueError:
        return False
    now = time.time() if now is None else now
    if abs(now - ts) > tolerance:
        return False
    if isinstance(body, str):
        body = body.encode()
    want = hmac.new(secret.encode(), ts_s.encode() + b"." + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(want, mac)


class Dispatcher:
    """Delivers events to the configured URL from a small pool of threads.

    Each event gets up to ``len(retry_delays) + 1`` attempts (3 by default);
    an attempt fails on a non-2xx status, a connection error or a timeout."""

    def __init__(self, secret, url=None, retry_delays=(60.0, 240.0), timeout=10.0, workers=4, ca_file=None):
        self.secret = secret
        self.url = url
        self.retry_delays = list(retry_delays)
        self.timeout = float(timeout)
        self.ca_file = ca_file
        self.log = []
        self.listeners = {}  # id -> {"id", "url", "events", "created_at", "_seen"} (light-sandbox listen)
        self._listener_ids = itertools.count(1)
        self._log_seq = itertools.count(1)
        self._heap = []
        self._seq = itertools.count()
        self._lock = threading.RLock()
        self._cv = threading.Condition(self._lock)  # workers: the queue changed
        self._log_cv = threading.Condition(self._lock)  # long-polls: the delivery log grew
        self._stop = False
        self._inflight = 0
        self._threads = [threading.Thread(target=self._run, name=f"webhook-{i}", daemon=True) for i in range(workers)]
        for t in self._threads:
            t.start()

    def enqueue(self, event):
        """Queue ``event`` for the configured URL and for every live listener that wants it."""
        body = json.dumps(event, separators=(",", ":")).encode()
        with self._cv:
            targets = [(self.url, None)] if self.url else []
            now = time.monotonic()
            for lid, lst in list(self.listeners.items()):
                if now - lst["_seen"] > LISTENER_LEASE:
                    del self.listeners[lid]
                elif lst["events"] is None or event["event"] in lst["events"]:
                    targets.append((lst["url"], lid))
            for url, lid in targets:
                heapq.heappush(self._heap, (now, next(self._seq), event, body, 1, url, lid))
            if targets:
                self._cv.notify(len(targets))

    # ---- listeners (light-sandbox listen) ------------------------------------------------------
    def add_listener(self, url, events=None):
        with self._cv:
            lid = next(self._listener_ids)
            self.listeners[lid] = {"id": lid, "url": url, "events": sorted(events) if events else None,
                                   "created_at": time.time(), "_seen": time.monotonic()}
            return self.public_listener(self.listeners[lid])

    @staticmethod
    def public_listener(lst):
        return {k: v for k, v in lst.items() if not k.startswith("_")}

    def remove_listener(self, lid):
        with self._cv:
            return self.listeners.pop(lid, None) is not None

    def seen(self, lid):
        """Renew a listener's lease; False when it is unknown (expired or removed)."""
        with self._cv:
            lst = self.listeners.get(lid)
            if lst is None:
                return False
            lst["_seen"] = time.monotonic()
            return True

    def wait_log(self, since, timeout, listener=None):
        """Delivery records with seq > since (only ``listener``'s when given), waiting up to
        ``timeout`` s for the first one."""
        deadline = time.monotonic() + timeout
        with self._log_cv:
            while True:
                rows = [r for r in self.log if r["seq"] > since and (listener is None or r["listener"] == listener)]
                left = deadline - time.monotonic()
                if rows or left <= 0 or self._stop:
                    return rows
                self._log_cv.wait(min(left, 1.0))
                if listener is not None and listener not in self.listeners:
                    return []

    def clear(self, pending=False):
        with self._cv:
            self.log = []
            if pending:
                self._heap = []

    def pending(self):
        with self._cv:
            return len(self._heap) + self._inflight

    def stop(self):
        with self._cv:
            self._stop = True
            self._cv.notify_all()
            self._log_cv.notify_all()

    def _run(self):
        while True:
            with self._cv:
                while not self._stop and (not self._heap or self._heap[0][0] > time.monotonic()):
                    wait = None if not self._heap else max(0.0, self._heap[0][0] - time.monotonic())
                    self._cv.wait(wait)
                if self._stop:
                    return
                due, _, event, body, attempt, url, lid = heapq.heappop(self._heap)
                self._inflight += 1
            try:
                self._attempt(event, body, attempt, url, lid)
            finally:
                with self._cv:
                    self._inflight -= 1

    def _attempt(self, event, body, attempt, url, listener=None):
        sig = sign(self.secret, body)
        status, error, answer = None, None, b""
        t0 = time.time()
        try:
            u = urllib.parse.urlsplit(url)
            if u.scheme == "https":
                import ssl
                ctx = ssl.create_default_context(cafile=self.ca_file) if self.ca_file else ssl.create_default_context()
                conn = http.client.HTTPSConnection(u.hostname, u.port or 443, timeout=self.timeout, context=ctx)
            else:
                conn = http.client.HTTPConnection(u.hostname, u.port or 80, timeout=self.timeout)
            path = (u.path or "/") + (("?" + u.query) if u.query else "")
            conn.request("POST", path, body=body, headers={
                "Content-Type": "application/json", SIGNATURE_HEADER: sig, "User-Agent": "Light-Webhooks-Sandbox/1",
            })
            resp = conn.getresponse()
            answer = resp.read(1024 * 1024)[:RESPONSE_CAP]
            status = resp.status
            conn.close()
        except Exception as e:  # noqa: BLE001 - any failure is a failed attempt
            error = f"{type(e).__name__}: {e}"
        ok = status is not None and 200 <= status < 300
        text = answer.decode("utf-8", "replace")
        rec = {
            "event_uuid": event["uuid"], "event": event["event"], "attempt": attempt, "url": url, "status": status,
            "error": error, "ok": ok, "signature": sig, "body": body.decode(), "delivered_at": t0,
            "duration": round(time.time() - t0, 4), "final": ok or attempt > len(self.retry_delays),
            "response": text, "verified": _endpoint_verified(text), "listener": listener,
            "next_attempt_in": None,
        }
        with self._cv:
            rec["seq"] = next(self._log_seq)
            if not ok and attempt <= len(self.retry_delays):
                delay = float(self.retry_delays[attempt - 1])
                rec["next_attempt_in"] = delay
                heapq.heappush(self._heap, (time.monotonic() + delay, next(self._seq), event, body, attempt + 1, url,
                                            listener))
                self._cv.notify()
            self.log.append(rec)
            if len(self.log) > 20000:
                del self.log[:2000]
            self._log_cv.notify_all()


def _endpoint_verified(answer):
    """The endpoint's own verdict on the signature when its JSON answer reports one
    (``{"verified": true|false}``, as the built-in Receiver and the examples' handlers do), else None."""
    if not answer or not answer.lstrip().startswith("{"):
        return None
    try:
        v = json.loads(answer).get("verified")
    except (ValueError, AttributeError):
        return None
    return v if isinstance(v, bool) else None


class Receiver:
    """A webhook endpoint for demos and tests: records every POST, verifies
    its signature, and answers 200 (or the status in ``fail_statuses``
    for the first deliveries, to exercise retries)."""

    def __init__(self, secret, host="127.0.0.1", port=0, fail_first=0, fail_status=500):
        self.secret = secret
        self.received = []
        self.fail_first = fail_first
        self.fail_status = fail_status
        self._lock = threading.Lock()
        recv = self

        class H(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def do_POST(self):  # noqa: N802
                n = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(n)
                sig = self.headers.get(SIGNATURE_HEADER)
                with recv._lock:
                    fail = recv.fail_first > 0
                    if fail:
                        recv.fail_first -= 1
                    rec = {"path": self.path, "signature": sig, "verified": verify(recv.secret, sig, body),
                           "body": body.decode("utf-8", "replace"), "received_at": time.time(),
                           "answered": recv.fail_status if fail else 200}
                    try:
                        rec["event"] = json.loads(body).get("event")
                    except ValueError:
                        rec["event"] = None
                    recv.received.append(rec)
                code = recv.fail_status if fail else 200
                out = json.dumps({"ok": code == 200, "verified": rec["verified"]}).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(out)))
                self.end_headers()
                self.wfile.write(out)

            def do_GET(self):  # noqa: N802
                with recv._lock:
                    out = json.dumps(recv.received).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(out)))
                self.end_headers()
                self.wfile.write(out)

        self.server = ThreadingHTTPServer((host, port), H)
        self.server.daemon_threads = True
        self.url = f"http://{host}:{self.server.server_address[1]}/webhooks"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True, name="webhook-receiver")

    def start(self):
        self._thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def events(self):
        with self._lock:
            return list(self.received)
