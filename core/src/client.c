/* Clients: options, validation, the refcounted shared state between an app
 * client and its account clients (light/client.h, internal.h). No I/O here. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "codec.h"
#include "curl_request.h"
#include "internal.h"
#include "option_table.h"

#define DEFAULT_BASE_URL "https://api.light.dev"

/* ---- options ----------------------------------------------------------- */

light_status light_client_options_init(light_client_options *opts, unsigned version) {
  if (!opts) return LIGHT_E_INVALID_ARGUMENT;
  if (version == 0 || version > LIGHT_CLIENT_OPTIONS_VERSION) return LIGHT_E_INVALID_ARGUMENT;
  memset(opts, 0, sizeof *opts);
  opts->version = version;
  opts->max_retries = (int)LIGHT__OPT_DEFAULT(max_retries);
  light__options_from_env(opts); /* the only place the SDK reads LIGHT_* variables */
  return LIGHT_OK;
}

light_status light_params_init(light_params *params, unsigned version) {
  if (!params || version == 0 || version > LIGHT_PARAMS_VERSION) return LIGHT_E_INVALID_ARGUMENT;
  const light_params init = LIGHT_PARAMS_INIT;
  *params = init;
  params->version = version;
  return LIGHT_OK;
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

/* "scheme://user:pw@host/..." → "scheme://[redacted]@host/..." (a copy;
 * the URL unchanged when it has no userinfo). NULL on allocation failure. */
static char *redact_userinfo(const char *url) {
  const char *auth = strstr(url, "://");
  if (!auth) return light__strdup(url);
  auth += 3;
  size_t alen = strcspn(auth, "/");
  const char *at = NULL;
  for (const char *p = auth; p < auth + alen; p++)
    if (*p == '@') at = p;
  if (!at) return light__strdup(url);
  static const char mark[] = "[redacted]";
  size_t head = (size_t)(auth - url), tail = strlen(at);
  char *r = malloc(head + sizeof mark - 1 + tail + 1);
  if (!r) return NULL;
  memcpy(r, url, head);
  memcpy(r + head, mark, sizeof mark - 1);
  memcpy(r + head + sizeof mark - 1, at, tail + 1);
  return r;
}

/* ---- shared state ------------------------------------------------------ */

/* What an app client and its account clients have in common. */
struct light__shared {
  pthread_mutex_t ref_mu; /* guards refs */
  int refs;
  pid_t pid;  /* getpid() at creation: calls from another process are refused */
  int closed; /* 1 once the client that created it is freed: derived clients refuse calls (__atomic) */
  light__options opt;
  light__token_cache *tokens;
  light__rate_limit *rate_limit; /* NULL when off */
  light__blocking *blocking;
  pthread_mutex_t prng_mu; /* guards prng */
  uint64_t prng;           /* default jitter state */
};

static void shared_free(light__shared *sh) {
  if (!sh) return;
  light__blocking_free(sh->blocking, sh->pid != getpid());
  light__token_cache_free(sh->tokens);
  light__rate_limit_free(sh->rate_limit);
  pthread_mutex_destroy(&sh->ref_mu);
  pthread_mutex_destroy(&sh->prng_mu);
  light__secret_free(sh->opt.app_token);
  free(sh->opt.base_url);
  free(sh->opt.base_url_shown);
  free(sh->opt.ca_file);
  light__secret_free(sh->opt.proxy); /* may carry user:password */
  free(sh->opt.user_agent);
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
  pthread_mutex_init(&sh->prng_mu, NULL);
  sh->refs = 1;
  sh->pid = getpid();
  light__options *op = &sh->opt;

  const char *base = o->base_url && *o->base_url ? o->base_url : DEFAULT_BASE_URL;
  if (dup_opt(&op->app_token, o->app_token) || dup_opt(&op->base_url, base) || dup_opt(&op->ca_file, o->ca_file) ||
      dup_opt(&op->proxy, o->proxy))
    goto nomem_free;
  size_t n = strlen(op->base_url);
  while (n > 0 && op->base_url[n - 1] == '/') op->base_url[--n] = '\0';
  if (!(op->base_url_shown = redact_userinfo(op->base_url))) goto nomem_free;

  light__buf ua = {0};
  light_status us = light__codec_user_agent(o->user_agent_runtime, &ua);
  if (us != LIGHT_OK) {
    light__buf_free(&ua);
    if (us == LIGHT_E_NOMEM) goto nomem_free;
    shared_free(sh);
    *st = invalid(err, "user_agent_runtime", "user_agent_runtime contains CR or LF");
    return NULL;
  }
  op->user_agent = ua.data;

  /* 0 (and max_retries -1) mean the option table's default. */
  op->timeout_ms = o->timeout_ms > 0 ? o->timeout_ms : (long)LIGHT__OPT_DEFAULT(timeout_ms);
  op->connect_timeout_ms =
      o->connect_timeout_ms > 0 ? o->connect_timeout_ms : (long)LIGHT__OPT_DEFAULT(connect_timeout_ms);
  op->max_retries = o->max_retries < 0 ? (int)LIGHT__OPT_DEFAULT(max_retries) : o->max_retries;
  op->retry_base_s = o->retry_base_s > 0 ? o->retry_base_s : LIGHT__OPT_DEFAULT(retry_base_s);
  op->retry_max_s = o->retry_max_s > 0 ? o->retry_max_s : LIGHT__OPT_DEFAULT(retry_max_s);
  op->retry_after_cap_s = o->retry_after_cap_s > 0 ? o->retry_after_cap_s : LIGHT__OPT_DEFAULT(retry_after_cap_s);
  op->insecure_skip_verify = o->insecure_skip_verify ? 1 : 0;
  op->max_response_bytes =
      o->max_response_bytes > 0 ? o->max_response_bytes : (size_t)LIGHT__OPT_DEFAULT(max_response_bytes);
  op->token_refresh_margin_s =
      o->token_refresh_margin_s > 0 ? o->token_refresh_margin_s : (long)LIGHT__OPT_DEFAULT(token_refresh_margin_s);
  op->log_level = o->log_level;
  op->log_cb = o->log_cb;
  op->log_ud = o->log_ud;
  op->jitter = o->jitter;
  op->jitter_ud = o->jitter_ud;
  op->clock = o->clock;
  op->clock_ud = o->clock_ud;
  op->abort_check = o->abort_check;
  op->abort_ud = o->abort_ud;
  {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    sh->prng = ((uint64_t)ts.tv_nsec << 20) ^ (uint64_t)ts.tv_sec ^ ((uint64_t)(uintptr_t)sh) ^ 0x9e3779b97f4a7c15ull;
  }
  if (o->rate_limit) {
    sh->rate_limit = light__rate_limit_new(
        o->app_rate_per_s > 0 ? o->app_rate_per_s : (int)LIGHT__OPT_DEFAULT(app_rate_per_s),
        o->account_rate_per_s > 0 ? o->account_rate_per_s : (int)LIGHT__OPT_DEFAULT(account_rate_per_s));
    if (!sh->rate_limit) goto nomem_free;
  }
  if (!(sh->tokens = light__token_cache_new(op->token_refresh_margin_s))) goto nomem_free;
  if (!(sh->blocking = light__blocking_new())) goto nomem_free;
  light__token_cache_set_notify(sh->tokens, light__blocking_token_notify, sh->blocking);
  return sh;

nomem_free:
  shared_free(sh);
nomem:
  *st = light__error_set(err, LIGHT_E_NOMEM, LIGHT_ERR_LIGHT, "out of memory");
  return NULL;
}

/* Point a handle at the parts of the shared state. */
static void handle_attach(light_client *c, light__shared *sh) {
  c->sh = sh;
  c->opt = &sh->opt;
  c->tokens = sh->tokens;
  c->rate_limit = sh->rate_limit;
  c->blocking = sh->blocking;
}

/* ---- public ------------------------------------------------------------ */

light_status light_client_new(light_client **out, const light_client_options *opts, light_error *err) {
  light_client_options defaults;
  if (!out) return invalid(err, "out", "out is NULL");
  *out = NULL;
  if (!opts) {
    light_client_options_init(&defaults, LIGHT_CLIENT_OPTIONS_VERSION);
    opts = &defaults;
  }
  if (opts->version == 0 || opts->version > LIGHT_CLIENT_OPTIONS_VERSION)
    return invalid(err, "version",
                   "light_client_options.version is 0 or newer than this library: initialise with "
                   "light_client_options_init(&opts, LIGHT_CLIENT_OPTIONS_VERSION)");
  light_client_options eff;
  if (opts->account_token && *opts->account_token && opts->app_token && opts->app_token == opts->env_app_token) {
    /* An account token given with only the environment's app token: a bare
     * account client (LIGHT_APP_TOKEN is a default, not a second credential). */
    eff = *opts;
    eff.app_token = NULL;
    opts = &eff;
  }
  light_status cst = light__options_check(opts, err);
  if (cst != LIGHT_OK) return cst;
  if (opts->app_token && *opts->app_token && !token_ok(opts->app_token))
    return invalid(err, "app_token", "app_token contains CR, LF, spaces or control characters");
  if (opts->account_token && *opts->account_token && !token_ok(opts->account_token))
    return invalid(err, "account_token", "account_token contains CR, LF, spaces or control characters");
  if (!(opts->app_token && *opts->app_token) && !(opts->account_token && *opts->account_token))
    return invalid(err, "app_token", "no app token or account token given (set LIGHT_APP_TOKEN)");
  if (opts->base_url && *opts->base_url && !url_ok(opts->base_url))
    return invalid(err, "base_url",
                   "base_url must be an http:// or https:// URL without spaces, CR/LF, query or fragment");
  if (opts->user_agent_runtime && !light__codec_header_safe(opts->user_agent_runtime))
    return invalid(err, "user_agent_runtime", "user_agent_runtime contains CR or LF");
  if (opts->ca_file && strpbrk(opts->ca_file, "\r\n")) return invalid(err, "ca_file", "ca_file contains CR or LF");
  if (opts->proxy && strpbrk(opts->proxy, "\r\n")) return invalid(err, "proxy", "proxy contains CR or LF");
  if (light__global_init() != 0)
    return light__error_set(err, LIGHT_E_INTERNAL, LIGHT_ERR_LIGHT, "curl_global_init failed");

  light_status st = LIGHT_OK;
  light__shared *sh = shared_new(opts, err, &st);
  if (!sh) return st;
  light_client *c = calloc(1, sizeof *c);
  if (!c || dup_opt(&c->account_token, opts->account_token) != 0) {
    free(c);
    shared_release(sh);
    return light__error_set(err, LIGHT_E_NOMEM, LIGHT_ERR_LIGHT, "out of memory");
  }
  handle_attach(c, sh);
  c->max_retries = -1;
  c->owner = 1;
  *out = c;
  return LIGHT_OK;
}

void light_client_free(light_client *client) {
  if (!client) return;
  /* Freeing the client that created the shared state closes the clients
   * derived from it: their calls fail with LIGHT_E_STATE from now on. */
  if (client->owner) __atomic_store_n(&client->sh->closed, 1, __ATOMIC_RELEASE);
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
  handle_attach(c, sh);
}

light_status light_client_for_account_n(light_client **out, light_client *app, const char *uuid, size_t len,
                                        light_error *err) {
  if (uuid && memchr(uuid, '\0', len)) {
    if (out) *out = NULL;
    return invalid(err, "account_uuid", "account_uuid contains a NUL byte");
  }
  char *copy = uuid ? light__memdup0(uuid, len) : NULL;
  if (uuid && !copy) return light__error_set(err, LIGHT_E_NOMEM, LIGHT_ERR_LIGHT, "out of memory");
  light_status st = light_client_for_account(out, app, copy, err);
  free(copy);
  return st;
}

light_status light_client_for_account(light_client **out, light_client *app, const char *account_uuid,
                                      light_error *err) {
  if (!out) return invalid(err, "out", "out is NULL");
  *out = NULL;
  if (!app) return invalid(err, "client", "client is NULL");
  light_status st = light__client_check_usable(app, err);
  if (st != LIGHT_OK) return st;
  if (!app->opt->app_token) return invalid(err, "client", "for_account needs a client with an app token");
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

light_status light_client_with_options(light_client **out, const light_client *base, const light_client_overrides *o,
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
  if (o->timeout_ms < 0 || o->connect_timeout_ms < 0)
    return invalid(err, "timeout_ms", "timeouts must not be negative");
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
  case LIGHT_AUTH_APP: return client->opt->app_token != NULL && client->account_uuid == NULL;
  case LIGHT_AUTH_ACCOUNT: return client->account_token != NULL || client->account_uuid != NULL;
  }
  return 0;
}

const char *light_client_base_url(const light_client *client) { return client ? client->opt->base_url_shown : NULL; }

const char *light_client_account_uuid(const light_client *client) { return client ? client->account_uuid : NULL; }

/* ---- internal ---------------------------------------------------------- */

long light__client_timeout_ms(const light_client *c) { return c->timeout_ms > 0 ? c->timeout_ms : c->opt->timeout_ms; }

long light__client_connect_timeout_ms(const light_client *c) {
  return c->connect_timeout_ms > 0 ? c->connect_timeout_ms : c->opt->connect_timeout_ms;
}

int light__client_max_retries(const light_client *c) {
  return c->max_retries >= 0 ? c->max_retries : c->opt->max_retries;
}

const char *light__client_user_agent(const light_client *c) {
  return c->user_agent ? c->user_agent : c->opt->user_agent;
}

int64_t light__mono_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t light__client_now_ms(const light_client *c) {
  if (c->opt->clock) return c->opt->clock(c->opt->clock_ud);
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

double light__client_jitter(light_client *c) {
  light__shared *sh = c->sh;
  if (sh->opt.jitter) {
    double j = sh->opt.jitter(sh->opt.jitter_ud);
    return (j >= 0 && j < 1) ? j : 0;
  }
  /* xorshift64*: cheap, per client, locked because calls share it. */
  pthread_mutex_lock(&sh->prng_mu);
  uint64_t x = sh->prng;
  x ^= x >> 12;
  x ^= x << 25;
  x ^= x >> 27;
  sh->prng = x;
  pthread_mutex_unlock(&sh->prng_mu);
  return (double)((x * 0x2545F4914F6CDD1Dull) >> 11) / 9007199254740992.0;
}

light_status light__client_check_usable(const light_client *c, light_error *err) {
  if (__atomic_load_n(&c->sh->closed, __ATOMIC_ACQUIRE))
    return light__error_set(err, LIGHT_E_STATE, LIGHT_ERR_LIGHT,
                            "client is closed (the client it was derived from was closed)");
  if (c->sh->pid != getpid())
    return light__error_set(err, LIGHT_E_STATE, LIGHT_ERR_LIGHT,
                            "client used after fork(); create a new client in the child");
  return LIGHT_OK;
}
