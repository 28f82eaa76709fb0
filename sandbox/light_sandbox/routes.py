"""The emulator's route table, kept as data so paths are easy to correct.

Each row: (operation id, HTTP method, path template, auth kind, confidence).
Rows whose confidence is "inferred" have guessed paths (API.md §20) and are
answered plausibly by handlers also marked ``# INFERRED`` in api.py. The
operation id names the handler method ``op_<id>`` on ``api.Api``.
"""
import re

# fmt: off
ROUTES = [
    # id                             method   path                                                          auth       confidence
    ("list_accounts",                "GET",   "/v1/app/accounts",                                           "app",     "documented"),
    ("create_account",               "POST",  "/v1/app/accounts",                                           "app",     "documented"),
    ("get_app_account",              "GET",   "/v1/app/accounts/{account_uuid}",                            "app",     "documented"),
    ("update_app_account",           "PATCH", "/v1/app/accounts/{account_uuid}",                            "app",     "documented"),
    ("create_account_token",         "POST",  "/v1/app/accounts/{account_uuid}/token",                      "app",     "documented"),
    ("create_flow_login",            "POST",  "/v1/app/accounts/{account_uuid}/flow-login",                 "app",     "documented"),
    ("record_client_agent",          "POST",  "/v1/app/accounts/{account_uuid}/record-client-agent",        "app",     "documented"),
    ("check_eligibility",            "POST",  "/v1/app/accounts/enroll/eligibility",                        "app",     "documented"),
    ("app_address_search",           "POST",  "/v1/app/accounts/enroll/address-search",                     "app",     "documented"),
    ("full_address_search",          "POST",  "/v1/app/accounts/enroll/full-address-search",                "app",     "documented"),
    ("app_request_plans",            "POST",  "/v1/app/accounts/enroll/plans/request",                      "app",     "documented"),
    ("app_account_request_plans",    "POST",  "/v1/app/accounts/{account_uuid}/enroll/plans/request",       "app",     "documented"),
    ("plan_benchmarks",              "GET",   "/v1/app/accounts/enroll/plan-benchmarks",                    "app",     "inferred"),  # INFERRED
    ("list_plan_groups",             "GET",   "/v1/app/plan-groups",                                        "app",     "inferred"),  # INFERRED
    ("fetch_usage_profile",          "POST",  "/v1/app/usage-profiles/fetch",                               "app",     "documented"),
    ("get_usage_profile",            "GET",   "/v1/app/usage-profiles/{usage_profile_uuid}",                "app",     "documented"),
    ("get_account",                  "GET",   "/v1/account",                                                "account", "documented"),
    ("account_address_search",       "POST",  "/v1/account/enroll/address-search",                          "account", "documented"),
    ("esi_id_search",                "POST",  "/v1/account/enroll/esi-id-search",                           "account", "documented"),
    ("account_request_plans",        "POST",  "/v1/account/enroll/plans/request",                           "account", "inferred"),  # INFERRED
    ("accept_plan",                  "POST",  "/v1/account/enroll/plans/accept",                            "account", "documented"),
    ("update_identity",              "PATCH", "/v1/account/enroll/identity",                                "account", "documented"),
    ("credit_check",                 "POST",  "/v1/account/enroll/credit-check",                            "account", "documented"),
    ("finalize_enrollment",          "POST",  "/v1/account/enroll/finalize",                                "account", "documented"),
    ("create_payment_session",       "POST",  "/v1/account/billing/payment-session",                        "account", "documented"),
    ("ensure_payment_method_added",  "POST",  "/v1/account/billing/ensure-payment-method-added",            "account", "documented"),
    ("get_payment_method",           "GET",   "/v1/account/billing/payment-method",                         "account", "documented"),
    ("list_invoices",                "GET",   "/v1/account/billing/invoices",                               "account", "documented"),
    ("get_invoice",                  "GET",   "/v1/account/billing/invoices/{invoice_number}",              "account", "documented"),
    ("get_billing_address",          "GET",   "/v1/account/billing/address",                                "account", "documented"),
    ("update_billing_address",       "PUT",   "/v1/account/billing/address",                                "account", "documented"),
    ("get_location",                 "GET",   "/v1/account/locations/{location_uuid}",                      "account", "inferred"),  # INFERRED
    ("get_location_plan",            "GET",   "/v1/account/locations/{location_uuid}/plan",                 "account", "example-app"),
    ("get_location_documents",       "GET",   "/v1/account/locations/{location_uuid}/documents",            "account", "documented"),
    ("get_all_location_documents",   "GET",   "/v1/account/locations/{location_uuid}/all-documents",        "account", "documented"),
    ("get_support_info",             "GET",   "/v1/account/locations/{location_uuid}/support-info",         "account", "documented"),
    ("cancel_service",               "POST",  "/v1/account/locations/{location_uuid}/cancel",               "account", "inferred"),  # INFERRED
    ("usage_monthly",                "GET",   "/v1/account/locations/{location_uuid}/usage/monthly",        "account", "documented"),
    ("usage_daily",                  "GET",   "/v1/account/locations/{location_uuid}/usage/daily",          "account", "documented"),
    ("usage_intervals",              "GET",   "/v1/account/locations/{location_uuid}/usage/intervals",      "account", "documented"),
    ("meter_reads",                  "GET",   "/v1/account/locations/{location_uuid}/meter-reads",          "account", "inferred"),  # INFERRED
    ("request_renewal_plans",        "POST",  "/v1/account/locations/{location_uuid}/renewal-plans/request", "account", "documented"),
    ("accept_renewal_plan",          "POST",  "/v1/account/locations/{location_uuid}/renewal-plans/accept", "account", "documented"),
    ("upload_comparison_invoice",    "POST",  "/v1/account/comparison-invoice",                             "account", "documented"),
    ("get_comparison_invoice",       "GET",   "/v1/account/comparison-invoice",                             "account", "documented"),
    ("simple_compare",               "GET",   "/v1/account/comparison-invoice/simple-compare",              "account", "documented"),
    ("annual_compare",               "GET",   "/v1/account/comparison-invoice/annual-compare",              "account", "documented"),
    ("sandbox_delete_enrollment",    "POST",  "/v1/account/sandbox/delete-enrollment",                      "account", "example-app"),
    ("sandbox_seed_demo_data",       "POST",  "/v1/account/sandbox/seed-demo-data",                         "account", "example-app"),
]
# fmt: on


class Route:
    __slots__ = ("op", "method", "template", "auth", "confidence", "regex", "params", "literal")

    def __init__(self, op, method, template, auth, confidence):
        self.op, self.method, self.template, self.auth, self.confidence = op, method, template, auth, confidence
        self.params = re.findall(r"{(\w+)}", template)
        self.literal = not self.params
        pattern = re.sub(r"{(\w+)}", r"(?P<\1>[^/]+)", template)
        self.regex = re.compile("^" + pattern + "$")


COMPILED = [Route(*row) for row in ROUTES]
_LITERAL = {}
for _r in COMPILED:
    if _r.literal:
        _LITERAL.setdefault(_r.template, []).append(_r)
_PARAM = [r for r in COMPILED if not r.literal]


def match(path):
    """All routes whose path matches ``path``, as [(route, params)].

    Literal paths win over templated ones (so /v1/app/accounts/enroll/... is
    never taken for an account uuid)."""
    lit = _LITERAL.get(path)
    if lit:
        return [(r, {}) for r in lit]
    out = []
    for r in _PARAM:
        m = r.regex.match(path)
        if m:
            out.append((r, m.groupdict()))
    return out


def resolve(method, path):
    """(route, params, allowed_methods). route is None for 404 (allowed empty)
    or 405 (allowed lists the methods this path supports)."""
    cands = match(path)
    if not cands:
        return None, {}, []
    for r, params in cands:
        if r.method == method:
            return r, params, [c.method for c, _ in cands]
    return None, {}, sorted({c.method for c, _ in cands})
