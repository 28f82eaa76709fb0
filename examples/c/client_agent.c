/* Client-agent (limited power of attorney) enrollment, API.md §9.2: the
 * partner records its POA, the customer completes identity, credit and payment
 * (→ ready/enrollment_pending_client_agent), and later the partner requests
 * plans 7–30 days before the start date, accepts one for the customer and
 * finalizes with is_client_agent_enrollment.
 *
 *   LIGHT_APP_TOKEN=... LIGHT_BASE_URL=http://127.0.0.1:8080 ./client_agent [start-in-days (7..30, default 10)]
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <light/light.h>

#include "example_calls.h"

enum { MIN_DAYS = 7, MAX_DAYS = 30 }; /* the customer's 7-day opt-out window; plans are priced for 30 days */

static light_client *acct;

static cJSON *show(const char *label) {
  cJSON *a = ex_call(acct, "get_account", NULL, NULL, NULL, NULL);
  if (a) printf("%s: %s/%s\n", label, ex_str(a, "status"), ex_str(a, "status_reason"));
  return a;
}

static int run(light_client *c, const char *op, const char *path_param, cJSON *body) {
  cJSON *r = ex_call(c, op, path_param, NULL, body, NULL);
  cJSON_Delete(r);
  return r ? 0 : -1;
}

/* "YYYY-MM-DD" plus @p days into @p out (calendar arithmetic through mktime at noon). */
static void add_days(const char *date, int days, char *out, size_t n) {
  struct tm tm = {0};
  sscanf(date, "%d-%d-%d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday);
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  tm.tm_mday += days;
  tm.tm_hour = 12;
  tm.tm_isdst = -1;
  mktime(&tm);
  strftime(out, n, "%Y-%m-%d", &tm);
}

static int enroll(light_client *app, int start_in_days) {
  char email[96], uuid[64], label[256];
  snprintf(email, sizeof email, "agent+c%ld.%ld@example.com", (long)time(NULL), (long)clock());
  cJSON *a = ex_call(app, "create_account", NULL, NULL,
                     ex_jsonf("{\"email\":\"%s\",\"first_name\":\"Grace\",\"last_name\":\"Hopper\","
                              "\"phone_number\":\"214-555-0199\",\"date_of_birth\":\"1980-12-09\"}",
                              email),
                     NULL);
  if (!a) return -1;
  snprintf(uuid, sizeof uuid, "%s", ex_str(a, "uuid"));
  cJSON_Delete(a);
  if (!(acct = ex_account_client(app, uuid))) return -1;
  snprintf(label, sizeof label, "account %s", uuid);
  if (!(a = show(label))) return -1;
  cJSON_Delete(a);

  /* The partner holds a signed POA and recorded informed consent: say so before accepting any plan. */
  cJSON *poa = ex_call(app, "record_client_agent", uuid, NULL, ex_jsonf("{}"), NULL);
  if (!poa) return -1;
  printf("client agent recorded at %s\n", ex_str(poa, "client_agent_accepted_at"));
  cJSON_Delete(poa);

  /* The customer's part, in any order. */
  if (run(acct, "update_identity", NULL, ex_jsonf("{}")) ||
      run(acct, "credit_check", NULL, ex_jsonf("{\"ssn\":\"123-45-6789\",\"consent\":true}")) ||
      run(acct, "ensure_payment_method_added", NULL, ex_jsonf("{\"payment_method_id\":\"pm_card_visa\"}")) ||
      !(a = show("customer steps done")))
    return -1;
  int ready = strcmp(ex_str(a, "status"), "ready") == 0 &&
              strcmp(ex_str(a, "status_reason"), "enrollment_pending_client_agent") == 0;
  cJSON_Delete(a);
  if (!ready) return printf("the customer is not pre-approved yet; come back when the account is ready\n"), 1;

  /* Weeks later: the partner picks plan and date for the customer. */
  cJSON *hits = ex_call(app, "full_address_search", NULL, NULL,
                        ex_jsonf("{\"address_1\":\"123 Main St\",\"postal_code\":\"75201\"}"), NULL);
  if (!hits) return -1;
  char esi[32];
  snprintf(esi, sizeof esi, "%s", ex_str(hits, "0.esi_id"));
  cJSON_Delete(hits);
  cJSON *plans = ex_call(app, "app_account_request_plans", uuid, NULL, ex_jsonf("{\"esi_id\":\"%s\"}", esi), NULL);
  if (!plans) return -1;
  char plan_uuid[64], plan_name[128], earliest[16], latest[16], start[16];
  snprintf(plan_uuid, sizeof plan_uuid, "%s", ex_str(plans, "plans.0.uuid"));
  snprintf(plan_name, sizeof plan_name, "%s", ex_str(plans, "plans.0.name"));
  snprintf(earliest, sizeof earliest, "%s", ex_str(plans, "plans.0.earliest_start_date"));
  snprintf(latest, sizeof latest, "%s", ex_str(plans, "plans.0.latest_start_date"));
  printf("plans for %s: %d, start window %s..%s, priced until %s\n", esi, ex_len(plans, "plans"), earliest, latest,
         ex_str(plans, "plans.0.expires_at"));
  cJSON_Delete(plans);
  add_days(earliest, start_in_days - MIN_DAYS, start, sizeof start);
  if (strcmp(start, latest) > 0) snprintf(start, sizeof start, "%s", latest); /* ISO dates sort as text */
  if (run(acct, "accept_plan", NULL,
          ex_jsonf("{\"plan_uuid\":\"%s\",\"esi_id\":\"%s\",\"service_start_date\":\"%s\",\"terms_accepted\":true}",
                   plan_uuid, esi, start)))
    return -1;
  snprintf(label, sizeof label, "accepted %s starting %s", plan_name, start);
  if (!(a = show(label))) return -1;
  cJSON_Delete(a);
  /* A Letter of Authorization goes to the customer. */
  if (run(acct, "finalize_enrollment", NULL, ex_jsonf("{\"is_client_agent_enrollment\":true}")) ||
      !(a = show("finalized as client agent")))
    return -1;
  printf("service start date: %s\n", ex_str(a, "locations.0.service_start_date"));
  cJSON_Delete(a);
  return 0;
}

int main(int argc, char **argv) {
  int days = argc > 1 ? atoi(argv[1]) : 10;
  if (days < MIN_DAYS || days > MAX_DAYS) {
    fprintf(stderr, "usage: %s [start-in-days %d..%d]\n", argv[0], MIN_DAYS, MAX_DAYS);
    return 2;
  }
  light_client *app = ex_app_client();
  int rc = app ? enroll(app, days) : -1;
  if (rc < 0) fprintf(stderr, "error: %s\n", ex_error);
  light_client_free(acct);
  light_client_free(app);
  return rc == 0 ? 0 : 1;
}
