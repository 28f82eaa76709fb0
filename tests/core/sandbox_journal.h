/* Helpers over the emulator's admin routes for the client/transport tests:
 * journal reading and filtering, faults, clock, config. Built on th_admin()
 * from harness.h. Every function is static inline so each test binary gets
 * its own copy. */
#ifndef LIGHT_TEST_SANDBOX_JOURNAL_H
#define LIGHT_TEST_SANDBOX_JOURNAL_H

#include <regex.h>
#include <strings.h>
#include <stdint.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "harness.h"
#include "light/light.h"

static inline double th_scale(void) {
  const char *s = th_env("LIGHT_TEST_SCALE");
  double v = s ? atof(s) : 1.0;
  return v > 0 ? v : 1.0;
}

static inline int th_scaled(int n, int min) {
  int v = (int)(n * th_scale());
  return v < min ? min : v;
}

static inline int64_t th_mono_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The journal as a cJSON array (caller frees), oldest first. Accepts a bare
 * array or an object with "requests". */
static inline cJSON *th_journal(void) {
  char *body = NULL;
  long code = th_admin("GET", "/_sandbox/requests", NULL, &body);
  cJSON *j = (code == 200 && body) ? cJSON_Parse(body) : NULL;
  free(body);
  if (!j) {
    fprintf(stderr, "could not read the emulator journal (HTTP %ld)\n", code);
    return cJSON_CreateArray();
  }
  if (cJSON_IsArray(j)) return j;
  cJSON *r = cJSON_DetachItemFromObjectCaseSensitive(j, "requests");
  cJSON_Delete(j);
  return cJSON_IsArray(r) ? r : (cJSON_Delete(r), cJSON_CreateArray());
}

static inline void th_clear_journal(void) { th_admin("DELETE", "/_sandbox/requests", NULL, NULL); }
static inline void th_clear_faults(void) { th_admin("DELETE", "/_sandbox/faults", NULL, NULL); }

static inline long th_fault(const char *json) {
  long code = th_admin("POST", "/_sandbox/faults", json, NULL);
  if (code < 200 || code >= 300) fprintf(stderr, "fault %s refused: HTTP %ld\n", json, code);
  return code;
}

static inline long th_config(const char *json) { return th_admin("POST", "/_sandbox/config", json, NULL); }

static inline long th_advance_clock(double seconds) {
  char b[64];
  snprintf(b, sizeof b, "{\"advance\": %.3f}", seconds);
  return th_admin("POST", "/_sandbox/clock", b, NULL);
}

static inline const char *th_str(const cJSON *o, const char *k) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
  return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* Journal entries whose method equals `method` (NULL = any) and whose path
 * matches the POSIX extended regex `path_re` (anchored by the caller). */
static inline int th_count(const cJSON *journal, const char *method, const char *path_re) {
  regex_t re;
  if (regcomp(&re, path_re, REG_EXTENDED | REG_NOSUB) != 0) return -1;
  int n = 0;
  const cJSON *e;
  cJSON_ArrayForEach(e, journal) {
    const char *m = th_str(e, "method"), *p = th_str(e, "path");
    if (!p || (method && (!m || strcmp(m, method) != 0))) continue;
    if (regexec(&re, p, 0, NULL, 0) == 0) n++;
  }
  regfree(&re);
  return n;
}

/* Header value of a journal entry (case-insensitive name), or NULL. */
static inline const char *th_entry_header(const cJSON *e, const char *name) {
  const cJSON *h = cJSON_GetObjectItemCaseSensitive(e, "headers");
  const cJSON *it;
  if (cJSON_IsObject(h)) {
    cJSON_ArrayForEach(it, h) {
      if (it->string && strcasecmp(it->string, name) == 0 && cJSON_IsString(it)) return it->valuestring;
    }
  } else if (cJSON_IsArray(h)) { /* [[name, value], ...] */
    cJSON_ArrayForEach(it, h) {
      const cJSON *n = cJSON_GetArrayItem(it, 0), *v = cJSON_GetArrayItem(it, 1);
      if (cJSON_IsString(n) && cJSON_IsString(v) && strcasecmp(n->valuestring, name) == 0) return v->valuestring;
    }
  }
  return NULL;
}

/* Last journal entry (or NULL) — borrowed from journal. */
static inline const cJSON *th_last(const cJSON *journal) {
  int n = cJSON_GetArraySize(journal);
  return n ? cJSON_GetArrayItem(journal, n - 1) : NULL;
}

/* A client on the emulator with fast retries; extra settings via `tweak`. */
static inline light_client *th_client(void (*tweak)(light_client_options *, void *), void *ud) {
  light_client_options o;
  light_client_options_init(&o, LIGHT_CLIENT_OPTIONS_VERSION);
  o.base_url = th_env("LIGHT_SANDBOX_URL");
  o.app_token = th_env("LIGHT_SANDBOX_APP_TOKEN");
  o.ca_file = th_env("LIGHT_SANDBOX_CA_FILE");
  o.retry_base_s = 0.01;
  o.retry_max_s = 0.05;
  o.timeout_ms = 20000;
  if (tweak) tweak(&o, ud);
  light_client *c = NULL;
  light_error err = LIGHT_ERROR_INIT;
  if (light_client_new(&c, &o, &err) != LIGHT_OK) {
    fprintf(stderr, "light_client_new: %s\n", err.message ? err.message : "?");
    exit(2);
  }
  light_error_clear(&err);
  return c;
}

/* Create an account through the app client; returns its malloc'd uuid or NULL. */
static inline char *th_create_account(light_client *app, const char *email) {
  cJSON *body = cJSON_CreateObject();
  cJSON_AddStringToObject(body, "email", email);
  cJSON_AddStringToObject(body, "first_name", "Test");
  cJSON_AddStringToObject(body, "last_name", "User");
  light_params p = LIGHT_PARAMS_INIT;
  p.body = body;
  light_response *r = NULL;
  light_error err = LIGHT_ERROR_INIT;
  char *uuid = NULL;
  if (light_call(&r, app, "create_account", &p, &err) == LIGHT_OK) {
    const char *u = th_str(light_response_json(r), "uuid");
    if (!u) u = th_str(light_response_json(r), "account_uuid");
    if (u) uuid = strdup(u);
  } else {
    fprintf(stderr, "create_account: %s (HTTP %d)\n", err.message ? err.message : "?", err.http_status);
  }
  light_response_free(r);
  light_error_clear(&err);
  cJSON_Delete(body);
  return uuid;
}

#endif
