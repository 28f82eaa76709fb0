"""``light-sandbox trigger EVENT --account UUID`` / ``POST /_sandbox/trigger``: fire any
of the 18 webhook events with the payload the emulator itself sends for it, built
from the account's real state (its account object, its location, its newest
invoice, comparison invoice or plans). Nothing in the account changes: a trigger
only emits (and delivers) the event. Where the account has no such object yet
(no location before a plan is accepted, no invoice before billing), the payload
uses a sample one at the sandbox address, marked ``"sample": true`` in the
event's ``data``. Run under ``api.lock``.
"""
import datetime as dt
import hashlib

from . import api as A
from . import data
from .api import ApiError, Ctx, Location, WEBHOOK_EVENTS


def _ctx(base_url, app, acct):
    ctx = Ctx("POST", "/_sandbox/trigger", {}, {}, {}, b"", base_url)
    ctx.app, ctx.account = app, acct
    return ctx


def _location(acct):
    """(location, sample?) for location.* payloads."""
    if acct.location is not None:
        return acct.location, False
    loc = Location(data.BY_ESI[acct.esi_id or "55512345671234567"], acct)
    return loc, True


def fire(api, base_url, event, acct):
    """Emit ``event`` for ``acct``; returns the event envelope."""
    if event not in WEBHOOK_EVENTS:
        raise ApiError(422, f"event: unknown event {event!r}; one of " + ", ".join(WEBHOOK_EVENTS))
    clock = api.clock
    ctx = _ctx(base_url, acct.app, acct)
    acct_pub = acct.public(clock)
    d = {"account": acct_pub}
    sample = False
    if event == "enrollment.plan_requested":
        esi = acct.esi_id or "55512345671234567"
        d["plans"] = api._plans_for(ctx, "enroll", esi, acct)  # real, acceptable plans
    elif event == "enrollment.plan_accepted":
        loc, sample = _location(acct)
        d["location"] = loc.public(clock)
    elif event.startswith("account."):
        if acct.location is not None:
            d["location"] = acct.location.public(clock)
        if event in ("account.invoice_sent", "account.payment_successful", "account.payment_failed"):
            if acct.invoices:
                inv = max(acct.invoices, key=lambda i: (i["invoice_date"], i["number"]))
                d["invoice_number"] = inv["number"]
            else:
                d["invoice_number"] = f"{acct.account_number}-{acct.invoice_seq + 1:04d}"
                sample = True
    elif event.startswith("location."):
        loc, sample = _location(acct)
        d = {"location": loc.public(clock), "account": acct_pub}
        c = loc.current_contract()
        if event == "location.service_canceled":
            d["reason"] = acct.phase_reason if acct.phase == "cancelled" else "cancelled_post_start"
        elif event == "location.renewal_email_sent":
            end = c.end if c else clock.today() + dt.timedelta(days=90)
            d["contract_end"] = end.isoformat()
        elif event in ("location.renewal_plan_requested", "location.renewal_plan_accepted"):
            day_after = (c.end if c else clock.today() + dt.timedelta(days=364)) + dt.timedelta(days=1)
            plans = [api._make_plan(ctx, g, "renewal", loc.address["esi_id"], acct, None if sample else loc,
                                    day_after, day_after) for g in data.PLAN_GROUPS]
            if event.endswith("requested"):
                d["plans"] = plans
            else:
                d["plan"] = plans[0]
    elif event == "comparison_invoice.processed":
        done = [ci for ci in acct.comparison_invoices if ci["status"] == "processed"]
        if done:
            d = {"comparison_invoice": api._ci_public(done[-1]), "account": acct_pub}
        else:
            h = int(hashlib.sha256(acct.uuid.encode()).hexdigest()[:12], 16)
            d = {"comparison_invoice": {"uuid": A._uuid(), "status": "processed",
                                        "utility_account_number": acct.esi_id or f"10443720{h % 10 ** 9:09d}",
                                        "processed_at": A.iso(clock.now()), "processing_error": None},
                 "account": acct_pub}
            sample = True
    elif event.startswith("usage_profile."):
        esi = acct.esi_id or (acct.location.address["esi_id"] if acct.location else "55512345671234567")
        profiles = [p for p in api.usage_profiles.values()
                    if p["_app"] is acct.app and p["utility_account_number"] == esi
                    and p["status"] == event.split(".")[1]]
        if profiles:
            p = api._profile_public(profiles[-1])
        else:
            today = clock.today()
            ok = event == "usage_profile.completed"
            p = {"uuid": A._uuid(), "status": "completed" if ok else "failed", "utility_account_number": esi,
                 "error_message": None if ok else "Smart Meter Texas returned no usage for this meter",
                 "created_at": A.iso(clock.now() - 60), "completed_at": A.iso(clock.now()),
                 "start_date": (today - dt.timedelta(days=395)).isoformat() if ok else None,
                 "end_date": (today - dt.timedelta(days=1)).isoformat() if ok else None}
            sample = True
        d = {"usage_profile": p}
    if sample:
        d["sample"] = True
    return api.emit(event, d)
