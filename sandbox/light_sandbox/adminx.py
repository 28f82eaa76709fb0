"""Admin routes behind the ``light-sandbox`` command and the dashboard (``/_sandbox/ui``).

Called first by ``Handler.admin`` in server.py; ``handle`` returns False for
routes it does not own (server.py then handles them). Bad input is a 4xx JSON
error (``{"detail": ...}``), never a crash.

| route | effect |
|---|---|
| ``GET /_sandbox/ui`` | the dashboard (one self-contained HTML page) |
| ``GET /_sandbox/overview`` | base URL, counts, webhook URL, listeners, clock (the dashboard header, ``light-sandbox`` checks) |
| ``GET /_sandbox/accounts`` | every account: uuid, number, email, name, status, reason, ... |
| ``POST /_sandbox/accounts`` | ``{"state": "active", "email"?, "first_name"?, ...}`` -> ``{account, token, expires_at}`` |
| ``POST /_sandbox/accounts/{uuid}/state`` | ``{"state": ...}``: drive an existing account forward to that state |
| ``POST /_sandbox/trigger`` | ``{"event", "account"}``: emit one of the 18 events -> ``{event, deliveries}`` |
| ``POST /_sandbox/listeners`` | ``{"url", "events"?}``: also deliver webhooks there (``light-sandbox listen``) |
| ``GET /_sandbox/listeners``, ``DELETE /_sandbox/listeners/{id}`` | list / remove |
| ``GET /_sandbox/webhooks?since=SEQ&wait=S&listener=ID`` | long-poll of delivery records (``seq`` > SEQ), up to S s (<= 30) |
| ``GET /_sandbox/requests?limit=N[&since=&path=&method=]`` | the last N journal entries (0 = all) matching the filters |
"""
import re
import time

from . import states, triggers
from .api import ApiError, WEBHOOK_EVENTS
from .clock import iso

MAX_WAIT = 30.0


def _dict(b, what):
    if not isinstance(b, dict):
        raise ApiError(422, f"{what}: expected a JSON object")
    return b


def _num(query, key, default, lo, hi):
    v = query.get(key, [None])[-1]
    if v is None or v == "":
        return default
    try:
        n = float(v)
    except ValueError:
        raise ApiError(422, f"{key}: must be a number") from None
    if n != n or n < lo:  # NaN or too small
        raise ApiError(422, f"{key}: must be >= {lo:g}")
    return min(n, hi)


def account_row(acct, clock):
    st, rs = acct.status()
    loc = acct.location
    return {"uuid": acct.uuid, "account_number": acct.account_number, "email": acct.email,
            "name": " ".join(x for x in (acct.first_name, acct.last_name) if x) or None,
            "status": st, "status_reason": rs, "created_at": iso(acct.created), "app": acct.app.name,
            "esi_id": acct.esi_id, "service_active": bool(loc and loc.is_service_active),
            "finalized": acct.finalized_at is not None, "invoices": len(acct.invoices),
            "locations": [loc.uuid for loc in acct.locations]}


def handle(h, sb, method, parts, query, jbody):
    """Serve the route if it is ours; True when a response was sent."""
    api = sb.api
    name = parts[0] if parts else ""
    n = len(parts)
    if name == "ui" and n == 1 and method in ("GET", "HEAD"):
        from .dashboard import PAGE
        h._send(200, PAGE, ctype="text/html; charset=utf-8", head_only=method == "HEAD",
                headers={"Cache-Control": "no-store", "Content-Security-Policy":
                         "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
                         "img-src data:; connect-src 'self'"})
        return True
    if name == "overview" and n == 1 and method == "GET":
        d = sb.dispatcher
        with api.lock:
            counts = {"accounts": len(api.accounts), "tokens": len(api.account_tokens), "events": len(api.events)}
        with d._cv:  # noqa: SLF001
            lst = [d.public_listener(x) for x in d.listeners.values()]
            deliveries = len(d.log)
        now = sb.clock.now()
        h._json(200, {"base_url": sb.base_url, "webhook_url": d.url, "listeners": lst, "deliveries": deliveries,
                      "webhooks_pending": d.pending(), "state_file": sb.store.path if sb.store else None,
                      "clock": {"now": now, "iso": iso(now), "offset": sb.clock.offset,
                                "today": sb.clock.today().isoformat()},
                      "rate_limit": sb.settings.get("rate_limit"), "faults": len(sb.faults.list()), **counts})
        return True
    if name == "accounts" and n == 1:
        if method == "GET":
            with api.lock:
                rows = [account_row(api.accounts[u], sb.clock) for u in api.account_order if u in api.accounts]
            h._json(200, rows)
            return True
        if method == "POST":
            b = _dict(jbody(), "body")
            pair = states.parse_state(b.get("state", "created"))
            email = b.get("email")
            if email is not None and not isinstance(email, str):
                raise ApiError(422, "email: must be a string")
            profile = {k: b[k] for k in states.PROFILE if k in b}
            app = api.apps.get(b.get("app_token") or api.default_app_token)
            if app is None:
                raise ApiError(422, "app_token: unknown app")
            with api.lock:
                try:
                    acct = states.create(api, sb.base_url, app, pair, email, profile)
                    tok, exp = api.mint_token(acct)
                    out = {"account": acct.public(sb.clock), "token": tok, "expires_at": iso(exp)}
                finally:
                    sb.persist()
            h._json(200, out)
            return True
    if name == "accounts" and n == 3 and parts[2] == "state" and method == "POST":
        b = _dict(jbody(), "body")
        pair = states.parse_state(b.get("state"))
        with api.lock:
            acct = api.accounts.get(parts[1])
            if acct is None:
                raise ApiError(404, "Account not found")
            try:
                states.reach(api, sb.base_url, acct.app, acct, pair)
            finally:
                sb.persist(account_uuid=acct.uuid)
            out = acct.public(sb.clock)
        h._json(200, out)
        return True
    if name == "trigger" and n == 1 and method == "POST":
        b = _dict(jbody(), "body")
        event = b.get("event")
        if not isinstance(event, str) or event not in WEBHOOK_EVENTS:
            raise ApiError(422, f"event: unknown event {event!r}; one of " + ", ".join(WEBHOOK_EVENTS))
        au = b.get("account")
        if not isinstance(au, str) or not au:
            raise ApiError(422, "account: the uuid of an account is required")
        d = sb.dispatcher
        with api.lock:
            acct = api.accounts.get(au)
            if acct is None:
                raise ApiError(404, f"Account not found: {au}")
            before = d.pending()
            ev = triggers.fire(api, sb.base_url, event, acct)
            sb.persist()  # plans a trigger creates
        h._json(200, {"event": ev, "deliveries": max(0, d.pending() - before),
                      "webhook_url": d.url, "listeners": len(d.listeners)})
        return True
    if name == "listeners":
        d = sb.dispatcher
        if n == 1 and method == "GET":
            with d._cv:  # noqa: SLF001
                h._json(200, [d.public_listener(x) for x in d.listeners.values()])
            return True
        if n == 1 and method == "POST":
            b = _dict(jbody(), "body")
            url = b.get("url")
            if not isinstance(url, str) or not re.match(r"https?://[^/\s]+", url):
                raise ApiError(422, "url: must be an http(s) URL, e.g. http://localhost:3000/webhooks")
            events = b.get("events")
            if events is not None:
                if not isinstance(events, list) or not all(isinstance(e, str) for e in events):
                    raise ApiError(422, "events: must be a list of event names")
                bad = [e for e in events if e not in WEBHOOK_EVENTS]
                if bad:
                    raise ApiError(422, f"events: unknown event {bad[0]!r}; one of " + ", ".join(WEBHOOK_EVENTS))
            h._json(200, d.add_listener(url, events or None))
            return True
        if n == 2 and method == "DELETE":
            try:
                lid = int(parts[1])
            except ValueError:
                raise ApiError(404, "Listener not found") from None
            if not d.remove_listener(lid):
                raise ApiError(404, "Listener not found")
            h._json(200, {"removed": lid})
            return True
    if name == "requests" and n == 1 and method == "GET" and "limit" in query:
        limit = int(_num(query, "limit", 50, 0, 1e9))
        qp = {k: v[-1] for k, v in query.items()}
        since = int(_num(query, "since", 0, 0, 1e18))
        with sb.jlock:
            rows = list(sb.journal)
        rows = [r for r in rows if r["seq"] > since and ("path" not in qp or r["path"] == qp["path"])
                and ("method" not in qp or r["method"] == qp["method"].upper())]
        h._json(200, rows[-limit:] if limit else rows)
        return True
    if name == "webhooks" and n == 1 and method == "GET" and any(k in query for k in ("since", "wait", "listener")):
        d = sb.dispatcher
        since = int(_num(query, "since", 0, 0, 1e18))
        wait = _num(query, "wait", 0.0, 0.0, MAX_WAIT)
        lid = query.get("listener", [None])[-1]
        if lid is not None:
            try:
                lid = int(lid)
            except ValueError:
                raise ApiError(422, "listener: must be a listener id") from None
            if not d.seen(lid):
                raise ApiError(404, "Listener not found (expired or removed); register again")
        t0 = time.monotonic()
        rows = d.wait_log(since, wait, lid)
        if lid is not None:
            d.seen(lid)
            if not rows and lid not in d.listeners and time.monotonic() - t0 < wait:
                raise ApiError(404, "Listener not found (removed)")
        h._json(200, rows)
        return True
    return False
