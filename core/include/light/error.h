/**
 * @file light/error.h
 * @brief Status codes and the caller-owned error object.
 *
 * Every fallible call returns a ::light_status and, when it is not
 * ::LIGHT_OK, fills a ::light_error the caller passed in. There is no global
 * error state: the error object belongs to the caller, lives on the caller's
 * stack or heap, and its strings are released by light_error_clear().
 */
#ifndef LIGHT_ERROR_H
#define LIGHT_ERROR_H

#include "light/common.h"

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Result of a fallible call. Numbers are fixed forever: never renumber. */
typedef enum light_status {
  LIGHT_OK = 0,
  LIGHT_E_INVALID_ARGUMENT = -1, /**< bad input caught before any I/O */
  LIGHT_E_NOMEM = -2,            /**< allocation failed */
  LIGHT_E_API = -3,              /**< the server answered with a non-2xx status */
  LIGHT_E_CONNECTION = -4,       /**< could not talk to the server (DNS, connect, reset, TLS) */
  LIGHT_E_TIMEOUT = -5,          /**< connect or total timeout expired */
  LIGHT_E_DECODE = -6,           /**< a 2xx body that is not the JSON we expected */
  LIGHT_E_TOO_LARGE = -7,        /**< response body over the client's size cap */
  LIGHT_E_SIGNATURE = -8,        /**< webhook signature verification failed */
  LIGHT_E_CANCELLED = -9,        /**< request cancelled by the caller */
  LIGHT_E_STATE = -10,           /**< call made in the wrong state (e.g. after fork, on a closed client) */
  LIGHT_E_INTERNAL = -11         /**< bug or unexpected library failure */
} light_status;

/**
 * Error kind: the class a binding raises. Names match DESIGN.md's classes.
 * Numbers are fixed forever.
 */
typedef enum light_error_kind {
  LIGHT_ERR_NONE = 0,
  LIGHT_ERR_LIGHT = 1,                   /**< LightError (generic / local) */
  LIGHT_ERR_API = 2,                     /**< APIError, status without a dedicated class */
  LIGHT_ERR_BAD_REQUEST = 3,             /**< 400 */
  LIGHT_ERR_AUTHENTICATION = 4,          /**< 401 */
  LIGHT_ERR_PERMISSION_DENIED = 5,       /**< 403 */
  LIGHT_ERR_NOT_FOUND = 6,               /**< 404 */
  LIGHT_ERR_CONFLICT = 7,                /**< 409 */
  LIGHT_ERR_UNPROCESSABLE_ENTITY = 8,    /**< 422 */
  LIGHT_ERR_RATE_LIMIT = 9,              /**< 429 */
  LIGHT_ERR_INTERNAL_SERVER = 10,        /**< >= 500 */
  LIGHT_ERR_CONNECTION = 11,             /**< APIConnectionError */
  LIGHT_ERR_TIMEOUT = 12,                /**< APITimeoutError (a kind of connection error) */
  LIGHT_ERR_SIGNATURE_VERIFICATION = 13, /**< SignatureVerificationError */
  LIGHT_ERR_INVALID_ARGUMENT = 14,       /**< local misuse: bindings raise TypeError/ValueError */
  LIGHT_ERR_DECODE = 15                  /**< APIError subclass-free: 2xx with undecodable body */
} light_error_kind;

/** Why a webhook signature was refused (light_error::signature_reason). */
typedef enum light_signature_reason {
  LIGHT_SIG_OK = 0,
  LIGHT_SIG_MALFORMED_HEADER = 1,    /**< empty, no dot, bad timestamp, bad hex, wrong length */
  LIGHT_SIG_TIMESTAMP_TOO_OLD = 2,   /**< older than the tolerance */
  LIGHT_SIG_TIMESTAMP_IN_FUTURE = 3, /**< further in the future than the tolerance */
  LIGHT_SIG_MISMATCH = 4,            /**< no secret produced this signature */
  LIGHT_SIG_NO_SECRET = 5            /**< no (non-empty) secret was given */
} light_signature_reason;

/**
 * Caller-owned error detail. Initialise with ::LIGHT_ERROR_INIT (or zero it);
 * release with light_error_clear(). A call that fills it first clears what
 * was there, so one object may be reused across calls.
 *
 * Strings are owned by the object, NUL-terminated, and never contain a token,
 * secret or SSN. Pointers may be NULL when the detail is unknown.
 */
typedef struct light_error {
  light_status code;     /**< same value the call returned */
  light_error_kind kind; /**< class for bindings */
  int http_status;       /**< HTTP status, 0 when no response */
  int retries;           /**< retries performed before giving up */
  int signature_reason;  /**< a ::light_signature_reason for LIGHT_E_SIGNATURE */
  char *message;         /**< human text (from detail/error/message of the body when present) */
  char *request_id;      /**< server request id header, if any */
  char *body;            /**< raw response body (may hold NULs; see body_len) */
  size_t body_len;
  char *headers; /**< raw response headers, "Name: value\r\n" lines */
  size_t headers_len;
  double retry_after; /**< seconds from Retry-After, -1 when absent */
  const char *param;  /**< static name of the offending argument for INVALID_ARGUMENT, or NULL */
} light_error;

#define LIGHT_ERROR_INIT \
  { LIGHT_OK, LIGHT_ERR_NONE, 0, 0, 0, NULL, NULL, NULL, 0, NULL, 0, -1.0, NULL }

/**
 * @brief Release the strings held by @p err and reset it to ::LIGHT_ERROR_INIT.
 * NULL-safe. Thread safety: the object is not shared; no locking.
 */
LIGHT_EXTERN(void) light_error_clear(light_error *err);

/**
 * @brief Fill @p err (cleared first) with @p code, @p kind, @p param (static,
 * may be NULL) and a copy of @p message (NULL = light_strerror(@p code)):
 * for errors a binding raises itself (a closed client, a cancelled call), so
 * they reach the same conversion as the core's. NULL-safe.
 * @return @p code
 */
LIGHT_EXTERN(light_status)
light_error_set(light_error *err, light_status code, light_error_kind kind, const char *param, const char *message);

/**
 * @brief Static English description of a status code. Never NULL, never free.
 */
LIGHT_EXTERN(const char *) light_strerror(light_status code);

/**
 * @brief Static name of an error kind as the bindings spell their classes:
 * "LightError", "APIError", "BadRequestError", ..., "SignatureVerificationError".
 */
LIGHT_EXTERN(const char *) light_error_kind_name(light_error_kind kind);

/**
 * @brief The error kinds as data, for bindings that build their class tree
 * from the core: kinds are numbered 1 .. light_error_kind_count() - 1, and a
 * parent always has a smaller number than its children, so creating the
 * classes in numeric order creates every base first.
 */
LIGHT_EXTERN(size_t) light_error_kind_count(void);

/** @brief Parent kind of @p kind (LIGHT_ERR_NONE for LightError, the root). */
LIGHT_EXTERN(light_error_kind) light_error_kind_parent(light_error_kind kind);

/** @brief HTTP status the kind stands for (400, 401, ...; 500 means any status >= 500), or 0. */
LIGHT_EXTERN(int) light_error_kind_http_status(light_error_kind kind);

/** @brief One-line static documentation of the kind (for docstrings and generated docs). */
LIGHT_EXTERN(const char *) light_error_kind_doc(light_error_kind kind);

/** @brief Kind whose name is @p name ("NotFoundError"), or LIGHT_ERR_NONE. */
LIGHT_EXTERN(light_error_kind) light_error_kind_find(const char *name);

/**
 * @brief Static snake_case reason name ("malformed_header", "timestamp_too_old",
 * "timestamp_in_future", "signature_mismatch", "no_secret"; "ok" for 0).
 */
LIGHT_EXTERN(const char *) light_signature_reason_name(int reason);

#ifdef __cplusplus
}
#endif
#endif
