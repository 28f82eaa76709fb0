/* The sans-I/O exchange (light/exchange.h): one Light call as a state
 * machine that every transport drives. It owns everything a call decides —
 * URL, headers, body, account-token minting and refresh, the retry policy,
 * the client-side rate limiter and response classification — so the blocking
 * transport, the async engine and host-driven transports behave identically.
 *
 * Account tokens: an account client derived with light_client_for_account()
 * finds its token in the shared cache (internal.h). When the token is absent
 * or within token_refresh_margin_s of expires_at, exactly one exchange
 * (single-flight, under token_mu) sends the mint request first; the others
 * get LIGHT_STEP_WAIT_TOKEN and look again. A 401 on the real request
 * invalidates the token it used and re-mints once.
 *
 * Secrets: token copies, header lines (Authorization), the request body
 * (credit_check carries an SSN) and the parsed mint response are wiped
 * before they are freed (light__secret_free / light__buf.wipe, codec.h). */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "codec.h"
#include "internal.h"

#define WAIT_TOKEN_DELAY_MS 5L
#define MAX_HEADERS 8
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
  int retries;      /* resends of the caller's request */
  int mint_retries; /* resends of the current mint */
  int reminted;     /* the 401 re-mint was used */
  int holds_mint;   /* this exchange owns entry->minting */
  char *token;      /* minted account token for the next attempt (copy) */
  long pending_delay;
  int pending_wait;
  int64_t sent_at; /* monotonic ms of the last SEND, for the log */

  char *hdr[MAX_HEADERS];
  const char *hdr_view[MAX_HEADERS];
  size_t n_hdr;
  light__buf mint_url;

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

/* Under token_mu. Creates the entry on first use; NULL on OOM. */
static light__token_entry *entry_get(light__shared *sh, const char *uuid) {
  for (light__token_entry *e = sh->tokens; e; e = e->next)
    if (strcmp(e->account_uuid, uuid) == 0) return e;
  light__token_entry *e = calloc(1, sizeof *e);
  if (!e || !(e->account_uuid = light__strdup(uuid))) {
    free(e);
    return NULL;
  }
  e->next = sh->tokens;
  sh->tokens = e;
  return e;
}

void light__token_cache_free(light__shared *sh) {
  light__token_entry *e = sh->tokens;
  while (e) {
    light__token_entry *n = e->next;
    free(e->account_uuid);
    light__secret_free(e->token);
    free(e);
    e = n;
  }
  sh->tokens = NULL;
}

/* Give the mint up (failure or abandonment) and wake the waiters, who will
 * elect a new minter at their next step. */
static void mint_release(light_exchange *x) {
  if (!x->holds_mint) return;
  light__shared *sh = x->client->sh;
  pthread_mutex_lock(&sh->token_mu);
  light__token_entry *e = entry_get(sh, x->client->account_uuid);
  if (e) e->minting = 0;
  sh->mint_generation++;
  pthread_cond_broadcast(&sh->token_cv);
  pthread_mutex_unlock(&sh->token_mu);
  x->holds_mint = 0;
}

void light__exchange_wait_token(light_exchange *x, long max_ms) {
  if (!x || !x->client->account_uuid) return;
  light__shared *sh = x->client->sh;
  int64_t end = light__mono_ms() + (max_ms > 0 ? max_ms : 0);
  pthread_mutex_lock(&sh->token_mu);
  uint64_t gen = sh->mint_generation;
  for (;;) {
    light__token_entry *e = entry_get(sh, x->client->account_uuid);
    if (!e || !e->minting || sh->mint_generation != gen) break;
    int64_t left = end - light__mono_ms();
    if (left <= 0) break;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    ts.tv_sec += (time_t)(left / 1000);
    ts.tv_nsec += (long)(left % 1000) * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
      ts.tv_sec++;
      ts.tv_nsec -= 1000000000L;
    }
    if (pthread_cond_timedwait(&sh->token_cv, &sh->token_mu, &ts) == ETIMEDOUT) break;
  }
  pthread_mutex_unlock(&sh->token_mu);
}

/* Days since 1970-01-01 of a proleptic Gregorian date. */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  unsigned yoe = (unsigned)(y - era * 400);
  unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + (int64_t)doe - 719468;
}

static int take_digits(const char **p, int n, int *out) {
  int v = 0;
  for (int i = 0; i < n; i++) {
    if (!isdigit((unsigned char)(*p)[i])) return -1;
    v = v * 10 + ((*p)[i] - '0');
  }
  *p += n;
  *out = v;
  return 0;
}

/* ISO-8601 "YYYY-MM-DDTHH:MM:SS[.fff][Z|±HH:MM]" (no zone = UTC) → epoch ms; -1 when unparseable. */
static int64_t parse_iso8601_ms(const char *s) {
  int Y, M, D, h, m, sec, oh = 0, om = 0;
  const char *p = s;
  if (take_digits(&p, 4, &Y) || *p++ != '-' || take_digits(&p, 2, &M) || *p++ != '-' || take_digits(&p, 2, &D))
    return -1;
  if (*p != 'T' && *p != 't' && *p != ' ') return -1;
  p++;
  if (take_digits(&p, 2, &h) || *p++ != ':' || take_digits(&p, 2, &m) || *p++ != ':' || take_digits(&p, 2, &sec))
    return -1;
  int64_t ms = 0;
  if (*p == '.' || *p == ',') {
    p++;
    int scale = 100, any = 0;
    while (isdigit((unsigned char)*p)) {
      ms += (*p - '0') * scale;
      scale /= 10;
      p++;
      any = 1;
    }
    if (!any) return -1;
  }
  int sign = 0;
  if (*p == 'Z' || *p == 'z') {
    p++;
  } else if (*p == '+' || *p == '-') {
    sign = *p == '+' ? 1 : -1;
    p++;
    if (take_digits(&p, 2, &oh)) return -1;
    if (*p == ':') p++;
    if (take_digits(&p, 2, &om)) return -1;
  }
  if (*p) return -1;
  if (M < 1 || M > 12 || D < 1 || D > 31 || h > 23 || m > 59 || sec > 60) return -1;
  int64_t t = days_from_civil(Y, (unsigned)M, (unsigned)D) * 86400 + h * 3600 + m * 60 + sec;
  t -= sign * (oh * 3600 + om * 60);
  return t * 1000 + ms;
}

/* {token, expires_at}: expires_at ISO-8601 or a Unix time (s, or ms when
 * huge); absent → now + 60 min. Returns 0 and fills token/expires. */
static int parse_mint(const cJSON *j, int64_t now_ms, char **token, int64_t *expires_ms) {
  const cJSON *t = cJSON_GetObjectItemCaseSensitive(j, "token");
  if (!cJSON_IsString(t) || !t->valuestring || !t->valuestring[0]) t = cJSON_GetObjectItemCaseSensitive(j, "account_token");
  if (!cJSON_IsString(t) || !t->valuestring || !t->valuestring[0]) return -1;
  for (const unsigned char *p = (const unsigned char *)t->valuestring; *p; p++)
    if (*p <= 0x20 || *p >= 0x7f) return -1; /* would not be a safe header value */
  const cJSON *e = cJSON_GetObjectItemCaseSensitive(j, "expires_at");
  int64_t exp = -1;
  if (cJSON_IsString(e) && e->valuestring) {
    exp = parse_iso8601_ms(e->valuestring);
  } else if (cJSON_IsNumber(e) && e->valuedouble > 0) {
    exp = e->valuedouble > 1e12 ? (int64_t)e->valuedouble : (int64_t)(e->valuedouble * 1000.0);
  }
  if (exp < 0) exp = now_ms + DEFAULT_TOKEN_TTL_MS;
  *token = light__strdup(t->valuestring);
  if (!*token) return -2;
  *expires_ms = exp;
  return 0;
}

/* ---- construction ------------------------------------------------------ */

static const light_params default_params = LIGHT_PARAMS_INIT;

static light_status common_init(light_exchange *x, light_client *client, const light_params *p, light_error *err) {
  light__shared *sh = client->sh;
  x->client = client;
  x->err = (light_error)LIGHT_ERROR_INIT;
  x->timeout_ms = p->timeout_ms > 0 ? p->timeout_ms : sh->timeout_ms;
  if (p->timeout_ms < 0) return invalid(err, "timeout_ms", "timeout_ms must not be negative%s", NULL);
  x->policy.max_retries = p->max_retries < 0 ? sh->max_retries : p->max_retries;
  x->policy.base_s = sh->retry_base_s;
  x->policy.max_s = sh->retry_max_s;
  x->policy.retry_after_cap_s = sh->retry_after_cap_s;
  if (light__buf_appends(&x->url, sh->base_url) != 0) return light__error_set(err, LIGHT_E_NOMEM, LIGHT_ERR_LIGHT, "out of memory");
  return LIGHT_OK;
}

/* Serialised straight into x->body (a wipe buffer): cJSON_PrintUnformatted
 * would grow its own buffer with realloc and free it unwiped, leaving copies
 * of an SSN in freed memory. cJSON_PrintPreallocated wants 5 spare bytes. */
static light_status build_body_json(light_exchange *x, const cJSON *body, light_error *err) {
  for (int cap = 256; cap <= (1 << 26); cap *= 2) {
    char *d = malloc((size_t)cap);
    if (!d) return light__error_set(err, LIGHT_E_NOMEM, LIGHT_ERR_LIGHT, "out of memory serialising the body");
    if (cJSON_PrintPreallocated((cJSON *)body, d, cap, 0)) {
      light__buf_free(&x->body);
      x->body.data = d;
      x->body.len = strlen(d);
      x->body.cap = (size_t)cap;
      if (!(x->content_type = light__strdup("application/json")))
        return light__error_set(err, LIGHT_E_NOMEM, LIGHT_ERR_LIGHT, "out of memory");
      x->has_body = 1;
      return LIGHT_OK;
    }
    light__secret_wipe(d, (size_t)cap);
    free(d);
  }
  return invalid(err, "body", "body could not be serialised (invalid JSON item or over 64 MiB)%s", NULL);
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

light_status light_exchange_new(light_client *client, const char *op_id, const light_params *params,
                                light_exchange **out, light_error *err) {
  if (!out) return invalid(err, "out", "out is NULL%s", NULL);
  *out = NULL;
  if (!client) return invalid(err, "client", "client is NULL%s", NULL);
  light_status st = light__client_check_usable(client, err);
  if (st != LIGHT_OK) return st;
  const light_operation *op = light_operation_find(op_id);
  if (!op) return invalid(err, "op", "unknown operation '%s'", op_id ? op_id : "(null)");
  if (!light_client_can(client, op->auth))
    return invalid(err, "client",
                   op->auth == LIGHT_AUTH_APP ? "operation '%s' needs an app-token client"
                                              : "operation '%s' needs an account client (for_account or an account token)",
                   op->id);
  const light_params *p = params ? params : &default_params;

  light_exchange *x = calloc(1, sizeof *x);
  if (!x) return light__error_set(err, LIGHT_E_NOMEM, LIGHT_ERR_LIGHT, "out of memory");
  x->body.wipe = 1;
  x->op = op;
  snprintf(x->method, sizeof x->method, "%s", op->method);
  x->auth = op->auth;
  x->idempotent = op->idempotent || strcmp(op->method, "POST") != 0;
  if ((st = common_init(x, client, p, err)) != LIGHT_OK) goto fail;

  if ((st = light__codec_path(op->path, p->path_params, p->n_path_params, &x->url, err)) != LIGHT_OK) goto fail;
  if ((st = light__codec_query(p->query, &x->url, err)) != LIGHT_OK) goto fail;

  switch (op->body) {
  case LIGHT_BODY_NONE:
    if (p->body) {
      st = invalid(err, "body", "operation '%s' takes no body (pass query parameters instead)", op->id);
      goto fail;
    }
    if (p->file) {
      st = invalid(err, "file", "operation '%s' takes no file", op->id);
      goto fail;
    }
    break;
  case LIGHT_BODY_JSON: {
    if (p->file) {
      st = invalid(err, "file", "operation '%s' takes a JSON body, not a file", op->id);
      goto fail;
    }
    if (p->body && !cJSON_IsObject(p->body)) {
      st = invalid(err, "body", "body of '%s' must be a JSON object", op->id);
      goto fail;
    }
    for (const char *const *r = op->required; r && *r; r++) {
      if (!p->body || !cJSON_GetObjectItemCaseSensitive(p->body, *r)) {
        light__error_set(err, LIGHT_E_INVALID_ARGUMENT, LIGHT_ERR_INVALID_ARGUMENT,
                         "operation '%s' requires body field '%s'", op->id, *r);
        if (err) err->param = "body";
        st = LIGHT_E_INVALID_ARGUMENT;
        goto fail;
      }
    }
    if (p->body) {
      st = build_body_json(x, p->body, err);
    } else {
      cJSON *empty = cJSON_CreateObject();
      st = empty ? build_body_json(x, empty, err) : light__error_set(err, LIGHT_E_NOMEM, LIGHT_ERR_LIGHT, "out of memory");
      cJSON_Delete(empty);
    }
    if (st != LIGHT_OK) goto fail;
    break;
  }
  case LIGHT_BODY_MULTIPART:
    if (!p->file) {
      st = invalid(err, "file", "operation '%s' needs a file (light_params.file)", op->id);
      goto fail;
    }
    if (p->body) {
      st = invalid(err, "body", "operation '%s' takes a file, not a JSON body", op->id);
      goto fail;
    }
    if ((st = build_body_multipart(x, p->file, err)) != LIGHT_OK) goto fail;
    break;
  }
  *out = x;
  return LIGHT_OK;
fail:
  light_exchange_free(x);
  return st;
}

light_status light_exchange_new_raw(light_client *client, const char *method, const char *path,
                                    const light_params *params, light_exchange **out, light_error *err) {
  if (!out) return invalid(err, "out", "out is NULL%s", NULL);
  *out = NULL;
  if (!client) return invalid(err, "client", "client is NULL%s", NULL);
  light_status st = light__client_check_usable(client, err);
  if (st != LIGHT_OK) return st;
  size_t ml = method ? strlen(method) : 0;
  if (ml == 0 || ml >= 16) return invalid(err, "method", "method must be 1..15 letters%s", NULL);
  char m[16];
  for (size_t i = 0; i < ml; i++) {
    if (!isalpha((unsigned char)method[i])) return invalid(err, "method", "method must be letters only%s", NULL);
    m[i] = (char)toupper((unsigned char)method[i]);
  }
  m[ml] = '\0';
  if (!path || path[0] != '/') return invalid(err, "path", "path must start with '/'%s", NULL);
  for (const unsigned char *q = (const unsigned char *)path; *q; q++)
    if (*q <= 0x20 || *q >= 0x7f || *q == '#')
      return invalid(err, "path", "path contains spaces, CR/LF, control, non-ASCII or '#' characters%s", NULL);
  size_t pl = strcspn(path, "?");
  if (strstr(path, "/../") || strstr(path, "/./") || (pl >= 3 && strncmp(path + pl - 3, "/..", 3) == 0) ||
      (pl >= 2 && strncmp(path + pl - 2, "/.", 2) == 0))
    return invalid(err, "path", "path must not contain dot segments%s", NULL);

  light_auth_kind auth;
  if (strncmp(path, "/v1/app/", 8) == 0 || strcmp(path, "/v1/app") == 0)
    auth = LIGHT_AUTH_APP;
  else if (strncmp(path, "/v1/account", 11) == 0 && (path[11] == '\0' || path[11] == '/' || path[11] == '?'))
    auth = LIGHT_AUTH_ACCOUNT;
  else
    auth = light_client_can(client, LIGHT_AUTH_APP) ? LIGHT_AUTH_APP : LIGHT_AUTH_ACCOUNT;
  if (!light_client_can(client, auth))
    return invalid(err, "client",
                   auth == LIGHT_AUTH_APP ? "path '%s' needs an app-token client" : "path '%s' needs an account client",
                   path);
  const light_params *p = params ? params : &default_params;
  if (p->n_path_params) return invalid(err, "path_params", "raw requests take no path parameters%s", NULL);

  light_exchange *x = calloc(1, sizeof *x);
  if (!x) return light__error_set(err, LIGHT_E_NOMEM, LIGHT_ERR_LIGHT, "out of memory");
  x->body.wipe = 1;
  memcpy(x->method, m, ml + 1);
  x->auth = auth;
  x->idempotent = strcmp(m, "POST") != 0;
  if ((st = common_init(x, client, p, err)) != LIGHT_OK) goto fail;
  if (light__buf_appends(&x->url, path) != 0) {
    st = light__error_set(err, LIGHT_E_NOMEM, LIGHT_ERR_LIGHT, "out of memory");
    goto fail;
  }
  if ((st = light__codec_query(p->query, &x->url, err)) != LIGHT_OK) goto fail;
  if (p->body && p->file) {
    st = invalid(err, "body", "give a JSON body or a file, not both%s", NULL);
    goto fail;
  }
  if (p->body && (st = build_body_json(x, p->body, err)) != LIGHT_OK) goto fail;
  if (p->file && (st = build_body_multipart(x, p->file, err)) != LIGHT_OK) goto fail;
  *out = x;
  return LIGHT_OK;
fail:
  light_exchange_free(x);
  return st;
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
  req->connect_timeout_ms = x->client->sh->connect_timeout_ms;
  req->max_response_bytes = x->client->sh->max_response_bytes;
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
  light__shared *sh = x->client->sh;
  const char *uuid = x->client->account_uuid;
  if (!x->mint_url.data) {
    const char *pp[1] = {uuid};
    light_error e = LIGHT_ERROR_INIT;
    if (light__buf_appends(&x->mint_url, sh->base_url) != 0) return fail_nomem(x);
    light_status st = light__codec_path("/v1/app/accounts/{account_uuid}/token", pp, 1, &x->mint_url, &e);
    if (st != LIGHT_OK) {
      mint_release(x);
      light_error_clear(&x->err);
      x->err = e;
      finish_with(x, st);
      return LIGHT_STEP_DONE;
    }
  }
  headers_clear(x);
  light__buf auth = {.wipe = 1};
  int rc = light__buf_appendf(&auth, "Bearer %s", sh->app_token);
  rc = rc || header_add(x, "Authorization", auth.data) || header_add(x, "User-Agent", sh->user_agent) ||
       header_add(x, "Accept", "application/json");
  if (!rc && x->mint_retries > 0) {
    char n[16];
    snprintf(n, sizeof n, "%d", x->mint_retries);
    rc = header_add(x, "X-Light-Retry-Count", n);
  }
  light__buf_free(&auth);
  if (rc) return fail_nomem(x);
  fill_request(x, req, x->mint_url.data, 0, x->mint_retries, 1);
  x->ph = PH_SENT_MINT;
  return LIGHT_STEP_SEND;
}

light_step light_exchange_next(light_exchange *x, light_http_request *req, long *delay_ms) {
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
  light__shared *sh = x->client->sh;
  light_http_request scratch;
  if (!req) req = &scratch;

  /* 1. the account token */
  if (is_account_minted(x) && !x->token) {
    pthread_mutex_lock(&sh->token_mu);
    light__token_entry *e = entry_get(sh, x->client->account_uuid);
    if (!e) {
      pthread_mutex_unlock(&sh->token_mu);
      return fail_nomem(x);
    }
    int64_t now = light__client_now_ms(x->client);
    if (e->token && now < e->refresh_ms && now < e->expires_ms) {
      x->token = light__strdup(e->token);
      pthread_mutex_unlock(&sh->token_mu);
      if (!x->token) return fail_nomem(x);
    } else if (e->minting && !x->holds_mint) {
      pthread_mutex_unlock(&sh->token_mu);
      if (delay_ms) *delay_ms = WAIT_TOKEN_DELAY_MS;
      return LIGHT_STEP_WAIT_TOKEN;
    } else {
      e->minting = 1;
      x->holds_mint = 1;
      pthread_mutex_unlock(&sh->token_mu);
      if (sh->rate_limit) {
        long d = light__rate_limit_acquire(sh->rate_limit, NULL, light__mono_ms());
        if (d > 0) {
          if (delay_ms) *delay_ms = d;
          return LIGHT_STEP_WAIT;
        }
      }
      return send_mint(x, req);
    }
  }

  /* 2. the caller's request */
  if (sh->rate_limit) {
    long d = light__rate_limit_acquire(sh->rate_limit, limiter_key(x, 0), light__mono_ms());
    if (d > 0) {
      if (delay_ms) *delay_ms = d;
      return LIGHT_STEP_WAIT;
    }
  }
  const char *tok = x->auth == LIGHT_AUTH_APP ? sh->app_token : (x->token ? x->token : x->client->account_token);
  headers_clear(x);
  light__buf auth = {.wipe = 1};
  int rc = light__buf_appendf(&auth, "Bearer %s", tok ? tok : "");
  rc = rc || header_add(x, "Authorization", auth.data) || header_add(x, "User-Agent", sh->user_agent) ||
       header_add(x, "Accept", "application/json");
  if (!rc && x->has_body) rc = header_add(x, "Content-Type", x->content_type);
  if (!rc && x->retries > 0) {
    char n[16];
    snprintf(n, sizeof n, "%d", x->retries);
    rc = header_add(x, "X-Light-Retry-Count", n);
  }
  light__buf_free(&auth);
  if (rc) return fail_nomem(x);
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

static void schedule_retry(light_exchange *x, long delay) {
  x->pending_delay = delay;
  x->pending_wait = delay > 0;
  x->ph = PH_READY;
}

void light_exchange_feed_response(light_exchange *x, int status, const char *headers, size_t headers_len,
                                  const char *body, size_t body_len) {
  if (!x || (x->ph != PH_SENT_MINT && x->ph != PH_SENT_REQ)) return;
  light__shared *sh = x->client->sh;
  int mint = x->ph == PH_SENT_MINT;
  light__log_attempt(x->client, mint ? "POST" : x->method, mint ? x->mint_url.data : x->url.data, status, 0, NULL,
                     light__mono_ms() - x->sent_at, mint ? x->mint_retries : x->retries, mint);
  int64_t now = light__client_now_ms(x->client);
  if (!headers) headers_len = 0;

  if (mint) {
    if (status >= 200 && status < 300) {
      cJSON *j = NULL;
      light_error e = LIGHT_ERROR_INIT;
      char *token = NULL;
      int64_t exp = 0;
      int prc = -1;
      if (light__codec_parse_json(body, body_len, &j, &e) == LIGHT_OK && j) prc = parse_mint(j, now, &token, &exp);
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
      pthread_mutex_lock(&sh->token_mu);
      light__token_entry *e2 = entry_get(sh, x->client->account_uuid);
      char *copy = light__strdup(token);
      if (e2 && copy) {
        light__secret_free(e2->token);
        e2->token = copy;
        e2->expires_ms = exp;
        /* Refresh margin before expiry, but never more than half the
         * lifetime: a short-lived token must not be re-minted every call. */
        int64_t margin = (int64_t)sh->token_refresh_margin_s * 1000;
        if (exp - now < 2 * margin) margin = (exp - now) / 2;
        e2->refresh_ms = exp - (margin > 0 ? margin : 0);
        e2->minting = 0;
      } else {
        light__secret_free(copy);
        if (e2) e2->minting = 0;
      }
      sh->mint_generation++;
      pthread_cond_broadcast(&sh->token_cv);
      pthread_mutex_unlock(&sh->token_mu);
      x->holds_mint = 0;
      light__secret_free(x->token);
      x->token = token; /* used for this call even if already near expiry */
      x->mint_retries = 0;
      x->ph = PH_READY;
      return;
    }
    char *ra = light__codec_header_get(headers, headers_len, "Retry-After");
    double ras = light__codec_retry_after(ra, now);
    free(ra);
    long d = light__retry_delay(&x->policy, x->mint_retries, 1, status, 0, ras, light__client_jitter(x->client));
    if (d >= 0) {
      x->mint_retries++;
      schedule_retry(x, d);
      return;
    }
    mint_release(x);
    light__codec_api_error(&x->err, status, headers, headers_len, body, body_len, x->retries, now);
    mint_error_prefix(x);
    finish_with(x, LIGHT_E_API);
    return;
  }

  if (status >= 200 && status < 300) {
    cJSON *j = NULL;
    light_status st = light__codec_parse_json(body, body_len, &j, &x->err);
    if (st != LIGHT_OK) {
      x->err.http_status = status;
      finish_with(x, st);
      return;
    }
    x->resp = light__response_new(status, headers, headers_len, body, body_len, j, x->retries);
    if (!x->resp) {
      fail_nomem(x);
      return;
    }
    finish_with(x, LIGHT_OK);
    return;
  }

  if (status == 401 && is_account_minted(x) && !x->reminted) {
    /* Invalidate the token we used (unless someone already replaced it) and mint once more. */
    pthread_mutex_lock(&sh->token_mu);
    light__token_entry *e = entry_get(sh, x->client->account_uuid);
    if (e && e->token && x->token && strcmp(e->token, x->token) == 0) {
      light__secret_free(e->token);
      e->token = NULL;
    }
    pthread_mutex_unlock(&sh->token_mu);
    light__secret_free(x->token);
    x->token = NULL;
    x->reminted = 1;
    x->retries++;
    x->ph = PH_READY;
    return;
  }

  char *ra = light__codec_header_get(headers, headers_len, "Retry-After");
  double ras = light__codec_retry_after(ra, now);
  free(ra);
  long d = light__retry_delay(&x->policy, x->retries, x->idempotent, status, 0, ras, light__client_jitter(x->client));
  if (d >= 0) {
    x->retries++;
    schedule_retry(x, d);
    return;
  }
  light__codec_api_error(&x->err, status, headers, headers_len, body, body_len, x->retries, now);
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
  int timed_out = failure == LIGHT_FAIL_TIMEOUT || failure == LIGHT_FAIL_CONNECT_TIMEOUT || (failure == LIGHT_FAIL_CONNECT && detail && strstr(detail, "timed out"));
  switch (failure) {
  case LIGHT_FAIL_TOO_LARGE: st = LIGHT_E_TOO_LARGE; kind = LIGHT_ERR_LIGHT; break;
  case LIGHT_FAIL_CANCELLED: st = LIGHT_E_CANCELLED; kind = LIGHT_ERR_LIGHT; break;
  default:
    st = timed_out ? LIGHT_E_TIMEOUT : LIGHT_E_CONNECTION;
    kind = timed_out ? LIGHT_ERR_TIMEOUT : LIGHT_ERR_CONNECTION;
    break;
  }
  light__error_set(&x->err, st, kind, "%s%s%s%s", mint ? "account token mint failed: " : "", failure_text(failure),
                   detail && *detail ? ": " : "", detail && *detail ? detail : "");
  finish_with(x, st);
}

light_status light_exchange_finish(light_exchange *x, light_response **out, light_error *err) {
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

const light_operation *light_exchange_operation(const light_exchange *x) { return x ? x->op : NULL; }

void light_exchange_free(light_exchange *x) {
  if (!x) return;
  mint_release(x);
  headers_clear(x);
  light__buf_free(&x->url);
  light__buf_free(&x->body);
  light__buf_free(&x->mint_url);
  free(x->content_type);
  light__secret_free(x->token);
  light_error_clear(&x->err);
  light_response_free(x->resp);
  free(x);
}
