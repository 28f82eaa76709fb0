/* Responses (light/client.h): status, raw body, parsed JSON, headers, and the
 * pagination helper light_page_next_query(). Immutable once built, so a
 * response may be read from any thread. */
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "codec.h"
#include "internal.h"

typedef struct header_pair {
  const char *name; /* into names/values storage */
  const char *value;
} header_pair;

struct light_response {
  int status;
  int retries;
  cJSON *json;
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

static char *copy_bytes(const char *p, size_t n) {
  char *r = malloc(n + 1);
  if (!r) return NULL;
  if (n) memcpy(r, p, n);
  r[n] = '\0';
  return r;
}

/* Split "Name: value\r\n" lines into pairs (status lines and junk skipped). */
static int parse_headers(light_response *r) {
  size_t lines = 0;
  for (size_t i = 0; i < r->headers_len; i++)
    if (r->headers[i] == '\n') lines++;
  r->parsed = copy_bytes(r->headers, r->headers_len);
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

light_response *light__response_new(int status, const char *headers, size_t headers_len, const char *body,
                                    size_t body_len, cJSON *json, int retries) {
  light_response *r = calloc(1, sizeof *r);
  if (!r) {
    cJSON_Delete(json);
    return NULL;
  }
  r->status = status;
  r->retries = retries;
  r->json = json;
  /* create_account_token (or a raw mint) answers {token, expires_at}. Only
   * such responses are wiped: wiping every tree would cost several times a
   * plain cJSON_Delete on large pages. */
  r->secret = cJSON_IsObject(json) && (cJSON_IsString(cJSON_GetObjectItemCaseSensitive(json, "token")) ||
                                       cJSON_IsString(cJSON_GetObjectItemCaseSensitive(json, "account_token")));
  r->body = copy_bytes(body ? body : "", body ? body_len : 0);
  r->body_len = body ? body_len : 0;
  r->headers = copy_bytes(headers ? headers : "", headers ? headers_len : 0);
  r->headers_len = headers ? headers_len : 0;
  if (!r->body || !r->headers || parse_headers(r) != 0) {
    light_response_free(r);
    return NULL;
  }
  static const char *const ids[] = {"X-Request-Id", "Request-Id", "X-Light-Request-Id"};
  for (size_t i = 0; i < sizeof ids / sizeof ids[0] && !r->request_id; i++) r->request_id = light_response_header(r, ids[i]);
  return r;
}

int light__response_is_secret(const light_response *resp) { return resp ? resp->secret : 0; }

int light_response_status(const light_response *resp) { return resp ? resp->status : 0; }

const cJSON *light_response_json(const light_response *resp) { return resp ? resp->json : NULL; }

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
  cJSON *j = resp->json;
  resp->json = NULL;
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
  light__error_set(err, code, code == LIGHT_E_DECODE ? LIGHT_ERR_DECODE
                              : code == LIGHT_E_INVALID_ARGUMENT ? LIGHT_ERR_INVALID_ARGUMENT : LIGHT_ERR_LIGHT,
                   "%s", msg);
  if (err && resp) {
    err->http_status = resp->status;
    err->retries = resp->retries;
    if (resp->request_id) err->request_id = light__strdup(resp->request_id);
  }
  return code;
}

int light_page_next_query(const light_response *resp, const cJSON *prev_query, cJSON **next_query,
                          light_error *err) {
  if (next_query) *next_query = NULL;
  if (!resp || !next_query) return page_error(err, NULL, LIGHT_E_INVALID_ARGUMENT, "response or next_query is NULL");
  if (prev_query && !cJSON_IsObject(prev_query))
    return page_error(err, NULL, LIGHT_E_INVALID_ARGUMENT, "the previous query is not an object");
  const cJSON *j = resp->json;
  if (cJSON_IsArray(j)) return 0; /* a bare JSON array is the one and only page */
  const cJSON *data = cJSON_IsObject(j) ? cJSON_GetObjectItemCaseSensitive(j, "data") : NULL;
  if (!cJSON_IsArray(data))
    return page_error(err, resp, LIGHT_E_DECODE,
                      "the response of a paginated operation is neither a list envelope {data: [...], has_more, ...} "
                      "nor an array");
  const cJSON *has_more = cJSON_GetObjectItemCaseSensitive(j, "has_more");
  int n = cJSON_GetArraySize(data);
  /* has_more absent: fall back on next_page_url; an empty page always ends
   * the walk so a server that says "more" forever cannot loop us. */
  int more = cJSON_IsBool(has_more) ? cJSON_IsTrue(has_more)
                                    : cJSON_IsString(cJSON_GetObjectItemCaseSensitive(j, "next_page_url"));
  if (!more || n == 0) return 0;

  double prev_offset = prev_query ? number_of(cJSON_GetObjectItemCaseSensitive(prev_query, "offset"), 0) : 0;
  double offset = number_of(cJSON_GetObjectItemCaseSensitive(j, "offset"), prev_offset);
  if (!isfinite(offset) || offset < 0) offset = prev_offset;
  double next = offset + n;

  cJSON *q = prev_query ? cJSON_Duplicate(prev_query, 1) : cJSON_CreateObject();
  if (!q) return page_error(err, NULL, LIGHT_E_NOMEM, "out of memory");
  const cJSON *limit = cJSON_GetObjectItemCaseSensitive(j, "limit");
  if (!cJSON_GetObjectItemCaseSensitive(q, "limit") && cJSON_IsNumber(limit) && limit->valuedouble > 0) {
    if (!cJSON_AddNumberToObject(q, "limit", limit->valuedouble)) {
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
