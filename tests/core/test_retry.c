/* The retry policy (light__retry_delay): which outcomes retry, for which
 * methods, and how long to wait. Jitter is injected, so all exact. */
#include <math.h>

#include "codec.h"
#include "harness.h"

static const light__retry_policy P = {2, 0.5, 8.0, 60.0};

#define D(done, idem, status, fail, ra, jit) light__retry_delay(&P, done, idem, status, fail, ra, jit)

static void test_what_retries(void) {
  /* Never reached the server: every method. */
  CHECK(D(0, 0, 0, LIGHT_FAIL_CONNECT, -1, 0) >= 0);
  CHECK(D(0, 1, 0, LIGHT_FAIL_CONNECT, -1, 0) >= 0);
  CHECK(D(0, 0, 0, LIGHT_FAIL_CONNECT_TIMEOUT, -1, 0) >= 0);
  CHECK(D(0, 1, 0, LIGHT_FAIL_CONNECT_TIMEOUT, -1, 0) >= 0);
  /* 429: refused before processing, every method. */
  CHECK(D(0, 0, 429, 0, -1, 0) >= 0);
  /* May have reached the server: only idempotent operations. */
  const int maybe[] = {LIGHT_FAIL_TIMEOUT, LIGHT_FAIL_SEND, LIGHT_FAIL_RECV};
  for (int i = 0; i < 3; i++) {
    CHECK_INT(D(0, 0, 0, maybe[i], -1, 0), -1);
    CHECK(D(0, 1, 0, maybe[i], -1, 0) >= 0);
  }
  const int statuses[] = {408, 409, 500, 502, 503, 504, 599};
  for (int i = 0; i < 7; i++) {
    CHECK_INT(D(0, 0, statuses[i], 0, -1, 0), -1);
    CHECK(D(0, 1, statuses[i], 0, -1, 0) >= 0);
  }
  /* Never. */
  const int never_fail[] = {LIGHT_FAIL_TLS_VERIFY, LIGHT_FAIL_TOO_LARGE, LIGHT_FAIL_CANCELLED, LIGHT_FAIL_OTHER};
  for (int i = 0; i < 4; i++) {
    CHECK_INT(D(0, 1, 0, never_fail[i], -1, 0), -1);
    CHECK_INT(D(0, 0, 0, never_fail[i], -1, 0), -1);
  }
  const int never_status[] = {200, 201, 204, 301, 400, 401, 403, 404, 422, 418};
  for (int i = 0; i < 10; i++) CHECK_INT(D(0, 1, never_status[i], 0, -1, 0), -1);
}

static void test_budget(void) {
  CHECK(D(0, 1, 503, 0, -1, 0) >= 0);
  CHECK(D(1, 1, 503, 0, -1, 0) >= 0);
  CHECK_INT(D(2, 1, 503, 0, -1, 0), -1); /* 2 retries done: budget spent */
  CHECK_INT(D(-1, 1, 503, 0, -1, 0), -1);
  light__retry_policy none = {0, 0.5, 8, 60};
  CHECK_INT(light__retry_delay(&none, 0, 1, 503, 0, -1, 0), -1);
  light__retry_policy neg = {-1, 0.5, 8, 60};
  CHECK_INT(light__retry_delay(&neg, 0, 1, 503, 0, -1, 0), -1);
  CHECK_INT(light__retry_delay(NULL, 0, 1, 503, 0, -1, 0), -1);
}

static void test_backoff(void) {
  light__retry_policy p = {10, 0.5, 8.0, 60.0};
  /* jitter 0 → half of the exponential step; jitter ~1 → the full step. */
  CHECK_INT(light__retry_delay(&p, 0, 1, 503, 0, -1, 0.0), 250);
  CHECK_INT(light__retry_delay(&p, 0, 1, 503, 0, -1, 0.5), 375);
  CHECK_INT(light__retry_delay(&p, 0, 1, 503, 0, -1, 0.999999), 500);
  CHECK_INT(light__retry_delay(&p, 1, 1, 503, 0, -1, 0.0), 500);
  CHECK_INT(light__retry_delay(&p, 2, 1, 503, 0, -1, 0.0), 1000);
  CHECK_INT(light__retry_delay(&p, 3, 1, 503, 0, -1, 0.0), 2000);
  CHECK_INT(light__retry_delay(&p, 4, 1, 503, 0, -1, 0.0), 4000); /* 8 s capped, halved */
  CHECK_INT(light__retry_delay(&p, 5, 1, 503, 0, -1, 0.0), 4000);
  CHECK_INT(light__retry_delay(&p, 9, 1, 503, 0, -1, 0.999999), 8000);
  /* Out-of-range jitter is clamped. */
  CHECK_INT(light__retry_delay(&p, 0, 1, 503, 0, -1, -5), 250);
  CHECK_INT(light__retry_delay(&p, 0, 1, 503, 0, -1, 7), 500);
  CHECK_INT(light__retry_delay(&p, 0, 1, 503, 0, -1, NAN), 250);
  /* Huge retry counts do not overflow. */
  light__retry_policy many = {1000000, 0.5, 8.0, 60.0};
  CHECK_INT(light__retry_delay(&many, 999, 1, 503, 0, -1, 0.999999), 8000);
}

static void test_retry_after(void) {
  /* Honoured as given (no jitter), up to the cap; over the cap: no retry. */
  CHECK_INT(D(0, 0, 429, 0, 3, 0.7), 3000);
  CHECK_INT(D(0, 0, 429, 0, 0, 0.7), 0);
  CHECK_INT(D(0, 0, 429, 0, 1.5, 0), 1500);
  CHECK_INT(D(0, 0, 429, 0, 60, 0), 60000);
  CHECK_INT(D(0, 0, 429, 0, 61, 0), -1);
  CHECK_INT(D(0, 1, 503, 0, 2, 0), 2000);
  /* Retry-After never makes a non-retryable outcome retryable. */
  CHECK_INT(D(0, 0, 503, 0, 2, 0), -1);
  CHECK_INT(D(0, 1, 400, 0, 2, 0), -1);
  CHECK_INT(D(2, 0, 429, 0, 1, 0), -1);
  /* NaN Retry-After is ignored (backoff instead). */
  CHECK_INT(D(0, 0, 429, 0, NAN, 0), 250);
  CHECK_INT(D(0, 0, 429, 0, INFINITY, 0), -1); /* over any cap */
}

int main(void) {
  test_what_retries();
  test_budget();
  test_backoff();
  test_retry_after();
  TEST_MAIN_END();
}
