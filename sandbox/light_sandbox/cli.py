"""The ``light-sandbox`` command (also ``python -m light_sandbox``).

    light-sandbox serve [--port N] [--tls] [--app-token T] [--webhook-secret S] [--state FILE] ...
    light-sandbox listen --forward-to http://localhost:3000/webhooks [--events a,b]
    light-sandbox trigger EVENT --account UUID
    light-sandbox accounts [--json]
    light-sandbox accounts create [--state active] [--email E] [--json]
    light-sandbox accounts move UUID --state active
    light-sandbox requests [--json] [--limit N] [--path P] [--method M]

With no command (or only flags) it serves, exactly as ``python -m light_sandbox
--port 0 --ready-json ...`` always did. Every other command talks to a running
emulator through its admin API (``/_sandbox/``, see adminx.py) at ``--url``,
default ``$LIGHT_SANDBOX_URL``, else ``$LIGHT_BASE_URL``, else
http://127.0.0.1:8080 (``--ca-file`` / ``$LIGHT_SANDBOX_CA_FILE`` for ``--tls``).
Bad input: a one-line ``light-sandbox: ...`` message on stderr and exit 2
(usage) or 1 (the emulator refused or cannot be reached); nothing is sent
before the arguments are checked. Stdlib only.
"""
import argparse
import datetime as dt
import json
import os
import re
import signal
import ssl
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

from . import serve
from .api import STATUS_TABLE, WEBHOOK_EVENTS
from .coverage import classify

COMMANDS = ("serve", "listen", "trigger", "accounts", "requests")
DEFAULT_URL = "http://127.0.0.1:8080"
POLL_WAIT = 25  # seconds one long-poll of `listen` waits on the emulator


class CliError(Exception):
    """A message for the user; exit status ``code``."""

    def __init__(self, message, code=1):
        super().__init__(message)
        self.code = code


# ---- talking to the emulator --------------------------------------------------------------------

class Admin:
    def __init__(self, url, ca_file=None):
        self.url = url.rstrip("/")
        self.ctx = None
        if self.url.startswith("https://"):
            self.ctx = ssl.create_default_context(cafile=ca_file) if ca_file else ssl.create_default_context()

    def call(self, method, path, body=None, timeout=30.0):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.url + "/_sandbox/" + path, data=data, method=method,
                                     headers={"Content-Type": "application/json", "User-Agent": "light-sandbox-cli"})
        try:
            with urllib.request.urlopen(req, timeout=timeout, context=self.ctx) as r:
                raw = r.read()
        except urllib.error.HTTPError as e:
            raw = e.read()
            try:
                msg = json.loads(raw).get("detail") or raw.decode("utf-8", "replace")
            except (ValueError, AttributeError):
                msg = raw.decode("utf-8", "replace")[:200] or e.reason
            err = CliError(f"{msg} (HTTP {e.code} from {self.url})")
            err.status = e.code
            raise err from None
        except (urllib.error.URLError, OSError) as e:
            reason = getattr(e, "reason", e)
            raise CliError(f"cannot reach the emulator at {self.url} ({reason}); start it with "
                           "`light-sandbox serve` or point --url / LIGHT_SANDBOX_URL at it") from None
        try:
            return json.loads(raw) if raw else None
        except ValueError:
            raise CliError(f"{self.url} is not a Light emulator (answer is not JSON)") from None


def _url_arg(p):
    p.add_argument("--url", default=None,
                   help="the running emulator (default $LIGHT_SANDBOX_URL, $LIGHT_BASE_URL or " + DEFAULT_URL + ")")
    p.add_argument("--ca-file", default=None, help="CA file for an emulator started with --tls "
                                                   "(default $LIGHT_SANDBOX_CA_FILE)")


def _admin(a):
    url = a.url or os.environ.get("LIGHT_SANDBOX_URL") or os.environ.get("LIGHT_BASE_URL") or DEFAULT_URL
    if not re.match(r"^https?://[^/\s]+/?$", url):
        raise CliError(f"--url: expected the emulator's base URL like {DEFAULT_URL}, got {url!r}", 2)
    return Admin(url, a.ca_file or os.environ.get("LIGHT_SANDBOX_CA_FILE") or None)


# ---- output -----------------------------------------------------------------------------------------

def table(rows, cols):
    """Plain text table: cols = [(header, key or callable)]."""
    cells = [[h for h, _ in cols]]
    for r in rows:
        cells.append([("" if v is None else str(v)) for v in
                      ((f(r) if callable(f) else r.get(f)) for _, f in cols)])
    widths = [max(len(c[i]) for c in cells) for i in range(len(cols))]
    return "\n".join("  ".join(c[i].ljust(widths[i]) for i in range(len(cols))).rstrip() for c in cells)


def _out(obj):
    sys.stdout.write(json.dumps(obj, indent=2) + "\n")


def _hms(ts):
    return dt.datetime.fromtimestamp(ts).strftime("%Y-%m-%d %H:%M:%S") if ts else ""


def sdk_of(headers):
    ua = None
    for k, v in (headers or {}).items():
        if k.lower() == "user-agent":
            ua = v
    who = classify(ua)
    if who:
        return who[0] + (f" ({who[1]})" if who[1] and who[0] == "Lua" else "")
    return (ua or "-").split(" ")[0][:24]


# ---- commands ----------------------------------------------------------------------------------------

def cmd_accounts(a):
    adm = _admin(a)
    rows = adm.call("GET", "accounts")
    if a.json:
        return _out(rows)
    if not rows:
        print("no accounts yet (create one: light-sandbox accounts create --state active)")
        return 0
    print(table(rows, [("UUID", "uuid"), ("NUMBER", "account_number"), ("EMAIL", "email"),
                       ("STATUS", lambda r: f"{r['status']}/{r['status_reason']}"), ("INVOICES", "invoices"),
                       ("CREATED", "created_at")]))
    return 0


def _check_state(text):
    from .api import ApiError
    from .states import parse_state
    try:
        st, rs = parse_state(text)
    except ApiError as e:
        raise CliError("--" + e.message, 2) from None
    return f"{st}/{rs}"


def cmd_accounts_create(a):
    body = {"state": _check_state(a.state)}
    if a.email:
        body["email"] = a.email
    adm = _admin(a)
    out = adm.call("POST", "accounts", body)
    if a.json:
        return _out(out)
    acct = out["account"]
    print(f"uuid     {acct['uuid']}")
    print(f"status   {acct['status']}/{acct['status_reason']}")
    print(f"email    {acct['email']}")
    print(f"token    {out['token']}")
    print(f"expires  {out['expires_at']}  (account token; mint another with POST /v1/app/accounts/{{uuid}}/token)")
    return 0


def cmd_accounts_move(a):
    _check_uuid("UUID", a.uuid)
    state = _check_state(a.state)
    adm = _admin(a)
    acct = adm.call("POST", f"accounts/{urllib.parse.quote(a.uuid, safe='')}/state", {"state": state})
    if a.json:
        return _out(acct)
    print(f"{acct['uuid']}  {acct['status']}/{acct['status_reason']}")
    return 0


def cmd_requests(a):
    adm = _admin(a)
    q = {"limit": a.limit}
    if a.path:
        q["path"] = a.path
    if a.method:
        q["method"] = a.method
    rows = adm.call("GET", "requests?" + urllib.parse.urlencode(q))
    if a.json:
        return _out(rows)
    if not rows:
        print("no requests yet")
        return 0
    print(table(rows, [("SEQ", "seq"), ("TIME", lambda r: _hms(r["time"])), ("METHOD", "method"),
                       ("PATH", lambda r: r["path"] + ("?" + urllib.parse.urlencode(r["query"]) if r["query"] else "")),
                       ("STATUS", lambda r: r["status"] if r["status"] is not None else "-"),
                       ("SDK", lambda r: sdk_of(r.get("headers"))),
                       ("MS", lambda r: f"{r['duration'] * 1000:.1f}" if r.get("duration") is not None else "-"),
                       ("FAULT", lambda r: (r.get("fault") or {}).get("kind", ""))]))
    return 0


UUID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


def _check_uuid(flag, v):
    if not UUID_RE.match(v or ""):
        raise CliError(f"{flag}: expected an account uuid like 3f2c5e1a-0b4d-4c8e-9a71-2d6f0e8b9c13, got {v!r} "
                       "(light-sandbox accounts lists them)", 2)


def cmd_trigger(a):
    _check_uuid("--account", a.account)
    adm = _admin(a)
    out = adm.call("POST", "trigger", {"event": a.event, "account": a.account})
    if a.json:
        return _out(out)
    ev = out["event"]
    where = []
    if out.get("webhook_url"):
        where.append(out["webhook_url"])
    if out.get("listeners"):
        where.append(f"{out['listeners']} listener(s)")
    sent = f"{out['deliveries']} delivery(ies) queued to " + ", ".join(where) if where else \
        "no webhook URL or listener: recorded in /_sandbox/events only (run `light-sandbox listen --forward-to ...`)"
    print(f"triggered {ev['event']} [{ev['uuid']}] for account {a.account}: {sent}")
    return 0


def _delivery_lines(r, show_body):
    t = _hms(r["delivered_at"])
    yield f"{t}  --> {r['event']} [{r['event_uuid']}] attempt {r['attempt']}"
    if r["status"] is not None:
        ans = (r.get("response") or "").strip().replace("\n", " ")
        if len(ans) > 120:
            ans = ans[:117] + "..."
        ver = {True: "  signature verified", False: "  SIGNATURE REJECTED"}.get(r.get("verified"), "")
        res = f"[{r['status']}] POST {r['url']} ({r['duration'] * 1000:.0f} ms){ver}" + (f"  {ans}" if ans else "")
    else:
        res = f"[ERR] POST {r['url']} ({r['duration'] * 1000:.0f} ms)  {r['error']}"
    if not r["ok"]:
        res += f"  -> retry in {r['next_attempt_in']:g} s" if r.get("next_attempt_in") is not None else \
            "  -> no more attempts"
    yield f"{t}  <-- {res}"
    if show_body:
        yield json.dumps(json.loads(r["body"]), indent=2)


def cmd_listen(a):
    if not re.match(r"^https?://[^/\s]+", a.forward_to or ""):
        raise CliError(f"--forward-to: expected an http(s) URL like http://localhost:3000/webhooks, "
                       f"got {a.forward_to!r}", 2)
    events = None
    if a.events:
        events = [e.strip() for e in a.events.split(",") if e.strip()]
        bad = [e for e in events if e not in WEBHOOK_EVENTS]
        if bad:
            raise CliError(f"--events: unknown event {bad[0]!r}; one of " + ", ".join(WEBHOOK_EVENTS), 2)
    adm = _admin(a)
    stopping = []

    def stop(signum, frame):
        stopping.append(signum)
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    lst = adm.call("POST", "listeners", {"url": a.forward_to, "events": events})
    print(f"Ready! Forwarding webhook deliveries of {adm.url} to {a.forward_to} (listener {lst['id']}"
          + (f", events {', '.join(events)}" if events else ", all events") + "); Ctrl-C to stop", flush=True)
    since, count = 0, 0
    try:
        while True:
            try:
                rows = adm.call("GET", f"webhooks?listener={lst['id']}&since={since}&wait={POLL_WAIT}",
                                timeout=POLL_WAIT + 15)
            except CliError as e:
                if getattr(e, "status", None) == 404:  # emulator restarted or lease lost: register again
                    lst = adm.call("POST", "listeners", {"url": a.forward_to, "events": events})
                    since = 0
                    print(f"(re-registered as listener {lst['id']})", flush=True)
                    continue
                if getattr(e, "status", None) is None:
                    print(f"light-sandbox: {e}; retrying in 2 s", file=sys.stderr, flush=True)
                    time.sleep(2)
                    continue
                raise
            for r in rows:
                since = max(since, r["seq"])
                if a.json:
                    print(json.dumps(r), flush=True)
                else:
                    for line in _delivery_lines(r, a.print_body):
                        print(line, flush=True)
                count += 1
                if a.max_deliveries and count >= a.max_deliveries:
                    return 0
    except KeyboardInterrupt:
        return 0
    finally:
        try:
            adm.call("DELETE", f"listeners/{lst['id']}", timeout=5)
        except CliError:
            pass


# ---- argument parsing ------------------------------------------------------------------------------

def _state_arg(p, default):
    p.add_argument("--state", default=default,
                   help="enrollment state: a status (active, scheduled, reviewing, needs_attention, ...), "
                        "status/reason (needs_attention/credit_declined) or a reason (credit_check_frozen); "
                        "states: " + ", ".join(f"{s}/{r}" for s, r in STATUS_TABLE))


def build_parser():
    p = argparse.ArgumentParser(
        prog="light-sandbox",
        description="Local Light API emulator: run it, watch it, drive it. "
                    "With no command it serves (same flags as `serve`).",
        epilog="Docs: sandbox/README.md. Dashboard: <emulator URL>/_sandbox/ui")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    sp = sub.add_parser("serve", help="run the emulator (default command)",
                        description="Run the emulator in the foreground until Ctrl-C / SIGTERM.")
    serve.build_parser(sp)

    lp = sub.add_parser("listen", help="forward the emulator's signed webhook deliveries to a local endpoint",
                        description="Register with the running emulator as a webhook listener: every event is "
                                    "delivered, signed (Light-Signature-v1) and retried on failure exactly as the "
                                    "emulator delivers to --webhook-url, to FORWARD_TO; each delivery and the "
                                    "endpoint's answer are printed.")
    lp.add_argument("--forward-to", "-f", required=True, metavar="URL", help="e.g. http://localhost:3000/webhooks")
    lp.add_argument("--events", help="comma-separated event names (default: all 18)")
    lp.add_argument("--print-body", action="store_true", help="also print each event's JSON payload")
    lp.add_argument("--json", action="store_true", help="one JSON delivery record per line")
    lp.add_argument("--max-deliveries", type=int, default=0, help=argparse.SUPPRESS)
    _url_arg(lp)

    tp = sub.add_parser("trigger", help="fire one of the 18 webhook events for an account",
                        description="Emit EVENT with the payload the emulator sends for it, built from the "
                                    "account's current state; it is delivered to --webhook-url and listeners.")
    tp.add_argument("event", metavar="EVENT", choices=WEBHOOK_EVENTS, help="one of: " + ", ".join(WEBHOOK_EVENTS))
    tp.add_argument("--account", required=True, metavar="UUID", help="the account the event is about")
    tp.add_argument("--json", action="store_true")
    _url_arg(tp)

    ap = sub.add_parser("accounts", help="list accounts; `accounts create --state active` makes a ready one",
                        description="List the emulator's accounts with their enrollment state.")
    ap.add_argument("--json", action="store_true", help="JSON instead of a table")
    _url_arg(ap)
    asub = ap.add_subparsers(dest="accounts_command", metavar="SUBCOMMAND")
    cp = asub.add_parser("create", help="create an account already in an enrollment state (prints uuid + token)",
                         description="Create an account and walk it through the enrollment steps (sandbox ESI ID, "
                                     "pm_card_visa, a sandbox SSN) up to --state; prints its uuid and a fresh "
                                     "account token.")
    _state_arg(cp, "active")
    cp.add_argument("--email", help="account email (default sandbox-<number>@example.com)")
    cp.add_argument("--json", action="store_true", help="JSON {account, token, expires_at}")
    _url_arg(cp)
    mp = asub.add_parser("move", help="drive an existing account forward to a state",
                         description="Run the enrollment steps an existing account still lacks to reach --state.")
    mp.add_argument("uuid", metavar="UUID")
    _state_arg(mp, "active")
    mp.add_argument("--json", action="store_true")
    _url_arg(mp)

    rp = sub.add_parser("requests", help="the request journal (method, path, status, SDK, duration)",
                        description="Requests the emulator received, oldest first.")
    rp.add_argument("--json", action="store_true", help="full journal entries as JSON")
    rp.add_argument("--limit", type=int, default=50, help="show the last N (default 50, 0 = all)")
    rp.add_argument("--path", help="only this exact path")
    rp.add_argument("--method", help="only this method")
    _url_arg(rp)
    return p


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or (argv[0].startswith("-") and argv[0] not in ("-h", "--help")):
        argv = ["serve"] + argv  # `python -m light_sandbox --port 0 --ready-json ...`: serve, as always
    p = build_parser()
    a = p.parse_args(argv)
    if a.command == "serve":
        serve.check_args(p, a)
        return serve.run(a)
    try:
        if a.command == "accounts":
            if a.accounts_command == "create":
                return cmd_accounts_create(a) or 0
            if a.accounts_command == "move":
                return cmd_accounts_move(a) or 0
            return cmd_accounts(a) or 0
        if getattr(a, "limit", 0) is not None and a.command == "requests" and a.limit < 0:
            raise CliError("--limit: must be >= 0", 2)
        if a.command == "requests":
            return cmd_requests(a) or 0
        if a.command == "trigger":
            return cmd_trigger(a) or 0
        if a.command == "listen":
            return cmd_listen(a) or 0
    except CliError as e:
        print(f"light-sandbox: {e}", file=sys.stderr)
        return e.code
    except BrokenPipeError:
        return 0
    p.print_help()
    return 2


if __name__ == "__main__":
    sys.exit(main())
