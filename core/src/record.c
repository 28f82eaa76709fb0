/* Record arguments (light/args.h, light_args_new_record()): what every
 * binding hands the core besides call arguments — client options,
 * with_options overrides, webhook arguments — checked here once, with one
 * message for every language, and then applied. The builder (params.c) only
 * collects the top-level members; this file knows what they mean. */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "light/args.h"
#include "light/options.h"
#include "light/webhook.h"
#include "codec.h"
#include "params.h"

#define MAX_SECRETS 16

/* Positional names of the webhook records (params.c's order, light/args.h). */
enum { V_PAYLOAD, V_SIGNATURE, V_SECRET, V_TOLERANCE, V_NOW };
enum { S_PAYLOAD, S_SECRET, S_TIMESTAMP };
#define INT64_LIMIT 9.2e18 /* below 2^63: a double that fits an int64_t */

/* The bare kind name ("string", "number", ...) that option messages use. */
static const char *bare(light__arg_kind k) {
  const char *n = light__arg_kind_name(k);
  return strncmp(n, "a ", 2) == 0 ? n + 2 : strncmp(n, "an ", 3) == 0 ? n + 3 : n;
}

static int is_number(const light__arg *m) { return m->kind == LIGHT__ARG_INT || m->kind == LIGHT__ARG_DOUBLE; }
static double number(const light__arg *m) { return m->kind == LIGHT__ARG_INT ? (double)m->i : m->d; }
static int given(const light__arg *m) { return m && m->kind != LIGHT__ARG_NULL; }

/* ---- options ------------------------------------------------------------- */

/* The table's row for member @p m as this runtime spells it, or NULL. */
static const light_option *option_of(const light__arg *m, unsigned flags) {
  const light_option *opt = light_option_find(m->name, m->name_len);
  if (!opt || (opt->flags & LIGHT_OPT_INTERNAL)) return NULL;
  return strcmp((flags & LIGHT_ARGS_CAMEL_NAMES) ? opt->js_name : opt->name, m->name) == 0 ? opt : NULL;
}

/* Store member @p m (row @p opt) into @p o with the table's validating
 * setters. *type is set to 1 for a value of the wrong kind. */
static light_status set_option(light_client_options *o, const light_option *opt, const light__arg *m, unsigned flags,
                               int *type, light_error *err) {
  *type = 0;
  if (m->kind == LIGHT__ARG_NULL) return LIGHT_OK; /* not given: the default */
  int table_unit = (flags & LIGHT_ARGS_TIMEOUT_MS) != 0;
  switch (opt->type) {
  case LIGHT_OPT_STRING:
  case LIGHT_OPT_ENUM:
    if (m->kind == LIGHT__ARG_STRING) return light_client_options_set_string(o, m->name, m->s, m->n, err);
    break;
  case LIGHT_OPT_INT:
  case LIGHT_OPT_DOUBLE:
    if (m->kind == LIGHT__ARG_INT && (table_unit || !opt->unit || strcmp(opt->unit, "ms") != 0))
      return light_client_options_set_int(o, m->name, (long long)m->i, err);
    if (is_number(m))
      return table_unit ? light_client_options_set_double(o, m->name, number(m), err)
                        : light_client_options_set_seconds(o, m->name, number(m), err);
    break;
  case LIGHT_OPT_BOOL:
    if (m->kind == LIGHT__ARG_BOOL) return light_client_options_set_bool(o, m->name, m->b, err);
    break;
  }
  *type = 1;
  return light_option_type_error(opt, m->name, bare(m->kind), err);
}

/* Every member of client options into @p o: 0, or the first error in @p err. */
static light_status apply_options(const light_args *a, light_client_options *o, int *type, light_error *err) {
  size_t n;
  const light__arg *r = light__args_record(a, &n);
  unsigned flags = light__args_flags(a);
  for (size_t i = 0; i < n; i++) {
    const light_option *opt = option_of(&r[i], flags);
    if (!opt) {
      *type = 1;
      return light_option_unknown_error(r[i].name, r[i].name_len, err);
    }
    light_status st = set_option(o, opt, &r[i], flags, type, err);
    if (st != LIGHT_OK) return st;
  }
  return LIGHT_OK;
}

/* with_options: the four overridable settings, checked by the table's rows
 * (app_info by light_client_with_options()). */
static light_status apply_overrides(const light_args *a, light_client_overrides *ov, int *type, light_error *err) {
  static const char *const rows[] = {"timeout", "connect_timeout", "max_retries", NULL};
  size_t n;
  const light__arg *r = light__args_record(a, &n);
  unsigned flags = light__args_flags(a);
  int camel = (flags & LIGHT_ARGS_CAMEL_NAMES) != 0;
  light_client_options scratch;
  memset(&scratch, 0, sizeof scratch);
  for (size_t i = 0; i < n; i++) {
    const light__arg *m = &r[i];
    if (strcmp(m->name, camel ? "appInfo" : "app_info") == 0) {
      if (m->kind == LIGHT__ARG_STRING) {
        ov->app_info = m->s;
      } else if (m->kind != LIGHT__ARG_NULL) {
        *type = 1;
        return light__error_set(err, LIGHT_E_INVALID_ARGUMENT, LIGHT_ERR_INVALID_ARGUMENT,
                                "option '%s' must be a string, not %s", m->name, bare(m->kind));
      }
      continue;
    }
    const light_option *opt = option_of(m, flags);
    int ok = 0;
    for (size_t k = 0; opt && rows[k]; k++) ok |= strcmp(opt->name, rows[k]) == 0;
    if (!ok) {
      *type = 1;
      light__error_set(
          err, LIGHT_E_INVALID_ARGUMENT, LIGHT_ERR_INVALID_ARGUMENT,
          "with_options() cannot change '%.64s' (it takes %s)", m->name,
          camel ? "timeout, connectTimeout, maxRetries, appInfo" : "timeout, connect_timeout, max_retries, app_info");
      return LIGHT_E_INVALID_ARGUMENT;
    }
    light_status st = set_option(&scratch, opt, m, flags, type, err);
    if (st != LIGHT_OK) return st;
    if (m->kind == LIGHT__ARG_NULL) continue;
    if (opt->offset == offsetof(light_client_options, timeout_ms)) ov->timeout_ms = scratch.timeout_ms;
    if (opt->offset == offsetof(light_client_options, connect_timeout_ms))
      ov->connect_timeout_ms = scratch.connect_timeout_ms;
    if (opt->offset == offsetof(light_client_options, max_retries)) ov->max_retries = scratch.max_retries;
  }
  return LIGHT_OK;
}

/* Apply finished options (@p o) or overrides (@p ov): checked at finish, so this cannot fail now. */
static light_status apply(const light_args *a, light_args_record_kind kind, light_client_options *o,
                          light_client_overrides *ov) {
  light_error err = LIGHT_ERROR_INIT;
  int type = 0;
  light_status st = light_args_error(a, NULL);
  if (st != LIGHT_OK) return st;
  if ((!o && !ov) || light__args_record_kind(a) != (int)kind) return LIGHT_E_STATE;
  st = o ? apply_options(a, o, &type, &err) : apply_overrides(a, ov, &type, &err);
  light_error_clear(&err);
  return st;
}

light_status light_args_client_options(const light_args *a, light_client_options *opts) {
  return apply(a, LIGHT_ARGS_CLIENT_OPTIONS, opts, NULL);
}

light_status light_args_client_overrides(const light_args *a, light_client_overrides *o) {
  return apply(a, LIGHT_ARGS_CLIENT_OVERRIDES, NULL, o);
}

/* ---- webhooks ------------------------------------------------------------ */

static light_status check_payload(light_args *a) {
  const light__arg *p = light__args_slot(a, V_PAYLOAD);
  if (!p) return light__args_failf(a, 1, "payload", "missing required argument 'payload' (the raw request body)");
  if (p->kind != LIGHT__ARG_STRING && p->kind != LIGHT__ARG_BINARY)
    return light__args_failf(a, 1, "payload", "payload must be the raw request body (bytes or a string), not %s",
                             light__arg_kind_name(p->kind));
  return LIGHT_OK;
}

/* A Unix time in seconds, or null / absent (the clock). */
static light_status check_time(light_args *a, size_t slot, const char *name) {
  const light__arg *m = light__args_slot(a, slot);
  if (!given(m)) return LIGHT_OK;
  if (!is_number(m))
    return light__args_failf(a, 1, name, "%s must be a number of Unix seconds, not %s", name,
                             light__arg_kind_name(m->kind));
  double d = number(m);
  if (!(d >= 0 && d < INT64_LIMIT))
    return light__args_failf(a, 0, name, "%s must be a number of Unix seconds >= 0", name);
  return LIGHT_OK;
}

static int64_t time_of(const light_args *a, size_t slot) {
  const light__arg *m = light__args_slot(a, slot);
  return given(m) ? (int64_t)number(m) : (int64_t)time(NULL);
}

static light_status check_verify(light_args *a) {
  if (check_payload(a) != LIGHT_OK) return light_args_error(a, NULL);
  const light__arg *sig = light__args_slot(a, V_SIGNATURE);
  if (given(sig) && sig->kind != LIGHT__ARG_STRING && sig->kind != LIGHT__ARG_BINARY)
    return light__args_failf(a, 1, "signature", "signature must be a string (the %s header), not %s",
                             LIGHT_SIGNATURE_HEADER, light__arg_kind_name(sig->kind));
  if (given(sig) && memchr(sig->s, '\0', sig->n))
    return light__args_failf(a, 0, "signature", "signature contains a NUL byte");
  const light__arg *sec = light__args_slot(a, V_SECRET);
  if (!sec) return light__args_failf(a, 1, "secret", "missing required argument 'secret'");
  if (given(sec) && sec->kind != LIGHT__ARG_STRING && (sec->kind != LIGHT__ARG_ARRAY || sec->bad_item))
    return light__args_failf(a, 1, "secret", "secret must be a string or a list of strings, not %s",
                             light__arg_kind_name(sec->kind == LIGHT__ARG_ARRAY ? sec->bad_item_kind : sec->kind));
  if (sec->kind == LIGHT__ARG_ARRAY && sec->n_items > MAX_SECRETS)
    return light__args_failf(a, 0, "secret", "at most %d secrets (%zu given)", MAX_SECRETS, sec->n_items);
  int nul = sec->kind == LIGHT__ARG_STRING && memchr(sec->s, '\0', sec->n);
  for (size_t i = 0; sec->kind == LIGHT__ARG_ARRAY && i < sec->n_items; i++)
    nul |= memchr(sec->items[i], '\0', sec->item_len[i]) != NULL;
  if (nul) return light__args_failf(a, 0, "secret", "webhook secret must not contain NUL");
  const light__arg *tol = light__args_slot(a, V_TOLERANCE);
  if (given(tol) && !is_number(tol))
    return light__args_failf(a, 1, "tolerance", "tolerance must be a number of seconds, not %s",
                             light__arg_kind_name(tol->kind));
  if (given(tol) && light_webhook_tolerance_of(number(tol)) == 0)
    return light__args_failf(a, 0, "tolerance",
                             "tolerance must be a positive number of seconds, at most %d (default %d)",
                             LIGHT_WEBHOOK_MAX_TOLERANCE, LIGHT_WEBHOOK_DEFAULT_TOLERANCE);
  return check_time(a, V_NOW, "now");
}

static light_status check_sign(light_args *a) {
  if (check_payload(a) != LIGHT_OK) return light_args_error(a, NULL);
  const light__arg *sec = light__args_slot(a, S_SECRET);
  if (!given(sec)) return light__args_failf(a, 1, "secret", "missing required argument 'secret'");
  if (sec->kind != LIGHT__ARG_STRING)
    return light__args_failf(a, 1, "secret", "secret must be a string, not %s", light__arg_kind_name(sec->kind));
  if (!sec->n) return light__args_failf(a, 0, "secret", "webhook secret must not be empty");
  if (memchr(sec->s, '\0', sec->n)) return light__args_failf(a, 0, "secret", "webhook secret must not contain NUL");
  return check_time(a, S_TIMESTAMP, "timestamp");
}

const char *light_args_payload(const light_args *a, size_t *len) {
  int k = light__args_record_kind(a);
  const light__arg *p =
      k == LIGHT_ARGS_WEBHOOK_VERIFY || k == LIGHT_ARGS_WEBHOOK_SIGN ? light__args_slot(a, V_PAYLOAD) : NULL;
  if (len) *len = p ? p->n : 0;
  return p ? p->s : NULL;
}

light_status light_webhook_verify_args(const light_args *a, light_error *err) {
  light_status st = light_args_error(a, err);
  if (st != LIGHT_OK) return st;
  const light__arg *p = light__args_slot(a, V_PAYLOAD), *sig = light__args_slot(a, V_SIGNATURE),
                   *sec = light__args_slot(a, V_SECRET), *tol = light__args_slot(a, V_TOLERANCE);
  if (light__args_record_kind(a) != LIGHT_ARGS_WEBHOOK_VERIFY || !p || !sec)
    return light__error_set(err, LIGHT_E_STATE, LIGHT_ERR_LIGHT, "webhook arguments are not finished");
  const char *secrets[MAX_SECRETS];
  size_t ns = 0;
  if (sec->kind == LIGHT__ARG_STRING) secrets[ns++] = sec->s;
  for (size_t i = 0; sec->kind == LIGHT__ARG_ARRAY && i < sec->n_items && ns < MAX_SECRETS; i++)
    secrets[ns++] = sec->items[i];
  int64_t tolerance = given(tol) ? light_webhook_tolerance_of(number(tol)) : LIGHT_WEBHOOK_DEFAULT_TOLERANCE;
  return light_webhook_verify(p->s, p->n, given(sig) ? sig->s : "", secrets, ns, tolerance, time_of(a, V_NOW), err);
}

light_status light_webhook_sign_args(char *out, size_t out_size, const light_args *a, light_error *err) {
  light_status st = light_args_error(a, err);
  if (st != LIGHT_OK) return st;
  const light__arg *p = light__args_slot(a, V_PAYLOAD), *sec = light__args_slot(a, S_SECRET);
  if (light__args_record_kind(a) != LIGHT_ARGS_WEBHOOK_SIGN || !p || !sec)
    return light__error_set(err, LIGHT_E_STATE, LIGHT_ERR_LIGHT, "webhook arguments are not finished");
  st = light_webhook_sign(out, out_size, p->s, p->n, sec->s, sec->n, time_of(a, S_TIMESTAMP));
  if (st != LIGHT_OK) light__error_set(err, st, LIGHT_ERR_LIGHT, "%s", light_strerror(st));
  return st;
}

/* ---- the check light_args_finish() runs ------------------------------------ */

light_status light__record_check(light_args *a, light_args_record_kind kind) {
  light_error err = LIGHT_ERROR_INIT;
  int type = 0;
  light_status st = LIGHT_OK;
  if (kind == LIGHT_ARGS_CLIENT_OPTIONS) {
    light_client_options scratch;
    memset(&scratch, 0, sizeof scratch);
    st = apply_options(a, &scratch, &type, &err);
  } else if (kind == LIGHT_ARGS_CLIENT_OVERRIDES) {
    light_client_overrides ov = {LIGHT_CLIENT_OVERRIDES_VERSION, 0, 0, -1, NULL}; /* "keep everything" */
    st = apply_overrides(a, &ov, &type, &err);
  } else if (kind == LIGHT_ARGS_WEBHOOK_VERIFY) {
    return check_verify(a);
  } else {
    return check_sign(a);
  }
  if (st != LIGHT_OK) light__args_fail_err(a, type, &err);
  light_error_clear(&err);
  return st;
}
