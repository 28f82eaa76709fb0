/* Clients, validation before I/O, every operation of the table through
 * light_call() against the emulator (method, path and auth kind checked in
 * its journal), raw light_request(), responses and pagination. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "harness.h"
#include "internal.h"
#include "light/light.h"
#include "sandbox_journal.h"

/* ---- options and validation (no I/O) ----------------------------------- */

static void test_options_init(void) {
  setenv("LIGHT_APP_TOKEN", "env_app_token", 1);
  setenv("LIGHT_BASE_URL", "http://127.0.0.1:9", 1);
  setenv("LIGHT_LOG", "debug", 1);
  light_client_options o;
  light_client_options_init(&o, LIGHT_CLIENT_OPTIONS_VERSION);
  CHECK_INT(o.version, LIGHT_CLIENT_OPTIONS_VERSION);
  CHECK_STR(o.app_token, "env_app_token");
  CHECK_STR(o.base_url, "http://127.0.0.1:9");
  CHECK_INT(o.log_level, LIGHT_LOG_DEBUG);
  CHECK_INT(o.max_retries, 2);
  CHECK(o.rate_limit == 0);
  setenv("LIGHT_LOG", "error", 1);
  light_client_options_init(&o, LIGHT_CLIENT_OPTIONS_VERSION);
  CHECK_INT(o.log_level, LIGHT_LOG_ERROR);
  unsetenv("LIGHT_APP_TOKEN");
  unsetenv("LIGHT_BASE_URL");
  unsetenv("LIGHT_LOG");
  light_client_options_init(&o, LIGHT_CLIENT_OPTIONS_VERSION);
  CHECK(o.app_token == NULL);
  CHECK(o.base_url == NULL);
  CHECK_INT(o.log_level, LIGHT_LOG_OFF);
  light_client_options_init(NULL, LIGHT_CLIENT_OPTIONS_VERSION); /* NULL-safe */

  /* defaults applied by light_client_new */
  o.app_token = "t";
  light_client *c = NULL;
  light_error err = LIGHT_ERROR_INIT;
  CHECK_INT(light_client_new(&c, &o, &err), LIGHT_OK);
  CHECK_STR(light_client_base_url(c), "https://api.light.dev");
  CHECK(light_client_can(c, LIGHT_AUTH_APP));
  CHECK(!light_client_can(c, LIGHT_AUTH_ACCOUNT));
  CHECK(light_client_account_uuid(c) == NULL);
  light_client_free(c);
  light_client_free(NULL);

  /* trailing slashes of the base URL are dropped */
  o.base_url = "http://127.0.0.1:9/";
  CHECK_INT(light_client_new(&c, &o, &err), LIGHT_OK);
  CHECK_STR(light_client_base_url(c), "http://127.0.0.1:9");
  light_client_free(c);
}

static light_status try_new(const char *app, const char *acct, const char *url, const char *ua) {
  light_client_options o;
  light_client_options_init(&o, LIGHT_CLIENT_OPTIONS_VERSION);
  o.app_token = app;
  o.account_token = acct;
  o.base_url = url;
  o.user_agent_runtime = ua;
  light_client *c = NULL;
  light_error err = LIGHT_ERROR_INIT;
  light_status st = light_client_new(&c, &o, &err);
  if (st != LIGHT_OK) {
    CHECK_INT(err.code, st);
    CHECK_INT(err.kind, LIGHT_ERR_INVALID_ARGUMENT);
    CHECK(err.message != NULL);
    /* the refused token never appears in the message */
    if (app && *app && err.message) CHECK(strstr(err.message, app) == NULL);
    CHECK(c == NULL);
  }
  light_client_free(c);
  light_error_clear(&err);
  return st;
}

static void test_validation(void) {
  CHECK_INT(try_new("tok", NULL, "http://127.0.0.1:1", NULL), LIGHT_OK);
  CHECK_INT(try_new(NULL, "acct", "https://example.test", NULL), LIGHT_OK);
  CHECK_INT(try_new(NULL, NULL, "http://127.0.0.1:1", NULL), LIGHT_E_INVALID_ARGUMENT);
  CHECK_INT(try_new("", "", "http://127.0.0.1:1", NULL), LIGHT_E_INVALID_ARGUMENT);
  CHECK_INT(try_new("tok", NULL, "ftp://127.0.0.1", NULL), LIGHT_E_INVALID_ARGUMENT);
  CHECK_INT(try_new("tok", NULL, "127.0.0.1:80", NULL), LIGHT_E_INVALID_ARGUMENT);
  CHECK_INT(try_new("tok", NULL, "http://", NULL), LIGHT_E_INVALID_ARGUMENT);
  CHECK_INT(try_new("tok", NULL, "http://a b", NULL), LIGHT_E_INVALID_ARGUMENT);
  CHECK_INT(try_new("tok", NULL, "http://host\r\nX-Evil: 1", NULL), LIGHT_E_INVALID_ARGUMENT);
  CHECK_INT(try_new("tok", NULL, "http://host/?q=1", NULL), LIGHT_E_INVALID_ARGUMENT);
  /* CR/LF (header injection) in tokens and header values */
  CHECK_INT(try_new("tok\r\nX-Injected: 1", NULL, "http://127.0.0.1:1", NULL), LIGHT_E_INVALID_ARGUMENT);
  CHECK_INT(try_new("tok\n", NULL, "http://127.0.0.1:1", NULL), LIGHT_E_INVALID_ARGUMENT);
  CHECK_INT(try_new(NULL, "acct\rx", "http://127.0.0.1:1", NULL), LIGHT_E_INVALID_ARGUMENT);
  CHECK_INT(try_new("tok with space", NULL, "http://127.0.0.1:1", NULL), LIGHT_E_INVALID_ARGUMENT);
  CHECK_INT(try_new("tok", NULL, "http://127.0.0.1:1", "python/3.11\r\nX-Evil: 1"), LIGHT_E_INVALID_ARGUMENT);
  CHECK_INT(try_new("tok", NULL, "http://127.0.0.1:1", "python/3.11.7"), LIGHT_OK);

  light_client *c = NULL;
  light_error err = LIGHT_ERROR_INIT;
  CHECK_INT(light_client_new(NULL, NULL, &err), LIGHT_E_INVALID_ARGUMENT);
  light_error_clear(&err);

  /* for_account: needs an app token and a sane uuid */
  light_client_options o;
  light_client_options_init(&o, LIGHT_CLIENT_OPTIONS_VERSION);
  o.account_token = "acct";
  o.base_url = "http://127.0.0.1:1";
  CHECK_INT(light_client_new(&c, &o, &err), LIGHT_OK);
  CHECK(light_client_can(c, LIGHT_AUTH_ACCOUNT));
  CHECK(!light_client_can(c, LIGHT_AUTH_APP));
  light_client *a = NULL;
  CHECK_INT(light_client_for_account(&a, c, "uuid", &err), LIGHT_E_INVALID_ARGUMENT);
  CHECK(a == NULL);
  light_client_free(c);
  o.account_token = NULL;
  o.app_token = "tok";
  CHECK_INT(light_client_new(&c, &o, &err), LIGHT_OK);
  CHECK_INT(light_client_for_account(&a, c, "", &err), LIGHT_E_INVALID_ARGUMENT);
  CHECK_INT(light_client_for_account(&a, c, "..", &err), LIGHT_E_INVALID_ARGUMENT);
  CHECK_INT(light_client_for_account(&a, c, "a\r\nb", &err), LIGHT_E_INVALID_ARGUMENT);
  CHECK_INT(light_client_for_account(&a, c, NULL, &err), LIGHT_E_INVALID_ARGUMENT);
  CHECK_INT(light_client_for_account(&a, c, "acc-1", &err), LIGHT_OK);
  CHECK_STR(light_client_account_uuid(a), "acc-1");
  CHECK(light_client_can(a, LIGHT_AUTH_ACCOUNT));
  CHECK(!light_client_can(a, LIGHT_AUTH_APP));
  /* the account client keeps the shared state alive after the parent is freed */
  light_client_free(c);
  CHECK_STR(light_client_base_url(a), "http://127.0.0.1:1");
  light_client_free(a);
  light_error_clear(&err);
}

/* Argument errors of light_call, all caught before any I/O (the emulator's
 * journal stays empty). */
static void expect_invalid(light_client *c, const char *op, const light_params *p, const char *what) {
  light_response *r = (light_response *)(uintptr_t)1;
  light_error err = LIGHT_ERROR_INIT;
  light_status st = light_call(&r, c, op, p, &err);
  if (st != LIGHT_E_INVALID_ARGUMENT) fprintf(stderr, "expected INVALID_ARGUMENT for %s, got %d\n", what, st);
  CHECK_INT(st, LIGHT_E_INVALID_ARGUMENT);
  CHECK_INT(err.kind, LIGHT_ERR_INVALID_ARGUMENT);
  CHECK(r == NULL);
  light_error_clear(&err);
}

static void test_call_validation(void) {
  th_clear_journal();
  light_client *app = th_client(NULL, NULL);
  light_client *acct = NULL;
  light_error err = LIGHT_ERROR_INIT;
  CHECK_INT(light_client_for_account(&acct, app, "00000000-0000-0000-0000-000000000000", &err), LIGHT_OK);
  light_params p = LIGHT_PARAMS_INIT;
  expect_invalid(app, "no_such_operation", NULL, "unknown op");
  expect_invalid(app, NULL, NULL, "NULL op");
  expect_invalid(app, "get_account", NULL, "account op on an app client");
  expect_invalid(acct, "list_accounts", NULL, "app op on an account client");
  expect_invalid(app, "get_app_account", NULL, "missing path param");
  const char *two[] = {"a", "b"};
  p.path_params = two;
  p.n_path_params = 2;
  expect_invalid(app, "get_app_account", &p, "too many path params");
  const char *dots[] = {".."};
  p.path_params = dots;
  p.n_path_params = 1;
  expect_invalid(app, "get_app_account", &p, "dot-dot path param");
  p = (light_params)LIGHT_PARAMS_INIT;
  expect_invalid(app, "create_account", &p, "missing required body field");
  cJSON *arr = cJSON_CreateArray();
  p.body = arr;
  expect_invalid(app, "create_account", &p, "body not an object");
  cJSON *body = cJSON_Parse("{\"first_name\":\"x\"}");
  p.body = body;
  expect_invalid(app, "create_account", &p, "required 'email' absent");
  p.body = body;
  expect_invalid(app, "list_accounts", &p, "body on a no-body op");
  p.body = NULL;
  light_file f = {NULL, "a.pdf", "application/pdf", "%PDF", 4};
  p.file = &f;
  expect_invalid(app, "list_accounts", &p, "file on a no-body op");
  expect_invalid(acct, "get_account", &p, "file on an account GET");
  p.file = NULL;
  expect_invalid(acct, "upload_comparison_invoice", &p, "multipart without file");
  light_file bad = {NULL, "a\r\n.pdf", "application/pdf", "%PDF", 4};
  p.file = &bad;
  expect_invalid(acct, "upload_comparison_invoice", &p, "CR/LF in filename");
  p = (light_params)LIGHT_PARAMS_INIT;
  cJSON *q = cJSON_Parse("{\"nested\":{\"a\":1}}");
  p.query = q;
  expect_invalid(app, "list_accounts", &p, "nested query");
  /* raw request validation */
  light_response *r = NULL;
  CHECK_INT(light_request(&r, app, "GET", "/v1/app/x\r\nX-Evil: 1", NULL, &err), LIGHT_E_INVALID_ARGUMENT);
  CHECK_INT(light_request(&r, app, "GET", "v1/app/accounts", NULL, &err), LIGHT_E_INVALID_ARGUMENT);
  CHECK_INT(light_request(&r, app, "GE T", "/v1/app/accounts", NULL, &err), LIGHT_E_INVALID_ARGUMENT);
  CHECK_INT(light_request(&r, app, "GET", "/v1/app/../../etc", NULL, &err), LIGHT_E_INVALID_ARGUMENT);
  CHECK_INT(light_request(&r, app, "GET", "/v1/account", NULL, &err), LIGHT_E_INVALID_ARGUMENT);
  CHECK_INT(light_request(&r, acct, "GET", "/v1/app/accounts", NULL, &err), LIGHT_E_INVALID_ARGUMENT);
  CHECK_INT(light_call(NULL, app, "list_accounts", NULL, &err), LIGHT_E_INVALID_ARGUMENT);
  light_error_clear(&err);
  cJSON_Delete(arr);
  cJSON_Delete(body);
  cJSON_Delete(q);
  cJSON *j = th_journal();
  CHECK_INT(cJSON_GetArraySize(j), 0); /* nothing reached the server */
  cJSON_Delete(j);
  light_client_free(acct);
  light_client_free(app);
}

/* ---- every operation --------------------------------------------------- */

/* First value of `key` anywhere in the tree (depth first), or NULL. */
static const cJSON *find_key(const cJSON *j, const char *key) {
  if (!j) return NULL;
  const cJSON *it;
  if (cJSON_IsObject(j)) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, key);
    if (v && !cJSON_IsNull(v)) return v;
  }
  cJSON_ArrayForEach(it, j) {
    if (cJSON_IsObject(it) || cJSON_IsArray(it)) {
      const cJSON *v = find_key(it, key);
      if (v) return v;
    }
  }
  return NULL;
}

static const char *find_str(const cJSON *j, const char *key) {
  const cJSON *v = find_key(j, key);
  return cJSON_IsString(v) ? v->valuestring : NULL;
}

static int ops_seen[64];
static int ops_ok[64];

/* Call op, check the journal entry (method, path, auth kind), return the
 * response on 2xx (caller frees) or NULL. */
static light_response *call_op(light_client *c, const char *op_id, const char *const *pp, size_t npp, cJSON *body,
                               cJSON *query, const light_file *file) {
  const light_operation *op = light_operation_find(op_id);
  CHECK(op != NULL);
  if (!op) return NULL;
  size_t idx = 0;
  for (size_t i = 0; i < light_operation_count(); i++)
    if (light_operation_at(i) == op) idx = i;
  light_params p = LIGHT_PARAMS_INIT;
  p.path_params = pp;
  p.n_path_params = npp;
  p.body = body;
  p.query = query;
  p.file = file;
  th_clear_journal();
  light_response *r = NULL;
  light_error err = LIGHT_ERROR_INIT;
  light_status st = light_call(&r, c, op_id, &p, &err);
  if (st != LIGHT_OK && st != LIGHT_E_API) {
    fprintf(stderr, "%s: unexpected status %d (%s)\n", op_id, st, err.message ? err.message : "");
    CHECK(st == LIGHT_OK || st == LIGHT_E_API);
  }
  if (st == LIGHT_E_API)
    fprintf(stderr, "note: %s answered %d: %s\n", op_id, err.http_status, err.message ? err.message : "");
  /* expected path */
  light__buf path = {0};
  light_error perr = LIGHT_ERROR_INIT;
  CHECK_INT(light__codec_path(op->path, pp, npp, &path, &perr), LIGHT_OK);
  cJSON *j = th_journal();
  const cJSON *e = th_last(j);
  CHECK(e != NULL);
  if (e) {
    const char *m = th_str(e, "method"), *pa = th_str(e, "path"), *ak = th_str(e, "auth_kind");
    if (!m || strcmp(m, op->method) != 0 || !pa || strcmp(pa, path.data) != 0)
      fprintf(stderr, "%s: journal has %s %s, expected %s %s\n", op_id, m ? m : "?", pa ? pa : "?", op->method,
              path.data);
    CHECK_STR(m, op->method);
    CHECK_STR(pa, path.data);
    CHECK_STR(ak, op->auth == LIGHT_AUTH_APP ? "app" : "account");
  }
  cJSON_Delete(j);
  light__buf_free(&path);
  ops_seen[idx] = 1;
  ops_ok[idx] = st == LIGHT_OK;
  light_error_clear(&err);
  return st == LIGHT_OK ? r : NULL;
}

static cJSON *obj(const char *json) {
  cJSON *j = cJSON_Parse(json);
  if (!j) {
    fprintf(stderr, "bad test JSON: %s\n", json);
    exit(2);
  }
  return j;
}

/* Call and drop the response; returns 1 on 2xx. */
static int call_drop(light_client *c, const char *op, const char *const *pp, size_t npp, const char *body,
                     const char *query) {
  cJSON *b = body ? obj(body) : NULL, *q = query ? obj(query) : NULL;
  light_response *r = call_op(c, op, pp, npp, b, q, NULL);
  int ok = r != NULL;
  light_response_free(r);
  cJSON_Delete(b);
  cJSON_Delete(q);
  return ok;
}

/* First plan of a {plans: [...]} answer: uuid and earliest start date. */
static void first_plan(const light_response *r, char *uuid, size_t un, char *start, size_t sn) {
  const cJSON *plans = cJSON_GetObjectItemCaseSensitive(light_response_json(r), "plans");
  const cJSON *p0 = cJSON_GetArrayItem(plans, 0);
  const char *u = th_str(p0, "uuid"), *s = th_str(p0, "earliest_start_date");
  snprintf(uuid, un, "%s", u ? u : "");
  snprintf(start, sn, "%s", s ? s : "");
}

static void set_config(const char *json) { CHECK(th_config(json) == 200); }

/* Walk every page of the seeded invoices with light_page_next_query(). */
static void test_invoice_pages(light_client *ac) {
  cJSON *query = obj("{\"limit\":10}");
  int pages = 0, items = 0;
  th_clear_journal();
  for (;;) {
    light_params p = LIGHT_PARAMS_INIT;
    p.query = query;
    light_response *r = NULL;
    light_error err = LIGHT_ERROR_INIT;
    if (light_call(&r, ac, "list_invoices", &p, &err) != LIGHT_OK) {
      fprintf(stderr, "list_invoices: %s\n", err.message ? err.message : "?");
      CHECK(0);
      light_error_clear(&err);
      break;
    }
    pages++;
    items += cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(light_response_json(r), "data"));
    cJSON *next = NULL;
    int more = light_page_next_query(&next, r, query, NULL);
    light_response_free(r);
    CHECK(more >= 0);
    if (more != 1 || pages > 100) break;
    cJSON_Delete(query);
    query = next;
  }
  cJSON_Delete(query);
  fprintf(stderr, "invoice pagination: %d pages, %d invoices\n", pages, items);
  CHECK(pages >= 3);
  CHECK(items >= 21);
  cJSON *j = th_journal();
  CHECK_INT(th_count(j, "GET", "^/v1/account/billing/invoices$"), pages);
  cJSON_Delete(j);
}

static void test_all_operations(void) {
  light_client *app = th_client(NULL, NULL);
  memset(ops_seen, 0, sizeof ops_seen);
  memset(ops_ok, 0, sizeof ops_ok);
  char buf[1024];
  /* async steps of the emulator complete at once */
  set_config("{\"comparison_processing_delay\": 0, \"usage_profile_delay\": 0}");

  /* --- app token --- */
  cJSON *b =
      obj("{\"email\":\"all-ops@example.com\",\"first_name\":\"Ada\",\"last_name\":\"Lovelace\","
          "\"phone_number\":\"214-555-0100\",\"date_of_birth\":\"1990-01-01\"}");
  light_response *r = call_op(app, "create_account", NULL, 0, b, NULL, NULL);
  cJSON_Delete(b);
  CHECK(r != NULL);
  char uuid[128] = "missing";
  const char *u0 = r ? th_str(light_response_json(r), "uuid") : NULL;
  if (u0) snprintf(uuid, sizeof uuid, "%s", u0);
  light_response_free(r);
  const char *acc[] = {uuid};
  CHECK(call_drop(app, "list_accounts", NULL, 0, NULL, "{\"limit\":2}"));
  CHECK(call_drop(app, "get_app_account", acc, 1, NULL, NULL));
  CHECK(call_drop(app, "update_app_account", acc, 1, "{\"first_name\":\"Grace\"}", NULL));
  CHECK(call_drop(app, "create_account_token", acc, 1, NULL, NULL));
  CHECK(call_drop(app, "create_flow_login", acc, 1, "{\"scope\":\"enrollment\"}", NULL));
  CHECK(call_drop(app, "check_eligibility", NULL, 0, "{\"postal_code\":\"75202\"}", NULL));
  CHECK(call_drop(app, "app_address_search", NULL, 0, "{\"query\":\"456 Elm\"}", NULL));
  CHECK(
      call_drop(app, "full_address_search", NULL, 0, "{\"address_1\":\"456 Elm St\",\"postal_code\":\"75202\"}", NULL));
  CHECK(call_drop(app, "app_request_plans", NULL, 0, "{\"esi_id\":\"10443720000000001\"}", NULL));
  CHECK(call_drop(app, "plan_benchmarks", NULL, 0, NULL, "{\"postal_code\":\"75202\"}"));
  char plan_group[128] = "";
  r = call_op(app, "list_plan_groups", NULL, 0, NULL, NULL, NULL);
  CHECK(r != NULL);
  if (r) {
    const char *g = th_str(cJSON_GetArrayItem(light_response_json(r), 0), "uuid");
    if (g) snprintf(plan_group, sizeof plan_group, "%s", g);
  }
  light_response_free(r);

  /* --- account token (minted by the core): a whole enrollment --- */
  light_client *ac = NULL;
  light_error err = LIGHT_ERROR_INIT;
  CHECK_INT(light_client_for_account(&ac, app, uuid, &err), LIGHT_OK);
  CHECK(call_drop(ac, "get_account", NULL, 0, NULL, NULL));
  CHECK(call_drop(ac, "account_address_search", NULL, 0, "{\"query\":\"456 Elm\"}", NULL));
  CHECK(call_drop(ac, "esi_id_search", NULL, 0, "{\"esi_id\":\"10443720000000001\"}", NULL));
  char plan_uuid[128] = "", start[32] = "";
  r = call_op(ac, "account_request_plans", NULL, 0, b = obj("{\"esi_id\":\"10443720000000001\"}"), NULL, NULL);
  cJSON_Delete(b);
  CHECK(r != NULL);
  first_plan(r, plan_uuid, sizeof plan_uuid, start, sizeof start);
  light_response_free(r);
  snprintf(buf, sizeof buf,
           "{\"plan_uuid\":\"%s\",\"esi_id\":\"10443720000000001\",\"service_start_date\":\"%s\","
           "\"terms_accepted\":true}",
           plan_uuid, start);
  CHECK(call_drop(ac, "accept_plan", NULL, 0, buf, NULL));
  CHECK(call_drop(ac, "update_identity", NULL, 0, "{}", NULL));
  CHECK(call_drop(ac, "credit_check", NULL, 0, "{\"ssn\":\"123-45-6789\",\"consent\":true}", NULL));
  CHECK(call_drop(ac, "create_payment_session", NULL, 0, NULL, NULL));
  CHECK(call_drop(ac, "ensure_payment_method_added", NULL, 0, "{\"payment_method_id\":\"pm_card_visa\"}", NULL));
  CHECK(call_drop(ac, "get_payment_method", NULL, 0, NULL, NULL));
  CHECK(call_drop(ac, "finalize_enrollment", NULL, 0, "{}", NULL));
  CHECK(call_drop(ac, "sandbox_seed_demo_data", NULL, 0, NULL, NULL));
  test_invoice_pages(ac);

  char location[128] = "no-location";
  r = call_op(ac, "get_account", NULL, 0, NULL, NULL, NULL);
  if (r) {
    const cJSON *locs = cJSON_GetObjectItemCaseSensitive(light_response_json(r), "locations");
    const char *lu = th_str(cJSON_GetArrayItem(locs, 0), "uuid");
    if (lu) snprintf(location, sizeof location, "%s", lu);
  }
  light_response_free(r);
  const char *loc[] = {location};
  char invoice[128] = "none";
  r = call_op(ac, "list_invoices", NULL, 0, NULL, NULL, NULL);
  CHECK(r != NULL);
  if (r) {
    const cJSON *data = cJSON_GetObjectItemCaseSensitive(light_response_json(r), "data");
    const char *num = th_str(cJSON_GetArrayItem(data, 0), "number");
    if (num) snprintf(invoice, sizeof invoice, "%s", num);
  }
  light_response_free(r);
  const char *inv[] = {invoice};
  CHECK(call_drop(ac, "get_invoice", inv, 1, NULL, NULL));
  CHECK(call_drop(ac, "get_billing_address", NULL, 0, NULL, NULL));
  CHECK(call_drop(ac, "update_billing_address", NULL, 0,
                  "{\"address_1\":\"1 Billing Way\",\"city\":\"Dallas\",\"state\":\"TX\",\"postal_code\":\"75202\"}",
                  NULL));
  CHECK(call_drop(ac, "get_location", loc, 1, NULL, NULL));
  CHECK(call_drop(ac, "get_location_plan", loc, 1, NULL, NULL));
  CHECK(call_drop(ac, "get_location_documents", loc, 1, NULL, NULL));
  CHECK(call_drop(ac, "get_all_location_documents", loc, 1, NULL, NULL));
  CHECK(call_drop(ac, "get_support_info", loc, 1, NULL, NULL));
  CHECK(call_drop(ac, "usage_monthly", loc, 1, NULL, NULL));
  CHECK(call_drop(ac, "usage_daily", loc, 1, NULL, NULL));
  CHECK(call_drop(ac, "usage_intervals", loc, 1, NULL, NULL));
  CHECK(call_drop(ac, "meter_reads", loc, 1, NULL, NULL));
  char renewal_plan[128] = "", renewal_start[32] = "";
  r = call_op(ac, "request_renewal_plans", loc, 1, NULL, NULL, NULL);
  CHECK(r != NULL);
  first_plan(r, renewal_plan, sizeof renewal_plan, renewal_start, sizeof renewal_start);
  light_response_free(r);
  snprintf(buf, sizeof buf, "{\"plan_uuid\":\"%s\",\"service_start_date\":\"%s\",\"terms_accepted\":true}",
           renewal_plan, renewal_start);
  CHECK(call_drop(ac, "accept_renewal_plan", loc, 1, buf, NULL));

  /* comparison invoice: a PDF that names the ESI ID */
  static const char pdf[] = "%PDF-1.4\n% ESI ID 10443720000000001\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n";
  light_file f = {"file", "bill.pdf", "application/pdf", pdf, sizeof pdf - 1};
  char ci_uuid[128] = "none";
  r = call_op(ac, "upload_comparison_invoice", NULL, 0, NULL, NULL, &f);
  CHECK(r != NULL);
  if (r && th_str(light_response_json(r), "uuid"))
    snprintf(ci_uuid, sizeof ci_uuid, "%s", th_str(light_response_json(r), "uuid"));
  light_response_free(r);
  CHECK(call_drop(ac, "get_comparison_invoice", NULL, 0, NULL, NULL));
  snprintf(buf, sizeof buf, "{\"plan_group\":\"%s\",\"uuid\":\"%s\"}", plan_group, ci_uuid);
  CHECK(call_drop(ac, "simple_compare", NULL, 0, NULL, buf));
  CHECK(call_drop(ac, "annual_compare", NULL, 0, NULL, buf));

  /* usage profile (app token) from the processed comparison invoice */
  snprintf(buf, sizeof buf, "{\"comparison_invoice_uuid\":\"%s\",\"user_authorizes_usage_fetch\":true}", ci_uuid);
  char profile[128] = "none";
  r = call_op(app, "fetch_usage_profile", NULL, 0, b = obj(buf), NULL, NULL);
  cJSON_Delete(b);
  CHECK(r != NULL);
  if (r) {
    CHECK_INT(light_response_status(r), 202);
    const char *pu = th_str(light_response_json(r), "uuid");
    if (pu) snprintf(profile, sizeof profile, "%s", pu);
  }
  light_response_free(r);
  const char *prof[] = {profile};
  CHECK(call_drop(app, "get_usage_profile", prof, 1, NULL, NULL));

  /* the power-of-attorney path and the partner's per-account plans */
  CHECK(call_drop(app, "record_client_agent", acc, 1, "{}", NULL));
  CHECK(call_drop(app, "app_account_request_plans", acc, 1, "{\"esi_id\":\"10443720000000001\"}", NULL));
  /* wind down */
  CHECK(call_drop(ac, "cancel_service", loc, 1, "{}", NULL));
  CHECK(call_drop(ac, "sandbox_delete_enrollment", NULL, 0, NULL, NULL));

  int seen = 0, ok = 0;
  for (size_t i = 0; i < light_operation_count(); i++) {
    seen += ops_seen[i];
    ok += ops_ok[i];
    if (!ops_seen[i])
      fprintf(stderr, "operation %s was not exercised\n", light_operation_at(i)->id);
    else if (!ops_ok[i])
      fprintf(stderr, "operation %s did not answer 2xx\n", light_operation_at(i)->id);
  }
  fprintf(stderr, "operations: %d of %zu called, %d answered 2xx\n", seen, light_operation_count(), ok);
  CHECK_INT(seen, (int)light_operation_count());
  CHECK_INT(ok, (int)light_operation_count());
  th_admin("DELETE", "/_sandbox/config", NULL, NULL);
  light_error_clear(&err);
  light_client_free(ac);
  light_client_free(app);
}

/* ---- raw requests, responses, pagination -------------------------------- */

static void test_raw_request(void) {
  light_client *app = th_client(NULL, NULL);
  light_response *r = NULL;
  light_error err = LIGHT_ERROR_INIT;
  cJSON *q = obj("{\"limit\":1}");
  light_params p = LIGHT_PARAMS_INIT;
  p.query = q;
  th_clear_journal();
  CHECK_INT(light_request(&r, app, "get", "/v1/app/accounts", &p, &err), LIGHT_OK);
  CHECK_INT(light_response_status(r), 200);
  CHECK(cJSON_IsObject(light_response_json(r)));
  size_t n = 0;
  CHECK(light_response_body(r, &n) != NULL && n > 0);
  CHECK(light_response_headers(r, &n) != NULL && n > 0);
  CHECK(light_response_header(r, "content-type") != NULL);
  CHECK_INT(light_response_retries(r), 0);
  cJSON *taken = light_response_take_json(r);
  CHECK(taken != NULL);
  CHECK(light_response_json(r) == NULL);
  cJSON_Delete(taken);
  light_response_free(r);
  cJSON *j = th_journal();
  const cJSON *e = th_last(j);
  CHECK_STR(th_str(e, "method"), "GET");
  CHECK_STR(th_str(e, "path"), "/v1/app/accounts");
  CHECK_STR(th_str(e, "auth_kind"), "app");
  /* the headers the core always sends */
  const char *ua = th_entry_header(e, "User-Agent");
  CHECK(ua && strncmp(ua, "light-sdk/", 10) == 0);
  CHECK_STR(th_entry_header(e, "Accept"), "application/json");
  CHECK(th_entry_header(e, "X-Light-Retry-Count") == NULL);
  cJSON_Delete(j);

  /* unknown path → 404 NotFoundError with the body kept */
  CHECK_INT(light_request(&r, app, "GET", "/v1/app/no-such-thing", NULL, &err), LIGHT_E_API);
  CHECK_INT(err.http_status, 404);
  CHECK_INT(err.kind, LIGHT_ERR_NOT_FOUND);
  CHECK(err.body != NULL);
  CHECK(r == NULL);
  light_error_clear(&err);

  /* JSON body in, JSON out */
  cJSON *b = obj("{\"email\":\"raw@example.com\",\"first_name\":\"R\",\"last_name\":\"Q\"}");
  p = (light_params)LIGHT_PARAMS_INIT;
  p.body = b;
  th_clear_journal();
  CHECK_INT(light_request(&r, app, "POST", "/v1/app/accounts", &p, &err), LIGHT_OK);
  CHECK(find_str(light_response_json(r), "uuid") != NULL);
  light_response_free(r);
  j = th_journal();
  e = th_last(j);
  CHECK_STR(th_entry_header(e, "Content-Type"), "application/json");
  cJSON_Delete(j);
  cJSON_Delete(b);
  cJSON_Delete(q);
  light_client_free(app);
}

static void test_pagination(void) {
  light_client *app = th_client(NULL, NULL);
  /* enough accounts for 3+ pages of 2 */
  for (int i = 0; i < 5; i++) {
    char email[64];
    snprintf(email, sizeof email, "page%d@example.com", i);
    free(th_create_account(app, email));
  }
  cJSON *query = obj("{\"limit\":2}");
  int pages = 0, items = 0;
  th_clear_journal();
  for (;;) {
    light_params p = LIGHT_PARAMS_INIT;
    p.query = query;
    light_response *r = NULL;
    light_error err = LIGHT_ERROR_INIT;
    if (light_call(&r, app, "list_accounts", &p, &err) != LIGHT_OK) {
      fprintf(stderr, "list_accounts: %s\n", err.message ? err.message : "?");
      CHECK(0);
      light_error_clear(&err);
      break;
    }
    pages++;
    items += cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(light_response_json(r), "data"));
    cJSON *next = NULL;
    int more = light_page_next_query(&next, r, query, NULL);
    light_response_free(r);
    CHECK(more >= 0);
    if (more != 1 || pages > 1000) break;
    CHECK(cJSON_GetObjectItemCaseSensitive(next, "offset") != NULL);
    CHECK_INT(cJSON_GetObjectItemCaseSensitive(next, "limit")->valueint, 2);
    cJSON_Delete(query);
    query = next;
  }
  cJSON_Delete(query);
  fprintf(stderr, "pagination: %d pages, %d items\n", pages, items);
  CHECK(pages >= 3);
  CHECK(items >= 5);
  /* the journal shows the offsets advancing */
  cJSON *j = th_journal();
  CHECK_INT(th_count(j, "GET", "^/v1/app/accounts$"), pages);
  const cJSON *e;
  int with_offset = 0;
  cJSON_ArrayForEach(e, j) {
    const cJSON *qq = cJSON_GetObjectItemCaseSensitive(e, "query");
    if (cJSON_IsObject(qq) && cJSON_GetObjectItemCaseSensitive(qq, "offset")) with_offset++;
    if (cJSON_IsString(qq) && strstr(qq->valuestring, "offset=")) with_offset++;
  }
  CHECK_INT(with_offset, pages - 1);
  cJSON_Delete(j);
  light_client_free(app);
}

/* light_page_next_query on synthetic envelopes (no I/O). */
static void test_page_next_query_unit(void) {
  static const char *h = "Content-Type: application/json\r\n";
  cJSON *next = NULL;
  light_response *r = light__response_new(200, h, strlen(h), "", 0,
                                          obj("{\"data\":[1,2],\"has_more\":true,\"limit\":2,\"offset\":4}"), 0);
  cJSON *prev = obj("{\"limit\":2,\"offset\":4,\"status\":\"active\"}");
  CHECK_INT(light_page_next_query(&next, r, prev, NULL), 1);
  CHECK_INT(cJSON_GetObjectItemCaseSensitive(next, "offset")->valueint, 6);
  CHECK_STR(cJSON_GetObjectItemCaseSensitive(next, "status")->valuestring, "active");
  cJSON_Delete(next);
  CHECK_INT(light_page_next_query(&next, r, NULL, NULL), 1);
  CHECK_INT(cJSON_GetObjectItemCaseSensitive(next, "offset")->valueint, 6);
  CHECK_INT(cJSON_GetObjectItemCaseSensitive(next, "limit")->valueint, 2);
  cJSON_Delete(next);
  light_response_free(r);
  r = light__response_new(200, h, strlen(h), "", 0, obj("{\"data\":[1],\"has_more\":false}"), 0);
  CHECK_INT(light_page_next_query(&next, r, prev, NULL), 0);
  CHECK(next == NULL);
  light_response_free(r);
  r = light__response_new(200, h, strlen(h), "", 0, obj("{\"data\":[],\"has_more\":true}"), 0);
  CHECK_INT(light_page_next_query(&next, r, prev, NULL), 0); /* empty page never loops */
  light_response_free(r);
  r = light__response_new(200, h, strlen(h), "", 0, obj("[1,2]"), 0);
  CHECK_INT(light_page_next_query(&next, r, prev, NULL), 0); /* a bare array is one page */
  CHECK(next == NULL);
  light_response_free(r);
  r = light__response_new(200, h, strlen(h), "", 0, obj("\"text\""), 0);
  CHECK_INT(light_page_next_query(&next, r, prev, NULL), LIGHT_E_DECODE);
  light_response_free(r);
  cJSON_Delete(prev);
  /* headers: case-insensitive, status line skipped, request id */
  static const char *hh = "HTTP/1.1 200 OK\r\nX-Request-Id: abc\r\nContent-Type:  text/plain \r\n";
  r = light__response_new(200, hh, strlen(hh), "x", 1, NULL, 3);
  CHECK_STR(light_response_header(r, "content-type"), "text/plain");
  CHECK_STR(light_response_request_id(r), "abc");
  CHECK(light_response_header(r, "HTTP/1.1 200 OK") == NULL);
  CHECK_INT(light_response_retries(r), 3);
  light_response_free(r);
  light_response_free(NULL);
}

/* ---- log: tokens never printed ----------------------------------------- */

typedef struct log_capture {
  light__buf text;
  int lines;
} log_capture;

static void capture(void *ud, light_log_level level, const char *line) {
  log_capture *c = ud;
  (void)level;
  light__buf_appends(&c->text, line);
  light__buf_appends(&c->text, "\n");
  c->lines++;
}

static void tweak_log(light_client_options *o, void *ud) {
  o->log_level = LIGHT_LOG_DEBUG;
  o->log_cb = capture;
  o->log_ud = ud;
}

static void test_log_redaction(void) {
  log_capture cap = {{0}, 0};
  light_client *app = th_client(tweak_log, &cap);
  char *uuid = th_create_account(app, "log@example.com");
  CHECK(uuid != NULL);
  light_client *ac = NULL;
  light_error err = LIGHT_ERROR_INIT;
  light_client_for_account(&ac, app, uuid ? uuid : "x", &err);
  light_response *r = NULL;
  CHECK_INT(light_call(&r, ac, "get_account", NULL, &err), LIGHT_OK);
  light_response_free(r);
  cJSON *q = obj("{\"year\":2030,\"secret_value\":\"s3cr3t-query-value\"}");
  light_params p = LIGHT_PARAMS_INIT;
  p.query = q;
  light_request(&r, app, "GET", "/v1/app/accounts", &p, &err);
  light_response_free(r);
  light_error_clear(&err);
  /* the account token the core minted, read from the shared cache */
  char *minted = light__token_cache_peek(app->tokens, NULL);
  CHECK(minted != NULL);
  const char *text = cap.text.data ? cap.text.data : "";
  CHECK(cap.lines >= 4);
  CHECK(strstr(text, "GET /v1/account ->") != NULL);
  CHECK(strstr(text, "account token mint") != NULL);
  CHECK(strstr(text, "[redacted]") != NULL);
  CHECK(strstr(text, th_env("LIGHT_SANDBOX_APP_TOKEN")) == NULL);
  if (minted) CHECK(strstr(text, minted) == NULL);
  CHECK(strstr(text, "s3cr3t-query-value") == NULL);
  CHECK(strstr(text, "secret_value=") != NULL); /* keys only */
  free(minted);
  free(uuid);
  cJSON_Delete(q);
  light_client_free(ac);
  light_client_free(app);
  light__buf_free(&cap.text);
}

/* ---- fork safety ------------------------------------------------------- */

#include <sys/wait.h>
#include <unistd.h>

static void test_fork(void) {
  light_client *app = th_client(NULL, NULL);
  light_response *r = NULL;
  light_error err = LIGHT_ERROR_INIT;
  CHECK_INT(light_call(&r, app, "list_accounts", NULL, &err), LIGHT_OK);
  light_response_free(r);
  fflush(NULL);
  pid_t pid = fork();
  if (pid == 0) {
    light_status st = light_call(&r, app, "list_accounts", NULL, &err);
    int ok = st == LIGHT_E_STATE && err.message && strstr(err.message, "fork") != NULL;
    _exit(ok ? 0 : 1);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  /* the parent keeps working */
  CHECK_INT(light_call(&r, app, "list_accounts", NULL, &err), LIGHT_OK);
  light_response_free(r);
  light_error_clear(&err);
  light_client_free(app);
}

/* ---- with_options: changed settings, shared pool and token cache ---------- */

static int count_path(const cJSON *journal, const char *suffix) {
  int n = 0;
  const cJSON *e;
  cJSON_ArrayForEach(e, journal) {
    const char *path = th_str(e, "path");
    size_t pl = path ? strlen(path) : 0, sl = strlen(suffix);
    if (path && pl >= sl && strcmp(path + pl - sl, suffix) == 0) n++;
  }
  return n;
}

static void test_with_options(void) {
  light_client *app = th_client(NULL, NULL);
  light_client *derived = NULL;
  light_error err = LIGHT_ERROR_INIT;
  light_client_overrides o;
  light_client_overrides_init(&o);
  CHECK_INT(o.max_retries, -1);
  /* bad input before anything */
  o.app_info = "Bad\r\nX-Evil: 1";
  CHECK_INT(light_client_with_options(&derived, app, &o, &err), LIGHT_E_INVALID_ARGUMENT);
  CHECK(derived == NULL && err.param && strcmp(err.param, "app_info") == 0);
  light_error_clear(&err);
  o.app_info = "";
  CHECK_INT(light_client_with_options(&derived, app, &o, &err), LIGHT_E_INVALID_ARGUMENT);
  light_error_clear(&err);
  o.app_info = NULL;
  o.max_retries = -2;
  CHECK_INT(light_client_with_options(&derived, app, &o, &err), LIGHT_E_INVALID_ARGUMENT);
  light_error_clear(&err);
  CHECK_INT(light_client_with_options(&derived, NULL, NULL, &err), LIGHT_E_INVALID_ARGUMENT);
  light_error_clear(&err);

  light_client_overrides_init(&o);
  o.app_info = "MyApp/1.2 (https://my.app)";
  o.max_retries = 0;
  CHECK_INT(light_client_with_options(&derived, app, &o, &err), LIGHT_OK);
  CHECK(light_client_can(derived, LIGHT_AUTH_APP));
  CHECK_STR(light_client_base_url(derived), light_client_base_url(app));

  /* the derived client's User-Agent ends with the app info; the base's does not */
  light_response *r = NULL;
  th_clear_journal();
  CHECK_INT(light_request(&r, derived, "GET", "/v1/app/accounts", NULL, &err), LIGHT_OK);
  light_response_free(r);
  CHECK_INT(light_request(&r, app, "GET", "/v1/app/accounts", NULL, &err), LIGHT_OK);
  light_response_free(r);
  cJSON *j = th_journal();
  const char *ua1 = th_entry_header(cJSON_GetArrayItem(j, 0), "User-Agent");
  const char *ua2 = th_entry_header(cJSON_GetArrayItem(j, 1), "User-Agent");
  CHECK(ua1 && ua2);
  if (ua1 && ua2) {
    size_t l1 = strlen(ua1), l2 = strlen(ua2);
    CHECK(l1 > l2 && strncmp(ua1, ua2, l2) == 0 && strcmp(ua1 + l2, " MyApp/1.2 (https://my.app)") == 0);
  }
  cJSON_Delete(j);

  /* max_retries 0 on the derived client: a 500 is not retried; the base retries */
  CHECK(th_fault("{\"method\":\"GET\",\"path\":\"/v1/app/accounts\",\"kind\":\"status\",\"status\":500,\"times\":1}") ==
        200);
  CHECK_INT(light_request(&r, derived, "GET", "/v1/app/accounts", NULL, &err), LIGHT_E_API);
  CHECK_INT(err.retries, 0);
  light_error_clear(&err);
  th_clear_faults();

  /* token cache shared: an account token minted through app serves derived's account client */
  cJSON *b = obj("{\"email\":\"with-options@example.com\"}");
  r = call_op(app, "create_account", NULL, 0, b, NULL, NULL);
  cJSON_Delete(b);
  CHECK(r != NULL);
  const char *uuid = r ? th_str(light_response_json(r), "uuid") : NULL;
  CHECK(uuid != NULL);
  if (uuid) {
    light_client *a1 = NULL, *a2 = NULL;
    CHECK_INT(light_client_for_account(&a1, app, uuid, &err), LIGHT_OK);
    CHECK_INT(light_client_for_account(&a2, derived, uuid, &err), LIGHT_OK);
    th_clear_journal();
    light_response *r1 = NULL, *r2 = NULL;
    CHECK_INT(light_call(&r1, a1, "get_account", NULL, &err), LIGHT_OK);
    CHECK_INT(light_call(&r2, a2, "get_account", NULL, &err), LIGHT_OK);
    light_response_free(r1);
    light_response_free(r2);
    j = th_journal();
    CHECK_INT(count_path(j, "/token"), 1);
    const char *ua = th_entry_header(th_last(j), "User-Agent");
    CHECK(ua && strstr(ua, " MyApp/1.2 (https://my.app)") != NULL); /* inherited by for_account */
    cJSON_Delete(j);
    /* freeing a with_options client closes nothing; freeing the client that
     * created the shared state closes every client derived from it */
    light_client *tmp = NULL;
    CHECK_INT(light_client_with_options(&tmp, app, NULL, &err), LIGHT_OK);
    light_client_free(tmp);
    r2 = NULL;
    CHECK_INT(light_call(&r2, a2, "get_account", NULL, &err), LIGHT_OK);
    light_response_free(r2);
    light_client_free(app);
    app = NULL;
    r2 = NULL;
    CHECK_INT(light_call(&r2, a2, "get_account", NULL, &err), LIGHT_E_STATE);
    light_error_clear(&err);
    light_response_free(r2);
    light_client_free(a1);
    light_client_free(a2);
  }
  light_response_free(r);
  light_client_free(derived);
  light_client_free(app);
}

int main(void) {
  test_options_init();
  test_validation();
  test_page_next_query_unit();
  th_require_sandbox();
  th_clear_faults();
  test_call_validation();
  test_raw_request();
  test_all_operations();
  test_pagination();
  test_with_options();
  test_log_redaction();
  test_fork();
  TEST_MAIN_END();
}
