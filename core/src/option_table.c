/* The client option table (light/options.h): one row per field of
 * light_client_options, the setters that validate a value before storing it,
 * and the checks light_client_new() runs on a struct filled directly.
 * Static data; no allocation; no locking. */
#include "option_table.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "codec.h"

/* How the field is stored in light_client_options. */
typedef enum ctype { CT_STR, CT_INT, CT_LONG, CT_SIZE, CT_DOUBLE, CT_LOGLEVEL } ctype;

typedef struct row {
  light_option pub;
  ctype ct;
} row;

#define OFF(f) offsetof(light_client_options, f)
#define WEEK_MS 604800000.0
#define SECRET LIGHT_OPT_SECRET
#define NOCRLF LIGHT_OPT_NO_CRLF
#define MINX LIGHT_OPT_MIN_EXCLUSIVE

/* name, js_name, type, unit, default text, default number, env, min, max, choices, doc, offset, flags; storage */
static const row ROWS[] = {
    {{"app_token", "appToken", LIGHT_OPT_STRING, NULL, "env LIGHT_APP_TOKEN", 0, "LIGHT_APP_TOKEN", 0, 0, NULL,
      "App token (Authorization: Bearer) for /v1/app operations and minting account tokens.", OFF(app_token),
      SECRET | NOCRLF},
     CT_STR},
    {{"account_token", "accountToken", LIGHT_OPT_STRING, NULL, "none", 0, NULL, 0, 0, NULL,
      "A bare account token: a client for /v1/account operations without an app token.", OFF(account_token),
      SECRET | NOCRLF},
     CT_STR},
    {{"base_url", "baseURL", LIGHT_OPT_STRING, NULL, "env LIGHT_BASE_URL, else https://api.light.dev", 0,
      "LIGHT_BASE_URL", 0, 0, NULL, "API origin: an http:// or https:// URL without query or fragment.", OFF(base_url),
      NOCRLF},
     CT_STR},
    {{"timeout", "timeout", LIGHT_OPT_INT, "ms", "60000", 60000, NULL, 1, WEEK_MS, NULL,
      "Total time allowed per attempt.", OFF(timeout_ms), 0},
     CT_LONG},
    {{"connect_timeout", "connectTimeout", LIGHT_OPT_INT, "ms", "10000", 10000, NULL, 1, WEEK_MS, NULL,
      "Time allowed to establish a connection.", OFF(connect_timeout_ms), 0},
     CT_LONG},
    {{"max_retries", "maxRetries", LIGHT_OPT_INT, NULL, "2", 2, NULL, 0, 100, NULL,
      "Retries after the first attempt (0 disables); a POST is retried only when it cannot have reached the server.",
      OFF(max_retries), 0},
     CT_INT},
    {{"retry_base", "retryBase", LIGHT_OPT_DOUBLE, "s", "0.5", 0.5, NULL, 0, 3600, NULL,
      "First backoff delay; doubles per retry, with jitter.", OFF(retry_base_s), MINX},
     CT_DOUBLE},
    {{"retry_max", "retryMax", LIGHT_OPT_DOUBLE, "s", "8", 8, NULL, 0, 3600, NULL, "Longest backoff delay.",
      OFF(retry_max_s), MINX},
     CT_DOUBLE},
    {{"retry_after_cap", "retryAfterCap", LIGHT_OPT_DOUBLE, "s", "60", 60, NULL, 0, 86400, NULL,
      "Longest Retry-After honoured; a longer one ends the retries.", OFF(retry_after_cap_s), MINX},
     CT_DOUBLE},
    {{"ca_file", "caFile", LIGHT_OPT_STRING, NULL, "system store", 0, NULL, 0, 0, NULL,
      "PEM bundle of the CAs to trust.", OFF(ca_file), NOCRLF | LIGHT_OPT_PATH},
     CT_STR},
    {{"proxy", "proxy", LIGHT_OPT_STRING, NULL, "none", 0, NULL, 0, 0, NULL,
      "Proxy URL (libcurl syntax); may carry user:password, never shown.", OFF(proxy), SECRET | NOCRLF},
     CT_STR},
    {{"insecure_skip_verify", "insecureSkipVerify", LIGHT_OPT_BOOL, NULL, "false", 0, NULL, 0, 1, NULL,
      "Do not verify TLS certificates (loopback tests only).", OFF(insecure_skip_verify), 0},
     CT_INT},
    {{"max_response_bytes", "maxResponseBytes", LIGHT_OPT_INT, "bytes", "67108864", 67108864, NULL, 1,
      9007199254740992.0, NULL, "Largest response body accepted; a larger one fails with the too-large error.",
      OFF(max_response_bytes), 0},
     CT_SIZE},
    {{"rate_limit", "rateLimit", LIGHT_OPT_BOOL, NULL, "false", 0, NULL, 0, 1, NULL,
      "Client-side rate limiter (app_rate_per_s, account_rate_per_s).", OFF(rate_limit), 0},
     CT_INT},
    {{"app_rate_per_s", "appRatePerS", LIGHT_OPT_INT, "1/s", "30", 30, NULL, 1, 100000, NULL,
      "Limiter: requests per second per app token.", OFF(app_rate_per_s), 0},
     CT_INT},
    {{"account_rate_per_s", "accountRatePerS", LIGHT_OPT_INT, "1/s", "10", 10, NULL, 1, 100000, NULL,
      "Limiter: requests per second per account.", OFF(account_rate_per_s), 0},
     CT_INT},
    {{"token_refresh_margin", "tokenRefreshMargin", LIGHT_OPT_INT, "s", "600", 600, NULL, 1, 86400, NULL,
      "Refresh a minted account token this long before it expires.", OFF(token_refresh_margin_s), 0},
     CT_LONG},
    {{"log_level", "logLevel", LIGHT_OPT_ENUM, NULL, "env LIGHT_LOG, else off", 0, "LIGHT_LOG", 0, 0,
      "off|error|info|debug", "Redacted log lines to stderr (or the host's logger).", OFF(log_level), 0},
     CT_LOGLEVEL},
    {{"user_agent_runtime", "userAgentRuntime", LIGHT_OPT_STRING, NULL, "the binding's runtime", 0, NULL, 0, 0, NULL,
      "Runtime appended to the User-Agent (set by the bindings).", OFF(user_agent_runtime),
      LIGHT_OPT_INTERNAL | NOCRLF},
     CT_STR},
};

#define N_ROWS (sizeof ROWS / sizeof ROWS[0])

size_t light_option_count(void) { return N_ROWS; }

const light_option *light_option_at(size_t i) { return i < N_ROWS ? &ROWS[i].pub : NULL; }

static const row *find_row(const char *name, size_t len) {
  if (!name) return NULL;
  for (size_t i = 0; i < N_ROWS; i++) {
    const light_option *o = &ROWS[i].pub;
    if ((strlen(o->name) == len && memcmp(o->name, name, len) == 0) ||
        (strlen(o->js_name) == len && memcmp(o->js_name, name, len) == 0))
      return &ROWS[i];
  }
  return NULL;
}

const light_option *light_option_find(const char *name, size_t len) {
  const row *r = find_row(name, len);
  return r ? &r->pub : NULL;
}

const char *light_option_type_name(light_option_type type) {
  switch (type) {
  case LIGHT_OPT_STRING: return "string";
  case LIGHT_OPT_INT: return "integer";
  case LIGHT_OPT_DOUBLE: return "number";
  case LIGHT_OPT_BOOL: return "boolean";
  case LIGHT_OPT_ENUM: return "string";
  }
  return "value";
}

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static light_status
invalid(light_error *err, const light_option *o, const char *fmt, ...) {
  char msg[256];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  light__error_set(err, LIGHT_E_INVALID_ARGUMENT, LIGHT_ERR_INVALID_ARGUMENT, "%s", msg);
  if (err && o) err->param = o->name;
  return LIGHT_E_INVALID_ARGUMENT;
}

light_status light_option_type_error(const light_option *opt, const char *given, const char *got, light_error *err) {
  if (!opt) return light__error_set(err, LIGHT_E_INVALID_ARGUMENT, LIGHT_ERR_INVALID_ARGUMENT, "unknown option");
  int ms = opt->unit && strcmp(opt->unit, "ms") == 0; /* seconds (a float) in Python and Lua */
  const char *what = opt->type == LIGHT_OPT_INT && ms ? "a number"
                     : opt->type == LIGHT_OPT_INT     ? "an integer"
                     : opt->type == LIGHT_OPT_DOUBLE  ? "a number"
                     : opt->type == LIGHT_OPT_BOOL    ? "a boolean"
                     : opt->type == LIGHT_OPT_ENUM    ? "a string (one of off, error, info, debug)"
                                                      : "a string";
  return invalid(err, opt, "option '%s' must be %s, not %s", given ? given : opt->name, what, got ? got : "that type");
}

light_status light_option_unknown_error(const char *name, size_t len, light_error *err) {
  char shown[64];
  size_t n = len < sizeof shown - 4 ? len : sizeof shown - 4;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)name[i];
    shown[i] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
  }
  if (n < len) memcpy(shown + n, "...", 3), n += 3;
  shown[n] = '\0';
  light__error_set(err, LIGHT_E_INVALID_ARGUMENT, LIGHT_ERR_INVALID_ARGUMENT, "unknown option '%s'", shown);
  return LIGHT_E_INVALID_ARGUMENT;
}

/* ---- storing ------------------------------------------------------------ */

static void *field(light_client_options *o, const row *r) { return (char *)o + r->pub.offset; }

static void store_number(light_client_options *o, const row *r, double v) {
  void *f = field(o, r);
  switch (r->ct) {
  case CT_INT: *(int *)f = (int)v; break;
  case CT_LONG: *(long *)f = (long)v; break;
  case CT_SIZE: *(size_t *)f = (size_t)v; break;
  case CT_DOUBLE: *(double *)f = v; break;
  default: break;
  }
}

static const char *unit_words(const char *unit) {
  if (!unit) return "";
  if (strcmp(unit, "ms") == 0) return " milliseconds";
  if (strcmp(unit, "s") == 0) return " seconds";
  if (strcmp(unit, "bytes") == 0) return " bytes";
  if (strcmp(unit, "1/s") == 0) return " per second";
  return "";
}

/* Range and type checks of a number given in @p scale units of the row
 * (1 = the row's unit; 1000 = seconds for an "ms" row). */
static light_status check_number(const row *r, const char *given, double v, double scale, const char *unit,
                                 light_error *err) {
  const light_option *o = &r->pub;
  char lo[32], hi[32], range[96];
  if (isnan(v)) return invalid(err, o, "option '%s' must be a number, not NaN", given);
  if (isinf(v)) return invalid(err, o, "option '%s' must be a finite number, not %sInfinity", given, v < 0 ? "-" : "");
  double scaled = v * scale;
  if (o->type == LIGHT_OPT_INT && scale == 1 && scaled != floor(scaled))
    return invalid(err, o, "option '%s' must be a whole number%s%s", given, *unit_words(unit) ? " of" : "",
                   unit_words(unit));
  int low = (o->flags & LIGHT_OPT_MIN_EXCLUSIVE) ? !(scaled > o->min) : !(scaled >= o->min);
  if (low || scaled > o->max) {
    snprintf(lo, sizeof lo, "%.15g", o->min / scale);
    snprintf(hi, sizeof hi, "%.15g", o->max / scale);
    if (o->flags & LIGHT_OPT_MIN_EXCLUSIVE)
      snprintf(range, sizeof range, "greater than %s and at most %s", lo, hi);
    else
      snprintf(range, sizeof range, "between %s and %s", lo, hi);
    return invalid(err, o, "option '%s' must be %s%s", given, range, unit_words(unit));
  }
  return LIGHT_OK;
}

static light_status lookup(const char *name, const row **out, light_error *err) {
  *out = name ? find_row(name, strlen(name)) : NULL;
  if (!*out) return light_option_unknown_error(name ? name : "(null)", name ? strlen(name) : 6, err);
  return LIGHT_OK;
}

light_status light_client_options_set_double(light_client_options *opts, const char *name, double value,
                                             light_error *err) {
  const row *r;
  if (lookup(name, &r, err) != LIGHT_OK) return LIGHT_E_INVALID_ARGUMENT;
  if (r->pub.type == LIGHT_OPT_BOOL && (value == 0 || value == 1))
    return light_client_options_set_bool(opts, name, value != 0, err);
  if (r->pub.type != LIGHT_OPT_INT && r->pub.type != LIGHT_OPT_DOUBLE)
    return light_option_type_error(&r->pub, name, "number", err);
  light_status st = check_number(r, name, value, 1, r->pub.unit, err);
  if (st != LIGHT_OK || !opts) return st;
  store_number(opts, r, value);
  return LIGHT_OK;
}

light_status light_client_options_set_int(light_client_options *opts, const char *name, long long value,
                                          light_error *err) {
  /* Beyond 2^53 every range is exceeded anyway; clamp so the message is right. */
  double d = value > (1LL << 53) ? 9007199254740994.0 : value < -(1LL << 53) ? -9007199254740994.0 : (double)value;
  return light_client_options_set_double(opts, name, d, err);
}

light_status light_client_options_set_seconds(light_client_options *opts, const char *name, double seconds,
                                              light_error *err) {
  const row *r;
  if (lookup(name, &r, err) != LIGHT_OK) return LIGHT_E_INVALID_ARGUMENT;
  if (!r->pub.unit || strcmp(r->pub.unit, "ms") != 0) return light_client_options_set_double(opts, name, seconds, err);
  if (r->pub.type != LIGHT_OPT_INT) return light_option_type_error(&r->pub, name, "number", err);
  light_status st = check_number(r, name, seconds, 1000.0, "s", err);
  if (st != LIGHT_OK || !opts) return st;
  store_number(opts, r, floor(seconds * 1000.0 + 0.5));
  return LIGHT_OK;
}

light_status light_client_options_set_bool(light_client_options *opts, const char *name, int value, light_error *err) {
  const row *r;
  if (lookup(name, &r, err) != LIGHT_OK) return LIGHT_E_INVALID_ARGUMENT;
  if (r->pub.type != LIGHT_OPT_BOOL) return light_option_type_error(&r->pub, name, "boolean", err);
  if (opts) *(int *)field(opts, r) = value ? 1 : 0;
  return LIGHT_OK;
}

static int parse_log_level(const char *v, size_t len, int *out) {
  static const char *const names[] = {"off", "error", "info", "debug"};
  for (int i = 0; i < 4; i++)
    if (strlen(names[i]) == len && strncasecmp(names[i], v, len) == 0) {
      *out = i; /* LIGHT_LOG_OFF..LIGHT_LOG_DEBUG */
      return 0;
    }
  return -1;
}

light_status light_client_options_set_string(light_client_options *opts, const char *name, const char *value,
                                             size_t len, light_error *err) {
  const row *r;
  if (lookup(name, &r, err) != LIGHT_OK) return LIGHT_E_INVALID_ARGUMENT;
  const light_option *o = &r->pub;
  if (o->type != LIGHT_OPT_STRING && o->type != LIGHT_OPT_ENUM) return light_option_type_error(o, name, "string", err);
  if (!value) {
    if (opts && r->ct == CT_STR) *(const char **)field(opts, r) = NULL;
    if (opts && r->ct == CT_LOGLEVEL) *(light_log_level *)field(opts, r) = LIGHT_LOG_OFF;
    return LIGHT_OK;
  }
  if (memchr(value, '\0', len) || value[len] != '\0') return invalid(err, o, "option '%s' must not contain NUL", name);
  if ((o->flags & LIGHT_OPT_NO_CRLF) && (memchr(value, '\r', len) || memchr(value, '\n', len)))
    return invalid(err, o, "option '%s' must not contain CR or LF", name);
  if (r->ct == CT_LOGLEVEL) {
    int lv;
    if (parse_log_level(value, len, &lv) != 0)
      return invalid(err, o, "option '%s' must be one of off, error, info, debug", name);
    if (opts) *(light_log_level *)field(opts, r) = (light_log_level)lv;
    return LIGHT_OK;
  }
  if (opts) *(const char **)field(opts, r) = value;
  return LIGHT_OK;
}

/* ---- whole-struct checks (light_client_new) ------------------------------ */

light_status light__options_check(const light_client_options *o, light_error *err) {
  for (size_t i = 0; i < N_ROWS; i++) {
    const row *r = &ROWS[i];
    const void *f = (const char *)o + r->pub.offset;
    double v;
    switch (r->ct) {
    case CT_STR: {
      const char *s = *(const char *const *)f;
      if (s && (r->pub.flags & LIGHT_OPT_NO_CRLF) && strpbrk(s, "\r\n"))
        return invalid(err, &r->pub, "option '%s' must not contain CR or LF", r->pub.name);
      continue;
    }
    case CT_LOGLEVEL: {
      int lv = (int)*(const light_log_level *)f;
      if (lv < LIGHT_LOG_OFF || lv > LIGHT_LOG_DEBUG)
        return invalid(err, &r->pub, "option '%s' must be one of off, error, info, debug", r->pub.name);
      continue;
    }
    case CT_INT: v = *(const int *)f; break;
    case CT_LONG: v = (double)*(const long *)f; break;
    case CT_SIZE: v = (double)*(const size_t *)f; break;
    case CT_DOUBLE: v = *(const double *)f; break;
    default: continue;
    }
    if (r->pub.type == LIGHT_OPT_BOOL) continue; /* any int: nonzero is true */
    if (v == 0 && !isnan(v)) continue;           /* default */
    if (r->pub.offset == offsetof(light_client_options, max_retries) && v == -1) continue; /* default */
    light_status st = check_number(r, r->pub.name, v, 1, r->pub.unit, err);
    if (st != LIGHT_OK) return st;
  }
  return LIGHT_OK;
}

double light__option_default(size_t offset) {
  for (size_t i = 0; i < N_ROWS; i++)
    if (ROWS[i].pub.offset == offset) return ROWS[i].pub.default_number;
  return 0;
}

void light__options_from_env(light_client_options *o) {
  for (size_t i = 0; i < N_ROWS; i++) {
    const light_option *opt = &ROWS[i].pub;
    if (!opt->env) continue;
    const char *v = getenv(opt->env);
    if (!v || !*v) continue;
    light_error e = LIGHT_ERROR_INIT;
    if (light_client_options_set_string(o, opt->name, v, strlen(v), &e) != LIGHT_OK) light_error_clear(&e);
  }
  o->env_app_token = o->app_token;
}

/* ---- the tables as JSON (bindings, generators) --------------------------- */

static int add_str(cJSON *o, const char *k, const char *v) { return !v || cJSON_AddStringToObject(o, k, v) != NULL; }

cJSON *light_option_table_json(void) {
  cJSON *arr = cJSON_CreateArray();
  for (size_t i = 0; arr && i < N_ROWS; i++) {
    const light_option *o = &ROWS[i].pub;
    cJSON *item = cJSON_CreateObject();
    int num = o->type == LIGHT_OPT_INT || o->type == LIGHT_OPT_DOUBLE;
    int ok = item && cJSON_AddItemToArray(arr, item) && add_str(item, "name", o->name) &&
             add_str(item, "js_name", o->js_name) &&
             add_str(item, "type", o->type == LIGHT_OPT_ENUM ? "enum" : light_option_type_name(o->type)) &&
             add_str(item, "unit", o->unit) && add_str(item, "default", o->default_text) &&
             add_str(item, "env", o->env) && add_str(item, "choices", o->choices) && add_str(item, "doc", o->doc) &&
             (!num || (cJSON_AddNumberToObject(item, "default_number", o->default_number) &&
                       cJSON_AddNumberToObject(item, "min", o->min) && cJSON_AddNumberToObject(item, "max", o->max) &&
                       cJSON_AddBoolToObject(item, "min_exclusive", (o->flags & LIGHT_OPT_MIN_EXCLUSIVE) != 0))) &&
             cJSON_AddBoolToObject(item, "internal", (o->flags & LIGHT_OPT_INTERNAL) != 0) &&
             cJSON_AddBoolToObject(item, "secret", (o->flags & LIGHT_OPT_SECRET) != 0) &&
             cJSON_AddBoolToObject(item, "path", (o->flags & LIGHT_OPT_PATH) != 0);
    if (!ok) { /* item, once added, is freed with arr */
      cJSON_Delete(arr);
      return NULL;
    }
  }
  return arr;
}

cJSON *light_error_kind_table_json(void) {
  cJSON *arr = cJSON_CreateArray();
  size_t n = light_error_kind_count();
  for (size_t k = 1; arr && k < n; k++) {
    light_error_kind kind = (light_error_kind)k, parent = light_error_kind_parent(kind);
    int status = light_error_kind_http_status(kind);
    cJSON *item = cJSON_CreateObject();
    int ok = item && cJSON_AddItemToArray(arr, item) && cJSON_AddNumberToObject(item, "kind", (double)k) &&
             add_str(item, "name", light_error_kind_name(kind)) &&
             (parent == LIGHT_ERR_NONE || add_str(item, "parent", light_error_kind_name(parent))) &&
             (!status || cJSON_AddNumberToObject(item, "status", status)) &&
             add_str(item, "doc", light_error_kind_doc(kind));
    if (!ok) {
      cJSON_Delete(arr);
      return NULL;
    }
  }
  return arr;
}
