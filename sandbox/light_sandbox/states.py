"""Accounts in a chosen enrollment state in one step (``light-sandbox accounts create
--state active``, ``POST /_sandbox/accounts``, the dashboard's "move to active").

Every state is reached through the emulator's own operations (the ones the SDK
calls: identity, address, plan request/accept, payment method, credit check,
finalize, seed-demo-data, cancel) with the sandbox values of README.md
(ESI ``55512345671234567``, ``pm_card_visa``, SSN ``123-45-6789`` or the magic
endings ``0001``-``0004``, ESI IDs ``10443720000009001/2/3`` for utility holds).
Waiting times of the back office (verification, credit check, utility) are
skipped by moving *that account's* timestamps back, so the global clock does not
move. The same webhooks fire as on the long way. Run under ``api.lock``.
"""
import datetime as dt
import json

from . import api as A
from .api import ApiError, Ctx

ESI = "55512345671234567"
SSN_OK = "123-45-6789"
SSN_FOR = {"credit_not_found": "123-45-0001", "credit_declined": "123-45-0002",
           "credit_check_frozen": "123-45-0003", "credit_check_error": "123-45-0004",
           "enrollment_blocked_verification_hold": "123-45-0002"}
ESI_FOR = {"enrollment_blocked_switch_hold": "10443720000009001",
           "enrollment_blocked_deactivated": "10443720000009002", "utility_blocked": "10443720000009003"}
PROFILE = {"first_name": "Sandy", "last_name": "Box", "phone_number": "214-555-0100", "date_of_birth": "1985-06-15"}

#: default status_reason of each status (``--state active`` = active/active)
DEFAULT_REASON = {"created": "unresolved", "applying": "enrollment_not_finalized", "reviewing": "verification_pending",
                  "needs_attention": "credit_declined", "ready": "enrollment_pending_client_agent",
                  "scheduled": "service_pending", "activating": "utility_submitted", "active": "active",
                  "cancelled": "cancelled_pre_start"}


def parse_state(text):
    """'active', 'needs_attention/credit_declined' or a bare reason 'credit_declined' -> (status, reason)."""
    pairs = [tuple(p) for p in A.STATUS_TABLE]
    if not isinstance(text, str) or not text.strip():
        raise ApiError(422, "state: give a status such as active (see `light-sandbox accounts create --help`)")
    t = text.strip().lower().replace("-", "_")
    if "/" in t:
        st, _, rs = t.partition("/")
        if (st, rs) in pairs:
            return st, rs
    elif t in DEFAULT_REASON:
        return t, DEFAULT_REASON[t]
    else:
        hits = [p for p in pairs if p[1] == t]
        if len(hits) == 1:
            return hits[0]
    raise ApiError(422, f"state: unknown enrollment state {text!r}; one of " + ", ".join(state_names()))


def state_names():
    return [f"{s}/{r}" for s, r in A.STATUS_TABLE]


class Driver:
    """Runs operations on one account as its SDK would."""

    def __init__(self, api, base_url, app):
        self.api, self.base_url, self.app = api, base_url, app

    def call(self, op, acct=None, body=None, params=None):
        raw = json.dumps(body or {}).encode()
        ctx = Ctx("POST", f"/_sandbox/states/{op}", params or {}, {}, {"Content-Type": "application/json"}, raw,
                  self.base_url)
        ctx.app, ctx.account = self.app, acct
        return getattr(self.api, "op_" + op)(ctx)

    def create(self, email, profile):
        body = {"email": email}
        body.update(profile)
        out = self.call("create_account", body=body)
        return self.api.accounts[out["uuid"]]

    # ---- steps (each skipped when already done) --------------------------------------------------
    def address(self, acct, esi):
        if not acct.esi_id:
            self.call("esi_id_search", acct, {"esi_id": esi})

    def plan(self, acct, esi, start):
        if acct.accepted_plan:
            return
        plans = self.call("account_request_plans", acct, {"esi_id": esi})["plans"]
        self.call("accept_plan", acct, {"plan_uuid": plans[0]["uuid"], "esi_id": esi,
                                        "service_start_date": start.isoformat(), "terms_accepted": True})

    def identity(self, acct):
        if acct.identity_submitted:
            return
        body = {k: v for k, v in PROFILE.items() if not getattr(acct, k, None)}
        if not acct.email:
            body["email"] = f"sandbox-{acct.account_number}@example.com"
        self.call("update_identity", acct, body)

    def payment(self, acct):
        if not acct.payment_method:
            self.call("ensure_payment_method_added", acct, {"payment_method_id": "pm_card_visa"})

    def credit(self, acct, ssn):
        cr = acct.credit
        want = A.CREDIT_OUTCOMES.get(ssn[-4:], "approved")
        if cr is None or (cr["outcome"] != want and acct.phase in (None, "needs_attention", "credit")):
            self.call("credit_check", acct, {"ssn": ssn, "consent": True})

    def finalize(self, acct):
        if acct.finalized_at is None:
            self.call("finalize_enrollment", acct, {})

    def skip_wait(self, acct):
        """Move the account's own timestamps back past the current wait; True if there was one."""
        ph = acct.phase
        if ph == "reviewing":
            acct.phase_since -= A.VERIFY_SECONDS
        elif ph == "credit" and acct.credit:
            acct.phase_since -= A.CREDIT_SECONDS
            acct.credit["submitted_at"] -= A.CREDIT_SECONDS
        elif ph == "activating":
            acct.phase_since -= A.UTILITY_SECONDS
        else:
            return False
        self.api.tick_account(acct)
        return True

    def until(self, acct, pair):
        for _ in range(10):
            if acct.status() == pair or not self.skip_wait(acct):
                break


def reach(api, base_url, app, acct, pair):
    """Drive ``acct`` forward to ``pair`` = (status, status_reason); ApiError 422 when it cannot get there."""
    d = Driver(api, base_url, app)
    st, rs = pair
    today = api.clock.today()
    if acct.status() == pair:
        return acct
    if acct.phase == "cancelled":
        raise ApiError(422, f"account is cancelled ({acct.status()[1]}); create a new one")
    esi = ESI_FOR.get(rs, acct.esi_id or ESI)
    ssn = SSN_FOR.get(rs, SSN_OK)
    if st == "created":
        if rs == "missing_address" and not acct.activity:
            d.call("account_address_search", acct, {"query": "Main St"})
    elif st == "ready":
        if acct.accepted_plan:
            raise ApiError(422, "ready/enrollment_pending_client_agent needs an account without an accepted plan")
        if not acct.client_agent_accepted:
            d.call("record_client_agent", None, {}, {"account_uuid": acct.uuid})
        d.identity(acct)
        d.payment(acct)
        d.credit(acct, SSN_OK)
    elif st == "applying":
        order = ["plan_not_accepted", "missing_identity", "missing_payment_method", "enrollment_not_finalized"]
        n = order.index(rs)
        d.address(acct, esi)
        if n >= 1:
            d.plan(acct, esi, today)
        if n >= 2:
            d.identity(acct)
        if n >= 3:
            d.payment(acct)
    else:
        start = today + dt.timedelta(days=7) if (st == "scheduled" or acct.client_agent_accepted) else today
        d.address(acct, esi)
        d.plan(acct, esi, start)
        d.identity(acct)
        d.payment(acct)
        if rs != "credit_check_pending":
            d.credit(acct, ssn)
        d.finalize(acct)
        if (st, rs) == ("active", "active") or rs == "cancelled_post_start":
            if acct.phase != "active":
                d.call("sandbox_seed_demo_data", acct, {})
        elif rs == "enrollment_blocked_verification_hold":
            d.until(acct, ("needs_attention", "credit_declined"))
            if acct.phase == "needs_attention":
                acct.phase_since -= A.VERIFICATION_HOLD_DAYS * A.DAY
                api.tick_account(acct)
        elif rs == "expire_pre_active":
            api._cancel(acct, "expire_pre_active", api.clock.now())  # the transition a lapsed plan takes
        elif st != "cancelled":
            d.until(acct, pair)
        if rs in ("cancelled_pre_start", "cancelled_post_start") and acct.phase != "cancelled":
            d.call("cancel_service", acct, {}, {"location_uuid": acct.location.uuid})
    if acct.status() != pair:
        now = acct.status()
        raise ApiError(422, f"could not move the account to {st}/{rs} from where it is ({now[0]}/{now[1]}); "
                            "create a new account in that state instead")
    return acct


def create(api, base_url, app, pair, email=None, profile=None):
    """A new account driven to ``pair``; returns it."""
    d = Driver(api, base_url, app)
    prof = dict(PROFILE)
    prof.update(profile or {})
    acct = d.create(email or f"sandbox-{api.next_account_number}@example.com", prof)
    return reach(api, base_url, app, acct, pair)
