/* Secret-scan journey in C (tests/secrets/test_secret_scan.py compiles it
 * against build/liblight.a and runs it with LIGHT_LOG=debug): the same steps
 * as driver.py, printing every response body and every field of every
 * light_error. Public headers only. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <light/light.h>

static const char *env(const char *k) {
  const char *v = getenv(k);
  if (!v) {
    fprintf(stderr, "driver.c: %s not set\n", k);
    exit(2);
  }
  return v;
}

static void show_error(const char *label, light_status st, const light_error *e) {
  printf("%s: status=%d (%s) kind=%s http=%d message=%s request_id=%s param=%s reason=%s\n", label, (int)st,
         light_strerror(st), light_error_kind_name(e->kind), e->http_status, e->message ? e->message : "(null)",
         e->request_id ? e->request_id : "(null)", e->param ? e->param : "(null)",
         st == LIGHT_E_SIGNATURE ? light_signature_reason_name(e->signature_reason) : "-");
  printf("%s: body=%.*s\n", label, (int)e->body_len, e->body ? e->body : "");
  printf("%s: headers=%.*s\n", label, (int)e->headers_len, e->headers ? e->headers : "");
}

/* Call op with body (NULL = none); print the response JSON or the error. Returns the status. */
static light_status call(light_client *c, const char *label, const char *op, cJSON *body) {
  light_params p = LIGHT_PARAMS_INIT;
  p.body = body;
  light_response *r = NULL;
  light_error e = LIGHT_ERROR_INIT;
  light_status st = light_call(&r, c, op, &p, &e);
  if (st == LIGHT_OK) {
    char *s = cJSON_PrintUnformatted(light_response_json(r));
    printf("%s: %s\n", label, s ? s : "(null)");
    free(s);
  } else {
    show_error(label, st, &e);
  }
  light_response_free(r);
  light_error_clear(&e);
  light_json_delete_wiped(body);
  return st;
}

static cJSON *credit(const char *ssn, int consent) {
  cJSON *b = cJSON_CreateObject();
  cJSON_AddStringToObject(b, "ssn", ssn);
  cJSON_AddBoolToObject(b, "consent", consent);
  return b;
}

int main(void) {
  const char *ssn = env("SECRETSCAN_SSN");
  char digits[32];
  size_t n = 0;
  for (const char *p = ssn; *p && n + 1 < sizeof digits; p++)
    if (*p != '-') digits[n++] = *p;
  digits[n] = '\0';
  int failures = 0;

  light_client_options o;
  light_client_options_init(&o, LIGHT_CLIENT_OPTIONS_VERSION); /* $LIGHT_APP_TOKEN, $LIGHT_BASE_URL, $LIGHT_LOG */
  light_client *app = NULL;
  light_error e = LIGHT_ERROR_INIT;
  if (light_client_new(&app, &o, &e) != LIGHT_OK) {
    show_error("client", e.code, &e);
    return 1;
  }
  printf("app client: base_url=%s\n", light_client_base_url(app));

  cJSON *acct = cJSON_CreateObject();
  char email[96];
  snprintf(email, sizeof email, "secretscan+c%ld@example.com", (long)time(NULL));
  cJSON_AddStringToObject(acct, "email", email);
  cJSON_AddStringToObject(acct, "first_name", "Ada");
  cJSON_AddStringToObject(acct, "last_name", "Lovelace");
  cJSON_AddStringToObject(acct, "phone_number", "214-555-0100");
  cJSON_AddStringToObject(acct, "date_of_birth", "1985-12-10");
  light_params p = LIGHT_PARAMS_INIT;
  p.body = acct;
  light_response *r = NULL;
  if (light_call(&r, app, "create_account", &p, &e) != LIGHT_OK) {
    show_error("create_account", e.code, &e);
    return 1;
  }
  char uuid[64];
  snprintf(uuid, sizeof uuid, "%s", cJSON_GetObjectItem(light_response_json(r), "uuid")->valuestring);
  light_response_free(r);
  cJSON_Delete(acct);
  printf("account uuid: %s\n", uuid);

  light_client *ac = NULL;
  if (light_client_for_account(&ac, app, uuid, &e) != LIGHT_OK) {
    show_error("for_account", e.code, &e);
    return 1;
  }
  printf("account client: base_url=%s account_uuid=%s\n", light_client_base_url(ac), light_client_account_uuid(ac));
  failures += call(ac, "retrieve", "get_account", NULL) != LIGHT_OK;
  cJSON *id = cJSON_CreateObject();
  cJSON_AddStringToObject(id, "first_name", "Ada");
  cJSON_AddStringToObject(id, "ssn_last4", ssn + strlen(ssn) - 4);
  failures += call(ac, "identity", "update_identity", id) != LIGHT_OK;
  failures += call(ac, "credit_check dashed", "credit_check", credit(ssn, 1)) != LIGHT_OK;
  failures += call(ac, "credit_check digits", "credit_check", credit(digits, 1)) != LIGHT_OK;
  failures += call(ac, "422 error", "credit_check", credit(digits, 0)) != LIGHT_E_API;

  light_client_options wrong;
  light_client_options_init(&wrong, LIGHT_CLIENT_OPTIONS_VERSION);
  wrong.app_token = env("SECRETSCAN_WRONG_APP_TOKEN");
  wrong.max_retries = 0;
  light_client *bad = NULL;
  if (light_client_new(&bad, &wrong, &e) == LIGHT_OK) {
    failures += call(bad, "401 app error", "list_accounts", NULL) != LIGHT_E_API;
    light_client_free(bad);
  } else {
    show_error("wrong app client", e.code, &e);
    failures++;
  }
  wrong.app_token = NULL;
  wrong.account_token = env("SECRETSCAN_WRONG_ACCOUNT_TOKEN");
  bad = NULL;
  if (light_client_new(&bad, &wrong, &e) == LIGHT_OK) {
    failures += call(bad, "401 account error", "get_account", NULL) != LIGHT_E_API;
    light_client_free(bad);
  } else {
    show_error("wrong account client", e.code, &e);
    failures++;
  }
  /* a header-injection attempt is refused without echoing the token */
  wrong.account_token = env("SECRETSCAN_CRLF_TOKEN");
  bad = NULL;
  light_status st = light_client_new(&bad, &wrong, &e);
  show_error("crlf token error", st, &e);
  failures += st != LIGHT_E_INVALID_ARGUMENT;
  light_client_free(bad);
  light_error_clear(&e);

  const char *secret = env("LIGHT_WEBHOOK_SECRET");
  char payload[256];
  snprintf(payload, sizeof payload,
           "{\"uuid\":\"evt_1\",\"created_at\":\"2026-01-01T00:00:00Z\",\"api_version\":\"v1\","
           "\"event\":\"enrollment.identity_updated\",\"data\":{\"account\":{\"uuid\":\"%s\"}}}",
           uuid);
  char sig[LIGHT_SIGNATURE_MAX];
  failures += light_webhook_sign(sig, sizeof sig, payload, strlen(payload), secret, strlen(secret),
                                 (int64_t)time(NULL)) != LIGHT_OK;
  const char *secrets[1] = {secret};
  cJSON *event = NULL;
  st = light_webhook_construct_event(&event, payload, strlen(payload), sig, secrets, 1, LIGHT_WEBHOOK_DEFAULT_TOLERANCE,
                                     (int64_t)time(NULL), &e);
  char *ev = event ? cJSON_PrintUnformatted(event) : NULL;
  printf("webhook event: %s\n", ev ? ev : "(null)");
  free(ev);
  cJSON_Delete(event);
  failures += st != LIGHT_OK;
  const char *wrong_secret[1] = {"whsec_wrong_0000000000000000"};
  st = light_webhook_verify(payload, strlen(payload), sig, wrong_secret, 1, LIGHT_WEBHOOK_DEFAULT_TOLERANCE,
                            (int64_t)time(NULL), &e);
  show_error("signature error", st, &e);
  failures += st != LIGHT_E_SIGNATURE;
  light_error_clear(&e);

  light_client_free(ac);
  light_client_free(app);
  if (failures) {
    printf("driver.c: %d unexpected outcomes\n", failures);
    return 1;
  }
  printf("SECRETSCAN-DONE c\n");
  return 0;
}
