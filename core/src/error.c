/* The caller-owned error object (light/error.h) and its internal setters
 * (light__error_set, light__strdup, declared in codec.h). No global state:
 * every detail lives in the light_error the caller passed in. */
#include "light/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"

void light_error_clear(light_error *err) {
  if (!err) return;
  free(err->message);
  free(err->request_id);
  free(err->body);
  free(err->headers);
  light_error init = LIGHT_ERROR_INIT;
  *err = init;
}

const char *light_strerror(light_status code) {
  switch (code) {
  case LIGHT_OK: return "success";
  case LIGHT_E_INVALID_ARGUMENT: return "invalid argument";
  case LIGHT_E_NOMEM: return "out of memory";
  case LIGHT_E_API: return "the API answered with an error status";
  case LIGHT_E_CONNECTION: return "could not connect to the API";
  case LIGHT_E_TIMEOUT: return "request timed out";
  case LIGHT_E_DECODE: return "response body could not be decoded";
  case LIGHT_E_TOO_LARGE: return "response body over the size limit";
  case LIGHT_E_SIGNATURE: return "webhook signature verification failed";
  case LIGHT_E_CANCELLED: return "request cancelled";
  case LIGHT_E_STATE: return "call made in the wrong state";
  case LIGHT_E_INTERNAL: return "internal error";
  }
  return "unknown status";
}

/* The error kinds as data: the class tree every binding builds from. Row i
 * is kind i; a parent comes before its children. */
typedef struct kind_row {
  const char *name;
  light_error_kind parent; /* LIGHT_ERR_NONE: the root */
  int http_status;         /* 0 = not an HTTP status class; 500 = any status >= 500 */
  const char *doc;
} kind_row;

static const kind_row KINDS[] = {
    [LIGHT_ERR_NONE] = {"LightError", LIGHT_ERR_NONE, 0, "never raised; a safe class to fall back on"},
    [LIGHT_ERR_LIGHT] = {"LightError", LIGHT_ERR_NONE, 0, "Base class of every error raised by light."},
    [LIGHT_ERR_API] = {"APIError", LIGHT_ERR_LIGHT, 0,
                       "The server answered with an error status. Attributes: status, body, request_id, headers."},
    [LIGHT_ERR_BAD_REQUEST] = {"BadRequestError", LIGHT_ERR_API, 400, "HTTP 400."},
    [LIGHT_ERR_AUTHENTICATION] = {"AuthenticationError", LIGHT_ERR_API, 401,
                                  "HTTP 401: token missing, invalid or expired."},
    [LIGHT_ERR_PERMISSION_DENIED] = {"PermissionDeniedError", LIGHT_ERR_API, 403, "HTTP 403."},
    [LIGHT_ERR_NOT_FOUND] = {"NotFoundError", LIGHT_ERR_API, 404, "HTTP 404."},
    [LIGHT_ERR_CONFLICT] = {"ConflictError", LIGHT_ERR_API, 409, "HTTP 409."},
    [LIGHT_ERR_UNPROCESSABLE_ENTITY] = {"UnprocessableEntityError", LIGHT_ERR_API, 422,
                                        "HTTP 422: the request is valid JSON but not acceptable now."},
    [LIGHT_ERR_RATE_LIMIT] = {"RateLimitError", LIGHT_ERR_API, 429, "HTTP 429 after the retries allowed."},
    [LIGHT_ERR_INTERNAL_SERVER] = {"InternalServerError", LIGHT_ERR_API, 500, "HTTP 5xx after the retries allowed."},
    [LIGHT_ERR_CONNECTION] = {"APIConnectionError", LIGHT_ERR_LIGHT, 0,
                              "Could not talk to the server (DNS, connect, reset, TLS)."},
    [LIGHT_ERR_TIMEOUT] = {"APITimeoutError", LIGHT_ERR_CONNECTION, 0, "The request timed out."},
    [LIGHT_ERR_SIGNATURE_VERIFICATION] = {"SignatureVerificationError", LIGHT_ERR_LIGHT, 0,
                                          "A webhook signature did not verify. Attribute: reason (malformed_header, "
                                          "timestamp_too_old, timestamp_in_future, signature_mismatch, no_secret)."},
    [LIGHT_ERR_INVALID_ARGUMENT] = {"InvalidArgumentError", LIGHT_ERR_LIGHT, 0,
                                    "Local misuse caught before any I/O (Python TypeError/ValueError, Node "
                                    "TypeError, Lua err.kind)."},
    /* Named like the OpenAI SDK's class for a 2xx body that is not what was expected;
     * also a validly signed webhook body that is no event envelope. */
    [LIGHT_ERR_DECODE] = {"APIResponseValidationError", LIGHT_ERR_API, 0,
                          "A 2xx response whose body is not the JSON expected, or a validly signed webhook body "
                          "that is not an event envelope."},
};

#define N_KINDS (sizeof KINDS / sizeof KINDS[0])

size_t light_error_kind_count(void) { return N_KINDS; }

const char *light_error_kind_name(light_error_kind kind) {
  return (size_t)kind < N_KINDS ? KINDS[kind].name : "LightError";
}

light_error_kind light_error_kind_parent(light_error_kind kind) {
  return (size_t)kind < N_KINDS ? KINDS[kind].parent : LIGHT_ERR_NONE;
}

int light_error_kind_http_status(light_error_kind kind) { return (size_t)kind < N_KINDS ? KINDS[kind].http_status : 0; }

const char *light_error_kind_doc(light_error_kind kind) { return (size_t)kind < N_KINDS ? KINDS[kind].doc : ""; }

light_error_kind light_error_kind_find(const char *name) {
  if (!name) return LIGHT_ERR_NONE;
  for (size_t k = 1; k < N_KINDS; k++)
    if (strcmp(KINDS[k].name, name) == 0) return (light_error_kind)k;
  return LIGHT_ERR_NONE;
}

const char *light_signature_reason_name(int reason) {
  switch (reason) {
  case LIGHT_SIG_OK: return "ok";
  case LIGHT_SIG_MALFORMED_HEADER: return "malformed_header";
  case LIGHT_SIG_TIMESTAMP_TOO_OLD: return "timestamp_too_old";
  case LIGHT_SIG_TIMESTAMP_IN_FUTURE: return "timestamp_in_future";
  case LIGHT_SIG_MISMATCH: return "signature_mismatch";
  case LIGHT_SIG_NO_SECRET: return "no_secret";
  default: return "unknown";
  }
}

char *light__strdup(const char *s) {
  if (!s) return NULL;
  size_t n = strlen(s) + 1;
  char *d = malloc(n);
  if (d) memcpy(d, s, n);
  return d;
}

light_status light__error_set(light_error *err, light_status code, light_error_kind kind, const char *fmt, ...) {
  if (!err) return code;
  light_error_clear(err);
  err->code = code;
  err->kind = kind;
  if (fmt) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n >= 0) {
      char *m = malloc((size_t)n + 1);
      if (m) {
        va_start(ap, fmt);
        vsnprintf(m, (size_t)n + 1, fmt, ap);
        va_end(ap);
        err->message = m;
      }
    }
  }
  return code;
}

light_status light_error_set(light_error *err, light_status code, light_error_kind kind, const char *param,
                             const char *message) {
  if (!err) return code;
  light__error_set(err, code, kind, "%s", message ? message : light_strerror(code));
  err->param = param;
  return code;
}
