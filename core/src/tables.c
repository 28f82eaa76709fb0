/* The operation table and errors as JSON (light/options.h): what bindings
 * hand their runtime with their cJSON converter, so each field is named and
 * shaped once, here. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "light/client.h"
#include "light/operation.h"
#include "light/options.h"

static int add_str(cJSON *o, const char *k, const char *v) { return !v || cJSON_AddStringToObject(o, k, v) != NULL; }

static int add_list(cJSON *o, const char *k, const char *const *l) {
  cJSON *arr = cJSON_AddArrayToObject(o, k);
  for (; arr && l && *l; l++)
    if (!cJSON_AddItemToArray(arr, cJSON_CreateString(*l))) return 0;
  return arr != NULL;
}

cJSON *light_operation_table_json(unsigned flags) {
  static const char *const auth[] = {"none", "app", "account"};
  static const char *const body[] = {"none", "json", "multipart"};
  static const char *const conf[] = {"documented", "example_app", "inferred"};
  int camel = (flags & LIGHT_TABLE_CAMEL_KEYS) != 0;
  cJSON *arr = cJSON_CreateArray();
  size_t n = light_operation_count();
  for (size_t i = 0; arr && i < n; i++) {
    const light_operation *op = light_operation_at(i);
    cJSON *it = cJSON_CreateObject();
    int ok = it && cJSON_AddItemToArray(arr, it) && add_str(it, "id", op->id) && add_str(it, "method", op->method) &&
             add_str(it, "path", op->path) && add_str(it, "auth", auth[op->auth % 3]) &&
             add_str(it, "body", body[op->body % 3]) && cJSON_AddBoolToObject(it, "paginated", op->paginated) &&
             cJSON_AddBoolToObject(it, "idempotent", op->idempotent) &&
             cJSON_AddBoolToObject(it, "inferred", op->inferred) &&
             add_str(it, "confidence", conf[op->confidence % 3]) && add_str(it, "ns", op->ns) &&
             add_str(it, "name", op->name) && add_list(it, camel ? "pathParams" : "path_params", op->path_params) &&
             add_list(it, camel ? "queryParams" : "query_params", op->query_params) &&
             add_list(it, "required", op->required) &&
             cJSON_AddNumberToObject(it, camel ? "successStatus" : "success_status", op->success_status) &&
             add_str(it, "summary", op->summary);
    if (!ok) {
      cJSON_Delete(arr);
      return NULL;
    }
  }
  return arr;
}

/* {lower-case name: value}, repeated names joined with ", " (as fetch's Headers does). */
static cJSON *headers_json(const char *block, size_t len) {
  cJSON *obj = cJSON_CreateObject();
  size_t pos = 0, nl, vl;
  const char *name, *v;
  while (obj && light_header_next(block, len, &pos, &name, &nl, &v, &vl)) {
    char key[256];
    if (nl >= sizeof key) continue; /* no real header name is this long */
    for (size_t i = 0; i < nl; i++) key[i] = (char)tolower((unsigned char)name[i]);
    key[nl] = '\0';
    cJSON *prev = cJSON_GetObjectItemCaseSensitive(obj, key);
    size_t pl = prev && prev->valuestring ? strlen(prev->valuestring) : 0;
    char *text = malloc(pl + (prev ? 2 : 0) + vl + 1);
    if (!text) break;
    if (prev) memcpy(text, prev->valuestring, pl), memcpy(text + pl, ", ", 2), pl += 2;
    memcpy(text + pl, v, vl);
    text[pl + vl] = '\0';
    cJSON *s = cJSON_CreateString(text);
    free(text);
    if (!s || !(prev ? cJSON_ReplaceItemInObjectCaseSensitive(obj, key, s) : cJSON_AddItemToObject(obj, key, s))) {
      cJSON_Delete(s);
      break;
    }
  }
  return obj;
}

cJSON *light_error_details_json(const light_error *err, unsigned flags) {
  int camel = (flags & LIGHT_TABLE_CAMEL_KEYS) != 0;
  cJSON *d = cJSON_CreateObject();
  if (!d || !err) return d;
  light_error_kind kind =
      err->kind > LIGHT_ERR_NONE && (size_t)err->kind < light_error_kind_count() ? err->kind : LIGHT_ERR_LIGHT;
  int api = err->http_status > 0;
  int ok =
      add_str(d, "kind", light_error_kind_name(kind)) &&
      add_str(d, "message", err->message ? err->message : light_strerror(err->code)) &&
      (!api || cJSON_AddNumberToObject(d, "status", err->http_status)) &&
      add_str(d, camel ? "requestId" : "request_id", err->request_id) &&
      (!(api || err->headers) || cJSON_AddItemToObject(d, "headers", headers_json(err->headers, err->headers_len))) &&
      cJSON_AddNumberToObject(d, "retries", err->retries) &&
      (err->retry_after < 0 || cJSON_AddNumberToObject(d, camel ? "retryAfter" : "retry_after", err->retry_after)) &&
      (err->code != LIGHT_E_SIGNATURE || add_str(d, "reason", light_signature_reason_name(err->signature_reason))) &&
      add_str(d, "param", err->param);
  if (!ok) {
    cJSON_Delete(d);
    return NULL;
  }
  return d;
}
