"""A webhook endpoint on the standard library (http.server, no framework),
API.md §17: reads the raw body, verifies its Light-Signature-v1 header with
light.webhooks.verify, answers 400 to a bad signature and 200 to a good one,
and prints one line per request.

    LIGHT_WEBHOOK_SECRET=whsec_... python examples/python/webhook_receiver.py --port 9000 [--max-requests N]

Point the app's webhook URL at http://127.0.0.1:9000/ (the local emulator:
``python -m light_sandbox --webhook-url http://127.0.0.1:9000/``). Stops after
N requests, or on SIGTERM / Ctrl-C. Output:
    listening on http://127.0.0.1:9000/
    200 enrollment.identity_updated <event uuid> account <account uuid>
    400 rejected: signature_mismatch
Acknowledge fast and do the work elsewhere: Light waits 10 s per attempt and
retries non-2xx answers; treat events as "go re-fetch" hints (they may repeat).
"""
import argparse
import json
import os
import signal
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer

import light

SIGNATURE_HEADER = "Light-Signature-v1"


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"  # one request per connection, so --max-requests counts requests
    secret = None  # set in main()

    def log_message(self, *args):  # one line per request is printed below instead
        pass

    def answer(self, code, body):
        out = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    def do_POST(self):  # noqa: N802 - http.server's naming
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))  # the raw bytes: never re-serialise
        try:
            event = light.webhooks.verify(raw, self.headers.get(SIGNATURE_HEADER), self.secret)
        except light.SignatureVerificationError as e:
            print(f"400 rejected: {e.reason}", flush=True)
            self.answer(400, {"error": e.reason})
            return
        account = (event.data.get("account") or {}).get("uuid", "-")
        print(f"200 {event.event} {event.uuid} account {account}", flush=True)
        self.answer(200, {"ok": True})


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--port", type=int, default=9000)
    ap.add_argument("--max-requests", type=int, default=0, help="exit after this many requests (0 = never)")
    args = ap.parse_args()
    Handler.secret = os.environ.get("LIGHT_WEBHOOK_SECRET")
    if not Handler.secret:
        ap.error("set LIGHT_WEBHOOK_SECRET")

    server = HTTPServer(("127.0.0.1", args.port), Handler)  # loopback only; put TLS in front in production
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print(f"listening on http://127.0.0.1:{server.server_address[1]}/", flush=True)
    handled = 0
    try:
        while not args.max_requests or handled < args.max_requests:
            server.handle_request()
            handled += 1
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
