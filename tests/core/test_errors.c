/* light_error lifecycle, status and kind names, reason names, version. */
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "harness.h"
#include "light/version.h"
#include "light/webhook.h"

static void test_names(void) {
  static const char *const kinds[] = {"LightError",
                                      "LightError",
                                      "APIError",
                                      "BadRequestError",
                                      "AuthenticationError",
                                      "PermissionDeniedError",
                                      "NotFoundError",
                                      "ConflictError",
                                      "UnprocessableEntityError",
                                      "RateLimitError",
                                      "InternalServerError",
                                      "APIConnectionError",
                                      "APITimeoutError",
                                      "SignatureVerificationError",
                                      "InvalidArgumentError",
                                      "APIResponseValidationError"};
  for (int k = 0; k <= LIGHT_ERR_DECODE; k++) CHECK_STR(light_error_kind_name((light_error_kind)k), kinds[k]);
  CHECK_STR(light_error_kind_name((light_error_kind)99), "LightError");

  for (int s = LIGHT_E_INTERNAL; s <= LIGHT_OK; s++) {
    const char *t = light_strerror((light_status)s);
    CHECK(t && *t && strcmp(t, "unknown status") != 0);
  }
  CHECK_STR(light_strerror(LIGHT_OK), "success");
  CHECK_STR(light_strerror((light_status)-99), "unknown status");

  CHECK_STR(light_signature_reason_name(LIGHT_SIG_OK), "ok");
  CHECK_STR(light_signature_reason_name(LIGHT_SIG_MALFORMED_HEADER), "malformed_header");
  CHECK_STR(light_signature_reason_name(LIGHT_SIG_TIMESTAMP_TOO_OLD), "timestamp_too_old");
  CHECK_STR(light_signature_reason_name(LIGHT_SIG_TIMESTAMP_IN_FUTURE), "timestamp_in_future");
  CHECK_STR(light_signature_reason_name(LIGHT_SIG_MISMATCH), "signature_mismatch");
  CHECK_STR(light_signature_reason_name(LIGHT_SIG_NO_SECRET), "no_secret");
  CHECK_STR(light_signature_reason_name(42), "unknown");
  CHECK_STR(light_signature_reason_name(-1), "unknown");
}

static void test_lifecycle(void) {
  light_error err = LIGHT_ERROR_INIT;
  CHECK_INT(err.code, LIGHT_OK);
  CHECK(err.retry_after == -1.0);
  light_error_clear(&err); /* clearing an empty one is fine */
  light_error_clear(NULL);

  CHECK_INT(light__error_set(&err, LIGHT_E_TIMEOUT, LIGHT_ERR_TIMEOUT, "after %d ms on %s", 1500, "GET /v1/account"),
            LIGHT_E_TIMEOUT);
  CHECK_INT(err.code, LIGHT_E_TIMEOUT);
  CHECK_INT(err.kind, LIGHT_ERR_TIMEOUT);
  CHECK_STR(err.message, "after 1500 ms on GET /v1/account");
  err.body = light__strdup("body");
  err.body_len = 4;
  err.request_id = light__strdup("rid");
  err.headers = light__strdup("A: b\r\n");
  err.http_status = 500;
  err.param = "x";
  /* Setting again first clears what was there (no leak: valgrind/ASan run this). */
  CHECK_INT(light__error_set(&err, LIGHT_E_NOMEM, LIGHT_ERR_LIGHT, NULL), LIGHT_E_NOMEM);
  CHECK(err.message == NULL && err.body == NULL && err.request_id == NULL && err.headers == NULL);
  CHECK_INT(err.http_status, 0);
  CHECK(err.param == NULL);
  CHECK(err.retry_after == -1.0);
  CHECK_INT(light__error_set(NULL, LIGHT_E_STATE, LIGHT_ERR_LIGHT, "x"), LIGHT_E_STATE);

  /* A long message is not truncated. */
  char big[5000];
  memset(big, 'm', sizeof big - 1);
  big[sizeof big - 1] = 0;
  light__error_set(&err, LIGHT_E_API, LIGHT_ERR_API, "%s", big);
  CHECK(err.message && strlen(err.message) == sizeof big - 1);
  light_error_clear(&err);
  CHECK(err.message == NULL);
  CHECK_INT(err.kind, LIGHT_ERR_NONE);

  CHECK(light__strdup(NULL) == NULL);
  char *d = light__strdup("copy");
  CHECK_STR(d, "copy");
  free(d);
}

static void test_version(void) {
  CHECK_STR(light_version(), LIGHT_VERSION);
  char want[32];
  snprintf(want, sizeof want, "%d.%d.%d", LIGHT_VERSION_MAJOR, LIGHT_VERSION_MINOR, LIGHT_VERSION_PATCH);
  CHECK_STR(light_version(), want);
  CHECK_INT(LIGHT_VERSION_NUM, (LIGHT_VERSION_MAJOR << 16) | (LIGHT_VERSION_MINOR << 8) | LIGHT_VERSION_PATCH);
}

int main(void) {
  test_names();
  test_lifecycle();
  test_version();
  TEST_MAIN_END();
}
