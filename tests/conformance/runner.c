/* Conformance runner for C (tests/conformance/README.md): one JSON command per
 * line on stdin, one JSON outcome per line on stdout. Public API only; the
 * call's params object goes to the body (JSON-body operations) or the query
 * (the others), as the operation table says — what a C caller does by hand. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <light/light.h>

static void emit(cJSON *out) {
  char *text = cJSON_PrintUnformatted(out);
  puts(text ? text : "{\"ok\":false,\"kind\":\"RunnerError\",\"message\":\"cannot print\"}");
  fflush(stdout);
  free(text);
  cJSON_Delete(out);
}

static cJSON *ok_outcome(cJSON *result) {
  cJSON *o = cJSON_CreateObject();
  cJSON_AddBoolToObject(o, "ok", 1);
  cJSON_AddItemToObject(o, "result", result ? result : cJSON_CreateNull());
  return o;
}

static cJSON *runner_error(const char *msg) {
  cJSON *o = cJSON_CreateObject();
  cJSON_AddBoolToObject(o, "ok", 0);
  cJSON_AddStringToObject(o, "kind", "RunnerError");
  cJSON_AddStringToObject(o, "message", msg);
  return o;
}

static cJSON *error_outcome(const light_error *err) {
  cJSON *o = cJSON_CreateObject();
  cJSON_AddBoolToObject(o, "ok", 0);
  const char *kind = light_error_kind_name(err->kind);
  cJSON_AddStringToObject(o, "kind", err->kind == LIGHT_ERR_INVALID_ARGUMENT ? "ArgumentError" : kind ? kind : "?");
  if (err->http_status > 0)
    cJSON_AddNumberToObject(o, "status", err->http_status);
  else
    cJSON_AddNullToObject(o, "status");
  if (err->code == LIGHT_E_SIGNATURE)
    cJSON_AddStringToObject(o, "reason", light_signature_reason_name(err->signature_reason));
  else
    cJSON_AddNullToObject(o, "reason");
  cJSON_AddStringToObject(o, "message", err->message ? err->message : light_strerror(err->code));
  cJSON_AddStringToObject(o, "native_kind", kind ? kind : "?");
  return o;
}

/* The case file's markers for values JSON cannot carry, as C sees them. */
static cJSON *decode(const cJSON *v) {
  if (cJSON_IsObject(v) && v->child && !v->child->next && v->child->string) {
    const cJSON *x = v->child;
    if (strcmp(x->string, "$nan") == 0) return cJSON_CreateNumber(NAN);
    if (strcmp(x->string, "$inf") == 0) return cJSON_CreateNumber(x->valuedouble > 0 ? INFINITY : -INFINITY);
    if (strcmp(x->string, "$int") == 0) return cJSON_CreateNumber(strtod(x->valuestring, NULL));
  }
  cJSON *out = cJSON_Duplicate(v, 0);
  if (cJSON_IsObject(v) || cJSON_IsArray(v)) {
    for (const cJSON *c = v->child; c; c = c->next) {
      cJSON *d = decode(c);
      if (cJSON_IsObject(v))
        cJSON_AddItemToObject(out, c->string, d);
      else
        cJSON_AddItemToArray(out, d);
    }
  }
  return out;
}

/* hex → bytes (for "$bytes"/"$hex" payloads); caller frees. */
static unsigned char *unhex(const char *h, size_t *len) {
  size_t n = strlen(h) / 2;
  unsigned char *b = malloc(n + 1);
  for (size_t i = 0; b && i < n; i++) {
    unsigned v = 0;
    sscanf(h + 2 * i, "%2x", &v);
    b[i] = (unsigned char)v;
  }
  if (b) b[n] = 0;
  *len = n;
  return b;
}

static const char *str(const cJSON *o, const char *k) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
  return cJSON_IsString(v) ? v->valuestring : NULL;
}

typedef struct cached {
  char *key;
  light_client *app;
  light_client *client;
} cached;

static cached cache[64];
static int n_cache;

static light_status make_client(const cJSON *spec, const cJSON *env, light_client **app_out, light_client **out,
                                light_error *err) {
  const char *kind = str(spec, "kind");
  if (!kind) kind = "app";
  light_client_options o;
  light_client_options_init(&o, LIGHT_CLIENT_OPTIONS_VERSION);
  o.base_url = str(env, "base_url");
  o.app_token = str(env, "app_token");
  o.retry_base_s = 0.01;
  o.retry_max_s = 0.05;
  /* options by name through the core's option table (durations in seconds), as a binding does;
   * strings are borrowed from the command, which outlives the client's creation */
  const cJSON *opts = cJSON_GetObjectItemCaseSensitive(spec, "options");
  for (const cJSON *x = opts ? opts->child : NULL; x; x = x->next) {
    light_status st;
    size_t nlen = strlen(x->string);
    cJSON *num = cJSON_IsObject(x) ? decode(x) : NULL; /* {"$nan": 1} markers */
    const cJSON *v = num ? num : x;
    if (!light_option_find(x->string, nlen))
      st = light_option_unknown_error(x->string, nlen, err);
    else if (cJSON_IsString(v))
      st = light_client_options_set_string(&o, x->string, v->valuestring, strlen(v->valuestring), err);
    else if (cJSON_IsBool(v))
      st = light_client_options_set_bool(&o, x->string, cJSON_IsTrue(v), err);
    else if (cJSON_IsNumber(v))
      st = light_client_options_set_seconds(&o, x->string, v->valuedouble, err);
    else
      st = light_option_type_error(light_option_find(x->string, nlen), x->string, "a structured value", err);
    cJSON_Delete(num);
    if (st != LIGHT_OK) return st;
  }
  *app_out = NULL;
  if (strcmp(kind, "account_token") == 0) {
    o.app_token = NULL;
    o.account_token = str(spec, "account_token");
    return light_client_new(out, &o, err);
  }
  light_client *app = NULL;
  light_status st = light_client_new(&app, &o, err);
  if (st != LIGHT_OK) return st;
  if (strcmp(kind, "account") == 0) {
    st = light_client_for_account(out, app, str(spec, "account_uuid"), err);
    if (st != LIGHT_OK) {
      light_client_free(app);
      return st;
    }
    *app_out = app;
    return LIGHT_OK;
  }
  *out = app;
  return LIGHT_OK;
}

static light_status client_for(const cJSON *spec, const cJSON *env, light_client **out, int *fresh_out,
                               light_client **fresh_app, light_error *err) {
  cJSON *s = cJSON_Duplicate(spec, 1);
  cJSON_DeleteItemFromObjectCaseSensitive(s, "fresh");
  char *key = cJSON_PrintUnformatted(s);
  cJSON_Delete(s);
  int fresh = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(spec, "fresh"));
  *fresh_out = fresh;
  *fresh_app = NULL;
  if (!fresh) {
    for (int i = 0; i < n_cache; i++)
      if (strcmp(cache[i].key, key) == 0) {
        free(key);
        *out = cache[i].client;
        return LIGHT_OK;
      }
  }
  light_client *app = NULL;
  light_status st = make_client(spec, env, &app, out, err);
  if (st != LIGHT_OK || fresh || n_cache == 64) {
    free(key);
    *fresh_app = app;
    *fresh_out = 1;
    return st;
  }
  cache[n_cache].key = key;
  cache[n_cache].app = app;
  cache[n_cache].client = *out;
  n_cache++;
  return LIGHT_OK;
}

static cJSON *run_webhook(const cJSON *call) {
  const cJSON *payload = cJSON_GetObjectItemCaseSensitive(call, "payload");
  const char *p = cJSON_IsString(payload) ? payload->valuestring : "";
  light_error err = LIGHT_ERROR_INIT;
  cJSON *res = NULL;
  if (strcmp(str(call, "type"), "sign") == 0) {
    char out[LIGHT_SIGNATURE_MAX];
    const char *secret = str(call, "secret");
    const cJSON *ts = cJSON_GetObjectItemCaseSensitive(call, "timestamp");
    light_status st = light_webhook_sign(out, sizeof out, p, strlen(p), secret, secret ? strlen(secret) : 0,
                                         cJSON_IsNumber(ts) ? (int64_t)ts->valuedouble : (int64_t)time(NULL));
    if (st != LIGHT_OK) {
      err.code = st;
      err.kind = LIGHT_ERR_INVALID_ARGUMENT;
      return error_outcome(&err);
    }
    return ok_outcome(cJSON_CreateString(out));
  }
  const char *secrets[16];
  size_t n = 0;
  const cJSON *sec = cJSON_GetObjectItemCaseSensitive(call, "secret");
  if (cJSON_IsString(sec)) {
    secrets[n++] = sec->valuestring;
  } else {
    for (const cJSON *x = sec ? sec->child : NULL; x && n < 16; x = x->next) secrets[n++] = x->valuestring;
  }
  const cJSON *tol = cJSON_GetObjectItemCaseSensitive(call, "tolerance");
  const cJSON *now = cJSON_GetObjectItemCaseSensitive(call, "now");
  light_status st =
      light_webhook_construct_event(&res, p, strlen(p), str(call, "signature"), secrets, n,
                                    cJSON_IsNumber(tol) ? (int64_t)tol->valuedouble : LIGHT_WEBHOOK_DEFAULT_TOLERANCE,
                                    cJSON_IsNumber(now) ? (int64_t)now->valuedouble : (int64_t)time(NULL), &err);
  cJSON *o = st == LIGHT_OK ? ok_outcome(res) : error_outcome(&err);
  light_error_clear(&err);
  return o;
}

static cJSON *run_case(const cJSON *c, const cJSON *env) {
  const cJSON *call = cJSON_GetObjectItemCaseSensitive(c, "call");
  const char *type = str(call, "type");
  if (!type) return runner_error("case without call.type");
  if (strcmp(type, "operations") == 0) {
    cJSON *ids = cJSON_CreateArray();
    for (size_t i = 0; i < light_operation_count(); i++)
      cJSON_AddItemToArray(ids, cJSON_CreateString(light_operation_at(i)->id));
    return ok_outcome(ids);
  }
  if (strcmp(type, "verify") == 0 || strcmp(type, "sign") == 0) return run_webhook(call);

  cJSON *empty = cJSON_CreateObject();
  const cJSON *spec = cJSON_GetObjectItemCaseSensitive(c, "client");
  if (!spec) spec = empty;
  light_error err = LIGHT_ERROR_INIT;
  light_client *client = NULL, *fresh_app = NULL;
  int fresh = 0;
  cJSON *out = NULL;
  if (strcmp(type, "new_client") == 0) {
    cJSON *s = cJSON_Duplicate(spec, 1);
    cJSON_AddBoolToObject(s, "fresh", 1);
    light_status st = client_for(s, env, &client, &fresh, &fresh_app, &err);
    cJSON_Delete(s);
    out = st == LIGHT_OK ? ok_outcome(NULL) : error_outcome(&err);
    goto done;
  }
  if (client_for(spec, env, &client, &fresh, &fresh_app, &err) != LIGHT_OK) {
    out = error_outcome(&err);
    goto done;
  }

  light_params p = LIGHT_PARAMS_INIT;
  const cJSON *opts = cJSON_GetObjectItemCaseSensitive(call, "options");
  const cJSON *x;
  if ((x = cJSON_GetObjectItemCaseSensitive(opts, "timeout"))) p.timeout_ms = (long)(x->valuedouble * 1000);
  if ((x = cJSON_GetObjectItemCaseSensitive(opts, "max_retries"))) p.max_retries = x->valueint;
  cJSON *params = NULL;
  const cJSON *praw = cJSON_GetObjectItemCaseSensitive(call, "params");
  if (praw && !cJSON_IsNull(praw)) params = decode(praw);
  light_response *resp = NULL;
  light_status st;
  unsigned char *file_data = NULL;
  light_file file = {NULL, NULL, NULL, NULL, 0};

  if (strcmp(type, "raw") == 0) {
    cJSON *q = NULL, *b = NULL;
    if ((x = cJSON_GetObjectItemCaseSensitive(call, "query")) && !cJSON_IsNull(x)) p.query = q = decode(x);
    if ((x = cJSON_GetObjectItemCaseSensitive(call, "body")) && !cJSON_IsNull(x)) p.body = b = decode(x);
    st = light_request(&resp, client, str(call, "method"), str(call, "path"), &p, &err);
    out = st == LIGHT_OK ? ok_outcome(light_response_take_json(resp)) : error_outcome(&err);
    cJSON_Delete(q);
    cJSON_Delete(b);
  } else {
    const light_operation *op = light_operation_find(str(call, "op"));
    if (!op) {
      out = runner_error("unknown operation");
      cJSON_Delete(params);
      goto done;
    }
    const char *pv[8];
    size_t npv = 0;
    const cJSON *path = cJSON_GetObjectItemCaseSensitive(call, "path");
    for (const cJSON *e = path ? path->child : NULL; e && npv < 8; e = e->next)
      pv[npv++] = cJSON_IsString(e) ? e->valuestring : NULL;
    p.path_params = pv;
    p.n_path_params = npv;
    if (op->body == LIGHT_BODY_MULTIPART) {
      const cJSON *f = cJSON_GetObjectItemCaseSensitive(params, "file");
      const cJSON *hex = f ? cJSON_GetObjectItemCaseSensitive(f, "$bytes") : NULL;
      size_t len = 0;
      file_data = unhex(cJSON_IsString(hex) ? hex->valuestring : "", &len);
      file.data = file_data;
      file.len = len;
      p.file = &file;
    } else if (op->body == LIGHT_BODY_JSON) {
      p.body = params;
    } else {
      p.query = params;
    }
    int iterate = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(call, "iterate"));
    st = light_call(&resp, client, op->id, &p, &err);
    if (st == LIGHT_OK && op->paginated && iterate) {
      cJSON *items = cJSON_CreateArray();
      cJSON *q = NULL;
      for (;;) {
        const cJSON *data = cJSON_GetObjectItemCaseSensitive(light_response_json(resp), "data");
        for (const cJSON *it = data ? data->child : NULL; it; it = it->next)
          cJSON_AddItemToArray(items, cJSON_Duplicate(it, 1));
        cJSON *next = NULL;
        int more = light_page_next_query(&next, resp, p.query, NULL);
        light_response_free(resp);
        resp = NULL;
        if (more != 1) break;
        cJSON_Delete(q);
        p.query = q = next;
        st = light_call(&resp, client, op->id, &p, &err);
        if (st != LIGHT_OK) break;
      }
      cJSON_Delete(q);
      if (st == LIGHT_OK) {
        cJSON *r = cJSON_CreateObject();
        cJSON_AddItemToObject(r, "items", items);
        out = ok_outcome(r);
      } else {
        cJSON_Delete(items);
        out = error_outcome(&err);
      }
    } else {
      out = st == LIGHT_OK ? ok_outcome(light_response_take_json(resp)) : error_outcome(&err);
    }
  }
  light_response_free(resp);
  free(file_data);
  cJSON_Delete(params);
done:
  if (fresh) {
    if (client != fresh_app) light_client_free(client);
    light_client_free(fresh_app);
  }
  light_error_clear(&err);
  cJSON_Delete(empty);
  return out;
}

int main(void) {
  size_t cap = 1 << 16;
  char *line = malloc(cap);
  while (line && fgets(line, (int)cap, stdin)) {
    size_t len = strlen(line);
    while (len == cap - 1 && line[len - 1] != '\n') { /* a longer line: grow and read on */
      char *bigger = realloc(line, cap * 2);
      if (!bigger) break;
      line = bigger;
      if (!fgets(line + len, (int)(cap + 1), stdin)) break;
      cap *= 2;
      len = strlen(line);
    }
    cJSON *cmd = cJSON_Parse(line);
    if (!cmd) {
      emit(runner_error("bad command line"));
      continue;
    }
    const char *name = str(cmd, "cmd");
    if (name && strcmp(name, "quit") == 0) {
      cJSON_Delete(cmd);
      break;
    }
    emit(run_case(cJSON_GetObjectItemCaseSensitive(cmd, "case"), cJSON_GetObjectItemCaseSensitive(cmd, "env")));
    cJSON_Delete(cmd);
  }
  free(line);
  for (int i = 0; i < n_cache; i++) {
    if (cache[i].client != cache[i].app) light_client_free(cache[i].client);
    light_client_free(cache[i].app);
    free(cache[i].key);
  }
  return 0;
}
