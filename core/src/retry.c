/* The retry policy: the only place that decides whether and when an attempt
 * is repeated (contract in codec.h). Pure function; jitter is injected. */
#include <limits.h>
#include <math.h>

#include "codec.h"

/* May this outcome be retried at all, given whether the operation is idempotent? */
static int retryable(int idempotent, int http_status, int failure) {
  if (http_status == 0) {
    switch (failure) {
    case LIGHT_FAIL_CONNECT:
    case LIGHT_FAIL_CONNECT_TIMEOUT: return 1; /* never reached the server */
    case LIGHT_FAIL_TIMEOUT:
    case LIGHT_FAIL_SEND:
    case LIGHT_FAIL_RECV: return idempotent; /* may have reached it */
    default: return 0;                       /* TLS verification, size cap, cancel, unknown: repeating cannot help */
    }
  }
  if (http_status == 429) return 1; /* refused before processing */
  if (http_status == 408 || http_status == 409 || http_status >= 500) return idempotent;
  return 0;
}

long light__retry_delay(const light__retry_policy *p, int retries_done, int idempotent, int http_status, int failure,
                        double retry_after_s, double jitter01) {
  if (!p || retries_done < 0 || retries_done >= p->max_retries) return -1;
  if (!retryable(idempotent, http_status, failure)) return -1;
  if (retry_after_s >= 0) { /* NaN compares false: treated as absent */
    if (retry_after_s > p->retry_after_cap_s) return -1;
    double ms = ceil(retry_after_s * 1000.0);
    return ms < (double)LONG_MAX ? (long)ms : LONG_MAX;
  }
  double base = p->base_s > 0 ? p->base_s : 0;
  double cap = p->max_s > 0 ? p->max_s : 0;
  double d = ldexp(base, retries_done > 60 ? 60 : retries_done);
  if (d > cap) d = cap;
  if (!(jitter01 >= 0)) jitter01 = 0; /* also catches NaN */
  if (jitter01 > 1) jitter01 = 1;
  d *= 0.5 + jitter01 / 2;
  return (long)ceil(d * 1000.0);
}
