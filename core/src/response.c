/* Responses (light/client.h): status, raw body, parsed JSON, headers, and the
 * pagination helper light_page_next_query(). Immutable once built (the cJSON
 * tree is built on first use, under a mutex), so a response may be read from
 * any thread.
 *
 * The exchange validates a 2xx body once with the core's parser
 * (light__codec_check_json) and keeps a summary of the list envelope and
 * token members; bindings then build their native values straight from the
 * body (light/json.h), so no cJSON tree exists unless light_response_json()
 * is called. */
#include <ctype.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "codec.h"
#include "internal.h"

typedef struct header_pair {
  const char *name; /* into names/values storage */
  const char *value;
} header_pair;

enum { SUM_DATA, SUM_HAS_MORE, SUM_NEXT_PAGE_URL, SUM_OFFSET, SUM_LIMIT, SUM_TOKEN, SUM_ACCOUNT_TOKEN, SUM_N };
static const char *const summary_keys[SUM_N] = {"data",  "has_more", "next_page_url", "offset",
                                                "limit", "token",    "account_token"};

struct light_response {
  int status;
  int retries;
  cJSON *json;    /* built on first light_response_json() (owned) */
  int json_state; /* 0 not built, 1 built (or taken) */
  pthread_mutex_t json_mu;
  light_json_member sum[SUM_N];
  char *body;
  size_t body_len;
  char *headers; /* raw block as received */
  size_t headers_len;
  char *parsed; /* NUL-separated copies of names and trimmed values */
  header_pair *pairs;
  size_t n_pairs;
  const char *request_id;
  int secret; /* carries a token: wiped on free */
};

/* Split "Name: value\r\n" lines into pairs (status lines and junk skipped). */
static int parse_headers(light_response *r) {
  size_t lines = 0;
  for (size_t i = 0; i < r->headers_len; i++)
    if (r->headers[i] == '\n') lines++;
  r->parsed = light__memdup0(r->headers, r->headers_len);
  r->pairs = calloc(lines + 1, sizeof *r->pairs);
  if (!r->parsed || !r->pairs) return -1;
  char *p = r->parsed, *end = r->parsed + r->headers_len;
  while (p < end) {
    char *nl = memchr(p, '\n', (size_t)(end - p));
    char *le = nl ? nl : end;
    char *next = nl ? nl + 1 : end;
    if (le > p && le[-1] == '\r') le--;
    *le = '\0';
    char *colon = memchr(p, ':', (size_t)(le - p));
    if (colon && colon > p && strncmp(p, "HTTP/", 5) != 0 && !isspace((unsigned char)p[0])) {
      *colon = '\0';
      char *v = colon + 1;
      while (*v == ' ' || *v == '\t') v++;
      char *ve = le;
      while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t')) *--ve = '\0';
      r->pairs[r->n_pairs].name = p;
      r->pairs[r->n_pairs].value = v;
      r->n_pairs++;
    }
    p = next;
  }
  return 0;
}

void light__response_summary_init(light_json_member *sum) {
  for (int i = 0; i < SUM_N; i++) {
    sum[i].key = summary_keys[i];
    sum[i].type = LIGHT_JSON_ABSENT;
    sum[i].count = 0;
    sum[i].number = NAN;
  }
}

/* The summary of a tree given directly (tests, synthetic responses). */
static void summarise_tree(light_json_member *sum, const cJSON *json) {
  light__response_summary_init(sum);
  if (!cJSON_IsObject(json)) return;
  for (int i = 0; i < SUM_N; i++) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(json, sum[i].key);
    if (!v) continue;
    if (cJSON_IsNull(v))
      sum[i].type = LIGHT_JSON_NULL;
    else if (cJSON_IsFalse(v))
      sum[i].type = LIGHT_JSON_FALSE;
    else if (cJSON_IsTrue(v))
      sum[i].type = LIGHT_JSON_TRUE;
    else if (cJSON_IsNumber(v)) {
      sum[i].type = LIGHT_JSON_NUMBER;
      sum[i].number = v->valuedouble;
    } else if (cJSON_IsString(v)) {
      sum[i].type = LIGHT_JSON_STRING;
      char *end = NULL;
      double d = v->valuestring ? strtod(v->valuestring, &end) : NAN;
      if (end && end != v->valuestring && *end == '\0') sum[i].number = d;
    } else if (cJSON_IsArray(v) || cJSON_IsObject(v)) {
      sum[i].type = cJSON_IsArray(v) ? LIGHT_JSON_ARRAY : LIGHT_JSON_OBJECT;
      sum[i].count = (size_t)cJSON_GetArraySize(v);
    }
  }
}

static light_response *response_new(int status, const char *headers, size_t headers_len, const char *body,
                                    size_t body_len, cJSON *json, const light_json_member *sum, int retries) {
  light_response *r = calloc(1, sizeof *r);
  if (!r) {
    cJSON_Delete(json);
    return NULL;
  }
  if (pthread_mutex_init(&r->json_mu, NULL) != 0) {
    cJSON_Delete(json);
    free(r);
    return NULL;
  }
  r->status = status;
  r->retries = retries;
  r->json = json;
  r->json_state = json != NULL;
  if (sum)
    memcpy(r->sum, sum, sizeof r->sum);
  else
    summarise_tree(r->sum, json);
  /* create_account_token (or a raw mint) answers {token, expires_at}. Only
   * such responses are wiped: wiping every tree would cost several times a
   * plain cJSON_Delete on large pages. */
  r->secret = r->sum[SUM_TOKEN].type == LIGHT_JSON_STRING || r->sum[SUM_ACCOUNT_TOKEN].type == LIGHT_JSON_STRING;
  r->body = light__memdup0(body ? body : "", body ? body_len : 0);
  r->body_len = body ? body_len : 0;
  r->headers = light__memdup0(headers ? headers : "", headers ? headers_len : 0);
  r->headers_len = headers ? headers_len : 0;
  if (!r->body || !r->headers || parse_headers(r) != 0) {
    light_response_free(r);
    return NULL;
  }
  static const char *const ids[] = {"X-Request-Id", "Request-Id", "X-Light-Request-Id"};
  for (size_t i = 0; i < sizeof ids / sizeof ids[0] && !r->request_id; i++)
    r->request_id = light_response_header(r, ids[i]);
  return r;
}

light_response *light__response_new(int status, const char *headers, size_t headers_len, const char *body,
                                    size_t body_len, cJSON *json, int retries) {
  return response_new(status, headers, headers_len, body, body_len, json, NULL, retries);
}

light_response *light__response_new_checked(int status, const char *headers, size_t headers_len, const char *body,
                                            size_t body_len, const light_json_member *sum, int retries) {
  return response_new(status, headers, headers_len, body, body_len, NULL, sum, retries);
}

int light__response_is_secret(const light_response *resp) { return resp ? resp->secret : 0; }

int light_response_status(const light_response *resp) { return resp ? resp->status : 0; }

/* Build the tree on first use (the body was validated by the exchange, so
 * this fails only on OOM, or for a body that is not JSON given directly). */
static cJSON *json_of(light_response *r) {
  pthread_mutex_lock(&r->json_mu);
  if (!r->json_state) {
    cJSON *j = NULL;
    light_error e = LIGHT_ERROR_INIT;
    if (r->body_len && light__codec_parse_json(r->body, r->body_len, &j, &e) == LIGHT_OK) r->json = j;
    light_error_clear(&e);
    r->json_state = 1;
  }
  cJSON *j = r->json;
  pthread_mutex_unlock(&r->json_mu);
  return j;
}

const cJSON *light_response_json(const light_response *resp) { return resp ? json_of((light_response *)resp) : NULL; }

const char *light_response_body(const light_response *resp, size_t *len) {
  if (len) *len = resp ? resp->body_len : 0;
  return resp ? resp->body : NULL;
}

const char *light_response_header(const light_response *resp, const char *name) {
  if (!resp || !name) return NULL;
  for (size_t i = 0; i < resp->n_pairs; i++)
    if (strcasecmp(resp->pairs[i].name, name) == 0) return resp->pairs[i].value;
  return NULL;
}

const char *light_response_headers(const light_response *resp, size_t *len) {
  if (len) *len = resp ? resp->headers_len : 0;
  return resp ? resp->headers : NULL;
}

int light_response_header_at(const light_response *resp, size_t i, const char **name, size_t *name_len,
                             const char **value, size_t *value_len) {
  if (!resp || i >= resp->n_pairs) return 0;
  if (name) *name = resp->pairs[i].name;
  if (name_len) *name_len = strlen(resp->pairs[i].name);
  if (value) *value = resp->pairs[i].value;
  if (value_len) *value_len = strlen(resp->pairs[i].value);
  return 1;
}

int light_header_next(const char *block, size_t len, size_t *pos, const char **name, size_t *name_len,
                      const char **value, size_t *value_len) {
  if (!block || !pos) return 0;
  while (*pos < len) {
    const char *p = block + *pos, *end = block + len;
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    const char *le = nl ? nl : end;
    *pos = (size_t)((nl ? nl + 1 : end) - block);
    if (le > p && le[-1] == '\r') le--;
    const char *colon = memchr(p, ':', (size_t)(le - p));
    if (!colon || colon == p || (le - p >= 5 && memcmp(p, "HTTP/", 5) == 0) || isspace((unsigned char)p[0])) continue;
    const char *v = colon + 1, *ve = le;
    while (v < ve && (*v == ' ' || *v == '\t')) v++;
    while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t')) ve--;
    if (name) *name = p;
    if (name_len) *name_len = (size_t)(colon - p);
    if (value) *value = v;
    if (value_len) *value_len = (size_t)(ve - v);
    return 1;
  }
  return 0;
}

const char *light_response_request_id(const light_response *resp) { return resp ? resp->request_id : NULL; }

int light_response_retries(const light_response *resp) { return resp ? resp->retries : 0; }

cJSON *light_response_take_json(light_response *resp) {
  if (!resp) return NULL;
  cJSON *j = json_of(resp);
  pthread_mutex_lock(&resp->json_mu);
  resp->json = NULL;
  pthread_mutex_unlock(&resp->json_mu);
  return j;
}

void light_response_free(light_response *resp) {
  if (!resp) return;
  if (resp->secret) {
    light_json_delete_wiped(resp->json);
    light__secret_wipe(resp->body, resp->body_len);
  } else {
    cJSON_Delete(resp->json);
  }
  free(resp->body);
  free(resp->headers);
  free(resp->parsed);
  free(resp->pairs);
  pthread_mutex_destroy(&resp->json_mu);
  free(resp);
}

/* ---- pagination -------------------------------------------------------- */

static double number_of(const cJSON *v, double dflt) {
  if (cJSON_IsNumber(v)) return v->valuedouble;
  if (cJSON_IsString(v) && v->valuestring) {
    char *end = NULL;
    double d = strtod(v->valuestring, &end);
    if (end && end != v->valuestring && *end == '\0') return d;
  }
  return dflt;
}

static int page_error(light_error *err, const light_response *resp, light_status code, const char *msg) {
  light__error_set(err, code,
                   code == LIGHT_E_DECODE             ? LIGHT_ERR_DECODE
                   : code == LIGHT_E_INVALID_ARGUMENT ? LIGHT_ERR_INVALID_ARGUMENT
                                                      : LIGHT_ERR_LIGHT,
                   "%s", msg);
  if (err && resp) {
    err->http_status = resp->status;
    err->retries = resp->retries;
    if (resp->request_id) err->request_id = light__strdup(resp->request_id);
  }
  return code;
}

/* 1 when the (validated) body is a JSON array. */
static int body_is_array(const light_response *r) {
  if (r->json) return cJSON_IsArray(r->json); /* a synthetic response made from a tree */
  for (size_t i = 0; i < r->body_len; i++) {
    char c = r->body[i];
    if (c != ' ' && c != '\t' && c != '\r' && c != '\n') return c == '[';
  }
  return 0;
}

int light_page_next_query(cJSON **next_query, const light_response *resp, const cJSON *prev_query, light_error *err) {
  if (next_query) *next_query = NULL;
  if (!resp || !next_query) return page_error(err, NULL, LIGHT_E_INVALID_ARGUMENT, "response or next_query is NULL");
  if (prev_query && !cJSON_IsObject(prev_query))
    return page_error(err, NULL, LIGHT_E_INVALID_ARGUMENT, "the previous query is not an object");
  if (body_is_array(resp)) return 0; /* a bare JSON array is the one and only page */
  const light_json_member *sum = resp->sum;
  if (sum[SUM_DATA].type != LIGHT_JSON_ARRAY) /* also: the root is no object */
    return page_error(err, resp, LIGHT_E_DECODE,
                      "the response of a paginated operation is neither a list envelope {data: [...], has_more, ...} "
                      "nor an array");
  size_t n = sum[SUM_DATA].count;
  /* has_more absent: fall back on next_page_url; an empty page always ends
   * the walk so a server that says "more" forever cannot loop us. */
  light_json_type hm = sum[SUM_HAS_MORE].type;
  int more = hm == LIGHT_JSON_TRUE || hm == LIGHT_JSON_FALSE ? hm == LIGHT_JSON_TRUE
                                                             : sum[SUM_NEXT_PAGE_URL].type == LIGHT_JSON_STRING;
  if (!more || n == 0) return 0;

  double prev_offset = prev_query ? number_of(cJSON_GetObjectItemCaseSensitive(prev_query, "offset"), 0) : 0;
  light_json_type ot = sum[SUM_OFFSET].type;
  double offset = (ot == LIGHT_JSON_NUMBER || ot == LIGHT_JSON_STRING) && !isnan(sum[SUM_OFFSET].number)
                      ? sum[SUM_OFFSET].number
                      : prev_offset;
  if (!isfinite(offset) || offset < 0) offset = prev_offset;
  double next = offset + (double)n;

  cJSON *q = prev_query ? cJSON_Duplicate(prev_query, 1) : cJSON_CreateObject();
  if (!q) return page_error(err, NULL, LIGHT_E_NOMEM, "out of memory");
  if (!cJSON_GetObjectItemCaseSensitive(q, "limit") && sum[SUM_LIMIT].type == LIGHT_JSON_NUMBER &&
      sum[SUM_LIMIT].number > 0) {
    if (!cJSON_AddNumberToObject(q, "limit", sum[SUM_LIMIT].number)) {
      cJSON_Delete(q);
      return page_error(err, NULL, LIGHT_E_NOMEM, "out of memory");
    }
  }
  cJSON *nv = cJSON_CreateNumber(next);
  if (!nv) {
    cJSON_Delete(q);
    return page_error(err, NULL, LIGHT_E_NOMEM, "out of memory");
  }
  if (cJSON_GetObjectItemCaseSensitive(q, "offset")) {
    cJSON_ReplaceItemInObjectCaseSensitive(q, "offset", nv);
  } else if (!cJSON_AddItemToObject(q, "offset", nv)) {
    cJSON_Delete(nv);
    cJSON_Delete(q);
    return page_error(err, NULL, LIGHT_E_NOMEM, "out of memory");
  }
  *next_query = q;
  return 1;
}
