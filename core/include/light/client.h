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

#include "light/common.h"

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "light/error.h"
#include "light/operation.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct light_client light_client;
typedef struct light_response light_response;

/** Log severities passed to ::light_log_cb. */
typedef enum light_log_level {
  LIGHT_LOG_OFF = 0,
  LIGHT_LOG_ERROR = 1,
  LIGHT_LOG_INFO = 2,
  LIGHT_LOG_DEBUG = 3
} light_log_level;

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

/**
 * Abort check of blocking calls (light_call(), light_request()): return
 * nonzero to interrupt the call, which then fails with LIGHT_E_CANCELLED.
 * Called on the calling thread at least every 50 ms while the call waits:
 * during the transfer (also from libcurl's progress callback), during retry
 * backoff, rate-limiter waits and while another thread mints the account
 * token. An interrupted transfer's connection is closed, an interrupted
 * request is never retried, and the client stays usable. Must not call into
 * the client.
 */
typedef int (*light_abort_cb)(void *ud);

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
  light_jitter_cb jitter; /**< default: a thread-safe PRNG */
  void *jitter_ud;
  light_clock_cb clock; /**< default: CLOCK_REALTIME */
  void *clock_ud;
  light_abort_cb abort_check; /**< default NULL: blocking calls run to completion */
  void *abort_ud;
  /** Set by light_client_options_init(): the LIGHT_APP_TOKEN value app_token
   *  was defaulted to. While app_token still equals it and an account_token
   *  is given, the client is a bare account client (the environment's app
   *  token is not used). Callers leave it alone. */
  const char *env_app_token;
} light_client_options;

/**
 * @brief Fill @p opts with defaults for struct version @p version (pass
 * ::LIGHT_CLIENT_OPTIONS_VERSION), reading the environment variables named
 * by the option table (light/options.h: LIGHT_APP_TOKEN, LIGHT_BASE_URL,
 * LIGHT_LOG; pointers into the environment: copy or use before changing
 * it). This is the only place the SDK reads them; a value that does not
 * pass the option's checks (e.g. LIGHT_LOG=loud) is ignored.
 *
 * The version is the layout the caller was compiled against: a library that
 * does not know it refuses, instead of writing past a smaller struct.
 * @return LIGHT_OK; LIGHT_E_INVALID_ARGUMENT (opts NULL, or @p version 0 or
 *         newer than this library's ::LIGHT_CLIENT_OPTIONS_VERSION; opts is
 *         left untouched then).
 */
LIGHT_EXTERN(light_status) light_client_options_init(light_client_options *opts, unsigned version);

/**
 * @brief Create a client.
 * @param[out] out  new client; caller owns it and frees it with light_client_free().
 * @param opts      options (copied); NULL = defaults from the environment.
 * @param err       filled on failure.
 * @return LIGHT_OK; LIGHT_E_INVALID_ARGUMENT (out NULL, options version 0 or
 *         newer than the library, bad URL, CR/LF in a token or header value, no
 *         token at all, negative timeout or rate); LIGHT_E_NOMEM;
 *         LIGHT_E_INTERNAL (curl_global_init failed).
 * Thread safety: any thread; performs no I/O.
 */
LIGHT_EXTERN(light_status) light_client_new(light_client **out, const light_client_options *opts, light_error *err);

/**
 * @brief Free a client (and its pool). NULL-safe. Account clients derived
 * from it keep the shared state alive until they are freed too.
 */
LIGHT_EXTERN(void) light_client_free(light_client *client);

/**
 * @brief Derive an account-scoped client for @p account_uuid.
 *
 * Its requests carry an account token minted with
 * `POST /v1/app/accounts/{uuid}/token` using the parent's app token, cached
 * per account in the parent, refreshed token_refresh_margin_s before
 * expires_at, and re-minted once on a 401. Only one mint per account is in
 * flight at a time; concurrent callers wait for it. No I/O here.
 * @param[out] out caller owns; free with light_client_free().
 * @return LIGHT_OK; LIGHT_E_INVALID_ARGUMENT (out or app NULL, no app token,
 *         empty uuid, "." or "..", control characters); LIGHT_E_STATE (app
 *         created in another process, i.e. used after fork()); LIGHT_E_NOMEM.
 */
LIGHT_EXTERN(light_status)
light_client_for_account(light_client **out, light_client *app, const char *account_uuid, light_error *err);

/**
 * @brief light_client_for_account() with the uuid's length (@p uuid_len bytes, no NUL
 * terminator needed): what the bindings call, so a uuid holding NUL is refused
 * ("account_uuid contains a NUL byte") rather than cut.
 * @return as light_client_for_account().
 */
LIGHT_EXTERN(light_status)
light_client_for_account_n(light_client **out, light_client *app, const char *account_uuid, size_t uuid_len,
                           light_error *err);

#define LIGHT_CLIENT_OVERRIDES_VERSION 1

/**
 * Settings a derived client changes (light_client_with_options()). Initialise
 * with light_client_overrides_init(); zero / -1 / NULL keeps the base's value.
 * Strings are copied.
 */
typedef struct light_client_overrides {
  unsigned version;        /**< ::LIGHT_CLIENT_OVERRIDES_VERSION */
  long timeout_ms;         /**< total per attempt; 0 = keep */
  long connect_timeout_ms; /**< 0 = keep */
  int max_retries;         /**< -1 = keep; 0 disables retries */
  const char *app_info;    /**< appended to the User-Agent after a space, e.g. "MyApp/1.2 (https://my.app)";
                                printable ASCII, at most 512 characters; NULL = keep */
} light_client_overrides;

/** @brief Fill @p o with "keep everything". NULL-safe. */
LIGHT_EXTERN(void) light_client_overrides_init(light_client_overrides *o);

/**
 * @brief A client like @p base with some settings changed, sharing its
 * connection pool, account-token cache and rate limiter.
 *
 * The new handle has @p base's credentials and scope (app, bare account
 * token, or account derived with light_client_for_account()) and @p base's
 * own overrides, then those of @p o. Clients derived from it (for_account,
 * with_options) inherit them. No I/O here.
 * @param[out] out caller owns; free with light_client_free() (in any order with @p base).
 *            Freeing it closes nothing else; freeing the client light_client_new()
 *            made closes it, as it closes every client derived from that one.
 * @return LIGHT_OK, LIGHT_E_INVALID_ARGUMENT (negative timeout, max_retries < -1,
 *         app_info empty, too long or not printable ASCII), LIGHT_E_STATE (after fork), LIGHT_E_NOMEM.
 * Thread safety: any thread; @p base may be in use by other threads.
 */
LIGHT_EXTERN(light_status)
light_client_with_options(light_client **out, const light_client *base, const light_client_overrides *o,
                          light_error *err);

/** @brief 1 when the client can call @p auth operations (has that kind of credential). */
LIGHT_EXTERN(int) light_client_can(const light_client *client, light_auth_kind auth);

/** @brief Base URL in use, for display: any user:password@ shown as "[redacted]@" (borrowed, lives as long as the
 * client). */
LIGHT_EXTERN(const char *) light_client_base_url(const light_client *client);

/** @brief Account uuid of an account client derived with for_account, else NULL (borrowed). */
LIGHT_EXTERN(const char *) light_client_account_uuid(const light_client *client);

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
#define LIGHT_PARAMS_VERSION 1

typedef struct light_params {
  unsigned version;               /**< ::LIGHT_PARAMS_VERSION (LIGHT_PARAMS_INIT sets it) */
  const char *const *path_params; /**< values in the operation's path_params order */
  size_t n_path_params;
  const cJSON *query;     /**< object of scalars (string/number/bool); NULL = none */
  const cJSON *body;      /**< JSON body object; NULL = none (or {} where required) */
  const light_file *file; /**< multipart operations only */
  long timeout_ms;        /**< per-call total timeout override, 0 = client's */
  int max_retries;        /**< per-call override, -1 = client's */
} light_params;

/** Static initialiser of a ::light_params of this version. */
#define LIGHT_PARAMS_INIT \
  { LIGHT_PARAMS_VERSION, NULL, 0, NULL, NULL, NULL, 0, -1 }

/**
 * @brief Fill @p params with LIGHT_PARAMS_INIT for struct version @p version
 * (pass ::LIGHT_PARAMS_VERSION).
 * @return LIGHT_OK; LIGHT_E_INVALID_ARGUMENT (params NULL, or @p version 0 or
 *         newer than this library's ::LIGHT_PARAMS_VERSION).
 */
LIGHT_EXTERN(light_status) light_params_init(light_params *params, unsigned version);

/**
 * @brief cJSON_Delete() after overwriting every string value and object key
 *        of the tree with OPENSSL_cleanse.
 *
 * For request bodies that carried a secret (an SSN for credit_check): the
 * bindings free the bodies they build with it. NULL is a no-op.
 * Thread safety: the tree must not be in use by another thread.
 */
LIGHT_EXTERN(void) light_json_delete_wiped(cJSON *json);

/**
 * @brief Call operation @p op_id with the blocking transport.
 *
 * Validates everything before I/O (unknown op, wrong auth kind for this
 * client, path parameter count, required body fields, CR/LF), then sends,
 * retrying per the retry policy. Releases no locks the caller holds; blocks
 * the calling thread only.
 * @param[out] out response on LIGHT_OK (2xx); caller frees with light_response_free().
 * @return LIGHT_OK (2xx); LIGHT_E_INVALID_ARGUMENT (before any I/O: see
 *         light_exchange_new()); LIGHT_E_API (non-2xx after retries; err has
 *         the status, kind, message, request id, retry_after);
 *         LIGHT_E_CONNECTION (connect, TLS, send/receive failure, 3xx never
 *         followed is an LIGHT_E_API); LIGHT_E_TIMEOUT (connect timeout or
 *         total timeout); LIGHT_E_DECODE (2xx body not JSON, or a token mint
 *         without a token); LIGHT_E_TOO_LARGE (body over max_response_bytes);
 *         LIGHT_E_CANCELLED (the abort check fired); LIGHT_E_STATE (client
 *         used after fork()); LIGHT_E_NOMEM; LIGHT_E_INTERNAL (no multipart
 *         boundary could be drawn).
 */
LIGHT_EXTERN(light_status)
light_call(light_response **out, light_client *client, const char *op_id, const light_params *params, light_error *err);

/**
 * @brief Raw escape hatch: any method and path (e.g. "/v1/app/new-thing"),
 * JSON in, JSON out, same headers, retries and errors. Auth kind is taken
 * from the path prefix (/v1/app/ → app token, /v1/account → account token).
 * A POST is treated as non-idempotent.
 * @return as light_call(); LIGHT_E_INVALID_ARGUMENT also for a method that is
 *         not letters, a path not starting with "/", path parameters given, or
 *         both a body and a file.
 */
LIGHT_EXTERN(light_status)
light_request(light_response **out, light_client *client, const char *method, const char *path,
              const light_params *params, light_error *err);

/** @brief HTTP status of the final attempt. */
LIGHT_EXTERN(int) light_response_status(const light_response *resp);

/**
 * @brief Parsed JSON body (borrowed; lives until light_response_free()), or
 * NULL when the body was empty. The tree is built from the body on the first
 * call (thread-safe) by the core's parser (light/json.h; its cJSON builder):
 * callers that build their own values from light_response_body() never pay
 * for it. A string holding "\u0000" is cut there in the tree (cJSON strings
 * are C strings); light_json_parse() on the body delivers it whole.
 */
LIGHT_EXTERN(const cJSON *) light_response_json(const light_response *resp);

/** @brief Raw body bytes (borrowed), length in @p len (may be NULL). */
LIGHT_EXTERN(const char *) light_response_body(const light_response *resp, size_t *len);

/** @brief First header named @p name, case-insensitive (borrowed), or NULL. */
LIGHT_EXTERN(const char *) light_response_header(const light_response *resp, const char *name);

/** @brief Raw header block "Name: value\r\n"... (borrowed). */
LIGHT_EXTERN(const char *) light_response_headers(const light_response *resp, size_t *len);

/**
 * @brief Header @p i (0-based, in the order received; status lines and
 * malformed lines skipped) of @p resp: name and trimmed value, borrowed,
 * NUL-terminated, valid until light_response_free(). Names keep the
 * server's case. @return 1, or 0 when @p i is past the last header.
 */
LIGHT_EXTERN(int)
light_response_header_at(const light_response *resp, size_t i, const char **name, size_t *name_len, const char **value,
                         size_t *value_len);

/**
 * @brief Iterate the "Name: value\r\n" lines of a raw header block (a
 * response's light_response_headers() or a ::light_error's headers) as the
 * core parses them: status lines, lines without a colon and continuation
 * lines skipped, values trimmed. Start with *pos = 0. Pointers are into
 * @p block (not NUL-terminated: use the lengths).
 * @return 1 when a header was found (and *pos advanced), 0 at the end.
 */
LIGHT_EXTERN(int)
light_header_next(const char *block, size_t len, size_t *pos, const char **name, size_t *name_len, const char **value,
                  size_t *value_len);

/** @brief Request id header of the response, or NULL (borrowed). */
LIGHT_EXTERN(const char *) light_response_request_id(const light_response *resp);

/** @brief Retries performed before this response. */
LIGHT_EXTERN(int) light_response_retries(const light_response *resp);

/** @brief Take ownership of the parsed JSON (caller frees with cJSON_Delete); the response keeps NULL. */
LIGHT_EXTERN(cJSON *) light_response_take_json(light_response *resp);

/** @brief Free a response. NULL-safe. */
LIGHT_EXTERN(void) light_response_free(light_response *resp);

/**
 * @brief Pagination: query for the page after @p resp of a paginated operation.
 *
 * Reads the list envelope {data, has_more, limit, offset, next_page_url} and
 * builds the next request's query by copying @p prev_query (may be NULL) with
 * offset advanced.
 * @param[out] next_query caller owns (cJSON_Delete) when 1 is returned.
 * A body that is a bare JSON array is one page with no next (0). Following
 * the envelope's next_page_url, when the host prefers it, is the language
 * package's job (it needs the base URL to refuse another host).
 * @param err  filled when a negative status is returned (may be NULL): for
 *             LIGHT_E_DECODE the kind is LIGHT_ERR_DECODE (the class
 *             APIResponseValidationError) with the response's HTTP status,
 *             retries and request id, so bindings raise it as it is.
 * @return 1 when there is a next page, 0 when this was the last, or a negative
 *         light_status: LIGHT_E_DECODE (the body is neither a list envelope
 *         nor an array), LIGHT_E_INVALID_ARGUMENT (NULL resp/next_query,
 *         prev_query not an object), LIGHT_E_NOMEM.
 */
LIGHT_EXTERN(int)
light_page_next_query(cJSON **next_query, const light_response *resp, const cJSON *prev_query, light_error *err);

#ifdef __cplusplus
}
#endif
#endif
