/* Small helpers shared by the C examples (header-only, so every example .c file
 * stays one self-contained program): build a JSON value from a format string,
 * call an operation and keep its JSON, read nested fields, format errors.
 * They use the public SDK surface only (<light/light.h>). */
#ifndef LIGHT_EXAMPLE_CALLS_H
#define LIGHT_EXAMPLE_CALLS_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <light/light.h>

/* The text of the last failure, for the "✗ <step> — <error>" line. */
static char ex_error[1024];

static inline void ex_fail(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(ex_error, sizeof ex_error, fmt, ap);
  va_end(ap);
}

/* A JSON value from printf-style text, e.g. ex_jsonf("{\"esi_id\":\"%s\"}", esi).
 * Only for values that need no escaping (uuids, dates, numbers). Caller owns. */
static inline cJSON *ex_jsonf(const char *fmt, ...) {
  char buf[2048];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  if (n < 0 || (size_t)n >= sizeof buf) return NULL;
  return cJSON_Parse(buf);
}

/* Call @p op (one optional path parameter, optional query/body/file) and
 * return its JSON body (caller owns; cJSON_Delete), or NULL with ex_error set.
 * @p body is consumed. A 2xx with an empty body returns an empty object. */
static inline cJSON *ex_call(light_client *client, const char *op, const char *path_param, const cJSON *query,
                             cJSON *body, const light_file *file) {
  light_params p = LIGHT_PARAMS_INIT;
  const char *pp[1] = {path_param};
  if (path_param) {
    p.path_params = pp;
    p.n_path_params = 1;
  }
  p.query = query;
  p.body = body;
  p.file = file;
  light_response *resp = NULL;
  light_error err = LIGHT_ERROR_INIT;
  light_status st = light_call(&resp, client, op, &p, &err);
  cJSON_Delete(body);
  if (st != LIGHT_OK) {
    if (err.http_status)
      ex_fail("%s: %s (HTTP %d): %s", op, light_error_kind_name(err.kind), err.http_status,
              err.message ? err.message : light_strerror(st));
    else
      ex_fail("%s: %s: %s", op, light_strerror(st), err.message ? err.message : "");
    light_error_clear(&err);
    return NULL;
  }
  cJSON *json = light_response_take_json(resp);
  light_response_free(resp);
  return json ? json : cJSON_CreateObject();
}

/* The value at a dotted path ("enrollment.is_service_active", "plans.0.name"), or NULL (borrowed). */
static inline const cJSON *ex_get(const cJSON *json, const char *path) {
  char key[128];
  while (json && *path) {
    size_t n = strcspn(path, ".");
    if (n >= sizeof key) return NULL;
    memcpy(key, path, n);
    key[n] = '\0';
    if (cJSON_IsArray(json)) {
      char *end;
      long i = strtol(key, &end, 10);
      json = (*end == '\0' && i >= 0) ? cJSON_GetArrayItem(json, (int)i) : NULL;
    } else {
      json = cJSON_GetObjectItemCaseSensitive(json, key);
    }
    path += n + (path[n] == '.');
  }
  return json;
}

/* The string at @p path, or "" when absent or not a string (borrowed). */
static inline const char *ex_str(const cJSON *json, const char *path) {
  const cJSON *v = ex_get(json, path);
  return cJSON_IsString(v) ? v->valuestring : "";
}

/* The number at @p path (numbers, or decimal strings as the API sends money and kWh), or 0. */
static inline double ex_num(const cJSON *json, const char *path) {
  const cJSON *v = ex_get(json, path);
  if (cJSON_IsNumber(v)) return v->valuedouble;
  if (cJSON_IsString(v)) return strtod(v->valuestring, NULL);
  return 0;
}

/* Number of items of the array at @p path (0 when absent). */
static inline int ex_len(const cJSON *json, const char *path) {
  const cJSON *v = ex_get(json, path);
  return cJSON_IsArray(v) ? cJSON_GetArraySize(v) : 0;
}

/* An app client from LIGHT_APP_TOKEN / LIGHT_BASE_URL (LIGHT_CA_FILE optional), or NULL with ex_error set. */
static inline light_client *ex_app_client(void) {
  light_client_options opts;
  light_client_options_init(&opts, LIGHT_CLIENT_OPTIONS_VERSION);
  opts.ca_file = getenv("LIGHT_CA_FILE");
  light_client *app = NULL;
  light_error err = LIGHT_ERROR_INIT;
  if (light_client_new(&app, &opts, &err) != LIGHT_OK) {
    ex_fail("light_client_new: %s", err.message ? err.message : light_strerror(err.code));
    light_error_clear(&err);
    return NULL;
  }
  return app;
}

/* An account client for @p uuid (token minted, cached and refreshed by the SDK), or NULL with ex_error set. */
static inline light_client *ex_account_client(light_client *app, const char *uuid) {
  light_client *acct = NULL;
  light_error err = LIGHT_ERROR_INIT;
  if (light_client_for_account(&acct, app, uuid, &err) != LIGHT_OK) {
    ex_fail("light_client_for_account: %s", err.message ? err.message : light_strerror(err.code));
    light_error_clear(&err);
    return NULL;
  }
  return acct;
}

/* Integer value of a decimal string with @p places decimals ("125.11" → 12511 for 2 places):
 * the API sends money and kWh as text; sums stay exact in integers. */
static inline long long ex_fixed(const char *text, int places) {
  long long whole = 0, frac = 0;
  int neg = *text == '-', seen = 0;
  if (neg || *text == '+') text++;
  for (; *text >= '0' && *text <= '9'; text++) whole = whole * 10 + (*text - '0');
  if (*text == '.')
    for (text++; *text >= '0' && *text <= '9' && seen < places; text++, seen++) frac = frac * 10 + (*text - '0');
  for (; seen < places; seen++) frac *= 10;
  long long scale = 1;
  for (int i = 0; i < places; i++) scale *= 10;
  return (neg ? -1 : 1) * (whole * scale + frac);
}

/* Print an ex_fixed() value back as decimal text into @p out. */
static inline const char *ex_fixed_text(long long v, int places, char *out, size_t n) {
  long long scale = 1;
  for (int i = 0; i < places; i++) scale *= 10;
  long long a = v < 0 ? -v : v;
  snprintf(out, n, "%s%lld.%0*lld", v < 0 ? "-" : "", a / scale, places, a % scale);
  return out;
}

/* An account with active service for the billing and usage examples: LIGHT_ACCOUNT_UUID when set (it
 * must have a location), else a fresh sandbox customer enrolled through the SDK and activated with the
 * sandbox seed operation (12 months of usage, two years of invoices). Fills @p acct (caller frees) and
 * @p location; returns 0, or -1 with ex_error set. */
static inline int ex_active_account(light_client *app, light_client **acct, char *location, size_t n) {
  const char *uuid = getenv("LIGHT_ACCOUNT_UUID");
  char created[64] = "";
  *acct = NULL;
  if (!uuid || !*uuid) {
    char email[96];
    static unsigned seq;
    snprintf(email, sizeof email, "example+%ld.%u.%ld@example.com", (long)time(NULL), seq++, (long)clock());
    cJSON *a = ex_call(app, "create_account", NULL, NULL,
                       ex_jsonf("{\"email\":\"%s\",\"first_name\":\"Ada\",\"last_name\":\"Lovelace\","
                                "\"phone_number\":\"214-555-0100\",\"date_of_birth\":\"1985-12-10\"}",
                                email),
                       NULL);
    if (!a) return -1;
    snprintf(created, sizeof created, "%s", ex_str(a, "uuid"));
    cJSON_Delete(a);
    uuid = created;
  }
  if (!(*acct = ex_account_client(app, uuid))) return -1;
  cJSON *a = NULL;
  if (created[0]) {
    char esi[32], plan[64], start[16];
    cJSON *hits = ex_call(app, "full_address_search", NULL, NULL,
                          ex_jsonf("{\"address_1\":\"123 Main St\",\"postal_code\":\"75201\"}"), NULL);
    if (!hits) goto fail;
    snprintf(esi, sizeof esi, "%s", ex_str(hits, "0.esi_id"));
    cJSON_Delete(hits);
    cJSON *plans = ex_call(*acct, "account_request_plans", NULL, NULL, ex_jsonf("{\"esi_id\":\"%s\"}", esi), NULL);
    if (!plans) goto fail;
    snprintf(plan, sizeof plan, "%s", ex_str(plans, "plans.0.uuid"));
    snprintf(start, sizeof start, "%s", ex_str(plans, "plans.0.earliest_start_date"));
    cJSON_Delete(plans);
    cJSON *r;
    if (!(r = ex_call(*acct, "accept_plan", NULL, NULL,
                      ex_jsonf("{\"plan_uuid\":\"%s\",\"esi_id\":\"%s\",\"service_start_date\":\"%s\","
                               "\"terms_accepted\":true}",
                               plan, esi, start),
                      NULL)))
      goto fail;
    cJSON_Delete(r);
    if (!(r = ex_call(*acct, "update_identity", NULL, NULL, ex_jsonf("{}"), NULL))) goto fail;
    cJSON_Delete(r);
    if (!(r = ex_call(*acct, "ensure_payment_method_added", NULL, NULL,
                      ex_jsonf("{\"payment_method_id\":\"pm_card_visa\"}"), NULL)))
      goto fail;
    cJSON_Delete(r);
    if (!(r = ex_call(*acct, "finalize_enrollment", NULL, NULL, NULL, NULL))) goto fail;
    cJSON_Delete(r);
    a = ex_call(*acct, "sandbox_seed_demo_data", NULL, NULL, NULL, NULL);
  } else {
    a = ex_call(*acct, "get_account", NULL, NULL, NULL, NULL);
  }
  if (!a) goto fail;
  snprintf(location, n, "%s", ex_str(a, "locations.0.uuid"));
  cJSON_Delete(a);
  if (!*location) {
    ex_fail("account %s has no service location", uuid);
    goto fail;
  }
  return 0;
fail:
  light_client_free(*acct);
  *acct = NULL;
  return -1;
}

#endif
