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

/* Stream a case value (markers decoded) into record arguments. */
static void stream(light_args *a, const cJSON *raw) {
  cJSON *v = decode(raw);
  if (cJSON_IsString(v))
    light_args_string(a, v->valuestring, strlen(v->valuestring));
  else if (cJSON_IsBool(v))
    light_args_bool(a, cJSON_IsTrue(v));
  else if (cJSON_IsNumber(v))
    light_args_double(a, v->valuedouble);
  else if (cJSON_IsNull(v))
    light_args_null(a);
  else if (cJSON_IsArray(v)) {
    light_args_begin_array(a, (size_t)cJSON_GetArraySize(v));
    for (const cJSON *c = v->child; c; c = c->next) stream(a, c);
    light_args_end(a);
  } else {
    light_args_begin_object(a);
    for (const cJSON *c = v->child; c; c = c->next) {
      light_args_key(a, c->string, strlen(c->string));
      stream(a, c);
    }
    light_args_end(a);
  }
  cJSON_Delete(v);
}

/* Record arguments of a webhook call: the case's fields by name. */
static light_args *webhook_args(const cJSON *call, light_args_record_kind kind) {
  static const char *const verify[] = {"payload", "signature", "secret", "tolerance", "now", NULL};
  static const char *const sign[] = {"payload", "secret", "timestamp", NULL};
  light_args *a = NULL;
  light_args_new_record(&a, kind, 0);
  light_args_section(a, LIGHT_ARGS_PARAMS);
  for (const char *const *n = kind == LIGHT_ARGS_WEBHOOK_SIGN ? sign : verify; *n; n++) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(call, *n);
    if (!v) continue;
    light_args_key(a, *n, strlen(*n));
    stream(a, v);
  }
  light_args_finish(a);
  return a;
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

/* Options as record arguments (light_args_new_record), as the bindings pass them: the core checks
 * names, kinds and values. The record (*keep, caller frees) holds the strings @p o borrows. */
static light_status options_of(const cJSON *spec, light_client_options *o, light_args **keep, light_error *err) {
  const cJSON *opts = cJSON_GetObjectItemCaseSensitive(spec, "options");
  *keep = NULL;
  if (!opts) return LIGHT_OK;
  light_args_new_record(keep, LIGHT_ARGS_CLIENT_OPTIONS, 0);
  for (const cJSON *x = opts->child; x; x = x->next) {
    light_args_key(*keep, x->string, strlen(x->string));
    stream(*keep, x);
  }
  light_status st = light_args_finish(*keep);
  if (st == LIGHT_OK) st = light_args_client_options(*keep, o);
  if (st != LIGHT_OK) light_args_error(*keep, err);
  return st;
}

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
  light_args *keep = NULL;
  light_status st = options_of(spec, &o, &keep, err);
  *app_out = NULL;
  light_client *app = NULL;
  if (st == LIGHT_OK && strcmp(kind, "account_token") == 0) {
    o.app_token = NULL;
    o.account_token = str(spec, "account_token");
    st = light_client_new(out, &o, err);
  } else if (st == LIGHT_OK) {
    st = light_client_new(&app, &o, err);
    if (st == LIGHT_OK && strcmp(kind, "account") == 0) {
      st = light_client_for_account(out, app, str(spec, "account_uuid"), err);
      if (st != LIGHT_OK) light_client_free(app);
      if (st == LIGHT_OK) *app_out = app;
    } else if (st == LIGHT_OK) {
      *out = app;
    }
  }
  light_args_free(keep);
  return st;
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
  light_error err = LIGHT_ERROR_INIT;
  cJSON *res = NULL, *o;
  int sign = strcmp(str(call, "type"), "sign") == 0;
  light_args *a = webhook_args(call, sign ? LIGHT_ARGS_WEBHOOK_SIGN : LIGHT_ARGS_WEBHOOK_VERIFY);
  char out[LIGHT_SIGNATURE_MAX];
  size_t len = 0;
  light_status st = sign ? light_webhook_sign_args(out, sizeof out, a, &err) : light_webhook_verify_args(a, &err);
  if (st == LIGHT_OK && !sign) {
    const char *p = light_args_payload(a, &len);
    st = light_webhook_parse_event(&res, p, len, &err);
  }
  o = st != LIGHT_OK ? error_outcome(&err) : ok_outcome(sign ? cJSON_CreateString(out) : res);
  light_error_clear(&err);
  light_args_free(a);
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
