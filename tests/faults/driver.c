/* Fault-matrix driver for C (tests/faults/test_fault_matrix.py).
 *
 * Reads commands from stdin, one per line, fields separated by tabs:
 *   new <TAB> base_url=U <TAB> token=T [<TAB> connect_timeout_ms=N] [<TAB> max_response_bytes=N] [<TAB> ca_file=F]
 *   call <TAB> op=get|post [<TAB> timeout_ms=N] [<TAB> email=E]
 *   close
 *   quit
 * and answers each with one JSON line: {"ok": true} or
 * {"ok": false, "kind", "status", "retries", "message"}. The same client
 * serves every call until the next `new`, so a faulted call followed by a
 * clean one shows the client is still usable. Public API only. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <light/light.h>

#define MAX_FIELDS 16

typedef struct field {
  const char *key;
  const char *value;
} field;

static const char *get(const field *f, int n, const char *key) {
  for (int i = 0; i < n; i++)
    if (strcmp(f[i].key, key) == 0) return f[i].value;
  return NULL;
}

/* Split "cmd\tk=v\tk=v" in place; returns the number of fields. */
static int split(char *line, char **cmd, field *f) {
  int n = 0;
  char *save = NULL;
  *cmd = strtok_r(line, "\t", &save);
  for (char *tok = strtok_r(NULL, "\t", &save); tok && n < MAX_FIELDS; tok = strtok_r(NULL, "\t", &save)) {
    char *eq = strchr(tok, '=');
    if (!eq) continue;
    *eq = '\0';
    f[n].key = tok;
    f[n].value = eq + 1;
    n++;
  }
  return n;
}

static void put_json_string(const char *s) {
  cJSON *str = cJSON_CreateString(s ? s : "");
  char *text = str ? cJSON_PrintUnformatted(str) : NULL;
  fputs(text ? text : "\"\"", stdout);
  free(text);
  cJSON_Delete(str);
}

static void reply_ok(void) {
  puts("{\"ok\": true}");
  fflush(stdout);
}

static void reply_error(const light_error *err) {
  printf("{\"ok\": false, \"kind\": ");
  put_json_string(light_error_kind_name(err->kind));
  if (err->http_status > 0)
    printf(", \"status\": %d", err->http_status);
  else
    printf(", \"status\": null");
  printf(", \"retries\": %d, \"code\": ", err->retries);
  put_json_string(light_strerror(err->code));
  printf(", \"message\": ");
  put_json_string(err->message);
  puts("}");
  fflush(stdout);
}

static void reply_usage(const char *what) {
  printf("{\"ok\": false, \"kind\": \"DriverError\", \"status\": null, \"retries\": null, \"message\": ");
  put_json_string(what);
  puts("}");
  fflush(stdout);
}

static light_client *client_new(const field *f, int n, light_error *err) {
  light_client_options o;
  light_client_options_init(&o, LIGHT_CLIENT_OPTIONS_VERSION);
  o.app_token = get(f, n, "token");
  o.base_url = get(f, n, "base_url");
  o.retry_base_s = 0.01; /* fast backoff; the policy itself is the core's */
  o.retry_max_s = 0.05;
  const char *v;
  if ((v = get(f, n, "connect_timeout_ms"))) o.connect_timeout_ms = strtol(v, NULL, 10);
  if ((v = get(f, n, "max_response_bytes"))) o.max_response_bytes = (size_t)strtoull(v, NULL, 10);
  if ((v = get(f, n, "ca_file"))) o.ca_file = v;
  light_client *c = NULL;
  if (light_client_new(&c, &o, err) != LIGHT_OK) return NULL;
  return c;
}

static void call(light_client *c, const field *f, int n) {
  const char *op = get(f, n, "op");
  const char *v = get(f, n, "timeout_ms");
  light_params p = LIGHT_PARAMS_INIT;
  if (v) p.timeout_ms = strtol(v, NULL, 10);
  cJSON *body = NULL;
  const char *op_id;
  if (op && strcmp(op, "get") == 0) {
    op_id = "list_plan_groups";
  } else if (op && strcmp(op, "post") == 0) {
    op_id = "create_account";
    body = cJSON_CreateObject();
    const char *email = get(f, n, "email");
    cJSON_AddStringToObject(body, "email", email ? email : "c-driver@example.com");
    p.body = body;
  } else {
    reply_usage("op must be get or post");
    return;
  }
  light_response *r = NULL;
  light_error err = LIGHT_ERROR_INIT;
  if (light_call(&r, c, op_id, &p, &err) == LIGHT_OK) {
    reply_ok();
  } else {
    reply_error(&err);
  }
  light_response_free(r);
  light_error_clear(&err);
  cJSON_Delete(body);
}

int main(void) {
  char line[8192];
  light_client *client = NULL;
  while (fgets(line, sizeof line, stdin)) {
    line[strcspn(line, "\r\n")] = '\0';
    char *cmd = NULL;
    field f[MAX_FIELDS];
    int n = split(line, &cmd, f);
    if (!cmd) continue;
    if (strcmp(cmd, "quit") == 0) break;
    if (strcmp(cmd, "new") == 0) {
      light_client_free(client);
      light_error err = LIGHT_ERROR_INIT;
      client = client_new(f, n, &err);
      if (client)
        reply_ok();
      else
        reply_error(&err);
      light_error_clear(&err);
    } else if (strcmp(cmd, "call") == 0) {
      if (client)
        call(client, f, n);
      else
        reply_usage("no client");
    } else if (strcmp(cmd, "close") == 0) {
      light_client_free(client);
      client = NULL;
      reply_ok();
    } else {
      reply_usage("unknown command");
    }
  }
  light_client_free(client);
  return 0;
}
