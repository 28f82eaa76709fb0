/* light-sdk quickstart in C: create an account with the app token, call the
 * account API through an account client (the SDK mints, caches and refreshes
 * the account token), then sign and verify a webhook.
 *
 *   LIGHT_APP_TOKEN=... LIGHT_BASE_URL=http://127.0.0.1:8080 ./quickstart
 *
 * Optional: LIGHT_WEBHOOK_SECRET (default "whsec_demo"), LIGHT_CA_FILE.
 * Uses the public header only. Exit code 0 on success. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <light/light.h>

static int fail(const char *what, light_status st, light_error *err) {
  fprintf(stderr, "%s failed: %s (%s, HTTP %d): %s\n", what, light_strerror(st), light_error_kind_name(err->kind),
          err->http_status, err->message ? err->message : "");
  light_error_clear(err);
  return 1;
}

int main(void) {
  light_error err = LIGHT_ERROR_INIT;
  light_status st;
  int rc = 1;

  /* 1. An app client: token and base URL from LIGHT_APP_TOKEN / LIGHT_BASE_URL. */
  light_client_options opts;
  light_client_options_init(&opts, LIGHT_CLIENT_OPTIONS_VERSION);
  opts.ca_file = getenv("LIGHT_CA_FILE");
  light_client *app = NULL;
  if ((st = light_client_new(&app, &opts, &err)) != LIGHT_OK) return fail("light_client_new", st, &err);
  printf("light-sdk %s talking to %s\n", light_version(), light_client_base_url(app));

  /* 2. Create an account (POST /v1/app/accounts). */
  char email[64];
  snprintf(email, sizeof email, "quickstart+%ld@example.com", (long)time(NULL));
  cJSON *body = cJSON_CreateObject();
  cJSON_AddStringToObject(body, "email", email);
  cJSON_AddStringToObject(body, "first_name", "Ada");
  cJSON_AddStringToObject(body, "last_name", "Lovelace");
  light_params params = LIGHT_PARAMS_INIT;
  params.body = body;
  light_response *resp = NULL;
  st = light_call(&resp, app, "create_account", &params, &err);
  cJSON_Delete(body);
  if (st != LIGHT_OK) {
    fail("create_account", st, &err);
    goto out_app;
  }
  const cJSON *uuid = cJSON_GetObjectItemCaseSensitive(light_response_json(resp), "uuid");
  if (!cJSON_IsString(uuid)) {
    fprintf(stderr, "create_account: no uuid in the response\n");
    light_response_free(resp);
    goto out_app;
  }
  char account_uuid[128];
  snprintf(account_uuid, sizeof account_uuid, "%s", uuid->valuestring);
  light_response_free(resp);
  printf("created account %s\n", account_uuid);

  /* 3. An account client: its token is minted on first use with
   *    POST /v1/app/accounts/{uuid}/token and cached. */
  light_client *account = NULL;
  if ((st = light_client_for_account(&account, app, account_uuid, &err)) != LIGHT_OK) {
    fail("light_client_for_account", st, &err);
    goto out_app;
  }
  if ((st = light_call(&resp, account, "get_account", NULL, &err)) != LIGHT_OK) {
    fail("get_account", st, &err);
    goto out_account;
  }
  const cJSON *got_email = cJSON_GetObjectItemCaseSensitive(light_response_json(resp), "email");
  printf("account token minted; GET /v1/account -> %d, email %s\n", light_response_status(resp),
         cJSON_IsString(got_email) ? got_email->valuestring : "(none)");
  light_response_free(resp);

  /* 4. Webhooks: sign a payload as Light does, then verify it like a receiver. */
  const char *secret = getenv("LIGHT_WEBHOOK_SECRET");
  if (!secret || !*secret) secret = "whsec_demo";
  char payload[512];
  snprintf(payload, sizeof payload,
           "{\"uuid\":\"evt_1\",\"created_at\":\"2026-01-01T00:00:00Z\",\"api_version\":\"v1\","
           "\"event\":\"%s\",\"data\":{\"account_uuid\":\"%s\"}}",
           LIGHT_EVENT_ENROLLMENT_FINALIZED, account_uuid);
  char header[LIGHT_SIGNATURE_MAX];
  int64_t now = (int64_t)time(NULL);
  if ((st = light_webhook_sign(header, sizeof header, payload, strlen(payload), secret, strlen(secret), now)) !=
      LIGHT_OK) {
    fprintf(stderr, "light_webhook_sign failed: %s\n", light_strerror(st));
    goto out_account;
  }
  const char *secrets[] = {secret};
  cJSON *event = NULL;
  if ((st = light_webhook_construct_event(&event, payload, strlen(payload), header, secrets, 1, 3600, now, &err)) !=
      LIGHT_OK) {
    fail("light_webhook_construct_event", st, &err);
    goto out_account;
  }
  printf("webhook verified: event %s\n", cJSON_GetObjectItemCaseSensitive(event, "event")->valuestring);
  cJSON_Delete(event);

  /* A tampered payload is refused, with a reason. */
  payload[strlen(payload) - 3] ^= 1;
  st = light_webhook_verify(payload, strlen(payload), header, secrets, 1, 3600, now, &err);
  printf("tampered webhook refused: %s (%s)\n", st == LIGHT_E_SIGNATURE ? "yes" : "NO",
         light_signature_reason_name(err.signature_reason));
  light_error_clear(&err);
  rc = st == LIGHT_E_SIGNATURE ? 0 : 1;

out_account:
  light_client_free(account);
out_app:
  light_client_free(app);
  return rc;
}
