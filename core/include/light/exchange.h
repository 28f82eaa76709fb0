/**
 * @file light/exchange.h
 * @brief Sans-I/O request state machine: the one implementation of a Light
 * call (token minting and refresh, headers, retries, backoff, rate limiting,
 * response classification) that every transport drives.
 *
 * The blocking transport (light_call()), the async engine (light/engine.h)
 * and hosts with their own I/O (nginx cosockets in the Lua binding) all do
 * the same loop:
 *
 *     light_exchange *c; light_exchange_new(&c, client, "get_account", &params, &err);
 *     for (;;) {
 *       light_http_request req; long delay;
 *       light_step s = light_exchange_next(&req, &delay, c);
 *       if (s == LIGHT_STEP_DONE) break;
 *       if (s == LIGHT_STEP_WAIT || s == LIGHT_STEP_WAIT_TOKEN) { sleep(delay); continue; }
 *       ...perform req... then light_exchange_feed_response() or light_exchange_feed_failure()
 *     }
 *     st = light_exchange_finish(&resp, c, &err); light_exchange_free(c);
 *
 * A call may issue more than one HTTP request (a token mint before the real
 * request, a re-mint after a 401, retries). Thread rule: one light_call is
 * used by one thread at a time; calls of the same client may run on many
 * threads at once.
 */
#ifndef LIGHT_EXCHANGE_H
#define LIGHT_EXCHANGE_H

#include "light/common.h"

#include <stddef.h>

#include "light/client.h"
#include "light/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct light_exchange light_exchange;

/**
 * One HTTP request to perform. Every pointer is owned by the call and valid
 * until the next light_exchange_feed_*() or light_exchange_free().
 */
typedef struct light_http_request {
  const char *method;         /**< "GET", "POST", ... */
  const char *url;            /**< absolute URL */
  const char *const *headers; /**< "Name: value" lines (no CR/LF), n_headers of them */
  size_t n_headers;
  const char *body; /**< NULL when no body */
  size_t body_len;
  long timeout_ms; /**< total timeout for this attempt */
  long connect_timeout_ms;
  size_t max_response_bytes; /**< abort and feed LIGHT_FAIL_TOO_LARGE past this */
  int attempt;               /**< 0 for the first send of this request */
  int is_token_mint;         /**< 1 when this is the account-token mint, not the caller's request */
} light_http_request;

/** What the host must do next. */
typedef enum light_step {
  LIGHT_STEP_SEND = 1,       /**< perform the request, then feed the outcome */
  LIGHT_STEP_WAIT = 2,       /**< wait delay_ms (backoff, Retry-After, rate limiter), then call next */
  LIGHT_STEP_WAIT_TOKEN = 3, /**< another call is minting this account's token: call next after delay_ms */
  LIGHT_STEP_DONE = 4        /**< call light_exchange_finish() */
} light_step;

/** Transport outcomes other than an HTTP response. Fixed numbers. */
typedef enum light_transport_failure {
  LIGHT_FAIL_CONNECT = 1,    /**< never reached the server: refused, DNS, TLS handshake */
  LIGHT_FAIL_TLS_VERIFY = 2, /**< certificate/hostname verification failed: never retried */
  LIGHT_FAIL_TIMEOUT = 3,    /**< total timeout after connecting (may have reached the server) */
  LIGHT_FAIL_SEND = 4,       /**< broke while sending (may have reached the server) */
  LIGHT_FAIL_RECV = 5,       /**< reset, empty reply or truncated while receiving */
  LIGHT_FAIL_TOO_LARGE = 6,  /**< response body over max_response_bytes */
  LIGHT_FAIL_CANCELLED = 7,  /**< host cancelled */
  LIGHT_FAIL_OTHER = 8,
  LIGHT_FAIL_CONNECT_TIMEOUT = 9 /**< the connect did not finish in time: never reached the server */
} light_transport_failure;

/**
 * @brief Validate and prepare a call of operation @p op_id. No I/O.
 * @param[out] out caller owns; free with light_exchange_free().
 * @return LIGHT_OK; LIGHT_E_INVALID_ARGUMENT (out or client NULL, unknown op,
 *         wrong client kind, path parameter count, empty or dot-segment path
 *         parameter, missing required field, query not an object of scalars,
 *         body not an object or given to a body-less operation, file given to
 *         a non-multipart operation, CR/LF, negative timeout); LIGHT_E_STATE
 *         (client used after fork()); LIGHT_E_NOMEM; LIGHT_E_INTERNAL (no
 *         multipart boundary could be drawn).
 */
LIGHT_EXTERN(light_status)
light_exchange_new(light_exchange **out, light_client *client, const char *op_id, const light_params *params,
                   light_error *err);

/**
 * @brief As light_exchange_new() for the raw escape hatch (see light_request()).
 * @return as light_exchange_new(); LIGHT_E_INVALID_ARGUMENT also for a method
 *         that is not letters, a path not starting with "/", path parameters,
 *         or both a body and a file.
 */
LIGHT_EXTERN(light_status)
light_exchange_new_raw(light_exchange **out, light_client *client, const char *method, const char *path,
                       const light_params *params, light_error *err);

/**
 * @brief Advance the state machine.
 * @param[out] req      filled when LIGHT_STEP_SEND is returned.
 * @param[out] delay_ms filled for LIGHT_STEP_WAIT / LIGHT_STEP_WAIT_TOKEN.
 */
LIGHT_EXTERN(light_step) light_exchange_next(light_http_request *req, long *delay_ms, light_exchange *call);

/**
 * @brief Feed the HTTP response of the last SEND. Copies what it keeps.
 * @p headers is the raw header block ("Name: value\r\n" lines; a status line
 * is tolerated and skipped).
 */
LIGHT_EXTERN(void)
light_exchange_feed_response(light_exchange *call, int status, const char *headers, size_t headers_len,
                             const char *body, size_t body_len);

/** @brief Feed a transport failure of the last SEND. @p detail may be NULL; it is copied. */
LIGHT_EXTERN(void)
light_exchange_feed_failure(light_exchange *call, light_transport_failure failure, const char *detail);

/**
 * @brief Outcome once light_exchange_next() returned LIGHT_STEP_DONE.
 * @param[out] out the 2xx response (caller frees) on LIGHT_OK.
 * @return the call's outcome, as light_call() (LIGHT_E_CANCELLED when a
 *         transport fed LIGHT_FAIL_CANCELLED); LIGHT_E_INVALID_ARGUMENT (call
 *         NULL); LIGHT_E_STATE (called before LIGHT_STEP_DONE).
 */
LIGHT_EXTERN(light_status) light_exchange_finish(light_response **out, light_exchange *call, light_error *err);

/** @brief The operation of the call, or NULL for a raw call. */
LIGHT_EXTERN(const light_operation *) light_exchange_operation(const light_exchange *call);

/** @brief Free a call at any point (abandoning it). NULL-safe. */
LIGHT_EXTERN(void) light_exchange_free(light_exchange *call);

#ifdef __cplusplus
}
#endif
#endif
