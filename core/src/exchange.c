/* The sans-I/O exchange (light/exchange.h): one Light call as a state
 * machine that every transport drives. It owns everything a call decides —
 * URL, headers, body, account-token minting and refresh, the retry policy,
 * the client-side rate limiter and response classification — so the blocking
 * transport, the async engine and host-driven transports behave identically.
 *
 * Account tokens: an account client derived with light_client_for_account()
 * asks the shared token cache (token_cache.h). When the token is absent or
 * within token_refresh_margin_s of expires_at, exactly one exchange (single
 * flight) sends the mint request first; the others get LIGHT_STEP_WAIT_TOKEN
 * and look again — how they wait is the driver's business (the blocking
 * transport sleeps on its condition variable, the engine parks them). A 401
 * on the real request invalidates the token it used and re-mints once.
 *
 * No I/O, no threads: this file includes neither libcurl nor pthread.
 *
 * Secrets: token copies, header lines (Authorization), the request body
 * (credit_check carries an SSN) and the parsed mint response are wiped
 * before they are freed (light__secret_free / light__buf.wipe, codec.h). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "codec.h"
#include "internal.h"
#include "params.h"
#include "token_cache.h"

#define WAIT_TOKEN_DELAY_MS 5L
#define MAX_HEADERS (8 + LIGHT_ARGS_MAX_HEADERS)
#define DEFAULT_TOKEN_TTL_MS (60LL * 60 * 1000)

typedef enum phase {
  PH_READY = 0,     /* next() decides what to do */
  PH_SENT_MINT = 1, /* the mint request is out */
  PH_SENT_REQ = 2,  /* the caller's request is out */
  PH_DONE = 3
} phase;

struct light_exchange {
  light_client *client; /* borrowed: must outlive the exchange */
  const light_operation *op;
  char method[16];
  light_auth_kind auth;
  int idempotent;
  light__buf url;
  light__buf body;
  int has_body;
  char *content_type;
  long timeout_ms;
  light__retry_policy policy;

  phase ph;
  int retries;        /* resends of the caller's request */
  int mint_retries;   /* resends of the current mint */
  int reminted;       /* the 401 re-mint was used */
  int holds_mint;     /* this exchange owns entry->minting */
  char *token;        /* minted account token for the next attempt (copy) */
  uint64_t token_gen; /* token-cache generation seen by the last WAIT_TOKEN */
  long pending_delay;
  int pending_wait;
  int64_t sent_at; /* monotonic ms of the last SEND, for the log */

  char *hdr[MAX_HEADERS];
  const char *hdr_view[MAX_HEADERS];
  size_t n_hdr;
  light__buf mint_url;
  char *xhdr[LIGHT_ARGS_MAX_HEADERS]; /* per-call header lines "Name: value" (wiped on free) */
  size_t xhdr_name_len[LIGHT_ARGS_MAX_HEADERS];
  size_t n_xhdr;

  light_status status;
  light_error err;
  light_response *resp;
};

/* ---- helpers ----------------------------------------------------------- */

static light_status invalid(light_error *err, const char *param, const char *fmt, const char *a) {
  light__error_set(err, LIGHT_E_INVALID_ARGUMENT, LIGHT_ERR_INVALID_ARGUMENT, fmt, a ? a : "");
  if (err) err->param = param;
  return LIGHT_E_INVALID_ARGUMENT;
}

static int is_account_minted(const light_exchange *x) {
  return x->auth == LIGHT_AUTH_ACCOUNT && x->client->account_uuid != NULL;
}

static const char *limiter_key(const light_exchange *x, int mint) {
  if (mint || x->auth != LIGHT_AUTH_ACCOUNT) return NULL; /* app bucket */
  return x->client->account_uuid ? x->client->account_uuid : "\001bare-account-token";
}

static void headers_clear(light_exchange *x) {
  for (size_t i = 0; i < x->n_hdr; i++) light__secret_free(x->hdr[i]);
  x->n_hdr = 0;
}

static int header_add(light_exchange *x, const char *name, const char *value) {
  light__buf b = {.wipe = 1};
  if (x->n_hdr >= MAX_HEADERS || light__buf_appendf(&b, "%s: %s", name, value) != 0) {
    light__buf_free(&b);
    return -1;
  }
  x->hdr[x->n_hdr] = b.data;
  x->hdr_view[x->n_hdr] = b.data;
  x->n_hdr++;
  return 0;
}

static void finish_with(light_exchange *x, light_status st) {
  x->status = st;
  x->ph = PH_DONE;
  x->err.retries = x->retries;
}

/* ---- token cache ------------------------------------------------------- */

/* Give the mint up (failure or abandonment): the cache wakes the waiters,
 * who elect a new minter at their next step. */
static void mint_release(light_exchange *x) {
  if (!x->holds_mint) return;
  light__token_cache_release(x->client->tokens, x->client->account_uuid);
  x->holds_mint = 0;
}

/* Retry-After of a response in seconds (-1 when absent or unparseable). */
static double retry_after_s(const char *headers, size_t headers_len, int64_t now_ms) {
  char *ra = light__codec_header_get(headers, headers_len, "Retry-After");
  double s = light__codec_retry_after(ra, now_ms);
  free(ra);
  return s;
}

/* The header lines of an attempt: Authorization with `token`, User-Agent,
 * Accept, Content-Type when content_type is given, X-Light-Retry-Count when
 * retry_count > 0. 0, or -1 on OOM. */
static int header_add_default(light_exchange *x, const char *name, const char *value);
static int header_add_extras(light_exchange *x);

/* The request's headers: Authorization, then User-Agent, Accept, Content-Type
 * and X-Light-Retry-Count; for the caller's request (@p caller) a per-call
 * header of the same name replaces a default, and the per-call headers
 * follow. A mint never carries per-call headers. */
static int build_headers(light_exchange *x, const char *token, const char *content_type, int retry_count, int caller) {
  int (*add)(light_exchange *, const char *, const char *) = caller ? header_add_default : header_add;
  headers_clear(x);
  light__buf auth = {.wipe = 1};
  int rc = light__buf_appendf(&auth, "Bearer %s", token ? token : "");
  rc = rc || header_add(x, "Authorization", auth.data) || add(x, "User-Agent", light__client_user_agent(x->client)) ||
       add(x, "Accept", "application/json");
  if (!rc && content_type) rc = add(x, "Content-Type", content_type);
  if (!rc && retry_count > 0) {
    char n[16];
    snprintf(n, sizeof n, "%d", retry_count);
    rc = add(x, "X-Light-Retry-Count", n);
  }
  if (!rc && caller) rc = header_add_extras(x);
  light__buf_free(&auth);
  return rc ? -1 : 0;
}

/* ---- construction ------------------------------------------------------ */

static light_status common_init(light_exchange *x, light_client *client, const light_params *p, light_error *err) {
  const light__options *sh = client->opt;
  x->client = client;
  x->err = (light_error)LIGHT_ERROR_INIT;
  if (p->version == 0 || p->version > LIGHT_PARAMS_VERSION)
    return invalid(err, "params",
                   "light_params.version is 0 or newer than this library: initialise with "
                   "LIGHT_PARAMS_INIT or light_params_init()%s",
                   NULL);
  x->timeout_ms = p->timeout_ms > 0 ? p->timeout_ms : light__client_timeout_ms(client);
  if (p->timeout_ms < 0) return invalid(err, "timeout_ms", "timeout_ms must not be negative%s", NULL);
  x->policy.max_retries = p->max_retries < 0 ? light__client_max_retries(client) : p->max_retries;
  x->policy.base_s = sh->retry_base_s;
  x->policy.max_s = sh->retry_max_s;
  x->policy.retry_after_cap_s = sh->retry_after_cap_s;
  if (light__buf_appends(&x->url, sh->base_url) != 0)
    return light__error_set(err, LIGHT_E_NOMEM, LIGHT_ERR_LIGHT, "out of memory");
  return LIGHT_OK;
}

static light_status build_body_multipart(light_exchange *x, const light_file *file, light_error *err) {
  char boundary[48];
  for (int attempt = 0; attempt < 4; attempt++) {
    uint64_t a = (uint64_t)(light__client_jitter(x->client) * 9007199254740992.0);
    uint64_t b = (uint64_t)(light__client_jitter(x->client) * 9007199254740992.0);
    snprintf(boundary, sizeof boundary, "light-sdk-%016llx%016llx", (unsigned long long)a, (unsigned long long)b);
    light__buf_reset(&x->body);
    light_status st = light__codec_multipart(file, boundary, &x->body, err);
    if (st == LIGHT_OK) {
      light__buf ct = {0};
      if (light__buf_appendf(&ct, "multipart/form-data; boundary=%s", boundary) != 0) {
        light__buf_free(&ct);
        return light__error_set(err, LIGHT_E_NOMEM, LIGHT_ERR_LIGHT, "out of memory");
      }
      x->content_type = ct.data;
      x->has_body = 1;
      light_error_clear(err);
      return LIGHT_OK;
    }
    /* A boundary that occurs in the content (astronomically unlikely) gets another draw. */
    if (st != LIGHT_E_INVALID_ARGUMENT || !err || !err->param || strcmp(err->param, "boundary") != 0) return st;
  }
  return light__error_set(err, LIGHT_E_INTERNAL, LIGHT_ERR_LIGHT, "could not find a multipart boundary");
}

/* 1 when a per-call header replaces the default header @p name. */
static int overridden(const light_exchange *x, const char *name) {
  size_t n = strlen(name);
  for (size_t i = 0; i < x->n_xhdr; i++)
    if (x->xhdr_name_len[i] == n && strncasecmp(x->xhdr[i], name, n) == 0) return 1;
  return 0;
}

static int header_add_default(light_exchange *x, const char *name, const char *value) {
  return overridden(x, name) ? 0 : header_add(x, name, value);
}

static int header_add_extras(light_exchange *x) {
  for (size_t i = 0; i < x->n_xhdr; i++) {
    if (x->n_hdr >= MAX_HEADERS) return -1;
    char *line = light__strdup(x->xhdr[i]);
    if (!line) return -1;
    x->hdr[x->n_hdr] = line;
    x->hdr_view[x->n_hdr] = line;
    x->n_hdr++;
  }
  return 0;
}

/* Auth kind of a raw path: /v1/app/ → app token, /v1/account → account token, else what the client has. */
static light_auth_kind raw_auth(light_client *client, const char *path) {
  if (strncmp(path, "/v1/app/", 8) == 0 || strcmp(path, "/v1/app") == 0 || strncmp(path, "/v1/app?", 8) == 0)
    return LIGHT_AUTH_APP;
  if (strncmp(path, "/v1/account", 11) == 0 && (path[11] == '\0' || path[11] == '/' || path[11] == '?'))
    return LIGHT_AUTH_ACCOUNT;
  return light_client_can(client, LIGHT_AUTH_APP) ? LIGHT_AUTH_APP : LIGHT_AUTH_ACCOUNT;
}

light_status light_exchange_new_args(light_exchange **out, light_client *client, const light_args *args,
                                     light_error *err) {
  if (!out) return invalid(err, "out", "out is NULL%s", NULL);
  *out = NULL;
  if (!client) return invalid(err, "client", "client is NULL%s", NULL);
  light_status st = light__client_check_usable(client, err);
  if (st != LIGHT_OK) return st;
  light__args_view v;
  if (!args) return invalid(err, "args", "args is NULL%s", NULL);
  if ((st = light__args_view_get(args, &v)) != LIGHT_OK) {
    if (st == LIGHT_E_STATE) return invalid(err, "args", "arguments not finished (light_args_finish)%s", NULL);
    return light_args_error(args, err);
  }
  light_auth_kind auth = v.op ? v.op->auth : raw_auth(client, v.raw_path);
  if (!light_client_can(client, auth)) {
    if (v.op)
      return invalid(err, "client",
                     auth == LIGHT_AUTH_APP
                         ? "operation '%s' needs an app-token client"
                         : "operation '%s' needs an account client (for_account or an account token)",
                     v.op->id);
    return invalid(err, "client",
                   auth == LIGHT_AUTH_APP ? "path '%s' needs an app-token client" : "path '%s' needs an account client",
                   v.raw_path);
  }
  light_exchange *x = calloc(1, sizeof *x);
  if (!x) return light__error_set(err, LIGHT_E_NOMEM, LIGHT_ERR_LIGHT, "out of memory");
  x->body.wipe = 1;
  x->op = v.op;
  snprintf(x->method, sizeof x->method, "%s", v.method);
  x->auth = auth;
  x->idempotent = v.op ? (v.op->idempotent || strcmp(v.op->method, "POST") != 0) : strcmp(v.method, "POST") != 0;
  light_params p = LIGHT_PARAMS_INIT;
  p.timeout_ms = v.timeout_ms;
  p.max_retries = v.max_retries;
  if ((st = common_init(x, client, &p, err)) != LIGHT_OK) goto fail;
  if (light__buf_append(&x->url, v.path_query, v.path_query_len) != 0) goto nomem;
  for (size_t i = 0; i < v.n_headers; i++) {
    if (!(x->xhdr[i] = light__strdup(v.headers[i]))) goto nomem;
    x->xhdr_name_len[i] = strlen(v.header_names[i]);
    x->n_xhdr++;
  }
  if (v.body) {
    if (light__buf_append(&x->body, v.body, v.body_len) != 0 || !(x->content_type = light__strdup("application/json")))
      goto nomem;
    x->has_body = 1;
  } else if (v.file) {
    if ((st = build_body_multipart(x, v.file, err)) != LIGHT_OK) goto fail;
  }
  *out = x;
  return LIGHT_OK;
nomem:
  st = light__error_set(err, LIGHT_E_NOMEM, LIGHT_ERR_LIGHT, "out of memory");
fail:
  light_exchange_free(x);
  return st;
}

/* The C API's light_params go through the same argument rule (params.c). */
static light_status exchange_from_params(light_client *client, const char *op_id, const char *method, const char *path,
                                         const light_params *params, light_exchange **out, light_error *err) {
  if (!out) return invalid(err, "out", "out is NULL%s", NULL);
  *out = NULL;
  if (!client) return invalid(err, "client", "client is NULL%s", NULL);
  light_status st = light__client_check_usable(client, err);
  if (st != LIGHT_OK) return st;
  light_args *a = NULL;
  st = light__args_from_params(&a, op_id, method, path, params);
  if (!a) return light__error_set(err, LIGHT_E_NOMEM, LIGHT_ERR_LIGHT, "out of memory");
  st = st == LIGHT_OK ? light_exchange_new_args(out, client, a, err) : light_args_error(a, err);
  light_args_free(a);
  return st;
}

light_status light_exchange_new(light_exchange **out, light_client *client, const char *op_id,
                                const light_params *params, light_error *err) {
  return exchange_from_params(client, op_id ? op_id : "(null)", NULL, NULL, params, out, err);
}

light_status light_exchange_new_raw(light_exchange **out, light_client *client, const char *method, const char *path,
                                    const light_params *params, light_error *err) {
  return exchange_from_params(client, NULL, method ? method : "", path ? path : "", params, out, err);
}

/* ---- stepping ---------------------------------------------------------- */

static void fill_request(light_exchange *x, light_http_request *req, const char *url, int with_body, int attempt,
                         int mint) {
  memset(req, 0, sizeof *req);
  req->method = mint ? "POST" : x->method;
  req->url = url;
  req->headers = x->hdr_view;
  req->n_headers = x->n_hdr;
  if (with_body && x->has_body) {
    req->body = x->body.data;
    req->body_len = x->body.len;
  } else if (mint) {
    req->body = "";
    req->body_len = 0;
  }
  req->timeout_ms = x->timeout_ms;
  req->connect_timeout_ms = light__client_connect_timeout_ms(x->client);
  req->max_response_bytes = x->client->opt->max_response_bytes;
  req->attempt = attempt;
  req->is_token_mint = mint;
  x->sent_at = light__mono_ms();
  light__log_headers(x->client, x->hdr_view, x->n_hdr);
}

static light_step fail_nomem(light_exchange *x) {
  mint_release(x);
  light__error_set(&x->err, LIGHT_E_NOMEM, LIGHT_ERR_LIGHT, "out of memory");
  finish_with(x, LIGHT_E_NOMEM);
  return LIGHT_STEP_DONE;
}

static light_step send_mint(light_exchange *x, light_http_request *req) {
  const light__options *o = x->client->opt;
  if (!x->mint_url.data) {
    const char *pp[1] = {x->client->account_uuid};
    light_error e = LIGHT_ERROR_INIT;
    if (light__buf_appends(&x->mint_url, o->base_url) != 0) return fail_nomem(x);
    light_status st = light__codec_path("/v1/app/accounts/{account_uuid}/token", pp, 1, &x->mint_url, &e);
    if (st != LIGHT_OK) {
      mint_release(x);
      light_error_clear(&x->err);
      x->err = e;
      finish_with(x, st);
      return LIGHT_STEP_DONE;
    }
  }
  if (build_headers(x, o->app_token, NULL, x->mint_retries, 0) != 0) return fail_nomem(x);
  fill_request(x, req, x->mint_url.data, 0, x->mint_retries, 1);
  x->ph = PH_SENT_MINT;
  return LIGHT_STEP_SEND;
}

/* A rate-limiter slot for a request now (account_key NULL: the app bucket):
 * 0 when taken, else the ms to wait. */
static long limiter_wait(light_exchange *x, const char *account_key) {
  if (!x->client->rate_limit) return 0;
  return light__rate_limit_acquire(x->client->rate_limit, account_key, light__mono_ms());
}

light_step light_exchange_next(light_http_request *req, long *delay_ms, light_exchange *x) {
  if (delay_ms) *delay_ms = 0;
  if (!x) return LIGHT_STEP_DONE;
  if (x->ph == PH_DONE) return LIGHT_STEP_DONE;
  if (x->ph != PH_READY) {
    /* next() without feeding the last SEND: treat as a transport failure. */
    light_exchange_feed_failure(x, LIGHT_FAIL_OTHER, "light_exchange_next called before the outcome was fed");
    if (x->ph == PH_DONE) return LIGHT_STEP_DONE;
  }
  if (x->pending_wait) {
    x->pending_wait = 0;
    if (delay_ms) *delay_ms = x->pending_delay;
    return LIGHT_STEP_WAIT;
  }
  const light__options *o = x->client->opt;
  light_http_request scratch;
  if (!req) req = &scratch;

  /* 1. the account token: cached, or minted by this exchange, or wait for another's mint */
  if (is_account_minted(x) && !x->token && !x->holds_mint) {
    char *tok = NULL;
    switch (light__token_cache_acquire(x->client->tokens, x->client->account_uuid, light__client_now_ms(x->client),
                                       &tok, &x->token_gen)) {
    case LIGHT__TOKEN_FRESH: x->token = tok; break;
    case LIGHT__TOKEN_MINT: x->holds_mint = 1; break;
    case LIGHT__TOKEN_WAIT:
      if (delay_ms) *delay_ms = WAIT_TOKEN_DELAY_MS;
      return LIGHT_STEP_WAIT_TOKEN;
    case LIGHT__TOKEN_NOMEM: return fail_nomem(x);
    }
  }
  if (x->holds_mint) {
    long d = limiter_wait(x, NULL);
    if (d > 0) {
      if (delay_ms) *delay_ms = d;
      return LIGHT_STEP_WAIT;
    }
    return send_mint(x, req);
  }

  /* 2. the caller's request */
  long d = limiter_wait(x, limiter_key(x, 0));
  if (d > 0) {
    if (delay_ms) *delay_ms = d;
    return LIGHT_STEP_WAIT;
  }
  const char *tok = x->auth == LIGHT_AUTH_APP ? o->app_token : (x->token ? x->token : x->client->account_token);
  if (build_headers(x, tok, x->has_body ? x->content_type : NULL, x->retries, 1) != 0) return fail_nomem(x);
  fill_request(x, req, x->url.data, 1, x->retries, 0);
  x->ph = PH_SENT_REQ;
  return LIGHT_STEP_SEND;
}

/* Prefix the message of a mint failure so the caller knows which request failed. */
static void mint_error_prefix(light_exchange *x) {
  light__buf b = {0};
  if (light__buf_appendf(&b, "account token mint failed: %s", x->err.message ? x->err.message : "error") == 0) {
    free(x->err.message);
    x->err.message = b.data;
  } else {
    light__buf_free(&b);
  }
}

/* A 404 from an operation whose path is a guess says so: the path may be
 * what is wrong, not the id in it. */
static void inferred_path_suffix(light_exchange *x, int status) {
  if (status != 404 || !x->op || !x->op->inferred) return;
  light__buf b = {0};
  if (light__buf_appendf(&b,
                         "%s (path inferred: %s %s is a guess from the docs; if Light's API uses another path, "
                         "call it with the raw request)",
                         x->err.message ? x->err.message : "not found", x->op->method, x->op->path) == 0) {
    free(x->err.message);
    x->err.message = b.data;
  } else {
    light__buf_free(&b);
  }
}

static void schedule_retry(light_exchange *x, long delay) {
  x->pending_delay = delay;
  x->pending_wait = delay > 0;
  x->ph = PH_READY;
}

void light_exchange_feed_response(light_exchange *x, int status, const char *headers, size_t headers_len,
                                  const char *body, size_t body_len) {
  if (!x || (x->ph != PH_SENT_MINT && x->ph != PH_SENT_REQ)) return;
  int mint = x->ph == PH_SENT_MINT;
  light__log_attempt(x->client, mint ? "POST" : x->method, mint ? x->mint_url.data : x->url.data, status, 0, NULL,
                     light__mono_ms() - x->sent_at, mint ? x->mint_retries : x->retries, mint);
  int64_t now = light__client_now_ms(x->client);
  if (!headers) headers_len = 0;

  if (mint && status >= 200 && status < 300) {
    cJSON *j = NULL;
    light_error e = LIGHT_ERROR_INIT;
    char *token = NULL;
    int64_t exp = 0;
    int prc = -1;
    if (light__codec_parse_json(body, body_len, &j, &e) == LIGHT_OK && j)
      prc = light__token_parse_mint(j, now, &token, &exp);
    light_json_delete_wiped(j); /* holds the token */
    light_error_clear(&e);
    if (prc == -2) {
      fail_nomem(x);
      return;
    }
    if (prc != 0) {
      mint_release(x);
      light__error_set(&x->err, LIGHT_E_DECODE, LIGHT_ERR_DECODE,
                       "account token mint answered %d without a usable {token, expires_at}", status);
      x->err.http_status = status;
      finish_with(x, LIGHT_E_DECODE);
      return;
    }
    /* Cached for the others (an OOM there only loses the caching); used
     * for this call even if already near expiry. */
    light__token_cache_store(x->client->tokens, x->client->account_uuid, token, exp, now);
    x->holds_mint = 0;
    light__secret_free(x->token);
    x->token = token;
    x->mint_retries = 0;
    x->ph = PH_READY;
    return;
  }

  if (!mint && status >= 200 && status < 300) {
    light_json_member sum[LIGHT__RESPONSE_SUMMARY_N];
    light__response_summary_init(sum);
    light_status st = light__codec_check_json(body, body_len, sum, LIGHT__RESPONSE_SUMMARY_N, &x->err);
    if (st != LIGHT_OK) {
      x->err.http_status = status;
      finish_with(x, st);
      return;
    }
    x->resp = light__response_new_checked(status, headers, headers_len, body, body_len, sum, x->retries);
    if (!x->resp) {
      fail_nomem(x);
      return;
    }
    finish_with(x, LIGHT_OK);
    return;
  }

  if (!mint && status == 401 && is_account_minted(x) && !x->reminted) {
    /* Invalidate the token we used (unless someone already replaced it) and mint once more. */
    light__token_cache_invalidate(x->client->tokens, x->client->account_uuid, x->token);
    light__secret_free(x->token);
    x->token = NULL;
    x->reminted = 1;
    x->retries++;
    x->ph = PH_READY;
    return;
  }

  /* A non-2xx answer: retried per the policy (a mint is idempotent), else the API error. */
  int *counter = mint ? &x->mint_retries : &x->retries;
  long d = light__retry_delay(&x->policy, *counter, mint ? 1 : x->idempotent, status, 0,
                              retry_after_s(headers, headers_len, now), light__client_jitter(x->client));
  if (d >= 0) {
    (*counter)++;
    schedule_retry(x, d);
    return;
  }
  if (mint) mint_release(x);
  light__codec_api_error(&x->err, status, headers, headers_len, body, body_len, x->retries, now);
  if (mint)
    mint_error_prefix(x);
  else
    inferred_path_suffix(x, status);
  finish_with(x, LIGHT_E_API);
}

static const char *failure_text(light_transport_failure f) {
  switch (f) {
  case LIGHT_FAIL_CONNECT: return "could not connect";
  case LIGHT_FAIL_CONNECT_TIMEOUT: return "connect timed out";
  case LIGHT_FAIL_TLS_VERIFY: return "TLS certificate verification failed";
  case LIGHT_FAIL_TIMEOUT: return "request timed out";
  case LIGHT_FAIL_SEND: return "failed sending the request";
  case LIGHT_FAIL_RECV: return "failed receiving the response";
  case LIGHT_FAIL_TOO_LARGE: return "response body over max_response_bytes";
  case LIGHT_FAIL_CANCELLED: return "request cancelled";
  case LIGHT_FAIL_OTHER: break;
  }
  return "transport failure";
}

void light_exchange_feed_failure(light_exchange *x, light_transport_failure failure, const char *detail) {
  if (!x || (x->ph != PH_SENT_MINT && x->ph != PH_SENT_REQ)) return;
  int mint = x->ph == PH_SENT_MINT;
  light__log_attempt(x->client, mint ? "POST" : x->method, mint ? x->mint_url.data : x->url.data, 0, (int)failure,
                     detail, light__mono_ms() - x->sent_at, mint ? x->mint_retries : x->retries, mint);
  int *counter = mint ? &x->mint_retries : &x->retries;
  long d = light__retry_delay(&x->policy, *counter, mint ? 1 : x->idempotent, 0, (int)failure, -1.0,
                              light__client_jitter(x->client));
  if (d >= 0) {
    (*counter)++;
    schedule_retry(x, d);
    return;
  }
  if (mint) mint_release(x);
  light_status st;
  light_error_kind kind;
  int timed_out = failure == LIGHT_FAIL_TIMEOUT || failure == LIGHT_FAIL_CONNECT_TIMEOUT;
  switch (failure) {
  case LIGHT_FAIL_TOO_LARGE:
    st = LIGHT_E_TOO_LARGE;
    kind = LIGHT_ERR_LIGHT;
    break;
  case LIGHT_FAIL_CANCELLED:
    st = LIGHT_E_CANCELLED;
    kind = LIGHT_ERR_LIGHT;
    break;
  default:
    st = timed_out ? LIGHT_E_TIMEOUT : LIGHT_E_CONNECTION;
    kind = timed_out ? LIGHT_ERR_TIMEOUT : LIGHT_ERR_CONNECTION;
    break;
  }
  light__error_set(&x->err, st, kind, "%s%s%s%s", mint ? "account token mint failed: " : "", failure_text(failure),
                   detail && *detail ? ": " : "", detail && *detail ? detail : "");
  finish_with(x, st);
}

light_status light_exchange_finish(light_response **out, light_exchange *x, light_error *err) {
  if (out) *out = NULL;
  if (!x) return light__error_set(err, LIGHT_E_INVALID_ARGUMENT, LIGHT_ERR_INVALID_ARGUMENT, "exchange is NULL");
  if (x->ph != PH_DONE)
    return light__error_set(err, LIGHT_E_STATE, LIGHT_ERR_LIGHT, "light_exchange_finish before LIGHT_STEP_DONE");
  if (x->status == LIGHT_OK) {
    if (out) {
      *out = x->resp;
      x->resp = NULL;
    }
    if (err) light_error_clear(err);
    return LIGHT_OK;
  }
  if (err) {
    light_error_clear(err);
    *err = x->err;
    err->code = x->status;
    x->err = (light_error)LIGHT_ERROR_INIT;
  }
  return x->status;
}

int light__exchange_response_is_secret(const light_exchange *x) { return x ? light__response_is_secret(x->resp) : 0; }

uint64_t light__exchange_token_generation(const light_exchange *x) { return x ? x->token_gen : 0; }

void light__exchange_abort(light_exchange *x) {
  if (!x || x->ph == PH_DONE) return;
  mint_release(x);
  light__error_set(&x->err, LIGHT_E_CANCELLED, LIGHT_ERR_LIGHT, "call interrupted by the abort check");
  finish_with(x, LIGHT_E_CANCELLED);
}

const light_operation *light_exchange_operation(const light_exchange *x) { return x ? x->op : NULL; }

void light_exchange_free(light_exchange *x) {
  if (!x) return;
  mint_release(x);
  headers_clear(x);
  light__buf_free(&x->url);
  light__buf_free(&x->body);
  light__buf_free(&x->mint_url);
  for (size_t i = 0; i < x->n_xhdr; i++) light__secret_free(x->xhdr[i]);
  free(x->content_type);
  light__secret_free(x->token);
  light_error_clear(&x->err);
  light_response_free(x->resp);
  free(x);
}
