"""``light-sandbox serve`` (also plain ``python -m light_sandbox --port 0 [--tls] [--ready-json] ...``):
run the emulator in the foreground until SIGTERM/SIGINT."""
import argparse
import json
import os
import shutil
import signal
import sys
import threading
import time

from .server import Sandbox, make_server


def build_parser(p=None):
    p = p or argparse.ArgumentParser(prog="light-sandbox serve", description="Run the local Light API emulator")
    p.add_argument("--port", type=int, default=8080, help="port to listen on (0 = any free port)")
    p.add_argument("--host", default="127.0.0.1", help="loopback address to bind (only 127.0.0.1/localhost)")
    p.add_argument("--tls", action="store_true", help="serve HTTPS with a certificate from a fresh test CA")
    p.add_argument("--tls-wrong-host", action="store_true",
                   help="with --tls: certificate names another host (hostname verification must fail)")
    p.add_argument("--app-token", help="app token to accept (default: random)")
    p.add_argument("--webhook-secret", help="webhook signing secret (default: random)")
    p.add_argument("--webhook-url", help="deliver webhook events to this URL")
    p.add_argument("--webhook-retry-delays", default="60,240",
                   help="comma-separated seconds between attempts (default 60,240: 3 attempts in 5 min)")
    p.add_argument("--webhook-timeout", type=float, default=10.0, help="per-attempt timeout in seconds")
    p.add_argument("--no-rate-limit", action="store_true", help="switch rate limiting off")
    p.add_argument("--error-key", default="detail", help='key of the error envelope (default "detail")')
    p.add_argument("--receiver", action="store_true",
                   help="also start a webhook receiver on loopback and deliver to it (unless --webhook-url)")
    p.add_argument("--receiver-port", type=int, default=0)
    p.add_argument("--ready-json", action="store_true",
                   help="print one JSON line {base_url, app_token, webhook_secret, ca_file, pid} first on stdout")
    p.add_argument("--verbose", action="store_true", help="log requests to stderr")
    p.add_argument("--watch-parent", action="store_true",
                   help="exit when the parent process dies (SandboxProcess passes it, so a killed test run "
                        "leaves no orphaned emulator)")
    p.add_argument("--state", metavar="FILE",
                   help="keep accounts, enrollments, invoices and tokens in this SQLite file across restarts "
                        "(created if missing; its app token and webhook secret are reused unless given)")
    return p


def parse_args(argv=None, parser=None):
    p = parser or build_parser()
    a = p.parse_args(argv)
    return check_args(p, a)


def check_args(p, a):
    if a.tls_wrong_host:
        a.tls = True
    if a.host not in ("127.0.0.1", "localhost"):
        p.error("--host: the emulator only binds loopback (127.0.0.1 or localhost)")
    return a


def main(argv=None):
    return run(parse_args(argv))


def run(a):
    try:
        delays = [float(x) for x in a.webhook_retry_delays.split(",") if x.strip()]
    except ValueError:
        print(f"light-sandbox: --webhook-retry-delays: expected seconds like 60,240, got {a.webhook_retry_delays!r}",
              file=sys.stderr)
        return 2
    store = None
    app_token, secret = a.app_token, a.webhook_secret
    if a.state:
        from .store import StateError, Store
        try:
            store = Store(a.state)
        except StateError as e:
            print(f"light-sandbox: {e}", file=sys.stderr)
            return 2
        saved_token, saved_secret = store.saved_credentials()
        app_token, secret = app_token or saved_token, secret or saved_secret
    sb = Sandbox(app_token=app_token, webhook_secret=secret, webhook_url=a.webhook_url,
                 rate_limit=not a.no_rate_limit, error_key=a.error_key, webhook_retry_delays=delays,
                 webhook_timeout=a.webhook_timeout, verbose=a.verbose)
    receiver = None
    if a.receiver:
        from .webhooks import Receiver
        receiver = Receiver(sb.webhook_secret, port=a.receiver_port).start()
        if not a.webhook_url:
            sb.defaults["webhook_url"] = receiver.url
            sb.reset_config()
    ssl_ctx = tls_dir = None
    if a.tls:
        from .tlsca import make_tls
        ssl_ctx, sb.ca_file, tls_dir = make_tls(wrong_host=a.tls_wrong_host)
        sb.dispatcher.ca_file = sb.ca_file
    try:
        srv = make_server(sb, a.host, a.port, ssl_ctx)
    except OSError as e:
        print(f"light-sandbox: cannot listen on {a.host}:{a.port}: {e.strerror or e}", file=sys.stderr)
        sb.stop()
        if tls_dir:
            shutil.rmtree(tls_dir, ignore_errors=True)
        return 1
    if store is not None:
        from .store import StateError
        try:
            store.attach(sb)  # after make_server: sb.base_url is known
        except (StateError, ValueError, KeyError, TypeError) as e:
            print(f"light-sandbox: --state {a.state}: cannot load the saved state ({e})", file=sys.stderr)
            srv.server_close()
            sb.stop()
            return 2

    def stop(signum, frame):
        threading.Thread(target=srv.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    if a.watch_parent:
        parent = os.getppid()

        def watch():
            while os.getppid() == parent:
                time.sleep(0.5)
            srv.shutdown()

        threading.Thread(target=watch, name="watch-parent", daemon=True).start()
    ready = {"base_url": sb.base_url, "app_token": sb.app_token, "webhook_secret": sb.webhook_secret,
             "ca_file": sb.ca_file, "pid": os.getpid(),
             "receiver_url": receiver.url if receiver else None}
    human = sys.stderr if a.ready_json else sys.stdout
    if a.ready_json:
        sys.stdout.write(json.dumps(ready) + "\n")
        sys.stdout.flush()
    print(f"Light sandbox listening on {sb.base_url}", file=human)
    print(f"  app token:      {sb.app_token}", file=human)
    print(f"  webhook secret: {sb.webhook_secret}", file=human)
    if sb.ca_file:
        print(f"  CA file:        {sb.ca_file}", file=human)
    if receiver:
        print(f"  receiver:       {receiver.url} (GET it to list deliveries)", file=human)
    if store is not None:
        print(f"  state:          {store.path} ({len(sb.api.accounts)} accounts)", file=human)
    print(f"  dashboard:      {sb.base_url}/_sandbox/ui", file=human)
    print("  admin API:      /_sandbox/ (see sandbox/README.md); Ctrl-C to stop", file=human)
    human.flush()

    try:
        srv.serve_forever(poll_interval=0.2)
    finally:
        sb.stop()
        srv.server_close()
        if store is not None:
            with sb.api.lock:  # no request is half-way through a transaction
                store.close()
        if receiver:
            receiver.stop()
        if tls_dir:
            shutil.rmtree(tls_dir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
