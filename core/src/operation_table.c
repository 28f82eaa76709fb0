/* The operation table: the one place in the SDK that knows the Light API's
 * endpoints. Every row mirrors an entry of docs/api/endpoints.json (the
 * repository's API reference, rendered in docs/api/README.md);
 * tests/core/test_operation_table.py checks them against each other.
 *
 * Rows marked `inferred = 1` have a guessed path (docs/api/API.md §20): correct
 * them here when the real API reference becomes available. A 404 they get says
 * "path inferred" in its message.
 *
 * `required` lists only body fields the docs state as required, each with the
 * docs' phrase in a comment above its row; they are checked before any I/O.
 * Every other field the docs name (ssn, query, esi_id, service_start_date...)
 * is passed through as given and the server decides: a guessed name must never
 * make a call fail locally. */
#include "light/operation.h"

#include <string.h>

#define L(...) ((const char *const[]){__VA_ARGS__, NULL})
#define NONE ((const char *const[]){NULL})

#define APP LIGHT_AUTH_APP
#define ACCT LIGHT_AUTH_ACCOUNT
#define NOBODY LIGHT_BODY_NONE
#define JSON LIGHT_BODY_JSON
#define MULTI LIGHT_BODY_MULTIPART
#define DOC LIGHT_CONFIDENCE_DOCUMENTED
#define EXA LIGHT_CONFIDENCE_EXAMPLE_APP
#define INF LIGHT_CONFIDENCE_INFERRED

/* clang-format off */
static const light_operation table[] = {
/* id, method, path, auth, body, paginated, idempotent, inferred, confidence, ns, name, path params, query, required, success, summary */
{"list_accounts", "GET", "/v1/app/accounts", APP, NOBODY, 1, 1, 0, DOC, "accounts", "list", NONE, L("limit", "offset"), NONE, 200, "List the app's accounts (paginated)."},
/* required email: "only `email` required; name/phone/DOB optional" (enrollment guide, basic flow step 2) */
{"create_account", "POST", "/v1/app/accounts", APP, JSON, 0, 0, 0, DOC, "accounts", "create", NONE, NONE, L("email"), 200, "Create a customer account."},
{"get_app_account", "GET", "/v1/app/accounts/{account_uuid}", APP, NOBODY, 0, 1, 0, DOC, "accounts", "retrieve", L("account_uuid"), NONE, NONE, 200, "Retrieve an account with the app token."},
{"update_app_account", "PATCH", "/v1/app/accounts/{account_uuid}", APP, JSON, 0, 1, 0, DOC, "accounts", "update", L("account_uuid"), NONE, NONE, 200, "Update an account's profile fields (identity, renewals_url)."},
{"create_account_token", "POST", "/v1/app/accounts/{account_uuid}/token", APP, NOBODY, 0, 1, 0, DOC, "accounts", "create_token", L("account_uuid"), NONE, NONE, 200, "Mint a 60-minute account token."},
{"create_flow_login", "POST", "/v1/app/accounts/{account_uuid}/flow-login", APP, JSON, 0, 1, 0, DOC, "accounts", "flow_login", L("account_uuid"), L("scope"), NONE, 200, "Create a login link for an embedded flow."},
{"record_client_agent", "POST", "/v1/app/accounts/{account_uuid}/record-client-agent", APP, JSON, 0, 1, 0, DOC, "accounts", "record_client_agent", L("account_uuid"), NONE, NONE, 200, "Record the partner's power of attorney (client agent)."},
{"check_eligibility", "POST", "/v1/app/accounts/enroll/eligibility", APP, JSON, 0, 1, 0, DOC, "enroll", "eligibility", NONE, NONE, NONE, 200, "Check retail-choice eligibility of a postal code."},
{"app_address_search", "POST", "/v1/app/accounts/enroll/address-search", APP, JSON, 0, 1, 0, DOC, "enroll", "address_search", NONE, NONE, NONE, 200, "Type-ahead service address search."},
{"full_address_search", "POST", "/v1/app/accounts/enroll/full-address-search", APP, JSON, 0, 1, 0, DOC, "enroll", "full_address_search", NONE, NONE, NONE, 200, "Exact service address search."},
{"app_request_plans", "POST", "/v1/app/accounts/enroll/plans/request", APP, JSON, 0, 1, 0, DOC, "enroll", "request_plans", NONE, NONE, NONE, 200, "Request priced plans (optionally custom rates)."},
{"app_account_request_plans", "POST", "/v1/app/accounts/{account_uuid}/enroll/plans/request", APP, JSON, 0, 1, 0, DOC, "accounts", "request_plans", L("account_uuid"), NONE, NONE, 200, "Request priced plans for an account."},
{"plan_benchmarks", "GET", "/v1/app/accounts/enroll/plan-benchmarks", APP, NOBODY, 0, 1, 1, INF, "enroll", "plan_benchmarks", NONE, NONE, NONE, 200, "Plan benchmark prices (path inferred)."},
{"list_plan_groups", "GET", "/v1/app/plan-groups", APP, NOBODY, 0, 1, 1, INF, "plan_groups", "list", NONE, NONE, NONE, 200, "List the app's plan groups (path inferred)."},
{"fetch_usage_profile", "POST", "/v1/app/usage-profiles/fetch", APP, JSON, 0, 0, 0, DOC, "usage_profiles", "fetch", NONE, NONE, NONE, 202, "Start fetching a Smart Meter Texas usage profile."},
{"get_usage_profile", "GET", "/v1/app/usage-profiles/{usage_profile_uuid}", APP, NOBODY, 0, 1, 0, DOC, "usage_profiles", "retrieve", L("usage_profile_uuid"), NONE, NONE, 200, "Retrieve a usage profile."},
{"get_account", "GET", "/v1/account", ACCT, NOBODY, 0, 1, 0, DOC, "", "retrieve", NONE, NONE, NONE, 200, "Retrieve the token's account."},
{"account_address_search", "POST", "/v1/account/enroll/address-search", ACCT, JSON, 0, 1, 0, DOC, "enroll", "address_search", NONE, NONE, NONE, 200, "Type-ahead address search with the account token."},
{"esi_id_search", "POST", "/v1/account/enroll/esi-id-search", ACCT, JSON, 0, 1, 0, DOC, "enroll", "esi_id_search", NONE, NONE, NONE, 200, "Look a service point up by ESI ID."},
{"account_request_plans", "POST", "/v1/account/enroll/plans/request", ACCT, JSON, 0, 1, 1, INF, "enroll", "request_plans", NONE, NONE, NONE, 200, "Request priced plans with the account token (path inferred)."},
{"accept_plan", "POST", "/v1/account/enroll/plans/accept", ACCT, JSON, 0, 0, 0, DOC, "enroll", "accept_plan", NONE, NONE, NONE, 200, "Accept a plan; creates the location and contract. Pass service_start_date (the name in the client-agent sample and the renewal route; the basic guide's prose says start_date): fields are sent as given, never renamed."},
{"update_identity", "PATCH", "/v1/account/enroll/identity", ACCT, JSON, 0, 1, 0, DOC, "enroll", "update_identity", NONE, NONE, NONE, 200, "Submit identity details."},
{"credit_check", "POST", "/v1/account/enroll/credit-check", ACCT, JSON, 0, 0, 0, DOC, "enroll", "credit_check", NONE, NONE, NONE, 200, "Submit SSN and consent for the soft credit check."},
{"finalize_enrollment", "POST", "/v1/account/enroll/finalize", ACCT, JSON, 0, 0, 0, DOC, "enroll", "finalize", NONE, NONE, NONE, 200, "Finalize the enrollment (422 unless can_finalize_enrollment)."},
{"create_payment_session", "POST", "/v1/account/billing/payment-session", ACCT, NOBODY, 0, 0, 0, DOC, "billing", "create_payment_session", NONE, NONE, NONE, 200, "Create a Stripe payment session."},
{"ensure_payment_method_added", "POST", "/v1/account/billing/ensure-payment-method-added", ACCT, JSON, 0, 1, 0, DOC, "billing", "ensure_payment_method_added", NONE, NONE, NONE, 200, "Sync a Stripe payment method to the account."},
{"get_payment_method", "GET", "/v1/account/billing/payment-method", ACCT, NOBODY, 0, 1, 0, DOC, "billing", "payment_method", NONE, NONE, NONE, 200, "The account's payment method."},
{"list_invoices", "GET", "/v1/account/billing/invoices", ACCT, NOBODY, 1, 1, 0, DOC, "billing.invoices", "list", NONE, L("limit", "offset"), NONE, 200, "List invoices (paginated)."},
{"get_invoice", "GET", "/v1/account/billing/invoices/{invoice_number}", ACCT, NOBODY, 0, 1, 0, DOC, "billing.invoices", "retrieve", L("invoice_number"), NONE, NONE, 200, "Retrieve one invoice with its charges."},
{"get_billing_address", "GET", "/v1/account/billing/address", ACCT, NOBODY, 0, 1, 0, DOC, "billing.address", "retrieve", NONE, NONE, NONE, 200, "The billing address."},
{"update_billing_address", "PUT", "/v1/account/billing/address", ACCT, JSON, 0, 1, 0, DOC, "billing.address", "update", NONE, NONE, NONE, 200, "Replace the billing address."},
{"get_location", "GET", "/v1/account/locations/{location_uuid}", ACCT, NOBODY, 0, 1, 1, INF, "locations", "retrieve", L("location_uuid"), NONE, NONE, 200, "Retrieve a location (path inferred)."},
{"get_location_plan", "GET", "/v1/account/locations/{location_uuid}/plan", ACCT, NOBODY, 0, 1, 0, EXA, "locations", "plan", L("location_uuid"), NONE, NONE, 200, "The location's current plan."},
{"get_location_documents", "GET", "/v1/account/locations/{location_uuid}/documents", ACCT, NOBODY, 0, 1, 0, DOC, "locations", "documents", L("location_uuid"), NONE, NONE, 200, "The location's active documents (EFL, TOS, YRAC)."},
{"get_all_location_documents", "GET", "/v1/account/locations/{location_uuid}/all-documents", ACCT, NOBODY, 0, 1, 0, DOC, "locations", "all_documents", L("location_uuid"), NONE, NONE, 200, "Every document of the location."},
{"get_support_info", "GET", "/v1/account/locations/{location_uuid}/support-info", ACCT, NOBODY, 0, 1, 0, DOC, "locations", "support_info", L("location_uuid"), NONE, NONE, 200, "Support information for the location."},
{"cancel_service", "POST", "/v1/account/locations/{location_uuid}/cancel", ACCT, JSON, 0, 0, 1, INF, "locations", "cancel", L("location_uuid"), NONE, NONE, 200, "Cancel service at the location (path inferred)."},
{"usage_monthly", "GET", "/v1/account/locations/{location_uuid}/usage/monthly", ACCT, NOBODY, 0, 1, 0, DOC, "locations.usage", "monthly", L("location_uuid"), L("year"), NONE, 200, "Monthly usage for a year."},
{"usage_daily", "GET", "/v1/account/locations/{location_uuid}/usage/daily", ACCT, NOBODY, 0, 1, 0, DOC, "locations.usage", "daily", L("location_uuid"), L("month", "year"), NONE, 200, "Daily usage for a month."},
{"usage_intervals", "GET", "/v1/account/locations/{location_uuid}/usage/intervals", ACCT, NOBODY, 0, 1, 0, DOC, "locations.usage", "intervals", L("location_uuid"), L("month", "year"), NONE, 200, "15-minute interval usage for a month."},
{"meter_reads", "GET", "/v1/account/locations/{location_uuid}/meter-reads", ACCT, NOBODY, 0, 1, 1, INF, "locations", "meter_reads", L("location_uuid"), NONE, NONE, 200, "Meter reads (path inferred)."},
{"request_renewal_plans", "POST", "/v1/account/locations/{location_uuid}/renewal-plans/request", ACCT, NOBODY, 0, 1, 0, DOC, "locations.renewal_plans", "request", L("location_uuid"), NONE, NONE, 200, "Request renewal plans for an active location."},
{"accept_renewal_plan", "POST", "/v1/account/locations/{location_uuid}/renewal-plans/accept", ACCT, JSON, 0, 0, 0, DOC, "locations.renewal_plans", "accept", L("location_uuid"), NONE, NONE, 200, "Accept a renewal plan."},
{"upload_comparison_invoice", "POST", "/v1/account/comparison-invoice", ACCT, MULTI, 0, 0, 0, DOC, "comparison_invoice", "upload", NONE, NONE, NONE, 200, "Upload a competitor bill (PDF) for comparison."},
{"get_comparison_invoice", "GET", "/v1/account/comparison-invoice", ACCT, NOBODY, 0, 1, 0, DOC, "comparison_invoice", "retrieve", NONE, L("uuid"), NONE, 200, "The latest (or given) comparison invoice."},
{"simple_compare", "GET", "/v1/account/comparison-invoice/simple-compare", ACCT, NOBODY, 0, 1, 0, DOC, "comparison_invoice", "simple_compare", NONE, L("plan_group", "uuid"), NONE, 200, "Compare the bill's period against a plan group."},
{"annual_compare", "GET", "/v1/account/comparison-invoice/annual-compare", ACCT, NOBODY, 0, 1, 0, DOC, "comparison_invoice", "annual_compare", NONE, L("plan_group", "uuid"), NONE, 200, "Twelve-month comparison against a plan group."},
{"sandbox_delete_enrollment", "POST", "/v1/account/sandbox/delete-enrollment", ACCT, NOBODY, 0, 0, 0, EXA, "sandbox", "delete_enrollment", NONE, NONE, NONE, 200, "Sandbox: reset the account's enrollment."},
{"sandbox_seed_demo_data", "POST", "/v1/account/sandbox/seed-demo-data", ACCT, NOBODY, 0, 0, 0, EXA, "sandbox", "seed_demo_data", NONE, NONE, NONE, 200, "Sandbox: start service and seed usage, invoices, documents."},
};
/* clang-format on */

size_t light_operation_count(void) { return sizeof table / sizeof table[0]; }

const light_operation *light_operation_at(size_t i) { return i < light_operation_count() ? &table[i] : NULL; }

const light_operation *light_operation_find(const char *id) {
  if (!id) return NULL;
  for (size_t i = 0; i < light_operation_count(); i++)
    if (strcmp(table[i].id, id) == 0) return &table[i];
  return NULL;
}
