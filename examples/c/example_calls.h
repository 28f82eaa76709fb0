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
  light_status st = light_call(client, op, &p, &resp, &err);
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
  light_client_options_init(&opts);
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
  if (light_client_for_account(app, uuid, &acct, &err) != LIGHT_OK) {
    ex_fail("light_client_for_account: %s", err.message ? err.message : light_strerror(err.code));
    light_error_clear(&err);
    return NULL;
  }
  return acct;
}

#endif
