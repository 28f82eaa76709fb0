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

const char *light_error_kind_name(light_error_kind kind) {
  switch (kind) {
  case LIGHT_ERR_NONE: return "LightError"; /* never raised; a safe class to fall back on */
  case LIGHT_ERR_LIGHT: return "LightError";
  case LIGHT_ERR_API: return "APIError";
  case LIGHT_ERR_BAD_REQUEST: return "BadRequestError";
  case LIGHT_ERR_AUTHENTICATION: return "AuthenticationError";
  case LIGHT_ERR_PERMISSION_DENIED: return "PermissionDeniedError";
  case LIGHT_ERR_NOT_FOUND: return "NotFoundError";
  case LIGHT_ERR_CONFLICT: return "ConflictError";
  case LIGHT_ERR_UNPROCESSABLE_ENTITY: return "UnprocessableEntityError";
  case LIGHT_ERR_RATE_LIMIT: return "RateLimitError";
  case LIGHT_ERR_INTERNAL_SERVER: return "InternalServerError";
  case LIGHT_ERR_CONNECTION: return "APIConnectionError";
  case LIGHT_ERR_TIMEOUT: return "APITimeoutError";
  case LIGHT_ERR_SIGNATURE_VERIFICATION: return "SignatureVerificationError";
  case LIGHT_ERR_INVALID_ARGUMENT: return "InvalidArgumentError";
  /* Named like the OpenAI SDK's class for a 2xx body that is not what was expected. */
  case LIGHT_ERR_DECODE: return "APIResponseValidationError";
  }
  return "LightError";
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
