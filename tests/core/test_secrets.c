/* Secrets are wiped before they are freed (core/src/secret.c, codec.h).
 *
 * This binary links a strong light__secret_probe over the library's weak
 * empty one: light__secret_wipe calls it with each buffer right before
 * (wiped = 0) and right after (wiped = 1) OPENSSL_cleanse. The probe looks for
 * known secrets (app token, account tokens, the raw mint response, an SSN,
 * a webhook secret) in the "before" view and requires the "after" view to be
 * all zero bytes. The test fails if the cleanse is removed (non-zero after),
 * or if a site frees a secret with plain free() again (the secret is never
 * seen at the stage that frees it). A real journey runs against the emulator;
 * the debug log, captured through log_cb, must not contain any secret. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <openssl/crypto.h>

#if defined(__has_include)
#if __has_include(<valgrind/memcheck.h>)
#include <valgrind/memcheck.h>
#endif
#endif
#ifndef VALGRIND_MAKE_MEM_DEFINED
#define VALGRIND_MAKE_MEM_DEFINED(p, n) ((void)(p), (void)(n))
#endif

#include "harness.h"
#include "internal.h"
#include "light/light.h"
#include "sandbox_journal.h"

#define SSN "123-45-6789"
#define SSN_DIGITS "987654321"
#define WEBHOOK_SECRET "whsec_test_secret_0123456789abcdef"
#define GROWTH_SECRET "growth-secret-7f3a9c"
#define MAX_NEEDLES 16
#define MAX_PENDING 256

typedef struct needle {
  const char *name;
  char text[1024];
  size_t len;
  int seen;  /* buffers that contained it, just before their wipe */
  int wiped; /* of those, buffers that were all zero right after */
} needle;

static needle needles[MAX_NEEDLES];
static int n_needles;

static struct {
  const void *p;
  unsigned mask; /* needles found in it */
} pending[MAX_PENDING];
static int n_pending;
static int probes_before, probes_after, nonzero_after, pending_overflow;

static int add_needle(const char *name, const char *text) {
  if (n_needles == MAX_NEEDLES || strlen(text) >= sizeof needles[0].text) return -1;
  needle *nd = &needles[n_needles];
  nd->name = name;
  snprintf(nd->text, sizeof nd->text, "%s", text);
  nd->len = strlen(text);
  return n_needles++;
}

static int contains(const void *p, size_t n, const char *s, size_t len) {
  if (!len || n < len) return 0;
  const char *b = p;
  for (size_t i = 0; i + len <= n; i++)
    if (b[i] == s[0] && memcmp(b + i, s, len) == 0) return 1;
  return 0;
}

/* The test seam (codec.h); single-threaded here: blocking calls run on this thread. */
void light__secret_probe(const void *p, size_t n, int wiped) {
  if (!wiped) {
    probes_before++;
    /* A buffer is wiped over its whole capacity, past the bytes ever written:
     * under valgrind, let the scan read that tail without an uninitialised-read report. */
    VALGRIND_MAKE_MEM_DEFINED(p, n);
    unsigned mask = 0;
    for (int i = 0; i < n_needles; i++)
      if (contains(p, n, needles[i].text, needles[i].len)) {
        needles[i].seen++;
        mask |= 1u << i;
      }
    if (n_pending == MAX_PENDING) {
      pending_overflow++;
      return;
    }
    pending[n_pending].p = p;
    pending[n_pending].mask = mask;
    n_pending++;
    return;
  }
  probes_after++;
  const unsigned char *b = p;
  int zero = 1;
  for (size_t i = 0; i < n; i++) zero &= b[i] == 0;
  if (!zero) nonzero_after++;
  for (int k = n_pending - 1; k >= 0; k--) {
    if (pending[k].p != p) continue;
    for (int i = 0; i < n_needles; i++)
      if (zero && (pending[k].mask & (1u << i))) needles[i].wiped++;
    pending[k] = pending[--n_pending];
    break;
  }
}

/* ---- captured debug log -------------------------------------------------- */

static char *log_text;
static size_t log_len;

static void log_cb(void *ud, light_log_level level, const char *line) {
  (void)ud;
  (void)level;
  size_t n = strlen(line);
  char *d = realloc(log_text, log_len + n + 2);
  if (!d) return;
  memcpy(d + log_len, line, n);
  d[log_len + n] = '\n';
  d[log_len + n + 1] = '\0';
  log_text = d;
  log_len += n + 1;
}

static void debug_log(light_client_options *o, void *ud) {
  (void)ud;
  o->log_level = LIGHT_LOG_DEBUG;
  o->log_cb = log_cb;
  o->proxy = NULL;
}

static int seen(int i) { return i >= 0 ? needles[i].seen : -1; }

static light_status call_json(light_client *c, const char *op, cJSON *body, light_error *err) {
  light_params p = LIGHT_PARAMS_INIT;
  p.body = body;
  light_response *r = NULL;
  light_status st = light_call(&r, c, op, &p, err);
  light_response_free(r);
  return st;
}

/* light__buf with wipe = 1: growth must not leave the old bytes in freed memory. */
static void test_buffer_growth(void) {
  int g = add_needle("growth secret", GROWTH_SECRET);
  light__buf b = {.wipe = 1};
  CHECK(light__buf_appends(&b, GROWTH_SECRET) == 0);
  char filler[512];
  memset(filler, 'x', sizeof filler);
  CHECK(light__buf_append(&b, filler, sizeof filler) == 0); /* 64 -> 1024: the old block is wiped */
  CHECK_INT(seen(g), 1);
  light__buf_free(&b); /* and the final one */
  CHECK_INT(seen(g), 2);
  CHECK_INT(needles[g].wiped, 2);
}

/* A journey over the emulator with the debug log on. */
static void test_journey(void) {
  const char *app_token = th_env("LIGHT_SANDBOX_APP_TOKEN");
  int i_app = add_needle("app token", app_token);
  int i_jwt = add_needle("account token (JWT prefix)", "eyJ");
  int i_mint = add_needle("raw mint response", "\"token\"");
  int i_ssn = add_needle("SSN", SSN);
  int i_ssn_digits = add_needle("SSN digits", SSN_DIGITS);

  light_client *app = th_client(debug_log, NULL);
  char *uuid = th_create_account(app, "secrets@example.com");
  CHECK(uuid != NULL);
  if (!uuid) {
    light_client_free(app);
    return;
  }
  CHECK(seen(i_app) >= 2); /* the Authorization line: the exchange's copy and libcurl's slist copy */

  light_client *ac = NULL;
  light_error err = LIGHT_ERROR_INIT;
  CHECK(light_client_for_account(&ac, app, uuid, &err) == LIGHT_OK);
  int jwt_before = seen(i_jwt);
  light_response *r = NULL;
  CHECK(light_call(&r, ac, "get_account", NULL, &err) == LIGHT_OK);
  light_response_free(r);
  CHECK(seen(i_mint) >= 1); /* the mint's response body buffer */
  CHECK(seen(i_jwt) > jwt_before);

  /* The exact token, from the cache (internal view). */
  char token[1024] = "";
  char *cached = light__token_cache_peek(app->tokens, uuid);
  if (cached) snprintf(token, sizeof token, "%s", cached);
  light__secret_free(cached);
  CHECK(strncmp(token, "eyJ", 3) == 0);
  int i_tok = add_needle("account token", token);

  /* create_account_token hands a token to the caller: the response is wiped on free */
  const char *pp[1] = {uuid};
  light_params tp = LIGHT_PARAMS_INIT;
  tp.path_params = pp;
  tp.n_path_params = 1;
  r = NULL;
  int raw_before = seen(i_mint);
  CHECK(light_call(&r, app, "create_account_token", &tp, &err) == LIGHT_OK);
  CHECK(seen(i_mint) == raw_before + 1); /* the transport's copy of the body, wiped once fed */
  const cJSON *tj = light_response_json(r);
  const cJSON *tt = cJSON_GetObjectItemCaseSensitive(tj, "token");
  int i_created = add_needle("created account token", cJSON_IsString(tt) ? tt->valuestring : "(missing)");
  CHECK(cJSON_IsString(tt));
  light_response_free(r);
  CHECK(seen(i_created) >= 2); /* the parsed string and the raw body */

  /* identity (PATCH) and credit checks with both SSN forms */
  cJSON *id = cJSON_CreateObject();
  cJSON_AddStringToObject(id, "first_name", "Ada");
  cJSON_AddStringToObject(id, "last_name", "Lovelace");
  cJSON_AddStringToObject(id, "email", "secrets@example.com");
  cJSON_AddStringToObject(id, "phone_number", "+15125550100");
  cJSON_AddStringToObject(id, "date_of_birth", "1990-01-02");
  CHECK(call_json(ac, "update_identity", id, &err) == LIGHT_OK);
  cJSON_Delete(id);
  CHECK(seen(i_tok) >= 2); /* exchange's token copy, Authorization lines */

  const char *ssns[2] = {SSN, SSN_DIGITS};
  int idx[2] = {i_ssn, i_ssn_digits};
  for (int k = 0; k < 2; k++) {
    cJSON *cc = cJSON_CreateObject();
    cJSON_AddStringToObject(cc, "ssn", ssns[k]);
    cJSON_AddBoolToObject(cc, "consent", 1);
    int before = seen(idx[k]);
    light_status st = call_json(ac, "credit_check", cc, &err);
    if (st != LIGHT_OK) fprintf(stderr, "credit_check: %s\n", err.message ? err.message : "?");
    CHECK(st == LIGHT_OK);
    CHECK(seen(idx[k]) > before); /* the serialised request body */
    before = seen(idx[k]);
    light_json_delete_wiped(cc); /* the caller's tree */
    CHECK(seen(idx[k]) > before);
  }

  /* a 401 with a wrong bare account token; the token copy is wiped on free */
  const char *wrong = "eyJwrong.token.value";
  int i_wrong = add_needle("wrong account token", wrong);
  light_client_options o;
  light_client_options_init(&o, LIGHT_CLIENT_OPTIONS_VERSION);
  o.base_url = th_env("LIGHT_SANDBOX_URL");
  o.ca_file = th_env("LIGHT_SANDBOX_CA_FILE");
  o.app_token = NULL;
  o.account_token = wrong;
  o.max_retries = 0;
  o.log_level = LIGHT_LOG_DEBUG;
  o.log_cb = log_cb;
  light_client *bare = NULL;
  CHECK(light_client_new(&bare, &o, &err) == LIGHT_OK);
  r = NULL;
  CHECK(light_call(&r, bare, "get_account", NULL, &err) == LIGHT_E_API);
  CHECK_INT(err.http_status, 401);
  light_response_free(r);
  int before = seen(i_wrong);
  light_client_free(bare);
  CHECK(seen(i_wrong) >= before + 1); /* client->account_token (+ the pooled handle's header list) */

  /* a bare client with the real token: same */
  o.account_token = token;
  bare = NULL;
  CHECK(light_client_new(&bare, &o, &err) == LIGHT_OK);
  before = seen(i_tok);
  light_client_free(bare);
  CHECK(seen(i_tok) == before + 1);

  /* freeing the app client releases the shared state: app token and token cache */
  light_client_free(ac);
  int app_before = seen(i_app), tok_before = seen(i_tok);
  light_client_free(app);
  CHECK(seen(i_app) == app_before + 1); /* sh->app_token */
  CHECK(seen(i_tok) >= tok_before + 1); /* the cache entry */

  /* nothing secret in the debug log (it did log: headers and attempts) */
  CHECK(log_text != NULL && strstr(log_text, "Authorization: Bearer [redacted]") != NULL);
  for (int i = 0; i < n_needles; i++) {
    if (i == i_mint) continue; /* a JSON key, not a secret value */
    if (log_text && strstr(log_text, needles[i].text)) {
      fprintf(stderr, "secret '%s' in the debug log\n", needles[i].name);
      CHECK(0);
    }
  }
  light_error_clear(&err);
  free(uuid);
  OPENSSL_cleanse(token, sizeof token);
}

static void test_webhook(void) {
  int w = add_needle("webhook secret", WEBHOOK_SECRET);
  const char *payload = "{\"event\":\"account.invoice_sent\",\"data\":{}}";
  char sig[LIGHT_SIGNATURE_MAX];
  CHECK(light_webhook_sign(sig, sizeof sig, payload, strlen(payload), WEBHOOK_SECRET, strlen(WEBHOOK_SECRET),
                           1700000000) == LIGHT_OK);
  int after_sign = seen(w);
  CHECK(after_sign >= 1); /* the HMAC key block */
  const char *secrets[1] = {WEBHOOK_SECRET};
  light_error err = LIGHT_ERROR_INIT;
  CHECK(light_webhook_verify(payload, strlen(payload), sig, secrets, 1, 3600, 1700000000, &err) == LIGHT_OK);
  CHECK(seen(w) > after_sign);
  const char *wrong[1] = {"whsec_wrong"};
  CHECK(light_webhook_verify(payload, strlen(payload), sig, wrong, 1, 3600, 1700000000, &err) == LIGHT_E_SIGNATURE);
  CHECK(err.message == NULL || strstr(err.message, "whsec_") == NULL);
  light_error_clear(&err);
}

int main(void) {
  th_require_sandbox();
  test_buffer_growth();
  test_journey();
  test_webhook();

  CHECK_INT(nonzero_after, 0);
  CHECK_INT(pending_overflow, 0);
  CHECK_INT(probes_before, probes_after);
  for (int i = 0; i < n_needles; i++) {
    if (needles[i].seen < 1 || needles[i].wiped != needles[i].seen)
      fprintf(stderr, "needle '%s': seen %d, wiped %d\n", needles[i].name, needles[i].seen, needles[i].wiped);
    CHECK(needles[i].seen >= 1);
    CHECK_INT(needles[i].wiped, needles[i].seen);
  }
  free(log_text);
  TEST_MAIN_END();
}
