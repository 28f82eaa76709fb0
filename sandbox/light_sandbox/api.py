"""State and business rules of the Light API emulator: accounts, tokens,
enrollment state machine, plans, locations, contracts, billing, usage,
renewals, comparison invoices, usage profiles and the 18 webhook events.

Handlers are ``Api.op_<operation id>`` (see routes.py). They run under one
coarse lock held by the server, take a ``Ctx`` and return ``body`` or
``(status, body)``, or raise ``ApiError``. Behaviour the docs do not pin
down is marked ``# INFERRED`` / "invented" and listed in README.md.
"""
import base64
import datetime as dt
import hashlib
import hmac
import json
import math
import re
import secrets
import threading
import time
import uuid as uuidlib
from email.parser import BytesParser
from email.policy import HTTP as HTTP_POLICY

from . import data, usage
from .clock import CHICAGO, Clock, iso, local_midnight, parse_date, parse_iso

DAY = 86400

# ---- timing of the simulated back office (sandbox-clock seconds; invented) ----
VERIFY_SECONDS = 60  # reviewing/verification_pending lasts this long after finalize
CREDIT_SECONDS = 60  # reviewing/credit_check_pending lasts this long (once an SSN is on file)
UTILITY_SECONDS = 3600  # activating/utility_submitted -> active/active
CREDIT_RETRY_SECONDS = DAY  # frozen / provider-error credit checks are retried after a day
VERIFICATION_HOLD_DAYS = 14  # unresolved credit problems -> cancelled/enrollment_blocked_verification_hold
PLAN_EXPIRY_BUSINESS_DAYS = 5

# SSN last four digits that simulate credit outcomes (invented, like Stripe test cards)
CREDIT_OUTCOMES = {
    "0001": "credit_not_found",
    "0002": "credit_declined",
    "0003": "credit_check_frozen",
    "0004": "credit_check_error",
}
RETRIED_CREDIT = ("credit_check_frozen", "credit_check_error")

# Stripe-like test payment methods (invented mapping)
CARDS = {
    "pm_card_visa": ("visa", "4242", True),
    "pm_card_mastercard": ("mastercard", "4444", True),
    "pm_card_amex": ("amex", "8431", True),
    "pm_card_chargeDeclined": ("visa", "0002", False),
}

FLOW_SCOPES = ("enrollment", "update-payment-method", "billing", "documents", "renewal")
IDENTITY_FIELDS = ("first_name", "last_name", "email", "phone_number", "date_of_birth")

STATUS_TABLE = [
    ("created", "unresolved"), ("created", "missing_address"),
    ("applying", "plan_not_accepted"), ("applying", "missing_identity"),
    ("applying", "missing_payment_method"), ("applying", "enrollment_not_finalized"),
    ("reviewing", "verification_pending"), ("reviewing", "credit_check_pending"),
    ("needs_attention", "credit_not_found"), ("needs_attention", "credit_declined"),
    ("needs_attention", "credit_check_frozen"), ("needs_attention", "credit_check_error"),
    ("needs_attention", "enrollment_blocked_switch_hold"), ("needs_attention", "enrollment_blocked_deactivated"),
    ("needs_attention", "utility_blocked"), ("ready", "enrollment_pending_client_agent"),
    ("scheduled", "service_pending"), ("activating", "utility_submitted"), ("active", "active"),
    ("cancelled", "enrollment_blocked_verification_hold"), ("cancelled", "cancelled_pre_start"),
    ("cancelled", "expire_pre_active"), ("cancelled", "cancelled_post_start"),
]

WEBHOOK_EVENTS = [
    "enrollment.plan_requested", "enrollment.plan_accepted", "enrollment.identity_updated",
    "enrollment.finalized", "account.payment_method_added", "account.billing_address_updated",
    "account.payment_failed", "account.payment_successful", "account.invoice_sent",
    "location.service_active", "location.service_canceled", "location.usage_history_available",
    "location.renewal_plan_requested", "location.renewal_plan_accepted", "location.renewal_email_sent",
    "comparison_invoice.processed", "usage_profile.completed", "usage_profile.failed",
]


class ApiError(Exception):
    def __init__(self, status, message, headers=None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


def _uuid():
    return str(uuidlib.uuid4())


def _money(cents):
    sign = "-" if cents < 0 else ""
    cents = abs(int(cents))
    return f"{sign}{cents // 100}.{cents % 100:02d}"


def _add_months(d, n):
    m = d.month - 1 + n
    y = d.year + m // 12
    m = m % 12 + 1
    last = [31, 29 if (y % 4 == 0 and (y % 100 != 0 or y % 400 == 0)) else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30,
            31][m - 1]
    return dt.date(y, m, min(d.day, last))


def _business_days_after(ts, n):
    d = dt.datetime.fromtimestamp(ts, CHICAGO)
    while n > 0:
        d += dt.timedelta(days=1)
        if d.weekday() < 5:
            n -= 1
    return d.timestamp()


# ---------------------------------------------------------------- validation

class Body:
    """Typed access to a JSON object body; raises 422 with a field message."""

    def __init__(self, obj):
        if not isinstance(obj, dict):
            raise ApiError(422, "Request body must be a JSON object")
        self.obj = obj

    def has(self, key):
        return key in self.obj and self.obj[key] is not None

    def _get(self, key, required, types, tname):
        if key not in self.obj or self.obj[key] is None:
            if required:
                raise ApiError(422, f"{key}: field required")
            return None
        v = self.obj[key]
        if isinstance(v, bool) and bool not in types:
            raise ApiError(422, f"{key}: must be {tname}")
        if not isinstance(v, types):
            raise ApiError(422, f"{key}: must be {tname}")
        return v

    def str(self, key, required=False, pattern=None, what=None, nonempty=True):
        v = self._get(key, required, (str,), "a string")
        if v is not None:
            if nonempty and not v.strip():
                raise ApiError(422, f"{key}: must not be empty")
            if pattern and not re.fullmatch(pattern, v):
                raise ApiError(422, f"{key}: must be {what or 'valid'}")
        return v

    def bool(self, key, required=False):
        return self._get(key, required, (bool,), "a boolean")

    def int(self, key, required=False):
        return self._get(key, required, (int,), "an integer")

    def number(self, key, required=False):
        return self._get(key, required, (int, float), "a number")

    def date(self, key, required=False):
        v = self.str(key, required)
        if v is None:
            return None
        try:
            return parse_date(v)
        except ValueError:
            raise ApiError(422, f"{key}: must be a date (YYYY-MM-DD)") from None

    def datetime(self, key, required=False):
        v = self.str(key, required)
        if v is None:
            return None
        try:
            return parse_iso(v)
        except ValueError:
            raise ApiError(422, f"{key}: must be an ISO-8601 date-time") from None

    def uuid(self, key, required=False):
        v = self.str(key, required)
        if v is not None:
            try:
                uuidlib.UUID(v)
            except ValueError:
                raise ApiError(422, f"{key}: must be a UUID") from None
        return v

    def esi(self, key="esi_id", required=False):
        return self.str(key, required, pattern=r"\d{17}", what="a 17-digit ESI ID")


def _check_email(v):
    if v is not None and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", v):
        raise ApiError(422, "email: must be a valid email address")


def _check_phone(v):
    if v is not None:
        digits = re.sub(r"\D", "", v)
        if not 10 <= len(digits) <= 15 or not re.fullmatch(r"[\d\s()+.\-]+", v):
            raise ApiError(422, "phone_number: must be a phone number")


# ---------------------------------------------------------------- entities

class App:
    def __init__(self, token, name, app_uuid=None):
        self.uuid = app_uuid or _uuid()
        self.name = name
        self.token = token
        self.stripe_public_key = "pk_test_sandbox_" + hashlib.sha256(self.uuid.encode()).hexdigest()[:24]

    def public(self):
        return {"uuid": self.uuid, "name": self.name, "stripe_public_key": self.stripe_public_key}


class Contract:
    def __init__(self, plan, start, end, status):
        self.uuid = _uuid()
        self.plan = plan  # public plan dict
        self.start = start
        self.end = end
        self.status = status  # pending | active | future | past | cancelled

    def documents(self):
        p = self.plan
        return {
            "efl": p["efl_url"], "tos": p["tos_url"], "yrac": p["yrac_url"],
            "contract_start": self.start.isoformat(), "contract_end": self.end.isoformat(),
        }


class Location:
    def __init__(self, address, account):
        self.uuid = _uuid()
        self.address = address
        self.account = account
        self.seed = self.uuid
        self.service_start_date = None
        self.final_service_date = None
        self.is_service_active = False
        self.history_from = None  # first day of visible usage; None = no usage history
        self.contracts = []
        self.renewal_email_sent_for = None
        self.meter_reads_from = None

    def current_contract(self):
        for status in ("active", "pending"):
            for c in self.contracts:
                if c.status == status:
                    return c
        return self.contracts[-1] if self.contracts else None

    def public(self, clock):
        c = self.current_contract()
        nxt = None
        if self.is_service_active:
            today = clock.today()
            nxt = _add_months(today.replace(day=1), 1).replace(day=min(15, 28)).isoformat()
        a = self.address
        return {
            "uuid": self.uuid,
            "address_1": a["address_1"], "address_2": a["address_2"], "city": a["city"],
            "state": a["state"], "postal_code": a["postal_code"],
            "utility_number": a["esi_id"],
            "service_start_date": self.service_start_date.isoformat() if self.service_start_date else None,
            "final_service_date": self.final_service_date.isoformat() if self.final_service_date else None,
            "is_service_active": self.is_service_active,
            "has_usage_history": self.history_from is not None,
            "estimated_next_reading_date": nxt,
            "plan_name": c.plan["name"] if c else None,
            "plan_uuid": c.plan["uuid"] if c else None,
        }


class Account:
    def __init__(self, app, number, created):
        self.uuid = _uuid()
        self.app = app
        self.account_number = str(number)
        self.created = created
        self.email = None
        self.first_name = None
        self.last_name = None
        self.phone_number = None
        self.date_of_birth = None
        self.ssn_last4 = None
        self.preliminary_address = None
        self.renewals_url = None
        self.client_agent_accepted_at = None
        self.reset_enrollment()
        self.comparison_invoices = []

    def reset_enrollment(self):
        self.activity = False  # any enrollment step taken
        self.esi_id = None  # service address known
        self.identity_submitted = False
        self.payment_method = None
        self.billing_address = None  # None = same as service address
        self.credit = None  # {"last4", "submitted_at", "outcome", "retry_at"}
        self.pre_credit_ok = False  # client-agent pre-approval done
        self.pre_credit_problem = None  # needs_attention reason before finalize (client-agent)
        self.pre_credit_since = None
        self.accepted_plan = None
        self.client_agent_enrollment = False
        self.finalized_at = None
        self.phase = None  # reviewing | credit | needs_attention | scheduled | activating | active | cancelled
        self.phase_reason = None
        self.phase_since = None
        self.forced = None  # (status, status_reason) set through /_sandbox
        self.locations = []
        self.invoices = []
        self.invoice_seq = 0

    @property
    def location(self):
        return self.locations[0] if self.locations else None

    @property
    def client_agent_accepted(self):
        return self.client_agent_accepted_at is not None

    def status(self):
        if self.forced:
            return self.forced
        if self.phase == "cancelled":
            return "cancelled", self.phase_reason
        if self.phase == "active":
            return "active", "active"
        if self.phase == "activating":
            return "activating", "utility_submitted"
        if self.phase == "scheduled":
            return "scheduled", "service_pending"
        if self.phase == "needs_attention":
            return "needs_attention", self.phase_reason
        if self.phase == "credit":
            return "reviewing", "credit_check_pending"
        if self.phase == "reviewing":
            return "reviewing", "verification_pending"
        if self.pre_credit_problem:
            return "needs_attention", self.pre_credit_problem
        if (self.client_agent_accepted and self.identity_submitted and self.payment_method and self.pre_credit_ok
                and not self.accepted_plan):
            return "ready", "enrollment_pending_client_agent"
        if not self.activity:
            return "created", "unresolved"
        if not self.esi_id:
            return "created", "missing_address"
        if not self.accepted_plan:
            return "applying", "plan_not_accepted"
        if not self.identity_submitted:
            return "applying", "missing_identity"
        if not self.payment_method:
            return "applying", "missing_payment_method"
        return "applying", "enrollment_not_finalized"

    def enrollment(self):
        has_plan = self.accepted_plan is not None
        has_pm = self.payment_method is not None
        finalized = self.finalized_at is not None
        return {
            "has_accepted_plan": has_plan,
            "has_payment_method": has_pm,
            "is_identity_verified": self.identity_submitted,
            "is_billing_address_confirmed": self.billing_address is not None,
            "is_enrollment_finalized": finalized,
            "finalized_at": iso(self.finalized_at),
            "can_finalize_enrollment": has_plan and has_pm and self.identity_submitted and not finalized,
            "is_service_active": bool(self.location and self.location.is_service_active),
        }

    def public(self, clock):
        status, reason = self.status()
        return {
            "uuid": self.uuid,
            "account_number": self.account_number,
            "email": self.email,
            "first_name": self.first_name,
            "last_name": self.last_name,
            "phone_number": self.phone_number,
            "date_of_birth": self.date_of_birth,
            "created_at": iso(self.created),
            "status": status,
            "status_reason": reason,
            "enrollment": self.enrollment(),
            "app": self.app.public(),
            "locations": [loc.public(clock) for loc in self.locations],
            "client_agent_accepted": self.client_agent_accepted,
            "client_agent_accepted_at": iso(self.client_agent_accepted_at),
            "preliminary_address": self.preliminary_address,
            "renewals_url": self.renewals_url,
        }


# ---------------------------------------------------------------- request context

class Ctx:
    def __init__(self, method, path, params, query, headers, body, base_url):
        self.method = method
        self.path = path
        self.params = params
        self.query = query  # dict name -> [values]
        self.headers = headers
        self.raw = body
        self.base_url = base_url
        self.app = None
        self.account = None
        self._json = None

    def q(self, name):
        v = self.query.get(name)
        return v[-1] if v else None

    def q_int(self, name, default=None, lo=None, hi=None):
        v = self.q(name)
        if v is None or v == "":
            return default
        try:
            n = int(v)
        except ValueError:
            raise ApiError(422, f"{name}: must be an integer") from None
        if lo is not None and n < lo:
            raise ApiError(422, f"{name}: must be >= {lo}")
        if hi is not None and n > hi:
            raise ApiError(422, f"{name}: must be <= {hi}")
        return n

    def content_type(self):
        return (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()

    def json(self):
        """The JSON body as a Body; empty body -> {}; malformed -> 400."""
        if self._json is None:
            raw = self.raw or b""
            if not raw.strip():
                obj = {}
            else:
                try:
                    obj = json.loads(raw.decode("utf-8"))
                except (UnicodeDecodeError, ValueError):
                    raise ApiError(400, "Malformed JSON body") from None
            self._json = Body(obj)
        return self._json


# ---------------------------------------------------------------- the API

class Api:
    def __init__(self, app_token, clock=None, emit=None, app_name="Sandbox App"):
        self.clock = clock or Clock()
        self.lock = threading.RLock()
        self.emit_hook = emit  # callable(event_dict) for webhook delivery
        self.default_app_token = app_token
        self.jwt_key = secrets.token_bytes(32)
        self.config = {
            "account_token_ttl": 3600,
            "comparison_processing_delay": 0.5,
            "usage_profile_delay": 1.0,
            # How list pages link to the next one (SDK pagination tests):
            # "offset" absolute next_page_url with limit/offset (default);
            # "cursor" next_page_url with an opaque cursor only the URL carries;
            # "relative" next_page_url as a path; "foreign" next_page_url on another
            # host; "none" no next_page_url key (has_more + offset only);
            # "array" the list answers a bare JSON array of one page.
            "page_style": "offset",
        }
        self._default_config = dict(self.config)
        self.wipe(app_name)

    def wipe(self, app_name="Sandbox App"):
        with self.lock:
            old = getattr(self, "apps", None)
            self.apps = {}
            if old:
                for a in old.values():
                    self.apps[a.token] = App(a.token, a.name, a.uuid)
            else:
                self.apps[self.default_app_token] = App(self.default_app_token, app_name)
            self.accounts = {}
            self.account_order = []
            self.account_tokens = {}
            self.plans = {}
            self.comparison_invoices = {}
            self.usage_profiles = {}
            self.personalised = {}  # utility account number -> usage profile uuid
            self.pending_async = []  # comparison invoices / usage profiles in flight
            self.events = []
            self.next_account_number = 1000001

    def reset_config(self):
        self.config = dict(self._default_config)

    # ---- events -------------------------------------------------------
    def emit(self, event, data_obj):
        assert event in WEBHOOK_EVENTS, event
        ev = {
            "uuid": _uuid(),
            "created_at": iso(self.clock.now()),
            "api_version": "v1",
            "event": event,
            "data": data_obj,
        }
        self.events.append(ev)
        if len(self.events) > 10000:
            del self.events[:1000]
        if self.emit_hook:
            self.emit_hook(ev)
        return ev

    def _emit_account(self, event, acct, **extra):
        d = {"account": acct.public(self.clock)}
        if event.startswith("account.") and acct.location:
            d["location"] = acct.location.public(self.clock)
        d.update(extra)
        self.emit(event, d)

    def _emit_location(self, event, loc, **extra):
        d = {"location": loc.public(self.clock), "account": loc.account.public(self.clock)}
        d.update(extra)
        self.emit(event, d)

    # ---- auth -----------------------------------------------------------
    def classify(self, authz):
        """Authorization header -> (kind, app, account, expired).
        kind: none | app | account | invalid."""
        if not authz:
            return "none", None, None, False
        parts = authz.split(None, 1)
        if len(parts) != 2 or parts[0].lower() != "bearer" or not parts[1].strip():
            return "invalid", None, None, False
        tok = parts[1].strip()
        app = self.apps.get(tok)
        if app:
            return "app", app, None, False
        rec = self.account_tokens.get(tok)
        if rec:
            acct = self.accounts.get(rec[0])
            if acct is None:
                return "invalid", None, None, False
            return "account", acct.app, acct, self.clock.now() >= rec[1]
        return "invalid", None, None, False

    def authenticate(self, ctx, route_auth, authz):
        kind, app, acct, expired = self.classify(authz)
        if kind == "none":
            raise ApiError(401, "Authentication credentials were not provided")
        if kind == "invalid":
            raise ApiError(401, "Invalid token")
        if route_auth == "app" and kind != "app":
            raise ApiError(401, "This endpoint requires an app token")
        if route_auth == "account":
            if kind != "account":
                raise ApiError(401, "This endpoint requires an account token")
            if expired:
                raise ApiError(401, "Token has expired")
        ctx.app = app
        ctx.account = acct

    def mint_token(self, acct):
        now = self.clock.now()
        exp = now + float(self.config["account_token_ttl"])

        def b64(b):
            return base64.urlsafe_b64encode(b).rstrip(b"=").decode()

        header = b64(json.dumps({"alg": "HS256", "typ": "JWT"}, separators=(",", ":")).encode())
        payload = b64(json.dumps({"sub": acct.uuid, "iat": int(now), "exp": int(exp), "jti": secrets.token_hex(8),
                                  "scope": "account"}, separators=(",", ":")).encode())
        sig = b64(hmac.new(self.jwt_key, f"{header}.{payload}".encode(), hashlib.sha256).digest())
        tok = f"{header}.{payload}.{sig}"
        self.account_tokens[tok] = (acct.uuid, exp)
        if len(self.account_tokens) % 2000 == 0:  # forget tokens that expired over a day ago
            self.account_tokens = {t: r for t, r in self.account_tokens.items() if r[1] > now - DAY}
        return tok, exp

    def new_app(self, name="Second Sandbox App"):
        tok = "app_sandbox_" + secrets.token_hex(16)
        self.apps[tok] = App(tok, name)
        return tok, self.apps[tok]

    # ---- helpers ----------------------------------------------------------
    def _account_for_app(self, ctx, account_uuid):
        acct = self.accounts.get(account_uuid)
        if acct is None or acct.app is not ctx.app:
            raise ApiError(404, "Account not found")
        self.tick_account(acct)
        return acct

    def _location(self, ctx):
        acct = ctx.account
        self.tick_account(acct)
        for loc in acct.locations:
            if loc.uuid == ctx.params["location_uuid"]:
                return loc
        raise ApiError(404, "Location not found")

    def _page(self, ctx, rows):
        style = self.config.get("page_style", "offset")
        limit = ctx.q_int("limit", 10, lo=1)
        limit = min(limit, 100)
        cursor = ctx.q("cursor")
        if cursor is not None:
            if not re.fullmatch(r"c_[0-9a-f]+", cursor):
                raise ApiError(422, "cursor: unknown cursor")
            offset = int(cursor[2:], 16)
        else:
            offset = ctx.q_int("offset", 0, lo=0)
        page = rows[offset:offset + limit]
        more = offset + limit < len(rows)
        env = {"data": page, "has_more": more, "limit": limit, "offset": offset}
        if style == "none":
            return env
        nxt = None
        if more:
            query = f"limit={limit}&cursor=c_{offset + limit:x}" if style == "cursor" else \
                f"limit={limit}&offset={offset + limit}"
            base = {"relative": "", "foreign": "http://elsewhere.invalid"}.get(style, ctx.base_url)
            nxt = f"{base}{ctx.path}?{query}"
        env["next_page_url"] = nxt
        return env

    def _list_body(self, env):
        """The list answer: the envelope, or under page_style "array" its rows alone."""
        return env["data"] if self.config.get("page_style") == "array" else env

    def _acct(self, acct):
        return acct.public(self.clock)

    def _doc_url(self, ctx, kind, plan_uuid):
        return f"{ctx.base_url}/_sandbox/files/{kind}/{plan_uuid}.pdf"

    def _make_plan(self, ctx, group, kind, esi=None, account=None, location=None, earliest=None, latest=None,
                   term=None, rate=None, commission=None):
        now = self.clock.now()
        addr = data.BY_ESI.get(esi) if esi else None
        utility = addr["utility"] if addr else "ONCOR"
        u = data.UTILITIES[utility]
        rate_v = rate if rate is not None else float(group["energy_rate"])
        personal = self.personalised.get(esi) if esi else None
        if personal and rate is None:
            rate_v -= 0.35  # personalised pricing from a completed usage profile (invented effect)
        pid = _uuid()
        plan = {
            "uuid": pid,
            "name": group["name"],
            "term_months": int(term or group["term_months"]),
            "energy_rate": f"{rate_v:.4f}",
            "tdu_delivery_charge": u[1],
            "monthly_charge": group["monthly_charge"],
            "earliest_start_date": earliest.isoformat(),
            "latest_start_date": latest.isoformat(),
            "expires_at": iso(_business_days_after(now, PLAN_EXPIRY_BUSINESS_DAYS)),
            "efl_url": self._doc_url(ctx, "efl", pid),
            "tos_url": self._doc_url(ctx, "tos", pid),
            "yrac_url": self._doc_url(ctx, "yrac", pid),
            "plan_group_uuid": group["uuid"],
        }
        self.plans[pid] = {
            "public": plan, "kind": kind, "esi": esi, "app": ctx.app,
            "account": account.uuid if account else None, "location": location.uuid if location else None,
            "expires": _business_days_after(now, PLAN_EXPIRY_BUSINESS_DAYS), "group": group,
            "commission": commission,
        }
        if len(self.plans) % 3000 == 0:  # forget plans that expired over a day ago
            self.plans = {k: v for k, v in self.plans.items() if v["expires"] > now - DAY}
        return plan

    def _plans_for(self, ctx, kind, esi=None, account=None, body=None):
        today = self.clock.today()
        if kind == "client_agent" or (account is not None and account.client_agent_accepted):
            earliest, latest = today + dt.timedelta(days=7), today + dt.timedelta(days=30)
        else:
            earliest, latest = today, today + dt.timedelta(days=30)
        groups = data.PLAN_GROUPS
        term = rate = commission = None
        if body is not None:
            pg = body.uuid("plan_group")
            if pg is not None:
                if pg not in data.PLAN_GROUPS_BY_UUID:
                    raise ApiError(422, "plan_group: unknown plan group")
                groups = [data.PLAN_GROUPS_BY_UUID[pg]]
            term = body.int("term_months")
            if term is not None and not 1 <= term <= 60:
                raise ApiError(422, "term_months: must be between 1 and 60")
            rate = body.number("energy_rate_cents_per_kwh")
            if rate is not None and not 0 < rate < 100:
                raise ApiError(422, "energy_rate_cents_per_kwh: must be between 0 and 100")
            commission = body.number("partner_commission_per_month_dollars")
        return [self._make_plan(ctx, g, kind, esi, account, None, earliest, latest, term, rate, commission)
                for g in groups]

    def _known_esi(self, esi, status=422):
        a = data.BY_ESI.get(esi)
        if a is None:
            raise ApiError(status, "ESI ID not found" if status == 404 else "esi_id: unknown ESI ID")
        return a

    # ---- time-driven progress ----------------------------------------------
    def tick(self, accounts=True):
        """Advance every account (unless ``accounts`` is false) and async job whose time has come."""
        with self.lock:
            if accounts:
                for acct in list(self.accounts.values()):
                    if (acct.phase and acct.phase != "cancelled") or acct.pre_credit_problem:
                        self.tick_account(acct)
            if self.pending_async:
                self._tick_async()

    def tick_account(self, acct):
        now = self.clock.now()
        today = self.clock.today()
        for _ in range(10):  # several steps may be due after a big clock jump
            if not self._step(acct, now, today):
                break
        loc = acct.location
        if acct.phase == "active" and loc:
            for _ in range(120):  # a long clock jump may end several (month-to-month) contracts
                if not self._tick_contracts(loc, today):
                    break

    def _verified(self, acct, now, today):
        """Verification and credit done: utility step (or a blocked address)."""
        loc = acct.location
        flag = loc.address.get("flag") if loc else None
        if flag:
            self._set_phase(acct, "needs_attention", flag, now)
            return
        start = loc.service_start_date
        if start > today:
            self._set_phase(acct, "scheduled", None, now)
        else:
            self._set_phase(acct, "activating", None, now)

    def _set_phase(self, acct, phase, reason, since):
        acct.phase, acct.phase_reason, acct.phase_since = phase, reason, since

    def _step(self, acct, now, today):
        ph = acct.phase
        cr = acct.credit
        # client-agent pre-approval retries (before finalize)
        if acct.pre_credit_problem in RETRIED_CREDIT and cr and now >= cr["retry_at"]:
            acct.pre_credit_problem = None
            acct.pre_credit_ok = True
            cr["outcome"] = "approved"
            return True
        if ph is None or ph in ("cancelled",):
            return False
        plan = acct.accepted_plan
        if ph in ("reviewing", "credit") and plan is not None:
            # the accepted rates ran out before verification finished
            if today > parse_date(plan["latest_start_date"]):
                self._cancel(acct, "expire_pre_active", now)
                return True
        if ph == "reviewing":
            if now >= acct.phase_since + VERIFY_SECONDS:
                if acct.client_agent_enrollment and acct.pre_credit_ok:
                    self._verified(acct, now, today)
                else:
                    self._set_phase(acct, "credit", None, acct.phase_since + VERIFY_SECONDS)
                return True
            return False
        if ph == "credit":
            if cr is None:
                return False
            due = max(acct.phase_since, cr["submitted_at"]) + CREDIT_SECONDS
            if now < due:
                return False
            if cr["outcome"] == "approved":
                self._verified(acct, now, today)
            else:
                self._set_phase(acct, "needs_attention", cr["outcome"], due)
                cr["retry_at"] = due + CREDIT_RETRY_SECONDS
            return True
        if ph == "needs_attention":
            reason = acct.phase_reason
            if reason in RETRIED_CREDIT and cr and now >= cr.get("retry_at", now + 1):
                cr["outcome"] = "approved"
                self._verified(acct, now, today)
                return True
            if reason in ("credit_not_found", "credit_declined") and now >= acct.phase_since + VERIFICATION_HOLD_DAYS * DAY:
                self._cancel(acct, "enrollment_blocked_verification_hold", now)
                return True
            return False
        if ph == "scheduled":
            start = acct.location.service_start_date
            if today >= start:
                self._set_phase(acct, "activating", None, max(acct.phase_since, local_midnight(start)))
                return True
            return False
        if ph == "activating":
            if now >= acct.phase_since + UTILITY_SECONDS:
                self._activate(acct, now, today, seeded=False)
                return True
            return False
        return False

    def _activate(self, acct, now, today, seeded):
        loc = acct.location
        self._set_phase(acct, "active", None, now)
        if loc.service_start_date > today:
            loc.service_start_date = today
        c = loc.current_contract()
        if c:
            c.status = "active"
            if c.start != loc.service_start_date:
                c.start = loc.service_start_date
                c.end = _add_months(c.start, c.plan["term_months"])
        loc.is_service_active = True
        self._emit_location("location.service_active", loc)
        # up to 12 months of prior usage arrives around activation
        loc.history_from = loc.service_start_date - dt.timedelta(days=365)
        self._emit_location("location.usage_history_available", loc)

    def _cancel(self, acct, reason, now, final_date=None):
        loc = acct.location
        self._set_phase(acct, "cancelled", reason, now)
        acct.forced = None
        if loc:
            loc.is_service_active = False
            loc.final_service_date = final_date or self.clock.today()
            for c in loc.contracts:
                if c.status in ("active", "pending", "future"):
                    c.status = "cancelled" if c.status != "active" else "past"
            self._emit_location("location.service_canceled", loc, reason=reason)

    def _tick_contracts(self, loc, today):
        """One step of contract time; True when a contract ended (call again)."""
        cur = loc.current_contract()
        if cur is None:
            return False
        # renewal reminder 90 days before contract end (once per contract)
        if today >= cur.end - dt.timedelta(days=90) and loc.renewal_email_sent_for != cur.uuid:
            loc.renewal_email_sent_for = cur.uuid
            self._emit_location("location.renewal_email_sent", loc, contract_end=cur.end.isoformat())
        if today > cur.end:
            fut = [c for c in loc.contracts if c.status == "future"]
            cur.status = "past"
            if fut:
                fut[0].status = "active"
            else:  # rolls to month-to-month at the same rates (invented representation)
                plan = dict(cur.plan)
                plan["name"] = cur.plan["name"] + " (month-to-month)"
                plan["term_months"] = 1
                nc = Contract(plan, cur.end + dt.timedelta(days=1), _add_months(cur.end + dt.timedelta(days=1), 1),
                              "active")
                loc.contracts.append(nc)
            return True
        return False

    def _tick_async(self):
        t = time.monotonic()
        still = []
        for kind, obj in self.pending_async:
            if t < obj["_due"]:
                still.append((kind, obj))
                continue
            if kind == "comparison_invoice":
                self._finish_comparison(obj)
            else:
                self._finish_profile(obj)
        self.pending_async = still

    # =================================================================== handlers
    # ---- app: accounts --------------------------------------------------
    def op_list_accounts(self, ctx):
        rows = [self.accounts[u] for u in self.account_order if self.accounts[u].app is ctx.app]
        env = self._page(ctx, rows)
        env["data"] = [self._acct(a) for a in env["data"]]
        return self._list_body(env)

    def op_create_account(self, ctx):
        b = ctx.json()
        email = b.str("email", required=True)
        _check_email(email)
        first = b.str("first_name")
        last = b.str("last_name")
        phone = b.str("phone_number")
        _check_phone(phone)
        dob = b.date("date_of_birth")
        self._check_dob(dob)
        pre = b.obj.get("preliminary_address")
        if pre is not None and not isinstance(pre, (dict, str)):
            raise ApiError(422, "preliminary_address: must be an object or a string")
        acct = Account(ctx.app, self.next_account_number, self.clock.now())
        self.next_account_number += 1
        acct.email, acct.first_name, acct.last_name, acct.phone_number = email, first, last, phone
        acct.date_of_birth = dob.isoformat() if dob else None
        acct.preliminary_address = pre
        self.accounts[acct.uuid] = acct
        self.account_order.append(acct.uuid)
        return self._acct(acct)

    def _check_dob(self, dob):
        if dob is None:
            return
        today = self.clock.today()
        if dob >= today:
            raise ApiError(422, "date_of_birth: must be in the past")
        if (today.year - dob.year - ((today.month, today.day) < (dob.month, dob.day))) < 18:
            raise ApiError(422, "date_of_birth: customer must be at least 18 years old")

    def op_get_app_account(self, ctx):
        return self._acct(self._account_for_app(ctx, ctx.params["account_uuid"]))

    def _apply_profile(self, acct, b, allow_ssn_last4=False):
        """Validate then apply profile fields of ``b``; returns the changed names."""
        vals = {}
        for k in ("first_name", "last_name"):
            if b.has(k):
                vals[k] = b.str(k)
        if b.has("email"):
            vals["email"] = b.str("email")
            _check_email(vals["email"])
        if b.has("phone_number"):
            vals["phone_number"] = b.str("phone_number")
            _check_phone(vals["phone_number"])
        if b.has("date_of_birth"):
            dob = b.date("date_of_birth")
            self._check_dob(dob)
            vals["date_of_birth"] = dob.isoformat()
        if allow_ssn_last4 and b.has("ssn_last4"):
            vals["ssn_last4"] = b.str("ssn_last4", pattern=r"\d{4}", what="4 digits")
        return vals

    def op_update_app_account(self, ctx):
        acct = self._account_for_app(ctx, ctx.params["account_uuid"])
        b = ctx.json()
        vals = self._apply_profile(acct, b)
        if b.has("renewals_url"):
            vals["renewals_url"] = b.str("renewals_url", pattern=r"https?://\S+", what="an http(s) URL")
        if "preliminary_address" in b.obj:
            pre = b.obj["preliminary_address"]
            if pre is not None and not isinstance(pre, (dict, str)):
                raise ApiError(422, "preliminary_address: must be an object or a string")
            vals["preliminary_address"] = pre
        changed = [k for k, v in vals.items() if getattr(acct, k) != v]
        for k, v in vals.items():
            setattr(acct, k, v)
        if any(k in IDENTITY_FIELDS for k in changed):
            self._emit_account("enrollment.identity_updated", acct)
        return self._acct(acct)

    def op_create_account_token(self, ctx):
        acct = self._account_for_app(ctx, ctx.params["account_uuid"])
        tok, exp = self.mint_token(acct)
        return {"token": tok, "expires_at": iso(exp)}

    def op_create_flow_login(self, ctx):
        acct = self._account_for_app(ctx, ctx.params["account_uuid"])
        b = ctx.json()
        scope = b.str("scope") or ctx.q("scope")
        if scope is None:
            raise ApiError(422, "scope: field required")
        if scope not in FLOW_SCOPES:
            raise ApiError(422, "scope: must be one of " + ", ".join(FLOW_SCOPES))
        b.uuid("plan_group")
        exp = self.clock.now() + 3600
        del acct  # the link is not an enrollment step
        return {"login_link": f"https://flow.light.dev/login?token={secrets.token_hex(16)}", "scope": scope,
                "expires_at": iso(exp)}

    def op_record_client_agent(self, ctx):
        acct = self._account_for_app(ctx, ctx.params["account_uuid"])
        b = ctx.json()
        at = b.datetime("client_agent_accepted_at")
        acct.client_agent_accepted_at = at if at is not None else self.clock.now()
        acct.activity = True
        if acct.credit and not acct.finalized_at and not acct.pre_credit_ok and not acct.pre_credit_problem:
            self._pre_approve(acct)
        return self._acct(acct)

    # ---- app: enroll helpers ------------------------------------------------
    def op_check_eligibility(self, ctx):
        b = ctx.json()
        zc = b.str("postal_code", required=True, pattern=r"\d{5}", what="a 5-digit ZIP code")
        likelihood, utils = data.utility_for_zip(zc)
        return {"eligibility_likelihood": likelihood,
                "utilities": [{"name": u, "display_name": data.UTILITIES[u][0]} for u in utils]}

    def _search(self, query):
        toks = data.normalise(query).split()
        out = []
        for a in data.ADDRESSES:
            hay = data.normalise(" ".join(filter(None, [a["address_1"], a["address_2"], a["city"], a["state"],
                                                        a["postal_code"], a["esi_id"]]))).split()
            if all(any(h.startswith(t) for h in hay) for t in toks):
                out.append(data.public_address(a))
            if len(out) >= 10:
                break
        return out

    def op_app_address_search(self, ctx):
        b = ctx.json()
        return self._search(b.str("query", required=True))

    def op_full_address_search(self, ctx):
        b = ctx.json()
        a1 = data.normalise(b.str("address_1", required=True))
        a2 = b.str("address_2", nonempty=False)
        city = b.str("city")
        state = b.str("state")
        zc = b.str("postal_code", required=True, pattern=r"\d{5}(-\d{4})?", what="a ZIP code")[:5]
        out = []
        for a in data.ADDRESSES:
            if data.normalise(a["address_1"]) != a1 or a["postal_code"] != zc:
                continue
            if a2 and data.normalise(a2) != data.normalise(a["address_2"]):
                continue
            if city and data.normalise(city) != data.normalise(a["city"]):
                continue
            if state and state.strip().upper() not in ("TX", "TEXAS"):
                continue
            out.append(data.public_address(a))
        return out

    def op_app_request_plans(self, ctx):
        b = ctx.json()
        esi = b.esi("esi_id")
        if esi:
            self._known_esi(esi)
        b.str("postal_code", pattern=r"\d{5}", what="a 5-digit ZIP code")
        b.str("utility")
        acct_uuid = b.uuid("account_uuid")
        acct = self._account_for_app(ctx, acct_uuid) if acct_uuid else None
        plans = self._plans_for(ctx, "custom", esi, acct, b)
        if acct:
            acct.activity = True
            if esi:
                acct.esi_id = acct.esi_id or esi
            self._emit_account("enrollment.plan_requested", acct, plans=plans)
        return {"plans": plans}

    def op_app_account_request_plans(self, ctx):
        acct = self._account_for_app(ctx, ctx.params["account_uuid"])
        b = ctx.json()
        esi = b.esi("esi_id", required=True)
        self._known_esi(esi)
        plans = self._plans_for(ctx, "client_agent", esi, acct, b)
        acct.activity = True
        acct.esi_id = esi
        self._emit_account("enrollment.plan_requested", acct, plans=plans)
        return {"plans": plans}

    def op_plan_benchmarks(self, ctx):  # INFERRED: path, method and shape are guesses
        utility = (ctx.q("utility") or "").upper() or None
        zc = ctx.q("postal_code")
        if zc is not None:
            if not re.fullmatch(r"\d{5}", zc):
                raise ApiError(422, "postal_code: must be a 5-digit ZIP code")
            _, utils = data.utility_for_zip(zc)
            utility = utils[0] if utils else None
        utility = utility or "ONCOR"
        if utility not in data.UTILITIES:
            raise ApiError(422, "utility: unknown utility")
        tdu = float(data.UTILITIES[utility][1])
        rows = []
        for kwh_, base in ((500, 17.9), (1000, 15.4), (2000, 14.6)):
            rows.append({"usage_kwh": kwh_, "avg_cents_per_kwh": f"{base + tdu / 4:.1f}"})
        return {"utility": utility, "as_of": self.clock.today().isoformat(), "benchmarks": rows}

    def op_list_plan_groups(self, ctx):  # INFERRED: path and shape are guesses
        return [{"uuid": g["uuid"], "name": g["name"], "monthly_charge": g["monthly_charge"],
                 "solar_buyback": g["solar_buyback"],
                 "partner_commission_per_month_dollars": g["partner_commission_per_month_dollars"]}
                for g in data.PLAN_GROUPS]

    # ---- app: usage profiles ------------------------------------------------
    def _profile_public(self, p):
        return {k: p[k] for k in ("uuid", "status", "utility_account_number", "error_message", "created_at",
                                  "start_date", "end_date", "completed_at")}

    def op_fetch_usage_profile(self, ctx):
        b = ctx.json()
        ci_uuid = b.uuid("comparison_invoice_uuid", required=True)
        ok = b.bool("user_authorizes_usage_fetch", required=True)
        if ok is not True:
            raise ApiError(422, "user_authorizes_usage_fetch: must be true")
        ci = self.comparison_invoices.get(ci_uuid)
        if ci is None or ci["_account"].app is not ctx.app:
            raise ApiError(404, "Comparison invoice not found")
        if ci["status"] == "pending":
            raise ApiError(422, "Comparison invoice has not been processed yet")
        if ci["processing_error"]:
            raise ApiError(422, "Comparison invoice could not be read")
        p = {
            "uuid": _uuid(), "status": "pending", "utility_account_number": ci["utility_account_number"],
            "error_message": None, "created_at": iso(self.clock.now()), "start_date": None, "end_date": None,
            "completed_at": None, "_app": ctx.app, "_invoice": ci,
            "_due": time.monotonic() + float(self.config["usage_profile_delay"]),
        }
        self.usage_profiles[p["uuid"]] = p
        self.pending_async.append(("usage_profile", p))
        return 202, self._profile_public(p)

    def _finish_profile(self, p):
        if p["status"] != "pending":
            return
        today = self.clock.today()
        p["completed_at"] = iso(self.clock.now())
        if "no-smt" in (p["_invoice"]["_filename"] or "").lower():
            p["status"] = "failed"
            p["error_message"] = "Smart Meter Texas returned no usage for this meter"
            self.emit("usage_profile.failed", {"usage_profile": self._profile_public(p)})
            return
        p["status"] = "completed"
        p["start_date"] = (today - dt.timedelta(days=395)).isoformat()
        p["end_date"] = (today - dt.timedelta(days=1)).isoformat()
        self.personalised[p["utility_account_number"]] = p["uuid"]
        self.emit("usage_profile.completed", {"usage_profile": self._profile_public(p)})

    def op_get_usage_profile(self, ctx):
        self._tick_async()
        p = self.usage_profiles.get(ctx.params["usage_profile_uuid"])
        if p is None or p["_app"] is not ctx.app:
            raise ApiError(404, "Usage profile not found")
        return self._profile_public(p)

    # ---- account: enrollment --------------------------------------------------
    def op_get_account(self, ctx):
        self.tick_account(ctx.account)
        return self._acct(ctx.account)

    def op_account_address_search(self, ctx):
        b = ctx.json()
        res = self._search(b.str("query", required=True))
        ctx.account.activity = True
        return res

    def op_esi_id_search(self, ctx):
        b = ctx.json()
        esi = b.esi("esi_id", required=True)
        a = self._known_esi(esi, status=404)
        acct = ctx.account
        acct.activity = True
        if not acct.accepted_plan:
            acct.esi_id = esi
        return data.public_address(a)

    def op_account_request_plans(self, ctx):  # INFERRED: route undocumented
        b = ctx.json()
        esi = b.esi("esi_id", required=True)
        self._known_esi(esi)
        acct = ctx.account
        plans = self._plans_for(ctx, "enroll", esi, acct)
        acct.activity = True
        if not acct.accepted_plan:
            acct.esi_id = esi
        self._emit_account("enrollment.plan_requested", acct, plans=plans)
        return {"plans": plans}

    def _plan_rec(self, ctx, plan_uuid):
        rec = self.plans.get(plan_uuid)
        if rec is None or rec["app"] is not ctx.app:
            raise ApiError(422, "plan_uuid: unknown plan")
        if rec["account"] and rec["account"] != ctx.account.uuid:
            raise ApiError(422, "plan_uuid: unknown plan")
        if self.clock.now() > rec["expires"]:
            raise ApiError(422, "Plan has expired; request plans again")
        return rec

    def op_accept_plan(self, ctx):
        acct = ctx.account
        self.tick_account(acct)
        b = ctx.json()
        plan_uuid = b.uuid("plan_uuid", required=True)
        esi = b.esi("esi_id", required=True)
        key = "service_start_date" if b.has("service_start_date") or not b.has("start_date") else "start_date"
        start = b.date(key, required=True)
        terms = b.bool("terms_accepted", required=True)
        ca_flag = b.bool("is_client_agent_enrollment")
        if terms is not True:
            raise ApiError(422, "terms_accepted: must be true")
        rec = self._plan_rec(ctx, plan_uuid)
        if rec["kind"] == "renewal":
            raise ApiError(422, "plan_uuid: renewal plans are accepted through renewal-plans/accept")
        addr = self._known_esi(esi)
        if rec["esi"] and rec["esi"] != esi:
            raise ApiError(422, "esi_id: does not match the plan's ESI ID")
        if acct.finalized_at:
            raise ApiError(422, "Enrollment already finalized")
        plan = rec["public"]
        client_agent = rec["kind"] == "client_agent" or bool(ca_flag) or acct.client_agent_accepted
        if client_agent and not acct.client_agent_accepted:
            raise ApiError(422, "Client agent authorization (POA) has not been recorded for this account")
        lo, hi = parse_date(plan["earliest_start_date"]), parse_date(plan["latest_start_date"])
        if not lo <= start <= hi:
            raise ApiError(422, f"service_start_date: must be between {lo.isoformat()} and {hi.isoformat()}")
        if client_agent:
            today = self.clock.today()
            lo2, hi2 = today + dt.timedelta(days=7), today + dt.timedelta(days=30)
            if not lo2 <= start <= hi2:
                raise ApiError(422, "service_start_date: client-agent enrollments must start 7 to 30 days from "
                                    f"today ({lo2.isoformat()} to {hi2.isoformat()})")
        # create (or replace) the location and its contract
        loc = acct.location
        if loc is None or loc.address["esi_id"] != esi:
            loc = Location(addr, acct)
            acct.locations = [loc]
        loc.service_start_date = start
        loc.contracts = [Contract(plan, start, _add_months(start, plan["term_months"]), "pending")]
        acct.accepted_plan = plan
        acct.client_agent_enrollment = client_agent
        acct.esi_id = esi
        acct.activity = True
        self._emit_account("enrollment.plan_accepted", acct, location=loc.public(self.clock))
        return self._acct(acct)

    def op_update_identity(self, ctx):
        acct = ctx.account
        b = ctx.json()
        vals = self._apply_profile(acct, b, allow_ssn_last4=True)
        merged = {k: vals.get(k, getattr(acct, k)) for k in IDENTITY_FIELDS}
        missing = [k for k in IDENTITY_FIELDS if not merged[k]]
        if missing:
            raise ApiError(422, "Missing identity fields: " + ", ".join(missing))
        for k, v in vals.items():
            setattr(acct, k, v)
        acct.identity_submitted = True
        acct.activity = True
        self._emit_account("enrollment.identity_updated", acct)
        return self._acct(acct)

    def _pre_approve(self, acct):
        """Client-agent flow: the credit check runs before finalize (pre-approval)."""
        cr = acct.credit
        outcome = cr["outcome"]
        if outcome == "approved":
            acct.pre_credit_ok = True
            acct.pre_credit_problem = None
        else:
            acct.pre_credit_ok = False
            acct.pre_credit_problem = outcome
            cr["retry_at"] = self.clock.now() + CREDIT_RETRY_SECONDS

    def op_credit_check(self, ctx):
        acct = ctx.account
        self.tick_account(acct)
        b = ctx.json()
        ssn = b.str("ssn", required=True)
        digits = re.sub(r"[\s-]", "", ssn)
        if not re.fullmatch(r"\d{9}", digits):
            raise ApiError(422, "ssn: must be 9 digits")
        consent = b.bool("consent", required=True)
        if consent is not True:
            raise ApiError(422, "consent: must be true")
        last4 = digits[-4:]
        now = self.clock.now()
        acct.credit = {"last4": last4, "submitted_at": now, "outcome": CREDIT_OUTCOMES.get(last4, "approved"),
                       "retry_at": now + CREDIT_RETRY_SECONDS}
        acct.ssn_last4 = last4
        acct.activity = True
        if acct.finalized_at is None:
            if acct.client_agent_accepted:
                self._pre_approve(acct)
        elif acct.phase == "needs_attention" and acct.phase_reason in CREDIT_OUTCOMES.values():
            self._set_phase(acct, "credit", None, now)  # re-run with the new details
        return self._acct(acct)

    def op_finalize_enrollment(self, ctx):
        acct = ctx.account
        self.tick_account(acct)
        b = ctx.json()
        flag = b.bool("is_client_agent_enrollment")
        if not acct.enrollment()["can_finalize_enrollment"]:
            raise ApiError(422, "Cannot finalize enrollment")
        if flag and not acct.client_agent_accepted:
            raise ApiError(422, "Cannot finalize enrollment: client agent authorization (POA) not recorded")
        if acct.pre_credit_problem:
            raise ApiError(422, "Cannot finalize enrollment: credit check needs attention")
        now = self.clock.now()
        acct.finalized_at = now
        if flag:
            acct.client_agent_enrollment = True
        self._set_phase(acct, "reviewing", None, now)
        self._emit_account("enrollment.finalized", acct)
        return {}

    # ---- account: billing -------------------------------------------------
    def op_create_payment_session(self, ctx):
        seti = "seti_" + secrets.token_hex(12)
        return {"client_secret": f"{seti}_secret_{secrets.token_hex(12)}", "setup_intent_id": seti,
                "stripe_public_key": ctx.account.app.stripe_public_key}

    def op_ensure_payment_method_added(self, ctx):
        acct = ctx.account
        b = ctx.json()
        pm = b.str("payment_method_id", required=True)
        if not re.fullmatch(r"pm_[A-Za-z0-9_]+", pm):
            raise ApiError(422, "payment_method_id: no such payment method")
        brand, last4, ok = CARDS.get(pm, ("visa", "4242", True))
        today = self.clock.today()
        acct.payment_method = {
            "type": "card", "card_brand": brand, "card_last4": last4, "card_exp_month": 12,
            "card_exp_year": today.year + 3, "card_postal_code": "75201", "_pm": pm, "_ok": ok,
        }
        acct.activity = True
        self._emit_account("account.payment_method_added", acct)
        return self._acct(acct)

    def op_get_payment_method(self, ctx):
        pm = ctx.account.payment_method
        if pm is None:
            raise ApiError(404, "No payment method on file")
        return {k: v for k, v in pm.items() if not k.startswith("_")}

    def op_list_invoices(self, ctx):
        self.tick_account(ctx.account)
        rows = sorted(ctx.account.invoices, key=lambda i: i["invoice_date"], reverse=True)
        env = self._page(ctx, rows)
        env["data"] = [self._invoice_row(i) for i in env["data"]]
        return self._list_body(env)

    _INVOICE_ROW = ("number", "invoice_date", "payment_due_date", "billing_period_start", "billing_period_end",
                    "total_cents", "total", "total_kwh", "avg_cents_per_kwh", "pdf", "paid_at", "voided_at")

    def _invoice_row(self, inv):
        return {k: inv[k] for k in self._INVOICE_ROW}

    def op_get_invoice(self, ctx):
        for inv in ctx.account.invoices:
            if inv["number"] == ctx.params["invoice_number"]:
                return {k: v for k, v in inv.items() if not k.startswith("_")}
        raise ApiError(404, "Invoice not found")

    def _service_address(self, acct):
        loc = acct.location
        if loc:
            a = loc.address
            return {k: a[k] for k in ("address_1", "address_2", "city", "state", "postal_code")}
        return {"address_1": None, "address_2": None, "city": None, "state": None, "postal_code": None}

    def _billing(self, acct):
        ba = acct.billing_address
        if ba is None or ba.get("same_as_service_address"):
            out = {"same_as_service_address": True}
            out.update(self._service_address(acct))
            return out
        return dict(ba)

    def op_get_billing_address(self, ctx):
        return self._billing(ctx.account)

    def op_update_billing_address(self, ctx):
        acct = ctx.account
        b = ctx.json()
        same = b.bool("same_as_service_address")
        if same:
            acct.billing_address = {"same_as_service_address": True}
        else:
            a = {"same_as_service_address": False,
                 "address_1": b.str("address_1", required=True),
                 "address_2": b.str("address_2", nonempty=False) or None,
                 "city": b.str("city", required=True),
                 "state": b.str("state", required=True, pattern=r"[A-Za-z]{2}", what="a 2-letter state code").upper(),
                 "postal_code": b.str("postal_code", required=True, pattern=r"\d{5}(-\d{4})?", what="a ZIP code")}
            acct.billing_address = a
        acct.activity = True
        self._emit_account("account.billing_address_updated", acct)
        return self._billing(acct)

    # ---- account: locations ---------------------------------------------------
    def op_get_location(self, ctx):  # INFERRED: bare GET of a location is a guess
        return self._location(ctx).public(self.clock)

    def op_get_location_plan(self, ctx):
        loc = self._location(ctx)
        c = loc.current_contract()
        if c is None:
            raise ApiError(404, "No plan for this location")
        g = data.PLAN_GROUPS_BY_UUID.get(c.plan["plan_group_uuid"], data.PLAN_GROUPS[0])
        return {"name": c.plan["name"], "uuid": c.plan["uuid"], "plan_type": g["plan_type"],
                "rate_structure": g["rate_structure"], "term_months": c.plan["term_months"],
                "energy_rate": c.plan["energy_rate"], "plan_group_uuid": c.plan["plan_group_uuid"]}

    def op_get_location_documents(self, ctx):
        loc = self._location(ctx)
        c = loc.current_contract()
        if c is None:
            raise ApiError(404, "No documents for this location")
        return c.documents()

    def op_get_all_location_documents(self, ctx):
        loc = self._location(ctx)
        out = []
        for c in sorted(loc.contracts, key=lambda c: c.start):
            d = c.documents()
            d.update({"status": {"pending": "active"}.get(c.status, c.status), "plan_name": c.plan["name"],
                      "plan_uuid": c.plan["uuid"]})
            out.append(d)
        return out

    def op_get_support_info(self, ctx):  # INFERRED response shape
        loc = self._location(ctx)
        u = loc.address["utility"]
        disp, _, _, outage, web = data.UTILITIES[u]
        app = ctx.account.app
        return {
            "support": {"name": f"{app.name} Support (powered by Light)", "phone": "1-800-555-0199",
                        "email": "support@sandbox.light.dev", "hours": "Mon-Fri 8am-6pm CT",
                        "url": "https://sandbox.light.dev/support"},
            "utility": {"name": u, "display_name": disp, "outage_phone": outage, "emergency_phone": "911",
                        "website": web},
        }

    def op_cancel_service(self, ctx):  # INFERRED: path, body and response are guesses
        loc = self._location(ctx)
        acct = ctx.account
        b = ctx.json()
        final = b.date("final_service_date")
        b.str("reason")
        today = self.clock.today()
        if final is not None and final < today:
            raise ApiError(422, "final_service_date: must not be in the past")
        if acct.phase == "cancelled":
            raise ApiError(422, "Service is already cancelled")
        post = loc.is_service_active
        self._cancel(acct, "cancelled_post_start" if post else "cancelled_pre_start", self.clock.now(),
                     final if post else None)
        return loc.public(self.clock)

    # ---- account: usage ----------------------------------------------------------
    def _usage_window(self, loc):
        """(first, last) local dates with usage, or None."""
        if loc.history_from is None:
            return None
        last = self.clock.today() - dt.timedelta(days=1)
        if loc.final_service_date and loc.final_service_date < last:
            last = loc.final_service_date
        if last < loc.history_from:
            return None
        return loc.history_from, last

    def _usage_row(self, wh):
        return {"consumption": usage.kwh(wh), "generation": "0.000", "vehicle_charging": "0.000",
                "eligible_vehicle_charging": "0.000"}

    def _q_year_month(self, ctx, need_month):
        today = self.clock.today()
        year = ctx.q_int("year", today.year, lo=1900, hi=2200)
        month = ctx.q_int("month", today.month if year == today.year else 1, lo=1, hi=12) if need_month else None
        return year, month

    def op_usage_monthly(self, ctx):
        loc = self._location(ctx)
        year, _ = self._q_year_month(ctx, False)
        win = self._usage_window(loc)
        months = []
        if win:
            for m in range(1, 13):
                total, seen = 0, False
                for d in usage.month_days(year, m):
                    if win[0] <= d <= win[1]:
                        total += usage.day_total(loc.seed, d)
                        seen = True
                if seen:
                    row = {"month": data.MONTH_NAMES[m - 1]}
                    row.update(self._usage_row(total))
                    months.append(row)
        base = f"{ctx.base_url}{ctx.path}"
        prev = f"{base}?year={year - 1}" if win and win[0].year <= year - 1 <= win[1].year else None
        nxt = f"{base}?year={year + 1}" if win and win[0].year <= year + 1 <= win[1].year else None
        return {"year": year, "units": "kWh", "months": months, "next": nxt, "previous": prev}

    def _month_links(self, ctx, win, year, month, extra=""):
        def has(y, m):
            if not win:
                return False
            first = dt.date(y, m, 1)
            last = _add_months(first, 1) - dt.timedelta(days=1)
            return first <= win[1] and last >= win[0]
        py, pm = (year, month - 1) if month > 1 else (year - 1, 12)
        ny, nm = (year, month + 1) if month < 12 else (year + 1, 1)
        base = f"{ctx.base_url}{ctx.path}"
        prev = f"{base}?month={pm}&year={py}{extra}" if has(py, pm) else None
        nxt = f"{base}?month={nm}&year={ny}{extra}" if has(ny, nm) else None
        return nxt, prev

    def op_usage_daily(self, ctx):
        loc = self._location(ctx)
        year, month = self._q_year_month(ctx, True)
        win = self._usage_window(loc)
        days = []
        if win:
            for d in usage.month_days(year, month):
                if win[0] <= d <= win[1]:
                    row = {"date": d.isoformat()}
                    row.update(self._usage_row(usage.day_total(loc.seed, d)))
                    days.append(row)
        nxt, prev = self._month_links(ctx, win, year, month)
        return {"month": month, "year": year, "units": "kWh", "days": days, "next": nxt, "previous": prev}

    def op_usage_intervals(self, ctx):
        loc = self._location(ctx)
        one_day = ctx.q("date")
        if one_day:
            try:
                d0 = parse_date(one_day)
            except ValueError:
                raise ApiError(422, "date: must be a date (YYYY-MM-DD)") from None
            year, month = d0.year, d0.month
        else:
            d0 = None
            year, month = self._q_year_month(ctx, True)
        win = self._usage_window(loc)
        rows = []
        if win:
            for d in usage.month_days(year, month):
                if d0 and d != d0:
                    continue
                if win[0] <= d <= win[1]:
                    ds = d.isoformat()
                    for t, wh in usage.day_intervals(loc.seed, d):
                        rows.append({"start": usage.iso_local(t), "end": usage.iso_local(t + 900), "date": ds,
                                     "consumption": usage.kwh(wh), "generation": "0.000"})
        nxt, prev = self._month_links(ctx, win, year, month)
        return {"month": month, "year": year, "units": "kWh", "timezone": "America/Chicago", "interval_minutes": 15,
                "intervals": rows, "next": nxt, "previous": prev}

    def op_meter_reads(self, ctx):  # INFERRED: path and shape are guesses
        loc = self._location(ctx)
        win = self._usage_window(loc)
        out = []
        if win:
            reading = 10000000  # Wh on the register at history start (invented)
            d = win[0]
            while d <= win[1]:
                end = min(_add_months(d, 1) - dt.timedelta(days=1), win[1])
                wh = 0
                x = d
                while x <= end:
                    wh += usage.day_total(loc.seed, x)
                    x += dt.timedelta(days=1)
                reading += wh
                out.append({"read_date": end.isoformat(), "start_date": d.isoformat(), "end_date": end.isoformat(),
                            "reading_kwh": usage.kwh(reading), "usage_kwh": usage.kwh(wh), "read_type": "actual"})
                d = end + dt.timedelta(days=1)
        out.reverse()
        return out

    # ---- account: renewals -------------------------------------------------------
    def op_request_renewal_plans(self, ctx):
        loc = self._location(ctx)
        acct = ctx.account
        if acct.phase != "active" or not loc.is_service_active:
            raise ApiError(422, "Location is not active")
        cur = loc.current_contract()
        day_after = cur.end + dt.timedelta(days=1)
        plans = [self._make_plan(ctx, g, "renewal", loc.address["esi_id"], acct, loc, day_after, day_after)
                 for g in data.PLAN_GROUPS]
        self._emit_location("location.renewal_plan_requested", loc, plans=plans)
        return {"plans": plans}

    def op_accept_renewal_plan(self, ctx):
        loc = self._location(ctx)
        acct = ctx.account
        b = ctx.json()
        plan_uuid = b.uuid("plan_uuid", required=True)
        start = b.date("service_start_date", required=True)
        terms = b.bool("terms_accepted", required=True)
        if terms is not True:
            raise ApiError(422, "terms_accepted: must be true")
        if acct.phase != "active" or not loc.is_service_active:
            raise ApiError(422, "Location is not active")
        rec = self._plan_rec(ctx, plan_uuid)
        if rec["kind"] == "renewal" and rec["location"] != loc.uuid:
            raise ApiError(422, "plan_uuid: unknown plan")
        if rec["kind"] not in ("renewal", "custom"):
            raise ApiError(422, "plan_uuid: not a renewal plan")
        cur = loc.current_contract()
        day_after = cur.end + dt.timedelta(days=1)
        plan = rec["public"]
        lo, hi = parse_date(plan["earliest_start_date"]), parse_date(plan["latest_start_date"])
        if rec["kind"] == "custom":
            lo = hi = day_after
        if not lo <= start <= hi:
            raise ApiError(422, f"service_start_date: must be between {lo.isoformat()} and {hi.isoformat()}")
        loc.contracts = [c for c in loc.contracts if c.status != "future"]
        loc.contracts.append(Contract(plan, start, _add_months(start, plan["term_months"]), "future"))
        self._emit_location("location.renewal_plan_accepted", loc, plan=plan)
        return loc.public(self.clock)

    # ---- account: comparison invoices --------------------------------------------
    def _ci_public(self, ci):
        return {k: ci[k] for k in ("uuid", "status", "utility_account_number", "processed_at", "processing_error")}

    def op_upload_comparison_invoice(self, ctx):
        ctype = ctx.headers.get("Content-Type") or ""
        if not ctype.lower().startswith("multipart/form-data"):
            raise ApiError(422, "Expected a multipart/form-data body with a 'file' field")
        fname, content = parse_multipart_file(ctype, ctx.raw or b"", "file")
        if content is None:
            raise ApiError(422, "file: field required")
        if not content:
            raise ApiError(422, "file: must not be empty")
        acct = ctx.account
        ci = {
            "uuid": _uuid(), "status": "pending", "utility_account_number": None, "processed_at": None,
            "processing_error": None, "_account": acct, "_filename": fname or "", "_size": len(content),
            "_sha": hashlib.sha256(content).hexdigest(), "_pdf": content[:5] == b"%PDF-",
            "_esi": _find_esi(content), "_parsed": None,
            "_due": time.monotonic() + float(self.config["comparison_processing_delay"]),
        }
        self.comparison_invoices[ci["uuid"]] = ci
        acct.comparison_invoices.append(ci)
        self.pending_async.append(("comparison_invoice", ci))
        return self._ci_public(ci)

    def _finish_comparison(self, ci):
        if ci["status"] != "pending":
            return
        ci["status"] = "processed"
        ci["processed_at"] = iso(self.clock.now())
        if not ci["_pdf"] or "unreadable" in ci["_filename"].lower():
            ci["processing_error"] = "We could not read this invoice. Please upload a clearer copy."
        else:
            h = int(ci["_sha"][:16], 16)
            today = self.clock.today()
            kwh_ = 800 + h % 1200
            cents_per_kwh = 12.0 + (h >> 12) % 700 / 100.0
            total = int(kwh_ * cents_per_kwh) + 995
            ci["utility_account_number"] = ci["_esi"] or ("10443720" + f"{h % 10 ** 9:09d}")
            ci["_parsed"] = {
                "contract_end_date": (today + dt.timedelta(days=30 + (h >> 20) % 300)).isoformat(),
                "invoice_date": (today - dt.timedelta(days=5 + (h >> 8) % 20)).isoformat(),
                "provider_display_name": data.PROVIDERS[(h >> 4) % len(data.PROVIDERS)],
                "total_dollars": _money(total),
                "total_kwh": f"{kwh_}.0",
                "_kwh": kwh_, "_cents": total,
            }
        self.emit("comparison_invoice.processed",
                  {"comparison_invoice": self._ci_public(ci), "account": ci["_account"].public(self.clock)})

    def _ci_for(self, ctx, ci_uuid):
        self._tick_async()
        for ci in ctx.account.comparison_invoices:
            if ci["uuid"] == ci_uuid:
                return ci
        raise ApiError(404, "Comparison invoice not found")

    def op_get_comparison_invoice(self, ctx):
        self._tick_async()
        u = ctx.q("uuid")
        if u:
            return self._ci_public(self._ci_for(ctx, u))
        if not ctx.account.comparison_invoices:
            raise ApiError(404, "No comparison invoice uploaded")
        return self._ci_public(ctx.account.comparison_invoices[-1])

    def _compare_inputs(self, ctx):
        pg, u = ctx.q("plan_group"), ctx.q("uuid")
        if not pg:
            raise ApiError(422, "plan_group: query parameter required")
        if not u:
            raise ApiError(422, "uuid: query parameter required")
        ci = self._ci_for(ctx, u)
        g = data.PLAN_GROUPS_BY_UUID.get(pg)
        if g is None:
            raise ApiError(404, "Plan group not found")
        if ci["status"] == "pending":
            raise ApiError(422, "Comparison invoice is still being processed")
        return ci, g

    def _offer_cents(self, g, ci, kwh_):
        esi = ci["utility_account_number"]
        addr = data.BY_ESI.get(esi)
        u = data.UTILITIES[addr["utility"] if addr else "ONCOR"]
        rate = float(g["energy_rate"]) + float(u[1])
        if self.personalised.get(esi):
            rate -= 0.35
        monthly = int(round(float(g["monthly_charge"]) * 100 + float(u[2]) * 100))
        return int(round(kwh_ * rate)) + monthly

    def _comparison_head(self, ci, g, total_cents):
        return {
            "parsed_invoice_data": {k: v for k, v in ci["_parsed"].items() if not k.startswith("_")},
            "plan_comparison": {"group_uuid": g["uuid"], "name": g["name"], "total_dollars": _money(total_cents),
                                "usage_profile_uuid": self.personalised.get(ci["utility_account_number"])},
        }

    def op_simple_compare(self, ctx):
        ci, g = self._compare_inputs(ctx)
        if ci["processing_error"]:
            return {"processing_error": ci["processing_error"], "parsed_invoice_data": None, "plan_comparison": None}
        out = {"processing_error": None}
        out.update(self._comparison_head(ci, g, self._offer_cents(g, ci, ci["_parsed"]["_kwh"])))
        return out

    def op_annual_compare(self, ctx):
        ci, g = self._compare_inputs(ctx)
        if ci["processing_error"]:
            return {"processing_error": ci["processing_error"], "parsed_invoice_data": None, "plan_comparison": None,
                    "months": [], "annual_totals": None}
        p = ci["_parsed"]
        inv_month = parse_date(p["invoice_date"]).month
        shape = [1.0 + 0.45 * math.cos((m - 7.5) / 12 * 2 * math.pi) for m in range(1, 13)]
        scale = p["_kwh"] / shape[inv_month - 1]
        cur_rate = p["_cents"] / p["_kwh"]
        months, tk, tc, to = [], 0, 0, 0
        for m in range(1, 13):
            k = int(round(scale * shape[m - 1]))
            cur = int(round(k * cur_rate))
            off = self._offer_cents(g, ci, k)
            tk, tc, to = tk + k, tc + cur, to + off
            months.append({"month": m, "import_kwh": f"{k}.00", "current_plan_dollars": _money(cur),
                           "offered_plan_dollars": _money(off)})
        out = {"processing_error": None, "months": months,
               "annual_totals": {"annual_import_kwh": f"{tk}.00", "annual_current_plan_dollars": _money(tc),
                                 "annual_offered_plan_dollars": _money(to)}}
        out.update(self._comparison_head(ci, g, to))
        return out

    # ---- account: sandbox helpers ---------------------------------------------------
    def op_sandbox_delete_enrollment(self, ctx):
        acct = ctx.account
        acct.reset_enrollment()
        return {}

    def op_sandbox_seed_demo_data(self, ctx):
        acct = ctx.account
        self.tick_account(acct)
        if acct.finalized_at is None:
            raise ApiError(422, "Enrollment is not finalized")
        if acct.phase == "active":
            raise ApiError(422, "Service is already active")
        if acct.phase == "cancelled":
            raise ApiError(422, "Enrollment is cancelled")
        acct.forced = None
        today = self.clock.today()
        self._activate(acct, self.clock.now(), today, seeded=True)
        self._seed_invoices(ctx, acct, 26)
        return self._acct(acct)

    def _invoice_for(self, ctx, acct, first, paid_ok, void=False):
        loc = acct.location
        last = _add_months(first, 1) - dt.timedelta(days=1)
        wh = sum(usage.day_total(loc.seed, first + dt.timedelta(days=i)) for i in range((last - first).days + 1))
        kwh_ = wh / 1000.0
        plan = (loc.current_contract() or Contract(acct.accepted_plan, first, last, "past")).plan
        u = data.UTILITIES[loc.address["utility"]]
        energy = int(round(kwh_ * float(plan["energy_rate"])))
        tdu_var = int(round(kwh_ * float(u[1])))
        tdu_fixed = int(round(float(u[2]) * 100))
        base = int(round(float(plan["monthly_charge"]) * 100))
        sub = energy + tdu_var + tdu_fixed + base
        puct = int(round(sub * 0.00166))
        tax = int(round(sub * 0.01997))
        total = sub + puct + tax
        acct.invoice_seq += 1
        number = f"{acct.account_number}-{acct.invoice_seq:04d}"
        today = self.clock.today()
        inv_date = min(last + dt.timedelta(days=2), today)
        due = inv_date + dt.timedelta(days=16)
        paid_at = None
        if paid_ok and due <= today and not void:
            paid_at = iso(local_midnight(due) + 9 * 3600)
        charge = lambda d, q, unit, rate, amt: {"description": d, "quantity": q, "unit": unit, "rate": rate,  # noqa
                                                 "amount": _money(amt)}
        inv = {
            "number": number,
            "invoice_date": inv_date.isoformat(),
            "payment_due_date": due.isoformat(),
            "billing_period_start": first.isoformat(),
            "billing_period_end": last.isoformat(),
            "total_cents": total,
            "total": _money(total),
            "total_kwh": usage.kwh(wh),
            "avg_cents_per_kwh": f"{total / kwh_:.2f}" if kwh_ else "0.00",
            "pdf": f"{ctx.base_url}/_sandbox/files/invoice/{number}.pdf",
            "paid_at": paid_at,
            "voided_at": iso(local_midnight(inv_date) + 3600) if void else None,
            "charges_groups": [
                {"name": "Energy Charges", "total": _money(energy + base), "charges": [
                    charge("Energy charge", usage.kwh(wh), "kWh", plan["energy_rate"], energy),
                    charge("Base charge", "1", "month", plan["monthly_charge"], base)]},
                {"name": "TDU Delivery Charges", "total": _money(tdu_var + tdu_fixed), "charges": [
                    charge("TDU delivery charge", usage.kwh(wh), "kWh", u[1], tdu_var),
                    charge("TDU customer charge", "1", "month", u[2], tdu_fixed)]},
                {"name": "Taxes and Fees", "total": _money(puct + tax), "charges": [
                    charge("PUC assessment", "1", "each", "0.166%", puct),
                    charge("Sales tax", "1", "each", "1.997%", tax)]},
            ],
            "usage": {"total_kwh": usage.kwh(wh), "billing_period_start": first.isoformat(),
                      "billing_period_end": last.isoformat(), "meter_number": loc.address["esi_id"]},
            "payment": {"status": "void" if void else ("paid" if paid_at else ("failed" if not paid_ok else "pending")),
                        "paid_at": paid_at, "method": {k: v for k, v in (acct.payment_method or {}).items()
                                                       if not k.startswith("_")} or None,
                        "autopay_date": due.isoformat()},
        }
        acct.invoices.append(inv)
        return inv

    def _seed_invoices(self, ctx, acct, n):
        ok = bool(acct.payment_method and acct.payment_method["_ok"])
        this_month = self.clock.today().replace(day=1)
        newest = None
        for i in range(n, 0, -1):
            first = _add_months(this_month, -i)
            newest = self._invoice_for(ctx, acct, first, ok or i > 1, void=(i == 7))
        self._after_invoice(acct, newest, ok)

    def _after_invoice(self, acct, inv, ok):
        self._emit_account("account.invoice_sent", acct, invoice_number=inv["number"])
        if ok:
            if inv["paid_at"] is None:
                inv["paid_at"] = iso(self.clock.now())
                inv["payment"]["status"] = "paid"
                inv["payment"]["paid_at"] = inv["paid_at"]
            self._emit_account("account.payment_successful", acct, invoice_number=inv["number"])
        else:
            inv["payment"]["status"] = "failed"
            self._emit_account("account.payment_failed", acct, invoice_number=inv["number"])

    def issue_invoice(self, ctx, acct, paid=None):
        """Sandbox admin: bill the next month (fires invoice_sent + payment_*)."""
        if acct.location is None or acct.phase != "active":
            raise ApiError(422, "Service is not active")
        if acct.invoices:
            first = _add_months(parse_date(max(i["billing_period_start"] for i in acct.invoices)), 1)
        else:
            first = _add_months(self.clock.today().replace(day=1), -1)
        ok = bool(acct.payment_method and acct.payment_method["_ok"]) if paid is None else bool(paid)
        inv = self._invoice_for(ctx, acct, first, ok)
        self._after_invoice(acct, inv, ok)
        return self._invoice_row(inv)


# ---------------------------------------------------------------- multipart

def parse_multipart_file(content_type, body, field):
    """(filename, bytes) of form field ``field`` in a multipart body, or (None, None)."""
    if "boundary=" not in content_type.lower():
        raise ApiError(422, "multipart body without a boundary")
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode("latin-1")
    try:
        msg = BytesParser(policy=HTTP_POLICY).parsebytes(head + body)
    except Exception:  # noqa: BLE001 - any parser failure is a client error
        raise ApiError(422, "malformed multipart body") from None
    if not msg.is_multipart():
        raise ApiError(422, "malformed multipart body")
    for part in msg.iter_parts():
        cd = part.get("Content-Disposition", "")
        if part.get_param("name", header="content-disposition") == field:
            return part.get_filename() or "", part.get_payload(decode=True) or b""
        del cd
    return None, None


def _find_esi(content):
    m = re.search(rb"(?<!\d)(\d{17})(?!\d)", content[:200000])
    return m.group(1).decode() if m else None
