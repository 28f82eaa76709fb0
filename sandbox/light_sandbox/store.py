"""Durable emulator state in SQLite (``light-sandbox serve --state FILE``).

Stdlib only (``sqlite3``). What survives a restart: apps and their tokens,
accounts with their enrollment (profile, plan, identity, payment method,
credit check, phase), locations and contracts, invoices, comparison invoices,
usage profiles, issued account tokens, plans, the account-number counter and
the clock offset. What does not: the request journal, faults, the webhook
delivery log and queue, the event log, rate-limit windows and runtime config
(start-up flags set those again).

Crash safety. The database runs in WAL mode; every API request (and every
tick of the background clock, and every admin write) that changed something
is written in ONE transaction, under the emulator's state lock, *before* its
response leaves. So after a ``kill -9`` at any instant the file holds exactly
the requests that were answered (plus possibly the one being answered), each
whole or not at all. ``synchronous=NORMAL``: a process crash loses nothing
committed; only a power loss may drop the last transactions (never corrupts).

Change detection. Handlers mutate plain Python objects (api.py knows nothing
of storage), so the store watches the entry points that reach an account
(``tick_account``, token minting, plan creation, comparison processing and
account creation) and, after each request, serialises only those accounts and
writes the ones whose JSON changed. Invoices are append-only per account and
live in their own table (an account's row stays small).
"""
import datetime as dt
import json
import os
import sqlite3
import threading

from . import data
from .api import Account, App, Contract, Location

SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS apps (token TEXT PRIMARY KEY, uuid TEXT NOT NULL, name TEXT NOT NULL,
                                 ord INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS accounts (uuid TEXT PRIMARY KEY, ord INTEGER NOT NULL, app_uuid TEXT NOT NULL,
                                     data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS invoices (account_uuid TEXT NOT NULL, seq INTEGER NOT NULL, data TEXT NOT NULL,
                                     PRIMARY KEY (account_uuid, seq));
CREATE TABLE IF NOT EXISTS tokens (token TEXT PRIMARY KEY, account_uuid TEXT NOT NULL, expires_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS plans (uuid TEXT PRIMARY KEY, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS usage_profiles (uuid TEXT PRIMARY KEY, data TEXT NOT NULL);
"""


class StateError(RuntimeError):
    """The state file cannot be used (not SQLite, newer schema, unreadable)."""


# ---- JSON with dates and tuples ---------------------------------------------------------------

def _enc(v):
    if isinstance(v, dict):
        return {k: _enc(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_enc(x) for x in v]
    if isinstance(v, tuple):
        return {"$tuple": [_enc(x) for x in v]}
    if isinstance(v, dt.datetime):
        return {"$datetime": v.isoformat()}
    if isinstance(v, dt.date):
        return {"$date": v.isoformat()}
    if isinstance(v, (str, int, float, bool)) or v is None:
        return v
    raise TypeError(f"cannot store {type(v).__name__}")


def _hook(d):
    if len(d) == 1:
        if "$date" in d:
            return dt.date.fromisoformat(d["$date"])
        if "$datetime" in d:
            return dt.datetime.fromisoformat(d["$datetime"])
        if "$tuple" in d:
            return tuple(d["$tuple"])
    return d


BASE = "{{light-sandbox-base-url}}"  # stands for the emulator's base URL inside stored links


def _dumps(v, base=None):
    s = json.dumps(_enc(v), separators=(",", ":"), sort_keys=True)
    return s.replace(base, BASE) if base else s


def _loads(s, base=None):
    if base:
        s = s.replace(BASE, base)  # invoice PDFs, plan documents: links follow the port of this run
    return json.loads(s, object_hook=_hook)


# ---- entities <-> plain data ------------------------------------------------------------------

def _ci_out(ci):
    return {k: v for k, v in ci.items() if k not in ("_account", "_due")}


def account_out(acct):
    """An Account as plain data (without invoices, which have their own table)."""
    d = {}
    for k, v in acct.__dict__.items():
        if k in ("app", "invoices"):
            continue
        if k == "locations":
            v = [location_out(loc) for loc in v]
        elif k == "comparison_invoices":
            v = [_ci_out(ci) for ci in v]
        d[k] = v
    d["app_uuid"] = acct.app.uuid
    return d


def location_out(loc):
    d = {}
    for k, v in loc.__dict__.items():
        if k == "account":
            continue
        if k == "contracts":
            v = [dict(c.__dict__) for c in v]
        d[k] = v
    return d


def account_in(d, apps_by_uuid, invoices):
    acct = Account.__new__(Account)
    d = dict(d)
    app = apps_by_uuid.get(d.pop("app_uuid"))
    if app is None:
        raise StateError("account of an unknown app")
    locs = d.pop("locations", [])
    cis = d.pop("comparison_invoices", [])
    acct.__dict__.update(d)
    acct.app = app
    acct.invoices = invoices
    acct.locations = [location_in(x, acct) for x in locs]
    acct.comparison_invoices = []
    for ci in cis:
        ci = dict(ci)
        ci["_account"] = acct
        acct.comparison_invoices.append(ci)
    return acct


def location_in(d, acct):
    loc = Location.__new__(Location)
    d = dict(d)
    contracts = d.pop("contracts", [])
    loc.__dict__.update(d)
    addr = d.get("address") or {}
    # keep the address book's own dict when it is unchanged (flags, utility, ...)
    known = data.BY_ESI.get(addr.get("esi_id"))
    loc.address = known if known == addr else addr
    loc.account = acct
    loc.contracts = []
    for c in contracts:
        k = Contract.__new__(Contract)
        k.__dict__.update(c)
        loc.contracts.append(k)
    return loc


class Store:
    """One SQLite state file attached to one Sandbox."""

    def __init__(self, path):
        self.path = os.path.abspath(path)
        self.lock = threading.Lock()
        self.writes = 0
        d = os.path.dirname(self.path)
        if not os.path.isdir(d):
            raise StateError(f"--state {path}: directory {d} does not exist")
        try:
            self.db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None, timeout=5)
            mode = self.db.execute("PRAGMA journal_mode=WAL").fetchone()[0]
            self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.executescript(_SCHEMA)
        except sqlite3.DatabaseError as e:
            raise StateError(f"--state {path}: not a usable SQLite file ({e})") from None
        if str(mode).lower() != "wal":
            raise StateError(f"--state {path}: SQLite refused WAL mode ({mode})")
        ver = self.meta_get("schema_version")
        if ver is None:
            self._tx([("INSERT OR REPLACE INTO meta VALUES (?, ?)", ("schema_version", json.dumps(SCHEMA_VERSION)))])
        elif ver != SCHEMA_VERSION:
            raise StateError(f"--state {path}: schema version {ver} (this emulator reads {SCHEMA_VERSION})")
        self.api = None
        self.sb = None
        self._touched = set()
        self._new_tokens = []
        self._new_plans = []
        self._acct_json = {}  # uuid -> last JSON written
        self._inv_count = {}  # uuid -> (count, first number) written
        self._meta = {}  # key -> last JSON written
        self._profiles = {}  # uuid -> last JSON written
        self._accounts_obj = None
        self._apps_json = None
        self._need_full = False
        self._ord = {}  # uuid -> position in account_order (the accounts.ord column)

    # ---- low level ----------------------------------------------------------------------
    def meta_get(self, key):
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return json.loads(row[0]) if row else None

    def _tx(self, stmts):
        if not stmts:
            return
        self.db.execute("BEGIN IMMEDIATE")
        try:
            for sql, args in stmts:
                self.db.execute(sql, args)
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.writes += 1

    def close(self):
        try:
            self.db.close()
        except sqlite3.Error:
            pass

    # ---- what the emulator starts with ------------------------------------------------------------
    def saved_credentials(self):
        """(app_token, webhook_secret) stored by an earlier run, or (None, None)."""
        return self.meta_get("app_token"), self.meta_get("webhook_secret")

    def attach(self, sb):
        """Load the saved state into ``sb`` (a fresh Sandbox) and watch it from now on."""
        self.sb = sb
        api = self.api = sb.api
        with api.lock:
            self._load(sb)
            self._hook(api)
            self.persist(full=True)
        sb.store = self
        return self

    def _load(self, sb):
        api = sb.api
        base = sb.base_url
        rows = self.db.execute("SELECT token, uuid, name FROM apps ORDER BY ord").fetchall()
        old_default = self.meta_get("app_token")
        if rows:
            apps = {}
            for tok, uuid, name in rows:
                if tok == old_default and tok != api.default_app_token:
                    tok = api.default_app_token  # --app-token given: the saved default app takes the new token
                apps[tok] = App(tok, name, uuid)
            if api.default_app_token not in apps:
                apps[api.default_app_token] = api.apps[api.default_app_token]
            api.apps = apps
        by_uuid = {a.uuid: a for a in api.apps.values()}
        invoices = {}
        for au, s in self.db.execute("SELECT account_uuid, data FROM invoices ORDER BY account_uuid, seq"):
            invoices.setdefault(au, []).append(_loads(s, base))
        for uuid, s in self.db.execute("SELECT uuid, data FROM accounts ORDER BY ord"):
            acct = account_in(_loads(s, base), by_uuid, invoices.get(uuid, []))
            api.accounts[uuid] = acct
            api.account_order.append(uuid)
            for ci in acct.comparison_invoices:
                api.comparison_invoices[ci["uuid"]] = ci
                if ci["status"] == "pending":
                    ci["_due"] = 0.0  # finish at the next tick
                    api.pending_async.append(("comparison_invoice", ci))
        now = api.clock.now()
        for tok, au, exp in self.db.execute("SELECT token, account_uuid, expires_at FROM tokens"):
            if au in api.accounts and exp > now - 86400:
                api.account_tokens[tok] = (au, exp)
        for s, in self.db.execute("SELECT data FROM plans"):
            rec = _loads(s, base)
            rec["app"] = by_uuid.get(rec.pop("app_uuid"))
            rec["group"] = data.PLAN_GROUPS_BY_UUID.get(rec.pop("group_uuid")) or rec["public"]
            if rec["app"] is not None:
                api.plans[rec["public"]["uuid"]] = rec
        for s, in self.db.execute("SELECT data FROM usage_profiles"):
            p = _loads(s)
            p["_app"] = by_uuid.get(p.pop("app_uuid"))
            p["_invoice"] = api.comparison_invoices.get(p.pop("invoice_uuid")) or {"_filename": ""}
            if p["_app"] is None:
                continue
            api.usage_profiles[p["uuid"]] = p
            if p["status"] == "pending":
                p["_due"] = 0.0
                api.pending_async.append(("usage_profile", p))
        for key, attr in (("next_account_number", "next_account_number"), ("personalised", "personalised")):
            v = self.meta_get(key)
            if v is not None:
                setattr(api, attr, v)
        off = self.meta_get("clock_offset")
        if off:
            sb.clock.advance(off - sb.clock.offset)
        key = self.meta_get("jwt_key")
        if key:
            api.jwt_key = bytes.fromhex(key)

    def _hook(self, api):
        """Wrap the instance methods through which requests reach mutable state."""
        store = self
        orig_tick_account, orig_mint, orig_plan = api.tick_account, api.mint_token, api._make_plan
        orig_fin_ci, orig_tick = api._finish_comparison, api.tick

        def tick_account(acct):
            store._touched.add(acct.uuid)
            return orig_tick_account(acct)

        def mint_token(acct):
            tok, exp = orig_mint(acct)
            store._touched.add(acct.uuid)
            store._new_tokens.append((tok, acct.uuid, exp))
            return tok, exp

        def make_plan(*a, **kw):
            plan = orig_plan(*a, **kw)
            store._new_plans.append(plan["uuid"])
            return plan

        def finish_comparison(ci):
            store._touched.add(ci["_account"].uuid)
            return orig_fin_ci(ci)

        def tick(accounts=True):
            with api.lock:
                orig_tick(accounts)
                store.persist()

        api.tick_account, api.mint_token, api._make_plan = tick_account, mint_token, make_plan
        api._finish_comparison, api.tick = finish_comparison, tick

    def touch(self, account_uuid):
        self._touched.add(account_uuid)

    # ---- writing ------------------------------------------------------------------------------------
    def persist(self, full=False):
        """Write what changed since the last call in one transaction. Call under api.lock.
        If anything fails (disk full, ...), the next call rewrites everything, since the
        caches of what was written may then be ahead of the file."""
        if self.api is None:
            return
        try:
            self._persist(full or self._need_full)
        except BaseException:
            self._need_full = True
            raise
        self._need_full = False

    def _persist(self, full):
        api, sb = self.api, self.sb
        stmts = []
        if api.accounts is not self._accounts_obj:  # first run, or /_sandbox/reset replaced everything
            full = True
        if full:
            self._accounts_obj = api.accounts
            stmts += [("DELETE FROM " + t, ()) for t in ("accounts", "invoices", "tokens", "plans", "usage_profiles")]
            self._acct_json, self._inv_count, self._profiles, self._apps_json = {}, {}, {}, None
            touched = list(api.account_order)
            tokens = [(t, r[0], r[1]) for t, r in api.account_tokens.items()]
            plans = list(api.plans)
        else:
            touched = [u for u in api.account_order[len(self._acct_json):] if u not in self._acct_json]
            touched += [u for u in self._touched if u in self._acct_json]
            tokens, plans = self._new_tokens, self._new_plans
        self._touched, self._new_tokens, self._new_plans = set(), [], []
        if full:
            self._ord = {u: i for i, u in enumerate(api.account_order)}
        for uuid in dict.fromkeys(touched):
            acct = api.accounts.get(uuid)
            if acct is None:
                continue
            s = _dumps(account_out(acct), sb.base_url)
            if self._acct_json.get(uuid) != s:
                if uuid not in self._ord:  # accounts are only ever appended to account_order
                    self._ord[uuid] = len(self._ord)
                stmts.append(("INSERT OR REPLACE INTO accounts VALUES (?, ?, ?, ?)",
                              (uuid, self._ord[uuid], acct.app.uuid, s)))
                self._acct_json[uuid] = s
            stmts += self._invoice_stmts(acct)
        for tok, au, exp in tokens:
            stmts.append(("INSERT OR REPLACE INTO tokens VALUES (?, ?, ?)", (tok, au, exp)))
        for pid in plans:
            rec = api.plans.get(pid)
            if rec is None:
                continue
            out = {k: v for k, v in rec.items() if k not in ("app", "group")}
            out["app_uuid"] = rec["app"].uuid
            out["group_uuid"] = rec["group"].get("uuid") if isinstance(rec["group"], dict) else None
            stmts.append(("INSERT OR REPLACE INTO plans VALUES (?, ?)", (pid, _dumps(out, sb.base_url))))
        for pu, p in api.usage_profiles.items():
            out = {k: v for k, v in p.items() if k not in ("_app", "_invoice", "_due")}
            out["app_uuid"] = p["_app"].uuid
            out["invoice_uuid"] = p["_invoice"].get("uuid")
            s = _dumps(out)
            if self._profiles.get(pu) != s:
                stmts.append(("INSERT OR REPLACE INTO usage_profiles VALUES (?, ?)", (pu, s)))
                self._profiles[pu] = s
        apps = [(a.token, a.uuid, a.name) for a in api.apps.values()]
        aj = json.dumps(apps)
        if aj != self._apps_json:
            stmts.append(("DELETE FROM apps", ()))
            stmts += [("INSERT INTO apps VALUES (?, ?, ?, ?)", (t, u, n, i)) for i, (t, u, n) in enumerate(apps)]
            self._apps_json = aj
        meta = {"next_account_number": api.next_account_number, "personalised": api.personalised,
                "clock_offset": sb.clock.offset, "app_token": api.default_app_token,
                "webhook_secret": sb.webhook_secret, "jwt_key": api.jwt_key.hex()}
        for k, v in meta.items():
            s = json.dumps(v, sort_keys=True)
            if self._meta.get(k) != s:
                stmts.append(("INSERT OR REPLACE INTO meta VALUES (?, ?)", (k, s)))
                self._meta[k] = s
        with self.lock:
            self._tx(stmts)

    def _invoice_stmts(self, acct):
        base = self.sb.base_url
        invs = acct.invoices
        first = invs[0]["number"] if invs else None
        n, f = self._inv_count.get(acct.uuid, (None, None))
        if n is not None and n == len(invs) and f == first:
            return []
        out = []
        if n is None or n > len(invs) or f != first:  # new to us, or the list was replaced
            out.append(("DELETE FROM invoices WHERE account_uuid = ?", (acct.uuid,)))
            start = 0
        else:
            start = n
        for i in range(start, len(invs)):
            out.append(("INSERT OR REPLACE INTO invoices VALUES (?, ?, ?)", (acct.uuid, i, _dumps(invs[i], base))))
        self._inv_count[acct.uuid] = (len(invs), first)
        return out
