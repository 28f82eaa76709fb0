/**
 * @file light/webhook.h
 * @brief Webhook signing and verification (no I/O).
 *
 * Header format: `Light-Signature-v1: <unix_seconds>.<hex>` where `<hex>` is
 * the lowercase hex HMAC-SHA256, keyed with the webhook secret, of
 * `<unix_seconds>.<raw body>`. Always verify the raw request body bytes.
 *
 * Secrets: webhook secrets are borrowed for the duration of a call and never
 * copied to the heap; the key block and HMAC pads derived from them live on
 * the stack and are wiped (OPENSSL_cleanse) before each function returns.
 */
#ifndef LIGHT_WEBHOOK_H
#define LIGHT_WEBHOOK_H

#include "light/common.h"

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "light/json.h"

#include "light/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Name of the HTTP header carrying the signature. */
#define LIGHT_SIGNATURE_HEADER "Light-Signature-v1"
/** Default replay window, seconds, applied both ways (too old / too far in the future). */
#define LIGHT_WEBHOOK_DEFAULT_TOLERANCE 3600
/** Largest tolerance accepted (seconds, 7 days): nothing switches the replay window off. */
#define LIGHT_WEBHOOK_MAX_TOLERANCE 604800
/** Size of a buffer that holds any signature header value plus NUL. */
#define LIGHT_SIGNATURE_MAX 96

/* The 18 documented event names. */
#define LIGHT_EVENT_ENROLLMENT_PLAN_REQUESTED "enrollment.plan_requested"
#define LIGHT_EVENT_ENROLLMENT_PLAN_ACCEPTED "enrollment.plan_accepted"
#define LIGHT_EVENT_ENROLLMENT_IDENTITY_UPDATED "enrollment.identity_updated"
#define LIGHT_EVENT_ENROLLMENT_FINALIZED "enrollment.finalized"
#define LIGHT_EVENT_ACCOUNT_PAYMENT_METHOD_ADDED "account.payment_method_added"
#define LIGHT_EVENT_ACCOUNT_BILLING_ADDRESS_UPDATED "account.billing_address_updated"
#define LIGHT_EVENT_ACCOUNT_PAYMENT_FAILED "account.payment_failed"
#define LIGHT_EVENT_ACCOUNT_PAYMENT_SUCCESSFUL "account.payment_successful"
#define LIGHT_EVENT_ACCOUNT_INVOICE_SENT "account.invoice_sent"
#define LIGHT_EVENT_LOCATION_SERVICE_ACTIVE "location.service_active"
#define LIGHT_EVENT_LOCATION_SERVICE_CANCELED "location.service_canceled"
#define LIGHT_EVENT_LOCATION_USAGE_HISTORY_AVAILABLE "location.usage_history_available"
#define LIGHT_EVENT_LOCATION_RENEWAL_PLAN_REQUESTED "location.renewal_plan_requested"
#define LIGHT_EVENT_LOCATION_RENEWAL_PLAN_ACCEPTED "location.renewal_plan_accepted"
#define LIGHT_EVENT_LOCATION_RENEWAL_EMAIL_SENT "location.renewal_email_sent"
#define LIGHT_EVENT_COMPARISON_INVOICE_PROCESSED "comparison_invoice.processed"
#define LIGHT_EVENT_USAGE_PROFILE_COMPLETED "usage_profile.completed"
#define LIGHT_EVENT_USAGE_PROFILE_FAILED "usage_profile.failed"

/** @brief Number of event names (18). */
LIGHT_EXTERN(size_t) light_event_count(void);

/** @brief Event name @p i (static, never free), or NULL when out of range. */
LIGHT_EXTERN(const char *) light_event_at(size_t i);

/**
 * @brief Sign @p payload: write "<timestamp>.<hex>" into @p out.
 * @param out      buffer of at least ::LIGHT_SIGNATURE_MAX bytes (caller owns).
 * @param timestamp Unix seconds; must be >= 0.
 * @param secret   @p secret_len bytes; a NUL inside is refused (verify takes
 *                 NUL-terminated secrets, and both must use the same key).
 * @return LIGHT_OK, LIGHT_E_INVALID_ARGUMENT (NULL/empty secret, NUL in the
 *         secret, small buffer, negative timestamp), LIGHT_E_INTERNAL (OpenSSL failure).
 * Thread safety: any thread.
 */
LIGHT_EXTERN(light_status)
light_webhook_sign(char *out, size_t out_size, const void *payload, size_t payload_len, const char *secret,
                   size_t secret_len, int64_t timestamp);

/**
 * @brief Verify a signature header against @p payload with any of @p secrets.
 *
 * Constant-time comparison; a timestamp older than @p tolerance_s or further
 * than @p tolerance_s in the future is refused. @p tolerance_s must be in
 * 1 .. ::LIGHT_WEBHOOK_MAX_TOLERANCE (nothing turns the window off).
 * Secrets are NUL-terminated strings (bindings refuse a secret with a NUL
 * inside); empty ones are ignored.
 * @param now Unix seconds of the current time (bindings pass the real clock or a test override).
 * @return LIGHT_OK, or LIGHT_E_SIGNATURE with err->signature_reason set and
 *         err->kind = LIGHT_ERR_SIGNATURE_VERIFICATION; LIGHT_E_INVALID_ARGUMENT
 *         when payload is NULL with a non-zero length or @p tolerance_s is out of range;
 *         LIGHT_E_INTERNAL (OpenSSL's SHA-256 or HMAC failed).
 * Thread safety: any thread.
 */
LIGHT_EXTERN(light_status)
light_webhook_verify(const void *payload, size_t payload_len, const char *header, const char *const *secrets,
                     size_t n_secrets, int64_t tolerance_s, int64_t now, light_error *err);

/**
 * @brief The tolerance to pass to light_webhook_verify() for a runtime's
 * number of seconds: the value (fraction dropped) when it is in
 * 1 .. ::LIGHT_WEBHOOK_MAX_TOLERANCE, else 0 — NaN, ±Infinity, 0, negative
 * and huge values all become 0, which verify refuses with its range
 * message. Bindings use it so no double is converted out of range.
 */
LIGHT_EXTERN(int64_t) light_webhook_tolerance_of(double seconds);

/**
 * @brief Parse an event envelope {uuid, created_at, api_version, event, data}.
 * Unknown keys are kept. Requires `event` (string) and `data` (object).
 * @param[out] out caller owns; free with cJSON_Delete().
 * @return LIGHT_OK, LIGHT_E_DECODE (not JSON / not an envelope), LIGHT_E_NOMEM.
 */
LIGHT_EXTERN(light_status)
light_webhook_parse_event(cJSON **out, const void *payload, size_t payload_len, light_error *err);

/** Members of the envelope summary (light/json.h ::light_json_member): "event", "data". */
#define LIGHT_WEBHOOK_ENVELOPE_N 2

/**
 * @brief Prepare @p m (LIGHT_WEBHOOK_ENVELOPE_N members) as the summary of a
 * light_json_parse() of a webhook payload (bindings build their native event
 * with their own builder and this summary).
 */
LIGHT_EXTERN(void) light_webhook_envelope_init(light_json_member *m);

/**
 * @brief The envelope check of light_webhook_parse_event(), over the outcome
 * of such a parse: @p res and the summary @p m. One message for every
 * language ("webhook payload is not an event envelope: ...").
 * @return LIGHT_OK, LIGHT_E_DECODE (not JSON / not an envelope),
 *         LIGHT_E_NOMEM, or LIGHT_E_INTERNAL after a builder failure.
 */
LIGHT_EXTERN(light_status)
light_webhook_envelope_check(const light_json_result *res, const light_json_member *m, size_t payload_len,
                             light_error *err);

/**
 * @brief verify + parse in one call (what the bindings' `verify` does).
 * @param[out] out caller owns (cJSON_Delete) on LIGHT_OK.
 * @return LIGHT_OK; LIGHT_E_SIGNATURE and LIGHT_E_INVALID_ARGUMENT as
 *         light_webhook_verify(); LIGHT_E_DECODE and LIGHT_E_NOMEM as
 *         light_webhook_parse_event().
 */
LIGHT_EXTERN(light_status)
light_webhook_construct_event(cJSON **out, const void *payload, size_t payload_len, const char *header,
                              const char *const *secrets, size_t n_secrets, int64_t tolerance_s, int64_t now,
                              light_error *err);

#ifdef __cplusplus
}
#endif
#endif
