/* The Light journey in C: one customer from sign-up to a comparison quote,
 * through the SDK's public surface (docs/examples.md lists the same journey in
 * Python, Node and Lua).
 *
 *   LIGHT_APP_TOKEN=... LIGHT_BASE_URL=http://127.0.0.1:8080 \
 *   LIGHT_WEBHOOK_SECRET=whsec_... LIGHT_RECEIVER_URL=http://127.0.0.1:PORT/webhooks ./journey
 *
 * LIGHT_RECEIVER_URL is the emulator's webhook receiver (python -m
 * tests.sandbox --receiver); the last step lists what it received (with
 * libcurl) and verifies every delivery for this account with
 * light_webhook_construct_event(). Prints "  ✓ <step> — <figure>" per step;
 * on failure "  ✗ <step> — <error>" and exit status 1. */
#define _POSIX_C_SOURCE 200809L
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <light/light.h>

#include "example_calls.h"

#define POSTAL_CODE "75201"
#define ADDRESS_1 "123 Main St"

static const char comparison_pdf[] = "%PDF-1.4\n1 0 obj << >> endobj\nESI ID: 10443720000000001\n%%EOF\n";

/* What later steps need from earlier ones. */
static struct {
  light_client *app, *acct;
  char uuid[64], esi_id[32], location[64];
  char plan_uuid[64], plan_name[128], plan_start[16], plan_group[64];
} s;

typedef int (*step_fn)(char *fig, size_t n);

static void step(const char *name, step_fn fn) {
  char fig[1024] = "";
  ex_error[0] = '\0';
  if (fn(fig, sizeof fig) != 0) {
    printf("  ✗ %s — %s\n", name, ex_error[0] ? ex_error : "failed");
    fflush(stdout);
    light_client_free(s.acct);
    light_client_free(s.app);
    exit(1);
  }
  printf("  ✓ %s — %s\n", name, fig);
  fflush(stdout);
}

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void sleep_s(double sec) {
  struct timespec ts = {(time_t)sec, (long)((sec - (double)(time_t)sec) * 1e9)};
  nanosleep(&ts, NULL);
}

static int create_account(char *fig, size_t n) {
  char email[96];
  snprintf(email, sizeof email, "journey+c%ld.%ld@example.com", (long)time(NULL), (long)clock());
  cJSON *a = ex_call(s.app, "create_account", NULL, NULL,
                     ex_jsonf("{\"email\":\"%s\",\"first_name\":\"Ada\",\"last_name\":\"Lovelace\","
                              "\"phone_number\":\"214-555-0100\",\"date_of_birth\":\"1985-12-10\"}",
                              email),
                     NULL);
  if (!a) return 1;
  snprintf(s.uuid, sizeof s.uuid, "%s", ex_str(a, "uuid"));
  cJSON_Delete(a);
  if (!s.uuid[0]) return ex_fail("no uuid in the created account"), 1;
  /* The account client: its token is minted, cached and refreshed by the SDK. */
  if (!(s.acct = ex_account_client(s.app, s.uuid))) return 1;
  snprintf(fig, n, "%s", s.uuid);
  return 0;
}

static int check_eligibility(char *fig, size_t n) {
  cJSON *e = ex_call(s.app, "check_eligibility", NULL, NULL, ex_jsonf("{\"postal_code\":\"" POSTAL_CODE "\"}"), NULL);
  if (!e) return 1;
  double likelihood = ex_num(e, "eligibility_likelihood");
  cJSON_Delete(e);
  if (likelihood <= 0) return ex_fail(POSTAL_CODE " is not a retail-choice area"), 1;
  snprintf(fig, n, "likelihood %g", likelihood);
  return 0;
}

static int search_address(char *fig, size_t n) {
  cJSON *hits = ex_call(s.app, "full_address_search", NULL, NULL,
                        ex_jsonf("{\"address_1\":\"" ADDRESS_1 "\",\"postal_code\":\"" POSTAL_CODE "\"}"), NULL);
  if (!hits) return 1;
  snprintf(s.esi_id, sizeof s.esi_id, "%s", ex_str(hits, "0.esi_id"));
  cJSON_Delete(hits);
  if (!s.esi_id[0]) return ex_fail("no service point at " ADDRESS_1 ", " POSTAL_CODE), 1;
  snprintf(fig, n, "ESI ID %s", s.esi_id);
  return 0;
}

static int request_plans(char *fig, size_t n) {
  cJSON *r = ex_call(s.app, "app_request_plans", NULL, NULL,
                     ex_jsonf("{\"esi_id\":\"%s\",\"account_uuid\":\"%s\"}", s.esi_id, s.uuid), NULL);
  if (!r) return 1;
  int count = ex_len(r, "plans");
  snprintf(s.plan_uuid, sizeof s.plan_uuid, "%s", ex_str(r, "plans.0.uuid"));
  snprintf(s.plan_name, sizeof s.plan_name, "%s", ex_str(r, "plans.0.name"));
  snprintf(s.plan_start, sizeof s.plan_start, "%s", ex_str(r, "plans.0.earliest_start_date"));
  snprintf(s.plan_group, sizeof s.plan_group, "%s", ex_str(r, "plans.0.plan_group_uuid"));
  snprintf(fig, n, "%d plans, %s at %s¢/kWh", count, s.plan_name, ex_str(r, "plans.0.energy_rate"));
  cJSON_Delete(r);
  if (count == 0 || !s.plan_uuid[0]) return ex_fail("no plans offered"), 1;
  return 0;
}

static int accept_plan(char *fig, size_t n) {
  cJSON *a = ex_call(s.acct, "accept_plan", NULL, NULL,
                     ex_jsonf("{\"plan_uuid\":\"%s\",\"esi_id\":\"%s\",\"service_start_date\":\"%s\","
                              "\"terms_accepted\":true}",
                              s.plan_uuid, s.esi_id, s.plan_start),
                     NULL);
  if (!a) return 1;
  cJSON_Delete(a);
  snprintf(fig, n, "%s from %s", s.plan_name, s.plan_start);
  return 0;
}

/* "<status>/<status_reason>" of an account object. */
static int account_status(cJSON *a, char *fig, size_t n) {
  if (!a) return 1;
  snprintf(fig, n, "%s/%s", ex_str(a, "status"), ex_str(a, "status_reason"));
  cJSON_Delete(a);
  return 0;
}

static int submit_identity(char *fig, size_t n) {
  return account_status(ex_call(s.acct, "update_identity", NULL, NULL, ex_jsonf("{\"ssn_last4\":\"6789\"}"), NULL), fig,
                        n);
}

static int credit_check(char *fig, size_t n) {
  return account_status(
      ex_call(s.acct, "credit_check", NULL, NULL, ex_jsonf("{\"ssn\":\"123-45-6789\",\"consent\":true}"), NULL), fig,
      n);
}

static int add_payment_method(char *fig, size_t n) {
  cJSON *session = ex_call(s.acct, "create_payment_session", NULL, NULL, NULL, NULL);
  if (!session) return 1;
  int has_secret = ex_str(session, "client_secret")[0] != '\0';
  cJSON_Delete(session);
  if (!has_secret) return ex_fail("payment session without a client secret"), 1;
  /* In a real app Stripe Elements collects the card with the session's client secret. */
  cJSON *a = ex_call(s.acct, "ensure_payment_method_added", NULL, NULL,
                     ex_jsonf("{\"payment_method_id\":\"pm_card_visa\"}"), NULL);
  if (!a) return 1;
  cJSON_Delete(a);
  cJSON *pm = ex_call(s.acct, "get_payment_method", NULL, NULL, NULL, NULL);
  if (!pm) return 1;
  snprintf(fig, n, "%s •••• %s", ex_str(pm, "card_brand"), ex_str(pm, "card_last4"));
  cJSON_Delete(pm);
  return 0;
}

static int finalize_enrollment(char *fig, size_t n) {
  cJSON *r = ex_call(s.acct, "finalize_enrollment", NULL, NULL, NULL, NULL);
  if (!r) return 1;
  cJSON_Delete(r);
  cJSON *a = ex_call(s.acct, "get_account", NULL, NULL, NULL, NULL);
  if (!a) return 1;
  if (!cJSON_IsTrue(ex_get(a, "enrollment.is_enrollment_finalized"))) {
    cJSON_Delete(a);
    return ex_fail("enrollment not finalized"), 1;
  }
  return account_status(a, fig, n);
}

static int activate(char *fig, size_t n) {
  cJSON *a = ex_call(s.acct, "sandbox_seed_demo_data", NULL, NULL, NULL, NULL);
  if (!a) return 1;
  snprintf(s.location, sizeof s.location, "%s", ex_str(a, "locations.0.uuid"));
  if (strcmp(ex_str(a, "status"), "active") != 0 || !s.location[0]) {
    ex_fail("status %s/%s after seeding", ex_str(a, "status"), ex_str(a, "status_reason"));
    cJSON_Delete(a);
    return 1;
  }
  return account_status(a, fig, n);
}

static int usage(char *fig, size_t n) {
  time_t t = time(NULL);
  struct tm tm;
  localtime_r(&t, &tm);
  int year = tm.tm_year + 1900, month = tm.tm_mon; /* last month, 1-based */
  if (month == 0) month = 12, year--;
  cJSON *q = ex_jsonf("{\"year\":%d}", year);
  cJSON *monthly = ex_call(s.acct, "usage_monthly", s.location, q, NULL, NULL);
  cJSON_Delete(q);
  q = ex_jsonf("{\"year\":%d,\"month\":%d}", year, month);
  cJSON *daily = monthly ? ex_call(s.acct, "usage_daily", s.location, q, NULL, NULL) : NULL;
  cJSON *intervals = daily ? ex_call(s.acct, "usage_intervals", s.location, q, NULL, NULL) : NULL;
  cJSON_Delete(q);
  int rc = 1;
  if (intervals) {
    int months = ex_len(monthly, "months"), days = ex_len(daily, "days"), ivs = ex_len(intervals, "intervals");
    if (months && days && ivs) {
      snprintf(fig, n, "%d months, %d days, %d intervals of %g min", months, days, ivs,
               ex_num(intervals, "interval_minutes"));
      rc = 0;
    } else {
      ex_fail("no usage for %04d-%02d", year, month);
    }
  }
  cJSON_Delete(monthly);
  cJSON_Delete(daily);
  cJSON_Delete(intervals);
  return rc;
}

/* Walk every page of the invoice list: light_page_next_query() builds the next page's query. */
static int invoices(char *fig, size_t n) {
  cJSON *query = NULL;
  int pages = 0, count = 0;
  for (;;) {
    light_params p = LIGHT_PARAMS_INIT;
    p.query = query;
    light_response *resp = NULL;
    light_error err = LIGHT_ERROR_INIT;
    if (light_call(&resp, s.acct, "list_invoices", &p, &err) != LIGHT_OK) {
      ex_fail("list_invoices: %s", err.message ? err.message : light_strerror(err.code));
      light_error_clear(&err);
      cJSON_Delete(query);
      return 1;
    }
    pages++;
    count += ex_len(light_response_json(resp), "data");
    cJSON *next = NULL;
    int more = light_page_next_query(&next, resp, query, NULL);
    light_response_free(resp);
    cJSON_Delete(query);
    query = next;
    if (more < 0) return ex_fail("list_invoices: not a list envelope"), 1;
    if (more == 0) break;
  }
  if (count == 0) return ex_fail("no invoices"), 1;
  snprintf(fig, n, "%d invoices across %d pages", count, pages);
  return 0;
}

static int documents(char *fig, size_t n) {
  cJSON *d = ex_call(s.acct, "get_location_documents", s.location, NULL, NULL, NULL);
  if (!d) return 1;
  snprintf(fig, n, "contract ends %s", ex_str(d, "contract_end"));
  cJSON_Delete(d);
  return 0;
}

static int renewal_plans(char *fig, size_t n) {
  cJSON *r = ex_call(s.acct, "request_renewal_plans", s.location, NULL, NULL, NULL);
  if (!r) return 1;
  const char *earliest = NULL;
  const cJSON *p;
  cJSON_ArrayForEach(p, ex_get(r, "plans")) {
    const char *d = ex_str(p, "earliest_start_date");
    if (!earliest || strcmp(d, earliest) < 0) earliest = d; /* ISO dates sort as text */
  }
  int count = ex_len(r, "plans");
  snprintf(fig, n, "%d plans from %s", count, earliest ? earliest : "");
  cJSON_Delete(r);
  if (count == 0) return ex_fail("no renewal plans"), 1;
  return 0;
}

static int comparison(char *fig, size_t n) {
  light_file file = {"file", "bill.pdf", "application/pdf", comparison_pdf, sizeof comparison_pdf - 1};
  cJSON *ci = ex_call(s.acct, "upload_comparison_invoice", NULL, NULL, NULL, &file);
  if (!ci) return 1;
  char uuid[64];
  snprintf(uuid, sizeof uuid, "%s", ex_str(ci, "uuid"));
  cJSON_Delete(ci);
  cJSON *q = ex_jsonf("{\"uuid\":\"%s\"}", uuid);
  double deadline = now_s() + 15;
  for (;;) {
    if (!(ci = ex_call(s.acct, "get_comparison_invoice", NULL, q, NULL, NULL))) break;
    if (strcmp(ex_str(ci, "status"), "pending") != 0) break;
    cJSON_Delete(ci);
    ci = NULL;
    if (now_s() > deadline) {
      ex_fail("comparison invoice still pending after 15 s");
      break;
    }
    sleep_s(0.1);
  }
  cJSON_Delete(q);
  if (!ci) return 1;
  const cJSON *perr = ex_get(ci, "processing_error");
  if (perr && !cJSON_IsNull(perr)) {
    ex_fail("processing error: %s", ex_str(ci, "processing_error"));
    cJSON_Delete(ci);
    return 1;
  }
  cJSON_Delete(ci);
  q = ex_jsonf("{\"plan_group\":\"%s\",\"uuid\":\"%s\"}", s.plan_group, uuid);
  cJSON *c = ex_call(s.acct, "simple_compare", NULL, q, NULL, NULL);
  cJSON_Delete(q);
  if (!c) return 1;
  snprintf(fig, n, "%s at $%s vs $%s", ex_str(c, "plan_comparison.name"), ex_str(c, "plan_comparison.total_dollars"),
           ex_str(c, "parsed_invoice_data.total_dollars"));
  cJSON_Delete(c);
  return 0;
}

/* ---- webhooks: list the receiver's deliveries (plain libcurl GET), verify each with the SDK ---- */

struct buf {
  char *data;
  size_t len;
};

static size_t on_data(char *p, size_t size, size_t nmemb, void *userdata) {
  struct buf *b = userdata;
  size_t add = size * nmemb;
  char *grown = realloc(b->data, b->len + add + 1);
  if (!grown) return 0;
  memcpy(grown + b->len, p, add);
  b->data = grown;
  b->len += add;
  b->data[b->len] = '\0';
  return add;
}

/* The receiver's deliveries whose event data mentions this account (caller owns), or NULL. */
static cJSON *my_deliveries(const char *url) {
  struct buf b = {NULL, 0};
  CURL *h = curl_easy_init();
  if (!h) return ex_fail("curl_easy_init failed"), NULL;
  curl_easy_setopt(h, CURLOPT_URL, url);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &b);
  curl_easy_setopt(h, CURLOPT_TIMEOUT, 10L);
  curl_easy_setopt(h, CURLOPT_FAILONERROR, 1L);
  CURLcode rc = curl_easy_perform(h);
  curl_easy_cleanup(h);
  if (rc != CURLE_OK) {
    free(b.data);
    return ex_fail("GET %s: %s", url, curl_easy_strerror(rc)), NULL;
  }
  cJSON *all = b.data ? cJSON_Parse(b.data) : NULL;
  free(b.data);
  if (!cJSON_IsArray(all)) {
    cJSON_Delete(all);
    return ex_fail("the receiver did not answer a JSON list"), NULL;
  }
  cJSON *mine = cJSON_CreateArray();
  const cJSON *d;
  cJSON_ArrayForEach(d, all) {
    cJSON *event = cJSON_Parse(ex_str(d, "body"));
    char *data = event ? cJSON_PrintUnformatted(ex_get(event, "data")) : NULL;
    if (data && strstr(data, s.uuid)) cJSON_AddItemToArray(mine, cJSON_Duplicate(d, 1));
    free(data);
    cJSON_Delete(event);
  }
  cJSON_Delete(all);
  return mine;
}

static int has_event(const cJSON *deliveries, const char *name) {
  const cJSON *d;
  cJSON_ArrayForEach(d, deliveries) if (strcmp(ex_str(d, "event"), name) == 0) return 1;
  return 0;
}

static int webhooks(char *fig, size_t n) {
  const char *url = getenv("LIGHT_RECEIVER_URL");
  const char *secret = getenv("LIGHT_WEBHOOK_SECRET");
  if (!url || !*url || !secret || !*secret) return ex_fail("set LIGHT_RECEIVER_URL and LIGHT_WEBHOOK_SECRET"), 1;
  /* Deliveries are asynchronous: poll until the set for this account stops growing (≤ ~10 s). */
  cJSON *mine = NULL;
  double deadline = now_s() + 10, stable_since = now_s();
  while (now_s() < deadline) {
    cJSON *got = my_deliveries(url);
    if (!got) {
      cJSON_Delete(mine);
      return 1;
    }
    if (!mine || cJSON_GetArraySize(got) != cJSON_GetArraySize(mine)) {
      cJSON_Delete(mine);
      mine = got;
      stable_since = now_s();
    } else {
      cJSON_Delete(got);
      if (cJSON_GetArraySize(mine) > 0 && has_event(mine, LIGHT_EVENT_COMPARISON_INVOICE_PROCESSED) &&
          now_s() - stable_since > 1.0)
        break;
    }
    sleep_s(0.2);
  }
  int received = cJSON_GetArraySize(mine), verified = 0;
  if (received == 0) {
    cJSON_Delete(mine);
    return ex_fail("no webhook deliveries for this account"), 1;
  }
  const char *secrets[] = {secret};
  char names[768] = "";
  const cJSON *d;
  cJSON_ArrayForEach(d, mine) {
    const char *body = ex_str(d, "body");
    light_error err = LIGHT_ERROR_INIT;
    cJSON *event = NULL;
    if (light_webhook_construct_event(&event, body, strlen(body), ex_str(d, "signature"), secrets, 1, 3600,
                                      (int64_t)time(NULL), &err) != LIGHT_OK) {
      ex_fail("%s: signature refused (%s)", ex_str(d, "event"), light_signature_reason_name(err.signature_reason));
      light_error_clear(&err);
      cJSON_Delete(mine);
      return 1;
    }
    verified++;
    const char *name = ex_str(event, "event");
    char needle[96];
    snprintf(needle, sizeof needle, " %s,", name);
    char padded[sizeof names + 2];
    snprintf(padded, sizeof padded, " %s,", names);
    if (!strstr(padded, needle) && strlen(names) + strlen(name) + 3 < sizeof names)
      snprintf(names + strlen(names), sizeof names - strlen(names), "%s%s", names[0] ? ", " : "", name);
    cJSON_Delete(event);
  }
  cJSON_Delete(mine);
  snprintf(fig, n, "%d received, %d verified: %s", received, verified, names);
  return 0;
}

int main(void) {
  if (!(s.app = ex_app_client())) { /* $LIGHT_APP_TOKEN, $LIGHT_BASE_URL */
    printf("  ✗ create account — %s\n", ex_error);
    return 1;
  }
  step("create account", create_account);
  step("check eligibility", check_eligibility);
  step("search address", search_address);
  step("request plans", request_plans);
  step("accept plan", accept_plan);
  step("submit identity", submit_identity);
  step("credit check", credit_check);
  step("add payment method", add_payment_method);
  step("finalize enrollment", finalize_enrollment);
  step("activate (sandbox)", activate);
  step("usage", usage);
  step("invoices", invoices);
  step("documents", documents);
  step("renewal plans", renewal_plans);
  step("comparison", comparison);
  step("webhooks", webhooks);
  light_client_free(s.acct);
  light_client_free(s.app);
  return 0;
}
