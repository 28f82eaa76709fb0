/* Basic (customer-driven) enrollment, API.md §9.1: eligibility → account →
 * ESI ID → plans → accept → identity → credit check → payment method →
 * finalize, printing the account's status after each step.
 *
 *   LIGHT_APP_TOKEN=... LIGHT_BASE_URL=http://127.0.0.1:8080 ./enrollment_basic ["123 Main St" [75201]]
 *
 * Exit status 0 when the enrollment is finalized, 1 otherwise. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <light/light.h>

#include "example_calls.h"

static light_client *acct;

/* Print "<label>: <status>/<status_reason>" of the account; returns the account (caller frees) or NULL. */
static cJSON *show(const char *label) {
  cJSON *a = ex_call(acct, "get_account", NULL, NULL, NULL, NULL);
  if (a) printf("%s: %s/%s\n", label, ex_str(a, "status"), ex_str(a, "status_reason"));
  return a;
}

/* Call and drop the result; 0 on success. */
static int run(light_client *c, const char *op, cJSON *body) {
  cJSON *r = ex_call(c, op, NULL, NULL, body, NULL);
  cJSON_Delete(r);
  return r ? 0 : -1;
}

static int enroll(light_client *app, const char *address, const char *postal_code) {
  char label[256];
  cJSON *e = ex_call(app, "check_eligibility", NULL, NULL, ex_jsonf("{\"postal_code\":\"%s\"}", postal_code), NULL);
  if (!e) return -1;
  double likelihood = ex_num(e, "eligibility_likelihood");
  cJSON_Delete(e);
  printf("eligibility: %s likelihood %g\n", postal_code, likelihood);
  if (likelihood <= 0) return printf("not a retail-choice area; stopping\n"), 1;

  char email[96], uuid[64];
  snprintf(email, sizeof email, "enroll+c%ld.%ld@example.com", (long)time(NULL), (long)clock());
  cJSON *a = ex_call(app, "create_account", NULL, NULL,
                     ex_jsonf("{\"email\":\"%s\",\"first_name\":\"Ada\",\"last_name\":\"Lovelace\","
                              "\"phone_number\":\"214-555-0100\",\"date_of_birth\":\"1985-12-10\"}",
                              email),
                     NULL);
  if (!a) return -1;
  snprintf(uuid, sizeof uuid, "%s", ex_str(a, "uuid"));
  cJSON_Delete(a);
  if (!(acct = ex_account_client(app, uuid))) return -1; /* the SDK mints and refreshes the account token */
  snprintf(label, sizeof label, "account %s", uuid);
  cJSON_Delete(a = show(label));
  if (!a) return -1;

  /* Exact search first; fall back to the type-ahead search (never trust its ordering). */
  cJSON *hits = ex_call(app, "full_address_search", NULL, NULL,
                        ex_jsonf("{\"address_1\":\"%s\",\"postal_code\":\"%s\"}", address, postal_code), NULL);
  if (hits && cJSON_GetArraySize(hits) == 0) {
    cJSON_Delete(hits);
    hits =
        ex_call(app, "app_address_search", NULL, NULL, ex_jsonf("{\"query\":\"%s %s\"}", address, postal_code), NULL);
  }
  if (!hits) return -1;
  if (cJSON_GetArraySize(hits) == 0) {
    cJSON_Delete(hits);
    return printf("no service point at %s, %s\n", address, postal_code), 1;
  }
  char esi[32];
  snprintf(esi, sizeof esi, "%s", ex_str(hits, "0.esi_id"));
  printf("address: %s %s, %s %s %s — ESI ID %s\n", ex_str(hits, "0.address_1"), ex_str(hits, "0.address_2"),
         ex_str(hits, "0.city"), ex_str(hits, "0.state"), ex_str(hits, "0.postal_code"), esi);
  cJSON_Delete(hits);

  cJSON *plans = ex_call(acct, "account_request_plans", NULL, NULL, ex_jsonf("{\"esi_id\":\"%s\"}", esi), NULL);
  if (!plans) return -1;
  const cJSON *p, *best = NULL;
  cJSON_ArrayForEach(p, ex_get(plans, "plans")) {
    printf("plan: %s — %s¢/kWh, %g months, EFL %s\n", ex_str(p, "name"), ex_str(p, "energy_rate"),
           ex_num(p, "term_months"), ex_str(p, "efl_url"));
    if (!best || ex_fixed(ex_str(p, "energy_rate"), 4) < ex_fixed(ex_str(best, "energy_rate"), 4)) best = p;
  }
  if (!best) {
    cJSON_Delete(plans);
    return printf("no plans offered\n"), 1;
  }
  char plan_uuid[64], plan_name[128], start[16];
  snprintf(plan_uuid, sizeof plan_uuid, "%s", ex_str(best, "uuid")); /* the cheapest energy rate */
  snprintf(plan_name, sizeof plan_name, "%s", ex_str(best, "name"));
  snprintf(start, sizeof start, "%s", ex_str(best, "earliest_start_date"));
  cJSON_Delete(plans);
  cJSON_Delete(a = show("plans requested"));
  if (!a) return -1;

  if (run(acct, "accept_plan",
          ex_jsonf("{\"plan_uuid\":\"%s\",\"esi_id\":\"%s\",\"service_start_date\":\"%s\",\"terms_accepted\":true}",
                   plan_uuid, esi, start)))
    return -1;
  snprintf(label, sizeof label, "accepted %s from %s", plan_name, start);
  cJSON_Delete(a = show(label));
  if (!a) return -1;
  /* Name, email, phone and DOB were given at creation. */
  if (run(acct, "update_identity", ex_jsonf("{}")) || !(a = show("identity submitted"))) return -1;
  cJSON_Delete(a);
  if (run(acct, "credit_check", ex_jsonf("{\"ssn\":\"123-45-6789\",\"consent\":true}")) ||
      !(a = show("credit check submitted")))
    return -1;
  cJSON_Delete(a);

  cJSON *session = ex_call(acct, "create_payment_session", NULL, NULL, NULL, NULL); /* for Stripe Elements */
  if (!session) return -1;
  if (run(acct, "ensure_payment_method_added", ex_jsonf("{\"payment_method_id\":\"pm_card_visa\"}"))) {
    cJSON_Delete(session);
    return -1;
  }
  cJSON *pm = ex_call(acct, "get_payment_method", NULL, NULL, NULL, NULL);
  if (pm)
    printf("payment method: %s ending %s (setup intent %s)\n", ex_str(pm, "card_brand"), ex_str(pm, "card_last4"),
           ex_str(session, "setup_intent_id"));
  cJSON_Delete(session);
  cJSON_Delete(pm);
  if (!pm || !(a = show("payment method added"))) return -1;
  int can = cJSON_IsTrue(ex_get(a, "enrollment.can_finalize_enrollment"));
  cJSON_Delete(a);
  if (!can) return printf("cannot finalize yet\n"), 1;
  if (run(acct, "finalize_enrollment", NULL) || !(a = show("finalized"))) return -1;
  printf("finalized at %s\n", ex_str(a, "enrollment.finalized_at"));
  cJSON_Delete(a);
  return 0;
}

int main(int argc, char **argv) {
  const char *address = argc > 1 ? argv[1] : "123 Main St";
  const char *postal_code = argc > 2 ? argv[2] : "75201";
  light_client *app = ex_app_client(); /* $LIGHT_APP_TOKEN, $LIGHT_BASE_URL */
  int rc = app ? enroll(app, address, postal_code) : -1;
  if (rc < 0) fprintf(stderr, "error: %s\n", ex_error);
  light_client_free(acct);
  light_client_free(app);
  return rc == 0 ? 0 : 1;
}
