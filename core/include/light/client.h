/**
 * @file light/client.h
 * @brief Clients, requests and responses (blocking transport).
 *
 * A ::light_client holds configuration, credentials, the account-token cache,
 * the optional rate limiter and a libcurl connection pool. It is created with
 * light_client_new() (app token and/or a bare account token) or derived with
 * light_client_for_account() (account scope, token minted and refreshed by
 * the core).
 *
 * Thread rule: a client may be shared by any number of threads; each blocking
 * call borrows its own libcurl easy handle from the client's pool, and all
 * handles share one connection cache. Options are read-only after creation.
 * light_client_free() must not race with calls in progress on that client.
 *
 * Secrets: the client's copies of the app token, bare account token and
 * proxy URL, every minted account token (cache and per-call copies), the
 * Authorization header lines (the core's and libcurl's slist copies), request
 * bodies (credit_check carries an SSN) and token mint responses are
 * overwritten with OPENSSL_cleanse before their memory is freed. The debug
 * log (LIGHT_LOG=debug) prints `Authorization: Bearer [redacted]`, never a
 * body or a query value. Not covered: libcurl's internal send buffer and
 * TLS records, and copies the caller or a language runtime holds (free JSON
 * bodies that carried secrets with light_json_delete_wiped()).
 */
#ifndef LIGHT_CLIENT_H
#define LIGHT_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "light/error.h"
#include "light/operation.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Public API: exported from liblight.so although the core builds with
   -fvisibility=hidden (internals, light__*, stay hidden). */
#if defined(__GNUC__)
#pragma GCC visibility push(default)
#endif

typedef struct light_client light_client;
typedef struct light_response light_response;

/** Log severities passed to ::light_log_cb. */
typedef enum light_log_level { LIGHT_LOG_OFF = 0, LIGHT_LOG_ERROR = 1, LIGHT_LOG_INFO = 2, LIGHT_LOG_DEBUG = 3 } light_log_level;

/**
 * Log sink. @p line is one redacted line without newline (never contains a
 * token, secret or SSN), valid only during the call. May be called from any
 * thread that performs a request.
 */
typedef void (*light_log_cb)(void *ud, light_log_level level, const char *line);

/** Jitter source: return a value in [0, 1). Tests inject a fixed one. */
typedef double (*light_jitter_cb)(void *ud);

/** Wall clock in milliseconds since the Unix epoch. Tests inject a fake one. */
typedef int64_t (*light_clock_cb)(void *ud);

#define LIGHT_CLIENT_OPTIONS_VERSION 1

/**
 * Client configuration. Initialise with light_client_options_init(), then set
 * fields. Strings are copied by light_client_new(); the struct may be freed
 * right after. Zero/NULL means "default" for every field.
 */
typedef struct light_client_options {
  unsigned version;               /**< ::LIGHT_CLIENT_OPTIONS_VERSION */
  const char *app_token;          /**< default: env LIGHT_APP_TOKEN (by init) */
  const char *account_token;      /**< bare account token (no app token needed) */
  const char *base_url;           /**< default: env LIGHT_BASE_URL, else https://api.light.dev */
  long timeout_ms;                /**< total per attempt, default 60000 */
  long connect_timeout_ms;        /**< default 10000 */
  int max_retries;                /**< default 2; -1 also means default; 0 disables */
  double retry_base_s;            /**< first backoff, default 0.5 s */
  double retry_max_s;             /**< backoff cap, default 8 s */
  double retry_after_cap_s;       /**< longest Retry-After honoured, default 60 s */
  const char *ca_file;            /**< PEM bundle; default: system store */
  const char *proxy;              /**< libcurl proxy URL */
  int insecure_skip_verify;       /**< 1 = do not verify TLS (loopback tests only) */
  size_t max_response_bytes;      /**< body cap, default 64 MiB */
  int rate_limit;                 /**< 1 = client-side limiter on (default off) */
  int app_rate_per_s;             /**< default 30 */
  int account_rate_per_s;         /**< default 10 */
  long token_refresh_margin_s;    /**< refresh account tokens this early, default 600 */
  const char *user_agent_runtime; /**< e.g. "python/3.11.7"; appended to User-Agent */
  light_log_level log_level;      /**< default: env LIGHT_LOG (debug|info|error), else off */
  light_log_cb log_cb;            /**< default: stderr when log_level > OFF */
  void *log_ud;
  light_jitter_cb jitter;         /**< default: a thread-safe PRNG */
  void *jitter_ud;
  light_clock_cb clock;           /**< default: CLOCK_REALTIME */
  void *clock_ud;
} light_client_options;

/**
 * @brief Fill @p opts with defaults, reading LIGHT_APP_TOKEN, LIGHT_BASE_URL and
 * LIGHT_LOG from the environment (pointers into the environment: copy or use
 * before changing it). NULL-safe.
 */
void light_client_options_init(light_client_options *opts);

/**
 * @brief Create a client.
 * @param[out] out  new client; caller owns it and frees it with light_client_free().
 * @param opts      options (copied); NULL = defaults from the environment.
 * @param err       filled on failure.
 * @return LIGHT_OK, LIGHT_E_INVALID_ARGUMENT (bad URL, CR/LF in a token or
 *         header value, no token at all), LIGHT_E_NOMEM.
 * Thread safety: any thread; performs no I/O.
 */
light_status light_client_new(light_client **out, const light_client_options *opts, light_error *err);

/**
 * @brief Free a client (and its pool). NULL-safe. Account clients derived
 * from it keep the shared state alive until they are freed too.
 */
void light_client_free(light_client *client);

/**
 * @brief Derive an account-scoped client for @p account_uuid.
 *
 * Its requests carry an account token minted with
 * `POST /v1/app/accounts/{uuid}/token` using the parent's app token, cached
 * per account in the parent, refreshed token_refresh_margin_s before
 * expires_at, and re-minted once on a 401. Only one mint per account is in
 * flight at a time; concurrent callers wait for it. No I/O here.
 * @param[out] out caller owns; free with light_client_free().
 * @return LIGHT_OK, LIGHT_E_INVALID_ARGUMENT (no app token, bad uuid), LIGHT_E_NOMEM.
 */
light_status light_client_for_account(light_client *app, const char *account_uuid, light_client **out,
                                      light_error *err);

/** @brief 1 when the client can call @p auth operations (has that kind of credential). */
int light_client_can(const light_client *client, light_auth_kind auth);

/** @brief Base URL in use (borrowed, lives as long as the client). */
const char *light_client_base_url(const light_client *client);

/** @brief Account uuid of an account client derived with for_account, else NULL (borrowed). */
const char *light_client_account_uuid(const light_client *client);

/** A file for multipart upload. Borrowed for the duration of the call. */
typedef struct light_file {
  const char *field;        /**< form field, default "file" */
  const char *filename;     /**< default "upload.pdf" */
  const char *content_type; /**< default "application/pdf" */
  const void *data;
  size_t len;
} light_file;

/**
 * Per-call parameters. Every pointer is borrowed for the duration of the call
 * (for the async engine: until light_engine_submit() returns; it copies).
 */
typedef struct light_params {
  const char *const *path_params; /**< values in the operation's path_params order */
  size_t n_path_params;
  const cJSON *query;             /**< object of scalars (string/number/bool); NULL = none */
  const cJSON *body;              /**< JSON body object; NULL = none (or {} where required) */
  const light_file *file;         /**< multipart operations only */
  long timeout_ms;                /**< per-call total timeout override, 0 = client's */
  int max_retries;                /**< per-call override, -1 = client's */
} light_params;

#define LIGHT_PARAMS_INIT {NULL, 0, NULL, NULL, NULL, 0, -1}

/**
 * @brief cJSON_Delete() after overwriting every string value and object key
 *        of the tree with OPENSSL_cleanse.
 *
 * For request bodies that carried a secret (an SSN for credit_check): the
 * bindings free the bodies they build with it. NULL is a no-op.
 * Thread safety: the tree must not be in use by another thread.
 */
void light_json_delete_wiped(cJSON *json);

/**
 * @brief Call operation @p op_id with the blocking transport.
 *
 * Validates everything before I/O (unknown op, wrong auth kind for this
 * client, path parameter count, required body fields, CR/LF), then sends,
 * retrying per the retry policy. Releases no locks the caller holds; blocks
 * the calling thread only.
 * @param[out] out response on LIGHT_OK (2xx); caller frees with light_response_free().
 * @return LIGHT_OK, LIGHT_E_INVALID_ARGUMENT, LIGHT_E_API, LIGHT_E_CONNECTION,
 *         LIGHT_E_TIMEOUT, LIGHT_E_DECODE, LIGHT_E_TOO_LARGE, LIGHT_E_NOMEM, LIGHT_E_STATE.
 */
light_status light_call(light_client *client, const char *op_id, const light_params *params,
                        light_response **out, light_error *err);

/**
 * @brief Raw escape hatch: any method and path (e.g. "/v1/app/new-thing"),
 * JSON in, JSON out, same headers, retries and errors. Auth kind is taken
 * from the path prefix (/v1/app/ → app token, /v1/account → account token).
 * A POST is treated as non-idempotent. Return codes as light_call().
 */
light_status light_request(light_client *client, const char *method, const char *path,
                           const light_params *params, light_response **out, light_error *err);

/** @brief HTTP status of the final attempt. */
int light_response_status(const light_response *resp);

/**
 * @brief Parsed JSON body (borrowed; lives until light_response_free()), or
 * NULL when the body was empty. The tree is built from the body on the first
 * call (thread-safe) by the core's parser (light/json.h; its cJSON builder):
 * callers that build their own values from light_response_body() never pay
 * for it. A string holding "\u0000" is cut there in the tree (cJSON strings
 * are C strings); light_json_parse() on the body delivers it whole.
 */
const cJSON *light_response_json(const light_response *resp);

/** @brief Raw body bytes (borrowed), length in @p len (may be NULL). */
const char *light_response_body(const light_response *resp, size_t *len);

/** @brief First header named @p name, case-insensitive (borrowed), or NULL. */
const char *light_response_header(const light_response *resp, const char *name);

/** @brief Raw header block "Name: value\r\n"... (borrowed). */
const char *light_response_headers(const light_response *resp, size_t *len);

/** @brief Request id header of the response, or NULL (borrowed). */
const char *light_response_request_id(const light_response *resp);

/** @brief Retries performed before this response. */
int light_response_retries(const light_response *resp);

/** @brief Take ownership of the parsed JSON (caller frees with cJSON_Delete); the response keeps NULL. */
cJSON *light_response_take_json(light_response *resp);

/** @brief Free a response. NULL-safe. */
void light_response_free(light_response *resp);

/**
 * @brief Pagination: query for the page after @p resp of a paginated operation.
 *
 * Reads the list envelope {data, has_more, limit, offset, next_page_url} and
 * builds the next request's query by copying @p prev_query (may be NULL) with
 * offset advanced.
 * @param[out] next_query caller owns (cJSON_Delete) when 1 is returned.
 * @return 1 when there is a next page, 0 when this was the last, or a negative
 *         light_status (LIGHT_E_DECODE when the body is not a list envelope).
 */
int light_page_next_query(const light_response *resp, const cJSON *prev_query, cJSON **next_query);

#if defined(__GNUC__)
#pragma GCC visibility pop
#endif

#ifdef __cplusplus
}
#endif
#endif
