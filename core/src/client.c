/* Clients: options, validation, the refcounted shared state between an app
 * client and its account clients (light/client.h, internal.h). No I/O here. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "codec.h"
#include "curl_request.h"
#include "internal.h"

#define DEFAULT_BASE_URL "https://api.light.dev"

/* ---- options ----------------------------------------------------------- */

static light_log_level log_level_from_env(void) {
  const char *v = getenv("LIGHT_LOG");
  if (!v || !*v) return LIGHT_LOG_OFF;
  if (strcasecmp(v, "debug") == 0) return LIGHT_LOG_DEBUG;
  if (strcasecmp(v, "info") == 0) return LIGHT_LOG_INFO;
  if (strcasecmp(v, "error") == 0) return LIGHT_LOG_ERROR;
  return LIGHT_LOG_OFF;
}

void light_client_options_init(light_client_options *opts) {
  if (!opts) return;
  memset(opts, 0, sizeof *opts);
  opts->version = LIGHT_CLIENT_OPTIONS_VERSION;
  const char *tok = getenv("LIGHT_APP_TOKEN");
  opts->app_token = (tok && *tok) ? tok : NULL;
  const char *url = getenv("LIGHT_BASE_URL");
  opts->base_url = (url && *url) ? url : NULL;
  opts->max_retries = 2;
  opts->log_level = log_level_from_env();
}

/* ---- validation -------------------------------------------------------- */

/* Tokens go into an Authorization header: visible ASCII only. */
static int token_ok(const char *t) {
  if (!t || !*t) return 0;
  for (const unsigned char *p = (const unsigned char *)t; *p; p++)
    if (*p <= 0x20 || *p >= 0x7f) return 0;
  return 1;
}

static light_status invalid(light_error *err, const char *param, const char *msg) {
  light__error_set(err, LIGHT_E_INVALID_ARGUMENT, LIGHT_ERR_INVALID_ARGUMENT, "%s", msg);
  if (err) err->param = param;
  return LIGHT_E_INVALID_ARGUMENT;
}

static int url_ok(const char *u) {
  size_t skip;
  if (strncasecmp(u, "https://", 8) == 0)
    skip = 8;
  else if (strncasecmp(u, "http://", 7) == 0)
    skip = 7;
  else
    return 0;
  if (!u[skip] || u[skip] == '/') return 0; /* no host */
  for (const unsigned char *p = (const unsigned char *)u; *p; p++)
    if (*p <= 0x20 || *p >= 0x7f) return 0; /* CR, LF, spaces, controls */
  if (strpbrk(u + skip, "?#")) return 0;    /* a query/fragment would swallow our paths */
  return 1;
}

/* ---- shared state ------------------------------------------------------ */

static void shared_free(light__shared *sh) {
  if (!sh) return;
  light__pool_free(sh);
  light__token_cache_free(sh);
  light__rate_limit_free(sh->rate_limit);
  pthread_mutex_destroy(&sh->ref_mu);
  pthread_mutex_destroy(&sh->token_mu);
  pthread_cond_destroy(&sh->token_cv);
  pthread_mutex_destroy(&sh->pool_mu);
  light__secret_free(sh->app_token);
  free(sh->base_url);
  free(sh->ca_file);
  light__secret_free(sh->proxy); /* may carry user:password */
  free(sh->user_agent);
  free(sh);
}

static void shared_release(light__shared *sh) {
  if (!sh) return;
  pthread_mutex_lock(&sh->ref_mu);
  int left = --sh->refs;
  pthread_mutex_unlock(&sh->ref_mu);
  if (left == 0) shared_free(sh);
}

static int dup_opt(char **dst, const char *src) {
  if (!src || !*src) {
    *dst = NULL;
    return 0;
  }
  *dst = light__strdup(src);
  return *dst ? 0 : -1;
}

static light__shared *shared_new(const light_client_options *o, light_error *err, light_status *st) {
  light__shared *sh = calloc(1, sizeof *sh);
  if (!sh) goto nomem;
  pthread_mutex_init(&sh->ref_mu, NULL);
  pthread_mutex_init(&sh->token_mu, NULL);
  pthread_mutex_init(&sh->pool_mu, NULL);
  pthread_condattr_t ca;
  pthread_condattr_init(&ca);
  pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
  pthread_cond_init(&sh->token_cv, &ca);
  pthread_condattr_destroy(&ca);
  sh->refs = 1;
  sh->pid = getpid();

  const char *base = o->base_url && *o->base_url ? o->base_url : DEFAULT_BASE_URL;
  if (dup_opt(&sh->app_token, o->app_token) || dup_opt(&sh->base_url, base) || dup_opt(&sh->ca_file, o->ca_file) ||
      dup_opt(&sh->proxy, o->proxy))
    goto nomem_free;
  size_t n = strlen(sh->base_url);
  while (n > 0 && sh->base_url[n - 1] == '/') sh->base_url[--n] = '\0';

  light__buf ua = {0};
  light_status us = light__codec_user_agent(o->user_agent_runtime, &ua);
  if (us != LIGHT_OK) {
    light__buf_free(&ua);
    if (us == LIGHT_E_NOMEM) goto nomem_free;
    shared_free(sh);
    *st = invalid(err, "user_agent_runtime", "user_agent_runtime contains CR or LF");
    return NULL;
  }
  sh->user_agent = ua.data;

  sh->timeout_ms = o->timeout_ms > 0 ? o->timeout_ms : 60000;
  sh->connect_timeout_ms = o->connect_timeout_ms > 0 ? o->connect_timeout_ms : 10000;
  sh->max_retries = o->max_retries < 0 ? 2 : o->max_retries;
  sh->retry_base_s = o->retry_base_s > 0 ? o->retry_base_s : 0.5;
  sh->retry_max_s = o->retry_max_s > 0 ? o->retry_max_s : 8.0;
  sh->retry_after_cap_s = o->retry_after_cap_s > 0 ? o->retry_after_cap_s : 60.0;
  sh->insecure_skip_verify = o->insecure_skip_verify ? 1 : 0;
  sh->max_response_bytes = o->max_response_bytes > 0 ? o->max_response_bytes : (size_t)64 << 20;
  sh->token_refresh_margin_s = o->token_refresh_margin_s > 0 ? o->token_refresh_margin_s : 600;
  sh->log_level = o->log_level;
  sh->log_cb = o->log_cb;
  sh->log_ud = o->log_ud;
  sh->jitter = o->jitter;
  sh->jitter_ud = o->jitter_ud;
  sh->clock = o->clock;
  sh->clock_ud = o->clock_ud;
  {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    sh->prng = ((uint64_t)ts.tv_nsec << 20) ^ (uint64_t)ts.tv_sec ^ ((uint64_t)(uintptr_t)sh) ^ 0x9e3779b97f4a7c15ull;
  }
  if (o->rate_limit) {
    sh->rate_limit = light__rate_limit_new(o->app_rate_per_s > 0 ? o->app_rate_per_s : 30,
                                           o->account_rate_per_s > 0 ? o->account_rate_per_s : 10);
    if (!sh->rate_limit) goto nomem_free;
  }
  if (light__pool_init(sh) != 0) goto nomem_free;
  return sh;

nomem_free:
  shared_free(sh);
nomem:
  *st = light__error_set(err, LIGHT_E_NOMEM, LIGHT_ERR_LIGHT, "out of memory");
  return NULL;
}

/* ---- public ------------------------------------------------------------ */

light_status light_client_new(light_client **out, const light_client_options *opts, light_error *err) {
  light_client_options defaults;
  if (!out) return invalid(err, "out", "out is NULL");
  *out = NULL;
  if (!opts) {
    light_client_options_init(&defaults);
    opts = &defaults;
  }
  if (opts->version > LIGHT_CLIENT_OPTIONS_VERSION)
    return invalid(err, "version", "light_client_options.version is newer than this library");
  if (opts->app_token && *opts->app_token && !token_ok(opts->app_token))
    return invalid(err, "app_token", "app_token contains CR, LF, spaces or control characters");
  if (opts->account_token && *opts->account_token && !token_ok(opts->account_token))
    return invalid(err, "account_token", "account_token contains CR, LF, spaces or control characters");
  if (!(opts->app_token && *opts->app_token) && !(opts->account_token && *opts->account_token))
    return invalid(err, "app_token", "no app token or account token given (set LIGHT_APP_TOKEN)");
  if (opts->base_url && *opts->base_url && !url_ok(opts->base_url))
    return invalid(err, "base_url", "base_url must be an http:// or https:// URL without spaces, CR/LF, query or fragment");
  if (opts->user_agent_runtime && !light__codec_header_safe(opts->user_agent_runtime))
    return invalid(err, "user_agent_runtime", "user_agent_runtime contains CR or LF");
  if (opts->ca_file && strpbrk(opts->ca_file, "\r\n")) return invalid(err, "ca_file", "ca_file contains CR or LF");
  if (opts->proxy && strpbrk(opts->proxy, "\r\n")) return invalid(err, "proxy", "proxy contains CR or LF");
  if (opts->timeout_ms < 0 || opts->connect_timeout_ms < 0)
    return invalid(err, "timeout_ms", "timeouts must not be negative");
  if (opts->rate_limit && (opts->app_rate_per_s < 0 || opts->account_rate_per_s < 0))
    return invalid(err, "app_rate_per_s", "rate limits must not be negative");
  if (light__global_init() != 0) return light__error_set(err, LIGHT_E_INTERNAL, LIGHT_ERR_LIGHT, "curl_global_init failed");

  light_status st = LIGHT_OK;
  light__shared *sh = shared_new(opts, err, &st);
  if (!sh) return st;
  light_client *c = calloc(1, sizeof *c);
  if (!c || dup_opt(&c->account_token, opts->account_token) != 0) {
    free(c);
    shared_release(sh);
    return light__error_set(err, LIGHT_E_NOMEM, LIGHT_ERR_LIGHT, "out of memory");
  }
  c->sh = sh;
  c->max_retries = -1;
  *out = c;
  return LIGHT_OK;
}

void light_client_free(light_client *client) {
  if (!client) return;
  shared_release(client->sh);
  free(client->account_uuid);
  light__secret_free(client->account_token);
  free(client->user_agent);
  free(client);
}

/* A new handle on @p from's shared state with @p from's overrides (no credentials copied). */
static light_client *handle_like(const light_client *from) {
  light_client *c = calloc(1, sizeof *c);
  if (!c) return NULL;
  c->timeout_ms = from->timeout_ms;
  c->connect_timeout_ms = from->connect_timeout_ms;
  c->max_retries = from->max_retries;
  if (from->user_agent && !(c->user_agent = light__strdup(from->user_agent))) {
    free(c);
    return NULL;
  }
  return c;
}

static void share(light_client *c, light__shared *sh) {
  pthread_mutex_lock(&sh->ref_mu);
  sh->refs++;
  pthread_mutex_unlock(&sh->ref_mu);
  c->sh = sh;
}

light_status light_client_for_account(light_client *app, const char *account_uuid, light_client **out,
                                      light_error *err) {
  if (!out) return invalid(err, "out", "out is NULL");
  *out = NULL;
  if (!app) return invalid(err, "client", "client is NULL");
  light_status st = light__client_check_usable(app, err);
  if (st != LIGHT_OK) return st;
  if (!app->sh->app_token) return invalid(err, "client", "for_account needs a client with an app token");
  if (!account_uuid || !*account_uuid) return invalid(err, "account_uuid", "account_uuid is empty");
  if (strcmp(account_uuid, ".") == 0 || strcmp(account_uuid, "..") == 0)
    return invalid(err, "account_uuid", "account_uuid must not be \".\" or \"..\"");
  for (const unsigned char *p = (const unsigned char *)account_uuid; *p; p++)
    if (*p < 0x20 || *p == 0x7f) return invalid(err, "account_uuid", "account_uuid contains control characters");
  light_client *c = handle_like(app);
  if (!c || !(c->account_uuid = light__strdup(account_uuid))) {
    if (c) free(c->user_agent);
    free(c);
    return light__error_set(err, LIGHT_E_NOMEM, LIGHT_ERR_LIGHT, "out of memory");
  }
  share(c, app->sh);
  *out = c;
  return LIGHT_OK;
}

void light_client_overrides_init(light_client_overrides *o) {
  if (!o) return;
  memset(o, 0, sizeof *o);
  o->version = LIGHT_CLIENT_OVERRIDES_VERSION;
  o->max_retries = -1;
}

light_status light_client_with_options(const light_client *base, const light_client_overrides *o, light_client **out,
                                       light_error *err) {
  if (!out) return invalid(err, "out", "out is NULL");
  *out = NULL;
  if (!base) return invalid(err, "client", "client is NULL");
  light_client_overrides none;
  if (!o) {
    light_client_overrides_init(&none);
    o = &none;
  }
  if (o->version == 0 || o->version > LIGHT_CLIENT_OVERRIDES_VERSION)
    return invalid(err, "version", "light_client_overrides.version is not one this library knows");
  if (o->timeout_ms < 0 || o->connect_timeout_ms < 0) return invalid(err, "timeout_ms", "timeouts must not be negative");
  if (o->max_retries < -1) return invalid(err, "max_retries", "max_retries must be -1 (keep) or >= 0");
  if (o->app_info) {
    size_t n = strlen(o->app_info);
    if (n == 0 || n > 512) return invalid(err, "app_info", "app_info must be 1 to 512 characters");
    for (const unsigned char *p = (const unsigned char *)o->app_info; *p; p++)
      if (*p < 0x20 || *p > 0x7e)
        return invalid(err, "app_info", "app_info must be printable ASCII (no CR, LF or control characters)");
  }
  light_status st = light__client_check_usable(base, err);
  if (st != LIGHT_OK) return st;
  light_client *c = handle_like(base);
  if (!c) return light__error_set(err, LIGHT_E_NOMEM, LIGHT_ERR_LIGHT, "out of memory");
  if ((base->account_uuid && !(c->account_uuid = light__strdup(base->account_uuid))) ||
      dup_opt(&c->account_token, base->account_token) != 0)
    goto nomem;
  if (o->timeout_ms > 0) c->timeout_ms = o->timeout_ms;
  if (o->connect_timeout_ms > 0) c->connect_timeout_ms = o->connect_timeout_ms;
  if (o->max_retries >= 0) c->max_retries = o->max_retries;
  if (o->app_info) {
    light__buf ua = {0};
    if (light__buf_appendf(&ua, "%s %s", light__client_user_agent(base), o->app_info) != 0) {
      light__buf_free(&ua);
      goto nomem;
    }
    free(c->user_agent);
    c->user_agent = ua.data;
  }
  share(c, base->sh);
  *out = c;
  return LIGHT_OK;
nomem:
  free(c->account_uuid);
  light__secret_free(c->account_token);
  free(c->user_agent);
  free(c);
  return light__error_set(err, LIGHT_E_NOMEM, LIGHT_ERR_LIGHT, "out of memory");
}

int light_client_can(const light_client *client, light_auth_kind auth) {
  if (!client) return 0;
  switch (auth) {
  case LIGHT_AUTH_NONE: return 1;
  /* An account client derived with for_account is scoped to its account:
   * it answers for account operations only, though it holds the app token
   * internally to mint. */
  case LIGHT_AUTH_APP: return client->sh->app_token != NULL && client->account_uuid == NULL;
  case LIGHT_AUTH_ACCOUNT: return client->account_token != NULL || client->account_uuid != NULL;
  }
  return 0;
}

const char *light_client_base_url(const light_client *client) { return client ? client->sh->base_url : NULL; }

const char *light_client_account_uuid(const light_client *client) { return client ? client->account_uuid : NULL; }

/* ---- internal ---------------------------------------------------------- */

long light__client_timeout_ms(const light_client *c) { return c->timeout_ms > 0 ? c->timeout_ms : c->sh->timeout_ms; }

long light__client_connect_timeout_ms(const light_client *c) {
  return c->connect_timeout_ms > 0 ? c->connect_timeout_ms : c->sh->connect_timeout_ms;
}

int light__client_max_retries(const light_client *c) { return c->max_retries >= 0 ? c->max_retries : c->sh->max_retries; }

const char *light__client_user_agent(const light_client *c) { return c->user_agent ? c->user_agent : c->sh->user_agent; }

int64_t light__mono_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t light__client_now_ms(const light_client *c) {
  if (c->sh->clock) return c->sh->clock(c->sh->clock_ud);
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

double light__client_jitter(light_client *c) {
  light__shared *sh = c->sh;
  if (sh->jitter) {
    double j = sh->jitter(sh->jitter_ud);
    return (j >= 0 && j < 1) ? j : 0;
  }
  /* xorshift64*: cheap, per client, locked because calls share it. */
  pthread_mutex_lock(&sh->token_mu);
  uint64_t x = sh->prng;
  x ^= x >> 12;
  x ^= x << 25;
  x ^= x >> 27;
  sh->prng = x;
  pthread_mutex_unlock(&sh->token_mu);
  return (double)((x * 0x2545F4914F6CDD1Dull) >> 11) / 9007199254740992.0;
}

light_status light__client_check_usable(const light_client *c, light_error *err) {
  if (c->sh->pid != getpid())
    return light__error_set(err, LIGHT_E_STATE, LIGHT_ERR_LIGHT,
                            "client used after fork(); create a new client in the child");
  return LIGHT_OK;
}

uint64_t light__client_mint_generation(const light_client *c) {
  pthread_mutex_lock(&c->sh->token_mu);
  uint64_t g = c->sh->mint_generation;
  pthread_mutex_unlock(&c->sh->token_mu);
  return g;
}
